/*
 * fuzz-template.c: libFuzzer harness for the template engine and shell
 * quoting.  An input is a template, then up to MAX_WORDS words, each
 * after a NUL byte.  A lookup function gives a run of those words for
 * names that start with a lower-case letter or '_', and -1 for the rest.
 *
 * A small reference expander written from weft-workflow(5) says what
 * template_expand must give, in TPL_RAW and TPL_SHELL, and where and why
 * it must fail, placeholders nested in a task's name included; its
 * messages must stay UTF-8 when the template is, and template_check,
 * template_single, template_one and template_column are held to the
 * same reference.  shell_quote must give one word that a reference
 * parser of POSIX plain, backslash-escaped and single-quoted text reads
 * back as the original string.  The harness aborts when any of these
 * does not hold.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "fuzz-common.h"

#define MAX_WORDS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

struct words {
	char	*v[MAX_WORDS];
	size_t	 n;
};

/* What the reference says of a template. */
enum ref_status {
	REF_OK,
	REF_SINGLE_CLOSE,	/* "single '}'" */
	REF_UNCLOSED,		/* "unclosed '{'" */
	REF_EMPTY,		/* "empty placeholder" */
	REF_INVALID,		/* "invalid placeholder" */
	REF_UNDEFINED,		/* "undefined placeholder" */
	REF_DEEP		/* "placeholders nested too deep" */
};

static const struct {
	enum ref_status	 status;
	const char	*prefix;
} messages[] = {
	{ REF_SINGLE_CLOSE, "single '}'" },
	{ REF_UNCLOSED, "unclosed '{'" },
	{ REF_EMPTY, "empty placeholder '{}'" },
	{ REF_INVALID, "invalid placeholder '{" },
	{ REF_UNDEFINED, "undefined placeholder '{" },
	{ REF_DEEP, "placeholders nested too deep in '{" }
};

