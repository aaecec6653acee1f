/*
 * End-to-end shares' bad inputs (docs/API.md, "End-to-end shares"): each
 * gets its status and code, and leaves nothing behind — no file, no
 * upload, no lease, no key — and an upload's offset where it was.  Also
 * the lease's lapse, OTS_CLAIM_LEASE=0, abandoned uploads, and slow
 * clients that must never hold a worker thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "e2e_client.h"
#include "itest.h"

TestSuite(e2e_refuse, .timeout = 120);

#define CLAIM_FORM "Content-Type: application/x-www-form-urlencoded"

/* An answer's status and, when code is not NULL, its error code. */
static void
expect(const struct http_resp *r, long status, const char *code)
{
	cr_assert_eq(r->status, status, "%ld %s", r->status, r->body);
	if (code != NULL)
		cr_assert(strstr(r->body, code) != NULL, "%s", r->body);
}

/*
 * PUT /api/v1/uploads/{path_id} with s's container (or body, blen) and
 * s's seal headers, with header lines swapped: each of swap is
 * "Name: value" replacing s's header of that name, or "-Name" dropping it.
 */
static long
put_with(const struct e2e_share *s, const char *path_id, const void *body,
    size_t blen, const char *const *swap, struct http_resp *out)
{
	const char *base[12], *h[24];
	char path[160];
	size_t n = 0, i, j;

	e2e_seal_headers(s, base, 8);
	for (i = 0; base[i] != NULL; i++)
		;
	base[i++] = s->h_size;
	base[i] = NULL;
	for (i = 0; base[i] != NULL; i++) {
		bool keep = true;

		for (j = 0; swap != NULL && swap[j] != NULL; j++) {
			const char *name = swap[j][0] == '-' ? swap[j] + 1 :
			    swap[j];
			size_t nl = strcspn(name, ":");

			if (strncasecmp(base[i], name, nl) == 0 &&
			    base[i][nl] == ':')
				keep = false;
		}
		if (keep)
			h[n++] = base[i];
	}
	for (j = 0; swap != NULL && swap[j] != NULL; j++)
		if (swap[j][0] != '-')
			h[n++] = swap[j];
	h[n++] = "Content-Type: application/octet-stream";
	h[n] = NULL;
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", path_id);
	if (body == NULL) {
		body = s->container;
		blen = s->clen;
	}
	cr_assert_eq(http_do("PUT", path, h, body, blen, out), 0);
	return out->status;
}

/* A PUT of s changed by swap is refused with status and code, and
 * leaves nothing behind. */
static void
put_refused(const struct e2e_share *s, const char *const *swap,
    long status, const char *code)
{
	struct snapshot before = snapshot();
	struct http_resp r;

	put_with(s, s->id, NULL, 0, swap, &r);
	expect(&r, status, code);
	http_resp_free(&r);
	assert_unchanged(before, code);
}

