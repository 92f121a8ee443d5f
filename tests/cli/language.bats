#!/usr/bin/env bats
#
# language.bats: params and --set, targets on the command line, when:
# (always, on_failure, conditions over params) with skipped tasks and the
# reason recorded, allow_failure, and the settings of an entry (retries,
# walltime, env over its app's) with secrets from weft run's environment
# that reach the task and nothing else.  All in real runs; the bad inputs
# are file:line:col errors with nothing run.

load setup

# state_of ID [RUN]: the task's state in the record.
state_of()
{
	weft tasks "${2:-0001}" --json |
	    jq -r --arg id "$1" '.[] | select(.task == $id) | .state'
}

# reason_of ID [RUN]: the reason the record gives for the task.
reason_of()
{
	weft tasks "${2:-0001}" --json |
	    jq -r --arg id "$1" '.[] | select(.task == $id) | .reason'
}

@test "params: defaults reach templates, --set overrides them, check too" {
	write_flow <<'EOF2'
weft: 1
params:
  greeting: hello
  n: 3
  loud: false
apps:
  say: {command: "echo {params.greeting} {name} {params.n} > {outputs}"}
main:
  - id: say
    app: say
    foreach: {who: [ann, bob]}
    args: {name: "{who}-{params.loud}"}
    outputs: ["{params.greeting}-{who}.txt"]
EOF2
	run weft run -q flow.yaml
	assert_success
	run cat hello-ann.txt hello-bob.txt
	assert_output "hello ann-false 3
hello bob-false 3"
	run weft run -q flow.yaml --set greeting="good day" --set n=7 \
	    --set loud=
	assert_success
	run cat "good day-bob.txt"
	assert_output "good day bob- 7"
	run weft check flow.yaml --set n=9
	assert_success
}

@test "--set of an undeclared param is exit 2 with a did-you-mean, nothing runs" {
	write_flow <<'EOF2'
weft: 1
params: {deploy: "no", region: eu}
apps:
  a: {command: "touch ran"}
main:
  - {id: a, app: a}
EOF2
	run -2 --separate-stderr weft run flow.yaml --set deploi=yes
	assert_equal "$stderr" "weft run: --set 'deploi=yes': no param 'deploi' in 'flow.yaml' (did you mean 'deploy'?)"
	run -2 --separate-stderr weft run flow.yaml --set zone
	assert_equal "$stderr" "weft run: invalid --set 'zone': expected NAME=VALUE"
	run -2 --separate-stderr weft check flow.yaml --set regio=us
	assert_equal "$stderr" "weft check: --set 'regio=us': no param 'regio' in 'flow.yaml' (did you mean 'region'?)"
	[ ! -e ran ] && [ ! -e .weft/runs ]
}

@test "a param without a default must be set; an unknown {params.X} is an error" {
	write_flow <<'EOF2'
weft: 1
params:
  version:
apps:
  a: {command: "echo {params.version} > ran"}
main:
  - {id: a, app: a}
EOF2
	expect_flow_error "flow.yaml:3:3: param 'version' has no default: give it with --set version=VALUE"
	run weft run -q flow.yaml --set version=1.2
	assert_success
	run cat ran
	assert_output 1.2
	rm -rf .weft ran
	write_flow <<'EOF2'
weft: 1
params: {region: eu}
apps:
  a: {command: "echo {params.regoin} > ran"}
main:
  - {id: a, app: a}
EOF2
	expect_flow_error "flow.yaml:4:22: '\{params.regoin\}': no param 'regoin' \(did you mean '\{params.region\}'\?\)"
}

@test "params take part in the resume key: only the entries that name one re-run" {
	write_flow <<'EOF2'
weft: 1
params: {size: 10, label: x}
apps:
  gen: {command: "echo {params.size} > {outputs}; echo gen >> log"}
  tag: {command: "echo tag >> log; touch {outputs}"}
main:
  - {id: gen, app: gen, foreach: {i: "1..2"}, outputs: ["gen{i}.txt"]}
  - {id: tag, app: tag, outputs: [tag.txt]}
EOF2
	run weft run -q --resume flow.yaml
	assert_success
	run weft run --resume flow.yaml --set label=y
	assert_success
	assert_line --partial "summary: 3 tasks: 3 cached"
	run weft run --resume flow.yaml --set size=20
	assert_success
	assert_line --partial "summary: 3 tasks: 2 done, 1 cached"
	run cat gen1.txt
	assert_output 20
	run grep -c gen log
	assert_output 4
	run grep -c tag log
	assert_output 1
}

