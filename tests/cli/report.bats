#!/usr/bin/env bats
#
# report.bats: "weft report" and "weft run --report/--junit" on real
# runs.  The JUnit XML is validated with xmllint against Jenkins' JUnit
# schema (fetched by scripts/fetch-junit-schema.sh) and the stricter one
# of what weft(1) promises (tests/data/junit-weft.xsd), and read back with
# Python's junitparser, a reader the project did not write: counts,
# classnames, failure messages and stderr tails, skipped reasons.  The
# HTML page is opened in headless Chromium and its DOM read back after
# the script ran: one timeline bar per try in the database, one table
# row per task, nothing loaded from outside, and task ids or stderr
# holding "</script>", "<!--", "]]>" or bytes that are not UTF-8 break
# nothing.  A live run's reports show what is recorded so far.  And the
# bad inputs: no database, no such run, a FILE that cannot be written,
# monitoring off, bad options.

load setup
load browser
load monitoring

XSD=$WEFT_SRCDIR/tests/data/junit-weft.xsd
JENKINS_XSD=${XDG_CACHE_HOME:-$HOME/.cache}/weft-tests/jenkins-junit.xsd
PY=/usr/bin/python3

# A run with every kind of task: done (good[n=*], and mem, which holds
# 40 MB), failed with hostile stderr (broken), dep_fail (later), retried
# (flaky: its first try fails) and cached (keep, done by run 0001).
# Run 0001 makes the cache; the test looks at run 0002.
mixed_runs()
{
	write_flow <<'EOF'
weft: 1
name: mixed
config: {jobs: 2}
apps:
  ok: {command: 'cat stamp.txt; echo ok {n}'}
  bad: {command: 'printf "first line\nline <1> & ]]> </script><!-- \377 end\n" >&2; exit 3'}
  flaky: {command: 'if [ -e @DIR@/flaky.mark ]; then cat stamp.txt; else touch @DIR@/flaky.mark; echo first >&2; exit 1; fi', retries: 2}
  after: {command: 'echo after'}
  keep: {command: 'echo kept > kept.txt'}
  mem: {command: 'x=$(head -c 40000000 /dev/zero | tr "\0" a); cat stamp.txt; echo ${{#x}}'}
main:
  - {id: good, app: ok, foreach: {n: "1..3"}, inputs: stamp.txt}
  - {id: broken, app: bad}
  - {id: flaky, app: flaky, inputs: stamp.txt}
  - {id: later, app: after, needs: broken}
  - {id: keep, app: keep, outputs: kept.txt}
  - {id: mem, app: mem, inputs: stamp.txt}
EOF
	echo 1 >stamp.txt
	run -1 weft run -q flow.yaml
	echo 2 >stamp.txt
	rm -f flaky.mark
	run -1 weft run -q --resume --junit run.xml --report run.html flow.yaml
	[ -s run.xml ] && [ -s run.html ] || fail "no reports: $output"
}

# junit_valid FILE: FILE is valid against Jenkins' JUnit schema, which
# scripts/fetch-junit-schema.sh fetched, and against weft's own.
junit_valid()
{
	[ -f "$JENKINS_XSD" ] ||
	    fail "no $JENKINS_XSD: run scripts/fetch-junit-schema.sh"
	run xmllint --noout --schema "$JENKINS_XSD" "$1"
	assert_success
	run xmllint --noout --schema "$XSD" "$1"
	assert_success
}

