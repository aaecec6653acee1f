/*
 * ots_cfg: configuration from OTS_* variables, read through a getter over
 * a fixed table so that no test touches the process environment.
 */
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ots_cfg.h"
#include "ots_kdf.h"
#include "ots_limits.h"
#include "ots_log.h"
#include "ots_net.h"

TestSuite(cfg, .timeout = 10);

/* A fake environment: name/value pairs ending in a NULL name. */
struct env {
	const char *name;
	const char *value;
};

static const char *
env_get(void *ctx, const char *name)
{
	const struct env *e = ctx;

	for (; e->name != NULL; e++) {
		if (strcmp(e->name, name) == 0)
			return e->value;
	}
	return NULL;
}

static enum ots_err
load(const struct env *env, struct ots_cfg *c, char *err, size_t errlen)
{
	memset(err, 'Z', errlen);
	err[errlen - 1] = '\0';
	return ots_cfg_load(c, env_get, (void *)(uintptr_t)env, err, errlen);
}

/* Loading one variable succeeds. */
static void
load_one(const char *name, const char *value, struct ots_cfg *c)
{
	const struct env env[] = { { name, value }, { NULL, NULL } };
	char err[256];
	enum ots_err e;

	e = load(env, c, err, sizeof(err));
	cr_assert_eq(e, OTS_OK, "%s=%s: %s (%s)", name, value, ots_err_str(e),
	    err);
	cr_assert_str_eq(err, "", "message set on success");
}

/* Loading one variable fails with a message that names it. */
static void
assert_rejected(const char *name, const char *value, const char *blamed)
{
	const struct env env[] = { { name, value }, { NULL, NULL } };
	struct ots_cfg c;
	char err[256];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_ERR_INVAL,
	    "%s='%s' accepted", name, value);
	cr_assert_not_null(strstr(err, blamed), "%s='%s': message '%s' does "
	    "not name %s", name, value, err, blamed);
}

Test(cfg, empty_environment_gives_defaults)
{
	static const struct env none[] = { { NULL, NULL } };
	struct ots_cfg c, d;
	char err[128];

	cr_assert_eq(load(none, &c, err, sizeof(err)), OTS_OK);
	ots_cfg_defaults(&d);
	cr_assert(memcmp(&c, &d, sizeof(c)) == 0);
}

Test(cfg, defaults_are_sane)
{
	struct ots_cfg c;

	ots_cfg_defaults(&c);
	cr_assert_eq(c.c_redis.ra_path[0], '/');
	cr_assert_eq(c.c_data_dir[0], '/');
	cr_assert_eq(strncmp(c.c_base_url, "http", 4), 0);
	cr_assert_neq(c.c_base_url[strlen(c.c_base_url) - 1], '/');
	cr_assert_eq(c.c_max_size, OTS_MAX_SIZE_DEFAULT);
	cr_assert_leq(c.c_expiry_min, c.c_expiry_default);
	cr_assert_leq(c.c_expiry_default, c.c_expiry_max);
	cr_assert_geq(c.c_threads, 1u);
	cr_assert_leq(c.c_threads, 256u);
	cr_assert_str_eq(c.c_redis.ra_password, "");
}

Test(cfg, empty_value_counts_as_unset)
{
	static const struct env env[] = { { "OTS_THREADS", "" },
		{ "OTS_BASE_URL", "" }, { NULL, NULL } };
	struct ots_cfg c, d;
	char err[128];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK);
	ots_cfg_defaults(&d);
	cr_assert(memcmp(&c, &d, sizeof(c)) == 0);
}

Test(cfg, redis_unix_socket)
{
	struct ots_cfg c;

	load_one("OTS_REDIS", "unix:/tmp/redis test.sock", &c);
	cr_assert_str_eq(c.c_redis.ra_path, "/tmp/redis test.sock");
	cr_assert_str_eq(c.c_redis.ra_host, "");
}

Test(cfg, redis_host_and_port)
{
	struct ots_cfg c;

	load_one("OTS_REDIS", "redis.internal:6380", &c);
	cr_assert_str_eq(c.c_redis.ra_host, "redis.internal");
	cr_assert_eq(c.c_redis.ra_port, 6380u);
	cr_assert_str_eq(c.c_redis.ra_path, "", "TCP must clear the socket path");
}

Test(cfg, redis_bad_forms_are_rejected)
{
	assert_rejected("OTS_REDIS", "localhost", "OTS_REDIS");
	assert_rejected("OTS_REDIS", ":6379", "OTS_REDIS");
	assert_rejected("OTS_REDIS", "host:", "OTS_REDIS");
	assert_rejected("OTS_REDIS", "host:0", "OTS_REDIS");
	assert_rejected("OTS_REDIS", "host:65536", "OTS_REDIS");
	assert_rejected("OTS_REDIS", "host:http", "OTS_REDIS");
	assert_rejected("OTS_REDIS", "unix:relative.sock", "OTS_REDIS");
	assert_rejected("OTS_REDIS", "unix:", "OTS_REDIS");
}

Test(cfg, redis_password_db_and_timeout)
{
	static const struct env env[] = {
		{ "OTS_REDIS_PASSWORD", "s3cr3t pass" },
		{ "OTS_REDIS_DB", "3" },
		{ "OTS_REDIS_TIMEOUT_MS", "250" },
		{ NULL, NULL } };
	struct ots_cfg c;
	char err[128];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_str_eq(c.c_redis.ra_password, "s3cr3t pass");
	cr_assert_eq(c.c_redis.ra_db, 3u);
	cr_assert_eq(c.c_redis_timeout_ms, 250u);
}

