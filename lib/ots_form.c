#include "ots_form.h"

#include <string.h>

#include <sodium.h>

#include "ots_banned.h"

#define KEY_MAX 64

/* Decodes in[0..len) into out (max bytes); see ots_form_get. */
static enum ots_err
decode(const char *in, size_t len, char *out, size_t max, size_t *out_len)
{
	return ots_pct_decode(in, len, true, out, max, out_len);
}

/* One name=value pair of a form, as found; name still encoded. */
struct pair {
	const char *p_name;
	size_t p_name_len;
	const char *p_value;	/* NULL when the pair has no '=' */
	size_t p_value_len;
};

/* The next non-empty pair from *pos; false at the end. */
static bool
next_pair(const char *s, size_t len, size_t *pos, struct pair *out)
{
	while (*pos < len) {
		const char *pair = s + *pos;
		const char *amp = memchr(pair, '&', len - *pos);
		size_t pair_len = amp != NULL ? (size_t)(amp - pair)
		    : len - *pos;
		const char *eq = memchr(pair, '=', pair_len);

		*pos += pair_len + (amp != NULL ? 1 : 0);
		if (pair_len == 0)
			continue;
		out->p_name = pair;
		out->p_name_len = eq != NULL ? (size_t)(eq - pair) : pair_len;
		out->p_value = eq != NULL ? eq + 1 : NULL;
		out->p_value_len = eq != NULL ? pair_len - out->p_name_len - 1 :
		    0;
		return true;
	}
	return false;
}

enum ots_err
ots_form_get(const char *s, size_t len, const char *name, char *out,
    size_t max, size_t *out_len, bool *found)
{
	size_t pos = 0, name_len = strlen(name);
	struct pair pr;
	enum ots_err e = OTS_OK;

	*found = false;
	*out_len = 0;
	out[0] = '\0';
	while (next_pair(s, len, &pos, &pr)) {
		char key[KEY_MAX];
		size_t klen = 0;

		e = decode(pr.p_name, pr.p_name_len, key, sizeof(key), &klen);
		if (e == OTS_ERR_TOOBIG) {
			e = OTS_OK;
			continue;	/* not a key we know */
		}
		if (e != OTS_OK)
			goto out;
		if (klen != name_len || memcmp(key, name, klen) != 0)
			continue;
		if (*found) {
			e = OTS_ERR_INVAL;
			goto out;
		}
		*found = true;
		if (pr.p_value != NULL) {
			e = decode(pr.p_value, pr.p_value_len, out, max,
			    out_len);
			if (e != OTS_OK)
				goto out;
		}
		out[*out_len] = '\0';
	}
out:
	if (e != OTS_OK) {
		sodium_memzero(out, *found ? max + 1 : 1);
		*out_len = 0;
		*found = false;
	}
	return e;
}

static bool
is_known(const char *key, size_t len, const char *const *known)
{
	for (; *known != NULL; known++) {
		if (strlen(*known) == len && memcmp(*known, key, len) == 0)
			return true;
	}
	return false;
}

enum ots_err
ots_form_unknown(const char *s, size_t len, const char *const *known,
    char *name, bool *found)
{
	size_t pos = 0;
	struct pair pr;

	*found = false;
	name[0] = '\0';
	while (next_pair(s, len, &pos, &pr)) {
		char key[KEY_MAX];
		size_t klen = 0;
		enum ots_err e;

		e = decode(pr.p_name, pr.p_name_len, key, sizeof(key), &klen);
		if (e == OTS_ERR_TOOBIG)
			klen = sizeof(key);	/* longer than any we know */
		else if (e != OTS_OK)
			return e;
		if (e == OTS_OK && is_known(key, klen, known))
			continue;
		if (klen > OTS_FORM_NAME_MAX)
			klen = OTS_FORM_NAME_MAX;
		memcpy(name, key, klen);
		name[klen] = '\0';
		*found = true;
		return OTS_OK;
	}
	return OTS_OK;
}
