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
#include "redis_nodes.h"

#define MASTER "ots"
/* A name the sentinels monitor at the replica's address: what a stale
 * sentinel would say in the middle of a failover. */
#define WRONG "ots-wrong"
#define NSENTINELS 3

static unsigned primary_port, replica_port, sentinel_port[NSENTINELS];
static pid_t primary_pid, replica_pid, sentinel_pid[NSENTINELS];

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

/* Polls until the replica holds share id (5 s at most). */
static bool
replica_gets(const char *id)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (node_holds_share(replica_port, id))
			return true;
		pause_ms(100);
	}
	return false;
}

static bool
replica_in_sync(void)
{
	return node_in_sync(replica_port);
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

	ha_path(dir, sizeof(dir), "p");
	mkdir(dir, 0700);
	ha_path(dir, sizeof(dir), "r");
	mkdir(dir, 0700);
	unsigned ports[2 + NSENTINELS];

	free_ports(ports, 2 + NSENTINELS);
	primary_port = ports[0];
	replica_port = ports[1];
	for (i = 0; i < NSENTINELS; i++)
		sentinel_port[i] = ports[2 + i];
	ha_write("p.conf", data_conf, primary_port, itest_state(), "p", "");
	snprintf(replicaof, sizeof(replicaof), "replicaof 127.0.0.1 %u\n",
	    primary_port);
	ha_write("r.conf", data_conf, replica_port, itest_state(), "r",
	    replicaof);
	primary_pid = ha_start_redis("p.conf", NULL);
	replica_pid = ha_start_redis("r.conf", NULL);
	cr_assert(wait_until(replica_in_sync, 15000),
	    "the replica did not sync (STATE/ha/r.conf.log)");
	/* Each sentinel rewrites its own file: one per sentinel, fresh. */
	for (i = 0; i < NSENTINELS; i++) {
		snprintf(conf, sizeof(conf), "s%d.conf", i);
		ha_write(conf, "port %u\nbind 127.0.0.1\nprotected-mode no\n"
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
		sentinel_pid[i] = ha_start_redis(conf, "--sentinel");
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
		ha_stop(&sentinel_pid[i]);
	ha_stop(&primary_pid);
	ha_stop(&replica_pid);
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
	cr_assert(node_holds_share(primary_port, la.id),
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

	ha_stop(&primary_pid);
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
	cr_assert(node_is_primary(replica_port), "the replica was not promoted");
	cr_assert(node_holds_share(replica_port, lb.id),
	    "the new upload is not on the promoted replica");
	cr_assert(node_holds_share(replica_port, lc.id), "the claim of share c "
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
	cr_assert(node_holds_share(replica_port, la.id),
	    "answered before the replica had it");

	at = log_lines("had the write within");
	cr_assert_eq(kill(replica_pid, SIGSTOP), 0);
	fill_pattern(b, sizeof(b), 7);
	cr_assert_eq(timed_put(b, sizeof(b), &lb, &ms), 201);
	cr_assert_eq(kill(replica_pid, SIGCONT), 0);
	cr_assert_geq(ms, 1400, "no WAIT for the stalled replica (%ld ms)",
	    ms);
	cr_assert_lt(ms, 5000);
	cr_assert(wait_until_log("had the write within", at + 1, 5000),
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

	dead_addresses(list, sizeof(list));
	devstack("workers-stop");
	setenv("OTS_REDIS_SENTINELS", list, 1);
	setenv("OTS_REDIS_MASTER_NAME", MASTER, 1);
	devstack("workers-start");
	assert_refused_without_redis(before, "no sentinel reachable");
}
