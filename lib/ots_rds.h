/*
 * ots_rds: one Redis connection, owned by one thread (a hiredis context is
 * not thread-safe).  It connects lazily with a timeout, authenticates and
 * selects the database, loads the Lua scripts (SCRIPT LOAD) and runs them
 * with EVALSHA, reloading once on NOSCRIPT.  After any connection error
 * the context is dropped (hiredis: it cannot be reused) and the next call
 * reconnects, so the service recovers by itself when Redis comes back.
 * While Redis is down, calls fail fast with OTS_ERR_REDIS: a failed
 * connect is not retried for OTS_RDS_BACKOFF_MS.
 *
 * With sentinels (docs/OPERATIONS.md, "Redis Sentinel"), each connect
 * asks them in turn for the primary's address (SENTINEL
 * get-master-addr-by-name) and checks with ROLE that it is a primary; a
 * READONLY answer (a demoted primary) drops the connection, so the next
 * call finds the new primary.  No primary: OTS_ERR_REDIS, as when Redis
 * is down.
 *
 * With a cluster (docs/OPERATIONS.md, "Redis Cluster"), it keeps the
 * slot map (CLUSTER SLOTS, read from a seed) and one lazy connection
 * per primary; a command goes to the primary of its key's slot, follows
 * MOVED (and reads the map again) and ASK, and a failed node makes the
 * map be read again before long.  Every key of one script shares a
 * {hash tag}, so each script runs on one node.
 *
 * WARNING: hiredis 0.14's reader has no element cap; talk only to a Redis
 * you trust and bound what you read from each reply.
 */
#ifndef OTS_RDS_H
#define OTS_RDS_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "ots_lua.h"
#include "ots_rds_addr.h"
#include "ots_util.h"

#define OTS_RDS_BACKOFF_MS 200u
/* Hex digits of a script's SHA-1 (SCRIPT LOAD, EVALSHA). */
#define OTS_RDS_SHA_LEN 40
/* Most arguments of one script call (keys and arguments together). */
#define OTS_RDS_ARGS_MAX 512

struct ots_rds;

/* Prepares a connection to the Redis at addr (borrowed, must outlive
 * it), with timeout_ms for connecting and for each command; nothing is
 * connected yet. */
OTS_WARN_UNUSED enum ots_err ots_rds_new(const struct ots_rds_addr *addr,
    unsigned timeout_ms, struct ots_rds **out);

/* Disconnects and frees; accepts NULL. */
void ots_rds_free(struct ots_rds *r);

/*
 * Runs one command given as argc binary-safe arguments, argv[1] its key
 * (which routes it in a cluster; a keyless command goes through
 * ots_rds_command_on).  *reply (owned by the caller, freeReplyObject) is
 * never an error reply: an error reply is logged and returned as
 * OTS_ERR_REDIS.  OTS_ERR_REDIS too when Redis cannot be reached;
 * OTS_ERR_TIMEOUT when it did not answer in time.
 */
OTS_WARN_UNUSED enum ots_err ots_rds_command(struct ots_rds *r, int argc,
    const char **argv, const size_t *argvlen, redisReply **reply);

/* How many primaries a keyless walk (SCAN) must visit: 1, or a
 * cluster's, as its map says now. */
OTS_WARN_UNUSED enum ots_err ots_rds_primaries(struct ots_rds *r,
    unsigned *n);

/* Runs a keyless command on primary i (< ots_rds_primaries; 0 for one
 * Redis); results as ots_rds_command, OTS_ERR_INVAL for an i the map no
 * longer has. */
OTS_WARN_UNUSED enum ots_err ots_rds_command_on(struct ots_rds *r,
    unsigned i, int argc, const char **argv, const size_t *argvlen,
    redisReply **reply);

/*
 * Runs script s with EVALSHA: argv holds nkeys (at least 1) keys, then
 * the arguments (argc in all); the first key routes it in a cluster.  Same results as ots_rds_command.
 */
OTS_WARN_UNUSED enum ots_err ots_rds_eval(struct ots_rds *r,
    enum ots_lua_script s, int nkeys, int argc, const char **argv,
    const size_t *argvlen, redisReply **reply);

/*
 * After a write the caller is about to promise (OTS_REDIS_WAIT_REPLICAS):
 * WAITs until that many replicas have every write of this connection,
 * at most the address's ra_wait_ms.  Never fails the caller: the
 * primary has answered already, so fewer replicas (or a connection lost
 * meanwhile) is logged, and the caller answers as it would have.
 */
void ots_rds_wait_replicas(struct ots_rds *r);

/* PING within the command timeout; in a cluster, every primary. */
OTS_WARN_UNUSED enum ots_err ots_rds_ping(struct ots_rds *r);

/*
 * The decoders of Redis' own replies, split out so that tests and the
 * fuzzer (tests/fuzz/fuzz_reply.c) can run them on any reply tree; they
 * borrow rep and trust nothing in it.
 */
/* A SCRIPT LOAD reply: 40 hex digits into out (NUL-terminated), else
 * OTS_ERR_REDIS and out "". */
OTS_WARN_UNUSED enum ots_err ots_rds_decode_sha(const redisReply *rep,
    char out[OTS_RDS_SHA_LEN + 1]);
/* Is rep the NOSCRIPT error (the script cache lost our scripts)? */
bool ots_rds_is_noscript(const redisReply *rep);
/* Is rep an error that says this Redis is no primary (READONLY, a
 * demoted primary) or not ready (LOADING, MASTERDOWN, CLUSTERDOWN)? */
bool ots_rds_is_not_primary(const redisReply *rep);
/* A SENTINEL get-master-addr-by-name reply: host and port into out, else
 * OTS_ERR_REDIS (nil: the sentinel knows no such primary). */
OTS_WARN_UNUSED enum ots_err ots_rds_decode_master_addr(
    const redisReply *rep, struct ots_rds_node *out);
/* A ROLE reply: true when its first element is "master". */
bool ots_rds_decode_is_primary(const redisReply *rep);

#endif
