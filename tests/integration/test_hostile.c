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
#include <stdarg.h>
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
	struct snapshot before = snapshot();
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
	assert_unchanged(before, "");
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

/* Feeds each upload of fd[0..n) 512 bytes every 250 ms for ms. */
static void
feed(const int *fd, int n, long ms)
{
	static char half[512];
	long t;
	int i;

	memset(half, 'h', sizeof(half));
	for (t = 0; t < ms; t += 250) {
		for (i = 0; i < n; i++)
			(void)send_str(fd[i], half, sizeof(half));
		sleep_ms(250);
	}
}

Test(caps, one_client_gets_at_most_its_transfers_others_are_served)
{
	static const char head[] = "PUT /api/v1/files/held HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 1000000\r\n\r\n";
	struct snapshot before;
	struct link l;
	long long refused = metric_now("ots_client_transfers_refused_total");
	int fd[3], i, st;

	itest_from("127.0.0.23");
	for (i = 0; i < 2; i++) {
		fd[i] = raw_connect();
		cr_assert(send_str(fd[i], head, sizeof(head) - 1));
	}
	/* Past their grace, both count against the client's 2. */
	feed(fd, 2, 1500);
	before = snapshot();
	fd[2] = raw_connect();
	cr_assert(send_str(fd[2], head, sizeof(head) - 1));
	/* The third transfer is refused once its grace is over ... */
	for (i = 0, st = 0; i < 12 && st == 0; i++) {
		feed(fd, 3, 250);
		st = read_status(fd[2], 0);
	}
	cr_assert_eq(st, 429, "the third slow upload got %d", st);
	assert_unchanged(before, "");
	/* ... another client's is served. */
	itest_from("127.0.0.24");
	cr_assert_eq(upload_put("other.txt", "other", 5, &l), 201);
	itest_from(NULL);
	for (i = 0; i < 3; i++)
		close(fd[i]);
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

/* ---- The service at its defaults, under attack ------------------------- */

static void
defaults_on(void)
{
	/* The defaults of docs/CONFIG.md: rate limits, caps, Argon2id. */
	unsetenv("OTS_RATE_UPLOAD");
	unsetenv("OTS_RATE_CLAIM");
	unsetenv("OTS_RATE_META");
	unsetenv("OTS_CLIENT_TRANSFERS");
	unsetenv("OTS_ARGON2_MEMORY");
	unsetenv("OTS_ARGON2_TIME");
	admin_token_on();
	restart_workers();
}

TestSuite(attack, .timeout = 180, .init = defaults_on, .fini = defaults_off);

/*
 * The attacker: 16 claim bodies and 12 uploads that each send one byte
 * every 5 s, from one address, reopened when the service closes them.
 */
enum { TRICKLE_CLAIMS = 16, TRICKLE_PUTS = 12 };
#define ATTACKER "127.0.0.11"

struct attack {
	volatile bool a_stop;
	int a_opened;		/* connections opened, reopened included */
};

static int
trickle_open(int i)
{
	static const char claim_head[] = "POST /d/AAAAAAAAAAAAAAAAAAAAAA "
	    "HTTP/1.1\r\nHost: t\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\nContent-Length: 8000\r\n"
	    "\r\nk";
	static const char put_head[] = "PUT /api/v1/files/slow HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 1000000\r\n\r\nx";
	int fd = raw_connect();

	if (i < TRICKLE_CLAIMS)
		(void)send_str(fd, claim_head, sizeof(claim_head) - 1);
	else
		(void)send_str(fd, put_head, sizeof(put_head) - 1);
	return fd;
}

static void *
attacker(void *arg)
{
	struct attack *a = arg;
	int fd[TRICKLE_CLAIMS + TRICKLE_PUTS], n = TRICKLE_CLAIMS + TRICKLE_PUTS;
	int i, tick = 0;

	itest_from(ATTACKER);
	for (i = 0; i < n; i++) {
		fd[i] = trickle_open(i);
		a->a_opened++;
	}
	while (!a->a_stop) {
		sleep_ms(250);
		for (i = 0; i < n; i++) {
			struct pollfd p = { fd[i], POLLIN, 0 };
			char buf[512];

			/* An answer (429, 408, 503) or a close: reopen. */
			if (poll(&p, 1, 0) > 0 && recv(fd[i], buf, sizeof(buf),
			    MSG_DONTWAIT) >= 0) {
				close(fd[i]);
				fd[i] = trickle_open(i);
				a->a_opened++;
			}
		}
		if (++tick % 20 == 0) {
			for (i = 0; i < n; i++)
				(void)send_str(fd[i], "z", 1);
		}
	}
	for (i = 0; i < n; i++)
		close(fd[i]);
	return NULL;
}

/* What the other client saw while the attack lasted. */
struct victim {
	volatile bool v_stop;
	long v_live_worst_ms;
	long v_trip_worst_ms;
	int v_live, v_trips;
	int v_failures;
	char v_why[256];
};

__attribute__((format(printf, 2, 3))) static void
victim_failed(struct victim *v, const char *fmt, ...)
{
	va_list ap;

	if (v->v_failures++ == 0) {
		va_start(ap, fmt);
		vsnprintf(v->v_why, sizeof(v->v_why), fmt, ap);
		va_end(ap);
	}
}

/* A 1 MiB upload and its claim, byte for byte; its duration or -1. */
static long
round_trip(const uint8_t *data, size_t len, struct victim *v)
{
	struct timespec t0;
	struct http_resp r;
	struct link l;
	long st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = upload_put("victim.bin", data, len, &l);
	if (st != 201) {
		victim_failed(v, "an upload got %ld (after %ld ms)", st,
		    ms_since(&t0));
		return -1;
	}
	if (claim(l.id, l.key, &r) != 0 || r.status != 200 || r.len != len ||
	    memcmp(r.body, data, len) != 0) {
		victim_failed(v, "a claim got %ld with %ld bytes", r.status,
		    (long)r.len);
		http_resp_free(&r);
		return -1;
	}
	http_resp_free(&r);
	return ms_since(&t0);
}

static void *
victim(void *arg)
{
	enum { SIZE = 1024 * 1024 };
	struct victim *v = arg;
	uint8_t *data = malloc(SIZE);
	struct timespec next_trip, now;
	int k = 0;

	cr_assert(data != NULL);
	itest_from("127.0.0.12");
	clock_gettime(CLOCK_MONOTONIC, &next_trip);
	while (!v->v_stop) {
		struct timespec t0;
		struct http_resp r;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (http_do("GET", "/health/live", NULL, NULL, 0, &r) != 0 ||
		    r.status != 200)
			victim_failed(v, "/health/live got %ld", r.status);
		http_resp_free(&r);
		ms = ms_since(&t0);
		v->v_live++;
		if (ms > v->v_live_worst_ms)
			v->v_live_worst_ms = ms;
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* A round trip every 3 s: 20 a minute, inside the default
		 * upload limit of 30. */
		if (now.tv_sec >= next_trip.tv_sec) {
			fill_pattern(data, SIZE, (uint32_t)k++);
			ms = round_trip(data, SIZE, v);
			v->v_trips++;
			if (ms > v->v_trip_worst_ms)
				v->v_trip_worst_ms = ms;
			next_trip.tv_sec = now.tv_sec + 3;
		}
		sleep_ms(500);
	}
	free(data);
	return NULL;
}

/* Keeps the link of an upload's answer; the claim's body goes. */
static size_t
burst_sink(char *d, size_t size, size_t n, void *ctx)
{
	struct link *l = ctx;
	char text[512];
	size_t len = size * n;

	if (l->id[0] == '\0' && len < sizeof(text)) {
		memcpy(text, d, len);
		text[len] = '\0';
		if (link_parse(text, l)) {
			record_id(l->id);
			record_secret(l->key);
		}
	}
	return len;
}

/* 200 clients, each from its own address, upload 1 KiB and claim it. */
static void
burst_of_normal_clients(int *errors, char *why, size_t whylen)
{
	enum { N = 200 };
	static char addr[N][24], body[N][1024], form[N][64];
	static struct link links[N];
	CURL *easy[N];
	CURLM *m = curl_multi_init();
	char url[256];
	int i, running = 0, pass;

	*errors = 0;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < N; i++) {
			easy[i] = curl_easy_init();
			snprintf(addr[i], sizeof(addr[i]), "127.0.1.%d", i + 1);
			curl_easy_setopt(easy[i], CURLOPT_INTERFACE, addr[i]);
			curl_easy_setopt(easy[i], CURLOPT_TIMEOUT, 30L);
			curl_easy_setopt(easy[i], CURLOPT_FORBID_REUSE, 1L);
			curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION,
			    burst_sink);
			curl_easy_setopt(easy[i], CURLOPT_WRITEDATA, &links[i]);
			if (pass == 0) {
				fill_pattern((uint8_t *)body[i], sizeof(body[i]),
				    (uint32_t)(1000 + i));
				snprintf(url, sizeof(url),
				    "%s/api/v1/files/burst%d", itest_url(), i);
				curl_easy_setopt(easy[i], CURLOPT_CUSTOMREQUEST,
				    "PUT");
				curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS,
				    body[i]);
				curl_easy_setopt(easy[i],
				    CURLOPT_POSTFIELDSIZE_LARGE,
				    (curl_off_t)sizeof(body[i]));
			} else {
				snprintf(url, sizeof(url), "%s/d/%.22s",
				    itest_url(), links[i].id);
				snprintf(form[i], sizeof(form[i]), "key=%.22s",
				    links[i].key);
				curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS,
				    form[i]);
			}
			curl_easy_setopt(easy[i], CURLOPT_URL, url);
			curl_multi_add_handle(m, easy[i]);
		}
		do {
			curl_multi_perform(m, &running);
			if (running > 0)
				curl_multi_poll(m, NULL, 0, 1000, NULL);
		} while (running > 0);
		for (i = 0; i < N; i++) {
			long st = 0;

			curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &st);
			if (st != (pass == 0 ? 201 : 200) && (*errors)++ == 0)
				snprintf(why, whylen, "%s of client %d: %ld",
				    pass == 0 ? "the upload" : "the claim", i,
				    st);
			curl_multi_remove_handle(m, easy[i]);
			curl_easy_cleanup(easy[i]);
		}
	}
	curl_multi_cleanup(m);
}

