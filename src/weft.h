/*
 * weft.h: declarations shared by every module of weft, one section per
 * source file.  Structures are not typedef'd; ownership is stated where it
 * is not obvious.
 */

#ifndef WEFT_H
#define WEFT_H

#include <sys/types.h>
#include <sys/resource.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xmalloc.h"

#define WEFT_FORMAT_VERSION	1
/* The "format_version" of every JSON document weft prints. */
#define WEFT_JSON_VERSION	1

/* Exit codes, documented in weft(1). */
#define EXIT_TASK_FAILED	1
#define EXIT_USAGE		2
#define EXIT_INTERNAL		3
#define EXIT_INTERRUPTED	130
/*
 * A router or dbwriter that cannot record because the disk is full ends
 * with this status: main stops the run rather than restart it into the
 * same full disk.  Never weft's own exit status.
 */
#define EXIT_NOSPACE		28
/* What weft says of a write that failed for a full disk (ENOSPC). */
#define DISK_FULL		"no space left on device"

/* Hard limits that keep hostile input from exhausting memory. */
/*
 * Tasks a workflow may have unless config.max_tasks says otherwise
 * (up to WEFT_TASKS_CEILING, where task indices run out).
 */
#define WEFT_DEFAULT_MAX_TASKS	10000000
#define WEFT_TASKS_CEILING	2000000000
/* Entries of main written as aliases of another entry. */
#define WEFT_MAX_ALIAS_ENTRIES	1000000
#define WEFT_MAX_JOBS		4096
#define WEFT_MAX_RESOURCE	4096	/* cores or GPUs one task asks */
#define WEFT_MAX_POOLS		256

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#define printflike(a, b) __attribute__((__format__(__printf__, a, b)))

/* weft.c */
struct cmd_entry {
	const char	*name;
	const char	*usage;		/* one line, after "weft NAME " */
	const char	*help;		/* after the usage line, for --help */
	const char	*summary;	/* one line, for weft --help */
	int		 hidden;	/* internal helper role */
	int		 (*exec)(int, char **);
};
extern const char *weft_self;		/* absolute path of this binary */
void		 cmd_help(FILE *, const char *);
/* After getopt_long (opterr 0) returned '?' or ':'; returns EXIT_USAGE. */
int		 cmd_bad_option(const char *, int, char **);

/* log.c */
void		 log_init(const char *, int);
void		 log_set_role(const char *);
void		 log_info(const char *, ...) printflike(1, 2);
void		 log_warnx(const char *, ...) printflike(1, 2);
void		 log_warn(const char *, ...) printflike(1, 2);
void		 log_debug(const char *, ...) printflike(1, 2);
const char	*weft_strerror(int);
__dead void	 fatal(const char *, ...) printflike(1, 2);
__dead void	 fatalx(const char *, ...) printflike(1, 2);

/* helper.c */
int		 helper_begin(const char *, const char *, int, int);
int		 helper_die_with(long);

/* fifo.c */
void		*fifo_room(void *, size_t *, size_t *, size_t *, size_t,
		     size_t);

/* arena.c */
struct arena_chunk;
struct arena {
	struct arena_chunk	*head;
	size_t			 bytes;		/* handed out */
};
void		 arena_init(struct arena *);
void		*arena_alloc(struct arena *, size_t, size_t);
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
void		 arena_free(struct arena *);

/* netaddr.c */
char		*net_address(void);
void		 block_executor(const char *, char *, size_t);

/* util.c */
int		 parse_number(const char *, long, long, int *);
int64_t		 mono_ms(void);
int		 timeout_min(int, int);
double		 db_now(void);
/* "weft CMD": what a message to the user starts with (main sets it). */
extern char	 weft_prog[64];
/* "1h30m", "90s", "250ms", a bare number of seconds; at most 30 days. */
int		 parse_duration(const char *, int64_t *);
/* 90000 -> "1m30s"; caller frees. */
char		*duration_string(int64_t);
/* parse_duration's, or days first: "7d", "1d12h"; at most 100 years. */
int		 parse_age(const char *, int64_t *);
/* "500", "500K", "10M", "1G", "2T" (binary multiples). */
int		 parse_size(const char *, int64_t *);
/* 1536 -> "1.5K"; caller frees. */
char		*size_string(int64_t);

/* textcol.c: display columns of UTF-8 text on a terminal */
size_t		 textcol_char(const char *, size_t, int *);
size_t		 textcol_width(const char *);
size_t		 textcol_copy(char *, size_t, const char *, size_t, size_t *);

/*
 * roleargs.c: the options of the helper roles, described once, both to
 * build the argument list a role is started with and to parse it there.
 * One struct for every role; each takes the members its table names.
 */
enum role {
	ROLE_INTERCHANGE, ROLE_POOL, ROLE_WORKER, ROLE_ROUTER, ROLE_DBWRITER,
	ROLE_JOIN,		/* a pool that connects by itself */
	ROLE_HASH
};
struct roleargs {
	const char	*run;		/* --run DIR: the run directory */
	const char	*name;		/* --name NNNN: the run, NULL if not */
	const char	*db;		/* --db PATH: the monitoring database */
	const char	*workdir;	/* --workdir DIR: the workflow's */
	int		 pool;		/* --pool N */
	int		 jobs;		/* --jobs N */
	int		 worker;	/* --worker N */
	int		 parent;	/* --parent PID: to die with */
	int		 monitor;	/* --monitor */
	int		 fail_fast;	/* --fail-fast */
	char	       **plugins;	/* --plugin NAME=PATH, repeated */
	size_t		 nplugins;
	int		 verbose;	/* -v, --verbose */
	const char	*listen;	/* --listen tcp://HOST:PORT[-PORT] */
	const char	*connect;	/* --connect tcp://HOST:PORT */
	const char	*certs;		/* --certs DIR or FILE */
	int		 cores;		/* --cores N; 0: all */
	const char	*memory;	/* --memory SIZE */
	const char	*gpus;		/* --gpus N or I,J,... */
	const char	*block;		/* --block ID: a provider's */
};
const char	*roleargs_name(enum role);
char		**roleargs_argv(enum role, const struct roleargs *);
void		 roleargs_argv_free(char **);
char		*roleargs_usage(enum role);
int		 roleargs_parse(enum role, int, char **, struct roleargs *,
		     char **);
