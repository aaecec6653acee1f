/*
 * Redis Cluster (docs/OPERATIONS.md, "Redis Cluster"): on a real cluster
 * of three primaries, each with a replica (redis-server, cluster-enabled,
 * made by redis-cli --cluster create), the workers, given one seed,
 * spread shares over every primary, list them all, follow a slot that
 * moves (MOVED) or is moving (ASK), and a primary's failover, answering
 * 503 with Retry-After, never a hang, while a slot has no primary.
 * Everything listens on 127.0.0.1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <hiredis/hiredis.h>

#include "itest.h"
#include "redis_nodes.h"

#define NODES 6
#define PRIMARIES 3

static unsigned port[NODES], bus[NODES];
static pid_t pid[NODES];

static bool
node_ok(unsigned p)
{
	redisReply *r = node_cmd(p, "CLUSTER INFO");
	bool ok = r != NULL && r->type == REDIS_REPLY_STRING &&
	    strstr(r->str, "cluster_state:ok") != NULL;

	if (r != NULL)
		freeReplyObject(r);
	return ok;
}

/* Every node agrees the cluster is up, and every replica has synced
 * (a replica that has not is never promoted). */
static bool
cluster_ready(void)
{
	int i;

	for (i = 0; i < NODES; i++) {
		if (!node_ok(port[i]) ||
		    (!node_is_primary(port[i]) && !node_in_sync(port[i])))
			return false;
	}
	return true;
}

static bool
cluster_ready_all(void)
{
	int i, primaries = 0;

	if (!cluster_ready())
		return false;
	for (i = 0; i < NODES; i++)
		primaries += node_is_primary(port[i]);
	return primaries == PRIMARIES;
}

static void
workers_on_cluster(const char *seeds)
{
	devstack("workers-stop");
	setenv("OTS_REDIS_CLUSTER", seeds, 1);
	devstack("workers-start");
}

static void
cluster_up(void)
{
	char cmd[1024], name[32], dir[1024];
	unsigned ports[2 * NODES];
	size_t n;
	int i;

	free_ports(ports, 2 * NODES);
	for (i = 0; i < NODES; i++) {
		port[i] = ports[i];
		bus[i] = ports[NODES + i];
		snprintf(name, sizeof(name), "c%d", i);
		ha_path(dir, sizeof(dir), name);
		cr_assert(mkdir(dir, 0700) == 0 || errno == EEXIST);
		/* A node that remembers the last test's cluster will not
		 * join a new one. */
		snprintf(cmd, sizeof(cmd), "%.900s/nodes.conf", dir);
		cr_assert(unlink(cmd) == 0 || errno == ENOENT);
		snprintf(name, sizeof(name), "c%d.conf", i);
		ha_write(name, "port %u\ncluster-port %u\nbind 127.0.0.1\n"
		    "protected-mode no\ndaemonize no\ndir %s\n"
		    "cluster-enabled yes\ncluster-config-file nodes.conf\n"
		    "cluster-node-timeout 2000\n"
		    /* The slots of the other primaries keep serving while
		     * one fails over. */
		    "cluster-require-full-coverage no\n"
		    "save \"\"\nappendonly no\nrepl-diskless-sync-delay 0\n",
		    port[i], bus[i], dir);
		pid[i] = ha_start_redis(name, NULL);
	}
	for (i = 0; i < NODES; i++) {
		int tries;

		for (tries = 0; tries < 100; tries++) {
			redisReply *r = node_cmd(port[i], "PING");

			if (r != NULL) {
				freeReplyObject(r);
				break;
			}
			pause_ms(50);
		}
	}
	n = (size_t)snprintf(cmd, sizeof(cmd), "redis-cli --cluster create");
	for (i = 0; i < NODES; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n,
		    " 127.0.0.1:%u", port[i]);
	snprintf(cmd + n, sizeof(cmd) - n, " --cluster-replicas 1 "
	    "--cluster-yes >%s/ha/create.log 2>&1", itest_state());
	cr_assert_eq(system(cmd), 0, "redis-cli --cluster create failed "
	    "(STATE/ha/create.log)");
	cr_assert(wait_until(cluster_ready_all, 30000), "the cluster did not "
	    "come up with 3 primaries and synced replicas (STATE/ha/c*.log)");
}

