/*
 * report-junit.c: a run as JUnit XML, the test report format that CI
 * servers (Jenkins, GitLab) read: one <testsuite> for the workflow, one
 * <testcase> per task, with classname the task's app and name its id.
 * A failed task has a <failure> (its reason, exit status or signal, and
 * the tail of its standard error); a task killed when the run stopped has
 * an <error>; a task that did not run (dep_fail, cached, not_run, or
 * still pending in a live run) is <skipped>, its text saying why.  The
 * output is valid against Jenkins' JUnit schema.  Every text is escaped and
 * loses the characters XML 1.0 does not allow.  Called through
 * report_write by cmd-report.c and run-report.c.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

/*
 * Writes S escaped for XML text, or for an attribute value when ATTR
 * (where tabs and line ends are written as character references, so a
 * reader keeps them).  Bytes that are not UTF-8 become U+FFFD; the
 * control characters XML 1.0 forbids, and U+FFFE and U+FFFF, are left
 * out.
 */
static void
junit_text(FILE *f, const char *s, int attr)
{
	const unsigned char	*p;
	char			*u;

	if (s == NULL)
		return;
	u = report_utf8(s, strlen(s));
	for (p = (const unsigned char *)u; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			continue;
		case '<':
			fputs("&lt;", f);
			continue;
		case '>':
			fputs("&gt;", f);
			continue;
		case '"':
			fputs(attr ? "&quot;" : "\"", f);
			continue;
		case '\t':
		case '\n':
		case '\r':
			if (attr)
				fprintf(f, "&#%d;", *p);
			else
				fputc(*p, f);
			continue;
		}
		if (*p < 0x20)
			continue;
		/* U+FFFE and U+FFFF: EF BF BE, EF BF BF. */
		if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe ||
		    p[2] == 0xbf)) {
			p += 2;
			continue;
		}
		fputc(*p, f);
	}
	free(u);
}

/* An attribute NAME="VALUE", with a space before it. */
static void
junit_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	junit_text(f, value, 1);
	fputc('"', f);
}

/* Seconds as JUnit readers take them: "12.345", never negative. */
static void
junit_time(FILE *f, double secs)
{
	if (isnan(secs) || secs < 0)
		secs = 0;
	fprintf(f, " time=\"%.3f\"", secs);
}

/* The first task it depends on that failed or was not run, or NULL. */
static const struct report_task *
junit_failed_dep(const struct report *rp, const struct report_task *t)
{
	const struct report_task	*d;
	const char			*p;
	char				*end;

	for (p = t->deps; p != NULL && *p != '\0'; p = end) {
		d = report_task_at(rp, strtoll(p, &end, 10));
		if (end == p)
			break;
		if (*end == ',')
			end++;
		if (d != NULL && (strcmp(d->state, "failed") == 0 ||
		    strcmp(d->state, "dep_fail") == 0 ||
		    strcmp(d->state, "skipped") == 0 ||
		    strcmp(d->state, "killed") == 0))
			return d;
	}
	return NULL;
}

/* How the task ended, in words: "exit 3", "SIGKILL", or NULL. */
static char *
junit_status(const struct report_task *t)
{
	if (t->sig != 0)
		return dbread_signal_name(t->sig);
	if (t->has_exit)
		return xprintf("exit %d", t->exit_code);
	return NULL;
}

/* The text of a <failure> or <error>: what ended it, and stderr's tail. */
static void
junit_failure(FILE *f, const struct report_task *t, const char *elem,
    const char *what)
{
	char	*status, *msg;

	status = junit_status(t);
	msg = t->reason != NULL ? xstrdup(t->reason) : status != NULL ?
	    xstrdup(status) : xstrdup(what);
	fprintf(f, "      <%s", elem);
	junit_attr(f, "message", msg);
	junit_attr(f, "type", status != NULL ? status : what);
	fputs(">", f);
	fprintf(f, "%s: ", what);
	junit_text(f, msg, 0);
	fprintf(f, "\ntries: %d\n", t->ntries);
	if (t->sig != 0)
		fprintf(f, "signal: %s\n", status);
	else if (t->has_exit)
		fprintf(f, "exit code: %d\n", t->exit_code);
	if (t->stderr_path != NULL) {
		fputs("stderr: ", f);
		junit_text(f, t->stderr_path, 0);
		fputc('\n', f);
	}
	if (t->tail != NULL && *t->tail != '\0') {
		fprintf(f, "--- last %d lines of stderr ---\n",
		    REPORT_TAIL_LINES);
		junit_text(f, t->tail, 0);
		fputc('\n', f);
	}
	fprintf(f, "</%s>\n", elem);
	free(status);
	free(msg);
}

