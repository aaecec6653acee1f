/*
 * ots_tally: per-key counts in a fixed table, a local hint.
 */
#include <stdint.h>
#include <stdio.h>

#include <criterion/criterion.h>

#include "ots_tally.h"

TestSuite(tally, .timeout = 10);

Test(tally, counts_up_and_down_per_key)
{
	struct ots_tally *t = NULL;

	cr_assert_eq(ots_tally_new(&t), OTS_OK);
	cr_assert_eq(ots_tally_add(t, "192.0.2.1"), 1u);
	cr_assert_eq(ots_tally_add(t, "192.0.2.1"), 2u);
	cr_assert_eq(ots_tally_add(t, "2001:db8::/64"), 1u);
	ots_tally_sub(t, "192.0.2.1");
	cr_assert_eq(ots_tally_add(t, "192.0.2.1"), 2u);
	ots_tally_sub(t, "192.0.2.1");
	ots_tally_sub(t, "192.0.2.1");
	cr_assert_eq(ots_tally_add(t, "192.0.2.1"), 1u);
	/* A key never added is not made up by sub. */
	ots_tally_sub(t, "198.51.100.7");
	cr_assert_eq(ots_tally_add(t, "198.51.100.7"), 1u);
	ots_tally_free(t);
}

Test(tally, a_full_table_says_busy_and_frees_up)
{
	struct ots_tally *t = NULL;
	char key[32];
	unsigned i;

	cr_assert_eq(ots_tally_new(&t), OTS_OK);
	for (i = 0; i < OTS_TALLY_SLOTS; i++) {
		snprintf(key, sizeof(key), "10.0.%u.%u", i / 256, i % 256);
		cr_assert_eq(ots_tally_add(t, key), 1u, "%s", key);
	}
	cr_assert_eq(ots_tally_add(t, "10.9.9.9"), UINT32_MAX);
	/* Keys that went back to 0 make room. */
	ots_tally_sub(t, "10.0.0.5");
	cr_assert_eq(ots_tally_add(t, "10.9.9.9"), 1u);
	cr_assert_eq(ots_tally_add(t, "10.0.0.6"), 2u);
	ots_tally_free(t);
}
