/*
 * hasher.c: the "weft hash" helper role, which reads input files to hash
 * their contents for the keys of the task cache.
 *
 * Hashing a big input takes as long as reading it, and main must not stop
 * answering (signals, heartbeats, weft status) meanwhile, so main hands
 * the files whose hashes it does not know yet to a short-lived hasher:
 * their paths, NUL-terminated, on its standard input; for each, in order,
 * one MSG_H_HASHED message on its standard output as soon as it is done.
 * It works from the workflow's folder, so relative paths are the tasks'.
 * It exits when its input ends and every path is answered; it holds no
 * socket and no database.  If main dies, the kernel kills it
 * (PR_SET_PDEATHSIG), even in the middle of a file.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"
#include "proto.h"

/* One answer: [index, path, errno, dev, ino, size, mtime_ns, hash]. */
static int
hasher_answer(uint32_t index, const char *path)
{
	struct msg_out	 m;
	struct stat	 st;
	uint8_t		 hash[HASH_LEN];
	int		 error;

	memset(&st, 0, sizeof st);
	error = hash_path(AT_FDCWD, path, &st, hash);
	msg_begin(&m, MSG_H_HASHED, 8);
	msgpack_pack_uint32(&m.pk, index);
	msg_pack_str(&m.pk, path, strlen(path));
	msgpack_pack_int(&m.pk, error);
	msgpack_pack_uint64(&m.pk, st.st_dev);
	msgpack_pack_uint64(&m.pk, st.st_ino);
	msgpack_pack_int64(&m.pk, st.st_size);
	msgpack_pack_int64(&m.pk, (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec);
	if (error == 0) {
		msgpack_pack_bin(&m.pk, HASH_LEN);
		msgpack_pack_bin_body(&m.pk, hash, HASH_LEN);
	} else
		msgpack_pack_nil(&m.pk);
	return msg_write(STDOUT_FILENO, &m);
}

int
hasher_main(int argc, char **argv)
{
	struct roleargs	 a;
	char		*line = NULL, *tab;
	size_t		 cap = 0;
	ssize_t		 n;

	roleargs_get(ROLE_HASH, argc, argv, &a);
	if (helper_die_with(a.parent) == -1)
		return EXIT_INTERNAL;
	log_init(NULL, 0);
	log_set_role("hash");
	if (hash_init() == -1)
		fatalx("cannot set up hashing");
	if (chdir(a.workdir) == -1)
		fatal("cannot enter '%s'", a.workdir);
	/* Each request is "INDEX\tPATH\0": the task it is for, the path. */
	while ((n = getdelim(&line, &cap, '\0', stdin)) > 0) {
		if ((tab = strchr(line, '\t')) == NULL)
			fatalx("malformed request");
		*tab = '\0';
		if (hasher_answer(strtoul(line, NULL, 10), tab + 1) == -1)
			fatal("cannot answer main");
	}
	free(line);
	return 0;
}
