# plugins.bash: helpers for the suites of function apps (plugins.bats,
# functions.bats), loaded after setup.bash.  The test plugins are the C
# files of tests/plugins/, built once per file by setup_file into
# $BATS_FILE_TMPDIR; each test gets copies in plugins/ of its work
# directory, so that workflows name them as plugins/libNAME.so.
#
#   build_plugins           (setup_file) compiles every test plugin
#   plugin_setup            (setup) weft_setup, the copies in plugins/, no
#                           core files
#   worker_list [RUN]       "PID P.K" of each live worker of RUN (default
#                           0001) of this test, by its process title
#   worker_pids [RUN]       their pids, one per line, sorted
#   count_workers N [RUN]   exactly N workers of RUN are alive
#   worker_pid P.K [RUN]    the pid of worker P.K (fails if there is none)
#   expect_check_errors ERE...
#                           "weft run flow.yaml" and "weft check flow.yaml"
#                           exit 2, print nothing on stdout, and print
#                           exactly one stderr line per ERE, each matching
#                           one of them (whole line); nothing runs
#   ere TEXT                TEXT as an ERE that matches just TEXT
#   mixed_flow              a graph of commands and functions that pass
#                           files, outputs and results both ways
#   finish_run [SECS]       waits for weft_start's run to end, reaps it;
#                           nothing of the test may be left
#   run_ctx                 exit status, stdout and stderr, for messages
#   expect_exit N           weft_start's run exited N
#   expect_out LINE         its stdout has exactly that line
#   expect_out_re ERE       its stdout has a line matching ERE
#   out_count ERE           how many lines of its stdout match ERE
#   none_alive PID...       none of them is alive (zombies count as gone)
#   in_list WORD LIST       WORD is one of the words of LIST
#
# With monitoring.bash loaded too, on run 0001 of the test:
#
#   result_of ID            task.weft_result of ID, as SQL quotes it: '11',
#                           '' or NULL
#   tries_of ID             "try|state|reason" of each try of ID, in order
#                           ("-": no reason)
#   try_pids ID             try.weft_pid of each try of ID, in order

PLUGIN_NAMES='results crash slow badabi notaplugin initfail inithang initcrash'

build_plugins()
{
	local name

	for name in $PLUGIN_NAMES; do
		# shellcheck disable=SC2086
		${CC:-cc} -shared -fPIC -Wall -Wextra -I"$WEFT_SRCDIR/include" \
		    -o "$BATS_FILE_TMPDIR/lib$name.so" \
		    "$WEFT_SRCDIR/tests/plugins/$name.c" || {
			echo "cannot build tests/plugins/$name.c" >&2
			return 1
		}
	done
}

plugin_setup()
{
	weft_setup || return 1
	mkdir plugins &&
	    cp "$BATS_FILE_TMPDIR"/lib*.so plugins/ || return 1
	# A crashing function would leave a core file in the work directory.
	ulimit -c 0
	unset WEFT_TEST_INIT_LOG
}

worker_list()
{
	local run=${1:-0001} p c

	for p in $(weft_test_procs); do
		cmdline_of c "$p" || continue
		if [[ $c =~ ^weft:\ worker\ ([0-9]+\.[0-9]+)\ run\ $run( |$) ]]
		then
			echo "$p ${BASH_REMATCH[1]}"
		fi
	done
}

worker_pids()
{
	worker_list "$@" | awk '{ print $1 }' | sort -n
}

count_workers()
{
	[ "$(worker_list "${2:-0001}" | wc -l)" -eq "$1" ]
}

worker_pid()
{
	worker_list "${2:-0001}" | awk -v k="$1" '$2 == k { print $1; f = 1 }
	    END { exit !f }'
}

