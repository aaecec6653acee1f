#include "ots_store_s3.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_alloc.h"
#include "ots_log.h"
#include "ots_banned.h"

#define MOD "store"
/* Idle handles kept; more are made when more threads ask at once. */
#define POOL_MAX 64
/* A listing page of the sweep. */
#define LIST_PAGE 500
/* "files/" + an id */
#define KEY_PREFIX "files/"
/* "parts/" + an id + "/" + the part's offset in 20 digits, so that a
 * listing comes in offset order. */
#define PARTS_PREFIX "parts/"
#define OFFSET_DIGITS 20

struct ots_store_s3 {
	const struct ots_s3_conf *p_conf;
	unsigned p_timeout_ms;
	pthread_mutex_t p_mu;
	struct ots_s3 *p_idle[POOL_MAX];
	unsigned p_nidle;
};

enum ots_err
ots_store_s3_new(const struct ots_s3_conf *conf, unsigned timeout_ms,
    struct ots_store_s3 **out)
{
	struct ots_store_s3 *p;

	if (ots_s3_global_init() != OTS_OK)
		return OTS_ERR_NOMEM;
	p = ots_calloc(1, sizeof(*p));
	if (p == NULL)
		return OTS_ERR_NOMEM;
	p->p_conf = conf;
	p->p_timeout_ms = timeout_ms;
	if (pthread_mutex_init(&p->p_mu, NULL) != 0) {
		ots_free(p);
		return OTS_ERR_NOMEM;
	}
	*out = p;
	return OTS_OK;
}

void
ots_store_s3_free(struct ots_store_s3 *p)
{
	unsigned i;

	if (p == NULL)
		return;
	for (i = 0; i < p->p_nidle; i++)
		ots_s3_free(p->p_idle[i]);
	pthread_mutex_destroy(&p->p_mu);
	ots_free(p);
}

static enum ots_err
take(struct ots_store_s3 *p, struct ots_s3 **s)
{
	*s = NULL;
	pthread_mutex_lock(&p->p_mu);
	if (p->p_nidle > 0)
		*s = p->p_idle[--p->p_nidle];
	pthread_mutex_unlock(&p->p_mu);
	if (*s != NULL)
		return OTS_OK;
	return ots_s3_new(p->p_conf, p->p_timeout_ms, s);
}

