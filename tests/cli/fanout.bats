#!/usr/bin/env bats
#
# fanout.bats: foreach values from data, in real runs: stepped ranges
# (negative steps too), {glob: PATTERN} relative to the workflow file and
# sorted, with {f.name}, {f.stem} and {f.dir}, and {lines: FILE} with
# blank and '#' lines left out; an edited data file re-runs under
# --resume exactly the tasks whose item changed; and the bad inputs, each
# a file:line:col error (a bad line of a data file names its own line).

load setup
load monitoring

# ids_of_run: the task ids of run 0001 in the workflow's order.
ids_of_run()
{
	weft tasks 0001 --json | jq -r '.[].task'
}

@test "stepped ranges count up and down, and reach their end only on a step" {
	write_flow <<'EOF2'
weft: 1
apps:
  echo: {command: "echo {n} >> @DIR@/got"}
main:
  - {id: up, app: echo, foreach: {n: "1..10:3"}}
  - {id: down, app: echo, foreach: {n: "5..-5:-5"}}
  - {id: one, app: echo, foreach: {n: "7..7:-2"}}
EOF2
	run weft run -q flow.yaml
	assert_success
	run sort -n got
	assert_output "-5
0
1
4
5
7
7
10"
	run ids_of_run
	assert_output "up[n=1]
up[n=4]
up[n=7]
up[n=10]
down[n=5]
down[n=0]
down[n=-5]
one[n=7]"
}

@test "bad stepped ranges: a step of 0, the wrong way, not a number" {
	local bad
	for bad in '1..5:0' '5..1:1' '1..5:-1' '1..5:x' '1..5:' '1..5:2:3'; do
		write_flow <<EOF2
weft: 1
apps:
  a: {command: "true"}
main:
  - {id: t, app: a, foreach: {n: "$bad"}}
EOF2
		expect_flow_error "flow.yaml:5:34: (range '$bad' has a step of 0|range '$bad' is empty|foreach 'n' must be a list)"
	done
}

@test "{glob: ...} is relative to the workflow file, sorted, with name, stem and dir" {
	mkdir -p sub/data/more
	touch sub/data/C.fa sub/data/A.fa sub/data/B.fa.gz sub/data/more/D.fa \
	    sub/data/notes.txt 'sub/data/a b.fa'
	cat >sub/flow.yaml <<'EOF2'
weft: 1
apps:
  show: {command: "echo '{f}|{f.name}|{f.stem}|{f.dir}' >> got"}
main:
  - {id: qc, app: show, foreach: {f: {glob: "data/*.fa*"}}}
  - {id: deep, app: show, foreach: {f: {glob: "data/*/*.fa"}}}
EOF2
	run weft run -q sub/flow.yaml
	assert_success
	run sort sub/got
	assert_output "data/A.fa|A.fa|A|data
data/B.fa.gz|B.fa.gz|B.fa|data
data/C.fa|C.fa|C|data
data/a b.fa|a b.fa|a b|data
data/more/D.fa|D.fa|D|data/more"
	run weft tasks -f sub/flow.yaml --json
	run jq -r '.[].task' <<<"$output"
	assert_output "qc[f=data/A.fa]
qc[f=data/B.fa.gz]
qc[f=data/C.fa]
qc[f=data/a b.fa]
deep[f=data/more/D.fa]"
}

@test "{lines: FILE}: a value a line, blanks and comments left out, trimmed" {
	printf '# samples\nA\n\n  B  \r\n#C\nD\t\n' >samples.txt
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "echo '<{s}>' >> got"}
main:
  - {id: qc, app: qc, foreach: {s: {lines: samples.txt}}}
EOF2
	run weft run -q flow.yaml
	assert_success
	run sort got
	assert_output "<A>
<B>
<D>"
}

@test "an edited sample list re-runs under --resume only the tasks whose item changed" {
	printf 'A\nB\nC\n' >samples.txt
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "echo {s} >> @DIR@/ran; echo {s} > {outputs}"}
main:
  - {id: qc, app: qc, foreach: {s: {lines: samples.txt}}, outputs: "out/{s}.txt"}
EOF2
	mkdir -p out
	run weft run -q flow.yaml
	assert_success
	[ "$(sort ran | tr '\n' ' ')" = "A B C " ]
	rm ran
	# B out, C2 in: only C2 runs, A and C are cached.
	printf 'A\nC\nC2\n' >samples.txt
	run weft run --resume flow.yaml
	assert_success
	assert_event 'cached   qc[s=A]'
	assert_event 'cached   qc[s=C]'
	[ "$(cat ran)" = "C2" ]
}

