/*
 * ots_rds_slots: key slots against the values Redis Cluster computes
 * (CLUSTER KEYSLOT), and the decoders of CLUSTER SLOTS and of MOVED/ASK
 * on reply trees built by hiredis' reader.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "resp.h"

#include "ots_rds_slots.h"

TestSuite(rds_slots, .timeout = 10);

static unsigned
slot_of(const char *key)
{
	return ots_rds_key_slot(key, strlen(key));
}

Test(rds_slots, key_slots_match_redis)
{
	/* What CLUSTER KEYSLOT answers (Redis 7.0). */
	cr_assert_eq(slot_of("123456789"), 12739u, "CRC16 check value");
	cr_assert_eq(slot_of("foo"), 12182u);
	cr_assert_eq(slot_of(""), 0u);
	/* The hash tag alone counts, the first {...} that is not empty. */
	cr_assert_eq(slot_of("{user1000}.following"), slot_of("user1000"));
	cr_assert_eq(slot_of("ots:{abc}:s"), slot_of("abc"));
	cr_assert_eq(slot_of("ots:{abc}:r"), slot_of("ots:{abc}:ul"));
	cr_assert_eq(slot_of("foo{}{bar}"), slot_of("foo{}{bar}"));
	cr_assert_neq(slot_of("foo{}{bar}"), slot_of("bar"),
	    "an empty tag means the whole key");
	cr_assert_eq(slot_of("foo{{bar}}zap"), slot_of("{bar"));
	cr_assert_eq(slot_of("foo{bar}{zap}"), slot_of("bar"));
	cr_assert_eq(slot_of("no{close"), ots_rds_key_slot("no{close", 8));
	cr_assert_lt(slot_of("\xff\xfe\xfd"), OTS_RDS_SLOTS);
}

static const struct ots_rds_node asked = { "10.0.0.9", 7009 };

Test(rds_slots, cluster_slots_decoded)
{
	static struct ots_rds_slots m;
	redisReply *r;

	/* Three primaries (one with a replica, one announced as ""), the
	 * third owning two ranges. */
	r = resp("*4\r\n"
	    "*4\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n"
	    "*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nid\r\n"
	    "*3\r\n:5461\r\n:10922\r\n*2\r\n$0\r\n\r\n:7001\r\n"
	    "*3\r\n:10923\r\n:16000\r\n*3\r\n$9\r\n127.0.0.1\r\n:7002\r\n"
	    "$2\r\nid\r\n"
	    "*3\r\n:16001\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7002\r\n"
	    "$2\r\nid\r\n");
	cr_assert_eq(ots_rds_decode_slots(r, &asked, &m), OTS_OK);
	freeReplyObject(r);
	cr_assert_eq(m.s_nnodes, 3u, "replicas are not primaries");
	cr_assert_eq(m.s_owner[0], 1);
	cr_assert_eq(m.s_owner[5460], 1);
	cr_assert_eq(m.s_owner[5461], 2);
	cr_assert_str_eq(m.s_nodes[1].rn_host, "10.0.0.9",
	    "an empty host is the node asked");
	cr_assert_eq(m.s_nodes[1].rn_port, 7001u);
	cr_assert_eq(m.s_owner[16000], 3);
	cr_assert_eq(m.s_owner[16383], 3);
	cr_assert_eq(m.s_nodes[2].rn_port, 7002u);
	cr_assert_eq(ots_rds_slots_node(&m, "127.0.0.1", 7002), 2);
	cr_assert_eq(ots_rds_slots_node(&m, "127.0.0.1", 7005), 3);
	cr_assert_eq(m.s_nnodes, 4u);

	/* A hole: slots nobody serves stay 0. */
	r = resp("*1\r\n*3\r\n:100\r\n:200\r\n*2\r\n$1\r\n?\r\n:7000\r\n");
	cr_assert_eq(ots_rds_decode_slots(r, &asked, &m), OTS_OK);
	freeReplyObject(r);
	cr_assert_eq(m.s_owner[99], 0);
	cr_assert_eq(m.s_owner[150], 1);
	cr_assert_str_eq(m.s_nodes[0].rn_host, "10.0.0.9");
}

