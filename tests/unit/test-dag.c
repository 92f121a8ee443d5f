/*
 * test-dag.c: expansion of main into tasks and edges.  Each test writes a
 * workflow into a private temporary directory, loads it in full mode and
 * checks the tasks, their commands and edges, or the exact errors.
 */

#include <errno.h>
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


/* The command of task T, expanded as it would be when T runs. */
static void
expect_command(const struct dag *dag, const struct task *t, const char *want)
{
	struct task_text	 tt;

	dag_task_text(dag, t, &tt);
	assert_non_null(tt.command);
	assert_string_equal(tt.command, want);
	task_text_free(&tt);
}
static char	 tmpdir[] = "/tmp/weft-test-dag.XXXXXX";
static char	*path;

static int
setup(void **state)
{
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	path = xprintf("%s/t.yaml", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	free(path);
	rmdir(tmpdir);
	return 0;
}

static void
write_yaml(const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Loads and builds; the workflow is returned for freeing. */
static struct dag *
build_ok(const char *text, struct workflow **wfp)
{
	struct dag	*dag = NULL;
	char		*err = NULL;

	write_yaml(text);
	if (workflow_load(path, "t.yaml", NULL, WF_FULL, wfp, &err) != 0 ||
	    dag_build(*wfp, &dag, &err) != 0) {
		print_error("unexpected error: %s\n", err);
		free(err);
		fail();
	}
	assert_non_null(dag);
	return dag;
}

static void
build_err(const char *text, const char *want)
{
	struct workflow	*wf = NULL;
	struct dag	*dag = NULL;
	char		*err = NULL;

	write_yaml(text);
	if (workflow_load(path, "t.yaml", NULL, WF_FULL, &wf, &err) != 0) {
		print_error("load error: %s\n", err);
		free(err);
		fail();
	}
	assert_int_equal(dag_build(wf, &dag, &err), -1);
	assert_null(dag);
	assert_non_null(err);
	assert_string_equal(err, want);
	free(err);
	workflow_free(&wf);
}

static const struct task *
find(const struct dag *dag, const char *id)
{
	size_t	 i;

	for (i = 0; i < dag->ntasks; i++) {
		if (strcmp(dag->tasks[i].id, id) == 0)
			return &dag->tasks[i];
	}
	print_error("no task '%s'\n", id);
	fail();
	return NULL;
}

/* Does a run before b (an edge a -> b)? */
static int
edge(const struct dag *dag, const char *a, const char *b)
{
	const struct task	*ta = find(dag, a), *tb = find(dag, b);
	size_t			 i, found = 0;

	for (i = 0; i < tb->ndeps; i++)
		found += tb->deps[i] == ta->index;
	for (i = 0; i < ta->ndependents; i++)
		found += ta->dependents[i] == tb->index;
	assert_true(found == 0 || found == 2);
	return found == 2;
}

static void
test_single_and_ids(void **state)
{
	struct workflow		*wf = NULL;
	struct dag		*dag;
	const struct task	*t;

	dag = build_ok("weft: 1\n"
	    "config: {retries: 3}\n"
	    "apps:\n"
	    "  a: {command: \"echo {msg} > {outputs}\", retries: 1}\n"
	    "  b: {command: \"cat {inputs}\"}\n"
	    "main:\n"
	    "  - id: hello\n"
	    "    app: a\n"
	    "    args: {msg: \"hi there\"}\n"
	    "    outputs: [out/hello.txt]\n"
	    "  - id: read\n"
	    "    app: b\n"
	    "    inputs: [out/hello.txt, other.txt]\n", &wf);
	assert_int_equal(dag->ntasks, 2);
	t = &dag->tasks[0];
	assert_int_equal(t->index, 0);
	assert_string_equal(t->id, "hello");
	assert_string_equal(t->call_id, "hello");
	assert_string_equal(t->app->name, "a");
	expect_command(dag, t, "echo 'hi there' > out/hello.txt");
	assert_int_equal(t->retries, 1);
	assert_int_equal(t->call->mark.line, 7);
	assert_int_equal(t->call->mark.col, 5);
	t = &dag->tasks[1];
	expect_command(dag, t, "cat out/hello.txt other.txt");
	assert_int_equal(t->retries, 3);
	assert_int_equal(t->ninputs, 2);
	assert_int_equal(dag->nedges, 1);
	assert_int_equal(dag->nroots, 1);
	assert_true(edge(dag, "hello", "read"));
	dag_free(&dag);
	assert_null(dag);
	workflow_free(&wf);
}

static void
test_cross_product(void **state)
{
	struct workflow	*wf = NULL;
	struct dag	*dag;
	static const char *const ids[] = {
		"sim[seed=1,n=3]", "sim[seed=1,n=4]", "sim[seed=1,n=5]",
		"sim[seed=b c,n=3]", "sim[seed=b c,n=4]", "sim[seed=b c,n=5]",
	};
	size_t		 i;

	dag = build_ok("weft: 1\n"
	    "apps: {s: {command: \"./sim --seed {seed} -n {n} > {out}\"}}\n"
	    "main:\n"
	    "  - id: sim\n"
	    "    app: s\n"
	    "    foreach: {seed: [1, \"b c\"], n: \"3..5\"}\n"
	    "    args: {out: \"out/{seed}-{n}.txt\"}\n"
	    "    outputs: \"out/{seed}-{n}.txt\"\n", &wf);
	assert_int_equal(dag->ntasks, 6);
	for (i = 0; i < 6; i++) {
		assert_string_equal(dag->tasks[i].id, ids[i]);
		assert_string_equal(dag->tasks[i].call_id, "sim");
	}
	expect_command(dag, &dag->tasks[0],
	    "./sim --seed 1 -n 3 > out/1-3.txt");
	expect_command(dag, &dag->tasks[5],
	    "./sim --seed 'b c' -n 5 > 'out/b c-5.txt'");
	assert_string_equal(dag->tasks[5].outputs[0], "out/b c-5.txt");
	assert_int_equal(dag->nedges, 0);
	assert_int_equal(dag->nroots, 6);
	dag_free(&dag);
	workflow_free(&wf);
}

static void
test_hostile_values(void **state)
{
	struct workflow	*wf = NULL;
	struct dag	*dag;

	dag = build_ok("weft: 1\n"
	    "apps: {e: {command: \"echo {v}\"}}\n"
	    "main:\n"
	    "  - id: t\n"
	    "    app: e\n"
	    "    foreach:\n"
	    "      v: [\"'; touch /tmp/pwned; echo '\", \"$(reboot)\", "
	    "\"`id`\", \"\"]\n", &wf);
	assert_int_equal(dag->ntasks, 4);
	assert_string_equal(dag->tasks[0].id,
	    "t[v='; touch /tmp/pwned; echo ']");
	expect_command(dag, &dag->tasks[0],
	    "echo ''\\''; touch /tmp/pwned; echo '\\'''");
	expect_command(dag, &dag->tasks[1], "echo '$(reboot)'");
	expect_command(dag, &dag->tasks[2], "echo '`id`'");
	assert_string_equal(dag->tasks[3].id, "t[v=]");
	expect_command(dag, &dag->tasks[3], "echo ''");
	dag_free(&dag);
	workflow_free(&wf);
}

static void
test_three_kinds_of_deps(void **state)
{
	struct workflow		*wf = NULL;
	struct dag		*dag;
	const struct task	*t;

	dag = build_ok("weft: 1\n"
	    "apps:\n"
	    "  w: {command: \"work > {outputs}\"}\n"
	    "  c: {command: \"cat {inputs} > {outputs}\"}\n"
	    "main:\n"
	    "  - id: prep\n"
	    "    app: w\n"
	    "    outputs: data//raw/\n"
	    "  - id: sim\n"
	    "    app: w\n"
	    "    foreach: {seed: \"1..3\"}\n"
	    "    outputs: [\"out/sim-{seed}.txt\", \"log/{seed}\"]\n"
	    "    inputs: ./data/raw\n"
	    "  - id: mean\n"
	    "    app: c\n"
	    "    inputs: [\"{sim.outputs}\"]\n"
	    "    outputs: mean.txt\n"
	    "    needs: [prep, sim]\n"
	    "  - id: report\n"
	    "    app: c\n"
	    "    inputs: [mean.txt, ./out/sim-2.txt]\n"
	    "    needs: sim[seed=3]\n", &wf);
	assert_int_equal(dag->ntasks, 6);

	/* By path, normalised: ./data/raw is data//raw/. */
	assert_true(edge(dag, "prep", "sim[seed=1]"));
	assert_true(edge(dag, "prep", "sim[seed=3]"));
	/* By {sim.outputs}, which is also a list of six inputs. */
	t = find(dag, "mean");
	assert_int_equal(t->ninputs, 6);
	assert_string_equal(t->inputs[0], "out/sim-1.txt");
	assert_string_equal(t->inputs[1], "log/1");
	expect_command(dag, t, "cat out/sim-1.txt log/1 "
	    "out/sim-2.txt log/2 out/sim-3.txt log/3 > mean.txt");
	assert_true(edge(dag, "sim[seed=1]", "mean"));
	assert_true(edge(dag, "sim[seed=2]", "mean"));
	/* By needs: prep, and sim again (no duplicate edge). */
	assert_true(edge(dag, "prep", "mean"));
	assert_int_equal(t->ndeps, 4);
	/* needs naming one fan-out task; paths. */
	t = find(dag, "report");
	assert_true(edge(dag, "mean", "report"));
	assert_true(edge(dag, "sim[seed=2]", "report"));
	assert_true(edge(dag, "sim[seed=3]", "report"));
	assert_false(edge(dag, "sim[seed=1]", "report"));
	assert_int_equal(t->ndeps, 3);
	assert_int_equal(find(dag, "prep")->ndependents, 4);

	assert_int_equal(dag->nedges, 3 + 4 + 3);
	assert_int_equal(dag->nroots, 1);
	dag_free(&dag);
	workflow_free(&wf);
}

static void
test_outputs_refs_and_lists(void **state)
{
	struct workflow		*wf = NULL;
	struct dag		*dag;
	const struct task	*t;

	/* Entries may come before the ones whose outputs they name. */
	dag = build_ok("weft: 1\n"
	    "apps:\n"
	    "  c: {command: \"tar cf {outputs} {inputs} # {n} {files}\"}\n"
	    "  w: {command: \"work > {outputs}\"}\n"
	    "main:\n"
	    "  - id: pack\n"
	    "    app: c\n"
	    "    args: {files: \"{gen.outputs}\", n: \"{{n}}\"}\n"
	    "    inputs: \"{gen.outputs}\"\n"
	    "    outputs: all.tar\n"
	    "  - id: gen\n"
	    "    app: w\n"
	    "    foreach: {i: [a, b]}\n"
	    "    outputs: \"gen/{i} x\"\n"
	    "  - id: copy\n"
	    "    app: w\n"
	    "    inputs: [r1, r2]\n"
	    "    outputs: [\"{inputs}.bak\"]\n", &wf);
	t = find(dag, "pack");
	assert_int_equal(t->ninputs, 2);
	assert_string_equal(t->inputs[1], "gen/b x");
	assert_int_equal(t->noutputs, 1);
	expect_command(dag, t, "tar cf all.tar 'gen/a x' 'gen/b x' "
	    "# '{n}' 'gen/a x gen/b x'");
	assert_int_equal(t->ndeps, 2);
	t = find(dag, "copy");
	assert_int_equal(t->noutputs, 1);
	assert_string_equal(t->outputs[0], "r1 r2.bak");
	expect_command(dag, t, "work > 'r1 r2.bak'");
	assert_int_equal(dag->nedges, 2);
	dag_free(&dag);
	workflow_free(&wf);
	/* An item that is exactly {inputs} makes one output per input:
	   each is then one of the task's own inputs, which is refused. */
	build_err("weft: 1\n"
	    "apps:\n"
	    "  w: {command: \"work > {outputs}\"}\n"
	    "main:\n"
	    "  - id: copy\n"
	    "    app: w\n"
	    "    inputs: [r1, r2]\n"
	    "    outputs: [\"{inputs}\", \"{inputs}.bak\"]\n",
	    "t.yaml:7:14: input 'r1' of task 'copy' is one of its own outputs");
}

static void
test_cycles(void **state)
{
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: x, app: a}\n"
	    "  - id: a\n    app: a\n    needs: b\n"
	    "  - id: b\n    app: a\n    needs: c\n"
	    "  - id: c\n    app: a\n    needs: a\n",
	    "t.yaml:5:5: dependency cycle: a -> c -> b -> a");
	/* Through paths. */
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: p, app: a, inputs: q.txt, outputs: p.txt}\n"
	    "  - {id: q, app: a, inputs: ./p.txt, outputs: q.txt}\n",
	    "t.yaml:4:5: dependency cycle: p -> q -> p");
	/* Through {ID.outputs}, which orders expansion too. */
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: p, app: a, inputs: \"{q.outputs}\", outputs: p.txt}\n"
	    "  - id: q\n    app: a\n    foreach: {n: [1, 2]}\n"
	    "    outputs: \"q{n}\"\n    args: {x: \"{p.outputs}\"}\n",
	    "t.yaml:4:5: dependency cycle: p -> q[n=1] -> p");
	/* An entry naming its own outputs waits for itself. */
	build_err("weft: 1\n"
	    "apps: {a: {command: \"cat {s.outputs}\"}}\n"
	    "main:\n"
	    "  - {id: s, app: a, outputs: x}\n",
	    "t.yaml:4:5: dependency cycle: s -> s");
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: s, app: a, needs: s}\n",
	    "t.yaml:4:5: dependency cycle: s -> s");
}

