#include "ots_tally.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "ots_alloc.h"
#include "ots_banned.h"

struct slot {
	char s_key[OTS_TALLY_KEY_MAX + 1];	/* "" when free */
	unsigned s_count;
};

struct ots_tally {
	pthread_mutex_t t_lock;	/* guards t_slots */
	uint8_t t_seed[crypto_shorthash_KEYBYTES];
	struct slot t_slots[OTS_TALLY_SLOTS];
};

enum ots_err
ots_tally_new(struct ots_tally **out)
{
	struct ots_tally *t = ots_calloc(1, sizeof(*t));

	*out = NULL;
	if (t == NULL)
		return OTS_ERR_NOMEM;
	if (pthread_mutex_init(&t->t_lock, NULL) != 0) {
		ots_free(t);
		return OTS_ERR_NOMEM;
	}
	/* Keyed, so that no client can choose addresses that collide. */
	randombytes_buf(t->t_seed, sizeof(t->t_seed));
	*out = t;
	return OTS_OK;
}

void
ots_tally_free(struct ots_tally *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->t_lock);
	ots_free(t);
}

static size_t
home(const struct ots_tally *t, const char *key)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(h, (const uint8_t *)key, strlen(key), t->t_seed);
	for (i = 0; i < sizeof(v); i++)
		v = v << 8 | h[i];
	return (size_t)(v % OTS_TALLY_SLOTS);
}

/* The key's slot, or with add a free one for it; NULL when neither. */
static struct slot *
find(struct ots_tally *t, const char *key, bool add)
{
	size_t i = home(t, key), n;
	struct slot *free_slot = NULL;

	/* Linear probing; a freed slot is reused but not a stop (a count
	 * of 0 keeps its key until another key takes the slot). */
	for (n = 0; n < OTS_TALLY_SLOTS; n++) {
		struct slot *s = &t->t_slots[(i + n) % OTS_TALLY_SLOTS];

		if (s->s_key[0] == '\0') {
			if (free_slot == NULL)
				free_slot = s;
			break;
		}
		if (strcmp(s->s_key, key) == 0)
			return s;
		if (s->s_count == 0 && free_slot == NULL)
			free_slot = s;
	}
	if (!add || free_slot == NULL)
		return NULL;
	memcpy(free_slot->s_key, key, strlen(key) + 1);
	free_slot->s_count = 0;
	return free_slot;
}

unsigned
ots_tally_add(struct ots_tally *t, const char *key)
{
	struct slot *s;
	unsigned n = UINT32_MAX;

	OTS_ASSERT(key[0] != '\0' && strlen(key) <= OTS_TALLY_KEY_MAX);
	pthread_mutex_lock(&t->t_lock);
	s = find(t, key, true);
	if (s != NULL)
		n = ++s->s_count;
	pthread_mutex_unlock(&t->t_lock);
	return n;
}

void
ots_tally_sub(struct ots_tally *t, const char *key)
{
	struct slot *s;

	pthread_mutex_lock(&t->t_lock);
	s = find(t, key, false);
	if (s != NULL && s->s_count > 0)
		s->s_count--;
	pthread_mutex_unlock(&t->t_lock);
}
