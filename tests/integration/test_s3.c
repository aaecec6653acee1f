/*
 * lib/ots_s3 against a real S3 store: Ceph's RADOS Gateway, started by
 * tools/ceph-rgw on loopback (one monitor, one memstore OSD, one
 * gateway).  Every request is signed by libcurl's SigV4; what is put
 * comes back byte for byte, in one PUT or in parts; a GET already under
 * way survives the DELETE its start makes (the one-time claim's order);
 * listings page; a wrong secret and a stopped gateway are refused, and
 * the gateway restarted is used again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <criterion/logging.h>

#include "itest.h"
#include "ots_s3.h"
#include "redis_nodes.h"

static struct ots_s3_conf conf;
static char rgw_dir[1024];
static unsigned rgw_port;

/* The value of NAME=... in the gateway's s3.env into out. */
static void
env_value(const char *text, const char *name, char *out, size_t max)
{
	const char *p = strstr(text, name);
	size_t n;

	cr_assert_not_null(p, "%s missing from s3.env", name);
	p += strlen(name) + 1;
	n = strcspn(p, "\n");
	cr_assert_lt(n, max);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* tools/ceph-rgw, beside tools/dev-stack. */
static const char *
ceph_rgw(void)
{
	static char path[1024];
	const char *ds = getenv("OTS_TEST_DEVSTACK");
	const char *slash;

	cr_assert_not_null(ds);
	slash = strrchr(ds, '/');
	cr_assert_not_null(slash);
	snprintf(path, sizeof(path), "%.*s/ceph-rgw", (int)(slash - ds), ds);
	return path;
}

static void
ceph(const char *what)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s %s %s >>%s.log 2>&1", ceph_rgw(), what,
	    rgw_dir, rgw_dir);
	cr_assert_eq(system(cmd), 0, "tools/ceph-rgw %s failed (%s/log)", what,
	    rgw_dir);
}

