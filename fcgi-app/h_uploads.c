/*
 * Uploads of end-to-end shares (docs/E2E.md, docs/API.md): the client
 * encrypts, the body is its OTSC container, and the server stores bytes
 * it cannot read.
 *
 *	PUT    /api/v1/uploads/{id}		the whole share in one request
 *	POST   /api/v1/uploads			starts an upload in parts
 *	PATCH  /api/v1/uploads/{id}		one part, at Upload-Offset
 *	HEAD   /api/v1/uploads/{id}		the stored offset (resume)
 *	POST   /api/v1/uploads/{id}/commit	registers the share
 *	DELETE /api/v1/uploads/{id}		abandons the upload
 *
 * The web server reads each body whole before a worker sees it
 * (nginx-conf/ots-part-body.conf), so a slow client holds no thread here;
 * a part is stored whole or not at all: the offset moves only once every
 * byte of it is on disk.  Everything the client sends besides the body
 * comes in headers, each binary one as unpadded base64url.
 */
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "ots_box.h"
#include "ots_log.h"
#include "ots_meta.h"
#include "ots_parts.h"
#include "ots_share.h"
#include "ots_banned.h"

#define MOD "uploads"
/* A part's lease: the body is in the web server's hands before the
 * worker starts, so writing it takes a moment; a worker that died
 * mid-part frees the upload after this. */
#define PART_LEASE_MS 60000u
/* The smallest sealed name: nonce, tag, kind, lengths (lib/ots_meta.c). */
#define META_SEALED_MIN (24u + 16u + 5u)

/* The seal's bytes, decoded from the request's headers. */
struct seal_in {
	uint8_t si_meta[OTS_META_SEALED_MAX];
	uint8_t si_lcheck[OTS_META_CHECK_BYTES];
	uint8_t si_salt[OTS_KDF_SALT_BYTES];
	uint8_t si_check[OTS_META_CHECK_BYTES];
	struct ots_e2e_seal si_seal;
};

/* The upload's id from the path; false (and 404 sent) when malformed. */
static bool
upload_id(struct req *req, struct ots_tok *id)
{
	if (ots_tok_parse(req->req_arg.p, req->req_arg.len, id) == OTS_OK)
		return true;
	resp_error(req, 404, "not_found", "No such upload.");
	return false;
}

/* The upload routes take no query: a misspelt option would be ignored. */
static bool
no_query(struct req *req)
{
	if (req->req_query.len == 0)
		return true;
	resp_error(req, 400, "unknown_option", "These routes take no query "
	    "string: their options are headers (docs/API.md). Nothing was "
	    "stored.");
	return false;
}

static bool
upload_token(struct req *req, char hash[65])
{
	if (h_bearer(req, NULL, hash))
		return true;
	resp_error(req, 403, "wrong_upload_token", "Send the upload token "
	    "from the upload's start (Authorization: Bearer TOKEN).");
	return false;
}

/* A decimal header; false (and 400 sent) when absent or malformed. */
static bool
number_header(struct req *req, const char *param, const char *code,
    const char *msg, uint64_t max, uint64_t *out)
{
	const char *v = req_param(req, param);

	if (v == NULL || ots_parse_u64(v, strlen(v), 0, max, out) != OTS_OK) {
		resp_error(req, 400, code, msg);
		return false;
	}
	return true;
}

/* X-Upload-Size: the plaintext size.  False (and 400 or 413 sent). */
static bool
plain_size(struct req *req, uint64_t *size, uint64_t *clen)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	char msg[128];

	if (!number_header(req, "HTTP_X_UPLOAD_SIZE", "bad_size", "Send the "
	    "plaintext size in bytes as X-Upload-Size.", UINT64_MAX, size))
		return false;
	if (*size > c->c_max_size) {
		if (ots_str_fmt(msg, sizeof(msg), "The share is larger than "
		    "the %llu bytes this server accepts.", (unsigned long long)
		    c->c_max_size) != OTS_OK)
			msg[0] = '\0';
		resp_error(req, 413, "too_large", msg);
		return false;
	}
	if (ots_box_size(*size, clen) != OTS_OK) {
		resp_error(req, 413, "too_large", "The share is too large.");
		return false;
	}
	return true;
}

