/*
 * ots_alloc: the allocator and its failure hook, and allocation-failure
 * walks (curl's torture mode) over the modules that allocate: for
 * n = 1, 2, ... the nth allocation and all later ones fail, until the
 * operation succeeds.  Each failing step must report OTS_ERR_NOMEM and
 * release everything.  Under MODE=asan each walk ends with an explicit
 * LeakSanitizer check: Criterion 2.4 records a test's result before the
 * worker exits, so LSan's report at exit alone would not fail it.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <sodium.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include "ots_alloc.h"
#include "ots_box.h"
#include "ots_buf.h"
#include "ots_json.h"
#include "ots_gate.h"
#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_mp.h"
#include "ots_name.h"
#include "ots_store.h"

static void
suite_init(void)
{
	cr_assert_geq(sodium_init(), 0);
	ots_alloc_fail_after(0);
}

static void
suite_fini(void)
{
	ots_alloc_fail_after(0);
}

TestSuite(alloc, .init = suite_init, .fini = suite_fini, .timeout = 20);

/* Hook semantics. */

Test(alloc, fail_after_one_fails_the_next_allocation)
{
	void *p;

	ots_alloc_fail_after(1);
	p = ots_malloc(16);
	ots_alloc_fail_after(0);
	cr_assert_null(p);
}

Test(alloc, fail_after_n_lets_n_minus_one_through)
{
	void *a, *b, *c, *d;

	ots_alloc_fail_after(3);
	a = ots_malloc(8);
	b = ots_calloc(2, 8);
	c = ots_malloc(8);
	d = ots_realloc(NULL, 8);
	ots_alloc_fail_after(0);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_null(c);
	cr_assert_null(d, "allocations after the nth must keep failing");
	ots_free(a);
	ots_free(b);
}

Test(alloc, zero_switches_failures_off)
{
	void *p;

	ots_alloc_fail_after(1);
	ots_alloc_fail_after(0);
	p = ots_malloc(8);
	cr_assert_not_null(p);
	ots_free(p);
}

Test(alloc, failed_realloc_keeps_the_old_block)
{
	char *p = ots_malloc(4);
	char *q;

	cr_assert_not_null(p);
	memcpy(p, "abc", 4);
	ots_alloc_fail_after(1);
	q = ots_realloc(p, 1024);
	ots_alloc_fail_after(0);
	cr_assert_null(q);
	cr_assert_str_eq(p, "abc");
	ots_free(p);
}

Test(alloc, zero_sizes_give_usable_pointers)
{
	void *a = ots_malloc(0);
	void *b = ots_calloc(0, 0);
	void *c = ots_realloc(NULL, 0);

	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_not_null(c);
	ots_free(a);
	ots_free(b);
	ots_free(c);
	ots_free(NULL);
}

Test(alloc, calloc_zeroes)
{
	unsigned char *p = ots_calloc(64, 4);
	size_t i;

	cr_assert_not_null(p);
	for (i = 0; i < 256; i++)
		cr_assert_eq(p[i], 0);
	ots_free(p);
}

Test(alloc, strndup_copies_and_terminates)
{
	char *p = ots_strndup("abcdef", 3);

	cr_assert_not_null(p);
	cr_assert_str_eq(p, "abc");
	ots_free(p);
}

Test(alloc, strndup_rejects_size_max)
{
	cr_assert_null(ots_strndup("x", SIZE_MAX));
}

Test(alloc, strndup_fails_cleanly)
{
	char *p;

	ots_alloc_fail_after(1);
	p = ots_strndup("abc", 3);
	ots_alloc_fail_after(0);
	cr_assert_null(p);
}

/* The walk. */

typedef enum ots_err (*step_fn)(void *ctx);

#define WALK_MAX 500ul

/* Fails the test when LeakSanitizer finds unreachable blocks. */
static void
assert_no_leaks(const char *what)
{
#ifdef __SANITIZE_ADDRESS__
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
	    "%s leaked (see the LeakSanitizer report above)", what);
#else
	(void)what;
#endif
}

/*
 * Runs step with the nth allocation failing, n = 1, 2, ... until it
 * succeeds; every failure must be OTS_ERR_NOMEM.  Returns the number of
 * allocations the successful run needed.
 */
