/*
 * workflow-include.c: "include: [common.yaml]" at top level pulls in the
 * apps, params, env and plugins of other files, relative to the file
 * that includes them, nested as deep as WF_MAX_INCLUDE_DEPTH.  A cycle
 * is an error naming the chain; a file included twice by different
 * paths is read once.  Errors in an included file point into it (its
 * marks carry its name).
 *
 * A run keeps a copy of each included file next to its copy of the
 * workflow (include/N.yaml, with include/index listing the originals in
 * the order they were read), and its children read those copies: what
 * the run started with, whatever happens to the originals.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "workflow.h"

#define WF_MAX_INCLUDES		256
#define WF_MAX_INCLUDE_DEPTH	16

static const char *const include_keys[] = {
	"weft", "include", "env", "params", "plugins", "apps", NULL
};

/*
 * NAME relative to DIR, absolute, with "." and ".." taken away by the
 * text alone: the same string in a run's children, which have only the
 * run's copies, as in main.
 */
static char *
include_abs(const char *dir, const char *name)
{
	char	*joined, *norm, *out, *o, *seg;
	size_t	 n;

	joined = path_abs(dir, name);
	norm = path_normalise(joined);
	free(joined);
	out = o = xmalloc(strlen(norm) + 2);
	for (seg = norm; *seg != '\0'; seg += n) {
		while (*seg == '/')
			seg++;
		n = strcspn(seg, "/");
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			/* Up one: back to the previous '/'. */
			while (o > out && *--o != '/')
				;
			continue;
		}
		if (n == 0)
			continue;
		*o++ = '/';
		memcpy(o, seg, n);
		o += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	free(norm);
	return out;
}

/* The directory part of a path ("." for none). */
static char *
dir_of(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, slash - path);
}

/*
 * "a.yaml -> b.yaml -> a.yaml": the chain of includes from its FROM-th
 * file, back to that file.
 */
static char *
cycle_text(struct loader *l, size_t from)
{
	const struct workflow	*wf = l->wf;
	char			*s, *t;
	size_t			 i;

	s = xstrdup("");
	for (i = from; i < l->nchain; i++) {
		t = xprintf("%s%s -> ", s, wf->include_names[l->chain[i]]);
		free(s);
		s = t;
	}
	t = xprintf("%s%s", s, wf->include_names[l->chain[from]]);
	free(s);
	return t;
}

/*
 * In a run's copy, the copy of the file whose original is ABS: the line
 * of include/index that names it.  NULL if none does.
 */
static char *
snapshot_path(struct loader *l, const char *abs)
{
	char	*dir, *index, *line = NULL, *path = NULL;
	size_t	 cap = 0, k = 0;
	ssize_t	 n;
	FILE	*f;

	dir = dir_of(l->wf->path);
	index = xprintf("%s/include/index", dir);
	if ((f = fopen(index, "r")) != NULL) {
		while ((n = getline(&line, &cap, f)) > 0) {
			if (line[n - 1] == '\n')
				line[n - 1] = '\0';
			if (strcmp(line, abs) == 0) {
				path = xprintf("%s/include/%zu.yaml", dir, k);
				break;
			}
			k++;
		}
		fclose(f);
	}
	free(line);
	free(index);
	free(dir);
	return path;
}

/* The file the loader has read already as ABS, or -1. */
static long
included_already(const struct workflow *wf, const char *abs)
{
	size_t	 i;

	for (i = 0; i < wf->nincludes; i++) {
		if (strcmp(wf->includes[i], abs) == 0)
			return (long)i;
	}
	return -1;
}

/* Reads the file's tree and its definitions (its own includes first). */
static void
include_read(struct loader *l, const struct ynode *n, size_t k,
    const char *path)
{
	const char		*abs = l->wf->includes[k];
	const char		*display = l->wf->include_names[k];
	struct ytree		 t;
	const struct ynode	*root, *v, *saved_root;
	const char		*why, *saved_dir;
	long long		 version;
	char			*dir;
	int			 fd;

	if ((fd = ytree_open(path, &why)) == -1) {
		if (why != NULL)
			wf_error(&l->errs, &n->mark, "cannot include '%s': not "
			    "a regular file (%s)", n->s, why);
		else
			wf_error(&l->errs, &n->mark, "cannot include '%s': %s",
			    n->s, strerror(errno));
		return;
	}
	memset(&t, 0, sizeof t);
	t.errs = &l->errs;
	t.fd = fd;
	t.file = display;
	strmap_init(&t.amap, 16);
	if (ytree_build(&t) != 0 || t.read_errno != 0) {
		if (t.read_errno != 0)
			wf_error(&l->errs, &n->mark, "cannot include '%s': %s",
			    n->s, t.read_errno == EFBIG ? "too large" :
			    strerror(t.read_errno));
		goto out;
	}
	if ((root = t.root) == NULL || ynode_null(root))
		goto out;	/* an empty file defines nothing */
	if (root->type != YN_MAP) {
		wf_error(&l->errs, &root->mark, "an included file must be a "
		    "mapping, not %s", ynode_kind(root));
		goto out;
	}
	saved_root = l->inc_root;
	saved_dir = l->dir;
	l->inc_root = root;
	check_keys(l, root, include_keys, "in an included file (it may "
	    "hold include, apps, params, env and plugins)");
	if ((v = ynode_get(root, "weft")) != NULL &&
	    (ynode_int(v, &version) != 0 || version != WEFT_FORMAT_VERSION))
		wf_error(&l->errs, &v->mark, "unsupported format version '%s' "
		    "(this weft reads version %d)", v->type == YN_SCALAR ?
		    v->s : "?", WEFT_FORMAT_VERSION);
	dir = dir_of(abs);
	l->dir = dir;
	l->chain = xreallocarray(l->chain, l->nchain + 1, sizeof *l->chain);
	l->chain[l->nchain++] = k;
	if ((v = ynode_get(root, "include")) != NULL)
		load_includes(l, v);
	load_definitions(l, root);
	l->nchain--;
	l->dir = saved_dir;
	l->inc_root = saved_root;
	free(dir);
out:
	ytree_free(&t);
	close(fd);
}

