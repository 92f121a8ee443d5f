#!/usr/bin/env bats
#
# failpolicy.bats: what a run does after a task fails for good.  By
# default, and with --keep-going, independent work goes on (tasks are
# even launched after the failure) and only the failure's dependents are
# dep_fail.  With --fail-fast, the first task that fails for good stops
# the run: "weft run: --fail-fast: stopping run NNNN after 'ID' failed" on
# stderr, nothing more is launched, the running tasks are killed by
# process group (SIGTERM, then SIGKILL for one that ignores it), their
# outputs removed, and weft exits 1 with the killed tasks "killed" and
# the others "not_run", in the summary and the database; a task with
# retries left has not failed for good: fail-fast waits for its last
# retry, and a task that succeeds on a retry stops nothing.

load setup
load monitoring
load plugins
load robust

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
}

teardown()
{
	robust_teardown
}

@test "by default a run keeps going after a failure" {
	going_flow
	run -1 --separate-stderr weft run flow.yaml
	expect_kept_going
	expect_states 0001 bad=failed ok1=done ok2=done child=dep_fail \
	    grandchild=dep_fail
}

@test "--keep-going, given explicitly, is the default" {
	going_flow
	run -1 --separate-stderr weft run --keep-going flow.yaml
	expect_kept_going
	expect_states 0001 bad=failed ok2=done child=dep_fail
}

@test "--fail-fast: message, exit 1, running tasks killed, nothing new launched" {
	ff_flow
	weft_start run --fail-fast flow.yaml
	wait_for 30 three_started ||
	    fail "the tasks did not start: $(run_ctx); $(show_test_procs)"
	local t0
	t0=$(now_us)
	touch go
	# SIGTERM, and SIGKILL 2 s later for stubborn: well within 8 s.
	finish_run 8
	[ $(( ($(now_us) - t0) / 1000000 )) -lt 8 ] ||
	    fail "the run took too long to stop"
	expect_exit 1
	grep -qxF "weft run: --fail-fast: stopping run 0001 after 'bad' failed" \
	    "$WEFT_ERR" || fail "no fail-fast message: $(run_ctx)"
	expect_event 'failed   bad exit 4'
	expect_out_re '^summary: 7 tasks: 1 failed, 2 killed, 4 not_run in [0-9.]+s$'
	# Nothing was launched after the failure.
	ran_exactly nap stubborn bad
	[ -z "$(sleeper_pids)" ] || fail "tasks left: $(show_test_procs)"
	# The killed task's output is gone.
	[ ! -e nap.txt ] || fail "the killed task's output is still there"
	expect_states 0001 bad=failed nap=killed stubborn=killed \
	    'later[i=1]=not_run' 'later[i=2]=not_run' 'later[i=3]=not_run' \
	    child=not_run
	run q "SELECT weft_exit_code FROM workflow WHERE run_id = '0001';"
	assert_output 1
	run weft tasks --state killed
	assert_success
	assert_line --regexp '^nap +killed '
	assert_line --regexp '^stubborn +killed '
	run weft tasks --state not_run
	assert_equal "${#lines[@]}" 5
}

@test "--fail-fast kills a running task's whole process group" {
	# The task's shell starts a shell that starts a sleep, and a sleep of
	# its own: three marked sleeps, all in the task's process group.
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  tree: {command: 'sh -c "@SLEEP@ 303 & @SLEEP@ 304; wait" & @SLEEP@ 305; wait'}
  bad: {command: 'while [ ! -e @DIR@/go ]; do sleep 0.05; done; exit 2'}
main:
  - {id: tree, app: tree}
  - {id: bad, app: bad}
EOF
	weft_start run --fail-fast flow.yaml
	wait_for 30 count_sleepers 3 ||
	    fail "the tree did not start: $(run_ctx); $(show_test_procs)"
	touch go
	finish_run 8
	expect_exit 1
	grep -qxF "weft run: --fail-fast: stopping run 0001 after 'bad' failed" \
	    "$WEFT_ERR" || fail "no fail-fast message: $(run_ctx)"
	[ -z "$(sleeper_pids)" ] || fail "left: $(show_test_procs)"
	expect_out_re '^summary: 2 tasks: 1 failed, 1 killed in '
	expect_states 0001 tree=killed bad=failed
}

@test "--fail-fast waits for the last retry, then stops the run" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  nap: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; touch @DIR@/nap.started; @SLEEP@ 300'}
  bad:
    command: 'while [ ! -e @DIR@/nap.started ]; do sleep 0.05; done; echo "$WEFT_TASK_ID" >>@DIR@/effects; exit 4'
    retries: 2
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: nap, app: nap}
  - {id: bad, app: bad}
  - {id: after, app: quick, needs: nap}
