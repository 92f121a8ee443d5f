/*
 * test-workflow.c: the loader.  Each test writes a small workflow into a
 * private temporary directory and checks what was read, or the exact
 * "file:line:col: message" reported.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "weft.h"

static char	 tmpdir[] = "/tmp/weft-test-workflow.XXXXXX";
static char	*written[64];
static size_t	 nwritten;

static int
setup(void **state)
{
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	size_t	 i;

	for (i = 0; i < nwritten; i++) {
		unlink(written[i]);
		free(written[i]);
	}
	rmdir(tmpdir);
	return 0;
}

/* Writes text to NAME in the temporary directory; returns the path. */
static const char *
write_file(const char *name, const char *text)
{
	FILE	*f;
	char	*path;
	size_t	 i;

	path = xprintf("%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	for (i = 0; i < nwritten; i++) {
		if (strcmp(written[i], path) == 0) {
			free(path);
			return written[i];
		}
	}
	assert_true(nwritten < sizeof written / sizeof written[0]);
	written[nwritten++] = path;
	return path;
}

static struct workflow *
load_ok(const char *text, enum wf_mode mode)
{
	struct workflow	*wf = NULL;
	char		*err = NULL;
	const char	*path;

	path = write_file("ok.yaml", text);
	if (workflow_load(path, "ok.yaml", NULL, mode, &wf, &err) != 0) {
		print_error("unexpected error: %s\n", err);
		free(err);
		fail();
	}
	assert_null(err);
	assert_non_null(wf);
	return wf;
}

/* Loads text as t.yaml, expecting exactly the error lines in want. */
static void
load_err(const char *text, enum wf_mode mode, const char *want)
{
	struct workflow	*wf = NULL;
	char		*err = NULL;
	const char	*path;

	path = write_file("t.yaml", text);
	assert_int_equal(workflow_load(path, "t.yaml", NULL, mode, &wf, &err),
	    -1);
	assert_null(wf);
	assert_non_null(err);
	assert_string_equal(err, want);
	free(err);
}

static const char good[] =
    "weft: 1\n"
    "name: pi\n"
    "config:\n"
    "  jobs: 4\n"
    "  retries: 2\n"
    "  monitoring: true\n"
    "  provider: {kind: local, pools: 3}\n"
    "env: {OMP_NUM_THREADS: \"1\", EMPTY: \"\"}\n"
    "plugins:\n"
    "  stats: plugins/libstats.so\n"
    "apps:\n"
    "  simulate:\n"
    "    command: ./sim --seed {seed} > {out}\n"
    "    walltime: 60s\n"
    "    retries: 5\n"
    "  mean:\n"
    "    command: cat {inputs} > {outputs}\n"
    "main:\n"
    "  - id: sim\n"
    "    app: simulate\n"
    "    foreach: {seed: [1, 2, 3], n: \"-1..1\"}\n"
    "    args: {out: \"out/sim-{seed}.txt\"}\n"
    "    outputs: [\"out/sim-{seed}.txt\"]\n"
    "  - id: mean\n"
    "    app: mean\n"
    "    inputs: \"{sim.outputs}\"\n"
    "    outputs: mean.txt\n"
    "    needs: [sim]\n";