static void
rgw_up(void)
{
	char cmd[4096], text[2048], path[1100];
	FILE *f;
	size_t n;

	ha_path(rgw_dir, sizeof(rgw_dir), "rgw");
	/* A test that failed in its set-up left its gateway running. */
	ceph("stop");
	free_ports(&rgw_port, 1);
	snprintf(cmd, sizeof(cmd), "%s start %s %u >/dev/null 2>>%s.log",
	    ceph_rgw(), rgw_dir, rgw_port, rgw_dir);
	cr_assert_eq(system(cmd), 0, "tools/ceph-rgw start failed (%s.log)",
	    rgw_dir);
	snprintf(path, sizeof(path), "%s/s3.env", rgw_dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	memset(&conf, 0, sizeof(conf));
	env_value(text, "OTS_S3_ENDPOINT", conf.sc_endpoint,
	    sizeof(conf.sc_endpoint));
	env_value(text, "OTS_S3_REGION", conf.sc_region,
	    sizeof(conf.sc_region));
	env_value(text, "OTS_S3_ACCESS_KEY", conf.sc_access_key,
	    sizeof(conf.sc_access_key));
	env_value(text, "OTS_S3_SECRET_KEY", conf.sc_secret_key,
	    sizeof(conf.sc_secret_key));
	record_secret(conf.sc_secret_key);
	snprintf(conf.sc_bucket, sizeof(conf.sc_bucket), "ots-test");
	conf.sc_part_size = OTS_S3_PART_MIN;
}

static void
rgw_down(void)
{
	ceph("stop");
}

TestSuite(s3, .init = rgw_up, .fini = rgw_down, .timeout = 240);

static struct ots_s3 *
handle(const struct ots_s3_conf *c)
{
	struct ots_s3 *s = NULL;

	cr_assert_eq(ots_s3_new(c, 5000, &s), OTS_OK);
	cr_assert_eq(ots_s3_make_bucket(s), OTS_OK);
	return s;
}

/* An unnamed file holding p[0..n). */
static int
file_of(const uint8_t *p, size_t n)
{
	int fd = open(itest_state(), O_TMPFILE | O_RDWR, 0600);

	cr_assert(fd >= 0, "O_TMPFILE: %s", strerror(errno));
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	return fd;
}

/* What a GET collected. */
struct got {
	uint8_t *g_data;
	size_t g_len, g_cap;
	uint64_t g_size;	/* what start was told */
	int g_starts;
	struct ots_s3 *g_delete_with;	/* start deletes g_key with this */
	const char *g_key;
	size_t g_fail_after;	/* push fails past this many bytes (0: never) */
};

static enum ots_err
got_start(void *ctx, uint64_t size)
{
	struct got *g = ctx;

	g->g_starts++;
	g->g_size = size;
	if (g->g_delete_with != NULL)
		return ots_s3_delete(g->g_delete_with, g->g_key);
	return OTS_OK;
}

static enum ots_err
got_push(void *ctx, const uint8_t *p, size_t n)
{
	struct got *g = ctx;

	if (g->g_fail_after != 0 && g->g_len + n > g->g_fail_after)
		return OTS_ERR_HANGUP;
	if (g->g_len + n > g->g_cap) {
		g->g_cap = (g->g_len + n) * 2;
		g->g_data = realloc(g->g_data, g->g_cap);
		cr_assert_not_null(g->g_data);
	}
	memcpy(g->g_data + g->g_len, p, n);
	g->g_len += n;
	return OTS_OK;
}

static enum ots_err
get_all(struct ots_s3 *s, const char *key, uint64_t from, struct got *g)
{
	return ots_s3_get(s, key, from, got_start, got_push, g);
}

Test(s3, put_get_head_delete_one_object)
{
	static uint8_t data[300000];
	struct ots_s3 *s = handle(&conf);
	struct got g = { 0 };
	uint64_t size = 0;
	int fd;

	fill_pattern(data, sizeof(data), 1);
	fd = file_of(data, sizeof(data));
	cr_assert_eq(ots_s3_put_fd(s, "files/one", fd, sizeof(data), true),
	    OTS_OK);
	cr_assert_eq(ots_s3_put_fd(s, "files/one", fd, 10, true), OTS_ERR_INVAL,
	    "an exclusive put over an object");
	cr_assert_eq(ots_s3_head(s, "files/one", &size), OTS_OK);
	cr_assert_eq(size, sizeof(data), "the exclusive refusal changed it");
	cr_assert_eq(get_all(s, "files/one", 0, &g), OTS_OK);
	cr_assert_eq(g.g_starts, 1);
	cr_assert_eq(g.g_size, sizeof(data));
	cr_assert_eq(g.g_len, sizeof(data));
	cr_assert_eq(memcmp(g.g_data, data, sizeof(data)), 0);
	free(g.g_data);

	memset(&g, 0, sizeof(g));
	cr_assert_eq(get_all(s, "files/one", 299000, &g), OTS_OK);
	cr_assert_eq(g.g_len, 1000u, "a range from an offset");
	cr_assert_eq(memcmp(g.g_data, data + 299000, 1000), 0);
	free(g.g_data);

	cr_assert_eq(ots_s3_delete(s, "files/one"), OTS_OK);
	cr_assert_eq(ots_s3_delete(s, "files/one"), OTS_OK, "twice");
	cr_assert_eq(ots_s3_head(s, "files/one", &size), OTS_ERR_NOTFOUND);
	memset(&g, 0, sizeof(g));
	cr_assert_eq(get_all(s, "files/one", 0, &g), OTS_ERR_NOTFOUND);
	cr_assert_eq(g.g_starts, 0, "started on a 404");
	cr_assert_eq(ots_s3_put_fd(s, "files/../x", fd, 1, false),
	    OTS_ERR_INVAL);
	close(fd);
	ots_s3_free(s);
}

Test(s3, large_objects_go_up_in_parts)
{
	size_t n = 2 * OTS_S3_PART_MIN + 12345;
	uint8_t *data = malloc(n);
	struct ots_s3 *s = handle(&conf);
	struct got g = { 0 };
	uint64_t size = 0;
	int fd;

	cr_assert_not_null(data);
	fill_pattern(data, n, 2);
	fd = file_of(data, n);
	cr_assert_eq(ots_s3_put_fd(s, "files/big", fd, n, true), OTS_ERR_TOOBIG,
	    "exclusive is one PUT only");
	cr_assert_eq(ots_s3_put_fd(s, "files/big", fd, n, false), OTS_OK);
	cr_assert_eq(ots_s3_head(s, "files/big", &size), OTS_OK);
	cr_assert_eq(size, n);
	cr_assert_eq(get_all(s, "files/big", 0, &g), OTS_OK);
	cr_assert_eq(g.g_len, n);
	cr_assert_eq(memcmp(g.g_data, data, n), 0, "the parts out of order");
	free(g.g_data);

	/* A part whose bytes cannot be read: the upload is aborted, no
	 * object left. */
	cr_assert_eq(ftruncate(fd, OTS_S3_PART_MIN + 10), 0);
	cr_assert_eq(ots_s3_put_fd(s, "files/torn", fd, n, false),
	    OTS_ERR_IO);
	cr_assert_eq(ots_s3_head(s, "files/torn", &size), OTS_ERR_NOTFOUND);
	cr_assert_eq(ots_s3_delete(s, "files/big"), OTS_OK);
	close(fd);
	free(data);
	ots_s3_free(s);
}

/* The one-time claim's order: the GET has its answer, the object is
 * deleted, and only then do bytes flow; they all arrive. */
Test(s3, a_get_under_way_survives_its_delete)
{
	size_t n = 3 * 1024 * 1024 + 7;
	uint8_t *data = malloc(n);
	struct ots_s3 *s = handle(&conf), *other = handle(&conf);
	struct got g = { 0 };
	uint64_t size = 0;
	int fd;

	cr_assert_not_null(data);
	fill_pattern(data, n, 3);
	fd = file_of(data, n);
	cr_assert_eq(ots_s3_put_fd(s, "files/once", fd, n, true), OTS_OK);
	g.g_delete_with = s;
	g.g_key = "files/once";
	cr_assert_eq(get_all(s, "files/once", 0, &g), OTS_OK);
	cr_assert_eq(g.g_starts, 1);
	cr_assert_eq(g.g_len, n, "cut short by the delete");
	cr_assert_eq(memcmp(g.g_data, data, n), 0);
	free(g.g_data);
	cr_assert_eq(ots_s3_head(other, "files/once", &size), OTS_ERR_NOTFOUND,
	    "still there after the GET");

	/* A consumer that stops: the GET ends with its error. */
	cr_assert_eq(ots_s3_put_fd(s, "files/stop", fd, n, true), OTS_OK);
	memset(&g, 0, sizeof(g));
	g.g_fail_after = 100000;
	cr_assert_eq(get_all(s, "files/stop", 0, &g), OTS_ERR_HANGUP);
	cr_assert_leq(g.g_len, 100000u);
	free(g.g_data);
	cr_assert_eq(ots_s3_delete(s, "files/stop"), OTS_OK);
	close(fd);
	free(data);
	ots_s3_free(s);
	ots_s3_free(other);
}

struct seen {
	int s_count;
	uint64_t s_bytes;
	bool s_other;		/* a key outside the prefix */
};

static enum ots_err
saw(void *ctx, const struct ots_s3_object *o)
{
	struct seen *v = ctx;

	v->s_count++;
	v->s_bytes += o->so_size;
	if (strncmp(o->so_key, "list/", 5) != 0 ||
	    o->so_mtime + 600 < (uint64_t)time(NULL))
		v->s_other = true;
	return OTS_OK;
}

Test(s3, listings_page_through_a_prefix)
{
	struct ots_s3 *s = handle(&conf);
	char key[32], token[OTS_S3_TOKEN_MAX], next[OTS_S3_TOKEN_MAX];
	struct seen v = { 0 };
	uint8_t b[100];
	int fd, i, pages = 0;

	fill_pattern(b, sizeof(b), 4);
	fd = file_of(b, sizeof(b));
	for (i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "list/k%d", i);
		cr_assert_eq(ots_s3_put_fd(s, key, fd, (uint64_t)(10 + i),
		    false), OTS_OK);
	}
	cr_assert_eq(ots_s3_put_fd(s, "elsewhere", fd, 5, false), OTS_OK);
	token[0] = '\0';
	do {
		cr_assert_eq(ots_s3_list(s, "list/", token, 3, saw, &v, next),
		    OTS_OK);
		memcpy(token, next, sizeof(token));
		cr_assert_lt(++pages, 10);
	} while (token[0] != '\0');
	cr_assert_eq(pages, 3);
	cr_assert_eq(v.s_count, 7);
	cr_assert_eq(v.s_bytes, 7 * 10 + 21u);
	cr_assert(!v.s_other, "a key outside the prefix, or a bad time");
	for (i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "list/k%d", i);
		cr_assert_eq(ots_s3_delete(s, key), OTS_OK);
	}
	cr_assert_eq(ots_s3_delete(s, "elsewhere"), OTS_OK);
	memset(&v, 0, sizeof(v));
	cr_assert_eq(ots_s3_list(s, "list/", "", 1000, saw, &v, next), OTS_OK);
	cr_assert_eq(v.s_count, 0);
	cr_assert_str_eq(next, "");
	cr_assert_eq(ots_s3_list(s, "list/", "", 0, saw, &v, next),
	    OTS_ERR_INVAL);
	close(fd);
	ots_s3_free(s);
}

