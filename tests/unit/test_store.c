/*
 * ots_store: ciphertext files under a data directory, here a fresh
 * mkdtemp directory per test, removed again by the fixture.  The suite
 * `store` runs with named temp files (tmp/ID.part, the fallback), the
 * suite `unnamed` with O_TMPFILE (the default where it works).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <sodium.h>

#include "ots_store.h"

static char dir[64];
static struct ots_store *st;

static void
unnamed_init(void)
{
	cr_assert_geq(sodium_init(), 0);
	/* Failure paths log to stderr; keep the test output clean. */
	cr_redirect_stderr();
	memcpy(dir, "/tmp/ots-test-store-XXXXXX", 27);
	cr_assert_not_null(mkdtemp(dir));
	st = NULL;
	cr_assert_eq(ots_store_open(dir, true, &st), OTS_OK);
	cr_assert_not_null(st);
}

static void
store_init(void)
{
	unnamed_init();
	ots_store_use_named_temps(st);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
store_fini(void)
{
	ots_store_close(st);
	st = NULL;
	if (dir[0] != '\0')
		(void)nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(store, .init = store_init, .fini = store_fini, .timeout = 10);
TestSuite(unnamed, .init = unnamed_init, .fini = store_fini, .timeout = 10);

/* DIR/sub/name, for checks from outside the store. */
static const char *
path_of(const char *sub, const char *name)
{
	static char p[256];

	cr_assert_lt(snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, name),
	    (int)sizeof(p));
	return p;
}

static bool
exists(const char *sub, const char *name)
{
	struct stat sb;

	return lstat(path_of(sub, name), &sb) == 0;
}

static char *
part_name(const struct ots_tok *id)
{
	static char n[OTS_TOK_STRSZ + 8];

	cr_assert_lt(snprintf(n, sizeof(n), "%s.part", id->t_str),
	    (int)sizeof(n));
	return n;
}

/* Creates, writes and commits files/ID holding n bytes of p. */
static void
put(const struct ots_tok *id, const void *p, size_t n)
{
	struct ots_store_tmp t;

	cr_assert_eq(ots_store_create(st, id, &t), OTS_OK);
	cr_assert_eq(ots_store_write(&t, p, n), OTS_OK);
	cr_assert_eq(ots_store_commit(st, &t), OTS_OK);
}

/* Reads everything left in fd. */
static size_t
read_all(int fd, char *buf, size_t max)
{
	size_t n = 0;
	ssize_t r;

	while ((r = read(fd, buf + n, max - n)) > 0)
		n += (size_t)r;
	cr_assert_geq(r, 0);
	return n;
}

Test(store, open_creates_private_subdirectories)
{
	struct stat sb;

	cr_assert_eq(stat(path_of("tmp", ""), &sb), 0);
	cr_assert(S_ISDIR(sb.st_mode));
	cr_assert_eq(sb.st_mode & 07777, 0700u, "tmp/ mode %o",
	    (unsigned)(sb.st_mode & 07777));
	cr_assert_eq(stat(path_of("files", ""), &sb), 0);
	cr_assert(S_ISDIR(sb.st_mode));
	cr_assert_eq(sb.st_mode & 07777, 0700u);
}

Test(store, open_of_existing_layout_succeeds)
{
	struct ots_store *again = NULL;

	cr_assert_eq(ots_store_open(dir, true, &again), OTS_OK);
	cr_assert_not_null(again);
	ots_store_close(again);
}

Test(store, open_of_missing_dir_fails)
{
	struct ots_store *s = (struct ots_store *)&s;
	char missing[128];

	cr_assert_lt(snprintf(missing, sizeof(missing), "%s/nope", dir),
	    (int)sizeof(missing));
	cr_assert_eq(ots_store_open(missing, true, &s), OTS_ERR_IO);
	cr_assert_null(s);
}

Test(store, open_of_regular_file_fails)
{
	struct ots_store *s = NULL;
	char file[128];
	int fd;

	cr_assert_lt(snprintf(file, sizeof(file), "%s/plain", dir),
	    (int)sizeof(file));
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(ots_store_open(file, true, &s), OTS_ERR_IO);
	cr_assert_null(s);
}

Test(store, create_makes_private_part_file)
{
	struct ots_store_tmp t;
	struct ots_tok id;
	struct stat sb;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &t), OTS_OK);
	cr_assert_geq(t.t_fd, 0);
	cr_assert_eq(t.t_written, 0u);
	cr_assert_str_eq(t.t_name, part_name(&id));
	cr_assert_eq(lstat(path_of("tmp", part_name(&id)), &sb), 0);
	cr_assert(S_ISREG(sb.st_mode));
	cr_assert_eq(sb.st_mode & 07777, 0600u, "mode %o",
	    (unsigned)(sb.st_mode & 07777));
	ots_store_abort(st, &t);
}

