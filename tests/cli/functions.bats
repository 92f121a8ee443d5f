#!/usr/bin/env bats
#
# functions.bats: weft run of function apps.  Results flow into commands
# and functions by {ID.result}, one shell-quoted word each (no injection);
# arguments (foreach values first), inputs, outputs and the working
# directory reach the function; commands and functions mix in one graph,
# recorded with their kind and result (task.weft_result, tasks --json,
# schema version 2).  Each pool pre-starts exactly "jobs" workers titled
# "weft: worker P.K run NNNN" (none without function apps) and reuses
# them for every task; the init hook runs once per process that loads the
# plugin; a worker's log names its plugins, says the main body was not
# loaded, and holds the functions' stderr, its .out file their stdout
# (each call's part of both is in calloutput.bats); the example of weft-plugin(3)
# builds and runs as it says.  Crashes, failures, walltime, the result
# limit, status and kills are in isolation.bats; loading and its errors
# in plugins.bats; the test plugins are in tests/plugins/.

load setup
load monitoring
load plugins

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
}

@test "results reach commands via {ID.result}, one shell-quoted word each" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
apps:
  add:
    function: results.add
  echo:
    function: results.echo
  list:
    command: printf '[%s]\n' {a.result} {q1.result} {q2.result} {q3.result} {q4.result} {q5.result} > list.txt
  joined:
    command: printf '[%s]\n' {vals} > joined.txt
main:
  - id: a
    app: add
    foreach: {x: "1..3"}
    args: {y: "10"}
  - {id: q1, app: echo, args: {v: "'; touch pwned; '"}}
  - {id: q2, app: echo, args: {v: "$(touch pwned2)"}}
  - {id: q3, app: echo, args: {v: "two  words"}}
  - {id: q4, app: echo, args: {v: "*"}}
  - {id: q5, app: echo, args: {v: "{{x}}"}}
  - {id: list, app: list}
  - id: joined
    app: joined
    args: {vals: "{a.result}"}
  - id: fn
    app: echo
    args: {v: "<{a.result}>"}
EOF
	# {ID.result} makes each task depend on every task of ID: 3 + 5 into
	# list, 3 into joined, 3 into fn.
	run weft check flow.yaml
	assert_success
	assert_line 'tasks: 11'
	assert_line 'edges: 14'
	assert_line 'roots: 8'
	run --separate-stderr weft run flow.yaml
	assert_success
	assert_line --regexp '^summary: 11 tasks: 11 done in '
	[ ! -e pwned ] && [ ! -e pwned2 ] || fail "a result ran as shell code"
	run cat list.txt
	assert_output "[11]
[12]
[13]
['; touch pwned; ']
[\$(touch pwned2)]
[two  words]
[*]
[{x}]"
	# In args the words are joined by single spaces.
	run cat joined.txt
	assert_output '[11 12 13]'
	run result_of fn
	assert_output "'<11 12 13>'"
	run result_of 'a[x=2]'
	assert_output "'12'"
	run result_of q1
	assert_output "'''; touch pwned; '''"
}

@test "arguments, inputs, outputs and working directory reach the function" {
	mkdir sub
	write_flow sub/flow.yaml <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: ../plugins/libresults.so
apps:
  describe:
    function: results.describe
  show:
    command: printf '%s\n' {d.result} > described.txt
main:
  - id: d
    app: describe
    foreach: {b: [x, y], a: "1..2"}
    args: {z: "{a}-{b}", m: plain}
    inputs: ["in-{a}.txt", "data/in-{b}.txt"]
    outputs: "out-{b}-{a}.txt"
  - {id: show, app: show}
EOF
	# Inputs that no task makes must be there.
	mkdir sub/data
	touch sub/in-1.txt sub/in-2.txt sub/data/in-x.txt sub/data/in-y.txt
	# Run from elsewhere: the function runs in the workflow's folder.
	run --separate-stderr weft run sub/flow.yaml
	assert_success
	local w=$WEFT_WORK/sub
	run cat sub/described.txt
	assert_output "task=d[b=x,a=1]|attempt=0|args=b=x,a=1,z=1-x,m=plain|inputs=in-1.txt,data/in-x.txt|outputs=out-x-1.txt|cwd=$w
task=d[b=x,a=2]|attempt=0|args=b=x,a=2,z=2-x,m=plain|inputs=in-2.txt,data/in-x.txt|outputs=out-x-2.txt|cwd=$w
task=d[b=y,a=1]|attempt=0|args=b=y,a=1,z=1-y,m=plain|inputs=in-1.txt,data/in-y.txt|outputs=out-y-1.txt|cwd=$w
task=d[b=y,a=2]|attempt=0|args=b=y,a=2,z=2-y,m=plain|inputs=in-2.txt,data/in-y.txt|outputs=out-y-2.txt|cwd=$w"
}

