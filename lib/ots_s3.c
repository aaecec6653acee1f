#include "ots_s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ots_alloc.h"
#include "ots_buf.h"
#include "ots_log.h"
#include "ots_s3xml.h"
#include "ots_banned.h"

#define MOD "s3"
/* A control answer read whole: a listing page, an UploadId, an error. */
#define BODY_MAX (512u * 1024)
/* "ETag: "<32 hex>-<parts>"" with room. */
#define ETAG_MAX 80
/* The longest URL: endpoint, bucket, key and a query with a token. */
#define URL_MAX (OTS_S3_URL_MAX + OTS_S3_BUCKET_MAX + OTS_S3_KEY_MAX + \
	3 * OTS_S3_TOKEN_MAX + 256)
/* A store error code worth naming in the log. */
#define CODE_MAX 64

struct ots_s3 {
	const struct ots_s3_conf *s_conf;
	unsigned s_timeout_ms;
	CURL *s_get;		/* GETs only: a DELETE may run inside one */
	CURL *s_ctl;		/* everything else */
	char s_sigv4[OTS_S3_REGION_MAX + 16];
};

/* One request and what came back. */
struct exchange {
	CURL *x_h;
	struct ots_buf x_body;	/* a control answer or an error's body */
	bool x_overflow;	/* the body did not fit */
	/* An upload's source: fd from x_begin, x_off..x_end. */
	int x_fd;
	uint64_t x_begin, x_off, x_end;
	/* A GET's consumer. */
	ots_s3_start_fn x_start;
	ots_s3_push_fn x_push;
	void *x_ctx;
	bool x_started;
	bool x_head;		/* a HEAD: a 404 has no body to tell why */
	enum ots_err x_cb_err;	/* what a callback stopped the transfer with */
	char x_etag[ETAG_MAX];
};

enum ots_err
ots_s3_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? OTS_OK :
	    OTS_ERR_NOMEM;
}

enum ots_err
ots_s3_new(const struct ots_s3_conf *conf, unsigned timeout_ms,
    struct ots_s3 **out)
{
	struct ots_s3 *s;

	s = ots_calloc(1, sizeof(*s));
	if (s == NULL)
		return OTS_ERR_NOMEM;
	s->s_conf = conf;
	s->s_timeout_ms = timeout_ms;
	if (ots_str_fmt(s->s_sigv4, sizeof(s->s_sigv4), "aws:amz:%s:s3",
	    conf->sc_region) != OTS_OK) {
		ots_free(s);
		return OTS_ERR_INVAL;
	}
	s->s_get = curl_easy_init();
	s->s_ctl = curl_easy_init();
	if (s->s_get == NULL || s->s_ctl == NULL) {
		ots_s3_free(s);
		return OTS_ERR_NOMEM;
	}
	*out = s;
	return OTS_OK;
}

void
ots_s3_free(struct ots_s3 *s)
{
	if (s == NULL)
		return;
	if (s->s_get != NULL)
		curl_easy_cleanup(s->s_get);
	if (s->s_ctl != NULL)
		curl_easy_cleanup(s->s_ctl);
	ots_free(s);
}

bool
ots_s3_key_ok(const char *key)
{
	size_t i, n = strlen(key);

	if (n == 0 || n >= OTS_S3_KEY_MAX || key[0] == '/' ||
	    strstr(key, "..") != NULL)
		return false;
	for (i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '/'))
			return false;
	}
	return true;
}

enum ots_err
ots_s3_query_encode(const char *s, char *out, size_t max)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(out);

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~';

		if (n + (plain ? 1 : 3) >= max)
			return OTS_ERR_TOOBIG;
		if (plain) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return OTS_OK;
}

