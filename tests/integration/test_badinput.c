/*
 * Bad input gets a clear status and leaves nothing behind: no file in the
 * data folder, no key in Redis.  Run with OTS_MAX_SIZE=64M (tests/
 * integration/run) so "too large" is cheap to reach.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "itest.h"

#define MAX_SIZE (64u * 1024u * 1024u)

TestSuite(badinput, .timeout = 60);

/* status2: another acceptable status, 0 for none, -1 for any 4xx. */
static void
expect_status2(const char *method, const char *path, hdrs_t h,
    const void *body, size_t len, long status, long status2,
    const char *code)
{
	struct snapshot s = snapshot();
	struct http_resp r;

	cr_assert_eq(http_do(method, path, h, body, len, &r), 0);
	cr_assert(r.status == status || (status2 > 0 && r.status == status2) ||
	    (status2 < 0 && r.status >= 400 && r.status < 500),
	    "%s %s: %ld %s", method, path, r.status, r.body);
	if (code != NULL)
		cr_assert(strstr(r.body, code) != NULL, "%s", r.body);
	http_resp_free(&r);
	assert_unchanged(s, "");
}

static void
expect_status(const char *method, const char *path, hdrs_t h,
    const void *body, size_t len, long status, const char *code)
{
	expect_status2(method, path, h, body, len, status, 0, code);
}

Test(badinput, content_length_over_max_gets_413_without_reading)
{
	char req[512];
	struct snapshot s = snapshot();

	snprintf(req, sizeof(req), "PUT /api/v1/files/big HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: %u\r\nConnection: close\r\n\r\n",
	    MAX_SIZE + 1);
	cr_assert_eq(raw_request(req, strlen(req), false), 413);
	assert_unchanged(s, "");
}

Test(badinput, content_length_over_nginx_limit_gets_413_and_no_log)
{
	static const char req[] = "PUT /api/v1/files/Secret-Name-Q7.pdf "
	    "HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000000\r\n"
	    "Connection: close\r\n\r\n";
	char cmd[1024];

	record_secret("Secret-Name-Q7");
	cr_assert_eq(raw_request(req, sizeof(req) - 1, false), 413);
	/* nginx logs such errors with the request line: not for /api/. */
	snprintf(cmd, sizeof(cmd), "grep -rq Secret-Name-Q7 %s/log/",
	    itest_state());
	cr_assert_neq(system(cmd), 0, "a file name reached a log");
}

Test(badinput, chunked_body_over_max_gets_413)
{
	static const char *const h[] = { "Transfer-Encoding: chunked", NULL };
	size_t len = MAX_SIZE + 65536;
	uint8_t *big = calloc(1, len);

	cr_assert(big != NULL);
	expect_status("PUT", "/api/v1/files/big", h, big, len, 413,
	    "too_large");
	free(big);
}

Test(badinput, multipart_file_over_max_gets_413)
{
	static const char head[] = "--b\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"x\"\r\n\r\n";
	static const char tail[] = "\r\n--b--\r\n";
	static const char *const h[] = {
		"Content-Type: multipart/form-data; boundary=b", NULL };
	size_t len = sizeof(head) - 1 + MAX_SIZE + 10 + sizeof(tail) - 1;
	char *body = calloc(1, len);

	cr_assert(body != NULL);
	memcpy(body, head, sizeof(head) - 1);
	memcpy(body + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	expect_status("POST", "/api/v1/files", h, body, len, 413, "too_large");
	free(body);
}

Test(badinput, lying_short_content_length_stores_only_what_it_says)
{
	/* nginx reads exactly Content-Length bytes; the rest is a second,
	 * malformed request that nginx rejects.  The share holds 5 bytes. */
	static const char req[] = "PUT /api/v1/files/lie HTTP/1.1\r\n"
	    "Host: t\r\nAccept: application/json\r\nContent-Length: 5\r\n\r\n"
	    "hello, and a lot more that was not announced\r\n\r\n";
	char buf[8192];
	struct link l;
	struct http_resp r;
	ssize_t n;
	size_t got = 0;
	int fd = raw_connect();

	cr_assert_eq(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL),
	    (ssize_t)(sizeof(req) - 1));
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	cr_assert(strncmp(buf, "HTTP/1.1 201", 12) == 0, "%s", buf);
	cr_assert(strstr(buf, "HTTP/1.1 400") != NULL,
	    "the excess was not rejected: %s", buf);
	cr_assert(link_parse(buf, &l));
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "hello");
	http_resp_free(&r);
}

