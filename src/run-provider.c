/*
 * run-provider.c: main's blocks of pools on other hosts, for the slurm
 * and ssh providers (run-slurm.c, run-ssh.c start and stop them).
 *
 * Once the interchange listens (run-remote.c), the first blocks are
 * started: init_blocks Slurm jobs, or one pool on each ssh host.  Every
 * poll_interval after that, the blocks' states are read (squeue) and
 * each change goes to the block table; then the blocks are scaled:
 * while the tasks handed to the
 * interchange and not ended, times parallelism, are more than the slots
 * of the blocks alive, more are submitted, up to max_blocks; a block
 * whose pools have had no task for max_idletime is cancelled, as long
 * as min_blocks remain and the others have slots for the work.
 *
 * A block that ends, or runs for connect_timeout, without a pool having
 * joined from it has failed: that is said with the end of its output
 * file.  When as many blocks as max_blocks failed so and no pool is
 * there to run the tasks, the run ends (exit 3) instead of waiting.  At
 * the end of the run, on a signal or "weft stop", every block weft
 * started is cancelled and main waits until the scheduler has them out
 * of its queue.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "run.h"
#include "run-provider.h"

/* The last lines of a block's output file, for a message; or NULL. */
char *
output_tail(const char *path)
{
	char	*text, *p;
	size_t	 len;
	int	 fd, lines = 0;

	if (path == NULL || (fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return NULL;
	text = read_all(fd, &len);
	close(fd);
	if (text == NULL || len == 0) {
		free(text);
		return NULL;
	}
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	for (p = text + len; p > text; p--) {
		if (p[-1] == '\n' && ++lines == 5)
			break;
	}
	p = xstrdup(p);
	free(text);
	return p;
}

/* A new block, numbered after the others. */
struct block *
block_new(struct run *r)
{
	struct provider	*pv = r->prov;
	struct block	*b;

	pv->blocks = xreallocarray(pv->blocks, pv->nblocks + 1,
	    sizeof *pv->blocks);
	b = &pv->blocks[pv->nblocks];
	memset(b, 0, sizeof *b);
	b->index = (int)pv->nblocks++;
	snprintf(b->name, sizeof b->name, "%s-%d", r->wf->provider,
	    b->index);
	b->submitted_ms = mono_ms();
	b->slots = r->wf->prov.cores_per_node > 0 ?
	    r->wf->prov.cores_per_node * (r->wf->prov.srun ?
	    r->wf->prov.nodes_per_block : 1) : 1;
	return b;
}

/*
 * The command that starts a pool of block B: weft on the other host
 * (config's weft, or ours: a shared filesystem), with the run's URL and
 * CERTS, the block's name, and what the block was asked for.
 */
char *
block_pool_command(struct run *r, const struct block *b, const char *certs)
{
	const struct wf_provider *p = &r->wf->prov;
	char	*cmd, *q[3], *t;

	q[0] = shell_quote(p->weft_path != NULL ? p->weft_path : weft_self);
	q[1] = shell_quote(r->ix_url);
	q[2] = shell_quote(certs);
	cmd = xprintf("%s pool --connect %s --certs %s --block %s", q[0],
	    q[1], q[2], b->name);
	if (p->cores_per_node > 0) {
		t = xprintf("%s --cores %d", cmd, p->cores_per_node);
		free(cmd);
		cmd = t;
	}
	if (p->gpus_per_node > 0) {
		t = xprintf("%s --gpus %d", cmd, p->gpus_per_node);
		free(cmd);
		cmd = t;
	}
	free(q[0]);
	free(q[1]);
	free(q[2]);
	return cmd;
}

static int
final_state(const char *s)
{
	static const char *const live[] = { "PENDING", "CONFIGURING",
	    "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING",
	    "STARTING", "SUBMITTING", NULL };
	size_t	 i;

	for (i = 0; live[i] != NULL; i++) {
		if (strcmp(s, live[i]) == 0)
			return 0;
	}
	return 1;
}

static void
ev_block(struct run *r, const struct block *b)
{
	msgpack_packer	*pk;

	if (r->mon == NULL)
		return;
	pk = monitor_event(r->mon, EV_BLOCK, 5);
	monitor_pack_str(pk, b->name);
	monitor_pack_str(pk, b->state);
	msgpack_pack_double(pk, db_now());
	monitor_pack_str(pk, b->job[0] != '\0' ? b->job : NULL);
	monitor_pack_str(pk, r->wf->provider);
}

/* A block that ends or runs on without a pool has failed: said once. */
static void
block_failed(struct run *r, struct block *b, const char *how)
{
	char	*tail;

	if (b->failed_told)
		return;
	b->failed_told = 1;
	r->prov->failures++;
	tail = output_tail(b->output);
	progress_clear(r);
	fflush(stdout);
	fprintf(stderr, "%s: block %s (job %s) %s before any pool connected "
	    "from it; its output is %s%s%s\n", weft_prog, b->name, b->job,
	    how, b->output != NULL ? b->output : "(none)",
	    tail != NULL ? ":\n" : "", tail != NULL ? tail : "");
	log_warnx("block %s failed: %s", b->name, how);
	free(tail);
}

/* Block B is in STATE now: recorded, and said if it matters. */
void
block_state(struct run *r, struct block *b, const char *state)
{
	if (state == NULL || strcmp(b->state, state) == 0)
		return;
	snprintf(b->state, sizeof b->state, "%s", state);
	if (strcmp(state, "RUNNING") == 0 && b->running_ms == 0)
		b->running_ms = mono_ms();
	b->ended = final_state(state);
	log_info("block %s (job %s): %s", b->name, b->job, state);
	if (b->job[0] != '\0')
		event_line(r, 1, "block    %s %s (job %s)", b->name, state,
		    b->job);
	else
		event_line(r, 1, "block    %s %s", b->name, state);
	ev_block(r, b);
	/*
	 * Ended without a pool: said now, not at the next look, which a
	 * run whose tasks other blocks did may end before.
	 */
	if (b->ended && b->pools == 0 && !b->cancelled)
		block_failed(r, b, state);
}

static int
block_alive(const struct block *b)
{
	return !b->ended && !b->cancelled;
}

static int
slots_alive(const struct run *r)
{
	const struct provider	*pv = r->prov;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < pv->nblocks; i++) {
		if (block_alive(&pv->blocks[i]))
			n += pv->blocks[i].slots;
	}
	return n;
}

static size_t
blocks_alive(const struct run *r)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->prov->nblocks; i++)
		n += block_alive(&r->prov->blocks[i]);
	return n;
}

