/*
 * roleargs.c: the command lines of the helper roles (interchange, pool,
 * worker, router, dbwriter, hash), described once.  The same tables build
 * the argument list that a role is re-executed with (run-supervise.c for
 * main's helpers, pool-workers.c for a pool's workers, resume.c for the
 * hasher) and parse it in the role's main (interchange.c, pool.c,
 * worker.c, router.c, dbwriter.c, hasher.c), so the two cannot drift.
 *
 * Every option of every role is one member of struct roleargs (weft.h);
 * a role takes the options its row names and requires some of them.
 * Parsing is strict: an option the role does not take, a missing
 * required one, a value that is not a number in range, a repeated
 * option or a stray argument is a usage error.
 */

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

enum ra_kind { RA_STR, RA_INT, RA_FLAG, RA_LIST };

/* One option: "--NAME VALUE", or "--NAME" (or "-LETTER") for a flag. */
struct roleopt {
	const char	*name;
	enum ra_kind	 kind;
	size_t		 off;		/* the member of struct roleargs */
	size_t		 count;		/* a list's count member */
	const char	*meta;		/* the value in the usage line */
	int		 min, max;	/* an integer's range */
	char		 letter;	/* a flag's short form, or 0 */
};

#define RA(m)	offsetof(struct roleargs, m)
enum {
	O_RUN, O_NAME, O_DB, O_POOL, O_JOBS, O_WORKER, O_WORKDIR, O_PARENT,
	O_MONITOR, O_FAIL_FAST, O_PLUGIN, O_VERBOSE, O_LISTEN, O_CONNECT,
	O_CERTS, O_CORES, O_MEMORY, O_GPUS, O_BLOCK, O_COUNT
};
static const struct roleopt opts[O_COUNT] = {
	[O_RUN] = { "run", RA_STR, RA(run), 0, "DIR", 0, 0, 0 },
	[O_NAME] = { "name", RA_STR, RA(name), 0, "NNNN", 0, 0, 0 },
	[O_DB] = { "db", RA_STR, RA(db), 0, "PATH", 0, 0, 0 },
	[O_POOL] = { "pool", RA_INT, RA(pool), 0, "N", 0, INT_MAX, 0 },
	[O_JOBS] = { "jobs", RA_INT, RA(jobs), 0, "N", 1, WEFT_MAX_JOBS, 0 },
	[O_WORKER] = { "worker", RA_INT, RA(worker), 0, "N", 0, INT_MAX, 0 },
	[O_WORKDIR] = { "workdir", RA_STR, RA(workdir), 0, "DIR", 0, 0, 0 },
	[O_PARENT] = { "parent", RA_INT, RA(parent), 0, "PID", 2, INT_MAX,
	    0 },
	[O_MONITOR] = { "monitor", RA_FLAG, RA(monitor), 0, NULL, 0, 0, 0 },
	[O_FAIL_FAST] = { "fail-fast", RA_FLAG, RA(fail_fast), 0, NULL, 0, 0,
	    0 },
	[O_PLUGIN] = { "plugin", RA_LIST, RA(plugins), RA(nplugins),
	    "NAME=PATH", 0, 0, 0 },
	[O_VERBOSE] = { "verbose", RA_FLAG, RA(verbose), 0, NULL, 0, 0, 'v' },
	[O_LISTEN] = { "listen", RA_STR, RA(listen), 0, "tcp://HOST:PORT", 0,
	    0, 0 },
	[O_CONNECT] = { "connect", RA_STR, RA(connect), 0, "tcp://HOST:PORT",
	    0, 0, 0 },
	[O_CERTS] = { "certs", RA_STR, RA(certs), 0, "PATH", 0, 0, 0 },
	[O_CORES] = { "cores", RA_INT, RA(cores), 0, "N", 1, WEFT_MAX_JOBS,
	    0 },
	[O_MEMORY] = { "memory", RA_STR, RA(memory), 0, "SIZE", 0, 0, 0 },
	[O_GPUS] = { "gpus", RA_STR, RA(gpus), 0, "N", 0, 0, 0 },
	[O_BLOCK] = { "block", RA_STR, RA(block), 0, "ID", 0, 0, 0 },
};