static void
test_duplicates(void **state)
{
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: t, app: a}\n"
	    "  - {id: t, app: a}\n",
	    "t.yaml:5:5: duplicate task id 't' (first at line 4)");
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: t, app: a, foreach: {n: [1, 2, 1]}}\n",
	    "t.yaml:4:5: duplicate task id 't[n=1]' (first at line 4)");
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: a, app: a, outputs: out/x}\n"
	    "  - {id: b, app: a, outputs: [y, ./out//x/]}\n"
	    "  - {id: c, app: a, outputs: [z, z]}\n",
	    "t.yaml:5:34: output './out//x/' is declared by both 'a' and 'b'\n"
	    "t.yaml:6:34: output 'z' is declared twice by 'c'");
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: s, app: a, foreach: {n: [1, 2]}, outputs: same}\n",
	    "t.yaml:4:52: output 'same' is declared by both 's[n=1]' and "
	    "'s[n=2]'");
	/* Values holding the separator can make two ids the same. */
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: t, app: a, foreach: {a: [\"1,b=2\", \"1\"], "
	    "b: [\"3\", \"2,b=3\"]}}\n",
	    "t.yaml:4:5: duplicate task id 't[a=1,b=2,b=3]' (first at line "
	    "4)");
}

/*
 * A task's text is expanded when asked for, from the entry's templates
 * and the task's place in the cross product: the same text for every
 * task as a copy made at build time would have been.
 */
