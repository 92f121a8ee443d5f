#!/usr/bin/env bash
#
# scale.sh: how weft check copes with very big workflows: time and peak
# resident memory of `weft check` for a fan-out of N tasks, each with an
# output, gathered by one task that takes them all as inputs, at several
# N and with a short and a long (3,000-byte) command template.  The
# numbers per task show whether the cost stays flat as N grows and
# whether it depends on the template's length.  See bench/README.md.

set -u

usage()
{
	cat <<EOF
usage: bench/scale.sh [-n "N1 N2 ..."] [-r R]

  -n LIST   task counts      (WEFT_BENCH_SCALE_N, default "1500000 10000000")
  -r R      rounds; the best is kept   (WEFT_BENCH_REPEAT, default 1)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to.  GNU time (/usr/bin/time) measures the peak memory.
EOF
}

die()
{
	echo "scale.sh: $*" >&2
	exit 1
}

counts=${WEFT_BENCH_SCALE_N:-"1500000 10000000"}
repeat=${WEFT_BENCH_REPEAT:-1}
while [ $# -gt 0 ]; do
	case $1 in
	-n) [ $# -ge 2 ] || die "-n needs a value"; counts=$2; shift 2 ;;
	-r) [ $# -ge 2 ] || die "-r needs a value"; repeat=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
WEFT=${WEFT:-$here/weft}
[ -x "$WEFT" ] || die "no weft binary at $WEFT (run make first)"
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# flow N PAD: the fan-out and its gather, the command padded by PAD bytes.
flow()
{
	local pad

	pad=$(head -c "$2" /dev/zero | tr '\0' x)
	cat >"$tmp/flow.yaml" <<YAML
weft: 1
config: {max_tasks: $(($1 + 1))}
apps:
  sim: {command: "simulate --seed {i} --out {outputs} $pad"}
  sum: {command: "summarise {inputs} > {outputs}"}
main:
  - id: t
    app: sim
    foreach: {i: "1..$1"}
    outputs: ["out/{i}.txt"]
  - id: total
    app: sum
    inputs: ["{t.outputs}"]
    outputs: [total.txt]
YAML
}

printf '%-10s %-9s %9s %9s %9s %10s\n' tasks template seconds \
    'peak MiB' 'us/task' 'bytes/task'
for n in $counts; do
	for pad in 0 3000; do
		flow "$n" "$pad"
		best_ms= best_kb=
		for ((r = 0; r < repeat; r++)); do
			t0=$(date +%s%N)
			/usr/bin/time -f %M -o "$tmp/rss" "$WEFT" check \
			    "$tmp/flow.yaml" >"$tmp/out" 2>"$tmp/err" ||
			    die "weft check failed: $(head -c 500 "$tmp/err")"
			ms=$((($(date +%s%N) - t0) / 1000000))
			kb=$(tail -1 "$tmp/rss")
			grep -qx "tasks: $((n + 1))" "$tmp/out" ||
			    die "wrong task count: $(cat "$tmp/out")"
			if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then
				best_ms=$ms
			fi
			if [ -z "$best_kb" ] || [ "$kb" -lt "$best_kb" ]; then
				best_kb=$kb
			fi
		done
		printf '%-10s %-9s %5d.%03d %9d %5d.%03d %10d\n' "$n" \
		    "$((pad + 36)) B" $((best_ms / 1000)) $((best_ms % 1000)) \
		    $((best_kb / 1024)) $((best_ms * 1000 / n)) \
		    $((best_ms * 1000000 / n % 1000)) $((best_kb * 1024 / n))
	done
done
