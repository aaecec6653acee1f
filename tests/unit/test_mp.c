/*
 * ots_mp: the streaming multipart/form-data parser.  Every body is also
 * fed split at every byte and byte by byte: the events must not depend on
 * how the bytes arrive.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ots_buf.h"
#include "ots_mp.h"

TestSuite(mp, .timeout = 20);

#define REC_PARTS (OTS_MP_PARTS_MAX + 4)
#define WHOLE SIZE_MAX

/* What the callbacks saw for one part. */
struct rec_part {
	struct ots_mp_part rp_part;
	struct ots_buf rp_data;
	bool rp_ended;
};

/* A recording of every callback, plus knobs to make one fail. */
struct rec {
	struct rec_part r_p[REC_PARTS];
	size_t r_n;
	bool r_open;		/* between begin and end */
	bool r_bad_order;	/* begin inside a part, data or end outside */
	char r_fail_on;		/* 'b', 'd' or 'e': that callback fails */
	enum ots_err r_fail_err;
	bool r_failed;
	unsigned r_calls_after_fail;
};

static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

static void
rec_release(struct rec *r)
{
	size_t i;

	for (i = 0; i < r->r_n; i++)
		ots_buf_release(&r->r_p[i].rp_data);
}

static enum ots_err
rec_fail(struct rec *r, char which)
{
	if (r->r_failed)
		r->r_calls_after_fail++;
	if (r->r_fail_on == which) {
		r->r_failed = true;
		return r->r_fail_err;
	}
	return OTS_OK;
}

static enum ots_err
rec_begin(void *ctx, const struct ots_mp_part *part)
{
	struct rec *r = ctx;

	if (r->r_open || r->r_n >= REC_PARTS) {
		r->r_bad_order = true;
		return OTS_ERR_INVAL;
	}
	r->r_p[r->r_n].rp_part = *part;
	ots_buf_init(&r->r_p[r->r_n].rp_data, 1u << 20);
	r->r_p[r->r_n].rp_ended = false;
	r->r_n++;
	r->r_open = true;
	return rec_fail(r, 'b');
}

static enum ots_err
rec_data(void *ctx, const uint8_t *p, size_t n)
{
	struct rec *r = ctx;

	if (!r->r_open || n == 0) {
		r->r_bad_order = true;
		return OTS_ERR_INVAL;
	}
	if (ots_buf_add(&r->r_p[r->r_n - 1].rp_data, p, n) != OTS_OK)
		return OTS_ERR_NOMEM;
	return rec_fail(r, 'd');
}

static enum ots_err
rec_end(void *ctx)
{
	struct rec *r = ctx;

	if (!r->r_open) {
		r->r_bad_order = true;
		return OTS_ERR_INVAL;
	}
	r->r_open = false;
	r->r_p[r->r_n - 1].rp_ended = true;
	return rec_fail(r, 'e');
}

static const struct ots_mp_cb rec_cb = { rec_begin, rec_data, rec_end };

/*
 * Feeds body in pieces of piece bytes (split at split first, if not
 * WHOLE), then finishes; returns the first error.
 */
static enum ots_err
parse_pieces(const char *boundary, const char *body, size_t len,
    size_t split, size_t piece, struct rec *r)
{
	struct ots_mp *mp = NULL;
	enum ots_err e = OTS_OK;
	size_t off = 0;

	rec_init(r);
	cr_assert_eq(ots_mp_new(boundary, &rec_cb, r, &mp), OTS_OK);
	if (split != WHOLE) {
		e = ots_mp_feed(mp, (const uint8_t *)body, split);
		off = split;
	}
	while (e == OTS_OK && off < len) {
		size_t m = len - off < piece ? len - off : piece;

		e = ots_mp_feed(mp, (const uint8_t *)body + off, m);
		off += m;
	}
	if (e == OTS_OK)
		e = ots_mp_finish(mp);
	ots_mp_free(mp);
	cr_assert(!r->r_bad_order, "callbacks out of order");
	return e;
}

static enum ots_err
parse(const char *boundary, const char *body, struct rec *r)
{
	return parse_pieces(boundary, body, strlen(body), WHOLE, WHOLE, r);
}

