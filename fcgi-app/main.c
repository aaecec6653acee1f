/*
 * onetimeshare-fcgi: a FastCGI application started by spawn-fcgi (which
 * hands it the listening socket as descriptor 0 and drops privileges).
 * main() validates the configuration, hardens the process, starts
 * OTS_THREADS worker threads and waits for SIGTERM/SIGINT; then it stops
 * accepting, lets in-flight requests finish within OTS_DRAIN_MS and
 * exits 0 (1 if the bound ran out).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "ots_alloc.h"
#include "ots_log.h"
#include "background.h"
#include "ots_rand.h"
#include "worker.h"
#include "ots_banned.h"

#define MOD "main"

/* Running worker threads; guarded by live_lock. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cond = PTHREAD_COND_INITIALIZER;
static unsigned live_threads;

OTS_NORETURN OTS_PRINTF(1, 2) static void fatal(const char *fmt, ...);

static void
fatal(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	ots_log_err(MOD, "%s", msg);
	exit(2);
}

/* Core dumps could hold keys and plaintext; privileges never grow. */
static void
harden_process(void)
{
	struct rlimit no_core = { 0, 0 };

	if (getuid() == 0 || geteuid() == 0)
		fatal("refusing to run as root: start it with spawn-fcgi -u "
		    "USER (or systemd User=)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    setrlimit(RLIMIT_CORE, &no_core) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal("cannot harden the process: %s", strerror(errno));
}

static void *
thread_body(void *arg)
{
	worker_main(arg);
	pthread_mutex_lock(&live_lock);
	live_threads--;
	pthread_cond_signal(&live_cond);
	pthread_mutex_unlock(&live_lock);
	return NULL;
}

/* Waits for SIGTERM or SIGINT (blocked in every thread). */
static int
wait_for_signal(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	return sig;
}

/* Waits for the workers to finish; false if the bound ran out. */
static bool
drain(unsigned drain_ms)
{
	struct timespec until;
	bool done;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(drain_ms / 1000);
	until.tv_nsec += (long)(drain_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&live_lock);
	while (live_threads > 0) {
		if (pthread_cond_timedwait(&live_cond, &live_lock, &until) ==
		    ETIMEDOUT)
			break;
	}
	done = live_threads == 0;
	pthread_mutex_unlock(&live_lock);
	return done;
}

#define VERSION "0.1.0"

static void
usage(FILE *f)
{
	fprintf(f, "usage: onetimeshare-fcgi                 serve (under "
	    "spawn-fcgi)\n"
	    "       onetimeshare-fcgi --check-config  print the effective "
	    "OTS_* settings\n"
	    "       onetimeshare-fcgi --hash-admin-token < token\n"
	    "       onetimeshare-fcgi --new-admin-token\n"
	    "       onetimeshare-fcgi --version | --help\n"
	    "Settings come from OTS_* environment variables: docs/CONFIG.md.\n");
}

/* Loads the configuration or exits 2 with a message naming the bad value. */
static void
load_config(struct ots_cfg *c)
{
	char err[256];

	if (ots_cfg_load(c, ots_cfg_getenv, NULL, err, sizeof(err)) != OTS_OK) {
		fprintf(stderr, "onetimeshare-fcgi: bad configuration: %s\n",
		    err);
		exit(2);
	}
}

static int
check_config(void)
{
	struct ots_cfg c;
	struct ots_buf b;

	load_config(&c);
	ots_buf_init(&b, 16 * 1024);
	if (ots_cfg_describe(&c, &b) != OTS_OK) {
		ots_buf_release(&b);
		return 1;
	}
	fputs(ots_buf_str(&b), stdout);
	ots_buf_release(&b);
	sodium_memzero(&c, sizeof(c));
	return 0;
}

static void
print_hash(const char *token, size_t len)
{
	uint8_t h[32];
	char hex[65];

	crypto_generichash(h, sizeof(h), (const uint8_t *)token, len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	printf("OTS_ADMIN_TOKEN_HASH=%s\n", hex);
}

/* Hashes the token on standard input (one line, 16 bytes or more). */
static int
hash_admin_token(void)
{
	char line[1024];
	size_t len;

	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "onetimeshare-fcgi: give the token on standard "
		    "input\n");
		return 1;
	}
	len = strcspn(line, "\r\n");
	if (len < 16) {
		fprintf(stderr, "onetimeshare-fcgi: an admin token needs 16 "
		    "characters or more (--new-admin-token makes one)\n");
		sodium_memzero(line, sizeof(line));
		return 1;
	}
	print_hash(line, len);
	sodium_memzero(line, sizeof(line));
	return 0;
}