/* Starts one more block; -1 (said, and the run ends) if it cannot. */
static int
block_start(struct run *r)
{
	struct block	*b = block_new(r);
	int		 rc;

	rc = r->prov->slurm ? slurm_submit(r, b) : ssh_start(r, b);
	if (rc == -1) {
		b->ended = 1;
		snprintf(b->state, sizeof b->state, "FAILED");
		ev_block(r, b);
		r->aborted = 1;
	}
	return rc;
}

static void
block_cancel(struct run *r, struct block *b)
{
	b->cancelled = 1;
	if (r->prov->slurm)
		slurm_cancel(r, &b, 1);
	else
		ssh_cancel(r, b);
}

/* Whether a pool of block B has tries now. */
static int
block_busy(const struct run *r, const struct block *b)
{
	size_t	 i;

	for (i = 0; i < r->nremotes; i++) {
		if (!r->remotes[i].gone && r->remotes[i].tries > 0 &&
		    strcmp(r->remotes[i].block, b->name) == 0)
			return 1;
	}
	return 0;
}

/* Tasks handed to the interchange, not yet ended. */
static size_t
outstanding(const struct run *r)
{
	return r->counts[TS_SENT] + r->counts[TS_RUNNING];
}

/* More blocks for the work waiting, or fewer once idle long enough. */
static void
scale(struct run *r)
{
	const struct wf_provider *p = &r->wf->prov;
	struct provider	*pv = r->prov;
	struct block	*b;
	size_t		 i, alive = blocks_alive(r), want;
	double		 need;
	int		 slots = slots_alive(r), per;
	int64_t		 now = mono_ms();

	if (!pv->slurm || r->aborted)
		return;
	need = (double)outstanding(r) * p->parallelism;
	per = p->cores_per_node > 0 ? p->cores_per_node *
	    (p->srun ? p->nodes_per_block : 1) : 1;
	if (need > slots && alive < (size_t)p->max_blocks) {
		want = (size_t)((need - slots + per - 1) / per);
		if (want > (size_t)p->max_blocks - alive)
			want = (size_t)p->max_blocks - alive;
		for (i = 0; i < want; i++) {
			log_info("scaling out: %.0f slots wanted, %d alive",
			    need, slots);
			if (block_start(r) == -1)
				return;
		}
	}
	/*
	 * A block whose pools have had nothing for max_idletime goes, if
	 * the others are enough for the work: the newest first.
	 */
	for (i = pv->nblocks; i > 0; i--) {
		b = &pv->blocks[i - 1];
		if (!block_alive(b) || b->pools == 0 || block_busy(r, b)) {
			b->idle_since = 0;
			continue;
		}
		if (b->idle_since == 0)
			b->idle_since = now;
		if (now - b->idle_since < p->max_idletime_ms ||
		    alive <= (size_t)p->min_blocks ||
		    slots - b->slots < need)
			continue;
		log_info("scaling in: %s idle for %lld ms", b->name,
		    (long long)(now - b->idle_since));
		event_line(r, 1, "block    %s idle: cancelled", b->name);
		block_cancel(r, b);
		slots -= b->slots;
		alive--;
	}
}

