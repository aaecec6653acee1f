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
h_page(struct req *req, struct ots_str id_raw)
{
	struct ots_tok id;
	struct ots_share sh;
	struct ots_buf b;
	enum ots_err e;

	if (!h_parse_id(req, id_raw, &id) || !h_rate_limit(req, OTS_RL_META) ||
	    !peek_available(req, &id, &sh))
		return;
	ots_buf_init(&b, 2048);
	e = ots_buf_addf(&b, "This is a one-time share of %llu bytes. "
	    "Opening it consumes it.\n"
	    "To download it, use the part of the link after '#' as KEY:\n\n"
	    "  curl -fOJ -d key=KEY %s/d/%s\n",
	    (unsigned long long)sh.sh_size, req->req_app->a_cfg.c_base_url,
	    id.t_str);
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

void
h_info(struct req *req, struct ots_str id_raw)
{
	struct ots_tok id;
	struct ots_share sh;
	struct ots_buf b;
	char created[32], expires[32];
	enum ots_err e;

	if (!h_parse_id(req, id_raw, &id) || !h_rate_limit(req, OTS_RL_META) ||
	    !peek_available(req, &id, &sh))
		return;
	h_rfc3339(sh.sh_created, created);
	h_rfc3339(sh.sh_expires, expires);
	ots_buf_init(&b, 4096);
	e = ots_buf_addf(&b, "{\"id\":\"%s\",\"state\":\"available\","
	    "\"available\":true,\"size\":%llu,\"created_at\":\"%s\","
	    "\"expires_at\":\"%s\",\"expires_at_unix\":%llu,"
	    "\"protected\":%s", id.t_str, (unsigned long long)sh.sh_size,
	    created, expires, (unsigned long long)sh.sh_expires,
	    sh.sh_protected ? "true" : "false");
	if (e == OTS_OK && sh.sh_protected) {
		uint64_t limit = req->req_app->a_cfg.c_attempts;

		e = ots_buf_addf(&b, ",\"attempts_left\":%llu",
		    (unsigned long long)(sh.sh_attempts < limit ?
		    limit - sh.sh_attempts : 0));
	}
	if (e == OTS_OK && !add_private(req, &id, &sh, &b, &e))
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
