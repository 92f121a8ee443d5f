/*
 * rundir.c: the run directory.  Runs are numbered .weft/runs/0001, 0002,
 * ... under an flock on .weft/runs/.lock, and the directory is created
 * with mkdir, which fails if it exists, so two concurrent "weft run"s can
 * never share one.  The lock file also holds the highest number given so
 * far, so that a number is never given twice, even after "weft clean"
 * removed the newest runs: the monitoring database keeps their records
 * under those numbers.  Its second line, when there is one, is the
 * database's stamp as the last run left it (see highest_run).
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

/*
 * What BASE's monitoring database and its WAL are on disk, as one line:
 * device, inode, size, modification and change times of each (zeros for
 * a file that is not there).  Any write changes it.
 */
static void
record_stamp(const char *base, char *buf, size_t size)
{
	const char	*sfx[] = { "", "-wal" };
	struct stat	 st;
	char		*path;
	size_t		 i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < 2 && len < size; i++) {
		path = xprintf("%s/monitoring.db%s", base, sfx[i]);
		if (stat(path, &st) == -1)
			memset(&st, 0, sizeof st);
		len += snprintf(buf + len, size - len, "%s%llu %llu %lld "
		    "%lld.%09ld %lld.%09ld", i > 0 ? " " : "",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino, (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
		free(path);
	}
}

/*
 * The number noted on the first line of the lock file FD, and in REST
 * (SIZE bytes) what follows that line; -1 if no number is noted.
 */
static int
note_read(int fd, unsigned long *n, char *rest, size_t size)
{
	char	*end, buf[512];
	ssize_t	 len;

	if ((len = pread(fd, buf, sizeof buf - 1, 0)) <= 0)
		return -1;
	buf[len] = '\0';
	*n = strtoul(buf, &end, 10);
	if (*end != '\n' || *n >= UINT_MAX)
		return -1;
	snprintf(rest, size, "%s", end + 1);
	return 0;
}

/*
 * The highest run number: of the folders in RUNS (BASE/runs), noted in
 * FD, or of the records in BASE's monitoring database, which outlive
 * both when runs/ is removed by hand: a run given a recorded number
 * would have its record mixed with the old one's.  The database is not
 * read when the lock file's second line is its stamp (record_stamp), as
 * the last run to end left it (rundir_note_record): nothing recorded
 * since, its numbers are all noted.  *KNOWN (if not NULL) says so.
 */
static unsigned
highest_run(const char *base, const char *runs, int fd, int *known)
{
	DIR		*d;
	struct dirent	*de;
	unsigned long	 n, max = 0;
	char		*end, *db, rest[512], stamp[256], want[260];
	int		 same = 0;

	if (note_read(fd, &n, rest, sizeof rest) == 0) {
		max = n;
		record_stamp(base, stamp, sizeof stamp);
		snprintf(want, sizeof want, "%s\n", stamp);
		same = strcmp(rest, want) == 0;
	}
	if (known != NULL)
		*known = same;
	db = xprintf("%s/monitoring.db", base);
	if (!same && (n = db_highest_run(db)) > max)
		max = n;
	free(db);
	if ((d = opendir(runs)) == NULL)
		return max;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		n = strtoul(de->d_name, &end, 10);
		if (*end == '\0' && n > max && n < UINT_MAX)
			max = n;
	}
	closedir(d);
	return max;
}

/*
 * Notes N in the lock file FD as the highest number given, with the
 * database's STAMP on the next line if it is not NULL.
 */
static int
note_highest(int fd, unsigned n, const char *stamp)
{
	char	 buf[300];
	int	 len;

	len = snprintf(buf, sizeof buf, "%u\n%s%s", n,
	    stamp != NULL ? stamp : "", stamp != NULL ? "\n" : "");
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, len, 0) != len)
		return -1;
	return 0;
}

/*
 * Takes BASE/runs/.lock, under which runs are numbered, for "weft clean":
 * no run is numbered while it is held, and the highest number so far is
 * noted in it first, so that removing the newest runs never frees their
 * numbers.  Returns the descriptor (close it to let go), or -1 with
 * errno; ENOENT when there is no runs folder.
 */
