/*
 * ots_rl: what each client may use, shared by every process and host
 * and timed by Redis' own clock: a sliding window of requests per route
 * class (lib/lua/ratelimit.lua), and a cap on heavy requests in flight
 * (lib/lua/busy.lua).  Every key expires by itself once idle.  The keys
 * name client addresses: give these calls the limits Redis
 * (OTS_REDIS_LIMITS), which keeps nothing on disk (docs/SECURITY.md).
 */
#ifndef OTS_RL_H
#define OTS_RL_H

#include <stdbool.h>
#include <stdint.h>

#include "ots_util.h"

/* The Redis calls take the limits Redis' connection (ots_rds.h); the
 * types and the parser need no Redis, so the config can use them. */
struct ots_rds;

/* Route classes that are rate limited. */
enum ots_rl_class {
	OTS_RL_UPLOAD = 0,	/* PUT and POST /api/v1/files */
	OTS_RL_CLAIM,		/* POST /d/{id} */
	OTS_RL_META,		/* GET /d/{id}, /api/v1/files/{id}, owner routes */
	OTS_RL_ADMIN_FAIL,	/* wrong admin tokens */
	OTS_RL_CLASSES
};

/* A limit: at most rl_count requests per rl_window_ms; 0 means off. */
struct ots_rl_limit {
	uint64_t rl_count;
	uint64_t rl_window_ms;
};


/* "upload", "claim", "meta". */
const char *ots_rl_class_name(enum ots_rl_class c);

/*
 * Parses "COUNT/DURATION" ("30/1m", "5/10s", "100/1h") or "off".
 * COUNT is 1..1000000, DURATION 1 s..1 day.  OTS_ERR_INVAL otherwise.
 */
OTS_WARN_UNUSED enum ots_err ots_rl_parse(const char *s,
    struct ots_rl_limit *out);

/*
 * Counts one request of client in class c against lim.  *allowed says
 * whether it may go on; when not, *retry_ms is how long until the window
 * has room again.  member must be unique per request (a request id).
 * A limit that is off allows everything without asking Redis.
 */
OTS_WARN_UNUSED enum ots_err ots_rl_check(struct ots_rds *r,
    enum ots_rl_class c, const char *client, const struct ots_rl_limit *lim,
    const char *member, bool *allowed, uint64_t *retry_ms);

/* The same answer, counting nothing: is the window already full? */
OTS_WARN_UNUSED enum ots_err ots_rl_peek(struct ots_rds *r,
    enum ots_rl_class c, const char *client, const struct ots_rl_limit *lim,
    bool *allowed, uint64_t *retry_ms);

/*
 * Heavy requests (transfers, password checks) in flight per client.
 * take: *ok false when client already has cap in flight.  token is unique
 * per request; its lease lapses after lease_ms unless renewed (a worker
 * that dies holding one frees it by itself).
 */
OTS_WARN_UNUSED enum ots_err ots_rl_busy_take(struct ots_rds *r,
    const char *client, unsigned cap, const char *token, uint64_t lease_ms,
    bool *ok);
OTS_WARN_UNUSED enum ots_err ots_rl_busy_renew(struct ots_rds *r,
    const char *client, const char *token, uint64_t lease_ms);
OTS_WARN_UNUSED enum ots_err ots_rl_busy_give(struct ots_rds *r,
    const char *client, const char *token);

#endif
