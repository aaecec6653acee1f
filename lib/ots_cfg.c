#include "ots_cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ots_limits.h"
#include "ots_log.h"
#include "ots_rl.h"
#include "ots_banned.h"


void
ots_cfg_defaults(struct ots_cfg *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->c_redis.ra_path, "/run/onetimeshare-redis/redis.sock",
	    sizeof("/run/onetimeshare-redis/redis.sock"));
	c->c_redis.ra_port = 6379;
	memcpy(c->c_limits.ra_path, "/run/onetimeshare-redis-limits/redis.sock",
	    sizeof("/run/onetimeshare-redis-limits/redis.sock"));
	c->c_limits.ra_port = 6379;
	c->c_redis_timeout_ms = 1000;
	c->c_redis.ra_wait_ms = 1000;
	memcpy(c->c_data_dir, "/var/lib/onetimeshare",
	    sizeof("/var/lib/onetimeshare"));
	memcpy(c->c_base_url, "http://127.0.0.1:8080",
	    sizeof("http://127.0.0.1:8080"));
	c->c_max_size = OTS_MAX_SIZE_DEFAULT;
	c->c_expiry_default = 24 * 3600;
	c->c_expiry_min = 5 * 60;
	c->c_expiry_max = 7 * 86400;
	c->c_tombstone_ttl = 7 * 86400;
	c->c_argon2.kp_mem_kib = 64 * 1024;
	c->c_argon2.kp_time = 3;
	c->c_argon2.kp_lanes = 1;
	c->c_argon2_slots = 2;
	c->c_argon2_wait_ms = 5000;
	c->c_password_max = 1024;
	c->c_attempts = 5;
	c->c_rate[OTS_RL_UPLOAD].rl_count = 30;
	c->c_rate[OTS_RL_UPLOAD].rl_window_ms = 60000;
	c->c_rate[OTS_RL_CLAIM].rl_count = 60;
	c->c_rate[OTS_RL_CLAIM].rl_window_ms = 60000;
	c->c_rate[OTS_RL_META].rl_count = 300;
	c->c_rate[OTS_RL_META].rl_window_ms = 60000;
	c->c_rate[OTS_RL_ADMIN_FAIL].rl_count = 10;
	c->c_rate[OTS_RL_ADMIN_FAIL].rl_window_ms = 60000;
	c->c_client_transfers = 4;
	c->c_min_rate = 1024;
	c->c_rate_window_ms = 30000;
	c->c_ready_min_free = OTS_MAX_SIZE_DEFAULT;
	c->c_e2e = true;
	c->c_part_max = 16u * 1024u * 1024u;
	c->c_upload_idle = 600;
	c->c_upload_max_age = 86400;
	c->c_claim_lease = 600;
	c->c_blob_max = 256u * 1024u * 1024u;
	c->c_sweep_interval = 15;
	c->c_sweep_grace = 30;
	c->c_part_max_age = 300;
	c->c_threads = 8;
	c->c_durable = true;
	memcpy(c->c_s3conf.sc_region, "us-east-1", sizeof("us-east-1"));
	c->c_s3conf.sc_part_size = 16u * 1024 * 1024;
	c->c_s3_timeout_ms = 5000;
	c->c_drain_ms = 10000;
	c->c_log_level = OTS_LOG_INFO;
}

const char *
ots_cfg_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

/* Fails the load with a message naming the variable. */
static enum ots_err
bad(char *err, size_t errlen, const char *name, const char *why)
{
	if (ots_str_fmt(err, errlen, "%s: %s", name, why) != OTS_OK) {
		/* A truncated message still names the variable first. */
	}
	return OTS_ERR_INVAL;
}

static enum ots_err
get_str(const char *v, const char *name, char *out, size_t max, char *err,
    size_t errlen)
{
	size_t len = strlen(v);

	if (len == 0 || len >= max)
		return bad(err, errlen, name, "empty or too long");
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return bad(err, errlen, name,
			    "contains control characters");
	}
	memcpy(out, v, len + 1);
	return OTS_OK;
}

static enum ots_err
get_uint(const char *v, const char *name, uint64_t min, uint64_t max,
    uint64_t *out, char *err, size_t errlen)
{
	char why[96];

	if (ots_parse_u64(v, strlen(v), min, max, out) == OTS_OK)
		return OTS_OK;
	if (ots_str_fmt(why, sizeof(why),
	    "must be a whole number from %llu to %llu",
	    (unsigned long long)min, (unsigned long long)max) != OTS_OK)
		why[0] = '\0';
	return bad(err, errlen, name, why);
}

static enum ots_err
get_duration(const char *v, const char *name, uint64_t min, uint64_t *out,
    char *err, size_t errlen)
{
	uint64_t secs = 0;

	if (ots_parse_duration(v, strlen(v), &secs) != OTS_OK ||
	    secs < min)
		return bad(err, errlen, name,
		    "must be a duration like 300, 5m, 24h or 7d, within 10 "
		    "years and not below its minimum");
	*out = secs;
	return OTS_OK;
}

/* name is the variable, e.g. OTS_REDIS; r gets what it says. */
static enum ots_err
parse_redis(struct ots_rds_addr *r, const char *name, const char *v,
    char *err, size_t errlen)
{
	const char *colon;
	uint64_t port = 0;

	if (strncmp(v, "unix:", 5) == 0) {
		if (v[5] != '/')
			return bad(err, errlen, name,
			    "unix: needs an absolute socket path");
		r->ra_host[0] = '\0';
		return get_str(v + 5, name, r->ra_path, sizeof(r->ra_path),
		    err, errlen);
	}
	colon = strrchr(v, ':');
	if (colon == NULL || colon == v ||
	    ots_parse_u64(colon + 1, strlen(colon + 1), 1, 65535, &port) !=
	    OTS_OK ||
	    (size_t)(colon - v) >= sizeof(r->ra_host))
		return bad(err, errlen, name,
		    "must be unix:/path/to/socket or host:port");
	memcpy(r->ra_host, v, (size_t)(colon - v));
	r->ra_host[colon - v] = '\0';
	r->ra_port = (unsigned)port;
	r->ra_path[0] = '\0';
	return OTS_OK;
}

