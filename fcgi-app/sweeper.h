/*
 * The sweeper thread of a worker process (see sweeper.c).
 */
#ifndef OTS_SWEEPER_H
#define OTS_SWEEPER_H

#include <pthread.h>
#include <stdbool.h>

#include "app.h"

struct sweeper {
	const struct app *sw_app;
	struct ots_rds *sw_rds;		/* the sweeper's own connection */
	pthread_t sw_tid;
	bool sw_running;
};

/* Starts the thread; it stops when app->a_wake_fd turns readable. */
OTS_WARN_UNUSED enum ots_err sweeper_start(struct sweeper *s,
    const struct app *app);

/* Waits for the thread to end (after shutdown began), flushes the last
 * metrics (so call it after the workers stopped) and frees it. */
void sweeper_stop(struct sweeper *s);

#endif
