/*
 * Routing: method and path to handler.  Paths are matched raw; an id is
 * base64url and never needs escaping.  req_route gets the route pattern,
 * which is all the request log ever says about the path.
 */
#include <string.h>

#include "app.h"
#include "ots_log.h"
#include "ots_origin.h"
#include "ots_banned.h"

#define API_FILES "/api/v1/files"
#define SHARE_PAGE "/d/"

/* If s starts with prefix, sets *rest to what follows and returns true. */
static bool
strip_prefix(struct ots_str s, const char *prefix, struct ots_str *rest)
{
	size_t n = strlen(prefix);

	if (s.len < n || memcmp(s.p, prefix, n) != 0)
		return false;
	rest->p = s.p + n;
	rest->len = s.len - n;
	return true;
}

static bool
is_method(const struct req *req, const char *m)
{
	return strcmp(req->req_method, m) == 0;
}

static void
not_allowed(struct req *req, const char *allow)
{
	char extra[96];

	if (ots_str_fmt(extra, sizeof(extra), "Allow: %s\r\n", allow) !=
	    OTS_OK)
		extra[0] = '\0';
	resp_error_x(req, 405, "method_not_allowed",
	    "This address does not take that kind of request.", extra);
}

static void
route_files(struct req *req, struct ots_str rest)
{
	struct ots_str tail;

	if (rest.len == 0) {
		req->req_route = "/api/v1/files";
		if (is_method(req, "POST"))
			h_upload_post(req);
		else
			not_allowed(req, "POST");
		return;
	}
	if (!strip_prefix(rest, "/", &tail)) {
		req->req_route = "-";
		resp_error(req, 404, "not_found", "No such page.");
		return;
	}
	if (is_method(req, "PUT")) {
		req->req_route = "/api/v1/files/{name}";
		h_upload_put(req, tail);
		return;
	}
	if (tail.len > 7 && memcmp(tail.p + tail.len - 7, "/status", 7) ==
	    0) {
		req->req_route = "/api/v1/files/{id}/status";
		tail.len -= 7;
		if (is_method(req, "GET") || is_method(req, "HEAD"))
			h_status(req, tail);
		else
			not_allowed(req, "GET, HEAD");
		return;
	}
	req->req_route = "/api/v1/files/{id}";
	if (is_method(req, "GET") || is_method(req, "HEAD"))
		h_info(req, tail);
	else if (is_method(req, "DELETE"))
		h_revoke(req, tail);
	else
		not_allowed(req, "GET, HEAD, PUT, DELETE");
}

static void
route_share(struct req *req, struct ots_str id)
{
	req->req_route = "/d/{id}";
	if (is_method(req, "POST"))
		h_claim(req, id);
	else if (is_method(req, "GET") || is_method(req, "HEAD"))
		h_page(req, id);
	else
		not_allowed(req, "GET, HEAD, POST");
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
	char want[OTS_ORIGIN_MAX];
	enum ots_origin_verdict v;

	if (is_method(req, "GET") || is_method(req, "HEAD") ||
	    is_method(req, "OPTIONS"))
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
	ots_log_warn("http", "req=%s cross-origin %s refused (%s)", req->req_id,
	    req->req_method, v == OTS_ORIGIN_FOREIGN ? "foreign Origin" :
	    "Sec-Fetch-Site");
	resp_error(req, 403, "cross_origin", "This request came from another "
	    "site's page, so it was refused. Use this site's own pages, or a "
	    "client that sends no Origin header.");
	return true;
}

void
route_request(struct req *req)
{
	struct ots_str rest;

	if (cross_site_refused(req))
		return;
	if (strip_prefix(req->req_path, API_FILES, &rest)) {
		route_files(req, rest);
	} else if (strip_prefix(req->req_path, "/api/v1/uploads", &rest)) {
		h_uploads(req, rest);
	} else if (strip_prefix(req->req_path, "/api/v1/leases/", &rest)) {
		h_lease(req, rest);
	} else if (strip_prefix(req->req_path, SHARE_PAGE, &rest)) {
		route_share(req, rest);
	} else if (ots_str_eq(req->req_path, "/api/v1/admin/shares")) {
		h_admin(req, (struct ots_str){ "", 0 });
	} else if (strip_prefix(req->req_path, "/api/v1/admin/shares/",
	    &rest)) {
		h_admin(req, rest);
	} else if (ots_str_eq(req->req_path, "/api/v1/config")) {
		req->req_route = "/api/v1/config";
		if (is_method(req, "GET") || is_method(req, "HEAD"))
			h_config(req);
		else
			not_allowed(req, "GET, HEAD");
	} else if (ots_str_eq(req->req_path, "/metrics")) {
		req->req_route = "/metrics";
		if (is_method(req, "GET") || is_method(req, "HEAD"))
			h_metrics(req);
		else
			not_allowed(req, "GET, HEAD");
	} else if (ots_str_eq(req->req_path, "/health/live")) {
		req->req_route = "/health/live";
		h_health_live(req);
	} else if (ots_str_eq(req->req_path, "/health/ready")) {
		req->req_route = "/health/ready";
		h_health_ready(req);
	} else {
		req->req_route = "-";
		resp_error(req, 404, "not_found", "No such page.");
	}
}
