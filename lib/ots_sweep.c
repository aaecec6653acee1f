#include "ots_sweep.h"

#include <string.h>

#include "ots_parts.h"
#include "ots_share.h"
#include "ots_banned.h"

#define LOCK_KEY "ots:{sweep}:lock"

enum ots_err
ots_sweep_lock(struct ots_rds *r, const char *token, uint64_t ttl_ms,
    bool *got)
{
	char ttl[24];
	const char *argv[6] = { "SET", LOCK_KEY, token, "NX", "PX", ttl };
	redisReply *rep = NULL;
	enum ots_err e;

	*got = false;
	if (ots_str_fmt(ttl, sizeof(ttl), "%llu", (unsigned long long)ttl_ms)
	    != OTS_OK)
		return OTS_ERR_INVAL;
	e = ots_rds_command(r, 6, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	*got = rep->type == REDIS_REPLY_STATUS;
	freeReplyObject(rep);
	return OTS_OK;
}

enum ots_err
ots_sweep_unlock(struct ots_rds *r, const char *token)
{
	const char *argv[2] = { LOCK_KEY, token };
	redisReply *rep = NULL;
	enum ots_err e;

	e = ots_rds_eval(r, OTS_SCRIPT_UNLOCK, 1, 2, argv, NULL, &rep);
	if (e == OTS_OK)
		freeReplyObject(rep);
	return e;
}

struct sweep_ctx {
	struct ots_rds *sc_rds;
	uint64_t sc_now;
	uint64_t sc_grace;
	uint64_t sc_part_age;
	uint64_t sc_seen;
};

static enum ots_err
visit_file(void *ctx, const char *name, uint64_t mtime, bool *remove)
{
	struct sweep_ctx *sc = ctx;
	struct ots_tok id;
	bool exists = true;
	enum ots_err e;

	sc->sc_seen++;
	if (mtime + sc->sc_grace > sc->sc_now)
		return OTS_OK;
	if (ots_tok_parse(name, strlen(name), &id) != OTS_OK)
		return OTS_OK;
	e = ots_share_exists(sc->sc_rds, &id, &exists);
	if (e != OTS_OK)
		return e;
	*remove = !exists;
	return OTS_OK;
}

static enum ots_err
visit_part(void *ctx, const char *name, uint64_t mtime, bool *remove)
{
	struct sweep_ctx *sc = ctx;

	(void)name;
	*remove = mtime + sc->sc_part_age <= sc->sc_now;
	return OTS_OK;
}

/* uploads/ID.part: gone with its upload record, once past the grace. */
static enum ots_err
visit_upload(void *ctx, const char *name, uint64_t mtime, bool *remove)
{
	struct sweep_ctx *sc = ctx;
	struct ots_tok id;
	bool exists = true;
	enum ots_err e;

	if (mtime + sc->sc_grace > sc->sc_now)
		return OTS_OK;
	if (ots_tok_parse(name, OTS_TOK_CHARS, &id) != OTS_OK)
		return OTS_OK;
	e = ots_parts_exists(sc->sc_rds, &id, &exists);
	if (e != OTS_OK)
		return e;
	*remove = !exists;
	return OTS_OK;
}

enum ots_err
ots_sweep_run(struct ots_rds *r, struct ots_store *st, uint64_t now,
    uint64_t grace, uint64_t part_age, struct ots_sweep_stats *stats)
{
	struct sweep_ctx sc = { r, now, grace, part_age, 0 };
	enum ots_err e;

	memset(stats, 0, sizeof(*stats));
	e = ots_store_scan(st, OTS_STORE_FILES, visit_file, &sc,
	    &stats->ss_removed);
	stats->ss_files = sc.sc_seen;
	if (e == OTS_OK)
		e = ots_store_scan(st, OTS_STORE_TEMPS, visit_part, &sc,
		    &stats->ss_parts_removed);
	if (e == OTS_OK)
		e = ots_store_scan(st, OTS_STORE_UPLOADS, visit_upload, &sc,
		    &stats->ss_uploads_removed);
	return e;
}

static enum ots_err
visit_lease(void *ctx, const char *name, uint64_t mtime, bool *remove)
{
	struct sweep_ctx *sc = ctx;
	struct ots_tok id;
	uint64_t until = 0;
	enum ots_err e;

	(void)mtime;
	if (ots_tok_parse(name, strlen(name), &id) != OTS_OK)
		return OTS_OK;
	e = ots_share_lease(sc->sc_rds, &id, OTS_LEASE_LAPSE, sc->sc_now, NULL,
	    &until);
	if (e == OTS_ERR_GONE || e == OTS_ERR_NOTFOUND) {
		*remove = true;
		return OTS_OK;
	}
	return e;
}

enum ots_err
ots_sweep_leases(struct ots_rds *r, struct ots_store *st, uint64_t now,
    uint64_t *removed)
{
	struct sweep_ctx sc = { r, now, 0, 0, 0 };

	return ots_store_scan(st, OTS_STORE_LEASES, visit_lease, &sc, removed);
}
