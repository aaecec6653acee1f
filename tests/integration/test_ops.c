/*
 * Operations against the real stack: metrics across processes, the
 * admin API and its token, configuration checks, and a worker killed
 * under load.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "e2e_client.h"
#include "itest.h"

#define M_UPLOADS "ots_uploads_total{mode=\"server\"}"
#define M_WON "ots_claims_total{result=\"won\",mode=\"server\"}"
#define M_GONE "ots_claims_total{result=\"gone\",mode=\"server\"}"

static void
admin_on(void)
{
	admin_token_on();
	devstack("workers-stop");
	devstack("workers-start");
}

static void
admin_off(void)
{
	unsetenv("OTS_ADMIN_TOKEN_HASH");
	devstack("workers-stop");
	devstack("workers-start");
}

TestSuite(ops, .timeout = 120, .init = admin_on, .fini = admin_off);

Test(ops, metrics_count_traffic_across_processes)
{
	struct timespec flush = { 2, 200000000 };
	char *before, *after;
	struct http_resp r;
	struct link l;
	int i;

	before = metrics_scrape();
	/* Many requests over fresh connections reach both workers. */
	for (i = 0; i < 10; i++) {
		cr_assert_eq(upload_put("metric.txt", "0123456789", 10, &l), 201);
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		cr_assert_eq(r.status, 200);
		http_resp_free(&r);
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		cr_assert_eq(r.status, 410);
		http_resp_free(&r);
	}
	nanosleep(&flush, NULL);	/* each process flushes every second */
	after = metrics_scrape();
	cr_assert_eq(metric_value(after, M_UPLOADS) -
	    metric_value(before, M_UPLOADS), 10, "%s", after);
	cr_assert_eq(metric_value(after, M_WON) -
	    metric_value(before, M_WON), 10);
	cr_assert_eq(metric_value(after, M_GONE) -
	    metric_value(before, M_GONE), 10);
	cr_assert_eq(metric_value(after, "ots_http_responses_total{status=\"201\"}") -
	    metric_value(before, "ots_http_responses_total{status=\"201\"}"), 10);
	cr_assert_geq(metric_value(after, "ots_bytes_sent_total") -
	    metric_value(before, "ots_bytes_sent_total"), 100);
	cr_assert_eq(metric_value(after,
	    "ots_request_duration_seconds_count{route=\"/d/{id}\"}") -
	    metric_value(before,
	    "ots_request_duration_seconds_count{route=\"/d/{id}\"}"), 20);
	cr_assert(strstr(after, "ots_request_duration_seconds_bucket{route="
	    "\"/d/{id}\",le=\"+Inf\"}") != NULL);
	cr_assert(strstr(after, "ots_stored_bytes ") != NULL);
	/* Every route of the table has its label, and so has no route. */
	cr_assert(strstr(after, "ots_request_duration_seconds_count{route="
	    "\"/api/v1/uploads/{id}/commit\"}") != NULL);
	cr_assert(strstr(after, "ots_request_duration_seconds_count{route="
	    "\"/api/v1/leases/{id}\"}") != NULL);
	cr_assert(strstr(after, "ots_request_duration_seconds_count{route="
	    "\"-\"}") != NULL);
	free(before);
	free(after);
}

Test(ops, admin_api_needs_the_token)
{
	struct http_resp r;

	cr_assert_eq(admin_request("GET", "/api/v1/admin/shares", NULL, &r),
	    401);
	http_resp_free(&r);
	cr_assert_eq(admin_request("GET", "/api/v1/admin/shares",
	    "not-the-admin-token", &r), 403);
	http_resp_free(&r);
	cr_assert_eq(admin_request("DELETE",
	    "/api/v1/admin/shares/AAAAAAAAAAAA", "nope", &r), 403);
	http_resp_free(&r);
	cr_assert_eq(admin_request("GET", "/api/v1/admin/shares", ADMIN_TOKEN,
	    &r), 200);
	cr_assert(strstr(r.body, "\"shares\":[") != NULL);
	http_resp_free(&r);
}