static void
test_task_text(void **state)
{
	struct workflow		*wf = NULL;
	struct dag		*dag;
	struct task_text	 tt;
	const struct task	*t;
	char			 want[64];
	size_t			 i;

	dag = build_ok("weft: 1\n"
	    "apps:\n"
	    "  sq: {function: p.sq}\n"
	    "  c: {command: \"use {x} {y} {r} {sq.result} {inputs}\"}\n"
	    "  g: {command: \"gen {k}\"}\n"
	    "main:\n"
	    "  - {id: sq, app: sq, foreach: {x: \"1..3\", y: [a, \"b c\"]}, "
	    "args: {z: \"{x}{y}\"}}\n"
	    "  - {id: gen, app: g, foreach: {k: \"1..2\"}, "
	    "outputs: \"g{k}\"}\n"
	    "  - {id: c, app: c, foreach: {x: [p, q], y: \"7..9\"}, "
	    "args: {r: \"{x}-{y}\"}, inputs: \"{gen.outputs}\"}\n", &wf);
	assert_int_equal(dag->ntasks, 6 + 2 + 6);
	/* A function task: foreach values, then args, by name. */
	for (i = 0; i < 6; i++) {
		t = &dag->tasks[i];
		assert_false(t->late);
		dag_task_text(dag, t, &tt);
		assert_null(tt.command);
		assert_int_equal(tt.nargs, 3);
		assert_string_equal(tt.arg_names[0], "x");
		assert_string_equal(tt.arg_names[1], "y");
		assert_string_equal(tt.arg_names[2], "z");
		snprintf(want, sizeof want, "%zu", i / 2 + 1);
		assert_string_equal(tt.arg_values[0], want);
		assert_string_equal(tt.arg_values[1], i % 2 ? "b c" : "a");
		snprintf(want, sizeof want, "%zu%s", i / 2 + 1,
		    i % 2 ? "b c" : "a");
		assert_string_equal(tt.arg_values[2], want);
		task_text_free(&tt);
	}
	/* The inputs share the outputs they name: no copy. */
	t = &dag->tasks[8];
	assert_int_equal(t->ninputs, 2);
	assert_ptr_equal(t->inputs[0], dag->tasks[6].outputs[0]);
	assert_ptr_equal(t->inputs[1], dag->tasks[7].outputs[0]);
	/* A late command keeps one stand-in per result, quoted. */
	assert_true(dag->tasks[13].late);
	dag_task_text(dag, &dag->tasks[13], &tt);
	assert_string_equal(tt.command, "use q 9 q-9 "
	    "'\0010\002' '\0011\002' '\0012\002' '\0013\002' "
	    "'\0014\002' '\0015\002' g1 g2");
	assert_int_equal(tt.nargs, 0);
	task_text_free(&tt);
	dag_free(&dag);
	workflow_free(&wf);
}

