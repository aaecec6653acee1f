/*
 * The end-to-end scenarios of the benchmark (docs/BENCHMARKS.md): what a
 * browser or ots sends, CONNS requests at a time on kept-alive
 * connections, for SECONDS (or until the links run out).
 *
 *   e2eload upload BASE_URL SIZE CONNS SECONDS [LINKS_OUT]
 *	PUT /api/v1/uploads/{id}: a fresh id per request, its sealed name
 *	and link check made for it (libots), the container of SIZE
 *	plaintext bytes.  The container is encrypted once and each
 *	request's id written into its header: the server checks the
 *	header and cannot check more, so this costs it what a fresh
 *	container would.  LINKS_OUT gets "ID SECRET" per share stored.
 *   e2eload download BASE_URL LINKS CONNS SECONDS SIZE
 *	claims each share with its link proof (POST /d/{id}), checks every
 *	byte of the container as it streams, then confirms the lease
 *	(DELETE /api/v1/leases/{id}), as the receiver does: a unit is a
 *	verified claim and its confirmation.
 *
 *   e2eload static BASE_URL PATH CONNS SECONDS FILE
 *	GETs PATH (nginx serving FILE) and checks every byte the same way:
 *	the baseline with this client's own costs in it.
 *
 * Prints one JSON line in the shape of tools/bench/report.lua's.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "benchutil.h"
#include "ots_box.h"
#include "ots_buf.h"
#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_tok.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define B64_MAX 700

/* The secret of every share of a run: each id still gets its own keys. */
static struct ots_tok secret;
/* The container, made once for template_id. */
static uint8_t *tmpl;
static size_t tmpl_len, id_at;
static struct ots_tok template_id;
/* static mode: the path to GET. */
static const char *static_path;

struct link {
	struct ots_tok l_id;
	char l_proof[64];		/* k_link, base64url */
};

struct conn {
	CURL *c_easy;
	struct curl_slist *c_hdrs;
	uint8_t *c_body;		/* upload: the container, this id's */
	const struct link *c_link;	/* download */
	bool c_confirming;
	bool c_bad;
	size_t c_got;
	double c_started;
	char c_lease[OTS_TOK_STRSZ];
	uint8_t c_head[OTS_BOX_FIXED_BYTES];	/* download: the header's start */
	char c_url[512];
	char c_form[128];
};

static void
die(const char *what)
{
	fprintf(stderr, "e2eload: %s\n", what);
	exit(1);
}

static enum ots_err
grow(void *ctx, const uint8_t *p, size_t n)
{
	struct ots_buf *b = ctx;

	return ots_buf_add(b, p, n);
}

/* The container of size plaintext bytes, and where its header names the
 * id (found, not assumed). */
static void
make_template(size_t size)
{
	struct ots_tok id;
	struct ots_keys k;
	struct ots_box_enc *enc = NULL;
	struct ots_buf b;
	uint8_t chunk[65536];
	size_t left = size, n;
	const uint8_t *at;

	ots_tok_random(&id);
	template_id = id;
	ots_kdf_share_keys(&secret, &id, NULL, &k);
	ots_buf_init(&b, (size_t)64 << 30);
	memset(chunk, 'e', sizeof(chunk));
	if (ots_box_enc_new(k.k_file, &id, grow, &b, &enc) != OTS_OK)
		die("cannot start the container");
	for (; left > 0; left -= n) {
		n = left < sizeof(chunk) ? left : sizeof(chunk);
		if (ots_box_enc_update(enc, chunk, n) != OTS_OK)
			die("cannot encrypt");
	}
	if (ots_box_enc_finish(enc) != OTS_OK)
		die("cannot finish the container");
	ots_box_enc_free(enc);
	ots_kdf_keys_wipe(&k);
	at = memmem(b.b_data, OTS_BOX_FIXED_BYTES, id.t_raw, OTS_TOK_BYTES);
	if (at == NULL)
		die("the header does not name the id");
	id_at = (size_t)(at - (const uint8_t *)b.b_data);
	tmpl_len = b.b_len;
	tmpl = malloc(tmpl_len);
	if (tmpl == NULL)
		die("out of memory");
	memcpy(tmpl, b.b_data, tmpl_len);
	ots_buf_release(&b);
}

