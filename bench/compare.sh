#!/usr/bin/env bash
#
# compare.sh: weft next to the floor (bench/floor.c), xargs -P, make -j
# and GNU parallel, all running the same trivial command tasks with the
# same parallelism, at several sizes; and weft's function calls with
# monitoring on and off.  Prints markdown tables of tasks/s and ratios,
# ready to paste into bench/README.md.
#
# Every command runner executes N tasks of "/bin/sh -c true", J at a
# time.  Within each of R rounds every runner runs once, always in the
# same order, so drift on the machine hits them alike; each reports the
# median of its rounds.  Timing uses date +%s%N and bash integer
# arithmetic only.  See bench/README.md.

set -u

usage()
{
	cat <<EOF
usage: bench/compare.sh [-n "N ..."] [-c "N ..."] [-j J] [-r R] [-p P]
			[-l L] [--commands-only | --calls-only] [--no-parallel]

  -n "N ..."       command tasks per run, one run per size
                   (WEFT_BENCH_SIZES, default "1000 10000 100000")
  -c "N ..."       function calls per run, one run per size
                   (WEFT_BENCH_CALL_SIZES, default the sizes of -n)
  -j J             tasks at a time, for every runner
                   (WEFT_BENCH_JOBS, default 2)
  -r R             rounds; the median is reported
                   (WEFT_BENCH_REPEAT, default 3)
  -p P             at most P tasks per GNU parallel run, whatever N
                   (WEFT_BENCH_PARALLEL_N, default 2000)
  -l L             one-task runs of weft and GNU parallel, interleaved;
                   the median is reported; 0 skips them
                   (WEFT_BENCH_START_RUNS, default 21)
  --commands-only  skip the function calls
  --calls-only     skip the command tasks
  --no-parallel    skip GNU parallel (otherwise it is installed with
                   apt-get when missing and running as root)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to; the C compiler (for bench/floor.c and the no-op plugin) is
\$CC, default cc.
EOF
}

die()
{
	echo "compare.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

sizes=${WEFT_BENCH_SIZES:-1000 10000 100000}
call_sizes=${WEFT_BENCH_CALL_SIZES:-}
jobs=${WEFT_BENCH_JOBS:-2}
repeat=${WEFT_BENCH_REPEAT:-3}
par_max=${WEFT_BENCH_PARALLEL_N:-2000}
start_runs=${WEFT_BENCH_START_RUNS:-21}
do_commands=1
do_calls=1
use_parallel=1

while [ $# -gt 0 ]; do
	case $1 in
	-n)	[ $# -ge 2 ] || die "-n needs a value"; sizes=$2; shift 2 ;;
	-c)	[ $# -ge 2 ] || die "-c needs a value"; call_sizes=$2; shift 2 ;;
	-j)	[ $# -ge 2 ] || die "-j needs a value"; jobs=$2; shift 2 ;;
	-r)	[ $# -ge 2 ] || die "-r needs a value"; repeat=$2; shift 2 ;;
	-p)	[ $# -ge 2 ] || die "-p needs a value"; par_max=$2; shift 2 ;;
	-l)	[ $# -ge 2 ] || die "-l needs a value"; start_runs=$2; shift 2 ;;
	--commands-only) do_calls=0; shift ;;
	--calls-only) do_commands=0; shift ;;
	--no-parallel) use_parallel=0; shift ;;
	-h|--help) usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done

[ -n "$call_sizes" ] || call_sizes=$sizes
[ "$do_commands" = 1 ] || [ "$do_calls" = 1 ] ||
    die "--commands-only and --calls-only leave nothing to run"

# One space between sizes, whatever separated them.
read -r -d '' -a list <<<"$sizes"
sizes=${list[*]}
read -r -d '' -a list <<<"$call_sizes"
call_sizes=${list[*]}
[ -n "$sizes" ] || die "-n: no sizes"
[ -n "$call_sizes" ] || die "-c: no sizes"

