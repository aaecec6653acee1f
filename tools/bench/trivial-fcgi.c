/*
 * The benchmark's baseline: the least a FastCGI application on libfcgi can
 * do for our routes, run by spawn-fcgi behind the same nginx settings as
 * the real worker (tools/bench/run).  OTS_THREADS threads loop on
 * FCGX_Accept_r(); a PUT or POST is read to its end and answered 201 with
 * a fake link; any request to /d/... (a claim is a POST there) gets
 * TRIVIAL_GET_BYTES bytes (1 MiB) of the bench payload (tools/bench/run's
 * payload()) in 64 KiB writes, as the real claim does; anything else is a
 * short 200 (nginx's start-up check asks for /health/live).  No crypto, no Redis, no disk:
 * what is left is the cost of nginx, libfcgi and the copies between them.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#define CHUNK (64u * 1024u)

static size_t get_bytes = 1024u * 1024u;
static unsigned char *body;

static void
answer_upload(FCGX_Request *r)
{
	static char sink[CHUNK];

	while (FCGX_GetStr(sink, (int)sizeof(sink), r->in) > 0)
		continue;
	FCGX_PutS("Status: 201 Created\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "http://127.0.0.1/d/AAAAAAAAAAAAAAAAAAAAAA#BBBBBBBBBBBBBBBBBBBBBB\n",
	    r->out);
}

static void
answer_download(FCGX_Request *r)
{
	size_t off = 0;

	FCGX_FPrintF(r->out, "Status: 200 OK\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: %lu\r\n\r\n", (unsigned long)get_bytes);
	while (off < get_bytes) {
		size_t n = get_bytes - off < CHUNK ? get_bytes - off : CHUNK;

		if (FCGX_PutStr((const char *)body + off, (int)n, r->out) < 0)
			return;
		off += n;
	}
}

static void *
serve(void *arg)
{
	FCGX_Request r;

	(void)arg;
	if (FCGX_InitRequest(&r, 0, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&r) == 0) {
		const char *m = FCGX_GetParam("REQUEST_METHOD", r.envp);
		const char *uri = FCGX_GetParam("REQUEST_URI", r.envp);

		if (uri != NULL && strncmp(uri, "/d/", 3) == 0)
			answer_download(&r);
		else if (m != NULL && (strcmp(m, "PUT") == 0 ||
		    strcmp(m, "POST") == 0))
			answer_upload(&r);
		else
			FCGX_PutS("Status: 200 OK\r\n"
			    "Content-Type: text/plain\r\n\r\nok\n", r.out);
		FCGX_Finish_r(&r);
	}
	return NULL;
}

static unsigned long
env_ulong(const char *name, unsigned long dflt, unsigned long max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return dflt;
	n = strtoul(v, &end, 10);
	if (*end != '\0' || n == 0 || n > max) {
		fprintf(stderr, "trivial-fcgi: bad %s\n", name);
		exit(2);
	}
	return n;
}

int
main(void)
{
	static const char line[] =
	    "OneTimeShare bench payload 0123456789abcdef\n";
	unsigned long i, threads;
	pthread_t *t;

	threads = env_ulong("OTS_THREADS", 8, 256);
	get_bytes = env_ulong("TRIVIAL_GET_BYTES", get_bytes,
	    1024ul * 1024ul * 1024ul);
	body = malloc(get_bytes);
	if (body == NULL)
		return 1;
	for (i = 0; i < get_bytes; i++)
		body[i] = (unsigned char)line[i % (sizeof(line) - 1)];
	if (FCGX_Init() != 0)
		return 1;
	/* libfcgi's SIGTERM handler only asks the accept loop to stop,
	 * which a thread blocked in accept(2) never sees: die at once. */
	signal(SIGTERM, SIG_DFL);
	t = calloc(threads, sizeof(*t));
	if (t == NULL)
		return 1;
	for (i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, serve, NULL) != 0)
			return 1;
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	free(t);
	free(body);
	return 0;
}
