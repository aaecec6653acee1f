/*
 * ots_admin: what an operator may see and do: list the live shares
 * (never a name: only an id prefix, size, times, protection) and find one
 * by id prefix to revoke it.  Listing walks Redis with SCAN, every
 * primary of a cluster in turn (the cursor says which).
 */
#ifndef OTS_ADMIN_H
#define OTS_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_rds.h"
#include "ots_tok.h"
#include "ots_util.h"

/* Characters of the id shown to operators. */
#define OTS_ADMIN_PREFIX 8

struct ots_admin_share {
	char as_prefix[OTS_ADMIN_PREFIX + 1];
	uint64_t as_size;
	uint64_t as_created;
	uint64_t as_expires;
	bool as_protected;
	bool as_e2e;		/* an end-to-end share */
};

/* Called for each live share listed; anything but OTS_OK stops the
 * listing with that error. */
typedef enum ots_err (*ots_admin_list_fn)(void *ctx,
    const struct ots_admin_share *s);

/*
 * Lists live shares from SCAN cursor, calling fn for each, whole SCAN
 * batches at a time, until at least want were listed or the walk ended;
 * *next is the cursor to continue from (0 when done).  It never stops
 * inside a batch: the cursor can only resume at a batch boundary, and a
 * page that ended mid-batch would skip the rest of that batch for good.
 * So a call may list up to one batch (about OTS_ADMIN_SCAN_COUNT) more
 * than want.
 */
#define OTS_ADMIN_SCAN_COUNT 100
OTS_WARN_UNUSED enum ots_err ots_admin_list(struct ots_rds *r, uint64_t cursor,
    size_t want, ots_admin_list_fn fn, void *ctx, uint64_t *next);

/*
 * Finds the one live share whose id starts with prefix (8 to 22
 * base64url characters).  OTS_ERR_INVAL for a malformed prefix or one
 * that matches several shares, OTS_ERR_NOTFOUND when none.
 */
OTS_WARN_UNUSED enum ots_err ots_admin_find(struct ots_rds *r,
    const char *prefix, size_t len, struct ots_tok *id);

/*
 * The decoders of Redis' replies, split out so that tests and the fuzzer
 * (tests/fuzz/fuzz_reply.c) can run them on any reply tree.  Each
 * borrows rep and trusts nothing in it; a reply of another shape is
 * OTS_ERR_REDIS.
 */
/* A SCAN reply: {cursor, {keys...}}; *next gets the cursor.  The caller
 * may then walk rep->element[1]. */
OTS_WARN_UNUSED enum ots_err ots_admin_decode_scan(const redisReply *rep,
    uint64_t *next);
/* Is k a share key ("ots:{ID}:s" with a valid ID)?  id gets the ID. */
bool ots_admin_key_id(const redisReply *k, struct ots_tok *id);
/* The HMGET size created expires salt of share id: OTS_ERR_NOTFOUND
 * when the share went away (size is nil), s zeroed on any error. */
OTS_WARN_UNUSED enum ots_err ots_admin_decode_share(const redisReply *rep,
    const struct ots_tok *id, struct ots_admin_share *s);

#endif
