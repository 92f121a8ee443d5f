#!/usr/bin/env bats
#
# templates.bats: placeholders in commands, args, inputs and outputs;
# shell-quoting of substituted values (hostile values must reach the
# command as text, never as shell code); {{ }}; {ID.outputs}; stable
# fan-out ids; ranges and cross products.

load setup

@test "args are substituted into the command" {
	write_flow <<'EOF'
weft: 1
apps:
  greet:
    command: echo {greeting}, {who} > {out}
main:
  - id: g
    app: greet
    args: {greeting: hello, who: world, out: greeting.txt}
EOF
	run weft run flow.yaml
	assert_success
	run cat greeting.txt
	assert_output 'hello, world'
}

@test "hostile values reach the command as literal text" {
	write_flow <<'EOF'
weft: 1
apps:
  show:
    command: printf '[%s]\n' {a} {b} {c} {d} {e} {f} {g} {h} > out.txt
main:
  - id: t
    app: show
    args:
      a: "'; touch @DIR@/pwned-a; echo '"
      b: "$(touch @DIR@/pwned-b)"
      c: "`touch @DIR@/pwned-c`"
      d: '"; touch @DIR@/pwned-d; echo "'
      e: "a  b*"
      f: "x\ntouch @DIR@/pwned-f"
      g: "\\'; touch @DIR@/pwned-g; #"
      h: ""
EOF
	run weft run flow.yaml
	assert_success
	run ls pwned-a pwned-b pwned-c pwned-d pwned-f pwned-g
	assert_failure
	run cat out.txt
	assert_output "['; touch $WEFT_WORK/pwned-a; echo ']
[\$(touch $WEFT_WORK/pwned-b)]
[\`touch $WEFT_WORK/pwned-c\`]
[\"; touch $WEFT_WORK/pwned-d; echo \"]
[a  b*]
[x
touch $WEFT_WORK/pwned-f]
[\\'; touch $WEFT_WORK/pwned-g; #]
[]"
}

@test "hostile foreach values are quoted too, and name the task" {
	write_flow <<'EOF'
weft: 1
apps:
  show:
    command: printf '%s\n' {v} > "out-$WEFT_TASK_ID"
main:
  - id: t
    app: show
    foreach: {v: ["$(touch pwned-1)", "; touch pwned-2"]}
EOF
	run weft run flow.yaml
	assert_success
	[ ! -e pwned-1 ] && [ ! -e pwned-2 ] || fail "a value ran as shell code"
	run cat 'out-t[v=$(touch pwned-1)]'
	assert_output '$(touch pwned-1)'
	run cat 'out-t[v=; touch pwned-2]'
	assert_output '; touch pwned-2'
	run weft logs --json 't[v=$(touch pwned-1)]'
	assert_success
	assert_output --partial "/.weft/runs/0001/tasks/t[v=\$(touch pwned-1)]/try-0/stdout\""
}

@test "list placeholders quote each element separately" {
	write_flow <<'EOF'
weft: 1
apps:
  show:
    command: printf '[%s]\n' {inputs} > {out}
main:
  - id: t
    app: show
    args: {out: out.txt}
    inputs: ["in 1.txt", "$(touch pwned)", "*"]
EOF
	touch 'in 1.txt' '$(touch pwned)' '*'
	run weft run flow.yaml
	assert_success
	[ ! -e pwned ] || fail "an input ran as shell code"
	run cat out.txt
	assert_output '[in 1.txt]
[$(touch pwned)]
[*]'
}

@test "{inputs} and {outputs} give all of the task's paths" {
	write_flow <<'EOF'
weft: 1
apps:
  cp2:
    command: cat {inputs} > a.out && cat {inputs} > b.out && echo {outputs} > list.txt
main:
  - id: t
    app: cp2
    inputs: [x.txt, y.txt]
    outputs: [a.out, b.out]
EOF
	echo x >x.txt
	echo y >y.txt
	run weft run flow.yaml
	assert_success
	run cat a.out
	assert_output "x
y"
	run cat list.txt
	assert_output 'a.out b.out'
}

@test "{{ and }} are literal braces" {
	write_flow <<'EOF'
weft: 1
apps:
  braces:
    command: echo {{literal}} {{{v}}} > braces.txt; awk 'BEGIN {{ print "ok" }}' > awk.txt
main:
  - id: t
    app: braces
    args: {v: val}
EOF
	run weft run flow.yaml
	assert_success
	run cat braces.txt
	assert_output '{literal} {val}'
	run cat awk.txt
	assert_output ok
}

@test "args may use foreach keys; outputs may use foreach keys and args" {
	write_flow <<'EOF'
weft: 1
apps:
  sim:
    command: echo seed {seed} > {out}
main:
  - id: sim
    app: sim
    foreach: {seed: [1, 2, 3]}
    args: {out: "r-{seed}.txt"}
    outputs: ["{out}"]
EOF
	run weft run flow.yaml
	assert_success
	run cat r-1.txt r-2.txt r-3.txt
	assert_output "seed 1
seed 2
seed 3"
}

@test "{ID.outputs} expands to every output of every task of ID" {
	write_flow <<'EOF'
weft: 1
apps:
  sim:
    command: echo {seed} > {outputs}
  join:
    command: cat {sim.outputs} > all.txt; printf '%s\n' {inputs} > inputs.txt
main:
  - id: sim
    app: sim
    foreach: {seed: [1, 2, 3]}
    outputs: ["s-{seed}.txt"]
  - id: join
    app: join
    inputs: ["{sim.outputs}", extra.txt]
EOF
	touch extra.txt
	run weft run flow.yaml
	assert_success
	run cat all.txt
	assert_output "1
2
3"
	run cat inputs.txt
	assert_output "s-1.txt
s-2.txt
s-3.txt
extra.txt"
}

@test "fan-out tasks get stable ids: sim[seed=2], with task directories" {
	write_flow <<'EOF'
weft: 1
apps:
  sim:
    command: echo "$WEFT_TASK_ID" {seed}
main:
  - id: sim
    app: sim
    foreach: {seed: [1, 2, 007]}
EOF
	run weft run flow.yaml
	assert_success
	assert_line --regexp '^..:..:.. done +sim\[seed=1\] [0-9.]+s$'
	assert_line --regexp '^..:..:.. done +sim\[seed=2\] [0-9.]+s$'
	assert_line --regexp '^..:..:.. done +sim\[seed=007\] [0-9.]+s$'
	run cat '.weft/runs/0001/tasks/sim[seed=2]/try-0/stdout'
	assert_output 'sim[seed=2] 2'
	run cat '.weft/runs/0001/tasks/sim[seed=007]/try-0/stdout'
	assert_output 'sim[seed=007] 007'
}

@test "task directories escape / and %" {
	write_flow <<'EOF'
weft: 1
apps:
  say:
    command: echo "$WEFT_TASK_ID"
main:
  - id: p
    app: say
    foreach: {path: ["a/b", "50%", "..", "x/../../y"]}
EOF
	run weft run flow.yaml
	assert_success
	run cat '.weft/runs/0001/tasks/p[path=a%2Fb]/try-0/stdout'
	assert_output 'p[path=a/b]'
	run cat '.weft/runs/0001/tasks/p[path=50%25]/try-0/stdout'
	assert_output 'p[path=50%]'
	run cat '.weft/runs/0001/tasks/p[path=..]/try-0/stdout'
	assert_output 'p[path=..]'
	run cat '.weft/runs/0001/tasks/p[path=x%2F..%2F..%2Fy]/try-0/stdout'
	assert_output 'p[path=x/../../y]'
	[ ! -e .weft/runs/y ] && [ ! -e .weft/y ] || fail "a task id escaped tasks/"
}

@test "a range A..B gives B-A+1 tasks, inclusive" {
	write_flow <<'EOF'
weft: 1
apps:
  mark:
    command: echo {i} > n-{i}.txt
main:
  - id: r
    app: mark
    foreach: {i: "3..7"}
  - id: one
    app: mark
    foreach: {i: "9..9"}
EOF
	run weft check flow.yaml
	assert_success
	assert_line 'tasks: 6'
	run weft run flow.yaml
	assert_success
	run ls
	assert_output --partial "n-3.txt
n-4.txt
n-5.txt
n-6.txt
n-7.txt
n-9.txt"
	[ ! -e n-2.txt ] && [ ! -e n-8.txt ]
	assert_equal "$(cat n-7.txt)" 7
}

@test "several foreach keys give the cross product, first key slowest" {
	write_flow <<'EOF'
weft: 1
name: cross
apps:
  mark:
    command: echo "$WEFT_TASK_ID" > c-{a}-{b}.txt
main:
  - id: c
    app: mark
    foreach: {a: [x, y], b: "1..3"}
EOF
	run weft check --dot flow.yaml
	assert_success
	# Tasks in expansion order: a varies slowest.
	run grep -o '^  "c\[.*\]";$' <<<"$output"
	assert_output '  "c[a=x,b=1]";
  "c[a=x,b=2]";
  "c[a=x,b=3]";
  "c[a=y,b=1]";
  "c[a=y,b=2]";
  "c[a=y,b=3]";'
	run weft run flow.yaml
	assert_success
	assert_line --regexp '^summary: 6 tasks: 6 done in '
	assert_equal "$(cat c-y-2.txt)" 'c[a=y,b=2]'
	assert_equal "$(cat c-x-3.txt)" 'c[a=x,b=3]'
	run weft logs --json 'c[a=y,b=3]'
	assert_success
	assert_output --partial '/.weft/runs/0001/tasks/c[a=y,b=3]/try-0/stdout"'
}

@test "shell text that collides with placeholders gets a hint of what to write" {
	write_flow <<'EOF'
weft: 1
apps:
  env: {command: "echo ${HOME}"}
main:
  - {id: t, app: env}
EOF
	expect_flow_error "flow.yaml:3:25: undefined placeholder '\{HOME\}' \(the shell's \\$\{HOME\}\? write \\\$HOME, or \\$\{\{HOME\}\}\) in task 't'"
	write_flow <<'EOF'
weft: 1
apps:
  group: {command: "{ echo a; echo b; } > out"}
main:
  - {id: t, app: group}
EOF
	expect_flow_error "flow.yaml:3:21: invalid placeholder '\{ echo a; echo b; \}' \(a shell brace group\? write \{\{ echo a; echo b; \}\}\)"
	# Written as the hints say, both run.
	write_flow <<'EOF'
weft: 1
apps:
  env: {command: "echo $HOME ${{HOME}} > env.out"}
  group: {command: "{{ echo a; echo b; }} > group.out"}
main:
  - {id: t, app: env}
  - {id: u, app: group}
EOF
	run weft run -q flow.yaml
	assert_success
	[ "$(cat env.out)" = "$HOME $HOME" ]
	[ "$(cat group.out | tr '\n' ' ')" = "a b " ]
}
