/*
 * ots_share's decoders of the scripts' replies (lib/lua/), on reply trees
 * built by hiredis' reader from RESP text: no Redis needed.  What the
 * scripts answer is accepted; any other shape is a Redis error, never an
 * answer (regressions from tests/fuzz/fuzz_reply.c's review).
 */
#include <string.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "resp.h"

#include "ots_share.h"

TestSuite(share, .timeout = 10);

#define AVAIL_HEAD "*11\r\n$9\r\navailable\r\n$1\r\n5\r\n$2\r\n10\r\n" \
	"$2\r\n20\r\n$4\r\nMETA\r\n"
/* A server-side share's e2e and lcheck fields. */
/* A server-side receipt's mode and lease fields. */
#define RECEIPT_SERVER "$0\r\n\r\n$1\r\n0\r\n$1\r\n0\r\n"
#define NOT_E2E "$0\r\n\r\n$0\r\n\r\n"
#define LCHECK "$40\r\nLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL\r\n"

static enum ots_err
peek(const char *text, struct ots_share *sh)
{
	redisReply *r = resp(text);
	enum ots_err e = ots_share_decode_peek(r, sh);

	freeReplyObject(r);
	return e;
}

Test(share, peek_reads_what_the_script_answers)
{
	struct ots_share sh;

	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"
	    "$1\r\n0\r\n" NOT_E2E, &sh), OTS_OK);
	cr_assert_eq(sh.sh_state, OTS_SHARE_AVAILABLE);
	cr_assert_eq(sh.sh_size, 5u);
	cr_assert_eq(sh.sh_expires, 20u);
	cr_assert_eq(sh.sh_meta_len, 4u);
	cr_assert(!sh.sh_protected);
	cr_assert(!sh.sh_e2e);

	cr_assert_eq(peek(AVAIL_HEAD "$16\r\nSSSSSSSSSSSSSSSS\r\n$8\r\n8192,1,1"
	    "\r\n$40\r\nCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\r\n"
	    "$1\r\n2\r\n" NOT_E2E, &sh), OTS_OK);
	cr_assert(sh.sh_protected);
	cr_assert_eq(sh.sh_kdf.kp_mem_kib, 8192u);
	cr_assert_eq(sh.sh_attempts, 2u);

	cr_assert_eq(peek("*7\r\n$4\r\ngone\r\n$7\r\nclaimed\r\n$1\r\n5\r\n"
	    "$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$0\r\n\r\n", &sh), OTS_OK);
	cr_assert_eq(sh.sh_state, OTS_SHARE_CLAIMED);
	cr_assert_eq(sh.sh_claimed_at, 3u);
	cr_assert(!sh.sh_e2e);
	cr_assert_eq(peek("*7\r\n$4\r\ngone\r\n$7\r\nclaimed\r\n$1\r\n5\r\n"
	    "$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n", &sh), OTS_OK);
	cr_assert(sh.sh_e2e);

	cr_assert_eq(peek("*1\r\n$7\r\nunknown\r\n", &sh), OTS_OK);
	cr_assert_eq(sh.sh_state, OTS_SHARE_UNKNOWN);
}

Test(share, peek_reads_an_e2e_share_and_its_link_check)
{
	struct ots_share sh;

	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"
	    "$1\r\n0\r\n$1\r\n1\r\n" LCHECK, &sh), OTS_OK);
	cr_assert(sh.sh_e2e);
	cr_assert_eq(sh.sh_lcheck[0], 'L');
	cr_assert_eq(sh.sh_lcheck[39], 'L');
	/* An e2e share without its check, a check without the flag, a
	 * flag that is not "1", a check of the wrong length. */
	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"
	    "$1\r\n0\r\n$1\r\n1\r\n$0\r\n\r\n", &sh), OTS_ERR_REDIS);
	cr_assert(!sh.sh_e2e);
	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"
	    "$1\r\n0\r\n$0\r\n\r\n" LCHECK, &sh), OTS_ERR_REDIS);
	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"
	    "$1\r\n0\r\n$1\r\n0\r\n" LCHECK, &sh), OTS_ERR_REDIS);
	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"
	    "$1\r\n0\r\n$1\r\n1\r\n$3\r\nLLL\r\n", &sh), OTS_ERR_REDIS);
	/* The old shape (9 elements) is a broken reply. */
	cr_assert_eq(peek("*9\r\n$9\r\navailable\r\n$1\r\n5\r\n$2\r\n10\r\n"
	    "$2\r\n20\r\n$4\r\nMETA\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"
	    "$1\r\n0\r\n", &sh), OTS_ERR_REDIS);
}

