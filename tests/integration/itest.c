#include "itest.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <hiredis/hiredis.h>

const char *
itest_url(void)
{
	const char *u = getenv("OTS_TEST_URL");

	cr_assert(u != NULL, "OTS_TEST_URL unset: run via tests/integration/run");
	return u;
}

const char *
itest_state(void)
{
	const char *s = getenv("OTS_TEST_STATE");

	cr_assert(s != NULL, "OTS_TEST_STATE unset");
	return s;
}

struct sink {
	char *p;
	size_t len;
};

static size_t
collect(char *data, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t add = size * n;
	char *np = realloc(s->p, s->len + add + 1);

	if (np == NULL)
		return 0;
	memcpy(np + s->len, data, add);
	s->p = np;
	s->len += add;
	s->p[s->len] = '\0';
	return add;
}

static size_t
discard(char *data, size_t size, size_t n, void *ctx)
{
	(void)data;
	(void)ctx;
	return size * n;
}

/* This thread's client address (NULL: the kernel's choice, 127.0.0.1). */
static __thread const char *source_addr;

void
itest_from(const char *addr)
{
	source_addr = addr;
}

int
http_do(const char *method, const char *path, hdrs_t headers,
    const void *body, size_t len, struct http_resp *out)
{
	struct sink b = { NULL, 0 }, h = { NULL, 0 };
	struct curl_slist *hl = NULL;
	char url[4096];
	CURL *c;
	CURLcode rc;
	size_t i;

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s%s", itest_url(), path);
	c = curl_easy_init();
	cr_assert(c != NULL);
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	/* curl adds "Expect: 100-continue" to large bodies; keep it simple. */
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (source_addr != NULL)
		curl_easy_setopt(c, CURLOPT_INTERFACE, source_addr);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	out->body = b.p != NULL ? b.p : calloc(1, 1);
	out->len = b.len;
	out->headers = h.p != NULL ? h.p : calloc(1, 1);
	return (int)rc;
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

char *
http_header(const struct http_resp *r, const char *name)
{
	size_t n = strlen(name);
	const char *line = r->headers;

	while (line != NULL && *line != '\0') {
		const char *end = strstr(line, "\r\n");
		size_t llen = end != NULL ? (size_t)(end - line) : strlen(line);

		if (llen > n && strncasecmp(line, name, n) == 0 &&
		    line[n] == ':') {
			const char *v = line + n + 1;

			while (*v == ' ')
				v++;
			return strndup(v, llen - (size_t)(v - line));
		}
		line = end != NULL ? end + 2 : NULL;
	}
	return NULL;
}

static void
record_to(const char *file, const char *s)
{
	char path[1024];
	FILE *f;

	if (strlen(s) < 8 || strchr(s, '\n') != NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", itest_state(), file);
	f = fopen(path, "a");
	if (f == NULL)
		return;
	fprintf(f, "%s\n", s);
	fclose(f);
}

void
record_secret(const char *s)
{
	record_to("used-secrets", s);
}

void
record_id(const char *id)
{
	record_to("used-ids", id);
}

/*
 * A text payload is plaintext that must never be at rest or in a log:
 * record it when it is long enough to look for (binary payloads carry
 * PLAINTEXT_MARKER instead, from fill_pattern).
 */
static void
record_payload(const void *data, size_t len)
{
	char text[256];
	size_t i;

	if (len < 8 || len >= sizeof(text))
		return;
	for (i = 0; i < len; i++) {
		unsigned char ch = ((const unsigned char *)data)[i];

		if (ch < 0x20 || ch > 0x7e)
			return;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	record_secret(text);
}

bool
link_parse(const char *text, struct link *l)
{
	const char *d = strstr(text, "/d/");
	const char *hash;
	size_t idlen, keylen;

	memset(l, 0, sizeof(*l));
	if (d == NULL)
		return false;
	d += 3;
	hash = strchr(d, '#');
	if (hash == NULL)
		return false;
	idlen = (size_t)(hash - d);
	keylen = strcspn(hash + 1, "\r\n\" ");
	if (idlen >= sizeof(l->id) || keylen >= sizeof(l->key))
		return false;
	memcpy(l->id, d, idlen);
	memcpy(l->key, hash + 1, keylen);
	record_id(l->id);
	record_secret(l->key);
	return idlen == 22 && keylen == 22;
}

long
upload_put(const char *name, const void *data, size_t len, struct link *l)
{
	struct http_resp r;
	char path[1024];
	long status;

	snprintf(path, sizeof(path), "/api/v1/files/%s", name);
	record_secret(name);
	record_payload(data, len);
	cr_assert_eq(http_do("PUT", path, NULL, data, len, &r), 0);
	status = r.status;
	if (status == 201 && l != NULL)
		cr_assert(link_parse(r.body, l), "bad link: %s", r.body);
	http_resp_free(&r);
	return status;
}

int
claim(const char *id, const char *key, struct http_resp *out)
{
	char path[256], body[256];
	static const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };

	snprintf(path, sizeof(path), "/d/%s", id);
	snprintf(body, sizeof(body), "key=%s", key);
	return http_do("POST", path, h, body, strlen(body), out);
}

static redisContext *
redis_open(void)
{
	char sock[1024];
	redisContext *c;

	snprintf(sock, sizeof(sock), "%s/run/redis.sock", itest_state());
	c = redisConnectUnix(sock);
	cr_assert(c != NULL && c->err == 0, "cannot reach test redis");
	return c;
}

long
redis_count(const char *pattern)
{
	redisContext *c = redis_open();
	redisReply *r;
	long n;

	r = redisCommand(c, "KEYS %s", pattern);
	cr_assert(r != NULL && r->type == REDIS_REPLY_ARRAY);
	n = (long)r->elements;
	freeReplyObject(r);
	redisFree(c);
	return n;
}

void
redis_exec(const char *fmt, ...)
{
	redisContext *c = redis_open();
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	cr_assert(r != NULL && r->type != REDIS_REPLY_ERROR, "redis: %s",
	    r != NULL && r->str != NULL ? r->str : "no reply");
	freeReplyObject(r);
	redisFree(c);
}

static long
count_dir(const char *sub)
{
	char path[1024];
	DIR *d;
	struct dirent *e;
	long n = 0;

	snprintf(path, sizeof(path), "%s/data/%s", itest_state(), sub);
	d = opendir(path);
	cr_assert(d != NULL, "cannot open %s", path);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n;
}

long
data_files(void)
{
	return count_dir("files");
}

long
data_tmp(void)
{
	return count_dir("tmp");
}

bool
data_has(const char *id)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/data/files/%s", itest_state(), id);
	return stat(path, &st) == 0;
}

bool
data_leased(const char *id)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/data/ots-lease/%s", itest_state(),
	    id);
	return stat(path, &st) == 0;
}

