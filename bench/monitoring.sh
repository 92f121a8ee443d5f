#!/usr/bin/env bash
#
# monitoring.sh: what monitoring costs a run, and how fast the dbwriter
# writes.  Part 1 runs the same N-task workflow ("true", J at a time) with
# "monitoring: true" and "monitoring: false", alternating, R rounds each,
# and reports the best round of each in tasks/s and their ratio.  Part 2
# measures the writer's sustained rate on a backlog: during a run of W
# tasks the dbwriter is stopped (SIGSTOP) so that every event piles up in
# the router's spool; when all tasks are done it is continued (SIGCONT)
# and the time until the run's record is complete in the database gives
# rows written per second with the writer the only bottleneck.  See
# bench/README.md.

set -u

usage()
{
	cat <<EOF
usage: bench/monitoring.sh [-n N] [-j J] [-r R] [-w W]

  -n N   tasks per run, on and off       (WEFT_BENCH_N, default 5000)
  -j J   tasks at a time                 (WEFT_BENCH_JOBS, default 2)
  -r R   rounds of each; best is kept    (WEFT_BENCH_REPEAT, default 3)
  -w W   tasks of the writer-rate run    (WEFT_BENCH_WRITER_N, default
         20000; 0 skips it)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to.  Temporary files go in a bench-tmp.* directory under the
current directory (not /tmp, whose file creation is slow on some hosts
and would distort the numbers); it is removed at exit.
EOF
}

