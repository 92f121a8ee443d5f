/*
 * resume.c: main's side of the task cache: the key of each task, whether
 * a task can be skipped (weft run --resume), and the record of each task
 * that succeeds.
 *
 * A task's key is a BLAKE2b hash of everything that determines what it
 * makes: the task's id, the workflow's folder (tasks run there), the
 * app's definition (its command template, or its function and the
 * content of the plugin that holds it), the expanded command or the
 * function's arguments (with the results of other tasks filled in), the
 * declared outputs, the workflow's env, the content of each input, and
 * the keys of the tasks it depends on.  So a change anywhere upstream
 * changes every key downstream; walltime and retries, which change how a
 * task is run and not what it makes, are left out.
 *
 * Inputs are hashed by a short-lived "weft hash" (hasher.c), fed a batch
 * of paths at a time, so that reading a big input never stops main's
 * loop; a file whose fingerprint (device, inode, size, modification time)
 * the cache already knows is not read again.  The hasher is started, fed
 * and listened to by resume-hasher.c, which shares this file's state
 * (resume.h).
 *
 * With resume on, a task whose key is in the cache and whose outputs all
 * still have the fingerprints recorded with it is cached: it does not
 * run, and its result (a function's value) comes from the cache.  With
 * resume off, tasks are dispatched at once and their keys are worked out
 * alongside, as they are needed only to record them.
 *
 * Each entry also keeps the parts of its key (resume-why.c), so that a
 * dry run with resume on can say why a task whose key is not in the
 * cache would run: the verdict's message.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "weft.h"
#include "proto.h"
#include "resume.h"

static void	 key_try(struct resume *, uint32_t);

/* A task's text, held while its key is worked out, given back. */
static void
task_text_drop(struct task_text **tt)
{
	if (*tt == NULL)
		return;
	task_text_free(*tt);
	free(*tt);
	*tt = NULL;
}

/* The plugin file behind a function app, hashed once per run. */
static void
hash_plugins(struct resume *rs)
{
	const struct workflow	*wf = rs->wf;
	struct wf_plugin	*pl;
	struct stat		 st;
	size_t			 i;

	rs->plugin_hash = xcalloc(wf->napps + 1, sizeof *rs->plugin_hash);
	for (i = 0; i < wf->napps; i++) {
		if (wf->apps[i].fn_plugin == NULL ||
		    (pl = workflow_find_plugin(wf,
		    wf->apps[i].fn_plugin)) == NULL)
			continue;
		if (hash_path(AT_FDCWD, pl->abspath, &st,
		    rs->plugin_hash[i]) != 0)
			memset(rs->plugin_hash[i], 0, HASH_LEN);
	}
}

static int
env_cmp(const void *a, const void *b)
{
	return strcmp(((const struct wf_kv *)a)->key,
	    ((const struct wf_kv *)b)->key);
}

/*
 * Opens the cache of BASE (a .weft folder); with DRY_RUN nothing is ever
 * written.  Warnings (a damaged cache set aside) go to stderr.  LOGPATH is
 * where hashers write their complaints.
 */
struct resume *
resume_open(const struct workflow *wf, const struct dag *dag,
    const char *base, int resume, int dry_run, const char *run_name,
    const char *logpath)
{
	struct resume	*rs;
	struct stat	 st;
	char		*warn = NULL, *path;

	rs = xcalloc(1, sizeof *rs);
	rs->wf = wf;
	rs->dag = dag;
	rs->resume = resume;
	rs->dry_run = dry_run;
	rs->why = dry_run && resume;
	rs->run_name = xstrdup(run_name);
	rs->logpath = xstrdup(logpath);
	rs->fd = -1;
	rs->t = xcalloc(dag->ntasks + 1, sizeof *rs->t);
	if (hash_init() == -1)
		fatalx("cannot set up hashing");
	hash_plugins(rs);
	/* The env is a mapping: its order in the file means nothing. */
	rs->env = xcalloc(wf->nenv + 1, sizeof *rs->env);
	if (wf->nenv > 0)
		memcpy(rs->env, wf->env, wf->nenv * sizeof *rs->env);
	qsort(rs->env, wf->nenv, sizeof *rs->env, env_cmp);
	path = xprintf("%s/cache/cache.db", base);
	/* A dry run reads a cache if there is one, and makes none. */
	if (!dry_run || stat(path, &st) == 0)
		rs->cache = cache_open(base, dry_run, &warn);
	free(path);
	if (warn != NULL) {
		fprintf(stderr, "%s\n", warn);
		log_warnx("%s", warn);
		free(warn);
	}
	return rs;
}

