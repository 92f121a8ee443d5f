#!/usr/bin/env bats
#
# runs-tasks.bats: "weft runs" and "weft tasks" read the monitoring
# database and never write it.  Most tests use a database built with the
# sqlite3 command from the schema in src/db.c and the rows of
# tests/fixtures/monitoring.sql (three runs: done, failed, still running);
# the last ones use the database of a real run.  Both commands must work
# while another process holds a read or a write transaction.

load setup
load dbfixture

# json EXPR INDEX [KEY]: element INDEX (or its KEY) of the JSON array on
# stdin, compact, as jq -c prints it; EXPR is "length", "keys" or "get".
json()
{
	if command -v jq >/dev/null 2>&1; then
		case $1 in
		length)	jq -c 'length' ;;
		keys)	jq -c ".[$2] | keys_unsorted" ;;
		get)	jq -c ".[$2][\"$3\"]" ;;
		esac
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c '
import json, sys
a = json.load(sys.stdin)
op = sys.argv[1]
if op == "length":
    v = len(a)
elif op == "keys":
    v = list(a[int(sys.argv[2])].keys())
else:
    v = a[int(sys.argv[2])][sys.argv[3]]
print(json.dumps(v, separators=(",", ":"), ensure_ascii=False))
' "$@"
	else
		skip "neither jq nor python3 is installed"
	fi
}

# hold_transaction KIND SECS: sqlite3 in the background holds a KIND
# ("read", "write" or "exclusive") transaction on .weft/monitoring.db for
# SECS seconds, then commits; returns once the transaction is held.  A
# write adds run RUN (default 0004).  Sets HOLD_PID.
hold_transaction()
{
	local begin body run=${3:-0004}

	case $1 in
	read)	begin='BEGIN;'
		body='SELECT count(*) FROM task;' ;;
	write)	begin='BEGIN IMMEDIATE;'
		body="INSERT INTO workflow (run_id, workflow_name, time_began,
		    weft_state) VALUES ('$run', 'new',
		    '2026-11-25 08:00:00.000000', 'running');" ;;
	exclusive)
		begin='BEGIN EXCLUSIVE;'
		body="INSERT INTO workflow (run_id, workflow_name, time_began,
		    weft_state) VALUES ('$run', 'new',
		    '2026-11-25 08:00:00.000000', 'running');" ;;
	esac
	{
		echo "$begin $body SELECT 'held';"
		sleep "$2"
		echo 'COMMIT;'
	} | sqlite3 .weft/monitoring.db >"$WEFT_WORK/hold.out" 2>&1 &
	HOLD_PID=$!
	WEFT_BG_PIDS+=("$HOLD_PID")
	wait_for 5 grep -q held "$WEFT_WORK/hold.out"
}

@test "runs and tasks print their usage with --help" {
	run weft runs --help
	assert_success
	assert_line --index 0 'usage: weft runs [--json] [-f FILE | -C DIR | --run-dir DIR]'
	assert_line --partial '--json'
	assert_line --partial '--run-dir DIR'
	run weft tasks --help
	assert_success
	assert_line --index 0 \
	    'usage: weft tasks [--tries] [--json] [--state STATE] [-f FILE | -C DIR | --run-dir DIR] [RUN]'
	assert_line --partial '--state STATE'
	assert_line --partial '--tries'
	run weft --help
	assert_success
	assert_line --partial '  runs '
	assert_line --partial '  tasks '
}

@test "runs lists every run, oldest first, with the spec's columns" {
	make_db
	run weft runs
	assert_success
	assert_output "\
RUN   NAME      STARTED              DURATION  STATE        TASKS  DONE  FAILED
0001  pi        2026-11-22 04:55:12  1.23s     done             4     4       0
0002  sweep     2026-11-23 10:00:00  2.50s     failed           5     1       3
0003  live      2026-11-24 09:00:00  -         running          3     1       0"
}

