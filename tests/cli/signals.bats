#!/usr/bin/env bats
#
# signals.bats: SIGINT and SIGTERM stop a run (exit 130 within 2 s, task
# process groups killed, helpers gone); SIGKILL of "weft run" leaves no
# helper and no task within 3 s; SIGKILL of the interchange aborts the run
# with exit 3 and a message naming it, leaving nothing behind, and so does
# a hung interchange.  (A dead pool is restarted: see supervise.bats.)
# Task processes are found by the marked sleep (@SLEEP@) in their command
# line.

load setup

# long_flow JOBS [POOLS]: three tasks that sleep for 300 s, JOBS slots in
# each of POOLS pools.
long_flow()
{
	write_flow <<EOF
weft: 1
config:
  jobs: $1
  provider: {kind: local, pools: ${2:-1}}
apps:
  nap: {command: "@SLEEP@ 300"}
main:
  - id: t
    app: nap
    foreach: {n: "1..3"}
EOF
}

# stopped_clean: weft has exited and nothing of the test is left.
stopped_clean()
{
	weft_exited && no_test_procs
}

# start_naps JOBS [POOLS]: starts the long run and waits until JOBS x
# POOLS (at most 3) tasks are asleep and the helpers are up.
start_naps()
{
	local want=$(($1 * ${2:-1}))

	[ "$want" -gt 3 ] && want=3
	long_flow "$@"
	weft_start run flow.yaml
	wait_for 30 count_sleepers "$want" ||
	    fail "tasks did not start; stderr: $(cat "$WEFT_ERR")"
	HELPERS=$(weft_pids_of_run .weft/runs/0001)
	[ -n "$HELPERS" ] || fail "no helper of run 0001 found: $(show_test_procs)"
}

# interrupt SIG: the common body of the SIGINT and SIGTERM tests.
interrupt()
{
	start_naps 2
	kill -"$1" "$WEFT_PID"
	wait_for 2 stopped_clean ||
	    fail "2 s after SIG$1: still running: $(show_test_procs)"
	weft_reap
	[ "$WEFT_STATUS" -eq 130 ] ||
	    fail "exit status $WEFT_STATUS, not 130; stderr: $(cat "$WEFT_ERR")"
	grep -qE '^summary: 3 tasks: 2 killed, 1 not_run in [0-9]+\.[0-9]+s$' \
	    "$WEFT_OUT" || fail "summary: $(cat "$WEFT_OUT")"
	grep -qxF 'weft run: interrupted, stopping run 0001' "$WEFT_ERR" ||
	    fail "not the spec's message; stderr: $(cat "$WEFT_ERR")"
}

@test "SIGINT: exit 130 within 2 s, tasks and helpers gone" {
	interrupt INT
}

@test "SIGTERM: exit 130 within 2 s, tasks and helpers gone" {
	interrupt TERM
}

@test "SIGINT kills the whole process group of a running task" {
	# The task's shell starts a background grandchild in its own group
	# (the task's process group); that one must go as well.
	write_flow <<'EOF'
weft: 1
apps:
  tree: {command: "@SLEEP@ 300 & @SLEEP@ 301; wait"}
main:
  - {id: t, app: tree}
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 2 ||
	    fail "the task did not start; stderr: $(cat "$WEFT_ERR")"
	kill -INT "$WEFT_PID"
	wait_for 2 stopped_clean ||
	    fail "2 s after SIGINT: still running: $(show_test_procs)"
	weft_reap
	[ "$WEFT_STATUS" -eq 130 ]
}

@test "SIGKILL of weft run: no helper and no task left within 3 s" {
	start_naps 2
	kill -KILL "$WEFT_PID"
	wait_for 3 no_test_procs ||
	    fail "3 s after SIGKILL: still running: $(show_test_procs)"
	[ -z "$(marker_pids "$SLEEPER")" ]
}

@test "SIGKILL of weft run with several pools: nothing left within 3 s" {
	start_naps 1 3
	kill -KILL "$WEFT_PID"
	wait_for 3 no_test_procs ||
	    fail "3 s after SIGKILL: still running: $(show_test_procs)"
}

# helper_dies ROLE NAME [POOLS]: SIGKILL of helper ROLE ("interchange",
# "pool 1") ends the run with exit 3 and names the helper NAME.
helper_dies()
{
	local pid

	start_naps 1 "${3:-1}"
	pid=$(weft_helper_pid "$1") ||
	    fail "no helper '$1' found: $(show_test_procs)"
	kill -KILL "$pid"
	wait_for 10 weft_exited ||
	    fail "weft run still runs 10 s after its $1 died"
	weft_reap
	[ "$WEFT_STATUS" -eq 3 ] ||
	    fail "exit status $WEFT_STATUS, not 3; stderr: $(cat "$WEFT_ERR")"
	# A suffix (such as the helper's log file) may follow.
	grep -q "^weft run: helper $2 (pid $pid) died: killed by SIGKILL" \
	    "$WEFT_ERR" || fail "stderr: $(cat "$WEFT_ERR")"
	grep -qxF 'weft run: run 0001 aborted' "$WEFT_ERR" ||
	    fail "stderr: $(cat "$WEFT_ERR")"
	wait_for 3 no_test_procs ||
	    fail "left behind: $(show_test_procs)"
}

