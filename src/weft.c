/*
 * weft.c: the entry point.  Finds the command in a table and runs it.  The
 * same table holds the internal helper roles (interchange, pool), which are
 * reached only when weft re-executes itself; they are hidden from --help.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

const char	*weft_self;

static const struct cmd_entry cmd_table[] = {
	{ "run", "[-qv] [-j N] [--plugin NAME=PATH] [--run-dir DIR] FILE",
	  "run a workflow", 0, cmd_run },
	{ "check", "[--dot] [--plugin NAME=PATH] FILE",
	  "validate a workflow and summarise its task graph", 0, cmd_check },
	{ "status", "[--json] [--watch] [--run-dir DIR] [RUN]",
	  "show the processes of a live run and their health", 0,
	  cmd_status },
	{ "stop", "[--kill] [--run-dir DIR] [RUN]",
	  "stop a live run", 0, cmd_stop },
	{ "runs", "[--json] [--run-dir DIR]",
	  "list the runs recorded in the monitoring database", 0, cmd_runs },
	{ "tasks", "[--json] [--state STATE] [--run-dir DIR] [RUN]",
	  "list the tasks of a run from the monitoring database", 0,
	  cmd_tasks },
	{ "interchange", "--run-dir DIR", "internal: task broker", 1,
	  interchange_main },
	{ "pool", "--run DIR --pool N --jobs N --workdir DIR",
	  "internal: worker pool", 1, pool_main },
	{ "router", "--run DIR", "internal: monitoring fan-in", 1,
	  router_main },
	{ "dbwriter", "--run DIR --db PATH", "internal: database writer", 1,
	  dbwriter_main },
	{ "worker", "--run DIR --pool N --worker N --workdir DIR --parent PID",
	  "internal: function caller", 1, worker_main },
	{ "hash", "--workdir DIR --parent PID", "internal: input hasher", 1,
	  hasher_main },
};

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: weft [--help | --version] COMMAND [ARGS]\n\n"
	    "commands:\n");
	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (cmd_table[i].hidden)
			continue;
		fprintf(f, "  %-10s %s\n", cmd_table[i].name,
		    cmd_table[i].summary);
	}
	fprintf(f, "\n'weft COMMAND --help' describes a command; "
	    "see also weft(1) and weft-workflow(5).\n");
}

void
cmd_usage(const struct cmd_entry *unused, int code)
{
	(void)unused;
	exit(code);
}

/*
 * Helpers re-execute this very binary, so it must know its own absolute
 * path; /proc/self/exe survives a relative argv[0] and a changed cwd.
 */
static void
find_self(void)
{
	static char	 path[PATH_MAX];
	ssize_t		 n;

	n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0) {
		fprintf(stderr, "weft: cannot find own executable: %s\n",
		    strerror(errno));
		exit(EXIT_INTERNAL);
	}
	path[n] = '\0';
	weft_self = path;
}

int
main(int argc, char **argv)
{
	size_t	 i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("weft %s\n", PACKAGE_VERSION);
		return 0;
	}
	find_self();
	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (strcmp(argv[1], cmd_table[i].name) == 0) {
			if (cmd_table[i].hidden)
				proctitle_init(argc, argv);
			return cmd_table[i].exec(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "weft: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
