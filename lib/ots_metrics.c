#include "ots_metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ots_banned.h"

#define KEY "ots:{metrics}"
/* Fields in one flush: counters, statuses, buckets and sums. */
#define FIELDS_MAX (OTS_M_COUNT + OTS_METRICS_STATUSES_MAX + 1 + \
	OTS_METRICS_ROUTES_MAX * (OTS_METRICS_BUCKETS + 2))
/* The longest label: fields ("lat:LABEL:sum") fit in 64 bytes. */
#define LABEL_MAX 40

static const struct {
	const char *field;	/* in the Redis hash */
	const char *name;	/* Prometheus name and labels */
	const char *help;	/* NULL: same family as the line before */
} counters[OTS_M_COUNT] = {
	[OTS_M_UPLOADS] = { "uploads", "ots_uploads_total{mode=\"server\"}",
	    "Shares created, server-side or end-to-end encrypted." },
	[OTS_M_UPLOADS_E2E] = { "uploads_e2e",
	    "ots_uploads_total{mode=\"e2e\"}", NULL },
	[OTS_M_CLAIMS_WON] = { "claims_won",
	    "ots_claims_total{result=\"won\",mode=\"server\"}",
	    "Claims that got the content, and claims that found it gone." },
	[OTS_M_CLAIMS_WON_E2E] = { "claims_won_e2e",
	    "ots_claims_total{result=\"won\",mode=\"e2e\"}", NULL },
	[OTS_M_CLAIMS_LOST] = { "claims_lost",
	    "ots_claims_total{result=\"gone\",mode=\"server\"}", NULL },
	[OTS_M_CLAIMS_LOST_E2E] = { "claims_lost_e2e",
	    "ots_claims_total{result=\"gone\",mode=\"e2e\"}", NULL },
	[OTS_M_BYTES_IN] = { "bytes_in", "ots_bytes_received_total",
	    "Request body bytes received by the workers." },
	[OTS_M_BYTES_OUT] = { "bytes_out", "ots_bytes_sent_total",
	    "Response bytes sent by the workers." },
	[OTS_M_WRONG_PASSWORDS] = { "wrong_passwords",
	    "ots_wrong_passwords_total", "Wrong password attempts." },
	[OTS_M_DESTROYED_LOCKED] = { "destroyed_locked",
	    "ots_shares_destroyed_total{reason=\"locked\"}",
	    "Shares destroyed before being opened." },
	[OTS_M_DESTROYED_REVOKED] = { "destroyed_revoked",
	    "ots_shares_destroyed_total{reason=\"revoked\"}", NULL },
	[OTS_M_DESTROYED_ADMIN] = { "destroyed_admin",
	    "ots_shares_destroyed_total{reason=\"admin\"}", NULL },
	[OTS_M_LIMITED_UPLOAD] = { "limited_upload",
	    "ots_rate_limited_total{class=\"upload\"}",
	    "Requests refused by a rate limit." },
	[OTS_M_LIMITED_CLAIM] = { "limited_claim",
	    "ots_rate_limited_total{class=\"claim\"}", NULL },
	[OTS_M_LIMITED_META] = { "limited_meta",
	    "ots_rate_limited_total{class=\"meta\"}", NULL },
	[OTS_M_LIMITED_ADMIN] = { "limited_admin_fail",
	    "ots_rate_limited_total{class=\"admin-fail\"}", NULL },
	[OTS_M_ARGON2_RUNS] = { "password_derivations",
	    "ots_password_derivations_total",
	    "Argon2id derivations run (uploads and password checks)." },
	[OTS_M_CLIENT_BUSY] = { "client_busy",
	    "ots_client_transfers_refused_total",
	    "Transfers and password checks refused because their client "
	    "already had OTS_CLIENT_TRANSFERS in flight." },
	[OTS_M_SLOW_UPLOAD] = { "slow_upload",
	    "ots_slow_transfers_cut_total{direction=\"upload\"}",
	    "Transfers cut off for running below OTS_TRANSFER_MIN_RATE." },
	[OTS_M_SLOW_DOWNLOAD] = { "slow_download",
	    "ots_slow_transfers_cut_total{direction=\"download\"}", NULL },
	[OTS_M_PARTS] = { "parts", "ots_upload_parts_total",
	    "Parts of end-to-end uploads stored." },
	[OTS_M_UPLOADS_ABANDONED] = { "uploads_abandoned",
	    "ots_uploads_abandoned_total", "End-to-end uploads never "
	    "committed, removed after OTS_UPLOAD_IDLE." },
	[OTS_M_LEASE_CONFIRMED] = { "lease_confirmed",
	    "ots_leases_ended_total{how=\"confirmed\"}", "Download leases "
	    "of end-to-end claims ended: confirmed by the receiver, or "
	    "lapsed (OTS_CLAIM_LEASE)." },
	[OTS_M_LEASE_LAPSED] = { "lease_lapsed",
	    "ots_leases_ended_total{how=\"lapsed\"}", NULL },
};

