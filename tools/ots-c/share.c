#include "share.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_box.h"
#include "ots_buf.h"
#include "ots_kdf.h"
#include "ots_limits.h"
#include "ots_meta.h"
#include "ots_name.h"
#include "ots_tok.h"

#include "net.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* Base64url of a key (32 bytes: 43 characters) or a check blob (40: 54),
 * with room. */
#define B64_KEY 64
#define B64_META (((OTS_META_SEALED_MAX + 2) / 3) * 4 + 1)
#define URL_MAX 2048
/* Plaintext read at a time. */
#define READ_CHUNK (64u * 1024u)

/* What the server's /api/v1/config says (the parts the client needs). */
struct server {
	const char *sv_base;
	uint64_t sv_part_max;
	uint64_t sv_max_size;
	struct ots_kdf_params sv_cost;
};

/* The seal of a share: the headers its upload and commit carry. */
struct seal {
	char s_meta[16 + B64_META];
	char s_lcheck[32 + B64_KEY + 16];
	char s_salt[32 + B64_KEY];
	char s_cost[64];
	char s_check[32 + B64_KEY + 16];
	bool s_protected;
};

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("ots: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
b64(const uint8_t *p, size_t n, char *out, size_t max)
{
	sodium_bin2base64(out, max, p, n, B64);
}

/* Decodes exactly want bytes (or up to want when !exact); false if not. */
static bool
unb64(const char *s, uint8_t *out, size_t want, bool exact, size_t *got)
{
	size_t n = 0;

	if (sodium_base642bin(out, want, s, strlen(s), NULL, &n, NULL, B64) !=
	    0 || (exact && n != want))
		return false;
	if (got != NULL)
		*got = n;
	return true;
}

/* The exit status for an answer that is not the one hoped for, after
 * saying why on stderr. */
static enum otsc_exit
refused(const char *what, const struct net_resp *r)
{
	char code[64] = "", msg[512] = "";

	(void)json_str(r->nr_body, "code", code, sizeof(code));
	(void)json_str(r->nr_body, "message", msg, sizeof(msg));
	say("%s: %ld%s%s%s%s", what, r->nr_status, code[0] ? " " : "", code,
	    msg[0] ? ": " : "", msg);
	switch (r->nr_status) {
	case 410:
		return OTSC_GONE;
	case 403:
		return OTSC_WRONG;
	case 404:
		return OTSC_NOT_FOUND;
	case 429:
	case 503:
		return OTSC_BUSY;
	default:
		return OTSC_OTHER;
	}
}

/* One request with its URL made of base and path. */
static bool
request(const char *method, const char *base, const char *path,
    const char *const *headers, const void *body, size_t len,
    net_sink_fn sink, void *ctx, struct net_resp *out)
{
	struct net_req rq = { method, NULL, headers, body, len, sink, ctx };
	char url[URL_MAX], err[256];

	if (snprintf(url, sizeof(url), "%s%s", base, path) >=
	    (int)sizeof(url)) {
		say("the server address is too long");
		return false;
	}
	rq.nq_url = url;
	if (!net_do(&rq, out, err, sizeof(err))) {
		say("%s %s: %s", method, base, err);
		net_resp_free(out);
		return false;
	}
	return true;
}

static enum otsc_exit
server_config(const char *base, struct server *sv)
{
	struct net_resp r;
	uint64_t mem = 0, t = 0, lanes = 0;
	enum otsc_exit x = OTSC_OK;

	memset(sv, 0, sizeof(*sv));
	sv->sv_base = base;
	if (!request("GET", base, "/api/v1/config", NULL, NULL, 0, NULL,
	    NULL, &r))
		return OTSC_OTHER;
	if (r.nr_status != 200) {
		x = refused("the server's settings", &r);
	} else if (strstr(r.nr_body, "\"e2e\":{\"enabled\":true") == NULL) {
		say("this server takes no end-to-end shares (OTS_E2E=0): "
		    "send with --server-side");
		x = OTSC_OTHER;
	} else if (!json_u64(r.nr_body, "part_max", &sv->sv_part_max) ||
	    !json_u64(r.nr_body, "max_size", &sv->sv_max_size) ||
	    !json_u64(r.nr_body, "mem_kib", &mem) ||
	    !json_u64(r.nr_body, "time", &t) ||
	    !json_u64(r.nr_body, "lanes", &lanes) || mem > UINT32_MAX ||
	    t > UINT32_MAX || lanes > UINT32_MAX || sv->sv_part_max == 0) {
		say("the server's settings are not what this client expects");
		x = OTSC_OTHER;
	}
	sv->sv_cost.kp_mem_kib = (uint32_t)mem;
	sv->sv_cost.kp_time = (uint32_t)t;
	sv->sv_cost.kp_lanes = (uint32_t)lanes;
	net_resp_free(&r);
	return x;
}

/* ---- Sending ------------------------------------------------------ */

/* The plaintext: a file read as it goes, or stdin read whole. */
struct source {
	int src_fd;
	uint8_t *src_mem;		/* stdin's bytes, or NULL */
	uint64_t src_size;
	uint64_t src_off;
};

static enum otsc_exit
source_open(const char *path, uint64_t max, struct source *s)
{
	struct stat st;
	size_t cap = 0;

	memset(s, 0, sizeof(*s));
	s->src_fd = -1;
	if (strcmp(path, "-") != 0) {
		s->src_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->src_fd < 0 || fstat(s->src_fd, &st) != 0 ||
		    !S_ISREG(st.st_mode)) {
			say("%s: %s", path, s->src_fd < 0 ? strerror(errno) :
			    "not a regular file");
			return OTSC_USAGE;
		}
		s->src_size = (uint64_t)st.st_size;
		if (s->src_size > max) {
			say("%s is larger than the server takes (%llu bytes)",
			    path, (unsigned long long)max);
			return OTSC_OTHER;
		}
		return OTSC_OK;
	}
	for (;;) {
		ssize_t n;

		if (s->src_size == cap) {
			uint8_t *np;

			cap = cap == 0 ? READ_CHUNK : cap * 2;
			np = realloc(s->src_mem, cap);
			if (np == NULL) {
				say("out of memory reading standard input");
				return OTSC_OTHER;
			}
			s->src_mem = np;
		}
		n = read(0, s->src_mem + s->src_size, cap - s->src_size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			say("standard input: %s", strerror(errno));
			return OTSC_OTHER;
		}
		if (n == 0)
			return OTSC_OK;
		s->src_size += (uint64_t)n;
		if (s->src_size > max) {
			say("standard input is larger than the server takes "
			    "(%llu bytes)", (unsigned long long)max);
			return OTSC_OTHER;
		}
	}
}

