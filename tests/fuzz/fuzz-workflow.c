/*
 * fuzz-workflow.c: libFuzzer harness for the workflow loader and the task
 * graph.  Each input is a workflow file, loaded in both modes through a
 * memfd; a workflow that loads in full mode is also expanded by dag_build
 * unless it would give more than FUZZ_MAX_TASKS tasks.  Besides what the
 * sanitizers catch, the harness aborts when a promise of weft.h is broken:
 * an error string exactly when loading fails, each error line starting
 * with the file's display name (and in UTF-8, as libyaml makes every
 * value), definitions mode never holding main and reading the same
 * definitions as full mode, listed combinations (zip, exclude, include)
 * that name values their keys have, and a graph whose edges are
 * consistent and acyclic.  Everything is freed, so LeakSanitizer reports
 * what the loader or the builder forgets.
 */

#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "fuzz-common.h"

/* Above this many tasks dag_build is not called: it is linear, but slow. */
#define FUZZ_MAX_TASKS	20000
/* Bytes of task text one input may have expanded by the checks. */
#define FUZZ_MAX_TEXT	((size_t)32 << 20)

#define DISPLAY		"fuzz.yaml"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 input_fd = -1;
static char	 input_path[64];

/* Reports which promise was broken, with the input's error text, and dies. */
static void __dead
broken(const char *what, const char *err)
{
	fprintf(stderr, "fuzz-workflow: %s\n", what);
	if (err != NULL)
		fprintf(stderr, "--- error text ---\n%s\n--- end ---\n", err);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* The loader takes a path: a memfd gives one with no file behind. */
	if ((input_fd = memfd_create("fuzz-workflow", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(input_path, sizeof input_path, "/proc/self/fd/%d", input_fd);
	return 0;
}

static void
write_input(const uint8_t *data, size_t size)
{
	ssize_t	 n;
	size_t	 done = 0;

	if (ftruncate(input_fd, 0) == -1) {
		perror("ftruncate");
		abort();
	}
	while (done < size) {
		n = pwrite(input_fd, data + done, size - done, done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("pwrite");
			abort();
		}
		done += n;
	}
}

/* Reads "N:" at *pp as a positive number and moves past it; -1 if not. */
static long
read_position(const char **pp)
{
	const char	*p = *pp;
	long		 v = 0;

	if (*p < '1' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (v > 100000000)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	if (*p++ != ':')
		return -1;
	*pp = p;
	return v;
}

/*
 * The error text of workflow_load and dag_build: lines of
 * "DISPLAY:LINE:COL: message" or "DISPLAY: message", sorted by position
 * (lines without one first), no final newline, at most WF_MAX_ERRORS
 * messages and then one "too many errors" line.  Lines about a file the
 * input includes (any other name) come after the input's own.
 */
static void
check_errors(const char *err)
{
	const char	*line, *p, *nl;
	size_t		 dlen = strlen(DISPLAY), nlines = 0;
	long		 l, c, prev_l = 0, prev_c = 0;
	int		 too_many, other = 0;

	if (err == NULL)
		return;
	if (*err == '\0')
		broken("empty error text", err);
	/* libyaml refuses what is not UTF-8, so messages are UTF-8 too. */
	if (!utf8_valid(err))
		broken("the error text is not UTF-8", err);
	for (line = err; line != NULL; line = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		nlines++;
		if (strncmp(line, DISPLAY, dlen) != 0 || line[dlen] != ':') {
			/* An included file's: its own name, then a message. */
			other = 1;
			p = strstr(line, ": ");
			if (p == NULL || (nl != NULL && p > nl))
				broken("an error line of an included file has "
				    "no ': '", err);
			continue;
		}
		if (other)
			broken("an error of the input after one of a file it "
			    "includes", err);
		p = line + dlen + 1;
		too_many = strncmp(p, " too many errors", 16) == 0;
		if (too_many) {
			if (nl != NULL || nlines != WF_MAX_ERRORS + 1)
				broken("'too many errors' is not the last of "
				    "WF_MAX_ERRORS + 1 lines", err);
			break;
		}
		if (*p == ' ') {
			l = c = 0;
			p++;
		} else {
			if ((l = read_position(&p)) == -1 ||
			    (c = read_position(&p)) == -1 || *p++ != ' ')
				broken("an error line has no LINE:COL: or ': '",
				    err);
		}
		if (*p == '\0' || *p == '\n')
			broken("an error line has no message", err);
		if (l < prev_l || (l == prev_l && c < prev_c))
			broken("error lines are not sorted by position", err);
		prev_l = l;
		prev_c = c;
	}
	if (nlines > WF_MAX_ERRORS + 1)
		broken("more than WF_MAX_ERRORS + 1 error lines", err);
}

/* workflow_load's contract on the pointers it hands back. */
static void
check_result(int rc, const struct workflow *wf, const char *err)
{
	if (rc != 0 && rc != -1)
		broken("workflow_load returned neither 0 nor -1", err);
	if ((rc == 0) != (err == NULL))
		broken("the error text is not set exactly when loading fails",
		    err);
	if ((rc == 0) != (wf != NULL))
		broken("the workflow is not set exactly when loading works",
		    err);
	if (wf != NULL && (wf->version != WEFT_FORMAT_VERSION ||
	    wf->name == NULL || wf->provider == NULL || wf->dir == NULL))
		broken("a loaded workflow lacks its version, name, provider "
		    "or folder", NULL);
	check_errors(err);
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
mark_eq(const struct wf_mark *a, const struct wf_mark *b)
{
	return a->line == b->line && a->col == b->col &&
	    a->text_col == b->text_col;
}

/* Children read the definitions in WF_DEFINITIONS mode: they must match. */
static void
compare_definitions(const struct workflow *f, const struct workflow *d)
{
	const struct wf_app	*fa, *da;
	size_t			 i;

	if (d->has_main || d->ncalls != 0 || d->calls != NULL)
		broken("definitions mode holds main", NULL);
	if (!f->has_main || f->ncalls == 0 || f->main_events_skipped != 0)
		broken("full mode did not read main", NULL);
	if (f->version != d->version || !str_eq(f->name, d->name) ||
	    f->jobs != d->jobs || f->retries != d->retries ||
	    !str_eq(f->provider, d->provider) || f->pools != d->pools ||
	    f->monitoring != d->monitoring ||
	    f->resource_interval != d->resource_interval ||
	    !str_eq(f->dir, d->dir))
		broken("the modes read a different config", NULL);
	if (f->nenv != d->nenv || f->nplugins != d->nplugins ||
	    f->napps != d->napps || f->nfunctions != d->nfunctions ||
	    f->nparams != d->nparams || f->nincludes != d->nincludes)
		broken("the modes read different counts of definitions", NULL);
	for (i = 0; i < f->nparams; i++) {
		if (!str_eq(f->params[i].key, d->params[i].key) ||
		    !str_eq(f->params[i].value, d->params[i].value))
			broken("the modes read different params", NULL);
	}
	for (i = 0; i < f->nenv; i++) {
		if (!str_eq(f->env[i].from_env, d->env[i].from_env) ||
		    (f->env[i].value == NULL) == (f->env[i].from_env == NULL))
			broken("an env entry is not a value or a secret",
			    NULL);
	}
	for (i = 0; i < f->nenv; i++) {
		if (!str_eq(f->env[i].key, d->env[i].key) ||
		    !str_eq(f->env[i].value, d->env[i].value) ||
		    !mark_eq(&f->env[i].mark, &d->env[i].mark))
			broken("the modes read a different env", NULL);
	}
	for (i = 0; i < f->nplugins; i++) {
		if (!str_eq(f->plugins[i].name, d->plugins[i].name) ||
		    !str_eq(f->plugins[i].path, d->plugins[i].path) ||
		    !str_eq(f->plugins[i].abspath, d->plugins[i].abspath) ||
		    !mark_eq(&f->plugins[i].mark, &d->plugins[i].mark))
			broken("the modes read different plugins", NULL);
	}
	for (i = 0; i < f->napps; i++) {
		fa = &f->apps[i];
		da = &d->apps[i];
		if (!str_eq(fa->name, da->name) ||
		    !str_eq(fa->command, da->command) ||
		    !str_eq(fa->function, da->function) ||
		    !str_eq(fa->fn_plugin, da->fn_plugin) ||
		    !str_eq(fa->fn_symbol, da->fn_symbol) ||
		    !str_eq(fa->walltime, da->walltime) ||
		    fa->retries != da->retries ||
		    fa->walltime_ms != da->walltime_ms ||
		    !mark_eq(&fa->mark, &da->mark) ||
		    !mark_eq(&fa->command_mark, &da->command_mark) ||
		    !mark_eq(&fa->function_mark, &da->function_mark))
			broken("the modes read different apps", NULL);
		if ((fa->command == NULL) == (fa->function == NULL))
			broken("an app has both or neither of command and "
			    "function", NULL);
	}
}

/*
 * What a loaded main promises, and the number of tasks it expands to
 * (FUZZ_MAX_TASKS + 1 if more).
 */
static size_t
check_calls(const struct workflow *wf)
{
	const struct wf_call	*c;
	size_t			 i, j, n, total = 0;

	for (i = 0; i < wf->ncalls; i++) {
		c = &wf->calls[i];
		if (c->id == NULL || c->app == NULL)
			broken("a loaded entry has no id or no app", NULL);
		if (workflow_find_app(wf, c->app) == NULL)
			broken("a loaded entry names an unknown app", NULL);
		if ((c->when == WHEN_IF) != (c->when_cond != NULL) ||
		    (c->when != WHEN_SUCCESS && c->when_text == NULL))
			broken("an entry's when is not what it says", NULL);
		n = 1;
		for (j = 0; j < c->nforeach; j++) {
			if (c->foreach[j].nvalues == 0)
				broken("a loaded foreach key has no values",
				    NULL);
			if (n > FUZZ_MAX_TASKS)
				continue;
			n *= c->foreach[j].nvalues;
		}
		/* Listed combinations: each names a value of every key. */
		if (c->combos != NULL) {
			if (c->ncombos == 0)
				broken("a loaded entry lists no combination",
				    NULL);
			for (j = 0; j < c->ncombos * c->nforeach; j++) {
				if (c->combos[j] >=
				    c->foreach[j % c->nforeach].nvalues)
					broken("a combination names a value "
					    "its key does not have", NULL);
			}
			n = c->ncombos;
		}
		if (n > (size_t)wf->max_tasks)
			n = (size_t)wf->max_tasks + 1;
		total += n;
	}
	if (total > (size_t)wf->max_tasks)
		broken("a loaded main gives more than config.max_tasks tasks",
		    NULL);
	return total > FUZZ_MAX_TASKS ? FUZZ_MAX_TASKS + 1 : total;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
ptr_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *
result_value(void *arg, uint32_t index)
{
	const struct dag	*dag = arg;

	if (index >= dag->ntasks)
		broken("a result stand-in names a task that does not exist",
		    NULL);
	/* A value that would be shell syntax if it were not quoted. */
	return index % 2 == 0 ? "it's $(x)" : "";
}

/* A late string, filled in: every stand-in must be replaced. */
static void
check_fill(const struct dag *dag, const char *s, int shell)
{
	char	*filled;

	filled = dag_fill_results(s, shell, result_value, (void *)dag);
	if (strchr(filled, '\001') != NULL || strchr(filled, '\002') != NULL)
		broken("dag_fill_results left a stand-in", filled);
	free(filled);
}

/* The graph's promises: edges both ways, no cycle, unique task ids. */
static void
check_dag(const struct dag *dag, size_t ntasks)
{
	const struct task	*t, *d;
	struct task_text	 tt;
	uint32_t		*indeg, *queue, x, i32;
	size_t			 i, j, nedges = 0, nroots = 0, head = 0;
	size_t			 text_bytes = 0;
	size_t			 tail = 0, ndependents = 0;
	const char		**ids;

	if (dag->ntasks != ntasks)
		broken("dag_build gave another number of tasks than foreach",
		    NULL);
	ids = xcalloc(dag->ntasks + 1, sizeof *ids);
	for (i = 0; i < dag->ntasks; i++) {
		t = &dag->tasks[i];
		i32 = (uint32_t)i;
		if (t->index != i || t->id == NULL || t->call_id == NULL ||
		    t->app == NULL)
			broken("a task lacks its index, id, entry or app",
			    NULL);
		/*
		 * A task's text, expanded as when it is about to run, while
		 * the input's texts stay within what a fuzzer run can afford.
		 */
		if (text_bytes > FUZZ_MAX_TEXT)
			goto paths;
		dag_task_text(dag, t, &tt);
		text_bytes += tt.command != NULL ? strlen(tt.command) : 0;
		for (j = 0; j < tt.nargs; j++)
			text_bytes += strlen(tt.arg_values[j]);
		if ((tt.command == NULL) != (t->app->command == NULL))
			broken("a task's command does not follow its app",
			    NULL);
		for (j = 0; j < tt.nenv; j++) {
			if ((tt.env[j] == NULL) !=
			    (tt.env_kv[j]->from_env != NULL) ||
			    (tt.env[j] != NULL && (strncmp(tt.env[j],
			    tt.env_kv[j]->key, strlen(tt.env_kv[j]->key)) ||
			    tt.env[j][strlen(tt.env_kv[j]->key)] != '=')))
				broken("a task's env is not NAME=VALUE or a "
				    "secret", NULL);
		}
		x = (uint32_t)dag_task_when(dag, t);
		if (x > 1)
			broken("a condition is neither true nor false", NULL);
		if (tt.command != NULL && !t->late &&
		    strchr(tt.command, '\001') != NULL)
			broken("a command holds a stand-in but is not late",
			    tt.command);
		if (t->late) {
			if (tt.command != NULL)
				check_fill(dag, tt.command, 1);
			for (j = 0; j < tt.nargs; j++)
				check_fill(dag, tt.arg_values[j], 0);
		}
		task_text_free(&tt);
paths:
		for (j = 0; j < t->ninputs; j++) {
			if (t->inputs[j] == NULL || t->inputs[j][0] == '\0' ||
			    strchr(t->inputs[j], '\001') != NULL)
				broken("an input is empty or holds a result",
				    NULL);
		}
		for (j = 0; j < t->noutputs; j++) {
			if (t->outputs[j] == NULL || t->outputs[j][0] == '\0' ||
			    strchr(t->outputs[j], '\001') != NULL)
				broken("an output is empty or holds a result",
				    NULL);
		}
		for (j = 0; j < t->ndeps; j++) {
			x = t->deps[j];
			if (x >= dag->ntasks || x == i ||
			    (j > 0 && x <= t->deps[j - 1]))
				broken("deps are not sorted, unique tasks "
				    "other than the task itself", NULL);
		}
		/*
		 * Each dependent lists this task among its deps (a binary
		 * search: they are sorted); with the counts equal below and
		 * the lists strictly increasing, the two agree exactly.
		 */
		for (j = 0; j < t->ndependents; j++) {
			x = t->dependents[j];
			if (x >= dag->ntasks ||
			    (j > 0 && x <= t->dependents[j - 1]))
				broken("dependents are not sorted, unique "
				    "tasks", NULL);
			d = &dag->tasks[x];
			if (bsearch(&i32, d->deps, d->ndeps, sizeof *d->deps,
			    u32_cmp) == NULL)
				broken("a dependent does not list the task "
				    "among its deps", NULL);
		}
		nedges += t->ndeps;
		ndependents += t->ndependents;
		if (t->ndeps == 0)
			nroots++;
		ids[i] = t->id;
	}
	if (nedges != dag->nedges || ndependents != nedges ||
	    nroots != dag->nroots)
		broken("the graph's counts are wrong", NULL);
	qsort(ids, dag->ntasks, sizeof *ids, ptr_strcmp);
	for (i = 1; i < dag->ntasks; i++) {
		if (strcmp(ids[i - 1], ids[i]) == 0)
			broken("two tasks have the same id", ids[i]);
	}
	free(ids);

	/* Kahn's algorithm must reach every task. */
	indeg = xcalloc(dag->ntasks + 1, sizeof *indeg);
	queue = xcalloc(dag->ntasks + 1, sizeof *queue);
	for (i = 0; i < dag->ntasks; i++) {
		indeg[i] = dag->tasks[i].ndeps;
		if (indeg[i] == 0)
			queue[tail++] = i;
	}
	while (head < tail) {
		t = &dag->tasks[queue[head++]];
		for (j = 0; j < t->ndependents; j++) {
			if (--indeg[t->dependents[j]] == 0)
				queue[tail++] = t->dependents[j];
		}
	}
	if (tail != dag->ntasks)
		broken("dag_build accepted a graph with a cycle", NULL);
	free(indeg);
	free(queue);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workflow	*full = NULL, *defs = NULL;
	struct dag	*dag = NULL;
	char		*ferr = NULL, *derr = NULL, *gerr = NULL;
	size_t		 ntasks;
	int		 frc, drc, grc;

	write_input(data, size);
	frc = workflow_load(input_path, DISPLAY, NULL, WF_FULL, &full, &ferr);
	check_result(frc, full, ferr);
	drc = workflow_load(input_path, DISPLAY, NULL, WF_DEFINITIONS, &defs,
	    &derr);
	check_result(drc, defs, derr);
	if (defs != NULL && (defs->has_main || defs->ncalls != 0 ||
	    defs->calls != NULL))
		broken("definitions mode holds main", NULL);
	/* Full mode checks all that definitions mode does, and more. */
	if (frc == 0 && drc != 0)
		broken("full mode loads what definitions mode refuses", derr);

	if (frc == 0) {
		compare_definitions(full, defs);
		ntasks = check_calls(full);
		if (ntasks <= FUZZ_MAX_TASKS) {
			grc = dag_build(full, &dag, &gerr);
			if ((grc == 0) != (gerr == NULL) ||
			    (grc == 0) != (dag != NULL))
				broken("dag_build's result, graph and error "
				    "text disagree", gerr);
			check_errors(gerr);
			if (dag != NULL)
				check_dag(dag, ntasks);
			dag_free(&dag);
			free(gerr);
		}
	}
	workflow_free(&full);
	workflow_free(&defs);
	free(ferr);
	free(derr);
	return 0;
}
