/*
 * ots_net: trusted-proxy CIDR lists and picking the client address from
 * REMOTE_ADDR, X-Forwarded-For and X-Real-IP.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "ots_net.h"

TestSuite(net, .timeout = 10);

static void
parse_ok(const char *s, struct ots_net_cidrs *l)
{
	cr_assert_eq(ots_net_parse_cidrs(s, l), OTS_OK, "'%s'", s);
}

static const char *
client(const char *trusted, const char *remote, const char *xff,
    const char *xrip)
{
	static char out[OTS_NET_ADDR_STRSZ];
	struct ots_net_cidrs l;

	parse_ok(trusted, &l);
	memset(out, 'Z', sizeof(out));
	ots_net_client(&l, remote, xff, xrip, out);
	cr_assert_lt(strnlen(out, sizeof(out)), sizeof(out));
	return out;
}

Test(net, parse_accepts_addresses_and_blocks)
{
	struct ots_net_cidrs l;

	parse_ok("127.0.0.1, 10.0.0.0/8,::1 fd00::/8", &l);
	cr_assert_eq(l.n_count, 4u);
	cr_assert_eq(l.n_list[0].nc_family, AF_INET);
	cr_assert_eq(l.n_list[0].nc_bits, 32u);
	cr_assert_eq(l.n_list[1].nc_family, AF_INET);
	cr_assert_eq(l.n_list[1].nc_bits, 8u);
	cr_assert_eq(l.n_list[1].nc_addr[0], 10);
	cr_assert_eq(l.n_list[2].nc_family, AF_INET6);
	cr_assert_eq(l.n_list[2].nc_bits, 128u);
	cr_assert_eq(l.n_list[3].nc_family, AF_INET6);
	cr_assert_eq(l.n_list[3].nc_bits, 8u);
	cr_assert_eq(l.n_list[3].nc_addr[0], 0xfd);
}

Test(net, parse_of_empty_list_is_empty)
{
	struct ots_net_cidrs l;

	parse_ok("", &l);
	cr_assert_eq(l.n_count, 0u);
	parse_ok(" , ,\t,", &l);
	cr_assert_eq(l.n_count, 0u);
}

Test(net, parse_rejects_malformed_entries)
{
	static const char *const bad[] = { "10.0.0.0/33", "::/129",
		"10.0.0.0/", "/8", "10.0.0", "300.1.1.1", "host.example",
		"10.0.0.0/8x", "10.0.0.0/08", "1.2.3.4/-1", "1.2.3.4:80",
		"[::1]", "127.0.0.1, nope" };
	struct ots_net_cidrs l;
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(bad); i++)
		cr_assert_eq(ots_net_parse_cidrs(bad[i], &l), OTS_ERR_INVAL,
		    "'%s' accepted", bad[i]);
}

Test(net, parse_past_max_entries_is_toobig)
{
	char s[1024];
	struct ots_net_cidrs l;
	size_t n = 0;
	unsigned i;

	for (i = 0; i < OTS_NET_CIDRS_MAX; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "10.0.0.%u,", i);
	parse_ok(s, &l);
	cr_assert_eq(l.n_count, (size_t)OTS_NET_CIDRS_MAX);
	cr_assert_lt(snprintf(s + n, sizeof(s) - n, "10.0.1.1"),
	    (int)(sizeof(s) - n));
	cr_assert_eq(ots_net_parse_cidrs(s, &l), OTS_ERR_TOOBIG);
}

Test(net, match_ipv4_blocks)
{
	struct ots_net_cidrs l;

	parse_ok("10.0.0.0/8, 192.168.1.128/25", &l);
	cr_assert(ots_net_match(&l, "10.255.1.2"));
	cr_assert(!ots_net_match(&l, "11.0.0.1"));
	cr_assert(ots_net_match(&l, "192.168.1.200"));
	cr_assert(ots_net_match(&l, "192.168.1.128"));
	cr_assert(!ots_net_match(&l, "192.168.1.127"));
	cr_assert(!ots_net_match(&l, "::ffff:10.0.0.1"),
	    "another family must not match");
}

Test(net, match_zero_length_block_matches_its_family_only)
{
	struct ots_net_cidrs l;

	parse_ok("0.0.0.0/0", &l);
	cr_assert(ots_net_match(&l, "8.8.8.8"));
	cr_assert(!ots_net_match(&l, "2001:db8::1"));
}

Test(net, match_ipv6_blocks)
{
	struct ots_net_cidrs l;

	parse_ok("fd00::/8, 2001:db8:8000::/33", &l);
	cr_assert(ots_net_match(&l, "fd12:3456::1"));
	cr_assert(!ots_net_match(&l, "fe80::1"));
	cr_assert(ots_net_match(&l, "2001:db8:ffff::1"));
	cr_assert(!ots_net_match(&l, "2001:db8:7fff::1"));
	cr_assert(!ots_net_match(&l, "10.0.0.1"));
}

Test(net, match_single_address_in_any_spelling)
{
	struct ots_net_cidrs l;

	parse_ok("127.0.0.1, ::1", &l);
	cr_assert(ots_net_match(&l, "127.0.0.1"));
	cr_assert(!ots_net_match(&l, "127.0.0.2"));
	cr_assert(ots_net_match(&l, "0:0:0:0:0:0:0:1"));
	cr_assert(!ots_net_match(&l, "::2"));
}

Test(net, match_of_non_address_is_false)
{
	struct ots_net_cidrs l;

	parse_ok("0.0.0.0/0, ::/0", &l);
	cr_assert(!ots_net_match(&l, ""));
	cr_assert(!ots_net_match(&l, "localhost"));
	cr_assert(!ots_net_match(&l, "10.0.0.1 "));
	cr_assert(!ots_net_match(&l, "10.0.0.1:80"));
}

Test(net, untrusted_remote_ignores_forwarded_headers)
{
	cr_assert_str_eq(client("10.0.0.0/8", "203.0.113.5", "1.1.1.1",
	    "2.2.2.2"), "203.0.113.5");
}

Test(net, no_trusted_proxies_means_remote_addr)
{
	cr_assert_str_eq(client("", "10.0.0.1", "1.1.1.1", "2.2.2.2"),
	    "10.0.0.1");
}

Test(net, trusted_proxy_gives_rightmost_untrusted_hop)
{
	/* The client claims 6.6.6.6; only hops added by trusted proxies
	 * are believed. */
	cr_assert_str_eq(client("10.0.0.0/8", "10.0.0.1",
	    "6.6.6.6, 198.51.100.7, 10.0.0.2", NULL), "198.51.100.7");
}

