/*
 * ots_alloc: the allocator every libots module uses, with a test hook that
 * makes the Nth allocation fail (curl's torture mode), so tests can walk
 * every allocation failure path.
 */
#ifndef OTS_ALLOC_H
#define OTS_ALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc/free with the failure hook; free accepts NULL. */
void *ots_malloc(size_t n);
void *ots_calloc(size_t nmemb, size_t size);
void *ots_realloc(void *p, size_t n);
void ots_free(void *p);

/* Copies len bytes and a NUL into a new allocation; NULL on failure. */
char *ots_strndup(const char *s, size_t len);

/*
 * Test hook: the nth allocation from now (1-based) and every later one
 * fails; 0 switches failures off.  Not thread-safe: tests only.
 */
void ots_alloc_fail_after(unsigned long nth);

#define OTS_FREE_AND_NULL(p) \
	do { \
		ots_free(p); \
		(p) = NULL; \
	} while (0)

#endif
