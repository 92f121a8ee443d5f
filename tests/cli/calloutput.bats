#!/usr/bin/env bats
#
# calloutput.bats: what a function call writes to stdout and stderr is
# that call's own.  A worker's stdout goes to worker-P.K.out and its
# stderr to worker-P.K.log in the run directory; each try row of a call
# names those files (try.weft_stdout, weft_stderr, absolute) and the
# byte range of each that the call wrote (weft_stdout_offset and _length,
# weft_stderr_offset and _length).  Read back from the files, every
# range holds exactly its call's text, over many calls on two workers
# (stdio buffers flushed by weft, raw writes), for a call that kills its
# worker (a crash, an exit, its walltime: what reached the files),
# for each try of a retried call, and, with no length yet, for a
# call still running; the task row names its last try's worker files.
# A failed call's stderr tail, under its failed line, in the JUnit and
# on GitHub Actions, is its own stretch of the log.  The test function
# is results.chatter (tests/plugins/results.c).

load setup
load monitoring
load plugins

export LC_ALL=C

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
	# Built with --enable-asan, a segfault must still be one, and write
	# nothing of its own into the worker's stderr.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0
}

RUN_DIR_REL=.weft/runs/0001
PY=/usr/bin/python3

# bytes FILE OFFSET LENGTH: LENGTH bytes of FILE from OFFSET (to its end
# when LENGTH is empty).
bytes()
{
	if [ -n "$3" ]; then
		tail -c "+$(($2 + 1))" "$1" | head -c "$3"
	else
		tail -c "+$(($2 + 1))" "$1"
	fi
}

# chatter_text STREAM ID TRY LINES: sets WANT to what results.chatter
# writes to STREAM (out or err) for try TRY of ID with LINES lines,
# without its raw line.
chatter_text()
{
	local k line

	WANT=
	for ((k = 0; k < $4; k++)); do
		printf -v line '%s %s try %s line %s\n' "$1" "$2" "$3" "$k"
		WANT+=$line
	done
}

# try_row ID TRY: "stdout|offset|length|stderr|offset|length|state" of
# that try of ID in run 0001.
try_row()
{
	q "SELECT r.weft_stdout, r.weft_stdout_offset,
	    coalesce(r.weft_stdout_length, ''), r.weft_stderr,
	    r.weft_stderr_offset, coalesce(r.weft_stderr_length, ''),
	    coalesce(r.weft_state, '')
	    FROM try r JOIN task t ON t.run_id = r.run_id
	    AND t.task_id = r.task_id WHERE t.run_id = '0001'
	    AND t.weft_task_id = '$1' AND r.try_id = $2;"
}

# file_text FILE: sets TEXT to FILE, read once per test (offsets count
# bytes: the C locale).
file_text()
{
	local t

	[ "${FILE_TEXT_TEST-}" = "$BATS_TEST_NUMBER" ] || {
		unset FILE_TEXT
		declare -gA FILE_TEXT
		FILE_TEXT_TEST=$BATS_TEST_NUMBER
	}
	if [ -z "${FILE_TEXT[$1]+set}" ]; then
		t=$(cat "$1" && echo x) || return 1
		FILE_TEXT[$1]=${t%x}
	fi
	TEXT=${FILE_TEXT[$1]}
}

