/*
 * What the benchmark's C programs in tools/bench/ share: a monotonic
 * clock, reading a whole file, and latency percentiles.
 */
#ifndef BENCHUTIL_H
#define BENCHUTIL_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/* The whole file at path (malloc'ed, *len bytes), or NULL. */
unsigned char *bench_read_file(const char *path, size_t *len);

/* Sorts n latencies in place, for bench_pct(). */
void bench_sort(double *v, size_t n);

/* The p-th fraction (0..1) of n sorted values; 0 when n is 0. */
double bench_pct(const double *sorted, size_t n, double p);

#endif
