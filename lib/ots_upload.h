/*
 * ots_upload: one upload, from the first plaintext byte to a registered
 * share.  It draws the id, the link secret and the owner token, derives
 * the keys, encrypts the stream chunk by chunk into a temp file and, on
 * commit, makes the file durable, moves it into place and registers the
 * share in Redis.  If anything fails, nothing stays registered and the
 * file is removed: ots_upload_free() on an uncommitted upload aborts it.
 * Memory is constant (two container chunks) whatever the size.
 */
#ifndef OTS_UPLOAD_H
#define OTS_UPLOAD_H

#include <stdint.h>

#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_rds.h"
#include "ots_share.h"
#include "ots_store.h"
#include "ots_tok.h"
#include "ots_util.h"

struct ots_upload;

/* What the sender gets back. */
struct ots_upload_result {
	struct ots_tok ur_id;
	struct ots_tok ur_secret;	/* wipe with ots_tok_wipe() */
	struct ots_tok ur_owner;	/* wipe with ots_tok_wipe() */
	uint64_t ur_size;
	uint64_t ur_expires;
};

/* The password side of a protected upload (see ots_kdf.h). */
struct ots_upload_pw {
	uint8_t up_salt[OTS_KDF_SALT_BYTES];
	struct ots_kdf_params up_kdf;
	uint8_t up_key[OTS_KEY_BYTES];	/* Argon2id(password, salt) */
};

/*
 * Starts an upload into st (borrowed, must outlive it) of at most
 * max_size plaintext bytes.  pw is NULL for an unprotected share; it is
 * copied (the caller wipes its own copy).
 */
OTS_WARN_UNUSED enum ots_err ots_upload_begin(struct ots_store *st,
    uint64_t max_size, const struct ots_upload_pw *pw,
    struct ots_upload **out);

/*
 * Starts the one-request upload of an end-to-end share (docs/E2E.md):
 * the client drew id and encrypted, and the body is its container, of
 * exactly clen bytes, written as it comes (nothing to encrypt).
 */
OTS_WARN_UNUSED enum ots_err ots_upload_begin_e2e(struct ots_store *st,
    const struct ots_tok *id, uint64_t clen, struct ots_upload **out);

/* Encrypts and writes n bytes (end-to-end: writes them; OTS_ERR_CRYPTO
 * once the bytes so far cannot start a container for the id).  OTS_ERR_TOOBIG past max_size,
 * OTS_ERR_NOSPACE when the disk is full. */
OTS_WARN_UNUSED enum ots_err ots_upload_write(struct ots_upload *up,
    const uint8_t *p, size_t n);

/* Plaintext bytes written so far (end-to-end: container bytes). */
uint64_t ots_upload_size(const struct ots_upload *up);

/*
 * Finishes the container, commits the file, seals m and registers the
 * share to expire at `expires` (seconds since the epoch), its receipt
 * receipt_ttl seconds later.  On success res holds the link parts; on
 * failure nothing is left behind.
 */
OTS_WARN_UNUSED enum ots_err ots_upload_commit(struct ots_upload *up,
    struct ots_rds *r, const struct ots_meta *m, uint64_t now,
    uint64_t expires, uint64_t receipt_ttl, struct ots_upload_result *res);

/*
 * Commits an end-to-end upload: the container is complete (else
 * OTS_ERR_TRUNC), the file goes to files/ID (OTS_ERR_INVAL: the id is
 * taken) and the share is registered with es, size plaintext bytes, to
 * expire at expires (OTS_ERR_INVAL: the id is taken).  res gets the id,
 * the owner token (wipe it), size and expiry; no secret: the client has
 * it.  On failure nothing is left behind.
 */
OTS_WARN_UNUSED enum ots_err ots_upload_commit_e2e(struct ots_upload *up,
    struct ots_rds *r, const struct ots_e2e_seal *es, uint64_t size,
    uint64_t now, uint64_t expires, uint64_t receipt_ttl,
    struct ots_upload_result *res);

/* Frees; an uncommitted upload is aborted.  Accepts NULL. */
void ots_upload_free(struct ots_upload *up);

#endif
