/*
 * ots_buf: the growable byte buffer with a mandatory maximum.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ots_buf.h"

TestSuite(buf, .timeout = 10);

/* The buffer holds exactly the n bytes at p, followed by a NUL. */
static void
assert_holds(const struct ots_buf *b, const void *p, size_t n)
{
	cr_assert_eq(b->b_len, n, "len %zu, want %zu", b->b_len, n);
	cr_assert_not_null(b->b_data);
	cr_assert(memcmp(b->b_data, p, n) == 0, "contents differ");
	cr_assert_eq(b->b_data[n], '\0', "no NUL after the contents");
	cr_assert_geq(b->b_cap, n + 1);
}

Test(buf, init_is_empty_without_allocation)
{
	struct ots_buf b;

	ots_buf_init(&b, 100);
	cr_assert_null(b.b_data);
	cr_assert_eq(b.b_len, 0u);
	cr_assert_eq(b.b_max, 100u);
	cr_assert_str_eq(ots_buf_str(&b), "");
}

Test(buf, add_appends_and_terminates)
{
	struct ots_buf b;

	ots_buf_init(&b, 100);
	cr_assert_eq(ots_buf_add(&b, "abc", 3), OTS_OK);
	cr_assert_eq(ots_buf_add(&b, "de", 2), OTS_OK);
	assert_holds(&b, "abcde", 5);
	cr_assert_str_eq(ots_buf_str(&b), "abcde");
	ots_buf_release(&b);
}

Test(buf, add_zero_bytes_gives_empty_string)
{
	struct ots_buf b;

	ots_buf_init(&b, 10);
	cr_assert_eq(ots_buf_add(&b, "", 0), OTS_OK);
	cr_assert_eq(b.b_len, 0u);
	cr_assert_str_eq(ots_buf_str(&b), "");
	ots_buf_release(&b);
}

Test(buf, add_keeps_embedded_nul_bytes)
{
	static const char bin[] = { 'a', '\0', 'b', '\0', (char)0xff };
	struct ots_buf b;

	ots_buf_init(&b, 10);
	cr_assert_eq(ots_buf_add(&b, bin, sizeof(bin)), OTS_OK);
	assert_holds(&b, bin, sizeof(bin));
	ots_buf_release(&b);
}

Test(buf, add_up_to_max_succeeds)
{
	char data[100];
	struct ots_buf b;

	memset(data, 'x', sizeof(data));
	ots_buf_init(&b, sizeof(data));
	cr_assert_eq(ots_buf_add(&b, data, 60), OTS_OK);
	cr_assert_eq(ots_buf_add(&b, data, 40), OTS_OK);
	assert_holds(&b, data, sizeof(data));
	ots_buf_release(&b);
}

