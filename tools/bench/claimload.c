/*
 * download-1m and the download size curve: claims shares uploaded before
 * the run, CONNS at a time on kept-alive connections, until the links run
 * out or SECONDS pass, and checks every byte against EXPECTED_FILE as it
 * streams (nothing is buffered: wrk's Lua copies each body whole, which
 * costs more than the server's work for large bodies).  The links are
 * the files PREFIX.0 .. PREFIX.63, one "ID KEY" per line, as
 * tools/bench/plain.lua writes them.  Prints one JSON line in the shape
 * of tools/bench/report.lua's; the run's length is the time to the last
 * answer.
 *
 *   claimload BASE_URL PREFIX CONNS SECONDS EXPECTED_FILE
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "benchutil.h"

#define ID_MAX 64

struct link {
	char l_id[ID_MAX];
	char l_key[ID_MAX];
};

struct conn {
	CURL *c_easy;
	size_t c_got;
	bool c_mismatch;
	double c_started;
	char c_body[2 * ID_MAX + 8];
};

static const unsigned char *want;
static size_t want_len;

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct conn *c = arg;
	size_t len = size * n;

	if (c->c_got + len > want_len ||
	    memcmp(want + c->c_got, p, len) != 0)
		c->c_mismatch = true;
	c->c_got += len;
	return len;
}

static struct link *
read_links(const char *prefix, size_t *count)
{
	struct link *v = NULL;
	size_t n = 0, cap = 0;
	char path[4096], id[ID_MAX], key[ID_MAX];
	int t;

	for (t = 0; t < 64; t++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s.%d", prefix, t);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fscanf(f, "%63s %63s", id, key) == 2) {
			if (n == cap) {
				struct link *nv;

				cap = cap ? cap * 2 : 1024;
				nv = realloc(v, cap * sizeof(*v));
				if (nv == NULL)
					exit(1);
				v = nv;
			}
			memcpy(v[n].l_id, id, sizeof(id));
			memcpy(v[n].l_key, key, sizeof(key));
			n++;
		}
		fclose(f);
	}
	*count = n;
	return v;
}

static void
start(CURLM *m, struct conn *c, const char *base, const struct link *l)
{
	char url[512];

	snprintf(url, sizeof(url), "%s/d/%s", base, l->l_id);
	snprintf(c->c_body, sizeof(c->c_body), "key=%s", l->l_key);
	c->c_got = 0;
	c->c_mismatch = false;
	c->c_started = bench_now();
	curl_easy_setopt(c->c_easy, CURLOPT_URL, url);
	curl_easy_setopt(c->c_easy, CURLOPT_POSTFIELDS, c->c_body);
	curl_multi_add_handle(m, c->c_easy);
}

int
main(int argc, char **argv)
{
	struct conn *cs;
	struct link *links;
	size_t nlinks, next = 0, done = 0, ok = 0, errors = 0, i;
	double *lat, t0, last = 0, seconds;
	int conns, running;
	unsigned char *w;
	CURLM *m;

	if (argc != 6 || (conns = atoi(argv[3])) <= 0 || conns > 10000 ||
	    (seconds = strtod(argv[4], NULL)) <= 0) {
		fprintf(stderr, "usage: claimload BASE_URL PREFIX CONNS "
		    "SECONDS EXPECTED_FILE\n");
		return 2;
	}
	if ((w = bench_read_file(argv[5], &want_len)) == NULL) {
		perror(argv[5]);
		return 2;
	}
	want = w;
	links = read_links(argv[2], &nlinks);
	if (nlinks == 0) {
		fprintf(stderr, "claimload: no links in %s.*\n", argv[2]);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	cs = calloc((size_t)conns, sizeof(*cs));
	lat = calloc(nlinks, sizeof(*lat));
	if (m == NULL || cs == NULL || lat == NULL)
		return 1;
	t0 = bench_now();
	for (i = 0; i < (size_t)conns && next < nlinks; i++) {
		cs[i].c_easy = curl_easy_init();
		if (cs[i].c_easy == NULL)
			return 1;
		curl_easy_setopt(cs[i].c_easy, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(cs[i].c_easy, CURLOPT_WRITEDATA, &cs[i]);
		curl_easy_setopt(cs[i].c_easy, CURLOPT_PRIVATE, &cs[i]);
		curl_easy_setopt(cs[i].c_easy, CURLOPT_TIMEOUT, 60L);
		start(m, &cs[i], argv[1], &links[next++]);
	}
	do {
		CURLMsg *msg;
		int left;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct conn *c;
			long status = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&c);
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &status);
			last = bench_now();
			lat[done++] = (last - c->c_started) * 1000.0;
			if (msg->data.result == CURLE_OK && status == 200 &&
			    !c->c_mismatch && c->c_got == want_len)
				ok++;
			else
				errors++;
			curl_multi_remove_handle(m, c->c_easy);
			if (next < nlinks && last - t0 < seconds) {
				start(m, c, argv[1], &links[next++]);
				running++;
			}
		}
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running > 0);
	bench_sort(lat, done);
	if (last <= t0)
		last = bench_now();
	printf("{\"requests\":%zu,\"units\":%zu,\"duration_s\":%.3f,"
	    "\"rps\":%.1f,\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
	    "\"errors\":%zu,\"exhausted\":%d}\n", done, ok, last - t0,
	    (double)ok / (last - t0),
	    bench_pct(lat, done, 0.50), bench_pct(lat, done, 0.95),
	    bench_pct(lat, done, 0.99),
	    errors, next >= nlinks ? 1 : 0);
	for (i = 0; i < (size_t)conns; i++)
		if (cs[i].c_easy != NULL)
			curl_easy_cleanup(cs[i].c_easy);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	free(cs);
	free(lat);
	free(links);
	free(w);
	return 0;
}