/* X-Expires-In (optional); false (and 400 sent) when out of bounds. */
static bool
expiry_header(struct req *req, uint64_t *secs)
{
	const char *v = req_param(req, "HTTP_X_EXPIRES_IN");
	struct ots_str raw = { "", 0 };

	if (v != NULL) {
		raw.p = v;
		raw.len = strlen(v);
	}
	return h_expiry(req, raw, secs);
}

/* One fixed-size binary header of the seal; false (and 400 sent). */
static bool
seal_bytes(struct req *req, const char *param, const char *header,
    uint8_t *out, size_t n, bool *present)
{
	char msg[160];
	size_t len = 0;
	enum ots_err e = h_b64_param(req, param, out, n, n, &len);

	*present = e != OTS_ERR_NOTFOUND;
	if (e == OTS_OK || e == OTS_ERR_NOTFOUND)
		return true;
	if (ots_str_fmt(msg, sizeof(msg), "%s must be %zu bytes in unpadded "
	    "base64url.", header, n) != OTS_OK)
		msg[0] = '\0';
	resp_error(req, 400, "bad_seal", msg);
	return false;
}

/*
 * X-Password-Cost "mem_kib,time,lanes": at least the server's own cost
 * (a weaker one would make the share easier to guess than the operator
 * chose), one lane (all libsodium computes), within libots' bounds.
 */
static bool
password_cost(struct req *req, struct ots_kdf_params *p)
{
	const struct ots_kdf_params *want = &req->req_app->a_cfg.c_argon2;
	const char *v = req_param(req, "HTTP_X_PASSWORD_COST");
	uint64_t n[3] = { 0, 0, 0 };
	char msg[192];
	size_t i, start = 0, pos = 0, len = v != NULL ? strlen(v) : 0;
	bool ok = v != NULL;

	for (i = 0; ok && i < 3; i++) {
		while (pos < len && v[pos] != ',')
			pos++;
		ok = ots_parse_u64(v + start, pos - start, 1, UINT32_MAX,
		    &n[i]) == OTS_OK && (i == 2 ? pos == len : pos < len);
		start = ++pos;
	}
	p->kp_mem_kib = (uint32_t)n[0];
	p->kp_time = (uint32_t)n[1];
	p->kp_lanes = (uint32_t)n[2];
	if (ok && ots_kdf_params_ok(p) && p->kp_lanes == 1 &&
	    p->kp_mem_kib >= want->kp_mem_kib && p->kp_time >= want->kp_time)
		return true;
	if (ots_str_fmt(msg, sizeof(msg), "X-Password-Cost must be "
	    "\"mem_kib,time,1\" and at least this server's cost, %u,%u,1 "
	    "(GET /api/v1/config).", want->kp_mem_kib, want->kp_time) !=
	    OTS_OK)
		msg[0] = '\0';
	resp_error(req, 400, "weak_password_cost", msg);
	return false;
}

/*
 * The seal from X-Meta, X-Link-Check and, for a protected share,
 * X-Password-Salt, X-Password-Cost and X-Password-Check (all three or
 * none).  False (and 400 sent) when any is missing or malformed.
 */
