/*
 * hash.c: content hashes, for the keys of the task cache (cache.c).
 * BLAKE2b-256 from libsodium throughout.
 *
 * A regular file's hash is that of its bytes.  A directory's is that of
 * its entries in name order, each as its kind, its name and its own hash
 * (a symlink's is that of its target text), so renaming, adding or
 * changing anything inside changes it.  Everything is read through a
 * directory descriptor, without following a symlink given as the path.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft.h"

#define HASH_READ_SIZE	(256 * 1024)
#define HASH_MAX_DEPTH	64

_Static_assert(sizeof(crypto_generichash_state) <=
    sizeof(((struct hash *)0)->state), "struct hash is too small");

int
hash_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
hash_begin(struct hash *h)
{
	crypto_generichash_init((crypto_generichash_state *)h->state, NULL, 0,
	    HASH_LEN);
}

void
hash_add(struct hash *h, const void *data, size_t len)
{
	crypto_generichash_update((crypto_generichash_state *)h->state, data,
	    len);
}

/* A string with its length in front, so that no two lists collide. */
void
hash_add_str(struct hash *h, const char *s)
{
	uint64_t	 n = s != NULL ? strlen(s) : UINT64_MAX;

	hash_add(h, &n, sizeof n);
	if (s != NULL)
		hash_add(h, s, strlen(s));
}

void
hash_end(struct hash *h, uint8_t *out)
{
	crypto_generichash_final((crypto_generichash_state *)h->state, out,
	    HASH_LEN);
}

void
hash_hex(const uint8_t *hash, char *hex)
{
	sodium_bin2hex(hex, 2 * HASH_LEN + 1, hash, HASH_LEN);
}

static int	 hash_at(int, const char *, struct stat *, uint8_t *, int);

static int
hash_fd(int fd, uint8_t *out)
{
	struct hash	 h;
	char		*buf;
	ssize_t		 n;
	int		 rc = 0;

	buf = xmalloc(HASH_READ_SIZE);
	hash_begin(&h);
	hash_add(&h, "f", 1);
	for (;;) {
		n = read(fd, buf, HASH_READ_SIZE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = errno;
			break;
		}
		if (n == 0)
			break;
		hash_add(&h, buf, n);
	}
	free(buf);
	hash_end(&h, out);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
hash_dir(int fd, uint8_t *out, int depth)
{
	struct hash	 h;
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char	       **names = NULL;
	uint8_t		 sub[HASH_LEN];
	size_t		 n = 0, cap = 0, i;
	int		 rc = 0;

	if (depth > HASH_MAX_DEPTH)
		return ELOOP;
	if ((d = fdopendir(fd)) == NULL)
		return errno;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			names = xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	qsort(names, n, sizeof *names, name_cmp);
	hash_begin(&h);
	hash_add(&h, "d", 1);
	for (i = 0; i < n && rc == 0; i++) {
		rc = hash_at(dirfd(d), names[i], &st, sub, depth + 1);
		hash_add_str(&h, names[i]);
		hash_add(&h, sub, sizeof sub);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	hash_end(&h, out);
	return rc;
}

static int
hash_link(int dfd, const char *path, uint8_t *out)
{
	struct hash	 h;
	char		 target[4096];
	ssize_t		 n;

	if ((n = readlinkat(dfd, path, target, sizeof target - 1)) == -1)
		return errno;
	target[n] = '\0';
	hash_begin(&h);
	hash_add(&h, "l", 1);
	hash_add_str(&h, target);
	hash_end(&h, out);
	return 0;
}

static int
hash_at(int dfd, const char *path, struct stat *st, uint8_t *out, int depth)
{
	int	 fd, rc;

	if (fstatat(dfd, path, st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno;
	if (S_ISLNK(st->st_mode))
		return hash_link(dfd, path, out);
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
		/* A fifo or a device: its name is all there is to hash. */
		memset(out, 0, HASH_LEN);
		return 0;
	}
	fd = openat(dfd, path, O_RDONLY|O_CLOEXEC|O_NOFOLLOW|
	    (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0));
	if (fd == -1)
		return errno;
	if (S_ISDIR(st->st_mode))
		return hash_dir(fd, out, depth);	/* closes fd */
	rc = hash_fd(fd, out);
	close(fd);
	return rc;
}

/*
 * The content hash of PATH, relative to DFD; *ST gets its lstat.  Returns
 * 0, or the errno that made it fail (ENOENT: it does not exist).
 */
int
hash_path(int dfd, const char *path, struct stat *st, uint8_t *out)
{
	return hash_at(dfd, path, st, out, 0);
}
