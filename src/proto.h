/*
 * proto.h: the messages that weft processes exchange over ZeroMQ.
 *
 * Every message is one ZeroMQ frame holding a MessagePack array:
 * [PROTO_VERSION, type, fields...].  Tasks and results travel in batches
 * (one array of many), because per-message cost, not per-byte cost,
 * dominates at thousands of tasks a second.
 *
 * Bump PROTO_VERSION if any of these change.
 */

#ifndef PROTO_H
#define PROTO_H

#include <sys/types.h>

#include <stdint.h>

#include <jansson.h>
#include <msgpack.h>
#include <zmq.h>

#define PROTO_VERSION	4

enum msg_type {
	MSG_HELLO = 1,		/* pool -> interchange: [pool, slots, pid,
				   memory, gpus]
				   or, from a pool that connects by itself,
				   [-1, slots, pid, host, cpus, memory,
				   gpus, block, weft version] */
	MSG_TASKS,		/* main -> interchange -> pool: [[task]...] */
	MSG_RESULTS,		/* pool -> interchange -> main:
				   [[result]...], [[index, attempt]...]
				   (tries ended, tries started) */
	MSG_BYE,		/* router -> dbwriter: [] all is written */
	MSG_EVENTS,		/* any -> router: [sender, seq, [event]...] */
	MSG_ACK,		/* router -> sender: [seq] spooled up to seq */
	MSG_SPOOLED,		/* router -> dbwriter: [start, end, events] */
	MSG_COMMITTED,		/* dbwriter -> router: [offset, hello] */
	MSG_ROUTER_HELLO,	/* router -> dbwriter: [] say where you are */
	MSG_FINISH,		/* main -> router: [] drain all, then exit */
	MSG_HEARTBEAT,		/* pool or main -> interchange -> back: [];
				   to main: [[pool, tries]...] of the
				   remote pools */
	MSG_POOL_LOST,		/* main -> interchange: [pool, pid] it died */
	MSG_REQUEUE,		/* interchange -> main: [pool, pid,
				   [[index, attempt]...]] tries it had */
	MSG_POOL_SILENT,	/* interchange -> main: [pool, pid] no
				   heartbeat for the threshold */
	MSG_GO,			/* main -> interchange -> pools: [] with
				   --fail-fast, a failed try was not the
				   end: start tasks again */
	MSG_WRITER_SILENT,	/* router -> main: [committed, written] the
				   dbwriter has had work and said nothing
				   for the heartbeat threshold */
	MSG_WELCOME,		/* interchange -> a pool that connected by
				   itself: [pool, run, rundir, workdir,
				   monitor, fail_fast, [plugin args],
				   heartbeat period ms, threshold ms] */
	MSG_STOP,		/* interchange -> pool: [why] exit now */
	MSG_LEAVING,		/* pool -> interchange: [why] exiting; what
				   it had did not end */
	MSG_LISTENING,		/* interchange -> main: [url] pools connect
				   there */
	MSG_POOL_JOINED,	/* interchange -> main: [pool, pid, host,
				   block, slots, cpus, memory, gpus] a
				   pool connected by itself */
	/* Between a pool and its workers, on a socketpair (worker.c). */
	MSG_W_READY,		/* worker -> pool: [pid, stdout_at,
				   stderr_at] plugins loaded; where its
				   files end (-1: not a file) */
	MSG_W_FATAL,		/* worker -> pool: [message] cannot start */
	MSG_W_CALL,		/* pool -> worker: [task] */
	MSG_W_DONE,		/* worker -> pool: [index, attempt, returned,
				   result, error, wall_us, utime_us,
				   stime_us, maxrss_kb, nvcsw, nivcsw,
				   inblock, oublock, stdout_offset,
				   stdout_length, stderr_offset,
				   stderr_length] (-1: not known) */
	/* From a hasher to main, on a pipe (hasher.c). */
	MSG_H_HASHED,		/* [index, path, errno, dev, ino, size,
				   mtime_ns, hash] */
};
#define MSG_LAST	MSG_H_HASHED

