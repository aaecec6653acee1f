#include "ots_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_alloc.h"
#include "ots_limits.h"
#include "ots_log.h"
#include "ots_store_s3.h"
#include "ots_banned.h"

#define MOD "store"

struct ots_store {
	int s_tmp;	/* DATA/tmp */
	int s_files;	/* DATA/files */
	int s_uploads;	/* DATA/uploads */
	int s_leases;	/* DATA/ots-lease */
	mode_t s_root_mode;	/* DATA's, at open */
	gid_t s_root_gid;
	bool s_durable;
	bool s_unnamed;	/* O_TMPFILE and linkat work in files/ */
	/* Concurrent commits share files/'s fsync (sync_files_dir()). */
	pthread_mutex_t s_sync_mu;
	pthread_cond_t s_sync_cv;
	uint64_t s_named;	/* names made in files/ so far */
	uint64_t s_synced;	/* how many of them a finished fsync covers */
	bool s_syncing;		/* an fsync is running */
	bool s_sync_init;
	/* OTS_STORAGE=s3: the bucket holds the committed containers and
	 * files/ only a claim's copy (ots_store_s3.h); NULL on disk. */
	struct ots_store_s3 *s_s3;
};

static enum ots_err scan_dir(int dfd, bool parts, ots_store_visit_fn fn,
    void *ctx, uint64_t *removed);

static enum ots_err
errno_err(int err)
{
	return err == ENOSPC || err == EDQUOT ? OTS_ERR_NOSPACE : OTS_ERR_IO;
}

