/*
 * cond.c: the conditions of "when:".  Values are compared with == and
 * !=, joined with &&, || and !, grouped with parentheses.  An operand is
 * a bare word or a quoted string ('...' or "..."), and may hold
 * placeholders.  They are expanded (raw) as whole values only after the
 * expression is parsed, so no value can change the expression's shape:
 * "{params.x} == 'yes'" stays one comparison whatever x holds.  A lone
 * operand is true unless it is empty, 0, false, no or off.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weft.h"

#define COND_MAX_DEPTH	64	/* parentheses and '!', nested */

enum cop {
	C_VALUE,		/* an operand: its truth */
	C_EQ,
	C_NE,
	C_AND,
	C_OR,
	C_NOT
};

struct cnode {
	enum cop	 op;
	int		 a, b;		/* operands: node indices */
	char		*text;		/* C_VALUE: a template */
	size_t		 off;		/* C_VALUE: where it starts */
};

struct cond {
	struct cnode	*v;
	size_t		 n;
	int		 root;
};

struct parser {
	const char	*s;
	size_t		 pos;
	struct cond	*c;
	struct tpl_error *err;
	int		 depth;
};

static int	 parse_or(struct parser *);

static int
fail(struct parser *p, size_t off, const char *msg)
{
	p->err->offset = off;
	snprintf(p->err->msg, sizeof p->err->msg, "%s", msg);
	return -1;
}

static int
node(struct cond *c, enum cop op, int a, int b)
{
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	memset(&c->v[c->n], 0, sizeof c->v[c->n]);
	c->v[c->n].op = op;
	c->v[c->n].a = a;
	c->v[c->n].b = b;
	return (int)c->n++;
}

static void
skip_space(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	    p->s[p->pos] == '\n')
		p->pos++;
}

/* Whether the text at the position is the two-character operator OP. */
static int
at(struct parser *p, const char *op)
{
	skip_space(p);
	if (strncmp(p->s + p->pos, op, 2) != 0)
		return 0;
	p->pos += 2;
	return 1;
}

/* A character that ends a bare word. */
static int
word_end(char ch)
{
	return ch == '\0' || strchr(" \t\n()'\"!=&|", ch) != NULL;
}

static int
operand(struct parser *p)
{
	const char	*s = p->s;
	size_t		 start, end, depth;
	char		 q;
	int		 i;

	skip_space(p);
	start = p->pos;
	if (s[start] == '\'' || s[start] == '"') {
		q = s[start];
		for (end = start + 1; s[end] != '\0' && s[end] != q; end++)
			;
		if (s[end] == '\0')
			return fail(p, start, "unclosed quote in a condition");
		p->pos = end + 1;
		start++;
	} else {
		/* A placeholder is part of its word, whatever it holds. */
		for (end = start, depth = 0; s[end] != '\0' &&
		    (depth > 0 || !word_end(s[end])); end++) {
			if (s[end] == '{')
				depth++;
			else if (s[end] == '}' && depth > 0)
				depth--;
		}
		if (end == start) {
			if (s[end] == '\0')
				return fail(p, end, "a condition ends where "
				    "a value was expected");
			return fail(p, end, "a value was expected here in "
			    "a condition");
		}
		p->pos = end;
	}
	i = node(p->c, C_VALUE, -1, -1);
	p->c->v[i].text = xstrndup(s + start, end - start);
	p->c->v[i].off = start;
	return i;
}

static int
primary(struct parser *p)
{
	size_t	 open;
	int	 a, b;

	skip_space(p);
	if (p->s[p->pos] == '(') {
		open = p->pos++;
		if (++p->depth > COND_MAX_DEPTH)
			return fail(p, open, "a condition nested too deep");
		if ((a = parse_or(p)) == -1)
			return -1;
		p->depth--;
		skip_space(p);
		if (p->s[p->pos] != ')')
			return fail(p, open, "unclosed '(' in a condition");
		p->pos++;
		return a;
	}
	if ((a = operand(p)) == -1)
		return -1;
	if (at(p, "=="))
		return (b = operand(p)) == -1 ? -1 : node(p->c, C_EQ, a, b);
	if (at(p, "!="))
		return (b = operand(p)) == -1 ? -1 : node(p->c, C_NE, a, b);
	return a;
}