Test(store, create_of_existing_part_fails)
{
	struct ots_store_tmp a, b;
	struct ots_tok id;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &a), OTS_OK);
	cr_assert_neq(ots_store_create(st, &id, &b), OTS_OK);
	cr_assert_eq(b.t_fd, -1);
	ots_store_abort(st, &a);
}

/*
 * A failed create owns nothing.  Cleaning it up with ots_store_abort
 * (as ots_upload_free does) must not delete the temp file of the
 * upload that does own ID.part.
 */
Test(store, abort_after_failed_create_keeps_other_part)
{
	struct ots_store_tmp a, b;
	struct ots_tok id;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &a), OTS_OK);
	cr_assert_neq(ots_store_create(st, &id, &b), OTS_OK);
	ots_store_abort(st, &b);
	cr_assert(exists("tmp", part_name(&id)),
	    "the other writer's tmp/ID.part was removed");
	ots_store_abort(st, &a);
}

Test(store, commit_moves_same_bytes_into_files)
{
	static const char data[] = "container bytes\0with a NUL";
	struct ots_store_tmp t;
	struct ots_tok id;
	struct stat sb;
	char back[64];
	int fd;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &t), OTS_OK);
	cr_assert_eq(ots_store_write(&t, (const uint8_t *)data, 10), OTS_OK);
	cr_assert_eq(ots_store_write(&t, (const uint8_t *)data + 10,
	    sizeof(data) - 10), OTS_OK);
	cr_assert_eq(t.t_written, sizeof(data));
	cr_assert_eq(ots_store_commit(st, &t), OTS_OK);
	cr_assert_eq(t.t_fd, -1);
	cr_assert(!exists("tmp", part_name(&id)), "part file left behind");
	cr_assert_eq(lstat(path_of("files", id.t_str), &sb), 0);
	cr_assert(S_ISREG(sb.st_mode));
	cr_assert_eq(sb.st_mode & 07777, 0600u);
	cr_assert_eq((size_t)sb.st_size, sizeof(data));
	fd = open(path_of("files", id.t_str), O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read_all(fd, back, sizeof(back)), sizeof(data));
	cr_assert(memcmp(back, data, sizeof(data)) == 0);
	close(fd);
}

Test(store, commit_of_empty_file_works)
{
	struct ots_tok id;
	struct stat sb;

	ots_tok_random(&id);
	put(&id, "", 0);
	cr_assert_eq(lstat(path_of("files", id.t_str), &sb), 0);
	cr_assert_eq(sb.st_size, 0);
}

Test(store, abort_removes_part_file)
{
	struct ots_store_tmp t;
	struct ots_tok id;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &t), OTS_OK);
	cr_assert_eq(ots_store_write(&t, (const uint8_t *)"abc", 3), OTS_OK);
	ots_store_abort(st, &t);
	cr_assert_eq(t.t_fd, -1);
	cr_assert(!exists("tmp", part_name(&id)));
	cr_assert(!exists("files", id.t_str));
	/* A second abort is harmless. */
	ots_store_abort(st, &t);
	cr_assert_eq(t.t_fd, -1);
}