@test "commands and functions in one graph: files, outputs and results" {
	mixed_flow
	weft_start run flow.yaml
	finish_run
	expect_exit 0
	expect_out_re '^summary: 8 tasks: 8 done in '
	run cat cat.txt
	assert_output "line-1
line-2"
	run cat report.txt
	assert_output '15 line-1 line-2'
	run cat empty.txt
	assert_output '<>
<cat.txt>'
	run q "SELECT value FROM weft_meta WHERE key = 'schema_version';"
	assert_output 7
	run q "SELECT weft_task_id, weft_app_kind, quote(weft_result)
	    FROM task WHERE run_id = '0001' ORDER BY task_id;"
	assert_output "gen[n=1]|command|NULL
gen[n=2]|command|NULL
cat|function|'14'
count|function|'15'
report|command|NULL
last|function|'report.txt done'
quiet|function|''
empty|command|NULL"
	run q "SELECT count(*), sum(weft_state = 'done') FROM try;"
	assert_output '8|8'
	# A function try's pid is a worker's, not main's.
	run q "SELECT count(*) FROM try r JOIN task t ON t.run_id = r.run_id
	    AND t.task_id = r.task_id WHERE t.weft_app_kind = 'function'
	    AND r.weft_pid > 0 AND r.weft_pid != $WEFT_PID;"
	assert_output 4
	# Every try, a function's too, has its final resource row: the
	# worker's CPU times and context switches over the call, its pid,
	# and its peak memory.
	run q "SELECT t.weft_app_kind, x.psutil_process_status,
	    count(*), sum(x.psutil_process_pid = r.weft_pid),
	    sum(x.psutil_process_time_user >= 0
	    AND x.psutil_process_time_system >= 0
	    AND x.psutil_process_num_ctx_switches_voluntary >= 0
	    AND x.psutil_process_num_ctx_switches_involuntary >= 0),
	    count(x.psutil_process_memory_resident),
	    sum(coalesce(x.psutil_process_memory_resident, 1) > 0)
	    FROM resource x JOIN try r USING (run_id, task_id, try_id)
	    JOIN task t USING (run_id, task_id)
	    WHERE x.weft_final = 1 AND t.weft_app_kind = 'function'
	    GROUP BY 1, 2;"
	assert_output "function|returned|4|4|4|4|4"
	run q "SELECT count(*) FROM resource WHERE weft_final = 1;"
	assert_output 8
	run weft tasks --json
	assert_success
	run jq -c '[.[] | [.task, .result]]' <<<"$output"
	assert_output '[["gen[n=1]",null],["gen[n=2]",null],["cat","14"],["count","15"],["report",null],["last","report.txt done"],["quiet",""],["empty",null]]'
	# Function tasks have no output files of their own; a command's
	# are where the record says (made with their first byte).
	run weft logs --json 'gen[n=1]'
	assert_success
	assert_output --partial "\"path\": \"$WEFT_WORK/.weft/runs/0001/tasks/gen[n=1]/try-0/stdout\""
	local id
	for id in cat count last quiet; do
		[ ! -e ".weft/runs/0001/tasks/$id" ] ||
		    fail "function task $id has a tasks/ folder"
	done
}

@test "jobs workers are pre-started, titled, and reused for every task" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
apps:
  gate: {command: "@SLEEP@ 3"}
  pid: {function: results.pid}
