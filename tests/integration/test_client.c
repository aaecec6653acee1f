/*
 * The C client (tools/ots-c/, the build's `ots`) against the real stack:
 * end-to-end round trips of 0 bytes, 1 KiB and 20 MiB (in parts), text
 * from standard input, passwords from a file, and the exit status of
 * each refusal.  Links reach `ots get` on standard input, never on its
 * command line.  The run's log and at-rest scans look for every id,
 * key, token, password, name and payload marker used here.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "itest.h"

#define OUT_MAX 16384

struct run {
	int r_status;			/* the exit status */
	char r_out[OUT_MAX];		/* standard output */
	char r_err[OUT_MAX];		/* standard error */
};

static char work[256];

static void
setup(void)
{
	snprintf(work, sizeof(work), "%s/client-XXXXXX", itest_state());
	cr_assert(mkdtemp(work) != NULL);
}

TestSuite(client, .init = setup, .timeout = 120);

/* The whole of a small file, NUL-ended, in buf. */
static void
slurp(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	cr_assert(fd >= 0, "%s", path);
	n = read(fd, buf, max - 1);
	cr_assert(n >= 0);
	buf[n] = '\0';
	close(fd);
}

/*
 * Runs `ots ARGS…` in dir with in (or nothing) on standard input; the
 * server is OTS_SERVER, as a user would set it.
 */
