# setup.bash: shared by every .bats file of the command-line suite
# ("load setup").  It loads bats-support and bats-assert, points $WEFT at
# the binary under test, gives each test a private work directory, and
# kills whatever a test left running, so that a failing test never leaves
# processes behind.  Helpers:
#
#   weft ARGS...            the binary under test, bounded by a timeout
#   write_flow [FILE]       stdin to FILE (flow.yaml), @DIR@ -> work dir,
#                           @SLEEP@ -> this test's marked sleep program
#   wait_for SECS CMD...    polls CMD until it succeeds or SECS pass
#   now_us                  microseconds since the epoch
#   weft_start ARGS...      "weft ARGS" in the background, in its own
#                           session, default signal dispositions; sets
#                           WEFT_PID (output in $WEFT_OUT, $WEFT_ERR)
#   weft_exited             true once WEFT_PID has exited
#   weft_reap               waits for WEFT_PID, sets WEFT_STATUS
#   weft_test_procs         live processes that belong to this test
#   weft_pids_of_run DIR    helper processes (interchange, pools) of a run
#   weft_helper_pid ROLE    pid of "interchange" or "pool N" of this test
#   marker_pids MARK        live processes whose command line holds MARK
#   sleeper_pids            the marked sleeps (@SLEEP@) running now
#   count_sleepers N        exactly N marked sleeps run
#   proc_cmdline PID        the command line, arguments joined by spaces
#   proc_stat PID           sets PS_STATE PS_PPID PS_PGRP PS_SID
#   assert_event LINE       $output has LINE after a time (HH:MM:SS)
#   expect_event LINE       $WEFT_OUT has LINE after a time
#   need_strace             skips the test where strace cannot trace
#   expect_flow_error ERE [FILE]
#                           run and check of FILE (flow.yaml) fail with
#                           exit 2 and a FILE:LINE:COL: error matching ERE

bats_require_minimum_version 1.5.0

: "${BATS_LIB_PATH:=/usr/lib/bats}"
export BATS_LIB_PATH
bats_load_library bats-support
bats_load_library bats-assert

# A hung binary fails its test instead of the whole suite.
: "${BATS_TEST_TIMEOUT:=120}"

