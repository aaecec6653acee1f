/*
 * ots_tok: share ids, link secrets and owner tokens as 22 characters of
 * unpadded base64url with one spelling per value.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "ots_tok.h"

static void
suite_init(void)
{
	cr_assert_geq(sodium_init(), 0);
}

TestSuite(tok, .init = suite_init, .timeout = 10);

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
in_alphabet(char c)
{
	return c != '\0' && strchr(alphabet, c) != NULL;
}

Test(tok, random_is_22_alphabet_chars)
{
	struct ots_tok t;
	size_t i;

	ots_tok_random(&t);
	cr_assert_eq(strlen(t.t_str), (size_t)OTS_TOK_CHARS);
	for (i = 0; i < OTS_TOK_CHARS; i++)
		cr_assert(in_alphabet(t.t_str[i]), "char %zu is 0x%02x", i,
		    (unsigned)(unsigned char)t.t_str[i]);
}

Test(tok, random_text_decodes_to_its_raw_bytes)
{
	struct ots_tok t, u;

	ots_tok_random(&t);
	memset(&u, 0xaa, sizeof(u));
	cr_assert_eq(ots_tok_parse(t.t_str, strlen(t.t_str), &u), OTS_OK);
	cr_assert(memcmp(t.t_raw, u.t_raw, OTS_TOK_BYTES) == 0);
	cr_assert_str_eq(u.t_str, t.t_str);
}

Test(tok, two_randoms_differ)
{
	struct ots_tok a, b;

	ots_tok_random(&a);
	ots_tok_random(&b);
	cr_assert(memcmp(a.t_raw, b.t_raw, OTS_TOK_BYTES) != 0);
	cr_assert_str_neq(a.t_str, b.t_str);
}

/* Known answers: RFC 4648 §5 base64url without padding. */
struct tok_kat {
	char text[OTS_TOK_STRSZ];
	uint8_t raw[OTS_TOK_BYTES];
};

Test(tok, parse_known_answers)
{
	static const struct tok_kat cases[] = {
		{ "AAAAAAAAAAAAAAAAAAAAAA", { 0 } },
		{ "AAECAwQFBgcICQoLDA0ODw", { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
		    10, 11, 12, 13, 14, 15 } },
		{ "_____________________w", { 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff } },
	};
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(cases); i++) {
		const struct tok_kat *k = &cases[i];
		struct ots_tok t;

		cr_assert_eq(ots_tok_parse(k->text, strlen(k->text), &t),
		    OTS_OK, "'%s'", k->text);
		cr_assert(memcmp(t.t_raw, k->raw, OTS_TOK_BYTES) == 0, "'%s'",
		    k->text);
		cr_assert_str_eq(t.t_str, k->text);
	}
}

Test(tok, parse_rejects_wrong_length)
{
	static const char s[] = "AAECAwQFBgcICQoLDA0ODwAA";
	struct ots_tok t;

	cr_assert_eq(ots_tok_parse(s, 0, &t), OTS_ERR_INVAL);
	cr_assert_eq(ots_tok_parse(s, 21, &t), OTS_ERR_INVAL);
	cr_assert_eq(ots_tok_parse(s, 23, &t), OTS_ERR_INVAL);
	cr_assert_eq(ots_tok_parse(s, 24, &t), OTS_ERR_INVAL);
}

Test(tok, parse_rejects_padded_form)
{
	/* The same 16 bytes in standard padded base64url: 24 chars. */
	static const char s[] = "AAECAwQFBgcICQoLDA0ODw==";
	struct ots_tok t;

	cr_assert_eq(ots_tok_parse(s, strlen(s), &t), OTS_ERR_INVAL);
}

Test(tok, parse_rejects_chars_outside_alphabet)
{
	static const char bad[] = { '+', '/', '=', ' ', '.', '\n', '\0',
		'~', '*', 0x7f };
	static const size_t positions[] = { 0, 10, 20, 21 };
	size_t i, j;

	for (i = 0; i < sizeof(bad); i++) {
		for (j = 0; j < OTS_ARRAY_LEN(positions); j++) {
			char s[OTS_TOK_STRSZ];
			struct ots_tok t;

			memcpy(s, "AAECAwQFBgcICQoLDA0ODw", sizeof(s));
			s[positions[j]] = bad[i];
			cr_assert_eq(ots_tok_parse(s, OTS_TOK_CHARS, &t),
			    OTS_ERR_INVAL, "0x%02x at %zu accepted",
			    (unsigned)(unsigned char)bad[i], positions[j]);
		}
	}
}

