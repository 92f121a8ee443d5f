#!/usr/bin/env bats
#
# monitoring.bats: what "weft run" records in .weft/monitoring.db, read
# back with the sqlite3 command-line tool: the workflow, task, try,
# status, resource, block and node rows of simple, failing, retried and
# interrupted runs; config.monitoring: false starts no router nor
# dbwriter and writes nothing; nothing is lost when the dbwriter or the
# router is SIGKILLed mid-run (main restarts it), nor while readers hold
# the database; when the router cannot be kept alive the run still
# succeeds and says once that the record is incomplete.  The 20,000-task
# count is in monitoring-big.bats.  A write-ahead log over 1 MiB is folded
# into its database (monitoring and cache) as the run closes it.

load setup
load monitoring

# A restart test kills helpers and waits for them to come back.
BATS_TEST_TIMEOUT=300
WEFT_CALL_TIMEOUT=200

# A workflow of every kind of outcome: three quick tasks, a failure and
# its dependent, a task that fails once and then succeeds, and one that
# fails all of its three tries.
mixed_flow()
{
	write_flow <<'EOF'
weft: 1
name: mixed
config: {jobs: 2}
apps:
  ok: {command: "true"}
  code: {command: "echo oops >&2; exit {c}"}
  flaky: {command: "if [ -e flaky.once ]; then exit 0; fi; touch flaky.once; exit 5", retries: 2}
  never: {command: "exit 4", retries: 2}
main:
  - id: ok
    app: ok
    foreach: {n: "1..3"}
  - {id: bad, app: code, args: {c: 3}}
  - {id: child, app: ok, needs: bad}
  - {id: flaky, app: flaky}
  - {id: never, app: never}
EOF
}

# run_mixed: runs mixed_flow; it must exit 1 (bad, child, never).
run_mixed()
{
	mixed_flow
	run -1 --separate-stderr weft run flow.yaml
	[ -f "$MON_DB" ] || fail "no $MON_DB after the run; ls .weft: $(ls -a .weft)"
}

@test "a run creates .weft/monitoring.db: WAL, schema version 7" {
	many_flow 3
	run weft run flow.yaml
	assert_success
	[ -f "$MON_DB" ] || fail "no $MON_DB; ls .weft: $(ls -a .weft)"
	run q "SELECT value FROM weft_meta WHERE key = 'schema_version';"
	assert_output 7
	run q "PRAGMA journal_mode;"
	assert_output wal
	refute_line --partial 'record incomplete'
}

@test "a successful run: workflow row completed with counts and exit 0" {
	many_flow 3
	run weft run flow.yaml
	assert_success
	run q "SELECT run_id, workflow_name, weft_state, weft_exit_code,
	    weft_task_count, tasks_completed_count, tasks_failed_count,
	    weft_monitoring_complete, rundir FROM workflow;"
	assert_output "0001|many|done|0|3|3|0|1|$WEFT_WORK/.weft/runs/0001"
	run q "SELECT time_began IS NOT NULL, time_completed IS NOT NULL,
	    julianday(time_completed) >= julianday(time_began),
	    abs(julianday(time_completed) - julianday('now', 'localtime')) < 0.01
	    FROM workflow;"
	assert_output "1|1|1|1"
	run q "SELECT time_began FROM workflow;"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}$'
}

@test "a successful run: a task row per task, a try row per task" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  make: {command: "echo {n} > {outputs}"}
  sum: {command: "cat {inputs} > {outputs}"}
main:
  - id: sim
    app: make
    foreach: {n: [1, 2]}
    outputs: "out-{n}.txt"
  - {id: mean, app: sum, inputs: "{sim.outputs}", outputs: mean.txt}
EOF
	run weft run flow.yaml
	assert_success
	run q "SELECT task_id, weft_task_id, task_func_name, weft_app_kind,
	    weft_state, weft_exit_code, task_fail_count
	    FROM task WHERE run_id = '0001' ORDER BY task_id;"
	assert_output "0|sim[n=1]|make|command|done|0|0
1|sim[n=2]|make|command|done|0|0
2|mean|sum|command|done|0|0"
	run q "SELECT task_depends, task_inputs, task_outputs, task_stdout,
	    task_stderr FROM task WHERE weft_task_id = 'mean';"
	assert_output --regexp "^(0,1|1,0)\|\[ *\"out-1.txt\", *\"out-2.txt\" *\]\|\[ *\"mean.txt\" *\]\|$WEFT_WORK/.weft/runs/0001/tasks/mean/try-0/stdout\|$WEFT_WORK/.weft/runs/0001/tasks/mean/try-0/stderr\$"
	run q "SELECT task_id, try_id, block_id, task_executor,
	    hostname IS NOT NULL AND hostname != '', weft_pid > 0,
	    weft_exit_code, task_try_time_launched IS NOT NULL,
	    task_try_time_running IS NOT NULL,
	    task_try_time_returned IS NOT NULL,
	    julianday(task_try_time_returned) >= julianday(task_try_time_running)
	    FROM try WHERE run_id = '0001' ORDER BY task_id;"
	assert_output "0|0|0|local|1|1|0|1|1|1|1
1|0|0|local|1|1|0|1|1|1|1
2|0|0|local|1|1|0|1|1|1|1"
}