static void
cluster_down(void)
{
	int i;

	devstack("workers-stop");
	unsetenv("OTS_REDIS_CLUSTER");
	unsetenv("OTS_REDIS_LIMITS_CLUSTER");
	unsetenv("OTS_REDIS_WAIT_REPLICAS");
	unsetenv("OTS_RATE_UPLOAD");
	devstack("workers-start");
	for (i = 0; i < NODES; i++)
		ha_stop(&pid[i]);
}

TestSuite(cluster, .timeout = 180);

/* The slot of share id's keys, as Redis computes it. */
static long
share_slot(const char *id)
{
	redisReply *r = node_cmd(port[0], "CLUSTER KEYSLOT ots:{%s}:s", id);
	long slot;

	cr_assert(r != NULL && r->type == REDIS_REPLY_INTEGER);
	slot = (long)r->integer;
	freeReplyObject(r);
	return slot;
}

/* Index (into port[]) of the primary that holds share id, -1 if none. */
static int
holder(const char *id)
{
	int i;

	for (i = 0; i < NODES; i++) {
		if (node_is_primary(port[i]) && node_holds_share(port[i], id))
			return i;
	}
	return -1;
}

/* Node i's id (CLUSTER MYID), into out. */
static void
node_id(int i, char out[64])
{
	redisReply *r = node_cmd(port[i], "CLUSTER MYID");

	cr_assert(r != NULL && r->type == REDIS_REPLY_STRING && r->len < 64);
	memcpy(out, r->str, r->len + 1);
	freeReplyObject(r);
}

static void
ok_reply(redisReply *r, const char *what)
{
	cr_assert(r != NULL && r->type != REDIS_REPLY_ERROR, "%s: %s", what,
	    r != NULL ? r->str : "no answer");
	freeReplyObject(r);
}

/* Moves every key of slot from primary src to primary dst (MIGRATE,
 * after IMPORTING/MIGRATING); the slot stays marked as moving. */
static void
start_moving(long slot, int src, int dst)
{
	char sid[64], did[64];
	redisReply *keys;
	size_t i;

	node_id(src, sid);
	node_id(dst, did);
	ok_reply(node_cmd(port[dst], "CLUSTER SETSLOT %ld IMPORTING %s", slot,
	    sid), "IMPORTING");
	ok_reply(node_cmd(port[src], "CLUSTER SETSLOT %ld MIGRATING %s", slot,
	    did), "MIGRATING");
	keys = node_cmd(port[src], "CLUSTER GETKEYSINSLOT %ld 100", slot);
	cr_assert(keys != NULL && keys->type == REDIS_REPLY_ARRAY &&
	    keys->elements > 0, "no keys in the slot");
	for (i = 0; i < keys->elements; i++)
		ok_reply(node_cmd(port[src], "MIGRATE 127.0.0.1 %u %s 0 5000",
		    port[dst], keys->element[i]->str), "MIGRATE");
	freeReplyObject(keys);
}

/* The keys of slot that node i holds (whatever the slot's state). */
static long
keys_in_slot(int i, long slot)
{
	redisReply *r = node_cmd(port[i], "CLUSTER COUNTKEYSINSLOT %ld", slot);
	long n;

	cr_assert(r != NULL && r->type == REDIS_REPLY_INTEGER);
	n = (long)r->integer;
	freeReplyObject(r);
	return n;
}

/* Ends the move: every primary says dst owns slot now. */
static void
finish_moving(long slot, int dst)
{
	char did[64];
	int i;

	node_id(dst, did);
	for (i = 0; i < NODES; i++) {
		if (node_is_primary(port[i]))
			ok_reply(node_cmd(port[i], "CLUSTER SETSLOT %ld NODE %s",
			    slot, did), "SETSLOT NODE");
	}
}