Test(store, abort_after_commit_keeps_the_file)
{
	struct ots_store_tmp t;
	struct ots_tok id;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &t), OTS_OK);
	cr_assert_eq(ots_store_write(&t, (const uint8_t *)"abc", 3), OTS_OK);
	cr_assert_eq(ots_store_commit(st, &t), OTS_OK);
	ots_store_abort(st, &t);
	cr_assert(exists("files", id.t_str));
}

/* What a claim does to the file: opens it, then removes it. */
Test(store, open_read_then_remove_leaves_the_bytes_to_the_reader)
{
	static const char data[] = "one time only";
	struct ots_tok id;
	char back[64];
	int fd = -1;

	ots_tok_random(&id);
	put(&id, data, sizeof(data) - 1);
	cr_assert_eq(ots_store_open_read(st, &id, &fd), OTS_OK);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ots_store_remove(st, &id), OTS_OK);
	cr_assert(!exists("files", id.t_str), "file still linked after remove");
	cr_assert_eq(read_all(fd, back, sizeof(back)), sizeof(data) - 1);
	cr_assert(memcmp(back, data, sizeof(data) - 1) == 0);
	close(fd);
	cr_assert_eq(ots_store_open_read(st, &id, &fd), OTS_ERR_NOTFOUND);
}

Test(store, open_read_of_missing_id_is_notfound)
{
	struct ots_tok id;
	int fd = 42;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_open_read(st, &id, &fd), OTS_ERR_NOTFOUND);
	cr_assert_eq(fd, -1);
}

Test(store, open_read_ignores_uncommitted_part)
{
	struct ots_store_tmp t;
	struct ots_tok id;
	int fd = 42;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &t), OTS_OK);
	cr_assert_eq(ots_store_open_read(st, &id, &fd), OTS_ERR_NOTFOUND);
	ots_store_abort(st, &t);
}

Test(store, remove_deletes_file)
{
	struct ots_tok id;

	ots_tok_random(&id);
	put(&id, "abc", 3);
	cr_assert_eq(ots_store_remove(st, &id), OTS_OK);
	cr_assert(!exists("files", id.t_str));
}

Test(store, remove_of_missing_is_ok)
{
	struct ots_tok id;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_remove(st, &id), OTS_OK);
}

Test(store, probe_succeeds_and_leaves_nothing)
{
	char tmp[128];

	cr_assert_eq(ots_store_probe(st), OTS_OK);
	cr_assert_eq(ots_store_probe(st), OTS_OK);
	/* rmdir succeeds on an empty directory only. */
	cr_assert_lt(snprintf(tmp, sizeof(tmp), "%s/tmp", dir),
	    (int)sizeof(tmp));
	cr_assert_eq(rmdir(tmp), 0, "tmp/ not empty after probe: %s",
	    strerror(errno));
}

/* ots_store_scan */

#define SCAN_MAX 8

/* What a scan visited; remove_name (if set) is asked to be removed. */
struct scan_rec {
	char names[SCAN_MAX][OTS_TOK_STRSZ + 8];
	uint64_t mtimes[SCAN_MAX];
	size_t n;
	const char *remove_name;
	enum ots_err fail_with;
};

static enum ots_err
scan_visit(void *ctx, const char *name, uint64_t mtime, bool *remove)
{
	struct scan_rec *r = ctx;

	cr_assert_lt(r->n, (size_t)SCAN_MAX);
	cr_assert_lt(strlen(name), sizeof(r->names[0]));
	memcpy(r->names[r->n], name, strlen(name) + 1);
	r->mtimes[r->n] = mtime;
	r->n++;
	if (r->fail_with != OTS_OK)
		return r->fail_with;
	*remove = r->remove_name != NULL &&
	    strcmp(name, r->remove_name) == 0;
	return OTS_OK;
}

static bool
visited(const struct scan_rec *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (strcmp(r->names[i], name) == 0)
			return true;
	}
	return false;
}

/* Creates an empty file that is not ours under DIR/sub. */
static void
foreign_file(const char *sub, const char *name)
{
	int fd = open(path_of(sub, name), O_WRONLY | O_CREAT | O_EXCL, 0600);

	cr_assert_geq(fd, 0, "%s/%s", sub, name);
	close(fd);
}