@test "SIGKILL of the interchange: exit 3, helper named, nothing left" {
	helper_dies interchange interchange
}

@test "SIGKILL of the interchange with two pools: exit 3, nothing left" {
	helper_dies interchange interchange 2
}

@test "a hung interchange (SIGSTOP) cannot hang the run: main and pools give up on it" {
	export WEFT_HEARTBEAT_MS=100
	start_naps 1
	pid=$(weft_helper_pid interchange) ||
	    fail "no interchange found: $(show_test_procs)"
	kill -STOP "$pid"
	# Ten missed heartbeats (1 s), the pool's stop, main's grace.
	wait_for 10 stopped_clean ||
	    fail "still running 10 s after the interchange hung: $(show_test_procs) $(cat .weft/runs/0001/weft.log) $(cat $WEFT_ERR)"
	weft_reap
	[ "$WEFT_STATUS" -eq 3 ] ||
	    fail "exit status $WEFT_STATUS, not 3; stderr: $(cat "$WEFT_ERR")"
	grep -qx "weft run: the interchange (pid $pid) sent no heartbeat for 10 periods; stopping run 0001" \
	    "$WEFT_ERR" || fail "stderr: $(cat "$WEFT_ERR")"
	grep -qxF 'weft run: run 0001 aborted' "$WEFT_ERR" ||
	    fail "stderr: $(cat "$WEFT_ERR")"
}

@test "a pool whose interchange stops answering exits by itself with its tasks" {
	# 200 ms: a pool forgives a silence that its own stall explains (half
	# the misses), and a loaded machine stalls a process for 0.5 s.
	export WEFT_HEARTBEAT_MS=200
	start_naps 2
	ix=$(weft_helper_pid interchange) ||
	    fail "no interchange found: $(show_test_procs)"
	pool=$(weft_helper_pid "pool 0") || fail "no pool found"
	# Main stopped too, so only the pool's own heartbeats can act.
	kill -STOP "$WEFT_PID" "$ix"
	# Its parent is stopped: gone or a zombie ("Z", "ZN" when niced).
	wait_for 10 eval '! kill -0 "$pool" 2>/dev/null || [[ "$(ps -o stat= -p "$pool")" == Z* ]]' ||
	    fail "pool still alive 10 s after its interchange hung: $(ps -o pid,stat,wchan:30,args -p "$pool") $(cat /proc/$pool/task/*/wchan 2>/dev/null | tr '\0' ' ') $(tail -5 .weft/runs/0001/pool-0.log)"
	count_sleepers 0 || fail "its tasks survive: $(show_test_procs)"
	grep -q "the interchange has not answered for" .weft/runs/0001/pool-0.log
	kill -KILL "$WEFT_PID" "$ix"
	wait_for 3 no_test_procs || fail "left behind: $(show_test_procs)"
}

@test "an idle pool whose interchange stops answering exits by itself too" {
	export WEFT_HEARTBEAT_MS=100
	# One task, two pools: one of them has nothing to do.
	write_flow <<'EOF2'
weft: 1
config:
  jobs: 1
  provider: {kind: local, pools: 2}
apps:
  nap: {command: "@SLEEP@ 300"}
main:
  - {id: t, app: nap}
EOF2
	weft_start run flow.yaml
	wait_for 30 count_sleepers 1 || fail "no task: $(cat "$WEFT_ERR")"
	ix=$(weft_helper_pid interchange) || fail "no interchange"
	p0=$(weft_helper_pid "pool 0") || fail "no pool 0"
	p1=$(weft_helper_pid "pool 1") || fail "no pool 1"
	kill -STOP "$WEFT_PID" "$ix"
	wait_for 5 eval '! pid_alive "$p0" && ! pid_alive "$p1"' ||
	    fail "a pool still lives 5 s after its interchange hung: $(show_test_procs)"
	count_sleepers 0 || fail "the task survives: $(show_test_procs)"
	grep -q "the interchange has not answered for" .weft/runs/0001/pool-0.log
	grep -q "the interchange has not answered for" .weft/runs/0001/pool-1.log
	kill -KILL "$WEFT_PID" "$ix"
	wait_for 3 no_test_procs || fail "left behind: $(show_test_procs)"
}