static unsigned long
walk(step_fn step, void *ctx, const char *what)
{
	unsigned long n;
	enum ots_err e = OTS_ERR_NOMEM;

	for (n = 1; n < WALK_MAX; n++) {
		ots_alloc_fail_after(n);
		e = step(ctx);
		ots_alloc_fail_after(0);
		if (e == OTS_OK)
			break;
		cr_assert_eq(e, OTS_ERR_NOMEM,
		    "%s: failing allocation %lu gave '%s'", what, n,
		    ots_err_str(e));
	}
	cr_assert_eq(e, OTS_OK, "%s: no success within %lu allocations",
	    what, WALK_MAX);
	/* n == 1 would mean nothing was allocated: a vacuous walk. */
	cr_assert_gt(n, 1ul, "%s allocated nothing", what);
	assert_no_leaks(what);
	return n - 1;
}

/* A sink that allocates nothing. */
static enum ots_err
count_sink(void *ctx, const uint8_t *p, size_t n)
{
	size_t *count = ctx;

	(void)p;
	*count += n;
	return OTS_OK;
}

static enum ots_err
buf_sink(void *ctx, const uint8_t *p, size_t n)
{
	return ots_buf_add(ctx, p, n);
}

static uint8_t key[OTS_KEY_BYTES];
static struct ots_tok id;
static uint8_t plain[3 * 65536 + 11];

static enum ots_err
box_enc_step(void *ctx)
{
	struct ots_box_enc *enc = NULL;
	size_t *count = ctx;
	enum ots_err e;

	*count = 0;
	e = ots_box_enc_new(key, &id, count_sink, count, &enc);
	if (e == OTS_OK)
		e = ots_box_enc_update(enc, plain, sizeof(plain));
	if (e == OTS_OK)
		e = ots_box_enc_finish(enc);
	ots_box_enc_free(enc);
	return e;
}

Test(alloc, walk_box_encrypt)
{
	size_t count = 0;
	uint64_t want = 0;

	randombytes_buf(key, sizeof(key));
	ots_tok_random(&id);
	walk(box_enc_step, &count, "box encrypt");
	cr_assert_eq(ots_box_size(sizeof(plain), &want), OTS_OK);
	cr_assert_eq((uint64_t)count, want);
}

/* Encrypts plain into a growing buffer: sink failures count too. */
static enum ots_err
box_enc_buf_step(void *ctx)
{
	struct ots_box_enc *enc = NULL;
	struct ots_buf *out = ctx;
	enum ots_err e;

	ots_buf_init(out, 1u << 20);
	e = ots_box_enc_new(key, &id, buf_sink, out, &enc);
	if (e == OTS_OK)
		e = ots_box_enc_update(enc, plain, sizeof(plain));
	if (e == OTS_OK)
		e = ots_box_enc_finish(enc);
	ots_box_enc_free(enc);
	if (e != OTS_OK)
		ots_buf_release(out);
	return e;
}

Test(alloc, walk_box_encrypt_into_buffer)
{
	struct ots_buf out;

	randombytes_buf(key, sizeof(key));
	ots_tok_random(&id);
	cr_assert_gt(walk(box_enc_buf_step, &out, "box encrypt to buffer"),
	    1ul);
	ots_buf_release(&out);
}

struct dec_ctx {
	const struct ots_buf *ct;
	size_t count;
};

static enum ots_err
box_dec_step(void *ctx)
{
	struct dec_ctx *d = ctx;
	struct ots_box_dec *dec = NULL;
	enum ots_err e;

	d->count = 0;
	e = ots_box_dec_new(key, &id, count_sink, &d->count, &dec);
	if (e == OTS_OK)
		e = ots_box_dec_update(dec, (const uint8_t *)d->ct->b_data,
		    d->ct->b_len);
	if (e == OTS_OK)
		e = ots_box_dec_finish(dec);
	ots_box_dec_free(dec);
	return e;
}

Test(alloc, walk_box_decrypt)
{
	struct ots_buf ct;
	struct dec_ctx d;

	randombytes_buf(key, sizeof(key));
	ots_tok_random(&id);
	cr_assert_eq(box_enc_buf_step(&ct), OTS_OK);
	d.ct = &ct;
	walk(box_dec_step, &d, "box decrypt");
	cr_assert_eq(d.count, sizeof(plain));
	ots_buf_release(&ct);
}

