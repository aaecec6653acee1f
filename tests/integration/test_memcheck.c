/*
 * A request mix that walks every route family: uploads (PUT, multipart,
 * text, password), claims won and lost, wrong keys and passwords, bad
 * input, owner status and revoke, metadata, health and metrics.
 *
 * In any run it checks the answers.  Under `make valgrind`
 * (OTS_VALGRIND=1, the workers started under valgrind's memcheck through
 * OTS_WORKER_WRAPPER) it also stops the workers (SIGTERM, a clean drain)
 * and reads memcheck's report for each of them in the workers' log: no
 * error and no definite leak, in two lifetimes, a short and a ten times
 * longer mix; and what is still in use at exit must not grow with the
 * number of requests (a leak that stays reachable, e.g. in a list, is no
 * "definite" leak but grows that figure).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "e2e_client.h"
#include "itest.h"

TestSuite(memcheck, .timeout = 600);

static long
expect(const char *method, const char *path, hdrs_t h, const void *body,
    size_t len, long status)
{
	struct http_resp r;
	long st;

	cr_assert_eq(http_do(method, path, h, body, len, &r), 0);
	st = r.status;
	cr_assert_eq(st, status, "%s %s: %ld %s", method, path, st, r.body);
	http_resp_free(&r);
	return st;
}

/* A PUT answered in JSON, for its owner token. */
static void
upload_owned(struct link *l, char owner[64])
{
	static const char text[] = PLAINTEXT_MARKER " owned";
	static const char *const h[] = { "Accept: application/json", NULL };
	struct http_resp r;
	const char *o;

	cr_assert_eq(http_do("PUT", "/api/v1/files/owned.txt", h, text,
	    sizeof(text) - 1, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, l));
	o = strstr(r.body, "\"owner_token\":\"");
	cr_assert(o != NULL);
	snprintf(owner, 64, "%.22s", o + strlen("\"owner_token\":\""));
	record_secret(owner);
	http_resp_free(&r);
}

/* The end-to-end routes: a share in one request, claimed and its lease
 * fetched with a Range and confirmed; one in parts; a wrong link and a
 * wrong then right password; an abandoned upload; bad parts. */
static void
e2e_round(int round, bool pw)
{
	static uint8_t data[100000];
	struct e2e_share s;
	struct http_resp r;
	char id[23], tok[23], lease[23];

	fill_pattern(data, sizeof(data), (uint32_t)round + 77u);
	e2e_make(&s, data, sizeof(data), "mix-e2e.bin", NULL, NULL);
	cr_assert_eq(e2e_put(&s, &r), 201, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(e2e_claim(s.id, "AAAAAAAAAAAAAAAAAAAAAA", NULL, &r, NULL),
	    0);
	cr_assert_eq(r.status, 403);
	http_resp_free(&r);
	cr_assert_eq(e2e_claim(s.id, s.secret, NULL, &r, lease), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.len, s.clen);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("GET", s.id, lease, "bytes=100-", &r), 206);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);

	cr_assert_eq(e2e_upload_parts(&s, data, sizeof(data), "parts.bin",
	    pw ? "memcheck e2e pw" : NULL, 40000), 201);
	if (pw) {
		cr_assert_eq(e2e_claim(s.id, s.secret, "wrong", &r, NULL), 0);
		cr_assert_eq(r.status, 403);
		http_resp_free(&r);
	}
	cr_assert_eq(e2e_claim(s.id, s.secret, pw ? "memcheck e2e pw" : NULL,
	    &r, lease), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	cr_assert_eq(e2e_lease("DELETE", s.id, lease, NULL, &r), 204);
	http_resp_free(&r);
	e2e_free(&s);

	/* Abandoned, with a bad part first. */
	cr_assert_eq(e2e_create(5000, id, tok), 201);
	cr_assert_eq(e2e_patch(id, tok, 7, data, 100, &r), 409);
	http_resp_free(&r);
	cr_assert_eq(e2e_patch(id, "AAAAAAAAAAAAAAAAAAAAAA", 0, data, 100, &r),
	    403);
	http_resp_free(&r);
	{
		char path[96], auth[64];
		const char *h[] = { auth, NULL };

		snprintf(path, sizeof(path), "/api/v1/uploads/%s", id);
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
		expect("DELETE", path, h, NULL, 0, 204);
	}
}