# check_range ID TRY LINES STREAM FILE OFFSET LENGTH: bytes [OFFSET,
# +LENGTH) of FILE are exactly what that call wrote to STREAM: its raw
# line once, anywhere (a raw write), and its stdio lines in order.
check_range()
{
	local raw got rest want

	raw="raw $1 try $2"$'\n'
	file_text "$5" || fail "cannot read $5"
	[ $(($6 + $7)) -le "${#TEXT}" ] ||
	    fail "$1 try $2: [$6, +$7) is past the end of $5 (${#TEXT} bytes)"
	got=${TEXT:$6:$7}
	rest=${got/"$raw"/}
	chatter_text "$4" "$1" "$2" "$3"
	want=$WANT
	[ "${#rest}" -eq $((${#got} - ${#raw})) ] && [ "$rest" = "$want" ] ||
	    fail "$1 try $2: $4 [$6, +$7) of $5 holds:
$got
instead of, in any place, '$raw' among:
$want"
}

# check_try ID TRY LINES: the try row's ranges hold exactly that call's
# text, in the files of one worker of pool 0; sets ROW_OUT to its stdout
# file.
check_try()
{
	local row out ooff olen err eoff elen state run
	run=$WEFT_WORK/$RUN_DIR_REL
	row=$(try_row "$1" "$2")
	IFS='|' read -r out ooff olen err eoff elen state <<<"$row"
	check_row "$1" "$2" "$3" "$out" "$ooff" "$olen" "$err" "$eoff" "$elen"
	ROW_OUT=$out
}

# check_row ID TRY LINES STDOUT OFFSET LENGTH STDERR OFFSET LENGTH
check_row()
{
	local run=$WEFT_WORK/$RUN_DIR_REL

	[[ $4 =~ ^$run/worker-0\.[0-9]+\.out$ ]] ||
	    fail "$1 try $2: stdout '$4'"
	[ "$7" = "${4%.out}.log" ] ||
	    fail "$1 try $2: stderr '$7' with stdout '$4'"
	[[ $5 =~ ^[0-9]+$ && $6 =~ ^[0-9]+$ && $8 =~ ^[0-9]+$ &&
	    $9 =~ ^[0-9]+$ ]] || fail "$1 try $2: ranges $5 $6 $8 $9"
	check_range "$1" "$2" "$3" out "$4" "$5" "$6"
	check_range "$1" "$2" "$3" err "$7" "$8" "$9"
}

@test "each of many calls on two workers has exactly its own stdout and stderr" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
apps:
  chat:
    function: results.chatter
main:
  - id: c
    app: chat
    foreach: {i: "1..100"}
    args: {lines: "{i}"}
EOF
	run weft run flow.yaml
	assert_success
	local id try out ooff olen err eoff elen i outs="" total=0 n=0
	local run=$WEFT_WORK/$RUN_DIR_REL
	while IFS='|' read -r id try out ooff olen err eoff elen; do
		[[ $id =~ ^c\[i=([0-9]+)\]$ ]] || fail "task $id"
		i=${BASH_REMATCH[1]}
		check_row "$id" "$try" "$i" "$out" "$ooff" "$olen" "$err" \
		    "$eoff" "$elen"
		in_list "$out" "$outs" || outs="$outs $out"
		total=$((total + i + 1))
		n=$((n + 1))
	done < <(q "SELECT t.weft_task_id, r.try_id, r.weft_stdout,
	    r.weft_stdout_offset, r.weft_stdout_length, r.weft_stderr,
	    r.weft_stderr_offset, r.weft_stderr_length
	    FROM try r JOIN task t ON t.run_id = r.run_id
	    AND t.task_id = r.task_id WHERE t.run_id = '0001';")
	assert_equal "$n" 100
	# Both workers took calls.
	assert_equal "$(wc -w <<<"$outs")" 2
	# Nothing else writes to a worker's stdout: its calls' ranges, in
	# order, tile the whole file.
	local f end off len n
	for f in "$run/worker-0.0.out" "$run/worker-0.1.out"; do
		end=0
		n=0
		while IFS='|' read -r off len; do
			[ "$off" -eq "$end" ] ||
			    fail "$f: a range at $off, the one before ended at $end"
			end=$((off + len))
			n=$((n + 1))
		done < <(q "SELECT weft_stdout_offset, weft_stdout_length
		    FROM try WHERE run_id = '0001' AND weft_stdout = '$f'
		    ORDER BY weft_stdout_offset;")
		[ "$n" -gt 0 ] || fail "$f: no call"
		assert_equal "$end" "$(stat -c %s "$f")"
	done
	# The stderr ranges do not overlap, and every line the calls wrote
	# to stderr is in one (they hold exactly their calls' lines, above).
	for f in "$run/worker-0.0.log" "$run/worker-0.1.log"; do
		end=0
		while IFS='|' read -r off len; do
			[ "$off" -ge "$end" ] ||
			    fail "$f: a range at $off, the one before ended at $end"
			end=$((off + len))
		done < <(q "SELECT weft_stderr_offset, weft_stderr_length
		    FROM try WHERE run_id = '0001' AND weft_stderr = '$f'
		    ORDER BY weft_stderr_offset;")
	done
	assert_equal "$(cat "$run"/worker-0.*.log | grep -cE '^(err|raw) c\[')" \
	    "$total"
	# The task row names the files of the worker of its last try.
	run q "SELECT count(*) FROM task t JOIN try r ON r.run_id = t.run_id
	    AND r.task_id = t.task_id WHERE t.run_id = '0001'
	    AND t.task_stdout = r.weft_stdout AND t.task_stderr = r.weft_stderr;"
	assert_output 100
}

@test "a call that kills its worker has what it wrote before it died" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
plugins:
  results: plugins/libresults.so
apps:
  chat:
    function: results.chatter
main:
  - {id: a, app: chat, args: {lines: "2"}}
  - {id: segv, app: chat, args: {lines: "3", die: segv}}
  - {id: b, app: chat, args: {lines: "4"}}
  - {id: exit, app: chat, args: {lines: "5", die: exit}}
  - {id: c, app: chat, args: {lines: "6"}}
EOF
	run weft run flow.yaml
	assert_failure 1
	local said=$output
	check_try a 0 2
	check_try segv 0 3
	check_try b 0 4
	check_try exit 0 5
	check_try c 0 6
	run tries_of segv
	assert_output '0|failed|worker killed by SIGSEGV'
	run tries_of exit
	assert_output '0|failed|worker exited with status 3'
	# Three workers in turn ran the calls, and wrote to the same files.
	run q "SELECT count(DISTINCT weft_pid), count(DISTINCT weft_stdout)
	    FROM try WHERE run_id = '0001';"
	assert_output '3|1'
	run q "SELECT task_stdout, task_stderr FROM task
	    WHERE weft_task_id = 'segv';"
	assert_output "$WEFT_WORK/$RUN_DIR_REL/worker-0.0.out|$WEFT_WORK/$RUN_DIR_REL/worker-0.0.log"
	[[ $said == *"failed segv: worker killed by SIGSEGV, stderr in $WEFT_WORK/$RUN_DIR_REL/worker-0.0.log"* ]] ||
	    fail "weft run said: $said"
}

@test "a call killed at its walltime has what reached its files" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
plugins:
  results: plugins/libresults.so
apps:
  chat:
    function: results.chatter
  long:
    function: results.chatter
    walltime: 1s
main:
  - {id: a, app: chat, args: {lines: "2"}}
  - {id: t, app: long, args: {lines: "3", sleep_ms: "60000", after: "{a.result}"}}
  - {id: b, app: chat, args: {lines: "4", after: "{t.result}"}}
EOF
	run weft run flow.yaml
	assert_failure 1
	run tries_of t
	assert_output '0|timeout|timeout after 1s (walltime)'
	check_try a 0 2
	local out ooff olen err eoff elen state
	IFS='|' read -r out ooff olen err eoff elen state <<<"$(try_row t 0)"
	assert_equal "$out" "$WEFT_WORK/$RUN_DIR_REL/worker-0.0.out"
	# Its stderr is unbuffered, all there; of its stdout only the raw
	# write, since stdio's buffer died with the worker.
	check_range t 0 3 err "$err" "$eoff" "$elen"
	file_text "$out"
	assert_equal "${TEXT:$ooff:$olen}" 'raw t try 0'$'\n'
	# b never ran (t failed); a's range ends where t's begins.
	run q "SELECT weft_stdout_offset + weft_stdout_length FROM try r
	    JOIN task t USING (run_id, task_id) WHERE t.weft_task_id = 'a';"
	assert_output "$ooff"
}

@test "each try of a retried call has its own range" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2, retries: 3}
plugins:
  results: plugins/libresults.so
apps:
  chat:
    function: results.chatter
main:
  - {id: f, app: chat, args: {lines: "3", fail_tries: "3"}}
  - id: other
    app: chat
    foreach: {i: "1..20"}
    args: {lines: "1"}
EOF
	run weft run flow.yaml
	assert_success
	run tries_of f
	assert_output '0|failed|function failed: chattered
1|failed|function failed: chattered
2|failed|function failed: chattered
3|done|-'
	local t i last
	for t in 0 1 2 3; do
		check_try f "$t" 3
		last=$ROW_OUT
	done
	for ((i = 1; i <= 20; i++)); do
		check_try "other[i=$i]" 0 1
	done
	run q "SELECT task_stdout FROM task WHERE weft_task_id = 'f';"
	assert_output "$last"
}

@test "a running call's try row names its files and where its output begins" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 1}
plugins:
  results: plugins/libresults.so
apps:
  chat:
    function: results.chatter
main:
  - {id: first, app: chat, args: {lines: "2"}}
  - {id: slow, app: chat, args: {lines: "2", sleep_ms: "60000", after: "{first.result}"}}
EOF
	weft_start run flow.yaml
	wait_for 30 eval '[ -n "$(try_row slow 0 2>/dev/null | cut -d"|" -f2)" ]' ||
	    fail "no range for slow: $(try_row slow 0); $(run_ctx)"
	local out ooff olen err eoff elen state
	IFS='|' read -r out ooff olen err eoff elen state <<<"$(try_row slow 0)"
	assert_equal "$out" "$WEFT_WORK/$RUN_DIR_REL/worker-0.0.out"
	assert_equal "$err" "$WEFT_WORK/$RUN_DIR_REL/worker-0.0.log"
	# No length nor state yet: the call runs, its output so far is from
	# the offset to the end.  Its stderr is unbuffered; of its stdout,
	# only the raw write is there before weft flushes stdio.
	assert_equal "$olen|$elen|$state" '||'
	chatter_text err slow 0 2
	WANT+="raw slow try 0"
	wait_for 10 eval '[ "$(bytes "$err" "$eoff" "")" = "$WANT" ]' ||
	    fail "stderr of slow so far: $(bytes "$err" "$eoff" "")"
	assert_equal "$(bytes "$out" "$ooff" "")" 'raw slow try 0'
	check_try first 0 2
	kill -TERM "$WEFT_PID"
	finish_run
}