static void
run_in(const char *dir, const char *in, struct run *r, const char *const *args)
{
	char out[512], err[512], inp[512];
	const char *argv[16];
	size_t n = 0;
	pid_t pid;
	int st;

	argv[n++] = "ots";
	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s.out", work);
	snprintf(err, sizeof(err), "%s.err", work);
	snprintf(inp, sizeof(inp), "%s.in", work);
	{
		FILE *f = fopen(inp, "w");

		cr_assert(f != NULL);
		if (in != NULL)
			fputs(in, f);
		fclose(f);
	}
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int i0 = open(inp, O_RDONLY), o = open(out, O_WRONLY |
		    O_CREAT | O_TRUNC, 0600), e = open(err, O_WRONLY |
		    O_CREAT | O_TRUNC, 0600);

		if (i0 < 0 || o < 0 || e < 0 || chdir(dir) != 0 ||
		    dup2(i0, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(99);
		char *cargv[16];

		for (size_t i = 0; i <= n; i++)
			cargv[i] = (char *)(uintptr_t)argv[i];
		setenv("OTS_SERVER", itest_url(), 1);
		execv(getenv("OTS_TEST_CLIENT"), cargv);
		_exit(98);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	r->r_status = WEXITSTATUS(st);
	cr_assert_neq(r->r_status, 98, "cannot run %s",
	    getenv("OTS_TEST_CLIENT"));
	slurp(out, r->r_out, sizeof(r->r_out));
	slurp(err, r->r_err, sizeof(r->r_err));
}

/* A directory of its own under work/. */
static void
subdir(const char *name, char *out, size_t max)
{
	snprintf(out, max, "%s/%s", work, name);
	cr_assert_eq(mkdir(out, 0700), 0);
}

/* The link `ots send` printed, recorded for the log scans. */
static void
take_link(const struct run *r, char *link, size_t max, struct link *l)
{
	const char *nl = strchr(r->r_out, '\n');

	cr_assert_eq(r->r_status, 0, "send: %d %s", r->r_status, r->r_err);
	cr_assert(nl != NULL && (size_t)(nl - r->r_out) < max);
	memcpy(link, r->r_out, (size_t)(nl - r->r_out));
	link[nl - r->r_out] = '\0';
	cr_assert(link_parse(link, l), "%s", link);
	record_id(l->id);
	record_secret(l->key);
	/* The owner link (on stderr) holds a token. */
	{
		const char *o = strstr(r->r_err, "/o/");

		if (o != NULL) {
			char tok[23];

			o = strchr(o, '#');
			cr_assert(o != NULL);
			memcpy(tok, o + 1, 22);
			tok[22] = '\0';
			record_secret(tok);
		}
	}
}

/* Writes n pattern bytes (with the plaintext marker) to dir/name. */
static uint8_t *
make_file(const char *dir, const char *name, size_t n)
{
	char path[512];
	uint8_t *p = malloc(n + 1);
	int fd;

	cr_assert(p != NULL);
	fill_pattern(p, n, (uint32_t)n);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
	record_secret(name);
	return p;
}

/* True when dir/name holds exactly the n bytes of want. */
static bool
file_is(const char *dir, const char *name, const uint8_t *want, size_t n)
{
	char path[512];
	struct stat st;
	uint8_t *got;
	bool same;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0 || (size_t)st.st_size != n) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	got = malloc(n + 1);
	cr_assert(got != NULL);
	same = read(fd, got, n) == (ssize_t)n && memcmp(got, want, n) == 0;
	free(got);
	close(fd);
	return same;
}

static void
round_trip(size_t n, const char *name)
{
	static const char *const get_args[] = { "get", NULL };
	char from[512], to[512], link[512], in[600];
	const char *args[3] = { "send", name, NULL };
	struct run r;
	struct link l;
	uint8_t *data;
	long files;

	subdir("from", from, sizeof(from));
	subdir("to", to, sizeof(to));
	data = make_file(from, name, n);
	files = data_files();
	run_in(from, NULL, &r, args);
	take_link(&r, link, sizeof(link), &l);
	cr_assert(data_has(l.id));
	cr_assert_eq(data_files(), files + 1);
	snprintf(in, sizeof(in), "%s\n", link);
	run_in(to, in, &r, get_args);
	cr_assert_eq(r.r_status, 0, "get: %s", r.r_err);
	cr_assert(file_is(to, name, data, n), "%zu bytes came back changed",
	    n);
	/* Confirmed: the lease ended and the file is gone at once. */
	cr_assert(!data_has(l.id));
	cr_assert(!data_leased(l.id));
	free(data);
}

Test(client, round_trip_of_0_bytes)
{
	round_trip(0, "empty-client-file.bin");
}

Test(client, round_trip_of_1_kib)
{
	round_trip(1024, "one-kib-client-file.bin");
}

Test(client, round_trip_of_20_mib_in_parts)
{
	/* Over OTS_UPLOAD_PART_MAX (16 MiB): created, sent in parts,
	 * committed. */
	round_trip(20u * 1024u * 1024u, "twenty-mib-client-file.bin");
}

Test(client, text_from_stdin_with_a_password_file)
{
	static const char secret[] = "client text " PLAINTEXT_MARKER
	    " wired-up-banana-42\n";
	const char *send[] = { "send", "--text", "--password-file", NULL,
		"-", NULL };
	const char *get[] = { "get", "--password-file", NULL, "-o", "-",
		"-", NULL };
	char dir[512], pwf[600], bad[600], link[512], in[600];
	struct run r;
	struct link l;
	FILE *f;

	subdir("text", dir, sizeof(dir));
	snprintf(pwf, sizeof(pwf), "%s/pw", dir);
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	f = fopen(pwf, "w");
	fputs("correct horse client\n", f);
	fclose(f);
	f = fopen(bad, "w");
	fputs("wrong horse client\n", f);
	fclose(f);
	record_secret("correct horse client");
	record_secret("wired-up-banana-42");
	send[3] = pwf;
	run_in(dir, secret, &r, send);
	take_link(&r, link, sizeof(link), &l);
	snprintf(in, sizeof(in), "%s\n", link);
	/* A wrong password: 3, counted, nothing consumed. */
	get[2] = bad;
	run_in(dir, in, &r, get);
	cr_assert_eq(r.r_status, 3, "%s", r.r_err);
	cr_assert(strstr(r.r_err, "wrong_password") != NULL, "%s", r.r_err);
	cr_assert(data_has(l.id));
	get[2] = pwf;
	run_in(dir, in, &r, get);
	cr_assert_eq(r.r_status, 0, "%s", r.r_err);
	cr_assert_str_eq(r.r_out, secret);
	/* Once only: 2. */
	run_in(dir, in, &r, get);
	cr_assert_eq(r.r_status, 2, "%s", r.r_err);
}

Test(client, refusals_have_their_exit_status_and_consume_nothing)
{
	static const char *const get[] = { "get", NULL };
	static const char *const force[] = { "get", "--force", NULL };
	char dir[512], link[512], in[600];
	const char *send[] = { "send", "kept-client-file.txt", NULL };
	struct run r;
	struct link l;
	uint8_t *data;

	subdir("refuse", dir, sizeof(dir));
	data = make_file(dir, "kept-client-file.txt", 300);
	run_in(dir, NULL, &r, send);
	take_link(&r, link, sizeof(link), &l);
	snprintf(in, sizeof(in), "%s\n", link);
	/* The file is there already: refused before the claim. */
	run_in(dir, in, &r, get);
	cr_assert_eq(r.r_status, 1, "%s", r.r_err);
	cr_assert(strstr(r.r_err, "exists") != NULL, "%s", r.r_err);
	cr_assert(data_has(l.id), "a refused get consumed the share");
	run_in(dir, in, &r, force);
	cr_assert_eq(r.r_status, 0, "%s", r.r_err);
	cr_assert(file_is(dir, "kept-client-file.txt", data, 300));
	/* An unknown id: 5; not a link: 1; no link at all: 1. */
	snprintf(in, sizeof(in), "%s/d/AAAAAAAAAAAAAAAAAAAAAA#"
	    "AAAAAAAAAAAAAAAAAAAAAA\n", itest_url());
	run_in(dir, in, &r, get);
	cr_assert_eq(r.r_status, 5, "%s", r.r_err);
	run_in(dir, "not a link\n", &r, get);
	cr_assert_eq(r.r_status, 1, "%s", r.r_err);
	run_in(dir, "", &r, get);
	cr_assert_eq(r.r_status, 1, "%s", r.r_err);
	/* A wrong key: 3, and the share is still there. */
	run_in(dir, NULL, &r, send);
	take_link(&r, link, sizeof(link), &l);
	snprintf(in, sizeof(in), "%s/d/%s#AAAAAAAAAAAAAAAAAAAAAA\n",
	    itest_url(), l.id);
	run_in(dir, in, &r, force);
	cr_assert_eq(r.r_status, 3, "%s", r.r_err);
	cr_assert(data_has(l.id));
	free(data);
}

Test(client, send_says_json_when_asked)
{
	char dir[512];
	const char *send[] = { "send", "--json", "-e", "1h",
		"json-client-file.bin", NULL };
	struct run r;
	uint8_t *data;

	subdir("json", dir, sizeof(dir));
	data = make_file(dir, "json-client-file.bin", 10);
	run_in(dir, NULL, &r, send);
	cr_assert_eq(r.r_status, 0, "%s", r.r_err);
	cr_assert(strncmp(r.r_out, "{\"link\":\"", 9) == 0, "%s", r.r_out);
	cr_assert(strstr(r.r_out, "\"owner_link\":\"") != NULL);
	cr_assert(strstr(r.r_out, "\"mode\":\"e2e\"") != NULL);
	/* Record what it made for the scans. */
	{
		struct link l;
		char link[512];
		const char *p = r.r_out + 9, *q = strchr(p, '"'),
		    *o = strstr(r.r_out, "\"owner_link\":\"");
		char tok[23];

		cr_assert(q != NULL && (size_t)(q - p) < sizeof(link));
		memcpy(link, p, (size_t)(q - p));
		link[q - p] = '\0';
		cr_assert(link_parse(link, &l));
		record_id(l.id);
		record_secret(l.key);
		o = strchr(o + 14, '#');
		cr_assert(o != NULL);
		memcpy(tok, o + 1, 22);
		tok[22] = '\0';
		record_secret(tok);
	}
	free(data);
}

Test(client, usage_errors_are_1)
{
	static const char *const none[] = { NULL };
	static const char *const bad[] = { "frobnicate", NULL };
	static const char *const nofile[] = { "send", "no-such-file", NULL };
	struct run r;

	run_in(work, NULL, &r, none);
	cr_assert_eq(r.r_status, 1);
	cr_assert(strstr(r.r_err, "usage:") != NULL);
	run_in(work, NULL, &r, bad);
	cr_assert_eq(r.r_status, 1);
	run_in(work, NULL, &r, nofile);
	cr_assert_eq(r.r_status, 1, "%s", r.r_err);
}
