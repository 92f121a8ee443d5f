/*
 * workflow.c: the workflow file loader.  libyaml's event stream is turned
 * into a small node tree (with positions, anchors and aliases), which is
 * then checked and copied into a struct workflow.
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

#include <yaml.h>

#include "weft.h"

#define WF_MAX_FILE	(64 * 1024 * 1024)
#define WF_MAX_SCALAR	(1024 * 1024)
#define WF_MAX_DEPTH	64

enum ynode_type {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
	YN_SKIPPED		/* the value of "main" in definitions mode */
};

struct ynode {
	enum ynode_type	 type;
	struct wf_mark	 mark;
	int		 plain;		/* unquoted scalar */
	int		 open;		/* still being built */
	const char	*s;		/* scalar text */
	size_t		 len;
	struct ynode   **kids;		/* items; for maps key, value, ... */
	size_t		 nkids;
	size_t		 cap;
	struct ynode	*next;		/* every container, for freeing */
};

/* Nodes and their text come from one arena, freed in one go. */
struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	char		 data[];
};
#define CHUNK_SIZE	(256 * 1024)

struct anchor {
	char		*name;
	struct ynode	*node;		/* NULL: defined in skipped main */
	int		 in_main;
};

struct loader {
	struct workflow	*wf;
	struct wf_errors errs;
	int		 fd;
	size_t		 nread;
	int		 read_errno;
	struct ynode	*nodes;
	struct chunk	*chunks;
	struct ynode	*root;
	struct anchor	*anchors;
	size_t		 nanchors;
	struct strmap	 amap;
	size_t		 total_tasks;
	int		 too_many_told;	/* the task limit: said once */
	size_t		 alias_entries;	/* main's entries that are aliases */
};

/* Stands in for the value of "main" when it is skipped. */
static struct ynode	 skipped_node = { .type = YN_SKIPPED };

static const char *const top_keys[] = {
	"weft", "name", "config", "env", "plugins", "apps", "main", NULL
};
static const char *const config_keys[] = {
	"jobs", "retries", "monitoring", "provider", "resume", NULL
};
static const char *const provider_keys[] = { "kind", "pools", NULL };
static const char *const monitoring_keys[] = {
	"enabled", "resource_interval", NULL
};
static const char *const app_keys[] = {
	"command", "function", "walltime", "retries", NULL
};
static const char *const call_keys[] = {
	"id", "app", "args", "foreach", "inputs", "outputs", "needs", NULL
};

/* Reading. */

/*
 * Opens the file.  Only a regular file is read: a directory cannot be,
 * and a FIFO, a device or a socket could block or never end.  It is
 * opened without blocking (a FIFO with no writer would hang the open
 * itself) and looked at before a byte is read; *WHYP then says what it
 * is instead, with errno 0.
 */
