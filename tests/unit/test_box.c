/*
 * ots_box: the streaming encrypted container.  Round trips at chunk
 * edges with odd input pieces, and every way a stored container can be
 * cut, changed, reordered, extended or moved to another share.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/redirect.h>
#include <sodium.h>

#include "ots_box.h"
#include "ots_buf.h"
#include "ots_limits.h"

/* crypto_secretstream_xchacha20poly1305_ABYTES */
#define ABYTES 17u
#define CIPHER_CHUNK ((size_t)OTS_CHUNK_SIZE + ABYTES)
#define HDR ((size_t)OTS_BOX_HEADER_BYTES)
#define OUT_MAX ((size_t)16 * 1024 * 1024)
#define WHOLE SIZE_MAX		/* feed everything in one call */

static uint8_t key[OTS_KEY_BYTES];
static struct ots_tok id;

static void
suite_init(void)
{
	cr_assert_geq(sodium_init(), 0);
	randombytes_buf(key, sizeof(key));
	ots_tok_random(&id);
}

TestSuite(box, .init = suite_init, .timeout = 30);

static enum ots_err
buf_sink(void *ctx, const uint8_t *p, size_t n)
{
	return ots_buf_add(ctx, p, n);
}

static enum ots_err
failing_sink(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return OTS_ERR_IO;
}

static unsigned sink_calls;

/* buf_sink, counting its calls in sink_calls. */
static enum ots_err
counting_buf_sink(void *ctx, const uint8_t *p, size_t n)
{
	sink_calls++;
	return ots_buf_add(ctx, p, n);
}

/* Accepts calls until *ctx reaches zero, then fails with OTS_ERR_NOSPACE. */
static enum ots_err
countdown_sink(void *ctx, const uint8_t *p, size_t n)
{
	unsigned *left = ctx;

	(void)p;
	(void)n;
	if (*left == 0)
		return OTS_ERR_NOSPACE;
	(*left)--;
	return OTS_OK;
}

/* A reproducible, non-repeating pattern (xorshift32). */
static uint8_t *
make_plain(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n + 1);
	uint32_t x = seed | 1u;
	size_t i;

	cr_assert_not_null(p);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
	return p;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Encrypts n bytes, fed in pieces of piece bytes, into out. */
static void
seal_with(const uint8_t *k, const struct ots_tok *tid, const uint8_t *plain,
    size_t n, size_t piece, struct ots_buf *out)
{
	struct ots_box_enc *enc = NULL;
	size_t off, m;

	ots_buf_init(out, OUT_MAX);
	cr_assert_eq(ots_box_enc_new(k, tid, buf_sink, out, &enc), OTS_OK);
	cr_assert_not_null(enc);
	for (off = 0; off < n; off += m) {
		m = min_size(piece, n - off);
		cr_assert_eq(ots_box_enc_update(enc, plain + off, m), OTS_OK);
	}
	cr_assert_eq(ots_box_enc_finish(enc), OTS_OK);
	ots_box_enc_free(enc);
}

static void
seal(const uint8_t *plain, size_t n, size_t piece, struct ots_buf *out)
{
	seal_with(key, &id, plain, n, piece, out);
}

/*
 * Decrypts n container bytes, fed in pieces, into out (initialised
 * here); returns the first error of update or finish.
 */
static enum ots_err
open_with(const uint8_t *k, const struct ots_tok *tid, const uint8_t *c,
    size_t n, size_t piece, struct ots_buf *out)
{
	struct ots_box_dec *dec = NULL;
	enum ots_err e = OTS_OK;
	size_t off, m;

	ots_buf_init(out, OUT_MAX);
	cr_assert_eq(ots_box_dec_new(k, tid, buf_sink, out, &dec), OTS_OK);
	cr_assert_not_null(dec);
	for (off = 0; off < n && e == OTS_OK; off += m) {
		m = min_size(piece, n - off);
		e = ots_box_dec_update(dec, c + off, m);
	}
	if (e == OTS_OK)
		e = ots_box_dec_finish(dec);
	ots_box_dec_free(dec);
	return e;
}

