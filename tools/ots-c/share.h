/*
 * share: sending and fetching end-to-end shares (docs/E2E.md, docs/API.md
 * "End-to-end shares") with libots, the code the server uses: the
 * container, the keys and the sealed name are made here, and the server
 * only ever sees ciphertext, proofs and checks.
 */
#ifndef OTSC_SHARE_H
#define OTSC_SHARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses (ots.1). */
enum otsc_exit {
	OTSC_OK = 0,
	OTSC_USAGE = 1,
	OTSC_GONE = 2,
	OTSC_WRONG = 3,		/* wrong password or key */
	OTSC_BUSY = 4,		/* rate limited or busy */
	OTSC_NOT_FOUND = 5,
	OTSC_OTHER = 6
};

struct send_opts {
	const char *so_server;		/* base URL, no trailing '/' */
	const char *so_path;		/* a file, or "-" for stdin */
	bool so_text;			/* a text secret, not a file */
	const char *so_expires;		/* "1h", or NULL */
	const char *so_password;	/* NULL: none (wiped by the caller) */
	bool so_json;
};

struct get_opts {
	const char *go_link;
	const char *go_out;		/* NULL: the share's name; "-" stdout */
	bool go_force;
	/* Asks for the password of a protected share into buf (max bytes,
	 * NUL-ended); false when there is none to give. */
	bool (*go_password)(char *buf, size_t max);
};

/* Each prints what it made (or one line on stderr saying what failed)
 * and returns the exit status. */
enum otsc_exit share_send(const struct send_opts *o);
enum otsc_exit share_get(const struct get_opts *o);

#endif
