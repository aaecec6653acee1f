/*
 * source: the plaintext of a share being sent: a file, read as it goes
 * (again from its first byte for a resumed upload), or standard input,
 * read whole first (its size goes in the upload's first request).
 */
#ifndef OTSC_SOURCE_H
#define OTSC_SOURCE_H

#include <stdint.h>

#include "ots_box.h"

#include "otsc.h"

struct source {
	int src_fd;
	uint8_t *src_mem;		/* standard input's bytes, or NULL */
	uint64_t src_size;
	int64_t src_mtime_ns;
	char src_path[4096];		/* absolute; "" for standard input */
	const char *src_name;		/* its last part, or "standard input" */
};

/* Opens path ("-": standard input) of at most max bytes. */
enum otsc_exit source_open(const char *path, uint64_t max, struct source *s);

/* Reads all of it, from its first byte, through enc. */
bool source_encrypt(struct source *s, struct ots_box_enc *enc);

/* Reads all of it into memory (text secrets): *out, malloc'ed. */
enum otsc_exit source_slurp(struct source *s, uint8_t **out);

void source_close(struct source *s);

#endif
