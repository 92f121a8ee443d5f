# common.sh: what the benchmark scripts share, sourced by them: where the
# build and its weft binary are, the C compiler, and a scratch folder.
# A script defines die() before it calls these.
# shellcheck shell=bash

# bench_weft: sets srcdir (the source tree) and weft ($WEFT, default the
# build's ./weft), as an absolute path, since scripts run it from other
# folders; stops if there is no such binary.
bench_weft()
{
	srcdir=$(cd "$(dirname "$0")/.." && pwd)
	weft=${WEFT:-$srcdir/weft}
	[ -x "$weft" ] ||
	    die "no weft binary at '$weft' (run make, or set WEFT)"
	case $weft in
	/*)	;;
	*)	weft=$(cd "$(dirname "$weft")" && pwd)/$(basename "$weft") ;;
	esac
}

# bench_cc: sets cc ($CC, default cc); stops if there is no such command.
bench_cc()
{
	cc=${CC:-cc}
	command -v "$cc" >/dev/null 2>&1 || die "no C compiler '$cc' (set CC)"
}

# bench_tmp: sets tmp, a new folder removed at exit, next to the build
# unless $TMPDIR says otherwise (not in /tmp: see bench/README.md on file
# systems).
bench_tmp()
{
	tmp=$(mktemp -d "${TMPDIR:-$srcdir}/bench-tmp.XXXXXX") ||
	    die "mktemp failed"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
}

# bench_positive V...: stops unless every V is a positive integer.
bench_positive()
{
	local v

	for v in "$@"; do
		case $v in
		''|*[!0-9]*|0*) die "'$v' is not a positive integer" ;;
		esac
	done
}

# bench_noop: builds the no-op plugin function (bench/plugin/noop.c) as
# $tmp/libnoop.so; after bench_weft, bench_cc and bench_tmp.
bench_noop()
{
	"$cc" -O2 -shared -fPIC -I"$srcdir/include" -o "$tmp/libnoop.so" \
	    "$srcdir/bench/plugin/noop.c" || die "cannot build the plugin"
}

# bench_command_flow FILE N J MONITORING: FILE, a workflow of N command
# tasks of "true", J at a time, with monitoring true or false.
bench_command_flow()
{
	cat >"$1" <<EOF2
weft: 1
name: bench
config: {jobs: $3, monitoring: $4}
apps:
  t: {command: "true"}
main:
  - id: t
    app: t
    foreach: {i: "1..$2"}
EOF2
}

# bench_call_flow FILE N J MONITORING: FILE, a workflow of N calls of
# noop.noop (bench_noop's), J at a time, with monitoring true or false.
bench_call_flow()
{
	cat >"$1" <<EOF2
weft: 1
name: calls
config: {jobs: $3, monitoring: $4}
plugins: {noop: $tmp/libnoop.so}
apps:
  noop: {function: noop.noop}
main:
  - id: call
    app: noop
    foreach: {i: "1..$2"}
EOF2
}