@test "a line of a data file with a control character is reported at its line" {
	printf 'A\nB\x01x\nC\n' >samples.txt
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "true"}
main:
  - {id: qc, app: qc, foreach: {s: {lines: samples.txt}}}
EOF2
	expect_flow_error "flow.yaml:5:44: samples.txt:2: a value must not contain control characters"
}

@test "bad data sources: no file, no match, unknown kind, empty, not text, a device, a bad field" {
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "true"}
main:
  - {id: qc, app: qc, foreach: {s: {lines: nosuch.txt}}}
EOF2
	expect_flow_error "flow.yaml:5:44: lines file 'nosuch.txt' cannot be read: No such file or directory"
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "true"}
main:
  - {id: qc, app: qc, foreach: {s: {glob: "data/*.none"}}}
EOF2
	expect_flow_error "flow.yaml:5:43: glob 'data/\*.none' matches no file"
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "true"}
main:
  - {id: qc, app: qc, foreach: {s: {files: x}}}
EOF2
	expect_flow_error "flow.yaml:5:37: foreach 's': unknown source 'files' \(glob, lines or table\)"
	printf '# nothing\n\n' >empty.txt
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "true"}
main:
  - {id: qc, app: qc, foreach: {s: {lines: empty.txt}}}
EOF2
	expect_flow_error "flow.yaml:5:44: lines file 'empty.txt' has no value"
	printf 'a\0b\n' >bin.txt
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "true"}
main:
  - {id: qc, app: qc, foreach: {s: {lines: bin.txt}}}
EOF2
	expect_flow_error "flow.yaml:5:44: lines file 'bin.txt' is not text"
	# A device or a FIFO would never end or block: refused at once.
	mkfifo fifo
	for dev in /dev/zero fifo; do
		write_flow <<EOF2
weft: 1
apps:
  qc: {command: "true"}
main:
  - {id: qc, app: qc, foreach: {s: {lines: $dev}}}
EOF2
		run timeout 20 "$WEFT" check flow.yaml
		assert_failure 2
		assert_output "flow.yaml:5:44: lines file '$dev' is not a regular file"
	done
	touch x.fa
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "echo {s.size}"}
main:
  - {id: qc, app: qc, foreach: {s: {glob: "*.fa"}}}
EOF2
	expect_flow_error "flow.yaml:3:23: '\{s.size\}': foreach 's' has no field 'size' \(its fields: name, stem, dir\)"
}

# table_flow FILE: one task per record of FILE, writing its columns.
table_flow()
{
	write_flow <<EOF2
weft: 1
apps:
  qc: {command: "printf '%s|%s|%s|%s\\\\n' {s} {s.sample} {s.reads} {s.note} >> got"}
main:
  - {id: qc, app: qc, foreach: {s: {table: $1}}}
EOF2
}

@test "{table: FILE}: CSV with quotes, TSV, JSON and YAML; the first column names the task" {
	printf 'sample,reads,note\r\nA,a_1.fq,"say ""hi"", twice"\r\n\r\nB,b_1.fq,\r\n' \
	    >s.csv
	printf 'sample\treads\tnote\nA\ta_1.fq\tsay "hi", twice\nB\tb_1.fq\t\n' \
	    >s.tsv
	cat >s.json <<'EOF2'
[{"sample": "A", "reads": "a_1.fq", "note": "say \"hi\", twice"},
 {"sample": "B", "reads": "b_1.fq", "note": ""}]
EOF2
	cat >s.yaml <<'EOF2'
- {sample: A, reads: a_1.fq, note: 'say "hi", twice'}
- sample: B
  reads: b_1.fq
  note: ""
EOF2
	local f
	for f in s.csv s.tsv s.json s.yaml; do
		rm -rf .weft got
		table_flow "$f"
		run weft run -q flow.yaml
		assert_success
		run sort got
		assert_output 'A|A|a_1.fq|say "hi", twice
B|B|b_1.fq|'
		run ids_of_run
		assert_output "qc[s=A]
qc[s=B]"
	done
}