# shellcheck disable=SC2086 # lists of sizes
bench_positive $sizes $call_sizes "$jobs" "$repeat" "$par_max"
case $start_runs in
''|*[!0-9]*|0?*) die "'$start_runs' is not a count of runs" ;;
esac

bench_weft
[ -x /bin/sh ] || die "no /bin/sh"
bench_cc
if [ "$do_commands" = 1 ]; then
	command -v xargs >/dev/null 2>&1 || die "no xargs"
	command -v make >/dev/null 2>&1 || die "no make"
fi

is_gnu_parallel()
{
	command -v parallel >/dev/null 2>&1 &&
	    parallel --version 2>/dev/null | grep -q 'GNU parallel'
}

# GNU parallel: installed here if missing and we may, else skipped.
have_parallel=0
par_note=
if [ "$do_commands" = 1 ] && [ "$use_parallel" = 1 ]; then
	if ! is_gnu_parallel; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			echo "compare.sh: GNU parallel missing; installing it" \
			    "with apt-get" >&2
			export DEBIAN_FRONTEND=noninteractive
			apt-get install -y parallel >/dev/null 2>&1 || {
				apt-get update >/dev/null 2>&1 &&
				    apt-get install -y parallel >/dev/null 2>&1
			}
		fi
	fi
	if is_gnu_parallel; then
		have_parallel=1
	else
		par_note="GNU parallel not installed and could not be (not root, or apt-get failed): not measured"
		echo "compare.sh: $par_note" >&2
	fi
else
	par_note="GNU parallel skipped (--no-parallel)"
fi

bench_tmp

if [ "$do_commands" = 1 ]; then
	"$cc" -O2 -o "$tmp/floor" "$srcdir/bench/floor.c" ||
	    die "cannot build bench/floor.c"
fi
if [ "$do_calls" = 1 ]; then
	bench_noop
fi

# The inputs of one size, each in its own directory under $tmp/N.

# weft_flow DIR N MONITORING: DIR/bench.yaml, N tasks of "true".
weft_flow()
{
	mkdir -p "$1"
	bench_command_flow "$1/bench.yaml" "$2" "$jobs" "$3"
}

# call_flow DIR N MONITORING: DIR/bench.yaml, N calls of noop.noop.
call_flow()
{
	mkdir -p "$1"
	bench_call_flow "$1/bench.yaml" "$2" "$jobs" "$3"
}

# make_file DIR N: DIR/Makefile, N independent targets of /bin/sh -c true.
# The recipe has no shell syntax, so make runs /bin/sh itself, the same
# process the floor starts.
make_file()
{
	mkdir -p "$1"
	awk -v n="$2" 'BEGIN {
		print ".SUFFIXES:"
		printf ".PHONY: all"
		for (i = 1; i <= n; i++)
			printf " t%d", i
		printf "\nall:"
		for (i = 1; i <= n; i++)
			printf " t%d", i
		printf "\n"
		for (i = 1; i <= n; i++)
			printf "t%d:\n\t@/bin/sh -c true\n", i
	}' >"$1/Makefile"
}

# prepare_commands N: everything the command runners need at size N.
prepare_commands()
{
	local d=$tmp/$1

	mkdir -p "$d"
	seq 1 "$1" >"$d/list"
	seq 1 "$(par_n "$1")" >"$d/plist"
	make_file "$d/make" "$1"
	weft_flow "$d/weft-on" "$1" true
	weft_flow "$d/weft-off" "$1" false
}

prepare_calls()
{
	call_flow "$tmp/calls-$1/on" "$1" true
	call_flow "$tmp/calls-$1/off" "$1" false
}

# par_n N: how many tasks GNU parallel runs at size N.
par_n()
{
	if [ "$1" -gt "$par_max" ]; then
		echo "$par_max"
	else
		echo "$1"
	fi
}

now()
{
	date +%s%N
}

# The runners: run_NAME N runs the tasks of size N once and returns
# nonzero on any failure, leaving what it printed in $tmp/NAME.out.
run_floor()
{
	"$tmp/floor" "$1" "$jobs" >"$tmp/floor.out" 2>&1
}

