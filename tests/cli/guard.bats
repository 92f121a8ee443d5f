#!/usr/bin/env bats
#
# guard.bats: the main body is guarded.  Only "weft run" expands and runs
# main; every helper loads the definitions only.  With several pools and
# many tasks, each task runs exactly once, every pool says in its log that
# it loaded the definitions and not the main body, the snapshot that the
# children load is the input file, and the data files and folders a
# foreach reads are opened by weft run alone (strace).

load setup

@test "each of 50 tasks runs exactly once with jobs: 4 and pools: 3" {
	write_flow <<'EOF'
# guard: fifty tasks, each appends its number to one file.
weft: 1
name: guard
config:
  jobs: 4
  provider:
    kind: local
    pools: 3
env:
  GUARD: "yes"
apps:
  append:
    command: echo {i} >> lines.txt
main:
  - id: line
    app: append
    foreach: {i: "1..50"}
EOF
	run weft run flow.yaml
	assert_success
	assert_line --index 0 "weft: run 0001 in $WEFT_WORK/.weft/runs/0001 (50 tasks, 3 pools x 4 jobs)"
	assert_line --regexp '^summary: 50 tasks: 50 done in '
	[ "$(wc -l <lines.txt)" -eq 50 ] ||
	    fail "lines.txt has $(wc -l <lines.txt) lines, not 50"
	run diff <(sort -n lines.txt) <(seq 1 50)
	assert_success
	run bash -c "sort lines.txt | uniq -d"
	assert_output ''
}

@test "every pool loads the definitions only" {
	write_flow <<'EOF'
weft: 1
config:
  jobs: 2
  provider: {kind: local, pools: 3}
apps:
  append:
    command: echo {i} >> lines.txt
main:
  - id: line
    app: append
    foreach: {i: "1..6"}
EOF
	run weft run flow.yaml
	assert_success
	local n log
	for n in 0 1 2; do
		log=.weft/runs/0001/pool-$n.log
		[ -f "$log" ] || fail "$log is missing"
		grep -q 'loaded definitions from' "$log" ||
		    fail "$log lacks 'loaded definitions from': $(cat "$log")"
		# The children load the snapshot, not the user's file.
		grep 'loaded definitions from' "$log" |
		    grep -q "runs/0001/workflow.yaml" ||
		    fail "$log: definitions not loaded from the snapshot: $(cat "$log")"
		grep -q 'main body not loaded' "$log" ||
		    fail "$log lacks 'main body not loaded': $(cat "$log")"
	done
	[ "$(wc -l <lines.txt)" -eq 6 ]
}

@test "the run's workflow.yaml is a byte-for-byte snapshot of the input" {
	cp "$FIXTURES/pi.yaml" flow.yaml
	# Odd but valid bytes: a comment with a tab, no final newline.
	printf '# trailing comment, "\t" and no newline' >>flow.yaml
	run weft run flow.yaml
	assert_success
	cmp flow.yaml .weft/runs/0001/workflow.yaml
	[ "$(stat -c %a .weft/runs/0001)" = 700 ]
}

@test "only the launching process reads the data of a foreach: helpers never open it" {
	printf 'A\nB\nC\n' >samples.txt
	mkdir -p data && touch data/x.fa data/y.fa
	write_flow <<'EOF'
weft: 1
config: {jobs: 2, provider: {kind: local, pools: 2}}
apps:
  qc: {command: "echo {s} {f.stem} >> got"}
main:
  - id: qc
    app: qc
    foreach: {s: {lines: samples.txt}, f: {glob: "data/*.fa"}}
EOF
	# LeakSanitizer cannot stop a traced process: no leak check here.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run timeout 60 strace -f -qq -e trace=openat,open -o trace \
	    "$WEFT" run -q flow.yaml
	assert_success
	[ "$(wc -l <got)" -eq 6 ]
	# The first pid of the trace is weft run's own.
	local main_pid
	main_pid=$(head -1 trace | awk '{ print $1 }')
	run awk -v m="$main_pid" '/samples\.txt|\/data/ && $1 != m' trace
	assert_output ''
	grep -q 'samples\.txt' trace || fail "nobody opened samples.txt"
}