static int
open_subdir(int parent, const char *name, mode_t mode)
{
	struct stat sb;
	int fd;

	if (mkdirat(parent, name, mode) != 0 && errno != EEXIST)
		return -1;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd < 0)
		return -1;
	/* The mode whatever the umask (the service's is 0077), and for a
	 * folder made by an older version; the setgid bit it inherited
	 * stays (a chmod by a non-member of its group would drop it, so
	 * there is none when the mode is right). */
	if (fstat(fd, &sb) != 0 || ((sb.st_mode & 0777) != mode &&
	    fchmod(fd, mode | (sb.st_mode & S_ISGID)) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Names the unnamed file fd as files/name. */
static int
link_unnamed(struct ots_store *st, int fd, const char *name)
{
	char proc[48];

	/* linkat(fd, "", ..., AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH;
	 * the /proc link does not. */
	if (ots_str_fmt(proc, sizeof(proc), "/proc/self/fd/%d", fd) != OTS_OK)
		return -1;
	return linkat(AT_FDCWD, proc, st->s_files, name, AT_SYMLINK_FOLLOW);
}

/*
 * Can uploads be unnamed files here?  O_TMPFILE needs the file system's
 * support (ext4, XFS, btrfs, tmpfs: yes; some network file systems: no)
 * and naming it needs /proc.  Tried once, with a file that is removed.
 */
static bool
probe_unnamed(struct ots_store *st)
{
	char name[64];
	bool ok;
	int fd;

	fd = openat(st->s_files, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	ok = ots_str_fmt(name, sizeof(name), ".probe-%ld-%08x",
	    (long)getpid(), (unsigned)randombytes_random()) == OTS_OK &&
	    link_unnamed(st, fd, name) == 0;
	close(fd);
	if (ok)
		(void)unlinkat(st->s_files, name, 0);
	return ok;
}

enum ots_err
ots_store_open(const char *dir, bool durable, struct ots_store **out)
{
	struct stat sb;
	struct ots_store *st = NULL;
	int root = -1;
	enum ots_err e = OTS_ERR_IO;

	*out = NULL;
	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		ots_log_err_errno(MOD, errno, "cannot open data directory");
		goto out;
	}
	st = ots_calloc(1, sizeof(*st));
	if (st == NULL) {
		e = OTS_ERR_NOMEM;
		goto out;
	}
	st->s_tmp = -1;
	st->s_files = -1;
	if (fstat(root, &sb) == 0) {
		st->s_root_mode = sb.st_mode;
		st->s_root_gid = sb.st_gid;
	}
	st->s_uploads = -1;
	st->s_leases = -1;
	st->s_durable = durable;
	if (pthread_mutex_init(&st->s_sync_mu, NULL) != 0) {
		e = OTS_ERR_NOMEM;
		goto out;
	}
	if (pthread_cond_init(&st->s_sync_cv, NULL) != 0) {
		pthread_mutex_destroy(&st->s_sync_mu);
		e = OTS_ERR_NOMEM;
		goto out;
	}
	st->s_sync_init = true;
	st->s_tmp = open_subdir(root, "tmp", 0700);
	st->s_files = open_subdir(root, "files", 0700);
	st->s_uploads = open_subdir(root, "uploads", 0700);
	/* The web server's group may go through, not list: it opens the
	 * leased files it is sent to, by name (docs/E2E.md). */
	st->s_leases = open_subdir(root, "ots-lease", 0710);
	if (st->s_tmp < 0 || st->s_files < 0 || st->s_uploads < 0 ||
	    st->s_leases < 0) {
		ots_log_err_errno(MOD, errno, "cannot open tmp/, files/, "
		    "uploads/ or ots-lease/ in the data directory");
		goto out;
	}
	st->s_unnamed = probe_unnamed(st);
	if (!st->s_unnamed)
		ots_log_info(MOD, "the data directory cannot hold unnamed "
		    "files (O_TMPFILE): uploads are written under tmp/");
	*out = st;
	st = NULL;
	e = OTS_OK;
out:
	ots_store_close(st);
	if (root >= 0)
		close(root);
	return e;
}

void
ots_store_close(struct ots_store *st)
{
	if (st == NULL)
		return;
	if (st->s_tmp >= 0)
		close(st->s_tmp);
	if (st->s_files >= 0)
		close(st->s_files);
	if (st->s_uploads >= 0)
		close(st->s_uploads);
	if (st->s_leases >= 0)
		close(st->s_leases);
	if (st->s_sync_init) {
		pthread_cond_destroy(&st->s_sync_cv);
		pthread_mutex_destroy(&st->s_sync_mu);
	}
	ots_store_s3_free(st->s_s3);
	ots_free(st);
}

enum ots_err
ots_store_use_s3(struct ots_store *st, const struct ots_s3_conf *conf,
    unsigned timeout_ms)
{
	return ots_store_s3_new(conf, timeout_ms, &st->s_s3);
}

bool
ots_store_unnamed(const struct ots_store *st)
{
	return st->s_unnamed;
}

void
ots_store_use_named_temps(struct ots_store *st)
{
	st->s_unnamed = false;
}

static enum ots_err
create_unnamed(struct ots_store *st, const struct ots_tok *id,
    struct ots_store_tmp *t)
{
	int err;

	t->t_unnamed = true;
	/* Read and write: with a bucket, the commit reads it back. */
	t->t_fd = openat(st->s_files, ".", O_TMPFILE | O_RDWR | O_CLOEXEC,
	    0600);
	if (t->t_fd < 0) {
		err = errno;
		t->t_name[0] = '\0';
		ots_log_err_errno(MOD, err, "cannot create an unnamed file");
		return errno_err(err);
	}
	memcpy(t->t_name, id->t_str, OTS_TOK_STRSZ);
	return OTS_OK;
}

enum ots_err
ots_store_create(struct ots_store *st, const struct ots_tok *id,
    struct ots_store_tmp *t)
{
	t->t_written = 0;
	t->t_unnamed = false;
	if (st->s_unnamed)
		return create_unnamed(st, id, t);
	if (ots_str_fmt(t->t_name, sizeof(t->t_name), "%s.part", id->t_str) !=
	    OTS_OK) {
		t->t_fd = -1;
		t->t_name[0] = '\0';
		return OTS_ERR_INVAL;
	}
	t->t_fd = openat(st->s_tmp, t->t_name,
	    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (t->t_fd < 0) {
		int err = errno;

		/* Not ours to remove later: it may be another writer's
		 * (the same client-drawn id twice at once: taken). */
		t->t_name[0] = '\0';
		if (err == EEXIST)
			return OTS_ERR_INVAL;
		ots_log_err_errno(MOD, err, "cannot create temp file");
		return errno_err(err);
	}
	return OTS_OK;
}

/* Writes n bytes at offset of fd, whole; what names the file in a log
 * line (a full disk is the caller's to report). */
static enum ots_err
write_at(int fd, uint64_t offset, const uint8_t *p, size_t n,
    const char *what)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)offset);

		if (w < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err != ENOSPC && err != EDQUOT)
				ots_log_err_errno(MOD, err, "cannot write %s",
				    what);
			return errno_err(err);
		}
		p += w;
		n -= (size_t)w;
		offset += (uint64_t)w;
	}
	return OTS_OK;
}

