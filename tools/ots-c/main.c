/*
 * ots: the command-line client (man page: tools/ots.1).  End-to-end by
 * default: a file is encrypted here and the server sees only
 * ciphertext.  No secret is ever taken from the command line (any local
 * user can read it in the process list): links come from standard input
 * or a file (an argument works, with a warning), passwords from a file
 * or the terminal, the admin token from a file or the environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_rand.h"

#include "api.h"
#include "get.h"
#include "net.h"
#include "otsc.h"
#include "owner.h"
#include "plain.h"
#include "prompt.h"
#include "send.h"

#define LINK_MAX_ 4096
#define TOKEN_MAX 256
#define OPERANDS_MAX 64

static const char usage_text[] =
    "usage: ots send [options] FILE...|-      share files (- reads standard "
    "input)\n"
    "       ots send --text [options] [FILE|-] share a text secret "
    "(standard input if none)\n"
    "       ots get [options] [LINK|-]        download (once!) under its "
    "own name\n"
    "       ots status [OWNER-LINK|-]         is it still there? was it "
    "opened?\n"
    "       ots revoke [OWNER-LINK|-]         destroy an unopened share\n"
    "       ots admin list                    operators: live shares (no "
    "names)\n"
    "       ots admin revoke ID-PREFIX        operators: destroy a share\n"
    "\n"
    "options:\n"
    "  -s, --server URL        server for send and admin (default: "
    "$OTS_SERVER)\n"
    "  -e, --expires DURATION  e.g. 30m, 1h, 7d (default: the server's)\n"
    "  -p, --password          send: protect the share with a password "
    "asked twice\n"
    "      --password-file F   the password is the first line of F\n"
    "  -n, --name NAME         send: the name to store (default: FILE's)\n"
    "  -o, --output PATH       get: where to write (- for standard output)"
    "\n"
    "  -f, --force             get: overwrite an existing file\n"
    "      --link-file F       get, status, revoke: the link is the first "
    "line of F\n"
    "      --resume            send: continue an upload cut off before\n"
    "      --server-side       send: the server encrypts (it sees the "
    "file)\n"
    "      --json              one JSON object per share sent, or the "
    "server's answer\n"
    "  -q, --quiet             no progress bar, no notes\n"
    "      --token-file F      admin: the token (default: "
    "$OTS_ADMIN_TOKEN)\n"
    "  -h, --help              this help;  -V, --version\n"
    "\n"
    "send prints each link on standard output and its owner link (for "
    "status and\nrevoke) on standard error. get, status and revoke read "
    "the link from standard\ninput when it is - or not given. Exit "
    "status: 0 ok, 1 usage, 2 gone (already\nopened, expired, revoked or "
    "locked), 3 wrong password, key or token, 4 rate\nlimited or busy, 5 "
    "not found, 6 other error.\n";

/* The command line, read. */
struct cmdline {
	struct opts c_o;
	const char *c_cmd;
	const char *c_operand[OPERANDS_MAX];
	int c_operands;
	const char *c_password_file;
	const char *c_link_file;
	const char *c_token_file;
	bool c_ask_password;
	bool c_help, c_version;
};

static const char *password_file;

static bool
share_password(char *buf, size_t max)
{
	if (password_file != NULL)
		return first_line(password_file, buf, max);
	return prompt("Password: ", buf, max);
}

/* A password for a new share: from the file, or asked twice. */
static bool
new_password(char *buf, size_t max)
{
	char again[OTSC_PASSWORD_MAX + 2];
	bool ok;

	if (password_file != NULL)
		return first_line(password_file, buf, max);
	ok = prompt("Password for the share: ", buf, max) &&
	    prompt("The same again: ", again, sizeof(again)) &&
	    strcmp(buf, again) == 0;
	if (!ok)
		say("no password, or the two differ");
	sodium_memzero(again, sizeof(again));
	return ok;
}

static int
usage(void)
{
	fputs(usage_text, stderr);
	return OTSC_USAGE;
}

/* An option's value: argv[*i + 1]. */
static bool
value(int argc, char **argv, int *i, const char **out)
{
	if (*i + 1 >= argc) {
		say("%s needs a value", argv[*i]);
		return false;
	}
	*out = argv[++*i];
	return true;
}

static bool
is(const char *arg, const char *a, const char *b)
{
	return strcmp(arg, a) == 0 || (b != NULL && strcmp(arg, b) == 0);
}