/* Why a task that did not run was skipped; NULL if it ran. */
static char *
junit_skipped(const struct report *rp, const struct report_task *t)
{
	const struct report_task	*d;

	if (strcmp(t->state, "dep_fail") == 0) {
		if ((d = junit_failed_dep(rp, t)) != NULL)
			return xprintf("dep_fail: not run because %s %s",
			    d->id, d->state);
		return xstrdup("dep_fail: not run because a task it needs "
		    "failed");
	}
	if (strcmp(t->state, "cached") == 0)
		return xstrdup("cached: not run, the task cache had it");
	if (strcmp(t->state, "skipped") == 0)
		return xprintf("skipped: %s", t->why != NULL ? t->why :
		    "its condition said no");
	if (strcmp(t->state, "not_run") == 0)
		return xprintf("not_run: %s", t->why != NULL ? t->why :
		    "the run stopped before it started");
	if (strcmp(t->state, "pending") == 0)
		return xstrdup(t->ntries > 0 ? "running: not ended yet" :
		    "pending: not ended yet");
	return NULL;
}

static void
junit_testcase(FILE *f, const struct report *rp, const struct report_task *t)
{
	char	*skip;

	fputs("    <testcase", f);
	junit_attr(f, "classname", t->app != NULL ? t->app : "-");
	junit_attr(f, "name", t->id);
	junit_time(f, t->duration);
	if (strcmp(t->state, "done") == 0) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (strcmp(t->state, "failed") == 0)
		junit_failure(f, t, "failure", t->why != NULL ?
		    "failed, allowed to fail" : "failed");
	else if (strcmp(t->state, "killed") == 0)
		junit_failure(f, t, "error", "killed");
	else if ((skip = junit_skipped(rp, t)) != NULL) {
		/*
		 * The reason is the element's text: Jenkins' schema allows
		 * no attribute on it, and Jenkins and GitLab read the text.
		 */
		fputs("      <skipped>", f);
		junit_text(f, skip, 0);
		fputs("</skipped>\n", f);
		free(skip);
	}
	fputs("    </testcase>\n", f);
}

static void
junit_property(FILE *f, const char *name, const char *value)
{
	if (value == NULL)
		return;
	fputs("      <property", f);
	junit_attr(f, "name", name);
	junit_attr(f, "value", value);
	fputs("/>\n", f);
}

/* Writes RP as JUnit XML to F; returns 0 or -1 on a write error. */
int
report_junit(const struct report *rp, FILE *f)
{
	const struct report_task	*t;
	char				*s, stamp[20] = "";
	size_t				 i, failures = 0, errors = 0;
	size_t				 skipped = 0;

	for (i = 0; i < rp->ntasks; i++) {
		t = &rp->tasks[i];
		if (strcmp(t->state, "failed") == 0)
			failures++;
		else if (strcmp(t->state, "killed") == 0)
			errors++;
		else if (strcmp(t->state, "done") != 0)
			skipped++;
	}
	/* "2026-12-06 04:55:12.123456" as "2026-12-06T04:55:12". */
	if (rp->began != NULL && strlen(rp->began) >= 19) {
		memcpy(stamp, rp->began, 19);
		stamp[10] = 'T';
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
	s = xprintf("weft run %s", rp->run);
	junit_attr(f, "name", s);
	free(s);
	fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"",
	    rp->ntasks, failures, errors);
	junit_time(f, rp->duration);
	fputs(">\n  <testsuite", f);
	junit_attr(f, "name", rp->name != NULL ? rp->name : "workflow");
	fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "skipped=\"%zu\"", rp->ntasks, failures, errors, skipped);
	junit_time(f, rp->duration);
	if (*stamp != '\0')
		junit_attr(f, "timestamp", stamp);
	junit_attr(f, "hostname", rp->host != NULL ? rp->host : "localhost");
	junit_attr(f, "id", rp->run);
	fputs(">\n    <properties>\n", f);
	junit_property(f, "run", rp->run);
	junit_property(f, "workflow_file", rp->file);
	junit_property(f, "run_dir", rp->rundir);
	junit_property(f, "state", rp->state);
	if (rp->has_exit) {
		s = xprintf("%d", rp->exit_code);
		junit_property(f, "exit_code", s);
		free(s);
	}
	fputs("    </properties>\n", f);
	for (i = 0; i < rp->ntasks; i++)
		junit_testcase(f, rp, &rp->tasks[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -1 : 0;
}
