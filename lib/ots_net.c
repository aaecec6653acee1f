#include "ots_net.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "ots_banned.h"

/* Parses a bare address into family and bytes. */
static bool
parse_addr(const char *s, size_t len, int *family, uint8_t addr[16])
{
	char buf[OTS_NET_ADDR_STRSZ];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

static enum ots_err
parse_one(const char *s, size_t len, struct ots_net_cidr *c)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : len;
	unsigned max;
	uint64_t bits;

	if (!parse_addr(s, alen, &c->nc_family, c->nc_addr))
		return OTS_ERR_INVAL;
	max = c->nc_family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		c->nc_bits = max;
		return OTS_OK;
	}
	if (ots_parse_u64(slash + 1, len - alen - 1, 0, max, &bits) != OTS_OK)
		return OTS_ERR_INVAL;
	c->nc_bits = (unsigned)bits;
	return OTS_OK;
}

enum ots_err
ots_net_parse_cidrs(const char *s, struct ots_net_cidrs *out)
{
	size_t i = 0, n = strlen(s);

	memset(out, 0, sizeof(*out));
	while (i < n) {
		size_t start, len;
		enum ots_err e;

		while (i < n && (s[i] == ',' || s[i] == ' ' || s[i] == '\t'))
			i++;
		start = i;
		while (i < n && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
			i++;
		len = i - start;
		if (len == 0)
			continue;
		if (out->n_count == OTS_NET_CIDRS_MAX)
			return OTS_ERR_TOOBIG;
		e = parse_one(s + start, len, &out->n_list[out->n_count]);
		if (e != OTS_OK)
			return e;
		out->n_count++;
	}
	return OTS_OK;
}

static bool
in_block(const struct ots_net_cidr *c, int family, const uint8_t a[16])
{
	unsigned full = c->nc_bits / 8, rest = c->nc_bits % 8;

	if (c->nc_family != family)
		return false;
	if (memcmp(c->nc_addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((c->nc_addr[full] ^ a[full]) & (0xffu << (8 - rest)) & 0xffu)
	    == 0;
}

static bool
match_bytes(const struct ots_net_cidrs *l, int family, const uint8_t a[16])
{
	size_t i;

	for (i = 0; i < l->n_count; i++) {
		if (in_block(&l->n_list[i], family, a))
			return true;
	}
	return false;
}

bool
ots_net_match(const struct ots_net_cidrs *l, const char *addr)
{
	uint8_t a[16];
	int family = 0;

	if (!parse_addr(addr, strlen(addr), &family, a))
		return false;
	return match_bytes(l, family, a);
}

/* Writes the normalized text of an address. */
static void
normalize(int family, const uint8_t a[16], char out[OTS_NET_ADDR_STRSZ])
{
	if (inet_ntop(family, a, out, OTS_NET_ADDR_STRSZ) == NULL)
		memcpy(out, "unknown", sizeof("unknown"));
}

/* Trims spaces around s[0..len). */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

void
ots_net_client(const struct ots_net_cidrs *trusted, const char *remote,
    const char *xff, const char *xrip, char out[OTS_NET_ADDR_STRSZ])
{
	uint8_t a[16];
	int family = 0;

	if (remote == NULL || !parse_addr(remote, strlen(remote), &family,
	    a)) {
		memcpy(out, "unknown", sizeof("unknown"));
		return;
	}
	normalize(family, a, out);
	if (!match_bytes(trusted, family, a))
		return;
	/* Walk X-Forwarded-For from the right: the first hop we do not
	 * trust is the client; everything left of it is hearsay. */
	if (xff != NULL) {
		size_t end = strlen(xff);

		while (end > 0) {
			const char *comma = NULL;
			const char *p;
			size_t start = 0, len;

			for (p = xff + end; p > xff; p--) {
				if (p[-1] == ',') {
					comma = p - 1;
					break;
				}
			}
			if (comma != NULL)
				start = (size_t)(comma - xff) + 1;
			p = xff + start;
			len = end - start;
			trim(&p, &len);
			if (!parse_addr(p, len, &family, a))
				return;
			normalize(family, a, out);
			if (!match_bytes(trusted, family, a))
				return;
			end = comma != NULL ? (size_t)(comma - xff) : 0;
		}
		return;
	}
	if (xrip != NULL && parse_addr(xrip, strlen(xrip), &family, a))
		normalize(family, a, out);
}

void
ots_net_bucket(const char *addr, char out[OTS_NET_ADDR_STRSZ])
{
	uint8_t a[16];
	int family = 0;
	size_t len;

	if (!parse_addr(addr, strlen(addr), &family, a)) {
		memcpy(out, "unknown", sizeof("unknown"));
		return;
	}
	if (family == AF_INET6)
		memset(a + 8, 0, 8);
	normalize(family, a, out);
	len = strlen(out);
	if (family == AF_INET6 && len + 3 < OTS_NET_ADDR_STRSZ)
		memcpy(out + len, "/64", 4);
}
