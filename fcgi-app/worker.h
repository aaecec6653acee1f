/*
 * Worker threads: each owns a Redis connection, a libfcgi request and a
 * scratch buffer, and loops accept → route → finish until shutdown.
 */
#ifndef OTS_WORKER_H
#define OTS_WORKER_H

#include "app.h"

/* Prepares w (no connection is made yet). */
OTS_WARN_UNUSED enum ots_err worker_init(struct worker *w,
    const struct app *app, unsigned index);

/* Frees what w owns; safe on a partly initialised worker. */
void worker_release(struct worker *w);

/* The thread body: serves requests until the wake fd turns readable. */
void *worker_main(void *arg);

#endif
