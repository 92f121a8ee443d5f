/*
 * test-certs.c: a run's CURVE credentials (certs.c): made into a folder
 * 0700 with files 0600, read back by the interchange and by a pool from
 * the folder or the one file, refused when damaged; and a real CURVE
 * handshake over tcp:// loopback with them, which a client with another
 * key pair fails.
 */

#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "weft.h"
#include "proto.h"

static char	 dir[64];

static int
setup(void **state)
{
	char	 tmpl[] = "/tmp/test-certs.XXXXXX";

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(dir, sizeof dir, "%s/certs", tmpl);
	return 0;
}

/* Removes what the tests made: two folders of keys and the tmp dir. */
static int
teardown(void **state)
{
	const char	*files[] = { "server.key", "client.key", "pool.cred" };
	char		*path, *sub[2];
	size_t		 i, k;

	(void)state;
	sub[0] = xstrdup(dir);
	sub[1] = xprintf("%s-other", dir);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 3; i++) {
			path = xprintf("%s/%s", sub[k], files[i]);
			unlink(path);
			free(path);
		}
		rmdir(sub[k]);
		free(sub[k]);
	}
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	return 0;
}

static void
write_text(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_create_and_load(void **state)
{
	struct curve_keys	 k, server, pool, again;
	struct stat		 st;
	char			*err = NULL, *path;
	const char		*files[] = { "server.key", "client.key",
				    "pool.cred" };
	size_t			 i;

	(void)state;
	assert_int_equal(certs_create(dir, &k, &err), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	for (i = 0; i < 3; i++) {
		path = xprintf("%s/%s", dir, files[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		free(path);
	}
	/* The folder exists: made once per run, never twice. */
	assert_int_equal(certs_create(dir, &again, &err), -1);
	assert_non_null(strstr(err, "cannot make"));
	free(err);

	assert_int_equal(certs_load(dir, "server.key", CERTS_SERVER, &server,
	    &err), 0);
	assert_string_equal(server.server_secret, k.server_secret);
	assert_string_equal(server.client_public, k.client_public);
	/* The interchange's file holds no client secret. */
	assert_string_equal(server.client_secret, "");
	/* A pool: from the folder, or from the one file. */
	assert_int_equal(certs_load(dir, "pool.cred", CERTS_POOL, &pool,
	    &err), 0);
	assert_string_equal(pool.client_secret, k.client_secret);
	assert_string_equal(pool.server_secret, "");
	path = xprintf("%s/pool.cred", dir);
	assert_int_equal(certs_load(path, "ignored", CERTS_POOL, &pool,
	    &err), 0);
	assert_string_equal(pool.server_public, k.server_public);
	free(path);
	/* A pool's file is not enough for the interchange. */
	path = xprintf("%s/pool.cred", dir);
	assert_int_equal(certs_load(path, "", CERTS_SERVER, &again, &err),
	    -1);
	assert_non_null(strstr(err, "lacks server-secret-key"));
	free(err);
	free(path);
}

static void
test_bad_files(void **state)
{
	struct curve_keys	 k;
	char			*err = NULL, *path;
	const struct {
		const char	*text;
		const char	*says;
	} bad[] = {
		{ "client-public-key = short\n", "not a 40-character" },
		{ "no equals sign\n", "not 'name = key'" },
		{ "server-private = x\n", "unknown name 'server-private'" },
		{ "# only a comment\n", "lacks server-public-key" },
	};
	size_t			 i;

	(void)state;
	path = xprintf("%s.bad", dir);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_text(path, bad[i].text);
		assert_int_equal(certs_load(path, "", CERTS_POOL, &k, &err),
		    -1);
		if (strstr(err, bad[i].says) == NULL)
			fail_msg("'%s' said '%s'", bad[i].text, err);
		free(err);
	}
	unlink(path);
	assert_int_equal(certs_load(path, "", CERTS_POOL, &k, &err), -1);
	assert_non_null(strstr(err, "cannot read credentials"));
	free(err);
	free(path);
}

/* A request and its answer over tcp:// with CURVE; 0 if it came back. */
static int
round_trip(const struct curve_keys *server, const struct curve_keys *client)
{
	void	*ctx = zmq_ctx_new(), *rep, *req;
	char	 ep[64], buf[8];
	size_t	 len = sizeof ep;
	int	 timeout = 1000, rc = -1;

	rep = zsock_open(ctx, ZMQ_REP, NULL);
	assert_int_equal(certs_server(rep, server), 0);
	/* Without a ZAP handler, any client knowing the server key passes:
	   so the test of a wrong client key is the interchange's. */
	assert_int_equal(zmq_bind(rep, "tcp://127.0.0.1:*"), 0);
	assert_int_equal(zmq_getsockopt(rep, ZMQ_LAST_ENDPOINT, ep, &len), 0);
	req = zsock_open(ctx, ZMQ_REQ, NULL);
	assert_int_equal(certs_client(req, client), 0);
	zmq_setsockopt(req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
	zmq_setsockopt(rep, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
	assert_int_equal(zmq_connect(req, ep), 0);
	zmq_send(req, "ping", 4, 0);
	if (zmq_recv(rep, buf, sizeof buf, 0) == 4) {
		zmq_send(rep, "pong", 4, 0);
		if (zmq_recv(req, buf, sizeof buf, 0) == 4 &&
		    memcmp(buf, "pong", 4) == 0)
			rc = 0;
	}
	zmq_close(req);
	zmq_close(rep);
	zmq_ctx_term(ctx);
	return rc;
}

static void
test_handshake(void **state)
{
	struct curve_keys	 server, pool, wrong;
	char			*err, *other;

	(void)state;
	assert_int_equal(certs_load(dir, "server.key", CERTS_SERVER, &server,
	    &err), 0);
	assert_int_equal(certs_load(dir, "pool.cred", CERTS_POOL, &pool,
	    &err), 0);
	assert_int_equal(round_trip(&server, &pool), 0);
	/* A pool of another run: it does not know this server's key. */
	other = xprintf("%s-other", dir);
	assert_int_equal(certs_create(other, &wrong, &err), 0);
	assert_int_equal(certs_load(other, "pool.cred", CERTS_POOL, &wrong,
	    &err), 0);
	assert_int_equal(round_trip(&server, &wrong), -1);
	free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_load),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_handshake),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
