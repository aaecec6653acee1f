/*
 * ots_kdf: the keys of a share, from its link secret, its id and an
 * optional password key.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <argon2.h>
#include <sodium.h>

#include "ots_gate.h"
#include "ots_kdf.h"

static struct ots_tok secret, id;
static uint8_t pwk[OTS_KEY_BYTES];

static void
suite_init(void)
{
	cr_assert_geq(sodium_init(), 0);
	ots_tok_random(&secret);
	ots_tok_random(&id);
	randombytes_buf(pwk, sizeof(pwk));
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

	ots_kdf_share_keys(&secret, &id, pwk, &a);
	ots_kdf_share_keys(&secret, &id, pwk, &b);
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

	memcpy(pw2, pwk, sizeof(pw2));
	pw2[31] ^= 0x01;
	ots_kdf_share_keys(&secret, &id, pwk, &a);
	ots_kdf_share_keys(&secret, &id, pw2, &b);
	cr_assert(!same_key(a.k_file, b.k_file));
}

Test(kdf, file_key_differs_with_and_without_password)
{
	struct ots_keys a, b;

	ots_kdf_share_keys(&secret, &id, NULL, &a);
	ots_kdf_share_keys(&secret, &id, pwk, &b);
	cr_assert(!same_key(a.k_file, b.k_file));
}

Test(kdf, meta_key_does_not_depend_on_password)
{
	uint8_t pw2[OTS_KEY_BYTES];
	struct ots_keys none, with, with2;

	memset(pw2, 0x5a, sizeof(pw2));
	ots_kdf_share_keys(&secret, &id, NULL, &none);
	ots_kdf_share_keys(&secret, &id, pwk, &with);
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
	unhex("b6afd7cee2d10d4197165631ea6345a2"
	    "170c78cfe655dab3ac81e8bf61a4024e", want);
	cr_assert(same_key(k.k_link, want), "k_link");
	memset(want, 0, sizeof(want));
	cr_assert(same_key(k.k_pass, want), "k_pass without a password");

	ots_kdf_share_keys(&s, &i, p, &k);
	unhex("697fc8f5ee5ca3e3aa513290866ecb2d"
	    "009d62e54a29ab65346e52c2f5a6241c", want);
	cr_assert(same_key(k.k_meta, want), "k_meta with password");
	unhex("0c1f9d0d27cf929107ca81dcc41c3c2f"
	    "56a4e105c5fc88ddd7dda3233c0ca2f8", want);
	cr_assert(same_key(k.k_file, want), "k_file with password");
	/* The link proof does not depend on the password; the password
	 * proof does. */
	unhex("b6afd7cee2d10d4197165631ea6345a2"
	    "170c78cfe655dab3ac81e8bf61a4024e", want);
	cr_assert(same_key(k.k_link, want), "k_link with password");
	unhex("e19dd6e1ba94b4ea61831017f7813533"
	    "e2298cb9a6c8b0baf921450fc633bbb9", want);
	cr_assert(same_key(k.k_pass, want), "k_pass");
}

Test(kdf, proofs_differ_from_the_keys_that_decrypt)
{
	struct ots_keys k;

	ots_kdf_share_keys(&secret, &id, pwk, &k);
	cr_assert(!same_key(k.k_link, k.k_meta));
	cr_assert(!same_key(k.k_link, k.k_file));
	cr_assert(!same_key(k.k_pass, k.k_file));
	cr_assert(!same_key(k.k_pass, k.k_meta));
	cr_assert(!same_key(k.k_pass, k.k_link));
}

Test(kdf, wipe_zeroes_every_key)
{
	static const struct ots_keys zero;
	struct ots_keys k;

	ots_kdf_share_keys(&secret, &id, pwk, &k);
	cr_assert(memcmp(&k, &zero, sizeof(k)) != 0);
	ots_kdf_keys_wipe(&k);
	cr_assert(memcmp(&k, &zero, sizeof(k)) == 0);
}

/* Password KDF (Argon2id) and the gate bounding concurrent runs. */

/* The cheapest cost the bounds allow, to keep the tests fast. */
static const struct ots_kdf_params cheap = { OTS_KDF_MEM_MIN_KIB, 1, 1 };

static void
password(const char *pw, const uint8_t *salt, const struct ots_kdf_params *p,
    uint8_t out[OTS_KEY_BYTES])
{
	cr_assert_eq(ots_kdf_password(pw, strlen(pw), salt, p, out), OTS_OK,
	    "'%s'", pw);
}

Test(kdf, params_bounds)
{
	static const struct {
		struct ots_kdf_params p;
		bool ok;
	} cases[] = {
		{ { OTS_KDF_MEM_MIN_KIB, 1, 1 }, true },
		{ { OTS_KDF_MEM_MAX_KIB, OTS_KDF_TIME_MAX, OTS_KDF_LANES_MAX },
		    true },
		{ { 64 * 1024, 3, 1 }, true },
		{ { OTS_KDF_MEM_MIN_KIB - 1, 1, 1 }, false },
		{ { OTS_KDF_MEM_MAX_KIB + 1, 1, 1 }, false },
		{ { OTS_KDF_MEM_MIN_KIB, 0, 1 }, false },
		{ { OTS_KDF_MEM_MIN_KIB, OTS_KDF_TIME_MAX + 1, 1 }, false },
		{ { OTS_KDF_MEM_MIN_KIB, 1, 0 }, false },
		{ { OTS_KDF_MEM_MIN_KIB, 1, OTS_KDF_LANES_MAX + 1 }, false },
		{ { 0, 0, 0 }, false },
	};
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(cases); i++)
		cr_assert_eq(ots_kdf_params_ok(&cases[i].p), cases[i].ok,
		    "case %zu", i);
}

