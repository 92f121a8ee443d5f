/*
 * weft.c: the entry point.  Finds the command in a table and runs it.  The
 * same table holds the internal helper roles (interchange, pool), which are
 * reached only when weft re-executes itself; they are hidden from --help.
 *
 * The table is the one description of a subcommand: its usage line and
 * help are what "weft CMD --help" and CMD's usage errors print (through
 * cmd_help, which the cmd-*.c files call), its summary what "weft --help"
 * lists, and the long options its help names are those a mistyped
 * option is compared with (cmd_bad_option, which every command calls,
 * through diag.c's did-you-mean).  "weft help CMD" prints CMD's help.  A
 * helper role's options are described by roleargs.c, which both builds
 * and parses a role's command line.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

const char	*weft_self;

#define STR(x)	STR1(x)
#define STR1(x)	#x

static const struct cmd_entry cmd_table[] = {
	{ "run", "[-qv] [-j N] [--retries N] [--fail-fast | --keep-going] "
	  "[--resume | --no-resume] [-n | --dry-run [-p | --print]] "
	  "[--tail N] [--json] [--report FILE] [--junit FILE] "
	  "[--plugin NAME=PATH] [--set NAME=VALUE] [--run-dir DIR] FILE "
	  "[TARGET...]",
	  "  -j, --jobs N       slots per pool (1-" STR(WEFT_MAX_JOBS)
	  "; default: config.jobs, else CPUs)\n"
	  "      --retries N    retries of every task (0-10000), over the"
	  " app's and config's\n"
	  "      --fail-fast    stop at the first task that fails for good\n"
	  "      --keep-going   run what does not depend on a failure"
	  " (the default)\n"
	  "      --resume       skip the tasks that the cache has done\n"
	  "      --no-resume    run everything, whatever config.resume says\n"
	  "  -n, --dry-run      say what would run and what is cached,"
	  " and with\n"
	  "                     --resume why; run nothing\n"
	  "  -p, --print        with -n: each task's command or call\n"
	  "      --json         at the end, one JSON document on stdout"
	  " (the rest\n"
	  "                     goes to stderr)\n"
	  "      --report FILE  write the run's HTML report to FILE at the"
	  " end\n"
	  "      --junit FILE   write the run's JUnit XML to FILE at the end\n"
	  "      --plugin NAME=PATH\n"
	  "                     add or replace a plugin (repeatable)\n"
	  "      --set NAME=VALUE\n"
	  "                     set a param of the workflow (repeatable)\n"
	  "  TARGET             an entry or task id, '*' and '?' allowed:"
	  " run only\n"
	  "                     the targets and what they need\n"
	  "      --run-dir DIR  keep runs in DIR instead of .weft next to"
	  " FILE\n"
	  "      --tail N       off a terminal, the last N lines of a"
	  " failure's stderr (20)\n"
	  "  -q, --quiet        no line per task, no live view, only the"
	  " summary\n"
	  "  -v, --verbose      debug lines in every process's log; every"
	  " task's line\n"
	  "  -h, --help         this help\n",
	  "run a workflow", 0, cmd_run },
	{ "check", "[--dot | --json] [--plugin NAME=PATH] [--set NAME=VALUE] "
	  "FILE",
	  "\n"
	  "options:\n"
	  "  --dot               print the task graph in DOT format\n"
	  "  --json              print the summary, or the error, as JSON\n"
	  "  --plugin NAME=PATH  add or replace a plugin (repeatable)\n"
	  "  --set NAME=VALUE    set a param of the workflow (repeatable)\n"
	  "  -h, --help          show this help\n",
	  "validate a workflow and summarise its task graph", 0, cmd_check },
	{ "status", "[--json] [--watch] [--interval S] [--timeout MS] "
	  "[-f FILE | -C DIR | --run-dir DIR] [RUN]",
	  "\n"
	  "Shows every process of RUN, a run number such as 7 or 0007\n"
	  "(default: the newest live run), with a verdict for each: ok,\n"
	  "not responding, dead, restarting (or exited while stopping).\n"
	  "\n"
	  "options:\n"
	  "  --json            one JSON object, for scripts\n"
	  "  --watch           refresh until the run ends\n"
	  "  --interval S      seconds between refreshes (default 1)\n"
	  "  --timeout MS      wait this long for answers (default "
	  STR(STATUS_TIMEOUT_MS) ")\n"
	  "  -f FILE           the runs of workflow FILE (its .weft)\n"
	  "  -C DIR            look for .weft from DIR upwards\n"
	  "  --run-dir DIR     runs are under DIR/runs\n"
	  "  -h, --help        show this help\n",
	  "show the processes of a live run and their health", 0,
	  cmd_status },
	{ "stop", "[--kill] [--json] [-f FILE | -C DIR | --run-dir DIR] [RUN]",
	  "\n"
	  "Stops RUN, a run number such as 7 or 0007 (default: the newest\n"
	  "live run).\n"
	  "\n"
	  "options:\n"
	  "  --kill         kill every process of the run at once\n"
	  "  --json         say what became of the run as a JSON object\n"
	  "  -f FILE        the runs of workflow FILE (its .weft)\n"
	  "  -C DIR         look for .weft from DIR upwards\n"
	  "  --run-dir DIR  runs are under DIR/runs\n"
	  "  -h, --help     show this help\n",
	  "stop a live run", 0, cmd_stop },
	{ "logs", "[--stderr | --both] [--try N] [--follow] [--json] "
	  "[-f FILE | -C DIR | --run-dir DIR] TASK [RUN]",
	  "\n"
	  "Prints what TASK wrote to stdout in RUN (a run number such as 7 or\n"
	  "0007; default: the newest run).  TASK is a task id as 'weft tasks'\n"
	  "shows it, a unique beginning of one, or a pattern in which only\n"
	  "'*' and '?' are special, e.g. 'test[os=alpine*'.\n"
	  "\n"
	  "options:\n"
	  "  --stderr         its stderr instead\n"
	  "  --both           stdout and stderr, each line marked out| or"
	  " err|\n"
	  "  --try N          try N (from 0, as 'weft tasks --tries' shows);"
	  "\n"
	  "                   default: the last\n"
	  "  --follow         print the output as it comes, until the task"
	  " ends\n"
	  "  --json           one JSON object with the text and where it is\n"
	  "  -f FILE          the runs of workflow FILE (its .weft)\n"
	  "  -C DIR           look for .weft from DIR upwards\n"
	  "  --run-dir DIR    read DIR/monitoring.db\n"
	  "  -h, --help       show this help\n",
	  "print what a task wrote", 0, cmd_logs },
	{ "runs", "[--json] [-f FILE | -C DIR | --run-dir DIR]",
	  "\n"
	  "options:\n"
	  "  --json         print the runs as a JSON array\n"
	  "  -f FILE        the runs of workflow FILE (its .weft)\n"
	  "  -C DIR         look for .weft from DIR upwards\n"
	  "  --run-dir DIR  read DIR/monitoring.db\n"
	  "  -h, --help     show this help\n",
	  "list the runs recorded in the monitoring database", 0, cmd_runs },
	{ "tasks", "[--tries] [--json] [--state STATE] "
	  "[-f FILE | -C DIR | --run-dir DIR] [RUN]",
	  "\n"
	  "RUN is a run number such as 7 or 0007; the default is the "
	  "newest run.\n"
	  "\n"
	  "options:\n"
	  "  --tries          one row per try of each task, not per task\n"
	  "  --json           print the rows as a JSON array\n"
	  "  --state STATE    only the tasks in STATE: done, cached, "
	  "failed,\n"
	  "                   dep_fail, killed, not_run, pending or "
	  "running; with\n"
	  "                   --tries, the tries in STATE: running, done,\n"
	  "                   failed, timeout, killed or lost\n"
	  "  -f FILE          the runs of workflow FILE (its .weft)\n"
	  "  -C DIR           look for .weft from DIR upwards\n"
	  "  --run-dir DIR    read DIR/monitoring.db\n"
	  "  -h, --help       show this help\n",
	  "list the tasks of a run from the monitoring database", 0,
	  cmd_tasks },
	{ "cache", "list [--json] [-f FILE | -C DIR | --run-dir DIR]",
	  "       weft cache prune [--older-than DURATION] [--max-size SIZE] "
	  "[-f FILE | -C DIR | --run-dir DIR]\n"
	  "       weft cache clear [-f FILE | -C DIR | --run-dir DIR]\n"
	  "\n"
	  "The task cache that 'weft run --resume' reads, in DIR/cache.\n"
	  "list shows its entries, oldest first; prune removes the entries\n"
	  "older than DURATION, then the oldest until the rest fit in SIZE;\n"
	  "clear removes them all.  Neither removes anything while a run\n"
	  "uses the cache.\n"
	  "\n"
	  "options:\n"
	  "  --json                 list: print a JSON array\n"
	  "  --older-than DURATION  prune: entries older than this, such as\n"
	  "                         90m, 12h, 7d or 1d12h\n"
	  "  --max-size SIZE        prune: keep at most SIZE bytes of entries,"
	  "\n"
	  "                         such as 500K, 10M or 1G\n"
	  "  -f FILE                the cache of workflow FILE (its .weft)\n"
	  "  -C DIR                 look for .weft from DIR upwards\n"
	  "  --run-dir DIR          the cache of DIR\n"
	  "  -h, --help             show this help\n",
	  "list or remove the entries of the task cache", 0, cmd_cache },
	{ "clean", "[--keep N] [--older-than DURATION] [--dry-run] "
	  "[-f FILE | -C DIR | --run-dir DIR]",
	  "\n"
	  "Removes old run directories under DIR/runs: all but the newest N,\n"
	  "or those last written longer ago than DURATION, or with both,\n"
	  "those that both name.  A live run is never removed.  The records\n"
	  "of removed runs stay in the monitoring database.\n"
	  "\n"
	  "options:\n"
	  "  --keep N               keep the newest N runs (0 or more)\n"
	  "  --older-than DURATION  remove runs older than this, such as\n"
	  "                         12h, 7d or 1d12h\n"
	  "  --dry-run              say what would be removed; remove "
	  "nothing\n"
	  "  -f FILE                the runs of workflow FILE (its .weft)\n"
	  "  -C DIR                 look for .weft from DIR upwards\n"
	  "  --run-dir DIR          runs are under DIR/runs\n"
	  "  -h, --help             show this help\n",
	  "remove old run directories", 0, cmd_clean },
	{ "report", "[-o FILE] [--junit FILE] "
	  "[-f FILE | -C DIR | --run-dir DIR] [RUN]",
	  "\n"
	  "Writes the reports of RUN, a run number such as 7 or 0007\n"
	  "(default: the newest run), from the monitoring database; a live\n"
	  "run gives what is recorded so far.  Without -o or --junit, the\n"
	  "HTML report goes to report.html.  FILE '-' is standard output.\n"
	  "\n"
	  "options:\n"
	  "  -o, --output FILE  one self-contained HTML page: summary,\n"
	  "                     timeline, task graph, app statistics, tasks\n"
	  "  --junit FILE       JUnit XML, one testcase per task\n"
	  "  -f FILE            the runs of workflow FILE (its .weft)\n"
	  "  -C DIR             look for .weft from DIR upwards\n"
	  "  --run-dir DIR      read DIR/monitoring.db\n"
	  "  -h, --help         show this help\n",
	  "write a run's HTML report or JUnit XML", 0, cmd_report },
	/* The roles' options are described by roleargs.c, which parses them. */
	{ "interchange", NULL, NULL, "internal: task broker", 1,
	  interchange_main },
	{ "pool", NULL, NULL, "internal: worker pool", 1, pool_main },
	{ "router", NULL, NULL, "internal: monitoring fan-in", 1,
	  router_main },
	{ "dbwriter", NULL, NULL, "internal: database writer", 1,
	  dbwriter_main },
	{ "worker", NULL, NULL, "internal: function caller", 1, worker_main },
	{ "hash", NULL, NULL, "internal: input hasher", 1, hasher_main },
};

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: weft [--help | --version] COMMAND [ARGS]\n"
	    "       weft help [COMMAND]\n\n"
	    "commands:\n");
	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (cmd_table[i].hidden)
			continue;
		fprintf(f, "  %-10s %s\n", cmd_table[i].name,
		    cmd_table[i].summary);
	}
	fprintf(f, "\n'weft help COMMAND' describes a command; "
	    "see also weft(1) and weft-workflow(5).\n");
}