static void
source_close(struct source *s)
{
	if (s->src_fd >= 0)
		close(s->src_fd);
	if (s->src_mem != NULL) {
		sodium_memzero(s->src_mem, (size_t)s->src_size);
		free(s->src_mem);
	}
	memset(s, 0, sizeof(*s));
	s->src_fd = -1;
}

/* Encrypts the whole source through enc. */
static bool
source_encrypt(struct source *s, struct ots_box_enc *enc)
{
	uint8_t buf[READ_CHUNK];
	bool ok = true;

	if (s->src_mem != NULL)
		return ots_box_enc_update(enc, s->src_mem,
		    (size_t)s->src_size) == OTS_OK;
	while (ok && s->src_off < s->src_size) {
		ssize_t n = pread(s->src_fd, buf, sizeof(buf),
		    (off_t)s->src_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			say("cannot read the file: %s", n < 0 ?
			    strerror(errno) : "it shrank");
			ok = false;
			break;
		}
		ok = ots_box_enc_update(enc, buf, (size_t)n) == OTS_OK;
		s->src_off += (uint64_t)n;
	}
	sodium_memzero(buf, sizeof(buf));
	return ok;
}

/* The password's Argon2id at the server's cost, with a fresh salt. */
struct pw_key {
	bool pk_set;
	uint8_t pk_salt[OTS_KDF_SALT_BYTES];
	uint8_t pk_key[OTS_KEY_BYTES];
	struct ots_kdf_params pk_cost;
};

static bool
make_seal(const struct ots_tok *id, const struct ots_tok *secret,
    const struct pw_key *pk, const struct ots_meta *m, struct ots_keys *k,
    struct seal *s)
{
	uint8_t check[OTS_META_CHECK_BYTES];
	char enc[B64_META], small[B64_KEY];
	struct ots_buf sealed;
	bool ok;

