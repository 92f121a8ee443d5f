/*
 * cmd-status.c: "weft status", which shows the processes of a live run
 * and whether each is healthy, from another shell.
 *
 * The list of processes comes from the run's helpers.json, which main
 * rewrites whenever one starts, dies or is given up (see registry.c), so
 * status can judge every process even when main itself does not answer.
 * Every process listed as running is asked at once on its control
 * endpoint, and the answers are awaited together for at most the timeout.
 * Workers are not asked themselves (a worker may be deep in a function):
 * their pool's answer lists them, and they get a row each after it.
 * Each row then gets a verdict:
 *
 *	ok		it answered
 *	not responding	its pid is alive but it did not answer in time
 *	dead		its pid is gone (or a zombie, or now someone else's)
 *	restarting	main is about to start it again
 *	exited		it ended because the run is stopping
 *
 * The table fits the terminal (80 columns when there is none): the
 * resource columns only on one of at least STATUS_WIDE columns.
 *
 * Exit status: 0 when every process is ok (or exited), 1 when one is not,
 * 2 when there is no such run (or it is someone else's).
 */

#include <sys/ioctl.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "weft.h"
#include "proto.h"

#define STATUS_MAX_PROCS	(WEFT_MAX_POOLS + 8)	/* asked directly */
#define STATUS_WIDE		120	/* columns for the resource columns */

struct status_proc {
	const char	*name;
	const char	*role;
	const char	*state;		/* as main last wrote it */
	pid_t		 pid;
	long long	 start;
	int		 restarts;
	void		*sock;
	json_t		*reply;		/* owned; NULL: no answer */
	const char	*verdict;
	json_t		*worker;	/* a worker: its pool's entry */
	const char	*via;		/* and that pool's name */
};

struct status {
	char		 name[16];
	char		 path[PATH_MAX];
	int		 json;
	int		 watch;
	int		 timeout_ms;
	double		 interval;
	int		 tty;
	void		*ctx;
};

static void
status_usage(FILE *f)
{
	cmd_help(f, "status");
}

/* Seconds for --interval: plain decimals. */
static int
parse_seconds(const char *s, double *out)
{
	char	*end;
	double	 v;

	/* Plain decimals only: strtod would take "0x1" and "1e1" too. */
	if (s[strspn(s, "0123456789.")] != '\0' || strchr(s, '.') !=
	    strrchr(s, '.') || strspn(s, ".") == strlen(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v >= 0.05 && v <= 3600))
		return -1;
	*out = v;
	return 0;
}

/*
 * Loads helpers.json into PROCS; REG keeps the strings.  Without it (main
 * has not written it yet, or has finished) only main is listed.
 */
static size_t
status_load(struct status *st, struct registry *reg,
    struct status_proc *procs, pid_t main_pid)
{
	size_t		 i, n = 0;

	registry_read("helpers.json", reg);
	if (!reg->listed) {
		memset(&procs[0], 0, sizeof procs[0]);
		procs[0].name = "main";
		procs[0].role = "main";
		procs[0].state = main_pid > 0 ? "running" : "exited";
		procs[0].pid = main_pid;
		procs[0].start = -1;
		return 1;
	}
	for (i = 0; i < reg->nprocs; i++) {
		if (n == STATUS_MAX_PROCS)
			break;
		memset(&procs[n], 0, sizeof procs[n]);
		procs[n].name = reg->procs[i].name;
		procs[n].role = reg->procs[i].role;
		procs[n].state = reg->procs[i].state;
		procs[n].pid = reg->procs[i].pid;
		procs[n].start = reg->procs[i].start;
		procs[n].restarts = reg->procs[i].restarts;
		n++;
	}
	(void)st;
	return n;
}

