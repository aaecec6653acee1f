/*
 * The claim: POST /d/{id} with key (and password) in a form body, or,
 * for an end-to-end share, link_proof (and password_proof).
 *
 * Order matters (docs/SECURITY.md): read the share; verify the key by
 * opening its sealed metadata (a wrong key consumes nothing); run the
 * atomic claim script (exactly one caller wins); open and unlink the file
 * before the first byte goes out; stream the plaintext.  A download cut
 * short is gone all the same, by design.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "ots_alloc.h"
#include "ots_box.h"
#include "ots_form.h"
#include "ots_kdf.h"
#include "ots_limits.h"
#include "ots_log.h"
#include "ots_meta.h"
#include "ots_name.h"
#include "ots_share.h"
#include "ots_banned.h"

#define MOD "claim"
#define KEY_FIELD_MAX 64u
/* A proof: 32 bytes, 43 characters of unpadded base64url. */
#define PROOF_FIELD_MAX 64u
/* A password reservation outlives its Argon2id run by this much (the
 * wait for a run slot comes on top). */
#define GUESS_LEASE_MS 30000u

/* What a claim form carries. */
struct claim_form {
	bool cf_key;			/* a key field (maybe malformed) */
	bool cf_key_ok;			/* ... that parsed: cf_secret */
	struct ots_tok cf_secret;
	char *cf_pw;			/* c_password_max + 1 bytes */
	size_t cf_pw_len;
	bool cf_link;			/* end-to-end: link_proof */
	uint8_t cf_link_proof[OTS_KEY_BYTES];
	bool cf_pass;			/* ... and password_proof */
	uint8_t cf_pass_proof[OTS_KEY_BYTES];
};

static void
form_wipe(struct claim_form *f, size_t pw_max)
{
	char *pw = f->cf_pw;

	if (pw != NULL) {
		sodium_memzero(pw, pw_max + 1u);
		ots_free(pw);
	}
	sodium_memzero(f, sizeof(*f));
}

/*
 * Reads a proof field (unpadded base64url of OTS_KEY_BYTES) into out.
 * A malformed one is kept as all zeros: it proves nothing, and answers
 * like any wrong proof.
 */
