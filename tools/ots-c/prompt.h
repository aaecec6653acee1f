/*
 * prompt: passwords and tokens, from a file (its first line) or asked on
 * the terminal without echo, never from the command line or (but for
 * the admin token) the environment.  Ctrl-C at a prompt leaves the
 * terminal as it was.
 */
#ifndef OTSC_PROMPT_H
#define OTSC_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

/* The first line of path, without its end; false (said) when it cannot
 * be read or is empty. */
bool first_line(const char *path, char *buf, size_t max);

/* Asks on /dev/tty; false when there is no terminal or no answer. */
bool prompt(const char *what, char *buf, size_t max);

#endif
