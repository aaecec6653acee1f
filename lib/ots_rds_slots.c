#include "ots_rds_slots.h"

#include <string.h>

#include "ots_banned.h"

/* CRC16-CCITT (XMODEM: polynomial 0x1021, no reflection, start 0), the
 * one Redis Cluster hashes keys with.  Keys here are short: bit by bit. */
static unsigned
crc16(const char *p, size_t len)
{
	unsigned crc = 0;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= (unsigned)(unsigned char)p[i] << 8;
		for (b = 0; b < 8; b++)
			crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021
			    : crc << 1;
		crc &= 0xffff;
	}
	return crc;
}

unsigned
ots_rds_key_slot(const char *key, size_t len)
{
	const char *open, *close;

	open = memchr(key, '{', len);
	if (open != NULL) {
		size_t rest = len - (size_t)(open - key) - 1;

		close = memchr(open + 1, '}', rest);
		if (close != NULL && close > open + 1)
			return crc16(open + 1, (size_t)(close - open - 1)) %
			    OTS_RDS_SLOTS;
	}
	return crc16(key, len) % OTS_RDS_SLOTS;
}

int
ots_rds_slots_node(struct ots_rds_slots *s, const char *host, unsigned port)
{
	size_t hl = strlen(host);
	unsigned i;

	for (i = 0; i < s->s_nnodes; i++) {
		if (s->s_nodes[i].rn_port == port &&
		    strcmp(s->s_nodes[i].rn_host, host) == 0)
			return (int)i;
	}
	if (s->s_nnodes == OTS_RDS_PRIMARIES_MAX ||
	    hl >= sizeof(s->s_nodes[0].rn_host))
		return -1;
	memcpy(s->s_nodes[i].rn_host, host, hl + 1);
	s->s_nodes[i].rn_port = port;
	s->s_nnodes++;
	return (int)i;
}

/* A node entry {host, port, id, ...}: host and port, or false. */
static bool
decode_node(const redisReply *n, const struct ots_rds_node *asked,
    char host[OTS_RDS_HOST_MAX], unsigned *port)
{
	const redisReply *h, *p;

	if (n == NULL || n->type != REDIS_REPLY_ARRAY || n->elements < 2)
		return false;
	h = n->element[0];
	p = n->element[1];
	if (h == NULL || p == NULL || h->type != REDIS_REPLY_STRING ||
	    p->type != REDIS_REPLY_INTEGER || p->integer < 1 ||
	    p->integer > 65535 || h->len >= OTS_RDS_HOST_MAX ||
	    memchr(h->str, '\0', h->len) != NULL)
		return false;
	/* "The node we asked" (Redis 7: unknown endpoint). */
	if (h->len == 0 || (h->len == 1 && h->str[0] == '?')) {
		size_t al = strlen(asked->rn_host);

		memcpy(host, asked->rn_host, al + 1);
	} else {
		memcpy(host, h->str, h->len);
		host[h->len] = '\0';
	}
	*port = (unsigned)p->integer;
	return true;
}

/* One range {start, end, primary, replicas...} into out. */
static enum ots_err
decode_range(const redisReply *e, const struct ots_rds_node *asked,
    struct ots_rds_slots *out)
{
	char host[OTS_RDS_HOST_MAX];
	unsigned port = 0;
	long long from, to, i;
	int node;

	if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
	    e->element[0] == NULL || e->element[1] == NULL ||
	    e->element[0]->type != REDIS_REPLY_INTEGER ||
	    e->element[1]->type != REDIS_REPLY_INTEGER)
		return OTS_ERR_REDIS;
	from = e->element[0]->integer;
	to = e->element[1]->integer;
	if (from < 0 || to < from || to >= OTS_RDS_SLOTS ||
	    !decode_node(e->element[2], asked, host, &port))
		return OTS_ERR_REDIS;
	node = ots_rds_slots_node(out, host, port);
	if (node < 0)
		return OTS_ERR_REDIS;
	for (i = from; i <= to; i++)
		out->s_owner[i] = (uint8_t)(node + 1);
	return OTS_OK;
}

enum ots_err
ots_rds_decode_slots(const redisReply *rep, const struct ots_rds_node *asked,
    struct ots_rds_slots *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0)
		return OTS_ERR_REDIS;
	for (i = 0; i < rep->elements; i++) {
		if (decode_range(rep->element[i], asked, out) != OTS_OK) {
			memset(out, 0, sizeof(*out));
			return OTS_ERR_REDIS;
		}
	}
	return OTS_OK;
}

enum ots_err
ots_rds_decode_redirect(const redisReply *rep, bool *ask, unsigned *slot,
    struct ots_rds_node *to)
{
	const char *p, *end, *sp, *colon;
	uint64_t n = 0, port = 0;

	if (rep->type != REDIS_REPLY_ERROR)
		return OTS_ERR_REDIS;
	p = rep->str;
	end = rep->str + rep->len;
	if (rep->len > 6 && memcmp(p, "MOVED ", 6) == 0) {
		*ask = false;
		p += 6;
	} else if (rep->len > 4 && memcmp(p, "ASK ", 4) == 0) {
		*ask = true;
		p += 4;
	} else {
		return OTS_ERR_REDIS;
	}
	sp = memchr(p, ' ', (size_t)(end - p));
	if (sp == NULL || ots_parse_u64(p, (size_t)(sp - p), 0,
	    OTS_RDS_SLOTS - 1, &n) != OTS_OK)
		return OTS_ERR_REDIS;
	p = sp + 1;
	/* host:port, the host possibly an IPv6 address: the last colon. */
	for (colon = NULL, sp = p; sp < end; sp++)
		if (*sp == ':')
			colon = sp;
	if (colon == NULL || colon == p ||
	    (size_t)(colon - p) >= sizeof(to->rn_host) ||
	    memchr(p, '\0', (size_t)(colon - p)) != NULL ||
	    ots_parse_u64(colon + 1, (size_t)(end - colon - 1), 1, 65535,
	    &port) != OTS_OK)
		return OTS_ERR_REDIS;
	memcpy(to->rn_host, p, (size_t)(colon - p));
	to->rn_host[colon - p] = '\0';
	to->rn_port = (unsigned)port;
	*slot = (unsigned)n;
	return OTS_OK;
}
