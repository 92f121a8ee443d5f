# cluster.bash: helpers for the suites that need a cluster (cluster.bats
# and the tests of the ssh and Slurm providers), loaded after setup.bash
# (whose wait_for SECS CMD... they use).  The scripts of tests/cluster/
# stand the cluster up on this machine: a one-node Slurm cluster
# (partition "weft"), an sshd on 127.0.0.1:2222 with two host names, and
# network namespaces whose link a test can cut.  They need root.  Each
# helper that stands something up fails with the script's reason, for
# setup_file or a test to fail with; no cluster test is ever skipped.
#
# Slurm:
#   cluster_slurm_up        slurm-up.sh: the cluster is up and its node
#                           idle (fast when it already is)
#   slurm_job_state ID      JobState of job ID (PENDING, RUNNING,
#                           COMPLETED, CANCELLED...), while slurmctld
#                           remembers it
#   slurm_job_in ID STATE...  job ID is in one of the STATEs
#   slurm_job_ended ID      job ID has ended, however (or is forgotten)
#   squeue_empty [ARGS...]  squeue ARGS lists no job: nothing pending,
#                           running or completing
#   slurm_running [ARGS...] how many jobs run (squeue -t R ARGS)
#   slurm_cancel_all        scancel of every job, then waits (15 s) until
#                           squeue is empty
#
# ssh:
#   cluster_sshd_up         sshd-up.sh; sets and exports
#                           CLUSTER_SSH_CONFIG, the path of the ssh client
#                           config (hosts weft-ssh-a and weft-ssh-b)
#   cluster_sshd_config     the same, and prints the path
#   cluster_ssh HOST CMD... ssh -F $CLUSTER_SSH_CONFIG HOST CMD, bounded
#                           by $CLUSTER_SSH_TIMEOUT (30) seconds; no stdin
#
# Network namespaces and TCP:
#   cluster_netns ARGS...   tests/cluster/netns.sh ARGS (up, addr, cut,
#                           restore, down, exec)
#   netns_up NAME [X]       netns.sh up; sets NETNS_HOST (this side,
#                           10.77.X.1) and NETNS_ADDR (inside, 10.77.X.2)
#   tcp_echo_start ADDR [NAME]
#                           an echo server on ADDR (inside namespace NAME
#                           if given), on a free port: TCP_ECHO_PORT; it
#                           ends with the test (teardown)
#   tcp_probe [-n NAME] ADDR PORT SECS
#                           one connection and one byte echoed, from
#                           namespace NAME if given; exit 0: it worked,
#                           1: silence (timed out after SECS), 2: an
#                           error (refused, unreachable...) on stderr
#   tcp_session_start [-n NAME] ADDR PORT SECS
#                           one connection that sends a byte every 0.2 s
#                           for SECS seconds and logs "reply", "timeout"
#                           (nothing back within 0.5 s) or "error ..." in
#                           $TCP_SESSION_LOG, one line each
#   session_count WORD      how many lines of the log start with WORD
#   session_since_mark WORD lines starting with WORD after the last call
#                           of session_mark
#   session_mark            marks the log's current end

CLUSTER_DIR=$WEFT_SRCDIR/tests/cluster
: "${CLUSTER_SSH_TIMEOUT:=30}"
# Debian's python3: a tool's shim on PATH costs time at every start.
CLUSTER_PY=$(command -v /usr/bin/python3 || command -v python3)

cluster_slurm_up()
{
	local out

	out=$("$CLUSTER_DIR/slurm-up.sh" 2>&1) || {
		printf 'tests/cluster/slurm-up.sh failed:\n%s\n' "$out" >&2
		return 1
	}
}

slurm_job_state()
{
	scontrol -o show job "$1" 2>/dev/null |
	    sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}

slurm_job_in()
{
	local st w

	st=$(slurm_job_state "$1")
	shift
	for w in "$@"; do
		[ "$st" = "$w" ] && return 0
	done
	return 1
}

slurm_job_ended()
{
	! slurm_job_in "$1" PENDING CONFIGURING RUNNING COMPLETING \
	    SUSPENDED REQUEUED RESIZING SIGNALING STAGE_OUT
}

squeue_empty()
{
	local out

	out=$(squeue -h -o %i "$@" 2>/dev/null) && [ -z "$out" ]
}

slurm_running()
{
	squeue -h -t R -o %i "$@" | wc -l
}

slurm_cancel_all()
{
	local jobs

	jobs=$(squeue -h -o %i 2>/dev/null)
	# shellcheck disable=SC2086
	[ -z "$jobs" ] || scancel $jobs 2>/dev/null
	wait_for 15 squeue_empty
}