static enum ots_err
open_box(const uint8_t *c, size_t n, struct ots_buf *out)
{
	return open_with(key, &id, c, n, 4099, out);
}

/* A copy of a container, so a test can damage it. */
static uint8_t *
dup_bytes(const void *p, size_t n, size_t extra)
{
	uint8_t *d = malloc(n + extra + 1);

	cr_assert_not_null(d);
	memcpy(d, p, n);
	return d;
}

/* Round trips: size, piece size for writing, piece size for reading. */
struct rt_case {
	size_t size;
	size_t enc_piece;
	size_t dec_piece;
};

ParameterizedTestParameters(box, round_trip_is_byte_exact)
{
	static struct rt_case cases[] = {
		{ 0, WHOLE, WHOLE },
		{ 0, 1, 1 },
		{ 1, 1, 1 },
		{ 1, WHOLE, 7 },
		{ 65535, 7, 65537 },
		{ 65535, WHOLE, 1 },
		{ 65536, 65537, 1 },
		{ 65536, 1, WHOLE },
		{ 65537, 1, 7 },
		{ 65537, 65537, 65537 },
		{ 3 * 65536, 7, 65537 },
		{ 3 * 65536, 65536, 65553 },
		{ 3 * 65536 + 1, 65537, 1 },
		{ 5 * 1024 * 1024 + 123, 65537, 7 },
		{ 5 * 1024 * 1024 + 123, 7, 65537 },
		{ 5 * 1024 * 1024 + 123, WHOLE, WHOLE },
	};

	return cr_make_param_array(struct rt_case, cases,
	    OTS_ARRAY_LEN(cases));
}

ParameterizedTest(struct rt_case *c, box, round_trip_is_byte_exact)
{
	uint8_t *plain = make_plain(c->size, (uint32_t)c->size + 7u);
	struct ots_buf ct, pt;
	uint64_t want = 0;

	seal(plain, c->size, c->enc_piece, &ct);
	cr_assert_eq(ots_box_size(c->size, &want), OTS_OK);
	cr_assert_eq((uint64_t)ct.b_len, want,
	    "size %zu: container %zu bytes, ots_box_size says %llu", c->size,
	    ct.b_len, (unsigned long long)want);
	cr_assert_eq(open_with(key, &id, (const uint8_t *)ct.b_data, ct.b_len,
	    c->dec_piece, &pt), OTS_OK, "size %zu does not open", c->size);
	cr_assert_eq(pt.b_len, c->size, "size %zu came back as %zu", c->size,
	    pt.b_len);
	if (c->size > 0)
		cr_assert(memcmp(pt.b_data, plain, c->size) == 0,
		    "size %zu: contents differ", c->size);
	ots_buf_release(&pt);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, header_layout_matches_format)
{
	static const uint8_t fixed[12] = { 'O', 'T', 'S', 'C', 1, 0, 0, 0,
		0x00, 0x00, 0x01, 0x00 };
	uint8_t *plain = make_plain(10, 1);
	struct ots_buf ct;

	seal(plain, 10, WHOLE, &ct);
	cr_assert_geq(ct.b_len, HDR);
	cr_assert(memcmp(ct.b_data, fixed, sizeof(fixed)) == 0,
	    "magic, version, flags or chunk size wrong");
	cr_assert(memcmp(ct.b_data + 12, id.t_raw, OTS_TOK_BYTES) == 0,
	    "share id not at offset 12");
	ots_buf_release(&ct);
	free(plain);
}

Test(box, same_plaintext_encrypts_differently)
{
	uint8_t *plain = make_plain(100, 2);
	struct ots_buf a, b;

	seal(plain, 100, WHOLE, &a);
	seal(plain, 100, WHOLE, &b);
	cr_assert_eq(a.b_len, b.b_len);
	cr_assert(memcmp(a.b_data + HDR, b.b_data + HDR, a.b_len - HDR) != 0,
	    "two containers of the same plaintext are identical");
	ots_buf_release(&a);
	ots_buf_release(&b);
	free(plain);
}

