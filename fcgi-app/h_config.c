/*
 * GET /api/v1/config: the limits in force, which the web UI and ots read
 * before an upload (docs/API.md).  Nothing secret.
 */
#include "app.h"
#include "ots_banned.h"

void
h_config(struct req *req)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	struct ots_buf b;
	enum ots_err e;

	ots_buf_init(&b, 1024);
	e = ots_buf_addf(&b, "{\"max_size\":%llu,\"expiry\":{\"default\":%llu,"
	    "\"min\":%llu,\"max\":%llu},\"passwords\":true,"
	    "\"password_max\":%u,\"password_attempts\":%u,"
	    "\"password_cost\":{\"mem_kib\":%u,\"time\":%u,\"lanes\":1}",
	    (unsigned long long)c->c_max_size,
	    (unsigned long long)c->c_expiry_default,
	    (unsigned long long)c->c_expiry_min,
	    (unsigned long long)c->c_expiry_max, c->c_password_max,
	    c->c_attempts, c->c_argon2.kp_mem_kib, c->c_argon2.kp_time);
	/* What the web UI and ots need for end-to-end shares. */
	if (e == OTS_OK)
		e = ots_buf_addf(&b, ",\"e2e\":{\"enabled\":%s,"
		    "\"part_max\":%llu,\"claim_lease\":%llu,"
		    "\"memory_max\":%llu}}\n", c->c_e2e ? "true" : "false",
		    (unsigned long long)c->c_part_max,
		    (unsigned long long)c->c_claim_lease,
		    (unsigned long long)c->c_blob_max);
	if (e == OTS_OK)
		resp_send(req, 200, "application/json", NULL, b.b_data,
		    b.b_len);
	else
		resp_from_err(req, e);
	ots_buf_release(&b);
}