static bool
read_seal(struct req *req, struct seal_in *in)
{
	struct ots_e2e_seal *es = &in->si_seal;
	bool have_salt = false, have_check = false, have = false;
	size_t len = 0;
	enum ots_err e;

	memset(es, 0, sizeof(*es));
	e = h_b64_param(req, "HTTP_X_META", in->si_meta, META_SEALED_MIN,
	    sizeof(in->si_meta), &len);
	if (e != OTS_OK) {
		resp_error(req, 400, "bad_seal", "Send the sealed name as "
		    "X-Meta (unpadded base64url, docs/E2E.md).");
		return false;
	}
	es->es_meta = in->si_meta;
	es->es_meta_len = len;
	if (!seal_bytes(req, "HTTP_X_LINK_CHECK", "X-Link-Check",
	    in->si_lcheck, sizeof(in->si_lcheck), &have))
		return false;
	if (!have) {
		resp_error(req, 400, "bad_seal", "Send the link check as "
		    "X-Link-Check (docs/E2E.md).");
		return false;
	}
	es->es_lcheck = in->si_lcheck;
	if (!seal_bytes(req, "HTTP_X_PASSWORD_SALT", "X-Password-Salt",
	    in->si_salt, sizeof(in->si_salt), &have_salt) ||
	    !seal_bytes(req, "HTTP_X_PASSWORD_CHECK", "X-Password-Check",
	    in->si_check, sizeof(in->si_check), &have_check))
		return false;
	have = req_param(req, "HTTP_X_PASSWORD_COST") != NULL;
	if (!have_salt && !have_check && !have)
		return true;
	if (!have_salt || !have_check || !have) {
		resp_error(req, 400, "bad_seal", "A protected share sends "
		    "X-Password-Salt, X-Password-Cost and X-Password-Check, "
		    "all three.");
		return false;
	}
	if (!password_cost(req, &es->es_kdf))
		return false;
	es->es_salt = in->si_salt;
	es->es_check = in->si_check;
	return true;
}

static void
wipe_seal(struct seal_in *in)
{
	sodium_memzero(in, sizeof(*in));
}

/* Answers a refusal of lib/ots_parts. */
static void
parts_refused(struct req *req, enum ots_parts_why why, uint64_t stored)
{
	char extra[64];

	switch (why) {
	case OTS_PARTS_UNKNOWN:
		resp_error(req, 404, "not_found", "No such upload: it never "
		    "began, was committed or abandoned, or idled past "
		    "OTS_UPLOAD_IDLE.");
		return;
	case OTS_PARTS_FORBIDDEN:
		resp_error(req, 403, "wrong_upload_token", "This upload token "
		    "does not belong to this upload.");
		return;
	case OTS_PARTS_OFFSET:
	case OTS_PARTS_INCOMPLETE:
		if (ots_str_fmt(extra, sizeof(extra), "Upload-Offset: %llu\r\n",
		    (unsigned long long)stored) != OTS_OK)
			extra[0] = '\0';
		if (why == OTS_PARTS_OFFSET)
			resp_error_x(req, 409, "offset_mismatch", "The part "
			    "does not start at the stored offset (in "
			    "Upload-Offset): resume from there.", extra);
		else
			resp_error_x(req, 409, "incomplete", "The upload has "
			    "not reached its size yet (the stored offset is in "
			    "Upload-Offset).", extra);
		return;
	case OTS_PARTS_BUSY:
		resp_error_x(req, 409, "part_in_progress", "Another part of "
		    "this upload is being stored; send one part at a time.",
		    "Retry-After: 1\r\n");
		return;
	case OTS_PARTS_TOOBIG:
		resp_error(req, 413, "part_too_large", "The part runs past the "
		    "container's size.");
		return;
	case OTS_PARTS_LOST:
		resp_error(req, 409, "part_lost", "The part took so long that "
		    "its turn lapsed; ask for the offset and send it again.");
		return;
	case OTS_PARTS_TAKEN:
		resp_error(req, 409, "id_taken", "This id is taken; draw "
		    "another one.");
		return;
	case OTS_PARTS_OK:
	default:
		resp_from_err(req, OTS_ERR_IO);
		return;
	}
}

static struct ots_parts_ttl
parts_ttl(const struct req *req)
{
	struct ots_parts_ttl t = { req->req_app->a_cfg.c_upload_idle,
		req->req_app->a_cfg.c_upload_max_age };

	return t;
}

/* Answers an upload that failed while reading or writing its body. */
static void
body_failed(struct req *req, enum ots_err e)
{
	if (e == OTS_ERR_CRYPTO) {
		resp_error(req, 400, "bad_container", "The body is not an OTSC "
		    "container for this id (docs/E2E.md). Nothing was "
		    "stored.");
		return;
	}
	if (e == OTS_ERR_TOOBIG) {
		resp_error(req, 413, "too_large", "The body is longer than its "
		    "Content-Length said.");
		return;
	}
	if (e == OTS_ERR_SLOW)
		ots_metrics_add(req->req_app->a_metrics, OTS_M_SLOW_UPLOAD, 1);
	resp_from_err(req, e);
}