/* Asks every running process at once; waits for all, or the timeout. */
static void
status_ask(struct status *st, struct status_proc *procs, size_t n)
{
	zmq_pollitem_t	 items[STATUS_MAX_PROCS];
	struct status_proc *map[STATUS_MAX_PROCS];
	zmq_msg_t	 zm;
	json_error_t	 err;
	char		*endpoint;
	size_t		 i, nitems = 0, waiting;
	int64_t		 deadline = mono_ms() + st->timeout_ms, left;

	for (i = 0; i < n; i++) {
		if (strcmp(procs[i].state, "running") != 0 ||
		    strchr(procs[i].name, '/') != NULL)
			continue;
		endpoint = xprintf("ipc://sock/ctl-%s", procs[i].name);
		procs[i].sock = zsock_open(st->ctx, ZMQ_REQ, NULL);
		if (procs[i].sock != NULL &&
		    zsock_connect(procs[i].sock, endpoint) == 0 &&
		    zmq_send(procs[i].sock, "ping", 4, ZMQ_DONTWAIT) == 4) {
			items[nitems] = (zmq_pollitem_t){ procs[i].sock, 0,
			    ZMQ_POLLIN, 0 };
			map[nitems++] = &procs[i];
		}
		free(endpoint);
	}
	for (waiting = nitems; waiting > 0; ) {
		left = deadline - mono_ms();
		if (left <= 0 || zmq_poll(items, nitems, left) <= 0)
			break;
		for (i = 0; i < nitems; i++) {
			if (items[i].revents == 0)
				continue;
			items[i].events = 0;
			items[i].revents = 0;
			waiting--;
			zmq_msg_init(&zm);
			if (zmq_msg_recv(&zm, map[i]->sock, ZMQ_DONTWAIT) != -1)
				map[i]->reply = json_loadb(zmq_msg_data(&zm),
				    zmq_msg_size(&zm), 0, &err);
			zmq_msg_close(&zm);
		}
	}
	for (i = 0; i < n; i++) {
		if (procs[i].sock != NULL)
			zmq_close(procs[i].sock);
		procs[i].sock = NULL;
	}
}

/*
 * Adds a row for each worker that a pool's answer lists, after its pool's
 * row; returns the new count.  The strings stay in the pools' replies.
 */
static size_t
status_add_workers(struct status_proc **procsp, size_t n)
{
	struct status_proc	*procs = *procsp, *out, *w;
	json_t			*list, *e;
	size_t			 i, j, m = 0, total = n;

	for (i = 0; i < n; i++) {
		list = json_object_get(json_object_get(procs[i].reply,
		    "stats"), "workers");
		total += json_is_array(list) ? json_array_size(list) : 0;
	}
	if (total == n)
		return n;
	out = xcalloc(total, sizeof *out);
	for (i = 0; i < n; i++) {
		out[m++] = procs[i];
		list = json_object_get(json_object_get(procs[i].reply,
		    "stats"), "workers");
		json_array_foreach(list, j, e) {
			w = &out[m++];
			memset(w, 0, sizeof *w);
			w->name = json_string_value(json_object_get(e, "name"));
			w->role = "worker";
			w->state = json_string_value(json_object_get(e,
			    "state"));
			w->pid = json_integer_value(json_object_get(e, "pid"));
			w->start = -1;
			w->restarts = json_integer_value(json_object_get(e,
			    "restarts"));
			w->worker = e;
			w->via = procs[i].name;
			if (w->name == NULL)
				w->name = "worker";
			if (w->state == NULL)
				w->state = "?";
		}
	}
	free(procs);
	*procsp = out;
	return m;
}

/* A worker's verdict, from its pool's word and a look at its pid. */
static const char *
status_judge_worker(const struct status_proc *p)
{
	if (strcmp(p->state, "restarting") == 0)
		return "restarting";
	if (strcmp(p->state, "given up") == 0)
		return "dead";
	if (p->pid > 1 && kill(p->pid, 0) == 0 &&
	    proc_start_ticks(p->pid, NULL) != -1)
		return "ok";
	return "dead";
}

/* Whether the process is still the one main started. */
static int
status_pid_alive(const struct status_proc *p)
{
	long long	 start;
	char		 state = '?';

	if (p->pid <= 1)
		return 0;
	start = proc_start_ticks(p->pid, &state);
	if (start == -1 || state == 'Z' || state == 'X')
		return 0;
	return p->start <= 0 || start == p->start;
}

