/*
 * run-slurm.c: blocks as Slurm jobs.  Each block is one sbatch job
 * whose script stays in the run directory (blocks/slurm-N.sh, its output
 * blocks/slurm-N.out): #SBATCH lines from config.provider, the
 * worker_init lines, then the pool (with launcher: srun, one pool on
 * each node of the job), which connects back to the interchange with
 * the run's credentials.  States come from squeue, and a cancel is one
 * scancel of all the jobs named.  Every command is bounded in time.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "run.h"
#include "run-provider.h"

/* Slurm's --time: minutes, rounded up, at least one. */
static long
time_minutes(int64_t ms)
{
	return (long)((ms + 59999) / 60000);
}

static char *
job_script(struct run *r, const struct block *b, const char *certs)
{
	const struct wf_provider *p = &r->wf->prov;
	char		*s, *t, *u, *cmd;
	size_t		 i;

	s = xprintf("#!/bin/sh\n"
	    "# weft run %s, block %s: one pool%s that connects back to %s\n"
	    "#SBATCH --job-name=weft-%s-%s\n"
	    "#SBATCH --output=%s\n"
	    "#SBATCH --nodes=%d\n"
	    "#SBATCH --ntasks-per-node=1\n", r->rd.name, b->name,
	    p->srun ? " a node" : "", r->ix_url, r->rd.name, b->name,
	    b->output, p->nodes_per_block);
#define ADD(...) do {						\
	t = xprintf(__VA_ARGS__);				\
	u = xprintf("%s%s", s, t);				\
	free(s);						\
	free(t);						\
	s = u;							\
} while (0)
	if (p->cores_per_node > 0)
		ADD("#SBATCH --cpus-per-task=%d\n", p->cores_per_node);
	if (p->mem_per_node > 0)
		ADD("#SBATCH --mem=%lldM\n",
		    (long long)(p->mem_per_node >> 20));
	if (p->gpus_per_node > 0)
		ADD("#SBATCH --gres=gpu:%d\n", p->gpus_per_node);
	if (p->walltime_ms > 0)
		ADD("#SBATCH --time=%ld\n", time_minutes(p->walltime_ms));
	if (p->partition != NULL)
		ADD("#SBATCH --partition=%s\n", p->partition);
	if (p->account != NULL)
		ADD("#SBATCH --account=%s\n", p->account);
	if (p->qos != NULL)
		ADD("#SBATCH --qos=%s\n", p->qos);
	if (p->exclusive)
		ADD("#SBATCH --exclusive\n");
	for (i = 0; i < p->nscheduler_options; i++)
		ADD("%s%s\n", strncmp(p->scheduler_options[i], "#SBATCH", 7) ?
		    "#SBATCH " : "", p->scheduler_options[i]);
	if (p->worker_init != NULL)
		ADD("%s\n", p->worker_init);
	cmd = block_pool_command(r, b, certs);
	if (p->srun)
		ADD("exec srun --ntasks-per-node=1 --kill-on-bad-exit=0 %s\n",
		    cmd);
	else
		ADD("exec %s\n", cmd);
#undef ADD
	free(cmd);
	return s;
}

/* Submits block B: its script written, then sbatch.  -1: said. */
int
slurm_submit(struct run *r, struct block *b)
{
	struct spawn_output	 res;
	char			*dir, *certs, *text, *argv[4], *end;
	int			 rc = -1;

	dir = xprintf("%s/blocks", r->rd.path);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		log_warn("cannot make %s", dir);
	b->script = xprintf("%s/%s.sh", dir, b->name);
	b->output = xprintf("%s/%s.out", dir, b->name);
	certs = xprintf("%s/certs/pool.cred", r->rd.path);
	text = job_script(r, b, certs);
	free(certs);
	free(dir);
	if (write_file_atomic(b->script, text, strlen(text)) == -1) {
		fprintf(stderr, "%s: cannot write %s: %s\n", weft_prog,
		    b->script, strerror(errno));
		free(text);
		return -1;
	}
	free(text);
	argv[0] = "sbatch";
	argv[1] = "--parsable";
	argv[2] = b->script;
	argv[3] = NULL;
	if (spawn_output(argv, NULL, PROVIDER_CMD_MS, &res) == -1) {
		fprintf(stderr, "%s: cannot run sbatch: %s (is Slurm's client "
		    "installed?)\n", weft_prog, strerror(res.spawn_errno));
		return -1;
	}
	/* "JOBID" or "JOBID;CLUSTER". */
	strtol(res.out, &end, 10);
	if (res.timed_out || !WIFEXITED(res.status) ||
	    WEXITSTATUS(res.status) != 0 || end == res.out ||
	    (*end != '\0' && *end != ';' && *end != '\n')) {
		fprintf(stderr, "%s: sbatch refused block %s (%s): %s%s\n",
		    weft_prog, b->name, b->script, res.timed_out ?
		    "it took too long" : "", res.err[0] != '\0' ? res.err :
		    res.out);
		log_warnx("sbatch failed for %s", b->name);
	} else {
		snprintf(b->job, sizeof b->job, "%.*s", (int)(end - res.out),
		    res.out);
		log_info("block %s submitted as job %s (%s)", b->name, b->job,
		    b->script);
		block_state(r, b, "PENDING");
		rc = 0;
	}
	spawn_output_free(&res);
	return rc;
}

