# monitoring.bash: helpers for the monitoring suites (monitoring.bats,
# monitoring-big.bats), loaded after setup.bash.  Every query goes through
# the sqlite3 command-line tool, read-only, as a user would.
#
#   q SQL                   one query on .weft/monitoring.db of the test
#   qv SQL                  the same; the result must be one non-empty value
#   status_seq ID [RUN]     the statuses of task ID, in order, space-separated
#   status_count [RUN]      status rows of RUN (0 when the database is not
#                           there or is busy)
#   monitor_pid ROLE        pid of this test's "router" or "dbwriter"
#   monitor_pids            pids of every router and dbwriter of this test
#   gated_flow H [2]        H quick tasks, a gate task, H quick tasks that
#                           need the gate: the run cannot end before the
#                           test creates the file "gate"; with 2, a second
#                           gate (file "gate2", after the first) and H
#                           more tasks behind it
#   check_exact_run N [RUN] RUN (default 0001) of N successful tasks is in
#                           the database, exactly: every row, no more
#   tries_in RUN ID         "try|state|reason" of each try of ID in RUN

MON_DB=.weft/monitoring.db
# The statuses of a successful task, in order.
MON_OK_SEQ='pending launched running running_ended exec_done'

q()
{
	sqlite3 -batch -readonly -cmd '.timeout 10000' "$WEFT_WORK/$MON_DB" "$@"
}

# q_done_is N: exactly N tasks of run 0001 are recorded done.
q_done_is()
{
	[ -f "$WEFT_WORK/$MON_DB" ] &&
	    [ "$(q "SELECT count(*) FROM task WHERE run_id = '0001'
	    AND weft_state = 'done';" 2>/dev/null)" = "$1" ]
}

qv()
{
	local v

	v=$(q "$@") || return 1
	[ -n "$v" ] || { echo "qv: no result for: $*" >&2; return 1; }
	printf '%s\n' "$v"
}

status_seq()
{
	q "SELECT DISTINCT group_concat(s.task_status_name, ' ') OVER (
	    ORDER BY s.timestamp, s.rowid ROWS BETWEEN UNBOUNDED PRECEDING
	    AND UNBOUNDED FOLLOWING)
	    FROM status s JOIN task t
	    ON t.run_id = s.run_id AND t.task_id = s.task_id
	    WHERE t.run_id = '${2:-0001}' AND t.weft_task_id = '$1';"
}

status_count()
{
	local n

	[ -e "$WEFT_WORK/$MON_DB" ] || { echo 0; return; }
	n=$(q "SELECT count(*) FROM status WHERE run_id = '${1:-0001}';" \
	    2>/dev/null) || n=0
	echo "${n:-0}"
}

# status_count_above N [RUN]: more than N status rows are committed.
status_count_above()
{
	[ "$(status_count "${2:-0001}")" -gt "$1" ]
}

monitor_pid()
{
	local role=$1 p
	local -a args

	for p in $(weft_test_procs); do
		args=()
		mapfile -d '' args 2>/dev/null <"/proc/$p/cmdline"
		case "${args[*]}" in
		"weft: $role run "*)
			echo "$p"
			return 0 ;;
		esac
		if [ "${args[1]-}" = "$role" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

monitor_pids()
{
	local p
	local -a args

	for p in $(weft_test_procs); do
		args=()
		mapfile -d '' args 2>/dev/null <"/proc/$p/cmdline"
		case "${args[*]}" in
		"weft: router "*|"weft: dbwriter "*)
			echo "$p"
			continue ;;
		esac
		case ${args[1]-} in
		router|dbwriter)
			echo "$p" ;;
		esac
	done
}

# new_monitor_pid ROLE OLD: a ROLE runs whose pid is not OLD (sets NEW_PID).
new_monitor_pid()
{
	NEW_PID=$(monitor_pid "$1") && [ "$NEW_PID" != "$2" ]
}

gated_flow()
{
	{
		cat <<EOF
weft: 1
name: gated
config: {jobs: 2}
apps:
  t: {command: "true"}
  gate: {command: "while [ ! -e @DIR@/{file} ]; do @SLEEP@ 0.05; done"}
main:
  - id: a
    app: t
    foreach: {i: "1..$1"}
  - {id: gate, app: gate, args: {file: gate}}
  - id: b
    app: t
    foreach: {i: "1..$1"}
    needs: gate
EOF
		[ "${2:-1}" -lt 2 ] || cat <<EOF
  - {id: gate2, app: gate, args: {file: gate2}, needs: gate}
  - id: c
    app: t
    foreach: {i: "1..$1"}
    needs: gate2
EOF
	} | write_flow
}

# many_flow N: N tasks of "true", 2 at a time.
many_flow()
{
	write_flow <<EOF
weft: 1
name: many
config: {jobs: 2}
apps:
  t: {command: "true"}
main:
  - id: t
    app: t
    foreach: {i: "1..$1"}
EOF
}

# expect_eq WHAT WANT GOT
expect_eq()
{
	[ "$3" = "$2" ] || fail "$1: expected '$2', got '$3'"
}

check_exact_run()
{
	local n=$1 run=${2:-0001} got

	[ -f "$WEFT_WORK/$MON_DB" ] || fail "no $MON_DB"
	got=$(q "SELECT weft_state, time_completed IS NOT NULL,
	    weft_task_count, tasks_completed_count, tasks_failed_count,
	    weft_exit_code, weft_monitoring_complete
	    FROM workflow WHERE run_id = '$run';")
	expect_eq "workflow row (state|completed|tasks|done|failed|exit|complete)" \
	    "done|1|$n|$n|0|0|1" "$got"
	got=$(q "SELECT count(*), count(DISTINCT weft_task_id),
	    min(task_id), max(task_id), sum(weft_state = 'done')
	    FROM task WHERE run_id = '$run';")
	expect_eq "task rows (rows|ids|min|max|done)" \
	    "$n|$n|0|$((n - 1))|$n" "$got"
	got=$(q "SELECT count(*), count(DISTINCT task_id), max(try_id),
	    sum(weft_exit_code = 0) FROM try WHERE run_id = '$run';")
	expect_eq "try rows (rows|tasks|max try_id|exit 0)" \
	    "$n|$n|0|$n" "$got"
	got=$(q "SELECT count(*) FROM status WHERE run_id = '$run';")
	expect_eq "status rows" "$((n * 5))" "$got"
	# Every task has exactly the five statuses, in order.
	got=$(q "SELECT seq, count(*) FROM (SELECT DISTINCT task_id,
	    group_concat(task_status_name, ' ') OVER (PARTITION BY task_id
	    ORDER BY timestamp, rowid ROWS BETWEEN UNBOUNDED PRECEDING
	    AND UNBOUNDED FOLLOWING) AS seq
	    FROM status WHERE run_id = '$run') GROUP BY seq ORDER BY 2 DESC;")
	expect_eq "status sequences (sequence|tasks)" "$MON_OK_SEQ|$n" "$got"
	got=$(q "SELECT count(*), count(DISTINCT task_id)
	    FROM resource WHERE run_id = '$run' AND weft_final = 1;")
	expect_eq "final resource rows (rows|tasks)" "$n|$n" "$got"
}

# tries_in RUN ID: "try|state|reason" of each try of task ID in RUN, in
# order ("-": no reason).
tries_in()
{
	q "SELECT r.try_id, r.weft_state, coalesce(r.weft_fail_reason, '-')
	    FROM try r JOIN task t ON t.run_id = r.run_id
	    AND t.task_id = r.task_id WHERE t.run_id = '$1'
	    AND t.weft_task_id = '$2' ORDER BY r.try_id;"
}
