/*
 * ots_form: urlencoded bodies and query strings, one field at a time.
 */
#include <stdbool.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ots_form.h"
#include "ots_limits.h"

TestSuite(form, .timeout = 10);

#define OUT_MAX 32u

struct got {
	enum ots_err e;
	char out[OUT_MAX + 1];
	size_t len;
	bool found;
};

static struct got
get_max(const char *s, const char *name, size_t max)
{
	struct got g;

	cr_assert_leq(max, OUT_MAX);
	memset(&g, 0, sizeof(g));
	memset(g.out, '#', sizeof(g.out));
	g.len = 999;
	g.found = true;
	g.e = ots_form_get(s, strlen(s), name, g.out, max, &g.len, &g.found);
	return g;
}

static struct got
get(const char *s, const char *name)
{
	return get_max(s, name, OUT_MAX);
}

static void
assert_value(struct got g, const char *want)
{
	cr_assert_eq(g.e, OTS_OK, "got %s", ots_err_str(g.e));
	cr_assert(g.found);
	cr_assert_eq(g.len, strlen(want));
	cr_assert(memcmp(g.out, want, g.len) == 0);
	cr_assert_eq(g.out[g.len], '\0', "value not terminated");
}

static void
assert_error(struct got g, enum ots_err want)
{
	cr_assert_eq(g.e, want, "got %s, want %s", ots_err_str(g.e),
	    ots_err_str(want));
	cr_assert(!g.found);
	cr_assert_eq(g.len, 0u);
	cr_assert_eq(g.out[0], '\0', "out not wiped");
}

Test(form, finds_field_in_the_middle)
{
	assert_value(get("a=1&pw=secret&b=2", "pw"), "secret");
}

Test(form, finds_first_and_last_fields)
{
	assert_value(get("pw=first&x=y", "pw"), "first");
	assert_value(get("x=y&pw=last", "pw"), "last");
	assert_value(get("pw=only", "pw"), "only");
}

Test(form, plus_is_space)
{
	assert_value(get("t=hello+big+world", "t"), "hello big world");
}

Test(form, percent_escapes_are_decoded)
{
	assert_value(get("t=%41%2b%26%3D%2f%7E%20", "t"), "A+&=/~ ");
}

Test(form, percent_decodes_to_any_byte)
{
	struct got g = get("t=%00%ff", "t");

	cr_assert_eq(g.e, OTS_OK);
	cr_assert_eq(g.len, 2u);
	cr_assert_eq(g.out[0], '\0');
	cr_assert_eq((unsigned char)g.out[1], 0xffu);
}

Test(form, encoded_key_is_matched_decoded)
{
	assert_value(get("p%77=1&x=2", "pw"), "1");
	assert_value(get("my+key=v", "my key"), "v");
}

Test(form, absent_field_is_ok_and_not_found)
{
	struct got g = get("a=1&b=2", "pw");

	cr_assert_eq(g.e, OTS_OK);
	cr_assert(!g.found);
	cr_assert_eq(g.len, 0u);
	cr_assert_str_eq(g.out, "");
}

Test(form, empty_input_is_not_found)
{
	struct got g = get("", "pw");

	cr_assert_eq(g.e, OTS_OK);
	cr_assert(!g.found);
	cr_assert_str_eq(g.out, "");
}

Test(form, names_match_exactly)
{
	struct got g = get("pwx=1&xpw=2&PW=3&pw_=4", "pw");

	cr_assert_eq(g.e, OTS_OK);
	cr_assert(!g.found);
}

Test(form, duplicate_field_is_inval)
{
	assert_error(get("pw=a&x=1&pw=b", "pw"), OTS_ERR_INVAL);
	assert_error(get("pw=same&pw=same", "pw"), OTS_ERR_INVAL);
	assert_error(get("pw&pw=b", "pw"), OTS_ERR_INVAL);
}

Test(form, bad_escape_is_inval)
{
	assert_error(get("t=%zz", "t"), OTS_ERR_INVAL);
	assert_error(get("t=%4", "t"), OTS_ERR_INVAL);
	assert_error(get("t=ab%", "t"), OTS_ERR_INVAL);
	assert_error(get("t=%g1&x=1", "t"), OTS_ERR_INVAL);
}

