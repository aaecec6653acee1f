/*
 * ots_kdf: every key of a share, derived from its link secret (and, for a
 * protected share, from Argon2id of its password).  Callers never see
 * which library did the work.  See docs/SECURITY.md for the scheme.
 */
#ifndef OTS_KDF_H
#define OTS_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_tok.h"
#include "ots_util.h"

#define OTS_KEY_BYTES 32

/*
 * The keys of one share.  k_meta seals the file name and type and proves
 * the link secret; k_file encrypts the content.  k_link and k_pass are
 * proofs only (end-to-end shares, docs/E2E.md): a client that has the
 * link sends k_link, and with the password k_pass, and the server opens
 * verifiers with them; neither can decrypt anything.  k_pass is all zero
 * for an unprotected share.  Wipe with ots_kdf_keys_wipe().
 */
struct ots_keys {
	uint8_t k_meta[OTS_KEY_BYTES];
	uint8_t k_file[OTS_KEY_BYTES];
	uint8_t k_link[OTS_KEY_BYTES];
	uint8_t k_pass[OTS_KEY_BYTES];
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

#define OTS_KDF_SALT_BYTES 16

/* Argon2id cost, stored with each protected share. */
struct ots_kdf_params {
	uint32_t kp_mem_kib;	/* memory, KiB */
	uint32_t kp_time;	/* passes */
	uint32_t kp_lanes;	/* parallelism, 1..4 */
};

/* Bounds any stored or configured cost must respect. */
#define OTS_KDF_MEM_MIN_KIB	1024u
#define OTS_KDF_MEM_MAX_KIB	(1024u * 1024u)
#define OTS_KDF_TIME_MAX	10u
#define OTS_KDF_LANES_MAX	4u

/* True when p lies within the bounds above. */
bool ots_kdf_params_ok(const struct ots_kdf_params *p);

/*
 * Argon2id(password, salt) with cost p into out (OTS_KEY_BYTES), through
 * libargon2.  Takes p->kp_mem_kib of memory and real CPU time: callers
 * bound how many run at once (fcgi-app's Argon2id gate).  OTS_ERR_INVAL for
 * costs out of bounds, OTS_ERR_NOMEM when Argon2 cannot allocate.
 */
OTS_WARN_UNUSED enum ots_err ots_kdf_password(const char *pw, size_t len,
    const uint8_t *salt, const struct ots_kdf_params *p, uint8_t *out);


#endif