Test(cfg, redis_password_error_does_not_repeat_it)
{
	static const struct env env[] = {
		{ "OTS_REDIS_PASSWORD", "hunter2\x01" }, { NULL, NULL } };
	struct ots_cfg c;
	char err[256];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_ERR_INVAL);
	cr_assert_not_null(strstr(err, "OTS_REDIS_PASSWORD"), "%s", err);
	cr_assert_null(strstr(err, "hunter2"), "%s", err);
}

Test(cfg, redis_numbers_out_of_range_are_rejected)
{
	assert_rejected("OTS_REDIS_DB", "-1", "OTS_REDIS_DB");
	assert_rejected("OTS_REDIS_DB", "x", "OTS_REDIS_DB");
	assert_rejected("OTS_REDIS_TIMEOUT_MS", "9", "OTS_REDIS_TIMEOUT_MS");
	assert_rejected("OTS_REDIS_TIMEOUT_MS", "60001",
	    "OTS_REDIS_TIMEOUT_MS");
}

Test(cfg, data_dir_absolute)
{
	struct ots_cfg c;

	load_one("OTS_DATA_DIR", "/srv/ots data", &c);
	cr_assert_str_eq(c.c_data_dir, "/srv/ots data");
}

Test(cfg, data_dir_relative_is_rejected)
{
	assert_rejected("OTS_DATA_DIR", "var/lib/ots", "OTS_DATA_DIR");
	assert_rejected("OTS_DATA_DIR", "./data", "OTS_DATA_DIR");
	assert_rejected("OTS_DATA_DIR", "~/data", "OTS_DATA_DIR");
}

Test(cfg, data_dir_with_control_char_is_rejected)
{
	assert_rejected("OTS_DATA_DIR", "/srv/a\nb", "OTS_DATA_DIR");
}

Test(cfg, data_dir_too_long_is_rejected)
{
	char v[OTS_CFG_PATH_MAX + 1];

	memset(v, 'd', sizeof(v) - 1);
	v[0] = '/';
	v[sizeof(v) - 1] = '\0';
	assert_rejected("OTS_DATA_DIR", v, "OTS_DATA_DIR");
}

Test(cfg, base_url_is_kept)
{
	struct ots_cfg c;

	load_one("OTS_BASE_URL", "https://share.example.org/ots", &c);
	cr_assert_str_eq(c.c_base_url, "https://share.example.org/ots");
}

Test(cfg, base_url_trailing_slash_is_removed)
{
	struct ots_cfg c;

	load_one("OTS_BASE_URL", "https://share.example.org/", &c);
	cr_assert_str_eq(c.c_base_url, "https://share.example.org");
	load_one("OTS_BASE_URL", "http://127.0.0.1:8080/ots///", &c);
	cr_assert_str_eq(c.c_base_url, "http://127.0.0.1:8080/ots");
}

Test(cfg, base_url_without_scheme_is_rejected)
{
	assert_rejected("OTS_BASE_URL", "share.example.org", "OTS_BASE_URL");
	assert_rejected("OTS_BASE_URL", "ftp://share.example.org",
	    "OTS_BASE_URL");
	assert_rejected("OTS_BASE_URL", "//share.example.org", "OTS_BASE_URL");
}

Test(cfg, base_url_with_unsafe_chars_is_rejected)
{
	assert_rejected("OTS_BASE_URL", "https://a.example/x y",
	    "OTS_BASE_URL");
	assert_rejected("OTS_BASE_URL", "https://a.example/?q", "OTS_BASE_URL");
	assert_rejected("OTS_BASE_URL", "https://a.example/#f", "OTS_BASE_URL");
	assert_rejected("OTS_BASE_URL", "https://a.example/\"", "OTS_BASE_URL");
}

/*
 * A scheme alone has no host: once its slashes are stripped as
 * "trailing", links would read "https:/d/ID".
 */
Test(cfg, base_url_without_host_is_rejected)
{
	assert_rejected("OTS_BASE_URL", "https://", "OTS_BASE_URL");
	assert_rejected("OTS_BASE_URL", "http:///", "OTS_BASE_URL");
}

Test(cfg, max_size_with_suffix)
{
	struct ots_cfg c;

	load_one("OTS_MAX_SIZE", "512M", &c);
	cr_assert_eq(c.c_max_size, 512ull << 20);
	load_one("OTS_MAX_SIZE", "64G", &c);
	cr_assert_eq(c.c_max_size, OTS_MAX_SIZE_CEILING);
	load_one("OTS_MAX_SIZE", "1", &c);
	cr_assert_eq(c.c_max_size, 1u);
}

Test(cfg, max_size_bad_values_are_rejected)
{
	assert_rejected("OTS_MAX_SIZE", "0", "OTS_MAX_SIZE");
	assert_rejected("OTS_MAX_SIZE", "65G", "OTS_MAX_SIZE");
	assert_rejected("OTS_MAX_SIZE", "1T", "OTS_MAX_SIZE");
	assert_rejected("OTS_MAX_SIZE", "lots", "OTS_MAX_SIZE");
	assert_rejected("OTS_MAX_SIZE", "1.5G", "OTS_MAX_SIZE");
	assert_rejected("OTS_MAX_SIZE", "-1", "OTS_MAX_SIZE");
}

