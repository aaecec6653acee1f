/*
 * The machine's container rate, the baseline that shows what encryption
 * itself costs the server-side scenarios: THREADS threads each encrypt
 * (or decrypt) SIZE-byte shares with the service's own ots_box for
 * SECONDS, in memory, nothing else.  Prints one JSON line in the shape of
 * tools/bench/report.lua's.
 *
 *   boxrate encrypt|decrypt SIZE THREADS SECONDS
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ots_box.h"
#include "ots_kdf.h"
#include "ots_tok.h"

#include "benchutil.h"

static bool decrypting;
static size_t size;
static uint8_t *plain, *container;
static size_t clen;
static uint8_t key[OTS_KEY_BYTES];
static struct ots_tok id;
static double end_at;
static atomic_uint_fast64_t done, errors;

/* Counts the bytes a stream makes, keeps none. */
static enum ots_err
count_sink(void *ctx, const uint8_t *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
	return OTS_OK;
}

/* Appends to the container being made (once, before the run). */
static enum ots_err
keep_sink(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	memcpy(container + clen, p, n);
	clen += n;
	return OTS_OK;
}

static enum ots_err
encrypt_one(ots_box_sink_fn sink, void *ctx)
{
	struct ots_box_enc *enc = NULL;
	enum ots_err e;

	e = ots_box_enc_new(key, &id, sink, ctx, &enc);
	if (e == OTS_OK)
		e = ots_box_enc_update(enc, plain, size);
	if (e == OTS_OK)
		e = ots_box_enc_finish(enc);
	ots_box_enc_free(enc);
	return e;
}

static enum ots_err
decrypt_one(size_t *out)
{
	struct ots_box_dec *dec = NULL;
	enum ots_err e;

	e = ots_box_dec_new(key, &id, count_sink, out, &dec);
	if (e == OTS_OK)
		e = ots_box_dec_update(dec, container, clen);
	if (e == OTS_OK)
		e = ots_box_dec_finish(dec);
	ots_box_dec_free(dec);
	return e;
}

static void *
loop(void *arg)
{
	(void)arg;
	while (bench_now() < end_at) {
		size_t n = 0;
		enum ots_err e = decrypting ? decrypt_one(&n) :
		    encrypt_one(count_sink, &n);

		if (e == OTS_OK && n == (decrypting ? size : clen))
			atomic_fetch_add(&done, 1);
		else
			atomic_fetch_add(&errors, 1);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	unsigned long i, threads;
	double seconds, t0, took;
	pthread_t t[64];
	uint64_t csize = 0;

	if (argc != 5 || (strcmp(argv[1], "encrypt") != 0 &&
	    strcmp(argv[1], "decrypt") != 0)) {
		fprintf(stderr,
		    "usage: boxrate encrypt|decrypt SIZE THREADS SECONDS\n");
		return 2;
	}
	decrypting = strcmp(argv[1], "decrypt") == 0;
	size = strtoul(argv[2], NULL, 10);
	threads = strtoul(argv[3], NULL, 10);
	seconds = strtod(argv[4], NULL);
	if (threads == 0 || threads > 64 || seconds <= 0 ||
	    sodium_init() < 0 || ots_box_size(size, &csize) != OTS_OK) {
		fprintf(stderr, "boxrate: bad arguments\n");
		return 2;
	}
	plain = malloc(size + 1);
	container = malloc(csize);
	if (plain == NULL || container == NULL)
		return 1;
	randombytes_buf(plain, size);
	randombytes_buf(key, sizeof(key));
	ots_tok_random(&id);
	if (encrypt_one(keep_sink, NULL) != OTS_OK || clen != csize) {
		fprintf(stderr, "boxrate: cannot make the container\n");
		return 1;
	}
	t0 = bench_now();
	end_at = t0 + seconds;
	for (i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, loop, NULL) != 0)
			return 1;
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	took = bench_now() - t0;
	printf("{\"requests\":%llu,\"units\":%llu,\"duration_s\":%.3f,"
	    "\"rps\":%.2f,\"errors\":%llu}\n",
	    (unsigned long long)atomic_load(&done),
	    (unsigned long long)atomic_load(&done), took,
	    (double)atomic_load(&done) / took,
	    (unsigned long long)atomic_load(&errors));
	free(plain);
	free(container);
	return 0;
}
