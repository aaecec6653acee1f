#include "ots_share.h"

#include <stdbool.h>
#include <string.h>

#include "ots_log.h"
#include "ots_banned.h"

#define MOD "share"
/* "ots:{" + id + "}:s" */
#define KEY_SZ (5 + OTS_TOK_CHARS + 4 + 1)

struct keys {
	char k_share[KEY_SZ];
	char k_receipt[KEY_SZ];
};

static void
make_keys(const struct ots_tok *id, struct keys *k)
{
	/* Both fit by construction: an id is exactly OTS_TOK_CHARS. */
	if (ots_str_fmt(k->k_share, sizeof(k->k_share), "ots:{%s}:s",
	    id->t_str) != OTS_OK ||
	    ots_str_fmt(k->k_receipt, sizeof(k->k_receipt), "ots:{%s}:r",
	    id->t_str) != OTS_OK)
		OTS_ASSERT(!"share key does not fit");
}

const char *
ots_share_state_str(enum ots_share_state s)
{
	switch (s) {
	case OTS_SHARE_UNKNOWN:
		return "unknown";
	case OTS_SHARE_AVAILABLE:
		return "available";
	case OTS_SHARE_CLAIMED:
		return "claimed";
	case OTS_SHARE_EXPIRED:
		return "expired";
	case OTS_SHARE_REVOKED:
		return "revoked";
	case OTS_SHARE_LOCKED:
		return "locked";
	}
	return "unknown";
}

static enum ots_share_state
parse_state(const redisReply *r)
{
	static const enum ots_share_state all[] = { OTS_SHARE_AVAILABLE,
		OTS_SHARE_CLAIMED, OTS_SHARE_EXPIRED, OTS_SHARE_REVOKED,
		OTS_SHARE_LOCKED };
	size_t i;

	if (r->type != REDIS_REPLY_STRING)
		return OTS_SHARE_UNKNOWN;
	for (i = 0; i < OTS_ARRAY_LEN(all); i++) {
		if (ots_str_eq((struct ots_str){ r->str, r->len },
		    ots_share_state_str(all[i])))
			return all[i];
	}
	return OTS_SHARE_UNKNOWN;
}

/* Reads a decimal reply element; anything else is a Redis error. */
static enum ots_err
get_u64(const redisReply *r, uint64_t *out)
{
	if (r->type != REDIS_REPLY_STRING ||
	    ots_parse_u64(r->str, r->len, 0, UINT64_MAX, out) != OTS_OK)
		return OTS_ERR_REDIS;
	return OTS_OK;
}

/*
 * Logs a reply a decoder refused, once, naming the script.  The decoders
 * themselves stay silent: they are also run on hostile input by the
 * fuzzer, and say nothing a caller could not.
 */
static enum ots_err
decoded(enum ots_err e, const char *script)
{
	if (e == OTS_ERR_REDIS)
		ots_log_err(MOD, "unexpected redis reply to %s", script);
	return e;
}

/* Checks a script's array reply and returns its tag element. */
static enum ots_err
reply_tag(const redisReply *rep, struct ots_str *tag)
{
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
	    rep->element[0]->type != REDIS_REPLY_STRING)
		return OTS_ERR_REDIS;
	tag->p = rep->element[0]->str;
	tag->len = rep->element[0]->len;
	return OTS_OK;
}

/*
 * The common answers of the claim, attempt and revoke scripts for a share
 * that is no longer available: {'gone', state} is OTS_ERR_GONE with the
 * state, {'unknown'} OTS_ERR_NOTFOUND, anything else a Redis error.
 */
static enum ots_err
ended(const redisReply *rep, struct ots_str tag, enum ots_share_state *state)
{
	enum ots_share_state st;

	if (ots_str_eq(tag, "gone") && rep->elements == 2) {
		/* Only an ended state is an answer: "gone" with "available"
		 * or a word we do not know is a broken reply, not a 410. */
		st = parse_state(rep->element[1]);
		if (st == OTS_SHARE_UNKNOWN || st == OTS_SHARE_AVAILABLE)
			return OTS_ERR_REDIS;
		*state = st;
		return OTS_ERR_GONE;
	}
	if (ots_str_eq(tag, "unknown"))
		return OTS_ERR_NOTFOUND;
	return OTS_ERR_REDIS;
}

