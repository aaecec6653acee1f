/*
 * The FastCGI program's internal interface: the process-wide state, the
 * per-thread worker, and the request view handlers see.  Handlers never
 * see libfcgi: only fcgx_io.c includes fcgiapp.h.
 */
#ifndef OTS_APP_H
#define OTS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ots_buf.h"
#include "ots_cfg.h"
#include "ots_gate.h"
#include "ots_kdf.h"
#include "ots_metrics.h"
#include "ots_net.h"
#include "ots_rds.h"
#include "ots_store.h"
#include "ots_tally.h"
#include "ots_tok.h"
#include "ots_share.h"
#include "ots_upload.h"
#include "ots_util.h"

/* Process-wide, frozen before the worker threads start. */
struct app {
	struct ots_cfg a_cfg;
	struct ots_store *a_store;
	struct ots_gate *a_gate;	/* bounds Argon2id runs */
	struct ots_metrics *a_metrics;	/* counters (atomics) */
	struct ots_tally *a_tally;	/* heavy requests per client, here */
	struct ots_gate *a_heavy;	/* bounds transfers and password
					 * checks, so that two threads always
					 * stay for light requests */
	int a_wake_fd;		/* readable once shutdown has begun */
};

struct fio;	/* the libfcgi request, private to fcgx_io.c */

/* One worker thread and what it owns. */
struct worker {
	const struct app *w_app;
	unsigned w_index;
	struct ots_rds *w_rds;		/* the shares' Redis */
	struct ots_rds *w_limits;	/* the limits Redis (per client) */
	struct fio *w_fio;
	uint8_t *w_buf;		/* OTS_CHUNK_SIZE scratch for bodies */
};

/* One request, as handlers see it.  Strings die with the request. */
struct req {
	struct worker *req_worker;
	const struct app *req_app;
	const char *req_method;		/* points to req_method_buf */
	char req_method_buf[16];
	struct ots_str req_path;	/* raw, percent-encoded */
	struct ots_str req_query;	/* after '?', raw */
	const char *req_ctype;		/* CONTENT_TYPE or "" */
	bool req_has_length;
	uint64_t req_length;		/* CONTENT_LENGTH when present */
	bool req_chunked;		/* Transfer-Encoding: chunked */
	bool req_browser;		/* Accept prefers text/html */
	bool req_json;			/* Accept names application/json */
	char req_id[17];		/* random, for logs and X-Request-Id */
	char req_client[OTS_NET_ADDR_STRSZ];	/* for rate limits only */
	const char *req_route;		/* route label, for logs */
	size_t req_route_label;		/* its index in route_labels() */
	struct ots_str req_arg;		/* what the route's {parameter} took */
	int req_status;
	bool req_sent;			/* headers are out */
	bool req_heavy;			/* holds a heavy slot */
	bool req_busy;			/* ... and one of its client's */
	bool req_busy_refused;		/* the client had no slot left */
	bool req_tallied;		/* counted in a_tally */
	/* While a transfer waits on its client: called once ots_mono_ms()
	 * reaches req_tick_at (it sets the next); an error ends the
	 * transfer with it.  NULL for none. */
	enum ots_err (*req_on_tick)(struct req *req);
	uint64_t req_tick_at;
	uint64_t req_bytes_in;
	uint64_t req_bytes_out;
	uint64_t req_start_ms;
};

/* fcgx_io.c */
enum ots_err fio_init(void);
enum ots_err fio_worker_init(struct worker *w);
void fio_worker_release(struct worker *w);
/* Waits for a request or shutdown: 1 with req filled, 0 on shutdown. */
int fio_accept(struct worker *w, struct req *req);
void fio_finish(struct worker *w);
const char *req_param(const struct req *req, const char *name);
/*
 * Reads up to n body bytes into p (fewer when fewer have arrived); *got 0
 * means the body ended.  OTS_ERR_TRUNC when the client or the web server
 * went away, OTS_ERR_SLOW when the client sent less than
 * OTS_TRANSFER_MIN_RATE over a whole window (or past a deadline),
 * OTS_ERR_IO for a broken FastCGI stream.  Errors stick: every later
 * read fails the same way.
 */
OTS_WARN_UNUSED enum ots_err req_read(struct req *req, uint8_t *p, size_t n,
    size_t *got);