/*
 * The settings of the language: params in every template, an entry's
 * env over its app's (templates per task, a secret by its source), its
 * retries over its app's over the config's, its condition per task, and
 * the params each entry's templates name (for its resume key).
 */
static void
test_settings(void **state)
{
	struct workflow		*wf = NULL;
	struct dag		*dag;
	struct task_text	 tt;
	const struct task	*t;
	const uint32_t		*params;

	(void)state;
	dag = build_ok("weft: 1\n"
	    "config: {retries: 4}\n"
	    "params: {tag: v1, unused: x, go: \"yes\"}\n"
	    "apps:\n"
	    "  c:\n"
	    "    command: \"run {params.tag} {n}\"\n"
	    "    env: {A: \"app-{n}\", B: b, K: {from_env: CI_TOKEN}}\n"
	    "    retries: 2\n"
	    "main:\n"
	    "  - {id: t, app: c, foreach: {n: \"1..3\"},\n"
	    "     env: {B: \"entry-{n}-{params.tag}\"}, retries: 0,\n"
	    "     when: \"{n} != 2 && {params.go} == yes\",\n"
	    "     outputs: \"out-{params.tag}-{n}\"}\n"
	    "  - {id: u, app: c, args: {n: z}}\n", &wf);
	t = find(dag, "t[n=2]");
	assert_int_equal(t->retries, 0);
	assert_int_equal(find(dag, "u")->retries, 2);
	assert_string_equal(t->outputs[0], "out-v1-2");
	assert_false(dag_task_when(dag, t));
	assert_true(dag_task_when(dag, find(dag, "t[n=3]")));
	assert_true(dag_task_when(dag, find(dag, "u")));
	dag_task_text(dag, t, &tt);
	assert_string_equal(tt.command, "run v1 2");
	assert_int_equal(tt.nenv, 3);
	assert_string_equal(tt.env[0], "A=app-2");
	assert_string_equal(tt.env[1], "B=entry-2-v1");
	assert_null(tt.env[2]);
	assert_string_equal(tt.env_kv[2]->from_env, "CI_TOKEN");
	task_text_free(&tt);
	/* t names tag (its outputs, command, env) and go (its when). */
	assert_int_equal(dag_task_params(dag, t, &params), 2);
	assert_string_equal(wf->params[params[0]].key, "tag");
	assert_string_equal(wf->params[params[1]].key, "go");
	assert_int_equal(dag_task_params(dag, find(dag, "u"), &params), 1);
	dag_free(&dag);
	workflow_free(&wf);
}