static void
test_full(void **state)
{
	struct workflow		*wf;
	const struct wf_call	*c;
	const struct wf_app	*app;
	char			 real[PATH_MAX];

	wf = load_ok(good, WF_FULL);
	assert_int_equal(wf->version, 1);
	assert_string_equal(wf->name, "pi");
	assert_string_equal(wf->display, "ok.yaml");
	assert_non_null(realpath(tmpdir, real));
	assert_string_equal(wf->dir, real);
	assert_int_equal(wf->jobs, 4);
	assert_int_equal(wf->retries, 2);
	assert_string_equal(wf->provider, "local");
	assert_int_equal(wf->pools, 3);
	assert_int_equal(wf->nenv, 2);
	assert_string_equal(wf->env[0].key, "OMP_NUM_THREADS");
	assert_string_equal(wf->env[0].value, "1");
	assert_string_equal(wf->env[1].value, "");
	assert_int_equal(wf->nplugins, 1);
	assert_string_equal(wf->plugins[0].name, "stats");
	assert_string_equal(wf->plugins[0].path, "plugins/libstats.so");
	assert_int_equal(wf->plugins[0].mark.line, 10);

	assert_int_equal(wf->napps, 2);
	app = workflow_find_app(wf, "simulate");
	assert_non_null(app);
	assert_string_equal(app->command, "./sim --seed {seed} > {out}");
	assert_int_equal(app->command_mark.line, 13);
	assert_int_equal(app->command_mark.col, 14);
	assert_int_equal(app->command_mark.text_col, 14);
	assert_string_equal(app->walltime, "60s");
	assert_int_equal(app->walltime_ms, 60000);
	assert_int_equal(app->retries, 5);
	assert_int_equal(workflow_find_app(wf, "mean")->retries, -1);
	assert_null(workflow_find_app(wf, "nope"));

	assert_int_equal(wf->has_main, 1);
	assert_int_equal(wf->main_events_skipped, 0);
	assert_int_equal(wf->ncalls, 2);
	c = &wf->calls[0];
	assert_string_equal(c->id, "sim");
	assert_int_equal(c->mark.line, 19);
	assert_int_equal(c->mark.col, 5);
	assert_string_equal(c->app, "simulate");
	assert_int_equal(c->nforeach, 2);
	assert_string_equal(c->foreach[0].key, "seed");
	assert_int_equal(c->foreach[0].nvalues, 3);
	assert_string_equal(c->foreach[0].values[2], "3");
	assert_string_equal(c->foreach[1].key, "n");
	assert_int_equal(c->foreach[1].nvalues, 3);
	assert_string_equal(c->foreach[1].values[0], "-1");
	assert_string_equal(c->foreach[1].values[1], "0");
	assert_string_equal(c->foreach[1].values[2], "1");
	assert_int_equal(c->nargs, 1);
	assert_string_equal(c->args[0].key, "out");
	assert_string_equal(c->args[0].value, "out/sim-{seed}.txt");
	assert_int_equal(c->noutputs, 1);
	c = &wf->calls[1];
	assert_int_equal(c->ninputs, 1);
	assert_string_equal(c->inputs[0].s, "{sim.outputs}");
	assert_int_equal(c->inputs[0].mark.line, 26);
	assert_int_equal(c->inputs[0].mark.col, 13);
	assert_int_equal(c->inputs[0].mark.text_col, 14);
	assert_int_equal(c->noutputs, 1);
	assert_string_equal(c->outputs[0].s, "mean.txt");
	assert_int_equal(c->nneeds, 1);
	assert_string_equal(c->needs[0].s, "sim");
	workflow_free(&wf);
	assert_null(wf);
}

static void
test_definitions_skip_main(void **state)
{
	struct workflow	*wf;

	wf = load_ok(good, WF_DEFINITIONS);
	assert_int_equal(wf->ncalls, 0);
	assert_null(wf->calls);
	assert_int_equal(wf->has_main, 0);
	assert_true(wf->main_events_skipped > 0);
	assert_int_equal(wf->napps, 2);
	assert_int_equal(wf->jobs, 4);
	workflow_free(&wf);

	/* The main body is never read, so its mistakes do not matter here. */
	wf = load_ok("weft: 1\n"
	    "main:\n"
	    "  - {bogus: key, app: nowhere}\n"
	    "  - 42\n"
	    "apps: {a: {command: echo}}\n", WF_DEFINITIONS);
	/* Sequence start, mapping start, 4 scalars, mapping end, 42, end. */
	assert_int_equal(wf->main_events_skipped, 9);
	assert_int_equal(wf->napps, 1);
	workflow_free(&wf);

	load_err("weft: 1\n"
	    "main:\n"
	    "  - {bogus: key, app: nowhere}\n"
	    "apps: {a: {command: echo}}\n", WF_FULL,
	    "t.yaml:3:5: missing 'id' in main entry 1\n"
	    "t.yaml:3:6: unknown key 'bogus' in main entry 1\n"
	    "t.yaml:3:23: unknown app 'nowhere'");

	/* A scalar main is one event. */
	wf = load_ok("weft: 1\nmain: x\n", WF_DEFINITIONS);
	assert_int_equal(wf->main_events_skipped, 1);
	workflow_free(&wf);
}

