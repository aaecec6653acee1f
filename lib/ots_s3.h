/*
 * ots_s3: the requests an S3-compatible object store is asked here
 * (PutObject, a multipart upload, GetObject streamed, HeadObject,
 * DeleteObject, ListObjectsV2), over libcurl, each signed by libcurl's
 * own AWS SigV4 (CURLOPT_AWS_SIGV4), never by code of ours.  One handle
 * per thread (libcurl easy handles are not thread-safe); it keeps its
 * connections alive between requests.
 *
 * What curl 7.88 (Debian 12) needs, and this module does: every request
 * carries "x-amz-content-sha256: UNSIGNED-PAYLOAD" (7.88 hashes no body
 * of its own), every query string is already canonical (names sorted,
 * "name=value", values percent-encoded with upper-case hex), no header
 * is removed with an empty "Name:" (7.88 signs those wrongly).
 *
 * Keys are ours ("files/" and a share id): letters, digits, "-", "_",
 * "." and "/" only, checked.  No request, key or header is ever logged:
 * a log line names the operation, the HTTP status and S3's error code.
 */
#ifndef OTS_S3_H
#define OTS_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_err.h"
#include "ots_util.h"

#define OTS_S3_URL_MAX 512
#define OTS_S3_BUCKET_MAX 64
#define OTS_S3_REGION_MAX 64
#define OTS_S3_SECRET_MAX 256
#define OTS_S3_KEY_MAX 128
#define OTS_S3_TOKEN_MAX 1024
/* S3's own bounds on a multipart upload. */
#define OTS_S3_PART_MIN (5u * 1024 * 1024)
#define OTS_S3_PARTS_MAX 10000u

/* Where the store is and how to sign for it (ots_cfg fills it). */
struct ots_s3_conf {
	char sc_endpoint[OTS_S3_URL_MAX];	/* http(s)://host[:port] */
	char sc_bucket[OTS_S3_BUCKET_MAX];
	char sc_region[OTS_S3_REGION_MAX];
	char sc_access_key[OTS_S3_SECRET_MAX];
	char sc_secret_key[OTS_S3_SECRET_MAX];
	bool sc_virtual_host;	/* bucket.host/key, else host/bucket/key */
	uint64_t sc_part_size;	/* larger objects go up in parts of this */
};

struct ots_s3;

/* libcurl's global set-up: once, before any thread starts. */
OTS_WARN_UNUSED enum ots_err ots_s3_global_init(void);

/* A handle for conf (borrowed, must outlive it); timeout_ms bounds a
 * connect, a control request, and a data transfer that stalls. */
OTS_WARN_UNUSED enum ots_err ots_s3_new(const struct ots_s3_conf *conf,
    unsigned timeout_ms, struct ots_s3 **out);
void ots_s3_free(struct ots_s3 *s);

/*
 * Results of every request: OTS_OK; OTS_ERR_NOTFOUND (404); OTS_ERR_INVAL
 * (412: an exclusive put of a key that exists, or a key we refuse);
 * OTS_ERR_NOSPACE (a quota); OTS_ERR_TOOBIG (EntityTooLarge);
 * OTS_ERR_STORE for anything else the store said or did (unreachable,
 * timed out, 5xx, refused credentials), logged; OTS_ERR_NOMEM.
 */

/* Creates the bucket (tests and first runs); one that is ours already
 * is OTS_OK. */
OTS_WARN_UNUSED enum ots_err ots_s3_make_bucket(struct ots_s3 *s);

/*
 * Stores the first len bytes of fd (read with pread, so its offset is
 * untouched) as key: one PUT up to the part size, else a multipart
 * upload in parts of that size, aborted on any failure (nothing half
 * made is left).  exclusive: only if key does not exist yet
 * (If-None-Match: *; one PUT, so len must fit the part size).
 */
OTS_WARN_UNUSED enum ots_err ots_s3_put_fd(struct ots_s3 *s, const char *key,
    int fd, uint64_t len, bool exclusive);

/* Stores len bytes of fd from byte from on as key, in one PUT (len up
 * to the part size, else OTS_ERR_TOOBIG), over any object there. */
OTS_WARN_UNUSED enum ots_err ots_s3_put_fd_at(struct ots_s3 *s,
    const char *key, int fd, uint64_t from, uint64_t len);

/* Called once the store has answered a GET with the object (size: its
 * bytes from the offset asked), before the first byte is pushed; any
 * result but OTS_OK ends the GET with that result. */
typedef enum ots_err (*ots_s3_start_fn)(void *ctx, uint64_t size);
/* Takes the next n bytes; anything but OTS_OK ends the GET with it. */
typedef enum ots_err (*ots_s3_push_fn)(void *ctx, const uint8_t *p,
    size_t n);

/*
 * Reads key from byte from on, pushing it as it arrives (bounded
 * memory: curl's buffer).  start runs before the first byte; another
 * request on the same handle may run inside it (a DELETE).
 */
OTS_WARN_UNUSED enum ots_err ots_s3_get(struct ots_s3 *s, const char *key,
    uint64_t from, ots_s3_start_fn start, ots_s3_push_fn push, void *ctx);

/* The size of key; OTS_ERR_NOTFOUND when there is none. */
OTS_WARN_UNUSED enum ots_err ots_s3_head(struct ots_s3 *s, const char *key,
    uint64_t *size);

/* Deletes key; one that is not there is OTS_OK. */
OTS_WARN_UNUSED enum ots_err ots_s3_delete(struct ots_s3 *s,
    const char *key);

struct ots_s3_object {
	char so_key[OTS_S3_KEY_MAX];
	uint64_t so_size;
	uint64_t so_mtime;	/* Unix seconds, LastModified */
};
/* Called for each object listed; anything but OTS_OK stops the page. */
typedef enum ots_err (*ots_s3_list_fn)(void *ctx,
    const struct ots_s3_object *o);

/*
 * One page (at most max_keys, 1..1000) of the keys under prefix, from
 * token ("" for the first page): fn for each; next gets the token of the
 * next page, "" after the last.  Keys we would refuse are skipped.
 */
OTS_WARN_UNUSED enum ots_err ots_s3_list(struct ots_s3 *s, const char *prefix,
    const char *token, unsigned max_keys, ots_s3_list_fn fn, void *ctx,
    char next[OTS_S3_TOKEN_MAX]);

/* Is key one this module sends (1..OTS_S3_KEY_MAX-1 of [A-Za-z0-9._/-],
 * no "..", no leading "/")? */
bool ots_s3_key_ok(const char *key);

/* Appends s percent-encoded as a canonical SigV4 query value (upper-case
 * hex, unreserved A-Za-z0-9-_.~ left as they are) to out (NUL-terminated,
 * size max); OTS_ERR_TOOBIG when it does not fit. */
OTS_WARN_UNUSED enum ots_err ots_s3_query_encode(const char *s, char *out,
    size_t max);

#endif