Test(share, peek_refuses_a_check_without_a_salt)
{
	struct ots_share sh;

	/* Was served as an unprotected share: no password asked. */
	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$0\r\n\r\n$40\r\n"
	    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\r\n$1\r\n0\r\n" NOT_E2E,
	    &sh), OTS_ERR_REDIS);
	cr_assert(!sh.sh_protected);
	cr_assert_eq(sh.sh_state, OTS_SHARE_UNKNOWN);
	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$8\r\n8192,1,1\r\n$0\r\n\r\n"
	    "$1\r\n0\r\n" NOT_E2E, &sh), OTS_ERR_REDIS);
	cr_assert_eq(peek(AVAIL_HEAD "$0\r\n\r\n$-1\r\n$0\r\n\r\n$1\r\n0\r\n"
	    NOT_E2E, &sh), OTS_ERR_REDIS);
}

Test(share, peek_refuses_costs_out_of_bounds)
{
	static const char *const costs[] = { "$14\r\n4294967295,1,1\r\n",
		"$8\r\n8192,0,1\r\n", "$8\r\n8192,1,9\r\n", "$5\r\n1,1,1\r\n",
		"$9\r\n8192,11,1\r\n" };
	char text[512];
	struct ots_share sh;
	size_t i;

	for (i = 0; i < sizeof(costs) / sizeof(costs[0]); i++) {
		cr_assert(snprintf(text, sizeof(text), "%s$16\r\n"
		    "SSSSSSSSSSSSSSSS\r\n%s$40\r\n"
		    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\r\n$1\r\n0\r\n"
		    NOT_E2E, AVAIL_HEAD, costs[i]) < (int)sizeof(text));
		cr_assert_eq(peek(text, &sh), OTS_ERR_REDIS, "%s", costs[i]);
		cr_assert(!sh.sh_protected);
	}
}

Test(share, peek_refuses_other_shapes)
{
	static const char *const bad[] = { ":1\r\n", "$7\r\nunknown\r\n",
		"*0\r\n", "*-1\r\n", "*1\r\n:1\r\n",
		"*2\r\n$7\r\nunknown\r\n:1\r\n",
		"*1\r\n$9\r\navailable\r\n",
		"*2\r\n$4\r\ngone\r\n$7\r\nclaimed\r\n",
		"*7\r\n$4\r\ngone\r\n$9\r\navailable\r\n$1\r\n5\r\n$1\r\n1\r\n"
		"$1\r\n2\r\n$1\r\n3\r\n$0\r\n\r\n",
		/* The old shape, without the mode. */
		"*6\r\n$4\r\ngone\r\n$7\r\nclaimed\r\n$1\r\n5\r\n$1\r\n1\r\n"
		"$1\r\n2\r\n$1\r\n3\r\n",
		"*1\r\n*1\r\n$7\r\nunknown\r\n" };
	struct ots_share sh;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(peek(bad[i], &sh), OTS_ERR_REDIS, "%s", bad[i]);
}

Test(share, gone_needs_an_ended_state)
{
	static const char *const bad[] = {
		"*2\r\n$4\r\ngone\r\n$9\r\navailable\r\n",
		"*2\r\n$4\r\ngone\r\n$5\r\nbogus\r\n",
		"*2\r\n$4\r\ngone\r\n:3\r\n",
		"*2\r\n$4\r\ngone\r\n$-1\r\n" };
	struct ots_share sh;
	enum ots_share_state st;
	uint64_t left;
	size_t i;

	/* Used to be 410 with state "available" or "unknown". */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		redisReply *r = resp(bad[i]);

		cr_assert_eq(ots_share_decode_claim(r, 1, &sh), OTS_ERR_REDIS);
		cr_assert_eq(ots_share_decode_attempt(r, &left, &st),
		    OTS_ERR_REDIS);
		cr_assert_eq(ots_share_decode_revoke(r, &st), OTS_ERR_REDIS);
		freeReplyObject(r);
	}
}

