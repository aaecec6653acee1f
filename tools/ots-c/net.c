#include "net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ots_util.h"

#include "progress.h"

/* Bodies kept in memory (JSON answers, error bodies), at most. */
#define KEEP_MAX (1u << 20)

struct collect {
	char *c_p;
	size_t c_len;
	bool c_over;
};

struct body_ctx {
	CURL *b_curl;
	const struct net_req *b_rq;
	struct net_resp *b_out;
	struct collect b_keep;
};

static bool
collect_add(struct collect *c, const char *p, size_t n)
{
	char *np;

	if (c->c_len + n > KEEP_MAX) {
		c->c_over = true;
		return false;
	}
	np = realloc(c->c_p, c->c_len + n + 1);
	if (np == NULL)
		return false;
	memcpy(np + c->c_len, p, n);
	c->c_p = np;
	c->c_len += n;
	c->c_p[c->c_len] = '\0';
	return true;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body_ctx *b = arg;
	long status = 0;

	n *= size;
	curl_easy_getinfo(b->b_curl, CURLINFO_RESPONSE_CODE, &status);
	if (b->b_rq->nq_sink != NULL && status >= 200 && status < 300) {
		if (!b->b_rq->nq_sink(b->b_rq->nq_sink_ctx, status,
		    (const uint8_t *)p, n)) {
			b->b_out->nr_sink_stopped = true;
			return 0;
		}
		return n;
	}
	return collect_add(&b->b_keep, p, n) ? n : 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct collect *h = arg;

	n *= size;
	/* A new header block (after a 100 Continue) replaces the last. */
	if (n > 5 && strncmp(p, "HTTP/", 5) == 0)
		h->c_len = 0;
	return collect_add(h, p, n) ? n : 0;
}

/* The body read from the request's descriptor. */
static size_t
on_read(char *p, size_t size, size_t n, void *arg)
{
	const struct net_req *rq = arg;
	ssize_t got;

	do
		got = read(rq->nq_fd, p, size * n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct progress *p = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	progress_at(p, p->pg_base + (uint64_t)ulnow);
	return 0;
}

bool
net_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

bool
net_do(const struct net_req *rq, struct net_resp *out, char *err,
    size_t errlen)
{
	struct body_ctx b;
	struct collect h = { NULL, 0, false };
	struct curl_slist *hl = NULL, *nl;
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	CURL *c;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	c = curl_easy_init();
	if (c == NULL) {
		snprintf(err, errlen, "cannot set up libcurl");
		return false;
	}
	for (i = 0; rq->nq_headers != NULL && rq->nq_headers[i] != NULL; i++) {
		nl = curl_slist_append(hl, rq->nq_headers[i]);
		if (nl == NULL)
			break;
		hl = nl;
	}
	/* curl adds Expect: 100-continue to large bodies: a round trip. */
	nl = curl_slist_append(hl, "Expect:");
	if (nl != NULL)
		hl = nl;
	b.b_curl = c;
	b.b_rq = rq;
	b.b_out = out;
	curl_easy_setopt(c, CURLOPT_URL, rq->nq_url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->nq_method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (strcmp(rq->nq_method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (rq->nq_fd_body) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, rq);
		if (rq->nq_fd_len != NET_LEN_UNKNOWN)
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)rq->nq_fd_len);
	} else if (rq->nq_body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->nq_body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->nq_body_len);
	}
	if (rq->nq_progress != NULL) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, rq->nq_progress);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->nr_status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	out->nr_body = b.b_keep.c_p != NULL ? b.b_keep.c_p : calloc(1, 1);
	out->nr_len = b.b_keep.c_len;
	out->nr_headers = h.c_p != NULL ? h.c_p : calloc(1, 1);
	if (rc == CURLE_OK || (out->nr_sink_stopped &&
	    rc == CURLE_WRITE_ERROR))
		return out->nr_body != NULL && out->nr_headers != NULL;
	snprintf(err, errlen, "%s (curl %d)", ebuf[0] != '\0' ? ebuf :
	    curl_easy_strerror(rc), (int)rc);
	return false;
}

void
net_resp_free(struct net_resp *r)
{
	free(r->nr_body);
	free(r->nr_headers);
	memset(r, 0, sizeof(*r));
}

