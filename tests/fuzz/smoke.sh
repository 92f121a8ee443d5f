#!/bin/sh
# smoke.sh: the fuzzing smoke test of "make check", in TAP.  Builds the
# libFuzzer harnesses with build.sh, then runs each for FUZZ_SECONDS
# (default 30) on a copy of its seed corpus and its regressions, which
# are replayed first.  A harness that finds a crash, a leak, a timeout or
# an OOM is "not ok", with the path of the input that does it and the
# first lines of the sanitizer's report.  Everything is skipped when
# clang or libFuzzer is missing.
#
# FUZZ_BUILDDIR: where to build (default tests/fuzz/build/ next to this
# script, or a temporary directory if that cannot be written).  Crash
# files go to FUZZ_BUILDDIR/artifacts/HARNESS/.
set -u

here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-30}
# harness:corpus pairs
harnesses="fuzz-workflow:workflow fuzz-template:template"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-fuzz.XXXXXX") || exit 1
keep=0
cleanup()
{
	[ "$keep" -eq 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

builddir=${FUZZ_BUILDDIR:-$here/build}
if ! mkdir -p "$builddir" 2>/dev/null || [ ! -w "$builddir" ]; then
	builddir=$tmp/build
fi

n=1
for h in $harnesses; do
	n=$((n + 1))
done
echo "1..$n"

# diag FILE: FILE's lines as TAP diagnostics.
diag()
{
	sed 's/^/# /' "$1"
}

"$here/build.sh" "$builddir" >"$tmp/build.log" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
	reason=$(grep -m1 '^build.sh:' "$tmp/build.log" |
	    sed 's/^build.sh: //; s/:$//')
	echo "ok 1 # SKIP ${reason:-no clang or libFuzzer}"
	i=1
	for h in $harnesses; do
		i=$((i + 1))
		echo "ok $i # SKIP no clang or libFuzzer"
	done
	exit 0
elif [ $rc -ne 0 ]; then
	echo "not ok 1 - build the fuzz harnesses"
	tail -n 30 "$tmp/build.log" | diag /dev/stdin
	i=1
	for h in $harnesses; do
		i=$((i + 1))
		echo "ok $i # SKIP the build failed"
	done
	exit 0
fi
echo "ok 1 - build the fuzz harnesses in $builddir"

i=1
for pair in $harnesses; do
	i=$((i + 1))
	h=${pair%%:*}
	corpus=$tmp/corpus/${pair#*:}
	art=$builddir/artifacts/$h
	log=$builddir/artifacts/$h.log
	mkdir -p "$corpus" "$art"
	rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-* \
	    "$art"/slow-unit-*
	for d in "$here/corpus/${pair#*:}" "$here/regressions/$h"; do
		[ -d "$d" ] || continue
		find "$d" -type f -exec cp {} "$corpus/" \;
	done
	"$builddir/$h" -max_total_time="$seconds" -max_len=4096 \
	    -rss_limit_mb=2048 -timeout=10 -dict="$here/workflow.dict" \
	    -artifact_prefix="$art/" -print_final_stats=1 "$corpus" \
	    >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "ok $i - $h: ${runs:-?} runs in ${seconds} s, no crash"
		continue
	fi
	found=$(ls "$art"/crash-* "$art"/leak-* "$art"/timeout-* \
	    "$art"/oom-* 2>/dev/null | head -n 1)
	[ "$builddir" = "$tmp/build" ] && keep=1
	# libFuzzer names an input by its SHA-1: is it a known regression?
	known=""
	if [ -n "$found" ] && command -v sha1sum >/dev/null 2>&1; then
		sum=${found##*-}
		for f in "$here/regressions/$h"/*; do
			[ -f "$f" ] || continue
			if [ "$(sha1sum <"$f" | cut -d' ' -f1)" = "$sum" ]; then
				known=" (regression ${f#"$here"/})"
			fi
		done
	fi
	echo "not ok $i - $h failed (exit $rc): ${found:-no crash file}$known"
	echo "# input: ${found:-none}; log: $log"
	echo "# reproduce: $builddir/$h ${found:-}"
	awk '
	/==[0-9]+==ERROR|runtime error:|^fuzz-[a-z]+:/ { on = 1 }
	/ERROR: libFuzzer|^ALARM|out-of-memory/ { on = 1 }
	on && n < 25 { print; n++ }
	' "$log" | diag /dev/stdin
done
exit 0
