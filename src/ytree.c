/*
 * ytree.c: a YAML file read into a small node tree, with positions,
 * anchors and aliases, checked as it is built (one document, the core
 * schema's tags only, unique mapping keys, bounded depth and size).  The
 * loader (workflow.c) builds one per workflow file and reads the tree
 * through the ynode_ queries; workflow-main.c reads main's entries.
 *
 * With skip_main set (the loader's definitions mode) the events of the
 * top-level "main" value are passed over and nothing is built from them:
 * a child process never holds the main body.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "weft.h"

#define WF_MAX_SCALAR	(1024 * 1024)
#define WF_MAX_DEPTH	64

struct anchor {
	char		*name;
	struct ynode	*node;		/* NULL: defined in skipped main */
	int		 in_main;
};

/* Stands in for the value of "main" when it is skipped. */
static struct ynode	 skipped_node = { .type = YN_SKIPPED };

/* Reading. */

/*
 * Opens the file.  Only a regular file is read: a directory cannot be,
 * and a FIFO, a device or a socket could block or never end.  It is
 * opened without blocking (a FIFO with no writer would hang the open
 * itself) and looked at before a byte is read; *WHYP then says what it
 * is instead, with errno 0.
 */
int
ytree_open(const char *path, const char **whyp)
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
	struct ytree	*l = arg;
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
mark_of(const struct ytree *l, const yaml_mark_t *m)
{
	struct wf_mark	 wm;

	wm.line = (int)m->line + 1;
	wm.col = (int)m->column + 1;
	wm.text_col = 0;
	wm.file = l->file;
	return wm;
}

