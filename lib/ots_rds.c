#include "ots_rds.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "ots_alloc.h"
#include "ots_log.h"
#include "ots_lua.h"
#include "ots_banned.h"

#define MOD "rds"
#define SHA_LEN OTS_RDS_SHA_LEN
/* EVALSHA sha numkeys + keys and arguments */
#define ARGS_MAX (3 + OTS_RDS_ARGS_MAX)

struct ots_rds {
	const struct ots_rds_addr *r_addr;
	unsigned r_timeout_ms;
	redisContext *r_ctx;		/* NULL when disconnected */
	uint64_t r_retry_at;		/* ots_mono_ms() before which no
					 * connect is tried */
	char r_sha[OTS_SCRIPT_COUNT][SHA_LEN + 1];
	unsigned r_sentinel;		/* the one to ask first */
};


enum ots_err
ots_rds_new(const struct ots_rds_addr *addr, unsigned timeout_ms,
    struct ots_rds **out)
{
	struct ots_rds *r;

	r = ots_calloc(1, sizeof(*r));
	if (r == NULL)
		return OTS_ERR_NOMEM;
	r->r_addr = addr;
	r->r_timeout_ms = timeout_ms;
	*out = r;
	return OTS_OK;
}

static void
disconnect(struct ots_rds *r)
{
	if (r->r_ctx != NULL) {
		redisFree(r->r_ctx);
		r->r_ctx = NULL;
	}
}

void
ots_rds_free(struct ots_rds *r)
{
	if (r == NULL)
		return;
	disconnect(r);
	ots_free(r);
}

static struct timeval
ms_tv(unsigned ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return tv;
}

static struct timeval
timeout_tv(const struct ots_rds *r)
{
	return ms_tv(r->r_timeout_ms);
}

/* Maps a failed context to an error and drops it. */
static enum ots_err
context_failed(struct ots_rds *r, const char *what)
{
	enum ots_err e = OTS_ERR_REDIS;

	if (r->r_ctx != NULL) {
		if (r->r_ctx->err == REDIS_ERR_IO && (errno == EAGAIN ||
		    errno == ETIMEDOUT))
			e = OTS_ERR_TIMEOUT;
		ots_log_warn(MOD, "%s: %s", what, r->r_ctx->errstr);
	}
	disconnect(r);
	return e;
}

/*
 * Runs a command on a connected context without reconnecting.  Returns
 * the reply, or NULL with *e set after dropping the context.
 */
static redisReply *
raw_command(struct ots_rds *r, int argc, const char **argv,
    const size_t *argvlen, enum ots_err *e)
{
	redisReply *rep;

	rep = redisCommandArgv(r->r_ctx, argc, argv, argvlen);
	if (rep == NULL)
		*e = context_failed(r, "command failed");
	return rep;
}

static enum ots_err
simple_ok(struct ots_rds *r, int argc, const char **argv, const char *what)
{
	redisReply *rep;
	enum ots_err e = OTS_ERR_REDIS;

	rep = raw_command(r, argc, argv, NULL, &e);
	if (rep == NULL)
		return e;
	if (rep->type == REDIS_REPLY_ERROR) {
		ots_log_err(MOD, "%s failed: %.*s", what, (int)rep->len,
		    rep->str);
		freeReplyObject(rep);
		disconnect(r);
		return OTS_ERR_REDIS;
	}
	freeReplyObject(rep);
	return OTS_OK;
}

static enum ots_err
load_scripts(struct ots_rds *r)
{
	int i;

	for (i = 0; i < OTS_SCRIPT_COUNT; i++) {
		const struct ots_lua *l = &ots_lua_scripts[i];
		const char *argv[3] = { "SCRIPT", "LOAD", l->l_src };
		size_t argvlen[3] = { 6, 4, l->l_len };
		redisReply *rep;
		enum ots_err e = OTS_ERR_REDIS;

		rep = raw_command(r, 3, argv, argvlen, &e);
		if (rep == NULL)
			return e;
		if (ots_rds_decode_sha(rep, r->r_sha[i]) != OTS_OK) {
			ots_log_err(MOD, "SCRIPT LOAD failed for %s.lua",
			    l->l_name);
			freeReplyObject(rep);
			disconnect(r);
			return OTS_ERR_REDIS;
		}
		freeReplyObject(rep);
	}
	return OTS_OK;
}

/* Opens r_ctx to a Unix socket (path) or host:port, and logs in; what
 * names the peer in the log. */
