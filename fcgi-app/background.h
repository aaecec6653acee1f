/*
 * Background threads of a worker process: each wakes every second with
 * its own Redis connection and does one job (sweeper.c, flusher.c), until
 * shutdown begins (app->a_wake_fd turns readable).
 */
#ifndef OTS_BACKGROUND_H
#define OTS_BACKGROUND_H

#include <pthread.h>
#include <stdbool.h>

#include "app.h"

struct bg {
	const struct app *bg_app;
	struct ots_rds *bg_rds;		/* the thread's own connection */
	void (*bg_tick)(struct bg *b);	/* every second */
	void (*bg_last)(struct bg *b);	/* once, at stop; NULL for none */
	uint64_t bg_due;		/* the job's own clock (ots_mono_ms) */
	pthread_t bg_tid;
	bool bg_running;
};

/* The sweeper (sweeper.c): leases that lapsed every second, files no
 * share needs every OTS_SWEEP_INTERVAL. */
OTS_WARN_UNUSED enum ots_err sweeper_start(struct bg *b,
    const struct app *app);
/* The metrics flusher (flusher.c): this process's counts into the shared
 * hash every second, and once more at stop. */
OTS_WARN_UNUSED enum ots_err flusher_start(struct bg *b,
    const struct app *app);

/* Starts b's thread (for sweeper_start and flusher_start). */
OTS_WARN_UNUSED enum ots_err bg_start(struct bg *b, const struct app *app,
    void (*tick)(struct bg *), void (*last)(struct bg *));

/* Waits for the thread to end (after shutdown began), runs its last job
 * (so stop the flusher after the workers) and frees it; accepts a thread
 * that never started. */
void bg_stop(struct bg *b);

#endif