/* "host:port,host:port,..." of name into nodes (max of them), what
 * naming one in the error. */
static enum ots_err
parse_nodes(struct ots_rds_node *nodes, unsigned max, unsigned *n,
    const char *name, const char *what, const char *v, char *err,
    size_t errlen)
{
	struct ots_rds_addr one;
	char item[OTS_RDS_HOST_MAX + 8], msg[96];
	const char *p = v, *comma;
	size_t len;

	*n = 0;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(item) || *n == max) {
			if (ots_str_fmt(msg, sizeof(msg), "must be 1 to %u "
			    "host:port addresses, separated by commas", max) !=
			    OTS_OK)
				msg[0] = '\0';
			return bad(err, errlen, name, msg);
		}
		memcpy(item, p, len);
		item[len] = '\0';
		memset(&one, 0, sizeof(one));
		if (strncmp(item, "unix:", 5) == 0 ||
		    parse_redis(&one, name, item, err, errlen) != OTS_OK) {
			if (ots_str_fmt(msg, sizeof(msg), "each %s must be "
			    "host:port", what) != OTS_OK)
				msg[0] = '\0';
			return bad(err, errlen, name, msg);
		}
		memcpy(nodes[*n].rn_host, one.ra_host, sizeof(one.ra_host));
		nodes[*n].rn_port = one.ra_port;
		(*n)++;
		if (comma == NULL)
			return OTS_OK;
		p = comma + 1;
	}
}

/* PREFIX_SENTINELS, _MASTER_NAME and _SENTINEL_PASSWORD, when set. */
static enum ots_err
load_sentinels(struct ots_rds_addr *r, const char *prefix, bool direct,
    ots_cfg_get_fn get, void *ctx, char *err, size_t errlen)
{
	char name[64], master[64];
	const char *v;
	enum ots_err e;

	if (ots_str_fmt(name, sizeof(name), "%s_SENTINELS", prefix) !=
	    OTS_OK || ots_str_fmt(master, sizeof(master), "%s_MASTER_NAME",
	    prefix) != OTS_OK)
		return OTS_ERR_INVAL;
	v = get(ctx, name);
	if (v == NULL || v[0] == '\0') {
		v = get(ctx, master);
		if (v != NULL && v[0] != '\0')
			return bad(err, errlen, master, "needs "
			    "the sentinels too (_SENTINELS)");
		return OTS_OK;
	}
	if (direct)
		return bad(err, errlen, name, "replaces the direct "
		    "address: set one or the other");
	if ((e = parse_nodes(r->ra_sentinels, OTS_RDS_SENTINELS_MAX,
	    &r->ra_nsentinels, name, "sentinel", v, err, errlen)) != OTS_OK)
		return e;
	v = get(ctx, master);
	if (v == NULL || v[0] == '\0')
		return bad(err, errlen, master, "must name the primary the "
		    "sentinels monitor");
	if ((e = get_str(v, master, r->ra_master, sizeof(r->ra_master), err,
	    errlen)) != OTS_OK)
		return e;
	if (ots_str_fmt(name, sizeof(name), "%s_SENTINEL_PASSWORD", prefix)
	    != OTS_OK)
		return OTS_ERR_INVAL;
	v = get(ctx, name);
	if (v != NULL && v[0] != '\0')
		return get_str(v, name, r->ra_sentinel_password,
		    sizeof(r->ra_sentinel_password), err, errlen);
	return OTS_OK;
}

/* PREFIX_CLUSTER, when set: the seeds of a Redis Cluster, in place of
 * one Redis (direct) or the sentinels. */
static enum ots_err
load_cluster(struct ots_rds_addr *r, const char *prefix, bool direct,
    ots_cfg_get_fn get, void *ctx, char *err, size_t errlen)
{
	char name[64];
	const char *v;

	if (ots_str_fmt(name, sizeof(name), "%s_CLUSTER", prefix) != OTS_OK)
		return OTS_ERR_INVAL;
	v = get(ctx, name);
	if (v == NULL || v[0] == '\0')
		return OTS_OK;
	if (direct || r->ra_nsentinels > 0)
		return bad(err, errlen, name, "replaces the direct address "
		    "and the sentinels: set one of the three");
	return parse_nodes(r->ra_cluster, OTS_RDS_SEEDS_MAX, &r->ra_ncluster,
	    name, "cluster node", v, err, errlen);
}

/* OTS_REDIS or OTS_REDIS_LIMITS (prefix), with _PASSWORD and _DB, or
 * the sentinels that name it, or the cluster's seeds. */