static enum ots_err
open_context(struct ots_rds *r, const char *what, const char *path,
    const char *host, unsigned port, const char *password)
{
	struct timeval tv = timeout_tv(r);
	char msg[64];

	if (path != NULL)
		r->r_ctx = redisConnectUnixWithTimeout(path, tv);
	else
		r->r_ctx = redisConnectWithTimeout(host, (int)port, tv);
	if (r->r_ctx == NULL)
		return OTS_ERR_NOMEM;
	if (ots_str_fmt(msg, sizeof(msg), "cannot connect to %s", what) !=
	    OTS_OK)
		msg[0] = '\0';
	if (r->r_ctx->err != 0)
		return context_failed(r, msg);
	if (redisSetTimeout(r->r_ctx, tv) != REDIS_OK)
		return context_failed(r, msg);
	if (password[0] != '\0') {
		const char *argv[2] = { "AUTH", password };

		return simple_ok(r, 2, argv, "AUTH");
	}
	return OTS_OK;
}

/* Asks sentinel s for the primary's address; leaves r disconnected. */
static enum ots_err
ask_sentinel(struct ots_rds *r, const struct ots_rds_node *s,
    struct ots_rds_node *primary)
{
	const char *argv[3] = { "SENTINEL", "get-master-addr-by-name",
	    r->r_addr->ra_master };
	redisReply *rep;
	enum ots_err e;

	e = open_context(r, "a sentinel", NULL, s->rn_host, s->rn_port,
	    r->r_addr->ra_sentinel_password);
	if (e != OTS_OK) {
		disconnect(r);
		return e;
	}
	rep = raw_command(r, 3, argv, NULL, &e);
	if (rep == NULL)
		return e;
	e = ots_rds_decode_master_addr(rep, primary);
	freeReplyObject(rep);
	disconnect(r);
	return e;
}

/* A sentinel's answer can be stale during a failover: ask the node. */
static enum ots_err
check_primary(struct ots_rds *r)
{
	const char *argv[1] = { "ROLE" };
	redisReply *rep;
	enum ots_err e = OTS_ERR_REDIS;
	bool primary;

	rep = raw_command(r, 1, argv, NULL, &e);
	if (rep == NULL)
		return e;
	primary = ots_rds_decode_is_primary(rep);
	freeReplyObject(rep);
	if (!primary) {
		ots_log_warn(MOD, "the redis a sentinel named is not a "
		    "primary");
		disconnect(r);
		return OTS_ERR_REDIS;
	}
	return OTS_OK;
}

/*
 * Connects to the primary that a sentinel names and ROLE confirms,
 * asking each sentinel in turn, the one that answered last time first:
 * during a failover one may still name the old primary while another
 * names the new one.
 */
static enum ots_err
connect_primary(struct ots_rds *r)
{
	const struct ots_rds_addr *c = r->r_addr;
	struct ots_rds_node primary;
	unsigned i, k;

	for (i = 0; i < c->ra_nsentinels; i++) {
		k = (r->r_sentinel + i) % c->ra_nsentinels;
		if (ask_sentinel(r, &c->ra_sentinels[k], &primary) != OTS_OK)
			continue;
		if (open_context(r, "redis", NULL, primary.rn_host,
		    primary.rn_port, c->ra_password) == OTS_OK &&
		    check_primary(r) == OTS_OK) {
			r->r_sentinel = k;
			return OTS_OK;
		}
		disconnect(r);
	}
	ots_log_warn(MOD, "no sentinel named a primary that answers as one "
	    "for %s", c->ra_master);
	return OTS_ERR_REDIS;
}

static enum ots_err
connect_now(struct ots_rds *r)
{
	const struct ots_rds_addr *c = r->r_addr;
	char db[16];
	enum ots_err e;

	if (c->ra_nsentinels > 0)
		e = connect_primary(r);
	else
		e = open_context(r, "redis", c->ra_path[0] != '\0' ?
		    c->ra_path : NULL, c->ra_host, c->ra_port, c->ra_password);
	if (e != OTS_OK)
		return e;
	if (c->ra_db != 0) {
		const char *argv[2] = { "SELECT", db };

		if (ots_str_fmt(db, sizeof(db), "%u", c->ra_db) !=
		    OTS_OK)
			return OTS_ERR_INVAL;
		e = simple_ok(r, 2, argv, "SELECT");
		if (e != OTS_OK)
			return e;
	}
	return load_scripts(r);
}