char *
net_header(const struct net_resp *r, const char *name)
{
	size_t n = strlen(name);
	const char *line = r->nr_headers;

	while (line != NULL && *line != '\0') {
		const char *end = strstr(line, "\r\n");
		size_t llen = end != NULL ? (size_t)(end - line) : strlen(line);

		if (llen > n && strncasecmp(line, name, n) == 0 &&
		    line[n] == ':') {
			const char *v = line + n + 1;

			while (*v == ' ')
				v++;
			return strndup(v, llen - (size_t)(v - line));
		}
		line = end != NULL ? end + 2 : NULL;
	}
	return NULL;
}

/* Where field's value starts in body, or NULL. */
static const char *
json_value(const char *body, const char *field)
{
	char pat[80];
	const char *p;

	if (snprintf(pat, sizeof(pat), "\"%s\":", field) >= (int)sizeof(pat))
		return NULL;
	p = strstr(body, pat);
	return p != NULL ? p + strlen(pat) : NULL;
}

bool
json_str(const char *body, const char *field, char *out, size_t max)
{
	const char *p = json_value(body, field);
	size_t n = 0;

	if (p == NULL || *p++ != '"')
		return false;
	while (p[n] != '"') {
		if (p[n] == '\0' || p[n] == '\\' || n + 1 >= max)
			return false;
		n++;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

bool
json_u64(const char *body, const char *field, uint64_t *out)
{
	const char *p = json_value(body, field);
	uint64_t v = 0;

	if (p == NULL || *p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool
json_bool(const char *body, const char *field, bool *out)
{
	const char *p = json_value(body, field);

	if (p != NULL && strncmp(p, "true", 4) == 0)
		*out = true;
	else if (p != NULL && strncmp(p, "false", 5) == 0)
		*out = false;
	else
		return false;
	return true;
}

/* Four hex digits at p; -1 when not. */
static long
hex4(const char *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int d = ots_hexval(p[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Appends code point cp as UTF-8; false when out is full. */
static bool
put_utf8(unsigned long cp, char *out, size_t max, size_t *n)
{
	char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*n + k >= max)
		return false;
	memcpy(out + *n, b, k);
	*n += k;
	return true;
}

/* The escape after a backslash at *pp (moved past it) into out. */
static bool
unescape(const char **pp, char *out, size_t max, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p = *pp, *hit;
	long cp, lo;

	if (*p == 'u') {
		cp = hex4(p + 1);
		p += 5;
		if (cp >= 0xd800 && cp < 0xdc00) {
			if (p[0] != '\\' || p[1] != 'u')
				return false;
			lo = hex4(p + 2);
			if (lo < 0xdc00 || lo > 0xdfff)
				return false;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		}
		*pp = p;
		if (cp <= 0 || (cp >= 0xdc00 && cp < 0xe000))
			return false;
		return put_utf8((unsigned long)cp, out, max, n);
	}
	hit = *p != '\0' ? strchr(from, *p) : NULL;
	if (hit == NULL || *n + 1 >= max)
		return false;
	out[(*n)++] = to[hit - from];
	*pp = p + 1;
	return true;
}

bool
json_text(const char *body, const char *field, char *out, size_t max)
{
	const char *p = json_value(body, field);
	size_t n = 0;

	if (p == NULL || *p++ != '"' || max == 0)
		return false;
	while (*p != '"') {
		if (*p == '\0' || (unsigned char)*p < 0x20)
			return false;
		if (*p == '\\') {
			p++;
			if (!unescape(&p, out, max, &n))
				return false;
			continue;
		}
		if (n + 1 >= max)
			return false;
		out[n++] = *p++;
	}
	out[n] = '\0';
	return true;
}

bool
json_obj(const char *body, const char *field, char *out, size_t max)
{
	const char *p = json_value(body, field), *end;

	if (p == NULL || *p != '{')
		return false;
	end = strchr(p, '}');
	if (end == NULL || memchr(p + 1, '{', (size_t)(end - p - 1)) != NULL ||
	    (size_t)(end - p) + 2 > max)
		return false;
	memcpy(out, p, (size_t)(end - p) + 1);
	out[end - p + 1] = '\0';
	return true;
}