enum ots_err
ots_store_write(struct ots_store_tmp *t, const uint8_t *p, size_t n)
{
	enum ots_err e = write_at(t->t_fd, t->t_written, p, n, "temp file");

	if (e == OTS_OK)
		t->t_written += (uint64_t)n;
	return e;
}

/*
 * Syncs the data (fdatasync), then stamps the mtime: the sweeper spares
 * files by mtime and this must be the commit time, not the last write's,
 * which may be long before a slow sync.  The stamp itself need not reach
 * the disk.
 */
static int
sync_and_stamp(struct ots_store *st, int fd)
{
	if (st->s_durable && fdatasync(fd) != 0)
		return -1;
	return futimens(fd, NULL);
}

/* Gives the written file t its final name files/final. */
static int
name_file(struct ots_store *st, struct ots_store_tmp *t, const char *final)
{
	if (t->t_unnamed)
		return link_unnamed(st, t->t_fd, final);
	/* Never over another share's file: a client may draw the id
	 * (end-to-end shares), and one already taken is refused. */
	if (renameat2(st->s_tmp, t->t_name, st->s_files, final,
	    RENAME_NOREPLACE) != 0)
		return -1;
	t->t_name[0] = '\0';
	return 0;
}

/*
 * Makes files/ durable up to the name this thread has just made.  An
 * fsync covers every name made before it starts, so concurrent commits
 * share one: a thread that finds one running (it may have started before
 * this name) waits for it to end, then runs the next one for everybody
 * waiting, or finds itself covered.  Returns 0 or an errno; after a
 * failed fsync each waiter tries again for itself.
 */
static int
sync_files_dir(struct ots_store *st)
{
	uint64_t mine, upto;
	int err = 0;

	pthread_mutex_lock(&st->s_sync_mu);
	mine = ++st->s_named;
	while (st->s_synced < mine) {
		if (st->s_syncing) {
			pthread_cond_wait(&st->s_sync_cv, &st->s_sync_mu);
			continue;
		}
		st->s_syncing = true;
		upto = st->s_named;
		pthread_mutex_unlock(&st->s_sync_mu);
		err = fsync(st->s_files) == 0 ? 0 : errno;
		pthread_mutex_lock(&st->s_sync_mu);
		st->s_syncing = false;
		if (err == 0 && upto > st->s_synced)
			st->s_synced = upto;
		pthread_cond_broadcast(&st->s_sync_cv);
		if (err != 0)
			break;
	}
	pthread_mutex_unlock(&st->s_sync_mu);
	return err;
}

/* Puts a written temp file into the bucket as its id's object, then
 * drops it: the bucket's copy is the durable one. */
static enum ots_err
commit_to_bucket(struct ots_store *st, struct ots_store_tmp *t,
    const char *name)
{
	struct ots_tok id;
	enum ots_err e;

	e = ots_tok_parse(name, strlen(name), &id);
	if (e == OTS_OK)
		e = ots_store_s3_put(st->s_s3, &id, t->t_fd, t->t_written,
		    true);
	ots_store_abort(st, t);
	return e;
}

enum ots_err
ots_store_commit(struct ots_store *st, struct ots_store_tmp *t)
{
	char final[OTS_TOK_STRSZ];
	size_t base = t->t_unnamed ? strlen(t->t_name) :
	    strlen(t->t_name) - strlen(".part");
	int err;

	memcpy(final, t->t_name, base);
	final[base] = '\0';
	if (st->s_s3 != NULL)
		return commit_to_bucket(st, t, final);
	if (sync_and_stamp(st, t->t_fd) != 0 || name_file(st, t, final) != 0)
		goto fail;
	/* The new name is durable only once the directory is synced. */
	err = st->s_durable ? sync_files_dir(st) : 0;
	if (close(t->t_fd) != 0 && err == 0)
		err = errno;
	t->t_fd = -1;
	t->t_name[0] = '\0';
	if (err != 0) {
		(void)unlinkat(st->s_files, final, 0);
		ots_log_err_errno(MOD, err, "cannot sync the committed file");
		return errno_err(err);
	}
	return OTS_OK;
fail:
	err = errno;
	ots_store_abort(st, t);
	if (err == EEXIST)
		return OTS_ERR_INVAL;
	ots_log_err_errno(MOD, err, "cannot commit upload");
	return errno_err(err);
}