Test(box, size_known_values)
{
	uint64_t n = 0;

	cr_assert_eq(ots_box_size(0, &n), OTS_OK);
	cr_assert_eq(n, HDR + ABYTES);
	cr_assert_eq(ots_box_size(1, &n), OTS_OK);
	cr_assert_eq(n, HDR + 1 + ABYTES);
	cr_assert_eq(ots_box_size(65535, &n), OTS_OK);
	cr_assert_eq(n, HDR + 65535 + ABYTES);
	cr_assert_eq(ots_box_size(65536, &n), OTS_OK);
	cr_assert_eq(n, HDR + 65536 + ABYTES);
	cr_assert_eq(ots_box_size(65537, &n), OTS_OK);
	cr_assert_eq(n, HDR + 65537 + 2 * ABYTES);
	cr_assert_eq(ots_box_size(3 * 65536, &n), OTS_OK);
	cr_assert_eq(n, HDR + 3 * 65536 + 3 * ABYTES);
}

Test(box, size_overflow_is_toobig)
{
	uint64_t n = 12345;

	cr_assert_eq(ots_box_size(UINT64_MAX, &n), OTS_ERR_TOOBIG);
	cr_assert_eq(ots_box_size(UINT64_MAX - HDR, &n), OTS_ERR_TOOBIG);
	cr_assert_eq(n, 12345u);
}

/* A container of 3 full chunks and a short final one, for tampering. */
#define TAMPER_PLAIN ((size_t)3 * OTS_CHUNK_SIZE + 100)

static void
tamper_fixture(uint8_t **plain, struct ots_buf *ct)
{
	*plain = make_plain(TAMPER_PLAIN, 3);
	seal(*plain, TAMPER_PLAIN, WHOLE, ct);
	cr_assert_eq(ct->b_len, HDR + 3 * CIPHER_CHUNK + 100 + ABYTES);
}

Test(box, truncated_container_is_rejected)
{
	uint8_t *plain;
	struct ots_buf ct;
	size_t cuts[10];
	size_t i;

	tamper_fixture(&plain, &ct);
	cuts[0] = 0;
	cuts[1] = 1;
	cuts[2] = HDR - 1;
	cuts[3] = HDR;				/* just the header */
	cuts[4] = HDR + 1;
	cuts[5] = HDR + CIPHER_CHUNK;		/* at a chunk boundary */
	cuts[6] = HDR + 2 * CIPHER_CHUNK;
	cuts[7] = HDR + 3 * CIPHER_CHUNK;	/* final chunk missing */
	cuts[8] = ct.b_len - ABYTES;		/* final tag missing */
	cuts[9] = ct.b_len - 1;
	for (i = 0; i < OTS_ARRAY_LEN(cuts); i++) {
		struct ots_buf pt;

		cr_assert_eq(open_box((const uint8_t *)ct.b_data, cuts[i], &pt),
		    OTS_ERR_CRYPTO, "cut at %zu of %zu accepted", cuts[i],
		    ct.b_len);
		ots_buf_release(&pt);
	}
	ots_buf_release(&ct);
	free(plain);
}

Test(box, exact_multiple_cut_at_chunk_boundary_is_rejected)
{
	/* With 2 full chunks the second carries the final tag; dropping
	 * it leaves a clean chunk boundary after a non-final chunk. */
	size_t n = 2 * (size_t)OTS_CHUNK_SIZE;
	uint8_t *plain = make_plain(n, 4);
	struct ots_buf ct, pt;

	seal(plain, n, WHOLE, &ct);
	cr_assert_eq(ct.b_len, HDR + 2 * CIPHER_CHUNK);
	cr_assert_eq(open_box((const uint8_t *)ct.b_data, HDR + CIPHER_CHUNK,
	    &pt), OTS_ERR_CRYPTO);
	ots_buf_release(&pt);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, flipped_bit_anywhere_is_rejected)
{
	uint8_t *plain;
	struct ots_buf ct;
	size_t pos[14];
	size_t i;

	tamper_fixture(&plain, &ct);
	pos[0] = 0;			/* magic */
	pos[1] = 4;			/* version */
	pos[2] = 5;			/* flags */
	pos[3] = 7;			/* reserved */
	pos[4] = 10;			/* chunk size */
	pos[5] = 12;			/* share id */
	pos[6] = 27;
	pos[7] = 28;			/* secretstream header */
	pos[8] = HDR - 1;
	pos[9] = HDR;			/* first chunk */
	pos[10] = HDR + CIPHER_CHUNK + 30000;	/* a middle chunk */
	pos[11] = HDR + 3 * CIPHER_CHUNK;	/* final chunk, first byte */
	pos[12] = ct.b_len - ABYTES;		/* final tag */
	pos[13] = ct.b_len - 1;
	for (i = 0; i < OTS_ARRAY_LEN(pos); i++) {
		uint8_t *bad = dup_bytes(ct.b_data, ct.b_len, 0);
		struct ots_buf pt;

		bad[pos[i]] ^= (uint8_t)(1u << (i % 8));
		cr_assert_eq(open_box(bad, ct.b_len, &pt), OTS_ERR_CRYPTO,
		    "flip at %zu accepted", pos[i]);
		ots_buf_release(&pt);
		free(bad);
	}
	ots_buf_release(&ct);
	free(plain);
}