static void
test_default_name(void **state)
{
	struct workflow	*wf = NULL;
	char		*err = NULL;
	const char	*path;

	path = write_file("my-flow.yml", "weft: 1\napps: {}\nmain: "
	    "[{id: a, app: x}]\n");
	assert_int_equal(workflow_load(path, NULL, NULL, WF_DEFINITIONS, &wf,
	    &err), 0);
	assert_string_equal(wf->name, "my-flow");
	assert_string_equal(wf->display, path);
	assert_int_equal(wf->jobs, 0);
	assert_int_equal(wf->pools, 1);
	assert_string_equal(wf->provider, "local");
	workflow_free(&wf);

	assert_int_equal(workflow_load(path, NULL, "/", WF_DEFINITIONS, &wf,
	    &err), 0);
	assert_string_equal(wf->dir, "/");
	workflow_free(&wf);
}

static void
test_unreadable(void **state)
{
	struct workflow	*wf = NULL;
	char		*err = NULL;
	char		*path;

	path = xprintf("%s/missing.yaml", tmpdir);
	assert_int_equal(workflow_load(path, "missing.yaml", NULL, WF_FULL,
	    &wf, &err), -1);
	assert_string_equal(err, "weft: cannot read 'missing.yaml': No such "
	    "file or directory");
	free(err);
	free(path);
	assert_int_equal(workflow_load(tmpdir, "d", NULL, WF_FULL, &wf, &err),
	    -1);
	assert_string_equal(err, "weft: cannot read 'd': Is a directory");
	free(err);
	assert_null(wf);
}

static void
test_malformed(void **state)
{
	load_err("weft: 1\napps: {a: {command: \"echo [\" }\nmain: []\n",
	    WF_FULL, "t.yaml:3:1: malformed YAML: did not find expected ',' "
	    "or '}' (while parsing a flow mapping)");
	load_err("weft: 1\nname: \"abc\n", WF_FULL,
	    "t.yaml:3:1: malformed YAML: found unexpected end of stream "
	    "(while scanning a quoted scalar)");
	load_err("weft: 1\n  bad: indent\n", WF_DEFINITIONS,
	    "t.yaml:2:6: malformed YAML: mapping values are not allowed in "
	    "this context");
	/* Malformed YAML inside main is caught in definitions mode too. */
	load_err("weft: 1\nmain: [a, b\n", WF_DEFINITIONS,
	    "t.yaml:3:1: malformed YAML: did not find expected ',' or ']' "
	    "(while parsing a flow sequence)");
}

static void
test_garbage(void **state)
{
	load_err("weft: 1\nname: \xff\xfe\n", WF_FULL,
	    "t.yaml:2:7: malformed YAML: invalid leading UTF-8 octet "
	    "(byte 0xff)");
	load_err("\x7f" "ELF\x02\x01\x01", WF_FULL,
	    "t.yaml:1:1: malformed YAML: control characters are not allowed "
	    "(byte 0x7f)");
	load_err("weft: 1\n---\nweft: 1\n", WF_FULL,
	    "t.yaml:2:1: a workflow file holds one YAML document, not "
	    "several");
	load_err("", WF_FULL, "t.yaml:1:1: missing 'weft: 1'");
	load_err("- a\n- b\n", WF_FULL, "t.yaml:1:1: a workflow must be a "
	    "mapping, not a list");
}

static void
test_huge_scalar(void **state)
{
	size_t	 n = 2 * 1024 * 1024;
	char	*text, *want;

	text = xmalloc(n + 64);
	memcpy(text, "weft: 1\nname: ", 14);
	memset(text + 14, 'a', n);
	strcpy(text + 14 + n, "\n");
	want = xprintf("t.yaml:2:7: value too long (%zu bytes, limit 1048576)",
	    n);
	load_err(text, WF_FULL, want);
	free(want);
	free(text);
}

static void
test_deep_nesting(void **state)
{
	char	*text, *p;
	int	 i;

	text = xmalloc(512);
	p = text + sprintf(text, "weft: 1\nx: ");
	for (i = 0; i < 100; i++)
		*p++ = '[';
	for (i = 0; i < 100; i++)
		*p++ = ']';
	strcpy(p, "\n");
	load_err(text, WF_FULL, "t.yaml:2:67: nesting deeper than 64 levels");
	free(text);
}

