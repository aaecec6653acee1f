#include "ots_name.h"

#include <string.h>

#include "ots_banned.h"

/*
 * Decodes one UTF-8 character at p (n bytes available).  Returns its
 * length and sets *cp, or returns 0 for an invalid sequence (RFC 3629 §4:
 * no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static size_t
utf8_next(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07u;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3fu);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
is_unsafe(unsigned long cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	    cp == '/' || cp == '\\' ||
	    (cp >= 0x202a && cp <= 0x202e) ||	/* bidi embeddings */
	    (cp >= 0x2066 && cp <= 0x2069) ||	/* bidi isolates */
	    cp == 0x200e || cp == 0x200f || cp == 0xfeff;
}

static int
is_trimmed(char c)
{
	return c == '.' || c == ' ';
}

void
ots_name_clean(const char *in, size_t len, char out[OTS_NAME_MAX + 1])
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0, start, end;

	while (i < len) {
		unsigned long cp = 0;
		size_t n = utf8_next(p + i, len - i, &cp);

		if (n == 0 || is_unsafe(cp)) {
			if (o + 1 > OTS_NAME_MAX)
				break;
			out[o++] = '_';
			i += n == 0 ? 1 : n;
			continue;
		}
		if (o + n > OTS_NAME_MAX)
			break;
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	start = 0;
	while (start < o && is_trimmed(out[start]))
		start++;
	end = o;
	while (end > start && is_trimmed(out[end - 1]))
		end--;
	memmove(out, out + start, end - start);
	o = end - start;
	if (o == 0) {
		memcpy(out, OTS_NAME_DEFAULT, sizeof(OTS_NAME_DEFAULT));
		return;
	}
	out[o] = '\0';
}

/* RFC 8187 §3.2.1 attr-char. */
static int
is_attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c) != NULL;
}

enum ots_err
ots_name_disposition(const char *name, struct ots_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	enum ots_err e;

	e = ots_buf_adds(out, "attachment; filename=\"");
	for (p = (const unsigned char *)name; e == OTS_OK && *p != '\0';
	    p++) {
		char c = (char)*p;

		/* The quoted fallback keeps printable ASCII only. */
		if (*p < 0x20 || *p >= 0x7f || c == '"' || c == '\\' ||
		    c == '%')
			c = '_';
		e = ots_buf_add(out, &c, 1);
	}
	if (e == OTS_OK)
		e = ots_buf_adds(out, "\"; filename*=UTF-8''");
	for (p = (const unsigned char *)name; e == OTS_OK && *p != '\0';
	    p++) {
		if (is_attr_char(*p)) {
			e = ots_buf_add(out, p, 1);
		} else {
			char esc[3] = { '%', hex[*p >> 4], hex[*p & 0xf] };

			e = ots_buf_add(out, esc, sizeof(esc));
		}
	}
	return e;
}

enum ots_err
ots_name_unescape(const char *in, size_t len, char *out, size_t max,
    size_t *out_len)
{
	return ots_pct_decode(in, len, false, out, max, out_len);
}
