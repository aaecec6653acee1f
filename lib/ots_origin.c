#include "ots_origin.h"

#include <string.h>

#include "ots_banned.h"

#define HOST_MAX 255u

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A host name character: LDH, plus '_' and '~' (RFC 3986 unreserved);
 * browsers send international names in punycode. */
static bool
is_host_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

/*
 * Parses "scheme://authority" at the start of s into the normalised
 * origin.  *rest gets the offset of what follows the authority.  With
 * from_header, user info is refused (an Origin never has it); a URL's is
 * skipped.
 */
static enum ots_err
parse(const char *s, size_t len, bool from_header, char out[OTS_ORIGIN_MAX],
    size_t *rest)
{
	char host[HOST_MAX + 1];
	size_t i = 0, a, end, hlen = 0, colon = 0, o;
	unsigned long port = 0;
	bool https, has_port = false;
	const char *scheme;

	while (i < len && is_alpha(s[i]))
		i++;
	if (i == 4 && ots_str_eq_nocase((struct ots_str){ s, 4 }, "http"))
		https = false;
	else if (i == 5 && ots_str_eq_nocase((struct ots_str){ s, 5 },
	    "https"))
		https = true;
	else
		return OTS_ERR_INVAL;
	if (len - i < 3 || memcmp(s + i, "://", 3) != 0)
		return OTS_ERR_INVAL;
	a = i + 3;
	for (end = a; end < len && s[end] != '/' && s[end] != '?' &&
	    s[end] != '#'; end++) {
		if (s[end] == '@') {
			if (from_header)
				return OTS_ERR_INVAL;
			/* User info is not part of the origin. */
			a = end + 1;
		}
	}
	*rest = end;
	i = a;
	if (i < end && s[i] == '[') {
		/* An IPv6 literal, kept with its brackets. */
		while (i < end && s[i] != ']') {
			if (i > a && !is_digit(s[i]) && !(lower(s[i]) >= 'a' &&
			    lower(s[i]) <= 'f') && s[i] != ':' && s[i] != '.')
				return OTS_ERR_INVAL;
			i++;
		}
		if (i == end || i - a < 2)
			return OTS_ERR_INVAL;
		i++;
	} else {
		while (i < end && is_host_char(s[i]))
			i++;
		if (i == a)
			return OTS_ERR_INVAL;
	}
	hlen = i - a;
	if (hlen > HOST_MAX)
		return OTS_ERR_INVAL;
	for (o = 0; o < hlen; o++)
		host[o] = lower(s[a + o]);
	host[hlen] = '\0';
	if (i < end) {
		if (s[i] != ':')
			return OTS_ERR_INVAL;
		colon = ++i;
		if (end - colon > 5)
			return OTS_ERR_INVAL;
		for (; i < end; i++) {
			if (!is_digit(s[i]))
				return OTS_ERR_INVAL;
			port = port * 10 + (unsigned long)(s[i] - '0');
		}
		/* "host:" is the default port (RFC 3986 §3.2.3). */
		if (end > colon) {
			if (port == 0 || port > 65535)
				return OTS_ERR_INVAL;
			has_port = port != (https ? 443u : 80u);
		}
	}
	scheme = https ? "https" : "http";
	if (has_port)
		return ots_str_fmt(out, OTS_ORIGIN_MAX, "%s://%s:%lu", scheme,
		    host, port);
	return ots_str_fmt(out, OTS_ORIGIN_MAX, "%s://%s", scheme, host);
}

enum ots_err
ots_origin_of(const char *url, size_t len, char out[OTS_ORIGIN_MAX])
{
	size_t rest = 0;
	enum ots_err e;

	e = parse(url, len, false, out, &rest);
	if (e != OTS_OK)
		out[0] = '\0';
	return e;
}

bool
ots_origin_same(const char *want, const char *v, size_t len)
{
	char got[OTS_ORIGIN_MAX];
	size_t rest = 0;

	if (want[0] == '\0' || parse(v, len, true, got, &rest) != OTS_OK)
		return false;
	if (rest != len && !(rest + 1 == len && v[rest] == '/'))
		return false;
	return strcmp(got, want) == 0;
}

enum ots_origin_verdict
ots_origin_check(const char *want, const char *origin, const char *fetch_site)
{
	if (fetch_site != NULL) {
		struct ots_str fs = ots_str_cstr(fetch_site);

		/* Unknown values fail closed: only browsers send it. */
		if (!ots_str_eq_nocase(fs, "same-origin") &&
		    !ots_str_eq_nocase(fs, "none"))
			return OTS_ORIGIN_CROSS_SITE;
	}
	if (origin != NULL && !ots_origin_same(want, origin, strlen(origin)))
		return OTS_ORIGIN_FOREIGN;
	return OTS_ORIGIN_OK;
}
