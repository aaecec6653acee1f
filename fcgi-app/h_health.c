/*
 * Health: /health/live says the process answers (no dependencies);
 * /health/ready says whether this process should get traffic: both
 * Redises answer PING, the data directory takes a synced write and has
 * OTS_READY_MIN_FREE bytes free, and a transfer slot is free.  The
 * Redis and disk checks are cached for READY_CACHE_MS per process, so a
 * probe storm costs nothing, and one thread at a time runs them.  The
 * Redis checks are bounded by the Redis timeout; the synced write is not
 * (a hung disk can hold its thread for as long as the kernel likes), so a
 * check still running after READY_STUCK_MS makes every other probe say
 * data_dir "failed" at once instead of joining it.  The slots are read
 * live (a load balancer must see a full worker at once).
 */
#include <pthread.h>
#include <string.h>

#include "app.h"
#include "ots_log.h"
#include "ots_banned.h"

#define READY_CACHE_MS 2000u
#define READY_STUCK_MS 2000u

/* What the slow checks found. */
struct ready {
	bool r_redis;
	bool r_limits;
	bool r_disk;		/* writable */
	bool r_space;		/* OTS_READY_MIN_FREE free */
	bool r_leases;		/* the web server can read leased files */
};

/* The cached result; guarded by ready_lock. */
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t ready_at;	/* ots_mono_ms() of the last check, 0 none */
static uint64_t checking_since;	/* ... of the running check, 0 none */
static struct ready ready_last;

void
h_health_live(struct req *req)
{
	resp_send(req, 200, "application/json", NULL, "{\"status\":\"ok\"}\n",
	    16);
}

static struct ready
check_now(struct req *req)
{
	const struct app *app = req->req_app;
	struct ready r;
	uint64_t free_bytes = 0;

	r.r_redis = ots_rds_ping(req->req_worker->w_rds) == OTS_OK;
	r.r_limits = ots_rds_ping(req->req_worker->w_limits) == OTS_OK;
	r.r_disk = ots_store_probe(app->a_store) == OTS_OK;
	r.r_space = ots_store_free_bytes(app->a_store, &free_bytes) ==
	    OTS_OK && free_bytes >= app->a_cfg.c_ready_min_free;
	/* A claim it could not send would be consumed all the same. */
	r.r_leases = !app->a_cfg.c_e2e || app->a_cfg.c_claim_lease == 0 ||
	    ots_store_lease_ready(app->a_store);
	return r;
}

static const char *
word(bool ok)
{
	return ok ? "ok" : "failed";
}

void
h_health_ready(struct req *req)
{
	uint64_t now = ots_mono_ms();
	struct ready r;
	bool fresh, slots, ok;
	char body[256];

	pthread_mutex_lock(&ready_lock);
	fresh = ready_at != 0 && now - ready_at < READY_CACHE_MS;
	r = ready_last;
	if (!fresh && checking_since != 0 && ready_at != 0) {
		/* Another thread checks: the last answer, unless it hangs
		 * (before the first answer, each probe checks itself). */
		fresh = true;
		if (now - checking_since >= READY_STUCK_MS)
			r.r_disk = false;
	} else if (!fresh) {
		checking_since = now;
	}
	pthread_mutex_unlock(&ready_lock);
	if (!fresh) {
		r = check_now(req);
		pthread_mutex_lock(&ready_lock);
		ready_at = ots_mono_ms();
		ready_last = r;
		checking_since = 0;
		pthread_mutex_unlock(&ready_lock);
	}
	slots = ots_gate_free_slots(req->req_app->a_heavy) > 0;
	ok = r.r_redis && r.r_limits && r.r_disk && r.r_space && r.r_leases &&
	    slots;
	if (ots_str_fmt(body, sizeof(body), "{\"status\":\"%s\",\"checks\":"
	    "{\"redis\":\"%s\",\"limits_redis\":\"%s\",\"data_dir\":\"%s\","
	    "\"disk_space\":\"%s\",\"transfer_slots\":\"%s\","
	    "\"lease_access\":\"%s\"}}\n",
	    ok ? "ok" : "unavailable", word(r.r_redis), word(r.r_limits),
	    word(r.r_disk), r.r_space ? "ok" : "low", slots ? "ok" : "full",
	    word(r.r_leases)) != OTS_OK)
		body[0] = '\0';
	resp_send(req, ok ? 200 : 503, "application/json", NULL, body,
	    strlen(body));
}