void
ots_store_abort(struct ots_store *st, struct ots_store_tmp *t)
{
	if (t->t_fd >= 0) {
		close(t->t_fd);
		t->t_fd = -1;
	}
	if (t->t_name[0] != '\0' && !t->t_unnamed &&
	    unlinkat(st->s_tmp, t->t_name, 0) != 0 && errno != ENOENT)
		ots_log_err_errno(MOD, errno, "cannot remove temp file");
	t->t_name[0] = '\0';
}

/*
 * The bucket's object of id, fetched whole into files/ID (a copy for
 * this claim: the lease and the sweeper see it as on disk).  Another
 * claim of the same share on this host may have fetched it first: then
 * that copy is as good.
 */
static enum ots_err
fetch_from_bucket(struct ots_store *st, const struct ots_tok *id)
{
	struct ots_store_tmp t;
	enum ots_err e;

	e = ots_store_create(st, id, &t);
	if (e != OTS_OK)
		return e;
	e = ots_store_s3_fetch(st->s_s3, id, t.t_fd);
	if (e == OTS_OK && name_file(st, &t, id->t_str) != 0 &&
	    errno != EEXIST) {
		int err = errno;

		ots_log_err_errno(MOD, err, "cannot keep a fetched object");
		e = errno_err(err);
	}
	ots_store_abort(st, &t);
	return e;
}

enum ots_err
ots_store_open_read(struct ots_store *st, const struct ots_tok *id, int *fd)
{
	enum ots_err e;

	*fd = -1;
	if (st->s_s3 != NULL && (e = fetch_from_bucket(st, id)) != OTS_OK)
		return e;
	*fd = openat(st->s_files, id->t_str, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd >= 0)
		return OTS_OK;
	if (errno == ENOENT)
		return OTS_ERR_NOTFOUND;
	ots_log_err_errno(MOD, errno, "cannot open stored file");
	return OTS_ERR_IO;
}

/* Pushes fd from its offset to its end, in pieces of OTS_CHUNK_SIZE
 * read into buf. */
static enum ots_err
push_fd(int fd, uint8_t *buf, ots_store_push_fn push, void *ctx)
{
	enum ots_err e = OTS_OK;

	while (e == OTS_OK) {
		ssize_t n = read(fd, buf, OTS_CHUNK_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ots_log_err_errno(MOD, errno, "cannot read a claimed "
			    "file");
			e = OTS_ERR_IO;
		} else if (n == 0) {
			break;
		} else {
			e = push(ctx, buf, (size_t)n);
		}
	}
	return e;
}

enum ots_err
ots_store_read_claimed(struct ots_store *st, const struct ots_tok *id,
    ots_store_start_fn start, ots_store_push_fn push, void *ctx)
{
	struct stat sb;
	uint8_t *buf;
	enum ots_err e;
	int fd;

	if (st->s_s3 != NULL)
		return ots_store_s3_stream(st->s_s3, id, start, push, ctx);
	/* Everything that may fail comes before the claim. */
	if ((buf = ots_malloc(OTS_CHUNK_SIZE)) == NULL)
		return OTS_ERR_NOMEM;
	/* Opened before the claim: once the claim deletes the share, the
	 * sweeper may remove the file, and the winner must still have it. */
	fd = openat(st->s_files, id->t_str, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		e = errno == ENOENT ? OTS_ERR_NOTFOUND : OTS_ERR_IO;
		if (e == OTS_ERR_IO)
			ots_log_err_errno(MOD, errno, "cannot open stored file");
		ots_free(buf);
		return e;
	}
	if (fstat(fd, &sb) != 0) {
		ots_log_err_errno(MOD, errno, "cannot stat stored file");
		e = OTS_ERR_IO;
	} else {
		e = start(ctx, (uint64_t)sb.st_size);
	}
	if (e == OTS_OK) {
		if (unlinkat(st->s_files, id->t_str, 0) != 0 &&
		    errno != ENOENT)
			ots_log_err_errno(MOD, errno, "cannot unlink a claimed "
			    "file (the sweeper will)");
		e = push_fd(fd, buf, push, ctx);
	}
	close(fd);
	ots_free(buf);
	return e;
}

