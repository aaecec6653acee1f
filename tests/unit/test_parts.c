/*
 * ots_parts' decoder of the upload scripts' replies (lib/lua/upcreate.lua,
 * uppart.lua, upcommit.lua), on reply trees built by hiredis' reader: what
 * the scripts answer is accepted, any other shape is a Redis error.
 */
#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "resp.h"

#include "ots_parts.h"

TestSuite(parts, .timeout = 10);

static enum ots_err
decode(const char *text, int nums, uint64_t *n1, uint64_t *n2,
    enum ots_parts_why *why)
{
	redisReply *r = resp(text);
	enum ots_err e = ots_parts_decode(r, nums, n1, n2, why);

	freeReplyObject(r);
	return e;
}

Test(parts, ok_carries_its_numbers)
{
	enum ots_parts_why why = OTS_PARTS_BUSY;
	uint64_t a = 9, b = 9;

	cr_assert_eq(decode("*1\r\n$2\r\nok\r\n", 0, &a, &b, &why), OTS_OK);
	cr_assert_eq(why, OTS_PARTS_OK);
	cr_assert_eq(a, 0u);
	cr_assert_eq(decode("*3\r\n$2\r\nok\r\n$2\r\n12\r\n$3\r\n100\r\n", 2, &a,
	    &b, &why), OTS_OK);
	cr_assert_eq(a, 12u);
	cr_assert_eq(b, 100u);
	/* As many numbers as the caller expects, each a number. */
	cr_assert_eq(decode("*2\r\n$2\r\nok\r\n$2\r\n12\r\n", 2, &a, &b, &why),
	    OTS_ERR_REDIS);
	cr_assert_eq(decode("*2\r\n$2\r\nok\r\n$2\r\nxx\r\n", 1, &a, &b, &why),
	    OTS_ERR_REDIS);
	cr_assert_eq(a, 0u);
}

Test(parts, refusals_say_why)
{
	static const struct {
		const char *text;
		enum ots_parts_why why;
		uint64_t n1;
	} cases[] = {
		{ "*1\r\n$7\r\nunknown\r\n", OTS_PARTS_UNKNOWN, 0 },
		{ "*1\r\n$9\r\nforbidden\r\n", OTS_PARTS_FORBIDDEN, 0 },
		{ "*2\r\n$6\r\noffset\r\n$4\r\n4096\r\n", OTS_PARTS_OFFSET, 4096 },
		{ "*1\r\n$4\r\nbusy\r\n", OTS_PARTS_BUSY, 0 },
		{ "*2\r\n$6\r\ntoobig\r\n$2\r\n69\r\n", OTS_PARTS_TOOBIG, 69 },
		{ "*1\r\n$4\r\nlost\r\n", OTS_PARTS_LOST, 0 },
		{ "*2\r\n$10\r\nincomplete\r\n$1\r\n5\r\n", OTS_PARTS_INCOMPLETE,
		    5 },
		{ "*1\r\n$5\r\ntaken\r\n", OTS_PARTS_TAKEN, 0 },
	};
	enum ots_parts_why why;
	uint64_t a, b;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(decode(cases[i].text, 1, &a, &b, &why),
		    OTS_ERR_INVAL, "%s", cases[i].text);
		cr_assert_eq(why, cases[i].why, "%s", cases[i].text);
		cr_assert_eq(a, cases[i].n1, "%s", cases[i].text);
	}
}

Test(parts, other_shapes_are_redis_errors)
{
	static const char *const bad[] = { ":1\r\n", "$2\r\nok\r\n", "*0\r\n",
		"*1\r\n:1\r\n", "*1\r\n$5\r\nbogus\r\n",
		"*2\r\n$4\r\nbusy\r\n$1\r\n1\r\n",
		"*1\r\n$6\r\noffset\r\n",
		"*2\r\n$6\r\noffset\r\n$1\r\n-\r\n" };
	enum ots_parts_why why;
	uint64_t a, b;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(decode(bad[i], 0, &a, &b, &why), OTS_ERR_REDIS,
		    "%s", bad[i]);
}