@test "a successful task has exactly the 5 statuses, in order" {
	many_flow 3
	run weft run flow.yaml
	assert_success
	for id in 't[i=1]' 't[i=2]' 't[i=3]'; do
		run status_seq "$id"
		assert_output "$MON_OK_SEQ"
	done
	run q "SELECT count(*) FROM status WHERE run_id = '0001';"
	assert_output 15
	# The try of running and later statuses is recorded.
	run q "SELECT count(*) FROM status WHERE run_id = '0001'
	    AND task_status_name IN ('running', 'running_ended', 'exec_done')
	    AND try_id = 0;"
	assert_output 9
}

@test "one job at a time: each try is recorded ended before the next one runs" {
	# The record never shows one slot running two tries: a try's end
	# is the time its process was reaped, before the next one starts.
	many_flow 200
	sed -i 's/jobs: 2/jobs: 1/' flow.yaml
	run weft run flow.yaml
	assert_success
	run q "SELECT count(*), count(task_try_time_returned) FROM try
	    WHERE run_id = '0001';"
	assert_output '200|200'
	run q "SELECT count(*) FROM (SELECT task_try_time_running AS running,
	    lag(task_try_time_returned) OVER (ORDER BY
	    task_try_time_running) AS before FROM try WHERE run_id = '0001')
	    WHERE before > running;"
	assert_output 0
}

@test "a fan-out of 300: each task's 5 statuses, in order, carry its try's own times; one final resource row each" {
	many_flow 300
	run weft run flow.yaml
	assert_success
	run q "SELECT count(*) FROM status WHERE run_id = '0001';"
	assert_output 1500
	# Each task's statuses, by time, are the five of a success, each
	# with its try.
	local ok='pending/0 launched/0 running/0 running_ended/0 exec_done/0'
	run q "SELECT count(*) FROM (SELECT group_concat(task_status_name ||
	    '/' || coalesce(try_id, '-'), ' ') AS seq FROM (SELECT * FROM
	    status WHERE run_id = '0001' ORDER BY task_id, timestamp, rowid)
	    GROUP BY task_id) WHERE seq = '$ok';"
	assert_output 300
	# The times are the task's own: those of its try row, which other
	# events wrote.
	run q "SELECT count(*) FROM try y
	    JOIN status l ON l.run_id = y.run_id AND l.task_id = y.task_id
	    AND l.task_status_name = 'launched'
	    JOIN status r ON r.run_id = y.run_id AND r.task_id = y.task_id
	    AND r.task_status_name = 'running'
	    JOIN status e ON e.run_id = y.run_id AND e.task_id = y.task_id
	    AND e.task_status_name = 'running_ended'
	    WHERE y.run_id = '0001' AND l.timestamp = y.task_try_time_launched
	    AND r.timestamp = y.task_try_time_running
	    AND e.timestamp = y.task_try_time_returned;"
	assert_output 300
	run q "SELECT count(*), count(DISTINCT task_id), min(try_id),
	    max(try_id), count(psutil_process_time_user),
	    count(psutil_process_status) FROM resource
	    WHERE run_id = '0001' AND weft_final = 1;"
	assert_output '300|300|0|0|300|300'
	# And each resource row is its try's: the same process.
	run q "SELECT count(*) FROM resource x JOIN try y ON
	    y.run_id = x.run_id AND y.task_id = x.task_id AND
	    y.try_id = x.try_id WHERE x.run_id = '0001' AND
	    x.psutil_process_pid = y.weft_pid AND x.timestamp =
	    y.task_try_time_returned;"
	assert_output 300
}

