/*
 * ots_tok: share ids, link secrets and owner tokens.
 *
 * Each is 128 random bits from the system CSPRNG (libsodium's
 * randombytes_buf, getrandom(2) on Linux), written as 22 characters of
 * unpadded base64url (RFC 4648 §5).  Decoding is strict: exactly 22
 * characters of the alphabet, canonical trailing bits, so one value has
 * one spelling and an id is always a safe file name and Redis key part.
 */
#ifndef OTS_TOK_H
#define OTS_TOK_H

#include <stddef.h>
#include <stdint.h>

#include "ots_util.h"

#define OTS_TOK_BYTES	16
#define OTS_TOK_CHARS	22
/* Room for the text form and its NUL. */
#define OTS_TOK_STRSZ	(OTS_TOK_CHARS + 1)

struct ots_tok {
	uint8_t t_raw[OTS_TOK_BYTES];
	char t_str[OTS_TOK_STRSZ];
};

/* Fills tok with fresh random bytes and their text form; cannot fail. */
void ots_tok_random(struct ots_tok *tok);

/*
 * Decodes the text form s (len bytes, untrusted) into tok.
 * OTS_ERR_INVAL unless it is exactly a canonical 22-character token.
 */
OTS_WARN_UNUSED enum ots_err ots_tok_parse(const char *s, size_t len,
    struct ots_tok *tok);

/* Fills tok from 16 raw bytes and makes its text form; cannot fail. */
void ots_tok_from_raw(const uint8_t raw[OTS_TOK_BYTES], struct ots_tok *tok);

/* Wipes tok (it may hold a secret). */
void ots_tok_wipe(struct ots_tok *tok);

/*
 * Hashes an owner token for storage: BLAKE2b-256 of the raw bytes, as 64
 * lower-case hex characters plus NUL in out.  Only this hash is stored.
 */
void ots_tok_hash_hex(const struct ots_tok *tok, char out[65]);

#endif
