/*
 * pool-remote.c: a pool that connects by itself, "weft pool --connect
 * tcp://HOST:PORT --certs PATH", as a provider starts one on another host
 * (over ssh, or in a Slurm job), or a user by hand.
 *
 * It says what it has (CPUs, memory, GPUs: found, or as given with
 * --cores, --memory and --gpus; its slots are --jobs, or its cores) and
 * waits for the interchange to welcome it with a number and the run: the
 * run directory and the workflow's folder, which must be reachable at
 * the same paths here (a shared filesystem, as on a cluster), the
 * plugins and the heartbeats.  From then on it is a pool like the
 * others, with its log in the run directory, except that it has no
 * lifeline from main: it stops when the interchange tells it to, or has
 * not been heard for the heartbeat threshold, and says it is leaving as
 * it goes.  What it says on its way out also goes to the stderr it was
 * started with (the ssh session's, the Slurm job's output file).
 */

#include <sys/signalfd.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "weft.h"
#include "proto.h"
#include "pool.h"

#define JOIN_LINGER_MS	1000	/* a last MSG_LEAVING may take this */
#define JOIN_MAX_CUTS	3	/* handshakes cut: the key is wrong */

/* Whether ARGV asks for a pool that connects by itself. */
int
pool_joins(int argc, char **argv)
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--connect", 9) == 0 &&
		    (argv[i][9] == '\0' || argv[i][9] == '='))
			return 1;
	}
	return 0;
}

static void
usage_error(const char *option, const char *arg, const char *what)
{
	fprintf(stderr, "weft pool: --%s: '%s' is not %s\n", option, arg,
	    what);
	exit(EXIT_USAGE);
}

/* A positive number in environment variable NAME; 0 if none. */
static long
env_number(const char *name)
{
	const char	*s = getenv(name);
	char		*end;
	long		 n;

	if (s == NULL || *s == '\0')
		return 0;
	n = strtol(s, &end, 10);
	return *end == '\0' && n > 0 ? n : 0;
}

/*
 * What the pool has: as given (--cores, --memory, --gpus), else what its
 * Slurm job was given, else the host's; its slots are --jobs, or its
 * cores.
 */
static void
join_resources(struct pool *p, const struct roleargs *a)
{
	const char	*s;
	char		*end;
	long		 n;

	p->cpus = a->cores > 0 ? a->cores : host_cpus();
	p->memory = host_memory();
	/* In a Slurm job: what the job was given, not the whole node. */
	if ((n = env_number("SLURM_CPUS_ON_NODE")) > 0 && a->cores == 0 &&
	    n < p->cpus)
		p->cpus = (int)n;
	if ((n = env_number("SLURM_MEM_PER_NODE")) > 0)
		p->memory = (int64_t)n << 20;
	if (a->memory != NULL && (parse_size(a->memory, &p->memory) == -1 ||
	    p->memory == 0))
		usage_error("memory", a->memory, "a size such as 16G or 512M");
	p->ngpus = host_gpus();
	if ((s = a->gpus) != NULL) {
		n = strtol(s, &end, 10);
		if (end == s || *end != '\0' || n < 0 || n > 1024)
			usage_error("gpus", s, "a number from 0 to 1024");
		p->ngpus = (int)n;
	}
	p->jobs = a->jobs > 0 ? a->jobs : p->cpus;
	if (p->jobs > WEFT_MAX_JOBS)
		p->jobs = WEFT_MAX_JOBS;
}

/* A string of a welcome into a new string; NULL if it is not one. */
static char *
welcome_str(const msgpack_object *o)
{
	const char	*s;
	uint32_t	 len;

	if (msg_get_str(o, &s, &len) == -1 || memchr(s, '\0', len) != NULL)
		return NULL;
	return xstrndup(s, len);
}

/*
 * MSG_WELCOME: [pool, run, rundir, workdir, monitor, fail_fast,
 * [plugin args], heartbeat period ms, threshold ms].
 */
static int
take_welcome(struct pool *p, const struct msg_in *m)
{
	const msgpack_object	*f = m->fields, *pl;
	int64_t			 id, period, threshold;
	char			 num[32];
	uint32_t		 i;

	if (m->nfields != 9 || msg_get_int(&f[0], &id) == -1 || id < 0 ||
	    id > 1000000 || (p->run_own = welcome_str(&f[1])) == NULL ||
	    (p->rundir_own = welcome_str(&f[2])) == NULL ||
	    (p->workdir_own = welcome_str(&f[3])) == NULL ||
	    f[4].type != MSGPACK_OBJECT_BOOLEAN ||
	    f[5].type != MSGPACK_OBJECT_BOOLEAN ||
	    f[6].type != MSGPACK_OBJECT_ARRAY ||
	    msg_get_int(&f[7], &period) == -1 ||
	    msg_get_int(&f[8], &threshold) == -1)
		return -1;
	p->id = (int)id;
	p->run_name = p->run_own;
	p->rundir = p->rundir_own;
	p->workdir = p->workdir_own;
	p->remote_monitor = f[4].via.boolean;
	p->fail_fast = f[5].via.boolean;
	pl = &f[6];
	p->plugin_args = xcalloc(pl->via.array.size + 1,
	    sizeof *p->plugin_args);
	for (i = 0; i < pl->via.array.size; i++) {
		if ((p->plugin_args[i] = welcome_str(&pl->via.array.ptr[i])) ==
		    NULL)
			return -1;
		p->nplugin_args++;
	}
	/* Our heartbeats, and our workers', are the run's. */
	snprintf(num, sizeof num, "%lld", (long long)period);
	setenv("WEFT_HEARTBEAT_MS", num, 1);
	snprintf(num, sizeof num, "%lld", (long long)threshold);
	setenv("WEFT_HEARTBEAT_THRESHOLD_MS", num, 1);
	return 0;
}