static enum ots_err
load_redis(struct ots_rds_addr *r, const char *prefix, ots_cfg_get_fn get,
    void *ctx, char *err, size_t errlen)
{
	char name[64];
	const char *v;
	uint64_t n = 0;
	enum ots_err e;

	v = get(ctx, prefix);
	if (v != NULL && v[0] != '\0' &&
	    (e = parse_redis(r, prefix, v, err, errlen)) != OTS_OK)
		return e;
	if ((e = load_sentinels(r, prefix, v != NULL && v[0] != '\0', get,
	    ctx, err, errlen)) != OTS_OK ||
	    (e = load_cluster(r, prefix, v != NULL && v[0] != '\0', get,
	    ctx, err, errlen)) != OTS_OK)
		return e;
	if (ots_str_fmt(name, sizeof(name), "%s_PASSWORD", prefix) != OTS_OK)
		return OTS_ERR_INVAL;
	v = get(ctx, name);
	if (v != NULL && v[0] != '\0' && (e = get_str(v, name, r->ra_password,
	    sizeof(r->ra_password), err, errlen)) != OTS_OK)
		return e;
	if (ots_str_fmt(name, sizeof(name), "%s_DB", prefix) != OTS_OK)
		return OTS_ERR_INVAL;
	v = get(ctx, name);
	if (v != NULL && v[0] != '\0') {
		if ((e = get_uint(v, name, 0, 1000000, &n, err, errlen)) !=
		    OTS_OK)
			return e;
		if (n != 0 && r->ra_ncluster > 0)
			return bad(err, errlen, name, "must be 0 with a "
			    "cluster (it has database 0 only)");
		r->ra_db = (unsigned)n;
	}
	return OTS_OK;
}

static enum ots_err
parse_base_url(struct ots_cfg *c, const char *v, char *err, size_t errlen)
{
	const char *host;
	size_t len;
	enum ots_err e;

	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return bad(err, errlen, "OTS_BASE_URL",
		    "must start with http:// or https://");
	host = strstr(v, "://") + 3;
	if (host[0] == '\0' || host[0] == '/')
		return bad(err, errlen, "OTS_BASE_URL", "needs a host after "
		    "the scheme");
	e = get_str(v, "OTS_BASE_URL", c->c_base_url, sizeof(c->c_base_url),
	    err, errlen);
	if (e != OTS_OK)
		return e;
	len = strlen(c->c_base_url);
	for (size_t i = 0; i < len; i++) {
		if (c->c_base_url[i] == ' ' || c->c_base_url[i] == '#' ||
		    c->c_base_url[i] == '?' || c->c_base_url[i] == '"')
			return bad(err, errlen, "OTS_BASE_URL",
			    "must not contain spaces, quotes, '?' or '#'");
	}
	while (len > 0 && c->c_base_url[len - 1] == '/')
		c->c_base_url[--len] = '\0';
	return OTS_OK;
}

static enum ots_err
load_password(struct ots_cfg *c, ots_cfg_get_fn get, void *ctx, char *err,
    size_t errlen)
{
	const char *v;
	uint64_t n = 0;
	enum ots_err e;

	v = get(ctx, "OTS_ARGON2_MEMORY");
	if (v != NULL && v[0] != '\0') {
		if (ots_parse_size(v, strlen(v), &n) != OTS_OK ||
		    n / 1024 < OTS_KDF_MEM_MIN_KIB ||
		    n / 1024 > OTS_KDF_MEM_MAX_KIB)
			return bad(err, errlen, "OTS_ARGON2_MEMORY",
			    "must be a size from 1M to 1G");
		c->c_argon2.kp_mem_kib = (uint32_t)(n / 1024);
	}
	v = get(ctx, "OTS_ARGON2_TIME");
	if (v != NULL && v[0] != '\0') {
		if ((e = get_uint(v, "OTS_ARGON2_TIME", 1, OTS_KDF_TIME_MAX, &n,
		    err, errlen)) != OTS_OK)
			return e;
		c->c_argon2.kp_time = (uint32_t)n;
	}
	v = get(ctx, "OTS_ARGON2_LANES");
	if (v != NULL && v[0] != '\0') {
		if ((e = get_uint(v, "OTS_ARGON2_LANES", 1, OTS_KDF_LANES_MAX,
		    &n, err, errlen)) != OTS_OK)
			return e;
		c->c_argon2.kp_lanes = (uint32_t)n;
	}
	v = get(ctx, "OTS_ARGON2_CONCURRENCY");
	if (v != NULL && v[0] != '\0') {
		if ((e = get_uint(v, "OTS_ARGON2_CONCURRENCY", 1, 64, &n, err,
		    errlen)) != OTS_OK)
			return e;
		c->c_argon2_slots = (unsigned)n;
	}
	v = get(ctx, "OTS_ARGON2_WAIT_MS");
	if (v != NULL && v[0] != '\0') {
		if ((e = get_uint(v, "OTS_ARGON2_WAIT_MS", 0, 60000, &n, err,
		    errlen)) != OTS_OK)
			return e;
		c->c_argon2_wait_ms = (unsigned)n;
	}
	v = get(ctx, "OTS_PASSWORD_MAX");
	if (v != NULL && v[0] != '\0') {
		if ((e = get_uint(v, "OTS_PASSWORD_MAX", 1, 65536, &n, err,
		    errlen)) != OTS_OK)
			return e;
		c->c_password_max = (unsigned)n;
	}
	v = get(ctx, "OTS_PASSWORD_ATTEMPTS");
	if (v != NULL && v[0] != '\0') {
		if ((e = get_uint(v, "OTS_PASSWORD_ATTEMPTS", 1, 100, &n, err,
		    errlen)) != OTS_OK)
			return e;
		c->c_attempts = (unsigned)n;
	}
	return OTS_OK;
}