Test(e2e_refuse, put_headers)
{
	static const char *const no_size[] = { "-X-Upload-Size", NULL };
	static const char *const bad_size[] = { "X-Upload-Size: 12x", NULL };
	static const char *const off_size[] = { "X-Upload-Size: 1001",
		NULL };
	static const char *const huge[] = { "X-Upload-Size: 99999999999",
		NULL };
	static const char *const no_meta[] = { "-X-Meta", NULL };
	static const char *const bad_meta[] = { "X-Meta: not*base64", NULL };
	static const char *const short_meta[] = { "X-Meta: AAAA", NULL };
	static const char *const no_lcheck[] = { "-X-Link-Check", NULL };
	static const char *const bad_lcheck[] = {
		"X-Link-Check: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		NULL };
	static const char *const salt_only[] = {
		"X-Password-Salt: AAAAAAAAAAAAAAAAAAAAAA", NULL };
	uint8_t *data = e2e_pattern(1000, 11);
	struct e2e_share s;

	e2e_make(&s, data, 1000, "a.txt", NULL, NULL);
	put_refused(&s, no_size, 400, "bad_size");
	put_refused(&s, bad_size, 400, "bad_size");
	put_refused(&s, off_size, 400, "size_mismatch");
	put_refused(&s, huge, 413, "too_large");
	put_refused(&s, no_meta, 400, "bad_seal");
	put_refused(&s, bad_meta, 400, "bad_seal");
	put_refused(&s, short_meta, 400, "bad_seal");
	put_refused(&s, no_lcheck, 400, "bad_seal");
	put_refused(&s, bad_lcheck, 400, "bad_seal");
	put_refused(&s, salt_only, 400, "bad_seal");
	e2e_free(&s);
	free(data);
}

Test(e2e_refuse, put_password_cost_under_the_servers)
{
	static const char *const weak[] = { "X-Password-Cost: 1024,1,1",
		NULL };
	static const char *const junk[] = { "X-Password-Cost: lots", NULL };
	static const char *const no_check[] = { "-X-Password-Check", NULL };
	uint8_t *data = e2e_pattern(100, 12);
	struct e2e_share s;

	e2e_make(&s, data, 100, "a.txt", "pw-Weak-Cost-1", NULL);
	put_refused(&s, weak, 400, "weak_password_cost");
	put_refused(&s, junk, 400, "weak_password_cost");
	put_refused(&s, no_check, 400, "bad_seal");
	e2e_free(&s);
	free(data);
}

Test(e2e_refuse, put_bad_ids_queries_and_lengths)
{
	uint8_t *data = e2e_pattern(300, 13);
	struct snapshot before;
	struct e2e_share s;
	struct http_resp r;
	char path[96];
	const char *h[] = { s.h_size, s.h_meta, s.h_lcheck, NULL, NULL };

	e2e_make(&s, data, 300, "a.txt", NULL, NULL);
	before = snapshot();
	put_with(&s, "short", NULL, 0, NULL, &r);
	expect(&r, 400, "bad_id");
	http_resp_free(&r);
	put_with(&s, "AAAAAAAAAAAAAAAAAAAAA*", NULL, 0, NULL, &r);
	expect(&r, 400, "bad_id");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "%s?expires_in=1h", s.id);
	put_with(&s, path, NULL, 0, NULL, &r);
	expect(&r, 400, "unknown_option");
	http_resp_free(&r);
	/* A body shorter than the container its size announces. */
	put_with(&s, s.id, s.container, s.clen - 1, NULL, &r);
	expect(&r, 400, "size_mismatch");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", s.id);
	cr_assert_eq(http_do("PUT", path, h, NULL, 0, &r), 0);
	expect(&r, 411, "length_required");
	http_resp_free(&r);
	assert_unchanged(before, "bad PUTs");
	/* A chunked body is fine: nginx reads it whole and gives its
	 * length. */
	h[3] = "Transfer-Encoding: chunked";
	cr_assert_eq(http_do("PUT", path, h, s.container, s.clen, &r), 0);
	expect(&r, 201, NULL);
	http_resp_free(&r);
	e2e_free(&s);
	free(data);
}

Test(e2e_refuse, put_over_part_max_is_413)
{
	/* part_max is 16 MiB in the test stack: a container over it must
	 * go in parts.  nginx or the app may answer; nothing is stored. */
	size_t n = 16u * 1024u * 1024u + 1u;
	uint8_t *data = e2e_pattern(n, 14);
	struct snapshot before = snapshot();
	struct e2e_share s;
	struct http_resp r;

	e2e_make(&s, data, n, "big.bin", NULL, NULL);
	put_with(&s, s.id, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, 413, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	assert_unchanged(before, "PUT over part_max");
	e2e_free(&s);
	free(data);
}

Test(e2e_refuse, put_of_a_container_for_another_id)
{
	uint8_t *data = e2e_pattern(500, 15);
	struct e2e_share s, other;
	struct snapshot before;
	struct http_resp r;
	uint8_t *junk;

	e2e_make(&s, data, 500, "a.txt", NULL, NULL);
	e2e_make(&other, data, 500, "a.txt", NULL, NULL);
	before = snapshot();
	put_with(&s, s.id, other.container, other.clen, NULL, &r);
	expect(&r, 400, "bad_container");
	http_resp_free(&r);
	/* Bytes that are no container at all. */
	junk = e2e_pattern(s.clen, 16);
	put_with(&s, s.id, junk, s.clen, NULL, &r);
	expect(&r, 400, "bad_container");
	http_resp_free(&r);
	assert_unchanged(before, "foreign containers");
	free(junk);
	e2e_free(&other);
	e2e_free(&s);
	free(data);
}

Test(e2e_refuse, a_taken_id_keeps_its_first_share)
{
	uint8_t *data = e2e_pattern(700, 17), *plain = NULL;
	uint8_t *data2 = e2e_pattern(700, 18);
	struct e2e_share s, again;
	struct snapshot before;
	struct http_resp r;
	size_t plen = 0;

	e2e_make(&s, data, 700, "first.txt", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	e2e_make(&again, data2, 700, "second.txt", NULL, s.id);
	before = snapshot();
	cr_assert_eq(e2e_put(&again, &r), 409);
	expect(&r, 409, "id_taken");
	http_resp_free(&r);
	assert_unchanged(before, "id taken");
	/* The first share is whole and opens with the first link. */
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, NULL), 0);
	expect(&r, 200, NULL);
	cr_assert(e2e_open(s.id, s.secret, NULL, "", r.body, r.len, &plain,
	    &plen));
	cr_assert(plen == 700 && memcmp(plain, data, 700) == 0);
	free(plain);
	http_resp_free(&r);
	e2e_free(&again);
	e2e_free(&s);
	free(data2);
	free(data);
}

