#include "ots_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ots_banned.h"

/* The longest duration ots_parse_duration takes. */
#define TEN_YEARS (10ull * 366 * 86400)

void
ots_assert_fail(const char *file, int line, const char *what)
{
	char msg[512];
	int n;

	/* One write, no allocation: this may run in any broken state. */
	n = snprintf(msg, sizeof(msg),
	    "level=fatal mod=assert msg=\"assertion failed: %s at %s:%d\"\n",
	    what, file, line);
	if (n > 0) {
		size_t len = (size_t)n < sizeof(msg) ? (size_t)n
		    : sizeof(msg) - 1;
		ssize_t w = write(STDERR_FILENO, msg, len);
		(void)w;
	}
	abort();
}

struct ots_str
ots_str_cstr(const char *s)
{
	struct ots_str v = { s == NULL ? "" : s, s == NULL ? 0 : strlen(s) };

	return v;
}

bool
ots_str_eq(struct ots_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(s.p, lit, n) == 0;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool
ots_str_eq_nocase(struct ots_str s, const char *lit)
{
	size_t n = strlen(lit);
	size_t i;

	if (s.len != n)
		return false;
	for (i = 0; i < n; i++) {
		if (ascii_lower((unsigned char)s.p[i]) !=
		    ascii_lower((unsigned char)lit[i]))
			return false;
	}
	return true;
}

enum ots_err
ots_size_add(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_add_overflow(a, b, &r))
		return OTS_ERR_TOOBIG;
	*out = r;
	return OTS_OK;
}

enum ots_err
ots_size_mul(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return OTS_ERR_TOOBIG;
	*out = r;
	return OTS_OK;
}

enum ots_err
ots_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return OTS_ERR_INVAL;
	if (len > 1 && s[0] == '0')
		return OTS_ERR_INVAL;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return OTS_ERR_INVAL;
		d = (unsigned)(s[i] - '0');
		if (__builtin_mul_overflow(v, 10u, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return OTS_ERR_TOOBIG;
	}
	if (v < min || v > max)
		return OTS_ERR_TOOBIG;
	*out = v;
	return OTS_OK;
}

enum ots_err
ots_str_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	OTS_ASSERT(n > 0);
	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	if (r < 0) {
		buf[0] = '\0';
		return OTS_ERR_INVAL;
	}
	if ((size_t)r >= n)
		return OTS_ERR_TOOBIG;
	return OTS_OK;
}

int
ots_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum ots_err
ots_pct_decode(const char *in, size_t len, bool plus_is_space, char *out,
    size_t max, size_t *out_len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		char c = in[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return OTS_ERR_INVAL;
			hi = ots_hexval(in[i + 1]);
			lo = ots_hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return OTS_ERR_INVAL;
			c = (char)(hi << 4 | lo);
			i += 3;
		} else {
			if (c == '+' && plus_is_space)
				c = ' ';
			i++;
		}
		if (o >= max)
			return OTS_ERR_TOOBIG;
		out[o++] = c;
	}
	*out_len = o;
	return OTS_OK;
}

uint64_t
ots_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec;
}

uint64_t
ots_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

enum ots_err
ots_parse_duration(const char *s, size_t len, uint64_t *secs)
{
	uint64_t unit = 1, v = 0;
	enum ots_err e;

	if (len == 0)
		return OTS_ERR_INVAL;
	switch (s[len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		unit = 0;
		break;
	}
	if (unit != 0)
		len--;
	else
		unit = 1;
	e = ots_parse_u64(s, len, 0, TEN_YEARS, &v);
	if (e != OTS_OK)
		return e;
	if (v > TEN_YEARS / unit)
		return OTS_ERR_TOOBIG;
	*secs = v * unit;
	return OTS_OK;
}

enum ots_err
ots_parse_size(const char *s, size_t len, uint64_t *bytes)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 },
		{ "K", 10 }, { "M", 20 }, { "G", 30 }, { "T", 40 },
	};
	unsigned shift = 0;
	uint64_t v = 0;
	size_t i;
	enum ots_err e;

	for (i = 0; i < OTS_ARRAY_LEN(units); i++) {
		size_t sl = strlen(units[i].suffix);

		if (len > sl && memcmp(s + len - sl, units[i].suffix, sl) ==
		    0) {
			shift = units[i].shift;
			len -= sl;
			break;
		}
	}
	e = ots_parse_u64(s, len, 0, UINT64_MAX >> shift, &v);
	if (e != OTS_OK)
		return e;
	*bytes = v << shift;
	return OTS_OK;
}
