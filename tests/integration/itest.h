/*
 * Helpers for the integration tests: HTTP through libcurl against the
 * stack that tests/integration/run started (OTS_TEST_URL), raw sockets for
 * clients that misbehave, and looks into its Redis and data folder.
 */
#ifndef OTS_ITEST_H
#define OTS_ITEST_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>

struct http_resp {
	long status;
	char *body;		/* NUL-terminated */
	size_t len;
	char *headers;		/* raw header block, NUL-terminated */
};

/* A header line "Name: value", or NULL; the list ends with NULL. */
typedef const char *const *hdrs_t;

/* The base URL, e.g. http://127.0.0.1:12345 */
const char *itest_url(void);
/* The state folder of the stack. */
const char *itest_state(void);

/*
 * Makes this thread's requests (http_do, raw_connect, multi_post) come
 * from addr, another loopback address such as "127.0.0.2", so that they
 * count as another client; NULL goes back to 127.0.0.1.  The stack's
 * nginx spares only 127.0.0.1 from its per-client connection cap.
 */
void itest_from(const char *addr);

/* Any request; body may be NULL.  Returns 0 or a curl error code. */
int http_do(const char *method, const char *path, hdrs_t headers,
    const void *body, size_t len, struct http_resp *out);
void http_resp_free(struct http_resp *r);
/* The value of header name in r (case-insensitive), malloc'd, or NULL. */
char *http_header(const struct http_resp *r, const char *name);

/*
 * Records a value that must never appear in any log (an id, a key, a
 * token, a password, a file name); tests/integration/run looks for all
 * of them in the logs at the end.  Values under 8 bytes are too common
 * to look for and are skipped.
 */
void record_secret(const char *s);

/*
 * Records a share id: ids may sit at rest (file names, Redis keys) but
 * never in a log.  tests/integration/run looks for them in the logs only.
 */
void record_id(const char *id);

/*
 * A marker that every test payload from fill_pattern() carries (and
 * text payloads should): tests/integration/run fails when it shows up
 * at rest (data folder, nginx's temp files, Redis' files) or in a log.
 */
#define PLAINTEXT_MARKER "OTS-PLAINTEXT-MARKER"

/* A link's parts. */
struct link {
	char id[64];
	char key[64];
};
/* Parses ".../d/ID#KEY" from a text answer; false if malformed. */
bool link_parse(const char *text, struct link *l);

/* PUT data under name; on 201 fills l. */
long upload_put(const char *name, const void *data, size_t len,
    struct link *l);
/* POST /d/ID with key=KEY; the body is the download. */
int claim(const char *id, const char *key, struct http_resp *out);

/* Every share and receipt key (not the sweeper's lock or rate windows,
 * which come and go by themselves). */
#define SHARE_KEYS "ots:{*}:[sr]"

/* End-to-end uploads and their part leases (docs/E2E.md). */
#define UPLOAD_KEYS "ots:{*}:u*"

/* Number of Redis keys matching pattern. */
long redis_count(const char *pattern);
/* Runs a command (hiredis format) on the test Redis; fails on an error
 * reply.  For tests that set up a state no request can (a part in
 * progress). */
void redis_exec(const char *fmt, ...);
/* Entries in DATA/files and DATA/tmp. */
long data_files(void);
long data_tmp(void);
/* Entries in DATA/uploads (end-to-end uploads) and DATA/ots-lease. */
long data_uploads(void);
long data_leases(void);
/* Does DATA/files/ID exist? */
bool data_has(const char *id);
/* Whether a leased (claimed end-to-end) file of share id is there. */
bool data_leased(const char *id);

/* What a refused request must not change: files, share keys, uploads
 * and leases. */
struct snapshot {
	long s_files;
	long s_keys;
	long s_uploads;
	long s_leases;
	long s_upload_keys;
};
struct snapshot snapshot(void);
/* Fails, naming what, if a file, a temp file or a share key was left
 * behind since before. */
void assert_unchanged(struct snapshot before, const char *what);

/* Lines of the workers' log that contain needle. */
long log_lines(const char *needle);

/* The app binary the stack runs (from its run/binary file). */
const char *itest_binary(void);

/* The admin token the tests use, and the variable that admits it. */
#define ADMIN_TOKEN "itest-admin-token-0123456789abcdef"
/* Sets OTS_ADMIN_TOKEN_HASH for ADMIN_TOKEN (--hash-admin-token); the
 * workers see it once restarted. */
void admin_token_on(void);
/* A request to the admin API with token (NULL: none); the status. */
long admin_request(const char *method, const char *path, const char *token,
    struct http_resp *r);

/* Runs tools/dev-stack with arguments (e.g. "redis-stop"). */
void devstack(const char *args);

/*
 * Sends raw bytes to the web server and reads the answer's status
 * (0 when none came).  close_early: close right after sending.
 */
int raw_request(const void *req, size_t len, bool close_early);
/* Connects to the web server; returns the socket. */
int raw_connect(void);

/*
 * Sends n POSTs of urlencoded bodies[i] to path at once (parallel
 * connections); statuses[i] gets each answer's status.
 */
void multi_post(const char *path, const char *const *bodies, int n,
    long *statuses);

/* Uploads data with a password (X-Password); on 201 fills l and, if
 * owner is not NULL, the owner token (JSON answer). */
long upload_pw(const char *password, const void *data, size_t len,
    struct link *l, char *owner, size_t owner_size);

/* Claims with key and password (urlencoded as given). */
int claim_pw(const char *id, const char *key, const char *password,
    struct http_resp *out);

/* Fills p with a deterministic pattern derived from seed, with
 * PLAINTEXT_MARKER at every 4 KiB boundary where it fits. */
void fill_pattern(uint8_t *p, size_t n, uint32_t seed);

/* Polls cond() every 50 ms for up to ms; true if it became true. */
bool wait_until(bool (*cond)(void), unsigned ms);
/* Waits up to ms until the app's log has at least at_least lines with
 * needle. */
bool wait_until_log(const char *needle, long at_least, unsigned ms);

/* Milliseconds since t0 (CLOCK_MONOTONIC). */
long ms_since(const struct timespec *t0);

/* Worker n's PID (1-based), from the stack's PID file. */
pid_t worker_pid(int n);

/* True once nothing accepts on worker n's socket any more. */
bool worker_socket_refuses(int n);

/* GET /health/ready answers 200 (stack_ready) or 503 (stack_unready). */
bool stack_ready(void);
bool stack_unready(void);

/* GET /metrics (from 127.0.0.1: loopback only); the text, malloc'd. */
char *metrics_scrape(void);
/* The value of the line "name value" in a /metrics text, -1 if none. */
long long metric_value(const char *text, const char *name);
/* The same, scraped now. */
long long metric_now(const char *name);
/* Polls the metric until it reaches at_least, for up to ms. */
bool wait_until_metric(const char *name, long long at_least, unsigned ms);
/* Waits until every process has flushed its counts (about 2 s). */
void metrics_settle(void);

#endif
