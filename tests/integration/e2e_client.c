#include "e2e_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "ots_box.h"
#include "ots_buf.h"
#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_tok.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* The stack's password cost (tests/integration/run). */
static const struct ots_kdf_params test_cost = { 8192, 1, 1 };

static void
b64(const uint8_t *p, size_t n, char *out, size_t max)
{
	cr_assert(max >= sodium_base64_ENCODED_LEN(n, B64));
	sodium_bin2base64(out, max, p, n, B64);
}

/* "Name: value" into out (max bytes). */
static void
header(char *out, size_t max, const char *name, const char *value)
{
	int n = snprintf(out, max, "%s: %s", name, value);

	cr_assert(n > 0 && (size_t)n < max, "header %s too long", name);
}

static void
tok_of(const char *s, struct ots_tok *t)
{
	cr_assert_eq(ots_tok_parse(s, strlen(s), t), OTS_OK, "bad token %s",
	    s);
}

/* The keys of a share, with its password at salt (raw) when given. */
static void
keys_of(const char *id_s, const char *secret_s, const char *password,
    const uint8_t *salt, struct ots_keys *k)
{
	struct ots_tok id, secret;
	uint8_t pw_key[OTS_KEY_BYTES];

	tok_of(id_s, &id);
	tok_of(secret_s, &secret);
	if (password != NULL)
		cr_assert_eq(ots_kdf_password(password, strlen(password), salt,
		    &test_cost, pw_key), OTS_OK);
	ots_kdf_share_keys(&secret, &id, password != NULL ? pw_key : NULL, k);
}

struct grow {
	uint8_t *p;
	size_t len;
};

static enum ots_err
grow_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct grow *g = ctx;
	uint8_t *np = realloc(g->p, g->len + n + 1);

	if (np == NULL)
		return OTS_ERR_NOMEM;
	memcpy(np + g->len, p, n);
	g->p = np;
	g->len += n;
	return OTS_OK;
}

void
e2e_make(struct e2e_share *s, const void *data, size_t len,
    const char *name, const char *password, const char *id_s)
{
	struct ots_tok id, secret;
	struct ots_keys k;
	struct ots_meta m;
	struct ots_buf sealed;
	struct ots_box_enc *enc = NULL;
	struct grow g = { NULL, 0 };
	uint8_t salt[OTS_KDF_SALT_BYTES], check[OTS_META_CHECK_BYTES];
	char enc_b64[700];

	memset(s, 0, sizeof(*s));
	if (id_s != NULL)
		tok_of(id_s, &id);
	else
		ots_tok_random(&id);
	ots_tok_random(&secret);
	memcpy(s->id, id.t_str, sizeof(s->id));
	memcpy(s->secret, secret.t_str, sizeof(s->secret));
	record_id(s->id);
	record_secret(s->secret);
	record_secret(name);
	if (password != NULL)
		record_secret(password);
	randombytes_buf(salt, sizeof(salt));
	keys_of(s->id, s->secret, password, salt, &k);

	memset(&m, 0, sizeof(m));
	m.m_kind = OTS_META_FILE;
	snprintf(m.m_name, sizeof(m.m_name), "%s", name);
	snprintf(m.m_type, sizeof(m.m_type), "application/octet-stream");
	ots_buf_init(&sealed, OTS_META_SEALED_MAX);
	cr_assert_eq(ots_meta_seal(k.k_meta, &id, &m, &sealed), OTS_OK);
	b64((const uint8_t *)sealed.b_data, sealed.b_len, enc_b64,
	    sizeof(enc_b64));
	header(s->h_meta, sizeof(s->h_meta), "X-Meta", enc_b64);
	ots_buf_release(&sealed);

	ots_meta_seal_check(k.k_link, &id, OTS_CHECK_LINK, check);
	b64(check, sizeof(check), enc_b64, sizeof(enc_b64));
	header(s->h_lcheck, sizeof(s->h_lcheck), "X-Link-Check", enc_b64);
	if (password != NULL) {
		s->protected = true;
		b64(salt, sizeof(salt), enc_b64, sizeof(enc_b64));
		header(s->h_salt, sizeof(s->h_salt), "X-Password-Salt",
		    enc_b64);
		snprintf(s->h_cost, sizeof(s->h_cost), "X-Password-Cost: %u,%u,"
		    "%u", test_cost.kp_mem_kib, test_cost.kp_time,
		    test_cost.kp_lanes);
		ots_meta_seal_check(k.k_pass, &id, OTS_CHECK_PASSWORD, check);
		b64(check, sizeof(check), enc_b64, sizeof(enc_b64));
		header(s->h_check, sizeof(s->h_check), "X-Password-Check",
		    enc_b64);
	}
	s->size = len;
	snprintf(s->h_size, sizeof(s->h_size), "X-Upload-Size: %zu", len);

	cr_assert_eq(ots_box_enc_new(k.k_file, &id, grow_sink, &g, &enc),
	    OTS_OK);
	cr_assert_eq(ots_box_enc_update(enc, data, len), OTS_OK);
	cr_assert_eq(ots_box_enc_finish(enc), OTS_OK);
	ots_box_enc_free(enc);
	s->container = g.p;
	s->clen = g.len;
	ots_kdf_keys_wipe(&k);
}