Test(form, value_over_max_is_toobig)
{
	assert_error(get_max("t=12345", "t", 4), OTS_ERR_TOOBIG);
	assert_error(get_max("t=%41%42%43%44%45", "t", 4), OTS_ERR_TOOBIG);
}

Test(form, value_at_max_is_ok)
{
	assert_value(get_max("t=1234", "t", 4), "1234");
	assert_value(get_max("t=%41%42%43%44", "t", 4), "ABCD");
}

Test(form, empty_value_is_found_and_empty)
{
	assert_value(get("a=1&t=&b=2", "t"), "");
}

Test(form, key_without_equals_is_found_and_empty)
{
	assert_value(get("a=1&t&b=2", "t"), "");
	assert_value(get("t", "t"), "");
}

Test(form, value_may_contain_equals)
{
	assert_value(get("t=a=b", "t"), "a=b");
}

Test(form, empty_pairs_are_skipped)
{
	assert_value(get("&&t=1&&", "t"), "1");
}

Test(form, reads_only_len_bytes)
{
	static const char s[] = "t=abc&u=def";
	char out[OUT_MAX + 1];
	size_t len = 0;
	bool found = false;

	cr_assert_eq(ots_form_get(s, 4, "t", out, OUT_MAX, &len, &found),
	    OTS_OK);
	cr_assert(found);
	cr_assert_str_eq(out, "ab");
	cr_assert_eq(ots_form_get(s, 5, "u", out, OUT_MAX, &len, &found),
	    OTS_OK);
	cr_assert(!found);
}

Test(form, long_unknown_key_before_field_is_skipped)
{
	char s[256];

	memset(s, 'k', 100);
	memcpy(s + 100, "=v&t=1", 7);
	assert_value(get(s, "t"), "1");
}

/*
 * A key too long to be one we know is "not a key we know", wherever it
 * stands; it must not turn the lookup of another field into an error.
 */
Test(form, long_unknown_key_after_field_is_skipped)
{
	char s[256];

	memcpy(s, "t=1&", 4);
	memset(s + 4, 'k', 100);
	memcpy(s + 104, "=v", 3);
	assert_value(get(s, "t"), "1");
}

Test(form, long_unknown_key_with_absent_field_is_not_found)
{
	char s[256];
	struct got g;

	memset(s, 'k', 100);
	memcpy(s + 100, "=v", 3);
	g = get(s, "t");
	cr_assert_eq(g.e, OTS_OK, "got %s", ots_err_str(g.e));
	cr_assert(!g.found);
}

static const char *const known[] = { "expires_in", "key", NULL };

Test(form, unknown_finds_the_first_field_not_listed)
{
	char name[OTS_FORM_NAME_MAX + 1];
	bool found = true;
	const char *s = "expires_in=1h&key=x&Pass%77ord=y&z=1";

	cr_assert_eq(ots_form_unknown(s, strlen(s), known, name, &found),
	    OTS_OK);
	cr_assert(found);
	cr_assert_str_eq(name, "Password");
}

Test(form, unknown_is_not_found_when_every_field_is_listed)
{
	char name[OTS_FORM_NAME_MAX + 1];
	bool found = true;
	const char *s = "expires_in=1h&&key&key=2";

	cr_assert_eq(ots_form_unknown(s, strlen(s), known, name, &found),
	    OTS_OK);
	cr_assert(!found);
	cr_assert_str_eq(name, "");
	cr_assert_eq(ots_form_unknown("", 0, known, name, &found), OTS_OK);
	cr_assert(!found);
}

Test(form, unknown_cuts_a_long_name_and_refuses_a_bad_escape)
{
	char s[200], name[OTS_FORM_NAME_MAX + 1];
	bool found = false;

	memset(s, 'q', 150);
	memcpy(s + 150, "=1", 3);
	cr_assert_eq(ots_form_unknown(s, strlen(s), known, name, &found),
	    OTS_OK);
	cr_assert(found);
	cr_assert_eq(strlen(name), OTS_FORM_NAME_MAX);
	cr_assert_eq(ots_form_unknown("a%zz=1", 6, known, name, &found),
	    OTS_ERR_INVAL);
}