/* The URL of key ("" for the bucket) with query ("" or "?..."). */
static enum ots_err
make_url(const struct ots_s3_conf *c, const char *key, const char *query,
    char *out, size_t max)
{
	const char *host;

	if (!c->sc_virtual_host)
		return ots_str_fmt(out, max, "%s/%s%s%s%s", c->sc_endpoint,
		    c->sc_bucket, key[0] != '\0' ? "/" : "", key, query);
	host = strstr(c->sc_endpoint, "://");
	if (host == NULL)
		return OTS_ERR_INVAL;
	host += 3;
	return ots_str_fmt(out, max, "%.*s%s.%s/%s%s",
	    (int)(host - c->sc_endpoint), c->sc_endpoint, c->sc_bucket, host,
	    key, query);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct exchange *x = arg;
	size_t len = size * n;
	long st = 0;

	(void)curl_easy_getinfo(x->x_h, CURLINFO_RESPONSE_CODE, &st);
	if (x->x_push != NULL && (st == 200 || st == 206)) {
		enum ots_err e;

		if (!x->x_started) {
			curl_off_t cl = -1;

			x->x_started = true;
			(void)curl_easy_getinfo(x->x_h,
			    CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
			e = x->x_start(x->x_ctx, cl < 0 ? 0 : (uint64_t)cl);
			if (e != OTS_OK) {
				x->x_cb_err = e;
				return 0;
			}
		}
		e = x->x_push(x->x_ctx, (const uint8_t *)p, len);
		if (e != OTS_OK) {
			x->x_cb_err = e;
			return 0;
		}
		return len;
	}
	if (x->x_overflow || x->x_body.b_len + len > BODY_MAX) {
		x->x_overflow = true;
		return len;
	}
	if (ots_buf_add(&x->x_body, p, len) != OTS_OK) {
		x->x_cb_err = OTS_ERR_NOMEM;
		return 0;
	}
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct exchange *x = arg;
	size_t len = size * n, v, end;

	if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
		for (v = 5; v < len && (p[v] == ' ' || p[v] == '\t'); v++)
			;
		for (end = len; end > v && (p[end - 1] == '\r' ||
		    p[end - 1] == '\n' || p[end - 1] == ' '); end--)
			;
		if (end - v > 0 && end - v < sizeof(x->x_etag)) {
			memcpy(x->x_etag, p + v, end - v);
			x->x_etag[end - v] = '\0';
		}
	}
	return len;
}

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct exchange *x = arg;
	size_t want = size * n;
	ssize_t got;

	if (x->x_end - x->x_off < want)
		want = (size_t)(x->x_end - x->x_off);
	if (want == 0)
		return 0;
	got = pread(x->x_fd, buf, want, (off_t)x->x_off);
	if (got <= 0) {
		x->x_cb_err = OTS_ERR_IO;
		return CURL_READFUNC_ABORT;
	}
	x->x_off += (uint64_t)got;
	return (size_t)got;
}

/* curl rewinds an upload it must send again (a 100-continue refused). */
static int
on_seek(void *arg, curl_off_t off, int origin)
{
	struct exchange *x = arg;

	if (origin != SEEK_SET || off < 0 ||
	    (uint64_t)off > x->x_end - x->x_begin)
		return CURL_SEEKFUNC_FAIL;
	x->x_off = x->x_begin + (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static void
exchange_init(struct exchange *x, CURL *h)
{
	memset(x, 0, sizeof(*x));
	x->x_h = h;
	x->x_fd = -1;
	ots_buf_init(&x->x_body, BODY_MAX);
}

static void
exchange_release(struct exchange *x)
{
	ots_buf_release(&x->x_body);
}

/*
 * Prepares h for one request to key with query: signed, bounded, its
 * answer into x.  *hdrs (freed by the caller after the request) gets the
 * headers, extra among them unless NULL.  data: a transfer whose length
 * has no bound in time, cut only when it stalls.
 */
static enum ots_err
setup(struct ots_s3 *s, CURL *h, struct exchange *x, const char *key,
    const char *query, const char *extra, bool data,
    struct curl_slist **hdrs)
{
	const struct ots_s3_conf *c = s->s_conf;
	char url[URL_MAX];
	struct curl_slist *l;
	bool ok;

	*hdrs = NULL;
	if (key[0] != '\0' && !ots_s3_key_ok(key))
		return OTS_ERR_INVAL;
	if (make_url(c, key, query, url, sizeof(url)) != OTS_OK)
		return OTS_ERR_TOOBIG;
	l = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	if (l != NULL && extra != NULL) {
		struct curl_slist *more = curl_slist_append(l, extra);

		if (more == NULL) {
			curl_slist_free_all(l);
			l = NULL;
		}
	}
	if (l == NULL)
		return OTS_ERR_NOMEM;
	*hdrs = l;
	curl_easy_reset(h);
	ok = curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->s_sigv4) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_USERNAME, c->sc_access_key) ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PASSWORD, c->sc_secret_key) ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, l) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)s->s_timeout_ms) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, x) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, x) == CURLE_OK;
	if (ok && data)
		ok = curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L) ==
		    CURLE_OK &&
		    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
		    (long)(s->s_timeout_ms + 999) / 1000) == CURLE_OK;
	else if (ok)
		ok = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
		    (long)s->s_timeout_ms) == CURLE_OK;
	return ok ? OTS_OK : OTS_ERR_NOMEM;
}