@test "targets: entries, task ids and globs run with what they need; the rest is not_run" {
	write_flow <<'EOF2'
weft: 1
apps:
  step: {command: "echo {id} >> ran"}
main:
  - {id: fetch, app: step, foreach: {s: [A, B]}, args: {id: "fetch-{s}"}}
  - {id: qc, app: step, foreach: {s: [A, B]}, args: {id: "qc-{s}"},
     needs: ["fetch[s={s}]"]}
  - {id: report, app: step, args: {id: report}, needs: [qc]}
  - {id: lint, app: step, args: {id: lint}}
EOF2
	run weft run flow.yaml 'qc[s=B]'
	assert_success
	assert_line --regexp "^summary: 6 tasks: 2 done, 4 not_run in "
	run sort ran
	assert_output "fetch-B
qc-B"
	assert_equal "$(state_of 'qc[s=A]')" not_run
	assert_equal "$(state_of report)" not_run
	assert_equal "$(state_of 'fetch[s=B]')" done
	rm ran
	run weft run -q flow.yaml lint 'fetch[s=*]'
	assert_success
	run sort ran
	assert_output "fetch-A
fetch-B
lint"
	rm ran
	run weft run -q flow.yaml report
	assert_success
	run wc -l <ran
	assert_output 5
	run -2 --separate-stderr weft run flow.yaml reprot
	assert_equal "$stderr" "weft run: no entry or task 'reprot' in 'flow.yaml' (did you mean 'report'?)"
	run -2 --separate-stderr weft run flow.yaml 'qc[s=Z]' lint
	assert_equal "$stderr" "weft run: no entry or task 'qc[s=Z]' in 'flow.yaml' (did you mean 'qc[s=A]'?)"
	run weft run -q flow.yaml lint --junit j.xml
	assert_success
	assert_equal "$(reason_of report 0004)" "not a target, nor needed by one"
	run xmllint --xpath 'string(//testcase[@name="report"]/skipped)' j.xml
	assert_output "not_run: not a target, nor needed by one"
	run weft run -n flow.yaml 'qc[s=A]'
	assert_success
	assert_output "run      fetch[s=A]
run      qc[s=A]
dry run: 6 tasks: 2 to run, 0 cached, 4 not_run (not a target, nor needed by one)"
}

@test "when: always runs after a failure, on_failure only after one" {
	write_flow <<'EOF2'
weft: 1
apps:
  sh: {command: "sh -c {cmd}"}
main:
  - {id: test, app: sh, foreach: {n: [1, 2, 3]}, args: {cmd: "test {n} != 2"}}
  - {id: build, app: sh, args: {cmd: "true"}}
  - {id: package, app: sh, needs: [test], args: {cmd: "touch package"}}
  - {id: collect, app: sh, when: always, needs: [package],
     args: {cmd: "touch collected"}}
  - {id: alert, app: sh, when: on_failure, needs: [test],
     args: {cmd: "touch alerted"}}
  - {id: quiet, app: sh, when: on_failure, needs: [build],
     args: {cmd: "touch quiet"}}
  - {id: after_quiet, app: sh, needs: [quiet], args: {cmd: "touch aq"}}
  - {id: final, app: sh, when: always, needs: [after_quiet],
     args: {cmd: "touch final"}}
EOF2
	run weft run flow.yaml
	assert_failure 1
	assert_line --regexp "^summary: 10 tasks: 6 done, 1 failed, 1 dep_fail, 2 skipped in "
	[ -e collected ] && [ -e alerted ] && [ -e final ]
	[ ! -e package ] && [ ! -e quiet ] && [ ! -e aq ]
	assert_equal "$(state_of package)" dep_fail
	assert_equal "$(state_of quiet)" skipped
	assert_equal "$(reason_of quiet)" "when: on_failure, and no dependency failed"
	assert_equal "$(state_of after_quiet)" skipped
	assert_equal "$(reason_of after_quiet)" "needs quiet, which was skipped"
	assert_equal "$(state_of final)" done
}

