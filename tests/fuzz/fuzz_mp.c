/* libFuzzer target: the multipart parser, fed in two pieces split where
 * the first input byte says, with a boundary taken from the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots_mp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum ots_err
on_begin(void *ctx, const struct ots_mp_part *p)
{
	(void)ctx;
	return p->p_filename_len > OTS_MP_FILENAME_MAX ? OTS_ERR_INVAL : OTS_OK;
}

static enum ots_err
on_data(void *ctx, const uint8_t *p, size_t n)
{
	size_t *total = ctx;

	(void)p;
	*total += n;
	return OTS_OK;
}

static enum ots_err
on_end(void *ctx)
{
	(void)ctx;
	return OTS_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ots_mp_cb cb = { on_begin, on_data, on_end };
	char boundary[OTS_MP_BOUNDARY_MAX + 1];
	struct ots_mp *mp = NULL;
	uint8_t *copy;
	size_t split, blen, body_len, total = 0;
	enum ots_err e;

	if (size < 2)
		return 0;
	blen = (size_t)(data[0] % 16) + 1;
	if (size < 2 + blen)
		return 0;
	memcpy(boundary, data + 2, blen);
	boundary[blen] = '\0';
	if (strlen(boundary) != blen)
		return 0;
	body_len = size - 2 - blen;
	split = data[1] % (body_len + 1);
	copy = malloc(size);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	e = ots_mp_new(boundary, &cb, &total, &mp);
	if (e == OTS_OK) {
		e = ots_mp_feed(mp, copy + 2 + blen, split);
		if (e == OTS_OK)
			e = ots_mp_feed(mp, copy + 2 + blen + split,
			    body_len - split);
		if (e == OTS_OK)
			e = ots_mp_finish(mp);
		ots_mp_free(mp);
	}
	e = ots_mp_boundary((const char *)copy, size, boundary);
	(void)e;
	free(copy);
	return 0;
}
