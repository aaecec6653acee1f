#include "ots_box.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_alloc.h"
#include "ots_limits.h"
#include "ots_banned.h"

#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define TAG_MSG crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define CIPHER_CHUNK (OTS_CHUNK_SIZE + ABYTES)

#define MAGIC "OTSC"
#define VERSION 1u
#define OFF_CHUNK 8u
#define OFF_ID 12u
#define OFF_SS (OFF_ID + OTS_TOK_BYTES)

_Static_assert(OFF_SS + SS_HEADER == OTS_BOX_HEADER_BYTES,
    "container header layout");
_Static_assert(OFF_SS == OTS_BOX_FIXED_BYTES, "container header layout");
_Static_assert(SS_HEADER == OTS_BOX_STREAM_BYTES, "container header layout");

struct ots_box_enc {
	crypto_secretstream_xchacha20poly1305_state e_st;
	uint8_t e_header[OTS_BOX_HEADER_BYTES];
	uint8_t e_plain[OTS_CHUNK_SIZE];
	/* The header again, then a chunk's ciphertext: the first chunk
	 * goes out with the header in one sink call (one write). */
	uint8_t e_out[OTS_BOX_HEADER_BYTES + CIPHER_CHUNK];
	size_t e_plain_len;
	int e_header_out;
	int e_finished;
	ots_box_sink_fn e_sink;
	void *e_ctx;
};

struct ots_box_dec {
	crypto_secretstream_xchacha20poly1305_state d_st;
	uint8_t d_key[OTS_KEY_BYTES];
	uint8_t d_id[OTS_TOK_BYTES];
	uint8_t d_header[OTS_BOX_HEADER_BYTES];
	size_t d_header_len;
	uint8_t d_cipher[CIPHER_CHUNK];
	uint8_t d_plain[OTS_CHUNK_SIZE];
	size_t d_cipher_len;
	int d_final_seen;
	int d_failed;
	ots_box_sink_fn d_sink;
	void *d_ctx;
};

static void
put_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

enum ots_err
ots_box_enc_new(const uint8_t *key, const struct ots_tok *id,
    ots_box_sink_fn sink, void *ctx, struct ots_box_enc **out)
{
	return ots_box_enc_new_at(key, id, NULL, sink, ctx, out);
}

enum ots_err
ots_box_enc_new_at(const uint8_t *key, const struct ots_tok *id,
    const uint8_t *stream_header, ots_box_sink_fn sink, void *ctx,
    struct ots_box_enc **out)
{
	struct ots_box_enc *enc;

	*out = NULL;
	enc = ots_calloc(1, sizeof(*enc));
	if (enc == NULL)
		return OTS_ERR_NOMEM;
	enc->e_sink = sink;
	enc->e_ctx = ctx;
	memcpy(enc->e_header, MAGIC, 4);
	enc->e_header[4] = VERSION;
	put_u32le(enc->e_header + OFF_CHUNK, OTS_CHUNK_SIZE);
	memcpy(enc->e_header + OFF_ID, id->t_raw, OTS_TOK_BYTES);
	/* Pulling derives from a header the state pushing would have. */
	if (stream_header == NULL) {
		crypto_secretstream_xchacha20poly1305_init_push(&enc->e_st,
		    enc->e_header + OFF_SS, key);
	} else {
		memcpy(enc->e_header + OFF_SS, stream_header, SS_HEADER);
		if (crypto_secretstream_xchacha20poly1305_init_pull(&enc->e_st,
		    enc->e_header + OFF_SS, key) != 0) {
			ots_box_enc_free(enc);
			return OTS_ERR_CRYPTO;
		}
	}
	memcpy(enc->e_out, enc->e_header, sizeof(enc->e_header));
	*out = enc;
	return OTS_OK;
}

void
ots_box_enc_stream_header(const struct ots_box_enc *enc, uint8_t *out)
{
	memcpy(out, enc->e_header + OFF_SS, SS_HEADER);
}

