/*
 * A full disk: the workers' data directory is a 1 MiB tmpfs.  An upload
 * that does not fit gets 507, leaves no file, no temp file and no Redis
 * key, and the space is free again for the next upload.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <criterion/criterion.h>

#include "itest.h"

static char small[1024];

static void
small_disk(void)
{
	struct passwd *pw = getpwnam("nobody");
	char opts[128];

	snprintf(small, sizeof(small), "%s/small-disk", itest_state());
	cr_assert(mkdir(small, 0700) == 0 || access(small, F_OK) == 0);
	/* The workers run as nobody when the tests run as root. */
	snprintf(opts, sizeof(opts), "size=1m,mode=0700,uid=%u,gid=%u",
	    getuid() == 0 && pw != NULL ? (unsigned)pw->pw_uid : getuid(),
	    getuid() == 0 && pw != NULL ? (unsigned)pw->pw_gid : getgid());
	cr_assert_eq(mount("tmpfs", small, "tmpfs", 0, opts), 0,
	    "cannot mount a tmpfs (the tests need root for this one)");
	setenv("OTS_DEV_DATA_DIR", small, 1);
	devstack("workers-stop");
	devstack("workers-start");
}

static void
normal_disk(void)
{
	unsetenv("OTS_DEV_DATA_DIR");
	devstack("workers-stop");
	devstack("workers-start");
	umount(small);
}

TestSuite(diskfull, .timeout = 60, .init = small_disk, .fini = normal_disk);

static long
entries(const char *sub)
{
	char path[1200];
	DIR *d;
	struct dirent *e;
	long n = 0;

	snprintf(path, sizeof(path), "%s/%s", small, sub);
	d = opendir(path);
	cr_assert(d != NULL, "%s", path);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

Test(diskfull, upload_that_does_not_fit_gets_507_and_leaves_nothing)
{
	size_t big = 3u * 1024u * 1024u;
	uint8_t *data = malloc(big);
	long keys = redis_count(SHARE_KEYS);
	struct http_resp r;
	struct link l;

	cr_assert(data != NULL);
	fill_pattern(data, big, 3);
	cr_assert_eq(http_do("PUT", "/api/v1/files/full.bin", NULL, data, big,
	    &r), 0);
	cr_assert_eq(r.status, 507, "%ld %s", r.status, r.body);
	cr_assert(strstr(r.body, "storage_full") != NULL);
	http_resp_free(&r);
	cr_assert_eq(entries("files"), 0, "a file was left on the full disk");
	cr_assert_eq(entries("tmp"), 0, "a .part was left on the full disk");
	cr_assert_eq(redis_count(SHARE_KEYS), keys, "a share was registered");

	/* The space came back: a small upload fits and round-trips. */
	cr_assert_eq(upload_put("fits.bin", data, 200000, &l), 201);
	cr_assert_eq(claim(l.id, l.key, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.len, 200000);
	cr_assert(memcmp(r.body, data, 200000) == 0);
	http_resp_free(&r);
	free(data);
}
