/*
 * workflow.c: the workflow file loader.  ytree.c reads the file into a
 * small node tree (with positions, anchors and aliases), which is then
 * checked here and copied into a struct workflow.  Every process that
 * needs the workflow calls workflow_load: weft run and weft check, and
 * every helper and worker with the run's snapshot.
 *
 * The loader has two modes.  WF_FULL reads everything and is used only by
 * "weft run" and "weft check".  WF_DEFINITIONS, used by every child
 * process, passes over the events of the top-level "main" value without
 * building anything from them, so a child never holds the main body: the
 * guard is in the structure, not in a flag that a caller could forget.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "workflow.h"

static const char *const top_keys[] = {
	"weft", "name", "config", "env", "params", "plugins", "apps", "main",
	"include", NULL
};
static const char *const app_keys[] = {
	"command", "function", "walltime", "retries", "env", "resources",
	NULL
};

/* Checking the tree. */

/* Reports keys of map not in valid, suggesting the nearest valid one. */
void
check_keys(struct loader *l, const struct ynode *map,
    const char *const *valid, const char *context)
{
	const struct ynode	*k;
	const char		*best;
	struct wf_suggest	 hint;
	size_t			 i, j;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		if (k->type != YN_SCALAR)
			continue;
		/* A place to park anchors, as in Compose and GitLab CI. */
		if ((map == l->t.root || map == l->inc_root) &&
		    strncmp(k->s, "x-", 2) == 0)
			continue;
		for (j = 0; valid[j] != NULL; j++) {
			if (strcmp(k->s, valid[j]) == 0)
				break;
		}
		if (valid[j] != NULL)
			continue;
		wf_suggest_init(&hint, k->s);
		for (j = 0; valid[j] != NULL; j++)
			wf_suggest_try(&hint, valid[j]);
		if ((best = wf_suggest_best(&hint)) != NULL) {
			wf_error(&l->errs, &k->mark, "unknown key '%s' %s "
			    "(did you mean '%s'?)", k->s, context, best);
		} else {
			wf_error(&l->errs, &k->mark, "unknown key '%s' %s",
			    k->s, context);
		}
	}
}

/* A non-empty scalar, copied. */
int
get_string(struct loader *l, const struct ynode *n, const char *what,
    char **out)
{
	if (n->type != YN_SCALAR || ynode_null(n)) {
		wf_error(&l->errs, &n->mark, "%s must be a string, not %s",
		    what, ynode_kind(n));
		return -1;
	}
	free(*out);
	*out = xstrdup(n->s);
	return 0;
}

int
get_int(struct loader *l, const struct ynode *n, const char *key,
    long long min, long long max, int *out)
{
	long long	 v;
	int		 rc;

	rc = ynode_int(n, &v);
	if (max == INT_MAX && (rc == -2 || (rc == 0 && v > max))) {
		/* ">= MIN" would be wrong about a number that is. */
		wf_error(&l->errs, &n->mark, "'%s' is out of range: it must be "
		    "an integer from %lld to %lld", key, min, max);
		return -1;
	}
	if (rc != 0 || v < min || v > max) {
		if (max == INT_MAX) {
			wf_error(&l->errs, &n->mark, "'%s' must be an integer "
			    ">= %lld", key, min);
		} else {
			wf_error(&l->errs, &n->mark, "'%s' must be an integer "
			    "from %lld to %lld", key, min, max);
		}
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
is_name(const char *s, int dash)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    *s == '_'))
		return 0;
	for (s++; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' ||
		    (dash && *s == '-')))
			return 0;
	}
	return 1;
}

/* K names a WHAT as a name must be, or that is reported: -1. */
int
check_name(struct loader *l, const struct ynode *k, const char *what)
{
	if (is_name(k->s, 1))
		return 0;
	wf_error(&l->errs, &k->mark, "invalid %s name '%s' (letters, digits, "
	    "'_' and '-', not starting with a digit or '-')", what, k->s);
	return -1;
}

