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
timeout_tv(const struct ots_rds *r)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(r->r_timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(r->r_timeout_ms % 1000) * 1000;
	return tv;
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

static enum ots_err
connect_now(struct ots_rds *r)
{
	const struct ots_rds_addr *c = r->r_addr;
	struct timeval tv = timeout_tv(r);
	char db[16];
	enum ots_err e;

	if (c->ra_path[0] != '\0')
		r->r_ctx = redisConnectUnixWithTimeout(c->ra_path, tv);
	else
		r->r_ctx = redisConnectWithTimeout(c->ra_host,
		    (int)c->ra_port, tv);
	if (r->r_ctx == NULL)
		return OTS_ERR_NOMEM;
	if (r->r_ctx->err != 0)
		return context_failed(r, "cannot connect to redis");
	if (redisSetTimeout(r->r_ctx, tv) != REDIS_OK)
		return context_failed(r, "cannot set redis timeout");
	if (c->ra_password[0] != '\0') {
		const char *argv[2] = { "AUTH", c->ra_password };

		e = simple_ok(r, 2, argv, "AUTH");
		if (e != OTS_OK)
			return e;
	}
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
