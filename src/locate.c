/*
 * locate.c: which .weft folder an inspection command reads.  "weft run"
 * keeps its runs in .weft next to the workflow file, so a user in a
 * repository's root who ran "weft run ci/flow.yaml" means ci/.weft.  The
 * commands that read runs (runs, tasks, status, stop, logs, report,
 * cache, clean) take the same three options, parsed here:
 *
 *   --run-dir DIR   DIR itself;
 *   -f FILE         the .weft next to the workflow FILE;
 *   -C DIR          as if started in DIR;
 *
 * and otherwise look for .weft in the current folder and then upwards,
 * as git looks for .git.  When none is found the message names the runs
 * that exist below the current folder.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

/* How far below the current folder the "runs exist nearby" hint looks. */
#define NEARBY_DEPTH	3
#define NEARBY_DIRS	4000	/* folders read at most */
#define NEARBY_SHOWN	3

static int
is_dir(const char *path)
{
	struct stat	 sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * Takes one of the locating options; returns 1 if CH was one, 0 if not,
 * or an exit code (printed) for an empty or repeated one.
 */
int
locate_option(struct locate *lc, const char *cmd, int ch, const char *arg)
{
	const char	**slot;
	const char	 *name;

	switch (ch) {
	case 'f':
		slot = &lc->file;
		name = "-f";
		break;
	case 'C':
		slot = &lc->dir;
		name = "-C";
		break;
	case LOCATE_OPT_RUNDIR:
		slot = &lc->run_dir;
		name = "--run-dir";
		break;
	default:
		return 0;
	}
	if (*arg == '\0') {
		fprintf(stderr, "weft %s: option '%s' needs an argument\n",
		    cmd, name);
		return EXIT_USAGE;
	}
	if (*slot != NULL) {
		fprintf(stderr, "weft %s: option '%s' given twice\n", cmd,
		    name);
		return EXIT_USAGE;
	}
	*slot = arg;
	return 1;
}

/* Adds the .weft folders under DIR (shown as SHOWN) to the hint. */
static void
nearby(const char *dir, const char *shown, int depth, char **found,
    size_t *nfound, size_t *budget)
{
	struct dirent	*de;
	DIR		*d;
	char		*path, *name;

	if (*budget == 0 || (d = opendir(dir)) == NULL)
		return;
	(*budget)--;
	while ((de = readdir(d)) != NULL && *nfound < NEARBY_SHOWN) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (strcmp(de->d_name, ".weft") == 0) {
			path = xprintf("%s/.weft/runs", dir);
			if (is_dir(path))
				found[(*nfound)++] = *shown == '\0' ?
				    xstrdup(".weft") :
				    xprintf("%s/.weft", shown);
			free(path);
			continue;
		}
		/* Hidden folders and dependency trees hold no one's runs. */
		if (de->d_name[0] == '.' || depth == 0 ||
		    strcmp(de->d_name, "node_modules") == 0)
			continue;
		path = xprintf("%s/%s", dir, de->d_name);
		name = *shown == '\0' ? xstrdup(de->d_name) :
		    xprintf("%s/%s", shown, de->d_name);
		if (de->d_type == DT_DIR || is_dir(path))
			nearby(path, name, depth - 1, found, nfound, budget);
		free(name);
		free(path);
	}
	closedir(d);
}

/* Why the workflow file PATH cannot be used: stat failed or a folder. */
static const char *
errno_or_folder(const char *path)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1)
		return strerror(errno);
	return "a folder, not a workflow file";
}

static void
not_found(const char *cmd, const char *start, const char *shown)
{
	char	*found[NEARBY_SHOWN], *dir;
	size_t	 nfound = 0, budget = NEARBY_DIRS, i;

	fprintf(stderr, "weft %s: no runs found: no .weft in %s or any "
	    "folder above it\n", cmd, shown);
	nearby(start, strcmp(start, ".") == 0 ? "" : start, NEARBY_DEPTH,
	    found, &nfound, &budget);
	for (i = 0; i < nfound; i++) {
		dir = xstrdup(found[i]);
		*strrchr(dir, '/') = '\0';
		fprintf(stderr, "weft %s: runs exist in %s (use -C %s, or "
		    "-f with the workflow file there)\n", cmd, found[i], dir);
		free(dir);
		free(found[i]);
	}
	if (nfound == 0)
		fprintf(stderr, "weft %s: start a run with 'weft run FILE', "
		    "or name its folder with -C DIR or -f FILE\n", cmd);
}

/*
 * The .weft folder LC means, as the user would write it (caller frees).
 * Returns 0, or prints why not and returns an exit code.  Nothing is
 * checked inside the folder: the callers say what they miss there.
 */
int
locate_base(const char *cmd, const struct locate *lc, char **basep)
{
	struct stat	 sb;
	char		*dir, *slash, *cand, cwd[PATH_MAX];
	const char	*start;
	size_t		 up;

	*basep = NULL;
	if ((lc->run_dir != NULL) + (lc->file != NULL) +
	    (lc->dir != NULL) > 1) {
		fprintf(stderr, "weft %s: give only one of --run-dir, -f and "
		    "-C\n", cmd);
		return EXIT_USAGE;
	}
	if (lc->run_dir != NULL) {
		*basep = xstrdup(lc->run_dir);
		return 0;
	}
	if (lc->file != NULL) {
		if (stat(lc->file, &sb) == -1 || S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "weft %s: %s: %s\n", cmd, lc->file,
			    errno_or_folder(lc->file));
			return EXIT_USAGE;
		}
		dir = xstrdup(lc->file);
		if ((slash = strrchr(dir, '/')) == NULL)
			*basep = xstrdup(".weft");
		else if (slash == dir)
			*basep = xstrdup("/.weft");
		else {
			*slash = '\0';
			*basep = xprintf("%s/.weft", dir);
		}
		free(dir);
		return 0;
	}
	start = lc->dir != NULL ? lc->dir : ".";
	if (stat(start, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "weft %s: -C %s: %s\n", cmd, start,
		    stat(start, &sb) == 0 ? "not a folder" : strerror(errno));
		return EXIT_USAGE;
	}
	/* Upwards by "..": the name stays as short as the user's. */
	for (up = 0; up < PATH_MAX / 3; up++) {
		cand = xstrdup(start);
		for (size_t i = 0; i < up; i++) {
			dir = strcmp(cand, ".") == 0 ? xstrdup("..") :
			    xprintf("%s/..", cand);
			free(cand);
			cand = dir;
		}
		dir = strcmp(cand, ".") == 0 ? xstrdup(".weft") :
		    xprintf("%s/.weft", cand);
		if (is_dir(dir)) {
			free(cand);
			*basep = dir;
			return 0;
		}
		free(dir);
		/* The root is its own parent: stop there. */
		if (realpath(cand, cwd) == NULL || strcmp(cwd, "/") == 0) {
			free(cand);
			break;
		}
		free(cand);
	}
	if (realpath(start, cwd) == NULL)
		snprintf(cwd, sizeof cwd, "%s", start);
	not_found(cmd, start, cwd);
	return EXIT_USAGE;
}
