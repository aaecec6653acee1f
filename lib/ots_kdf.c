#include "ots_kdf.h"

#include <errno.h>
#include <string.h>

#include <argon2.h>

#include <sodium.h>

#include "ots_banned.h"

/* crypto_kdf contexts are exactly 8 bytes. */
#define CTX_META "otsmeta1"
#define CTX_FILE "otsfile1"
#define CTX_LINK "otslink1"
#define CTX_PASS "otspass1"

/*
 * master = BLAKE2b-256(key = secret, "ots-share-v1" || id): the id enters
 * every key, so a container or a sealed name moved to another id never
 * opens.  Subkeys come from crypto_kdf (BLAKE2b with a context per use).
 */
static void
derive_master(const struct ots_tok *secret, const struct ots_tok *id,
    const uint8_t *extra, size_t extra_len, uint8_t master[32])
{
	static const char label[] = "ots-share-v1";
	crypto_generichash_state st;

	crypto_generichash_init(&st, secret->t_raw, sizeof(secret->t_raw),
	    32);
	crypto_generichash_update(&st, (const uint8_t *)label,
	    sizeof(label) - 1);
	crypto_generichash_update(&st, id->t_raw, sizeof(id->t_raw));
	if (extra != NULL)
		crypto_generichash_update(&st, extra, extra_len);
	crypto_generichash_final(&st, master, 32);
	sodium_memzero(&st, sizeof(st));
}

void
ots_kdf_share_keys(const struct ots_tok *secret, const struct ots_tok *id,
    const uint8_t *pw_key, struct ots_keys *out)
{
	uint8_t master[32];

	derive_master(secret, id, NULL, 0, master);
	crypto_kdf_derive_from_key(out->k_meta, sizeof(out->k_meta), 1,
	    CTX_META, master);
	crypto_kdf_derive_from_key(out->k_link, sizeof(out->k_link), 3,
	    CTX_LINK, master);
	memset(out->k_pass, 0, sizeof(out->k_pass));
	if (pw_key != NULL) {
		sodium_memzero(master, sizeof(master));
		derive_master(secret, id, pw_key, OTS_KEY_BYTES, master);
		crypto_kdf_derive_from_key(out->k_pass, sizeof(out->k_pass), 4,
		    CTX_PASS, master);
	}
	crypto_kdf_derive_from_key(out->k_file, sizeof(out->k_file), 2,
	    CTX_FILE, master);
	sodium_memzero(master, sizeof(master));
}

void
ots_kdf_keys_wipe(struct ots_keys *k)
{
	sodium_memzero(k, sizeof(*k));
}

bool
ots_kdf_params_ok(const struct ots_kdf_params *p)
{
	return p->kp_mem_kib >= OTS_KDF_MEM_MIN_KIB &&
	    p->kp_mem_kib <= OTS_KDF_MEM_MAX_KIB && p->kp_time >= 1 &&
	    p->kp_time <= OTS_KDF_TIME_MAX && p->kp_lanes >= 1 &&
	    p->kp_lanes <= OTS_KDF_LANES_MAX &&
	    p->kp_mem_kib >= 8 * p->kp_lanes;
}

enum ots_err
ots_kdf_password(const char *pw, size_t len, const uint8_t *salt,
    const struct ots_kdf_params *p, uint8_t *out)
{
	int rc;

	if (!ots_kdf_params_ok(p) || len > UINT32_MAX)
		return OTS_ERR_INVAL;
	/* One lane (the default): libsodium's Argon2id, the same function
	 * (RFC 9106, version 0x13) with vectorised code chosen at run time,
	 * about twice as fast here as libargon2's portable build
	 * (docs/BENCHMARKS.md).  libsodium supports one lane only. */
	if (p->kp_lanes == 1) {
		if (crypto_pwhash_argon2id(out, OTS_KEY_BYTES, pw, len, salt,
		    p->kp_time, (size_t)p->kp_mem_kib * 1024u,
		    crypto_pwhash_argon2id_ALG_ARGON2ID13) == 0)
			return OTS_OK;
		rc = errno;
		sodium_memzero(out, OTS_KEY_BYTES);
		return rc == ENOMEM ? OTS_ERR_NOMEM : OTS_ERR_INVAL;
	}
	rc = argon2id_hash_raw(p->kp_time, p->kp_mem_kib, p->kp_lanes, pw, len,
	    salt, OTS_KDF_SALT_BYTES, out, OTS_KEY_BYTES);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return OTS_ERR_NOMEM;
	if (rc != ARGON2_OK) {
		sodium_memzero(out, OTS_KEY_BYTES);
		return OTS_ERR_INVAL;
	}
	return OTS_OK;
}
