/*
 * ots_log: one escaped logfmt line per event on stderr.  Each test points
 * fd 2 at a private temp file and reads back what was written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ots_log.h"

static int saved_fd = -1;
static int log_fd = -1;

static void
capture_init(void)
{
	char path[] = "/tmp/ots-test-log-XXXXXX";

	log_fd = mkstemp(path);
	cr_assert_geq(log_fd, 0);
	cr_assert_eq(unlink(path), 0);
	saved_fd = dup(STDERR_FILENO);
	cr_assert_geq(saved_fd, 0);
	cr_assert_eq(dup2(log_fd, STDERR_FILENO), STDERR_FILENO);
}

static void
capture_fini(void)
{
	if (saved_fd >= 0) {
		(void)dup2(saved_fd, STDERR_FILENO);
		close(saved_fd);
		saved_fd = -1;
	}
	if (log_fd >= 0) {
		close(log_fd);
		log_fd = -1;
	}
}

TestSuite(log, .init = capture_init, .fini = capture_fini, .timeout = 10);

/* Everything logged so far, NUL-terminated, in a static buffer. */
static const char *
captured(size_t *len)
{
	static char buf[8192];
	ssize_t n;

	cr_assert_eq(lseek(log_fd, 0, SEEK_SET), 0);
	n = read(log_fd, buf, sizeof(buf) - 1);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

Test(log, parse_level_accepts_the_four_names)
{
	static const char *const names[] = { "error", "warn", "info",
		"debug" };
	enum ots_log_level l;
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(names); i++) {
		cr_assert_eq(ots_log_parse_level(names[i], &l), OTS_OK);
		cr_assert_eq((size_t)l, i, "%s", names[i]);
	}
}

Test(log, parse_level_rejects_others)
{
	static const char *const bad[] = { "", "ERROR", "Warn", "warning",
		"err", "trace", "info " };
	enum ots_log_level l;
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(bad); i++)
		cr_assert_eq(ots_log_parse_level(bad[i], &l), OTS_ERR_INVAL,
		    "'%s' accepted", bad[i]);
}

Test(log, line_has_time_level_module_and_message)
{
	const char *out;

	ots_log_set_level(OTS_LOG_INFO);
	ots_log_warn("test", "disk at %d%%", 93);
	out = captured(NULL);
	cr_assert_eq(strncmp(out, "time=", 5), 0, "%s", out);
	cr_assert_not_null(strstr(out,
	    " level=warn mod=test msg=\"disk at 93%\"\n"), "%s", out);
	cr_assert_eq(count_char(out, '\n'), 1u);
}

Test(log, levels_below_the_threshold_are_dropped)
{
	const char *out;

	ots_log_set_level(OTS_LOG_WARN);
	cr_assert(!ots_log_enabled(OTS_LOG_INFO));
	cr_assert(ots_log_enabled(OTS_LOG_ERR));
	ots_log_info("test", "dropped info");
	ots_log_debug("test", "dropped debug");
	ots_log_err("test", "kept");
	out = captured(NULL);
	cr_assert_null(strstr(out, "dropped"), "%s", out);
	cr_assert_not_null(strstr(out, "level=error mod=test msg=\"kept\""),
	    "%s", out);
	cr_assert_eq(count_char(out, '\n'), 1u);
}

Test(log, message_is_escaped_against_injection)
{
	const char *out;

	ots_log_set_level(OTS_LOG_DEBUG);
	ots_log_info("test", "%s", "a\"b\\c\nlevel=error fake=1\x01\x7f");
	out = captured(NULL);
	cr_assert_not_null(strstr(out,
	    "msg=\"a\\\"b\\\\c\\x0alevel=error fake=1\\x01\\x7f\"\n"), "%s",
	    out);
	cr_assert_eq(count_char(out, '\n'), 1u, "%s", out);
}

Test(log, errno_variant_appends_strerror_text)
{
	const char *out;

	ots_log_set_level(OTS_LOG_INFO);
	ots_log_err_errno("test", ENOENT, "cannot open '%s'", "x");
	out = captured(NULL);
	cr_assert_not_null(strstr(out,
	    "msg=\"cannot open 'x': No such file or directory\""), "%s", out);
}

Test(log, long_message_stays_one_bounded_line)
{
	char big[5000];
	const char *out;
	size_t len = 0;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ots_log_set_level(OTS_LOG_INFO);
	ots_log_err("test", "%s", big);
	out = captured(&len);
	cr_assert_leq(len, 2048u);
	cr_assert_eq(count_char(out, '\n'), 1u);
	cr_assert_eq(out[len - 1], '\n');
}

Test(log, line_writes_trusted_fields)
{
	const char *out;

	ots_log_set_level(OTS_LOG_INFO);
	ots_log_line(OTS_LOG_INFO, "req=7f3a status=200 bytes=12");
	ots_log_line(OTS_LOG_DEBUG, "dropped=1");
	out = captured(NULL);
	cr_assert_not_null(strstr(out, " req=7f3a status=200 bytes=12\n"),
	    "%s", out);
	cr_assert_null(strstr(out, "dropped"));
}

Test(log, throttle_passes_once_per_period_and_counts_the_rest)
{
	struct ots_log_throttle t = { 0, 0 };
	struct timespec wait = { 0, 150 * 1000000L };
	uint64_t dropped = 99;
	int i;

	cr_assert(ots_log_throttle_pass(&t, 100, &dropped));
	cr_assert_eq(dropped, 0);
	for (i = 0; i < 5; i++)
		cr_assert(!ots_log_throttle_pass(&t, 100, &dropped));
	nanosleep(&wait, NULL);
	cr_assert(ots_log_throttle_pass(&t, 100, &dropped));
	cr_assert_eq(dropped, 5, "%llu", (unsigned long long)dropped);
	cr_assert(!ots_log_throttle_pass(&t, 100, &dropped));
}

Test(log, the_threads_request_id_is_on_every_line_until_cleared)
{
	const char *out;

	ots_log_set_level(OTS_LOG_INFO);
	ots_log_set_request("0123456789abcdef");
	ots_log_err("store", "cannot sync");
	ots_log_set_request(NULL);
	ots_log_err("sweep", "between requests");
	out = captured(NULL);
	cr_assert_not_null(strstr(out, " level=error mod=store "
	    "req=0123456789abcdef msg=\"cannot sync\"\n"), "%s", out);
	cr_assert_not_null(strstr(out, " mod=sweep msg=\"between requests\""),
	    "%s", out);
	cr_assert_eq(count_char(out, '\n'), 2u);
}

Test(log, a_request_id_is_cut_at_anything_but_hex)
{
	const char *out;

	ots_log_set_level(OTS_LOG_INFO);
	ots_log_set_request("abc\" msg=\"forged");
	ots_log_err("store", "x");
	ots_log_set_request(NULL);
	out = captured(NULL);
	cr_assert_not_null(strstr(out, " mod=store req=abc msg=\"x\"\n"), "%s",
	    out);
}