cluster_sshd_up()
{
	local out err

	err=$(mktemp)
	out=$("$CLUSTER_DIR/sshd-up.sh" 2>"$err") || {
		printf 'tests/cluster/sshd-up.sh failed:\n%s\n' \
		    "$(cat "$err")" >&2
		rm -f "$err"
		return 1
	}
	rm -f "$err"
	CLUSTER_SSH_CONFIG=$out
	export CLUSTER_SSH_CONFIG
}

cluster_sshd_config()
{
	cluster_sshd_up && echo "$CLUSTER_SSH_CONFIG"
}

cluster_ssh()
{
	timeout -k 5 "$CLUSTER_SSH_TIMEOUT" \
	    ssh -F "$CLUSTER_SSH_CONFIG" "$@" </dev/null
}

cluster_netns()
{
	"$CLUSTER_DIR/netns.sh" "$@"
}

netns_up()
{
	local out

	out=$("$CLUSTER_DIR/netns.sh" up "$@") || return 1
	read -r NETNS_HOST NETNS_ADDR <<<"$out"
}

# ns_prefix NAME: sets NS_PREFIX, the words that run a command inside
# namespace NAME (none for an empty NAME).
ns_prefix()
{
	NS_PREFIX=()
	[ -z "$1" ] || NS_PREFIX=(ip netns exec "$1")
}

CLUSTER_ECHO_PY='
import os, socket, sys, threading
s = socket.socket()
s.bind((sys.argv[1], 0))
s.listen(16)
tmp = sys.argv[2] + ".tmp"
with open(tmp, "w") as f:
	f.write("%d\n" % s.getsockname()[1])
os.rename(tmp, sys.argv[2])
def echo(c):
	with c:
		while True:
			d = c.recv(4096)
			if not d:
				return
			c.sendall(d)
while True:
	c, _ = s.accept()
	threading.Thread(target=echo, args=(c,), daemon=True).start()
'

tcp_echo_start()
{
	local portfile

	portfile=$(mktemp -u "$BATS_TEST_TMPDIR/echo-port.XXXXXX")
	ns_prefix "${2-}"
	# Its own session, so that teardown ends it by its process group.
	setsid "${NS_PREFIX[@]}" "$CLUSTER_PY" -c "$CLUSTER_ECHO_PY" \
	    "$1" "$portfile" </dev/null 3>&- &
	WEFT_BG_PIDS+=("$!")
	wait_for 10 test -s "$portfile" || return 1
	TCP_ECHO_PORT=$(cat "$portfile")
}

CLUSTER_PROBE_PY='
import socket, sys
addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
	c = socket.create_connection((addr, port), timeout=secs)
	c.sendall(b"x")
	if c.recv(1) != b"x":
		sys.exit("no echo")
except socket.timeout:
	sys.exit(1)
except OSError as e:
	print(e, file=sys.stderr)
	sys.exit(2)
'

tcp_probe()
{
	local ns=

	if [ "$1" = -n ]; then
		ns=$2
		shift 2
	fi
	ns_prefix "$ns"
	"${NS_PREFIX[@]}" "$CLUSTER_PY" -c "$CLUSTER_PROBE_PY" "$@" </dev/null
}

CLUSTER_SESSION_PY='
import socket, sys, time
addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
log = open(sys.argv[4], "a", buffering=1)
c = socket.create_connection((addr, port), timeout=5)
c.settimeout(0.5)
end = time.time() + secs
while time.time() < end:
	t = time.time()
	try:
		c.sendall(b"x")
		c.recv(64)
		log.write("reply\n")
	except socket.timeout:
		log.write("timeout\n")
	except OSError as e:
		log.write("error %s\n" % e)
		break
	time.sleep(max(0, 0.2 - (time.time() - t)))
'

tcp_session_start()
{
	local ns=

	if [ "$1" = -n ]; then
		ns=$2
		shift 2
	fi
	TCP_SESSION_LOG=$(mktemp "$BATS_TEST_TMPDIR/session.XXXXXX")
	TCP_SESSION_MARK=0
	ns_prefix "$ns"
	setsid "${NS_PREFIX[@]}" "$CLUSTER_PY" -c "$CLUSTER_SESSION_PY" \
	    "$@" "$TCP_SESSION_LOG" </dev/null 3>&- &
	WEFT_BG_PIDS+=("$!")
}

session_count()
{
	grep -c "^$1" "$TCP_SESSION_LOG"
}

session_mark()
{
	TCP_SESSION_MARK=$(wc -l <"$TCP_SESSION_LOG")
}

session_since_mark()
{
	tail -n "+$((TCP_SESSION_MARK + 1))" "$TCP_SESSION_LOG" |
	    grep -c "^$1"
}