/* HEAD of an upload: its status and stored offset (-1 when none). */
static long long
upload_offset(const char *id, const char *token, long *status)
{
	char path[96], auth[64], *off;
	const char *h[] = { auth, NULL };
	struct http_resp r;
	long long o = -1;

	snprintf(path, sizeof(path), "/api/v1/uploads/%s", id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	cr_assert_eq(http_do("HEAD", path, h, NULL, 0, &r), 0);
	*status = r.status;
	if ((off = http_header(&r, "Upload-Offset")) != NULL)
		o = strtoll(off, NULL, 10);
	free(off);
	http_resp_free(&r);
	return o;
}

/* An upload in parts of share s (made for the id the server drew). */
struct started {
	struct e2e_share s;
	char id[23], token[23];
	uint8_t *data;
	size_t len;
};

static void
start_upload(struct started *u, size_t len, uint32_t seed)
{
	memset(u, 0, sizeof(*u));
	u->len = len;
	u->data = e2e_pattern(len, seed);
	cr_assert_eq(e2e_create(len, u->id, u->token), 201);
	e2e_make(&u->s, u->data, len, "parts.bin", NULL, u->id);
}

static void
end_upload(struct started *u)
{
	e2e_free(&u->s);
	free(u->data);
}

/* The committed upload u claims whole and opens to its data. */
static void
claim_whole(struct started *u)
{
	uint8_t *plain = NULL;
	size_t plen = 0;
	struct http_resp r;

	cr_assert_eq(e2e_claim(u->id, u->s.secret, NULL, &r, NULL), 0);
	expect(&r, 200, NULL);
	cr_assert(e2e_open(u->id, u->s.secret, NULL, "", r.body, r.len,
	    &plain, &plen));
	cr_assert(plen == u->len && memcmp(plain, u->data, u->len) == 0);
	free(plain);
	http_resp_free(&r);
}

/* A PATCH refused with status and code that moves nothing. */
static void
patch_refused(struct started *u, const char *token, uint64_t off,
    const void *p, size_t n, long status, const char *code)
{
	struct snapshot before = snapshot();
	long hs = 0;
	long long at = upload_offset(u->id, u->token, &hs);
	struct http_resp r;

	e2e_patch(u->id, token, off, p, n, &r);
	expect(&r, status, code);
	http_resp_free(&r);
	cr_assert_eq(upload_offset(u->id, u->token, &hs), at, "%s", code);
	assert_unchanged(before, code);
}

Test(e2e_refuse, parts_refused)
{
	struct started u, other;
	struct http_resp r;
	char *off;
	const size_t half = 40000;

	start_upload(&u, 100000, 21);
	start_upload(&other, 1000, 22);
	patch_refused(&u, other.token, 0, u.s.container, half, 403,
	    "wrong_upload_token");
	patch_refused(&u, "not-a-token", 0, u.s.container, half, 403,
	    "wrong_upload_token");
	patch_refused(&u, u.token, 0, u.s.container, 0, 400, "empty_part");
	patch_refused(&u, u.token, 5, u.s.container + 5, half, 409,
	    "offset_mismatch");
	/* The first half, then refusals at the new offset. */
	cr_assert_eq(e2e_patch(u.id, u.token, 0, u.s.container, half, &r),
	    204, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_patch(u.id, u.token, 0, u.s.container, half, &r),
	    409);
	expect(&r, 409, "offset_mismatch");
	off = http_header(&r, "Upload-Offset");
	cr_assert(off != NULL && strtoull(off, NULL, 10) == half);
	free(off);
	http_resp_free(&r);
	patch_refused(&u, u.token, half, u.s.container + half,
	    u.s.clen - half + 1, 413, "part_too_large");
	/* Commit before the end: 409 and where the upload is. */
	cr_assert_eq(e2e_commit(&u.s, u.token, &r), 409);
	expect(&r, 409, "incomplete");
	off = http_header(&r, "Upload-Offset");
	cr_assert(off != NULL && strtoull(off, NULL, 10) == half);
	free(off);
	http_resp_free(&r);
	/* No upload of that id, and no token at all. */
	patch_refused(&u, "", half, u.s.container + half, 10, 403,
	    "wrong_upload_token");
	{
		struct snapshot before = snapshot();

		e2e_patch("AAAAAAAAAAAAAAAAAAAAAA", u.token, 0, "x", 1, &r);
		expect(&r, 404, "not_found");
		http_resp_free(&r);
		assert_unchanged(before, "no such upload");
	}
	end_upload(&other);
	end_upload(&u);
}

Test(e2e_refuse, part_headers_and_bodies)
{
	struct started u;
	struct snapshot before;
	struct http_resp r;
	char path[96], auth[64], hsize[48];
	const char *no_off[] = { auth, NULL };
	const char *bad_off[] = { auth, "Upload-Offset: -1", NULL };
	const char *with_body[] = { hsize, NULL };

	start_upload(&u, 5000, 23);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", u.id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", u.token);
	before = snapshot();
	cr_assert_eq(http_do("PATCH", path, no_off, u.s.container, 100, &r),
	    0);
	expect(&r, 400, "bad_offset");
	http_resp_free(&r);
	cr_assert_eq(http_do("PATCH", path, bad_off, u.s.container, 100, &r),
	    0);
	expect(&r, 400, "bad_offset");
	http_resp_free(&r);
	/* Starting an upload takes no body. */
	snprintf(hsize, sizeof(hsize), "X-Upload-Size: %d", 10);
	cr_assert_eq(http_do("POST", "/api/v1/uploads", with_body, "body", 4,
	    &r), 0);
	expect(&r, 400, "unexpected_body");
	http_resp_free(&r);
	cr_assert_eq(http_do("POST", "/api/v1/uploads?x=1", with_body, NULL,
	    0, &r), 0);
	expect(&r, 400, "unknown_option");
	http_resp_free(&r);
	snprintf(hsize, sizeof(hsize), "X-Upload-Size: %s", "1e3");
	cr_assert_eq(http_do("POST", "/api/v1/uploads", with_body, NULL, 0,
	    &r), 0);
	expect(&r, 400, "bad_size");
	http_resp_free(&r);
	assert_unchanged(before, "bad part headers");
	end_upload(&u);
}

