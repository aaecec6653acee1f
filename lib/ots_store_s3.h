/*
 * ots_store_s3: the ciphertext in an S3-compatible bucket
 * (OTS_STORAGE=s3, docs/OPERATIONS.md, "S3 storage"), for ots_store.
 * The data directory stays, as each host's scratch space: an upload is
 * encrypted (or its parts written) there as on disk, then put into the
 * bucket as "files/ID" before it is registered.  A server-side claim
 * streams the object into the decryptor as it arrives (no copy): the
 * claim runs when its first bytes come, and the object is deleted
 * before they go on.  An end-to-end claim fetches the object back into
 * files/ID before it wins, so the file guard, the lease and nginx's
 * sendfile work as on disk; the object is deleted with the claim,
 * before the first byte.  S3 handles (one request at a time
 * each) come from a pool shared by the threads.
 */
#ifndef OTS_STORE_S3_H
#define OTS_STORE_S3_H

#include <stdbool.h>
#include <stdint.h>

#include "ots_s3.h"
#include "ots_store.h"
#include "ots_tok.h"
#include "ots_util.h"

struct ots_store_s3;

/* A pool of handles for conf (borrowed); sets libcurl up, so call it
 * before any thread starts. */
OTS_WARN_UNUSED enum ots_err ots_store_s3_new(const struct ots_s3_conf *conf,
    unsigned timeout_ms, struct ots_store_s3 **out);
void ots_store_s3_free(struct ots_store_s3 *p);

/* Puts len bytes of fd as id's object.  exclusive (an id a client
 * drew): never over an object there (OTS_ERR_INVAL: taken); else an
 * object there is replaced (an id the server drew can only be its own:
 * a commit tried again). */
OTS_WARN_UNUSED enum ots_err ots_store_s3_put(struct ots_store_s3 *p,
    const struct ots_tok *id, int fd, uint64_t len, bool exclusive);

/* Fetches id's object into fd (from its start); OTS_ERR_NOTFOUND when
 * there is none. */
OTS_WARN_UNUSED enum ots_err ots_store_s3_fetch(struct ots_store_s3 *p,
    const struct ots_tok *id, int fd);

/* ots_store_read_claimed() on the bucket: GETs id's object, start runs
 * when its first bytes arrive, and a start that returns OTS_OK has the
 * object deleted (on the handle's other connection) before push gets
 * them; a delete the store refuses is logged, the sweeper's to finish. */
OTS_WARN_UNUSED enum ots_err ots_store_s3_stream(struct ots_store_s3 *p,
    const struct ots_tok *id, ots_store_start_fn start,
    ots_store_push_fn push, void *ctx);

/* Deletes id's object; a missing one is OTS_OK. */
OTS_WARN_UNUSED enum ots_err ots_store_s3_delete(struct ots_store_s3 *p,
    const struct ots_tok *id);

/*
 * An end-to-end upload's parts, so that any host may go on with it (and
 * commit it) when the one that took the first parts is gone: each part
 * is also kept as "parts/ID/OFFSET".  put_part: len bytes of fd from
 * offset on.  fetch_parts: the parts from 0 to upto written into fd at
 * their offsets (OTS_ERR_NOTFOUND when they do not cover it all).
 * delete_parts: every part object of id (committed or abandoned).
 */
OTS_WARN_UNUSED enum ots_err ots_store_s3_put_part(struct ots_store_s3 *p,
    const struct ots_tok *id, int fd, uint64_t offset, uint64_t len);
OTS_WARN_UNUSED enum ots_err ots_store_s3_fetch_parts(struct ots_store_s3 *p,
    const struct ots_tok *id, int fd, uint64_t upto);
OTS_WARN_UNUSED enum ots_err ots_store_s3_delete_parts(
    struct ots_store_s3 *p, const struct ots_tok *id);

/* Visits every object under files/ as ots_store_scan does (name: the
 * id, mtime: LastModified); *remove deletes it.  files and bytes (either
 * may be NULL) count what is left. */
OTS_WARN_UNUSED enum ots_err ots_store_s3_scan(struct ots_store_s3 *p,
    ots_store_visit_fn fn, void *ctx, uint64_t *removed, uint64_t *files,
    uint64_t *bytes);

/* Likewise every part object under parts/, once per part (name: its
 * upload's id); *remove deletes it. */
OTS_WARN_UNUSED enum ots_err ots_store_s3_scan_parts(struct ots_store_s3 *p,
    ots_store_visit_fn fn, void *ctx, uint64_t *removed);
/* Puts and deletes a small object: can the bucket be written? */
OTS_WARN_UNUSED enum ots_err ots_store_s3_probe(struct ots_store_s3 *p);

#endif
