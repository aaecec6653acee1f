/*
 * ots_share: a share's state in Redis (DESIGN §5, docs/SECURITY.md).
 *
 *	ots:{ID}:s  the share: size, created, expires, sealed meta.
 *	            TTL = its expiry.  Deleted by the claim.
 *	ots:{ID}:r  the receipt: state, size, times, owner-token hash.
 *	            Lives past the share, so later visitors get 410 and the
 *	            owner can read it; holds nothing secret.
 *
 * Both keys carry the {ID} hash tag, so each script touches one slot and
 * runs unchanged on Redis Cluster.  Every call is one round trip.
 */
#ifndef OTS_SHARE_H
#define OTS_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "ots_meta.h"
#include "ots_rds.h"
#include "ots_tok.h"
#include "ots_util.h"

enum ots_share_state {
	OTS_SHARE_UNKNOWN = 0,	/* never existed, or its receipt expired */
	OTS_SHARE_AVAILABLE,
	OTS_SHARE_CLAIMED,
	OTS_SHARE_EXPIRED,
	OTS_SHARE_REVOKED,
	OTS_SHARE_LOCKED	/* too many wrong passwords */
};

struct ots_share {
	enum ots_share_state sh_state;
	uint64_t sh_size;		/* plaintext bytes */
	uint64_t sh_created;		/* seconds since the epoch */
	uint64_t sh_expires;
	uint64_t sh_claimed_at;		/* 0 unless claimed */
	uint8_t sh_meta[OTS_META_SEALED_MAX];	/* sealed metadata */
	size_t sh_meta_len;
};

/* What a new share registers. */
struct ots_share_new {
	uint64_t sn_size;
	uint64_t sn_created;
	uint64_t sn_expires;		/* > sn_created */
	uint64_t sn_receipt_ttl;	/* seconds the receipt outlives it */
	const uint8_t *sn_meta;
	size_t sn_meta_len;
	const char *sn_owner_hash;	/* hex, or "" */
};

/* "available", "claimed" ...; never NULL. */
const char *ots_share_state_str(enum ots_share_state s);

/* Registers share id atomically.  OTS_ERR_INVAL if the id is taken. */
OTS_WARN_UNUSED enum ots_err ots_share_register(struct ots_rds *r,
    const struct ots_tok *id, const struct ots_share_new *n);

/* Reads share id into out without changing it; unknown is OTS_OK with
 * sh_state OTS_SHARE_UNKNOWN. */
OTS_WARN_UNUSED enum ots_err ots_share_peek(struct ots_rds *r,
    const struct ots_tok *id, struct ots_share *out);

/*
 * The atomic one-time claim.  OTS_OK: this caller won, out->sh_size is
 * set.  OTS_ERR_GONE: claimed, expired, revoked or locked (out->sh_state
 * says which).  OTS_ERR_NOTFOUND: no such share.  The receipt then lives
 * receipt_ttl seconds.
 */
OTS_WARN_UNUSED enum ots_err ots_share_claim(struct ots_rds *r,
    const struct ots_tok *id, uint64_t now, uint64_t receipt_ttl,
    struct ots_share *out);

#endif
