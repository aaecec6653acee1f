#include "ots_parts.h"

#include <string.h>

#include "ots_log.h"
#include "ots_meta.h"
#include "ots_banned.h"

#define MOD "parts"
/* "ots:{" ID "}:ul" and the rest, with room. */
#define KEY_SZ 48

struct keys {
	char k_share[KEY_SZ];
	char k_receipt[KEY_SZ];
	char k_upload[KEY_SZ];
	char k_lease[KEY_SZ];
};

static void
make_keys(const struct ots_tok *id, struct keys *k)
{
	/* They fit by construction: an id is exactly OTS_TOK_CHARS. */
	if (ots_str_fmt(k->k_share, sizeof(k->k_share), "ots:{%s}:s",
	    id->t_str) != OTS_OK ||
	    ots_str_fmt(k->k_receipt, sizeof(k->k_receipt), "ots:{%s}:r",
	    id->t_str) != OTS_OK ||
	    ots_str_fmt(k->k_upload, sizeof(k->k_upload), "ots:{%s}:u",
	    id->t_str) != OTS_OK ||
	    ots_str_fmt(k->k_lease, sizeof(k->k_lease), "ots:{%s}:ul",
	    id->t_str) != OTS_OK)
		OTS_ASSERT(!"upload key does not fit");
}

/* The numbers of a script reply are strings of digits (Lua tostring) or
 * integers; anything else is a broken reply. */
static enum ots_err
get_u64(const redisReply *r, uint64_t *out)
{
	if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0) {
		*out = (uint64_t)r->integer;
		return OTS_OK;
	}
	if (r->type != REDIS_REPLY_STRING ||
	    ots_parse_u64(r->str, r->len, 0, UINT64_MAX, out) != OTS_OK)
		return OTS_ERR_REDIS;
	return OTS_OK;
}

static const struct {
	const char *tag;
	enum ots_parts_why why;
	int nums;	/* numbers the refusal carries */
} refusals[] = {
	{ "unknown", OTS_PARTS_UNKNOWN, 0 },
	{ "forbidden", OTS_PARTS_FORBIDDEN, 0 },
	{ "offset", OTS_PARTS_OFFSET, 1 },
	{ "busy", OTS_PARTS_BUSY, 0 },
	{ "toobig", OTS_PARTS_TOOBIG, 1 },
	{ "lost", OTS_PARTS_LOST, 0 },
	{ "incomplete", OTS_PARTS_INCOMPLETE, 1 },
	{ "taken", OTS_PARTS_TAKEN, 0 },
};

enum ots_err
ots_parts_decode(const redisReply *rep, int nums, uint64_t *n1, uint64_t *n2,
    enum ots_parts_why *why)
{
	const redisReply *tag;
	enum ots_err e = OTS_OK;
	size_t i;

	*n1 = 0;
	*n2 = 0;
	*why = OTS_PARTS_OK;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
	    rep->element[0]->type != REDIS_REPLY_STRING)
		return OTS_ERR_REDIS;
	tag = rep->element[0];
	if (tag->len == 2 && memcmp(tag->str, "ok", 2) == 0) {
		if (rep->elements != (size_t)nums + 1)
			return OTS_ERR_REDIS;
		if (nums >= 1)
			e = get_u64(rep->element[1], n1);
		if (e == OTS_OK && nums >= 2)
			e = get_u64(rep->element[2], n2);
		if (e != OTS_OK)
			*n1 = *n2 = 0;
		return e;
	}
	for (i = 0; i < OTS_ARRAY_LEN(refusals); i++) {
		if (tag->len != strlen(refusals[i].tag) ||
		    memcmp(tag->str, refusals[i].tag, tag->len) != 0)
			continue;
		if (rep->elements != (size_t)refusals[i].nums + 1)
			return OTS_ERR_REDIS;
		if (refusals[i].nums == 1 && get_u64(rep->element[1], n1) !=
		    OTS_OK)
			return OTS_ERR_REDIS;
		*why = refusals[i].why;
		return OTS_ERR_INVAL;
	}
	return OTS_ERR_REDIS;
}

