/*
 * The one-time promise under contention: 200 concurrent claims of one
 * share, from parallel connections spread over every worker process and
 * thread, get exactly one 200 and 199 × 410.  Repeated 20 times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "itest.h"

#define CLAIMS 200
#define ROUNDS 20

TestSuite(race, .timeout = 240);

struct claimer {
	CURL *c_easy;
	char c_body[128];
	size_t c_got;
	uint8_t c_first[64];
};

static size_t
count_bytes(char *data, size_t size, size_t n, void *ctx)
{
	struct claimer *cl = ctx;
	size_t add = size * n;

	if (cl->c_got < sizeof(cl->c_first)) {
		size_t k = sizeof(cl->c_first) - cl->c_got;

		memcpy(cl->c_first + cl->c_got, data, add < k ? add : k);
	}
	cl->c_got += add;
	return add;
}

static void
race_once(unsigned round)
{
	static struct claimer cl[CLAIMS];
	uint8_t data[1024];
	char url[256];
	struct link l;
	CURLM *m;
	int running = 0, ok = 0, gone = 0, other = 0, i;

	fill_pattern(data, sizeof(data), round + 100);
	cr_assert_eq(upload_put("race.bin", data, sizeof(data), &l), 201);
	snprintf(url, sizeof(url), "%s/d/%s", itest_url(), l.id);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)CLAIMS);
	for (i = 0; i < CLAIMS; i++) {
		memset(&cl[i], 0, sizeof(cl[i]));
		snprintf(cl[i].c_body, sizeof(cl[i].c_body), "key=%s", l.key);
		cl[i].c_easy = curl_easy_init();
		curl_easy_setopt(cl[i].c_easy, CURLOPT_URL, url);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_POSTFIELDS,
		    cl[i].c_body);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_WRITEFUNCTION,
		    count_bytes);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_WRITEDATA, &cl[i]);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(cl[i].c_easy, CURLOPT_FORBID_REUSE, 1L);
		curl_multi_add_handle(m, cl[i].c_easy);
	}
	do {
		curl_multi_perform(m, &running);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running > 0);
	for (i = 0; i < CLAIMS; i++) {
		long status = 0;

		curl_easy_getinfo(cl[i].c_easy, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200) {
			ok++;
			cr_assert_eq(cl[i].c_got, sizeof(data));
			cr_assert(memcmp(cl[i].c_first, data,
			    sizeof(cl[i].c_first)) == 0);
		} else if (status == 410) {
			gone++;
		} else {
			other++;
		}
		curl_multi_remove_handle(m, cl[i].c_easy);
		curl_easy_cleanup(cl[i].c_easy);
	}
	curl_multi_cleanup(m);
	cr_assert_eq(ok, 1, "round %u: %d winners, %d gone, %d other", round,
	    ok, gone, other);
	cr_assert_eq(gone, CLAIMS - 1, "round %u: %d gone, %d other", round,
	    gone, other);
	cr_assert(!data_has(l.id));
}

Test(race, exactly_one_of_200_concurrent_claims_wins)
{
	unsigned r;

	for (r = 0; r < ROUNDS; r++)
		race_once(r);
}
