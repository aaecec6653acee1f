/*
 * ots_parts: the Redis side of an end-to-end upload in parts
 * (docs/E2E.md).  The client encrypts; the container arrives in parts,
 * each all or nothing, possibly through different worker processes:
 *
 *	ots:{ID}:u   the upload: its token's hash, plaintext and container
 *	             sizes, the stored offset, the share's expiry in
 *	             seconds, when it began.  TTL: the idle time, refreshed
 *	             by each part, never past the upload's greatest age.
 *	ots:{ID}:ul  the lease of the part being written (one at a time)
 *
 * The part file is ots_store's (DATA/uploads/ID.part).  A commit
 * registers the share (ots:{ID}:s and :r, as ots_share) from the upload,
 * which goes.  Scripts: lib/lua/upcreate.lua, uppart.lua, upcommit.lua.
 */
#ifndef OTS_PARTS_H
#define OTS_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_kdf.h"
#include "ots_rds.h"
#include "ots_share.h"
#include "ots_tok.h"
#include "ots_util.h"

/* Why a call was refused (OTS_ERR_INVAL). */
enum ots_parts_why {
	OTS_PARTS_OK = 0,
	OTS_PARTS_UNKNOWN,	/* no such upload (never, or idle too long) */
	OTS_PARTS_FORBIDDEN,	/* another upload token */
	OTS_PARTS_OFFSET,	/* the part does not start at the offset */
	OTS_PARTS_BUSY,		/* another part is being written */
	OTS_PARTS_TOOBIG,	/* the part passes the container's end */
	OTS_PARTS_LOST,		/* the part's lease lapsed before its end */
	OTS_PARTS_INCOMPLETE,	/* commit before the last byte */
	OTS_PARTS_TAKEN		/* the id names a share already */
};

/* How long an upload lives idle, and at most. */
struct ots_parts_ttl {
	uint64_t pt_idle;	/* seconds */
	uint64_t pt_max_age;	/* seconds */
};

/* What a new upload records. */
struct ots_parts_new {
	const char *pn_tok_hash;	/* the upload token's hash, hex */
	uint64_t pn_size;		/* plaintext bytes */
	uint64_t pn_clen;		/* container bytes */
	uint64_t pn_secs;		/* the share's expiry, from commit */
	uint64_t pn_created;
};

/* Starts upload id.  OTS_ERR_INVAL (OTS_PARTS_TAKEN) when the id names
 * a share, a receipt or another upload. */
OTS_WARN_UNUSED enum ots_err ots_parts_create(struct ots_rds *r,
    const struct ots_tok *id, const struct ots_parts_new *n,
    const struct ots_parts_ttl *ttl, enum ots_parts_why *why);

/*
 * Takes the part lease (lease_tok, lease_ms) for len bytes at offset.
 * OTS_OK with *clen the container size; OTS_ERR_INVAL with *why, and
 * *stored the stored offset for OTS_PARTS_OFFSET.
 */
OTS_WARN_UNUSED enum ots_err ots_parts_begin(struct ots_rds *r,
    const struct ots_tok *id, const char *tok_hash, uint64_t offset,
    uint64_t len, const char *lease_tok, uint64_t lease_ms, uint64_t now,
    const struct ots_parts_ttl *ttl, uint64_t *clen, uint64_t *stored,
    enum ots_parts_why *why);

/* The part is on disk: the offset moves to new_offset and the lease is
 * released.  OTS_ERR_INVAL with *why (OTS_PARTS_LOST: it lapsed). */
OTS_WARN_UNUSED enum ots_err ots_parts_end(struct ots_rds *r,
    const struct ots_tok *id, const char *tok_hash, uint64_t new_offset,
    const char *lease_tok, uint64_t now, const struct ots_parts_ttl *ttl,
    enum ots_parts_why *why);

/* The stored offset and the container size. */
OTS_WARN_UNUSED enum ots_err ots_parts_head(struct ots_rds *r,
    const struct ots_tok *id, const char *tok_hash, uint64_t *offset,
    uint64_t *clen, enum ots_parts_why *why);

/* Forgets the upload (the caller removes its file). */
OTS_WARN_UNUSED enum ots_err ots_parts_abort(struct ots_rds *r,
    const struct ots_tok *id, const char *tok_hash, enum ots_parts_why *why);

/* What a commit adds to the upload's record. */
struct ots_parts_commit {
	uint64_t pc_created;		/* now: the expiry counts from here */
	uint64_t pc_receipt_ttl;	/* seconds the receipt outlives it */
	const char *pc_owner_hash;	/* hex */
	const struct ots_e2e_seal *pc_seal;
};

/*
 * Registers the share from upload id (its file must be in files/ by
 * now) and forgets the upload.  OTS_OK with *size and *expires;
 * OTS_ERR_INVAL with *why (OTS_PARTS_INCOMPLETE, OTS_PARTS_BUSY,
 * OTS_PARTS_TAKEN, ...).
 */
OTS_WARN_UNUSED enum ots_err ots_parts_commit(struct ots_rds *r,
    const struct ots_tok *id, const char *tok_hash,
    const struct ots_parts_commit *c, uint64_t *size, uint64_t *expires,
    enum ots_parts_why *why);

/* Does upload id still exist?  For the sweeper. */
OTS_WARN_UNUSED enum ots_err ots_parts_exists(struct ots_rds *r,
    const struct ots_tok *id, bool *exists);

/*
 * The decoder of every script reply above (tags "ok", "unknown",
 * "forbidden", "offset", "busy", "toobig", "lost", "incomplete",
 * "taken"), split out for tests and the fuzzer: OTS_OK with up to two
 * numbers (n1, n2: those an "ok" or an "offset" carries), OTS_ERR_INVAL
 * with *why, OTS_ERR_REDIS for any other shape.  nums: how many numbers
 * an "ok" must carry.
 */
OTS_WARN_UNUSED enum ots_err ots_parts_decode(const redisReply *rep,
    int nums, uint64_t *n1, uint64_t *n2, enum ots_parts_why *why);

#endif
