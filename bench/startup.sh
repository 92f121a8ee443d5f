#!/usr/bin/env bash
# startup.sh: where the time of a one-task weft run goes.  Times, in
# interleaved rounds, a one-task run with monitoring and without, one
# "weft --version" (a weft process that loads and exits: what each of a
# run's weft processes pays before it does anything) and /bin/true (the
# cost of any process), and prints the medians of wall and CPU time
# (the CPU of every process of the run, tasks and helpers included).
# Then what loading each library weft links costs: an empty program
# linked with that library alone (and what it needs), against one linked
# with none.  See bench/README.md.
set -eu

usage()
{
	cat <<EOF
usage: bench/startup.sh [-r R]
  -r R   rounds; medians are reported (WEFT_BENCH_START_RUNS, default 41)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to; the C compiler (for bench/startup.c) is \$CC, default cc.
EOF
}

die()
{
	echo "startup.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

rounds=${WEFT_BENCH_START_RUNS:-41}
while [ $# -gt 0 ]; do
	case $1 in
	-r)	[ $# -ge 2 ] || die "-r needs a value"; rounds=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done
bench_positive "$rounds"

bench_weft
bench_cc
for tool in readelf ldd; do
	command -v "$tool" >/dev/null 2>&1 ||
	    die "no $tool (Debian: binutils, libc-bin)"
done
bench_tmp
"$cc" -O2 -o "$tmp/startup" "$srcdir/bench/startup.c" ||
    die "cannot build bench/startup.c"

# An empty program per library weft names (its DT_NEEDED entries).
echo 'int main(void) { return 0; }' >"$tmp/empty.c"
"$cc" -O2 -o "$tmp/empty-none" "$tmp/empty.c" || die "cannot build"
needed=$(readelf -d "$weft" 2>/dev/null |
    sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
for lib in $needed; do
	"$cc" -O2 -o "$tmp/empty-$lib" "$tmp/empty.c" -Wl,--no-as-needed \
	    "-l:$lib" 2>/dev/null || die "cannot link an empty program to $lib"
done

for mon in true false; do
	mkdir -p "$tmp/$mon"
	cat >"$tmp/$mon/flow.yaml" <<EOF
weft: 1
name: startup
config: {jobs: 2, monitoring: $mon}
apps:
  t: {command: "true"}
main:
  - {id: t, app: t}
EOF
done

# measure NAME DIR CMD...: one timed run in DIR, appended to NAME's list.
declare -A wall cpu
measure()
{
	local name=$1 dir=$2 out w c s
	shift 2
	out=$(cd "$dir" && "$tmp/startup" "$@" 2>/dev/null) ||
	    die "cannot time $name"
	read -r w c s <<<"$out"
	[ "$s" = 0 ] || die "$name ended with status $s"
	wall[$name]+=" $w"
	cpu[$name]+=" $c"
}

# median "N ...": the middle value, in milliseconds with one decimal.
median()
{
	local m
	# shellcheck disable=SC2086 # a list of numbers
	m=$(printf '%s\n' $1 | sort -n | awk '{v[NR] = $1}
	    END {print v[int((NR + 1) / 2)]}')
	printf '%d.%d' $((m / 1000)) $((m % 1000 / 100))
}

for ((i = 0; i < rounds; i++)); do
	measure on "$tmp/true" "$weft" run -q flow.yaml
	measure off "$tmp/false" "$weft" run -q flow.yaml
	measure load "$tmp" "$weft" --version
	measure true "$tmp" /bin/true
	measure empty-none "$tmp" "$tmp/empty-none"
	for lib in $needed; do
		measure "empty-$lib" "$tmp" "$tmp/empty-$lib"
	done
done

libs=$(ldd "$weft" 2>/dev/null | grep -c '=>' || true)
load=$(median "${cpu[load]}")
on=$(median "${cpu[on]}")
off=$(median "${cpu[off]}")
echo "| what | weft processes | wall ms | CPU ms |"
echo "|---|--:|--:|--:|"
echo "| one-task run, monitoring on | 5 | $(median "${wall[on]}") |" \
    "$on |"
echo "| one-task run, monitoring off | 3 | $(median "${wall[off]}") |" \
    "$off |"
echo "| weft --version | 1 | $(median "${wall[load]}") | $load |"
echo "| /bin/true | 0 | $(median "${wall[true]}") |" \
    "$(median "${cpu[true]}") |"
echo
echo "weft loads $libs shared libraries. Loading the five weft processes"
echo "of a run with monitoring (main, interchange, pool, router, writer),"
echo "each at the CPU of 'weft --version', is $(awk -v l="$load" -v r="$on" \
    'BEGIN {printf "%.1f ms, %.0f%%", 5 * l, 500 * l / r}') of the run's CPU;"
echo "without monitoring, three processes: $(awk -v l="$load" -v r="$off" \
    'BEGIN {printf "%.1f ms, %.0f%%", 3 * l, 300 * l / r}')."
echo
echo "| library (with what it needs) | libraries besides libc | CPU ms added |"
echo "|---|--:|--:|"
for lib in $needed; do
	n=$(ldd "$tmp/empty-$lib" 2>/dev/null | grep -c '=>' || true)
	echo "| $lib | $((n - 1)) | $(awk -v a="$(median "${cpu[empty-$lib]}")" \
	    -v b="$(median "${cpu[empty-none]}")" \
	    'BEGIN {printf "%.1f", a - b}') |"
done
