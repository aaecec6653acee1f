/*
 * The race scenario: N clients claim one share at the same moment (one
 * libcurl multi handle, every connection opened before the first request
 * completes).  Exactly one must get the file, byte for byte; every other
 * must get 410; anything else is an error.  Prints one JSON line.
 *
 *   race BASE_URL ID KEY N EXPECTED_FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "benchutil.h"

struct client {
	CURL *c_easy;
	unsigned char *c_body;
	size_t c_len, c_cap;
	double c_started;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct client *cl = arg;
	size_t len = size * n;

	if (cl->c_len + len > cl->c_cap) {
		size_t cap = (cl->c_len + len) * 2;
		unsigned char *b = realloc(cl->c_body, cap);

		if (b == NULL)
			return 0;
		cl->c_body = b;
		cl->c_cap = cap;
	}
	memcpy(cl->c_body + cl->c_len, p, len);
	cl->c_len += len;
	return len;
}

int
main(int argc, char **argv)
{
	char url[512], body[256];
	struct client *cl;
	unsigned char *want;
	size_t want_len, winners = 0, gone = 0, errors = 0, done = 0;
	/* Statuses of the errors (0: no answer), to say what went wrong. */
	size_t odd[600] = { 0 };
	char odd_text[256] = "";
	size_t o, used = 0;
	double *lat, t0;
	int i, n, running;
	CURLM *m;

	if (argc != 6 || (n = atoi(argv[4])) <= 0 || n > 10000) {
		fprintf(stderr, "usage: race BASE_URL ID KEY N EXPECTED_FILE\n");
		return 2;
	}
	want = bench_read_file(argv[5], &want_len);
	if (want == NULL) {
		perror(argv[5]);
		return 2;
	}
	snprintf(url, sizeof(url), "%s/d/%s", argv[1], argv[2]);
	snprintf(body, sizeof(body), "key=%s", argv[3]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	cl = calloc((size_t)n, sizeof(*cl));
	lat = calloc((size_t)n, sizeof(*lat));
	if (m == NULL || cl == NULL || lat == NULL)
		return 1;
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)n);
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		CURL *e = curl_easy_init();

		if (e == NULL)
			return 1;
		cl[i].c_easy = e;
		cl[i].c_started = t0;
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &cl[i]);
		curl_easy_setopt(e, CURLOPT_PRIVATE, &cl[i]);
		curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
		curl_multi_add_handle(m, e);
	}
	do {
		CURLMsg *msg;
		int left;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct client *c;
			long status = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&c);
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &status);
			lat[done++] = (bench_now() - c->c_started) * 1000.0;
			if (msg->data.result != CURLE_OK)
				status = 0;
			if (status == 200 && c->c_len == want_len &&
			    memcmp(c->c_body, want, want_len) == 0)
				winners++;
			else if (status == 410)
				gone++;
			else {
				errors++;
				odd[status > 0 && status < 600 ? status : 0]++;
			}
		}
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running > 0);
	bench_sort(lat, done);
	for (o = 0; o < 600; o++)
		if (odd[o] > 0 && used < sizeof(odd_text) - 32)
			used += (size_t)snprintf(odd_text + used,
			    sizeof(odd_text) - used, "%s%zux%zu",
			    used ? " " : "", o, odd[o]);
	printf("{\"requests\":%d,\"duration_s\":%.3f,\"rps\":%.1f,"
	    "\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
	    "\"winners\":%zu,\"gone\":%zu,\"errors\":%zu,"
	    "\"error_statuses\":\"%s\"}\n", n, bench_now() - t0,
	    (double)done / (bench_now() - t0),
	    bench_pct(lat, done, 0.50), bench_pct(lat, done, 0.95),
	    bench_pct(lat, done, 0.99),
	    winners, gone, errors + (size_t)n - done, odd_text);
	for (i = 0; i < n; i++) {
		curl_multi_remove_handle(m, cl[i].c_easy);
		curl_easy_cleanup(cl[i].c_easy);
		free(cl[i].c_body);
	}
	curl_multi_cleanup(m);
	curl_global_cleanup();
	free(cl);
	free(lat);
	free(want);
	return winners == 1 && errors == 0 ? 0 : 1;
}
