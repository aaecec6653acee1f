/*
 * The C side of the cross-implementation tests (tests/e2e/crypto.test.mjs):
 * libots' own functions on the command line, so that every key, sealed
 * name, check blob and container the browser's JavaScript makes is
 * compared with what libots makes and opens, byte for byte.  A test tool:
 * secrets go on its command line as hex.
 *
 *	oracle keys SECRET ID [PWKEY]          meta file link pass (hex lines)
 *	oracle argon2 PASSWORD SALT MEM_KIB TIME
 *	oracle seal-meta KMETA ID KIND NAME TYPE
 *	oracle open-meta KMETA ID BLOB         "kind name type" or exit 3
 *	oracle seal-check KEY ID password|link
 *	oracle open-check KEY ID password|link BLOB     exit 0 or 3
 *	oracle encrypt KFILE ID < plain > container
 *	oracle decrypt KFILE ID < container > plain     exit 3 when damaged
 *	oracle clean-name NAME                 the cleaned name, hex
 *	oracle box-size SIZE
 *
 * Every argument but KIND, MEM_KIB, TIME, SIZE and the labels is hex.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ots_box.h"
#include "ots_buf.h"
#include "ots_kdf.h"
#include "ots_meta.h"
#include "ots_name.h"

static void
usage(void)
{
	fputs("usage: oracle COMMAND ARGS (see tests/e2e/oracle.c)\n", stderr);
	exit(2);
}

/* Hex to bytes; exits on malformed input.  *len gets the byte count. */
static uint8_t *
unhex(const char *s, size_t *len)
{
	size_t n = strlen(s) / 2;
	uint8_t *b = malloc(n + 1);

	if (b == NULL || strlen(s) % 2 != 0 || sodium_hex2bin(b, n, s,
	    strlen(s), NULL, len, NULL) != 0 || *len != n) {
		fprintf(stderr, "oracle: bad hex '%s'\n", s);
		exit(2);
	}
	return b;
}

static void
put_hex(const uint8_t *b, size_t n)
{
	char *h = malloc(2 * n + 1);

	if (h == NULL)
		exit(2);
	sodium_bin2hex(h, 2 * n + 1, b, n);
	puts(h);
	free(h);
}

static struct ots_tok
tok(const char *hex)
{
	struct ots_tok t;
	size_t n = 0;
	uint8_t *b = unhex(hex, &n);

	if (n != OTS_TOK_BYTES)
		usage();
	ots_tok_from_raw(b, &t);
	free(b);
	return t;
}

static uint8_t *
key(const char *hex)
{
	size_t n = 0;
	uint8_t *b = unhex(hex, &n);

	if (n != OTS_KEY_BYTES)
		usage();
	return b;
}

static enum ots_err
to_stdout(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	return fwrite(p, 1, n, stdout) == n ? OTS_OK : OTS_ERR_IO;
}

static int
cmd_keys(int argc, char **argv)
{
	struct ots_tok secret, id;
	struct ots_keys k;
	uint8_t *pw = NULL;

	if (argc != 2 && argc != 3)
		usage();
	secret = tok(argv[0]);
	id = tok(argv[1]);
	if (argc == 3)
		pw = key(argv[2]);
	ots_kdf_share_keys(&secret, &id, pw, &k);
	put_hex(k.k_meta, sizeof(k.k_meta));
	put_hex(k.k_file, sizeof(k.k_file));
	put_hex(k.k_link, sizeof(k.k_link));
	put_hex(k.k_pass, sizeof(k.k_pass));
	free(pw);
	return 0;
}

static int
cmd_argon2(int argc, char **argv)
{
	struct ots_kdf_params p;
	uint8_t out[OTS_KEY_BYTES], *pw, *salt;
	size_t pwlen = 0, saltlen = 0;

	if (argc != 4)
		usage();
	pw = unhex(argv[0], &pwlen);
	salt = unhex(argv[1], &saltlen);
	if (saltlen != OTS_KDF_SALT_BYTES)
		usage();
	p.kp_mem_kib = (uint32_t)strtoul(argv[2], NULL, 10);
	p.kp_time = (uint32_t)strtoul(argv[3], NULL, 10);
	p.kp_lanes = 1;
	if (ots_kdf_password((const char *)pw, pwlen, salt, &p, out) != OTS_OK)
		return 1;
	put_hex(out, sizeof(out));
	free(pw);
	free(salt);
	return 0;
}

static int
cmd_seal_meta(int argc, char **argv)
{
	struct ots_meta m;
	struct ots_tok id;
	struct ots_buf b;
	uint8_t *k, *name;
	size_t nlen = 0;

	if (argc != 5)
		usage();
	k = key(argv[0]);
	id = tok(argv[1]);
	memset(&m, 0, sizeof(m));
	m.m_kind = (enum ots_meta_kind)atoi(argv[2]);
	name = unhex(argv[3], &nlen);
	if (nlen > OTS_NAME_MAX || strlen(argv[4]) > OTS_TYPE_MAX)
		return 1;
	memcpy(m.m_name, name, nlen);
	memcpy(m.m_type, argv[4], strlen(argv[4]));
	ots_buf_init(&b, OTS_META_SEALED_MAX);
	if (ots_meta_seal(k, &id, &m, &b) != OTS_OK)
		return 1;
	put_hex((const uint8_t *)b.b_data, b.b_len);
	ots_buf_release(&b);
	free(k);
	free(name);
	return 0;
}