# junit_check FILE: FILE is valid against the schemas, and junitparser
# reads the run of mixed_runs from it.
junit_check()
{
	junit_valid "$1"
	run "$PY" - "$1" <<'EOF'
import sys
from junitparser import JUnitXml, Failure, Skipped, Error
xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
assert len(suites) == 1, suites
s = suites[0]
assert s.name == 'mixed', s.name
assert (s.tests, s.failures, s.errors, s.skipped) == (8, 1, 0, 2), \
    (s.tests, s.failures, s.errors, s.skipped)
assert xml.tests == 8 and xml.failures == 1, (xml.tests, xml.failures)
cases = {c.name: c for c in s}
assert sorted(cases) == ['broken', 'flaky', 'good[n=1]', 'good[n=2]',
    'good[n=3]', 'keep', 'later', 'mem'], sorted(cases)
want = {'good[n=1]': 'ok', 'broken': 'bad', 'flaky': 'flaky',
    'later': 'after', 'keep': 'keep', 'mem': 'mem'}
for name, app in want.items():
    assert cases[name].classname == app, (name, cases[name].classname)
for name in ('good[n=1]', 'good[n=2]', 'good[n=3]', 'flaky', 'mem'):
    assert cases[name].result == [], (name, cases[name].result)
    assert cases[name].time > 0, (name, cases[name].time)
f = cases['broken'].result
assert len(f) == 1 and isinstance(f[0], Failure), f
f = f[0]
assert f.message == 'exit 3' and f.type == 'exit 3', (f.message, f.type)
assert 'exit code: 3' in f.text, f.text
assert 'first line\nline <1> & ]]> </script><!-- \ufffd end' in f.text, \
    f.text
assert 'tasks/broken/try-0/stderr' in f.text, f.text
k = cases['later'].result
assert len(k) == 1 and isinstance(k[0], Skipped), k
assert k[0].text == 'dep_fail: not run because broken failed', \
    k[0].text
k = cases['keep'].result
assert len(k) == 1 and isinstance(k[0], Skipped), k
assert k[0].text.startswith('cached'), k[0].text
props = {p.name: p.value for p in s.properties()}
assert props['run'] == '0002' and props['state'] == 'failed', props
assert props['exit_code'] == '1', props
print('ok')
EOF
	assert_success
	assert_output ok
}

# tries_at_least N: run 0001 has N tries recorded, or more.
tries_at_least()
{
	[ "$(q "SELECT count(*) FROM try WHERE run_id = '0001'" \
	    2>/dev/null)" -ge "$1" ]
}

# dom_counts: reads a dumped DOM on stdin and prints "ready=1 bars=N
# rows=N title=...", "graph nodes=N edges=N", and each row's task id,
# one a line.  (The DOM is parsed: the script's own text holds the
# markup it writes, so grep would count that too.)
dom_counts()
{
	"$PY" -c '
import sys
from html.parser import HTMLParser
class P(HTMLParser):
	def __init__(s):
		super().__init__()
		s.bars = s.rows = s.nodes = s.edges = 0
		s.ready = s.title = None
		s.cell = s.inrow = s.intitle = 0
		s.ids = []
		s.text = ""
	def handle_starttag(s, tag, attrs):
		a = dict(attrs)
		cls = (a.get("class") or "").split()
		if tag == "body":
			s.ready = a.get("data-ready")
		if tag == "title" and s.title is None:
			s.intitle = 1
		if tag == "rect" and "bar" in cls:
			s.bars += 1
		if tag == "g" and "node" in cls:
			s.nodes += 1
		if tag == "path" and "edge" in cls:
			s.edges += 1
		if tag == "div" and "tr" in cls and a.get("id") != "thead":
			s.rows += 1
			s.inrow = 1
			s.cell = 0
		if tag == "span" and s.inrow:
			s.cell += 1
			s.text = ""
	def handle_endtag(s, tag):
		if tag == "title":
			s.intitle = 0
		if tag == "span" and s.inrow and s.cell == 1:
			s.ids.append(s.text)
			s.inrow = 0
	def handle_data(s, d):
		if s.intitle:
			s.title = d
		if s.inrow and s.cell == 1:
			s.text += d
p = P()
p.feed(sys.stdin.read())
print("ready=%s bars=%d rows=%d title=%s" % (p.ready, p.bars, p.rows,
	p.title))
print("graph nodes=%d edges=%d" % (p.nodes, p.edges))
for i in p.ids:
	print(i)
'
}

