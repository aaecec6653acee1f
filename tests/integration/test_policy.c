/*
 * The policy layer against the real stack: passwords and their attempt
 * limit, expiry and the sweeper, owner revoke and receipt, /api/v1/config.
 * The stack runs with cheap Argon2id (8 MiB, t=1), a 1 s minimum expiry
 * and a 1 s sweeper (tests/integration/run).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "itest.h"

#define ATTEMPTS 5

TestSuite(policy, .timeout = 120);

Test(policy, password_round_trip)
{
	struct link l;
	struct http_resp r;

	cr_assert_eq(upload_pw("correct horse", "protected!", 10, &l, NULL, 0),
	    201);
	cr_assert_eq(claim_pw(l.id, l.key, "correct+horse", &r), 0);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_str_eq(r.body, "protected!");
	http_resp_free(&r);
}

/*
 * A header value loses its leading and trailing blanks on its way
 * through nginx; X-Password is percent-encoded so that they survive and
 * the receiver can type the password as it was set.
 */
Test(policy, header_passwords_keep_their_blanks)
{
	struct link l;
	struct http_resp r;

	cr_assert_eq(upload_pw("  two blanks  ", "blanks kept", 11, &l, NULL,
	    0), 201);
	cr_assert_eq(claim_pw(l.id, l.key, "two+blanks", &r), 0);
	cr_assert_eq(r.status, 403, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	cr_assert_eq(claim_pw(l.id, l.key, "%20%20two%20blanks%20%20", &r), 0);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_str_eq(r.body, "blanks kept");
	http_resp_free(&r);
}

Test(policy, header_passwords_are_percent_decoded)
{
	struct link l;
	struct http_resp r;
	char pwh[64];
	const char *const h[] = { pwh, NULL };

	/* What a client sends for "50% off+tax": '%' and ' ' escaped. */
	snprintf(pwh, sizeof(pwh), "X-Password: 50%%25%%20off+tax");
	cr_assert_eq(http_do("PUT", "/api/v1/files/pd.txt", h, "pd", 2, &r),
	    0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, &l));
	http_resp_free(&r);
	cr_assert_eq(claim_pw(l.id, l.key, "50%25+off%2Btax", &r), 0);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	http_resp_free(&r);
}

Test(policy, multipart_password_round_trip)
{
	static const char body[] =
	    "--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n"
	    "s3cret\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"m.txt\"\r\n\r\nmultipart protected\r\n--b--\r\n";
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
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(r.body, "password_required") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(claim_pw(l.id, l.key, "s3cret", &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "multipart protected");
	http_resp_free(&r);
}

Test(policy, password_after_file_is_refused)
{
	static const char body[] =
	    "--b\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"m.txt\"\r\n\r\nx\r\n--b\r\nContent-Disposition: "
	    "form-data; name=\"password\"\r\n\r\nlate\r\n--b--\r\n";
	static const char *const h[] = {
		"Content-Type: multipart/form-data; boundary=b", NULL };
	long files = data_files(), keys = redis_count(SHARE_KEYS);
	struct http_resp r;

	cr_assert_eq(http_do("POST", "/api/v1/files", h, body, sizeof(body) - 1,
	    &r), 0);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(r.body, "before the file") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(data_files(), files);
	cr_assert_eq(redis_count(SHARE_KEYS), keys);
}

Test(policy, overlong_password_gets_400)
{
	char pw[1100];
	struct link l;
	struct http_resp r;

	memset(pw, 'p', sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	cr_assert_eq(upload_pw(pw, "x", 1, &l, NULL, 0), 400);
	cr_assert_eq(upload_pw("short", "x", 1, &l, NULL, 0), 201);
	cr_assert_eq(claim_pw(l.id, l.key, pw, &r), 0);
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.body, "password_too_long") != NULL);
	http_resp_free(&r);
}