Test(s3, wrong_credentials_are_refused_and_store_nothing)
{
	struct ots_s3_conf bad = conf;
	struct ots_s3 *s = handle(&conf), *b = NULL;
	uint64_t size = 0;
	uint8_t x[10] = { 0 };
	int fd = file_of(x, sizeof(x));

	bad.sc_secret_key[0] ^= 1;
	cr_assert_eq(ots_s3_new(&bad, 5000, &b), OTS_OK);
	cr_assert_eq(ots_s3_put_fd(b, "files/nope", fd, sizeof(x), true),
	    OTS_ERR_STORE);
	cr_assert_eq(ots_s3_head(s, "files/nope", &size), OTS_ERR_NOTFOUND);
	cr_assert(log_lines(conf.sc_secret_key) == 0);
	close(fd);
	ots_s3_free(b);
	ots_s3_free(s);
}

/* Only a missing key is "not found": a missing bucket must never make a
 * claim revoke a live share. */
Test(s3, a_missing_bucket_is_a_store_error)
{
	struct ots_s3_conf other = conf;
	struct ots_s3 *s = NULL;
	struct got g = { 0 };

	snprintf(other.sc_bucket, sizeof(other.sc_bucket), "ots-no-such");
	cr_assert_eq(ots_s3_new(&other, 5000, &s), OTS_OK);
	cr_assert_eq(get_all(s, "files/any", 0, &g), OTS_ERR_STORE);
	cr_assert_eq(g.g_starts, 0);
	cr_assert_eq(ots_s3_delete(s, "files/any"), OTS_ERR_STORE);
	ots_s3_free(s);
}

