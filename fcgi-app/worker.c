/*
 * A worker thread: accept a request, route it, finish it, log one line;
 * until shutdown begins.  Each thread owns its Redis connection and its
 * scratch buffer; nothing mutable is shared between threads.
 */
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "ots_alloc.h"
#include "ots_limits.h"
#include "ots_log.h"
#include "worker.h"
#include "ots_banned.h"

/* One line per request: the route pattern, never the path itself. */
static void
log_request(const struct req *req)
{
	char line[512];

	if (!ots_log_enabled(OTS_LOG_INFO))
		return;
	if (ots_str_fmt(line, sizeof(line), "mod=http req=%s method=%s "
	    "route=%s status=%d in=%llu out=%llu ms=%llu", req->req_id,
	    req->req_method, req->req_route, req->req_status,
	    (unsigned long long)req->req_bytes_in,
	    (unsigned long long)req->req_bytes_out,
	    (unsigned long long)(ots_mono_ms() - req->req_start_ms)) !=
	    OTS_OK)
		return;
	ots_log_line(OTS_LOG_INFO, line);
}

static void
count_request(const struct req *req)
{
	struct ots_metrics *m = req->req_app->a_metrics;

	ots_metrics_request(m, req->req_route_label, req->req_status,
	    ots_mono_ms() - req->req_start_ms);
	ots_metrics_add(m, OTS_M_BYTES_IN, req->req_bytes_in);
	ots_metrics_add(m, OTS_M_BYTES_OUT, req->req_bytes_out);
}

enum ots_err
worker_init(struct worker *w, const struct app *app, unsigned index)
{
	enum ots_err e;

	memset(w, 0, sizeof(*w));
	w->w_app = app;
	w->w_index = index;
	w->w_buf = ots_malloc(OTS_CHUNK_SIZE);
	if (w->w_buf == NULL)
		return OTS_ERR_NOMEM;
	e = ots_rds_new(&app->a_cfg.c_redis, app->a_cfg.c_redis_timeout_ms,
	    &w->w_rds);
	if (e == OTS_OK)
		e = ots_rds_new(&app->a_cfg.c_limits,
		    app->a_cfg.c_redis_timeout_ms, &w->w_limits);
	if (e == OTS_OK)
		e = fio_worker_init(w);
	if (e != OTS_OK)
		worker_release(w);
	return e;
}

void
worker_release(struct worker *w)
{
	fio_worker_release(w);
	ots_rds_free(w->w_rds);
	w->w_rds = NULL;
	ots_rds_free(w->w_limits);
	w->w_limits = NULL;
	OTS_FREE_AND_NULL(w->w_buf);
}

void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct req req;

	while (fio_accept(w, &req)) {
		route_request(&req);
		if (!req.req_sent)
			resp_error(&req, 500, "internal",
			    "Something went wrong on the server.");
		/* Handlers give theirs back; this catches any that did not. */
		h_heavy_leave(&req);
		fio_finish(w);
		log_request(&req);
		count_request(&req);
		ots_log_set_request(NULL);
	}
	return NULL;
}