static void
assert_part(const struct rec *r, size_t i, const char *name,
    const char *filename, const char *type, const char *data)
{
	const struct rec_part *p;

	cr_assert_lt(i, r->r_n, "part %zu missing (%zu parts)", i, r->r_n);
	p = &r->r_p[i];
	cr_assert_str_eq(p->rp_part.p_name, name);
	if (filename == NULL) {
		cr_assert(!p->rp_part.p_has_filename, "part %zu: filename", i);
	} else {
		cr_assert(p->rp_part.p_has_filename, "part %zu: no filename",
		    i);
		cr_assert_str_eq(p->rp_part.p_filename, filename);
		cr_assert_eq(p->rp_part.p_filename_len, strlen(filename));
	}
	cr_assert_str_eq(p->rp_part.p_type, type);
	cr_assert_eq(p->rp_data.b_len, strlen(data), "part %zu: %zu bytes",
	    i, p->rp_data.b_len);
	cr_assert(memcmp(ots_buf_str(&p->rp_data), data, strlen(data)) == 0,
	    "part %zu: data differs", i);
	cr_assert(p->rp_ended, "part %zu not ended", i);
}

/* Two recordings hold the same events and the same bytes. */
static void
assert_same_rec(const struct rec *a, const struct rec *b, const char *how)
{
	size_t i;

	cr_assert_eq(a->r_n, b->r_n, "%s: %zu parts vs %zu", how, a->r_n,
	    b->r_n);
	for (i = 0; i < a->r_n; i++) {
		const struct rec_part *x = &a->r_p[i], *y = &b->r_p[i];

		cr_assert(memcmp(&x->rp_part, &y->rp_part,
		    sizeof(x->rp_part)) == 0, "%s: part %zu headers", how, i);
		cr_assert_eq(x->rp_data.b_len, y->rp_data.b_len,
		    "%s: part %zu has %zu bytes vs %zu", how, i,
		    x->rp_data.b_len, y->rp_data.b_len);
		cr_assert(memcmp(ots_buf_str(&x->rp_data),
		    ots_buf_str(&y->rp_data), x->rp_data.b_len) == 0,
		    "%s: part %zu data", how, i);
		cr_assert_eq(x->rp_ended, y->rp_ended, "%s: part %zu end", how,
		    i);
	}
}

/* Feeds body whole, split in two at every offset, and byte by byte. */
static void
assert_split_invariant(const char *boundary, const char *body,
    enum ots_err want)
{
	struct rec whole, other;
	size_t len = strlen(body), k;
	char how[64];

	cr_assert_eq(parse(boundary, body, &whole), want);
	for (k = 0; k <= len; k++) {
		cr_assert_eq(parse_pieces(boundary, body, len, k, WHOLE,
		    &other), want, "split at %zu", k);
		cr_assert_eq(snprintf(how, sizeof(how), "split at %zu", k) > 0,
		    true);
		assert_same_rec(&whole, &other, how);
		rec_release(&other);
	}
	cr_assert_eq(parse_pieces(boundary, body, len, WHOLE, 1, &other),
	    want, "byte by byte");
	assert_same_rec(&whole, &other, "byte by byte");
	rec_release(&other);
	rec_release(&whole);
}

#define B "AaB03x"

static const char well_formed[] =
    "This is the preamble; --AaB03 is not a delimiter.\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"file\"; "
    "filename=\"hello world.txt\"\r\n"
    "Content-Type: Text/Plain; charset=utf-8\r\n"
    "\r\n"
    "file contents\r\nwith CRLF and -- dashes\r\n"
    "\r\n--" B "\r\n"
    "Content-Disposition: form-data; name=\"expires_in\"\r\n"
    "\r\n"
    "3600"
    "\r\n--" B "\r\n"
    "content-disposition: form-data; name=unknown_field\r\n"
    "X-Custom: whatever\r\n"
    "\r\n"
    "some value"
    "\r\n--" B "--\r\n"
    "This is the epilogue.\r\n--" B "\r\n"
    "Content-Disposition: form-data; name=\"late\"\r\n\r\nignored\r\n";

