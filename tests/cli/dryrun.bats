#!/usr/bin/env bats
#
# dryrun.bats: "weft run -n" (--dry-run) and "-p" (--print).  A fan-out
# over data files runs for real; then inputs, a command template, a
# function's arguments, outputs and the foreach values change, and
# "weft run -n -p --resume" must say exactly which tasks would run, why
# (the parts of each key recorded in the cache against the task now),
# and what each would run, quoted as the shell gets it; so do a changed
# env, inputs added and removed, and a corrupt entry.  A dry run writes
# nothing; -p without -n is a usage error; a cache recorded without the
# parts of its keys says "changed", and the next run adds them.

load setup
load plugins

setup_file()
{
	build_plugins
}

setup()
{
	plugin_setup
}

# fan_flow [SAMPLES] [QC-MARK] [SAY]: qc over data/SAMPLE.fa, a label
# whose value has spaces and quotes, a report of every qc, and a function
# call after the report.
fan_flow()
{
	local samples=${1:-A, B, C} mark=${2:-v1} say=${3:-done}

	mkdir -p data out
	write_flow <<EOF
weft: 1
name: fan
plugins:
  results: plugins/libresults.so
apps:
  qc:
    command: cat {inputs} > {outputs}; echo qc-$mark >> {outputs}
  label:
    command: printf '%s\n' {tag} > {outputs}
  merge:
    command: cat {inputs} > {outputs}
  echo:
    function: results.echo
main:
  - id: qc
    app: qc
    foreach: {sample: [$samples]}
    inputs: "data/{sample}.fa"
    outputs: "out/{sample}.qc"
  - id: label
    app: label
    args: {tag: "it's a \"b\" c"}
    outputs: out/label.txt
  - id: report
    app: merge
    inputs: "{qc.outputs}"
    outputs: out/report.txt
  - id: say
    app: echo
    args: {v: "{report.outputs} $say"}
    needs: report
EOF
}

fan_data()
{
	local s

	mkdir -p data
	for s in "$@"; do
		echo ">$s" >"data/$s.fa"
	done
}

# The files of .weft with their sizes and times: a dry run changes none
# (but SQLite's shared-memory index, which every reader of a WAL uses).
weft_files()
{
	find .weft -type f ! -name '*-shm' -printf '%p %s %T@\n' 2>/dev/null |
	    sort
}

