#!/bin/sh
# tcp.sh: weft's throughput with its pool over tcp:// with CURVE on
# loopback, next to the same pool over ipc://, in interleaved rounds.
# Both runs have one pool of J slots; the tcp one joins by itself
# ("weft pool --connect"), as a pool on another host would.  Prints
# tasks/s of each (best round) and the ratio tcp/ipc, for command tasks
# and for function calls.
#
#   bench/tcp.sh [-n N] [-j J] [-r ROUNDS]
set -eu

die()
{
	echo "tcp.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

n=${WEFT_BENCH_N:-2000}
jobs=${WEFT_BENCH_JOBS:-2}
rounds=${WEFT_BENCH_REPEAT:-3}
while getopts n:j:r: o; do
	case $o in
	n) n=$OPTARG ;;
	j) jobs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-j J] [-r ROUNDS]" >&2; exit 2 ;;
	esac
done
bench_weft
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The no-op plugin of bench/plugin, built here.
${CC:-cc} -shared -fPIC -O2 -I"$srcdir/include" \
    -o "$tmp/libnoop.so" "$srcdir/bench/plugin/noop.c"

# flow KIND POOLS: a workflow of N tasks of KIND (command or function).
flow() {
	dir=$tmp/$1-$2
	mkdir -p "$dir"
	{
		echo "weft: 1"
		echo "config:"
		echo "  jobs: $jobs"
		if [ "$2" = tcp ]; then
			echo "  provider: {kind: local, pools: 0}"
			echo "  interchange: {address: 127.0.0.1}"
		fi
		echo "plugins: {noop: $tmp/libnoop.so}"
		echo "apps:"
		echo "  c: {command: 'true'}"
		echo "  f: {function: noop.noop}"
		echo "main:"
		echo "  - {id: t, app: $( [ "$1" = command ] && echo c || echo f),"
		echo "     foreach: {i: \"1..$n\"}}"
	} > "$dir/flow.yaml"
	echo "$dir"
}

now() { date +%s%N; }

# run DIR TRANSPORT: one run; prints its seconds.
run() {
	rm -rf "$1/.weft"
	t0=$(now)
	if [ "$2" = tcp ]; then
		"$weft" run -q "$1/flow.yaml" > "$1/out" 2>&1 &
		pid=$!
		while [ ! -s "$1/.weft/runs/0001/interchange.url" ]; do
			sleep 0.01
		done
		"$weft" pool --connect "$(cat "$1/.weft/runs/0001/interchange.url")" \
		    --certs "$1/.weft/runs/0001/certs" --jobs "$jobs" 2>/dev/null &
		wait "$pid"
	else
		"$weft" run -q "$1/flow.yaml" > "$1/out" 2>&1
	fi
	t1=$(now)
	grep -q "$n done" "$1/out" || { echo "run failed: $(cat "$1/out")" >&2; exit 1; }
	echo $(( (t1 - t0) / 1000 ))
}

printf '%-10s %-10s %10s %10s\n' kind transport "best s" "tasks/s"
for kind in command function; do
	ipc=$(flow $kind ipc)
	tcp=$(flow $kind tcp)
	best_ipc=0
	best_tcp=0
	r=0
	while [ $r -lt "$rounds" ]; do
		us=$(run "$ipc" ipc)
		[ $best_ipc -eq 0 ] || [ "$us" -lt $best_ipc ] && best_ipc=$us
		us=$(run "$tcp" tcp)
		[ $best_tcp -eq 0 ] || [ "$us" -lt $best_tcp ] && best_tcp=$us
		r=$((r + 1))
	done
	for t in ipc tcp; do
		eval us=\$best_$t
		awk -v k=$kind -v t=$t -v us="$us" -v n="$n" 'BEGIN {
			printf "%-10s %-10s %10.3f %10.0f\n", k, t,
			    us / 1e6, n * 1e6 / us }'
	done
	awk -v k=$kind -v a=$best_ipc -v b=$best_tcp \
	    'BEGIN { printf "%-10s ratio tcp/ipc: %.2f\n", k, a / b }'
done
