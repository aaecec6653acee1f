/*
 * ots_util: the small tools every module needs: assertions, checked size
 * arithmetic, strict number parsing, checked formatting and string views.
 */
#ifndef OTS_UTIL_H
#define OTS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_err.h"

#define OTS_WARN_UNUSED __attribute__((warn_unused_result))
#define OTS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define OTS_NORETURN __attribute__((noreturn))

#define OTS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * OTS_ASSERT(cond): a programmer error if false.  Always compiled in; logs
 * file:line and aborts.  Never use it to validate input.
 */
#define OTS_ASSERT(cond) \
	do { \
		if (!(cond)) \
			ots_assert_fail(__FILE__, __LINE__, #cond); \
	} while (0)

OTS_NORETURN void ots_assert_fail(const char *file, int line,
    const char *what);

/* A borrowed view of bytes; p need not be NUL-terminated. */
struct ots_str {
	const char *p;
	size_t len;
};

/* Builds a view of a NUL-terminated string (NULL gives an empty view). */
struct ots_str ots_str_cstr(const char *s);

/* True when the view equals the NUL-terminated string lit exactly. */
bool ots_str_eq(struct ots_str s, const char *lit);

/* True when the view equals lit, ignoring ASCII case. */
bool ots_str_eq_nocase(struct ots_str s, const char *lit);

/* *out = a + b, or OTS_ERR_TOOBIG on overflow (*out untouched). */
OTS_WARN_UNUSED enum ots_err ots_size_add(size_t a, size_t b, size_t *out);

/* *out = a * b, or OTS_ERR_TOOBIG on overflow (*out untouched). */
OTS_WARN_UNUSED enum ots_err ots_size_mul(size_t a, size_t b, size_t *out);

/*
 * Parses a decimal unsigned integer from exactly len bytes: digits only, no
 * sign, no space, no leading zeros (except "0" itself), at most 20 digits.
 * Returns OTS_ERR_INVAL for bad syntax and OTS_ERR_TOOBIG for a value
 * outside [min, max]; *out is written only on OTS_OK.
 */
OTS_WARN_UNUSED enum ots_err ots_parse_u64(const char *s, size_t len,
    uint64_t min, uint64_t max, uint64_t *out);

/*
 * snprintf into buf of size n; OTS_ERR_TOOBIG if the result was truncated
 * (buf then holds a truncated but terminated string), OTS_ERR_INVAL on an
 * encoding error.
 */
OTS_WARN_UNUSED OTS_PRINTF(3, 4) enum ots_err ots_str_fmt(char *buf,
    size_t n, const char *fmt, ...);

/* The value of hex digit c, or -1. */
int ots_hexval(char c);

/*
 * Percent-decodes len bytes into out (at most max bytes); with
 * plus_is_space, '+' becomes ' ' (forms) else it stays (paths).
 * OTS_ERR_INVAL for a bad escape, OTS_ERR_TOOBIG past max.
 */
OTS_WARN_UNUSED enum ots_err ots_pct_decode(const char *in, size_t len,
    bool plus_is_space, char *out, size_t max, size_t *out_len);

/* Seconds since the epoch (CLOCK_REALTIME). */
uint64_t ots_now(void);

/* Milliseconds of CLOCK_MONOTONIC, for durations and deadlines. */
uint64_t ots_mono_ms(void);

/*
 * Parses a duration: a whole number of seconds, or a number followed by
 * s, m, h, d or w ("90", "5m", "24h", "7d").  OTS_ERR_INVAL for bad
 * syntax, OTS_ERR_TOOBIG past 10 years.
 */
OTS_WARN_UNUSED enum ots_err ots_parse_duration(const char *s,
    size_t len, uint64_t *secs);

/*
 * Parses a size in bytes, with an optional K, M, G or T suffix (powers of
 * 1024; "KiB", "MiB", "GiB", "TiB" too).  OTS_ERR_INVAL for bad syntax.
 */
OTS_WARN_UNUSED enum ots_err ots_parse_size(const char *s, size_t len,
    uint64_t *bytes);

#endif