enum ots_err
ots_share_register(struct ots_rds *r, const struct ots_tok *id,
    const struct ots_share_new *n)
{
	char ttl[24], rttl[24], size[24], created[24], expires[24], kdf[48];
	struct keys k;
	const char *argv[13];
	size_t argvlen[13];
	redisReply *rep = NULL;
	enum ots_err e;
	int i;

	OTS_ASSERT(n->sn_expires > n->sn_created);
	make_keys(id, &k);
	if (ots_str_fmt(ttl, sizeof(ttl), "%llu",
	    (unsigned long long)(n->sn_expires - n->sn_created)) != OTS_OK ||
	    ots_str_fmt(rttl, sizeof(rttl), "%llu", (unsigned long long)(
	    n->sn_expires - n->sn_created + n->sn_receipt_ttl)) != OTS_OK ||
	    ots_str_fmt(size, sizeof(size), "%llu",
	    (unsigned long long)n->sn_size) != OTS_OK ||
	    ots_str_fmt(created, sizeof(created), "%llu",
	    (unsigned long long)n->sn_created) != OTS_OK ||
	    ots_str_fmt(expires, sizeof(expires), "%llu",
	    (unsigned long long)n->sn_expires) != OTS_OK ||
	    ots_str_fmt(kdf, sizeof(kdf), "%u,%u,%u", n->sn_kdf.kp_mem_kib,
	    n->sn_kdf.kp_time, n->sn_kdf.kp_lanes) != OTS_OK)
		return OTS_ERR_INVAL;
	argv[0] = k.k_share;
	argv[1] = k.k_receipt;
	argv[2] = ttl;
	argv[3] = rttl;
	argv[4] = size;
	argv[5] = created;
	argv[6] = expires;
	argv[7] = (const char *)n->sn_meta;
	argv[8] = n->sn_owner_hash;
	argv[9] = n->sn_salt != NULL ? (const char *)n->sn_salt : "";
	argv[10] = n->sn_salt != NULL ? kdf : "";
	argv[11] = n->sn_salt != NULL ? (const char *)n->sn_check : "";
	for (i = 0; i < 9; i++)
		argvlen[i] = i == 7 ? n->sn_meta_len : strlen(argv[i]);
	argvlen[9] = n->sn_salt != NULL ? OTS_KDF_SALT_BYTES : 0;
	argvlen[10] = strlen(argv[10]);
	argvlen[11] = n->sn_salt != NULL ? OTS_META_CHECK_BYTES : 0;
	argv[12] = n->sn_lcheck != NULL ? (const char *)n->sn_lcheck : "";
	argvlen[12] = n->sn_lcheck != NULL ? OTS_META_CHECK_BYTES : 0;
	e = ots_rds_eval(r, OTS_SCRIPT_REGISTER, 2, 13, argv, argvlen, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_register(rep), "register.lua");
	freeReplyObject(rep);
	if (e == OTS_OK)
		ots_rds_wait_replicas(r);
	return e;
}

enum ots_err
ots_share_decode_register(const redisReply *rep)
{
	if (rep->type != REDIS_REPLY_INTEGER ||
	    (rep->integer != 0 && rep->integer != 1))
		return OTS_ERR_REDIS;
	return rep->integer == 1 ? OTS_OK : OTS_ERR_INVAL;
}

/* Fills out from a peek reply tagged "gone". */
static enum ots_err
read_gone(const redisReply *rep, struct ots_share *out)
{
	enum ots_err e;

	if (rep->elements != 7 || rep->element[6]->type != REDIS_REPLY_STRING)
		return OTS_ERR_REDIS;
	out->sh_e2e = rep->element[6]->len == 1 &&
	    rep->element[6]->str[0] == '1';
	out->sh_state = parse_state(rep->element[1]);
	if (out->sh_state == OTS_SHARE_UNKNOWN ||
	    out->sh_state == OTS_SHARE_AVAILABLE)
		return OTS_ERR_REDIS;
	e = get_u64(rep->element[2], &out->sh_size);
	if (e == OTS_OK)
		e = get_u64(rep->element[3], &out->sh_created);
	if (e == OTS_OK)
		e = get_u64(rep->element[4], &out->sh_expires);
	if (e == OTS_OK)
		e = get_u64(rep->element[5], &out->sh_claimed_at);
	return e;
}

