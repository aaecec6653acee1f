/*
 * "A copy of the disk and of Redis reveals sizes and times only"
 * (docs/SECURITY.md): take such a copy of the running stack and attack it
 * with everything in it, through the same lib functions the server uses
 * (ots_kdf, ots_meta, ots_box).  Nothing opens without the link; the
 * same code opens everything with it, so the attack is not a dud.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <hiredis/hiredis.h>
#include <sodium.h>

#include "itest.h"
#include "ots_box.h"
#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_tok.h"

TestSuite(atrest, .timeout = 120);

#define PASSWORD "at-rest password, never stored"

/* Everything the attacker holds: file names and contents, Redis key
 * names, values, hash fields and DUMP payloads. */
struct blob {
	uint8_t *b_p;
	size_t b_len;
	bool b_file;		/* a file's content (large, not mined) */
};

static struct blob *blobs;
static size_t nblobs;

static void
add_blob(const void *p, size_t len, bool file)
{
	struct blob *nb = realloc(blobs, (nblobs + 1) * sizeof(*blobs));

	cr_assert(nb != NULL);
	blobs = nb;
	blobs[nblobs].b_p = malloc(len + 1);
	cr_assert(blobs[nblobs].b_p != NULL);
	memcpy(blobs[nblobs].b_p, p, len);
	blobs[nblobs].b_len = len;
	blobs[nblobs].b_file = file;
	nblobs++;
}

static void
add_reply(const redisReply *r)
{
	size_t i;

	if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
		add_blob(r->str, r->len, false);
	else if (r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++)
			add_reply(r->element[i]);
}

/* Every key of the test Redis: its name, DUMP, and its values. */
static void
take_redis(void)
{
	char sock[1024];
	redisContext *c;
	redisReply *keys, *r;
	size_t i;

	snprintf(sock, sizeof(sock), "%s/run/redis.sock", itest_state());
	c = redisConnectUnix(sock);
	cr_assert(c != NULL && c->err == 0);
	keys = redisCommand(c, "KEYS *");
	cr_assert(keys != NULL && keys->type == REDIS_REPLY_ARRAY);
	for (i = 0; i < keys->elements; i++) {
		const redisReply *k = keys->element[i];
		static const char *const reads[] = { "HGETALL", "GET",
			"SMEMBERS" };
		size_t j;

		add_blob(k->str, k->len, false);
		r = redisCommand(c, "DUMP %b", k->str, k->len);
		cr_assert(r != NULL);
		add_reply(r);
		freeReplyObject(r);
		r = redisCommand(c, "ZRANGE %b 0 -1 WITHSCORES", k->str, k->len);
		add_reply(r);
		freeReplyObject(r);
		r = redisCommand(c, "LRANGE %b 0 -1", k->str, k->len);
		add_reply(r);
		freeReplyObject(r);
		/* Whichever fits the key's type answers; the rest are
		 * WRONGTYPE errors, which add nothing. */
		for (j = 0; j < sizeof(reads) / sizeof(reads[0]); j++) {
			r = redisCommand(c, "%s %b", reads[j], k->str, k->len);
			cr_assert(r != NULL);
			add_reply(r);
			freeReplyObject(r);
		}
	}
	freeReplyObject(keys);
	redisFree(c);
}

static void
take_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	cr_assert(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		char path[2048];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		cr_assert_eq(lstat(path, &st), 0);
		add_blob(e->d_name, strlen(e->d_name), false);
		if (S_ISDIR(st.st_mode)) {
			take_dir(path);
		} else if (S_ISREG(st.st_mode)) {
			uint8_t *buf = malloc((size_t)st.st_size + 1);
			FILE *f = fopen(path, "rb");

			cr_assert(buf != NULL && f != NULL);
			cr_assert_eq(fread(buf, 1, (size_t)st.st_size, f),
			    (size_t)st.st_size);
			fclose(f);
			add_blob(buf, (size_t)st.st_size, true);
			free(buf);
		}
	}
	closedir(d);
}

/* ---- What the attacker tries ---- */

/* Candidate link secrets and raw keys, mined from the blobs. */
static struct ots_tok *toks;
static size_t ntoks;
static uint8_t (*raw_keys)[OTS_KEY_BYTES];
static size_t nraw;

static void
add_tok(const struct ots_tok *t)
{
	struct ots_tok *nt = realloc(toks, (ntoks + 1) * sizeof(*toks));

	cr_assert(nt != NULL);
	toks = nt;
	toks[ntoks++] = *t;
}

