#include "prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "api.h"

/* The terminal's settings while a prompt hides what is typed. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_fd = -1;

static void
restore_tty(void)
{
	if (tty_fd >= 0)
		(void)tcsetattr(tty_fd, TCSAFLUSH, &saved_tty);
}

static void
on_signal(int sig)
{
	restore_tty();
	if (tty_fd >= 0)
		(void)!write(tty_fd, "\n", 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Strips the line end; false for an empty line. */
static bool
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return n > 0;
}

bool
first_line(const char *path, char *buf, size_t max)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (f == NULL) {
		say("%s: %s", path, strerror(errno));
		return false;
	}
	ok = fgets(buf, (int)max, f) != NULL && chomp(buf);
	fclose(f);
	if (!ok)
		say("%s holds no line", path);
	return ok;
}

/* A line read a byte at a time: no buffer but buf ever holds it. */
static bool
read_line(int fd, char *buf, size_t max)
{
	size_t n = 0;

	while (n + 1 < max) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return n > 0;
}

bool
prompt(const char *what, char *buf, size_t max)
{
	struct termios t;
	bool ok;
	int fd;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || tcgetattr(fd, &saved_tty) != 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	tty_fd = fd;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	t = saved_tty;
	t.c_lflag &= ~(tcflag_t)ECHO;
	(void)tcsetattr(fd, TCSAFLUSH, &t);
	(void)!write(fd, what, strlen(what));
	ok = read_line(fd, buf, max) && chomp(buf);
	(void)!write(fd, "\n", 1);
	restore_tty();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	tty_fd = -1;
	close(fd);
	return ok;
}