Test(badinput, put_without_length_gets_411)
{
	static const char req[] = "PUT /api/v1/files/x HTTP/1.1\r\n"
	    "Host: t\r\nConnection: close\r\n\r\n";
	struct snapshot s = snapshot();

	cr_assert_eq(raw_request(req, sizeof(req) - 1, false), 411);
	assert_unchanged(s, "");
}

Test(badinput, empty_body_is_a_valid_empty_file)
{
	struct link l;
	struct http_resp r;

	cr_assert_eq(upload_put("empty.txt", "", 0, &l), 201);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.len, 0);
	cr_assert(strstr(r.headers, "Content-Length: 0") != NULL);
	http_resp_free(&r);
}

Test(badinput, multipart_errors_get_400_or_415)
{
	static const char *const mp[] = {
		"Content-Type: multipart/form-data; boundary=b", NULL };
	static const char *const nob[] = {
		"Content-Type: multipart/form-data", NULL };
	static const char *const longb[] = {
		"Content-Type: multipart/form-data; boundary="
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		NULL };
	static const char *const json[] = {
		"Content-Type: application/json", NULL };
	static const char truncated[] = "--b\r\nContent-Disposition: form-data;"
	    " name=\"file\"; filename=\"t.txt\"\r\n\r\nsome data, no end";
	static const char nofile[] = "--b\r\nContent-Disposition: form-data;"
	    " name=\"expires_in\"\r\n\r\n1h\r\n--b--\r\n";
	static const char noname[] = "--b\r\nContent-Type: text/plain\r\n\r\n"
	    "x\r\n--b--\r\n";
	static const char badhdr[] = "--b\r\nthis is not a header\r\n\r\n"
	    "x\r\n--b--\r\n";
	static const char garbage[] = "--bXXX\r\n";
	static const char twofiles[] = "--b\r\nContent-Disposition: form-data;"
	    " name=\"file\"; filename=\"1\"\r\n\r\n1\r\n--b\r\nContent-"
	    "Disposition: form-data; name=\"file\"; filename=\"2\"\r\n\r\n2\r\n"
	    "--b--\r\n";

	expect_status("POST", "/api/v1/files", mp, truncated,
	    sizeof(truncated) - 1, 400, "bad_multipart");
	expect_status("POST", "/api/v1/files", mp, nofile, sizeof(nofile) - 1,
	    400, "no file field");
	expect_status("POST", "/api/v1/files", mp, noname, sizeof(noname) - 1,
	    400, "bad_multipart");
	expect_status("POST", "/api/v1/files", mp, badhdr, sizeof(badhdr) - 1,
	    400, "bad_multipart");
	expect_status("POST", "/api/v1/files", mp, garbage, sizeof(garbage) - 1,
	    400, "bad_multipart");
	expect_status("POST", "/api/v1/files", mp, twofiles,
	    sizeof(twofiles) - 1, 400, "not several");
	expect_status("POST", "/api/v1/files", nob, nofile, sizeof(nofile) - 1,
	    400, "boundary");
	expect_status("POST", "/api/v1/files", longb, nofile,
	    sizeof(nofile) - 1, 400, "boundary");
	expect_status("POST", "/api/v1/files", json, "{}", 2, 415,
	    "unsupported_media_type");
}

/* Uploads under a raw path and returns the Content-Disposition served. */
static char *
served_disposition(const char *raw_name, struct http_resp *r)
{
	struct link l;

	cr_assert_eq(upload_put(raw_name, "n", 1, &l), 201, "%s", raw_name);
	cr_assert_eq(claim(l.id, l.key, r), 0);
	cr_assert_eq(r->status, 200);
	return http_header(r, "Content-Disposition");
}