static void
claim_is(const struct link *l, const uint8_t *want, size_t n, long status)
{
	struct http_resp r;

	memset(&r, 0, sizeof(r));
	cr_assert_eq(claim(l->id, l->key, &r), 0);
	cr_assert_eq(r.status, status, "claim: %ld %.200s", r.status, r.body);
	if (status == 200) {
		cr_assert_eq(r.len, n);
		cr_assert_eq(memcmp(r.body, want, n), 0);
	}
	http_resp_free(&r);
}

/* Another primary than node i. */
static int
other_primary(int i)
{
	int j;

	for (j = 0; j < NODES; j++) {
		if (j != i && node_is_primary(port[j]))
			return j;
	}
	cr_assert_fail("no other primary");
	return -1;
}

static int
count_keys(unsigned p, const char *pattern)
{
	redisReply *r = node_cmd(p, "KEYS %s", pattern);
	int n;

	cr_assert(r != NULL && r->type == REDIS_REPLY_ARRAY);
	n = (int)r->elements;
	freeReplyObject(r);
	return n;
}

enum { SPREAD = 40 };

/* Given one seed, every primary gets shares; the admin listing walks
 * them all; each is claimed once; the rate windows live in the cluster
 * too. */
Test(cluster, spreads_shares_over_every_primary, .init = cluster_up,
    .fini = cluster_down)
{
	static uint8_t data[SPREAD][512];
	static struct link l[SPREAD];
	static char prefixes[SPREAD][9];
	int per_node[NODES] = { 0 }, seen[SPREAD] = { 0 };
	char seed[32];
	struct http_resp r;
	unsigned long long cursor = 0;
	int i, k, pages = 0, windows = 0;

	snprintf(seed, sizeof(seed), "127.0.0.1:%u", port[0]);
	setenv("OTS_REDIS_LIMITS_CLUSTER", seed, 1);
	setenv("OTS_RATE_UPLOAD", "10000/60s", 1);
	admin_token_on();
	workers_on_cluster(seed);
	for (i = 0; i < SPREAD; i++) {
		fill_pattern(data[i], sizeof(data[i]), (uint32_t)(100 + i));
		cr_assert_eq(upload_put("c.bin", data[i], sizeof(data[i]), &l[i]),
		    201);
		k = holder(l[i].id);
		cr_assert_geq(k, 0, "share %d is on no primary", i);
		per_node[k]++;
		memcpy(prefixes[i], l[i].id, 8);
		prefixes[i][8] = '\0';
	}
	for (i = 0, k = 0; i < NODES; i++) {
		if (node_is_primary(port[i])) {
			cr_assert_gt(per_node[i], 0, "primary %d holds none of "
			    "%d shares", i, SPREAD);
			k++;
			windows += count_keys(port[i], "ots:rl:*");
		}
	}
	cr_assert_eq(k, PRIMARIES);
	cr_assert_gt(windows, 0, "no rate window in the cluster");

	do {
		const char *p, *nc;
		char path[96];

		snprintf(path, sizeof(path), "/api/v1/admin/shares?cursor=%llu",
		    cursor);
		cr_assert_eq(admin_request("GET", path, ADMIN_TOKEN, &r), 200,
		    "%s", r.body);
		for (p = r.body; (p = strstr(p, "\"id_prefix\":\"")) != NULL;
		    p += 13) {
			for (i = 0; i < SPREAD; i++)
				seen[i] += strncmp(p + 13, prefixes[i], 8) == 0;
		}
		nc = strstr(r.body, "\"next_cursor\":");
		cr_assert_not_null(nc, "%s", r.body);
		cursor = strtoull(nc + 14, NULL, 10);
		http_resp_free(&r);
		cr_assert_lt(++pages, 50, "the listing never ends");
	} while (cursor != 0);
	for (i = 0; i < SPREAD; i++)
		cr_assert_gt(seen[i], 0, "share %d (on primary %d) never "
		    "listed", i, holder(l[i].id));
	cr_assert_eq(admin_request("GET", "/api/v1/admin/shares?cursor="
	    "18374686479671623680", ADMIN_TOKEN, &r), 400,
	    "a cursor past the last primary");
	http_resp_free(&r);

	for (i = 0; i < SPREAD; i++) {
		claim_is(&l[i], data[i], sizeof(data[i]), 200);
		claim_is(&l[i], NULL, 0, 410);
	}
	cr_assert(stack_ready());
	unsetenv("OTS_ADMIN_TOKEN_HASH");
}