void		 roleargs_get(enum role, int, char **, struct roleargs *);
void		 roleargs_clear(struct roleargs *);

/*
 * heartbeat.c: pools and main send the interchange a heartbeat every
 * period and it answers each.  A pool that hears nothing from the
 * interchange for the threshold stops its tasks and exits;
 * main, in the same case, ends the run; the interchange reports a pool
 * silent that long to main, which kills it.  So a hung process cannot
 * hang the run.  WEFT_HEARTBEAT_MS and WEFT_HEARTBEAT_THRESHOLD_MS in the
 * environment set the period and the threshold (main sets them from the
 * workflow's config for its helpers).  Every function takes the time (mono_ms) as NOW.
 */
#define HEARTBEAT_MS		1000
#define HEARTBEAT_MISSES	10
#define HEARTBEAT_RESUMED	(HEARTBEAT_MISSES / 2)
struct heartbeat {
	int		 period;	/* ms between heartbeats */
	int64_t		 heard_ms;	/* the peer's last word */
	int64_t		 sent_ms;	/* our last heartbeat to it */
	int64_t		 threshold;	/* ms of silence: lost */
};
int		 heartbeat_period(void);
int64_t		 heartbeat_threshold(int);
int		 heartbeat_lost(const struct heartbeat *, int64_t);
int		 heartbeat_misses(const struct heartbeat *);
void		 heartbeat_init(struct heartbeat *, int, int64_t);
void		 heartbeat_heard(struct heartbeat *, int64_t);
int		 heartbeat_due(struct heartbeat *, int64_t);
int		 heartbeat_next(const struct heartbeat *, int64_t);
int64_t		 heartbeat_silence(const struct heartbeat *, int64_t);
int64_t		 heartbeat_silent(const struct heartbeat *, int64_t);
int		 heartbeat_stopped(int64_t, int, int64_t);
int		 heartbeat_resumed(struct heartbeat *, int64_t);

/*
 * evloop.c: sockets, descriptors and timers with handlers, polled with
 * zmq_poll.  A handler returns 0, or -1 to end the loop; registrations
 * return an id for evloop_remove.
 */
struct evloop;
typedef int	(*evloop_fn)(struct evloop *, void *);
/* Before each poll: the longest wait in ms, or -1 for no limit. */
typedef int64_t	(*evloop_prepare_fn)(struct evloop *, void *);
struct evloop	*evloop_new(void);
void		 evloop_free(struct evloop **);
int		 evloop_socket(struct evloop *, void *, evloop_fn, void *);
int		 evloop_fd(struct evloop *, int, evloop_fn, void *);
int		 evloop_after(struct evloop *, int64_t, evloop_fn, void *);
int		 evloop_every(struct evloop *, int64_t, evloop_fn, void *);
void		 evloop_remove(struct evloop *, int);
void		 evloop_prepare(struct evloop *, evloop_prepare_fn, void *);
void		 evloop_stop(struct evloop *);
int		 evloop_run(struct evloop *);
int		 evloop_signalfd(struct evloop *, int);

/* proctitle.c */
void		 proctitle_init(int, char **);
void		 proctitle_set(const char *, ...) printflike(1, 2);

/* spawn.c */
#define SPAWN_MAX_FDS	8
struct spawn {
	const char	*path;		/* program to exec */
	char *const	*argv;
	char *const	*envp;		/* NULL: the current environment */
	const char	*cwd;		/* NULL: inherit */
	int		 new_pgroup;	/* child leads its own process group */
	/*
	 * Descriptors the child keeps: fds[i] in the parent becomes
	 * descriptor i in the child.  -1 means /dev/null for 0-2 and
	 * "closed" above.  Every other descriptor is closed in the child.
	 */
	int		 fds[SPAWN_MAX_FDS];
	int		 nfds;
	/* Files opened in the child for stdout/stderr (NULL: use fds). */
	const char	*stdout_path;
	const char	*stderr_path;
	int		 append;	/* open those with O_APPEND */
};
void		 spawn_init(struct spawn *);
pid_t		 spawn_start(const struct spawn *, int *);
char		*wait_status_string(int);
/* A short command's output (spawn_output). */
struct spawn_output {
	int		 status;	/* its wait status */
	int		 timed_out;	/* killed for taking too long */
	int		 spawn_errno;	/* could not be started */
	char		*out;		/* stdout, stderr: their first 64K */
	char		*err;
};
char		*spawn_which(const char *);
int		 spawn_output(char *const [], const char *, int,
		     struct spawn_output *);
void		 spawn_output_free(struct spawn_output *);

/*
 * outlock.c: a run that would make an output that another running run
 * makes is refused.  outlock_take returns 0 (with *lock NULL if the
 * workflow has no outputs), 1 if another run makes one of them, -1 on an
 * error; both print why.
 */
struct outlock;
struct workflow;
struct dag;
int		 outlock_take(const char *, const struct workflow *,
		     const struct dag *, struct outlock **);
void		 outlock_name(struct outlock *, const char *);
int		 outlock_fd(const struct outlock *);
void		 outlock_release(struct outlock *);

/* capture.c: the order in which a command's stdout and stderr came */
#define CAPTURE_OUT		0
#define CAPTURE_ERR		1
#define CAPTURE_ORDER_FILE	"order"
struct capture_run {
	int		 stream;	/* CAPTURE_OUT or CAPTURE_ERR */
	uint64_t	 len;
};
int		 capture_order_note(int, int, uint64_t);
struct capture_run *capture_order_read(const char *, size_t *);
int		 capture_stream_open(const char *, int *);

/* rundir.c */
struct rundir {
	char		*base;		/* .weft, absolute */
	char		*path;		/* .weft/runs/NNNN, absolute */
	unsigned	 number;
	char		 name[16];	/* "0007" */
	int		 live_fd;	/* main.pid, locked while main lives */
	int		 record_known;	/* database as the last run left it */
};
int		 rundir_create(const char *, struct rundir *, char **);
void		 rundir_free(struct rundir *);
void		 rundir_note_record(const struct rundir *);
int		 rundir_parse_name(const char *, char *, size_t);
int		 rundir_check_arg(const char *);
int		 rundir_mark_live(struct rundir *);
/*
 * Copies the files a workflow includes (absolute paths, in the order the
 * loader read them) into the run, for its children: include/N.yaml and
 * include/index, which names the originals.  -1 with a message.
 */