Test(attack, one_client_cannot_take_the_service_from_others)
{
	struct attack a;
	struct victim v;
	pthread_t at, vt;
	struct timespec t0;
	char why[256] = "";
	int burst_errors = -1;

	memset(&a, 0, sizeof(a));
	memset(&v, 0, sizeof(v));
	cr_assert_eq(pthread_create(&at, NULL, attacker, &a), 0);
	sleep_ms(1500);		/* the attack is in place */
	cr_assert_eq(pthread_create(&vt, NULL, victim, &v), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < 60000) {
		if (burst_errors < 0 && ms_since(&t0) > 30000)
			burst_of_normal_clients(&burst_errors, why,
			    sizeof(why));
		sleep_ms(500);
	}
	v.v_stop = true;
	pthread_join(vt, NULL);
	a.a_stop = true;
	pthread_join(at, NULL);
	cr_assert_eq(v.v_failures, 0, "the other client failed %d times: %s",
	    v.v_failures, v.v_why);
	cr_assert_gt(v.v_trips, 15, "only %d round trips", v.v_trips);
	cr_assert_lt(v.v_live_worst_ms, 1000, "/health/live took %ld ms",
	    v.v_live_worst_ms);
	cr_assert_lt(v.v_trip_worst_ms, 3000, "a 1 MiB round trip took %ld ms",
	    v.v_trip_worst_ms);
	cr_assert_eq(burst_errors, 0, "%d of 400 requests of the burst "
	    "failed: %s", burst_errors, why);
}

