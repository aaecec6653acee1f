#include "plain.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_name.h"

#include "outfile.h"
#include "progress.h"
#include "source.h"

#define PW_ENC (3 * OTSC_PASSWORD_MAX + 1)

bool
percent_encode(const char *s, char *out, size_t max)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (n + 1 >= max)
				return false;
			out[n++] = (char)c;
			continue;
		}
		if (n + 3 >= max)
			return false;
		out[n++] = '%';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 15];
	}
	out[n] = '\0';
	return true;
}

/* The links of a server-side share, from the 201's JSON. */
static enum otsc_exit
made(const struct opts *o, const struct net_resp *r)
{
	char link[URL_MAX + 64], id[32], owner[64] = "", expires[64] = "";
	enum otsc_exit x;

	if (!json_str(r->nr_body, "link", link, sizeof(link)) ||
	    !json_str(r->nr_body, "id", id, sizeof(id))) {
		say("the server's answer to the upload is not what this "
		    "client expects");
		return OTSC_OTHER;
	}
	(void)json_str(r->nr_body, "owner_token", owner, sizeof(owner));
	(void)json_str(r->nr_body, "expires_at", expires, sizeof(expires));
	x = api_print_made(o, link, id, owner, expires, "server");
	sodium_memzero(link, sizeof(link));
	sodium_memzero(owner, sizeof(owner));
	return x;
}

/* The options every upload carries as headers, into h (NULL-ended). */
static void
upload_headers(const struct opts *o, char *exp, size_t explen, char *pw,
    size_t pwlen, const char **h)
{
	size_t n = 0;

	h[n++] = "Accept: application/json";
	if (o->o_expires != NULL) {
		snprintf(exp, explen, "X-Expires-In: %s", o->o_expires);
		h[n++] = exp;
	}
	if (o->o_new_password != NULL) {
		/* Percent-encoded: a header loses its ends' blanks. */
		memcpy(pw, "X-Password: ", 12);
		if (percent_encode(o->o_new_password, pw + 12, pwlen - 12))
			h[n++] = pw;
	}
	h[n] = NULL;
}

/* A text secret: a form with one "text" field. */
static enum otsc_exit
send_text(const struct opts *o, struct source *src, const char **h,
    size_t nh)
{
	uint8_t *text = NULL, *body = NULL, rnd[16];
	char boundary[40], ctype[96];
	struct net_resp r;
	size_t len = 0, blen;
	enum otsc_exit x;

	x = source_slurp(src, &text);
	if (x != OTSC_OK)
		return x;
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(boundary, "ots-", 4);
	sodium_bin2hex(boundary + 4, sizeof(boundary) - 4, rnd, sizeof(rnd));
	len = (size_t)src->src_size;
	blen = len + 2 * sizeof(boundary) + 80;
	body = malloc(blen);
	if (body == NULL) {
		say("out of memory");
		x = OTSC_OTHER;
		goto out;
	}
	{
		int a = snprintf((char *)body, blen, "--%s\r\nContent-"
		    "Disposition: form-data; name=\"text\"\r\n\r\n", boundary);

		memcpy(body + a, text, len);
		a += (int)len;
		a += snprintf((char *)body + a, blen - (size_t)a,
		    "\r\n--%s--\r\n", boundary);
		blen = (size_t)a;
	}
	snprintf(ctype, sizeof(ctype), "Content-Type: multipart/form-data; "
	    "boundary=%s", boundary);
	h[nh] = ctype;
	h[nh + 1] = NULL;
	if (!api_request("POST", o->o_server, "/api/v1/files", h, body, blen,
	    &r)) {
		x = OTSC_OTHER;
		goto out;
	}
	x = r.nr_status == 201 ? made(o, &r) : api_refused("the upload", &r);
	net_resp_free(&r);
out:
	if (body != NULL) {
		sodium_memzero(body, blen);
		free(body);
	}
	sodium_memzero(text, len);
	free(text);
	return x;
}