int		 rundir_keep_includes(const struct rundir *, char *const *,
		     size_t, char **);
int		 rundir_is_live(const char *, pid_t *);
int		 rundir_newest_live(const char *, char *, size_t);
int		 rundir_lookup(const char *, const char *, char *, size_t,
		     char *);
char		*rundir_task_dirname(const char *);
int		 rundir_lock_numbers(const char *);

/* locate.c: the .weft folder an inspection command reads. */
struct locate {
	const char	*file;		/* -f FILE: the .weft next to FILE */
	const char	*dir;		/* -C DIR: look from DIR upwards */
	const char	*run_dir;	/* --run-dir DIR: DIR itself */
};
/* getopt_long's value for --run-dir; -f and -C are themselves. */
#define LOCATE_OPT_RUNDIR	0x4c4f
#define LOCATE_LONGOPT		{ "run-dir", required_argument, NULL, \
				    LOCATE_OPT_RUNDIR }
int		 locate_option(struct locate *, const char *, int,
		     const char *);
int		 locate_base(const char *, const struct locate *, char **);

/*
 * Whether a task id matches a pattern in which '*' is any run of
 * characters and '?' one character; '[' and the rest stand for
 * themselves (ids hold them).
 */
int		 id_glob_match(const char *, const char *);

/* file.c */
int		 write_all(int, const void *, size_t);
int		 write_file_atomic(const char *, const void *, size_t);
int		 copy_file(const char *, const char *);
/* All of FD from where it is, NUL-ended; NULL with errno on an error. */
char		*read_all(int, size_t *);
/* read_all of a file of a known size (fstat's): no growing, no copy. */
char		*read_all_sized(int, size_t, size_t *);
int		 mkdir_p(const char *, mode_t);
char		*file_tail(const char *, int64_t, int64_t, int, size_t,
		     size_t *);

/* strmap.c */
/*
 * A string to uint32_t hash map with open addressing.  Keys are not
 * copied: they must outlive the map.
 */
struct strmap {
	const char	**keys;
	uint32_t	 *vals;
	size_t		  cap;		/* a power of two */
	size_t		  n;
};
void		 strmap_init(struct strmap *, size_t);
/* Returns 0 and sets *val (if not NULL), or -1 if key is absent. */
int		 strmap_get(const struct strmap *, const char *, uint32_t *);
/* Adds or replaces; returns 1 if key was already there, else 0. */
int		 strmap_put(struct strmap *, const char *, uint32_t);
int		 strmap_add(struct strmap *, const char *, uint32_t,
		     uint32_t *);
void		 strmap_free(struct strmap *);

/* path.c */
/* Normalises a path for comparison: drops "./", "//" and a final "/". */
char		*path_normalise(const char *);
/* Whether path_normalise would give the path back as it is. */
int		 path_is_normal(const char *);
int		 path_inside(const char *, const char *);
/* PATH if absolute, else DIR/PATH (caller frees). */
char		*path_abs(const char *, const char *);

/* procfs.c: everything read from /proc */
int		 host_cpus(void);
int64_t		 host_memory(void);
int		 host_gpus(void);
struct proc_stat {
	pid_t		 pid;
	char		 comm[64];	/* the command name, cut short */
	char		 state;		/* R, S, D, T, Z, ... */
	pid_t		 ppid;
	pid_t		 pgrp;
	unsigned long long utime;	/* clock ticks */
	unsigned long long stime;	/* clock ticks */
	unsigned long long start;	/* clock ticks since boot */
	unsigned long long vsize;	/* bytes */
	long long	 rss;		/* pages */
};
struct proc_walk;
int		 proc_stat_parse(const char *, struct proc_stat *);
int		 proc_stat(pid_t, struct proc_stat *);
struct proc_walk *proc_walk_open(void);
struct proc_walk *proc_walk_children(void);
pid_t		 proc_walk_next(struct proc_walk *);
void		 proc_walk_close(struct proc_walk *);
long long	 proc_start_ticks(pid_t, char *);
long long	 proc_cpu_ticks(pid_t, char *);
long		 proc_rss_kb(pid_t);
long		 proc_self_fds(void);
int		 proc_has_env(pid_t, const char *);
ssize_t		 proc_cmdline(pid_t, char *, size_t);
void		 proc_io(pid_t, int64_t *, int64_t *);
ssize_t		 proc_self_exe(char *, size_t);

/* diag.c */
struct wf_mark {
	int		 line;		/* 1-based, as editors count */
	int		 col;		/* 1-based */
	/*
	 * Column of the value's first character when the value sits on one
	 * line exactly as written (no escapes, no folding), so that a byte
	 * offset into it maps to a column (template_column); else 0.
	 */
	int		 text_col;
	/* The included file it is in (its name in messages); NULL: the
	   workflow file itself. */
	const char	*file;
};
/*
 * Error lists shared by the loader, dag_build and plugins_load: at most
 * WF_MAX_ERRORS messages are kept, then one "too many errors" line ends
 * the list.
 * wf_errors_take returns the lines sorted by position, joined by '\n' with
 * no final newline (NULL if there were none), and empties the list.
 */
#define WF_MAX_ERRORS	20
struct wf_error {
	struct wf_mark	 mark;		/* line 0: no position in the file;
					   -1: not about the file at all */
	size_t		 seq;
	char		*msg;
};
struct wf_errors {
	const char	*display;
	struct wf_error	*v;
	size_t		 n;
	int		 overflow;
};
void		 wf_errors_init(struct wf_errors *, const char *);
void		 wf_error(struct wf_errors *, const struct wf_mark *,
		     const char *, ...) printflike(3, 4);
int		 wf_errors_full(const struct wf_errors *);
char		*wf_errors_take(struct wf_errors *);
/*
 * "Did you mean" hints: wf_suggest_init with the unknown name, one
 * wf_suggest_try per known name, then wf_suggest_best, the nearest one if
 * it is near enough to be a typo, else NULL.  wf_distance is the edit
 * distance they use, a swap of two neighbours counting as one edit.
 */