/* The states of the blocks not yet ended, from squeue. */
void
slurm_poll(struct run *r)
{
	struct provider		*pv = r->prov;
	struct spawn_output	 res;
	struct block		*b;
	char			*ids, *t, *argv[7], *line, *next, *bar;
	size_t			 i, n = 0;
	int			*seen;

	ids = xstrdup("");
	for (i = 0; i < pv->nblocks; i++) {
		b = &pv->blocks[i];
		if (b->ended || b->job[0] == '\0')
			continue;
		t = xprintf("%s%s%s", ids, n > 0 ? "," : "", b->job);
		free(ids);
		ids = t;
		n++;
	}
	if (n == 0) {
		free(ids);
		return;
	}
	argv[0] = "squeue";
	argv[1] = "--noheader";
	argv[2] = "--states=all";
	argv[3] = xprintf("--jobs=%s", ids);
	argv[4] = "--format=%i|%T";
	argv[5] = NULL;
	free(ids);
	if (spawn_output(argv, NULL, PROVIDER_CMD_MS, &res) == -1 ||
	    res.timed_out) {
		log_warnx("squeue: %s", res.timed_out ? "took too long" :
		    strerror(res.spawn_errno));
		free(argv[3]);
		spawn_output_free(&res);
		return;
	}
	free(argv[3]);
	seen = xcalloc(pv->nblocks, sizeof *seen);
	for (line = res.out; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((bar = strchr(line, '|')) == NULL)
			continue;
		*bar++ = '\0';
		for (i = 0; i < pv->nblocks; i++) {
			b = &pv->blocks[i];
			if (strcmp(b->job, line) == 0 && !b->ended) {
				seen[i] = 1;
				block_state(r, b, bar);
			}
		}
	}
	/*
	 * A job squeue no longer knows (or an error about every id: all
	 * are gone) has ended; how, only its own record could say.
	 */
	if (WIFEXITED(res.status) && (WEXITSTATUS(res.status) == 0 ||
	    strstr(res.err, "Invalid job id") != NULL)) {
		for (i = 0; i < pv->nblocks; i++) {
			b = &pv->blocks[i];
			if (!seen[i] && !b->ended && b->job[0] != '\0')
				block_state(r, b, b->cancelled ? "CANCELLED" :
				    "COMPLETED");
		}
	}
	free(seen);
	spawn_output_free(&res);
}

/* Cancels the N blocks of LIST, with one scancel. */
void
slurm_cancel(struct run *r, struct block **list, size_t n)
{
	struct spawn_output	 res;
	char			**argv;
	size_t			 i, k = 0;

	(void)r;
	argv = xcalloc(n + 2, sizeof *argv);
	argv[k++] = "scancel";
	for (i = 0; i < n; i++) {
		list[i]->cancelled = 1;
		if (list[i]->job[0] != '\0')
			argv[k++] = list[i]->job;
	}
	if (k > 1) {
		log_info("cancelling %zu Slurm jobs", k - 1);
		if (spawn_output(argv, NULL, PROVIDER_CMD_MS, &res) == -1)
			log_warnx("cannot run scancel: %s",
			    strerror(res.spawn_errno));
		else if (!WIFEXITED(res.status) ||
		    WEXITSTATUS(res.status) != 0)
			log_warnx("scancel: %s", res.err);
		spawn_output_free(&res);
	}
	free(argv);
}
