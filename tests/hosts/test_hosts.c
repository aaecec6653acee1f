/*
 * Several hosts (tests/hosts/run, tests/hosts/lab): two app hosts behind
 * an nginx load balancer, on Redis Sentinel or a Redis Cluster and a Ceph
 * S3 gateway, each in its own network namespace.  This program runs in
 * the balancer's namespace: OTS_TEST_URL is the balancer, the app hosts
 * are reached directly where a test must choose one.
 *
 * Suite hosts (on Sentinel, then on the Cluster): a thousand concurrent
 * claims through both hosts have one winner; a primary SIGKILLed in a
 * claim storm serves no share twice; a stopped gateway is 503 and loses
 * nothing.  Suite hostfail (on Sentinel): an app host killed in an
 * upload or a download.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <curl/curl.h>

#include "e2e_client.h"
#include "itest.h"
#include "redis_nodes.h"

#define HOST1 "http://10.250.71.21:8080"
#define HOST2 "http://10.250.71.22:8080"

static void heal(void);

TestSuite(hosts, .init = heal, .timeout = 300);
TestSuite(hostfail, .init = heal, .timeout = 300);

/* Runs "tests/hosts/lab VERB DIR ARGS" on this lab; its status. */
static int
lab(const char *verb, const char *args)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s %s %s %s >/dev/null", getenv("OTS_LAB"),
	    verb, getenv("OTS_LAB_DIR"), args != NULL ? args : "");
	return system(cmd);
}

/* Requests go to base (a host, or NULL: the balancer) from now on. */
static void
aim_at(const char *base)
{
	static char lb[128];

	if (lb[0] == '\0')
		snprintf(lb, sizeof(lb), "%s", itest_url());
	setenv("OTS_TEST_URL", base != NULL ? base : lb, 1);
}

static long
ready_status(void)
{
	struct http_resp r;
	long s;

	if (http_do("GET", "/health/ready", NULL, NULL, 0, &r) != 0) {
		http_resp_free(&r);
		return 0;
	}
	s = r.status;
	http_resp_free(&r);
	return s;
}

/* Both hosts answer /health/ready 200, within ms. */
static bool
hosts_ready(unsigned ms)
{
	const char *const bases[] = { HOST1, HOST2 };
	struct timespec t0;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 2; i++) {
		aim_at(bases[i]);
		while (ready_status() != 200) {
			if (ms_since(&t0) > (long)ms) {
				aim_at(NULL);
				return false;
			}
			pause_ms(100);
		}
	}
	aim_at(NULL);
	return true;
}

/*
 * Each test starts on a whole lab: what a failed test before it left
 * killed or stopped is started again (lab heal), so one failure stays one.
 */
static void
heal(void)
{
	cr_assert_eq(lab("heal", NULL), 0, "the lab could not be healed");
	cr_assert(hosts_ready(30000), "hosts not ready after heal");
}

/* "POST /d/{id}" lines in host n's access log: the claims it answered. */
static long
claims_on_host(int n)
{
	char path[1024], line[512];
	long count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/app%d/log/nginx-access.log",
	    getenv("OTS_LAB_DIR"), n);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "\"POST /d/{id}\"") != NULL)
			count++;
	fclose(f);
	return count;
}

/* --- many claims at once ------------------------------------------------- */

struct share {
	struct link s_link;
	uint8_t s_data[2048];
	int s_served;		/* 200s with the right bytes, over every round */
};

struct claimer {
	CURL *c_easy;
	char c_body[128];
	uint8_t *c_got;
	size_t c_len;
	size_t c_cap;
	struct share *c_share;
};

static size_t
keep_bytes(char *data, size_t size, size_t n, void *ctx)
{
	struct claimer *cl = ctx;
	size_t add = size * n;

	if (cl->c_len + add > cl->c_cap) {
		size_t cap = (cl->c_len + add) * 2;
		uint8_t *p = realloc(cl->c_got, cap);

		if (p == NULL)
			return 0;
		cl->c_got = p;
		cl->c_cap = cap;
	}
	memcpy(cl->c_got + cl->c_len, data, add);
	cl->c_len += add;
	return add;
}

