/*
 * Redis Sentinel (docs/OPERATIONS.md, "Redis Sentinel"): the workers
 * find the primary through three real sentinels (redis-server
 * --sentinel), check its ROLE, follow a failover without a restart, and
 * answer 503 with Retry-After, never hang, while there is no primary.
 * Everything listens on 127.0.0.1; the limits Redis stays the stack's.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <hiredis/hiredis.h>

#include "itest.h"

#define MASTER "ots"
/* A name the sentinels monitor at the replica's address: what a stale
 * sentinel would say in the middle of a failover. */
#define WRONG "ots-wrong"
#define NSENTINELS 3

static unsigned primary_port, replica_port, sentinel_port[NSENTINELS];
static pid_t primary_pid, replica_pid, sentinel_pid[NSENTINELS];

/* n ports nothing listens on now, all different: the kernel's picks,
 * held together until the last is chosen, then released. */
static void
free_ports(unsigned *out, int n)
{
	int fds[8], i;

	cr_assert(n <= 8);
	for (i = 0; i < n; i++) {
		struct sockaddr_in a;
		socklen_t len = sizeof(a);

		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert(fds[i] >= 0);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		cr_assert_eq(bind(fds[i], (struct sockaddr *)&a, sizeof(a)),
		    0);
		cr_assert_eq(getsockname(fds[i], (struct sockaddr *)&a, &len),
		    0);
		out[i] = ntohs(a.sin_port);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void
path_of(char *out, size_t max, const char *name)
{
	snprintf(out, max, "%s/ha/%s", itest_state(), name);
}

/* Writes config file name (under STATE/ha) from a format. */
static void
write_conf(const char *name, const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* Starts redis-server on config name (plus --sentinel), logging beside
 * it. */
static pid_t
start_redis(const char *name, bool sentinel)
{
	char conf[1024], log[1100];
	pid_t pid;

	path_of(conf, sizeof(conf), name);
	snprintf(log, sizeof(log), "%s.log", conf);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		/* Gone with the test, even when it dies before ha_down. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
		    freopen(log, "a", stdout) == NULL ||
		    freopen(log, "a", stderr) == NULL)
			_exit(127);
		if (sentinel)
			execlp("redis-server", "redis-server", conf,
			    "--sentinel", (char *)NULL);
		else
			execlp("redis-server", "redis-server", conf,
			    (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

/* A command on the Redis or sentinel at port; NULL when it cannot be
 * reached.  The caller frees the reply. */
static redisReply *
node_cmd(unsigned port, const char *fmt, ...)
{
	struct timeval tv = { 1, 0 };
	redisContext *c;
	redisReply *r;
	va_list ap;

	c = redisConnectWithTimeout("127.0.0.1", (int)port, tv);
	if (c == NULL || c->err != 0) {
		if (c != NULL)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	return r;
}

/* The field of a SENTINEL MASTER reply (flat name, value list), as a
 * number; -1 when missing. */
static long
sentinel_field(unsigned port, const char *name, const char *field)
{
	redisReply *r = node_cmd(port, "SENTINEL MASTER %s", name);
	long v = -1;
	size_t i;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i + 1 < r->elements; i += 2) {
			if (r->element[i]->type == REDIS_REPLY_STRING &&
			    strcmp(r->element[i]->str, field) == 0 &&
			    r->element[i + 1]->type == REDIS_REPLY_STRING)
				v = atol(r->element[i + 1]->str);
		}
	}
	if (r != NULL)
		freeReplyObject(r);
	return v;
}

/* Is the Redis at port a primary (ROLE)? */
static bool
is_primary(unsigned port)
{
	redisReply *r = node_cmd(port, "ROLE");
	bool yes;

	yes = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "master") == 0;
	if (r != NULL)
		freeReplyObject(r);
	return yes;
}

/* Does the Redis at port hold share id? */
static bool
holds_share(unsigned port, const char *id)
{
	redisReply *r = node_cmd(port, "EXISTS ots:{%s}:s", id);
	bool yes = r != NULL && r->type == REDIS_REPLY_INTEGER &&
	    r->integer == 1;

	if (r != NULL)
		freeReplyObject(r);
	return yes;
}

/* Polls until the replica holds share id (5 s at most). */
static bool
replica_gets(const char *id)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (holds_share(replica_port, id))
			return true;
		pause_ms(100);
	}
	return false;
}

static bool
replica_in_sync(void)
{
	redisReply *r = node_cmd(replica_port, "INFO replication");
	bool up = r != NULL && r->type == REDIS_REPLY_STRING &&
	    strstr(r->str, "master_link_status:up") != NULL;

	if (r != NULL)
		freeReplyObject(r);
	return up;
}

