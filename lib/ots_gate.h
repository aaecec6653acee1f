/*
 * ots_gate: a counting gate bounding how many threads of one process do
 * something expensive at once (Argon2id runs, long uploads and
 * downloads), with a bounded wait.  Thread-safe.
 */
#ifndef OTS_GATE_H
#define OTS_GATE_H

#include "ots_util.h"

struct ots_gate;

/* A gate with slots places. */
OTS_WARN_UNUSED enum ots_err ots_gate_new(unsigned slots,
    struct ots_gate **out);

/* Frees; accepts NULL. */
void ots_gate_free(struct ots_gate *g);

/* Takes a slot, waiting at most wait_ms; OTS_ERR_BUSY when none freed. */
OTS_WARN_UNUSED enum ots_err ots_gate_enter(struct ots_gate *g,
    unsigned wait_ms);

/* Gives a slot back. */
void ots_gate_leave(struct ots_gate *g);

/* Slots free at this moment (a snapshot, for readiness). */
unsigned ots_gate_free_slots(struct ots_gate *g);

#endif