@test "weft run --junit and weft report --junit: valid, and read by junitparser" {
	mixed_runs
	junit_check run.xml
	# weft report reads the same record: the same document.
	run weft report --junit report.xml
	assert_success
	assert_output ''
	junit_check report.xml
	cmp run.xml report.xml
	# An older run by number: run 0001, which made the cache.
	run weft report --junit - 1
	assert_success
	assert_output --partial '<testsuite name="mixed" tests="8" failures="1" errors="0" skipped="1"'
	assert_output --partial 'id="0001"'
}

@test "the JUnit XML leaves out the characters XML 1.0 forbids" {
	write_flow <<'EOF'
weft: 1
apps:
  bad: {command: 'printf "bell \007 nul-free \033[31m red \001\002 tab\tok\n" >&2; exit 5'}
main:
  - {id: ctl, app: bad}
EOF
	run -1 weft run -q --junit j.xml flow.yaml
	junit_valid j.xml
	run "$PY" -c '
import sys
from junitparser import JUnitXml
s = list(JUnitXml.fromfile("j.xml"))[0]
c = list(s)[0]
t = c.result[0].text
assert "bell  nul-free [31m red  tab\tok" in t, repr(t)
assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in t), repr(t)
print(c.result[0].message)'
	assert_success
	assert_output 'exit 5'
}

@test "the HTML report: one bar per try, one row per task, self-contained" {
	mixed_runs
	run weft report -o report.html
	assert_success
	assert_output ''
	# Two scripts: the data block and the code, both inline.
	[ "$(grep -o '<script' report.html | wc -l)" -eq 2 ]
	page_dom report.html "$BATS_TEST_TMPDIR/report.png" >dom.html
	[ -s "$BATS_TEST_TMPDIR/report.png" ] || fail "no screenshot"
	tries=$(q "SELECT count(*) FROM try WHERE run_id = '0002'")
	tasks=$(q "SELECT count(*) FROM task WHERE run_id = '0002'")
	[ "$tries" -eq 7 ] || fail "$tries tries, not 7"
	run dom_counts <dom.html
	assert_success
	assert_line --index 0 "ready=1 bars=$tries rows=$tasks title=weft run 0002: mixed"
	assert_line 'broken'
	assert_line 'good[n=3]'
	# The counts and the failed task's tail are in the page.
	grep -q 'data-state="failed" data-count="1"' dom.html
	grep -q 'data-state="cached" data-count="1"' dom.html
	grep -q 'data-state="dep_fail" data-count="1"' dom.html
	grep -qF 'line &lt;1&gt; &amp; ]]&gt; &lt;/script&gt;&lt;!-- '$'\xef\xbf\xbd'' end' dom.html
	# The task graph: one box per entry, one edge (broken -> later).
	run dom_counts <dom.html
	assert_line --index 1 'graph nodes=6 edges=1'
	grep -q 'id="dag" data-entries="6"' dom.html
	# Nothing from outside: no URL, no src or href, a policy that
	# forbids loading anything.
	run grep -Eio 'https?:|ftp:|//[a-z]|(src|href|action)=' report.html
	assert_failure
	grep -q "default-src 'none'" report.html
	# Peak memory of mem, measured at its end (40 MB in one shell).
	run "$PY" -c '
import json, re
page = open("report.html").read()
m = re.search(r"<script type=\"application/json\" id=\"weft-data\">(.*?)</script>", page, re.S)
d = json.loads(m.group(1))
t = {x[0]: x for x in d["tasks"]}
print(t["mem"][6] > 40000000, t["flaky"][3], t["keep"][2], t["later"][2])'
	assert_output 'True 2 cached dep_fail'
	# The run wrote the same page (only the time it was read differs).
	page_dom run.html >rundom.html
	run dom_counts <rundom.html
	assert_line --index 0 "ready=1 bars=$tries rows=$tasks title=weft run 0002: mixed"
}