/* Whether S holds a control character, which no id may show. */
int
has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

/*
 * A name that an earlier file (or mapping) defined already: reported at
 * its second place, naming the first.
 */
void
defined_twice(struct loader *l, const char *what, const char *name,
    const struct wf_mark *now, const struct wf_mark *first)
{
	wf_error(&l->errs, now, "%s '%s' is defined twice (first at %s:%d:%d)",
	    what, name, first->file != NULL ? first->file : l->wf->display,
	    first->line, first->col);
}

/* A template's syntax, with the column of the fault when it is known. */
int
check_template(struct loader *l, const struct ynode *n)
{
	struct tpl_error	 te;
	struct wf_mark		 m = n->mark;

	/* These two bytes stand for results inside weft (see dag.c). */
	if (strpbrk(n->s, "\001\002") != NULL) {
		wf_error(&l->errs, &n->mark, "control character U+%04X in a "
		    "template", (unsigned)*strpbrk(n->s, "\001\002"));
		return -1;
	}
	if (template_check(n->s, &te) == 0)
		return 0;
	if (m.text_col > 0 && memchr(n->s, '\n', te.offset) == NULL)
		m.col = template_column(n->s, te.offset, m.text_col);
	wf_error(&l->errs, &m, "%s", te.msg);
	return -1;
}

int
want_map(struct loader *l, const struct ynode *n, const char *what)
{
	if (n->type == YN_MAP)
		return 0;
	if (!ynode_null(n)) {
		wf_error(&l->errs, &n->mark, "%s must be a mapping, not %s",
		    what, ynode_kind(n));
	}
	return -1;
}

/* A YAML boolean; returns -1 (and reports) for anything else. */
int
get_bool(struct loader *l, const struct ynode *v, const char *what, int *out)
{
	const char	*b = v->type == YN_SCALAR && v->plain ? v->s : "";

	if (strcmp(b, "true") == 0 || strcmp(b, "True") == 0 ||
	    strcmp(b, "TRUE") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(b, "false") == 0 || strcmp(b, "False") == 0 ||
	    strcmp(b, "FALSE") == 0) {
		*out = 0;
		return 0;
	}
	wf_error(&l->errs, &v->mark, "'%s' must be true or false", what);
	return -1;
}

/*
 * resources: {cores: N, memory: SIZE, gpus: N}, what one task of an app
 * or an entry asks of the pool that runs it.
 */
void
get_resources(struct loader *l, const struct ynode *v,
    struct wf_resources *res)
{
	static const char *const keys[] = { "cores", "memory", "gpus", NULL };
	const struct ynode	*e;
	char			*s = NULL;

	if (want_map(l, v, "'resources'") != 0)
		return;
	check_keys(l, v, keys, "in resources");
	res->set = 1;
	res->mark = v->mark;
	if ((e = ynode_get(v, "cores")) != NULL)
		get_int(l, e, "cores", 1, WEFT_MAX_RESOURCE, &res->cores);
	if ((e = ynode_get(v, "gpus")) != NULL)
		get_int(l, e, "gpus", 0, WEFT_MAX_RESOURCE, &res->gpus);
	if ((e = ynode_get(v, "memory")) != NULL &&
	    get_string(l, e, "'memory'", &s) == 0 &&
	    (parse_size(s, &res->memory) == -1 || res->memory == 0))
		wf_error(&l->errs, &e->mark, "'memory' must be a size such as "
		    "4G or 512M, not '%s'", s);
	free(s);
}

/* A walltime: a duration such as 90s. */
int
get_walltime(struct loader *l, const struct ynode *v, char **text,
    int64_t *ms)
{
	if (get_string(l, v, "'walltime'", text) != 0)
		return -1;
	if (parse_duration(*text, ms) == 0)
		return 0;
	wf_error(&l->errs, &v->mark, "invalid walltime '%s' (write a "
	    "duration such as 90s, 5m, 1h30m or 250ms, up to 30 days)",
	    *text);
	return -1;
}

