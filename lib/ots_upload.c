#include "ots_upload.h"

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "ots_alloc.h"
#include "ots_box.h"
#include "ots_kdf.h"
#include "ots_log.h"
#include "ots_share.h"
#include "ots_banned.h"

#define MOD "upload"

struct ots_upload {
	struct ots_store *u_store;
	struct ots_store_tmp u_tmp;
	struct ots_box_enc *u_enc;
	struct ots_tok u_id;
	struct ots_tok u_secret;
	struct ots_tok u_owner;
	struct ots_keys u_keys;
	bool u_protected;
	struct ots_upload_pw u_pw;
	uint8_t u_check[OTS_META_CHECK_BYTES];
	uint64_t u_max;
	uint64_t u_size;
	/* End-to-end (u_enc NULL): the client's container, as it comes;
	 * its fixed header, collected to be checked. */
	bool u_e2e;
	uint8_t u_head[OTS_BOX_FIXED_BYTES];
	int u_committed;	/* the file is in files/ */
	int u_registered;	/* ... and the share in Redis */
};

static enum ots_err
tmp_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct ots_upload *up = ctx;

	return ots_store_write(&up->u_tmp, p, n);
}

enum ots_err
ots_upload_begin(struct ots_store *st, uint64_t max_size,
    const struct ots_upload_pw *pw, struct ots_upload **out)
{
	struct ots_upload *up;
	enum ots_err e;

	*out = NULL;
	up = ots_calloc(1, sizeof(*up));
	if (up == NULL)
		return OTS_ERR_NOMEM;
	up->u_store = st;
	up->u_max = max_size;
	up->u_tmp.t_fd = -1;
	ots_tok_random(&up->u_id);
	ots_tok_random(&up->u_secret);
	ots_tok_random(&up->u_owner);
	if (pw != NULL) {
		up->u_protected = true;
		up->u_pw = *pw;
	}
	ots_kdf_share_keys(&up->u_secret, &up->u_id,
	    pw != NULL ? pw->up_key : NULL, &up->u_keys);
	if (pw != NULL)
		ots_meta_seal_check(up->u_keys.k_file, &up->u_id,
		    OTS_CHECK_PASSWORD, up->u_check);
	e = ots_store_create(st, &up->u_id, &up->u_tmp);
	if (e == OTS_OK)
		e = ots_box_enc_new(up->u_keys.k_file, &up->u_id, tmp_sink, up,
		    &up->u_enc);
	if (e != OTS_OK) {
		ots_upload_free(up);
		return e;
	}
	*out = up;
	return OTS_OK;
}

enum ots_err
ots_upload_begin_e2e(struct ots_store *st, const struct ots_tok *id,
    uint64_t clen, struct ots_upload **out)
{
	struct ots_upload *up;
	enum ots_err e;

	*out = NULL;
	up = ots_calloc(1, sizeof(*up));
	if (up == NULL)
		return OTS_ERR_NOMEM;
	up->u_store = st;
	up->u_max = clen;
	up->u_tmp.t_fd = -1;
	up->u_e2e = true;
	up->u_id = *id;
	ots_tok_random(&up->u_owner);
	e = ots_store_create(st, &up->u_id, &up->u_tmp);
	if (e != OTS_OK) {
		ots_upload_free(up);
		return e;
	}
	*out = up;
	return OTS_OK;
}

/* Collects and checks the container's fixed header as it arrives: a
 * body that is not a container for this id stops at its 28th byte. */
static enum ots_err
check_head(struct ots_upload *up, const uint8_t *p, size_t n)
{
	size_t take;

	if (up->u_size >= sizeof(up->u_head))
		return OTS_OK;
	take = sizeof(up->u_head) - (size_t)up->u_size;
	if (take > n)
		take = n;
	memcpy(up->u_head + up->u_size, p, take);
	if (up->u_size + take < sizeof(up->u_head))
		return OTS_OK;
	return ots_box_check_header(up->u_head, sizeof(up->u_head),
	    up->u_id.t_raw);
}

enum ots_err
ots_upload_write(struct ots_upload *up, const uint8_t *p, size_t n)
{
	enum ots_err e;

	if (n > up->u_max - up->u_size)
		return OTS_ERR_TOOBIG;
	if (!up->u_e2e) {
		up->u_size += n;
		return ots_box_enc_update(up->u_enc, p, n);
	}
	e = check_head(up, p, n);
	if (e != OTS_OK)
		return e;
	up->u_size += n;
	return ots_store_write(&up->u_tmp, p, n);
}

