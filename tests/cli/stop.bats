#!/usr/bin/env bats
#
# stop.bats: "weft stop" from another shell: graceful (the run records an
# interruption and exits 130), --kill (everything goes at once, the record
# says lost), the choice of run, and the refusals.

load setup

# nap_flow: three long tasks, two at a time.
nap_flow()
{
	write_flow <<'EOF2'
weft: 1
config: {jobs: 2}
apps:
  nap: {command: "@SLEEP@ 300"}
main:
  - id: t
    app: nap
    foreach: {n: "1..3"}
EOF2
}

# start_naps: starts the run and waits until two tasks sleep.
start_naps()
{
	nap_flow
	weft_start run flow.yaml
	wait_for 30 count_sleepers 2 ||
	    fail "tasks did not start; stderr: $(cat "$WEFT_ERR")"
}

# stopped_clean [PID]: weft (default WEFT_PID) exited and nothing of the
# test is left.
stopped_clean()
{
	weft_exited "${1:-$WEFT_PID}" && no_test_procs
}

q()
{
	sqlite3 -batch -readonly -cmd '.timeout 10000' .weft/monitoring.db "$@"
}

@test "stop: the newest live run is interrupted, exits 130, leaves nothing" {
	start_naps
	run weft stop
	assert_success
	assert_output "weft: run 0001 stopped"
	# By the time stop returns, weft run has let go of the run.
	wait_for 3 stopped_clean || fail "left behind: $(show_test_procs)"
	weft_reap
	[ "$WEFT_STATUS" -eq 130 ] || fail "exit $WEFT_STATUS"
	grep -qxF 'weft run: interrupted, stopping run 0001' "$WEFT_ERR"
	run q "SELECT weft_state, weft_exit_code FROM workflow;"
	assert_output 'interrupted|130'
}

@test "stop --kill: every process of the run goes at once; the record says lost" {
	start_naps
	run weft stop --kill
	assert_success
	assert_output "weft: run 0001 killed"
	wait_for 3 stopped_clean || fail "left behind: $(show_test_procs)"
	weft_reap
	[ "$WEFT_STATUS" -eq 137 ] || fail "exit $WEFT_STATUS, not killed"
	run q "SELECT weft_state, weft_monitoring_complete FROM workflow;"
	assert_output 'lost|0'
}

@test "stop RUN stops that run and no other" {
	nap_flow
	WEFT_OUT=$WEFT_WORK/a.out WEFT_ERR=$WEFT_WORK/a.err weft_start run flow.yaml
	local a=$WEFT_PID
	wait_for 30 files_exist .weft/runs/0001/main.pid || fail "no run 0001"
	WEFT_OUT=$WEFT_WORK/b.out WEFT_ERR=$WEFT_WORK/b.err weft_start run flow.yaml
	local b=$WEFT_PID
	wait_for 30 count_sleepers 4 || fail "tasks did not start"
	run weft stop 1
	assert_success
	assert_output "weft: run 0001 stopped"
	wait_for 3 weft_exited "$a" || fail "run 0001 still runs"
	weft_exited "$b" && fail "run 0002 stopped too"
	run weft stop 0002
	assert_success
	wait_for 3 stopped_clean "$b" || fail "left behind: $(show_test_procs)"
}

@test "stop with no live run, an unknown run or a bad RUN is exit 2" {
	run -2 weft stop
	assert_line --index 0 "weft stop: no runs found: no .weft in $WEFT_WORK or any folder above it"
	good=$(printf 'weft: 1\napps:\n  t: {command: "true"}\nmain:\n  - {id: t, app: t}\n')
	printf '%s\n' "$good" >flow.yaml
	run weft run -q flow.yaml
	assert_success
	run -2 weft stop 1
	assert_output "weft stop: run 0001 is not running"
	run -2 weft stop 9
	assert_output "weft stop: no run 0009 in .weft"
	for bad in abc 0 -- '' 99999999999999999999 1x; do
		run -2 weft stop -- "$bad"
		[ "$bad" = -- ] && continue
		assert_output --partial "weft stop: invalid run"
	done
	run -2 weft stop 1 2
	assert_line --index 0 "weft stop: too many arguments"
	assert_line --index 1 "usage: weft stop [--kill] [--json] [-f FILE | -C DIR | --run-dir DIR] [RUN]"
}

@test "stop refuses a run that belongs to another user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to give a run to another user"
	start_naps
	chown nobody .weft/runs/0001
	run -2 weft stop
	assert_output "weft stop: run 0001 belongs to another user"
	chown root .weft/runs/0001
	weft_exited && fail "the run was stopped anyway"
	run weft stop
	assert_success
	wait_for 3 stopped_clean || fail "left behind: $(show_test_procs)"
}

@test "tasks see WEFT_RUN_DIR, the run's directory" {
	write_flow <<'EOF2'
weft: 1
apps:
  show: {command: "echo \"$WEFT_RUN_DIR\""}
main:
  - {id: s, app: show}
EOF2
	run weft run -q flow.yaml
	assert_success
	run cat .weft/runs/0001/tasks/s/try-0/stdout
	assert_output "$WEFT_WORK/.weft/runs/0001"
}
