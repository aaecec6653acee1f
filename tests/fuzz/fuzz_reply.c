/* libFuzzer target: our decoding of Redis replies.  The input is RESP
 * bytes, parsed by hiredis' own reader (fed in two pieces split where the
 * first byte says) into arbitrary reply trees; every tree goes through
 * every decoder of lib/ (script replies, SCAN, HMGET, SCRIPT LOAD,
 * HGETALL for /metrics, CLUSTER SLOTS, MOVED/ASK), which must neither crash nor accept a shape the
 * scripts never produce with results out of their ranges. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ots_admin.h"
#include "ots_buf.h"
#include "ots_metrics.h"
#include "ots_parts.h"
#include "ots_rds.h"
#include "ots_rds_slots.h"
#include "ots_share.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Most replies read from one input. */
#define REPLIES_MAX 8
/* hiredis 0.14 allocates an array of the announced length at once (up to
 * INT_MAX elements, ots_rds.h): the fuzzer would only find that. */
#define ELEMENTS_MAX 4096

static bool
ended_state(enum ots_share_state s)
{
	return s == OTS_SHARE_CLAIMED || s == OTS_SHARE_EXPIRED ||
	    s == OTS_SHARE_REVOKED || s == OTS_SHARE_LOCKED;
}

/* Does the input announce an array longer than ELEMENTS_MAX? */
static bool
too_many_elements(const uint8_t *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		uint64_t v = 0;

		if (p[i] != '*')
			continue;
		j = i + 1;
		if (j < n && p[j] == '-')
			j++;
		for (; j < n && p[j] >= '0' && p[j] <= '9'; j++) {
			v = v * 10 + (uint64_t)(p[j] - '0');
			if (v > ELEMENTS_MAX)
				return true;
		}
	}
	return false;
}

static void
check_share(const redisReply *rep)
{
	struct ots_share sh;
	struct ots_receipt rc;
	enum ots_share_state st;
	enum ots_lease_op op;
	uint64_t left, until;
	bool exists;
	enum ots_err e;

	e = ots_share_decode_register(rep);
	if (e == OTS_OK && (rep->type != REDIS_REPLY_INTEGER ||
	    rep->integer != 1))
		abort();

	e = ots_share_decode_peek(rep, &sh);
	if (e == OTS_OK) {
		if (sh.sh_meta_len > sizeof(sh.sh_meta))
			abort();
		if (sh.sh_state == OTS_SHARE_AVAILABLE && sh.sh_protected &&
		    !ots_kdf_params_ok(&sh.sh_kdf))
			abort();	/* a cost Argon2 must never run */
		if (sh.sh_state != OTS_SHARE_AVAILABLE &&
		    sh.sh_state != OTS_SHARE_UNKNOWN &&
		    !ended_state(sh.sh_state))
			abort();
		if (sh.sh_state != OTS_SHARE_AVAILABLE && sh.sh_protected)
			abort();
	} else if (e != OTS_ERR_REDIS) {
		abort();
	} else if (sh.sh_state != OTS_SHARE_UNKNOWN || sh.sh_meta_len != 0 ||
	    sh.sh_protected) {
		abort();	/* half-decoded output escaped */
	}

	e = ots_share_decode_claim(rep, 42, &sh);
	if (e == OTS_OK && (sh.sh_state != OTS_SHARE_CLAIMED ||
	    sh.sh_claimed_at != 42))
		abort();
	if (e == OTS_ERR_GONE && !ended_state(sh.sh_state))
		abort();
	if (e != OTS_OK && e != OTS_ERR_GONE && e != OTS_ERR_NOTFOUND &&
	    e != OTS_ERR_REDIS)
		abort();

	e = ots_share_decode_attempt(rep, &left, &st);
	if (e == OTS_OK && st != OTS_SHARE_AVAILABLE &&
	    !(st == OTS_SHARE_LOCKED && left == 0))
		abort();
	if (e == OTS_ERR_GONE && !ended_state(st))
		abort();
	if (e != OTS_OK && left != 0)
		abort();

	e = ots_share_decode_guess_begin(rep, &st);
	if ((e == OTS_OK || e == OTS_ERR_BUSY) && st != OTS_SHARE_AVAILABLE)
		abort();
	if (e == OTS_ERR_GONE && !ended_state(st))
		abort();

	e = ots_share_decode_revoke(rep, &st);
	if (e == OTS_OK && st != OTS_SHARE_REVOKED)
		abort();
	if (e == OTS_ERR_GONE && !ended_state(st))
		abort();
	if (e != OTS_OK && e != OTS_ERR_GONE && e != OTS_ERR_AUTH &&
	    e != OTS_ERR_NOTFOUND && e != OTS_ERR_REDIS)
		abort();

	e = ots_share_decode_status(rep, &rc);
	if (strlen(rc.r_owner) >= sizeof(rc.r_owner))
		abort();
	if (e == OTS_OK && rc.r_state == OTS_SHARE_UNKNOWN &&
	    (rc.r_size != 0 || rc.r_owner[0] != '\0'))
		abort();	/* "no receipt" with a receipt's data */
	if (e != OTS_OK && (rc.r_state != OTS_SHARE_UNKNOWN ||
	    rc.r_owner[0] != '\0'))
		abort();

	e = ots_share_decode_exists(rep, &exists);
	if (e != OTS_OK && !exists)
		abort();	/* in doubt, the sweeper must keep the file */

	for (op = OTS_LEASE_CHECK; op <= OTS_LEASE_LAPSE; op++) {
		e = ots_share_decode_lease(rep, op, &until);
		if (e != OTS_OK && until != 0)
			abort();	/* a refusal with a lease's end */
		/* The sweeper removes a leased file on GONE or NOTFOUND
		 * only: never on a broken reply. */
		if (op == OTS_LEASE_LAPSE && e != OTS_OK && e != OTS_ERR_GONE &&
		    e != OTS_ERR_NOTFOUND && e != OTS_ERR_REDIS)
			abort();
	}
}

