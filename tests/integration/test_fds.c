/*
 * A worker that runs out of file descriptors: accept(2) fails with
 * EMFILE while the connection stays queued, so the listening socket stays
 * readable.  The worker must back off (not spin on poll and accept) and
 * log the failure now and then (not once per try), and serve again by
 * itself once descriptors are free.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "itest.h"

TestSuite(fds, .timeout = 60);

/* The lowest descriptor number pid does not use: its next open's. */
static long
lowest_free_fd(pid_t pid)
{
	static char used[65536];
	char path[64];
	struct dirent *d;
	DIR *dir;
	long i;

	memset(used, 0, sizeof(used));
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	dir = opendir(path);
	cr_assert(dir != NULL, "cannot list %s", path);
	while ((d = readdir(dir)) != NULL) {
		long fd = strtol(d->d_name, NULL, 10);

		if (d->d_name[0] >= '0' && d->d_name[0] <= '9' && fd >= 0 &&
		    fd < (long)sizeof(used))
			used[fd] = 1;
	}
	closedir(dir);
	for (i = 0; i < (long)sizeof(used) && used[i]; i++)
		;
	return i;
}

/* User + system CPU time of pid, in clock ticks. */
static long long
cpu_ticks(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	cr_assert(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name, which may hold blanks. */
	p = strrchr(buf, ')');
	cr_assert(p != NULL);
	p += 2;
	for (i = 3; i < 14; i++) {
		p = strchr(p, ' ');
		cr_assert(p != NULL);
		p++;
	}
	cr_assert_eq(sscanf(p, "%llu %llu", &ut, &st), 2);
	return (long long)(ut + st);
}

/* The real uid and gid of pid. */
static void
owner_of(pid_t pid, uid_t *uid, gid_t *gid)
{
	char path[64], line[256];
	unsigned long u = 0, g = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	cr_assert(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Uid:", 4) == 0)
			u = strtoul(line + 4, NULL, 10);
		else if (strncmp(line, "Gid:", 4) == 0)
			g = strtoul(line + 4, NULL, 10);
	}
	fclose(f);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
}

/*
 * Sets pid's soft descriptor limit to soft, keeping the hard one, and
 * returns the soft limit it had.  Done
 * as the worker's own user: changing another user's limits needs
 * CAP_SYS_RESOURCE, which root lacks in some containers (this one).
 */
static rlim_t
set_soft_nofile(pid_t pid, rlim_t soft)
{
	struct rlimit lim;
	int pfd[2];
	uid_t uid;
	gid_t gid;
	pid_t child;
	int st = 0;

	owner_of(pid, &uid, &gid);
	cr_assert_eq(pipe(pfd), 0);
	child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		if (getuid() != uid && (setgroups(0, NULL) != 0 ||
		    setgid(gid) != 0 || setuid(uid) != 0))
			_exit(2);
		if (prlimit(pid, RLIMIT_NOFILE, NULL, &lim) != 0 ||
		    write(pfd[1], &lim.rlim_cur, sizeof(lim.rlim_cur)) !=
		    (ssize_t)sizeof(lim.rlim_cur))
			_exit(3);
		lim.rlim_cur = soft;
		_exit(prlimit(pid, RLIMIT_NOFILE, &lim, NULL) == 0 ? 0 : 4);
	}
	close(pfd[1]);
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "cannot set worker %ld's descriptor limit (step %d)", (long)pid,
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	cr_assert_eq(read(pfd[0], &lim.rlim_cur, sizeof(lim.rlim_cur)),
	    (ssize_t)sizeof(lim.rlim_cur));
	close(pfd[0]);
	return lim.rlim_cur;
}

Test(fds, out_of_descriptors_backs_off_logs_rarely_and_recovers)
{
	static const char req[] = "GET /health/live HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n";
	struct timespec settle = { 1, 500000000 }, watch = { 3, 0 };
	pid_t pid[2];
	rlim_t soft[2];
	long long before[2];
	long lines_before, lines;
	char buf[256];
	struct timeval tv = { 10, 0 };
	ssize_t got;
	int fd, i;

	/* Idle workers: fill every descriptor a new connection could get. */
	nanosleep(&settle, NULL);
	for (i = 0; i < 2; i++) {
		pid[i] = worker_pid(i + 1);
		soft[i] = set_soft_nofile(pid[i],
		    (rlim_t)lowest_free_fd(pid[i]));
	}
	lines_before = log_lines("cannot accept");
	fd = raw_connect();
	cr_assert(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) > 0);
	nanosleep(&settle, NULL);	/* nginx has passed it on by now */
	for (i = 0; i < 2; i++)
		before[i] = cpu_ticks(pid[i]);
	nanosleep(&watch, NULL);
	for (i = 0; i < 2; i++) {
		long long used = cpu_ticks(pid[i]) - before[i];

		/* A spinning worker burns every thread: ~600 ticks here. */
		cr_assert_lt(used, 30, "worker %d used %lld ticks of CPU in "
		    "3 s while it could not accept", i + 1, used);
	}
	lines = log_lines("cannot accept") - lines_before;
	cr_assert_geq(lines, 1, "the failure was never logged");
	cr_assert_leq(lines, 4, "%ld log lines in 4.5 s", lines);

	/* Descriptors back: the waiting request is served. */
	for (i = 0; i < 2; i++)
		(void)set_soft_nofile(pid[i], soft[i]);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	got = recv(fd, buf, sizeof(buf) - 1, 0);
	cr_assert_gt(got, 12, "no answer once descriptors were free");
	buf[got] = '\0';
	cr_assert(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
	close(fd);
}
