#include "ots_mp.h"

#include <string.h>

#include "ots_alloc.h"
#include "ots_buf.h"
#include "ots_banned.h"

/* "\r\n--" + boundary */
#define DELIM_MAX (4u + OTS_MP_BOUNDARY_MAX)

enum mp_state {
	S_PREAMBLE,	/* before the first delimiter: discarded */
	S_AFTER_DELIM,	/* after a delimiter: "--", or padding and CRLF */
	S_AFTER_DASH,	/* one '-' seen: the second one closes */
	S_DELIM_LF,	/* CR seen after a delimiter */
	S_HEADERS,	/* a part's header block */
	S_BODY,		/* a part's content */
	S_DONE		/* after the closing delimiter: epilogue ignored */
};

struct ots_mp {
	enum mp_state m_state;
	enum ots_err m_err;
	uint8_t m_delim[DELIM_MAX];
	size_t m_delim_len;
	size_t m_fail[DELIM_MAX];	/* KMP failure function of m_delim */
	size_t m_match;			/* delimiter bytes matched so far */
	struct ots_buf m_hdr;
	unsigned m_parts;
	struct ots_mp_part m_part;
	const struct ots_mp_cb *m_cb;
	void *m_ctx;
};

static int
is_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("'()+_,-./:=? ",
	    c) != NULL);
}