/* Tally of one storm's answers. */
struct tally {
	int t_ok;		/* 200 with the share's bytes */
	int t_gone;		/* 410 */
	int t_busy;		/* 503 */
	int t_other;
	long t_first_other;
};

/*
 * Claims shares[i] for each i in which[0..n) at once, through the
 * balancer, one connection each; counts each share's deliveries in
 * s_served.  A 200 with other bytes than the share's is a failure.
 */
static struct tally
storm(struct share *shares, const int *which, int n)
{
	struct claimer *cl = calloc((size_t)n, sizeof(*cl));
	struct tally t = { 0, 0, 0, 0, 0 };
	CURLM *m = curl_multi_init();
	int running = 0, i;

	cr_assert(cl != NULL && m != NULL);
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)n);
	for (i = 0; i < n; i++) {
		char url[256];

		cl[i].c_share = &shares[which[i]];
		snprintf(url, sizeof(url), "%s/d/%s", itest_url(),
		    cl[i].c_share->s_link.id);
		snprintf(cl[i].c_body, sizeof(cl[i].c_body), "key=%s",
		    cl[i].c_share->s_link.key);
		cl[i].c_easy = curl_easy_init();
		curl_easy_setopt(cl[i].c_easy, CURLOPT_URL, url);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_POSTFIELDS,
		    cl[i].c_body);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_WRITEFUNCTION,
		    keep_bytes);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_WRITEDATA, &cl[i]);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_FORBID_REUSE, 1L);
		curl_multi_add_handle(m, cl[i].c_easy);
	}
	do {
		curl_multi_perform(m, &running);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running > 0);
	for (i = 0; i < n; i++) {
		struct share *s = cl[i].c_share;
		long status = 0;

		curl_easy_getinfo(cl[i].c_easy, CURLINFO_RESPONSE_CODE,
		    &status);
		if (status == 200) {
			cr_assert(cl[i].c_len == sizeof(s->s_data) &&
			    memcmp(cl[i].c_got, s->s_data,
			    sizeof(s->s_data)) == 0,
			    "a 200 of %zu bytes that are not the share's",
			    cl[i].c_len);
			s->s_served++;
			t.t_ok++;
		} else if (status == 410) {
			t.t_gone++;
		} else if (status == 503) {
			t.t_busy++;
		} else {
			if (t.t_other++ == 0)
				t.t_first_other = status;
		}
		free(cl[i].c_got);
		curl_multi_remove_handle(m, cl[i].c_easy);
		curl_easy_cleanup(cl[i].c_easy);
	}
	curl_multi_cleanup(m);
	free(cl);
	return t;
}

static void
make_shares(struct share *shares, int n, uint32_t seed)
{
	int i;

	for (i = 0; i < n; i++) {
		memset(&shares[i], 0, sizeof(shares[i]));
		fill_pattern(shares[i].s_data, sizeof(shares[i].s_data),
		    seed + (uint32_t)i);
		cr_assert_eq(upload_put("h.bin", shares[i].s_data,
		    sizeof(shares[i].s_data), &shares[i].s_link), 201);
	}
}

#define STORM 1000

Test(hosts, a_thousand_concurrent_claims_have_one_winner)
{
	static int which[STORM];
	struct share s;
	long before1 = claims_on_host(1), before2 = claims_on_host(2);
	struct tally t;

	cr_assert(hosts_ready(20000), "the hosts are not ready");
	make_shares(&s, 1, 7);
	memset(which, 0, sizeof(which));
	t = storm(&s, which, STORM);
	cr_assert_eq(t.t_ok, 1, "%d winners, %d gone, %d busy, %d other "
	    "(first %ld)", t.t_ok, t.t_gone, t.t_busy, t.t_other,
	    t.t_first_other);
	cr_assert_eq(t.t_gone, STORM - 1, "%d gone, %d busy, %d other "
	    "(first %ld)", t.t_gone, t.t_busy, t.t_other, t.t_first_other);
	/* The balancer spread them: both hosts took part in the race. */
	cr_assert_gt(claims_on_host(1) - before1, STORM / 10);
	cr_assert_gt(claims_on_host(2) - before2, STORM / 10);
}

/* The failover storm: round one before, round two across the kill. */
#define FSHARES 60

struct round_arg {
	struct share *ra_shares;
	int *ra_which;
	int ra_n;
	struct tally ra_tally;
};

