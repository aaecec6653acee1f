#include "ots_rl.h"

#include <string.h>

#include "ots_cfg.h"
#include "ots_banned.h"

static const char *const class_names[OTS_RL_CLASSES] = { "upload", "claim",
	"meta" };

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
	    ots_cfg_parse_duration(slash + 1, strlen(slash + 1), &secs) !=
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
