#!/usr/bin/env bash
#
# report.sh: how long the HTML report of a big run takes to open.  It
# makes a run of N tasks (default 10,000: a fan-out of N-1, some of
# them failing with a line of stderr, and one task gathering them) with
# weft run, writes its report with weft report, and opens the page in
# headless Chromium R times; the page itself measures the time from
# navigation to its summary, timeline, graph and table laid out
# (performance.now(), the body's data-render-ms).  It prints the size of
# the page, the time weft report took, and the render time of each
# opening and the best.  An empty page's time is printed first: it is
# what the browser itself takes before any page's script runs (on a
# loaded machine, most of it).  See bench/README.md.

set -u

usage()
{
	cat <<USAGE
usage: bench/report.sh [-n N] [-r R] [-j J]

  -n N   tasks in the run              (WEFT_BENCH_N, default 10000)
  -r R   openings of the page          (WEFT_BENCH_REPEAT, default 3)
  -j J   tasks at a time in the run    (WEFT_BENCH_JOBS, default 2)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to; the browser is \$CHROMIUM, default chromium.
USAGE
}

die()
{
	echo "report.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

n=${WEFT_BENCH_N:-10000}
repeat=${WEFT_BENCH_REPEAT:-3}
jobs=${WEFT_BENCH_JOBS:-2}
while [ $# -gt 0 ]; do
	case $1 in
	-n)	n=$2; shift 2 ;;
	-r)	repeat=$2; shift 2 ;;
	-j)	jobs=$2; shift 2 ;;
	-h|--help)	usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done
case $n$repeat$jobs in
*[!0-9]*|'')	die "N, R and J must be integers" ;;
esac
[ "$n" -ge 2 ] || die "N must be at least 2"

bench_weft
chromium=${CHROMIUM:-chromium}
command -v "$chromium" >/dev/null || die "no $chromium (apt-get install chromium)"

work=$(mktemp -d "${TMPDIR:-/tmp}/weft-report-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/flow.yaml" <<FLOW
weft: 1
name: report-bench
config: {jobs: $jobs}
apps:
  sim: {command: 'if [ \$(({i} % 97)) -eq 0 ]; then echo "no <luck> {i}" >&2; exit 3; fi'}
  gather: {command: 'true'}
main:
  - {id: sim, app: sim, foreach: {i: "1..$((n - 1))"}}
  - {id: gather, app: gather, needs: sim}
FLOW

start=$(date +%s%N)
"$weft" run -q "$work/flow.yaml" >"$work/run.out" 2>&1
rc=$?
[ $rc -le 1 ] || die "weft run exited $rc: $(tail -3 "$work/run.out")"
ran=$((($(date +%s%N) - start) / 1000000))
start=$(date +%s%N)
"$weft" report --run-dir "$work/.weft" -o "$work/report.html" ||
    die "weft report failed"
wrote=$((($(date +%s%N) - start) / 1000000))
echo "run of $n tasks: ${ran} ms; weft report: ${wrote} ms," \
    "$(($(stat -c %s "$work/report.html") / 1024)) KiB"

cat >"$work/empty.html" <<'PAGE'
<!DOCTYPE html><html><body><script>
document.body.setAttribute('data-render-ms', performance.now().toFixed(1));
</script></body></html>
PAGE
empty=$("$chromium" --headless --no-sandbox --disable-gpu \
    --user-data-dir="$work/profile" --dump-dom "file://$work/empty.html" \
    2>/dev/null | grep -o 'data-render-ms="[0-9.]*"' | grep -o '[0-9.]*')
echo "an empty page: ${empty:-?} ms"

# No virtual time: performance.now() must be the page's real clock.
best=
for i in $(seq "$repeat"); do
	"$chromium" --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$work/profile" \
	    --dump-dom "file://$work/report.html" >"$work/dom.html" 2>/dev/null
	ms=$(grep -o 'data-render-ms="[0-9.]*"' "$work/dom.html" |
	    grep -o '[0-9.]*')
	[ -n "$ms" ] || die "the page did not render (no data-render-ms)"
	echo "opening $i: render ${ms} ms"
	if [ -z "$best" ] || awk "BEGIN { exit !($ms < $best) }"; then
		best=$ms
	fi
done
echo "best: ${best} ms for $n tasks"
