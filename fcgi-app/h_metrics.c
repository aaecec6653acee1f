/*
 * GET /metrics: Prometheus text, the counters of every process (from
 * Redis) and this one's latencies; the web server lets only loopback
 * ask (docs/OPERATIONS.md).
 */
#include "app.h"
#include "ots_metrics.h"
#include "ots_banned.h"

void
h_metrics(struct req *req)
{
	struct ots_buf b;
	enum ots_err e;

	ots_buf_init(&b, 256 * 1024);
	e = ots_metrics_render(req->req_app->a_metrics, req->req_worker->w_rds,
	    &b);
	if (e == OTS_OK)
		resp_send(req, 200, "text/plain; version=0.0.4; charset=utf-8",
		    NULL, b.b_data, b.b_len);
	else
		resp_from_err(req, e);
	ots_buf_release(&b);
}