Test(cfg, expiry_settings)
{
	static const struct env env[] = {
		{ "OTS_EXPIRY_MIN", "1m" },
		{ "OTS_EXPIRY_MAX", "2w" },
		{ "OTS_EXPIRY_DEFAULT", "3d" },
		{ "OTS_TOMBSTONE_TTL", "1h" },
		{ NULL, NULL } };
	struct ots_cfg c;
	char err[128];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_eq(c.c_expiry_min, 60u);
	cr_assert_eq(c.c_expiry_max, 14u * 86400u);
	cr_assert_eq(c.c_expiry_default, 3u * 86400u);
	cr_assert_eq(c.c_tombstone_ttl, 3600u);
}

Test(cfg, expiry_default_below_min_is_rejected)
{
	/* Defaults: min 5m, max 7d. */
	assert_rejected("OTS_EXPIRY_DEFAULT", "1m", "OTS_EXPIRY_DEFAULT");
}

Test(cfg, expiry_default_above_max_is_rejected)
{
	assert_rejected("OTS_EXPIRY_DEFAULT", "8d", "OTS_EXPIRY_DEFAULT");
}

Test(cfg, expiry_default_bad_syntax_is_rejected)
{
	assert_rejected("OTS_EXPIRY_DEFAULT", "1 day", "OTS_EXPIRY_DEFAULT");
	assert_rejected("OTS_EXPIRY_DEFAULT", "0", "OTS_EXPIRY_DEFAULT");
}

Test(cfg, expiry_min_above_max_is_rejected)
{
	static const struct env env[] = {
		{ "OTS_EXPIRY_MIN", "2d" },
		{ "OTS_EXPIRY_MAX", "1d" },
		{ NULL, NULL } };
	struct ots_cfg c;
	char err[256];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_ERR_INVAL);
	cr_assert_not_null(strstr(err, "OTS_EXPIRY_MIN"), "%s", err);
}

Test(cfg, tombstone_ttl_below_a_minute_is_rejected)
{
	assert_rejected("OTS_TOMBSTONE_TTL", "59", "OTS_TOMBSTONE_TTL");
}

Test(cfg, threads_and_drain)
{
	struct ots_cfg c;

	load_one("OTS_THREADS", "1", &c);
	cr_assert_eq(c.c_threads, 1u);
	load_one("OTS_THREADS", "256", &c);
	cr_assert_eq(c.c_threads, 256u);
	load_one("OTS_DRAIN_MS", "0", &c);
	cr_assert_eq(c.c_drain_ms, 0u);
}

Test(cfg, durable_is_the_default_and_can_be_turned_off)
{
	struct ots_cfg c;

	ots_cfg_defaults(&c);
	cr_assert(c.c_durable);
	load_one("OTS_DURABLE", "0", &c);
	cr_assert_not(c.c_durable);
	load_one("OTS_DURABLE", "1", &c);
	cr_assert(c.c_durable);
	assert_rejected("OTS_DURABLE", "yes", "OTS_DURABLE");
	assert_rejected("OTS_DURABLE", "2", "OTS_DURABLE");
}

Test(cfg, threads_out_of_range_are_rejected)
{
	assert_rejected("OTS_THREADS", "0", "OTS_THREADS");
	assert_rejected("OTS_THREADS", "257", "OTS_THREADS");
	assert_rejected("OTS_THREADS", "08", "OTS_THREADS");
	assert_rejected("OTS_THREADS", "eight", "OTS_THREADS");
	assert_rejected("OTS_DRAIN_MS", "600001", "OTS_DRAIN_MS");
}

Test(cfg, log_level)
{
	struct ots_cfg c;

	load_one("OTS_LOG_LEVEL", "debug", &c);
	cr_assert_eq(c.c_log_level, (int)OTS_LOG_DEBUG);
	load_one("OTS_LOG_LEVEL", "error", &c);
	cr_assert_eq(c.c_log_level, (int)OTS_LOG_ERR);
}

Test(cfg, log_level_bogus_is_rejected)
{
	assert_rejected("OTS_LOG_LEVEL", "bogus", "OTS_LOG_LEVEL");
	assert_rejected("OTS_LOG_LEVEL", "verbose", "OTS_LOG_LEVEL");
}

Test(cfg, short_error_buffer_is_terminated)
{
	static const struct env env[] = { { "OTS_THREADS", "0" },
		{ NULL, NULL } };
	struct ots_cfg c;
	char err[8];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_ERR_INVAL);
	cr_assert_eq(strnlen(err, sizeof(err)), sizeof(err) - 1);
	cr_assert_eq(strncmp(err, "OTS_THR", 7), 0, "'%s'", err);
}

Test(cfg, default_argon2_cost_is_within_bounds)
{
	struct ots_cfg c;

	ots_cfg_defaults(&c);
	cr_assert(ots_kdf_params_ok(&c.c_argon2));
	cr_assert_geq(c.c_argon2_slots, 1u);
	cr_assert_geq(c.c_attempts, 1u);
	cr_assert_eq(c.c_trusted.n_count, 0u);
}

