#include "ots_s3xml.h"

#include <string.h>
#include <time.h>

#include "ots_banned.h"

/* Tags read here are short literals. */
#define TAG_MAX 48

static const char *
find(const char *hay, size_t len, const char *needle, size_t nlen)
{
	size_t i;

	if (nlen == 0 || len < nlen)
		return NULL;
	for (i = 0; i + nlen <= len; i++) {
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	}
	return NULL;
}

enum ots_err
ots_s3xml_element(const char *xml, size_t len, size_t *pos, const char *tag,
    size_t *from, size_t *to)
{
	char open[TAG_MAX + 3], close[TAG_MAX + 4];
	size_t tl = strlen(tag);
	const char *o, *c;

	if (tl == 0 || tl > TAG_MAX || *pos > len)
		return OTS_ERR_INVAL;
	open[0] = '<';
	memcpy(open + 1, tag, tl);
	open[tl + 1] = '>';
	close[0] = '<';
	close[1] = '/';
	memcpy(close + 2, tag, tl);
	close[tl + 2] = '>';
	o = find(xml + *pos, len - *pos, open, tl + 2);
	if (o == NULL)
		return OTS_ERR_NOTFOUND;
	o += tl + 2;
	c = find(o, len - (size_t)(o - xml), close, tl + 3);
	if (c == NULL)
		return OTS_ERR_NOTFOUND;
	*from = (size_t)(o - xml);
	*to = (size_t)(c - xml);
	*pos = *to + tl + 3;
	return OTS_OK;
}

/* Decodes xml[from, to) into out. */
static enum ots_err
decode(const char *xml, size_t from, size_t to, char *out, size_t max)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' } };
	size_t i = from, n = 0, k;

	while (i < to) {
		char c = xml[i];

		if (c == '\0')
			return OTS_ERR_INVAL;
		if (c == '&') {
			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t el = strlen(ents[k].e);

				if (to - i >= el &&
				    memcmp(xml + i, ents[k].e, el) == 0)
					break;
			}
			if (k == sizeof(ents) / sizeof(ents[0]))
				return OTS_ERR_INVAL;
			c = ents[k].c;
			i += strlen(ents[k].e);
		} else {
			i++;
		}
		if (n + 1 >= max)
			return OTS_ERR_TOOBIG;
		out[n++] = c;
	}
	out[n] = '\0';
	return OTS_OK;
}

enum ots_err
ots_s3xml_text(const char *xml, size_t end, size_t *pos, const char *tag,
    char *out, size_t max)
{
	size_t from = 0, to = 0;
	enum ots_err e;

	if (max == 0)
		return OTS_ERR_INVAL;
	out[0] = '\0';
	e = ots_s3xml_element(xml, end, pos, tag, &from, &to);
	if (e != OTS_OK)
		return e;
	return decode(xml, from, to, out, max);
}

/* Two or four digits at s into *v. */
static bool
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

enum ots_err
ots_s3xml_time(const char *s, uint64_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	time_t t;

	/* YYYY-MM-DDTHH:MM:SS then optional .fff, then Z */
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    !digits(s + 17, 2, &se) || y < 1970 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return OTS_ERR_INVAL;
	s += 19;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (s[0] != 'Z' || s[1] != '\0')
		return OTS_ERR_INVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t < 0)
		return OTS_ERR_INVAL;
	*out = (uint64_t)t;
	return OTS_OK;
}