Test(s3, a_stopped_gateway_fails_fast_and_recovers)
{
	struct ots_s3 *s = handle(&conf);
	uint8_t x[64];
	struct timespec t0;
	uint64_t size = 0;
	int fd;

	fill_pattern(x, sizeof(x), 5);
	fd = file_of(x, sizeof(x));
	cr_assert_eq(ots_s3_put_fd(s, "files/kept", fd, sizeof(x), true),
	    OTS_OK);
	ceph("gateway-stop");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(ots_s3_head(s, "files/kept", &size), OTS_ERR_STORE);
	cr_assert_eq(ots_s3_put_fd(s, "files/later", fd, sizeof(x), true),
	    OTS_ERR_STORE);
	cr_assert_lt(ms_since(&t0), 3000, "a refused connection took long");
	ceph("gateway-start");
	/* The same handle, no restart. */
	cr_assert_eq(ots_s3_head(s, "files/kept", &size), OTS_OK);
	cr_assert_eq(size, sizeof(x));
	cr_assert_eq(ots_s3_head(s, "files/later", &size), OTS_ERR_NOTFOUND);
	cr_assert_eq(ots_s3_delete(s, "files/kept"), OTS_OK);
	close(fd);
	ots_s3_free(s);
}

/* ---- The service on the bucket (OTS_STORAGE=s3) ------------------------ */

#include "e2e_client.h"

static void
workers_on_s3(void)
{
	char path[1100];
	struct ots_s3 *s = NULL;
	FILE *f;

	rgw_up();
	cr_assert_eq(ots_s3_new(&conf, 5000, &s), OTS_OK);
	cr_assert_eq(ots_s3_make_bucket(s), OTS_OK);
	ots_s3_free(s);
	/* The secret from a file, as a deployment keeps it, where the
	 * workers' user can read it. */
	snprintf(path, sizeof(path), "%s/run/s3-secret", itest_state());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s\n", conf.sc_secret_key);
	fclose(f);
	cr_assert_eq(chmod(path, 0644), 0);
	devstack("workers-stop");
	setenv("OTS_STORAGE", "s3", 1);
	setenv("OTS_S3_ENDPOINT", conf.sc_endpoint, 1);
	setenv("OTS_S3_BUCKET", conf.sc_bucket, 1);
	setenv("OTS_S3_REGION", conf.sc_region, 1);
	setenv("OTS_S3_ACCESS_KEY", conf.sc_access_key, 1);
	setenv("OTS_S3_SECRET_KEY_FILE", path, 1);
	/* Parts of S3's least size: a few MiB go up in several. */
	setenv("OTS_S3_PART_SIZE", "5M", 1);
	setenv("OTS_UPLOAD_PART_MAX", "5M", 1);
	devstack("workers-start");
}