static enum ots_err
load_rates(struct ots_cfg *c, ots_cfg_get_fn get, void *ctx, char *err,
    size_t errlen)
{
	static const char *const names[OTS_RL_CLASSES] = {
		[OTS_RL_UPLOAD] = "OTS_RATE_UPLOAD",
		[OTS_RL_CLAIM] = "OTS_RATE_CLAIM",
		[OTS_RL_META] = "OTS_RATE_META",
		[OTS_RL_ADMIN_FAIL] = "OTS_RATE_ADMIN_FAIL",
	};
	int i;

	for (i = 0; i < OTS_RL_CLASSES; i++) {
		const char *v = get(ctx, names[i]);

		if (v == NULL || v[0] == '\0')
			continue;
		if (ots_rl_parse(v, &c->c_rate[i]) != OTS_OK)
			return bad(err, errlen, names[i], "must be COUNT/DURATION "
			    "like 30/1m, or off");
	}
	return OTS_OK;
}

/* What no client may exceed: transfers in flight, a slowest rate; and
 * the free space below which the service says it is not ready. */
static enum ots_err
load_transfers(struct ots_cfg *c, ots_cfg_get_fn get, void *ctx, char *err,
    size_t errlen)
{
	const char *v;
	uint64_t n = 0;
	enum ots_err e;

	v = get(ctx, "OTS_CLIENT_TRANSFERS");
	if (v != NULL && v[0] != '\0') {
		if (strcmp(v, "off") == 0)
			n = 0;
		else if ((e = get_uint(v, "OTS_CLIENT_TRANSFERS", 1, 100000,
		    &n, err, errlen)) != OTS_OK)
			return bad(err, errlen, "OTS_CLIENT_TRANSFERS", "must be a "
			    "whole number from 1 to 100000, or off");
		c->c_client_transfers = (unsigned)n;
	}
	v = get(ctx, "OTS_TRANSFER_MIN_RATE");
	if (v != NULL && v[0] != '\0') {
		if (strcmp(v, "off") == 0)
			n = 0;
		else if (ots_parse_size(v, strlen(v), &n) != OTS_OK ||
		    n == 0 || n > 1024ull * 1024 * 1024)
			return bad(err, errlen, "OTS_TRANSFER_MIN_RATE", "must be "
			    "bytes per second from 1 to 1G (like 1K or 512), or "
			    "off");
		c->c_min_rate = n;
	}
	v = get(ctx, "OTS_TRANSFER_WINDOW");
	if (v != NULL && v[0] != '\0') {
		if (ots_parse_duration(v, strlen(v), &n) != OTS_OK ||
		    n < 1 || n > 3600)
			return bad(err, errlen, "OTS_TRANSFER_WINDOW", "must be a "
			    "duration from 1s to 1h");
		c->c_rate_window_ms = n * 1000;
	}
	v = get(ctx, "OTS_READY_MIN_FREE");
	if (v != NULL && v[0] != '\0') {
		if (ots_parse_size(v, strlen(v), &n) != OTS_OK)
			return bad(err, errlen, "OTS_READY_MIN_FREE", "must be a "
			    "size like 1G or 500M (0: never)");
		c->c_ready_min_free = n;
	} else {
		/* Room for one more upload of the largest size. */
		c->c_ready_min_free = c->c_max_size;
	}
	return OTS_OK;
}

/* "1"/"on" or "0"/"off". */
static enum ots_err
get_bool(const char *v, const char *name, bool *out, char *err, size_t errlen)
{
	if (strcmp(v, "1") == 0 || strcmp(v, "on") == 0)
		*out = true;
	else if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
		*out = false;
	else
		return bad(err, errlen, name, "must be on or off (1 or 0)");
	return OTS_OK;
}

static enum ots_err
load_e2e(struct ots_cfg *c, ots_cfg_get_fn get, void *ctx, char *err,
    size_t errlen)
{
	const char *v;
	uint64_t n = 0;
	enum ots_err e;

	v = get(ctx, "OTS_E2E");
	if (v != NULL && v[0] != '\0' &&
	    (e = get_bool(v, "OTS_E2E", &c->c_e2e, err, errlen)) != OTS_OK)
		return e;
	v = get(ctx, "OTS_UPLOAD_PART_MAX");
	if (v != NULL && v[0] != '\0') {
		if (ots_parse_size(v, strlen(v), &n) != OTS_OK ||
		    n < 64u * 1024u || n > 256u * 1024u * 1024u)
			return bad(err, errlen, "OTS_UPLOAD_PART_MAX", "must be a "
			    "size from 64K to 256M (and below nginx's "
			    "client_max_body_size for /api/v1/uploads/)");
		c->c_part_max = n;
	}
	v = get(ctx, "OTS_UPLOAD_IDLE");
	if (v != NULL && v[0] != '\0' && (e = get_duration(v,
	    "OTS_UPLOAD_IDLE", 10, &c->c_upload_idle, err, errlen)) != OTS_OK)
		return e;
	v = get(ctx, "OTS_UPLOAD_MAX_AGE");
	if (v != NULL && v[0] != '\0' && (e = get_duration(v,
	    "OTS_UPLOAD_MAX_AGE", 60, &c->c_upload_max_age, err, errlen)) !=
	    OTS_OK)
		return e;
	v = get(ctx, "OTS_CLAIM_LEASE");
	if (v != NULL && v[0] != '\0') {
		if (ots_parse_duration(v, strlen(v), &n) != OTS_OK ||
		    n > 86400)
			return bad(err, errlen, "OTS_CLAIM_LEASE", "must be a "
			    "duration from 0 (no lease) to 1d");
		c->c_claim_lease = n;
	}
	v = get(ctx, "OTS_SENDFILE");
	if (v != NULL && v[0] != '\0') {
		if (strcmp(v, "x-accel-redirect") == 0)
			c->c_sendfile_lighttpd = false;
		else if (strcmp(v, "x-sendfile") == 0)
			c->c_sendfile_lighttpd = true;
		else
			return bad(err, errlen, "OTS_SENDFILE", "must be "
			    "x-accel-redirect (nginx) or x-sendfile (lighttpd)");
	}
	v = get(ctx, "OTS_E2E_BLOB_MAX");
	if (v != NULL && v[0] != '\0') {
		if (ots_parse_size(v, strlen(v), &n) != OTS_OK ||
		    n < 1024u * 1024u || n > 4ull << 30)
			return bad(err, errlen, "OTS_E2E_BLOB_MAX", "must be a "
			    "size from 1M to 4G");
		c->c_blob_max = n;
	}
	return OTS_OK;
}

