/*
 * ots_name: cleaning hostile file names, Content-Disposition values and
 * URL path unescaping.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ots_name.h"

TestSuite(name, .timeout = 10);

static void
clean(const char *in, size_t len, char out[OTS_NAME_MAX + 1])
{
	memset(out, 'Z', OTS_NAME_MAX + 1);
	ots_name_clean(in, len, out);
	cr_assert_leq(strnlen(out, OTS_NAME_MAX + 1), (size_t)OTS_NAME_MAX,
	    "output not terminated within OTS_NAME_MAX");
}

static void
assert_clean(const char *in, const char *want)
{
	char out[OTS_NAME_MAX + 1];

	clean(in, strlen(in), out);
	cr_assert_str_eq(out, want, "clean('%s')", in);
}

/* Strict UTF-8 (RFC 3629) with no C0, DEL, C1, '/' or '\\'. */
static bool
is_safe_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		unsigned long c;
		size_t len, i;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f || *p == '/' ||
			    *p == '\\')
				return false;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			len = 2;
			c = *p & 0x1fu;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			len = 3;
			c = *p & 0x0fu;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			len = 4;
			c = *p & 0x07u;
		} else {
			return false;
		}
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3fu);
		}
		if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
		    (c >= 0x80 && c <= 0x9f))
			return false;
		p += len;
	}
	return true;
}

Test(name, plain_names_are_unchanged)
{
	assert_clean("report.pdf", "report.pdf");
	assert_clean("My File (2) [final]-v1.tar.gz",
	    "My File (2) [final]-v1.tar.gz");
	assert_clean("a", "a");
	assert_clean("#$%&'+,;=@~`^{}!", "#$%&'+,;=@~`^{}!");
}

Test(name, valid_multibyte_utf8_is_kept)
{
	assert_clean("r\xc3\xa9sum\xc3\xa9.pdf", "r\xc3\xa9sum\xc3\xa9.pdf");
	assert_clean("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt");
	assert_clean("smile \xf0\x9f\x98\x80.png",
	    "smile \xf0\x9f\x98\x80.png");
	/* The last valid code point, U+10FFFF. */
	assert_clean("x\xf4\x8f\xbf\xbf", "x\xf4\x8f\xbf\xbf");
}

Test(name, path_separators_are_replaced)
{
	assert_clean("a/b\\c", "a_b_c");
	assert_clean("/etc/passwd", "_etc_passwd");
}

Test(name, traversal_leaves_no_separator_or_leading_dot)
{
	char out[OTS_NAME_MAX + 1];

	clean("../../etc/passwd", 16, out);
	cr_assert_null(strchr(out, '/'));
	cr_assert_neq(out[0], '.');
	cr_assert_str_eq(out, "_.._etc_passwd");
	clean("..\\..\\boot.ini", 14, out);
	cr_assert_null(strchr(out, '\\'));
	cr_assert_neq(out[0], '.');
}

Test(name, control_characters_are_replaced)
{
	char out[OTS_NAME_MAX + 1];

	assert_clean("a\tb\nc\rd", "a_b_c_d");
	assert_clean("a\x01z\x1f", "a_z_");
	assert_clean("del\x7f", "del_");
	clean("nul\0byte", 8, out);
	cr_assert_str_eq(out, "nul_byte");
}

Test(name, c1_controls_are_replaced)
{
	/* U+0085 (NEL) and U+009B (CSI) encoded as UTF-8. */
	assert_clean("a\xc2\x85z", "a_z");
	assert_clean("a\xc2\x9b[31mz", "a_[31mz");
	/* U+00A0 is the first character after C1 and is kept. */
	assert_clean("a\xc2\xa0z", "a\xc2\xa0z");
}

Test(name, bidi_controls_are_replaced)
{
	/* U+202E RIGHT-TO-LEFT OVERRIDE: "invoice_[RLO]fdp.exe". */
	assert_clean("invoice\xe2\x80\xae" "fdp.exe", "invoice_fdp.exe");
	assert_clean("a\xe2\x80\xaaz", "a_z");	/* U+202A */
	assert_clean("a\xe2\x81\xa6z", "a_z");	/* U+2066 */
	assert_clean("a\xe2\x81\xa9z", "a_z");	/* U+2069 */
	assert_clean("a\xe2\x80\x8fz", "a_z");	/* U+200F */
	assert_clean("a\xef\xbb\xbfz", "a_z");	/* U+FEFF */
}

