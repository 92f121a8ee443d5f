/*
 * xmalloc.h: allocation wrappers that end the process on exhaustion, so
 * callers never carry a NULL check for memory.
 */

#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xcalloc_big(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
char	*xprintf(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

#endif /* XMALLOC_H */
