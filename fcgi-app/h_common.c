/*
 * What the handlers share: id parsing, expiry bounds, the answer to a
 * fresh upload and the answer for a share that is gone.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "ots_json.h"
#include "ots_log.h"
#include "ots_rl.h"
#include "ots_share.h"
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
h_expiry_ok(const struct req *req, struct ots_str raw, uint64_t *out)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	uint64_t secs = c->c_expiry_default;

	if (raw.len > 0 &&
	    (ots_parse_duration(raw.p, raw.len, &secs) != OTS_OK ||
	    secs < c->c_expiry_min || secs > c->c_expiry_max))
		return false;
	*out = secs;
	return true;
}

bool
h_expiry(struct req *req, struct ots_str raw, uint64_t *out)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	char msg[160];

	if (!h_expiry_ok(req, raw, out)) {
		if (ots_str_fmt(msg, sizeof(msg), "expires_in must be a "
		    "duration from %llu to %llu seconds (like 3600, 1h or "
		    "7d).", (unsigned long long)c->c_expiry_min,
		    (unsigned long long)c->c_expiry_max) != OTS_OK)
			msg[0] = '\0';
		resp_error(req, 400, "bad_expiry", msg);
		return false;
	}
	return true;
}

void
h_rfc3339(uint64_t t, char *out)
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

	h_rfc3339(res->ur_expires, when);
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
	/* The link carries the secret: releasing wipes it. */
	ots_buf_release(&link);
	ots_buf_release(&body);
}

void
h_e2e_answer(struct req *req, const struct ots_upload_result *res)
{
	struct ots_buf body;
	char when[32];
	enum ots_err e;

	h_rfc3339(res->ur_expires, when);
	ots_buf_init(&body, 512);
	e = ots_buf_addf(&body, "{\"id\":\"%s\",\"mode\":\"e2e\","
	    "\"size\":%llu,\"expires_at\":\"%s\",\"expires_at_unix\":%llu,"
	    "\"owner_token\":\"%s\"}\n", res->ur_id.t_str,
	    (unsigned long long)res->ur_size, when,
	    (unsigned long long)res->ur_expires, res->ur_owner.t_str);
	if (e == OTS_OK)
		resp_send(req, 201, "application/json", NULL, body.b_data,
		    body.b_len);
	else
		resp_from_err(req, e);
	/* The owner token: releasing wipes it. */
	ots_buf_release(&body);
}

bool
h_bearer(const struct req *req, const char *alt, char hash[65])
{
	const char *auth = req_param(req, "HTTP_AUTHORIZATION");
	const char *tok = alt != NULL ? req_param(req, alt) : NULL;
	struct ots_tok t;
	bool ok;

	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0)
		tok = auth + 7;
	ok = tok != NULL && ots_tok_parse(tok, strlen(tok), &t) == OTS_OK;
	if (ok)
		ots_tok_hash_hex(&t, hash);
	ots_tok_wipe(&t);
	return ok;
}