/* The container the uploads sent, for the downloads to check against:
 * LINKS.container beside the links, and the id it was made for
 * (LINKS.container-id). */

static void
write_template(const char *links)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s.container", links);
	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(tmpl, 1, tmpl_len, f) != tmpl_len || fclose(f) != 0)
		die("cannot write the container");
	snprintf(path, sizeof(path), "%s.container-id", links);
	if ((f = fopen(path, "w")) == NULL ||
	    fprintf(f, "%s\n", template_id.t_str) < 0 || fclose(f) != 0)
		die("cannot write the container's id");
}

static void
read_template(const char *links)
{
	char path[4096], id[64];
	const uint8_t *at;
	FILE *f;

	snprintf(path, sizeof(path), "%s.container", links);
	if ((tmpl = bench_read_file(path, &tmpl_len)) == NULL ||
	    tmpl_len < OTS_BOX_FIXED_BYTES)
		die("cannot read the container");
	snprintf(path, sizeof(path), "%s.container-id", links);
	if ((f = fopen(path, "r")) == NULL || fscanf(f, "%63s", id) != 1 ||
	    ots_tok_parse(id, strlen(id), &template_id) != OTS_OK)
		die("cannot read the container's id");
	fclose(f);
	at = memmem(tmpl, OTS_BOX_FIXED_BYTES, template_id.t_raw,
	    OTS_TOK_BYTES);
	if (at == NULL)
		die("the container's header does not name its id");
	id_at = (size_t)(at - tmpl);
}

static void
b64(const uint8_t *p, size_t n, char *out, size_t max)
{
	sodium_bin2base64(out, max, p, n, B64);
}