/* Sets h to send len bytes of x's fd from x->x_begin with method. */
static bool
upload_from_fd(CURL *h, struct exchange *x, const char *method)
{
	return curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)(x->x_end - x->x_begin)) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_READDATA, x) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SEEKDATA, x) == CURLE_OK;
}

/* S3's error code in an error body ("" when none). */
static void
error_code(const struct exchange *x, char code[CODE_MAX])
{
	size_t pos = 0;

	code[0] = '\0';
	if (x->x_body.b_data == NULL ||
	    ots_s3xml_text(x->x_body.b_data, x->x_body.b_len, &pos, "Code",
	    code, CODE_MAX) != OTS_OK)
		code[0] = '\0';
}

/* Runs the prepared request op and maps what happened to a result. */
static enum ots_err
perform(CURL *h, struct exchange *x, const char *op)
{
	char code[CODE_MAX];
	CURLcode c;
	long st = 0;

	c = curl_easy_perform(h);
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
	if (x->x_cb_err != OTS_OK)
		return x->x_cb_err;
	if (c != CURLE_OK) {
		ots_log_warn(MOD, "%s failed: %s", op, curl_easy_strerror(c));
		return OTS_ERR_STORE;
	}
	if (st >= 200 && st < 300)
		return OTS_OK;
	error_code(x, code);
	/* Only a missing key is "not found": a missing bucket (or a proxy's
	 * 404) must not make a claim revoke a live share. */
	if (st == 404 && (strcmp(code, "NoSuchKey") == 0 ||
	    (x->x_head && code[0] == '\0')))
		return OTS_ERR_NOTFOUND;
	if (st == 412 || strcmp(code, "PreconditionFailed") == 0)
		return OTS_ERR_INVAL;
	ots_log_warn(MOD, "%s refused: HTTP %ld %s", op, st, code);
	if (strcmp(code, "QuotaExceeded") == 0)
		return OTS_ERR_NOSPACE;
	if (strcmp(code, "EntityTooLarge") == 0)
		return OTS_ERR_TOOBIG;
	return OTS_ERR_STORE;
}

/* A request without a body to send: method on key?query. */
static enum ots_err
simple(struct ots_s3 *s, const char *method, const char *key,
    const char *query, struct exchange *x, const char *op)
{
	struct curl_slist *hdrs = NULL;
	enum ots_err e;

	e = setup(s, s->s_ctl, x, key, query, NULL, false, &hdrs);
	if (e == OTS_OK) {
		if (strcmp(method, "HEAD") == 0)
			e = curl_easy_setopt(s->s_ctl, CURLOPT_NOBODY, 1L) ==
			    CURLE_OK ? OTS_OK : OTS_ERR_NOMEM;
		else if (strcmp(method, "GET") != 0)
			e = curl_easy_setopt(s->s_ctl, CURLOPT_CUSTOMREQUEST,
			    method) == CURLE_OK ? OTS_OK : OTS_ERR_NOMEM;
	}
	if (e == OTS_OK)
		e = perform(s->s_ctl, x, op);
	curl_slist_free_all(hdrs);
	return e;
}

enum ots_err
ots_s3_make_bucket(struct ots_s3 *s)
{
	struct exchange x;
	char code[CODE_MAX];
	enum ots_err e;

	exchange_init(&x, s->s_ctl);
	e = simple(s, "PUT", "", "", &x, "bucket create");
	if (e == OTS_ERR_STORE) {
		error_code(&x, code);
		if (strcmp(code, "BucketAlreadyOwnedByYou") == 0)
			e = OTS_OK;
	}
	exchange_release(&x);
	return e;
}

enum ots_err
ots_s3_delete(struct ots_s3 *s, const char *key)
{
	struct exchange x;
	enum ots_err e;

	exchange_init(&x, s->s_ctl);
	e = simple(s, "DELETE", key, "", &x, "delete");
	exchange_release(&x);
	return e == OTS_ERR_NOTFOUND ? OTS_OK : e;
}

enum ots_err
ots_s3_head(struct ots_s3 *s, const char *key, uint64_t *size)
{
	struct exchange x;
	curl_off_t cl = -1;
	enum ots_err e;

	*size = 0;
	exchange_init(&x, s->s_ctl);
	x.x_head = true;
	e = simple(s, "HEAD", key, "", &x, "head");
	if (e == OTS_OK && (curl_easy_getinfo(s->s_ctl,
	    CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) != CURLE_OK || cl < 0))
		e = OTS_ERR_STORE;
	if (e == OTS_OK)
		*size = (uint64_t)cl;
	exchange_release(&x);
	return e;
}