static enum ots_err
form_proof(const struct ots_buf *body, const char *name, uint8_t *out,
    bool *have)
{
	char v[PROOF_FIELD_MAX + 1];
	size_t len = 0, got = 0;
	enum ots_err e;

	memset(out, 0, OTS_KEY_BYTES);
	e = ots_form_get(ots_buf_str(body), body->b_len, name, v,
	    PROOF_FIELD_MAX, &len, have);
	if (e == OTS_ERR_TOOBIG) {
		*have = true;
		return OTS_OK;
	}
	if (e != OTS_OK || !*have)
		return e;
	if (sodium_base642bin(out, OTS_KEY_BYTES, v, len, NULL, &got, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    got != OTS_KEY_BYTES)
		memset(out, 0, OTS_KEY_BYTES);
	sodium_memzero(v, sizeof(v));
	return OTS_OK;
}

/* Reads the form body into f; false when an answer was sent. */
static bool
read_form(struct req *req, struct claim_form *f)
{
	char key[KEY_FIELD_MAX + 1];
	struct ots_buf body;
	size_t klen = 0;
	bool ok = false, have_pw = false;
	enum ots_err e;

	if (req->req_ctype[0] != '\0' && strncasecmp(req->req_ctype,
	    "application/x-www-form-urlencoded", 33) != 0) {
		resp_error(req, 415, "unsupported_media_type", "Send the key "
		    "as an application/x-www-form-urlencoded form.");
		return false;
	}
	/* Room for the key and a password of OTS_PASSWORD_MAX bytes, each
	 * byte percent-encoded. */
	ots_buf_init(&body, OTS_FORM_MAX + 3u *
	    (size_t)req->req_app->a_cfg.c_password_max);
	e = req_read_all(req, &body, H_FORM_DEADLINE_MS);
	if (e == OTS_ERR_TOOBIG) {
		resp_error(req, 413, "too_large", "The form is too large.");
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	e = ots_form_get(ots_buf_str(&body), body.b_len, "key", key,
	    KEY_FIELD_MAX, &klen, &f->cf_key);
	if (e == OTS_ERR_TOOBIG) {
		f->cf_key = true;
		klen = 0;	/* certainly not a key: 403 below */
		e = OTS_OK;
	}
	if (e == OTS_OK)
		e = form_proof(&body, "link_proof", f->cf_link_proof,
		    &f->cf_link);
	if (e == OTS_OK)
		e = form_proof(&body, "password_proof", f->cf_pass_proof,
		    &f->cf_pass);
	if (e != OTS_OK) {
		resp_error(req, 400, "bad_form", "The form is malformed.");
		goto out;
	}
	if (!f->cf_key && !f->cf_link) {
		resp_error(req, 400, "missing_key", "Send the key: the part "
		    "of the link after '#'.");
		goto out;
	}
	e = ots_form_get(ots_buf_str(&body), body.b_len, "password",
	    f->cf_pw, req->req_app->a_cfg.c_password_max, &f->cf_pw_len,
	    &have_pw);
	if (e == OTS_ERR_TOOBIG) {
		resp_error(req, 400, "password_too_long", "The password is too "
		    "long.");
		goto out;
	}
	if (e != OTS_OK) {
		resp_error(req, 400, "bad_form", "The form is malformed.");
		goto out;
	}
	f->cf_key_ok = f->cf_key && ots_tok_parse(key, klen, &f->cf_secret) ==
	    OTS_OK;
	ok = true;
out:
	sodium_memzero(key, sizeof(key));
	ots_buf_release(&body);	/* wipes the form */
	return ok;
}

struct stream_ctx {
	struct req *s_req;
};

static enum ots_err
stream_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct stream_ctx *s = ctx;

	return req_write_body(s->s_req, p, n);
}

/*
 * Logs how a download that began ended, each cause its own line: the
 * share is gone in every case (its file was unlinked before the first
 * byte).  A failure of ours makes the request log say 500.
 */
static void
download_ended(struct req *req, enum ots_err e)
{
	switch (e) {
	case OTS_OK:
		break;
	case OTS_ERR_SLOW:
		ots_metrics_add(req->req_app->a_metrics, OTS_M_SLOW_DOWNLOAD,
		    1);
		ots_log_info(MOD, "download cut off: the client read "
		    "slower than OTS_TRANSFER_MIN_RATE; the share is gone all "
		    "the same");
		break;
	case OTS_ERR_HANGUP:
		ots_log_info(MOD, "the client went away mid-download; "
		    "the share is gone all the same");
		break;
	case OTS_ERR_IO:
		ots_log_err(MOD, "cannot read the stored file "
		    "mid-download (disk error); the share is gone");
		req->req_status = 500;
		break;
	case OTS_ERR_STORE:
		ots_log_err(MOD, "the bucket stopped sending mid-download; "
		    "the share is gone");
		req->req_status = 500;
		break;
	case OTS_ERR_CRYPTO:
		ots_log_err(MOD, "the stored file failed to decrypt "
		    "(corrupt or tampered with); the share is gone");
		req->req_status = 500;
		break;
	default:
		ots_log_err(MOD, "download failed: %s", ots_err_str(e));
		req->req_status = 500;
		break;
	}
}

/*
 * Checks the password of a protected share and, when right, derives
 * keys->k_file from it.  Returns false when an answer was sent: 403 with
 * the attempts left, 410 when this guess used the last one, 503 busy.
 */
/* Answers a wrong password: 403 with the attempts left. */
static void
wrong_password(struct req *req, uint64_t left)
{
	char msg[128], extra[64];

	if (ots_str_fmt(msg, sizeof(msg), "Wrong password. %llu attempt%s "
	    "left before the share is destroyed.", (unsigned long long)left,
	    left == 1 ? "" : "s") != OTS_OK)
		msg[0] = '\0';
	if (ots_str_fmt(extra, sizeof(extra), "X-Attempts-Left: %llu\r\n",
	    (unsigned long long)left) != OTS_OK)
		extra[0] = '\0';
	resp_error_x(req, 403, "wrong_password", msg, extra);
}

/* Reserves one password guess on share id for lease_ms (guess.lua:
 * never more in flight than attempts are left); false when an answer
 * was sent: 503 busy, or 410 when the share is gone. */
static bool
guess_reserve(struct req *req, const struct ots_tok *id, const char *token,
    uint64_t lease_ms)
{
	enum ots_share_state st = OTS_SHARE_UNKNOWN;
	enum ots_err e;

	e = ots_share_guess_begin(req->req_worker->w_rds, id, token,
	    req->req_app->a_cfg.c_attempts, lease_ms, &st);
	if (e == OTS_ERR_BUSY) {
		resp_error_x(req, 503, "busy", "Every password attempt this "
		    "share has left is being checked right now; try again in "
		    "a moment.", "Retry-After: 1\r\n");
		return false;
	}
	if (e == OTS_ERR_GONE || e == OTS_ERR_NOTFOUND) {
		h_gone(req, e == OTS_ERR_GONE ? st : OTS_SHARE_EXPIRED);
		return false;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return false;
	}
	return true;
}

/* Settles a wrong guess; answers 403, or 410 (removing the file) when
 * it was the last one allowed. */
static void
settle_wrong(struct req *req, const struct ots_tok *id, const char *token)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	enum ots_share_state st = OTS_SHARE_UNKNOWN;
	uint64_t left = 0;
	enum ots_err e;

	e = ots_share_guess_wrong(req->req_worker->w_rds, id, token,
	    c->c_attempts, ots_now(), c->c_tombstone_ttl, &left, &st);
	if (e == OTS_OK)
		ots_metrics_add(req->req_app->a_metrics,
		    OTS_M_WRONG_PASSWORDS, 1);
	if (e == OTS_OK && st == OTS_SHARE_LOCKED) {
		/* This guess, and no other, destroyed the share. */
		ots_metrics_add(req->req_app->a_metrics,
		    OTS_M_DESTROYED_LOCKED, 1);
		if (ots_store_remove(req->req_app->a_store, id) != OTS_OK)
			ots_log_err(MOD, "cannot remove a locked "
			    "share's file");
		h_gone(req, st);
	} else if (e == OTS_OK) {
		wrong_password(req, left);
	} else if (e == OTS_ERR_GONE) {
		h_gone(req, st);
	} else if (e == OTS_ERR_NOTFOUND) {
		h_gone(req, OTS_SHARE_EXPIRED);
	} else {
		resp_from_err(req, e);
	}
}