/* plugins: a mapping of plugin names to paths of shared objects. */
static void
load_plugins(struct loader *l, const struct ynode *map)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*k, *v;
	struct wf_plugin	*pl;
	size_t			 i;

	if (want_map(l, map, "'plugins'") != 0)
		return;
	wf->plugins = xreallocarray(wf->plugins, wf->nplugins +
	    map->nkids / 2 + 1, sizeof *wf->plugins);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type != YN_SCALAR)
			continue;
		if (check_name(l, k, "plugin") != 0)
			continue;
		if (v->type != YN_SCALAR || ynode_null(v)) {
			wf_error(&l->errs, &v->mark, "plugin '%s' must be "
			    "the path of a shared object, not %s", k->s,
			    ynode_kind(v));
			continue;
		}
		if ((pl = workflow_find_plugin(wf, k->s)) != NULL) {
			defined_twice(l, "plugin", k->s, &k->mark, &pl->mark);
			continue;
		}
		pl = &wf->plugins[wf->nplugins++];
		memset(pl, 0, sizeof *pl);
		pl->name = xstrdup(k->s);
		pl->path = xstrdup(v->s);
		/* An included file's are relative to that file. */
		pl->abspath = path_abs(l->dir != NULL ? l->dir : wf->dir, v->s);
		pl->mark = v->mark;
	}
}

struct wf_plugin *
workflow_find_plugin(const struct workflow *wf, const char *name)
{
	size_t	 i;

	for (i = 0; i < wf->nplugins; i++) {
		if (strcmp(wf->plugins[i].name, name) == 0)
			return &wf->plugins[i];
	}
	return NULL;
}

int
workflow_plugin_option(struct workflow *wf, const char *arg, char **errp)
{
	struct wf_plugin	*pl;
	const char		*eq = strchr(arg, '=');
	char			*name, *cwd;

	if (eq == NULL || eq == arg || eq[1] == '\0') {
		*errp = xprintf("%s: invalid --plugin '%s': expected "
		    "NAME=PATH", weft_prog, arg);
		return -1;
	}
	name = xstrndup(arg, eq - arg);
	if (!is_name(name, 1)) {
		*errp = xprintf("%s: invalid --plugin '%s': '%s' is not a "
		    "plugin name (letters, digits, '_' and '-', not starting "
		    "with a digit or '-')", weft_prog, arg, name);
		free(name);
		return -1;
	}
	if ((pl = workflow_find_plugin(wf, name)) == NULL) {
		wf->plugins = xreallocarray(wf->plugins, wf->nplugins + 1,
		    sizeof *wf->plugins);
		pl = &wf->plugins[wf->nplugins++];
		memset(pl, 0, sizeof *pl);
		pl->name = name;
	} else {
		free(name);
		free(pl->path);
		free(pl->abspath);
	}
	pl->path = xstrdup(eq + 1);
	if ((cwd = getcwd(NULL, 0)) == NULL)
		cwd = xstrdup(".");
	pl->abspath = path_abs(cwd, eq + 1);
	free(cwd);
	memset(&pl->mark, 0, sizeof pl->mark);
	pl->mark.line = -1;
	return 0;
}

/* function: PLUGIN.SYMBOL; the plugin is looked up by plugins_load. */
static void
load_function(struct loader *l, struct wf_app *app, const struct ynode *v)
{
	const char	*dot;

	if (get_string(l, v, "'function'", &app->function) != 0)
		return;
	app->function_mark = v->mark;
	dot = strchr(app->function, '.');
	if (dot == NULL || dot == app->function || !is_name(dot + 1, 0)) {
		wf_error(&l->errs, &v->mark, "app '%s': 'function' must be "
		    "PLUGIN.SYMBOL, not '%s'", app->name, app->function);
		return;
	}
	app->fn_plugin = xstrndup(app->function, dot - app->function);
	app->fn_symbol = xstrdup(dot + 1);
	l->wf->nfunctions++;
}

