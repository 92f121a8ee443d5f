/*
 * certs.c: the CURVE credentials of a run's TCP endpoint.
 *
 * Every run that listens on tcp:// makes two key pairs of its own into
 * runs/NNNN/certs/ (a folder 0700, files 0600): the interchange's (the
 * server's) and one that every pool uses (the client's).  Three files:
 *
 *   server.key   the server's public and secret key, and the client's
 *                public key: what the interchange needs
 *   client.key   the client's public and secret key
 *   pool.cred    the server's public key and the client's pair: all
 *                that a pool needs, in one file to copy to other hosts
 *
 * Each is lines of "name = Z85 key", with # comments.  A pool without
 * the client's secret cannot register: the interchange's ZAP handler
 * (interchange.c) refuses every client key but the run's.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"

/* The names in the files, and where each goes in struct curve_keys. */
static const struct {
	const char	*name;
	size_t		 off;
} key_names[] = {
	{ "server-public-key", offsetof(struct curve_keys, server_public) },
	{ "server-secret-key", offsetof(struct curve_keys, server_secret) },
	{ "client-public-key", offsetof(struct curve_keys, client_public) },
	{ "client-secret-key", offsetof(struct curve_keys, client_secret) },
};
#define NKEYS	(sizeof key_names / sizeof key_names[0])
#define KEY_AT(k, i)	((char *)(k) + key_names[i].off)

enum { K_SERVER_PUBLIC = 1, K_SERVER_SECRET = 2, K_CLIENT_PUBLIC = 4,
    K_CLIENT_SECRET = 8 };

/* Writes the keys named by WHICH to DIR/NAME, mode 0600, at once. */
static int
write_keys(const char *dir, const char *name, const char *what,
    const struct curve_keys *k, unsigned which)
{
	char	*path, *text, *line, *t;
	size_t	 i;
	int	 rc, fd, saved;

	text = xprintf("# weft: %s. Keep it secret.\n", what);
	for (i = 0; i < NKEYS; i++) {
		if ((which & (1u << i)) == 0)
			continue;
		line = xprintf("%s = %s\n", key_names[i].name, KEY_AT(k, i));
		t = xprintf("%s%s", text, line);
		free(line);
		free(text);
		text = t;
	}
	path = xprintf("%s/%s", dir, name);
	/* Made 0600 before any key is in it. */
	if ((fd = open(path, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600)) == -1)
		rc = -1;
	else {
		rc = write_all(fd, text, strlen(text)) == -1 ? -1 : 0;
		saved = errno;
		if (close(fd) == -1 && rc == 0)
			rc = -1;
		else
			errno = saved;
	}
	explicit_bzero(text, strlen(text));
	free(text);
	free(path);
	return rc;
}

/*
 * Makes DIR (0700) with a new server pair and client pair in it.
 * Returns -1 with a message in *err (to free).
 */
