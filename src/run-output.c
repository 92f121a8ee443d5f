/*
 * run-output.c: what "weft run" prints on stdout.
 *
 * Owns the lines of a run: a line per event, the failures with the tail
 * of their stderr, the progress lines, and the summary at the end.
 * Called from cmd-run.c and its other companions.  How it prints
 * depends on where stdout goes (output_setup decides once):
 *
 *	a terminal	the live view of run-live.c, a status area redrawn
 *			in place; only failures, retries and requeues (every
 *			event with -v) are printed, above the area
 *	elsewhere	a line per event, each with the time (HH:MM:SS,
 *			local), a failure's stderr tail under its line, and
 *			a progress line every RUN_REPORT_MS, or sooner
 *			when another tenth of the tasks has finished (at
 *			most one a second)
 *
 * Under GitHub Actions (GITHUB_ACTIONS=true) a failure is also an
 * ::error annotation and its stderr tail a ::group:: block; under GitLab
 * CI (GITLAB_CI=true) the tail is a collapsed section.  --quiet leaves
 * only the summary (and the annotations).  WEFT_PROGRESS_MS (for tests)
 * sets the period of the progress lines.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

#define TAIL_WINDOW	65536	/* bytes read from the end of a log */

static int
env_is(const char *name, const char *value)
{
	const char	*v = getenv(name);

	return v != NULL && strcmp(v, value) == 0;
}

/*
 * Decides once how the run prints: the live view on a terminal (not
 * with --quiet, nor on TERM=dumb), colour there unless NO_COLOR is set,
 * the CI service, and the period of the timer that drives the redraws
 * or the progress lines.
 */
