/*
 * ots_rand: libsodium's random bytes from a per-thread pool.  Each
 * Criterion test runs in its own process, so installing per test is
 * installing once, before sodium_init(), as required.
 */
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "ots_rand.h"

static void
setup(void)
{
	ots_rand_install();
	cr_assert_geq(sodium_init(), 0);
}

TestSuite(rand, .init = setup);

Test(rand, libsodium_draws_through_the_pool)
{
	uint8_t a[32], b[32];
	uint64_t before;
	int i;

	cr_assert_str_eq(randombytes_implementation_name(), "ots-pool");
	before = ots_rand_refills();
	randombytes_buf(a, sizeof(a));
	randombytes_buf(b, sizeof(b));
	cr_assert(memcmp(a, b, sizeof(a)) != 0);
	/* A request's worth of draws, 100 times over: a few refills, not
	 * one system call per draw. */
	for (i = 0; i < 100; i++) {
		randombytes_buf(a, 16);
		randombytes_buf(a, 24);
		(void)randombytes_uniform(1000);
	}
	cr_assert_leq(ots_rand_refills() - before, 2);
	cr_assert_geq(ots_rand_refills() - before, 1);
}

Test(rand, large_draws_go_to_the_kernel_and_are_random)
{
	static uint8_t big[OTS_RAND_POOL * 2];
	uint64_t before = ots_rand_refills();
	size_t zero = 0, i;

	randombytes_buf(big, sizeof(big));
	cr_assert_eq(ots_rand_refills(), before);
	for (i = 0; i < sizeof(big); i++)
		zero += big[i] == 0;
	/* About 32 of 8192 bytes are 0 by chance; a buffer left unfilled
	 * would be all zeros. */
	cr_assert_lt(zero, 200);
}

Test(rand, a_forked_child_does_not_repeat_the_parents_bytes)
{
	uint8_t warm[8], parent[32], child[32];
	int p[2], status;
	pid_t pid;

	randombytes_buf(warm, sizeof(warm));	/* the pool is full now */
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		randombytes_buf(child, sizeof(child));
		_exit(write(p[1], child, sizeof(child)) == sizeof(child) ? 0 : 1);
	}
	randombytes_buf(parent, sizeof(parent));
	cr_assert_eq(read(p[0], child, sizeof(child)), (ssize_t)sizeof(child));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert(memcmp(parent, child, sizeof(parent)) != 0,
	    "the child drew the parent's next bytes");
	close(p[0]);
	close(p[1]);
}

struct drawn {
	uint64_t d_refills_before, d_refills_after;
	uint8_t d_bytes[32];
};

static void *
draw_in_thread(void *arg)
{
	struct drawn *d = arg;

	d->d_refills_before = ots_rand_refills();
	randombytes_buf(d->d_bytes, sizeof(d->d_bytes));
	d->d_refills_after = ots_rand_refills();
	return NULL;
}

Test(rand, threads_have_pools_of_their_own)
{
	struct drawn d;
	uint8_t mine[32];
	uint64_t before;
	pthread_t t;

	randombytes_buf(mine, sizeof(mine));
	before = ots_rand_refills();
	cr_assert_eq(pthread_create(&t, NULL, draw_in_thread, &d), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	/* A fresh pool in the new thread, filled on its first draw ... */
	cr_assert_eq(d.d_refills_before, 0);
	cr_assert_eq(d.d_refills_after, 1);
	/* ... which left this thread's alone, and drew other bytes. */
	cr_assert_eq(ots_rand_refills(), before);
	cr_assert(memcmp(mine, d.d_bytes, sizeof(mine)) != 0);
}