void
resume_close(struct resume **rsp)
{
	struct resume	*rs = *rsp;
	size_t		 i;

	if (rs == NULL)
		return;
	if (rs->pid > 0)
		kill(rs->pid, SIGKILL);
	if (rs->fd != -1)
		close(rs->fd);
	if (rs->has_u)
		msgpack_unpacker_destroy(&rs->u);
	cache_close(&rs->cache);
	for (i = 0; i < rs->dag->ntasks; i++) {
		free(rs->t[i].input_hash);
		free(rs->t[i].why);
		task_text_drop(&rs->t[i].text);
		free(rs->t[i].result);
	}
	free(rs->t);
	free(rs->plugin_hash);
	free(rs->env);
	free(rs->reqs);
	free(rs->next);
	free(rs->out);
	free(rs->run_name);
	free(rs->logpath);
	free(rs);
	*rsp = NULL;
}

/* The verdict on task I, for main to act on (resume_verdicts). */
static void
verdict(struct resume *rs, uint32_t i, enum rs_outcome what, char *msg,
    char *result)
{
	struct rs_verdict	*v;

	if (rs->nout == rs->cout) {
		rs->cout = rs->cout == 0 ? 64 : rs->cout * 2;
		rs->out = xreallocarray(rs->out, rs->cout, sizeof *rs->out);
	}
	v = &rs->out[rs->nout++];
	v->task = i;
	v->what = what;
	v->message = msg;
	v->result = result;
}

/* Everything of a task but its inputs and dependencies, into H. */
static void
key_definition(struct resume *rs, uint32_t i, struct hash *h)
{
	const struct workflow	*wf = rs->wf;
	const struct task	*t = &rs->dag->tasks[i];
	const struct rs_task	*rt = &rs->t[i];
	uint64_t		 n;
	size_t			 j;

	/*
	 * The task's own id: fan-out tasks may expand to the very same
	 * command (one that reads $WEFT_TASK_ID, or one with no
	 * task-specific text), and the success of one must never stand
	 * for another.
	 */
	hash_add_str(h, "weft-task-key-2");
	hash_add_str(h, t->id);
	hash_add_str(h, wf->dir);
	hash_add_str(h, t->app->name);
	hash_add_str(h, t->app->command);
	hash_add_str(h, t->app->function);
	hash_add(h, rs->plugin_hash[t->app - wf->apps], HASH_LEN);
	hash_add_str(h, rt->text->command);
	/* A record of a sample sheet, all of it (none: as before). */
	if (rt->text->item != NULL)
		hash_add(h, rt->text->item, rt->text->item_len);
	n = rt->text->nargs;
	hash_add(h, &n, sizeof n);
	for (j = 0; j < rt->text->nargs; j++) {
		hash_add_str(h, rt->text->arg_names[j]);
		hash_add_str(h, rt->text->arg_values[j]);
	}
	n = t->noutputs;
	hash_add(h, &n, sizeof n);
	for (j = 0; j < t->noutputs; j++)
		hash_add_str(h, t->outputs[j]);
	n = wf->nenv;
	hash_add(h, &n, sizeof n);
	for (j = 0; j < wf->nenv; j++) {
		hash_add_str(h, rs->env[j].key);
		hash_add_str(h, rs->env[j].value);
		/* A secret by its name (none: as before). */
		if (rs->env[j].from_env != NULL)
			hash_add_str(h, rs->env[j].from_env);
	}
	why_settings(rs->dag, t, rt->text, h);
}