run_xargs()
{
	xargs -P "$jobs" -n 1 /bin/sh -c true <"$tmp/$1/list" \
	    >"$tmp/xargs.out" 2>&1
}

run_make()
{
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s -j "$jobs" -f "$tmp/$1/make/Makefile" all \
	    >"$tmp/make.out" 2>&1
}

run_parallel()
{
	parallel --will-cite -j "$jobs" /bin/sh -c true <"$tmp/$1/plist" \
	    >"$tmp/parallel.out" 2>&1
}

# weft_in DIR N NAME: weft run of DIR/bench.yaml, in DIR; checks that
# the summary says all N tasks were done, and keeps in peak[NAME] the
# largest peak memory of main (KiB, from the run's weft.log) at size N.
declare -A peak
weft_in()
{
	local log kib

	(cd "$1" && exec "$weft" run -q -j "$jobs" bench.yaml) \
	    >"$tmp/$3.out" 2>&1 &&
	    grep -q "^summary: $2 tasks: $2 done" "$tmp/$3.out" || return 1
	log=$(find "$1/.weft/runs" -name weft.log -newer "$1/bench.yaml" \
	    -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 |
	    cut -d' ' -f2-)
	kib=$(sed -n "s/.*main's peak memory: \([0-9]*\) KiB.*/\1/p" \
	    "$log" 2>/dev/null | tail -n 1)
	[ -n "$kib" ] && [ "$kib" -gt "${peak[$3]:-0}" ] && peak[$3]=$kib
	return 0
}

# per_task NAME N: main's peak memory at size N in bytes per task.
per_task()
{
	if [ -n "${peak[$1]:-}" ]; then
		echo $(( peak[$1] * 1024 / $2 ))
	else
		echo -
	fi
}

run_weft()
{
	weft_in "$tmp/$1/weft-on" "$1" weft
}

run_weftoff()
{
	weft_in "$tmp/$1/weft-off" "$1" weftoff
}

run_callon()
{
	weft_in "$tmp/calls-$1/on" "$1" callon
}

run_calloff()
{
	weft_in "$tmp/calls-$1/off" "$1" calloff
}

label()
{
	case $1 in
	floor)		echo "the floor (bench/floor.c)" ;;
	xargs)		echo "xargs -P $jobs" ;;
	make)		echo "make -j $jobs" ;;
	parallel)	echo "GNU parallel -j $jobs" ;;
	weft)		echo "weft (monitoring on)" ;;
	weftoff)	echo "weft (monitoring off)" ;;
	callon)		echo "weft function calls (monitoring on)" ;;
	calloff)	echo "weft function calls (monitoring off)" ;;
	esac
}

# timed RUNNER N: one run; sets ns to its elapsed nanoseconds, or dies
# with what the runner printed.
timed()
{
	local t0 t1

	t0=$(now)
	if ! "run_$1" "$2"; then
		case $1 in
		weft*|call*)
			echo "compare.sh: $(label "$1") failed at N=$2 (it" \
			    "exited nonzero, or its summary did not say all $2" \
			    "done); its output:" >&2 ;;
		*)	echo "compare.sh: $(label "$1") failed at N=$2;" \
			    "its output:" >&2 ;;
		esac
		tail -n 20 "$tmp/$1.out" >&2
		exit 1
	fi
	t1=$(now)
	ns=$((t1 - t0))
}

