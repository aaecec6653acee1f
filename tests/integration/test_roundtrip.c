/*
 * The one-time core against the real stack: upload, look, claim once,
 * and the headers of every answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "itest.h"

TestSuite(roundtrip, .timeout = 60);

/* Uploads size bytes by PUT, claims them and compares byte for byte. */
static void
roundtrip_size(size_t size, uint32_t seed)
{
	uint8_t *data = malloc(size + 1);
	struct link l;
	struct http_resp r;
	char *cl;

	cr_assert(data != NULL);
	fill_pattern(data, size, seed);
	cr_assert_eq(upload_put("data.bin", data, size, &l), 201,
	    "upload of %zu bytes failed", size);
	cr_assert(data_has(l.id), "no stored file for a fresh share");
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200, "claim of %zu bytes: %ld", size, r.status);
	cr_assert_eq(r.len, size, "got %zu bytes, sent %zu", r.len, size);
	cr_assert(memcmp(r.body, data, size) == 0, "content differs");
	cl = http_header(&r, "Content-Length");
	cr_assert(cl != NULL && strtoull(cl, NULL, 10) == size);
	free(cl);
	cr_assert(!data_has(l.id), "file still on disk after the claim");
	http_resp_free(&r);
	free(data);
}

Test(roundtrip, sizes_are_byte_exact)
{
	static const size_t sizes[] = { 0, 1, 100, 65535, 65536, 65537,
		3 * 65536, 3 * 1024 * 1024 + 7 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip_size(sizes[i], (uint32_t)i + 1);
}

Test(roundtrip, second_claim_gets_410)
{
	struct link l;
	struct http_resp r;

	cr_assert_eq(upload_put("once.txt", "hello", 5, &l), 201);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410);
	cr_assert(strstr(r.body, "\"code\":\"claimed\"") != NULL, "%s", r.body);
	http_resp_free(&r);
}

Test(roundtrip, download_headers_are_safe)
{
	static const char *const must[] = { "Cache-Control: no-store",
		"X-Content-Type-Options: nosniff",
		"Referrer-Policy: no-referrer", "X-Robots-Tag: noindex",
		"Content-Type: application/octet-stream",
		"Content-Disposition: attachment; filename=\"report.pdf\"; "
		"filename*=UTF-8''report.pdf" };
	struct link l;
	struct http_resp r;
	size_t i;

	cr_assert_eq(upload_put("report.pdf", "%PDF-1.7", 8, &l), 201);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		cr_assert(strstr(r.headers, must[i]) != NULL, "missing '%s' in\n%s",
		    must[i], r.headers);
	http_resp_free(&r);
}

Test(roundtrip, json_answer_has_link_id_expiry_size)
{
	static const char *const h[] = { "Accept: application/json", NULL };
	struct http_resp r;
	struct link l;

	cr_assert_eq(http_do("PUT", "/api/v1/files/a.txt", h, "abc", 3, &r), 0);
	cr_assert_eq(r.status, 201);
	cr_assert(strstr(r.body, "\"link\":\"http") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "\"size\":3") != NULL);
	cr_assert(strstr(r.body, "\"expires_at\":\"") != NULL);
	cr_assert(strstr(r.body, "\"owner_token\":\"") != NULL);
	cr_assert(link_parse(r.body, &l));
	cr_assert(strstr(r.body, l.id) != NULL);
	http_resp_free(&r);
}

Test(roundtrip, chunked_upload_round_trips)
{
	static const char *const h[] = { "Transfer-Encoding: chunked", NULL };
	uint8_t data[200000];
	struct http_resp r;
	struct link l;

	fill_pattern(data, sizeof(data), 77);
	cr_assert_eq(http_do("PUT", "/api/v1/files/c.bin", h, data,
	    sizeof(data), &r), 0);
	/*
	 * Behind lighttpd (make itest-lighttpd) a chunked body cannot reach
	 * a FastCGI app while streaming: lighttpd 1.4.69 needs the length
	 * for CONTENT_LENGTH and answers 411 Length Required rather than
	 * collect the body first (which would put plaintext in its temp
	 * files).  deploy/lighttpd/onetimeshare.conf, docs/OPERATIONS.md.
	 */
	if (getenv("OTS_WEB") != NULL && strcmp(getenv("OTS_WEB"),
	    "lighttpd") == 0) {
		cr_assert_eq(r.status, 411, "%ld %s", r.status, r.body);
		http_resp_free(&r);
		return;
	}
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, &l));
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.len, sizeof(data));
	cr_assert(memcmp(r.body, data, sizeof(data)) == 0);
	http_resp_free(&r);
}

