/*
 * Uploads: PUT /api/v1/files/{name} with a raw body, and POST
 * /api/v1/files with multipart/form-data.  Both stream: the body is read
 * in chunks and each chunk is encrypted and written before the next is
 * read, so memory stays constant whatever the size.
 */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "app.h"
#include "ots_alloc.h"
#include "ots_form.h"
#include "ots_limits.h"
#include "ots_log.h"
#include "ots_mp.h"
#include "ots_name.h"
#include "ots_banned.h"

#define MOD "upload"
/* Multipart framing allowed on top of the file itself. */
#define MP_OVERHEAD (1024u * 1024u)
#define EXPIRY_MAX_LEN 32u

/* Answers a failed upload; the upload object is freed by the caller. */
static void
upload_failed(struct req *req, enum ots_err e)
{
	if (e == OTS_ERR_TOOBIG) {
		char msg[128];

		if (ots_str_fmt(msg, sizeof(msg), "The upload is larger than "
		    "the %llu bytes this server accepts.", (unsigned long long)
		    req->req_app->a_cfg.c_max_size) != OTS_OK)
			msg[0] = '\0';
		resp_error(req, 413, "too_large", msg);
		return;
	}
	if (e == OTS_ERR_TRUNC)
		ots_log_info(MOD, "client went away mid-upload");
	if (e == OTS_ERR_SLOW) {
		ots_metrics_add(req->req_app->a_metrics, OTS_M_SLOW_UPLOAD, 1);
		ots_log_info(MOD, "upload cut off: slower than "
		    "OTS_TRANSFER_MIN_RATE");
	}
	if (e == OTS_ERR_BUSY && req->req_busy_refused) {
		/* Still running after its grace, with its client at the
		 * cap. */
		h_too_many_transfers(req);
		return;
	}
	resp_from_err(req, e);
}

/*
 * Registers the finished upload and answers with the link.  The expiry
 * counts from now, the end of the upload: a slow upload must not end up
 * registered past its announced expiry.
 */
static void
finish_upload(struct req *req, struct ots_upload *up,
    const struct ots_meta *m, uint64_t secs)
{
	struct ots_upload_result res;
	uint64_t now = ots_now();
	enum ots_err e;

	/* The whole body is in: no client can hold this thread any more
	 * (the answer fits the web server's buffers).  The transfer slot
	 * goes back before the sync, which can take seconds on a busy
	 * disk: holding it then turned the next transfers away with 503
	 * while nothing but the disk was slow (bench-smoke, after the big
	 * transfers of make test). */
	h_heavy_leave(req);
	memset(&res, 0, sizeof(res));
	e = ots_upload_commit(up, req->req_worker->w_rds, m, now, now + secs,
	    req->req_app->a_cfg.c_tombstone_ttl, &res);
	if (e != OTS_OK) {
		upload_failed(req, e);
		return;
	}
	h_upload_answer(req, &res);
	ots_metrics_add(req->req_app->a_metrics, OTS_M_UPLOADS, 1);
	ots_tok_wipe(&res.ur_secret);
	ots_tok_wipe(&res.ur_owner);
}

/*
 * Draws a salt and runs Argon2id for a protected upload.  OTS_ERR_TIMEOUT
 * when the password gate stayed full.
 */
static enum ots_err
make_pw(struct req *req, const char *pw, size_t len, struct ots_upload_pw *out)
{
	randombytes_buf(out->up_salt, sizeof(out->up_salt));
	out->up_kdf = req->req_app->a_cfg.c_argon2;
	return h_password_key(req, pw, len, out->up_salt, &out->up_kdf,
	    out->up_key);
}

static void
password_too_long(struct req *req)
{
	char msg[96];

	if (ots_str_fmt(msg, sizeof(msg), "The password is longer than %u "
	    "bytes.", req->req_app->a_cfg.c_password_max) != OTS_OK)
		msg[0] = '\0';
	resp_error(req, 400, "password_too_long", msg);
}

/* A Content-Type worth keeping: type/subtype of token characters. */
static void
keep_type(const char *ctype, char out[OTS_TYPE_MAX + 1])
{
	size_t i, slash = 0;

	out[0] = '\0';
	for (i = 0; ctype[i] != '\0' && ctype[i] != ';' && ctype[i] != ' ';
	    i++) {
		char c = ctype[i];

		if (i >= OTS_TYPE_MAX)
			return;
		if (c == '/')
			slash++;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("!#$&-^_.+", c) != NULL))
			return;
	}
	if (slash != 1 || i == 0)
		return;
	memcpy(out, ctype, i);
	out[i] = '\0';
}