Test(e2e_refuse, a_part_in_progress_blocks_the_next)
{
	struct started u;
	struct http_resp r;
	char *ra;

	start_upload(&u, 3000, 24);
	/* As a worker does while it stores a part (uppart.lua). */
	redis_exec("SET ots:{%s}:ul someone-else PX 5000", u.id);
	patch_refused(&u, u.token, 0, u.s.container, u.s.clen, 409,
	    "part_in_progress");
	cr_assert_eq(e2e_patch(u.id, u.token, 0, u.s.container, u.s.clen,
	    &r), 409);
	ra = http_header(&r, "Retry-After");
	cr_assert(ra != NULL && strcmp(ra, "1") == 0);
	free(ra);
	http_resp_free(&r);
	redis_exec("DEL ots:{%s}:ul", u.id);
	cr_assert_eq(e2e_patch(u.id, u.token, 0, u.s.container, u.s.clen,
	    &r), 204, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_commit(&u.s, u.token, &r), 201, "%s", r.body);
	http_resp_free(&r);
	end_upload(&u);
}

struct racer {
	struct started *u;
	long status;
};

static void *
race_patch(void *arg)
{
	struct racer *x = arg;
	struct http_resp r;

	x->status = e2e_patch(x->u->id, x->u->token, 0, x->u->s.container,
	    x->u->s.clen, &r);
	http_resp_free(&r);
	return NULL;
}

Test(e2e_refuse, concurrent_parts_store_one)
{
	enum { N = 6 };
	struct started u;
	struct racer x[N];
	pthread_t t[N];
	struct http_resp r;
	int i, won = 0;
	long hs = 0;

	start_upload(&u, 2u * 1024u * 1024u, 25);
	for (i = 0; i < N; i++) {
		x[i].u = &u;
		cr_assert_eq(pthread_create(&t[i], NULL, race_patch, &x[i]), 0);
	}
	for (i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		if (x[i].status == 204)
			won++;
		else
			cr_assert_eq(x[i].status, 409);
	}
	cr_assert_eq(won, 1);
	cr_assert_eq(upload_offset(u.id, u.token, &hs), (long long)u.s.clen);
	cr_assert_eq(e2e_commit(&u.s, u.token, &r), 201, "%s", r.body);
	http_resp_free(&r);
	claim_whole(&u);
	end_upload(&u);
}