static size_t
drop(char *d, size_t size, size_t n, void *ctx)
{
	(void)d;
	(void)ctx;
	return size * n;
}

/* /health/live's slowest answer while another thread works. */
struct prober {
	volatile bool p_stop;
	long p_worst_ms;
	int p_count;
};

static void *
prober(void *arg)
{
	struct prober *p = arg;

	itest_from("127.0.0.32");
	while (!p->p_stop) {
		struct timespec t0;
		struct http_resp r;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		cr_assert_eq(http_do("GET", "/health/live", NULL, NULL, 0, &r),
		    0);
		ms = ms_since(&t0);
		cr_assert_eq(r.status, 200);
		http_resp_free(&r);
		p->p_count++;
		if (ms > p->p_worst_ms)
			p->p_worst_ms = ms;
		sleep_ms(100);
	}
	return NULL;
}

/*
 * 60 guesses at once, each from its own address (a guesser with many
 * addresses meets no per-client cap), at the default Argon2id cost: never
 * more are in flight than attempts are left, so exactly 5 derivations
 * run and exactly one guess destroys the share.
 */
Test(attack, sixty_concurrent_wrong_passwords_run_five_derivations)
{
	enum { GUESSES = 60, ATTEMPTS = 5 };
	static char bodies[GUESSES][128];
	CURL *easy[GUESSES];
	CURLM *m = curl_multi_init();
	char url[256], addr[GUESSES][24];
	struct prober p;
	pthread_t pt;
	struct link l;
	long long runs, locked;
	int i, running = 0, forbidden = 0, gone = 0, busy = 0, other = 0;

	itest_from("127.0.0.31");
	cr_assert_eq(upload_pw("right horse battery", "guarded", 7, &l, NULL,
	    0), 201);
	itest_from(NULL);
	metrics_settle();
	runs = metric_now("ots_password_derivations_total");
	locked = metric_now("ots_shares_destroyed_total{reason=\"locked\"}");
	snprintf(url, sizeof(url), "%s/d/%s", itest_url(), l.id);
	for (i = 0; i < GUESSES; i++) {
		snprintf(bodies[i], sizeof(bodies[i]), "key=%s&password=wrong%d",
		    l.key, i);
		snprintf(addr[i], sizeof(addr[i]), "127.0.2.%d", i + 1);
		easy[i] = curl_easy_init();
		curl_easy_setopt(easy[i], CURLOPT_URL, url);
		curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS, bodies[i]);
		curl_easy_setopt(easy[i], CURLOPT_INTERFACE, addr[i]);
		curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, drop);
		curl_easy_setopt(easy[i], CURLOPT_TIMEOUT, 60L);
		curl_multi_add_handle(m, easy[i]);
	}
	memset(&p, 0, sizeof(p));
	cr_assert_eq(pthread_create(&pt, NULL, prober, &p), 0);
	do {
		curl_multi_perform(m, &running);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running > 0);
	p.p_stop = true;
	pthread_join(pt, NULL);
	for (i = 0; i < GUESSES; i++) {
		long st = 0;

		curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &st);
		forbidden += st == 403;
		gone += st == 410;
		busy += st == 503;
		other += st != 403 && st != 410 && st != 503;
		curl_multi_remove_handle(m, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	curl_multi_cleanup(m);
	cr_assert_eq(other, 0, "%d guesses got neither 403, 410 nor 503",
	    other);
	cr_assert_eq(forbidden, ATTEMPTS - 1, "%d wrong guesses counted",
	    forbidden);
	cr_assert_geq(gone, 1, "the last guess did not destroy the share");
	cr_assert(!data_has(l.id), "the locked share's file is still there");
	metrics_settle();
	cr_assert_eq(metric_now("ots_password_derivations_total") - runs,
	    ATTEMPTS, "Argon2id ran more often than attempts were left");
	cr_assert_eq(metric_now("ots_shares_destroyed_total"
	    "{reason=\"locked\"}") - locked, 1, "the share was counted "
	    "destroyed more than once");
	cr_assert_gt(p.p_count, 0);
	cr_assert_lt(p.p_worst_ms, 1000, "/health/live took %ld ms",
	    p.p_worst_ms);
}