/*
 * The handshake, as our socket's monitor sees it: refused (by the ZAP
 * handler), or cut again and again before it succeeds (the server
 * cannot read us: its key is not the one we have).  Exits if so.
 */
static void
handshake_events(struct pool *p, void *events, int *cuts, int *ok)
{
	zmq_msg_t	 ev;
	uint16_t	 event = 0;

	for (;;) {
		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, events, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&ev);
			return;
		}
		if (zmq_msg_size(&ev) >= 2 && zmq_msg_more(&ev))
			memcpy(&event, zmq_msg_data(&ev), sizeof event);
		while (zmq_msg_more(&ev) && zmq_msg_recv(&ev, events, 0) != -1)
			;
		zmq_msg_close(&ev);
		if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
			*ok = 1;
		else if (event == ZMQ_EVENT_DISCONNECTED && !*ok)
			(*cuts)++;
		if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
		    event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
		    event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
		    *cuts >= JOIN_MAX_CUTS) {
			fprintf(stderr, "weft pool: the interchange at %s "
			    "refused these credentials (%s): they are not "
			    "this run's\n", p->url, p->certs);
			exit(EXIT_INTERNAL);
		}
	}
}

/* Waits for the interchange's welcome, as long as the threshold. */
static void
await_welcome(struct pool *p)
{
	struct msg_in	 m;
	zmq_msg_t	 zm;
	zmq_pollitem_t	 items[3];
	void		*events;
	int64_t		 until;
	int		 rc, period = heartbeat_period(), cuts = 0, ok = 0;

	if (zmq_socket_monitor(p->sock, "inproc://weft-join-events",
	    ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == -1 ||
	    (events = zsock_open(p->ctx, ZMQ_PAIR, NULL)) == NULL ||
	    zsock_connect(events, "inproc://weft-join-events") == -1)
		fatalx("cannot watch the connection: %s", zmq_strerror(errno));
	until = mono_ms() + heartbeat_threshold(period);
	for (;;) {
		items[0].socket = p->sock;
		items[0].events = ZMQ_POLLIN;
		items[1].socket = NULL;
		items[1].fd = p->sigfd;
		items[1].events = ZMQ_POLLIN;
		items[2].socket = events;
		items[2].events = ZMQ_POLLIN;
		if (mono_ms() >= until) {
			fprintf(stderr, "weft pool: no answer from %s in %lld "
			    "ms: is the run still going, and are the address, "
			    "the port and the credentials (%s) right?\n",
			    p->url, (long long)heartbeat_threshold(period),
			    p->certs);
			exit(EXIT_INTERNAL);
		}
		if (zmq_poll(items, 3, (long)(until - mono_ms())) == -1 &&
		    errno != EINTR)
			fatal("zmq_poll");
		if (items[2].revents & ZMQ_POLLIN)
			handshake_events(p, events, &cuts, &ok);
		if (items[1].revents & ZMQ_POLLIN) {
			fprintf(stderr, "weft pool: interrupted before the "
			    "interchange answered\n");
			exit(EXIT_INTERRUPTED);
		}
		if (!(items[0].revents & ZMQ_POLLIN))
			continue;
		if ((rc = msg_recv(p->sock, &zm, &m, "the interchange")) != 1)
			continue;
		if (m.type == MSG_STOP) {
			fprintf(stderr, "weft pool: the interchange at %s "
			    "turned this pool away: %.*s\n", p->url,
			    m.nfields > 0 && m.fields[0].type ==
			    MSGPACK_OBJECT_STR ? (int)m.fields[0].via.str.size :
			    0, m.nfields > 0 ? m.fields[0].via.str.ptr : "");
			exit(EXIT_INTERNAL);
		}
		rc = m.type == MSG_WELCOME ? take_welcome(p, &m) : 1;
		msg_in_free(&m);
		zmq_msg_close(&zm);
		if (rc == 0) {
			zmq_socket_monitor(p->sock, NULL, 0);
			zmq_close(events);
			return;
		}
		if (rc == -1)
			fatalx("malformed welcome from %s", p->url);
	}
}

/*
 * Connects to the interchange of A's --connect with A's credentials, and
 * takes the run it is told: P's number, run, directories, plugins.  On
 * return the working directory is the run's, and the log is there.
 */
void
pool_join(struct pool *p, const struct roleargs *a)
{
	struct msg_out	 m;
	char		 ident[64], *err, *log;
	int		 fd;

	p->remote = 1;
	p->url = a->connect;
	p->certs = a->certs;
	if (strncmp(p->url, "tcp://", 6) != 0 || strrchr(p->url, ':') ==
	    p->url + 3)
		usage_error("connect", p->url, "tcp://HOST:PORT");
	if (certs_load(a->certs, "pool.cred", CERTS_POOL, &p->keys, &err)) {
		fprintf(stderr, "weft pool: %s\n", err);
		free(err);
		exit(EXIT_USAGE);
	}
	join_resources(p, a);
	if (gethostname(p->host, sizeof p->host - 1) == -1)
		snprintf(p->host, sizeof p->host, "localhost");
	snprintf(p->block, sizeof p->block, "%s",
	    a->block != NULL ? a->block : "");

	/* Host and pid: a pool that comes back is known as the same one. */
	snprintf(ident, sizeof ident, "join/%.40s/%ld", p->host,
	    (long)getpid());
	if ((p->ctx = zmq_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	p->sock = zsock_open(p->ctx, ZMQ_DEALER, ident);
	if (p->sock == NULL || certs_client(p->sock, &p->keys) == -1 ||
	    zsock_connect(p->sock, p->url) == -1) {
		fprintf(stderr, "weft pool: cannot connect to %s: %s\n",
		    p->url, zmq_strerror(errno));
		exit(EXIT_USAGE);
	}
	msg_begin(&m, MSG_HELLO, 9);
	msgpack_pack_int32(&m.pk, -1);
	msgpack_pack_int32(&m.pk, p->jobs);
	msgpack_pack_int64(&m.pk, getpid());
	msg_pack_str(&m.pk, p->host, strlen(p->host));
	msgpack_pack_int32(&m.pk, p->cpus);
	msgpack_pack_int64(&m.pk, p->memory);
	msgpack_pack_int32(&m.pk, p->ngpus);
	msg_pack_str(&m.pk, p->block, strlen(p->block));
	msg_pack_str(&m.pk, PACKAGE_VERSION, strlen(PACKAGE_VERSION));
	if (msg_send(p->sock, NULL, 0, &m) == -1)
		fatalx("cannot greet %s: %s", p->url, zmq_strerror(errno));
	await_welcome(p);

	if (chdir(p->rundir) == -1) {
		fprintf(stderr, "weft pool: the run directory %s is not "
		    "reachable on %s (%s): pools on other hosts need it at "
		    "the same path, on a shared filesystem\n", p->rundir,
		    p->host, strerror(errno));
		pool_leave(p, "its run directory is not reachable");
		exit(EXIT_INTERNAL);
	}
	/* Our log from now on is the run's, as any pool's. */
	log = xprintf("pool-%d.log", p->id);
	p->console = dup(STDERR_FILENO);
	fd = open(log, O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, 0644);
	if (fd == -1)
		fatal("cannot open %s/%s", p->rundir, log);
	fprintf(stderr, "weft pool: joined run %s at %s as pool-%d "
	    "(%d slots); its log is %s/%s\n", p->run_name, p->url, p->id,
	    p->jobs, p->rundir, log);
	dup2(fd, STDERR_FILENO);
	close(fd);
	free(log);
	snprintf(ident, sizeof ident, "pool-%d", p->id);
	log_set_role(ident);
	/* A provider's block is "KIND-N"; a pool started by hand has none. */
	block_executor(p->block, p->executor, sizeof p->executor);
	if (!p->block[0])
		snprintf(p->block, sizeof p->block, "%d", p->id);
	log_info("pool %d: joined run %s at %s from %s: %d slots, %d CPUs, "
	    "%lld MiB, %d GPUs", p->id, p->run_name, p->url, p->host,
	    p->jobs, p->cpus, (long long)(p->memory >> 20), p->ngpus);
}

/* Tells the interchange this pool goes, and why; and the console. */
void
pool_leave(struct pool *p, const char *why)
{
	struct msg_out	 m;
	int		 linger = JOIN_LINGER_MS;

	if (!p->remote || p->sock == NULL)
		return;
	msg_begin(&m, MSG_LEAVING, 1);
	msg_pack_str(&m.pk, why, strlen(why));
	if (msg_send(p->sock, NULL, 0, &m) == -1)
		log_debug("cannot say goodbye: %s", zmq_strerror(errno));
	zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof linger);
	if (p->console != -1 && p->run_name != NULL)
		dprintf(p->console, "weft pool: pool-%d left run %s: %s\n",
		    p->id, p->run_name, why);
}