Test(badinput, file_names_are_sanitized)
{
	struct http_resp r;
	char *cd;

	cd = served_disposition("..%2F..%2Fetc%2Fpasswd", &r);
	cr_assert_str_eq(cd, "attachment; filename=\"_.._etc_passwd\"; "
	    "filename*=UTF-8''_.._etc_passwd");
	free(cd);
	http_resp_free(&r);

	cd = served_disposition("a%0D%0ASet-Cookie:%20x=1", &r);
	cr_assert(strstr(r.headers, "\r\nSet-Cookie") == NULL,
	    "header injection");
	cr_assert(strchr(cd, '\r') == NULL && strchr(cd, '\n') == NULL);
	cr_assert(strstr(cd, "filename=\"a__Set-Cookie: x=1\"") != NULL, "%s",
	    cd);
	free(cd);
	http_resp_free(&r);

	cd = served_disposition("bad%FF%FEutf8.txt", &r);
	cr_assert(strstr(cd, "filename*=UTF-8''bad__utf8.txt") != NULL, "%s",
	    cd);
	free(cd);
	http_resp_free(&r);

	cd = served_disposition("%22quoted%22%5C.txt", &r);
	cr_assert(strstr(cd, "filename=\"_quoted__.txt\"") != NULL, "%s", cd);
	free(cd);
	http_resp_free(&r);
}

Test(badinput, overlong_name_is_cut)
{
	char name[2000];
	struct http_resp r;
	char *cd, *star;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cd = served_disposition(name, &r);
	star = strstr(cd, "filename*=UTF-8''");
	cr_assert(star != NULL);
	cr_assert_eq(strlen(star + strlen("filename*=UTF-8''")), 255);
	free(cd);
	http_resp_free(&r);
}

Test(badinput, bad_percent_escape_in_name_gets_400)
{
	/* nginx itself refuses a malformed escape in the path. */
	expect_status("PUT", "/api/v1/files/bad%zzname", NULL, "x", 1, 400,
	    NULL);
}

Test(badinput, bogus_ids_get_404)
{
	static const char *const ids[] = { "", "short", "AAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAA+", "AAAAAAAAAAAAAAAAAAAAAAA",
		"..%2F..%2Fetc%2Fpasswd", "%2e%2e", "AAAAAAAAAAAAAAAAAAAAAB" };
	size_t i;
	char path[256];

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct http_resp r;

		/* nginx decodes %2F and %2E and normalizes the path first:
		 * one that climbs above the root gets its 400, one that
		 * becomes "/" the front page (405 for a POST); nothing is
		 * served or consumed.  Any other id gets the app's 404. */
		snprintf(path, sizeof(path), "/d/%s", ids[i]);
		expect_status2("POST", path, NULL, "key=AAAAAAAAAAAAAAAAAAAAAA",
		    25, 404, strstr(ids[i], "%2") != NULL ? -1 : 0, NULL);
		cr_assert_eq(http_do("GET", path, NULL, NULL, 0, &r), 0);
		cr_assert(r.status == 404 || (strstr(ids[i], "%2") != NULL &&
		    strstr(r.headers, "Content-Disposition") == NULL),
		    "GET %s: %ld", path, r.status);
		http_resp_free(&r);
		snprintf(path, sizeof(path), "/api/v1/files/%s", ids[i]);
		if (ids[i][0] == '\0')
			continue;
		cr_assert_eq(http_do("GET", path, NULL, NULL, 0, &r), 0);
		cr_assert(r.status == 404 || r.status == 400, "GET %s: %ld",
		    path, r.status);
		http_resp_free(&r);
	}
}

Test(badinput, claim_without_key_gets_400)
{
	struct link l;
	char path[128];

	cr_assert_eq(upload_put("nokey", "x", 1, &l), 201);
	snprintf(path, sizeof(path), "/d/%s", l.id);
	expect_status("POST", path, NULL, "", 0, 400, "missing_key");
	expect_status("POST", path, NULL, "key=%zz", 7, 400, "bad_form");
	cr_assert(data_has(l.id));
}

/* A wrong method gets 405 naming every method the path takes (from the
 * route table), and changes nothing. */
