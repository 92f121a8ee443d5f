/*
 * procfs.c: everything weft reads from /proc, in one place.
 *
 * One parser of /proc/PID/stat (proc_stat_parse, on a buffer so that the
 * tricky command names can be tested), one walk over the numeric entries
 * of /proc or over our own children (proc_walk_*), and readers of what
 * the callers need: start time and CPU time (status, the run's
 * supervision), resident memory and open descriptors (control.c),
 * environment and command line (cmd-stop.c), I/O counters
 * (pool-monitor.c) and our own executable (weft.c); and what the host
 * has (CPUs, memory, GPUs), for pools and for main.
 */

#include <sys/types.h>

#include <dirent.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

struct proc_walk {
	DIR	*dir;		/* over /proc, or NULL: */
	pid_t	*pids;		/* our children, read at the start */
	size_t	 npids, next;
};

/*
 * Parses a line of /proc/PID/stat in BUF into PS.  The command name may
 * hold anything, ')' and spaces too, so the fields are read after its
 * last ')'.  Returns -1 if the line does not have them all.
 */
int
proc_stat_parse(const char *buf, struct proc_stat *ps)
{
	const char	*lp, *rp;
	char		*end;
	size_t		 len;
	long		 pid;

	memset(ps, 0, sizeof *ps);
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0 || (lp = strchr(end, '(')) == NULL ||
	    (rp = strrchr(lp, ')')) == NULL)
		return -1;
	ps->pid = pid;
	len = rp - lp - 1;
	if (len >= sizeof ps->comm)
		len = sizeof ps->comm - 1;
	memcpy(ps->comm, lp + 1, len);
	ps->comm[len] = '\0';
	if (sscanf(rp + 1, " %c %d %d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld", &ps->state,
	    &ps->ppid, &ps->pgrp, &ps->utime, &ps->stime, &ps->start,
	    &ps->vsize, &ps->rss) != 8)
		return -1;
	return 0;
}

/* Reads /proc/PID/stat (PID 0: this process) into PS; -1 if it is gone. */
/*
 * Reads the small file /proc/PID/NAME (PID 0: this process) into BUF,
 * NUL-terminated, in one read: the kernel makes such a file whole.
 * Returns -1 if the process is gone.
 */
static int
proc_read_small(pid_t pid, const char *name, char *buf, size_t size)
{
	char	 path[64];
	ssize_t	 n;
	int	 fd;

	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/%s", name);
	else
		snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int
proc_stat(pid_t pid, struct proc_stat *ps)
{
	char	 buf[1024];

	if (proc_read_small(pid, "stat", buf, sizeof buf) == -1)
		return -1;
	return proc_stat_parse(buf, ps);
}

/* Starts a walk over the processes; NULL if /proc cannot be read. */
struct proc_walk *
proc_walk_open(void)
{
	struct proc_walk	*w;
	DIR			*d;

	if ((d = opendir("/proc")) == NULL)
		return NULL;
	w = xcalloc(1, sizeof *w);
	w->dir = d;
	return w;
}

/*
 * Starts a walk over this process's children only, as each of its threads
 * lists them in /proc/self/task/TID/children: a few reads, where a walk
 * over /proc reads every process's stat.  A child that starts during the
 * walk may be missed.  NULL if the kernel has no such list.
 */
struct proc_walk *
proc_walk_children(void)
{
	struct proc_walk	*w;
	struct dirent		*de;
	char			 path[64];
	FILE			*f;
	DIR			*d;
	long			 pid;

	snprintf(path, sizeof path, "/proc/self/task/%ld/children",
	    (long)getpid());
	if (access(path, R_OK) == -1 ||
	    (d = opendir("/proc/self/task")) == NULL)
		return NULL;
	w = xcalloc(1, sizeof *w);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%.16s/children",
		    de->d_name);
		/* A thread that ended meanwhile has no children left. */
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (fscanf(f, "%ld", &pid) == 1) {
			w->pids = xreallocarray(w->pids, w->npids + 1,
			    sizeof *w->pids);
			w->pids[w->npids++] = pid;
		}
		fclose(f);
	}
	closedir(d);
	return w;
}

/* The next process's pid, or 0 at the end. */
pid_t
proc_walk_next(struct proc_walk *w)
{
	struct dirent	*de;
	const char	*s;
	long		 pid;

	if (w->dir == NULL)
		return w->next < w->npids ? w->pids[w->next++] : 0;
	while ((de = readdir(w->dir)) != NULL) {
		for (s = de->d_name; *s >= '0' && *s <= '9'; s++)
			;
		if (s == de->d_name || *s != '\0')
			continue;
		if ((pid = atol(de->d_name)) > 0)
			return pid;
	}
	return 0;
}

