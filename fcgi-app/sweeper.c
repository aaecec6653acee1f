/*
 * The sweeper thread: every second, remove the leased files whose lease
 * lapsed; every OTS_SWEEP_INTERVAL (with jitter), take the cluster-wide
 * sweep lock and remove files no share needs (lib/ots_sweep).  Every
 * worker process runs one; the lock makes one sweep run at a time across
 * all processes and hosts.
 */
#include <sodium.h>

#include "app.h"
#include "background.h"
#include "ots_log.h"
#include "ots_metrics.h"
#include "ots_sweep.h"
#include "ots_banned.h"

#define MOD "sweep"
/*
 * A sweep that takes longer than this loses the lock to another, which is
 * harmless (a removal takes a file already gone in its stride); and a
 * worker killed mid-sweep (kill -9, OOM) holds every sweep back for this
 * long, so it stays short: expired files must go within a minute.
 */
#define LOCK_TTL_MS (30u * 1000u)

/* The next sweep, in ots_mono_ms() time: one interval, up to 20% jitter
 * so processes do not knock in step. */
static uint64_t
next_sweep(const struct app *app)
{
	uint64_t ms = app->a_cfg.c_sweep_interval * 1000u;

	return ots_mono_ms() + ms + randombytes_uniform((uint32_t)(ms / 5 + 1));
}

static void
sweep_once(struct bg *s)
{
	const struct app *app = s->bg_app;
	struct ots_sweep_stats st;
	uint64_t files = 0, bytes = 0;
	uint8_t raw[16];
	char token[33];
	bool got = false;
	enum ots_err e;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(token, sizeof(token), raw, sizeof(raw));
	if (ots_sweep_lock(s->bg_rds, token, LOCK_TTL_MS, &got) != OTS_OK ||
	    !got)
		return;
	e = ots_sweep_run(s->bg_rds, app->a_store, ots_now(),
	    app->a_cfg.c_sweep_grace, app->a_cfg.c_part_max_age, &st);
	if (e != OTS_OK)
		ots_log_warn(MOD, "sweep stopped early: %s", ots_err_str(e));
	if (st.ss_removed > 0 || st.ss_parts_removed > 0 ||
	    st.ss_uploads_removed > 0)
		ots_log_info(MOD, "removed %llu of %llu files, %llu stale "
		    "temp files and %llu abandoned uploads",
		    (unsigned long long)st.ss_removed,
		    (unsigned long long)st.ss_files,
		    (unsigned long long)st.ss_parts_removed,
		    (unsigned long long)st.ss_uploads_removed);
	if (st.ss_uploads_removed > 0)
		ots_metrics_add(app->a_metrics, OTS_M_UPLOADS_ABANDONED,
		    st.ss_uploads_removed);
	if (ots_store_usage(app->a_store, &files, &bytes) == OTS_OK &&
	    ots_metrics_set_stored(s->bg_rds, files, bytes) != OTS_OK)
		ots_log_debug(MOD, "cannot store the usage gauges");
	if (ots_sweep_unlock(s->bg_rds, token) != OTS_OK)
		ots_log_warn(MOD, "cannot release the sweep lock (it expires "
		    "by itself)");
}

/* Removes the leased files whose lease ended (every second: a lease ends
 * "at once", docs/E2E.md). */
static void
end_leases(struct bg *s)
{
	uint64_t removed = 0;
	enum ots_err e;

	e = ots_sweep_leases(s->bg_rds, s->bg_app->a_store, ots_now(),
	    &removed);
	if (e != OTS_OK)
		ots_log_debug(MOD, "leases left for the next second: %s",
		    ots_err_str(e));
	if (removed > 0) {
		ots_metrics_add(s->bg_app->a_metrics, OTS_M_LEASE_LAPSED,
		    removed);
		ots_log_info(MOD, "removed %llu leased files (lease ended)",
		    (unsigned long long)removed);
	}
}

/* bg_due: the next sweep; 0 until the first tick sets it (only this
 * thread touches it). */
static void
sweeper_tick(struct bg *s)
{
	if (s->bg_app->a_cfg.c_e2e)
		end_leases(s);
	if (s->bg_due == 0) {
		s->bg_due = next_sweep(s->bg_app);
	} else if (ots_mono_ms() >= s->bg_due) {
		sweep_once(s);
		s->bg_due = next_sweep(s->bg_app);
	}
}

enum ots_err
sweeper_start(struct bg *b, const struct app *app)
{
	return bg_start(b, app, sweeper_tick, NULL);
}
