#!/usr/bin/env bash
#
# slots.sh: how much of the time each of the J slots has a task alive,
# for the floor (bench/floor.c) and for weft with monitoring on and off,
# all running N tasks of "/bin/sh -c true", J at a time.  The kernel's
# own record of every process start and end (perf's sched tracepoints)
# gives, for each runner:
#
#   occupancy  the tasks' lives added up, over J times the run's span:
#              1 would be a slot never empty
#   life       a task's mean time from its fork to its exit
#   gap        the mean time a slot stays empty between two tasks,
#              life / occupancy - life
#
# Throughput is J / (life + gap).  Unlike wall time, occupancy barely
# moves when the machine is slower or faster from one run to the next,
# so a change to weft's own path between two tasks shows in one round.
# See bench/README.md.

set -u

usage()
{
	cat <<EOF
usage: bench/slots.sh [-n N] [-j J] [-r R]
  -n N   tasks per run                 (WEFT_BENCH_N, default 5000)
  -j J   tasks at a time, every runner (WEFT_BENCH_JOBS, default 2)
  -r R   rounds; medians are reported  (WEFT_BENCH_REPEAT, default 3)

Needs perf (Debian: linux-perf) allowed to record scheduler events of
the whole machine: root, or kernel.perf_event_paranoid at -1.  The weft
binary is \$WEFT, default ./weft of this build; the C compiler (for
bench/floor.c) is \$CC, default cc.
EOF
}

die()
{
	echo "slots.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

n=${WEFT_BENCH_N:-5000} jobs=${WEFT_BENCH_JOBS:-2} rounds=${WEFT_BENCH_REPEAT:-3}
while getopts n:j:r:h opt; do
	case $opt in
	n)	n=$OPTARG ;;
	j)	jobs=$OPTARG ;;
	r)	rounds=$OPTARG ;;
	h)	usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
bench_positive "$n" "$jobs" "$rounds"

bench_weft
bench_cc
command -v perf >/dev/null 2>&1 || die "no perf (Debian: linux-perf)"
bench_tmp
"$cc" -O2 -o "$tmp/floor" "$srcdir/bench/floor.c" ||
    die "cannot build bench/floor.c"
events=sched:sched_process_fork,sched:sched_process_exit
perf record -q -a -e "$events" -o "$tmp/probe.data" -- true \
    >/dev/null 2>&1 ||
    die "perf cannot record scheduler events here (root, or" \
	"kernel.perf_event_paranoid at -1)"

for mon in true false; do
	cat >"$tmp/$mon.yaml" <<EOF
weft: 1
name: slots
config: {jobs: $jobs, monitoring: $mon}
apps:
  t: {command: "true"}
main:
  - {id: t, app: t, foreach: {i: "1..$n"}}
EOF
done

# slots DATA SPAWNER: "occupancy life_us gap_us tasks/s tasks" of the
# processes that SPAWNER (a comm prefix) forked and that ended whole
# (threads end with group_dead=false and are left out).
slots()
{
	perf script -i "$1" -F time,event,trace 2>/dev/null |
	    awk -v sp="comm=$2" -v jobs="$jobs" '
	{ t = $1; sub(":", "", t) }
	/sched_process_fork/ && index($0, sp) {
		match($0, /child_pid=[0-9]+/)
		born[substr($0, RSTART + 10, RLENGTH - 10)] = t
		next
	}
	/sched_process_exit/ && /group_dead=true/ {
		match($0, / pid=[0-9]+/)
		c = substr($0, RSTART + 5, RLENGTH - 5)
		if (!(c in born))
			next
		life += t - born[c]
		if (first == "" || born[c] < first)
			first = born[c]
		last = t
		tasks++
		delete born[c]
	}
	END {
		if (tasks == 0 || last <= first) {
			print "0 0 0 0 0"
			exit
		}
		occ = life / (jobs * (last - first))
		l = life / tasks
		printf "%.3f %.0f %.0f %.0f %d\n", occ, l * 1e6,
		    (l / occ - l) * 1e6, tasks / (last - first), tasks
	}'
}

# record NAME SPAWNER CMD...: one run under perf, its figures appended.
declare -A occ life gap rate
record()
{
	local name=$1 spawner=$2 out o l g r k
	shift 2
	(cd "$tmp" && perf record -q -a -e "$events" -o "$tmp/run.data" \
	    -- "$@" >"$tmp/run.out" 2>&1) ||
	    die "$name failed: $(tail -n 3 "$tmp/run.out")"
	out=$(slots "$tmp/run.data" "$spawner")
	read -r o l g r k <<<"$out"
	[ "$k" = "$n" ] || die "$name: saw $k of $n tasks start and end"
	occ[$name]+=" $o"
	life[$name]+=" $l"
	gap[$name]+=" $g"
	rate[$name]+=" $r"
}

# median "V ...": the middle value.
median()
{
	# shellcheck disable=SC2086 # a list of numbers
	printf '%s\n' $1 | sort -g | awk '{v[NR] = $1}
	    END {print v[int((NR + 1) / 2)]}'
}

echo "slots.sh: N=$n, $jobs at a time, $rounds rounds," \
    "$(nproc) CPUs, $(uname -sr)" >&2
for ((i = 1; i <= rounds; i++)); do
	record floor floor "$tmp/floor" "$n" "$jobs"
	record "weft" "weft:pool-" "$weft" run -q "$tmp/true.yaml"
	record "weft no-mon" "weft:pool-" "$weft" run -q "$tmp/false.yaml"
	rm -rf "$tmp/.weft"
	echo "slots.sh: round $i of $rounds done" >&2
done

echo "| runner | occupancy | task life µs | gap µs | tasks/s |"
echo "|---|--:|--:|--:|--:|"
for name in floor "weft" "weft no-mon"; do
	echo "| $name | $(median "${occ[$name]}") |" \
	    "$(median "${life[$name]}") | $(median "${gap[$name]}") |" \
	    "$(median "${rate[$name]}") |"
done
