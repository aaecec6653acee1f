/*
 * The download lease of a claimed end-to-end share (docs/E2E.md): the
 * winning claim gets a lease token, and with it the same receiver may
 * fetch the container again, with Range, until it confirms or the lease
 * ends (OTS_CLAIM_LEASE); then the file goes at once.
 *
 *	GET    /api/v1/leases/{id}	the container again (Range)
 *	DELETE /api/v1/leases/{id}	the receiver has it: the lease ends
 *
 * The web server sends the bytes: this worker answers with headers only
 * (X-Accel-Redirect to nginx's internal /ots-lease/, or lighttpd's
 * X-Sendfile), so a slow receiver holds no thread here.  Only the
 * lease token's hash is stored (in the receipt).
 */
#include <string.h>

#include "app.h"
#include "ots_log.h"
#include "ots_share.h"
#include "ots_banned.h"

#define MOD "lease"

void
h_lease_send(struct req *req, const struct ots_tok *id,
    const struct ots_tok *lease_tok, uint64_t until)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	struct ots_buf h;
	enum ots_err e;

	ots_buf_init(&h, 1024);
	if (c->c_sendfile_lighttpd)
		e = ots_buf_addf(&h, "X-Sendfile: %s/ots-lease/%s\r\n",
		    c->c_data_dir, id->t_str);
	else
		e = ots_buf_addf(&h, "X-Accel-Redirect: /ots-lease/%s\r\n",
		    id->t_str);
	if (e == OTS_OK)
		e = ots_buf_addf(&h, "X-Share-Mode: e2e\r\n"
		    "X-Lease-Expires-At-Unix: %llu\r\n"
		    "Content-Security-Policy: default-src 'none'; sandbox\r\n",
		    (unsigned long long)until);
	if (e == OTS_OK && lease_tok != NULL)
		e = ots_buf_addf(&h, "X-Lease-Token: %s\r\n", lease_tok->t_str);
	if (e == OTS_OK)
		e = resp_begin(req, 200, "application/octet-stream", h.b_data);
	if (e != OTS_OK)
		ots_log_info(MOD, "the lease's answer did not go out; "
		    "the receiver may fetch it with its token");
	/* It held the lease token. */
	ots_buf_release(&h);
}

static void
lease_refused(struct req *req, enum ots_err e)
{
	switch (e) {
	case OTS_ERR_AUTH:
		resp_error(req, 403, "wrong_lease_token", "This lease token does "
		    "not belong to this share's claim.");
		break;
	case OTS_ERR_GONE:
		resp_error(req, 410, "lease_ended", "The download lease ended "
		    "(the receiver confirmed, or OTS_CLAIM_LEASE passed): the "
		    "file is gone.");
		break;
	case OTS_ERR_NOTFOUND:
		resp_error(req, 404, "not_found", "No such share.");
		break;
	default:
		resp_from_err(req, e);
		break;
	}
}

void
h_lease(struct req *req)
{
	const char *m = req->req_method;
	uint64_t until = 0;
	struct ots_tok id;
	char hash[65];
	bool fetch = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	enum ots_err e;

	if (!h_parse_id(req, req->req_arg, &id))
		return;
	if (!h_bearer(req, NULL, hash)) {
		resp_error(req, 403, "wrong_lease_token", "Send the lease token "
		    "from the claim's answer (Authorization: Bearer TOKEN).");
		return;
	}
	e = ots_share_lease(req->req_worker->w_rds, &id, fetch ?
	    OTS_LEASE_CHECK : OTS_LEASE_END, ots_now(), hash, &until);
	if (e != OTS_OK) {
		lease_refused(req, e);
		return;
	}
	if (fetch) {
		/* Behind a balancer: the balancer asks the next host
		 * (nginx-conf/onetimeshare-lb.conf); the lease is not spent. */
		if (!ots_store_lease_here(req->req_app->a_store, &id)) {
			resp_error(req, 404, "lease_not_here", "This host does "
			    "not hold the leased file: only the host that "
			    "answered the claim does.");
			return;
		}
		h_lease_send(req, &id, NULL, until);
		return;
	}
	ots_metrics_add(req->req_app->a_metrics, OTS_M_LEASE_CONFIRMED, 1);
	if (ots_store_lease_remove(req->req_app->a_store, &id) != OTS_OK)
		ots_log_err(MOD, "cannot remove a confirmed lease's file "
		    "(the sweeper will)");
	resp_send(req, 204, NULL, NULL, NULL, 0);
}