/*
 * Checks the password of a protected share and, when right, derives
 * keys->k_file from it.  The guess is reserved first (never more in
 * flight than attempts are left, guess.lua) and settled once Argon2id
 * has run.  Returns false when an answer was sent: 403 with the attempts
 * left, 410 when this guess used the last one, 503 busy.
 */
static bool
check_password(struct req *req, const struct ots_tok *id,
    const struct ots_tok *secret, const struct ots_share *sh, const char *pw,
    size_t pwlen, struct ots_keys *keys)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	uint8_t pw_key[OTS_KEY_BYTES];
	/* The request id is unique and random: the reservation's token. */
	const char *token = req->req_id;
	bool ok = false;
	enum ots_err e;

	if (pwlen == 0) {
		resp_error(req, 403, "password_required", "This share is "
		    "protected by a password.");
		return false;
	}
	if (!ots_kdf_params_ok(&sh->sh_kdf)) {
		ots_log_err(MOD, "stored password cost out of bounds");
		resp_from_err(req, OTS_ERR_IO);
		return false;
	}
	if (!guess_reserve(req, id, token, (uint64_t)c->c_argon2_wait_ms +
	    GUESS_LEASE_MS))
		return false;
	e = h_password_key(req, pw, pwlen, sh->sh_salt, &sh->sh_kdf, pw_key);
	if (e == OTS_OK) {
		ots_kdf_share_keys(secret, id, pw_key, keys);
		ok = ots_meta_open_check(keys->k_file, id, OTS_CHECK_PASSWORD,
		    sh->sh_check, sizeof(sh->sh_check)) == OTS_OK;
	}
	if (ok) {
		if (ots_share_guess_right(req->req_worker->w_rds, id, token) !=
		    OTS_OK)
			ots_log_warn(MOD, "cannot drop a password "
			    "reservation (it lapses by itself)");
	} else if (e == OTS_OK) {
		settle_wrong(req, id, token);
	} else {
		/* No verdict (busy, out of memory): nothing is counted. */
		if (ots_share_guess_right(req->req_worker->w_rds, id, token) !=
		    OTS_OK)
			ots_log_warn(MOD, "cannot drop a password "
			    "reservation (it lapses by itself)");
		resp_from_err(req, e);
	}
	sodium_memzero(pw_key, sizeof(pw_key));
	return ok;
}