/* Parses "m,t,p" into p. */
static enum ots_err
parse_kdf(const redisReply *r, struct ots_kdf_params *p)
{
	uint64_t v[3];
	size_t i, start = 0, pos = 0;

	if (r->type != REDIS_REPLY_STRING)
		return OTS_ERR_REDIS;
	for (i = 0; i < 3; i++) {
		while (pos < r->len && r->str[pos] != ',')
			pos++;
		if (ots_parse_u64(r->str + start, pos - start, 1, UINT32_MAX,
		    &v[i]) != OTS_OK)
			return OTS_ERR_REDIS;
		if (i < 2 && (pos >= r->len || r->str[pos] != ','))
			return OTS_ERR_REDIS;
		start = ++pos;
	}
	if (start <= r->len)
		return OTS_ERR_REDIS;
	p->kp_mem_kib = (uint32_t)v[0];
	p->kp_time = (uint32_t)v[1];
	p->kp_lanes = (uint32_t)v[2];
	/* A cost no configuration could have stored is a broken reply: the
	 * claim would otherwise fail later, in Argon2, as a bad request. */
	return ots_kdf_params_ok(p) ? OTS_OK : OTS_ERR_REDIS;
}

static enum ots_err
read_protection(const redisReply *salt, const redisReply *kdf,
    const redisReply *check, struct ots_share *out)
{
	if (salt->type != REDIS_REPLY_STRING ||
	    check->type != REDIS_REPLY_STRING)
		return OTS_ERR_REDIS;
	if (salt->len == 0) {
		/* Unprotected: all three empty.  A check or cost without a
		 * salt is a broken share, never one to serve without its
		 * password. */
		if (check->len != 0 || kdf->type != REDIS_REPLY_STRING ||
		    kdf->len != 0)
			return OTS_ERR_REDIS;
		return OTS_OK;
	}
	if (salt->len != OTS_KDF_SALT_BYTES ||
	    check->len != OTS_META_CHECK_BYTES ||
	    parse_kdf(kdf, &out->sh_kdf) != OTS_OK)
		return OTS_ERR_REDIS;
	out->sh_protected = true;
	memcpy(out->sh_salt, salt->str, OTS_KDF_SALT_BYTES);
	memcpy(out->sh_check, check->str, OTS_META_CHECK_BYTES);
	return OTS_OK;
}

/* e2e "1" with its 40-byte link check, or "" and "". */
static enum ots_err
read_e2e(const redisReply *e2e, const redisReply *lcheck,
    struct ots_share *out)
{
	if (e2e->type != REDIS_REPLY_STRING ||
	    lcheck->type != REDIS_REPLY_STRING)
		return OTS_ERR_REDIS;
	if (e2e->len == 0)
		return lcheck->len == 0 ? OTS_OK : OTS_ERR_REDIS;
	if (e2e->len != 1 || e2e->str[0] != '1' ||
	    lcheck->len != OTS_META_CHECK_BYTES)
		return OTS_ERR_REDIS;
	out->sh_e2e = true;
	memcpy(out->sh_lcheck, lcheck->str, OTS_META_CHECK_BYTES);
	return OTS_OK;
}

static enum ots_err
read_available(const redisReply *rep, struct ots_share *out)
{
	const redisReply *meta;
	enum ots_err e;

	if (rep->elements != 11)
		return OTS_ERR_REDIS;
	out->sh_state = OTS_SHARE_AVAILABLE;
	e = get_u64(rep->element[1], &out->sh_size);
	if (e == OTS_OK)
		e = get_u64(rep->element[2], &out->sh_created);
	if (e == OTS_OK)
		e = get_u64(rep->element[3], &out->sh_expires);
	if (e != OTS_OK)
		return e;
	meta = rep->element[4];
	if (meta->type != REDIS_REPLY_STRING ||
	    meta->len > sizeof(out->sh_meta))
		return OTS_ERR_REDIS;
	memcpy(out->sh_meta, meta->str, meta->len);
	out->sh_meta_len = meta->len;
	e = get_u64(rep->element[8], &out->sh_attempts);
	if (e == OTS_OK)
		e = read_e2e(rep->element[9], rep->element[10], out);
	if (e != OTS_OK)
		return e;
	return read_protection(rep->element[5], rep->element[6],
	    rep->element[7], out);
}

