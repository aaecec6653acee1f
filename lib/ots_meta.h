/*
 * ots_meta: a share's private metadata (file name, content type, kind),
 * sealed with XChaCha20-Poly1305 under the share's k_meta so that the
 * server stores only ciphertext.  Opening it is also how a link secret is
 * verified: a wrong secret fails authentication.
 *
 *	sealed = nonce (24) | AEAD(plaintext, AD = "ots-meta-v1" | id)
 *	plaintext = version 1 | kind | name length (u16 LE) | name |
 *	    type length (u8) | type
 */
#ifndef OTS_META_H
#define OTS_META_H

#include <stddef.h>
#include <stdint.h>

#include "ots_buf.h"
#include "ots_limits.h"
#include "ots_tok.h"
#include "ots_util.h"

enum ots_meta_kind {
	OTS_META_FILE = 0,	/* downloaded as an attachment */
	OTS_META_TEXT = 1	/* a pasted secret, shown as text */
};

struct ots_meta {
	enum ots_meta_kind m_kind;
	char m_name[OTS_NAME_MAX + 1];	/* sanitized UTF-8 */
	char m_type[OTS_TYPE_MAX + 1];	/* token/token, or "" */
};

/* Bytes of a sealed blob, at most. */
#define OTS_META_SEALED_MAX (24u + 16u + 5u + OTS_NAME_MAX + OTS_TYPE_MAX)

/*
 * Seals m for share id under key (OTS_KEY_BYTES) into out (replacing its
 * contents).  Names and types over their maxima are OTS_ERR_TOOBIG.
 */
OTS_WARN_UNUSED enum ots_err ots_meta_seal(const uint8_t *key,
    const struct ots_tok *id, const struct ots_meta *m, struct ots_buf *out);

/*
 * Opens a sealed blob (untrusted, len bytes) of share id into m.
 * OTS_ERR_AUTH when it does not authenticate under key (wrong secret),
 * OTS_ERR_CRYPTO when it authenticates but is malformed.
 */
OTS_WARN_UNUSED enum ots_err ots_meta_open(const uint8_t *key,
    const struct ots_tok *id, const uint8_t *sealed, size_t len,
    struct ots_meta *m);

/* Bytes of a password-check blob. */
#define OTS_META_CHECK_BYTES (24u + 16u)

/*
 * Check blobs: an empty message sealed under a key, AD label | id.
 * Opening one proves the key without revealing it, and nothing about
 * the key can be learnt from the blob without it.
 *	OTS_CHECK_PASSWORD  "ots-pwcheck-v1": under k_file for a server-side
 *	                    share, k_pass for an end-to-end one; how a
 *	                    password guess is checked (no hash is stored)
 *	OTS_CHECK_LINK      "ots-linkcheck-v1": under k_link, how an
 *	                    end-to-end share checks a link proof
 */
enum ots_check {
	OTS_CHECK_PASSWORD = 0,
	OTS_CHECK_LINK
};

/* Seals a check blob of kind which for share id; out gets
 * OTS_META_CHECK_BYTES. */
void ots_meta_seal_check(const uint8_t *key, const struct ots_tok *id,
    enum ots_check which, uint8_t *out);

/* OTS_OK when blob (len bytes, untrusted) opens under key as a check of
 * kind which, else OTS_ERR_AUTH. */
OTS_WARN_UNUSED enum ots_err ots_meta_open_check(const uint8_t *key,
    const struct ots_tok *id, enum ots_check which, const uint8_t *blob,
    size_t len);

#endif