static void
add_raw_key(const uint8_t *k)
{
	uint8_t (*nk)[OTS_KEY_BYTES] = realloc(raw_keys,
	    (nraw + 1) * sizeof(*raw_keys));

	cr_assert(nk != NULL);
	raw_keys = nk;
	memcpy(raw_keys[nraw++], k, OTS_KEY_BYTES);
}

static bool
b64url(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Every 22 base64url characters that decode as a token (ids, owner
 * tokens, anything token-shaped); every 16 and 32 bytes of every short
 * value at every offset, as raw secrets and raw keys; 64 hex digits
 * (the owner token hash) decoded.  Files' contents are too long to mine
 * byte by byte: their headers are mined, their names too.
 */
static void
mine(void)
{
	size_t i, off;

	for (i = 0; i < nblobs; i++) {
		const uint8_t *p = blobs[i].b_p;
		size_t len = blobs[i].b_file ? (blobs[i].b_len <
		    OTS_BOX_HEADER_BYTES ? blobs[i].b_len :
		    OTS_BOX_HEADER_BYTES) : blobs[i].b_len;

		for (off = 0; off + OTS_TOK_CHARS <= len; off++) {
			struct ots_tok t;
			size_t k;

			for (k = 0; k < OTS_TOK_CHARS && b64url(p[off + k]); k++)
				;
			if (k == OTS_TOK_CHARS && ots_tok_parse((const char *)
			    p + off, OTS_TOK_CHARS, &t) == OTS_OK)
				add_tok(&t);
		}
		if (len > 1024)
			continue;
		for (off = 0; off + OTS_TOK_BYTES <= len; off++) {
			struct ots_tok t;

			memset(&t, 0, sizeof(t));
			memcpy(t.t_raw, p + off, OTS_TOK_BYTES);
			add_tok(&t);
		}
		for (off = 0; off + OTS_KEY_BYTES <= len; off++)
			add_raw_key(p + off);
		for (off = 0; off + 64 <= len; off++) {
			uint8_t k[OTS_KEY_BYTES];
			size_t got = 0;

			if (sodium_hex2bin(k, sizeof(k), (const char *)p + off,
			    64, NULL, &got, NULL) == 0 && got == sizeof(k))
				add_raw_key(k);
		}
	}
}

/* One share of the copy, as the attacker sees it. */
struct target {
	struct ots_tok t_id;
	uint8_t t_meta[OTS_META_SEALED_MAX];
	size_t t_meta_len;
	uint8_t t_check[OTS_META_CHECK_BYTES];
	bool t_protected;
	uint8_t t_salt[OTS_KDF_SALT_BYTES];
	struct ots_kdf_params t_kdf;
	char t_file[2048];	/* its container in the copy */
};

struct sink {
	uint8_t *s_p;
	size_t s_len;
	size_t s_max;
};

static enum ots_err
collect(void *ctx, const uint8_t *p, size_t n)
{
	struct sink *s = ctx;

	if (s->s_p != NULL && s->s_len + n <= s->s_max)
		memcpy(s->s_p + s->s_len, p, n);
	s->s_len += n;
	return OTS_OK;
}

/* Decrypts the target's container under key; OTS_OK only when it all
 * authenticates.  Plaintext goes to s. */
static enum ots_err
open_file(const struct target *t, const uint8_t *key, struct sink *s)
{
	int fd = open(t->t_file, O_RDONLY);
	enum ots_err e;

	cr_assert(fd >= 0, "cannot open %s", t->t_file);
	e = ots_box_decrypt_fd(key, &t->t_id, fd, collect, s);
	close(fd);
	return e;
}

/* True when anything of the target opens under this pair of keys. */
static bool
opens(const struct target *t, const uint8_t *k_meta, const uint8_t *k_file)
{
	struct ots_meta m;
	struct sink s = { NULL, 0, 0 };

	if (ots_meta_open(k_meta, &t->t_id, t->t_meta, t->t_meta_len, &m) !=
	    OTS_ERR_AUTH)
		return true;
	if (t->t_protected && ots_meta_open_check(k_file, &t->t_id,
	    OTS_CHECK_PASSWORD, t->t_check, sizeof(t->t_check)) == OTS_OK)
		return true;
	return open_file(t, k_file, &s) == OTS_OK || s.s_len > 0;
}

static void
read_target(redisContext *c, const char *id, const char *copy,
    struct target *t)
{
	redisReply *r;

	memset(t, 0, sizeof(*t));
	cr_assert_eq(ots_tok_parse(id, strlen(id), &t->t_id), OTS_OK);
	r = redisCommand(c, "HMGET ots:{%s}:s meta check salt kdf", id);
	cr_assert(r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 4);
	cr_assert(r->element[0]->type == REDIS_REPLY_STRING, "no share %s", id);
	cr_assert_leq(r->element[0]->len, sizeof(t->t_meta));
	memcpy(t->t_meta, r->element[0]->str, r->element[0]->len);
	t->t_meta_len = r->element[0]->len;
	if (r->element[1]->type == REDIS_REPLY_STRING) {
		t->t_protected = true;
		cr_assert_eq(r->element[1]->len, sizeof(t->t_check));
		memcpy(t->t_check, r->element[1]->str, sizeof(t->t_check));
		cr_assert_eq(r->element[2]->len, sizeof(t->t_salt));
		memcpy(t->t_salt, r->element[2]->str, sizeof(t->t_salt));
		cr_assert_eq(sscanf(r->element[3]->str, "%u,%u,%u",
		    &t->t_kdf.kp_mem_kib, &t->t_kdf.kp_time,
		    &t->t_kdf.kp_lanes), 3);
	}
	freeReplyObject(r);
	snprintf(t->t_file, sizeof(t->t_file), "%s/files/%s", copy, id);
}

/* PUT with Accept: application/json; fills l and the owner token. */
static void
upload_json(const char *name, const void *data, size_t len,
    const char *password, struct link *l, char owner[23])
{
	char path[256], pwh[256];
	const char *h[] = { "Accept: application/json", NULL, NULL };
	struct http_resp r;
	const char *o;

	if (password != NULL) {
		snprintf(pwh, sizeof(pwh), "X-Password: %s", password);
		h[1] = pwh;
		record_secret(password);
	}
	record_secret(name);
	snprintf(path, sizeof(path), "/api/v1/files/%s", name);
	cr_assert_eq(http_do("PUT", path, h, data, len, &r), 0);
	cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
	cr_assert(link_parse(r.body, l));
	o = strstr(r.body, "\"owner_token\":\"");
	cr_assert(o != NULL);
	memcpy(owner, o + strlen("\"owner_token\":\""), 22);
	owner[22] = '\0';
	record_secret(owner);
	http_resp_free(&r);
}

static bool
blobs_contain(const void *needle, size_t len)
{
	size_t i;

	for (i = 0; i < nblobs; i++) {
		if (memmem(blobs[i].b_p, blobs[i].b_len, needle, len) != NULL)
			return true;
	}
	return false;
}

Test(atrest, a_copy_of_disk_and_redis_opens_nothing_without_the_link)
{
	enum { N = 3, SIZE = 200000 };
	static const char *const names[N] = { "atrest-plain-report.pdf",
		"atrest-protected-minutes.txt", "atrest-claimed-notes.txt" };
	static uint8_t data[N][SIZE];
	struct link links[N];
	char owners[N][23], copy[1024], cmd[4096], sock[1024];
	struct target t[2];
	struct http_resp r;
	redisContext *c;
	uint8_t pw_key[OTS_KEY_BYTES];
	struct ots_keys keys;
	size_t i, j, tries = 0;

	cr_assert(sodium_init() >= 0);
	for (i = 0; i < N; i++) {
		fill_pattern(data[i], SIZE, (uint32_t)(900 + i));
		upload_json(names[i], data[i], SIZE, i == 1 ? PASSWORD : NULL,
		    &links[i], owners[i]);
	}
	/* A claimed share leaves its receipt (and the owner token's hash). */
	cr_assert_eq(claim(links[2].id, links[2].key, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);

	/* The copy: the data folder as files, Redis as values and dumps. */
	snprintf(copy, sizeof(copy), "%s/atrest-copy", itest_state());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s/data' '%s'", copy,
	    itest_state(), copy);
	cr_assert_eq(system(cmd), 0);
	take_dir(copy);
	take_redis();
	mine();
	cr_log_info("copy: %zu blobs; trying %zu candidate secrets and %zu "
	    "raw keys", nblobs, ntoks, nraw);
	cr_assert_gt(ntoks, 10);
	cr_assert_gt(nraw, 10);

	/* No plaintext, link key, owner token, password or name in it. */
	cr_assert(memmem(data[0], SIZE, PLAINTEXT_MARKER,
	    strlen(PLAINTEXT_MARKER)) != NULL, "the payload has no marker");
	cr_assert(!blobs_contain(PLAINTEXT_MARKER, strlen(PLAINTEXT_MARKER)),
	    "plaintext in the copy");
	cr_assert(!blobs_contain(PASSWORD, strlen(PASSWORD)));
	for (i = 0; i < N; i++) {
		cr_assert(!blobs_contain(links[i].key, strlen(links[i].key)),
		    "a link key in the copy");
		cr_assert(!blobs_contain(owners[i], strlen(owners[i])),
		    "an owner token in the copy");
		cr_assert(!blobs_contain(names[i], strlen(names[i])),
		    "a file name in the copy");
		cr_assert(!blobs_contain(data[i] + 4096 + 20, 64),
		    "a payload's bytes in the copy");
	}

	snprintf(sock, sizeof(sock), "%s/run/redis.sock", itest_state());
	c = redisConnectUnix(sock);
	cr_assert(c != NULL && c->err == 0);
	read_target(c, links[0].id, copy, &t[0]);
	read_target(c, links[1].id, copy, &t[1]);
	redisFree(c);
	cr_assert(!t[0].t_protected && t[1].t_protected);

	/* The control: with the link (and the password), the very same
	 * functions open everything, byte for byte. */
	cr_assert_eq(ots_kdf_password(PASSWORD, strlen(PASSWORD), t[1].t_salt,
	    &t[1].t_kdf, pw_key), OTS_OK);
	for (i = 0; i < 2; i++) {
		struct ots_tok secret;
		struct ots_meta m;
		struct sink s = { malloc(SIZE), 0, SIZE };

		cr_assert_eq(ots_tok_parse(links[i].key, strlen(links[i].key),
		    &secret), OTS_OK);
		ots_kdf_share_keys(&secret, &t[i].t_id, i == 1 ? pw_key : NULL,
		    &keys);
		cr_assert_eq(ots_meta_open(keys.k_meta, &t[i].t_id,
		    t[i].t_meta, t[i].t_meta_len, &m), OTS_OK);
		cr_assert_str_eq(m.m_name, names[i]);
		cr_assert_eq(open_file(&t[i], keys.k_file, &s), OTS_OK);
		cr_assert_eq(s.s_len, (size_t)SIZE);
		cr_assert(memcmp(s.s_p, data[i], SIZE) == 0);
		if (i == 1)
			cr_assert_eq(ots_meta_open_check(keys.k_file,
			    &t[i].t_id, OTS_CHECK_PASSWORD, t[i].t_check,
			    sizeof(t[i].t_check)), OTS_OK);
		free(s.s_p);
	}

	/* The attack: every candidate as the link secret (for the protected
	 * share even with the right password's key), every raw candidate as
	 * a key itself. */
	for (i = 0; i < 2; i++) {
		for (j = 0; j < ntoks; j++) {
			ots_kdf_share_keys(&toks[j], &t[i].t_id, NULL, &keys);
			cr_assert(!opens(&t[i], keys.k_meta, keys.k_file),
			    "share %zu opened with candidate %zu", i, j);
			tries++;
			if (!t[i].t_protected)
				continue;
			ots_kdf_share_keys(&toks[j], &t[i].t_id, pw_key, &keys);
			cr_assert(!opens(&t[i], keys.k_meta, keys.k_file),
			    "share %zu opened with candidate %zu and the "
			    "password", i, j);
			tries++;
		}
		for (j = 0; j < nraw; j++) {
			cr_assert(!opens(&t[i], raw_keys[j], raw_keys[j]),
			    "share %zu opened with raw key %zu", i, j);
			tries++;
		}
	}
	cr_log_info("%zu attempts on 2 shares, none opened anything", tries);
	ots_kdf_keys_wipe(&keys);
	sodium_memzero(pw_key, sizeof(pw_key));

	/* The shares still work for their receivers. */
	cr_assert_eq(claim(links[0].id, links[0].key, &r), 0);
	cr_assert_eq(r.status, 200);
	http_resp_free(&r);
	cr_assert_eq(claim_pw(links[1].id, links[1].key, "at-rest%20password"
	    "%2C%20never%20stored", &r), 0);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", copy);
	cr_assert_eq(system(cmd), 0);
	for (i = 0; i < nblobs; i++)
		free(blobs[i].b_p);
	free(blobs);
	free(toks);
	free(raw_keys);
}