/* The headers of an upload of a fresh id, into c; the id to *id. */
static void
upload_headers(struct conn *c, size_t size, struct ots_tok *id)
{
	struct ots_keys k;
	struct ots_meta m;
	struct ots_buf sealed;
	uint8_t check[OTS_META_CHECK_BYTES];
	char v[B64_MAX], h[B64_MAX + 32];

	ots_tok_random(id);
	ots_kdf_share_keys(&secret, id, NULL, &k);
	memset(&m, 0, sizeof(m));
	m.m_kind = OTS_META_FILE;
	snprintf(m.m_name, sizeof(m.m_name), "bench.bin");
	snprintf(m.m_type, sizeof(m.m_type), "application/octet-stream");
	ots_buf_init(&sealed, OTS_META_SEALED_MAX);
	if (ots_meta_seal(k.k_meta, id, &m, &sealed) != OTS_OK)
		die("cannot seal the name");
	curl_slist_free_all(c->c_hdrs);
	c->c_hdrs = NULL;
	b64((const uint8_t *)sealed.b_data, sealed.b_len, v, sizeof(v));
	snprintf(h, sizeof(h), "X-Meta: %s", v);
	c->c_hdrs = curl_slist_append(c->c_hdrs, h);
	ots_meta_seal_check(k.k_link, id, OTS_CHECK_LINK, check);
	b64(check, sizeof(check), v, sizeof(v));
	snprintf(h, sizeof(h), "X-Link-Check: %s", v);
	c->c_hdrs = curl_slist_append(c->c_hdrs, h);
	snprintf(h, sizeof(h), "X-Upload-Size: %zu", size);
	c->c_hdrs = curl_slist_append(c->c_hdrs, h);
	c->c_hdrs = curl_slist_append(c->c_hdrs,
	    "Content-Type: application/octet-stream");
	if (c->c_hdrs == NULL)
		die("out of memory");
	ots_buf_release(&sealed);
	ots_kdf_keys_wipe(&k);
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* The container as it must be for c's link: the template's bytes, but
 * for the id in the header (c_head). */
static size_t
on_container(char *p, size_t size, size_t n, void *arg)
{
	struct conn *c = arg;
	size_t len = size * n, off = 0, head = id_at + OTS_TOK_BYTES;

	if (c->c_confirming)
		return len;
	if (c->c_got + len > tmpl_len) {
		c->c_bad = true;
		return len;
	}
	if (static_path != NULL)
		head = 0;
	if (c->c_got < head) {
		off = head - c->c_got < len ? head - c->c_got : len;
		if (memcmp(p, c->c_head + c->c_got, off) != 0)
			c->c_bad = true;
	}
	if (off < len && memcmp(p + off, tmpl + c->c_got + off, len - off) != 0)
		c->c_bad = true;
	c->c_got += len;
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct conn *c = arg;
	size_t len = size * n;
	static const char name[] = "X-Lease-Token:";

	if (len > sizeof(name) && strncasecmp(p, name, sizeof(name) - 1) == 0) {
		const char *v = p + sizeof(name) - 1;

		while (*v == ' ')
			v++;
		if (p + len - v >= OTS_TOK_CHARS) {
			memcpy(c->c_lease, v, OTS_TOK_CHARS);
			c->c_lease[OTS_TOK_CHARS] = '\0';
		}
	}
	return len;
}

static struct link *
read_links(const char *path, size_t *count)
{
	struct link *v = NULL;
	size_t n = 0, cap = 0;
	char id[64], sec[64];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		die("cannot read the links");
	while (fscanf(f, "%63s %63s", id, sec) == 2) {
		struct ots_tok s;
		struct ots_keys k;

		if (n == cap) {
			struct link *nv;

			cap = cap ? cap * 2 : 1024;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				die("out of memory");
			v = nv;
		}
		if (ots_tok_parse(id, strlen(id), &v[n].l_id) != OTS_OK ||
		    ots_tok_parse(sec, strlen(sec), &s) != OTS_OK)
			die("a malformed link");
		ots_kdf_share_keys(&s, &v[n].l_id, NULL, &k);
		b64(k.k_link, sizeof(k.k_link), v[n].l_proof,
		    sizeof(v[n].l_proof));
		ots_kdf_keys_wipe(&k);
		n++;
	}
	fclose(f);
	*count = n;
	return v;
}

struct run {
	const char *r_base;
	size_t r_size;
	struct link *r_links;
	size_t r_nlinks, r_next;
	FILE *r_out;
};

/* Starts the next request of c; false when there is none. */
static bool
start(CURLM *m, struct conn *c, struct run *r)
{
	curl_easy_reset(c->c_easy);
	curl_easy_setopt(c->c_easy, CURLOPT_PRIVATE, c);
	curl_easy_setopt(c->c_easy, CURLOPT_TIMEOUT, 60L);
	c->c_got = 0;
	c->c_bad = false;
	if (static_path != NULL) {
		snprintf(c->c_url, sizeof(c->c_url), "%s%s", r->r_base,
		    static_path);
		curl_easy_setopt(c->c_easy, CURLOPT_WRITEFUNCTION,
		    on_container);
		curl_easy_setopt(c->c_easy, CURLOPT_WRITEDATA, c);
		c->c_started = bench_now();
	} else if (r->r_links == NULL) {
		struct ots_tok id;

		upload_headers(c, r->r_size, &id);
		memcpy(c->c_body + id_at, id.t_raw, OTS_TOK_BYTES);
		snprintf(c->c_url, sizeof(c->c_url), "%s/api/v1/uploads/%s",
		    r->r_base, id.t_str);
		curl_easy_setopt(c->c_easy, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c->c_easy, CURLOPT_POSTFIELDS, c->c_body);
		curl_easy_setopt(c->c_easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)tmpl_len);
		curl_easy_setopt(c->c_easy, CURLOPT_HTTPHEADER, c->c_hdrs);
		curl_easy_setopt(c->c_easy, CURLOPT_WRITEFUNCTION, discard);
		c->c_started = bench_now();
	} else if (!c->c_confirming) {
		if (r->r_next >= r->r_nlinks)
			return false;
		c->c_link = &r->r_links[r->r_next++];
		c->c_lease[0] = '\0';
		memcpy(c->c_head, tmpl, id_at);
		memcpy(c->c_head + id_at, c->c_link->l_id.t_raw, OTS_TOK_BYTES);
		snprintf(c->c_url, sizeof(c->c_url), "%s/d/%s", r->r_base,
		    c->c_link->l_id.t_str);
		snprintf(c->c_form, sizeof(c->c_form), "link_proof=%s",
		    c->c_link->l_proof);
		curl_easy_setopt(c->c_easy, CURLOPT_POSTFIELDS, c->c_form);
		curl_easy_setopt(c->c_easy, CURLOPT_WRITEFUNCTION,
		    on_container);
		curl_easy_setopt(c->c_easy, CURLOPT_WRITEDATA, c);
		curl_easy_setopt(c->c_easy, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c->c_easy, CURLOPT_HEADERDATA, c);
		c->c_started = bench_now();
	} else {
		char auth[64];

		snprintf(c->c_url, sizeof(c->c_url), "%s/api/v1/leases/%s",
		    r->r_base, c->c_link->l_id.t_str);
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    c->c_lease);
		curl_slist_free_all(c->c_hdrs);
		c->c_hdrs = curl_slist_append(NULL, auth);
		curl_easy_setopt(c->c_easy, CURLOPT_CUSTOMREQUEST, "DELETE");
		curl_easy_setopt(c->c_easy, CURLOPT_HTTPHEADER, c->c_hdrs);
		curl_easy_setopt(c->c_easy, CURLOPT_WRITEFUNCTION, discard);
	}
	curl_easy_setopt(c->c_easy, CURLOPT_URL, c->c_url);
	curl_multi_add_handle(m, c->c_easy);
	return true;
}

