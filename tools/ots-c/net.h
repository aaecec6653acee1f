/*
 * net: the client's HTTP over libcurl, and the few fields it reads from
 * the server's JSON.  Secrets travel in headers and bodies, never in a
 * URL (URLs get logged) and never on a command line.
 */
#ifndef OTSC_NET_H
#define OTSC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Takes n bytes of a 2xx answer's body (of this status); false stops
 * the transfer. */
typedef bool (*net_sink_fn)(void *ctx, long status, const uint8_t *p,
    size_t n);

struct progress;

/* The body's length when read from a descriptor to its end (chunked). */
#define NET_LEN_UNKNOWN UINT64_MAX

struct net_req {
	const char *nq_method;
	const char *nq_url;
	const char *const *nq_headers;	/* "Name: value", NULL-ended */
	const uint8_t *nq_body;		/* NULL: none (or nq_fd's) */
	size_t nq_body_len;
	int nq_fd;			/* with nq_fd_body: the body's bytes */
	bool nq_fd_body;
	uint64_t nq_fd_len;		/* or NET_LEN_UNKNOWN */
	net_sink_fn nq_sink;		/* NULL: the body is kept */
	void *nq_sink_ctx;
	struct progress *nq_progress;	/* bytes sent, from its pg_base */
};

struct net_resp {
	long nr_status;			/* 0: no answer */
	char *nr_body;			/* kept (always for non-2xx), NUL-ended */
	size_t nr_len;
	char *nr_headers;		/* the raw header block, NUL-ended */
	bool nr_sink_stopped;		/* the sink said stop */
};

/* Sets libcurl up; once, at start. */
bool net_init(void);

/*
 * Makes one request.  Returns true when an answer came whole (any
 * status); false with a one-line reason in err when the server could not
 * be reached or the transfer broke (curl's own message and code).  out
 * holds what came either way (nr_status 0: nothing) and must be freed.
 */
bool net_do(const struct net_req *rq, struct net_resp *out, char *err,
    size_t errlen);
void net_resp_free(struct net_resp *r);

/* The value of header name (malloc'ed), or NULL. */
char *net_header(const struct net_resp *r, const char *name);

/*
 * The string (no escapes allowed: ids, tokens, base64url) or number
 * value of field in a JSON body; false when absent, malformed or longer
 * than max - 1.
 */
bool json_str(const char *body, const char *field, char *out, size_t max);
bool json_u64(const char *body, const char *field, uint64_t *out);
bool json_bool(const char *body, const char *field, bool *out);

/* A string value with its escapes decoded (\uXXXX to UTF-8); false when
 * absent, malformed, holding NUL, or longer than max - 1 bytes. */
bool json_text(const char *body, const char *field, char *out, size_t max);

/* The object value of field, braces included (no nested object), as a
 * string of its own. */
bool json_obj(const char *body, const char *field, char *out, size_t max);

#endif
