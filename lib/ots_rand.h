/*
 * ots_rand: libsodium's random bytes (every id, secret, token, nonce and
 * salt) from a per-thread pool that one getrandom(2) refills with
 * OTS_RAND_POOL bytes, so a request's half dozen draws cost one system
 * call now and then instead of one each (system calls and the wake-ups
 * around them are what this service's small requests spend their time
 * on, docs/BENCHMARKS.md).
 *
 * The pool holds only bytes not yet handed out: each is wiped as it is
 * taken.  Draws larger than a quarter of the pool go to getrandom(2)
 * directly.  A fork() empties the calling thread's pool in the child, so
 * parent and child never share bytes (the service does not fork; this
 * keeps a future fork from being a disaster).  A getrandom(2) failure
 * aborts: there is no safe fallback for randomness.
 */
#ifndef OTS_RAND_H
#define OTS_RAND_H

#include <stdint.h>

#define OTS_RAND_POOL 4096u

/* Makes libsodium draw through the pool; call once, before
 * sodium_init(), as libsodium requires. */
void ots_rand_install(void);

/* How often the calling thread's pool was refilled (for tests). */
uint64_t ots_rand_refills(void);

#endif