static void *
round_thread(void *p)
{
	struct round_arg *a = p;

	a->ra_tally = storm(a->ra_shares, a->ra_which, a->ra_n);
	return NULL;
}

/* Where each host's app log ended at some moment. */
struct log_mark {
	long lm_off[2];
};

static void
app_log_path(int n, char *path, size_t len)
{
	snprintf(path, len, "%s/app%d/log/app.log", getenv("OTS_LAB_DIR"), n);
}

static struct log_mark
app_log_mark(void)
{
	struct log_mark m = { { 0, 0 } };
	char path[1024];
	int n;

	for (n = 1; n <= 2; n++) {
		FILE *f;

		app_log_path(n, path, sizeof(path));
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) == 0)
			m.lm_off[n - 1] = ftell(f);
		fclose(f);
	}
	return m;
}

/* Lines holding needle in both hosts' app logs since mark. */
static long
app_log_lines(const char *needle, const struct log_mark *mark)
{
	char path[1024], line[2048];
	long count = 0;
	int n;

	for (n = 1; n <= 2; n++) {
		FILE *f;

		app_log_path(n, path, sizeof(path));
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fseek(f, mark->lm_off[n - 1], SEEK_SET) == 0)
			while (fgets(line, sizeof(line), f) != NULL)
				if (strstr(line, needle) != NULL)
					count++;
		fclose(f);
	}
	return count;
}

/* Uploads through the balancer while a primary dies: those answered 201. */
#define UPLOADS 150

struct uploads {
	struct share u_sh[UPLOADS];
	int u_answered;		/* 201s, kept in u_sh[0..u_answered) */
	int u_refused;		/* 503s */
	int u_other;
	long u_first_other;
	atomic_bool u_stop;	/* set once the claim storm is over */
};

/* Uploads one after the other until told to stop (or UPLOADS made). */
static void *
upload_thread(void *p)
{
	struct uploads *u = p;
	int i;

	for (i = 0; i < UPLOADS && !atomic_load(&u->u_stop); i++) {
		struct share *sh = &u->u_sh[u->u_answered];
		long st;

		memset(sh, 0, sizeof(*sh));
		fill_pattern(sh->s_data, sizeof(sh->s_data), 5000u + (uint32_t)i);
		st = upload_put("u.bin", sh->s_data, sizeof(sh->s_data),
		    &sh->s_link);
		if (st == 201)
			u->u_answered++;
		else if (st == 503)
			u->u_refused++;
		else if (u->u_other++ == 0)
			u->u_first_other = st;
		pause_ms(20);
	}
	return NULL;
}

/*
 * Claims every share in shares[0..n) not served yet, again while some
 * answer 503, for up to 20 s; the tally of the last storm.  Each is
 * claimed once at a time, so a 410 is a share lost, not a race lost.
 */
static struct tally
claim_each_until_settled(struct share *shares, int n, int *which)
{
	struct timespec t0;
	struct tally t = { 0, 0, 0, 0, 0 }, last;
	int i, k;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0, k = 0; i < n; i++)
			if (shares[i].s_served == 0)
				which[k++] = i;
		if (k == 0)
			break;
		last = storm(shares, which, k);
		t.t_ok += last.t_ok;
		t.t_gone += last.t_gone;
		t.t_other += last.t_other;
		if (last.t_other > 0 && t.t_first_other == 0)
			t.t_first_other = last.t_first_other;
		t.t_busy = last.t_busy;
		if (last.t_busy > 0)
			pause_ms(500);
	} while (last.t_busy > 0 && ms_since(&t0) < 20000);
	return t;
}