enum ots_err
h_b64_param(const struct req *req, const char *name, uint8_t *out,
    size_t min, size_t max, size_t *len)
{
	const char *v = req_param(req, name);
	size_t vlen;

	*len = 0;
	if (v == NULL)
		return OTS_ERR_NOTFOUND;
	vlen = strlen(v);
	/* Unpadded base64url: 4 characters per 3 bytes, never a lone one. */
	if (vlen > (max / 3) * 4 + (max % 3 == 0 ? 0 : max % 3 + 1) ||
	    vlen % 4 == 1)
		return OTS_ERR_INVAL;
	if (sodium_base642bin(out, max, v, vlen, NULL, len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || *len < min) {
		*len = 0;
		return OTS_ERR_INVAL;
	}
	return OTS_OK;
}

bool
h_e2e_on(struct req *req)
{
	if (req->req_app->a_cfg.c_e2e)
		return true;
	resp_error(req, 404, "e2e_off", "End-to-end shares are turned off on "
	    "this server (OTS_E2E=0).");
	return false;
}

bool
h_rate_limit(struct req *req, enum ots_rl_class c)
{
	const struct ots_rl_limit *lim = &req->req_app->a_cfg.c_rate[c];
	bool allowed = true;
	uint64_t retry_ms = 0, secs;
	char extra[48], msg[128], bucket[OTS_NET_ADDR_STRSZ];
	enum ots_err e;

	if (lim->rl_count == 0)
		return true;
	ots_net_bucket(req->req_client, bucket);
	e = ots_rl_check(req->req_worker->w_limits, c, bucket, lim,
	    req->req_id, &allowed, &retry_ms);
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return false;
	}
	if (allowed)
		return true;
	ots_metrics_add(req->req_app->a_metrics, c == OTS_RL_UPLOAD ?
	    OTS_M_LIMITED_UPLOAD : c == OTS_RL_CLAIM ? OTS_M_LIMITED_CLAIM :
	    c == OTS_RL_META ? OTS_M_LIMITED_META : OTS_M_LIMITED_ADMIN, 1);
	secs = (retry_ms + 999) / 1000;
	if (ots_str_fmt(extra, sizeof(extra), "Retry-After: %llu\r\n",
	    (unsigned long long)secs) != OTS_OK ||
	    ots_str_fmt(msg, sizeof(msg), "Too many requests; try again in "
	    "%llu seconds.", (unsigned long long)secs) != OTS_OK)
		extra[0] = msg[0] = '\0';
	resp_error_x(req, 429, "rate_limited", msg, extra);
	return false;
}

enum ots_err
h_password_key(struct req *req, const char *pw, size_t len,
    const uint8_t *salt, const struct ots_kdf_params *p, uint8_t *out)
{
	const struct app *app = req->req_app;
	enum ots_err e;

	if (ots_gate_enter(app->a_gate, app->a_cfg.c_argon2_wait_ms) !=
	    OTS_OK) {
		ots_log_warn("kdf", "no password slot freed in time");
		return OTS_ERR_BUSY;
	}
	ots_metrics_add(app->a_metrics, OTS_M_ARGON2_RUNS, 1);
	e = ots_kdf_password(pw, len, salt, p, out);
	ots_gate_leave(app->a_gate);
	if (e != OTS_OK)
		ots_log_err("kdf", "argon2id failed: %s", ots_err_str(e));
	/* Out of memory for Argon2 is a passing overload, like a full gate. */
	return e == OTS_ERR_NOMEM ? OTS_ERR_BUSY : e;
}

void
h_busy(struct req *req)
{
	resp_error_x(req, 503, "busy", "The server is busy; try again in a few "
	    "seconds.", "Retry-After: 2\r\n");
}

/* The lease of a client's heavy slot: two windows, so that a transfer
 * renews it (each window) long before it lapses. */
static uint64_t
busy_lease_ms(const struct ots_cfg *c)
{
	return 2 * c->c_rate_window_ms + 30000;
}

/*
 * Takes one of the client's slots; false when the client has none left
 * (*refused) or the limits Redis failed (the error in *e).
 */
static bool
take_busy(struct req *req, bool *refused, enum ots_err *e)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	char bucket[OTS_NET_ADDR_STRSZ];
	bool ok = false;

	*refused = false;
	ots_net_bucket(req->req_client, bucket);
	*e = ots_rl_busy_take(req->req_worker->w_limits, bucket,
	    c->c_client_transfers, req->req_id, busy_lease_ms(c), &ok);
	if (*e != OTS_OK)
		return false;
	if (!ok) {
		*refused = true;
		req->req_busy_refused = true;
		ots_metrics_add(req->req_app->a_metrics, OTS_M_CLIENT_BUSY, 1);
		return false;
	}
	req->req_busy = true;
	return true;
}

/*
 * The tick of a transfer: takes the client's slot once the grace is over
 * (an upload still running), then renews its lease every window.
 */
