/* libFuzzer target: token parsing (one spelling per value) and the
 * config value parsers (durations, sizes, rate limits, CIDR lists). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots_cfg.h"
#include "ots_net.h"
#include "ots_rl.h"
#include "ots_tok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	struct ots_tok t;
	struct ots_net_cidrs cidrs;
	struct ots_rl_limit lim;
	char client[OTS_NET_ADDR_STRSZ];
	uint64_t v = 0;
	enum ots_err e;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (ots_tok_parse(copy, size, &t) == OTS_OK &&
	    (size != OTS_TOK_CHARS || memcmp(t.t_str, copy, size) != 0))
		abort();
	e = ots_parse_duration(copy, size, &v);
	e = ots_parse_size(copy, size, &v);
	e = ots_rl_parse(copy, &lim);
	e = ots_net_parse_cidrs(copy, &cidrs);
	if (e == OTS_OK)
		ots_net_client(&cidrs, "127.0.0.1", copy, copy, client);
	ots_net_bucket(copy, client);
	(void)e;
	free(copy);
	return 0;
}