static void
check_parts(const redisReply *rep)
{
	enum ots_parts_why why;
	uint64_t a, b;
	enum ots_err e;
	int nums;

	for (nums = 0; nums <= 2; nums++) {
		e = ots_parts_decode(rep, nums, &a, &b, &why);
		if (e == OTS_OK && why != OTS_PARTS_OK)
			abort();
		if (e == OTS_ERR_INVAL && why == OTS_PARTS_OK)
			abort();	/* a refusal without a reason */
		if (e != OTS_OK && e != OTS_ERR_INVAL && e != OTS_ERR_REDIS)
			abort();
		if (e == OTS_ERR_REDIS && (a != 0 || b != 0 ||
		    why != OTS_PARTS_OK))
			abort();
	}
}

static void
check_admin(const redisReply *rep)
{
	static const char zeros[OTS_ADMIN_PREFIX + 1];
	struct ots_admin_share s;
	struct ots_tok id;
	uint64_t next = 7;
	size_t i;
	enum ots_err e;

	memset(&id, 0, sizeof(id));
	memcpy(id.t_str, "AAAAAAAAAAAAAAAAAAAAAA", OTS_TOK_CHARS);
	e = ots_admin_decode_share(rep, &id, &s);
	if (e != OTS_OK && memcmp(s.as_prefix, zeros, sizeof(zeros)) != 0)
		abort();
	if (e == OTS_OK && strlen(s.as_prefix) != OTS_ADMIN_PREFIX)
		abort();

	e = ots_admin_decode_scan(rep, &next);
	if (e != OTS_OK) {
		if (next != 7)
			abort();	/* the cursor moved on a bad reply */
		return;
	}
	for (i = 0; i < rep->element[1]->elements; i++) {
		const redisReply *k = rep->element[1]->element[i];

		/* A key is only ever "ots:{ID}:s" with the ID it names. */
		if (ots_admin_key_id(k, &id) && (k->len != 5 + OTS_TOK_CHARS +
		    3 || memcmp(k->str + 5, id.t_str, OTS_TOK_CHARS) != 0))
			abort();
	}
}

