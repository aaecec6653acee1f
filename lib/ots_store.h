/*
 * ots_store: the ciphertext files on disk (docs/SECURITY.md, DESIGN §6).
 *
 *	DATA/files/ID		a committed container
 *	DATA/tmp/ID.part	an upload being written, where the file system
 *				cannot make unnamed files
 *	DATA/uploads/ID.part	an end-to-end upload, arriving in parts
 *				(docs/E2E.md)
 *	DATA/ots-lease/ID	a claimed end-to-end container the web server
 *				sends (mode 0640: readable by its group, the
 *				web server's, and nothing else)
 *
 * An upload is written to an unnamed file (O_TMPFILE) in files/, synced,
 * given its name (linkat) and the directory synced, so a committed file
 * survives a crash and a crashed upload leaves nothing at all.  Where
 * O_TMPFILE or linkat through /proc fails (probed at open), the file is
 * written under tmp/ as ID.part and renamed into files/ instead; the
 * sweeper removes the .part of a crashed upload.  A store opened
 * non-durable (OTS_DURABLE=0) skips both syncs: a committed file then
 * survives a process crash but not a power cut.  A claim opens
 * and unlinks in one step, before the first byte is served.  One store is
 * shared by all threads of a process: it holds only directory descriptors
 * that never change after ots_store_open().
 */
#ifndef OTS_STORE_H
#define OTS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "ots_s3.h"
#include "ots_tok.h"
#include "ots_util.h"

struct ots_store;

/* A file being written; owned by one request. */
struct ots_store_tmp {
	int t_fd;			/* -1 when closed */
	bool t_unnamed;			/* O_TMPFILE: t_name is "ID" */
	char t_name[OTS_TOK_STRSZ + 8];	/* "ID.part", "ID", or "" */
	uint64_t t_written;
};

/*
 * Opens (creating tmp/ and files/ with mode 0700 when missing) the data
 * directory dir; durable: sync each commit (above).  OTS_ERR_IO when it
 * is missing or unusable.
 */
OTS_WARN_UNUSED enum ots_err ots_store_open(const char *dir, bool durable,
    struct ots_store **out);

/* Closes; accepts NULL. */
void ots_store_close(struct ots_store *st);

/*
 * OTS_STORAGE=s3: from now on the committed containers live in the
 * bucket conf (borrowed) names, as "files/ID" (ots_store_s3.h): commits
 * put them there, a server-side claim streams its object
 * (ots_store_read_claimed), an end-to-end claim's open fetches one into
 * files/ID first (nginx sends the lease from disk), and removing or
 * leasing a share deletes its object.  The scan of
 * OTS_STORE_FILES lists the bucket (and this host's claim copies), the
 * usage counts the bucket, the probe writes to it.  Call before any
 * thread uses the store.
 */
OTS_WARN_UNUSED enum ots_err ots_store_use_s3(struct ots_store *st,
    const struct ots_s3_conf *conf, unsigned timeout_ms);

/* True when uploads are written as unnamed files (above). */
bool ots_store_unnamed(const struct ots_store *st);

/* Writes uploads as tmp/ID.part from now on: the fallback, for tests. */
void ots_store_use_named_temps(struct ots_store *st);

/* Starts the upload of id: an unnamed file, or tmp/ID.part (mode 0600,
 * must not exist). */
OTS_WARN_UNUSED enum ots_err ots_store_create(struct ots_store *st,
    const struct ots_tok *id, struct ots_store_tmp *t);

/* Appends n bytes.  OTS_ERR_NOSPACE when the disk is full. */
OTS_WARN_UNUSED enum ots_err ots_store_write(struct ots_store_tmp *t,
    const uint8_t *p, size_t n);

/*
 * Makes the file durable and moves it to files/ID, never over a file
 * there: OTS_ERR_INVAL when files/ID exists (an id drawn by a client,
 * taken).  On error the temp file is removed.  t is closed either way.
 */
OTS_WARN_UNUSED enum ots_err ots_store_commit(struct ots_store *st,
    struct ots_store_tmp *t);

/* Closes and removes a temp file (an unnamed one vanishes as it is
 * closed); safe to call on a closed one. */
void ots_store_abort(struct ots_store *st, struct ots_store_tmp *t);

/*
 * Opens files/ID for reading without removing it (a claim opens the file
 * before it wins, so nothing can remove it in between, then calls
 * ots_store_remove()).  OTS_ERR_NOTFOUND when there is no such file.
 */
OTS_WARN_UNUSED enum ots_err ots_store_open_read(struct ots_store *st,
    const struct ots_tok *id, int *fd);

/*
 * A server-side claim's read, from wherever the container lives, never
 * copied: start(ctx, size) runs once the container is there (size: its
 * bytes) and wins the claim or not; when it returns OTS_OK the container
 * leaves the store (the file unlinked, the object deleted) before push
 * gets its first byte, and push then gets all of it, piece by piece.
 * Any other result of start ends the read with it, the container kept.
 * OTS_ERR_NOTFOUND before start when there is none; OTS_ERR_IO (disk)
 * or OTS_ERR_STORE (bucket) when the store fails, before start or after
 * it (the claim is then spent: the caller cuts the answer).  With S3
 * the object is streamed as it arrives: the store must let a started
 * GET go on across the object's DELETE (Ceph's RGW does; so does AWS).
 */
typedef enum ots_err (*ots_store_start_fn)(void *ctx, uint64_t size);
typedef enum ots_err (*ots_store_push_fn)(void *ctx, const uint8_t *p,
    size_t n);
OTS_WARN_UNUSED enum ots_err ots_store_read_claimed(struct ots_store *st,
    const struct ots_tok *id, ots_store_start_fn start,
    ots_store_push_fn push, void *ctx);