Test(store, scan_visits_committed_files_only)
{
	struct ots_tok a, b, c;
	struct ots_store_tmp t;
	struct scan_rec r;
	uint64_t removed = 99, now = ots_now();

	ots_tok_random(&a);
	ots_tok_random(&b);
	ots_tok_random(&c);
	put(&a, "a", 1);
	put(&b, "b", 1);
	cr_assert_eq(ots_store_create(st, &c, &t), OTS_OK);
	foreign_file("files", "README");
	/* Token-shaped but not canonical: not one of ours. */
	foreign_file("files", "AAAAAAAAAAAAAAAAAAAAAB");
	memset(&r, 0, sizeof(r));
	cr_assert_eq(ots_store_scan(st, OTS_STORE_FILES, scan_visit, &r, &removed),
	    OTS_OK);
	cr_assert_eq(r.n, 2u, "visited %zu entries", r.n);
	cr_assert(visited(&r, a.t_str));
	cr_assert(visited(&r, b.t_str));
	cr_assert_eq(removed, 0u);
	cr_assert_geq(r.mtimes[0] + 60, now);
	cr_assert_leq(r.mtimes[0], now + 60);
	ots_store_abort(st, &t);
}

Test(store, scan_removes_what_the_visitor_asks)
{
	struct ots_tok a, b;
	struct scan_rec r;
	uint64_t removed = 0;

	ots_tok_random(&a);
	ots_tok_random(&b);
	put(&a, "a", 1);
	put(&b, "b", 1);
	memset(&r, 0, sizeof(r));
	r.remove_name = a.t_str;
	cr_assert_eq(ots_store_scan(st, OTS_STORE_FILES, scan_visit, &r, &removed),
	    OTS_OK);
	cr_assert_eq(removed, 1u);
	cr_assert(!exists("files", a.t_str));
	cr_assert(exists("files", b.t_str));
}

Test(store, scan_of_parts_visits_temp_files_only)
{
	struct ots_tok a, c;
	struct ots_store_tmp t;
	struct scan_rec r;
	uint64_t removed = 0;
	char part[OTS_TOK_STRSZ + 8];

	ots_tok_random(&a);
	ots_tok_random(&c);
	put(&a, "a", 1);
	cr_assert_eq(ots_store_create(st, &c, &t), OTS_OK);
	memcpy(part, part_name(&c), strlen(part_name(&c)) + 1);
	foreign_file("tmp", "notes.part");
	memset(&r, 0, sizeof(r));
	r.remove_name = part;
	cr_assert_eq(ots_store_scan(st, OTS_STORE_TEMPS, scan_visit, &r, &removed),
	    OTS_OK);
	cr_assert_eq(r.n, 1u, "visited %zu entries", r.n);
	cr_assert_str_eq(r.names[0], part);
	cr_assert_eq(removed, 1u);
	cr_assert(!exists("tmp", part));
	cr_assert(exists("files", a.t_str));
	ots_store_abort(st, &t);
}

Test(store, scan_stops_at_visitor_error)
{
	struct ots_tok a, b, c;
	struct scan_rec r;
	uint64_t removed = 0;

	ots_tok_random(&a);
	ots_tok_random(&b);
	ots_tok_random(&c);
	put(&a, "a", 1);
	put(&b, "b", 1);
	put(&c, "c", 1);
	memset(&r, 0, sizeof(r));
	r.fail_with = OTS_ERR_REDIS;
	cr_assert_eq(ots_store_scan(st, OTS_STORE_FILES, scan_visit, &r, &removed),
	    OTS_ERR_REDIS);
	cr_assert_eq(r.n, 1u, "visited %zu entries after the error", r.n);
	cr_assert_eq(removed, 0u);
}

