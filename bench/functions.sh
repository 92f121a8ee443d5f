#!/usr/bin/env bash
#
# functions.sh: how fast weft calls a no-op function app in its
# pre-started workers, with monitoring on and off, next to the cheapest
# way to run the same number of trivial commands (xargs -P of
# /bin/sh -c true), measured in the same rounds.
#
# The plugin, bench/plugin/noop.c, is built here with cc.  Every runner
# runs in each of R rounds, alternating, and reports its best round.
# Timing uses date +%s%N and bash integer arithmetic only.  See
# bench/README.md.

set -u

usage()
{
	cat <<EOF
usage: bench/functions.sh [-n N] [-j J] [-r R] [-x X]

  -n N   function tasks per run        (WEFT_BENCH_N, default 100000)
  -j J   tasks at a time               (WEFT_BENCH_JOBS, default 2)
  -r R   rounds; the best is kept      (WEFT_BENCH_REPEAT, default 3)
  -x X   commands for the xargs floor  (WEFT_BENCH_XARGS_N, default 5000)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to; the C compiler is \$CC, default cc.
EOF
}

die()
{
	echo "functions.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

n=${WEFT_BENCH_N:-100000}
jobs=${WEFT_BENCH_JOBS:-2}
repeat=${WEFT_BENCH_REPEAT:-3}
xn=${WEFT_BENCH_XARGS_N:-5000}

while [ $# -gt 0 ]; do
	case $1 in
	-n)	[ $# -ge 2 ] || die "-n needs a value"; n=$2; shift 2 ;;
	-j)	[ $# -ge 2 ] || die "-j needs a value"; jobs=$2; shift 2 ;;
	-r)	[ $# -ge 2 ] || die "-r needs a value"; repeat=$2; shift 2 ;;
	-x)	[ $# -ge 2 ] || die "-x needs a value"; xn=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done

bench_positive "$n" "$jobs" "$repeat" "$xn"

bench_weft
bench_cc
bench_tmp

bench_noop
# The workflows: N calls of noop.noop, recorded or not.
for mon in true false; do
	bench_call_flow "$tmp/$mon.yaml" "$n" "$jobs" "$mon"
done
seq 1 "$xn" >"$tmp/list"

now()
{
	date +%s%N
}

run_weft()
{
	"$weft" run -q "$tmp/$1.yaml" >"$tmp/weft.out" 2>"$tmp/weft.err" &&
	    grep -q "^summary: $n tasks: $n done" "$tmp/weft.out"
}

run_xargs()
{
	xargs -P "$jobs" -n 1 /bin/sh -c true <"$tmp/list"
}

best_on=0
best_off=0
best_x=0
for r in $(seq 1 "$repeat"); do
	t0=$(now)
	run_weft true || die "weft (monitoring on) failed: $(cat "$tmp/weft.err")"
	t1=$(now)
	run_weft false || die "weft (monitoring off) failed: $(cat "$tmp/weft.err")"
	t2=$(now)
	run_xargs || die "xargs failed"
	t3=$(now)
	d=$((t1 - t0)); [ "$best_on" = 0 ] || [ "$d" -lt "$best_on" ] && best_on=$d
	d=$((t2 - t1)); [ "$best_off" = 0 ] || [ "$d" -lt "$best_off" ] && best_off=$d
	d=$((t3 - t2)); [ "$best_x" = 0 ] || [ "$d" -lt "$best_x" ] && best_x=$d
done

# tasks/s from a count and nanoseconds.
rate()
{
	echo $(( $1 * 1000000000 / $2 ))
}

# A ratio of two rates, with two decimals.
ratio()
{
	local h=$(( $1 * 100 / $2 ))
	printf '%d.%02d' $((h / 100)) $((h % 100))
}

secs()
{
	printf '%d.%03d' $(($1 / 1000000000)) $(($1 % 1000000000 / 1000000))
}

on=$(rate "$n" "$best_on")
off=$(rate "$n" "$best_off")
x=$(rate "$xn" "$best_x")
printf '%-34s %9s %10s\n' runner "best s" tasks/s
printf '%-34s %9s %10s\n' "weft, $n calls, monitoring on" \
    "$(secs "$best_on")" "$on"
printf '%-34s %9s %10s\n' "weft, $n calls, monitoring off" \
    "$(secs "$best_off")" "$off"
printf '%-34s %9s %10s\n' "xargs -P $jobs, $xn commands" \
    "$(secs "$best_x")" "$x"
echo
echo "ratio monitoring on/off: $(ratio "$on" "$off")"
echo "ratio weft calls (monitoring on)/xargs commands: $(ratio "$on" "$x")"