static void
workers_off_s3(void)
{
	devstack("workers-stop");
	unsetenv("OTS_STORAGE");
	unsetenv("OTS_S3_ENDPOINT");
	unsetenv("OTS_S3_BUCKET");
	unsetenv("OTS_S3_REGION");
	unsetenv("OTS_S3_ACCESS_KEY");
	unsetenv("OTS_S3_SECRET_KEY_FILE");
	unsetenv("OTS_S3_PART_SIZE");
	unsetenv("OTS_UPLOAD_PART_MAX");
	devstack("workers-start");
	rgw_down();
}

TestSuite(s3stack, .init = workers_on_s3, .fini = workers_off_s3,
    .timeout = 240);

/* Does the bucket hold share id's object?  Its bytes into *copy when
 * asked (malloc'd). */
static bool
in_bucket(const char *id, uint8_t **copy, size_t *len)
{
	struct ots_s3 *s = NULL;
	struct got g = { 0 };
	char key[64];
	enum ots_err e;

	snprintf(key, sizeof(key), "files/%s", id);
	cr_assert_eq(ots_s3_new(&conf, 5000, &s), OTS_OK);
	e = get_all(s, key, 0, &g);
	ots_s3_free(s);
	cr_assert(e == OTS_OK || e == OTS_ERR_NOTFOUND, "GET: %d", e);
	if (copy != NULL) {
		*copy = g.g_data;
		*len = g.g_len;
	} else {
		free(g.g_data);
	}
	return e == OTS_OK;
}

/* Does p[0..n) hold the plaintext marker? */
static bool
has_marker(const uint8_t *p, size_t n)
{
	size_t m = strlen(PLAINTEXT_MARKER), i;

	for (i = 0; i + m <= n; i++) {
		if (memcmp(p + i, PLAINTEXT_MARKER, m) == 0)
			return true;
	}
	return false;
}

Test(s3stack, server_side_shares_live_in_the_bucket)
{
	static const size_t sizes[] = { 1000, 11u * 1024 * 1024 + 5 };
	size_t i;

	for (i = 0; i < 2; i++) {
		uint8_t *data = e2e_pattern(sizes[i], (uint32_t)(10 + i));
		uint8_t *copy = NULL;
		size_t clen = 0;
		struct http_resp r;
		struct link l;

		cr_assert_eq(upload_put("s3.bin", data, sizes[i], &l), 201);
		cr_assert(in_bucket(l.id, &copy, &clen), "no object for %zu",
		    sizes[i]);
		cr_assert_gt(clen, sizes[i], "not a container");
		cr_assert(!has_marker(copy, clen), "plaintext in the bucket");
		free(copy);
		cr_assert(!data_has(l.id), "a local copy after the commit");
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		cr_assert_eq(r.len, sizes[i]);
		cr_assert_eq(memcmp(r.body, data, sizes[i]), 0);
		http_resp_free(&r);
		cr_assert(!in_bucket(l.id, NULL, NULL), "claimed, still there");
		cr_assert(!data_has(l.id), "the claim's copy left behind");
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		cr_assert_eq(r.status, 410);
		http_resp_free(&r);
		free(data);
	}
}

/* A server-side claim read with curl, looking at the bucket and the
 * data dir as its first bytes arrive; optionally stopping the gateway
 * then. */
struct watched {
	const char *w_id;
	bool w_stop_gateway;
	bool w_first;		/* the first bytes came */
	bool w_object_then;	/* the object was still in the bucket */
	bool w_copy_then;	/* a copy was in the data dir */
	uint8_t *w_got;
	size_t w_len, w_cap;
};

static size_t
watch_body(char *p, size_t size, size_t n, void *arg)
{
	struct watched *w = arg;
	size_t add = size * n;

	if (!w->w_first) {
		w->w_first = true;
		w->w_object_then = in_bucket(w->w_id, NULL, NULL);
		w->w_copy_then = data_has(w->w_id);
		if (w->w_stop_gateway)
			ceph("gateway-stop");
	}
	if (w->w_len + add > w->w_cap) {
		w->w_cap = (w->w_len + add) * 2;
		w->w_got = realloc(w->w_got, w->w_cap);
		cr_assert_not_null(w->w_got);
	}
	memcpy(w->w_got + w->w_len, p, add);
	w->w_len += add;
	return add;
}