/* Line and column of a byte offset, for reader errors. */
static struct wf_mark
mark_at(const struct ytree *l, size_t off)
{
	struct wf_mark	 wm = { 1, 1, 0, l->file };
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

static struct ynode *
node_new(struct ytree *l, enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode	*n;

	n = arena_alloc(&l->arena, sizeof *n, _Alignof(struct ynode));
	memset(n, 0, sizeof *n);
	n->type = type;
	n->mark = mark_of(l, m);
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
yaml_failed(struct ytree *l, yaml_parser_t *p)
{
	struct wf_mark	 m;
	const char	*problem;

	problem = p->problem != NULL ? p->problem : "unknown error";
	if (l->read_errno != 0)
		return;
	if (p->error == YAML_READER_ERROR) {
		m = mark_at(l, p->problem_offset);
		if (p->problem_value != -1) {
			wf_error(l->errs, &m, "malformed YAML: %s "
			    "(byte 0x%02x)", problem,
			    (unsigned)p->problem_value & 0xff);
		} else
			wf_error(l->errs, &m, "malformed YAML: %s", problem);
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		wf_error(l->errs, NULL, "malformed YAML: out of memory");
		return;
	}
	m = mark_of(l, &p->problem_mark);
	if (p->context != NULL) {
		wf_error(l->errs, &m, "malformed YAML: %s (%s)", problem,
		    p->context);
	} else
		wf_error(l->errs, &m, "malformed YAML: %s", problem);
}

static void
anchor_add(struct ytree *l, const yaml_char_t *name, struct ynode *node,
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
skip_value(struct ytree *l, yaml_parser_t *p, yaml_event_t *first)
{
	yaml_event_t	 ev;
	size_t		 depth = 0;
	int		 done;

	anchor_add(l, event_anchor(first), NULL, 1);
	l->main_events_skipped++;
	if (first->type == YAML_SEQUENCE_START_EVENT ||
	    first->type == YAML_MAPPING_START_EVENT)
		depth = 1;
	while (depth > 0) {
		if (!yaml_parser_parse(p, &ev)) {
			yaml_failed(l, p);
			return -1;
		}
		l->main_events_skipped++;
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
			wf_error(l->errs, NULL, "malformed YAML: unexpected "
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

/* Whether N is the merge key: a plain "<<". */
static int
is_merge_key(const struct ynode *n)
{
	return n->type == YN_SCALAR && n->plain && strcmp(n->s, "<<") == 0;
}

/*
 * YAML's merge key: "<<: *defaults" (or "<<: [*a, *b]") adds the pairs of
 * those mappings that MAP does not have itself, the first mapping of a
 * list winning over the next; the "<<" pairs go.  The pairs are shared
 * with their mappings, as an alias shares its anchor's node.
 */
static void
merge_keys(struct ytree *l, struct ynode *map)
{
	struct ynode	**kids, *v, *src;
	struct strmap	  seen;
	size_t		  i, j, k, nsrc, nkids = 0;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		if (is_merge_key(map->kids[i]))
			break;
	}
	if (i + 1 >= map->nkids)
		return;
	/* The map's own pairs first (their duplicates are its own). */
	strmap_init(&seen, map->nkids);
	kids = xreallocarray(NULL, map->nkids + 1, sizeof *kids);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		if (is_merge_key(map->kids[i]))
			continue;
		if (map->kids[i]->type == YN_SCALAR)
			strmap_put(&seen, map->kids[i]->s, 0);
		kids[nkids++] = map->kids[i];
		kids[nkids++] = map->kids[i + 1];
	}
	for (i = 0; i + 1 < map->nkids; i += 2) {
		if (!is_merge_key(map->kids[i]))
			continue;
		v = map->kids[i + 1];
		nsrc = v->type == YN_SEQ ? v->nkids : 1;
		for (j = 0; j < nsrc; j++) {
			src = v->type == YN_SEQ ? v->kids[j] : v;
			if (src->type != YN_MAP) {
				wf_error(l->errs, &src->mark, "the merge key "
				    "'<<' takes a mapping or a list of "
				    "mappings, such as '<<: *defaults'");
				continue;
			}
			for (k = 0; k + 1 < src->nkids; k += 2) {
				/* Own keys win, then the first merged. */
				if (src->kids[k]->type != YN_SCALAR ||
				    strmap_put(&seen, src->kids[k]->s, 0) != 0)
					continue;
				kids = xreallocarray(kids, nkids + 3,
				    sizeof *kids);
				kids[nkids++] = src->kids[k];
				kids[nkids++] = src->kids[k + 1];
			}
		}
	}
	strmap_free(&seen);
	free(map->kids);
	map->kids = kids;
	map->nkids = nkids;
	map->cap = nkids + 1;
}

/* Mapping keys must be scalars and unique. */
static void
check_map_keys(struct ytree *l, struct ynode *map)
{
	struct ynode	 *small[16], **keys = small;
	size_t		  i, j, n = 0;

	if (map->nkids / 2 > 16)
		keys = xcalloc(map->nkids / 2, sizeof *keys);
	for (i = 0; i + 1 < map->nkids; i += 2) {
		if (map->kids[i]->type != YN_SCALAR) {
			wf_error(l->errs, &map->kids[i]->mark,
			    "mapping keys must be scalars");
			continue;
		}
		keys[n++] = map->kids[i];
	}
	if (n <= 16) {
		for (i = 1; i < n; i++) {
			for (j = 0; j < i; j++) {
				if (strcmp(keys[i]->s, keys[j]->s) == 0) {
					wf_error(l->errs, &keys[i]->mark,
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
				wf_error(l->errs, &keys[i]->mark,
				    "duplicate key '%s' (first at line %d)",
				    keys[i]->s, keys[i - 1]->mark.line);
			}
		}
	}
	if (keys != small)
		free(keys);
}

static struct ynode *
scalar_new(struct ytree *l, const yaml_event_t *ev)
{
	struct ynode	*n;
	size_t		 len = ev->data.scalar.length, chars, span;
	const char	*v = (const char *)ev->data.scalar.value;

	n = node_new(l, YN_SCALAR, &ev->start_mark);
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (len > WF_MAX_SCALAR) {
		wf_error(l->errs, &n->mark, "value too long (%zu bytes, "
		    "limit %d)", len, WF_MAX_SCALAR);
		return n;
	}
	if (memchr(v, '\0', len) != NULL) {
		wf_error(l->errs, &n->mark, "value contains a NUL character");
		return n;
	}
	n->s = arena_strndup(&l->arena, v, len);
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
check_tag(struct ytree *l, const yaml_event_t *ev, const struct wf_mark *m)
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
		wf_error(l->errs, m, "unsupported YAML tag '!!%s' (weft "
		    "accepts only the tags of the core schema: !!str, !!int, "
		    "!!float, !!bool, !!null, !!seq, !!map)", name);
		return -1;
	}
	wf_error(l->errs, m, "unsupported YAML tag '%s' (weft accepts only "
	    "the tags of the core schema: !!str, !!int, !!float, !!bool, "
	    "!!null, !!seq, !!map)", tag);
	return -1;
}

/*
 * Reads the event stream into a tree.  Errors here (syntax, aliases,
 * duplicate keys) stop the load before the tree is checked.
 */
int
ytree_build(struct ytree *l)
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
		wf_error(l->errs, NULL, "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input(&p, read_handler, l);
	while (!stop) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_failed(l, &p);
			goto out;
		}
		n = NULL;
		m = mark_of(l, &ev.start_mark);
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
			if (l->skip_main) {
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
				wf_error(l->errs, &m, "a workflow file holds "
				    "one YAML document, not several");
				stop = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			name = (const char *)ev.data.alias.anchor;
			if (strmap_get(&l->amap, name, &ai) != 0) {
				wf_error(l->errs, &m, "undefined alias '*%s'",
				    name);
				n = node_new(l, YN_SCALAR, &ev.start_mark);
			} else if (l->anchors[ai].in_main && !in_main) {
				wf_error(l->errs, &m, "alias '*%s' refers to "
				    "an anchor inside 'main', which only "
				    "'weft run' reads", name);
				n = node_new(l, YN_SCALAR, &ev.start_mark);
			} else if (l->anchors[ai].node->open) {
				wf_error(l->errs, &m, "alias '*%s' refers to "
				    "a node that contains it", name);
				n = node_new(l, YN_SCALAR, &ev.start_mark);
			} else if (!in_main || depth != 2 || main_depth != 1 ||
			    l->alias_entries >= WEFT_MAX_ALIAS_ENTRIES) {
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
				n = arena_alloc(&l->arena, sizeof *n,
				    _Alignof(struct ynode));
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
				wf_error(l->errs, &m, "nesting deeper than %d "
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
			if (top->type == YN_MAP) {
				merge_keys(l, top);
				check_map_keys(l, top);
			}
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
		if (wf_errors_full(l->errs))
			break;
	}
	rc = l->errs->n > 0 ? -1 : 0;
out:
	/* Nodes left open by an error are no longer being built. */
	for (i = 0; i < depth; i++)
		stack[i]->open = 0;
	yaml_parser_delete(&p);
	return rc;
}

/* Queries. */

int
ynode_null(const struct ynode *n)
{
	if (n->type != YN_SCALAR || !n->plain)
		return 0;
	return n->s[0] == '\0' || strcmp(n->s, "~") == 0 ||
	    strcmp(n->s, "null") == 0 || strcmp(n->s, "Null") == 0 ||
	    strcmp(n->s, "NULL") == 0;
}

struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	size_t	 i;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		if (map->kids[i]->type == YN_SCALAR &&
		    strcmp(map->kids[i]->s, key) == 0)
			return map->kids[i + 1];
	}
	return NULL;
}

const char *
ynode_kind(const struct ynode *n)
{
	if (ynode_null(n))
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

/* A plain decimal integer. */
int
ynode_int(const struct ynode *n, long long *v)
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

void
ytree_free(struct ytree *l)
{
	struct ynode	*n;
	size_t		 i;

	for (n = l->nodes; n != NULL; n = n->next)
		free(n->kids);
	arena_free(&l->arena);
	for (i = 0; i < l->nanchors; i++)
		free(l->anchors[i].name);
	free(l->anchors);
	strmap_free(&l->amap);
}