struct fd_ctx {
	int fd;
	size_t count;
};

static enum ots_err
box_fd_step(void *ctx)
{
	struct fd_ctx *f = ctx;

	f->count = 0;
	cr_assert_eq(lseek(f->fd, 0, SEEK_SET), 0);
	return ots_box_decrypt_fd(key, &id, f->fd, count_sink, &f->count);
}

Test(alloc, walk_box_decrypt_fd)
{
	char path[] = "/tmp/ots-test-alloc-XXXXXX";
	struct ots_buf ct;
	struct fd_ctx f;

	randombytes_buf(key, sizeof(key));
	ots_tok_random(&id);
	cr_assert_eq(box_enc_buf_step(&ct), OTS_OK);
	f.fd = mkstemp(path);
	cr_assert_geq(f.fd, 0);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(write(f.fd, ct.b_data, ct.b_len), (ssize_t)ct.b_len);
	walk(box_fd_step, &f, "box decrypt fd");
	cr_assert_eq(f.count, sizeof(plain));
	close(f.fd);
	ots_buf_release(&ct);
}

/* Multipart: callbacks that allocate nothing. */
struct mp_count {
	unsigned begins;
	unsigned ends;
	size_t bytes;
};

static enum ots_err
mp_begin(void *ctx, const struct ots_mp_part *part)
{
	struct mp_count *c = ctx;

	(void)part;
	c->begins++;
	return OTS_OK;
}

static enum ots_err
mp_data(void *ctx, const uint8_t *p, size_t n)
{
	struct mp_count *c = ctx;

	(void)p;
	c->bytes += n;
	return OTS_OK;
}

static enum ots_err
mp_end(void *ctx)
{
	struct mp_count *c = ctx;

	c->ends++;
	return OTS_OK;
}

static const char mp_body[] =
    "--xyz\r\n"
    "Content-Disposition: form-data; name=\"file\"; "
    "filename=\"a-fairly-long-file-name-to-grow-the-header-buffer.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "X-Padding: 0123456789012345678901234567890123456789012345678901234\r\n"
    "\r\n"
    "hello"
    "\r\n--xyz\r\n"
    "Content-Disposition: form-data; name=\"expires_in\"\r\n"
    "\r\n"
    "3600"
    "\r\n--xyz--\r\n";

static enum ots_err
mp_step(void *ctx)
{
	static const struct ots_mp_cb cb = { mp_begin, mp_data, mp_end };
	struct mp_count *c = ctx;
	struct ots_mp *mp = NULL;
	enum ots_err e;

	memset(c, 0, sizeof(*c));
	e = ots_mp_new("xyz", &cb, c, &mp);
	if (e == OTS_OK)
		e = ots_mp_feed(mp, (const uint8_t *)mp_body,
		    sizeof(mp_body) - 1);
	if (e == OTS_OK)
		e = ots_mp_finish(mp);
	ots_mp_free(mp);
	return e;
}

Test(alloc, walk_multipart)
{
	struct mp_count c;

	cr_assert_gt(walk(mp_step, &c, "multipart"), 1ul,
	    "the header buffer should grow at least once");
	cr_assert_eq(c.begins, 2u);
	cr_assert_eq(c.ends, 2u);
	cr_assert_eq(c.bytes, 9u);
}

static enum ots_err
buf_grow_step(void *ctx)
{
	struct ots_buf *b = ctx;
	char piece[100];
	enum ots_err e = OTS_OK;
	size_t i;

	memset(piece, 'g', sizeof(piece));
	ots_buf_init(b, 100000);
	for (i = 0; i < 100 && e == OTS_OK; i++)
		e = ots_buf_add(b, piece, sizeof(piece));
	if (e != OTS_OK) {
		/* A failed append must have freed the buffer. */
		cr_assert_null(b->b_data);
		cr_assert_eq(b->b_len, 0u);
	}
	return e;
}

Test(alloc, walk_buf_growth)
{
	struct ots_buf b;

	cr_assert_gt(walk(buf_grow_step, &b, "buffer growth"), 3ul);
	cr_assert_eq(b.b_len, 10000u);
	ots_buf_release(&b);
}

