/*
 * api: what every command does with the server: a request with its URL
 * made of a base and a path, the exit status for a refusal, the limits
 * of /api/v1/config, and the links.
 */
#ifndef OTSC_API_H
#define OTSC_API_H

#include <stdbool.h>
#include <stdint.h>

#include "ots_kdf.h"
#include "ots_tok.h"

#include "net.h"
#include "otsc.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define URL_MAX 2048

/* One line on stderr, "ots: …". */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Base64url without padding; unb64 decodes exactly want bytes (or up to
 * want when !exact, the count in *got). */
void b64(const uint8_t *p, size_t n, char *out, size_t max);
bool unb64(const char *s, uint8_t *out, size_t want, bool exact,
    size_t *got);

/* Says why an answer is not the one hoped for and returns its status. */
enum otsc_exit api_refused(const char *what, const struct net_resp *r);

/*
 * rq with its URL made of base and path.  Like net_do, but says on
 * stderr why no whole answer came, and then frees out.
 */
bool api_do(struct net_req *rq, const char *base, const char *path,
    struct net_resp *out);

/* A request with no descriptor body, no sink and no progress. */
bool api_request(const char *method, const char *base, const char *path,
    const char *const *headers, const void *body, size_t len,
    struct net_resp *out);

/* What /api/v1/config says, as far as the client needs it. */
struct server {
	const char *sv_base;
	bool sv_e2e;
	uint64_t sv_part_max;
	uint64_t sv_max_size;
	struct ots_kdf_params sv_cost;
};

enum otsc_exit api_config(const char *base, struct server *sv);

/* A link: {base}/d/{id}#{key} (kind 'd') or {base}/o/{id}#{owner token}
 * ('o'). */
struct link {
	char l_base[URL_MAX];
	struct ots_tok l_id;
	struct ots_tok l_secret;
};

bool link_parse(const char *s, char kind, struct link *l);

/* "Authorization: Bearer TOKEN" into out. */
void bearer(const char *token, char *out, size_t max);

/*
 * Prints a share made: the link on stdout (with --json, one object with
 * the owner link, expiry and mode), the owner link on stderr.
 */
enum otsc_exit api_print_made(const struct opts *o, const char *link,
    const char *id, const char *owner, const char *expires,
    const char *mode);

#endif