/* Upper bounds of the buckets, in milliseconds. */
static const uint64_t bounds_ms[OTS_METRICS_BUCKETS] = { 1, 5, 10, 25, 50,
	100, 250, 500, 1000, 2500, 5000, 10000 };
static const char *const bounds_s[OTS_METRICS_BUCKETS] = { "0.001", "0.005",
	"0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10" };

/* Formats a field name that fits by construction. */
OTS_PRINTF(3, 4) static void
field_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	OTS_ASSERT(r > 0 && (size_t)r < n);
}

void
ots_metrics_init(struct ots_metrics *m, const struct ots_metrics_labels *l)
{
	size_t i;

	OTS_ASSERT(l->ml_routes > 0 && l->ml_routes <= OTS_METRICS_ROUTES_MAX);
	OTS_ASSERT(l->ml_statuses <= OTS_METRICS_STATUSES_MAX);
	for (i = 0; i < l->ml_routes; i++)
		OTS_ASSERT(strlen(l->ml_route[i]) <= LABEL_MAX);
	memset(m, 0, sizeof(*m));
	m->m_labels = l;
}

void
ots_metrics_add(struct ots_metrics *m, enum ots_metric c, uint64_t n)
{
	OTS_ASSERT(c < OTS_M_COUNT);
	__atomic_fetch_add(&m->m_count[c], n, __ATOMIC_RELAXED);
}

/* The slot of status: its index, or ml_statuses for "other". */
static size_t
status_index(const struct ots_metrics_labels *l, int status)
{
	size_t s;

	for (s = 0; s < l->ml_statuses; s++) {
		if (l->ml_status[s] == status)
			break;
	}
	return s;
}

/* The field of status slot s, in the hash and as the label. */
static void
status_field(const struct ots_metrics_labels *l, size_t s, char *label,
    size_t n)
{
	if (s < l->ml_statuses)
		field_fmt(label, n, "%d", l->ml_status[s]);
	else
		field_fmt(label, n, "other");
}

