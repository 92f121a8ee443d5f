#!/usr/bin/env bats
# record.bats: a run's record never lies and is always finished: signals
# in quick succession, main killed, a stalled writer, a lock held across
# the end of a run, the interchange killed or stopped.  Every run here is
# real; the database is read as a user would, with sqlite3.

load setup
load monitoring

# rec_flow N SLEEP: N tasks of "sleep SLEEP", 2 at a time.
rec_flow()
{
	write_flow <<EOF
weft: 1
name: rec
config: {jobs: 2}
apps:
  t: {command: "@SLEEP@ $2"}
main:
  - id: t
    app: t
    foreach: {i: "1..$1"}
EOF
}

# record_is_settled RUN: the run has ended in the database, no task is
# pending, no try is open, a task with a successful try is done, a task
# recorded not_run has no try, and the counts agree with the task rows.
record_is_settled()
{
	local run=$1 got

	got=$(q "SELECT count(*) FROM workflow WHERE run_id = '$run'
	    AND (time_completed IS NULL OR weft_state = 'running');")
	expect_eq "open workflow rows" 0 "$got"
	got=$(q "SELECT count(*) FROM task WHERE run_id = '$run'
	    AND weft_state NOT IN ('done', 'failed', 'dep_fail', 'killed',
	    'not_run', 'cached');")
	expect_eq "tasks without an end" 0 "$got"
	got=$(q "SELECT count(*) FROM try WHERE run_id = '$run'
	    AND task_try_time_returned IS NULL;")
	expect_eq "open tries" 0 "$got"
	got=$(q "SELECT count(*) FROM task t WHERE run_id = '$run'
	    AND weft_state != 'done' AND EXISTS (SELECT 1 FROM try y
	    WHERE y.run_id = t.run_id AND y.task_id = t.task_id
	    AND y.weft_state = 'done');")
	expect_eq "tasks not done with a done try" 0 "$got"
	got=$(q "SELECT count(*) FROM task t WHERE run_id = '$run'
	    AND weft_state = 'not_run' AND EXISTS (SELECT 1 FROM try y
	    WHERE y.run_id = t.run_id AND y.task_id = t.task_id);")
	expect_eq "not_run tasks that have a try" 0 "$got"
	got=$(q "SELECT tasks_completed_count = (SELECT count(*) FROM task
	    WHERE run_id = '$run' AND weft_state = 'done')
	    FROM workflow WHERE run_id = '$run';")
	expect_eq "tasks_completed_count agrees with the tasks" 1 "$got"
}

# summary_count STATE: the count of STATE on the summary line (0: none).
summary_count()
{
	local line n

	line=$(grep '^summary: ' "$WEFT_OUT") || { echo 0; return; }
	n=$(grep -oE "[0-9]+ $1" <<<"$line" | cut -d' ' -f1)
	echo "${n:-0}"
}

# writer_runs: a dbwriter of this test runs (one being restarted is
# waited for); its pid in WRITER.
writer_runs()
{
	WRITER=$(monitor_pid dbwriter)
}

# no_spool RUN: the run's spool is gone (its events are all written).
no_spool()
{
	[ ! -e ".weft/runs/$1/monitor.spool" ]
}

@test "SIGINT, then SIGTERM a moment later: the run's end is written (10 runs)" {
	local i run

	rec_flow 400 0.01
	for i in $(seq 1 10); do
		run=$(printf '%04d' "$i")
		weft_start run -q flow.yaml
		wait_for 30 status_count_above 40 "$run" ||
		    fail "run $run: nothing recorded; $(cat "$WEFT_ERR")"
		kill -INT "$WEFT_PID"
		sleep 0.00$((i % 5 + 1))
		kill -TERM "$WEFT_PID" 2>/dev/null || true
		wait_for 60 weft_exited || fail "run $run did not end"
		weft_reap
		[ "$WEFT_STATUS" -eq 130 ] ||
		    fail "run $run: exit $WEFT_STATUS; $(cat "$WEFT_ERR")"
		# Written by the run itself, not by a later command.
		no_spool "$run" || fail "run $run left its spool"
		run q "SELECT weft_state, weft_exit_code, weft_monitoring_complete
		    FROM workflow WHERE run_id = '$run';"
		assert_output 'interrupted|130|1'
		record_is_settled "$run"
	done
}

@test "a third signal leaves at once; the next weft command finishes the record" {
	rec_flow 2000 0.01
	weft_start run -q flow.yaml
	wait_for 30 status_count_above 40 ||
	    fail "nothing recorded; $(cat "$WEFT_ERR")"
	# A stopped writer holds the end of the record up.
	wait_for 10 writer_runs || fail "no dbwriter: $(show_test_procs)"
	kill -STOP "$WRITER"
	# Signals of one kind that arrive together count once: pauses
	# between them, as between the key strokes of a user.
	kill -INT "$WEFT_PID"
	sleep 0.5
	kill -TERM "$WEFT_PID"
	sleep 0.5
	weft_exited && fail "weft run left on the second signal"
	grep -q 'still stopping run 0001 and writing its record' "$WEFT_ERR" ||
	    fail "stderr: $(cat "$WEFT_ERR")"
	kill -TERM "$WEFT_PID"
	wait_for 10 weft_exited || fail "weft run did not leave"
	weft_reap
	[ "$WEFT_STATUS" -eq 130 ] || fail "exit $WEFT_STATUS"
	grep -q 'leaving run 0001 at once' "$WEFT_ERR" ||
	    fail "stderr: $(cat "$WEFT_ERR")"
	wait_for 10 no_test_procs || fail "left behind: $(show_test_procs)"
	# What was left is said, with how to finish it.
	[ -s .weft/runs/0001/monitor.spool ] || fail "no spool was left"
	grep -q '^monitoring: record incomplete: its last events are kept in .*/runs/0001/monitor.spool; the next weft command that opens .*monitoring.db (weft runs, say) writes them$' "$WEFT_OUT" ||
	    fail "output: $(cat "$WEFT_OUT")"
	run weft runs
	assert_success
	assert_line --regexp '^0001 +rec .* interrupted +2000 '
	no_spool 0001 || fail "weft runs left the spool"
	record_is_settled 0001
	# Nothing is counted twice: one status row per event at most.
	run q "SELECT count(*) FROM (SELECT task_id, try_id, task_status_name
	    FROM status WHERE run_id = '0001' GROUP BY 1, 2, 3
	    HAVING count(*) > 1);"
	assert_output 0
}

@test "main SIGKILLed: the run is lost, no task pending, no try open (4 runs)" {
	local i run

	rec_flow 2000 0
	for i in 1 2 3 4; do
		run=$(printf '%04d' "$i")
		weft_start run -q flow.yaml
		wait_for 30 status_count_above $((100 * i)) "$run" ||
		    fail "run $run: nothing recorded; $(cat "$WEFT_ERR")"
		kill -KILL "$WEFT_PID"
		weft_reap
		wait_for 5 no_test_procs ||
		    fail "left behind: $(show_test_procs)"
		# The run's own writer recorded the loss and settled it.
		run q "SELECT weft_state, time_completed IS NOT NULL
		    FROM workflow WHERE run_id = '$run';"
		assert_output 'lost|1'
		record_is_settled "$run"
		# The pool's block row does not end on 'running'.
		run q "SELECT status FROM block b WHERE run_id = '$run'
		    AND timestamp = (SELECT max(timestamp) FROM block c
		    WHERE c.run_id = b.run_id AND c.block_id = b.block_id);"
		refute_output running
	done
	run weft runs
	assert_line --regexp '^0004 +rec .* lost +2000 '
}

@test "every process of a run SIGKILLed: the next weft command imports its spool" {
	local p

	rec_flow 3000 0
	weft_start run -q flow.yaml
	wait_for 30 status_count_above 200 ||
	    fail "nothing recorded; $(cat "$WEFT_ERR")"
	# The writer first, so that the spool holds what it did not write.
	wait_for 10 writer_runs || fail "no dbwriter: $(show_test_procs)"
	kill -STOP "$WRITER"
	sleep 0.5
	for p in $(weft_test_procs); do
		kill -KILL "$p" 2>/dev/null || true
	done
	weft_reap
	wait_for 5 no_test_procs || fail "left behind: $(show_test_procs)"
	[ -s .weft/runs/0001/monitor.spool ] || fail "no spool was left"
	run q "SELECT weft_state FROM workflow WHERE run_id = '0001';"
	assert_output running
	local before
	before=$(q "SELECT count(*) FROM status WHERE run_id = '0001';")
	run weft tasks --state done
	assert_success
	grep -q "info: record finished by a later weft command: " \
	    .weft/runs/0001/weft.log || fail "weft.log: $(tail -3 .weft/runs/0001/weft.log)"
	no_spool 0001 || fail "the spool is still there"
	run q "SELECT weft_state, time_completed IS NOT NULL
	    FROM workflow WHERE run_id = '0001';"
	assert_output 'lost|1'
	record_is_settled 0001
	# The spool brought rows the database did not have.
	run q "SELECT count(*) > $before FROM status WHERE run_id = '0001';"
	assert_output 1
	# A second command finds nothing more to do, and changes nothing.
	local dump
	dump=$(q .dump | md5sum)
	run weft runs
	assert_success
	expect_eq "database after a second command" "$dump" "$(q .dump | md5sum)"
}

@test "a writer stopped across the end of a run is restarted; the record is complete" {
	many_flow 1500
	WEFT_HEARTBEAT_MS=200 weft_start run -q flow.yaml
	wait_for 30 status_count_above 200 ||
	    fail "nothing recorded; $(cat "$WEFT_ERR")"
	wait_for 10 writer_runs || fail "no dbwriter: $(show_test_procs)"
	kill -STOP "$WRITER"
	wait_for 120 weft_exited || fail "the run did not end"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] ||
	    fail "exit $WEFT_STATUS; stderr: $(cat "$WEFT_ERR")"
	grep -q 'dbwriter (pid [0-9]*) made no progress for 10 periods; killing it' \
	    .weft/runs/0001/weft.log || fail "weft.log: $(cat .weft/runs/0001/weft.log)"
	! grep -q 'record incomplete' "$WEFT_OUT" "$WEFT_ERR" ||
	    fail "output: $(cat "$WEFT_OUT" "$WEFT_ERR")"
	no_spool 0001 || fail "the spool is left"
	check_exact_run 1500
}

@test "a writer idle for long, then given work, is not taken for a silent one" {
	# Heartbeats of 200 ms, a threshold of 1 s: the task's quiet 5 s
	# are five thresholds with nothing for the writer to do.
	write_flow <<'EOF'
weft: 1
config: {heartbeat_period: 200ms, heartbeat_threshold: 1s}
apps:
  quiet: {command: 'sleep 5'}
main:
  - {id: t, app: quiet, foreach: {i: "1..2"}}
EOF
	run weft run -q flow.yaml
	assert_success
	! grep -q 'killing it' .weft/runs/0001/weft.log ||
	    fail "weft.log: $(grep dbwriter .weft/runs/0001/weft.log)"
	! grep -q 'acknowledged nothing' .weft/runs/0001/router.log ||
	    fail "router.log: $(cat .weft/runs/0001/router.log)"
	[ "$(grep -c 'started dbwriter' .weft/runs/0001/weft.log)" -eq 1 ]
	[ "$(q "select weft_monitoring_complete from workflow")" = 1 ]
}

# lock_across_end SECS N: a run of N quick tasks while another process
# holds the database's write lock for SECS seconds, taken once the run
# has recorded something and before its last task ends: the run ends with exit 0, no word of an
# incomplete record, no spool left, and every row of it recorded.
lock_across_end()
{
	# The last task waits until the lock is held, so that it always
	# spans the run's end however fast the machine runs the rest.
	write_flow <<EOF
weft: 1
name: many
config: {jobs: 2}
apps:
  t:
    command: >-
      test "\$WEFT_TASK_ID" != "t[i=$2]" ||
      until test -e "$PWD/lock-held"; do sleep 0.05; done
main:
  - id: t
    app: t
    foreach: {i: "1..$2"}
EOF
	weft_start run -q flow.yaml
	wait_for 30 status_count_above 100 ||
	    fail "nothing recorded; $(cat "$WEFT_ERR")"
	(
		sqlite3 -cmd '.timeout 60000' "$MON_DB" "BEGIN IMMEDIATE;
		    SELECT count(*) FROM workflow;" \
		    ".shell touch lock-held; sleep $1" "COMMIT;" >/dev/null
	) &
	WEFT_BG_PIDS+=($!)
	wait_for 150 weft_exited || fail "the run did not end"
	weft_reap
	[ -e lock-held ] || fail "the lock was never held"
	[ "$WEFT_STATUS" -eq 0 ] ||
	    fail "exit $WEFT_STATUS; stderr: $(cat "$WEFT_ERR")"
	! grep -q 'record incomplete' "$WEFT_OUT" "$WEFT_ERR" ||
	    fail "output: $(cat "$WEFT_OUT" "$WEFT_ERR")"
	no_spool 0001 || fail "the spool is left"
	check_exact_run "$2"
}

@test "a write lock held for 8 s across the end: complete, and no false alarm" {
	lock_across_end 8 300
}

@test "a write lock held for 25 s across the end: the record is complete" {
	lock_across_end 25 2000
}

@test "the interchange killed or stopped: not_run means not run, the summary agrees (4 runs)" {
	local i run sig st

	rec_flow 600 0.01
	for i in 1 2 3 4; do
		run=$(printf '%04d' "$i")
		sig=KILL
		[ $((i % 2)) -eq 0 ] && sig=STOP
		WEFT_HEARTBEAT_MS=200 weft_start run -q flow.yaml
		wait_for 30 status_count_above 60 "$run" ||
		    fail "run $run: nothing recorded; $(cat "$WEFT_ERR")"
		kill -$sig "$(weft_helper_pid interchange)"
		wait_for 60 weft_exited || fail "run $run did not end"
		weft_reap
		[ "$WEFT_STATUS" -eq 3 ] ||
		    fail "run $run: exit $WEFT_STATUS; $(cat "$WEFT_ERR")"
		wait_for 5 no_test_procs || {
			show_test_procs
			for p in $(weft_test_procs); do kill -KILL "$p"; done
		}
		record_is_settled "$run"
		# The summary says what the record says.
		for st in done killed not_run; do
			expect_eq "run $run ($sig): $st on the summary" \
			    "$(q "SELECT count(*) FROM task WHERE
			    run_id = '$run' AND weft_state = '$st';")" \
			    "$(summary_count "$st")"
		done
	done
}
