/*
 * record: what `ots send --resume` needs to continue an end-to-end upload
 * in parts that another run left unfinished (docs/E2E.md "Resuming").
 * One file per upload, 0600, under $XDG_STATE_HOME/ots/uploads (or
 * ~/.local/state/ots/uploads, 0700), saved before the first part leaves
 * and after each part the server confirms, removed at the commit or
 * when the server has forgotten the upload, and never kept past the
 * server's 24 h limit on an upload's age.
 *
 * It holds the link secret and k_file, as the browser's record does:
 * whoever reads it could read the file it was made from, which is on the
 * same disk.  It never holds the password or its Argon2id key.
 */
#ifndef OTSC_RECORD_H
#define OTSC_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "ots_box.h"
#include "ots_kdf.h"
#include "ots_tok.h"

#include "api.h"

#define SEAL_LINE 640
#define CHECK_BYTES 32

/* The seal of a share: the header lines its upload and commit carry
 * (nothing secret). */
struct seal {
	char s_meta[SEAL_LINE];
	char s_lcheck[128];
	char s_salt[128];
	char s_cost[64];
	char s_check[128];
	bool s_protected;
};

struct record {
	char r_server[URL_MAX];
	struct ots_tok r_id;
	char r_token[64];		/* the upload token */
	struct ots_tok r_secret;	/* the link's */
	uint8_t r_kfile[OTS_KEY_BYTES];
	uint8_t r_stream[OTS_BOX_STREAM_BYTES];
	struct seal r_seal;
	char r_path[4096];		/* the source, absolute */
	uint64_t r_size;		/* its size and change time */
	int64_t r_mtime_ns;
	uint64_t r_offset;		/* confirmed by the server */
	/* BLAKE2b of the container's bytes [r_check_from, r_offset). */
	uint64_t r_check_from;
	uint8_t r_check[CHECK_BYTES];
};

/* Writes r (replacing its last version); false with a message. */
bool record_save(const struct record *r);

/*
 * The record of an unfinished upload of the file at path (absolute)
 * with this size and change time to server, into r; false when there is
 * none.  Records past the server's limit are removed on the way.
 */
bool record_find(const char *server, const char *path, uint64_t size,
    int64_t mtime_ns, struct record *r);

void record_remove(const struct ots_tok *id);

/* Wipes the secrets. */
void record_wipe(struct record *r);

#endif