Test(mp, well_formed_body_gives_file_part)
{
	struct rec r;

	cr_assert_eq(parse(B, well_formed, &r), OTS_OK);
	assert_part(&r, 0, "file", "hello world.txt", "text/plain",
	    "file contents\r\nwith CRLF and -- dashes\r\n");
	rec_release(&r);
}

Test(mp, well_formed_body_gives_expires_in_field)
{
	struct rec r;

	cr_assert_eq(parse(B, well_formed, &r), OTS_OK);
	assert_part(&r, 1, "expires_in", NULL, "", "3600");
	rec_release(&r);
}

Test(mp, unknown_field_is_reported_too)
{
	struct rec r;

	cr_assert_eq(parse(B, well_formed, &r), OTS_OK);
	assert_part(&r, 2, "unknown_field", NULL, "", "some value");
	rec_release(&r);
}

Test(mp, preamble_and_epilogue_are_ignored)
{
	struct rec r;
	size_t i;

	cr_assert_eq(parse(B, well_formed, &r), OTS_OK);
	cr_assert_eq(r.r_n, 3u, "%zu parts", r.r_n);
	for (i = 0; i < r.r_n; i++) {
		const char *d = ots_buf_str(&r.r_p[i].rp_data);

		cr_assert_null(strstr(d, "preamble"));
		cr_assert_null(strstr(d, "epilogue"));
		cr_assert_null(strstr(d, "ignored"));
	}
	rec_release(&r);
}

Test(mp, every_split_gives_identical_events)
{
	assert_split_invariant(B, well_formed, OTS_OK);
}

Test(mp, near_miss_delimiters_pass_through_intact)
{
	static const char data[] =
	    "A\r\n--boundB"
	    "\r\r\n--boundarC"
	    "--boundaryD"
	    "\r\n-boundaryE"
	    "\r\n--Boundary"
	    "\r\n--boundar\r\n--boundar"
	    "\r\r\r\n\r\n"
	    "\r\n--bound";
	static const char body[] =
	    "--boundary\r\n"
	    "Content-Disposition: form-data; name=\"f\"\r\n\r\n"
	    "A\r\n--boundB"
	    "\r\r\n--boundarC"
	    "--boundaryD"
	    "\r\n-boundaryE"
	    "\r\n--Boundary"
	    "\r\n--boundar\r\n--boundar"
	    "\r\r\r\n\r\n"
	    "\r\n--bound"
	    "\r\n--boundary--";
	struct rec r;

	cr_assert_eq(parse("boundary", body, &r), OTS_OK);
	cr_assert_eq(r.r_n, 1u);
	assert_part(&r, 0, "f", NULL, "", data);
	rec_release(&r);
}

Test(mp, near_miss_delimiters_survive_every_split)
{
	static const char body[] =
	    "--boundary\r\n"
	    "Content-Disposition: form-data; name=\"f\"\r\n\r\n"
	    "A\r\n--boundB\r\r\n--boundarC--boundaryD\r\n--boundar"
	    "\r\n--boundar\r\r\r\n\r\n\r\n--bound"
	    "\r\n--boundary\r\n"
	    "Content-Disposition: form-data; name=\"g\"\r\n\r\n"
	    "\r\n\r\n--boundary--";

	assert_split_invariant("boundary", body, OTS_OK);
}

Test(mp, data_ending_in_crlf_keeps_it)
{
	static const char body[] =
	    "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
	    "line\r\n\r\n\r\n--b--";
	struct rec r;

	cr_assert_eq(parse("b", body, &r), OTS_OK);
	assert_part(&r, 0, "x", NULL, "", "line\r\n\r\n");
	rec_release(&r);
}

Test(mp, empty_part_gives_begin_and_end_only)
{
	static const char body[] =
	    "--b\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n"
	    "\r\n--b--";
	struct rec r;

	cr_assert_eq(parse("b", body, &r), OTS_OK);
	cr_assert_eq(r.r_n, 1u);
	assert_part(&r, 0, "e", NULL, "", "");
	rec_release(&r);
}

Test(mp, body_without_parts_is_ok)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b--", &r), OTS_OK);
	cr_assert_eq(r.r_n, 0u);
}