@test "runs --json prints an array of objects with the spec's keys" {
	make_db
	run weft runs --json
	assert_success
	run json length <<<"$output"
	assert_output 3
	run weft runs --json
	local out=$output
	run json keys 0 <<<"$out"
	assert_output '["run","name","started","completed","duration","state","tasks","done","failed","exit_code","monitoring_complete"]'
	run json get 0 run <<<"$out"
	assert_output '"0001"'
	run json get 0 started <<<"$out"
	assert_output '"2026-11-22 04:55:12.250000"'
	run json get 0 duration <<<"$out"
	assert_output 1.23
	run json get 1 failed <<<"$out"
	assert_output 3
	run json get 1 exit_code <<<"$out"
	assert_output 1
	run json get 1 monitoring_complete <<<"$out"
	assert_output true
	run json get 2 completed <<<"$out"
	assert_output null
	run json get 2 duration <<<"$out"
	assert_output null
	run json get 2 exit_code <<<"$out"
	assert_output null
	run json get 2 state <<<"$out"
	assert_output '"running"'
}

@test "runs orders runs by number, not as text" {
	make_db
	sql "INSERT INTO workflow (run_id, workflow_name, time_began,
	    weft_state) VALUES ('10000', 'big', '2026-11-26 00:00:00.0',
	    'running'), ('9999', 'nine', '2026-11-25 00:00:00.0', 'done');"
	run weft runs
	assert_success
	assert_line --index 4 --regexp '^9999   nine '
	assert_line --index 5 --regexp '^10000  big '
	run weft tasks
	assert_success
	assert_output 'TASK              STATE     TRIES  DURATION  EXIT'
}

@test "tasks shows the newest run by default" {
	make_db
	run weft tasks
	assert_success
	assert_output "\
TASK              STATE     TRIES  DURATION  EXIT
a                 done          1     0.50s  0
b                 running       1         -  -
c                 pending       0         -  -"
}

@test "tasks RUN shows that run: tries, last try's time, exit or signal" {
	make_db
	local want="\
TASK              STATE     TRIES  DURATION  EXIT
sim[seed=1]       done          1     0.01s  0
sim[seed=2]       failed        2     0.25s  3
t                 failed        1     2.00s  SIGKILL
mean              dep_fail      0         -  -
late              not_run       0         -  -"
	run weft tasks 2
	assert_success
	assert_output "$want"
	run weft tasks 0002
	assert_output "$want"
	run weft tasks 000002
	assert_output "$want"
}

@test "tasks --state keeps the tasks in that state" {
	make_db
	run weft tasks --state failed 2
	assert_success
	assert_output "\
TASK              STATE     TRIES  DURATION  EXIT
sim[seed=2]       failed        2     0.25s  3
t                 failed        1     2.00s  SIGKILL"
	run weft tasks 2 --state dep_fail
	assert_success
	assert_output "\
TASK              STATE     TRIES  DURATION  EXIT
mean              dep_fail      0         -  -"
	run weft tasks --state=not_run 2
	assert_line --index 1 --regexp '^late  '
	run weft tasks --state pending
	assert_success
	assert_output "\
TASK              STATE     TRIES  DURATION  EXIT
c                 pending       0         -  -"
	run weft tasks --state running
	assert_success
	assert_output "\
TASK              STATE     TRIES  DURATION  EXIT
b                 running       1         -  -"
	run weft tasks --state killed 2
	assert_success
	assert_output 'TASK              STATE     TRIES  DURATION  EXIT'
	run weft tasks --state done 1
	assert_equal "${#lines[@]}" 5
}

@test "tasks --json prints an array of objects with the spec's keys" {
	make_db
	run weft tasks --json 2
	assert_success
	local out=$output
	run json length <<<"$out"
	assert_output 5
	run json keys 0 <<<"$out"
	assert_output '["task","task_id","state","tries","duration","exit_code","signal","reason","stdout","stderr","result","app","kind","command","function","plugin","args"]'
	run json get 1 task <<<"$out"
	assert_output '"sim[seed=2]"'
	run json get 1 task_id <<<"$out"
	assert_output 1
	run json get 1 tries <<<"$out"
	assert_output 2
	run json get 1 duration <<<"$out"
	assert_output 0.25
	run json get 1 exit_code <<<"$out"
	assert_output 3
	run json get 1 signal <<<"$out"
	assert_output null
	run json get 2 signal <<<"$out"
	assert_output '"SIGKILL"'
	run json get 2 exit_code <<<"$out"
	assert_output null
	# The reason is the last try's.
	run json get 1 reason <<<"$out"
	assert_output '"exit 3"'
	run json get 2 reason <<<"$out"
	assert_output '"killed by SIGKILL"'
	run json get 0 reason <<<"$out"
	assert_output null
	run json get 3 duration <<<"$out"
	assert_output null
	run json get 3 stderr <<<"$out"
	assert_output '"/w/.weft/runs/0002/tasks/mean/stderr"'
	run weft tasks --json --state failed 2
	run json length <<<"$output"
	assert_output 2
	run weft tasks --json --state killed 2
	assert_success
	assert_output '[]'
}

