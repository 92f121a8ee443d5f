/*
 * outlock.c: one running run per output file.  Two runs that make the
 * same file would undo each other: each removes a task's outputs before
 * its try and after a failed one (see pool.c), so one run's fresh output
 * would vanish under the other and fail its task with "missing output".
 * A run that would make an output that a running run makes is therefore
 * refused before it starts, as a second make in the same tree ought to be.
 *
 * Each run with outputs keeps BASE/locks/PID.outputs (BASE is the run
 * directory's base, .weft by default) open under an exclusive flock while
 * it runs.  The file holds a header, then the run's output paths, made
 * absolute and normalised, each ended by a NUL byte (a path may hold a
 * newline).  The flock, not the file, says that the run is alive: a file
 * whose lock can be taken was left by a run that died, and is removed.
 * The pools hold the lock too (cmd-run.c), so a run whose main was
 * killed keeps its claim until its pools, and so its tasks, are gone.
 * BASE/locks/guard makes the check and the write of one run a single step
 * for runs that start together.
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

#define OUTLOCK_MAGIC	"weft-outputs 1\n"
/* The run's name is written in place once it is known: a fixed width. */
#define OUTLOCK_RUN	"run "
#define OUTLOCK_RUNLEN	16

struct outlock {
	int	 fd;
	char	*path;
};

/* The absolute, normalised form of an output path of the workflow. */
static char *
outlock_abs(const struct workflow *wf, const char *path)
{
	char	*joined, *norm;

	joined = path_abs(wf->dir, path);
	norm = path_normalise(joined);
	free(joined);
	return norm;
}

/* The run's name in a header field: trailing padding cut. */
static void
outlock_trim(char *s)
{
	size_t	 n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '-'))
		s[--n] = '\0';
}

/*
 * The first of OURS that the live lock file FD lists, or NULL; *RUN and
 * *FILE are the other run's name and workflow file (in BUF, the caller's
 * to free).
 */
static const char *
outlock_overlap(int fd, const struct strmap *ours, char **bufp,
    const char **run, const char **file)
{
	char		*buf, *p, *end, *nl;
	const char	*hit = NULL;
	size_t		 len;

	*run = *file = "?";
	if ((*bufp = buf = read_all(fd, &len)) == NULL ||
	    strncmp(buf, OUTLOCK_MAGIC, strlen(OUTLOCK_MAGIC)) != 0)
		return NULL;
	end = buf + len;
	p = buf + strlen(OUTLOCK_MAGIC);
	/* "run NAME\n", "file PATH\n", "\n", then the paths. */
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return NULL;
	*nl = '\0';
	if (strncmp(p, OUTLOCK_RUN, strlen(OUTLOCK_RUN)) == 0) {
		*run = p + strlen(OUTLOCK_RUN);
		outlock_trim(p);
	}
	p = nl + 1;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return NULL;
	*nl = '\0';
	if (strncmp(p, "file ", 5) == 0)
		*file = p + 5;
	p = nl + 1;
	if (p < end && *p == '\n')
		p++;
	while (p < end && hit == NULL) {
		if ((nl = memchr(p, '\0', (size_t)(end - p))) == NULL)
			break;
		if (strmap_get(ours, p, NULL) == 0)
			hit = p;
		p = nl + 1;
	}
	return hit;
}

/* Says that the run RUN of FILE makes HIT, one of ours, too. */
static void
outlock_refuse(const struct workflow *wf, const char *hit, const char *run,
    const char *file)
{
	const char	*shown = hit;
	size_t		 len = strlen(wf->dir);

	/* Inside the workflow's folder, as the workflow writes it. */
	if (strcmp(wf->dir, "/") != 0 && strncmp(hit, wf->dir, len) == 0 &&
	    hit[len] == '/')
		shown = hit + len + 1;
	if (*run == '\0' || strcmp(run, "?") == 0)
		fprintf(stderr, "%s: another run of '%s' is starting and "
		    "makes '%s' too: two runs would undo each other's "
		    "outputs; wait for it to end\n", weft_prog, file, shown);
	else
		fprintf(stderr, "%s: run %s of '%s' is running and makes "
		    "'%s' too: two runs would undo each other's outputs; wait "
		    "for it to end, or stop it with 'weft stop %s'\n",
		    weft_prog, run, file, shown, run);
}

/*
 * Looks at every lock file in DIR: removes those of runs that died and
 * reports the first output of OURS that a live one makes.  Returns 0, or
 * 1 if there is a conflict (printed).
 */
