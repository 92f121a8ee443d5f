/*
 * run-live.c: the live view of "weft run" on a terminal.
 *
 * Owns the status area: a few lines at the bottom of the output, redrawn
 * in place (cursor up, erase to the end of the screen, the lines again),
 * never scrolling and never leaving a copy behind:
 *
 *	[#########.........] 120/2000 6%  12.5 tasks/s, 1m02s elapsed, ETA 2m
 *	2 running, 10 queued, 1 failed, 0 retried, 0 cached
 *	longest running: t[i=3] 12s, t[i=4] 3s
 *	newest failure: t[i=7] exit 3
 *
 * Every line is cut to one column less than the terminal's width
 * (counted in display columns, textcol.c), so none wraps.  The width is
 * read on every redraw; when the terminal got narrower, a terminal that
 * rewraps its lines (tmux, VTE, kitty) made the old lines taller, and the
 * erase counts the rows they take now.  Redraws come from run-output.c:
 * at most one per RUN_PROGRESS_MS tick and only when something shown
 * changed, at the end of a turn in which the area was erased to print a
 * line above it, and on SIGWINCH.
 */

#include <sys/ioctl.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

#define LIVE_LINES	4
#define LIVE_MAX_WIDTH	512	/* columns drawn at most */
#define LIVE_LINE_MAX	(LIVE_MAX_WIDTH * 4 + 64)
#define LIVE_LONGEST	5	/* running tasks named at most */

struct live {
	size_t		 cols[LIVE_LINES];	/* of each line shown */
	int		 nshown;		/* 0: erased */
	uint64_t	 sig;			/* what was drawn */
	int64_t		 drawn_ms;
};

/* A line being built: text cut at MAX columns, colours around parts. */
struct lbuf {
	char		 s[LIVE_LINE_MAX];
	size_t		 len;
	size_t		 cols;
	size_t		 max;
	int		 full;
	int		 color;
};

struct live *
live_new(void)
{
	return xcalloc(1, sizeof(struct live));
}

void
live_free(struct live *lv)
{
	free(lv);
}

int
live_shown(const struct live *lv)
{
	return lv->nshown > 0;
}

/* The terminal's width: TIOCGWINSZ on stdout, else COLUMNS, else 80. */
int
live_width(void)
{
	struct winsize	 ws;
	int		 w;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (getenv("COLUMNS") != NULL &&
	    parse_number(getenv("COLUMNS"), 1, 100000, &w) == 0)
		return w;
	return 80;
}

static void
lb_init(struct lbuf *b, size_t max, int color)
{
	b->len = 0;
	b->cols = 0;
	b->max = max;
	b->full = 0;
	b->color = color;
	b->s[0] = '\0';
}

/* Appends TEXT (in COLOR, an SGR code such as "31", if colours are on). */
static void
lb_put(struct lbuf *b, const char *color, const char *text)
{
	char	 tmp[LIVE_LINE_MAX];
	size_t	 n, w;

	if (b->full || *text == '\0')
		return;
	n = textcol_copy(tmp, sizeof tmp, text, b->max - b->cols, &w);
	if (w < textcol_width(text))
		b->full = 1;
	if (n == 0)
		return;
	if (color != NULL && b->color)
		b->len += snprintf(b->s + b->len, sizeof b->s - b->len,
		    "\033[%sm%s\033[0m", color, tmp);
	else
		b->len += snprintf(b->s + b->len, sizeof b->s - b->len,
		    "%s", tmp);
	if (b->len >= sizeof b->s)
		b->len = sizeof b->s - 1;
	b->cols += w;
}

static void
lb_printf(struct lbuf *b, const char *color, const char *fmt, ...)
    printflike(3, 4);