/*
 * The file was not there when this claim came to open it: usually another
 * claim won meanwhile and removed it (410), else the share lost its file:
 * it is revoked (logged) and answered 410 like any share that ended.
 */
static void
file_missing(struct req *req, const struct ots_tok *id)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	enum ots_share_state state = OTS_SHARE_EXPIRED;
	struct ots_share sh;
	enum ots_err e;

	e = ots_share_peek(req->req_worker->w_rds, id, &sh);
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return;
	}
	if (sh.sh_state == OTS_SHARE_AVAILABLE) {
		/* Its bytes are lost (a Redis that forgot a claim after a
		 * crash, a file removed by hand): end the share as an
		 * operator would, so that nobody waits for it and its owner
		 * reads "revoked" (docs/SECURITY.md). */
		ots_log_err(MOD, "available share has no file: "
		    "revoking it");
		e = ots_share_revoke(req->req_worker->w_rds, id, NULL,
		    ots_now(), c->c_tombstone_ttl, &state);
		if (e == OTS_OK)
			state = OTS_SHARE_REVOKED;
		else if (e != OTS_ERR_GONE && e != OTS_ERR_NOTFOUND) {
			resp_from_err(req, e);
			return;
		}
	} else if (sh.sh_state != OTS_SHARE_UNKNOWN)
		state = sh.sh_state;
	h_gone(req, state);
}

/*
 * Reserves a guess and checks an end-to-end share's password proof
 * against its check (k_pass: the browser ran Argon2id), counted as
 * check_password counts.  False when an answer was sent.
 */
static bool
check_password_proof(struct req *req, const struct ots_tok *id,
    const struct ots_share *sh, const struct claim_form *f)
{
	const char *token = req->req_id;
	bool ok;

	if (!f->cf_pass) {
		resp_error(req, 403, "password_required", "This share is "
		    "protected by a password.");
		return false;
	}
	if (!guess_reserve(req, id, token, GUESS_LEASE_MS))
		return false;
	ok = ots_meta_open_check(f->cf_pass_proof, id, OTS_CHECK_PASSWORD,
	    sh->sh_check, sizeof(sh->sh_check)) == OTS_OK;
	if (!ok) {
		settle_wrong(req, id, token);
		return false;
	}
	if (ots_share_guess_right(req->req_worker->w_rds, id, token) != OTS_OK)
		ots_log_warn(MOD, "cannot drop a password reservation "
		    "(it lapses by itself)");
	return true;
}

/* With OTS_CLAIM_LEASE=0: the worker sends the container itself, its
 * file unlinked before the first byte, and there is no resume. */