expect_check_errors()
{
	local cmd re line n_re=$# found

	for cmd in run check; do
		run -2 --separate-stderr weft "$cmd" flow.yaml
		[ -z "$output" ] || fail "weft $cmd: stdout is not empty: $output"
		[ "${#stderr_lines[@]}" -eq "$n_re" ] ||
		    fail "weft $cmd: ${#stderr_lines[@]} stderr lines, not" \
		    "$n_re: $stderr"
		for re in "$@"; do
			found=
			for line in "${stderr_lines[@]}"; do
				[[ $line =~ ^($re)$ ]] && { found=1; break; }
			done
			[ -n "$found" ] ||
			    fail "weft $cmd: no stderr line matches /^$re\$/;" \
			    "stderr: $stderr"
		done
		[ ! -e .weft/runs ] || fail "weft $cmd created .weft/runs"
		[ ! -e ran ] || fail "weft $cmd ran a task"
	done
}

ere()
{
	printf '%s' "$1" | sed 's#[][\.*^$()+?{}|]#\\&#g'
}

# mixed_flow: commands and functions in one graph.  gen (a command, two
# tasks) writes gen-1.txt and gen-2.txt; cat (a function) concatenates
# them into cat.txt, result its size, 14; count (a function) adds 1 to
# cat's result; report (a command) reads cat's outputs and count's result
# into report.txt, "15 line-1 line-2" (cat.txt as a plain input path);
# last (a function) echoes "{report.outputs} done"; quiet (a function)
# sets no result, and empty (a command) prints it as "<>", and cat's
# outputs, into empty.txt.  8 tasks, 8 edges, 3 roots, 7 apps, 4 of them
# functions, from 2 plugins.
mixed_flow()
{
	write_flow <<'EOF'
weft: 1
name: mixed
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
  crash: plugins/libcrash.so
apps:
  gen:
    command: echo line-{n} > {outputs}
  cat:
    function: results.cat_inputs
  add:
    function: results.add
  report:
    command: echo {count.result} $(cat {inputs}) > {outputs}
  echo:
    function: results.echo
  ok:
    function: crash.ok
  empty:
    command: printf '<%s>\n' {quiet.result} {cat.outputs} > empty.txt
main:
  - id: gen
    app: gen
    foreach: {n: "1..2"}
    outputs: "gen-{n}.txt"
  - id: cat
    app: cat
    inputs: "{gen.outputs}"
    outputs: cat.txt
  - id: count
    app: add
    args: {x: "{cat.result}", y: "1"}
  - id: report
    app: report
    inputs: cat.txt
    outputs: report.txt
  - id: last
    app: echo
    args: {v: "{report.outputs} done"}
    needs: report
  - {id: quiet, app: ok}
  - {id: empty, app: empty}
EOF
}

finish_run()
{
	wait_for "${1:-30}" weft_exited ||
	    fail "weft run still runs: $(run_ctx); procs: $(show_test_procs)"
	weft_reap
	wait_for 3 no_test_procs || fail "left behind: $(show_test_procs)"
}

run_ctx()
{
	printf 'exit %s\nstdout:\n%s\nstderr:\n%s\n' "${WEFT_STATUS:-?}" \
	    "$(cat "$WEFT_OUT")" "$(cat "$WEFT_ERR")"
}

expect_exit()
{
	[ "$WEFT_STATUS" -eq "$1" ] || fail "not exit $1: $(run_ctx)"
}

expect_out()
{
	grep -qxF -- "$1" "$WEFT_OUT" || fail "no line '$1': $(run_ctx)"
}

expect_out_re()
{
	grep -qE -- "$1" "$WEFT_OUT" || fail "no line /$1/: $(run_ctx)"
}

out_count()
{
	grep -cE -- "$1" "$WEFT_OUT"
}

none_alive()
{
	local p

	for p in "$@"; do
		pid_alive "$p" && return 1
	done
	return 0
}

in_list()
{
	# shellcheck disable=SC2086
	[[ " $(echo $2) " == *" $1 "* ]]
}

result_of()
{
	q "SELECT quote(weft_result) FROM task WHERE run_id = '0001'
	    AND weft_task_id = '$1';"
}

tries_of()
{
	tries_in 0001 "$1"
}

try_pids()
{
	q "SELECT r.weft_pid FROM try r JOIN task t ON t.run_id = r.run_id
	    AND t.task_id = r.task_id WHERE t.run_id = '0001'
	    AND t.weft_task_id = '$1' ORDER BY r.try_id;"
}