static int
open_file(const char *path, const char **whyp)
{
	struct stat	 st;
	int		 fd;

	*whyp = NULL;
	if ((fd = open(path, O_RDONLY|O_CLOEXEC|O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		*whyp = S_ISFIFO(st.st_mode) ? "a FIFO" :
		    S_ISSOCK(st.st_mode) ? "a socket" :
		    S_ISCHR(st.st_mode) ? "a character device" :
		    S_ISBLK(st.st_mode) ? "a block device" : "of unknown type";
		errno = 0;
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/*
 * libyaml pulls the file through this in small blocks: the whole text is
 * never held, so in definitions mode the main body passes by unkept.
 */
static int
read_handler(void *arg, unsigned char *buf, size_t size, size_t *nread)
{
	struct loader	*l = arg;
	ssize_t		 n;

	do
		n = read(l->fd, buf, size);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		l->read_errno = errno;
		return 0;
	}
	l->nread += n;
	if (l->nread > WF_MAX_FILE) {
		l->read_errno = EFBIG;
		return 0;
	}
	*nread = n;
	return 1;
}

/* Building the node tree from events. */

static struct wf_mark
mark_of(const yaml_mark_t *m)
{
	struct wf_mark	 wm;

	wm.line = (int)m->line + 1;
	wm.col = (int)m->column + 1;
	wm.text_col = 0;
	return wm;
}

/* Line and column of a byte offset, for reader errors. */
static struct wf_mark
mark_at(const struct loader *l, size_t off)
{
	struct wf_mark	 wm = { 1, 1, 0 };
	char		 buf[8192];
	size_t		 done = 0, i;
	ssize_t		 n;

	while (done < off) {
		n = pread(l->fd, buf, sizeof buf, done);
		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n && done + i < off; i++) {
			if (buf[i] == '\n') {
				wm.line++;
				wm.col = 1;
			} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
				wm.col++;
		}
		done += n;
	}
	return wm;
}

static size_t
utf8_chars(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return n;
}

static void *
arena_alloc(struct loader *l, size_t size)
{
	struct chunk	*c = l->chunks;
	size_t		 want;
	void		*p;

	size = (size + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < size) {
		want = size > CHUNK_SIZE / 4 ? size : CHUNK_SIZE;
		c = xmalloc(sizeof *c + want);
		c->size = want;
		c->used = 0;
		if (l->chunks != NULL && want != CHUNK_SIZE) {
			/* Keep the current chunk current. */
			c->next = l->chunks->next;
			l->chunks->next = c;
		} else {
			c->next = l->chunks;
			l->chunks = c;
		}
	}
	p = c->data + c->used;
	c->used += size;
	return p;
}

static char *
arena_strndup(struct loader *l, const char *s, size_t len)
{
	char	*p;

	p = arena_alloc(l, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static struct ynode *
node_new(struct loader *l, enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode	*n;

	n = arena_alloc(l, sizeof *n);
	memset(n, 0, sizeof *n);
	n->type = type;
	n->mark = mark_of(m);
	n->s = "";
	if (type == YN_SEQ || type == YN_MAP) {
		n->next = l->nodes;
		l->nodes = n;
	}
	return n;
}

static void
node_add(struct ynode *parent, struct ynode *kid)
{
	if (parent->nkids == parent->cap) {
		parent->cap = parent->cap == 0 ? 8 : parent->cap * 2;
		parent->kids = xreallocarray(parent->kids, parent->cap,
		    sizeof *parent->kids);
	}
	parent->kids[parent->nkids++] = kid;
}

static void
yaml_failed(struct loader *l, yaml_parser_t *p)
{
	struct wf_mark	 m;
	const char	*problem;

	problem = p->problem != NULL ? p->problem : "unknown error";
	if (l->read_errno != 0)
		return;
	if (p->error == YAML_READER_ERROR) {
		m = mark_at(l, p->problem_offset);
		if (p->problem_value != -1) {
			wf_error(&l->errs, &m, "malformed YAML: %s "
			    "(byte 0x%02x)", problem,
			    (unsigned)p->problem_value & 0xff);
		} else
			wf_error(&l->errs, &m, "malformed YAML: %s", problem);
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		wf_error(&l->errs, NULL, "malformed YAML: out of memory");
		return;
	}
	m = mark_of(&p->problem_mark);
	if (p->context != NULL) {
		wf_error(&l->errs, &m, "malformed YAML: %s (%s)", problem,
		    p->context);
	} else
		wf_error(&l->errs, &m, "malformed YAML: %s", problem);
}

static void
anchor_add(struct loader *l, const yaml_char_t *name, struct ynode *node,
    int in_main)
{
	struct anchor	*a;

	if (name == NULL)
		return;
	l->anchors = xreallocarray(l->anchors, l->nanchors + 1,
	    sizeof *l->anchors);
	a = &l->anchors[l->nanchors];
	a->name = xstrdup((const char *)name);
	a->node = node;
	a->in_main = in_main;
	strmap_put(&l->amap, a->name, (uint32_t)l->nanchors);
	l->nanchors++;
}

static const yaml_char_t *
event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

/*
 * Passes over the events of main's value.  Anchors defined there are
 * remembered by name only, so that an alias to one from the definitions
 * gets the same error in both modes.
 */
static int
skip_value(struct loader *l, yaml_parser_t *p, yaml_event_t *first)
{
	yaml_event_t	 ev;
	size_t		 depth = 0;
	int		 done;

	anchor_add(l, event_anchor(first), NULL, 1);
	l->wf->main_events_skipped++;
	if (first->type == YAML_SEQUENCE_START_EVENT ||
	    first->type == YAML_MAPPING_START_EVENT)
		depth = 1;
	while (depth > 0) {
		if (!yaml_parser_parse(p, &ev)) {
			yaml_failed(l, p);
			return -1;
		}
		l->wf->main_events_skipped++;
		anchor_add(l, event_anchor(&ev), NULL, 1);
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (done) {
			wf_error(&l->errs, NULL, "malformed YAML: unexpected "
			    "end of file");
			return -1;
		}
	}
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct ynode	*x = *(struct ynode *const *)a;
	const struct ynode	*y = *(struct ynode *const *)b;
	int			 c;

	c = strcmp(x->s, y->s);
	if (c != 0)
		return c;
	if (x->mark.line != y->mark.line)
		return x->mark.line < y->mark.line ? -1 : 1;
	return x->mark.col < y->mark.col ? -1 : x->mark.col > y->mark.col;
}

/* Mapping keys must be scalars and unique. */
static void
check_map_keys(struct loader *l, struct ynode *map)
{
	struct ynode	 *small[16], **keys = small;
	size_t		  i, j, n = 0;

	if (map->nkids / 2 > 16)
		keys = xcalloc(map->nkids / 2, sizeof *keys);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		if (map->kids[i]->type != YN_SCALAR) {
			wf_error(&l->errs, &map->kids[i]->mark,
			    "mapping keys must be scalars");
			continue;
		}
		keys[n++] = map->kids[i];
	}
	if (n <= 16) {
		for (i = 1; i < n; i++) {
			for (j = 0; j < i; j++) {
				if (strcmp(keys[i]->s, keys[j]->s) == 0) {
					wf_error(&l->errs, &keys[i]->mark,
					    "duplicate key '%s' (first at "
					    "line %d)", keys[i]->s,
					    keys[j]->mark.line);
					break;
				}
			}
		}
	} else {
		qsort(keys, n, sizeof *keys, key_cmp);
		for (i = 1; i < n; i++) {
			if (strcmp(keys[i]->s, keys[i - 1]->s) == 0) {
				wf_error(&l->errs, &keys[i]->mark,
				    "duplicate key '%s' (first at line %d)",
				    keys[i]->s, keys[i - 1]->mark.line);
			}
		}
	}
	if (keys != small)
		free(keys);
}

static struct ynode *
scalar_new(struct loader *l, const yaml_event_t *ev)
{
	struct ynode	*n;
	size_t		 len = ev->data.scalar.length, chars, span;
	const char	*v = (const char *)ev->data.scalar.value;

	n = node_new(l, YN_SCALAR, &ev->start_mark);
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (len > WF_MAX_SCALAR) {
		wf_error(&l->errs, &n->mark, "value too long (%zu bytes, "
		    "limit %d)", len, WF_MAX_SCALAR);
		return n;
	}
	if (memchr(v, '\0', len) != NULL) {
		wf_error(&l->errs, &n->mark, "value contains a NUL character");
		return n;
	}
	n->s = arena_strndup(l, v, len);
	n->len = len;

	/* Is the value written on one line exactly as it reads? */
	if (ev->start_mark.line == ev->end_mark.line) {
		chars = utf8_chars(v, len);
		span = ev->end_mark.index - ev->start_mark.index;
		if (n->plain && span == chars)
			n->mark.text_col = n->mark.col;
		else if ((ev->data.scalar.style ==
		    YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style ==
		    YAML_DOUBLE_QUOTED_SCALAR_STYLE) && span == chars + 2)
			n->mark.text_col = n->mark.col + 1;
	}
	return n;
}

/*
 * A node's tag: none, the non-specific "!", or one of the YAML core
 * schema's tags for its kind (!!str, !!int, !!float, !!bool, !!null for
 * a scalar, !!seq, !!map), which say what the node already is.  Any other
 * tag (!foo, !!binary, !!set...) asks for a meaning weft does not give,
 * so it is refused rather than ignored.  A scalar tagged !!str is never
 * read as a number, boolean or null.
 */
static int
check_tag(struct loader *l, const yaml_event_t *ev, const struct wf_mark *m)
{
	static const char *const scalar_tags[] = {
		"str", "int", "float", "bool", "null", NULL
	};
	const char	*tag, *want = NULL, *name;
	size_t		 i;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		tag = (const char *)ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		tag = (const char *)ev->data.sequence_start.tag;
		want = "seq";
		break;
	case YAML_MAPPING_START_EVENT:
		tag = (const char *)ev->data.mapping_start.tag;
		want = "map";
		break;
	default:
		return 0;
	}
	if (tag == NULL || strcmp(tag, "!") == 0)
		return 0;
	if (strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
		name = tag + 18;
		if (want != NULL && strcmp(name, want) == 0)
			return 0;
		for (i = 0; want == NULL && scalar_tags[i] != NULL; i++) {
			if (strcmp(name, scalar_tags[i]) == 0)
				return 0;
		}
		wf_error(&l->errs, m, "unsupported YAML tag '!!%s' (weft "
		    "accepts only the tags of the core schema: !!str, !!int, "
		    "!!float, !!bool, !!null, !!seq, !!map)", name);
		return -1;
	}
	wf_error(&l->errs, m, "unsupported YAML tag '%s' (weft accepts only "
	    "the tags of the core schema: !!str, !!int, !!float, !!bool, "
	    "!!null, !!seq, !!map)", tag);
	return -1;
}

/*
 * Reads the event stream into a tree.  Errors here (syntax, aliases,
 * duplicate keys) stop the load before the tree is checked.
 */
static int
build_tree(struct loader *l)
{
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	struct ynode	*stack[WF_MAX_DEPTH], *n, *top, *key;
	size_t		 depth = 0, main_depth = 0, i;
	uint32_t	 ai;
	int		 ndocs = 0, rc = -1, in_main = 0, entering, stop = 0;
	const char	*name;
	struct wf_mark	 m;

	if (!yaml_parser_initialize(&p)) {
		wf_error(&l->errs, NULL, "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input(&p, read_handler, l);
	while (!stop) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_failed(l, &p);
			goto out;
		}
		n = NULL;
		m = mark_of(&ev.start_mark);
		top = depth > 0 ? stack[depth - 1] : NULL;

		/* Is this event the start of the top-level main's value? */
		entering = 0;
		if (depth == 1 && top == l->root && top->type == YN_MAP &&
		    top->nkids % 2 == 1) {
			key = top->kids[top->nkids - 1];
			entering = key->type == YN_SCALAR &&
			    strcmp(key->s, "main") == 0;
		}
		if (entering && (ev.type == YAML_SCALAR_EVENT ||
		    ev.type == YAML_ALIAS_EVENT ||
		    ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT)) {
			if (l->wf->mode == WF_DEFINITIONS) {
				if (skip_value(l, &p, &ev) != 0) {
					yaml_event_delete(&ev);
					goto out;
				}
				yaml_event_delete(&ev);
				node_add(top, &skipped_node);
				continue;
			}
			in_main = 1;
			main_depth = 1;
		}

		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			stop = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				wf_error(&l->errs, &m, "a workflow file holds "
				    "one YAML document, not several");
				stop = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			name = (const char *)ev.data.alias.anchor;
			if (strmap_get(&l->amap, name, &ai) != 0) {
				wf_error(&l->errs, &m, "undefined alias '*%s'",
				    name);
				n = node_new(l, YN_SCALAR, &ev.start_mark);
			} else if (l->anchors[ai].in_main && !in_main) {
				wf_error(&l->errs, &m, "alias '*%s' refers to "
				    "an anchor inside 'main', which only "
				    "'weft run' reads", name);
				n = node_new(l, YN_SCALAR, &ev.start_mark);
			} else if (l->anchors[ai].node->open) {
				wf_error(&l->errs, &m, "alias '*%s' refers to "
				    "a node that contains it", name);
				n = node_new(l, YN_SCALAR, &ev.start_mark);
			} else if (!in_main || depth != 2 || main_depth != 1 ||
			    l->alias_entries >= WEFT_MAX_TASKS) {
				n = l->anchors[ai].node;
			} else {
				/*
				 * An entry of main: a shallow copy that sits
				 * where the alias is, so that what is wrong
				 * with this entry (a duplicate id) points at
				 * the alias, not at the anchor.  It shares
				 * the kids, which the anchor's node frees.
				 * Only so many: past the task limit the file
				 * is refused anyway, and a file of aliases
				 * must not cost a node each.
				 */
				l->alias_entries++;
				n = arena_alloc(l, sizeof *n);
				*n = *l->anchors[ai].node;
				n->mark = m;
				n->next = NULL;
			}
			break;
		case YAML_SCALAR_EVENT:
			n = scalar_new(l, &ev);
			if (check_tag(l, &ev, &m) == 0 &&
			    ev.data.scalar.tag != NULL && strcmp((const char *)
			    ev.data.scalar.tag, "tag:yaml.org,2002:str") == 0)
				n->plain = 0;
			anchor_add(l, ev.data.scalar.anchor, n, in_main);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == WF_MAX_DEPTH) {
				wf_error(&l->errs, &m, "nesting deeper than %d "
				    "levels", WF_MAX_DEPTH);
				yaml_event_delete(&ev);
				goto out;
			}
			check_tag(l, &ev, &m);
			n = node_new(l, ev.type == YAML_MAPPING_START_EVENT ?
			    YN_MAP : YN_SEQ, &ev.start_mark);
			n->open = 1;
			anchor_add(l, event_anchor(&ev), n, in_main);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth == 0)
				break;
			top = stack[--depth];
			top->open = 0;
			if (top->type == YN_MAP)
				check_map_keys(l, top);
			if (in_main && --main_depth == 0)
				in_main = 0;
			break;
		default:
			break;
		}
		if (n != NULL) {
			if (depth == 0) {
				if (l->root == NULL)
					l->root = n;
			} else
				node_add(stack[depth - 1], n);
			if (ev.type == YAML_SEQUENCE_START_EVENT ||
			    ev.type == YAML_MAPPING_START_EVENT) {
				stack[depth++] = n;
				if (in_main && !entering)
					main_depth++;
			} else if (entering)
				in_main = 0;
		}
		yaml_event_delete(&ev);
		if (wf_errors_full(&l->errs))
			break;
	}
	rc = l->errs.n > 0 ? -1 : 0;
