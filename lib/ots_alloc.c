#include "ots_alloc.h"

#include <stdlib.h>
#include <string.h>

#include "ots_banned.h"

/*
 * Only tests set these, before any thread starts; the request path reads
 * fail_armed, which is always false there.
 */
static unsigned long fail_countdown;
static int fail_armed;

static int
should_fail(void)
{
	if (!fail_armed)
		return 0;
	if (fail_countdown > 1) {
		fail_countdown--;
		return 0;
	}
	return 1;
}

void
ots_alloc_fail_after(unsigned long nth)
{
	fail_countdown = nth;
	fail_armed = nth != 0;
}

void *
ots_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n == 0 ? 1 : n);
}

void *
ots_calloc(size_t nmemb, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);
}

void *
ots_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n == 0 ? 1 : n);
}

void
ots_free(void *p)
{
	free(p);
}

char *
ots_strndup(const char *s, size_t len)
{
	char *p;

	if (len == (size_t)-1)
		return NULL;
	p = ots_malloc(len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