	memset(s, 0, sizeof(*s));
	ots_kdf_share_keys(secret, id, pk->pk_set ? pk->pk_key : NULL, k);
	ots_buf_init(&sealed, OTS_META_SEALED_MAX);
	ok = ots_meta_seal(k->k_meta, id, m, &sealed) == OTS_OK;
	if (ok) {
		b64((const uint8_t *)sealed.b_data, sealed.b_len, enc,
		    sizeof(enc));
		snprintf(s->s_meta, sizeof(s->s_meta), "X-Meta: %s", enc);
	}
	ots_buf_release(&sealed);
	ots_meta_seal_check(k->k_link, id, OTS_CHECK_LINK, check);
	b64(check, sizeof(check), small, sizeof(small));
	snprintf(s->s_lcheck, sizeof(s->s_lcheck), "X-Link-Check: %s", small);
	if (pk->pk_set) {
		s->s_protected = true;
		b64(pk->pk_salt, sizeof(pk->pk_salt), small, sizeof(small));
		snprintf(s->s_salt, sizeof(s->s_salt), "X-Password-Salt: %s",
		    small);
		snprintf(s->s_cost, sizeof(s->s_cost), "X-Password-Cost: "
		    "%u,%u,%u", pk->pk_cost.kp_mem_kib, pk->pk_cost.kp_time,
		    pk->pk_cost.kp_lanes);
		ots_meta_seal_check(k->k_pass, id, OTS_CHECK_PASSWORD, check);
		b64(check, sizeof(check), small, sizeof(small));
		snprintf(s->s_check, sizeof(s->s_check),
		    "X-Password-Check: %s", small);
	}
	return ok;
}

/* The seal's headers, then extra (NULL-ended), into h (16 slots). */
static void
seal_headers(const struct seal *s, const char *const *extra, const char **h)
{
	size_t n = 0;

	h[n++] = s->s_meta;
	h[n++] = s->s_lcheck;
	if (s->s_protected) {
		h[n++] = s->s_salt;
		h[n++] = s->s_cost;
		h[n++] = s->s_check;
	}
	while (extra != NULL && *extra != NULL && n < 15)
		h[n++] = *extra++;
	h[n] = NULL;
}

/* The container in memory (one request). */
struct whole {
	uint8_t *w_p;
	size_t w_len, w_cap;
};

static enum ots_err
whole_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct whole *w = ctx;

	if (n > w->w_cap - w->w_len)
		return OTS_ERR_TOOBIG;
	memcpy(w->w_p + w->w_len, p, n);
	w->w_len += n;
	return OTS_OK;
}

/* The container in parts: each full part goes out as it fills. */
struct parts {
	const struct server *pa_sv;
	const char *pa_id;
	char pa_auth[96];
	uint8_t *pa_buf;
	size_t pa_len, pa_max;
	uint64_t pa_offset;
	enum otsc_exit pa_exit;
};

static bool
parts_flush(struct parts *pa)
{
	char path[96], off[64];
	const char *h[] = { pa->pa_auth, off,
		"Content-Type: application/offset+octet-stream", NULL };
	struct net_resp r;

	if (pa->pa_len == 0)
		return true;
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", pa->pa_id);
	snprintf(off, sizeof(off), "Upload-Offset: %llu",
	    (unsigned long long)pa->pa_offset);
	if (!request("PATCH", pa->pa_sv->sv_base, path, h, pa->pa_buf,
	    pa->pa_len, NULL, NULL, &r)) {
		pa->pa_exit = OTSC_OTHER;
		return false;
	}
	if (r.nr_status != 204) {
		pa->pa_exit = refused("a part of the upload", &r);
		net_resp_free(&r);
		return false;
	}
	net_resp_free(&r);
	pa->pa_offset += pa->pa_len;
	pa->pa_len = 0;
	return true;
}

static enum ots_err
parts_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct parts *pa = ctx;

	while (n > 0) {
		size_t take = pa->pa_max - pa->pa_len;

		if (take > n)
			take = n;
		memcpy(pa->pa_buf + pa->pa_len, p, take);
		pa->pa_len += take;
		p += take;
		n -= take;
		if (pa->pa_len == pa->pa_max && !parts_flush(pa))
			return OTS_ERR_IO;
	}
	return OTS_OK;
}