enum ots_err
ots_share_peek(struct ots_rds *r, const struct ots_tok *id,
    struct ots_share *out)
{
	struct keys k;
	const char *argv[2];
	redisReply *rep = NULL;
	enum ots_err e;

	memset(out, 0, sizeof(*out));
	make_keys(id, &k);
	argv[0] = k.k_share;
	argv[1] = k.k_receipt;
	e = ots_rds_eval(r, OTS_SCRIPT_PEEK, 2, 2, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_peek(rep, out), "peek.lua");
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_share_decode_peek(const redisReply *rep, struct ots_share *out)
{
	struct ots_str tag;
	enum ots_err e;

	memset(out, 0, sizeof(*out));
	e = reply_tag(rep, &tag);
	if (e != OTS_OK)
		return e;
	if (ots_str_eq(tag, "available"))
		e = read_available(rep, out);
	else if (ots_str_eq(tag, "gone"))
		e = read_gone(rep, out);
	else if (!ots_str_eq(tag, "unknown") || rep->elements != 1)
		e = OTS_ERR_REDIS;
	if (e != OTS_OK)
		memset(out, 0, sizeof(*out));
	return e;
}

enum ots_err
ots_share_claim(struct ots_rds *r, const struct ots_tok *id, uint64_t now,
    uint64_t receipt_ttl, uint64_t lease_secs, const char *lease_hash,
    struct ots_share *out)
{
	char snow[24], sttl[24], slease[24];
	struct keys k;
	const char *argv[6];
	redisReply *rep = NULL;
	enum ots_err e;

	memset(out, 0, sizeof(*out));
	make_keys(id, &k);
	if (ots_str_fmt(snow, sizeof(snow), "%llu",
	    (unsigned long long)now) != OTS_OK ||
	    ots_str_fmt(sttl, sizeof(sttl), "%llu",
	    (unsigned long long)receipt_ttl) != OTS_OK ||
	    ots_str_fmt(slease, sizeof(slease), "%llu",
	    (unsigned long long)(lease_hash != NULL ? lease_secs : 0)) !=
	    OTS_OK)
		return OTS_ERR_INVAL;
	argv[0] = k.k_share;
	argv[1] = k.k_receipt;
	argv[2] = snow;
	argv[3] = sttl;
	argv[4] = slease;
	argv[5] = lease_hash != NULL ? lease_hash : "";
	e = ots_rds_eval(r, OTS_SCRIPT_CLAIM, 2, 6, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_claim(rep, now, out), "claim.lua");
	freeReplyObject(rep);
	/* Before the first byte: a failover now keeps the claim. */
	if (e == OTS_OK)
		ots_rds_wait_replicas(r);
	return e;
}

enum ots_err
ots_share_decode_claim(const redisReply *rep, uint64_t now,
    struct ots_share *out)
{
	struct ots_str tag;
	enum ots_err e;