void
devstack(const char *args)
{
	char cmd[2048];
	const char *ds = getenv("OTS_TEST_DEVSTACK");

	cr_assert(ds != NULL);
	snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", ds, args);
	cr_assert_eq(system(cmd), 0, "dev-stack %s failed", args);
}

int
raw_connect(void)
{
	const char *u = itest_url();
	const char *colon = strrchr(u, ':');
	struct sockaddr_in sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	if (source_addr != NULL) {
		struct sockaddr_in from;

		memset(&from, 0, sizeof(from));
		from.sin_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, source_addr, &from.sin_addr), 1);
		cr_assert_eq(bind(fd, (struct sockaddr *)&from, sizeof(from)),
		    0, "cannot bind %s", source_addr);
	}
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

int
raw_request(const void *req, size_t len, bool close_early)
{
	char buf[4096];
	const char *p = req;
	int fd = raw_connect();
	ssize_t n;
	size_t got = 0;
	int status = 0;
	struct timeval tv = { 10, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (close_early) {
		close(fd);
		return 0;
	}
	while (got < sizeof(buf) - 1) {
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got) != NULL)
			break;
	}
	buf[got] = '\0';
	if (strncmp(buf, "HTTP/1.", 7) == 0 && got > 12)
		status = (int)strtol(buf + 9, NULL, 10);
	close(fd);
	return status;
}

