#include "ots_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ots_alloc.h"
#include "ots_banned.h"

void
ots_buf_init(struct ots_buf *b, size_t max)
{
	b->b_data = NULL;
	b->b_len = 0;
	b->b_cap = 0;
	b->b_max = max;
}

void
ots_buf_release(struct ots_buf *b)
{
	/* Buffers carry links, forms and passwords: nothing goes back to
	 * the allocator unwiped. */
	if (b->b_data != NULL)
		sodium_memzero(b->b_data, b->b_cap);
	OTS_FREE_AND_NULL(b->b_data);
	b->b_len = 0;
	b->b_cap = 0;
}

void
ots_buf_reset(struct ots_buf *b)
{
	b->b_len = 0;
	if (b->b_data != NULL)
		b->b_data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL. */
static enum ots_err
grow(struct ots_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (ots_size_add(b->b_len, n, &need) != OTS_OK || need > b->b_max)
		return OTS_ERR_TOOBIG;
	need++;
	if (need <= b->b_cap)
		return OTS_OK;
	cap = b->b_cap < 64 ? 64 : b->b_cap;
	while (cap < need) {
		if (ots_size_mul(cap, 2, &cap) != OTS_OK)
			return OTS_ERR_TOOBIG;
	}
	/* Never more than max + 1 (the NUL), minding the wrap at SIZE_MAX. */
	if (b->b_max < SIZE_MAX && cap > b->b_max + 1)
		cap = b->b_max + 1;
	/* Not realloc: it would free the old block with its bytes (maybe a
	 * secret) still in it.  Copy, then wipe and free the old one. */
	p = ots_malloc(cap);
	if (p == NULL)
		return OTS_ERR_NOMEM;
	if (b->b_data != NULL) {
		memcpy(p, b->b_data, b->b_len + 1);
		sodium_memzero(b->b_data, b->b_cap);
		ots_free(b->b_data);
	}
	b->b_data = p;
	b->b_cap = cap;
	return OTS_OK;
}

enum ots_err
ots_buf_add(struct ots_buf *b, const void *p, size_t n)
{
	enum ots_err e;

	e = grow(b, n);
	if (e != OTS_OK) {
		ots_buf_release(b);
		return e;
	}
	if (n > 0)
		memcpy(b->b_data + b->b_len, p, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
	return OTS_OK;
}

enum ots_err
ots_buf_adds(struct ots_buf *b, const char *s)
{
	return ots_buf_add(b, s, strlen(s));
}

enum ots_err
ots_buf_addf(struct ots_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;
	enum ots_err e;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		ots_buf_release(b);
		return OTS_ERR_INVAL;
	}
	if ((size_t)n < sizeof(small))
		return ots_buf_add(b, small, (size_t)n);

	e = grow(b, (size_t)n);
	if (e != OTS_OK) {
		ots_buf_release(b);
		return e;
	}
	va_start(ap, fmt);
	n = vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ots_buf_release(b);
		return OTS_ERR_INVAL;
	}
	b->b_len += (size_t)n;
	return OTS_OK;
}

const char *
ots_buf_str(const struct ots_buf *b)
{
	return b->b_data == NULL ? "" : b->b_data;
}