Test(mp, binary_data_with_nul_bytes_is_kept)
{
	static const char head[] =
	    "--b\r\nContent-Disposition: form-data; name=\"bin\"; "
	    "filename=\"x.bin\"\r\n\r\n";
	static const char tail[] = "\r\n--b--\r\n";
	uint8_t bin[300];
	char body[sizeof(head) + sizeof(bin) + sizeof(tail)];
	struct ots_mp *mp = NULL;
	struct rec r;
	size_t i, n = 0;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 7);
	memcpy(body, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	memcpy(body + n, bin, sizeof(bin));
	n += sizeof(bin);
	memcpy(body + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	rec_init(&r);
	cr_assert_eq(ots_mp_new("b", &rec_cb, &r, &mp), OTS_OK);
	cr_assert_eq(ots_mp_feed(mp, (const uint8_t *)body, n), OTS_OK);
	cr_assert_eq(ots_mp_finish(mp), OTS_OK);
	ots_mp_free(mp);
	cr_assert_eq(r.r_n, 1u);
	cr_assert_eq(r.r_p[0].rp_data.b_len, sizeof(bin));
	cr_assert(memcmp(r.r_p[0].rp_data.b_data, bin, sizeof(bin)) == 0);
	rec_release(&r);
}

Test(mp, missing_closing_delimiter_is_inval)
{
	static const char body[] =
	    "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
	    "no end";
	struct rec r;

	assert_split_invariant("b", body, OTS_ERR_INVAL);
	cr_assert_eq(parse("b", body, &r), OTS_ERR_INVAL);
	cr_assert(!r.r_p[0].rp_ended, "a cut part must not be ended");
	rec_release(&r);
}

Test(mp, body_ending_after_delimiter_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\n\r\nv\r\n--b", &r), OTS_ERR_INVAL);
	rec_release(&r);
	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\n\r\nv\r\n--b-", &r), OTS_ERR_INVAL);
	rec_release(&r);
}

Test(mp, empty_body_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "", &r), OTS_ERR_INVAL);
	cr_assert_eq(r.r_n, 0u);
}

Test(mp, truncated_mid_headers_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-da", &r),
	    OTS_ERR_INVAL);
	cr_assert_eq(r.r_n, 0u);
	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\n", &r), OTS_ERR_INVAL);
	cr_assert_eq(r.r_n, 0u);
}

Test(mp, header_line_without_colon_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\nNoColonHere\r\n\r\nv\r\n--b--", &r),
	    OTS_ERR_INVAL);
	cr_assert_eq(r.r_n, 0u);
}

Test(mp, header_name_with_space_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent Disposition: form-data; "
	    "name=\"x\"\r\n\r\nv\r\n--b--", &r), OTS_ERR_INVAL);
}

Test(mp, bare_lf_header_block_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"x\"\n\nv\r\n--b--", &r), OTS_ERR_INVAL);
	cr_assert_eq(r.r_n, 0u);
}

Test(mp, part_without_content_disposition_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Type: text/plain\r\n\r\n"
	    "v\r\n--b--", &r), OTS_ERR_INVAL);
	cr_assert_eq(r.r_n, 0u);
	cr_assert_eq(parse("b", "--b\r\n\r\nv\r\n--b--", &r), OTS_ERR_INVAL);
	cr_assert_eq(r.r_n, 0u);
}

Test(mp, disposition_other_than_form_data_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: attachment; "
	    "name=\"x\"\r\n\r\nv\r\n--b--", &r), OTS_ERR_INVAL);
}

Test(mp, disposition_without_name_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "filename=\"a.txt\"\r\n\r\nv\r\n--b--", &r), OTS_ERR_INVAL);
}

Test(mp, two_dispositions_are_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\nContent-Disposition: form-data; name=\"y\"\r\n"
	    "\r\nv\r\n--b--", &r), OTS_ERR_INVAL);
}

Test(mp, two_content_types_are_inval)
{
	struct rec r;

	/* The second used to replace the first silently. */
	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"a\"\r\nContent-Type: text/plain\r\n"
	    "content-type: text/html\r\n\r\nv\r\n--b--", &r),
	    OTS_ERR_INVAL);
}