Test(e2e_refuse, commit_checks_the_container_and_happens_once)
{
	struct started u;
	struct e2e_share other;
	struct snapshot before;
	struct http_resp r;
	long hs = 0;

	start_upload(&u, 4000, 26);
	/* The bytes of a container made for another id. */
	e2e_make(&other, u.data, u.len, "x", NULL, NULL);
	cr_assert_eq(other.clen, u.s.clen);
	cr_assert_eq(e2e_patch(u.id, u.token, 0, other.container, other.clen,
	    &r), 204, "%s", r.body);
	http_resp_free(&r);
	before = snapshot();
	cr_assert_eq(e2e_commit(&u.s, u.token, &r), 400);
	expect(&r, 400, "bad_container");
	http_resp_free(&r);
	assert_unchanged(before, "foreign commit");
	/* The upload is still there, to be abandoned. */
	cr_assert_eq(upload_offset(u.id, u.token, &hs), (long long)u.s.clen);
	cr_assert_eq(hs, 200);
	e2e_free(&other);
	end_upload(&u);

	start_upload(&u, 4000, 27);
	cr_assert_eq(e2e_patch(u.id, u.token, 0, u.s.container, u.s.clen,
	    &r), 204);
	http_resp_free(&r);
	cr_assert_eq(e2e_commit(&u.s, u.token, &r), 201, "%s", r.body);
	http_resp_free(&r);
	before = snapshot();
	cr_assert_eq(e2e_commit(&u.s, u.token, &r), 404);
	expect(&r, 404, "not_found");
	http_resp_free(&r);
	assert_unchanged(before, "second commit");
	end_upload(&u);
}

Test(e2e_refuse, abandoned_upload_is_gone_at_once)
{
	long before_uploads = data_uploads(), hs = 0;
	char path[96], auth[64];
	const char *h[] = { auth, NULL };
	struct started u;
	struct http_resp r;

	start_upload(&u, 9000, 28);
	cr_assert_eq(e2e_patch(u.id, u.token, 0, u.s.container, 4000, &r),
	    204);
	http_resp_free(&r);
	cr_assert_eq(data_uploads(), before_uploads + 1);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", u.id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", "wrong");
	cr_assert_eq(http_do("DELETE", path, h, NULL, 0, &r), 0);
	expect(&r, 403, "wrong_upload_token");
	http_resp_free(&r);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", u.token);
	cr_assert_eq(http_do("DELETE", path, h, NULL, 0, &r), 0);
	expect(&r, 204, NULL);
	http_resp_free(&r);
	cr_assert_eq(upload_offset(u.id, u.token, &hs), -1);
	cr_assert_eq(hs, 404);
	cr_assert_eq(data_uploads(), before_uploads);
	{
		char key[64];

		snprintf(key, sizeof(key), "ots:{%s}:u*", u.id);
		cr_assert_eq(redis_count(key), 0);
	}
	end_upload(&u);
}

Test(e2e_refuse, a_part_cut_off_moves_nothing)
{
	struct started u;
	char req[512];
	long hs = 0;
	int n;

	start_upload(&u, 300000, 29);
	n = snprintf(req, sizeof(req), "PATCH /api/v1/uploads/%s HTTP/1.1\r\n"
	    "Host: t\r\nAuthorization: Bearer %s\r\nUpload-Offset: 0\r\n"
	    "Content-Length: %zu\r\n\r\n", u.id, u.token, u.s.clen);
	{
		/* The headers and half the body, then the connection drops. */
		size_t half = u.s.clen / 2;
		char *buf = malloc((size_t)n + half);

		cr_assert(buf != NULL);
		memcpy(buf, req, (size_t)n);
		memcpy(buf + n, u.s.container, half);
		raw_request(buf, (size_t)n + half, true);
		free(buf);
	}
	usleep(300 * 1000);
	cr_assert_eq(upload_offset(u.id, u.token, &hs), 0);
	end_upload(&u);
}

Test(e2e_refuse, claim_forms)
{
	uint8_t *data = e2e_pattern(600, 30);
	char path[96], body[512], link[48], pass[48];
	const char *h[] = { CLAIM_FORM, NULL };
	struct snapshot before;
	struct e2e_share s;
	struct http_resp r;
	char *left;

	e2e_make(&s, data, 600, "p.txt", "pw-Claim-Forms-9", NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/d/%s", s.id);
	before = snapshot();
	/* Proofs of the wrong length or alphabet are wrong proofs, as a
	 * malformed key is a wrong key: 403, counted nowhere. */
	snprintf(body, sizeof(body), "link_proof=%s", "AAAA");
	cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r), 0);
	expect(&r, 403, "wrong_key");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "link_proof=%042d*", 0);
	cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r), 0);
	expect(&r, 403, "wrong_key");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "link_proof=%0300d", 0);
	cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r), 0);
	expect(&r, 403, "wrong_key");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "link_proof=%%zz");
	cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r), 0);
	expect(&r, 400, "bad_form");
	http_resp_free(&r);
	/* The right link without the password: asked for, not counted. */
	e2e_proofs(s.id, s.secret, NULL, NULL, link, pass);
	snprintf(body, sizeof(body), "link_proof=%s", link);
	cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r), 0);
	expect(&r, 403, "password_required");
	http_resp_free(&r);
	assert_unchanged(before, "bad claim forms");
	/* A malformed password proof is a wrong password, the first one
	 * counted: so none of the above counted. */
	snprintf(body, sizeof(body), "link_proof=%s&password_proof=%s", link,
	    "short");
	cr_assert_eq(http_do("POST", path, h, body, strlen(body), &r), 0);
	expect(&r, 403, "wrong_password");
	left = http_header(&r, "X-Attempts-Left");
	cr_assert(left != NULL && strcmp(left, "4") == 0, "%s", left);
	free(left);
	http_resp_free(&r);
	cr_assert(data_has(s.id), "a wrong password consumed the share");
	e2e_free(&s);
	free(data);
}