void
output_setup(struct run *r)
{
	const char	*nc = getenv("NO_COLOR"), *term = getenv("TERM");
	int		 ms;

	if (r->tail < 0)
		r->tail = RUN_TAIL_LINES;
	if (env_is("GITHUB_ACTIONS", "true"))
		r->ci = CI_GITHUB;
	else if (env_is("GITLAB_CI", "true"))
		r->ci = CI_GITLAB;
	r->report_ms = RUN_REPORT_MS;
	if (getenv("WEFT_PROGRESS_MS") != NULL &&
	    parse_number(getenv("WEFT_PROGRESS_MS"), 10, 3600000, &ms) == 0)
		r->report_ms = ms;
	if (r->quiet)
		r->tick_ms = 0;
	else if (r->tty && (term == NULL || strcmp(term, "dumb") != 0)) {
		r->live = live_new();
		r->color = nc == NULL || *nc == '\0';
		r->tick_ms = RUN_PROGRESS_MS;
	} else
		r->tick_ms = r->report_ms / 10 < 1000 ?
		    (int)(r->report_ms / 10) : 1000;
	/* One write per turn of the loop, not one per line. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
}

void
output_free(struct run *r)
{
	live_free(r->live);
	r->live = NULL;
	free(r->newest_failure);
	r->newest_failure = NULL;
}

/* Erases the live view before something else is printed. */
void
progress_clear(struct run *r)
{
	if (r->live != NULL)
		live_erase(r);
}

/* The timer: a redraw of the live view, or maybe a progress line. */
void
progress_show(struct run *r)
{
	char	 counts[256], times[128], ts[16];
	int64_t	 now;
	time_t	 t;

	if (r->quiet)
		return;
	if (r->live != NULL) {
		live_draw(r, 0);
		return;
	}
	now = elapsed_ms(&r->t0);
	if (r->nfinished >= r->dag->ntasks)
		return;
	if (now - r->reported_at < r->report_ms &&
	    ((r->nfinished - r->reported_done) * 10 < r->dag->ntasks ||
	    r->nfinished == r->reported_done))
		return;
	r->reported_at = now;
	r->reported_done = r->nfinished;
	progress_counts(r, counts, sizeof counts);
	progress_times(r, times, sizeof times);
	t = time(NULL);
	strftime(ts, sizeof ts, "%H:%M:%S", localtime(&t));
	printf("%s progress %zu/%zu (%d%%): %s; %s\n", ts, r->nfinished,
	    r->dag->ntasks, (int)(r->nfinished * 100 / r->dag->ntasks),
	    counts, times);
}

/* The end of a turn of the loop: the live view back if it was erased. */
void
progress_flush(struct run *r)
{
	if (r->live != NULL && !live_shown(r->live))
		live_draw(r, 1);
	fflush(stdout);
}

/* SIGWINCH: the terminal changed size. */
void
progress_resized(struct run *r)
{
	if (r->live != NULL)
		live_draw(r, 1);
	fflush(stdout);
}

/* "1h05m", "2m03s", "12s". */
void
compact_duration(int64_t ms, char *buf, size_t len)
{
	int64_t	 s = ms / 1000;

	if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

/* "2 running, 10 queued, 0 failed, 1 retried, 3 cached" and the rest. */
void
progress_counts(struct run *r, char *buf, size_t len)
{
	size_t	 n;

	n = snprintf(buf, len, "%zu running, %zu queued, %zu failed, "
	    "%zu retried, %zu cached", r->counts[TS_RUNNING],
	    r->counts[TS_SENT] + r->counts[TS_KEYING], r->counts[TS_FAILED],
	    r->nretried, r->counts[TS_CACHED]);
	if (r->counts[TS_DEP_FAIL] > 0 && n < len)
		n += snprintf(buf + n, len - n, ", %zu dep_fail",
		    r->counts[TS_DEP_FAIL]);
	if (r->counts[TS_SKIPPED] > 0 && n < len)
		n += snprintf(buf + n, len - n, ", %zu skipped",
		    r->counts[TS_SKIPPED]);
	if (r->counts[TS_WAITING] > 0 && n < len)
		snprintf(buf + n, len - n, ", %zu waiting",
		    r->counts[TS_WAITING]);
}

/* "12.5 tasks/s, 1m02s elapsed, ETA 40s". */
void
progress_times(struct run *r, char *buf, size_t len)
{
	char	 el[32], eta[32];
	int64_t	 ms = elapsed_ms(&r->t0);
	double	 rate;

	rate = ms > 0 ? r->nfinished * 1000.0 / ms : 0;
	compact_duration(ms, el, sizeof el);
	if (r->nfinished == 0 || rate <= 0)
		snprintf(eta, sizeof eta, "?");
	else
		compact_duration((int64_t)((r->dag->ntasks - r->nfinished) *
		    1000.0 / rate), eta, sizeof eta);
	snprintf(buf, len, "%.1f tasks/s, %s elapsed, ETA %s", rate, el, eta);
}

static void	 vline(struct run *, const char *, va_list) printflike(2, 0);
static void	 line(struct run *, const char *, ...) printflike(2, 3);

static void
vline(struct run *r, const char *fmt, va_list ap)
{
	char	 ts[16];
	time_t	 t;

	if (r->live == NULL) {
		t = time(NULL);
		strftime(ts, sizeof ts, "%H:%M:%S ", localtime(&t));
		fputs(ts, stdout);
	} else
		live_erase(r);
	vprintf(fmt, ap);
	putchar('\n');
}

/*
 * One line per event, timed off a terminal.  On a terminal only those
 * that ALWAYS show (failures, retries, requeues), or every one with -v,
 * above the live view.
 */
void
event_line(struct run *r, int always, const char *fmt, ...)
{
	va_list	 ap;

	if (r->quiet || (r->live != NULL && !always && !r->verbose))
		return;
	va_start(ap, fmt);
	vline(r, fmt, ap);
	va_end(ap);
}

static void
line(struct run *r, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vline(r, fmt, ap);
	va_end(ap);
}

/*
 * The stdout (ERR 0) or stderr file of task I's last try, or NULL if it
 * has none: a command's own, or the files of the worker that ran a call
 * (which hold the other calls' output too).
 */
char *
task_log_path(const struct run *r, uint32_t i, int err)
{
	const struct task_run	*tr = &r->tasks[i];
	char			*dir, *path;

	if (!tr->ran || tr->spawn_errno != 0)
		return NULL;
	if (TASK_IS_FUNCTION(&r->dag->tasks[i]))
		return tr->worker < 0 ? NULL : xprintf("%s/worker-%d.%d.%s",
		    r->rd.path, tr->pool, tr->worker, err ? "log" : "out");
	dir = rundir_task_dirname(r->dag->tasks[i].id);
	path = xprintf("%s/tasks/%s/try-%u/%s", r->rd.path, dir,
	    tr->attempt, err ? "stderr" : "stdout");
	free(dir);
	return path;
}

/*
 * The last N lines of PATH, or of its stretch from OFF for LEN bytes (-1:
 * the whole file), each NUL-terminated in the returned buffer; *NLINES
 * gets how many, *LINES where they start.  NULL when it cannot be read
 * or is empty.
 */
static char *
read_tail(const char *path, int64_t off, int64_t len, int n, char ***linesp,
    int *nlines)
{
	char		*buf, **lines, *p, *end;
	size_t		 got;
	int		 k = 0;

	*nlines = 0;
	*linesp = NULL;
	if ((buf = file_tail(path, off, len, n, TAIL_WINDOW, &got)) == NULL)
		return NULL;
	lines = xcalloc(n, sizeof *lines);
	end = buf + got;
	for (p = buf; k < n && p <= end; k++) {
		lines[k] = p;
		p += strcspn(p, "\n");
		*p++ = '\0';
	}
	/* What would move the cursor or end a CI marker is shown as '?'. */
	for (p = buf; p < end; p++) {
		if (*p == '\r' || (*p != '\0' && *p != '\t' && *p != '\033' &&
		    (unsigned char)*p < 0x20))
			*p = '?';
	}
	*linesp = lines;
	*nlines = k;
	return buf;
}

/* S escaped as GitHub's workflow commands want: data, or a property. */
static void
gh_escaped(FILE *f, const char *s, int property)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			fputs("%25", f);
		else if (*s == '\r')
			fputs("%0D", f);
		else if (*s == '\n')
			fputs("%0A", f);
		else if (property && *s == ':')
			fputs("%3A", f);
		else if (property && *s == ',')
			fputs("%2C", f);
		else
			putc(*s, f);
	}
}