Test(share, claim_attempt_revoke_answers)
{
	struct ots_share sh;
	enum ots_share_state st;
	uint64_t left;
	redisReply *r;

	r = resp("*2\r\n$2\r\nok\r\n$3\r\n123\r\n");
	cr_assert_eq(ots_share_decode_claim(r, 99, &sh), OTS_OK);
	cr_assert_eq(sh.sh_size, 123u);
	cr_assert_eq(sh.sh_claimed_at, 99u);
	cr_assert_eq(ots_share_decode_revoke(r, &st), OTS_ERR_REDIS);
	freeReplyObject(r);

	r = resp("*2\r\n$2\r\nok\r\n$2\r\n-1\r\n");
	cr_assert_eq(ots_share_decode_claim(r, 99, &sh), OTS_ERR_REDIS);
	cr_assert_eq(sh.sh_state, OTS_SHARE_UNKNOWN);
	freeReplyObject(r);

	r = resp("*2\r\n$4\r\ngone\r\n$7\r\nrevoked\r\n");
	cr_assert_eq(ots_share_decode_claim(r, 1, &sh), OTS_ERR_GONE);
	cr_assert_eq(sh.sh_state, OTS_SHARE_REVOKED);
	freeReplyObject(r);

	r = resp("*1\r\n$7\r\nunknown\r\n");
	cr_assert_eq(ots_share_decode_claim(r, 1, &sh), OTS_ERR_NOTFOUND);
	cr_assert_eq(ots_share_decode_revoke(r, &st), OTS_ERR_NOTFOUND);
	freeReplyObject(r);

	r = resp("*2\r\n$4\r\nleft\r\n$1\r\n4\r\n");
	cr_assert_eq(ots_share_decode_attempt(r, &left, &st), OTS_OK);
	cr_assert_eq(left, 4u);
	cr_assert_eq(st, OTS_SHARE_AVAILABLE);
	freeReplyObject(r);

	/* The guess that locks the share is told apart from those that
	 * find it locked already: only it removes the file and counts the
	 * destruction. */
	r = resp("*1\r\n$6\r\nlocked\r\n");
	cr_assert_eq(ots_share_decode_attempt(r, &left, &st), OTS_OK);
	cr_assert_eq(st, OTS_SHARE_LOCKED);
	cr_assert_eq(left, 0u);
	freeReplyObject(r);

	r = resp("*2\r\n$4\r\ngone\r\n$6\r\nlocked\r\n");
	cr_assert_eq(ots_share_decode_attempt(r, &left, &st), OTS_ERR_GONE);
	cr_assert_eq(st, OTS_SHARE_LOCKED);
	freeReplyObject(r);

	r = resp("*1\r\n$2\r\nok\r\n");
	cr_assert_eq(ots_share_decode_guess_begin(r, &st), OTS_OK);
	freeReplyObject(r);
	r = resp("*1\r\n$4\r\nwait\r\n");
	cr_assert_eq(ots_share_decode_guess_begin(r, &st), OTS_ERR_BUSY);
	freeReplyObject(r);
	r = resp("*2\r\n$4\r\ngone\r\n$7\r\nclaimed\r\n");
	cr_assert_eq(ots_share_decode_guess_begin(r, &st), OTS_ERR_GONE);
	cr_assert_eq(st, OTS_SHARE_CLAIMED);
	freeReplyObject(r);
	r = resp("*2\r\n$4\r\nwait\r\n$1\r\n1\r\n");
	cr_assert_eq(ots_share_decode_guess_begin(r, &st), OTS_ERR_REDIS);
	freeReplyObject(r);

	r = resp("*1\r\n$9\r\nforbidden\r\n");
	cr_assert_eq(ots_share_decode_revoke(r, &st), OTS_ERR_AUTH);
	freeReplyObject(r);

	r = resp("*1\r\n$2\r\nok\r\n");
	cr_assert_eq(ots_share_decode_revoke(r, &st), OTS_OK);
	cr_assert_eq(st, OTS_SHARE_REVOKED);
	freeReplyObject(r);
}

Test(share, status_needs_a_known_state)
{
	struct ots_receipt rc;
	redisReply *r;

	r = resp("*10\r\n$7\r\nclaimed\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n2\r\n"
	    "$1\r\n3\r\n$1\r\n0\r\n$4\r\nabcd\r\n" RECEIPT_SERVER);
	cr_assert_eq(ots_share_decode_status(r, &rc), OTS_OK);
	cr_assert_eq(rc.r_state, OTS_SHARE_CLAIMED);
	cr_assert_str_eq(rc.r_owner, "abcd");
	cr_assert(!rc.r_e2e);
	freeReplyObject(r);

	/* An e2e share's claim with its lease, ended. */
	r = resp("*10\r\n$7\r\nclaimed\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n2\r\n"
	    "$1\r\n3\r\n$1\r\n0\r\n$4\r\nabcd\r\n$1\r\n1\r\n$3\r\n603\r\n"
	    "$2\r\n40\r\n");
	cr_assert_eq(ots_share_decode_status(r, &rc), OTS_OK);
	cr_assert(rc.r_e2e);
	cr_assert_eq(rc.r_lease_until, 603u);
	cr_assert_eq(rc.r_lease_ended_at, 40u);
	freeReplyObject(r);

	/* The old shape, without mode and lease. */
	r = resp("*7\r\n$7\r\nclaimed\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n2\r\n"
	    "$1\r\n3\r\n$1\r\n0\r\n$4\r\nabcd\r\n");
	cr_assert_eq(ots_share_decode_status(r, &rc), OTS_ERR_REDIS);
	freeReplyObject(r);

	/* Used to be OK with state "unknown": read as "no receipt". */
	r = resp("*10\r\n$5\r\nbogus\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n2\r\n"
	    "$1\r\n3\r\n$1\r\n0\r\n$4\r\nabcd\r\n" RECEIPT_SERVER);
	cr_assert_eq(ots_share_decode_status(r, &rc), OTS_ERR_REDIS);
	cr_assert_str_eq(rc.r_owner, "");
	freeReplyObject(r);

	/* No owner token (an operator-only share) is an empty hash. */
	r = resp("*10\r\n$7\r\nclaimed\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n2\r\n"
	    "$1\r\n3\r\n$1\r\n0\r\n$0\r\n\r\n" RECEIPT_SERVER);
	cr_assert_eq(ots_share_decode_status(r, &rc), OTS_OK);
	freeReplyObject(r);

	r = resp("*1\r\n$7\r\nunknown\r\n");
	cr_assert_eq(ots_share_decode_status(r, &rc), OTS_OK);
	cr_assert_eq(rc.r_state, OTS_SHARE_UNKNOWN);
	freeReplyObject(r);
}