static void
stream_container(struct req *req, uint64_t clen, int fd)
{
	char extra[160];
	enum ots_err e;

	if (ots_str_fmt(extra, sizeof(extra), "Content-Length: %llu\r\n"
	    "X-Share-Mode: e2e\r\n"
	    "Content-Security-Policy: default-src 'none'; sandbox\r\n",
	    (unsigned long long)clen) != OTS_OK)
		extra[0] = '\0';
	e = resp_begin(req, 200, "application/octet-stream", extra);
	while (e == OTS_OK) {
		ssize_t n = read(fd, req->req_worker->w_buf, OTS_CHUNK_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				e = OTS_ERR_IO;
			break;
		}
		e = req_write_body(req, req->req_worker->w_buf, (size_t)n);
	}
	download_ended(req, e);
}

/*
 * The claim of an end-to-end share, after its peek: the link proof opens
 * the link check (a wrong one counts nothing), the password proof the
 * password check (counted), then the atomic claim and the answer, which
 * the web server sends (X-Accel-Redirect) from the leased file.
 */
static void
claim_e2e(struct req *req, const struct ots_tok *id, struct ots_share *sh,
    const struct claim_form *f)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	uint64_t lease = c->c_claim_lease, now, clen = 0;
	struct ots_tok lease_tok;
	char lease_hash[65];
	int fd = -1;
	enum ots_err e;

	ots_tok_random(&lease_tok);
	if (f->cf_key) {
		resp_error(req, 409, "e2e_share", "This share is end-to-end "
		    "encrypted: only the receiver's browser or the ots client "
		    "can open it, the server cannot. Open the link in a "
		    "browser, or run: ots get LINK");
		goto out;
	}
	if (ots_meta_open_check(f->cf_link_proof, id, OTS_CHECK_LINK,
	    sh->sh_lcheck, sizeof(sh->sh_lcheck)) != OTS_OK) {
		resp_error(req, 403, "wrong_key", "The key does not open "
		    "this share. Check that the whole link was copied.");
		goto out;
	}
	if (ots_box_size(sh->sh_size, &clen) != OTS_OK) {
		resp_from_err(req, OTS_ERR_REDIS);
		goto out;
	}
	/* Without a lease this worker sends the bytes: a transfer slot. */
	if (lease == 0 && !h_heavy_enter(req, clen > H_SMALL_DOWNLOAD ?
	    H_CLIENT_NOW : H_CLIENT_NONE))
		goto out;
	if (sh->sh_protected && !check_password_proof(req, id, sh, f))
		goto out;
	e = ots_store_open_read(req->req_app->a_store, id, &fd);
	if (e == OTS_ERR_NOTFOUND) {
		file_missing(req, id);
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	/* Fresh: the sweeper spares a file whose share is gone for a grace
	 * after its mtime, and this one must reach ots-lease/ first. */
	if (futimens(fd, NULL) != 0)
		ots_log_warn(MOD, "cannot stamp a file before its claim");
	ots_tok_hash_hex(&lease_tok, lease_hash);
	now = ots_now();
	e = ots_share_claim(req->req_worker->w_rds, id, now,
	    c->c_tombstone_ttl, lease, lease > 0 ? lease_hash : NULL, sh);
	if (e == OTS_ERR_GONE || e == OTS_ERR_NOTFOUND) {
		h_gone(req, e == OTS_ERR_GONE ? sh->sh_state :
		    OTS_SHARE_EXPIRED);
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	if (lease == 0) {
		if (ots_store_remove(req->req_app->a_store, id) != OTS_OK)
			ots_log_err(MOD, "cannot unlink a claimed file "
			    "(the sweeper will)");
		stream_container(req, clen, fd);
		goto out;
	}
	e = ots_store_lease(req->req_app->a_store, id);
	if (e != OTS_OK) {
		ots_log_err(MOD, "a won claim's file cannot be leased");
		resp_from_err(req, OTS_ERR_IO);
		goto out;
	}
	h_lease_send(req, id, &lease_tok, now + lease);
out:
	if (fd >= 0)
		close(fd);
	ots_tok_wipe(&lease_tok);
}

/* Sends the headers of a won claim's download of size plaintext bytes. */
static enum ots_err
begin_download(struct req *req, const struct ots_meta *meta, uint64_t size)
{
	struct ots_buf h;
	enum ots_err e;

	ots_buf_init(&h, 2048);
	e = ots_buf_adds(&h, "Content-Disposition: ");
	if (e == OTS_OK)
		e = ots_name_disposition(meta->m_name, &h);
	if (e == OTS_OK)
		e = ots_buf_addf(&h, "\r\nContent-Length: %llu\r\n"
		    "X-Share-Kind: %s\r\nX-Share-Mode: server\r\n"
		    "Content-Security-Policy: default-src 'none'; sandbox\r\n",
		    (unsigned long long)size,
		    meta->m_kind == OTS_META_TEXT ? "text" : "file");
	/* Never rendered inline: the type says bytes, whatever they are. */
	if (e == OTS_OK)
		e = resp_begin(req, 200, "application/octet-stream", h.b_data);
	ots_buf_release(&h);
	return e;
}

/*
 * A server-side claim read from the store (ots_store_read_claimed): won
 * when the container is there, then decrypted as it arrives; the
 * headers go out with its first bytes.
 */
struct claim_read {
	struct req *cr_req;
	const struct ots_tok *cr_id;
	struct ots_share *cr_sh;
	const struct ots_meta *cr_meta;
	struct stream_ctx cr_sc;
	struct ots_box_dec *cr_dec;
	bool cr_ran;		/* the claim was tried */
	enum ots_err cr_claim;	/* and its result */
	bool cr_begun;		/* the answer's headers went out */
};

static enum ots_err
claim_read_start(void *ctx, uint64_t size)
{
	struct claim_read *cr = ctx;
	const struct ots_cfg *c = &cr->cr_req->req_app->a_cfg;

	(void)size;
	cr->cr_ran = true;
	cr->cr_claim = ots_share_claim(cr->cr_req->req_worker->w_rds,
	    cr->cr_id, ots_now(), c->c_tombstone_ttl, 0, NULL, cr->cr_sh);
	/* Won: the store removes the container before the first push. */
	return cr->cr_claim;
}

static enum ots_err
claim_read_push(void *ctx, const uint8_t *p, size_t n)
{
	struct claim_read *cr = ctx;
	enum ots_err e;

	if (!cr->cr_begun) {
		e = begin_download(cr->cr_req, cr->cr_meta,
		    cr->cr_sh->sh_size);
		/* Headers that went out, even if the client then left, make
		 * this a download that began. */
		cr->cr_begun = cr->cr_req->req_sent;
		if (e != OTS_OK)
			return e;
	}
	return ots_box_dec_update(cr->cr_dec, p, n);
}

/*
 * Claims share id and sends its plaintext, read from the store as it
 * comes (never a copy); a share without a file is not consumed.  True
 * when the claim was won, whatever became of the download.
 */
static bool
claim_and_send(struct req *req, const struct ots_tok *id,
    struct ots_share *sh, const struct ots_keys *keys,
    const struct ots_meta *meta)
{
	struct claim_read cr;
	enum ots_err e;

	memset(&cr, 0, sizeof(cr));
	cr.cr_req = req;
	cr.cr_id = id;
	cr.cr_sh = sh;
	cr.cr_meta = meta;
	cr.cr_sc.s_req = req;
	e = ots_box_dec_new(keys->k_file, id, stream_sink, &cr.cr_sc,
	    &cr.cr_dec);
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return false;
	}
	e = ots_store_read_claimed(req->req_app->a_store, id,
	    claim_read_start, claim_read_push, &cr);
	if (!cr.cr_ran) {
		if (e == OTS_ERR_NOTFOUND)
			file_missing(req, id);
		else
			resp_from_err(req, e);
	} else if (cr.cr_claim == OTS_ERR_GONE ||
	    cr.cr_claim == OTS_ERR_NOTFOUND) {
		h_gone(req, cr.cr_claim == OTS_ERR_GONE ? sh->sh_state :
		    OTS_SHARE_EXPIRED);
	} else if (cr.cr_claim != OTS_OK) {
		resp_from_err(req, cr.cr_claim);
	} else if (!cr.cr_begun) {
		/* Won, and not a byte came: nothing sent yet, the share
		 * spent all the same. */
		download_ended(req, e == OTS_OK ? OTS_ERR_CRYPTO : e);
		resp_error(req, 500, "unreadable", "The share was claimed "
		    "but its content could not be read; it is gone.");
	} else {
		if (e == OTS_OK)
			e = ots_box_dec_finish(cr.cr_dec);
		download_ended(req, e);
	}
	ots_box_dec_free(cr.cr_dec);
	return cr.cr_ran && cr.cr_claim == OTS_OK;
}

