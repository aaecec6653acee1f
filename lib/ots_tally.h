/*
 * ots_tally: how many of something each key has in progress in this
 * process (transfers per client address), in a fixed table.  It is a
 * local hint, never the authority: the limits Redis counts across
 * processes and hosts (ots_rl.h); this tells a worker, without a round
 * trip, whether a client already has a transfer running here.
 * Thread-safe.
 */
#ifndef OTS_TALLY_H
#define OTS_TALLY_H

#include "ots_util.h"

/* Keys the table holds at once; a full table counts every new key as
 * already busy (the safe answer for its only use). */
#define OTS_TALLY_SLOTS 1024u
/* The longest key, in bytes. */
#define OTS_TALLY_KEY_MAX 63u

struct ots_tally;

OTS_WARN_UNUSED enum ots_err ots_tally_new(struct ots_tally **out);
void ots_tally_free(struct ots_tally *t);

/* Counts one more for key; returns the count with it (1: the first),
 * or UINT32_MAX when the table is full (nothing was counted). */
unsigned ots_tally_add(struct ots_tally *t, const char *key);

/* Counts one less for key (after ots_tally_add gave less than
 * UINT32_MAX). */
void ots_tally_sub(struct ots_tally *t, const char *key);

#endif
