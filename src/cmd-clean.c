/*
 * cmd-clean.c: "weft clean [--keep N] [--older-than DURATION] [--dry-run]
 * [--run-dir DIR]", which removes old run directories under DIR/runs:
 * all but the newest N, or those last written longer ago than DURATION,
 * or, with both, those that both name.  A live run (its main holds
 * main.pid locked, rundir.c) is never removed, nor one that is only
 * being set up; runs are not numbered while it works, and the numbers of
 * removed runs are never given again (rundir_lock_numbers).  The records
 * of removed runs stay in the monitoring database.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"

#define CLEAN_OPT_KEEP		256
#define CLEAN_OPT_OLDER		257
#define CLEAN_OPT_DRYRUN	258

/* A folder with no main.pid this young may be a run being set up. */
#define CLEAN_STARTING_S	60

struct clean_run {
	char		 name[16];
	unsigned long	 number;
};

/* The bytes of the files under a tree, for nftw. */
static int64_t	 clean_bytes;

static void
clean_usage(FILE *f)
{
	cmd_help(f, "clean");
}

static int
clean_sum(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path;
	(void)f;
	if (flag == FTW_F)
		clean_bytes += st->st_size;
	return 0;
}

static int
clean_unlink(const char *path, const struct stat *st, int flag,
    struct FTW *f)
{
	(void)st;
	(void)f;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) == -1 &&
	    errno != ENOENT)
		return errno;
	return 0;
}

static int
clean_run_cmp(const void *a, const void *b)
{
	const struct clean_run	*x = a, *y = b;

	return x->number < y->number ? -1 : x->number > y->number;
}

/* The runs under RUNS, oldest (lowest number) first. */
static struct clean_run *
clean_list(const char *runs, size_t *np)
{
	DIR		*d;
	struct dirent	*de;
	struct clean_run *v = NULL;
	char		 name[16];
	size_t		 n = 0;

	*np = 0;
	if ((d = opendir(runs)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (rundir_parse_name(de->d_name, name, sizeof name) == -1 ||
		    strcmp(name, de->d_name) != 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		snprintf(v[n].name, sizeof v[n].name, "%s", name);
		v[n].number = strtoul(name, NULL, 10);
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof *v, clean_run_cmp);
	*np = n;
	return v;
}

/*
 * When run PATH was last written: the later of its folder's and its
 * weft.log's modification times.
 */
static time_t
clean_written(const char *path, const struct stat *dir)
{
	struct stat	 st;
	char		*log;
	time_t		 t = dir->st_mtime;

	log = xprintf("%s/weft.log", path);
	if (stat(log, &st) == 0 && st.st_mtime > t)
		t = st.st_mtime;
	free(log);
	return t;
}

/*
 * Why run PATH must stay although it is old enough, or NULL if it may
 * go; caller frees.
 */
static char *
clean_why_kept(const char *path, const struct stat *st, time_t now)
{
	struct stat	 pst;
	char		*pidfile;
	pid_t		 pid;
	int		 live, has_pid;

	if (st->st_uid != getuid())
		return xstrdup("it belongs to another user");
	if ((live = rundir_is_live(path, &pid)) == 1)
		return xprintf("live (pid %ld)", (long)pid);
	if (live == -1)
		return xprintf("cannot tell whether it is live: %s",
		    weft_strerror(errno));
	pidfile = xprintf("%s/main.pid", path);
	has_pid = stat(pidfile, &pst) == 0;
	free(pidfile);
	if (!has_pid && now - st->st_mtime < CLEAN_STARTING_S)
		return xstrdup("starting");
	return NULL;
}

/*
 * Removes run PATH (NAME): renamed first, so that it is gone from the
 * list of runs at once, then emptied.  Returns 0, or -1 having said why.
 */
static int
clean_remove(const char *runs, const char *name, const char *path)
{
	char	*aside;
	int	 e;

	aside = xprintf("%s/.removing-%s", runs, name);
	if (rename(path, aside) == -1) {
		fprintf(stderr, "weft clean: cannot remove run %s: %s\n",
		    name, weft_strerror(errno));
		free(aside);
		return -1;
	}
	if ((e = nftw(aside, clean_unlink, 16, FTW_DEPTH|FTW_PHYS)) != 0) {
		fprintf(stderr, "weft clean: cannot remove all of run %s "
		    "(left in %s): %s\n", name, aside, weft_strerror(e == -1 ?
		    errno : e));
		free(aside);
		return -1;
	}
	free(aside);
	return 0;
}

/* What is left of runs whose removal was cut short: removed now. */
static void
clean_leftovers(const char *runs, int dry)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;

	if (dry || (d = opendir(runs)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".removing-", 10) != 0)
			continue;
		path = xprintf("%s/%s", runs, de->d_name);
		nftw(path, clean_unlink, 16, FTW_DEPTH|FTW_PHYS);
		free(path);
	}
	closedir(d);
}