@test "task ids and commands holding </script> and <!-- do not break the page" {
	write_flow <<'EOF'
weft: 1
name: "odd </script> name"
apps:
  echo: {command: 'echo "{v}" >&2; exit 1'}
  fine: {command: 'true'}
main:
  - id: odd
    app: echo
    foreach: {v: ["</script><script>document.title='owned'</script>", "<!--", "a&b]]>c"]}
  - {id: fine, app: fine}
EOF
	run -1 weft run -q --report page.html flow.yaml
	page_dom page.html >dom.html
	run dom_counts <dom.html
	assert_line --index 0 'ready=1 bars=4 rows=4 title=weft run 0001: odd </script> name'
	assert_line "odd[v=</script><script>document.title='owned'</script>]"
	assert_line 'odd[v=<!--]'
	assert_line 'odd[v=a&b]]>c]'
	assert_line 'fine'
	# The data block holds none of them raw: two ends, of two scripts.
	[ "$(grep -o '</script>' page.html | wc -l)" -eq 2 ]
	[ "$(grep -o '<!--' page.html | wc -l)" -eq 0 ]
}

@test "weft report on a live run: what is recorded so far" {
	write_flow <<'EOF'
weft: 1
name: live
config: {jobs: 2}
apps:
  t: {command: "true"}
  gate: {command: "while [ ! -e @DIR@/gate ]; do @SLEEP@ 0.05; done"}
main:
  - {id: a, app: t, foreach: {i: "1..3"}}
  - {id: gate, app: gate}
  - {id: b, app: t, needs: gate}
EOF
	weft_start run flow.yaml
	wait_for 30 q_done_is 3
	wait_for 30 tries_at_least 4
	run weft report --junit live.xml -o live.html
	assert_success
	junit_valid live.xml
	run "$PY" -c '
from junitparser import JUnitXml
s = list(JUnitXml.fromfile("live.xml"))[0]
r = {c.name: [x.message or x.text for x in c.result] for c in s}
print(s.tests, s.skipped, r["a[i=1]"], r["gate"], r["b"])'
	assert_output "5 2 [] ['running: not ended yet'] ['pending: not ended yet']"
	page_dom live.html >dom.html
	run dom_counts <dom.html
	assert_line --index 0 'ready=1 bars=4 rows=5 title=weft run 0001: live'
	grep -Eq '<rect class="bar a[0-9]+ run"' dom.html
	grep -q '(live: what is recorded so far)' dom.html
	touch gate
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
}

@test "weft report: no database, no such run, a FILE it cannot write" {
	run weft report
	assert_failure 2
	assert_output --partial "weft report: no runs found: no .weft in $WEFT_WORK"
	[ ! -e report.html ]

	write_flow <<'EOF'
weft: 1
apps:
  t: {command: "true"}
main:
  - {id: t, app: t}
EOF
	run weft run -q flow.yaml
	assert_success
	run weft report 9
	assert_failure 2
	assert_output 'weft report: no run 0009 in .weft/monitoring.db'
	run weft report --run-dir nowhere
	assert_failure 2
	assert_output --partial 'no monitoring database at nowhere/monitoring.db'
	run weft report -o missing/dir/r.html
	assert_failure 2
	assert_output 'weft report: cannot write missing/dir/r.html: No such file or directory'
	run weft report --junit .
	assert_failure 2
	assert_output 'weft report: cannot write .: Is a directory'
	run weft report -o same --junit same
	assert_failure 2
	assert_output "weft report: -o and --junit name the same file 'same'"
	run weft report -o - --junit -
	assert_failure 2
	assert_output 'weft report: -o and --junit cannot both be standard output'
	[ ! -e same ]
	# With neither option, report.html; the run is the newest.
	run weft report
	assert_success
	grep -q '<title>weft run 0001: ' report.html
}