static bool
parse(int argc, char **argv, struct cmdline *c)
{
	struct opts *o = &c->c_o;
	bool ok = true, dashdash = false;
	int i;

	for (i = 1; i < argc && ok; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
			if (c->c_cmd == NULL)
				c->c_cmd = a;
			else if (c->c_operands < OPERANDS_MAX)
				c->c_operand[c->c_operands++] = a;
			else
				ok = false;
		} else if (strcmp(a, "--") == 0) {
			dashdash = true;
		} else if (is(a, "-s", "--server")) {
			ok = value(argc, argv, &i, &o->o_server);
		} else if (is(a, "-e", "--expires")) {
			ok = value(argc, argv, &i, &o->o_expires);
		} else if (is(a, "-n", "--name")) {
			ok = value(argc, argv, &i, &o->o_name);
		} else if (is(a, "-o", "--output")) {
			ok = value(argc, argv, &i, &o->o_out);
		} else if (is(a, "--password-file", NULL)) {
			ok = value(argc, argv, &i, &c->c_password_file);
		} else if (is(a, "--link-file", NULL)) {
			ok = value(argc, argv, &i, &c->c_link_file);
		} else if (is(a, "--token-file", NULL)) {
			ok = value(argc, argv, &i, &c->c_token_file);
		} else if (is(a, "-p", "--password")) {
			c->c_ask_password = true;
		} else if (is(a, "-f", "--force")) {
			o->o_force = true;
		} else if (is(a, "-q", "--quiet")) {
			o->o_quiet = true;
		} else if (is(a, "--json", NULL)) {
			o->o_json = true;
		} else if (is(a, "--text", NULL)) {
			o->o_text = true;
		} else if (is(a, "--resume", NULL)) {
			o->o_resume = true;
		} else if (is(a, "--server-side", NULL)) {
			o->o_server_side = true;
		} else if (is(a, "-h", "--help")) {
			c->c_help = true;
		} else if (is(a, "-V", "--version")) {
			c->c_version = true;
		} else {
			say("unknown option %s", a);
			ok = false;
		}
	}
	return ok;
}

/* The server's base URL, without a trailing '/', into buf. */
static bool
server_url(const struct cmdline *c, char *buf, size_t max)
{
	const char *s = c->c_o.o_server != NULL ? c->c_o.o_server :
	    getenv("OTS_SERVER");
	size_t n;

	if (s == NULL || *s == '\0') {
		say("no server: give --server URL or set OTS_SERVER");
		return false;
	}
	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
		say("the server is a URL: http://… or https://…");
		return false;
	}
	if (snprintf(buf, max, "%s", s) >= (int)max) {
		say("the server's URL is too long");
		return false;
	}
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return true;
}

static enum otsc_exit
cmd_send(struct cmdline *c)
{
	struct opts *o = &c->c_o;
	struct server sv;
	char pw[OTSC_PASSWORD_MAX + 2];
	enum otsc_exit x = OTSC_OK;
	int i;

	if (c->c_operands == 0 && o->o_text)
		c->c_operand[c->c_operands++] = "-";
	if (c->c_operands == 0) {
		say("send needs a FILE (or - for standard input)");
		return OTSC_USAGE;
	}
	if (c->c_ask_password || password_file != NULL) {
		if (!new_password(pw, sizeof(pw)))
			return OTSC_USAGE;
		o->o_new_password = pw;
	}
	if (!o->o_server_side) {
		x = api_config(o->o_server, &sv);
		if (x == OTSC_OK && !sv.sv_e2e) {
			if (!o->o_quiet)
				say("this server takes no end-to-end shares: "
				    "sending server-side (the server sees the "
				    "file)");
			o->o_server_side = true;
		}
	}
	for (i = 0; i < c->c_operands && x == OTSC_OK; i++)
		x = o->o_server_side ? plain_send(o, c->c_operand[i]) :
		    send_e2e(o, &sv, c->c_operand[i]);
	sodium_memzero(pw, sizeof(pw));
	return x;
}

/* The link of get, status and revoke: --link-file, the argument (with a
 * warning), or a line of standard input. */