/* A secret from the file at path (one trailing newline dropped). */
static enum ots_err
secret_from_file(const char *path, const char *name, char *out, size_t max,
    char *err, size_t errlen)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bad(err, errlen, name, "cannot be read");
	n = read(fd, out, max);
	close(fd);
	if (n < 0 || (size_t)n >= max)
		return bad(err, errlen, name, "cannot be read, or too long");
	if (n > 0 && out[n - 1] == '\n')
		n--;
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	if (n == 0 || memchr(out, '\0', (size_t)n) != NULL ||
	    memchr(out, '\n', (size_t)n) != NULL)
		return bad(err, errlen, name, "must hold the secret alone");
	return OTS_OK;
}

/* Does s hold only characters of set (and is it not empty)? */
static bool
only(const char *s, const char *set)
{
	return s[0] != '\0' && strspn(s, set) == strlen(s);
}

#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"

/* OTS_STORAGE and, for s3, the bucket and how to reach it. */
static enum ots_err
load_storage(struct ots_cfg *c, ots_cfg_get_fn get, void *ctx, char *err,
    size_t errlen)
{
	struct ots_s3_conf *s = &c->c_s3conf;
	const char *v, *file;
	uint64_t n = 0;
	size_t len;
	enum ots_err e;

	v = get(ctx, "OTS_STORAGE");
	if (v != NULL && v[0] != '\0' && strcmp(v, "s3") != 0 &&
	    strcmp(v, "disk") != 0)
		return bad(err, errlen, "OTS_STORAGE", "must be disk or s3");
	c->c_s3 = v != NULL && strcmp(v, "s3") == 0;
	v = get(ctx, "OTS_S3_ENDPOINT");
	if (!c->c_s3) {
		if (v != NULL && v[0] != '\0')
			return bad(err, errlen, "OTS_S3_ENDPOINT", "needs "
			    "OTS_STORAGE=s3");
		return OTS_OK;
	}
	if (v == NULL || (strncmp(v, "http://", 7) != 0 &&
	    strncmp(v, "https://", 8) != 0) ||
	    strchr(strstr(v, "://") + 3, '/') != NULL ||
	    strstr(v, "://")[3] == '\0' || strpbrk(v, " ?#@") != NULL)
		return bad(err, errlen, "OTS_S3_ENDPOINT", "must be "
		    "http(s)://host[:port], without a path");
	if ((e = get_str(v, "OTS_S3_ENDPOINT", s->sc_endpoint,
	    sizeof(s->sc_endpoint), err, errlen)) != OTS_OK)
		return e;
	v = get(ctx, "OTS_S3_BUCKET");
	len = v != NULL ? strlen(v) : 0;
	if (len < 3 || len > 63 || !only(v, LOWER_DIGITS ".-") ||
	    v[0] == '-' || v[0] == '.' || v[len - 1] == '-' ||
	    v[len - 1] == '.')
		return bad(err, errlen, "OTS_S3_BUCKET", "must be a bucket name: "
		    "3 to 63 lower-case letters, digits, dots and hyphens");
	memcpy(s->sc_bucket, v, len + 1);
	v = get(ctx, "OTS_S3_REGION");
	if (v != NULL && v[0] != '\0') {
		if (!only(v, LOWER_DIGITS "-") ||
		    strlen(v) >= sizeof(s->sc_region))
			return bad(err, errlen, "OTS_S3_REGION", "must be a "
			    "region name such as us-east-1");
		memcpy(s->sc_region, v, strlen(v) + 1);
	}
	v = get(ctx, "OTS_S3_ACCESS_KEY");
	if (v == NULL || v[0] == '\0' || strpbrk(v, " \t\r\n") != NULL)
		return bad(err, errlen, "OTS_S3_ACCESS_KEY", "must be set, "
		    "without blanks");
	if ((e = get_str(v, "OTS_S3_ACCESS_KEY", s->sc_access_key,
	    sizeof(s->sc_access_key), err, errlen)) != OTS_OK)
		return e;
	v = get(ctx, "OTS_S3_SECRET_KEY");
	file = get(ctx, "OTS_S3_SECRET_KEY_FILE");
	if ((v != NULL && v[0] != '\0') == (file != NULL && file[0] != '\0'))
		return bad(err, errlen, "OTS_S3_SECRET_KEY", "set it or "
		    "OTS_S3_SECRET_KEY_FILE, one of the two");
	if (file != NULL && file[0] != '\0')
		e = secret_from_file(file, "OTS_S3_SECRET_KEY_FILE",
		    s->sc_secret_key, sizeof(s->sc_secret_key), err, errlen);
	else
		e = get_str(v, "OTS_S3_SECRET_KEY", s->sc_secret_key,
		    sizeof(s->sc_secret_key), err, errlen);
	if (e != OTS_OK)
		return e;
	v = get(ctx, "OTS_S3_ADDRESSING");
	if (v != NULL && v[0] != '\0') {
		if (strcmp(v, "virtual") != 0 && strcmp(v, "path") != 0)
			return bad(err, errlen, "OTS_S3_ADDRESSING", "must be "
			    "path (host/bucket/key) or virtual "
			    "(bucket.host/key)");
		s->sc_virtual_host = strcmp(v, "virtual") == 0;
	}
	v = get(ctx, "OTS_S3_PART_SIZE");
	if (v != NULL && v[0] != '\0') {
		if (ots_parse_size(v, strlen(v), &n) != OTS_OK ||
		    n < OTS_S3_PART_MIN || n > 5ull << 30)
			return bad(err, errlen, "OTS_S3_PART_SIZE", "must be a "
			    "size from 5M to 5G");
		s->sc_part_size = n;
	}
	/* A one-request end-to-end upload names its id: one exclusive PUT. */
	if (s->sc_part_size < c->c_part_max)
		return bad(err, errlen, "OTS_S3_PART_SIZE", "must be at least "
		    "OTS_UPLOAD_PART_MAX");
	v = get(ctx, "OTS_S3_TIMEOUT_MS");
	if (v != NULL && v[0] != '\0') {
		if ((e = get_uint(v, "OTS_S3_TIMEOUT_MS", 100, 600000, &n, err,
		    errlen)) != OTS_OK)
			return e;
		c->c_s3_timeout_ms = (unsigned)n;
	}
	return OTS_OK;
}

