#include "owner.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"

/* The answer of an owner route, or a message and the exit status. */
static enum otsc_exit
owner_call(const char *method, const char *s, const char *suffix,
    struct net_resp *r)
{
	struct link l;
	char auth[96], path[128];
	const char *h[] = { auth, NULL };
	enum otsc_exit x = OTSC_OK;

	if (!link_parse(s, 'o', &l)) {
		say("not an owner link: expected BASE/o/ID#TOKEN");
		return OTSC_USAGE;
	}
	bearer(l.l_secret.t_str, auth, sizeof(auth));
	snprintf(path, sizeof(path), "/api/v1/files/%s%s", l.l_id.t_str,
	    suffix);
	if (!api_request(method, l.l_base, path, h, NULL, 0, r))
		x = OTSC_OTHER;
	else if (r->nr_status != 200)
		x = api_refused(strcmp(method, "GET") == 0 ? "the receipt" :
		    "the revocation", r);
	sodium_memzero(auth, sizeof(auth));
	ots_tok_wipe(&l.l_secret);
	if (x != OTSC_OK)
		net_resp_free(r);	/* safe twice */
	return x;
}

/* A time field of the receipt as a note. */
static void
note_time(const struct opts *o, const char *body, const char *field,
    const char *what)
{
	char v[64];

	if (!o->o_quiet && json_str(body, field, v, sizeof(v)))
		fprintf(stderr, "%s %s\n", what, v);
}

enum otsc_exit
owner_status(const struct opts *o, const char *s)
{
	struct net_resp r;
	char state[32];
	enum otsc_exit x = owner_call("GET", s, "/status", &r);

	if (x != OTSC_OK)
		return x;
	if (o->o_json) {
		printf("%s%s", r.nr_body, r.nr_len > 0 &&
		    r.nr_body[r.nr_len - 1] == '\n' ? "" : "\n");
	} else if (json_str(r.nr_body, "state", state, sizeof(state))) {
		printf("%s\n", state);
		note_time(o, r.nr_body, "claimed_at", "opened at");
		note_time(o, r.nr_body, "ended_at", "ended at");
		if (strcmp(state, "available") == 0)
			note_time(o, r.nr_body, "expires_at", "expires at");
		note_time(o, r.nr_body, "lease_until", "download lease until");
	} else {
		say("the receipt is not what this client expects");
		x = OTSC_OTHER;
	}
	net_resp_free(&r);
	return x;
}

enum otsc_exit
owner_revoke(const struct opts *o, const char *s)
{
	struct net_resp r;
	enum otsc_exit x = owner_call("DELETE", s, "", &r);

	if (x != OTSC_OK)
		return x;
	if (o->o_json)
		printf("%s", r.nr_body);
	else
		printf("revoked\n");
	net_resp_free(&r);
	return OTSC_OK;
}

/* One line per share of a listing page: never a name or a full id. */
static void
print_shares(const char *body)
{
	const char *p = body;
	char one[512], prefix[32], expires[64], mode[16];
	uint64_t size, age;
	bool prot;

	while ((p = strstr(p, "{\"id_prefix\"")) != NULL) {
		const char *end = strchr(p, '}');

		if (end == NULL || (size_t)(end - p) >= sizeof(one))
			break;
		memcpy(one, p, (size_t)(end - p) + 1);
		one[end - p + 1] = '\0';
		p = end;
		if (!json_str(one, "id_prefix", prefix, sizeof(prefix)) ||
		    !json_u64(one, "size", &size) ||
		    !json_u64(one, "age_seconds", &age) ||
		    !json_str(one, "expires_at", expires, sizeof(expires)) ||
		    !json_bool(one, "protected", &prot))
			continue;
		if (!json_str(one, "mode", mode, sizeof(mode)))
			snprintf(mode, sizeof(mode), "server");
		printf("%s  %llu bytes  age %llu s  expires %s  password %s  "
		    "mode %s\n", prefix, (unsigned long long)size,
		    (unsigned long long)age, expires, prot ? "true" : "false",
		    mode);
	}
}

enum otsc_exit
admin_list(const struct opts *o, const char *token)
{
	char auth[256], path[96];
	const char *h[] = { auth, NULL };
	uint64_t cursor = 0;
	enum otsc_exit x = OTSC_OK;

	bearer(token, auth, sizeof(auth));
	do {
		struct net_resp r;

		snprintf(path, sizeof(path), "/api/v1/admin/shares?cursor=%llu",
		    (unsigned long long)cursor);
		if (!api_request("GET", o->o_server, path, h, NULL, 0, &r)) {
			x = OTSC_OTHER;
			break;
		}
		if (r.nr_status != 200) {
			x = api_refused("the listing", &r);
		} else if (!json_u64(r.nr_body, "next_cursor", &cursor)) {
			say("the listing is not what this client expects");
			x = OTSC_OTHER;
		} else if (o->o_json) {
			printf("%s", r.nr_body);
		} else {
			print_shares(r.nr_body);
		}
		net_resp_free(&r);
	} while (x == OTSC_OK && cursor != 0);
	sodium_memzero(auth, sizeof(auth));
	return x;
}

enum otsc_exit
admin_revoke(const struct opts *o, const char *token, const char *prefix)
{
	char auth[256], path[96];
	const char *h[] = { auth, NULL };
	struct net_resp r;
	enum otsc_exit x = OTSC_OK;
	size_t n = strlen(prefix);

	if (n < 8 || n > 22 || strspn(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") != n) {
		say("an id prefix is 8 to 22 characters of base64url");
		return OTSC_USAGE;
	}
	bearer(token, auth, sizeof(auth));
	snprintf(path, sizeof(path), "/api/v1/admin/shares/%s", prefix);
	if (!api_request("DELETE", o->o_server, path, h, NULL, 0, &r)) {
		x = OTSC_OTHER;
	} else {
		if (r.nr_status != 200)
			x = api_refused("the revocation", &r);
		else
			printf("revoked\n");
		net_resp_free(&r);
	}
	sodium_memzero(auth, sizeof(auth));
	return x;
}
