#!/usr/bin/env bats
#
# hygiene.bats: process hygiene while a run goes.  No zombie lingers under
# a weft process; each helper holds exactly the descriptors on its role's
# list, so a pool holds no pipe but its lifeline and both ends of the two
# capture pipes of each running command (it holds the command's ends too,
# so that no pipe ends before the command does), its files, and no log
# file of a finished task; a task's stdout and stderr are pipes whose
# both ends its pool holds;
# no descriptor leaks from the user into helpers or tasks;
# and (under strace) every process a weft process creates execs: no bare
# fork.

load setup
load plugins

setup_file()
{
	build_plugins
}

# hold_flow: twelve quick tasks, then "h" that waits (up to 60 s) until
# the file "go" exists.  The hold task's command line carries a marker.
hold_flow()
{
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  quick: {command: "touch q-{n}"}
  hold: {command: ": hold-@DIR@; i=0; while [ ! -e go ]; do i=$((i+1)); [ $i -gt 1200 ] && exit 1; sleep 0.05; done"}
main:
  - id: q
    app: quick
    foreach: {n: "1..12"}
  - {id: h, app: hold, needs: q}
EOF
}

# start_hold: starts the hold run with a canary descriptor (9) that no
# helper or task may inherit, and waits until the quick tasks are done
# and the hold task runs.
start_hold()
{
	local n files=()

	hold_flow
	for n in $(seq 1 12); do
		files+=("q-$n")
	done
	exec 9>"$WEFT_WORK/canary"
	weft_start run flow.yaml
	exec 9>&-
	wait_for 30 files_exist "${files[@]}" ||
	    fail "quick tasks did not run: $(cat "$WEFT_ERR")"
	wait_for 30 hold_pid >/dev/null ||
	    fail "the hold task did not start: $(cat "$WEFT_ERR")"
}

# finish_hold: lets the hold task end; the run must succeed.
finish_hold()
{
	touch go
	wait_for 30 weft_exited || fail "the run did not finish"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "exit $WEFT_STATUS: $(cat "$WEFT_ERR")"
}

# hold_pid: the shell of the hold task.
hold_pid()
{
	local p

	p=$(marker_pids ": hold-$WEFT_WORK;" | head -n 1)
	[ -n "$p" ] && echo "$p"
}

# weft_zombies: zombies whose parent is weft run or one of its helpers.
weft_zombies()
{
	local parents

	parents=" $(weft_test_procs | tr '\n' ' ') $WEFT_PID "
	ps -e -o pid=,ppid=,stat= | P="$parents" awk '
	    $3 ~ /^Z/ && index(ENVIRON["P"], " " $2 " ") { print $1 " (parent " $2 ")" }'
}

no_weft_zombies()
{
	[ -z "$(weft_zombies)" ]
}

# fds PID: "FD TARGET" for each open descriptor of PID.
fds()
{
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%f %l\n' 2>/dev/null
}

# pool_fds_clean PID: at most five pipe descriptors (the lifeline, and
# both ends of the hold task's two pipes), no log file of a finished
# (quick) task, not the canary.
pool_fds_clean()
{
	local out

	out=$(fds "$1")
	[ "$(grep -c ' pipe:' <<<"$out")" -le 5 ] &&
	    ! grep -q '/tasks/q\[' <<<"$out" &&
	    ! grep -q '/canary$' <<<"$out"
}

@test "no zombie lingers under weft processes while a run goes" {
	start_hold
	wait_for 3 no_weft_zombies ||
	    fail "zombies: $(weft_zombies); processes: $(show_test_procs)"
	finish_hold
}

@test "a pool holds only its lifeline and running tasks' pipes, no finished task's logs" {
	local pool
	start_hold
	pool=$(weft_helper_pid "pool 0") || fail "no pool 0: $(show_test_procs)"
	wait_for 3 pool_fds_clean "$pool" ||
	    fail "pool 0 (pid $pool) descriptors: $(fds "$pool")"
	finish_hold
}