Test(share, status_refuses_a_nul_in_the_owner_hash)
{
	static const char text[] = "*10\r\n$7\r\nclaimed\r\n$1\r\n5\r\n$1\r\n1"
	    "\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n0\r\n$3\r\na\0b\r\n"
	    RECEIPT_SERVER;
	redisReader *rd = redisReaderCreate();
	void *reply = NULL;
	struct ots_receipt rc;

	cr_assert_eq(redisReaderFeed(rd, text, sizeof(text) - 1), REDIS_OK);
	cr_assert_eq(redisReaderGetReply(rd, &reply), REDIS_OK);
	cr_assert(reply != NULL);
	cr_assert_eq(ots_share_decode_status(reply, &rc), OTS_ERR_REDIS);
	freeReplyObject(reply);
	redisReaderFree(rd);
}

Test(share, register_and_exists)
{
	redisReply *r;
	bool exists = false;

	r = resp(":1\r\n");
	cr_assert_eq(ots_share_decode_register(r), OTS_OK);
	cr_assert_eq(ots_share_decode_exists(r, &exists), OTS_OK);
	cr_assert(exists);
	freeReplyObject(r);
	r = resp(":0\r\n");
	cr_assert_eq(ots_share_decode_register(r), OTS_ERR_INVAL);
	cr_assert_eq(ots_share_decode_exists(r, &exists), OTS_OK);
	cr_assert(!exists);
	freeReplyObject(r);
	r = resp(":7\r\n");
	cr_assert_eq(ots_share_decode_register(r), OTS_ERR_REDIS);
	freeReplyObject(r);
	/* In doubt the file stays: the sweeper must not remove it. */
	r = resp("$1\r\n0\r\n");
	cr_assert_eq(ots_share_decode_exists(r, &exists), OTS_ERR_REDIS);
	cr_assert(exists);
	freeReplyObject(r);
}

Test(share, lease_answers)
{
	uint64_t until = 7;
	redisReply *r;

	r = resp("*2\r\n$2\r\nok\r\n$3\r\n900\r\n");
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_CHECK, &until), OTS_OK);
	cr_assert_eq(until, 900u);
	/* An end answers without the time; a lapse never says ok. */
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_END, &until),
	    OTS_ERR_REDIS);
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_LAPSE, &until),
	    OTS_ERR_REDIS);
	freeReplyObject(r);

	r = resp("*1\r\n$2\r\nok\r\n");
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_END, &until), OTS_OK);
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_CHECK, &until),
	    OTS_ERR_REDIS);
	freeReplyObject(r);

	r = resp("*1\r\n$9\r\nforbidden\r\n");
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_CHECK, &until),
	    OTS_ERR_AUTH);
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_END, &until),
	    OTS_ERR_AUTH);
	freeReplyObject(r);

	r = resp("*1\r\n$5\r\nended\r\n");
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_CHECK, &until),
	    OTS_ERR_GONE);
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_LAPSE, &until),
	    OTS_ERR_GONE);
	freeReplyObject(r);

	r = resp("*1\r\n$7\r\nrunning\r\n");
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_LAPSE, &until), OTS_OK);
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_CHECK, &until),
	    OTS_ERR_REDIS);
	freeReplyObject(r);

	r = resp("*1\r\n$7\r\nunknown\r\n");
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_LAPSE, &until),
	    OTS_ERR_NOTFOUND);
	freeReplyObject(r);

	r = resp("*2\r\n$2\r\nok\r\n$2\r\n-1\r\n");
	cr_assert_eq(ots_share_decode_lease(r, OTS_LEASE_CHECK, &until),
	    OTS_ERR_REDIS);
	cr_assert_eq(until, 0u);
	freeReplyObject(r);
}
