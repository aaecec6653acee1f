#include "redis_nodes.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "itest.h"

/* The kernel's picks, held together until the last is chosen, then
 * released. */
void
free_ports(unsigned *out, int n)
{
	int fds[16], i;

	cr_assert(n <= 16);
	for (i = 0; i < n; i++) {
		struct sockaddr_in a;
		socklen_t len = sizeof(a);

		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert(fds[i] >= 0);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		cr_assert_eq(bind(fds[i], (struct sockaddr *)&a, sizeof(a)),
		    0);
		cr_assert_eq(getsockname(fds[i], (struct sockaddr *)&a, &len),
		    0);
		out[i] = ntohs(a.sin_port);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
}

void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

void
ha_path(char *out, size_t max, const char *name)
{
	snprintf(out, max, "%s/ha", itest_state());
	mkdir(out, 0700);
	snprintf(out, max, "%s/ha/%s", itest_state(), name);
}

void
ha_write(const char *name, const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	FILE *f;

	ha_path(path, sizeof(path), name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

pid_t
ha_start_redis(const char *name, const char *extra)
{
	char conf[1024], log[1100];
	pid_t pid;

	ha_path(conf, sizeof(conf), name);
	snprintf(log, sizeof(log), "%s.log", conf);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		/* Gone with the test, even when it dies before its fini. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
		    freopen(log, "a", stdout) == NULL ||
		    freopen(log, "a", stderr) == NULL)
			_exit(127);
		execlp("redis-server", "redis-server", conf, extra,
		    (char *)NULL);
		_exit(127);
	}
	return pid;
}

void
ha_stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

redisReply *
node_cmd(unsigned port, const char *fmt, ...)
{
	struct timeval tv = { 1, 0 };
	redisContext *c;
	redisReply *r;
	va_list ap;

	c = redisConnectWithTimeout("127.0.0.1", (int)port, tv);
	if (c == NULL || c->err != 0) {
		if (c != NULL)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	return r;
}

bool
node_is_primary(unsigned port)
{
	redisReply *r = node_cmd(port, "ROLE");
	bool yes;

	yes = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "master") == 0;
	if (r != NULL)
		freeReplyObject(r);
	return yes;
}

bool
node_holds_share(unsigned port, const char *id)
{
	redisReply *r = node_cmd(port, "EXISTS ots:{%s}:s", id);
	bool yes = r != NULL && r->type == REDIS_REPLY_INTEGER &&
	    r->integer == 1;

	if (r != NULL)
		freeReplyObject(r);
	return yes;
}

bool
node_in_sync(unsigned port)
{
	redisReply *r = node_cmd(port, "INFO replication");
	bool up = r != NULL && r->type == REDIS_REPLY_STRING &&
	    strstr(r->str, "master_link_status:up") != NULL;

	if (r != NULL)
		freeReplyObject(r);
	return up;
}

void
dead_addresses(char *out, size_t max)
{
	unsigned dead[2];

	free_ports(dead, 2);
	snprintf(out, max, "127.0.0.1:%u,127.0.0.1:%u", dead[0], dead[1]);
}

void
assert_refused_without_redis(struct snapshot before, const char *what)
{
	uint8_t b[256];
	struct http_resp r;
	struct timespec t0;

	fill_pattern(b, sizeof(b), 4);
	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(http_do("PUT", "/api/v1/files/none.bin", NULL, b,
	    sizeof(b), &r), 0);
	cr_assert_eq(r.status, 503, "%s: %ld %s", what, r.status, r.body);
	cr_assert_lt(ms_since(&t0), 3000, "%s: answered late", what);
	http_resp_free(&r);
	cr_assert(stack_unready(), "%s: ready all the same", what);
	assert_unchanged(before, what);
}
