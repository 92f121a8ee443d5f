#!/usr/bin/env bats
#
# fanout.bats: foreach values from data, in real runs: stepped ranges
# (negative steps too), {glob: PATTERN} relative to the workflow file and
# sorted, with {f.name}, {f.stem} and {f.dir}, and {lines: FILE} with
# blank and '#' lines left out; an edited data file re-runs under
# --resume exactly the tasks whose item changed; and the bad inputs, each
# a file:line:col error (a bad line of a data file names its own line).

load setup

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
	expect_flow_error "flow.yaml:5:37: foreach 's': unknown source 'files' \(glob or lines\)"
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
	expect_flow_error "flow.yaml:3:23: '\{s.size\}': foreach 's' has no field 'size' \(it has name, stem and dir\)"
}