static enum ots_err
push_chunk(struct ots_box_enc *enc, unsigned char tag)
{
	uint8_t *cipher = enc->e_out + OTS_BOX_HEADER_BYTES;
	unsigned long long clen = 0;
	size_t head = enc->e_header_out ? 0 : OTS_BOX_HEADER_BYTES;

	crypto_secretstream_xchacha20poly1305_push(&enc->e_st, cipher,
	    &clen, enc->e_plain, enc->e_plain_len, enc->e_header,
	    sizeof(enc->e_header), tag);
	enc->e_plain_len = 0;
	enc->e_header_out = 1;
	return enc->e_sink(enc->e_ctx, cipher - head, head + (size_t)clen);
}

enum ots_err
ots_box_enc_update(struct ots_box_enc *enc, const uint8_t *p, size_t n)
{
	enum ots_err e;

	OTS_ASSERT(!enc->e_finished);
	while (n > 0) {
		size_t take;

		/* A full chunk is pushed only once more data proves it is
		 * not the final one. */
		if (enc->e_plain_len == OTS_CHUNK_SIZE) {
			e = push_chunk(enc, TAG_MSG);
			if (e != OTS_OK)
				return e;
		}
		take = OTS_CHUNK_SIZE - enc->e_plain_len;
		if (take > n)
			take = n;
		memcpy(enc->e_plain + enc->e_plain_len, p, take);
		enc->e_plain_len += take;
		p += take;
		n -= take;
	}
	return OTS_OK;
}

enum ots_err
ots_box_enc_finish(struct ots_box_enc *enc)
{
	OTS_ASSERT(!enc->e_finished);
	enc->e_finished = 1;
	return push_chunk(enc, TAG_FINAL);
}

void
ots_box_enc_free(struct ots_box_enc *enc)
{
	if (enc == NULL)
		return;
	sodium_memzero(enc, sizeof(*enc));
	ots_free(enc);
}

enum ots_err
ots_box_dec_new(const uint8_t *key, const struct ots_tok *id,
    ots_box_sink_fn sink, void *ctx, struct ots_box_dec **out)
{
	struct ots_box_dec *dec;

	*out = NULL;
	dec = ots_calloc(1, sizeof(*dec));
	if (dec == NULL)
		return OTS_ERR_NOMEM;
	memcpy(dec->d_key, key, OTS_KEY_BYTES);
	memcpy(dec->d_id, id->t_raw, OTS_TOK_BYTES);
	dec->d_sink = sink;
	dec->d_ctx = ctx;
	*out = dec;
	return OTS_OK;
}

enum ots_err
ots_box_check_header(const uint8_t *h, size_t n, const uint8_t *id_raw)
{
	int bad = 0;

	if (n < OTS_BOX_FIXED_BYTES)
		return OTS_ERR_CRYPTO;
	bad |= memcmp(h, MAGIC, 4) != 0;
	bad |= h[4] != VERSION || h[5] != 0 || h[6] != 0 || h[7] != 0;
	bad |= get_u32le(h + OFF_CHUNK) != OTS_CHUNK_SIZE;
	bad |= memcmp(h + OFF_ID, id_raw, OTS_TOK_BYTES) != 0;
	return bad ? OTS_ERR_CRYPTO : OTS_OK;
}

static enum ots_err
open_header(struct ots_box_dec *dec)
{
	const uint8_t *h = dec->d_header;

	if (ots_box_check_header(h, sizeof(dec->d_header), dec->d_id) !=
	    OTS_OK)
		return OTS_ERR_CRYPTO;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&dec->d_st,
	    h + OFF_SS, dec->d_key) != 0)
		return OTS_ERR_CRYPTO;
	sodium_memzero(dec->d_key, sizeof(dec->d_key));
	return OTS_OK;
}

static enum ots_err
pull_chunk(struct ots_box_dec *dec)
{
	unsigned long long plen = 0;
	unsigned char tag = 0;

	if (dec->d_cipher_len < ABYTES)
		return OTS_ERR_CRYPTO;
	if (crypto_secretstream_xchacha20poly1305_pull(&dec->d_st,
	    dec->d_plain, &plen, &tag, dec->d_cipher, dec->d_cipher_len,
	    dec->d_header, sizeof(dec->d_header)) != 0)
		return OTS_ERR_CRYPTO;
	dec->d_cipher_len = 0;
	if (tag == TAG_FINAL)
		dec->d_final_seen = 1;
	else if (tag != TAG_MSG)
		return OTS_ERR_CRYPTO;
	/* Only the final chunk may be short: a short middle chunk means
	 * the stream was cut and re-joined. */
	if (!dec->d_final_seen && plen != OTS_CHUNK_SIZE)
		return OTS_ERR_CRYPTO;
	if (plen == 0)
		return OTS_OK;
	return dec->d_sink(dec->d_ctx, dec->d_plain, (size_t)plen);
}

