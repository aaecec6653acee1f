/*
 * ots_origin: the cross-site request forgery (CSRF) policy for requests
 * that change state (docs/SECURITY.md).  A browser says where a request
 * comes from in two headers it does not let pages forge: Origin (RFC
 * 6454) and Sec-Fetch-Site (Fetch Metadata).  A request carrying either
 * must come from the service's own origin, the one of OTS_BASE_URL; a
 * request carrying neither is not a browser's cross-site request (curl,
 * the ots client) and passes.
 *
 * An origin is scheme "://" host [":" port].  Origins compare equal
 * ignoring ASCII case and a port that is the scheme's default, so
 * "HTTPS://Example.COM:443" is "https://example.com".  Only http and
 * https origins are ever ours.
 */
#ifndef OTS_ORIGIN_H
#define OTS_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "ots_util.h"

/* Room for a normalised origin (scheme, host of up to 253 bytes or an
 * IPv6 literal, port) and its NUL. */
#define OTS_ORIGIN_MAX 320

enum ots_origin_verdict {
	OTS_ORIGIN_OK = 0,
	OTS_ORIGIN_FOREIGN,	/* Origin names another origin, or "null" */
	OTS_ORIGIN_CROSS_SITE	/* Sec-Fetch-Site: not same-origin, none */
};

/*
 * Reduces the URL url (len bytes; OTS_BASE_URL) to its normalised
 * origin in out (OTS_ORIGIN_MAX bytes): lower-case scheme and host, the
 * default port dropped, user info, path, query and fragment ignored.
 * OTS_ERR_INVAL unless it is an http or https URL with a host.
 */
OTS_WARN_UNUSED enum ots_err ots_origin_of(const char *url, size_t len,
    char out[OTS_ORIGIN_MAX]);

/*
 * Does the Origin header value v (len untrusted bytes) name the origin
 * want (from ots_origin_of)?  One trailing '/' is tolerated (some
 * non-browser clients send it); any other path, a query, user info,
 * "null", an empty value or a bad port never match.
 */
bool ots_origin_same(const char *want, const char *v, size_t len);

/*
 * The policy for a request that changes state.  origin and fetch_site
 * are the Origin and Sec-Fetch-Site header values, NULL when absent.
 * Sec-Fetch-Site other than "same-origin" or "none" (a navigation the
 * user typed) is CROSS_SITE, even "same-site": a sibling subdomain is
 * another party.  An Origin other than want is FOREIGN.
 */
enum ots_origin_verdict ots_origin_check(const char *want,
    const char *origin, const char *fetch_site);

#endif