/* Found by fuzzing: an error is one line, whatever the file holds. */
static void
test_controls_in_messages(void **state)
{
	load_err("weft: 1\napps:\n  c: {command: echo}\nmain:\n"
	    "  - {id: \"x\\nfake.yaml:1:1: fine\", app: c}\n", WF_FULL,
	    "t.yaml:5:10: invalid task id 'x\\nfake.yaml:1:1: fine' (letters, "
	    "digits, '_' and '-', not starting with a digit or '-')");
	load_err("weft: 1\nappz\t\\x01: {}\n", WF_DEFINITIONS,
	    "t.yaml:2:1: unknown key 'appz\\t\\x01' at top level");
}

static void
test_unknown_key(void **state)
{
	load_err("weft: 1\nconfig: {jobz: 3}\napps: {a: {command: echo}}\n"
	    "main: [{id: t, app: a}]\n", WF_FULL,
	    "t.yaml:2:10: unknown key 'jobz' in config (did you mean 'jobs'?)");
	load_err("weft: 1\nappz: {}\n", WF_DEFINITIONS,
	    "t.yaml:2:1: unknown key 'appz' at top level (did you mean "
	    "'apps'?)");
	load_err("weft: 1\nconfig:\n  provider: {kind: local, bogus: 1}\n",
	    WF_DEFINITIONS,
	    "t.yaml:3:27: unknown key 'bogus' in config.provider");
	load_err("weft: 1\napps:\n  sim:\n    comand: echo\n", WF_DEFINITIONS,
	    "t.yaml:3:3: app 'sim' has no 'command' (or 'function')\n"
	    "t.yaml:4:5: unknown key 'comand' in app 'sim' (did you mean "
	    "'command'?)");
	load_err("weft: 1\napps: {a: {command: echo}}\n"
	    "main:\n  - id: t\n    app: a\n    output: x\n", WF_FULL,
	    "t.yaml:6:5: unknown key 'output' in task 't' (did you mean "
	    "'outputs'?)");
}

static void
test_wrong_type(void **state)
{
	load_err("weft: 1\nconfig:\n  jobs: many\n", WF_DEFINITIONS,
	    "t.yaml:3:9: 'jobs' must be an integer from 1 to 4096");
	load_err("weft: 1\nconfig:\n  jobs: 5000\n  retries: -1\n"
	    "  provider: {pools: 300}\n", WF_DEFINITIONS,
	    "t.yaml:3:9: 'jobs' must be an integer from 1 to 4096\n"
	    "t.yaml:4:12: 'retries' must be an integer >= 0\n"
	    "t.yaml:5:21: 'pools' must be an integer from 0 to 256");
	load_err("weft: 1\nconfig:\n  jobs: \"4\"\n", WF_DEFINITIONS,
	    "t.yaml:3:9: 'jobs' must be an integer from 1 to 4096");
	load_err("weft: 1\napps: [a, b]\n", WF_DEFINITIONS,
	    "t.yaml:2:7: 'apps' must be a mapping, not a list");
	load_err("weft: 1\napps: {a: {command: [x]}}\n", WF_DEFINITIONS,
	    "t.yaml:2:21: 'command' must be a string, not a list");
	load_err("weft: 1\nconfig: {monitoring: 3}\n", WF_DEFINITIONS,
	    "t.yaml:2:22: 'monitoring' must be true or false");
	load_err("weft: 1\napps: {a: {command: echo}}\n"
	    "main:\n  - id: t\n    app: a\n    inputs: {a: b}\n", WF_FULL,
	    "t.yaml:6:13: 'inputs' must be a string or a list of strings, "
	    "not a mapping");
	load_err("weft: 1\nmain: {a: b}\n", WF_FULL,
	    "t.yaml:2:7: 'main' must be a list, not a mapping");
}

static void
test_version(void **state)
{
	load_err("name: x\napps: {}\n", WF_DEFINITIONS,
	    "t.yaml:1:1: missing 'weft: 1'");
	load_err("weft: 2\n", WF_DEFINITIONS,
	    "t.yaml:1:7: unsupported format version 2 (this weft reads "
	    "version 1)");
	load_err("weft: one\n", WF_DEFINITIONS,
	    "t.yaml:1:7: unsupported format version 'one' (this weft reads "
	    "version 1)");
}

