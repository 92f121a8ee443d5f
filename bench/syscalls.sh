#!/usr/bin/env bash
#
# syscalls.sh: where a task's time goes in the kernel.  Counts, for each
# process of a run, the system calls it makes and the times it is
# switched out, per task: N command tasks of the floor (bench/floor.c)
# and of weft, then N function calls of weft, monitoring on.  Each
# helper's ZeroMQ I/O thread is counted apart from the helper.  The
# costs of one system call and of one wake-up, measured on the spot with
# bench/syscost.c, turn the counts into an estimate of the CPU they
# take.  Needs perf, with the right to trace the whole system (root, or
# kernel.perf_event_paranoid at -1).  See bench/README.md.

set -u

usage()
{
	cat <<EOF
usage: bench/syscalls.sh [-n N] [-c N] [-j J]

  -n N   command tasks of the floor and of weft (default 2000)
  -c N   function calls of weft (default 20000); 0 skips them
  -j J   tasks at a time (default 2)

The weft binary is \$WEFT, default ./weft of the build this script
belongs to; the C compiler is \$CC, default cc.
EOF
}

die()
{
	echo "syscalls.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

ncmd=2000
ncall=20000
jobs=2
while [ $# -gt 0 ]; do
	case $1 in
	-n)	[ $# -ge 2 ] || die "-n needs a value"; ncmd=$2; shift 2 ;;
	-c)	[ $# -ge 2 ] || die "-c needs a value"; ncall=$2; shift 2 ;;
	-j)	[ $# -ge 2 ] || die "-j needs a value"; jobs=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*)	usage >&2; exit 2 ;;
	esac
done
bench_positive "$ncmd" "$jobs"
[ "$ncall" = 0 ] || bench_positive "$ncall"

bench_weft
bench_cc
command -v perf >/dev/null 2>&1 || die "no perf (apt-get install linux-perf)"
bench_tmp
perf record -q -a -e raw_syscalls:sys_enter -e sched:sched_switch \
    -o "$tmp/probe.data" -- true >/dev/null 2>&1 ||
    die "perf cannot trace the whole system here (run as root, or set" \
	"kernel.perf_event_paranoid to -1)"
"$cc" -O2 -o "$tmp/floor" "$srcdir/bench/floor.c" ||
    die "cannot build bench/floor.c"
"$cc" -O2 -o "$tmp/syscost" "$srcdir/bench/syscost.c" ||
    die "cannot build bench/syscost.c"

# traced NAME CMD...: runs CMD under perf, system-wide, into NAME.data.
traced()
{
	local name=$1

	shift
	perf record -q -a -e raw_syscalls:sys_enter -e sched:sched_switch \
	    -o "$tmp/$name.data" -- "$@" >"$tmp/$name.out" 2>&1 ||
	    { tail -n 20 "$tmp/$name.out" >&2; die "$name failed"; }
}

# weft_traced NAME DIR N: weft runs DIR/bench.yaml (N tasks) under perf.
weft_traced()
{
	traced "$1" env -C "$2" "$weft" run -q bench.yaml
	grep -q "^summary: $3 tasks: $3 done" "$tmp/$1.out" ||
	    { tail -n 20 "$tmp/$1.out" >&2; die "$1: not all $3 tasks done"; }
}

# table NAME N: the counts of NAME.data per task, by process, as rows
# of a markdown table.  A helper is known by the name it gives itself
# (weft:pool-0-...; main keeps its binary's, cut to 15 bytes as the
# kernel keeps it); a ZeroMQ thread goes with the process it belongs to.
table()
{
	perf script -i "$tmp/$1.data" -F comm,pid,tid,event 2>/dev/null |
	awk -v n="$2" -v call="$sys_ns" -v wake="$wake_ns" \
	    -v main="$(basename "$weft" | cut -c1-15)" '
	function row(r) {
		if (!(r in seen))
			return;
		printf "| %s | %.1f | %.1f | %.0f |\n", r, sc[r] / n,
		    sw[r] / n, (sc[r] * call + sw[r] * wake) / n / 1000;
		tsc += sc[r]; tsw += sw[r];
		if (r !~ /^the /) { wsc += sc[r]; wsw += sw[r]; }
	}
	function role(c) {
		if (c == main || c == "weft") return "main";
		if (c ~ /^weft:pool/) return "pool";
		if (c ~ /^weft:interchang/) return "interchange";
		if (c ~ /^weft:router/) return "router";
		if (c ~ /^weft:dbwriter/) return "dbwriter";
		if (c ~ /^weft:worker/) return "worker";
		if (c == "sh" || c == "true") return "the tasks (sh)";
		if (c == "floor") return "floor";
		return "";
	}
	{
		ev = $NF; split($(NF - 1), id, "/");
		comm = $1; for (i = 2; i < NF - 1; i++) comm = comm " " $i;
		if (comm == "perf") next;
		k = id[1] SUBSEP comm SUBSEP (ev ~ /sched_switch/);
		count[k]++;
		r = role(comm);
		# A helper starts as "weft" and takes its own name later.
		if (id[1] == id[2] && r ~ /^(pool|interchange|router|dbwriter|worker)$/)
			named[id[1]] = r;
	}
	END {
		for (k in count) {
			split(k, f, SUBSEP);
			r = role(f[2]);
			if (r == "main" && (f[1] in named)) r = named[f[1]];
			if (f[2] ~ /^ZMQbg/)
				r = ((f[1] in named) ? named[f[1]] : "main") \
				    ", ZeroMQ threads";
			if (r == "") r = "the rest (kernel threads, idle)";
			if (f[3]) sw[r] += count[k]; else sc[r] += count[k];
			seen[r] = 1;
		}
		nord = split("floor main interchange pool worker router " \
		    "dbwriter", ord, " ");
		for (i = 1; i <= nord; i++) {
			row(ord[i]);
			row(ord[i] ", ZeroMQ threads");
		}
		row("the tasks (sh)");
		row("the rest (kernel threads, idle)");
		printf "| **all but the tasks and the rest** | %.1f | %.1f | %.0f |\n",
		    wsc / n, wsw / n, (wsc * call + wsw * wake) / n / 1000;
		printf "| **all** | %.1f | %.1f | %.0f |\n", tsc / n, tsw / n,
		    (tsc * call + tsw * wake) / n / 1000;
	}'
}

header()
{
	echo
	echo "$1"
	echo
	echo "| process | system calls a task | switched out a task | est. µs a task |"
	echo "|---|--:|--:|--:|"
}

while read -r what ns; do
	case $what in
	syscall) sys_ns=$ns ;;
	wakeup) wake_ns=$ns ;;
	esac