@test "when: a condition over params skips its task and its dependents, with the reason" {
	write_flow <<'EOF2'
weft: 1
params: {deploy: "no", env: staging}
apps:
  sh: {command: "sh -c {cmd}"}
main:
  - {id: build, app: sh, args: {cmd: "touch built"}}
  - id: deploy
    app: sh
    needs: [build]
    when: "{params.deploy} == 'yes' && ({params.env} == prod || {params.env} == \"staging\")"
    args: {cmd: "touch deployed"}
  - {id: smoke, app: sh, needs: [deploy], args: {cmd: "touch smoked"}}
  - {id: notes, app: sh, needs: [deploy], when: always,
     args: {cmd: "touch notes"}}
  - {id: never, app: sh, when: "!true", args: {cmd: "touch never"}}
EOF2
	run weft run flow.yaml --junit junit.xml
	assert_success
	assert_line --regexp "^summary: 5 tasks: 2 done, 3 skipped in "
	[ -e built ] && [ -e notes ] && [ ! -e deployed ] && [ ! -e smoked ]
	assert_equal "$(reason_of deploy)" "when: {params.deploy} == 'yes' && ({params.env} == prod || {params.env} == \"staging\") is false"
	assert_equal "$(reason_of smoke)" "needs deploy, which was skipped"
	run xmllint --xpath 'string(//testcase[@name="smoke"]/skipped)' junit.xml
	assert_output "skipped: needs deploy, which was skipped"
	rm -f built notes
	run weft run flow.yaml --set deploy=yes
	assert_success
	assert_line --regexp "^summary: 5 tasks: 4 done, 1 skipped in "
	[ -e deployed ] && [ -e smoked ] && [ ! -e never ]
	run weft run -q flow.yaml --set deploy=yes --set env=dev
	assert_success
	assert_equal "$(state_of deploy 0003)" skipped
}

@test "allow_failure: its failure is reported, its dependents run, the run exits 0" {
	write_flow <<'EOF2'
weft: 1
apps:
  sh: {command: "sh -c {cmd}"}
main:
  - {id: experimental, app: sh, allow_failure: true,
     args: {cmd: "echo nope >&2; exit 3"}}
  - {id: report, app: sh, needs: [experimental], args: {cmd: "touch rep"}}
EOF2
	run --separate-stderr weft run flow.yaml --json
	assert_success
	[ -e rep ]
	run jq -c '[.exit_code, .allowed_failures, .counts.failed,
	    .failures[0].task, .failures[0].allowed_failure]' <<<"$output"
	assert_output '[0,1,1,"experimental",true]'
	run weft run flow.yaml
	assert_success
	assert_line "failed experimental (allowed to fail): exit 3, stderr in $PWD/.weft/runs/0002/tasks/experimental/try-0/stderr"
	assert_line --regexp "^summary: 2 tasks: 1 done, 1 failed in .* \(1 allowed to fail\)$"
	assert_equal "$(reason_of experimental 0002)" "exit 3"
	# --fail-fast does not stop for it (nor wait for ever).
	run timeout 20 "$WEFT" run -q --fail-fast flow.yaml
	assert_success
	[ -e rep ]
	# With a failure that is not allowed, the run fails.
	cat >>flow.yaml <<'EOF2'
  - {id: strict, app: sh, args: {cmd: "exit 1"}}
EOF2
	run weft run -q flow.yaml
	assert_failure 1
}

@test "an entry's retries and walltime win over its app's and the config's" {
	write_flow <<'EOF2'
weft: 1
config: {retries: 5}
apps:
  flaky: {command: "echo {id} >> tries; false", retries: 3}
  nap: {command: "sleep 5", walltime: 1h}
main:
  - {id: a, app: flaky, args: {id: a}}
  - {id: b, app: flaky, args: {id: b}, retries: 1}
  - {id: c, app: flaky, args: {id: c}, retries: 0}
  - {id: late, app: nap, walltime: 300ms}
EOF2
	run timeout 20 "$WEFT" run -q flow.yaml
	assert_failure 1
	run sort tries
	assert_output "a
a
a
a
b
b
c"
	run weft tasks --json
	run jq -r '.[] | select(.task == "late") | .reason' <<<"$output"
	assert_output "timeout after 300ms (walltime)"
}

@test "env: an entry's over its app's, templates per item, for commands and calls" {
	load plugins
	build_plugins
	plugin_setup
	write_flow <<'EOF2'
weft: 1
env: {LEVEL: top, KEEP: kept}
plugins: {results: plugins/libresults.so}
apps:
  show:
    command: 'echo "$LEVEL $SAMPLE $KEEP $WEFT_TASK_ID" > {outputs}'
    env: {LEVEL: app, SAMPLE: "app-{s}"}
  probe:
    function: results.getenv_
    env: {PROBE: "app"}
main:
  - id: show
    app: show
    foreach: {s: [A, B]}
    env: {SAMPLE: "sample-{s}"}
    outputs: ["{s}.txt"]
  - {id: probe, app: probe, foreach: {n: [1, 2]}, args: {name: PROBE},
     env: {PROBE: "call-{n}"}}
  - {id: bare, app: probe, args: {name: PROBE}, needs: [probe]}
EOF2
	run weft run -q -j 1 flow.yaml
	assert_success
	run cat A.txt B.txt
	assert_output "app sample-A kept show[s=A]
app sample-B kept show[s=B]"
	run weft tasks --json
	run jq -r '.[] | select(.app == "probe") | "\(.task) \(.result)"' \
	    <<<"$output"
	assert_output "probe[n=1] PROBE=call-1
probe[n=2] PROBE=call-2
bare PROBE=app"
}

