/* libFuzzer target: form and query decoding, path unescaping and file
 * name cleaning and quoting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots_buf.h"
#include "ots_form.h"
#include "ots_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	static const char *const known[] = { "expires_in", NULL };
	char out[128], name[OTS_NAME_MAX + 1], un[512];
	char field[OTS_FORM_NAME_MAX + 1];
	struct ots_buf b;
	size_t len = 0;
	bool found = false;
	enum ots_err e;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	e = ots_form_get(copy, size, "key", out, sizeof(out) - 1, &len, &found);
	e = ots_form_get(copy, size, "password", out, 16, &len, &found);
	e = ots_form_unknown(copy, size, known, field, &found);
	if (e == OTS_OK && strlen(field) > OTS_FORM_NAME_MAX)
		abort();
	e = ots_name_unescape(copy, size, un, sizeof(un), &len);
	ots_name_clean(copy, size, name);
	if (strlen(name) > OTS_NAME_MAX)
		abort();
	ots_buf_init(&b, 4096);
	e = ots_name_disposition(name, &b);
	if (e == OTS_OK && (strchr(ots_buf_str(&b), '\r') != NULL ||
	    strchr(ots_buf_str(&b), '\n') != NULL))
		abort();	/* header injection */
	ots_buf_release(&b);
	free(copy);
	return 0;
}