struct wf_suggest {
	const char	*name;
	const char	*best;
	size_t		 bestd;
};
size_t		 wf_distance(const char *, const char *);
void		 wf_suggest_init(struct wf_suggest *, const char *);
void		 wf_suggest_try(struct wf_suggest *, const char *);
const char	*wf_suggest_best(const struct wf_suggest *);
/* " (did you mean 'BEST'?)" in BUF for a message, or "". */
const char	*wf_suggest_said(const struct wf_suggest *, char *, size_t);

/* ytree.c */
/*
 * A YAML file as a tree of nodes, each with its position.  A mapping's
 * kids are key, value, key, value...  Aliases share their anchor's node.
 */
#define WF_MAX_FILE	(64 * 1024 * 1024)
enum ynode_type {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
	YN_SKIPPED		/* the value of "main" in definitions mode */
};
struct ynode {
	enum ynode_type	 type;
	struct wf_mark	 mark;
	int		 plain;		/* unquoted scalar */
	int		 open;		/* still being built */
	const char	*s;		/* scalar text */
	size_t		 len;
	struct ynode   **kids;		/* items; for maps key, value, ... */
	size_t		 nkids;
	size_t		 cap;
	struct ynode	*next;		/* every container, for freeing */
};
struct chunk;
struct anchor;
struct ytree {
	struct wf_errors *errs;		/* the caller's; errors go there */
	int		 fd;		/* the caller's, from ytree_open */
	const char	*file;		/* an included file: its marks' */
	int		 skip_main;	/* pass over the top-level main */
	size_t		 nread;
	int		 read_errno;	/* EFBIG: over WF_MAX_FILE */
	size_t		 main_events_skipped;
	struct ynode	*nodes;
	struct arena	 arena;		/* nodes and their text */
	struct ynode	*root;
	struct anchor	*anchors;
	size_t		 nanchors;
	struct strmap	 amap;		/* strmap_init'ed by the caller */
	size_t		 alias_entries;	/* main's entries that are aliases */
};
/*
 * Opens a regular file for ytree_build; anything else gives -1, with
 * *whyp saying what it is (errno 0) or errno saying why not.
 */
int		 ytree_open(const char *, const char **);
/* Reads the whole stream into a tree; -1 after reporting to errs. */
int		 ytree_build(struct ytree *);
void		 ytree_free(struct ytree *);
/* A plain null ("", "~", "null"...). */
int		 ynode_null(const struct ynode *);
/* The value of key in a mapping, or NULL. */
struct ynode	*ynode_get(const struct ynode *, const char *);
/* "empty", "a list", "a mapping" or "a string", for messages. */
const char	*ynode_kind(const struct ynode *);
/* A plain decimal integer: 0, -1 if not one, -2 if out of range. */
int		 ynode_int(const struct ynode *, long long *);

/* workflow.c */
struct cond;
enum wf_mode {
	WF_DEFINITIONS,		/* config, env, plugins, apps; main skipped */
	WF_FULL			/* everything; only "weft run"/"weft check" */
};
struct wf_kv {
	char		*key;
	char		*value;		/* NULL for a secret */
	struct wf_mark	 mark;		/* of the value */
	/*
	 * A secret, {from_env: NAME}: the variable of weft run's own
	 * environment it is read from when a task starts.  Its value is
	 * never written anywhere (nor hashed: the name stands for it).
	 */
	char		*from_env;
};
struct wf_str {
	char		*s;
	struct wf_mark	 mark;
};
/* resources: of an app or an entry; set: given at all. */
struct wf_resources {
	int		 set;
	int		 cores;		/* 0: not given (1) */
	int64_t		 memory;	/* bytes; 0: not given */
	int		 gpus;
	struct wf_mark	 mark;
};

struct wf_app {
	char		*name;
	struct wf_mark	 mark;		/* of the app's key */
	char		*command;	/* template, NULL for function apps */
	struct wf_mark	 command_mark;
	char		*function;	/* "plugin.symbol", NULL for commands */
	char		*fn_plugin;	/* its two halves */
	char		*fn_symbol;
	struct wf_mark	 function_mark;
	void		*fn;		/* the symbol, once plugins_load ran */
	int		 retries;	/* -1: use config.retries */
	char		*walltime;	/* as written, NULL if not given */
	int64_t		 walltime_ms;	/* 0: none */
	struct wf_kv	*env;		/* values are templates */
	size_t		 nenv;
	struct wf_resources res;
};
struct wf_plugin {
	char		*name;
	char		*path;		/* as written, or given to --plugin */
	char		*abspath;	/* what is loaded */
	struct wf_mark	 mark;		/* of the path; line -1: --plugin */
	void		*handle;	/* dlopen's, once loaded */
};
struct wf_foreach {
	char		*key;
	struct wf_mark	 mark;
	char	       **values;	/* ranges are expanded */
	size_t		 nvalues;
	char		*text;		/* values (and fields) in one block */
	/*
	 * Fields of each value, {KEY.FIELD}: a glob's name, stem and dir, a
	 * table's columns.  The array is the variable's, the names not.
	 */
	const char	**fields;
	size_t		 nfields;
	char	       **fieldvals;	/* value I's field F: I * nfields + F */
	int		 range;		/* values of a range: all distinct */
};
enum wf_when {
	WHEN_SUCCESS,		/* every dependency succeeded (the default) */
	WHEN_ALWAYS,		/* once every dependency has ended */
	WHEN_ON_FAILURE,	/* only when some dependency failed */
	WHEN_IF			/* as WHEN_SUCCESS, and its condition holds */
};
struct wf_call {			/* one entry of main, unexpanded */
	char		*id;
	struct wf_mark	 mark;		/* of the entry */
	char		*app;
	struct wf_mark	 app_mark;
	struct wf_kv	*args;
	size_t		 nargs;
	struct wf_foreach *foreach;	/* in file order */
	size_t		 nforeach;
	/*
	 * NULL: a task for each combination of the foreach values (the
	 * cross product, the last key fastest).  Else the tasks' own
	 * combinations (zip, a list of mappings, exclude, include):
	 * ncombos of them, each nforeach value indices.
	 */
	uint32_t	*combos;
	size_t		 ncombos;
	struct wf_str	*inputs;
	size_t		 ninputs;
	struct wf_str	*outputs;
	size_t		 noutputs;
	struct wf_str	*needs;
	size_t		 nneeds;
	/* Its own settings, over its app's: -1, NULL: not given. */
	int		 retries;
	char		*walltime;
	int64_t		 walltime_ms;
	struct wf_kv	*env;		/* over the app's, by name */
	size_t		 nenv;
	struct wf_resources res;	/* over the app's, whole */
	enum wf_when	 when;
	char		*when_text;	/* WHEN_IF: the condition */
	struct wf_mark	 when_mark;
	struct cond	*when_cond;
	int		 allow_failure;	/* its failures do not fail a run */
};
/*
 * config.provider beyond "local": what starts pools elsewhere, and how
 * many blocks (a Slurm job, an ssh host) it keeps.
 */