Test(buf, append_past_max_fails_and_frees)
{
	char data[101];
	struct ots_buf b;

	memset(data, 'x', sizeof(data));
	ots_buf_init(&b, 100);
	cr_assert_eq(ots_buf_add(&b, data, 100), OTS_OK);
	cr_assert_eq(ots_buf_add(&b, "y", 1), OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
	cr_assert_eq(b.b_len, 0u);
	cr_assert_eq(b.b_cap, 0u);
	cr_assert_eq(b.b_max, 100u, "max must survive the release");
	cr_assert_str_eq(ots_buf_str(&b), "");
}

Test(buf, single_append_over_max_fails_and_frees)
{
	char data[11];
	struct ots_buf b;

	memset(data, 'x', sizeof(data));
	ots_buf_init(&b, 10);
	cr_assert_eq(ots_buf_add(&b, "ab", 2), OTS_OK);
	cr_assert_eq(ots_buf_add(&b, data, sizeof(data)), OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
	cr_assert_eq(b.b_len, 0u);
}

Test(buf, buffer_is_usable_after_failed_append)
{
	struct ots_buf b;

	ots_buf_init(&b, 4);
	cr_assert_eq(ots_buf_add(&b, "abcde", 5), OTS_ERR_TOOBIG);
	cr_assert_eq(ots_buf_add(&b, "abcd", 4), OTS_OK);
	assert_holds(&b, "abcd", 4);
	ots_buf_release(&b);
}

Test(buf, huge_length_overflow_is_toobig)
{
	struct ots_buf b;

	ots_buf_init(&b, 100);
	cr_assert_eq(ots_buf_add(&b, "a", 1), OTS_OK);
	/* b_len + n overflows size_t: must fail before touching memory. */
	cr_assert_eq(ots_buf_add(&b, "a", SIZE_MAX), OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
	cr_assert_eq(b.b_len, 0u);
}

/*
 * SIZE_MAX is a valid maximum ("no bound of our own"): growth must still
 * leave room for the contents and the NUL.
 */
Test(buf, size_max_maximum_still_allocates_room)
{
	struct ots_buf b;

	ots_buf_init(&b, SIZE_MAX);
	cr_assert_eq(ots_buf_add(&b, "abc", 3), OTS_OK);
	cr_assert_geq(b.b_cap, 4u, "capacity %zu for 3 bytes and a NUL",
	    b.b_cap);
	assert_holds(&b, "abc", 3);
	ots_buf_release(&b);
}

Test(buf, many_small_appends_grow_correctly)
{
	struct ots_buf b;
	char want[10000];
	size_t i;

	for (i = 0; i < sizeof(want); i++)
		want[i] = (char)('a' + i % 26);
	ots_buf_init(&b, sizeof(want));
	for (i = 0; i < sizeof(want); i++)
		cr_assert_eq(ots_buf_add(&b, &want[i], 1), OTS_OK);
	assert_holds(&b, want, sizeof(want));
	cr_assert_leq(b.b_cap, sizeof(want) + 1,
	    "capacity %zu passes max + 1", b.b_cap);
	ots_buf_release(&b);
}

Test(buf, adds_appends_c_string)
{
	struct ots_buf b;

	ots_buf_init(&b, 32);
	cr_assert_eq(ots_buf_adds(&b, "hello"), OTS_OK);
	cr_assert_eq(ots_buf_adds(&b, ", world"), OTS_OK);
	assert_holds(&b, "hello, world", 12);
	ots_buf_release(&b);
}

Test(buf, addf_formats_short_output)
{
	struct ots_buf b;

	ots_buf_init(&b, 64);
	cr_assert_eq(ots_buf_adds(&b, "n="), OTS_OK);
	cr_assert_eq(ots_buf_addf(&b, "%d/%s/%zu", -5, "x", (size_t)7),
	    OTS_OK);
	assert_holds(&b, "n=-5/x/7", 8);
	ots_buf_release(&b);
}

Test(buf, addf_formats_long_output)
{
	char big[1001];
	char want[1100];
	struct ots_buf b;
	int n;

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = snprintf(want, sizeof(want), "pre:%s:%d", big, 12345);
	cr_assert_gt(n, 256);
	ots_buf_init(&b, 4096);
	cr_assert_eq(ots_buf_adds(&b, "0123"), OTS_OK);
	cr_assert_eq(ots_buf_addf(&b, "pre:%s:%d", big, 12345), OTS_OK);
	cr_assert_eq(b.b_len, 4 + (size_t)n);
	cr_assert(memcmp(b.b_data, "0123", 4) == 0);
	cr_assert_str_eq(b.b_data + 4, want);
	cr_assert_eq(b.b_data[b.b_len], '\0');
	ots_buf_release(&b);
}

Test(buf, addf_long_output_past_max_fails_and_frees)
{
	char big[600];
	struct ots_buf b;

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ots_buf_init(&b, 500);
	cr_assert_eq(ots_buf_adds(&b, "x"), OTS_OK);
	cr_assert_eq(ots_buf_addf(&b, "%s", big), OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
	cr_assert_eq(b.b_len, 0u);
}

Test(buf, addf_short_output_past_max_fails_and_frees)
{
	struct ots_buf b;

	ots_buf_init(&b, 4);
	cr_assert_eq(ots_buf_addf(&b, "%d", 12345), OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
	cr_assert_eq(b.b_len, 0u);
}

Test(buf, reset_empties_but_keeps_allocation)
{
	struct ots_buf b;
	char *before;

	ots_buf_init(&b, 64);
	cr_assert_eq(ots_buf_adds(&b, "something"), OTS_OK);
	before = b.b_data;
	ots_buf_reset(&b);
	cr_assert_eq(b.b_data, before);
	cr_assert_eq(b.b_len, 0u);
	cr_assert_str_eq(ots_buf_str(&b), "");
	cr_assert_eq(ots_buf_adds(&b, "new"), OTS_OK);
	assert_holds(&b, "new", 3);
	ots_buf_release(&b);
}

Test(buf, release_frees_and_keeps_max)
{
	struct ots_buf b;

	ots_buf_init(&b, 64);
	cr_assert_eq(ots_buf_adds(&b, "something"), OTS_OK);
	ots_buf_release(&b);
	cr_assert_null(b.b_data);
	cr_assert_eq(b.b_len, 0u);
	cr_assert_eq(b.b_cap, 0u);
	cr_assert_eq(b.b_max, 64u);
	/* A second release is harmless. */
	ots_buf_release(&b);
	cr_assert_null(b.b_data);
}

Test(buf, reset_of_unallocated_buffer_is_safe)
{
	struct ots_buf b;

	ots_buf_init(&b, 8);
	ots_buf_reset(&b);
	cr_assert_null(b.b_data);
	cr_assert_eq(b.b_len, 0u);
}
