/*
 * The client's JSON reader (tools/ots-c/net.c): the few fields `ots`
 * reads from a server's answers, which it treats as hostile: escapes,
 * surrogate pairs, lengths, and every malformed shape refused.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "net.h"

Test(client_json, strings_without_escapes_and_their_limits)
{
	char out[8];

	cr_assert(json_str("{\"id\":\"abc\"}", "id", out, sizeof(out)));
	cr_assert_str_eq(out, "abc");
	cr_assert(json_str("{\"id\":\"1234567\"}", "id", out, sizeof(out)));
	cr_assert_not(json_str("{\"id\":\"12345678\"}", "id", out,
	    sizeof(out)), "longer than the room");
	cr_assert_not(json_str("{\"id\":\"a\\\"b\"}", "id", out, sizeof(out)),
	    "an escape where none is allowed");
	cr_assert_not(json_str("{\"id\":\"abc", "id", out, sizeof(out)),
	    "unterminated");
	cr_assert_not(json_str("{\"id\":3}", "id", out, sizeof(out)));
	cr_assert_not(json_str("{\"other\":\"x\"}", "id", out, sizeof(out)));
}

Test(client_json, text_decodes_escapes_to_utf8)
{
	char out[64];

	cr_assert(json_text("{\"name\":\"a\\\"b\\\\c\\/d\\n\"}", "name", out,
	    sizeof(out)));
	cr_assert_str_eq(out, "a\"b\\c/d\n");
	/* The server escapes < > & (its JSON is safe in HTML). */
	cr_assert(json_text("{\"name\":\"\\u003cx\\u0026y\\u003e\"}", "name",
	    out, sizeof(out)));
	cr_assert_str_eq(out, "<x&y>");
	cr_assert(json_text("{\"name\":\"r\\u00e9sum\\u00e9 \\u2713\"}",
	    "name", out, sizeof(out)));
	cr_assert_str_eq(out, "r\xc3\xa9sum\xc3\xa9 \xe2\x9c\x93");
	/* U+1F600 as a surrogate pair. */
	cr_assert(json_text("{\"name\":\"\\ud83d\\ude00\"}", "name", out,
	    sizeof(out)));
	cr_assert_str_eq(out, "\xf0\x9f\x98\x80");
}

Test(client_json, text_refuses_what_is_malformed)
{
	static const char *const bad[] = {
		"{\"n\":\"\\ud83d\"}",		/* a lone high surrogate */
		"{\"n\":\"\\ude00\"}",		/* a lone low surrogate */
		"{\"n\":\"\\ud83d\\u0041\"}",	/* high, then not a low */
		"{\"n\":\"\\u0000\"}",		/* NUL */
		"{\"n\":\"\\u12g4\"}",		/* not hex */
		"{\"n\":\"\\u12\"}",		/* cut short */
		"{\"n\":\"\\x41\"}",		/* no such escape */
		"{\"n\":\"a\\",			/* ends in an escape */
		"{\"n\":\"tab\there\"}",	/* a raw control character */
		"{\"n\":\"open",		/* unterminated */
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(json_text(bad[i], "n", out, sizeof(out)), "%s",
		    bad[i]);
	/* Exactly full is fine, one more byte is not (a 2-byte é). */
	cr_assert(json_text("{\"n\":\"ab\\u00e9\"}", "n", out, 5));
	cr_assert_not(json_text("{\"n\":\"abc\\u00e9\"}", "n", out, 5));
}

Test(client_json, numbers_booleans_and_objects)
{
	char obj[64];
	uint64_t v = 0;
	bool b = false;

	cr_assert(json_u64("{\"size\":18446744073709551615}", "size", &v));
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_not(json_u64("{\"size\":18446744073709551616}", "size", &v),
	    "an overflow");
	cr_assert_not(json_u64("{\"size\":-1}", "size", &v));
	cr_assert_not(json_u64("{\"size\":\"1\"}", "size", &v));
	cr_assert(json_bool("{\"protected\":true}", "protected", &b) && b);
	cr_assert(json_bool("{\"protected\":false}", "protected", &b) && !b);
	cr_assert_not(json_bool("{\"protected\":1}", "protected", &b));
	cr_assert(json_obj("{\"e2e\":{\"enabled\":true,\"part_max\":5},"
	    "\"x\":1}", "e2e", obj, sizeof(obj)));
	cr_assert_str_eq(obj, "{\"enabled\":true,\"part_max\":5}");
	cr_assert(json_bool(obj, "enabled", &b) && b);
	cr_assert_not(json_obj("{\"e2e\":{\"a\":{}}}", "e2e", obj, sizeof(obj)),
	    "a nested object");
	cr_assert_not(json_obj("{\"e2e\":{\"a\":1", "e2e", obj, sizeof(obj)));
	cr_assert_not(json_obj("{\"e2e\":{\"enabled\":true}}", "e2e", obj, 10),
	    "no room");
}