Test(mp, field_name_over_max_is_inval)
{
	char body[512];
	char name[OTS_MP_NAME_MAX + 2];
	struct rec r;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_gt(snprintf(body, sizeof(body), "--b\r\n"
	    "Content-Disposition: form-data; name=\"%s\"\r\n\r\nv\r\n--b--",
	    name), 0);
	cr_assert_eq(parse("b", body, &r), OTS_ERR_INVAL);
	name[OTS_MP_NAME_MAX] = '\0';
	cr_assert_gt(snprintf(body, sizeof(body), "--b\r\n"
	    "Content-Disposition: form-data; name=\"%s\"\r\n\r\nv\r\n--b--",
	    name), 0);
	cr_assert_eq(parse("b", body, &r), OTS_OK);
	cr_assert_eq(strlen(r.r_p[0].rp_part.p_name), (size_t)OTS_MP_NAME_MAX);
	rec_release(&r);
}

/* A body of n parts named p0, p1, ... */
static void
many_parts(struct ots_buf *b, unsigned n)
{
	unsigned i;

	ots_buf_init(b, 65536);
	for (i = 0; i < n; i++)
		cr_assert_eq(ots_buf_addf(b, "--b\r\nContent-Disposition: "
		    "form-data; name=\"p%u\"\r\n\r\nv%u\r\n", i, i), OTS_OK);
	cr_assert_eq(ots_buf_adds(b, "--b--"), OTS_OK);
}

Test(mp, parts_up_to_max_are_ok)
{
	struct ots_buf b;
	struct rec r;

	many_parts(&b, OTS_MP_PARTS_MAX);
	cr_assert_eq(parse("b", b.b_data, &r), OTS_OK);
	cr_assert_eq(r.r_n, (size_t)OTS_MP_PARTS_MAX);
	assert_part(&r, OTS_MP_PARTS_MAX - 1, "p15", NULL, "", "v15");
	rec_release(&r);
	ots_buf_release(&b);
}

Test(mp, more_than_max_parts_is_toobig)
{
	struct ots_buf b;
	struct rec r;

	many_parts(&b, OTS_MP_PARTS_MAX + 1);
	cr_assert_eq(parse("b", b.b_data, &r), OTS_ERR_TOOBIG);
	cr_assert_eq(r.r_n, (size_t)OTS_MP_PARTS_MAX);
	rec_release(&r);
	ots_buf_release(&b);
}

/* One part whose header block is about pad bytes long. */
static void
padded_headers(struct ots_buf *b, size_t pad)
{
	ots_buf_init(b, 65536);
	cr_assert_eq(ots_buf_adds(b, "--b\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\nX-Pad: "), OTS_OK);
	while (pad-- > 0)
		cr_assert_eq(ots_buf_add(b, "p", 1), OTS_OK);
	cr_assert_eq(ots_buf_adds(b, "\r\n\r\nv\r\n--b--"), OTS_OK);
}

Test(mp, large_header_block_under_max_is_ok)
{
	struct ots_buf b;
	struct rec r;

	padded_headers(&b, OTS_MP_HEADER_MAX - 200);
	cr_assert_eq(parse("b", b.b_data, &r), OTS_OK);
	assert_part(&r, 0, "x", NULL, "", "v");
	rec_release(&r);
	ots_buf_release(&b);
}

Test(mp, header_block_over_max_is_toobig)
{
	struct ots_buf b;
	struct rec r;

	padded_headers(&b, OTS_MP_HEADER_MAX + 1);
	cr_assert_eq(parse("b", b.b_data, &r), OTS_ERR_TOOBIG);
	cr_assert_eq(r.r_n, 0u);
	ots_buf_release(&b);
}

Test(mp, endless_header_line_is_toobig)
{
	/* No CRLF ever: the bound must hold without a line end. */
	struct ots_buf b;
	struct rec r;
	size_t i;

	ots_buf_init(&b, 65536);
	cr_assert_eq(ots_buf_adds(&b, "--b\r\nX: "), OTS_OK);
	for (i = 0; i < 2 * OTS_MP_HEADER_MAX; i++)
		cr_assert_eq(ots_buf_add(&b, "a", 1), OTS_OK);
	cr_assert_eq(parse("b", b.b_data, &r), OTS_ERR_TOOBIG);
	ots_buf_release(&b);
}

