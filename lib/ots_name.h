/*
 * ots_name: file names from hostile clients made safe to store and to
 * send back in a Content-Disposition header (RFC 6266, RFC 8187).
 */
#ifndef OTS_NAME_H
#define OTS_NAME_H

#include <stddef.h>

#include "ots_buf.h"
#include "ots_limits.h"
#include "ots_util.h"

/* The name used when a client sends none or nothing survives cleaning. */
#define OTS_NAME_DEFAULT "file"

/*
 * Cleans len untrusted bytes into out (OTS_NAME_MAX + 1 bytes, always
 * NUL-terminated):
 *  - invalid UTF-8, overlong forms and surrogates become '_';
 *  - control characters (C0, DEL, C1), path separators ('/', '\\') and
 *    bidirectional overrides become '_';
 *  - leading and trailing dots and spaces are removed (no "..", no
 *    hidden files);
 *  - the result is cut to OTS_NAME_MAX bytes on a character boundary;
 *  - an empty result becomes OTS_NAME_DEFAULT.
 * Cannot fail.
 */
void ots_name_clean(const char *in, size_t len, char out[OTS_NAME_MAX + 1]);

/*
 * Appends a Content-Disposition value for a cleaned name to out:
 *	attachment; filename="ascii fallback"; filename*=UTF-8''percent-coded
 */
OTS_WARN_UNUSED enum ots_err ots_name_disposition(const char *name,
    struct ots_buf *out);

/*
 * Percent-decodes len bytes of a URL path segment into out (at most max
 * bytes).  '+' stays '+'.  OTS_ERR_INVAL for a bad escape, OTS_ERR_TOOBIG
 * when the result would pass max.
 */
OTS_WARN_UNUSED enum ots_err ots_name_unescape(const char *in, size_t len,
    char *out, size_t max, size_t *out_len);

#endif