/* Entries in DIR/sub, . and .. aside. */
static int
entries(const char *sub)
{
	char p[256];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	d = opendir(p);
	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

Test(unnamed, is_what_this_file_system_does)
{
	/* ext4, XFS, btrfs and tmpfs, where the tests run, all can. */
	cr_assert(ots_store_unnamed(st));
}

Test(unnamed, upload_has_no_name_until_commit)
{
	static const char data[] = "unnamed container bytes";
	struct ots_store_tmp t;
	struct ots_tok id;
	char back[64];
	int fd;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &t), OTS_OK);
	cr_assert(t.t_unnamed);
	cr_assert_eq(ots_store_write(&t, (const uint8_t *)data, sizeof(data)),
	    OTS_OK);
	/* Nothing to find, nothing a crash could leave behind. */
	cr_assert_eq(entries("tmp"), 0);
	cr_assert_eq(entries("files"), 0);
	cr_assert_eq(ots_store_commit(st, &t), OTS_OK);
	cr_assert_eq(t.t_fd, -1);
	cr_assert_eq(entries("tmp"), 0);
	cr_assert_eq(entries("files"), 1);
	fd = open(path_of("files", id.t_str), O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read_all(fd, back, sizeof(back)), sizeof(data));
	cr_assert(memcmp(back, data, sizeof(data)) == 0);
	close(fd);
}

Test(unnamed, abort_leaves_nothing)
{
	struct ots_store_tmp t;
	struct ots_tok id;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(st, &id, &t), OTS_OK);
	cr_assert_eq(ots_store_write(&t, (const uint8_t *)"abc", 3), OTS_OK);
	ots_store_abort(st, &t);
	cr_assert_eq(t.t_fd, -1);
	cr_assert_eq(entries("tmp"), 0);
	cr_assert_eq(entries("files"), 0);
	ots_store_abort(st, &t);
}

Test(unnamed, commit_never_replaces_a_file)
{
	struct ots_store_tmp t;
	struct ots_tok id;
	char back[16];
	int fd;

	/* Ids are random, but a rename would silently replace: a link
	 * refuses, and the first file stays as it was. */
	ots_tok_random(&id);
	put(&id, "first", 5);
	cr_assert_eq(ots_store_create(st, &id, &t), OTS_OK);
	cr_assert_eq(ots_store_write(&t, (const uint8_t *)"second", 6), OTS_OK);
	cr_assert_neq(ots_store_commit(st, &t), OTS_OK);
	cr_assert_eq(t.t_fd, -1);
	fd = open(path_of("files", id.t_str), O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read_all(fd, back, sizeof(back)), 5u);
	cr_assert(memcmp(back, "first", 5) == 0);
	close(fd);
	cr_assert_eq(entries("files"), 1);
}

Test(unnamed, take_after_commit_works_and_durability_can_be_off)
{
	struct ots_store *fast = NULL;
	struct ots_store_tmp t;
	struct ots_tok id;
	char back[16];
	int fd = -1;

	cr_assert_eq(ots_store_open(dir, false, &fast), OTS_OK);
	ots_tok_random(&id);
	cr_assert_eq(ots_store_create(fast, &id, &t), OTS_OK);
	cr_assert_eq(ots_store_write(&t, (const uint8_t *)"quick", 5), OTS_OK);
	cr_assert_eq(ots_store_commit(fast, &t), OTS_OK);
	cr_assert_eq(ots_store_open_read(fast, &id, &fd), OTS_OK);
	cr_assert_eq(ots_store_remove(fast, &id), OTS_OK);
	cr_assert_eq(read_all(fd, back, sizeof(back)), 5u);
	close(fd);
	cr_assert_eq(entries("files"), 0);
	ots_store_close(fast);
}

/* Many threads commit at once: they share the directory syncs, and
 * every one of them ends with its file durable and in place. */
#define COMMITTERS 16

static void *
commit_one(void *arg)
{
	struct ots_tok *id = arg;
	struct ots_store_tmp t;

	if (ots_store_create(st, id, &t) != OTS_OK)
		return (void *)1;
	if (ots_store_write(&t, (const uint8_t *)id->t_str, OTS_TOK_CHARS) !=
	    OTS_OK || ots_store_commit(st, &t) != OTS_OK)
		return (void *)1;
	return NULL;
}

