/*
 * xmalloc.c: allocation that cannot fail from the caller's point of view.
 * Running out of memory is reported and the process exits with the
 * "weft itself failed" code.
 */

#include <sys/mman.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

static __dead void
oom(size_t size)
{
	fprintf(stderr, "%s: out of memory (allocating %zu bytes)\n", weft_prog,
	    size);
	exit(EXIT_INTERNAL);
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		oom(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		oom(n * size);
	return p;
}

/*
 * For the arrays of a big task graph: the same as xcalloc, and the
 * kernel is asked to back it with huge pages, which turns hundreds of
 * thousands of page faults (slow on virtual machines) into hundreds.
 */
void *
xcalloc_big(size_t n, size_t size)
{
	const size_t	 huge = (size_t)2 << 20;
	uintptr_t	 start, end;
	void		*p;

	p = xcalloc(n, size);
#ifdef MADV_HUGEPAGE
	if (n > 0 && size > 0 && n * size >= 4 * huge) {
		start = ((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1);
		end = ((uintptr_t)p + n * size) & ~(uintptr_t)(huge - 1);
		if (end > start)
			(void)madvise((void *)start, end - start,
			    MADV_HUGEPAGE);
	}
#endif
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if (size != 0 && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	if ((p = realloc(old, n * size)) == NULL)
		oom(n * size);
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom(strlen(s) + 1);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		oom(n + 1);
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n == -1)
		oom(0);
	return n;
}

char *
xprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		oom(0);
	va_end(ap);
	return s;
}
