/*
 * Looking at a share without consuming it: GET /d/{id} (what link
 * unfurlers, previews and curl see; browsers get the page from nginx) and
 * GET /api/v1/files/{id} (JSON).  Nothing here changes any state.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "ots_json.h"
#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_share.h"
#include "ots_banned.h"

/* Reads the share; false when an answer (404, 410, 503) was sent. */
static bool
peek_available(struct req *req, const struct ots_tok *id,
    struct ots_share *sh)
{
	enum ots_err e;

	e = ots_share_peek(req->req_worker->w_rds, id, sh);
	if (e != OTS_OK) {
		resp_from_err(req, e);
		return false;
	}
	if (sh->sh_state == OTS_SHARE_UNKNOWN) {
		resp_error(req, 404, "not_found", "No such share.");
		return false;
	}
	if (sh->sh_state != OTS_SHARE_AVAILABLE) {
		h_gone(req, sh->sh_state);
		return false;
	}
	return true;
}

void
h_page(struct req *req)
{
	struct ots_tok id;
	struct ots_share sh;
	struct ots_buf b;
	enum ots_err e;

	if (!h_parse_id(req, req->req_arg, &id) ||
	    !peek_available(req, &id, &sh))
		return;
	ots_buf_init(&b, 2048);
	if (sh.sh_e2e)
		e = ots_buf_addf(&b, "This is a one-time share of %llu bytes, "
		    "end-to-end encrypted: only its receiver can decrypt it, "
		    "not this server. Opening it consumes it.\n"
		    "Open the whole link in a browser, or run:\n\n"
		    "  ots get '%s/d/%s#KEY'\n",
		    (unsigned long long)sh.sh_size,
		    req->req_app->a_cfg.c_base_url, id.t_str);
	else
		e = ots_buf_addf(&b, "This is a one-time share of %llu bytes. "
		    "Opening it consumes it.\n"
		    "To download it, use the part of the link after '#' as "
		    "KEY:\n\n"
		    "  curl -fOJ -d key=KEY %s/d/%s\n",
		    (unsigned long long)sh.sh_size,
		    req->req_app->a_cfg.c_base_url, id.t_str);
	if (e == OTS_OK)
		resp_send(req, 200, "text/plain; charset=utf-8", NULL,
		    b.b_data, b.b_len);
	else
		resp_from_err(req, e);
	ots_buf_release(&b);
}

/* Adds name, type and kind when the X-Key header opens the metadata.
 * Returns false when a 403 was sent. */
static bool
add_private(struct req *req, const struct ots_tok *id,
    const struct ots_share *sh, struct ots_buf *b, enum ots_err *e)
{
	const char *hkey = req_param(req, "HTTP_X_KEY");
	struct ots_tok secret;
	struct ots_keys keys;
	struct ots_meta meta;
	bool ok = true;

	if (hkey == NULL)
		return true;
	if (sh->sh_e2e) {
		resp_error(req, 409, "e2e_share", "This share is end-to-end "
		    "encrypted: the server cannot open its name. Open the link "
		    "in a browser, or use ots.");
		return false;
	}
	memset(&keys, 0, sizeof(keys));
	memset(&meta, 0, sizeof(meta));
	if (ots_tok_parse(hkey, strlen(hkey), &secret) != OTS_OK) {
		ok = false;
		goto out;
	}
	ots_kdf_share_keys(&secret, id, NULL, &keys);
	if (ots_meta_open(keys.k_meta, id, sh->sh_meta, sh->sh_meta_len,
	    &meta) != OTS_OK) {
		ok = false;
		goto out;
	}
	*e = ots_buf_adds(b, ",\"name\":");
	if (*e == OTS_OK)
		*e = ots_json_cstr(b, meta.m_name);
	if (*e == OTS_OK)
		*e = ots_buf_adds(b, ",\"type\":");
	if (*e == OTS_OK)
		*e = ots_json_cstr(b, meta.m_type[0] != '\0' ? meta.m_type
		    : "application/octet-stream");
	if (*e == OTS_OK)
		*e = ots_buf_addf(b, ",\"kind\":\"%s\"",
		    meta.m_kind == OTS_META_TEXT ? "text" : "file");
out:
	if (!ok)
		resp_error(req, 403, "wrong_key", "The key does not open "
		    "this share.");
	ots_tok_wipe(&secret);
	ots_kdf_keys_wipe(&keys);
	sodium_memzero(&meta, sizeof(meta));
	return ok;
}

