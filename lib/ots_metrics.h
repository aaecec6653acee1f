/*
 * ots_metrics: counters and latency histograms, true across every worker
 * process and host.  Each process counts in memory (atomics, lock-free on
 * the request path) and a background thread (fcgi-app/flusher.c) adds
 * its counts to one Redis hash, ots:{metrics}, about once a second (one
 * script call).
 * /metrics renders that hash in the Prometheus text format (0.0.4).
 * The program names what latency is kept for and which statuses are
 * counted one by one (struct ots_metrics_labels): this module knows no
 * routes and no HTTP.
 */
#ifndef OTS_METRICS_H
#define OTS_METRICS_H

#include <stdint.h>

#include "ots_buf.h"
#include "ots_rds.h"
#include "ots_util.h"

enum ots_metric {
	OTS_M_UPLOADS = 0,	/* shares created, server-side */
	OTS_M_UPLOADS_E2E,	/* ... end-to-end */
	OTS_M_CLAIMS_WON,
	OTS_M_CLAIMS_WON_E2E,
	OTS_M_CLAIMS_LOST,	/* lost the race, or already gone */
	OTS_M_CLAIMS_LOST_E2E,
	OTS_M_BYTES_IN,
	OTS_M_BYTES_OUT,
	OTS_M_WRONG_PASSWORDS,
	OTS_M_DESTROYED_LOCKED,
	OTS_M_DESTROYED_REVOKED,
	OTS_M_DESTROYED_ADMIN,
	OTS_M_LIMITED_UPLOAD,
	OTS_M_LIMITED_CLAIM,
	OTS_M_LIMITED_META,
	OTS_M_LIMITED_ADMIN,	/* wrong admin tokens past their limit */
	OTS_M_ARGON2_RUNS,	/* password derivations run */
	OTS_M_CLIENT_BUSY,	/* refused: the client's transfers in flight */
	OTS_M_SLOW_UPLOAD,	/* cut off below OTS_TRANSFER_MIN_RATE */
	OTS_M_SLOW_DOWNLOAD,
	OTS_M_PARTS,		/* end-to-end upload parts stored */
	OTS_M_UPLOADS_ABANDONED,	/* ... uploads swept, never committed */
	OTS_M_LEASE_CONFIRMED,	/* leases ended by their receiver */
	OTS_M_LEASE_LAPSED,	/* ... by time (their files swept) */
	OTS_M_COUNT
};

/* At most this many route labels and statuses. */
#define OTS_METRICS_ROUTES_MAX 32
#define OTS_METRICS_STATUSES_MAX 32
/* Histogram bucket bounds in milliseconds, then +Inf. */
#define OTS_METRICS_BUCKETS 12

/*
 * What requests are counted by, borrowed for the metrics' lifetime.
 * Labels are short ([ -~], at most 40 bytes) and distinct.
 */
struct ots_metrics_labels {
	const char *const *ml_route;	/* latency is kept per route label */
	size_t ml_routes;
	const int *ml_status;		/* others count as "other" */
	size_t ml_statuses;
};

struct ots_metrics {
	const struct ots_metrics_labels *m_labels;
	uint64_t m_count[OTS_M_COUNT];
	uint64_t m_status[OTS_METRICS_STATUSES_MAX + 1];
	uint64_t m_bucket[OTS_METRICS_ROUTES_MAX][OTS_METRICS_BUCKETS + 1];
	uint64_t m_sum_ms[OTS_METRICS_ROUTES_MAX];
};

/* Zeroes m and sets what it counts by (at most the _MAX of each); cannot
 * fail. */
void ots_metrics_init(struct ots_metrics *m,
    const struct ots_metrics_labels *labels);

/* Adds n to counter c.  Thread-safe, lock-free. */
void ots_metrics_add(struct ots_metrics *m, enum ots_metric c, uint64_t n);

/*
 * Records one finished request: the index of its route label, its status
 * and duration.  Thread-safe, lock-free.
 */
void ots_metrics_request(struct ots_metrics *m, size_t route, int status,
    uint64_t ms);

/*
 * Adds everything counted since the last flush to Redis and zeroes it;
 * on failure the counts are kept for the next flush.  One thread at a
 * time.
 */
OTS_WARN_UNUSED enum ots_err ots_metrics_flush(struct ots_metrics *m,
    struct ots_rds *r);

/* Sets the stored-content gauges (from the sweeper's scan). */
OTS_WARN_UNUSED enum ots_err ots_metrics_set_stored(struct ots_rds *r,
    uint64_t files, uint64_t bytes);

/* Reads the shared hash and appends the Prometheus text to out. */
OTS_WARN_UNUSED enum ots_err ots_metrics_render(const struct ots_metrics *m,
    struct ots_rds *r, struct ots_buf *out);

/*
 * Appends the Prometheus text for an HGETALL reply of the shared hash
 * (borrowed, trusted in nothing: fields missing or malformed count as 0)
 * to out; OTS_ERR_REDIS when it is not an array.  Split out for the
 * fuzzer (tests/fuzz/fuzz_reply.c).
 */
OTS_WARN_UNUSED enum ots_err ots_metrics_render_reply(
    const struct ots_metrics_labels *labels, const redisReply *rep,
    struct ots_buf *out);

#endif