/* Prints the link (stdout) and the owner link, from a 201's JSON. */
static enum otsc_exit
print_made(const struct send_opts *o, const char *id,
    const struct ots_tok *secret, const struct net_resp *r)
{
	char owner[64] = "", expires[64] = "";

	if (!json_str(r->nr_body, "owner_token", owner, sizeof(owner)))
		owner[0] = '\0';
	(void)json_str(r->nr_body, "expires_at", expires, sizeof(expires));
	if (o->so_json)
		printf("{\"link\":\"%s/d/%s#%s\",\"owner_link\":\"%s/o/%s#%s\","
		    "\"expires_at\":\"%s\",\"mode\":\"e2e\"}\n", o->so_server,
		    id, secret->t_str, o->so_server, id, owner, expires);
	else
		printf("%s/d/%s#%s\n", o->so_server, id, secret->t_str);
	if (!o->so_json && owner[0] != '\0')
		fprintf(stderr, "owner link (status, revoke): %s/o/%s#%s\n",
		    o->so_server, id, owner);
	sodium_memzero(owner, sizeof(owner));
	return fflush(stdout) == 0 ? OTSC_OK : OTSC_OTHER;
}

/* Headers every upload start carries: the size and the expiry (into h,
 * NULL-ended); returns how many. */
static size_t
size_headers(const struct send_opts *o, uint64_t size, char *hsize,
    char *hexp, size_t max, const char **h)
{
	size_t n = 0;

	snprintf(hsize, max, "X-Upload-Size: %llu", (unsigned long long)size);
	h[n++] = hsize;
	if (o->so_expires != NULL) {
		snprintf(hexp, max, "X-Expires-In: %s", o->so_expires);
		h[n++] = hexp;
	}
	h[n] = NULL;
	return n;
}

/* A container that fits in one part: one PUT, under an id drawn here. */
static enum otsc_exit
send_whole(const struct send_opts *o, const struct server *sv,
    struct source *src, const struct pw_key *pk, const struct ots_meta *m,
    uint64_t clen)
{
	struct whole w = { NULL, 0, (size_t)clen };
	struct ots_box_enc *enc = NULL;
	struct ots_tok id, secret;
	struct ots_keys k;
	struct seal s;
	struct net_resp r;
	char hsize[64], hexp[96], path[96];
	const char *extra[4], *h[16];
	enum otsc_exit x = OTSC_OTHER;
	size_t n;

	ots_tok_random(&id);
	ots_tok_random(&secret);
	w.w_p = malloc(w.w_cap + 1);
	if (w.w_p == NULL || !make_seal(&id, &secret, pk, m, &k, &s)) {
		say("cannot prepare the share");
		goto out;
	}
	if (ots_box_enc_new(k.k_file, &id, whole_sink, &w, &enc) != OTS_OK ||
	    !source_encrypt(src, enc) || ots_box_enc_finish(enc) != OTS_OK ||
	    w.w_len != clen) {
		say("cannot encrypt the share");
		goto out;
	}
	n = size_headers(o, src->src_size, hsize, hexp, sizeof(hexp), extra);
	extra[n++] = "Content-Type: application/octet-stream";
	extra[n] = NULL;
	seal_headers(&s, extra, h);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", id.t_str);
	if (!request("PUT", sv->sv_base, path, h, w.w_p, w.w_len, NULL, NULL,
	    &r))
		goto out;
	x = r.nr_status == 201 ? print_made(o, id.t_str, &secret, &r) :
	    refused("the upload", &r);
	net_resp_free(&r);
out:
	ots_box_enc_free(enc);
	ots_kdf_keys_wipe(&k);
	ots_tok_wipe(&secret);
	if (w.w_p != NULL) {
		sodium_memzero(w.w_p, w.w_cap);
		free(w.w_p);
	}
	return x;
}

