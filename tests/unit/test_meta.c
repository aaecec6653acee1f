/*
 * ots_meta: a share's sealed name, type and kind.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "ots_kdf.h"
#include "ots_meta.h"

#define NONCE 24u
#define TAG 16u

static uint8_t key[OTS_KEY_BYTES];
static struct ots_tok id;

static void
suite_init(void)
{
	cr_assert_geq(sodium_init(), 0);
	randombytes_buf(key, sizeof(key));
	ots_tok_random(&id);
}

TestSuite(meta, .init = suite_init, .timeout = 10);

static void
make_meta(struct ots_meta *m, enum ots_meta_kind kind, const char *name,
    const char *type)
{
	memset(m, 0, sizeof(*m));
	m->m_kind = kind;
	cr_assert_lt(strlen(name), sizeof(m->m_name));
	cr_assert_lt(strlen(type), sizeof(m->m_type));
	memcpy(m->m_name, name, strlen(name) + 1);
	memcpy(m->m_type, type, strlen(type) + 1);
}

static void
seal_ok(const struct ots_meta *m, struct ots_buf *out)
{
	ots_buf_init(out, OTS_META_SEALED_MAX);
	cr_assert_eq(ots_meta_seal(key, &id, m, out), OTS_OK);
}

static void
assert_same_meta(const struct ots_meta *a, const struct ots_meta *b)
{
	cr_assert_eq(a->m_kind, b->m_kind);
	cr_assert_str_eq(a->m_name, b->m_name);
	cr_assert_str_eq(a->m_type, b->m_type);
}

Test(meta, file_round_trip)
{
	struct ots_meta m, got;
	struct ots_buf s;

	make_meta(&m, OTS_META_FILE, "report 2024 (final).pdf",
	    "application/pdf");
	seal_ok(&m, &s);
	cr_assert_eq(ots_meta_open(key, &id, (const uint8_t *)s.b_data,
	    s.b_len, &got), OTS_OK);
	assert_same_meta(&m, &got);
	ots_buf_release(&s);
}

Test(meta, text_round_trip_with_empty_type)
{
	struct ots_meta m, got;
	struct ots_buf s;

	make_meta(&m, OTS_META_TEXT, "secret.txt", "");
	seal_ok(&m, &s);
	cr_assert_eq(ots_meta_open(key, &id, (const uint8_t *)s.b_data,
	    s.b_len, &got), OTS_OK);
	assert_same_meta(&m, &got);
	cr_assert_eq(got.m_kind, OTS_META_TEXT);
	cr_assert_str_eq(got.m_type, "");
	ots_buf_release(&s);
}

Test(meta, utf8_name_round_trip)
{
	struct ots_meta m, got;
	struct ots_buf s;

	make_meta(&m, OTS_META_FILE, "r\xc3\xa9sum\xc3\xa9 \xe6\x97\xa5.txt",
	    "text/plain");
	seal_ok(&m, &s);
	cr_assert_eq(ots_meta_open(key, &id, (const uint8_t *)s.b_data,
	    s.b_len, &got), OTS_OK);
	assert_same_meta(&m, &got);
	ots_buf_release(&s);
}

Test(meta, max_name_round_trip)
{
	struct ots_meta m, got;
	struct ots_buf s;

	memset(&m, 0, sizeof(m));
	m.m_kind = OTS_META_FILE;
	memset(m.m_name, 'n', OTS_NAME_MAX);
	memcpy(m.m_type, "application/octet-stream", 25);
	seal_ok(&m, &s);
	cr_assert_eq(ots_meta_open(key, &id, (const uint8_t *)s.b_data,
	    s.b_len, &got), OTS_OK);
	cr_assert_eq(strlen(got.m_name), (size_t)OTS_NAME_MAX);
	assert_same_meta(&m, &got);
	ots_buf_release(&s);
}

/*
 * Both fields at their maxima: the plaintext is 5 + 255 + 127 bytes
 * (version, kind, u16 name length, name, u8 type length, type).
 */