static void
include_one(struct loader *l, const struct ynode *n)
{
	struct workflow	*wf = l->wf;
	char		*abs, *display, *base, *path = NULL, *cycle, *self;
	long		 k;
	size_t		 i;

	/* Normalised: "./a.yaml" and "a.yaml" are one file. */
	abs = include_abs(l->dir != NULL ? l->dir : wf->dir, n->s);
	if ((k = included_already(wf, abs)) != -1) {
		/* On the way here: a loop.  Else read once is enough. */
		for (i = 0; i < l->nchain && l->chain[i] != (size_t)k; i++)
			;
		if (i < l->nchain) {
			cycle = cycle_text(l, i);
			wf_error(&l->errs, &n->mark, "include cycle: %s",
			    cycle);
			free(cycle);
		}
		free(abs);
		return;
	}
	if (!l->snapshot) {
		base = strrchr(wf->path, '/');
		self = xprintf("%s/%s", wf->dir, base != NULL ? base + 1 :
		    wf->path);
		i = strcmp(self, abs) == 0;
		free(self);
		if (i) {
			wf_error(&l->errs, &n->mark, "include cycle: '%s' "
			    "includes %s", n->s, l->nchain > 0 ?
			    "the workflow file" : "itself");
			free(abs);
			return;
		}
	}
	if (l->nchain >= WF_MAX_INCLUDE_DEPTH ||
	    wf->nincludes >= WF_MAX_INCLUDES) {
		wf_error(&l->errs, &n->mark, "cannot include '%s': more than "
		    "%d files, or nested more than %d deep", n->s,
		    WF_MAX_INCLUDES, WF_MAX_INCLUDE_DEPTH);
		free(abs);
		return;
	}
	if (l->snapshot && (path = snapshot_path(l, abs)) == NULL) {
		wf_error(&l->errs, &n->mark, "cannot include '%s': the run "
		    "has no copy of it", n->s);
		free(abs);
		return;
	}
	/* Its name in messages: as the including file's, joined. */
	base = dir_of(l->nchain > 0 ? wf->include_names[l->chain[l->nchain -
	    1]] : wf->display);
	self = n->s[0] == '/' || strcmp(base, ".") == 0 ? xstrdup(n->s) :
	    xprintf("%s/%s", base, n->s);
	display = path_normalise(self);
	free(self);
	free(base);
	/* The workflow owns the name: the marks of its nodes point at it. */
	wf->includes = xreallocarray(wf->includes, wf->nincludes + 1,
	    sizeof *wf->includes);
	wf->include_names = xreallocarray(wf->include_names,
	    wf->nincludes + 1, sizeof *wf->include_names);
	wf->includes[wf->nincludes] = abs;
	wf->include_names[wf->nincludes++] = display;
	include_read(l, n, wf->nincludes - 1, path != NULL ? path : abs);
	free(path);
}

void
load_includes(struct loader *l, const struct ynode *v)
{
	const struct ynode	*n;
	size_t			 i, count;

	if (v->type == YN_SCALAR && !ynode_null(v))
		count = 1;
	else if (v->type == YN_SEQ)
		count = v->nkids;
	else {
		wf_error(&l->errs, &v->mark, "'include' must be a file name "
		    "or a list of them, not %s", ynode_kind(v));
		return;
	}
	for (i = 0; i < count && !wf_errors_full(&l->errs); i++) {
		n = v->type == YN_SEQ ? v->kids[i] : v;
		if (n->type != YN_SCALAR || ynode_null(n)) {
			wf_error(&l->errs, &n->mark, "each 'include' must be a "
			    "file name, not %s", ynode_kind(n));
			continue;
		}
		include_one(l, n);
	}
}
