/*
 * run-report.c: "weft run --report FILE" and "--junit FILE".  Before the
 * run, the options are checked (they need the monitoring database, and
 * FILE's folder must exist) and FILE made absolute, since main works in
 * the run directory; at the end, once the run's record is finished, the
 * reports are written from the database as "weft report" would write
 * them (report-data.c, report-html.c, report-junit.c).  Called by
 * cmd-run.c.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

/* *PATH made absolute from the current folder; -1 if it cannot be. */
static int
run_report_path(const char *opt, char **path)
{
	struct stat	 st;
	const char	*err = NULL;
	char		 cwd[PATH_MAX], *copy, *dir;

	if (*path == NULL)
		return 0;
	if (getcwd(cwd, sizeof cwd) == NULL) {
		fprintf(stderr, "weft run: %s: cannot find the current "
		    "folder: %s\n", opt, strerror(errno));
		return -1;
	}
	copy = path_abs(cwd, *path);
	free(*path);
	*path = copy;
	copy = xstrdup(*path);
	dir = dirname(copy);
	if (stat(dir, &st) == -1)
		err = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		err = strerror(ENOTDIR);
	else if (access(dir, W_OK) == -1)
		err = strerror(errno);
	if (err != NULL)
		fprintf(stderr, "weft run: cannot write %s %s: %s: %s\n", opt,
		    *path, dir, err);
	free(copy);
	return err != NULL ? -1 : 0;
}

/*
 * Checks --report and --junit before anything runs; returns -1 (having
 * said why) for a usage error.  With monitoring off there is no record
 * to write them from, so they are refused.
 */
int
run_report_check(struct run *r)
{
	const char	*opt = r->report_path != NULL ? "--report" : "--junit";

	if (r->report_path == NULL && r->junit_path == NULL)
		return 0;
	if (!r->wf->monitoring) {
		fprintf(stderr, "weft run: %s needs the monitoring database, "
		    "and config.monitoring is false\n", opt);
		return -1;
	}
	if (r->report_path != NULL && r->junit_path != NULL &&
	    strcmp(r->report_path, r->junit_path) == 0) {
		fprintf(stderr, "weft run: --report and --junit name the same "
		    "file '%s'\n", r->report_path);
		return -1;
	}
	if (run_report_path("--report", &r->report_path) == -1)
		return -1;
	return run_report_path("--junit", &r->junit_path);
}

/*
 * Writes the reports asked for from the run's record; returns 0, or the
 * exit code of a report that could not be written (said on stderr).
 */
int
run_report_write(struct run *r)
{
	struct report	 rp;
	int		 rc = 0;

	if (r->report_path == NULL && r->junit_path == NULL)
		return 0;
	if ((rc = report_load(r->rd.base, r->rd.name, &rp, "run")) != 0)
		return EXIT_INTERNAL;
	if (r->junit_path != NULL)
		rc = report_write(&rp, r->junit_path, report_junit, "run");
	if (r->report_path != NULL && report_write(&rp, r->report_path,
	    report_html, "run") != 0)
		rc = EXIT_INTERNAL;
	report_free(&rp);
	return rc != 0 ? EXIT_INTERNAL : 0;
}