static void
test_unknown_app(void **state)
{
	load_err("weft: 1\napps:\n  simulate: {command: echo}\n"
	    "main:\n  - id: t\n    app: simulat\n  - id: u\n    app: zzz\n",
	    WF_FULL,
	    "t.yaml:6:10: unknown app 'simulat' (did you mean 'simulate'?)\n"
	    "t.yaml:8:10: unknown app 'zzz'");
	load_err("weft: 1\napps:\n  f: {function: statsmean}\n",
	    WF_DEFINITIONS,
	    "t.yaml:3:17: app 'f': 'function' must be PLUGIN.SYMBOL, not "
	    "'statsmean'");
	load_err("weft: 1\napps:\n  f: {function: s.m, command: echo}\n",
	    WF_DEFINITIONS,
	    "t.yaml:3:3: app 'f': has both 'command' and 'function'; give one");
}

static void
test_duplicate_key(void **state)
{
	load_err("weft: 1\napps:\n  a: {command: echo}\n  a: {command: x}\n",
	    WF_DEFINITIONS,
	    "t.yaml:4:3: duplicate key 'a' (first at line 3)");
	load_err("weft: 1\nweft: 1\n", WF_DEFINITIONS,
	    "t.yaml:2:1: duplicate key 'weft' (first at line 1)");
	/* In definitions mode a second main is still a duplicate key. */
	load_err("weft: 1\nmain: []\nmain: []\n", WF_DEFINITIONS,
	    "t.yaml:3:1: duplicate key 'main' (first at line 2)");
}

static void
test_duplicate_key_large_map(void **state)
{
	char	*text, *p;
	int	 i;

	text = xmalloc(4096);
	p = text + sprintf(text, "weft: 1\nenv:\n");
	for (i = 0; i < 40; i++)
		p += sprintf(p, "  V%d: x\n", i);
	p += sprintf(p, "  V7: y\n");
	load_err(text, WF_DEFINITIONS,
	    "t.yaml:43:3: duplicate key 'V7' (first at line 10)");
	free(text);
}

static void
test_provider_and_main(void **state)
{
	load_err("weft: 1\nconfig:\n  provider: {kind: pbs}\n",
	    WF_DEFINITIONS, "t.yaml:3:20: unsupported provider kind 'pbs' "
	    "(supported: local, slurm, ssh)");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain: []\n", WF_FULL,
	    "t.yaml:3:1: 'main' is empty: nothing to run");
	load_err("weft: 1\napps: {a: {command: echo}}\n", WF_FULL,
	    "t.yaml:1:1: no 'main': nothing to run");
}

static void
test_call_fields(void **state)
{
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: 9lives\n    app: a\n"
	    "  - app: a\n"
	    "  - id: t\n", WF_FULL,
	    "t.yaml:4:9: invalid task id '9lives' (letters, digits, '_' and "
	    "'-', not starting with a digit or '-')\n"
	    "t.yaml:6:5: missing 'id' in main entry 2\n"
	    "t.yaml:7:5: missing 'app' in task 't'");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    args: {inputs: x, a.b: y}\n", WF_FULL,
	    "t.yaml:6:12: 'inputs' is reserved and cannot be an argument "
	    "name\n"
	    "t.yaml:6:23: invalid argument name 'a.b' (letters, digits, '_' "
	    "and '-', not starting with a digit or '-')");
	load_err("weft: 1\napps: {a: {command: \"echo {x\"}}\n", WF_DEFINITIONS,
	    "t.yaml:2:27: unclosed '{' (write '{{' for a literal brace)");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    outputs: [\"x/{}\"]\n", WF_FULL,
	    "t.yaml:6:18: empty placeholder '{}'");
}

