/*
 * ots_cfg: the service's configuration, read from OTS_* environment
 * variables (the same names systemd's EnvironmentFile= and docker compose
 * use; deploy/onetimeshare.env documents each).  Every value is validated
 * at start; a bad one stops the start with a message naming it.
 */
#ifndef OTS_CFG_H
#define OTS_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_buf.h"
#include "ots_kdf.h"
#include "ots_net.h"
#include "ots_rds_addr.h"
#include "ots_rl.h"
#include "ots_s3.h"
#include "ots_util.h"

#define OTS_CFG_PATH_MAX 512
#define OTS_CFG_URL_MAX 256

struct ots_cfg {
	/* The Redis of the shares, and the one of per-client counters (rate
	 * windows, transfers in flight): the latter keeps nothing on disk,
	 * so no file ever links a client address to a share. */
	struct ots_rds_addr c_redis;
	struct ots_rds_addr c_limits;
	unsigned c_redis_timeout_ms;	/* connect and each command, both */

	char c_data_dir[OTS_CFG_PATH_MAX];
	bool c_durable;			/* fsync each upload before answering */
	/* OTS_STORAGE=s3: the containers live in this bucket, the data
	 * directory is each host's scratch space (ots_store_s3.h). */
	bool c_s3;
	struct ots_s3_conf c_s3conf;
	unsigned c_s3_timeout_ms;
	char c_base_url[OTS_CFG_URL_MAX];	/* no trailing slash */

	uint64_t c_max_size;		/* bytes per upload */
	uint64_t c_expiry_default;	/* seconds */
	uint64_t c_expiry_min;
	uint64_t c_expiry_max;
	uint64_t c_tombstone_ttl;	/* seconds a 410 and receipt stay */

	struct ots_kdf_params c_argon2;	/* cost of new protected shares */
	unsigned c_argon2_slots;	/* concurrent Argon2id runs */
	unsigned c_argon2_wait_ms;	/* wait for a slot, then 503 */
	unsigned c_password_max;	/* bytes */
	unsigned c_attempts;		/* wrong passwords before destruction */

	struct ots_rl_limit c_rate[OTS_RL_CLASSES];
	struct ots_net_cidrs c_trusted;	/* proxies whose X-Forwarded-For
					 * is believed */
	unsigned c_client_transfers;	/* heavy requests in flight per
					 * client, all processes; 0: no cap */
	uint64_t c_min_rate;		/* bytes/s a transfer must keep up,
					 * 0: no minimum */
	uint64_t c_rate_window_ms;	/* ... averaged over this window */
	uint64_t c_ready_min_free;	/* bytes free on the data dir's file
					 * system below which not ready */

	/* End-to-end shares (docs/E2E.md). */
	bool c_e2e;			/* the routes are on */
	uint64_t c_part_max;		/* bytes of one upload part */
	uint64_t c_upload_idle;		/* seconds an upload may idle */
	uint64_t c_upload_max_age;	/* seconds an upload may take */
	uint64_t c_claim_lease;		/* seconds a claim may be fetched
					 * again; 0: unlinked before the
					 * first byte, no resume */
	bool c_sendfile_lighttpd;	/* X-Sendfile, not X-Accel-Redirect */
	uint64_t c_blob_max;		/* told to browsers: the most they
					 * hold in memory */

	uint64_t c_sweep_interval;	/* seconds between sweeps */
	uint64_t c_sweep_grace;		/* seconds a new file is spared */
	uint64_t c_part_max_age;	/* seconds before a .part is stale */

	char c_admin_hash[65];		/* BLAKE2b-256 hex of the admin
					 * token, or "": admin API off */

	unsigned c_threads;		/* per worker process */
	unsigned c_drain_ms;		/* SIGTERM: in-flight bound */
	int c_log_level;		/* enum ots_log_level */
};

/* Looks a variable up; returns NULL when it is not set. */
typedef const char *(*ots_cfg_get_fn)(void *ctx, const char *name);

/* Fills c with the defaults; cannot fail. */
void ots_cfg_defaults(struct ots_cfg *c);

/*
 * Reads every OTS_* setting through get (pass ots_cfg_getenv and NULL for
 * the process environment) on top of the defaults.  On error, err (errlen
 * bytes) says which variable is wrong and why; the value itself is not
 * repeated when it may be secret.
 */
OTS_WARN_UNUSED enum ots_err ots_cfg_load(struct ots_cfg *c, ots_cfg_get_fn get,
    void *ctx, char *err, size_t errlen);

/*
 * Appends the effective configuration to out, one OTS_NAME=value line
 * per setting, secrets masked.
 */
OTS_WARN_UNUSED enum ots_err ots_cfg_describe(const struct ots_cfg *c,
    struct ots_buf *out);

/* get for ots_cfg_load: getenv(3). */
const char *ots_cfg_getenv(void *ctx, const char *name);

#endif