/* Blocks that failed to give a pool, and whether the run can go on. */
static void
check_failures(struct run *r)
{
	const struct wf_provider *p = &r->wf->prov;
	struct provider	*pv = r->prov;
	struct block	*b;
	size_t		 i;
	int64_t		 now = mono_ms();

	for (i = 0; i < pv->nblocks; i++) {
		b = &pv->blocks[i];
		/* One that ended was said so then (block_state). */
		if (b->pools > 0 || b->cancelled || b->failed_told ||
		    b->ended)
			continue;
		if (b->running_ms > 0 &&
		    now - b->running_ms >= p->connect_timeout_ms) {
			block_failed(r, b, "ran for the connect_timeout");
			block_cancel(r, b);
		}
	}
	if (pv->failures >= p->max_blocks && r->nremotes == 0 &&
	    blocks_alive(r) == 0 && !r->aborted) {
		progress_clear(r);
		fflush(stdout);
		fprintf(stderr, "%s: no block could start a pool (%d failed); "
		    "stopping run %s\n", weft_prog, pv->failures, r->rd.name);
		r->aborted = 1;
	}
}

/*
 * From the main loop: starts the first blocks once the interchange
 * listens, then looks at them every poll_interval.  Returns ms until
 * the next look, or -1.
 */
int
provider_tick(struct run *r)
{
	const struct wf_provider *p = &r->wf->prov;
	struct provider	*pv = r->prov;
	int64_t		 now = mono_ms();
	int		 i;

	if (pv == NULL || r->ix_url == NULL || r->aborted)
		return -1;
	if (!pv->started) {
		pv->started = 1;
		pv->poll_at = now + p->poll_ms;
		for (i = 0; i < p->init_blocks; i++) {
			if (block_start(r) == -1)
				return -1;
		}
		return (int)p->poll_ms;
	}
	if (now < pv->poll_at)
		return (int)(pv->poll_at - now);
	pv->poll_at = now + p->poll_ms;
	if (pv->slurm)
		slurm_poll(r);
	check_failures(r);
	scale(r);
	return (int)p->poll_ms;
}

/* A pool joined from block NAME (MSG_POOL_JOINED). */
void
provider_joined(struct run *r, const char *name, int slots)
{
	struct provider	*pv = r->prov;
	struct block	*b;
	size_t		 i;

	for (i = 0; pv != NULL && i < pv->nblocks; i++) {
		b = &pv->blocks[i];
		if (strcmp(b->name, name) != 0)
			continue;
		/* What it has, not what was asked, from now on. */
		b->slots = b->pools == 0 ? slots : b->slots + slots;
		b->pools++;
		if (b->running_ms == 0)
			b->running_ms = mono_ms();
		/*
		 * A pool runs only in a running job: Slurm's block too is
		 * RUNNING from now on, not only from the next squeue, which
		 * can come after the pool has started its tasks.
		 */
		block_state(r, b, "RUNNING");
		return;
	}
}