Test(meta, max_name_and_type_round_trip)
{
	struct ots_meta m, got;
	struct ots_buf s;

	memset(&m, 0, sizeof(m));
	m.m_kind = OTS_META_FILE;
	memset(m.m_name, 'n', OTS_NAME_MAX);
	memset(m.m_type, 't', OTS_TYPE_MAX);
	seal_ok(&m, &s);
	cr_assert_eq(s.b_len, NONCE + TAG + 5 + OTS_NAME_MAX + OTS_TYPE_MAX);
	cr_assert_leq(s.b_len, (size_t)OTS_META_SEALED_MAX);
	cr_assert_eq(ots_meta_open(key, &id, (const uint8_t *)s.b_data,
	    s.b_len, &got), OTS_OK);
	cr_assert_eq(strlen(got.m_name), (size_t)OTS_NAME_MAX);
	cr_assert_eq(strlen(got.m_type), (size_t)OTS_TYPE_MAX);
	assert_same_meta(&m, &got);
	ots_buf_release(&s);
}

Test(meta, sealed_size_is_overhead_plus_fields)
{
	struct ots_meta m;
	struct ots_buf s;

	make_meta(&m, OTS_META_FILE, "abc", "text/plain");
	seal_ok(&m, &s);
	cr_assert_eq(s.b_len, NONCE + TAG + 5 + 3 + 10);
	ots_buf_release(&s);
}

Test(meta, sealed_blob_hides_the_name)
{
	struct ots_meta m;
	struct ots_buf s;

	make_meta(&m, OTS_META_FILE, "topsecretname.doc", "");
	seal_ok(&m, &s);
	cr_assert_null(memmem(s.b_data, s.b_len, "topsecret", 9));
	ots_buf_release(&s);
}

Test(meta, two_seals_use_fresh_nonces)
{
	struct ots_meta m;
	struct ots_buf a, b;

	make_meta(&m, OTS_META_FILE, "same.txt", "text/plain");
	seal_ok(&m, &a);
	seal_ok(&m, &b);
	cr_assert_eq(a.b_len, b.b_len);
	cr_assert(memcmp(a.b_data, b.b_data, NONCE) != 0);
	cr_assert(memcmp(a.b_data, b.b_data, a.b_len) != 0);
	ots_buf_release(&a);
	ots_buf_release(&b);
}

Test(meta, seal_replaces_previous_contents)
{
	struct ots_meta m, got;
	struct ots_buf s;

	make_meta(&m, OTS_META_FILE, "x", "");
	ots_buf_init(&s, OTS_META_SEALED_MAX);
	cr_assert_eq(ots_buf_adds(&s, "stale bytes"), OTS_OK);
	cr_assert_eq(ots_meta_seal(key, &id, &m, &s), OTS_OK);
	cr_assert_eq(s.b_len, NONCE + TAG + 5 + 1);
	cr_assert_eq(ots_meta_open(key, &id, (const uint8_t *)s.b_data,
	    s.b_len, &got), OTS_OK);
	ots_buf_release(&s);
}

Test(meta, unterminated_name_is_toobig)
{
	struct ots_meta m;
	struct ots_buf s;

	memset(&m, 0, sizeof(m));
	memset(m.m_name, 'n', sizeof(m.m_name));	/* no NUL at all */
	ots_buf_init(&s, OTS_META_SEALED_MAX);
	cr_assert_eq(ots_meta_seal(key, &id, &m, &s), OTS_ERR_TOOBIG);
	ots_buf_release(&s);
}

Test(meta, unterminated_type_is_toobig)
{
	struct ots_meta m;
	struct ots_buf s;

	memset(&m, 0, sizeof(m));
	memset(m.m_type, 't', sizeof(m.m_type));
	ots_buf_init(&s, OTS_META_SEALED_MAX);
	cr_assert_eq(ots_meta_seal(key, &id, &m, &s), OTS_ERR_TOOBIG);
	ots_buf_release(&s);
}

Test(meta, wrong_key_is_auth)
{
	struct ots_meta m, got;
	struct ots_buf s;
	uint8_t other[OTS_KEY_BYTES];

	memcpy(other, key, sizeof(other));
	other[31] ^= 0x40;
	make_meta(&m, OTS_META_FILE, "a.txt", "text/plain");
	seal_ok(&m, &s);
	cr_assert_eq(ots_meta_open(other, &id, (const uint8_t *)s.b_data,
	    s.b_len, &got), OTS_ERR_AUTH);
	cr_assert_str_eq(got.m_name, "", "name leaked on failure");
	ots_buf_release(&s);
}

Test(meta, other_id_is_auth)
{
	struct ots_meta m, got;
	struct ots_buf s;
	struct ots_tok other;

	ots_tok_random(&other);
	make_meta(&m, OTS_META_FILE, "a.txt", "text/plain");
	seal_ok(&m, &s);
	cr_assert_eq(ots_meta_open(key, &other, (const uint8_t *)s.b_data,
	    s.b_len, &got), OTS_ERR_AUTH);
	ots_buf_release(&s);
}