@test "tasks --tries: a row per try, in task order; states without a state column" {
	make_db
	run weft tasks --tries 2
	assert_success
	assert_output 'TASK              TRY  STATE     DURATION  EXIT     REASON
sim[seed=1]         0  done         0.01s  0        -
sim[seed=2]         0  failed       0.50s  3        exit 3
sim[seed=2]         1  failed       0.25s  3        exit 3
t                   0  failed       2.00s  SIGKILL  killed by SIGKILL'
	# The try that has not ended is running.
	run weft tasks --tries --state running 3
	assert_success
	assert_output 'TASK              TRY  STATE     DURATION  EXIT     REASON
b                   0  running          -  -        -'
	run weft tasks --tries --state done 2
	assert_equal "${#lines[@]}" 2
}

@test "tasks --tries --json: the keys of each try, its times and logs" {
	make_db
	run weft tasks --tries --json 2
	assert_success
	local out=$output
	run json length <<<"$out"
	assert_output 4
	run json keys 0 <<<"$out"
	assert_output '["task","task_id","try","state","pool","launched","started","ended","duration","exit_code","signal","reason","stdout","stderr"]'
	run json get 2 task <<<"$out"
	assert_output '"sim[seed=2]"'
	run json get 2 try <<<"$out"
	assert_output 1
	run json get 2 launched <<<"$out"
	assert_output '"2026-11-23 10:00:01.000000"'
	run json get 2 ended <<<"$out"
	assert_output '"2026-11-23 10:00:01.260000"'
	run json get 2 duration <<<"$out"
	assert_output 0.25
	run json get 3 signal <<<"$out"
	assert_output '"SIGKILL"'
	run json get 3 pool <<<"$out"
	assert_output '"0"'
	# A version 1 database: the same rows, without log paths.
	rm -f .weft/monitoring.db*
	make_db .weft 1
	run weft tasks --tries --json 2
	assert_success
	out=$output
	run json length <<<"$out"
	assert_output 4
	run json get 1 state <<<"$out"
	assert_output '"failed"'
	run json get 1 stdout <<<"$out"
	assert_output null
}

@test "tasks --tries of a real run: retries, a timeout, their logs" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  flaky:
    command: 'n=$(($(cat @DIR@/count 2>/dev/null || echo 0) + 1)); echo $n >@DIR@/count; echo "try $n"; [ $n -ge 3 ]'
    retries: 2
  slow: {command: sleep 30, walltime: 250ms}
main:
  - {id: flaky, app: flaky}
  - {id: slow, app: slow}
EOF
	run -1 weft run flow.yaml
	run weft tasks --tries
	assert_success
	assert_line --index 0 --regexp '^TASK +TRY +STATE +DURATION +EXIT +REASON$'
	assert_line --index 1 --regexp '^flaky +0 +failed +[0-9.]+s +1 +exit 1$'
	assert_line --index 2 --regexp '^flaky +1 +failed +[0-9.]+s +1 +exit 1$'
	assert_line --index 3 --regexp '^flaky +2 +done +[0-9.]+s +0 +-$'
	assert_line --index 4 --regexp '^slow +0 +timeout +[0-9.]+s +SIGTERM +timeout after 250ms \(walltime\)$'
	assert_equal "${#lines[@]}" 5
	run weft tasks --tries --state timeout --json
	run json length <<<"$output"
	assert_output 1
	run weft tasks --tries --json
	local out=$output n
	for n in 0 1 2; do
		run json get "$n" stdout <<<"$out"
		assert_output "\"$PWD/.weft/runs/0001/tasks/flaky/try-$n/stdout\""
		run cat "$PWD/.weft/runs/0001/tasks/flaky/try-$n/stdout"
		assert_output "try $((n + 1))"
	done
	# The task view names the last try's reason.
	run weft tasks --json
	run json get 1 reason <<<"$output"
	assert_output '"timeout after 250ms (walltime)"'
}