void
proc_walk_close(struct proc_walk *w)
{
	if (w == NULL)
		return;
	if (w->dir != NULL)
		closedir(w->dir);
	free(w->pids);
	free(w);
}

/*
 * The start time of process PID in clock ticks since boot (field 22 of
 * /proc/PID/stat), with its state letter in *STATE; -1 if it is gone.
 * Together with the pid it names a process even after its pid is reused.
 */
long long
proc_start_ticks(pid_t pid, char *state)
{
	struct proc_stat	 ps;

	if (proc_stat(pid, &ps) == -1)
		return -1;
	if (state != NULL)
		*state = ps.state;
	return ps.start;
}

/*
 * The CPU time of process PID so far, user and system, in clock ticks
 * (fields 14 and 15 of /proc/PID/stat), with its state letter in *STATE;
 * -1 if it is gone.  Whether it grows tells a slow process from a stuck
 * one.
 */
long long
proc_cpu_ticks(pid_t pid, char *state)
{
	struct proc_stat	 ps;

	if (proc_stat(pid, &ps) == -1)
		return -1;
	if (state != NULL)
		*state = ps.state;
	return ps.utime + ps.stime;
}

/* Resident set size of PID (0: this process) in KiB, or -1. */
long
proc_rss_kb(pid_t pid)
{
	char	 buf[128];
	long	 pages = 0;

	if (proc_read_small(pid, "statm", buf, sizeof buf) == -1)
		return -1;
	if (sscanf(buf, "%*s %ld", &pages) != 1)
		return -1;
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* This process's open descriptors, not counting the one that lists them. */
long
proc_self_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	long		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n - 1;
}

/* Whether /proc/PID/environ holds exactly VAR (NAME=VALUE). */
int
proc_has_env(pid_t pid, const char *var)
{
	char	 path[64], *buf, *p;
	size_t	 len, vlen = strlen(var);
	int	 fd, found = 0;

	snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return 0;
	buf = read_all(fd, &len);
	close(fd);
	if (buf == NULL)
		return 0;
	for (p = buf; p < buf + len; p += strlen(p) + 1) {
		if (strlen(p) == vlen && memcmp(p, var, vlen) == 0) {
			found = 1;
			break;
		}
	}
	free(buf);
	return found;
}

/*
 * The start of /proc/PID/cmdline, at most LEN - 1 bytes, NUL-ended in
 * BUF (its arguments are NUL-separated); -1 if PID is gone or has none.
 */
ssize_t
proc_cmdline(pid_t pid, char *buf, size_t len)
{
	char	 path[64];
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * Adds the bytes PID has read from and written to storage so far (the
 * "read_bytes" and "write_bytes" lines of /proc/PID/io) to *RD and *WR;
 * leaves them alone if that cannot be read.
 */
void
proc_io(pid_t pid, int64_t *rd, int64_t *wr)
{
	char	 buf[1024], *s;

	if (proc_read_small(pid, "io", buf, sizeof buf) == -1)
		return;
	if ((s = strstr(buf, "read_bytes: ")) != NULL)
		*rd += strtoll(s + 12, NULL, 10);
	if ((s = strstr(buf, "write_bytes: ")) != NULL)
		*wr += strtoll(s + 13, NULL, 10);
}

/*
 * The absolute path of this binary in BUF, NUL-ended; its length, or -1
 * with errno.  /proc/self/exe survives a relative argv[0] and a changed
 * working directory.
 */
ssize_t
proc_self_exe(char *buf, size_t len)
{
	ssize_t	 n;

	n = readlink("/proc/self/exe", buf, len - 1);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/*
 * What this host has, for a pool to say and for main to check tasks
 * against: the CPUs this process may run on, its memory, its GPUs.
 */
int
host_cpus(void)
{
	cpu_set_t	 set;
	long		 n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* GPUs seen: CUDA_VISIBLE_DEVICES if set, else /dev/nvidiaN devices. */
int
host_gpus(void)
{
	const char	*v = getenv("CUDA_VISIBLE_DEVICES");
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if (v != NULL) {
		if (*v == '\0')
			return 0;
		for (n = 1; *v != '\0'; v++)
			n += *v == ',';
		return n;
	}
	if ((d = opendir("/dev")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "nvidia", 6) == 0 &&
		    de->d_name[6] >= '0' && de->d_name[6] <= '9' &&
		    strspn(de->d_name + 6, "0123456789") ==
		    strlen(de->d_name + 6))
			n++;
	}
	closedir(d);
	return n;
}

int64_t
host_memory(void)
{
	long	 pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (int64_t)pages * size : 0;
}
