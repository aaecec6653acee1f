/*
 * Security claims of docs/SECURITY.md against the real stack: looking
 * never consumes, cross-site requests are refused before they touch
 * anything, malformed and conflicting headers leave nothing behind, file
 * names cannot inject headers, ids cannot walk the file system, a wrong
 * key never serves, every answer carries the security headers, and the
 * worker will not run as root.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "itest.h"

TestSuite(security, .timeout = 60);

static const char *const form_ct[] = {
	"Content-Type: application/x-www-form-urlencoded", NULL };


/*
 * Sends raw bytes and reads the whole answer (the request should say
 * Connection: close) into a malloc'd string.
 */
static char *
raw_exchange(const void *req, size_t len)
{
	const char *p = req;
	size_t cap = 1 << 16, got = 0;
	char *buf = malloc(cap);
	struct timeval tv = { 10, 0 };
	int fd = raw_connect();
	ssize_t n;

	cr_assert(buf != NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	for (;;) {
		if (got + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			cr_assert(buf != NULL);
		}
		n = recv(fd, buf + got, cap - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return buf;
}

static long
raw_status(const char *resp)
{
	if (strncmp(resp, "HTTP/1.", 7) != 0 || strlen(resp) < 12)
		return 0;
	return strtol(resp + 9, NULL, 10);
}

/* A share to attack: uploaded with PUT, JSON answer for the owner
 * token. */
struct share {
	struct link l;
	char owner[64];
	char payload[64];
};

static void
make_share(struct share *s, const char *tag)
{
	static const char *const h[] = { "Accept: application/json", NULL };
	struct http_resp r;
	const char *o;
	size_t n;

	memset(s, 0, sizeof(*s));
	snprintf(s->payload, sizeof(s->payload), "payload-%s-%ld", tag,
	    (long)getpid());
	record_secret(s->payload);
	cr_assert_eq(http_do("PUT", "/api/v1/files/target.txt", h, s->payload,
	    strlen(s->payload), &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, &s->l), "%s", r.body);
	o = strstr(r.body, "\"owner_token\":\"");
	cr_assert(o != NULL, "%s", r.body);
	o += strlen("\"owner_token\":\"");
	n = strcspn(o, "\"");
	cr_assert_lt(n, sizeof(s->owner));
	memcpy(s->owner, o, n);
	record_secret(s->owner);
	http_resp_free(&r);
}

/* The share is still there: claiming it now serves it, once. */
static void
assert_claimable(const struct share *s, const char *what)
{
	struct http_resp r;

	cr_assert(data_has(s->l.id), "%s: the file is gone", what);
	cr_assert_eq(claim(s->l.id, s->l.key, &r), 0);
	cr_assert_eq(r.status, 200, "%s: claim got %ld %s", what, r.status,
	    r.body);
	cr_assert_str_eq(r.body, s->payload, "%s", what);
	http_resp_free(&r);
}

static bool
contains(const struct http_resp *r, const char *s)
{
	return strstr(r->body, s) != NULL || strstr(r->headers, s) != NULL;
}

/* ---- HTTP method confusion ------------------------------------------ */

Test(security, get_and_head_consume_nothing_even_with_the_key)
{
	static const char *const browser[] = { "Accept: text/html", NULL };
	struct share s;
	struct http_resp r;
	char path[256], qpath[256], hdr[128], body[128], req[1024];
	const char *withkey[] = { hdr, NULL };
	const char *const methods[] = { "GET", "HEAD" };
	char *raw;
	size_t i;

	make_share(&s, "methods");
	snprintf(hdr, sizeof(hdr), "X-Key: %s", s.l.key);
	snprintf(body, sizeof(body), "key=%s", s.l.key);
	for (i = 0; i < 2; i++) {
		const char *m = methods[i];

		snprintf(path, sizeof(path), "/d/%s", s.l.id);
		snprintf(qpath, sizeof(qpath), "/d/%s?key=%s", s.l.id, s.l.key);
		cr_assert_eq(http_do(m, path, NULL, NULL, 0, &r), 0);
		cr_assert_eq(r.status, 200, "%s %ld", m, r.status);
		cr_assert(!contains(&r, s.payload), "%s served the file", m);
		http_resp_free(&r);
		cr_assert_eq(http_do(m, path, browser, NULL, 0, &r), 0);
		cr_assert_eq(r.status, 200);
		cr_assert(!contains(&r, s.payload));
		http_resp_free(&r);
		/* The key in the query or in a header claims nothing. */
		cr_assert_eq(http_do(m, qpath, withkey, NULL, 0, &r), 0);
		cr_assert(!contains(&r, s.payload), "%s ?key= served", m);
		http_resp_free(&r);
		snprintf(path, sizeof(path), "/api/v1/files/%s", s.l.id);
		cr_assert_eq(http_do(m, path, withkey, NULL, 0, &r), 0);
		cr_assert_eq(r.status, 200, "%s info %ld", m, r.status);
		cr_assert(!contains(&r, s.payload));
		if (i == 1)
			cr_assert_eq(r.len, 0u, "HEAD returned a body");
		http_resp_free(&r);
		/* A claim's form body on GET or HEAD is not a claim. */
		snprintf(req, sizeof(req), "%s /d/%s HTTP/1.1\r\nHost: t\r\n"
		    "Content-Type: application/x-www-form-urlencoded\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", m,
		    s.l.id, strlen(body), body);
		raw = raw_exchange(req, strlen(req));
		cr_assert(raw_status(raw) == 200 || raw_status(raw) == 400,
		    "%s with a body: %.80s", m, raw);
		cr_assert(strstr(raw, s.payload) == NULL,
		    "%s with a claim body served the file", m);
		if (i == 1)
			cr_assert(strstr(raw, "\r\n\r\n") != NULL &&
			    strstr(raw, "\r\n\r\n")[4] == '\0',
			    "HEAD answered with a body");
		free(raw);
	}
	/* Other verbs on the claim route are not claims either. */
	snprintf(path, sizeof(path), "/d/%s", s.l.id);
	cr_assert_eq(http_do("PUT", path, form_ct, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 405);
	cr_assert(!contains(&r, s.payload));
	http_resp_free(&r);
	cr_assert_eq(http_do("OPTIONS", path, NULL, NULL, 0, &r), 0);
	cr_assert(!contains(&r, s.payload));
	http_resp_free(&r);
	assert_claimable(&s, "after GET/HEAD");
}

/* ---- CSRF -------------------------------------------------------------- */

static void
assert_cross_origin(const struct http_resp *r, const char *what)
{
	cr_assert_eq(r->status, 403, "%s: %ld %s", what, r->status, r->body);
	cr_assert(strstr(r->body, "cross_origin") != NULL, "%s: %s", what,
	    r->body);
}

Test(security, cross_origin_claim_is_refused_and_consumes_nothing)
{
	static const char *const foreign[][3] = {
		{ "Origin: https://evil.example", NULL, NULL },
		{ "Origin: null", NULL, NULL },
		{ "Sec-Fetch-Site: cross-site", NULL, NULL },
		{ "Sec-Fetch-Site: same-site", NULL, NULL },
		{ "Origin: http://127.0.0.1.evil.example", NULL, NULL },
	};
	struct share s;
	struct http_resp r;
	char path[256], body[128];
	size_t i;

	make_share(&s, "csrf-claim");
	snprintf(path, sizeof(path), "/d/%s", s.l.id);
	snprintf(body, sizeof(body), "key=%s", s.l.key);
	for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		const char *h[] = { form_ct[0], foreign[i][0], NULL };

		cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r),
		    0);
		assert_cross_origin(&r, foreign[i][0]);
		cr_assert(!contains(&r, s.payload));
		http_resp_free(&r);
		cr_assert(data_has(s.l.id), "%s consumed it", foreign[i][0]);
	}
	assert_claimable(&s, "after cross-origin claims");
}

Test(security, same_origin_and_no_origin_pass)
{
	struct share s;
	struct http_resp r;
	char path[256], body[128], origin[256], upper[256];
	const char *h[] = { form_ct[0], origin, "Sec-Fetch-Site: same-origin",
		NULL };
	size_t i;

	/* What the web UI's fetch() sends. */
	make_share(&s, "csrf-same");
	snprintf(origin, sizeof(origin), "Origin: %s", itest_url());
	snprintf(path, sizeof(path), "/d/%s", s.l.id);
	snprintf(body, sizeof(body), "key=%s", s.l.key);
	cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_str_eq(r.body, s.payload);
	http_resp_free(&r);

	/* Case does not matter in an origin. */
	make_share(&s, "csrf-case");
	snprintf(upper, sizeof(upper), "Origin: %s", itest_url());
	for (i = 8; upper[i] != '\0'; i++)
		upper[i] = (char)toupper((unsigned char)upper[i]);
	h[1] = upper;
	h[2] = NULL;
	snprintf(path, sizeof(path), "/d/%s", s.l.id);
	snprintf(body, sizeof(body), "key=%s", s.l.key);
	cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 200, "%s: %ld %s", upper, r.status, r.body);
	http_resp_free(&r);

	/* curl and the CLI send neither header. */
	make_share(&s, "csrf-none");
	assert_claimable(&s, "without Origin");
}