enum ots_err
ots_cfg_load(struct ots_cfg *c, ots_cfg_get_fn get, void *ctx, char *err,
    size_t errlen)
{
	const char *v;
	uint64_t n = 0;
	enum ots_err e = OTS_OK;

	ots_cfg_defaults(c);
	err[0] = '\0';

#define GET(name) ((v = get(ctx, name)) != NULL && v[0] != '\0')

	if ((e = load_redis(&c->c_redis, "OTS_REDIS", get, ctx, err,
	    errlen)) != OTS_OK || (e = load_redis(&c->c_limits,
	    "OTS_REDIS_LIMITS", get, ctx, err, errlen)) != OTS_OK)
		return e;
	if (GET("OTS_REDIS_TIMEOUT_MS")) {
		if ((e = get_uint(v, "OTS_REDIS_TIMEOUT_MS", 10, 60000, &n,
		    err, errlen)) != OTS_OK)
			return e;
		c->c_redis_timeout_ms = (unsigned)n;
	}
	if (GET("OTS_REDIS_WAIT_REPLICAS")) {
		if ((e = get_uint(v, "OTS_REDIS_WAIT_REPLICAS", 0, 16, &n, err,
		    errlen)) != OTS_OK)
			return e;
		c->c_redis.ra_wait_replicas = (unsigned)n;
	}
	if (GET("OTS_REDIS_WAIT_MS")) {
		if ((e = get_uint(v, "OTS_REDIS_WAIT_MS", 1, 60000, &n, err,
		    errlen)) != OTS_OK)
			return e;
		c->c_redis.ra_wait_ms = (unsigned)n;
	}
	if (GET("OTS_DATA_DIR")) {
		if (v[0] != '/')
			return bad(err, errlen, "OTS_DATA_DIR",
			    "must be an absolute path");
		if ((e = get_str(v, "OTS_DATA_DIR", c->c_data_dir,
		    sizeof(c->c_data_dir), err, errlen)) != OTS_OK)
			return e;
	}
	if (GET("OTS_BASE_URL") && (e = parse_base_url(c, v, err, errlen)) !=
	    OTS_OK)
		return e;
	if (GET("OTS_MAX_SIZE")) {
		if (ots_parse_size(v, strlen(v), &c->c_max_size) !=
		    OTS_OK || c->c_max_size == 0 ||
		    c->c_max_size > OTS_MAX_SIZE_CEILING)
			return bad(err, errlen, "OTS_MAX_SIZE",
			    "must be a size from 1 byte to 64G, like 1G or "
			    "512M");
	}
	if (GET("OTS_EXPIRY_MIN") && (e = get_duration(v, "OTS_EXPIRY_MIN", 1,
	    &c->c_expiry_min, err, errlen)) != OTS_OK)
		return e;
	if (GET("OTS_EXPIRY_MAX") && (e = get_duration(v, "OTS_EXPIRY_MAX", 1,
	    &c->c_expiry_max, err, errlen)) != OTS_OK)
		return e;
	if (GET("OTS_EXPIRY_DEFAULT") && (e = get_duration(v,
	    "OTS_EXPIRY_DEFAULT", 1, &c->c_expiry_default, err, errlen)) !=
	    OTS_OK)
		return e;
	if (c->c_expiry_min > c->c_expiry_max)
		return bad(err, errlen, "OTS_EXPIRY_MIN",
		    "is above OTS_EXPIRY_MAX");
	if (c->c_expiry_default < c->c_expiry_min ||
	    c->c_expiry_default > c->c_expiry_max)
		return bad(err, errlen, "OTS_EXPIRY_DEFAULT",
		    "must lie within OTS_EXPIRY_MIN and OTS_EXPIRY_MAX");
	if (GET("OTS_TOMBSTONE_TTL") && (e = get_duration(v,
	    "OTS_TOMBSTONE_TTL", 60, &c->c_tombstone_ttl, err, errlen)) !=
	    OTS_OK)
		return e;
	if ((e = load_password(c, get, ctx, err, errlen)) != OTS_OK ||
	    (e = load_rates(c, get, ctx, err, errlen)) != OTS_OK)
		return e;
	if (GET("OTS_TRUSTED_PROXIES") && ots_net_parse_cidrs(v,
	    &c->c_trusted) != OTS_OK)
		return bad(err, errlen, "OTS_TRUSTED_PROXIES", "must be a "
		    "comma-separated list of addresses or CIDR blocks "
		    "(at most 32)");
	if ((e = load_transfers(c, get, ctx, err, errlen)) != OTS_OK ||
	    (e = load_e2e(c, get, ctx, err, errlen)) != OTS_OK ||
	    (e = load_storage(c, get, ctx, err, errlen)) != OTS_OK)
		return e;
	if (GET("OTS_SWEEP_INTERVAL") && (e = get_duration(v,
	    "OTS_SWEEP_INTERVAL", 1, &c->c_sweep_interval, err, errlen)) !=
	    OTS_OK)
		return e;
	if (GET("OTS_SWEEP_GRACE") && (e = get_duration(v, "OTS_SWEEP_GRACE",
	    1, &c->c_sweep_grace, err, errlen)) != OTS_OK)
		return e;
	if (GET("OTS_PART_MAX_AGE") && (e = get_duration(v,
	    "OTS_PART_MAX_AGE", 60, &c->c_part_max_age, err, errlen)) !=
	    OTS_OK)
		return e;
	if (c->c_sweep_interval > 3600)
		return bad(err, errlen, "OTS_SWEEP_INTERVAL",
		    "must be at most 1h");
	if (GET("OTS_ADMIN_TOKEN_HASH")) {
		size_t i, hlen = strlen(v);

		for (i = 0; i < hlen; i++) {
			if (!((v[i] >= '0' && v[i] <= '9') ||
			    (v[i] >= 'a' && v[i] <= 'f')))
				break;
		}
		if (hlen != 64 || i != hlen)
			return bad(err, errlen, "OTS_ADMIN_TOKEN_HASH", "must be "
			    "the 64 hex digits printed by onetimeshare-fcgi "
			    "--hash-admin-token");
		memcpy(c->c_admin_hash, v, 65);
	}
	if (GET("OTS_DURABLE")) {
		if (strcmp(v, "1") == 0)
			c->c_durable = true;
		else if (strcmp(v, "0") == 0)
			c->c_durable = false;
		else
			return bad(err, errlen, "OTS_DURABLE", "must be 1 or 0");
	}
	if (GET("OTS_THREADS")) {
		if ((e = get_uint(v, "OTS_THREADS", 1, 256, &n, err, errlen)) !=
		    OTS_OK)
			return e;
		c->c_threads = (unsigned)n;
	}
	if (GET("OTS_DRAIN_MS")) {
		if ((e = get_uint(v, "OTS_DRAIN_MS", 0, 600000, &n, err,
		    errlen)) != OTS_OK)
			return e;
		c->c_drain_ms = (unsigned)n;
	}
	if (GET("OTS_LOG_LEVEL")) {
		enum ots_log_level lvl;

		if (ots_log_parse_level(v, &lvl) != OTS_OK)
			return bad(err, errlen, "OTS_LOG_LEVEL",
			    "must be error, warn, info or debug");
		c->c_log_level = (int)lvl;
	}
#undef GET
	return OTS_OK;
}