static void
test_needs_unknown(void **state)
{
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: prep, app: a}\n"
	    "  - {id: t, app: a, needs: [prep, prepp, zzz, \"prep[n=1]\"]}\n",
	    "t.yaml:5:35: needs unknown task 'prepp' (did you mean 'prep'?)\n"
	    "t.yaml:5:42: needs unknown task 'zzz'\n"
	    "t.yaml:5:47: needs unknown task 'prep[n=1]'");
}

static void
test_undefined_placeholders(void **state)
{
	build_err("weft: 1\n"
	    "apps: {a: {command: \"echo {seed} {nope}\"}}\n"
	    "main:\n"
	    "  - {id: t, app: a, foreach: {seed: [1, 2]}}\n",
	    "t.yaml:2:34: undefined placeholder '{nope}' in task 't[seed=1]'");
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - id: t\n"
	    "    app: a\n"
	    "    args: {x: \"{y}\"}\n"
	    "    inputs: \"in/{x}/{outputs}\"\n"
	    "    outputs: \"{other.outputs}\"\n",
	    "t.yaml:6:16: undefined placeholder '{y}' in task 't'\n"
	    "t.yaml:8:15: undefined placeholder '{other.outputs}' in task "
	    "'t'");
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - id: t\n"
	    "    app: a\n"
	    "    inputs: \"in/{outputs}\"\n",
	    "t.yaml:6:17: undefined placeholder '{outputs}' in task 't'");
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - id: t\n"
	    "    app: a\n"
	    "    outputs: [\"{other.outputs}\"]\n",
	    "t.yaml:6:16: undefined placeholder '{other.outputs}' in task 't'");
	/* Not on one line as written: the string's own position. */
	build_err("weft: 1\n"
	    "apps:\n"
	    "  a:\n"
	    "    command: |\n"
	    "      echo {x}\n"
	    "main:\n"
	    "  - {id: t, app: a}\n",
	    "t.yaml:4:14: undefined placeholder '{x}' in task 't'");
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: t, app: a, outputs: \"a\\tb{zz}\"}\n",
	    "t.yaml:4:30: undefined placeholder '{zz}' in task 't'");
}