static int
cmd_open_meta(int argc, char **argv)
{
	struct ots_meta m;
	struct ots_tok id;
	uint8_t *k, *blob;
	size_t blen = 0;

	if (argc != 3)
		usage();
	k = key(argv[0]);
	id = tok(argv[1]);
	blob = unhex(argv[2], &blen);
	if (ots_meta_open(k, &id, blob, blen, &m) != OTS_OK)
		return 3;
	printf("%d ", (int)m.m_kind);
	put_hex((const uint8_t *)m.m_name, strlen(m.m_name));
	puts(m.m_type);
	free(k);
	free(blob);
	return 0;
}

static enum ots_check
label(const char *s)
{
	if (strcmp(s, "password") == 0)
		return OTS_CHECK_PASSWORD;
	if (strcmp(s, "link") == 0)
		return OTS_CHECK_LINK;
	usage();
	return OTS_CHECK_LINK;
}

static int
cmd_check(int argc, char **argv, bool open)
{
	uint8_t out[OTS_META_CHECK_BYTES], *k, *blob;
	struct ots_tok id;
	size_t blen = 0;

	if (argc != (open ? 4 : 3))
		usage();
	k = key(argv[0]);
	id = tok(argv[1]);
	if (!open) {
		ots_meta_seal_check(k, &id, label(argv[2]), out);
		put_hex(out, sizeof(out));
		free(k);
		return 0;
	}
	blob = unhex(argv[3], &blen);
	return ots_meta_open_check(k, &id, label(argv[2]), blob, blen) ==
	    OTS_OK ? 0 : 3;
}

static int
cmd_crypt(int argc, char **argv, bool encrypt)
{
	static uint8_t buf[1 << 16];
	struct ots_box_enc *enc = NULL;
	struct ots_box_dec *dec = NULL;
	struct ots_tok id;
	uint8_t *k;
	enum ots_err e;
	ssize_t n;

	if (argc != 2)
		usage();
	k = key(argv[0]);
	id = tok(argv[1]);
	e = encrypt ? ots_box_enc_new(k, &id, to_stdout, NULL, &enc) :
	    ots_box_dec_new(k, &id, to_stdout, NULL, &dec);
	while (e == OTS_OK && (n = read(0, buf, sizeof(buf))) > 0)
		e = encrypt ? ots_box_enc_update(enc, buf, (size_t)n) :
		    ots_box_dec_update(dec, buf, (size_t)n);
	if (e == OTS_OK)
		e = encrypt ? ots_box_enc_finish(enc) : ots_box_dec_finish(dec);
	ots_box_enc_free(enc);
	ots_box_dec_free(dec);
	free(k);
	fflush(stdout);
	return e == OTS_OK ? 0 : 3;
}

static int
cmd_clean_name(int argc, char **argv)
{
	char out[OTS_NAME_MAX + 1];
	uint8_t *name;
	size_t nlen = 0;

	if (argc != 1)
		usage();
	name = unhex(argv[0], &nlen);
	ots_name_clean((const char *)name, nlen, out);
	put_hex((const uint8_t *)out, strlen(out));
	free(name);
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t size = 0;

	if (sodium_init() < 0 || argc < 2)
		usage();
	if (strcmp(argv[1], "keys") == 0)
		return cmd_keys(argc - 2, argv + 2);
	if (strcmp(argv[1], "argon2") == 0)
		return cmd_argon2(argc - 2, argv + 2);
	if (strcmp(argv[1], "seal-meta") == 0)
		return cmd_seal_meta(argc - 2, argv + 2);
	if (strcmp(argv[1], "open-meta") == 0)
		return cmd_open_meta(argc - 2, argv + 2);
	if (strcmp(argv[1], "seal-check") == 0)
		return cmd_check(argc - 2, argv + 2, false);
	if (strcmp(argv[1], "open-check") == 0)
		return cmd_check(argc - 2, argv + 2, true);
	if (strcmp(argv[1], "encrypt") == 0)
		return cmd_crypt(argc - 2, argv + 2, true);
	if (strcmp(argv[1], "decrypt") == 0)
		return cmd_crypt(argc - 2, argv + 2, false);
	if (strcmp(argv[1], "clean-name") == 0)
		return cmd_clean_name(argc - 2, argv + 2);
	if (strcmp(argv[1], "box-size") == 0 && argc == 3) {
		if (ots_box_size(strtoull(argv[2], NULL, 10), &size) != OTS_OK)
			return 1;
		printf("%llu\n", (unsigned long long)size);
		return 0;
	}
	usage();
	return 2;
}