done < <("$tmp/syscost")
if [ -z "${sys_ns:-}" ] || [ -z "${wake_ns:-}" ]; then
	die "bench/syscost.c printed nothing"
fi

mkdir -p "$tmp/cmd"
bench_command_flow "$tmp/cmd/bench.yaml" "$ncmd" "$jobs" true
echo "syscalls.sh: floor and weft, $ncmd commands" >&2
traced floor "$tmp/floor" "$ncmd" "$jobs"
weft_traced weft "$tmp/cmd" "$ncmd"
if [ "$ncall" != 0 ]; then
	echo "syscalls.sh: weft, $ncall function calls" >&2
	bench_noop
	mkdir -p "$tmp/calls"
	bench_call_flow "$tmp/calls/bench.yaml" "$ncall" "$jobs" true
	weft_traced calls "$tmp/calls" "$ncall"
fi

echo "# System calls and switches per task (bench/syscalls.sh)"
echo
echo "- date: $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "- host: $(nproc) CPUs, $(uname -sr)"
echo "- weft: $("$weft" --version 2>/dev/null) ($weft)"
echo "- a system call costs $sys_ns ns here, a wake-up of another" \
    "process $wake_ns ns (bench/syscost.c); est. µs a task is the counts" \
    "times these: the least they cost, since a call that does work costs" \
    "more than getppid"
header "The floor, $ncmd commands of '/bin/sh -c true', $jobs at a time:"
table floor "$ncmd"
header "weft, the same $ncmd commands, monitoring on:"
table weft "$ncmd"
if [ "$ncall" != 0 ]; then
	header "weft, $ncall calls of a no-op function, monitoring on:"
	table calls "$ncall"
fi
