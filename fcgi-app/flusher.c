/*
 * The metrics flusher thread: every second, this process's counts
 * (atomics, lib/ots_metrics) are added to the shared hash that /metrics
 * renders; once more at shutdown, after the workers stopped, so no count
 * is lost.
 */
#include "app.h"
#include "background.h"
#include "ots_log.h"
#include "ots_metrics.h"
#include "ots_banned.h"

#define MOD "metrics"

static void
flush_tick(struct bg *b)
{
	if (ots_metrics_flush(b->bg_app->a_metrics, b->bg_rds) != OTS_OK)
		ots_log_debug(MOD, "counts kept for the next flush");
}

static void
flush_last(struct bg *b)
{
	if (ots_metrics_flush(b->bg_app->a_metrics, b->bg_rds) != OTS_OK)
		ots_log_warn(MOD, "the last counts could not be stored");
}

enum ots_err
flusher_start(struct bg *b, const struct app *app)
{
	return bg_start(b, app, flush_tick, flush_last);
}
