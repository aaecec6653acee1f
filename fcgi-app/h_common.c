/*
 * What the handlers share: id parsing, expiry bounds and the answer to a
 * fresh upload.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "ots_json.h"
#include "ots_log.h"
#include "ots_banned.h"

bool
h_parse_id(struct req *req, struct ots_str s, struct ots_tok *id)
{
	/* A malformed id names no share: the answer is the same 404 an
	 * unknown one gets, so probing learns nothing. */
	if (ots_tok_parse(s.p, s.len, id) != OTS_OK) {
		resp_error(req, 404, "not_found", "No such share.");
		return false;
	}
	return true;
}

bool
h_expiry(struct req *req, struct ots_str raw, uint64_t now,
    uint64_t *expires)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	uint64_t secs = c->c_expiry_default;
	char msg[160];

	if (raw.len > 0 &&
	    (ots_cfg_parse_duration(raw.p, raw.len, &secs) != OTS_OK ||
	    secs < c->c_expiry_min || secs > c->c_expiry_max)) {
		if (ots_str_fmt(msg, sizeof(msg), "expires_in must be a "
		    "duration from %llu to %llu seconds (like 3600, 1h or "
		    "7d).", (unsigned long long)c->c_expiry_min,
		    (unsigned long long)c->c_expiry_max) != OTS_OK)
			msg[0] = '\0';
		resp_error(req, 400, "bad_expiry", msg);
		return false;
	}
	*expires = now + secs;
	return true;
}

/* Formats t (seconds since the epoch) as RFC 3339 UTC. */
static void
rfc3339(uint64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

static enum ots_err
answer_json(struct req *req, const struct ots_upload_result *res,
    const char *link, struct ots_buf *b)
{
	char when[32];
	enum ots_err e;

	rfc3339(res->ur_expires, when);
	e = ots_buf_adds(b, "{\"link\":");
	if (e == OTS_OK)
		e = ots_json_cstr(b, link);
	if (e == OTS_OK)
		e = ots_buf_addf(b, ",\"id\":\"%s\",\"size\":%llu,"
		    "\"expires_at\":\"%s\",\"expires_at_unix\":%llu,"
		    "\"owner_token\":\"%s\"}\n", res->ur_id.t_str,
		    (unsigned long long)res->ur_size, when,
		    (unsigned long long)res->ur_expires,
		    res->ur_owner.t_str);
	(void)req;
	return e;
}

void
h_upload_answer(struct req *req, const struct ots_upload_result *res)
{
	struct ots_buf link, body;
	enum ots_err e;

	ots_buf_init(&link, 1024);
	ots_buf_init(&body, 2048);
	e = ots_buf_addf(&link, "%s/d/%s#%s", req->req_app->a_cfg.c_base_url,
	    res->ur_id.t_str, res->ur_secret.t_str);
	if (e == OTS_OK && req->req_json) {
		e = answer_json(req, res, link.b_data, &body);
		if (e == OTS_OK)
			resp_send(req, 201, "application/json", NULL,
			    body.b_data, body.b_len);
	} else if (e == OTS_OK) {
		e = ots_buf_add(&link, "\n", 1);
		if (e == OTS_OK)
			resp_send(req, 201, "text/plain; charset=utf-8", NULL,
			    link.b_data, link.b_len);
	}
	if (e != OTS_OK)
		resp_from_err(req, e);
	/* The link carries the secret: wipe it from memory. */
	if (link.b_data != NULL)
		sodium_memzero(link.b_data, link.b_cap);
	if (body.b_data != NULL)
		sodium_memzero(body.b_data, body.b_cap);
	ots_buf_release(&link);
	ots_buf_release(&body);
}