out:
	/* Nodes left open by an error are no longer being built. */
	for (i = 0; i < depth; i++)
		stack[i]->open = 0;
	yaml_parser_delete(&p);
	return rc;
}

/* Checking the tree. */

static int
is_null(const struct ynode *n)
{
	if (n->type != YN_SCALAR || !n->plain)
		return 0;
	return n->s[0] == '\0' || strcmp(n->s, "~") == 0 ||
	    strcmp(n->s, "null") == 0 || strcmp(n->s, "Null") == 0 ||
	    strcmp(n->s, "NULL") == 0;
}

static struct ynode *
map_get(const struct ynode *map, const char *key)
{
	size_t	 i;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		if (map->kids[i]->type == YN_SCALAR &&
		    strcmp(map->kids[i]->s, key) == 0)
			return map->kids[i + 1];
	}
	return NULL;
}

/* Reports keys of map not in valid, suggesting the nearest valid one. */
static void
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

static const char *
node_kind(const struct ynode *n)
{
	if (is_null(n))
		return "empty";
	switch (n->type) {
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	default:
		return "a string";
	}
}

/* A non-empty scalar, copied. */
static int
get_string(struct loader *l, const struct ynode *n, const char *what,
    char **out)
{
	if (n->type != YN_SCALAR || is_null(n)) {
		wf_error(&l->errs, &n->mark, "%s must be a string, not %s",
		    what, node_kind(n));
		return -1;
	}
	free(*out);
	*out = xstrdup(n->s);
	return 0;
}

