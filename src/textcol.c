/*
 * textcol.c: display columns of UTF-8 text, for output that must fit a
 * terminal's width.
 *
 * Owns the one rule for how wide text is on a terminal: East Asian wide
 * characters and most emoji take two columns, combining marks and
 * zero-width characters none, every other character one.  An invalid
 * byte and a control character are shown as '?' (one column), so text
 * copied through textcol_copy can never move the cursor.  Called by the
 * live view of "weft run" (run-live.c) and by "weft status".
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weft.h"

struct range {
	uint32_t	 lo, hi;
};

static const struct range wide[] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
	{ 0x23e9, 0x23ec }, { 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 },
	{ 0x25fd, 0x25fe }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 },
	{ 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x26a1, 0x26a1 },
	{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 },
	{ 0x26ce, 0x26ce }, { 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea },
	{ 0x26f2, 0x26f3 }, { 0x26f5, 0x26f5 }, { 0x26fa, 0x26fa },
	{ 0x26fd, 0x26fd }, { 0x2705, 0x2705 }, { 0x270a, 0x270b },
	{ 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x274e, 0x274e },
	{ 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2795, 0x2797 },
	{ 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf }, { 0x2b1b, 0x2b1c },
	{ 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 }, { 0x2e80, 0x303e },
	{ 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff },
	{ 0xa000, 0xa4cf }, { 0xa960, 0xa97f }, { 0xac00, 0xd7a3 },
	{ 0xf900, 0xfaff }, { 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f },
	{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
	{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd }
};

static const struct range zero[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x1ab0, 0x1aff },
	{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x20d0, 0x20ff },
	{ 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xe0100, 0xe01ef }
};

static int
in_ranges(uint32_t c, const struct range *r, size_t n)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (c < r[mid].lo)
			hi = mid;
		else if (c > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/*
 * The character at S (at most N bytes): returns its length in bytes
 * (1 for an invalid byte) and sets *COLS to its display columns, or to
 * -1 when it must be shown as '?' (invalid or a control character).
 */
size_t
textcol_char(const char *s, size_t n, int *cols)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 c;
	size_t			 len, i;

	*cols = -1;
	if (n == 0)
		return 0;
	if (u[0] < 0x80) {
		if (u[0] >= 0x20 && u[0] != 0x7f)
			*cols = 1;
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		c = u[0] & 0x07;
	} else
		return 1;
	if (len > n)
		return 1;
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 1;
		c = c << 6 | (u[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 1;
	if (c < 0xa0)
		return len;			/* C1 controls: cols -1 */
	if (in_ranges(c, zero, sizeof zero / sizeof zero[0]))
		*cols = 0;
	else if (in_ranges(c, wide, sizeof wide / sizeof wide[0]))
		*cols = 2;
	else
		*cols = 1;
	return len;
}

/* The display columns of S as textcol_copy shows it. */
size_t
textcol_width(const char *s)
{
	size_t	 w = 0, n = strlen(s), k;
	int	 cols;

	while (n > 0) {
		k = textcol_char(s, n, &cols);
		w += cols < 0 ? 1 : (size_t)cols;
		s += k;
		n -= k;
	}
	return w;
}

/*
 * Copies the longest start of S that takes at most MAXCOLS columns into
 * DST (of DSTLEN bytes, NUL-terminated), never a character in part, with
 * '?' for what cannot be shown.  Returns the bytes written; *COLS (if not
 * NULL) gets the columns they take.
 */
size_t
textcol_copy(char *dst, size_t dstlen, const char *s, size_t maxcols,
    size_t *cols)
{
	size_t	 n = strlen(s), k, out = 0, w = 0, i;
	int	 c;

	if (dstlen == 0)
		return 0;
	while (n > 0) {
		k = textcol_char(s, n, &c);
		if (c < 0) {
			if (w + 1 > maxcols || out + 1 >= dstlen)
				break;
			dst[out++] = '?';
			w++;
		} else {
			if (w + c > maxcols || out + k >= dstlen)
				break;
			for (i = 0; i < k; i++)
				dst[out++] = s[i];
			w += c;
		}
		s += k;
		n -= k;
	}
	dst[out] = '\0';
	if (cols != NULL)
		*cols = w;
	return out;
}