static enum ots_err
dec_feed(struct ots_box_dec *dec, const uint8_t *p, size_t n)
{
	enum ots_err e;

	while (n > 0) {
		size_t take;

		if (dec->d_header_len < OTS_BOX_HEADER_BYTES) {
			take = OTS_BOX_HEADER_BYTES - dec->d_header_len;
			if (take > n)
				take = n;
			memcpy(dec->d_header + dec->d_header_len, p, take);
			dec->d_header_len += take;
			p += take;
			n -= take;
			if (dec->d_header_len == OTS_BOX_HEADER_BYTES) {
				e = open_header(dec);
				if (e != OTS_OK)
					return e;
			}
			continue;
		}
		if (dec->d_final_seen)
			return OTS_ERR_CRYPTO;
		take = CIPHER_CHUNK - dec->d_cipher_len;
		if (take > n)
			take = n;
		memcpy(dec->d_cipher + dec->d_cipher_len, p, take);
		dec->d_cipher_len += take;
		p += take;
		n -= take;
		if (dec->d_cipher_len == CIPHER_CHUNK) {
			e = pull_chunk(dec);
			if (e != OTS_OK)
				return e;
		}
	}
	return OTS_OK;
}

enum ots_err
ots_box_dec_update(struct ots_box_dec *dec, const uint8_t *p, size_t n)
{
	enum ots_err e;

	if (dec->d_failed)
		return OTS_ERR_CRYPTO;
	e = dec_feed(dec, p, n);
	if (e != OTS_OK)
		dec->d_failed = 1;
	return e;
}

enum ots_err
ots_box_dec_finish(struct ots_box_dec *dec)
{
	enum ots_err e;

	if (dec->d_failed || dec->d_header_len < OTS_BOX_HEADER_BYTES)
		return OTS_ERR_CRYPTO;
	if (dec->d_cipher_len > 0) {
		e = pull_chunk(dec);
		if (e != OTS_OK) {
			dec->d_failed = 1;
			return e;
		}
	}
	return dec->d_final_seen ? OTS_OK : OTS_ERR_CRYPTO;
}

void
ots_box_dec_free(struct ots_box_dec *dec)
{
	if (dec == NULL)
		return;
	sodium_memzero(dec, sizeof(*dec));
	ots_free(dec);
}

enum ots_err
ots_box_size(uint64_t plain, uint64_t *out)
{
	uint64_t chunks = plain / OTS_CHUNK_SIZE;
	uint64_t total;

	/* A partial last chunk, or an empty final one for size 0, adds one;
	 * a full last chunk carries the final tag itself. */
	if (plain % OTS_CHUNK_SIZE != 0 || plain == 0)
		chunks++;
	if (__builtin_mul_overflow(chunks, (uint64_t)ABYTES, &total) ||
	    __builtin_add_overflow(total, plain, &total) ||
	    __builtin_add_overflow(total, (uint64_t)OTS_BOX_HEADER_BYTES,
	    &total))
		return OTS_ERR_TOOBIG;
	*out = total;
	return OTS_OK;
}

enum ots_err
ots_box_decrypt_fd(const uint8_t *key, const struct ots_tok *id, int fd,
    ots_box_sink_fn sink, void *ctx)
{
	struct ots_box_dec *dec = NULL;
	uint8_t *buf = NULL;
	enum ots_err e;

	buf = ots_malloc(CIPHER_CHUNK);
	if (buf == NULL)
		return OTS_ERR_NOMEM;
	e = ots_box_dec_new(key, id, sink, ctx, &dec);
	while (e == OTS_OK) {
		ssize_t n = read(fd, buf, CIPHER_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = OTS_ERR_IO;
			break;
		}
		if (n == 0) {
			e = ots_box_dec_finish(dec);
			break;
		}
		e = ots_box_dec_update(dec, buf, (size_t)n);
	}
	ots_box_dec_free(dec);
	ots_free(buf);
	return e;
}
