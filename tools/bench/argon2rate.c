/*
 * The machine's Argon2id rate, the baseline for password-roundtrip (a
 * protected round trip derives twice: once to upload, once to claim):
 * THREADS threads each run the service's own ots_kdf_password() for
 * SECONDS, nothing else.  Prints one JSON line in the shape of
 * tools/bench/report.lua's.
 *
 *   argon2rate MEM_KIB TIME LANES THREADS SECONDS
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "ots_kdf.h"

#include "benchutil.h"

static struct ots_kdf_params cost;
static double end_at;
static atomic_uint_fast64_t hashes, errors;

static void *
loop(void *arg)
{
	static const char pw[] = "bench password";
	static const uint8_t salt[OTS_KDF_SALT_BYTES] = { 1, 2, 3, 4 };
	uint8_t out[OTS_KEY_BYTES];

	(void)arg;
	while (bench_now() < end_at) {
		if (ots_kdf_password(pw, sizeof(pw) - 1, salt, &cost, out) ==
		    OTS_OK)
			atomic_fetch_add(&hashes, 1);
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

	if (argc != 6) {
		fprintf(stderr,
		    "usage: argon2rate MEM_KIB TIME LANES THREADS SECONDS\n");
		return 2;
	}
	cost.kp_mem_kib = (uint32_t)strtoul(argv[1], NULL, 10);
	cost.kp_time = (uint32_t)strtoul(argv[2], NULL, 10);
	cost.kp_lanes = (uint32_t)strtoul(argv[3], NULL, 10);
	threads = strtoul(argv[4], NULL, 10);
	seconds = strtod(argv[5], NULL);
	if (threads == 0 || threads > 64 || seconds <= 0 ||
	    !ots_kdf_params_ok(&cost) || sodium_init() < 0) {
		fprintf(stderr, "argon2rate: bad arguments\n");
		return 2;
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
	    (unsigned long long)atomic_load(&hashes),
	    (unsigned long long)atomic_load(&hashes), took,
	    (double)atomic_load(&hashes) / took,
	    (unsigned long long)atomic_load(&errors));
	return 0;
}
