#include "send.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_box.h"
#include "ots_buf.h"
#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_name.h"

#include "progress.h"
#include "record.h"
#include "source.h"

#define B64_KEY 64
#define B64_META (((OTS_META_SEALED_MAX + 2) / 3) * 4 + 1)
/* The bytes a resume point is checked on: a sealed chunk's worth. */
#define CHECK_SPAN ((uint64_t)OTS_CHUNK_SIZE + 17u)
/* A part is tried this often, after waits of 1, 2, 4 … s. */
#define PART_TRIES 6

/* The password's Argon2id at the server's cost, with a fresh salt. */
struct pw_key {
	bool pk_set;
	uint8_t pk_salt[OTS_KDF_SALT_BYTES];
	uint8_t pk_key[OTS_KEY_BYTES];
	struct ots_kdf_params pk_cost;
};

static bool
make_seal(const struct ots_tok *id, const struct ots_tok *secret,
    const struct pw_key *pk, const struct ots_meta *m, struct ots_keys *k,
    struct seal *s)
{
	uint8_t check[OTS_META_CHECK_BYTES];
	char enc[B64_META], small[B64_KEY];
	struct ots_buf sealed;
	bool ok;

	memset(s, 0, sizeof(*s));
	ots_kdf_share_keys(secret, id, pk->pk_set ? pk->pk_key : NULL, k);
	ots_buf_init(&sealed, OTS_META_SEALED_MAX);
	ok = ots_meta_seal(k->k_meta, id, m, &sealed) == OTS_OK;
	if (ok) {
		b64((const uint8_t *)sealed.b_data, sealed.b_len, enc,
		    sizeof(enc));
		snprintf(s->s_meta, sizeof(s->s_meta), "X-Meta: %s", enc);
	}
	ots_buf_release(&sealed);
	ots_meta_seal_check(k->k_link, id, OTS_CHECK_LINK, check);
	b64(check, sizeof(check), small, sizeof(small));
	snprintf(s->s_lcheck, sizeof(s->s_lcheck), "X-Link-Check: %s", small);
	if (pk->pk_set) {
		s->s_protected = true;
		b64(pk->pk_salt, sizeof(pk->pk_salt), small, sizeof(small));
		snprintf(s->s_salt, sizeof(s->s_salt), "X-Password-Salt: %s",
		    small);
		snprintf(s->s_cost, sizeof(s->s_cost), "X-Password-Cost: "
		    "%u,%u,%u", pk->pk_cost.kp_mem_kib, pk->pk_cost.kp_time,
		    pk->pk_cost.kp_lanes);
		ots_meta_seal_check(k->k_pass, id, OTS_CHECK_PASSWORD, check);
		b64(check, sizeof(check), small, sizeof(small));
		snprintf(s->s_check, sizeof(s->s_check),
		    "X-Password-Check: %s", small);
	}
	return ok;
}

/* The seal's headers, then extra (NULL-ended), into h (16 slots). */
static void
seal_headers(const struct seal *s, const char *const *extra, const char **h)
{
	size_t n = 0;

	h[n++] = s->s_meta;
	h[n++] = s->s_lcheck;
	if (s->s_protected) {
		h[n++] = s->s_salt;
		h[n++] = s->s_cost;
		h[n++] = s->s_check;
	}
	while (extra != NULL && *extra != NULL && n < 15)
		h[n++] = *extra++;
	h[n] = NULL;
}

/* Headers every upload start carries: the size and the expiry (into h,
 * NULL-ended); returns how many. */
static size_t
size_headers(const struct opts *o, uint64_t size, char *hsize, char *hexp,
    size_t max, const char **h)
{
	size_t n = 0;

	snprintf(hsize, max, "X-Upload-Size: %llu", (unsigned long long)size);
	h[n++] = hsize;
	if (o->o_expires != NULL) {
		snprintf(hexp, max, "X-Expires-In: %s", o->o_expires);
		h[n++] = hexp;
	}
	h[n] = NULL;
	return n;
}

