#include "api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("ots: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
b64(const uint8_t *p, size_t n, char *out, size_t max)
{
	sodium_bin2base64(out, max, p, n, B64);
}

bool
unb64(const char *s, uint8_t *out, size_t want, bool exact, size_t *got)
{
	size_t n = 0;

	if (sodium_base642bin(out, want, s, strlen(s), NULL, &n, NULL, B64) !=
	    0 || (exact && n != want))
		return false;
	if (got != NULL)
		*got = n;
	return true;
}

enum otsc_exit
api_refused(const char *what, const struct net_resp *r)
{
	char code[64] = "", msg[512] = "";

	(void)json_str(r->nr_body, "code", code, sizeof(code));
	(void)json_text(r->nr_body, "message", msg, sizeof(msg));
	say("%s: %ld%s%s%s%s", what, r->nr_status, code[0] ? " " : "", code,
	    msg[0] ? ": " : "", msg);
	switch (r->nr_status) {
	case 410:
		return OTSC_GONE;
	case 401:
	case 403:
		return OTSC_WRONG;
	case 404:
		return OTSC_NOT_FOUND;
	case 429:
	case 503:
		return OTSC_BUSY;
	case 400:
	case 411:
	case 413:
	case 415:
		return OTSC_USAGE;
	default:
		return OTSC_OTHER;
	}
}

bool
api_do(struct net_req *rq, const char *base, const char *path,
    struct net_resp *out)
{
	char url[URL_MAX], err[512];

	if (snprintf(url, sizeof(url), "%s%s", base, path) >=
	    (int)sizeof(url)) {
		say("the server address is too long");
		memset(out, 0, sizeof(*out));
		return false;
	}
	rq->nq_url = url;
	if (!net_do(rq, out, err, sizeof(err))) {
		say("cannot reach %s: %s", base, err);
		net_resp_free(out);
		rq->nq_url = NULL;
		return false;
	}
	rq->nq_url = NULL;
	return true;
}

bool
api_request(const char *method, const char *base, const char *path,
    const char *const *headers, const void *body, size_t len,
    struct net_resp *out)
{
	struct net_req rq = {
		.nq_method = method,
		.nq_headers = headers,
		.nq_body = body,
		.nq_body_len = len,
	};

	return api_do(&rq, base, path, out);
}

enum otsc_exit
api_config(const char *base, struct server *sv)
{
	struct net_resp r;
	char e2e[512];
	uint64_t mem = 0, t = 0, lanes = 0;
	enum otsc_exit x = OTSC_OK;

	memset(sv, 0, sizeof(*sv));
	sv->sv_base = base;
	if (!api_request("GET", base, "/api/v1/config", NULL, NULL, 0, &r))
		return OTSC_OTHER;
	if (r.nr_status != 200) {
		x = api_refused("the server's settings", &r);
	} else if (!json_u64(r.nr_body, "max_size", &sv->sv_max_size) ||
	    !json_u64(r.nr_body, "mem_kib", &mem) ||
	    !json_u64(r.nr_body, "time", &t) ||
	    !json_u64(r.nr_body, "lanes", &lanes) || mem > UINT32_MAX ||
	    t > UINT32_MAX || lanes > UINT32_MAX ||
	    !json_obj(r.nr_body, "e2e", e2e, sizeof(e2e)) ||
	    !json_bool(e2e, "enabled", &sv->sv_e2e) ||
	    (sv->sv_e2e && (!json_u64(e2e, "part_max", &sv->sv_part_max) ||
	    sv->sv_part_max == 0))) {
		say("the server's settings are not what this client expects "
		    "(is %s a OneTimeShare server?)", base);
		x = OTSC_OTHER;
	}
	sv->sv_cost.kp_mem_kib = (uint32_t)mem;
	sv->sv_cost.kp_time = (uint32_t)t;
	sv->sv_cost.kp_lanes = (uint32_t)lanes;
	net_resp_free(&r);
	return x;
}

bool
link_parse(const char *s, char kind, struct link *l)
{
	char mid[4] = { '/', kind, '/', '\0' };
	const char *d = strstr(s, mid), *hash;
	size_t base, len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
	    s[len - 1] == ' '))
		len--;
	if (d == NULL)
		return false;
	base = (size_t)(d - s);
	hash = memchr(d, '#', len - base);
	if (base == 0 || base >= sizeof(l->l_base) || hash == NULL)
		return false;
	memcpy(l->l_base, s, base);
	l->l_base[base] = '\0';
	return ots_tok_parse(d + 3, (size_t)(hash - d - 3), &l->l_id) ==
	    OTS_OK && ots_tok_parse(hash + 1, len - (size_t)(hash + 1 - s),
	    &l->l_secret) == OTS_OK;
}

void
bearer(const char *token, char *out, size_t max)
{
	snprintf(out, max, "Authorization: Bearer %s", token);
}

enum otsc_exit
api_print_made(const struct opts *o, const char *link, const char *id,
    const char *owner, const char *expires, const char *mode)
{
	const char *d = strstr(link, "/d/");
	int base = d != NULL ? (int)(d - link) : 0;

	if (o->o_json)
		printf("{\"link\":\"%s\",\"owner_link\":\"%.*s/o/%s#%s\","
		    "\"expires_at\":\"%s\",\"mode\":\"%s\"}\n", link, base,
		    link, id, owner, expires, mode);
	else
		printf("%s\n", link);
	if (!o->o_json && !o->o_quiet && owner[0] != '\0')
		fprintf(stderr, "owner link (status, revoke): %.*s/o/%s#%s\n"
		    "expires: %s\n", base, link, id, owner, expires);
	return fflush(stdout) == 0 ? OTSC_OK : OTSC_OTHER;
}
