/*
 * fcgi_records (fcgi-app/): the FCGI_STDOUT records the workers write
 * past libfcgi, read back with libfcgi's own definitions (<fastcgi.h>:
 * FCGI_Header, FCGI_VERSION_1, FCGI_STDOUT, FCGI_MAX_LENGTH): every
 * record well formed, no padding, and the contents, joined, exactly the
 * body.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <fastcgi.h>

#include "fcgi_records.h"

/* Appends the batch's bytes to out at *len, as the socket would see. */
static void
flatten(const struct frec_batch *b, uint8_t *out, size_t *len)
{
	for (int i = 0; i < b->fb_cnt; i++) {
		memcpy(out + *len, b->fb_iov[i].iov_base, b->fb_iov[i].iov_len);
		*len += b->fb_iov[i].iov_len;
	}
}

/* Parses the stream as FastCGI records of request id; returns the joined
 * contents' length (in body) and the number of records. */
static size_t
parse(const uint8_t *s, size_t len, int id, uint8_t *body, size_t *records)
{
	size_t off = 0, got = 0;

	*records = 0;
	while (off < len) {
		FCGI_Header h;
		size_t clen;

		cr_assert_geq(len - off, sizeof(h), "a cut header at %zu", off);
		memcpy(&h, s + off, sizeof(h));
		off += sizeof(h);
		cr_assert_eq(h.version, FCGI_VERSION_1);
		cr_assert_eq(h.type, FCGI_STDOUT);
		cr_assert_eq((h.requestIdB1 << 8) | h.requestIdB0, id);
		clen = (size_t)((h.contentLengthB1 << 8) | h.contentLengthB0);
		cr_assert_eq(h.paddingLength, 0);
		cr_assert_eq(h.reserved, 0);
		/* An empty FCGI_STDOUT would end the answer early. */
		cr_assert_gt(clen, 0, "an empty record mid-body");
		cr_assert_leq(clen, FCGI_MAX_LENGTH);
		cr_assert_leq(clen, len - off, "content runs past the stream");
		memcpy(body + got, s + off, clen);
		got += clen;
		off += clen;
		(*records)++;
	}
	return got;
}

/* Writes n bytes as the workers do and checks what a web server reads. */
static void
round_trip(size_t n, int id)
{
	size_t cap = n + (n / FCGI_MAX_LENGTH + 2) * FCGI_HEADER_LEN;
	uint8_t *src = malloc(n + 1), *wire = malloc(cap), *back = malloc(n + 1);
	const uint8_t *p = src;
	size_t left = n, wlen = 0, framed = 0, records = 0, batches = 0;
	struct frec_batch b;

	cr_assert(src != NULL && wire != NULL && back != NULL);
	for (size_t i = 0; i < n; i++)
		src[i] = (uint8_t)(i * 131u + 7u);
	while (left > 0) {
		size_t f = frec_frame_stdout(&b, id, &p, &left);

		cr_assert_gt(f, 0);
		cr_assert_leq(b.fb_cnt, 2 * FREC_PER_BATCH);
		framed += f;
		flatten(&b, wire, &wlen);
		batches++;
	}
	cr_assert_eq(framed, n);
	cr_assert_eq(frec_frame_stdout(&b, id, &p, &left), 0);
	cr_assert_eq(parse(wire, wlen, id, back, &records), n);
	cr_assert(memcmp(src, back, n) == 0, "%zu bytes came back changed", n);
	/* As few records as the size allows, FREC_PER_BATCH a batch. */
	cr_assert_eq(records, (n + FCGI_MAX_LENGTH - 1) / FCGI_MAX_LENGTH);
	cr_assert_eq(batches, (records + FREC_PER_BATCH - 1) / FREC_PER_BATCH);
	free(src);
	free(wire);
	free(back);
}

Test(fcgi_records, bodies_round_trip_through_libfcgi_definitions)
{
	static const size_t sizes[] = { 1, 2, 8191, 65534, 65535, 65536,
		4 * 65535 - 1, 4 * 65535, 4 * 65535 + 1, 1024 * 1024 + 3 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(sizes[i], 1);
}

Test(fcgi_records, request_ids_use_both_bytes)
{
	round_trip(70000, 0x1234);
	round_trip(10, 0xffff);
}

Test(fcgi_records, header_matches_the_specification)
{
	uint8_t h[FCGI_HEADER_LEN];

	frec_header(h, FCGI_END_REQUEST, 258, 8);
	cr_assert_eq(h[0], FCGI_VERSION_1);
	cr_assert_eq(h[1], FCGI_END_REQUEST);
	cr_assert_eq(h[2], 1);
	cr_assert_eq(h[3], 2);
	cr_assert_eq(h[4], 0);
	cr_assert_eq(h[5], 8);
	cr_assert_eq(h[6], 0);
	cr_assert_eq(h[7], 0);
	frec_header(h, FCGI_STDOUT, 1, FCGI_MAX_LENGTH);
	cr_assert_eq(h[4], 0xff);
	cr_assert_eq(h[5], 0xff);
}