static bool
sentinels_ready(void)
{
	int i;

	for (i = 0; i < NSENTINELS; i++) {
		if (sentinel_field(sentinel_port[i], MASTER,
		    "num-other-sentinels") != NSENTINELS - 1 ||
		    sentinel_field(sentinel_port[i], MASTER, "num-slaves") < 1)
			return false;
	}
	return true;
}

static const char *const data_conf =
    "port %u\nbind 127.0.0.1\nprotected-mode no\ndaemonize no\n"
    "dir %s/ha/%s\nsave \"\"\nappendonly no\n"
    "repl-diskless-sync-delay 0\n%s";

/* The workers, restarted with the sentinels as their Redis. */
static void
workers_on_sentinels(const char *master)
{
	char list[256];

	snprintf(list, sizeof(list), "127.0.0.1:%u,127.0.0.1:%u,127.0.0.1:%u",
	    sentinel_port[0], sentinel_port[1], sentinel_port[2]);
	devstack("workers-stop");
	setenv("OTS_REDIS_SENTINELS", list, 1);
	setenv("OTS_REDIS_MASTER_NAME", master, 1);
	devstack("workers-start");
}

/* A primary, its replica and three sentinels, up and agreed. */
static void
ha_up(void)
{
	char dir[1024], replicaof[64], conf[24];
	int i;

	path_of(dir, sizeof(dir), "");
	mkdir(dir, 0700);
	path_of(dir, sizeof(dir), "p");
	mkdir(dir, 0700);
	path_of(dir, sizeof(dir), "r");
	mkdir(dir, 0700);
	unsigned ports[2 + NSENTINELS];

	free_ports(ports, 2 + NSENTINELS);
	primary_port = ports[0];
	replica_port = ports[1];
	for (i = 0; i < NSENTINELS; i++)
		sentinel_port[i] = ports[2 + i];
	write_conf("p.conf", data_conf, primary_port, itest_state(), "p", "");
	snprintf(replicaof, sizeof(replicaof), "replicaof 127.0.0.1 %u\n",
	    primary_port);
	write_conf("r.conf", data_conf, replica_port, itest_state(), "r",
	    replicaof);
	primary_pid = start_redis("p.conf", false);
	replica_pid = start_redis("r.conf", false);
	cr_assert(wait_until(replica_in_sync, 15000),
	    "the replica did not sync (STATE/ha/r.conf.log)");
	/* Each sentinel rewrites its own file: one per sentinel, fresh. */
	for (i = 0; i < NSENTINELS; i++) {
		snprintf(conf, sizeof(conf), "s%d.conf", i);
		write_conf(conf, "port %u\nbind 127.0.0.1\nprotected-mode no\n"
		    "daemonize no\ndir %s/ha\n"
		    "sentinel monitor " MASTER " 127.0.0.1 %u 2\n"
		    "sentinel down-after-milliseconds " MASTER " 1000\n"
		    "sentinel failover-timeout " MASTER " 5000\n"
		    "sentinel monitor " WRONG " 127.0.0.1 %u 2\n"
		    /* Never judged down: no failover of it to hold the
		     * shared epoch up. */
		    "sentinel down-after-milliseconds " WRONG " 3600000\n",
		    sentinel_port[i], itest_state(), primary_port,
		    replica_port);
		sentinel_pid[i] = start_redis(conf, true);
	}
	cr_assert(wait_until(sentinels_ready, 20000),
	    "the sentinels did not find each other and the replica");
}

static void
ha_down(void)
{
	int i;

	devstack("workers-stop");
	unsetenv("OTS_REDIS_SENTINELS");
	unsetenv("OTS_REDIS_MASTER_NAME");
	unsetenv("OTS_REDIS_WAIT_REPLICAS");
	unsetenv("OTS_REDIS_WAIT_MS");
	devstack("workers-start");
	if (replica_pid > 0)
		kill(replica_pid, SIGCONT);
	for (i = 0; i < NSENTINELS; i++)
		stop(&sentinel_pid[i]);
	stop(&primary_pid);
	stop(&replica_pid);
}

TestSuite(sentinel, .timeout = 180);

/* A claim, tried again while it is answered 503: a worker thread that
 * failed a moment ago backs off before it asks the sentinels again
 * (OTS_RDS_BACKOFF_MS), as a client would after Retry-After. */
static void
claim_settled(const struct link *l, struct http_resp *r)
{
	int i;

	for (i = 0; i < 50; i++) {
		memset(r, 0, sizeof(*r));
		cr_assert_eq(claim(l->id, l->key, r), 0);
		if (r->status != 503)
			return;
		http_resp_free(r);
		pause_ms(100);
	}
	cr_assert_fail("claims still answered 503 after 5 s");
}

