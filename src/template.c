/*
 * template.c: the placeholder language of workflow files.  "{name}" stands
 * for the words a lookup function gives (a foreach value, an argument, a
 * task's inputs or outputs, every output of another entry), "{{" and "}}"
 * are literal braces.  A name may be a task's id with placeholders in
 * its brackets ("{qc[s={s}].outputs}"), filled in first.  Inside commands
 * each word is shell-quoted, so a value reaches /bin/sh as literal text
 * whatever it contains.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

struct tbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
tbuf_add(struct tbuf *b, const char *s, size_t n)
{
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 64 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Characters that mean nothing to /bin/sh, anywhere in a word. */
static int
shell_safe(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("_-./+,:@", c) != NULL;
}

static void
tbuf_add_quoted(struct tbuf *b, const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (!shell_safe((unsigned char)*p))
			break;
	}
	if (*s != '\0' && *p == '\0') {
		tbuf_add(b, s, strlen(s));
		return;
	}
	/* Single quotes keep everything but a single quote: close, \', reopen. */
	tbuf_add(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			tbuf_add(b, "'\\''", 4);
		else
			tbuf_add(b, p, 1);
	}
	tbuf_add(b, "'", 1);
}

/*
 * Quotes s as one shell word: unchanged if it has only harmless characters,
 * else in single quotes.
 */
char *
shell_quote(const char *s)
{
	struct tbuf	 b = { NULL, 0, 0 };

	tbuf_add_quoted(&b, s);
	return b.p;
}

static int
name_valid(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	    s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-' || s[i] == '.'))
			return 0;
	}
	return 1;
}

static int
tpl_fail(struct tpl_error *err, size_t off, const char *msg, const char *text,
    size_t n)
{
	if (err == NULL)
		return -1;
	err->offset = off;
	if (text == NULL) {
		snprintf(err->msg, sizeof err->msg, "%s", msg);
		return -1;
	}
	if (n > 64) {
		/* Cut at a character, not inside one. */
		for (n = 64; n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80;
		    n--)
			;
		snprintf(err->msg, sizeof err->msg, "%s '{%.*s...'", msg,
		    (int)n, text);
	} else {
		snprintf(err->msg, sizeof err->msg, "%s '{%.*s}'", msg,
		    (int)n, text);
	}
	return -1;
}

/*
 * The hint after a bad placeholder {TEXT} (N bytes) at P of TPL, for the
 * two ways shell text meets the template language: the shell's ${NAME}
 * and its brace groups { a; b; }.
 */
static void
tpl_hint(struct tpl_error *err, const char *tpl, const char *p,
    const char *text, size_t n)
{
	size_t	 len;

	if (err == NULL || n > 64)
		return;
	len = strlen(err->msg);
	if (p > tpl && p[-1] == '$' && name_valid(text, n) &&
	    memchr(text, '.', n) == NULL)
		snprintf(err->msg + len, sizeof err->msg - len, " (the "
		    "shell's ${%.*s}? write $%.*s, or ${{%.*s}})", (int)n, text,
		    (int)n, text, (int)n, text);
	else if (p > tpl && p[-1] == '$')
		snprintf(err->msg + len, sizeof err->msg - len, " (the "
		    "shell's ${%.*s}? write ${{%.*s}})", (int)n, text, (int)n,
		    text);
	else if (n > 0 && (text[0] == ' ' || text[0] == '\n' ||
	    text[0] == '\t') && memchr(text, ';', n) != NULL)
		snprintf(err->msg + len, sizeof err->msg - len, " (a shell "
		    "brace group? write {{%.*s}})", (int)n, text);
}

/*
 * The '}' that closes the placeholder at P, or NULL if none does; *DEEP
 * is the first '{' nested more than TPL_NEST_MAX levels down, or NULL.
 */
