/*
 * ots_json: writing JSON (RFC 8259) into an ots_buf.  Only writing: the
 * service never parses JSON from clients.
 */
#ifndef OTS_JSON_H
#define OTS_JSON_H

#include <stddef.h>

#include "ots_buf.h"

/*
 * Appends s (len bytes) as a JSON string with its quotes.  Control
 * characters, quotes, backslashes, '<', '>' and '&' are escaped (so the
 * output is also safe inside HTML); invalid UTF-8 bytes become U+FFFD.
 */
OTS_WARN_UNUSED enum ots_err ots_json_str(struct ots_buf *b, const char *s,
    size_t len);

/* The same for a NUL-terminated string. */
OTS_WARN_UNUSED enum ots_err ots_json_cstr(struct ots_buf *b, const char *s);

/*
 * Appends {"error":{"code":CODE,"message":MSG}} with a newline; code and
 * msg are NUL-terminated.
 */
OTS_WARN_UNUSED enum ots_err ots_json_error(struct ots_buf *b,
    const char *code, const char *msg);

#endif