Test(box, tampered_chunk_releases_only_earlier_plaintext)
{
	uint8_t *plain;
	struct ots_buf ct, pt;
	uint8_t *bad;

	tamper_fixture(&plain, &ct);
	bad = dup_bytes(ct.b_data, ct.b_len, 0);
	bad[HDR + CIPHER_CHUNK + 5] ^= 0x20;
	cr_assert_eq(open_box(bad, ct.b_len, &pt), OTS_ERR_CRYPTO);
	cr_assert_eq(pt.b_len, (size_t)OTS_CHUNK_SIZE,
	    "%zu bytes released, want only the first chunk", pt.b_len);
	cr_assert(memcmp(pt.b_data, plain, OTS_CHUNK_SIZE) == 0);
	ots_buf_release(&pt);
	free(bad);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, swapped_chunks_are_rejected)
{
	uint8_t *plain;
	struct ots_buf ct, pt;
	uint8_t *bad;

	tamper_fixture(&plain, &ct);
	bad = dup_bytes(ct.b_data, ct.b_len, 0);
	memcpy(bad + HDR, ct.b_data + HDR + CIPHER_CHUNK, CIPHER_CHUNK);
	memcpy(bad + HDR + CIPHER_CHUNK, ct.b_data + HDR, CIPHER_CHUNK);
	cr_assert_eq(open_box(bad, ct.b_len, &pt), OTS_ERR_CRYPTO);
	cr_assert_eq(pt.b_len, 0u, "plaintext released from a moved chunk");
	ots_buf_release(&pt);
	free(bad);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, repeated_chunk_is_rejected)
{
	uint8_t *plain;
	struct ots_buf ct, pt;
	uint8_t *bad;

	tamper_fixture(&plain, &ct);
	bad = dup_bytes(ct.b_data, ct.b_len, 0);
	memcpy(bad + HDR + CIPHER_CHUNK, ct.b_data + HDR, CIPHER_CHUNK);
	cr_assert_eq(open_box(bad, ct.b_len, &pt), OTS_ERR_CRYPTO);
	ots_buf_release(&pt);
	free(bad);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, dropped_middle_chunk_is_rejected)
{
	uint8_t *plain;
	struct ots_buf ct, pt;
	uint8_t *bad;
	size_t n;

	tamper_fixture(&plain, &ct);
	bad = dup_bytes(ct.b_data, ct.b_len, 0);
	n = ct.b_len - CIPHER_CHUNK;
	memmove(bad + HDR + CIPHER_CHUNK, bad + HDR + 2 * CIPHER_CHUNK,
	    ct.b_len - HDR - 2 * CIPHER_CHUNK);
	cr_assert_eq(open_box(bad, n, &pt), OTS_ERR_CRYPTO);
	ots_buf_release(&pt);
	free(bad);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, trailing_garbage_after_short_final_chunk_is_rejected)
{
	static const size_t extra[] = { 1, 17, CIPHER_CHUNK };
	uint8_t *plain;
	struct ots_buf ct;
	size_t i;

	tamper_fixture(&plain, &ct);
	for (i = 0; i < OTS_ARRAY_LEN(extra); i++) {
		uint8_t *bad = dup_bytes(ct.b_data, ct.b_len, extra[i]);
		struct ots_buf pt;

		memset(bad + ct.b_len, 0, extra[i]);
		cr_assert_eq(open_box(bad, ct.b_len + extra[i], &pt),
		    OTS_ERR_CRYPTO, "%zu trailing bytes accepted", extra[i]);
		ots_buf_release(&pt);
		free(bad);
	}
	ots_buf_release(&ct);
	free(plain);
}