@test "tasks --tries refuses the task states, tasks refuses the try states" {
	make_db
	run weft tasks --tries --state pending 2
	assert_failure 2
	assert_output "weft tasks: invalid --state value 'pending' with --tries: expected one of running, done, failed, timeout, killed, lost"
	run weft tasks --state timeout 2
	assert_failure 2
	assert_output "weft tasks: invalid --state value 'timeout': expected one of done, cached, failed, dep_fail, skipped, killed, not_run, pending, running"
}

@test "without a database both say so, exit 2, and create nothing" {
	run weft runs
	assert_failure 2
	assert_line --index 0 "weft runs: no runs found: no .weft in $WEFT_WORK or any folder above it"
	run weft tasks
	assert_failure 2
	assert_line --index 0 "weft tasks: no runs found: no .weft in $WEFT_WORK or any folder above it"
	run weft tasks 3
	assert_failure 2
	run weft runs --run-dir elsewhere/
	assert_failure 2
	assert_output 'weft runs: no monitoring database at elsewhere/monitoring.db'
	[ ! -e .weft ] && [ ! -e elsewhere ] || fail "something was created"
	mkdir .weft
	run weft tasks --json
	assert_failure 2
	[ -z "$(ls -A .weft)" ] || fail "something was created in .weft"
}

@test "--run-dir names the folder that holds monitoring.db" {
	make_db "$WEFT_WORK/records"
	make_db "$WEFT_WORK/file:x"
	run weft runs --run-dir "$WEFT_WORK/records/"
	assert_success
	assert_line --index 3 --regexp '^0003  live '
	run weft tasks --run-dir records 1
	assert_success
	assert_line --index 4 --regexp '^mean  '
	run weft runs --run-dir 'file:x'
	assert_success
	assert_line --index 1 --regexp '^0001  pi '
}

@test "tasks names a run that is not there" {
	make_db
	run weft tasks 9
	assert_failure 2
	assert_output 'weft tasks: no run 0009 in .weft/monitoring.db'
	run weft tasks --run-dir .weft 12345
	assert_failure 2
	assert_output 'weft tasks: no run 12345 in .weft/monitoring.db'
}

@test "tasks rejects run numbers that are not run numbers" {
	local bad

	make_db
	for bad in abc -1 99999999999999999999 '' 0 0000 ' 7' '+7' 7x 1.5 \
	    4294967295 "1' OR '1'='1"; do
		run weft tasks -- "$bad"
		assert_failure 2
		assert_output "weft tasks: invalid run '$bad': expected a run number such as 7 or 0007"
	done
	run weft tasks -1
	assert_failure 2
	assert_line --index 0 "weft tasks: unknown option '-1'"
	run weft tasks 1 2
	assert_failure 2
	assert_line --index 0 'weft tasks: too many arguments'
}

@test "bad states and options are usage errors" {
	make_db
	run weft tasks --state lost
	assert_failure 2
	assert_output "weft tasks: invalid --state value 'lost': expected one of done, cached, failed, dep_fail, skipped, killed, not_run, pending, running"
	run weft tasks --state "done' OR 1=1 --"
	assert_failure 2
	run weft tasks --state
	assert_failure 2
	assert_line --index 0 "weft tasks: option '--state' needs an argument"
	run weft runs --run-dir
	assert_failure 2
	assert_line --index 0 "weft runs: option '--run-dir' needs an argument"
	run weft runs --run-dir ''
	assert_failure 2
	run weft runs --bogus
	assert_failure 2
	assert_line --index 0 "weft runs: unknown option '--bogus'"
	assert_line --index 1 "Try 'weft runs --help'."
	run weft runs 1
	assert_failure 2
	assert_line --index 0 'weft runs: too many arguments'
}

@test "an empty database has no runs" {
	mkdir .weft
	: >.weft/monitoring.db
	run weft runs
	assert_success
	assert_output 'RUN   NAME      STARTED              DURATION  STATE        TASKS  DONE  FAILED'
	run weft runs --json
	assert_success
	assert_output '[]'
	run weft tasks
	assert_failure 2
	assert_output 'weft tasks: no runs in .weft/monitoring.db'
	run weft tasks 1
	assert_failure 2
	assert_output 'weft tasks: no run 0001 in .weft/monitoring.db'
	schema_sql | sqlite3 .weft/monitoring.db
	run weft runs
	assert_success
	assert_equal "${#lines[@]}" 1
	run weft tasks
	assert_failure 2
	assert_output 'weft tasks: no runs in .weft/monitoring.db'
}

