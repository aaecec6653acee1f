/*
 * ots_net: client addresses and trusted-proxy CIDR lists.  The client of
 * a request is REMOTE_ADDR, unless that is a configured trusted proxy:
 * then the rightmost X-Forwarded-For address that is not itself a
 * trusted proxy (or X-Real-IP) is used.  A forwarded header from anyone
 * else is ignored.
 */
#ifndef OTS_NET_H
#define OTS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_util.h"

#define OTS_NET_CIDRS_MAX 32
/* Longest text form of an address (INET6_ADDRSTRLEN) with its NUL. */
#define OTS_NET_ADDR_STRSZ 46

struct ots_net_cidr {
	int nc_family;		/* AF_INET or AF_INET6 */
	uint8_t nc_addr[16];
	unsigned nc_bits;
};

struct ots_net_cidrs {
	struct ots_net_cidr n_list[OTS_NET_CIDRS_MAX];
	size_t n_count;
};

/*
 * Parses a comma- or space-separated list of addresses and CIDR blocks
 * ("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8").  An empty string gives an
 * empty list.  OTS_ERR_INVAL on a malformed entry, OTS_ERR_TOOBIG past
 * OTS_NET_CIDRS_MAX entries.
 */
OTS_WARN_UNUSED enum ots_err ots_net_parse_cidrs(const char *s,
    struct ots_net_cidrs *out);

/* True when the address text addr lies in one of the blocks. */
bool ots_net_match(const struct ots_net_cidrs *l, const char *addr);

/*
 * Picks the client address (see above) into out (normalized text form).
 * remote is REMOTE_ADDR; xff and xrip may be NULL.  When nothing valid
 * is found, out gets remote as given, or "unknown".
 */
void ots_net_client(const struct ots_net_cidrs *trusted, const char *remote,
    const char *xff, const char *xrip, char out[OTS_NET_ADDR_STRSZ]);

/*
 * The rate-limit bucket of a client address (text, as ots_net_client
 * wrote it): an IPv4 address itself, an IPv6 address's /64 (one host
 * usually holds a whole /64, and must not get a window per address).
 */
void ots_net_bucket(const char *addr, char out[OTS_NET_ADDR_STRSZ]);

#endif