/*
 * Is the idle connection still usable?  Redis never speaks unasked, so
 * anything readable now is the EOF of a connection it closed (a restart,
 * a timeout): reconnect before sending rather than fail this request.
 */
static bool
connection_dead(const struct ots_rds *r)
{
	struct pollfd pfd = { r->r_ctx->fd, POLLIN, 0 };

	return poll(&pfd, 1, 0) != 0;
}

/* Connects unless connected or backing off after a failure. */
static enum ots_err
ensure_connected(struct ots_rds *r)
{
	uint64_t now;
	enum ots_err e;

	if (r->r_ctx != NULL && !connection_dead(r))
		return OTS_OK;
	disconnect(r);
	now = ots_mono_ms();
	if (now < r->r_retry_at)
		return OTS_ERR_REDIS;
	e = connect_now(r);
	if (e != OTS_OK) {
		disconnect(r);
		r->r_retry_at = ots_mono_ms() + OTS_RDS_BACKOFF_MS;
		return e;
	}
	r->r_retry_at = 0;
	return OTS_OK;
}

static enum ots_err
checked_command(struct ots_rds *r, int argc, const char **argv,
    const size_t *argvlen, redisReply **reply, int *noscript)
{
	redisReply *rep;
	enum ots_err e;

	*reply = NULL;
	e = ensure_connected(r);
	if (e != OTS_OK)
		return e;
	rep = raw_command(r, argc, argv, argvlen, &e);
	if (rep == NULL)
		return e;
	if (rep->type == REDIS_REPLY_ERROR) {
		if (noscript != NULL && ots_rds_is_noscript(rep)) {
			*noscript = 1;
		} else if (ots_rds_is_not_primary(rep)) {
			/* A failover demoted it: find the new primary on the
			 * next call. */
			ots_log_warn(MOD, "redis is not a primary now: %.*s",
			    rep->len > 100 ? 100 : (int)rep->len, rep->str);
			freeReplyObject(rep);
			disconnect(r);
			return OTS_ERR_REDIS;
		} else {
			ots_log_err(MOD, "redis error: %.*s",
			    rep->len > 200 ? 200 : (int)rep->len, rep->str);
		}
		freeReplyObject(rep);
		return OTS_ERR_REDIS;
	}
	*reply = rep;
	return OTS_OK;
}

enum ots_err
ots_rds_command(struct ots_rds *r, int argc, const char **argv,
    const size_t *argvlen, redisReply **reply)
{
	return checked_command(r, argc, argv, argvlen, reply, NULL);
}

enum ots_err
ots_rds_eval(struct ots_rds *r, enum ots_lua_script s, int nkeys, int argc,
    const char **argv, const size_t *argvlen, redisReply **reply)
{
	const char *av[ARGS_MAX];
	size_t avlen[ARGS_MAX];
	char nk[12];
	int attempt, i;
	enum ots_err e = OTS_ERR_REDIS;

	OTS_ASSERT(s >= 0 && s < OTS_SCRIPT_COUNT);
	OTS_ASSERT(argc >= nkeys && argc + 3 <= ARGS_MAX);
	if (ots_str_fmt(nk, sizeof(nk), "%d", nkeys) != OTS_OK)
		return OTS_ERR_INVAL;
	for (attempt = 0; attempt < 2; attempt++) {
		int noscript = 0;

		e = ensure_connected(r);
		if (e != OTS_OK)
			return e;
		av[0] = "EVALSHA";
		avlen[0] = 7;
		av[1] = r->r_sha[s];
		avlen[1] = SHA_LEN;
		av[2] = nk;
		avlen[2] = strlen(nk);
		for (i = 0; i < argc; i++) {
			av[3 + i] = argv[i];
			avlen[3 + i] = argvlen != NULL ? argvlen[i]
			    : strlen(argv[i]);
		}
		e = checked_command(r, argc + 3, av, avlen, reply, &noscript);
		if (e == OTS_OK || !noscript)
			return e;
		/* SCRIPT FLUSH or a failover lost the scripts: reload. */
		ots_log_warn(MOD, "NOSCRIPT: reloading scripts");
		e = load_scripts(r);
		if (e != OTS_OK)
			return e;
	}
	return e;
}