static void
test_foreach(void **state)
{
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {n: \"5..1\"}\n", WF_FULL,
	    "t.yaml:6:18: range '5..1' is empty: its start is above its end "
	    "(a negative step counts down)");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {n: \"1..5:-1\"}\n", WF_FULL,
	    "t.yaml:6:18: range '1..5:-1' is empty: its start is below its "
	    "end and its step is negative");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {n: \"1..5:0\"}\n", WF_FULL,
	    "t.yaml:6:18: range '1..5:0' has a step of 0");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {n: \"0..99999999999:1000\"}"
	    "\n", WF_FULL, "t.yaml:6:18: range '0..99999999999:1000' has more "
	    "than 10000000 values (config.max_tasks sets the limit)");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {n: \"1..99999999999\"}\n",
	    WF_FULL, "t.yaml:6:18: range '1..99999999999' has more than "
	    "10000000 values (config.max_tasks sets the limit)");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n"
	    "    foreach: {a: \"1..4000\", b: \"1..2500\", c: [1, 2]}\n",
	    WF_FULL, "t.yaml:6:14: foreach gives more than 10000000 tasks "
	    "(config.max_tasks sets the limit)");
	/* A lower limit counts over the entries. */
	load_err("weft: 1\nconfig: {max_tasks: 1000000}\n"
	    "apps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {a: \"1..600000\"}\n"
	    "  - id: u\n    app: a\n    foreach: {a: \"1..600000\"}\n",
	    WF_FULL, "t.yaml:10:14: foreach gives more than 1000000 tasks "
	    "(config.max_tasks sets the limit)");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {a: x, b: [], c: [[1]]}\n",
	    WF_FULL,
	    "t.yaml:6:18: foreach 'a' must be a list, a range \"A..B\" or "
	    "\"A..B:STEP\", or {glob: PATTERN}, {lines: FILE} or {table: "
	    "FILE}\n"
	    "t.yaml:6:24: foreach 'b' is empty\n"
	    "t.yaml:6:32: foreach values must be strings or numbers, not a "
	    "list");
	load_err("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    args: {n: x}\n    foreach: {n: [1]}\n",
	    WF_FULL, "t.yaml:7:15: 'n' is both a foreach key and an argument");
}

