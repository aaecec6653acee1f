#include "ots_admin.h"

#include <string.h>

#include "ots_banned.h"

/* "ots:{" id "}:s" */
#define KEY_PREFIX "ots:{"
#define KEY_SUFFIX "}:s"

/*
 * A walk's cursor names the primary (of a cluster; 0 for one Redis) in
 * its top byte and that primary's SCAN cursor below, which Redis keeps
 * far smaller (it counts hash-table buckets).
 */
#define NODE_SHIFT 56
#define SCAN_MASK ((UINT64_C(1) << NODE_SHIFT) - 1)

/*
 * One SCAN step of the walk at cursor: fills keys (borrowed from *rep)
 * and the cursor to go on from, on the next primary when this one is
 * done (0 when every one is).
 */
static enum ots_err
scan_step(struct ots_rds *r, uint64_t cursor, const char *match,
    redisReply **rep, uint64_t *next)
{
	char cur[24];
	char count[12];
	const char *argv[6] = { "SCAN", cur, "MATCH", match, "COUNT", count };
	redisReply *rp = NULL;
	unsigned node = (unsigned)(cursor >> NODE_SHIFT), nodes = 0;
	uint64_t at;
	enum ots_err e;

	e = ots_rds_primaries(r, &nodes);
	if (e != OTS_OK)
		return e;
	/* A cursor from a bigger cluster than this one's map: done. */
	if (node >= nodes)
		return OTS_ERR_INVAL;
	if (ots_str_fmt(cur, sizeof(cur), "%llu",
	    (unsigned long long)(cursor & SCAN_MASK)) != OTS_OK ||
	    ots_str_fmt(count, sizeof(count), "%d", OTS_ADMIN_SCAN_COUNT) !=
	    OTS_OK)
		return OTS_ERR_INVAL;
	e = ots_rds_command_on(r, node, 6, argv, NULL, &rp);
	if (e != OTS_OK)
		return e;
	e = ots_admin_decode_scan(rp, &at);
	if (e == OTS_OK && at > SCAN_MASK)
		e = OTS_ERR_REDIS;
	if (e != OTS_OK) {
		freeReplyObject(rp);
		return e;
	}
	if (at != 0)
		*next = (uint64_t)node << NODE_SHIFT | at;
	else if (node + 1 < nodes)
		*next = (uint64_t)(node + 1) << NODE_SHIFT;
	else
		*next = 0;
	*rep = rp;
	return OTS_OK;
}

enum ots_err
ots_admin_decode_scan(const redisReply *rep, uint64_t *next)
{
	uint64_t v;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_STRING ||
	    rep->element[1]->type != REDIS_REPLY_ARRAY ||
	    ots_parse_u64(rep->element[0]->str, rep->element[0]->len, 0,
	    UINT64_MAX, &v) != OTS_OK)
		return OTS_ERR_REDIS;
	*next = v;
	return OTS_OK;
}

bool
ots_admin_key_id(const redisReply *k, struct ots_tok *id)
{
	size_t pl = sizeof(KEY_PREFIX) - 1, sl = sizeof(KEY_SUFFIX) - 1;

	return k->type == REDIS_REPLY_STRING &&
	    k->len == pl + OTS_TOK_CHARS + sl &&
	    memcmp(k->str, KEY_PREFIX, pl) == 0 &&
	    memcmp(k->str + pl + OTS_TOK_CHARS, KEY_SUFFIX, sl) == 0 &&
	    ots_tok_parse(k->str + pl, OTS_TOK_CHARS, id) == OTS_OK;
}

static enum ots_err
read_share(struct ots_rds *r, const redisReply *key, const struct ots_tok *id,
    struct ots_admin_share *s)
{
	const char *argv[7] = { "HMGET", key->str, "size", "created",
		"expires", "salt", "e2e" };
	size_t argvlen[7] = { 5, key->len, 4, 7, 7, 4, 3 };
	redisReply *rep = NULL;
	enum ots_err e;

