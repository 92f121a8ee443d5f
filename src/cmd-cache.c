/*
 * cmd-cache.c: "weft cache list [--json]", "weft cache prune
 * [--older-than DURATION] [--max-size SIZE]" and "weft cache clear", each
 * with [--run-dir DIR]: the entries of the task cache that "weft run
 * --resume" reads, listed with their task, app, age and size, and
 * removed.  The cache itself is cache.c's, which also keeps removing off
 * a cache that a live run holds; the app of an entry comes from the
 * monitoring database's record of the run that made it.
 */

#include <sys/ioctl.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "weft.h"

#define CACHE_OPT_JSON		256
#define CACHE_OPT_OLDER		258
#define CACHE_OPT_MAXSIZE	259

/* What the command line asked for. */
struct cache_args {
	const char	*sub;
	struct locate	 lc;		/* -f, -C, --run-dir */
	char		*dir;		/* the .weft they name */
	int		 json;
	int64_t		 older_ms;	/* -1: not given */
	int64_t		 max_size;	/* -1: not given */
};

static const char *cache_subs[] = { "list", "prune", "clear" };

static void
cache_usage(FILE *f)
{
	cmd_help(f, "cache");
}

/* An unknown subcommand: says so, with the nearest one if it is near. */
static int
cache_unknown(const char *sub)
{
	struct wf_suggest	 sg;
	const char		*best;
	size_t			 i;

	wf_suggest_init(&sg, sub);
	for (i = 0; i < sizeof cache_subs / sizeof cache_subs[0]; i++)
		wf_suggest_try(&sg, cache_subs[i]);
	if ((best = wf_suggest_best(&sg)) != NULL)
		fprintf(stderr, "weft cache: unknown subcommand '%s' (did you "
		    "mean '%s'?)\n", sub, best);
	else
		fprintf(stderr, "weft cache: unknown subcommand '%s': "
		    "expected list, prune or clear\n", sub);
	cache_usage(stderr);
	return EXIT_USAGE;
}

/*
 * Parses the options of the subcommand in ARGV[0].  Returns 0, or prints
 * why not and returns the exit code (-1: --help was printed, exit 0).
 */
