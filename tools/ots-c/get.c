#include "get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_box.h"
#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_name.h"

#include "outfile.h"
#include "plain.h"
#include "progress.h"

#define B64_KEY 64
#define B64_META (((OTS_META_SEALED_MAX + 2) / 3) * 4 + 1)
/* A broken-off download is fetched again this often within its lease. */
#define LEASE_TRIES 8

/* What the share's info says, with the link proof. */
struct info {
	struct ots_meta in_meta;
	uint64_t in_size;
	bool in_protected;
	uint8_t in_salt[OTS_KDF_SALT_BYTES];
	struct ots_kdf_params in_cost;
};

static enum otsc_exit
password_settings(const char *body, struct info *in)
{
	char salt[B64_KEY];
	uint64_t mem = 0, t = 0, lanes = 0;

	if (!json_str(body, "password_salt", salt, sizeof(salt)) ||
	    !unb64(salt, in->in_salt, sizeof(in->in_salt), true, NULL) ||
	    !json_u64(body, "mem_kib", &mem) || !json_u64(body, "time", &t) ||
	    !json_u64(body, "lanes", &lanes) || mem > UINT32_MAX ||
	    t > UINT32_MAX || lanes > UINT32_MAX) {
		say("the share's password settings are malformed");
		return OTSC_OTHER;
	}
	in->in_cost.kp_mem_kib = (uint32_t)mem;
	in->in_cost.kp_time = (uint32_t)t;
	in->in_cost.kp_lanes = (uint32_t)lanes;
	if (!ots_kdf_params_ok(&in->in_cost)) {
		say("the share's password cost is out of bounds");
		return OTSC_OTHER;
	}
	return OTSC_OK;
}

/* OTSC_OK, or -1 for a server-side share, or the failure. */
static int
fetch_info(const struct link *l, const struct ots_keys *k, struct info *in)
{
	char proof[B64_KEY], hdr[32 + B64_KEY], path[96], meta[B64_META];
	const char *h[] = { hdr, NULL };
	uint8_t sealed[OTS_META_SEALED_MAX];
	struct net_resp r;
	size_t slen = 0;
	int x = OTSC_OK;

	memset(in, 0, sizeof(*in));
	b64(k->k_link, sizeof(k->k_link), proof, sizeof(proof));
	snprintf(hdr, sizeof(hdr), "X-Link-Proof: %s", proof);
	snprintf(path, sizeof(path), "/api/v1/files/%s", l->l_id.t_str);
	if (!api_request("GET", l->l_base, path, h, NULL, 0, &r))
		return OTSC_OTHER;
	if (r.nr_status == 400 && strstr(r.nr_body, "\"not_e2e\"") != NULL) {
		x = -1;
	} else if (r.nr_status != 200) {
		x = api_refused("the share", &r);
	} else if (!json_str(r.nr_body, "meta", meta, sizeof(meta)) ||
	    !unb64(meta, sealed, sizeof(sealed), false, &slen) ||
	    ots_meta_open(k->k_meta, &l->l_id, sealed, slen, &in->in_meta) !=
	    OTS_OK) {
		say("the share's sealed name does not open with this link");
		x = OTSC_WRONG;
	} else {
		(void)json_u64(r.nr_body, "size", &in->in_size);
		(void)json_bool(r.nr_body, "protected", &in->in_protected);
		if (in->in_protected)
			x = password_settings(r.nr_body, in);
	}
	net_resp_free(&r);
	sodium_memzero(proof, sizeof(proof));
	sodium_memzero(hdr, sizeof(hdr));
	return x;
}

/* The download: decrypted as it arrives.  An answer that starts again
 * from the first byte (a 200 to a Range) is skipped up to dl_cipher. */
struct download {
	struct ots_box_dec *dl_dec;
	struct outfile dl_out;
	struct progress dl_prog;
	uint64_t dl_cipher;		/* container bytes fed */
	uint64_t dl_skip;		/* of this answer, still to skip */
	bool dl_started;		/* this answer's body began */
	bool dl_bad;			/* does not decrypt, or cannot write */
	bool dl_damaged;		/* does not decrypt */
	char dl_err[512];		/* why the last answer broke off */
};

static enum ots_err
plain_out(void *ctx, const uint8_t *p, size_t n)
{
	struct download *dl = ctx;

	if (!outfile_write(&dl->dl_out, p, n))
		return OTS_ERR_IO;
	progress_at(&dl->dl_prog, dl->dl_out.of_bytes);
	return OTS_OK;
}

static bool
cipher_in(void *ctx, long status, const uint8_t *p, size_t n)
{
	struct download *dl = ctx;
	enum ots_err e;
	size_t skip;

	if (!dl->dl_started) {
		dl->dl_started = true;
		dl->dl_skip = status == 206 ? 0 : dl->dl_cipher;
	}
	skip = dl->dl_skip < n ? (size_t)dl->dl_skip : n;
	dl->dl_skip -= skip;
	p += skip;
	n -= skip;
	if (n == 0)
		return true;
	e = ots_box_dec_update(dl->dl_dec, p, n);
	if (e != OTS_OK) {
		/* A write error was said already. */
		dl->dl_bad = true;
		dl->dl_damaged = e == OTS_ERR_CRYPTO;
		return false;
	}
	dl->dl_cipher += n;
	return true;
}

