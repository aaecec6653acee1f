/*
 * Redis instances a test starts beside the stack's own (a replica and
 * sentinels, a cluster): on 127.0.0.1, on ports the kernel picked, with
 * their files under STATE/ha, killed with the test.
 */
#ifndef OTS_REDIS_NODES_H
#define OTS_REDIS_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "itest.h"

/* n (at most 16) ports nothing listens on now, all different. */
void free_ports(unsigned *out, int n);

void pause_ms(long ms);

/* STATE/ha/name; STATE/ha itself with name "" (created if missing). */
void ha_path(char *out, size_t max, const char *name);

/* Writes STATE/ha/name from a format. */
void ha_write(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Starts redis-server on config STATE/ha/name, with extra (e.g.
 * "--sentinel") as one more argument unless NULL, logging to
 * name.log beside it. */
pid_t ha_start_redis(const char *name, const char *extra);

/* SIGKILLs and reaps *pid (unless 0), then sets it 0. */
void ha_stop(pid_t *pid);

/* A command on the Redis at 127.0.0.1:port; NULL when it cannot be
 * reached.  The caller frees the reply. */
redisReply *node_cmd(unsigned port, const char *fmt, ...);

/* Is the Redis at port a primary (ROLE)? */
bool node_is_primary(unsigned port);

/* Does the Redis at port hold share id's key? */
bool node_holds_share(unsigned port, const char *id);

/* Does the Redis at port answer INFO replication with
 * master_link_status:up (a replica in sync)? */
bool node_in_sync(unsigned port);

/* "127.0.0.1:P,127.0.0.1:Q": two addresses nothing listens on. */
void dead_addresses(char *out, size_t max);

/* With no Redis the workers can reach: an upload is refused with 503
 * within 3 s, /health/ready says 503, and nothing changed since before
 * (what names the case). */
void assert_refused_without_redis(struct snapshot before, const char *what);

#endif
