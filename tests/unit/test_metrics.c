/*
 * ots_metrics: the labels come from the program (no route or status is
 * known to the library), and the Prometheus text renders what the shared
 * hash holds under those labels.  The hash is a reply tree built by
 * hiredis' reader: no Redis needed (the flush is covered by
 * tests/integration/test_ops.c).
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "resp.h"
#include "ots_metrics.h"

static const char *const routes[] = { "-", "/a/{id}", "/b" };
static const int statuses[] = { 200, 404 };
static const struct ots_metrics_labels labels = { routes, 3, statuses, 2 };

/* The rendered text of the hash in RESP text hash. */
static char *
render(const char *hash)
{
	redisReply *rep = resp(hash);
	struct ots_buf b;
	char *s;

	ots_buf_init(&b, 1u << 20);
	cr_assert_eq(ots_metrics_render_reply(&labels, rep, &b), OTS_OK);
	cr_assert_eq(ots_buf_add(&b, "", 1), OTS_OK);
	s = strdup(b.b_data);
	ots_buf_release(&b);
	freeReplyObject(rep);
	return s;
}

Test(metrics, renders_the_programs_labels_only)
{
	char *t = render("*0\r\n");

	cr_assert(strstr(t, "ots_request_duration_seconds_count{route=\"/a/{id}\"}"
	    " 0\n") != NULL);
	cr_assert(strstr(t, "ots_request_duration_seconds_count{route=\"/b\"} "
	    "0\n") != NULL);
	cr_assert(strstr(t, "ots_request_duration_seconds_count{route=\"-\"} "
	    "0\n") != NULL);
	cr_assert(strstr(t, "ots_http_responses_total{status=\"404\"} 0\n") !=
	    NULL);
	cr_assert(strstr(t, "ots_http_responses_total{status=\"other\"} 0\n") !=
	    NULL);
	/* Nothing the program did not name. */
	cr_assert(strstr(t, "status=\"503\"") == NULL);
	cr_assert(strstr(t, "/api/v1/") == NULL);
	free(t);
}

Test(metrics, renders_latency_by_label_cumulatively)
{
	/* Two requests on /a/{id}: one in the first bucket (1 ms), one in
	 * the fourth (25 ms); 27 ms in all; and three 404s. */
	char *t = render("*8\r\n"
	    "$13\r\nlat:/a/{id}:0\r\n$1\r\n1\r\n"
	    "$13\r\nlat:/a/{id}:3\r\n$1\r\n1\r\n"
	    "$15\r\nlat:/a/{id}:sum\r\n$2\r\n27\r\n"
	    "$10\r\nstatus:404\r\n$1\r\n3\r\n");

	cr_assert(strstr(t, "ots_request_duration_seconds_bucket{route=\"/a/{id}"
	    "\",le=\"0.001\"} 1\n") != NULL, "%s", t);
	cr_assert(strstr(t, "ots_request_duration_seconds_bucket{route=\"/a/{id}"
	    "\",le=\"0.01\"} 1\n") != NULL);
	cr_assert(strstr(t, "ots_request_duration_seconds_bucket{route=\"/a/{id}"
	    "\",le=\"0.025\"} 2\n") != NULL);
	cr_assert(strstr(t, "ots_request_duration_seconds_bucket{route=\"/a/{id}"
	    "\",le=\"+Inf\"} 2\n") != NULL);
	cr_assert(strstr(t, "ots_request_duration_seconds_sum{route=\"/a/{id}\"} "
	    "0.027\n") != NULL);
	cr_assert(strstr(t, "ots_request_duration_seconds_count{route=\"/b\"} "
	    "0\n") != NULL);
	cr_assert(strstr(t, "ots_http_responses_total{status=\"404\"} 3\n") !=
	    NULL);
	free(t);
}

Test(metrics, refuses_a_reply_that_is_not_a_hash)
{
	redisReply *rep = resp("+OK\r\n");
	struct ots_buf b;

	ots_buf_init(&b, 4096);
	cr_assert_eq(ots_metrics_render_reply(&labels, rep, &b),
	    OTS_ERR_REDIS);
	ots_buf_release(&b);
	freeReplyObject(rep);
}

Test(metrics, counts_by_route_index_and_status)
{
	static struct ots_metrics m;

	ots_metrics_init(&m, &labels);
	ots_metrics_request(&m, 1, 404, 3);
	ots_metrics_request(&m, 1, 200, 30);
	ots_metrics_request(&m, 2, 418, 20000);
	/* Statuses in label order, then "other". */
	cr_assert_eq(m.m_status[0], 1);
	cr_assert_eq(m.m_status[1], 1);
	cr_assert_eq(m.m_status[2], 1);
	/* 3 ms in the 5 ms bucket, 30 ms in the 50 ms one, 20 s in +Inf. */
	cr_assert_eq(m.m_bucket[1][1], 1);
	cr_assert_eq(m.m_bucket[1][4], 1);
	cr_assert_eq(m.m_bucket[2][OTS_METRICS_BUCKETS], 1);
	cr_assert_eq(m.m_sum_ms[1], 33);
	cr_assert_eq(m.m_bucket[0][0], 0);
}