Test(rds_slots, bad_cluster_slots_refused)
{
	static const char *const bad[] = {
		"*0\r\n",
		"-ERR This instance has cluster support disabled\r\n",
		"*1\r\n:0\r\n",
		"*1\r\n*2\r\n:0\r\n:10\r\n",
		"*1\r\n*3\r\n:10\r\n:5\r\n*2\r\n$1\r\na\r\n:7000\r\n",
		"*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\na\r\n:7000\r\n",
		"*1\r\n*3\r\n:-1\r\n:5\r\n*2\r\n$1\r\na\r\n:7000\r\n",
		"*1\r\n*3\r\n:0\r\n:5\r\n*2\r\n$1\r\na\r\n:0\r\n",
		"*1\r\n*3\r\n:0\r\n:5\r\n*2\r\n$1\r\na\r\n:65536\r\n",
		"*1\r\n*3\r\n:0\r\n:5\r\n*2\r\n$1\r\na\r\n$4\r\n7000\r\n",
		"*1\r\n*3\r\n:0\r\n:5\r\n*2\r\n:1\r\n:7000\r\n",
		"*1\r\n*3\r\n:0\r\n:5\r\n*1\r\n$1\r\na\r\n",
		"*1\r\n*3\r\n:0\r\n:5\r\n$1\r\na\r\n",
		"*1\r\n*3\r\n$1\r\n0\r\n:5\r\n*2\r\n$1\r\na\r\n:7000\r\n" };
	static struct ots_rds_slots m;
	redisReply *r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = resp(bad[i]);
		cr_assert_eq(ots_rds_decode_slots(r, &asked, &m), OTS_ERR_REDIS,
		    "reply %zu accepted", i);
		cr_assert_eq(m.s_nnodes, 0u);
		freeReplyObject(r);
	}
}

Test(rds_slots, more_primaries_than_room_refused)
{
	static struct ots_rds_slots m;
	char text[8192];
	size_t len;
	redisReply *r;
	int i;

	len = (size_t)snprintf(text, sizeof(text), "*%d\r\n",
	    OTS_RDS_PRIMARIES_MAX + 1);
	for (i = 0; i <= OTS_RDS_PRIMARIES_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "*3\r\n:%d\r\n:%d\r\n*2\r\n$1\r\nh\r\n:%d\r\n", i, i,
		    7000 + i);
	cr_assert_lt(len, sizeof(text));
	r = resp(text);
	cr_assert_eq(ots_rds_decode_slots(r, &asked, &m), OTS_ERR_REDIS);
	freeReplyObject(r);
}

Test(rds_slots, redirects_decoded)
{
	static const char *const bad[] = {
		"-MOVED 3999\r\n", "-MOVED x 127.0.0.1:7000\r\n",
		"-MOVED 16384 127.0.0.1:7000\r\n", "-MOVED 1 127.0.0.1\r\n",
		"-MOVED 1 :7000\r\n", "-MOVED 1 h:0\r\n", "-MOVED 1 h:\r\n",
		"-ASK\r\n", "-ERR MOVED 1 h:1\r\n", "+MOVED 1 h:1\r\n",
		"-TRYAGAIN Multiple keys request during rehashing\r\n" };
	struct ots_rds_node to;
	unsigned slot = 0;
	bool ask = true;
	redisReply *r;
	size_t i;

	r = resp("-MOVED 3999 127.0.0.1:6381\r\n");
	cr_assert_eq(ots_rds_decode_redirect(r, &ask, &slot, &to), OTS_OK);
	cr_assert(!ask);
	cr_assert_eq(slot, 3999u);
	cr_assert_str_eq(to.rn_host, "127.0.0.1");
	cr_assert_eq(to.rn_port, 6381u);
	freeReplyObject(r);
	r = resp("-ASK 16383 ::1:7002\r\n");
	cr_assert_eq(ots_rds_decode_redirect(r, &ask, &slot, &to), OTS_OK);
	cr_assert(ask);
	cr_assert_eq(slot, 16383u);
	cr_assert_str_eq(to.rn_host, "::1");
	cr_assert_eq(to.rn_port, 7002u);
	freeReplyObject(r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = resp(bad[i]);
		cr_assert_eq(ots_rds_decode_redirect(r, &ask, &slot, &to),
		    OTS_ERR_REDIS, "reply %zu accepted", i);
		freeReplyObject(r);
	}
}