static enum ots_err
describe_duration(struct ots_buf *o, const char *name, uint64_t secs)
{
	return ots_buf_addf(o, "%s=%llus\n", name, (unsigned long long)secs);
}

static enum ots_err
describe_rate(struct ots_buf *o, const char *name, const struct ots_rl_limit *l)
{
	if (l->rl_count == 0)
		return ots_buf_addf(o, "%s=off\n", name);
	return ots_buf_addf(o, "%s=%llu/%llus\n", name,
	    (unsigned long long)l->rl_count,
	    (unsigned long long)(l->rl_window_ms / 1000));
}

static enum ots_err
describe_redis(struct ots_buf *o, const char *name,
    const struct ots_rds_addr *r)
{
	enum ots_err e;
	unsigned i;

	if (r->ra_ncluster > 0) {
		e = ots_buf_addf(o, "%s_CLUSTER=", name);
		for (i = 0; e == OTS_OK && i < r->ra_ncluster; i++)
			e = ots_buf_addf(o, "%s%s:%u", i > 0 ? "," : "",
			    r->ra_cluster[i].rn_host, r->ra_cluster[i].rn_port);
		if (e == OTS_OK)
			e = ots_buf_adds(o, "\n");
	} else if (r->ra_nsentinels > 0) {
		e = ots_buf_addf(o, "%s_SENTINELS=", name);
		for (i = 0; e == OTS_OK && i < r->ra_nsentinels; i++)
			e = ots_buf_addf(o, "%s%s:%u", i > 0 ? "," : "",
			    r->ra_sentinels[i].rn_host,
			    r->ra_sentinels[i].rn_port);
		if (e == OTS_OK)
			e = ots_buf_addf(o, "\n%s_MASTER_NAME=%s\n"
			    "%s_SENTINEL_PASSWORD=%s\n", name, r->ra_master,
			    name, r->ra_sentinel_password[0] != '\0' ?
			    "(set, hidden)" : "");
	} else if (r->ra_path[0] != '\0')
		e = ots_buf_addf(o, "%s=unix:%s\n", name, r->ra_path);
	else
		e = ots_buf_addf(o, "%s=%s:%u\n", name, r->ra_host, r->ra_port);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "%s_PASSWORD=%s\n%s_DB=%u\n", name,
		    r->ra_password[0] != '\0' ? "(set, hidden)" : "", name,
		    r->ra_db);
	return e;
}

