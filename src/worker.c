/*
 * worker.c: the "weft worker" helper role, which calls function apps.
 *
 * A pool pre-starts its workers by exec, each with one end of a
 * socketpair as descriptor 3.  A worker loads the run's workflow snapshot
 * in definitions mode (it never sees the main body), loads every plugin
 * by path, the workflow's and those main passed on with --plugin, and
 * only then says it is ready.  From there it reads calls from the pool,
 * runs each with the plugin's function in this very process, and writes
 * back the result, one at a time, for as long as the pool keeps the
 * socket open.
 *
 * A worker is the unit of isolation: a function that crashes, exits or
 * loops kills or stalls its worker only, and the pool starts another.  So
 * it holds nothing that matters: no ZeroMQ (and so no threads of weft's),
 * no database, no monitoring; the pool records its calls.
 *
 * A function's own writes land in the worker's files: its stdout in
 * worker-P.K.out, its stderr in worker-P.K.log, after the worker's own
 * log lines, none of which is written during a call or between two.
 * Both are opened for appending, so a file's size is where its next
 * write lands: after each call (and once before the first) the worker
 * flushes stdio and takes both sizes, and the ranges from the sizes
 * before to those after, sent back with the result, are that call's
 * output.  One fflush(3) and two fstat(2) a call (a system call costs
 * microseconds under some sandboxes); no file is opened.
 *
 * Lifeline: the kernel kills a worker whose pool dies
 * (PR_SET_PDEATHSIG), even one stuck in a function that never returns;
 * EOF on descriptor 3 ends an idle one.
 */

#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "weft/plugin.h"

#define WORKER_CHANNEL_FD	3
#define WORKER_READ_SIZE	(64 * 1024)

struct worker {
	char		 name[32];	/* "worker-0.1" */
	int		 fd;
	struct workflow	*wf;
	msgpack_unpacker u;
	const struct wf_app *last;	/* the app of the last call */
	char		*scratch;	/* the strings of one call */
	size_t		 scratch_cap;
	const char	**ptrs;
	size_t		 ptrs_cap;
	unsigned long	 calls;
	msgpack_sbuffer	 out;		/* results not yet written */
	int64_t		 at[2];		/* where stdout and stderr end */
};

/* What a function hands back through the host functions. */
struct call_state {
	char		*result;
	size_t		 result_len;
	size_t		 refused_len;	/* a result over WEFT_RESULT_MAX */
	int		 refused_nul;	/* a result with a NUL byte in it */
	char		*error;
};

static int
host_set_result(struct weft_call *call, const char *value, size_t len)
{
	struct call_state	*cs = call->host_data;

	free(cs->result);
	cs->result = NULL;
	cs->result_len = 0;
	cs->refused_len = 0;
	cs->refused_nul = 0;
	if (len > WEFT_RESULT_MAX) {
		cs->refused_len = len;
		return -1;
	}
	if (memchr(value, '\0', len) != NULL) {
		cs->refused_nul = 1;
		return -1;
	}
	cs->result = xstrndup(value, len);
	cs->result_len = len;
	return 0;
}

static int
host_set_error(struct weft_call *call, const char *message)
{
	struct call_state	*cs = call->host_data;

	free(cs->error);
	cs->error = xstrndup(message, 4096);
	return 0;
}

static const struct weft_host worker_host = {
	host_set_result,
	host_set_error
};

static __dead void
worker_fatal(struct worker *w, const char *msg)
{
	struct msg_out	 m;

	log_warnx("%s", msg);
	msg_begin(&m, MSG_W_FATAL, 1);
	msg_pack_str(&m.pk, msg, strlen(msg));
	msg_write(w->fd, &m);
	exit(EXIT_INTERNAL);
}

/* The app a call names; the last one is the likely one. */
static const struct wf_app *
worker_app(struct worker *w, const struct msg_task *t)
{
	const struct wf_app	*app;
	size_t			 i;

	for (i = 0; i <= w->wf->napps; i++) {
		app = i == 0 ? w->last : &w->wf->apps[i - 1];
		if (app == NULL || app->fn == NULL)
			continue;
		if (strlen(app->fn_plugin) == t->plugin_len &&
		    strlen(app->fn_symbol) == t->symbol_len &&
		    memcmp(app->fn_plugin, t->plugin, t->plugin_len) == 0 &&
		    memcmp(app->fn_symbol, t->symbol, t->symbol_len) == 0)
			return w->last = app;
	}
	return NULL;
}

/*
 * Copies the strings of the call's four lists into one buffer, with NULs,
 * and points at them: the function gets C strings that live until it
 * returns.
 */