Test(security, cross_origin_uploads_store_nothing)
{
	static const char mp[] = "--b\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"csrf.txt\"\r\n\r\ncsrf upload body\r\n"
	    "--b--\r\n";
	static const char *const put_h[] = { "Origin: https://evil.example",
		NULL };
	static const char *const post_h[] = {
		"Content-Type: multipart/form-data; boundary=b",
		"Origin: https://evil.example", "Sec-Fetch-Site: cross-site",
		NULL };
	struct snapshot before = snapshot();
	struct http_resp r;

	cr_assert_eq(http_do("PUT", "/api/v1/files/csrf.txt", put_h,
	    "csrf upload body", 16, &r), 0);
	assert_cross_origin(&r, "PUT");
	http_resp_free(&r);
	cr_assert_eq(http_do("POST", "/api/v1/files", post_h, mp,
	    sizeof(mp) - 1, &r), 0);
	assert_cross_origin(&r, "POST multipart");
	http_resp_free(&r);
	assert_unchanged(before, "cross-origin upload");
}

Test(security, cross_origin_delete_is_refused)
{
	struct share s;
	struct http_resp r;
	char path[256], auth[128];
	const char *h[] = { auth, "Origin: https://evil.example", NULL };

	make_share(&s, "csrf-delete");
	snprintf(path, sizeof(path), "/api/v1/files/%s", s.l.id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s.owner);
	cr_assert_eq(http_do("DELETE", path, h, NULL, 0, &r), 0);
	assert_cross_origin(&r, "owner DELETE");
	http_resp_free(&r);
	/* The admin routes too, whatever the token. */
	cr_assert_eq(http_do("DELETE", "/api/v1/admin/shares/AAAAAAAA", h, NULL,
	    0, &r), 0);
	assert_cross_origin(&r, "admin DELETE");
	http_resp_free(&r);
	assert_claimable(&s, "after a cross-origin DELETE");
	/* The same DELETE without Origin works (the share is claimed now:
	 * 410 says the token was accepted and the request went through). */
	h[1] = NULL;
	cr_assert_eq(http_do("DELETE", path, h, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 410, "%ld %s", r.status, r.body);
	http_resp_free(&r);
}

/* ---- Oversize, duplicate and conflicting headers ----------------------- */

static void
raw_expect_4xx(const char *req, size_t len, long want, const char *what)
{
	struct snapshot before = snapshot();
	char *resp = raw_exchange(req, len);
	long st = raw_status(resp);

	if (want != 0)
		cr_assert_eq(st, want, "%s: %.120s", what, resp);
	else
		cr_assert(st >= 400 && st < 500, "%s: %.120s", what, resp);
	free(resp);
	assert_unchanged(before, what);
}

Test(security, oversize_headers_are_refused)
{
	size_t big = 12 * 1024, n;
	char *req = malloc(big + 1024);

	cr_assert(req != NULL);
	/* One header line over large_client_header_buffers (8k). */
	n = (size_t)snprintf(req, 512, "PUT /api/v1/files/big-header.txt "
	    "HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nX-Big: ");
	memset(req + n, 'a', big);
	n += big;
	n += (size_t)snprintf(req + n, 512, "\r\nConnection: close\r\n\r\n"
	    "hello");
	raw_expect_4xx(req, n, 0, "a 12 KiB header");
	/* A request line over it (a 12 KiB file name). */
	n = (size_t)snprintf(req, 512, "PUT /api/v1/files/");
	memset(req + n, 'n', big);
	n += big;
	n += (size_t)snprintf(req + n, 512, " HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
	raw_expect_4xx(req, n, 0, "a 12 KiB request line");
	free(req);
}

Test(security, duplicate_and_conflicting_headers_are_refused)
{
	static const char two_lengths[] = "PUT /api/v1/files/dup.txt "
	    "HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
	    "Connection: close\r\n\r\nhello!";
	static const char same_lengths[] = "PUT /api/v1/files/dup.txt "
	    "HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 5\r\n"
	    "Connection: close\r\n\r\nhello";
	static const char length_and_chunked[] = "PUT /api/v1/files/te.txt "
	    "HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	    "5\r\nhello\r\n0\r\n\r\n";
	static const char two_hosts[] = "PUT /api/v1/files/h.txt HTTP/1.1\r\n"
	    "Host: a\r\nHost: b\r\nContent-Length: 5\r\n"
	    "Connection: close\r\n\r\nhello";
	static const char part[] = "--BBB\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"t.txt\"\r\n\r\nhi\r\n--BBB--\r\n";
	char two_types[1024], type_and_form[1024];

	/* nginx passes the first Content-Type on; the body follows the
	 * second: the parser finds no part and refuses. */
	snprintf(two_types, sizeof(two_types), "POST /api/v1/files HTTP/1.1\r\n"
	    "Host: t\r\nContent-Type: multipart/form-data; boundary=AAA\r\n"
	    "Content-Type: multipart/form-data; boundary=BBB\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    sizeof(part) - 1, part);
	snprintf(type_and_form, sizeof(type_and_form), "POST /api/v1/files "
	    "HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
	    "Content-Type: multipart/form-data; boundary=BBB\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    sizeof(part) - 1, part);
	raw_expect_4xx(two_lengths, sizeof(two_lengths) - 1, 400,
	    "two Content-Lengths");
	raw_expect_4xx(same_lengths, sizeof(same_lengths) - 1, 400,
	    "a repeated Content-Length");
	raw_expect_4xx(length_and_chunked, sizeof(length_and_chunked) - 1, 400,
	    "Content-Length with Transfer-Encoding");
	raw_expect_4xx(two_hosts, sizeof(two_hosts) - 1, 400, "two Hosts");
	raw_expect_4xx(two_types, strlen(two_types), 0,
	    "two multipart Content-Types");
	raw_expect_4xx(type_and_form, strlen(type_and_form), 0,
	    "text/plain then multipart");
	/* Inside a part: two Content-Types. */
	{
		static const char body[] = "--b\r\nContent-Disposition: "
		    "form-data; name=\"file\"; filename=\"t.txt\"\r\n"
		    "Content-Type: text/plain\r\nContent-Type: text/html\r\n"
		    "\r\n<b>hi</b>\r\n--b--\r\n";
		static const char *const h[] = {
			"Content-Type: multipart/form-data; boundary=b", NULL };
		struct snapshot before = snapshot();
		struct http_resp r;

		cr_assert_eq(http_do("POST", "/api/v1/files", h, body,
		    sizeof(body) - 1, &r), 0);
		cr_assert_eq(r.status, 400, "two part types: %ld %s",
		    r.status, r.body);
		http_resp_free(&r);
		assert_unchanged(before, "two part Content-Types");
	}
}

/* ---- Header injection through file names ------------------------------- */

/* The download's headers: one Content-Disposition, printable ASCII, no
 * header the name tried to add. */
static void
assert_one_safe_disposition(const struct http_resp *r, const char *what)
{
	const char *line = r->headers, *cd = NULL;
	int count = 0;

	while (*line != '\0') {
		const char *end = strstr(line, "\r\n");
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);

		if (len > 20 && strncasecmp(line, "Content-Disposition:", 20) ==
		    0) {
			count++;
			cd = line;
		}
		cr_assert(strncasecmp(line, "Set-Cookie", 10) != 0 &&
		    strncasecmp(line, "X-Injected", 10) != 0 &&
		    strncasecmp(line, "Location", 8) != 0,
		    "%s: an injected header: %.*s", what, (int)len, line);
		for (size_t i = 0; i < len; i++)
			cr_assert((unsigned char)line[i] >= 0x20 &&
			    (unsigned char)line[i] < 0x7f,
			    "%s: a raw byte 0x%02x in a header", what,
			    (unsigned char)line[i]);
		if (end == NULL)
			break;
		line = end + 2;
	}
	cr_assert_eq(count, 1, "%s: %d Content-Disposition headers", what,
	    count);
	cr_assert(strncmp(cd, "Content-Disposition: attachment; filename=\"",
	    43) == 0, "%s: %.200s", what, cd);
	/* The quoted name ends where the filename* part begins. */
	cr_assert(strstr(cd, "\"; filename*=UTF-8''") ==
	    strchr(cd + 43, '"'), "%s: the quoted name ends early: %.200s",
	    what, cd);
}

Test(security, put_names_cannot_inject_headers)
{
	static const char *const names[] = {
		/* CR LF, a header, quotes, a semicolon */
		"InjName-Q1%0D%0ASet-Cookie%3A%20a%3Db%0D%0A%0D%0A.txt",
		"InjName-Q2%22%3B%20filename%3D%22evil.html",
		"InjName-Q3%0AX-Injected%3A%201%0Ax",
		"InjName-Q4%0DLocation%3A%20https%3A%2F%2Fevil.example",
		/* non-ASCII, a bidi override, a backslash */
		"InjName-Q5%20r%C3%A9sum%C3%A9%E2%80%AEfdp.exe%5C",
		"InjName-Q6%C0%AF%FF%FE%00.txt",
	};
	size_t i;

	record_secret("InjName-Q");
	record_secret("InjName-M");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct http_resp r;
		struct link l;
		long st;

		st = upload_put(names[i], "injection", 9, &l);
		if (st == 400)
			continue;	/* refused outright: also safe */
		cr_assert_eq(st, 201, "%s: %ld", names[i], st);
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		cr_assert_eq(r.status, 200);
		cr_assert_str_eq(r.body, "injection");
		assert_one_safe_disposition(&r, names[i]);
		http_resp_free(&r);
	}
}

Test(security, multipart_names_cannot_inject_headers)
{
	static const char *const dispositions[] = {
		"filename=\"InjName-M1\\\"; filename=\\\"x.html;a=b\"",
		"filename=\"x\"; filename*=UTF-8''InjName-M2%0D%0ASet-Cookie%3A"
		    "%20a%3Db%0D%0A.txt",
		"filename*=UTF-8''InjName-M3%22%3B%0AX-Injected%3A%201",
		"filename=\"InjName-M4 \xc3\xa9\xe2\x80\xae\xff;.txt\"",
	};
	static const char *const h[] = {
		"Content-Type: multipart/form-data; boundary=QQ", NULL };
	size_t i;

	for (i = 0; i < sizeof(dispositions) / sizeof(dispositions[0]); i++) {
		char body[1024];
		struct http_resp r;
		struct link l;
		int n;

		n = snprintf(body, sizeof(body), "--QQ\r\nContent-Disposition: "
		    "form-data; name=\"file\"; %s\r\n\r\nmultipart injection"
		    "\r\n--QQ--\r\n", dispositions[i]);
		cr_assert_eq(http_do("POST", "/api/v1/files", h, body,
		    (size_t)n, &r), 0);
		if (r.status == 400) {
			http_resp_free(&r);
			continue;
		}
		cr_assert_eq(r.status, 201, "%s: %ld %s", dispositions[i],
		    r.status, r.body);
		cr_assert(link_parse(r.body, &l));
		http_resp_free(&r);
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		cr_assert_eq(r.status, 200);
		cr_assert_str_eq(r.body, "multipart injection");
		assert_one_safe_disposition(&r, dispositions[i]);
		http_resp_free(&r);
	}
}

/* ---- Path traversal through ids --------------------------------------- */

Test(security, ids_cannot_walk_the_file_system)
{
	static const char *const ids[] = {
		"..%2f..%2fetc%2fpasswd", "..%2F..%2F..%2Fcanary",
		"%2e%2e%2f%2e%2e%2fcanary", "..%5c..%5ccanary",
		"%00", "AAAAAAAAAAAAAAAAAAAAAA%00", "AAAAAAAAAAAA%00AAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAA/..", "AAAAAAAAAAA/AAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAA", ".",
		"AAAAAAAAAAAAAAAAAAAAAA%2f..%2f..%2fcanary",
	};
	static const char *const prefixes[] = { "/d/", "/api/v1/files/" };
	static const char *const methods[] = { "GET", "POST", "DELETE" };
	char canary[1024], overlong[600], path[1024];
	struct snapshot before;
	struct stat st0, st1;
	size_t i, j, k;
	FILE *f;

	/* A file beside the data folder that a walk would reach. */
	snprintf(canary, sizeof(canary), "%s/canary", itest_state());
	f = fopen(canary, "w");
	cr_assert(f != NULL);
	fputs("canary\n", f);
	fclose(f);
	cr_assert_eq(stat(canary, &st0), 0);
	memset(overlong, 'A', sizeof(overlong) - 1);
	overlong[sizeof(overlong) - 1] = '\0';
	before = snapshot();
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		for (j = 0; j <= sizeof(ids) / sizeof(ids[0]); j++) {
			for (k = 0; k < sizeof(methods) / sizeof(methods[0]);
			    k++) {
				struct http_resp r;
				const char *id = j < sizeof(ids) /
				    sizeof(ids[0]) ? ids[j] : overlong;

				snprintf(path, sizeof(path), "%s%s",
				    prefixes[i], id);
				cr_assert_eq(http_do(methods[k], path, form_ct,
				    "key=AAAAAAAAAAAAAAAAAAAAAA", 26, &r), 0);
				cr_assert(r.status == 404 || r.status == 400 ||
				    r.status == 405, "%s %s: %ld", methods[k],
				    path, r.status);
				cr_assert(strstr(r.body, "root:") == NULL &&
				    strstr(r.body, "canary") == NULL,
				    "%s %s served a file", methods[k], path);
				http_resp_free(&r);
			}
		}
	}
	cr_assert_eq(stat(canary, &st1), 0, "the canary is gone");
	cr_assert_eq(st1.st_size, st0.st_size);
	cr_assert_eq(st1.st_mtime, st0.st_mtime);
	assert_unchanged(before, "traversal");
	unlink(canary);
}

/* ---- Forged keys ------------------------------------------------------ */

static void
assert_key_refused(const struct share *s, const char *key, const char *what)
{
	struct http_resp r;

	cr_assert_eq(claim(s->l.id, key, &r), 0);
	cr_assert(r.status == 403 || r.status == 400, "%s: %ld %s", what,
	    r.status, r.body);
	cr_assert(!contains(&r, s->payload), "%s: served", what);
	http_resp_free(&r);
	cr_assert(data_has(s->l.id), "%s: the file is gone", what);
}

Test(security, forged_truncated_or_flipped_keys_never_serve)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
	    "klmnopqrstuvwxyz0123456789-_";
	struct share s;
	char key[80], id[64];
	struct http_resp r;
	size_t i;

	make_share(&s, "keys");
	assert_key_refused(&s, "AAAAAAAAAAAAAAAAAAAAAA", "forged");
	snprintf(key, sizeof(key), "%.21s", s.l.key);
	assert_key_refused(&s, key, "truncated");
	snprintf(key, sizeof(key), "%sA", s.l.key);
	assert_key_refused(&s, key, "one character more");
	/* Each position flipped to its alphabet neighbour (a valid token
	 * that is not the key, or a non-canonical last character). */
	for (i = 0; i < 22; i += 3) {
		const char *c;

		snprintf(key, sizeof(key), "%s", s.l.key);
		c = strchr(alphabet, key[i]);
		cr_assert(c != NULL);
		key[i] = alphabet[(size_t)(c - alphabet + 1) % 64];
		assert_key_refused(&s, key, "flipped");
	}
	snprintf(key, sizeof(key), "%s", s.l.key);
	key[21] ^= 0x01;
	assert_key_refused(&s, key, "last bit");
	assert_key_refused(&s, "%00%0d%0a", "control bytes");
	/* The right key under a neighbouring id. */
	snprintf(id, sizeof(id), "%s", s.l.id);
	id[0] = id[0] == 'A' ? 'B' : 'A';
	cr_assert_eq(claim(id, s.l.key, &r), 0);
	cr_assert_eq(r.status, 404, "%ld", r.status);
	http_resp_free(&r);
	assert_claimable(&s, "after forged keys");
}