/* A file (or standard input, chunked), streamed in one PUT. */
static enum otsc_exit
send_file(const struct opts *o, const char *path, const char **h)
{
	const char *slash = strrchr(path, '/');
	const char *name = o->o_name != NULL ? o->o_name : strcmp(path, "-") ==
	    0 ? "stdin" : slash != NULL ? slash + 1 : path;
	char enc[3 * 256 + 1], upath[3 * 256 + 32];
	struct progress pg;
	struct net_req rq = { .nq_method = "PUT", .nq_headers = h,
		.nq_fd_body = true, .nq_fd_len = NET_LEN_UNKNOWN,
		.nq_progress = &pg };
	struct net_resp r;
	struct stat st;
	enum otsc_exit x;

	rq.nq_fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY |
	    O_CLOEXEC);
	if (rq.nq_fd < 0 || fstat(rq.nq_fd, &st) != 0 ||
	    (rq.nq_fd != STDIN_FILENO && !S_ISREG(st.st_mode))) {
		say("cannot read %s", path);
		if (rq.nq_fd > STDIN_FILENO)
			close(rq.nq_fd);
		return OTSC_USAGE;
	}
	if (S_ISREG(st.st_mode))
		rq.nq_fd_len = (uint64_t)st.st_size;
	if (strlen(name) > 255 || !percent_encode(name, enc, sizeof(enc))) {
		say("the name is too long");
		x = OTSC_USAGE;
		goto out;
	}
	snprintf(upath, sizeof(upath), "/api/v1/files/%s", enc);
	progress_begin(&pg, o->o_progress, "sending",
	    rq.nq_fd_len != NET_LEN_UNKNOWN ? rq.nq_fd_len : 0, 0);
	if (!api_do(&rq, o->o_server, upath, &r)) {
		progress_end(&pg, false);
		x = OTSC_OTHER;
		goto out;
	}
	progress_end(&pg, r.nr_status == 201);
	x = r.nr_status == 201 ? made(o, &r) : api_refused("the upload", &r);
	net_resp_free(&r);
out:
	if (rq.nq_fd != STDIN_FILENO)
		close(rq.nq_fd);
	return x;
}

enum otsc_exit
plain_send(const struct opts *o, const char *path)
{
	char exp[96], pw[12 + PW_ENC];
	const char *h[8];
	struct source src;
	size_t nh;
	enum otsc_exit x;

	upload_headers(o, exp, sizeof(exp), pw, sizeof(pw), h);
	for (nh = 0; h[nh] != NULL; nh++)
		;
	if (!o->o_text) {
		x = send_file(o, path, h);
	} else {
		x = source_open(path, UINT64_MAX, &src);
		if (x == OTSC_OK)
			x = send_text(o, &src, h, nh);
		source_close(&src);
	}
	sodium_memzero(pw, sizeof(pw));
	return x;
}

/* ---- Fetching ------------------------------------------------------ */

struct plain_dl {
	struct outfile pd_out;
	struct progress pd_prog;
	bool pd_failed;
};

static bool
plain_in(void *ctx, long status, const uint8_t *p, size_t n)
{
	struct plain_dl *pd = ctx;

	(void)status;
	if (!outfile_write(&pd->pd_out, p, n)) {
		pd->pd_failed = true;
		return false;
	}
	progress_at(&pd->pd_prog, pd->pd_out.of_bytes);
	return true;
}