/* A plain decimal integer. */
static int
parse_int(const struct ynode *n, long long *v)
{
	const char	*p;
	char		*end;

	if (n->type != YN_SCALAR || !n->plain || n->s[0] == '\0')
		return -1;
	p = n->s;
	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*v = strtoll(n->s, &end, 10);
	if (*end != '\0')
		return -1;
	if (errno == ERANGE)
		return -2;	/* an integer, too big for any use */
	return 0;
}

static int
get_int(struct loader *l, const struct ynode *n, const char *key,
    long long min, long long max, int *out)
{
	long long	 v;
	int		 rc;

	rc = parse_int(n, &v);
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

static int
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

/* A template's syntax, with the column of the fault when it is known. */
static int
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

static int
want_map(struct loader *l, const struct ynode *n, const char *what)
{
	if (n->type == YN_MAP)
		return 0;
	if (!is_null(n)) {
		wf_error(&l->errs, &n->mark, "%s must be a mapping, not %s",
		    what, node_kind(n));
	}
	return -1;
}

/* A YAML boolean; returns -1 (and reports) for anything else. */
static int
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

/* monitoring: a boolean, or {enabled: BOOL, resource_interval: SECONDS}. */
static void
load_monitoring(struct loader *l, const struct ynode *v)
{
	const struct ynode	*e;
	char			*end;
	double			 d;

	if (v->type != YN_MAP) {
		get_bool(l, v, "monitoring", &l->wf->monitoring);
		return;
	}
	check_keys(l, v, monitoring_keys, "in config.monitoring");
	if ((e = map_get(v, "enabled")) != NULL)
		get_bool(l, e, "enabled", &l->wf->monitoring);
	if ((e = map_get(v, "resource_interval")) == NULL)
		return;
	d = 0;
	if (e->type == YN_SCALAR && e->plain && e->s[0] != '\0')
		d = strtod(e->s, &end);
	if (d <= 0 || d > 86400 || e->type != YN_SCALAR || !e->plain ||
	    *end != '\0') {
		wf_error(&l->errs, &e->mark, "'resource_interval' must be a "
		    "number of seconds from 0 to 86400 (not 0)");
		return;
	}
	l->wf->resource_interval = d;
}

static void
load_config(struct loader *l, const struct ynode *map)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*v, *pv;

	if (want_map(l, map, "'config'") != 0)
		return;
	check_keys(l, map, config_keys, "in config");
	if ((v = map_get(map, "jobs")) != NULL)
		get_int(l, v, "jobs", 1, WEFT_MAX_JOBS, &wf->jobs);
	if ((v = map_get(map, "retries")) != NULL)
		get_int(l, v, "retries", 0, INT_MAX, &wf->retries);
	if ((v = map_get(map, "monitoring")) != NULL)
		load_monitoring(l, v);
	if ((v = map_get(map, "resume")) != NULL)
		get_bool(l, v, "resume", &wf->resume);
	if ((v = map_get(map, "provider")) == NULL)
		return;
	if (v->type == YN_SCALAR && !is_null(v))
		pv = v;
	else {
		if (want_map(l, v, "'provider'") != 0)
			return;
		check_keys(l, v, provider_keys, "in config.provider");
		if ((pv = map_get(v, "pools")) != NULL)
			get_int(l, pv, "pools", 1, WEFT_MAX_POOLS, &wf->pools);
		pv = map_get(v, "kind");
	}
	if (pv == NULL)
		return;
	if (pv->type != YN_SCALAR || is_null(pv)) {
		wf_error(&l->errs, &pv->mark, "'kind' must be a string, not %s",
		    node_kind(pv));
	} else if (strcmp(pv->s, "local") != 0) {
		wf_error(&l->errs, &pv->mark, "unsupported provider kind '%s' "
		    "(supported: local)", pv->s);
	} else {
		free(wf->provider);
		wf->provider = xstrdup(pv->s);
	}
}