#define NCMDS	(sizeof cmd_table / sizeof cmd_table[0])
#define MAXOPTS	64

static const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	}
	return NULL;
}

/*
 * Collects the long options that E's usage line and help name ("--json",
 * without the dashes) into NAMES, each once; returns how many.
 */
static size_t
cmd_longopts(const struct cmd_entry *e, char names[][32], size_t max)
{
	const char	*texts[2], *p, *q;
	size_t		 n = 0, i, j, len;

	texts[0] = e->usage;
	texts[1] = e->help;
	for (i = 0; i < 2; i++) {
		for (p = texts[i]; p != NULL && (p = strstr(p, "--")) != NULL;
		    p = q) {
			q = p += 2;
			while ((*q >= 'a' && *q <= 'z') ||
			    (*q >= '0' && *q <= '9') || *q == '-')
				q++;
			len = q - p;
			if (len == 0 || len >= sizeof names[0] || n == max)
				continue;
			for (j = 0; j < n; j++) {
				if (strncmp(names[j], p, len) == 0 &&
				    names[j][len] == '\0')
					break;
			}
			if (j == n) {
				memcpy(names[n], p, len);
				names[n++][len] = '\0';
			}
		}
	}
	return n;
}

/*
 * Reports the bad option that getopt_long just returned '?' or ':' for
 * (with opterr 0): what is wrong, the nearest long option of CMD when one
 * is a likely slip, and where help is.  Returns the usage exit code.
 */
