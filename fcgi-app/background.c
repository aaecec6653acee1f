/*
 * The loop every background thread runs (background.h): nap a second,
 * do the job, until shutdown begins.
 */
#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "app.h"
#include "background.h"
#include "ots_banned.h"

/* Sleeps ms; false when shutdown began. */
static bool
nap(const struct app *app, unsigned ms)
{
	struct pollfd pfd = { app->a_wake_fd, POLLIN, 0 };

	return poll(&pfd, 1, (int)ms) == 0;
}

static void *
bg_main(void *arg)
{
	struct bg *b = arg;

	while (nap(b->bg_app, 1000))
		b->bg_tick(b);
	return NULL;
}

enum ots_err
bg_start(struct bg *b, const struct app *app, void (*tick)(struct bg *),
    void (*last)(struct bg *))
{
	enum ots_err e;

	memset(b, 0, sizeof(*b));
	b->bg_app = app;
	b->bg_tick = tick;
	b->bg_last = last;
	e = ots_rds_new(&app->a_cfg.c_redis, app->a_cfg.c_redis_timeout_ms,
	    &b->bg_rds);
	if (e != OTS_OK)
		return e;
	if (pthread_create(&b->bg_tid, NULL, bg_main, b) != 0) {
		ots_rds_free(b->bg_rds);
		b->bg_rds = NULL;
		return OTS_ERR_NOMEM;
	}
	b->bg_running = true;
	return OTS_OK;
}

void
bg_stop(struct bg *b)
{
	if (!b->bg_running)
		return;
	pthread_join(b->bg_tid, NULL);
	if (b->bg_last != NULL)
		b->bg_last(b);
	ots_rds_free(b->bg_rds);
	b->bg_rds = NULL;
	b->bg_running = false;
}