/* A slot moved while the workers' map still names the old primary
 * (MOVED), and one in the middle of moving, its keys already on the new
 * primary (ASK): claims follow both, once each. */
Test(cluster, follows_moved_and_ask, .init = cluster_up,
    .fini = cluster_down)
{
	static uint8_t a[700], b[700];
	struct http_resp r;
	struct link la, lb;
	char seed[32];
	long sa, sb;
	int src, dst;

	snprintf(seed, sizeof(seed), "127.0.0.1:%u", port[1]);
	workers_on_cluster(seed);
	fill_pattern(a, sizeof(a), 11);
	fill_pattern(b, sizeof(b), 12);
	cr_assert_eq(upload_put("a.bin", a, sizeof(a), &la), 201);
	do {
		cr_assert_eq(upload_put("b.bin", b, sizeof(b), &lb), 201);
	} while (share_slot(lb.id) == share_slot(la.id));
	sa = share_slot(la.id);
	sb = share_slot(lb.id);

	/* MOVED: the whole slot is elsewhere before the next claim. */
	src = holder(la.id);
	cr_assert_geq(src, 0);
	dst = other_primary(src);
	start_moving(sa, src, dst);
	finish_moving(sa, dst);
	cr_assert(node_holds_share(port[dst], la.id));
	cr_assert(!node_holds_share(port[src], la.id));
	claim_is(&la, a, sizeof(a), 200);
	claim_is(&la, NULL, 0, 410);

	/* ASK: the keys moved, the slot still the old primary's. */
	src = holder(lb.id);
	cr_assert_geq(src, 0);
	dst = other_primary(src);
	start_moving(sb, src, dst);
	cr_assert_eq(keys_in_slot(src, sb), 0);
	cr_assert_gt(keys_in_slot(dst, sb), 0);
	claim_is(&lb, b, sizeof(b), 200);
	/* Its share key gone, the receipt alone on the new primary: Redis
	 * answers TRYAGAIN (503) to a script on keys split so, until the
	 * move ends; never the share again. */
	memset(&r, 0, sizeof(r));
	cr_assert_eq(claim(lb.id, lb.key, &r), 0);
	cr_assert(r.status == 410 || r.status == 503, "claimed again while "
	    "its slot moves: %ld", r.status);
	http_resp_free(&r);
	finish_moving(sb, dst);
	claim_is(&lb, NULL, 0, 410);
}

/* One upload, timed; 201 (the link into l) or 503 with Retry-After. */
static long
upload_during(uint8_t *p, size_t n, struct link *l, long *longest)
{
	struct http_resp r;
	struct timespec t0;
	long ms, st;

	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(http_do("PUT", "/api/v1/files/f.bin", NULL, p, n, &r),
	    0);
	ms = ms_since(&t0);
	if (ms > *longest)
		*longest = ms;
	st = r.status;
	if (st == 201) {
		cr_assert(link_parse(r.body, l));
		record_id(l->id);
		record_secret(l->key);
	} else {
		char *ra = http_header(&r, "Retry-After");

		cr_assert_eq(st, 503, "during the failover: %ld %.200s", st,
		    r.body);
		cr_assert_not_null(ra, "503 without Retry-After");
		free(ra);
	}
	http_resp_free(&r);
	return st;
}