Test(policy, wrong_password_counts_down_and_consumes_nothing)
{
	struct link l;
	struct http_resp r;
	char path[128], *left;

	cr_assert_eq(upload_pw("right", "data", 4, &l, NULL, 0), 201);
	cr_assert_eq(claim_pw(l.id, l.key, "wrong", &r), 0);
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(r.body, "wrong_password") != NULL);
	cr_assert(strstr(r.body, "4 attempts left") != NULL, "%s", r.body);
	left = http_header(&r, "X-Attempts-Left");
	cr_assert(left != NULL && strcmp(left, "4") == 0);
	free(left);
	http_resp_free(&r);
	cr_assert(data_has(l.id));

	snprintf(path, sizeof(path), "/api/v1/files/%s", l.id);
	cr_assert_eq(http_do("GET", path, NULL, NULL, 0, &r), 0);
	cr_assert(strstr(r.body, "\"protected\":true") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "\"attempts_left\":4") != NULL, "%s", r.body);
	http_resp_free(&r);

	/* A wrong link key is not a password guess: nothing is counted. */
	cr_assert_eq(claim_pw(l.id, "AAAAAAAAAAAAAAAAAAAAAA", "right", &r), 0);
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(r.body, "wrong_key") != NULL);
	http_resp_free(&r);

	cr_assert_eq(claim_pw(l.id, l.key, "right", &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "data");
	http_resp_free(&r);
}

Test(policy, attempt_limit_destroys_the_share)
{
	struct link l;
	struct http_resp r;
	int i;

	cr_assert_eq(upload_pw("right", "data", 4, &l, NULL, 0), 201);
	for (i = 1; i < ATTEMPTS; i++) {
		cr_assert_eq(claim_pw(l.id, l.key, "wrong", &r), 0);
		cr_assert_eq(r.status, 403, "attempt %d: %ld", i, r.status);
		http_resp_free(&r);
	}
	cr_assert_eq(claim_pw(l.id, l.key, "wrong", &r), 0);
	cr_assert_eq(r.status, 410);
	cr_assert(strstr(r.body, "\"code\":\"locked\"") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert(!data_has(l.id), "a locked share kept its file");
	cr_assert_eq(claim_pw(l.id, l.key, "right", &r), 0);
	cr_assert_eq(r.status, 410);
	http_resp_free(&r);
}

Test(policy, fifty_concurrent_wrong_passwords_never_pass_the_limit)
{
	static char bodies[50][128];
	const char *b[50];
	long st[50];
	struct link l;
	char path[128];
	int i, forbidden = 0, gone = 0, busy = 0, other = 0;

	cr_assert_eq(upload_pw("right", "data", 4, &l, NULL, 0), 201);
	for (i = 0; i < 50; i++) {
		snprintf(bodies[i], sizeof(bodies[i]),
		    "key=%s&password=wrong%d", l.key, i);
		b[i] = bodies[i];
	}
	snprintf(path, sizeof(path), "/d/%s", l.id);
	multi_post(path, b, 50, st);
	for (i = 0; i < 50; i++) {
		if (st[i] == 403)
			forbidden++;
		else if (st[i] == 410)
			gone++;
		else if (st[i] == 503)
			busy++;		/* every attempt left was in flight */
		else
			other++;
	}
	cr_assert_eq(other, 0, "%d answers neither 403, 410 nor 503", other);
	cr_assert_eq(forbidden, ATTEMPTS - 1, "%d wrong guesses were allowed",
	    forbidden);
	/* The last allowed guess destroyed it; later ones found it gone. */
	cr_assert_geq(gone, 1);
	cr_assert_eq(gone + busy, 50 - (ATTEMPTS - 1));
	cr_assert(!data_has(l.id));
}

Test(policy, right_password_in_flight_with_wrong_ones_wins)
{
	static char bodies[4][128];
	const char *b[4];
	long st[4];
	struct link l;
	char path[128];
	int i, ok = 0;

	cr_assert_eq(upload_pw("right", "data", 4, &l, NULL, 0), 201);
	for (i = 0; i < 4; i++) {
		snprintf(bodies[i], sizeof(bodies[i]), "key=%s&password=%s",
		    l.key, i == 2 ? "right" : "wrong");
		b[i] = bodies[i];
	}
	snprintf(path, sizeof(path), "/d/%s", l.id);
	multi_post(path, b, 4, st);
	for (i = 0; i < 4; i++) {
		if (i == 2)
			cr_assert_eq(st[i], 200, "the right password lost");
		else
			cr_assert(st[i] == 403 || st[i] == 410, "%ld", st[i]);
		ok += st[i] == 200;
	}
	cr_assert_eq(ok, 1);
}

static const char *expiring_id;

static bool
expiring_file_gone(void)
{
	return !data_has(expiring_id);
}

Test(policy, expired_share_gets_410_and_its_file_is_swept)
{
	static const char *const h[] = { "X-Expires-In: 2s", NULL };
	struct http_resp r;
	struct link l;
	struct timespec two = { 2, 500000000 };

	cr_assert_eq(http_do("PUT", "/api/v1/files/e.txt", h, "soon", 4, &r),
	    0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert(link_parse(r.body, &l));
	http_resp_free(&r);
	cr_assert(data_has(l.id));
	nanosleep(&two, NULL);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 410);
	cr_assert(strstr(r.body, "\"code\":\"expired\"") != NULL, "%s", r.body);
	http_resp_free(&r);
	expiring_id = l.id;
	cr_assert(wait_until(expiring_file_gone, 60000),
	    "the expired share's file is still on disk");
}

Test(policy, expiry_counts_from_the_end_of_a_slow_upload)
{
	static const char head[] = "PUT /api/v1/files/slow.txt?expires_in=2s "
	    "HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
	    "Connection: close\r\n\r\n";
	char buf[4096];
	struct link l;
	struct http_resp r;
	struct timespec three = { 3, 0 };
	size_t got = 0;
	ssize_t n;
	int fd = raw_connect();

	cr_assert(send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL) > 0);
	nanosleep(&three, NULL);	/* longer than the expiry */
	cr_assert_eq(send(fd, "slow", 4, MSG_NOSIGNAL), 4);
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	cr_assert(strncmp(buf, "HTTP/1.1 201", 12) == 0, "%s", buf);
	cr_assert(link_parse(buf, &l));
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200, "expired before its announced time");
	cr_assert_str_eq(r.body, "slow");
	http_resp_free(&r);
}