@test "weft report: bad options and arguments are usage errors" {
	run weft report --bogus
	assert_failure 2
	assert_line --index 0 "weft report: unknown option '--bogus'"
	assert_line --partial "Try 'weft report --help'."
	run weft report -o
	assert_failure 2
	assert_line --index 0 "weft report: option '-o' needs an argument"
	run weft report -o ''
	assert_failure 2
	run weft report --junit ''
	assert_failure 2
	run weft report 1 2
	assert_failure 2
	assert_line --index 0 'weft report: too many arguments'
	run weft report x7
	assert_failure 2
	assert_output "weft report: invalid run 'x7': expected a run number such as 7 or 0007"
	run weft report --help
	assert_success
	assert_line --index 0 'usage: weft report [-o FILE] [--junit FILE] [-f FILE | -C DIR | --run-dir DIR] [RUN]'
}

@test "weft run --report/--junit: refused up front with monitoring off or a bad FILE" {
	write_flow <<'EOF'
weft: 1
config: {monitoring: false}
apps:
  t: {command: "touch @DIR@/ran"}
main:
  - {id: t, app: t}
EOF
	run weft run --junit j.xml flow.yaml
	assert_failure 2
	assert_output 'weft run: --junit needs the monitoring database, and config.monitoring is false'
	run weft run --report r.html flow.yaml
	assert_failure 2
	assert_output 'weft run: --report needs the monitoring database, and config.monitoring is false'
	[ ! -e ran ] && [ ! -e .weft/runs ] && [ ! -e j.xml ] && [ ! -e r.html ]

	sed -i 's/monitoring: false/monitoring: true/' flow.yaml
	run weft run --junit nodir/j.xml flow.yaml
	assert_failure 2
	assert_output "weft run: cannot write --junit $WEFT_WORK/nodir/j.xml: $WEFT_WORK/nodir: No such file or directory"
	run weft run --report x --junit x flow.yaml
	assert_failure 2
	assert_output "weft run: --report and --junit name the same file 'x'"
	run weft run --report '' flow.yaml
	assert_failure 2
	assert_output --partial 'weft run: --report needs a file name'
	[ ! -e ran ] && [ ! -e .weft/runs ]

	# A relative FILE is from where weft run was started, not the run's.
	mkdir sub
	cd sub
	run weft run -q --junit j.xml --report r.html ../flow.yaml
	assert_success
	[ -e ../ran ] && [ -s j.xml ] && [ -s r.html ]
	junit_valid j.xml
}

@test "--fail-fast: a killed task is a JUnit error, a task never started is skipped" {
	write_flow <<'EOF2'
weft: 1
name: fast
config: {jobs: 2}
apps:
  slow: {command: "@SLEEP@ 300"}
  bad: {command: "@SLEEP@ 0.3; echo dying >&2; exit 4"}
  t: {command: "true"}
main:
  - {id: slow, app: slow}
  - {id: bad, app: bad}
  - {id: never, app: t, foreach: {i: "1..3"}}
EOF2
	run -1 weft run -q --fail-fast --junit j.xml --report r.html flow.yaml
	junit_valid j.xml
	run "$PY" -c '
from junitparser import JUnitXml
s = list(JUnitXml.fromfile("j.xml"))[0]
r = {c.name: [(type(x).__name__, x.message or x.text, x.type)
    for x in c.result]
    for c in s}
print(s.tests, s.failures, s.errors, s.skipped)
print(r["slow"])
print(r["bad"])
print(r["never[i=1]"])'
	assert_line --index 0 '5 1 1 3'
	assert_line --index 1 "[('Error', 'killed: the run stopped', 'SIGTERM')]"
	assert_line --index 2 "[('Failure', 'exit 4', 'exit 4')]"
	assert_line --index 3 "[('Skipped', 'not_run: the run stopped before it started', None)]"
	grep -q 'dying' j.xml
	page_dom r.html >dom.html
	run dom_counts <dom.html
	assert_line --index 0 'ready=1 bars=2 rows=5 title=weft run 0001: fast'
}
