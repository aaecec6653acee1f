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
#include "ots_rds_slots.h"
#include "ots_banned.h"

#define MOD "rds"
#define SHA_LEN OTS_RDS_SHA_LEN
/* EVALSHA sha numkeys + keys and arguments */
#define ARGS_MAX (3 + OTS_RDS_ARGS_MAX)

/* One connection to one Redis. */
struct link {
	redisContext *l_ctx;		/* NULL when disconnected */
	uint64_t l_retry_at;		/* ots_mono_ms() before which no
					 * connect is tried */
};

struct ots_rds {
	const struct ots_rds_addr *r_addr;
	unsigned r_timeout_ms;
	struct link r_one;		/* one Redis, or the sentinels' primary */
	struct link *r_last;		/* where the last command ran (WAIT) */
	char r_sha[OTS_SCRIPT_COUNT][SHA_LEN + 1];
	unsigned r_sentinel;		/* the one to ask first */
	/* A cluster's: its map (NULL until read), one link per primary in
	 * it (r_links[i] to r_map->s_nodes[i]), and when to read it again. */
	struct ots_rds_slots *r_map;
	struct link r_links[OTS_RDS_PRIMARIES_MAX];
	uint64_t r_map_at;		/* last read, or tried */
	bool r_map_stale;		/* a redirect or an error: read again */
	unsigned r_seed;		/* the seed to ask first */
};

static bool
is_cluster(const struct ots_rds *r)
{
	return r->r_addr->ra_ncluster > 0;
}

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
disconnect(struct link *l)
{
	if (l->l_ctx != NULL) {
		redisFree(l->l_ctx);
		l->l_ctx = NULL;
	}
}