enum ots_err
ots_rds_decode_sha(const redisReply *rep, char out[OTS_RDS_SHA_LEN + 1])
{
	size_t i;

	out[0] = '\0';
	if (rep->type != REDIS_REPLY_STRING || rep->len != SHA_LEN)
		return OTS_ERR_REDIS;
	/* It goes back into every EVALSHA: hex only, nothing else. */
	for (i = 0; i < SHA_LEN; i++) {
		if (ots_hexval(rep->str[i]) < 0)
			return OTS_ERR_REDIS;
	}
	memcpy(out, rep->str, SHA_LEN);
	out[SHA_LEN] = '\0';
	return OTS_OK;
}

bool
ots_rds_is_noscript(const redisReply *rep)
{
	return rep->type == REDIS_REPLY_ERROR && rep->len >= 8 &&
	    memcmp(rep->str, "NOSCRIPT", 8) == 0;
}

static bool
error_is(const redisReply *rep, const char *word)
{
	size_t n = strlen(word);

	return rep->type == REDIS_REPLY_ERROR && rep->len >= n &&
	    memcmp(rep->str, word, n) == 0 &&
	    (rep->len == n || rep->str[n] == ' ');
}

bool
ots_rds_is_not_primary(const redisReply *rep)
{
	return error_is(rep, "READONLY") || error_is(rep, "LOADING") ||
	    error_is(rep, "MASTERDOWN");
}

enum ots_err
ots_rds_decode_master_addr(const redisReply *rep, struct ots_rds_node *out)
{
	const redisReply *host, *port;
	uint64_t n = 0;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
		return OTS_ERR_REDIS;
	host = rep->element[0];
	port = rep->element[1];
	if (host == NULL || port == NULL ||
	    host->type != REDIS_REPLY_STRING ||
	    port->type != REDIS_REPLY_STRING || host->len == 0 ||
	    host->len >= sizeof(out->rn_host) ||
	    memchr(host->str, '\0', host->len) != NULL ||
	    ots_parse_u64(port->str, port->len, 1, 65535, &n) != OTS_OK)
		return OTS_ERR_REDIS;
	memcpy(out->rn_host, host->str, host->len);
	out->rn_host[host->len] = '\0';
	out->rn_port = (unsigned)n;
	return OTS_OK;
}

bool
ots_rds_decode_is_primary(const redisReply *rep)
{
	const redisReply *role;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1)
		return false;
	role = rep->element[0];
	return role != NULL && role->type == REDIS_REPLY_STRING &&
	    role->len == 6 && memcmp(role->str, "master", 6) == 0;
}

void
ots_rds_wait_replicas(struct ots_rds *r)
{
	const struct ots_rds_addr *c = r->r_addr;
	char n[16], ms[16];
	const char *argv[3] = { "WAIT", n, ms };
	redisReply *rep;
	enum ots_err e = OTS_ERR_REDIS;
	long long acked = -1;

	if (c->ra_wait_replicas == 0 || r->r_ctx == NULL)
		return;
	if (ots_str_fmt(n, sizeof(n), "%u", c->ra_wait_replicas) != OTS_OK ||
	    ots_str_fmt(ms, sizeof(ms), "%u", c->ra_wait_ms) != OTS_OK)
		return;
	/* WAIT holds the answer back for up to ra_wait_ms: the socket
	 * must wait longer than that. */
	if (redisSetTimeout(r->r_ctx, ms_tv(r->r_timeout_ms + c->ra_wait_ms))
	    != REDIS_OK) {
		(void)context_failed(r, "cannot set redis timeout");
		return;
	}
	rep = raw_command(r, 3, argv, NULL, &e);
	if (rep == NULL)
		return;
	if (rep->type == REDIS_REPLY_INTEGER)
		acked = rep->integer;
	freeReplyObject(rep);
	if (redisSetTimeout(r->r_ctx, timeout_tv(r)) != REDIS_OK) {
		(void)context_failed(r, "cannot set redis timeout");
		return;
	}
	if (acked < (long long)c->ra_wait_replicas)
		ots_log_warn(MOD, "%lld of %u replicas had the write within "
		    "%u ms; answered all the same", acked < 0 ? 0 : acked,
		    c->ra_wait_replicas, c->ra_wait_ms);
}

enum ots_err
ots_rds_ping(struct ots_rds *r)
{
	const char *argv[1] = { "PING" };
	redisReply *rep = NULL;
	enum ots_err e;

	e = ots_rds_command(r, 1, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	freeReplyObject(rep);
	return OTS_OK;
}
