/*
 * What every part of the client shares: its exit statuses (ots.1) and
 * the options of the command line.
 */
#ifndef OTSC_H
#define OTSC_H

#include <stdbool.h>
#include <stddef.h>

enum otsc_exit {
	OTSC_OK = 0,
	OTSC_USAGE = 1,
	OTSC_GONE = 2,
	OTSC_WRONG = 3,		/* wrong (or no) password, key or token */
	OTSC_BUSY = 4,		/* rate limited or busy */
	OTSC_NOT_FOUND = 5,
	OTSC_OTHER = 6
};

#define OTSC_PASSWORD_MAX 1024

/* Fills buf (max bytes, NUL-ended) with a password: a share's (once) or
 * a new share's (asked twice); false when there is none to give. */
typedef bool (*otsc_password_fn)(char *buf, size_t max);

struct opts {
	const char *o_server;		/* base URL, no trailing '/'; or NULL */
	const char *o_expires;
	const char *o_name;		/* send: the name to seal */
	const char *o_out;		/* get: a path, or "-" */
	bool o_text, o_json, o_quiet, o_force, o_server_side, o_resume;
	bool o_progress;		/* a terminal, and not -q */
	otsc_password_fn o_password;	/* get */
	const char *o_new_password;	/* send: NULL for none */
};

#endif