static void
expect_allow(const char *method, const char *path, const char *allow)
{
	struct snapshot s = snapshot();
	struct http_resp r;
	char *got;

	cr_assert_eq(http_do(method, path, NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 405, "%s %s: %ld", method, path, r.status);
	cr_assert(strstr(r.body, "method_not_allowed") != NULL, "%s", r.body);
	got = http_header(&r, "Allow");
	cr_assert(got != NULL, "%s %s: no Allow", method, path);
	cr_assert_str_eq(got, allow, "%s %s", method, path);
	free(got);
	http_resp_free(&r);
	assert_unchanged(s, "");
}

Test(badinput, wrong_methods_get_405)
{
	static const char id[] = "AAAAAAAAAAAAAAAAAAAAAA";
	char path[96];

	expect_status("DELETE", "/d/AAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 0,
	    405, "method_not_allowed");
	expect_allow("GET", "/api/v1/files", "POST");
	snprintf(path, sizeof(path), "/d/%s", id);
	expect_allow("PUT", path, "GET, HEAD, POST");
	snprintf(path, sizeof(path), "/api/v1/files/%s", id);
	expect_allow("POST", path, "GET, HEAD, PUT, DELETE");
	snprintf(path, sizeof(path), "/api/v1/files/%s/status", id);
	expect_allow("DELETE", path, "GET, HEAD, PUT");
	expect_allow("POST", "/api/v1/admin/shares", "GET");
	snprintf(path, sizeof(path), "/api/v1/admin/shares/%s", id);
	expect_allow("GET", path, "DELETE");
	expect_allow("DELETE", "/api/v1/config", "GET, HEAD");
	expect_allow("GET", "/api/v1/uploads", "POST");
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", id);
	expect_allow("POST", path, "GET, HEAD, PUT, PATCH, DELETE");
	snprintf(path, sizeof(path), "/api/v1/uploads/%s/commit", id);
	expect_allow("GET", path, "POST");
	snprintf(path, sizeof(path), "/api/v1/leases/%s", id);
	expect_allow("POST", path, "GET, HEAD, DELETE");
	/* A path no route takes is 404, whatever the method. */
	expect_status("DELETE", "/api/v1/nothing", NULL, NULL, 0, 404,
	    "not_found");
	snprintf(path, sizeof(path), "/d/%s/more", id);
	expect_status("GET", path, NULL, NULL, 0, 404, "not_found");
}

Test(badinput, disconnect_mid_upload_leaves_nothing)
{
	static const char head[] = "PUT /api/v1/files/cut HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 10000000\r\n\r\n";
	struct snapshot s = snapshot();
	uint8_t chunk[65536];
	int fd = raw_connect();
	int i;

	memset(chunk, 'c', sizeof(chunk));
	cr_assert(send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL) > 0);
	for (i = 0; i < 16; i++)
		cr_assert(send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) > 0);
	close(fd);
	assert_unchanged(s, "");
}

Test(badinput, disconnect_mid_download_still_destroys)
{
	size_t size = 8u * 1024u * 1024u;
	uint8_t *data = malloc(size);
	struct link l;
	struct http_resp r;
	char req[512], buf[4096];
	long went, disk;
	int fd;

	cr_assert(data != NULL);
	fill_pattern(data, size, 9);
	cr_assert_eq(upload_put("big.bin", data, size, &l), 201);
	free(data);
	snprintf(req, sizeof(req), "POST /d/%s HTTP/1.1\r\nHost: t\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 26\r\n\r\nkey=%s", l.id, l.key);
	went = log_lines("the client went away mid-download");
	disk = log_lines("disk error");
	fd = raw_connect();
	cr_assert(send(fd, req, strlen(req), MSG_NOSIGNAL) > 0);
	cr_assert(recv(fd, buf, sizeof(buf), 0) > 0);
	close(fd);
	cr_assert(!data_has(l.id), "the file outlived a cut download");
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410);
	http_resp_free(&r);
	/* Logged as the client's doing, not as a failure of ours. */
	cr_assert(wait_until_log("the client went away mid-download",
	    went + 1, 5000), "no line for the vanished client");
	cr_assert_eq(log_lines("disk error"), disk);
}

/* A stored file that fails authentication mid-download: the answer is
 * cut, the log says why (its own line, a 500 in the request log), and
 * the share is gone. */