static void
worker_unpack(struct worker *w, const struct msg_task *t,
    struct weft_call *call)
{
	const msgpack_object	*lists[4] = {
		t->args_o, t->values_o, t->inputs_o, t->outputs_o
	};
	const msgpack_object	*o;
	size_t			 need = t->id_len + 1, n = 0, i, j, off;

	for (i = 0; i < 4; i++) {
		n += lists[i]->via.array.size;
		for (j = 0; j < lists[i]->via.array.size; j++)
			need += lists[i]->via.array.ptr[j].via.str.size + 1;
	}
	if (need > w->scratch_cap) {
		w->scratch_cap = need * 2;
		w->scratch = xreallocarray(w->scratch, w->scratch_cap, 1);
	}
	if (n + 1 > w->ptrs_cap) {
		w->ptrs_cap = (n + 1) * 2;
		w->ptrs = xreallocarray(w->ptrs, w->ptrs_cap,
		    sizeof *w->ptrs);
	}
	memcpy(w->scratch, t->id, t->id_len);
	w->scratch[t->id_len] = '\0';
	off = t->id_len + 1;
	n = 0;
	for (i = 0; i < 4; i++) {
		for (j = 0; j < lists[i]->via.array.size; j++) {
			o = &lists[i]->via.array.ptr[j];
			memcpy(w->scratch + off, o->via.str.ptr,
			    o->via.str.size);
			w->scratch[off + o->via.str.size] = '\0';
			w->ptrs[n++] = w->scratch + off;
			off += o->via.str.size + 1;
		}
	}
	call->task_id = w->scratch;
	call->nargs = t->args_o->via.array.size;
	call->arg_names = w->ptrs;
	call->arg_values = w->ptrs + call->nargs;
	call->ninputs = t->inputs_o->via.array.size;
	call->inputs = call->arg_values + call->nargs;
	call->noutputs = t->outputs_o->via.array.size;
	call->outputs = call->inputs + call->ninputs;
}

/*
 * A call's env (its app's and its entry's) is set around the call only:
 * the worker runs one call at a time.  Returns what each name held.
 */
static char **
env_push(const msgpack_object *env)
{
	const msgpack_object	*o;
	char			**saved, *var, *eq;
	const char		*old;
	size_t			 i;

	if (env->via.array.size == 0)
		return NULL;
	saved = xcalloc(env->via.array.size, sizeof *saved);
	for (i = 0; i < env->via.array.size; i++) {
		o = &env->via.array.ptr[i];
		var = xstrndup(o->via.str.ptr, o->via.str.size);
		if ((eq = strchr(var, '=')) == NULL || eq == var) {
			free(var);
			continue;
		}
		*eq = '\0';
		old = getenv(var);
		saved[i] = xprintf("%c%s", old != NULL ? '=' : '-',
		    old != NULL ? old : "");
		setenv(var, eq + 1, 1);
		free(var);
	}
	return saved;
}

static void
env_pop(const msgpack_object *env, char **saved)
{
	const msgpack_object	*o;
	char			*var;
	size_t			 i;

	if (saved == NULL)
		return;
	for (i = 0; i < env->via.array.size; i++) {
		if (saved[i] == NULL)
			continue;
		o = &env->via.array.ptr[i];
		var = xstrndup(o->via.str.ptr, o->via.str.size);
		var[strcspn(var, "=")] = '\0';
		if (saved[i][0] == '=')
			setenv(var, saved[i] + 1, 1);
		else
			unsetenv(var);
		free(var);
		free(saved[i]);
	}
	free(saved);
}

static uint64_t
tv_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/*
 * Where the next writes to stdout and stderr land, once what stdio holds
 * is written: OFF[0] and OFF[1], or -1 for a stream that is no longer a
 * regular file (a function may close or redirect it).
 */
static void
worker_offsets(int64_t off[2])
{
	struct stat	 st;
	int		 i;

	fflush(NULL);
	for (i = 0; i < 2; i++)
		off[i] = fstat(i + 1, &st) == 0 && S_ISREG(st.st_mode) ?
		    (int64_t)st.st_size : -1;
}

/* A stream's range of a call, from its offsets before and after. */
static void
pack_range(msgpack_packer *pk, int64_t before, int64_t after)
{
	if (before < 0 || after < before) {
		msgpack_pack_int64(pk, -1);
		msgpack_pack_int64(pk, -1);
		return;
	}
	msgpack_pack_int64(pk, before);
	msgpack_pack_int64(pk, after - before);
}