EOF
	weft_start run --fail-fast flow.yaml
	finish_run 15
	expect_exit 1
	expect_event 'retry    bad exit 4 (retry 1 of 2)'
	expect_event 'retry    bad exit 4 (retry 2 of 2)'
	expect_event 'failed   bad exit 4'
	grep -qxF "weft run: --fail-fast: stopping run 0001 after 'bad' failed" \
	    "$WEFT_ERR" || fail "no fail-fast message: $(run_ctx)"
	expect_out_re '^summary: 3 tasks: 1 failed, 1 killed, 1 not_run in [0-9.]+s \(1 needed retries\)$'
	[ "$(effects_of bad)" -eq 3 ] || fail "bad ran $(effects_of bad) times"
	[ "$(effects_of after)" -eq 0 ] || fail "after ran"
	run tries_of bad
	assert_output '0|failed|exit 4
1|failed|exit 4
2|failed|exit 4'
	expect_states 0001 bad=failed nap=killed after=not_run
}

@test "--fail-fast: a task that succeeds on a retry stops nothing" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  flaky:
    command: 'n=$(($(cat @DIR@/f.count 2>/dev/null || echo 0) + 1)); echo $n >@DIR@/f.count; echo "$WEFT_TASK_ID" >>@DIR@/effects; [ $n -ge 2 ]'
    retries: 1
  slow: {command: 'sleep 0.5; echo "$WEFT_TASK_ID" >>@DIR@/effects'}
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: flaky, app: flaky}
  - {id: slow, app: slow}
  - {id: after, app: quick, needs: flaky}
  - {id: last, app: quick, needs: slow}
EOF
	run --separate-stderr weft run --fail-fast flow.yaml
	assert_success
	assert_event 'retry    flaky exit 1 (retry 1 of 1)'
	assert_line --regexp '^summary: 4 tasks: 4 done in [0-9.]+s \(1 needed retries\)$'
	[ "$(err_count '.*fail-fast.*')" -eq 0 ] || fail "stderr: $stderr"
	[ "$(effects_of flaky)" -eq 2 ] && [ "$(effects_of after)" -eq 1 ] &&
	    [ "$(effects_of last)" -eq 1 ] || fail "effects: $(cat effects)"
}

@test "--fail-fast with --retries: the retries of the command line count" {
	write_flow <<'EOF'
weft: 1
apps:
  bad: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; exit 6'}
main:
  - {id: bad, app: bad}
EOF
	run -1 --separate-stderr weft run --fail-fast --retries 1 flow.yaml
	assert_event 'retry    bad exit 6 (retry 1 of 1)'
	assert_event 'failed   bad exit 6'
	expect_err_line "weft run: --fail-fast: stopping run 0001 after 'bad' failed"
	[ "$(effects_of bad)" -eq 2 ]
}

@test "--fail-fast when nothing fails: every task runs, exit 0" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - id: t
    app: quick
    foreach: {i: "1..4"}
  - {id: last, app: quick, needs: t}
EOF
	run --separate-stderr weft run --fail-fast flow.yaml
	assert_success
	assert_line --regexp '^summary: 5 tasks: 5 done in '
	[ -z "$stderr" ] || fail "stderr: $stderr"
	ran_exactly 't[i=1]' 't[i=2]' 't[i=3]' 't[i=4]' last
}

@test "--fail-fast also stops running function tasks, and a failed function stops it" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
  slow: plugins/libslow.so
apps:
  nap: {function: slow.nap}
  fail: {command: 'while [ ! -e @DIR@/n.pid ]; do sleep 0.05; done; exit 5'}
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: n, app: nap, args: {seconds: "300", pidfile: n.pid}}
  - {id: bad, app: fail}
  - {id: later, app: quick, needs: bad}
  - {id: more, app: quick, foreach: {i: "1..2"}}
EOF
	weft_start run --fail-fast flow.yaml
	wait_for 30 files_exist n.pid || fail "the nap did not start: $(run_ctx)"
	local np
	np=$(cat n.pid)
	finish_run 10
	expect_exit 1
	grep -qxF "weft run: --fail-fast: stopping run 0001 after 'bad' failed" \
	    "$WEFT_ERR" || fail "no fail-fast message: $(run_ctx)"
	none_alive "$np" || fail "the napping worker $np still runs"
	expect_states 0001 n=killed bad=failed
	[ ! -e effects ] || fail "a task was launched after the failure:" \
	    "$(cat effects)"

	# A failing function task stops a run just as well.
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
apps:
  fnfail: {function: results.fail, retries: 1}
  hold: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; @SLEEP@ 300'}
  quick: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: hold, app: hold}
  - {id: f, app: fnfail, args: {msg: "no luck"}}
  - {id: later, app: quick, needs: hold}
EOF
	weft_start run --fail-fast flow.yaml
	finish_run 15
	expect_exit 1
	expect_event 'retry    f function failed: no luck (retry 1 of 1)'
	expect_event 'failed   f function failed: no luck'
	grep -qxF "weft run: --fail-fast: stopping run 0002 after 'f' failed" \
	    "$WEFT_ERR" || fail "no fail-fast message: $(run_ctx)"
	[ "$(effects_of later)" -eq 0 ] || fail "later ran"
}