static int
cache_options(int argc, char **argv, struct cache_args *a)
{
	static const struct option	 longopts[] = {
		{ "json", no_argument, NULL, CACHE_OPT_JSON },
		{ "max-size", required_argument, NULL, CACHE_OPT_MAXSIZE },
		{ "older-than", required_argument, NULL, CACHE_OPT_OLDER },
		LOCATE_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*what = NULL;
	int		 ch, list, prune, rc;

	list = strcmp(a->sub, "list") == 0;
	prune = strcmp(a->sub, "prune") == 0;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":hf:C:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case CACHE_OPT_JSON:
			if (!list)
				what = "--json";
			a->json = 1;
			break;
		case CACHE_OPT_MAXSIZE:
			if (!prune)
				what = "--max-size";
			else if (parse_size(optarg, &a->max_size) == -1) {
				fprintf(stderr, "weft cache: invalid size "
				    "'%s': expected bytes, or a number with "
				    "K, M, G or T, such as 500K or 10M\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case CACHE_OPT_OLDER:
			if (!prune)
				what = "--older-than";
			else if (parse_age(optarg, &a->older_ms) == -1) {
				fprintf(stderr, "weft cache: invalid duration "
				    "'%s': expected such as 90s, 12h, 7d or "
				    "1d12h\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
		case 'C':
		case LOCATE_OPT_RUNDIR:
			if ((rc = locate_option(&a->lc, "cache", ch,
			    optarg)) != 1)
				return rc;
			break;
		case 'h':
			cache_usage(stdout);
			return -1;
		default:
			return cmd_bad_option("cache", ch, argv);
		}
		if (what != NULL) {
			fprintf(stderr, "weft cache: %s is not an option of "
			    "'weft cache %s'\n", what, a->sub);
			cache_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "weft cache: too many arguments\n");
		cache_usage(stderr);
		return EXIT_USAGE;
	}
	if (prune && a->older_ms == -1 && a->max_size == -1) {
		fprintf(stderr, "weft cache: prune needs --older-than "
		    "DURATION, --max-size SIZE or both\n");
		cache_usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/* Whether DIR, the run directory, is there; says so if not. */
static int
cache_base_ok(const char *dir)
{
	struct stat	 st;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	if (stat(dir, &st) == 0 || errno == ENOENT || errno == ENOTDIR)
		fprintf(stderr, "weft cache: no run directory at %s (weft run "
		    "makes .weft next to the workflow file; see "
		    "--run-dir)\n", dir);
	else
		fprintf(stderr, "weft cache: cannot read %s: %s\n", dir,
		    strerror(errno));
	return 0;
}

static int64_t
cache_item_size(const struct cache_item *it)
{
	return it->result_size + it->outputs_size;
}

/*
 * The apps of the entries, from the monitoring database's task rows of
 * the runs that recorded them; NULL where it does not say.  Caller
 * frees each and the array.
 */
static char **
cache_apps(const char *dir, const struct cache_item *items, size_t n)
{
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	struct stat	 sb;
	char		*path, *err = NULL, **apps;
	const unsigned char *s;
	size_t		 i;

	apps = xcalloc(n + 1, sizeof *apps);
	path = xprintf("%s/monitoring.db", dir);
	db = stat(path, &sb) == 0 ? db_open(path, DB_READ, &err) : NULL;
	free(err);
	free(path);
	if (db == NULL)
		return apps;
	if (sqlite3_prepare_v2(db, "SELECT task_func_name FROM task WHERE "
	    "run_id = ?1 AND weft_task_id = ?2 LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return apps;
	}
	for (i = 0; i < n; i++) {
		if (items[i].run == NULL || items[i].task == NULL)
			continue;
		sqlite3_bind_text(st, 1, items[i].run, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, items[i].task, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    (s = sqlite3_column_text(st, 0)) != NULL)
			apps[i] = xstrdup((const char *)s);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return apps;
}

/* Seconds as an age for the table: "45s", "12m", "5h", "3d". */
static char *
cache_age_string(double secs)
{
	long long	 s = secs < 0 ? 0 : (long long)secs;

	if (s < 60)
		return xprintf("%llds", s);
	if (s < 3600)
		return xprintf("%lldm", s / 60);
	if (s < 48 * 3600)
		return xprintf("%lldh", s / 3600);
	return xprintf("%lldd", s / 86400);
}

/*
 * S made fit for a cell of at most MAX columns: control characters shown
 * as '?', and a longer text cut, ending in "..."; caller frees.
 */
static char *
cache_cell(const char *s, size_t max)
{
	char	*out, *p;
	size_t	 cols = 0, cut = 0;

	out = xstrdup(s != NULL && *s != '\0' ? s : "-");
	for (p = out; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
		if (((unsigned char)*p & 0xc0) != 0x80) {
			if (cols == max - 3)
				cut = p - out;
			cols++;
		}
	}
	if (cols > max && max > 3)
		memcpy(out + cut, "...", 4);
	return out;
}

/* The terminal's width when stdout is one wider than 80, else 80. */
static size_t
cache_width(void)
{
	struct winsize	 ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ,
	    &ws) == 0 && ws.ws_col > 80)
		return ws.ws_col;
	return 80;
}

#define CACHE_KEY_COLS	12	/* the key's first hex digits in the table */
#define CACHE_APP_COLS	12

static const struct table_col cache_cols[] = {
	{ "TASK", 16, 0 },
	{ "APP", 8, 0 },
	{ "AGE", 5, 1 },
	{ "SIZE", 6, 1 },
	{ "KEY", CACHE_KEY_COLS, 0 },
};

static int
cache_print_table(const struct cache_item *items, char **apps, size_t n,
    double now)
{
	struct table	 t;
	char		 hex[HASH_LEN * 2 + 1], *s;
	size_t		 i, appw = 8, taskw;

	for (i = 0; i < n; i++) {
		if (apps[i] != NULL && strlen(apps[i]) > appw)
			appw = strlen(apps[i]);
	}
	if (appw > CACHE_APP_COLS)
		appw = CACHE_APP_COLS;
	/* Five columns, four gaps of two; the task gets what is left. */
	taskw = cache_width() - 8 - appw - 5 - 6 - CACHE_KEY_COLS;
	table_init(&t, cache_cols, sizeof cache_cols / sizeof cache_cols[0]);
	for (i = 0; i < n; i++) {
		s = cache_cell(items[i].task, taskw);
		table_cell(&t, "%s", s);
		free(s);
		s = cache_cell(apps[i], appw);
		table_cell(&t, "%s", s);
		free(s);
		s = items[i].has_recorded ?
		    cache_age_string(now - items[i].recorded) : xstrdup("-");
		table_cell(&t, "%s", s);
		free(s);
		s = size_string(cache_item_size(&items[i]));
		table_cell(&t, "%s", s);
		free(s);
		hash_hex(items[i].key, hex);
		table_cell(&t, "%.*s", CACHE_KEY_COLS, hex);
	}
	table_print(&t, stdout);
	table_free(&t);
	return dbread_flush("cache");
}

static int
cache_print_json(const struct cache_item *items, char **apps, size_t n,
    double now)
{
	json_t	*arr, *o;
	char	 hex[HASH_LEN * 2 + 1], ts[40];
	size_t	 i;
	int	 rc;

	arr = json_array();
	for (i = 0; i < n; i++) {
		o = json_object();
		hash_hex(items[i].key, hex);
		json_object_set_new(o, "key", json_string(hex));
		json_object_set_new(o, "task",
		    dbread_json_string(items[i].task));
		json_object_set_new(o, "app", dbread_json_string(apps[i]));
		json_object_set_new(o, "run", dbread_json_string(items[i].run));
		if (items[i].has_recorded) {
			db_time(items[i].recorded, ts, sizeof ts);
			json_object_set_new(o, "recorded", json_string(ts));
		} else
			json_object_set_new(o, "recorded", json_null());
		json_object_set_new(o, "age", dbread_json_seconds(
		    now - items[i].recorded, items[i].has_recorded));
		json_object_set_new(o, "size",
		    json_integer(cache_item_size(&items[i])));
		json_object_set_new(o, "result_size",
		    json_integer(items[i].result_size));
		json_object_set_new(o, "outputs",
		    json_integer((json_int_t)items[i].noutputs));
		json_object_set_new(o, "outputs_size",
		    json_integer(items[i].outputs_size));
		json_array_append_new(arr, o);
	}
	if ((rc = dbread_json_print(arr)) != 0)
		return rc;
	return dbread_flush("cache");
}

/*
 * The live runs under DIR/runs, as "0007" or "0007, 0009", for the
 * message of a cache in use; NULL if none is found.
 */
static char *
cache_live_runs(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*runs, *path, *list = NULL, *more, name[16];
	pid_t		 pid;

	runs = xprintf("%s/runs", dir);
	if ((d = opendir(runs)) == NULL) {
		free(runs);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (rundir_parse_name(de->d_name, name, sizeof name) == -1 ||
		    strcmp(name, de->d_name) != 0)
			continue;
		path = xprintf("%s/%s", runs, de->d_name);
		if (rundir_is_live(path, &pid) == 1) {
			more = list == NULL ? xstrdup(name) :
			    xprintf("%s, %s", list, name);
			free(list);
			list = more;
		}
		free(path);
	}
	closedir(d);
	free(runs);
	return list;
}

/*
 * Takes the cache for removing entries.  Returns 0 with *lockp, or says
 * why not and returns the exit code.
 */
static int
cache_take(const char *dir, int *lockp)
{
	char	*live;
	int	 rc;

	if ((rc = cache_lock_exclusive(dir, lockp)) == 0)
		return 0;
	if (rc == -1) {
		fprintf(stderr, "weft cache: cannot lock %s/cache/cache.lock: "
		    "%s\n", dir, weft_strerror(errno));
		return EXIT_INTERNAL;
	}
	live = cache_live_runs(dir);
	if (live == NULL)
		fprintf(stderr, "weft cache: the cache is in use by a run; "
		    "nothing was removed\n");
	else
		fprintf(stderr, "weft cache: the cache is in use by run%s %s; "
		    "nothing was removed\n", strchr(live, ',') != NULL ?
		    "s" : "", live);
	free(live);
	return EXIT_TASK_FAILED;
}

/*
 * Marks what prune removes: entries older than OLDER_MS, then, oldest
 * first, entries until the rest fit in MAX_SIZE.
 */
static void
cache_mark(struct cache_item *items, size_t n, const struct cache_args *a,
    double now)
{
	int64_t	 total = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (a->older_ms != -1 && (!items[i].has_recorded ||
		    (now - items[i].recorded) * 1000.0 > (double)a->older_ms))
			items[i].gone = 1;
		if (!items[i].gone)
			total += cache_item_size(&items[i]);
	}
	for (i = 0; a->max_size != -1 && i < n && total > a->max_size; i++) {
		if (items[i].gone)
			continue;
		items[i].gone = 1;
		total -= cache_item_size(&items[i]);
	}
}

/* "weft cache prune" and "weft cache clear". */
static int
cache_remove(const struct cache_args *a)
{
	struct cache		*c;
	struct cache_item	*items = NULL;
	char			*err = NULL;
	int64_t			 gone = 0, left = 0;
	size_t			 n = 0, i, ngone = 0;
	int			 lock, rc;

	if ((rc = cache_take(a->dir, &lock)) != 0)
		return rc;
	if ((c = cache_open_existing(a->dir, 0, &err)) == NULL &&
	    err != NULL)
		goto fail;
	if (c != NULL && cache_items(c, &items, &n, &err) == -1)
		goto fail;
	if (strcmp(a->sub, "clear") == 0) {
		for (i = 0; i < n; i++)
			items[i].gone = 1;
	} else
		cache_mark(items, n, a, db_now());
	for (i = 0; i < n; i++) {
		if (items[i].gone) {
			ngone++;
			gone += cache_item_size(&items[i]);
		} else
			left += cache_item_size(&items[i]);
	}
	if (c != NULL && (strcmp(a->sub, "clear") == 0 ? cache_forget_all(c,
	    &err) : ngone > 0 ? cache_forget(c, items, n, &err) : 0) == -1)
		goto fail;
	printf("removed %zu entr%s (%lld bytes); %zu left (%lld bytes)\n",
	    ngone, ngone == 1 ? "y" : "ies", (long long)gone, n - ngone,
	    (long long)left);
	cache_items_free(items, n);
	cache_close(&c);
	if (lock != -1)
		close(lock);
	return dbread_flush("cache");
fail:
	fprintf(stderr, "weft cache: cannot %s the cache: %s\n",
	    strcmp(a->sub, "clear") == 0 ? "clear" : "prune", err);
	free(err);
	cache_items_free(items, n);
	cache_close(&c);
	if (lock != -1)
		close(lock);
	return EXIT_INTERNAL;
}

/* "weft cache list". */
static int
cache_list(const struct cache_args *a)
{
	struct cache		*c;
	struct cache_item	*items = NULL;
	char			*err = NULL, **apps;
	double			 now = db_now();
	size_t			 n = 0, i;
	int			 rc;

	if ((c = cache_open_existing(a->dir, 1, &err)) == NULL &&
	    err != NULL) {
		fprintf(stderr, "weft cache: cannot read the cache: %s\n",
		    err);
		free(err);
		return EXIT_INTERNAL;
	}
	if (c != NULL && cache_items(c, &items, &n, &err) == -1) {
		fprintf(stderr, "weft cache: cannot read the cache: %s\n",
		    err);
		free(err);
		cache_close(&c);
		return EXIT_INTERNAL;
	}
	cache_close(&c);
	apps = cache_apps(a->dir, items, n);
	dbread_json_init();
	rc = a->json ? cache_print_json(items, apps, n, now) :
	    cache_print_table(items, apps, n, now);
	for (i = 0; i < n; i++)
		free(apps[i]);
	free(apps);
	cache_items_free(items, n);
	return rc;
}

int
cmd_cache(int argc, char **argv)
{
	struct cache_args	 a;
	size_t			 i;
	int			 rc;

	if (argc < 2) {
		fprintf(stderr, "weft cache: missing subcommand: list, prune "
		    "or clear\n");
		cache_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cache_usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof cache_subs / sizeof cache_subs[0]; i++) {
		if (strcmp(argv[1], cache_subs[i]) == 0)
			break;
	}
	/* An option first: a slip in it is told as for any option. */
	if (i == sizeof cache_subs / sizeof cache_subs[0] &&
	    argv[1][0] == '-') {
		memset(&a, 0, sizeof a);
		a.sub = "list";
		a.older_ms = a.max_size = -1;
		if ((rc = cache_options(argc, argv, &a)) != 0)
			return rc == -1 ? 0 : rc;
	}
	if (i == sizeof cache_subs / sizeof cache_subs[0])
		return cache_unknown(argv[1]);
	memset(&a, 0, sizeof a);
	a.sub = cache_subs[i];
	a.older_ms = a.max_size = -1;
	if ((rc = cache_options(argc - 1, argv + 1, &a)) != 0)
		return rc == -1 ? 0 : rc;
	if ((rc = locate_base("cache", &a.lc, &a.dir)) != 0)
		return rc;
	if (!cache_base_ok(a.dir))
		rc = EXIT_USAGE;
	else if (strcmp(a.sub, "list") == 0)
		rc = cache_list(&a);
	else
		rc = cache_remove(&a);
	free(a.dir);
	return rc;
}
