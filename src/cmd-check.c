/*
 * cmd-check.c: "weft check [--dot] [--plugin NAME=PATH] FILE".  Loads a
 * workflow the way "weft run" does, loads and verifies its plugins and
 * functions, builds its task graph, and either summarises it or prints
 * it as a DOT graph.  Nothing is run and nothing is written (a plugin's
 * init hook does run, as it does in every process that loads it).
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft.h"

static void
check_usage(FILE *f)
{
	cmd_help(f, "check");
}

/* A DOT string: quotes and backslashes escaped. */
static void
dot_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
print_dot(const struct workflow *wf, const struct dag *dag)
{
	const struct task	*t;
	size_t			 i, j;

	fputs("digraph ", stdout);
	dot_string(stdout, wf->name);
	fputs(" {\n", stdout);
	for (i = 0; i < dag->ntasks; i++) {
		fputs("  ", stdout);
		dot_string(stdout, dag->tasks[i].id);
		fputs(";\n", stdout);
	}
	for (i = 0; i < dag->ntasks; i++) {
		t = &dag->tasks[i];
		for (j = 0; j < t->ndeps; j++) {
			fputs("  ", stdout);
			dot_string(stdout, dag->tasks[t->deps[j]].id);
			fputs(" -> ", stdout);
			dot_string(stdout, t->id);
			fputs(";\n", stdout);
		}
	}
	fputs("}\n", stdout);
}

/*
 * --json: one object, for a valid workflow its summary, for one that is
 * not the error (also on stderr, as without --json).
 */
static void
print_json(const char *file, const struct workflow *wf,
    const struct dag *dag, const char *err)
{
	json_t		*o, *errors;
	const char	*p, *nl;
	char		*line;

	dbread_json_init();
	o = json_object();
	json_object_set_new(o, "format_version",
	    json_integer(WEFT_JSON_VERSION));
	json_object_set_new(o, "file", dbread_json_string(file));
	json_object_set_new(o, "valid", json_boolean(err == NULL));
	/* One message per line, as stderr has them. */
	errors = json_array();
	for (p = err; p != NULL && *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		line = xstrndup(p, (size_t)(nl - p));
		json_array_append_new(errors, dbread_json_string(line));
		free(line);
	}
	json_object_set_new(o, "errors", errors);
	if (err == NULL) {
		json_object_set_new(o, "name", dbread_json_string(wf->name));
		json_object_set_new(o, "apps", json_integer(wf->napps));
		json_object_set_new(o, "plugins",
		    json_integer(plugins_loaded(wf)));
		json_object_set_new(o, "functions",
		    json_integer(wf->nfunctions));
		json_object_set_new(o, "tasks", json_integer(dag->ntasks));
		json_object_set_new(o, "edges", json_integer(dag->nedges));
		json_object_set_new(o, "roots", json_integer(dag->nroots));
	}
	dbread_json_print(o);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "dot", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "plugin", required_argument, NULL, 'p' },
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct workflow	*wf = NULL;
	struct dag	*dag = NULL;
	char		*err = NULL;
	const char	*file;
	char		**plugins, **sets;
	size_t		 nplugins = 0, nsets = 0, i;
	int		 ch, dot = 0, json = 0, rc;

	opterr = 0;
	optind = 1;
	plugins = xcalloc(argc + 1, sizeof *plugins);
	sets = xcalloc(argc + 1, sizeof *sets);
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dot = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'p':
			plugins[nplugins++] = optarg;
			break;
		case 's':
			sets[nsets++] = optarg;
			break;
		case 'h':
			free(plugins);
			free(sets);
			check_usage(stdout);
			return 0;
		default:
			free(plugins);
			free(sets);
			return cmd_bad_option("check", ch, argv);
		}
	}
	if (dot && json) {
		free(plugins);
		free(sets);
		fprintf(stderr, "weft check: --dot and --json do not go "
		    "together\n");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		free(plugins);
		free(sets);
		fprintf(stderr, "weft check: missing FILE\n");
		check_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		free(plugins);
		free(sets);
		fprintf(stderr, "weft check: too many arguments\n");
		check_usage(stderr);
		return EXIT_USAGE;
	}
	file = argv[optind];

	rc = workflow_load(file, file, NULL, WF_FULL, &wf, &err);
	for (i = 0; rc == 0 && i < nplugins; i++)
		rc = workflow_plugin_option(wf, plugins[i], &err);
	for (i = 0; rc == 0 && i < nsets; i++)
		rc = workflow_set_param(wf, sets[i], &err);
	/* A secret may be set only where the workflow runs. */
	if (rc == 0)
		rc = workflow_check_ready(wf, 0, &err);
	free(plugins);
	free(sets);
	if (rc != 0 || plugins_load(wf, plugin_timeout_s(), &err) != 0 ||
	    dag_build(wf, &dag, &err) != 0 ||
	    dag_check_paths(wf, dag, &err) != 0) {
		fprintf(stderr, "%s\n", err);
		if (json)
			print_json(file, wf, dag, err);
		free(err);
		dag_free(&dag);
		workflow_free(&wf);
		return EXIT_USAGE;
	}
	if (dot)
		print_dot(wf, dag);
	else if (json)
		print_json(file, wf, dag, NULL);
	else {
		printf("%s: ok\n", file);
		printf("name: %s\n", wf->name);
		printf("apps: %zu\n", wf->napps);
		if (wf->nplugins > 0 || wf->nfunctions > 0) {
			printf("plugins: %zu\n", plugins_loaded(wf));
			printf("functions: %zu\n", wf->nfunctions);
		}
		printf("tasks: %zu\n", dag->ntasks);
		printf("edges: %zu\n", dag->nedges);
		printf("roots: %zu\n", dag->nroots);
	}
	dag_free(&dag);
	workflow_free(&wf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "weft check: cannot write output\n");
		return EXIT_INTERNAL;
	}
	return 0;
}