/* in must come out as "a", one or more '_', then "b". */
static void
assert_replaced(const char *in, size_t len)
{
	char out[OTS_NAME_MAX + 1];
	size_t n, i;

	clean(in, len, out);
	n = strlen(out);
	cr_assert_geq(n, 3u, "'%s'", out);
	cr_assert_eq(out[0], 'a');
	cr_assert_eq(out[n - 1], 'b');
	for (i = 1; i < n - 1; i++)
		cr_assert_eq(out[i], '_', "byte %zu of the result is 0x%02x", i,
		    (unsigned)(unsigned char)out[i]);
	cr_assert(is_safe_utf8(out));
}

Test(name, invalid_utf8_is_replaced)
{
	assert_replaced("a\x80" "b", 3);		/* lone continuation */
	assert_replaced("a\xc0\xaf" "b", 4);		/* overlong '/' */
	assert_replaced("a\xc1\xbf" "b", 4);		/* overlong */
	assert_replaced("a\xe0\x80\xaf" "b", 5);	/* overlong, 3 bytes */
	assert_replaced("a\xf0\x80\x80\xaf" "b", 6);	/* overlong, 4 bytes */
	assert_replaced("a\xed\xa0\x80" "b", 5);	/* surrogate D800 */
	assert_replaced("a\xed\xbf\xbf" "b", 5);	/* surrogate DFFF */
	assert_replaced("a\xf4\x90\x80\x80" "b", 6);	/* above U+10FFFF */
	assert_replaced("a\xf5\x80\x80\x80" "b", 6);
	assert_replaced("a\xf8\x88\x80\x80\x80" "b", 7);
	assert_replaced("a\xfe\xff" "b", 4);
	assert_replaced("a\xc3" "b", 3);		/* cut sequence */
	assert_replaced("a\xe2\x82" "b", 4);
}

Test(name, truncated_sequence_at_end_is_replaced)
{
	char out[OTS_NAME_MAX + 1];

	clean("abc\xe2\x82", 5, out);
	cr_assert(is_safe_utf8(out), "'%s'", out);
	cr_assert_eq(strncmp(out, "abc", 3), 0);
	cr_assert_null(strchr(out, (char)0xe2));
}

Test(name, leading_and_trailing_dots_and_spaces_are_trimmed)
{
	assert_clean(".bashrc", "bashrc");
	assert_clean("  name.txt  ", "name.txt");
	assert_clean("...a.b...", "a.b");
	assert_clean(" . x . ", "x");
	assert_clean("a b.c", "a b.c");
}

Test(name, dot_names_become_default)
{
	assert_clean(".", OTS_NAME_DEFAULT);
	assert_clean("..", OTS_NAME_DEFAULT);
	assert_clean(". . .", OTS_NAME_DEFAULT);
	assert_clean("   ", OTS_NAME_DEFAULT);
}

Test(name, empty_becomes_default)
{
	char out[OTS_NAME_MAX + 1];

	clean("", 0, out);
	cr_assert_str_eq(out, "file");
	clean("ignored", 0, out);
	cr_assert_str_eq(out, "file");
}

Test(name, reads_only_len_bytes)
{
	char out[OTS_NAME_MAX + 1];

	clean("abc/def", 3, out);
	cr_assert_str_eq(out, "abc");
}

Test(name, long_ascii_is_cut_to_max)
{
	char in[600], out[OTS_NAME_MAX + 1];

	memset(in, 'x', sizeof(in));
	clean(in, OTS_NAME_MAX, out);
	cr_assert_eq(strlen(out), (size_t)OTS_NAME_MAX);
	clean(in, OTS_NAME_MAX + 1, out);
	cr_assert_eq(strlen(out), (size_t)OTS_NAME_MAX);
	clean(in, sizeof(in), out);
	cr_assert_eq(strlen(out), (size_t)OTS_NAME_MAX);
}

Test(name, long_names_are_cut_on_a_character_boundary)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x98\x80" };
	size_t c, lead;

	/* Every alignment of 2, 3 and 4 byte characters against the cut. */
	for (c = 0; c < OTS_ARRAY_LEN(chars); c++) {
		size_t cl = strlen(chars[c]);

		for (lead = 0; lead < cl; lead++) {
			char in[700], out[OTS_NAME_MAX + 1];
			size_t n = 0, len;

			memset(in, 'a', lead);
			n = lead;
			while (n + cl <= sizeof(in)) {
				memcpy(in + n, chars[c], cl);
				n += cl;
			}
			clean(in, n, out);
			len = strlen(out);
			cr_assert_leq(len, (size_t)OTS_NAME_MAX);
			cr_assert_gt(len, (size_t)OTS_NAME_MAX - cl,
			    "cut too short: %zu", len);
			cr_assert_eq((len - lead) % cl, 0u,
			    "char %zu lead %zu: cut inside a character (%zu)",
			    c, lead, len);
			cr_assert(is_safe_utf8(out), "char %zu lead %zu", c,
			    lead);
			cr_assert(memcmp(out, in, len) == 0);
		}
	}
}