void
fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
	for (i = 0; i + sizeof(PLAINTEXT_MARKER) - 1 <= n; i += 4096)
		memcpy(p + i, PLAINTEXT_MARKER, sizeof(PLAINTEXT_MARKER) - 1);
}

bool
wait_until_log(const char *needle, long at_least, unsigned ms)
{
	unsigned waited = 0;

	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (log_lines(needle) >= at_least)
			return true;
		if (waited >= ms)
			return false;
		nanosleep(&ts, NULL);
		waited += 50;
	}
}

bool
wait_until(bool (*cond)(void), unsigned ms)
{
	unsigned waited = 0;

	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (cond())
			return true;
		if (waited >= ms)
			return false;
		nanosleep(&ts, NULL);
		waited += 50;
	}
}

void
multi_post(const char *path, const char *const *bodies, int n,
    long *statuses)
{
	CURL **easy = calloc((size_t)n, sizeof(*easy));
	char url[1024];
	CURLM *m = curl_multi_init();
	int running = 0, i;

	cr_assert(easy != NULL && m != NULL);
	snprintf(url, sizeof(url), "%s%s", itest_url(), path);
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)n);
	for (i = 0; i < n; i++) {
		easy[i] = curl_easy_init();
		curl_easy_setopt(easy[i], CURLOPT_URL, url);
		curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS, bodies[i]);
		curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(easy[i], CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(easy[i], CURLOPT_FORBID_REUSE, 1L);
		if (source_addr != NULL)
			curl_easy_setopt(easy[i], CURLOPT_INTERFACE,
			    source_addr);
		curl_multi_add_handle(m, easy[i]);
	}
	do {
		curl_multi_perform(m, &running);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running > 0);
	for (i = 0; i < n; i++) {
		statuses[i] = 0;
		curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE,
		    &statuses[i]);
		curl_multi_remove_handle(m, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	curl_multi_cleanup(m);
	free(easy);
}

long
upload_pw(const char *password, const void *data, size_t len,
    struct link *l, char *owner, size_t owner_size)
{
	char pwh[3400];
	const char *const h[] = { pwh, "Accept: application/json", NULL };
	struct http_resp r;
	long status;

	char *enc = curl_easy_escape(NULL, password, 0);

	/* X-Password is percent-encoded (docs/API.md). */
	cr_assert(enc != NULL);
	snprintf(pwh, sizeof(pwh), "X-Password: %s", enc);
	curl_free(enc);
	record_secret(password);
	record_payload(data, len);
	cr_assert_eq(http_do("PUT", "/api/v1/files/p.txt", h, data, len, &r),
	    0);
	status = r.status;
	if (status == 201) {
		cr_assert(link_parse(r.body, l), "bad link: %s", r.body);
		if (owner != NULL) {
			const char *o = strstr(r.body, "\"owner_token\":\"");

			cr_assert(o != NULL);
			o += strlen("\"owner_token\":\"");
			cr_assert(owner_size > 22);
			memcpy(owner, o, 22);
			owner[22] = '\0';
			record_secret(owner);
		}
	}
	http_resp_free(&r);
	return status;
}

int
claim_pw(const char *id, const char *key, const char *password,
    struct http_resp *out)
{
	char path[256], body[2300];
	static const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };

	snprintf(path, sizeof(path), "/d/%s", id);
	snprintf(body, sizeof(body), "key=%s&password=%s", key, password);
	return http_do("POST", path, h, body, strlen(body), out);
}

long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

