/*
 * ots: the command-line client (man page: tools/ots.1).  End-to-end:
 * the file is encrypted here and the server sees only ciphertext.  No
 * secret is ever taken from the command line (other users can read it
 * in the process list) or the environment: links come from an argument
 * or standard input, passwords from a file or the terminal.
 *
 *	ots [--server URL] send [-e DURATION] [--text] [--password |
 *	    --password-file F] [--json] FILE|-
 *	ots get [-o FILE|-] [--force] [--password-file F] [LINK|-]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_rand.h"

#include "net.h"
#include "share.h"

#define PASSWORD_MAX 1024
#define LINK_MAX 4096

static const char usage_text[] =
    "usage: ots [--server URL] send [-e DURATION] [--text] [--password | "
    "--password-file FILE] [--json] FILE|-\n"
    "       ots [--server URL] get [-o FILE|-] [--force] "
    "[--password-file FILE] [LINK|-]\n"
    "The server is --server or OTS_SERVER. The link of get comes from the "
    "argument, or from standard input with - or none.\n";

static const char *password_file;

/* The terminal's settings while a prompt hides what is typed. */
static struct termios saved_tty;
static int tty_fd = -1;

static void
restore_tty(void)
{
	if (tty_fd >= 0)
		(void)tcsetattr(tty_fd, TCSAFLUSH, &saved_tty);
}

/* Ctrl-C at a prompt leaves the terminal as it was. */
static void
on_signal(int sig)
{
	restore_tty();
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

static bool
read_password_file(char *buf, size_t max)
{
	FILE *f = fopen(password_file, "re");
	bool ok;

	if (f == NULL) {
		fprintf(stderr, "ots: %s: %s\n", password_file,
		    strerror(errno));
		return false;
	}
	ok = fgets(buf, (int)max, f) != NULL && chomp(buf);
	fclose(f);
	return ok;
}

/* Asks on the terminal, without echo. */
static bool
prompt(const char *what, char *buf, size_t max)
{
	struct termios t;
	FILE *f;
	bool ok;

	tty_fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (tty_fd < 0 || tcgetattr(tty_fd, &saved_tty) != 0) {
		if (tty_fd >= 0)
			close(tty_fd);
		tty_fd = -1;
		return false;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t = saved_tty;
	t.c_lflag &= ~(tcflag_t)ECHO;
	(void)tcsetattr(tty_fd, TCSAFLUSH, &t);
	(void)!write(tty_fd, what, strlen(what));
	f = fdopen(dup(tty_fd), "r");
	ok = f != NULL && fgets(buf, (int)max, f) != NULL && chomp(buf);
	if (f != NULL)
		fclose(f);
	(void)!write(tty_fd, "\n", 1);
	restore_tty();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	close(tty_fd);
	tty_fd = -1;
	return ok;
}

static bool
get_password(char *buf, size_t max)
{
	if (password_file != NULL)
		return read_password_file(buf, max);
	return prompt("Password: ", buf, max);
}

/* A password for a new share, asked twice. */
static bool
new_password(char *buf, size_t max)
{
	char again[PASSWORD_MAX + 2];
	bool ok;

	if (password_file != NULL)
		return read_password_file(buf, max);
	ok = prompt("Password for the share: ", buf, max) &&
	    prompt("The same again: ", again, sizeof(again)) &&
	    strcmp(buf, again) == 0;
	if (!ok)
		fprintf(stderr, "ots: no password, or the two differ\n");
	sodium_memzero(again, sizeof(again));
	return ok;
}

static int
usage(void)
{
	fputs(usage_text, stderr);
	return OTSC_USAGE;
}

/* The server's base URL, without a trailing '/'. */
static char *
server_url(const char *arg)
{
	const char *s = arg != NULL ? arg : getenv("OTS_SERVER");
	char *u;
	size_t n;

	if (s == NULL || *s == '\0')
		return NULL;
	u = strdup(s);
	if (u == NULL)
		return NULL;
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

static int
cmd_send(const char *server, int argc, char **argv)
{
	struct send_opts o;
	char pw[PASSWORD_MAX + 2];
	bool ask = false;
	int i, x;

	memset(&o, 0, sizeof(o));
	o.so_server = server;
	for (i = 0; i < argc; i++) {
		if ((strcmp(argv[i], "-e") == 0 ||
		    strcmp(argv[i], "--expires") == 0) && i + 1 < argc)
			o.so_expires = argv[++i];
		else if (strcmp(argv[i], "--text") == 0)
			o.so_text = true;
		else if (strcmp(argv[i], "--json") == 0)
			o.so_json = true;
		else if (strcmp(argv[i], "--password") == 0)
			ask = true;
		else if (strcmp(argv[i], "--password-file") == 0 &&
		    i + 1 < argc)
			password_file = argv[++i];
		else if (o.so_path == NULL && (argv[i][0] != '-' ||
		    strcmp(argv[i], "-") == 0))
			o.so_path = argv[i];
		else
			return usage();
	}
	if (o.so_path == NULL || o.so_server == NULL)
		return usage();
	if (ask || password_file != NULL) {
		if (!new_password(pw, sizeof(pw)))
			return OTSC_USAGE;
		o.so_password = pw;
	}
	x = share_send(&o);
	sodium_memzero(pw, sizeof(pw));
	return x;
}

static int
cmd_get(int argc, char **argv)
{
	struct get_opts o;
	char link[LINK_MAX];
	const char *arg = NULL;
	int i, x;

	memset(&o, 0, sizeof(o));
	o.go_password = get_password;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			o.go_out = argv[++i];
		else if (strcmp(argv[i], "--force") == 0)
			o.go_force = true;
		else if (strcmp(argv[i], "--password-file") == 0 &&
		    i + 1 < argc)
			password_file = argv[++i];
		else if (arg == NULL && (argv[i][0] != '-' ||
		    strcmp(argv[i], "-") == 0))
			arg = argv[i];
		else
			return usage();
	}
	if (arg == NULL || strcmp(arg, "-") == 0) {
		if (fgets(link, sizeof(link), stdin) == NULL || !chomp(link)) {
			fprintf(stderr, "ots: no link on standard input\n");
			return OTSC_USAGE;
		}
	} else if (snprintf(link, sizeof(link), "%s", arg) >=
	    (int)sizeof(link)) {
		return usage();
	}
	o.go_link = link;
	x = share_get(&o);
	sodium_memzero(link, sizeof(link));
	return x;
}

int
main(int argc, char **argv)
{
	const char *server_arg = NULL;
	char *server;
	int i = 1, x;

	if (i + 1 < argc && strcmp(argv[i], "--server") == 0) {
		server_arg = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		return usage();
	ots_rand_install();
	if (sodium_init() < 0 || !net_init()) {
		fprintf(stderr, "ots: cannot set up libsodium or libcurl\n");
		return OTSC_OTHER;
	}
	if (strcmp(argv[i], "get") == 0)
		return cmd_get(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "send") != 0)
		return usage();
	server = server_url(server_arg);
	if (server == NULL) {
		fprintf(stderr, "ots: no server: give --server URL or set "
		    "OTS_SERVER\n");
		return OTSC_USAGE;
	}
	x = cmd_send(server, argc - i - 1, argv + i + 1);
	free(server);
	return x;
}
