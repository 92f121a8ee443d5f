#!/bin/sh
# tap-progress.sh: the LOG_DRIVER of "make check" (see Makefile.am).  It
# runs automake's tap-driver.sh, which writes each test file's .log and
# the .trs results that the summary and .ci/run count, and prints every
# test's result line on make's output the moment the test has finished:
# tap-driver.sh's own lines come out through awk, which holds them back
# until the file is done when the output is not a terminal (as in CI),
# so that a long test file was silent for minutes.
#
#   tap-progress.sh [tap-driver.sh options] -- COMMAND...
#
# Each TAP "ok"/"not ok" line of COMMAND's output becomes a line such as
# "PASS: tests/cli/run.bats 3 - run: a task that fails", as tap-driver.sh
# words them; a file that ends badly gets its ERROR line from the .trs.
# Called with --relay NAME -- COMMAND... it is the filter itself.

if [ "${1-}" = --relay ]; then
	name=$2
	shift 3
	status=$(mktemp) || exit 99
	{ "$@"; echo "$?" >"$status"; } | while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"not ok"*"# TODO"*|"not ok"*"# todo"*)
			res=XFAIL; rest=${line#not ok} ;;
		"ok"*"# SKIP"*|"ok"*"# skip"*)
			res=SKIP; rest=${line#ok} ;;
		"not ok"*)
			res=FAIL; rest=${line#not ok} ;;
		"ok"*)
			res=PASS; rest=${line#ok} ;;
		*)	continue ;;
		esac
		printf '%s: %s%s\n' "$res" "$name" "$rest" >&7
	done
	rc=$(cat "$status")
	rm -f "$status"
	exit "${rc:-99}"
fi

here=$(dirname "$0")
top=${here%/tests}
name=
trs=
args=
# The driver's options, kept as they are (none holds a blank in make's
# use: names of files in the tree).
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	case $1 in
	--test-name)	name=$2 ;;
	--trs-file)	trs=$2 ;;
	esac
	case $1 in
	--test-name|--log-file|--trs-file|--color-tests|--expect-failure|\
	--enable-hard-errors|--diagnostic-string)
		args="$args $1 $2"
		shift 2 ;;
	*)	args="$args $1"
		shift ;;
	esac
done
[ "${1-}" = -- ] && shift
exec 7>&1
# shellcheck disable=SC2086
${SHELL:-/bin/sh} "$top/build-aux/tap-driver.sh" $args -- \
    ${SHELL:-/bin/sh} "$0" --relay "$name" -- "$@" >/dev/null
rc=$?
if [ -n "$trs" ] && grep -q '^:test-result: ERROR' "$trs" 2>/dev/null; then
	echo "ERROR: $name: the file ended badly; see ${trs%.trs}.log"
fi
exit "$rc"