static int
outlock_check(const char *dir, const struct workflow *wf,
    const struct strmap *ours, const char *mine)
{
	DIR		*d;
	struct dirent	*de;
	const char	*hit, *run, *file;
	char		*path, *buf;
	size_t		 n;
	int		 fd, rc = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 9 || strcmp(de->d_name + n - 8, ".outputs") != 0)
			continue;
		path = xprintf("%s/%s", dir, de->d_name);
		if (strcmp(path, mine) == 0 ||
		    (fd = open(path, O_RDONLY|O_CLOEXEC|O_NOFOLLOW)) == -1) {
			free(path);
			continue;
		}
		if (flock(fd, LOCK_SH|LOCK_NB) == 0) {
			/* Nobody holds it: its run is gone. */
			unlink(path);
		} else if (errno == EWOULDBLOCK) {
			hit = outlock_overlap(fd, ours, &buf, &run, &file);
			if (hit != NULL) {
				outlock_refuse(wf, hit, run, file);
				rc = 1;
			}
			free(buf);
		}
		close(fd);
		free(path);
	}
	closedir(d);
	return rc;
}

/* Writes the header and the paths to FD. */
static int
outlock_write(int fd, const struct workflow *wf, char **paths, size_t n)
{
	FILE		*f;
	const char	*base;
	size_t		 i;
	int		 dup_fd;

	if ((dup_fd = dup(fd)) == -1 || (f = fdopen(dup_fd, "w")) == NULL) {
		if (dup_fd != -1)
			close(dup_fd);
		return -1;
	}
	base = strrchr(wf->path, '/');
	fprintf(f, OUTLOCK_MAGIC OUTLOCK_RUN "%-*s\nfile %s/%s\n\n",
	    OUTLOCK_RUNLEN, "----", strcmp(wf->dir, "/") != 0 ? wf->dir : "",
	    base != NULL ? base + 1 : wf->path);
	for (i = 0; i < n; i++)
		fwrite(paths[i], 1, strlen(paths[i]) + 1, f);
	if (fflush(f) == EOF || ferror(f)) {
		fclose(f);
		return -1;
	}
	return fclose(f) == EOF ? -1 : 0;
}

int
outlock_take(const char *base, const struct workflow *wf,
    const struct dag *dag, struct outlock **lp)
{
	struct strmap	 ours;
	struct outlock	*l = NULL;
	char		*dir, *guard, **paths, *mine = NULL;
	size_t		 i, j, n = 0, total = 0;
	int		 gfd = -1, fd = -1, rc = -1;

	*lp = NULL;
	for (i = 0; i < dag->ntasks; i++)
		total += dag->tasks[i].noutputs;
	if (total == 0)
		return 0;
	paths = xcalloc(total, sizeof *paths);
	strmap_init(&ours, total);
	for (i = 0; i < dag->ntasks; i++) {
		for (j = 0; j < dag->tasks[i].noutputs; j++) {
			paths[n] = outlock_abs(wf, dag->tasks[i].outputs[j]);
			strmap_put(&ours, paths[n], 0);
			n++;
		}
	}
	dir = xprintf("%s/locks", base);
	guard = xprintf("%s/guard", dir);
	mine = xprintf("%s/%ld.outputs", dir, (long)getpid());
	if (mkdir_p(dir, 0755) == -1 ||
	    (gfd = open(guard, O_RDWR|O_CREAT|O_CLOEXEC, 0644)) == -1 ||
	    flock(gfd, LOCK_EX) == -1) {
		fprintf(stderr, "%s: cannot lock the outputs in '%s': %s\n",
		    weft_prog, dir, strerror(errno));
		goto out;
	}
	if (outlock_check(dir, wf, &ours, mine) != 0) {
		rc = 1;
		goto out;
	}
	if ((fd = open(mine, O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC|O_NOFOLLOW,
	    0644)) == -1 || flock(fd, LOCK_EX) == -1 ||
	    outlock_write(fd, wf, paths, n) == -1) {
		fprintf(stderr, "%s: cannot write '%s': %s\n", weft_prog, mine,
		    strerror(errno));
		if (fd != -1) {
			unlink(mine);
			close(fd);
		}
		goto out;
	}
	l = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->path = mine;
	mine = NULL;
	*lp = l;
	rc = 0;
out:
	if (gfd != -1)
		close(gfd);	/* and with it the guard's lock */
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	strmap_free(&ours);
	free(mine);
	free(guard);
	free(dir);
	return rc;
}

void
outlock_name(struct outlock *l, const char *run)
{
	char	 field[OUTLOCK_RUNLEN + 1];

	if (l == NULL)
		return;
	snprintf(field, sizeof field, "%-*s", OUTLOCK_RUNLEN, run);
	/* Best effort: the name only makes the refusal's message clearer. */
	if (pwrite(l->fd, field, OUTLOCK_RUNLEN, (off_t)(strlen(OUTLOCK_MAGIC) +
	    strlen(OUTLOCK_RUN))) == -1)
		log_info("cannot name the output lock: %s", strerror(errno));
}

int
outlock_fd(const struct outlock *l)
{
	return l->fd;
}

void
outlock_release(struct outlock *l)
{
	if (l == NULL)
		return;
	/* Unlinked first, so that nobody finds it unlocked and alive. */
	unlink(l->path);
	close(l->fd);
	free(l->path);
	free(l);
}