/* Whether every dependency has its key; a failed one never will. */
static int
deps_keyed(const struct resume *rs, const struct task *t)
{
	size_t	 j;

	for (j = 0; j < t->ndeps; j++) {
		if (rs->t[t->deps[j]].state != KEY_DONE)
			return 0;
	}
	return 1;
}

/* The parts of task I's key, for its entry and for saying why it runs. */
static char *
key_parts(struct resume *rs, uint32_t i)
{
	const struct task	*t = &rs->dag->tasks[i];
	struct rs_task		*rt = &rs->t[i];
	uint8_t			*deps;
	char			*s;
	size_t			 j;

	deps = xcalloc(t->ndeps + 1, HASH_LEN);
	for (j = 0; j < t->ndeps; j++)
		memcpy(deps + j * HASH_LEN, rs->t[t->deps[j]].key, HASH_LEN);
	s = why_parts(rs->dag, i, rt->why, rt->why + HASH_LEN, rt->input_hash,
	    deps);
	free(deps);
	return s;
}

/* Why task I, without an entry, runs under --resume (lookup gave RC). */
static char *
key_why(struct resume *rs, uint32_t i, int rc)
{
	char	*recorded, *now, *why;

	if (rc == -1)
		return xstrdup("cache entry corrupt");
	if (cache_newest(rs->cache, rs->dag->tasks[i].id, &recorded) == 0)
		return xstrdup("new");
	now = key_parts(rs, i);
	why = why_compare(recorded, now);
	free(recorded);
	free(now);
	return why;
}

/* The task's key is complete: decide, record, and tell dependents. */
/* Task I's definition and text hashes, to record with its entry. */
static void
why_make(struct resume *rs, uint32_t i, const struct task_text *tt)
{
	const struct task	*t = &rs->dag->tasks[i];
	struct rs_task		*rt = &rs->t[i];

	rt->why = xcalloc(2, HASH_LEN);
	why_hashes(rs->dag, t, tt, rs->plugin_hash[t->app - rs->wf->apps],
	    rs->env, rt->why, rt->why + HASH_LEN);
}

static void
key_done(struct resume *rs, uint32_t i)
{
	const struct task	*t = &rs->dag->tasks[i];
	struct rs_task		*rt = &rs->t[i];
	struct cache_entry	 e;
	struct hash		 h;
	uint64_t		 n;
	char			*why = NULL;
	size_t			 j;
	int			 rc;

	hash_begin(&h);
	key_definition(rs, i, &h);
	n = t->ninputs;
	hash_add(&h, &n, sizeof n);
	for (j = 0; j < t->ninputs; j++) {
		hash_add_str(&h, t->inputs[j]);
		hash_add(&h, rt->input_hash + j * HASH_LEN, HASH_LEN);
	}
	n = t->ndeps;
	hash_add(&h, &n, sizeof n);
	for (j = 0; j < t->ndeps; j++)
		hash_add(&h, rs->t[t->deps[j]].key, HASH_LEN);
	hash_end(&h, rt->key);
	rt->state = KEY_DONE;
	/* A run's tasks get theirs when sent (resume_sent). */
	if (rs->why)
		why_make(rs, i, rt->text);
	task_text_drop(&rt->text);

	if (rt->decide) {
		rt->decide = 0;
		rc = rs->resume && rs->cache != NULL ?
		    cache_lookup(rs->cache, rt->key, t->id, &e) : 0;
		if (rc == -1 && !rt->corrupt_told) {
			rt->corrupt_told = 1;
			fprintf(stderr, "%s: warning: cache entry of '%s' is "
			    "corrupt; not trusted, the task runs\n", weft_prog,
			    t->id);
			log_warnx("cache entry of %s is corrupt", t->id);
		}
		if (rc == 1 && (why = outputs_changed(rs->wf->dir, t,
		    e.outputs)) == NULL) {
			verdict(rs, i, RS_CACHED, NULL, e.result);
			e.result = NULL;
		} else if (rs->why)
			verdict(rs, i, RS_RUN, why != NULL ? why :
			    key_why(rs, i, rc), NULL);
		else {
			free(why);
			verdict(rs, i, RS_RUN, NULL, NULL);
		}
		if (rc == 1)
			cache_entry_free(&e);
	}
	if (rt->record) {
		rt->record = 0;
		resume_done(rs, i, rt->result);
	}
	/* Dependents that waited for this key. */
	for (j = 0; j < t->ndependents; j++) {
		if (rs->t[t->dependents[j]].state == KEY_DEPS)
			key_try(rs, t->dependents[j]);
	}
}