/* A larger container: started, sent in parts, committed. */
static enum otsc_exit
send_parts(const struct send_opts *o, const struct server *sv,
    struct source *src, const struct pw_key *pk, const struct ots_meta *m)
{
	struct parts pa;
	struct ots_box_enc *enc = NULL;
	struct ots_tok id, secret;
	struct ots_keys k;
	struct seal s;
	struct net_resp r;
	char hsize[64], hexp[96], path[128], ids[32], token[64];
	const char *start[4], *extra[2], *h[16];
	uint64_t part_max = 0;
	enum otsc_exit x = OTSC_OTHER;

	memset(&pa, 0, sizeof(pa));
	memset(&k, 0, sizeof(k));
	ots_tok_random(&secret);
	(void)size_headers(o, src->src_size, hsize, hexp, sizeof(hexp),
	    start);
	if (!request("POST", sv->sv_base, "/api/v1/uploads", start, "", 0,
	    NULL, NULL, &r))
		goto out;
	if (r.nr_status != 201) {
		x = refused("the upload's start", &r);
		net_resp_free(&r);
		goto out;
	}
	if (!json_str(r.nr_body, "id", ids, sizeof(ids)) ||
	    !json_str(r.nr_body, "upload_token", token, sizeof(token)) ||
	    !json_u64(r.nr_body, "part_max", &part_max) || part_max == 0 ||
	    part_max > sv->sv_part_max ||
	    ots_tok_parse(ids, strlen(ids), &id) != OTS_OK) {
		say("the server's answer to the upload's start is not what "
		    "this client expects");
		net_resp_free(&r);
		goto out;
	}
	net_resp_free(&r);
	pa.pa_sv = sv;
	pa.pa_id = id.t_str;
	pa.pa_max = (size_t)part_max;
	pa.pa_buf = malloc(pa.pa_max);
	snprintf(pa.pa_auth, sizeof(pa.pa_auth), "Authorization: Bearer %s",
	    token);
	pa.pa_exit = OTSC_OTHER;
	if (pa.pa_buf == NULL || !make_seal(&id, &secret, pk, m, &k, &s)) {
		say("cannot prepare the share");
		goto out;
	}
	if (ots_box_enc_new(k.k_file, &id, parts_sink, &pa, &enc) != OTS_OK ||
	    !source_encrypt(src, enc) || ots_box_enc_finish(enc) != OTS_OK ||
	    !parts_flush(&pa)) {
		if (pa.pa_exit == OTSC_OTHER)
			say("the upload stopped");
		x = pa.pa_exit;
		goto out;
	}
	extra[0] = pa.pa_auth;
	extra[1] = NULL;
	seal_headers(&s, extra, h);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s/commit", id.t_str);
	if (!request("POST", sv->sv_base, path, h, "", 0, NULL, NULL, &r))
		goto out;
	x = r.nr_status == 201 ? print_made(o, id.t_str, &secret, &r) :
	    refused("the upload's commit", &r);
	net_resp_free(&r);
out:
	ots_box_enc_free(enc);
	ots_kdf_keys_wipe(&k);
	ots_tok_wipe(&secret);
	sodium_memzero(token, sizeof(token));
	sodium_memzero(pa.pa_auth, sizeof(pa.pa_auth));
	if (pa.pa_buf != NULL) {
		sodium_memzero(pa.pa_buf, pa.pa_max);
		free(pa.pa_buf);
	}
	return x;
}

/* The name the share is sealed under: the file's own, cleaned. */
static void
share_meta(const struct send_opts *o, struct ots_meta *m)
{
	const char *base = strrchr(o->so_path, '/');
	const char *name = base != NULL ? base + 1 : o->so_path;

	memset(m, 0, sizeof(*m));
	m->m_kind = o->so_text ? OTS_META_TEXT : OTS_META_FILE;
	if (strcmp(o->so_path, "-") == 0)
		name = o->so_text ? "secret.txt" : "stdin";
	ots_name_clean(name, strlen(name), m->m_name);
	snprintf(m->m_type, sizeof(m->m_type), "%s", o->so_text ?
	    "text/plain" : "application/octet-stream");
}

