/* libFuzzer target: the container reader and the sealed metadata.  The
 * key is fixed and unknown to the input, so nothing may ever decrypt:
 * any plaintext reaching the sink is a forgery and aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots_box.h"
#include "ots_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum ots_err
forged(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	(void)p;
	if (n > 0)
		abort();
	return OTS_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[OTS_KEY_BYTES] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ots_tok id;
	struct ots_box_dec *dec = NULL;
	struct ots_meta m;
	uint8_t *copy = malloc(size + 1);
	size_t split;
	enum ots_err e;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&id, 0, sizeof(id));
	if (size > 0)
		id.t_raw[0] = data[0];
	split = size > 0 ? data[0] % (size + 1) : 0;
	e = ots_box_dec_new(key, &id, forged, NULL, &dec);
	if (e == OTS_OK) {
		e = ots_box_dec_update(dec, copy, split);
		if (e == OTS_OK)
			e = ots_box_dec_update(dec, copy + split, size - split);
		if (e == OTS_OK && ots_box_dec_finish(dec) == OTS_OK)
			abort();	/* an empty forgery authenticated */
		ots_box_dec_free(dec);
	}
	if (ots_meta_open(key, &id, copy, size, &m) == OTS_OK)
		abort();
	if (ots_meta_open_check(key, &id, OTS_CHECK_PASSWORD, copy, size) ==
	    OTS_OK || ots_meta_open_check(key, &id, OTS_CHECK_LINK, copy,
	    size) == OTS_OK)
		abort();
	free(copy);
	return 0;
}