static enum ots_err
busy_tick(struct req *req)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	char bucket[OTS_NET_ADDR_STRSZ];
	bool refused = false;
	enum ots_err e = OTS_OK;

	req->req_tick_at = ots_mono_ms() + c->c_rate_window_ms;
	if (!req->req_busy) {
		if (!take_busy(req, &refused, &e))
			return refused ? OTS_ERR_BUSY : e;
		return OTS_OK;
	}
	ots_net_bucket(req->req_client, bucket);
	if (ots_rl_busy_renew(req->req_worker->w_limits, bucket, req->req_id,
	    busy_lease_ms(c)) != OTS_OK)
		ots_log_warn("http", "cannot renew the client's transfer "
		    "lease");
	return OTS_OK;
}

void
h_too_many_transfers(struct req *req)
{
	char msg[160];

	if (ots_str_fmt(msg, sizeof(msg), "You already have %u transfers or "
	    "password checks in progress; wait for one to finish.",
	    req->req_app->a_cfg.c_client_transfers) != OTS_OK)
		msg[0] = '\0';
	resp_error_x(req, 429, "too_many_transfers", msg,
	    "Retry-After: 5\r\n");
}

bool
h_heavy_enter(struct req *req, enum h_client when)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	bool refused = false;
	enum ots_err e = OTS_OK;

	if (req->req_heavy)
		return true;
	if (c->c_client_transfers > 0 && when != H_CLIENT_NONE) {
		char bucket[OTS_NET_ADDR_STRSZ];
		unsigned here;

		ots_net_bucket(req->req_client, bucket);
		here = ots_tally_add(req->req_app->a_tally, bucket);
		req->req_tallied = here != UINT32_MAX;
		/* Another of the client's transfers runs here already: this
		 * one counts from the start, or a client opening many slow
		 * uploads would hold a slot per upload for each grace. */
		if (here > 1)
			when = H_CLIENT_NOW;
	}
	if (c->c_client_transfers > 0 && when == H_CLIENT_NOW &&
	    !take_busy(req, &refused, &e)) {
		h_heavy_leave(req);
		if (refused)
			h_too_many_transfers(req);
		else
			resp_from_err(req, e);
		return false;
	}
	if (ots_gate_enter(req->req_app->a_heavy, H_HEAVY_WAIT_MS) != OTS_OK) {
		ots_log_warn("http", "no transfer slot freed in time");
		h_heavy_leave(req);
		h_busy(req);
		return false;
	}
	req->req_heavy = true;
	if (c->c_client_transfers > 0 && when != H_CLIENT_NONE) {
		req->req_on_tick = busy_tick;
		req->req_tick_at = ots_mono_ms() + (req->req_busy ?
		    c->c_rate_window_ms : H_CLIENT_GRACE_MS);
	}
	return true;
}

void
h_heavy_leave(struct req *req)
{
	char bucket[OTS_NET_ADDR_STRSZ];

	if (req->req_heavy) {
		ots_gate_leave(req->req_app->a_heavy);
		req->req_heavy = false;
	}
	req->req_on_tick = NULL;
	if (req->req_tallied) {
		ots_net_bucket(req->req_client, bucket);
		ots_tally_sub(req->req_app->a_tally, bucket);
		req->req_tallied = false;
	}
	if (req->req_busy) {
		ots_net_bucket(req->req_client, bucket);
		if (ots_rl_busy_give(req->req_worker->w_limits, bucket,
		    req->req_id) != OTS_OK)
			ots_log_warn("http", "cannot give the client's "
			    "transfer slot back (its lease ends it)");
		req->req_busy = false;
	}
}

/* Answers for a share that is gone, saying why. */
void
h_gone(struct req *req, enum ots_share_state st)
{
	const char *msg;

	switch (st) {
	case OTS_SHARE_CLAIMED:
		msg = "This share was already opened. It can be opened only "
		    "once.";
		break;
	case OTS_SHARE_EXPIRED:
		msg = "This share expired before anyone opened it.";
		break;
	case OTS_SHARE_REVOKED:
		msg = "The sender revoked this share.";
		break;
	case OTS_SHARE_LOCKED:
		msg = "This share was destroyed after too many wrong "
		    "passwords.";
		break;
	case OTS_SHARE_UNKNOWN:
	case OTS_SHARE_AVAILABLE:
	default:
		msg = "This share is gone.";
		break;
	}
	resp_error(req, 410, ots_share_state_str(st), msg);
}