static void
give(struct ots_store_s3 *p, struct ots_s3 *s)
{
	pthread_mutex_lock(&p->p_mu);
	if (p->p_nidle < POOL_MAX) {
		p->p_idle[p->p_nidle++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&p->p_mu);
	ots_s3_free(s);
}

static void
key_of(const struct ots_tok *id, char key[OTS_S3_KEY_MAX])
{
	if (ots_str_fmt(key, OTS_S3_KEY_MAX, KEY_PREFIX "%s", id->t_str) !=
	    OTS_OK)
		OTS_ASSERT(!"an object key does not fit");
}

enum ots_err
ots_store_s3_put(struct ots_store_s3 *p, const struct ots_tok *id, int fd,
    uint64_t len, bool exclusive)
{
	char key[OTS_S3_KEY_MAX];
	struct ots_s3 *s;
	uint64_t size = 0;
	enum ots_err e;

	key_of(id, key);
	if ((e = take(p, &s)) != OTS_OK)
		return e;
	if (len <= p->p_conf->sc_part_size) {
		e = ots_s3_put_fd(s, key, fd, len, exclusive);
	} else if (exclusive) {
		/* A multipart upload cannot be made exclusive; client-drawn
		 * ids come with one-request uploads, which fit one PUT
		 * (OTS_S3_PART_SIZE >= OTS_UPLOAD_PART_MAX), so a HEAD
		 * guards against a bug, not a race. */
		e = ots_s3_head(s, key, &size);
		if (e == OTS_OK)
			e = OTS_ERR_INVAL;
		else if (e == OTS_ERR_NOTFOUND)
			e = ots_s3_put_fd(s, key, fd, len, false);
	} else {
		e = ots_s3_put_fd(s, key, fd, len, false);
	}
	give(p, s);
	return e;
}

/* A GET written into an fd. */
struct sink {
	int k_fd;
	uint64_t k_at;
};

static enum ots_err
sink_start(void *ctx, uint64_t size)
{
	(void)ctx;
	(void)size;
	return OTS_OK;
}

static enum ots_err
sink_push(void *ctx, const uint8_t *b, size_t n)
{
	struct sink *k = ctx;

	while (n > 0) {
		ssize_t w = pwrite(k->k_fd, b, n, (off_t)k->k_at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno == ENOSPC || errno == EDQUOT ?
			    OTS_ERR_NOSPACE : OTS_ERR_IO;
		b += w;
		n -= (size_t)w;
		k->k_at += (uint64_t)w;
	}
	return OTS_OK;
}

enum ots_err
ots_store_s3_fetch(struct ots_store_s3 *p, const struct ots_tok *id, int fd)
{
	char key[OTS_S3_KEY_MAX];
	struct sink k = { fd, 0 };
	struct ots_s3 *s;
	enum ots_err e;

	key_of(id, key);
	if ((e = take(p, &s)) != OTS_OK)
		return e;
	e = ots_s3_get(s, key, 0, sink_start, sink_push, &k);
	give(p, s);
	return e;
}

/* A claim streamed from the bucket: the caller's hooks, and what the
 * start needs to delete the object once the claim is won. */
struct claim_get {
	struct ots_s3 *g_s3;
	const char *g_key;
	ots_store_start_fn g_start;
	ots_store_push_fn g_push;
	void *g_ctx;
};

static enum ots_err
claim_get_start(void *ctx, uint64_t size)
{
	struct claim_get *g = ctx;
	enum ots_err e;

	e = g->g_start(g->g_ctx, size);
	if (e != OTS_OK)
		return e;
	/* Won: the object leaves the bucket before its first byte leaves
	 * this process; the GET under way goes on. */
	if (ots_s3_delete(g->g_s3, g->g_key) != OTS_OK)
		ots_log_warn(MOD, "the bucket kept a claimed share's object: "
		    "the sweeper deletes it");
	return OTS_OK;
}

static enum ots_err
claim_get_push(void *ctx, const uint8_t *b, size_t n)
{
	struct claim_get *g = ctx;

	return g->g_push(g->g_ctx, b, n);
}

enum ots_err
ots_store_s3_stream(struct ots_store_s3 *p, const struct ots_tok *id,
    ots_store_start_fn start, ots_store_push_fn push, void *ctx)
{
	char key[OTS_S3_KEY_MAX];
	struct claim_get g;
	enum ots_err e;

	key_of(id, key);
	g = (struct claim_get){ NULL, key, start, push, ctx };
	if ((e = take(p, &g.g_s3)) != OTS_OK)
		return e;
	e = ots_s3_get(g.g_s3, key, 0, claim_get_start, claim_get_push, &g);
	give(p, g.g_s3);
	return e;
}

enum ots_err
ots_store_s3_delete(struct ots_store_s3 *p, const struct ots_tok *id)
{
	char key[OTS_S3_KEY_MAX];
	struct ots_s3 *s;
	enum ots_err e;

	key_of(id, key);
	if ((e = take(p, &s)) != OTS_OK)
		return e;
	e = ots_s3_delete(s, key);
	give(p, s);
	return e;
}

static void
parts_prefix_of(const struct ots_tok *id, char key[OTS_S3_KEY_MAX])
{
	if (ots_str_fmt(key, OTS_S3_KEY_MAX, PARTS_PREFIX "%s/", id->t_str) !=
	    OTS_OK)
		OTS_ASSERT(!"an object key does not fit");
}

static void
part_key_of(const struct ots_tok *id, uint64_t offset,
    char key[OTS_S3_KEY_MAX])
{
	if (ots_str_fmt(key, OTS_S3_KEY_MAX, PARTS_PREFIX "%s/%020llu",
	    id->t_str, (unsigned long long)offset) != OTS_OK)
		OTS_ASSERT(!"an object key does not fit");
}

/* The offset a part object's key names (after its prefix), or false. */
static bool
part_offset(const char *key, size_t prefix_len, uint64_t *offset)
{
	const char *d = key + prefix_len;
	uint64_t v = 0;
	size_t i;

	if (strlen(d) != OFFSET_DIGITS)
		return false;
	for (i = 0; i < OFFSET_DIGITS; i++) {
		if (d[i] < '0' || d[i] > '9' ||
		    v > (UINT64_MAX - (uint64_t)(d[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(d[i] - '0');
	}
	*offset = v;
	return true;
}

enum ots_err
ots_store_s3_put_part(struct ots_store_s3 *p, const struct ots_tok *id,
    int fd, uint64_t offset, uint64_t len)
{
	char key[OTS_S3_KEY_MAX];
	struct ots_s3 *s;
	enum ots_err e;

	part_key_of(id, offset, key);
	if ((e = take(p, &s)) != OTS_OK)
		return e;
	e = ots_s3_put_fd_at(s, key, fd, offset, len);
	give(p, s);
	return e;
}

/* The parts of one upload, fetched in offset order up to g_upto. */
struct gather {
	struct ots_s3 *g_s3;
	size_t g_prefix_len;
	int g_fd;
	uint64_t g_upto;
	uint64_t g_end;		/* bytes in g_fd so far, without a gap */
};

static enum ots_err
gather_part(void *ctx, const struct ots_s3_object *o)
{
	struct gather *g = ctx;
	struct sink k = { g->g_fd, 0 };
	uint64_t offset;

	if (g->g_end >= g->g_upto ||
	    !part_offset(o->so_key, g->g_prefix_len, &offset))
		return OTS_OK;
	/* A gap: an earlier part is missing (never an overlap: a part
	 * retried at its offset replaces its object). */
	if (offset != g->g_end)
		return OTS_ERR_NOTFOUND;
	k.k_at = offset;
	if (ots_s3_get(g->g_s3, o->so_key, 0, sink_start, sink_push, &k) !=
	    OTS_OK)
		return OTS_ERR_STORE;
	if (k.k_at - offset != o->so_size)
		return OTS_ERR_STORE;
	g->g_end = k.k_at;
	return OTS_OK;
}

enum ots_err
ots_store_s3_fetch_parts(struct ots_store_s3 *p, const struct ots_tok *id,
    int fd, uint64_t upto)
{
	char prefix[OTS_S3_KEY_MAX], token[OTS_S3_TOKEN_MAX],
	    next[OTS_S3_TOKEN_MAX];
	struct gather g;
	enum ots_err e;

	parts_prefix_of(id, prefix);
	memset(&g, 0, sizeof(g));
	g.g_prefix_len = strlen(prefix);
	g.g_fd = fd;
	g.g_upto = upto;
	if ((e = take(p, &g.g_s3)) != OTS_OK)
		return e;
	token[0] = '\0';
	do {
		e = ots_s3_list(g.g_s3, prefix, token, LIST_PAGE, gather_part,
		    &g, next);
		memcpy(token, next, sizeof(token));
	} while (e == OTS_OK && token[0] != '\0' && g.g_end < upto);
	give(p, g.g_s3);
	if (e != OTS_OK)
		return e;
	if (g.g_end < upto)
		return OTS_ERR_NOTFOUND;
	/* A part past upto was sent but never counted: not this upload's
	 * bytes yet. */
	if (g.g_end > upto && ftruncate(fd, (off_t)upto) != 0)
		return OTS_ERR_IO;
	return OTS_OK;
}

/* Deletes each object listed. */
static enum ots_err
delete_listed(void *ctx, const struct ots_s3_object *o)
{
	return ots_s3_delete(ctx, o->so_key);
}

enum ots_err
ots_store_s3_delete_parts(struct ots_store_s3 *p, const struct ots_tok *id)
{
	char prefix[OTS_S3_KEY_MAX], token[OTS_S3_TOKEN_MAX],
	    next[OTS_S3_TOKEN_MAX];
	struct ots_s3 *s;
	enum ots_err e;

	parts_prefix_of(id, prefix);
	if ((e = take(p, &s)) != OTS_OK)
		return e;
	token[0] = '\0';
	do {
		e = ots_s3_list(s, prefix, token, LIST_PAGE, delete_listed, s,
		    next);
		memcpy(token, next, sizeof(token));
	} while (e == OTS_OK && token[0] != '\0');
	give(p, s);
	return e;
}

struct sweep {
	ots_store_visit_fn w_fn;
	void *w_ctx;
	uint64_t w_files, w_bytes, w_removed;
	struct ots_s3 *w_s3;
};

static enum ots_err
visit(void *ctx, const struct ots_s3_object *o)
{
	struct sweep *w = ctx;
	const char *name = o->so_key + strlen(KEY_PREFIX);
	struct ots_tok t;
	bool remove = false;
	enum ots_err e = OTS_OK;

	/* Only what could be ours: files/ and an id. */
	if (strncmp(o->so_key, KEY_PREFIX, strlen(KEY_PREFIX)) != 0 ||
	    strlen(name) != OTS_TOK_CHARS ||
	    ots_tok_parse(name, OTS_TOK_CHARS, &t) != OTS_OK)
		return OTS_OK;
	if (w->w_fn != NULL)
		e = w->w_fn(w->w_ctx, name, o->so_mtime, &remove);
	if (e != OTS_OK)
		return e;
	if (remove) {
		if (ots_s3_delete(w->w_s3, o->so_key) == OTS_OK)
			w->w_removed++;
		return OTS_OK;
	}
	w->w_files++;
	w->w_bytes += o->so_size;
	return OTS_OK;
}

/* Every object under prefix, page by page, through visitor: a sweep. */
static enum ots_err
sweep_prefix(struct ots_store_s3 *p, const char *prefix,
    ots_s3_list_fn visitor, struct sweep *w)
{
	char token[OTS_S3_TOKEN_MAX], next[OTS_S3_TOKEN_MAX];
	enum ots_err e;

	if ((e = take(p, &w->w_s3)) != OTS_OK)
		return e;
	token[0] = '\0';
	do {
		e = ots_s3_list(w->w_s3, prefix, token, LIST_PAGE, visitor, w,
		    next);
		memcpy(token, next, sizeof(token));
	} while (e == OTS_OK && token[0] != '\0');
	give(p, w->w_s3);
	return e;
}

enum ots_err
ots_store_s3_scan(struct ots_store_s3 *p, ots_store_visit_fn fn, void *ctx,
    uint64_t *removed, uint64_t *files, uint64_t *bytes)
{
	struct sweep w;
	enum ots_err e;

	memset(&w, 0, sizeof(w));
	w.w_fn = fn;
	w.w_ctx = ctx;
	e = sweep_prefix(p, KEY_PREFIX, visit, &w);
	if (removed != NULL)
		*removed = w.w_removed;
	if (files != NULL)
		*files = w.w_files;
	if (bytes != NULL)
		*bytes = w.w_bytes;
	return e;
}

/* One part object of the sweep: parts/ID/OFFSET, judged by its upload. */
static enum ots_err
visit_part(void *ctx, const struct ots_s3_object *o)
{
	struct sweep *w = ctx;
	const char *name = o->so_key + strlen(PARTS_PREFIX);
	char id[OTS_TOK_CHARS + 1];
	struct ots_tok t;
	uint64_t offset;
	bool remove = false;
	enum ots_err e;

	if (strncmp(o->so_key, PARTS_PREFIX, strlen(PARTS_PREFIX)) != 0 ||
	    strlen(name) != OTS_TOK_CHARS + 1 + OFFSET_DIGITS ||
	    name[OTS_TOK_CHARS] != '/' ||
	    !part_offset(name, OTS_TOK_CHARS + 1, &offset) ||
	    ots_tok_parse(name, OTS_TOK_CHARS, &t) != OTS_OK)
		return OTS_OK;
	memcpy(id, name, OTS_TOK_CHARS);
	id[OTS_TOK_CHARS] = '\0';
	e = w->w_fn(w->w_ctx, id, o->so_mtime, &remove);
	if (e != OTS_OK || !remove)
		return e;
	if (ots_s3_delete(w->w_s3, o->so_key) == OTS_OK)
		w->w_removed++;
	return OTS_OK;
}

enum ots_err
ots_store_s3_scan_parts(struct ots_store_s3 *p, ots_store_visit_fn fn,
    void *ctx, uint64_t *removed)
{
	struct sweep w;
	enum ots_err e;

	memset(&w, 0, sizeof(w));
	w.w_fn = fn;
	w.w_ctx = ctx;
	e = sweep_prefix(p, PARTS_PREFIX, visit_part, &w);
	*removed = w.w_removed;
	return e;
}

enum ots_err
ots_store_s3_probe(struct ots_store_s3 *p)
{
	char key[64];
	struct ots_s3 *s;
	enum ots_err e;
	int fd;

	if (ots_str_fmt(key, sizeof(key), "probe/%ld-%08x", (long)getpid(),
	    (unsigned)randombytes_random()) != OTS_OK)
		return OTS_ERR_INVAL;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return OTS_ERR_IO;
	if ((e = take(p, &s)) != OTS_OK) {
		close(fd);
		return e;
	}
	e = ots_s3_put_fd(s, key, fd, 0, false);
	if (e == OTS_OK)
		e = ots_s3_delete(s, key);
	give(p, s);
	close(fd);
	return e;
}
