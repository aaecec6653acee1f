/*
 * plain: server-side shares (docs/API.md "Upload", "Claim"), for servers
 * that take no end-to-end shares (OTS_E2E=0) or with --server-side: the
 * server encrypts what it receives, and its claim takes the key.  The
 * password travels percent-encoded in a header or the claim's form,
 * never in a URL.
 */
#ifndef OTSC_PLAIN_H
#define OTSC_PLAIN_H

#include "api.h"
#include "otsc.h"

enum otsc_exit plain_send(const struct opts *o, const char *path);
enum otsc_exit plain_get(const struct opts *o, const struct link *l);

/* s percent-encoded (all but RFC 3986's unreserved) into out; false when
 * it does not fit. */
bool percent_encode(const char *s, char *out, size_t max);

#endif