Test(cfg, password_settings)
{
	static const struct env env[] = {
		{ "OTS_ARGON2_MEMORY", "16M" },
		{ "OTS_ARGON2_TIME", "2" },
		{ "OTS_ARGON2_LANES", "4" },
		{ "OTS_ARGON2_CONCURRENCY", "3" },
		{ "OTS_ARGON2_WAIT_MS", "100" },
		{ "OTS_PASSWORD_MAX", "256" },
		{ "OTS_PASSWORD_ATTEMPTS", "3" },
		{ NULL, NULL } };
	struct ots_cfg c;
	char err[128];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_eq(c.c_argon2.kp_mem_kib, 16u * 1024u);
	cr_assert_eq(c.c_argon2.kp_time, 2u);
	cr_assert_eq(c.c_argon2.kp_lanes, 4u);
	cr_assert(ots_kdf_params_ok(&c.c_argon2));
	cr_assert_eq(c.c_argon2_slots, 3u);
	cr_assert_eq(c.c_argon2_wait_ms, 100u);
	cr_assert_eq(c.c_password_max, 256u);
	cr_assert_eq(c.c_attempts, 3u);
}

Test(cfg, password_settings_out_of_range_are_rejected)
{
	assert_rejected("OTS_ARGON2_MEMORY", "512K", "OTS_ARGON2_MEMORY");
	assert_rejected("OTS_ARGON2_MEMORY", "2G", "OTS_ARGON2_MEMORY");
	assert_rejected("OTS_ARGON2_MEMORY", "lots", "OTS_ARGON2_MEMORY");
	assert_rejected("OTS_ARGON2_TIME", "0", "OTS_ARGON2_TIME");
	assert_rejected("OTS_ARGON2_TIME", "11", "OTS_ARGON2_TIME");
	assert_rejected("OTS_ARGON2_LANES", "0", "OTS_ARGON2_LANES");
	assert_rejected("OTS_ARGON2_LANES", "5", "OTS_ARGON2_LANES");
	assert_rejected("OTS_ARGON2_CONCURRENCY", "0",
	    "OTS_ARGON2_CONCURRENCY");
	assert_rejected("OTS_ARGON2_CONCURRENCY", "65",
	    "OTS_ARGON2_CONCURRENCY");
	assert_rejected("OTS_ARGON2_WAIT_MS", "60001", "OTS_ARGON2_WAIT_MS");
	assert_rejected("OTS_PASSWORD_MAX", "0", "OTS_PASSWORD_MAX");
	assert_rejected("OTS_PASSWORD_ATTEMPTS", "0",
	    "OTS_PASSWORD_ATTEMPTS");
	assert_rejected("OTS_PASSWORD_ATTEMPTS", "101",
	    "OTS_PASSWORD_ATTEMPTS");
}

Test(cfg, rate_limits)
{
	static const struct env env[] = {
		{ "OTS_RATE_UPLOAD", "10/1m" },
		{ "OTS_RATE_CLAIM", "off" },
		{ "OTS_RATE_META", "1000/1h" },
		{ NULL, NULL } };
	struct ots_cfg c;
	char err[128];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_eq(c.c_rate[OTS_RL_UPLOAD].rl_count, 10u);
	cr_assert_eq(c.c_rate[OTS_RL_UPLOAD].rl_window_ms, 60000u);
	cr_assert_eq(c.c_rate[OTS_RL_CLAIM].rl_count, 0u);
	cr_assert_eq(c.c_rate[OTS_RL_META].rl_window_ms, 3600000u);
}

Test(cfg, bad_rate_limit_is_rejected)
{
	assert_rejected("OTS_RATE_UPLOAD", "fast", "OTS_RATE_UPLOAD");
	assert_rejected("OTS_RATE_CLAIM", "0/1m", "OTS_RATE_CLAIM");
	assert_rejected("OTS_RATE_META", "10/2d", "OTS_RATE_META");
}

Test(cfg, trusted_proxies)
{
	struct ots_cfg c;

	load_one("OTS_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ::1", &c);
	cr_assert_eq(c.c_trusted.n_count, 3u);
	cr_assert(ots_net_match(&c.c_trusted, "10.1.2.3"));
	cr_assert(!ots_net_match(&c.c_trusted, "192.0.2.1"));
}

Test(cfg, bad_trusted_proxies_are_rejected)
{
	assert_rejected("OTS_TRUSTED_PROXIES", "10.0.0.0/99",
	    "OTS_TRUSTED_PROXIES");
	assert_rejected("OTS_TRUSTED_PROXIES", "proxy.local",
	    "OTS_TRUSTED_PROXIES");
}

Test(cfg, sweep_settings)
{
	static const struct env env[] = {
		{ "OTS_SWEEP_INTERVAL", "1h" },
		{ "OTS_SWEEP_GRACE", "1m" },
		{ "OTS_PART_MAX_AGE", "2h" },
		{ NULL, NULL } };
	struct ots_cfg c;
	char err[128];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_eq(c.c_sweep_interval, 3600u);
	cr_assert_eq(c.c_sweep_grace, 60u);
	cr_assert_eq(c.c_part_max_age, 7200u);
}

Test(cfg, bad_sweep_settings_are_rejected)
{
	assert_rejected("OTS_SWEEP_INTERVAL", "2h", "OTS_SWEEP_INTERVAL");
	assert_rejected("OTS_SWEEP_INTERVAL", "0", "OTS_SWEEP_INTERVAL");
	assert_rejected("OTS_PART_MAX_AGE", "59", "OTS_PART_MAX_AGE");
	assert_rejected("OTS_SWEEP_GRACE", "soon", "OTS_SWEEP_GRACE");
}