/* The port of the Redis node tests/hosts/lab primary-kill killed last. */
static void
killed_port(char *port, size_t len)
{
	char path[1024], line[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/svc/killed", getenv("OTS_LAB_DIR"));
	f = fopen(path, "r");
	cr_assert(f != NULL, "lab: no %s", path);
	while (fgets(line, sizeof(line), f) != NULL)
		;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	cr_assert(line[0] != '\0', "lab: no killed port in %s", path);
	snprintf(port, len, "%s", line);
}

Test(hosts, a_primary_killed_in_a_claim_storm_serves_no_share_twice)
{
	static struct uploads up;
	static int up_which[UPLOADS];
	pthread_t up_th;
	struct log_mark mark = app_log_mark();
	char port[16], needle[64];
	long short_waits;
	static struct share sh[FSHARES];
	static int which[2 * FSHARES];
	struct round_arg two;
	struct timespec t0;
	struct tally t;
	pthread_t th;
	char key[64];
	int i, half = FSHARES / 2, left;

	cr_assert(hosts_ready(20000), "the hosts are not ready");
	make_shares(sh, FSHARES, 1000);
	/* Round one, all primaries up: each share twice, once served. */
	for (i = 0; i < 2 * half; i++)
		which[i] = i / 2;
	t = storm(sh, which, 2 * half);
	cr_assert_eq(t.t_ok, half, "round one: %d served, %d gone, %d busy, "
	    "%d other (first %ld)", t.t_ok, t.t_gone, t.t_busy, t.t_other,
	    t.t_first_other);

	/* Round two on the other half, the primary (of its first share's
	 * slot) SIGKILLed as it runs. */
	for (i = 0; i < 2 * half; i++)
		which[i] = half + i / 2;
	two = (struct round_arg){ sh, which, 2 * half, { 0, 0, 0, 0, 0 } };
	/* Uploads one after another from before the kill until the killed
	 * node is back. */
	memset(&up, 0, sizeof(up));
	atomic_init(&up.u_stop, false);
	cr_assert_eq(pthread_create(&up_th, NULL, upload_thread, &up), 0);
	pause_ms(500);
	cr_assert_eq(pthread_create(&th, NULL, round_thread, &two), 0);
	pause_ms(20);
	snprintf(key, sizeof(key), "{%.40s}", sh[half].s_link.id);
	cr_assert_eq(lab("primary-kill", key), 0);
	killed_port(port, sizeof(port));
	/* Only a wait cut short on the primary that died can lose a write
	 * (its log line names the node). */
	snprintf(needle, sizeof(needle), ":%s had the write", port);
	pthread_join(th, NULL);
	/* The replica promoted (Sentinel ~3 s, Cluster ~4 s), then the
	 * killed node back as its replica, so that nothing after this
	 * waits out OTS_REDIS_WAIT_MS for a replica. */
	cr_assert_eq(lab("failover-wait", NULL), 0);
	cr_assert(hosts_ready(30000), "no host ready after the failover");
	cr_assert_eq(lab("redis-revive", NULL), 0);
	cr_assert(hosts_ready(20000));
	pause_ms(500);
	atomic_store(&up.u_stop, true);
	pthread_join(up_th, NULL);

	/* Round three on every share until no 503 is left: a share served
	 * in round one or two is never served again; one not served yet
	 * may be now, once. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < 2 * FSHARES; i++)
			which[i] = i / 2;
		t = storm(sh, which, 2 * FSHARES);
		cr_assert_eq(t.t_other, 0, "round three: %d other (first %ld)",
		    t.t_other, t.t_first_other);
		left = t.t_busy;
		if (left > 0)
			pause_ms(500);
	} while (left > 0 && ms_since(&t0) < 20000);
	cr_assert_eq(left, 0, "%d claims still 503 20 s after the failover",
	    left);
	for (i = 0; i < FSHARES; i++)
		cr_assert_leq(sh[i].s_served, 1, "share %d served %d times", i,
		    sh[i].s_served);
	for (i = 0; i < half; i++)
		cr_assert_eq(sh[i].s_served, 1, "a share claimed before the "
		    "failover came back: %d", i);
	/* A claim may be consumed and lost in the kill (never twice); most
	 * are served. */
	{
		int served = 0;

		for (i = half; i < FSHARES; i++)
			served += sh[i].s_served;
		cr_assert_geq(served, half * 3 / 4, "only %d of %d shares of "
		    "round two served at all", served, half);
	}
	/* Every upload answered 201 across the kill is there, once: each
	 * was on the replica before its answer (OTS_REDIS_WAIT_REPLICAS=1),
	 * unless the log says the wait ran out on the primary that died
	 * (docs/SECURITY.md). */
	cr_assert_gt(up.u_answered, 0, "no upload answered at all");
	cr_assert_eq(up.u_other, 0, "%d uploads answered neither 201 nor "
	    "503 (first %ld)", up.u_other, up.u_first_other);
	t = claim_each_until_settled(up.u_sh, up.u_answered, up_which);
	short_waits = app_log_lines(needle, &mark);
	cr_assert_eq(t.t_other, 0, "an answered upload claimed: first %ld",
	    t.t_first_other);
	cr_assert_eq(t.t_busy, 0, "%d answered uploads still 503 20 s after "
	    "the failover", t.t_busy);
	cr_assert_leq(up.u_answered - t.t_ok, short_waits, "%d of %d answered "
	    "uploads lost (%d gone) with %ld waits cut short on the killed "
	    "primary", up.u_answered - t.t_ok, up.u_answered, t.t_gone,
	    short_waits);
	cr_log_info("uploads across the kill: %d answered, %d refused (503), "
	    "%d claimed after; %ld waits cut short on the killed primary",
	    up.u_answered, up.u_refused, t.t_ok, short_waits);
}

Test(hosts, a_stopped_gateway_is_503_and_loses_nothing)
{
	struct share before, after;
	struct http_resp r;
	struct link l;
	char *retry;

	cr_assert(hosts_ready(20000), "the hosts are not ready");
	make_shares(&before, 1, 3000);
	cr_assert_eq(lab("gateway-stop", NULL), 0);
	/* An upload and a claim, on both hosts. */
	aim_at(HOST1);
	cr_assert_eq(upload_put("g.bin", before.s_data, 100, &l), 503);
	aim_at(HOST2);
	cr_assert_eq(upload_put("g.bin", before.s_data, 100, &l), 503);
	cr_assert_eq(claim(before.s_link.id, before.s_link.key, &r), 0);
	cr_assert_eq(r.status, 503, "%ld %s", r.status, r.body);
	retry = http_header(&r, "Retry-After");
	cr_assert_not_null(retry);
	free(retry);
	http_resp_free(&r);
	aim_at(HOST1);
	cr_assert_eq(claim(before.s_link.id, before.s_link.key, &r), 0);
	cr_assert_eq(r.status, 503);
	http_resp_free(&r);
	aim_at(NULL);

	cr_assert_eq(lab("gateway-start", NULL), 0);
	cr_assert(hosts_ready(20000), "no host ready after the gateway came "
	    "back");
	/* The share was not consumed by the failed claims. */
	cr_assert_eq(claim(before.s_link.id, before.s_link.key, &r), 0);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_eq(r.len, sizeof(before.s_data));
	cr_assert(memcmp(r.body, before.s_data, r.len) == 0);
	http_resp_free(&r);
	make_shares(&after, 1, 3001);
	cr_assert_eq(claim(after.s_link.id, after.s_link.key, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
}

/* --- an app host dies ---------------------------------------------------- */

#define PART (5u << 20)

Test(hostfail, a_host_killed_in_an_upload_is_resumed_on_the_other)
{
	size_t len = 2 * PART + 4321;
	uint8_t *data = e2e_pattern(len, 11), *plain = NULL;
	struct e2e_share s;
	struct http_resp r;
	char id[23], token[23], lease[24];
	size_t plain_len = 0;
	uint64_t off;

	cr_assert(hosts_ready(20000), "the hosts are not ready");
	/* Created and the first part sent on host 1 ... */
	aim_at(HOST1);
	cr_assert_eq(e2e_create(len, id, token), 201);
	e2e_make(&s, data, len, "resumed.bin", NULL, id);
	cr_assert_eq(e2e_patch(id, token, 0, s.container, PART, &r), 204);
	http_resp_free(&r);
	/* ... which dies; the rest goes through the balancer, to host 2. */
	cr_assert_eq(lab("host-kill", "1"), 0);
	aim_at(NULL);
	for (off = PART; off < s.clen; off += PART) {
		size_t n = s.clen - off < PART ? s.clen - off : PART;

		cr_assert_eq(e2e_patch(id, token, off, s.container + off, n,
		    &r), 204, "part at %llu: %ld %s", (unsigned long long)off,
		    r.status, r.body);
		http_resp_free(&r);
	}
	cr_assert_eq(e2e_commit(&s, token, &r), 201, "%ld %s", r.status,
	    r.body);
	http_resp_free(&r);
	/* Claimed and read back whole. */
	cr_assert_eq(e2e_claim(id, s.secret, NULL, &r, lease), 0);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_eq(r.len, s.clen);
	cr_assert(e2e_open(id, s.secret, NULL, NULL, r.body, r.len, &plain,
	    &plain_len));
	cr_assert_eq(plain_len, len);
	cr_assert(memcmp(plain, data, len) == 0);
	http_resp_free(&r);
	free(plain);
	e2e_free(&s);
	free(data);
	cr_assert_eq(lab("host-start", "1"), 0);
	cr_assert(hosts_ready(20000));
}

/* A download read slowly from one host, in a thread: its bytes and its
 * lease token (an end-to-end claim's). */
struct slow_get {
	char sg_url[256];
	char sg_body[128];
	char sg_token[24];
	uint8_t *sg_data;	/* sg_max bytes, or NULL: only counted */
	size_t sg_max;
	size_t sg_got;
	long sg_status;
	CURLcode sg_rc;
};

static size_t
slow_bytes(char *data, size_t size, size_t n, void *ctx)
{
	struct slow_get *g = ctx;
	size_t add = size * n, at = g->sg_got;

	if (g->sg_data != NULL) {
		if (at + add > g->sg_max)
			return 0;
		memcpy(g->sg_data + at, data, add);
	}
	__atomic_store_n(&g->sg_got, at + add, __ATOMIC_RELEASE);
	return add;
}

static size_t
slow_header(char *data, size_t size, size_t n, void *ctx)
{
	static const char name[] = "x-lease-token: ";
	struct slow_get *g = ctx;
	size_t len = size * n;

	if (len > sizeof(name) - 1 && len < sizeof(name) + 30 &&
	    strncasecmp(data, name, sizeof(name) - 1) == 0) {
		size_t t = len - (sizeof(name) - 1);

		while (t > 0 && (data[sizeof(name) - 2 + t] == '\r' ||
		    data[sizeof(name) - 2 + t] == '\n'))
			t--;
		memcpy(g->sg_token, data + sizeof(name) - 1, t);
		g->sg_token[t] = '\0';
	}
	return len;
}

static void *
slow_get_thread(void *p)
{
	struct slow_get *g = p;
	CURL *c = curl_easy_init();

	curl_easy_setopt(c, CURLOPT_URL, g->sg_url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, g->sg_body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, slow_bytes);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, slow_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, g);
	curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)1 << 20);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	g->sg_rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &g->sg_status);
	curl_easy_cleanup(c);
	return NULL;
}

