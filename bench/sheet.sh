#!/usr/bin/env bash
#
# sheet.sh: how long weft check takes over a big fan-out from data,
# next to the same number of values from a range.  It writes a sample
# sheet of N records (default 1,000,000; CSV, three columns), a lines
# file of N values, and three workflows with one entry each (foreach over
# "1..N", {lines: FILE} and {table: FILE}, the table's command using two
# columns), and times weft check of each, alternating within each of R
# rounds; each reports its best round.  It prints the times and the
# ratios to the range (the goal: a sheet within twice a range).  See
# bench/README.md.

set -u

usage()
{
	cat <<USAGE
usage: bench/sheet.sh [-n N] [-r R]

  -n N   values of each fan-out        (WEFT_BENCH_N, default 1000000)
  -r R   rounds                        (WEFT_BENCH_REPEAT, default 5)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to.
USAGE
}

die()
{
	echo "sheet.sh: $*" >&2
	exit 2
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

n=${WEFT_BENCH_N:-1000000}
repeat=${WEFT_BENCH_REPEAT:-5}
while [ $# -gt 0 ]; do
	case $1 in
	-n)	[ $# -ge 2 ] || die "-n needs a value"; n=$2; shift 2 ;;
	-r)	[ $# -ge 2 ] || die "-r needs a value"; repeat=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done
[[ $n =~ ^[1-9][0-9]*$ && $repeat =~ ^[1-9][0-9]*$ ]] ||
    die "N and R must be positive integers"

bench_weft
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT

awk -v n="$n" 'BEGIN {
	print "sample,reads,lane" > "'"$work"'/sheet.csv"
	for (i = 0; i < n; i++) {
		printf "S%d,S%d_R1.fastq.gz,%d\n", i, i, i % 8 > "'"$work"'/sheet.csv"
		printf "S%d\n", i > "'"$work"'/lines.txt"
	}
}'
flow()
{
	printf 'weft: 1\nconfig: {max_tasks: %s}\napps:\n  qc: {command: "echo %s"}\nmain:\n  - {id: qc, app: qc, foreach: {s: %s}}\n' \
	    "$((n + 1))" "$2" "$3" >"$work/$1.yaml"
}
flow range '{s}' "\"1..$n\""
flow lines '{s}' '{lines: lines.txt}'
flow table '{s} {s.reads} {s.lane}' '{table: sheet.csv}'

declare -A best
for ((r = 0; r < repeat; r++)); do
	for kind in range lines table; do
		t0=$(date +%s%N)
		"$weft" check "$work/$kind.yaml" >/dev/null ||
		    die "weft check of the $kind workflow failed"
		t=$(( ($(date +%s%N) - t0) / 1000000 ))
		if [ -z "${best[$kind]:-}" ] || [ "$t" -lt "${best[$kind]}" ]; then
			best[$kind]=$t
		fi
	done
done
printf 'weft check, %d values, best of %d rounds:\n' "$n" "$repeat"
for kind in range lines table; do
	printf '  %-6s %6d ms\n' "$kind" "${best[$kind]}"
done
for kind in lines table; do
	printf 'ratio %s/range: %s\n' "$kind" "$(awk -v a="${best[$kind]}" \
	    -v b="${best[range]}" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1) }')"
done