die()
{
	echo "monitoring.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

n=${WEFT_BENCH_N:-5000}
jobs=${WEFT_BENCH_JOBS:-2}
repeat=${WEFT_BENCH_REPEAT:-3}
wn=${WEFT_BENCH_WRITER_N:-20000}

while [ $# -gt 0 ]; do
	case $1 in
	-n)	[ $# -ge 2 ] || die "-n needs a value"; n=$2; shift 2 ;;
	-j)	[ $# -ge 2 ] || die "-j needs a value"; jobs=$2; shift 2 ;;
	-r)	[ $# -ge 2 ] || die "-r needs a value"; repeat=$2; shift 2 ;;
	-w)	[ $# -ge 2 ] || die "-w needs a value"; wn=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done

bench_positive "$n" "$jobs" "$repeat"
case $wn in
''|*[!0-9]*) die "'$wn' is not a number" ;;
esac

bench_weft
command -v sqlite3 >/dev/null 2>&1 || die "the sqlite3 command is needed"

tmp=$(mktemp -d "$PWD/bench-tmp.XXXXXX") || die "mktemp failed"
bgpid=
cleanup()
{
	if [ -n "$bgpid" ]; then
		kill -CONT -- "-$bgpid" 2>/dev/null
		kill -TERM -- "-$bgpid" 2>/dev/null
		wait "$bgpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# flow DIR N MONITORING: DIR/bench.yaml, N tasks of "true".
flow()
{
	mkdir -p "$1"
	bench_command_flow "$1/bench.yaml" "$2" "$jobs" "$3"
}

flow "$tmp/on" "$n" true
flow "$tmp/off" "$n" false

now()
{
	date +%s%N
}

# fixed VALUE SCALE DIGITS: VALUE/SCALE printed with DIGITS decimals.
fixed()
{
	local v=$1 s=$2 d=$3 p=1 i

	for ((i = 0; i < d; i++)); do
		p=$((p * 10))
	done
	v=$(( (v * p + s / 2) / s ))
	if [ "$d" -eq 0 ]; then
		echo "$v"
	else
		printf '%d.%0*d\n' $((v / p)) "$d" $((v % p))
	fi
}

weft_failed()
{
	echo "monitoring.sh: '$weft run' failed; its output:" >&2
	cat "$tmp/weft.out" "$tmp/weft.err" >&2
	exit 1
}

# run_one on|off: one run of the N tasks; fails unless all were done.
run_one()
{
	# No rm between rounds: see bench/README.md on file systems.
	"$weft" run -q "$tmp/$1/bench.yaml" >"$tmp/weft.out" \
	    2>"$tmp/weft.err" &&
	    grep -q "^summary: $n tasks: $n done" "$tmp/weft.out"
}

# q DB SQL: a read-only query.
q()
{
	sqlite3 -batch -readonly -cmd '.timeout 10000' "$1" "$2"
}

# Part 1: on and off, alternating; one untimed round of each first.
run_one on || weft_failed
run_one off || weft_failed
best_on=
best_off=
for ((r = 1; r <= repeat; r++)); do
	for mode in on off; do
		t0=$(now)
		run_one "$mode" || weft_failed
		t1=$(now)
		ns=$((t1 - t0))
		if [ "$mode" = on ]; then
			[ -z "$best_on" ] || [ "$ns" -lt "$best_on" ] &&
			    best_on=$ns
		else
			[ -z "$best_off" ] || [ "$ns" -lt "$best_off" ] &&
			    best_off=$ns
		fi
	done
done

# The monitored run left a complete record: 5 statuses per task.
db=$tmp/on/.weft/monitoring.db
got=$(q "$db" "SELECT count(*) FROM status WHERE run_id = '0001';") ||
    die "cannot read $db"
[ "$got" = $((n * 5)) ] ||
    die "the monitored run recorded $got statuses, not $((n * 5))"
# Rows of the last monitored run, and the span of its status timestamps.
run_rows=$(q "$db" "SELECT (SELECT count(*) FROM task) +
    (SELECT count(*) FROM try) + (SELECT count(*) FROM status) +
    (SELECT count(*) FROM resource) + (SELECT count(*) FROM block) +
    (SELECT count(*) FROM node) + (SELECT count(*) FROM workflow);")
run_span_us=$(q "$db" "SELECT CAST(round((julianday(max(timestamp)) -
    julianday(min(timestamp))) * 86400e6) AS INTEGER) FROM status;")

echo "weft monitoring benchmark"
echo "  weft:    $weft ($("$weft" --version 2>/dev/null | head -n 1))"
echo "  tasks:   $n x 'true', $jobs at a time, best of $repeat rounds"
echo "  host:    $(nproc 2>/dev/null || echo '?') CPUs, $(uname -sr)"
echo
printf '%-22s %10s %10s\n' monitoring "best s" "tasks/s"
printf '%-22s %10s %10s\n' on "$(fixed "$best_on" 1000000000 3)" \
    "$(fixed $((n * 1000000000)) "$best_on" 1)"
printf '%-22s %10s %10s\n' off "$(fixed "$best_off" 1000000000 3)" \
    "$(fixed $((n * 1000000000)) "$best_off" 1)"
echo
echo "ratio on/off: $(fixed "$best_off" "$best_on" 3)" \
    "(tasks/s with monitoring divided by without; 1 means free)"
if [ "${run_span_us:-0}" -gt 0 ]; then
	echo "recorded during a run: $(fixed $((run_rows * 1000000)) \
"$run_span_us" 0) rows/s ($run_rows rows over the" \
	    "$(fixed "$run_span_us" 1000 0) ms between first and last status;" \
	    "paced by the tasks, not the writer's limit)"
fi

[ "$wn" -gt 0 ] || exit 0

# Part 2: the writer's sustained rate on a backlog.
flow "$tmp/w" "$wn" true
wdb=$tmp/w/.weft/monitoring.db

# rows_of DB: rows of run 0001 in every table the writer fills.
rows_of()
{
	q "$1" "SELECT (SELECT count(*) FROM task WHERE run_id = '0001') +
	    (SELECT count(*) FROM try WHERE run_id = '0001') +
	    (SELECT count(*) FROM status WHERE run_id = '0001') +
	    (SELECT count(*) FROM resource WHERE run_id = '0001') +
	    (SELECT count(*) FROM block WHERE run_id = '0001') +
	    (SELECT count(*) FROM node WHERE run_id = '0001') +
	    (SELECT count(*) FROM workflow WHERE run_id = '0001');" \
	    2>/dev/null
}

# writer_pid: the dbwriter of the writer-rate run: titled "weft: dbwriter
# run 0001", in the session of the run started below.
writer_pid()
{
	ps -eww -o pid=,sid=,args= | S="$bgpid" awk '$2 == ENVIRON["S"] &&
	    $3 == "weft:" && $4 == "dbwriter" { print $1; exit }'
}

wait_until()
{
	local secs=$1 end
	shift
	end=$(( $(date +%s) + secs ))
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

has_status_rows()
{
	[ -f "$wdb" ] &&
	    [ "$(q "$wdb" "SELECT count(*) FROM status;" 2>/dev/null)" \
	    -gt 0 ] 2>/dev/null
}

# all_done: every task has ended: main logs that it waits for the record
# (the last "done" line may sit in its output buffer until then).
all_done()
{
	grep -q 'waiting for the monitoring record' \
	    "$tmp/w/.weft/runs/0001/weft.log" 2>/dev/null ||
	    [ "$(grep -c '^..:..:.. done ' "$tmp/w.out")" -ge "$wn" ] ||
	    ! kill -0 "$bgpid" 2>/dev/null
}

record_complete()
{
	[ "$(q "$wdb" "SELECT time_completed IS NOT NULL FROM workflow
	    WHERE run_id = '0001';" 2>/dev/null)" = 1 ]
}

setsid "$weft" run "$tmp/w/bench.yaml" >"$tmp/w.out" 2>"$tmp/w.err" &
bgpid=$!
wait_until 120 has_status_rows || die "no status row in $wdb"
wpid=$(writer_pid)
[ -n "$wpid" ] ||
    die "no process titled 'weft: dbwriter run 0001' in the run's session"
kill -STOP "$wpid" || die "cannot stop the dbwriter"
rows_stop=$(rows_of "$wdb")
wait_until 600 all_done || die "the tasks did not finish"
rows0=$(rows_of "$wdb")
t0=$(now)
kill -CONT "$wpid"
wait_until 600 record_complete || die "the record did not complete"
t1=$(now)
rows1=$(rows_of "$wdb")
wait "$bgpid"
st=$?
bgpid=
[ "$st" -eq 0 ] || { cat "$tmp/w.err" >&2; die "the run exited $st"; }
ns=$((t1 - t0))
drained=$((rows1 - rows0))
echo
echo "writer, $wn tasks: stopped with $rows_stop rows written; when all" \
    "tasks were done, $drained rows were waiting"
echo "writer sustained rate: $(fixed $((drained * 1000000000)) "$ns" 0)" \
    "rows/s ($drained rows in $(fixed "$ns" 1000000 0) ms after SIGCONT)"
