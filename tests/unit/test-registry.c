/*
 * test-registry.c: helpers.json (registry.c) written and read back, as
 * main writes it and "weft status" reads it; a malformed or missing file
 * is refused, entries that lack a field are skipped.
 */

#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "weft.h"

static char	 dir[] = "/tmp/weft-test-registry.XXXXXX";

/* DIR/NAME, in a static buffer. */
static const char *
at(const char *name)
{
	static char	 path[256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static void
put(const char *name, const char *text)
{
	FILE	*f;

	assert_non_null(f = fopen(at(name), "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* How many entries DIR holds, besides . and .. */
static int
entries(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static const struct registry_proc procs[] = {
	{ "main", "main", "running", 100, 12345, 0 },
	{ "interchange", "interchange", "running", 101, 12350, 0 },
	{ "pool-0", "pool", "restarting", 102, 12360, 2 },
	{ "router", "router", "given up", 103, 1LL << 40, 5 },
};
#define NPROCS	(sizeof procs / sizeof procs[0])

static void
test_round_trip(void **state)
{
	struct registry	 reg;
	size_t		 i;

	(void)state;
	assert_int_equal(registry_write(at("helpers.json"), "0007", procs,
	    NPROCS), 0);
	/* Written by rename: no temporary file is left beside it. */
	assert_int_equal(entries(), 1);
	assert_int_equal(registry_read(at("helpers.json"), &reg), 0);
	assert_non_null(reg.doc);
	assert_int_equal(reg.listed, 1);
	assert_int_equal(json_integer_value(json_object_get(reg.doc,
	    "version")), 1);
	assert_string_equal(json_string_value(json_object_get(reg.doc,
	    "run")), "0007");
	assert_int_equal(reg.nprocs, NPROCS);
	for (i = 0; i < NPROCS; i++) {
		assert_string_equal(reg.procs[i].name, procs[i].name);
		assert_string_equal(reg.procs[i].role, procs[i].role);
		assert_string_equal(reg.procs[i].state, procs[i].state);
		assert_int_equal(reg.procs[i].pid, procs[i].pid);
		assert_true(reg.procs[i].start == procs[i].start);
		assert_int_equal(reg.procs[i].restarts, procs[i].restarts);
	}
	registry_free(&reg);
	assert_null(reg.doc);
	assert_int_equal(reg.nprocs, 0);

	/* Rewritten: the new list replaces the old one. */
	assert_int_equal(registry_write(at("helpers.json"), "0007", procs + 2,
	    1), 0);
	assert_int_equal(registry_read(at("helpers.json"), &reg), 0);
	assert_int_equal(reg.nprocs, 1);
	assert_string_equal(reg.procs[0].name, "pool-0");
	assert_int_equal(reg.procs[0].restarts, 2);
	registry_free(&reg);

	/* An empty list is a list. */
	assert_int_equal(registry_write(at("helpers.json"), "0008", procs,
	    0), 0);
	assert_int_equal(registry_read(at("helpers.json"), &reg), 0);
	assert_int_equal(reg.listed, 1);
	assert_int_equal(reg.nprocs, 0);
	registry_free(&reg);
	assert_int_equal(unlink(at("helpers.json")), 0);
}

static void
test_write_fails(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(registry_write(at("nowhere/helpers.json"), "0007",
	    procs, NPROCS), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(entries(), 0);
}

static void
test_refused(void **state)
{
	struct registry	 reg;

	(void)state;
	assert_int_equal(registry_read(at("missing.json"), &reg), -1);
	assert_null(reg.doc);
	assert_int_equal(reg.listed, 0);
	assert_int_equal(reg.nprocs, 0);

	put("bad.json", "{\"version\": 1, \"processes\": [{\"name\": ");
	assert_int_equal(registry_read(at("bad.json"), &reg), -1);
	assert_null(reg.doc);
	assert_int_equal(reg.listed, 0);
	assert_int_equal(reg.nprocs, 0);
	registry_free(&reg);

	put("bad.json", "");
	assert_int_equal(registry_read(at("bad.json"), &reg), -1);
	assert_int_equal(reg.listed, 0);
	registry_free(&reg);
	assert_int_equal(unlink(at("bad.json")), 0);
}

static void
test_partial(void **state)
{
	struct registry	 reg;

	(void)state;
	/* Readable, but no list: main alone is known. */
	put("odd.json", "{\"version\": 1, \"processes\": {}}");
	assert_int_equal(registry_read(at("odd.json"), &reg), 0);
	assert_non_null(reg.doc);
	assert_int_equal(reg.listed, 0);
	assert_int_equal(reg.nprocs, 0);
	registry_free(&reg);

	/* Entries that lack a field, or are not objects, are skipped. */
	put("odd.json", "{\"processes\": [5, {\"name\": \"x\"}, "
	    "{\"name\": \"a\", \"role\": \"pool\", \"state\": \"running\", "
	    "\"pid\": 9, \"start\": 10, \"restarts\": 1}, "
	    "{\"name\": \"b\", \"role\": \"pool\", \"state\": \"running\", "
	    "\"pid\": \"9\", \"start\": 10, \"restarts\": 1}]}");
	assert_int_equal(registry_read(at("odd.json"), &reg), 0);
	assert_int_equal(reg.listed, 1);
	assert_int_equal(reg.nprocs, 1);
	assert_string_equal(reg.procs[0].name, "a");
	assert_int_equal(reg.procs[0].pid, 9);
	assert_true(reg.procs[0].start == 10);
	registry_free(&reg);
	assert_int_equal(unlink(at("odd.json")), 0);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_write_fails),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_partial),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