pid_t
worker_pid(int n)
{
	char path[1024];
	FILE *f;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/run/fcgi-%d.pid", itest_state(), n);
	f = fopen(path, "r");
	cr_assert(f != NULL);
	cr_assert_eq(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

bool
worker_socket_refuses(int n)
{
	struct sockaddr_un sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/fcgi-%d.sock",
	    itest_state(), n);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc != 0;
}

static long
ready_status(void)
{
	struct http_resp r;
	long st;

	cr_assert_eq(http_do("GET", "/health/ready", NULL, NULL, 0, &r), 0);
	st = r.status;
	http_resp_free(&r);
	return st;
}

bool
stack_ready(void)
{
	return ready_status() == 200;
}

bool
stack_unready(void)
{
	return ready_status() == 503;
}

char *
metrics_scrape(void)
{
	const char *from = source_addr;
	struct http_resp r;
	char *body;
	int rc;

	/* nginx serves /metrics to 127.0.0.1 only. */
	source_addr = NULL;
	rc = http_do("GET", "/metrics", NULL, NULL, 0, &r);
	source_addr = from;
	cr_assert_eq(rc, 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.headers, "text/plain; version=0.0.4") != NULL);
	body = r.body;
	r.body = NULL;
	http_resp_free(&r);
	return body;
}

long long
metric_value(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

long long
metric_now(const char *name)
{
	char *t = metrics_scrape();
	long long v = metric_value(t, name);

	free(t);
	return v;
}

void
metrics_settle(void)
{
	/* Each process adds its counts to Redis every second. */
	struct timespec flush = { 2, 200000000 };

	nanosleep(&flush, NULL);
}

bool
wait_until_metric(const char *name, long long at_least, unsigned ms)
{
	unsigned waited = 0;

	for (;;) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (metric_now(name) >= at_least)
			return true;
		if (waited >= ms)
			return false;
		nanosleep(&ts, NULL);
		waited += 100;
	}
}

struct snapshot
snapshot(void)
{
	struct snapshot s = { data_files(), redis_count(SHARE_KEYS),
		count_dir("uploads"), count_dir("ots-lease"),
		redis_count(UPLOAD_KEYS) };

	return s;
}

static bool
tmp_empty(void)
{
	return data_tmp() == 0;
}

void
assert_unchanged(struct snapshot before, const char *what)
{
	cr_assert(wait_until(tmp_empty, 5000), "%s: a temp file was left "
	    "behind", what);
	cr_assert_eq(data_files(), before.s_files, "%s: a file was left "
	    "behind", what);
	cr_assert_eq(redis_count(SHARE_KEYS), before.s_keys, "%s: a Redis key "
	    "was left behind", what);
	cr_assert_eq(count_dir("uploads"), before.s_uploads, "%s: an upload's "
	    "file was left behind", what);
	cr_assert_eq(count_dir("ots-lease"), before.s_leases, "%s: a leased "
	    "file was left behind", what);
	cr_assert_eq(redis_count(UPLOAD_KEYS), before.s_upload_keys, "%s: an "
	    "upload's Redis key was left behind", what);
}

long
data_uploads(void)
{
	return count_dir("uploads");
}

long
data_leases(void)
{
	return count_dir("ots-lease");
}

long
log_lines(const char *needle)
{
	char path[1024], line[4096];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log/app.log", itest_state());
	f = fopen(path, "r");
	cr_assert(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

const char *
itest_binary(void)
{
	static char path[1024];
	char file[1024];
	FILE *f;

	snprintf(file, sizeof(file), "%s/run/binary", itest_state());
	f = fopen(file, "r");
	cr_assert(f != NULL, "no %s", file);
	cr_assert(fgets(path, sizeof(path), f) != NULL);
	fclose(f);
	path[strcspn(path, "\n")] = '\0';
	return path;
}

void
admin_token_on(void)
{
	char cmd[2048], out[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "echo %s | %s --hash-admin-token",
	    ADMIN_TOKEN, itest_binary());
	p = popen(cmd, "r");
	cr_assert(p != NULL && fgets(out, sizeof(out), p) != NULL);
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
	cr_assert(strncmp(out, "OTS_ADMIN_TOKEN_HASH=", 21) == 0, "%s", out);
	setenv("OTS_ADMIN_TOKEN_HASH", out + 21, 1);
}

long
admin_request(const char *method, const char *path, const char *token,
    struct http_resp *r)
{
	char auth[256];
	const char *const h[] = { auth, NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	cr_assert_eq(http_do(method, path, token != NULL ? h : NULL, NULL, 0,
	    r), 0);
	return r->status;
}