static size_t
got_so_far(struct slow_get *g)
{
	return __atomic_load_n(&g->sg_got, __ATOMIC_ACQUIRE);
}

/* Waits up to 10 s for the slow download to have n bytes. */
static void
wait_for_bytes(struct slow_get *g, size_t n)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got_so_far(g) < n && ms_since(&t0) < 10000)
		pause_ms(20);
	cr_assert_geq(got_so_far(g), n, "the download did not start");
}

Test(hostfail, a_host_killed_in_a_download_never_serves_it_again)
{
	size_t len = 16u << 20;
	uint8_t *data = e2e_pattern(len, 21);
	struct slow_get g;
	struct http_resp r;
	struct link l;
	pthread_t th;

	cr_assert(hosts_ready(20000), "the hosts are not ready");
	cr_assert_eq(upload_put("cut.bin", data, len, &l), 201);
	/* Claimed from host 1, read at 1 MiB/s, host 1 killed at 2 MiB. */
	memset(&g, 0, sizeof(g));
	snprintf(g.sg_url, sizeof(g.sg_url), HOST1 "/d/%s", l.id);
	snprintf(g.sg_body, sizeof(g.sg_body), "key=%s", l.key);
	cr_assert_eq(pthread_create(&th, NULL, slow_get_thread, &g), 0);
	wait_for_bytes(&g, 2u << 20);
	cr_assert_eq(lab("host-kill", "1"), 0);
	pthread_join(th, NULL);
	cr_assert_eq(g.sg_status, 200);
	cr_assert_neq(g.sg_rc, CURLE_OK, "the download was not cut");
	cr_assert_lt(g.sg_got, len);
	/* Gone: the other host does not serve it from the start again. */
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	cr_assert_eq(lab("host-start", "1"), 0);
	cr_assert(hosts_ready(20000));
	aim_at(HOST1);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	aim_at(NULL);
	free(data);
}