/* Finds an option in the query string, falling back to a header. */
static bool
get_option(struct req *req, const char *qname, const char *header,
    char *out, size_t max, struct ots_str *val)
{
	size_t len = 0;
	bool found = false;
	const char *h;

	if (ots_form_get(req->req_query.p, req->req_query.len, qname, out,
	    max, &len, &found) != OTS_OK) {
		resp_error(req, 400, "bad_query", "The query string is "
		    "malformed or names an option twice.");
		return false;
	}
	if (!found) {
		h = req_param(req, header);
		if (h != NULL) {
			len = strlen(h);
			if (len > max) {
				resp_error(req, 400, "bad_option",
				    "An option header is too long.");
				return false;
			}
			memcpy(out, h, len + 1);
		}
	}
	val->p = out;
	val->len = len;
	return true;
}

/* The options an upload takes in its query string. */
static const char *const query_options[] = { "expires_in", NULL };

/* Does an unknown option's name look like a try at a password? */
static bool
looks_like_password(const char *name)
{
	return strcasestr(name, "pass") != NULL || strcasecmp(name, "pw") == 0 ||
	    strcasecmp(name, "pwd") == 0;
}

/*
 * Refuses a query string that names an option uploads do not take: a
 * misspelt or unsupported option (above all a password in the address)
 * would otherwise be ignored, and the sender would believe it applied.
 * False (and 400 sent) when there is one.
 */
static bool
query_known(struct req *req)
{
	char name[OTS_FORM_NAME_MAX + 1], msg[256];
	bool found = false;

	if (ots_form_unknown(req->req_query.p, req->req_query.len,
	    query_options, name, &found) != OTS_OK) {
		resp_error(req, 400, "bad_query", "The query string is "
		    "malformed.");
		return false;
	}
	if (!found)
		return true;
	if (looks_like_password(name)) {
		resp_error(req, 400, "password_in_url", "A password never goes "
		    "in the address (addresses end up in logs and histories): "
		    "send it in the X-Password header. Nothing was stored.");
		return false;
	}
	if (ots_str_fmt(msg, sizeof(msg), "The query string names an option "
	    "this server does not know ('%s'): uploads take expires_in "
	    "only. Nothing was stored.", name) != OTS_OK)
		msg[0] = '\0';
	resp_error(req, 400, "unknown_option", msg);
	return false;
}

/*
 * The X-Password header, percent-decoded into out (at most max bytes):
 * a header value loses its leading and trailing blanks on the way (RFC
 * 9110 §5.5), so clients encode them (%20), and '%' itself as %25.
 * False (and 400 sent) when malformed or too long.
 */
static bool
header_password_value(struct req *req, char *out, size_t max, size_t *len)
{
	const char *h = req_param(req, "HTTP_X_PASSWORD");
	enum ots_err e;

	*len = 0;
	if (h == NULL || h[0] == '\0')
		return true;
	e = ots_pct_decode(h, strlen(h), false, out, max, len);
	if (e == OTS_ERR_TOOBIG) {
		sodium_memzero(out, max);
		password_too_long(req);
		return false;
	}
	if (e != OTS_OK) {
		sodium_memzero(out, max);
		resp_error(req, 400, "bad_password_encoding", "X-Password is "
		    "percent-encoded: write a space as %20 and '%' as %25. "
		    "Nothing was stored.");
		return false;
	}
	return true;
}