struct wf_provider {
	/* slurm */
	char		*partition;
	char		*account;
	char		*qos;
	char		*walltime;	/* as written, for #SBATCH --time */
	int64_t		 walltime_ms;	/* 0: the partition's */
	int		 nodes_per_block;
	int		 cores_per_node;	/* 0: all of a node's */
	int64_t		 mem_per_node;	/* bytes; 0: not asked */
	int		 gpus_per_node;
	int		 exclusive;
	char	       **scheduler_options;	/* extra #SBATCH lines */
	size_t		 nscheduler_options;
	char		*worker_init;	/* shell lines before the pool */
	int		 srun;		/* launcher: srun, one pool a node */
	/* ssh */
	char	       **hosts;
	size_t		 nhosts;
	char	       **ssh_options;	/* extra arguments of ssh */
	size_t		 nssh_options;
	char		*weft_path;	/* weft on the hosts; NULL: ours */
	/* blocks */
	int		 init_blocks;
	int		 min_blocks;
	int		 max_blocks;
	double		 parallelism;	/* 0..1: slots wanted per task */
	int64_t		 max_idletime_ms;
	int64_t		 connect_timeout_ms;	/* running, no pool: failed */
	int64_t		 poll_ms;	/* how often the scheduler is asked */
};

void		 provider_free(struct wf_provider *);

struct workflow {
	char		*path;		/* the file that was read */
	char		*display;	/* its name in messages */
	char		*dir;		/* absolute; base of relative paths,
					   the working directory of tasks */
	enum wf_mode	 mode;
	int		 version;
	char		*name;		/* defaults to the file's basename */
	int		 jobs;		/* 0: number of CPUs */
	int		 retries;
	int		 max_tasks;	/* config.max_tasks */
	char		*provider;	/* "local", "ssh" or "slurm" */
	struct wf_provider prov;
	int		 pools;		/* config.provider.pools, default 1 */
	int		 monitoring;	/* config.monitoring, default on */
	int		 resume;	/* config.resume, default off */
	double		 resource_interval; /* seconds between samples */
	int		 ix_tcp;	/* listen on tcp:// too */
	char		*ix_address;	/* given to pools; NULL: found */
	int		 ix_port_lo;	/* 0: any free port */
	int		 ix_port_hi;
	int64_t		 hb_period_ms;	/* 0: the default */
	int64_t		 hb_threshold_ms;
	struct wf_kv	*env;
	size_t		 nenv;
	/* params: value is the default, or --set's; NULL: must be set */
	struct wf_kv	*params;
	size_t		 nparams;
	struct wf_plugin *plugins;
	size_t		 nplugins;
	/* The files it includes, in the order read: absolute, normalised
	   originals, and their names in messages. */
	char	       **includes;
	char	       **include_names;
	size_t		 nincludes;
	struct wf_app	*apps;
	size_t		 napps;
	size_t		 nfunctions;	/* function apps among them */
	/* Full mode only; definitions mode leaves these empty. */
	int		 has_main;
	struct wf_call	*calls;
	size_t		 ncalls;
	/* Definitions mode: YAML events of "main" passed over unread. */
	size_t		 main_events_skipped;
};
/*
 * Loads a workflow file.  "display" names the file in messages (NULL: the
 * path); "dir" overrides the base directory (NULL: the file's own, used by
 * children that load the run's snapshot).  On error returns -1 and sets
 * *errp to one or more "file:line:col: message" lines (caller frees), no
 * final newline; a file that cannot be opened or read gives the single
 * line "weft: cannot read 'FILE': <strerror>".
 */
int		 workflow_load(const char *, const char *, const char *,
		     enum wf_mode, struct workflow **, char **);
void		 workflow_free(struct workflow **);
const struct wf_app *workflow_find_app(const struct workflow *, const char *);

/* Milliseconds of a duration such as "90s", "5m", "1h30m", "250ms". */
/*
 * Adds or replaces a plugin from "NAME=PATH" as given to --plugin (PATH
 * relative to the current directory).  Returns -1 with a message.
 */
int		 workflow_plugin_option(struct workflow *, const char *,
		     char **);
struct wf_plugin *workflow_find_plugin(const struct workflow *,
		     const char *);

/* workflow-env.c */
/*
 * --set NAME=VALUE: sets a declared param.  Returns -1 with a message
 * (an undeclared name gets a did-you-mean).
 */
int		 workflow_set_param(struct workflow *, const char *, char **);
/*
 * Before anything runs: every param has a value and (SECRETS) every
 * secret's variable is set.  Returns -1 with one line per fault.
 */
int		 workflow_check_ready(const struct workflow *, int, char **);
/* The value of an env entry: its own, or its secret's; NULL if unset. */
const char	*workflow_env_value(const struct wf_kv *);

/* template.c */
/*
 * Templates: "{name}" is replaced by the words the caller's lookup function
 * gives for name, "{{" and "}}" are literal braces.  With TPL_SHELL each
 * word is shell-quoted; words are joined by single spaces.  A name is
 * plain ("sim.outputs", at most TPL_PLAIN_MAX bytes) or a task's,
 * ID[BODY].NAME, whose BODY may hold placeholders, filled in raw before
 * the name is looked up: "{qc[s={s}].outputs}".  Filled in, a name has at
 * most TPL_NAME_MAX bytes; placeholders nest TPL_NEST_MAX levels deep.
 */