int
cmd_bad_option(const char *cmd, int ch, char **argv)
{
	const struct cmd_entry	*e = cmd_find(cmd);
	const char		*arg = argv[optind - 1], *near;
	char			 names[MAXOPTS][32], word[64];
	size_t			 n = 0, i, len, nprefix = 0;
	int			 exact = 0;
	struct wf_suggest	 sg;

	if (e != NULL)
		n = cmd_longopts(e, names, MAXOPTS);
	/* "--run-dir ''": the empty word is the argument, not the option. */
	if (ch == ':' && *arg == '\0' && optind >= 2)
		arg = argv[optind - 2];
	if (ch == ':') {
		fprintf(stderr, "weft %s: option '%s' needs an argument\n",
		    cmd, arg);
	} else if (strncmp(arg, "--", 2) != 0 && optopt > 0 && optopt < 256) {
		fprintf(stderr, "weft %s: unknown option '-%c'\n", cmd,
		    optopt);
	} else {
		len = strcspn(arg + 2, "=");
		snprintf(word, sizeof word, "%.*s", (int)len, arg + 2);
		wf_suggest_init(&sg, word);
		for (i = 0; i < n; i++) {
			if (strcmp(names[i], word) == 0)
				exact = 1;
			else if (strncmp(names[i], word, len) == 0)
				nprefix++;
			wf_suggest_try(&sg, names[i]);
		}
		if (exact)
			fprintf(stderr, "weft %s: option '--%s' takes no "
			    "argument\n", cmd, word);
		else if (nprefix > 1) {
			fprintf(stderr, "weft %s: option '--%s' is ambiguous;"
			    " possibilities:", cmd, word);
			for (i = 0; i < n; i++) {
				if (strncmp(names[i], word, len) == 0)
					fprintf(stderr, " '--%s'", names[i]);
			}
			fputc('\n', stderr);
		} else if ((near = wf_suggest_best(&sg)) != NULL)
			fprintf(stderr, "weft %s: unknown option '%s'; did you "
			    "mean '--%s'?\n", cmd, arg, near);
		else
			fprintf(stderr, "weft %s: unknown option '%s'\n", cmd,
			    arg);
	}
	fprintf(stderr, "Try 'weft %s --help'.\n", cmd);
	return EXIT_USAGE;
}

