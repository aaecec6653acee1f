/*
 * ots_kdf: the keys of a share, from its link secret, its id and an
 * optional password key.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "ots_kdf.h"

static struct ots_tok secret, id;
static uint8_t pw[OTS_KEY_BYTES];

static void
suite_init(void)
{
	cr_assert_geq(sodium_init(), 0);
	ots_tok_random(&secret);
	ots_tok_random(&id);
	randombytes_buf(pw, sizeof(pw));
}

TestSuite(kdf, .init = suite_init, .timeout = 10);

static int
same_key(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, OTS_KEY_BYTES) == 0;
}

/* Parses a hex string of OTS_KEY_BYTES bytes. */
static void
unhex(const char *hex, uint8_t out[OTS_KEY_BYTES])
{
	size_t bin_len = 0;

	cr_assert_eq(sodium_hex2bin(out, OTS_KEY_BYTES, hex, strlen(hex),
	    NULL, &bin_len, NULL), 0);
	cr_assert_eq(bin_len, (size_t)OTS_KEY_BYTES);
}

Test(kdf, keys_are_deterministic)
{
	struct ots_keys a, b;

	ots_kdf_share_keys(&secret, &id, NULL, &a);
	ots_kdf_share_keys(&secret, &id, NULL, &b);
	cr_assert(same_key(a.k_meta, b.k_meta));
	cr_assert(same_key(a.k_file, b.k_file));
}

Test(kdf, keys_with_password_are_deterministic)
{
	struct ots_keys a, b;

	ots_kdf_share_keys(&secret, &id, pw, &a);
	ots_kdf_share_keys(&secret, &id, pw, &b);
	cr_assert(same_key(a.k_meta, b.k_meta));
	cr_assert(same_key(a.k_file, b.k_file));
}

Test(kdf, meta_and_file_keys_differ)
{
	struct ots_keys a;

	ots_kdf_share_keys(&secret, &id, NULL, &a);
	cr_assert(!same_key(a.k_meta, a.k_file));
}

Test(kdf, keys_differ_when_secret_differs)
{
	struct ots_tok other;
	struct ots_keys a, b;

	other = secret;
	other.t_raw[15] ^= 0x01;
	ots_kdf_share_keys(&secret, &id, NULL, &a);
	ots_kdf_share_keys(&other, &id, NULL, &b);
	cr_assert(!same_key(a.k_meta, b.k_meta));
	cr_assert(!same_key(a.k_file, b.k_file));
}

Test(kdf, keys_differ_when_id_differs)
{
	struct ots_tok other;
	struct ots_keys a, b;

	other = id;
	other.t_raw[0] ^= 0x80;
	ots_kdf_share_keys(&secret, &id, NULL, &a);
	ots_kdf_share_keys(&secret, &other, NULL, &b);
	cr_assert(!same_key(a.k_meta, b.k_meta));
	cr_assert(!same_key(a.k_file, b.k_file));
}

Test(kdf, file_key_differs_when_pw_key_differs)
{
	uint8_t pw2[OTS_KEY_BYTES];
	struct ots_keys a, b;

	memcpy(pw2, pw, sizeof(pw2));
	pw2[31] ^= 0x01;
	ots_kdf_share_keys(&secret, &id, pw, &a);
	ots_kdf_share_keys(&secret, &id, pw2, &b);
	cr_assert(!same_key(a.k_file, b.k_file));
}

Test(kdf, file_key_differs_with_and_without_password)
{
	struct ots_keys a, b;

	ots_kdf_share_keys(&secret, &id, NULL, &a);
	ots_kdf_share_keys(&secret, &id, pw, &b);
	cr_assert(!same_key(a.k_file, b.k_file));
}

Test(kdf, meta_key_does_not_depend_on_password)
{
	uint8_t pw2[OTS_KEY_BYTES];
	struct ots_keys none, with, with2;

	memset(pw2, 0x5a, sizeof(pw2));
	ots_kdf_share_keys(&secret, &id, NULL, &none);
	ots_kdf_share_keys(&secret, &id, pw, &with);
	ots_kdf_share_keys(&secret, &id, pw2, &with2);
	cr_assert(same_key(none.k_meta, with.k_meta));
	cr_assert(same_key(none.k_meta, with2.k_meta));
}

Test(kdf, secret_and_id_are_not_interchangeable)
{
	struct ots_keys a, b;

	ots_kdf_share_keys(&secret, &id, NULL, &a);
	ots_kdf_share_keys(&id, &secret, NULL, &b);
	cr_assert(!same_key(a.k_meta, b.k_meta));
	cr_assert(!same_key(a.k_file, b.k_file));
}

/*
 * Pins the scheme: stored shares must still open after a refactor.
 * Computed with Python's hashlib from the construction in ots_kdf.c:
 * master = BLAKE2b-256(key = secret, "ots-share-v1" | id [| pw_key]),
 * subkey = crypto_kdf (BLAKE2b, salt = LE64(n), personal = context).
 * secret = bytes 00..0f, id = bytes 10..1f, pw_key = 32 x 0x42.
 */
Test(kdf, known_answer_vectors)
{
	struct ots_tok s, i;
	uint8_t p[OTS_KEY_BYTES], want[OTS_KEY_BYTES];
	struct ots_keys k;

	cr_assert_eq(ots_tok_parse("AAECAwQFBgcICQoLDA0ODw", OTS_TOK_CHARS,
	    &s), OTS_OK);
	cr_assert_eq(ots_tok_parse("EBESExQVFhcYGRobHB0eHw", OTS_TOK_CHARS,
	    &i), OTS_OK);
	memset(p, 0x42, sizeof(p));

	ots_kdf_share_keys(&s, &i, NULL, &k);
	unhex("697fc8f5ee5ca3e3aa513290866ecb2d"
	    "009d62e54a29ab65346e52c2f5a6241c", want);
	cr_assert(same_key(k.k_meta, want), "k_meta");
	unhex("c7a08a66dfe42c9825da5db82f6af4cc"
	    "3a8bbc1a3ba5a3809d52cf5bb74996a9", want);
	cr_assert(same_key(k.k_file, want), "k_file");

	ots_kdf_share_keys(&s, &i, p, &k);
	unhex("697fc8f5ee5ca3e3aa513290866ecb2d"
	    "009d62e54a29ab65346e52c2f5a6241c", want);
	cr_assert(same_key(k.k_meta, want), "k_meta with password");
	unhex("0c1f9d0d27cf929107ca81dcc41c3c2f"
	    "56a4e105c5fc88ddd7dda3233c0ca2f8", want);
	cr_assert(same_key(k.k_file, want), "k_file with password");
}

Test(kdf, wipe_zeroes_both_keys)
{
	static const struct ots_keys zero;
	struct ots_keys k;

	ots_kdf_share_keys(&secret, &id, pw, &k);
	cr_assert(memcmp(&k, &zero, sizeof(k)) != 0);
	ots_kdf_keys_wipe(&k);
	cr_assert(memcmp(&k, &zero, sizeof(k)) == 0);
}