@test "a database from a newer weft is refused" {
	make_db
	sql "UPDATE weft_meta SET value = '99' WHERE key = 'schema_version'"
	run weft runs
	assert_failure 2
	assert_output 'weft runs: .weft/monitoring.db has schema version 99 (this weft reads version 7)'
}

@test "reading never changes the database" {
	local before

	make_db
	sql 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
	before=$(cksum <.weft/monitoring.db)
	run weft runs
	assert_success
	run weft runs --json
	run weft tasks --json 2
	run weft tasks --state failed 2
	assert_success
	assert_equal "$(cksum <.weft/monitoring.db)" "$before"
	assert_equal "$(sql 'SELECT count(*) FROM workflow')" 3
}

@test "control characters in names cannot reach the terminal" {
	make_db
	sql "UPDATE task SET weft_task_id = 'x[v=a' || char(10) || 'b' ||
	    char(27) || '[31m]' WHERE run_id = '0001' AND task_id = 0"
	run weft tasks 1
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --index 1 --regexp '^x\[v=a\?b\?\[31m\]  +done '
	run weft tasks --json 1
	run json get 0 task <<<"$output"
	assert_output '"x[v=a\nb\u001b[31m]"'
}

@test "both work while another process holds a read transaction" {
	make_db
	hold_transaction read 3
	run weft runs
	assert_success
	assert_line --index 3 --regexp '^0003  live '
	run weft tasks --json 2
	assert_success
	run weft tasks
	assert_success
	kill -0 "$HOLD_PID" || fail "the read transaction ended too early"
	wait "$HOLD_PID"
}

@test "both work, without waiting, while a writer holds its transaction" {
	local t0 t1

	make_db
	hold_transaction write 2
	t0=$(now_us)
	run weft runs
	t1=$(now_us)
	assert_success
	# WAL: the reader sees the last commit and does not wait for the next.
	assert_line --index 3 --regexp '^0003  live '
	refute_line --partial '0004'
	[ $(( t1 - t0 )) -lt 1500000 ] || fail "runs waited for the writer"
	run weft tasks 2
	assert_success
	assert_line --index 2 --regexp '^sim\[seed=2\] '
	wait "$HOLD_PID"
	run weft runs
	assert_success
	assert_line --index 4 --regexp '^0004  new '
}

@test "without WAL, both wait for an exclusive writer and then succeed" {
	make_db
	sql 'PRAGMA journal_mode=DELETE;' >/dev/null
	hold_transaction exclusive 2
	run weft runs
	assert_success
	# It waited for the commit, so it sees the new run.
	assert_line --index 4 --regexp '^0004  new '
	wait "$HOLD_PID"
	hold_transaction exclusive 2 0005
	run weft tasks
	assert_success
	assert_output 'TASK              STATE     TRIES  DURATION  EXIT'
	run weft runs
	assert_line --index 5 --regexp '^0005  new '
	wait "$HOLD_PID"
}

@test "runs and tasks are clean under valgrind" {
	command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
	make_db
	local args

	for args in "runs" "runs --json" "tasks" "tasks --json 2" \
	    "tasks --state failed 2" "tasks 9" "tasks abc" "tasks --tries 2" \
	    "tasks --tries --json --state failed 2" \
	    "runs --run-dir nowhere"; do
		# shellcheck disable=SC2086
		run valgrind -q --leak-check=full --error-exitcode=9 \
		    "$WEFT" $args
		[ "$status" -ne 9 ] || fail "valgrind: weft $args: $output"
	done
}

# The database of a real run, once the dbwriter writes one.
real_run()
{
	write_flow <<'EOF'
weft: 1
name: real
apps:
  ok: {command: "echo {n}"}
  bad: {command: "exit 3"}
main:
  - id: sim
    app: ok
    foreach: {n: "1..3"}
  - id: b
    app: bad
  - id: after
    app: ok
    args: {n: 0}
    needs: [b]
EOF
	run weft run -q flow.yaml
	assert_failure 1
	[ -f .weft/monitoring.db ] ||
	    skip "weft run wrote no monitoring database"
}