static int
status_judge(struct status_proc *procs, size_t n)
{
	size_t	 i;
	int	 healthy = 1;

	for (i = 0; i < n; i++) {
		if (procs[i].worker != NULL)
			procs[i].verdict = status_judge_worker(&procs[i]);
		else if (strcmp(procs[i].state, "restarting") == 0)
			procs[i].verdict = "restarting";
		else if (strcmp(procs[i].state, "exited") == 0)
			procs[i].verdict = "exited";
		else if (strcmp(procs[i].state, "running") != 0)
			procs[i].verdict = "dead";	/* given up */
		else if (procs[i].reply != NULL)
			procs[i].verdict = "ok";
		else if (status_pid_alive(&procs[i]))
			procs[i].verdict = "not responding";
		else
			procs[i].verdict = "dead";
		if (strcmp(procs[i].verdict, "ok") != 0 &&
		    strcmp(procs[i].verdict, "exited") != 0)
			healthy = 0;
	}
	return healthy;
}

static json_int_t
num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The role's counters that matter most, in a few words. */
static void
status_detail(const struct status_proc *p, char *buf, size_t len)
{
	json_t	*s = json_object_get(p->reply, "stats");
	json_t	*hb = json_object_get(p->reply, "heartbeats");
	json_t	*age;

	buf[0] = '\0';
	if (p->worker != NULL) {
		age = json_object_get(p->worker, "task");
		snprintf(buf, len, "%s%s%s, done %lld", p->state,
		    json_is_string(age) ? " " : "", json_is_string(age) ?
		    json_string_value(age) : "", (long long)num(p->worker,
		    "done"));
		return;
	}
	if (strcmp(p->verdict, "restarting") == 0) {
		snprintf(buf, len, "died; restart %d due", p->restarts + 1);
		return;
	}
	if (strcmp(p->verdict, "dead") == 0) {
		snprintf(buf, len, "%s", strcmp(p->state, "running") == 0 ?
		    "pid gone" : "given up after repeated deaths");
		return;
	}
	if (s == NULL)
		return;
	if (strcmp(p->role, "main") == 0)
		snprintf(buf, len, "%s", json_string_value(json_object_get(
		    p->reply, "state")));
	else if (strcmp(p->role, "interchange") == 0)
		snprintf(buf, len, "queued %lld, dispatched %lld, done %lld",
		    (long long)num(s, "queued"), (long long)num(s,
		    "dispatched"), (long long)num(s, "done"));
	else if (strcmp(p->role, "pool") == 0) {
		age = json_object_get(hb, "interchange");
		snprintf(buf, len, "%lld/%lld busy, done %lld, heartbeat "
		    "%.1fs ago", (long long)num(s, "busy"),
		    (long long)num(s, "slots"), (long long)num(s, "finished"),
		    json_is_number(age) ? json_number_value(age) : -1.0);
	} else if (strcmp(p->role, "router") == 0)
		snprintf(buf, len, "events %lld, backlog %lld bytes",
		    (long long)num(s, "events"),
		    (long long)num(s, "backlog_bytes"));
	else if (strcmp(p->role, "dbwriter") == 0)
		snprintf(buf, len, "rows %lld, commits %lld",
		    (long long)num(s, "rows"), (long long)num(s, "commits"));
}

static json_t *
status_tasks(struct status_proc *procs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strcmp(procs[i].role, "main") == 0 &&
		    procs[i].reply != NULL)
			return json_object_get(json_object_get(procs[i].reply,
			    "stats"), "tasks");
	}
	return NULL;
}

static void	 status_row(int, const char *, ...) printflike(2, 3);