/* One request whose 2xx body goes to the download; its outcome. */
enum fetched { F_WHOLE, F_BROKE, F_REFUSED, F_BAD };

static enum fetched
fetch(struct download *dl, const char *method, const char *url,
    const char *const *h, const char *body, struct net_resp *r)
{
	struct net_req rq = {
		.nq_method = method,
		.nq_url = url,
		.nq_headers = h,
		.nq_body = (const uint8_t *)body,
		.nq_body_len = body != NULL ? strlen(body) : 0,
		.nq_sink = cipher_in,
		.nq_sink_ctx = dl,
	};
	bool whole;

	dl->dl_started = false;
	dl->dl_err[0] = '\0';
	whole = net_do(&rq, r, dl->dl_err, sizeof(dl->dl_err));
	if (dl->dl_bad)
		return F_BAD;
	if (!whole || (r->nr_status >= 200 && r->nr_status < 300))
		return whole ? F_WHOLE : F_BROKE;
	return F_REFUSED;
}

/* The lease's end, from the claim's answer (0: unknown). */
static time_t
lease_until(const struct net_resp *r)
{
	char *v = net_header(r, "X-Lease-Expires-At-Unix");
	uint64_t t = 0;

	if (v == NULL || ots_parse_u64(v, strlen(v), 0, UINT64_MAX, &t) != OTS_OK)
		t = 0;
	free(v);
	return (time_t)t;
}

/*
 * Fetches the rest of the container from the lease, up to LEASE_TRIES
 * times while it runs.  A 206 continues where the last answer stopped;
 * a 200 (a server that ignores Range) is skipped up to there.
 */
static enum otsc_exit
resume(struct download *dl, const struct link *l, const char *lease,
    time_t until)
{
	char url[URL_MAX + 64], auth[96], range[64];
	const char *h[] = { auth, range, NULL };
	enum fetched f = F_BROKE;
	unsigned wait = 1;
	int tries;

	snprintf(url, sizeof(url), "%s/api/v1/leases/%s", l->l_base,
	    l->l_id.t_str);
	bearer(lease, auth, sizeof(auth));
	for (tries = 0; tries < LEASE_TRIES; tries++) {
		struct net_resp r;

		if (until != 0 && time(NULL) >= until)
			break;
		sleep(wait);
		wait = wait < 8 ? wait * 2 : wait;
		snprintf(range, sizeof(range), "Range: bytes=%llu-",
		    (unsigned long long)dl->dl_cipher);
		f = fetch(dl, "GET", url, h, NULL, &r);
		if (f == F_REFUSED) {
			enum otsc_exit x = api_refused("the download broke off,"
			    " and fetching the rest", &r);

			net_resp_free(&r);
			sodium_memzero(auth, sizeof(auth));
			return x;
		}
		net_resp_free(&r);
		if (f != F_BROKE)
			break;
	}
	sodium_memzero(auth, sizeof(auth));
	if (f == F_WHOLE)
		return OTSC_OK;
	if (f == F_BAD)
		return OTSC_OTHER;
	say("the download broke off, and its lease ended before the rest "
	    "came: the share is gone");
	return OTSC_GONE;
}

/* Ends the lease: the server removes the file now. */
static void
confirm(const struct link *l, const char *lease)
{
	char path[96], auth[96];
	const char *h[] = { auth, NULL };
	struct net_resp r;

	snprintf(path, sizeof(path), "/api/v1/leases/%s", l->l_id.t_str);
	bearer(lease, auth, sizeof(auth));
	if (api_request("DELETE", l->l_base, path, h, NULL, 0, &r)) {
		if (r.nr_status != 204 && r.nr_status != 410)
			say("could not end the download's lease (%ld); it ends "
			    "by itself", r.nr_status);
		net_resp_free(&r);
	}
	sodium_memzero(auth, sizeof(auth));
}