Test(tok, parse_rejects_bytes_with_high_bit_set)
{
	/*
	 * A byte >= 0x80 is no base64url character.  Accepting one would
	 * give a value a second spelling and put a non-ASCII byte into
	 * t_str, which becomes a file name and a Redis key.
	 */
	static const size_t positions[] = { 0, 10, 20 };
	unsigned c;
	size_t j;

	for (c = 0x80; c <= 0xff; c++) {
		for (j = 0; j < OTS_ARRAY_LEN(positions); j++) {
			char s[OTS_TOK_STRSZ];
			struct ots_tok t;

			memcpy(s, "AAECAwQFBgcICQoLDA0ODw", sizeof(s));
			s[positions[j]] = (char)c;
			cr_assert_eq(ots_tok_parse(s, OTS_TOK_CHARS, &t),
			    OTS_ERR_INVAL, "0x%02x at %zu accepted", c,
			    positions[j]);
		}
	}
}

Test(tok, parse_rejects_non_canonical_trailing_bits)
{
	/*
	 * 22 chars carry 132 bits for 128: the last char's low four bits
	 * are unused and must be zero, so only A, Q, g and w may end a
	 * token.  "...ODw" and "...ODx" would decode to the same bytes.
	 */
	static const char ends[] = "BCDEFPRfhvx_-9";
	size_t i;

	for (i = 0; ends[i] != '\0'; i++) {
		char s[OTS_TOK_STRSZ];
		struct ots_tok t;

		memcpy(s, "AAECAwQFBgcICQoLDA0ODw", sizeof(s));
		s[21] = ends[i];
		cr_assert_eq(ots_tok_parse(s, OTS_TOK_CHARS, &t),
		    OTS_ERR_INVAL, "last char '%c' accepted", ends[i]);
	}
}

Test(tok, parse_accepts_every_canonical_last_char)
{
	static const char ends[] = "AQgw";
	size_t i;

	for (i = 0; ends[i] != '\0'; i++) {
		char s[OTS_TOK_STRSZ];
		struct ots_tok t;

		memcpy(s, "AAAAAAAAAAAAAAAAAAAAAA", sizeof(s));
		s[21] = ends[i];
		cr_assert_eq(ots_tok_parse(s, OTS_TOK_CHARS, &t), OTS_OK,
		    "last char '%c' rejected", ends[i]);
		/* The char's top two bits are the byte's low two. */
		cr_assert_eq(t.t_raw[15], (uint8_t)i);
	}
}

Test(tok, parse_uses_only_len_bytes)
{
	static const char s[] = "AAECAwQFBgcICQoLDA0ODwTRAILING";
	struct ots_tok t;

	cr_assert_eq(ots_tok_parse(s, OTS_TOK_CHARS, &t), OTS_OK);
	cr_assert_str_eq(t.t_str, "AAECAwQFBgcICQoLDA0ODw");
}

Test(tok, wipe_zeroes_everything)
{
	static const struct ots_tok zero;
	struct ots_tok t;

	ots_tok_random(&t);
	ots_tok_wipe(&t);
	cr_assert(memcmp(&t, &zero, sizeof(t)) == 0);
}

static int
is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

Test(tok, hash_hex_is_64_lower_hex)
{
	struct ots_tok t;
	char h[65];

	ots_tok_random(&t);
	memset(h, 'Z', sizeof(h));
	ots_tok_hash_hex(&t, h);
	cr_assert_eq(strlen(h), 64u);
	cr_assert(is_lower_hex(h, 64), "%s", h);
}

Test(tok, hash_hex_is_deterministic)
{
	struct ots_tok t, u;
	char h1[65], h2[65];

	ots_tok_random(&t);
	cr_assert_eq(ots_tok_parse(t.t_str, OTS_TOK_CHARS, &u), OTS_OK);
	ots_tok_hash_hex(&t, h1);
	ots_tok_hash_hex(&u, h2);
	cr_assert_str_eq(h1, h2);
}

Test(tok, hash_hex_differs_between_tokens)
{
	struct ots_tok a, b;
	char h1[65], h2[65];

	ots_tok_random(&a);
	ots_tok_random(&b);
	ots_tok_hash_hex(&a, h1);
	ots_tok_hash_hex(&b, h2);
	cr_assert_str_neq(h1, h2);
}

Test(tok, hash_hex_known_answer_is_blake2b_256)
{
	/* BLAKE2b-256 (no key) of bytes 00..0f and of 16 zero bytes,
	 * computed with Python's hashlib.blake2b(digest_size=32). */
	struct ots_tok t;
	char h[65];

	cr_assert_eq(ots_tok_parse("AAECAwQFBgcICQoLDA0ODw", OTS_TOK_CHARS,
	    &t), OTS_OK);
	ots_tok_hash_hex(&t, h);
	cr_assert_str_eq(h, "c7cb5d1a1a214f1d833a21fe6c7b2420"
	    "e417c2f220784cbe90072975131bc367");
	cr_assert_eq(ots_tok_parse("AAAAAAAAAAAAAAAAAAAAAA", OTS_TOK_CHARS,
	    &t), OTS_OK);
	ots_tok_hash_hex(&t, h);
	cr_assert_str_eq(h, "94c1c088cc9453996779630ad3af45cb"
	    "d92814828dd784cf2aa12df95d1b8afe");
}