main:
  - {id: gate, app: gate}
  - id: p
    app: pid
    foreach: {n: "1..50"}
    needs: gate
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 1 || fail "the gate did not start: $(run_ctx)"
	# Before any function task: exactly two workers, 0.0 and 0.1.
	wait_for 5 count_workers 2 ||
	    fail "not 2 workers: $(worker_list); $(show_test_procs)"
	local names pids
	names=$(worker_list | awk '{ print $2 }' | sort | tr '\n' ' ')
	[ "$names" = '0.0 0.1 ' ] || fail "workers: $(worker_list)"
	pids=$(worker_pids | tr '\n' ' ')
	sleep 0.5
	[ "$(worker_pids | tr '\n' ' ')" = "$pids" ] ||
	    fail "workers changed: $pids, then $(worker_pids | tr '\n' ' ')"
	count_sleepers 1 || fail "the gate ended before the check; too slow"
	finish_run
	expect_exit 0
	expect_out_re '^summary: 51 tasks: 51 done in '
	# One try per task, its result the pid of the worker that ran it.
	run q "SELECT count(*), count(DISTINCT t.task_id) FROM task t
	    JOIN try r ON t.run_id = r.run_id AND t.task_id = r.task_id
	    WHERE t.weft_task_id LIKE 'p[%'
	    AND t.weft_result = CAST(r.weft_pid AS TEXT);"
	assert_output '50|50'
	# ... and that worker is one of the two pre-started ones.
	local p used
	used=$(q "SELECT DISTINCT weft_result FROM task
	    WHERE weft_task_id LIKE 'p[%';")
	[ "$(wc -l <<<"$used")" -le 2 ] || fail "more than 2 workers: $used"
	for p in $used; do
		in_list "$p" "$pids" ||
		    fail "pid $p ran a task; the workers were $pids"
	done
	[ -f .weft/runs/0001/worker-0.0.log ] &&
	    [ -f .weft/runs/0001/worker-0.1.log ] &&
	    [ ! -e .weft/runs/0001/worker-0.2.log ] ||
	    fail "worker logs: $(ls .weft/runs/0001)"
}

@test "each pool has its own workers: 2 pools x 1 job, workers 0.0 and 1.0" {
	write_flow <<'EOF'
weft: 1
config:
  jobs: 1
  provider: {kind: local, pools: 2}
plugins:
  results: plugins/libresults.so
apps:
  gate: {command: "@SLEEP@ 2"}
  pid: {function: results.pid}
main:
  - {id: gate, app: gate}
  - id: p
    app: pid
    foreach: {n: "1..6"}
    needs: gate
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 1 || fail "the gate did not start: $(run_ctx)"
	wait_for 5 count_workers 2 ||
	    fail "not 2 workers: $(worker_list); $(show_test_procs)"
	local names pids p
	names=$(worker_list | awk '{ print $2 }' | sort | tr '\n' ' ')
	[ "$names" = '0.0 1.0 ' ] || fail "workers: $(worker_list)"
	pids=$(worker_pids | tr '\n' ' ')
	finish_run
	expect_exit 0
	for p in $(q "SELECT DISTINCT weft_result FROM task
	    WHERE weft_task_id LIKE 'p[%';"); do
		in_list "$p" "$pids" || fail "pid $p is no worker of $pids"
	done
	[ -f .weft/runs/0001/worker-0.0.log ] &&
	    [ -f .weft/runs/0001/worker-1.0.log ] ||
	    fail "worker logs: $(ls .weft/runs/0001)"
}

@test "a workflow without function apps starts no worker" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
apps:
  nap: {command: "@SLEEP@ 1"}
main:
  - {id: n, app: nap}
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 1 || fail "the task did not start: $(run_ctx)"
	# By now the pool runs a task: it would have started its workers.
	local p c
	for p in $(weft_test_procs); do
		cmdline_of c "$p" || continue
		if [[ $c =~ ^weft:\ worker\  || $c =~ ^[^\ ]*weft\ worker( |$) ]]
		then
			fail "a worker: $p: $c"
		fi
	done
	finish_run
	expect_exit 0
	[ -z "$(ls .weft/runs/0001 | grep '^worker')" ] ||
	    fail "worker logs: $(ls .weft/runs/0001)"
}