static CURLcode
watched_claim(const struct link *l, struct watched *w, long *status)
{
	char url[512], body[256];
	CURL *c = curl_easy_init();
	CURLcode rc;

	cr_assert_not_null(c);
	snprintf(url, sizeof(url), "%s/d/%s", itest_url(), l->id);
	snprintf(body, sizeof(body), "key=%s", l->key);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, watch_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	/* Slowly enough that the stream is under way when we look. */
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 16384L);
	curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE,
	    (curl_off_t)(8 * 1024 * 1024));
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	return rc;
}

/* A server-side claim streams the object as it arrives: no copy on the
 * host, the object deleted before the first byte; a gateway that stops
 * mid-stream cuts the download, and the share is spent. */
Test(s3stack, a_claim_streams_from_the_bucket_and_deletes_first)
{
	size_t size = 24u * 1024 * 1024 + 3;
	uint8_t *data = e2e_pattern(size, 40);
	struct watched w = { 0 };
	struct http_resp r;
	struct link l;
	long st = 0;
	int i;

	cr_assert_eq(upload_put("stream.bin", data, size, &l), 201);
	w.w_id = l.id;
	cr_assert_eq(watched_claim(&l, &w, &st), CURLE_OK);
	cr_assert_eq(st, 200);
	cr_assert(w.w_first);
	cr_assert(!w.w_object_then, "the object still in the bucket at the "
	    "first byte");
	cr_assert(!w.w_copy_then, "a copy of the object on the host");
	cr_assert_eq(w.w_len, size);
	cr_assert_eq(memcmp(w.w_got, data, size), 0);
	cr_assert(!data_has(l.id));
	free(w.w_got);

	/* The gateway gone mid-download. */
	cr_assert_eq(upload_put("cut.bin", data, size, &l), 201);
	memset(&w, 0, sizeof(w));
	w.w_id = l.id;
	w.w_stop_gateway = true;
	cr_assert_neq(watched_claim(&l, &w, &st), CURLE_OK,
	    "the whole share came with the gateway stopped at its start");
	cr_assert_eq(st, 200);
	cr_assert_lt(w.w_len, size);
	free(w.w_got);
	ceph("gateway-start");
	for (i = 0; i < 50 && st != 410; i++) {
		memset(&r, 0, sizeof(r));
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		st = r.status;
		http_resp_free(&r);
		if (st != 410) {
			cr_assert_eq(st, 503, "after a cut: %ld", st);
			pause_ms(100);
		}
	}
	cr_assert_eq(st, 410, "a share cut off mid-download is not spent");
	cr_assert(!in_bucket(l.id, NULL, NULL));
	free(data);
}

Test(s3stack, end_to_end_shares_live_in_the_bucket)
{
	uint8_t *one = e2e_pattern(70000, 20), *big = e2e_pattern(
	    12u * 1024 * 1024 + 9, 21);
	struct e2e_share s, p;
	struct http_resp r;
	char lease[23];
	long parts;

	/* In one request, its id drawn here. */
	e2e_make(&s, one, 70000, "one.bin", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert(in_bucket(s.id, NULL, NULL));
	/* The same id again: taken, the first share untouched. */
	cr_assert_eq(e2e_put(&s, &r), 409, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, lease), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(r.len, s.clen);
	cr_assert_eq(memcmp(r.body, s.container, s.clen), 0);
	http_resp_free(&r);
	cr_assert(!in_bucket(s.id, NULL, NULL), "leased, still in the bucket");
	/* The lease is this host's copy, as on disk. */
	cr_assert_eq(e2e_lease("GET", s.id, lease, "bytes=100-", &r), 206);
	cr_assert_eq(r.len, s.clen - 100);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);

	/* In parts (three PATCHes), one object; the parts' file gone (other
	 * tests' abandoned uploads may wait for the sweeper). */
	parts = data_uploads();
	cr_assert_eq(e2e_upload_parts(&p, big, 12u * 1024 * 1024 + 9, "big",
	    NULL, 5u * 1024 * 1024), 201);
	cr_assert(in_bucket(p.id, NULL, NULL));
	cr_assert_leq(data_uploads(), parts, "the parts' file left behind");
	cr_assert_eq(e2e_claim(p.id, p.secret, NULL, &r, NULL), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.len, p.clen);
	cr_assert_eq(memcmp(r.body, p.container, p.clen), 0);
	http_resp_free(&r);
	e2e_free(&p);
	free(one);
	free(big);
}

