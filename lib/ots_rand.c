#include "ots_rand.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#include "ots_util.h"
#include "ots_banned.h"

/* The unused bytes are the last pool_left of pool. */
static __thread uint8_t pool[OTS_RAND_POOL];
static __thread size_t pool_left;
static __thread uint64_t refills;

/* n bytes from the kernel, or abort. */
static void
kernel_bytes(uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		OTS_ASSERT(r > 0);
		p += r;
		n -= (size_t)r;
	}
}

static void
pool_buf(void *const buf, const size_t size)
{
	uint8_t *from;

	if (size > OTS_RAND_POOL / 4) {
		kernel_bytes(buf, size);
		return;
	}
	if (pool_left < size) {
		kernel_bytes(pool, sizeof(pool));
		pool_left = sizeof(pool);
		refills++;
	}
	from = pool + sizeof(pool) - pool_left;
	memcpy(buf, from, size);
	sodium_memzero(from, size);
	pool_left -= size;
}

static uint32_t
pool_random(void)
{
	uint32_t v;

	pool_buf(&v, sizeof(v));
	return v;
}

static const char *
pool_name(void)
{
	return "ots-pool";
}

/* In a fork()ed child: the pool is the parent's too, so none of it. */
static void
forget_pool(void)
{
	sodium_memzero(pool, sizeof(pool));
	pool_left = 0;
}

static randombytes_implementation impl = {
	.implementation_name = pool_name,
	.random = pool_random,
	.buf = pool_buf,
};

void
ots_rand_install(void)
{
	OTS_ASSERT(pthread_atfork(NULL, NULL, forget_pool) == 0);
	OTS_ASSERT(randombytes_set_implementation(&impl) == 0);
}

uint64_t
ots_rand_refills(void)
{
	return refills;
}
