/*
 * run-output.c: the terminal of "weft run".
 *
 * Owns what main prints on stdout: a line per event (only failures on a
 * terminal), the progress line, and the summary at the end.  Called from
 * cmd-run.c and its other companions.
 */

#include <stdio.h>
#include <stdlib.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

/* Erases the terminal progress line before printing a line of output. */
void
progress_clear(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stdout);
		r->progress_shown = 0;
	}
}

void
progress_show(struct run *r)
{
	if (!r->tty || r->quiet)
		return;
	progress_clear(r);
	printf("[%zu/%zu] %zu running, %zu queued, %zu done, %zu cached, "
	    "%zu failed, %zu dep_fail", r->nfinished, r->dag->ntasks,
	    r->counts[TS_RUNNING], r->counts[TS_SENT] + r->counts[TS_KEYING],
	    r->counts[TS_DONE], r->counts[TS_CACHED], r->counts[TS_FAILED],
	    r->counts[TS_DEP_FAIL]);
	r->progress_shown = 1;
	fflush(stdout);
}

/* One line per event; on a terminal only the failures. */
void
event_line(struct run *r, int always, const char *fmt, ...)
{
	va_list	 ap;

	if (r->quiet || (r->tty && !always))
		return;
	progress_clear(r);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void
print_summary(struct run *r)
{
	static const enum task_state order[] = {
		TS_DONE, TS_CACHED, TS_FAILED, TS_DEP_FAIL, TS_KILLED,
		TS_NOT_RUN
	};
	struct task	*t;
	char		*dir, *why;
	const char	*sep = "";
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
		if (!r->tasks[i].ran || r->tasks[i].spawn_errno != 0 ||
		    (TASK_IS_FUNCTION(t) && r->tasks[i].worker < 0))
			printf("failed %s: %s\n", t->id, why);
		else if (TASK_IS_FUNCTION(t))
			printf("failed %s: %s, stderr in %s/worker-%d.%d.log\n",
			    t->id, why, r->rd.path, r->tasks[i].pool,
			    r->tasks[i].worker);
		else
			printf("failed %s: %s, stderr in %s/tasks/%s/try-%u/"
			    "stderr\n", t->id, why, r->rd.path, dir,
			    r->tasks[i].attempt);
		free(why);
		free(dir);
	}
}