Test(unnamed, concurrent_commits_all_land)
{
	pthread_t th[COMMITTERS];
	struct ots_tok ids[COMMITTERS];
	char back[OTS_TOK_STRSZ];
	void *rc;
	int i, fd;

	for (i = 0; i < COMMITTERS; i++) {
		ots_tok_random(&ids[i]);
		cr_assert_eq(pthread_create(&th[i], NULL, commit_one, &ids[i]),
		    0);
	}
	for (i = 0; i < COMMITTERS; i++) {
		cr_assert_eq(pthread_join(th[i], &rc), 0);
		cr_assert_null(rc, "committer %d failed", i);
	}
	cr_assert_eq(entries("files"), COMMITTERS);
	for (i = 0; i < COMMITTERS; i++) {
		fd = open(path_of("files", ids[i].t_str), O_RDONLY);
		cr_assert_geq(fd, 0);
		cr_assert_eq(read_all(fd, back, sizeof(back)),
		    (size_t)OTS_TOK_CHARS);
		cr_assert(memcmp(back, ids[i].t_str, OTS_TOK_CHARS) == 0);
		close(fd);
	}
}

/* The file of an end-to-end upload in parts, written as the workers do:
 * begin at the stored offset, write, settle. */
static void
write_part(const struct ots_tok *id, uint64_t off, const char *p)
{
	int fd = -1;

	cr_assert_eq(ots_store_part_open(st, id, 0, &fd), OTS_OK);
	cr_assert_eq(ots_store_part_begin(fd, off), OTS_OK);
	cr_assert_eq(ots_store_part_write(fd, off, (const uint8_t *)p,
	    strlen(p)), OTS_OK);
	cr_assert_eq(ots_store_part_settle(st, fd), OTS_OK);
	close(fd);
}

static void
assert_part_is(const struct ots_tok *id, const char *want)
{
	uint8_t head[64];
	uint64_t size = 0;
	int fd = -1;

	cr_assert_eq(ots_store_part_open(st, id, 0, &fd), OTS_OK);
	cr_assert_eq(ots_store_part_head(fd, head, strlen(want), &size),
	    OTS_OK);
	cr_assert_eq(size, strlen(want));
	cr_assert(memcmp(head, want, strlen(want)) == 0);
	close(fd);
}

Test(store, parts_append_and_a_failed_part_is_dropped)
{
	struct ots_tok id;
	int fd = -1;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_part_create(st, &id), OTS_OK);
	cr_assert(exists("uploads", part_name(&id)));
	cr_assert_eq(ots_store_part_create(st, &id), OTS_ERR_INVAL);
	write_part(&id, 0, "OTSC-");
	write_part(&id, 5, "second");
	assert_part_is(&id, "OTSC-second");
	/* A part that died half written past offset 5: the next one at 5
	 * drops its bytes first. */
	cr_assert_eq(ots_store_part_open(st, &id, 0, &fd), OTS_OK);
	cr_assert_eq(ots_store_part_write(fd, 11, (const uint8_t *)"junk-tail",
	    9), OTS_OK);
	close(fd);
	write_part(&id, 5, "again");
	assert_part_is(&id, "OTSC-again");
}

Test(store, part_head_of_a_short_file_is_trunc)
{
	struct ots_tok id;
	uint8_t head[28];
	uint64_t size = 9;
	int fd = -1;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_part_create(st, &id), OTS_OK);
	write_part(&id, 0, "OTS");
	cr_assert_eq(ots_store_part_open(st, &id, 0, &fd), OTS_OK);
	cr_assert_eq(ots_store_part_head(fd, head, sizeof(head), &size),
	    OTS_ERR_TRUNC);
	cr_assert_eq(size, 3);
	close(fd);
}