@test "a secret from the environment reaches the task and nowhere else" {
	local secret=s3cr3t-$RANDOM$RANDOM
	write_flow <<'EOF2'
weft: 1
env:
  TOP_TOKEN: {from_env: CI_TOKEN}
apps:
  use:
    command: 'test "$TOKEN" = "$TOP_TOKEN" && test -n "$TOKEN" && touch ok-{n}'
    env: {TOKEN: {from_env: CI_TOKEN}}
main:
  - id: use
    app: use
    foreach: {n: [1, 2]}
    env: {OTHER: {from_env: CI_TOKEN}}
  - {id: fail, app: use, args: {n: x}, env: {TOKEN: wrong}}
EOF2
	CI_TOKEN=$secret run weft run flow.yaml --json --report r.html \
	    --junit j.xml
	assert_failure 1
	[ -e ok-1 ] && [ -e ok-2 ] && [ ! -e ok-x ]
	refute_output --partial "$secret"
	CI_TOKEN=$secret run weft run -v --resume flow.yaml
	assert_failure 1
	refute_output --partial "$secret"
	CI_TOKEN=$secret run weft run -n -p flow.yaml
	assert_line "    env TOKEN=<secret from \$CI_TOKEN>"
	refute_output --partial "$secret"
	run weft report 1
	run grep -rla -- "$secret" .weft r.html j.xml
	assert_failure 1
	assert_output ""
	# Without it, nothing runs.
	rm -rf .weft
	run -2 --separate-stderr weft run flow.yaml
	assert_equal "$stderr" "flow.yaml:3:14: env 'TOP_TOKEN': 'CI_TOKEN' is not set in the environment
flow.yaml:7:18: env 'TOKEN': 'CI_TOKEN' is not set in the environment
flow.yaml:12:18: env 'OTHER': 'CI_TOKEN' is not set in the environment"
	[ ! -e .weft/runs ]
}

@test "bad inputs of the new keys: each a file:line:col error, nothing runs" {
	local entry want
	while IFS='|' read -r entry want; do
		write_flow <<EOF2
weft: 1
params: {p: 1}
apps:
  a: {command: "touch ran"}
main:
  - {id: t, app: a, $entry}
EOF2
		expect_flow_error "$want"
	done <<'EOF2'
when: "a == "|flow.yaml:6:33: a condition ends where a value was expected$
when: "(a == b"|flow.yaml:6:28: unclosed '\(' in a condition$
when: "a = b"|flow.yaml:6:30: a lone '=', '&' or '\|' in a condition
when: "x y"|flow.yaml:6:30: two values side by side in a condition
when: "{params.q} == 1"|flow.yaml:6:28: '\{params.q\}': no param 'q'
when: "{nope}"|flow.yaml:6:28: undefined placeholder '\{nope\}'
when: alwasy|flow.yaml:6:27: unknown when 'alwasy' \(did you mean 'always'\?\)
when: [always]|flow.yaml:6:27: 'when' must be a string, not a list
allow_failure: maybe|flow.yaml:6:36: 'allow_failure' must be true or false
retries: -1|flow.yaml:6:30: 'retries' must be an integer >= 0
walltime: soon|flow.yaml:6:31: invalid walltime 'soon'
env: {X: {from_env: 1A}}|flow.yaml:6:41: env 'X': 'from_env' must name an environment variable, not '1A'
env: {X: {from: Y}}|flow.yaml:6:30: env 'X' must be a string or \{from_env: VARIABLE\}
env: {X: "{undefined}"}|flow.yaml:6:31: undefined placeholder '\{undefined\}'
env: {1X: y}|flow.yaml:6:27: invalid environment variable name '1X'
EOF2
	write_flow <<'EOF2'
weft: 1
params: [a, b]
apps:
  a: {command: "touch ran"}
main:
  - {id: t, app: a}
EOF2
	expect_flow_error "flow.yaml:2:9: 'params' must be a mapping, not a list"
	write_flow <<'EOF2'
weft: 1
params: {a: [1], 9b: x}
apps:
  a: {command: "touch ran"}
main:
  - {id: t, app: a}
EOF2
	expect_flow_error "flow.yaml:2:(14: param 'a' must be a string, a number or a boolean, not a list|18: invalid param name '9b')"
}