/* Prints the links of a share made, from the 201's JSON. */
static enum otsc_exit
made(const struct opts *o, const struct ots_tok *id,
    const struct ots_tok *secret, const struct net_resp *r)
{
	char link[URL_MAX + 64], owner[64] = "", expires[64] = "";
	enum otsc_exit x;

	(void)json_str(r->nr_body, "owner_token", owner, sizeof(owner));
	(void)json_str(r->nr_body, "expires_at", expires, sizeof(expires));
	snprintf(link, sizeof(link), "%s/d/%s#%s", o->o_server, id->t_str,
	    secret->t_str);
	x = api_print_made(o, link, id->t_str, owner, expires, "e2e");
	sodium_memzero(link, sizeof(link));
	sodium_memzero(owner, sizeof(owner));
	return x;
}

/* ---- In one request ----------------------------------------------- */

struct whole {
	uint8_t *w_p;
	size_t w_len, w_cap;
};

static enum ots_err
whole_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct whole *w = ctx;

	if (n > w->w_cap - w->w_len)
		return OTS_ERR_TOOBIG;
	memcpy(w->w_p + w->w_len, p, n);
	w->w_len += n;
	return OTS_OK;
}

/* A container that fits in one part: one PUT, under an id drawn here. */
static enum otsc_exit
send_whole(const struct opts *o, const struct server *sv,
    struct source *src, const struct pw_key *pk, const struct ots_meta *m,
    uint64_t clen)
{
	struct whole w = { NULL, 0, (size_t)clen };
	struct ots_box_enc *enc = NULL;
	struct ots_tok id, secret;
	struct ots_keys k;
	struct seal s;
	struct progress pg;
	struct net_resp r;
	struct net_req rq = { .nq_method = "PUT", .nq_progress = &pg };
	char hsize[64], hexp[96], path[96];
	const char *extra[4], *h[16];
	enum otsc_exit x = OTSC_OTHER;
	size_t n;

	memset(&k, 0, sizeof(k));
	ots_tok_random(&id);
	ots_tok_random(&secret);
	w.w_p = malloc(w.w_cap + 1);
	if (w.w_p == NULL || !make_seal(&id, &secret, pk, m, &k, &s)) {
		say("cannot prepare the share");
		goto out;
	}
	if (ots_box_enc_new(k.k_file, &id, whole_sink, &w, &enc) != OTS_OK ||
	    !source_encrypt(src, enc) ||
	    ots_box_enc_finish(enc) != OTS_OK || w.w_len != clen) {
		say("cannot encrypt the share");
		goto out;
	}
	n = size_headers(o, src->src_size, hsize, hexp, sizeof(hexp), extra);
	extra[n++] = "Content-Type: application/octet-stream";
	extra[n] = NULL;
	seal_headers(&s, extra, h);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", id.t_str);
	rq.nq_headers = h;
	rq.nq_body = w.w_p;
	rq.nq_body_len = w.w_len;
	progress_begin(&pg, o->o_progress, "sending", w.w_len, 0);
	if (!api_do(&rq, sv->sv_base, path, &r)) {
		progress_end(&pg, false);
		goto out;
	}
	progress_end(&pg, r.nr_status == 201);
	x = r.nr_status == 201 ? made(o, &id, &secret, &r) :
	    api_refused("the upload", &r);
	net_resp_free(&r);
out:
	ots_box_enc_free(enc);
	ots_kdf_keys_wipe(&k);
	ots_tok_wipe(&secret);
	if (w.w_p != NULL) {
		sodium_memzero(w.w_p, w.w_cap);
		free(w.w_p);
	}
	return x;
}

/* ---- In parts ------------------------------------------------------ */

/* The container in parts: each full part goes out as it fills, and the
 * bytes a resumed upload has sent already are made again and checked. */
struct parts {
	const struct opts *pa_o;
	const struct server *pa_sv;
	struct record *pa_rec;		/* offset and checkpoint kept here */
	bool pa_keep;			/* the record is saved on disk */
	char pa_auth[96];
	uint8_t *pa_buf;
	size_t pa_len, pa_max;
	uint64_t pa_pos;		/* container bytes made so far */
	uint64_t pa_skip;		/* not sent again, below this */
	uint64_t pa_check_end;		/* the checkpoint ends here */
	uint8_t pa_check[CHECK_BYTES];	/* and hashes to this */
	bool pa_checked;
	crypto_generichash_state pa_hash;
	struct progress pa_prog;
	const char *pa_source;
	enum otsc_exit pa_exit;
};