static int
is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void
skip_ows(const char *s, size_t len, size_t *i)
{
	while (*i < len && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
}

/*
 * Reads one parameter "name=value" (value a token or a quoted-string)
 * at s[*i]; name is lower-cased into key, value unquoted into val.
 * Returns OTS_ERR_INVAL on bad syntax; values over vmax are cut (the
 * caller's limits decide) but still consumed.
 */
static enum ots_err
read_param(const char *s, size_t len, size_t *i, char *key, size_t kmax,
    char *val, size_t vmax, size_t *vlen)
{
	size_t k = 0, v = 0;

	while (*i < len && is_tchar(s[*i])) {
		if (k < kmax)
			key[k++] = lower(s[*i]);
		(*i)++;
	}
	key[k] = '\0';
	if (k == 0)
		return OTS_ERR_INVAL;
	skip_ows(s, len, i);
	if (*i >= len || s[*i] != '=')
		return OTS_ERR_INVAL;
	(*i)++;
	skip_ows(s, len, i);
	if (*i < len && s[*i] == '"') {
		(*i)++;
		for (;;) {
			char c;

			if (*i >= len)
				return OTS_ERR_INVAL;
			c = s[(*i)++];
			if (c == '"')
				break;
			if (c == '\\') {
				if (*i >= len)
					return OTS_ERR_INVAL;
				c = s[(*i)++];
			}
			if (v < vmax)
				val[v++] = c;
		}
	} else {
		while (*i < len && is_tchar(s[*i])) {
			if (v < vmax)
				val[v++] = s[*i];
			(*i)++;
		}
		if (v == 0)
			return OTS_ERR_INVAL;
	}
	val[v] = '\0';
	*vlen = v;
	skip_ows(s, len, i);
	return OTS_OK;
}

enum ots_err
ots_mp_boundary(const char *ctype, size_t len,
    char out[OTS_MP_BOUNDARY_MAX + 1])
{
	static const char type[] = "multipart/form-data";
	size_t i = sizeof(type) - 1;
	int have = 0;

	if (len < i || !ots_str_eq_nocase((struct ots_str){ ctype, i },
	    type))
		return OTS_ERR_INVAL;
	skip_ows(ctype, len, &i);
	while (i < len) {
		char key[16];
		char val[OTS_MP_BOUNDARY_MAX + 2];
		size_t vlen = 0, j;
		enum ots_err e;

		if (ctype[i] != ';')
			return OTS_ERR_INVAL;
		i++;
		skip_ows(ctype, len, &i);
		if (i == len)
			break;
		e = read_param(ctype, len, &i, key, sizeof(key) - 1, val,
		    sizeof(val) - 1, &vlen);
		if (e != OTS_OK)
			return e;
		if (strcmp(key, "boundary") != 0)
			continue;
		if (have || vlen == 0 || vlen > OTS_MP_BOUNDARY_MAX ||
		    val[vlen - 1] == ' ')
			return OTS_ERR_INVAL;
		for (j = 0; j < vlen; j++) {
			if (!is_bchar(val[j]))
				return OTS_ERR_INVAL;
		}
		memcpy(out, val, vlen + 1);
		have = 1;
	}
	return have ? OTS_OK : OTS_ERR_INVAL;
}

enum ots_err
ots_mp_new(const char *boundary, const struct ots_mp_cb *cb, void *ctx,
    struct ots_mp **out)
{
	struct ots_mp *mp;
	size_t blen = strlen(boundary), i, k;

	*out = NULL;
	if (blen == 0 || blen > OTS_MP_BOUNDARY_MAX)
		return OTS_ERR_INVAL;
	mp = ots_calloc(1, sizeof(*mp));
	if (mp == NULL)
		return OTS_ERR_NOMEM;
	memcpy(mp->m_delim, "\r\n--", 4);
	memcpy(mp->m_delim + 4, boundary, blen);
	mp->m_delim_len = 4 + blen;
	/* KMP: m_fail[i] = longest proper prefix of delim[0..i] that is
	 * also its suffix. */
	mp->m_fail[0] = 0;
	for (i = 1, k = 0; i < mp->m_delim_len; i++) {
		while (k > 0 && mp->m_delim[i] != mp->m_delim[k])
			k = mp->m_fail[k - 1];
		if (mp->m_delim[i] == mp->m_delim[k])
			k++;
		mp->m_fail[i] = k;
	}
	/* The first delimiter may open the body without a CRLF before it
	 * (RFC 2046 §5.1.1): start as if one had been seen. */
	mp->m_match = 2;
	mp->m_state = S_PREAMBLE;
	ots_buf_init(&mp->m_hdr, OTS_MP_HEADER_MAX);
	mp->m_cb = cb;
	mp->m_ctx = ctx;
	*out = mp;
	return OTS_OK;
}

void
ots_mp_free(struct ots_mp *mp)
{
	if (mp == NULL)
		return;
	ots_buf_release(&mp->m_hdr);
	ots_free(mp);
}

static enum ots_err
emit(struct ots_mp *mp, const uint8_t *p, size_t n)
{
	if (n == 0 || mp->m_state == S_PREAMBLE)
		return OTS_OK;
	return mp->m_cb->mp_data(mp->m_ctx, p, n);
}

/*
 * Scans body (or preamble) bytes for the delimiter.  Bytes that cannot be
 * part of it are emitted; a partial match is held in m_match (its bytes
 * are m_delim's prefix, so nothing needs copying).  Sets *found and
 * returns the bytes consumed through the delimiter when it completes.
 */
static enum ots_err
scan(struct ots_mp *mp, const uint8_t *p, size_t n, size_t *used,
    int *found)
{
	const uint8_t *d = mp->m_delim;
	size_t i = 0, run = 0, m = mp->m_match;
	enum ots_err e;

	*found = 0;
	while (i < n) {
		uint8_t c;

		if (m == 0) {
			const uint8_t *r = memchr(p + i, d[0], n - i);

			if (r == NULL) {
				i = n;
				break;
			}
			i = (size_t)(r - p);
		}
		c = p[i];
		while (m > 0 && d[m] != c) {
			size_t nm = mp->m_fail[m - 1];

			e = emit(mp, p + run, i - run);
			if (e != OTS_OK)
				return e;
			run = i;
			e = emit(mp, d, m - nm);
			if (e != OTS_OK)
				return e;
			m = nm;
		}
		if (d[m] == c) {
			if (m == 0) {
				e = emit(mp, p + run, i - run);
				if (e != OTS_OK)
					return e;
			}
			m++;
			i++;
			run = i;
			if (m == mp->m_delim_len) {
				mp->m_match = 0;
				*used = i;
				*found = 1;
				return OTS_OK;
			}
		} else {
			i++;
		}
	}
	if (m == 0) {
		e = emit(mp, p + run, i - run);
		if (e != OTS_OK)
			return e;
	}
	mp->m_match = m;
	*used = n;
	return OTS_OK;
}

/* Parses a Content-Disposition value into the part. */
static enum ots_err
parse_disposition(struct ots_mp *mp, const char *v, size_t len)
{
	static const char fd[] = "form-data";
	struct ots_mp_part *pt = &mp->m_part;
	size_t i = sizeof(fd) - 1;
	int have_name = 0, have_star = 0;

	if (len < i || !ots_str_eq_nocase((struct ots_str){ v, i }, fd))
		return OTS_ERR_INVAL;
	skip_ows(v, len, &i);
	while (i < len) {
		char key[16];
		char val[OTS_MP_FILENAME_MAX + 1];
		size_t vlen = 0;
		enum ots_err e;

		if (v[i] != ';')
			return OTS_ERR_INVAL;
		i++;
		skip_ows(v, len, &i);
		e = read_param(v, len, &i, key, sizeof(key) - 1, val,
		    sizeof(val) - 1, &vlen);
		if (e != OTS_OK)
			return e;
		if (strcmp(key, "name") == 0) {
			if (have_name || vlen > OTS_MP_NAME_MAX)
				return OTS_ERR_INVAL;
			memcpy(pt->p_name, val, vlen + 1);
			have_name = 1;
		} else if (strcmp(key, "filename") == 0 && !have_star) {
			memcpy(pt->p_filename, val, vlen + 1);
			pt->p_filename_len = vlen;
			pt->p_has_filename = true;
		} else if (strcmp(key, "filename*") == 0) {
			/* RFC 8187: UTF-8'lang'percent-encoded; it wins
			 * over a plain filename. */
			const char *q1 = memchr(val, '\'', vlen);
			const char *q2 = q1 == NULL ? NULL
			    : memchr(q1 + 1, '\'', vlen - (size_t)(q1 + 1 - val));
			size_t out_len = 0;
			int hi, lo;
			const char *s;

			if (q2 == NULL || !ots_str_eq_nocase((struct ots_str){
			    val, (size_t)(q1 - val) }, "utf-8"))
				return OTS_ERR_INVAL;
			for (s = q2 + 1; s < val + vlen; s++) {
				char c = *s;

				if (c == '%') {
					if (val + vlen - s < 3)
						return OTS_ERR_INVAL;
					hi = ots_hexval(s[1]);
					lo = ots_hexval(s[2]);
					if (hi < 0 || lo < 0)
						return OTS_ERR_INVAL;
					c = (char)(hi << 4 | lo);
					s += 2;
				}
				pt->p_filename[out_len++] = c;
			}
			pt->p_filename[out_len] = '\0';
			pt->p_filename_len = out_len;
			pt->p_has_filename = true;
			have_star = 1;
		}
	}
	return have_name ? OTS_OK : OTS_ERR_INVAL;
}

/* Parses a Content-Type value: the media type, lower-cased. */
static enum ots_err
parse_type(struct ots_mp *mp, const char *v, size_t len)
{
	size_t i = 0;

	while (i < len && (is_tchar(v[i]) || v[i] == '/'))
		i++;
	if (i == 0 || i > OTS_TYPE_MAX)
		return OTS_ERR_INVAL;
	for (size_t j = 0; j < i; j++)
		mp->m_part.p_type[j] = lower(v[j]);
	mp->m_part.p_type[i] = '\0';
	return OTS_OK;
}

/* Parses the header block in m_hdr (lines ending in CRLF, then CRLF). */
static enum ots_err
parse_headers(struct ots_mp *mp)
{
	const char *s = mp->m_hdr.b_data;
	size_t len = mp->m_hdr.b_len - 2;	/* drop the final CRLF */
	size_t pos = 0;
	int have_cd = 0, have_ct = 0;
	enum ots_err e;

	memset(&mp->m_part, 0, sizeof(mp->m_part));
	while (pos < len) {
		const char *line = s + pos;
		const char *crlf = memchr(line, '\r', len - pos);
		size_t llen = (size_t)(crlf - line);
		const char *colon = memchr(line, ':', llen);
		size_t nlen, vstart;

		/* The block ends in CRLF CRLF, so every line has its CR. */
		OTS_ASSERT(crlf != NULL);
		if (colon == NULL || colon == line || crlf[1] != '\n')
			return OTS_ERR_INVAL;
		nlen = (size_t)(colon - line);
		for (size_t j = 0; j < nlen; j++) {
			if (!is_tchar(line[j]))
				return OTS_ERR_INVAL;
		}
		vstart = nlen + 1;
		skip_ows(line, llen, &vstart);
		if (ots_str_eq_nocase((struct ots_str){ line, nlen },
		    "content-disposition")) {
			if (have_cd)
				return OTS_ERR_INVAL;
			have_cd = 1;
			e = parse_disposition(mp, line + vstart,
			    llen - vstart);
			if (e != OTS_OK)
				return e;
		} else if (ots_str_eq_nocase((struct ots_str){ line, nlen },
		    "content-type")) {
			/* Two types contradict each other: which one the
			 * sender meant is a guess, so neither is taken. */
			if (have_ct)
				return OTS_ERR_INVAL;
			have_ct = 1;
			e = parse_type(mp, line + vstart, llen - vstart);
			if (e != OTS_OK)
				return e;
		}
		pos += llen + 2;
	}
	return have_cd ? OTS_OK : OTS_ERR_INVAL;
}

/* Takes header bytes; starts the body when the block is complete. */
static enum ots_err
headers_byte(struct ots_mp *mp, uint8_t c)
{
	const char *h;
	size_t n;
	enum ots_err e;

	e = ots_buf_add(&mp->m_hdr, &c, 1);
	if (e != OTS_OK)
		return e;
	h = mp->m_hdr.b_data;
	n = mp->m_hdr.b_len;
	if (!(n == 2 && memcmp(h, "\r\n", 2) == 0) &&
	    !(n >= 4 && memcmp(h + n - 4, "\r\n\r\n", 4) == 0))
		return OTS_OK;
	if (++mp->m_parts > OTS_MP_PARTS_MAX)
		return OTS_ERR_TOOBIG;
	e = parse_headers(mp);
	ots_buf_reset(&mp->m_hdr);
	if (e != OTS_OK)
		return e;
	mp->m_state = S_BODY;
	mp->m_match = 0;
	return mp->m_cb->mp_begin(mp->m_ctx, &mp->m_part);
}

static enum ots_err
feed(struct ots_mp *mp, const uint8_t *p, size_t n)
{
	enum ots_err e;

	while (n > 0) {
		size_t used = 1;
		int found = 0;

		switch (mp->m_state) {
		case S_PREAMBLE:
		case S_BODY:
			e = scan(mp, p, n, &used, &found);
			if (e != OTS_OK)
				return e;
			if (found) {
				if (mp->m_state == S_BODY) {
					e = mp->m_cb->mp_end(mp->m_ctx);
					if (e != OTS_OK)
						return e;
				}
				mp->m_state = S_AFTER_DELIM;
			}
			break;
		case S_AFTER_DELIM:
			if (*p == '-')
				mp->m_state = S_AFTER_DASH;
			else if (*p == '\r')
				mp->m_state = S_DELIM_LF;
			else if (*p != ' ' && *p != '\t')
				return OTS_ERR_INVAL;
			break;
		case S_AFTER_DASH:
			if (*p != '-')
				return OTS_ERR_INVAL;
			mp->m_state = S_DONE;
			break;
		case S_DELIM_LF:
			if (*p != '\n')
				return OTS_ERR_INVAL;
			mp->m_state = S_HEADERS;
			break;
		case S_HEADERS:
			e = headers_byte(mp, *p);
			if (e != OTS_OK)
				return e;
			break;
		case S_DONE:
			used = n;
			break;
		}
		p += used;
		n -= used;
	}
	return OTS_OK;
}

enum ots_err
ots_mp_feed(struct ots_mp *mp, const uint8_t *p, size_t n)
{
	if (mp->m_err != OTS_OK)
		return mp->m_err;
	mp->m_err = feed(mp, p, n);
	return mp->m_err;
}

enum ots_err
ots_mp_finish(struct ots_mp *mp)
{
	if (mp->m_err != OTS_OK)
		return mp->m_err;
	if (mp->m_state != S_DONE)
		mp->m_err = OTS_ERR_INVAL;
	return mp->m_err;
}
