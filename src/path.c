/*
 * path.c: paths judged by their text alone, never by the file system:
 * the normal form that keys the task graph's output map, whether a path
 * stays inside a folder, and a path made absolute against a folder.
 * Used by dag.c, outlock.c, resume.c, pool.c and the loader.
 */

#include <stdlib.h>
#include <string.h>

#include "weft.h"


char *
path_normalise(const char *path)
{
	char		*out, *o;
	const char	*p, *seg;
	size_t		 n;
	int		 abs = path[0] == '/';

	out = xmalloc(strlen(path) + 2);
	o = out;
	if (abs)
		*o++ = '/';
	for (p = path; *p != '\0'; p += n) {
		while (*p == '/')
			p++;
		seg = p;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (o > out && o[-1] != '/')
			*o++ = '/';
		memcpy(o, seg, n);
		o += n;
	}
	if (o == out)
		*o++ = '.';
	*o = '\0';
	return out;
}

int
path_is_normal(const char *path)
{
	const char	*p = path, *seg;
	size_t		 n;

	if (strcmp(path, ".") == 0 || strcmp(path, "/") == 0)
		return 1;
	if (*p == '/')
		p++;
	if (*p == '\0')
		return 0;
	for (;;) {
		seg = p;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && seg[0] == '.'))
			return 0;
		p += n;
		if (*p == '\0')
			return 1;
		p++;		/* the '/' */
	}
}

/*
 * Whether PATH, relative to DIR (absolute) or absolute, names something
 * inside DIR, judged by the text alone: ".." may not climb out of DIR.
 */
int
path_inside(const char *dir, const char *path)
{
	const char	*p, *seg;
	size_t		 n, len = strlen(dir);
	long		 depth = 0;

	if (path[0] == '/') {
		if (strncmp(path, dir, len) != 0 ||
		    (path[len] != '/' && path[len] != '\0'))
			return 0;
		path += len;
	}
	for (p = path; *p != '\0'; p += n) {
		while (*p == '/')
			p++;
		seg = p;
		n = strcspn(p, "/");
		if (n == 2 && strncmp(seg, "..", 2) == 0) {
			if (--depth < 0)
				return 0;
		} else if (n > 0 && !(n == 1 && *seg == '.'))
			depth++;
	}
	return 1;
}

/* PATH as it is if absolute, else DIR/PATH; the caller frees. */
char *
path_abs(const char *dir, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	return xprintf("%s/%s", dir, path);
}