: "${WEFT:=/work/main/weft}"
: "${WEFT_SRCDIR:=/work/main}"
case $WEFT in
/*)	;;
*)	WEFT="$(cd "$(dirname "$WEFT")" && pwd -P)/$(basename "$WEFT")" ;;
esac
export WEFT WEFT_SRCDIR
FIXTURES="$WEFT_SRCDIR/tests/fixtures"
WEFT_REAL=$(readlink -f "$WEFT")

# Seconds one foreground weft call may take before it counts as hung.
: "${WEFT_CALL_TIMEOUT:=60}"

setup()
{
	weft_setup
}

teardown()
{
	weft_teardown
}

weft_setup()
{
	WEFT_WORK=$(mktemp -d "$BATS_TEST_TMPDIR/w.XXXXXX")
	WEFT_WORK=$(cd "$WEFT_WORK" && pwd -P)
	cd "$WEFT_WORK" || return 1
	# Every process this test starts inherits the mark, tasks included.
	WEFT_TEST_MARK=$WEFT_WORK
	export WEFT_TEST_MARK
	# The suite's own CI must not change what weft run prints.
	unset GITHUB_ACTIONS GITLAB_CI WEFT_PROGRESS_MS NO_COLOR
	WEFT_BG_PIDS=()
	WEFT_PID=
	WEFT_STATUS=
	WEFT_OUT=$WEFT_WORK/weft.out
	WEFT_ERR=$WEFT_WORK/weft.err
	# A sleep whose command line names this test: "@SLEEP@ 300".
	SLEEPER=$WEFT_WORK/tsleep
	ln -s "$(command -v sleep)" "$SLEEPER"
}

weft_teardown()
{
	local p i pids

	# A group is killed only while its leader still carries this test's
	# mark: after a busy run the number may belong to someone else.
	for p in "${WEFT_BG_PIDS[@]}"; do
		grep -qsaF -- "WEFT_TEST_MARK=$WEFT_WORK" "/proc/$p/environ" &&
		    kill -KILL -- "-$p" 2>/dev/null
	done
	for i in 1 2 3 4 5; do
		pids=$(weft_test_procs)
		[ -z "$pids" ] && break
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.1
	done
	for p in "${WEFT_BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	cd / || true
}

# assert_event LINE: $output has the event line LINE of weft run off a
# terminal, after its time ("HH:MM:SS LINE").
assert_event()
{
	local l

	for l in "${lines[@]}"; do
		[[ $l =~ ^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\ (.*)$ ]] &&
		    [ "${BASH_REMATCH[1]}" = "$1" ] && return 0
	done
	fail "no event line '$1' in: $output"
}

# expect_event LINE: $WEFT_OUT (a background weft run's stdout) has the
# event line LINE after its time.
expect_event()
{
	sed -E 's/^[0-2][0-9]:[0-5][0-9]:[0-6][0-9] //' "$WEFT_OUT" |
	    grep -qxF -- "$1" ||
	    fail "no event line '$1' in: $(cat "$WEFT_OUT" 2>&1)"
}

# need_strace: skips the test where strace cannot trace.
need_strace()
{
	command -v strace >/dev/null 2>&1 || skip "strace is not installed"
	strace -f -qq -o /dev/null true 2>/dev/null ||
	    skip "ptrace is not permitted here (strace fails)"
}

# weft ARGS...: the binary under test.
weft()
{
	timeout -k 5 "$WEFT_CALL_TIMEOUT" "$WEFT" "$@"
}

# write_flow [FILE]: writes stdin to FILE (default flow.yaml), replacing
# @DIR@ by the work directory and @SLEEP@ by the marked sleep program.
write_flow()
{
	local f=${1:-flow.yaml}

	mkdir -p "$(dirname "$f")"
	sed -e "s|@DIR@|$WEFT_WORK|g" -e "s|@SLEEP@|$SLEEPER|g" >"$f"
}

# usecs SECS: SECS (such as 2 or 0.5) in microseconds.
usecs()
{
	local i=${1%%.*} f=

	case $1 in
	*.*)	f=${1#*.} ;;
	esac
	f=${f}000000
	echo $(( ${i:-0} * 1000000 + 10#${f:0:6} ))
}

# now_us: microseconds since the epoch.
now_us()
{
	echo "${EPOCHREALTIME/./}"
}

# wait_for SECS CMD...: runs CMD every 50 ms until it succeeds; fails
# with a message when SECS seconds pass first.
wait_for()
{
	local secs=$1 deadline
	shift
	deadline=$(( $(now_us) + $(usecs "$secs") ))
	while :; do
		"$@" && return 0
		if [ "$(now_us)" -ge "$deadline" ]; then
			"$@" && return 0
			echo "wait_for: '$*' still false after ${secs}s" >&2
			return 1
		fi
		sleep 0.05
	done
}

# weft_start ARGS...: starts "weft ARGS" in the background, in a new
# session (so its process group is its pid) with SIGINT and SIGTERM at
# their defaults, as from a terminal; stdout in $WEFT_OUT, stderr in
# $WEFT_ERR, stdin /dev/null.  Sets WEFT_PID.
weft_start()
{
	env --default-signal=INT,TERM,QUIT,HUP setsid "$WEFT" "$@" \
	    >"$WEFT_OUT" 2>"$WEFT_ERR" </dev/null 3>&- &
	WEFT_PID=$!
	WEFT_BG_PIDS+=("$WEFT_PID")
}

# proc_stat PID: sets PS_STATE PS_PPID PS_PGRP PS_SID; fails if PID is gone.
proc_stat()
{
	local line rest

	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	rest=${line##*) }
	read -r PS_STATE PS_PPID PS_PGRP PS_SID _ <<<"$rest"
}

# proc_cmdline PID: the command line, arguments joined by spaces.
proc_cmdline()
{
	local c

	cmdline_of c "$1" || return 1
	printf '%s\n' "$c"
}

# cmdline_of VAR PID: sets VAR to the command line of PID (no fork).
cmdline_of()
{
	local -n cmdline_of_var=$1
	local -a cmdline_of_args=()

	cmdline_of_var=
	mapfile -d '' cmdline_of_args 2>/dev/null <"/proc/$2/cmdline" ||
	    return 1
	cmdline_of_var="${cmdline_of_args[*]}"
}

# pid_alive PID: PID exists and is not a zombie.
pid_alive()
{
	proc_stat "$1" && [ "$PS_STATE" != Z ]
}

# weft_exited [PID]: true once PID (default WEFT_PID) has exited (it is a
# zombie until weft_reap or gone).
weft_exited()
{
	! pid_alive "${1:-$WEFT_PID}"
}

# weft_reap [PID]: waits for PID (default WEFT_PID); WEFT_STATUS is its
# exit status.
weft_reap()
{
	local pid=${1:-$WEFT_PID}

	WEFT_STATUS=0
	wait "$pid" || WEFT_STATUS=$?
}

# weft_test_procs: live (not zombie) processes that belong to this test:
# in a session started by weft_start, or with the work directory in their
# command line, as their working directory, or in their environment.  The
# test's own shell and its ancestors are left out.  (External tools do the
# scanning: bats traces every shell command, which makes loops slow.)
weft_test_procs()
{
	local cands p

	cands=$({
		find /proc -mindepth 2 -maxdepth 2 -name cwd \
		    -lname "$WEFT_WORK*" 2>/dev/null
		grep -lsaF -- "WEFT_TEST_MARK=$WEFT_WORK" \
		    /proc/[0-9]*/environ 2>/dev/null
	} | sed -n 's|^/proc/\([0-9]*\)/.*|\1|p' | tr '\n' ' ')
	for p in $(ps -eww -o pid=,stat=,ppid=,sid=,args= |
	    W="$WEFT_WORK" SELF="$BASHPID" C="$cands" \
	    S="${WEFT_BG_PIDS[*]}" awk '
		BEGIN {
			n = split(ENVIRON["C"], a, " ")
			for (i = 1; i <= n; i++) cand[a[i]] = 1
			n = split(ENVIRON["S"], a, " ")
			for (i = 1; i <= n; i++) sid[a[i]] = 1
		}
		{
			pid[NR] = $1; st[$1] = $2; pp[$1] = $3; ss[$1] = $4
			line[$1] = $0
			# The programs of bats itself, run directly or by bash.
			if ($5 ~ /(^|\/)bats(-[a-z-]+)?$/ ||
			    $6 ~ /bats-core\/|(^|\/)bats$/)
				isbats[$1] = 1
		}
		END {
			for (p = ENVIRON["SELF"]; p > 1 && !(p in skip); p = pp[p])
				skip[p] = 1
			for (i = 1; i <= NR; i++) {
				p = pid[i]
				if (p in skip || st[p] ~ /^Z/)
					continue
				# bats itself (its timers, its output) is not
				# ours to kill, whatever its cwd.
				if (p in isbats)
					continue
				if (p in cand || ss[p] in sid ||
				    index(line[p], ENVIRON["W"]))
					print p
			}
		}'); do
		# Drop the short-lived processes of this very scan.
		pid_alive "$p" && echo "$p"
	done
}