/* A provider's blocks, as main knows them: one line each. */
static void
status_blocks(struct status_proc *procs, size_t n)
{
	json_t	*blocks = NULL, *b;
	size_t	 i;

	for (i = 0; i < n && blocks == NULL; i++) {
		if (strcmp(procs[i].role, "main") == 0 &&
		    procs[i].reply != NULL)
			blocks = json_object_get(json_object_get(
			    procs[i].reply, "stats"), "blocks");
	}
	json_array_foreach(blocks, i, b) {
		printf("block %s: %s (job %s), %lld pool%s, %lld slots\n",
		    json_string_value(json_object_get(b, "block")),
		    json_is_string(json_object_get(b, "state")) ?
		    json_string_value(json_object_get(b, "state")) : "-",
		    json_string_value(json_object_get(b, "job")),
		    (long long)num(b, "pools"), num(b, "pools") == 1 ? "" : "s",
		    (long long)num(b, "slots"));
	}
}

/* The interchange's stats, if it answered. */
static json_t *
status_ix(struct status_proc *procs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strcmp(procs[i].role, "interchange") == 0 &&
		    procs[i].reply != NULL)
			return json_object_get(procs[i].reply, "stats");
	}
	return NULL;
}

/*
 * Where pools on other hosts connect, how many were refused, and one row
 * per pool that connected by itself (not main's child: the interchange
 * knows it).
 */
static void
status_remote(json_t *ix, int width, int wide)
{
	json_t		*pools, *pp;
	const char	*name;
	char		 detail[160];
	size_t		 i;

	if (ix == NULL || json_object_get(ix, "url") == NULL)
		return;
	printf("pools connect to %s: %lld joined, %lld refused\n",
	    json_string_value(json_object_get(ix, "url")),
	    (long long)num(ix, "remote_pools_joined"),
	    (long long)num(ix, "refused"));
	pools = json_object_get(ix, "pools");
	json_array_foreach(pools, i, pp) {
		if (!json_is_true(json_object_get(pp, "remote")))
			continue;
		name = json_string_value(json_object_get(pp, "name"));
		snprintf(detail, sizeof detail, "on %s%s%s: %lld of %lld "
		    "slots busy, done %lld, heard %.1fs ago",
		    json_string_value(json_object_get(pp, "host")),
		    json_is_string(json_object_get(pp, "block")) ?
		    ", block " : "", json_is_string(json_object_get(pp,
		    "block")) ? json_string_value(json_object_get(pp,
		    "block")) : "",
		    (long long)num(pp, "outstanding"),
		    (long long)num(pp, "slots"), (long long)num(pp, "done"),
		    json_number_value(json_object_get(pp, "heard")));
		if (wide)
			status_row(width, "%-12s %7lld %-14s %8s %8s %7s %4s "
			    "%3d  %s", name, (long long)num(pp, "pid"),
			    json_is_true(json_object_get(pp, "silent")) ?
			    "silent" : "remote", "-", "-", "-", "-", 0,
			    detail);
		else
			status_row(width, "%-11s %7lld %-14s %3d  %s", name,
			    (long long)num(pp, "pid"), "remote", 0, detail);
	}
}

/* The width to fit: the terminal's, else COLUMNS, else 80. */
static int
status_width(void)
{
	struct winsize	 ws;
	int		 w;

	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (getenv("COLUMNS") != NULL &&
	    parse_number(getenv("COLUMNS"), 1, 100000, &w) == 0)
		return w;
	return 80;
}


