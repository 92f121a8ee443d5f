/*
 * resume-why.c: why a task's key is not in the cache.  resume.c calls it
 * to make the parts of a key that go into each cache entry with the key
 * (why_hashes, why_parts), and, in "weft run --dry-run --resume", to
 * compare the parts of a task that would run with those of the newest
 * entry its id recorded (why_compare).  It also owns the fingerprints of
 * a task's outputs kept with each entry (outputs_fingerprint), and says
 * whether they still hold and if not which output changed
 * (outputs_changed): a task whose key is in the cache runs again when
 * they do not.
 *
 * The parts are JSON:
 *
 *	{"v": 1, "def": HEX, "text": HEX, "function": BOOL,
 *	 "inputs": [[PATH, HEX]...], "deps": [[ID, HEX]...]}
 *
 * "def" hashes what the key holds of the app and the workflow (the app's
 * name, its function and its plugin's content, the declared outputs, the
 * env, the task's own env and the params it names, the workflow's
 * folder), "text" the task's expanded command or
 * arguments (a command template is seen there); each input is its path as written and its content hash,
 * each dependency its id and key.  Only hashes are kept: the parts say
 * what changed, not what it was.
 */

#include <sys/stat.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft.h"

#define WHY_PARTS_VERSION	1

/*
 * What the language added to a task's definition, only when present, so
 * that the keys of workflows without them stay as they were: the task's
 * own env (a secret by its name only: its value is never kept, even
 * hashed) and the params its templates name.
 */
void
why_settings(const struct dag *dag, const struct task *t,
    const struct task_text *tt, struct hash *h)
{
	const struct workflow	*wf = dag_workflow(dag);
	const uint32_t		*params;
	const struct wf_kv	*p;
	size_t			 n, j;

	if (tt->nenv > 0) {
		hash_add_str(h, "env");
		hash_add(h, &tt->nenv, sizeof tt->nenv);
	}
	for (j = 0; j < tt->nenv; j++) {
		if (tt->env[j] != NULL)
			hash_add_str(h, tt->env[j]);
		else {
			hash_add_str(h, tt->env_kv[j]->key);
			hash_add_str(h, "from_env");
			hash_add_str(h, tt->env_kv[j]->from_env);
		}
	}
	n = dag_task_params(dag, t, &params);
	if (n > 0) {
		hash_add_str(h, "params");
		hash_add(h, &n, sizeof n);
	}
	for (j = 0; j < n; j++) {
		p = &wf->params[params[j]];
		hash_add_str(h, p->key);
		hash_add_str(h, p->value);
	}
}

/*
 * Into DEF and TEXT (HASH_LEN each), the hashes of task T's definition
 * and text TT.  PLUGIN_HASH is its app's plugin's, ENV the workflow's env
 * sorted by name.
 */
void
why_hashes(const struct dag *dag, const struct task *t,
    const struct task_text *tt, const uint8_t *plugin_hash,
    const struct wf_kv *env, uint8_t *def, uint8_t *text)
{
	const struct workflow	*wf = dag_workflow(dag);
	struct hash		 h;
	uint64_t		 n;
	size_t			 j;

	hash_begin(&h);
	hash_add_str(&h, "weft-why-def-1");
	hash_add_str(&h, wf->dir);
	hash_add_str(&h, t->app->name);
	/* A command template is seen in the command it expands to. */
	hash_add_str(&h, t->app->function);
	hash_add(&h, plugin_hash, HASH_LEN);
	n = t->noutputs;
	hash_add(&h, &n, sizeof n);
	for (j = 0; j < t->noutputs; j++)
		hash_add_str(&h, t->outputs[j]);
	n = wf->nenv;
	hash_add(&h, &n, sizeof n);
	for (j = 0; j < wf->nenv; j++) {
		hash_add_str(&h, env[j].key);
		hash_add_str(&h, env[j].value);
		if (env[j].from_env != NULL)
			hash_add_str(&h, env[j].from_env);
	}
	why_settings(dag, t, tt, &h);
	hash_end(&h, def);

	hash_begin(&h);
	hash_add_str(&h, "weft-why-text-1");
	hash_add_str(&h, tt->command);
	n = tt->nargs;
	hash_add(&h, &n, sizeof n);
	for (j = 0; j < tt->nargs; j++) {
		hash_add_str(&h, tt->arg_names[j]);
		hash_add_str(&h, tt->arg_values[j]);
	}
	hash_end(&h, text);
}