/* env: a mapping of variable names to strings. */
static void
load_env(struct loader *l, const struct ynode *map)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*k, *v;
	struct wf_kv		*kv;
	size_t			 i;

	if (want_map(l, map, "'env'") != 0)
		return;
	wf->env = xcalloc(map->nkids / 2 + 1, sizeof *wf->env);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type != YN_SCALAR)
			continue;
		if (!is_name(k->s, 0)) {
			wf_error(&l->errs, &k->mark, "invalid environment "
			    "variable name '%s'", k->s);
			continue;
		}
		if (v->type != YN_SCALAR) {
			wf_error(&l->errs, &v->mark, "env '%s' must be a "
			    "string, not %s", k->s, node_kind(v));
			continue;
		}
		kv = &wf->env[wf->nenv++];
		kv->key = xstrdup(k->s);
		/* An empty env value is an empty string, not null. */
		kv->value = xstrdup(is_null(v) && v->plain ? "" : v->s);
		kv->mark = v->mark;
	}
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
	wf->plugins = xcalloc(map->nkids / 2 + 1, sizeof *wf->plugins);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type != YN_SCALAR)
			continue;
		if (!is_name(k->s, 1)) {
			wf_error(&l->errs, &k->mark, "invalid plugin name "
			    "'%s' (letters, digits, '_' and '-', not "
			    "starting with a digit or '-')", k->s);
			continue;
		}
		if (v->type != YN_SCALAR || is_null(v)) {
			wf_error(&l->errs, &v->mark, "plugin '%s' must be "
			    "the path of a shared object, not %s", k->s,
			    node_kind(v));
			continue;
		}
		pl = &wf->plugins[wf->nplugins++];
		pl->name = xstrdup(k->s);
		pl->path = xstrdup(v->s);
		pl->abspath = path_abs(wf->dir, v->s);
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
		*errp = xprintf("weft: invalid --plugin '%s': expected "
		    "NAME=PATH", arg);
		return -1;
	}
	name = xstrndup(arg, eq - arg);
	if (!is_name(name, 1)) {
		*errp = xprintf("weft: invalid --plugin '%s': '%s' is not a "
		    "plugin name (letters, digits, '_' and '-', not starting "
		    "with a digit or '-')", arg, name);
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

/* The other way: 90000 -> "1m30s", 1500 -> "1s500ms"; caller frees. */
char *
wf_duration_string(int64_t ms)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 }
	};
	char	 buf[64];
	size_t	 i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (ms < units[i].ms)
			continue;
		len += snprintf(buf + len, sizeof buf - len, "%lld%s",
		    (long long)(ms / units[i].ms), units[i].unit);
		ms %= units[i].ms;
	}
	return xstrdup(len > 0 ? buf : "0s");
}

/*
 * A duration: one or more NUMBER UNIT pairs, largest unit first, with
 * units h, m, s and ms ("1h30m", "90s", "250ms"); a bare number is
 * seconds.  At most 30 days, and not zero.
 */
int
wf_parse_duration(const char *s, int64_t *out)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "ms", 1 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }
	};
	const int64_t	 max = (int64_t)30 * 24 * 3600000;
	int64_t		 total = 0, n, last = INT64_MAX;
	size_t		 i, len;

	if (*s >= '0' && *s <= '9' && s[strspn(s, "0123456789")] == '\0') {
		if (strlen(s) > 8)
			return -1;
		total = strtoll(s, NULL, 10) * 1000;
		if (total <= 0 || total > max)
			return -1;
		*out = total;
		return 0;
	}
	while (*s != '\0') {
		if (*s < '0' || *s > '9' || (len = strspn(s, "0123456789")) > 8)
			return -1;
		n = strtoll(s, NULL, 10);
		s += len;
		for (i = 0; i < sizeof units / sizeof units[0]; i++) {
			if (strncmp(s, units[i].unit,
			    strlen(units[i].unit)) == 0)
				break;
		}
		if (i == sizeof units / sizeof units[0] ||
		    units[i].ms >= last)
			return -1;
		s += strlen(units[i].unit);
		last = units[i].ms;
		total += n * units[i].ms;
		if (total > max)
			return -1;
	}
	if (total <= 0)
		return -1;
	*out = total;
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
	char			*ctx;
	size_t			 i;

	if (want_map(l, map, "'apps'") != 0)
		return;
	wf->apps = xcalloc(map->nkids / 2 + 1, sizeof *wf->apps);
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
			    "mapping, not %s", k->s, node_kind(a));
			continue;
		}
		app = &wf->apps[wf->napps++];
		app->name = xstrdup(k->s);
		app->mark = k->mark;
		app->retries = -1;
		ctx = xprintf("in app '%s'", k->s);
		check_keys(l, a, app_keys, ctx);
		free(ctx);
		if ((v = map_get(a, "function")) != NULL &&
		    map_get(a, "command") != NULL) {
			wf_error(&l->errs, &k->mark, "app '%s': has both "
			    "'command' and 'function'; give one", k->s);
		} else if (v != NULL)
			load_function(l, app, v);
		else if ((v = map_get(a, "command")) == NULL) {
			wf_error(&l->errs, &k->mark, "app '%s' has no "
			    "'command' (or 'function')", k->s);
		} else if (get_string(l, v, "'command'", &app->command) == 0) {
			app->command_mark = v->mark;
			check_template(l, v);
		}
		if ((v = map_get(a, "walltime")) != NULL &&
		    get_string(l, v, "'walltime'", &app->walltime) == 0 &&
		    wf_parse_duration(app->walltime, &app->walltime_ms) != 0)
			wf_error(&l->errs, &v->mark, "app '%s': invalid "
			    "walltime '%s' (write a duration such as 90s, 5m, "
			    "1h30m or 250ms, up to 30 days)", k->s,
			    app->walltime);
		if ((v = map_get(a, "retries")) != NULL)
			get_int(l, v, "retries", 0, INT_MAX, &app->retries);
	}
}