/*
 * With X-Link-Proof (k_link, end-to-end shares), what the receiver needs
 * before its claim: the sealed name and, for a protected share, the
 * Argon2id salt and cost.  A wrong proof is 403 and counts nothing.
 * Returns false when an answer was sent.
 */
static bool
add_sealed(struct req *req, const struct ots_tok *id,
    const struct ots_share *sh, struct ots_buf *b, enum ots_err *e)
{
	uint8_t proof[OTS_KEY_BYTES];
	char enc[sodium_base64_ENCODED_LEN(OTS_META_SEALED_MAX,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	size_t len = 0;
	enum ots_err pe;

	pe = h_b64_param(req, "HTTP_X_LINK_PROOF", proof, sizeof(proof),
	    sizeof(proof), &len);
	if (pe == OTS_ERR_NOTFOUND)
		return true;
	if (!sh->sh_e2e) {
		resp_error(req, 400, "not_e2e", "This share is not end-to-end "
		    "encrypted: send the key as X-Key, not a proof.");
		return false;
	}
	if (pe != OTS_OK || ots_meta_open_check(proof, id, OTS_CHECK_LINK,
	    sh->sh_lcheck, sizeof(sh->sh_lcheck)) != OTS_OK) {
		sodium_memzero(proof, sizeof(proof));
		resp_error(req, 403, "wrong_key", "The key does not open this "
		    "share.");
		return false;
	}
	sodium_memzero(proof, sizeof(proof));
	sodium_bin2base64(enc, sizeof(enc), sh->sh_meta, sh->sh_meta_len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	*e = ots_buf_addf(b, ",\"meta\":\"%s\"", enc);
	if (*e == OTS_OK && sh->sh_protected) {
		sodium_bin2base64(enc, sizeof(enc), sh->sh_salt,
		    sizeof(sh->sh_salt),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		*e = ots_buf_addf(b, ",\"password_salt\":\"%s\","
		    "\"password_cost\":{\"mem_kib\":%u,\"time\":%u,"
		    "\"lanes\":%u}", enc, sh->sh_kdf.kp_mem_kib,
		    sh->sh_kdf.kp_time, sh->sh_kdf.kp_lanes);
	}
	return true;
}

void
h_info(struct req *req)
{
	struct ots_tok id;
	struct ots_share sh;
	struct ots_buf b;
	char created[32], expires[32];
	enum ots_err e;

	if (!h_parse_id(req, req->req_arg, &id) ||
	    !peek_available(req, &id, &sh))
		return;
	h_rfc3339(sh.sh_created, created);
	h_rfc3339(sh.sh_expires, expires);
	ots_buf_init(&b, 4096);
	e = ots_buf_addf(&b, "{\"id\":\"%s\",\"state\":\"available\","
	    "\"available\":true,\"size\":%llu,\"created_at\":\"%s\","
	    "\"expires_at\":\"%s\",\"expires_at_unix\":%llu,"
	    "\"protected\":%s,\"mode\":\"%s\"", id.t_str,
	    (unsigned long long)sh.sh_size, created, expires,
	    (unsigned long long)sh.sh_expires,
	    sh.sh_protected ? "true" : "false", sh.sh_e2e ? "e2e" : "server");
	if (e == OTS_OK && sh.sh_protected) {
		uint64_t limit = req->req_app->a_cfg.c_attempts;

		e = ots_buf_addf(&b, ",\"attempts_left\":%llu",
		    (unsigned long long)(sh.sh_attempts < limit ?
		    limit - sh.sh_attempts : 0));
	}
	if (e == OTS_OK && (!add_private(req, &id, &sh, &b, &e) ||
	    !add_sealed(req, &id, &sh, &b, &e)))
		goto out;
	if (e == OTS_OK)
		e = ots_buf_adds(&b, "}\n");
	if (e == OTS_OK)
		resp_send(req, 200, "application/json", NULL, b.b_data,
		    b.b_len);
	else
		resp_from_err(req, e);
out:
	ots_buf_release(&b);
}