@test "weft_command: a task's text once it is ready, in its row or after it; NULL for one never ready" {
	write_flow <<'EOF'
weft: 1
params: {go: "no"}
config: {jobs: 2}
apps:
  sh: {command: "sh -c {cmd}"}
main:
  - id: root
    app: sh
    foreach: {i: "1..40"}
    args: {cmd: "echo root {i}"}
  - {id: after, app: sh, needs: [root], args: {cmd: "echo after"}}
  - {id: bad, app: sh, args: {cmd: "exit 3"}}
  - {id: behind, app: sh, needs: [bad], args: {cmd: "echo never"}}
  - {id: cond, app: sh, when: "{params.go} == yes", args: {cmd: "echo cond"}}
  - {id: fix, app: sh, needs: [bad], when: on_failure, args: {cmd: "echo fix"}}
  - {id: tidy, app: sh, needs: [fix], when: always, args: {cmd: "echo tidy"}}
EOF
	run weft run flow.yaml
	assert_failure 1
	# The roots' commands went with their rows; the others' once ready.
	run q "SELECT count(*) FROM task WHERE run_id = '0001' AND
	    weft_task_id LIKE 'root[%' AND weft_command = 'sh -c ''echo root '
	    || substr(weft_task_id, 8, length(weft_task_id) - 8) || '''';"
	assert_output 40
	run q "SELECT weft_task_id || '=' || coalesce(weft_command, 'NULL')
	    FROM task WHERE run_id = '0001' AND weft_task_id NOT LIKE 'root[%'
	    ORDER BY task_id;"
	assert_output "after=sh -c 'echo after'
bad=sh -c 'exit 3'
behind=NULL
cond=NULL
fix=sh -c 'echo fix'
tidy=sh -c 'echo tidy'"
	run weft run flow.yaml --set go=yes
	assert_failure 1
	run q "SELECT coalesce(weft_command, 'NULL') FROM task WHERE
	    run_id = '0002' AND weft_task_id IN ('cond', 'behind')
	    ORDER BY task_id;"
	assert_output "NULL
sh -c 'echo cond'"
}

@test "a failing task: statuses end in failed, try and task rows say why" {
	run_mixed
	run status_seq bad
	assert_output 'pending launched running running_ended failed'
	run q "SELECT weft_state, weft_exit_code, task_fail_count
	    FROM task WHERE weft_task_id = 'bad';"
	assert_output 'failed|3|1'
	run q "SELECT r.try_id, r.weft_exit_code, r.weft_fail_reason
	    FROM try r JOIN task t USING (run_id, task_id)
	    WHERE t.weft_task_id = 'bad';"
	assert_output '0|3|exit 3'
	# The workflow row of a failed run is completed too.
	run q "SELECT weft_state, weft_exit_code, time_completed IS NOT NULL,
	    weft_task_count, tasks_completed_count, tasks_failed_count
	    FROM workflow WHERE run_id = '0001';"
	# done: ok x3, flaky; failed: bad, never; child, dep_fail, never
	# ran and is in neither count.
	assert_output 'failed|1|1|7|4|2'
}

@test "a dep_fail task: a dep_fail status, no try row" {
	run_mixed
	run status_seq child
	assert_output 'pending dep_fail'
	run q "SELECT weft_state FROM task WHERE weft_task_id = 'child';"
	assert_output dep_fail
	run q "SELECT count(*) FROM try r JOIN task t USING (run_id, task_id)
	    WHERE t.weft_task_id = 'child';"
	assert_output 0
	run q "SELECT count(*) FROM resource r JOIN task t
	    USING (run_id, task_id) WHERE t.weft_task_id = 'child';"
	assert_output 0
}

@test "retries: fail_retryable statuses, a try row per attempt, fail count" {
	run_mixed
	# Always failing, retries: 2: three tries, then failed.
	run q "SELECT r.try_id, r.weft_exit_code, r.weft_fail_reason
	    FROM try r JOIN task t USING (run_id, task_id)
	    WHERE t.weft_task_id = 'never' ORDER BY r.try_id;"
	assert_output '0|4|exit 4
1|4|exit 4
2|4|exit 4'
	run q "SELECT weft_state, weft_exit_code, task_fail_count
	    FROM task WHERE weft_task_id = 'never';"
	assert_output 'failed|4|3'
	run status_seq never
	assert_output --regexp '^pending '
	# Terminal statuses, in order: two retryable failures, then failed.
	run q "SELECT group_concat(n, ' ') FROM (SELECT DISTINCT
	    group_concat(s.task_status_name, ' ') OVER (ORDER BY s.timestamp,
	    s.rowid ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
	    AS n FROM status s JOIN task t USING (run_id, task_id)
	    WHERE t.weft_task_id = 'never' AND s.task_status_name IN
	    ('exec_done', 'failed', 'fail_retryable', 'dep_fail'));"
	assert_output 'fail_retryable fail_retryable failed'
	# Each try is launched, runs and ends; the try's statuses say which.
	run q "SELECT s.task_status_name, count(*),
	    group_concat(DISTINCT s.try_id)
	    FROM status s JOIN task t USING (run_id, task_id)
	    WHERE t.weft_task_id = 'never' AND s.task_status_name IN
	    ('launched', 'running', 'running_ended')
	    GROUP BY 1 ORDER BY 1;"
	assert_line --index 0 --regexp '^launched\|3\|'
	assert_line --index 1 --regexp '^running\|3\|[0-2],[0-2],[0-2]$'
	assert_line --index 2 --regexp '^running_ended\|3\|[0-2],[0-2],[0-2]$'
	run status_seq never
	assert_output --regexp ' failed$'

	# Fails once, then succeeds.
	run q "SELECT r.try_id, r.weft_exit_code FROM try r JOIN task t
	    USING (run_id, task_id) WHERE t.weft_task_id = 'flaky'
	    ORDER BY r.try_id;"
	assert_output '0|5
1|0'
	run q "SELECT weft_state, weft_exit_code, task_fail_count
	    FROM task WHERE weft_task_id = 'flaky';"
	assert_output 'done|0|1'
	run status_seq flaky
	assert_output --regexp '^pending launched running running_ended fail_retryable .*running_ended exec_done$'
}

@test "resource: one final row per try, with CPU times and memory" {
	run_mixed
	# Every try has exactly one final row; dep_fail tasks have none.
	run q "SELECT count(*) FROM try WHERE run_id = '0001';"
	assert_output 9
	run q "SELECT count(*), count(DISTINCT task_id || '/' || try_id)
	    FROM resource WHERE run_id = '0001' AND weft_final = 1;"
	assert_output '9|9'
	run q "SELECT count(*) FROM try r WHERE run_id = '0001' AND NOT EXISTS
	    (SELECT 1 FROM resource x WHERE x.run_id = r.run_id AND
	    x.task_id = r.task_id AND x.try_id = r.try_id AND x.weft_final = 1);"
	assert_output 0
	run q "SELECT count(*) FROM resource WHERE run_id = '0001'
	    AND weft_final = 1 AND (psutil_process_time_user IS NULL
	    OR psutil_process_time_system IS NULL
	    OR psutil_process_time_user < 0 OR psutil_process_time_system < 0
	    OR psutil_process_num_ctx_switches_voluntary IS NULL
	    OR psutil_process_num_ctx_switches_involuntary IS NULL
	    OR psutil_process_memory_resident <= 0);"
	assert_output 0
}

# The final row's memory is the task's own peak, from wait4: a command
# that holds 150 MB has more than that; one that holds nothing has no
# figure, since what Linux reports for it is the pool's memory (see
# weft-internals(7)), not a pool-sized one.
@test "resource: a command's final row has its own peak memory" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
apps:
  big: {command: "perl -e '$x = q(x) x 150000000; print length $x'"}
  small: {command: "true"}
main:
  - {id: big, app: big}
  - {id: small, app: small, needs: big}
EOF
	run weft run flow.yaml
	assert_success
	run q "SELECT t.weft_task_id, x.psutil_process_memory_resident >
	    150000000, quote(x.psutil_process_memory_resident) = 'NULL'
	    FROM resource x JOIN task t USING (run_id, task_id)
	    WHERE x.weft_final = 1 ORDER BY 1;"
	assert_output 'big|1|0
small||1'
}

# Parsl's columns that weft lacked; python_v is NULL, weft runs no
# Python; weft's own name for it, python_version, stays.
@test "the schema has Parsl's columns: python_v, context switches" {
	many_flow 2
	run weft run flow.yaml
	assert_success
	run q "SELECT count(*), count(python_v), count(python_version)
	    FROM node;"
	assert_output '1|0|0'
	run q "SELECT count(*) FROM resource WHERE weft_final = 1 AND
	    psutil_process_num_ctx_switches_voluntary +
	    psutil_process_num_ctx_switches_involuntary > 0;"
	assert_output 2
}

# As Parsl does, the version is the start time, to the second; a
# relative workflow path (main changes into the run directory) has one.
@test "workflow_version is the start time, for a relative path too" {
	many_flow 1
	run weft run flow.yaml
	assert_success
	run q "SELECT workflow_version, workflow_version =
	    substr(time_began, 1, 19) FROM workflow;"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\|1$'
}

# tasks_completed_count: tasks that ran and succeeded, not cached ones;
# tasks_failed_count: tasks that ran and failed for good, not dep_fail
# ones nor those whose input was missing.
@test "workflow counts: completed ran and succeeded, failed ran and failed" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  mk: {command: "echo x >{outputs}"}
  cat: {command: "cat {inputs}"}
  bad: {command: "exit 3"}
main:
  - {id: a, app: mk, outputs: a.txt}
  - {id: b, app: mk, outputs: b.txt}
  - {id: gone, app: cat, needs: a, inputs: nothere.txt}
  - {id: bad, app: bad}
  - {id: after, app: mk, outputs: c.txt, needs: bad}
EOF
	run weft run flow.yaml
	assert_failure 1
	run q "SELECT weft_task_id, weft_state FROM task WHERE run_id = '0001'
	    ORDER BY task_id;"
	assert_output 'a|done
b|done
gone|failed
bad|failed
after|dep_fail'
	run q "SELECT tasks_completed_count, tasks_failed_count FROM workflow
	    WHERE run_id = '0001';"
	assert_output '2|1'
	# Again: a and b are cached, not completed.
	run weft run --resume flow.yaml
	assert_failure 1
	run q "SELECT weft_task_id, weft_state FROM task WHERE run_id = '0002'
	    AND weft_task_id IN ('a', 'b') ORDER BY task_id;"
	assert_output 'a|cached
b|cached'
	run q "SELECT tasks_completed_count, tasks_failed_count FROM workflow
	    WHERE run_id = '0002';"
	assert_output '0|1'
}

@test "a long task gets resource samples every resource_interval" {
	write_flow <<'EOF'
weft: 1
config:
  jobs: 1
  monitoring: {resource_interval: 0.5}
apps:
  nap: {command: "@SLEEP@ 2.5"}
main:
  - {id: long, app: nap}
EOF
	run weft run flow.yaml
	assert_success
	run q "SELECT count(*) >= 2, count(*) <= 8 FROM resource
	    WHERE run_id = '0001' AND weft_final = 0 AND task_id = 0
	    AND try_id = 0;"
	assert_output '1|1'
	run q "SELECT count(*) FROM resource WHERE run_id = '0001'
	    AND weft_final = 1;"
	assert_output 1
	# Samples come from the running try and are spaced out in time.
	run q "SELECT count(*) FROM resource WHERE run_id = '0001'
	    AND weft_final = 0 AND (psutil_process_pid IS NULL
	    OR psutil_process_pid <= 0);"
	assert_output 0
	run q "SELECT (julianday(max(timestamp)) - julianday(min(timestamp)))
	    * 86400 >= 0.4 FROM resource WHERE run_id = '0001'
	    AND weft_final = 0;"
	assert_output 1
}

@test "monitoring: {enabled: true, resource_interval: 5}: recorded, not sampled every 0.5 s" {
	write_flow <<'EOF'
weft: 1
config:
  jobs: 1
  monitoring: {enabled: true, resource_interval: 5}
apps:
  nap: {command: "@SLEEP@ 0.5"}
main:
  - {id: t, app: nap}
EOF
	run weft run flow.yaml
	assert_success
	run q "SELECT sum(weft_final = 1), sum(weft_final = 0) <= 1
	    FROM resource WHERE run_id = '0001';"
	assert_output '1|1'
}

@test "a bad config.monitoring is a workflow error" {
	write_flow <<'EOF'
weft: 1
config:
  monitoring: {resource_interval: 0}
apps:
  t: {command: "true"}
main:
  - {id: t, app: t}
EOF
	run -2 --separate-stderr weft run flow.yaml
	[[ $stderr == flow.yaml:3:* ]] || fail "stderr: $stderr"
	[[ $stderr == *resource_interval* ]] || fail "stderr: $stderr"
	write_flow <<'EOF'
weft: 1
config:
  monitoring: {enabled: true, intervall: 2}
apps:
  t: {command: "true"}
main:
  - {id: t, app: t}
EOF
	run -2 --separate-stderr weft run flow.yaml
	[[ $stderr == *"unknown key 'intervall'"* ]] || fail "stderr: $stderr"
	[ ! -e .weft ] || fail "a workflow error created .weft"
}

@test "block and node rows for each pool" {
	write_flow <<'EOF'
weft: 1
config:
  jobs: 1
  provider: {kind: local, pools: 2}
apps:
  t: {command: "true"}
main:
  - id: t
    app: t
    foreach: {i: "1..4"}
EOF
	run weft run flow.yaml
	assert_success
	run q "SELECT block_id, count(*) FROM node WHERE run_id = '0001'
	    GROUP BY 1 ORDER BY 1;"
	assert_output '0|1
1|1'
	run q "SELECT DISTINCT block_id, group_concat(status, ' ') OVER
	    (PARTITION BY block_id ORDER BY timestamp, rowid ROWS BETWEEN
	    UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
	    FROM block WHERE run_id = '0001' ORDER BY 1;"
	assert_line --index 0 --regexp '^0\|running( .*)? exited$'
	assert_line --index 1 --regexp '^1\|running( .*)? exited$'
	[ "${#lines[@]}" -eq 2 ] || fail "expected 2 blocks: $output"
	# Tries name the pool that ran them.
	run q "SELECT count(*) FROM try WHERE run_id = '0001'
	    AND block_id NOT IN ('0', '1');"
	assert_output 0
}

# A pool can start after its run's only task has ended and so never be
# heard by the interchange; its block row still says running before
# exited.  With one task and four pools most runs have such a pool.
@test "every block runs before it exits, even a pool the run outran" {
	write_flow <<'EOF'
weft: 1
config:
  jobs: 1
  provider: {kind: local, pools: 4}
apps:
  t: {command: "true"}
main:
  - {id: t, app: t}
EOF
	for i in 1 2 3 4 5 6 7 8 9 10; do
		run weft run flow.yaml
		assert_success
	done
	run q "SELECT run_id || '/' || block_id, group_concat(status, ' ')
	    FROM (SELECT * FROM block ORDER BY timestamp, rowid)
	    GROUP BY run_id, block_id HAVING group_concat(status, ' ')
	    NOT GLOB 'running*exited';"
	assert_output ''
	run q "SELECT count(DISTINCT run_id || '/' || block_id) FROM block;"
	assert_output 40
}

# live_pool N: pool N runs; its pid in LIVE_POOL.
live_pool()
{
	LIVE_POOL=$(weft_helper_pid "pool $1")
}

# A pool SIGKILLed right after it sent results has not sent the events of
# its last batching window; how those tries ended must still be recorded
# (main writes it from the results).  Eight kills of two pools during
# 4000 short tasks: every try of the finished run has its end.
@test "SIGKILLed pools: every try of the finished run has its end" {
	write_flow <<'EOF'
weft: 1
config:
  jobs: 2
  provider: {kind: local, pools: 2}
apps:
  t: {command: "true"}
main:
  - id: t
    app: t
    foreach: {i: "1..4000"}
EOF
	weft_start run -q flow.yaml
	local k kills=0
	for k in 1 2 3 4 5 6 7 8; do
		wait_for 60 status_count_above $((k * 1800)) ||
		    fail "stuck before kill $k; stderr: $(cat "$WEFT_ERR")"
		# A pool that is being restarted is waited for.
		wait_for 10 live_pool $((k % 2)) || continue
		kill -KILL "$LIVE_POOL"
		kills=$((kills + 1))
	done
	wait_for 120 weft_exited || fail "the run did not end"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] ||
	    fail "exit $WEFT_STATUS; stderr: $(cat "$WEFT_ERR")"
	# The run may outpace the last kills on a fast machine; three is
	# what lost the ends of tries before.
	[ "$kills" -ge 3 ] || fail "only $kills pools killed"
	run q "SELECT count(*) FROM try WHERE run_id = '0001' AND
	    (task_try_time_returned IS NULL OR weft_state IS NULL);"
	assert_output 0
	# A try that ran to its end has its exit code, its running_ended
	# status and its final resource row.
	run q "SELECT count(*) FROM try r WHERE run_id = '0001' AND
	    weft_state = 'done' AND (weft_exit_code IS NOT 0 OR
	    NOT EXISTS (SELECT 1 FROM status s WHERE s.run_id = r.run_id
	    AND s.task_id = r.task_id AND s.try_id = r.try_id AND
	    s.task_status_name = 'running_ended') OR
	    NOT EXISTS (SELECT 1 FROM resource x WHERE x.run_id = r.run_id
	    AND x.task_id = r.task_id AND x.try_id = r.try_id AND
	    x.weft_final = 1));"
	assert_output 0
	run q "SELECT count(*), sum(weft_state = 'done') FROM task
	    WHERE run_id = '0001';"
	assert_output '4000|4000'
	# Each task's statuses end in exec_done.
	run q "SELECT count(*) FROM task t WHERE run_id = '0001' AND
	    (SELECT task_status_name FROM status s WHERE s.run_id = t.run_id
	    AND s.task_id = t.task_id ORDER BY timestamp DESC, rowid DESC
	    LIMIT 1) IS NOT 'exec_done';"
	assert_output 0
	run weft tasks --tries 1
	assert_success
	refute_output --partial running
}

# External readers are told to set a busy timeout: one without it saw
# "database is locked" while a restarted writer opened the database.
@test "weft-internals(7) tells external readers to set a busy timeout" {
	command -v mandoc >/dev/null 2>&1 || skip "mandoc is not installed"
	run mandoc -T ascii -O width=200 "$WEFT_SRCDIR/man/weft-internals.7"
	assert_success
	assert_output --partial "should therefore set a busy timeout"
	assert_output --partial "sqlite3 -cmd '.timeout 5000'"
	assert_output --partial "PRAGMA busy_timeout = 5000"
}

@test "SIGKILL of weft run: the router records the run as lost" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  quick: {command: "true"}
  nap: {command: "@SLEEP@ 300"}
main:
  - id: q
    app: quick
    foreach: {n: "1..4"}
  - {id: t, app: nap, needs: q}
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 1 ||
	    fail "the long task did not start; stderr: $(cat "$WEFT_ERR")"
	# Main's last batch of events (20 ms) dies with it: wait until the
	# quick tasks' ends are in the database, then kill.
	wait_for 20 q_done_is 4 || fail "the quick tasks were not recorded"
	kill -KILL "$WEFT_PID"
	wait_for 5 no_test_procs || fail "left behind: $(show_test_procs)"
	weft_reap
	run q "SELECT weft_state, time_completed IS NOT NULL,
	    tasks_completed_count, weft_monitoring_complete,
	    weft_exit_code IS NULL FROM workflow WHERE run_id = '0001';"
	assert_output 'lost|1|4|0|1'
}

@test "SIGINT: exit 130, workflow interrupted, killed and not_run tasks" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  nap: {command: "@SLEEP@ 300"}
main:
  - id: t
    app: nap
    foreach: {n: "1..3"}
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 2 ||
	    fail "tasks did not start; stderr: $(cat "$WEFT_ERR")"
	kill -INT "$WEFT_PID"
	wait_for 10 weft_exited || fail "weft run still runs 10 s after SIGINT"
	weft_reap
	[ "$WEFT_STATUS" -eq 130 ] ||
	    fail "exit status $WEFT_STATUS, not 130; stderr: $(cat "$WEFT_ERR")"
	run q "SELECT weft_state, weft_exit_code, time_completed IS NOT NULL,
	    weft_task_count, tasks_completed_count
	    FROM workflow WHERE run_id = '0001';"
	assert_output 'interrupted|130|1|3|0'
	run q "SELECT weft_state, count(*) FROM task WHERE run_id = '0001'
	    GROUP BY 1 ORDER BY 1;"
	assert_output 'killed|2
not_run|1'
	# Killed tasks end in failed; the one never started has no end.
	for id in $(q "SELECT weft_task_id FROM task WHERE run_id = '0001'
	    AND weft_state = 'killed';"); do
		run status_seq "$id"
		assert_output --regexp '^pending launched running .*failed$'
		run q "SELECT count(*), sum(weft_fail_reason IS NOT NULL)
		    FROM try r JOIN task t USING (run_id, task_id)
		    WHERE t.weft_task_id = '$id';"
		assert_output '1|1'
	done
	id=$(qv "SELECT weft_task_id FROM task WHERE run_id = '0001'
	    AND weft_state = 'not_run';")
	run status_seq "$id"
	assert_output pending
	wait_for 3 no_test_procs || fail "left behind: $(show_test_procs)"
}

# seen_monitor_while_running: polls the helpers until weft exits; sets
# SEEN to the titles of the routers and dbwriters it saw.
seen_monitor_while_running()
{
	local p c

	SEEN=
	while ! weft_exited; do
		for p in $(monitor_pids); do
			c=$(proc_cmdline "$p") && SEEN+="$c;"
		done
		sleep 0.05
	done
}

@test "router and dbwriter run with their titles and logs" {
	write_flow <<'EOF'
weft: 1
apps:
  nap: {command: "@SLEEP@ 1.5"}
main:
  - {id: t, app: nap}
EOF
	weft_start run flow.yaml
	seen_monitor_while_running
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "exit $WEFT_STATUS: $(cat "$WEFT_ERR")"
	[[ $SEEN == *"weft: router run 0001"* ]] || fail "seen: $SEEN"
	[[ $SEEN == *"weft: dbwriter run 0001"* ]] || fail "seen: $SEEN"
	[ -f .weft/runs/0001/router.log ] || fail "no router.log"
	[ -f .weft/runs/0001/dbwriter.log ] || fail "no dbwriter.log"
}

@test "config.monitoring: false: no router, no dbwriter, nothing written" {
	write_flow <<'EOF'
weft: 1
config: {monitoring: false}
apps:
  nap: {command: "@SLEEP@ 1.5"}
main:
  - {id: t, app: nap}
  - {id: u, app: nap, needs: t}
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 1 || fail "no task started: $(cat "$WEFT_ERR")"
	seen_monitor_while_running
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "exit $WEFT_STATUS: $(cat "$WEFT_ERR")"
	[ -z "$SEEN" ] || fail "monitoring helpers ran: $SEEN"
	grep -qE '^summary: 2 tasks: 2 done in ' "$WEFT_OUT" ||
	    fail "output: $(cat "$WEFT_OUT")"
	[ ! -e .weft/runs/0001/router.log ] || fail "router.log exists"
	[ ! -e .weft/runs/0001/dbwriter.log ] || fail "dbwriter.log exists"
	[ ! -e .weft/runs/0001/monitor.spool ] || fail "monitor.spool exists"
	! grep -q 'record incomplete' "$WEFT_OUT" "$WEFT_ERR" ||
	    fail "output: $(cat "$WEFT_OUT" "$WEFT_ERR")"

	# A monitored run next to it records itself, and not the first.
	write_flow <<'EOF'
weft: 1
config: {monitoring: true}
apps:
  t: {command: "true"}
main:
  - {id: t, app: t}
EOF
	run weft run flow.yaml
	assert_success
	run q "SELECT run_id FROM workflow;"
	assert_output 0002
	for t in task try status resource block node; do
		run q "SELECT count(*) FROM $t WHERE run_id = '0001';"
		assert_output 0
	done
	run q "SELECT count(*) FROM status WHERE run_id = '0002';"
	assert_output 5
}

@test "monitoring: {enabled: false} starts no monitoring helper either" {
	write_flow <<'EOF'
weft: 1
config: {monitoring: {enabled: false}}
apps:
  nap: {command: "@SLEEP@ 1"}
main:
  - {id: t, app: nap}
EOF
	weft_start run flow.yaml
	seen_monitor_while_running
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] || fail "exit $WEFT_STATUS: $(cat "$WEFT_ERR")"
	[ -z "$SEEN" ] || fail "monitoring helpers ran: $SEEN"
	if [ -e "$MON_DB" ]; then
		run q "SELECT count(*) FROM workflow;"
		assert_output 0
	fi
}

# restart_test ROLE: SIGKILLs ROLE ("dbwriter" or "router") of a run of
# 3002 quick tasks behind two gates twice, each time while events flow
# and a gate is shut: once the first rows are committed, and once the
# rows of the second phase come; the run must succeed and the record be
# exact.
restart_test()
{
	local role=$1 pid1 pid2 phase1

	gated_flow 1000 2
	weft_start run -q flow.yaml
	wait_for 60 status_count_above 0 ||
	    fail "no status row committed; stderr: $(cat "$WEFT_ERR")"
	pid1=$(monitor_pid "$role") || fail "no $role: $(show_test_procs)"
	kill -KILL "$pid1"
	wait_for 30 new_monitor_pid "$role" "$pid1" ||
	    fail "$role not restarted; weft.log: $(cat .weft/runs/0001/weft.log)"
	pid2=$NEW_PID
	# Phase 1: 1000 tasks of 5 statuses, 3 of the first gate, and the
	# pending status of the 2001 tasks behind it.
	phase1=$((1000 * 5 + 3 + 2001))
	touch gate
	wait_for 60 status_count_above "$phase1" ||
	    fail "nothing written after the first gate opened"
	weft_exited && fail "the run ended while the second gate was shut"
	kill -KILL "$pid2"
	wait_for 30 new_monitor_pid "$role" "$pid2" ||
	    fail "$role not restarted twice; weft.log: $(cat .weft/runs/0001/weft.log)"
	touch gate2
	wait_for 150 weft_exited || fail "the run did not end"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] ||
	    fail "exit $WEFT_STATUS; stderr: $(cat "$WEFT_ERR")"
	grep -qE '^summary: 3002 tasks: 3002 done in ' "$WEFT_OUT" ||
	    fail "output: $(cat "$WEFT_OUT")"
	! grep -q 'record incomplete' "$WEFT_OUT" "$WEFT_ERR" ||
	    fail "after 2 kills: $(cat "$WEFT_OUT" "$WEFT_ERR")"
	grep -qiE "$role.*restart|restart.*$role" .weft/runs/0001/weft.log ||
	    fail "weft.log does not mention the restart: $(grep -i "$role" .weft/runs/0001/weft.log)"
	check_exact_run 3002
}

@test "SIGKILL of the dbwriter mid-run: restarted, nothing lost" {
	restart_test dbwriter
}

@test "SIGKILL of the router mid-run: restarted, nothing lost" {
	restart_test router
}

# reader_out_lines N: the held reader has printed at least N lines.
reader_out_lines()
{
	[ "$(grep -c . reader.out 2>/dev/null)" -ge "$1" ]
}

@test "a reader holding a read transaction does not hurt the run" {
	gated_flow 1000
	weft_start run -q flow.yaml
	wait_for 60 status_count_above 0 ||
	    fail "no status row committed; stderr: $(cat "$WEFT_ERR")"
	# The reader opens a transaction, counts, and keeps it open until
	# the run has ended; then counts again inside it, and after it.
	(
		printf 'BEGIN;\nSELECT count(*) FROM status;\n'
		while [ ! -e release ]; do
			sleep 0.05
		done
		printf 'SELECT count(*) FROM status;\nCOMMIT;\n'
		printf 'SELECT count(*) FROM status;\n'
	) | sqlite3 -batch "$MON_DB" >reader.out 2>&1 &
	WEFT_BG_PIDS+=($!)
	wait_for 30 reader_out_lines 1 || fail "the reader printed nothing"
	touch gate
	wait_for 150 weft_exited || fail "the run did not end"
	weft_reap
	touch release
	wait_for 30 reader_out_lines 3 || fail "reader: $(cat reader.out)"
	[ "$WEFT_STATUS" -eq 0 ] ||
	    fail "exit $WEFT_STATUS; stderr: $(cat "$WEFT_ERR")"
	check_exact_run 2001
	mapfile -t counts <reader.out
	# The transaction really was open while the run wrote: it still
	# saw its first snapshot at the end.
	[ "${counts[0]}" = "${counts[1]}" ] && [ "${counts[0]}" -lt 10005 ] &&
	    [ "${counts[2]}" = 10005 ] || fail "reader saw: ${counts[*]}"
}

@test "a reader polling in a loop does not hurt the run" {
	gated_flow 1000
	weft_start run -q flow.yaml
	wait_for 60 status_count_above 0 ||
	    fail "no status row committed; stderr: $(cat "$WEFT_ERR")"
	(
		while [ ! -e release ]; do
			sqlite3 "$MON_DB" 'select count(*) from status' \
			    >>reader.out 2>>reader.err
		done
	) &
	WEFT_BG_PIDS+=($!)
	wait_for 30 reader_out_lines 3 || fail "reader: $(cat reader.*)"
	touch gate
	wait_for 150 weft_exited || fail "the run did not end"
	weft_reap
	touch release
	[ "$WEFT_STATUS" -eq 0 ] ||
	    fail "exit $WEFT_STATUS; stderr: $(cat "$WEFT_ERR")"
	check_exact_run 2001
	# The counts it saw never went down.
	sort -n -c reader.out || fail "counts went down: $(uniq reader.out)"
}

@test "the router dying for good: the run succeeds, record incomplete once" {
	local pid=none i

	gated_flow 200
	weft_start run flow.yaml
	wait_for 60 status_count_above 0 ||
	    fail "no status row committed; stderr: $(cat "$WEFT_ERR")"
	# main restarts a dead router at most 5 times; the sixth death
	# is final.
	for i in 1 2 3 4 5 6; do
		wait_for 60 new_monitor_pid router "$pid" ||
		    fail "router not restarted after $((i - 1)) kills;" \
		    "weft.log: $(cat .weft/runs/0001/weft.log)"
		pid=$NEW_PID
		kill -KILL "$pid"
		weft_exited && fail "weft run ended after $i router kills"
	done
	# That was the last: no seventh router comes.
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		if new_monitor_pid router "$pid"; then
			fail "a seventh router started after 5 restarts"
		fi
		sleep 0.25
	done
	touch gate
	wait_for 120 weft_exited || fail "the run did not end"
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ] ||
	    fail "exit $WEFT_STATUS; stderr: $(cat "$WEFT_ERR")"
	grep -qE '^summary: 401 tasks: 401 done in ' "$WEFT_OUT" ||
	    fail "output: $(cat "$WEFT_OUT")"
	run grep -c '^monitoring: record incomplete' "$WEFT_OUT"
	assert_output 1
	# Warned once: at most one more line about it on stderr.
	run grep -ciE 'monitor|router' "$WEFT_ERR"
	[ "$output" -le 1 ] || fail "stderr: $(cat "$WEFT_ERR")"
	# A workflow row, if any, says the record is not complete.
	if [ -e "$MON_DB" ]; then
		run q "SELECT count(*), ifnull(sum(weft_monitoring_complete
		    IS NOT 0), 0) FROM workflow WHERE run_id = '0001';"
		assert_output --regexp '^[01]\|0$'
	fi
	wait_for 3 no_test_procs || fail "left behind: $(show_test_procs)"
}

# pad_wal DB: DB's write-ahead log grows past 1 MiB (a table written and
# dropped), and stays so after sqlite3 closes it.
pad_wal()
{
	sqlite3 -cmd '.timeout 10000' -cmd '.dbconfig no_ckpt_on_close on' \
	    "$1" 'PRAGMA wal_autocheckpoint = 0; CREATE TABLE pad (x);
	    INSERT INTO pad SELECT randomblob(3000) FROM generate_series(1, 600);
	    DROP TABLE pad;' >/dev/null
	[ "$(stat -c %s "$1-wal")" -gt 1048576 ] || fail "$1-wal not padded"
}

@test "a write-ahead log over 1 MiB is folded in as its database closes; a small one is left" {
	local db=.weft/monitoring.db cache=.weft/cache/cache.db
	write_flow <<'EOF2'
weft: 1
apps:
  say: {command: 'echo hi >{outputs}'}
main:
  - {id: t, app: say, outputs: t.out}
EOF2
	run weft run -q flow.yaml
	assert_success
	# One run's log is small: it is left, saving the syncs of a fold.
	[ "$(stat -c %s "$db-wal")" -gt 0 ] || fail "a small WAL was folded"
	[ "$(stat -c %s "$cache-wal")" -gt 0 ] || fail "a small WAL was folded"
	pad_wal "$db"
	pad_wal "$cache"
	rm t.out
	run weft run -q flow.yaml
	assert_success
	[ "$(stat -c %s "$db-wal")" -eq 0 ] ||
	    fail "monitoring WAL: $(stat -c %s "$db-wal") bytes"
	[ "$(stat -c %s "$cache-wal")" -eq 0 ] ||
	    fail "cache WAL: $(stat -c %s "$cache-wal") bytes"
	grep -q "info: folded the WAL of $WEFT_WORK/$db ([0-9]* bytes) into it" \
	    .weft/runs/0002/dbwriter.log
	grep -q "info: folded the WAL of $WEFT_WORK/$cache ([0-9]* bytes) into it" \
	    .weft/runs/0002/weft.log
	# Nothing of either run is lost in the fold.
	[ "$(q "PRAGMA integrity_check")" = ok ]
	[ "$(q "SELECT group_concat(run_id || ':' || weft_state) FROM
	    (SELECT * FROM workflow ORDER BY run_id)")" = "0001:done,0002:done" ]
	[ "$(q "SELECT count(*) FROM task WHERE weft_state = 'done'")" = 2 ]
	[ "$(sqlite3 -readonly "$cache" "SELECT count(*) FROM entry")" = 1 ]
}