static void
gh_annotation(struct run *r, uint32_t i, const char *why, char **lines,
    int n)
{
	const char	*id = r->dag->tasks[i].id;
	int		 k;

	fputs("::error title=", stdout);
	gh_escaped(stdout, id, 1);
	fputs("::", stdout);
	gh_escaped(stdout, id, 0);
	fputs(" failed: ", stdout);
	gh_escaped(stdout, why, 0);
	for (k = 0; k < n; k++) {
		fputs("%0A", stdout);
		gh_escaped(stdout, lines[k], 0);
	}
	putchar('\n');
}

/* The tail under a failed line: indented, folded on a CI service. */
static void
print_tail(struct run *r, uint32_t i, char **lines, int n)
{
	const char	*id = r->dag->tasks[i].id;
	long long	 now = (long long)time(NULL);
	int		 k;

	if (r->ci == CI_GITHUB) {
		fputs("::group::stderr of ", stdout);
		gh_escaped(stdout, id, 0);
		printf(" (last %d line%s)\n", n, n == 1 ? "" : "s");
	} else if (r->ci == CI_GITLAB)
		printf("\033[0Ksection_start:%lld:weft_stderr_%u_%u"
		    "[collapsed=true]\r\033[0Kstderr of %s (last %d line%s)\n",
		    now, i, r->tasks[i].attempt, id, n, n == 1 ? "" : "s");
	for (k = 0; k < n; k++)
		printf("    %s\n", lines[k]);
	if (r->ci == CI_GITHUB)
		fputs("::endgroup::\n", stdout);
	else if (r->ci == CI_GITLAB)
		printf("\033[0Ksection_end:%lld:weft_stderr_%u_%u\r\033[0K\n",
		    now, i, r->tasks[i].attempt);
}