Test(store, part_open_of_missing_upload_is_notfound)
{
	struct ots_tok id;
	int fd = -1;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_part_open(st, &id, 0, &fd), OTS_ERR_NOTFOUND);
	cr_assert_eq(fd, -1);
	cr_assert_eq(ots_store_part_commit(st, &id), OTS_ERR_NOTFOUND);
	cr_assert_eq(ots_store_part_remove(st, &id), OTS_OK);
}

Test(store, part_commit_never_replaces_a_share)
{
	struct ots_tok id;
	char back[32];
	int fd;

	ots_tok_random(&id);
	put(&id, "first", 5);
	cr_assert_eq(ots_store_part_create(st, &id), OTS_OK);
	write_part(&id, 0, "second");
	cr_assert_eq(ots_store_part_commit(st, &id), OTS_ERR_INVAL);
	fd = open(path_of("files", id.t_str), O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read_all(fd, back, sizeof(back)), 5);
	cr_assert(memcmp(back, "first", 5) == 0);
	close(fd);
	/* The upload is still there, to be removed. */
	cr_assert(exists("uploads", part_name(&id)));
	cr_assert_eq(ots_store_part_remove(st, &id), OTS_OK);
	cr_assert(!exists("uploads", part_name(&id)));
}

Test(store, part_commit_and_uncommit)
{
	struct ots_tok id;

	ots_tok_random(&id);
	cr_assert_eq(ots_store_part_create(st, &id), OTS_OK);
	write_part(&id, 0, "whole");
	cr_assert_eq(ots_store_part_commit(st, &id), OTS_OK);
	cr_assert(exists("files", id.t_str));
	cr_assert(!exists("uploads", part_name(&id)));
	cr_assert_eq(ots_store_part_uncommit(st, &id), OTS_OK);
	cr_assert(!exists("files", id.t_str));
	assert_part_is(&id, "whole");
}