	memset(out, 0, sizeof(*out));
	e = reply_tag(rep, &tag);
	if (e != OTS_OK)
		return e;
	if (ots_str_eq(tag, "ok") && rep->elements == 2) {
		e = get_u64(rep->element[1], &out->sh_size);
		if (e == OTS_OK) {
			out->sh_state = OTS_SHARE_CLAIMED;
			out->sh_claimed_at = now;
		}
		return e;
	}
	return ended(rep, tag, &out->sh_state);
}

/* Runs a script over the share's two keys with extra arguments. */
static enum ots_err
eval_share(struct ots_rds *r, enum ots_lua_script s, const struct ots_tok *id,
    int nargs, const char **args, redisReply **rep)
{
	struct keys k;
	const char *argv[8];
	int i;

	OTS_ASSERT(nargs <= 6);
	make_keys(id, &k);
	argv[0] = k.k_share;
	argv[1] = k.k_receipt;
	for (i = 0; i < nargs; i++)
		argv[2 + i] = args[i];
	return ots_rds_eval(r, s, 2, 2 + nargs, argv, NULL, rep);
}

/* Runs guess.lua: the share's keys, its guesses in flight, op, token. */
static enum ots_err
eval_guess(struct ots_rds *r, const struct ots_tok *id, const char *op,
    const char *token, int nargs, const char **args, redisReply **rep)
{
	char guesses[KEY_SZ];
	struct keys k;
	const char *argv[10];
	int i;

	OTS_ASSERT(nargs <= 5);
	make_keys(id, &k);
	if (ots_str_fmt(guesses, sizeof(guesses), "ots:{%s}:g", id->t_str) !=
	    OTS_OK)
		OTS_ASSERT(!"guess key does not fit");
	argv[0] = k.k_share;
	argv[1] = k.k_receipt;
	argv[2] = guesses;
	argv[3] = op;
	argv[4] = token;
	for (i = 0; i < nargs; i++)
		argv[5 + i] = args[i];
	return ots_rds_eval(r, OTS_SCRIPT_GUESS, 3, 5 + nargs, argv, NULL, rep);
}

enum ots_err
ots_share_guess_begin(struct ots_rds *r, const struct ots_tok *id,
    const char *token, uint64_t limit, uint64_t lease_ms,
    enum ots_share_state *out_state)
{
	char slimit[24], slease[24];
	const char *args[2] = { slimit, slease };
	redisReply *rep = NULL;
	enum ots_err e;

	*out_state = OTS_SHARE_UNKNOWN;
	if (ots_str_fmt(slimit, sizeof(slimit), "%llu",
	    (unsigned long long)limit) != OTS_OK ||
	    ots_str_fmt(slease, sizeof(slease), "%llu",
	    (unsigned long long)lease_ms) != OTS_OK)
		return OTS_ERR_INVAL;
	e = eval_guess(r, id, "begin", token, 2, args, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_guess_begin(rep, out_state), "guess.lua");
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_share_decode_guess_begin(const redisReply *rep,
    enum ots_share_state *out_state)
{
	struct ots_str tag;
	enum ots_err e;