Test(box, trailing_garbage_after_full_final_chunk_is_rejected)
{
	size_t n = 2 * (size_t)OTS_CHUNK_SIZE;
	uint8_t *plain = make_plain(n, 5);
	struct ots_buf ct, pt;
	uint8_t *bad;

	seal(plain, n, WHOLE, &ct);
	bad = dup_bytes(ct.b_data, ct.b_len, 1);
	bad[ct.b_len] = 'x';
	cr_assert_eq(open_with(key, &id, bad, ct.b_len + 1, WHOLE, &pt),
	    OTS_ERR_CRYPTO);
	ots_buf_release(&pt);
	free(bad);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, repeated_final_chunk_is_rejected)
{
	uint8_t *plain = make_plain(1000, 6);
	struct ots_buf ct, pt;
	uint8_t *bad;
	size_t fin;

	seal(plain, 1000, WHOLE, &ct);
	fin = ct.b_len - HDR;
	bad = dup_bytes(ct.b_data, ct.b_len, fin);
	memcpy(bad + ct.b_len, ct.b_data + HDR, fin);
	cr_assert_eq(open_box(bad, ct.b_len + fin, &pt), OTS_ERR_CRYPTO);
	ots_buf_release(&pt);
	free(bad);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, wrong_key_is_rejected_without_plaintext)
{
	uint8_t *plain = make_plain(70000, 7);
	uint8_t other[OTS_KEY_BYTES];
	struct ots_buf ct, pt;

	memcpy(other, key, sizeof(other));
	other[0] ^= 0x01;
	seal(plain, 70000, WHOLE, &ct);
	cr_assert_eq(open_with(other, &id, (const uint8_t *)ct.b_data,
	    ct.b_len, WHOLE, &pt), OTS_ERR_CRYPTO);
	cr_assert_eq(pt.b_len, 0u);
	ots_buf_release(&pt);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, container_of_another_share_is_rejected)
{
	uint8_t *plain = make_plain(500, 8);
	struct ots_tok other;
	struct ots_buf ct, pt;

	ots_tok_random(&other);
	seal(plain, 500, WHOLE, &ct);
	cr_assert_eq(open_with(key, &other, (const uint8_t *)ct.b_data,
	    ct.b_len, WHOLE, &pt), OTS_ERR_CRYPTO);
	cr_assert_eq(pt.b_len, 0u);
	ots_buf_release(&pt);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, rewritten_header_id_is_rejected)
{
	/* Moving a container to another id by editing its header must
	 * fail even under that id: every chunk authenticates the header. */
	uint8_t *plain = make_plain(500, 9);
	struct ots_tok other;
	struct ots_buf ct, pt;
	uint8_t *bad;

	ots_tok_random(&other);
	seal(plain, 500, WHOLE, &ct);
	bad = dup_bytes(ct.b_data, ct.b_len, 0);
	memcpy(bad + 12, other.t_raw, OTS_TOK_BYTES);
	cr_assert_eq(open_with(key, &other, bad, ct.b_len, WHOLE, &pt),
	    OTS_ERR_CRYPTO);
	cr_assert_eq(pt.b_len, 0u);
	ots_buf_release(&pt);
	free(bad);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, finish_without_input_is_rejected)
{
	struct ots_box_dec *dec = NULL;
	struct ots_buf pt;

	ots_buf_init(&pt, 16);
	cr_assert_eq(ots_box_dec_new(key, &id, buf_sink, &pt, &dec), OTS_OK);
	cr_assert_eq(ots_box_dec_finish(dec), OTS_ERR_CRYPTO);
	ots_box_dec_free(dec);
}

