#!/usr/bin/env bash
#
# record.sh: what recording a function call costs weft, next to the
# least that SQLite alone takes to store that call's rows (recordfloor.c),
# and next to what the issue's goal (monitoring costs at most 10% of the
# rate) leaves for it on this machine.  In each of R rounds it runs N
# calls of the no-op plugin function with monitoring on, then off, then
# recordfloor on an empty copy of the monitoring database's schema, and
# reports the median round of each.  See bench/README.md.

set -u

usage()
{
	cat <<EOF
usage: bench/record.sh [-n N] [-j J] [-r R]

  -n N   function calls per run          (WEFT_BENCH_N, default 100000)
  -j J   calls at a time                 (WEFT_BENCH_JOBS, default 2)
  -r R   rounds; the median is reported (WEFT_BENCH_REPEAT, default 5)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to; the C compiler is \$CC, default cc.  It needs pkg-config and
SQLite's headers (to build recordfloor) and the sqlite3 command.
EOF
}

die()
{
	echo "record.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

n=${WEFT_BENCH_N:-100000}
jobs=${WEFT_BENCH_JOBS:-2}
repeat=${WEFT_BENCH_REPEAT:-5}

while [ $# -gt 0 ]; do
	case $1 in
	-n)	[ $# -ge 2 ] || die "-n needs a value"; n=$2; shift 2 ;;
	-j)	[ $# -ge 2 ] || die "-j needs a value"; jobs=$2; shift 2 ;;
	-r)	[ $# -ge 2 ] || die "-r needs a value"; repeat=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done

bench_positive "$n" "$jobs" "$repeat"
bench_weft
bench_cc
command -v sqlite3 >/dev/null 2>&1 || die "the sqlite3 command is needed"
command -v pkg-config >/dev/null 2>&1 || die "pkg-config is needed"
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed"
bench_tmp

bench_noop
# shellcheck disable=SC2046
"$cc" -O2 -o "$tmp/recordfloor" "$srcdir/bench/recordfloor.c" \
    $(pkg-config --cflags --libs sqlite3) || die "cannot build recordfloor"
for mon in true false; do
	mkdir "$tmp/$mon"
	bench_call_flow "$tmp/$mon/calls.yaml" "$n" "$jobs" "$mon"
done

# The schema, with its indexes, of a database that this weft made.
(cd "$tmp/true" && "$weft" run -q calls.yaml >/dev/null) ||
    die "weft failed: see $tmp/true/.weft"
sqlite3 "$tmp/true/.weft/monitoring.db" .schema |
    grep -v '^CREATE TABLE sqlite_sequence' | sqlite3 "$tmp/empty.db" ||
    die "cannot copy the schema"

# run_weft MON: one run, its wall and CPU seconds (every process of it,
# as its parents reaped them) appended to $tmp/MON.times.
run_weft()
{
	local d="$tmp/$1"

	rm -rf "$d/.weft"
	(cd "$d" && /usr/bin/time -f '%e %U %S' -o "$d/time" \
	    "$weft" run -q calls.yaml >"$d/out" 2>"$d/err") ||
	    die "weft (monitoring $1) failed: $(cat "$d/err")"
	grep -q "^summary: $n tasks: $n done" "$d/out" ||
	    die "weft (monitoring $1) did not do all $n calls: $(cat "$d/out")"
	awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$d/time" >>"$tmp/$1.times"
}

run_floor()
{
	rm -f "$tmp/floor.db" "$tmp/floor.db-wal" "$tmp/floor.db-shm"
	cp "$tmp/empty.db" "$tmp/floor.db"
	"$tmp/recordfloor" "$tmp/floor.db" "$n" >"$tmp/floor.out" ||
	    die "recordfloor failed"
	# "N calls, R rows, S s of CPU: ..."
	awk '{ print $5 }' "$tmp/floor.out" >>"$tmp/floor.times"
}

for _ in $(seq 1 "$repeat"); do
	run_weft true
	run_weft false
	run_floor
done

# median FILE COLUMN: the median of a column of numbers.
median()
{
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '
	    { v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
		  else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

on_s=$(median "$tmp/true.times" 1)
on_cpu=$(median "$tmp/true.times" 2)
off_s=$(median "$tmp/false.times" 1)
off_cpu=$(median "$tmp/false.times" 2)
floor_cpu=$(median "$tmp/floor.times" 1)
cores=$(nproc)

awk -v n="$n" -v on_s="$on_s" -v on_cpu="$on_cpu" -v off_s="$off_s" \
    -v off_cpu="$off_cpu" -v floor="$floor_cpu" -v cores="$cores" \
    -v j="$jobs" -v r="$repeat" 'BEGIN {
	on = n / on_s; off = n / off_s
	printf "%d no-op calls, %d at a time, %d cores; medians of %d rounds\n\n", n, j, cores, r
	print "| what | calls/s | CPU us a call |"
	print "|---|--:|--:|"
	printf "| weft, monitoring on | %.0f | %.1f |\n", on, on_cpu * 1e6 / n
	printf "| weft, monitoring off | %.0f | %.1f |\n", off, off_cpu * 1e6 / n
	printf "| recording, weft (on - off) | | %.1f |\n", (on_cpu - off_cpu) * 1e6 / n
	printf "| recording, SQLite alone (recordfloor, one core) | %.0f | %.1f |\n", n / floor, floor * 1e6 / n
	printf "\nmonitoring on/off: %.2f\n", on / off
	# Monitoring at 10% of the rate: the run may take 1/0.9 of the time
	# with the same cores, so the recording may use that much more CPU.
	budget = cores * (1 / (0.9 * off) - 1 / off) * 1e6
	printf "CPU a call that a 10%% cost leaves for recording at %.0f calls/s: %.1f us (SQLite alone: %.1f)\n", off, budget, floor * 1e6 / n
	goal = cores * (1 / 100000 - 1 / (100000 / 0.9)) * 1e6
	printf "at the goal, 100000 calls/s on %d cores: %.1f us a call, if nothing else took any CPU\n", cores, goal
}'