static enum ots_err
count_object(void *ctx, const struct ots_s3_object *o)
{
	(void)o;
	(*(long *)ctx)++;
	return OTS_OK;
}

/* Objects under parts/ID/: an upload's parts kept in the bucket. */
static long
parts_in_bucket(const char *id)
{
	char prefix[64], next[OTS_S3_TOKEN_MAX];
	struct ots_s3 *s = handle(&conf);
	long n = 0;

	snprintf(prefix, sizeof(prefix), "parts/%s/", id);
	cr_assert_eq(ots_s3_list(s, prefix, "", 1000, count_object, &n, next),
	    OTS_OK);
	ots_s3_free(s);
	return n;
}

static void
upload_file_path(const char *id, char *out, size_t max)
{
	snprintf(out, max, "%s/data/uploads/%s.part", itest_state(), id);
}

/* The bytes of a file, malloc'd. */
static uint8_t *
read_whole(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *p;
	int fd = open(path, O_RDONLY);

	cr_assert(fd >= 0, "cannot open %s", path);
	cr_assert_eq(fstat(fd, &sb), 0);
	p = malloc((size_t)sb.st_size + 1);
	cr_assert_not_null(p);
	cr_assert_eq(read(fd, p, (size_t)sb.st_size), sb.st_size);
	close(fd);
	*len = (size_t)sb.st_size;
	return p;
}

/*
 * Each part is kept in the bucket too, so that another host can go on
 * with an upload (tests/hosts/ kills one): here the host loses its part
 * file, then gets back a stale one (its own from before another host
 * went on); either way the next part and the commit are right.
 */
