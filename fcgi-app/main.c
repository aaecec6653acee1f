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
#include "sweeper.h"
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

int
main(void)
{
	static struct app app;
	static struct sweeper sweeper;
	struct worker *workers = NULL;
	pthread_t *tids = NULL;
	char err[256];
	int wake[2] = { -1, -1 };
	sigset_t set;
	unsigned i, started = 0;
	int sig;
	bool drained;

	if (ots_cfg_load(&app.a_cfg, ots_cfg_getenv, NULL, err, sizeof(err)) !=
	    OTS_OK)
		fatal("bad configuration: %s", err);
	ots_log_set_level((enum ots_log_level)app.a_cfg.c_log_level);
	harden_process();
	if (sodium_init() < 0)
		fatal("cannot initialise libsodium");
	signal(SIGPIPE, SIG_IGN);
	if (fio_init() != OTS_OK)
		fatal("cannot initialise FastCGI");
	if (ots_store_open(app.a_cfg.c_data_dir, &app.a_store) != OTS_OK)
		fatal("cannot use the data directory (OTS_DATA_DIR)");
	if (ots_gate_new(app.a_cfg.c_argon2_slots, &app.a_gate) != OTS_OK)
		fatal("cannot set up the password gate");
	/* Two threads always stay for light requests (claims that lose,
	 * metadata, health), whatever slow clients hold. */
	if (ots_gate_new(app.a_cfg.c_threads > 2 ? app.a_cfg.c_threads - 2 : 1,
	    &app.a_xfer) != OTS_OK)
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
	sweeper_stop(&sweeper);
	ots_gate_free(app.a_gate);
	ots_gate_free(app.a_xfer);
	ots_free(workers);
	ots_free(tids);
	ots_store_close(app.a_store);
	close(wake[0]);
	ots_log_info(MOD, "stopped");
	return 0;
}