enum tpl_quote {
	TPL_RAW,
	TPL_SHELL
};
#define TPL_PLAIN_MAX	128
#define TPL_NAME_MAX	512
#define TPL_NEST_MAX	4
struct tpl_error {
	size_t		 offset;	/* byte offset of the bad '{' or '}' */
	char		 msg[TPL_NAME_MAX + 128];
};
/*
 * Returns 0 and sets *words and *nwords to what name stands for (the
 * caller keeps ownership), or -1 if name is undefined.
 */
typedef int	 tpl_lookup_fn(void *, const char *, const char *const **,
		     size_t *);
char		*shell_quote(const char *);
/*
 * Expands tpl into *out (caller frees).  On error returns -1, sets *out to
 * NULL and fills *err: the message is "undefined placeholder '{x}'",
 * "unclosed '{' ...", "empty placeholder '{}'", and so on.  A NULL lookup
 * accepts every name as empty; a NULL out only checks.
 */
int		 template_expand(const char *, enum tpl_quote, tpl_lookup_fn *,
		     void *, char **, struct tpl_error *);
/* Checks the syntax only. */
int		 template_check(const char *, struct tpl_error *);
/*
 * Returns 1 if s is exactly one placeholder ("{sim.outputs}") with none
 * nested in it and copies its name into name (size TPL_NAME_MAX + 1),
 * else 0.
 */
int		 template_single(const char *, char *);
/*
 * As template_single, nested placeholders filled in by the lookup: 1 and
 * the name, 0 if s is not one placeholder, -1 with *err on an error.
 */
int		 template_one(const char *, tpl_lookup_fn *, void *, char *,
		     struct tpl_error *);
/* Column of byte offset off of a value whose text starts at col. */
int		 template_column(const char *, size_t, int);

/* cond.c */
/*
 * The conditions of "when:" ("{params.deploy} == 'yes' && !{dry}"):
 * cond_parse reports a syntax error with its byte offset; cond_eval
 * expands each value's placeholders with the lookup and returns 1 or 0,
 * or -1 with err filled.
 */
struct cond;
int		 cond_parse(const char *, struct cond **, struct tpl_error *);
int		 cond_eval(const struct cond *, tpl_lookup_fn *, void *,
		     struct tpl_error *);
void		 cond_free(struct cond **);

/* dag.c */
/*
 * One task of the graph.  Its command or arguments are not kept: a graph
 * of ten million tasks would hold ten million copies of a template's
 * text.  dag_task_text expands them when the task is about to run.
 */
struct task {
	const char	*id;		/* "sim[seed=2]", unique */
	const char	*call_id;	/* "sim": its entry's id */
	const struct wf_call *call;	/* its entry of main */
	const struct wf_app *app;
	char	       **inputs;	/* expanded paths, as written */
	char	       **outputs;
	/* The template of each path in call; NULL: path i came from i. */
	uint32_t	*in_src;
	uint32_t	*out_src;
	uint32_t	*deps;		/* tasks this one waits for, sorted */
	uint32_t	*dependents;	/* inverse of deps */
	uint32_t	 index;
	uint32_t	 ninputs;
	uint32_t	 noutputs;
	uint32_t	 ndeps;
	uint32_t	 ndependents;
	int		 retries;
	/*
	 * The command or an argument holds results of other tasks, which
	 * are known only once those ran: dag_fill_results at dispatch.
	 */
	uint8_t		 late;
};
#define TASK_IS_FUNCTION(t)	((t)->app->function != NULL)
/* The template a path came from (in_src or out_src). */
#define TASK_PATH_SRC(src, i)	((src) != NULL ? (src)[i] : (uint32_t)(i))
struct dag_private;
struct dag {
	struct task	*tasks;
	size_t		 ntasks;
	size_t		 nedges;
	size_t		 nroots;	/* tasks with no deps */
	struct dag_private *priv;
};
/*
 * A task's command (NULL for a function task) or a function task's
 * arguments (foreach values, then args), expanded from its entry's
 * templates; a late task's still hold the stand-ins of results.
 */
struct task_text {
	char		*command;
	const char *const *arg_names;	/* the graph's */
	char	       **arg_values;
	size_t		 nargs;
	/*
	 * The fields of its foreach values ("s.reads=a.fq", NUL after each,
	 * a table record whole), a part of its resume key; NULL: none.
	 */
	char		*item;
	size_t		 item_len;
	/*
	 * Its env, its app's then its entry's, one per name: "NAME=VALUE",
	 * NULL for a secret (env_kv[i]->from_env says where it is read).
	 */
	char	       **env;
	const struct wf_kv **env_kv;
	size_t		 nenv;
};
void		 dag_task_text(const struct dag *, const struct task *,
		     struct task_text *);
void		 task_text_free(struct task_text *);
/* The workflow a graph was built from. */
const struct workflow *dag_workflow(const struct dag *);
/* The params task T's templates name: indices into the workflow's. */
size_t		 dag_task_params(const struct dag *, const struct task *,
		     const uint32_t **);
/* Whether task T's condition (its entry's when:) holds; 1 if none. */
int		 dag_task_when(const struct dag *, const struct task *);
/* Expands main into tasks and edges; errors as workflow_load. */
int		 dag_build(const struct workflow *, struct dag **, char **);
void		 dag_free(struct dag **);
int		 dag_check_paths(const struct workflow *, const struct dag *,
		     char **);
/*
 * Puts the result values of other tasks into a late task's command
 * (SHELL: each value shell-quoted) or argument; RESULT gives task I's
 * value.  Returns a new string.
 */
typedef const char *dag_result_fn(void *, uint32_t);
char		*dag_fill_results(const char *, int, dag_result_fn *,
		     void *);
struct task_text;
void		 dag_task_text_filled(const struct dag *, const struct task *,
		     struct task_text *, dag_result_fn *, void *);

/* hash.c */
#define HASH_LEN	32
struct hash {
	_Alignas(64) unsigned char state[384];	/* libsodium's */
};
struct stat;
int		 hash_init(void);
void		 hash_begin(struct hash *);
void		 hash_add(struct hash *, const void *, size_t);
void		 hash_add_str(struct hash *, const char *);
void		 hash_end(struct hash *, uint8_t *);
void		 hash_hex(const uint8_t *, char *);
int		 hash_path(int, const char *, struct stat *, uint8_t *);