static int
clean_options(int argc, char **argv, int *keep, int64_t *older, int *dry,
    struct locate *lc)
{
	static const struct option	 longopts[] = {
		{ "keep", required_argument, NULL, CLEAN_OPT_KEEP },
		{ "older-than", required_argument, NULL, CLEAN_OPT_OLDER },
		{ "dry-run", no_argument, NULL, CLEAN_OPT_DRYRUN },
		LOCATE_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, rc;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":hf:C:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case CLEAN_OPT_KEEP:
			if (parse_number(optarg, 0, INT_MAX, keep) == -1) {
				fprintf(stderr, "weft clean: invalid --keep "
				    "value '%s': expected a number of runs, "
				    "0 or more\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case CLEAN_OPT_OLDER:
			if (parse_age(optarg, older) == -1) {
				fprintf(stderr, "weft clean: invalid duration "
				    "'%s': expected such as 90s, 12h, 7d or "
				    "1d12h\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case CLEAN_OPT_DRYRUN:
			*dry = 1;
			break;
		case 'f':
		case 'C':
		case LOCATE_OPT_RUNDIR:
			if ((rc = locate_option(lc, "clean", ch, optarg)) != 1)
				return rc;
			break;
		case 'h':
			clean_usage(stdout);
			return -1;
		default:
			return cmd_bad_option("clean", ch, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "weft clean: too many arguments\n");
		clean_usage(stderr);
		return EXIT_USAGE;
	}
	if (*keep == -1 && *older == -1) {
		fprintf(stderr, "weft clean: say which runs to remove: --keep "
		    "N, --older-than DURATION or both\n");
		clean_usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

int
cmd_clean(int argc, char **argv)
{
	struct clean_run	*v = NULL;
	struct stat		 st;
	struct locate		 lc = { NULL, NULL, NULL };
	char			*dir = NULL, *runs = NULL, *path, *why;
	int64_t			 older = -1, total = 0;
	time_t			 now = time(NULL);
	size_t			 n = 0, i, removed = 0;
	int			 keep = -1, dry = 0, rc, fd = -1, failed = 0;

	if ((rc = clean_options(argc, argv, &keep, &older, &dry, &lc)) != 0)
		return rc == -1 ? 0 : rc;
	if ((rc = locate_base("clean", &lc, &dir)) != 0)
		return rc;
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "weft clean: no run directory at %s (weft run "
		    "makes .weft next to the workflow file; see --run-dir)\n",
		    dir);
		free(dir);
		return EXIT_USAGE;
	}
	/* A run that ended without finishing its record gets it now. */
	record_recover(dir, 0, 0);
	runs = xprintf("%s/runs", dir);
	if ((fd = rundir_lock_numbers(dir)) == -1 && errno != ENOENT) {
		fprintf(stderr, "weft clean: cannot lock %s/.lock: %s\n",
		    runs, weft_strerror(errno));
		free(runs);
		free(dir);
		return EXIT_INTERNAL;
	}
	if (fd != -1) {
		clean_leftovers(runs, dry);
		v = clean_list(runs, &n);
	}
	for (i = 0; i < n; i++) {
		/* The newest KEEP stay, whatever their age. */
		if (keep != -1 && n - i <= (size_t)keep)
			break;
		path = xprintf("%s/%s", runs, v[i].name);
		if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode) ||
		    (older != -1 && (int64_t)(now - clean_written(path,
		    &st)) * 1000 <= older)) {
			free(path);
			continue;
		}
		if ((why = clean_why_kept(path, &st, now)) != NULL) {
			printf("kept run %s: %s\n", v[i].name, why);
			free(why);
			free(path);
			continue;
		}
		clean_bytes = 0;
		nftw(path, clean_sum, 16, FTW_PHYS);
		if (!dry && clean_remove(runs, v[i].name, path) == -1) {
			failed = 1;
			free(path);
			continue;
		}
		printf("%s run %s (%lld bytes)\n", dry ? "would remove" :
		    "removed", v[i].name, (long long)clean_bytes);
		total += clean_bytes;
		removed++;
		free(path);
	}
	if (fd != -1)
		close(fd);
	printf("%s %zu run%s (%lld bytes); %zu left\n", dry ? "would remove" :
	    "removed", removed, removed == 1 ? "" : "s", (long long)total,
	    n - removed);
	free(v);
	free(runs);
	free(dir);
	if ((rc = dbread_flush("clean")) != 0)
		return rc;
	return failed ? EXIT_INTERNAL : 0;
}