/* A request of c ended with status: whether its unit is done (and
 * how), or another request follows. */
static bool
finished(struct conn *c, struct run *r, CURLcode res, long status, bool *ok)
{
	if (static_path != NULL) {
		*ok = res == CURLE_OK && status == 200 && !c->c_bad &&
		    c->c_got == tmpl_len;
		return true;
	}
	if (r->r_links == NULL) {
		*ok = res == CURLE_OK && status == 201;
		if (!*ok)
			fprintf(stderr, "e2eload: upload: curl %d, status %ld\n",
			    (int)res, status);
		if (*ok && r->r_out != NULL) {
			/* The id is the URL's last part. */
			fprintf(r->r_out, "%s %s\n", strrchr(c->c_url, '/') + 1,
			    secret.t_str);
		}
		return true;
	}
	if (!c->c_confirming) {
		*ok = res == CURLE_OK && status == 200 && !c->c_bad &&
		    c->c_got == tmpl_len && c->c_lease[0] != '\0';
		if (!*ok) {
			fprintf(stderr, "e2eload: claim: curl %d, status %ld, "
			    "%zu of %zu bytes%s%s\n", (int)res, status,
			    c->c_got, tmpl_len, c->c_bad ? ", wrong bytes" : "",
			    c->c_lease[0] == '\0' ? ", no lease token" : "");
			return true;
		}
		c->c_confirming = true;
		return false;
	}
	c->c_confirming = false;
	*ok = res == CURLE_OK && status == 204;
	if (!*ok)
		fprintf(stderr, "e2eload: confirm: curl %d, status %ld\n",
		    (int)res, status);
	return true;
}