Test(name, replacement_then_cut_keeps_bound)
{
	/* 300 bad bytes become 255 '_' at most. */
	char in[300], out[OTS_NAME_MAX + 1];

	memset(in, 0xff, sizeof(in));
	clean(in, sizeof(in), out);
	cr_assert_eq(strlen(out), (size_t)OTS_NAME_MAX);
	cr_assert(is_safe_utf8(out));
}

Test(name, every_single_byte_gives_safe_output)
{
	unsigned c;

	for (c = 0; c < 256; c++) {
		char in[3] = { 'a', (char)c, 'b' };
		char out[OTS_NAME_MAX + 1];

		clean(in, sizeof(in), out);
		cr_assert(is_safe_utf8(out), "byte 0x%02x gave '%s'", c, out);
	}
}

/* ots_name_disposition */

static void
disposition(const char *name, struct ots_buf *b)
{
	ots_buf_init(b, 4096);
	cr_assert_eq(ots_name_disposition(name, b), OTS_OK);
}

static bool
is_attr_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$&+-.^_`|~", c) != NULL);
}

static bool
is_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/*
 * Splits a disposition value into its quoted fallback and its
 * filename* part, checking the fixed text around them.
 */
static void
split_disposition(const char *v, char *fallback, size_t fmax, char *star,
    size_t smax)
{
	static const char pre[] = "attachment; filename=\"";
	static const char mid[] = "\"; filename*=UTF-8''";
	const char *m;
	size_t fl;

	cr_assert_eq(strncmp(v, pre, sizeof(pre) - 1), 0, "%s", v);
	v += sizeof(pre) - 1;
	m = strstr(v, mid);
	cr_assert_not_null(m, "%s", v);
	fl = (size_t)(m - v);
	cr_assert_lt(fl, fmax);
	memcpy(fallback, v, fl);
	fallback[fl] = '\0';
	m += sizeof(mid) - 1;
	cr_assert_lt(strlen(m), smax);
	memcpy(star, m, strlen(m) + 1);
}

Test(name, disposition_of_plain_name_is_exact)
{
	struct ots_buf b;

	disposition("report.pdf", &b);
	cr_assert_str_eq(b.b_data, "attachment; filename=\"report.pdf\"; "
	    "filename*=UTF-8''report.pdf");
	ots_buf_release(&b);
}

Test(name, disposition_of_utf8_name_is_exact)
{
	struct ots_buf b;

	disposition("r\xc3\xa9sum\xc3\xa9 1.pdf", &b);
	cr_assert_str_eq(b.b_data, "attachment; filename=\"r__sum__ 1.pdf\"; "
	    "filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf");
	ots_buf_release(&b);
}

Test(name, disposition_fallback_has_no_quote_backslash_or_percent)
{
	struct ots_buf b;

	disposition("a\"b\\c%d.txt", &b);
	cr_assert_str_eq(b.b_data, "attachment; filename=\"a_b_c_d.txt\"; "
	    "filename*=UTF-8''a%22b%5Cc%25d.txt");
	ots_buf_release(&b);
}

Test(name, disposition_encodes_every_byte_safely)
{
	char name[256], fallback[512], star[1024];
	struct ots_buf b;
	size_t i;

	for (i = 0; i < 255; i++)
		name[i] = (char)(i + 1);
	name[255] = '\0';
	disposition(name, &b);
	split_disposition(b.b_data, fallback, sizeof(fallback), star,
	    sizeof(star));
	cr_assert_eq(strlen(fallback), 255u);
	for (i = 0; fallback[i] != '\0'; i++) {
		unsigned char c = (unsigned char)fallback[i];

		cr_assert(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' &&
		    c != '%', "fallback byte %zu is 0x%02x", i, c);
	}
	for (i = 0; star[i] != '\0'; i++) {
		if (star[i] == '%') {
			cr_assert(is_upper_hex(star[i + 1]) &&
			    is_upper_hex(star[i + 2]), "bad escape at %zu", i);
			i += 2;
			continue;
		}
		cr_assert(is_attr_char(star[i]), "filename* byte %zu is '%c'",
		    i, star[i]);
	}
	ots_buf_release(&b);
}

Test(name, disposition_percent_encodes_non_attr_chars)
{
	struct ots_buf b;

	disposition("a b;c,d=e'f(g)*h", &b);
	cr_assert_not_null(strstr(b.b_data,
	    "filename*=UTF-8''a%20b%3Bc%2Cd%3De%27f%28g%29%2Ah"), "%s",
	    b.b_data);
	ots_buf_release(&b);
}

Test(name, disposition_never_contains_cr_or_lf)
{
	static const char evil[] = "x\r\nSet-Cookie: a=b\r\n\r\n<html>";
	char cleaned[OTS_NAME_MAX + 1];
	struct ots_buf b;

	clean(evil, strlen(evil), cleaned);
	disposition(cleaned, &b);
	cr_assert_null(strchr(b.b_data, '\r'));
	cr_assert_null(strchr(b.b_data, '\n'));
	ots_buf_release(&b);
	/* Even an uncleaned name cannot split the header. */
	disposition(evil, &b);
	cr_assert_null(strchr(b.b_data, '\r'));
	cr_assert_null(strchr(b.b_data, '\n'));
	ots_buf_release(&b);
}

Test(name, disposition_appends_to_buffer)
{
	struct ots_buf b;

	ots_buf_init(&b, 256);
	cr_assert_eq(ots_buf_adds(&b, "Content-Disposition: "), OTS_OK);
	cr_assert_eq(ots_name_disposition("x", &b), OTS_OK);
	cr_assert_str_eq(b.b_data, "Content-Disposition: attachment; "
	    "filename=\"x\"; filename*=UTF-8''x");
	ots_buf_release(&b);
}

Test(name, disposition_over_buffer_max_is_toobig)
{
	struct ots_buf b;

	ots_buf_init(&b, 40);
	cr_assert_eq(ots_name_disposition("a-rather-long-name.txt", &b),
	    OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
}

/* ots_name_unescape */

static enum ots_err
unescape(const char *in, size_t max, char *out, size_t *out_len)
{
	*out_len = 12345;
	return ots_name_unescape(in, strlen(in), out, max, out_len);
}

Test(name, unescape_decodes_percent_escapes)
{
	char out[64];
	size_t n;

	cr_assert_eq(unescape("a%2Fb%2fc%41%7e", sizeof(out), out, &n),
	    OTS_OK);
	cr_assert_eq(n, 7u);
	cr_assert(memcmp(out, "a/b/cA~", 7) == 0);
}

Test(name, unescape_keeps_plus)
{
	char out[16];
	size_t n;

	cr_assert_eq(unescape("a+b", sizeof(out), out, &n), OTS_OK);
	cr_assert_eq(n, 3u);
	cr_assert(memcmp(out, "a+b", 3) == 0);
}

Test(name, unescape_decodes_nul_byte)
{
	char out[16];
	size_t n;

	cr_assert_eq(unescape("a%00b", sizeof(out), out, &n), OTS_OK);
	cr_assert_eq(n, 3u);
	cr_assert(memcmp(out, "a\0b", 3) == 0);
}

Test(name, unescape_empty_is_empty)
{
	char out[4];
	size_t n;

	cr_assert_eq(unescape("", sizeof(out), out, &n), OTS_OK);
	cr_assert_eq(n, 0u);
}

Test(name, unescape_rejects_bad_escapes)
{
	static const char *const bad[] = { "%", "a%", "%2", "a%2", "%zz",
		"%g0", "%0g", "%%41", "% 41", "%-1" };
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(bad); i++) {
		char out[16];
		size_t n;

		cr_assert_eq(unescape(bad[i], sizeof(out), out, &n),
		    OTS_ERR_INVAL, "'%s' accepted", bad[i]);
	}
}

Test(name, unescape_enforces_max)
{
	char out[8];
	size_t n;

	cr_assert_eq(unescape("abcd", 3, out, &n), OTS_ERR_TOOBIG);
	cr_assert_eq(unescape("abc", 3, out, &n), OTS_OK);
	cr_assert_eq(n, 3u);
	/* max counts decoded bytes, not input bytes. */
	cr_assert_eq(unescape("%41%42%43", 3, out, &n), OTS_OK);
	cr_assert_eq(n, 3u);
	cr_assert(memcmp(out, "ABC", 3) == 0);
	cr_assert_eq(unescape("%41%42%43%44", 3, out, &n), OTS_ERR_TOOBIG);
	cr_assert_eq(unescape("a", 0, out, &n), OTS_ERR_TOOBIG);
}

Test(name, unescape_does_not_write_past_max)
{
	char out[8];
	size_t n;

	memset(out, '#', sizeof(out));
	cr_assert_eq(unescape("abcdefgh", 4, out, &n), OTS_ERR_TOOBIG);
	cr_assert_eq(out[4], '#');
	cr_assert_eq(out[7], '#');
}
