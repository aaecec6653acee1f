#include "ots_json.h"

#include <string.h>

#include "ots_banned.h"

/* The length of a valid UTF-8 sequence at p, or 0 (see ots_name.c). */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

enum ots_err
ots_json_str(struct ots_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	enum ots_err e;

	e = ots_buf_add(b, "\"", 1);
	while (e == OTS_OK && i < len) {
		unsigned char c = p[i];

		if (c >= 0x80) {
			size_t n = utf8_len(p + i, len - i);

			if (n == 0) {
				e = ots_buf_adds(b, "\\ufffd");
				i++;
			} else {
				e = ots_buf_add(b, p + i, n);
				i += n;
			}
			continue;
		}
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			e = ots_buf_add(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' ||
		    c == '&') {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4],
				hex[c & 0xf] };

			e = ots_buf_add(b, esc, sizeof(esc));
		} else {
			e = ots_buf_add(b, &c, 1);
		}
		i++;
	}
	if (e == OTS_OK)
		e = ots_buf_add(b, "\"", 1);
	return e;
}

enum ots_err
ots_json_cstr(struct ots_buf *b, const char *s)
{
	return ots_json_str(b, s, strlen(s));
}

enum ots_err
ots_json_error(struct ots_buf *b, const char *code, const char *msg)
{
	enum ots_err e;

	e = ots_buf_adds(b, "{\"error\":{\"code\":");
	if (e == OTS_OK)
		e = ots_json_cstr(b, code);
	if (e == OTS_OK)
		e = ots_buf_adds(b, ",\"message\":");
	if (e == OTS_OK)
		e = ots_json_cstr(b, msg);
	if (e == OTS_OK)
		e = ots_buf_adds(b, "}}\n");
	return e;
}