enum otsc_exit
share_send(const struct send_opts *o)
{
	struct server sv;
	struct source src;
	struct pw_key pk;
	struct ots_meta m;
	uint64_t clen = 0;
	enum otsc_exit x;

	memset(&pk, 0, sizeof(pk));
	memset(&src, 0, sizeof(src));
	src.src_fd = -1;
	x = server_config(o->so_server, &sv);
	if (x == OTSC_OK)
		x = source_open(o->so_path, sv.sv_max_size, &src);
	if (x == OTSC_OK && ots_box_size(src.src_size, &clen) != OTS_OK) {
		say("the file is too large");
		x = OTSC_OTHER;
	}
	if (x == OTSC_OK && o->so_password != NULL) {
		pk.pk_set = true;
		pk.pk_cost = sv.sv_cost;
		randombytes_buf(pk.pk_salt, sizeof(pk.pk_salt));
		if (!ots_kdf_params_ok(&pk.pk_cost) ||
		    ots_kdf_password(o->so_password, strlen(o->so_password),
		    pk.pk_salt, &pk.pk_cost, pk.pk_key) != OTS_OK) {
			say("cannot derive a key from the password at the "
			    "server's cost");
			x = OTSC_OTHER;
		}
	}
	if (x == OTSC_OK) {
		share_meta(o, &m);
		x = clen <= sv.sv_part_max ?
		    send_whole(o, &sv, &src, &pk, &m, clen) :
		    send_parts(o, &sv, &src, &pk, &m);
	}
	sodium_memzero(&pk, sizeof(pk));
	source_close(&src);
	return x;
}

/* ---- Fetching ----------------------------------------------------- */

/* A link's parts: {base}/d/{id}#{secret}. */
struct link {
	char l_base[URL_MAX];
	struct ots_tok l_id;
	struct ots_tok l_secret;
};

static bool
link_parse(const char *s, struct link *l)
{
	const char *d = strstr(s, "/d/"), *hash;
	size_t base, len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
	    s[len - 1] == ' '))
		len--;
	if (d == NULL)
		return false;
	base = (size_t)(d - s);
	hash = memchr(d, '#', len - base);
	if (base == 0 || base >= sizeof(l->l_base) || hash == NULL)
		return false;
	memcpy(l->l_base, s, base);
	l->l_base[base] = '\0';
	return ots_tok_parse(d + 3, (size_t)(hash - d - 3), &l->l_id) ==
	    OTS_OK && ots_tok_parse(hash + 1, len - (size_t)(hash + 1 - s),
	    &l->l_secret) == OTS_OK;
}

/* What the share's info says, with the link proof. */
struct info {
	struct ots_meta in_meta;
	bool in_protected;
	uint8_t in_salt[OTS_KDF_SALT_BYTES];
	struct ots_kdf_params in_cost;
};

static enum otsc_exit
fetch_info(const struct link *l, const struct ots_keys *k, struct info *in)
{
	char proof[B64_KEY], hdr[32 + B64_KEY], path[96], meta[B64_META],
	    salt[B64_KEY];
	const char *h[] = { hdr, NULL };
	uint8_t sealed[OTS_META_SEALED_MAX];
	uint64_t mem = 0, t = 0, lanes = 0;
	struct net_resp r;
	size_t slen = 0;
	enum otsc_exit x = OTSC_OK;

	memset(in, 0, sizeof(*in));
	b64(k->k_link, sizeof(k->k_link), proof, sizeof(proof));
	snprintf(hdr, sizeof(hdr), "X-Link-Proof: %s", proof);
	snprintf(path, sizeof(path), "/api/v1/files/%s", l->l_id.t_str);
	if (!request("GET", l->l_base, path, h, NULL, 0, NULL, NULL, &r))
		return OTSC_OTHER;
	if (r.nr_status == 400 && strstr(r.nr_body, "not_e2e") != NULL) {
		say("a server-side share: fetch it with the sh client "
		    "(tools/ots get), which sends the key to the server");
		x = OTSC_OTHER;
	} else if (r.nr_status != 200) {
		x = refused("the share", &r);
	} else if (!json_str(r.nr_body, "meta", meta, sizeof(meta)) ||
	    !unb64(meta, sealed, sizeof(sealed), false, &slen) ||
	    ots_meta_open(k->k_meta, &l->l_id, sealed, slen, &in->in_meta) !=
	    OTS_OK) {
		say("the share's sealed name does not open with this link");
		x = OTSC_WRONG;
	} else if (strstr(r.nr_body, "\"protected\":true") != NULL) {
		in->in_protected = true;
		if (!json_str(r.nr_body, "password_salt", salt, sizeof(salt)) ||
		    !unb64(salt, in->in_salt, sizeof(in->in_salt), true,
		    NULL) || !json_u64(r.nr_body, "mem_kib", &mem) ||
		    !json_u64(r.nr_body, "time", &t) ||
		    !json_u64(r.nr_body, "lanes", &lanes) ||
		    mem > UINT32_MAX || t > UINT32_MAX || lanes > UINT32_MAX) {
			say("the share's password settings are malformed");
			x = OTSC_OTHER;
		}
		in->in_cost.kp_mem_kib = (uint32_t)mem;
		in->in_cost.kp_time = (uint32_t)t;
		in->in_cost.kp_lanes = (uint32_t)lanes;
		if (x == OTSC_OK && !ots_kdf_params_ok(&in->in_cost)) {
			say("the share's password cost is out of bounds");
			x = OTSC_OTHER;
		}
	}
	net_resp_free(&r);
	return x;
}