/*
 * Monitoring events, inside MSG_EVENTS: each an array [kind, fields...].
 * A nil field leaves the column as it is, so events about one row may come
 * from several processes in any order.
 */
enum event_kind {
	EV_WORKFLOW = 1,	/* began, name, version, host, user, rundir,
				   file, ntasks */
	EV_WORKFLOW_END,	/* completed, done, failed, state, exit,
				   complete */
	EV_TASK,		/* task, id, app, depends, inputs, outputs,
				   stdout, stderr, invoked, kind, and (from
				   version 6) cores, memory, gpus, and (for
				   a task ready from the start, since weft
				   writes it so) command, function, plugin,
				   args as in EV_TASK_TEXT */
	EV_STATUS,		/* task, try, name, time */
	EV_TASK_END,		/* task, returned, state, fail_count, exit,
				   signal, result, stdout, stderr, memoize,
				   and (from version 5) reason */
	EV_TRY,			/* task, try, block, host, executor, launched,
				   running, returned, pid, exit, signal,
				   reason, state, stdout, stderr, and
				   (from version 4) stdout offset, length,
				   stderr offset, length */
	EV_RESOURCE,		/* task, try, time, interval, pid, user, system,
				   rss, vms, read, write, children, status,
				   final, voluntary, involuntary (context
				   switches; the last two absent from
				   version 2 events) */
	EV_BLOCK,		/* block, status, time, job, and (from
				   schema 6's weft) executor */
	EV_NODE,		/* block, host, cpus, memory, workers, time */
	EV_WORKFLOW_LOST,	/* time: main died before recording its end */
	EV_TASK_TEXT,		/* task, command, function, plugin, args:
				   what the task runs, once it is known */
};
#define EV_LAST		EV_TASK_TEXT

/*
 * One task to run.  On the wire: [index, attempt, id, walltime_ms, kind,
 * command, plugin, symbol, [arg names], [arg values], [inputs], [outputs],
 * launched, [env], [cores, memory, gpus]] with nil for what the kind does
 * not use; launched is when
 * main handed the try over, for the pool's record of it.  Packed from these fields;
 * when received, the strings point into the message and the four lists
 * are left as msgpack arrays (a pool passes a function task on to its
 * worker as it came).
 */
enum task_kind {
	TASK_COMMAND,
	TASK_FUNCTION
};
struct msg_task {
	uint32_t		 index;		/* in main's task array */
	uint32_t		 attempt;	/* 0 for the first try */
	int64_t			 walltime_ms;	/* 0: none */
	double			 launched;	/* epoch seconds */
	uint32_t		 cores;		/* resources: 0 is 1 core */
	int64_t			 memory;	/* bytes; 0: none asked */
	uint32_t		 gpus;
	enum task_kind		 kind;
	const char		*id;
	uint32_t		 id_len;
	const char		*command;	/* commands */
	uint32_t		 command_len;
	const char		*plugin;	/* functions */
	uint32_t		 plugin_len;
	const char		*symbol;
	uint32_t		 symbol_len;
	/* Packing: */
	char *const		*arg_names;
	char *const		*arg_values;
	size_t			 nargs;
	char *const		*inputs;
	size_t			 ninputs;
	char *const		*outputs;
	size_t			 noutputs;
	char *const		*env;		/* "NAME=VALUE" */
	size_t			 nenv;
	/* Received: */
	const msgpack_object	*args_o;	/* [names], then [values] */
	const msgpack_object	*values_o;
	const msgpack_object	*inputs_o;
	const msgpack_object	*outputs_o;
	const msgpack_object	*env_o;
};