/* A string, or a list of strings, as wf_str entries. */
static void
load_strs(struct loader *l, const struct ynode *n, const char *what,
    int tpl, struct wf_str **out, size_t *nout)
{
	const struct ynode	*it;
	size_t			 i, count;

	if (n->type == YN_SCALAR && !is_null(n))
		count = 1;
	else if (n->type == YN_SEQ)
		count = n->nkids;
	else {
		wf_error(&l->errs, &n->mark, "'%s' must be a string or a list "
		    "of strings, not %s", what, node_kind(n));
		return;
	}
	*out = xcalloc(count, sizeof **out);
	for (i = 0; i < count; i++) {
		it = n->type == YN_SEQ ? n->kids[i] : n;
		if (it->type != YN_SCALAR || is_null(it)) {
			wf_error(&l->errs, &it->mark, "each item of '%s' must "
			    "be a string, not %s", what, node_kind(it));
			continue;
		}
		if (tpl && check_template(l, it) != 0)
			continue;
		(*out)[*nout].s = xstrdup(it->s);
		(*out)[*nout].mark = it->mark;
		(*nout)++;
	}
}

/* "A..B" with integers A and B. */
static int
parse_range(const char *s, long long *a, long long *b)
{
	const char	*dots;
	char		*end;
	int		 overflow;

	if ((dots = strstr(s, "..")) == NULL || dots == s)
		return -1;
	errno = 0;
	*a = strtoll(s, &end, 10);
	if (end != dots || end == s)
		return -1;
	overflow = errno == ERANGE;
	if (dots[2] == '\0' || dots[2] == ' ')
		return -1;
	errno = 0;
	*b = strtoll(dots + 2, &end, 10);
	if (*end != '\0' || end == dots + 2)
		return -1;
	/* A range whose bound does not fit is a range still, a bad one. */
	if (overflow || errno == ERANGE)
		return -2;
	return 0;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

static int
check_var_name(struct loader *l, const struct ynode *k, const char *what)
{
	if (!is_name(k->s, 1)) {
		wf_error(&l->errs, &k->mark, "invalid %s name '%s' (letters, "
		    "digits, '_' and '-', not starting with a digit or '-')",
		    what, k->s);
		return -1;
	}
	if (strcmp(k->s, "inputs") == 0 || strcmp(k->s, "outputs") == 0) {
		wf_error(&l->errs, &k->mark, "'%s' is reserved and cannot be "
		    "%s name", k->s, strcmp(what, "argument") == 0 ?
		    "an argument" : "a foreach");
		return -1;
	}
	return 0;
}

static void
load_foreach(struct loader *l, struct wf_call *c, const struct ynode *map)
{
	const struct ynode	*k, *v;
	struct wf_foreach	*fe;
	long long		 a, b;
	size_t			*counts, product = 1, i, j, n;
	int			 bad = 0, kbad;

	if (map->type != YN_MAP) {
		wf_error(&l->errs, &map->mark, "'foreach' must be a mapping, "
		    "not %s", node_kind(map));
		return;
	}
	n = map->nkids / 2;
	counts = xcalloc(n + 1, sizeof *counts);

	/* Count first, so that nothing huge is ever allocated. */
	for (i = 0; i < n; i++) {
		k = map->kids[2 * i];
		v = map->kids[2 * i + 1];
		kbad = 0;
		if (k->type != YN_SCALAR || check_var_name(l, k,
		    "foreach") != 0) {
			bad = 1;
			continue;
		}
		for (j = 0; j < c->nargs; j++) {
			if (strcmp(c->args[j].key, k->s) == 0) {
				wf_error(&l->errs, &k->mark, "'%s' is both a "
				    "foreach key and an argument", k->s);
				kbad = 1;
			}
		}
		if (v->type == YN_SEQ) {
			counts[i] = v->nkids;
			for (j = 0; j < v->nkids; j++) {
				if (v->kids[j]->type != YN_SCALAR ||
				    is_null(v->kids[j])) {
					wf_error(&l->errs, &v->kids[j]->mark,
					    "foreach values must be strings or "
					    "numbers, not %s",
					    node_kind(v->kids[j]));
					kbad = 1;
				} else if (has_control(v->kids[j]->s)) {
					wf_error(&l->errs, &v->kids[j]->mark,
					    "foreach values must not contain "
					    "control characters");
					kbad = 1;
				}
			}
		} else if (v->type == YN_SCALAR && !is_null(v) &&
		    parse_range(v->s, &a, &b) == -2) {
			wf_error(&l->errs, &v->mark, "range '%s' is out of "
			    "range: its bounds must be from %lld to %lld",
			    v->s, LLONG_MIN, LLONG_MAX);
			kbad = 1;
		} else if (v->type == YN_SCALAR && !is_null(v) &&
		    parse_range(v->s, &a, &b) == 0) {
			if (a > b) {
				wf_error(&l->errs, &v->mark, "range '%s' is "
				    "empty: its start is above its end", v->s);
				kbad = 1;
			} else if ((unsigned long long)b - a >=
			    WEFT_MAX_TASKS) {
				wf_error(&l->errs, &v->mark, "range '%s' has "
				    "more than %d values", v->s,
				    WEFT_MAX_TASKS);
				kbad = 1;
			} else
				counts[i] = (size_t)(b - a) + 1;
		} else {
			wf_error(&l->errs, &v->mark, "foreach '%s' must be a "
			    "list or a range \"A..B\"", k->s);
			kbad = 1;
		}
		if (!kbad && counts[i] == 0) {
			wf_error(&l->errs, &v->mark, "foreach '%s' is empty",
			    k->s);
			kbad = 1;
		}
		if (kbad)
			bad = 1;
		else {
			if (product > WEFT_MAX_TASKS / counts[i])
				product = WEFT_MAX_TASKS + 1;
			else
				product *= counts[i];
		}
	}
	if (bad)
		goto out;
	if (product > WEFT_MAX_TASKS ||
	    l->total_tasks - 1 + product > WEFT_MAX_TASKS) {
		/* Every entry after the limit is over it too: say it once. */
		if (!l->too_many_told++)
			wf_error(&l->errs, &map->mark, "foreach gives more "
			    "than %d tasks", WEFT_MAX_TASKS);
		goto out;
	}
	l->total_tasks += product - 1;	/* the caller counted one */

	c->foreach = xcalloc(n + 1, sizeof *c->foreach);
	for (i = 0; i < n; i++) {
		k = map->kids[2 * i];
		v = map->kids[2 * i + 1];
		fe = &c->foreach[c->nforeach++];
		fe->key = xstrdup(k->s);
		fe->mark = k->mark;
		fe->values = xcalloc(counts[i], sizeof *fe->values);
		if (v->type == YN_SEQ) {
			for (j = 0; j < counts[i]; j++)
				fe->values[j] = xstrdup(v->kids[j]->s);
		} else {
			parse_range(v->s, &a, &b);
			for (j = 0; j < counts[i]; j++)
				fe->values[j] = xprintf("%lld",
				    a + (long long)j);
		}
		fe->nvalues = counts[i];
	}
out:
	free(counts);
}

static void
load_args(struct loader *l, struct wf_call *c, const struct ynode *map)
{
	const struct ynode	*k, *v;
	struct wf_kv		*kv;
	size_t			 i;

	if (map->type != YN_MAP) {
		wf_error(&l->errs, &map->mark, "'args' must be a mapping, not "
		    "%s", node_kind(map));
		return;
	}
	c->args = xcalloc(map->nkids / 2 + 1, sizeof *c->args);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		k = map->kids[i];
		v = map->kids[i + 1];
		if (k->type != YN_SCALAR || check_var_name(l, k,
		    "argument") != 0)
			continue;
		if (v->type != YN_SCALAR || is_null(v)) {
			wf_error(&l->errs, &v->mark, "argument '%s' must be a "
			    "string, not %s", k->s, node_kind(v));
			continue;
		}
		if (check_template(l, v) != 0)
			continue;
		kv = &c->args[c->nargs++];
		kv->key = xstrdup(k->s);
		kv->value = xstrdup(v->s);
		kv->mark = v->mark;
	}
}

