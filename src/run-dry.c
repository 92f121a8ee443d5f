/*
 * run-dry.c: "weft run --dry-run" (-n), called by cmd-run.c instead of a
 * run: what would run and what is cached, decided as a run would, in
 * dependency order, with nothing started or written.  A task after one
 * that would run would run too: what it reads is not made yet.
 *
 * The plan is kept in a struct dry_plan (run.h), one struct dry_task per
 * task, and printed from there: one line per task, its verdict and id,
 * with resume on why a task runs (resume.c and resume-why.c say why a
 * key is not in the cache; a task after one that runs says
 * "dependency re-runs: ID"), and with --print (-p) the command or call
 * on the next line.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

struct dry_fill {
	struct run	*r;
	char	       **stand_in;	/* "<result of ID>", per task */
};

/* A result to fill in: the cached one, or a stand-in naming its task. */
static const char *
dry_result(void *arg, uint32_t i)
{
	struct dry_fill	*f = arg;

	if (i >= f->r->dag->ntasks)
		return NULL;
	if (f->r->tasks[i].result != NULL)
		return f->r->tasks[i].result;
	if (f->stand_in[i] == NULL)
		f->stand_in[i] = xprintf("<result of %s>",
		    f->r->dag->tasks[i].id);
	return f->stand_in[i];
}

/* Task X's text as it would run, with the results known so far. */
static void
dry_text(struct run *r, struct dry_fill *f, uint32_t x, struct task_text *tt)
{
	dag_task_text_filled(r->dag, &r->dag->tasks[x], tt, dry_result, f);
}

/* Asks resume.c about task X, whose dependencies are all cached. */
static void
dry_decide(struct run *r, struct dry_plan *p, uint32_t x)
{
	struct dry_task		*dt = &p->tasks[x];
	struct rs_verdict	*v;
	struct task_text	 tt;
	size_t			 j, n;

	task_text_now(r, &r->dag->tasks[x], &tt);
	resume_ready(r->rs, x, &tt, 0);
	v = resume_verdicts(r->rs, &n);
	for (j = 0; j < n; j++) {
		if (v[j].task == x && v[j].what == RS_CACHED) {
			dt->cached = 1;
			r->tasks[x].result = v[j].result;
			v[j].result = NULL;
		} else if (v[j].task == x && r->resume) {
			dt->why = v[j].message;
			v[j].message = NULL;
		}
		free(v[j].message);
		free(v[j].result);
	}
}

/* Decides every task of R into P; PRINT keeps each task's text. */
static void
dry_plan_make(struct run *r, const char *base, int print, struct dry_plan *p)
{
	struct task		*t;
	struct dry_fill		 f;
	uint32_t		*queue, *indeg, x, d;
	size_t			 head = 0, tail = 0, i, j;

	memset(p, 0, sizeof *p);
	p->ntasks = r->dag->ntasks;
	p->resume = r->resume;
	p->tasks = xcalloc(p->ntasks + 1, sizeof *p->tasks);
	r->tasks = xcalloc(r->dag->ntasks + 1, sizeof *r->tasks);
	r->rs = resume_open(r->wf, r->dag, base, r->resume, 1, "dry-run",
	    "/dev/null");
	f.r = r;
	f.stand_in = xcalloc(r->dag->ntasks + 1, sizeof *f.stand_in);
	queue = xcalloc(r->dag->ntasks + 1, sizeof *queue);
	indeg = xcalloc(r->dag->ntasks + 1, sizeof *indeg);
	for (i = 0; i < r->dag->ntasks; i++) {
		indeg[i] = r->dag->tasks[i].ndeps;
		if (indeg[i] == 0)
			queue[tail++] = i;
	}
	while (head < tail) {
		x = queue[head++];
		t = &r->dag->tasks[x];
		p->tasks[x].task = x;
		for (j = 0; j < t->ndeps; j++) {
			if (!p->tasks[t->deps[j]].cached)
				break;
		}
		if (j < t->ndeps) {
			if (r->resume)
				p->tasks[x].why = xprintf("dependency re-runs: "
				    "%s", r->dag->tasks[t->deps[j]].id);
		} else
			dry_decide(r, p, x);
		p->nrun += !p->tasks[x].cached && run_selected(r, x);
		p->nout += !run_selected(r, x);
		if (print && run_selected(r, x))
			dry_text(r, &f, x, &p->tasks[x].text);
		for (j = 0; j < t->ndependents; j++) {
			d = t->dependents[j];
			if (--indeg[d] == 0)
				queue[tail++] = d;
		}
	}
	for (i = 0; i < r->dag->ntasks; i++)
		free(f.stand_in[i]);
	free(f.stand_in);
	free(indeg);
	free(queue);
}