/* Known answers for ots_parse_duration and ots_parse_size. */
struct num_case {
	char in[32];
	enum ots_err want;
	uint64_t value;
};

Test(cfg, parse_duration_known_answers)
{
	static const struct num_case cases[] = {
		{ "90", OTS_OK, 90 },
		{ "0", OTS_OK, 0 },
		{ "45s", OTS_OK, 45 },
		{ "5m", OTS_OK, 300 },
		{ "24h", OTS_OK, 86400 },
		{ "7d", OTS_OK, 7 * 86400 },
		{ "2w", OTS_OK, 14 * 86400 },
		{ "3660d", OTS_OK, 3660ull * 86400 },	/* exactly 10 years */
		{ "", OTS_ERR_INVAL, 0 },
		{ "s", OTS_ERR_INVAL, 0 },
		{ "1x", OTS_ERR_INVAL, 0 },
		{ "-1", OTS_ERR_INVAL, 0 },
		{ "+1", OTS_ERR_INVAL, 0 },
		{ "01", OTS_ERR_INVAL, 0 },
		{ "5 m", OTS_ERR_INVAL, 0 },
		{ " 5m", OTS_ERR_INVAL, 0 },
		{ "5M", OTS_ERR_INVAL, 0 },
		{ "1.5h", OTS_ERR_INVAL, 0 },
		{ "1hm", OTS_ERR_INVAL, 0 },
		{ "3661d", OTS_ERR_TOOBIG, 0 },
		{ "523w", OTS_ERR_TOOBIG, 0 },
		{ "400000000", OTS_ERR_TOOBIG, 0 },
		{ "18446744073709551615", OTS_ERR_TOOBIG, 0 },
		{ "99999999999999999999w", OTS_ERR_TOOBIG, 0 },
	};

	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(cases); i++) {
		const struct num_case *c = &cases[i];
		uint64_t v = 777;
		enum ots_err e;

		e = ots_parse_duration(c->in, strlen(c->in), &v);

		cr_assert_eq(e, c->want, "'%s': got %s, want %s", c->in,
		    ots_err_str(e), ots_err_str(c->want));
		if (c->want == OTS_OK)
			cr_assert_eq(v, c->value, "'%s' gave %llu", c->in,
			    (unsigned long long)v);
		else
			cr_assert_eq(v, 777u, "'%s' wrote *secs on error",
			    c->in);
	}
}

Test(cfg, parse_size_known_answers)
{
	static const struct num_case cases[] = {
		{ "10", OTS_OK, 10 },
		{ "0", OTS_OK, 0 },
		{ "1K", OTS_OK, 1024 },
		{ "1KiB", OTS_OK, 1024 },
		{ "512M", OTS_OK, 512ull << 20 },
		{ "3MiB", OTS_OK, 3ull << 20 },
		{ "1G", OTS_OK, 1ull << 30 },
		{ "2GiB", OTS_OK, 2ull << 30 },
		{ "1T", OTS_OK, 1ull << 40 },
		{ "1TiB", OTS_OK, 1ull << 40 },
		{ "1.5G", OTS_ERR_INVAL, 0 },
		{ "", OTS_ERR_INVAL, 0 },
		{ "G", OTS_ERR_INVAL, 0 },
		{ "KiB", OTS_ERR_INVAL, 0 },
		{ "1B", OTS_ERR_INVAL, 0 },
		{ "1Gi", OTS_ERR_INVAL, 0 },
		{ "1 G", OTS_ERR_INVAL, 0 },
		{ "-1G", OTS_ERR_INVAL, 0 },
		{ "01M", OTS_ERR_INVAL, 0 },
		{ "1P", OTS_ERR_INVAL, 0 },
	};

	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(cases); i++) {
		const struct num_case *c = &cases[i];
		uint64_t v = 777;
		enum ots_err e;

		e = ots_parse_size(c->in, strlen(c->in), &v);

		cr_assert_eq(e, c->want, "'%s': got %s, want %s", c->in,
		    ots_err_str(e), ots_err_str(c->want));
		if (c->want == OTS_OK)
			cr_assert_eq(v, c->value, "'%s' gave %llu", c->in,
			    (unsigned long long)v);
		else
			cr_assert_eq(v, 777u, "'%s' wrote *bytes on error",
			    c->in);
	}
}

Test(cfg, parse_size_overflow_is_an_error)
{
	uint64_t v = 0;

	/* 2^24 TiB = 2^64 bytes. */
	cr_assert_neq(ots_parse_size("16777216T", 9, &v), OTS_OK);
	cr_assert_eq(ots_parse_size("16777215T", 9, &v), OTS_OK);
	cr_assert_eq(v, 16777215ull << 40);
}

