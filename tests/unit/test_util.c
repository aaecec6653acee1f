/*
 * ots_util: assertions, checked size arithmetic, strict number parsing,
 * checked formatting and string views.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "ots_util.h"

TestSuite(util, .timeout = 10);

/* One ots_parse_u64 case. */
struct u64_case {
	char in[32];
	uint64_t min;
	uint64_t max;
	enum ots_err want;
	uint64_t value;
};

Test(util, parse_u64_known_answers)
{
	static const struct u64_case cases[] = {
		{ "0", 0, UINT64_MAX, OTS_OK, 0 },
		{ "7", 0, UINT64_MAX, OTS_OK, 7 },
		{ "1234567890", 0, UINT64_MAX, OTS_OK, 1234567890u },
		{ "18446744073709551615", 0, UINT64_MAX, OTS_OK, UINT64_MAX },
		/* 20 digits that overflow are out of range. */
		{ "18446744073709551616", 0, UINT64_MAX, OTS_ERR_TOOBIG, 0 },
		{ "99999999999999999999", 0, UINT64_MAX, OTS_ERR_TOOBIG, 0 },
		/* More than 20 digits is bad syntax. */
		{ "100000000000000000000", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		/* Leading zeros, signs, spaces and other bytes. */
		{ "00", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ "007", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ "", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ "-1", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ "+1", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ " 1", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ "1 ", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ "1a", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ "0x10", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		{ "1.5", 0, UINT64_MAX, OTS_ERR_INVAL, 0 },
		/* Bounds are inclusive. */
		{ "9", 10, 20, OTS_ERR_TOOBIG, 0 },
		{ "10", 10, 20, OTS_OK, 10 },
		{ "20", 10, 20, OTS_OK, 20 },
		{ "21", 10, 20, OTS_ERR_TOOBIG, 0 },
		{ "0", 1, 5, OTS_ERR_TOOBIG, 0 },
	};

	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(cases); i++) {
		const struct u64_case *c = &cases[i];
		uint64_t v = 0xdeadbeefu;
		enum ots_err e;

		e = ots_parse_u64(c->in, strlen(c->in), c->min, c->max, &v);
		cr_assert_eq(e, c->want,
		    "'%s' in [%llu, %llu]: got %s, want %s", c->in,
		    (unsigned long long)c->min, (unsigned long long)c->max,
		    ots_err_str(e), ots_err_str(c->want));
		if (c->want == OTS_OK)
			cr_assert_eq(v, c->value, "'%s' gave %llu", c->in,
			    (unsigned long long)v);
		else
			cr_assert_eq(v, 0xdeadbeefu, "'%s' wrote *out on error",
			    c->in);
	}
}

Test(util, parse_u64_reads_exactly_len_bytes)
{
	uint64_t v = 0;

	cr_assert_eq(ots_parse_u64("123abc", 3, 0, UINT64_MAX, &v), OTS_OK);
	cr_assert_eq(v, 123u);
}

Test(util, size_add_detects_overflow_and_leaves_out)
{
	size_t out = 42;

	cr_assert_eq(ots_size_add(SIZE_MAX, 1, &out), OTS_ERR_TOOBIG);
	cr_assert_eq(out, 42u);
	cr_assert_eq(ots_size_add(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1, &out),
	    OTS_ERR_TOOBIG);
	cr_assert_eq(out, 42u);
}

Test(util, size_add_reaches_size_max)
{
	size_t out = 0;

	cr_assert_eq(ots_size_add(SIZE_MAX - 1, 1, &out), OTS_OK);
	cr_assert_eq(out, SIZE_MAX);
}

Test(util, size_mul_detects_overflow_and_leaves_out)
{
	size_t out = 42;

	cr_assert_eq(ots_size_mul(SIZE_MAX / 2 + 1, 2, &out), OTS_ERR_TOOBIG);
	cr_assert_eq(out, 42u);
	cr_assert_eq(ots_size_mul((size_t)1 << (sizeof(size_t) * 4),
	    (size_t)1 << (sizeof(size_t) * 4), &out), OTS_ERR_TOOBIG);
	cr_assert_eq(out, 42u);
}

Test(util, size_mul_multiplies_in_range)
{
	size_t out = 1;

	cr_assert_eq(ots_size_mul(0, SIZE_MAX, &out), OTS_OK);
	cr_assert_eq(out, 0u);
	cr_assert_eq(ots_size_mul(SIZE_MAX / 3, 3, &out), OTS_OK);
	cr_assert_eq(out, SIZE_MAX / 3 * 3);
}

Test(util, str_fmt_exact_fit_is_ok)
{
	char buf[8];

	cr_assert_eq(ots_str_fmt(buf, sizeof(buf), "%s", "1234567"), OTS_OK);
	cr_assert_str_eq(buf, "1234567");
}

Test(util, str_fmt_truncation_is_toobig_and_terminated)
{
	char buf[8];

	cr_assert_eq(ots_str_fmt(buf, sizeof(buf), "%s-%d", "12345", 678),
	    OTS_ERR_TOOBIG);
	cr_assert_str_eq(buf, "12345-6");
}

Test(util, str_fmt_zero_size_asserts, .signal = SIGABRT,
    .init = cr_redirect_stderr)
{
	char buf[1];
	enum ots_err e;

	e = ots_str_fmt(buf, 0, "%s", "x");
	cr_assert_fail("ots_str_fmt with size 0 returned %d", (int)e);
}

Test(util, assert_false_aborts, .signal = SIGABRT,
    .init = cr_redirect_stderr)
{
	OTS_ASSERT(false);
	cr_assert_fail("OTS_ASSERT(false) returned");
}

Test(util, assert_true_continues)
{
	volatile int ok = 1;
	int reached = 0;

	OTS_ASSERT(ok);
	reached = 1;
	cr_assert_eq(reached, 1);
}

Test(util, hexval_maps_hex_digits_and_rejects_others)
{
	static const char digits[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	static const char bad[] = "gG/:@`x -";
	size_t i;

	for (i = 0; i < 16; i++) {
		cr_assert_eq(ots_hexval(digits[i]), (int)i, "'%c'", digits[i]);
		cr_assert_eq(ots_hexval(upper[i]), (int)i, "'%c'", upper[i]);
	}
	for (i = 0; bad[i] != '\0'; i++)
		cr_assert_eq(ots_hexval(bad[i]), -1, "'%c'", bad[i]);
	cr_assert_eq(ots_hexval('\0'), -1);
	cr_assert_eq(ots_hexval((char)0xc1), -1);
}

Test(util, str_cstr_of_null_is_empty)
{
	struct ots_str s = ots_str_cstr(NULL);

	cr_assert_eq(s.len, 0u);
	cr_assert_not_null(s.p);
}

Test(util, str_eq_compares_length_and_bytes)
{
	struct ots_str s = { "abcdef", 3 };

	cr_assert(ots_str_eq(s, "abc"));
	cr_assert(!ots_str_eq(s, "abcd"));
	cr_assert(!ots_str_eq(s, "ab"));
	cr_assert(!ots_str_eq(s, "ABC"));
}

Test(util, str_eq_nocase_ignores_ascii_case_only)
{
	struct ots_str s = ots_str_cstr("Content-Type");

	cr_assert(ots_str_eq_nocase(s, "content-type"));
	cr_assert(ots_str_eq_nocase(s, "CONTENT-TYPE"));
	cr_assert(!ots_str_eq_nocase(s, "content-typ"));
	cr_assert(!ots_str_eq_nocase(s, "content_type"));
}

Test(util, clocks_are_plausible)
{
	uint64_t a = ots_mono_ms();
	uint64_t b = ots_mono_ms();

	/* 2020-01-01 as a floor: a zero means clock_gettime failed. */
	cr_assert_gt(ots_now(), 1577836800u);
	cr_assert_geq(b, a);
}
