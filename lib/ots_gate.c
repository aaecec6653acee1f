#include "ots_gate.h"

#include <errno.h>
#include <semaphore.h>
#include <time.h>

#include "ots_alloc.h"
#include "ots_banned.h"

struct ots_gate {
	sem_t g_sem;
};

enum ots_err
ots_gate_new(unsigned slots, struct ots_gate **out)
{
	struct ots_gate *g;

	*out = NULL;
	g = ots_calloc(1, sizeof(*g));
	if (g == NULL)
		return OTS_ERR_NOMEM;
	if (sem_init(&g->g_sem, 0, slots) != 0) {
		ots_free(g);
		return OTS_ERR_INVAL;
	}
	*out = g;
	return OTS_OK;
}

void
ots_gate_free(struct ots_gate *g)
{
	if (g == NULL)
		return;
	sem_destroy(&g->g_sem);
	ots_free(g);
}

enum ots_err
ots_gate_enter(struct ots_gate *g, unsigned wait_ms)
{
	struct timespec until;

	if (sem_trywait(&g->g_sem) == 0)
		return OTS_OK;
	if (clock_gettime(CLOCK_REALTIME, &until) != 0)
		return OTS_ERR_BUSY;
	until.tv_sec += (time_t)(wait_ms / 1000);
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(&g->g_sem, &until) != 0) {
		if (errno != EINTR)
			return OTS_ERR_BUSY;
	}
	return OTS_OK;
}

void
ots_gate_leave(struct ots_gate *g)
{
	sem_post(&g->g_sem);
}

unsigned
ots_gate_free_slots(struct ots_gate *g)
{
	int v = 0;

	if (sem_getvalue(&g->g_sem, &v) != 0 || v < 0)
		return 0;
	return (unsigned)v;
}