/* A row of the table, cut to WIDTH columns. */
static void
status_row(int width, const char *fmt, ...)
{
	char	 line[1024], cut[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	textcol_copy(cut, sizeof cut, line, width, NULL);
	puts(cut);
}

/*
 * The table fits the width: below STATUS_WIDE columns, the resource
 * columns (UPTIME, RSS, CPU, FDS) are left out and each row is cut.
 */
static void
status_print_table(struct status *st, struct status_proc *procs, size_t n,
    int live)
{
	json_t	*tasks = status_tasks(procs, n), *v;
	char	 detail[128], rss[16], cpu[16], up[16], fds[8];
	size_t	 i;
	int	 width = status_width(), wide = width >= STATUS_WIDE;

	printf("run %s (%s)%s\n", st->name, st->path, live ? "" :
	    ": main is gone");
	if (tasks != NULL) {
		printf("tasks: %lld total: %lld pending, %lld running, %lld "
		    "done, %lld failed, %lld dep_fail",
		    (long long)num(tasks, "total"),
		    (long long)num(tasks, "pending"),
		    (long long)num(tasks, "running"),
		    (long long)num(tasks, "done"),
		    (long long)num(tasks, "failed"),
		    (long long)num(tasks, "dep_fail"));
		if (num(tasks, "skipped") > 0)
			printf(", %lld skipped", (long long)num(tasks,
			    "skipped"));
		/* Only a resumed run has any. */
		if (num(tasks, "cached") > 0)
			printf(", %lld cached", (long long)num(tasks,
			    "cached"));
		putchar('\n');
	} else
		printf("tasks: unknown (main did not answer)\n");
	status_blocks(procs, n);
	if (wide)
		status_row(width, "%-12s %7s %-14s %8s %8s %7s %4s %3s  %s",
		    "NAME", "PID", "VERDICT", "UPTIME", "RSS", "CPU", "FDS",
		    "RST", "DETAIL");
	else
		status_row(width, "%-11s %7s %-14s %3s  %s", "NAME", "PID",
		    "VERDICT", "RST", "DETAIL");
	for (i = 0; i < n; i++) {
		strcpy(up, "-");
		strcpy(rss, "-");
		strcpy(cpu, "-");
		strcpy(fds, "-");
		if (procs[i].worker != NULL &&
		    num(procs[i].worker, "rss_kb") > 0)
			snprintf(rss, sizeof rss, "%.1fM",
			    num(procs[i].worker, "rss_kb") / 1024.0);
		if (procs[i].reply != NULL) {
			v = procs[i].reply;
			snprintf(up, sizeof up, "%.1fs", json_number_value(
			    json_object_get(v, "uptime")));
			snprintf(rss, sizeof rss, "%.1fM", num(v, "rss_kb") /
			    1024.0);
			snprintf(cpu, sizeof cpu, "%.2fs", json_number_value(
			    json_object_get(v, "cpu")));
			snprintf(fds, sizeof fds, "%lld",
			    (long long)num(v, "fds"));
		}
		status_detail(&procs[i], detail, sizeof detail);
		if (wide)
			status_row(width, "%-12s %7ld %-14s %8s %8s %7s %4s "
			    "%3d  %s", procs[i].name, (long)procs[i].pid,
			    procs[i].verdict, up, rss, cpu, fds,
			    procs[i].restarts, detail);
		else
			status_row(width, "%-11s %7ld %-14s %3d  %s",
			    procs[i].name, (long)procs[i].pid,
			    procs[i].verdict, procs[i].restarts, detail);
	}
	status_remote(status_ix(procs, n), width, wide);
}

static void
status_print_json(struct status *st, struct status_proc *procs, size_t n,
    int live, int healthy)
{
	json_t	*o, *list, *tasks;
	size_t	 i;

	list = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s, "
		    "s:s, s:i, s:O?}", "name", procs[i].name, "role",
		    procs[i].role, "pid", (json_int_t)procs[i].pid, "verdict",
		    procs[i].verdict, "state", procs[i].state, "restarts",
		    procs[i].restarts, "reply", procs[i].reply));
		/* A worker: what its pool says of it, and which pool. */
		if (procs[i].worker != NULL) {
			o = json_pack("{s:s, s:O}", "pool", procs[i].via,
			    "worker", procs[i].worker);
			json_object_update(json_array_get(list, i), o);
			json_decref(o);
		}
	}
	tasks = status_tasks(procs, n);
	/* "version" is kept as it was; "format_version" as everywhere. */
	o = json_pack("{s:i, s:i, s:s, s:s, s:b, s:b, s:O?, s:o}",
	    "format_version", WEFT_JSON_VERSION, "version", 1, "run",
	    st->name, "path", st->path, "live", live, "healthy", healthy,
	    "tasks", tasks, "processes", list);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	putchar('\n');
	json_decref(o);
}