/* Runs script s and decodes its reply. */
static enum ots_err
run(struct ots_rds *r, enum ots_lua_script s, int nkeys, int argc,
    const char **argv, const size_t *argvlen, int nums, uint64_t *n1,
    uint64_t *n2, enum ots_parts_why *why)
{
	redisReply *rep = NULL;
	uint64_t a = 0, b = 0;
	enum ots_err e;

	*why = OTS_PARTS_OK;
	e = ots_rds_eval(r, s, nkeys, argc, argv, argvlen, &rep);
	if (e != OTS_OK)
		return e;
	e = ots_parts_decode(rep, nums, &a, &b, why);
	freeReplyObject(rep);
	if (e == OTS_ERR_REDIS)
		ots_log_err(MOD, "unexpected redis reply to an upload script");
	if (n1 != NULL)
		*n1 = a;
	if (n2 != NULL)
		*n2 = b;
	return e;
}

/* Decimal text of v into buf (24 bytes). */
static const char *
num(char buf[24], uint64_t v)
{
	if (ots_str_fmt(buf, 24, "%llu", (unsigned long long)v) != OTS_OK)
		OTS_ASSERT(!"a number does not fit");
	return buf;
}

enum ots_err
ots_parts_create(struct ots_rds *r, const struct ots_tok *id,
    const struct ots_parts_new *n, const struct ots_parts_ttl *ttl,
    enum ots_parts_why *why)
{
	char a[24], b[24], c[24], d[24], f[24];
	struct keys k;
	const char *argv[9];

	make_keys(id, &k);
	argv[0] = k.k_share;
	argv[1] = k.k_receipt;
	argv[2] = k.k_upload;
	argv[3] = n->pn_tok_hash;
	argv[4] = num(a, n->pn_size);
	argv[5] = num(b, n->pn_clen);
	argv[6] = num(c, n->pn_secs);
	argv[7] = num(d, n->pn_created);
	argv[8] = num(f, ttl->pt_idle);
	return run(r, OTS_SCRIPT_UPCREATE, 3, 9, argv, NULL, 0, NULL, NULL,
	    why);
}

enum ots_err
ots_parts_begin(struct ots_rds *r, const struct ots_tok *id,
    const char *tok_hash, uint64_t offset, uint64_t len, const char *lease_tok,
    uint64_t lease_ms, uint64_t now, const struct ots_parts_ttl *ttl,
    uint64_t *clen, uint64_t *stored, enum ots_parts_why *why)
{
	char a[24], b[24], c[24], d[24], f[24], g[24];
	struct keys k;
	const char *argv[11];
	uint64_t n1 = 0;
	enum ots_err e;

	make_keys(id, &k);
	argv[0] = k.k_upload;
	argv[1] = k.k_lease;
	argv[2] = "begin";
	argv[3] = tok_hash;
	argv[4] = num(a, offset);
	argv[5] = num(b, len);
	argv[6] = lease_tok;
	argv[7] = num(c, lease_ms);
	argv[8] = num(d, ttl->pt_idle);
	argv[9] = num(f, now);
	argv[10] = num(g, ttl->pt_max_age);
	e = run(r, OTS_SCRIPT_UPPART, 2, 11, argv, NULL, 1, &n1, NULL, why);
	*clen = e == OTS_OK ? n1 : 0;
	*stored = *why == OTS_PARTS_OFFSET ? n1 : 0;
	return e;
}

enum ots_err
ots_parts_end(struct ots_rds *r, const struct ots_tok *id, const char *tok_hash,
    uint64_t new_offset, const char *lease_tok, uint64_t now,
    const struct ots_parts_ttl *ttl, enum ots_parts_why *why)
{
	char a[24], b[24], c[24], d[24];
	struct keys k;
	const char *argv[9];

	make_keys(id, &k);
	argv[0] = k.k_upload;
	argv[1] = k.k_lease;
	argv[2] = "end";
	argv[3] = tok_hash;
	argv[4] = num(a, new_offset);
	argv[5] = lease_tok;
	argv[6] = num(b, ttl->pt_idle);
	argv[7] = num(c, now);
	argv[8] = num(d, ttl->pt_max_age);
	return run(r, OTS_SCRIPT_UPPART, 2, 9, argv, NULL, 1, NULL, NULL, why);
}