/* Computes the key if everything it needs is known. */
static void
key_try(struct resume *rs, uint32_t i)
{
	struct rs_task	*rt = &rs->t[i];

	if (rt->hashes_due > 0)
		return;
	if (!deps_keyed(rs, &rs->dag->tasks[i])) {
		rt->state = KEY_DEPS;
		return;
	}
	key_done(rs, i);
}


/* An input could not be hashed: the task cannot run as asked. */
static void
key_failed(struct resume *rs, uint32_t i, const char *path, int error)
{
	struct rs_task	*rt = &rs->t[i];

	if (rt->state == KEY_FAILED)
		return;
	rt->state = KEY_FAILED;
	rt->record = 0;
	if (!rt->decide)
		return;		/* it runs, and will find out itself */
	rt->decide = 0;
	verdict(rs, i, RS_MISSING, error == ENOENT ?
	    xprintf("missing input: %s", path) :
	    xprintf("cannot read input %s: %s", path, strerror(error)), NULL);
}

/* One input's hash, from the hasher or from right here. */
void
input_hashed(struct resume *rs, uint32_t i, uint32_t input,
    const struct stat *st, const uint8_t *hash, int error)
{
	const struct task	*t = &rs->dag->tasks[i];
	struct rs_task		*rt = &rs->t[i];
	char			*path;

	if (error != 0) {
		key_failed(rs, i, t->inputs[input], error);
		return;
	}
	memcpy(rt->input_hash + input * HASH_LEN, hash, HASH_LEN);
	if (S_ISREG(st->st_mode) && !rs->dry_run) {
		path = path_abs(rs->wf->dir, t->inputs[input]);
		cache_file_put(rs->cache, path, st, hash);
		free(path);
	}
	if (--rt->hashes_due == 0 && rt->state == KEY_HASHING)
		key_try(rs, i);
}

/*
 * Task I is ready: its dependencies are done or cached.  TEXT is its
 * command or arguments with results filled in; it becomes the module's
 * (and *TEXT is emptied) until the key is made.  The verdict comes at once or later
 * from resume_verdicts: RS_RUN, RS_CACHED or RS_MISSING.  With resume
 * off, or with RERUN (a task it depends on ran in this run, so what it
 * reads is new), the verdict is RS_RUN, at once, and the key is worked
 * out alongside for the record.
 */