/* Whether PID is an ssh client of a block: no orphan to sweep. */
int
provider_child(const struct run *r, pid_t pid)
{
	size_t	 i;

	for (i = 0; r->prov != NULL && i < r->prov->nblocks; i++) {
		if (r->prov->blocks[i].pid == pid)
			return 1;
	}
	return 0;
}

/* An ssh client of ours ended; 1 if PID was one. */
int
provider_reaped(struct run *r, pid_t pid, int status)
{
	struct provider	*pv = r->prov;
	struct block	*b;
	size_t		 i;
	char		*why;

	for (i = 0; pv != NULL && !pv->slurm && i < pv->nblocks; i++) {
		b = &pv->blocks[i];
		if (b->pid != pid)
			continue;
		b->pid = 0;
		why = wait_status_string(status);
		log_info("block %s: ssh ended: %s", b->name, why);
		free(why);
		block_state(r, b, b->cancelled || (WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0) ? "COMPLETED" : "FAILED");
		return 1;
	}
	return 0;
}

/*
 * The end of the run: every block still there is cancelled, and main
 * waits (at most PROVIDER_STOP_MS) until none is left in the queue.
 */
void
provider_stop(struct run *r)
{
	struct provider	*pv = r->prov;
	struct block	**live;
	size_t		 i, n = 0;
	int64_t		 until;

	if (pv == NULL)
		return;
	/*
	 * Pools over ssh were told to stop by the interchange: their
	 * sessions end by themselves, or are ended after a while.
	 */
	until = mono_ms() + PROVIDER_SSH_GRACE_MS;
	while (!pv->slurm && blocks_alive(r) > 0 && mono_ms() < until)
		pump_once(r, 100);
	live = xcalloc(pv->nblocks + 1, sizeof *live);
	for (i = 0; i < pv->nblocks; i++) {
		if (!pv->blocks[i].ended && pv->blocks[i].job[0] != '\0') {
			pv->blocks[i].cancelled = 1;
			live[n++] = &pv->blocks[i];
		}
	}
	if (n > 0 && pv->slurm)
		slurm_cancel(r, live, n);
	for (i = 0; i < n && !pv->slurm; i++)
		ssh_cancel(r, live[i]);
	free(live);
	until = mono_ms() + PROVIDER_STOP_MS;
	for (;;) {
		for (n = 0, i = 0; i < pv->nblocks; i++)
			n += !pv->blocks[i].ended;
		if (n == 0 || mono_ms() >= until)
			break;
		/* ssh clients are reaped there; Slurm is asked again. */
		pump_once(r, 200);
		if (pv->slurm)
			slurm_poll(r);
	}
	for (i = 0; i < pv->nblocks; i++) {
		if (!pv->blocks[i].ended)
			log_warnx("block %s (job %s) still %s at the end",
			    pv->blocks[i].name, pv->blocks[i].job,
			    pv->blocks[i].state);
	}
}

/* The provider of a run whose pools are elsewhere; NULL for local. */
void
provider_open(struct run *r)
{
	if (strcmp(r->wf->provider, "slurm") != 0 &&
	    strcmp(r->wf->provider, "ssh") != 0)
		return;
	r->prov = xcalloc(1, sizeof *r->prov);
	r->prov->slurm = strcmp(r->wf->provider, "slurm") == 0;
}

void
provider_close(struct run *r)
{
	struct provider	*pv = r->prov;
	size_t		 i;

	if (pv == NULL)
		return;
	for (i = 0; i < pv->nblocks; i++) {
		free(pv->blocks[i].script);
		free(pv->blocks[i].output);
		free(pv->blocks[i].host);
	}
	free(pv->blocks);
	free(pv);
	r->prov = NULL;
}

/* What "weft status" and --json show of the blocks. */
json_t *
provider_json(struct run *r)
{
	struct provider	*pv = r->prov;
	struct block	*b;
	json_t		*list = json_array();
	size_t		 i;

	for (i = 0; pv != NULL && i < pv->nblocks; i++) {
		b = &pv->blocks[i];
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s?, "
		    "s:i, s:i, s:s?}", "block", b->name, "provider",
		    r->wf->provider, "job", b->job, "state", b->state[0] !=
		    '\0' ? b->state : NULL, "pools", b->pools, "slots",
		    b->slots, "output", b->output));
	}
	return list;
}
