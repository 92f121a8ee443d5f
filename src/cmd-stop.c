/*
 * cmd-stop.c: "weft stop", which stops a live run from another shell.
 *
 * A run is live while its "weft run" holds runs/NNNN/main.pid locked (see
 * rundir.c), so a stale pid file never names a stranger.  By default the
 * run is asked to stop as if interrupted: main gets SIGTERM, kills the
 * running task process groups, records the end and exits 130.  --kill
 * does not ask: it kills main and every process of the run at once (all
 * carry WEFT_RUN_DIR in their environment), sparing only the monitoring
 * helpers for the moment it takes them to record the run as lost.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "weft.h"

#define STOP_WAIT_MS	10000	/* for a run to end after SIGTERM */
#define STOP_KILL_MS	3000	/* for the monitoring helpers to end */

static void
stop_usage(FILE *f)
{
	cmd_help(f, "stop");
}

/* Whether PID is a monitoring helper (router, dbwriter), by its title. */
static int
proc_is_monitoring(pid_t pid)
{
	char	 buf[64];

	if (proc_cmdline(pid, buf, sizeof buf) == -1)
		return 0;
	return strncmp(buf, "weft: router ", 13) == 0 ||
	    strncmp(buf, "weft: dbwriter ", 15) == 0;
}

/*
 * SIGKILLs every process that carries VAR, and its process group; with
 * SPARE set, not the monitoring helpers.  Returns how many were found.
 */
static int
kill_carriers(const char *var, int spare)
{
	struct proc_walk *w;
	pid_t		 pid, me = getpid();
	int		 found = 0;

	if ((w = proc_walk_open()) == NULL)
		return 0;
	while ((pid = proc_walk_next(w)) != 0) {
		if (pid <= 1 || pid == me || !proc_has_env(pid, var))
			continue;
		found++;
		if (spare && proc_is_monitoring(pid))
			continue;
		kill(pid, SIGKILL);
		if (getpgid(pid) == pid)
			kill(-pid, SIGKILL);
	}
	proc_walk_close(w);
	return found;
}

static int
stop_kill(const char *path, pid_t pid)
{
	char	*var;
	int64_t	 t0;

	var = xprintf("WEFT_RUN_DIR=%s", path);
	kill(pid, SIGKILL);
	/*
	 * Everything but the monitoring helpers, again and again so that
	 * nothing started meanwhile survives; those record the run as lost
	 * and leave by themselves, or are killed when their time is up.
	 */
	t0 = mono_ms();
	while (kill_carriers(var, 1) > 0 && mono_ms() - t0 < STOP_KILL_MS)
		usleep(50000);
	while (kill_carriers(var, 0) > 0 && mono_ms() - t0 < 2 * STOP_KILL_MS)
		usleep(50000);
	free(var);
	return 0;
}

/* What became of the run: a line, or with --json one object. */
static int
stop_said(int json, const char *name, const char *path, pid_t pid,
    const char *what)
{
	json_t	*o;

	if (!json) {
		printf("weft: run %s %s\n", name, what);
		return dbread_flush("stop");
	}
	dbread_json_init();
	o = json_object();
	json_object_set_new(o, "format_version",
	    json_integer(WEFT_JSON_VERSION));
	json_object_set_new(o, "run", json_string(name));
	json_object_set_new(o, "run_dir", dbread_json_string(path));
	json_object_set_new(o, "pid", json_integer(pid));
	json_object_set_new(o, "result", json_string(what));
	if (dbread_json_print(o) != 0)
		return EXIT_INTERNAL;
	return dbread_flush("stop");
}

int
cmd_stop(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kill", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		LOCATE_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct locate	 lc = { NULL, NULL, NULL };
	char		*base, name[16] = "", real[PATH_MAX];
	pid_t		 pid = 0, main_pid;
	int64_t		 t0;
	int		 ch, killing = 0, json = 0, live, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hf:C:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			killing = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'f':
		case 'C':
		case LOCATE_OPT_RUNDIR:
			if ((rc = locate_option(&lc, "stop", ch, optarg)) != 1)
				return rc;
			break;
		case 'h':
			stop_usage(stdout);
			return 0;
		default:
			return cmd_bad_option("stop", ch, argv);
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "weft stop: too many arguments\n");
		stop_usage(stderr);
		return EXIT_USAGE;
	}
	/* A bad RUN is a usage error wherever the runs are. */
	if (optind < argc && rundir_check_arg(argv[optind]) == -1)
		return EXIT_USAGE;
	if ((rc = locate_base("stop", &lc, &base)) != 0)
		return rc;
	rc = rundir_lookup(base, optind < argc ? argv[optind] : NULL, name,
	    sizeof name, real);
	free(base);
	if (rc == -1)
		return EXIT_USAGE;
	if ((live = rundir_is_live(real, &pid)) != 1) {
		if (live == -1)
			fprintf(stderr, "weft stop: cannot read run %s: "
			    "%s\n", name,
			    strerror(errno));
		else
			fprintf(stderr, "weft stop: run %s is not "
			    "running\n", name);
		return EXIT_USAGE;
	}

	if (killing) {
		stop_kill(real, pid);
		return stop_said(json, name, real, pid, "killed");
	}
	main_pid = pid;
	if (kill(pid, SIGTERM) == -1) {
		fprintf(stderr, "weft stop: cannot signal run %s (pid %ld): "
		    "%s\n",
		    name, (long)pid, strerror(errno));
		return EXIT_INTERNAL;
	}
	t0 = mono_ms();
	while (rundir_is_live(real, &pid) == 1) {
		if (mono_ms() - t0 >= STOP_WAIT_MS) {
			fprintf(stderr, "weft stop: run %s did not stop within "
			    "%d s;"
			    " 'weft stop --kill %s' kills it\n", name,
			    STOP_WAIT_MS / 1000, name);
			return EXIT_TASK_FAILED;
		}
		usleep(20000);
	}
	return stop_said(json, name, real, main_pid, "stopped");
}
