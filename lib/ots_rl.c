#include "ots_rl.h"

#include <string.h>

#include "ots_rds.h"
#include "ots_banned.h"

static const char *const class_names[OTS_RL_CLASSES] = { "upload", "claim",
	"meta", "admin-fail" };

const char *
ots_rl_class_name(enum ots_rl_class c)
{
	OTS_ASSERT(c < OTS_RL_CLASSES);
	return class_names[c];
}

enum ots_err
ots_rl_parse(const char *s, struct ots_rl_limit *out)
{
	const char *slash = strchr(s, '/');
	uint64_t count = 0, secs = 0;

	if (strcmp(s, "off") == 0) {
		out->rl_count = 0;
		out->rl_window_ms = 0;
		return OTS_OK;
	}
	if (slash == NULL ||
	    ots_parse_u64(s, (size_t)(slash - s), 1, 1000000, &count) !=
	    OTS_OK ||
	    ots_parse_duration(slash + 1, strlen(slash + 1), &secs) !=
	    OTS_OK || secs < 1 || secs > 86400)
		return OTS_ERR_INVAL;
	out->rl_count = count;
	out->rl_window_ms = secs * 1000;
	return OTS_OK;
}

enum ots_err
ots_rl_check(struct ots_rds *r, enum ots_rl_class c, const char *client,
    const struct ots_rl_limit *lim, const char *member, bool *allowed,
    uint64_t *retry_ms)
{
	char key[128], window[24], count[24];
	const char *argv[4];
	redisReply *rep = NULL;
	enum ots_err e;

	*allowed = true;
	*retry_ms = 0;
	if (lim->rl_count == 0)
		return OTS_OK;
	/* One key per client and class; the hash tag keeps it one slot. */
	if (ots_str_fmt(key, sizeof(key), "ots:rl:{%s:%s}", class_names[c],
	    client) != OTS_OK ||
	    ots_str_fmt(window, sizeof(window), "%llu",
	    (unsigned long long)lim->rl_window_ms) != OTS_OK ||
	    ots_str_fmt(count, sizeof(count), "%llu",
	    (unsigned long long)lim->rl_count) != OTS_OK)
		return OTS_ERR_INVAL;
	argv[0] = key;
	argv[1] = window;
	argv[2] = count;
	argv[3] = member;
	e = ots_rds_eval(r, OTS_SCRIPT_RATELIMIT, 1, 4, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_INTEGER ||
	    rep->element[1]->type != REDIS_REPLY_INTEGER ||
	    rep->element[1]->integer < 0) {
		e = OTS_ERR_REDIS;
	} else if (rep->element[0]->integer == 0) {
		*allowed = false;
		*retry_ms = (uint64_t)rep->element[1]->integer;
	}
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_rl_peek(struct ots_rds *r, enum ots_rl_class c, const char *client,
    const struct ots_rl_limit *lim, bool *allowed, uint64_t *retry_ms)
{
	return ots_rl_check(r, c, client, lim, "", allowed, retry_ms);
}

/* Runs busy.lua: op, token, lease, cap; *one says whether it gave 1. */
static enum ots_err
busy(struct ots_rds *r, const char *client, const char *op, const char *token,
    uint64_t lease_ms, unsigned cap, bool *one)
{
	char key[128], lease[24], scap[16];
	const char *argv[5] = { key, op, token, lease, scap };
	redisReply *rep = NULL;
	enum ots_err e;

	*one = false;
	if (ots_str_fmt(key, sizeof(key), "ots:busy:{%s}", client) != OTS_OK ||
	    ots_str_fmt(lease, sizeof(lease), "%llu",
	    (unsigned long long)lease_ms) != OTS_OK ||
	    ots_str_fmt(scap, sizeof(scap), "%u", cap) != OTS_OK)
		return OTS_ERR_INVAL;
	e = ots_rds_eval(r, OTS_SCRIPT_BUSY, 1, 5, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	if (rep->type != REDIS_REPLY_INTEGER || (rep->integer != 0 &&
	    rep->integer != 1))
		e = OTS_ERR_REDIS;
	else
		*one = rep->integer == 1;
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_rl_busy_take(struct ots_rds *r, const char *client, unsigned cap,
    const char *token, uint64_t lease_ms, bool *ok)
{
	return busy(r, client, "take", token, lease_ms, cap, ok);
}

enum ots_err
ots_rl_busy_renew(struct ots_rds *r, const char *client, const char *token,
    uint64_t lease_ms)
{
	bool one = false;

	return busy(r, client, "renew", token, lease_ms, 0, &one);
}

enum ots_err
ots_rl_busy_give(struct ots_rds *r, const char *client, const char *token)
{
	bool one = false;

	return busy(r, client, "give", token, 0, 0, &one);
}
