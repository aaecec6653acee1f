/*
 * progress: the one-line bar on standard error (bytes, rate, time left),
 * drawn only on a terminal and never with -q.
 */
#ifndef OTSC_PROGRESS_H
#define OTSC_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool pg_on;
	const char *pg_what;		/* "sending", "receiving" */
	uint64_t pg_total;		/* 0: unknown */
	uint64_t pg_done;
	uint64_t pg_first;		/* done when the rate's clock started */
	uint64_t pg_base;		/* added to a request's own count */
	double pg_t0, pg_drawn;
};

/* Starts a bar for total bytes of which done are there already; on
 * false (quiet, or no terminal) nothing is ever drawn. */
void progress_begin(struct progress *p, bool on, const char *what,
    uint64_t total, uint64_t done);

/* done bytes are there now; redrawn at most ten times a second. */
void progress_at(struct progress *p, uint64_t done);

/* The last drawing (all of it, when complete) and the line's end. */
void progress_end(struct progress *p, bool complete);

#endif
