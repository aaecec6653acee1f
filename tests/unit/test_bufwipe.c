/*
 * ots_buf never hands memory back to the allocator with its bytes in it:
 * buffers carry links, claim forms and passwords.  This test binary
 * replaces libots' allocator (it defines every symbol of ots_alloc.o, so
 * the linker takes these instead) with one that records each block's
 * size and, on free, counts the blocks that still hold a non-zero byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ots_alloc.h"
#include "ots_buf.h"

/* Each block is preceded by its size. */
#define HEAD sizeof(max_align_t)

static unsigned long dirty_frees;
static unsigned long frees;

void *
ots_malloc(size_t n)
{
	uint8_t *p = malloc(HEAD + (n == 0 ? 1 : n));

	if (p == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HEAD;
}

void *
ots_calloc(size_t nmemb, size_t size)
{
	size_t n = nmemb * size;
	void *p = ots_malloc(n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}

void
ots_free(void *p)
{
	uint8_t *b = p;
	size_t n, i;

	if (p == NULL)
		return;
	memcpy(&n, b - HEAD, sizeof(n));
	for (i = 0; i < n; i++) {
		if (b[i] != 0) {
			dirty_frees++;
			break;
		}
	}
	frees++;
	free(b - HEAD);
}

/* realloc as the C library does it: the old block is freed as it is. */
void *
ots_realloc(void *p, size_t n)
{
	size_t old = 0;
	void *q = ots_malloc(n);

	if (q == NULL)
		return NULL;
	if (p != NULL) {
		memcpy(&old, (uint8_t *)p - HEAD, sizeof(old));
		memcpy(q, p, old < n ? old : n);
		ots_free(p);
	}
	return q;
}

char *
ots_strndup(const char *s, size_t len)
{
	char *p = ots_malloc(len + 1);

	if (p != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

void
ots_alloc_fail_after(unsigned long nth)
{
	(void)nth;
}

static void
reset(void)
{
	dirty_frees = 0;
	frees = 0;
}

TestSuite(bufwipe, .init = reset, .timeout = 10);

static const char secret[] = "link-secret-Zb8mX0u6Q5iCkq3sP1v2Lw";

Test(bufwipe, growing_wipes_every_old_block)
{
	struct ots_buf b;
	int i;

	ots_buf_init(&b, 1 << 20);
	for (i = 0; i < 2000; i++)
		cr_assert_eq(ots_buf_adds(&b, secret), OTS_OK);
	cr_assert_gt(frees, 5, "the buffer never grew (%lu frees)", frees);
	cr_assert_eq(dirty_frees, 0, "%lu of %lu freed blocks still held "
	    "bytes", dirty_frees, frees);
	ots_buf_release(&b);
	cr_assert_eq(dirty_frees, 0, "release freed the bytes unwiped");
}

Test(bufwipe, formatted_growth_wipes_too)
{
	struct ots_buf b;
	int i;

	ots_buf_init(&b, 1 << 20);
	for (i = 0; i < 100; i++)
		cr_assert_eq(ots_buf_addf(&b, "%s/%s/%d;%0300d", secret,
		    secret, i, i), OTS_OK);
	ots_buf_release(&b);
	cr_assert_gt(frees, 3);
	cr_assert_eq(dirty_frees, 0, "%lu of %lu freed blocks still held "
	    "bytes", dirty_frees, frees);
}

Test(bufwipe, passing_the_maximum_wipes_what_was_held)
{
	struct ots_buf b;

	ots_buf_init(&b, 100);
	cr_assert_eq(ots_buf_adds(&b, secret), OTS_OK);
	cr_assert_eq(ots_buf_add(&b, secret, 80), OTS_ERR_TOOBIG);
	cr_assert_null(b.b_data);
	cr_assert_eq(frees, 1);
	cr_assert_eq(dirty_frees, 0, "the refused buffer was freed unwiped");
}

Test(bufwipe, the_allocator_here_does_see_unwiped_blocks)
{
	/* The control: this allocator would notice a block freed as is. */
	char *p = ots_strndup(secret, sizeof(secret) - 1);

	cr_assert_not_null(p);
	ots_free(p);
	cr_assert_eq(dirty_frees, 1);
}
