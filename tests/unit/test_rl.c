/*
 * ots_rl: parsing rate limits and naming route classes.  The Redis side
 * (ots_rl_check) is covered by the integration tests.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "ots_rl.h"

TestSuite(rl, .timeout = 10);

Test(rl, parse_known_answers)
{
	static const struct {
		char in[24];
		uint64_t count;
		uint64_t window_ms;
	} cases[] = {
		{ "30/1m", 30, 60000 },
		{ "5/10s", 5, 10000 },
		{ "100/1h", 100, 3600000 },
		{ "1/1", 1, 1000 },
		{ "1000000/1d", 1000000, 86400000 },
		{ "7/86400", 7, 86400000 },
		{ "off", 0, 0 },
	};
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(cases); i++) {
		struct ots_rl_limit lim = { 99, 99 };

		cr_assert_eq(ots_rl_parse(cases[i].in, &lim), OTS_OK, "'%s'",
		    cases[i].in);
		cr_assert_eq(lim.rl_count, cases[i].count, "'%s'",
		    cases[i].in);
		cr_assert_eq(lim.rl_window_ms, cases[i].window_ms, "'%s'",
		    cases[i].in);
	}
}

Test(rl, parse_rejects_bad_limits)
{
	static const char *const bad[] = { "", "0/1m", "1000001/1m", "1/0",
		"1/25h", "1/2d", "1/86401", "/1m", "1/", "1", "OFF", "on",
		"1/1m/2", " 1/1m", "1 /1m", "1/ 1m", "-1/1m", "01/1m",
		"1/1x" };
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(bad); i++) {
		struct ots_rl_limit lim;

		cr_assert_eq(ots_rl_parse(bad[i], &lim), OTS_ERR_INVAL,
		    "'%s' accepted", bad[i]);
	}
}

Test(rl, class_names)
{
	cr_assert_str_eq(ots_rl_class_name(OTS_RL_UPLOAD), "upload");
	cr_assert_str_eq(ots_rl_class_name(OTS_RL_CLAIM), "claim");
	cr_assert_str_eq(ots_rl_class_name(OTS_RL_META), "meta");
}

Test(rl, class_name_out_of_range_asserts, .signal = SIGABRT,
    .init = cr_redirect_stderr)
{
	const char *s = ots_rl_class_name(OTS_RL_CLASSES);

	cr_assert_fail("got '%s'", s);
}