static enum otsc_exit
claim(const struct opts *o, const struct link *l, const struct ots_keys *k,
    const struct info *in, const char *target)
{
	char link_proof[B64_KEY], pass_proof[B64_KEY], body[160],
	    url[URL_MAX + 64];
	static const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	struct download dl;
	struct net_resp r;
	char *lease = NULL;
	enum otsc_exit x = OTSC_OTHER;
	enum fetched f;
	uint64_t clen = 0;

	memset(&dl, 0, sizeof(dl));
	memset(&r, 0, sizeof(r));
	dl.dl_out.of_fd = -1;
	b64(k->k_link, sizeof(k->k_link), link_proof, sizeof(link_proof));
	b64(k->k_pass, sizeof(k->k_pass), pass_proof, sizeof(pass_proof));
	snprintf(body, sizeof(body), in->in_protected ?
	    "link_proof=%s&password_proof=%s" : "link_proof=%s", link_proof,
	    pass_proof);
	snprintf(url, sizeof(url), "%s/d/%s", l->l_base, l->l_id.t_str);
	if (!outfile_open(&dl.dl_out, target) ||
	    ots_box_dec_new(k->k_file, &l->l_id, plain_out, &dl, &dl.dl_dec) !=
	    OTS_OK)
		goto out;
	if (ots_box_size(in->in_size, &clen) != OTS_OK)
		clen = 0;
	progress_begin(&dl.dl_prog, o->o_progress, "receiving", in->in_size,
	    0);
	f = fetch(&dl, "POST", url, h, body, &r);
	if (f == F_REFUSED) {
		progress_end(&dl.dl_prog, false);
		x = api_refused("the claim", &r);
		goto out;
	}
	lease = r.nr_status == 200 ? net_header(&r, "X-Lease-Token") : NULL;
	if (f == F_WHOLE && dl.dl_cipher < clen)
		f = F_BROKE;		/* ended short, the connection kept */
	if (f == F_BROKE && r.nr_status != 200) {
		progress_end(&dl.dl_prog, false);
		say("cannot reach %s: %s", l->l_base, dl.dl_err);
		goto out;
	}
	if (f == F_BROKE && lease == NULL) {
		progress_end(&dl.dl_prog, false);
		say("the download broke off (%s), with no lease to fetch the "
		    "rest: the share is gone", dl.dl_err);
		x = OTSC_GONE;
		goto out;
	}
	if (f == F_BROKE) {
		if (!o->o_quiet)
			say("the download broke off (%s); fetching the rest "
			    "while its lease runs", dl.dl_err);
		x = resume(&dl, l, lease, lease_until(&r));
	} else {
		x = f == F_WHOLE ? OTSC_OK : OTSC_OTHER;
	}
	progress_end(&dl.dl_prog, x == OTSC_OK);
	if (x == OTSC_OK && ots_box_dec_finish(dl.dl_dec) != OTS_OK)
		dl.dl_damaged = true;
	if (dl.dl_damaged)
		say("the share does not decrypt: it was damaged");
	if (dl.dl_bad || dl.dl_damaged)
		x = OTSC_OTHER;
	if (x != OTSC_OK)
		goto out;
	if (!outfile_keep(&dl.dl_out, o->o_force)) {
		x = OTSC_OTHER;
		goto out;
	}
	if (lease != NULL)
		confirm(l, lease);
	if (strcmp(target, "-") != 0 && !o->o_quiet)
		fprintf(stderr, "saved %s (%llu bytes); the share is now gone\n",
		    target, (unsigned long long)dl.dl_out.of_bytes);
out:
	outfile_close(&dl.dl_out);
	ots_box_dec_free(dl.dl_dec);
	net_resp_free(&r);
	if (lease != NULL) {
		sodium_memzero(lease, strlen(lease));
		free(lease);
	}
	sodium_memzero(pass_proof, sizeof(pass_proof));
	sodium_memzero(link_proof, sizeof(link_proof));
	sodium_memzero(body, sizeof(body));
	return x;
}

/* The password's key, into the share's keys. */
static enum otsc_exit
with_password(const struct opts *o, const struct link *l,
    const struct info *in, struct ots_keys *k)
{
	char pw[OTSC_PASSWORD_MAX + 2];
	uint8_t pw_key[OTS_KEY_BYTES];
	enum otsc_exit x = OTSC_OK;

	if (o->o_password == NULL || !o->o_password(pw, sizeof(pw))) {
		say("the share is protected: give its password "
		    "(--password-file, or at the prompt)");
		x = OTSC_WRONG;
	} else if (ots_kdf_password(pw, strlen(pw), in->in_salt, &in->in_cost,
	    pw_key) != OTS_OK) {
		say("cannot derive the password's key");
		x = OTSC_OTHER;
	} else {
		ots_kdf_keys_wipe(k);
		ots_kdf_share_keys(&l->l_secret, &l->l_id, pw_key, k);
	}
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(pw_key, sizeof(pw_key));
	return x;
}

enum otsc_exit
get_share(const struct opts *o, const char *s)
{
	struct link l;
	struct ots_keys k;
	struct info in;
	char target[OTS_NAME_MAX + 1];
	const char *out;
	int x;

	memset(&k, 0, sizeof(k));
	if (!link_parse(s, 'd', &l)) {
		say("not a share link: expected BASE/d/ID#KEY");
		return OTSC_USAGE;
	}
	ots_kdf_share_keys(&l.l_secret, &l.l_id, NULL, &k);
	x = fetch_info(&l, &k, &in);
	if (x < 0) {
		x = plain_get(o, &l);
		goto out;
	}
	if (x != OTSC_OK)
		goto out;
	ots_name_clean(in.in_meta.m_name, strlen(in.in_meta.m_name), target);
	out = o->o_out != NULL ? o->o_out : target;
	if (!outfile_free(out, o->o_force)) {
		x = OTSC_USAGE;
		goto out;
	}
	if (in.in_protected)
		x = with_password(o, &l, &in, &k);
	if (x == OTSC_OK)
		x = claim(o, &l, &k, &in, out);
out:
	ots_kdf_keys_wipe(&k);
	ots_tok_wipe(&l.l_secret);
	return (enum otsc_exit)x;
}