/* How far the server has the upload; false when it cannot say. */
static bool
server_offset(struct parts *pa, uint64_t *off)
{
	const char *h[] = { pa->pa_auth, NULL };
	char path[96];
	struct net_resp r;
	char *v;
	bool ok;

	snprintf(path, sizeof(path), "/api/v1/uploads/%s",
	    pa->pa_rec->r_id.t_str);
	if (!api_request("HEAD", pa->pa_sv->sv_base, path, h, NULL, 0, &r))
		return false;
	if (r.nr_status == 404 || r.nr_status == 403) {
		say("the server has forgotten the upload (%ld): send it again",
		    r.nr_status);
		record_remove(&pa->pa_rec->r_id);
		pa->pa_keep = false;
		pa->pa_exit = OTSC_GONE;
		net_resp_free(&r);
		return false;
	}
	v = r.nr_status == 200 ? net_header(&r, "Upload-Offset") : NULL;
	ok = v != NULL && ots_parse_u64(v, strlen(v), 0, UINT64_MAX, off) == OTS_OK;
	free(v);
	net_resp_free(&r);
	return ok;
}

/* The checkpoint of the part just confirmed, into the record. */
static void
checkpoint(struct parts *pa)
{
	struct record *rec = pa->pa_rec;
	uint64_t span = pa->pa_len < CHECK_SPAN ? pa->pa_len : CHECK_SPAN;

	rec->r_offset += pa->pa_len;
	rec->r_check_from = rec->r_offset - span;
	crypto_generichash(rec->r_check, sizeof(rec->r_check),
	    pa->pa_buf + pa->pa_len - span, (size_t)span, NULL, 0);
	if (pa->pa_keep)
		(void)record_save(rec);
}

/* A transient answer: worth trying the part again. */
static bool
transient(long status)
{
	return status == 0 || status == 409 || status == 500 ||
	    status == 502 || status == 503 || status == 504;
}

/* Sends the part in the buffer, trying again after transient errors. */
static bool
parts_flush(struct parts *pa)
{
	struct record *rec = pa->pa_rec;
	char path[96], off[64];
	const char *h[] = { pa->pa_auth, off,
		"Content-Type: application/offset+octet-stream", NULL };
	struct net_req rq = { .nq_method = "PATCH", .nq_headers = h,
		.nq_progress = &pa->pa_prog };
	struct net_resp r;
	uint64_t at;
	unsigned wait = 1;
	int tries;

	if (pa->pa_len == 0)
		return true;
	snprintf(path, sizeof(path), "/api/v1/uploads/%s", rec->r_id.t_str);
	for (tries = 1;; tries++) {
		long status = 0;

		snprintf(off, sizeof(off), "Upload-Offset: %llu",
		    (unsigned long long)rec->r_offset);
		rq.nq_body = pa->pa_buf;
		rq.nq_body_len = pa->pa_len;
		pa->pa_prog.pg_base = rec->r_offset;
		if (api_do(&rq, pa->pa_sv->sv_base, path, &r)) {
			status = r.nr_status;
			if (status == 204) {
				net_resp_free(&r);
				break;
			}
			if (!transient(status) || tries == PART_TRIES) {
				progress_end(&pa->pa_prog, false);
				pa->pa_exit = api_refused("a part of the upload",
				    &r);
				if (status == 404 || status == 403) {
					record_remove(&rec->r_id);
					pa->pa_keep = false;
				}
				net_resp_free(&r);
				return false;
			}
			net_resp_free(&r);
		}
		if (tries == PART_TRIES) {
			progress_end(&pa->pa_prog, false);
			say("the upload stopped%s", pa->pa_keep ? "; continue "
			    "it with: ots send --resume FILE" : "");
			return false;
		}
		sleep(wait);
		wait *= 2;
		/* The part may have landed before the answer was lost. */
		if (!server_offset(pa, &at)) {
			if (pa->pa_exit == OTSC_GONE)
				return false;
			continue;
		}
		if (at == rec->r_offset + pa->pa_len)
			break;
		if (at != rec->r_offset) {
			say("the server holds the upload at %llu, not %llu",
			    (unsigned long long)at,
			    (unsigned long long)rec->r_offset);
			return false;
		}
	}
	checkpoint(pa);
	pa->pa_len = 0;
	return true;
}