void
h_upload_put(struct req *req)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	char decoded[OTS_URI_MAX];
	char expiry_buf[EXPIRY_MAX_LEN + 1];
	struct ots_str expiry;
	struct ots_meta meta;
	struct ots_upload *up = NULL;
	struct ots_upload_pw pw;
	char *password = NULL;
	size_t dlen = 0, pwlen = 0;
	size_t used = 0;
	uint64_t secs = 0;
	enum ots_err e = OTS_OK;

	if (!query_known(req))
		return;
	if (!req->req_has_length && !req->req_chunked) {
		resp_error(req, 411, "length_required", "Send a "
		    "Content-Length or use chunked transfer encoding.");
		return;
	}
	if (req->req_has_length && req->req_length > c->c_max_size) {
		upload_failed(req, OTS_ERR_TOOBIG);
		return;
	}
	if (ots_name_unescape(req->req_arg.p, req->req_arg.len, decoded,
	    sizeof(decoded), &dlen) != OTS_OK) {
		resp_error(req, 400, "bad_name", "The file name in the path "
		    "is not validly percent-encoded.");
		return;
	}
	if (!get_option(req, "expires_in", "HTTP_X_EXPIRES_IN", expiry_buf,
	    EXPIRY_MAX_LEN, &expiry) || !h_expiry(req, expiry, &secs))
		return;
	password = ots_malloc(c->c_password_max + 1u);
	if (password == NULL) {
		resp_from_err(req, OTS_ERR_NOMEM);
		return;
	}
	if (!header_password_value(req, password, c->c_password_max,
	    &pwlen) || !h_heavy_enter(req, pwlen > 0 ? H_CLIENT_NOW :
	    H_CLIENT_LATER)) {
		sodium_memzero(password, c->c_password_max + 1u);
		ots_free(password);
		return;
	}
	memset(&pw, 0, sizeof(pw));
	if (pwlen > 0)
		e = make_pw(req, password, pwlen, &pw);
	sodium_memzero(password, c->c_password_max + 1u);
	ots_free(password);

	memset(&meta, 0, sizeof(meta));
	meta.m_kind = OTS_META_FILE;
	ots_name_clean(decoded, dlen, meta.m_name);
	keep_type(req->req_ctype, meta.m_type);

	if (e == OTS_OK)
		e = ots_upload_begin(req->req_app->a_store, c->c_max_size,
		    pwlen > 0 ? &pw : NULL, &up);
	sodium_memzero(&pw, sizeof(pw));
	while (e == OTS_OK) {
		size_t got = 0;

		e = req_read(req, req->req_worker->w_buf, OTS_CHUNK_SIZE,
		    &got);
		if (got > used)
			used = got;
		if (e != OTS_OK || got == 0)
			break;
		e = ots_upload_write(up, req->req_worker->w_buf, got);
	}
	if (e == OTS_OK && req->req_has_length &&
	    ots_upload_size(up) != req->req_length)
		e = OTS_ERR_TRUNC;
	if (e == OTS_OK)
		finish_upload(req, up, &meta, secs);
	else
		upload_failed(req, e);
	ots_upload_free(up);
	h_heavy_leave(req);
	/* The plaintext that passed through: no need to wipe all 64 KiB
	 * after a 1 KiB upload. */
	sodium_memzero(req->req_worker->w_buf, used);
}

/* Multipart parsing state for one POST. */
struct mp_ctx {
	struct req *m_req;
	struct ots_upload *m_up;
	enum { PART_SKIP, PART_CONTENT, PART_EXPIRY, PART_PASSWORD } m_cur;
	bool m_have_content;
	struct ots_meta m_meta;
	char m_expiry[EXPIRY_MAX_LEN + 1];
	size_t m_expiry_len;
	char *m_pw;		/* c_password_max + 1 bytes, wiped */
	size_t m_pw_len;
	bool m_pw_header;	/* the password came as X-Password */
	bool m_file_too_big;	/* the content passed OTS_MAX_SIZE */
	bool m_mp_bound;	/* too many parts or headers too long */
	bool m_bad_expiry;	/* expires_in out of bounds: stop early */
	enum ots_err m_err;	/* why parsing stopped, if a callback did */
	const char *m_msg;	/* a 400 message for the client */
	char m_msg_buf[256];	/* room for a message naming a field */
};

static enum ots_err
mp_bad(struct mp_ctx *m, const char *msg)
{
	m->m_msg = msg;
	return OTS_ERR_INVAL;
}

/*
 * A field uploads do not take (a misspelt "Password" among them): refused,
 * or the sender would believe it applied.
 */
static enum ots_err
mp_unknown(struct mp_ctx *m, const char *name)
{
	if (ots_str_fmt(m->m_msg_buf, sizeof(m->m_msg_buf), "The form has a "
	    "field this server does not know ('%.32s'): send file or text, "
	    "and password and expires_in if you need them (names are lower "
	    "case). Nothing was stored.", name) != OTS_OK)
		m->m_msg_buf[0] = '\0';
	return mp_bad(m, m->m_msg_buf);
}

