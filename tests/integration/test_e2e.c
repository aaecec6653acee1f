/*
 * End-to-end shares through the real stack (docs/E2E.md): uploads in one
 * request and in parts, claims with proofs, the lease (Range, confirm,
 * lapse), passwords checked before the claim, and every new route's bad
 * inputs, each answered clearly with nothing left behind.  The client
 * side is libots (e2e_client.c), as the browser's is ots-crypto.js.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "e2e_client.h"
#include "itest.h"

TestSuite(e2e, .timeout = 120);

#define CLAIM_FORM "Content-Type: application/x-www-form-urlencoded"

/* Claims s and checks that the container comes back whole and opens to
 * data; the lease token goes to lease. */
static void
claim_and_open(const struct e2e_share *s, const char *password,
    const uint8_t *data, size_t len, char *lease)
{
	struct http_resp r;
	uint8_t *plain = NULL;
	size_t plen = 0;
	char salt[40] = "";
	char *mode;

	if (password != NULL)
		e2e_salt(s->id, s->secret, salt, sizeof(salt));
	cr_assert_eq(e2e_claim(s->id, s->secret, password, &r, lease), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(r.len, s->clen);
	cr_assert(memcmp(r.body, s->container, s->clen) == 0);
	mode = http_header(&r, "X-Share-Mode");
	cr_assert(mode != NULL && strcmp(mode, "e2e") == 0);
	free(mode);
	cr_assert(e2e_open(s->id, s->secret, password, salt, r.body, r.len,
	    &plain, &plen));
	cr_assert_eq(plen, len);
	cr_assert(len == 0 || memcmp(plain, data, len) == 0);
	free(plain);
	http_resp_free(&r);
}

Test(e2e, one_request_share_round_trip_and_lease)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537,
		5u * 1024u * 1024u + 3u };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *data = e2e_pattern(sizes[i], (uint32_t)i + 1u);
		struct e2e_share s;
		struct http_resp r;
		char lease[23], *rc;

		e2e_make(&s, data, sizes[i], "report.pdf", NULL, NULL);
		cr_assert_eq(e2e_put(&s, &r), 201, "%zu: %s", sizes[i], r.body);
		cr_assert(strstr(r.body, "\"mode\":\"e2e\"") != NULL);
		http_resp_free(&r);
		claim_and_open(&s, NULL, data, sizes[i], lease);
		cr_assert_eq(strlen(lease), 22);
		/* Claimed: the next claim finds it gone. */
		cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, NULL), 0);
		cr_assert_eq(r.status, 410);
		http_resp_free(&r);
		/* The lease: the same bytes again, then confirmed. */
		cr_assert_eq(e2e_lease("GET", s.id, lease, NULL, &r), 200);
		cr_assert_eq(r.len, s.clen);
		cr_assert(memcmp(r.body, s.container, s.clen) == 0);
		http_resp_free(&r);
		rc = e2e_receipt(&s);
		cr_assert(strstr(rc, "\"state\":\"claimed\"") != NULL, "%s", rc);
		cr_assert(strstr(rc, "\"mode\":\"e2e\"") != NULL, "%s", rc);
		cr_assert(strstr(rc, "\"lease_ended_at\":null") != NULL, "%s",
		    rc);
		free(rc);
		cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
		http_resp_free(&r);
		cr_assert_eq(e2e_lease("GET", s.id, lease, NULL, &r), 410);
		http_resp_free(&r);
		rc = e2e_receipt(&s);
		cr_assert(strstr(rc, "\"lease_ended_at\":\"") != NULL, "%s",
		    rc);
		free(rc);
		cr_assert(!data_has(s.id));
		e2e_free(&s);
		free(data);
	}
}

Test(e2e, download_cut_at_half_resumes_with_range)
{
	size_t n = 3u * 1024u * 1024u + 11u;
	uint8_t *data = e2e_pattern(n, 7);
	struct e2e_share s;
	struct http_resp r;
	char lease[23], range[64];
	size_t half;

	e2e_make(&s, data, n, "big.bin", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201);
	http_resp_free(&r);
	claim_and_open(&s, NULL, data, n, lease);
	/* The receiver kept the first half: it fetches the rest. */
	half = s.clen / 2;
	snprintf(range, sizeof(range), "bytes=%zu-", half);
	cr_assert_eq(e2e_lease("GET", s.id, lease, range, &r), 206);
	cr_assert_eq(r.len, s.clen - half);
	cr_assert(memcmp(r.body, s.container + half, s.clen - half) == 0);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);
	free(data);
}

Test(e2e, lease_is_the_winners_only)
{
	uint8_t data[100];
	struct e2e_share s;
	struct http_resp r;
	char lease[23];
	struct snapshot before;

	fill_pattern(data, sizeof(data), 3);
	e2e_make(&s, data, sizeof(data), "x", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201);
	http_resp_free(&r);
	claim_and_open(&s, NULL, data, sizeof(data), lease);
	before = snapshot();
	/* Another token (a guess, or the owner's) gets nothing. */
	cr_assert_eq(e2e_lease("GET", s.id, s.owner, NULL, &r), 403, "%s",
	    r.body);
	cr_assert(strstr(r.body, "wrong_lease_token") != NULL);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("DELETE", s.id, s.owner, NULL, &r), 403);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("GET", s.id, "not-a-token", NULL, &r), 403);
	http_resp_free(&r);
	assert_unchanged(before, "a foreign lease token");
	/* The lease still runs for its holder. */
	cr_assert_eq(e2e_lease("GET", s.id, lease, NULL, &r), 200);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);
}