/*
 * Bytes below the resume point, made again and not sent: those of the
 * record's checkpoint are hashed, and checked once all have passed.
 */
static bool
parts_skip(struct parts *pa, const uint8_t *p, size_t n)
{
	uint64_t from = pa->pa_rec->r_check_from, to = pa->pa_check_end;
	uint64_t a = pa->pa_pos > from ? pa->pa_pos : from;
	uint64_t b = pa->pa_pos + n < to ? pa->pa_pos + n : to;
	uint8_t got[CHECK_BYTES];

	if (a < b)
		crypto_generichash_update(&pa->pa_hash, p + (a - pa->pa_pos),
		    (size_t)(b - a));
	pa->pa_pos += n;
	if (pa->pa_checked || pa->pa_pos < to)
		return true;
	pa->pa_checked = true;
	crypto_generichash_final(&pa->pa_hash, got, sizeof(got));
	if (sodium_memcmp(got, pa->pa_check, sizeof(got)) != 0) {
		say("%s is not the same file as the interrupted upload (its "
		    "record is kept for the right one)", pa->pa_source);
		pa->pa_exit = OTSC_USAGE;
		return false;
	}
	return true;
}

static enum ots_err
parts_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct parts *pa = ctx;

	if (pa->pa_pos < pa->pa_skip) {
		size_t below = pa->pa_skip - pa->pa_pos < n ?
		    (size_t)(pa->pa_skip - pa->pa_pos) : n;

		if (!parts_skip(pa, p, below))
			return OTS_ERR_CRYPTO;
		p += below;
		n -= below;
	}
	while (n > 0) {
		size_t take = pa->pa_max - pa->pa_len;

		if (take > n)
			take = n;
		memcpy(pa->pa_buf + pa->pa_len, p, take);
		pa->pa_len += take;
		pa->pa_pos += take;
		p += take;
		n -= take;
		if (pa->pa_len == pa->pa_max && !parts_flush(pa))
			return OTS_ERR_IO;
	}
	return OTS_OK;
}

/* Starts an upload on the server: its id and token into the record. */
static enum otsc_exit
start_upload(const struct opts *o, const struct server *sv,
    uint64_t size, struct record *rec, uint64_t *part_max)
{
	char hsize[64], hexp[96], ids[32];
	const char *start[4];
	struct net_resp r;
	enum otsc_exit x = OTSC_OK;

	(void)size_headers(o, size, hsize, hexp, sizeof(hexp), start);
	if (!api_request("POST", sv->sv_base, "/api/v1/uploads", start, "", 0,
	    &r))
		return OTSC_OTHER;
	if (r.nr_status != 201) {
		x = api_refused("the upload's start", &r);
	} else if (!json_str(r.nr_body, "id", ids, sizeof(ids)) ||
	    !json_str(r.nr_body, "upload_token", rec->r_token,
	    sizeof(rec->r_token)) ||
	    !json_u64(r.nr_body, "part_max", part_max) || *part_max == 0 ||
	    *part_max > sv->sv_part_max ||
	    ots_tok_parse(ids, strlen(ids), &rec->r_id) != OTS_OK) {
		say("the server's answer to the upload's start is not what "
		    "this client expects");
		x = OTSC_OTHER;
	}
	net_resp_free(&r);
	return x;
}

/* The last step: the seal, and the share exists. */
static enum otsc_exit
commit(struct parts *pa)
{
	const struct record *rec = pa->pa_rec;
	const char *extra[] = { pa->pa_auth, NULL }, *h[16];
	char path[128];
	struct net_resp r;
	enum otsc_exit x;

	seal_headers(&rec->r_seal, extra, h);
	snprintf(path, sizeof(path), "/api/v1/uploads/%s/commit",
	    rec->r_id.t_str);
	if (!api_request("POST", pa->pa_sv->sv_base, path, h, "", 0, &r))
		return OTSC_OTHER;
	if (r.nr_status == 201) {
		x = made(pa->pa_o, &rec->r_id, &rec->r_secret, &r);
		record_remove(&rec->r_id);
	} else {
		x = api_refused("the upload's commit", &r);
		if (r.nr_status == 404 || r.nr_status == 403)
			record_remove(&rec->r_id);
	}
	net_resp_free(&r);
	return x;
}