Test(meta, any_bit_flip_is_auth)
{
	struct ots_meta m, got;
	struct ots_buf s;
	size_t i;

	make_meta(&m, OTS_META_TEXT, "flip.bin", "application/x-test");
	seal_ok(&m, &s);
	for (i = 0; i < s.b_len; i++) {
		uint8_t bad[OTS_META_SEALED_MAX];

		memcpy(bad, s.b_data, s.b_len);
		bad[i] ^= (uint8_t)(1u << (i % 8));
		cr_assert_eq(ots_meta_open(key, &id, bad, s.b_len, &got),
		    OTS_ERR_AUTH, "flip at byte %zu accepted", i);
	}
	ots_buf_release(&s);
}

Test(meta, too_short_input_is_auth)
{
	uint8_t blob[NONCE + TAG];
	struct ots_meta got;
	size_t n;

	memset(blob, 0, sizeof(blob));
	for (n = 0; n <= sizeof(blob); n++)
		cr_assert_eq(ots_meta_open(key, &id, blob, n, &got),
		    OTS_ERR_AUTH, "%zu bytes", n);
}

Test(meta, truncated_blob_is_auth)
{
	struct ots_meta m, got;
	struct ots_buf s;

	make_meta(&m, OTS_META_FILE, "cut.txt", "");
	seal_ok(&m, &s);
	cr_assert_eq(ots_meta_open(key, &id, (const uint8_t *)s.b_data,
	    s.b_len - 1, &got), OTS_ERR_AUTH);
	ots_buf_release(&s);
}

Test(meta, oversize_input_is_auth)
{
	uint8_t blob[OTS_META_SEALED_MAX + 1];
	struct ots_meta got;

	memset(blob, 0, sizeof(blob));
	cr_assert_eq(ots_meta_open(key, &id, blob, sizeof(blob), &got),
	    OTS_ERR_AUTH);
}

/*
 * Seals an arbitrary plaintext exactly as ots_meta does, so the parser
 * behind the authentication can be reached with malformed contents.
 */
static size_t
seal_raw(const uint8_t *plain, size_t n, uint8_t *out)
{
	uint8_t ad[11 + OTS_TOK_BYTES];
	unsigned long long clen = 0;

	memcpy(ad, "ots-meta-v1", 11);
	memcpy(ad + 11, id.t_raw, OTS_TOK_BYTES);
	randombytes_buf(out, NONCE);
	cr_assert_eq(crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE,
	    &clen, plain, n, ad, sizeof(ad), NULL, out, key), 0);
	return NONCE + (size_t)clen;
}

Test(meta, raw_sealer_matches_format)
{
	static const uint8_t plain[] = { 1, 1, 3, 0, 'a', 'b', 'c', 4, 't',
		'/', 'x', 'y' };
	uint8_t blob[OTS_META_SEALED_MAX];
	struct ots_meta got;
	size_t n = seal_raw(plain, sizeof(plain), blob);

	cr_assert_eq(ots_meta_open(key, &id, blob, n, &got), OTS_OK);
	cr_assert_eq(got.m_kind, OTS_META_TEXT);
	cr_assert_str_eq(got.m_name, "abc");
	cr_assert_str_eq(got.m_type, "t/xy");
}

Test(meta, authentic_but_malformed_is_crypto)
{
	static const struct {
		uint8_t p[12];
		size_t n;
	} bad[] = {
		{ { 2, 0, 1, 0, 'a', 0 }, 6 },		/* version 2 */
		{ { 1, 2, 1, 0, 'a', 0 }, 6 },		/* kind 2 */
		{ { 1, 0, 9, 0, 'a', 0 }, 6 },		/* name past end */
		{ { 1, 0, 1, 0, 'a', 5 }, 6 },		/* type past end */
		{ { 1, 0, 1, 0, 'a', 0, 'z' }, 7 },	/* trailing byte */
		{ { 1, 0, 0, 1 }, 4 },			/* too short */
		{ { 1, 0, 0, 0x01, 0 }, 5 },		/* name 256 bytes */
	};
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(bad); i++) {
		uint8_t blob[OTS_META_SEALED_MAX];
		struct ots_meta got;
		size_t n = seal_raw(bad[i].p, bad[i].n, blob);

		memset(&got, 0x55, sizeof(got));
		cr_assert_eq(ots_meta_open(key, &id, blob, n, &got),
		    OTS_ERR_CRYPTO, "case %zu", i);
		cr_assert_eq(got.m_name[0], '\0', "case %zu: not wiped", i);
	}
}