@test "an edited sample sheet re-runs under --resume only the records that changed" {
	printf 'sample,reads\nA,1\nB,2\nC,3\n' >s.csv
	write_flow <<'EOF2'
weft: 1
apps:
  qc: {command: "echo {s} >> @DIR@/ran"}
main:
  - {id: qc, app: qc, foreach: {s: {table: s.csv}}}
EOF2
	run weft run -q flow.yaml
	assert_success
	rm ran
	printf 'sample,reads\nA,1\nB,20\nC,3\nD,4\n' >s.csv
	run weft run --resume flow.yaml
	assert_success
	assert_event 'cached   qc[s=A]'
	assert_event 'cached   qc[s=C]'
	[ "$(sort ran | tr '\n' ' ')" = "B D " ] || fail "ran: $(cat ran)"
}

@test "bad sample sheets are reported at their file and line" {
	local sheet want
	while IFS='|' read -r sheet want; do
		printf "$sheet" >bad.csv
		table_flow bad.csv
		expect_flow_error "flow.yaml:5:44: bad.csv:$want"
	done <<'EOF2'
sample,reads\nA,1\nB,2,3\n|3: 3 fields, where the header has 2
sample,reads\nA,1\nB\n|3: 1 field, where the header has 2
sample,reads\nA,"1\nB,2\n|2: a quoted field never ends
sample,reads\nA,"1"x\n|2: text after a closing quote
sample,re ads\nA,1\n|1: column 're ads' is not a name
sample,sample\nA,1\n|1: column 'sample' is named twice
sample,reads\n,1\n|2: the first column, which names the task, is empty
sample,reads\nA,"a\nb"\n|2: a value must not contain control characters
sample,reads\n|| has a header but no record
EOF2
	printf '[{"sample": "A"}, {"sample": "B", "x": 1}]' >bad.json
	table_flow bad.json
	expect_flow_error "flow.yaml:5:44: bad.json: record 2 is not a mapping of the 1 columns of record 1"
	printf '[{"sample": "A", "r": [1]}]' >bad.json
	expect_flow_error "flow.yaml:5:44: bad.json: record 1: 'r' must be a string or a number"
	printf '[{"sample": "A",}]' >bad.json
	expect_flow_error "flow.yaml:5:44: bad.json:1: "
	printf -- '- {sample: A}\n- {sample: B, x: 1}\n' >bad.yaml
	table_flow bad.yaml
	expect_flow_error "flow.yaml:5:44: bad.yaml:2: a record must be a mapping of the 1 columns of the first"
	printf -- '- {sample: A}\n- {other: B}\n' >bad.yaml
	expect_flow_error "flow.yaml:5:44: bad.yaml:2: 'sample' is missing"
}

@test "zip walks lists in step; foreach may list its combinations" {
	write_flow <<'EOF2'
weft: 1
apps:
  pair: {command: "echo {a}-{b}-{f.stem} >> @DIR@/got"}
  show: {command: "echo {os}/{cc} >> @DIR@/got"}
main:
  - id: pair
    app: pair
    zip: {a: [x, y, z], b: "10..30:10", f: {glob: "*.fa"}}
  - id: list
    app: show
    foreach: [{os: mac, cc: clang}, {cc: gcc, os: bsd}]
EOF2
	touch 1.fa 2.fa 3.fa
	run weft run -q flow.yaml
	assert_success
	run ids_of_run
	assert_output "pair[a=x,b=10,f=1.fa]
pair[a=y,b=20,f=2.fa]
pair[a=z,b=30,f=3.fa]
list[os=mac,cc=clang]
list[os=bsd,cc=gcc]"
	run sort got
	assert_output "bsd/gcc
mac/clang
x-10-1
y-20-2
z-30-3"
}

@test "exclude and include edit the combinations as GitHub Actions' matrix" {
	write_flow <<'EOF2'
weft: 1
apps:
  b: {command: "true"}
main:
  - id: build
    app: b
    foreach: {os: [alpine, debian], cc: [gcc, clang], n: "1..2"}
    exclude: [{os: alpine, cc: clang}, {n: 2, cc: gcc}]
    include: [{os: windows, cc: msvc, n: 1}, {os: debian, cc: gcc, n: 1}]
EOF2
	run weft run -q flow.yaml
	assert_success
	run ids_of_run
	assert_output "build[os=alpine,cc=gcc,n=1]
build[os=debian,cc=gcc,n=1]
build[os=debian,cc=clang,n=1]
build[os=debian,cc=clang,n=2]
build[os=windows,cc=msvc,n=1]"
}

