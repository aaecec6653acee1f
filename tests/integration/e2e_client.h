/*
 * An end-to-end client for the integration tests, on libots: it does what
 * the browser and ots do (docs/E2E.md) — draws the secret, derives the
 * keys, seals the name, makes the checks and the OTSC container — and
 * speaks the upload, claim and lease routes over HTTP.
 */
#ifndef OTS_E2E_CLIENT_H
#define OTS_E2E_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "itest.h"

/* One end-to-end share, as its sender made it. */
struct e2e_share {
	char id[23];
	char secret[23];
	char owner[23];			/* from the upload's answer */
	uint8_t *container;		/* malloc'd */
	size_t clen;
	size_t size;			/* plaintext bytes */
	/* The headers every upload route takes (X-Meta ... lines). */
	char h_size[48];
	char h_meta[700];
	char h_lcheck[96];
	char h_salt[64];
	char h_cost[64];
	char h_check[96];
	bool protected;
};

/*
 * Makes share s of data (len bytes) named name, with password (NULL for
 * none) at the stack's cost (OTS_ARGON2_*, 8 MiB, 1 pass), for id (NULL:
 * drawn here).
 */
void e2e_make(struct e2e_share *s, const void *data, size_t len,
    const char *name, const char *password, const char *id);
void e2e_free(struct e2e_share *s);

/* The seal's headers of s, for http_do: up to 7 lines and NULL. */
void e2e_seal_headers(const struct e2e_share *s, const char **h, size_t max);

/* PUT /api/v1/uploads/{id}: the share in one request.  Fills s->owner
 * on 201. */
long e2e_put(struct e2e_share *s, struct http_resp *out);

/*
 * Makes s (as e2e_make, for the id the server draws) and uploads it in
 * parts of part bytes: POST, PATCHes, commit.  Returns the commit's
 * status (or the first failing step's) and fills s->owner.
 */
long e2e_upload_parts(struct e2e_share *s, const void *data, size_t len,
    const char *name, const char *password, size_t part);

/* Starts an upload in parts; on 201 fills id[23] and token[23]. */
long e2e_create(size_t size, char *id, char *token);
/* PATCH one part of the upload at offset. */
long e2e_patch(const char *id, const char *token, uint64_t offset,
    const void *p, size_t n, struct http_resp *out);
/* POST .../commit with s's seal. */
long e2e_commit(struct e2e_share *s, const char *token,
    struct http_resp *out);

/* The proofs of a link (and password), as base64url (44 bytes each). */
void e2e_proofs(const char *id, const char *secret, const char *password,
    const char *salt_b64, char *link_proof, char *pass_proof);

/*
 * Claims share id with the link's proofs (and the password's, at the
 * salt the share info gives).  The body is the container; the lease
 * token (X-Lease-Token) goes to lease (23 bytes) when not NULL.
 */
int e2e_claim(const char *id, const char *secret, const char *password,
    struct http_resp *out, char *lease);

/* Decrypts container (n bytes) of share id into *plain (malloc'd);
 * false when it does not open. */
bool e2e_open(const char *id, const char *secret, const char *password,
    const char *salt_b64, const void *container, size_t n, uint8_t **plain,
    size_t *plain_len);

/* The salt of a protected share, from GET /api/v1/files/{id} with the
 * link proof; "" when none (or the share is gone). */
void e2e_salt(const char *id, const char *secret, char *salt_b64,
    size_t max);

/* n bytes of fill_pattern(seed), malloc'd (never NULL). */
uint8_t *e2e_pattern(size_t n, uint32_t seed);

/* GET or DELETE /api/v1/leases/{id} with token (and a Range header
 * when range is not NULL); returns the status. */
long e2e_lease(const char *method, const char *id, const char *token,
    const char *range, struct http_resp *out);

/* The receipt of s (GET .../status with its owner token), malloc'd. */
char *e2e_receipt(const struct e2e_share *s);

#endif