/* Claims again, through 503s (5 s at most), until 410. */
static void
claim_settles_gone(const struct link *l)
{
	struct http_resp r;
	long st;
	int i;

	for (i = 0; i < 50; i++) {
		memset(&r, 0, sizeof(r));
		cr_assert_eq(claim(l->id, l->key, &r), 0);
		st = r.status;
		http_resp_free(&r);
		cr_assert(st == 410 || st == 503, "claimed again after the "
		    "failover: %ld", st);
		if (st == 410)
			return;
		pause_ms(100);
	}
	cr_assert_fail("claims still answered 503 after 5 s");
}

/* SIGKILL of the primary that holds a share: the other primaries keep
 * serving, its slots answer 503 until its replica is promoted, then the
 * share is served once. */
Test(cluster, follows_a_primary_failover, .init = cluster_up,
    .fini = cluster_down)
{
	static uint8_t a[900], c[900], u[300];
	struct link la, lc, lu;
	struct http_resp r;
	struct timespec t0;
	char seeds[64];
	long longest = 0;
	int victim, i, ok = 0, refused = 0;
	bool served = false;

	/* Two seeds: the first may be the one that dies. */
	snprintf(seeds, sizeof(seeds), "127.0.0.1:%u,127.0.0.1:%u", port[0],
	    port[1]);
	setenv("OTS_REDIS_WAIT_REPLICAS", "1", 1);
	workers_on_cluster(seeds);
	fill_pattern(a, sizeof(a), 21);
	fill_pattern(c, sizeof(c), 22);
	cr_assert_eq(upload_put("a.bin", a, sizeof(a), &la), 201);
	victim = holder(la.id);
	cr_assert_geq(victim, 0);
	do {
		cr_assert_eq(upload_put("c.bin", c, sizeof(c), &lc), 201);
	} while (holder(lc.id) == victim);

	ha_stop(&pid[victim]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	claim_is(&lc, c, sizeof(c), 200);
	while (ms_since(&t0) < 30000 && !served) {
		fill_pattern(u, sizeof(u), 23);
		if (upload_during(u, sizeof(u), &lu, &longest) == 201)
			ok++;
		else
			refused++;
		memset(&r, 0, sizeof(r));
		cr_assert_eq(claim(la.id, la.key, &r), 0);
		if (r.status == 200) {
			cr_assert_eq(r.len, sizeof(a));
			cr_assert_eq(memcmp(r.body, a, sizeof(a)), 0);
			served = true;
		} else {
			cr_assert_eq(r.status, 503, "claim during the "
			    "failover: %ld %.200s", r.status, r.body);
		}
		http_resp_free(&r);
		pause_ms(100);
	}
	cr_assert(served, "share a not served 30 s after its primary died");
	cr_assert_gt(refused, 0, "no upload refused while a slot had no "
	    "primary");
	cr_assert_gt(ok, 0, "no upload landed on the other primaries");
	cr_assert_lt(longest, 5000, "a request took %ld ms", longest);
	cr_log_info("cluster failover: share served after %ld ms; uploads "
	    "201 %d, 503 %d; longest %ld ms", ms_since(&t0), ok, refused,
	    longest);
	/* Right after the promotion a node may still name the dead
	 * primary for a moment: 503 then, never the share again. */
	claim_settles_gone(&la);
	claim_settles_gone(&lc);
	for (i = 0; i < 50 && !stack_ready(); i++)
		pause_ms(100);
	cr_assert(stack_ready(), "not ready after the failover");
	fill_pattern(u, sizeof(u), 24);
	cr_assert_eq(upload_put("u.bin", u, sizeof(u), &lu), 201);
	claim_is(&lu, u, sizeof(u), 200);
}

static void
workers_back(void)
{
	devstack("workers-stop");
	unsetenv("OTS_REDIS_CLUSTER");
	devstack("workers-start");
}

/* No node answers: 503 at once, ready says no, nothing left. */
Test(cluster, no_node_reachable_is_503, .fini = workers_back)
{
	struct snapshot before = snapshot();
	char list[64];

	dead_addresses(list, sizeof(list));
	workers_on_cluster(list);
	assert_refused_without_redis(before, "no cluster node reachable");
}
