/*
 * ots_form: application/x-www-form-urlencoded bodies and query strings
 * (WHATWG URL §5.1), read one field at a time, with bounds.
 */
#ifndef OTS_FORM_H
#define OTS_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "ots_util.h"

/*
 * Finds field name in the len bytes at s and decodes its value ('+' is a
 * space, %XX an octet) into out, at most max bytes plus a NUL (out has
 * max + 1 bytes).  *found tells whether it was there; an absent field is
 * OTS_OK with *found false and out "".
 * Errors: OTS_ERR_INVAL for a bad escape or a field given twice (two
 * values that disagree are an attack or a bug, never a choice to make),
 * OTS_ERR_TOOBIG when the value passes max.  out is wiped on error.
 */
OTS_WARN_UNUSED enum ots_err ots_form_get(const char *s, size_t len,
    const char *name, char *out, size_t max, size_t *out_len, bool *found);

/* The longest field name ots_form_unknown reports, in bytes. */
#define OTS_FORM_NAME_MAX 32u

/*
 * Looks for a field whose name is not in known (a NULL-terminated list)
 * in the len bytes at s.  *found says whether there is one; then name
 * gets the first such name, decoded, cut to OTS_FORM_NAME_MAX bytes and
 * NUL-terminated (name has OTS_FORM_NAME_MAX + 1 bytes), for an error
 * message.  OTS_ERR_INVAL for a bad escape in a name.
 */
OTS_WARN_UNUSED enum ots_err ots_form_unknown(const char *s, size_t len,
    const char *const *known, char *name, bool *found);

#endif