int
rundir_lock_numbers(const char *base)
{
	char	*runs, *lock;
	int	 fd, e;

	runs = xprintf("%s/runs", base);
	lock = xprintf("%s/.lock", runs);
	fd = open(lock, O_RDWR|O_CREAT|O_CLOEXEC, 0644);
	if (fd != -1 && (flock(fd, LOCK_EX) == -1 ||
	    note_highest(fd, highest_run(base, runs, fd, NULL), NULL) == -1)) {
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	free(runs);
	free(lock);
	return fd;
}

/*
 * Creates BASE/runs/NNNN with its sock/ and tasks/ folders.  BASE is made
 * absolute so that helpers, which run with the run directory as their
 * working directory, see the same paths as main.
 */
int
rundir_create(const char *base, struct rundir *rd, char **errp)
{
	char		*runs = NULL, *lock = NULL, *path = NULL, *sub;
	char		 abs[PATH_MAX];
	unsigned	 n;
	int		 fd = -1, tries;

	memset(rd, 0, sizeof *rd);
	rd->live_fd = -1;
	if (mkdir_p(base, 0755) == -1 || realpath(base, abs) == NULL) {
		xasprintf(errp, "%s: cannot create '%s': %s", weft_prog, base,
		    weft_strerror(errno));
		return -1;
	}
	rd->base = xstrdup(abs);
	runs = xprintf("%s/runs", rd->base);
	lock = xprintf("%s/.lock", runs);
	if (mkdir(runs, 0755) == -1 && errno != EEXIST)
		goto fail;
	if ((fd = open(lock, O_RDWR|O_CREAT|O_CLOEXEC, 0644)) == -1)
		goto fail;
	if (flock(fd, LOCK_EX) == -1)
		goto fail;
	n = highest_run(rd->base, runs, fd, &rd->record_known);
	for (tries = 0; tries < 1000; tries++) {
		n++;
		free(path);
		path = xprintf("%s/%04u", runs, n);
		if (mkdir(path, 0700) == 0)
			break;
		if (errno != EEXIST)
			goto fail;
	}
	/* Not fatal: the folder keeps the number while it is there. */
	if (note_highest(fd, n, NULL) == -1)
		log_warn("cannot note run %u in %s", n, lock);
	close(fd);
	fd = -1;
	rd->number = n;
	rd->path = path;
	path = NULL;
	snprintf(rd->name, sizeof rd->name, "%04u", n);

	sub = xprintf("%s/sock", rd->path);
	if (mkdir(sub, 0700) == -1) {
		free(sub);
		goto fail;
	}
	free(sub);
	sub = xprintf("%s/tasks", rd->path);
	if (mkdir(sub, 0755) == -1) {
		free(sub);
		goto fail;
	}
	free(sub);
	free(runs);
	free(lock);
	return 0;

fail:
	xasprintf(errp, "%s: cannot create run directory under '%s': %s",
	    weft_prog, runs, weft_strerror(errno));
	if (fd != -1)
		close(fd);
	free(path);
	free(runs);
	free(lock);
	rundir_free(rd);
	return -1;
}

/*
 * Called by a run whose record is complete, once its writer is gone:
 * notes the monitoring database's stamp under the run's number in the
 * lock file, so that the next run need not read the database to number
 * itself (highest_run).  Left alone when a later run was numbered since:
 * its own end will note it.
 */
void
rundir_note_record(const struct rundir *rd)
{
	char		*lock, rest[512], stamp[256];
	unsigned long	 n;
	int		 fd;

	lock = xprintf("%s/runs/.lock", rd->base);
	fd = open(lock, O_RDWR|O_CLOEXEC);
	free(lock);
	if (fd == -1)
		return;
	if (flock(fd, LOCK_EX) == 0 &&
	    note_read(fd, &n, rest, sizeof rest) == 0 && n == rd->number) {
		record_stamp(rd->base, stamp, sizeof stamp);
		if (note_highest(fd, rd->number, stamp) == -1)
			log_warn("cannot note the record's stamp");
	}
	close(fd);
}

void
rundir_free(struct rundir *rd)
{
	if (rd->live_fd != -1)
		close(rd->live_fd);
	rd->live_fd = -1;
	free(rd->base);
	free(rd->path);
	rd->base = rd->path = NULL;
}

/*
 * Parses a run number ("7", "0007") into its name as the run directory
 * spells it ("0007").  Only digits; 1 to UINT_MAX - 1, as runs are counted.
 */
int
rundir_parse_name(const char *s, char *name, size_t len)
{
	unsigned long long	 n;
	char			*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || n == 0 || n >= UINT_MAX)
		return -1;
	snprintf(name, len, "%04u", (unsigned)n);
	return 0;
}

/*
 * Marks the run as live for as long as this process lives: main.pid holds
 * our pid and an exclusive flock, which the kernel drops when we die.  The
 * descriptor is close-on-exec, so no child holds the lock for us.
 */
int
rundir_keep_includes(const struct rundir *rd, char *const *files, size_t n,
    char **errp)
{
	char	*dir, *path;
	size_t	 i;
	FILE	*f;
	int	 rc = 0;

	if (n == 0)
		return 0;
	dir = xprintf("%s/include", rd->path);
	path = xprintf("%s/index", dir);
	if (mkdir(dir, 0755) == -1 || (f = fopen(path, "w")) == NULL)
		rc = -1;
	else {
		for (i = 0; i < n; i++)
			fprintf(f, "%s\n", files[i]);
		if (fclose(f) == EOF)
			rc = -1;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		free(path);
		path = xprintf("%s/%zu.yaml", dir, i);
		rc = copy_file(files[i], path);
	}
	if (rc == -1)
		*errp = xprintf("cannot write '%s': %s", path,
		    weft_strerror(errno));
	free(path);
	free(dir);
	return rc;
}

