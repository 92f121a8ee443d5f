/*
 * test-roleargs.c: the command lines of the helper roles (roleargs.c):
 * what a spawner builds parses back to what it was built from, for every
 * role; the exact list and usage line of a pool; and each usage error
 * (unknown, missing, malformed, repeated, stray) is refused with a message
 * that names it.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft.h"

static char	*plugins[] = { "stats=/p/libstats.so", "io=/p/libio.so" };

/* Every member set, as a spawner of any role would. */
static void
fill(struct roleargs *a)
{
	memset(a, 0, sizeof *a);
	a->run = "/tmp/x/.weft/runs/0007";
	a->name = "0007";
	a->db = "/tmp/x/.weft/monitoring.db";
	a->workdir = "/tmp/x";
	a->pool = 3;
	a->jobs = 16;
	a->worker = 5;
	a->parent = 4242;
	a->monitor = 1;
	a->fail_fast = 1;
	a->plugins = plugins;
	a->nplugins = 2;
	a->verbose = 1;
	a->listen = "tcp://head:54000-54100";
	a->connect = "tcp://head:54000";
	a->certs = "/tmp/x/certs";
	a->cores = 8;
	a->memory = "16G";
	a->gpus = "2";
	a->block = "slurm-3";
}

static int
argc_of(char **argv)
{
	int	 n;

	for (n = 0; argv[n] != NULL; n++)
		;
	return n;
}

static void
assert_str_or_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Builds ROLE's list from a full struct, parses it back, compares. */
static void
round_trip(enum role role, const char **absent)
{
	struct roleargs	 in, out;
	char		**argv, *err;
	size_t		 i;

	fill(&in);
	argv = roleargs_argv(role, &in);
	assert_string_equal(argv[0], "weft");
	assert_string_equal(argv[1], roleargs_name(role));
	/* Options the role does not take are left out of its list. */
	for (i = 0; absent[i] != NULL; i++) {
		int	 k;

		for (k = 0; argv[k] != NULL; k++)
			assert_string_not_equal(argv[k], absent[i]);
	}
	assert_int_equal(roleargs_parse(role, argc_of(argv) - 1, argv + 1,
	    &out, &err), 0);
	assert_null(err);
	switch (role) {
	case ROLE_HASH:
		assert_null(out.run);
		assert_int_equal(out.verbose, 0);
		break;
	case ROLE_JOIN:
		assert_null(out.run);
		assert_string_equal(out.connect, in.connect);
		assert_string_equal(out.certs, in.certs);
		assert_int_equal(out.cores, in.cores);
		assert_string_equal(out.memory, in.memory);
		assert_string_equal(out.gpus, in.gpus);
		assert_string_equal(out.block, in.block);
		assert_int_equal(out.verbose, 1);
		break;
	default:
		assert_str_or_null(out.run, in.run);
		assert_str_or_null(out.name, in.name);
		assert_int_equal(out.verbose, 1);
		break;
	}
	if (role == ROLE_DBWRITER)
		assert_string_equal(out.db, in.db);
	else
		assert_null(out.db);
	if (role == ROLE_POOL || role == ROLE_WORKER || role == ROLE_HASH ||
	    role == ROLE_INTERCHANGE)
		assert_string_equal(out.workdir, in.workdir);
	else
		assert_null(out.workdir);
	if (role == ROLE_POOL || role == ROLE_WORKER ||
	    role == ROLE_INTERCHANGE)
		assert_int_equal(out.pool, in.pool);
	else
		assert_int_equal(out.pool, 0);
	assert_int_equal(out.jobs, role == ROLE_POOL || role == ROLE_JOIN ?
	    in.jobs : 0);
	assert_str_or_null(out.listen, role == ROLE_INTERCHANGE ? in.listen :
	    NULL);
	assert_int_equal(out.worker, role == ROLE_WORKER ? in.worker : 0);
	assert_int_equal(out.parent, role == ROLE_WORKER ||
	    role == ROLE_HASH ? in.parent : 0);
	assert_int_equal(out.monitor, role == ROLE_INTERCHANGE);
	assert_int_equal(out.fail_fast, role == ROLE_INTERCHANGE ||
	    role == ROLE_POOL);
	if (role == ROLE_POOL || role == ROLE_WORKER ||
	    role == ROLE_INTERCHANGE) {
		assert_int_equal(out.nplugins, 2);
		for (i = 0; i < 2; i++)
			assert_string_equal(out.plugins[i], plugins[i]);
	} else {
		assert_int_equal(out.nplugins, 0);
		assert_null(out.plugins);
	}
	roleargs_clear(&out);
	roleargs_argv_free(argv);
}

static void
test_round_trip(void **state)
{
	const char	*ix[] = { "--db", "--jobs", "--parent", "--connect",
	    NULL };
	const char	*pool[] = { "--db", "--worker", "--parent",
	    "--monitor", NULL };
	const char	*worker[] = { "--db", "--jobs", "--monitor",
	    "--fail-fast", NULL };
	const char	*router[] = { "--db", "--pool", "--monitor",
	    "--fail-fast", "--plugin", NULL };
	const char	*dbw[] = { "--pool", "--monitor", "--workdir", NULL };
	const char	*hash[] = { "--run", "--name", "-v", "--plugin", NULL };
	const char	*join[] = { "--run", "--name", "--pool", "--plugin",
	    "--listen", "--workdir", NULL };

	(void)state;
	round_trip(ROLE_INTERCHANGE, ix);
	round_trip(ROLE_POOL, pool);
	round_trip(ROLE_WORKER, worker);
	round_trip(ROLE_ROUTER, router);
	round_trip(ROLE_DBWRITER, dbw);
	round_trip(ROLE_HASH, hash);
	round_trip(ROLE_JOIN, join);
}