/* Does any file under dir hold needle? */
static bool
found_under(const char *dir, const char *needle)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "grep -r -a -q -F -- '%s' '%s' 2>/dev/null",
	    needle, dir);
	return system(cmd) == 0;
}

/* Keys of the limits Redis that name addr (they live in memory only). */
static long
limits_keys_naming(const char *addr)
{
	char path[1024], pattern[64];
	redisContext *c;
	redisReply *r;
	long n;

	snprintf(path, sizeof(path), "%s/run/redis-limits.sock", itest_state());
	snprintf(pattern, sizeof(pattern), "*%s*", addr);
	c = redisConnectUnix(path);
	cr_assert(c != NULL && c->err == 0, "cannot reach the limits Redis");
	r = redisCommand(c, "KEYS %s", pattern);
	cr_assert(r != NULL && r->type == REDIS_REPLY_ARRAY);
	n = (long)r->elements;
	freeReplyObject(r);
	redisFree(c);
	return n;
}

Test(attack, nothing_at_rest_names_a_client_address)
{
	static const char *const clients[] = { "127.0.0.41", "127.0.0.42" };
	char dir[1024], cmd[1200];
	struct http_resp r;
	struct link l;
	size_t i;

	for (i = 0; i < 2; i++) {
		itest_from(clients[i]);
		cr_assert_eq(upload_put("at-rest.txt", "from a client", 13, &l),
		    201);
		itest_from(clients[1 - i]);
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		cr_assert_eq(r.status, 200);
		http_resp_free(&r);
	}
	itest_from(NULL);
	/* The control: the windows did count them, in memory. */
	for (i = 0; i < 2; i++)
		cr_assert_gt(limits_keys_naming(clients[i]), 0, "no rate window "
		    "names %s: the test proves nothing", clients[i]);
	/* A fresh dump beside the append-only file. */
	snprintf(cmd, sizeof(cmd), "redis-cli -s '%s/run/redis.sock' SAVE "
	    ">/dev/null", itest_state());
	cr_assert_eq(system(cmd), 0);
	for (i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "%s/redis", itest_state());
		cr_assert(!found_under(dir, clients[i]), "%s is in Redis' "
		    "files (%s)", clients[i], dir);
		snprintf(dir, sizeof(dir), "%s/data", itest_state());
		cr_assert(!found_under(dir, clients[i]), "%s is in the data "
		    "folder", clients[i]);
		snprintf(dir, sizeof(dir), "%s/redis-limits", itest_state());
		cr_assert(!found_under(dir, clients[i]), "the limits Redis "
		    "wrote %s to disk", clients[i]);
		/* The logs neither: the access log's default format has no
		 * address (nginx-conf/onetimeshare-http.conf). */
		snprintf(dir, sizeof(dir), "%s/log", itest_state());
		cr_assert(!found_under(dir, clients[i]), "%s is in a log",
		    clients[i]);
	}
}

