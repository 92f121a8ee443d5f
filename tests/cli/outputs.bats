#!/usr/bin/env bats
#
# outputs.bats: a task's declared outputs count only once it succeeded.  A
# try that exits 0 without making an output fails ("missing output: P",
# or "missing outputs: A, B" as declared), and is retried like any
# failure; before each try weft removes the outputs that exist (regular
# files and symlinks, never their targets), so that a stale output cannot
# make a task that writes nothing pass; after a try that did not succeed
# (an exit, a signal, a walltime, a missing output, an interrupt) weft
# removes what it left; directories are left alone; an output outside the
# workflow's folder (../x, or absolute elsewhere) is allowed with one
# warning per output template from both check and run, does not change
# the exit status, and is never removed.  All of this for function tasks
# too (tests/plugins/results.c: count makes no output, write_outputs
# writes them and may then sleep or fail).  The kill of --fail-fast is in
# failpolicy.bats.

load setup
load monitoring
load plugins
load robust

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
}

teardown()
{
	robust_teardown
}

@test "a task that exits 0 without its output fails: missing output" {
	write_flow <<'EOF'
weft: 1
apps:
  none: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
  use: {command: 'echo "$WEFT_TASK_ID" >>@DIR@/effects'}
main:
  - {id: t, app: none, outputs: o.txt}
  - {id: child, app: use, inputs: o.txt}
EOF
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   t missing output: o.txt'
	assert_line --regexp '^..:..:.. dep_fail +child \(needs t\)$'
	assert_line --regexp '^summary: 2 tasks: 1 failed, 1 dep_fail in '
	ran_exactly t
	run tries_of t
	assert_output '0|failed|missing output: o.txt'
	run q "SELECT weft_state FROM task WHERE weft_task_id = 't';"
	assert_output failed
}

@test "missing outputs: the first one as declared, or all of them; the rest removed" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  some: {command: 'for f in $(echo {made}); do echo made >$f; done'}
main:
  - {id: one, app: some, args: {made: "x.txt z.txt"}, outputs: [x.txt, y.txt, z.txt]}
  - {id: two, app: some, args: {made: "b.txt"}, outputs: [c.txt, b.txt, a.txt]}
EOF
	# {made} is one quoted word; $(echo ...) splits it.
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   one missing output: y.txt'
	assert_event 'failed   two missing outputs: c.txt, a.txt'
	run tries_of two
	assert_output '0|failed|missing outputs: c.txt, a.txt'
	# What the failed tries did make does not count: it is gone.
	local f
	for f in x.txt z.txt b.txt; do
		[ ! -e "$f" ] || fail "$f of a failed try is still there"
	done
}

@test "a missing output is retried; the task is done once it is made" {
	write_flow <<'EOF'
weft: 1
apps:
  second:
    command: 'n=$(($(cat @DIR@/t.count 2>/dev/null || echo 0) + 1)); echo $n >@DIR@/t.count; [ $n -lt 2 ] || echo made >{outputs}'
    retries: 1
main:
  - {id: t, app: second, outputs: o.txt}
EOF
	run --separate-stderr weft run flow.yaml
	assert_success
	assert_event 'retry    t missing output: o.txt (retry 1 of 1)'
	assert_line --regexp '^..:..:.. done +t [0-9.]+s$'
	run cat o.txt
	assert_output made
	run tries_of t
	assert_output '0|failed|missing output: o.txt
1|done|-'
}

@test "a stale output is removed before the try: it cannot pass for a new one" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  none: {command: 'true'}
  look: {command: 'if [ -e {outputs} ]; then echo stale >saw; fi; echo new >{outputs}'}
main:
  - {id: lazy, app: none, outputs: old.txt}
  - {id: deep, app: none, outputs: sub/old.txt}
  - {id: look, app: look, outputs: seen.txt}
EOF
	echo old >old.txt
	mkdir sub && echo old >sub/old.txt
	echo old >seen.txt
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   lazy missing output: old.txt'
	assert_event 'failed   deep missing output: sub/old.txt'
	assert_line --regexp '^..:..:.. done +look [0-9.]+s$'
	[ ! -e old.txt ] && [ ! -e sub/old.txt ] ||
	    fail "a stale output is still there"
	[ -d sub ] || fail "the folder of an output was removed"
	[ ! -e saw ] || fail "the task saw its stale output"
	run cat seen.txt
	assert_output new
}

@test "a stale symlink output is removed, never its target" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  none: {command: 'if [ -L {outputs} ]; then echo link >>saw; fi'}
main:
  - {id: in, app: none, outputs: in.lnk}
  - {id: out, app: none, outputs: out.lnk}
  - {id: dang, app: none, outputs: dangling.lnk}