Test(cfg, limits_redis_is_its_own)
{
	static const struct env env[] = {
		{ "OTS_REDIS", "unix:/run/a.sock" },
		{ "OTS_REDIS_LIMITS", "limits.internal:6390" },
		{ "OTS_REDIS_LIMITS_PASSWORD", "lim1ts pass" },
		{ "OTS_REDIS_LIMITS_DB", "2" },
		{ NULL, NULL } };
	struct ots_cfg c, d;
	char err[128];

	ots_cfg_defaults(&d);
	cr_assert_str_eq(d.c_limits.ra_path,
	    "/run/onetimeshare-redis-limits/redis.sock");
	cr_assert_str_neq(d.c_limits.ra_path, d.c_redis.ra_path);
	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_str_eq(c.c_redis.ra_path, "/run/a.sock");
	cr_assert_str_eq(c.c_limits.ra_host, "limits.internal");
	cr_assert_eq(c.c_limits.ra_port, 6390u);
	cr_assert_str_eq(c.c_limits.ra_path, "");
	cr_assert_str_eq(c.c_limits.ra_password, "lim1ts pass");
	cr_assert_eq(c.c_limits.ra_db, 2u);
	cr_assert_str_eq(c.c_redis.ra_password, "");
	assert_rejected("OTS_REDIS_LIMITS", "nowhere", "OTS_REDIS_LIMITS");
	assert_rejected("OTS_REDIS_LIMITS_DB", "x", "OTS_REDIS_LIMITS_DB");
}

Test(cfg, redis_sentinels)
{
	static const struct env env[] = {
		{ "OTS_REDIS_SENTINELS", "s1.internal:26379,s2.internal:26380,"
		    "10.1.2.3:26381" },
		{ "OTS_REDIS_MASTER_NAME", "ots" },
		{ "OTS_REDIS_SENTINEL_PASSWORD", "sent pass" },
		{ "OTS_REDIS_PASSWORD", "prim pass" },
		{ NULL, NULL } };
	static const struct env both[] = {
		{ "OTS_REDIS", "unix:/run/a.sock" },
		{ "OTS_REDIS_SENTINELS", "s1:26379" },
		{ "OTS_REDIS_MASTER_NAME", "ots" },
		{ NULL, NULL } };
	static const struct env nameless[] = {
		{ "OTS_REDIS_SENTINELS", "s1:26379" }, { NULL, NULL } };
	struct ots_cfg c;
	struct ots_buf o;
	char err[160];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_eq(c.c_redis.ra_nsentinels, 3u);
	cr_assert_str_eq(c.c_redis.ra_sentinels[0].rn_host, "s1.internal");
	cr_assert_eq(c.c_redis.ra_sentinels[0].rn_port, 26379u);
	cr_assert_str_eq(c.c_redis.ra_sentinels[1].rn_host, "s2.internal");
	cr_assert_eq(c.c_redis.ra_sentinels[2].rn_port, 26381u);
	cr_assert_str_eq(c.c_redis.ra_master, "ots");
	cr_assert_str_eq(c.c_redis.ra_sentinel_password, "sent pass");
	cr_assert_str_eq(c.c_redis.ra_password, "prim pass");
	cr_assert_eq(c.c_limits.ra_nsentinels, 0u);
	cr_assert_eq(c.c_redis.ra_wait_replicas, 0u, "WAIT is opt-in");
	cr_assert_eq(c.c_redis.ra_wait_ms, 1000u);
	ots_buf_init(&o, 4096);
	cr_assert_eq(ots_cfg_describe(&c, &o), OTS_OK);
	cr_assert_not_null(strstr((const char *)o.b_data,
	    "OTS_REDIS_SENTINELS=s1.internal:26379,s2.internal:26380,"
	    "10.1.2.3:26381\nOTS_REDIS_MASTER_NAME=ots\n"
	    "OTS_REDIS_SENTINEL_PASSWORD=(set, hidden)\n"));
	cr_assert_null(strstr((const char *)o.b_data, "sent pass"));
	ots_buf_release(&o);

	cr_assert_eq(load(both, &c, err, sizeof(err)), OTS_ERR_INVAL);
	cr_assert_not_null(strstr(err, "OTS_REDIS_SENTINELS"), "%s", err);
	cr_assert_eq(load(nameless, &c, err, sizeof(err)), OTS_ERR_INVAL);
	cr_assert_not_null(strstr(err, "OTS_REDIS_MASTER_NAME"), "%s", err);
	load_one("OTS_REDIS_WAIT_REPLICAS", "2", &c);
	cr_assert_eq(c.c_redis.ra_wait_replicas, 2u);
	load_one("OTS_REDIS_WAIT_MS", "250", &c);
	cr_assert_eq(c.c_redis.ra_wait_ms, 250u);
	assert_rejected("OTS_REDIS_WAIT_REPLICAS", "17", "OTS_REDIS_WAIT_REPLICAS");
	assert_rejected("OTS_REDIS_WAIT_MS", "0", "OTS_REDIS_WAIT_MS");
	assert_rejected("OTS_REDIS_MASTER_NAME", "ots", "OTS_REDIS_MASTER_NAME");
	assert_rejected("OTS_REDIS_SENTINELS", "s1:26379,", "OTS_REDIS_SENTINELS");
	assert_rejected("OTS_REDIS_SENTINELS", "s1", "OTS_REDIS_SENTINELS");
	assert_rejected("OTS_REDIS_SENTINELS", "unix:/a.sock",
	    "OTS_REDIS_SENTINELS");
	assert_rejected("OTS_REDIS_SENTINELS", "a:1,b:2,c:3,d:4,e:5,f:6,g:7,"
	    "h:8,i:9", "OTS_REDIS_SENTINELS");
}