/* The exact list of a pool, as main starts it: a NULL string left out. */
static void
test_pool_argv(void **state)
{
	const char	*want[] = { "weft", "pool", "--run", "/r", "--pool",
	    "0", "--jobs", "4", "--workdir", "/w", "--plugin", "a=/a.so",
	    NULL };
	struct roleargs	 a;
	char		**argv, *one[] = { "a=/a.so" };
	int		 i;

	(void)state;
	memset(&a, 0, sizeof a);
	a.run = "/r";
	a.jobs = 4;
	a.workdir = "/w";
	a.plugins = one;
	a.nplugins = 1;
	argv = roleargs_argv(ROLE_POOL, &a);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	roleargs_argv_free(argv);
}

static void
test_usage(void **state)
{
	char	*u;

	(void)state;
	u = roleargs_usage(ROLE_POOL);
	assert_string_equal(u, "--run DIR --pool N --jobs N --workdir DIR "
	    "[--name NNNN] [--fail-fast] [--plugin NAME=PATH] [-v]");
	free(u);
	u = roleargs_usage(ROLE_HASH);
	assert_string_equal(u, "--workdir DIR --parent PID");
	free(u);
}

/* Parses the words of LINE (at most 15) as ROLE's; returns the error. */
static char *
parse_err(enum role role, const char *line, struct roleargs *a)
{
	char	*copy, *argv[16], *err, *w, *last;
	int	 argc = 0;

	copy = xstrdup(line);
	for (w = strtok_r(copy, " ", &last); w != NULL && argc < 15;
	    w = strtok_r(NULL, " ", &last))
		argv[argc++] = w;
	argv[argc] = NULL;
	if (roleargs_parse(role, argc, argv, a, &err) == 0) {
		/* A's strings point into COPY: keep the ones we look at. */
		free(copy);
		return NULL;
	}
	free(copy);
	assert_non_null(err);
	assert_null(a->plugins);
	return err;
}

static void
expect_err(enum role role, const char *line, const char *want)
{
	struct roleargs	 a;
	char		*err;

	err = parse_err(role, line, &a);
	if (err == NULL)
		fail_msg("'%s' was accepted", line);
	assert_string_equal(err, want);
	free(err);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_err(ROLE_ROUTER, "router --run /r --bogus",
	    "unknown option '--bogus'");
	/* An option of another role is unknown here. */
	expect_err(ROLE_ROUTER, "router --run /r --db /d",
	    "unknown option '--db'");
	expect_err(ROLE_HASH, "hash --workdir /w --parent 9 -v",
	    "unknown option '-v'");
	/* A prefix is not an abbreviation. */
	expect_err(ROLE_POOL, "pool --run /r --pool 0 --jobs 1 --work /w",
	    "unknown option '--work'");
	expect_err(ROLE_ROUTER, "router --run /r extra",
	    "unexpected argument 'extra'");
	expect_err(ROLE_DBWRITER, "dbwriter --run /r", "--db is required");
	expect_err(ROLE_WORKER, "worker --run /r --pool 0 --worker 1 "
	    "--workdir /w", "--parent is required");
	expect_err(ROLE_DBWRITER, "dbwriter --run /r --db",
	    "--db needs a value");
	expect_err(ROLE_POOL, "pool --run /r --pool x --jobs 1 --workdir /w",
	    "--pool: 'x' is not a number from 0 to 2147483647");
	expect_err(ROLE_POOL, "pool --run /r --pool 0 --jobs 0 --workdir /w",
	    "--jobs: '0' is not a number from 1 to 4096");
	expect_err(ROLE_POOL, "pool --run /r --pool 0 --jobs 4097 "
	    "--workdir /w", "--jobs: '4097' is not a number from 1 to 4096");
	expect_err(ROLE_POOL, "pool --run /r --pool -1 --jobs 1 --workdir /w",
	    "--pool: '-1' is not a number from 0 to 2147483647");
	expect_err(ROLE_POOL, "pool --run /r --pool 2x --jobs 1 --workdir /w",
	    "--pool: '2x' is not a number from 0 to 2147483647");
	expect_err(ROLE_HASH, "hash --workdir /w --parent 1",
	    "--parent: '1' is not a number from 2 to 2147483647");
	expect_err(ROLE_INTERCHANGE, "interchange --run /r --monitor=yes",
	    "--monitor takes no value");
	expect_err(ROLE_ROUTER, "router --run /r --run /s",
	    "--run given twice");
	/* An error after a --plugin frees what was gathered (ASan). */
	expect_err(ROLE_WORKER, "worker --plugin a=/a --run /r --bad",
	    "unknown option '--bad'");
}

/* "--opt=value", "--verbose" and repeated --plugin are accepted. */
static void
test_forms(void **state)
{
	struct roleargs	 a;
	char		*argv[] = { "pool", "--run=/r", "--pool", "2",
	    "--jobs=8", "--workdir", "/w", "--plugin", "a=/a", "--verbose",
	    "--plugin=b=/b", "--name", "0001", NULL };
	char		*err;

	(void)state;
	assert_int_equal(roleargs_parse(ROLE_POOL, 13, argv, &a, &err), 0);
	assert_string_equal(a.run, "/r");
	assert_int_equal(a.pool, 2);
	assert_int_equal(a.jobs, 8);
	assert_string_equal(a.workdir, "/w");
	assert_int_equal(a.verbose, 1);
	assert_int_equal(a.nplugins, 2);
	assert_string_equal(a.plugins[0], "a=/a");
	assert_string_equal(a.plugins[1], "b=/b");
	assert_string_equal(a.name, "0001");
	assert_int_equal(a.fail_fast, 0);
	roleargs_clear(&a);
	assert_null(a.plugins);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_pool_argv),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