@test "runs and tasks read the database of a real run" {
	real_run
	run weft runs
	assert_success
	assert_line --index 1 --regexp '^0001  real  +[0-9-]{10} [0-9:]{8}  [0-9]+\.[0-9]{2}s +failed +5 +3 +2$'
	run weft tasks
	assert_success
	assert_line --index 1 --regexp '^sim\[n=1\]  +done  +1  +[0-9]+\.[0-9]{2}s  0$'
	assert_line --index 4 --regexp '^b  +failed  +1  +[0-9]+\.[0-9]{2}s  3$'
	assert_line --index 5 --regexp '^after  +dep_fail  +0  +-  -$'
	run weft tasks --state done 1
	assert_equal "${#lines[@]}" 4
	run weft tasks --json --state failed
	run json get 0 stderr <<<"$output"
	assert_output "\"$WEFT_WORK/.weft/runs/0001/tasks/b/try-0/stderr\""
}

@test "a live run: a started task is running; one killed with the run shows its signal" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
apps:
  nap: {command: "@SLEEP@ 300"}
  ok: {command: "true"}
main:
  - {id: first, app: ok}
  - {id: n, app: nap, needs: first}
  - {id: after, app: ok, needs: n}
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 1 || fail "no task started: $(cat "$WEFT_ERR")"
	running_shown()
	{
		run weft tasks
		[[ ${lines[2]} =~ ^n\ +running\ +1\ +-\ +-$ ]]
	}
	wait_for 10 running_shown || fail "n not running: $output"
	assert_line --index 1 --regexp '^first +done +1 '
	assert_line --index 3 --regexp '^after +pending +0 +- +-$'
	run weft tasks --state running
	assert_success
	[ "${#lines[@]}" -eq 2 ] || fail "not one running task: $output"
	assert_line --index 1 --regexp '^n +running '
	run weft tasks --state pending
	assert_line --index 1 --regexp '^after +pending '
	[ "${#lines[@]}" -eq 2 ] || fail "not one pending task: $output"
	run weft tasks --json --state running
	run jq -c '[.[] | [.task, .state, .signal]]' <<<"$output"
	assert_output '[["n","running",null]]'
	# Stopped: the pool ends it with SIGTERM, which the record keeps.
	run weft stop
	assert_success
	weft_reap
	run weft tasks
	assert_success
	assert_line --index 2 --regexp '^n +killed \(SIGTERM\) +1 +[0-9.]+s +SIGTERM$'
	assert_line --index 3 --regexp '^after +not_run +0 '
	run weft tasks --json --state killed
	run jq -c '[.[] | [.task, .state, .signal, .reason]]' <<<"$output"
	assert_output '[["n","killed","SIGTERM","killed: the run stopped"]]'
	run weft tasks --tries --state killed
	assert_line --index 1 --regexp '^n +0 +killed +[0-9.]+s +SIGTERM +killed: the run stopped$'
}

@test "a version 1 database: read as it is, then brought to version 7 by a run" {
	make_db .weft 1
	local old_resources
	old_resources=$(sql "SELECT count(*) FROM resource;")
	[ "$old_resources" -gt 0 ] || fail "no resource rows in the fixture"
	# The fixture's runs are 0001 to 0003: the next one must be 0004.
	mkdir -p .weft/runs/0003
	run weft tasks --json 1
	assert_success
	run json get 0 result <<<"$output"
	assert_output null
	write_flow <<'EOF2'
weft: 1
apps:
  hi: {command: "true"}
main:
  - {id: hi, app: hi}
EOF2
	run weft run flow.yaml
	assert_success
	assert_line --index 0 --partial "run 0004 in"
	run sql "SELECT value FROM weft_meta WHERE key = 'schema_version';"
	assert_output 7
	# The rows of the three old runs are all still there.
	run sql "SELECT count(*) FROM task WHERE run_id IN ('0001', '0002',
	    '0003');"
	assert_output 12
	run sql "SELECT count(*) FROM resource WHERE run_id IN ('0001',
	    '0002', '0003');"
	assert_output "$old_resources"
	# Version 3's columns: filled for the new run, NULL for the old.
	run sql "SELECT run_id = '0004',
	    count(psutil_process_num_ctx_switches_voluntary) > 0
	    FROM resource GROUP BY 1 ORDER BY 1;"
	assert_output '0|0
1|1'
	run sql "SELECT count(python_v) FROM node;"
	assert_output 0
	run sql "SELECT weft_state FROM try WHERE run_id = '0004';"
	assert_output done
	run weft tasks 1
	assert_success
}