Test(cfg, redis_cluster)
{
	static const struct env env[] = {
		{ "OTS_REDIS_CLUSTER", "r1.internal:7000,r2.internal:7001" },
		{ "OTS_REDIS_PASSWORD", "node pass" },
		{ "OTS_REDIS_LIMITS_CLUSTER", "r3.internal:7002" },
		{ NULL, NULL } };
	static const struct env direct[] = {
		{ "OTS_REDIS", "127.0.0.1:6379" },
		{ "OTS_REDIS_CLUSTER", "r1:7000" }, { NULL, NULL } };
	static const struct env sentinels[] = {
		{ "OTS_REDIS_SENTINELS", "s1:26379" },
		{ "OTS_REDIS_MASTER_NAME", "ots" },
		{ "OTS_REDIS_CLUSTER", "r1:7000" }, { NULL, NULL } };
	static const struct env db[] = {
		{ "OTS_REDIS_CLUSTER", "r1:7000" },
		{ "OTS_REDIS_DB", "2" }, { NULL, NULL } };
	struct ots_cfg c;
	struct ots_buf o;
	char err[160];

	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_eq(c.c_redis.ra_ncluster, 2u);
	cr_assert_str_eq(c.c_redis.ra_cluster[0].rn_host, "r1.internal");
	cr_assert_eq(c.c_redis.ra_cluster[1].rn_port, 7001u);
	cr_assert_eq(c.c_redis.ra_nsentinels, 0u);
	cr_assert_eq(c.c_limits.ra_ncluster, 1u);
	cr_assert_str_eq(c.c_limits.ra_cluster[0].rn_host, "r3.internal");
	ots_buf_init(&o, 4096);
	cr_assert_eq(ots_cfg_describe(&c, &o), OTS_OK);
	cr_assert_not_null(strstr((const char *)o.b_data,
	    "OTS_REDIS_CLUSTER=r1.internal:7000,r2.internal:7001\n"
	    "OTS_REDIS_PASSWORD=(set, hidden)\n"));
	cr_assert_not_null(strstr((const char *)o.b_data,
	    "OTS_REDIS_LIMITS_CLUSTER=r3.internal:7002\n"));
	cr_assert_null(strstr((const char *)o.b_data, "node pass"));
	ots_buf_release(&o);

	cr_assert_eq(load(direct, &c, err, sizeof(err)), OTS_ERR_INVAL);
	cr_assert_not_null(strstr(err, "OTS_REDIS_CLUSTER"), "%s", err);
	cr_assert_eq(load(sentinels, &c, err, sizeof(err)), OTS_ERR_INVAL);
	cr_assert_not_null(strstr(err, "OTS_REDIS_CLUSTER"), "%s", err);
	cr_assert_eq(load(db, &c, err, sizeof(err)), OTS_ERR_INVAL);
	cr_assert_not_null(strstr(err, "OTS_REDIS_DB"), "%s", err);
	assert_rejected("OTS_REDIS_CLUSTER", "r1:7000,,r2:7001",
	    "OTS_REDIS_CLUSTER");
	assert_rejected("OTS_REDIS_CLUSTER", "r1", "OTS_REDIS_CLUSTER");
	assert_rejected("OTS_REDIS_CLUSTER", "unix:/a.sock",
	    "OTS_REDIS_CLUSTER");
	assert_rejected("OTS_REDIS_CLUSTER", "a:1,b:2,c:3,d:4,e:5,f:6,g:7,"
	    "h:8,i:9", "OTS_REDIS_CLUSTER");
}

/* The S3 settings on top of OTS_STORAGE=s3 and the ones it needs. */
static enum ots_err
load_s3(const char *name, const char *value, struct ots_cfg *c, char *err,
    size_t errlen)
{
	/* The first of a name counts: the one under test goes first. */
	struct env env[] = {
		{ name, value },
		{ "OTS_STORAGE", "s3" },
		{ "OTS_S3_ENDPOINT", "https://s3.example.net:8443" },
		{ "OTS_S3_BUCKET", "ots-shares.1" },
		{ "OTS_S3_ACCESS_KEY", "AKIDEXAMPLE" },
		{ "OTS_S3_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG" },
		{ NULL, NULL } };

	return load(env, c, err, errlen);
}