/* ---- Security headers on every answer --------------------------------- */

static void
assert_security_headers(const char *headers, long status, const char *what)
{
	static const char *const want[] = {
		"X-Content-Type-Options: nosniff",
		"Referrer-Policy: no-referrer",
		"X-Frame-Options: DENY",
		"Cache-Control: no-store",
		"X-Robots-Tag: noindex",
		"Content-Security-Policy: ",
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strcasestr(headers, want[i]) != NULL,
		    "%s (%ld) lacks %s:\n%s", what, status, want[i], headers);
	/* Pages may not be framed; a download instead loads nothing at
	 * all and runs sandboxed (X-Frame-Options still forbids framing). */
	cr_assert(strstr(headers, "frame-ancestors 'none'") != NULL ||
	    (strstr(headers, "default-src 'none'; sandbox") != NULL),
	    "%s (%ld): CSP neither forbids framing nor sandboxes", what,
	    status);
	cr_assert(strstr(headers, "unsafe-inline") == NULL &&
	    strstr(headers, "unsafe-eval") == NULL, "%s: a weak CSP", what);
}

static void
check_route(const char *method, const char *path, hdrs_t h, long status)
{
	struct http_resp r;
	char what[512];

	cr_assert_eq(http_do(method, path, h, NULL, 0, &r), 0);
	snprintf(what, sizeof(what), "%s %s", method, path);
	if (status < 0)	/* any 4xx */
		cr_assert(r.status >= 400 && r.status < 500, "%s: %ld", what,
		    r.status);
	else
		cr_assert_eq(r.status, status, "%s: %ld", what, r.status);
	assert_security_headers(r.headers, r.status, what);
	http_resp_free(&r);
}