void
ots_rds_free(struct ots_rds *r)
{
	unsigned i;

	if (r == NULL)
		return;
	disconnect(&r->r_one);
	for (i = 0; i < OTS_RDS_PRIMARIES_MAX; i++)
		disconnect(&r->r_links[i]);
	ots_free(r->r_map);
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
context_failed(struct link *l, const char *what)
{
	enum ots_err e = OTS_ERR_REDIS;

	if (l->l_ctx != NULL) {
		if (l->l_ctx->err == REDIS_ERR_IO && (errno == EAGAIN ||
		    errno == ETIMEDOUT))
			e = OTS_ERR_TIMEOUT;
		ots_log_warn(MOD, "%s: %s", what, l->l_ctx->errstr);
	}
	disconnect(l);
	return e;
}

/*
 * Runs a command on a connected context without reconnecting.  Returns
 * the reply, or NULL with *e set after dropping the context.
 */
static redisReply *
raw_command(struct link *l, int argc, const char **argv,
    const size_t *argvlen, enum ots_err *e)
{
	redisReply *rep;

	rep = redisCommandArgv(l->l_ctx, argc, argv, argvlen);
	if (rep == NULL)
		*e = context_failed(l, "command failed");
	return rep;
}

static enum ots_err
simple_ok(struct link *l, int argc, const char **argv, const char *what)
{
	redisReply *rep;
	enum ots_err e = OTS_ERR_REDIS;

	rep = raw_command(l, argc, argv, NULL, &e);
	if (rep == NULL)
		return e;
	if (rep->type == REDIS_REPLY_ERROR) {
		ots_log_err(MOD, "%s failed: %.*s", what, (int)rep->len,
		    rep->str);
		freeReplyObject(rep);
		disconnect(l);
		return OTS_ERR_REDIS;
	}
	freeReplyObject(rep);
	return OTS_OK;
}

/* Every script into l's Redis; the SHA-1s are the same on every node. */
static enum ots_err
load_scripts(struct ots_rds *r, struct link *l)
{
	int i;

	for (i = 0; i < OTS_SCRIPT_COUNT; i++) {
		const struct ots_lua *lua = &ots_lua_scripts[i];
		const char *argv[3] = { "SCRIPT", "LOAD", lua->l_src };
		size_t argvlen[3] = { 6, 4, lua->l_len };
		redisReply *rep;
		enum ots_err e = OTS_ERR_REDIS;

		rep = raw_command(l, 3, argv, argvlen, &e);
		if (rep == NULL)
			return e;
		if (ots_rds_decode_sha(rep, r->r_sha[i]) != OTS_OK) {
			ots_log_err(MOD, "SCRIPT LOAD failed for %s.lua",
			    lua->l_name);
			freeReplyObject(rep);
			disconnect(l);
			return OTS_ERR_REDIS;
		}
		freeReplyObject(rep);
	}
	return OTS_OK;
}

/* Opens l to a Unix socket (path) or host:port, and logs in; what names
 * the peer in the log. */
static enum ots_err
open_context(const struct ots_rds *r, struct link *l, const char *what,
    const char *path, const char *host, unsigned port, const char *password)
{
	struct timeval tv = timeout_tv(r);
	char msg[64];

	if (path != NULL)
		l->l_ctx = redisConnectUnixWithTimeout(path, tv);
	else
		l->l_ctx = redisConnectWithTimeout(host, (int)port, tv);
	if (l->l_ctx == NULL)
		return OTS_ERR_NOMEM;
	if (ots_str_fmt(msg, sizeof(msg), "cannot connect to %s", what) !=
	    OTS_OK)
		msg[0] = '\0';
	if (l->l_ctx->err != 0)
		return context_failed(l, msg);
	if (redisSetTimeout(l->l_ctx, tv) != REDIS_OK)
		return context_failed(l, "cannot set redis timeout");
	if (password[0] != '\0') {
		const char *argv[2] = { "AUTH", password };

		return simple_ok(l, 2, argv, "AUTH");
	}
	return OTS_OK;
}

/* Asks sentinel s for the primary's address. */
static enum ots_err
ask_sentinel(const struct ots_rds *r, const struct ots_rds_node *s,
    struct ots_rds_node *primary)
{
	const char *argv[3] = { "SENTINEL", "get-master-addr-by-name",
	    r->r_addr->ra_master };
	struct link l = { NULL, 0 };
	redisReply *rep;
	enum ots_err e;

	e = open_context(r, &l, "a sentinel", NULL, s->rn_host, s->rn_port,
	    r->r_addr->ra_sentinel_password);
	if (e != OTS_OK) {
		disconnect(&l);
		return e;
	}
	rep = raw_command(&l, 3, argv, NULL, &e);
	if (rep == NULL)
		return e;
	e = ots_rds_decode_master_addr(rep, primary);
	freeReplyObject(rep);
	disconnect(&l);
	return e;
}

/* A sentinel's answer can be stale during a failover: ask the node. */
static enum ots_err
check_primary(struct link *l)
{
	const char *argv[1] = { "ROLE" };
	redisReply *rep;
	enum ots_err e = OTS_ERR_REDIS;
	bool primary;

	rep = raw_command(l, 1, argv, NULL, &e);
	if (rep == NULL)
		return e;
	primary = ots_rds_decode_is_primary(rep);
	freeReplyObject(rep);
	if (!primary) {
		ots_log_warn(MOD, "the redis a sentinel named is not a "
		    "primary");
		disconnect(l);
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
connect_primary(struct ots_rds *r, struct link *l)
{
	const struct ots_rds_addr *c = r->r_addr;
	struct ots_rds_node primary;
	unsigned i, k;

	for (i = 0; i < c->ra_nsentinels; i++) {
		k = (r->r_sentinel + i) % c->ra_nsentinels;
		if (ask_sentinel(r, &c->ra_sentinels[k], &primary) != OTS_OK)
			continue;
		if (open_context(r, l, "redis", NULL, primary.rn_host,
		    primary.rn_port, c->ra_password) == OTS_OK &&
		    check_primary(l) == OTS_OK) {
			r->r_sentinel = k;
			return OTS_OK;
		}
		disconnect(l);
	}
	ots_log_warn(MOD, "no sentinel named a primary that answers as one "
	    "for %s", c->ra_master);
	return OTS_ERR_REDIS;
}

/* Connects l: r_one to the one Redis or the sentinels' primary, a
 * cluster link to its primary. */
static enum ots_err
connect_now(struct ots_rds *r, struct link *l)
{
	const struct ots_rds_addr *c = r->r_addr;
	char db[16];
	enum ots_err e;

	if (l != &r->r_one) {
		const struct ots_rds_node *n =
		    &r->r_map->s_nodes[l - r->r_links];

		e = open_context(r, l, "a cluster node", NULL, n->rn_host,
		    n->rn_port, c->ra_password);
	} else if (c->ra_nsentinels > 0) {
		e = connect_primary(r, l);
	} else {
		e = open_context(r, l, "redis", c->ra_path[0] != '\0' ?
		    c->ra_path : NULL, c->ra_host, c->ra_port, c->ra_password);
	}
	if (e != OTS_OK)
		return e;
	/* A cluster has database 0 only (the config allows no other). */
	if (c->ra_db != 0) {
		const char *argv[2] = { "SELECT", db };

		if (ots_str_fmt(db, sizeof(db), "%u", c->ra_db) !=
		    OTS_OK)
			return OTS_ERR_INVAL;
		e = simple_ok(l, 2, argv, "SELECT");
		if (e != OTS_OK)
			return e;
	}
	return load_scripts(r, l);
}

/*
 * Is the idle connection still usable?  Redis never speaks unasked, so
 * anything readable now is the EOF of a connection it closed (a restart,
 * a timeout): reconnect before sending rather than fail this request.
 */
static bool
connection_dead(const struct link *l)
{
	struct pollfd pfd = { l->l_ctx->fd, POLLIN, 0 };

	return poll(&pfd, 1, 0) != 0;
}

/* Connects l unless connected or backing off after a failure. */
static enum ots_err
ensure_connected(struct ots_rds *r, struct link *l)
{
	uint64_t now;
	enum ots_err e;

	if (l->l_ctx != NULL && !connection_dead(l))
		return OTS_OK;
	disconnect(l);
	now = ots_mono_ms();
	if (now < l->l_retry_at)
		return OTS_ERR_REDIS;
	e = connect_now(r, l);
	if (e != OTS_OK) {
		disconnect(l);
		l->l_retry_at = ots_mono_ms() + OTS_RDS_BACKOFF_MS;
		return e;
	}
	l->l_retry_at = 0;
	return OTS_OK;
}

/*
 * CLUSTER SLOTS from node n (on link l when connected, else on a
 * connection of its own) into map.
 */
static enum ots_err
slots_from(struct ots_rds *r, const struct ots_rds_node *n, struct link *l,
    struct ots_rds_slots *map)
{
	const char *argv[2] = { "CLUSTER", "SLOTS" };
	struct link own = { NULL, 0 };
	redisReply *rep;
	enum ots_err e = OTS_OK;

	if (l == NULL) {
		l = &own;
		e = open_context(r, l, "a cluster node", NULL, n->rn_host,
		    n->rn_port, r->r_addr->ra_password);
	}
	if (e == OTS_OK) {
		rep = raw_command(l, 2, argv, NULL, &e);
		if (rep != NULL) {
			e = ots_rds_decode_slots(rep, n, map);
			if (e != OTS_OK)
				ots_log_warn(MOD, "a cluster node answered "
				    "CLUSTER SLOTS with something else");
			freeReplyObject(rep);
		}
	}
	disconnect(&own);
	return e;
}

/* Takes map as r's: links to primaries still in it are kept, the
 * others closed. */
static void
adopt_map(struct ots_rds *r, struct ots_rds_slots *map)
{
	struct link kept[OTS_RDS_PRIMARIES_MAX];
	unsigned i;

	memset(kept, 0, sizeof(kept));
	for (i = 0; r->r_map != NULL && i < r->r_map->s_nnodes; i++) {
		const struct ots_rds_node *n = &r->r_map->s_nodes[i];
		unsigned j;

		for (j = 0; j < map->s_nnodes; j++) {
			if (map->s_nodes[j].rn_port == n->rn_port &&
			    strcmp(map->s_nodes[j].rn_host, n->rn_host) == 0)
				break;
		}
		if (j < map->s_nnodes && kept[j].l_ctx == NULL) {
			kept[j] = r->r_links[i];
			r->r_links[i].l_ctx = NULL;
		}
		disconnect(&r->r_links[i]);
	}
	memcpy(r->r_links, kept, sizeof(kept));
	ots_free(r->r_map);
	r->r_map = map;
	r->r_last = NULL;
	r->r_map_stale = false;
}

/*
 * Reads the slot map again: from a primary already connected (it is up),
 * else from each seed in turn, the one that answered last first.
 */
static enum ots_err
read_map(struct ots_rds *r)
{
	const struct ots_rds_addr *c = r->r_addr;
	struct ots_rds_slots *map;
	unsigned i, k;

	map = ots_malloc(sizeof(*map));
	if (map == NULL)
		return OTS_ERR_NOMEM;
	r->r_map_at = ots_mono_ms();
	for (i = 0; r->r_map != NULL && i < r->r_map->s_nnodes; i++) {
		struct link *l = &r->r_links[i];

		if (l->l_ctx != NULL && !connection_dead(l) &&
		    slots_from(r, &r->r_map->s_nodes[i], l, map) == OTS_OK) {
			adopt_map(r, map);
			return OTS_OK;
		}
	}
	for (i = 0; i < c->ra_ncluster; i++) {
		k = (r->r_seed + i) % c->ra_ncluster;
		if (slots_from(r, &c->ra_cluster[k], NULL, map) == OTS_OK) {
			r->r_seed = k;
			adopt_map(r, map);
			return OTS_OK;
		}
	}
	ots_free(map);
	ots_log_warn(MOD, "no cluster node answered CLUSTER SLOTS");
	return OTS_ERR_REDIS;
}

/* A map to route by: read when there is none, read again when a
 * redirect or an error made it stale (at most once per
 * OTS_RDS_BACKOFF_MS; the old one serves meanwhile). */
static enum ots_err
map_ready(struct ots_rds *r)
{
	uint64_t now = ots_mono_ms();
	enum ots_err e;

	if (r->r_map != NULL && !r->r_map_stale)
		return OTS_OK;
	if (r->r_map_at != 0 && now < r->r_map_at + OTS_RDS_BACKOFF_MS)
		return r->r_map != NULL ? OTS_OK : OTS_ERR_REDIS;
	e = read_map(r);
	return r->r_map != NULL ? OTS_OK : e;
}

/*
 * Sends argv on l (connecting it first): *rep is the reply, error
 * replies included, or NULL with an error.
 */
static enum ots_err
send_on(struct ots_rds *r, struct link *l, int argc, const char **argv,
    const size_t *argvlen, redisReply **rep)
{
	enum ots_err e;

	*rep = NULL;
	e = ensure_connected(r, l);
	if (e != OTS_OK)
		return e;
	r->r_last = l;
	*rep = raw_command(l, argc, argv, argvlen, &e);
	return *rep != NULL ? OTS_OK : e;
}

/* Redirects one command may follow: a slot moving while it is asked,
 * and once more. */
#define REDIRECTS_MAX 5

/*
 * The primary of slot is not reachable: read the map now (once per
 * command) and say whether another primary serves the slot, in *target.
 * Nothing was sent, so the caller may try it there: a replica promoted
 * after a failover is found at once, not one 503 per thread later.
 */
static bool
owner_moved(struct ots_rds *r, unsigned slot, int *target)
{
	struct ots_rds_node was = r->r_map->s_nodes[*target];
	const struct ots_rds_node *n;
	unsigned i;
	int now;

	r->r_map_stale = true;
	/* At once when a connected primary can tell (no new connection);
	 * else within the backoff, like any stale map. */
	for (i = 0; i < r->r_map->s_nnodes; i++) {
		if ((int)i != *target && r->r_links[i].l_ctx != NULL) {
			r->r_map_at = 0;
			break;
		}
	}
	if (map_ready(r) != OTS_OK)
		return false;
	/* The new map numbers its nodes afresh: compare addresses. */
	now = (int)r->r_map->s_owner[slot] - 1;
	if (now < 0)
		return false;
	n = &r->r_map->s_nodes[now];
	if (n->rn_port == was.rn_port && strcmp(n->rn_host, was.rn_host) == 0)
		return false;
	*target = now;
	return true;
}

/*
 * Sends argv to the primary that serves slot, following MOVED (the map
 * is updated, and read again soon) and ASK (once, after ASKING, the map
 * unchanged).  *rep as send_on.
 */
static enum ots_err
cluster_send(struct ots_rds *r, unsigned slot, int argc, const char **argv,
    const size_t *argvlen, redisReply **rep)
{
	const char *asking[1] = { "ASKING" };
	struct ots_rds_node to;
	struct link *l;
	unsigned moved;
	int hop, target = -1, n;
	bool ask = false, reread = false;
	enum ots_err e;

	*rep = NULL;
	for (hop = 0; hop < REDIRECTS_MAX; hop++) {
		if (!ask) {
			if ((e = map_ready(r)) != OTS_OK)
				return e;
			target = (int)r->r_map->s_owner[slot] - 1;
			if (target < 0) {
				ots_log_warn(MOD, "no cluster primary serves "
				    "slot %u", slot);
				r->r_map_stale = true;
				return OTS_ERR_REDIS;
			}
		}
		l = &r->r_links[target];
		if ((e = ensure_connected(r, l)) != OTS_OK) {
			if (!ask && !reread) {
				reread = true;
				if (owner_moved(r, slot, &target))
					continue;
			}
			r->r_map_stale = true;
			return e;
		}
		if (ask && (e = simple_ok(l, 1, asking, "ASKING")) != OTS_OK)
			return e;
		e = send_on(r, l, argc, argv, argvlen, rep);
		if (e != OTS_OK) {
			/* The node may have failed over: read the map soon.
			 * Not again now: the command may have run. */
			r->r_map_stale = true;
			return e;
		}
		if (ots_rds_decode_redirect(*rep, &ask, &moved, &to) !=
		    OTS_OK)
			return OTS_OK;
		freeReplyObject(*rep);
		*rep = NULL;
		n = ots_rds_slots_node(r->r_map, to.rn_host, to.rn_port);
		if (n < 0) {
			ots_log_err(MOD, "redirected to more cluster nodes "
			    "than %u", OTS_RDS_PRIMARIES_MAX);
			return OTS_ERR_REDIS;
		}
		if (ask) {
			target = n;
		} else {
			r->r_map->s_owner[moved] = (uint8_t)(n + 1);
			r->r_map_stale = true;
		}
	}
	ots_log_warn(MOD, "slot %u still redirected after %d hops", slot,
	    REDIRECTS_MAX);
	return OTS_ERR_REDIS;
}

/*
 * Sends argv where it belongs: to the one Redis, or to the cluster
 * primary of slot.  Then sorts the reply: *reply is never an error
 * reply; NOSCRIPT sets *noscript (when asked for) and leaves r_last on
 * the link that lost the scripts.
 */
static enum ots_err
routed_command(struct ots_rds *r, unsigned slot, int argc, const char **argv,
    const size_t *argvlen, redisReply **reply, int *noscript)
{
	redisReply *rep = NULL;
	enum ots_err e;

	*reply = NULL;
	if (is_cluster(r))
		e = cluster_send(r, slot, argc, argv, argvlen, &rep);
	else
		e = send_on(r, &r->r_one, argc, argv, argvlen, &rep);
	if (e != OTS_OK)
		return e;
	if (rep->type == REDIS_REPLY_ERROR) {
		if (noscript != NULL && ots_rds_is_noscript(rep)) {
			*noscript = 1;
		} else if (ots_rds_is_not_primary(rep)) {
			/* A failover demoted it: find the new primary on the
			 * next call. */
			ots_log_warn(MOD, "redis is not a primary now: %.*s",
			    rep->len > 100 ? 100 : (int)rep->len, rep->str);
			disconnect(r->r_last);
			r->r_map_stale = true;
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
	unsigned slot;

	OTS_ASSERT(argc >= 2);
	slot = ots_rds_key_slot(argv[1], argvlen != NULL ? argvlen[1] :
	    strlen(argv[1]));
	return routed_command(r, slot, argc, argv, argvlen, reply, NULL);
}

enum ots_err
ots_rds_eval(struct ots_rds *r, enum ots_lua_script s, int nkeys, int argc,
    const char **argv, const size_t *argvlen, redisReply **reply)
{
	const char *av[ARGS_MAX];
	size_t avlen[ARGS_MAX];
	char nk[12];
	int attempt, i;
	unsigned slot;
	enum ots_err e = OTS_ERR_REDIS;

	OTS_ASSERT(s >= 0 && s < OTS_SCRIPT_COUNT);
	OTS_ASSERT(nkeys >= 1 && argc >= nkeys && argc + 3 <= ARGS_MAX);
	if (ots_str_fmt(nk, sizeof(nk), "%d", nkeys) != OTS_OK)
		return OTS_ERR_INVAL;
	av[0] = "EVALSHA";
	avlen[0] = 7;
	av[2] = nk;
	avlen[2] = strlen(nk);
	for (i = 0; i < argc; i++) {
		av[3 + i] = argv[i];
		avlen[3 + i] = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
	}
	/* Every key of a script shares one {hash tag}: the first routes.
	 * av[1] points into r_sha, which the connect (inside
	 * routed_command) fills before anything is sent. */
	slot = ots_rds_key_slot(av[3], avlen[3]);
	for (attempt = 0; attempt < 2; attempt++) {
		int noscript = 0;

		av[1] = r->r_sha[s];
		avlen[1] = SHA_LEN;
		e = routed_command(r, slot, argc + 3, av, avlen, reply,
		    &noscript);
		if (e == OTS_OK || !noscript)
			return e;
		/* SCRIPT FLUSH or a failover lost the scripts: reload. */
		ots_log_warn(MOD, "NOSCRIPT: reloading scripts");
		e = load_scripts(r, r->r_last);
		if (e != OTS_OK)
			return e;
	}
	return e;
}

enum ots_err
ots_rds_primaries(struct ots_rds *r, unsigned *n)
{
	enum ots_err e;

	*n = 1;
	if (!is_cluster(r))
		return OTS_OK;
	e = map_ready(r);
	if (e != OTS_OK)
		return e;
	*n = r->r_map->s_nnodes;
	return OTS_OK;
}

enum ots_err
ots_rds_command_on(struct ots_rds *r, unsigned primary, int argc,
    const char **argv, const size_t *argvlen, redisReply **reply)
{
	struct link *l = &r->r_one;
	redisReply *rep = NULL;
	enum ots_err e;

	*reply = NULL;
	if (is_cluster(r)) {
		if ((e = map_ready(r)) != OTS_OK)
			return e;
		if (primary >= r->r_map->s_nnodes)
			return OTS_ERR_INVAL;
		l = &r->r_links[primary];
	} else if (primary != 0) {
		return OTS_ERR_INVAL;
	}
	e = send_on(r, l, argc, argv, argvlen, &rep);
	if (e != OTS_OK || rep == NULL) {
		r->r_map_stale = true;
		return e != OTS_OK ? e : OTS_ERR_REDIS;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		ots_log_err(MOD, "redis error: %.*s",
		    rep->len > 200 ? 200 : (int)rep->len, rep->str);
		if (ots_rds_is_not_primary(rep)) {
			disconnect(l);
			r->r_map_stale = true;
		}
		freeReplyObject(rep);
		return OTS_ERR_REDIS;
	}
	*reply = rep;
	return OTS_OK;
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
	    error_is(rep, "MASTERDOWN") || error_is(rep, "CLUSTERDOWN");
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

/* "host:port" or the socket path of l's Redis, for a log line. */
static void
link_name(const struct link *l, char *buf, size_t len)
{
	const redisContext *x = l->l_ctx;
	enum ots_err e = OTS_ERR_INVAL;

	if (x->connection_type == REDIS_CONN_UNIX && x->unix_sock.path != NULL)
		e = ots_str_fmt(buf, len, "%s", x->unix_sock.path);
	else if (x->connection_type == REDIS_CONN_TCP && x->tcp.host != NULL)
		e = ots_str_fmt(buf, len, "%s:%d", x->tcp.host, x->tcp.port);
	if (e != OTS_OK && len > 1) {
		buf[0] = '?';
		buf[1] = '\0';
	}
}

void
ots_rds_wait_replicas(struct ots_rds *r)
{
	const struct ots_rds_addr *c = r->r_addr;
	struct link *l = r->r_last;
	char n[16], ms[16];
	const char *argv[3] = { "WAIT", n, ms };
	redisReply *rep;
	enum ots_err e = OTS_ERR_REDIS;
	long long acked = -1;

	/* WAIT counts the replicas of the node that took the write: the
	 * link of the last command. */
	if (c->ra_wait_replicas == 0 || l == NULL || l->l_ctx == NULL)
		return;
	if (ots_str_fmt(n, sizeof(n), "%u", c->ra_wait_replicas) != OTS_OK ||
	    ots_str_fmt(ms, sizeof(ms), "%u", c->ra_wait_ms) != OTS_OK)
		return;
	/* WAIT holds the answer back for up to ra_wait_ms: the socket
	 * must wait longer than that. */
	if (redisSetTimeout(l->l_ctx, ms_tv(r->r_timeout_ms + c->ra_wait_ms))
	    != REDIS_OK) {
		(void)context_failed(l, "cannot set redis timeout");
		return;
	}
	rep = raw_command(l, 3, argv, NULL, &e);
	if (rep == NULL)
		return;
	if (rep->type == REDIS_REPLY_INTEGER)
		acked = rep->integer;
	freeReplyObject(rep);
	if (redisSetTimeout(l->l_ctx, timeout_tv(r)) != REDIS_OK) {
		(void)context_failed(l, "cannot set redis timeout");
		return;
	}
	if (acked < (long long)c->ra_wait_replicas) {
		char node[128];

		/* The node named: an operator (and the multi-host test)
		 * can tell which primary's writes the window is open on. */
		link_name(l, node, sizeof(node));
		ots_log_warn(MOD, "%lld of %u replicas of %s had the write "
		    "within %u ms; answered all the same",
		    acked < 0 ? 0 : acked, c->ra_wait_replicas, node,
		    c->ra_wait_ms);
	}
}

enum ots_err
ots_rds_ping(struct ots_rds *r)
{
	const char *argv[1] = { "PING" };
	redisReply *rep = NULL;
	unsigned i, n = 0;
	enum ots_err e;

	/* Every primary: a cluster with one down cannot serve its slots. */
	e = ots_rds_primaries(r, &n);
	for (i = 0; e == OTS_OK && i < n; i++) {
		e = ots_rds_command_on(r, i, 1, argv, NULL, &rep);
		if (e == OTS_OK)
			freeReplyObject(rep);
	}
	return e;
}