Test(kdf, password_key_is_deterministic)
{
	uint8_t salt[OTS_KDF_SALT_BYTES], a[OTS_KEY_BYTES], b[OTS_KEY_BYTES];

	memset(salt, 7, sizeof(salt));
	password("correct horse", salt, &cheap, a);
	password("correct horse", salt, &cheap, b);
	cr_assert(same_key(a, b));
}

Test(kdf, password_key_matches_the_other_argon2id)
{
	/* One lane runs libsodium's Argon2id, more run libargon2's: each is
	 * checked against the other library, so both paths compute the same
	 * function and shares made by either still open. */
	static const struct ots_kdf_params one = { 2048, 2, 1 };
	static const struct ots_kdf_params two = { 2048, 2, 2 };
	uint8_t salt[OTS_KDF_SALT_BYTES], got[OTS_KEY_BYTES];
	uint8_t want[OTS_KEY_BYTES];
	const char *pw = "p\xc3\xa4ssw\xc3\xb6rd with spaces";

	randombytes_buf(salt, sizeof(salt));
	password(pw, salt, &one, got);
	cr_assert_eq(argon2id_hash_raw(one.kp_time, one.kp_mem_kib, 1, pw,
	    strlen(pw), salt, sizeof(salt), want, sizeof(want)), ARGON2_OK);
	cr_assert(same_key(got, want), "lanes 1 differs from libargon2");
	cr_assert_eq(crypto_pwhash(want, sizeof(want), pw, strlen(pw), salt,
	    one.kp_time, (size_t)one.kp_mem_kib * 1024,
	    crypto_pwhash_ALG_ARGON2ID13), 0);
	cr_assert(same_key(got, want), "lanes 1 differs from crypto_pwhash");

	/* Two lanes: libargon2, and not the one-lane result. */
	password(pw, salt, &two, got);
	cr_assert_not(same_key(got, want));
	cr_assert_eq(argon2id_hash_raw(two.kp_time, two.kp_mem_kib, 2, pw,
	    strlen(pw), salt, sizeof(salt), want, sizeof(want)), ARGON2_OK);
	cr_assert(same_key(got, want), "lanes 2 differs from libargon2");
}

Test(kdf, password_key_depends_on_password_salt_and_cost)
{
	static const struct ots_kdf_params more_time = {
		OTS_KDF_MEM_MIN_KIB, 2, 1 };
	static const struct ots_kdf_params more_lanes = {
		OTS_KDF_MEM_MIN_KIB, 1, 2 };
	uint8_t salt[OTS_KDF_SALT_BYTES], salt2[OTS_KDF_SALT_BYTES];
	uint8_t base[OTS_KEY_BYTES], k[OTS_KEY_BYTES];

	memset(salt, 1, sizeof(salt));
	memcpy(salt2, salt, sizeof(salt2));
	salt2[15] ^= 1;
	password("hunter2", salt, &cheap, base);
	password("hunter3", salt, &cheap, k);
	cr_assert(!same_key(base, k), "password");
	password("hunter2", salt2, &cheap, k);
	cr_assert(!same_key(base, k), "salt");
	password("hunter2", salt, &more_time, k);
	cr_assert(!same_key(base, k), "time");
	password("hunter2", salt, &more_lanes, k);
	cr_assert(!same_key(base, k), "lanes");
}

Test(kdf, password_with_bad_cost_is_inval)
{
	static const struct ots_kdf_params bad = { OTS_KDF_MEM_MIN_KIB, 0, 1 };
	uint8_t salt[OTS_KDF_SALT_BYTES], out[OTS_KEY_BYTES];

	memset(salt, 1, sizeof(salt));
	cr_assert_eq(ots_kdf_password("pw", 2, salt, &bad, out),
	    OTS_ERR_INVAL);
}

Test(kdf, gate_bounds_concurrent_entries)
{
	struct ots_gate *g = NULL;

	cr_assert_eq(ots_gate_new(2, &g), OTS_OK);
	cr_assert_not_null(g);
	cr_assert_eq(ots_gate_enter(g, 0), OTS_OK);
	cr_assert_eq(ots_gate_enter(g, 0), OTS_OK);
	cr_assert_eq(ots_gate_enter(g, 20), OTS_ERR_BUSY);
	ots_gate_leave(g);
	cr_assert_eq(ots_gate_enter(g, 20), OTS_OK);
	ots_gate_leave(g);
	ots_gate_leave(g);
	ots_gate_free(g);
}

Test(kdf, gate_timeout_waits_about_as_long_as_asked)
{
	struct ots_gate *g = NULL;
	uint64_t t0, waited;

	cr_assert_eq(ots_gate_new(1, &g), OTS_OK);
	cr_assert_eq(ots_gate_enter(g, 0), OTS_OK);
	t0 = ots_mono_ms();
	cr_assert_eq(ots_gate_enter(g, 1100), OTS_ERR_BUSY);
	waited = ots_mono_ms() - t0;
	/* Across a whole second, so the tv_nsec carry is exercised. */
	cr_assert_geq(waited, 1000u, "gave up after %llu ms",
	    (unsigned long long)waited);
	cr_assert_lt(waited, 5000u);
	ots_gate_leave(g);
	ots_gate_free(g);
}