void
h_claim(struct req *req)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	struct claim_form f;
	struct ots_tok id;
	struct ots_share sh;
	struct ots_keys keys;
	struct ots_meta meta;
	enum ots_err e = OTS_OK;
	bool won = false;

	memset(&f, 0, sizeof(f));
	memset(&sh, 0, sizeof(sh));
	memset(&keys, 0, sizeof(keys));
	memset(&meta, 0, sizeof(meta));
	if (!h_parse_id(req, req->req_arg, &id))
		return;
	f.cf_pw = ots_malloc(c->c_password_max + 1u);
	if (f.cf_pw == NULL) {
		resp_from_err(req, OTS_ERR_NOMEM);
		return;
	}
	if (!read_form(req, &f))
		goto out;
	e = ots_share_peek(req->req_worker->w_rds, &id, &sh);
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	if (sh.sh_state == OTS_SHARE_UNKNOWN) {
		resp_error(req, 404, "not_found", "No such share.");
		goto out;
	}
	if (sh.sh_state != OTS_SHARE_AVAILABLE) {
		h_gone(req, sh.sh_state);
		goto out;
	}
	if (sh.sh_e2e) {
		claim_e2e(req, &id, &sh, &f);
		goto out;
	}
	if (f.cf_link) {
		resp_error(req, 400, "not_e2e", "This share is not end-to-end "
		    "encrypted: send the key (key=, the part of the link after "
		    "'#'), not a proof.");
		goto out;
	}
	if (f.cf_key_ok) {
		ots_kdf_share_keys(&f.cf_secret, &id, NULL, &keys);
		e = ots_meta_open(keys.k_meta, &id, sh.sh_meta,
		    sh.sh_meta_len, &meta);
	}
	if (!f.cf_key_ok || e == OTS_ERR_AUTH) {
		resp_error(req, 403, "wrong_key", "The key does not open "
		    "this share. Check that the whole link was copied.");
		goto out;
	}
	if (e != OTS_OK) {
		resp_from_err(req, e);
		goto out;
	}
	/* A password check and the download that follows are heavy: one
	 * slot for both. */
	if (!h_heavy_enter(req, sh.sh_protected || sh.sh_size >
	    H_SMALL_DOWNLOAD ? H_CLIENT_NOW : H_CLIENT_NONE))
		goto out;
	if (sh.sh_protected && !check_password(req, &id, &f.cf_secret, &sh,
	    f.cf_pw, f.cf_pw_len, &keys))
		goto out;
	won = claim_and_send(req, &id, &sh, &keys, &meta);
out:
	/* A won claim counts as won even when its download failed: the
	 * share is spent. */
	if (won || req->req_status == 200)
		ots_metrics_add(req->req_app->a_metrics, sh.sh_e2e ?
		    OTS_M_CLAIMS_WON_E2E : OTS_M_CLAIMS_WON, 1);
	else if (req->req_status == 410)
		ots_metrics_add(req->req_app->a_metrics, sh.sh_e2e ?
		    OTS_M_CLAIMS_LOST_E2E : OTS_M_CLAIMS_LOST, 1);
	h_heavy_leave(req);
	ots_kdf_keys_wipe(&keys);
	sodium_memzero(&meta, sizeof(meta));
	form_wipe(&f, c->c_password_max);
}