void
resume_ready(struct resume *rs, uint32_t i, struct task_text *text,
    int rerun)
{
	const struct task	*t = &rs->dag->tasks[i];
	struct rs_task		*rt = &rs->t[i];
	struct stat		 st;
	uint8_t			 hash[HASH_LEN];
	char			*path;
	size_t			 j;
	int			 error;

	rt->text = xmalloc(sizeof *rt->text);
	*rt->text = *text;
	memset(text, 0, sizeof *text);
	rt->decide = 1;
	rt->input_hash = t->ninputs > 0 ? xcalloc(t->ninputs, HASH_LEN) : NULL;
	rt->state = KEY_HASHING;
	/* An input that is not there fails the task before it starts. */
	for (j = 0; j < t->ninputs; j++) {
		path = path_abs(rs->wf->dir, t->inputs[j]);
		error = stat(path, &st) == -1 ? errno : 0;
		free(path);
		if (error != 0) {
			key_failed(rs, i, t->inputs[j], error);
			return;
		}
	}
	if (!rs->resume || rerun) {
		rt->decide = 0;
		verdict(rs, i, RS_RUN, NULL, NULL);
	}
	rt->hashes_due = t->ninputs + 1;	/* +1: the loop's own */
	for (j = 0; j < t->ninputs && rt->state == KEY_HASHING; j++) {
		path = path_abs(rs->wf->dir, t->inputs[j]);
		if (stat(path, &st) == -1) {
			error = errno;
			free(path);
			input_hashed(rs, i, j, &st, NULL, error);
			continue;
		}
		if (S_ISREG(st.st_mode) &&
		    cache_file_get(rs->cache, path, &st, hash) == 0) {
			free(path);
			input_hashed(rs, i, j, &st, hash, 0);
			continue;
		}
		if (rs->dry_run) {
			error = hash_path(AT_FDCWD, path, &st, hash);
			free(path);
			input_hashed(rs, i, j, &st, hash, error);
			continue;
		}
		free(path);
		queue_hash(rs, i, j);
	}
	if (rt->state == KEY_HASHING && --rt->hashes_due == 0)
		key_try(rs, i);
}

/*
 * Task I is being sent to run, with its text TT.  The hashes it is
 * recorded with are made now, not when it was keyed: of a wide fan-out
 * only the tasks sent and not yet ended hold them.
 */
void
resume_sent(struct resume *rs, uint32_t i, const struct task_text *tt)
{
	if (rs->dry_run || rs->cache == NULL || rs->t[i].why != NULL)
		return;
	why_make(rs, i, tt);
}

/*
 * Task I succeeded with RESULT (a function's value, or NULL): it goes to
 * the cache, now or once its key is known.
 */
void
resume_done(struct resume *rs, uint32_t i, const char *result)
{
	struct rs_task	*rt = &rs->t[i];
	char		*outputs, *parts;

	if (rs->dry_run || rs->cache == NULL)
		return;
	if (rt->state != KEY_DONE) {
		if (rt->state != KEY_FAILED && result != rt->result) {
			free(rt->result);
			rt->result = result != NULL ? xstrdup(result) : NULL;
		}
		rt->record = rt->state != KEY_FAILED;
		return;
	}
	outputs = outputs_fingerprint(rs->wf->dir, &rs->dag->tasks[i]);
	parts = rt->why != NULL ? key_parts(rs, i) : NULL;
	cache_record(rs->cache, rt->key, rs->dag->tasks[i].id, outputs, result,
	    rs->run_name, parts);
	free(outputs);
	free(parts);
	/* Dependents need only the key from now on. */
	free(rt->why);
	rt->why = NULL;
	free(rt->input_hash);
	rt->input_hash = NULL;
}

/* Main's verdicts so far; *N gets their number.  Valid until the next
   call of any resume_ function.  The strings become the caller's. */
struct rs_verdict *
resume_verdicts(struct resume *rs, size_t *n)
{
	*n = rs->nout;
	rs->nout = 0;
	return rs->out;
}

/*
 * Commits what was recorded, now: before main sends the events that say
 * those tasks are done, so that the record never shows done a task that
 * --resume would run again.
 */
void
resume_commit(struct resume *rs)
{
	if (rs != NULL)
		cache_commit(rs->cache);
}

/* Milliseconds until the cache's writes are due for a commit, or -1. */
int
resume_due(struct resume *rs)
{
	return rs != NULL ? cache_due(rs->cache) : -1;
}

/* Commits the cache's writes if they are due. */
void
resume_tick(struct resume *rs)
{
	if (rs != NULL)
		cache_tick(rs->cache);
}