@test "a failed call's stderr tail: its own lines under its failed line, in the JUnit and with GitHub's groups" {
	write_flow <<'EOF2'
weft: 1
config: {jobs: 2}
plugins:
  results: plugins/libresults.so
apps:
  chat:
    function: results.chatter
main:
  - {id: f, app: chat, args: {lines: "4", fail_tries: "1"}}
  - id: other
    app: chat
    foreach: {i: "1..30"}
    args: {lines: "2"}
EOF2
	run -1 weft run --tail 3 --junit j.xml flow.yaml
	assert_event 'failed   f function failed: chattered'
	# The last three lines of the call's stderr, none of other calls'.
	local under
	under=$(awk '/^..:..:.. failed   f /{ on = 1; next }
	    on && /^    / { print; next } { on = 0 }' <<<"$output")
	[ "$under" = "$(printf '    %s\n' 'err f try 0 line 2' \
	    'err f try 0 line 3' 'raw f try 0')" ] ||
	    fail "under f: '$under' in: $output"
	# The JUnit failure has its tail too.
	run "$PY" -c '
from junitparser import JUnitXml
s = list(JUnitXml.fromfile("j.xml"))[0]
c = [c for c in s if c.name == "f"][0]
t = c.result[0].text
tail = t.split("--- last 20 lines of stderr ---\n")[1]
print(tail, end="")'
	assert_success
	assert_output "err f try 0 line 0
err f try 0 line 1
err f try 0 line 2
err f try 0 line 3
raw f try 0"
	# On GitHub Actions: in a group, and in the annotation.
	rm -rf .weft
	GITHUB_ACTIONS=true run -1 weft run --tail 2 flow.yaml
	assert_line '::group::stderr of f (last 2 lines)'
	assert_line --partial '::error title=f::f failed: function failed: chattered%0Aerr'
	assert_line --partial 'err f try 0 line 3%0Araw f try 0'
}