Test(ops, admin_lists_without_names_and_revokes_by_prefix)
{
	struct http_resp r;
	struct link l;
	char path[128], prefix[9];

	cr_assert_eq(upload_put("Quarterly-Secret-Plan.pdf", "plan", 4, &l),
	    201);
	memcpy(prefix, l.id, 8);
	prefix[8] = '\0';
	cr_assert_eq(admin_request("GET", "/api/v1/admin/shares", ADMIN_TOKEN,
	    &r), 200);
	cr_assert(strstr(r.body, prefix) != NULL, "%s", r.body);
	cr_assert(strstr(r.body, l.id) == NULL, "the full id was listed");
	cr_assert(strstr(r.body, "Quarterly") == NULL, "a name was listed");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/admin/shares/%s", prefix);
	cr_assert_eq(admin_request("DELETE", path, ADMIN_TOKEN, &r), 200);
	http_resp_free(&r);
	cr_assert(!data_has(l.id));
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410);
	cr_assert(strstr(r.body, "revoked") != NULL);
	http_resp_free(&r);
	cr_assert_eq(admin_request("DELETE", path, ADMIN_TOKEN, &r), 404);
	http_resp_free(&r);
	cr_assert_eq(admin_request("DELETE", "/api/v1/admin/shares/short",
	    ADMIN_TOKEN, &r), 400);
	http_resp_free(&r);
}

/* The admin list's entry for the share whose id starts with prefix,
 * malloc'd (NULL when not listed). */
static char *
admin_entry(const char *id)
{
	struct http_resp r;
	char pat[32], *entry = NULL;
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"id_prefix\":\"%.8s\"", id);
	cr_assert_eq(admin_request("GET", "/api/v1/admin/shares", ADMIN_TOKEN,
	    &r), 200);
	if ((p = strstr(r.body, pat)) != NULL &&
	    (end = strchr(p, '}')) != NULL)
		entry = strndup(p, (size_t)(end - p));
	http_resp_free(&r);
	return entry;
}

Test(ops, admin_list_says_each_shares_mode)
{
	struct e2e_share s;
	struct http_resp r;
	struct link l;
	char *entry;

	cr_assert_eq(upload_put("mode.txt", "m", 1, &l), 201);
	e2e_make(&s, "e", 1, "Secret-E2E-Name.txt", NULL, NULL);
	record_secret("Secret-E2E-Name");
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	entry = admin_entry(l.id);
	cr_assert(entry != NULL && strstr(entry, "\"mode\":\"server\"") !=
	    NULL, "%s", entry);
	free(entry);
	entry = admin_entry(s.id);
	cr_assert(entry != NULL && strstr(entry, "\"mode\":\"e2e\"") != NULL,
	    "%s", entry);
	free(entry);
	e2e_free(&s);
}

/* Counts the id prefixes of one admin page into seen; the next cursor. */
static unsigned long long
admin_page(unsigned long long cursor, char (*prefixes)[9], int n, int *seen)
{
	struct http_resp r;
	char path[96];
	const char *p, *nc;
	int i;

	snprintf(path, sizeof(path), "/api/v1/admin/shares?cursor=%llu",
	    cursor);
	cr_assert_eq(admin_request("GET", path, ADMIN_TOKEN, &r), 200);
	for (p = r.body; (p = strstr(p, "\"id_prefix\":\"")) != NULL;
	    p += 13) {
		for (i = 0; i < n; i++) {
			if (strncmp(p + 13, prefixes[i], 8) == 0)
				seen[i]++;
		}
	}
	nc = strstr(r.body, "\"next_cursor\":");
	cr_assert(nc != NULL, "%s", r.body);
	cursor = strtoull(nc + 14, NULL, 10);
	http_resp_free(&r);
	return cursor;
}

Test(ops, admin_pages_list_every_share_once)
{
	enum { SHARES = 518 };
	static char prefixes[SHARES][9];
	static int seen[SHARES];
	struct link l;
	unsigned long long cursor = 0;
	int i, pages = 0, missing = 0;

	for (i = 0; i < SHARES; i++) {
		cr_assert_eq(upload_put("page.txt", "p", 1, &l), 201);
		memcpy(prefixes[i], l.id, 8);
		prefixes[i][8] = '\0';
	}
	do {
		cursor = admin_page(cursor, prefixes, SHARES, seen);
		pages++;
		cr_assert_lt(pages, 100, "the listing never ends");
	} while (cursor != 0);
	cr_assert_gt(pages, 1, "one page held everything: paging untested");
	for (i = 0; i < SHARES; i++) {
		if (seen[i] == 0)
			missing++;
	}
	/* SCAN may return an element twice, never skip a live one. */
	cr_assert_eq(missing, 0, "%d of %d shares were never listed "
	    "(%d pages)", missing, SHARES, pages);
}