/* The roles: the options each takes, and those it cannot do without. */
#define O(o)	(1u << (o))
static const struct {
	const char	*name;
	unsigned	 takes;
	unsigned	 needs;
} roles[] = {
	[ROLE_INTERCHANGE] = { "interchange",
	    O(O_RUN) | O(O_NAME) | O(O_MONITOR) | O(O_FAIL_FAST) |
	    O(O_VERBOSE) | O(O_LISTEN) | O(O_WORKDIR) | O(O_PLUGIN) |
	    O(O_POOL), O(O_RUN) },
	[ROLE_POOL] = { "pool",
	    O(O_RUN) | O(O_NAME) | O(O_POOL) | O(O_JOBS) | O(O_WORKDIR) |
	    O(O_FAIL_FAST) | O(O_PLUGIN) | O(O_VERBOSE),
	    O(O_RUN) | O(O_POOL) | O(O_JOBS) | O(O_WORKDIR) },
	[ROLE_WORKER] = { "worker",
	    O(O_RUN) | O(O_NAME) | O(O_POOL) | O(O_WORKER) | O(O_WORKDIR) |
	    O(O_PARENT) | O(O_PLUGIN) | O(O_VERBOSE),
	    O(O_RUN) | O(O_POOL) | O(O_WORKER) | O(O_WORKDIR) | O(O_PARENT) },
	[ROLE_ROUTER] = { "router",
	    O(O_RUN) | O(O_NAME) | O(O_VERBOSE), O(O_RUN) },
	[ROLE_DBWRITER] = { "dbwriter",
	    O(O_RUN) | O(O_NAME) | O(O_DB) | O(O_VERBOSE), O(O_RUN) | O(O_DB) },
	[ROLE_JOIN] = { "pool",
	    O(O_CONNECT) | O(O_CERTS) | O(O_JOBS) | O(O_CORES) | O(O_MEMORY) |
	    O(O_GPUS) | O(O_BLOCK) | O(O_VERBOSE), O(O_CONNECT) | O(O_CERTS) },
	[ROLE_HASH] = { "hash",
	    O(O_WORKDIR) | O(O_PARENT), O(O_WORKDIR) | O(O_PARENT) },
};

/* Where option O goes in A (only read from when A is const). */
#define MEMBER(a, o, type)	((type *)((char *)(a) + opts[o].off))
#define COUNT(a, o)		((size_t *)((char *)(a) + opts[o].count))

const char *
roleargs_name(enum role role)
{
	return roles[role].name;
}

/*
 * The argument list that runs ROLE with A: "weft ROLE --run DIR ...", in
 * the order of the options table.  Strings and integers are given when
 * the role takes them (a NULL string is left out), flags when set, a list
 * once per element.  A required string left NULL is a bug of the caller.
 * Owned by the caller: roleargs_argv_free.
 */
char **
roleargs_argv(enum role role, const struct roleargs *a)
{
	char		**argv, **list;
	const char	 *s;
	size_t		  n, i, k, cap;

	cap = 2 + 2 * O_COUNT + 2 * a->nplugins + 1;
	argv = xcalloc(cap, sizeof *argv);
	n = 0;
	argv[n++] = xstrdup("weft");
	argv[n++] = xstrdup(roles[role].name);
	for (i = 0; i < O_COUNT; i++) {
		if ((roles[role].takes & O(i)) == 0)
			continue;
		switch (opts[i].kind) {
		case RA_STR:
			s = *MEMBER(a, i, const char *);
			if (s == NULL) {
				if (roles[role].needs & O(i))
					fatalx("weft %s needs --%s",
					    roles[role].name, opts[i].name);
				break;
			}
			argv[n++] = xprintf("--%s", opts[i].name);
			argv[n++] = xstrdup(s);
			break;
		case RA_INT:
			argv[n++] = xprintf("--%s", opts[i].name);
			argv[n++] = xprintf("%d", *MEMBER(a, i, int));
			break;
		case RA_FLAG:
			if (*MEMBER(a, i, int) == 0)
				break;
			argv[n++] = opts[i].letter != 0 ?
			    xprintf("-%c", opts[i].letter) :
			    xprintf("--%s", opts[i].name);
			break;
		case RA_LIST:
			list = *MEMBER(a, i, char **);
			for (k = 0; k < *COUNT(a, i); k++) {
				argv[n++] = xprintf("--%s", opts[i].name);
				argv[n++] = xstrdup(list[k]);
			}
			break;
		}
	}
	argv[n] = NULL;
	return argv;
}