Test(box, reader_keeps_failing_after_an_error)
{
	uint8_t *plain = make_plain(100, 10);
	struct ots_box_dec *dec = NULL;
	struct ots_buf ct, pt;
	uint8_t junk[HDR];

	seal(plain, 100, WHOLE, &ct);
	memset(junk, 'j', sizeof(junk));
	ots_buf_init(&pt, 1024);
	cr_assert_eq(ots_box_dec_new(key, &id, buf_sink, &pt, &dec), OTS_OK);
	cr_assert_eq(ots_box_dec_update(dec, junk, sizeof(junk)),
	    OTS_ERR_CRYPTO);
	/* Even the genuine container cannot revive it. */
	cr_assert_eq(ots_box_dec_update(dec, (const uint8_t *)ct.b_data,
	    ct.b_len), OTS_ERR_CRYPTO);
	cr_assert_eq(ots_box_dec_finish(dec), OTS_ERR_CRYPTO);
	cr_assert_eq(pt.b_len, 0u);
	ots_box_dec_free(dec);
	ots_buf_release(&pt);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, reader_sink_error_is_returned)
{
	uint8_t *plain = make_plain(100, 11);
	struct ots_box_dec *dec = NULL;
	struct ots_buf ct;
	enum ots_err e;

	seal(plain, 100, WHOLE, &ct);
	cr_assert_eq(ots_box_dec_new(key, &id, failing_sink, NULL, &dec),
	    OTS_OK);
	e = ots_box_dec_update(dec, (const uint8_t *)ct.b_data, ct.b_len);
	if (e == OTS_OK)
		e = ots_box_dec_finish(dec);
	cr_assert_eq(e, OTS_ERR_IO, "got %s", ots_err_str(e));
	ots_box_dec_free(dec);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, writer_header_goes_with_the_first_chunk)
{
	struct ots_box_enc *enc = NULL;
	struct ots_buf ct;

	/* Nothing is written at the start: a failing sink fails the first
	 * chunk, which carries the header. */
	cr_assert_eq(ots_box_enc_new(key, &id, failing_sink, NULL, &enc),
	    OTS_OK);
	cr_assert_eq(ots_box_enc_update(enc, (const uint8_t *)"x", 1), OTS_OK);
	cr_assert_eq(ots_box_enc_finish(enc), OTS_ERR_IO);
	ots_box_enc_free(enc);
	/* A small share is one sink call: header, chunk and tag. */
	ots_buf_init(&ct, 4096);
	cr_assert_eq(ots_box_enc_new(key, &id, counting_buf_sink, &ct, &enc),
	    OTS_OK);
	cr_assert_eq(ots_box_enc_update(enc, (const uint8_t *)"hello", 5),
	    OTS_OK);
	cr_assert_eq(sink_calls, 0);
	cr_assert_eq(ots_box_enc_finish(enc), OTS_OK);
	cr_assert_eq(sink_calls, 1);
	cr_assert_eq(ct.b_len, (size_t)OTS_BOX_HEADER_BYTES + 5 +
	    crypto_secretstream_xchacha20poly1305_ABYTES);
	cr_assert(memcmp(ct.b_data, "OTSC", 4) == 0);
	ots_box_enc_free(enc);
	ots_buf_release(&ct);
}

Test(box, writer_chunk_sink_error_is_returned)
{
	uint8_t *plain = make_plain(3 * (size_t)OTS_CHUNK_SIZE, 12);
	struct ots_box_enc *enc = NULL;
	unsigned left = 1;	/* header and first chunk pass, the next fails */

	cr_assert_eq(ots_box_enc_new(key, &id, countdown_sink, &left, &enc),
	    OTS_OK);
	cr_assert_eq(ots_box_enc_update(enc, plain,
	    3 * (size_t)OTS_CHUNK_SIZE), OTS_ERR_NOSPACE);
	ots_box_enc_free(enc);
	free(plain);
}