Test(e2e, upload_in_parts)
{
	size_t n = 2u * 1024u * 1024u + 5u;
	uint8_t *data = e2e_pattern(n, 11);
	struct e2e_share s;
	char lease[23];
	struct http_resp r;

	cr_assert_eq(e2e_upload_parts(&s, data, n, "parts.bin", NULL,
	    700u * 1024u), 201);
	claim_and_open(&s, NULL, data, n, lease);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);
	free(data);
}

Test(e2e, password_checked_before_the_claim)
{
	uint8_t data[300];
	struct e2e_share s;
	struct http_resp r;
	char lease[23];
	char *left;

	fill_pattern(data, sizeof(data), 5);
	e2e_make(&s, data, sizeof(data), "pw.txt", "right horse", NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_claim(s.id, s.secret, "wrong horse", &r, NULL), 0);
	cr_assert_eq(r.status, 403, "%s", r.body);
	cr_assert(strstr(r.body, "wrong_password") != NULL);
	left = http_header(&r, "X-Attempts-Left");
	cr_assert(left != NULL && strcmp(left, "4") == 0);
	free(left);
	http_resp_free(&r);
	claim_and_open(&s, "right horse", data, sizeof(data), lease);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);
}

Test(e2e, five_wrong_passwords_destroy_the_share)
{
	uint8_t data[64];
	struct e2e_share s;
	struct http_resp r;
	int i;

	fill_pattern(data, sizeof(data), 6);
	e2e_make(&s, data, sizeof(data), "pw.txt", "right horse", NULL);
	cr_assert_eq(e2e_put(&s, &r), 201);
	http_resp_free(&r);
	for (i = 0; i < 5; i++) {
		cr_assert_eq(e2e_claim(s.id, s.secret, "nope", &r, NULL), 0);
		cr_assert_eq(r.status, i < 4 ? 403 : 410, "%d: %s", i, r.body);
		http_resp_free(&r);
	}
	cr_assert(!data_has(s.id));
	cr_assert_eq(e2e_claim(s.id, s.secret, "right horse", &r, NULL), 0);
	cr_assert_eq(r.status, 410);
	cr_assert(strstr(r.body, "locked") != NULL);
	http_resp_free(&r);
	e2e_free(&s);
}

Test(e2e, wrong_link_counts_nothing_and_server_never_decrypts)
{
	uint8_t data[64];
	struct e2e_share s, other;
	struct http_resp r;
	char path[96], body[160], hdr[96];
	const char *form[] = { CLAIM_FORM, NULL };
	const char *xkey[] = { hdr, NULL };
	struct snapshot before;
	char lease[23];

	fill_pattern(data, sizeof(data), 8);
	e2e_make(&s, data, sizeof(data), "k.txt", "pw", NULL);
	cr_assert_eq(e2e_put(&s, &r), 201);
	http_resp_free(&r);
	e2e_make(&other, data, sizeof(data), "k.txt", NULL, NULL);
	before = snapshot();
	/* Another link's secret: 403, no attempt counted. */
	cr_assert_eq(e2e_claim(s.id, other.secret, NULL, &r, NULL), 0);
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(r.body, "wrong_key") != NULL);
	http_resp_free(&r);
	/* The server-side way: refused, the share untouched. */
	snprintf(path, sizeof(path), "/d/%s", s.id);
	snprintf(body, sizeof(body), "key=%s", s.secret);
	cr_assert_eq(http_do("POST", path, form, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 409, "%s", r.body);
	cr_assert(strstr(r.body, "e2e_share") != NULL);
	cr_assert(strstr(r.body, "browser") != NULL);
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/files/%s", s.id);
	snprintf(hdr, sizeof(hdr), "X-Key: %s", s.secret);
	cr_assert_eq(http_do("GET", path, xkey, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 409);
	http_resp_free(&r);
	cr_assert_eq(http_do("GET", path, NULL, NULL, 0, &r), 0);
	cr_assert(strstr(r.body, "\"attempts_left\":5") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "\"mode\":\"e2e\"") != NULL);
	cr_assert(strstr(r.body, "\"meta\"") == NULL);
	http_resp_free(&r);
	assert_unchanged(before, "a wrong link or a key on an e2e share");
	claim_and_open(&s, "pw", data, sizeof(data), lease);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);
	e2e_free(&other);
}

Test(e2e, proofs_on_a_server_side_share_are_refused)
{
	uint8_t data[64];
	struct link l;
	struct http_resp r;
	char path[96], body[160], link[44], hdr[96];
	const char *form[] = { CLAIM_FORM, NULL };
	const char *xproof[] = { hdr, NULL };

	fill_pattern(data, sizeof(data), 9);
	cr_assert_eq(upload_put("s.bin", data, sizeof(data), &l), 201);
	e2e_proofs(l.id, l.key, NULL, NULL, link, NULL);
	snprintf(path, sizeof(path), "/d/%s", l.id);
	snprintf(body, sizeof(body), "link_proof=%s", link);
	cr_assert_eq(http_do("POST", path, form, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.body, "not_e2e") != NULL);
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/files/%s", l.id);
	snprintf(hdr, sizeof(hdr), "X-Link-Proof: %s", link);
	cr_assert_eq(http_do("GET", path, xproof, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 400);
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
}

Test(e2e, info_with_the_link_proof_gives_the_sealed_name_and_salt)
{
	uint8_t data[10];
	struct e2e_share s;
	struct http_resp r;
	char salt[40], lease[23];

	fill_pattern(data, sizeof(data), 10);
	e2e_make(&s, data, sizeof(data), "n.txt", "pw", NULL);
	cr_assert_eq(e2e_put(&s, &r), 201);
	http_resp_free(&r);
	e2e_salt(s.id, s.secret, salt, sizeof(salt));
	cr_assert_eq(strlen(salt), 22);
	cr_assert(strstr(s.h_salt, salt) != NULL);
	claim_and_open(&s, "pw", data, sizeof(data), lease);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);
}
