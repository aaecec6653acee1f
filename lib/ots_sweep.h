/*
 * ots_sweep: removing from disk what no share needs any more: files whose
 * share hash is gone (expired, claimed, revoked, locked) and temp files
 * of uploads that stopped.  One sweep at a time runs across all processes
 * and hosts, under a Redis lock with a TTL.
 */
#ifndef OTS_SWEEP_H
#define OTS_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "ots_rds.h"
#include "ots_store.h"
#include "ots_util.h"

struct ots_sweep_stats {
	uint64_t ss_files;		/* committed files looked at */
	uint64_t ss_removed;		/* ... removed */
	uint64_t ss_parts_removed;	/* stale temp files removed */
	uint64_t ss_uploads_removed;	/* abandoned end-to-end uploads */
};

/*
 * Tries to take the sweep lock for ttl_ms; *got says whether it did.
 * token identifies the holder (random, NUL-terminated).
 */
OTS_WARN_UNUSED enum ots_err ots_sweep_lock(struct ots_rds *r,
    const char *token, uint64_t ttl_ms, bool *got);

/* Releases the lock if token still holds it. */
OTS_WARN_UNUSED enum ots_err ots_sweep_unlock(struct ots_rds *r,
    const char *token);

/*
 * One sweep.  A committed file is removed when its share hash is gone
 * and the file is older than grace seconds: an upload renames its file
 * into place just before registering the share, and must not lose it in
 * between.  A temp file is removed when untouched for part_age seconds.
 * An end-to-end upload's file goes once its upload record is gone (it
 * idled past OTS_UPLOAD_IDLE or outlived OTS_UPLOAD_MAX_AGE) and it is
 * older than grace.  Stops at the first Redis error (nothing is removed
 * on doubt).
 */
OTS_WARN_UNUSED enum ots_err ots_sweep_run(struct ots_rds *r,
    struct ots_store *st, uint64_t now, uint64_t grace, uint64_t part_age,
    struct ots_sweep_stats *stats);

/*
 * Removes the leased files (ots-lease/) whose lease has ended: lapsed
 * (marked so in the receipt) or gone with its receipt.  Cheap (a folder
 * that holds the downloads in progress), so it runs every second in every
 * process, without the lock: a lease ends "at once" within a second.
 * *removed counts the files removed.
 */
OTS_WARN_UNUSED enum ots_err ots_sweep_leases(struct ots_rds *r,
    struct ots_store *st, uint64_t now, uint64_t *removed);

#endif
