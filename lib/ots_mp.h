/*
 * ots_mp: a streaming multipart/form-data parser (RFC 7578, RFC 2046
 * §5.1).  Bytes go in as they arrive, in pieces of any size; part headers
 * and body bytes come out through callbacks, so a file part is never held
 * in memory.  Every piece of state is bounded: the boundary (70 bytes), a
 * part's header block (OTS_MP_HEADER_MAX), the number of parts
 * (OTS_MP_PARTS_MAX).  The body must end with the closing delimiter;
 * ots_mp_finish() says whether it did.
 */
#ifndef OTS_MP_H
#define OTS_MP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_limits.h"
#include "ots_util.h"

#define OTS_MP_NAME_MAX 64u
#define OTS_MP_FILENAME_MAX 1024u

/* What a part's headers said.  Strings are NUL-terminated. */
struct ots_mp_part {
	char p_name[OTS_MP_NAME_MAX + 1];	/* form field name */
	bool p_has_filename;
	/* Raw bytes as sent (may hold anything): clean before use. */
	char p_filename[OTS_MP_FILENAME_MAX + 1];
	size_t p_filename_len;
	char p_type[OTS_TYPE_MAX + 1];		/* lower-cased, or "" */
};

/*
 * Callbacks; a non-OK return stops parsing with that error.  part is
 * borrowed for the call.  Every begin is followed by zero or more data
 * calls and then end.
 */
struct ots_mp_cb {
	enum ots_err (*mp_begin)(void *ctx, const struct ots_mp_part *part);
	enum ots_err (*mp_data)(void *ctx, const uint8_t *p, size_t n);
	enum ots_err (*mp_end)(void *ctx);
};

struct ots_mp;

/*
 * Extracts the boundary parameter from a Content-Type value (untrusted,
 * len bytes) that must be multipart/form-data.  out gets the boundary and
 * a NUL.  OTS_ERR_INVAL for another type or a missing or malformed
 * boundary.
 */
OTS_WARN_UNUSED enum ots_err ots_mp_boundary(const char *ctype, size_t len,
    char out[OTS_MP_BOUNDARY_MAX + 1]);

/* Creates a parser; cb and ctx are kept until ots_mp_free(). */
OTS_WARN_UNUSED enum ots_err ots_mp_new(const char *boundary,
    const struct ots_mp_cb *cb, void *ctx, struct ots_mp **out);

/*
 * Parses n more bytes.  OTS_ERR_INVAL for malformed input, OTS_ERR_TOOBIG
 * for input over a bound, or a callback's error.  After an error every
 * later call fails with the same error.
 */
OTS_WARN_UNUSED enum ots_err ots_mp_feed(struct ots_mp *mp, const uint8_t *p,
    size_t n);

/* Ends the input: OTS_ERR_INVAL unless the closing delimiter was seen. */
OTS_WARN_UNUSED enum ots_err ots_mp_finish(struct ots_mp *mp);

/* Frees; accepts NULL. */
void ots_mp_free(struct ots_mp *mp);

#endif