/*
 * Task I failed for good, for WHY.  Its line; off a terminal the tail of
 * its stderr (--tail lines) under it; on GitHub Actions an annotation;
 * on a terminal the live view shows it as the newest failure.  RES is
 * the result of its last try, when that is what failed it: a call's
 * stderr is the stretch of its worker's log that RES names.
 */
void
event_failed(struct run *r, uint32_t i, const char *why,
    const struct msg_result *res)
{
	const char	*id = r->dag->tasks[i].id;
	char		*path = NULL, *buf = NULL, **lines = NULL;
	int		 fn = TASK_IS_FUNCTION(&r->dag->tasks[i]), n = 0;

	if (r->live != NULL) {
		free(r->newest_failure);
		r->newest_failure = xprintf("%s %s", id, why);
	}
	if ((r->live == NULL || r->ci != CI_NONE) &&
	    (!fn || (res != NULL && res->err_offset >= 0 &&
	    res->err_length >= 0)) &&
	    (path = task_log_path(r, i, 1)) != NULL)
		buf = read_tail(path, fn ? res->err_offset : -1,
		    fn ? res->err_length : -1, r->tail, &lines, &n);
	if (!r->quiet) {
		if (r->live != NULL && r->color)
			line(r, "\033[31mfailed\033[0m   %s %s", id, why);
		else
			line(r, "failed   %s %s", id, why);
		if (r->live == NULL && n > 0)
			print_tail(r, i, lines, n);
	}
	if (r->ci == CI_GITHUB) {
		progress_clear(r);
		gh_annotation(r, i, why, lines, n);
	}
	free(lines);
	free(buf);
	free(path);
}

void
print_summary(struct run *r)
{
	static const enum task_state order[] = {
		TS_DONE, TS_CACHED, TS_FAILED, TS_DEP_FAIL, TS_SKIPPED,
		TS_KILLED, TS_NOT_RUN
	};
	struct task	*t;
	char		*dir, *why;
	const char	*sep = "", *allowed;
	size_t		 i;

	progress_clear(r);
	printf("summary: %zu task%s:", r->dag->ntasks,
	    r->dag->ntasks == 1 ? "" : "s");
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (r->counts[order[i]] == 0)
			continue;
		printf("%s %zu %s", sep, r->counts[order[i]],
		    state_names[order[i]]);
		sep = ",";
	}
	printf(" in %.2fs", elapsed_ms(&r->t0) / 1000.0);
	if (r->nallowed > 0)
		printf(" (%zu allowed to fail)", r->nallowed);
	if (r->nretried > 0)
		printf(" (%zu needed retries)", r->nretried);
	putchar('\n');
	if (r->mon_lost > 0)
		printf("monitoring: record incomplete: %lu batches of events "
		    "could not be kept (see %s/weft.log)\n", r->mon_lost,
		    r->rd.path);
	else if (r->mon_spool_left)
		printf("monitoring: record incomplete: its last events are "
		    "kept in %s/monitor.spool; the next weft command that "
		    "opens %s (weft runs, say) writes them\n", r->rd.path,
		    r->dbpath);
	for (i = 0; i < r->dag->ntasks; i++) {
		if (r->tasks[i].state != TS_FAILED)
			continue;
		t = &r->dag->tasks[i];
		dir = rundir_task_dirname(t->id);
		why = result_string(&r->tasks[i]);
		/* A call's stderr is in its worker's log. */
		allowed = r->tasks[i].allowed ? " (allowed to fail)" : "";
		if (!r->tasks[i].ran || r->tasks[i].spawn_errno != 0 ||
		    (TASK_IS_FUNCTION(t) && r->tasks[i].worker < 0))
			printf("failed %s%s: %s\n", t->id, allowed, why);
		else if (TASK_IS_FUNCTION(t))
			printf("failed %s%s: %s, stderr in %s/worker-%d.%d."
			    "log\n", t->id, allowed, why, r->rd.path,
			    r->tasks[i].pool, r->tasks[i].worker);
		else
			printf("failed %s%s: %s, stderr in %s/tasks/%s/"
			    "try-%u/stderr\n", t->id, allowed, why,
			    r->rd.path, dir, r->tasks[i].attempt);
		free(why);
		free(dir);
	}
}
