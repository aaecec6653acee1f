/*
 * Hostile clients, each from its own loopback address (127.0.0.0/8 is all
 * loopback: another address is another client to nginx and the app):
 * nothing one client does may take the service from the others, and
 * nothing at rest may link a client's address to a share.
 *
 * Suite "caps": the mechanisms one by one, with a 2 s rate window.
 * Suite "attack": the service at its default settings (rate limits,
 * caps, Argon2id cost) against the attacks of docs/SECURITY.md's
 * threat model.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <hiredis/hiredis.h>

#include "itest.h"

static void
restart_workers(void)
{
	devstack("workers-stop");
	devstack("workers-start");
}

static void
defaults_off(void)
{
	/* What tests/integration/run sets for the other suites. */
	setenv("OTS_RATE_UPLOAD", "off", 1);
	setenv("OTS_RATE_CLAIM", "off", 1);
	setenv("OTS_RATE_META", "off", 1);
	setenv("OTS_CLIENT_TRANSFERS", "off", 1);
	setenv("OTS_ARGON2_MEMORY", "8M", 1);
	setenv("OTS_ARGON2_TIME", "1", 1);
	unsetenv("OTS_TRANSFER_WINDOW");
	unsetenv("OTS_TRANSFER_MIN_RATE");
	unsetenv("OTS_ADMIN_TOKEN_HASH");
	restart_workers();
}

static void
sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* Sends all of s on fd; false when the peer is gone. */
static bool
send_str(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		s += n;
		len -= (size_t)n;
	}
	return true;
}

/* The status of an answer waiting on fd, within ms; 0 when none came. */
static int
read_status(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char buf[512];
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 12)
		return 0;
	buf[n] = '\0';
	return (int)strtol(buf + 9, NULL, 10);
}

/* Files and share keys, which a refused request must not change. */
struct snapshot {
	long files;
	long keys;
};

static struct snapshot
snap(void)
{
	struct snapshot s = { data_files(), redis_count(SHARE_KEYS) };

	return s;
}

static bool
tmp_empty(void)
{
	return data_tmp() == 0;
}

static void
assert_unchanged(struct snapshot s)
{
	cr_assert(wait_until(tmp_empty, 5000), "a temp file was left behind");
	cr_assert_eq(data_files(), s.files, "a file was left behind");
	cr_assert_eq(redis_count(SHARE_KEYS), s.keys, "a key was left behind");
}

/* ---- The caps, one by one ---------------------------------------------- */

static void
caps_on(void)
{
	setenv("OTS_TRANSFER_WINDOW", "2s", 1);
	setenv("OTS_TRANSFER_MIN_RATE", "1K", 1);
	setenv("OTS_CLIENT_TRANSFERS", "2", 1);
	restart_workers();
}

TestSuite(caps, .timeout = 60, .init = caps_on, .fini = defaults_off);