/* Stepped ranges, up and down, to the ends of 64 bits without overflow. */
static void
test_foreach_steps(void **state)
{
	static const char *const n[] = { "10", "7", "4", "1" };
	static const char *const m[] = { "-9223372036854775808", "-1",
		"9223372036854775806" };
	struct workflow	*wf;
	size_t		 i;

	(void)state;
	wf = load_ok("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {n: \"10..1:-3\", m: "
	    "\"-9223372036854775808..9223372036854775807:9223372036854775807\""
	    "}\n", WF_FULL);
	assert_int_equal(wf->calls[0].nforeach, 2);
	assert_int_equal(wf->calls[0].foreach[0].nvalues, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(wf->calls[0].foreach[0].values[i], n[i]);
	assert_int_equal(wf->calls[0].foreach[1].nvalues, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(wf->calls[0].foreach[1].values[i], m[i]);
	workflow_free(&wf);
}

/* WANT, "a/x b/x", is the combinations of entry 0 of WF, as values. */
static void
check_combos(const struct workflow *wf, const char *want)
{
	const struct wf_call	*c = &wf->calls[0];
	char			 got[256] = "";
	size_t			 i, k, n;

	assert_non_null(c->combos);
	for (i = 0; i < c->ncombos; i++) {
		for (k = 0; k < c->nforeach; k++) {
			n = strlen(got);
			snprintf(got + n, sizeof got - n, "%s%s",
			    k > 0 ? "/" : i > 0 ? " " : "",
			    c->foreach[k].values[c->combos[i * c->nforeach +
			    k]]);
		}
	}
	assert_string_equal(got, want);
}

/*
 * The combinations of zip, of a list of mappings, and of exclude (every
 * combination with all of an entry's values) then include (one more,
 * unless it is there: a range's values grow).
 */
static void
test_matrix(void **state)
{
	struct workflow	*wf;

	(void)state;
	wf = load_ok("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: {os: [a, b], n: \"1..2\"}\n"
	    "    exclude: [{os: a, n: 2}, {os: b, n: 1}]\n"
	    "    include: [{os: c, n: 3}, {os: a, n: 1}, {n: 3, os: c}]\n",
	    WF_FULL);
	check_combos(wf, "a/1 b/2 c/3");
	workflow_free(&wf);
	wf = load_ok("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    zip: {x: [p, q, r], n: \"3..1:-1\"}\n",
	    WF_FULL);
	check_combos(wf, "p/3 q/2 r/1");
	workflow_free(&wf);
	wf = load_ok("weft: 1\napps: {a: {command: echo}}\nmain:\n"
	    "  - id: t\n    app: a\n    foreach: [{x: 1, y: 2}, {y: 4, x: 3}]\n"
	    "    exclude: [{y: 2}]\n", WF_FULL);
	check_combos(wf, "3/4");
	workflow_free(&wf);
}

/* Merge keys: own keys win, then the first mapping merged; x- ignored. */
static void
test_merge_keys(void **state)
{
	struct workflow		*wf;
	const struct wf_app	*a;

	(void)state;
	wf = load_ok("weft: 1\nx-a: &a {command: one, retries: 1}\n"
	    "x-b: &b {command: two, retries: 2, walltime: 5s}\n"
	    "apps:\n  p: {<<: [*a, *b]}\n  q: {<<: *b, retries: 3}\n"
	    "  r: {retries: 4, <<: [*b, *a]}\n"
	    "main: [{id: t, app: p}]\n", WF_FULL);
	a = workflow_find_app(wf, "p");
	assert_string_equal(a->command, "one");
	assert_int_equal(a->retries, 1);
	assert_int_equal(a->walltime_ms, 5000);
	a = workflow_find_app(wf, "q");
	assert_string_equal(a->command, "two");
	assert_int_equal(a->retries, 3);
	a = workflow_find_app(wf, "r");
	assert_string_equal(a->command, "two");
	assert_int_equal(a->retries, 4);
	workflow_free(&wf);
	load_err("weft: 1\napps:\n  p: {<<: 5, command: x}\n"
	    "main: [{id: t, app: p}]\n", WF_FULL,
	    "t.yaml:3:11: the merge key '<<' takes a mapping or a list of "
	    "mappings, such as '<<: *defaults'");
}

static void
test_aliases(void **state)
{
	struct workflow	*wf;

	wf = load_ok("weft: 1\n"
	    "apps:\n"
	    "  a: &app {command: echo, retries: 1}\n"
	    "  b: *app\n"
	    "main:\n"
	    "  - &e {id: t, app: a, foreach: {n: &ns [1, 2]}}\n"
	    "  - {id: u, app: b, foreach: {m: *ns}}\n", WF_FULL);
	assert_int_equal(wf->napps, 2);
	assert_string_equal(wf->apps[1].command, "echo");
	assert_int_equal(wf->calls[1].foreach[0].nvalues, 2);
	workflow_free(&wf);

	load_err("weft: 1\napps: {a: {command: *nope}}\n", WF_DEFINITIONS,
	    "t.yaml:2:21: undefined alias '*nope'");
	load_err("weft: 1\nx: &a [1, *a]\n", WF_DEFINITIONS,
	    "t.yaml:2:11: alias '*a' refers to a node that contains it");
	/* Definitions cannot borrow from main, in either mode. */
	load_err("weft: 1\nmain:\n  - {id: t, app: &x a}\napps: {a: "
	    "{command: *x}}\n", WF_DEFINITIONS,
	    "t.yaml:4:21: alias '*x' refers to an anchor inside 'main', which "
	    "only 'weft run' reads");
	load_err("weft: 1\nmain:\n  - {id: t, app: &x a}\napps: {a: "
	    "{command: *x}}\n", WF_FULL,
	    "t.yaml:4:21: alias '*x' refers to an anchor inside 'main', which "
	    "only 'weft run' reads");
}

static void
test_many_errors(void **state)
{
	char	*text, *p, *err = NULL;
	struct workflow *wf = NULL;
	const char *path;
	size_t	 lines = 0;
	int	 i;

	text = xmalloc(8192);
	p = text + sprintf(text, "weft: 1\n");
	for (i = 0; i < 50; i++)
		p += sprintf(p, "bad%d: x\n", i);
	path = write_file("t.yaml", text);
	assert_int_equal(workflow_load(path, "t.yaml", NULL, WF_DEFINITIONS,
	    &wf, &err), -1);
	for (p = err; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, WF_MAX_ERRORS);
	assert_non_null(strstr(err, "t.yaml:2:1: unknown key 'bad0' at top "
	    "level\n"));
	assert_non_null(strstr(err, "\nt.yaml: too many errors, stopped "
	    "after 20"));
	free(err);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_definitions_skip_main),
		cmocka_unit_test(test_default_name),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_huge_scalar),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_controls_in_messages),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_unknown_app),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_duplicate_key_large_map),
		cmocka_unit_test(test_provider_and_main),
		cmocka_unit_test(test_call_fields),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_foreach_steps),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_many_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
