/* libFuzzer target: the fields read from S3 answers (ots_s3xml): every
 * element found lies inside the input, every value fits its buffer and
 * holds no NUL, every time parsed is a real one; never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots_s3.h"
#include "ots_s3xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tags[] = { "Contents", "Key", "Size",
	"LastModified", "IsTruncated", "NextContinuationToken", "UploadId",
	"Code", "Error" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *xml = (const char *)data;
	char v[96];
	size_t i, pos, from, to;
	uint64_t t;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		pos = 0;
		while (ots_s3xml_element(xml, size, &pos, tags[i], &from, &to) ==
		    OTS_OK) {
			if (from > to || to > size || pos > size || pos <= to)
				abort();
		}
		pos = 0;
		while (pos <= size) {
			size_t before = pos;
			enum ots_err e = ots_s3xml_text(xml, size, &pos, tags[i],
			    v, sizeof(v));

			if (e == OTS_ERR_NOTFOUND)
				break;
			if (e == OTS_OK && strlen(v) >= sizeof(v))
				abort();
			/* Four-digit years only: before 10000. */
			if (e == OTS_OK && ots_s3xml_time(v, &t) == OTS_OK &&
			    t > UINT64_C(253402300799))
				abort();
			if (e == OTS_OK && ots_s3_key_ok(v) &&
			    (v[0] == '/' || strstr(v, "..") != NULL))
				abort();
			if (e != OTS_OK && pos == before)
				break;
		}
	}
	return 0;
}