Test(caps, a_trickling_upload_is_cut_off_with_408_and_stores_nothing)
{
	static const char head[] = "PUT /api/v1/files/trickle HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 100000\r\n\r\nx";
	struct snapshot before = snap();
	struct timespec t0;
	long long cut = metric_now(
	    "ots_slow_transfers_cut_total{direction=\"upload\"}");
	int fd, st = 0, i;

	itest_from("127.0.0.21");
	fd = raw_connect();
	itest_from(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert(send_str(fd, head, sizeof(head) - 1));
	/* One byte every half second: 2 bytes/s, far below 1 KiB/s. */
	for (i = 0; i < 20 && st == 0; i++) {
		st = read_status(fd, 500);
		if (st == 0 && !send_str(fd, "y", 1))
			break;
	}
	if (st == 0)
		st = read_status(fd, 2000);
	close(fd);
	cr_assert_eq(st, 408, "the trickling upload got %d", st);
	cr_assert_lt(ms_since(&t0), 6000, "cut after %ld ms", ms_since(&t0));
	assert_unchanged(before);
	metrics_settle();
	cr_assert_eq(metric_now("ots_slow_transfers_cut_total"
	    "{direction=\"upload\"}") - cut, 1);
}

Test(caps, a_stalled_download_is_cut_off_and_the_share_is_gone)
{
	enum { SIZE = 32 * 1024 * 1024 };
	uint8_t *data = malloc(SIZE);
	char req[512];
	struct link l;
	struct http_resp r;
	long long cut = metric_now(
	    "ots_slow_transfers_cut_total{direction=\"download\"}");
	int fd, small = 4096;

	cr_assert(data != NULL);
	fill_pattern(data, SIZE, 77);
	cr_assert_eq(upload_put("stall.bin", data, SIZE, &l), 201);
	free(data);
	snprintf(req, sizeof(req), "POST /d/%s HTTP/1.1\r\nHost: t\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: %zu\r\n\r\nkey=%s", l.id, strlen(l.key) + 4,
	    l.key);
	/* A reader that takes the first bytes and then nothing more. */
	itest_from("127.0.0.22");
	fd = raw_connect();
	itest_from(NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	cr_assert(send_str(fd, req, strlen(req)));
	cr_assert_eq(read_status(fd, 5000), 200);
	/* The worker fills what nginx and the sockets hold, then waits on
	 * a reader that moves nothing for a whole window. */
	cr_assert(wait_until_metric("ots_slow_transfers_cut_total"
	    "{direction=\"download\"}", cut + 1, 15000),
	    "the stalled download was never cut off");
	close(fd);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410, "a cut-off download is gone all the same");
	http_resp_free(&r);
	cr_assert(!data_has(l.id));
	cr_assert(wait_until(stack_ready, 5000), "a slot stayed taken");
}

Test(caps, one_client_gets_at_most_its_transfers_others_are_served)
{
	static const char head[] = "PUT /api/v1/files/held HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 1000000\r\n\r\n";
	static char kib[1024];
	struct snapshot before;
	struct http_resp r;
	struct link l;
	long long refused = metric_now("ots_client_transfers_refused_total");
	int fd[2], i;
	char *ra;

	memset(kib, 'h', sizeof(kib));
	itest_from("127.0.0.23");
	for (i = 0; i < 2; i++) {
		fd[i] = raw_connect();
		cr_assert(send_str(fd[i], head, sizeof(head) - 1));
		cr_assert(send_str(fd[i], kib, sizeof(kib)));
	}
	sleep_ms(300);
	before = snap();
	/* The same client's third transfer is refused at once ... */
	cr_assert_eq(http_do("PUT", "/api/v1/files/third", NULL, "3", 1, &r),
	    0);
	cr_assert_eq(r.status, 429, "%ld %s", r.status, r.body);
	cr_assert(strstr(r.body, "too_many_transfers") != NULL, "%s", r.body);
	ra = http_header(&r, "Retry-After");
	cr_assert(ra != NULL);
	free(ra);
	http_resp_free(&r);
	assert_unchanged(before);
	/* ... another client's is served. */
	itest_from("127.0.0.24");
	cr_assert_eq(upload_put("other.txt", "other", 5, &l), 201);
	itest_from(NULL);
	for (i = 0; i < 2; i++) {
		cr_assert(send_str(fd[i], kib, sizeof(kib)));
		close(fd[i]);
	}
	metrics_settle();
	cr_assert_eq(metric_now("ots_client_transfers_refused_total") - refused,
	    1);
}

Test(caps, nginx_caps_requests_in_progress_per_client)
{
	enum { CONNS = 40, CAP = 32 };
	static const char head[] = "POST /d/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\n"
	    "Host: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 8000\r\n\r\nk";
	int fd[CONNS], i, refused = 0;
	struct http_resp r;

	itest_from("127.0.0.25");
	for (i = 0; i < CONNS; i++) {
		fd[i] = raw_connect();
		cr_assert(send_str(fd[i], head, sizeof(head) - 1));
	}
	for (i = 0; i < CONNS; i++)
		refused += read_status(fd[i], i < CAP ? 50 : 1000) == 429;
	cr_assert_eq(refused, CONNS - CAP, "%d of %d refused", refused,
	    CONNS);
	/* Others are not limited by that client. */
	itest_from("127.0.0.26");
	cr_assert_eq(http_do("GET", "/api/v1/config", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	itest_from(NULL);
	for (i = 0; i < CONNS; i++)
		close(fd[i]);
}
