/*
 * ots_s3xml: the few fields OneTimeShare reads from an S3 answer
 * (UploadId, a listing's Key/Size/LastModified, IsTruncated and
 * NextContinuationToken, an error's Code), found by tag in a bounded
 * body.  Not an XML parser: no attributes, namespaces or nesting are
 * interpreted; the S3 answers read here have none that matter.  Every
 * value is bounded and entity-decoded (&amp; &lt; &gt; &quot; &apos;
 * only); anything else is refused.
 */
#ifndef OTS_S3XML_H
#define OTS_S3XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_err.h"
#include "ots_util.h"

/*
 * The text of the next <tag>...</tag> in xml[*pos, len), decoded into
 * out (NUL-terminated, at most max - 1 bytes); *pos moves past it.  With
 * len the end of an element (ots_s3xml_element), the fields of one
 * <Contents> entry.  OTS_ERR_NOTFOUND when there is none, OTS_ERR_TOOBIG
 * when it does not fit, OTS_ERR_INVAL for an unknown entity or a NUL.
 */
OTS_WARN_UNUSED enum ots_err ots_s3xml_text(const char *xml, size_t len,
    size_t *pos, const char *tag, char *out, size_t max);

/* Where the next <tag>...</tag> lies: its inner text from *from to *to,
 * *pos moved past the close tag.  OTS_ERR_NOTFOUND when none. */
OTS_WARN_UNUSED enum ots_err ots_s3xml_element(const char *xml, size_t len,
    size_t *pos, const char *tag, size_t *from, size_t *to);

/* An ISO 8601 UTC time as S3 writes it (2026-12-02T17:04:05.123Z) into
 * Unix seconds. */
OTS_WARN_UNUSED enum ots_err ots_s3xml_time(const char *s, uint64_t *out);

#endif