@test "-n -p on a fresh folder: every task new, with its command" {
	fan_data A B C
	fan_flow
	run --separate-stderr weft run -n -p --resume flow.yaml
	assert_success
	assert_output "run      qc[sample=A] (new)
    cat data/A.fa > out/A.qc; echo qc-v1 >> out/A.qc
run      qc[sample=B] (new)
    cat data/B.fa > out/B.qc; echo qc-v1 >> out/B.qc
run      qc[sample=C] (new)
    cat data/C.fa > out/C.qc; echo qc-v1 >> out/C.qc
run      label (new)
    printf '%s\n' 'it'\\''s a \"b\" c' > out/label.txt
run      report (dependency re-runs: qc[sample=A])
    cat out/A.qc out/B.qc out/C.qc > out/report.txt
run      say (dependency re-runs: report)
    function results:echo(v=\"out/report.txt done\")
dry run: 6 tasks: 6 to run, 0 cached"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	[ ! -e .weft ] || fail "a dry run made .weft: $(find .weft)"
	[ ! -e out/A.qc ] || fail "a task ran"
}

@test "-n -p --resume after changes: each task's verdict, reason and command" {
	local before
	fan_data A B C
	fan_flow
	run weft run flow.yaml
	assert_success
	run --separate-stderr weft run -n --resume flow.yaml
	assert_success
	assert_output "cached   qc[sample=A]
cached   qc[sample=B]
cached   qc[sample=C]
cached   label
cached   report
cached   say
dry run: 6 tasks: 0 to run, 6 cached"
	# One input, one command template, one output gone, one more sample.
	echo '>C changed' >data/C.fa
	fan_data D
	rm out/B.qc
	fan_flow 'A, B, C, D' v2
	sed -i 's/qc-v2/qc-v1/' flow.yaml
	sed -i "s/printf '%s/printf '[%s]/" flow.yaml
	grep -q "printf '\[%s\]" flow.yaml || fail "flow.yaml: $(cat flow.yaml)"
	before=$(weft_files)
	run --separate-stderr weft run -n -p --resume flow.yaml
	assert_success
	assert_output "cached   qc[sample=A]
    cat data/A.fa > out/A.qc; echo qc-v1 >> out/A.qc
run      qc[sample=B] (output missing: out/B.qc)
    cat data/B.fa > out/B.qc; echo qc-v1 >> out/B.qc
run      qc[sample=C] (input changed: data/C.fa)
    cat data/C.fa > out/C.qc; echo qc-v1 >> out/C.qc
run      qc[sample=D] (new)
    cat data/D.fa > out/D.qc; echo qc-v1 >> out/D.qc
run      label (command changed)
    printf '[%s]\n' 'it'\\''s a \"b\" c' > out/label.txt
run      report (dependency re-runs: qc[sample=B])
    cat out/A.qc out/B.qc out/C.qc out/D.qc > out/report.txt
run      say (dependency re-runs: report)
    function results:echo(v=\"out/report.txt done\")
dry run: 7 tasks: 6 to run, 1 cached"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	[ "$(weft_files)" = "$before" ] || fail "the dry run changed .weft"
	[ ! -e out/B.qc ] || fail "a task ran"
	# -n alone: the same verdicts and reasons, no commands.
	run --separate-stderr weft run --dry-run --resume flow.yaml
	assert_success
	assert_output "cached   qc[sample=A]
run      qc[sample=B] (output missing: out/B.qc)
run      qc[sample=C] (input changed: data/C.fa)
run      qc[sample=D] (new)
run      label (command changed)
run      report (dependency re-runs: qc[sample=B])
run      say (dependency re-runs: report)
dry run: 7 tasks: 6 to run, 1 cached"
	# Without --resume every task runs, and no reason is given.
	run --separate-stderr weft run -n -p flow.yaml
	assert_success
	assert_line --index 0 "run      qc[sample=A]"
	assert_line --index 1 "    cat data/A.fa > out/A.qc; echo qc-v1 >> out/A.qc"
	assert_line --index 14 "dry run: 7 tasks: 7 to run, 0 cached"
	refute_line --regexp '^(run|cached) .*\)$'
	# What the dry run said is what the run does.
	run weft run --resume flow.yaml
	assert_success
	assert_line --regexp "^..:..:.. cached +qc\\[sample=A\\]\$"
	refute_line --regexp "^..:..:.. done +qc\\[sample=A\\] "
	for id in 'qc\[sample=B\]' 'qc\[sample=C\]' 'qc\[sample=D\]' label report say; do
		assert_line --regexp "^..:..:.. done +$id [0-9.]+s\$"
	done
	run cat out/label.txt
	assert_output "[it's a \"b\" c]"
}

@test "-n --resume: input changed, its dependents, arguments and outputs" {
	fan_data A B C
	fan_flow
	run weft run flow.yaml
	assert_success
	echo '>C again' >data/C.fa
	run --separate-stderr weft run -n --resume flow.yaml
	assert_success
	assert_output "cached   qc[sample=A]
cached   qc[sample=B]
run      qc[sample=C] (input changed: data/C.fa)
cached   label
run      report (dependency re-runs: qc[sample=C])
run      say (dependency re-runs: report)
dry run: 6 tasks: 3 to run, 3 cached"
	run weft run --resume flow.yaml
	assert_success
	# A function's arguments; an output touched, not removed.
	fan_flow 'A, B, C' v1 'all \"done\"'
	touch -d '2000-01-01 00:00:00' out/A.qc
	run --separate-stderr weft run -n -p --resume flow.yaml
	assert_success
	assert_line "run      qc[sample=A] (output changed: out/A.qc)"
	assert_line "cached   qc[sample=B]"
	assert_line "run      say (dependency re-runs: report)"
	assert_line '    function results:echo(v="out/report.txt all \"done\"")'
	# With the outputs as they were, only the arguments.
	run weft run flow.yaml
	assert_success
	fan_flow 'A, B, C' v1 'at last'
	run --separate-stderr weft run -n --resume flow.yaml
	assert_success
	assert_line "run      say (arguments changed)"
	assert_line "dry run: 6 tasks: 1 to run, 5 cached"
}

@test "-p without -n, and other bad combinations, are usage errors" {
	fan_data A B C
	fan_flow
	local opts
	for opts in -p --print '-p --resume' '-p -j 2'; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr weft run $opts flow.yaml
		assert_output ''
		assert_equal "$stderr" \
		    'weft run: --print (-p) goes with --dry-run (-n)'
	done
	[ ! -e .weft ] || fail "a refused run made .weft"
	run -2 --separate-stderr weft run -n -p
	[[ $stderr == *'weft run: missing FILE'* ]] ||
	    fail "stderr: $stderr"
	run -2 --separate-stderr weft run -n -p -x flow.yaml
	[ -z "$output" ] || fail "stdout: $output"
	run -2 --separate-stderr weft run -n --print=yes flow.yaml
	[ -z "$output" ] || fail "stdout: $output"
	# Short options bundle; --plugin is still --plugin.
	run --separate-stderr weft run -np --plugin \
	    results=plugins/libresults.so flow.yaml
	assert_success
	assert_line '    function results:echo(v="out/report.txt done")'
	assert_line 'dry run: 6 tasks: 6 to run, 0 cached'
	[ ! -e .weft ] || fail "a dry run made .weft"
}

@test "a cache recorded without parts says 'changed'; the next run adds them" {
	local db=.weft/cache/cache.db
	fan_data A B C
	fan_flow
	run weft run flow.yaml
	assert_success
	run sqlite3 "$db" "SELECT count(*) FROM entry WHERE parts IS NULL"
	assert_output 0
	# The cache as a weft that kept no parts made it.
	sqlite3 "$db" 'ALTER TABLE entry DROP COLUMN parts'
	echo '>C changed' >data/C.fa
	fan_data D
	fan_flow 'A, B, C, D'
	run --separate-stderr weft run -n --resume flow.yaml
	assert_success
	assert_output "cached   qc[sample=A]
cached   qc[sample=B]
run      qc[sample=C] (changed)
run      qc[sample=D] (new)
cached   label
run      report (dependency re-runs: qc[sample=C])
run      say (dependency re-runs: report)
dry run: 7 tasks: 4 to run, 3 cached"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run sqlite3 "$db" "SELECT name FROM pragma_table_info('entry') WHERE name = 'parts'"
	assert_output ''
	run weft run --resume flow.yaml
	assert_success
	# The entries this run recorded have parts; the older ones have none.
	run sqlite3 "$db" "SELECT task, count(parts), count(*) FROM entry
	    GROUP BY task ORDER BY task"
	assert_output "label|0|1
qc[sample=A]|0|1
qc[sample=B]|0|1
qc[sample=C]|1|2
qc[sample=D]|1|1
report|1|2
say|1|2"
	run sqlite3 "$db" "SELECT name FROM sqlite_master WHERE name = 'entry_task'"
	assert_output ''
	echo '>A changed' >data/A.fa
	echo '>C changed again' >data/C.fa
	run --separate-stderr weft run -n --resume flow.yaml
	assert_success
	assert_line 'run      qc[sample=A] (changed)'
	assert_line 'run      qc[sample=C] (input changed: data/C.fa)'
	assert_line 'run      report (dependency re-runs: qc[sample=A])'
}

@test "-n --resume: the env changed; -p fills in cached results" {
	fan_data A B C
	fan_flow
	run weft run flow.yaml
	assert_success
	# The env is in every key: every task's definition changed.
	sed -i 's/^name: fan$/name: fan\nenv: {STAGE: two}/' flow.yaml
	run --separate-stderr weft run -n --resume flow.yaml
	assert_success
	assert_output "run      qc[sample=A] (definition changed)
run      qc[sample=B] (definition changed)
run      qc[sample=C] (definition changed)
run      label (definition changed)
run      report (dependency re-runs: qc[sample=A])
run      say (dependency re-runs: report)
dry run: 6 tasks: 6 to run, 0 cached"
	# A command that uses a function's result: known once it is cached.
	write_flow <<'EOF'
weft: 1
plugins:
  results: plugins/libresults.so
apps:
  add: {function: results.add}
  show: {command: 'echo {n.result} > {outputs}'}
main:
  - {id: n, app: add, args: {x: "2", y: "3"}}
  - {id: show, app: show, outputs: show-v1.txt}
EOF
	run --separate-stderr weft run -n -p --resume flow.yaml
	assert_success
	assert_output "run      n (new)
    function results:add(x=\"2\", y=\"3\")
run      show (dependency re-runs: n)
    echo '<result of n>' > show-v1.txt
dry run: 2 tasks: 2 to run, 0 cached"
	run weft run flow.yaml
	assert_success
	sed -i 's/show-v1/show-v2/' flow.yaml
	run --separate-stderr weft run -n -p --resume flow.yaml
	assert_success
	assert_output "cached   n
    function results:add(x=\"2\", y=\"3\")
run      show (definition changed; command changed)
    echo '5' > show-v2.txt
dry run: 2 tasks: 1 to run, 1 cached"
}

@test "-n --resume: an input added or removed; a corrupt entry" {
	fan_data A B C
	fan_flow
	sed -i 's|^    outputs: out/label.txt$|&\n    inputs: data/A.fa|' flow.yaml
	run weft run flow.yaml
	assert_success
	sed -i 's|^    inputs: data/A.fa$|    inputs: data/B.fa|' flow.yaml
	run --separate-stderr weft run -n --resume flow.yaml
	assert_success
	assert_line 'run      label (input added: data/B.fa; input removed: data/A.fa)'
	assert_line 'dry run: 6 tasks: 1 to run, 5 cached'
	sed -i 's|^    inputs: data/B.fa$|    inputs: data/A.fa|' flow.yaml
	sqlite3 .weft/cache/cache.db \
	    "UPDATE entry SET checksum = zeroblob(32) WHERE task = 'label'"
	run --separate-stderr weft run -n --resume flow.yaml
	assert_success
	assert_line 'run      label (cache entry corrupt)'
	assert_line 'dry run: 6 tasks: 1 to run, 5 cached'
	[[ $stderr == "weft run: warning: cache entry of 'label' is corrupt; not trusted, the task runs"* ]] ||
	    fail "stderr: $stderr"
}
