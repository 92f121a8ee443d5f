#!/usr/bin/env bats
#
# retries.bats: "weft run --retries N" overrides the app's and the
# config's retries, both ways, and refuses values outside 0..10000; each
# try has its own logs in tasks/<dir>/try-N/ (and there is no
# tasks/<dir>/stdout any more), its own try row with its exit code,
# state, reason, times and log paths, and task_stdout/task_stderr point at
# the last try's; the summary ends with "(N needed retries)", N the tasks
# that were run again; a task that succeeds on its last retry is done and
# its dependents run; a walltime timeout is retried like a failure.  The
# failure policy with retries is in failpolicy.bats, missing outputs that
# are retried in outputs.bats.

load setup
load monitoring
load plugins
load robust

teardown()
{
	robust_teardown
}

@test "--retries overrides the app's and the config's retries downwards" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2, retries: 4}
apps:
  own: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; exit 3', retries: 5}
  cfg: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects; exit 4'}
main:
  - {id: a, app: own}
  - {id: b, app: cfg}
EOF
	run -1 --separate-stderr weft run --retries 1 flow.yaml
	assert_event 'retry    a exit 3 (retry 1 of 1)'
	assert_event 'retry    b exit 4 (retry 1 of 1)'
	assert_event 'failed   a exit 3'
	assert_event 'failed   b exit 4'
	refute_line --partial '(retry 2 of'
	assert_line --regexp '^summary: 2 tasks: 2 failed in [0-9.]+s \(2 needed retries\)$'
	[ "$(effects_of a)" -eq 2 ] && [ "$(effects_of b)" -eq 2 ] ||
	    fail "not 2 tries each: $(cat effects)"
	run try_count 0001 a
	assert_output 2

	# --retries 0: one try each, whatever the app and config say.
	rm effects
	run -1 --separate-stderr weft run --retries 0 flow.yaml
	refute_line --partial 'retry    '
	assert_event 'failed   a exit 3'
	assert_event 'failed   b exit 4'
	assert_line --regexp '^summary: 2 tasks: 2 failed in [0-9.]+s$'
	ran_exactly a b
	run try_count 0002 b
	assert_output 1
}

@test "--retries overrides them upwards: the task needs its 2 retries" {
	# Without --retries (app 0, config 0) the task fails on its first try.
	flaky_flow 0 2 0
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   t exit 11'
	refute_line --partial 'retry    '
	[ "$(effects_of t)" -eq 1 ] || fail "tries: $(cat effects)"
	rm effects t.count
	run --separate-stderr weft run --retries 2 flow.yaml
	assert_success
	assert_event 'retry    t exit 11 (retry 1 of 2)'
	assert_event 'retry    t exit 12 (retry 2 of 2)'
	assert_line --regexp '^..:..:.. done +t [0-9.]+s$'
	assert_line --regexp '^summary: 1 task: 1 done in [0-9.]+s \(1 needed retries\)$'
	[ "$(effects_of t)" -eq 3 ] || fail "tries: $(cat effects)"
	run tries_in 0002 t
	assert_output '0|failed|exit 11
1|failed|exit 12
2|done|-'
}

@test "--retries takes 0 and 10000, as N or =N" {
	flaky_flow - 1
	run --separate-stderr weft run --retries=1 flow.yaml
	assert_success
	assert_event 'retry    t exit 11 (retry 1 of 1)'
	rm t.count
	run --separate-stderr weft run --retries 10000 flow.yaml
	assert_success
	assert_event 'retry    t exit 11 (retry 1 of 10000)'
	assert_line --regexp '^..:..:.. done +t '
	rm t.count
	run -1 --separate-stderr weft run --retries 0 flow.yaml
	assert_event 'failed   t exit 11'
}

@test "--retries refuses anything but an integer from 0 to 10000, exit 2" {
	local v

	flaky_flow - 0
	for v in -1 10001 99999999999999999999 -99999999999999999999 abc '' \
	    1x 2.5 0x10 ' ' '1 2' '+'; do
		run -2 --separate-stderr weft run --retries "$v" flow.yaml
		[ "$stderr" = "weft run: invalid --retries value '$v': expected an integer from 0 to 10000" ] ||
		    fail "--retries '$v': stderr is: $stderr"
		assert_output ''
		[ ! -e .weft ] || fail "--retries '$v' created .weft"
		[ ! -e effects ] || fail "--retries '$v' ran the task"
	done
	run -2 --separate-stderr weft run --retries=x flow.yaml
	assert_equal "$stderr" "weft run: invalid --retries value 'x': expected an integer from 0 to 10000"
	# No value at all: a usage error.
	run -2 --separate-stderr weft run flow.yaml --retries
	assert_output ''
	assert_equal "$stderr" "weft run: option '--retries' needs an argument
Try 'weft run --help'."
	[ ! -e .weft ] && [ ! -e effects ]
}