void
e2e_free(struct e2e_share *s)
{
	free(s->container);
	memset(s, 0, sizeof(*s));
}

void
e2e_seal_headers(const struct e2e_share *s, const char **h, size_t max)
{
	size_t n = 0;

	cr_assert(max >= 8);
	h[n++] = s->h_meta;
	h[n++] = s->h_lcheck;
	if (s->protected) {
		h[n++] = s->h_salt;
		h[n++] = s->h_cost;
		h[n++] = s->h_check;
	}
	h[n] = NULL;
}

/* Takes the owner token of an upload's JSON answer. */
static void
take_owner(struct e2e_share *s, const struct http_resp *r)
{
	const char *o = strstr(r->body, "\"owner_token\":\"");

	cr_assert(o != NULL, "%s", r->body);
	o += strlen("\"owner_token\":\"");
	memcpy(s->owner, o, 22);
	s->owner[22] = '\0';
	record_secret(s->owner);
}

long
e2e_put(struct e2e_share *s, struct http_resp *out)
{
	const char *h[12];
	char path[96];
	long status;

	e2e_seal_headers(s, h, 8);
	/* e2e_seal_headers ends the list at most at index 5. */
	{
		size_t n = 0;

		while (h[n] != NULL)
			n++;
		h[n++] = s->h_size;
		h[n++] = "Content-Type: application/octet-stream";
		h[n] = NULL;
	}
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", s->id);
	cr_assert_eq(http_do("PUT", path, h, s->container, s->clen, out), 0);
	status = out->status;
	if (status == 201)
		take_owner(s, out);
	return status;
}

/* A string field of a JSON answer into out (max bytes). */
static void
json_str(const char *body, const char *field, char *out, size_t max)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\":\"", field);
	p = strstr(body, pat);
	cr_assert(p != NULL, "no %s in %s", field, body);
	p += strlen(pat);
	end = strchr(p, '"');
	cr_assert(end != NULL && (size_t)(end - p) < max);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

long
e2e_create(size_t size, char *id, char *token)
{
	char hsize[48];
	const char *h[] = { hsize, NULL };
	struct http_resp r;
	long status;

	snprintf(hsize, sizeof(hsize), "X-Upload-Size: %zu", size);
	/* An empty body, "Content-Length: 0", as browsers send: lighttpd
	 * refuses a POST without a length (411). */
	cr_assert_eq(http_do("POST", "/api/v1/uploads", h, "", 0, &r), 0);
	status = r.status;
	if (status == 201) {
		json_str(r.body, "id", id, 23);
		json_str(r.body, "upload_token", token, 23);
		record_id(id);
		record_secret(token);
	}
	http_resp_free(&r);
	return status;
}