enum ots_err
ots_parts_head(struct ots_rds *r, const struct ots_tok *id,
    const char *tok_hash, uint64_t *offset, uint64_t *clen,
    enum ots_parts_why *why)
{
	struct keys k;
	const char *argv[4];

	make_keys(id, &k);
	argv[0] = k.k_upload;
	argv[1] = k.k_lease;
	argv[2] = "head";
	argv[3] = tok_hash;
	return run(r, OTS_SCRIPT_UPPART, 2, 4, argv, NULL, 2, offset, clen,
	    why);
}

enum ots_err
ots_parts_abort(struct ots_rds *r, const struct ots_tok *id,
    const char *tok_hash, enum ots_parts_why *why)
{
	struct keys k;
	const char *argv[4];

	make_keys(id, &k);
	argv[0] = k.k_upload;
	argv[1] = k.k_lease;
	argv[2] = "abort";
	argv[3] = tok_hash;
	return run(r, OTS_SCRIPT_UPPART, 2, 4, argv, NULL, 0, NULL, NULL, why);
}

enum ots_err
ots_parts_commit(struct ots_rds *r, const struct ots_tok *id,
    const char *tok_hash, const struct ots_parts_commit *c, uint64_t *size,
    uint64_t *expires, enum ots_parts_why *why)
{
	const struct ots_e2e_seal *es = c->pc_seal;
	char rttl[24], created[24], kdf[48];
	struct keys k;
	const char *argv[13];
	size_t argvlen[13];
	int i;
	enum ots_err e;

	make_keys(id, &k);
	if (ots_str_fmt(kdf, sizeof(kdf), "%u,%u,%u", es->es_kdf.kp_mem_kib,
	    es->es_kdf.kp_time, es->es_kdf.kp_lanes) != OTS_OK)
		return OTS_ERR_INVAL;
	argv[0] = k.k_share;
	argv[1] = k.k_receipt;
	argv[2] = k.k_upload;
	argv[3] = k.k_lease;
	argv[4] = tok_hash;
	argv[5] = num(rttl, c->pc_receipt_ttl);
	argv[6] = num(created, c->pc_created);
	argv[7] = (const char *)es->es_meta;
	argv[8] = c->pc_owner_hash;
	argv[9] = (const char *)es->es_lcheck;
	argv[10] = es->es_salt != NULL ? (const char *)es->es_salt : "";
	argv[11] = es->es_salt != NULL ? kdf : "";
	argv[12] = es->es_salt != NULL ? (const char *)es->es_check : "";
	/* The text arguments; the binary ones (no NUL to stop at) below. */
	for (i = 0; i < 13; i++)
		argvlen[i] = i == 7 || i == 9 || i == 10 || i == 12 ? 0 :
		    strlen(argv[i]);
	argvlen[7] = es->es_meta_len;
	argvlen[9] = OTS_META_CHECK_BYTES;
	argvlen[10] = es->es_salt != NULL ? OTS_KDF_SALT_BYTES : 0;
	argvlen[12] = es->es_salt != NULL ? OTS_META_CHECK_BYTES : 0;
	e = run(r, OTS_SCRIPT_UPCOMMIT, 4, 13, argv, argvlen, 2, size,
	    expires, why);
	if (e == OTS_OK && *why == OTS_PARTS_OK)
		ots_rds_wait_replicas(r);
	return e;
}

enum ots_err
ots_parts_exists(struct ots_rds *r, const struct ots_tok *id, bool *exists)
{
	struct keys k;
	const char *argv[2] = { "EXISTS", NULL };
	redisReply *rep = NULL;
	enum ots_err e;

	/* On doubt, it exists: the sweeper removes nothing it is unsure of. */
	*exists = true;
	make_keys(id, &k);
	argv[1] = k.k_upload;
	e = ots_rds_command(r, 2, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	if (rep->type != REDIS_REPLY_INTEGER)
		e = OTS_ERR_REDIS;
	else
		*exists = rep->integer != 0;
	freeReplyObject(rep);
	return e;
}