# median NS...: the median; the mean of the middle two for an even count.
median()
{
	local sorted c

	mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
	c=${#sorted[@]}
	if ((c % 2)); then
		echo "${sorted[$((c / 2))]}"
	else
		echo $(((sorted[c / 2 - 1] + sorted[c / 2]) / 2))
	fi
}

# rate COUNT NS: hundredths of tasks per second.
rate()
{
	echo $(( ($1 * 100000000000 + $2 / 2) / $2 ))
}

# persec RATE: a rate in hundredths as whole tasks/s.
persec()
{
	echo $(( ($1 + 50) / 100 ))
}

# ratio A B: A/B with two decimals.
ratio()
{
	local h=$(( ($1 * 100 + $2 / 2) / $2 ))

	printf '%d.%02d' $((h / 100)) $((h % 100))
}

# rounds N RUNNER...: R interleaved rounds at size N; sets rates[RUNNER]
# to the rate of the median round.
declare -A rates
rounds()
{
	local n=$1 r runner count
	declare -A times

	shift
	peak=()
	for ((r = 1; r <= repeat; r++)); do
		for runner in "$@"; do
			timed "$runner" "$n"
			times[$runner]="${times[$runner]:-} $ns"
		done
	done
	for runner in "$@"; do
		count=$n
		[ "$runner" = parallel ] && count=$(par_n "$n")
		# shellcheck disable=SC2086 # a list of numbers
		rates[$runner]=$(rate "$count" "$(median ${times[$runner]})")
	done
}

cmd_runners="floor xargs make"
[ "$have_parallel" = 1 ] && cmd_runners="$cmd_runners parallel"
cmd_runners="$cmd_runners weft weftoff"

# One untimed round of every runner first, at a small size, to warm
# caches (and to fail early).
warm=100
if [ "$do_commands" = 1 ]; then
	prepare_commands "$warm"
	for runner in $cmd_runners; do
		timed "$runner" "$warm"
	done
fi
if [ "$do_calls" = 1 ]; then
	prepare_calls "$warm"
	timed callon "$warm"
	timed calloff "$warm"
fi

# one_task DIR: one timed "weft run -q" of DIR/bench.yaml (one task),
# checked after the clock stops; sets ns.
one_task()
{
	local t0 t1

	t0=$(now)
	(cd "$1" && exec "$weft" run -q bench.yaml) >"$tmp/one.out" 2>&1
	t1=$(now)
	ns=$((t1 - t0))
	grep -q '^summary: 1 task: 1 done' "$tmp/one.out" || {
		echo "compare.sh: a one-task weft run failed; its output:" >&2
		tail -n 20 "$tmp/one.out" >&2
		exit 1
	}
}

# one_parallel: one timed GNU parallel run of one task; sets ns.
one_parallel()
{
	local t0 t1

	t0=$(now)
	parallel --will-cite /bin/sh -c true ::: 1 >"$tmp/one.out" 2>&1 || {
		echo "compare.sh: a one-task GNU parallel run failed" >&2
		exit 1
	}
	t1=$(now)
	ns=$((t1 - t0))
}

# ms NS: nanoseconds as milliseconds with one decimal.
ms()
{
	local t=$(( ($1 + 50000) / 100000 ))

	printf '%d.%d' $((t / 10)) $((t % 10))
}

# The fixed cost of a run: L one-task runs of each, interleaved.
start_row=
if [ "$do_commands" = 1 ] && [ "$start_runs" -gt 0 ]; then
	echo "compare.sh: one-task runs, $start_runs of each" >&2
	weft_flow "$tmp/one-on" 1 true
	weft_flow "$tmp/one-off" 1 false
	one_on=() one_off=() one_par=()
	for ((r = 1; r <= start_runs; r++)); do
		one_task "$tmp/one-on"
		one_on+=("$ns")
		one_task "$tmp/one-off"
		one_off+=("$ns")
		if [ "$have_parallel" = 1 ]; then
			one_parallel
			one_par+=("$ns")
		fi
	done
	on=$(median "${one_on[@]}")
	start_row="| $(ms "$on") | $(ms "$(median "${one_off[@]}")")"
	if [ "$have_parallel" = 1 ]; then
		p=$(median "${one_par[@]}")
		start_row+=" | $(ms "$p") | $(ratio "$on" "$p") |"
	else
		start_row+=" | - | - |"
	fi
fi

# Run directories are kept until the end: deleting thousands of files
# stalls this kind of file system for a while after, which would slow
# whatever is measured next (see bench/README.md).
cmd_rows=()
if [ "$do_commands" = 1 ]; then
	for n in $sizes; do
		echo "compare.sh: commands, N=$n, $repeat rounds" >&2
		prepare_commands "$n"
		# shellcheck disable=SC2086 # a list of names
		rounds "$n" $cmd_runners
		w=${rates[weft]}
		if [ "$have_parallel" = 1 ]; then
			p=$(persec "${rates[parallel]}")
			pn=$(par_n "$n")
			[ "$pn" -lt "$n" ] && p="$p ($pn)"
			wp=$(ratio "$w" "${rates[parallel]}")
		else
			p=-
			wp=-
		fi
		row="| $n | $(persec "${rates[floor]}")"
		row+=" | $(persec "${rates[xargs]}") | $(persec "${rates[make]}")"
		row+=" | $p | $(persec "$w") | $(persec "${rates[weftoff]}")"
		row+=" | $(ratio "$w" "${rates[floor]}")"
		row+=" | $(ratio "$w" "${rates[make]}")"
		row+=" | $(ratio "$w" "${rates[xargs]}") | $wp"
		row+=" | $(ratio "$w" "${rates[weftoff]}")"
		row+=" | $(per_task weft "$n") |"
		cmd_rows+=("$row")
	done
fi

call_rows=()
if [ "$do_calls" = 1 ]; then
	for n in $call_sizes; do
		echo "compare.sh: function calls, N=$n, $repeat rounds" >&2
		prepare_calls "$n"
		rounds "$n" callon calloff
		row="| $n | $(persec "${rates[callon]}")"
		row+=" | $(persec "${rates[calloff]}")"
		row+=" | $(ratio "${rates[callon]}" "${rates[calloff]}")"
		row+=" | $(per_task callon "$n") |"
		call_rows+=("$row")
	done
fi

echo "weft comparison benchmark (bench/compare.sh)"
echo
echo "- date: $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "- host: $(nproc 2>/dev/null || echo '?') CPUs, $(uname -sr)"
echo "- weft: $("$weft" --version 2>/dev/null | head -n 1) ($weft)"
echo "- work: '/bin/sh -c true' per task, $jobs at a time, for every runner;" \
    "median of $repeat interleaved rounds"
if [ "$do_commands" = 1 ]; then
	if [ "$have_parallel" = 1 ]; then
		echo "- GNU parallel: $(parallel --will-cite --version 2>/dev/null |
		    head -n 1); at most $par_max tasks per run, its tasks/s" \
		    "from the tasks it ran (their count in parentheses when" \
		    "fewer than N)"
	else
		echo "- $par_note"
	fi