/* Restarts the workers with name=value (value NULL: back to default). */
static void
workers_with(const char *name, const char *value)
{
	if (value != NULL)
		setenv(name, value, 1);
	else
		unsetenv(name);
	devstack("workers-stop");
	devstack("workers-start");
}

static const char *leased_id;

static bool
lease_gone(void)
{
	return !data_leased(leased_id);
}

Test(e2e_refuse, lease_lapses_and_the_file_goes)
{
	uint8_t *data = e2e_pattern(2000, 31);
	long long lapsed;
	struct e2e_share s;
	struct http_resp r;
	char lease[23], *rc;

	workers_with("OTS_CLAIM_LEASE", "2s");
	lapsed = metric_now("ots_leases_ended_total{how=\"lapsed\"}");
	e2e_make(&s, data, 2000, "l.txt", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, lease), 0);
	expect(&r, 200, NULL);
	http_resp_free(&r);
	cr_assert(data_leased(s.id));
	leased_id = s.id;
	cr_assert(wait_until(lease_gone, 8000), "the lapsed lease's file stays");
	cr_assert_eq(e2e_lease("GET", s.id, lease, NULL, &r), 410);
	expect(&r, 410, "lease_ended");
	http_resp_free(&r);
	rc = e2e_receipt(&s);
	cr_assert(strstr(rc, "\"lease_ended_at\":\"") != NULL, "%s", rc);
	free(rc);
	cr_assert(wait_until_metric("ots_leases_ended_total{how=\"lapsed\"}",
	    lapsed + 1, 5000));
	workers_with("OTS_CLAIM_LEASE", NULL);
	e2e_free(&s);
	free(data);
}

/*
 * Behind a balancer the leased file is on the host that answered the
 * claim (docs/OPERATIONS.md, "More than one host"): a host without it
 * says so, 404 lease_not_here, and the lease is not spent.  Here the
 * file is moved away and back.
 */
Test(e2e_refuse, a_lease_whose_file_is_not_here_is_404_and_not_spent)
{
	uint8_t *data = e2e_pattern(3000, 33);
	struct e2e_share s;
	struct http_resp r;
	char lease[23], here[1100], away[1100];

	e2e_make(&s, data, 3000, "h.txt", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, lease), 0);
	expect(&r, 200, NULL);
	http_resp_free(&r);
	snprintf(here, sizeof(here), "%s/data/ots-lease/%s", itest_state(),
	    s.id);
	snprintf(away, sizeof(away), "%s/away-%s", itest_state(), s.id);
	cr_assert_eq(rename(here, away), 0);
	cr_assert_eq(e2e_lease("GET", s.id, lease, "bytes=10-", &r), 404);
	expect(&r, 404, "lease_not_here");
	http_resp_free(&r);
	cr_assert_eq(rename(away, here), 0);
	/* Still the holder's, whole. */
	cr_assert_eq(e2e_lease("GET", s.id, lease, NULL, &r), 200);
	cr_assert_eq(r.len, s.clen);
	cr_assert(memcmp(r.body, s.container, s.clen) == 0);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	cr_assert(!data_leased(s.id));
	e2e_free(&s);
	free(data);
}