static void
dry_plan_free(struct dry_plan *p)
{
	size_t	 i;

	for (i = 0; i < p->ntasks; i++) {
		free(p->tasks[i].why);
		task_text_free(&p->tasks[i].text);
	}
	free(p->tasks);
	memset(p, 0, sizeof *p);
}

/* TEXT, each of its lines indented by four spaces. */
static void
print_indented(const char *text)
{
	const char	*nl;

	for (;;) {
		nl = strchr(text, '\n');
		printf("    %.*s\n", nl != NULL ? (int)(nl - text) :
		    (int)strlen(text), text);
		if (nl == NULL || nl[1] == '\0')
			break;
		text = nl + 1;
	}
}

/* A call as "function PLUGIN:SYMBOL(NAME="VALUE", ...)", values JSON. */
static void
print_call(const struct task *t, const struct task_text *tt)
{
	json_t	*s;
	char	*v;
	size_t	 j;

	printf("    function %s:%s(", t->app->fn_plugin, t->app->fn_symbol);
	for (j = 0; j < tt->nargs; j++) {
		s = json_string(tt->arg_values[j]);
		v = s != NULL ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		printf("%s%s=%s", j > 0 ? ", " : "", tt->arg_names[j],
		    v != NULL ? v : "?");
		free(v);
		json_decref(s);
	}
	printf(")\n");
}

static void
dry_plan_print(const struct run *r, const struct dry_plan *p, int print)
{
	const struct dry_task	*dt;
	size_t			 i, j;

	for (i = 0; i < p->ntasks; i++) {
		dt = &p->tasks[i];
		if (!run_selected(r, i))
			continue;
		printf("%-8s %s", dt->cached ? "cached" : "run",
		    r->dag->tasks[i].id);
		if (dt->why != NULL)
			printf(" (%s)", dt->why);
		printf("\n");
		if (!print)
			continue;
		/* A secret by where it comes from, never its value. */
		for (j = 0; j < dt->text.nenv; j++) {
			if (dt->text.env[j] != NULL)
				printf("    env %s\n", dt->text.env[j]);
			else
				printf("    env %s=<secret from $%s>\n",
				    dt->text.env_kv[j]->key,
				    dt->text.env_kv[j]->from_env);
		}
		if (dt->text.command != NULL)
			print_indented(dt->text.command);
		else
			print_call(&r->dag->tasks[i], &dt->text);
	}
	printf("dry run: %zu task%s: %zu to run, %zu cached", p->ntasks,
	    p->ntasks == 1 ? "" : "s", p->nrun, p->ntasks - p->nrun - p->nout);
	if (p->nout > 0)
		printf(", %zu not_run (not a target, nor needed by one)",
		    p->nout);
	printf("\n");
}

/*
 * weft run --dry-run, with the cache of BASE; PRINT (--print) adds each
 * task's command.  Returns the exit status.
 */
int
dry_run(struct run *r, const char *base, int print)
{
	struct dry_plan	 p;

	dry_plan_make(r, base, print, &p);
	dry_plan_print(r, &p, print);
	dry_plan_free(&p);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "weft run: cannot write output\n");
		return EXIT_INTERNAL;
	}
	return 0;
}
