#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"

static bool
is_stdout(const struct outfile *f)
{
	return strcmp(f->of_target, "-") == 0;
}

bool
outfile_free(const char *target, bool force)
{
	struct stat st;

	if (strcmp(target, "-") == 0 || force || lstat(target, &st) != 0)
		return true;
	say("%s exists: nothing was claimed (use --force, or -o)", target);
	return false;
}

bool
outfile_open(struct outfile *f, const char *target)
{
	const char *slash = strrchr(target, '/');

	memset(f, 0, sizeof(*f));
	f->of_target = target;
	f->of_fd = -1;
	if (is_stdout(f)) {
		f->of_fd = STDOUT_FILENO;
		return true;
	}
	if (slash != NULL)
		snprintf(f->of_tmp, sizeof(f->of_tmp), "%.*s/.ots-XXXXXX",
		    (int)(slash - target), target);
	else
		snprintf(f->of_tmp, sizeof(f->of_tmp), ".ots-XXXXXX");
	f->of_fd = mkostemp(f->of_tmp, O_CLOEXEC);
	if (f->of_fd < 0) {
		say("cannot write beside %s: %s", target, strerror(errno));
		f->of_tmp[0] = '\0';
		return false;
	}
	(void)fchmod(f->of_fd, 0600);
	return true;
}

bool
outfile_write(struct outfile *f, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(f->of_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			say("cannot write %s: %s", f->of_target,
			    w < 0 ? strerror(errno) : "no progress");
			return false;
		}
		p += w;
		n -= (size_t)w;
		f->of_bytes += (uint64_t)w;
	}
	return true;
}

bool
outfile_keep(struct outfile *f, bool force)
{
	if (is_stdout(f))
		return true;
	if (fsync(f->of_fd) != 0 || (force ? rename(f->of_tmp, f->of_target) :
	    renameat2(AT_FDCWD, f->of_tmp, AT_FDCWD, f->of_target,
	    RENAME_NOREPLACE)) != 0) {
		say("cannot save %s: %s", f->of_target, strerror(errno));
		return false;
	}
	f->of_tmp[0] = '\0';
	return true;
}

void
outfile_close(struct outfile *f)
{
	if (f->of_fd >= 0 && !is_stdout(f))
		close(f->of_fd);
	if (f->of_tmp[0] != '\0')
		unlink(f->of_tmp);
	f->of_fd = -1;
	f->of_tmp[0] = '\0';
}