/* One round of the mix; pw: also the password paths (Argon2id is slow
 * under valgrind). */
static void
mix_round(int round, bool pw)
{
	static const char mp[] =
	    "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
	    PLAINTEXT_MARKER " multipart\r\n--b--\r\n";
	static const char *const mph[] = {
		"Content-Type: multipart/form-data; boundary=b", NULL };
	static const char *const form[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	static const char bad_mp[] = "--b\r\nContent-Disposition: form-data; "
	    "name=\"file\"\r\n\r\nno end";
	static uint8_t big[200000];
	char path[256], auth[128], owner[64];
	const char *const ownh[] = { auth, NULL };
	struct http_resp r;
	struct link l;

	fill_pattern(big, sizeof(big), (uint32_t)round);
	/* Upload and claim, twice: won, then gone. */
	cr_assert_eq(upload_put("mix.bin", big, sizeof(big), &l), 201);
	snprintf(path, sizeof(path), "/api/v1/files/%s", l.id);
	expect("GET", path, NULL, NULL, 0, 200);
	cr_assert_eq(claim(l.id, "AAAAAAAAAAAAAAAAAAAAAA", &r), 0);
	cr_assert_eq(r.status, 403);
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.len, sizeof(big));
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410);
	http_resp_free(&r);

	/* A pasted text through the browser's form. */
	cr_assert_eq(http_do("POST", "/api/v1/files", mph, mp, sizeof(mp) - 1,
	    &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, &l));
	http_resp_free(&r);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);

	/* Owner: status, then revoke. */
	upload_owned(&l, owner);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", owner);
	snprintf(path, sizeof(path), "/api/v1/files/%s/status", l.id);
	expect("GET", path, ownh, NULL, 0, 200);
	snprintf(path, sizeof(path), "/api/v1/files/%s", l.id);
	expect("DELETE", path, NULL, NULL, 0, 403);
	expect("DELETE", path, ownh, NULL, 0, 200);
	expect("DELETE", path, ownh, NULL, 0, 410);

	/* A password: a wrong guess, then the right one. */
	if (pw) {
		cr_assert_eq(upload_pw("memcheck password", PLAINTEXT_MARKER
		    " protected", 31, &l, NULL, 0), 201);
		cr_assert_eq(claim_pw(l.id, l.key, "wrong", &r), 0);
		cr_assert_eq(r.status, 403);
		http_resp_free(&r);
		cr_assert_eq(claim_pw(l.id, l.key, "memcheck%20password", &r),
		    0);
		cr_assert_eq(r.status, 200);
		http_resp_free(&r);
	}

	e2e_round(round, pw);

	/* Bad input. */
	expect("POST", "/api/v1/files", mph, bad_mp, sizeof(bad_mp) - 1, 400);
	expect("POST", "/d/not-an-id", form, "key=x", 5, 404);
	expect("POST", "/d/AAAAAAAAAAAAAAAAAAAAAA", form, "key=x", 5, 404);
	expect("GET", "/api/v1/files/AAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 0,
	    404);
	expect("PUT", "/api/v1/files/x?expires_in=forever", NULL, "x", 1, 400);
	expect("GET", "/api/v1/nothing", NULL, NULL, 0, 404);

	/* Light routes. */
	expect("GET", "/health/live", NULL, NULL, 0, 200);
	expect("GET", "/health/ready", NULL, NULL, 0, 200);
	expect("GET", "/metrics", NULL, NULL, 0, 200);
	expect("GET", "/api/v1/config", NULL, NULL, 0, 200);
}

static bool
under_valgrind(void)
{
	const char *v = getenv("OTS_VALGRIND");

	return v != NULL && strcmp(v, "1") == 0;
}

