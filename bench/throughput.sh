#!/usr/bin/env bash
#
# throughput.sh: how fast weft pushes trivial tasks through, next to xargs
# (and GNU parallel, if installed) running the same tasks with the same
# parallelism, plus how long a one-task weft run takes from start to end.
#
# Every runner executes N tasks of "/bin/sh -c true", J at a time.  The
# runners alternate within each of R rounds, so drift on the machine hits
# them alike; each reports its best (fastest) round.  Timing uses
# date +%s%N and bash integer arithmetic only.  See bench/README.md.

set -u

usage()
{
	cat <<EOF
usage: bench/throughput.sh [-n N] [-j J] [-r R] [-l L] [--no-parallel]

  -n N            tasks per run              (WEFT_BENCH_N, default 2000)
  -j J            tasks at a time            (WEFT_BENCH_JOBS, default 2)
  -r R            rounds; the best is kept   (WEFT_BENCH_REPEAT, default 3)
  -l L            one-task runs for latency  (WEFT_BENCH_LATENCY_RUNS,
                  default 11; the median is kept)
  --no-parallel   skip GNU parallel even if it is installed

The weft binary is \$WEFT, default ./weft of the build this script
belongs to.
EOF
}

die()
{
	echo "throughput.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

n=${WEFT_BENCH_N:-2000}
jobs=${WEFT_BENCH_JOBS:-2}
repeat=${WEFT_BENCH_REPEAT:-3}
lat_runs=${WEFT_BENCH_LATENCY_RUNS:-11}
use_parallel=1

while [ $# -gt 0 ]; do
	case $1 in
	-n)	[ $# -ge 2 ] || die "-n needs a value"; n=$2; shift 2 ;;
	-j)	[ $# -ge 2 ] || die "-j needs a value"; jobs=$2; shift 2 ;;
	-r)	[ $# -ge 2 ] || die "-r needs a value"; repeat=$2; shift 2 ;;
	-l)	[ $# -ge 2 ] || die "-l needs a value"; lat_runs=$2; shift 2 ;;
	--no-parallel) use_parallel=0; shift ;;
	-h|--help) usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done

bench_positive "$n" "$jobs" "$repeat" "$lat_runs"

bench_weft
[ -x /bin/sh ] || die "no /bin/sh"

have_parallel=0
if [ "$use_parallel" = 1 ] && command -v parallel >/dev/null 2>&1 &&
    parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
	have_parallel=1
fi

bench_tmp

# The workflows: N tasks of "true", and one task for the latency runs.
mkdir "$tmp/many" "$tmp/one"
cat >"$tmp/many/bench.yaml" <<EOF
weft: 1
name: bench
config: {jobs: $jobs}
apps:
  t: {command: "true"}
main:
  - id: t
    app: t
    foreach: {i: "1..$n"}
EOF
cat >"$tmp/one/one.yaml" <<EOF
weft: 1
name: one
config: {jobs: 1}
apps:
  t: {command: "true"}
main:
  - id: t
    app: t
EOF
seq 1 "$n" >"$tmp/list"

now()
{
	date +%s%N
}

# Each runner runs the N tasks once and returns nonzero on any failure.
run_weft()
{
	"$weft" run -q -j "$jobs" "$tmp/many/bench.yaml" \
	    >"$tmp/weft.out" 2>"$tmp/weft.err" &&
	    grep -q "^summary: $n tasks: $n done" "$tmp/weft.out"
}

run_xargs()
{
	xargs -P "$jobs" -n 1 /bin/sh -c true <"$tmp/list"
}

run_parallel()
{
	parallel --will-cite -j "$jobs" /bin/sh -c true <"$tmp/list" \
	    >/dev/null 2>"$tmp/parallel.err"
}

# time_ns RUNNER: prints the elapsed nanoseconds of one run.
time_ns()
{
	local t0 t1

	t0=$(now)
	"$1" || return 1
	t1=$(now)
	echo $((t1 - t0))
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

median()
{
	local sorted

	mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
	echo "${sorted[$((${#sorted[@]} / 2))]}"
}

weft_failed()
{
	echo "throughput.sh: '$weft run' failed; its output:" >&2
	cat "$tmp/weft.out" "$tmp/weft.err" >&2
	exit 1
}

runners="weft xargs"
[ "$have_parallel" = 1 ] && runners="$runners parallel"

# One untimed round first, to warm caches.
run_weft || weft_failed
run_xargs || die "xargs failed"
[ "$have_parallel" = 1 ] && { run_parallel || die "GNU parallel failed"; }

declare -A best
for ((r = 1; r <= repeat; r++)); do
	for runner in $runners; do
		ns=$(time_ns "run_$runner") || {
			[ "$runner" = weft ] && weft_failed
			die "$runner failed"
		}
		# Run directories are kept until the end: deleting thousands
		# of files stalls this kind of file system for a while after,
		# which would slow whatever is measured next.
		if [ -z "${best[$runner]:-}" ] || [ "$ns" -lt "${best[$runner]}" ]; then
			best[$runner]=$ns
		fi
	done
done

lat=()
for ((r = 1; r <= lat_runs; r++)); do
	t0=$(now)
	"$weft" run -q "$tmp/one/one.yaml" >"$tmp/weft.out" 2>"$tmp/weft.err" ||
	    weft_failed
	t1=$(now)
	lat+=($((t1 - t0)))
done

echo "weft throughput benchmark"
echo "  weft:    $weft ($("$weft" --version 2>/dev/null | head -n 1))"
echo "  tasks:   $n x '/bin/sh -c true', $jobs at a time, best of $repeat rounds"
echo "  host:    $(nproc 2>/dev/null || echo '?') CPUs, $(uname -sr)"
echo
printf '%-22s %10s %10s\n' runner "best s" "tasks/s"
for runner in $runners; do
	case $runner in
	weft)		label="weft run -q -j $jobs" ;;
	xargs)		label="xargs -P $jobs" ;;
	parallel)	label="parallel -j $jobs" ;;
	esac
	ns=${best[$runner]}
	printf '%-22s %10s %10s\n' "$label" "$(fixed "$ns" 1000000000 3)" \
	    "$(fixed $((n * 1000000000)) "$ns" 1)"
done
[ "$have_parallel" = 1 ] ||
    echo "(GNU parallel not installed or skipped; not measured)"
echo
echo "ratio weft/xargs: $(fixed "${best[xargs]}" "${best[weft]}" 3)" \
    "(weft's tasks/s divided by xargs's; above 1 means weft is faster)"
echo "weft one-task run: $(fixed "$(median "${lat[@]}")" 1000000 1) ms" \
    "(median of $lat_runs runs of 'weft run -q' on a one-task workflow)"
