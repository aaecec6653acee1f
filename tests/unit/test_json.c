/*
 * ots_json: JSON strings that are also safe inside HTML.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "ots_json.h"

TestSuite(json, .timeout = 10);

/* ots_json_str of len bytes must give exactly want. */
static void
assert_json(const char *s, size_t len, const char *want)
{
	struct ots_buf b;

	ots_buf_init(&b, 4096);
	cr_assert_eq(ots_json_str(&b, s, len), OTS_OK);
	cr_assert_str_eq(ots_buf_str(&b), want);
	cr_assert_eq(b.b_len, strlen(want));
	ots_buf_release(&b);
}

static void
assert_json_c(const char *s, const char *want)
{
	assert_json(s, strlen(s), want);
}

Test(json, plain_text_is_quoted)
{
	assert_json_c("hello, world", "\"hello, world\"");
}

Test(json, empty_string_is_two_quotes)
{
	assert_json("", 0, "\"\"");
}

Test(json, quote_and_backslash_are_escaped)
{
	assert_json_c("a\"b\\c", "\"a\\\"b\\\\c\"");
}

Test(json, control_chars_are_escaped_as_u00xx)
{
	assert_json_c("\n\r\t\x01\x1f", "\"\\u000a\\u000d\\u0009\\u0001"
	    "\\u001f\"");
	assert_json_c("a\x7f" "b", "\"a\\u007fb\"");
}

Test(json, nul_byte_is_escaped)
{
	assert_json("a\0b", 3, "\"a\\u0000b\"");
}

Test(json, html_specials_are_escaped)
{
	assert_json_c("</script><b>&amp;", "\"\\u003c/script\\u003e"
	    "\\u003cb\\u003e\\u0026amp;\"");
}

Test(json, printable_ascii_is_kept)
{
	assert_json_c("'/=+;:?#[]{}", "\"'/=+;:?#[]{}\"");
}

Test(json, valid_utf8_is_kept)
{
	assert_json_c("r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "\"r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	assert_json_c("\xef\xbf\xbd\xf4\x8f\xbf\xbf",
	    "\"\xef\xbf\xbd\xf4\x8f\xbf\xbf\"");
}

Test(json, invalid_bytes_become_replacement)
{
	assert_json_c("a\x80" "b", "\"a\\ufffdb\"");
	assert_json_c("\xff\xfe", "\"\\ufffd\\ufffd\"");
	assert_json_c("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	assert_json_c("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

Test(json, surrogates_and_overlongs_become_replacement)
{
	assert_json_c("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json_c("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json_c("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_json_c("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

Test(json, cut_sequence_at_end_becomes_replacement)
{
	assert_json("ab\xe2\x82", 4, "\"ab\\ufffd\\ufffd\"");
	assert_json("ab\xc3", 3, "\"ab\\ufffd\"");
}

Test(json, reads_only_len_bytes)
{
	/* The sequence is valid in memory but cut by len. */
	assert_json("x\xc3\xa9", 2, "\"x\\ufffd\"");
}

Test(json, cstr_appends_to_buffer)
{
	struct ots_buf b;

	ots_buf_init(&b, 64);
	cr_assert_eq(ots_buf_adds(&b, "{\"k\":"), OTS_OK);
	cr_assert_eq(ots_json_cstr(&b, "v<"), OTS_OK);
	cr_assert_str_eq(b.b_data, "{\"k\":\"v\\u003c\"");
	ots_buf_release(&b);
}

Test(json, error_format_is_exact)
{
	struct ots_buf b;

	ots_buf_init(&b, 256);
	cr_assert_eq(ots_json_error(&b, "not_found", "no such share"), OTS_OK);
	cr_assert_str_eq(b.b_data, "{\"error\":{\"code\":\"not_found\","
	    "\"message\":\"no such share\"}}\n");
	ots_buf_release(&b);
}

Test(json, error_escapes_its_fields)
{
	struct ots_buf b;

	ots_buf_init(&b, 256);
	cr_assert_eq(ots_json_error(&b, "c\"", "<m>\n"), OTS_OK);
	cr_assert_str_eq(b.b_data, "{\"error\":{\"code\":\"c\\\"\","
	    "\"message\":\"\\u003cm\\u003e\\u000a\"}}\n");
	ots_buf_release(&b);
}

Test(json, output_over_buffer_max_is_toobig)
{
	struct ots_buf b;

	ots_buf_init(&b, 8);
	cr_assert_eq(ots_json_cstr(&b, "<<<"), OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
	ots_buf_init(&b, 20);
	cr_assert_eq(ots_json_error(&b, "code", "message"), OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
}