/*
 * Encrypts the source (again, from its first byte, for a resumed
 * upload) and sends what the server does not have, then commits.
 */
static enum otsc_exit
send_rest(struct parts *pa, struct source *src, uint64_t clen)
{
	struct record *rec = pa->pa_rec;
	struct ots_box_enc *enc = NULL;
	enum otsc_exit x;

	pa->pa_exit = OTSC_OTHER;
	pa->pa_skip = rec->r_offset;
	pa->pa_checked = pa->pa_check_end == rec->r_check_from;
	crypto_generichash_init(&pa->pa_hash, NULL, 0, CHECK_BYTES);
	bearer(rec->r_token, pa->pa_auth, sizeof(pa->pa_auth));
	pa->pa_buf = malloc(pa->pa_max);
	if (pa->pa_buf == NULL || ots_box_enc_new_at(rec->r_kfile, &rec->r_id,
	    rec->r_stream, parts_sink, pa, &enc) != OTS_OK) {
		say("cannot prepare the upload");
		x = OTSC_OTHER;
		goto out;
	}
	progress_begin(&pa->pa_prog, pa->pa_o->o_progress, "sending", clen,
	    rec->r_offset);
	if (!source_encrypt(src, enc) ||
	    ots_box_enc_finish(enc) != OTS_OK || !parts_flush(pa)) {
		progress_end(&pa->pa_prog, false);
		x = pa->pa_exit;
		goto out;
	}
	progress_end(&pa->pa_prog, true);
	x = commit(pa);
out:
	ots_box_enc_free(enc);
	if (pa->pa_buf != NULL) {
		sodium_memzero(pa->pa_buf, pa->pa_max);
		free(pa->pa_buf);
	}
	sodium_memzero(pa->pa_auth, sizeof(pa->pa_auth));
	return x;
}

/* A larger container: started, sent in parts, committed. */
static enum otsc_exit
send_parts(const struct opts *o, const struct server *sv,
    struct source *src, const struct pw_key *pk, const struct ots_meta *m,
    uint64_t clen)
{
	struct parts pa;
	struct record rec;
	struct ots_keys k;
	struct ots_box_enc *probe = NULL;
	uint64_t part_max = 0;
	enum otsc_exit x;

	memset(&pa, 0, sizeof(pa));
	memset(&rec, 0, sizeof(rec));
	memset(&k, 0, sizeof(k));
	x = start_upload(o, sv, src->src_size, &rec, &part_max);
	if (x != OTSC_OK)
		goto out;
	ots_tok_random(&rec.r_secret);
	if (!make_seal(&rec.r_id, &rec.r_secret, pk, m, &k, &rec.r_seal) ||
	    ots_box_enc_new(k.k_file, &rec.r_id, parts_sink, &pa, &probe) !=
	    OTS_OK) {
		say("cannot prepare the share");
		x = OTSC_OTHER;
		goto out;
	}
	/* The stream header is drawn once and kept: a resumed upload makes
	 * the same container again. */
	ots_box_enc_stream_header(probe, rec.r_stream);
	memcpy(rec.r_kfile, k.k_file, sizeof(rec.r_kfile));
	snprintf(rec.r_server, sizeof(rec.r_server), "%s", sv->sv_base);
	rec.r_size = src->src_size;
	rec.r_mtime_ns = src->src_mtime_ns;
	pa.pa_keep = src->src_path[0] != '\0';
	if (pa.pa_keep) {
		snprintf(rec.r_path, sizeof(rec.r_path), "%s", src->src_path);
		if (!record_save(&rec))
			pa.pa_keep = false;
	}
	pa.pa_o = o;
	pa.pa_sv = sv;
	pa.pa_rec = &rec;
	pa.pa_max = (size_t)part_max;
	pa.pa_source = src->src_name;
	x = send_rest(&pa, src, clen);
out:
	ots_box_enc_free(probe);
	ots_kdf_keys_wipe(&k);
	record_wipe(&rec);
	return x;
}

/* An upload another run left unfinished, continued. */
static enum otsc_exit
resume_parts(const struct opts *o, const struct server *sv,
    struct source *src, struct record *rec, uint64_t clen)
{
	struct parts pa;
	uint64_t at = 0;