EOF
	echo keep >target.txt
	echo keep >../outside-target.txt
	ln -s target.txt in.lnk
	ln -s ../outside-target.txt out.lnk
	ln -s no-such-file dangling.lnk
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   in missing output: in.lnk'
	assert_event 'failed   out missing output: out.lnk'
	assert_event 'failed   dang missing output: dangling.lnk'
	[ ! -e saw ] || fail "a task saw its stale symlink: $(cat saw)"
	[ ! -L in.lnk ] && [ ! -L out.lnk ] && [ ! -L dangling.lnk ] ||
	    fail "a stale symlink is still there: $(ls -l)"
	run cat target.txt ../outside-target.txt
	assert_output 'keep
keep'
}

@test "outputs of a failed try are removed: exit, signal, walltime, retry" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
apps:
  ex: {command: 'echo x >ex.txt; ln -s ex-target.txt ex.lnk; exit 2'}
  sig: {command: 'echo x >sig.txt; kill -KILL $$'}
  wall: {command: 'echo x >wall.txt; @SLEEP@ 30', walltime: 1s}
  again:
    command: 'n=$(($(cat @DIR@/r.count 2>/dev/null || echo 0) + 1)); echo $n >@DIR@/r.count; if [ -e r.txt ]; then echo stale >saw-r; fi; echo "try $n" >r.txt; [ $n -ge 2 ] || exit 1'
    retries: 1
main:
  - {id: ex, app: ex, outputs: [ex.txt, ex.lnk]}
  - {id: sig, app: sig, outputs: sig.txt}
  - {id: wall, app: wall, outputs: wall.txt}
  - {id: again, app: again, outputs: r.txt}
EOF
	echo keep >ex-target.txt
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   ex exit 2'
	assert_event 'failed   sig killed by SIGKILL'
	assert_event 'failed   wall timeout after 1s (walltime)'
	assert_event 'retry    again exit 1 (retry 1 of 1)'
	assert_line --regexp '^..:..:.. done +again [0-9.]+s$'
	local f
	for f in ex.txt ex.lnk sig.txt wall.txt; do
		[ ! -e "$f" ] && [ ! -L "$f" ] ||
		    fail "$f of a failed try is still there"
	done
	run cat ex-target.txt
	assert_output keep
	# The retry did not find the first try's output.
	[ ! -e saw-r ] || fail "the retry saw the failed try's output"
	run cat r.txt
	assert_output 'try 2'
}

@test "an interrupt removes the outputs of the tasks it kills, not of done ones" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  quick: {command: 'echo done >{outputs}'}
  long: {command: 'echo partial >{outputs}; touch @DIR@/long.started; @SLEEP@ 300'}
main:
  - {id: quick, app: quick, outputs: quick.txt}
  - {id: long, app: long, outputs: long.txt}
EOF
	weft_start run flow.yaml
	wait_for 30 files_exist long.started long.txt ||
	    fail "the long task did not start: $(run_ctx)"
	wait_for 30 out_done quick || fail "quick is not done: $(run_ctx)"
	kill -INT "$WEFT_PID"
	finish_run 10
	expect_exit 130
	[ ! -e long.txt ] || fail "the killed task's output is still there"
	run cat quick.txt
	assert_output done
}

@test "directories among the outputs are left alone" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  add: {command: 'mkdir -p {outputs} && echo new >{outputs}/new.txt'}
  bad: {command: 'mkdir -p {outputs} && echo x >{outputs}/f.txt; exit 1'}
main:
  - {id: add, app: add, outputs: d}
  - {id: bad, app: bad, outputs: e}
EOF
	mkdir d && echo old >d/old.txt
	run -1 --separate-stderr weft run flow.yaml
	assert_line --regexp '^..:..:.. done +add [0-9.]+s$'
	assert_event 'failed   bad exit 1'
	run cat d/old.txt d/new.txt e/f.txt
	assert_output 'old
new
x'
}