Test(roundtrip, multipart_upload_keeps_utf8_name)
{
	static const char body[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"expires_in\"\r\n\r\n"
	    "1h\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"r\xc3\xa9sum\xc3\xa9 2026.pdf\"\r\n"
	    "Content-Type: application/pdf\r\n\r\n"
	    "line one\r\n--XyNot a boundary\r\nline --XyZ two\r\n"
	    "--XyZ--\r\n";
	static const char *const h[] = {
		"Content-Type: multipart/form-data; boundary=XyZ", NULL };
	struct http_resp r;
	struct link l;

	cr_assert_eq(http_do("POST", "/api/v1/files", h, body, sizeof(body) - 1,
	    &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, &l));
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body,
	    "line one\r\n--XyNot a boundary\r\nline --XyZ two");
	cr_assert(strstr(r.headers, "filename*=UTF-8''r%C3%A9sum%C3%A9%202026.pdf")
	    != NULL, "%s", r.headers);
	cr_assert(strstr(r.headers, "filename=\"r__sum__ 2026.pdf\"") != NULL,
	    "%s", r.headers);
	http_resp_free(&r);
}

Test(roundtrip, text_field_is_a_share)
{
	static const char body[] =
	    "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
	    "the password is swordfish\r\n--b--\r\n";
	static const char *const h[] = {
		"Content-Type: multipart/form-data; boundary=b", NULL };
	struct http_resp r;
	struct link l;

	cr_assert_eq(http_do("POST", "/api/v1/files", h, body, sizeof(body) - 1,
	    &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, &l));
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "the password is swordfish");
	cr_assert(strstr(r.headers, "X-Share-Kind: text") != NULL);
	http_resp_free(&r);
}

Test(roundtrip, looking_consumes_nothing)
{
	static const char *const browser[] = {
		"Accept: text/html,application/xhtml+xml", NULL };
	static const char *const prefetch[] = {
		"Accept: text/html", "Sec-Purpose: prefetch", NULL };
	struct http_resp r;
	struct link l;
	char path[256], keyhdr[256];
	const char *const withkey[] = { keyhdr, NULL };

	cr_assert_eq(upload_put("look.txt", "look", 4, &l), 201);
	snprintf(path, sizeof(path), "/d/%s", l.id);
	cr_assert_eq(http_do("GET", path, NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "curl -fOJ -d key=KEY") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, l.key) == NULL, "the page leaked the key");
	http_resp_free(&r);
	cr_assert_eq(http_do("GET", path, browser, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.headers, "text/html") != NULL);
	cr_assert(strstr(r.headers, "Content-Security-Policy: default-src 'self'")
	    != NULL, "%s", r.headers);
	http_resp_free(&r);
	cr_assert_eq(http_do("GET", path, prefetch, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	cr_assert_eq(http_do("HEAD", path, NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/files/%s", l.id);
	cr_assert_eq(http_do("GET", path, NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "\"size\":4") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "\"available\":true") != NULL);
	cr_assert(strstr(r.body, "look.txt") == NULL, "name without the key");
	http_resp_free(&r);
	snprintf(keyhdr, sizeof(keyhdr), "X-Key: %s", l.key);
	cr_assert_eq(http_do("GET", path, withkey, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "\"name\":\"look.txt\"") != NULL, "%s", r.body);
	http_resp_free(&r);

	cr_assert(data_has(l.id), "a GET consumed the share");
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "look");
	http_resp_free(&r);
}

Test(roundtrip, wrong_key_gets_403_and_consumes_nothing)
{
	struct link l;
	struct http_resp r;
	char bad[64];

	cr_assert_eq(upload_put("k.txt", "key test", 8, &l), 201);
	memcpy(bad, l.key, sizeof(bad));
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	cr_assert_eq(claim(l.id, bad, &r), 0);
	cr_assert_eq(r.status, 403, "%ld %s", r.status, r.body);
	cr_assert(strstr(r.body, "wrong_key") != NULL);
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, "short", &r), 0);
	cr_assert_eq(r.status, 403);
	http_resp_free(&r);
	cr_assert(data_has(l.id));
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "key test");
	http_resp_free(&r);
}

Test(roundtrip, claim_after_claim_leaves_receipt_only)
{
	struct link l;
	struct http_resp r;
	char pat[128];

	cr_assert_eq(upload_put("r.txt", "x", 1, &l), 201);
	snprintf(pat, sizeof(pat), "ots:{%s}:*", l.id);
	cr_assert_eq(redis_count(pat), 2);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	snprintf(pat, sizeof(pat), "ots:{%s}:s", l.id);
	cr_assert_eq(redis_count(pat), 0, "share hash survived the claim");
	snprintf(pat, sizeof(pat), "ots:{%s}:r", l.id);
	cr_assert_eq(redis_count(pat), 1, "no receipt after the claim");
}
