/*
 * HTTP responses: the status line, the headers every dynamic response
 * carries (DESIGN §3), and error bodies.  Only fcgi-app/ maps errors to
 * statuses; no internal detail reaches the client.
 */
#include <string.h>

#include "app.h"
#include "ots_json.h"
#include "ots_log.h"
#include "ots_banned.h"

#define SECURITY_HEADERS \
	"Cache-Control: no-store\r\n" \
	"X-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: no-referrer\r\n" \
	"X-Robots-Tag: noindex, nofollow\r\n" \
	"X-Frame-Options: DENY\r\n"

/*
 * What a dynamic answer may load if a browser ever renders it (an error
 * page, or JSON shown by a careless client): its stylesheet, nothing
 * else; no framing, no forms elsewhere.  A handler may send a stricter
 * policy of its own in extra (downloads sandbox everything).
 */
#define CSP_HEADER \
	"Content-Security-Policy: default-src 'none'; style-src 'self'; " \
	"img-src 'self'; base-uri 'none'; form-action 'self'; " \
	"frame-ancestors 'none'\r\n"

/* Every status the app answers with; the metrics count each. */
static const struct {
	int sr_code;
	const char *sr_reason;
} statuses[] = {
	{ 200, "OK" },
	{ 201, "Created" },
	{ 204, "No Content" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
	{ 507, "Insufficient Storage" },
};

#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))

const char *
resp_reason(int status)
{
	size_t i;

	for (i = 0; i < NSTATUSES; i++) {
		if (statuses[i].sr_code == status)
			return statuses[i].sr_reason;
	}
	return "Unknown";
}

size_t
resp_statuses(int *out, size_t max)
{
	size_t i;

	OTS_ASSERT(NSTATUSES <= max);
	for (i = 0; i < NSTATUSES; i++)
		out[i] = statuses[i].sr_code;
	return NSTATUSES;
}

enum ots_err
resp_begin(struct req *req, int status, const char *ctype, const char *extra)
{
	struct ots_buf h;
	enum ots_err e;

	OTS_ASSERT(!req->req_sent);
	req->req_sent = true;
	req->req_status = status;
	ots_buf_init(&h, 4096);
	e = ots_buf_addf(&h, "Status: %d %s\r\n" SECURITY_HEADERS
	    "X-Request-Id: %s\r\n", status, resp_reason(status), req->req_id);
	if (e == OTS_OK && (extra == NULL ||
	    strstr(extra, "Content-Security-Policy:") == NULL))
		e = ots_buf_adds(&h, CSP_HEADER);
	if (e == OTS_OK && ctype != NULL)
		e = ots_buf_addf(&h, "Content-Type: %s\r\n", ctype);
	if (e == OTS_OK && extra != NULL)
		e = ots_buf_adds(&h, extra);
	if (e == OTS_OK)
		e = ots_buf_adds(&h, "\r\n");
	if (e == OTS_OK)
		e = req_write(req, h.b_data, h.b_len);
	ots_buf_release(&h);
	return e;
}

void
resp_send(struct req *req, int status, const char *ctype, const char *extra,
    const void *body, size_t len)
{
	char cl[64];
	struct ots_buf h;
	enum ots_err e;

	ots_buf_init(&h, 4096);
	/* A 204 has no body and no Content-Length (RFC 9110 §8.6). */
	e = ots_str_fmt(cl, sizeof(cl), "Content-Length: %zu\r\n", len);
	if (e == OTS_OK && status != 204)
		e = ots_buf_adds(&h, cl);
	if (e == OTS_OK && extra != NULL)
		e = ots_buf_adds(&h, extra);
	if (e == OTS_OK)
		e = resp_begin(req, status, ctype, h.b_data);
	if (e == OTS_OK && len > 0)
		e = req_write(req, body, len);
	ots_buf_release(&h);
	if (e != OTS_OK)
		ots_log_debug("resp", "client went away");
}

/* Escapes text for HTML. */
static enum ots_err
html_text(struct ots_buf *b, const char *s)
{
	enum ots_err e = OTS_OK;

	for (; *s != '\0' && e == OTS_OK; s++) {
		switch (*s) {
		case '<':
			e = ots_buf_adds(b, "&lt;");
			break;
		case '>':
			e = ots_buf_adds(b, "&gt;");
			break;
		case '&':
			e = ots_buf_adds(b, "&amp;");
			break;
		case '"':
			e = ots_buf_adds(b, "&quot;");
			break;
		default:
			e = ots_buf_add(b, s, 1);
			break;
		}
	}
	return e;
}

void
resp_error(struct req *req, int status, const char *code, const char *msg)
{
	resp_error_x(req, status, code, msg, NULL);
}

void
resp_error_x(struct req *req, int status, const char *code, const char *msg,
    const char *extra)
{
	struct ots_buf b;
	enum ots_err e;
	const char *ctype;

	if (req->req_sent) {
		/* Too late for a status: the stream is cut instead. */
		req->req_status = status;
		return;
	}
	ots_buf_init(&b, 8192);
	if (req->req_browser) {
		ctype = "text/html; charset=utf-8";
		e = ots_buf_addf(&b, "<!doctype html>\n<html lang=\"en\"><head>"
		    "<meta charset=\"utf-8\"><title>%d %s</title>"
		    "<link rel=\"stylesheet\" href=\"/static/style.css\">"
		    "</head><body><main><h1>", status, resp_reason(status));
		if (e == OTS_OK)
			e = html_text(&b, resp_reason(status));
		if (e == OTS_OK)
			e = ots_buf_adds(&b, "</h1><p>");
		if (e == OTS_OK)
			e = html_text(&b, msg);
		if (e == OTS_OK)
			e = ots_buf_adds(&b, "</p><p><a href=\"/\">Share "
			    "something</a></p></main></body></html>\n");
	} else {
		ctype = "application/json";
		e = ots_json_error(&b, code, msg);
	}
	if (e == OTS_OK)
		resp_send(req, status, ctype, extra != NULL ? extra :
		    status == 503 ? "Retry-After: 1\r\n" : NULL, b.b_data,
		    b.b_len);
	else
		resp_send(req, 500, "text/plain", NULL, "error\n", 6);
	ots_buf_release(&b);
}

void
resp_from_err(struct req *req, enum ots_err e)
{
	switch (e) {
	case OTS_ERR_INVAL:
		resp_error(req, 400, "bad_request", "The request is malformed.");
		break;
	case OTS_ERR_TOOBIG:
		resp_error(req, 413, "too_large",
		    "The upload is larger than this server accepts.");
		break;
	case OTS_ERR_TRUNC:
		resp_error(req, 400, "truncated",
		    "The request body ended early.");
		break;
	case OTS_ERR_REDIS:
	case OTS_ERR_STORE:
	case OTS_ERR_TIMEOUT:
		resp_error(req, 503, "unavailable",
		    "The service is temporarily unavailable; try again "
		    "shortly.");
		break;
	case OTS_ERR_NOSPACE:
		resp_error(req, 507, "storage_full",
		    "The server has no room for this upload right now.");
		break;
	case OTS_ERR_NOTFOUND:
		resp_error(req, 404, "not_found", "No such share.");
		break;
	case OTS_ERR_SLOW:
		resp_error(req, 408, "too_slow", "The request was slower than "
		    "this server's minimum rate, so it was stopped; nothing "
		    "changed (no upload stored, no share opened). Try again on "
		    "a better connection.");
		break;
	case OTS_ERR_BUSY:
		resp_error_x(req, 503, "busy", "The server is busy; try again in "
		    "a few seconds.", "Retry-After: 2\r\n");
		break;
	case OTS_ERR_GONE:
		resp_error(req, 410, "gone", "This share is gone.");
		break;
	case OTS_ERR_AUTH:
		resp_error(req, 403, "wrong_key",
		    "The link's key does not open this share.");
		break;
	case OTS_OK:
	case OTS_ERR_NOMEM:
	case OTS_ERR_IO:
	case OTS_ERR_HANGUP:
	case OTS_ERR_CRYPTO:
	default:
		resp_error(req, 500, "internal", "Something went wrong on the "
		    "server.");
		break;
	}
}