# unexpected_fds ROLE PID: the descriptors of helper PID that are not on
# the role's list: 0 and 1 on /dev/null, 2 on its log, 3 the lifeline
# pipe, then only what its own event loop opened (ZeroMQ's sockets,
# eventfds and epoll, its signalfd) and the role's own files: for a pool,
# the running hold task's two pipes and its stdout and stderr files
# (made once it writes).
unexpected_fds()
{
	local run=$WEFT_WORK/.weft/runs/0001 base=$WEFT_WORK/.weft log=$1

	case $1 in
	pool*)	log=pool-${1#pool } ;;
	esac
	fds "$2" | awk -v logf="$run/$log.log" -v role="$1" -v run="$run" \
	    -v base="$base" '
	    $1 == 0 && $2 == "/dev/null" { next }
	    $1 == 1 && $2 == "/dev/null" { next }
	    $1 == 2 && $2 == logf { next }
	    $1 == 3 && $2 ~ /^pipe:/ { next }
	    $1 > 3 && $2 ~ /^(socket:|anon_inode:\[(eventfd|eventpoll|signalfd)\])/ { next }
	    role ~ /^pool/ && $1 > 3 && $2 ~ /^pipe:/ { next }
	    role ~ /^pool/ && $2 == run "/tasks/h/try-0/stdout" { next }
	    role ~ /^pool/ && $2 == run "/tasks/h/try-0/stderr" { next }
	    role == "router" && $2 == run "/monitor.spool" { next }
	    role == "dbwriter" && $2 == run "/dbwriter.lock" { next }
	    role == "dbwriter" && $2 ~ "^" base "/monitoring\\.db(-wal|-shm)?$" { next }
	    { print }'
}

@test "each helper holds exactly the descriptors on its role's list" {
	local role p bad
	start_hold
	for role in router dbwriter interchange "pool 0"; do
		p=$(weft_helper_pid "$role") ||
		    fail "no $role: $(show_test_procs)"
		bad=$(unexpected_fds "$role" "$p")
		[ -z "$bad" ] ||
		    fail "$role (pid $p) holds unexpected descriptors: $bad; all: $(fds "$p")"
		# The lifeline is the only pipe, but for both ends of a
		# pool's running tasks' two.
		[ "$(fds "$p" | grep -c ' pipe:')" -eq \
		    "$([ "$role" = "pool 0" ] && echo 5 || echo 1)" ] ||
		    fail "$role (pid $p) pipes: $(fds "$p")"
	done
	finish_hold
}

