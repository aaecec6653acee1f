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

#include "ots_kdf.h"
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
	bool sh_protected;		/* has a password */
	uint8_t sh_salt[OTS_KDF_SALT_BYTES];
	struct ots_kdf_params sh_kdf;
	uint8_t sh_check[OTS_META_CHECK_BYTES];	/* password check */
	uint64_t sh_attempts;		/* wrong passwords so far */
	bool sh_e2e;			/* end-to-end: encrypted by the
					 * client (docs/E2E.md) */
	uint8_t sh_lcheck[OTS_META_CHECK_BYTES];	/* e2e: link check */
};

/* A share's receipt, for its owner. */
struct ots_receipt {
	enum ots_share_state r_state;	/* UNKNOWN: no receipt */
	uint64_t r_size;
	uint64_t r_created;
	uint64_t r_expires;
	uint64_t r_claimed_at;		/* 0 unless claimed */
	uint64_t r_ended_at;		/* revoked or locked at, else 0 */
	char r_owner[65];		/* owner-token hash (hex) or "" */
	bool r_e2e;
	uint64_t r_lease_until;		/* claimed e2e: the lease's end, 0 */
	uint64_t r_lease_ended_at;	/* confirmed or lapsed at, else 0 */
};

/*
 * What the client of an end-to-end share made and the server keeps
 * (docs/E2E.md), none of which it can open: the sealed name, the link
 * check under k_link and, for a protected share, the Argon2id salt and
 * cost and the password check under k_pass.
 */