static void
load_apps(struct loader *l, const struct ynode *map)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*k, *a, *v;
	struct wf_app		*app;
	const struct wf_app	*prev;
	char			*ctx;
	size_t			 i;

	if (want_map(l, map, "'apps'") != 0)
		return;
	wf->apps = xreallocarray(wf->apps, wf->napps + map->nkids / 2 + 1,
	    sizeof *wf->apps);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		a = map->kids[i + 1];
		if (k->type != YN_SCALAR)
			continue;
		if (k->s[0] == '\0') {
			wf_error(&l->errs, &k->mark, "empty app name");
			continue;
		}
		if (a->type != YN_MAP) {
			wf_error(&l->errs, &a->mark, "app '%s' must be a "
			    "mapping, not %s", k->s, ynode_kind(a));
			continue;
		}
		if ((prev = workflow_find_app(wf, k->s)) != NULL) {
			defined_twice(l, "app", k->s, &k->mark, &prev->mark);
			continue;
		}
		app = &wf->apps[wf->napps++];
		memset(app, 0, sizeof *app);
		app->name = xstrdup(k->s);
		app->mark = k->mark;
		app->retries = -1;
		ctx = xprintf("in app '%s'", k->s);
		check_keys(l, a, app_keys, ctx);
		free(ctx);
		if ((v = ynode_get(a, "function")) != NULL &&
		    ynode_get(a, "command") != NULL) {
			wf_error(&l->errs, &k->mark, "app '%s': has both "
			    "'command' and 'function'; give one", k->s);
		} else if (v != NULL)
			load_function(l, app, v);
		else if ((v = ynode_get(a, "command")) == NULL) {
			wf_error(&l->errs, &k->mark, "app '%s' has no "
			    "'command' (or 'function')", k->s);
		} else if (get_string(l, v, "'command'", &app->command) == 0) {
			app->command_mark = v->mark;
			check_template(l, v);
		}
		if ((v = ynode_get(a, "walltime")) != NULL)
			get_walltime(l, v, &app->walltime, &app->walltime_ms);
		if ((v = ynode_get(a, "retries")) != NULL)
			get_int(l, v, "retries", 0, INT_MAX, &app->retries);
		if ((v = ynode_get(a, "env")) != NULL)
			load_env(l, v, "'env'", 1, &app->env, &app->nenv);
		if ((v = ynode_get(a, "resources")) != NULL)
			get_resources(l, v, &app->res);
	}
}

/* The definitions of a workflow file or of a file it includes. */
void
load_definitions(struct loader *l, const struct ynode *root)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*v;

	if ((v = ynode_get(root, "env")) != NULL)
		load_env(l, v, "'env'", 0, &wf->env, &wf->nenv);
	if ((v = ynode_get(root, "params")) != NULL)
		load_params(l, v);
	if ((v = ynode_get(root, "plugins")) != NULL)
		load_plugins(l, v);
	if ((v = ynode_get(root, "apps")) != NULL)
		load_apps(l, v);
}