Test(mp, garbage_after_delimiter_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--bX\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\n\r\nv\r\n--b--", &r), OTS_ERR_INVAL);
	cr_assert_eq(r.r_n, 0u);
	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\n\r\nv\r\n--b-x", &r), OTS_ERR_INVAL);
	rec_release(&r);
	cr_assert_eq(parse("b", "--b\nContent-Disposition: form-data; "
	    "name=\"x\"\r\n\r\nv\r\n--b--", &r), OTS_ERR_INVAL);
	cr_assert_eq(parse("b", "--b \tx\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\n\r\nv\r\n--b--", &r), OTS_ERR_INVAL);
}

Test(mp, transport_padding_after_delimiter_is_ok)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b \t \r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\n\r\nv\r\n--b--", &r), OTS_OK);
	assert_part(&r, 0, "x", NULL, "", "v");
	rec_release(&r);
}

Test(mp, content_type_is_lower_cased_without_parameters)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename=\"a.PNG\"\r\nCONTENT-TYPE: Image/PNG ; "
	    "x=y\r\n\r\nv\r\n--b--", &r), OTS_OK);
	assert_part(&r, 0, "f", "a.PNG", "image/png", "v");
	rec_release(&r);
}

Test(mp, filename_star_wins_over_filename)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename=\"EURO rates.txt\"; "
	    "filename*=UTF-8''%e2%82%ac%20rates.txt\r\n\r\nv\r\n--b--", &r),
	    OTS_OK);
	assert_part(&r, 0, "f", "\xe2\x82\xac rates.txt", "", "v");
	rec_release(&r);
}

Test(mp, filename_star_wins_when_it_comes_first)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename*=utf-8'en'caf%C3%A9.txt; "
	    "filename=\"cafe.txt\"\r\n\r\nv\r\n--b--", &r), OTS_OK);
	assert_part(&r, 0, "f", "caf\xc3\xa9.txt", "", "v");
	rec_release(&r);
}

Test(mp, filename_star_keeps_decoded_nul_in_length)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename*=UTF-8''a%00b\r\n\r\nv\r\n--b--", &r),
	    OTS_OK);
	cr_assert_eq(r.r_n, 1u);
	cr_assert_eq(r.r_p[0].rp_part.p_filename_len, 3u);
	cr_assert(memcmp(r.r_p[0].rp_part.p_filename, "a\0b", 3) == 0);
	rec_release(&r);
}

Test(mp, filename_star_with_other_charset_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename*=iso-8859-1''caf%E9.txt\r\n\r\nv\r\n--b--",
	    &r), OTS_ERR_INVAL);
}

Test(mp, filename_star_with_bad_escape_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename*=UTF-8''a%zzb\r\n\r\nv\r\n--b--", &r),
	    OTS_ERR_INVAL);
	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename*=UTF-8''ab%4\r\n\r\nv\r\n--b--", &r),
	    OTS_ERR_INVAL);
}

Test(mp, quoted_filename_unescapes_backslashes)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename=\"a\\\"b\\\\c;d.txt\"\r\n\r\nv\r\n--b--",
	    &r), OTS_OK);
	assert_part(&r, 0, "f", "a\"b\\c;d.txt", "", "v");
	rec_release(&r);
}

Test(mp, empty_quoted_filename_is_present_and_empty)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename=\"\"\r\n\r\nv\r\n--b--", &r), OTS_OK);
	assert_part(&r, 0, "f", "", "", "v");
	rec_release(&r);
}

Test(mp, unterminated_quoted_filename_is_inval)
{
	struct rec r;

	cr_assert_eq(parse("b", "--b\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename=\"abc\r\n\r\nv\r\n--b--", &r),
	    OTS_ERR_INVAL);
}