/* Reads the whole body (length bytes) into the upload up. */
static enum ots_err
read_into_upload(struct req *req, struct ots_upload *up, uint64_t length)
{
	uint64_t total = 0;
	enum ots_err e;

	for (;;) {
		size_t got = 0;

		e = req_read(req, req->req_worker->w_buf, OTS_CHUNK_SIZE, &got);
		if (e != OTS_OK)
			return e;
		if (got == 0)
			return total == length ? OTS_OK : OTS_ERR_TRUNC;
		total += got;
		e = ots_upload_write(up, req->req_worker->w_buf, got);
		if (e != OTS_OK)
			return e;
	}
}

/* Content-Length: required, bounded.  False (and 411 or 413 sent). */
static bool
body_length(struct req *req, uint64_t max, const char *too_big)
{
	if (!req->req_has_length) {
		resp_error(req, 411, "length_required", "Send a "
		    "Content-Length: the web server buffers each body whole.");
		return false;
	}
	if (req->req_length > max) {
		resp_error(req, 413, "part_too_large", too_big);
		return false;
	}
	return true;
}

/* PUT /api/v1/uploads/{id}: a whole end-to-end share in one request. */
void
h_uploads_put(struct req *req)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	struct ots_upload *up = NULL;
	struct ots_upload_result res;
	struct seal_in in;
	struct ots_tok id;
	uint64_t size = 0, clen = 0, secs = 0, now;
	enum ots_err e;

	if (!no_query(req))
		return;
	if (ots_tok_parse(req->req_arg.p, req->req_arg.len, &id) != OTS_OK) {
		resp_error(req, 400, "bad_id", "The id must be 16 random bytes "
		    "as 22 characters of unpadded base64url.");
		return;
	}
	if (!plain_size(req, &size, &clen) || !body_length(req,
	    c->c_part_max, "The share does not fit in one request "
	    "(OTS_UPLOAD_PART_MAX): upload it in parts (POST "
	    "/api/v1/uploads)."))
		return;
	if (req->req_length != clen) {
		resp_error(req, 400, "size_mismatch", "Content-Length must be "
		    "the container's size for X-Upload-Size plaintext bytes.");
		return;
	}
	if (!expiry_header(req, &secs) || !read_seal(req, &in))
		goto out;
	if (!h_heavy_enter(req, H_CLIENT_NONE))
		goto out;
	e = ots_upload_begin_e2e(req->req_app->a_store, &id, clen, &up);
	if (e == OTS_OK)
		e = read_into_upload(req, up, req->req_length);
	if (e != OTS_OK) {
		if (e == OTS_ERR_INVAL)
			parts_refused(req, OTS_PARTS_TAKEN, 0);
		else
			body_failed(req, e);
		goto out;
	}
	now = ots_now();
	e = ots_upload_commit_e2e(up, req->req_worker->w_rds, &in.si_seal,
	    size, now, now + secs, c->c_tombstone_ttl, &res);
	if (e == OTS_ERR_INVAL) {
		parts_refused(req, OTS_PARTS_TAKEN, 0);
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	h_e2e_answer(req, &res);
	ots_metrics_add(req->req_app->a_metrics, OTS_M_UPLOADS_E2E, 1);
	ots_tok_wipe(&res.ur_owner);
out:
	ots_upload_free(up);
	h_heavy_leave(req);
	wipe_seal(&in);
}