void
roleargs_argv_free(char **argv)
{
	size_t	 i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* "--run DIR --db PATH [--name NNNN] [-v]": required ones first. */
char *
roleargs_usage(enum role role)
{
	char		*s, *t, *one;
	size_t		 i;
	int		 pass, need;

	s = xstrdup("");
	for (pass = 1; pass >= 0; pass--) {
		for (i = 0; i < O_COUNT; i++) {
			if ((roles[role].takes & O(i)) == 0)
				continue;
			need = (roles[role].needs & O(i)) != 0;
			if (need != pass)
				continue;
			if (opts[i].kind == RA_FLAG && opts[i].letter != 0)
				one = xprintf("-%c", opts[i].letter);
			else if (opts[i].kind == RA_FLAG)
				one = xprintf("--%s", opts[i].name);
			else
				one = xprintf("--%s %s", opts[i].name,
				    opts[i].meta);
			t = xprintf("%s%s%s%s%s", s, *s != '\0' ? " " : "",
			    need ? "" : "[", one, need ? "" : "]");
			free(one);
			free(s);
			s = t;
		}
	}
	return s;
}

/* The option ARG names among ROLE's, its "=VALUE" in *value; or -1. */
static int
find_opt(enum role role, const char *arg, const char **value)
{
	size_t	 i, len;

	*value = NULL;
	for (i = 0; i < O_COUNT; i++) {
		if ((roles[role].takes & O(i)) == 0)
			continue;
		if (opts[i].letter != 0 && arg[0] == '-' &&
		    arg[1] == opts[i].letter && arg[2] == '\0')
			return i;
		if (arg[0] != '-' || arg[1] != '-')
			continue;
		len = strlen(opts[i].name);
		if (strncmp(arg + 2, opts[i].name, len) != 0)
			continue;
		if (arg[2 + len] == '=') {
			*value = arg + 2 + len + 1;
			return i;
		}
		if (arg[2 + len] == '\0')
			return i;
	}
	return -1;
}

void
roleargs_clear(struct roleargs *a)
{
	free(a->plugins);
	memset(a, 0, sizeof *a);
}

/*
 * Parses ARGV (ARGV[0] is the role's name, as weft.c passes it) into A,
 * which holds pointers into ARGV and an array of its own (roleargs_clear).
 * On a usage error, returns -1 with what is wrong in *err (to free) and A
 * cleared.
 */
int
roleargs_parse(enum role role, int argc, char **argv, struct roleargs *a,
    char **err)
{
	const char	*value;
	char		**list;
	size_t		*count;
	unsigned	 seen = 0;
	int		 i, o;

	memset(a, 0, sizeof *a);
	*err = NULL;
	for (i = 1; i < argc; i++) {
		if ((o = find_opt(role, argv[i], &value)) == -1) {
			*err = argv[i][0] == '-' ?
			    xprintf("unknown option '%s'", argv[i]) :
			    xprintf("unexpected argument '%s'", argv[i]);
			goto fail;
		}
		if ((seen & O(o)) && opts[o].kind != RA_LIST) {
			*err = xprintf("--%s given twice", opts[o].name);
			goto fail;
		}
		seen |= O(o);
		if (opts[o].kind == RA_FLAG) {
			if (value != NULL) {
				*err = xprintf("--%s takes no value",
				    opts[o].name);
				goto fail;
			}
			*MEMBER(a, o, int) = 1;
			continue;
		}
		if (value == NULL) {
			if (i + 1 == argc) {
				*err = xprintf("--%s needs a value",
				    opts[o].name);
				goto fail;
			}
			value = argv[++i];
		}
		switch (opts[o].kind) {
		case RA_STR:
			*MEMBER(a, o, const char *) = value;
			break;
		case RA_INT:
			if (parse_number(value, opts[o].min, opts[o].max,
			    MEMBER(a, o, int)) == -1) {
				*err = xprintf("--%s: '%s' is not a number "
				    "from %d to %d", opts[o].name, value,
				    opts[o].min, opts[o].max);
				goto fail;
			}
			break;
		case RA_LIST:
			list = *MEMBER(a, o, char **);
			count = COUNT(a, o);
			if (list == NULL)
				list = xcalloc(argc, sizeof *list);
			list[(*count)++] = (char *)value;
			*MEMBER(a, o, char **) = list;
			break;
		case RA_FLAG:
			break;
		}
	}
	for (o = 0; o < O_COUNT; o++) {
		if ((roles[role].needs & O(o)) && !(seen & O(o))) {
			*err = xprintf("--%s is required", opts[o].name);
			goto fail;
		}
	}
	return 0;
fail:
	roleargs_clear(a);
	return -1;
}

/* As roleargs_parse, but a usage error ends the role with status 2. */
void
roleargs_get(enum role role, int argc, char **argv, struct roleargs *a)
{
	char	*err, *usage;

	if (roleargs_parse(role, argc, argv, a, &err) == 0)
		return;
	usage = roleargs_usage(role);
	fprintf(stderr, "weft %s: %s\nusage: weft %s %s\n", roles[role].name,
	    err, roles[role].name, usage);
	free(usage);
	free(err);
	exit(EXIT_USAGE);
}