static void
load_call(struct loader *l, const struct ynode *e, size_t number)
{
	struct workflow		*wf = l->wf;
	struct wf_call		*c;
	const struct ynode	*v;
	char			*ctx;

	if (e->type != YN_MAP) {
		wf_error(&l->errs, &e->mark, "each entry of 'main' must be a "
		    "mapping, not %s", node_kind(e));
		return;
	}
	c = &wf->calls[wf->ncalls++];
	c->mark = e->mark;
	if ((v = map_get(e, "id")) == NULL) {
		wf_error(&l->errs, &e->mark, "missing 'id' in main entry %zu",
		    number);
	} else if (get_string(l, v, "'id'", &c->id) == 0 &&
	    !is_name(c->id, 1)) {
		wf_error(&l->errs, &v->mark, "invalid task id '%s' (letters, "
		    "digits, '_' and '-', not starting with a digit or '-')",
		    c->id);
	}
	if (c->id != NULL)
		ctx = xprintf("in task '%s'", c->id);
	else
		ctx = xprintf("in main entry %zu", number);
	check_keys(l, e, call_keys, ctx);
	if ((v = map_get(e, "app")) == NULL)
		wf_error(&l->errs, &e->mark, "missing 'app' %s", ctx);
	else if (get_string(l, v, "'app'", &c->app) == 0)
		c->app_mark = v->mark;
	free(ctx);

	if (l->total_tasks >= WEFT_MAX_TASKS) {
		if (!l->too_many_told++)
			wf_error(&l->errs, &e->mark, "main gives more than %d "
			    "tasks", WEFT_MAX_TASKS);
		return;
	}
	l->total_tasks++;
	if ((v = map_get(e, "args")) != NULL)
		load_args(l, c, v);
	if ((v = map_get(e, "foreach")) != NULL)
		load_foreach(l, c, v);
	if ((v = map_get(e, "inputs")) != NULL)
		load_strs(l, v, "inputs", 1, &c->inputs, &c->ninputs);
	if ((v = map_get(e, "outputs")) != NULL)
		load_strs(l, v, "outputs", 1, &c->outputs, &c->noutputs);
	if ((v = map_get(e, "needs")) != NULL)
		load_strs(l, v, "needs", 0, &c->needs, &c->nneeds);
}