int
rundir_mark_live(struct rundir *rd)
{
	char	*path, buf[32];
	int	 fd, n;

	path = xprintf("%s/main.pid", rd->path);
	fd = open(path, O_RDWR|O_CREAT|O_CLOEXEC, 0600);
	free(path);
	if (fd == -1 || flock(fd, LOCK_EX|LOCK_NB) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, n, 0) != n) {
		close(fd);
		return -1;
	}
	rd->live_fd = fd;
	return 0;
}

/*
 * Whether the run in PATH is live (its main holds main.pid locked), and if
 * so, main's pid.  Returns 1 live, 0 not, -1 with errno when it cannot
 * tell (no such run, or not ours to read).
 */
int
rundir_is_live(const char *path, pid_t *pid)
{
	char	*file, buf[32];
	ssize_t	 n;
	int	 fd, live;

	file = xprintf("%s/main.pid", path);
	fd = open(file, O_RDONLY|O_CLOEXEC);
	free(file);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	live = flock(fd, LOCK_SH|LOCK_NB) == -1 && errno == EWOULDBLOCK;
	n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	if (!live || n <= 0)
		return 0;
	buf[n] = '\0';
	*pid = (pid_t)strtol(buf, NULL, 10);
	return *pid > 1;
}

/* The newest run under RUNS whose main is alive; 0 if none. */
static int
newest_live(const char *runs, char *name, size_t len)
{
	DIR		*d;
	struct dirent	*de;
	char		*path, best[16] = "";
	pid_t		 pid;

	if ((d = opendir(runs)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (rundir_parse_name(de->d_name, name, len) == -1 ||
		    strcmp(name, de->d_name) != 0)
			continue;
		path = xprintf("%s/%s", runs, de->d_name);
		if (rundir_is_live(path, &pid) == 1 &&
		    (strlen(name) > strlen(best) || (strlen(name) ==
		    strlen(best) && strcmp(name, best) > 0)))
			snprintf(best, sizeof best, "%s", name);
		free(path);
	}
	closedir(d);
	snprintf(name, len, "%s", best);
	return best[0] != '\0';
}

/* The newest live run under BASE/runs in NAME; 0 if none. */
int
rundir_newest_live(const char *base, char *name, size_t len)
{
	char	*runs;
	int	 found;

	runs = xprintf("%s/runs", base);
	found = newest_live(runs, name, len);
	free(runs);
	return found;
}

/* Says so and returns -1 if ARG is not a run number. */
int
rundir_check_arg(const char *arg)
{
	char	 name[16];

	if (rundir_parse_name(arg, name, sizeof name) == 0)
		return 0;
	fprintf(stderr, "%s: invalid run '%s': expected a run number "
	    "such as 7 or 0007\n", weft_prog, arg);
	return -1;
}

/*
 * Finds the run that a command such as "weft stop" or "weft status"
 * names: ARG, a run number, or when NULL the newest live run under
 * BASE/runs.  Fills NAME and the absolute PATH (PATH_MAX bytes).  A run
 * of another user is refused: its folder is not ours to read, and
 * signalling or asking its processes would not be ours to do.  Says why
 * on stderr and returns -1 when there is no such run.
 */
int
rundir_lookup(const char *base, const char *arg, char *name, size_t len,
    char *path)
{
	struct stat	 sb;
	char		*runs, *dir;
	int		 rc = -1;

	if (arg != NULL && (rundir_check_arg(arg) == -1 ||
	    rundir_parse_name(arg, name, len) == -1))
		return -1;
	runs = xprintf("%s/runs", base);
	if (arg == NULL && !newest_live(runs, name, len)) {
		fprintf(stderr, "%s: no live run in %s\n", weft_prog, runs);
		free(runs);
		return -1;
	}
	dir = xprintf("%s/%s", runs, name);
	if (stat(dir, &sb) == -1 || realpath(dir, path) == NULL)
		fprintf(stderr, "%s: no run %s in %s\n", weft_prog, name, base);
	else if (sb.st_uid != getuid())
		fprintf(stderr, "%s: run %s belongs to another user\n",
		    weft_prog, name);
	else
		rc = 0;
	free(dir);
	free(runs);
	return rc;
}

/*
 * The folder name of a task under tasks/: the id, with the characters a
 * file name cannot hold (or would hide) escaped as %XX.
 */
char *
rundir_task_dirname(const char *id)
{
	char	*out, *o;
	const char *p;

	out = o = xmalloc(strlen(id) * 3 + 1);
	for (p = id; *p != '\0'; p++) {
		if (*p == '%' || *p == '/' || (p == id && *p == '.')) {
			sprintf(o, "%%%02X", (unsigned char)*p);
			o += 3;
		} else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}