/* "weft NAME" for a NAME that is no command; returns the exit code. */
static int
unknown_command(const char *prog, const char *name)
{
	struct wf_suggest	 sg;
	const char		*near;
	size_t			 i;

	wf_suggest_init(&sg, name);
	for (i = 0; i < NCMDS; i++) {
		if (!cmd_table[i].hidden)
			wf_suggest_try(&sg, cmd_table[i].name);
	}
	if ((near = wf_suggest_best(&sg)) != NULL)
		fprintf(stderr, "%s: unknown command '%s'; did you mean "
		    "'%s'?\n", prog, name, near);
	else
		fprintf(stderr, "%s: unknown command '%s'\n", prog, name);
	fprintf(stderr, "Try 'weft --help'.\n");
	return EXIT_USAGE;
}

/* "weft help [CMD]": the command list, or what "weft CMD --help" says. */
static int
help(int argc, char **argv)
{
	const struct cmd_entry	*e;

	if (argc < 3 || strcmp(argv[2], "--help") == 0 ||
	    strcmp(argv[2], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 3) {
		fprintf(stderr, "weft help: too many arguments\n"
		    "Try 'weft --help'.\n");
		return EXIT_USAGE;
	}
	if ((e = cmd_find(argv[2])) == NULL || e->hidden)
		return unknown_command("weft help", argv[2]);
	cmd_help(stdout, e->name);
	return 0;
}

/*
 * Prints NAME's usage line and help from the table: what "weft NAME
 * --help" prints to stdout and a usage error of NAME to stderr.
 */
void
cmd_help(FILE *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (strcmp(cmd_table[i].name, name) != 0)
			continue;
		fprintf(f, "usage: weft %s %s\n%s", cmd_table[i].name,
		    cmd_table[i].usage, cmd_table[i].help != NULL ?
		    cmd_table[i].help : "");
		return;
	}
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

	n = proc_self_exe(path, sizeof path);
	if (n <= 0) {
		fprintf(stderr, "weft: cannot find own executable: %s\n",
		    strerror(errno));
		exit(EXIT_INTERNAL);
	}
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
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc, argv);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("weft %s\n", PACKAGE_VERSION);
		return 0;
	}
	find_self();
	/*
	 * Helpers free and allocate batches all the time: a heap that gave
	 * its top back after each, or big blocks mapped and unmapped, costs
	 * a TLB flush on every CPU per batch, more than the batch's work.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 4 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (strcmp(argv[1], cmd_table[i].name) == 0) {
			if (cmd_table[i].hidden)
				proctitle_init(argc, argv);
			snprintf(weft_prog, sizeof weft_prog, "weft %s",
			    cmd_table[i].name);
			return cmd_table[i].exec(argc - 1, argv + 1);
		}
	}
	return unknown_command("weft", argv[1]);
}