/* The download: decrypted as it arrives into fd. */
struct sink_file {
	struct ots_box_dec *sf_dec;
	int sf_fd;
	bool sf_failed;
	uint64_t sf_plain;
};

static enum ots_err
plain_to_fd(void *ctx, const uint8_t *p, size_t n)
{
	struct sink_file *sf = ctx;

	while (n > 0) {
		ssize_t w = write(sf->sf_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return OTS_ERR_IO;
		p += w;
		n -= (size_t)w;
		sf->sf_plain += (uint64_t)w;
	}
	return OTS_OK;
}

static bool
cipher_in(void *ctx, const uint8_t *p, size_t n)
{
	struct sink_file *sf = ctx;

	if (ots_box_dec_update(sf->sf_dec, p, n) != OTS_OK) {
		sf->sf_failed = true;
		return false;
	}
	return true;
}

/* Ends the lease: the server removes the file now. */
static void
confirm(const struct link *l, const char *lease)
{
	char path[96], auth[96];
	const char *h[] = { auth, NULL };
	struct net_resp r;

	snprintf(path, sizeof(path), "/api/v1/leases/%s", l->l_id.t_str);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", lease);
	if (request("DELETE", l->l_base, path, h, NULL, 0, NULL, NULL, &r)) {
		if (r.nr_status != 204 && r.nr_status != 410)
			say("could not end the download's lease (%ld); it ends "
			    "by itself", r.nr_status);
		net_resp_free(&r);
	}
	sodium_memzero(auth, sizeof(auth));
}

/* Where the plaintext goes: stdout, or a temp file beside the target. */
static int
open_out(const char *target, char *tmp, size_t max)
{
	const char *slash;
	int fd;

	if (strcmp(target, "-") == 0) {
		tmp[0] = '\0';
		return STDOUT_FILENO;
	}
	slash = strrchr(target, '/');
	if (slash != NULL)
		snprintf(tmp, max, "%.*s/.ots-XXXXXX", (int)(slash - target),
		    target);
	else
		snprintf(tmp, max, ".ots-XXXXXX");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd >= 0)
		fchmod(fd, 0600);
	return fd;
}