	memset(&pa, 0, sizeof(pa));
	pa.pa_o = o;
	pa.pa_sv = sv;
	pa.pa_rec = rec;
	pa.pa_keep = true;
	pa.pa_max = (size_t)sv->sv_part_max;
	pa.pa_source = src->src_name;
	bearer(rec->r_token, pa.pa_auth, sizeof(pa.pa_auth));
	if (!server_offset(&pa, &at))
		return pa.pa_exit == OTSC_GONE ? OTSC_GONE : OTSC_OTHER;
	if (at < rec->r_offset || at > clen) {
		say("the server holds the upload at %llu bytes, the record "
		    "at %llu: send it again", (unsigned long long)at,
		    (unsigned long long)rec->r_offset);
		return OTSC_OTHER;
	}
	/* The server may be a part ahead of the record (killed before it
	 * was saved): the checkpoint is the record's, the offset the
	 * server's. */
	pa.pa_check_end = rec->r_offset;
	memcpy(pa.pa_check, rec->r_check, sizeof(pa.pa_check));
	rec->r_offset = at;
	if (!o->o_quiet)
		fprintf(stderr, "resuming %s at %llu of %llu bytes\n",
		    src->src_name, (unsigned long long)at,
		    (unsigned long long)clen);
	return send_rest(&pa, src, clen);
}

/* The name the share is sealed under: -n, or the file's own, cleaned. */
static void
share_meta(const struct opts *o, const struct source *src, struct ots_meta *m)
{
	const char *name = o->o_name != NULL ? o->o_name : src->src_name;

	memset(m, 0, sizeof(*m));
	m->m_kind = o->o_text ? OTS_META_TEXT : OTS_META_FILE;
	if (o->o_name == NULL && src->src_path[0] == '\0')
		name = o->o_text ? "secret.txt" : "stdin";
	ots_name_clean(name, strlen(name), m->m_name);
	snprintf(m->m_type, sizeof(m->m_type), "%s", o->o_text ?
	    "text/plain" : "application/octet-stream");
}

static enum otsc_exit
password_key(const struct opts *o, const struct server *sv, struct pw_key *pk)
{
	memset(pk, 0, sizeof(*pk));
	if (o->o_new_password == NULL)
		return OTSC_OK;
	pk->pk_set = true;
	pk->pk_cost = sv->sv_cost;
	randombytes_buf(pk->pk_salt, sizeof(pk->pk_salt));
	if (!ots_kdf_params_ok(&pk->pk_cost) ||
	    ots_kdf_password(o->o_new_password, strlen(o->o_new_password),
	    pk->pk_salt, &pk->pk_cost, pk->pk_key) != OTS_OK) {
		say("cannot derive a key from the password at the server's "
		    "cost");
		return OTSC_OTHER;
	}
	return OTSC_OK;
}

enum otsc_exit
send_e2e(const struct opts *o, const struct server *sv, const char *path)
{
	struct source src;
	struct record rec;
	struct pw_key pk;
	struct ots_meta m;
	uint64_t clen = 0;
	enum otsc_exit x;

	memset(&pk, 0, sizeof(pk));
	x = source_open(path, sv->sv_max_size, &src);
	if (x == OTSC_OK && ots_box_size(src.src_size, &clen) != OTS_OK) {
		say("%s is too large", src.src_name);
		x = OTSC_OTHER;
	}
	if (x != OTSC_OK)
		goto out;
	if (o->o_resume && src.src_path[0] != '\0' &&
	    record_find(sv->sv_base, src.src_path, src.src_size,
	    src.src_mtime_ns, &rec)) {
		x = resume_parts(o, sv, &src, &rec, clen);
		record_wipe(&rec);
		goto out;
	}
	if (o->o_resume && !o->o_quiet)
		fprintf(stderr, "no unfinished upload of %s: sending it\n",
		    src.src_name);
	x = password_key(o, sv, &pk);
	if (x != OTSC_OK)
		goto out;
	share_meta(o, &src, &m);
	x = clen <= sv->sv_part_max ? send_whole(o, sv, &src, &pk, &m, clen) :
	    send_parts(o, sv, &src, &pk, &m, clen);
out:
	sodium_memzero(&pk, sizeof(pk));
	source_close(&src);
	return x;
}
