/*
 * run-ssh.c: blocks as pools started over ssh, one on each host of
 * config.provider.hosts, with the system's ssh in batch mode (no
 * password prompt can hang the run).  The pool's credentials go through
 * the session's stdin ("--certs -"), so they are never written on the
 * other host.  The ssh client is main's child: its end is the block's
 * end, and its output (the pool's, until it joins) is
 * blocks/ssh-N.out in the run directory.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "run.h"
#include "run-provider.h"

/* Starts the pool of block B on its host.  -1: said. */
int
ssh_start(struct run *r, struct block *b)
{
	const struct wf_provider *p = &r->wf->prov;
	struct spawn	 sp;
	char		**argv, *cmd, *remote, *path, *text, *ssh;
	size_t		 i, n = 0, len;
	int		 in[2], fd, error;
	pid_t		 pid;

	b->host = xstrdup(p->hosts[b->index % p->nhosts]);
	path = xprintf("%s/blocks", r->rd.path);
	if (mkdir_p(path, 0755) == -1)
		log_warn("cannot make %s", path);
	b->output = xprintf("%s/%s.out", path, b->name);
	free(path);
	if ((ssh = spawn_which("ssh")) == NULL) {
		fprintf(stderr, "%s: cannot start block %s: no ssh in PATH\n",
		    weft_prog, b->name);
		return -1;
	}
	cmd = block_pool_command(r, b, "-");
	remote = p->worker_init != NULL ? xprintf("%s; exec %s",
	    p->worker_init, cmd) : xprintf("exec %s", cmd);
	free(cmd);
	argv = xcalloc(p->nssh_options + 10, sizeof *argv);
	argv[n++] = "ssh";
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	argv[n++] = "-o";
	argv[n++] = "ConnectTimeout=10";
	for (i = 0; i < p->nssh_options; i++)
		argv[n++] = p->ssh_options[i];
	argv[n++] = b->host;
	argv[n++] = remote;
	argv[n] = NULL;

	path = xprintf("%s/certs/pool.cred", r->rd.path);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1 ||
	    (text = read_all(fd, &len)) == NULL) {
		fprintf(stderr, "%s: cannot read %s: %s\n", weft_prog, path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		free(path);
		free(ssh);
		free(argv);
		free(remote);
		return -1;
	}
	close(fd);
	free(path);
	if (pipe2(in, O_CLOEXEC) == -1)
		fatal("pipe2");
	spawn_init(&sp);
	sp.path = ssh;
	sp.argv = argv;
	sp.fds[0] = in[0];
	sp.stdout_path = b->output;
	sp.stderr_path = b->output;
	sp.append = 1;
	sp.new_pgroup = 1;
	pid = spawn_start(&sp, &error);
	close(in[0]);
	if (pid != -1 && write_all(in[1], text, len) == -1)
		log_warn("cannot give %s its credentials", b->name);
	close(in[1]);
	explicit_bzero(text, len);
	free(text);
	free(ssh);
	free(argv);
	if (pid == -1) {
		fprintf(stderr, "%s: cannot start ssh for block %s: %s\n",
		    weft_prog, b->name, strerror(error));
		free(remote);
		return -1;
	}
	b->pid = pid;
	/* From now on, connect_timeout counts. */
	b->running_ms = mono_ms();
	snprintf(b->job, sizeof b->job, "%ld", (long)pid);
	log_info("block %s: ssh %s (pid %ld): %s", b->name, b->host,
	    (long)pid, remote);
	free(remote);
	block_state(r, b, "STARTING");
	return 0;
}

/* Ends block B: its ssh client, which ends the session. */
void
ssh_cancel(struct run *r, struct block *b)
{
	(void)r;
	b->cancelled = 1;
	if (b->pid > 0)
		kill(b->pid, SIGTERM);
}