int
certs_create(const char *dir, struct curve_keys *k, char **err)
{
	memset(k, 0, sizeof *k);
	if (mkdir(dir, 0700) == -1) {
		*err = xprintf("cannot make %s: %s", dir, strerror(errno));
		return -1;
	}
	if (zmq_curve_keypair(k->server_public, k->server_secret) == -1 ||
	    zmq_curve_keypair(k->client_public, k->client_secret) == -1) {
		*err = xprintf("cannot make CURVE keys: %s (is libzmq built "
		    "with CURVE?)", zmq_strerror(errno));
		return -1;
	}
	if (write_keys(dir, "server.key", "the interchange's keys", k,
	    K_SERVER_PUBLIC|K_SERVER_SECRET|K_CLIENT_PUBLIC) == -1 ||
	    write_keys(dir, "client.key", "the pools' keys", k,
	    K_CLIENT_PUBLIC|K_CLIENT_SECRET) == -1 ||
	    write_keys(dir, "pool.cred", "a pool's credentials for this run",
	    k, K_SERVER_PUBLIC|K_CLIENT_PUBLIC|K_CLIENT_SECRET) == -1) {
		*err = xprintf("cannot write keys in %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* One "name = key" line into K; *seen gets its bit.  -1: not one. */
static int
parse_line(char *line, struct curve_keys *k, unsigned *seen, char **why)
{
	char	*name, *value, *end;
	uint8_t	 raw[32];
	size_t	 i;

	name = line + strspn(line, " \t");
	if (*name == '#' || *name == '\0')
		return 0;
	if ((value = strchr(name, '=')) == NULL) {
		*why = xstrdup("a line is not 'name = key'");
		return -1;
	}
	for (end = value; end > name && (end[-1] == ' ' || end[-1] == '\t');)
		end--;
	*end = '\0';
	value += 1 + strspn(value + 1, " \t");
	value[strcspn(value, " \t\r")] = '\0';
	for (i = 0; i < NKEYS; i++) {
		if (strcmp(name, key_names[i].name) == 0)
			break;
	}
	if (i == NKEYS) {
		*why = xprintf("unknown name '%s'", name);
		return -1;
	}
	if (strlen(value) != CURVE_KEY_LEN ||
	    zmq_z85_decode(raw, value) == NULL) {
		*why = xprintf("'%s' is not a %d-character Z85 key",
		    name, CURVE_KEY_LEN);
		return -1;
	}
	memcpy(KEY_AT(k, i), value, CURVE_KEY_LEN + 1);
	*seen |= 1u << i;
	return 0;
}

/*
 * Reads keys from PATH: a file, a folder and its FILE, or "-" for stdin.  NEED names
 * the keys that must be there: CERTS_POOL (a pool's) or CERTS_SERVER.
 * Returns -1 with a message in *err (to free).
 */
int
certs_load(const char *path, const char *file, int need,
    struct curve_keys *k, char **err)
{
	struct stat	 st;
	char		*full, *text, *line, *next, *why = NULL;
	unsigned	 seen = 0, want;
	size_t		 len;
	int		 fd, rc = 0;

	memset(k, 0, sizeof *k);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		full = xprintf("%s/%s", path, file);
	else
		full = xstrdup(path);
	/* "-": from stdin, as ssh gives them, never on the host's disk. */
	if (strcmp(full, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(full, O_RDONLY|O_CLOEXEC);
	if (fd == -1) {
		*err = xprintf("cannot read credentials %s: %s", full,
		    strerror(errno));
		free(full);
		return -1;
	}
	text = read_all(fd, &len);
	close(fd);
	if (text == NULL) {
		*err = xprintf("cannot read credentials %s: %s", full,
		    strerror(errno));
		free(full);
		return -1;
	}
	for (line = text; line != NULL && rc == 0; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		rc = parse_line(line, k, &seen, &why);
	}
	want = need == CERTS_SERVER ?
	    K_SERVER_PUBLIC|K_SERVER_SECRET|K_CLIENT_PUBLIC :
	    K_SERVER_PUBLIC|K_CLIENT_PUBLIC|K_CLIENT_SECRET;
	if (rc == 0 && (seen & want) != want) {
		why = xprintf("it lacks %s", key_names[__builtin_ctz(want &
		    ~seen)].name);
		rc = -1;
	}
	if (rc == -1)
		*err = xprintf("bad credentials %s: %s", full, why);
	explicit_bzero(text, len);
	free(text);
	free(why);
	free(full);
	if (rc == -1)
		explicit_bzero(k, sizeof *k);
	return rc;
}

/* Makes S the CURVE server of K's server pair. */
int
certs_server(void *s, const struct curve_keys *k)
{
	int	 one = 1;

	if (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one) == -1 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, k->server_secret,
	    CURVE_KEY_LEN) == -1 ||
	    zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "weft", 4) == -1)
		return -1;
	return 0;
}

/* Makes S a CURVE client of K's server, with K's client pair. */
int
certs_client(void *s, const struct curve_keys *k)
{
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, k->server_public,
	    CURVE_KEY_LEN) == -1 ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, k->client_public,
	    CURVE_KEY_LEN) == -1 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, k->client_secret,
	    CURVE_KEY_LEN) == -1)
		return -1;
	return 0;
}
