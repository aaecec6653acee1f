/*
 * Routing: one table (routes[]) says, for every method and path pattern,
 * which handler answers, which rate limit it counts against and which
 * label the request log and the metrics give it.  The 405 Allow lists and
 * the metrics' route labels come from the same table, so a new route is
 * one line here and a handler.
 *
 * Paths are matched raw; an id is base64url and never needs escaping.  A
 * {parameter} in a pattern matches one non-empty path segment (no '/'),
 * or, with RT_TAIL, the non-empty rest of the path; the handler finds it
 * in req_arg.  The label is the pattern itself: all the request log ever
 * says about the path.
 */
#include <string.h>

#include "app.h"
#include "ots_log.h"
#include "ots_origin.h"
#include "ots_banned.h"

enum {
	M_GET = 1 << 0,
	M_HEAD = 1 << 1,
	M_POST = 1 << 2,
	M_PUT = 1 << 3,
	M_PATCH = 1 << 4,
	M_DELETE = 1 << 5,
	M_ANY = (1 << 6) - 1,	/* and any other method */
};

/* Route flags. */
enum {
	RT_TAIL = 1 << 0,	/* the {parameter} takes the rest, '/' too */
	RT_E2E = 1 << 1,	/* 404 e2e_off when OTS_E2E=0 */
	RT_ANY = 1 << 2,	/* every method, OPTIONS and unknown ones too */
};

/* No rate limit: the route's handler limits what needs it. */
#define RT_NO_LIMIT OTS_RL_CLASSES

struct route {
	unsigned rt_methods;		/* M_* */
	const char *rt_pattern;		/* also the label */
	void (*rt_handler)(struct req *req);
	enum ots_rl_class rt_limit;	/* counted before the handler runs */
	unsigned rt_flags;		/* RT_* */
};

/* First match wins; the rows of one pattern stay together. */
static const struct route routes[] = {
	{ M_POST, "/api/v1/files", h_upload_post, OTS_RL_UPLOAD, 0 },
	{ M_PUT, "/api/v1/files/{name}", h_upload_put, OTS_RL_UPLOAD,
	    RT_TAIL },
	{ M_GET | M_HEAD, "/api/v1/files/{id}/status", h_status, OTS_RL_META,
	    0 },
	{ M_GET | M_HEAD, "/api/v1/files/{id}", h_info, OTS_RL_META, 0 },
	{ M_DELETE, "/api/v1/files/{id}", h_revoke, OTS_RL_META, 0 },
	{ M_POST, "/d/{id}", h_claim, OTS_RL_CLAIM, 0 },
	{ M_GET | M_HEAD, "/d/{id}", h_page, OTS_RL_META, 0 },
	{ M_POST, "/api/v1/uploads", h_uploads_create, OTS_RL_UPLOAD,
	    RT_E2E },
	{ M_PUT, "/api/v1/uploads/{id}", h_uploads_put, OTS_RL_UPLOAD,
	    RT_E2E },
	{ M_PATCH, "/api/v1/uploads/{id}", h_uploads_part, RT_NO_LIMIT,
	    RT_E2E },
	{ M_GET | M_HEAD, "/api/v1/uploads/{id}", h_uploads_offset,
	    RT_NO_LIMIT, RT_E2E },
	{ M_DELETE, "/api/v1/uploads/{id}", h_uploads_abort, RT_NO_LIMIT,
	    RT_E2E },
	{ M_POST, "/api/v1/uploads/{id}/commit", h_uploads_commit,
	    RT_NO_LIMIT, RT_E2E },
	{ M_GET | M_HEAD | M_DELETE, "/api/v1/leases/{id}", h_lease,
	    OTS_RL_CLAIM, RT_E2E },
	/* Admin requests count their wrong tokens (OTS_RL_ADMIN_FAIL). */
	{ M_GET, "/api/v1/admin/shares", h_admin_list, RT_NO_LIMIT, 0 },
	{ M_DELETE, "/api/v1/admin/shares/{id}", h_admin_revoke, RT_NO_LIMIT,
	    0 },
	{ M_GET | M_HEAD, "/api/v1/config", h_config, RT_NO_LIMIT, 0 },
	{ M_GET | M_HEAD, "/metrics", h_metrics, RT_NO_LIMIT, 0 },
	{ M_ANY, "/health/live", h_health_live, RT_NO_LIMIT, RT_ANY },
	{ M_ANY, "/health/ready", h_health_ready, RT_NO_LIMIT, RT_ANY },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const method_names[] = { "GET", "HEAD", "POST", "PUT",
	"PATCH", "DELETE" };

static unsigned
method_bit(const char *m)
{
	size_t i;

	for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (strcmp(m, method_names[i]) == 0)
			return 1u << i;
	}
	return 0;
}

/*
 * Matches path against pattern; on a match, *arg is what the {parameter}
 * took (empty when the pattern has none).
 */
