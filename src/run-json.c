/*
 * run-json.c: "weft run --json", one JSON document on stdout when the
 * run ends, for scripts and CI.  What weft prints for people (the
 * header, task lines, the summary) then goes to stderr, so stdout holds
 * the document and nothing else.  Written from main's own state, so it
 * is there with monitoring off too.  Called by cmd-run.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "weft.h"
#include "proto.h"
#include "dag.h"
#include "run.h"

/*
 * Keeps stdout for the document and points descriptor 1 at stderr for
 * everything else.  Returns 0, or -1 having said why.
 */
int
run_json_begin(struct run *r)
{
	fflush(stdout);
	if ((r->json_fd = dup(STDOUT_FILENO)) == -1 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) == -1) {
		fprintf(stderr, "weft run: --json: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* An epoch time as ISO 8601 in UTC with milliseconds, or null. */
static json_t *
json_time(double t)
{
	struct tm	 tm;
	time_t		 s = (time_t)t;
	char		 buf[40];

	if (t <= 0 || gmtime_r(&s, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ".%03dZ",
	    (int)((t - (double)s) * 1000.0));
	return json_string(buf);
}

static json_t *
json_path(const struct run *r, uint32_t i, int err)
{
	json_t	*j;
	char	*path;

	if ((path = task_log_path(r, i, err)) == NULL)
		return json_null();
	j = dbread_json_string(path);
	free(path);
	return j;
}

/* A task that failed or was killed, as the document lists it. */
static json_t *
json_failure(const struct run *r, uint32_t i)
{
	const struct task	*t = &r->dag->tasks[i];
	const struct task_run	*tr = &r->tasks[i];
	json_t			*o;
	char			*s;

	o = json_object();
	json_object_set_new(o, "task", dbread_json_string(t->id));
	json_object_set_new(o, "app", dbread_json_string(t->app->name));
	json_object_set_new(o, "kind", json_string(TASK_IS_FUNCTION(t) ?
	    "function" : "command"));
	json_object_set_new(o, "state", json_string(state_names[tr->state]));
	json_object_set_new(o, "exit_code", tr->ran &&
	    WIFEXITED(tr->status) ? json_integer(WEXITSTATUS(tr->status)) :
	    json_null());
	if (tr->ran && WIFSIGNALED(tr->status)) {
		s = dbread_signal_name(WTERMSIG(tr->status));
		json_object_set_new(o, "signal", json_string(s));
		free(s);
	} else
		json_object_set_new(o, "signal", json_null());
	json_object_set_new(o, "tries", json_integer(tr->started ||
	    tr->ran ? (json_int_t)tr->attempt + 1 : 0));
	s = tr->state == TS_FAILED ? result_string(tr) : NULL;
	json_object_set_new(o, "reason", s != NULL ? dbread_json_string(s) :
	    json_string("running when the run stopped"));
	free(s);
	json_object_set_new(o, "allowed_failure", json_boolean(tr->allowed));
	json_object_set_new(o, "stdout", json_path(r, i, 0));
	json_object_set_new(o, "stderr", json_path(r, i, 1));
	return o;
}

/*
 * Writes the document: the run, its times, its counts per state, and
 * each task that failed or was killed.  Returns 0, or -1 having said why.
 */
int
run_json_write(struct run *r, const char *state, int rc)
{
	static const enum task_state counted[] = {
		TS_DONE, TS_CACHED, TS_FAILED, TS_DEP_FAIL, TS_SKIPPED,
		TS_KILLED, TS_NOT_RUN
	};
	json_t		*root, *counts, *failures, *wf;
	FILE		*f;
	const char	*base;
	char		*path;
	size_t		 i;
	int		 ok;

	if (r->json_fd == -1)
		return 0;
	dbread_json_init();
	root = json_object();
	json_object_set_new(root, "format_version",
	    json_integer(WEFT_JSON_VERSION));
	json_object_set_new(root, "run", json_string(r->rd.name));
	json_object_set_new(root, "run_dir", dbread_json_string(r->rd.path));
	wf = json_object();
	json_object_set_new(wf, "name", dbread_json_string(r->wf->name));
	base = strrchr(r->wf->path, '/');
	path = xprintf("%s/%s", r->wf->dir, base != NULL ? base + 1 :
	    r->wf->path);
	json_object_set_new(wf, "file", dbread_json_string(path));
	free(path);
	json_object_set_new(root, "workflow", wf);
	json_object_set_new(root, "state", json_string(state));
	json_object_set_new(root, "exit_code", json_integer(rc));
	json_object_set_new(root, "allowed_failures",
	    json_integer(r->nallowed));
	json_object_set_new(root, "started", json_time(r->began));
	json_object_set_new(root, "ended", json_time(db_now()));
	json_object_set_new(root, "duration",
	    json_real(elapsed_ms(&r->t0) / 1000.0));
	counts = json_object();
	json_object_set_new(counts, "total", json_integer(r->dag->ntasks));
	for (i = 0; i < sizeof counted / sizeof counted[0]; i++)
		json_object_set_new(counts, state_names[counted[i]],
		    json_integer(r->counts[counted[i]]));
	json_object_set_new(root, "counts", counts);
	json_object_set_new(root, "retried", json_integer(r->nretried));
	/* Where pools ran: the provider, and its blocks (none if local). */
	json_object_set_new(root, "provider", json_string(r->wf->provider));
	json_object_set_new(root, "blocks", provider_json(r));
	json_object_set_new(root, "monitoring", r->mon == NULL ?
	    json_string("off") : json_string(r->mon_lost > 0 ||
	    r->mon_spool_left ? "incomplete" : "complete"));
	failures = json_array();
	for (i = 0; i < r->dag->ntasks; i++) {
		if (r->tasks[i].state == TS_FAILED ||
		    r->tasks[i].state == TS_KILLED)
			json_array_append_new(failures, json_failure(r, i));
	}
	json_object_set_new(root, "failures", failures);
	json_object_set_new(root, "report", dbread_json_string(
	    r->report_path));
	json_object_set_new(root, "junit", dbread_json_string(r->junit_path));

	ok = (f = fdopen(r->json_fd, "w")) != NULL &&
	    json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) ==
	    0 && fputc('\n', f) != EOF;
	if (f != NULL)
		ok = fclose(f) == 0 && ok;
	else
		close(r->json_fd);
	r->json_fd = -1;
	json_decref(root);
	if (!ok) {
		fprintf(stderr, "weft run: cannot write the JSON result: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}