/* PUT (or a part's PUT, with query) of fd[from, from + len) to key. */
static enum ots_err
put_range(struct ots_s3 *s, const char *key, const char *query, int fd,
    uint64_t from, uint64_t len, const char *extra, const char *op,
    char etag[ETAG_MAX])
{
	struct curl_slist *hdrs = NULL;
	struct exchange x;
	enum ots_err e;

	exchange_init(&x, s->s_ctl);
	x.x_fd = fd;
	x.x_begin = x.x_off = from;
	x.x_end = from + len;
	e = setup(s, s->s_ctl, &x, key, query, extra, true, &hdrs);
	if (e == OTS_OK && !upload_from_fd(s->s_ctl, &x, "PUT"))
		e = OTS_ERR_NOMEM;
	if (e == OTS_OK)
		e = perform(s->s_ctl, &x, op);
	if (e == OTS_OK && etag != NULL) {
		if (x.x_etag[0] == '\0') {
			ots_log_warn(MOD, "%s: no ETag in the answer", op);
			e = OTS_ERR_STORE;
		} else {
			memcpy(etag, x.x_etag, sizeof(x.x_etag));
		}
	}
	curl_slist_free_all(hdrs);
	exchange_release(&x);
	return e;
}

/* A POST of body (NUL-terminated, may be "") to key?query; the answer's
 * body stays in x.  slow: it may take long (a Complete assembles the
 * object, keeping the connection alive meanwhile), cut only if it
 * stalls. */
static enum ots_err
post(struct ots_s3 *s, const char *key, const char *query, const char *body,
    bool slow, struct exchange *x, const char *op)
{
	struct curl_slist *hdrs = NULL;
	enum ots_err e;

	e = setup(s, s->s_ctl, x, key, query, body[0] != '\0' ?
	    "Content-Type: application/xml" : NULL, slow, &hdrs);
	if (e == OTS_OK && (curl_easy_setopt(s->s_ctl, CURLOPT_POST, 1L) !=
	    CURLE_OK || curl_easy_setopt(s->s_ctl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body)) != CURLE_OK ||
	    curl_easy_setopt(s->s_ctl, CURLOPT_COPYPOSTFIELDS, body) !=
	    CURLE_OK))
		e = OTS_ERR_NOMEM;
	if (e == OTS_OK)
		e = perform(s->s_ctl, x, op);
	/* A Complete can answer 200 and fail in its body. */
	if (e == OTS_OK && x->x_body.b_data != NULL) {
		size_t from = 0, to = 0, pos = 0;

		if (ots_s3xml_element(x->x_body.b_data, x->x_body.b_len, &pos,
		    "Error", &from, &to) == OTS_OK) {
			char code[CODE_MAX];

			error_code(x, code);
			ots_log_warn(MOD, "%s failed: %s", op, code);
			e = OTS_ERR_STORE;
		}
	}
	curl_slist_free_all(hdrs);
	return e;
}

/* The parts of one multipart upload. */
struct multipart {
	const char *m_key;
	char m_id[OTS_S3_TOKEN_MAX];		/* UploadId */
	char m_qid[3 * OTS_S3_TOKEN_MAX];	/* it, encoded */
	char (*m_etags)[ETAG_MAX];
	unsigned m_parts;
};

static enum ots_err
multipart_begin(struct ots_s3 *s, struct multipart *m)
{
	struct exchange x;
	size_t pos = 0;
	enum ots_err e;

	exchange_init(&x, s->s_ctl);
	/* "uploads=", not "uploads": curl 7.88 signs the query as written. */
	e = post(s, m->m_key, "?uploads=", "", false, &x,
	    "multipart create");
	if (e == OTS_OK && (x.x_body.b_data == NULL ||
	    ots_s3xml_text(x.x_body.b_data, x.x_body.b_len, &pos, "UploadId",
	    m->m_id, sizeof(m->m_id)) != OTS_OK || m->m_id[0] == '\0')) {
		ots_log_warn(MOD, "multipart create: no UploadId");
		e = OTS_ERR_STORE;
	}
	exchange_release(&x);
	m->m_qid[0] = '\0';
	if (e == OTS_OK)
		e = ots_s3_query_encode(m->m_id, m->m_qid, sizeof(m->m_qid));
	return e;
}