static const char *
ph_close(const char *p, const char **deep)
{
	int	 depth = 0;

	*deep = NULL;
	for (; *p != '\0'; p++) {
		if (*p == '{') {
			if (++depth > TPL_NEST_MAX && *deep == NULL)
				*deep = p;
		} else if (*p == '}' && --depth == 0)
			return p;
	}
	return NULL;
}

/*
 * Whether the text of a placeholder, START to END, is a name: a plain
 * one, or a task's, ID[BODY].NAME, in which only BODY may hold
 * placeholders (so a name's shape is known before anything is looked
 * up).  *LB and *RB are set to a task name's brackets.
 */
static int
ph_shape(const char *start, const char *end, const char **lb,
    const char **rb)
{
	const char	*p, *q;

	*lb = *rb = NULL;
	for (p = start; p < end && *p != '[' && *p != '{'; p++)
		;
	if (p == end)
		return end - start <= TPL_PLAIN_MAX &&
		    name_valid(start, end - start);
	if (*p == '{' || !name_valid(start, p - start))
		return 0;
	for (q = end; q > p && q[-1] != ']' && q[-1] != '}'; q--)
		;
	if (q == p || q[-1] != ']' || *q != '.' ||
	    !name_valid(q + 1, end - q - 1))
		return 0;
	*lb = p;
	*rb = q - 1;
	return 1;
}

struct tctx {
	const char		*tpl;
	tpl_lookup_fn		*lookup;
	void			*arg;
	struct tpl_error	*err;
};

static int	 ph_expand(struct tctx *, const char *, enum tpl_quote,
		    struct tbuf *, const char **);

/*
 * The name of the placeholder at P (a '{'), the placeholders nested in
 * it filled in raw, into NAME (TPL_NAME_MAX + 1 bytes); *ENDP is set to
 * its '}'.
 */
static int
ph_name(struct tctx *x, const char *p, char *name, const char **endp)
{
	struct tbuf	 nb = { NULL, 0, 0 };
	const char	*start = p + 1, *end, *deep, *lb, *rb, *q;
	size_t		 n;

	if ((end = ph_close(p, &deep)) == NULL)
		return tpl_fail(x->err, p - x->tpl, "unclosed '{' (write '{{' "
		    "for a literal brace)", NULL, 0);
	n = end - start;
	if (n == 0)
		return tpl_fail(x->err, p - x->tpl, "empty placeholder '{}'",
		    NULL, 0);
	if (!ph_shape(start, end, &lb, &rb)) {
		tpl_fail(x->err, p - x->tpl, "invalid placeholder", start, n);
		tpl_hint(x->err, x->tpl, p, start, n);
		return -1;
	}
	if (deep != NULL)
		return tpl_fail(x->err, p - x->tpl, "placeholders nested too "
		    "deep in", start, n);
	*endp = end;
	if (lb == NULL || memchr(lb, '{', rb - lb) == NULL) {
		if (n > TPL_NAME_MAX)
			return tpl_fail(x->err, p - x->tpl, "invalid "
			    "placeholder", start, n);
		memcpy(name, start, n);
		name[n] = '\0';
		return 0;
	}
	tbuf_add(&nb, start, lb + 1 - start);
	for (q = lb + 1; q < rb; q++) {
		if (*q != '{') {
			for (n = 0; q + n < rb && q[n] != '{'; n++)
				;
			tbuf_add(&nb, q, n);
			q += n - 1;
		} else if (ph_expand(x, q, TPL_RAW, &nb, &q) != 0) {
			free(nb.p);
			return -1;
		}
	}
	tbuf_add(&nb, rb, end - rb);
	if (nb.len > TPL_NAME_MAX) {
		free(nb.p);
		tpl_fail(x->err, p - x->tpl, "invalid placeholder", start,
		    end - start);
		if (x->err != NULL)
			snprintf(x->err->msg + strlen(x->err->msg),
			    sizeof x->err->msg - strlen(x->err->msg), " (more "
			    "than %d bytes once filled in)", TPL_NAME_MAX);
		return -1;
	}
	memcpy(name, nb.p, nb.len + 1);
	free(nb.p);
	return 0;
}