Test(box, writer_final_sink_error_is_returned)
{
	uint8_t *plain = make_plain(OTS_CHUNK_SIZE + 10, 13);
	struct ots_box_enc *enc = NULL;
	unsigned left = 1;	/* header and first chunk pass, the final fails */

	cr_assert_eq(ots_box_enc_new(key, &id, countdown_sink, &left, &enc),
	    OTS_OK);
	cr_assert_eq(ots_box_enc_update(enc, plain, OTS_CHUNK_SIZE + 10),
	    OTS_OK);
	cr_assert_eq(ots_box_enc_finish(enc), OTS_ERR_NOSPACE);
	ots_box_enc_free(enc);
	free(plain);
}

Test(box, update_after_finish_asserts, .signal = SIGABRT,
    .init = cr_redirect_stderr)
{
	struct ots_box_enc *enc = NULL;
	struct ots_buf ct;
	enum ots_err e;

	cr_assert_geq(sodium_init(), 0);
	ots_buf_init(&ct, 1024);
	cr_assert_eq(ots_box_enc_new(key, &id, buf_sink, &ct, &enc), OTS_OK);
	cr_assert_eq(ots_box_enc_finish(enc), OTS_OK);
	e = ots_box_enc_update(enc, (const uint8_t *)"x", 1);
	cr_assert_fail("update after finish returned %s", ots_err_str(e));
}

