#include "ots_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ots_banned.h"

#define LINE_MAX_BYTES 2048

static enum ots_log_level max_level = OTS_LOG_INFO;
/* The calling thread's request id, "" for none. */
static __thread char cur_req[OTS_LOG_REQ_MAX + 1];

static const char *const level_names[] = { "error", "warn", "info",
	"debug" };

void
ots_log_set_level(enum ots_log_level level)
{
	max_level = level;
}

enum ots_err
ots_log_parse_level(const char *s, enum ots_log_level *out)
{
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum ots_log_level)i;
			return OTS_OK;
		}
	}
	return OTS_ERR_INVAL;
}

void
ots_log_set_request(const char *id)
{
	size_t n = 0;

	if (id != NULL) {
		/* Hex only: the id goes into the line unquoted. */
		while (n < OTS_LOG_REQ_MAX && ((id[n] >= '0' && id[n] <= '9') ||
		    (id[n] >= 'a' && id[n] <= 'f'))) {
			cur_req[n] = id[n];
			n++;
		}
	}
	cur_req[n] = '\0';
}

int
ots_log_enabled(enum ots_log_level level)
{
	return level <= max_level;
}

/* Appends s to line at *pos, escaped for a logfmt quoted value. */
static void
append_escaped(char *line, size_t *pos, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*pos + 4 >= cap)
			return;
		if (*p == '"' || *p == '\\') {
			line[(*pos)++] = '\\';
			line[(*pos)++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			line[(*pos)++] = '\\';
			line[(*pos)++] = 'x';
			line[(*pos)++] = hex[*p >> 4];
			line[(*pos)++] = hex[*p & 0xf];
		} else {
			line[(*pos)++] = (char)*p;
		}
	}
}

/* Writes "time=... level=..." into line; returns the length. */
static size_t
line_prefix(char *line, size_t cap, enum ots_log_level level)
{
	struct tm tm;
	time_t now = time(NULL);
	size_t n;
	int r;

	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = strftime(line, cap, "time=%Y-%m-%dT%H:%M:%SZ", &tm);
	r = snprintf(line + n, cap - n, " level=%s", level_names[level]);
	if (r > 0 && (size_t)r < cap - n)
		n += (size_t)r;
	return n;
}

static void
emit(char *line, size_t n)
{
	ssize_t w;

	line[n++] = '\n';
	w = write(STDERR_FILENO, line, n);
	(void)w;
}

void
ots_log_write(enum ots_log_level level, const char *mod, int errnum,
    const char *fmt, ...)
{
	char msg[LINE_MAX_BYTES / 2];
	char line[LINE_MAX_BYTES];
	char ebuf[128];
	va_list ap;
	size_t n;

	if (!ots_log_enabled(level))
		return;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);

	n = line_prefix(line, sizeof(line), level);
	n += (size_t)snprintf(line + n, sizeof(line) - n, " mod=%s%s%s msg=\"",
	    mod, cur_req[0] != '\0' ? " req=" : "", cur_req);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	append_escaped(line, &n, sizeof(line), msg);
	if (errnum != 0) {
		/* The GNU strerror_r returns the text it chose to use. */
		const char *et = strerror_r(errnum, ebuf, sizeof(ebuf));

		append_escaped(line, &n, sizeof(line), ": ");
		append_escaped(line, &n, sizeof(line), et);
	}
	if (n + 2 < sizeof(line))
		line[n++] = '"';
	emit(line, n);
}

void
ots_log_line(enum ots_log_level level, const char *fields)
{
	char line[LINE_MAX_BYTES];
	size_t n, flen;

	if (!ots_log_enabled(level))
		return;
	n = line_prefix(line, sizeof(line), level);
	flen = strlen(fields);
	if (flen > sizeof(line) - n - 2)
		flen = sizeof(line) - n - 2;
	line[n++] = ' ';
	memcpy(line + n, fields, flen);
	n += flen;
	emit(line, n);
}

bool
ots_log_throttle_pass(struct ots_log_throttle *t, uint64_t period_ms,
    uint64_t *dropped)
{
	uint64_t now = ots_mono_ms();
	uint64_t next = __atomic_load_n(&t->lt_next_ms, __ATOMIC_RELAXED);

	*dropped = 0;
	if (now < next || !__atomic_compare_exchange_n(&t->lt_next_ms, &next,
	    now + period_ms, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&t->lt_dropped, 1, __ATOMIC_RELAXED);
		return false;
	}
	*dropped = __atomic_exchange_n(&t->lt_dropped, 0, __ATOMIC_RELAXED);
	return true;
}