static void
check_rds(const redisReply *rep)
{
	char sha[OTS_RDS_SHA_LEN + 1];
	struct ots_rds_node node;
	size_t i;

	if (ots_rds_decode_sha(rep, sha) == OTS_OK) {
		if (strlen(sha) != OTS_RDS_SHA_LEN)
			abort();
		for (i = 0; i < OTS_RDS_SHA_LEN; i++) {
			if (ots_hexval(sha[i]) < 0)
				abort();
		}
	} else if (sha[0] != '\0') {
		abort();
	}
	if (ots_rds_is_noscript(rep) && rep->type != REDIS_REPLY_ERROR)
		abort();
	if (ots_rds_is_not_primary(rep) && rep->type != REDIS_REPLY_ERROR)
		abort();
	if (ots_rds_decode_is_primary(rep) && rep->type != REDIS_REPLY_ARRAY)
		abort();
	/* A sentinel's answer becomes the address connected to. */
	if (ots_rds_decode_master_addr(rep, &node) == OTS_OK &&
	    (node.rn_host[0] == '\0' || strlen(node.rn_host) >=
	    sizeof(node.rn_host) || node.rn_port < 1 ||
	    node.rn_port > 65535))
		abort();
}

/* A cluster's map routes every command: each owner a listed primary,
 * each primary an address one can connect to. */
static void
check_slots(const redisReply *rep)
{
	static const struct ots_rds_node asked = { "127.0.0.1", 7000 };
	static struct ots_rds_slots m;
	struct ots_rds_node to;
	unsigned i, slot = 0;
	bool ask = false;

	if (ots_rds_decode_slots(rep, &asked, &m) == OTS_OK) {
		if (m.s_nnodes == 0 || m.s_nnodes > OTS_RDS_PRIMARIES_MAX)
			abort();
		for (i = 0; i < OTS_RDS_SLOTS; i++) {
			if (m.s_owner[i] > m.s_nnodes)
				abort();
		}
		for (i = 0; i < m.s_nnodes; i++) {
			if (m.s_nodes[i].rn_host[0] == '\0' ||
			    m.s_nodes[i].rn_port < 1 ||
			    m.s_nodes[i].rn_port > 65535)
				abort();
		}
	} else if (m.s_nnodes != 0) {
		abort();
	}
	if (ots_rds_decode_redirect(rep, &ask, &slot, &to) == OTS_OK &&
	    (rep->type != REDIS_REPLY_ERROR || slot >= OTS_RDS_SLOTS ||
	    to.rn_host[0] == '\0' || to.rn_port < 1 || to.rn_port > 65535))
		abort();
}

static void
check_metrics(const redisReply *rep)
{
	static const char *const routes[] = { "-", "/d/{id}", "/metrics" };
	static const int statuses[] = { 200, 404, 503 };
	static const struct ots_metrics_labels labels = { routes, 3, statuses,
		3 };
	struct ots_buf b;

	ots_buf_init(&b, 1u << 20);
	if (ots_metrics_render_reply(&labels, rep, &b) == OTS_OK) {
		/* Prometheus text: lines of printable ASCII. */
		for (size_t i = 0; i < b.b_len; i++) {
			unsigned char c = (unsigned char)b.b_data[i];

			if (c != '\n' && (c < 0x20 || c > 0x7e))
				abort();
		}
		if (b.b_len == 0 || b.b_data[b.b_len - 1] != '\n')
			abort();
	}
	ots_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *rd;
	size_t split;
	int i;

	if (size < 1 || too_many_elements(data, size))
		return 0;
	rd = redisReaderCreate();
	if (rd == NULL)
		return 0;
	split = data[0] % size;
	if (redisReaderFeed(rd, (const char *)data + 1, split) != REDIS_OK ||
	    redisReaderFeed(rd, (const char *)data + 1 + split,
	    size - 1 - split) != REDIS_OK)
		goto out;
	for (i = 0; i < REPLIES_MAX; i++) {
		void *reply = NULL;

		if (redisReaderGetReply(rd, &reply) != REDIS_OK ||
		    reply == NULL)
			break;
		check_share(reply);
		check_parts(reply);
		check_admin(reply);
		check_rds(reply);
		check_slots(reply);
		check_metrics(reply);
		freeReplyObject(reply);
	}
out:
	redisReaderFree(rd);
	return 0;
}
