/*
 * run-options.c: the options of "weft run" (run_options), and its
 * workflow loaded whole, with the --plugin and --set options on top, its
 * plugins verified and its task graph built (load_workflow), for
 * cmd_run in cmd-run.c.
 */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "weft.h"
#include "proto.h"
#include "run.h"

enum {
	OPT_RETRIES = 256, OPT_FAIL_FAST, OPT_KEEP_GOING, OPT_RESUME,
	OPT_NO_RESUME, OPT_PLUGIN, OPT_TAIL, OPT_REPORT, OPT_JUNIT, OPT_JSON,
	OPT_SET
};

static const struct option run_longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "plugin", required_argument, NULL, OPT_PLUGIN },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "fail-fast", no_argument, NULL, OPT_FAIL_FAST },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "no-resume", no_argument, NULL, OPT_NO_RESUME },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "print", no_argument, NULL, 'p' },
	{ "tail", required_argument, NULL, OPT_TAIL },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "set", required_argument, NULL, OPT_SET },
	{ "run-dir", required_argument, NULL, 'd' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/*
 * Loads the workflow whole, with the --plugin options on top, verifies
 * every plugin and function (loading them here, so that nothing runs when
 * one is wrong), and builds the task graph.  Errors go to stderr.
 */
int
load_workflow(struct run *r, const char *file, char **plugins,
    size_t nplugins, char **sets, size_t nsets, int dry)
{
	struct wf_plugin	*pl;
	char			*err = NULL;
	size_t			 i;

	if (workflow_load(file, file, NULL, WF_FULL, &r->wf, &err) == -1)
		goto fail;
	for (i = 0; i < nsets; i++) {
		if (workflow_set_param(r->wf, sets[i], &err) == -1)
			goto fail;
	}
	/* A dry run runs nothing: it needs no secret. */
	if (workflow_check_ready(r->wf, !dry, &err) == -1)
		goto fail;
	r->plugin_args = xcalloc(nplugins + 1, sizeof *r->plugin_args);
	for (i = 0; i < nplugins; i++) {
		if (workflow_plugin_option(r->wf, plugins[i], &err) == -1)
			goto fail;
	}
	/* Pools and workers get them with absolute paths. */
	for (i = 0; i < r->wf->nplugins; i++) {
		pl = &r->wf->plugins[i];
		/* An included file's plugins are relative to it. */
		if (pl->mark.line < 0 || pl->mark.file != NULL)
			r->plugin_args[r->nplugin_args++] = xprintf("%s=%s",
			    pl->name, pl->abspath);
	}
	if (plugins_load(r->wf, plugin_timeout_s(), &err) == -1 ||
	    dag_build(r->wf, &r->dag, &err) == -1 ||
	    dag_check_paths(r->wf, r->dag, &err) == -1)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s\n", err);
	free(err);
	dag_free(&r->dag);
	for (i = 0; i < r->nplugin_args; i++)
		free(r->plugin_args[i]);
	free(r->plugin_args);
	r->plugin_args = NULL;
	r->nplugin_args = 0;
	workflow_free(&r->wf);
	return -1;
}

/*
 * Parses the options into R; returns -1 (having said why) for a usage
 * error, 1 when the help was asked for and printed, else 0.
 */
int
run_options(struct run *r, int argc, char **argv, char **plugins,
    size_t *nplugins, char **sets, size_t *nsets, const char **rundir_opt,
    int *jobs, int *dry, int *resume, int *print)
{
	struct stat	 st;
	int		 ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":j:npqvh", run_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_PLUGIN:
			plugins[(*nplugins)++] = optarg;
			break;
		case OPT_SET:
			sets[(*nsets)++] = optarg;
			break;
		case 'p':
			*print = 1;
			break;
		case 'j':
			if (parse_number(optarg, 1, WEFT_MAX_JOBS,
			    jobs) == -1) {
				fprintf(stderr, "weft run: invalid -j value "
				    "'%s': "
				    "expected an integer from 1 to %d\n",
				    optarg, WEFT_MAX_JOBS);
				return -1;
			}
			break;
		case OPT_RETRIES:
			if (parse_number(optarg, 0, 10000, &r->retries) == -1) {
				fprintf(stderr, "weft run: invalid --retries "
				    "value "
				    "'%s': expected an integer from 0 to "
				    "10000\n", optarg);
				return -1;
			}
			break;
		case OPT_FAIL_FAST:
			r->fail_fast = 1;
			break;
		case OPT_KEEP_GOING:
			r->fail_fast = 0;
			break;
		case OPT_RESUME:
			*resume = 1;
			break;
		case OPT_NO_RESUME:
			*resume = 0;
			break;
		case 'n':
			*dry = 1;
			break;
		case OPT_TAIL:
			if (parse_number(optarg, 0, 10000, &r->tail) == -1) {
				fprintf(stderr, "weft run: invalid --tail "
				    "value '%s': expected an integer from 0 "
				    "to 10000\n", optarg);
				return -1;
			}
			break;
		case OPT_JSON:
			r->json = 1;
			break;
		case OPT_REPORT:
		case OPT_JUNIT:
			if (*optarg == '\0') {
				fprintf(stderr, "weft run: --%s needs a file "
				    "name\n", ch == OPT_REPORT ? "report" :
				    "junit");
				return -1;
			}
			free(ch == OPT_REPORT ? r->report_path : r->junit_path);
			*(ch == OPT_REPORT ? &r->report_path :
			    &r->junit_path) = xstrdup(optarg);
			break;
		case 'd':
			if (*optarg == '\0') {
				fprintf(stderr, "weft run: --run-dir needs a "
				    "directory name\n");
				return -1;
			}
			/* A file in the way is the caller's mistake. */
			if (stat(optarg, &st) == 0 ? !S_ISDIR(st.st_mode) :
			    errno == ENOTDIR) {
				fprintf(stderr, "weft run: --run-dir '%s' is "
				    "not a "
				    "directory\n", optarg);
				return -1;
			}
			*rundir_opt = optarg;
			break;
		case 'q':
			r->quiet = 1;
			break;
		case 'v':
			r->verbose = 1;
			break;
		case 'h':
			cmd_help(stdout, "run");
			return 1;
		default:
			cmd_bad_option("run", ch, argv);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "weft run: missing FILE\n");
		cmd_help(stderr, "run");
		return -1;
	}
	if (*print && !*dry) {
		fprintf(stderr, "weft run: --print (-p) goes with --dry-run "
		    "(-n)\n");
		return -1;
	}
	return 0;
}
