/*
 * ots_rl: rate limiting per client address and route class, as a sliding
 * window in a Redis sorted set (lib/lua/ratelimit.lua): one script per
 * check, shared by every process and host, timed by Redis' own clock.
 * Each window's key expires by itself once idle.
 */
#ifndef OTS_RL_H
#define OTS_RL_H

#include <stdbool.h>
#include <stdint.h>

#include "ots_cfg.h"
#include "ots_rds.h"
#include "ots_util.h"

/* enum ots_rl_class and struct ots_rl_limit live in ots_cfg.h. */

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

#endif