/* POST /api/v1/uploads: starts an upload in parts. */
void
h_uploads_create(struct req *req)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	struct ots_parts_ttl ttl = parts_ttl(req);
	struct ots_parts_new n;
	enum ots_parts_why why = OTS_PARTS_OK;
	struct ots_tok id, tok;
	struct ots_buf body;
	char hash[65];
	uint64_t size = 0, clen = 0, secs = 0;
	enum ots_err e;

	if (!no_query(req) ||
	    !plain_size(req, &size, &clen) || !expiry_header(req, &secs))
		return;
	if (req->req_has_length && req->req_length > 0) {
		resp_error(req, 400, "unexpected_body", "Starting an upload "
		    "takes no body: its options are headers.");
		return;
	}
	ots_tok_random(&id);
	ots_tok_random(&tok);
	ots_tok_hash_hex(&tok, hash);
	memset(&n, 0, sizeof(n));
	n.pn_tok_hash = hash;
	n.pn_size = size;
	n.pn_clen = clen;
	n.pn_secs = secs;
	n.pn_created = ots_now();
	e = ots_parts_create(req->req_worker->w_rds, &id, &n, &ttl, &why);
	if (e == OTS_OK) {
		e = ots_store_part_create(req->req_app->a_store, &id);
		if (e != OTS_OK && ots_parts_abort(req->req_worker->w_rds, &id,
		    hash, &why) != OTS_OK)
			ots_log_warn(MOD, "cannot forget an upload whose "
			    "file failed (it idles out)");
	}
	if (e == OTS_ERR_INVAL) {
		parts_refused(req, why, 0);
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	ots_buf_init(&body, 512);
	e = ots_buf_addf(&body, "{\"id\":\"%s\",\"upload_token\":\"%s\","
	    "\"size\":%llu,\"container_size\":%llu,\"part_max\":%llu,"
	    "\"offset\":0,\"expires_in\":%llu,\"idle_timeout\":%llu}\n",
	    id.t_str, tok.t_str, (unsigned long long)size,
	    (unsigned long long)clen, (unsigned long long)c->c_part_max,
	    (unsigned long long)secs, (unsigned long long)c->c_upload_idle);
	if (e == OTS_OK)
		resp_send(req, 201, "application/json", NULL, body.b_data,
		    body.b_len);
	else
		resp_from_err(req, e);
	ots_buf_release(&body);
out:
	ots_tok_wipe(&tok);
}

/*
 * Writes the part (the whole body) at offset of the open file fd: cut to
 * the offset first, synced after.
 */
static enum ots_err
write_part(struct req *req, const struct ots_tok *id, int fd,
    uint64_t offset, uint64_t len)
{
	uint64_t at = offset;
	enum ots_err e;

	e = ots_store_part_begin(fd, offset);
	while (e == OTS_OK) {
		size_t got = 0;

		e = req_read(req, req->req_worker->w_buf, OTS_CHUNK_SIZE, &got);
		if (e != OTS_OK)
			break;
		if (got == 0) {
			if (at - offset != len)
				e = OTS_ERR_TRUNC;
			break;
		}
		if (got > len - (at - offset)) {
			e = OTS_ERR_TOOBIG;
			break;
		}
		e = ots_store_part_write(fd, at, req->req_worker->w_buf, got);
		at += got;
	}
	if (e == OTS_OK)
		e = ots_store_part_settle(req->req_app->a_store, fd);
	if (e == OTS_OK)
		e = ots_store_part_keep(req->req_app->a_store, id, fd, offset,
		    len);
	return e;
}