static bool
match(const struct route *rt, struct ots_str path, struct ots_str *arg)
{
	const char *pat = rt->rt_pattern, *open = strchr(pat, '{'), *close;
	size_t head, tail, n;

	arg->p = "";
	arg->len = 0;
	if (open == NULL)
		return ots_str_eq(path, pat);
	close = strchr(open, '}');
	OTS_ASSERT(close != NULL);
	head = (size_t)(open - pat);
	tail = strlen(close + 1);
	if (path.len <= head + tail || memcmp(path.p, pat, head) != 0 ||
	    memcmp(path.p + path.len - tail, close + 1, tail) != 0)
		return false;
	n = path.len - head - tail;
	if (!(rt->rt_flags & RT_TAIL) && memchr(path.p + head, '/', n) != NULL)
		return false;
	arg->p = path.p + head;
	arg->len = n;
	return true;
}

/* 405 with every method the path's patterns take. */
static void
not_allowed(struct req *req, unsigned methods)
{
	char list[64], extra[96];
	size_t i, n, len = 0;

	for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (!(methods & (1u << i)))
			continue;
		n = strlen(method_names[i]);
		OTS_ASSERT(len + 2 + n < sizeof(list));
		if (len > 0) {
			memcpy(list + len, ", ", 2);
			len += 2;
		}
		memcpy(list + len, method_names[i], n);
		len += n;
	}
	list[len] = '\0';
	if (ots_str_fmt(extra, sizeof(extra), "Allow: %s\r\n", list) !=
	    OTS_OK)
		extra[0] = '\0';
	resp_error_x(req, 405, "method_not_allowed",
	    "This address does not take that kind of request.", extra);
}

/*
 * CSRF (docs/SECURITY.md): a request that changes state and comes from a
 * browser must come from our own pages (ots_origin.h).  Checked before
 * routing, so a refused request reads no body, counts against no rate
 * limit and touches no share.  GET and HEAD never change state; OPTIONS
 * is answered 405 by the routes.
 */
static bool
cross_site_refused(struct req *req)
{
	const char *base = req->req_app->a_cfg.c_base_url;
	const char *m = req->req_method;
	char want[OTS_ORIGIN_MAX];
	enum ots_origin_verdict v;

	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
	    strcmp(m, "OPTIONS") == 0)
		return false;
	/* The base URL was validated at start; were it not an origin,
	 * want stays "" and every Origin is foreign (fail closed). */
	if (ots_origin_of(base, strlen(base), want) != OTS_OK)
		want[0] = '\0';
	v = ots_origin_check(want, req_param(req, "HTTP_ORIGIN"),
	    req_param(req, "HTTP_SEC_FETCH_SITE"));
	if (v == OTS_ORIGIN_OK)
		return false;
	/* Neither the path nor the Origin is logged: the path may hold an
	 * id or a file name, and the Origin is the client's to choose. */
	ots_log_warn("http", "cross-origin %s refused (%s)", req->req_method,
	    v == OTS_ORIGIN_FOREIGN ? "foreign Origin" : "Sec-Fetch-Site");
	resp_error(req, 403, "cross_origin", "This request came from another "
	    "site's page, so it was refused. Use this site's own pages, or a "
	    "client that sends no Origin header.");
	return true;
}

/* Each row's index in route_labels(): set once at start-up, before any
 * request, so the request path only reads it. */
static size_t row_label[NROUTES];

size_t
route_labels(const char **out, size_t max)
{
	size_t i, n = 0;

	OTS_ASSERT(max > 0);
	out[n++] = ROUTE_NONE;
	for (i = 0; i < NROUTES; i++) {
		if (i > 0 && strcmp(routes[i].rt_pattern,
		    routes[i - 1].rt_pattern) == 0) {
			row_label[i] = row_label[i - 1];
			continue;
		}
		OTS_ASSERT(n < max);
		row_label[i] = n;
		out[n++] = routes[i].rt_pattern;
	}
	return n;
}

static void
name_request(struct req *req, const struct route *rt)
{
	req->req_route = rt->rt_pattern;
	req->req_route_label = row_label[rt - routes];
}

void
route_request(struct req *req)
{
	const struct route *found = NULL, *rt;
	unsigned bit = method_bit(req->req_method), allow = 0;
	struct ots_str arg;
	size_t i;

	if (cross_site_refused(req))
		return;
	for (i = 0; i < NROUTES; i++) {
		rt = &routes[i];
		if (!match(rt, req->req_path, &arg))
			continue;
		if (allow == 0) {
			/* Until a row takes the method, the path's first
			 * pattern names the request. */
			name_request(req, rt);
			if ((rt->rt_flags & RT_E2E) && !h_e2e_on(req))
				return;
		}
		allow |= rt->rt_methods;
		if ((bit & rt->rt_methods) || (rt->rt_flags & RT_ANY)) {
			found = rt;
			break;
		}
	}
	if (found == NULL && allow != 0) {
		not_allowed(req, allow);
		return;
	}
	if (found == NULL) {
		resp_error(req, 404, "not_found", "No such page.");
		return;
	}
	name_request(req, found);
	req->req_arg = arg;
	if (found->rt_limit != RT_NO_LIMIT &&
	    !h_rate_limit(req, found->rt_limit))
		return;
	found->rt_handler(req);
}