static void
put_payload(uint8_t *p, size_t n, uint32_t seed, struct link *l)
{
	fill_pattern(p, n, seed);
	cr_assert_eq(upload_put("ha.bin", p, n, l), 201);
}

Test(sentinel, finds_the_primary_and_follows_a_failover, .init = ha_up,
    .fini = ha_down)
{
	static uint8_t a[1024], b[1024], c[1024];
	struct http_resp r;
	struct link la, lb, lc;
	struct timespec t0, t;
	redisReply *w;
	long longest = 0, ms;
	int answered_503 = 0, tries = 0;
	bool recovered = false;

	workers_on_sentinels(MASTER);
	put_payload(a, sizeof(a), 1, &la);
	cr_assert(holds_share(primary_port, la.id),
	    "the share is not on the primary the sentinels name");
	/* On the replica before the primary dies. */
	cr_assert(replica_gets(la.id), "the replica never got share a");

	/* A claim the replica never hears of: replication is
	 * asynchronous, so the promoted replica will think share c still
	 * available.  Its file is gone: it must not be served again. */
	put_payload(c, sizeof(c), 5, &lc);
	cr_assert(replica_gets(lc.id), "the replica never got share c");
	/* Stopped, and its link cut: what the primary writes now never
	 * reaches it (a stopped process still receives into its socket). */
	cr_assert_eq(kill(replica_pid, SIGSTOP), 0);
	w = node_cmd(primary_port, "CLIENT KILL TYPE replica");
	cr_assert(w != NULL && w->type == REDIS_REPLY_INTEGER &&
	    w->integer == 1, "the replica's link was not cut");
	freeReplyObject(w);
	memset(&r, 0, sizeof(r));
	cr_assert_eq(claim(lc.id, lc.key, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);

	stop(&primary_pid);
	cr_assert_eq(kill(replica_pid, SIGCONT), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Until the sentinels promote the replica: each upload answered
	 * at once, 503 with Retry-After (no primary) or 201. */
	while (ms_since(&t0) < 30000) {
		memset(&r, 0, sizeof(r));
		fill_pattern(b, sizeof(b), 2);
		clock_gettime(CLOCK_MONOTONIC, &t);
		cr_assert_eq(http_do("PUT", "/api/v1/files/ha.bin", NULL, b,
		    sizeof(b), &r), 0);
		ms = ms_since(&t);
		if (ms > longest)
			longest = ms;
		tries++;
		if (r.status == 201) {
			cr_assert(link_parse(r.body, &lb));
			record_id(lb.id);
			record_secret(lb.key);
			http_resp_free(&r);
			recovered = true;
			break;
		}
		cr_assert_eq(r.status, 503, "during the failover: %ld",
		    r.status);
		{
			char *ra = http_header(&r, "Retry-After");

			cr_assert_not_null(ra, "503 without Retry-After");
			free(ra);
		}
		answered_503++;
		http_resp_free(&r);
		pause_ms(100);
	}
	cr_assert(recovered, "no upload succeeded 30 s after the primary "
	    "died (%d tries)", tries);
	cr_assert_gt(answered_503, 0, "no 503 while there was no primary");
	cr_assert_lt(longest, 5000, "a request took %ld ms", longest);
	cr_assert(is_primary(replica_port), "the replica was not promoted");
	cr_assert(holds_share(replica_port, lb.id),
	    "the new upload is not on the promoted replica");
	cr_assert(holds_share(replica_port, lc.id), "the claim of share c "
	    "reached the replica: the lost claim was not made");
	cr_log_info("failover: first 201 after %ld ms, %d answers 503, "
	    "longest request %ld ms", ms_since(&t0), answered_503, longest);

	/* The share from before the failover: once, byte for byte. */
	claim_settled(&la, &r);
	cr_assert_eq(r.status, 200, "claim after the failover: %ld %.200s",
	    r.status, r.body);
	cr_assert_eq(r.len, sizeof(a));
	cr_assert_eq(memcmp(r.body, a, sizeof(a)), 0);
	http_resp_free(&r);
	claim_settled(&la, &r);
	cr_assert_eq(r.status, 410, "claimed twice across a failover");
	http_resp_free(&r);
	claim_settled(&lc, &r);
	cr_assert_eq(r.status, 410, "a claim lost in the failover served "
	    "its share again: %ld", r.status);
	http_resp_free(&r);
	claim_settled(&lb, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.len, sizeof(b));
	cr_assert_eq(memcmp(r.body, b, sizeof(b)), 0);
	http_resp_free(&r);
}

/* A timed upload; the link into l.  Returns the status. */
static long
timed_put(const uint8_t *p, size_t n, struct link *l, long *ms)
{
	struct http_resp r;
	struct timespec t0;
	long st;

	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(http_do("PUT", "/api/v1/files/ha.bin", NULL, p, n, &r),
	    0);
	*ms = ms_since(&t0);
	st = r.status;
	if (st == 201) {
		cr_assert(link_parse(r.body, l));
		record_id(l->id);
		record_secret(l->key);
	}
	http_resp_free(&r);
	return st;
}

/* OTS_REDIS_WAIT_REPLICAS: an upload is answered once a replica has it;
 * with the replica stalled, after OTS_REDIS_WAIT_MS all the same, and
 * the log says so. */
Test(sentinel, waits_for_a_replica_before_answering, .init = ha_up,
    .fini = ha_down)
{
	static uint8_t a[1024], b[1024];
	struct http_resp r;
	struct link la, lb;
	long ms, at;

	setenv("OTS_REDIS_WAIT_REPLICAS", "1", 1);
	setenv("OTS_REDIS_WAIT_MS", "1500", 1);
	workers_on_sentinels(MASTER);
	fill_pattern(a, sizeof(a), 6);
	cr_assert_eq(timed_put(a, sizeof(a), &la, &ms), 201);
	cr_assert_lt(ms, 1000, "a replica that keeps up costs %ld ms", ms);
	cr_assert(holds_share(replica_port, la.id),
	    "answered before the replica had it");

	at = log_lines("replicas had the write");
	cr_assert_eq(kill(replica_pid, SIGSTOP), 0);
	fill_pattern(b, sizeof(b), 7);
	cr_assert_eq(timed_put(b, sizeof(b), &lb, &ms), 201);
	cr_assert_eq(kill(replica_pid, SIGCONT), 0);
	cr_assert_geq(ms, 1400, "no WAIT for the stalled replica (%ld ms)",
	    ms);
	cr_assert_lt(ms, 5000);
	cr_assert(wait_until_log("replicas had the write", at + 1, 5000),
	    "the missing acknowledgement is not logged");
	claim_settled(&lb, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(memcmp(r.body, b, sizeof(b)), 0);
	http_resp_free(&r);
}

/* What a stale sentinel names is checked with ROLE: a replica is never
 * written to; the answer is 503 and nothing is left behind. */
Test(sentinel, a_replica_named_as_primary_is_refused, .init = ha_up,
    .fini = ha_down)
{
	struct snapshot before = snapshot();
	uint8_t b[256];
	struct http_resp r;
	long at = log_lines("named is not a primary");

	workers_on_sentinels(WRONG);
	fill_pattern(b, sizeof(b), 3);
	memset(&r, 0, sizeof(r));
	cr_assert_eq(http_do("PUT", "/api/v1/files/ha.bin", NULL, b,
	    sizeof(b), &r), 0);
	cr_assert_eq(r.status, 503, "%ld: %s", r.status, r.body);
	http_resp_free(&r);
	cr_assert(wait_until_log("named is not a primary", at + 1, 5000),
	    "no log line says why");
	assert_unchanged(before, "an upload refused without a primary");
}

static void
workers_back(void)
{
	devstack("workers-stop");
	unsetenv("OTS_REDIS_SENTINELS");
	unsetenv("OTS_REDIS_MASTER_NAME");
	devstack("workers-start");
}

/* No sentinel answers: 503 at once, ready says no, nothing left. */
Test(sentinel, no_sentinel_reachable_is_503, .fini = workers_back)
{
	struct snapshot before = snapshot();
	char list[128];
	uint8_t b[256];
	struct http_resp r;
	struct timespec t0;

	unsigned dead[2];

	free_ports(dead, 2);
	snprintf(list, sizeof(list), "127.0.0.1:%u,127.0.0.1:%u", dead[0],
	    dead[1]);
	devstack("workers-stop");
	setenv("OTS_REDIS_SENTINELS", list, 1);
	setenv("OTS_REDIS_MASTER_NAME", MASTER, 1);
	devstack("workers-start");
	fill_pattern(b, sizeof(b), 4);
	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(http_do("PUT", "/api/v1/files/ha.bin", NULL, b,
	    sizeof(b), &r), 0);
	cr_assert_eq(r.status, 503);
	cr_assert_lt(ms_since(&t0), 3000);
	http_resp_free(&r);
	cr_assert(stack_unready(), "ready while no primary can be found");
	assert_unchanged(before, "an upload refused without sentinels");
}