static enum ots_err
multipart_complete(struct ots_s3 *s, struct multipart *m)
{
	struct ots_buf xml;
	struct exchange x;
	char query[sizeof(m->m_qid) + 16];
	unsigned i;
	enum ots_err e;

	ots_buf_init(&xml, (size_t)m->m_parts * (ETAG_MAX + 64) + 128);
	e = ots_buf_adds(&xml, "<CompleteMultipartUpload>");
	for (i = 0; e == OTS_OK && i < m->m_parts; i++)
		e = ots_buf_addf(&xml, "<Part><PartNumber>%u</PartNumber>"
		    "<ETag>%s</ETag></Part>", i + 1, m->m_etags[i]);
	if (e == OTS_OK)
		e = ots_buf_add(&xml, "</CompleteMultipartUpload>", 27);
	if (e == OTS_OK)
		e = ots_str_fmt(query, sizeof(query), "?uploadId=%s",
		    m->m_qid);
	if (e == OTS_OK) {
		exchange_init(&x, s->s_ctl);
		e = post(s, m->m_key, query, xml.b_data, true, &x,
		    "multipart complete");
		exchange_release(&x);
	}
	ots_buf_release(&xml);
	return e;
}

/* Drops a multipart upload that will not complete. */
static void
multipart_abort(struct ots_s3 *s, struct multipart *m)
{
	char query[sizeof(m->m_qid) + 16];
	struct exchange x;

	if (ots_str_fmt(query, sizeof(query), "?uploadId=%s", m->m_qid) !=
	    OTS_OK)
		return;
	exchange_init(&x, s->s_ctl);
	if (simple(s, "DELETE", m->m_key, query, &x, "multipart abort") !=
	    OTS_OK)
		ots_log_warn(MOD, "an unfinished multipart upload is left to "
		    "the bucket's lifecycle rule");
	exchange_release(&x);
}

static enum ots_err
put_multipart(struct ots_s3 *s, const char *key, int fd, uint64_t len)
{
	uint64_t part = s->s_conf->sc_part_size, parts = (len + part - 1) /
	    part, off;
	struct multipart m;
	char query[sizeof(m.m_qid) + 40];
	unsigned i;
	enum ots_err e;

	if (parts > OTS_S3_PARTS_MAX)
		return OTS_ERR_TOOBIG;
	memset(&m, 0, sizeof(m));
	m.m_key = key;
	m.m_parts = (unsigned)parts;
	m.m_etags = ots_calloc(m.m_parts, sizeof(*m.m_etags));
	if (m.m_etags == NULL)
		return OTS_ERR_NOMEM;
	e = multipart_begin(s, &m);
	for (i = 0, off = 0; e == OTS_OK && i < m.m_parts; i++, off += part) {
		uint64_t n = len - off < part ? len - off : part;

		e = ots_str_fmt(query, sizeof(query),
		    "?partNumber=%u&uploadId=%s", i + 1, m.m_qid);
		if (e == OTS_OK)
			e = put_range(s, key, query, fd, off, n, NULL,
			    "multipart part", m.m_etags[i]);
	}
	if (e == OTS_OK)
		e = multipart_complete(s, &m);
	if (e != OTS_OK && m.m_qid[0] != '\0')
		multipart_abort(s, &m);
	ots_free(m.m_etags);
	return e;
}

enum ots_err
ots_s3_put_fd(struct ots_s3 *s, const char *key, int fd, uint64_t len,
    bool exclusive)
{
	if (!ots_s3_key_ok(key))
		return OTS_ERR_INVAL;
	if (len <= s->s_conf->sc_part_size)
		return put_range(s, key, "", fd, 0, len, exclusive ?
		    "If-None-Match: *" : NULL, "put", NULL);
	if (exclusive)
		return OTS_ERR_TOOBIG;
	return put_multipart(s, key, fd, len);
}

enum ots_err
ots_s3_put_fd_at(struct ots_s3 *s, const char *key, int fd, uint64_t from,
    uint64_t len)
{
	if (!ots_s3_key_ok(key))
		return OTS_ERR_INVAL;
	if (len > s->s_conf->sc_part_size)
		return OTS_ERR_TOOBIG;
	return put_range(s, key, "", fd, from, len, NULL, "put", NULL);
}

