/*
 * ots_err: every error code has its own description.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "ots_err.h"

TestSuite(err, .timeout = 10);

Test(err, every_code_has_a_distinct_description)
{
	int i, j;

	for (i = OTS_OK; i <= OTS_ERR_STORE; i++) {
		const char *s = ots_err_str((enum ots_err)i);

		cr_assert_not_null(s);
		cr_assert_gt(strlen(s), 0u, "code %d", i);
		cr_assert_str_neq(s, "unknown error", "code %d", i);
		for (j = OTS_OK; j < i; j++)
			cr_assert_str_neq(s, ots_err_str((enum ots_err)j),
			    "codes %d and %d share '%s'", j, i, s);
	}
}

Test(err, ok_reads_ok)
{
	cr_assert_str_eq(ots_err_str(OTS_OK), "ok");
}

Test(err, unknown_code_is_not_null)
{
	cr_assert_str_eq(ots_err_str((enum ots_err)999), "unknown error");
	cr_assert_str_eq(ots_err_str((enum ots_err)(OTS_ERR_STORE + 1)),
	    "unknown error");
}