	e = ots_rds_command(r, 7, argv, argvlen, &rep);
	if (e != OTS_OK)
		return e;
	e = ots_admin_decode_share(rep, id, s);
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_admin_decode_share(const redisReply *rep, const struct ots_tok *id,
    struct ots_admin_share *s)
{
	enum ots_err e = OTS_OK;
	int i;

	memset(s, 0, sizeof(*s));
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 5)
		return OTS_ERR_REDIS;
	/* Claimed or expired between SCAN and HMGET. */
	if (rep->element[0]->type == REDIS_REPLY_NIL)
		return OTS_ERR_NOTFOUND;
	memcpy(s->as_prefix, id->t_str, OTS_ADMIN_PREFIX);
	for (i = 0; i < 3; i++) {
		const redisReply *v = rep->element[i];
		uint64_t *dst = i == 0 ? &s->as_size : i == 1 ? &s->as_created
		    : &s->as_expires;

		if (v->type != REDIS_REPLY_STRING ||
		    ots_parse_u64(v->str, v->len, 0, UINT64_MAX, dst) != OTS_OK)
			e = OTS_ERR_REDIS;
	}
	for (i = 3; i < 5; i++)
		if (rep->element[i]->type != REDIS_REPLY_NIL &&
		    rep->element[i]->type != REDIS_REPLY_STRING)
			e = OTS_ERR_REDIS;
	s->as_protected = rep->element[3]->type == REDIS_REPLY_STRING &&
	    rep->element[3]->len > 0;
	s->as_e2e = rep->element[4]->type == REDIS_REPLY_STRING &&
	    rep->element[4]->len == 1 && rep->element[4]->str[0] == '1';
	if (e != OTS_OK)
		memset(s, 0, sizeof(*s));
	return e;
}

enum ots_err
ots_admin_list(struct ots_rds *r, uint64_t cursor, size_t want,
    ots_admin_list_fn fn, void *ctx, uint64_t *next)
{
	size_t listed = 0;
	enum ots_err e = OTS_OK;

	*next = cursor;
	do {
		redisReply *rep = NULL;
		size_t i;

		e = scan_step(r, *next, KEY_PREFIX "*" KEY_SUFFIX, &rep, next);
		if (e != OTS_OK)
			return e;
		/* The whole batch, even past want: see ots_admin.h. */
		for (i = 0; i < rep->element[1]->elements && e == OTS_OK;
		    i++) {
			struct ots_admin_share s;
			struct ots_tok id;

			if (!ots_admin_key_id(rep->element[1]->element[i], &id))
				continue;
			e = read_share(r, rep->element[1]->element[i], &id, &s);
			if (e == OTS_OK) {
				listed++;
				e = fn(ctx, &s);
			} else if (e == OTS_ERR_NOTFOUND) {
				e = OTS_OK;
			}
		}
		freeReplyObject(rep);
	} while (e == OTS_OK && *next != 0 && listed < want);
	return e;
}

enum ots_err
ots_admin_find(struct ots_rds *r, const char *prefix, size_t len,
    struct ots_tok *id)
{
	char match[64];
	uint64_t cursor = 0;
	size_t i, found = 0;
	enum ots_err e;

	if (len < OTS_ADMIN_PREFIX || len > OTS_TOK_CHARS)
		return OTS_ERR_INVAL;
	for (i = 0; i < len; i++) {
		char c = prefix[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return OTS_ERR_INVAL;
	}
	if (ots_str_fmt(match, sizeof(match), KEY_PREFIX "%.*s*" KEY_SUFFIX,
	    (int)len, prefix) != OTS_OK)
		return OTS_ERR_INVAL;
	do {
		redisReply *rep = NULL;

		e = scan_step(r, cursor, match, &rep, &cursor);
		if (e != OTS_OK)
			return e;
		for (i = 0; i < rep->element[1]->elements; i++) {
			if (ots_admin_key_id(rep->element[1]->element[i], id))
				found++;
		}
		freeReplyObject(rep);
	} while (cursor != 0 && found <= 1);
	if (found == 0)
		return OTS_ERR_NOTFOUND;
	return found == 1 ? OTS_OK : OTS_ERR_INVAL;
}