# pipes_flow N: N commands one at a time; command 150 waits (up to 5 s)
# until its pool (its shell's parent) holds nine pipe descriptors, and
# command N until it holds five, and each writes how many it saw to
# pipes-I.
pipes_flow()
{
	cat >count.sh <<'EOF'
i=0
while n=$(ls -l "/proc/$3/fd" | grep -c 'pipe:') && [ "$n" -ne "$2" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
echo "$n" >"pipes-$1"
EOF
	write_flow <<EOF
weft: 1
config: {jobs: 1}
apps:
  t: {command: 'case {n} in 150) sh ./count.sh 150 9 \$PPID ;; $1) sh ./count.sh $1 5 \$PPID ;; esac'}
main:
  - {id: t, app: t, foreach: {n: "1..$1"}}
EOF
}

@test "a pool makes the next command's pipes ready while one runs, and leaks none over 300 commands" {
	pipes_flow 300
	run weft run -q flow.yaml
	assert_success
	# While 150 runs: the lifeline, both ends of 150's two pipes, and
	# both ends of the two made ready for 151.
	run cat pipes-150
	assert_output 9
	# The last one: nothing waits after it, and nothing is left of the
	# 299 before it.
	run cat pipes-300
	assert_output 5
}

@test "helpers do not inherit the user's descriptors" {
	local p
	start_hold
	for p in $(weft_pids_of_run .weft/runs/0001); do
		if fds "$p" | grep -q '/canary$'; then
			fail "helper $p ($(proc_cmdline "$p")) holds the canary: $(fds "$p")"
		fi
	done
	[ -n "$(weft_pids_of_run .weft/runs/0001)" ] || fail "no helpers found"
	finish_hold
}

@test "a task has only stdin (/dev/null) and its stdout and stderr pipes, read by its pool" {
	local p t out err pool
	start_hold
	p=$(hold_pid)
	[ "$(fds "$p" | wc -l)" -eq 3 ] || fail "task descriptors: $(fds "$p")"
	fds "$p" | grep -qx "0 /dev/null"
	out=$(fds "$p" | awk '$1 == 1 { print $2 }')
	err=$(fds "$p" | awk '$1 == 2 { print $2 }')
	[[ $out == pipe:* && $err == pipe:* && $out != "$err" ]] ||
	    fail "task descriptors: $(fds "$p")"
	# The pool holds both ends of each, the task's too, until the task
	# has ended.  The task has written nothing, so its files are not
	# made yet: they come with the first byte.
	pool=$(weft_helper_pid "pool 0") || fail "no pool 0"
	t=$WEFT_WORK/.weft/runs/0001/tasks/h/try-0
	for p in "$out" "$err"; do
		fds "$pool" | awk -v w="$p" '$2 == w { n++ } END { exit n != 2 }' ||
		    fail "pool does not hold both ends of $p: $(fds "$pool")"
	done
	[ ! -e "$t" ] || fail "$t was made before the task wrote anything"
	finish_hold
}

# check_execs TRACE PROG: every process that a process running PROG
# created (not a thread) called execve successfully.  Prints the number
# of such processes, or the offenders and fails.
check_execs()
{
	awk -v prog="$2" '
	function retval(l) {
		if (match(l, /= [0-9]+$/))
			return substr(l, RSTART + 2) + 0
		return -1
	}
	function created(pid, call, ret) {
		if (ret <= 0)
			return
		if ((pid in kids) && !(pid in execd)) {
			print "process " pid " created " ret " before its execve"
			early = 1
		}
		if (call ~ /CLONE_THREAD/) {
			cur[ret] = cur[pid]
			return
		}
		cur[ret] = cur[pid]
		if (cur[pid] == prog)
			kids[ret] = pid
	}
	{
		pid = $1
		if ($0 ~ /execve\(/ && $0 !~ /resumed>/) {
			match($0, /execve\("[^"]*"/)
			path = substr($0, RSTART + 8, RLENGTH - 9)
			if ($0 ~ /<unfinished/)
				pexec[pid] = path
			else if ($0 ~ /= 0$/) {
				cur[pid] = path
				execd[pid] = 1
			}
		} else if ($0 ~ /<\.\.\. execve resumed>/) {
			if ($0 ~ /= 0$/) {
				cur[pid] = pexec[pid]
				execd[pid] = 1
			}
		} else if ($0 ~ /(clone3?|v?fork)\(/ && $0 !~ /resumed>/) {
			if ($0 ~ /<unfinished/)
				pend[pid] = $0
			else
				created(pid, $0, retval($0))
		} else if ($0 ~ /<\.\.\. (clone3?|v?fork) resumed>/) {
			created(pid, pend[pid] $0, retval($0))
		}
	}
	END {
		n = 0
		bad = 0
		for (k in kids) {
			n++
			if (!(k in execd)) {
				print "process " k " (created by " kids[k] ") did not exec"
				bad = 1
			}
		}
		if (bad || early)
			exit 1
		print n
	}' "$1"
}

# two_pools_flow COMMAND: four tasks of COMMAND ({n} is 1 to 4) in two
# pools of two slots.
two_pools_flow()
{
	write_flow <<EOF
weft: 1
config:
  jobs: 2
  provider: {kind: local, pools: 2}
apps:
  quick: {command: "$1"}
main:
  - {id: s, app: quick, foreach: {n: "1..4"}}
EOF
}

@test "every process a weft process creates execs (strace)" {
	need_strace
	two_pools_flow "touch s-{n}"
	# LeakSanitizer cannot run under ptrace, in a build with --enable-asan.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run timeout 60 strace -f -qq -e trace=clone,clone3,fork,vfork,execve \
	    -o trace.txt "$WEFT_REAL" run flow.yaml
	assert_success
	[ -f s-4 ]
	run check_execs trace.txt "$WEFT_REAL"
	assert_success
	# The interchange, two pools and four tasks at least.
	[ "$output" -ge 7 ] ||
	    fail "only $output processes created by weft were traced"
}

@test "helpers reach each other's endpoints at the first connect (strace)" {
	need_strace
	two_pools_flow true
	# main binds every endpoint a helper serves before it starts one, so
	# no connect is refused and retried on a timer, however slow the
	# helpers are to come up: here every bind takes a quarter second.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run timeout 60 strace -ff -qq -e trace=connect \
	    -e inject=bind:delay_enter=250000 -o trace \
	    "$WEFT_REAL" run flow.yaml
	assert_success
	# Each process's first connect to each endpoint: made, not retried.
	# (main reconnects to the router once it has ended; that is after.)
	local f ep first
	for ep in pools router dbwriter; do
		for f in trace.*; do
			first=$(grep -m1 "sun_path=\"sock/$ep\"" "$f") || continue
			case "$first" in
			*') = 0') echo "$ep" >> reached ;;
			*) fail "first connect to sock/$ep: $first" ;;
			esac
		done
	done
	# Two pools reach the interchange; main, the interchange and two
	# pools reach the router, and the writer reaches it too.
	[ "$(grep -c '^pools$' reached)" -eq 2 ]
	[ "$(grep -c '^router$' reached)" -eq 4 ]
	[ "$(grep -c '^dbwriter$' reached)" -eq 1 ]
}

# nap_flow: one function task that naps (writing its worker's pid to
# nap.pid) and two quick ones, in one pool of two workers.
nap_flow()
{
	mkdir -p plugins && cp "$BATS_FILE_TMPDIR"/lib*.so plugins/
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
  slow: plugins/libslow.so
apps:
  nap: {function: slow.nap}
  pid: {function: results.pid}
main:
  - {id: n, app: nap, args: {seconds: "60", pidfile: nap.pid}}
  - id: p
    app: pid
    foreach: {i: "1..2"}
EOF
}

@test "a worker holds /dev/null, its .out, its log and its channel to the pool, no more" {
	nap_flow
	weft_start run flow.yaml
	wait_for 30 files_exist nap.pid || fail "no nap: $(cat "$WEFT_ERR")"
	local w log p title
	w=$(cat nap.pid)
	cmdline_of title "$w" || fail "worker $w is gone"
	[[ $title =~ ^weft:\ worker\ (0\.[01])\ run\ 0001( |$) ]] ||
	    fail "worker $w is titled '$title'"
	log=$WEFT_WORK/.weft/runs/0001/worker-${BASH_REMATCH[1]}
	run fds "$w"
	assert_line --regexp '^0 /dev/null$'
	assert_line "1 $log.out"
	assert_line "2 $log.log"
	assert_line --regexp '^3 socket:\[[0-9]+\]$'
	[ "${#lines[@]}" -eq 4 ] || fail "worker $w holds: $output"
	# The pool holds one socket per worker and still only its lifeline
	# as a pipe; no worker's channel leaks into another worker.
	p=$(weft_helper_pid "pool 0") || fail "no pool"
	[ -z "$(unexpected_fds "pool 0" "$p")" ] ||
	    fail "pool: $(fds "$p")"
	[ "$(fds "$p" | grep -c ' pipe:')" -eq 1 ] || fail "pool: $(fds "$p")"
	kill -TERM "$WEFT_PID"
	wait_for 10 weft_exited || fail "weft run did not stop"
	weft_reap
	wait_for 3 no_test_procs || fail "left behind: $(show_test_procs)"
}

@test "workers are exec'd too: every process a weft process creates execs" {
	need_strace
	mkdir -p plugins && cp "$BATS_FILE_TMPDIR"/lib*.so plugins/
	write_flow <<'EOF'
weft: 1
config:
  jobs: 2
  provider: {kind: local, pools: 2}
plugins: {results: plugins/libresults.so}
apps:
  pid: {function: results.pid}
  quick: {command: "touch s-{n}"}
main:
  - id: p
    app: pid
    foreach: {n: "1..6"}
  - id: s
    app: quick
    foreach: {n: "1..2"}
EOF
	# LeakSanitizer cannot run under ptrace, in a build with --enable-asan.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run timeout 60 strace -f -qq -e trace=clone,clone3,fork,vfork,execve \
	    -o trace.txt "$WEFT_REAL" run flow.yaml
	assert_success
	[ -f s-2 ]
	run check_execs trace.txt "$WEFT_REAL"
	assert_success
	# The interchange, two pools, four workers and two tasks at least.
	[ "$output" -ge 9 ] ||
	    fail "only $output processes created by weft were traced"
	[ "$(grep -c 'execve(.*"worker"' trace.txt)" -ge 4 ] ||
	    fail "fewer than 4 workers were exec'd"
}

@test "a task starts with every signal at its default and none blocked, whatever the user's shell ignored" {
	write_flow <<'EOF'
weft: 1
apps:
  t: {command: "grep -E '^Sig(Ign|Blk):' /proc/self/status >task-signals"}
main:
  - {id: t, app: t}
EOF
	# Ignored dispositions go through exec; the task must have none of
	# signals 1 to 31 (above, the C library keeps two of its own).
	run bash -c "trap '' USR1 USR2 ALRM TSTP TTOU HUP PIPE INT; exec \"\$WEFT\" run -q flow.yaml"
	assert_success
	run cat task-signals
	assert_line --index 0 "SigBlk:	0000000000000000"
	local ign
	ign=$(sed -n 's/^SigIgn:\t//p' task-signals)
	[ -n "$ign" ] || fail "no SigIgn line: $output"
	(( (0x$ign & 0x7fffffff) == 0 )) ||
	    fail "the task ignores signals (mask $ign)"
}