/* cache.c */
struct cache;
struct cache_entry {
	uint8_t		 key[HASH_LEN];
	char		*task;
	char		*outputs;	/* JSON fingerprints */
	char		*result;
};
struct cache	*cache_open(const char *, int, char **);
void		 cache_close(struct cache **);
void		 cache_commit(struct cache *);
int		 cache_due(struct cache *);
void		 cache_tick(struct cache *);
int		 cache_lookup(struct cache *, const uint8_t *, const char *,
		     struct cache_entry *);
void		 cache_entry_free(struct cache_entry *);
void		 cache_record(struct cache *, const uint8_t *, const char *,
		     const char *, const char *, const char *, const char *);
int		 cache_newest(struct cache *, const char *, char **);
int		 cache_file_get(struct cache *, const char *,
		     const struct stat *, uint8_t *);
void		 cache_file_put(struct cache *, const char *,
		     const struct stat *, const uint8_t *);
/* An entry as "weft cache" shows it. */
struct cache_item {
	uint8_t		 key[HASH_LEN];
	char		*task;		/* the task that made it */
	char		*run;		/* the run that recorded it, or NULL */
	double		 recorded;	/* epoch seconds, if has_recorded */
	int		 has_recorded;
	int		 gone;		/* for cache_forget: remove it */
	int64_t		 result_size;	/* bytes of a function's result */
	int64_t		 outputs_size;	/* bytes of the recorded outputs */
	size_t		 noutputs;
};
int		 cache_lock_exclusive(const char *, int *);
struct cache	*cache_open_existing(const char *, int, char **);
int		 cache_items(struct cache *, struct cache_item **, size_t *,
		     char **);
void		 cache_items_free(struct cache_item *, size_t);
int		 cache_forget(struct cache *, const struct cache_item *,
		     size_t, char **);
int		 cache_forget_all(struct cache *, char **);

/* resume.c */
enum rs_outcome {
	RS_RUN,			/* not cached: run it (in a dry run with
				   resume on, message says why) */
	RS_CACHED,		/* skip it: result (a function's) with it */
	RS_MISSING		/* an input is missing: message says which */
};
struct rs_verdict {
	uint32_t	 task;
	enum rs_outcome	 what;
	char		*message;	/* the caller's to free */
	char		*result;	/* the caller's to free */
};
struct resume;
struct resume	*resume_open(const struct workflow *, const struct dag *,
		     const char *, int, int, const char *, const char *);
void		 resume_close(struct resume **);
void		 resume_ready(struct resume *, uint32_t, struct task_text *,
		     int);
void		 resume_finish(struct resume *, int);
void		 resume_sent(struct resume *, uint32_t,
		    const struct task_text *);
void		 resume_done(struct resume *, uint32_t, const char *);
struct rs_verdict *resume_verdicts(struct resume *, size_t *);
int		 resume_fd(struct resume *);
void		 resume_read(struct resume *);
int		 resume_reaped(struct resume *, pid_t, int);
void		 resume_commit(struct resume *);
int		 resume_due(struct resume *);
void		 resume_tick(struct resume *);

/* resume-why.c */
struct hash;
void		 why_settings(const struct dag *, const struct task *,
		     const struct task_text *, struct hash *);
void		 why_hashes(const struct dag *, const struct task *,
		     const struct task_text *, const uint8_t *,
		     const struct wf_kv *, uint8_t *, uint8_t *);
char		*why_parts(const struct dag *, uint32_t, const uint8_t *,
		     const uint8_t *, const uint8_t *, const uint8_t *);
char		*why_compare(const char *, const char *);
char		*outputs_fingerprint(const char *, const struct task *);
char		*outputs_changed(const char *, const struct task *,
		     const char *);

/* hasher.c */
int		 hasher_main(int, char **);

/* plugin.c */
#define PLUGIN_WATCHDOG_S	60	/* a plugin's init hook, at most */
int		 plugins_load(struct workflow *, unsigned, char **);
unsigned	 plugin_timeout_s(void);
size_t		 plugins_loaded(const struct workflow *);

/* db.c */
#define DB_SCHEMA_VERSION	7
/* A final status (status_final's rows), as SQL about a status row. */
#define DB_FINAL_STATUS							\
	"(task_status_name = 'exec_done' OR "				\
	"task_status_name = 'failed' OR task_status_name = 'dep_fail' "	\
	"OR task_status_name = 'memo_done')"
#define DB_READ			0
#define DB_WRITE		1
struct sqlite3;
struct sqlite3	*db_open(const char *, int, char **);
int		 db_migrate(struct sqlite3 *, char **);
int		 db_version(struct sqlite3 *);
int		 db_meta_version(struct sqlite3 *, const char *);
unsigned	 db_highest_run(const char *);
void		 db_time(double, char *, size_t);
int		 db_full(struct sqlite3 *);
const char	*db_errmsg(struct sqlite3 *);
void		 db_wal_fold(struct sqlite3 *);

/* cmd-run.c */
int		 cmd_run(int, char **);

/* cmd-stop.c */
int		 cmd_stop(int, char **);

/* cmd-status.c */
#define STATUS_TIMEOUT_MS	1000	/* --timeout; weft.c's help says it */
int		 cmd_status(int, char **);

/* cmd-check.c */
int		 cmd_check(int, char **);

/* cmd-logs.c */
int		 cmd_logs(int, char **);

/* cmd-runs.c */
int		 cmd_runs(int, char **);

/* dbread.c */
struct sqlite3_stmt;
struct json_t;
/*
 * What "weft runs" and "weft tasks" share.  dbread_open opens
 * DIR/monitoring.db read-only inside a read transaction, never creating
 * it; on failure it prints the message and returns the exit code.  The
 * strings returned by the dbread_ functions are the caller's to free.
 */
int		 dbread_open(const char *, struct sqlite3 **, char **, int *);
void		 dbread_close(struct sqlite3 *);
int		 dbread_find_run(struct sqlite3 *, const char *, int, char *,
		     size_t);
