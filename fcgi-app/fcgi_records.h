/*
 * fcgi_records: the FastCGI records (the specification's §3.3) of the
 * answers written past libfcgi: a body cut into FCGI_STDOUT records of up
 * to FCGI_MAX_LENGTH bytes, without padding, framed for one sendmsg(2)
 * per batch (fcgx_io.c sends them).  Pure: no I/O, no libfcgi state, so
 * tests/unit/test_fcgi_records.c reads the records back with <fastcgi.h>.
 */
#ifndef OTS_FCGI_RECORDS_H
#define OTS_FCGI_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <fastcgi.h>

/* Records per batch: 4 x 64 KiB, a container chunk and more. */
#define FREC_PER_BATCH 4

/* One batch: each record's header, then its bytes (borrowed). */
struct frec_batch {
	uint8_t fb_head[FREC_PER_BATCH][FCGI_HEADER_LEN];
	struct iovec fb_iov[2 * FREC_PER_BATCH];
	int fb_cnt;			/* iovecs in use */
};

/* The header of a record of type with len (<= FCGI_MAX_LENGTH) bytes of
 * content and no padding. */
void frec_header(uint8_t h[FCGI_HEADER_LEN], int type, int request_id,
    size_t len);

/*
 * Frames the next records of the *n bytes at *p as FCGI_STDOUT of
 * request_id into b (at most FREC_PER_BATCH records), advancing *p and
 * *n past them; returns the content bytes framed (0 when *n is 0).
 */
size_t frec_frame_stdout(struct frec_batch *b, int request_id,
    const uint8_t **p, size_t *n);

#endif
