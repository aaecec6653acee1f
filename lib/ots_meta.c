#include "ots_meta.h"

#include <string.h>

#include <sodium.h>

#include "ots_banned.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAGB crypto_aead_xchacha20poly1305_ietf_ABYTES
#define VERSION 1u
#define AD_LABEL "ots-meta-v1"
#define AD_LEN (sizeof(AD_LABEL) - 1 + OTS_TOK_BYTES)
/* version, kind, name length (2), name, type length (1), type */
#define PLAIN_MAX (5u + OTS_NAME_MAX + OTS_TYPE_MAX)

static void
make_ad(const struct ots_tok *id, uint8_t ad[AD_LEN])
{
	memcpy(ad, AD_LABEL, sizeof(AD_LABEL) - 1);
	memcpy(ad + sizeof(AD_LABEL) - 1, id->t_raw, OTS_TOK_BYTES);
}

enum ots_err
ots_meta_seal(const uint8_t *key, const struct ots_tok *id,
    const struct ots_meta *m, struct ots_buf *out)
{
	uint8_t plain[PLAIN_MAX];
	uint8_t sealed[OTS_META_SEALED_MAX];
	uint8_t ad[AD_LEN];
	unsigned long long clen = 0;
	size_t name_len = strnlen(m->m_name, sizeof(m->m_name));
	size_t type_len = strnlen(m->m_type, sizeof(m->m_type));
	size_t n = 0;
	enum ots_err e;

	if (name_len > OTS_NAME_MAX || type_len > OTS_TYPE_MAX)
		return OTS_ERR_TOOBIG;
	plain[n++] = VERSION;
	plain[n++] = (uint8_t)m->m_kind;
	plain[n++] = (uint8_t)name_len;
	plain[n++] = (uint8_t)(name_len >> 8);
	memcpy(plain + n, m->m_name, name_len);
	n += name_len;
	plain[n++] = (uint8_t)type_len;
	memcpy(plain + n, m->m_type, type_len);
	n += type_len;

	make_ad(id, ad);
	randombytes_buf(sealed, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + NONCE, &clen,
	    plain, n, ad, sizeof(ad), NULL, sealed, key);
	sodium_memzero(plain, sizeof(plain));
	ots_buf_reset(out);
	e = ots_buf_add(out, sealed, NONCE + (size_t)clen);
	return e;
}

enum ots_err
ots_meta_open(const uint8_t *key, const struct ots_tok *id,
    const uint8_t *sealed, size_t len, struct ots_meta *m)
{
	uint8_t plain[PLAIN_MAX];
	uint8_t ad[AD_LEN];
	unsigned long long plen = 0;
	size_t name_len, type_len, n;
	enum ots_err e = OTS_ERR_CRYPTO;

	if (len < NONCE + TAGB || len > OTS_META_SEALED_MAX)
		return OTS_ERR_AUTH;
	make_ad(id, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
	    sealed + NONCE, len - NONCE, ad, sizeof(ad), sealed, key) != 0)
		return OTS_ERR_AUTH;

	memset(m, 0, sizeof(*m));
	n = (size_t)plen;
	if (n < 5 || plain[0] != VERSION || plain[1] > OTS_META_TEXT)
		goto out;
	m->m_kind = (enum ots_meta_kind)plain[1];
	name_len = (size_t)plain[2] | (size_t)plain[3] << 8;
	if (name_len > OTS_NAME_MAX || 4 + name_len + 1 > n)
		goto out;
	memcpy(m->m_name, plain + 4, name_len);
	type_len = plain[4 + name_len];
	if (type_len > OTS_TYPE_MAX || 5 + name_len + type_len != n)
		goto out;
	memcpy(m->m_type, plain + 5 + name_len, type_len);
	e = OTS_OK;
out:
	sodium_memzero(plain, sizeof(plain));
	if (e != OTS_OK)
		sodium_memzero(m, sizeof(*m));
	return e;
}

static const char *const check_labels[] = {
	[OTS_CHECK_PASSWORD] = "ots-pwcheck-v1",
	[OTS_CHECK_LINK] = "ots-linkcheck-v1",
};
#define CHECK_LABEL_MAX 16u
#define CHECK_AD_MAX (CHECK_LABEL_MAX + OTS_TOK_BYTES)

/* label | id into ad; returns its length. */
static size_t
make_check_ad(const struct ots_tok *id, enum ots_check which,
    uint8_t ad[CHECK_AD_MAX])
{
	size_t n;

	OTS_ASSERT(which == OTS_CHECK_PASSWORD || which == OTS_CHECK_LINK);
	n = strlen(check_labels[which]);
	OTS_ASSERT(n <= CHECK_LABEL_MAX);
	memcpy(ad, check_labels[which], n);
	memcpy(ad + n, id->t_raw, OTS_TOK_BYTES);
	return n + OTS_TOK_BYTES;
}

void
ots_meta_seal_check(const uint8_t *key, const struct ots_tok *id,
    enum ots_check which, uint8_t *out)
{
	uint8_t ad[CHECK_AD_MAX];
	size_t adlen = make_check_ad(id, which, ad);
	unsigned long long clen = 0;

	randombytes_buf(out, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE, &clen, NULL, 0,
	    ad, adlen, NULL, out, key);
	OTS_ASSERT(clen == TAGB);
}

enum ots_err
ots_meta_open_check(const uint8_t *key, const struct ots_tok *id,
    enum ots_check which, const uint8_t *blob, size_t len)
{
	uint8_t ad[CHECK_AD_MAX];
	size_t adlen;
	uint8_t none[1];
	unsigned long long plen = 0;

	if (len != OTS_META_CHECK_BYTES)
		return OTS_ERR_AUTH;
	adlen = make_check_ad(id, which, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(none, &plen, NULL,
	    blob + NONCE, len - NONCE, ad, adlen, blob, key) != 0 ||
	    plen != 0)
		return OTS_ERR_AUTH;
	return OTS_OK;
}
