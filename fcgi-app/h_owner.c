/*
 * The sender's controls, with the owner token from the upload answer
 * (Authorization: Bearer TOKEN, or X-Owner-Token: TOKEN):
 *	DELETE /api/v1/files/{id}	revoke an unclaimed share
 *	GET /api/v1/files/{id}/status	its receipt
 * Only a hash of the token is stored (in the receipt).
 */
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "ots_json.h"
#include "ots_log.h"
#include "ots_share.h"
#include "ots_banned.h"

#define MOD "owner"

/* Reads the owner token and hashes it; false (and 403 sent) if absent. */
static bool
owner_hash(struct req *req, char hash[65])
{
	bool ok = h_bearer(req, "HTTP_X_OWNER_TOKEN", hash);

	if (!ok)
		resp_error(req, 403, "wrong_owner_token", "Send the owner token "
		    "from the upload answer (Authorization: Bearer TOKEN).");
	return ok;
}

void
h_revoke(struct req *req)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	enum ots_share_state st = OTS_SHARE_UNKNOWN;
	struct ots_tok id;
	char hash[65], body[96];
	enum ots_err e;

	if (!h_parse_id(req, req->req_arg, &id) ||
	    !owner_hash(req, hash))
		return;
	e = ots_share_revoke(req->req_worker->w_rds, &id, hash, ots_now(),
	    c->c_tombstone_ttl, &st);
	switch (e) {
	case OTS_OK:
		ots_metrics_add(req->req_app->a_metrics,
		    OTS_M_DESTROYED_REVOKED, 1);
		if (ots_store_remove(req->req_app->a_store, &id) != OTS_OK)
			ots_log_err(MOD, "cannot remove a revoked "
			    "share's file (the sweeper will)");
		if (ots_str_fmt(body, sizeof(body), "{\"id\":\"%s\","
		    "\"state\":\"revoked\"}\n", id.t_str) != OTS_OK)
			body[0] = '\0';
		resp_send(req, 200, "application/json", NULL, body,
		    strlen(body));
		break;
	case OTS_ERR_AUTH:
		resp_error(req, 403, "wrong_owner_token", "This owner token "
		    "does not belong to this share.");
		break;
	case OTS_ERR_GONE:
		h_gone(req, st);
		break;
	case OTS_ERR_NOTFOUND:
		resp_error(req, 404, "not_found", "No such share.");
		break;
	default:
		resp_from_err(req, e);
		break;
	}
}

/* Appends ,"name":"RFC 3339" or ,"name":null. */
static enum ots_err
add_time(struct ots_buf *b, const char *name, uint64_t t)
{
	char when[32];

	if (t == 0)
		return ots_buf_addf(b, ",\"%s\":null", name);
	h_rfc3339(t, when);
	return ots_buf_addf(b, ",\"%s\":\"%s\"", name, when);
}

void
h_status(struct req *req)
{
	struct ots_receipt rc;
	struct ots_tok id;
	struct ots_buf b;
	char hash[65];
	enum ots_err e;

	if (!h_parse_id(req, req->req_arg, &id) ||
	    !owner_hash(req, hash))
		return;
	e = ots_share_status(req->req_worker->w_rds, &id, &rc);
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return;
	}
	if (rc.r_state == OTS_SHARE_UNKNOWN) {
		resp_error(req, 404, "not_found", "No such share (or its "
		    "receipt has expired).");
		return;
	}
	if (strlen(rc.r_owner) != 64 || sodium_memcmp(rc.r_owner, hash, 64) !=
	    0) {
		resp_error(req, 403, "wrong_owner_token", "This owner token "
		    "does not belong to this share.");
		return;
	}
	ots_buf_init(&b, 1024);
	e = ots_buf_addf(&b, "{\"id\":\"%s\",\"state\":\"%s\",\"size\":%llu",
	    id.t_str, ots_share_state_str(rc.r_state),
	    (unsigned long long)rc.r_size);
	if (e == OTS_OK)
		e = add_time(&b, "created_at", rc.r_created);
	if (e == OTS_OK)
		e = add_time(&b, "expires_at", rc.r_expires);
	if (e == OTS_OK)
		e = add_time(&b, "claimed_at", rc.r_claimed_at);
	if (e == OTS_OK)
		e = add_time(&b, "ended_at", rc.r_ended_at);
	if (e == OTS_OK)
		e = ots_buf_addf(&b, ",\"mode\":\"%s\"", rc.r_e2e ? "e2e" :
		    "server");
	/* An end-to-end claim's download lease (docs/E2E.md). */
	if (e == OTS_OK && rc.r_e2e)
		e = add_time(&b, "lease_until", rc.r_lease_until);
	if (e == OTS_OK && rc.r_e2e)
		e = add_time(&b, "lease_ended_at", rc.r_lease_ended_at);
	if (e == OTS_OK)
		e = ots_buf_adds(&b, "}\n");
	if (e == OTS_OK)
		resp_send(req, 200, "application/json", NULL, b.b_data,
		    b.b_len);
	else
		resp_from_err(req, e);
	ots_buf_release(&b);
}