/* Runs the binary's --check-config with one more variable; its status. */
static int
check_config(const char *assignment, char *out, size_t size)
{
	char cmd[2048];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "env %s %s --check-config 2>&1",
	    assignment, itest_binary());
	p = popen(cmd, "r");
	cr_assert(p != NULL);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(ops, every_bad_setting_is_refused_by_name)
{
	static const char *const bad[] = { "OTS_REDIS=nowhere",
		"OTS_REDIS_TIMEOUT_MS=5", "OTS_DATA_DIR=relative/dir",
		"OTS_BASE_URL=ftp://x", "OTS_MAX_SIZE=huge",
		"OTS_EXPIRY_MIN=10d", "OTS_EXPIRY_DEFAULT=1y",
		"OTS_TOMBSTONE_TTL=5", "OTS_ARGON2_MEMORY=1K",
		"OTS_ARGON2_TIME=0", "OTS_ARGON2_LANES=9",
		"OTS_ARGON2_CONCURRENCY=0", "OTS_PASSWORD_MAX=0",
		"OTS_PASSWORD_ATTEMPTS=0", "OTS_RATE_UPLOAD=fast",
		"OTS_TRUSTED_PROXIES=10.0.0.0/99", "OTS_SWEEP_INTERVAL=2h",
		"OTS_ADMIN_TOKEN_HASH=abc", "OTS_DURABLE=yes", "OTS_THREADS=0",
		"OTS_DRAIN_MS=-1", "OTS_LOG_LEVEL=loud" };
	char out[4096], name[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(check_config(bad[i], out, sizeof(out)), 2,
		    "%s was accepted", bad[i]);
		snprintf(name, sizeof(name), "%.*s",
		    (int)strcspn(bad[i], "="), bad[i]);
		cr_assert(strstr(out, name) != NULL, "%s: message does not name "
		    "it: %s", bad[i], out);
	}
	cr_assert_eq(check_config("OTS_REDIS_PASSWORD=hunter2hunter2", out,
	    sizeof(out)), 0);
	cr_assert(strstr(out, "hunter2hunter2") == NULL, "a secret was shown");
	cr_assert(strstr(out, "OTS_REDIS_PASSWORD=(set, hidden)") != NULL);
}

static bool
worker1_gone(void)
{
	return worker_socket_refuses(1);
}

Test(ops, a_killed_worker_loses_nothing)
{
	enum { ROUNDS = 60 };
	static struct link links[ROUNDS];
	struct http_resp r;
	int i, ok = 0, failed = 0;

	for (i = 0; i < ROUNDS; i++)
		cr_assert_eq(upload_put("kill.txt", "survivor", 8, &links[i]),
		    201);
	/* Kill one worker mid-stream; nginx routes around it. */
	for (i = 0; i < ROUNDS; i++) {
		/* Kill worker 1 between two claims, so that none is in
		 * flight in it (a request in flight in a killed worker may
		 * fail: nginx never replays a POST); wait until the kernel
		 * has closed its socket. */
		if (i == ROUNDS / 3) {
			cr_assert_eq(kill((pid_t)worker_pid(1), SIGKILL), 0);
			cr_assert(wait_until(worker1_gone, 5000));
		}
		cr_assert_eq(claim(links[i].id, links[i].key, &r), 0);
		if (r.status == 200) {
			cr_assert_str_eq(r.body, "survivor");
			ok++;
		} else {
			failed++;
		}
		http_resp_free(&r);
	}
	/* Only requests in flight at the kill may fail; none here was. */
	cr_assert_eq(failed, 0, "%d claims failed after the kill", failed);
	cr_assert_eq(ok, ROUNDS);
	for (i = 0; i < ROUNDS; i++) {
		cr_assert_eq(claim(links[i].id, links[i].key, &r), 0);
		cr_assert_eq(r.status, 410, "share %d served twice", i);
		http_resp_free(&r);
	}
	devstack("workers-start");	/* what systemd's Restart= does */
}