/* Reads the rest of the body into b (bounded by its max) within
 * deadline_ms: a small body, whole or not at all. */
OTS_WARN_UNUSED enum ots_err req_read_all(struct req *req, struct ots_buf *b,
    unsigned deadline_ms);
/* Buffers n bytes of the answer in libfcgi's stream; OTS_ERR_HANGUP when
 * the web server went away. */
OTS_WARN_UNUSED enum ots_err req_write(struct req *req, const void *p,
    size_t n);
/*
 * Writes n bytes of a large body (a download) straight to the web
 * server's socket as FastCGI records of up to 64 KiB, after flushing what
 * req_write() buffered: no copy into libfcgi's 8 KiB buffer, eight times
 * fewer writes and wake-ups, and no plaintext left behind in that buffer.
 * OTS_ERR_SLOW when the client reads slower than OTS_TRANSFER_MIN_RATE
 * over a whole window, OTS_ERR_HANGUP when it (or the web server) went
 * away.
 */
OTS_WARN_UNUSED enum ots_err req_write_body(struct req *req, const void *p,
    size_t n);

/* resp.c */
/*
 * Starts a response: status line, the security headers every dynamic
 * response carries, ctype, then extra (CRLF-terminated lines, or NULL).
 */
OTS_WARN_UNUSED enum ots_err resp_begin(struct req *req, int status,
    const char *ctype, const char *extra);
/* A whole response with a body. */
void resp_send(struct req *req, int status, const char *ctype,
    const char *extra, const void *body, size_t len);
/*
 * An error: JSON {"error":{...}} for API clients, a small HTML page for
 * browsers.  code is a stable machine word, msg a sentence for people.
 */
void resp_error(struct req *req, int status, const char *code,
    const char *msg);
/* The same with extra headers (CRLF-terminated lines). */
void resp_error_x(struct req *req, int status, const char *code,
    const char *msg, const char *extra);
/* Maps a libots error to a status and answers with it. */
void resp_from_err(struct req *req, enum ots_err e);
const char *resp_reason(int status);
/* Fills out with every status the app answers with (at most max);
 * returns how many. */
size_t resp_statuses(int *out, size_t max);

/* router.c */
/* The label of a request no route took; label 0. */
#define ROUTE_NONE "-"
void route_request(struct req *req);
/* Fills out with the route labels (ROUTE_NONE first), at most max;
 * returns how many.  Called once at start-up, before the first request:
 * it also gives each route its label's index. */
size_t route_labels(const char **out, size_t max);

/*
 * Handlers (the route table in router.c says which answers what).  Each
 * finds its path parameter, raw, in req_arg; the route's rate limit is
 * counted before it runs.
 */
/* PUT /api/v1/files/{name}: a raw body. */
void h_upload_put(struct req *req);
/* End-to-end uploads (h_uploads.c). */
void h_uploads_create(struct req *req);
void h_uploads_put(struct req *req);
void h_uploads_part(struct req *req);
void h_uploads_offset(struct req *req);
void h_uploads_abort(struct req *req);
void h_uploads_commit(struct req *req);
/* A claimed end-to-end share's lease (h_lease.c): GET fetches the
 * container again, DELETE confirms. */
void h_lease(struct req *req);
/* Answers a won end-to-end claim or a lease fetch: the web server sends
 * the leased file (X-Accel-Redirect or X-Sendfile).  lease_tok NULL: a
 * fetch (the receiver has the token). */
void h_lease_send(struct req *req, const struct ots_tok *id,
    const struct ots_tok *lease_tok, uint64_t until);
void h_upload_post(struct req *req);
void h_claim(struct req *req);
/* 410 with a sentence saying why the share is gone. */
void h_gone(struct req *req, enum ots_share_state st);
void h_page(struct req *req);
void h_info(struct req *req);
void h_revoke(struct req *req);
void h_status(struct req *req);
void h_config(struct req *req);
void h_metrics(struct req *req);
void h_admin_list(struct req *req);
void h_admin_revoke(struct req *req);
void h_health_live(struct req *req);
void h_health_ready(struct req *req);

/* h_common.c: shared by the handlers */
/* Parses an id from the path; false (and 404 sent) when malformed. */
bool h_parse_id(struct req *req, struct ots_str s, struct ots_tok *id);
/* Resolves expires_in (raw, may be empty) into seconds; false (and 400
 * sent) when out of bounds.  The expiry counts from the end of the
 * upload, when the share is registered. */