fi
echo
if [ "$do_commands" = 1 ]; then
	echo "| N | floor/s | xargs/s | make/s | parallel/s | weft/s" \
	    "| weft no-mon/s | weft/floor | weft/make | weft/xargs" \
	    "| weft/parallel | mon on/off | main B/task |"
	echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	printf '%s\n' "${cmd_rows[@]}"
	[ "$do_calls" = 1 ] && echo
fi
if [ -n "$start_row" ]; then
	echo "| one-task run: weft ms | weft no-mon ms | parallel ms" \
	    "| weft/parallel |"
	echo "|--:|--:|--:|--:|"
	echo "$start_row"
	echo
fi
if [ "$do_calls" = 1 ]; then
	echo "| N calls | calls/s mon on | calls/s mon off | on/off" \
	    "| main B/task |"
	echo "|--:|--:|--:|--:|--:|"
	printf '%s\n' "${call_rows[@]}"
fi
echo
echo "tasks/s = N / median wall-clock time of a run; each ratio is weft's" \
    "tasks/s (monitoring on) divided by the other's; mon on/off is weft" \
    "with monitoring on divided by weft with it off; main B/task is the" \
    "peak memory of weft's main process (monitoring on, the largest of" \
    "the rounds, as its run's weft.log says) divided by N."
[ -n "$start_row" ] &&
    echo "A one-task run is the median of $start_runs interleaved runs of" \
    "a workflow of one 'true' task, start to finish (weft run -q), and of" \
    "GNU parallel running one '/bin/sh -c true'; weft/parallel divides" \
    "the times, so lower is better."