static void
test_empty_path(void **state)
{
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: t, app: a, outputs: \"{e}\", foreach: {e: [\"\"]}}\n",
	    "t.yaml:4:30: empty output path in task 't[e=]'");
	/* Paths no system call would take: joined lists, long values. */
	build_err("weft: 1\n"
	    "apps: {a: {command: echo}}\n"
	    "main:\n"
	    "  - {id: s, app: a, foreach: {n: \"1..500\"}, "
	    "outputs: \"out/{n}.txt\"}\n"
	    "  - {id: t, app: a, inputs: \"{s.outputs},\"}\n",
	    "t.yaml:5:29: input path of task 't' is 5892 bytes long (at most "
	    "4095)");
}

/* A large graph: a fan-out, a chain by paths, a fan-in. */
static void
test_large(void **state)
{
	struct workflow	*wf = NULL;
	struct dag	*dag;

	dag = build_ok("weft: 1\n"
	    "apps:\n"
	    "  a: {command: \"work {n} > {outputs}\"}\n"
	    "  b: {command: \"cat {inputs} > {outputs}\"}\n"
	    "main:\n"
	    "  - {id: s, app: a, foreach: {n: \"1..30000\"}, outputs: "
	    "\"o/{n}\"}\n"
	    "  - {id: t, app: b, foreach: {n: \"1..30000\"}, inputs: "
	    "\"./o/{n}\", outputs: \"p/{n}\"}\n"
	    "  - {id: u, app: b, inputs: \"{t.outputs}\", outputs: final}\n",
	    &wf);
	assert_int_equal(dag->ntasks, 60001);
	assert_int_equal(dag->nedges, 60000);
	assert_int_equal(dag->nroots, 30000);
	assert_true(edge(dag, "s[n=29999]", "t[n=29999]"));
	assert_int_equal(find(dag, "u")->ndeps, 30000);
	dag_free(&dag);
	workflow_free(&wf);
}

