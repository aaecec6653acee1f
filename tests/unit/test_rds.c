/*
 * ots_rds' decoders of Redis' own replies and ots_admin's of SCAN and
 * HMGET, on reply trees built by hiredis' reader: no Redis needed.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "resp.h"

#include "ots_admin.h"
#include "ots_rds.h"

TestSuite(rds, .timeout = 10);

Test(rds, script_sha_is_forty_hex_digits)
{
	static const char *const bad[] = {
		"$39\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8d\r\n",
		/* Used to be taken and sent back in every EVALSHA. */
		"$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8d \r\n",
		"$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8\r\n\r\n",
		"+e0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n",
		":1\r\n", "$-1\r\n" };
	char sha[OTS_RDS_SHA_LEN + 1];
	redisReply *r;
	size_t i;

	r = resp("$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n");
	cr_assert_eq(ots_rds_decode_sha(r, sha), OTS_OK);
	cr_assert_str_eq(sha, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
	freeReplyObject(r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = resp(bad[i]);
		cr_assert_eq(ots_rds_decode_sha(r, sha), OTS_ERR_REDIS, "%s",
		    bad[i]);
		cr_assert_str_eq(sha, "");
		freeReplyObject(r);
	}
}

Test(rds, noscript_is_an_error_reply)
{
	redisReply *r;

	r = resp("-NOSCRIPT No matching script.\r\n");
	cr_assert(ots_rds_is_noscript(r));
	freeReplyObject(r);
	r = resp("+NOSCRIPT\r\n");
	cr_assert(!ots_rds_is_noscript(r));
	freeReplyObject(r);
	r = resp("-ERR NOSCRIPT\r\n");
	cr_assert(!ots_rds_is_noscript(r));
	freeReplyObject(r);
}

Test(rds, sentinel_master_address)
{
	static const char *const bad[] = {
		"*-1\r\n",		/* no such primary */
		"*1\r\n$9\r\n127.0.0.1\r\n",
		"*2\r\n$9\r\n127.0.0.1\r\n:6379\r\n",
		"*2\r\n$9\r\n127.0.0.1\r\n$1\r\n0\r\n",
		"*2\r\n$9\r\n127.0.0.1\r\n$5\r\n65536\r\n",
		"*2\r\n$0\r\n\r\n$4\r\n6379\r\n",
		"-IDONTKNOW no such master\r\n" };
	struct ots_rds_node n;
	redisReply *r;
	size_t i;

	r = resp("*2\r\n$8\r\n10.0.0.7\r\n$4\r\n6380\r\n");
	cr_assert_eq(ots_rds_decode_master_addr(r, &n), OTS_OK);
	cr_assert_str_eq(n.rn_host, "10.0.0.7");
	cr_assert_eq(n.rn_port, 6380u);
	freeReplyObject(r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = resp(bad[i]);
		cr_assert_eq(ots_rds_decode_master_addr(r, &n), OTS_ERR_REDIS,
		    "reply %zu accepted", i);
		freeReplyObject(r);
	}
}

Test(rds, role_says_primary)
{
	redisReply *r;

	r = resp("*3\r\n$6\r\nmaster\r\n:42\r\n*0\r\n");
	cr_assert(ots_rds_decode_is_primary(r));
	freeReplyObject(r);
	r = resp("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n"
	    "$9\r\nconnected\r\n:42\r\n");
	cr_assert(!ots_rds_decode_is_primary(r));
	freeReplyObject(r);
	r = resp("*0\r\n");
	cr_assert(!ots_rds_decode_is_primary(r));
	freeReplyObject(r);
	r = resp("+master\r\n");
	cr_assert(!ots_rds_decode_is_primary(r));
	freeReplyObject(r);
}

Test(rds, not_primary_errors)
{
	static const char *const yes[] = {
		"-READONLY You can't write against a read only replica.\r\n",
		"-LOADING Redis is loading the dataset in memory\r\n",
		"-MASTERDOWN Link with MASTER is down\r\n",
		"-CLUSTERDOWN The cluster is down\r\n" };
	static const char *const no[] = {
		"-ERR READONLY\r\n", "-READONLYX\r\n", "+READONLY\r\n",
		"-NOSCRIPT No matching script.\r\n" };
	redisReply *r;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		r = resp(yes[i]);
		cr_assert(ots_rds_is_not_primary(r), "%s", yes[i]);
		freeReplyObject(r);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		r = resp(no[i]);
		cr_assert(!ots_rds_is_not_primary(r), "%s", no[i]);
		freeReplyObject(r);
	}
}

Test(rds, admin_scan_and_keys)
{
	struct ots_tok id;
	uint64_t next = 5;
	redisReply *r;

	r = resp("*2\r\n$2\r\n17\r\n*3\r\n$30\r\nots:{AAAAAAAAAAAAAAAAAAAAAA}:s"
	    "\r\n$13\r\nots:{metrics}\r\n:4\r\n");
	cr_assert_eq(ots_admin_decode_scan(r, &next), OTS_OK);
	cr_assert_eq(next, 17u);
	cr_assert(ots_admin_key_id(r->element[1]->element[0], &id));
	cr_assert_str_eq(id.t_str, "AAAAAAAAAAAAAAAAAAAAAA");
	cr_assert(!ots_admin_key_id(r->element[1]->element[1], &id));
	cr_assert(!ots_admin_key_id(r->element[1]->element[2], &id));
	freeReplyObject(r);

	r = resp("*2\r\n$2\r\n-1\r\n*0\r\n");
	next = 5;
	cr_assert_eq(ots_admin_decode_scan(r, &next), OTS_ERR_REDIS);
	cr_assert_eq(next, 5u);
	freeReplyObject(r);
}

Test(rds, admin_share_rows)
{
	struct ots_admin_share s;
	struct ots_tok id;
	redisReply *r;

	memset(&id, 0, sizeof(id));
	memcpy(id.t_str, "AbCdEfGhAAAAAAAAAAAAAA", OTS_TOK_CHARS);
	r = resp("*5\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n2\r\n$16\r\n"
	    "SSSSSSSSSSSSSSSS\r\n$-1\r\n");
	cr_assert_eq(ots_admin_decode_share(r, &id, &s), OTS_OK);
	cr_assert_str_eq(s.as_prefix, "AbCdEfGh");
	cr_assert_eq(s.as_size, 5u);
	cr_assert(s.as_protected);
	cr_assert(!s.as_e2e);
	freeReplyObject(r);
	/* An end-to-end share without a password. */
	r = resp("*5\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
	    "$1\r\n1\r\n");
	cr_assert_eq(ots_admin_decode_share(r, &id, &s), OTS_OK);
	cr_assert(!s.as_protected);
	cr_assert(s.as_e2e);
	freeReplyObject(r);

	/* Claimed or expired between SCAN and HMGET: skipped. */
	r = resp("*5\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n");
	cr_assert_eq(ots_admin_decode_share(r, &id, &s), OTS_ERR_NOTFOUND);
	freeReplyObject(r);

	/* Any other shape is a broken reply, no longer skipped as gone. */
	r = resp("*3\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n2\r\n");
	cr_assert_eq(ots_admin_decode_share(r, &id, &s), OTS_ERR_REDIS);
	freeReplyObject(r);
	r = resp("*5\r\n$1\r\n5\r\n$1\r\nx\r\n$1\r\n2\r\n$-1\r\n$-1\r\n");
	cr_assert_eq(ots_admin_decode_share(r, &id, &s), OTS_ERR_REDIS);
	cr_assert_str_eq(s.as_prefix, "");
	freeReplyObject(r);
}