@test "outputs outside the folder: one warning each from check and run, exit 0" {
	write_flow wf/flow.yaml <<'EOF'
weft: 1
apps:
  mk: {command: 'echo new >{outputs}'}
  fan: {command: 'echo {n} >{outputs}'}
  keep: {command: 'cat ../pre.txt >saw-pre; echo new >../pre.txt'}
main:
  - id: up
    app: mk
    outputs: ../up.txt
  - id: abs
    app: mk
    outputs: @DIR@/abs.txt
  - id: fan
    app: fan
    foreach: {n: "1..3"}
    outputs: "../fan-{n}.txt"
  - id: pre
    app: keep
    outputs: ../pre.txt
  - id: inside
    app: mk
    outputs: in.txt
EOF
	echo old >pre.txt
	local -a want=(
	    "$(warn_re wf/flow.yaml 9 "\.\./up\.txt" up)"
	    "$(warn_re wf/flow.yaml 12 "$(ere "$WEFT_WORK/abs.txt")" abs)"
	    "$(warn_re wf/flow.yaml 16 "\.\./fan-(\{n\}|1)\.txt" "fan\[n=1\]")"
	    "$(warn_re wf/flow.yaml 19 "\.\./pre\.txt" pre)"
	)
	run --separate-stderr weft check wf/flow.yaml
	assert_success
	assert_line --index 0 'wf/flow.yaml: ok'
	expect_warnings "${want[@]}"
	[ ! -e wf/.weft ] && [ ! -e up.txt ] || fail "check ran something"
	run --separate-stderr weft run wf/flow.yaml
	assert_success
	assert_line --regexp '^summary: 7 tasks: 7 done in '
	expect_warnings "${want[@]}"
	# The old outside output was not removed before the try.
	run cat wf/saw-pre
	assert_output old
	run cat up.txt abs.txt fan-1.txt fan-3.txt pre.txt wf/in.txt
	assert_output 'new
new
1
3
new
new'
}

@test "outputs outside the folder are checked but never removed" {
	write_flow wf/flow.yaml <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  bad: {command: 'echo new >{outputs}; exit 3'}
  none: {command: 'true'}
main:
  - {id: bad, app: bad, outputs: ../bad.txt}
  - {id: none, app: none, outputs: ../none.txt}
EOF
	run -1 --separate-stderr weft run wf/flow.yaml
	assert_event 'failed   bad exit 3'
	assert_event 'failed   none missing output: ../none.txt'
	expect_warnings \
	    "$(warn_re wf/flow.yaml 7 "\.\./bad\.txt" bad)" \
	    "$(warn_re wf/flow.yaml 8 "\.\./none\.txt" none)"
	# A failed try's output outside the folder stays.
	run cat bad.txt
	assert_output new
}

@test "function tasks: missing, stale, failed and timed-out outputs" {
	write_flow <<'EOF'
weft: 1
config: {jobs: 4}
plugins:
  results: plugins/libresults.so
apps:
  count: {function: results.count}
  wo: {function: results.write_outputs}
  slow: {function: results.write_outputs, walltime: 1s}
main:
  - {id: nothing, app: count, args: {file: effects}, outputs: f-none.txt}
  - {id: two, app: count, args: {file: effects}, outputs: [f-a.txt, f-b.txt]}
  - {id: wrote, app: wo, args: {fail: "yes"}, outputs: [f-w1.txt, f-w2.txt]}
  - {id: late, app: slow, args: {sleep: "30"}, outputs: f-s.txt}
  - {id: good, app: wo, args: {v: fine}, outputs: f-g.txt}
  - {id: far, app: wo, outputs: ../far-fn.txt}
EOF
	echo old >f-none.txt
	echo old >f-b.txt
	run -1 --separate-stderr weft run flow.yaml
	assert_event 'failed   nothing missing output: f-none.txt'
	assert_event 'failed   two missing outputs: f-a.txt, f-b.txt'
	assert_event 'failed   wrote function failed: wrote and failed'
	assert_event 'failed   late timeout after 1s (walltime)'
	assert_line --regexp '^..:..:.. done +good [0-9.]+s$'
	assert_line --regexp '^..:..:.. done +far [0-9.]+s$'
	assert_line --regexp '^summary: 6 tasks: 2 done, 4 failed in '
	expect_warnings "$(warn_re flow.yaml 15 "\.\./far-fn\.txt" far)"
	# The functions did run (they count), and what they left is gone.
	[ "$(effects_of nothing)" -eq 1 ] && [ "$(effects_of two)" -eq 1 ] ||
	    fail "effects: $(cat effects 2>&1)"
	local f
	for f in f-none.txt f-a.txt f-b.txt f-w1.txt f-w2.txt f-s.txt; do
		[ ! -e "$f" ] || fail "$f is still there"
	done
	run cat f-g.txt ../far-fn.txt
	assert_output 'good try 0
far try 0'
	run tries_of nothing
	assert_output '0|failed|missing output: f-none.txt'
	run tries_of late
	assert_output '0|timeout|timeout after 1s (walltime)'
	run result_of good
	assert_output "'fine'"
}
