/*
 * ots_limits: every fixed bound of the service, in one place.  The nginx
 * and lighttpd configs repeat some of them; docs/API.md lists them.
 */
#ifndef OTS_LIMITS_H
#define OTS_LIMITS_H

/* Plaintext bytes per container chunk (docs/SECURITY.md). */
#define OTS_CHUNK_SIZE		(64u * 1024u)

/* A stored file name, after sanitizing, in bytes of UTF-8. */
#define OTS_NAME_MAX		255u
/* A stored content type, in bytes. */
#define OTS_TYPE_MAX		127u

/* A urlencoded form or query string we are willing to parse, in bytes. */
#define OTS_FORM_MAX		8192u

/* The header block of one multipart part, in bytes. */
#define OTS_MP_HEADER_MAX	8192u
/* Parts in one multipart body. */
#define OTS_MP_PARTS_MAX	16u
/* A multipart boundary, as RFC 2046 §5.1.1 bounds it. */
#define OTS_MP_BOUNDARY_MAX	70u

/* A request URI, in bytes: nginx's large_client_header_buffers (8k). */
#define OTS_URI_MAX		8192u

/* Default and absolute upper bound of an upload, in bytes. */
#define OTS_MAX_SIZE_DEFAULT	(1024ull * 1024ull * 1024ull)
#define OTS_MAX_SIZE_CEILING	(64ull * 1024ull * 1024ull * 1024ull)

#endif