@test "the init hook runs once in each process that loads the plugin" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
apps:
  s: {function: results.sleep_ms}
main:
  - id: s
    app: s
    foreach: {n: "1..2"}
    args: {ms: "800"}
EOF
	export WEFT_TEST_INIT_LOG=$WEFT_WORK/check.log
	run weft check flow.yaml
	assert_success
	run cat check.log
	[ "${#lines[@]}" -eq 1 ] || fail "check: init ran ${#lines[@]} times: $output"
	# Main, and each of the two workers (both busy at once).
	export WEFT_TEST_INIT_LOG=$WEFT_WORK/init.log
	weft_start run flow.yaml
	finish_run
	expect_exit 0
	run sort -n init.log
	[ "${#lines[@]}" -eq 3 ] || fail "init ran ${#lines[@]} times: $output"
	[ "$(sort -u init.log | wc -l)" -eq 3 ] || fail "repeated pids: $output"
	grep -qxF "$WEFT_PID" init.log || fail "not in main ($WEFT_PID): $output"
	local workers
	workers=$(q "SELECT DISTINCT weft_result FROM task;" | sort -n)
	[ "$(wc -l <<<"$workers")" -eq 2 ] || fail "workers: $workers"
	assert_equal "$(grep -vxF "$WEFT_PID" init.log | sort -n)" "$workers"
}

@test "a worker's log names its plugins and holds the functions' stderr, its .out their stdout" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
plugins:
  results: plugins/libresults.so
  crash: plugins/libcrash.so
apps:
  say: {function: results.say}
  ok: {function: crash.ok}
main:
  - {id: s, app: say, args: {msg: "hello-from-say"}}
  - {id: o, app: ok}
EOF
	run --separate-stderr weft run flow.yaml
	assert_success
	refute_output --partial hello-from-say
	[[ $stderr != *hello-from-say* ]] || fail "in weft's stderr: $stderr"
	local log=.weft/runs/0001/worker-0.0.log
	[ -f "$log" ] || fail "no $log: $(ls .weft/runs/0001)"
	grep -qE 'main body not loaded \(definitions mode, [1-9][0-9]* YAML events skipped\)' \
	    "$log" || fail "$log: $(cat "$log")"
	grep -E 'plugin' "$log" | grep -q 'results' ||
	    fail "$log does not name results: $(cat "$log")"
	grep -E 'plugin' "$log" | grep -q 'crash' ||
	    fail "$log does not name crash: $(cat "$log")"
	local out=.weft/runs/0001/worker-0.0.out
	grep -qF 'say-stdout: hello-from-say' "$out" &&
	    grep -qF 'say-stderr: hello-from-say' "$log" ||
	    fail "the function's output is not in $out and $log: $(cat "$out" "$log")"
	# Each stream in its own file, and nothing of weft's in the .out.
	assert_equal "$(cat "$out")" 'say-stdout: hello-from-say'
	run grep -F say-stdout "$log"
	assert_failure
	[ ! -e .weft/runs/0001/tasks/s ] && [ ! -e .weft/runs/0001/tasks/o ] ||
	    fail "function tasks have tasks/ folders"
	run grep -l hello-from-say .weft/runs/0001/weft.log \
	    .weft/runs/0001/pool-0.log
	assert_failure
}

# man_example NAME: the block NAME of weft-plugin(3), without its .Bd and
# .Ed lines and with the roff escapes \e and \& undone.
man_example()
{
	awk -v name="$1" '
	    $0 == ".\\\" example-begin " name { on = 1; next }
	    on && $0 == ".\\\" example-end" { exit }
	    on && /^\.(Bd|Ed)([ \t]|$)/ { next }
	    on {
		gsub(/\\&/, "")
		gsub(/\\e/, "\\")
		print
	    }' "$WEFT_SRCDIR/man/weft-plugin.3"
}