enum ots_err
ots_s3_get(struct ots_s3 *s, const char *key, uint64_t from,
    ots_s3_start_fn start, ots_s3_push_fn push, void *ctx)
{
	struct curl_slist *hdrs = NULL;
	struct exchange x;
	char range[48];
	enum ots_err e;

	exchange_init(&x, s->s_get);
	x.x_start = start;
	x.x_push = push;
	x.x_ctx = ctx;
	if (ots_str_fmt(range, sizeof(range), "Range: bytes=%llu-",
	    (unsigned long long)from) != OTS_OK)
		return OTS_ERR_INVAL;
	e = setup(s, s->s_get, &x, key, "", from > 0 ? range : NULL, true,
	    &hdrs);
	if (e == OTS_OK)
		e = perform(s->s_get, &x, "get");
	/* An empty object pushes nothing: it still starts. */
	if (e == OTS_OK && !x.x_started)
		e = start(ctx, 0);
	curl_slist_free_all(hdrs);
	exchange_release(&x);
	return e;
}

/* One <Contents> entry of a listing into o; false when malformed. */
static bool
listed_object(const char *xml, size_t from, size_t to,
    struct ots_s3_object *o)
{
	char size[24], mtime[40];
	uint64_t n = 0;
	size_t pos;

	pos = from;
	if (ots_s3xml_text(xml, to, &pos, "Key", o->so_key,
	    sizeof(o->so_key)) != OTS_OK)
		return false;
	pos = from;
	if (ots_s3xml_text(xml, to, &pos, "Size", size, sizeof(size)) !=
	    OTS_OK || ots_parse_u64(size, strlen(size), 0, UINT64_MAX, &n) !=
	    OTS_OK)
		return false;
	o->so_size = n;
	pos = from;
	if (ots_s3xml_text(xml, to, &pos, "LastModified", mtime,
	    sizeof(mtime)) != OTS_OK ||
	    ots_s3xml_time(mtime, &o->so_mtime) != OTS_OK)
		return false;
	return ots_s3_key_ok(o->so_key);
}

enum ots_err
ots_s3_list(struct ots_s3 *s, const char *prefix, const char *token,
    unsigned max_keys, ots_s3_list_fn fn, void *ctx,
    char next[OTS_S3_TOKEN_MAX])
{
	char tok[3 * OTS_S3_TOKEN_MAX], pre[3 * OTS_S3_KEY_MAX];
	char query[sizeof(tok) + sizeof(pre) + 96];
	char truncated[8];
	struct exchange x;
	size_t pos = 0, from = 0, to = 0, len;
	const char *xml;
	enum ots_err e;

	next[0] = '\0';
	if (max_keys < 1 || max_keys > 1000)
		return OTS_ERR_INVAL;
	/* Canonical: the names in order, every value encoded. */
	tok[0] = '\0';
	pre[0] = '\0';
	e = ots_s3_query_encode(token, tok, sizeof(tok));
	if (e == OTS_OK)
		e = ots_s3_query_encode(prefix, pre, sizeof(pre));
	if (e == OTS_OK)
		e = ots_str_fmt(query, sizeof(query), "?%s%s%slist-type=2&"
		    "max-keys=%u&prefix=%s", tok[0] != '\0' ?
		    "continuation-token=" : "", tok, tok[0] != '\0' ? "&" : "",
		    max_keys, pre);
	if (e != OTS_OK)
		return e;
	exchange_init(&x, s->s_ctl);
	e = simple(s, "GET", "", query, &x, "list");
	if (e == OTS_OK && (x.x_overflow || x.x_body.b_data == NULL)) {
		ots_log_warn(MOD, "list: an answer too large or empty");
		e = OTS_ERR_STORE;
	}
	xml = x.x_body.b_data;
	len = x.x_body.b_len;
	while (e == OTS_OK && ots_s3xml_element(xml, len, &pos, "Contents",
	    &from, &to) == OTS_OK) {
		struct ots_s3_object o;

		memset(&o, 0, sizeof(o));
		if (listed_object(xml, from, to, &o))
			e = fn(ctx, &o);
	}
	pos = 0;
	if (e == OTS_OK && ots_s3xml_text(xml, len, &pos, "IsTruncated",
	    truncated, sizeof(truncated)) == OTS_OK &&
	    strcmp(truncated, "true") == 0) {
		pos = 0;
		if (ots_s3xml_text(xml, len, &pos, "NextContinuationToken",
		    next, OTS_S3_TOKEN_MAX) != OTS_OK || next[0] == '\0') {
			ots_log_warn(MOD, "list: truncated without a token");
			next[0] = '\0';
			e = OTS_ERR_STORE;
		}
	}
	exchange_release(&x);
	return e;
}