Test(e2e_refuse, no_lease_streams_once_and_keeps_nothing)
{
	uint8_t *data = e2e_pattern(150000, 32), *plain = NULL;
	struct e2e_share s;
	struct http_resp r;
	size_t plen = 0;
	char *tok;

	workers_with("OTS_CLAIM_LEASE", "0");
	e2e_make(&s, data, 150000, "n.bin", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, NULL), 0);
	expect(&r, 200, NULL);
	tok = http_header(&r, "X-Lease-Token");
	cr_assert(tok == NULL, "a lease token without a lease");
	cr_assert(e2e_open(s.id, s.secret, NULL, "", r.body, r.len, &plain,
	    &plen));
	cr_assert(plen == 150000 && memcmp(plain, data, plen) == 0);
	free(plain);
	http_resp_free(&r);
	cr_assert(!data_has(s.id) && !data_leased(s.id));
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, NULL), 0);
	expect(&r, 410, NULL);
	http_resp_free(&r);
	workers_with("OTS_CLAIM_LEASE", NULL);
	e2e_free(&s);
	free(data);
}

static long uploads_at_start;

static bool
uploads_back(void)
{
	return data_uploads() == uploads_at_start;
}

Test(e2e_refuse, idle_uploads_are_swept, .timeout = 60)
{
	struct started u;
	struct http_resp r;
	long long abandoned;
	long hs = 0;

	workers_with("OTS_UPLOAD_IDLE", "10s");
	uploads_at_start = data_uploads();
	abandoned = metric_now("ots_uploads_abandoned_total");
	start_upload(&u, 9000, 33);
	cr_assert_eq(e2e_patch(u.id, u.token, 0, u.s.container, 3000, &r),
	    204);
	http_resp_free(&r);
	cr_assert_eq(data_uploads(), uploads_at_start + 1);
	cr_assert(wait_until(uploads_back, 20000), "the idle upload stays");
	cr_assert_eq(upload_offset(u.id, u.token, &hs), -1);
	cr_assert_eq(hs, 404);
	cr_assert(wait_until_metric("ots_uploads_abandoned_total",
	    abandoned + 1, 5000));
	workers_with("OTS_UPLOAD_IDLE", NULL);
	end_upload(&u);
}

Test(e2e_refuse, trickling_parts_hold_no_worker_thread, .timeout = 90)
{
	/* More slow parts than the stack has threads (2 workers x 8): nginx
	 * buffers each part whole, so the workers never wait for one. */
	enum { SLOW = 24 };
	int fds[SLOW], i;
	struct started u;
	char req[512];
	struct timespec t0;
	long hs = 0;

	start_upload(&u, 200000, 34);
	for (i = 0; i < SLOW; i++) {
		int n = snprintf(req, sizeof(req), "PATCH /api/v1/uploads/%s "
		    "HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
		    "Upload-Offset: 0\r\nContent-Length: %zu\r\n\r\n",
		    u.id, u.token, u.s.clen);

		fds[i] = raw_connect();
		cr_assert_eq(send(fds[i], req, (size_t)n, MSG_NOSIGNAL), n);
		cr_assert_eq(send(fds[i], u.s.container, 10, MSG_NOSIGNAL), 10);
	}
	usleep(500 * 1000);
	/* Whole requests go through at once meanwhile. */
	for (i = 0; i < 3; i++) {
		uint8_t *data = e2e_pattern(5000, 40u + (uint32_t)i);
		struct e2e_share s;
		struct http_resp r;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		e2e_make(&s, data, 5000, "q.txt", NULL, NULL);
		cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
		http_resp_free(&r);
		cr_assert_eq(http_do("GET", "/health/live", NULL, NULL, 0, &r),
		    0);
		expect(&r, 200, NULL);
		http_resp_free(&r);
		cr_assert_lt(ms_since(&t0), 3000, "a slow part held the stack");
		cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, NULL), 0);
		expect(&r, 200, NULL);
		http_resp_free(&r);
		e2e_free(&s);
		free(data);
	}
	for (i = 0; i < SLOW; i++)
		close(fds[i]);
	usleep(300 * 1000);
	cr_assert_eq(upload_offset(u.id, u.token, &hs), 0);
	end_upload(&u);
}

/* Every end-to-end route that changes state refuses another site's
 * page, as the server-side ones do (docs/SECURITY.md, CSRF). */