static enum ots_err
describe_storage(struct ots_buf *o, const struct ots_cfg *c)
{
	const struct ots_s3_conf *s = &c->c_s3conf;

	if (!c->c_s3)
		return ots_buf_adds(o, "OTS_STORAGE=disk\n");
	return ots_buf_addf(o, "OTS_STORAGE=s3\nOTS_S3_ENDPOINT=%s\n"
	    "OTS_S3_BUCKET=%s\nOTS_S3_REGION=%s\nOTS_S3_ACCESS_KEY=(set)\n"
	    "OTS_S3_SECRET_KEY=(set, hidden)\nOTS_S3_ADDRESSING=%s\n"
	    "OTS_S3_PART_SIZE=%llu\nOTS_S3_TIMEOUT_MS=%u\n", s->sc_endpoint,
	    s->sc_bucket, s->sc_region,
	    s->sc_virtual_host ? "virtual" : "path",
	    (unsigned long long)s->sc_part_size, c->c_s3_timeout_ms);
}

static const char *const log_levels[] = { "error", "warn", "info", "debug" };

enum ots_err
ots_cfg_describe(const struct ots_cfg *c, struct ots_buf *o)
{
	enum ots_err e;

	e = describe_redis(o, "OTS_REDIS", &c->c_redis);
	if (e == OTS_OK)
		e = describe_redis(o, "OTS_REDIS_LIMITS", &c->c_limits);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_REDIS_WAIT_REPLICAS=%u\n"
		    "OTS_REDIS_WAIT_MS=%u\n", c->c_redis.ra_wait_replicas,
		    c->c_redis.ra_wait_ms);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_REDIS_TIMEOUT_MS=%u\n"
		    "OTS_DATA_DIR=%s\nOTS_BASE_URL=%s\nOTS_MAX_SIZE=%llu\n",
		    c->c_redis_timeout_ms, c->c_data_dir,
		    c->c_base_url, (unsigned long long)c->c_max_size);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_EXPIRY_DEFAULT",
		    c->c_expiry_default);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_EXPIRY_MIN", c->c_expiry_min);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_EXPIRY_MAX", c->c_expiry_max);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_TOMBSTONE_TTL",
		    c->c_tombstone_ttl);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_ARGON2_MEMORY=%uK\nOTS_ARGON2_TIME=%u\n"
		    "OTS_ARGON2_LANES=%u\nOTS_ARGON2_CONCURRENCY=%u\n"
		    "OTS_ARGON2_WAIT_MS=%u\nOTS_PASSWORD_MAX=%u\n"
		    "OTS_PASSWORD_ATTEMPTS=%u\n", c->c_argon2.kp_mem_kib,
		    c->c_argon2.kp_time, c->c_argon2.kp_lanes,
		    c->c_argon2_slots, c->c_argon2_wait_ms, c->c_password_max,
		    c->c_attempts);
	if (e == OTS_OK)
		e = describe_rate(o, "OTS_RATE_UPLOAD", &c->c_rate[OTS_RL_UPLOAD]);
	if (e == OTS_OK)
		e = describe_rate(o, "OTS_RATE_CLAIM", &c->c_rate[OTS_RL_CLAIM]);
	if (e == OTS_OK)
		e = describe_rate(o, "OTS_RATE_META", &c->c_rate[OTS_RL_META]);
	if (e == OTS_OK)
		e = describe_rate(o, "OTS_RATE_ADMIN_FAIL",
		    &c->c_rate[OTS_RL_ADMIN_FAIL]);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_TRUSTED_PROXIES=%zu entr%s\n",
		    c->c_trusted.n_count, c->c_trusted.n_count == 1 ? "y" : "ies");
	if (e == OTS_OK && c->c_client_transfers == 0)
		e = ots_buf_adds(o, "OTS_CLIENT_TRANSFERS=off\n");
	else if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_CLIENT_TRANSFERS=%u\n",
		    c->c_client_transfers);
	if (e == OTS_OK && c->c_min_rate == 0)
		e = ots_buf_adds(o, "OTS_TRANSFER_MIN_RATE=off\n");
	else if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_TRANSFER_MIN_RATE=%llu\n",
		    (unsigned long long)c->c_min_rate);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_TRANSFER_WINDOW",
		    c->c_rate_window_ms / 1000);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_READY_MIN_FREE=%llu\n",
		    (unsigned long long)c->c_ready_min_free);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_E2E=%s\nOTS_UPLOAD_PART_MAX=%llu\n",
		    c->c_e2e ? "on" : "off",
		    (unsigned long long)c->c_part_max);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_UPLOAD_IDLE", c->c_upload_idle);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_UPLOAD_MAX_AGE",
		    c->c_upload_max_age);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_CLAIM_LEASE", c->c_claim_lease);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_SENDFILE=%s\nOTS_E2E_BLOB_MAX=%llu\n",
		    c->c_sendfile_lighttpd ? "x-sendfile" : "x-accel-redirect",
		    (unsigned long long)c->c_blob_max);
	if (e == OTS_OK)
		e = describe_storage(o, c);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_SWEEP_INTERVAL",
		    c->c_sweep_interval);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_SWEEP_GRACE", c->c_sweep_grace);
	if (e == OTS_OK)
		e = describe_duration(o, "OTS_PART_MAX_AGE", c->c_part_max_age);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_ADMIN_TOKEN_HASH=%s\nOTS_DURABLE=%d\n"
		    "OTS_THREADS=%u\nOTS_DRAIN_MS=%u\n",
		    c->c_admin_hash[0] != '\0' ? "(set)" : "(unset: admin API off)",
		    c->c_durable ? 1 : 0, c->c_threads, c->c_drain_ms);
	if (e == OTS_OK)
		e = ots_buf_addf(o, "OTS_LOG_LEVEL=%s\n",
		    c->c_log_level >= 0 && c->c_log_level <= 3 ?
		    log_levels[c->c_log_level] : "info");
	return e;
}