int		 dbread_error(struct sqlite3 *, const char *);
char		*dbread_text(struct sqlite3_stmt *, int);
char		*dbread_duration(double, int);
char		*dbread_signal_name(int);
void		 dbread_json_init(void);
struct json_t	*dbread_json_string(const char *);
struct json_t	*dbread_json_bytes(const char *, size_t);
struct json_t	*dbread_json_seconds(double, int);
int		 dbread_json_print(struct json_t *);
int		 dbread_flush(const char *);
struct table;
struct table_col;
/* How the rows of a query are shown: table columns, a JSON object. */
struct dbread_rows {
	const struct table_col	*cols;
	size_t			 ncols;
	struct json_t		*(*json_row)(struct sqlite3_stmt *);
	void			 (*table_row)(struct table *,
				    struct sqlite3_stmt *);
};
int		 dbread_print(struct sqlite3 *, char *, struct sqlite3_stmt *,
		     int, const struct dbread_rows *, int, const char *);

/* report-data.c: one run read for its reports (HTML, JUnit) */
#define REPORT_TAIL_LINES	20	/* of a failed task's stderr */
struct report_try {
	size_t		 task;		/* index in report.tasks */
	int		 try_id;
	char		*lane;		/* "pool 0", "HOST slurm-0"; NULL */
	double		 launched;	/* seconds from the run's start, */
	double		 started;	/* NAN when not recorded */
	double		 ended;
	char		*state;		/* running, done, failed, ... */
	int		 has_exit;
	int		 exit_code;
	int		 sig;		/* 0: none */
	char		*reason;
	char		*stderr_path;
	int64_t		 err_off;	/* a call's stretch of it; -1 */
	int64_t		 err_len;
	long long	 rss;		/* peak resident bytes, -1 unknown */
};
struct report_task {
	int64_t		 index;		/* task.task_id */
	char		*id;
	char		*app;
	char		*kind;		/* command, function */
	char		*state;
	char		*deps;		/* indexes, comma-separated */
	int		 has_exit;
	int		 exit_code;
	int		 sig;
	char		*reason;	/* of its last try */
	char		*why;		/* task.weft_reason: skipped, allowed */
	char		*asked;		/* resources beyond a core; NULL */
	char		*stderr_path;
	char		*tail;		/* failed, killed: stderr's tail */
	int		 ntries;
	size_t		 last;		/* its last try, if has_last */
	int		 has_last;
	double		 duration;	/* of its last try, or NAN */
	long long	 rss;		/* peak over its tries, -1 unknown */
};
struct report {
	char		 run[32];
	char		*name;
	char		*file;
	char		*state;
	int		 has_exit;
	int		 exit_code;
	char		*began;		/* as stored */
	char		*completed;	/* NULL while it runs */
	char		*host;
	char		*user;
	char		*rundir;
	double		 duration;	/* so far, while it runs */
	double		 now;		/* when read, from its start */
	int		 complete;	/* monitoring complete; -1 unknown */
	struct report_task *tasks;
	size_t		 ntasks;
	struct report_try *tries;
	size_t		 ntries;
};
int		 report_load(const char *, const char *, struct report *,
		     const char *);
void		 report_free(struct report *);
struct report_task *report_task_at(const struct report *, int64_t);
int		 report_failed(const char *);
char		*report_utf8(const char *, size_t);
char		*report_tail(const char *, int64_t, int64_t, int);
int		 report_write(const struct report *, const char *,
		     int (*)(const struct report *, FILE *), const char *);

/* report-junit.c */
int		 report_junit(const struct report *, FILE *);

/* report-html.c */
int		 report_html(const struct report *, FILE *);

/* report-page.c: the report's style sheet and script */
extern const char	 report_page_css[];
extern const char	 report_page_js[];

/* table.c */
struct table_col {
	const char	*title;
	size_t		 width;		/* minimum; grows to the widest cell */
	int		 right;		/* right-aligned */
};
struct table {
	struct table_col *cols;		/* a copy */
	size_t		  ncols;
	char		**cells;	/* row after row, owned */
	size_t		  ncells;
	size_t		  cap;
};
void		 table_init(struct table *, const struct table_col *, size_t);
void		 table_cell(struct table *, const char *, ...)
		     printflike(2, 3);
void		 table_print(const struct table *, FILE *);
void		 table_free(struct table *);

/* registry.c: runs/NNNN/helpers.json, the list of a run's processes */
struct registry_proc {
	const char	*name;
	const char	*role;
	const char	*state;		/* running, restarting, given up, ... */
	pid_t		 pid;
	long long	 start;		/* proc_start_ticks() of pid */
	int		 restarts;
};
struct registry {
	struct json_t	*doc;		/* NULL: no readable file */
	int		 listed;	/* the file has a list of processes */
	struct registry_proc *procs;
	size_t		 nprocs;
};
int		 registry_write(const char *, const char *,
		     const struct registry_proc *, size_t);
int		 registry_read(const char *, struct registry *);
void		 registry_free(struct registry *);

/* cmd-tasks.c */
int		 cmd_tasks(int, char **);

/* cmd-cache.c */
int		 cmd_cache(int, char **);

/* cmd-clean.c */
int		 cmd_clean(int, char **);

/* cmd-report.c */
int		 cmd_report(int, char **);

/* interchange.c */
int		 interchange_main(int, char **);

/* pool.c */
int		 pool_main(int, char **);

/* router.c */
int		 router_main(int, char **);

/* seqs.c */
struct seqset {
	uint64_t	 base;		/* every seq <= base is in */
	uint64_t	*above;		/* those > base, sorted */
	size_t		 nabove;
};
int		 seqs_has(const struct seqset *, uint64_t);
void		 seqs_add(struct seqset *, uint64_t);
void		 seqs_copy(struct seqset *, const struct seqset *);
char		*seqs_text(const struct seqset *);
void		 seqs_parse(struct seqset *, const char *);

/* dbwriter.c */
int		 dbwriter_main(int, char **);
int		 dbwriter_import(struct sqlite3 *, const char *, int);

/* record.c: finishing a run's record (see there). */
int		 record_settle(struct sqlite3 *, const char *, double, int);
int		 record_recover(const char *, int, int);

/* worker.c */
int		 worker_main(int, char **);

#endif /* WEFT_H */