# no_test_procs: nothing of this test is left running.
no_test_procs()
{
	[ -z "$(weft_test_procs)" ]
}

# show_test_procs: "pid state ppid: cmdline" for each, for messages.
show_test_procs()
{
	local p

	for p in $(weft_test_procs); do
		proc_stat "$p" || continue
		echo "$p $PS_STATE $PS_PPID: $(proc_cmdline "$p")"
	done
}

# weft_pids_of_run DIR: weft helper processes of the run in DIR (a run
# directory such as .weft/runs/0001), found by the directory in their
# command line or by their process title "weft: ROLE run NNNN".
weft_pids_of_run()
{
	local dir num p cmd
	local -a args

	dir=$(cd "$1" 2>/dev/null && pwd -P) || dir=$1
	num=$(basename "$dir")
	for p in $(weft_test_procs); do
		args=()
		mapfile -d '' args 2>/dev/null <"/proc/$p/cmdline"
		cmd="${args[*]}"
		if [[ $cmd =~ ^weft:\ (interchange|pool\ [0-9]+).*\ run\ $num ]]; then
			echo "$p"
		elif [[ ${args[1]-} =~ ^(interchange|pool)$ &&
		    $cmd == *"$dir"* ]]; then
			echo "$p"
		fi
	done
}

# weft_helper_pid ROLE: the pid of this test's helper ROLE ("interchange",
# "pool 0"), by process title or by internal subcommand.
weft_helper_pid()
{
	local role=$1 p n
	local -a args

	for p in $(weft_test_procs); do
		args=()
		mapfile -d '' args 2>/dev/null <"/proc/$p/cmdline"
		case "${args[*]}" in
		"weft: $role run "*)
			echo "$p"
			return 0 ;;
		esac
		case $role in
		interchange)
			[ "${args[1]-}" = interchange ] && { echo "$p"; return 0; } ;;
		pool\ *)
			n=${role#pool }
			if [ "${args[1]-}" = pool ] &&
			    [[ " ${args[*]} " == *" --pool $n "* ]]; then
				echo "$p"
				return 0
			fi ;;
		esac
	done
	return 1
}