static void
check_tree(struct loader *l)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*root = l->t.root, *v, *main_key = NULL;
	struct wf_mark		 first = { 1, 1, 0, NULL };
	long long		 version;
	size_t			 i;

	if (root == NULL || ynode_null(root)) {
		wf_error(&l->errs, &first, "missing 'weft: %d'",
		    WEFT_FORMAT_VERSION);
		return;
	}
	if (root->type != YN_MAP) {
		wf_error(&l->errs, &root->mark, "a workflow must be a mapping, "
		    "not %s", ynode_kind(root));
		return;
	}
	check_keys(l, root, top_keys, "at top level");
	if ((v = ynode_get(root, "weft")) == NULL) {
		wf_error(&l->errs, &root->mark, "missing 'weft: %d'",
		    WEFT_FORMAT_VERSION);
	} else if (ynode_int(v, &version) != 0) {
		wf_error(&l->errs, &v->mark, "unsupported format version '%s' "
		    "(this weft reads version %d)", v->type == YN_SCALAR ?
		    v->s : "?", WEFT_FORMAT_VERSION);
	} else if (version != WEFT_FORMAT_VERSION) {
		wf_error(&l->errs, &v->mark, "unsupported format version %lld "
		    "(this weft reads version %d)", version,
		    WEFT_FORMAT_VERSION);
	} else
		wf->version = (int)version;
	if ((v = ynode_get(root, "name")) != NULL)
		get_string(l, v, "'name'", &wf->name);
	if ((v = ynode_get(root, "config")) != NULL)
		load_config(l, v);
	/* What other files define first, so a clash names them first. */
	if ((v = ynode_get(root, "include")) != NULL)
		load_includes(l, v);
	load_definitions(l, root);

	if (wf->mode != WF_FULL)
		return;
	for (i = 0; i + 1 < root->nkids; i += 2) {
		if (root->kids[i]->type == YN_SCALAR &&
		    strcmp(root->kids[i]->s, "main") == 0) {
			main_key = root->kids[i];
			load_main(l, root->kids[i + 1], main_key);
			break;
		}
	}
	if (main_key == NULL) {
		wf_error(&l->errs, &root->mark, "no 'main': nothing to run");
		return;
	}
	check_call_apps(l);
}

/* Loading. */

static char *
default_name(const char *path)
{
	const char	*base, *dot;
	char		*name;

	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot != NULL && dot != base && (strcmp(dot, ".yaml") == 0 ||
	    strcmp(dot, ".yml") == 0))
		name = xstrndup(base, dot - base);
	else
		name = xstrdup(base);
	return name;
}

static char *
file_dir(const char *path, const char *dir)
{
	char	*d, *slash, *real;

	if (dir != NULL)
		d = xstrdup(dir);
	else {
		d = xstrdup(path);
		if ((slash = strrchr(d, '/')) == NULL) {
			free(d);
			d = xstrdup(".");
		} else if (slash == d)
			d[1] = '\0';
		else
			*slash = '\0';
	}
	real = realpath(d, NULL);
	free(d);
	if (real == NULL)
		return NULL;
	d = xstrdup(real);
	free(real);
	return d;
}

static char *
too_large(const char *display)
{
	return xprintf("%s: '%s' is too large (more than %d MiB)", weft_prog,
	    display,
	    WF_MAX_FILE >> 20);
}

int
workflow_load(const char *path, const char *display, const char *dir,
    enum wf_mode mode, struct workflow **wfp, char **errp)
{
	struct loader	 l;
	struct workflow	*wf;
	struct stat	 st;
	const char	*why;
	int		 fd;

