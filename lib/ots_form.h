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

#endif