Test(attack, wrong_admin_tokens_are_slowed_down_and_logged_rarely)
{
	enum { TRIES = 300 };
	static const char *const wrong[] = {
		"Authorization: Bearer not-the-admin-token-00000", NULL };
	static const char *const right[] = {
		"Authorization: Bearer " ADMIN_TOKEN, NULL };
	struct http_resp r;
	long lines = log_lines("wrong admin token");
	int i, refused = 0, limited = 0;

	itest_from("127.0.0.51");
	for (i = 0; i < TRIES; i++) {
		cr_assert_eq(http_do("GET", "/api/v1/admin/shares", wrong, NULL,
		    0, &r), 0);
		refused += r.status == 403;
		limited += r.status == 429;
		http_resp_free(&r);
	}
	/* Blocked: even the right token waits for the window. */
	cr_assert_eq(http_do("GET", "/api/v1/admin/shares", right, NULL, 0,
	    &r), 0);
	cr_assert_eq(r.status, 429);
	http_resp_free(&r);
	cr_assert_eq(refused, 10, "%d wrong tokens were checked", refused);
	cr_assert_eq(limited, TRIES - 10);
	cr_assert_leq(log_lines("wrong admin token") - lines, 2,
	    "a log line per wrong token");
	/* Another address is not blocked. */
	itest_from("127.0.0.52");
	cr_assert_eq(http_do("GET", "/api/v1/admin/shares", right, NULL, 0,
	    &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	http_resp_free(&r);
	itest_from(NULL);
}
