/*
 * The disk's durable-write rate, the baseline for durable uploads: THREADS
 * threads each loop for SECONDS, doing what ots_store does for one upload
 * (create tmp/N.part, write SIZE bytes in 64 KiB writes, futimens,
 * fdatasync, rename into files/, fsync files/).  Prints one JSON line in
 * the shape of tools/bench/wrk-report.lua's.
 *
 * With NOSYNC as a fifth argument, the same without fdatasync and fsync:
 * the file system's own cost, the baseline of non-durable writes.
 *
 *   diskrate DIR SIZE THREADS SECONDS [NOSYNC]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

#define CHUNK (64u * 1024u)
#define MAX_SAMPLES (1u << 20)

static int tmp_dir, files_dir;
static size_t file_size;
static int sync_files = 1;
static double end_at;
static atomic_uint_fast64_t next_name;
static atomic_uint_fast64_t errors;
static double *samples_ms;
static atomic_uint_fast64_t nsamples;

static int
write_one(const unsigned char *buf)
{
	char name[32], part[40];
	size_t left = file_size;
	int fd;

	snprintf(name, sizeof(name), "%llu",
	    (unsigned long long)atomic_fetch_add(&next_name, 1));
	snprintf(part, sizeof(part), "%s.part", name);
	fd = openat(tmp_dir, part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -1;
	while (left > 0) {
		size_t n = left < CHUNK ? left : CHUNK;
		ssize_t w = write(fd, buf, n);

		if (w <= 0) {
			close(fd);
			return -1;
		}
		left -= (size_t)w;
	}
	if (futimens(fd, NULL) != 0 || (sync_files && fdatasync(fd) != 0)) {
		close(fd);
		return -1;
	}
	close(fd);
	if (renameat(tmp_dir, part, files_dir, name) != 0)
		return -1;
	return sync_files ? fsync(files_dir) : 0;
}

static void *
loop(void *arg)
{
	static unsigned char buf[CHUNK];

	(void)arg;
	while (bench_now() < end_at) {
		double t0 = bench_now();
		uint_fast64_t i;

		if (write_one(buf) != 0) {
			atomic_fetch_add(&errors, 1);
			continue;
		}
		i = atomic_fetch_add(&nsamples, 1);
		if (i < MAX_SAMPLES)
			samples_ms[i] = (bench_now() - t0) * 1000.0;
	}
	return NULL;
}

static int
open_dir(const char *base, const char *sub)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", base, sub);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
main(int argc, char **argv)
{
	unsigned long threads, i;
	double seconds, t0, took;
	pthread_t *t;
	size_t n;

	if (argc == 6 && strcmp(argv[5], "NOSYNC") == 0) {
		sync_files = 0;
		argc--;
	}
	if (argc != 5) {
		fprintf(stderr,
		    "usage: diskrate DIR SIZE THREADS SECONDS [NOSYNC]\n");
		return 2;
	}
	file_size = strtoul(argv[2], NULL, 10);
	threads = strtoul(argv[3], NULL, 10);
	seconds = strtod(argv[4], NULL);
	if (threads == 0 || threads > 1024 || seconds <= 0) {
		fprintf(stderr, "diskrate: bad arguments\n");
		return 2;
	}
	tmp_dir = open_dir(argv[1], "tmp");
	files_dir = open_dir(argv[1], "files");
	samples_ms = calloc(MAX_SAMPLES, sizeof(*samples_ms));
	t = calloc(threads, sizeof(*t));
	if (tmp_dir < 0 || files_dir < 0 || samples_ms == NULL || t == NULL) {
		perror("diskrate");
		return 1;
	}
	t0 = bench_now();
	end_at = t0 + seconds;
	for (i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, loop, NULL) != 0)
			return 1;
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	took = bench_now() - t0;
	n = (size_t)atomic_load(&nsamples);
	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	bench_sort(samples_ms, n);
	printf("{\"requests\":%zu,\"duration_s\":%.3f,\"rps\":%.1f,"
	    "\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
	    "\"errors\":%llu}\n", n, took, (double)n / took, bench_pct(samples_ms, n, 0.50),
	    bench_pct(samples_ms, n, 0.95), bench_pct(samples_ms, n, 0.99),
	    (unsigned long long)atomic_load(&errors));
	free(t);
	free(samples_ms);
	return 0;
}
