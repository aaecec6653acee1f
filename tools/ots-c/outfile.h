/*
 * outfile: where a download goes: standard output, or a 0600 temp file
 * beside the target, renamed over it only once the whole content is
 * there (and decrypted), never over an existing file without --force.
 */
#ifndef OTSC_OUTFILE_H
#define OTSC_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outfile {
	const char *of_target;		/* a path, or "-" */
	char of_tmp[4200];		/* "" once renamed, or for stdout */
	int of_fd;
	uint64_t of_bytes;
};

/* False, with a message, when target exists and !force: checked before
 * anything is claimed. */
bool outfile_free(const char *target, bool force);

bool outfile_open(struct outfile *f, const char *target);

/* Writes n bytes; false on an error (said). */
bool outfile_write(struct outfile *f, const uint8_t *p, size_t n);

/* Syncs and renames it to its target. */
bool outfile_keep(struct outfile *f, bool force);

/* Closes it, removing the temp file unless kept. */
void outfile_close(struct outfile *f);

#endif
