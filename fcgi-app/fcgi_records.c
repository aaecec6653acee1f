/*
 * FastCGI records for answers written past libfcgi (fcgi_records.h).
 */
#include "fcgi_records.h"

#include "ots_util.h"
#include "ots_banned.h"

void
frec_header(uint8_t h[FCGI_HEADER_LEN], int type, int request_id, size_t len)
{
	OTS_ASSERT(len <= FCGI_MAX_LENGTH);
	OTS_ASSERT(request_id >= 0 && request_id <= 0xffff);
	h[0] = FCGI_VERSION_1;
	h[1] = (uint8_t)type;
	h[2] = (uint8_t)((unsigned)request_id >> 8);
	h[3] = (uint8_t)request_id;
	h[4] = (uint8_t)(len >> 8);
	h[5] = (uint8_t)len;
	h[6] = 0;	/* no padding */
	h[7] = 0;	/* reserved */
}

size_t
frec_frame_stdout(struct frec_batch *b, int request_id, const uint8_t **p,
    size_t *n)
{
	size_t framed = 0;
	int i;

	b->fb_cnt = 0;
	for (i = 0; i < FREC_PER_BATCH && *n > 0; i++) {
		size_t len = *n < FCGI_MAX_LENGTH ? *n : FCGI_MAX_LENGTH;

		frec_header(b->fb_head[i], FCGI_STDOUT, request_id, len);
		b->fb_iov[b->fb_cnt].iov_base = b->fb_head[i];
		b->fb_iov[b->fb_cnt++].iov_len = FCGI_HEADER_LEN;
		b->fb_iov[b->fb_cnt].iov_base = (void *)(uintptr_t)*p;
		b->fb_iov[b->fb_cnt++].iov_len = len;
		*p += len;
		*n -= len;
		framed += len;
	}
	return framed;
}