static bool
read_link(const struct cmdline *c, char *buf, size_t max)
{
	const char *arg = c->c_operands > 0 ? c->c_operand[0] : NULL;
	size_t n;

	if (c->c_operands > 1) {
		say("give one link");
		return false;
	}
	if (c->c_link_file != NULL) {
		if (arg != NULL) {
			say("give the link once: --link-file or an argument");
			return false;
		}
		return first_line(c->c_link_file, buf, max);
	}
	if (arg != NULL && strcmp(arg, "-") != 0) {
		if (!c->c_o.o_quiet)
			fprintf(stderr, "note: a link on the command line is "
			    "visible to other local users; pass it on "
			    "standard input (- or no argument)\n");
		return snprintf(buf, max, "%s", arg) < (int)max;
	}
	if (isatty(STDIN_FILENO) && !c->c_o.o_quiet)
		fputs("Link: ", stderr);
	if (fgets(buf, (int)max, stdin) == NULL)
		buf[0] = '\0';
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 0) {
		say("no link on standard input");
		return false;
	}
	return true;
}

static enum otsc_exit
cmd_link(struct cmdline *c)
{
	char link[LINK_MAX_];
	enum otsc_exit x;

	if (!read_link(c, link, sizeof(link)))
		return OTSC_USAGE;
	if (strcmp(c->c_cmd, "get") == 0)
		x = get_share(&c->c_o, link);
	else if (strcmp(c->c_cmd, "status") == 0)
		x = owner_status(&c->c_o, link);
	else
		x = owner_revoke(&c->c_o, link);
	sodium_memzero(link, sizeof(link));
	return x;
}

static enum otsc_exit
cmd_admin(struct cmdline *c)
{
	char token[TOKEN_MAX];
	const char *env = getenv("OTS_ADMIN_TOKEN");
	const char *what = c->c_operands > 0 ? c->c_operand[0] : "";
	enum otsc_exit x;

	if (!(strcmp(what, "list") == 0 && c->c_operands == 1) &&
	    !(strcmp(what, "revoke") == 0 && c->c_operands == 2)) {
		say("admin takes list, or revoke ID-PREFIX");
		return OTSC_USAGE;
	}
	if (c->c_token_file != NULL) {
		if (!first_line(c->c_token_file, token, sizeof(token)))
			return OTSC_USAGE;
	} else if (env != NULL && env[0] != '\0' &&
	    snprintf(token, sizeof(token), "%s", env) < (int)sizeof(token)) {
		;
	} else {
		say("no admin token: give --token-file F or set "
		    "OTS_ADMIN_TOKEN");
		return OTSC_USAGE;
	}
	x = strcmp(what, "list") == 0 ? admin_list(&c->c_o, token) :
	    admin_revoke(&c->c_o, token, c->c_operand[1]);
	sodium_memzero(token, sizeof(token));
	return x;
}

int
main(int argc, char **argv)
{
	struct cmdline c;
	char server[URL_MAX];
	bool needs_server;

	memset(&c, 0, sizeof(c));
	if (!parse(argc, argv, &c))
		return usage();
	if (c.c_help) {
		fputs(usage_text, stdout);
		return OTSC_OK;
	}
	if (c.c_version) {
		printf("ots %s\n", OTS_VERSION);
		return OTSC_OK;
	}
	if (c.c_cmd == NULL || (strcmp(c.c_cmd, "send") != 0 &&
	    strcmp(c.c_cmd, "get") != 0 && strcmp(c.c_cmd, "status") != 0 &&
	    strcmp(c.c_cmd, "revoke") != 0 && strcmp(c.c_cmd, "admin") != 0))
		return usage();
	password_file = c.c_password_file;
	c.c_o.o_password = share_password;
	c.c_o.o_progress = !c.c_o.o_quiet && isatty(STDERR_FILENO);
	needs_server = strcmp(c.c_cmd, "send") == 0 ||
	    strcmp(c.c_cmd, "admin") == 0;
	if (needs_server) {
		if (!server_url(&c, server, sizeof(server)))
			return OTSC_USAGE;
		c.c_o.o_server = server;
	}
	ots_rand_install();
	if (sodium_init() < 0 || !net_init()) {
		say("cannot set up libsodium or libcurl");
		return OTSC_OTHER;
	}
	if (strcmp(c.c_cmd, "send") == 0)
		return cmd_send(&c);
	if (strcmp(c.c_cmd, "admin") == 0)
		return cmd_admin(&c);
	return cmd_link(&c);
}