static enum otsc_exit
claim(const struct get_opts *o, const struct link *l,
    const struct ots_keys *k, bool with_password, const char *target)
{
	char link_proof[B64_KEY], pass_proof[B64_KEY], body[160], path[96],
	    tmp[4096 + 16];
	static const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	struct sink_file sf = { NULL, -1, false, 0 };
	struct net_resp r;
	char *lease = NULL;
	enum otsc_exit x = OTSC_OTHER;

	memset(&r, 0, sizeof(r));
	tmp[0] = '\0';
	b64(k->k_link, sizeof(k->k_link), link_proof, sizeof(link_proof));
	b64(k->k_pass, sizeof(k->k_pass), pass_proof, sizeof(pass_proof));
	snprintf(body, sizeof(body), with_password ?
	    "link_proof=%s&password_proof=%s" : "link_proof=%s", link_proof,
	    pass_proof);
	snprintf(path, sizeof(path), "/d/%s", l->l_id.t_str);
	sf.sf_fd = open_out(target, tmp, sizeof(tmp));
	if (sf.sf_fd < 0) {
		say("cannot write beside %s: %s", target, strerror(errno));
		goto out;
	}
	if (ots_box_dec_new(k->k_file, &l->l_id, plain_to_fd, &sf,
	    &sf.sf_dec) != OTS_OK)
		goto out;
	if (!request("POST", l->l_base, path, h, body, strlen(body),
	    cipher_in, &sf, &r))
		goto out;
	if (r.nr_status != 200) {
		x = refused("the claim", &r);
		goto out;
	}
	lease = net_header(&r, "X-Lease-Token");
	if (sf.sf_failed || ots_box_dec_finish(sf.sf_dec) != OTS_OK) {
		say("the download was cut short or does not decrypt%s",
		    lease != NULL ? "; it can be fetched again while its "
		    "lease runs (not by this version of ots)" : "");
		goto out;
	}
	if (tmp[0] != '\0') {
		if (fsync(sf.sf_fd) != 0 || (o->go_force ?
		    rename(tmp, target) : renameat2(AT_FDCWD, tmp, AT_FDCWD,
		    target, RENAME_NOREPLACE)) != 0) {
			say("cannot save %s: %s", target, strerror(errno));
			goto out;
		}
		tmp[0] = '\0';
	}
	if (lease != NULL)
		confirm(l, lease);
	if (strcmp(target, "-") != 0)
		fprintf(stderr, "saved %s (%llu bytes)\n", target,
		    (unsigned long long)sf.sf_plain);
	x = OTSC_OK;
out:
	if (sf.sf_fd >= 0 && sf.sf_fd != STDOUT_FILENO)
		close(sf.sf_fd);
	if (tmp[0] != '\0' && sf.sf_fd >= 0 && strcmp(target, "-") != 0)
		unlink(tmp);
	ots_box_dec_free(sf.sf_dec);
	net_resp_free(&r);
	if (lease != NULL) {
		sodium_memzero(lease, strlen(lease));
		free(lease);
	}
	sodium_memzero(pass_proof, sizeof(pass_proof));
	sodium_memzero(link_proof, sizeof(link_proof));
	sodium_memzero(body, sizeof(body));
	return x;
}

enum otsc_exit
share_get(const struct get_opts *o)
{
	struct link l;
	struct ots_keys k;
	struct info in;
	struct stat st;
	char target[OTS_NAME_MAX + 1], pw[1100];
	uint8_t pw_key[OTS_KEY_BYTES];
	const char *out;
	enum otsc_exit x;

	memset(&k, 0, sizeof(k));
	if (!link_parse(o->go_link, &l)) {
		say("not a share link: expected BASE/d/ID#KEY");
		return OTSC_USAGE;
	}
	ots_kdf_share_keys(&l.l_secret, &l.l_id, NULL, &k);
	x = fetch_info(&l, &k, &in);
	if (x != OTSC_OK)
		goto out;
	ots_name_clean(in.in_meta.m_name, strlen(in.in_meta.m_name), target);
	out = o->go_out != NULL ? o->go_out : target;
	if (strcmp(out, "-") != 0 && !o->go_force && lstat(out, &st) == 0) {
		say("%s exists: nothing was claimed (use --force, or -o)", out);
		x = OTSC_OTHER;
		goto out;
	}
	if (in.in_protected) {
		if (o->go_password == NULL || !o->go_password(pw, sizeof(pw))) {
			say("the share is protected: give its password "
			    "(--password-file, or at the prompt)");
			x = OTSC_USAGE;
			goto out;
		}
		if (ots_kdf_password(pw, strlen(pw), in.in_salt, &in.in_cost,
		    pw_key) != OTS_OK) {
			say("cannot derive the password's key");
			x = OTSC_OTHER;
			goto out;
		}
		ots_kdf_keys_wipe(&k);
		ots_kdf_share_keys(&l.l_secret, &l.l_id, pw_key, &k);
	}
	x = claim(o, &l, &k, in.in_protected, out);
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(pw_key, sizeof(pw_key));
	ots_kdf_keys_wipe(&k);
	ots_tok_wipe(&l.l_secret);
	return x;
}