Test(cfg, s3_storage)
{
	static const char *const bad[][2] = {
		{ "OTS_S3_ENDPOINT", "s3.example.net" },
		{ "OTS_S3_ENDPOINT", "https://s3.example.net/bucket" },
		{ "OTS_S3_ENDPOINT", "https://" },
		{ "OTS_S3_BUCKET", "Upper" }, { "OTS_S3_BUCKET", "ab" },
		{ "OTS_S3_BUCKET", "-ots" }, { "OTS_S3_REGION", "us east" },
		{ "OTS_S3_ADDRESSING", "dns" }, { "OTS_S3_PART_SIZE", "4M" },
		{ "OTS_S3_PART_SIZE", "6G" }, { "OTS_S3_TIMEOUT_MS", "5" },
		{ "OTS_S3_SECRET_KEY_FILE", "/no/such/file" } };
	char err[200], path[] = "/tmp/ots-cfg-secret-XXXXXX";
	struct ots_cfg c;
	struct ots_buf o;
	size_t i;
	int fd;

	cr_assert_eq(load_s3("OTS_S3_ADDRESSING", "virtual", &c, err,
	    sizeof(err)), OTS_OK, "%s", err);
	cr_assert(c.c_s3);
	cr_assert_str_eq(c.c_s3conf.sc_endpoint, "https://s3.example.net:8443");
	cr_assert_str_eq(c.c_s3conf.sc_bucket, "ots-shares.1");
	cr_assert_str_eq(c.c_s3conf.sc_region, "us-east-1", "the default");
	cr_assert(c.c_s3conf.sc_virtual_host);
	cr_assert_eq(c.c_s3conf.sc_part_size, 16u * 1024 * 1024);
	ots_buf_init(&o, 8192);
	cr_assert_eq(ots_cfg_describe(&c, &o), OTS_OK);
	cr_assert_not_null(strstr((const char *)o.b_data, "OTS_STORAGE=s3\n"));
	cr_assert_not_null(strstr((const char *)o.b_data,
	    "OTS_S3_SECRET_KEY=(set, hidden)\n"));
	cr_assert_null(strstr((const char *)o.b_data, "wJalrXUtnFEMI"));
	ots_buf_release(&o);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(load_s3(bad[i][0], bad[i][1], &c, err, sizeof(err)),
		    OTS_ERR_INVAL, "%s=%s accepted", bad[i][0], bad[i][1]);
		cr_assert_not_null(strstr(err, bad[i][0][0] != '\0' ?
		    (strcmp(bad[i][0], "OTS_S3_SECRET_KEY_FILE") == 0 ?
		    "OTS_S3_SECRET_KEY" : bad[i][0]) : ""), "%s", err);
	}
	/* Below the end-to-end part: a one-request upload must be one PUT. */
	cr_assert_eq(load_s3("OTS_S3_PART_SIZE", "8M", &c, err, sizeof(err)),
	    OTS_ERR_INVAL);
	cr_assert_not_null(strstr(err, "OTS_UPLOAD_PART_MAX"), "%s", err);
	/* Both the secret and its file: refused.  The file alone: read,
	 * its newline dropped. */
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "from-a-file\n", 12), 12);
	close(fd);
	cr_assert_eq(load_s3("OTS_S3_SECRET_KEY_FILE", path, &c, err,
	    sizeof(err)), OTS_ERR_INVAL);
	{
		struct env env[] = {
			{ "OTS_STORAGE", "s3" },
			{ "OTS_S3_ENDPOINT", "http://127.0.0.1:7480" },
			{ "OTS_S3_BUCKET", "ots" },
			{ "OTS_S3_ACCESS_KEY", "k" },
			{ "OTS_S3_SECRET_KEY_FILE", path }, { NULL, NULL } };

		cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
		cr_assert_str_eq(c.c_s3conf.sc_secret_key, "from-a-file");
		cr_assert(!c.c_s3conf.sc_virtual_host);
	}
	unlink(path);
	assert_rejected("OTS_STORAGE", "nfs", "OTS_STORAGE");
	assert_rejected("OTS_S3_ENDPOINT", "http://x:1", "OTS_S3_ENDPOINT");
	load_one("OTS_STORAGE", "disk", &c);
	cr_assert(!c.c_s3);
}

Test(cfg, transfer_caps_and_rates)
{
	static const struct env env[] = {
		{ "OTS_CLIENT_TRANSFERS", "2" },
		{ "OTS_TRANSFER_MIN_RATE", "4K" },
		{ "OTS_TRANSFER_WINDOW", "10s" },
		{ "OTS_READY_MIN_FREE", "2G" },
		{ "OTS_RATE_ADMIN_FAIL", "3/5m" },
		{ NULL, NULL } };
	struct ots_cfg c, d;
	char err[128];

	ots_cfg_defaults(&d);
	cr_assert_eq(d.c_client_transfers, 4u);
	cr_assert_eq(d.c_min_rate, 1024u);
	cr_assert_eq(d.c_rate_window_ms, 30000u);
	cr_assert_eq(d.c_rate[OTS_RL_ADMIN_FAIL].rl_count, 10u);
	cr_assert_eq(load(env, &c, err, sizeof(err)), OTS_OK, "%s", err);
	cr_assert_eq(c.c_client_transfers, 2u);
	cr_assert_eq(c.c_min_rate, 4096u);
	cr_assert_eq(c.c_rate_window_ms, 10000u);
	cr_assert_eq(c.c_ready_min_free, 2ull << 30);
	cr_assert_eq(c.c_rate[OTS_RL_ADMIN_FAIL].rl_count, 3u);
	cr_assert_eq(c.c_rate[OTS_RL_ADMIN_FAIL].rl_window_ms, 300000u);
	load_one("OTS_CLIENT_TRANSFERS", "off", &c);
	cr_assert_eq(c.c_client_transfers, 0u);
	load_one("OTS_TRANSFER_MIN_RATE", "off", &c);
	cr_assert_eq(c.c_min_rate, 0u);
	/* Unset, the free-space threshold is one upload of the largest size. */
	load_one("OTS_MAX_SIZE", "100M", &c);
	cr_assert_eq(c.c_ready_min_free, 100u << 20);
	assert_rejected("OTS_CLIENT_TRANSFERS", "0", "OTS_CLIENT_TRANSFERS");
	assert_rejected("OTS_TRANSFER_MIN_RATE", "2G", "OTS_TRANSFER_MIN_RATE");
	assert_rejected("OTS_TRANSFER_WINDOW", "2h", "OTS_TRANSFER_WINDOW");
	assert_rejected("OTS_READY_MIN_FREE", "lots", "OTS_READY_MIN_FREE");
	assert_rejected("OTS_RATE_ADMIN_FAIL", "many", "OTS_RATE_ADMIN_FAIL");
}
