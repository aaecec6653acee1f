#include "ots_tok.h"

#include <string.h>

#include <sodium.h>

#include "ots_banned.h"

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

static void
encode(struct ots_tok *tok)
{
	sodium_bin2base64(tok->t_str, sizeof(tok->t_str), tok->t_raw,
	    sizeof(tok->t_raw), B64_VARIANT);
}

void
ots_tok_random(struct ots_tok *tok)
{
	randombytes_buf(tok->t_raw, sizeof(tok->t_raw));
	encode(tok);
}

void
ots_tok_from_raw(const uint8_t raw[OTS_TOK_BYTES], struct ots_tok *tok)
{
	memcpy(tok->t_raw, raw, OTS_TOK_BYTES);
	encode(tok);
}

enum ots_err
ots_tok_parse(const char *s, size_t len, struct ots_tok *tok)
{
	size_t bin_len = 0, i;
	const char *end = NULL;

	if (len != OTS_TOK_CHARS)
		return OTS_ERR_INVAL;
	/* libsodium 1.0.18 decodes bytes >= 0x80 as '_': check the
	 * alphabet ourselves so one value has one spelling. */
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return OTS_ERR_INVAL;
	}
	/*
	 * libsodium rejects non-zero trailing bits; end and bin_len catch
	 * anything it skipped.
	 */
	if (sodium_base642bin(tok->t_raw, sizeof(tok->t_raw), s, len, NULL,
	    &bin_len, &end, B64_VARIANT) != 0 || bin_len != OTS_TOK_BYTES ||
	    end != s + len) {
		sodium_memzero(tok, sizeof(*tok));
		return OTS_ERR_INVAL;
	}
	memcpy(tok->t_str, s, len);
	tok->t_str[len] = '\0';
	return OTS_OK;
}

void
ots_tok_wipe(struct ots_tok *tok)
{
	sodium_memzero(tok, sizeof(*tok));
}

void
ots_tok_hash_hex(const struct ots_tok *tok, char out[65])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), tok->t_raw, sizeof(tok->t_raw),
	    NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}