Test(hostfail, a_lease_cut_by_a_dead_host_resumes_there_once_it_is_back)
{
	size_t len = 8u << 20, have;
	uint8_t *data = e2e_pattern(len, 31), *plain = NULL;
	struct e2e_share s;
	struct slow_get g;
	struct http_resp r;
	char link[44], range[64];
	size_t plain_len = 0;
	pthread_t th;

	cr_assert(hosts_ready(20000), "the hosts are not ready");
	e2e_make(&s, data, len, "lease.bin", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	/* Claimed on host 1 with the link proof, read slowly, host 1
	 * killed after 1 MiB. */
	memset(&g, 0, sizeof(g));
	g.sg_data = malloc(s.clen);
	g.sg_max = s.clen;
	cr_assert_not_null(g.sg_data);
	e2e_proofs(s.id, s.secret, NULL, NULL, link, NULL);
	snprintf(g.sg_url, sizeof(g.sg_url), HOST1 "/d/%s", s.id);
	snprintf(g.sg_body, sizeof(g.sg_body), "link_proof=%s", link);
	cr_assert_eq(pthread_create(&th, NULL, slow_get_thread, &g), 0);
	wait_for_bytes(&g, 1u << 20);
	cr_assert_eq(lab("host-kill", "1"), 0);
	pthread_join(th, NULL);
	cr_assert_eq(g.sg_status, 200);
	cr_assert_neq(g.sg_rc, CURLE_OK, "the download was not cut");
	cr_assert(g.sg_token[0] != '\0', "no lease token in the claim");
	record_secret(g.sg_token);
	have = got_so_far(&g);
	cr_assert_lt(have, s.clen);

	/* The claim is spent: no host serves the share from the start. */
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, NULL), 0);
	cr_assert_eq(r.status, 410, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	/* The other host has no copy of the leased file: a clear refusal,
	 * and the lease is not spent by it. */
	snprintf(range, sizeof(range), "bytes=%zu-", have);
	aim_at(HOST2);
	cr_assert_eq(e2e_lease("GET", s.id, g.sg_token, range, &r), 404,
	    "%ld %s", r.status, r.body);
	cr_assert(strstr(r.body, "lease_not_here") != NULL, "%s", r.body);
	http_resp_free(&r);

	/* Host 1 back within the lease: through the balancer, whichever
	 * host it picks, the rest comes from host 1. */
	cr_assert_eq(lab("host-start", "1"), 0);
	cr_assert(hosts_ready(20000));
	aim_at(NULL);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(e2e_lease("GET", s.id, g.sg_token, range, &r), 206,
		    "try %d: %ld %s", i, r.status, r.body);
		cr_assert_eq(have + r.len, s.clen);
		memcpy(g.sg_data + have, r.body, r.len);
		http_resp_free(&r);
	}
	cr_assert(e2e_open(s.id, s.secret, NULL, NULL, g.sg_data, s.clen,
	    &plain, &plain_len));
	cr_assert_eq(plain_len, len);
	cr_assert(memcmp(plain, data, len) == 0);
	/* Confirmed on host 2: the lease ends everywhere, and host 1's
	 * sweeper removes its file. */
	aim_at(HOST2);
	cr_assert_eq(e2e_lease("DELETE", s.id, g.sg_token, NULL, &r), 204,
	    "%ld %s", r.status, r.body);
	http_resp_free(&r);
	aim_at(NULL);
	cr_assert_neq(e2e_lease("GET", s.id, g.sg_token, range, &r), 206);
	http_resp_free(&r);
	{
		char leased[1200];
		struct timespec t0;

		snprintf(leased, sizeof(leased), "%s/app1/data-now/ots-lease/%s",
		    getenv("OTS_LAB_DIR"), s.id);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (access(leased, F_OK) == 0 && ms_since(&t0) < 10000)
			pause_ms(100);
		cr_assert(access(leased, F_OK) != 0,
		    "host 1 kept the file of a lease ended on host 2");
	}
	aim_at(NULL);
	free(plain);
	free(g.sg_data);
	e2e_free(&s);
	free(data);
}
