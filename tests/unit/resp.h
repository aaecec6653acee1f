/*
 * For the unit tests of reply decoders: one RESP text parsed by hiredis'
 * own reader into the reply tree Redis would have sent.
 */
#ifndef TEST_RESP_H
#define TEST_RESP_H

#include <string.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

/* Parses one RESP reply; the caller frees it. */
static inline redisReply *
resp(const char *text)
{
	redisReader *rd = redisReaderCreate();
	void *reply = NULL;

	cr_assert(rd != NULL);
	cr_assert_eq(redisReaderFeed(rd, text, strlen(text)), REDIS_OK);
	cr_assert_eq(redisReaderGetReply(rd, &reply), REDIS_OK);
	cr_assert(reply != NULL, "incomplete RESP: %s", text);
	redisReaderFree(rd);
	return reply;
}

#endif