/* memcheck's summary of one process, from its lines in the log. */
struct vg_report {
	bool vr_done;		/* the ERROR SUMMARY line was written */
	long vr_errors;
	long vr_definite;	/* bytes definitely lost */
	long vr_in_use;		/* bytes in use at exit */
};

/* A byte count in a memcheck line: "...: 1,234 bytes in ...". */
static long
vg_bytes(const char *p)
{
	long n = 0;

	while (*p == ' ' || *p == ':')
		p++;
	for (; (*p >= '0' && *p <= '9') || *p == ','; p++) {
		if (*p != ',')
			n = n * 10 + (*p - '0');
	}
	return n;
}

static void
vg_read(long pid, struct vg_report *out)
{
	char path[1024], tag[32], line[4096];
	FILE *f;
	size_t tlen;

	memset(out, 0, sizeof(*out));
	out->vr_definite = -1;
	snprintf(path, sizeof(path), "%s/log/app.log", itest_state());
	snprintf(tag, sizeof(tag), "==%ld== ", pid);
	tlen = strlen(tag);
	f = fopen(path, "r");
	cr_assert(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p;

		if (strncmp(line, tag, tlen) != 0)
			continue;
		p = line + tlen;
		if (strncmp(p, "ERROR SUMMARY:", 14) == 0) {
			out->vr_done = true;
			out->vr_errors = vg_bytes(p + 14);
		} else if (strstr(p, "in use at exit:") != NULL) {
			out->vr_in_use = vg_bytes(strstr(p, "in use at exit:") +
			    15);
		} else if (strstr(p, "definitely lost:") != NULL) {
			out->vr_definite = vg_bytes(strstr(p,
			    "definitely lost:") + 16);
		} else if (strstr(p, "All heap blocks were freed") != NULL) {
			out->vr_definite = 0;
		}
	}
	fclose(f);
}

#define WORKERS 2

/*
 * Runs rounds of the mix in fresh workers, stops them and checks each
 * one's report; in_use gets the largest "in use at exit".
 */
static void
lifetime(int rounds, long *in_use)
{
	long pids[WORKERS];
	int i;

	devstack("workers-start");
	for (i = 0; i < WORKERS; i++)
		pids[i] = worker_pid(i + 1);
	for (i = 0; i < rounds; i++)
		mix_round(i, i % 5 == 0);
	devstack("workers-stop");
	*in_use = 0;
	for (i = 0; i < WORKERS; i++) {
		struct vg_report vr;

		vg_read(pids[i], &vr);
		cr_assert(vr.vr_done, "no memcheck summary for worker %ld: it "
		    "did not exit by itself (or is not under valgrind)",
		    pids[i]);
		cr_assert_eq(vr.vr_errors, 0, "memcheck found %ld errors in "
		    "worker %ld: see app.log", vr.vr_errors, pids[i]);
		cr_assert_eq(vr.vr_definite, 0, "worker %ld leaked %ld bytes",
		    pids[i], vr.vr_definite);
		cr_log_info("%d rounds: worker %ld: 0 errors, 0 bytes lost, "
		    "%ld bytes in use at exit", rounds, pids[i], vr.vr_in_use);
		if (vr.vr_in_use > *in_use)
			*in_use = vr.vr_in_use;
	}
}

Test(memcheck, a_request_mix_leaks_nothing_and_touches_no_bad_memory)
{
	long short_use, long_use;
	int i;

	if (!under_valgrind()) {
		for (i = 0; i < 3; i++)
			mix_round(i, true);
		return;
	}
	devstack("workers-stop");
	lifetime(2, &short_use);
	lifetime(20, &long_use);
	/* Ten times the requests (about 50 against 450): what is left at
	 * exit may not grow with them.  It is the same single block in both
	 * today; 1 KiB of slack still catches 4 bytes kept per request. */
	cr_assert_lt(long_use - short_use, 1024, "in use at exit grew "
	    "from %ld to %ld bytes with 10x the requests", short_use,
	    long_use);
	devstack("workers-start");
}
