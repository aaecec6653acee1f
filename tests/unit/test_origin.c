/*
 * ots_origin: normalising origins and the CSRF policy for requests that
 * change state (docs/SECURITY.md).
 */
#include <string.h>

#include <criterion/criterion.h>

#include "ots_origin.h"

TestSuite(origin, .timeout = 10);

static const char *
of(const char *url)
{
	static char out[OTS_ORIGIN_MAX];

	cr_assert_eq(ots_origin_of(url, strlen(url), out), OTS_OK, "'%s'",
	    url);
	return out;
}

static bool
same(const char *base, const char *hdr)
{
	char want[OTS_ORIGIN_MAX];

	cr_assert_eq(ots_origin_of(base, strlen(base), want), OTS_OK);
	return ots_origin_same(want, hdr, strlen(hdr));
}

Test(origin, base_urls_reduce_to_their_origin)
{
	cr_assert_str_eq(of("https://share.example.com"),
	    "https://share.example.com");
	cr_assert_str_eq(of("HTTPS://Share.Example.COM/ots/"),
	    "https://share.example.com");
	cr_assert_str_eq(of("https://share.example.com:443/x?y#z"),
	    "https://share.example.com");
	cr_assert_str_eq(of("http://127.0.0.1:80"), "http://127.0.0.1");
	cr_assert_str_eq(of("http://127.0.0.1:8080"),
	    "http://127.0.0.1:8080");
	cr_assert_str_eq(of("https://example.com:80"),
	    "https://example.com:80");
	cr_assert_str_eq(of("http://[::1]:8080/"), "http://[::1]:8080");
	cr_assert_str_eq(of("http://[FD00::AB]"), "http://[fd00::ab]");
	cr_assert_str_eq(of("https://user:pw@example.com/"),
	    "https://example.com");
	cr_assert_str_eq(of("http://example.com:"), "http://example.com");
}

Test(origin, bad_base_urls_are_refused)
{
	static const char *const bad[] = { "", "example.com", "ftp://x",
		"http:/x", "http://", "http:///path", "http://a b",
		"http://x:0", "http://x:65536", "http://x:123456",
		"http://x:8o", "http://[::1", "http://[]", "http://[zz]",
		"javascript://x", "http://x:1:2" };
	char out[OTS_ORIGIN_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ots_origin_of(bad[i], strlen(bad[i]), out),
		    OTS_ERR_INVAL, "'%s'", bad[i]);
		cr_assert_str_eq(out, "");
	}
}

Test(origin, same_origin_ignores_case_and_default_port)
{
	cr_assert(same("https://share.example.com",
	    "https://share.example.com"));
	cr_assert(same("https://share.example.com",
	    "HTTPS://SHARE.example.com"));
	cr_assert(same("https://share.example.com",
	    "https://share.example.com:443"));
	cr_assert(same("https://share.example.com:443/",
	    "https://share.example.com"));
	cr_assert(same("http://127.0.0.1:8080", "http://127.0.0.1:8080"));
	cr_assert(same("http://[::1]:8080", "http://[::1]:8080"));
}

Test(origin, one_trailing_slash_is_tolerated)
{
	cr_assert(same("https://a.example", "https://a.example/"));
	cr_assert(!same("https://a.example", "https://a.example//"));
	cr_assert(!same("https://a.example", "https://a.example/x"));
	cr_assert(!same("https://a.example", "https://a.example?x"));
	cr_assert(!same("https://a.example", "https://a.example#x"));
}

Test(origin, other_origins_never_match)
{
	static const char *const other[] = {
		"null", "", " ", "https://evil.example",
		"http://share.example.com",	/* scheme */
		"https://share.example.com:8443",	/* port */
		"https://share.example.com.evil.example",
		"https://evil.example/https://share.example.com",
		"https://share.example.co",
		"https://share.example.com.",	/* another name */
		"https://x@share.example.com",	/* never in an Origin */
		"https://share.example.com@evil.example",
		"https://share.example.com:443x",
		"https://share.example.com:",	/* fine in URLs, but: */
		"file://", "chrome-extension://abc",
		"https://share.example.com\r\nX: y",
	};
	size_t i;

	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (strcmp(other[i], "https://share.example.com:") == 0) {
			/* An empty port is the default one (RFC 3986). */
			cr_assert(same("https://share.example.com", other[i]));
			continue;
		}
		cr_assert(!same("https://share.example.com", other[i]),
		    "'%s'", other[i]);
	}
	/* An embedded NUL ends nothing: the length counts. */
	cr_assert(!ots_origin_same("https://a.example", "https://a.example\0x",
	    19));
	/* No base origin (a broken config) matches nothing. */
	cr_assert(!ots_origin_same("", "http://x", 8));
}

Test(origin, policy_sec_fetch_site_and_origin)
{
	const char *want = "http://127.0.0.1:8080";

	/* curl, the ots client: neither header. */
	cr_assert_eq(ots_origin_check(want, NULL, NULL), OTS_ORIGIN_OK);
	/* Our own pages. */
	cr_assert_eq(ots_origin_check(want, "http://127.0.0.1:8080",
	    "same-origin"), OTS_ORIGIN_OK);
	cr_assert_eq(ots_origin_check(want, "http://127.0.0.1:8080", NULL),
	    OTS_ORIGIN_OK);
	cr_assert_eq(ots_origin_check(want, NULL, "Same-Origin"),
	    OTS_ORIGIN_OK);
	cr_assert_eq(ots_origin_check(want, NULL, "none"), OTS_ORIGIN_OK);
	/* Another site's page. */
	cr_assert_eq(ots_origin_check(want, "https://evil.example",
	    "cross-site"), OTS_ORIGIN_CROSS_SITE);
	cr_assert_eq(ots_origin_check(want, NULL, "cross-site"),
	    OTS_ORIGIN_CROSS_SITE);
	cr_assert_eq(ots_origin_check(want, NULL, "same-site"),
	    OTS_ORIGIN_CROSS_SITE);
	cr_assert_eq(ots_origin_check(want, NULL, "bogus"),
	    OTS_ORIGIN_CROSS_SITE);
	cr_assert_eq(ots_origin_check(want, "https://evil.example", NULL),
	    OTS_ORIGIN_FOREIGN);
	cr_assert_eq(ots_origin_check(want, "null", NULL),
	    OTS_ORIGIN_FOREIGN);
	/* A forged Sec-Fetch-Site does not excuse a foreign Origin. */
	cr_assert_eq(ots_origin_check(want, "https://evil.example",
	    "same-origin"), OTS_ORIGIN_FOREIGN);
}