/* Sends a request nginx refuses itself; checks status and headers. */
static void
raw_refusal(const char *req, size_t len, long want, const char *what)
{
	char *raw = raw_exchange(req, len), *end;

	cr_assert_eq(raw_status(raw), want, "%s: %.100s", what, raw);
	end = strstr(raw, "\r\n\r\n");
	cr_assert(end != NULL);
	*end = '\0';
	assert_security_headers(raw, want, what);
	free(raw);
}

Test(security, security_headers_on_every_answer)
{
	static const char two_hosts[] = "GET / HTTP/1.1\r\nHost: a\r\n"
	    "Host: b\r\nConnection: close\r\n\r\n";
	static char line[12 * 1024];
	static const char *const browser[] = { "Accept: text/html", NULL };
	static const char big[] = "PUT /api/v1/files/x HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 5000000000\r\nConnection: close\r\n\r\n";
	static const char gzip_te[] = "POST /d/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\n"
	    "Host: t\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n";
	static const char trace[] = "TRACE / HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n";
	static const char http2[] = "GET / HTTP/2.0\r\nHost: t\r\n\r\n";
	static const char range[] = "GET / HTTP/1.1\r\nHost: t\r\n"
	    "Range: bytes=999999-\r\nConnection: close\r\n\r\n";
	static const char http09[] = "GET /\r\n";
	struct share s;
	struct http_resp r;
	char path[256], *raw, *end;

	make_share(&s, "headers");
	/* 2xx from the app */
	check_route("GET", "/health/live", NULL, 200);
	check_route("GET", "/api/v1/config", NULL, 200);
	snprintf(path, sizeof(path), "/d/%s", s.l.id);
	check_route("GET", path, NULL, 200);
	cr_assert_eq(claim(s.l.id, s.l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	assert_security_headers(r.headers, r.status, "the download");
	http_resp_free(&r);
	/* 4xx from the app, JSON and HTML */
	check_route("GET", path, NULL, 410);
	check_route("GET", "/d/AAAAAAAAAAAAAAAAAAAAAA", NULL, 404);
	check_route("POST", "/api/v1/files/x/status", NULL, 405);
	check_route("POST", "/d/AAAAAAAAAAAAAAAAAAAAAA", browser, -1);
	/* static pages, served by nginx */
	check_route("GET", "/", NULL, 200);
	check_route("GET", "/static/style.css", NULL, 200);
	check_route("GET", "/admin", NULL, 200);
	check_route("GET", "/o/x", NULL, 200);
	check_route("GET", "/d/AAAAAAAAAAAAAAAAAAAAAA", browser, 200);
	/* nginx's own errors: 404, and 413 from its body limit */
	check_route("GET", "/no/such/page", NULL, 404);
	check_route("GET", "/static/missing.js", NULL, 404);
	raw = raw_exchange(big, sizeof(big) - 1);
	cr_assert_eq(raw_status(raw), 413, "%.100s", raw);
	end = strstr(raw, "\r\n\r\n");
	cr_assert(end != NULL);
	*end = '\0';
	assert_security_headers(raw, 413, "nginx 413");
	free(raw);
	/* nginx's refusals while reading the header: 400 and 414 */
	raw_refusal(two_hosts, sizeof(two_hosts) - 1, 400, "nginx 400");
	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', sizeof(line) - 64);
	snprintf(line + 5 + sizeof(line) - 64, 59,
	    " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	raw_refusal(line, strlen(line), 414, "nginx 414");
	/* ... and the others it sends on its own: an unknown
	 * Transfer-Encoding (501), TRACE (405), a version it does not
	 * speak (505), a range past the end of a page (416) */
	raw_refusal(gzip_te, sizeof(gzip_te) - 1, 501, "nginx 501");
	raw_refusal(trace, sizeof(trace) - 1, 405, "nginx 405 (TRACE)");
	raw_refusal(http2, sizeof(http2) - 1, 505, "nginx 505");
	raw_refusal(range, sizeof(range) - 1, 416, "nginx 416");
	/* HTTP/0.9 answers have no headers at all: none is sent */
	raw = raw_exchange(http09, sizeof(http09) - 1);
	cr_assert_str_eq(raw, "", "an HTTP/0.9 request got an answer without "
	    "headers: %.80s", raw);
	free(raw);
	/* 5xx from the app: Redis away */
	devstack("redis-stop");
	cr_assert(wait_until(stack_unready, 5000), "ready stayed 200");
	snprintf(path, sizeof(path), "/api/v1/files/%s", s.l.id);
	cr_assert_eq(http_do("GET", path, NULL, NULL, 0, &r), 0);
	devstack("redis-start");
	cr_assert_eq(r.status, 503, "%ld %s", r.status, r.body);
	assert_security_headers(r.headers, r.status, "503 from the app");
	http_resp_free(&r);
	cr_assert(wait_until(stack_ready, 10000), "Redis did not come back");
}

/* ---- The worker refuses root ------------------------------------------- */

/* The worker built beside this test: BUILD/tests/integration/x ->
 * BUILD/onetimeshare-fcgi. */
static void
worker_path(char *out, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	cr_assert(len > 0);
	self[len] = '\0';
	snprintf(out, n, "%s/../../onetimeshare-fcgi", dirname(self));
}

Test(security, worker_refuses_to_run_as_root)
{
	char bin[PATH_MAX + 64], data[1024], cmd[16384], log[1024];
	char out[4096];
	const char *wrap = "";
	size_t got;
	int status;
	FILE *f;

	worker_path(bin, sizeof(bin));
	cr_assert_eq(access(bin, X_OK), 0, "no worker at %s", bin);
	if (geteuid() != 0) {
		/* Become root in a user namespace; the worker checks uid 0,
		 * which is what it sees there. */
		cr_assert_eq(system("unshare -r true 2>/dev/null"), 0,
		    "not root and cannot map root with unshare -r: this test "
		    "needs one of them");
		wrap = "unshare -r ";
	}
	snprintf(data, sizeof(data), "%s/root-test-data", itest_state());
	cr_assert(mkdir(data, 0700) == 0 || errno == EEXIST);
	snprintf(log, sizeof(log), "%s/root-test.log", itest_state());
	/* A complete, valid configuration, so only the uid can stop it;
	 * its Redis socket does not exist, so it cannot reach anything. */
	snprintf(cmd, sizeof(cmd), "%senv -i PATH=/usr/bin:/bin "
	    "OTS_DATA_DIR=%s OTS_REDIS=unix:%s/no-such.sock "
	    "OTS_BASE_URL=http://127.0.0.1:9 ASAN_OPTIONS=detect_leaks=0 "
	    "%s </dev/null >%s 2>&1", wrap, data, itest_state(), bin, log);
	status = system(cmd);
	cr_assert(WIFEXITED(status), "the worker did not exit");
	cr_assert_neq(WEXITSTATUS(status), 0, "the worker ran as root");
	f = fopen(log, "r");
	cr_assert(f != NULL);
	got = fread(out, 1, sizeof(out) - 1, f);
	out[got] = '\0';
	fclose(f);
	cr_assert(strstr(out, "refusing to run as root") != NULL, "%s", out);
	/* It stopped before the data folder: nothing was created there. */
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", data);
	cr_assert_eq(system(cmd), 0, "the worker touched its data folder");
	rmdir(data);
	unlink(log);
}

/*
 * The running workers hold no root: spawn-fcgi dropped to the run user
 * before exec (tools/dev-stack, as systemd's User= does in production),
 * real, effective, saved and file-system uids alike.
 */
Test(security, running_workers_are_not_root)
{
	char path[1024], line[256];
	int i, checked = 0;

	for (i = 1; i <= 16; i++) {
		long pid;
		FILE *f;

		snprintf(path, sizeof(path), "%s/run/fcgi-%d.pid", itest_state(),
		    i);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		cr_assert_eq(fscanf(f, "%ld", &pid), 1);
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		f = fopen(path, "r");
		cr_assert(f != NULL, "worker %d (pid %ld) is not running", i,
		    pid);
		while (fgets(line, sizeof(line), f) != NULL) {
			long r, e, s, fs;

			if (sscanf(line, "Uid: %ld %ld %ld %ld", &r, &e, &s,
			    &fs) != 4 && sscanf(line, "Gid: %ld %ld %ld %ld",
			    &r, &e, &s, &fs) != 4)
				continue;
			cr_assert(r != 0 && e != 0 && s != 0 && fs != 0,
			    "worker %d: %s", i, line);
		}
		fclose(f);
		checked++;
	}
	cr_assert_geq(checked, 1, "no worker PID files in %s/run",
	    itest_state());
}