uint64_t
ots_upload_size(const struct ots_upload *up)
{
	return up->u_size;
}

enum ots_err
ots_upload_commit(struct ots_upload *up, struct ots_rds *r,
    const struct ots_meta *m, uint64_t now, uint64_t expires,
    uint64_t receipt_ttl, struct ots_upload_result *res)
{
	struct ots_buf sealed;
	struct ots_share_new sn;
	char owner_hash[65];
	enum ots_err e;

	ots_buf_init(&sealed, OTS_META_SEALED_MAX);
	e = ots_box_enc_finish(up->u_enc);
	if (e != OTS_OK)
		goto out;
	e = ots_store_commit(up->u_store, &up->u_tmp);
	if (e != OTS_OK)
		goto out;
	up->u_committed = 1;
	e = ots_meta_seal(up->u_keys.k_meta, &up->u_id, m, &sealed);
	if (e != OTS_OK)
		goto out;
	ots_tok_hash_hex(&up->u_owner, owner_hash);
	memset(&sn, 0, sizeof(sn));
	sn.sn_size = up->u_size;
	sn.sn_created = now;
	sn.sn_expires = expires;
	sn.sn_receipt_ttl = receipt_ttl;
	sn.sn_meta = (const uint8_t *)sealed.b_data;
	sn.sn_meta_len = sealed.b_len;
	sn.sn_owner_hash = owner_hash;
	if (up->u_protected) {
		sn.sn_salt = up->u_pw.up_salt;
		sn.sn_kdf = up->u_pw.up_kdf;
		sn.sn_check = up->u_check;
	}
	e = ots_share_register(r, &up->u_id, &sn);
	if (e != OTS_OK)
		goto out;
	up->u_registered = 1;
	res->ur_id = up->u_id;
	res->ur_secret = up->u_secret;
	res->ur_owner = up->u_owner;
	res->ur_size = up->u_size;
	res->ur_expires = expires;
out:
	ots_buf_release(&sealed);
	return e;
}

enum ots_err
ots_upload_commit_e2e(struct ots_upload *up, struct ots_rds *r,
    const struct ots_e2e_seal *es, uint64_t size, uint64_t now,
    uint64_t expires, uint64_t receipt_ttl, struct ots_upload_result *res)
{
	struct ots_share_new sn;
	char owner_hash[65];
	enum ots_err e;

	OTS_ASSERT(up->u_e2e);
	if (up->u_size != up->u_max)
		return OTS_ERR_TRUNC;
	e = ots_store_commit(up->u_store, &up->u_tmp);
	if (e != OTS_OK)
		return e;
	up->u_committed = 1;
	ots_tok_hash_hex(&up->u_owner, owner_hash);
	memset(&sn, 0, sizeof(sn));
	sn.sn_size = size;
	sn.sn_created = now;
	sn.sn_expires = expires;
	sn.sn_receipt_ttl = receipt_ttl;
	sn.sn_meta = es->es_meta;
	sn.sn_meta_len = es->es_meta_len;
	sn.sn_owner_hash = owner_hash;
	sn.sn_lcheck = es->es_lcheck;
	if (es->es_salt != NULL) {
		sn.sn_salt = es->es_salt;
		sn.sn_kdf = es->es_kdf;
		sn.sn_check = es->es_check;
	}
	e = ots_share_register(r, &up->u_id, &sn);
	if (e != OTS_OK)
		return e;
	up->u_registered = 1;
	memset(res, 0, sizeof(*res));
	res->ur_id = up->u_id;
	res->ur_owner = up->u_owner;
	res->ur_size = size;
	res->ur_expires = expires;
	return OTS_OK;
}

void
ots_upload_free(struct ots_upload *up)
{
	if (up == NULL)
		return;
	ots_box_enc_free(up->u_enc);
	if (!up->u_committed)
		ots_store_abort(up->u_store, &up->u_tmp);
	else if (!up->u_registered &&
	    ots_store_remove(up->u_store, &up->u_id) != OTS_OK)
		ots_log_err(MOD, "cannot remove unregistered file");
	sodium_memzero(up, sizeof(*up));
	ots_free(up);
}
