/*
 * ots_buf: a growable byte buffer with a mandatory maximum (curl's dynbuf).
 * An append that would pass the maximum fails with OTS_ERR_TOOBIG and
 * releases the buffer, so half-built data cannot escape.  The contents are
 * always followed by a NUL byte (not counted in len) once anything was
 * appended.  Every byte a buffer held is wiped before its memory goes back
 * to the allocator (when it grows and when it is released), so a buffer
 * may carry secrets.
 */
#ifndef OTS_BUF_H
#define OTS_BUF_H

#include <stddef.h>

#include "ots_util.h"

struct ots_buf {
	char *b_data;	/* NULL until the first append */
	size_t b_len;
	size_t b_cap;
	size_t b_max;	/* most bytes b_len may reach */
};

/* Prepares an empty buffer that may hold up to max bytes; cannot fail. */
void ots_buf_init(struct ots_buf *b, size_t max);

/* Wipes and frees the contents; the buffer is then empty, with the same
 * max. */
void ots_buf_release(struct ots_buf *b);

/* Empties the buffer but keeps its allocation. */
void ots_buf_reset(struct ots_buf *b);

/* Appends n bytes; on failure the buffer is released. */
OTS_WARN_UNUSED enum ots_err ots_buf_add(struct ots_buf *b, const void *p,
    size_t n);

/* Appends a NUL-terminated string. */
OTS_WARN_UNUSED enum ots_err ots_buf_adds(struct ots_buf *b, const char *s);

/* Appends printf-formatted text. */
OTS_WARN_UNUSED OTS_PRINTF(2, 3) enum ots_err ots_buf_addf(struct ots_buf *b,
    const char *fmt, ...);

/* The contents as a string ("" when empty); borrowed from b. */
const char *ots_buf_str(const struct ots_buf *b);

#endif