static enum ots_err
mp_begin(void *ctx, const struct ots_mp_part *p)
{
	struct mp_ctx *m = ctx;
	const struct ots_cfg *c = &m->m_req->req_app->a_cfg;

	struct ots_upload_pw pw;
	enum ots_err e = OTS_OK;

	m->m_cur = PART_SKIP;
	if (strcmp(p->p_name, "file") == 0 || strcmp(p->p_name, "text") == 0) {
		if (m->m_have_content)
			return mp_bad(m, "Send one file or one text, not "
			    "several.");
		m->m_have_content = true;
		m->m_cur = PART_CONTENT;
		if (strcmp(p->p_name, "text") == 0 && !p->p_has_filename) {
			m->m_meta.m_kind = OTS_META_TEXT;
			memcpy(m->m_meta.m_name, "secret.txt",
			    sizeof("secret.txt"));
			memcpy(m->m_meta.m_type, "text/plain",
			    sizeof("text/plain"));
		} else {
			m->m_meta.m_kind = OTS_META_FILE;
			ots_name_clean(p->p_filename, p->p_filename_len,
			    m->m_meta.m_name);
			keep_type(p->p_type, m->m_meta.m_type);
		}
		memset(&pw, 0, sizeof(pw));
		if (m->m_pw_len > 0)
			e = make_pw(m->m_req, m->m_pw, m->m_pw_len, &pw);
		if (e == OTS_OK)
			e = ots_upload_begin(m->m_req->req_app->a_store,
			    c->c_max_size, m->m_pw_len > 0 ? &pw : NULL,
			    &m->m_up);
		sodium_memzero(&pw, sizeof(pw));
		return e;
	}
	if (strcmp(p->p_name, "expires_in") == 0) {
		m->m_cur = PART_EXPIRY;
		m->m_expiry_len = 0;
	} else if (strcmp(p->p_name, "password") == 0) {
		if (m->m_have_content)
			return mp_bad(m, "Send the password field before the "
			    "file.");
		if (m->m_pw_header)
			return mp_bad(m, "Send the password once: as a form "
			    "field or as an X-Password header, not both.");
		if (m->m_pw == NULL) {
			m->m_pw = ots_malloc(c->c_password_max + 1u);
			if (m->m_pw == NULL)
				return OTS_ERR_NOMEM;
		}
		m->m_cur = PART_PASSWORD;
		m->m_pw_len = 0;
	} else {
		return mp_unknown(m, p->p_name);
	}
	return OTS_OK;
}

static enum ots_err
mp_data(void *ctx, const uint8_t *p, size_t n)
{
	struct mp_ctx *m = ctx;

	switch (m->m_cur) {
	case PART_CONTENT: {
		enum ots_err e = ots_upload_write(m->m_up, p, n);

		m->m_file_too_big = e == OTS_ERR_TOOBIG;
		return e;
	}
	case PART_EXPIRY:
		if (n > EXPIRY_MAX_LEN - m->m_expiry_len)
			return mp_bad(m, "expires_in is too long.");
		memcpy(m->m_expiry + m->m_expiry_len, p, n);
		m->m_expiry_len += n;
		m->m_expiry[m->m_expiry_len] = '\0';
		return OTS_OK;
	case PART_PASSWORD:
		if (n > m->m_req->req_app->a_cfg.c_password_max - m->m_pw_len) {
			m->m_err = OTS_ERR_TOOBIG;
			return OTS_ERR_INVAL;
		}
		memcpy(m->m_pw + m->m_pw_len, p, n);
		m->m_pw_len += n;
		return OTS_OK;
	case PART_SKIP:
		return OTS_OK;
	}
	return OTS_OK;
}

static enum ots_err
mp_end(void *ctx)
{
	struct mp_ctx *m = ctx;
	uint64_t secs = 0;

	/* A bad expiry stops the upload here, before the rest of the body
	 * is read, encrypted and written for nothing. */
	if (m->m_cur == PART_EXPIRY && !h_expiry_ok(m->m_req,
	    (struct ots_str){ m->m_expiry, m->m_expiry_len }, &secs)) {
		m->m_bad_expiry = true;
		m->m_cur = PART_SKIP;
		return OTS_ERR_INVAL;
	}
	m->m_cur = PART_SKIP;
	return OTS_OK;
}

static const struct ots_mp_cb mp_callbacks = { mp_begin, mp_data, mp_end };

/* Takes a password from an X-Password header, as PUT does; false (and
 * 400 sent) when it is malformed or too long. */
static bool
header_password(struct req *req, struct mp_ctx *m)
{
	unsigned max = req->req_app->a_cfg.c_password_max;

	if (req_param(req, "HTTP_X_PASSWORD") == NULL)
		return true;
	m->m_pw = ots_malloc(max + 1u);
	if (m->m_pw == NULL) {
		resp_from_err(req, OTS_ERR_NOMEM);
		return false;
	}
	if (!header_password_value(req, m->m_pw, max, &m->m_pw_len))
		return false;
	m->m_pw_header = m->m_pw_len > 0;
	return true;
}