/* PATCH /api/v1/uploads/{id}: one part. */
void
h_uploads_part(struct req *req)
{
	struct ots_tok idv;
	const struct ots_tok *id = &idv;
	const struct ots_cfg *c = &req->req_app->a_cfg;
	struct ots_parts_ttl ttl = parts_ttl(req);
	enum ots_parts_why why = OTS_PARTS_OK;
	uint64_t offset = 0, clen = 0, stored = 0, end;
	char hash[65], extra[64];
	int fd = -1;
	enum ots_err e, e2;

	if (!upload_id(req, &idv))
		return;
	if (!upload_token(req, hash) || !number_header(req,
	    "HTTP_UPLOAD_OFFSET", "bad_offset", "Send the part's offset as "
	    "Upload-Offset.", UINT64_MAX, &offset) || !body_length(req,
	    c->c_part_max, "The part is larger than OTS_UPLOAD_PART_MAX "
	    "(part_max in the upload's start)."))
		return;
	if (req->req_length == 0) {
		resp_error(req, 400, "empty_part", "A part has at least one "
		    "byte.");
		return;
	}
	if (!h_heavy_enter(req, H_CLIENT_NONE))
		return;
	/* The request id is unique and random: the lease's token. */
	e = ots_parts_begin(req->req_worker->w_rds, id, hash, offset,
	    req->req_length, req->req_id, PART_LEASE_MS, ots_now(), &ttl,
	    &clen, &stored, &why);
	if (e == OTS_ERR_INVAL) {
		parts_refused(req, why, stored);
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	end = offset + req->req_length;
	e = ots_store_part_open(req->req_app->a_store, id, offset, &fd);
	if (e == OTS_OK)
		e = write_part(req, id, fd, offset, req->req_length);
	/* A failed part leaves the offset where it was, and frees the
	 * upload for the next try at once. */
	e2 = ots_parts_end(req->req_worker->w_rds, id, hash,
	    e == OTS_OK ? end : offset, req->req_id, ots_now(), &ttl, &why);
	if (e != OTS_OK) {
		if (e2 != OTS_OK)
			ots_log_warn(MOD, "cannot free an upload after a "
			    "failed part (its lease lapses)");
		if (e == OTS_ERR_NOTFOUND)
			parts_refused(req, OTS_PARTS_UNKNOWN, 0);
		else
			body_failed(req, e);
		goto out;
	}
	if (e2 == OTS_ERR_INVAL) {
		parts_refused(req, why, 0);
		goto out;
	}
	if (e2 != OTS_OK) {
		resp_from_err(req, e2);
		goto out;
	}
	ots_metrics_add(req->req_app->a_metrics, OTS_M_PARTS, 1);
	if (ots_str_fmt(extra, sizeof(extra), "Upload-Offset: %llu\r\n",
	    (unsigned long long)end) != OTS_OK)
		extra[0] = '\0';
	resp_send(req, 204, NULL, extra, NULL, 0);
out:
	if (fd >= 0)
		close(fd);
	h_heavy_leave(req);
}

/* HEAD or GET /api/v1/uploads/{id}: where to resume. */
void
h_uploads_offset(struct req *req)
{
	struct ots_tok idv;
	const struct ots_tok *id = &idv;
	enum ots_parts_why why = OTS_PARTS_OK;
	uint64_t offset = 0, clen = 0;
	char extra[96], body[128];
	enum ots_err e;

	if (!upload_id(req, &idv))
		return;
	if (!upload_token(req, extra))
		return;
	e = ots_parts_head(req->req_worker->w_rds, id, extra, &offset, &clen,
	    &why);
	if (e == OTS_ERR_INVAL) {
		parts_refused(req, why, 0);
		return;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return;
	}
	if (ots_str_fmt(extra, sizeof(extra), "Upload-Offset: %llu\r\n"
	    "Upload-Length: %llu\r\n", (unsigned long long)offset,
	    (unsigned long long)clen) != OTS_OK ||
	    ots_str_fmt(body, sizeof(body), "{\"offset\":%llu,"
	    "\"container_size\":%llu}\n", (unsigned long long)offset,
	    (unsigned long long)clen) != OTS_OK) {
		resp_from_err(req, OTS_ERR_INVAL);
		return;
	}
	resp_send(req, 200, "application/json", extra, body, strlen(body));
}

/* DELETE /api/v1/uploads/{id}: the upload and its file go. */
void
h_uploads_abort(struct req *req)
{
	struct ots_tok idv;
	const struct ots_tok *id = &idv;
	enum ots_parts_why why = OTS_PARTS_OK;
	char hash[65];
	enum ots_err e;

	if (!upload_id(req, &idv))
		return;
	if (!upload_token(req, hash))
		return;
	e = ots_parts_abort(req->req_worker->w_rds, id, hash, &why);
	if (e == OTS_ERR_INVAL) {
		parts_refused(req, why, 0);
		return;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return;
	}
	if (ots_store_part_remove(req->req_app->a_store, id) != OTS_OK)
		ots_log_err(MOD, "cannot remove an abandoned upload's "
		    "file (the sweeper will)");
	resp_send(req, 204, NULL, NULL, NULL, 0);
}

/*
 * Checks that the upload's file is a whole container for id: clen bytes,
 * starting with the header of one.  False (and an answer sent).
 */
static bool
file_whole(struct req *req, const struct ots_tok *id, uint64_t clen)
{
	uint8_t h[OTS_BOX_FIXED_BYTES];
	uint64_t size = 0;
	int fd = -1;
	enum ots_err e;

	e = ots_store_part_open(req->req_app->a_store, id, clen, &fd);
	if (e == OTS_OK)
		e = ots_store_part_head(fd, h, sizeof(h), &size);
	if (fd >= 0)
		close(fd);
	if (e == OTS_OK && size != clen)
		e = OTS_ERR_IO;
	if (e == OTS_OK || e == OTS_ERR_TRUNC)
		e = e == OTS_OK ? ots_box_check_header(h, sizeof(h), id->t_raw)
		    : OTS_ERR_CRYPTO;
	if (e == OTS_ERR_CRYPTO) {
		resp_error(req, 400, "bad_container", "The upload is not an "
		    "OTSC container for this id (docs/E2E.md).");
		return false;
	}
	if (e != OTS_OK) {
		/* The record says complete and the file disagrees. */
		ots_log_err(MOD, "a complete upload's file is %s",
		    e == OTS_ERR_NOTFOUND ? "missing" :
		    "not its size");
		resp_from_err(req, OTS_ERR_IO);
		return false;
	}
	return true;
}

/* POST /api/v1/uploads/{id}/commit: the share is registered. */
void
h_uploads_commit(struct req *req)
{
	struct ots_tok idv;
	const struct ots_tok *id = &idv;
	const struct ots_cfg *c = &req->req_app->a_cfg;
	enum ots_parts_why why = OTS_PARTS_OK;
	struct ots_parts_commit pc;
	struct ots_upload_result res;
	struct seal_in in;
	struct ots_tok owner;
	char hash[65], owner_hash[65];
	uint64_t offset = 0, clen = 0;
	enum ots_err e;

	if (!upload_id(req, &idv))
		return;
	memset(&res, 0, sizeof(res));
	ots_tok_random(&owner);
	if (!no_query(req) || !upload_token(req, hash) || !read_seal(req, &in))
		goto out;
	e = ots_parts_head(req->req_worker->w_rds, id, hash, &offset, &clen,
	    &why);
	if (e == OTS_OK && offset != clen) {
		e = OTS_ERR_INVAL;
		why = OTS_PARTS_INCOMPLETE;
	}
	if (e == OTS_ERR_INVAL) {
		parts_refused(req, why, offset);
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	if (!file_whole(req, id, clen))
		goto out;
	e = ots_store_part_commit(req->req_app->a_store, id);
	if (e == OTS_ERR_INVAL) {
		parts_refused(req, OTS_PARTS_TAKEN, 0);
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	ots_tok_hash_hex(&owner, owner_hash);
	memset(&pc, 0, sizeof(pc));
	pc.pc_created = ots_now();
	pc.pc_receipt_ttl = c->c_tombstone_ttl;
	pc.pc_owner_hash = owner_hash;
	pc.pc_seal = &in.si_seal;
	e = ots_parts_commit(req->req_worker->w_rds, id, hash, &pc,
	    &res.ur_size, &res.ur_expires, &why);
	if (e != OTS_OK) {
		/* Back where it was: the commit may be tried again. */
		if (ots_store_part_uncommit(req->req_app->a_store, id) !=
		    OTS_OK)
			ots_log_err(MOD, "cannot move a refused commit's "
			    "file back (the sweeper removes it)");
		if (e == OTS_ERR_INVAL)
			parts_refused(req, why, 0);
		else
			resp_from_err(req, e);
		goto out;
	}
	res.ur_id = *id;
	res.ur_owner = owner;
	h_e2e_answer(req, &res);
	ots_metrics_add(req->req_app->a_metrics, OTS_M_UPLOADS_E2E, 1);
out:
	ots_tok_wipe(&owner);
	ots_tok_wipe(&res.ur_owner);
	wipe_seal(&in);
}