Test(s3stack, an_upload_goes_on_from_the_bucket_without_its_file)
{
	size_t part = 5u * 1024 * 1024, len = 3 * part + 77, old_len = 0;
	uint8_t *data = e2e_pattern(len, 40), *old;
	struct e2e_share s;
	struct http_resp r;
	char id[23], token[23], path[1100];
	FILE *f;

	cr_assert_eq(e2e_create(len, id, token), 201);
	e2e_make(&s, data, len, "moved.bin", NULL, id);
	upload_file_path(id, path, sizeof(path));
	cr_assert_eq(e2e_patch(id, token, 0, s.container, part, &r), 204);
	http_resp_free(&r);
	cr_assert_eq(parts_in_bucket(id), 1);
	old = read_whole(path, &old_len);
	cr_assert_eq(old_len, part);
	/* The part file gone: made again from the bucket. */
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(e2e_patch(id, token, part, s.container + part, part, &r),
	    204, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	cr_assert_eq(parts_in_bucket(id), 2);
	/* A stale one (one part of two): made again too, never filled
	 * with zeros. */
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(old, 1, old_len, f), old_len);
	fclose(f);
	{
		struct stat dir;
		char up[1100];

		/* The workers' own, as it was. */
		snprintf(up, sizeof(up), "%s/data/uploads", itest_state());
		cr_assert_eq(stat(up, &dir), 0);
		cr_assert_eq(chown(path, dir.st_uid, dir.st_gid), 0);
		cr_assert_eq(chmod(path, 0600), 0);
	}
	/* The rest, in parts no larger than the stack's maximum. */
	for (size_t at = 2 * part; at < s.clen; at += part) {
		size_t n = s.clen - at < part ? s.clen - at : part;

		cr_assert_eq(e2e_patch(id, token, at, s.container + at, n, &r),
		    204, "at %zu: %ld %s", at, r.status, r.body);
		http_resp_free(&r);
	}
	/* Gone again before the commit: it is made from the bucket. */
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(e2e_commit(&s, token, &r), 201, "%ld %s", r.status,
	    r.body);
	http_resp_free(&r);
	cr_assert_eq(parts_in_bucket(id), 0, "parts left after the commit");
	cr_assert(access(path, F_OK) != 0, "the part file left behind");
	cr_assert_eq(e2e_claim(id, s.secret, NULL, &r, NULL), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(r.len, s.clen);
	cr_assert_eq(memcmp(r.body, s.container, s.clen), 0);
	http_resp_free(&r);

	/* An abandoned upload's parts go with it. */
	cr_assert_eq(e2e_create(len, id, token), 201);
	cr_assert_eq(e2e_patch(id, token, 0, s.container, part, &r), 204);
	http_resp_free(&r);
	cr_assert_eq(parts_in_bucket(id), 1);
	{
		char p2[96], auth[64];
		const char *h[] = { auth, NULL };

		snprintf(p2, sizeof(p2), "/api/v1/uploads/%s", id);
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		cr_assert_eq(http_do("DELETE", p2, h, NULL, 0, &r), 0);
		cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
		http_resp_free(&r);
	}
	cr_assert_eq(parts_in_bucket(id), 0, "an abandoned upload's parts");
	free(old);
	e2e_free(&s);
	free(data);
}

/* The gateway stopped: 503 with Retry-After, nothing registered, not
 * ready; started again: served, with no restart. */
Test(s3stack, a_stopped_gateway_is_503_and_recovers)
{
	struct snapshot before;
	struct http_resp r;
	struct link l;
	uint8_t b[2000];
	char *ra;
	int i;
	long st = 0;

	fill_pattern(b, sizeof(b), 30);
	cr_assert_eq(upload_put("kept.bin", b, sizeof(b), &l), 201);
	ceph("gateway-stop");
	before = snapshot();
	memset(&r, 0, sizeof(r));
	cr_assert_eq(http_do("PUT", "/api/v1/files/x.bin", NULL, b, sizeof(b),
	    &r), 0);
	cr_assert_eq(r.status, 503, "%ld %s", r.status, r.body);
	ra = http_header(&r, "Retry-After");
	cr_assert_not_null(ra, "503 without Retry-After");
	free(ra);
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 503, "a claim without the store: %ld",
	    r.status);
	http_resp_free(&r);
	cr_assert(stack_unready(), "ready without the store");
	assert_unchanged(before, "requests refused without the store");
	ceph("gateway-start");
	for (i = 0; i < 50 && st != 200; i++) {
		memset(&r, 0, sizeof(r));
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		st = r.status;
		if (st == 200) {
			cr_assert_eq(r.len, sizeof(b));
			cr_assert_eq(memcmp(r.body, b, sizeof(b)), 0);
		} else {
			cr_assert_eq(st, 503);
		}
		http_resp_free(&r);
		if (st != 200)
			pause_ms(100);
	}
	cr_assert_eq(st, 200, "the share not served after the gateway came "
	    "back");
	/* Each worker keeps its last readiness answer for 2 s. */
	pause_ms(2500);
	cr_assert(stack_ready() && stack_ready() && stack_ready(),
	    "not ready again 2.5 s after the gateway");
}

/* An object no share names (an upload that crashed between the put and
 * its registration) is deleted by the sweeper. */
Test(s3stack, orphan_objects_are_swept)
{
	char key[64], id[32];
	struct ots_s3 *s = NULL;
	uint8_t b[100] = { 0 };
	uint64_t size = 0;
	int fd = file_of(b, sizeof(b)), i;
	enum ots_err e = OTS_OK;

	/* A well-formed id (its last character carries no stray bits)
	 * nobody registered. */
	snprintf(id, sizeof(id), "ORPHANorphanORPHAN012A");
	snprintf(key, sizeof(key), "files/%s", id);
	cr_assert_eq(ots_s3_new(&conf, 5000, &s), OTS_OK);
	cr_assert_eq(ots_s3_put_fd(s, key, fd, sizeof(b), true), OTS_OK);
	cr_assert_eq(ots_s3_put_fd(s, "files/not-an-id", fd, 1, false),
	    OTS_OK);
	/* OTS_SWEEP_INTERVAL and _GRACE are 1 s in the tests. */
	for (i = 0; i < 100; i++) {
		e = ots_s3_head(s, key, &size);
		if (e == OTS_ERR_NOTFOUND)
			break;
		pause_ms(100);
	}
	cr_assert_eq(e, OTS_ERR_NOTFOUND, "the orphan is still there");
	cr_assert_eq(ots_s3_head(s, "files/not-an-id", &size), OTS_OK,
	    "the sweeper deleted a name that is not ours");
	cr_assert_eq(ots_s3_delete(s, "files/not-an-id"), OTS_OK);
	close(fd);
	ots_s3_free(s);
}