static int
unary(struct parser *p)
{
	size_t	 bang;
	int	 a;

	skip_space(p);
	if (p->s[p->pos] != '!' || p->s[p->pos + 1] == '=')
		return primary(p);
	bang = p->pos++;
	if (++p->depth > COND_MAX_DEPTH)
		return fail(p, bang, "a condition nested too deep");
	if ((a = unary(p)) == -1)
		return -1;
	p->depth--;
	return node(p->c, C_NOT, a, -1);
}

static int
parse_and(struct parser *p)
{
	int	 a, b;

	if ((a = unary(p)) == -1)
		return -1;
	while (at(p, "&&")) {
		if ((b = unary(p)) == -1)
			return -1;
		a = node(p->c, C_AND, a, b);
	}
	return a;
}

static int
parse_or(struct parser *p)
{
	int	 a, b;

	if ((a = parse_and(p)) == -1)
		return -1;
	while (at(p, "||")) {
		if ((b = parse_and(p)) == -1)
			return -1;
		a = node(p->c, C_OR, a, b);
	}
	return a;
}

int
cond_parse(const char *text, struct cond **cp, struct tpl_error *err)
{
	struct parser	 p;
	size_t		 i;
	char		 ch;

	*cp = NULL;
	memset(&p, 0, sizeof p);
	p.s = text;
	p.err = err;
	p.c = xcalloc(1, sizeof *p.c);
	p.c->root = parse_or(&p);
	if (p.c->root != -1) {
		skip_space(&p);
		ch = text[p.pos];
		if (ch == ')')
			p.c->root = fail(&p, p.pos, "')' without its '(' in "
			    "a condition");
		else if (ch == '=' || ch == '&' || ch == '|')
			p.c->root = fail(&p, p.pos, "a lone '=', '&' or '|' "
			    "in a condition (write ==, && or ||)");
		else if (ch != '\0')
			p.c->root = fail(&p, p.pos, "two values side by side "
			    "in a condition (quote a value with spaces, or "
			    "join them with && or ||)");
	}
	/* Each value's placeholders must be well formed too. */
	for (i = 0; p.c->root != -1 && i < p.c->n; i++) {
		if (p.c->v[i].op == C_VALUE &&
		    template_check(p.c->v[i].text, err) == -1) {
			err->offset += p.c->v[i].off;
			p.c->root = -1;
		}
	}
	if (p.c->root == -1) {
		cond_free(&p.c);
		return -1;
	}
	*cp = p.c;
	return 0;
}

void
cond_free(struct cond **cp)
{
	struct cond	*c = *cp;
	size_t		 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->v[i].text);
	free(c->v);
	free(c);
	*cp = NULL;
}

/* The truth of a lone value. */
static int
truthy(const char *s)
{
	return *s != '\0' && strcmp(s, "0") != 0 &&
	    strcasecmp(s, "false") != 0 && strcasecmp(s, "no") != 0 &&
	    strcasecmp(s, "off") != 0;
}

struct eval {
	const struct cond *c;
	tpl_lookup_fn	*fn;
	void		*arg;
	struct tpl_error *err;
};

static int
value(struct eval *e, int i, char **out)
{
	const struct cnode	*n = &e->c->v[i];

	if (template_expand(n->text, TPL_RAW, e->fn, e->arg, out,
	    e->err) == 0)
		return 0;
	e->err->offset += n->off;
	return -1;
}

static int
eval(struct eval *e, int i)
{
	const struct cnode	*n = &e->c->v[i];
	char			*x, *y;
	int			 a, b;

	switch (n->op) {
	case C_VALUE:
		if (value(e, i, &x) == -1)
			return -1;
		a = truthy(x);
		free(x);
		return a;
	case C_EQ:
	case C_NE:
		if (value(e, n->a, &x) == -1)
			return -1;
		if (value(e, n->b, &y) == -1) {
			free(x);
			return -1;
		}
		a = strcmp(x, y) == 0;
		free(x);
		free(y);
		return n->op == C_EQ ? a : !a;
	case C_NOT:
		return (a = eval(e, n->a)) == -1 ? -1 : !a;
	case C_AND:
	case C_OR:
		/* Both sides always: an undefined name is found either way. */
		if ((a = eval(e, n->a)) == -1 || (b = eval(e, n->b)) == -1)
			return -1;
		return n->op == C_AND ? a && b : a || b;
	}
	return -1;
}

int
cond_eval(const struct cond *c, tpl_lookup_fn *fn, void *arg,
    struct tpl_error *err)
{
	struct eval	 e = { c, fn, arg, err };

	return eval(&e, c->root);
}
