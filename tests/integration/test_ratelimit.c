/*
 * Rate limiting against the real stack: the workers restart with a small
 * upload limit (3 per 2 s) for this suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "itest.h"

static void
limits_on(void)
{
	setenv("OTS_RATE_UPLOAD", "3/2s", 1);
	unsetenv("OTS_TRUSTED_PROXIES");
	devstack("workers-stop");
	devstack("workers-start");
}

static void
limits_off(void)
{
	setenv("OTS_RATE_UPLOAD", "off", 1);
	unsetenv("OTS_TRUSTED_PROXIES");
	devstack("workers-stop");
	devstack("workers-start");
}

TestSuite(ratelimit, .timeout = 60, .init = limits_on, .fini = limits_off);

static long
put_from(const char *xff, struct http_resp *r)
{
	char h1[128];
	const char *const h[] = { h1, NULL };

	snprintf(h1, sizeof(h1), "X-Forwarded-For: %s", xff);
	cr_assert_eq(http_do("PUT", "/api/v1/files/r.txt", xff != NULL ? h :
	    NULL, "r", 1, r), 0);
	return r->status;
}

Test(ratelimit, over_the_limit_gets_429_then_the_window_slides)
{
	struct http_resp r;
	char *ra;
	long secs;
	struct timespec wait;
	int i;

	for (i = 0; i < 3; i++) {
		cr_assert_eq(put_from(NULL, &r), 201, "upload %d", i);
		http_resp_free(&r);
	}
	cr_assert_eq(put_from(NULL, &r), 429);
	cr_assert(strstr(r.body, "\"code\":\"rate_limited\"") != NULL, "%s",
	    r.body);
	ra = http_header(&r, "Retry-After");
	cr_assert(ra != NULL, "429 without Retry-After");
	secs = strtol(ra, NULL, 10);
	cr_assert(secs >= 1 && secs <= 2, "Retry-After %ld", secs);
	free(ra);
	http_resp_free(&r);

	/* Health is never limited. */
	cr_assert_eq(http_do("GET", "/health/live", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);

	wait.tv_sec = secs;
	wait.tv_nsec = 100000000;
	nanosleep(&wait, NULL);
	cr_assert_eq(put_from(NULL, &r), 201, "the window did not slide");
	http_resp_free(&r);
}

Test(ratelimit, forwarded_header_from_untrusted_peer_is_ignored)
{
	struct http_resp r;
	char addr[32];
	int i, limited = 0;

	/* Each request claims another client address; the peer (nginx,
	 * 127.0.0.1) is not a trusted proxy, so they all share one window. */
	for (i = 0; i < 5; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i + 1);
		if (put_from(addr, &r) == 429)
			limited++;
		http_resp_free(&r);
	}
	cr_assert_geq(limited, 2, "forwarded addresses escaped the limit");
}

Test(ratelimit, forwarded_header_from_trusted_proxy_is_used)
{
	struct http_resp r;
	char addr[32];
	int i;

	setenv("OTS_TRUSTED_PROXIES", "127.0.0.1/32, ::1", 1);
	devstack("workers-stop");
	devstack("workers-start");
	for (i = 0; i < 6; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i + 1);
		cr_assert_eq(put_from(addr, &r), 201,
		    "client %s was limited by others' requests", addr);
		http_resp_free(&r);
	}
	for (i = 0; i < 3; i++) {
		cr_assert_eq(put_from("192.0.2.77", &r), 201);
		http_resp_free(&r);
	}
	cr_assert_eq(put_from("192.0.2.77", &r), 429);
	http_resp_free(&r);
}
