#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define BAR 24

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n bytes as "12.3 MiB". */
static void
human(double n, char *out, size_t max)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (n >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		n /= 1024;
		u++;
	}
	snprintf(out, max, u == 0 ? "%.0f %s" : "%.1f %s", n, unit[u]);
}

static void
draw(struct progress *p, double t)
{
	char bar[BAR + 1], done[32], rate[32], left[32] = "";
	double secs = t - p->pg_t0, bps = 0, frac = 0;
	size_t fill, i;

	if (secs > 0)
		bps = (double)(p->pg_done - p->pg_first) / secs;
	if (p->pg_total > 0)
		frac = (double)p->pg_done / (double)p->pg_total;
	if (frac > 1)
		frac = 1;
	fill = (size_t)(frac * BAR);
	for (i = 0; i < BAR; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR] = '\0';
	human((double)p->pg_done, done, sizeof(done));
	human(bps, rate, sizeof(rate));
	if (bps > 0 && p->pg_total > p->pg_done) {
		unsigned long s = (unsigned long)((double)(p->pg_total -
		    p->pg_done) / bps);

		snprintf(left, sizeof(left), "  %lu:%02lu left", s / 60,
		    s % 60);
	}
	fprintf(stderr, "\r%s [%s] %5.1f%%  %s  %s/s%s\033[K", p->pg_what,
	    bar, frac * 100, done, rate, left);
	fflush(stderr);
	p->pg_drawn = t;
}

void
progress_begin(struct progress *p, bool on, const char *what, uint64_t total,
    uint64_t done)
{
	memset(p, 0, sizeof(*p));
	p->pg_on = on;
	p->pg_what = what;
	p->pg_total = total;
	p->pg_done = p->pg_first = done;
	p->pg_t0 = now();
	if (on)
		draw(p, p->pg_t0);
}

void
progress_at(struct progress *p, uint64_t done)
{
	double t;

	p->pg_done = done;
	if (!p->pg_on)
		return;
	t = now();
	if (t - p->pg_drawn >= 0.1)
		draw(p, t);
}

void
progress_end(struct progress *p, bool complete)
{
	if (!p->pg_on)
		return;
	if (complete && p->pg_total > 0)
		p->pg_done = p->pg_total;
	draw(p, now());
	fputc('\n', stderr);
	p->pg_on = false;
}