/* Parses the well-formed body with one callback failing. */
static void
assert_callback_error_stops(char which)
{
	struct ots_mp *mp = NULL;
	struct rec r;
	size_t len = strlen(well_formed);
	enum ots_err e;

	rec_init(&r);
	r.r_fail_on = which;
	r.r_fail_err = OTS_ERR_NOSPACE;
	cr_assert_eq(ots_mp_new(B, &rec_cb, &r, &mp), OTS_OK);
	e = ots_mp_feed(mp, (const uint8_t *)well_formed, len / 2);
	if (e == OTS_OK)
		e = ots_mp_feed(mp, (const uint8_t *)well_formed + len / 2,
		    len - len / 2);
	cr_assert_eq(e, OTS_ERR_NOSPACE, "'%c': got %s", which,
	    ots_err_str(e));
	cr_assert(r.r_failed);
	cr_assert_eq(ots_mp_feed(mp, (const uint8_t *)"more", 4),
	    OTS_ERR_NOSPACE);
	cr_assert_eq(ots_mp_feed(mp, (const uint8_t *)well_formed, len),
	    OTS_ERR_NOSPACE);
	cr_assert_eq(ots_mp_finish(mp), OTS_ERR_NOSPACE);
	cr_assert_eq(r.r_calls_after_fail, 0u, "'%c': %u calls after error",
	    which, r.r_calls_after_fail);
	ots_mp_free(mp);
	rec_release(&r);
}

Test(mp, begin_callback_error_stops_parsing)
{
	assert_callback_error_stops('b');
}

Test(mp, data_callback_error_stops_parsing)
{
	assert_callback_error_stops('d');
}

Test(mp, end_callback_error_stops_parsing)
{
	assert_callback_error_stops('e');
}

Test(mp, parse_error_is_sticky)
{
	struct ots_mp *mp = NULL;
	struct rec r;

	rec_init(&r);
	cr_assert_eq(ots_mp_new("b", &rec_cb, &r, &mp), OTS_OK);
	cr_assert_eq(ots_mp_feed(mp, (const uint8_t *)"--bX", 4),
	    OTS_ERR_INVAL);
	cr_assert_eq(ots_mp_feed(mp, (const uint8_t *)"--b--", 5),
	    OTS_ERR_INVAL);
	cr_assert_eq(ots_mp_finish(mp), OTS_ERR_INVAL);
	ots_mp_free(mp);
}

Test(mp, new_rejects_empty_and_long_boundary)
{
	char longb[OTS_MP_BOUNDARY_MAX + 2];
	struct ots_mp *mp = (struct ots_mp *)&mp;

	memset(longb, 'b', sizeof(longb) - 1);
	longb[sizeof(longb) - 1] = '\0';
	cr_assert_eq(ots_mp_new("", &rec_cb, NULL, &mp), OTS_ERR_INVAL);
	cr_assert_null(mp);
	cr_assert_eq(ots_mp_new(longb, &rec_cb, NULL, &mp), OTS_ERR_INVAL);
	cr_assert_null(mp);
	longb[OTS_MP_BOUNDARY_MAX] = '\0';
	cr_assert_eq(ots_mp_new(longb, &rec_cb, NULL, &mp), OTS_OK);
	cr_assert_not_null(mp);
	ots_mp_free(mp);
}

Test(mp, longest_boundary_parses)
{
	char bnd[OTS_MP_BOUNDARY_MAX + 1];
	struct ots_buf body;
	struct rec r;

	memset(bnd, '-', OTS_MP_BOUNDARY_MAX);
	bnd[OTS_MP_BOUNDARY_MAX] = '\0';
	ots_buf_init(&body, 4096);
	cr_assert_eq(ots_buf_addf(&body, "--%s\r\nContent-Disposition: "
	    "form-data; name=\"x\"\r\n\r\n--%.69s\r\n--%s--", bnd, bnd, bnd),
	    OTS_OK);
	cr_assert_eq(parse(bnd, body.b_data, &r), OTS_OK);
	cr_assert_eq(r.r_n, 1u);
	cr_assert_eq(r.r_p[0].rp_data.b_len, 71u);
	rec_release(&r);
	ots_buf_release(&body);
}

/* ots_mp_boundary */

static enum ots_err
boundary_of(const char *ctype, char out[OTS_MP_BOUNDARY_MAX + 1])
{
	memset(out, 0, OTS_MP_BOUNDARY_MAX + 1);
	return ots_mp_boundary(ctype, strlen(ctype), out);
}

