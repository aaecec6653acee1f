/*
 * Redis going away and coming back: quick 503s while it is down, nothing
 * left behind, and recovery without restarting the workers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "itest.h"

static void
restart_redis(void)
{
	devstack("redis-start");
}

TestSuite(redis, .timeout = 60, .fini = restart_redis);

static bool
upload_works(void)
{
	return upload_put("probe.txt", "probe", 5, NULL) == 201;
}

Test(redis, down_gives_fast_503_and_up_recovers)
{
	struct link kept;
	struct http_resp r;
	struct timespec t0;
	long files;
	uint8_t data[300000];
	char path[128];
	char *ra;

	cr_assert_eq(upload_put("kept.txt", "kept", 4, &kept), 201);
	files = data_files();
	devstack("redis-stop");

	fill_pattern(data, sizeof(data), 5);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(http_do("PUT", "/api/v1/files/down.bin", NULL, data,
	    sizeof(data), &r), 0);
	cr_assert_eq(r.status, 503, "%ld %s", r.status, r.body);
	cr_assert(strstr(r.body, "\"code\":\"unavailable\"") != NULL);
	ra = http_header(&r, "Retry-After");
	cr_assert(ra != NULL, "503 without Retry-After");
	free(ra);
	http_resp_free(&r);
	cr_assert_lt(ms_since(&t0), 3000, "503 was not quick");
	cr_assert_eq(data_files(), files, "a file stayed without its share");
	cr_assert_eq(data_tmp(), 0);

	cr_assert_eq(claim(kept.id, kept.key, &r), 0);
	cr_assert_eq(r.status, 503);
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/files/%s", kept.id);
	cr_assert_eq(http_do("GET", path, NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 503);
	http_resp_free(&r);
	cr_assert_eq(http_do("GET", "/health/live", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200, "liveness must not depend on Redis");
	http_resp_free(&r);

	devstack("redis-start");
	cr_assert(wait_until(upload_works, 5000),
	    "no recovery after Redis came back");
	/* The share uploaded before the outage survived it (AOF).  A thread
	 * that last failed a moment before Redis came back may still be in
	 * its 200 ms reconnect backoff: a 503 then is recovery in progress. */
	for (int i = 0; i < 20; i++) {
		struct timespec pause = { 0, 100000000 };

		cr_assert_eq(claim(kept.id, kept.key, &r), 0);
		if (r.status != 503)
			break;
		http_resp_free(&r);
		nanosleep(&pause, NULL);
	}
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_str_eq(r.body, "kept");
	http_resp_free(&r);
}

Test(redis, readiness_follows_redis)
{
	cr_assert(wait_until(stack_ready, 5000));
	devstack("redis-stop");
	cr_assert(wait_until(stack_unready, 5000), "ready stayed 200");
	devstack("redis-start");
	cr_assert(wait_until(stack_ready, 5000), "ready stayed 503");
}