long
e2e_patch(const char *id, const char *token, uint64_t offset, const void *p,
    size_t n, struct http_resp *out)
{
	char path[96], auth[64], off[64];
	const char *h[] = { auth, off,
		"Content-Type: application/offset+octet-stream", NULL };

	snprintf(path, sizeof(path), "/api/v1/uploads/%s", id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	snprintf(off, sizeof(off), "Upload-Offset: %llu",
	    (unsigned long long)offset);
	cr_assert_eq(http_do("PATCH", path, h, p, n, out), 0);
	return out->status;
}

long
e2e_commit(struct e2e_share *s, const char *token, struct http_resp *out)
{
	const char *h[12];
	char path[128], auth[64];
	size_t n = 0;
	long status;

	e2e_seal_headers(s, h, 8);
	while (h[n] != NULL)
		n++;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	h[n++] = auth;
	h[n] = NULL;
	snprintf(path, sizeof(path), "/api/v1/uploads/%s/commit", s->id);
	cr_assert_eq(http_do("POST", path, h, "", 0, out), 0);
	status = out->status;
	if (status == 201)
		take_owner(s, out);
	return status;
}

long
e2e_upload_parts(struct e2e_share *s, const void *data, size_t len,
    const char *name, const char *password, size_t part)
{
	struct http_resp r;
	char id[23], token[23];
	uint64_t off = 0;
	long status;

	memset(s, 0, sizeof(*s));
	/* The id comes from the server: the container is made for it. */
	status = e2e_create(len, id, token);
	if (status != 201)
		return status;
	e2e_make(s, data, len, name, password, id);
	while (off < s->clen) {
		size_t n = s->clen - off < part ? s->clen - off : part;

		status = e2e_patch(id, token, off, s->container + off, n, &r);
		http_resp_free(&r);
		if (status != 204)
			return status;
		off += n;
	}
	status = e2e_commit(s, token, &r);
	http_resp_free(&r);
	return status;
}

void
e2e_proofs(const char *id, const char *secret, const char *password,
    const char *salt_b64, char *link_proof, char *pass_proof)
{
	uint8_t salt[OTS_KDF_SALT_BYTES];
	size_t n = 0;
	struct ots_keys k;

	/* No salt (a share gone): any will do, the proof is refused. */
	memset(salt, 0, sizeof(salt));
	if (password != NULL && salt_b64[0] != '\0')
		cr_assert(sodium_base642bin(salt, sizeof(salt), salt_b64,
		    strlen(salt_b64), NULL, &n, NULL, B64) == 0 &&
		    n == sizeof(salt));
	keys_of(id, secret, password, salt, &k);
	b64(k.k_link, sizeof(k.k_link), link_proof, 44);
	if (pass_proof != NULL)
		b64(k.k_pass, sizeof(k.k_pass), pass_proof, 44);
	ots_kdf_keys_wipe(&k);
}

void
e2e_salt(const char *id, const char *secret, char *salt_b64, size_t max)
{
	char proof[44], hdr[80], path[96];
	const char *h[] = { hdr, NULL };
	struct http_resp r;
	const char *p;

	e2e_proofs(id, secret, NULL, NULL, proof, NULL);
	snprintf(hdr, sizeof(hdr), "X-Link-Proof: %s", proof);
	snprintf(path, sizeof(path), "/api/v1/files/%s", id);
	cr_assert_eq(http_do("GET", path, h, NULL, 0, &r), 0);
	salt_b64[0] = '\0';
	p = strstr(r.body, "\"password_salt\":\"");
	if (r.status == 200 && p != NULL)
		json_str(r.body, "password_salt", salt_b64, max);
	http_resp_free(&r);
}

int
e2e_claim(const char *id, const char *secret, const char *password,
    struct http_resp *out, char *lease)
{
	char link[44], pass[44], salt[40] = "", path[96], body[160];
	static const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	int rc;

	if (password != NULL)
		e2e_salt(id, secret, salt, sizeof(salt));
	e2e_proofs(id, secret, password, salt, link, pass);
	if (password != NULL)
		snprintf(body, sizeof(body), "link_proof=%s&password_proof=%s",
		    link, pass);
	else
		snprintf(body, sizeof(body), "link_proof=%s", link);
	snprintf(path, sizeof(path), "/d/%s", id);
	rc = http_do("POST", path, (hdrs_t)h, body, strlen(body), out);
	if (rc == 0 && lease != NULL) {
		char *t = http_header(out, "X-Lease-Token");

		lease[0] = '\0';
		if (t != NULL) {
			snprintf(lease, 23, "%s", t);
			record_secret(lease);
			free(t);
		}
	}
	return rc;
}

bool
e2e_open(const char *id, const char *secret, const char *password,
    const char *salt_b64, const void *container, size_t n, uint8_t **plain,
    size_t *plain_len)
{
	uint8_t salt[OTS_KDF_SALT_BYTES];
	struct ots_box_dec *dec = NULL;
	struct grow g = { NULL, 0 };
	struct ots_keys k;
	struct ots_tok tid;
	size_t sn = 0;
	bool ok;

	if (password != NULL)
		cr_assert(sodium_base642bin(salt, sizeof(salt), salt_b64,
		    strlen(salt_b64), NULL, &sn, NULL, B64) == 0);
	keys_of(id, secret, password, salt, &k);
	tok_of(id, &tid);
	cr_assert_eq(ots_box_dec_new(k.k_file, &tid, grow_sink, &g, &dec),
	    OTS_OK);
	ok = ots_box_dec_update(dec, container, n) == OTS_OK &&
	    ots_box_dec_finish(dec) == OTS_OK;
	ots_box_dec_free(dec);
	ots_kdf_keys_wipe(&k);
	if (!ok) {
		free(g.p);
		return false;
	}
	*plain = g.p != NULL ? g.p : calloc(1, 1);
	*plain_len = g.len;
	return true;
}

uint8_t *
e2e_pattern(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n + 1);

	cr_assert(p != NULL);
	fill_pattern(p, n, seed);
	return p;
}

/* GET or DELETE the lease of id with token. */
long
e2e_lease(const char *method, const char *id, const char *token,
    const char *range, struct http_resp *out)
{
	char path[96], auth[64], rh[64];
	const char *h[] = { auth, range != NULL ? rh : NULL, NULL };

	snprintf(path, sizeof(path), "/api/v1/leases/%s", id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	if (range != NULL)
		snprintf(rh, sizeof(rh), "Range: %s", range);
	cr_assert_eq(http_do(method, path, h, NULL, 0, out), 0);
	return out->status;
}

/* The receipt of s, with its owner token. */
char *
e2e_receipt(const struct e2e_share *s)
{
	char path[96], auth[64];
	const char *h[] = { auth, NULL };
	struct http_resp r;
	char *body;

	snprintf(path, sizeof(path), "/api/v1/files/%s/status", s->id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->owner);
	cr_assert_eq(http_do("GET", path, h, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	body = strdup(r.body);
	http_resp_free(&r);
	return body;
}