static void __dead
broken(const char *what, const char *tpl, const char *got, const char *want)
{
	fprintf(stderr, "fuzz-template: %s\n", what);
	if (tpl != NULL)
		fprintf(stderr, "template: [%s]\n", tpl);
	if (got != NULL)
		fprintf(stderr, "got:      [%s]\n", got);
	if (want != NULL)
		fprintf(stderr, "want:     [%s]\n", want);
	abort();
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A plain name: a letter or '_', then letters, digits, _ - and .  */
static int
ref_name_valid(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || !(is_alpha(s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++) {
		if (!is_alpha(s[i]) && !is_digit(s[i]) &&
		    strchr("_-.", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/*
 * A name as the lookup gets it: plain, of at most TPL_PLAIN_MAX bytes,
 * or a task's, ID[...].NAME, of at most TPL_NAME_MAX, whose brackets
 * hold anything (what was nested in them is filled in).
 */
static int
ref_lookup_name(const char *s)
{
	const char	*lb, *rb;
	size_t		 n = strlen(s);

	if ((lb = strchr(s, '[')) == NULL)
		return n <= TPL_PLAIN_MAX && ref_name_valid(s, n);
	rb = strrchr(s, ']');
	return n <= TPL_NAME_MAX && ref_name_valid(s, lb - s) && rb > lb &&
	    rb[1] == '.' && ref_name_valid(rb + 2, strlen(rb + 2));
}

/* The names the lookup knows, and the run of words each stands for. */
static int
ref_words(const struct words *w, const char *name, size_t *start,
    size_t *count)
{
	uint32_t	 h = 2166136261U;
	const char	*p;

	if (!(name[0] >= 'a' && name[0] <= 'z') && name[0] != '_')
		return -1;
	for (p = name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619U;
	*start = h % (w->n + 1);
	*count = (h >> 8) % (w->n - *start + 1);
	return 0;
}

static int
lookup(void *arg, const char *name, const char *const **words,
    size_t *nwords)
{
	const struct words	*w = arg;
	size_t			 start, count;

	if (!ref_lookup_name(name))
		broken("the lookup was given an invalid name", name, NULL,
		    NULL);
	if (ref_words(w, name, &start, &count) != 0)
		return -1;
	*words = (const char *const *)w->v + start;
	*nwords = count;
	return 0;
}

/*
 * The text of a placeholder, S (N bytes, braces and all nested ones
 * left in), is a name: plain, or ID[BODY].NAME with any placeholders
 * inside BODY only.
 */
static int
ref_shape(const char *s, size_t n)
{
	size_t	 k, r;

	for (k = 0; k < n && s[k] != '[' && s[k] != '{'; k++)
		;
	if (k == n)
		return n <= TPL_PLAIN_MAX && ref_name_valid(s, n);
	if (s[k] == '{' || !ref_name_valid(s, k))
		return 0;
	for (r = n - 1; r > k && s[r] != ']' && s[r] != '}'; r--)
		;
	return r > k && s[r] == ']' && r + 2 < n && s[r + 1] == '.' &&
	    ref_name_valid(s + r + 2, n - r - 2);
}

/*
 * The placeholder at TPL[I] ('{'): its name, nested placeholders filled
 * in by W's words joined by spaces (none when W is NULL), into NAME; or
 * why not, *OFF at the brace to blame.  *CLOSE: the index of its '}'.
 * *NNEST counts the nested ones.
 */
static enum ref_status
ref_placeholder(const char *tpl, size_t i, const struct words *w,
    struct buf *name, size_t *close, size_t *off, size_t *nnest)
{
	struct buf	 inner;
	enum ref_status	 rs;
	size_t		 j, k, end, depth = 0, deepest = 0;
	size_t		 start = 0, count = 0;

	for (j = i; tpl[j] != '\0'; j++) {
		if (tpl[j] == '{' && ++depth > deepest)
			deepest = depth;
		if (tpl[j] == '}' && --depth == 0)
			break;
	}
	*off = i;
	if (tpl[j] == '\0')
		return REF_UNCLOSED;
	*close = j;
	if (j == i + 1)
		return REF_EMPTY;
	if (!ref_shape(tpl + i + 1, j - i - 1))
		return REF_INVALID;
	if (deepest > TPL_NEST_MAX)
		return REF_DEEP;
	buf_add(name, "", 0);
	for (k = i + 1; k < j; k++) {
		if (tpl[k] != '{') {
			buf_add(name, tpl + k, 1);
			continue;
		}
		(*nnest)++;
		memset(&inner, 0, sizeof inner);
		rs = ref_placeholder(tpl, k, w, &inner, &end, off, nnest);
		if (rs == REF_OK && w != NULL &&
		    ref_words(w, inner.p, &start, &count) != 0) {
			*off = k;
			rs = REF_UNDEFINED;
		}
		free(inner.p);
		if (rs != REF_OK)
			return rs;
		while (w != NULL && count-- > 0) {
			buf_add(name, w->v[start], strlen(w->v[start]));
			if (count > 0)
				buf_add(name, " ", 1);
			start++;
		}
		k = end;
	}
	*off = i;
	return name->len > TPL_NAME_MAX ? REF_INVALID : REF_OK;
}

/*
 * The reference expander, from weft-workflow(5): "{{" and "}}" are
 * literal braces, "{name}" is replaced by name's words joined by single
 * spaces (each shell-quoted with TPL_SHELL), anything else is an error
 * at the offending brace.  w NULL: every name is empty.  *nph counts the
 * placeholders, *ntext the literal text and *nnest the nested
 * placeholders found.
 */
static enum ref_status
ref_expand(const char *tpl, enum tpl_quote quote, const struct words *w,
    struct buf *out, size_t *off, size_t *nph, size_t *ntext, size_t *nnest)
{
	struct buf	 name;
	enum ref_status	 rs;
	size_t		 i = 0, j, k, start = 0, count = 0;
	char		*q;

	*nph = *ntext = *nnest = 0;
	buf_add(out, "", 0);
	while (tpl[i] != '\0') {
		*off = i;
		if ((tpl[i] == '{' && tpl[i + 1] == '{') ||
		    (tpl[i] == '}' && tpl[i + 1] == '}')) {
			buf_add(out, tpl + i, 1);
			(*ntext)++;
			i += 2;
			continue;
		}
		if (tpl[i] == '}')
			return REF_SINGLE_CLOSE;
		if (tpl[i] != '{') {
			buf_add(out, tpl + i, 1);
			(*ntext)++;
			i++;
			continue;
		}
		memset(&name, 0, sizeof name);
		rs = ref_placeholder(tpl, i, w, &name, &j, off, nnest);
		if (rs == REF_OK && w != NULL &&
		    ref_words(w, name.p, &start, &count) != 0) {
			*off = i;
			rs = REF_UNDEFINED;
		}
		free(name.p);
		if (rs != REF_OK)
			return rs;
		(*nph)++;
		for (k = start; w != NULL && k < start + count; k++) {
			if (k > start)
				buf_add(out, " ", 1);
			if (quote == TPL_SHELL) {
				q = shell_quote(w->v[k]);
				buf_add(out, q, strlen(q));
				free(q);
			} else
				buf_add(out, w->v[k], strlen(w->v[k]));
		}
		i = j + 1;
	}
	return REF_OK;
}

static enum ref_status
status_of(const struct tpl_error *te, const char *tpl)
{
	size_t	 i;

	for (i = 0; i < sizeof messages / sizeof messages[0]; i++) {
		if (strncmp(te->msg, messages[i].prefix,
		    strlen(messages[i].prefix)) == 0)
			return messages[i].status;
	}
	broken("an error message of unknown kind", tpl, te->msg, NULL);
}

/* An error message, or a note if it was never written. */
static const char *
msg_of(const struct tpl_error *te)
{
	if (memchr(te->msg, '\0', sizeof te->msg) == NULL)
		return "(no message: not NUL-terminated)";
	return te->msg;
}

/* One call of template_expand, held to the reference. */
static void
check_expand(const char *tpl, enum tpl_quote quote, const struct words *w,
    int want_out)
{
	struct tpl_error	 te;
	struct buf		 ref = { NULL, 0, 0 };
	enum ref_status		 rs;
	size_t			 off = 0, nph, ntext, nnest;
	char			*out = (char *)1;
	int			 rc;

	memset(&te, 0xa5, sizeof te);
	rs = ref_expand(tpl, quote, w, &ref, &off, &nph, &ntext, &nnest);
	rc = template_expand(tpl, quote, w != NULL ? lookup : NULL,
	    (void *)w, want_out ? &out : NULL, &te);
	if (rc != (rs == REF_OK ? 0 : -1))
		broken(rs == REF_OK ? "template_expand refused a good template"
		    : "template_expand took a bad template", tpl,
		    rc == 0 ? (want_out ? out : NULL) : msg_of(&te), ref.p);
	if (rc == 0) {
		if (want_out && (out == NULL || strcmp(out, ref.p) != 0))
			broken("template_expand gave the wrong text", tpl, out,
			    ref.p);
	} else {
		if (want_out && out != NULL)
			broken("a failed template_expand set *out", tpl, NULL,
			    NULL);
		if (memchr(te.msg, '\0', sizeof te.msg) == NULL)
			broken("an error message is not terminated", tpl,
			    NULL, NULL);
		if (utf8_valid(tpl) && !utf8_valid(te.msg))
			broken("a UTF-8 template gave an error message that is "
			    "not UTF-8", tpl, te.msg, NULL);
		if (status_of(&te, tpl) != rs || te.offset != off)
			broken("template_expand failed for another reason or "
			    "at another offset", tpl, msg_of(&te), NULL);
	}
	if (want_out && rc == 0)
		free(out);
	free(ref.p);
}

/* Plain characters: those that mean nothing to /bin/sh anywhere. */
static int
sh_plain(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' &&
	    strchr("_-./+,:@", c) != NULL);
}

/*
 * Splits s into words separated by single spaces, the way /bin/sh reads
 * plain characters, backslash escapes and single-quoted text; anything
 * else (other quoting, expansions, operators) fails.  Returns the number
 * of words, or -1.
 */
static int
sh_split(const char *s, char **words, size_t max)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 n = 0;
	int		 inword = 0;

	for (;;) {
		if (*s == '\0' || *s == ' ') {
			if (!inword || n == max) {
				free(b.p);
				goto fail;
			}
			words[n++] = b.p != NULL ? b.p : xstrdup("");
			memset(&b, 0, sizeof b);
			inword = 0;
			if (*s++ == '\0')
				return (int)n;
			if (*s == '\0')
				goto fail;
			continue;
		}
		inword = 1;
		if (*s == '\'') {
			buf_add(&b, "", 0);
			for (s++; *s != '\'' && *s != '\0'; s++)
				buf_add(&b, s, 1);
			if (*s++ == '\0') {
				free(b.p);
				goto fail;
			}
		} else if (*s == '\\') {
			if (s[1] == '\0' || s[1] == '\n') {
				free(b.p);
				goto fail;
			}
			buf_add(&b, s + 1, 1);
			s += 2;
		} else if (sh_plain(*s)) {
			buf_add(&b, s, 1);
			s++;
		} else {
			free(b.p);
			goto fail;
		}
	}
fail:
	while (n > 0)
		free(words[--n]);
	return -1;
}

static void
free_words(char **v, int n)
{
	while (n-- > 0)
		free(v[n]);
}

/* shell_quote must give exactly one word that reads back as s. */
static void
check_quote(const char *s)
{
	char	*q, *back[2];
	int	 n;

	q = shell_quote(s);
	if (q == NULL)
		broken("shell_quote gave NULL", s, NULL, NULL);
	n = sh_split(q, back, 2);
	if (n != 1 || strcmp(back[0], s) != 0)
		broken("shell_quote's word does not read back as the string",
		    s, q, NULL);
	free_words(back, n);
	free(q);
}

/* A command that is one placeholder reads back as that name's words. */
static void
check_single_words(const char *tpl, const char *name, const struct words *w)
{
	struct tpl_error	 te;
	char			*out, *back[MAX_WORDS + 1];
	size_t			 start, count, i;
	int			 n;

	if (ref_words(w, name, &start, &count) != 0)
		return;
	if (template_expand(tpl, TPL_SHELL, lookup, (void *)w, &out,
	    &te) != 0)
		broken("a single placeholder did not expand", tpl, te.msg,
		    NULL);
	if (count == 0) {
		if (out[0] != '\0')
			broken("no words did not give an empty command", tpl,
			    out, NULL);
		free(out);
		return;
	}
	n = sh_split(out, back, MAX_WORDS + 1);
	if (n < 0 || (size_t)n != count)
		broken("a quoted list does not read back as its words", tpl,
		    out, NULL);
	for (i = 0; i < count; i++) {
		if (strcmp(back[i], w->v[start + i]) != 0)
			broken("a quoted list does not read back as its words",
			    tpl, back[i], w->v[start + i]);
	}
	free_words(back, n);
	free(out);
}

/*
 * template_one: a template that is one placeholder, braces balanced from
 * its first byte to its last, gives its name filled in by the lookup as
 * the reference does, or fails where the reference does; any other
 * template gives 0.
 */
static void
check_one(const char *tpl, size_t len, const struct words *w)
{
	struct tpl_error	 te;
	struct buf		 ref = { NULL, 0, 0 };
	enum ref_status		 rs = REF_OK;
	char			 name[TPL_NAME_MAX + 1];
	size_t			 i, depth = 0, close = 0, off = 0, nnest = 0;
	int			 one, whole = 0;

	if (tpl[0] == '{' && tpl[1] != '{') {
		for (i = 0; i < len; i++) {
			if (tpl[i] == '{')
				depth++;
			else if (tpl[i] == '}' && --depth == 0)
				break;
		}
		whole = i == len - 1;
	}
	memset(&te, 0, sizeof te);
	one = template_one(tpl, lookup, (void *)w, name, &te);
	if (one != 0 && !whole)
		broken("template_one took more than one placeholder", tpl,
		    NULL, NULL);
	if (!whole) {
		if (one != 0)
			broken("template_one took a template that is not one "
			    "placeholder", tpl, NULL, NULL);
		return;
	}
	rs = ref_placeholder(tpl, 0, w, &ref, &close, &off, &nnest);
	if (one != (rs == REF_OK ? 1 : -1))
		broken("template_one disagrees with the reference", tpl,
		    one == 1 ? name : msg_of(&te), ref.p);
	if (one == 1 && strcmp(name, ref.p) != 0)
		broken("template_one gave the wrong name", tpl, name, ref.p);
	if (one == -1 && (status_of(&te, tpl) != rs || te.offset != off))
		broken("template_one failed for another reason or at another "
		    "offset", tpl, msg_of(&te), NULL);
	free(ref.p);
}

/* Columns count characters: the bytes that do not continue UTF-8. */
static void
check_column(const char *s, size_t len, size_t off)
{
	size_t	 i;
	int	 col = 1;

	for (i = 0; i < off && i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	}
	if (template_column(s, off, 1) != col)
		broken("template_column counted wrong", s, NULL, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct words		 w;
	struct tpl_error	 ce, te;
	struct buf		 ref = { NULL, 0, 0 };
	char			*tpl, name[TPL_NAME_MAX + 1];
	const uint8_t		*p, *end = data + size, *nul;
	size_t			 len, off, nph, ntext, nnest, i;
	enum ref_status		 rs;
	int			 crc, single;

	/* Exact-size copies, so that ASan sees any read past the end. */
	nul = memchr(data, '\0', size);
	len = nul != NULL ? (size_t)(nul - data) : size;
	tpl = xmalloc(len + 1);
	memcpy(tpl, data, len);
	tpl[len] = '\0';
	memset(&w, 0, sizeof w);
	for (p = nul; p != NULL && p < end && w.n < MAX_WORDS; p = nul) {
		p++;
		nul = memchr(p, '\0', end - p);
		i = nul != NULL ? (size_t)(nul - p) : (size_t)(end - p);
		w.v[w.n] = xmalloc(i + 1);
		memcpy(w.v[w.n], p, i);
		w.v[w.n++][i] = '\0';
		if (nul == NULL)
			break;
	}

	/* Syntax: template_check is template_expand with no lookup. */
	memset(&ce, 0, sizeof ce);
	crc = template_check(tpl, &ce);
	memset(&te, 0, sizeof te);
	if (template_expand(tpl, TPL_RAW, NULL, NULL, NULL, &te) != crc ||
	    (crc != 0 && (te.offset != ce.offset ||
	    strcmp(te.msg, ce.msg) != 0)))
		broken("template_check and template_expand disagree", tpl,
		    te.msg, ce.msg);
	if (crc != 0 && (ce.offset >= len || (tpl[ce.offset] != '{' &&
	    tpl[ce.offset] != '}')))
		broken("an error offset is not at a brace", tpl, ce.msg, NULL);
	if (crc != 0 && template_check(tpl, NULL) != -1)
		broken("template_check with no error passes", tpl, NULL,
		    NULL);
	check_expand(tpl, TPL_RAW, NULL, 1);
	check_expand(tpl, TPL_RAW, &w, 1);
	check_expand(tpl, TPL_SHELL, &w, 1);
	check_expand(tpl, TPL_SHELL, &w, 0);

	/* template_single: exactly one placeholder and nothing else. */
	rs = ref_expand(tpl, TPL_RAW, NULL, &ref, &off, &nph, &ntext, &nnest);
	free(ref.p);
	single = template_single(tpl, name);
	if (single != (rs == REF_OK && nph == 1 && ntext == 0 && nnest == 0))
		broken("template_single is wrong", tpl, NULL, NULL);
	if (single) {
		if (strlen(name) + 2 != len ||
		    strncmp(name, tpl + 1, len - 2) != 0)
			broken("template_single copied the wrong name", tpl,
			    name, NULL);
		check_single_words(tpl, name, &w);
	}

	check_one(tpl, len, &w);

	/* Columns, at the error and around the end. */
	check_column(tpl, len, 0);
	check_column(tpl, len, len);
	check_column(tpl, len, len + 1);
	check_column(tpl, len, SIZE_MAX);
	if (crc != 0)
		check_column(tpl, len, ce.offset);
	if (len > 0)
		check_column(tpl, len, (unsigned char)tpl[0] % len);

	check_quote(tpl);
	for (i = 0; i < w.n; i++) {
		check_quote(w.v[i]);
		free(w.v[i]);
	}
	free(tpl);
	return 0;
}