@test "each try has its own stdout and stderr in tasks/<dir>/try-N/" {
	flaky_flow 2 2
	run --separate-stderr weft run flow.yaml
	assert_success
	local n
	for n in 0 1 2; do
		run cat "$(try_log 0001 t "$n" stdout)"
		assert_output "out t $((n + 1))"
		run cat "$(try_log 0001 t "$n" stderr)"
		assert_output "err t $((n + 1))"
	done
	run ls .weft/runs/0001/tasks/t
	assert_output 'try-0
try-1
try-2'
	[ ! -e .weft/runs/0001/tasks/t/stdout ] &&
	    [ ! -e .weft/runs/0001/tasks/t/stderr ] ||
	    fail "tasks/t/stdout or stderr exists"
}

@test "the try folders of ids with / and % are escaped as the task folders" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  once: {command: 'if [ ! -e @DIR@/{p}.once ]; then : >@DIR@/{p}.once; echo "first $WEFT_TASK_ID"; exit 1; fi; echo "second $WEFT_TASK_ID"', retries: 1}
main:
  - id: s
    app: once
    foreach: {p: ["a/b", "50%"]}
EOF
	mkdir a
	run --separate-stderr weft run flow.yaml
	assert_success
	run cat '.weft/runs/0001/tasks/s[p=a%2Fb]/try-0/stdout'
	assert_output 'first s[p=a/b]'
	run cat '.weft/runs/0001/tasks/s[p=a%2Fb]/try-1/stdout'
	assert_output 'second s[p=a/b]'
	run cat '.weft/runs/0001/tasks/s[p=50%25]/try-0/stdout'
	assert_output 'first s[p=50%]'
	run cat '.weft/runs/0001/tasks/s[p=50%25]/try-1/stdout'
	assert_output 'second s[p=50%]'
	[ "$(try_log 0001 's[p=50%]' 1 stdout)" = \
	    "$WEFT_WORK/.weft/runs/0001/tasks/s[p=50%25]/try-1/stdout" ]
}

@test "try rows: own exit codes, states, reasons, times and log paths" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
apps:
  flaky:
    command: 'n=$(($(cat @DIR@/{c} 2>/dev/null || echo 0) + 1)); echo $n >@DIR@/{c}; echo "out $n"; echo "err $n" >&2; [ $n -gt {fails} ] || exit $((10 + n))'
    retries: 2
main:
  - {id: bad, app: flaky, args: {c: bad.count, fails: 9}}
  - {id: good, app: flaky, args: {c: good.count, fails: 1}}
EOF
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'retry    bad exit 11 (retry 1 of 2)'
	assert_event 'retry    bad exit 12 (retry 2 of 2)'
	assert_event 'failed   bad exit 13'
	assert_event 'retry    good exit 11 (retry 1 of 2)'
	assert_line --regexp '^..:..:.. done +good [0-9.]+s$'
	# The summary names the stderr of the last try.
	assert_line "failed bad: exit 13, stderr in $(try_log 0001 bad 2 stderr)"
	run q "SELECT r.try_id, r.weft_exit_code, r.weft_state,
	    coalesce(r.weft_fail_reason, '-') FROM try r JOIN task t
	    USING (run_id, task_id) WHERE t.weft_task_id = 'bad'
	    ORDER BY r.try_id;"
	assert_output '0|11|failed|exit 11
1|12|failed|exit 12
2|13|failed|exit 13'
	run q "SELECT r.try_id, r.weft_exit_code, r.weft_state,
	    coalesce(r.weft_fail_reason, '-') FROM try r JOIN task t
	    USING (run_id, task_id) WHERE t.weft_task_id = 'good'
	    ORDER BY r.try_id;"
	assert_output '0|11|failed|exit 11
1|0|done|-'
	run q "SELECT weft_state, weft_exit_code, task_fail_count FROM task
	    WHERE weft_task_id IN ('bad', 'good') ORDER BY task_id;"
	assert_output 'failed|13|3
done|0|1'
	# Each try has its own times, in order, one try after the other.
	run q "SELECT count(*) FROM try WHERE run_id = '0001'
	    AND task_try_time_launched IS NOT NULL
	    AND task_try_time_running IS NOT NULL
	    AND task_try_time_returned IS NOT NULL
	    AND julianday(task_try_time_running) >=
	        julianday(task_try_time_launched)
	    AND julianday(task_try_time_returned) >=
	        julianday(task_try_time_running);"
	assert_output 5
	run q "SELECT count(*) FROM try a JOIN try b ON a.run_id = b.run_id
	    AND a.task_id = b.task_id AND b.try_id = a.try_id + 1
	    WHERE julianday(b.task_try_time_launched) <
	        julianday(a.task_try_time_returned);"
	assert_output 0
	run q "SELECT count(DISTINCT task_try_time_launched) FROM try r
	    JOIN task t USING (run_id, task_id) WHERE t.weft_task_id = 'bad';"
	assert_output 3
	# Each try names its own logs; the task names its last try's.
	local id n
	for id in bad good; do
		for n in $(q "SELECT r.try_id FROM try r JOIN task t
		    USING (run_id, task_id) WHERE t.weft_task_id = '$id';"); do
			run q "SELECT r.weft_stdout, r.weft_stderr FROM try r
			    JOIN task t USING (run_id, task_id)
			    WHERE t.weft_task_id = '$id' AND r.try_id = $n;"
			assert_output "$(try_log 0001 "$id" "$n" stdout)|$(try_log 0001 "$id" "$n" stderr)"
			run cat "$(try_log 0001 "$id" "$n" stdout)"
			assert_output "out $((n + 1))"
		done
	done
	run q "SELECT task_stdout, task_stderr FROM task
	    WHERE weft_task_id = 'bad';"
	assert_output "$(try_log 0001 bad 2 stdout)|$(try_log 0001 bad 2 stderr)"
	run q "SELECT task_stdout, task_stderr FROM task
	    WHERE weft_task_id = 'good';"
	assert_output "$(try_log 0001 good 1 stdout)|$(try_log 0001 good 1 stderr)"
	run cat "$(try_log 0001 bad 2 stderr)"
	assert_output 'err 3'
}

