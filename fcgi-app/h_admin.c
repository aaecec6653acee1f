/*
 * The operator's API, behind the admin bearer token (configured as its
 * hash, OTS_ADMIN_TOKEN_HASH; off when unset):
 *	GET /api/v1/admin/shares[?cursor=N]	live shares, never a name
 *	DELETE /api/v1/admin/shares/{prefix}	revoke one by id prefix
 */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "app.h"
#include "ots_admin.h"
#include "ots_form.h"
#include "ots_log.h"
#include "ots_rl.h"
#include "ots_share.h"
#include "ots_banned.h"

#define MOD "admin"
#define PAGE_WANT 200
/* Room for PAGE_WANT shares and a SCAN batch several times over. */
#define PAGE_JSON_MAX (1024u * 1024u)

/*
 * Past OTS_RATE_ADMIN_FAIL wrong tokens in its window, a client gets 429
 * before its token is even looked at: guessing the token costs a window
 * per few tries, and each wrong one is counted (never logged one by one:
 * a line per ADMIN_LOG_MS per process says how many).
 */
#define ADMIN_LOG_MS 10000u

/* False (and 429 or 503 sent) when this client guessed wrong too often. */
static bool
admin_not_blocked(struct req *req, const char *bucket)
{
	const struct ots_rl_limit *lim =
	    &req->req_app->a_cfg.c_rate[OTS_RL_ADMIN_FAIL];
	bool allowed = true;
	uint64_t retry_ms = 0, secs;
	char msg[128], extra[48];
	enum ots_err e;

	if (lim->rl_count == 0)
		return true;
	e = ots_rl_peek(req->req_worker->w_limits, OTS_RL_ADMIN_FAIL, bucket,
	    lim, &allowed, &retry_ms);
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return false;
	}
	if (allowed)
		return true;
	ots_metrics_add(req->req_app->a_metrics, OTS_M_LIMITED_ADMIN, 1);
	secs = (retry_ms + 999) / 1000;
	if (ots_str_fmt(msg, sizeof(msg), "Too many wrong admin tokens from "
	    "your address; try again in %llu seconds.",
	    (unsigned long long)secs) != OTS_OK ||
	    ots_str_fmt(extra, sizeof(extra), "Retry-After: %llu\r\n",
	    (unsigned long long)secs) != OTS_OK)
		msg[0] = extra[0] = '\0';
	resp_error_x(req, 429, "rate_limited", msg, extra);
	return false;
}

/* Counts a wrong token against its client, and logs now and then. */
static void
admin_failed(struct req *req, const char *bucket)
{
	static struct ots_log_throttle throttle;
	const struct ots_rl_limit *lim =
	    &req->req_app->a_cfg.c_rate[OTS_RL_ADMIN_FAIL];
	bool allowed = true;
	uint64_t retry_ms = 0, dropped = 0;

	if (lim->rl_count > 0 && ots_rl_check(req->req_worker->w_limits,
	    OTS_RL_ADMIN_FAIL, bucket, lim, req->req_id, &allowed,
	    &retry_ms) != OTS_OK)
		ots_log_warn(MOD, "cannot count a wrong admin token");
	if (ots_log_throttle_pass(&throttle, ADMIN_LOG_MS, &dropped))
		ots_log_warn(MOD, "wrong admin token (%llu more in this "
		    "process since the last report)", (unsigned long long)dropped);
}

/* Checks the bearer token; false when an answer (404/401/403/429) was
 * sent. */
static bool
admin_ok(struct req *req)
{
	const char *want = req->req_app->a_cfg.c_admin_hash;
	const char *auth = req_param(req, "HTTP_AUTHORIZATION");
	char bucket[OTS_NET_ADDR_STRSZ];
	uint8_t h[32];
	char hex[65];

	if (want[0] == '\0') {
		resp_error(req, 404, "not_found", "The admin API is off "
		    "(OTS_ADMIN_TOKEN_HASH is not set).");
		return false;
	}
	ots_net_bucket(req->req_client, bucket);
	if (!admin_not_blocked(req, bucket))
		return false;
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 ||
	    auth[7] == '\0') {
		resp_error_x(req, 401, "admin_token_required", "Send the admin "
		    "token: Authorization: Bearer TOKEN.",
		    "WWW-Authenticate: Bearer realm=\"onetimeshare-admin\"\r\n");
		return false;
	}
	crypto_generichash(h, sizeof(h), (const uint8_t *)auth + 7,
	    strlen(auth + 7), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if (sodium_memcmp(hex, want, 64) != 0) {
		admin_failed(req, bucket);
		resp_error(req, 403, "wrong_admin_token", "This is not the "
		    "admin token.");
		return false;
	}
	return true;
}