Test(badinput, tampered_file_is_cut_and_logged_as_corrupt)
{
	size_t size = 4u * 1024u * 1024u;
	uint8_t *data = malloc(size), byte;
	struct http_resp r;
	struct link l;
	char path[1024];
	long bad;
	int fd;

	cr_assert(data != NULL);
	fill_pattern(data, size, 11);
	cr_assert_eq(upload_put("tamper.bin", data, size, &l), 201);
	snprintf(path, sizeof(path), "%s/data/files/%s", itest_state(), l.id);
	fd = open(path, O_RDWR);
	cr_assert(fd >= 0, "%s", path);
	/* A byte deep in the file: the first chunks decrypt and are sent. */
	cr_assert_eq(pread(fd, &byte, 1, 3 * 1024 * 1024), 1);
	byte ^= 0x01;
	cr_assert_eq(pwrite(fd, &byte, 1, 3 * 1024 * 1024), 1);
	close(fd);
	bad = log_lines("failed to decrypt (corrupt or tampered with)");
	/* curl sees the answer end early (CURLE_PARTIAL_FILE or a broken
	 * chunked stream): not 0. */
	cr_assert_neq(claim(l.id, l.key, &r), 0);
	cr_assert(r.len < size, "a tampered file was sent whole");
	http_resp_free(&r);
	cr_assert(wait_until_log("failed to decrypt (corrupt or tampered with)",
	    bad + 1, 5000), "no line for the corrupt file");
	cr_assert(!data_has(l.id));
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410);
	http_resp_free(&r);
	free(data);
}

/* A stored file with no bytes at all: the claim is won, nothing can be
 * sent, so the answer is a 500 that says so (not a 200 cut at once),
 * logged as corrupt, and the share is gone. */
Test(badinput, an_empty_stored_file_is_500_unreadable_and_gone)
{
	uint8_t data[3000];
	struct http_resp r;
	struct link l;
	char path[1024];
	long bad;
	int fd;

	fill_pattern(data, sizeof(data), 12);
	cr_assert_eq(upload_put("empty.bin", data, sizeof(data), &l), 201);
	snprintf(path, sizeof(path), "%s/data/files/%s", itest_state(), l.id);
	fd = open(path, O_RDWR | O_TRUNC);
	cr_assert(fd >= 0, "%s", path);
	close(fd);
	bad = log_lines("failed to decrypt (corrupt or tampered with)");
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 500, "%ld %s", r.status, r.body);
	cr_assert(strstr(r.body, "\"unreadable\"") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert(wait_until_log("failed to decrypt (corrupt or tampered with)",
	    bad + 1, 5000), "no line for the empty file");
	cr_assert(!data_has(l.id));
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410);
	http_resp_free(&r);
}

Test(badinput, longest_name_and_type_round_trip)
{
	/* A 255-byte name with a 127-byte type is the largest sealed
	 * metadata; it once overflowed the sealing buffer. */
	char body[2048], type[128], name[256];
	char ct[] = "Content-Type: multipart/form-data; boundary=b";
	const char *const h[] = { ct, NULL };
	struct http_resp r;
	struct link l;
	int n;

	memset(name, 'n', 255);
	name[255] = '\0';
	memset(type, 't', 127);
	type[5] = '/';
	type[127] = '\0';
	n = snprintf(body, sizeof(body), "--b\r\nContent-Disposition: "
	    "form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: "
	    "%s\r\n\r\nbig meta\r\n--b--\r\n", name, type);
	cr_assert_eq(http_do("POST", "/api/v1/files", h, body, (size_t)n, &r),
	    0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, &l));
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "big meta");
	http_resp_free(&r);
}