Test(store, lease_hands_the_file_to_the_web_servers_group)
{
	struct ots_tok id;
	struct stat sb;

	ots_tok_random(&id);
	put(&id, "container", 9);
	cr_assert_eq(ots_store_lease(st, &id), OTS_OK);
	cr_assert(!exists("files", id.t_str));
	cr_assert_eq(lstat(path_of("ots-lease", id.t_str), &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0640);
	cr_assert_eq(sb.st_size, 9);
	/* Leased once: the file is no longer in files/. */
	cr_assert_eq(ots_store_lease(st, &id), OTS_ERR_NOTFOUND);
	cr_assert_eq(ots_store_lease_remove(st, &id), OTS_OK);
	cr_assert(!exists("ots-lease", id.t_str));
	cr_assert_eq(ots_store_lease_remove(st, &id), OTS_OK);
}

/* Closes and opens the store again, as a restarted worker does. */
static void
reopen(void)
{
	ots_store_close(st);
	st = NULL;
	cr_assert_eq(ots_store_open(dir, true, &st), OTS_OK);
}

Test(store, lease_ready_needs_group_access)
{
	/* mkdtemp made the data dir 0700: the web server cannot enter. */
	cr_assert(!ots_store_lease_ready(st));
	cr_assert_eq(chmod(dir, 0710), 0);
	reopen();
	cr_assert(ots_store_lease_ready(st));
	/* A lease folder closed to the group is opened again at start. */
	cr_assert_eq(chmod(path_of("ots-lease", ""), 0700), 0);
	reopen();
	cr_assert(ots_store_lease_ready(st));
	{
		struct stat sb;

		cr_assert_eq(stat(path_of("ots-lease", ""), &sb), 0);
		cr_assert_eq(sb.st_mode & 0777, 0710);
	}
}

/*
 * Concurrent commits (which share the fsync of files/): threads commit
 * whole uploads and parts at once in a durable store, and each file
 * lands complete.  The threads report failures by return value (no
 * cr_assert off the test's thread).
 */
#define GC_THREADS 8
#define GC_ROUNDS 8
#define GC_CHUNK 4096
#define GC_CHUNKS 4

struct gc_job {
	struct ots_tok ids[GC_ROUNDS];
	uint8_t fill;		/* round r writes bytes fill + r */
	bool parts;		/* in two parts, end-to-end */
};

static pthread_barrier_t gc_start;

static bool
gc_put(const struct ots_tok *id, uint8_t b)
{
	struct ots_store_tmp t;
	uint8_t chunk[GC_CHUNK];
	int i;

	memset(chunk, b, sizeof(chunk));
	if (ots_store_create(st, id, &t) != OTS_OK)
		return false;
	for (i = 0; i < GC_CHUNKS; i++) {
		if (ots_store_write(&t, chunk, sizeof(chunk)) != OTS_OK) {
			ots_store_abort(st, &t);
			return false;
		}
	}
	return ots_store_commit(st, &t) == OTS_OK;
}

static bool
gc_put_parts(const struct ots_tok *id, uint8_t b)
{
	uint8_t chunk[GC_CHUNK * GC_CHUNKS / 2];
	uint64_t off;
	bool ok = true;
	int fd = -1;

	memset(chunk, b, sizeof(chunk));
	if (ots_store_part_create(st, id) != OTS_OK)
		return false;
	for (off = 0; ok && off < 2 * sizeof(chunk); off += sizeof(chunk)) {
		ok = ots_store_part_open(st, id, 0, &fd) == OTS_OK &&
		    ots_store_part_begin(fd, off) == OTS_OK &&
		    ots_store_part_write(fd, off, chunk, sizeof(chunk)) ==
		    OTS_OK && ots_store_part_settle(st, fd) == OTS_OK;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	return ok && ots_store_part_commit(st, id) == OTS_OK;
}

static void *
gc_run(void *arg)
{
	struct gc_job *j = arg;
	uint8_t r;

	(void)pthread_barrier_wait(&gc_start);
	for (r = 0; r < GC_ROUNDS; r++) {
		uint8_t b = (uint8_t)(j->fill + r);

		if (!(j->parts ? gc_put_parts(&j->ids[r], b) :
		    gc_put(&j->ids[r], b)))
			return (void *)1;
	}
	return NULL;
}

/* Runs the jobs, one thread each, then checks every file is in files/,
 * whole.  Parts: every other thread uploads in parts. */
static void
gc_commit_all(bool parts)
{
	static struct gc_job jobs[GC_THREADS];
	pthread_t th[GC_THREADS];
	uint8_t back[GC_CHUNK * GC_CHUNKS + 1], want[GC_CHUNK * GC_CHUNKS];
	void *rc;
	int i, r, fd;

	cr_assert_eq(pthread_barrier_init(&gc_start, NULL, GC_THREADS), 0);
	for (i = 0; i < GC_THREADS; i++) {
		for (r = 0; r < GC_ROUNDS; r++)
			ots_tok_random(&jobs[i].ids[r]);
		jobs[i].fill = (uint8_t)(1 + i * GC_ROUNDS);
		jobs[i].parts = parts && i % 2 == 1;
		cr_assert_eq(pthread_create(&th[i], NULL, gc_run, &jobs[i]),
		    0);
	}
	for (i = 0; i < GC_THREADS; i++) {
		cr_assert_eq(pthread_join(th[i], &rc), 0);
		cr_assert_null(rc, "committer %d failed", i);
	}
	pthread_barrier_destroy(&gc_start);
	cr_assert_eq(entries("files"), GC_THREADS * GC_ROUNDS);
	for (i = 0; i < GC_THREADS; i++) {
		for (r = 0; r < GC_ROUNDS; r++) {
			memset(want, jobs[i].fill + r, sizeof(want));
			fd = open(path_of("files", jobs[i].ids[r].t_str),
			    O_RDONLY);
			cr_assert_geq(fd, 0);
			cr_assert_eq(read_all(fd, (char *)back, sizeof(back)),
			    sizeof(want));
			cr_assert(memcmp(back, want, sizeof(want)) == 0);
			close(fd);
		}
	}
}

Test(unnamed, concurrent_commits_land_every_file_whole)
{
	gc_commit_all(false);
}

Test(store, concurrent_commits_of_named_temps_and_parts_land_whole)
{
	gc_commit_all(true);
}