static void
load_main(struct loader *l, const struct ynode *seq, const struct ynode *key)
{
	struct workflow	*wf = l->wf;
	size_t		 i;

	wf->has_main = 1;
	if (seq->type != YN_SEQ && !is_null(seq)) {
		wf_error(&l->errs, &seq->mark, "'main' must be a list, not %s",
		    node_kind(seq));
		return;
	}
	if (is_null(seq) || seq->nkids == 0) {
		wf_error(&l->errs, &key->mark, "'main' is empty: nothing to "
		    "run");
		return;
	}
	wf->calls = xcalloc(seq->nkids, sizeof *wf->calls);
	for (i = 0; i < seq->nkids; i++) {
		load_call(l, seq->kids[i], i + 1);
		if (wf_errors_full(&l->errs))
			break;
	}
}

static void
check_call_apps(struct loader *l)
{
	struct workflow	*wf = l->wf;
	struct wf_call		*c;
	struct wf_suggest	 hint;
	const char		*best;
	size_t			 i, j;

	for (i = 0; i < wf->ncalls; i++) {
		c = &wf->calls[i];
		if (c->app == NULL || workflow_find_app(wf, c->app) != NULL)
			continue;
		wf_suggest_init(&hint, c->app);
		for (j = 0; j < wf->napps; j++)
			wf_suggest_try(&hint, wf->apps[j].name);
		if ((best = wf_suggest_best(&hint)) != NULL) {
			wf_error(&l->errs, &c->app_mark, "unknown app '%s' "
			    "(did you mean '%s'?)", c->app, best);
		} else
			wf_error(&l->errs, &c->app_mark, "unknown app '%s'",
			    c->app);
	}
}

static void
check_tree(struct loader *l)
{
	struct workflow		*wf = l->wf;
	const struct ynode	*root = l->root, *v, *main_key = NULL;
	struct wf_mark		 first = { 1, 1, 0 };
	long long		 version;
	size_t			 i;

	if (root == NULL || is_null(root)) {
		wf_error(&l->errs, &first, "missing 'weft: %d'",
		    WEFT_FORMAT_VERSION);
		return;
	}
	if (root->type != YN_MAP) {
		wf_error(&l->errs, &root->mark, "a workflow must be a mapping, "
		    "not %s", node_kind(root));
		return;
	}
	check_keys(l, root, top_keys, "at top level");
	if ((v = map_get(root, "weft")) == NULL) {
		wf_error(&l->errs, &root->mark, "missing 'weft: %d'",
		    WEFT_FORMAT_VERSION);
	} else if (parse_int(v, &version) != 0) {
		wf_error(&l->errs, &v->mark, "unsupported format version '%s' "
		    "(this weft reads version %d)", v->type == YN_SCALAR ?
		    v->s : "?", WEFT_FORMAT_VERSION);
	} else if (version != WEFT_FORMAT_VERSION) {
		wf_error(&l->errs, &v->mark, "unsupported format version %lld "
		    "(this weft reads version %d)", version,
		    WEFT_FORMAT_VERSION);
	} else
		wf->version = (int)version;
	if ((v = map_get(root, "name")) != NULL)
		get_string(l, v, "'name'", &wf->name);
	if ((v = map_get(root, "config")) != NULL)
		load_config(l, v);
	if ((v = map_get(root, "env")) != NULL)
		load_env(l, v);
	if ((v = map_get(root, "plugins")) != NULL)
		load_plugins(l, v);
	if ((v = map_get(root, "apps")) != NULL)
		load_apps(l, v);

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

static void
loader_free(struct loader *l)
{
	struct ynode	*n;
	struct chunk	*c, *next;
	size_t		 i;

	for (n = l->nodes; n != NULL; n = n->next)
		free(n->kids);
	for (c = l->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	for (i = 0; i < l->nanchors; i++)
		free(l->anchors[i].name);
	free(l->anchors);
	strmap_free(&l->amap);
}

static char *
too_large(const char *display)
{
	return xprintf("weft: '%s' is too large (more than %d MiB)", display,
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
	if ((fd = open_file(path, &why)) == -1) {
		if (why != NULL)
			*errp = xprintf("weft: cannot read '%s': not a regular "
			    "file (%s)", display, why);
		else
			*errp = xprintf("weft: cannot read '%s': %s", display,
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
	wf->monitoring = 1;
	wf->resource_interval = 5;
	if ((wf->dir = file_dir(path, dir)) == NULL) {
		*errp = xprintf("weft: cannot read '%s': %s",
		    dir != NULL ? dir : display, strerror(errno));
		close(fd);
		workflow_free(&wf);
		return -1;
	}

	memset(&l, 0, sizeof l);
	l.wf = wf;
	l.fd = fd;
	wf_errors_init(&l.errs, wf->display);
	strmap_init(&l.amap, 16);
	if (build_tree(&l) == 0)
		check_tree(&l);
	if (wf->name == NULL)
		wf->name = default_name(path);
	if (wf->provider == NULL)
		wf->provider = xstrdup("local");
	loader_free(&l);
	close(fd);

	if (l.read_errno == EFBIG) {
		free(wf_errors_take(&l.errs));
		*errp = too_large(display);
		workflow_free(&wf);
		return -1;
	}
	if (l.read_errno != 0) {
		free(wf_errors_take(&l.errs));
		*errp = xprintf("weft: cannot read '%s': %s", display,
		    strerror(l.read_errno));
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
	free_kvs(wf->env, wf->nenv);
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
	}
	free(wf->apps);
	for (i = 0; i < wf->ncalls; i++) {
		c = &wf->calls[i];
		free(c->id);
		free(c->app);
		free_kvs(c->args, c->nargs);
		for (j = 0; j < c->nforeach; j++) {
			free(c->foreach[j].key);
			for (k = 0; k < c->foreach[j].nvalues; k++)
				free(c->foreach[j].values[k]);
			free(c->foreach[j].values);
		}
		free(c->foreach);
		free_strs(c->inputs, c->ninputs);
		free_strs(c->outputs, c->noutputs);
		free_strs(c->needs, c->nneeds);
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