/* One look at the run; returns the exit status, or -1: no longer live. */
static int
status_once(struct status *st)
{
	struct status_proc	*procs;
	struct registry		 reg;
	pid_t			 main_pid = 0;
	size_t			 n, i;
	int			 live, healthy;

	live = rundir_is_live(st->path, &main_pid) == 1;
	procs = xcalloc(STATUS_MAX_PROCS, sizeof *procs);
	n = status_load(st, &reg, procs, live ? main_pid : 0);
	if (!live && reg.doc == NULL) {
		registry_free(&reg);
		free(procs);
		return -1;
	}
	status_ask(st, procs, n);
	n = status_add_workers(&procs, n);
	healthy = status_judge(procs, n) && live;
	if (st->watch && st->tty)
		fputs("\033[H\033[2J", stdout);
	if (st->json)
		status_print_json(st, procs, n, live, healthy);
	else
		status_print_table(st, procs, n, live);
	fflush(stdout);
	for (i = 0; i < n; i++)
		json_decref(procs[i].reply);
	free(procs);
	registry_free(&reg);
	return healthy ? 0 : 1;
}

int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		LOCATE_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct status	 st;
	struct timespec	 ts;
	struct locate	 lc = { NULL, NULL, NULL };
	char		*base;
	int		 ch, rc, seen = 0;

	memset(&st, 0, sizeof st);
	st.timeout_ms = STATUS_TIMEOUT_MS;
	st.interval = 1.0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hf:C:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			st.json = 1;
			break;
		case 'w':
			st.watch = 1;
			break;
		case 'i':
			if (parse_seconds(optarg, &st.interval) == -1) {
				fprintf(stderr, "weft status: invalid "
				    "--interval '%s':"
				    " expected seconds from 0.05 to 3600\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_number(optarg, 1, 600000,
			    &st.timeout_ms) == -1) {
				fprintf(stderr, "weft status: invalid "
				    "--timeout '%s': "
				    "expected milliseconds from 1 to 600000\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
		case 'C':
		case LOCATE_OPT_RUNDIR:
			if ((rc = locate_option(&lc, "status", ch,
			    optarg)) != 1)
				return rc;
			break;
		case 'h':
			status_usage(stdout);
			return 0;
		default:
			return cmd_bad_option("status", ch, argv);
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "weft status: too many arguments\n");
		status_usage(stderr);
		return EXIT_USAGE;
	}
	/* A bad RUN is a usage error wherever the runs are. */
	if (optind < argc && rundir_check_arg(argv[optind]) == -1)
		return EXIT_USAGE;
	if ((rc = locate_base("status", &lc, &base)) != 0)
		return rc;
	rc = rundir_lookup(base, optind < argc ? argv[optind] : NULL,
	    st.name, sizeof st.name, st.path);
	free(base);
	if (rc == -1)
		return EXIT_USAGE;
	/* Relative ipc:// paths, so a long run path cannot overflow. */
	if (chdir(st.path) == -1) {
		fprintf(stderr, "weft status: cannot enter '%s': %s\n", st.path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	st.tty = isatty(STDOUT_FILENO);
	if ((st.ctx = zmq_ctx_new()) == NULL) {
		fprintf(stderr, "weft status: zmq_ctx_new: "
		    "%s\n", strerror(errno));
		return EXIT_INTERNAL;
	}
	for (;;) {
		rc = status_once(&st);
		if (rc == -1 && seen) {
			printf("run %s has ended\n", st.name);
			rc = 0;
			break;
		}
		if (rc == -1) {
			fprintf(stderr, "weft status: run %s is not running\n",
			    st.name);
			rc = EXIT_USAGE;
			break;
		}
		if (!st.watch)
			break;
		seen = 1;
		if (!st.tty && !st.json)
			putchar('\n');
		fflush(stdout);
		ts.tv_sec = (time_t)st.interval;
		ts.tv_nsec = (long)((st.interval - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
	zmq_ctx_term(st.ctx);
	return rc;
}