	*wfp = NULL;
	*errp = NULL;
	if (display == NULL)
		display = path;
	if ((fd = ytree_open(path, &why)) == -1) {
		if (why != NULL)
			*errp = xprintf("%s: cannot read '%s': not a regular "
			    "file (%s)", weft_prog, display, why);
		else
			*errp = xprintf("%s: cannot read '%s': %s", weft_prog,
			    display,
			    strerror(errno));
		return -1;
	}
	/* Refused before a byte is read; a growing file stops at the cap. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > WF_MAX_FILE) {
		close(fd);
		*errp = too_large(display);
		return -1;
	}
	wf = xcalloc(1, sizeof *wf);
	wf->path = xstrdup(path);
	wf->display = xstrdup(display);
	wf->mode = mode;
	wf->pools = 1;
	wf->max_tasks = WEFT_DEFAULT_MAX_TASKS;
	wf->monitoring = 1;
	wf->resource_interval = 5;
	if ((wf->dir = file_dir(path, dir)) == NULL) {
		*errp = xprintf("%s: cannot read '%s': %s", weft_prog,
		    dir != NULL ? dir : display, strerror(errno));
		close(fd);
		workflow_free(&wf);
		return -1;
	}

	memset(&l, 0, sizeof l);
	l.wf = wf;
	l.t.errs = &l.errs;
	l.t.fd = fd;
	l.t.skip_main = mode == WF_DEFINITIONS;
	l.snapshot = dir != NULL;
	wf_errors_init(&l.errs, wf->display);
	strmap_init(&l.t.amap, 16);
	if (ytree_build(&l.t) == 0)
		check_tree(&l);
	wf->main_events_skipped = l.t.main_events_skipped;
	if (wf->name == NULL)
		wf->name = default_name(path);
	if (wf->provider == NULL)
		wf->provider = xstrdup("local");
	ytree_free(&l.t);
	free(l.chain);
	close(fd);

	if (l.t.read_errno == EFBIG) {
		free(wf_errors_take(&l.errs));
		*errp = too_large(display);
		workflow_free(&wf);
		return -1;
	}
	if (l.t.read_errno != 0) {
		free(wf_errors_take(&l.errs));
		*errp = xprintf("%s: cannot read '%s': %s", weft_prog, display,
		    strerror(l.t.read_errno));
		workflow_free(&wf);
		return -1;
	}
	if (l.errs.n > 0) {
		*errp = wf_errors_take(&l.errs);
		workflow_free(&wf);
		return -1;
	}
	*wfp = wf;
	return 0;
}

static void
free_kvs(struct wf_kv *kv, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
		free(kv[i].from_env);
	}
	free(kv);
}

static void
free_strs(struct wf_str *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(s[i].s);
	free(s);
}

void
workflow_free(struct workflow **wfp)
{
	struct workflow	*wf = *wfp;
	struct wf_call	*c;
	size_t		 i, j, k;

	if (wf == NULL)
		return;
	free(wf->path);
	free(wf->display);
	free(wf->dir);
	free(wf->name);
	free(wf->provider);
	provider_free(&wf->prov);
	free(wf->ix_address);
	free_kvs(wf->env, wf->nenv);
	free_kvs(wf->params, wf->nparams);
	for (i = 0; i < wf->nincludes; i++) {
		free(wf->includes[i]);
		free(wf->include_names[i]);
	}
	free(wf->includes);
	free(wf->include_names);
	for (i = 0; i < wf->nplugins; i++) {
		free(wf->plugins[i].name);
		free(wf->plugins[i].path);
		free(wf->plugins[i].abspath);
	}
	free(wf->plugins);
	for (i = 0; i < wf->napps; i++) {
		free(wf->apps[i].name);
		free(wf->apps[i].command);
		free(wf->apps[i].function);
		free(wf->apps[i].fn_plugin);
		free(wf->apps[i].fn_symbol);
		free(wf->apps[i].walltime);
		free_kvs(wf->apps[i].env, wf->apps[i].nenv);
	}
	free(wf->apps);
	for (i = 0; i < wf->ncalls; i++) {
		c = &wf->calls[i];
		free(c->id);
		free(c->app);
		free_kvs(c->args, c->nargs);
		for (j = 0; j < c->nforeach; j++) {
			free(c->foreach[j].key);
			for (k = 0; c->foreach[j].text == NULL &&
			    k < c->foreach[j].nvalues; k++)
				free(c->foreach[j].values[k]);
			free(c->foreach[j].text);
			free(c->foreach[j].values);
			free(c->foreach[j].fieldvals);
			free(c->foreach[j].fields);
		}
		free(c->foreach);
		free(c->combos);
		free_strs(c->inputs, c->ninputs);
		free_strs(c->outputs, c->noutputs);
		free_strs(c->needs, c->nneeds);
		free(c->walltime);
		free_kvs(c->env, c->nenv);
		free(c->when_text);
		cond_free(&c->when_cond);
	}
	free(wf->calls);
	free(wf);
	*wfp = NULL;
}

const struct wf_app *
workflow_find_app(const struct workflow *wf, const char *name)
{
	size_t	 i;

	for (i = 0; i < wf->napps; i++) {
		if (strcmp(wf->apps[i].name, name) == 0)
			return &wf->apps[i];
	}
	return NULL;
}