/* How a try ended, as the pool saw it. */
enum try_outcome {
	OUT_DONE,		/* exit 0, or the function returned WEFT_OK */
	OUT_EXIT,		/* a command ended otherwise: status */
	OUT_SPAWN,		/* could not be started: spawn_errno */
	OUT_TIMEOUT,		/* past its walltime, killed: status */
	OUT_FUNC_FAILED,	/* the function failed: message */
	OUT_WORKER_DIED,	/* its worker died under it: status, message */
	OUT_BAD_RESULT,		/* result refused: message */
	OUT_NO_WORKER,		/* no worker could be started: message */
	OUT_MISSING_OUTPUT,	/* a declared output is missing: message */
	OUT_MISSING_INPUT,	/* main: an input is missing: message */
	OUT_WORKER_LOST		/* its worker was killed from outside: status */
};
#define OUT_LAST	OUT_WORKER_LOST

/*
 * What became of one try.  The strings are the sender's (a pool owns
 * them) or point into the received message.  It carries all that the
 * record of the try's end needs (main writes it, see cmd-run.c): a pool
 * killed right after sending it loses nothing of that end.
 */
struct msg_result {
	uint32_t	 index;
	uint32_t	 attempt;
	int32_t		 pool;
	enum try_outcome outcome;
	int32_t		 status;	/* wait status, where it applies */
	int32_t		 spawn_errno;	/* OUT_SPAWN */
	int64_t		 pid;
	uint64_t	 wall_us;
	uint64_t	 utime_us;
	uint64_t	 stime_us;
	int64_t		 maxrss_kb;	/* -1: not known */
	double		 began;		/* epoch seconds; 0: never ran */
	double		 ended;
	int		 has_usage;	/* the six usage fields are the try's */
	int64_t		 nvcsw;		/* context switches */
	int64_t		 nivcsw;
	int64_t		 inblock;	/* 512-byte blocks */
	int64_t		 oublock;
	/*
	 * A call's output: worker K of the pool, and the ranges of its
	 * stdout (worker-P.K.out) and stderr (worker-P.K.log) files that
	 * the call wrote.  -1: none (a command, a call no worker ran, a
	 * range not known).
	 */
	int32_t		 worker;
	int64_t		 out_offset;
	int64_t		 out_length;
	int64_t		 err_offset;
	int64_t		 err_length;
	const char	*message;	/* NULL: none */
	uint32_t	 message_len;
	const char	*value;		/* a function's result; NULL: none */
	uint32_t	 value_len;
};

/* A message being built. */
struct msg_out {
	msgpack_sbuffer	 sbuf;
	msgpack_packer	 pk;
};

/* A received message: type, and its fields after version and type. */
struct msg_in {
	msgpack_unpacked	 up;
	enum msg_type		 type;
	const msgpack_object	*fields;
	uint32_t		 nfields;
};

/*
 * The head of a MSG_EVENTS message, [version, type, sender, seq, events],
 * read from its first bytes (msg_events_head): the router passes the
 * events on unread.
 */
struct msg_events_head {
	const char	*sender;	/* not NUL-terminated */
	uint32_t	 sender_len;
	uint64_t	 seq;
	uint32_t	 nevents;
};

void	 msg_begin(struct msg_out *, enum msg_type, uint32_t);
int	 msg_send(void *, const void *, size_t, struct msg_out *);
void	 msg_out_free(struct msg_out *);
int	 msg_parse(struct msg_in *, const void *, size_t);
int	 msg_recv(void *, zmq_msg_t *, struct msg_in *, const char *);
int	 msg_recv_routed(void *, zmq_msg_t *, zmq_msg_t *, struct msg_in *,
	     const char *);
int	 msg_recv_frames(void *, zmq_msg_t *, zmq_msg_t *, const char *);
int	 msg_events_head(const void *, size_t, struct msg_events_head *);
void	 msg_in_free(struct msg_in *);
int	 msg_next(msgpack_unpacker *, struct msg_in *);
ssize_t	 msg_read(int, msgpack_unpacker *, size_t);
int	 msg_write(int, struct msg_out *);

void	 msg_pack_task(msgpack_packer *, const struct msg_task *);
int	 msg_get_task(const msgpack_object *, struct msg_task *);
void	 msg_pack_result(msgpack_packer *, const struct msg_result *);
int	 msg_get_result(const msgpack_object *, struct msg_result *);
int	 msg_get_uint(const msgpack_object *, uint64_t *);
int	 msg_get_int(const msgpack_object *, int64_t *);
int	 msg_get_str(const msgpack_object *, const char **, uint32_t *);
int	 msg_get_text(const msgpack_object *, char *, size_t);
int	 msg_get_strs(const msgpack_object *, uint32_t);
void	 msg_pack_str(msgpack_packer *, const char *, size_t);

