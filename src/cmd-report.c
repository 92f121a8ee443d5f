/*
 * cmd-report.c: "weft report [-o FILE] [--junit FILE] [--run-dir DIR]
 * [RUN]", the reports of one run (the newest by default) from the
 * monitoring database: a self-contained HTML page (report-html.c) and
 * JUnit XML (report-junit.c), read through report-data.c.  Reads the
 * database only, so it works on a finished run and on a live one (what
 * is recorded so far).
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

#define REPORT_OPT_JUNIT	256
#define REPORT_DEFAULT		"report.html"

static void
report_usage(FILE *f)
{
	cmd_help(f, "report");
}

int
cmd_report(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "junit", required_argument, NULL, REPORT_OPT_JUNIT },
		LOCATE_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct report	 rp;
	struct locate	 lc = { NULL, NULL, NULL };
	const char	*html = NULL, *junit = NULL;
	char		*dir, run[32] = "";
	int		 ch, rc;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":ho:f:C:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'o':
		case REPORT_OPT_JUNIT:
			if (*optarg == '\0')
				return cmd_bad_option("report", ':', argv);
			if (ch == 'o')
				html = optarg;
			else
				junit = optarg;
			break;
		case 'f':
		case 'C':
		case LOCATE_OPT_RUNDIR:
			if ((rc = locate_option(&lc, "report", ch,
			    optarg)) != 1)
				return rc;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			return cmd_bad_option("report", ch, argv);
		}
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "weft report: too many arguments\n");
		report_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind < argc && rundir_parse_name(argv[optind], run,
	    sizeof run) == -1) {
		fprintf(stderr, "weft report: invalid run '%s': expected a run "
		    "number such as 7 or 0007\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (html == NULL && junit == NULL)
		html = REPORT_DEFAULT;
	if (html != NULL && junit != NULL && strcmp(html, junit) == 0 &&
	    strcmp(html, "-") != 0) {
		fprintf(stderr, "weft report: -o and --junit name the same "
		    "file '%s'\n", html);
		return EXIT_USAGE;
	}
	if (html != NULL && junit != NULL && strcmp(html, "-") == 0 &&
	    strcmp(junit, "-") == 0) {
		fprintf(stderr, "weft report: -o and --junit cannot both be "
		    "standard output\n");
		return EXIT_USAGE;
	}

	if ((rc = locate_base("report", &lc, &dir)) != 0)
		return rc;
	rc = report_load(dir, run, &rp, "report");
	free(dir);
	if (rc != 0)
		return rc;
	if (junit != NULL)
		rc = report_write(&rp, junit, report_junit, "report");
	if (rc == 0 && html != NULL)
		rc = report_write(&rp, html, report_html, "report");
	report_free(&rp);
	return rc;
}