Test(policy, expiry_out_of_bounds_names_the_bounds)
{
	struct http_resp r;

	cr_assert_eq(http_do("PUT", "/api/v1/files/x?expires_in=30d", NULL, "x",
	    1, &r), 0);
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.body, "from 1 to 604800 seconds") != NULL, "%s",
	    r.body);
	http_resp_free(&r);
	cr_assert_eq(http_do("PUT", "/api/v1/files/x?expires_in=soon", NULL,
	    "x", 1, &r), 0);
	cr_assert_eq(r.status, 400);
	http_resp_free(&r);
}

static long
owner_request(const char *method, const char *id, const char *suffix,
    const char *token, struct http_resp *r)
{
	char path[256], auth[128];
	const char *const h[] = { auth, NULL };

	snprintf(path, sizeof(path), "/api/v1/files/%s%s", id, suffix);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	cr_assert_eq(http_do(method, path, h, NULL, 0, r), 0);
	return r->status;
}

Test(policy, revoke_destroys_and_receipt_tells)
{
	char owner[64];
	struct link l;
	struct http_resp r;

	cr_assert_eq(upload_pw("pw", "revoke me", 9, &l, owner, sizeof(owner)),
	    201);
	cr_assert_eq(owner_request("GET", l.id, "/status", owner, &r), 200);
	cr_assert(strstr(r.body, "\"state\":\"available\"") != NULL, "%s",
	    r.body);
	cr_assert(strstr(r.body, "\"claimed_at\":null") != NULL);
	http_resp_free(&r);
	cr_assert_eq(owner_request("DELETE", l.id, "", "AAAAAAAAAAAAAAAAAAAAAA",
	    &r), 403);
	http_resp_free(&r);
	cr_assert(data_has(l.id));
	cr_assert_eq(owner_request("DELETE", l.id, "", owner, &r), 200);
	http_resp_free(&r);
	cr_assert(!data_has(l.id), "a revoked share kept its file");
	cr_assert_eq(claim_pw(l.id, l.key, "pw", &r), 0);
	cr_assert_eq(r.status, 410);
	cr_assert(strstr(r.body, "\"code\":\"revoked\"") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(owner_request("GET", l.id, "/status", owner, &r), 200);
	cr_assert(strstr(r.body, "\"state\":\"revoked\"") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(owner_request("DELETE", l.id, "", owner, &r), 410);
	http_resp_free(&r);
}

Test(policy, share_without_its_file_is_revoked)
{
	char owner[64], path[1024];
	struct link l;
	struct http_resp r;

	/* The bytes are lost (a Redis that forgot a claim after a crash
	 * brings a share back without its file; here the file goes by
	 * hand): the claim answers 410, never 500, and the share ends. */
	cr_assert_eq(upload_pw("pw", "lost bytes", 10, &l, owner,
	    sizeof(owner)), 201);
	snprintf(path, sizeof(path), "%s/data/files/%s", itest_state(), l.id);
	cr_assert_eq(unlink(path), 0, "%s", path);
	cr_assert_eq(claim_pw(l.id, l.key, "pw", &r), 0);
	cr_assert_eq(r.status, 410, "%s", r.body);
	cr_assert(strstr(r.body, "\"code\":\"revoked\"") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(owner_request("GET", l.id, "/status", owner, &r), 200);
	cr_assert(strstr(r.body, "\"state\":\"revoked\"") != NULL, "%s", r.body);
	http_resp_free(&r);
	cr_assert_eq(claim_pw(l.id, l.key, "pw", &r), 0);
	cr_assert_eq(r.status, 410);
	http_resp_free(&r);
}

Test(policy, receipt_says_when_it_was_claimed)
{
	char owner[64];
	struct link l;
	struct http_resp r;

	cr_assert_eq(upload_pw("pw", "x", 1, &l, owner, sizeof(owner)), 201);
	cr_assert_eq(claim_pw(l.id, l.key, "pw", &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	cr_assert_eq(owner_request("GET", l.id, "/status", owner, &r), 200);
	cr_assert(strstr(r.body, "\"state\":\"claimed\"") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "\"claimed_at\":\"20") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "p.txt") == NULL,
	    "the receipt revealed the name");
	http_resp_free(&r);
	cr_assert_eq(owner_request("GET", l.id, "/status",
	    "AAAAAAAAAAAAAAAAAAAAAA", &r), 403);
	http_resp_free(&r);
	cr_assert_eq(owner_request("GET", "AAAAAAAAAAAAAAAAAAAAAA", "/status",
	    owner, &r), 404);
	http_resp_free(&r);
}

Test(policy, config_tells_the_limits)
{
	struct http_resp r;

	cr_assert_eq(http_do("GET", "/api/v1/config", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "\"max_size\":67108864") != NULL, "%s",
	    r.body);
	cr_assert(strstr(r.body, "\"min\":1,\"max\":604800") != NULL, "%s",
	    r.body);
	cr_assert(strstr(r.body, "\"password_attempts\":5") != NULL);
	http_resp_free(&r);
}

Test(policy, worker_restart_deletes_nothing_live)
{
	struct link l;
	struct http_resp r;
	struct timespec three = { 3, 0 };

	cr_assert_eq(upload_put("live.txt", "still here", 10, &l), 201);
	devstack("workers-stop");
	devstack("workers-start");
	nanosleep(&three, NULL);	/* at least two sweeps */
	cr_assert(data_has(l.id), "a restart or sweep removed a live file");
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "still here");
	http_resp_free(&r);
}

static char stale_path[1024];

static bool
stale_part_gone(void)
{
	struct stat st;

	return stat(stale_path, &st) != 0;
}

Test(policy, stale_part_files_are_swept)
{
	struct timespec old[2];
	FILE *f;

	snprintf(stale_path, sizeof(stale_path),
	    "%s/data/tmp/AAAAAAAAAAAAAAAAAAAAAA.part", itest_state());
	f = fopen(stale_path, "w");
	cr_assert(f != NULL);
	fputs("ciphertext of an upload that stopped", f);
	fclose(f);
	clock_gettime(CLOCK_REALTIME, &old[0]);
	old[0].tv_sec -= 3600;
	old[1] = old[0];
	cr_assert_eq(utimensat(AT_FDCWD, stale_path, old, 0), 0);
	cr_assert(wait_until(stale_part_gone, 30000), "stale .part stayed");
}