Test(net, forwarded_hops_may_be_ipv6_and_spaced)
{
	cr_assert_str_eq(client("10.0.0.0/8", "10.0.0.1",
	    "  2001:DB8:0:0::5 ,\t10.0.0.3 ", NULL), "2001:db8::5");
}

Test(net, invalid_rightmost_hop_leaves_the_proxy)
{
	cr_assert_str_eq(client("10.0.0.0/8", "10.0.0.1",
	    "198.51.100.7, garbage", NULL), "10.0.0.1");
	cr_assert_str_eq(client("10.0.0.0/8", "10.0.0.1",
	    "198.51.100.7:4711", NULL), "10.0.0.1");
}

Test(net, x_real_ip_is_used_without_x_forwarded_for)
{
	cr_assert_str_eq(client("10.0.0.0/8", "10.0.0.1", NULL,
	    "198.51.100.9"), "198.51.100.9");
	cr_assert_str_eq(client("10.0.0.0/8", "10.0.0.1", NULL, "bogus"),
	    "10.0.0.1");
}

Test(net, bad_remote_is_unknown)
{
	cr_assert_str_eq(client("0.0.0.0/0", NULL, "1.1.1.1", NULL),
	    "unknown");
	cr_assert_str_eq(client("0.0.0.0/0", "not an address", "1.1.1.1",
	    NULL), "unknown");
}

Test(net, remote_is_normalized)
{
	cr_assert_str_eq(client("", "0:0:0:0:0:0:0:1", NULL, NULL), "::1");
	cr_assert_str_eq(client("", "2001:0DB8::0001", NULL, NULL),
	    "2001:db8::1");
}

Test(net, ipv6_clients_share_a_bucket_per_slash_64)
{
	char a[OTS_NET_ADDR_STRSZ], b[OTS_NET_ADDR_STRSZ];

	ots_net_bucket("2001:db8:1:2:aaaa::1", a);
	ots_net_bucket("2001:db8:1:2:bbbb:cccc:dddd:eeee", b);
	cr_assert_str_eq(a, "2001:db8:1:2::/64");
	cr_assert_str_eq(a, b);
	ots_net_bucket("2001:db8:1:3::1", b);
	cr_assert_str_neq(a, b);
	ots_net_bucket("192.0.2.7", a);
	cr_assert_str_eq(a, "192.0.2.7");
	ots_net_bucket("garbage", a);
	cr_assert_str_eq(a, "unknown");
}