int
main(int argc, char **argv)
{
	struct run r = { 0 };
	struct conn *cs;
	size_t done = 0, ok = 0, errors = 0, cap, i;
	double *lat, t0, last = 0, seconds;
	int conns, running;
	bool upload;
	CURLM *m;

	upload = argc >= 6 && strcmp(argv[1], "upload") == 0;
	if (argc == 7 && strcmp(argv[1], "static") == 0)
		static_path = argv[3];
	if (!(upload && argc <= 7) && static_path == NULL && !(argc == 7 &&
	    strcmp(argv[1], "download") == 0)) {
		fprintf(stderr, "usage: e2eload upload BASE_URL SIZE CONNS "
		    "SECONDS [LINKS_OUT]\n"
		    "       e2eload download BASE_URL LINKS CONNS SECONDS "
		    "SIZE\n"
		    "       e2eload static BASE_URL PATH CONNS SECONDS FILE\n");
		return 2;
	}
	if (sodium_init() < 0)
		die("no libsodium");
	r.r_base = argv[2];
	r.r_size = static_path != NULL ? 0 : strtoull(upload ? argv[3] :
	    argv[6], NULL, 10);
	conns = atoi(argv[4]);
	seconds = strtod(argv[5], NULL);
	if (conns <= 0 || conns > 10000 || seconds <= 0)
		die("bad CONNS or SECONDS");
	if (static_path != NULL) {
		if ((tmpl = bench_read_file(argv[6], &tmpl_len)) == NULL)
			die("cannot read FILE");
	} else if (upload) {
		ots_tok_random(&secret);
		if (argc == 7 && (r.r_out = fopen(argv[6], "w")) == NULL)
			die("cannot write the links");
	} else {
		r.r_links = read_links(argv[3], &r.r_nlinks);
		if (r.r_nlinks == 0)
			die("no links");
	}
	if (upload)
		make_template(r.r_size);
	else if (static_path == NULL)
		read_template(argv[3]);
	if (r.r_out != NULL)
		write_template(argv[6]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	cs = calloc((size_t)conns, sizeof(*cs));
	cap = 1u << 20;
	lat = calloc(cap, sizeof(*lat));
	if (m == NULL || cs == NULL || lat == NULL)
		die("out of memory");
	t0 = bench_now();
	for (i = 0; i < (size_t)conns; i++) {
		if ((cs[i].c_easy = curl_easy_init()) == NULL)
			die("no curl");
		if (upload) {
			cs[i].c_body = malloc(tmpl_len);
			if (cs[i].c_body == NULL)
				die("out of memory");
			memcpy(cs[i].c_body, tmpl, tmpl_len);
		}
		if (!start(m, &cs[i], &r))
			break;
	}
	do {
		CURLMsg *msg;
		int left;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct conn *c;
			long status = 0;
			bool unit_ok = false, more;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&c);
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &status);
			curl_multi_remove_handle(m, c->c_easy);
			last = bench_now();
			if (finished(c, &r, msg->data.result, status,
			    &unit_ok)) {
				if (done < cap)
					lat[done] = (last - c->c_started) *
					    1000.0;
				done++;
				if (unit_ok)
					ok++;
				else
					errors++;
				more = last - t0 < seconds;
			} else
				more = true;
			if (more && start(m, c, &r))
				running++;
		}
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running > 0);
	if (last <= t0)
		last = bench_now();
	bench_sort(lat, done < cap ? done : cap);
	printf("{\"requests\":%zu,\"units\":%zu,\"duration_s\":%.3f,"
	    "\"rps\":%.1f,\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
	    "\"errors\":%zu,\"exhausted\":%d}\n", done, ok, last - t0,
	    (double)ok / (last - t0),
	    bench_pct(lat, done < cap ? done : cap, 0.50),
	    bench_pct(lat, done < cap ? done : cap, 0.95),
	    bench_pct(lat, done < cap ? done : cap, 0.99), errors,
	    r.r_links != NULL && r.r_next >= r.r_nlinks ? 1 : 0);
	for (i = 0; i < (size_t)conns; i++) {
		if (cs[i].c_easy != NULL)
			curl_easy_cleanup(cs[i].c_easy);
		curl_slist_free_all(cs[i].c_hdrs);
		free(cs[i].c_body);
	}
	if (r.r_out != NULL)
		fclose(r.r_out);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	free(cs);
	free(lat);
	free(r.r_links);
	free(tmpl);
	return errors > 0 ? 1 : 0;
}