/* The share's name and whether it needs a password (X-Key). */
static enum otsc_exit
plain_info(const struct link *l, char *name, bool *protected_,
    uint64_t *size)
{
	char hdr[64], path[96], raw[4 * OTS_NAME_MAX + 1];
	const char *h[] = { hdr, NULL };
	struct net_resp r;
	enum otsc_exit x = OTSC_OK;

	snprintf(hdr, sizeof(hdr), "X-Key: %s", l->l_secret.t_str);
	snprintf(path, sizeof(path), "/api/v1/files/%s", l->l_id.t_str);
	if (!api_request("GET", l->l_base, path, h, NULL, 0, &r))
		return OTSC_OTHER;
	if (r.nr_status != 200) {
		x = api_refused("the share", &r);
	} else {
		if (!json_text(r.nr_body, "name", raw, sizeof(raw)))
			raw[0] = '\0';
		ots_name_clean(raw, strlen(raw), name);
		*protected_ = false;
		(void)json_bool(r.nr_body, "protected", protected_);
		(void)json_u64(r.nr_body, "size", size);
	}
	net_resp_free(&r);
	sodium_memzero(hdr, sizeof(hdr));
	return x;
}

/* The claim's form: the key, and the password percent-encoded. */
static enum otsc_exit
claim_form(const struct opts *o, const struct link *l, bool protected_,
    char *form, size_t max)
{
	char pw[OTSC_PASSWORD_MAX + 2], enc[PW_ENC];
	enum otsc_exit x = OTSC_OK;

	snprintf(form, max, "key=%s", l->l_secret.t_str);
	if (!protected_)
		return OTSC_OK;
	if (o->o_password == NULL || !o->o_password(pw, sizeof(pw))) {
		say("the share is protected: give its password "
		    "(--password-file, or at the prompt)");
		x = OTSC_WRONG;
	} else if (!percent_encode(pw, enc, sizeof(enc)) ||
	    strlen(form) + 10 + strlen(enc) >= max) {
		say("the password is too long");
		x = OTSC_USAGE;
	} else {
		strcat(form, "&password=");
		strcat(form, enc);
	}
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(enc, sizeof(enc));
	return x;
}

enum otsc_exit
plain_get(const struct opts *o, const struct link *l)
{
	static const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	char name[OTS_NAME_MAX + 1], form[64 + PW_ENC], path[96];
	struct plain_dl pd;
	struct net_req rq = { .nq_method = "POST", .nq_headers = h,
		.nq_sink = plain_in, .nq_sink_ctx = &pd };
	struct net_resp r;
	const char *target;
	bool protected_ = false;
	uint64_t size = 0;
	enum otsc_exit x;

	memset(&pd, 0, sizeof(pd));
	pd.pd_out.of_fd = -1;
	x = plain_info(l, name, &protected_, &size);
	if (x != OTSC_OK)
		return x;
	target = o->o_out != NULL ? o->o_out : name[0] != '\0' ? name :
	    "download";
	if (!outfile_free(target, o->o_force))
		return OTSC_USAGE;
	x = claim_form(o, l, protected_, form, sizeof(form));
	if (x != OTSC_OK || !outfile_open(&pd.pd_out, target))
		goto out;
	snprintf(path, sizeof(path), "/d/%s", l->l_id.t_str);
	rq.nq_body = (const uint8_t *)form;
	rq.nq_body_len = strlen(form);
	progress_begin(&pd.pd_prog, o->o_progress, "receiving", size, 0);
	if (!api_do(&rq, l->l_base, path, &r)) {
		progress_end(&pd.pd_prog, false);
		x = OTSC_OTHER;
		if (pd.pd_out.of_bytes > 0 && !pd.pd_failed) {
			say("the download broke off: a server-side share is "
			    "gone once its first byte is sent");
			x = OTSC_GONE;
		}
		goto out;
	}
	progress_end(&pd.pd_prog, r.nr_status == 200);
	if (r.nr_status != 200)
		x = api_refused("the claim", &r);
	else if (!outfile_keep(&pd.pd_out, o->o_force))
		x = OTSC_OTHER;
	else if (strcmp(target, "-") != 0 && !o->o_quiet)
		fprintf(stderr, "saved %s (%llu bytes); the share is now gone\n",
		    target, (unsigned long long)pd.pd_out.of_bytes);
	net_resp_free(&r);
out:
	outfile_close(&pd.pd_out);
	sodium_memzero(form, sizeof(form));
	return x;
}