/* One page's JSON while it is built. */
struct page {
	struct ots_buf p_json;
	size_t p_count;
	uint64_t p_now;
};

static enum ots_err
add_share(void *ctx, const struct ots_admin_share *s)
{
	struct page *pg = ctx;
	char exp[32];

	h_rfc3339(s->as_expires, exp);
	return ots_buf_addf(&pg->p_json, "%s{\"id_prefix\":\"%s\",\"size\":%llu,"
	    "\"age_seconds\":%llu,\"expires_at\":\"%s\",\"protected\":%s,"
	    "\"mode\":\"%s\"}",
	    pg->p_count++ > 0 ? "," : "", s->as_prefix,
	    (unsigned long long)s->as_size,
	    (unsigned long long)(pg->p_now > s->as_created ?
	    pg->p_now - s->as_created : 0), exp,
	    s->as_protected ? "true" : "false", s->as_e2e ? "e2e" : "server");
}

static void
list_shares(struct req *req)
{
	struct page pg;
	char cur[24];
	uint64_t cursor = 0, next = 0;
	size_t clen = 0;
	bool found = false;
	enum ots_err e;

	if (ots_form_get(req->req_query.p, req->req_query.len, "cursor", cur,
	    sizeof(cur) - 1, &clen, &found) != OTS_OK || (found &&
	    ots_parse_u64(cur, clen, 0, UINT64_MAX, &cursor) != OTS_OK)) {
		resp_error(req, 400, "bad_cursor", "cursor must be a number "
		    "from a previous answer.");
		return;
	}
	/* A page is PAGE_WANT shares and at most one SCAN batch more. */
	ots_buf_init(&pg.p_json, PAGE_JSON_MAX);
	pg.p_count = 0;
	pg.p_now = ots_now();
	e = ots_buf_adds(&pg.p_json, "{\"shares\":[");
	if (e == OTS_OK)
		e = ots_admin_list(req->req_worker->w_rds, cursor, PAGE_WANT,
		    add_share, &pg, &next);
	if (e == OTS_OK)
		e = ots_buf_addf(&pg.p_json, "],\"next_cursor\":%llu}\n",
		    (unsigned long long)next);
	if (e == OTS_OK)
		resp_send(req, 200, "application/json", NULL, pg.p_json.b_data,
		    pg.p_json.b_len);
	else
		resp_from_err(req, e);
	ots_buf_release(&pg.p_json);
}

static void
revoke_share(struct req *req, struct ots_str prefix)
{
	enum ots_share_state st = OTS_SHARE_UNKNOWN;
	struct ots_tok id;
	char body[96];
	enum ots_err e;

	e = ots_admin_find(req->req_worker->w_rds, prefix.p, prefix.len, &id);
	if (e == OTS_ERR_INVAL) {
		resp_error(req, 400, "bad_prefix", "Give 8 or more characters "
		    "of one live share's id.");
		return;
	}
	if (e == OTS_ERR_NOTFOUND) {
		resp_error(req, 404, "not_found", "No live share has that id "
		    "prefix.");
		return;
	}
	if (e == OTS_OK)
		e = ots_share_revoke(req->req_worker->w_rds, &id, NULL, ots_now(),
		    req->req_app->a_cfg.c_tombstone_ttl, &st);
	if (e == OTS_ERR_GONE) {
		h_gone(req, st);
		return;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return;
	}
	ots_metrics_add(req->req_app->a_metrics, OTS_M_DESTROYED_ADMIN, 1);
	if (ots_store_remove(req->req_app->a_store, &id) != OTS_OK)
		ots_log_err(MOD, "cannot remove a revoked share's file "
		    "(the sweeper will)");
	ots_log_info(MOD, "an operator revoked a share");
	if (ots_str_fmt(body, sizeof(body), "{\"id_prefix\":\"%.8s\","
	    "\"state\":\"revoked\"}\n", id.t_str) != OTS_OK)
		body[0] = '\0';
	resp_send(req, 200, "application/json", NULL, body, strlen(body));
}

void
h_admin_list(struct req *req)
{
	if (admin_ok(req))
		list_shares(req);
}

void
h_admin_revoke(struct req *req)
{
	if (admin_ok(req))
		revoke_share(req, req->req_arg);
}