/* Found by fuzzing: a result through a one-placeholder path. */
static void
test_result_in_path(void **state)
{
	build_err("weft: 1\n"
	    "apps:\n"
	    "  sq: {function: p.sq}\n"
	    "  c: {command: \"cat {inputs}\"}\n"
	    "main:\n"
	    "  - {id: sq, app: sq}\n"
	    "  - {id: c, app: c, args: {p: \"{sq.result}\"}, "
	    "outputs: \"{p}\"}\n",
	    "t.yaml:7:56: output path of task 'c' uses a result (through an "
	    "argument): a task's paths must be known before it runs");
}

/*
 * Found by fuzzing: {ID.outputs} puts a list into every task that names
 * it, so two fan-outs could ask for the square of their size in memory.
 * The paths are stored (a command is not: it is expanded as a task
 * runs), so the bound is met at the inputs: far over it, at once, from
 * the entry's first task.
 */
static void
test_substitution_bound(void **state)
{
	build_err("weft: 1\n"
	    "apps:\n"
	    "  a: {command: \"touch {outputs}\"}\n"
	    "  b: {command: \"cat {inputs}\"}\n"
	    "main:\n"
	    "  - {id: a, app: a, foreach: {n: \"1..30000\"}, outputs: "
	    "\"a-long-output-name-for-testing-{n}.txt\"}\n"
	    "  - {id: b, app: b, foreach: {n: \"1..30000\"}, inputs: "
	    "\"{a.outputs}\"}\n",
	    "t.yaml:7:5: the 30000 tasks of 'b' would hold more than 261 MiB "
	    "of paths (1458894 bytes of paths each)");
	/* Nearer the bound the exact count decides, at the placeholder. */
	build_err("weft: 1\n"
	    "apps:\n"
	    "  a: {command: \"touch {outputs}\"}\n"
	    "  b: {command: \"cat {inputs}\"}\n"
	    "main:\n"
	    "  - {id: a, app: a, foreach: {n: \"1000..1999\"}, outputs: "
	    "\"out-{n}-a-long-output-name-for-testing-the-bound-on-the-paths-"
	    "of-a-graph-xxxxxxxxxxxxxx.txt\"}\n"
	    "  - {id: b, app: b, foreach: {n: \"1..3000\"}, inputs: "
	    "\"{a.outputs}\"}\n",
	    "t.yaml:7:55: '{a.outputs}': the tasks' paths would hold more "
	    "than 256 MiB of substituted values");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_in_path),
		cmocka_unit_test(test_substitution_bound),
		cmocka_unit_test(test_single_and_ids),
		cmocka_unit_test(test_cross_product),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_three_kinds_of_deps),
		cmocka_unit_test(test_outputs_refs_and_lists),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_task_text),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_needs_unknown),
		cmocka_unit_test(test_undefined_placeholders),
		cmocka_unit_test(test_empty_path),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
