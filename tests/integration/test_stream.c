/*
 * Streaming with constant memory: a large upload and its download pass
 * through a worker without growing its peak RSS by more than a few MiB.
 * The size is OTS_TEST_BIG_MB (1024 by default; the sanitizer build uses
 * less to keep the run short).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <sodium.h>

#include "itest.h"

#define GROWTH_MAX_KB (8L * 1024L)

static void
workers_with_big_limit(void)
{
	setenv("OTS_MAX_SIZE", "2G", 1);
	devstack("workers-stop");
	devstack("workers-start");
}

static void
workers_back_to_normal(void)
{
	setenv("OTS_MAX_SIZE", "64M", 1);
	devstack("workers-stop");
	devstack("workers-start");
}

TestSuite(stream, .timeout = 600, .init = workers_with_big_limit,
    .fini = workers_back_to_normal);

/* Sum of VmHWM (peak RSS, KiB) over all worker processes. */
static long
workers_peak_kb(void)
{
	char path[1024], line[256];
	long total = 0;
	int i;

	for (i = 1; i <= 16; i++) {
		FILE *f;
		long pid = 0;

		snprintf(path, sizeof(path), "%s/run/fcgi-%d.pid", itest_state(), i);
		f = fopen(path, "r");
		if (f == NULL)
			break;
		cr_assert_eq(fscanf(f, "%ld", &pid), 1);
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		f = fopen(path, "r");
		cr_assert(f != NULL, "worker %ld is gone", pid);
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "VmHWM:", 6) == 0)
				total += strtol(line + 6, NULL, 10);
		}
		fclose(f);
	}
	cr_assert(i > 1, "no worker pid files");
	return total;
}

struct gen {
	uint64_t left;
	uint32_t seed;
	crypto_generichash_state hash;
};

static size_t
gen_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct gen *g = ctx;
	size_t want = size * n;

	if (want > g->left)
		want = (size_t)g->left;
	fill_pattern((uint8_t *)buf, want, g->seed++);
	crypto_generichash_update(&g->hash, (uint8_t *)buf, want);
	g->left -= want;
	return want;
}

struct sum {
	uint64_t got;
	crypto_generichash_state hash;
};

static size_t
sum_write(char *data, size_t size, size_t n, void *ctx)
{
	struct sum *s = ctx;

	crypto_generichash_update(&s->hash, (uint8_t *)data, size * n);
	s->got += size * n;
	return size * n;
}

static size_t
text_write(char *data, size_t size, size_t n, void *ctx)
{
	char *out = ctx;
	size_t have = strlen(out), add = size * n;

	if (have + add < 1024) {
		memcpy(out + have, data, add);
		out[have + add] = '\0';
	}
	return add;
}

Test(stream, big_upload_and_download_keep_memory_flat)
{
	const char *mb_env = getenv("OTS_TEST_BIG_MB");
	uint64_t size = (uint64_t)(mb_env != NULL ? strtoul(mb_env, NULL, 10)
	    : 1024) * 1024 * 1024;
	struct gen g;
	struct sum s;
	uint8_t sent[32], got[32];
	char url[512], answer[1024] = "", body[128];
	struct link l;
	long before, after, status = 0;
	CURL *c;

	cr_assert(sodium_init() >= 0);
	memset(&g, 0, sizeof(g));
	g.left = size;
	g.seed = 1;
	/* Warm up every thread's buffers so the baseline includes them. */
	for (int i = 0; i < 40; i++) {
		struct http_resp r;

		cr_assert_eq(upload_put("w", "warm", 4, &l), 201);
		cr_assert_eq(claim(l.id, l.key, &r), 0);
		http_resp_free(&r);
	}
	before = workers_peak_kb();

	crypto_generichash_init(&g.hash, NULL, 0, sizeof(sent));
	snprintf(url, sizeof(url), "%s/api/v1/files/big.bin", itest_url());
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, gen_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &g);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, text_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	cr_assert_eq(status, 201, "%s", answer);
	crypto_generichash_final(&g.hash, sent, sizeof(sent));
	cr_assert(link_parse(answer, &l));

	crypto_generichash_init(&s.hash, NULL, 0, sizeof(got));
	s.got = 0;
	snprintf(url, sizeof(url), "%s/d/%s", itest_url(), l.id);
	snprintf(body, sizeof(body), "key=%s", l.key);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sum_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	cr_assert_eq(status, 200);
	cr_assert_eq(s.got, size);
	crypto_generichash_final(&s.hash, got, sizeof(got));
	cr_assert(memcmp(sent, got, sizeof(got)) == 0, "content differs");

	after = workers_peak_kb();
	cr_assert_lt(after - before, GROWTH_MAX_KB, "peak RSS grew by %ld KiB "
	    "for a %llu MiB round trip", after - before,
	    (unsigned long long)(size >> 20));
	cr_assert(!data_has(l.id));
}
