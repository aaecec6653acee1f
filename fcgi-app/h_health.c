/*
 * Health: /health/live says the process answers (no dependencies);
 * /health/ready checks Redis (PING) and the data directory (a synced
 * write), each bounded by the Redis timeout, and caches the result for
 * READY_CACHE_MS per process so a probe storm costs nothing.
 */
#include <pthread.h>
#include <string.h>

#include "app.h"
#include "ots_log.h"
#include "ots_banned.h"

#define READY_CACHE_MS 2000u

/* The cached readiness result; guarded by ready_lock. */
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t ready_at;	/* ots_mono_ms() of the last check, 0 none */
static bool ready_redis;
static bool ready_disk;

void
h_health_live(struct req *req)
{
	resp_send(req, 200, "application/json", NULL, "{\"status\":\"ok\"}\n",
	    16);
}

void
h_health_ready(struct req *req)
{
	uint64_t now = ots_mono_ms();
	bool redis_ok, disk_ok, fresh;
	char body[128];

	pthread_mutex_lock(&ready_lock);
	fresh = ready_at != 0 && now - ready_at < READY_CACHE_MS;
	redis_ok = ready_redis;
	disk_ok = ready_disk;
	pthread_mutex_unlock(&ready_lock);
	if (!fresh) {
		redis_ok = ots_rds_ping(req->req_worker->w_rds) == OTS_OK;
		disk_ok = ots_store_probe(req->req_app->a_store) == OTS_OK;
		pthread_mutex_lock(&ready_lock);
		ready_at = ots_mono_ms();
		ready_redis = redis_ok;
		ready_disk = disk_ok;
		pthread_mutex_unlock(&ready_lock);
	}
	if (ots_str_fmt(body, sizeof(body), "{\"status\":\"%s\",\"checks\":"
	    "{\"redis\":\"%s\",\"data_dir\":\"%s\"}}\n",
	    redis_ok && disk_ok ? "ok" : "unavailable",
	    redis_ok ? "ok" : "failed", disk_ok ? "ok" : "failed") != OTS_OK)
		body[0] = '\0';
	resp_send(req, redis_ok && disk_ok ? 200 : 503, "application/json",
	    NULL, body, strlen(body));
}