Test(e2e_refuse, cross_site_requests_change_nothing)
{
	static const char evil[] = "Origin: https://evil.example";
	uint8_t *data = e2e_pattern(800, 61);
	char path[128], auth[64], form[160], link[48], pass[48];
	const char *h_auth[] = { evil, auth, NULL };
	const char *h_form[] = { evil, CLAIM_FORM, NULL };
	const char *h_put[] = { evil, NULL, NULL, NULL, NULL };
	struct started u;
	struct e2e_share s;
	struct snapshot before;
	struct http_resp r;
	char lease[23];
	long hs = 0;

	e2e_make(&s, data, 800, "x.txt", NULL, NULL);
	start_upload(&u, 3000, 62);
	before = snapshot();
	h_put[1] = s.h_size;
	h_put[2] = s.h_meta;
	h_put[3] = s.h_lcheck;
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", s.id);
	cr_assert_eq(http_do("PUT", path, h_put, s.container, s.clen, &r), 0);
	expect(&r, 403, "cross_origin");
	http_resp_free(&r);
	cr_assert_eq(http_do("POST", "/api/v1/uploads", h_put, "", 0, &r), 0);
	expect(&r, 403, "cross_origin");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", u.id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", u.token);
	cr_assert_eq(http_do("DELETE", path, h_auth, NULL, 0, &r), 0);
	expect(&r, 403, "cross_origin");
	http_resp_free(&r);
	{
		const char *h_patch[] = { evil, auth, "Upload-Offset: 0", NULL };

		cr_assert_eq(http_do("PATCH", path, h_patch, u.s.container,
		    u.s.clen, &r), 0);
		expect(&r, 403, "cross_origin");
		http_resp_free(&r);
	}
	cr_assert_eq(upload_offset(u.id, u.token, &hs), 0);
	assert_unchanged(before, "cross-site uploads");
	/* A claim and a lease confirmation from another site. */
	cr_assert_eq(e2e_put(&s, &r), 201);
	http_resp_free(&r);
	e2e_proofs(s.id, s.secret, NULL, NULL, link, pass);
	snprintf(path, sizeof(path), "/d/%s", s.id);
	snprintf(form, sizeof(form), "link_proof=%s", link);
	cr_assert_eq(http_do("POST", path, h_form, form, strlen(form), &r), 0);
	expect(&r, 403, "cross_origin");
	http_resp_free(&r);
	cr_assert(data_has(s.id), "a cross-site claim took the share");
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, lease), 0);
	expect(&r, 200, NULL);
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/leases/%s", s.id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", lease);
	cr_assert_eq(http_do("DELETE", path, h_auth, NULL, 0, &r), 0);
	expect(&r, 403, "cross_origin");
	http_resp_free(&r);
	cr_assert(data_leased(s.id), "a cross-site confirmation ended the lease");
	end_upload(&u);
	e2e_free(&s);
	free(data);
}

Test(e2e_refuse, an_upload_survives_a_worker_restart)
{
	struct started u;
	struct http_resp r;
	long long at;
	long hs = 0;
	size_t half;

	start_upload(&u, 300000, 63);
	half = u.s.clen / 2;
	cr_assert_eq(e2e_patch(u.id, u.token, 0, u.s.container, half, &r),
	    204);
	http_resp_free(&r);
	devstack("workers-stop");
	devstack("workers-start");
	/* The client asks where it was and goes on from there. */
	at = upload_offset(u.id, u.token, &hs);
	cr_assert_eq(hs, 200);
	cr_assert_eq(at, (long long)half);
	cr_assert_eq(e2e_patch(u.id, u.token, (uint64_t)at, u.s.container +
	    at, u.s.clen - (size_t)at, &r), 204, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_commit(&u.s, u.token, &r), 201, "%s", r.body);
	http_resp_free(&r);
	claim_whole(&u);
	end_upload(&u);
}

/* With the workers down, a request with a body is told the truth (503
 * unavailable, JSON), never a false 413, and no id or name reaches
 * nginx's log (tests/integration/run scans it for every recorded one). */
Test(e2e_refuse, workers_down_is_unavailable_and_logs_no_id)
{
	static uint8_t body[20000];
	char path[96], auth[64];
	const char *h_part[] = { auth, "Upload-Offset: 0", NULL };
	const char *h_put[] = { "X-Upload-Size: 100", NULL };
	struct started u;
	struct http_resp r;

	start_upload(&u, 30000, 64);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", u.id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", u.token);
	record_secret("Workers-Down-Name-Q3");
	devstack("workers-stop");
	cr_assert_eq(http_do("PATCH", path, h_part, body, sizeof(body), &r), 0);
	cr_assert(r.status == 502 || r.status == 503, "%ld %s", r.status,
	    r.body);
	cr_assert(strstr(r.body, "unavailable") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(http_do("PUT", path, h_put, body, sizeof(body), &r), 0);
	cr_assert(strstr(r.body, "unavailable") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(http_do("PUT", "/api/v1/files/Workers-Down-Name-Q3.bin",
	    NULL, body, sizeof(body), &r), 0);
	cr_assert(strstr(r.body, "unavailable") != NULL, "%s", r.body);
	http_resp_free(&r);
	devstack("workers-start");
	/* nginx counts those 502s against the workers' sockets and sends
	 * nothing to them for a while (fail_timeout): the next test must
	 * find them serving. */
	cr_assert(wait_until(stack_ready, 20000), "the workers did not come "
	    "back");
	end_upload(&u);
}