/* Password-check blobs. */

Test(meta, check_blob_opens_under_its_key)
{
	uint8_t blob[OTS_META_CHECK_BYTES];

	ots_meta_seal_check(key, &id, OTS_CHECK_PASSWORD, blob);
	cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_PASSWORD, blob,
	    sizeof(blob)), OTS_OK);
}

Test(meta, check_blobs_use_fresh_nonces)
{
	uint8_t a[OTS_META_CHECK_BYTES], b[OTS_META_CHECK_BYTES];

	ots_meta_seal_check(key, &id, OTS_CHECK_PASSWORD, a);
	ots_meta_seal_check(key, &id, OTS_CHECK_PASSWORD, b);
	cr_assert(memcmp(a, b, sizeof(a)) != 0);
}

Test(meta, check_blob_wrong_key_is_auth)
{
	uint8_t blob[OTS_META_CHECK_BYTES], other[OTS_KEY_BYTES];

	memcpy(other, key, sizeof(other));
	other[0] ^= 0x01;
	ots_meta_seal_check(key, &id, OTS_CHECK_PASSWORD, blob);
	cr_assert_eq(ots_meta_open_check(other, &id, OTS_CHECK_PASSWORD, blob,
	    sizeof(blob)), OTS_ERR_AUTH);
}

Test(meta, check_blob_other_id_is_auth)
{
	uint8_t blob[OTS_META_CHECK_BYTES];
	struct ots_tok other;

	ots_tok_random(&other);
	ots_meta_seal_check(key, &id, OTS_CHECK_PASSWORD, blob);
	cr_assert_eq(ots_meta_open_check(key, &other, OTS_CHECK_PASSWORD, blob,
	    sizeof(blob)), OTS_ERR_AUTH);
}

Test(meta, check_blob_any_bit_flip_is_auth)
{
	uint8_t blob[OTS_META_CHECK_BYTES];
	size_t i;

	ots_meta_seal_check(key, &id, OTS_CHECK_PASSWORD, blob);
	for (i = 0; i < sizeof(blob); i++) {
		uint8_t bad[OTS_META_CHECK_BYTES];

		memcpy(bad, blob, sizeof(bad));
		bad[i] ^= (uint8_t)(0x80u >> (i % 8));
		cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_PASSWORD,
		    bad, sizeof(bad)), OTS_ERR_AUTH, "flip at %zu accepted", i);
	}
}

Test(meta, check_blob_wrong_length_is_auth)
{
	uint8_t blob[OTS_META_CHECK_BYTES + 1];

	ots_meta_seal_check(key, &id, OTS_CHECK_PASSWORD, blob);
	blob[OTS_META_CHECK_BYTES] = 0;
	cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_PASSWORD, blob,
	    OTS_META_CHECK_BYTES - 1), OTS_ERR_AUTH);
	cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_PASSWORD, blob,
	    OTS_META_CHECK_BYTES + 1), OTS_ERR_AUTH);
	cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_PASSWORD, blob,
	    0), OTS_ERR_AUTH);
}

Test(meta, sealed_metadata_is_not_a_check_blob)
{
	/* Domain separation: a sealed empty-name blob has the same
	 * structure but another AD label. */
	struct ots_meta m;
	struct ots_buf s;

	memset(&m, 0, sizeof(m));
	seal_ok(&m, &s);
	cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_PASSWORD,
	    (const uint8_t *)s.b_data, OTS_META_CHECK_BYTES), OTS_ERR_AUTH);
	ots_buf_release(&s);
}

Test(meta, link_and_password_checks_do_not_open_as_each_other)
{
	uint8_t blob[OTS_META_CHECK_BYTES];

	ots_meta_seal_check(key, &id, OTS_CHECK_LINK, blob);
	cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_LINK, blob,
	    sizeof(blob)), OTS_OK);
	cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_PASSWORD, blob,
	    sizeof(blob)), OTS_ERR_AUTH);
	ots_meta_seal_check(key, &id, OTS_CHECK_PASSWORD, blob);
	cr_assert_eq(ots_meta_open_check(key, &id, OTS_CHECK_LINK, blob,
	    sizeof(blob)), OTS_ERR_AUTH);
}
