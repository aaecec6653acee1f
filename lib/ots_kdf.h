/*
 * ots_kdf: every key of a share, derived from its link secret (and, for a
 * protected share, from Argon2id of its password).  Callers never see
 * which library did the work.  See docs/SECURITY.md for the scheme.
 */
#ifndef OTS_KDF_H
#define OTS_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "ots_tok.h"
#include "ots_util.h"

#define OTS_KEY_BYTES 32

/*
 * The keys of one share.  k_meta seals the file name and type and proves
 * the link secret; k_file encrypts the content.  Wipe with
 * ots_kdf_keys_wipe().
 */
struct ots_keys {
	uint8_t k_meta[OTS_KEY_BYTES];
	uint8_t k_file[OTS_KEY_BYTES];
};

/*
 * Derives the keys of share id from its link secret.  pw_key is NULL for
 * an unprotected share, or the OTS_KEY_BYTES output of the password KDF,
 * which then enters k_file only (k_meta depends on the secret alone, so a
 * wrong link and a wrong password are told apart).
 */
void ots_kdf_share_keys(const struct ots_tok *secret, const struct ots_tok *id,
    const uint8_t *pw_key, struct ots_keys *out);

void ots_kdf_keys_wipe(struct ots_keys *k);

#endif