Test(mp, boundary_unquoted)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("multipart/form-data; boundary=abc123",
	    out), OTS_OK);
	cr_assert_str_eq(out, "abc123");
}

Test(mp, boundary_quoted)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("multipart/form-data; "
	    "boundary=\"a b:c=d?e(f)g\"", out), OTS_OK);
	cr_assert_str_eq(out, "a b:c=d?e(f)g");
}

Test(mp, boundary_type_and_parameter_are_case_insensitive)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("Multipart/Form-Data;BOUNDARY=XyZ", out),
	    OTS_OK);
	cr_assert_str_eq(out, "XyZ");
}

Test(mp, boundary_among_other_parameters)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("multipart/form-data ; charset=utf-8; "
	    "boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW ; x=\"y\"", out),
	    OTS_OK);
	cr_assert_str_eq(out, "----WebKitFormBoundary7MA4YWxkTrZu0gW");
}

Test(mp, boundary_uses_only_len_bytes)
{
	static const char ct[] = "multipart/form-data; boundary=abcdef";
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(ots_mp_boundary(ct, strlen(ct) - 3, out), OTS_OK);
	cr_assert_str_eq(out, "abc");
}

Test(mp, boundary_of_70_chars_is_ok)
{
	char ct[128];
	char out[OTS_MP_BOUNDARY_MAX + 1];
	size_t n;

	n = (size_t)snprintf(ct, sizeof(ct), "multipart/form-data; boundary=");
	memset(ct + n, 'x', OTS_MP_BOUNDARY_MAX);
	ct[n + OTS_MP_BOUNDARY_MAX] = '\0';
	cr_assert_eq(boundary_of(ct, out), OTS_OK);
	cr_assert_eq(strlen(out), (size_t)OTS_MP_BOUNDARY_MAX);
}

Test(mp, boundary_over_70_chars_is_inval)
{
	char ct[160];
	char out[OTS_MP_BOUNDARY_MAX + 1];
	size_t n;

	n = (size_t)snprintf(ct, sizeof(ct), "multipart/form-data; boundary=");
	memset(ct + n, 'x', OTS_MP_BOUNDARY_MAX + 1);
	ct[n + OTS_MP_BOUNDARY_MAX + 1] = '\0';
	cr_assert_eq(boundary_of(ct, out), OTS_ERR_INVAL);
	n = (size_t)snprintf(ct, sizeof(ct),
	    "multipart/form-data; boundary=\"");
	memset(ct + n, 'x', OTS_MP_BOUNDARY_MAX + 1);
	memcpy(ct + n + OTS_MP_BOUNDARY_MAX + 1, "\"", 2);
	cr_assert_eq(boundary_of(ct, out), OTS_ERR_INVAL);
}

Test(mp, boundary_rejects_other_types)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("multipart/mixed; boundary=abc", out),
	    OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("text/plain; boundary=abc", out),
	    OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-datax; boundary=abc", out),
	    OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form", out), OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("", out), OTS_ERR_INVAL);
}

Test(mp, boundary_missing_is_inval)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("multipart/form-data", out), OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-data;", out), OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-data; charset=utf-8", out),
	    OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-data; boundary=", out),
	    OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-data; boundary=\"\"", out),
	    OTS_ERR_INVAL);
}

Test(mp, boundary_with_bad_chars_is_inval)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("multipart/form-data; boundary=ab$c", out),
	    OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-data; boundary=ab@c", out),
	    OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-data; boundary=\"a;b\"",
	    out), OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-data; boundary=\"a\rb\"",
	    out), OTS_ERR_INVAL);
	cr_assert_eq(boundary_of("multipart/form-data; boundary=\"a\"b\"",
	    out), OTS_ERR_INVAL);
}

Test(mp, boundary_with_trailing_space_is_inval)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("multipart/form-data; boundary=\"abc \"",
	    out), OTS_ERR_INVAL);
}

Test(mp, boundary_given_twice_is_inval)
{
	char out[OTS_MP_BOUNDARY_MAX + 1];

	cr_assert_eq(boundary_of("multipart/form-data; boundary=a; "
	    "boundary=b", out), OTS_ERR_INVAL);
}