void
ots_metrics_request(struct ots_metrics *m, size_t route, int status,
    uint64_t ms)
{
	size_t r = route, s = status_index(m->m_labels, status), b;

	OTS_ASSERT(r < m->m_labels->ml_routes);
	for (b = 0; b < OTS_METRICS_BUCKETS; b++) {
		if (ms <= bounds_ms[b])
			break;
	}
	__atomic_fetch_add(&m->m_status[s], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->m_bucket[r][b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->m_sum_ms[r], ms, __ATOMIC_RELAXED);
}

/* One field to flush: where its count lives, and its name. */
struct pending {
	uint64_t *p_slot;
	uint64_t p_value;
	char p_field[64];
	char p_delta[24];
};

static void
take(struct pending *pd, size_t *n, uint64_t *slot, const char *field)
{
	uint64_t v = __atomic_exchange_n(slot, 0, __ATOMIC_RELAXED);

	if (v == 0)
		return;
	pd[*n].p_slot = slot;
	pd[*n].p_value = v;
	if (ots_str_fmt(pd[*n].p_field, sizeof(pd[*n].p_field), "%s", field) !=
	    OTS_OK ||
	    ots_str_fmt(pd[*n].p_delta, sizeof(pd[*n].p_delta), "%llu",
	    (unsigned long long)v) != OTS_OK)
		OTS_ASSERT(!"metric field too long");
	(*n)++;
}

enum ots_err
ots_metrics_flush(struct ots_metrics *m, struct ots_rds *r)
{
	static struct pending pd[FIELDS_MAX];	/* one flushing thread */
	static const char *argv[1 + 2 * FIELDS_MAX];
	const struct ots_metrics_labels *l = m->m_labels;
	char field[64], label[16];
	size_t n = 0, i, b;
	redisReply *rep = NULL;
	enum ots_err e;

	for (i = 0; i < OTS_M_COUNT; i++)
		take(pd, &n, &m->m_count[i], counters[i].field);
	for (i = 0; i <= l->ml_statuses; i++) {
		status_field(l, i, label, sizeof(label));
		field_fmt(field, sizeof(field), "status:%s", label);
		take(pd, &n, &m->m_status[i], field);
	}
	for (i = 0; i < l->ml_routes; i++) {
		for (b = 0; b <= OTS_METRICS_BUCKETS; b++) {
			field_fmt(field, sizeof(field), "lat:%s:%zu",
			    l->ml_route[i], b);
			take(pd, &n, &m->m_bucket[i][b], field);
		}
		field_fmt(field, sizeof(field), "lat:%s:sum", l->ml_route[i]);
		take(pd, &n, &m->m_sum_ms[i], field);
	}
	if (n == 0)
		return OTS_OK;
	argv[0] = KEY;
	for (i = 0; i < n; i++) {
		argv[1 + 2 * i] = pd[i].p_field;
		argv[2 + 2 * i] = pd[i].p_delta;
	}
	e = ots_rds_eval(r, OTS_SCRIPT_METRICS, 1, (int)(1 + 2 * n), argv, NULL,
	    &rep);
	if (e == OTS_OK) {
		freeReplyObject(rep);
		return OTS_OK;
	}
	/* Keep the counts for the next flush. */
	for (i = 0; i < n; i++)
		__atomic_fetch_add(pd[i].p_slot, pd[i].p_value,
		    __ATOMIC_RELAXED);
	return e;
}

enum ots_err
ots_metrics_set_stored(struct ots_rds *r, uint64_t files, uint64_t bytes)
{
	char f[24], b[24];
	const char *argv[6] = { "HSET", KEY, "gauge:files", f, "gauge:bytes",
		b };
	redisReply *rep = NULL;
	enum ots_err e;

	if (ots_str_fmt(f, sizeof(f), "%llu", (unsigned long long)files) !=
	    OTS_OK || ots_str_fmt(b, sizeof(b), "%llu",
	    (unsigned long long)bytes) != OTS_OK)
		return OTS_ERR_INVAL;
	e = ots_rds_command(r, 6, argv, NULL, &rep);
	if (e == OTS_OK)
		freeReplyObject(rep);
	return e;
}

/* The value of field in an HGETALL reply, 0 when absent. */
static uint64_t
value_of(const redisReply *rep, const char *field)
{
	size_t i;
	uint64_t v = 0;

	for (i = 0; i + 1 < rep->elements; i += 2) {
		const redisReply *k = rep->element[i], *val = rep->element[i + 1];

		if (k->type == REDIS_REPLY_STRING &&
		    val->type == REDIS_REPLY_STRING &&
		    ots_str_eq((struct ots_str){ k->str, k->len }, field)) {
			if (ots_parse_u64(val->str, val->len, 0, UINT64_MAX, &v) !=
			    OTS_OK)
				v = 0;
			return v;
		}
	}
	return 0;
}

enum ots_err
ots_metrics_render_reply(const struct ots_metrics_labels *l,
    const redisReply *rep, struct ots_buf *o)
{
	char field[64];
	enum ots_err e = OTS_OK;
	size_t i, b;

	if (rep->type != REDIS_REPLY_ARRAY)
		return OTS_ERR_REDIS;

	for (i = 0; i < OTS_M_COUNT && e == OTS_OK; i++) {
		const char *fam = counters[i].name;
		size_t flen = strcspn(fam, "{");

		if (counters[i].help != NULL)
			e = ots_buf_addf(o, "# HELP %.*s %s\n# TYPE %.*s counter\n",
			    (int)flen, fam, counters[i].help, (int)flen, fam);
		if (e == OTS_OK)
			e = ots_buf_addf(o, "%s %llu\n", fam, (unsigned long long)
			    value_of(rep, counters[i].field));
	}
	if (e == OTS_OK)
		e = ots_buf_adds(o, "# HELP ots_http_responses_total Answers "
		    "by status.\n# TYPE ots_http_responses_total counter\n");
	for (i = 0; i <= l->ml_statuses && e == OTS_OK; i++) {
		char label[16];

		status_field(l, i, label, sizeof(label));
		field_fmt(field, sizeof(field), "status:%s", label);
		e = ots_buf_addf(o, "ots_http_responses_total{status=\"%s\"} "
		    "%llu\n", label, (unsigned long long)value_of(rep, field));
	}
	if (e == OTS_OK)
		e = ots_buf_adds(o, "# HELP ots_request_duration_seconds Time "
		    "from accept to the answer's end, by route.\n"
		    "# TYPE ots_request_duration_seconds histogram\n");
	for (i = 0; i < l->ml_routes && e == OTS_OK; i++) {
		const char *route = l->ml_route[i];
		uint64_t cum = 0;

		for (b = 0; b <= OTS_METRICS_BUCKETS && e == OTS_OK; b++) {
			field_fmt(field, sizeof(field), "lat:%s:%zu", route, b);
			cum += value_of(rep, field);
			e = ots_buf_addf(o, "ots_request_duration_seconds_bucket"
			    "{route=\"%s\",le=\"%s\"} %llu\n", route,
			    b < OTS_METRICS_BUCKETS ? bounds_s[b] : "+Inf",
			    (unsigned long long)cum);
		}
		field_fmt(field, sizeof(field), "lat:%s:sum", route);
		if (e == OTS_OK)
			e = ots_buf_addf(o, "ots_request_duration_seconds_sum"
			    "{route=\"%s\"} %.3f\n"
			    "ots_request_duration_seconds_count{route=\"%s\"} "
			    "%llu\n", route,
			    (double)value_of(rep, field) / 1000.0, route,
			    (unsigned long long)cum);
	}
	if (e == OTS_OK)
		e = ots_buf_addf(o, "# HELP ots_stored_files Files on disk at "
		    "the last sweep (live shares).\n# TYPE ots_stored_files "
		    "gauge\nots_stored_files %llu\n"
		    "# HELP ots_stored_bytes Bytes of ciphertext on disk at the "
		    "last sweep.\n# TYPE ots_stored_bytes gauge\n"
		    "ots_stored_bytes %llu\n",
		    (unsigned long long)value_of(rep, "gauge:files"),
		    (unsigned long long)value_of(rep, "gauge:bytes"));
	return e;
}

enum ots_err
ots_metrics_render(const struct ots_metrics *m, struct ots_rds *r,
    struct ots_buf *out)
{
	const char *argv[2] = { "HGETALL", KEY };
	redisReply *rep = NULL;
	enum ots_err e;

	e = ots_rds_command(r, 2, argv, NULL, &rep);
	if (e != OTS_OK)
		return e;
	e = ots_metrics_render_reply(m->m_labels, rep, out);
	freeReplyObject(rep);
	return e;
}
