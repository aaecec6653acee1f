/*
 * ots_rds_slots: a Redis Cluster's map of hash slots to primaries, as
 * CLUSTER SLOTS reports it, and the slot of a key (CRC16 of its {hash
 * tag}).  Pure data and parsing, no connections: ots_rds owns those and
 * keeps one map per connection set (docs/OPERATIONS.md, "Redis
 * Cluster").
 */
#ifndef OTS_RDS_SLOTS_H
#define OTS_RDS_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "ots_err.h"
#include "ots_rds_addr.h"
#include "ots_util.h"

#define OTS_RDS_SLOTS 16384
/* Most primaries a map holds; a bigger cluster is refused, not half
 * used. */
#define OTS_RDS_PRIMARIES_MAX 32

struct ots_rds_slots {
	struct ots_rds_node s_nodes[OTS_RDS_PRIMARIES_MAX];
	unsigned s_nnodes;
	/* 1 + index into s_nodes of the slot's primary; 0: nobody's. */
	uint8_t s_owner[OTS_RDS_SLOTS];
};

/* The slot of key: of its hash tag (what lies between the first '{' and
 * the next '}', when not empty), else of the whole key. */
unsigned ots_rds_key_slot(const char *key, size_t len);

/* Index of host:port in s, added (owning no slot yet) when new; -1 when
 * s is full. */
int ots_rds_slots_node(struct ots_rds_slots *s, const char *host,
    unsigned port);

/*
 * Decodes a CLUSTER SLOTS reply into out (overwritten).  A node listed
 * with an empty host or "?" is the one the reply came from (asked,
 * borrowed).  Replicas are ignored: writes and the one-time claim go to
 * primaries only.  OTS_ERR_REDIS for a reply of another shape, a range
 * out of bounds or more than OTS_RDS_PRIMARIES_MAX primaries; borrows
 * rep and trusts nothing in it.
 */
OTS_WARN_UNUSED enum ots_err ots_rds_decode_slots(const redisReply *rep,
    const struct ots_rds_node *asked, struct ots_rds_slots *out);

/*
 * A MOVED or ASK error ("MOVED 3999 127.0.0.1:6381"): the slot and the
 * node that serves it now.  OTS_ERR_REDIS for any other reply.
 */
OTS_WARN_UNUSED enum ots_err ots_rds_decode_redirect(const redisReply *rep,
    bool *ask, unsigned *slot, struct ots_rds_node *to);

#endif