/*
 * Deletes a claimed or revoked share's object.  The share is gone in
 * Redis already: an object the store would not delete now is an orphan,
 * which the sweeper deletes later (logged, not an error).
 */
static void
delete_from_bucket(struct ots_store *st, const struct ots_tok *id)
{
	if (st->s_s3 != NULL && ots_store_s3_delete(st->s_s3, id) != OTS_OK)
		ots_log_warn(MOD, "the bucket kept a gone share's object: the "
		    "sweeper deletes it");
}

enum ots_err
ots_store_remove(struct ots_store *st, const struct ots_tok *id)
{
	if (unlinkat(st->s_files, id->t_str, 0) != 0 && errno != ENOENT) {
		ots_log_err_errno(MOD, errno, "cannot remove stored file");
		return OTS_ERR_IO;
	}
	delete_from_bucket(st, id);
	return OTS_OK;
}

enum ots_err
ots_store_probe(struct ots_store *st)
{
	char name[64];
	int fd, err = 0;

	if (ots_str_fmt(name, sizeof(name), ".probe-%ld-%08x", (long)getpid(),
	    (unsigned)randombytes_random()) != OTS_OK)
		return OTS_ERR_IO;
	fd = openat(st->s_tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return errno_err(errno);
	if (write(fd, "ok", 2) != 2 || fdatasync(fd) != 0)
		err = errno == 0 ? EIO : errno;
	close(fd);
	(void)unlinkat(st->s_tmp, name, 0);
	if (err == 0 && st->s_s3 != NULL)
		return ots_store_s3_probe(st->s_s3);
	return err == 0 ? OTS_OK : errno_err(err);
}

enum ots_err
ots_store_free_bytes(struct ots_store *st, uint64_t *bytes)
{
	struct statvfs sv;

	*bytes = 0;
	if (fstatvfs(st->s_files, &sv) != 0)
		return errno_err(errno);
	*bytes = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	return OTS_OK;
}

/* Is name one of ours: a token, or a token plus ".part"? */
static bool
our_name(const char *name, bool parts)
{
	struct ots_tok t;
	size_t len = strlen(name);

	if (parts) {
		if (len != OTS_TOK_CHARS + 5 ||
		    strcmp(name + OTS_TOK_CHARS, ".part") != 0)
			return false;
	} else if (len != OTS_TOK_CHARS) {
		return false;
	}
	return ots_tok_parse(name, OTS_TOK_CHARS, &t) == OTS_OK;
}

enum ots_err
ots_store_scan(struct ots_store *st, enum ots_store_dir dir,
    ots_store_visit_fn fn, void *ctx, uint64_t *removed)
{
	bool parts = dir == OTS_STORE_TEMPS || dir == OTS_STORE_UPLOADS;
	int dfd = dir == OTS_STORE_TEMPS ? st->s_tmp : dir == OTS_STORE_UPLOADS ?
	    st->s_uploads : dir == OTS_STORE_LEASES ? st->s_leases :
	    st->s_files;
	enum ots_err e;

	*removed = 0;
	if (dir == OTS_STORE_FILES && st->s_s3 != NULL) {
		uint64_t local = 0;

		/* The bucket's objects, then this host's claim copies. */
		e = ots_store_s3_scan(st->s_s3, fn, ctx, removed, NULL, NULL);
		if (e != OTS_OK)
			return e;
		e = scan_dir(st->s_files, false, fn, ctx, &local);
		*removed += local;
		return e;
	}
	if (dir == OTS_STORE_UPLOADS && st->s_s3 != NULL) {
		uint64_t local = 0;

		/* This host's part files, then every host's parts. */
		e = scan_dir(st->s_uploads, true, fn, ctx, &local);
		if (e != OTS_OK)
			return e;
		e = ots_store_s3_scan_parts(st->s_s3, fn, ctx, removed);
		*removed += local;
		return e;
	}
	return scan_dir(dfd, parts, fn, ctx, removed);
}

/* ots_store_scan of the folder dfd. */
static enum ots_err
scan_dir(int dfd, bool parts, ots_store_visit_fn fn, void *ctx,
    uint64_t *removed)
{
	int fd;
	DIR *d;
	struct dirent *ent;
	enum ots_err e = OTS_OK;

	*removed = 0;
	/* A private descriptor: readdir state is not shared with threads
	 * using the store. */
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return OTS_ERR_IO;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return OTS_ERR_IO;
	}
	while (e == OTS_OK && (ent = readdir(d)) != NULL) {
		struct stat sb;
		bool remove = false;

		if (!our_name(ent->d_name, parts))
			continue;
		if (fstatat(dfd, ent->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;	/* claimed meanwhile */
		e = fn(ctx, ent->d_name, (uint64_t)sb.st_mtime, &remove);
		if (e != OTS_OK || !remove)
			continue;
		if (unlinkat(dfd, ent->d_name, 0) == 0)
			(*removed)++;
		else if (errno != ENOENT)
			ots_log_warn_errno(MOD, errno, "cannot remove a swept file");
	}
	closedir(d);
	return e;
}

enum ots_err
ots_store_usage(struct ots_store *st, uint64_t *files, uint64_t *bytes)
{
	int fd;
	DIR *d;
	struct dirent *ent;

	*files = 0;
	*bytes = 0;
	if (st->s_s3 != NULL)
		return ots_store_s3_scan(st->s_s3, NULL, NULL, NULL, files,
		    bytes);
	fd = openat(st->s_files, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return OTS_ERR_IO;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return OTS_ERR_IO;
	}
	while ((ent = readdir(d)) != NULL) {
		struct stat sb;

		if (!our_name(ent->d_name, false) ||
		    fstatat(st->s_files, ent->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		(*files)++;
		*bytes += (uint64_t)sb.st_size;
	}
	closedir(d);
	return OTS_OK;
}

/* "ID.part" of id into name (OTS_TOK_STRSZ + 5). */
static void
part_name(const struct ots_tok *id, char name[OTS_TOK_STRSZ + 5])
{
	if (ots_str_fmt(name, OTS_TOK_STRSZ + 5, "%s.part", id->t_str) !=
	    OTS_OK)
		OTS_ASSERT(!"part name does not fit");
}

enum ots_err
ots_store_part_create(struct ots_store *st, const struct ots_tok *id)
{
	char name[OTS_TOK_STRSZ + 5];
	int fd;

	part_name(id, name);
	fd = openat(st->s_uploads, name,
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int err = errno;

		if (err == EEXIST)
			return OTS_ERR_INVAL;
		ots_log_err_errno(MOD, err, "cannot create an upload's file");
		return errno_err(err);
	}
	close(fd);
	return OTS_OK;
}

/*
 * Does the part file hold less than the upload's record says?  Then
 * other hosts took parts meanwhile.  One as long as the record is
 * right: a part that failed here and was then taken elsewhere is the
 * same bytes, the client's, sent again.
 */
static bool
stale_part(int fd, uint64_t have)
{
	struct stat sb;

	return fstat(fd, &sb) != 0 || (uint64_t)sb.st_size < have;
}

/* The part file of an upload another host began, made again here from
 * the bucket's parts (have bytes): in tmp/ (swept by age should this
 * host die meanwhile), moved to uploads/ once whole. */
static enum ots_err
part_from_parts(struct ots_store *st, const struct ots_tok *id,
    uint64_t have, const char *name)
{
	enum ots_err e;
	int fd;

	/* One part of an upload at a time (ots_parts_begin): what is there
	 * is a rebuild that died with its host. */
	(void)unlinkat(st->s_tmp, name, 0);
	fd = openat(st->s_tmp, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0) {
		ots_log_err_errno(MOD, errno, "cannot make an upload's file");
		return errno_err(errno);
	}
	e = ots_store_s3_fetch_parts(st->s_s3, id, fd, have);
	if (e == OTS_OK && (sync_and_stamp(st, fd) != 0 ||
	    renameat2(st->s_tmp, name, st->s_uploads, name,
	    RENAME_NOREPLACE) != 0))
		e = errno_err(errno);
	close(fd);
	if (e != OTS_OK) {
		(void)unlinkat(st->s_tmp, name, 0);
		if (e != OTS_ERR_NOTFOUND)
			ots_log_err(MOD, "cannot make an upload's file again "
			    "from the bucket");
	}
	return e;
}

enum ots_err
ots_store_part_open(struct ots_store *st, const struct ots_tok *id,
    uint64_t have, int *fd)
{
	char name[OTS_TOK_STRSZ + 5];
	enum ots_err e;

	part_name(id, name);
	*fd = openat(st->s_uploads, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (*fd >= 0 && st->s_s3 != NULL && stale_part(*fd, have)) {
		/* This host took the first parts, then others went on
		 * meanwhile (it was down): theirs are in the bucket. */
		close(*fd);
		*fd = -1;
		if (unlinkat(st->s_uploads, name, 0) != 0 && errno != ENOENT) {
			ots_log_err_errno(MOD, errno, "cannot remove a stale "
			    "upload's file");
			return OTS_ERR_IO;
		}
		errno = ENOENT;
	}
	if (*fd >= 0)
		return OTS_OK;
	if (errno != ENOENT) {
		ots_log_err_errno(MOD, errno, "cannot open an upload's file");
		return OTS_ERR_IO;
	}
	if (st->s_s3 == NULL)
		return OTS_ERR_NOTFOUND;
	if ((e = part_from_parts(st, id, have, name)) != OTS_OK)
		return e;
	*fd = openat(st->s_uploads, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	return *fd >= 0 ? OTS_OK : errno_err(errno);
}

enum ots_err
ots_store_part_keep(struct ots_store *st, const struct ots_tok *id, int fd,
    uint64_t offset, uint64_t len)
{
	if (st->s_s3 == NULL)
		return OTS_OK;
	return ots_store_s3_put_part(st->s_s3, id, fd, offset, len);
}

enum ots_err
ots_store_part_write(int fd, uint64_t offset, const uint8_t *p, size_t n)
{
	return write_at(fd, offset, p, n, "an upload's file");
}

enum ots_err
ots_store_part_begin(int fd, uint64_t offset)
{
	/* Bytes past the stored offset are a failed part's: never kept. */
	if (ftruncate(fd, (off_t)offset) != 0) {
		ots_log_err_errno(MOD, errno, "cannot cut an upload's file");
		return errno_err(errno);
	}
	return OTS_OK;
}

enum ots_err
ots_store_part_settle(struct ots_store *st, int fd)
{
	if (sync_and_stamp(st, fd) != 0) {
		int err = errno;

		ots_log_err_errno(MOD, err, "cannot sync an upload's file");
		return errno_err(err);
	}
	return OTS_OK;
}

enum ots_err
ots_store_part_head(int fd, uint8_t *head, size_t n, uint64_t *size)
{
	struct stat sb;
	ssize_t r;

	if (fstat(fd, &sb) != 0)
		return OTS_ERR_IO;
	*size = (uint64_t)sb.st_size;
	do
		r = pread(fd, head, n, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		ots_log_err_errno(MOD, errno, "cannot read an upload's file");
		return OTS_ERR_IO;
	}
	if ((size_t)r != n)
		return OTS_ERR_TRUNC;
	return OTS_OK;
}

/* A complete part file put into the bucket, then removed (closes fd). */
static enum ots_err
part_to_bucket(struct ots_store *st, const struct ots_tok *id, int fd,
    const char *name)
{
	struct stat sb;
	enum ots_err e;

	/* The server drew this id: an object there is this upload's own,
	 * from a commit whose registration failed. */
	e = fstat(fd, &sb) == 0 ? ots_store_s3_put(st->s_s3, id, fd,
	    (uint64_t)sb.st_size, false) : OTS_ERR_IO;
	close(fd);
	if (e == OTS_OK && unlinkat(st->s_uploads, name, 0) != 0)
		ots_log_warn_errno(MOD, errno, "cannot remove a committed "
		    "upload's file (the sweeper will)");
	if (e == OTS_OK && ots_store_s3_delete_parts(st->s_s3, id) != OTS_OK)
		ots_log_warn(MOD, "cannot remove a committed upload's parts "
		    "from the bucket (the sweeper will)");
	return e;
}

enum ots_err
ots_store_part_commit(struct ots_store *st, const struct ots_tok *id)
{
	char name[OTS_TOK_STRSZ + 5];
	int fd = -1, err = 0;

	part_name(id, name);
	fd = openat(st->s_uploads, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? OTS_ERR_NOTFOUND : OTS_ERR_IO;
	if (st->s_s3 != NULL)
		return part_to_bucket(st, id, fd, name);
	if (sync_and_stamp(st, fd) != 0 || renameat2(st->s_uploads, name,
	    st->s_files, id->t_str, RENAME_NOREPLACE) != 0)
		err = errno;
	else if (st->s_durable)
		err = sync_files_dir(st);
	close(fd);
	if (err == EEXIST)
		return OTS_ERR_INVAL;
	if (err != 0) {
		ots_log_err_errno(MOD, err, "cannot commit an upload's file");
		return errno_err(err);
	}
	return OTS_OK;
}

/* The object of a commit whose registration failed, back as its part
 * file so that the commit may be tried again, and out of the bucket. */
static enum ots_err
part_from_bucket(struct ots_store *st, const struct ots_tok *id,
    const char *name)
{
	enum ots_err e;
	int fd;

	fd = openat(st->s_uploads, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ots_log_err_errno(MOD, errno, "cannot move an upload's file "
		    "back");
		return OTS_ERR_IO;
	}
	e = ots_store_s3_fetch(st->s_s3, id, fd);
	close(fd);
	if (e != OTS_OK) {
		(void)unlinkat(st->s_uploads, name, 0);
		ots_log_err(MOD, "cannot move an upload's object back");
		return e;
	}
	/* The part file is back: a commit tried again puts it over the
	 * object, should this delete fail. */
	if (ots_store_s3_delete(st->s_s3, id) != OTS_OK)
		ots_log_warn(MOD, "an uncommitted upload's object stays in the "
		    "bucket until the commit is tried again or swept");
	return OTS_OK;
}

enum ots_err
ots_store_part_uncommit(struct ots_store *st, const struct ots_tok *id)
{
	char name[OTS_TOK_STRSZ + 5];

	part_name(id, name);
	if (st->s_s3 != NULL)
		return part_from_bucket(st, id, name);
	if (renameat2(st->s_files, id->t_str, st->s_uploads, name,
	    RENAME_NOREPLACE) != 0) {
		ots_log_err_errno(MOD, errno, "cannot move an upload's file "
		    "back");
		return OTS_ERR_IO;
	}
	return OTS_OK;
}

enum ots_err
ots_store_part_remove(struct ots_store *st, const struct ots_tok *id)
{
	char name[OTS_TOK_STRSZ + 5];

	part_name(id, name);
	if (unlinkat(st->s_uploads, name, 0) != 0 && errno != ENOENT) {
		ots_log_err_errno(MOD, errno, "cannot remove an upload's file");
		return OTS_ERR_IO;
	}
	if (st->s_s3 != NULL && ots_store_s3_delete_parts(st->s_s3, id) !=
	    OTS_OK) {
		ots_log_err(MOD, "cannot remove an upload's parts from the "
		    "bucket");
		return OTS_ERR_STORE;
	}
	return OTS_OK;
}

enum ots_err
ots_store_lease(struct ots_store *st, const struct ots_tok *id)
{
	/* Readable by the group first, while files/ still keeps the web
	 * server out; then where it may go. */
	if (fchmodat(st->s_files, id->t_str, 0640, 0) != 0 ||
	    renameat(st->s_files, id->t_str, st->s_leases, id->t_str) != 0) {
		if (errno == ENOENT)
			return OTS_ERR_NOTFOUND;
		ots_log_err_errno(MOD, errno, "cannot lease a claimed file");
		return OTS_ERR_IO;
	}
	/* The lease's copy is this host's now. */
	delete_from_bucket(st, id);
	return OTS_OK;
}

bool
ots_store_lease_ready(struct ots_store *st)
{
	struct stat files, leases;
	gid_t born;

	if (fstat(st->s_files, &files) != 0 ||
	    fstat(st->s_leases, &leases) != 0)
		return false;
	/* The group a new file in files/ gets (and keeps, leased). */
	born = (files.st_mode & S_ISGID) != 0 ? files.st_gid : getegid();
	return born == leases.st_gid && (leases.st_mode & S_IXGRP) != 0 &&
	    (st->s_root_mode & S_IXGRP) != 0 && st->s_root_gid == leases.st_gid;
}

bool
ots_store_lease_here(struct ots_store *st, const struct ots_tok *id)
{
	struct stat sb;

	return fstatat(st->s_leases, id->t_str, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(sb.st_mode);
}

enum ots_err
ots_store_lease_remove(struct ots_store *st, const struct ots_tok *id)
{
	if (unlinkat(st->s_leases, id->t_str, 0) != 0 && errno != ENOENT) {
		ots_log_err_errno(MOD, errno, "cannot remove a leased file");
		return OTS_ERR_IO;
	}
	return OTS_OK;
}