static enum ots_err
buf_addf_step(void *ctx)
{
	struct ots_buf *b = ctx;
	char big[2000];
	enum ots_err e;

	memset(big, 'f', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ots_buf_init(b, 100000);
	e = ots_buf_adds(b, "start:");
	if (e == OTS_OK)
		e = ots_buf_addf(b, "%s:%d", big, 42);
	if (e != OTS_OK)
		cr_assert_null(b->b_data);
	return e;
}

Test(alloc, walk_buf_addf)
{
	struct ots_buf b;

	walk(buf_addf_step, &b, "buffer addf");
	cr_assert_eq(b.b_len, 6u + 1999u + 3u);
	ots_buf_release(&b);
}

static enum ots_err
meta_step(void *ctx)
{
	struct ots_buf *out = ctx;
	struct ots_meta m;
	enum ots_err e;

	memset(&m, 0, sizeof(m));
	memcpy(m.m_name, "name.txt", 9);
	memcpy(m.m_type, "text/plain", 11);
	ots_buf_init(out, OTS_META_SEALED_MAX);
	e = ots_meta_seal(key, &id, &m, out);
	if (e != OTS_OK)
		ots_buf_release(out);
	return e;
}

Test(alloc, walk_meta_seal)
{
	struct ots_buf out;
	struct ots_meta m;

	randombytes_buf(key, sizeof(key));
	ots_tok_random(&id);
	walk(meta_step, &out, "meta seal");
	cr_assert_eq(ots_meta_open(key, &id, (const uint8_t *)out.b_data,
	    out.b_len, &m), OTS_OK);
	cr_assert_str_eq(m.m_name, "name.txt");
	ots_buf_release(&out);
}

static enum ots_err
json_step(void *ctx)
{
	struct ots_buf *b = ctx;
	enum ots_err e;

	ots_buf_init(b, 4096);
	e = ots_json_error(b, "too_large", "the upload passes the limit of "
	    "this service; <ask> the operator & try a smaller file \"now\"");
	if (e != OTS_OK)
		cr_assert_null(b->b_data);
	return e;
}

Test(alloc, walk_json_error)
{
	struct ots_buf b;

	walk(json_step, &b, "json error");
	cr_assert_not_null(strstr(b.b_data, "\\u003cask\\u003e"));
	ots_buf_release(&b);
}

static enum ots_err
disposition_step(void *ctx)
{
	struct ots_buf *b = ctx;
	char name[OTS_NAME_MAX + 1];
	enum ots_err e;

	memset(name, 'n', OTS_NAME_MAX);
	name[OTS_NAME_MAX] = '\0';
	name[10] = ' ';
	ots_buf_init(b, 4096);
	e = ots_name_disposition(name, b);
	if (e != OTS_OK)
		cr_assert_null(b->b_data);
	return e;
}

Test(alloc, walk_name_disposition)
{
	struct ots_buf b;

	walk(disposition_step, &b, "name disposition");
	cr_assert_not_null(strstr(b.b_data, "%20"));
	ots_buf_release(&b);
}

static enum ots_err
gate_step(void *ctx)
{
	struct ots_gate **g = ctx;

	return ots_gate_new(1, g);
}

Test(alloc, walk_kdf_gate)
{
	struct ots_gate *g = NULL;

	walk(gate_step, &g, "kdf gate");
	cr_assert_not_null(g);
	cr_assert_eq(ots_gate_enter(g, 0), OTS_OK);
	ots_gate_leave(g);
	ots_gate_free(g);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct store_ctx {
	const char *dir;
	struct ots_store *st;
};

static enum ots_err
store_step(void *ctx)
{
	struct store_ctx *s = ctx;

	return ots_store_open(s->dir, true, &s->st);
}

Test(alloc, walk_store_open, .init = cr_redirect_stderr)
{
	char dir[] = "/tmp/ots-test-alloc-XXXXXX";
	struct store_ctx s;
	struct ots_tok t;
	int fd = -1;

	cr_assert_not_null(mkdtemp(dir));
	s.dir = dir;
	s.st = NULL;
	walk(store_step, &s, "store open");
	cr_assert_not_null(s.st);
	/* The store that finally opened works. */
	ots_tok_random(&t);
	cr_assert_eq(ots_store_open_read(s.st, &t, &fd), OTS_ERR_NOTFOUND);
	cr_assert_eq(ots_store_probe(s.st), OTS_OK);
	ots_store_close(s.st);
	cr_assert_eq(nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}