/* Feeds the whole body to the parser. */
static enum ots_err
parse_body(struct req *req, struct ots_mp *mp, struct mp_ctx *m,
    uint64_t raw_max, size_t *used)
{
	uint64_t total = 0;
	enum ots_err e;

	for (;;) {
		size_t got = 0;

		e = req_read(req, req->req_worker->w_buf, OTS_CHUNK_SIZE,
		    &got);
		if (got > *used)
			*used = got;
		if (e != OTS_OK)
			return e;
		if (got == 0)
			return ots_mp_finish(mp);
		total += got;
		if (total > raw_max)
			return OTS_ERR_TOOBIG;
		e = ots_mp_feed(mp, req->req_worker->w_buf, got);
		if (e == OTS_ERR_TOOBIG && !m->m_file_too_big)
			m->m_mp_bound = true;
		if (e != OTS_OK)
			return e;
	}
}

void
h_upload_post(struct req *req)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	char boundary[OTS_MP_BOUNDARY_MAX + 1];
	struct mp_ctx m;
	struct ots_mp *mp = NULL;
	char opt_expiry[EXPIRY_MAX_LEN + 1];
	struct ots_str expiry;
	uint64_t secs = 0;
	uint64_t raw_max = c->c_max_size + MP_OVERHEAD;
	size_t used = 0;	/* bytes of w_buf to wipe */
	enum ots_err e;

	memset(&m, 0, sizeof(m));
	m.m_req = req;
	if (!query_known(req))
		return;
	if (strncasecmp(req->req_ctype, "multipart/form-data", 19) != 0) {
		resp_error(req, 415, "unsupported_media_type", "Send the "
		    "upload as multipart/form-data, or PUT the raw bytes.");
		return;
	}
	if (ots_mp_boundary(req->req_ctype, strlen(req->req_ctype),
	    boundary) != OTS_OK) {
		resp_error(req, 400, "bad_multipart", "The multipart "
		    "boundary is missing or malformed.");
		return;
	}
	if (req->req_has_length && req->req_length > raw_max) {
		upload_failed(req, OTS_ERR_TOOBIG);
		return;
	}
	/* As for PUT, the expiry may also come as a query or header; a
	 * form field wins. */
	/* A bad expiry in the query or a header is refused before the body
	 * is read. */
	if (!get_option(req, "expires_in", "HTTP_X_EXPIRES_IN", opt_expiry,
	    EXPIRY_MAX_LEN, &expiry) || !h_expiry(req, expiry, &secs))
		return;
	if (!header_password(req, &m))
		goto out;
	if (!h_heavy_enter(req, m.m_pw_len > 0 ? H_CLIENT_NOW :
	    H_CLIENT_LATER))
		goto out;
	e = ots_mp_new(boundary, &mp_callbacks, &m, &mp);
	if (e == OTS_OK)
		e = parse_body(req, mp, &m, raw_max, &used);
	if (e == OTS_OK && !m.m_have_content) {
		e = OTS_ERR_INVAL;
		m.m_msg = "The form has no file field (or text field).";
	}
	if (m.m_expiry_len > 0) {
		expiry.p = m.m_expiry;
		expiry.len = m.m_expiry_len;
	}
	if ((e == OTS_OK || m.m_bad_expiry) && !h_expiry(req, expiry, &secs))
		goto out;
	if (e == OTS_OK)
		finish_upload(req, m.m_up, &m.m_meta, secs);
	else if (e == OTS_ERR_INVAL && m.m_err == OTS_ERR_TOOBIG)
		password_too_long(req);
	else if (e == OTS_ERR_TOOBIG && m.m_mp_bound)
		resp_error(req, 400, "bad_multipart", "The form has too many "
		    "parts or a part's headers are too long.");
	else if (e == OTS_ERR_INVAL)
		resp_error(req, 400, "bad_multipart", m.m_msg != NULL ?
		    m.m_msg : "The multipart body is malformed or truncated.");
	else
		upload_failed(req, e);
out:
	ots_mp_free(mp);
	ots_upload_free(m.m_up);
	h_heavy_leave(req);
	if (m.m_pw != NULL) {
		sodium_memzero(m.m_pw, c->c_password_max + 1u);
		ots_free(m.m_pw);
	}
	sodium_memzero(&m.m_meta, sizeof(m.m_meta));
	sodium_memzero(req->req_worker->w_buf, used);
}
