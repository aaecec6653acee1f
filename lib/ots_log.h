/*
 * ots_log: one line per event on stderr, logfmt, written with one write(2)
 * so that threads never interleave:
 *
 *	time=2026-11-23T02:44:24Z level=warn mod=rds msg="connect failed: ..."
 *
 * Level filtering happens before formatting.  The message is escaped
 * (quotes, backslashes, control bytes as \xNN) against log injection.
 * WARNING: never pass a secret, a link, a password or a file name.
 * Thread-safe once ots_log_set_level() has run at start-up.
 */
#ifndef OTS_LOG_H
#define OTS_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "ots_util.h"

enum ots_log_level {
	OTS_LOG_ERR = 0,
	OTS_LOG_WARN,
	OTS_LOG_INFO,
	OTS_LOG_DEBUG
};

/* Sets the most verbose level written; call before threads start. */
void ots_log_set_level(enum ots_log_level level);

/*
 * The request the calling thread serves: every line it logs until the
 * next call carries req=ID (at most OTS_LOG_REQ_MAX characters of
 * [0-9a-f], copied), so a line from any module is tied to its request.
 * NULL: none (between requests, background threads).
 */
#define OTS_LOG_REQ_MAX 16
void ots_log_set_request(const char *id);

/* Parses "error", "warn", "info" or "debug". */
OTS_WARN_UNUSED enum ots_err ots_log_parse_level(const char *s,
    enum ots_log_level *out);

/* True when a message at level would be written. */
int ots_log_enabled(enum ots_log_level level);

/* Writes msg under module mod; errnum != 0 appends strerror text. */
OTS_PRINTF(4, 5) void ots_log_write(enum ots_log_level level,
    const char *mod, int errnum, const char *fmt, ...);

/* Writes a pre-built logfmt line of key=value pairs (trusted keys). */
void ots_log_line(enum ots_log_level level, const char *fields);

/*
 * A throttle for events that can repeat without bound (a flood of wrong
 * admin tokens, accept(2) failing while descriptors run out): at most one
 * line per period, saying how many were left out since the last one.
 * Zero-initialise it (static storage); thread-safe.
 */
struct ots_log_throttle {
	uint64_t lt_next_ms;		/* ots_mono_ms() of the next line */
	uint64_t lt_dropped;		/* events since the last line */
};

/*
 * Counts one event; true when it should be logged now, with *dropped the
 * number of events left out since the last logged one.
 */
bool ots_log_throttle_pass(struct ots_log_throttle *t, uint64_t period_ms,
    uint64_t *dropped);

#define ots_log_err(mod, ...) \
	ots_log_write(OTS_LOG_ERR, mod, 0, __VA_ARGS__)
#define ots_log_warn(mod, ...) \
	ots_log_write(OTS_LOG_WARN, mod, 0, __VA_ARGS__)
#define ots_log_info(mod, ...) \
	ots_log_write(OTS_LOG_INFO, mod, 0, __VA_ARGS__)
#define ots_log_debug(mod, ...) \
	ots_log_write(OTS_LOG_DEBUG, mod, 0, __VA_ARGS__)
#define ots_log_err_errno(mod, errnum, ...) \
	ots_log_write(OTS_LOG_ERR, mod, errnum, __VA_ARGS__)
#define ots_log_warn_errno(mod, errnum, ...) \
	ots_log_write(OTS_LOG_WARN, mod, errnum, __VA_ARGS__)

#endif