static void
lb_printf(struct lbuf *b, const char *color, const char *fmt, ...)
{
	char	 tmp[LIVE_LINE_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	lb_put(b, color, tmp);
}

/* Rows the lines shown take at width W: more if the terminal rewrapped. */
static int
shown_rows(const struct live *lv, int w)
{
	int	 i, rows = 0;

	for (i = 0; i < lv->nshown; i++)
		rows += lv->cols[i] <= (size_t)w ? 1 :
		    (int)((lv->cols[i] + w - 1) / w);
	return rows;
}

/* Erases the area: the cursor goes back to where it began. */
void
live_erase(struct run *r)
{
	struct live	*lv = r->live;
	int		 rows;

	if (lv == NULL || lv->nshown == 0)
		return;
	rows = shown_rows(lv, live_width());
	printf("\r\033[%dA\033[J", rows);
	lv->nshown = 0;
}

/* A digest of what the area shows, to redraw only when it changed. */
static uint64_t
live_sig(struct run *r, int width)
{
	uint64_t	 h = 1469598103934665603ULL;
	size_t		 i;

	for (i = 0; i < TS_NSTATES; i++)
		h = (h ^ r->counts[i]) * 1099511628211ULL;
	h = (h ^ r->nretried) * 1099511628211ULL;
	h = (h ^ (uint64_t)width) * 1099511628211ULL;
	h = (h ^ (uint64_t)(uintptr_t)r->newest_failure) * 1099511628211ULL;
	/* The clocks shown move once a second. */
	h = (h ^ (uint64_t)(elapsed_ms(&r->t0) / 1000)) * 1099511628211ULL;
	return h;
}

/* Line 1: the bar, done/total and percentage, rate, elapsed, ETA. */
static void
line_bar(struct run *r, struct lbuf *b)
{
	char	 right[256], times[128], bar[LIVE_MAX_WIDTH + 1];
	size_t	 total = r->dag->ntasks, done = r->nfinished, bw, fill, i;
	int	 pct = total > 0 ? (int)(done * 100 / total) : 100;

	progress_times(r, times, sizeof times);
	snprintf(right, sizeof right, " %zu/%zu %d%%  %s", done, total, pct,
	    times);
	/* The bar takes what the text leaves, if that is 10 or more. */
	bw = b->max > textcol_width(right) + 2 ?
	    b->max - textcol_width(right) - 2 : 0;
	if (bw > 40)
		bw = 40;
	if (bw >= 10) {
		fill = total > 0 ? done * bw / total : bw;
		for (i = 0; i < bw; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[bw] = '\0';
		lb_put(b, NULL, "[");
		lb_put(b, "32", bar);
		lb_put(b, NULL, "]");
		lb_put(b, NULL, right);
	} else
		lb_put(b, NULL, right + 1);
}

/* Line 2: the counts, failures in red. */
static void
line_counts(struct run *r, struct lbuf *b)
{
	lb_printf(b, NULL, "%zu running, %zu queued, ", r->counts[TS_RUNNING],
	    r->counts[TS_SENT] + r->counts[TS_KEYING]);
	lb_printf(b, r->counts[TS_FAILED] > 0 ? "31" : NULL, "%zu failed",
	    r->counts[TS_FAILED]);
	lb_printf(b, NULL, ", %zu retried, %zu cached", r->nretried,
	    r->counts[TS_CACHED]);
	if (r->counts[TS_DEP_FAIL] > 0)
		lb_printf(b, NULL, ", %zu dep_fail", r->counts[TS_DEP_FAIL]);
	if (r->counts[TS_SKIPPED] > 0)
		lb_printf(b, NULL, ", %zu skipped", r->counts[TS_SKIPPED]);
	if (r->counts[TS_WAITING] > 0)
		lb_printf(b, NULL, ", %zu waiting", r->counts[TS_WAITING]);
}

/* Line 3: the tasks that have run longest, as many as fit. */
static int
line_longest(struct run *r, struct lbuf *b)
{
	uint32_t	 top[LIVE_LONGEST];
	size_t		 n = 0, i, j, k;
	int64_t		 now = elapsed_ms(&r->t0);
	char		 d[32], item[LIVE_LINE_MAX];

	if (r->counts[TS_RUNNING] == 0)
		return 0;
	for (i = 0; i < r->dag->ntasks; i++) {
		if (r->tasks[i].state != TS_RUNNING)
			continue;
		/* Insertion into the few kept, oldest start first. */
		for (j = n; j > 0 && r->tasks[top[j - 1]].running_ms >
		    r->tasks[i].running_ms; j--)
			;
		if (j >= LIVE_LONGEST)
			continue;
		if (n < LIVE_LONGEST)
			n++;
		for (k = n - 1; k > j; k--)
			top[k] = top[k - 1];
		top[j] = i;
	}
	lb_put(b, NULL, "longest running: ");
	for (i = 0; i < n; i++) {
		compact_duration(now - r->tasks[top[i]].running_ms, d,
		    sizeof d);
		snprintf(item, sizeof item, "%s%s %s", i > 0 ? ", " : "",
		    r->dag->tasks[top[i]].id, d);
		/* Whole names only, after the first. */
		if (i > 0 && b->cols + textcol_width(item) > b->max)
			break;
		lb_put(b, NULL, item);
	}
	return 1;
}

/*
 * Draws the area: with FORCE whenever it is not shown or has to be
 * redrawn, else only when something shown changed and the last redraw
 * is at least RUN_PROGRESS_MS old.
 */
void
live_draw(struct run *r, int force)
{
	struct live	*lv = r->live;
	struct lbuf	 b;
	int64_t		 now = elapsed_ms(&r->t0);
	uint64_t	 sig;
	int		 w, n = 0;

	if (lv == NULL || r->quiet)
		return;
	w = live_width();
	sig = live_sig(r, w);
	if (!force && lv->nshown > 0 && (sig == lv->sig ||
	    now - lv->drawn_ms < RUN_PROGRESS_MS))
		return;
	live_erase(r);
	lv->sig = sig;
	lv->drawn_ms = now;
	/* One column to spare: a full line would wrap on some terminals. */
	if (w - 1 > LIVE_MAX_WIDTH)
		w = LIVE_MAX_WIDTH + 1;
	if (w < 2)
		return;
	lb_init(&b, w - 1, r->color);
	line_bar(r, &b);
	printf("%s\n", b.s);
	lv->cols[n++] = b.cols;
	lb_init(&b, w - 1, r->color);
	line_counts(r, &b);
	printf("%s\n", b.s);
	lv->cols[n++] = b.cols;
	lb_init(&b, w - 1, r->color);
	if (line_longest(r, &b)) {
		printf("%s\n", b.s);
		lv->cols[n++] = b.cols;
	}
	if (r->newest_failure != NULL) {
		lb_init(&b, w - 1, r->color);
		lb_put(&b, "31", "newest failure: ");
		lb_put(&b, NULL, r->newest_failure);
		printf("%s\n", b.s);
		lv->cols[n++] = b.cols;
	}
	lv->nshown = n;
}
