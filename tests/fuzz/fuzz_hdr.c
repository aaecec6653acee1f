/* libFuzzer target: header values, with oracles (fuzz_mp and fuzz_form
 * only look for crashes).  The input is
 *  - the header block of one multipart part (Content-Disposition with
 *    name, filename and RFC 8187 filename*, Content-Type): what the
 *    parser hands on must be within its stated bounds;
 *  - a file name, raw and as the part's filename: the cleaned name must
 *    be safe and stable, and the Content-Disposition we send for it one
 *    printable ASCII header whose filename* decodes back to the name;
 *  - a request Content-Type: a boundary, if accepted, is RFC 2046's;
 *  - a decimal number: what ots_parse_u64 accepts prints back the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ots_buf.h"
#include "ots_mp.h"
#include "ots_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOUNDARY "b0undary"

/* Inputs whose part did not end (kept so the result is used). */
static unsigned long mp_unfinished;

/* Is s (n bytes) valid UTF-8 with no C0, DEL, C1, '/' or '\\'? */
static bool
safe_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned long c;
		size_t len, k;

		if (s[i] < 0x80) {
			if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' ||
			    s[i] == '\\')
				return false;
			i++;
			continue;
		}
		len = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
		if (s[i] < 0xc2 || s[i] > 0xf4 || i + len > n)
			return false;
		c = s[i] & (len == 2 ? 0x1fu : len == 3 ? 0x0fu : 0x07u);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i + k] & 0x3fu);
		}
		if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
		    (c >= 0x80 && c <= 0x9f))
			return false;
		i += len;
	}
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* we send upper-case escapes only */
}

/* The checks on a name we would store and send back. */
static void
check_name(const char *raw, size_t len)
{
	static const char head[] = "attachment; filename=\"";
	static const char mid[] = "\"; filename*=UTF-8''";
	char name[OTS_NAME_MAX + 1], again[OTS_NAME_MAX + 1];
	char back[OTS_NAME_MAX + 1];
	struct ots_buf b;
	const char *v, *q, *star;
	size_t n, vlen, i, o = 0;

	ots_name_clean(raw, len, name);
	n = strlen(name);
	if (n == 0 || n > OTS_NAME_MAX)
		abort();
	if (!safe_utf8((const unsigned char *)name, n))
		abort();
	if (name[0] == '.' || name[0] == ' ' || name[n - 1] == '.' ||
	    name[n - 1] == ' ')
		abort();	/* "..", hidden files, trailing tricks */
	ots_name_clean(name, n, again);
	if (strcmp(name, again) != 0)
		abort();	/* cleaning is stable */

	ots_buf_init(&b, 4096);
	if (ots_name_disposition(name, &b) != OTS_OK)
		abort();	/* 255 bytes escape to at most 765 */
	v = ots_buf_str(&b);
	vlen = b.b_len;
	/* One header value: printable ASCII, nothing to end the line. */
	for (i = 0; i < vlen; i++) {
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			abort();
	}
	if (strncmp(v, head, sizeof(head) - 1) != 0)
		abort();
	q = v + sizeof(head) - 1;
	star = strstr(q, mid);
	if (star == NULL || (size_t)(star - q) != n)
		abort();	/* the fallback is one byte per byte */
	for (; q < star; q++) {
		if (*q == '"' || *q == '\\')
			abort();	/* the quoted string cannot end early */
	}
	/* filename* is attr-chars and %XX, and decodes to the name. */
	for (q = star + sizeof(mid) - 1; *q != '\0'; q++) {
		char c = *q;

		if (c == '%') {
			if (hexval(q[1]) < 0 || hexval(q[2]) < 0)
				abort();
			c = (char)(hexval(q[1]) << 4 | hexval(q[2]));
			q += 2;
		} else if (strchr("!#$&+-.^_`|~", c) == NULL &&
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))) {
			abort();
		}
		if (o >= OTS_NAME_MAX)
			abort();
		back[o++] = c;
	}
	if (o != n || memcmp(back, name, n) != 0)
		abort();
	ots_buf_release(&b);
}

static bool
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static enum ots_err
on_begin(void *ctx, const struct ots_mp_part *p)
{
	size_t i, n;

	(void)ctx;
	n = strlen(p->p_name);
	if (n > OTS_MP_NAME_MAX)
		abort();
	n = strlen(p->p_type);
	if (n > OTS_TYPE_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if (!is_tchar(p->p_type[i]) && p->p_type[i] != '/')
			abort();	/* lower-cased token characters */
	}
	if (p->p_filename_len > OTS_MP_FILENAME_MAX ||
	    p->p_filename[p->p_filename_len] != '\0')
		abort();
	if (!p->p_has_filename && p->p_filename_len != 0)
		abort();
	if (p->p_has_filename)
		check_name(p->p_filename, p->p_filename_len);
	return OTS_OK;
}

static enum ots_err
on_data(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return OTS_OK;
}

static enum ots_err
on_end(void *ctx)
{
	(void)ctx;
	return OTS_OK;
}

static void
check_part_headers(const uint8_t *data, size_t size)
{
	static const struct ots_mp_cb cb = { on_begin, on_data, on_end };
	static const char pre[] = "--" BOUNDARY "\r\n";
	static const char post[] = "\r\n\r\nx\r\n--" BOUNDARY "--\r\n";
	struct ots_mp *mp = NULL;
	uint8_t *body;
	size_t len = sizeof(pre) - 1 + size + sizeof(post) - 1;

	body = malloc(len);
	if (body == NULL)
		return;
	memcpy(body, pre, sizeof(pre) - 1);
	memcpy(body + sizeof(pre) - 1, data, size);
	memcpy(body + sizeof(pre) - 1 + size, post, sizeof(post) - 1);
	if (ots_mp_new(BOUNDARY, &cb, NULL, &mp) == OTS_OK) {
		if (ots_mp_feed(mp, body, len) == OTS_OK &&
		    ots_mp_finish(mp) != OTS_OK)
			mp_unfinished++;
		ots_mp_free(mp);
	}
	free(body);
}

static void
check_boundary(const char *s, size_t n)
{
	static const char bchars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
	char out[OTS_MP_BOUNDARY_MAX + 1];
	size_t len, i;

	if (ots_mp_boundary(s, n, out) != OTS_OK)
		return;
	len = strlen(out);
	if (len < 1 || len > 70 || out[len - 1] == ' ')
		abort();	/* RFC 2046 §5.1.1 */
	for (i = 0; i < len; i++) {
		if (strchr(bchars, out[i]) == NULL)
			abort();
	}
}

static void
check_number(const char *s, size_t n)
{
	char back[32];
	uint64_t v = 0;

	if (ots_parse_u64(s, n, 0, UINT64_MAX, &v) != OTS_OK)
		return;
	/* One spelling per value: no sign, space, or leading zero. */
	if (snprintf(back, sizeof(back), "%llu", (unsigned long long)v) < 0 ||
	    strlen(back) != n || memcmp(back, s, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (size > 4096)
		return 0;
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	check_name(copy, size);
	check_part_headers(data, size);
	check_boundary(copy, size);
	check_number(copy, size);
	free(copy);
	return 0;
}