/* Runs one call and writes what became of it. */
static void
worker_call(struct worker *w, const msgpack_object *o)
{
	struct msg_task		 t;
	struct weft_call	 call;
	struct call_state	 cs;
	struct rusage		 r0, r1;
	struct timespec		 t0, t1;
	struct msg_out		 m;
	const struct wf_app	*app;
	weft_function		*fn;
	char			 msg[128];
	int64_t			 off0[2], off1[2];
	char			**saved;
	int			 rc;

	if (msg_get_task(o, &t) == -1 || t.kind != TASK_FUNCTION)
		worker_fatal(w, "malformed call from the pool");
	memset(&cs, 0, sizeof cs);
	memset(&call, 0, sizeof call);
	if ((app = worker_app(w, &t)) == NULL) {
		snprintf(msg, sizeof msg, "no function %.*s.%.*s in this "
		    "run's plugins", (int)t.plugin_len, t.plugin,
		    (int)t.symbol_len, t.symbol);
		cs.error = xstrdup(msg);
		rc = -1;
		memset(&r0, 0, sizeof r0);
		r1 = r0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		t1 = t0;
		/* No call ran: it wrote nothing. */
		off0[0] = off1[0] = w->at[0];
		off0[1] = off1[1] = w->at[1];
	} else {
		worker_unpack(w, &t, &call);
		call.abi = WEFT_PLUGIN_ABI;
		call.attempt = t.attempt;
		call.host = &worker_host;
		call.host_data = &cs;
		fn = (weft_function *)app->fn;
		/* Where the last call ended: nothing writes in between. */
		off0[0] = w->at[0];
		off0[1] = w->at[1];
		saved = env_push(t.env_o);
		getrusage(RUSAGE_SELF, &r0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = fn(&call);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		getrusage(RUSAGE_SELF, &r1);
		env_pop(t.env_o, saved);
		worker_offsets(off1);
		w->at[0] = off1[0];
		w->at[1] = off1[1];
	}
	w->calls++;

	if (rc != WEFT_OK && cs.error == NULL) {
		snprintf(msg, sizeof msg, "returned %d", rc);
		cs.error = xstrdup(msg);
	}
	msg_begin(&m, MSG_W_DONE, 17);
	msgpack_pack_uint32(&m.pk, t.index);
	msgpack_pack_uint32(&m.pk, t.attempt);
	msgpack_pack_int(&m.pk, rc);
	msg_pack_str(&m.pk, cs.result, cs.result_len);
	if (rc == WEFT_OK && cs.refused_len > 0) {
		free(cs.error);
		xasprintf(&cs.error, "result too large (%zu bytes, the limit "
		    "is %d)", cs.refused_len, WEFT_RESULT_MAX);
	} else if (rc == WEFT_OK && cs.refused_nul) {
		free(cs.error);
		cs.error = xstrdup("result refused: it holds a NUL byte");
	}
	msg_pack_str(&m.pk, cs.error, cs.error != NULL ? strlen(cs.error) : 0);
	msgpack_pack_uint64(&m.pk, (t1.tv_sec - t0.tv_sec) * 1000000ULL +
	    (t1.tv_nsec - t0.tv_nsec) / 1000);
	msgpack_pack_uint64(&m.pk, tv_us(&r1.ru_utime) - tv_us(&r0.ru_utime));
	msgpack_pack_uint64(&m.pk, tv_us(&r1.ru_stime) - tv_us(&r0.ru_stime));
	msgpack_pack_int64(&m.pk, r1.ru_maxrss);
	msgpack_pack_int64(&m.pk, r1.ru_nvcsw - r0.ru_nvcsw);
	msgpack_pack_int64(&m.pk, r1.ru_nivcsw - r0.ru_nivcsw);
	msgpack_pack_int64(&m.pk, r1.ru_inblock - r0.ru_inblock);
	msgpack_pack_int64(&m.pk, r1.ru_oublock - r0.ru_oublock);
	pack_range(&m.pk, off0[0], off1[0]);
	pack_range(&m.pk, off0[1], off1[1]);
	free(cs.result);
	free(cs.error);
	msgpack_sbuffer_write(&w->out, m.sbuf.data, m.sbuf.size);
	msg_out_free(&m);
}

/* Writes the results held; one that cannot reach the pool is lost. */
static void
worker_flush(struct worker *w)
{
	struct msg_out	 m;

	if (w->out.size == 0)
		return;
	/* msg_write frees what it writes; the buffer is kept for reuse. */
	memset(&m, 0, sizeof m);
	m.sbuf = w->out;
	msgpack_sbuffer_init(&w->out);
	if (msg_write(w->fd, &m) == -1) {
		log_warnx("cannot write to the pool: %s", strerror(errno));
		exit(EXIT_INTERNAL);
	}
}

/* Reads calls until the pool closes the socket. */
static void
worker_loop(struct worker *w)
{
	struct msg_in	 m;
	ssize_t		 n;
	int		 rc;

	for (;;) {
		if ((n = msg_read(w->fd, &w->u, WORKER_READ_SIZE)) <= 0) {
			log_info("the pool closed the channel after %lu "
			    "calls; exiting", w->calls);
			return;
		}
		while ((rc = msg_next(&w->u, &m)) == 1) {
			if (m.type != MSG_W_CALL || m.nfields != 1)
				worker_fatal(w, "unexpected message from the "
				    "pool");
			/*
			 * The results so far go before the next call starts:
			 * the pool times a call from the result of the one
			 * before it, and a call that kills this worker must
			 * not take finished ones with it.
			 */
			worker_flush(w);
			worker_call(w, &m.fields[0]);
			msg_in_free(&m);
		}
		if (rc == -1)
			worker_fatal(w, "malformed stream from the pool");
		worker_flush(w);
	}
}

int
worker_main(int argc, char **argv)
{
	struct roleargs	 a;
	struct worker	 w;
	struct msg_out	 m;
	const char	*rundir, *workdir, *run_name;
	char		*err = NULL, **plugins;
	size_t		 nplugins, i;
	int		 verbose, pool, index;
	long		 parent;

	memset(&w, 0, sizeof w);
	w.fd = WORKER_CHANNEL_FD;
	msgpack_sbuffer_init(&w.out);
	roleargs_get(ROLE_WORKER, argc, argv, &a);
	rundir = a.run;
	workdir = a.workdir;
	run_name = a.name != NULL ? a.name : "?";
	plugins = a.plugins;
	nplugins = a.nplugins;
	verbose = a.verbose;
	pool = a.pool;
	index = a.worker;
	parent = a.parent;

	if (helper_die_with(parent) == -1)
		return EXIT_INTERNAL;
	signal(SIGPIPE, SIG_IGN);
	snprintf(w.name, sizeof w.name, "worker-%d.%d", pool, index);
	log_init(NULL, verbose);
	log_set_role(w.name);
	proctitle_set("weft: worker %d.%d run %s", pool, index, run_name);
	if (!msgpack_unpacker_init(&w.u, WORKER_READ_SIZE))
		fatalx("out of memory");

	if (chdir(rundir) == -1)
		fatal("cannot enter run directory '%s'", rundir);
	/* Definitions only, as in a pool: main cannot be reached from here. */
	if (workflow_load("workflow.yaml", NULL, workdir, WF_DEFINITIONS,
	    &w.wf, &err) == -1)
		worker_fatal(&w, err);
	log_info("%s: loaded definitions from %s/workflow.yaml (%zu apps, "
	    "%zu function apps); main body not loaded (definitions mode, %zu "
	    "YAML events skipped)", w.name, rundir, w.wf->napps,
	    w.wf->nfunctions, w.wf->main_events_skipped);
	for (i = 0; i < nplugins; i++) {
		if (workflow_plugin_option(w.wf, plugins[i], &err) == -1)
			worker_fatal(&w, err);
	}
	free(plugins);
	/* The pool kills a worker whose plugins take too long to load. */
	if (plugins_load(w.wf, 0, &err) == -1)
		worker_fatal(&w, err);
	for (i = 0; i < w.wf->nplugins; i++)
		log_info("loaded plugin %s from %s", w.wf->plugins[i].name,
		    w.wf->plugins[i].abspath);
	/* Paths in calls are relative to the workflow's folder. */
	if (chdir(w.wf->dir) == -1)
		fatal("cannot enter '%s'", w.wf->dir);

	/* Where the first call's output will start. */
	worker_offsets(w.at);
	msg_begin(&m, MSG_W_READY, 3);
	msgpack_pack_int64(&m.pk, getpid());
	msgpack_pack_int64(&m.pk, w.at[0]);
	msgpack_pack_int64(&m.pk, w.at[1]);
	if (msg_write(w.fd, &m) == -1)
		fatal("cannot reach the pool");
	worker_loop(&w);

	msgpack_unpacker_destroy(&w.u);
	msgpack_sbuffer_destroy(&w.out);
	free(w.scratch);
	free(w.ptrs);
	workflow_free(&w.wf);
	return 0;
}