static int
new_admin_token(void)
{
	uint8_t raw[32];
	char tok[sodium_base64_ENCODED_LEN(32,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(tok, sizeof(tok), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	printf("admin token (give it to operators, store it nowhere else): "
	    "%s\n", tok);
	print_hash(tok, strlen(tok));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(tok, sizeof(tok));
	return 0;
}

/* The command-line modes; -1 when the program should serve. */
static int
run_mode(int argc, char **argv)
{
	if (argc < 2)
		return -1;
	if (argc == 2 && strcmp(argv[1], "--check-config") == 0)
		return check_config();
	if (sodium_init() < 0)
		return 1;
	if (argc == 2 && strcmp(argv[1], "--hash-admin-token") == 0)
		return hash_admin_token();
	if (argc == 2 && strcmp(argv[1], "--new-admin-token") == 0)
		return new_admin_token();
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("onetimeshare-fcgi " VERSION "\n");
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 1;
}

/* What the metrics count by: the route table's labels and the statuses
 * the app answers with (the app's facts, which lib/ does not know). */
static void
metrics_labels(struct ots_metrics_labels *l)
{
	static const char *routes[OTS_METRICS_ROUTES_MAX];
	static int statuses[OTS_METRICS_STATUSES_MAX];

	l->ml_route = routes;
	l->ml_routes = route_labels(routes, OTS_METRICS_ROUTES_MAX);
	l->ml_status = statuses;
	l->ml_statuses = resp_statuses(statuses, OTS_METRICS_STATUSES_MAX);
}

int
main(int argc, char **argv)
{
	static struct app app;
	static struct bg sweeper, flusher;
	static struct ots_metrics metrics;
	static struct ots_metrics_labels labels;
	struct worker *workers = NULL;
	pthread_t *tids = NULL;
	char err[256];
	int wake[2] = { -1, -1 };
	sigset_t set;
	unsigned i, started = 0;
	int sig, mode;
	bool drained;

	mode = run_mode(argc, argv);
	if (mode >= 0)
		return mode;
	if (ots_cfg_load(&app.a_cfg, ots_cfg_getenv, NULL, err, sizeof(err)) !=
	    OTS_OK)
		fatal("bad configuration: %s", err);
	ots_log_set_level((enum ots_log_level)app.a_cfg.c_log_level);
	harden_process();
	ots_rand_install();	/* before sodium_init(), as it must be */
	if (sodium_init() < 0)
		fatal("cannot initialise libsodium");
	signal(SIGPIPE, SIG_IGN);
	if (fio_init() != OTS_OK)
		fatal("cannot initialise FastCGI");
	if (ots_store_open(app.a_cfg.c_data_dir, app.a_cfg.c_durable,
	    &app.a_store) != OTS_OK)
		fatal("cannot use the data directory (OTS_DATA_DIR)");
	if (app.a_cfg.c_s3 && ots_store_use_s3(app.a_store,
	    &app.a_cfg.c_s3conf, app.a_cfg.c_s3_timeout_ms) != OTS_OK)
		fatal("cannot set up the S3 store (OTS_STORAGE=s3)");
	if (app.a_cfg.c_e2e && app.a_cfg.c_claim_lease > 0 &&
	    !ots_store_lease_ready(app.a_store))
		ots_log_err(MOD, "the web server cannot read leased files: "
		    "the data dir and its ots-lease/ must let the web server's "
		    "group through, and files/ be setgid to that group "
		    "(docs/OPERATIONS.md); /health/ready says unavailable");
	metrics_labels(&labels);
	ots_metrics_init(&metrics, &labels);
	app.a_metrics = &metrics;
	if (ots_gate_new(app.a_cfg.c_argon2_slots, &app.a_gate) != OTS_OK)
		fatal("cannot set up the password gate");
	if (ots_tally_new(&app.a_tally) != OTS_OK)
		fatal("cannot set up the per-client tally");
	/* Two threads always stay for light requests (claims that lose,
	 * metadata, health), whatever transfers and password checks hold. */
	if (ots_gate_new(app.a_cfg.c_threads > 2 ? app.a_cfg.c_threads - 2 : 1,
	    &app.a_heavy) != OTS_OK)
		fatal("cannot set up the transfer gate");
	if (pipe2(wake, O_CLOEXEC) != 0)
		fatal("cannot create the wake pipe: %s", strerror(errno));
	app.a_wake_fd = wake[0];

	/* Signals go to main() only, through sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	workers = ots_calloc(app.a_cfg.c_threads, sizeof(*workers));
	tids = ots_calloc(app.a_cfg.c_threads, sizeof(*tids));
	if (workers == NULL || tids == NULL)
		fatal("out of memory");
	for (i = 0; i < app.a_cfg.c_threads; i++) {
		if (worker_init(&workers[i], &app, i) != OTS_OK)
			fatal("cannot set up worker thread %u", i);
		pthread_mutex_lock(&live_lock);
		live_threads++;
		pthread_mutex_unlock(&live_lock);
		if (pthread_create(&tids[i], NULL, thread_body,
		    &workers[i]) != 0)
			fatal("cannot start worker thread %u", i);
		started++;
	}
	if (sweeper_start(&sweeper, &app) != OTS_OK)
		fatal("cannot start the sweeper thread");
	if (flusher_start(&flusher, &app) != OTS_OK)
		fatal("cannot start the metrics thread");
	ots_log_info(MOD, "ready: pid %ld, %u threads", (long)getpid(),
	    started);

	sig = wait_for_signal(&set);
	ots_log_info(MOD, "signal %d: draining in-flight requests", sig);
	/* Closing the write end makes the read end readable for all. */
	close(wake[1]);
	drained = drain(app.a_cfg.c_drain_ms);
	if (!drained) {
		ots_log_warn(MOD, "drain bound of %u ms ran out",
		    app.a_cfg.c_drain_ms);
		return 1;
	}
	for (i = 0; i < started; i++) {
		pthread_join(tids[i], NULL);
		worker_release(&workers[i]);
	}
	bg_stop(&sweeper);
	bg_stop(&flusher);	/* after the workers: their last counts */
	ots_gate_free(app.a_gate);
	ots_gate_free(app.a_heavy);
	ots_tally_free(app.a_tally);
	ots_free(workers);
	ots_free(tids);
	ots_store_close(app.a_store);
	close(wake[0]);
	ots_log_info(MOD, "stopped");
	return 0;
}