/* Records of a run's spool (see proto.c). */
#define SPOOL_HEADER	4
#define SPOOL_RECORD_MAX (64u << 20)
ssize_t	 spool_append(int, const void *, size_t);
uint32_t spool_length(const unsigned char *);

/* certs.c: the CURVE keys of a run's tcp:// endpoint, Z85 text. */
#define CURVE_KEY_LEN	40
struct curve_keys {
	char	 server_public[CURVE_KEY_LEN + 1];
	char	 server_secret[CURVE_KEY_LEN + 1];
	char	 client_public[CURVE_KEY_LEN + 1];
	char	 client_secret[CURVE_KEY_LEN + 1];
};
#define CERTS_POOL	0	/* what certs_load needs: a pool's keys */
#define CERTS_SERVER	1	/* or the interchange's */
int	 certs_create(const char *, struct curve_keys *, char **);
int	 certs_load(const char *, const char *, int, struct curve_keys *,
	     char **);
int	 certs_server(void *, const struct curve_keys *);
int	 certs_client(void *, const struct curve_keys *);

/* ZeroMQ sockets as every weft process configures them. */
void	*zsock_open(void *, int, const char *);
int	 zsock_bind(void *, const char *);
/*
 * Main binds the endpoints that helpers serve before it starts them, and
 * hands each over as this descriptor (and the next): a peer that starts
 * first is queued by the kernel instead of retrying on a timer.
 */
#define BOUND_FD	5
int	 ipc_listen(const char *);
int	 zsock_bind_bound(void *, const char *, int);
int	 zsock_connect(void *, const char *);

/* monitor.c: the sending end of monitoring. */
struct monitor;
struct monitor	*monitor_open(void *, const char *);
struct curve_keys;
struct monitor	*monitor_connect(void *, const char *, const char *,
		     const struct curve_keys *);
void		*monitor_socket(struct monitor *);
void		 monitor_before_flush(struct monitor *, void (*)(void *),
		     void *);
msgpack_packer	*monitor_event(struct monitor *, enum event_kind, uint32_t);
void		 monitor_pack_str(msgpack_packer *, const char *);
void		 monitor_status(struct monitor *, uint32_t, uint32_t,
		     const char *, double);
void		 monitor_flush(struct monitor *);
void		 monitor_hold(struct monitor *);
void		 monitor_release(struct monitor *);
void		 monitor_recv(struct monitor *);
int		 monitor_timeout(struct monitor *);
void		 monitor_tick(struct monitor *);
size_t		 monitor_pending(struct monitor *);
int		 monitor_drain(struct monitor *, int);
void		 monitor_disable(struct monitor *);
int		 monitor_control(struct monitor *, enum msg_type);
void		 monitor_close(struct monitor **);
int		 monitor_writer_silent(struct monitor *);
int		 monitor_spill(struct monitor *, const char *);
unsigned long	 monitor_lost(struct monitor *);

/*
 * control.c: the control endpoint every process answers (see control.c
 * for the reply), and what status needs to tell who is alive.  A fill
 * function adds the role's counters to STATS and, to HEARTBEATS, the age
 * in seconds of the last word from each peer.
 */
typedef void	(*ctl_fill_fn)(json_t *, json_t *, void *);
struct ctl;
struct evloop;
struct ctl	*ctl_open(void *, const char *, const char *, ctl_fill_fn,
		     void *);
void		*ctl_socket(struct ctl *);
void		 ctl_set_state(struct ctl *, const char *);
void		 ctl_answer(struct ctl *);
void		 ctl_watch(struct ctl *, struct evloop *);
void		 ctl_close(struct ctl **);
json_t		*ctl_age(int64_t);

#endif /* PROTO_H */
