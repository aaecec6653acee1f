#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

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
		if (!b->b_rq->nq_sink(b->b_rq->nq_sink_ctx, (const uint8_t *)p,
		    n)) {
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
	if (rq->nq_body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->nq_body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->nq_body_len);
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
	snprintf(err, errlen, "%s", ebuf[0] != '\0' ? ebuf :
	    curl_easy_strerror(rc));
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
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return true;
}