@test "the example of weft-plugin(3) builds, checks and runs as it says" {
	man_example stats.c >stats.c
	man_example stats.yaml >stats.yaml
	[ -s stats.c ] && [ -s stats.yaml ] ||
	    fail "no stats.c or stats.yaml example in weft-plugin(3)"
	# shellcheck disable=SC2086
	run ${CC:-cc} -shared -fPIC -Wall -Wextra -I"$WEFT_SRCDIR/include" \
	    -o libstats.so stats.c
	assert_success
	assert_output ''
	run weft check stats.yaml
	assert_success
	assert_line 'plugins: 1'
	assert_line 'functions: 1'
	run weft run stats.yaml
	assert_success
	assert_line --regexp '^summary: 4 tasks: 4 done in '
	run cat mean.txt
	assert_output 'mean is 8.83333'
	# The init hook reads the environment, in the workers too.
	STATS_DIGITS=3 run weft run stats.yaml
	assert_success
	run cat mean.txt
	assert_output 'mean is 8.83'
	STATS_DIGITS=0 run -2 weft check stats.yaml
	assert_output "stats.yaml:4:10: plugin 'stats': init failed: STATS_DIGITS must be 1 to 17, not '0'"
}

@test "300 calls beside 300 commands: every task and try row holds its own task's values" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins: {results: plugins/libresults.so}
apps:
  {add: {function: results.add},
   sh: {command: "echo {i}; exit $(({i} % 3 == 0))"}}
main:
  - id: a
    app: add
    foreach: {x: "1..300"}
    args: {y: "1000"}
  - id: s
    app: sh
    foreach: {i: "1..300"}
    allow_failure: true
EOF
	run weft run flow.yaml
	assert_success
	# The rows of many tasks and tries go to the database several in one
	# statement: each must still be its own task's.  N: the number in
	# the id ("a[x=12]").
	local n="CAST(substr(weft_task_id, 5, length(weft_task_id) - 5)
	    AS INTEGER)"
	run q "SELECT count(*) FROM task WHERE run_id = '0001' AND
	    weft_task_id LIKE 'a[x=%' AND weft_result = $n + 1000 AND
	    weft_function = 'add' AND weft_args =
	    '{\"x\":\"' || $n || '\",\"y\":\"1000\"}';"
	assert_output 300
	run q "SELECT count(*) FROM task WHERE run_id = '0001' AND
	    weft_task_id LIKE 's[i=%' AND weft_command =
	    'echo ' || $n || '; exit \$((' || $n || ' % 3 == 0))' AND
	    weft_exit_code = ($n % 3 = 0) AND weft_state =
	    CASE WHEN $n % 3 = 0 THEN 'failed' ELSE 'done' END;"
	assert_output 300
	# Each task's one try: its own exit, output and times, in order.
	run q "SELECT count(*) FROM try y JOIN task t ON t.run_id = y.run_id
	    AND t.task_id = y.task_id WHERE y.run_id = '0001' AND
	    y.try_id = 0 AND y.weft_exit_code = t.weft_exit_code AND
	    y.weft_state = CASE WHEN t.weft_exit_code = 0 THEN 'done'
	    ELSE 'failed' END AND y.weft_pid > 0 AND
	    y.task_try_time_launched <= y.task_try_time_running AND
	    y.task_try_time_running <= y.task_try_time_returned AND
	    t.task_time_returned >= y.task_try_time_returned AND
	    (t.weft_task_id LIKE 'a[%' AND y.weft_stdout_offset IS NOT NULL
	    OR t.weft_task_id LIKE 's[%' AND y.weft_stdout = t.task_stdout);"
	assert_output 600
	run q "SELECT count(*) FROM try WHERE run_id = '0001';"
	assert_output 600
	# A command's stdout is its own.
	run q "SELECT weft_task_id, task_stdout FROM task WHERE run_id =
	    '0001' AND weft_task_id IN ('s[i=7]', 's[i=299]');"
	local id path
	while IFS='|' read -r id path; do
		run cat "$path"
		assert_output "${id:4:${#id}-5}"
	done <<<"$output"
}