/*
 * The placeholder at P into B: the words of its name, joined by single
 * spaces, each quoted for the shell with TPL_SHELL.  *ENDP is set to its
 * '}'.
 */
static int
ph_expand(struct tctx *x, const char *p, enum tpl_quote quote,
    struct tbuf *b, const char **endp)
{
	const char *const	*words;
	char			 name[TPL_NAME_MAX + 1];
	size_t			 nwords, i;

	if (ph_name(x, p, name, endp) != 0)
		return -1;
	if (x->lookup == NULL)
		return 0;
	if (x->lookup(x->arg, name, &words, &nwords) != 0) {
		tpl_fail(x->err, p - x->tpl, "undefined placeholder", p + 1,
		    *endp - p - 1);
		tpl_hint(x->err, x->tpl, p, p + 1, *endp - p - 1);
		return -1;
	}
	for (i = 0; i < nwords; i++) {
		if (i > 0)
			tbuf_add(b, " ", 1);
		if (quote == TPL_SHELL)
			tbuf_add_quoted(b, words[i]);
		else
			tbuf_add(b, words[i], strlen(words[i]));
	}
	return 0;
}

int
template_expand(const char *tpl, enum tpl_quote quote, tpl_lookup_fn *lookup,
    void *arg, char **out, struct tpl_error *err)
{
	struct tctx	 x = { tpl, lookup, arg, err };
	struct tbuf	 b = { NULL, 0, 0 };
	const char	*p;
	size_t		 n;

	if (out != NULL)
		*out = NULL;
	tbuf_add(&b, "", 0);
	for (p = tpl; *p != '\0'; p++) {
		if (*p == '}') {
			if (p[1] != '}') {
				tpl_fail(err, p - tpl, "single '}' (write '}}' "
				    "for a literal brace)", NULL, 0);
				goto fail;
			}
			tbuf_add(&b, "}", 1);
			p++;
			continue;
		}
		if (*p != '{') {
			/* Copy the run of plain text in one go. */
			n = strcspn(p, "{}");
			tbuf_add(&b, p, n);
			p += n - 1;
			continue;
		}
		if (p[1] == '{') {
			tbuf_add(&b, "{", 1);
			p++;
			continue;
		}
		if (ph_expand(&x, p, quote, &b, &p) != 0)
			goto fail;
	}
	if (out != NULL)
		*out = b.p;
	else
		free(b.p);
	return 0;

fail:
	free(b.p);
	return -1;
}

int
template_check(const char *tpl, struct tpl_error *err)
{
	return template_expand(tpl, TPL_RAW, NULL, NULL, NULL, err);
}

int
template_single(const char *s, char *name)
{
	const char	*end, *deep, *lb, *rb;
	size_t		 n;

	if (s[0] != '{' || s[1] == '{' || (end = ph_close(s, &deep)) == NULL ||
	    end[1] != '\0')
		return 0;
	n = end - s - 1;
	if (n == 0 || n > TPL_NAME_MAX || memchr(s + 1, '{', n) != NULL ||
	    !ph_shape(s + 1, end, &lb, &rb))
		return 0;
	memcpy(name, s + 1, n);
	name[n] = '\0';
	return 1;
}

int
template_one(const char *s, tpl_lookup_fn *lookup, void *arg, char *name,
    struct tpl_error *err)
{
	struct tctx	 x = { s, lookup, arg, err };
	const char	*end, *deep;

	if (s[0] != '{' || s[1] == '{' || (end = ph_close(s, &deep)) == NULL ||
	    end[1] != '\0')
		return 0;
	return ph_name(&x, s, name, &end) == 0 ? 1 : -1;
}

/*
 * libyaml counts columns in characters, so a byte offset into a value is
 * turned into characters before it is added to the value's column.
 */
int
template_column(const char *s, size_t off, int col)
{
	size_t	 i;

	for (i = 0; i < off && s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	}
	return col;
}