@test "bad zips, lists, excludes and includes: file:line:col errors" {
	local body want
	while IFS='|' read -r body want; do
		write_flow <<EOF2
weft: 1
apps:
  b: {command: "true"}
main:
  - {id: t, app: b, $body}
EOF2
		expect_flow_error "flow.yaml:5:$want"
	done <<'EOF2'
zip: {a: [1, 2], b: [1, 2, 3]}|41: zip walks its lists in step, so they must be as long as each other: 'b' has 3 values, 'a' 2
foreach: {a: [1]}, zip: {b: [1]}|45: an entry has 'foreach' or 'zip', not both
foreach: [{a: 1}, {b: 2}]|39: this combination has no 'a', which the first has
foreach: [{a: 1}, {a: 1, b: 2}]|39: each combination of 'foreach' must be a mapping of the same 1 keys as the first
foreach: [x]|31: each combination of 'foreach' must be a mapping of its values, not a string
foreach: [{a: [1]}]|35: a combination's values must be strings or numbers, not a list
foreach: [{a: 1}, {a: 1}]|5: duplicate task id 't\[a=1\]'
foreach: {a: [1, 2]}, exclude: [{b: 1}]|54: 'exclude' names 'b', which is not a foreach key \(a\)
foreach: {os: [1, 2]}, exclude: [{oss: 1}]|55: 'exclude' names 'oss', which is not a foreach key \(did you mean 'os'\?\)
foreach: {a: [1, 2]}, exclude: [{a: 3}]|53: this entry of 'exclude' matches no combination
foreach: {a: [1, 2]}, exclude: [{a: 1}, {a: 2}]|52: 'exclude' takes out every combination: no task is left
foreach: {a: [1], b: [2]}, include: [{a: 3}]|58: each entry of 'include' must be a mapping with a value for every foreach key \(a, b\)
exclude: [{a: 1}]|30: 'exclude' needs a foreach or a zip to take combinations from
foreach: {a: [1]}, include: {a: 2}|49: 'include' must be a list of mappings, not a mapping
EOF2
	touch x.fa
	write_flow <<'EOF2'
weft: 1
apps:
  b: {command: "true"}
main:
  - {id: t, app: b, foreach: {f: {glob: "*.fa"}}, include: [{f: y.fa}]}
EOF2
	expect_flow_error "flow.yaml:5:65: 'include' cannot add the value 'y.fa' to 'f', whose values are read from data"
}

# A wide fan-out goes to the interchange a window at a time (4,096 tasks
# ahead of the pools, or four a slot if that is more), so that neither
# main nor the interchange holds every task of it packed at once.  Stopped
# part-way, the tasks main still held end not_run like the others.
@test "a wide fan-out is handed to the interchange a window at a time" {
	write_flow <<'EOF2'
weft: 1
config: {jobs: 1}
apps:
  t: {command: "true"}
main:
  - {id: t, app: t, foreach: {i: "1..20000"}}
EOF2
	weft_start run -q flow.yaml
	local k ix queued max=0 samples=0
	for k in $(seq 30); do
		sleep 0.2
		weft status --json > st.json 2>/dev/null || continue
		ix=$(jq '[.processes[] | select(.name == "interchange") |
		    .reply.stats.queued][0] // empty' st.json)
		queued=$(jq '.tasks.queued' st.json)
		[ -n "$ix" ] && [ "$queued" -gt 4100 ] || continue
		samples=$((samples + 1))
		[ "$ix" -le "$max" ] || max=$ix
	done
	[ "$samples" -ge 3 ] || fail "only $samples samples while main held tasks"
	[ "$max" -le 4096 ] || fail "the interchange held $max tasks"
	[ "$max" -ge 1000 ] || fail "the interchange held only $max tasks"
	kill -INT "$WEFT_PID"
	wait_for 30 weft_exited || fail "the run did not stop"
	weft_reap
	[ "$WEFT_STATUS" -eq 130 ] || fail "exit $WEFT_STATUS"
	run bash -c "weft tasks 0001 --json | jq -r '.[].state' | sort | uniq -c"
	assert_success
	local done killed not_run
	done=$(weft tasks 0001 --state done --json | jq length)
	killed=$(weft tasks 0001 --state killed --json | jq length)
	not_run=$(weft tasks 0001 --state not_run --json | jq length)
	[ $((done + killed + not_run)) -eq 20000 ] ||
	    fail "done $done, killed $killed, not_run $not_run: $output"
	[ "$not_run" -gt 10000 ]
	# A task that never started has no "launched" status.
	run q "SELECT count(DISTINCT task_id) FROM status WHERE run_id = '0001'
	    AND task_status_name = 'launched'"
	[ "$output" -ge "$done" ] && [ "$output" -le $((done + killed)) ] ||
	    fail "launched $output, done $done, killed $killed"
}