/* ",[NAME,HASH]", NAME as a JSON string, onto F; FIRST: no comma. */
static void
put_pair(FILE *f, int first, const char *name, const uint8_t *hash)
{
	json_t	*js;
	char	 hex[HASH_LEN * 2 + 1], *q;

	js = json_string(name);
	q = js != NULL ? json_dumps(js, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	json_decref(js);
	hash_hex(hash, hex);
	fprintf(f, "%s[%s,\"%s\"]", first ? "" : ",", q != NULL ? q :
	    "\"\"", hex);
	free(q);
}

/*
 * The parts of task I's key as JSON (caller frees): DEF and TEXT from
 * why_hashes, INPUT_HASH HASH_LEN per input, DEP_KEYS HASH_LEN per
 * dependency in the order of its deps.  Written out, not built as a
 * jansson object: main makes one for every task that succeeds, and only
 * names need escaping.
 */
char *
why_parts(const struct dag *dag, uint32_t i, const uint8_t *def,
    const uint8_t *text, const uint8_t *input_hash, const uint8_t *dep_keys)
{
	const struct task	*t = &dag->tasks[i];
	char			 dhex[HASH_LEN * 2 + 1], thex[HASH_LEN * 2 + 1];
	char			*s = NULL;
	size_t			 len, j;
	FILE			*f;

	if ((f = open_memstream(&s, &len)) == NULL)
		return NULL;
	hash_hex(def, dhex);
	hash_hex(text, thex);
	fprintf(f, "{\"v\":%d,\"def\":\"%s\",\"text\":\"%s\",\"function\":%s,"
	    "\"inputs\":[", WHY_PARTS_VERSION, dhex, thex,
	    TASK_IS_FUNCTION(t) ? "true" : "false");
	for (j = 0; j < t->ninputs; j++)
		put_pair(f, j == 0, t->inputs[j], input_hash + j * HASH_LEN);
	fputs("],\"deps\":[", f);
	for (j = 0; j < t->ndeps; j++)
		put_pair(f, j == 0, dag->tasks[t->deps[j]].id,
		    dep_keys + j * HASH_LEN);
	fputs("]}", f);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* The string at KEY of object O, or "" when there is none. */
static const char *
member(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/*
 * The hash paired with NAME in a list of [name, hash], looked for at
 * HINT first (lists mostly keep their order); NULL if absent.
 */
static const char *
paired(json_t *list, const char *name, size_t hint)
{
	json_t		*e;
	const char	*n;
	size_t		 j;

	n = json_string_value(json_array_get(json_array_get(list, hint), 0));
	if (n != NULL && strcmp(n, name) == 0)
		return json_string_value(json_array_get(json_array_get(list,
		    hint), 1));
	json_array_foreach(list, j, e) {
		n = json_string_value(json_array_get(e, 0));
		if (n != NULL && strcmp(n, name) == 0)
			return json_string_value(json_array_get(e, 1));
	}
	return NULL;
}

static void
add_reason(char **out, char *reason)
{
	char	*s;

	if (*out == NULL) {
		*out = reason;
		return;
	}
	s = xprintf("%s; %s", *out, reason);
	free(*out);
	free(reason);
	*out = s;
}

/*
 * Why the task, whose parts are NOW, has no entry, given the parts
 * RECORDED with the newest entry of its id: the differences, each once,
 * separated by "; " (caller frees).  Entries recorded without parts, or
 * with parts that cannot be read, say "changed".
 */
char *
why_compare(const char *recorded, const char *now)
{
	json_error_t	 err;
	json_t		*a, *b, *ia, *ib, *e;
	const char	*path, *h;
	char		*out = NULL;
	size_t		 j;

	if (recorded == NULL || now == NULL)
		return xstrdup("changed");
	a = json_loads(recorded, 0, &err);
	b = json_loads(now, 0, &err);
	if (!json_is_object(a) || !json_is_object(b) ||
	    json_integer_value(json_object_get(a, "v")) != WHY_PARTS_VERSION) {
		json_decref(a);
		json_decref(b);
		return xstrdup("changed");
	}
	if (strcmp(member(a, "def"), member(b, "def")) != 0)
		add_reason(&out, xstrdup("definition changed"));
	if (strcmp(member(a, "text"), member(b, "text")) != 0)
		add_reason(&out, xstrdup(json_is_true(json_object_get(b,
		    "function")) ? "arguments changed" : "command changed"));
	ia = json_object_get(a, "inputs");
	ib = json_object_get(b, "inputs");
	json_array_foreach(ib, j, e) {
		if ((path = json_string_value(json_array_get(e, 0))) == NULL)
			continue;
		h = json_string_value(json_array_get(e, 1));
		if (paired(ia, path, j) == NULL)
			add_reason(&out, xprintf("input added: %s", path));
		else if (h == NULL || strcmp(paired(ia, path, j), h) != 0)
			add_reason(&out, xprintf("input changed: %s", path));
	}
	json_array_foreach(ia, j, e) {
		path = json_string_value(json_array_get(e, 0));
		if (path != NULL && paired(ib, path, j) == NULL)
			add_reason(&out, xprintf("input removed: %s", path));
	}
	ia = json_object_get(a, "deps");
	ib = json_object_get(b, "deps");
	json_array_foreach(ib, j, e) {
		if ((path = json_string_value(json_array_get(e, 0))) == NULL)
			continue;
		h = json_string_value(json_array_get(e, 1));
		if (paired(ia, path, j) == NULL)
			add_reason(&out, xprintf("dependency added: %s", path));
		else if (h == NULL || strcmp(paired(ia, path, j), h) != 0)
			add_reason(&out, xprintf("dependency changed: %s",
			    path));
	}
	json_array_foreach(ia, j, e) {
		path = json_string_value(json_array_get(e, 0));
		if (path != NULL && paired(ib, path, j) == NULL)
			add_reason(&out, xprintf("dependency removed: %s",
			    path));
	}
	json_decref(a);
	json_decref(b);
	/* The same parts under another key: something the parts omit. */
	return out != NULL ? out : xstrdup("changed");
}

/* Fingerprints of task T's outputs, as the cache keeps them (JSON). */
char *
outputs_fingerprint(const char *wfdir, const struct task *t)
{
	struct stat	 st;
	json_t		*a;
	char		*path, *s;
	size_t		 i;

	if (t->noutputs == 0)
		return xstrdup("[]");
	a = json_array();
	for (i = 0; i < t->noutputs; i++) {
		path = path_abs(wfdir, t->outputs[i]);
		if (stat(path, &st) == -1)
			memset(&st, 0, sizeof st);
		free(path);
		json_array_append_new(a, json_pack("[s, I, I, I]",
		    t->outputs[i], (json_int_t)st.st_size,
		    (json_int_t)((int64_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec), (json_int_t)st.st_ino));
	}
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s != NULL ? s : xstrdup("[]");
}

/*
 * NULL if every output of T still has the fingerprint RECORDED (as
 * outputs_fingerprint made it); else why not (caller frees): "output
 * missing: PATH" or "output changed: PATH" for the first output that
 * is, or "output changed" when the record does not fit the task.
 */
char *
outputs_changed(const char *wfdir, const struct task *t,
    const char *recorded)
{
	json_error_t	 err;
	json_t		*a;
	struct stat	 st;
	const char	*p;
	json_int_t	 size, mtime, ino;
	char		*path, *out = NULL;
	size_t		 i;
	int		 gone;

	if ((a = json_loads(recorded, 0, &err)) == NULL)
		return xstrdup("output changed");
	if (!json_is_array(a) || json_array_size(a) != t->noutputs)
		out = xstrdup("output changed");
	for (i = 0; out == NULL && i < t->noutputs; i++) {
		if (json_unpack(json_array_get(a, i), "[s, I, I, I]", &p, &size,
		    &mtime, &ino) == -1 || strcmp(p, t->outputs[i]) != 0) {
			out = xstrdup("output changed");
			break;
		}
		path = path_abs(wfdir, p);
		gone = stat(path, &st) == -1;
		free(path);
		if (gone)
			out = xprintf("output missing: %s", p);
		else if (st.st_size != size || (json_int_t)st.st_ino != ino ||
		    (int64_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec != mtime)
			out = xprintf("output changed: %s", p);
	}
	json_decref(a);
	return out;
}
