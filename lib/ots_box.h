/*
 * ots_box: the encrypted container of a share's content (docs/SECURITY.md).
 *
 *	header (52 bytes): "OTSC" | version 1 | flags 0 | 0 0 |
 *	    chunk size (u32 LE) | share id (16) | secretstream header (24)
 *	then crypto_secretstream_xchacha20poly1305 chunks, each of
 *	OTS_CHUNK_SIZE plaintext bytes + 17, the last one shorter or equal
 *	and tagged FINAL; every chunk authenticates the whole header as AD.
 *
 * The writer and reader are streaming: they take input in pieces of any
 * size and hand output to a sink callback, with constant memory (about two
 * chunks) whatever the size.  The reader rejects a wrong key, a foreign id,
 * a changed header, truncation, reordering, and bytes after the final
 * chunk.  Neither object is thread-safe; each belongs to one request.
 */
#ifndef OTS_BOX_H
#define OTS_BOX_H

#include <stddef.h>
#include <stdint.h>

#include "ots_kdf.h"
#include "ots_tok.h"
#include "ots_util.h"

#define OTS_BOX_HEADER_BYTES 52u
/* The header's bytes before the secretstream header: fixed for an id. */
#define OTS_BOX_FIXED_BYTES 28u
/* The secretstream header that ends it. */
#define OTS_BOX_STREAM_BYTES 24u

/* Receives output; a non-OK return stops the stream with that error. */
typedef enum ots_err (*ots_box_sink_fn)(void *ctx, const uint8_t *p,
    size_t n);

struct ots_box_enc;
struct ots_box_dec;

/*
 * Starts a container for share id under key (OTS_KEY_BYTES, copied);
 * nothing goes to sink yet: the header goes out with the first chunk, in
 * the same sink call (one write for a small share).  *out is owned by the
 * caller.
 */
OTS_WARN_UNUSED enum ots_err ots_box_enc_new(const uint8_t *key,
    const struct ots_tok *id, ots_box_sink_fn sink, void *ctx,
    struct ots_box_enc **out);

/*
 * As ots_box_enc_new, with the secretstream header (OTS_BOX_STREAM_BYTES)
 * given rather than drawn: the same key, id, stream header and plaintext
 * give the same container, byte for byte, which is how an interrupted
 * upload is resumed (docs/E2E.md).  NULL draws one.
 */
OTS_WARN_UNUSED enum ots_err ots_box_enc_new_at(const uint8_t *key,
    const struct ots_tok *id, const uint8_t *stream_header,
    ots_box_sink_fn sink, void *ctx, struct ots_box_enc **out);

/* The container's secretstream header (OTS_BOX_STREAM_BYTES), to keep. */
void ots_box_enc_stream_header(const struct ots_box_enc *enc, uint8_t *out);

/* Encrypts n plaintext bytes; full chunks go to the sink. */
OTS_WARN_UNUSED enum ots_err ots_box_enc_update(struct ots_box_enc *enc,
    const uint8_t *p, size_t n);

/* Writes the final chunk.  No update may follow. */
OTS_WARN_UNUSED enum ots_err ots_box_enc_finish(struct ots_box_enc *enc);

/* Wipes and frees; accepts NULL. */
void ots_box_enc_free(struct ots_box_enc *enc);

/* Starts reading a container of share id under key; nothing is read yet. */
OTS_WARN_UNUSED enum ots_err ots_box_dec_new(const uint8_t *key,
    const struct ots_tok *id, ots_box_sink_fn sink, void *ctx,
    struct ots_box_dec **out);

/*
 * Feeds n container bytes; authenticated plaintext goes to the sink.
 * OTS_ERR_CRYPTO for anything that does not authenticate.
 */
OTS_WARN_UNUSED enum ots_err ots_box_dec_update(struct ots_box_dec *dec,
    const uint8_t *p, size_t n);

/* Ends the input: OTS_ERR_CRYPTO unless the final chunk was seen. */
OTS_WARN_UNUSED enum ots_err ots_box_dec_finish(struct ots_box_dec *dec);

/* Wipes and frees; accepts NULL. */
void ots_box_dec_free(struct ots_box_dec *dec);

/*
 * Decrypts the whole container readable from fd (owned by the caller,
 * read from its current offset) to sink.  OTS_ERR_CRYPTO when it does not
 * authenticate or is truncated, OTS_ERR_IO on a read error, or the
 * sink's error.  Plaintext already handed to the sink stays handed: a
 * caller that streams must be ready to cut the stream.
 */
OTS_WARN_UNUSED enum ots_err ots_box_decrypt_fd(const uint8_t *key,
    const struct ots_tok *id, int fd, ots_box_sink_fn sink, void *ctx);

/*
 * Does h (n bytes, at least OTS_BOX_FIXED_BYTES) start a container of
 * this version and chunk size for the share whose raw id is id_raw?  For
 * containers made by a client (end-to-end shares): the server cannot
 * check more than that.  OTS_ERR_CRYPTO when not.
 */
OTS_WARN_UNUSED enum ots_err ots_box_check_header(const uint8_t *h, size_t n,
    const uint8_t *id_raw);

/* The container size for plain plaintext bytes; OTS_ERR_TOOBIG on overflow. */
OTS_WARN_UNUSED enum ots_err ots_box_size(uint64_t plain, uint64_t *out);

#endif