	*out_state = OTS_SHARE_UNKNOWN;
	e = reply_tag(rep, &tag);
	if (e != OTS_OK)
		return e;
	if (ots_str_eq(tag, "ok") && rep->elements == 1) {
		*out_state = OTS_SHARE_AVAILABLE;
		return OTS_OK;
	}
	if (ots_str_eq(tag, "wait") && rep->elements == 1) {
		*out_state = OTS_SHARE_AVAILABLE;
		return OTS_ERR_BUSY;
	}
	return ended(rep, tag, out_state);
}

enum ots_err
ots_share_guess_right(struct ots_rds *r, const struct ots_tok *id,
    const char *token)
{
	redisReply *rep = NULL;
	enum ots_err e;

	e = eval_guess(r, id, "right", token, 0, NULL, &rep);
	if (e != OTS_OK)
		return e;
	e = rep->type == REDIS_REPLY_ARRAY ? OTS_OK : OTS_ERR_REDIS;
	freeReplyObject(rep);
	return decoded(e, "guess.lua");
}

enum ots_err
ots_share_guess_wrong(struct ots_rds *r, const struct ots_tok *id,
    const char *token, uint64_t limit, uint64_t now, uint64_t receipt_ttl,
    uint64_t *left, enum ots_share_state *out_state)
{
	char slimit[24], snow[24], sttl[24];
	const char *args[3] = { slimit, snow, sttl };
	redisReply *rep = NULL;
	enum ots_err e;

	*left = 0;
	*out_state = OTS_SHARE_UNKNOWN;
	if (ots_str_fmt(slimit, sizeof(slimit), "%llu",
	    (unsigned long long)limit) != OTS_OK ||
	    ots_str_fmt(snow, sizeof(snow), "%llu",
	    (unsigned long long)now) != OTS_OK ||
	    ots_str_fmt(sttl, sizeof(sttl), "%llu",
	    (unsigned long long)receipt_ttl) != OTS_OK)
		return OTS_ERR_INVAL;
	e = eval_guess(r, id, "wrong", token, 3, args, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_attempt(rep, left, out_state),
	    "guess.lua");
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_share_decode_attempt(const redisReply *rep, uint64_t *left,
    enum ots_share_state *out_state)
{
	struct ots_str tag;
	enum ots_err e;

	*left = 0;
	*out_state = OTS_SHARE_UNKNOWN;
	e = reply_tag(rep, &tag);
	if (e != OTS_OK)
		return e;
	if (ots_str_eq(tag, "left") && rep->elements == 2) {
		e = get_u64(rep->element[1], left);
		if (e == OTS_OK)
			*out_state = OTS_SHARE_AVAILABLE;
		return e;
	}
	/* This guess was counted and was the last allowed: OK, unlike a
	 * share found already locked (gone). */
	if (ots_str_eq(tag, "locked") && rep->elements == 1) {
		*out_state = OTS_SHARE_LOCKED;
		return OTS_OK;
	}
	return ended(rep, tag, out_state);
}

enum ots_err
ots_share_revoke(struct ots_rds *r, const struct ots_tok *id,
    const char *owner_hash, uint64_t now, uint64_t receipt_ttl,
    enum ots_share_state *out_state)
{
	char snow[24], sttl[24];
	const char *args[4] = { owner_hash != NULL ? owner_hash : "", snow,
		sttl, owner_hash != NULL ? "0" : "1" };
	redisReply *rep = NULL;
	enum ots_err e;

	*out_state = OTS_SHARE_UNKNOWN;
	if (ots_str_fmt(snow, sizeof(snow), "%llu",
	    (unsigned long long)now) != OTS_OK ||
	    ots_str_fmt(sttl, sizeof(sttl), "%llu",
	    (unsigned long long)receipt_ttl) != OTS_OK)
		return OTS_ERR_INVAL;
	e = eval_share(r, OTS_SCRIPT_REVOKE, id, 4, args, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_revoke(rep, out_state), "revoke.lua");
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_share_decode_revoke(const redisReply *rep, enum ots_share_state *out_state)
{
	struct ots_str tag;
	enum ots_err e;

	*out_state = OTS_SHARE_UNKNOWN;
	e = reply_tag(rep, &tag);
	if (e != OTS_OK)
		return e;
	if (ots_str_eq(tag, "ok") && rep->elements == 1) {
		*out_state = OTS_SHARE_REVOKED;
		return OTS_OK;
	}
	if (ots_str_eq(tag, "forbidden") && rep->elements == 1)
		return OTS_ERR_AUTH;
	return ended(rep, tag, out_state);
}

enum ots_err
ots_share_status(struct ots_rds *r, const struct ots_tok *id,
    struct ots_receipt *out)
{
	redisReply *rep = NULL;
	enum ots_err e;

	memset(out, 0, sizeof(*out));
	e = eval_share(r, OTS_SCRIPT_STATUS, id, 0, NULL, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_status(rep, out), "status.lua");
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_share_decode_status(const redisReply *rep, struct ots_receipt *out)
{
	struct ots_str tag;
	const redisReply *owner;
	enum ots_err e;

	memset(out, 0, sizeof(*out));
	e = reply_tag(rep, &tag);
	if (e != OTS_OK)
		return e;
	if (ots_str_eq(tag, "unknown") && rep->elements == 1)
		return OTS_OK;
	if (rep->elements != 10)
		return OTS_ERR_REDIS;
	/* The tag is the state: a word we do not know is a broken reply,
	 * not "no receipt". */
	out->r_state = parse_state(rep->element[0]);
	if (out->r_state == OTS_SHARE_UNKNOWN)
		e = OTS_ERR_REDIS;
	if (e == OTS_OK)
		e = get_u64(rep->element[1], &out->r_size);
	if (e == OTS_OK)
		e = get_u64(rep->element[2], &out->r_created);
	if (e == OTS_OK)
		e = get_u64(rep->element[3], &out->r_expires);
	if (e == OTS_OK)
		e = get_u64(rep->element[4], &out->r_claimed_at);
	if (e == OTS_OK)
		e = get_u64(rep->element[5], &out->r_ended_at);
	owner = rep->element[6];
	if (e == OTS_OK && (owner->type != REDIS_REPLY_STRING ||
	    owner->len >= sizeof(out->r_owner) ||
	    memchr(owner->str, '\0', owner->len) != NULL))
		e = OTS_ERR_REDIS;
	if (e == OTS_OK) {
		memcpy(out->r_owner, owner->str, owner->len);
		out->r_owner[owner->len] = '\0';
	}
	if (e == OTS_OK && (rep->element[7]->type != REDIS_REPLY_STRING ||
	    rep->element[7]->len > 1))
		e = OTS_ERR_REDIS;
	if (e == OTS_OK)
		out->r_e2e = rep->element[7]->len == 1 &&
		    rep->element[7]->str[0] == '1';
	if (e == OTS_OK)
		e = get_u64(rep->element[8], &out->r_lease_until);
	if (e == OTS_OK)
		e = get_u64(rep->element[9], &out->r_lease_ended_at);
	if (e != OTS_OK)
		memset(out, 0, sizeof(*out));
	return e;
}

enum ots_err
ots_share_lease(struct ots_rds *r, const struct ots_tok *id,
    enum ots_lease_op op, uint64_t now, const char *lease_hash,
    uint64_t *until)
{
	static const char *const ops[] = { [OTS_LEASE_CHECK] = "check",
		[OTS_LEASE_END] = "end", [OTS_LEASE_LAPSE] = "lapse" };
	char snow[24];
	struct keys k;
	const char *argv[4];
	redisReply *rep = NULL;
	enum ots_err e;

	*until = 0;
	make_keys(id, &k);
	if (ots_str_fmt(snow, sizeof(snow), "%llu",
	    (unsigned long long)now) != OTS_OK)
		return OTS_ERR_INVAL;
	argv[0] = k.k_receipt;
	argv[1] = ops[op];
	argv[2] = snow;
	argv[3] = lease_hash != NULL ? lease_hash : "";
	e = ots_rds_eval(r, OTS_SCRIPT_LEASE, 1, 4, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_lease(rep, op, until), "lease.lua");
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_share_decode_lease(const redisReply *rep, enum ots_lease_op op,
    uint64_t *until)
{
	struct ots_str tag;
	enum ots_err e;

	*until = 0;
	e = reply_tag(rep, &tag);
	if (e != OTS_OK)
		return e;
	if (ots_str_eq(tag, "unknown") && rep->elements == 1)
		return OTS_ERR_NOTFOUND;
	if (ots_str_eq(tag, "ended") && rep->elements == 1)
		return OTS_ERR_GONE;
	if (op == OTS_LEASE_LAPSE)
		return ots_str_eq(tag, "running") && rep->elements == 1 ?
		    OTS_OK : OTS_ERR_REDIS;
	if (ots_str_eq(tag, "forbidden") && rep->elements == 1)
		return OTS_ERR_AUTH;
	if (op == OTS_LEASE_END)
		return ots_str_eq(tag, "ok") && rep->elements == 1 ? OTS_OK :
		    OTS_ERR_REDIS;
	if (!ots_str_eq(tag, "ok") || rep->elements != 2)
		return OTS_ERR_REDIS;
	return get_u64(rep->element[1], until);
}

enum ots_err
ots_share_exists(struct ots_rds *r, const struct ots_tok *id, bool *exists)
{
	struct keys k;
	const char *argv[2];
	redisReply *rep = NULL;
	enum ots_err e;

	*exists = true;
	make_keys(id, &k);
	argv[0] = "EXISTS";
	argv[1] = k.k_share;
	e = ots_rds_command(r, 2, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	e = decoded(ots_share_decode_exists(rep, exists), "EXISTS");
	freeReplyObject(rep);
	return e;
}

enum ots_err
ots_share_decode_exists(const redisReply *rep, bool *exists)
{
	/* When in doubt the share exists: the sweeper then keeps its file. */
	*exists = true;
	if (rep->type != REDIS_REPLY_INTEGER)
		return OTS_ERR_REDIS;
	*exists = rep->integer != 0;
	return OTS_OK;
}
