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

/* Takes n bytes of a 2xx answer's body; false stops the transfer. */
typedef bool (*net_sink_fn)(void *ctx, const uint8_t *p, size_t n);

struct net_req {
	const char *nq_method;
	const char *nq_url;
	const char *const *nq_headers;	/* "Name: value", NULL-ended */
	const uint8_t *nq_body;		/* NULL: none */
	size_t nq_body_len;
	net_sink_fn nq_sink;		/* NULL: the body is kept */
	void *nq_sink_ctx;
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
 * Makes one request.  Returns true when an answer came (any status);
 * false with a one-line reason in err when the server could not be
 * reached or the transfer broke (curl's own message).
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

#endif