bool h_expiry(struct req *req, struct ots_str raw, uint64_t *secs);
/* The same check, answering nothing. */
bool h_expiry_ok(const struct req *req, struct ots_str raw, uint64_t *secs);
/*
 * Counts the request against its class's rate limit; false (and 429 or
 * 503 sent) when it may not go on.
 */
bool h_rate_limit(struct req *req, enum ots_rl_class c);
/*
 * Argon2id of a password through the process's gate.  OTS_ERR_BUSY when
 * no slot freed within the bound (answer with h_busy()).
 */
OTS_WARN_UNUSED enum ots_err h_password_key(struct req *req, const char *pw,
    size_t len, const uint8_t *salt, const struct ots_kdf_params *p,
    uint8_t *out);
/* 503 busy with Retry-After: a gate stayed full. */
void h_busy(struct req *req);
/*
 * Takes a heavy slot for a transfer or a password check: one of this
 * process's OTS_THREADS - 2, waiting at most H_HEAVY_WAIT_MS, and one of
 * its client's OTS_CLIENT_TRANSFERS (across every process and host).
 * With H_CLIENT_NOW the client's slot is taken at once; with
 * H_CLIENT_LATER (an upload) only once the transfer is still running
 * after H_CLIENT_GRACE_MS, unless the client already has another heavy
 * request running in this process (then at once): a quick upload never
 * asks the limits Redis, a slow one joins its client's count then, and
 * is refused (see h_too_many_transfers) if the client has no slot left;
 * a client's second upload at a time never gets the grace.  With
 * H_CLIENT_NONE (a download small enough to fit in the web server's
 * buffers, which leave the worker at once) there is no client slot.
 * False (and 429 or 503 sent) when none is free.  A request holds at most
 * one; h_heavy_leave() gives it back (finishing the request does too).
 * A thread waiting here is a thread not serving light requests, so waits
 * stay short: long enough for a busy but healthy worker to free a slot
 * (a 1 MiB transfer takes tens of milliseconds under load), short enough
 * that full slots turn new transfers away quickly.
 */
#define H_HEAVY_WAIT_MS 1000u
#define H_CLIENT_GRACE_MS 1000u
/* Plaintext bytes of a download that nginx's buffers take at once
 * (nginx-conf/ots-fastcgi.conf: 16 x 16k), with room to spare. */
#define H_SMALL_DOWNLOAD (128u * 1024u)
enum h_client { H_CLIENT_NOW, H_CLIENT_LATER, H_CLIENT_NONE };
bool h_heavy_enter(struct req *req, enum h_client when);
void h_heavy_leave(struct req *req);
/* 429 too_many_transfers: the client has OTS_CLIENT_TRANSFERS in flight. */
void h_too_many_transfers(struct req *req);
/* How long a small body (a claim form) may take to arrive: nginx
 * buffers it whole first, so this bounds only a web server that does
 * not. */
#define H_FORM_DEADLINE_MS 10000u
/* Formats t (seconds since the epoch) as RFC 3339 UTC into out[32]. */
void h_rfc3339(uint64_t t, char *out);
/* Answers a fresh upload: the link as a text line, or JSON. */
void h_upload_answer(struct req *req, const struct ots_upload_result *res);
/* Answers a fresh end-to-end share: JSON without a link (the client has
 * the secret and makes the link itself). */
void h_e2e_answer(struct req *req, const struct ots_upload_result *res);
/*
 * The token of "Authorization: Bearer TOKEN" (or of header param alt,
 * NULL for none), hashed into hash; false when there is none or it is
 * malformed (nothing sent).
 */
bool h_bearer(const struct req *req, const char *alt, char hash[65]);
/*
 * Decodes header param name (unpadded base64url) into out, at least min
 * and at most max bytes; *len the length.  OTS_ERR_NOTFOUND when absent,
 * OTS_ERR_INVAL when malformed or out of bounds (nothing sent).
 */
OTS_WARN_UNUSED enum ots_err h_b64_param(const struct req *req,
    const char *name, uint8_t *out, size_t min, size_t max, size_t *len);
/* False (and 404 sent) when end-to-end shares are off (OTS_E2E=0). */
bool h_e2e_on(struct req *req);

#endif
