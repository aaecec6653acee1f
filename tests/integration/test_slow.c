/*
 * Slow clients hold worker threads for long: they must never hold all of
 * them.  Uploads that trickle take transfer slots (threads - 2 per
 * process); when those are full, more uploads wait briefly (1 s) and get
 * 503, light requests are still answered, and /health/ready says the
 * workers are full until the slots free up.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "itest.h"

/* 2 processes x (8 - 2) slots, and some. */
#define SLOW 14

TestSuite(slow, .timeout = 60);

Test(slow, trickling_uploads_do_not_starve_other_requests)
{
	static const char head[] = "PUT /api/v1/files/slow HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 1000\r\n\r\nx";
	int fds[SLOW], i, busy = 0;
	struct http_resp r;
	struct timespec t0, settle = { 1, 500000000 };

	for (i = 0; i < SLOW; i++) {
		fds[i] = raw_connect();
		cr_assert(send(fds[i], head, sizeof(head) - 1, MSG_NOSIGNAL) > 0);
	}
	nanosleep(&settle, NULL);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(http_do("GET", "/api/v1/config", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	/* A load balancer must route around workers with no slot free. */
	cr_assert_eq(http_do("GET", "/health/ready", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 503, "%s", r.body);
	cr_assert(strstr(r.body, "\"transfer_slots\":\"full\"") != NULL,
	    "%s", r.body);
	http_resp_free(&r);
	cr_assert_lt(ms_since(&t0), 2000, "light requests waited for slow ones");

	/* More uploads than slots: the extra ones were refused after their
	 * short wait, not queued behind the slow ones. */
	for (i = 0; i < SLOW; i++) {
		char buf[256];
		struct timeval tv = { 0, 200000 };
		ssize_t n;

		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = recv(fds[i], buf, sizeof(buf) - 1, 0);
		if (n > 12 && strncmp(buf, "HTTP/1.1 503", 12) == 0)
			busy++;
		close(fds[i]);
	}
	cr_assert_geq(busy, 1, "no upload was turned away with 503");
	cr_assert_leq(busy, SLOW - 2, "too few uploads were let in");
	cr_assert(wait_until(stack_ready, 5000), "ready stayed 503 once the "
	    "slots were free");
}