struct ots_e2e_seal {
	const uint8_t *es_meta;
	size_t es_meta_len;
	const uint8_t *es_lcheck;	/* OTS_META_CHECK_BYTES */
	const uint8_t *es_salt;		/* OTS_KDF_SALT_BYTES, NULL: none */
	struct ots_kdf_params es_kdf;
	const uint8_t *es_check;	/* OTS_META_CHECK_BYTES */
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
	/* Protected shares only (sn_salt NULL otherwise): */
	const uint8_t *sn_salt;		/* OTS_KDF_SALT_BYTES */
	struct ots_kdf_params sn_kdf;
	const uint8_t *sn_check;	/* OTS_META_CHECK_BYTES */
	/* End-to-end shares only (NULL otherwise): the link check. */
	const uint8_t *sn_lcheck;	/* OTS_META_CHECK_BYTES */
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
 * receipt_ttl seconds.  lease_secs > 0 gives the winner a download lease
 * (end-to-end shares) until now + lease_secs, for the token whose hash is
 * lease_hash (hex); 0 and NULL for none.
 */
OTS_WARN_UNUSED enum ots_err ots_share_claim(struct ots_rds *r,
    const struct ots_tok *id, uint64_t now, uint64_t receipt_ttl,
    uint64_t lease_secs, const char *lease_hash, struct ots_share *out);

/* The download lease of a claimed end-to-end share (lib/lua/lease.lua). */
enum ots_lease_op {
	OTS_LEASE_CHECK,	/* may lease_hash's holder fetch it now? */
	OTS_LEASE_END,		/* its holder confirms: the lease ends */
	OTS_LEASE_LAPSE		/* the sweeper: has it ended? */
};

/*
 * Runs op on share id's lease at now.  CHECK and END: OTS_OK for the
 * holder of a running lease (*until its end), OTS_ERR_AUTH for another
 * token, OTS_ERR_GONE when no lease runs any more.  LAPSE: OTS_ERR_GONE
 * once the lease ended (it is marked so: its file may go), OTS_OK while
 * it runs.  OTS_ERR_NOTFOUND when there is no receipt.
 */
OTS_WARN_UNUSED enum ots_err ots_share_lease(struct ots_rds *r,
    const struct ots_tok *id, enum ots_lease_op op, uint64_t now,
    const char *lease_hash, uint64_t *until);

/*
 * Password guesses, counted atomically across processes (lib/lua/
 * guess.lua).  A guess is reserved before its Argon2id runs and settled
 * after with right or wrong, so that never more guesses are in flight
 * than attempts are left.  token is unique per guess (a random hex
 * string); a reservation lapses after lease_ms if it is never settled.
 *
 * begin: OTS_OK, reserved; OTS_ERR_BUSY when every attempt left is being
 * tried already (try again shortly); OTS_ERR_GONE when the share ended
 * (*out_state says how); OTS_ERR_NOTFOUND when there is no such share.
 */
OTS_WARN_UNUSED enum ots_err ots_share_guess_begin(struct ots_rds *r,
    const struct ots_tok *id, const char *token, uint64_t limit,
    uint64_t lease_ms, enum ots_share_state *out_state);

/* The reserved guess was right: drops its reservation. */
OTS_WARN_UNUSED enum ots_err ots_share_guess_right(struct ots_rds *r,
    const struct ots_tok *id, const char *token);

/*
 * The reserved guess was wrong: counts it.  OTS_OK with out_state
 * AVAILABLE and *left attempts still allowed, or with out_state LOCKED
 * (and *left 0) when this guess was the last one allowed: the share is
 * destroyed, remove its file (exactly one guess gets this).  OTS_ERR_GONE
 * when the share had ended meanwhile (*out_state says how, LOCKED
 * included); OTS_ERR_NOTFOUND when there is no such share.
 */
OTS_WARN_UNUSED enum ots_err ots_share_guess_wrong(struct ots_rds *r,
    const struct ots_tok *id, const char *token, uint64_t limit,
    uint64_t now, uint64_t receipt_ttl, uint64_t *left,
    enum ots_share_state *out_state);

/*
 * Revokes share id if owner_hash matches its receipt (owner_hash NULL: an
 * operator revokes, no token needed).  OTS_OK: revoked (remove its
 * file); OTS_ERR_AUTH: wrong owner token; OTS_ERR_GONE: already ended
 * (*out_state says how); OTS_ERR_NOTFOUND: no such share.
 */
OTS_WARN_UNUSED enum ots_err ots_share_revoke(struct ots_rds *r,
    const struct ots_tok *id, const char *owner_hash, uint64_t now,
    uint64_t receipt_ttl, enum ots_share_state *out_state);

/* Reads the receipt of share id (r_state UNKNOWN when there is none). */
OTS_WARN_UNUSED enum ots_err ots_share_status(struct ots_rds *r,
    const struct ots_tok *id, struct ots_receipt *out);

/* Does the share hash of id still exist?  For the sweeper. */
OTS_WARN_UNUSED enum ots_err ots_share_exists(struct ots_rds *r,
    const struct ots_tok *id, bool *exists);

/*
 * The decoders of the scripts' replies (lib/lua/), used by the calls
 * above and split out so that tests and the fuzzer (tests/fuzz/
 * fuzz_reply.c) can run them on any reply tree.  Each borrows rep and
 * trusts nothing in it: a reply of any shape the script does not produce
 * is OTS_ERR_REDIS, with every output zeroed (or, for exists, true).
 * Otherwise the results are those of the call of the same name.
 */
OTS_WARN_UNUSED enum ots_err ots_share_decode_register(const redisReply *rep);
OTS_WARN_UNUSED enum ots_err ots_share_decode_peek(const redisReply *rep,
    struct ots_share *out);
/* now: the time the claim ran, for sh_claimed_at. */
OTS_WARN_UNUSED enum ots_err ots_share_decode_claim(const redisReply *rep,
    uint64_t now, struct ots_share *out);
/* The reply to guess.lua's begin. */
OTS_WARN_UNUSED enum ots_err ots_share_decode_guess_begin(
    const redisReply *rep, enum ots_share_state *out_state);
/* The reply to guess.lua's wrong (settling a wrong guess). */
OTS_WARN_UNUSED enum ots_err ots_share_decode_attempt(const redisReply *rep,
    uint64_t *left, enum ots_share_state *out_state);
OTS_WARN_UNUSED enum ots_err ots_share_decode_revoke(const redisReply *rep,
    enum ots_share_state *out_state);
OTS_WARN_UNUSED enum ots_err ots_share_decode_status(const redisReply *rep,
    struct ots_receipt *out);
OTS_WARN_UNUSED enum ots_err ots_share_decode_exists(const redisReply *rep,
    bool *exists);
OTS_WARN_UNUSED enum ots_err ots_share_decode_lease(const redisReply *rep,
    enum ots_lease_op op, uint64_t *until);

#endif