/* Removes files/ID; a missing file is OTS_OK. */
OTS_WARN_UNUSED enum ots_err ots_store_remove(struct ots_store *st,
    const struct ots_tok *id);

/* The folders a scan walks. */
enum ots_store_dir {
	OTS_STORE_FILES = 0,	/* files/ID */
	OTS_STORE_TEMPS,	/* tmp/ID.part */
	OTS_STORE_UPLOADS,	/* uploads/ID.part */
	OTS_STORE_LEASES	/* ots-lease/ID */
};

/*
 * Called for each entry the scan visits: name (an id in files/ and
 * ots-lease/, "ID.part" in tmp/ and uploads/), its mtime (seconds since
 * the epoch).  Set *remove to unlink it; a non-OK return stops the scan
 * with that error.
 */
typedef enum ots_err (*ots_store_visit_fn)(void *ctx, const char *name,
    uint64_t mtime, bool *remove);

/*
 * Visits every file of folder dir; names that are not ours are skipped.
 * *removed counts unlinks.
 */
OTS_WARN_UNUSED enum ots_err ots_store_scan(struct ots_store *st,
    enum ots_store_dir dir, ots_store_visit_fn fn, void *ctx,
    uint64_t *removed);

/* Counts the committed files and their bytes. */
OTS_WARN_UNUSED enum ots_err ots_store_usage(struct ots_store *st,
    uint64_t *files, uint64_t *bytes);

/*
 * Probes that the data directory is writable: creates, syncs and removes
 * a file in tmp/.  For readiness checks.
 */
OTS_WARN_UNUSED enum ots_err ots_store_probe(struct ots_store *st);

/*
 * End-to-end uploads: uploads/ID.part, written in parts by any worker.
 * create: a new empty file (OTS_ERR_INVAL when one exists).  open: for
 * writing parts and reading its header back; *fd owned by the caller;
 * have is what the upload's record says is stored: with S3 storage a
 * file this host does not have (another host took the first parts) is
 * made again from the bucket's copies of the parts (ots_store_part_keep),
 * OTS_ERR_NOTFOUND when there are none to make it from.
 */
OTS_WARN_UNUSED enum ots_err ots_store_part_create(struct ots_store *st,
    const struct ots_tok *id);
OTS_WARN_UNUSED enum ots_err ots_store_part_open(struct ots_store *st,
    const struct ots_tok *id, uint64_t have, int *fd);

/* After a part is settled: with S3 storage, its len bytes from offset
 * are put into the bucket too, so that any host can go on; nothing
 * otherwise. */
OTS_WARN_UNUSED enum ots_err ots_store_part_keep(struct ots_store *st,
    const struct ots_tok *id, int fd, uint64_t offset, uint64_t len);

/* Writes n bytes at offset of an open part file.  OTS_ERR_NOSPACE when
 * the disk is full. */
OTS_WARN_UNUSED enum ots_err ots_store_part_write(int fd, uint64_t offset,
    const uint8_t *p, size_t n);

/* Before a part is written at offset: drops whatever a failed part left
 * past it. */
OTS_WARN_UNUSED enum ots_err ots_store_part_begin(int fd, uint64_t offset);

/* After a part: its bytes are durable (OTS_DURABLE) before the offset
 * moves past them, and the mtime says the upload is alive. */
OTS_WARN_UNUSED enum ots_err ots_store_part_settle(struct ots_store *st,
    int fd);

/* Reads the first n bytes of an open part file into head and its size
 * into *size.  OTS_ERR_TRUNC when it is shorter than n. */
OTS_WARN_UNUSED enum ots_err ots_store_part_head(int fd, uint8_t *head,
    size_t n, uint64_t *size);

/*
 * Makes a complete part file durable (as ots_store_commit does) and moves
 * it to files/ID, never replacing a file there (OTS_ERR_INVAL: taken).
 * OTS_ERR_NOTFOUND when there is no such part file.
 */
OTS_WARN_UNUSED enum ots_err ots_store_part_commit(struct ots_store *st,
    const struct ots_tok *id);

/* Moves files/ID back to uploads/ID.part (a commit whose registration
 * failed, so that it may be tried again). */
OTS_WARN_UNUSED enum ots_err ots_store_part_uncommit(struct ots_store *st,
    const struct ots_tok *id);

/* Removes uploads/ID.part; a missing file is OTS_OK. */
OTS_WARN_UNUSED enum ots_err ots_store_part_remove(struct ots_store *st,
    const struct ots_tok *id);

/*
 * Hands files/ID to the web server for the lease of a claim: mode 0640,
 * moved to ots-lease/ID.  OTS_ERR_NOTFOUND when there is no such file.
 */
OTS_WARN_UNUSED enum ots_err ots_store_lease(struct ots_store *st,
    const struct ots_tok *id);

/*
 * Can the web server read what ots_store_lease() hands it?  True when
 * the data dir and ots-lease/ let their group through and a new file in
 * files/ is born in ots-lease/'s group (files/ setgid, or the worker's
 * own group): docs/OPERATIONS.md.
 */
bool ots_store_lease_ready(struct ots_store *st);

/*
 * Is ots-lease/ID here?  A lease is kept in Redis, its file on the disk
 * of the host that answered the claim: another host has no copy.
 */
bool ots_store_lease_here(struct ots_store *st, const struct ots_tok *id);

/* Removes ots-lease/ID (the lease ended); a missing file is OTS_OK. */
OTS_WARN_UNUSED enum ots_err ots_store_lease_remove(struct ots_store *st,
    const struct ots_tok *id);

/* Bytes an unprivileged writer may still use on the data directory's
 * file system (statvfs f_bavail). */
OTS_WARN_UNUSED enum ots_err ots_store_free_bytes(struct ots_store *st,
    uint64_t *bytes);

#endif