# marker_pids MARK: live processes whose command line contains MARK.
marker_pids()
{
	ps -eww -o pid=,stat=,args= | M="$1" awk '
	    $2 !~ /^Z/ && index(substr($0, index($0, $3)), ENVIRON["M"]) {
		print $1
	    }'
}

# sleeper_pids: this test's marked sleeps (not the shells that run them).
sleeper_pids()
{
	ps -eww -o pid=,stat=,args= | S="$SLEEPER" awk '
	    $2 !~ /^Z/ && $3 == ENVIRON["S"] { print $1 }'
}

# count_sleepers N: exactly N of this test's marked sleeps run.
count_sleepers()
{
	[ "$(sleeper_pids | wc -l)" -eq "$1" ]
}

# files_exist FILE...: all of them exist.
files_exist()
{
	local f

	for f in "$@"; do
		[ -e "$f" ] || return 1
	done
}

# expect_flow_error ERE [FILE]: "weft run FILE" and "weft check FILE"
# (default flow.yaml) exit 2, print nothing on stdout, and on stderr a line
# that starts with a match of ERE (so a suffix such as "(first at line 5)"
# is fine); every stderr line has the FILE:LINE:COL: form (or is "FILE:
# too many errors..."); nothing ran (no file "ran"), no .weft/runs.
expect_flow_error()
{
	local re=$1 cmd file=${2:-flow.yaml} fre

	fre=$(printf '%s' "$file" | sed 's/[.[\*^$()+?{|]/\\&/g')
	for cmd in run check; do
		run -2 --separate-stderr weft "$cmd" "$file"
		[ -z "$output" ] || fail "weft $cmd: stdout is not empty: $output"
		grep -Eq -- "^($re)" <<<"$stderr" ||
		    fail "weft $cmd: no stderr line matches /$re/; stderr: $stderr"
		if grep -Ev -- "^$fre: too many errors" <<<"$stderr" |
		    grep -Evq -- "^$fre:[0-9]+:[0-9]+: "; then
			fail "weft $cmd: a stderr line lacks '$file:LINE:COL: ': $stderr"
		fi
		[ ! -e .weft/runs ] || fail "weft $cmd created .weft/runs"
		[ ! -e ran ] || fail "weft $cmd ran a task"
	done
}