@test "the summary counts the tasks that needed retries, not the retries" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  flaky:
    command: 'n=$(($(cat @DIR@/{c} 2>/dev/null || echo 0) + 1)); echo $n >@DIR@/{c}; [ $n -gt {fails} ]'
    retries: 3
  never: {command: "exit 2", retries: 1}
main:
  - {id: a, app: flaky, args: {c: a.count, fails: 1}}
  - {id: b, app: flaky, args: {c: b.count, fails: 2}}
  - {id: c, app: flaky, args: {c: c.count, fails: 0}}
  - {id: d, app: never}
EOF
	run -1 --separate-stderr weft run flow.yaml
	# a (1 retry), b (2 retries) and d (1 retry, failed anyway).
	assert_line --regexp '^summary: 4 tasks: 3 done, 1 failed in [0-9.]+s \(3 needed retries\)$'
	[ "$(cat b.count)" -eq 3 ] && [ "$(cat c.count)" -eq 1 ]
	# Nothing retried: no such suffix.
	write_flow <<'EOF'
weft: 1
apps:
  ok: {command: "true", retries: 3}
main:
  - {id: a, app: ok}
  - {id: b, app: ok}
EOF
	run --separate-stderr weft run flow.yaml
	assert_success
	assert_line --regexp '^summary: 2 tasks: 2 done in [0-9.]+s$'
	refute_output --partial 'needed retries'
}

@test "a task that succeeds on its last retry is done; its dependents run" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
apps:
  flaky:
    command: 'n=$(($(cat @DIR@/t.count 2>/dev/null || echo 0) + 1)); echo $n >@DIR@/t.count; echo "$WEFT_TASK_ID" >>@DIR@/effects; [ $n -gt 3 ] || exit 5'
    retries: 3
  after: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: t, app: flaky}
  - {id: child, app: after, needs: t}
EOF
	run --separate-stderr weft run flow.yaml
	assert_success
	assert_event 'retry    t exit 5 (retry 1 of 3)'
	assert_event 'retry    t exit 5 (retry 2 of 3)'
	assert_event 'retry    t exit 5 (retry 3 of 3)'
	assert_line --regexp '^..:..:.. done +t [0-9.]+s$'
	assert_line --regexp '^..:..:.. done +child [0-9.]+s$'
	refute_line --regexp '^..:..:.. failed '
	assert_line --regexp '^summary: 2 tasks: 2 done in [0-9.]+s \(1 needed retries\)$'
	[ "$(effects_of t)" -eq 4 ] && [ "$(effects_of child)" -eq 1 ] ||
	    fail "starts: $(cat effects)"
	run q "SELECT weft_state, weft_exit_code, task_fail_count FROM task
	    WHERE weft_task_id = 't';"
	assert_output 'done|0|3'
	run tries_in 0001 t
	assert_output '0|failed|exit 5
1|failed|exit 5
2|failed|exit 5
3|done|-'
	run weft tasks
	assert_success
	assert_line --regexp '^t +done +4 '
}

@test "a walltime timeout is retried like any failure" {
	write_flow <<'EOF'
weft: 1
apps:
  slow:
    command: 'n=$(($(cat @DIR@/w.count 2>/dev/null || echo 0) + 1)); echo $n >@DIR@/w.count; if [ $n -eq 1 ]; then @SLEEP@ 30; fi'
    walltime: 1s
    retries: 1
main:
  - {id: w, app: slow}
EOF
	local t0
	t0=$(now_us)
	run --separate-stderr weft run flow.yaml
	assert_success
	[ $(( ($(now_us) - t0) / 1000000 )) -lt 15 ] ||
	    fail "the walltime did not stop the first try in time"
	assert_event 'retry    w timeout after 1s (walltime) (retry 1 of 1)'
	assert_line --regexp '^..:..:.. done +w [0-9.]+s$'
	run tries_in 0001 w
	assert_output '0|timeout|timeout after 1s (walltime)
1|done|-'
}
