#!/usr/bin/env bats
#
# json.bats: the JSON documents of weft run --json, check --json and
# stop --json, from real runs: stdout holds one document and nothing
# else, its keys are the documented ones, its values say what happened,
# and the exit status is as without --json.

load setup

# jsq EXPR: EXPR applied to the JSON document on stdin, by python (a
# JSON reader weft does not share), printed as JSON.
jsq()
{
	/usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(json.dumps(eval(sys.argv[1], {"d": d}), separators=(",", ":")))
' "$1"
}

mixed_flow()
{
	write_flow <<'EOF'
weft: 1
name: mixed
apps:
  ok: {command: "echo fine"}
  bad: {command: "echo oops >&2; exit 7"}
  after: {command: "true"}
  flaky:
    command: n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; test $n -ge 1
    retries: 1
main:
  - {id: ok, app: ok, foreach: {i: "1..3"}}
  - {id: bad, app: bad}
  - {id: after, app: after, needs: [bad]}
  - {id: flaky, app: flaky}
EOF
}

@test "run --json: one document on stdout, the rest on stderr" {
	mixed_flow
	run -1 --separate-stderr weft run --json flow.yaml
	# stdout parses as one JSON document and holds nothing else.
	printf '%s\n' "$output" | jsq 'd["format_version"]' | grep -qx 1
	[[ $stderr == *"weft: run 0001 in"* ]]
	[[ $stderr == *"summary: 6 tasks:"* ]]
	[[ $output != *"summary:"* ]]
	run jsq 'sorted(d.keys())' <<<"$output"
	assert_output '["allowed_failures","blocks","counts","duration","ended","exit_code","failures","format_version","junit","monitoring","provider","report","retried","run","run_dir","started","state","workflow"]'
}

@test "run --json: the counts, the state and each failure say what happened" {
	mixed_flow
	run -1 --separate-stderr weft run --json flow.yaml
	doc=$output
	run jsq '[d["run"], d["state"], d["exit_code"], d["retried"], d["monitoring"]]' <<<"$doc"
	assert_output '["0001","failed",1,1,"complete"]'
	run jsq 'd["counts"]' <<<"$doc"
	assert_output '{"total":6,"done":4,"cached":0,"failed":1,"dep_fail":1,"skipped":0,"killed":0,"not_run":0}'
	run jsq 'd["workflow"]' <<<"$doc"
	assert_output "{\"name\":\"mixed\",\"file\":\"$WEFT_WORK/flow.yaml\"}"
	run jsq 'd["run_dir"]' <<<"$doc"
	assert_output "\"$WEFT_WORK/.weft/runs/0001\""
	run jsq '[(f["task"], f["app"], f["kind"], f["state"], f["exit_code"], f["signal"], f["tries"], f["reason"]) for f in d["failures"]]' <<<"$doc"
	assert_output '[["bad","bad","command","failed",7,null,1,"exit 7"]]'
	# The log paths are real, and hold the task's output.
	stderr_file=$(jsq 'd["failures"][0]["stderr"]' <<<"$doc" | tr -d '"')
	[ "$(cat "$stderr_file")" = oops ]
	# Times: ISO 8601 in UTC, in order, and the duration matches.
	/usr/bin/python3 - "$doc" <<'EOF'
import json, sys, datetime
d = json.loads(sys.argv[1])
fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
a = datetime.datetime.strptime(d["started"], fmt)
b = datetime.datetime.strptime(d["ended"], fmt)
assert a <= b, (a, b)
assert abs((b - a).total_seconds() - d["duration"]) < 2, d
EOF
}

@test "run --json: a clean run, a run with monitoring off, report and junit named" {
	write_flow <<'EOF'
weft: 1
config: {monitoring: false}
apps:
  ok: {command: "true"}
main:
  - {id: ok, app: ok}
EOF
	run -0 --separate-stderr weft run --json flow.yaml
	run jsq '[d["state"], d["exit_code"], d["failures"], d["monitoring"], d["report"]]' <<<"$output"
	assert_output '["done",0,[],"off",null]'
	mixed_flow
	run -1 --separate-stderr weft run --json --junit j.xml --report r.html flow.yaml
	run jsq '[d["junit"], d["report"]]' <<<"$output"
	assert_output "[\"$WEFT_WORK/j.xml\",\"$WEFT_WORK/r.html\"]"
	[ -s j.xml ] && [ -s r.html ]
}

@test "run --json: a run stopped by a signal lists its killed task with the signal" {
	write_flow <<'EOF'
weft: 1
apps:
  nap: {command: "@SLEEP@ 300"}
main:
  - {id: nap, app: nap}
EOF
	env --default-signal=INT,TERM setsid "$WEFT" run --json flow.yaml \
	    >out.json 2>err.txt </dev/null &
	local pid=$!
	WEFT_BG_PIDS+=("$pid")
	wait_for 30 count_sleepers 1
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	run jsq '[d["state"], d["exit_code"], d["counts"]["killed"]]' <out.json
	assert_output '["interrupted",130,1]'
	run jsq '[(f["task"], f["state"], f["signal"]) for f in d["failures"]]' <out.json
	assert_output '[["nap","killed","SIGTERM"]]'
}

@test "run --json: usage errors print nothing on stdout" {
	run -2 --separate-stderr weft run --json nope.yaml
	assert_output ""
	mixed_flow
	run -2 --separate-stderr weft run --json -n flow.yaml
	assert_output ""
	[[ $stderr == "weft run: --json does not go with --dry-run" ]]
}

@test "check --json: the summary of a valid workflow, the errors of one that is not" {
	mixed_flow
	run -0 --separate-stderr weft check --json flow.yaml
	run jsq '[d["format_version"], d["valid"], d["errors"], d["name"], d["tasks"], d["edges"], d["roots"], d["apps"]]' <<<"$output"
	assert_output '[1,true,[],"mixed",6,1,5,4]'
	printf 'weft: 1\nbogus: 1\n' > bad.yaml
	run -2 --separate-stderr weft check --json bad.yaml
	run jsq '[d["valid"], d["errors"]]' <<<"$output"
	assert_output '[false,["bad.yaml:1:1: no '"'"'main'"'"': nothing to run","bad.yaml:2:1: unknown key '"'"'bogus'"'"' at top level"]]'
	# stderr says it too, as without --json.
	[[ $stderr == *"bad.yaml:2:1: unknown key 'bogus' at top level"* ]]
	run -2 --separate-stderr weft check --json --dot flow.yaml
	assert_output ""
}

@test "stop --json: what became of the run" {
	write_flow <<'EOF'
weft: 1
apps:
  nap: {command: "@SLEEP@ 300"}
main:
  - {id: nap, app: nap}
EOF
	weft_start run flow.yaml
	wait_for 30 count_sleepers 1
	run -0 --separate-stderr weft stop --json
	run jsq '[d["format_version"], d["run"], d["result"], d["pid"] == '"$WEFT_PID"', d["run_dir"]]' <<<"$output"
	assert_output "[1,\"0001\",\"stopped\",true,\"$WEFT_WORK/.weft/runs/0001\"]"
	weft_reap
	run -2 --separate-stderr weft stop --json
	assert_output ""
}