/* Writes p to a fresh, already unlinked temp file, offset at 0. */
static int
temp_file_with(const void *p, size_t n)
{
	char path[] = "/tmp/ots-test-box-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

Test(box, decrypt_fd_round_trip)
{
	size_t n = 3 * (size_t)OTS_CHUNK_SIZE + 77;
	uint8_t *plain = make_plain(n, 14);
	struct ots_buf ct, pt;
	int fd;

	seal(plain, n, WHOLE, &ct);
	fd = temp_file_with(ct.b_data, ct.b_len);
	ots_buf_init(&pt, OUT_MAX);
	cr_assert_eq(ots_box_decrypt_fd(key, &id, fd, buf_sink, &pt), OTS_OK);
	cr_assert_eq(pt.b_len, n);
	cr_assert(memcmp(pt.b_data, plain, n) == 0);
	close(fd);
	ots_buf_release(&pt);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, decrypt_fd_reads_from_current_offset)
{
	uint8_t *plain = make_plain(1000, 15);
	struct ots_buf ct, pt, file;
	int fd;

	seal(plain, 1000, WHOLE, &ct);
	ots_buf_init(&file, OUT_MAX);
	cr_assert_eq(ots_buf_add(&file, "0123456789", 10), OTS_OK);
	cr_assert_eq(ots_buf_add(&file, ct.b_data, ct.b_len), OTS_OK);
	fd = temp_file_with(file.b_data, file.b_len);
	cr_assert_eq(lseek(fd, 10, SEEK_SET), 10);
	ots_buf_init(&pt, OUT_MAX);
	cr_assert_eq(ots_box_decrypt_fd(key, &id, fd, buf_sink, &pt), OTS_OK);
	cr_assert_eq(pt.b_len, 1000u);
	cr_assert(memcmp(pt.b_data, plain, 1000) == 0);
	close(fd);
	ots_buf_release(&pt);
	ots_buf_release(&file);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, decrypt_fd_truncated_file_is_rejected)
{
	size_t n = 2 * (size_t)OTS_CHUNK_SIZE + 5;
	uint8_t *plain = make_plain(n, 16);
	struct ots_buf ct, pt;
	int fd;

	seal(plain, n, WHOLE, &ct);
	fd = temp_file_with(ct.b_data, HDR + 2 * CIPHER_CHUNK);
	ots_buf_init(&pt, OUT_MAX);
	cr_assert_eq(ots_box_decrypt_fd(key, &id, fd, buf_sink, &pt),
	    OTS_ERR_CRYPTO);
	close(fd);
	ots_buf_release(&pt);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, decrypt_fd_wrong_key_is_rejected)
{
	uint8_t *plain = make_plain(100, 17);
	uint8_t other[OTS_KEY_BYTES];
	struct ots_buf ct, pt;
	int fd;

	memset(other, 0x33, sizeof(other));
	seal(plain, 100, WHOLE, &ct);
	fd = temp_file_with(ct.b_data, ct.b_len);
	ots_buf_init(&pt, OUT_MAX);
	cr_assert_eq(ots_box_decrypt_fd(other, &id, fd, buf_sink, &pt),
	    OTS_ERR_CRYPTO);
	cr_assert_eq(pt.b_len, 0u);
	close(fd);
	ots_buf_release(&pt);
	ots_buf_release(&ct);
	free(plain);
}

Test(box, decrypt_fd_read_error_is_io)
{
	struct ots_buf pt;

	ots_buf_init(&pt, 16);
	cr_assert_eq(ots_box_decrypt_fd(key, &id, -1, buf_sink, &pt),
	    OTS_ERR_IO);
	cr_assert_eq(pt.b_len, 0u);
}

/* Encrypts n bytes in one piece under a given stream header (NULL: drawn)
 * into out; the header used goes to hdr_out. */
static void
seal_at(const uint8_t *ss, const uint8_t *plain, size_t n,
    struct ots_buf *out, uint8_t *hdr_out)
{
	struct ots_box_enc *enc = NULL;

	ots_buf_init(out, OUT_MAX);
	cr_assert_eq(ots_box_enc_new_at(key, &id, ss, buf_sink, out, &enc),
	    OTS_OK);
	ots_box_enc_stream_header(enc, hdr_out);
	cr_assert_eq(ots_box_enc_update(enc, plain, n), OTS_OK);
	cr_assert_eq(ots_box_enc_finish(enc), OTS_OK);
	ots_box_enc_free(enc);
}

Test(box, a_given_stream_header_makes_the_same_container_again)
{
	size_t n = 3 * OTS_CHUNK_SIZE + 77;
	uint8_t *plain = make_plain(n, 41);
	uint8_t h1[OTS_BOX_STREAM_BYTES], h2[OTS_BOX_STREAM_BYTES],
	    h3[OTS_BOX_STREAM_BYTES];
	struct ots_buf first, again, fresh, back;

	seal_at(NULL, plain, n, &first, h1);
	/* The header kept is the one in the container. */
	cr_assert_arr_eq(first.b_data + OTS_BOX_FIXED_BYTES, h1, sizeof(h1));
	seal_at(h1, plain, n, &again, h2);
	cr_assert_arr_eq(h1, h2, sizeof(h1));
	cr_assert_eq(again.b_len, first.b_len);
	cr_assert_arr_eq(again.b_data, first.b_data, first.b_len);
	/* A drawn header gives other bytes; both open. */
	seal_at(NULL, plain, n, &fresh, h3);
	cr_assert_arr_neq(fresh.b_data + HDR, first.b_data + HDR, 64);
	cr_assert_eq(open_box((const uint8_t *)again.b_data, again.b_len,
	    &back), OTS_OK);
	cr_assert_eq(back.b_len, n);
	cr_assert_arr_eq(back.b_data, plain, n);
	ots_buf_release(&back);
	ots_buf_release(&first);
	ots_buf_release(&again);
	ots_buf_release(&fresh);
	free(plain);
}

Test(box, one_changed_byte_before_a_resume_point_changes_the_bytes_after_it)
{
	size_t n = 2 * OTS_CHUNK_SIZE + 5;
	uint8_t *plain = make_plain(n, 43);
	uint8_t h[OTS_BOX_STREAM_BYTES], h2[OTS_BOX_STREAM_BYTES];
	struct ots_buf a, b;
	size_t last = HDR + 2 * CIPHER_CHUNK;

	seal_at(NULL, plain, n, &a, h);
	plain[10] ^= 1;
	seal_at(h, plain, n, &b, h2);
	/* The first chunk differs, and through the chained state so does
	 * the last one: a resumed upload's checkpoint catches a changed
	 * file. */
	cr_assert_arr_neq(a.b_data + HDR, b.b_data + HDR, CIPHER_CHUNK);
	cr_assert_arr_neq(a.b_data + last, b.b_data + last, a.b_len - last);
	ots_buf_release(&a);
	ots_buf_release(&b);
	free(plain);
}