Test(badinput, password_or_unknown_options_in_the_query_get_400)
{
	static const char *const mp[] = {
		"Content-Type: multipart/form-data; boundary=b", NULL };
	static const char form[] = "--b\r\nContent-Disposition: form-data; "
	    "name=\"text\"\r\n\r\nsecret words\r\n--b--\r\n";
	static const char *const pw_paths[] = {
		"/api/v1/files/q.txt?password=hunter2",
		"/api/v1/files/q.txt?Password=hunter2",
		"/api/v1/files/q.txt?expires_in=1h&passwd=hunter2",
		"/api/v1/files/q.txt?pw=hunter2",
	};
	size_t i;

	for (i = 0; i < sizeof(pw_paths) / sizeof(pw_paths[0]); i++)
		expect_status("PUT", pw_paths[i], NULL, "data", 4, 400,
		    "password_in_url");
	expect_status("POST", "/api/v1/files?password=hunter2", mp, form,
	    sizeof(form) - 1, 400, "password_in_url");
	expect_status("PUT", "/api/v1/files/q.txt?expire=1h", NULL, "data", 4,
	    400, "'expire'");
	expect_status("PUT", "/api/v1/files/q.txt?expires_in=1h&%zz=1", NULL,
	    "data", 4, 400, "bad_query");
	expect_status("POST", "/api/v1/files?ttl=5", mp, form,
	    sizeof(form) - 1, 400, "unknown_option");
}

Test(badinput, unknown_multipart_fields_get_400)
{
	static const char *const mp[] = {
		"Content-Type: multipart/form-data; boundary=b", NULL };
	static const char capital[] = "--b\r\nContent-Disposition: form-data; "
	    "name=\"Password\"\r\n\r\nhunter2\r\n--b\r\nContent-Disposition: "
	    "form-data; name=\"file\"; filename=\"f\"\r\n\r\nfile\r\n--b--\r\n";
	static const char other[] = "--b\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"f\"\r\n\r\nfile\r\n--b\r\n"
	    "Content-Disposition: form-data; name=\"expiry\"\r\n\r\n1h\r\n"
	    "--b--\r\n";

	expect_status("POST", "/api/v1/files", mp, capital,
	    sizeof(capital) - 1, 400, "'Password'");
	expect_status("POST", "/api/v1/files", mp, other, sizeof(other) - 1,
	    400, "'expiry'");
}

Test(badinput, malformed_password_encoding_gets_400)
{
	static const char *const h1[] = { "X-Password: 100%", NULL };
	static const char *const h2[] = { "X-Password: %zz", NULL };
	static const char *const mp[] = {
		"Content-Type: multipart/form-data; boundary=b",
		"X-Password: 50%off", NULL };
	static const char form[] = "--b\r\nContent-Disposition: form-data; "
	    "name=\"text\"\r\n\r\nsecret words\r\n--b--\r\n";

	expect_status("PUT", "/api/v1/files/e.txt", h1, "data", 4, 400,
	    "bad_password_encoding");
	expect_status("PUT", "/api/v1/files/e.txt", h2, "data", 4, 400,
	    "%25");
	expect_status("POST", "/api/v1/files", mp, form, sizeof(form) - 1,
	    400, "bad_password_encoding");
}

/*
 * A multipart upload whose expires_in (sent before the file, as the web
 * UI does) is out of bounds is answered at once: the file that follows
 * is never read, encrypted or written.
 */
Test(badinput, bad_multipart_expiry_is_refused_before_the_file)
{
	static const char head[] = "POST /api/v1/files HTTP/1.1\r\nHost: t\r\n"
	    "Content-Type: multipart/form-data; boundary=b\r\n"
	    "Content-Length: 50000000\r\n\r\n"
	    "--b\r\nContent-Disposition: form-data; name=\"expires_in\"\r\n"
	    "\r\n999d\r\n--b\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"big.bin\"\r\n\r\n";
	struct snapshot before = snapshot();
	struct timeval tv = { 5, 0 };
	static char chunk[65536];
	char buf[1024];
	ssize_t n;
	int fd;

	memset(chunk, 'x', sizeof(chunk));
	fd = raw_connect();
	cr_assert(send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL) > 0);
	cr_assert(send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) > 0);
	/* The rest of the 50 MB never comes: the answer must not wait. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	cr_assert_gt(n, 12, "no answer before the body ended");
	buf[n] = '\0';
	cr_assert(strncmp(buf, "HTTP/1.1 400", 12) == 0, "%s", buf);
	cr_assert(strstr(buf, "bad_expiry") != NULL, "%s", buf);
	close(fd);
	assert_unchanged(before, "");
}
