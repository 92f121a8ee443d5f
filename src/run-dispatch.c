/*
 * run-dispatch.c: main's tasks on their way to the interchange, for
 * "weft run".  A task whose dependencies are done gets its command or
 * arguments with their results filled in and goes to resume.c for its
 * verdict (make_ready); one that is to run waits in the ring of ready
 * tasks (dispatch), and goes from there in batches, each task packed
 * with its env, no more than a window of them sent and not yet started
 * (send_ready).  Called from run-sched.c and from the loop in cmd-run.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

/*
 * Task I goes to the interchange, after the tasks already waiting to; it
 * counts as queued from now on (TS_SENT).  A task is in the ring once
 * at most: it comes back only after the try sent has ended or is lost.
 */
void
run_dispatch_task(struct run *r, uint32_t i)
{
	r->ready[(r->ready_head + r->nready++) % r->dag->ntasks] = i;
	run_set_state(r, i, TS_SENT);
}

/*
 * Task I's dependencies are done (or cached): a late task gets their
 * results now, and resume.c says whether it runs (see apply_verdicts).
 */
void
make_ready(struct run *r, uint32_t i)
{
	struct task		*t = &r->dag->tasks[i];
	struct task_text	 tt;
	size_t			 j;
	int			 rerun = 0;

	task_text_now(r, t, &tt);
	/* After a task that ran, what it made may differ: run this too. */
	for (j = 0; j < t->ndeps && !rerun; j++)
		rerun = r->tasks[t->deps[j]].state == TS_DONE;
	run_set_state(r, i, TS_KEYING);
	if (!r->tasks[i].text_told)
		ev_task_text(r, i, &tt);
	resume_ready(r->rs, i, &tt, rerun);
}

/*
 * The graph keeps no task's text: it is expanded from the templates
 * each time it is needed (for the key, then for each try), and a late
 * task gets the results of the tasks it depends on.
 */
void
task_text_now(struct run *r, const struct task *t, struct task_text *tt)
{
	dag_task_text_filled(r->dag, t, tt, task_result, r);
}

/*
 * A task's own env as the pool takes it, NAME=VALUE; a secret is read
 * from our environment now, and goes nowhere but to the task.
 */
static void
pack_env(const struct run *r, const struct task_text *tt,
    struct msg_task *mt)
{
	const struct workflow	*wf = r->wf;
	char			**env;
	const char		*v;
	size_t			 i, n = 0;

	env = xcalloc(tt->nenv + wf->nenv + 1, sizeof *env);
	/*
	 * A pool on another host has not main's environment: the
	 * workflow's secrets go with each task, under the task's own.
	 */
	for (i = 0; wf->ix_tcp && i < wf->nenv; i++) {
		if (wf->env[i].from_env != NULL &&
		    (v = workflow_env_value(&wf->env[i])) != NULL)
			env[n++] = xprintf("%s=%s", wf->env[i].key, v);
	}
	for (i = 0; i < tt->nenv; i++) {
		if (tt->env[i] != NULL)
			env[n++] = xstrdup(tt->env[i]);
		else {
			v = workflow_env_value(tt->env_kv[i]);
			env[n++] = xprintf("%s=%s", tt->env_kv[i]->key,
			    v != NULL ? v : "");
		}
	}
	mt->env = env;
	mt->nenv = n;
}

/* Packs one task; a late one has had its results filled in. */
static void
pack_task(struct run *r, msgpack_packer *pk, const struct task *t)
{
	const struct wf_resources *res;
	struct msg_task	 mt;
	struct task_text tt;
	size_t		 i;

	task_text_now(r, t, &tt);
	resume_sent(r->rs, t->index, &tt);
	memset(&mt, 0, sizeof mt);
	mt.index = t->index;
	mt.attempt = r->tasks[t->index].attempt;
	mt.id = t->id;
	mt.id_len = strlen(t->id);
	mt.walltime_ms = t->call->walltime != NULL ? t->call->walltime_ms :
	    t->app->walltime_ms;
	mt.launched = r->tasks[t->index].launched;
	mt.inputs = t->inputs;
	mt.ninputs = t->ninputs;
	mt.outputs = t->outputs;
	mt.noutputs = t->noutputs;
	res = task_resources(t);
	mt.cores = res->cores > 0 ? res->cores : 1;
	mt.memory = res->memory;
	mt.gpus = res->gpus;
	if (tt.command != NULL) {
		mt.kind = TASK_COMMAND;
		mt.command = tt.command;
		mt.command_len = strlen(mt.command);
	} else {
		mt.kind = TASK_FUNCTION;
		mt.plugin = t->app->fn_plugin;
		mt.plugin_len = strlen(mt.plugin);
		mt.symbol = t->app->fn_symbol;
		mt.symbol_len = strlen(mt.symbol);
		mt.arg_names = (char *const *)tt.arg_names;
		mt.nargs = tt.nargs;
		mt.arg_values = tt.arg_values;
	}
	if (tt.nenv > 0 || r->wf->ix_tcp)
		pack_env(r, &tt, &mt);
	msg_pack_task(pk, &mt);
	for (i = 0; i < mt.nenv; i++)
		free(mt.env[i]);
	free((char **)mt.env);
	task_text_free(&tt);
}

/*
 * How many sent tasks may wait for a pool to start them: four a slot
 * of every pool main knows of, and never fewer than RUN_AHEAD_MIN, so
 * that a pool that frees a slot always finds work already at hand.
 */
static size_t
dispatch_window(const struct run *r)
{
	size_t	 slots, i;

	slots = (size_t)r->pools * (size_t)r->jobs;
	for (i = 0; i < r->nremotes; i++) {
		if (!r->remotes[i].gone && r->remotes[i].slots > 0)
			slots += (size_t)r->remotes[i].slots;
	}
	return slots * 4 > RUN_AHEAD_MIN ? slots * 4 : RUN_AHEAD_MIN;
}

/* Sends the tasks waiting in the ring, in batches, up to the window. */
void
send_ready(struct run *r)
{
	struct msg_out	 m;
	size_t		 window, n, k;
	uint32_t	 i;

	window = dispatch_window(r);
	while (r->nready > 0 && r->nahead < window) {
		n = r->nready;
		if (n > window - r->nahead)
			n = window - r->nahead;
		if (n > RUN_BATCH_MAX)
			n = RUN_BATCH_MAX;
		msg_begin(&m, MSG_TASKS, 1);
		msgpack_pack_array(&m.pk, n);
		for (k = 0; k < n; k++) {
			i = r->ready[r->ready_head];
			r->ready_head = (r->ready_head + 1) % r->dag->ntasks;
			r->nready--;
			/* Handed over now: its "launched" time. */
			ev_launched(r, i);
			r->tasks[i].ahead = 1;
			r->nahead++;
			pack_task(r, &m.pk, &r->dag->tasks[i]);
		}
		if (msg_send(r->sock, NULL, 0, &m) == -1)
			log_warnx("cannot send tasks to the interchange: %s",
			    zmq_strerror(errno));
	}
}
