#!/usr/bin/env bats
#
# plugins.bats: how weft check and weft run load the plugins of function
# apps before anything runs.  Paths are relative to the workflow file's
# folder and need no library path; check prints "plugins: N" and
# "functions: M" and runs the init hook once, in its own process, and no
# function; every plugin is loaded, also one no app uses.  Each
# error, at its FILE:LINE:COL, exit 2, nothing run: a missing or
# unloadable file, a shared object that is no plugin, an ABI mismatch, an
# init hook that refuses, a missing function (also one that only libc
# has), an unknown plugin (did you mean), a malformed 'function', an app
# with both 'command' and 'function', {ID.result} of a command app and in
# inputs/outputs; all errors at once.  --plugin NAME=PATH (run and check):
# malformed values, its own errors as "weft: --plugin NAME=PATH: ...", a
# plugin added from a folder on no library path (PATH relative to the
# current directory) that the workers load too, and a path of the file
# overridden; the walltime forms.  Running function apps is in
# functions.bats and isolation.bats; the test plugins are in
# tests/plugins/.

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

# The positions below: in "  demo: PATH" the value is at column 9; in
# "    function: X" at column 15.

# bad_plugin PATH [FUNCTION]: a workflow whose plugin "demo" is PATH (line
# 3, column 9) and whose app "add" calls FUNCTION (default demo.add; line
# 6, column 15), with a task that would create the file "ran".
bad_plugin()
{
	write_flow <<EOF
weft: 1
plugins:
  demo: $1
apps:
  add:
    function: ${2:-demo.add}
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
  - {id: a, app: add}
EOF
}

# path_re PATH: an ERE for PATH as written or made absolute (the messages
# may name either).
path_re()
{
	printf '(%s|%s)' "$(ere "$1")" "$(ere "$WEFT_WORK/$1")"
}

@test "check loads the plugins: ok, plugins: 2, functions: 4; runs nothing" {
	mixed_flow
	run --separate-stderr weft check flow.yaml
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	# The usual lines and the two new ones, in any order.
	local want
	want=$(sort <<'EOF'
flow.yaml: ok
name: mixed
apps: 7
tasks: 8
edges: 8
roots: 3
plugins: 2
functions: 4
EOF
)
	assert_equal "$(sort <<<"$output")" "$want"
	assert_line --index 0 'flow.yaml: ok'
	[ ! -e .weft ] || fail "check created .weft"
	[ ! -e cat.txt ] && [ ! -e gen-1.txt ] || fail "check ran a task"
}

@test "check runs the init hook once, in its own process, and no function" {
	write_flow <<'EOF'
weft: 1
plugins:
  results: plugins/libresults.so
apps:
  count:
    function: results.count
  echo:
    function: results.echo
main:
  - id: c
    app: count
    foreach: {n: "1..5"}
    args: {file: counted}
  - {id: e, app: echo, args: {v: x}}
EOF
	export WEFT_TEST_INIT_LOG=$WEFT_WORK/init.log
	run weft check flow.yaml
	assert_success
	assert_line 'plugins: 1'
	assert_line 'functions: 2'
	run cat init.log
	assert_success
	[ "${#lines[@]}" -eq 1 ] || fail "init ran ${#lines[@]} times: $output"
	assert_output --regexp '^[0-9]+$'
	[ ! -e counted ] || fail "check called a function: $(cat counted)"
}

@test "plugin paths are relative to the workflow's folder; no library path" {
	unset LD_LIBRARY_PATH
	mkdir -p proj/lib elsewhere
	cp plugins/libresults.so proj/libbare.so
	cp plugins/libcrash.so proj/lib/libsub.so
	# A bare name, a relative path and an absolute one.
	write_flow proj/flow.yaml <<'EOF'
weft: 1
plugins:
  bare: libbare.so
  sub: ./lib/libsub.so
  abs: @DIR@/plugins/libslow.so
apps:
  e: {function: bare.echo}
  o: {function: sub.ok}
  n: {function: abs.nap}
  show: {command: "echo {e.result} > shown.txt"}
main:
  - {id: e, app: e, args: {v: found}}
  - {id: o, app: o}
  - {id: n, app: n, args: {seconds: "0"}}
  - {id: show, app: show}
EOF
	local where
	for where in "$WEFT_WORK" "$WEFT_WORK/elsewhere" /; do
		cd "$where"
		run --separate-stderr weft check "$WEFT_WORK/proj/flow.yaml"
		[ "$status" -eq 0 ] ||
		    fail "check from $where: exit $status: $stderr"
		assert_line 'plugins: 3'
		assert_line 'functions: 3'
	done
	cd "$WEFT_WORK/elsewhere"
	run weft run ../proj/flow.yaml
	assert_success
	assert_line --regexp '^summary: 4 tasks: 4 done in '
	run cat "$WEFT_WORK/proj/shown.txt"
	assert_output found
}

@test "every plugin is loaded and checked, also one that no app uses" {
	write_flow <<'EOF'
weft: 1
plugins:
  results: plugins/libresults.so
  spare: plugins/libcrash.so
apps:
  e: {function: results.echo}
main:
  - {id: e, app: e, args: {v: x}}
EOF
	run --separate-stderr weft check flow.yaml
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_line 'plugins: 2'
	assert_line 'functions: 1'
	# An unused plugin that is broken is still an error.
	write_flow <<'EOF'
weft: 1
plugins:
  results: plugins/libresults.so
  ghost: plugins/no-such-file.so
apps:
  e: {function: results.echo}
main:
  - {id: e, app: e, args: {v: x}}
EOF
	expect_check_errors "flow\.yaml:4:10: plugin 'ghost': cannot load 'plugins/no-such-file\.so': .*No such file or directory"
}

@test "a missing plugin file: cannot load, with dlerror's reason" {
	bad_plugin plugins/libnope.so
	expect_check_errors "flow\.yaml:3:9: plugin 'demo': cannot load '$(path_re plugins/libnope.so)': .*No such file or directory"
}

@test "a file that is no shared object: cannot load, with dlerror's reason" {
	echo 'not an ELF file at all, only text' >plugins/libtext.so
	bad_plugin plugins/libtext.so
	expect_check_errors "flow\.yaml:3:9: plugin 'demo': cannot load '$(path_re plugins/libtext.so)': .*(invalid ELF header|file too short).*"
}

@test "a shared object without weft_plugin is not a weft plugin" {
	bad_plugin plugins/libnotaplugin.so demo.hello
	expect_check_errors "flow\.yaml:3:9: plugin 'demo': '$(path_re plugins/libnotaplugin.so)' is not a weft plugin \(it has no 'weft_plugin'; see weft-plugin\(3\)\)"
}

@test "a plugin built for another ABI is refused" {
	bad_plugin plugins/libbadabi.so demo.hello
	expect_check_errors "flow\.yaml:3:9: plugin 'demo': built for plugin ABI 999, but this weft has ABI 1"
}

@test "an init hook that refuses: init failed, with the plugin's reason" {
	bad_plugin plugins/libinitfail.so demo.hello
	expect_check_errors "flow\.yaml:3:9: plugin 'demo': init failed: no licence for initfail \(test plugin\)"
}

@test "an init hook that crashes: the plugin is named, exit 2" {
	local how

	bad_plugin plugins/libinitcrash.so demo.ok
	for how in segv:SEGV abort:ABRT fpe:FPE; do
		export WEFT_TEST_INIT_CRASH=${how%:*}
		expect_check_errors "flow\.yaml:3:9: plugin 'demo': crashed while loading \(in its init hook or constructors: SIG${how#*:}\)"
	done
	# From --plugin: named as the option.
	write_flow <<'EOF2'
weft: 1
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF2
	WEFT_TEST_INIT_CRASH=segv run -2 --separate-stderr weft check \
	    --plugin boom=plugins/libinitcrash.so flow.yaml
	assert_equal "$stderr" "weft check: --plugin boom=plugins/libinitcrash.so: plugin 'boom': crashed while loading (in its init hook or constructors: SIGSEGV)"
	unset WEFT_TEST_INIT_CRASH
	bad_plugin plugins/libinitcrash.so demo.ok
	run weft check flow.yaml
	assert_success
}

@test "a function the plugin does not have, at the function's value" {
	bad_plugin plugins/libresults.so demo.nosuch
	expect_check_errors "flow\.yaml:6:15: app 'add': plugin 'demo' has no function 'nosuch'"
}

@test "a symbol that only the C library has is no function of the plugin" {
	# dlsym on the plugin's handle also searches its dependencies.
	bad_plugin plugins/libresults.so demo.exit
	expect_check_errors "flow\.yaml:6:15: app 'add': plugin 'demo' has no function 'exit'"
}

@test "an unknown plugin name, with a did-you-mean" {
	bad_plugin plugins/libresults.so dem.add
	expect_check_errors "flow\.yaml:6:15: app 'add': unknown plugin 'dem' \(did you mean 'demo'\?\)"
}

@test "'function' must be PLUGIN.SYMBOL" {
	write_flow <<'EOF'
weft: 1
plugins:
  demo: plugins/libresults.so
apps:
  a1:
    function: xyz
  a2:
    function: demo.
  a3:
    function: .add
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
  - {id: x1, app: a1}
  - {id: x2, app: a2}
  - {id: x3, app: a3}
EOF
	expect_check_errors \
	    "flow\.yaml:6:15: app 'a1': 'function' must be PLUGIN\.SYMBOL, not 'xyz'" \
	    "flow\.yaml:8:15: app 'a2': 'function' must be PLUGIN\.SYMBOL, not 'demo\.'" \
	    "flow\.yaml:10:15: app 'a3': 'function' must be PLUGIN\.SYMBOL, not '\.add'"
}

@test "an app with both 'command' and 'function'" {
	write_flow <<'EOF'
weft: 1
plugins:
  demo: plugins/libresults.so
apps:
  x:
    command: touch ran
    function: demo.echo
main:
  - {id: t, app: x, args: {v: a}}
EOF
	# The app's key, or its command, or its function.
	expect_check_errors "flow\.yaml:(5:3|6:5|6:14|7:5|7:15): app 'x': has both 'command' and 'function'; give one"
}

@test "{ID.result} of a command app, in args and in a command" {
	write_flow <<'EOF'
weft: 1
apps:
  hi: {command: touch ran}
  say: {command: "echo {vals}"}
  use:
    command: echo {t.result}
main:
  - {id: t, app: hi}
  - id: s
    app: say
    args: {vals: "{t.result}"}
  - {id: u, app: use}
EOF
	local why="'\{t\.result\}': 't' runs a command, and only function apps have a result"
	# The args line; the command's line or the entry's.
	expect_check_errors "flow\.yaml:11:[0-9]+: .*$why" \
	    "flow\.yaml:(6|12):[0-9]+: .*$why"
}

@test "{ID.result} is not allowed in inputs or outputs" {
	write_flow <<'EOF'
weft: 1
plugins:
  demo: plugins/libresults.so
apps:
  e: {function: demo.echo}
  hi: {command: touch ran}
main:
  - {id: e, app: e, args: {v: a.txt}}
  - id: t
    app: hi
    inputs: "{e.result}"
  - id: u
    app: hi
    outputs: ["{e.result}"]
EOF
	expect_check_errors "flow\.yaml:11:[0-9]+: .*\{e\.result\}.*" \
	    "flow\.yaml:14:[0-9]+: .*\{e\.result\}.*"
}

@test "every plugin error is reported at once, and nothing runs" {
	write_flow <<'EOF'
weft: 1
plugins:
  gone: plugins/libgone.so
  old: plugins/libbadabi.so
  good: plugins/libresults.so
  shy: plugins/libinitfail.so
apps:
  a:
    function: gone.f
  b:
    function: old.hello
  c:
    function: good.nosuch
  e:
    function: shy.hello
  f:
    function: good.neither
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
  - {id: a, app: a}
  - {id: b, app: b}
  - {id: c, app: c}
  - {id: e, app: e}
  - {id: f, app: f}
EOF
	# (Errors of the file itself, such as an unknown plugin name, may
	# stop the check before any plugin is loaded: none here.)
	expect_check_errors \
	    "flow\.yaml:3:9: plugin 'gone': cannot load '$(path_re plugins/libgone.so)': .*No such file or directory" \
	    "flow\.yaml:4:8: plugin 'old': built for plugin ABI 999, but this weft has ABI 1" \
	    "flow\.yaml:6:8: plugin 'shy': init failed: no licence for initfail \(test plugin\)" \
	    "flow\.yaml:13:15: app 'c': plugin 'good' has no function 'nosuch'" \
	    "flow\.yaml:17:15: app 'f': plugin 'good' has no function 'neither'"
}

@test "--plugin without NAME=PATH is a usage error, for run and check" {
	write_flow <<'EOF'
weft: 1
plugins:
  results: plugins/libresults.so
apps:
  hi: {command: touch ran}
main:
  - {id: t, app: hi}
EOF
	local cmd value
	for cmd in run check; do
		for value in noequals =plugins/libresults.so results= =; do
			run -2 --separate-stderr weft "$cmd" --plugin "$value" \
			    flow.yaml
			[ -z "$output" ] ||
			    fail "$cmd --plugin '$value': stdout: $output"
			grep -qxF -- "weft $cmd: invalid --plugin '$value': expected NAME=PATH" \
			    <<<"$stderr" ||
			    fail "$cmd --plugin '$value': stderr: $stderr"
		done
	done
	[ ! -e .weft ] && [ ! -e ran ] || fail "something ran"
}

@test "--plugin to a missing file: weft CMD: --plugin NAME=PATH: cannot load" {
	bad_plugin plugins/libresults.so
	local cmd re
	# "(plugin 'demo': )?": the contract's example has no such part, but
	# also says "the same texts after the colon" as in the file's case.
	re="^weft (run|check): --plugin demo=nowhere/libdemo\.so: (plugin 'demo': )?cannot load"
	re+=" '$(path_re nowhere/libdemo.so)': .*No such file or directory\$"
	for cmd in run check; do
		run -2 --separate-stderr weft "$cmd" \
		    --plugin demo=nowhere/libdemo.so flow.yaml
		[ -z "$output" ] || fail "$cmd: stdout: $output"
		[ "${#stderr_lines[@]}" -eq 1 ] || fail "$cmd: stderr: $stderr"
		[[ ${stderr_lines[0]} =~ $re ]] || fail "$cmd: stderr: $stderr"
	done
	[ ! -e .weft/runs ] && [ ! -e ran ] || fail "something ran"
}

@test "--plugin errors: not a plugin, ABI, init; a missing function keeps its place" {
	bad_plugin plugins/libresults.so demo.hello
	local cmd value re
	local -A want=(
	    [plugins/libnotaplugin.so]="'$(path_re plugins/libnotaplugin.so)' is not a weft plugin \(it has no 'weft_plugin'; see weft-plugin\(3\)\)"
	    [plugins/libbadabi.so]="built for plugin ABI 999, but this weft has ABI 1"
	    [plugins/libinitfail.so]="init failed: no licence for initfail \(test plugin\)"
	)
	for cmd in run check; do
		for value in "${!want[@]}"; do
			run -2 --separate-stderr weft "$cmd" --plugin "demo=$value" \
			    flow.yaml
			re="^weft $cmd: --plugin demo=$(ere "$value"): (plugin 'demo': )?"
			re+="${want[$value]}\$"
			[ "${#stderr_lines[@]}" -eq 1 ] &&
			    [[ ${stderr_lines[0]} =~ $re ]] ||
			    fail "$cmd --plugin demo=$value: stderr: $stderr"
		done
		# The plugin is fine; the app's function is not in it.
		run -2 --separate-stderr weft "$cmd" \
		    --plugin demo=plugins/libcrash.so flow.yaml
		[ "${#stderr_lines[@]}" -eq 1 ] &&
		    [ "${stderr_lines[0]}" = "flow.yaml:6:15: app 'add': plugin 'demo' has no function 'hello'" ] ||
		    fail "$cmd --plugin demo=plugins/libcrash.so: stderr: $stderr"
	done
	[ ! -e .weft/runs ] && [ ! -e ran ] || fail "something ran"
}

@test "--plugin adds plugins from a folder on no library path (run, check)" {
	unset LD_LIBRARY_PATH
	local dir rel
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/lib.XXXXXX")
	rel=$(basename "$dir")
	# Names that no library path has; nothing in the work folder.
	cp plugins/libresults.so "$dir/libfresh.so"
	cp plugins/libcrash.so "$dir/libother.so"
	rm -r plugins
	write_flow <<'EOF'
weft: 1
config: {jobs: 2}
apps:
  echo: {function: fresh.echo}
  which: {function: other.which}
  show:
    command: printf '%s\n' {e.result} {w.result} > shown.txt
main:
  - {id: e, app: echo, args: {v: "from a fresh folder"}}
  - {id: w, app: which}
  - {id: show, app: show}
EOF
	run -2 --separate-stderr weft check flow.yaml
	[[ $stderr == *"unknown plugin 'fresh'"* ]] || fail "stderr: $stderr"
	# PATH is relative to the current directory, not to the workflow.
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr weft check --plugin "fresh=$rel/libfresh.so" \
	    --plugin "other=$rel/libother.so" "$WEFT_WORK/flow.yaml"
	assert_success
	assert_line 'plugins: 2'
	assert_line 'functions: 2'
	run --separate-stderr weft run --plugin "fresh=$rel/libfresh.so" \
	    --plugin "other=$rel/libother.so" "$WEFT_WORK/flow.yaml"
	assert_success
	assert_line --regexp '^summary: 3 tasks: 3 done in '
	run cat "$WEFT_WORK/shown.txt"
	assert_output "from a fresh folder
crash"
}

@test "--plugin overrides a plugin's path given in the file" {
	write_flow <<'EOF'
weft: 1
plugins:
  p: plugins/libcrash.so
  q: plugins/missing.so
apps:
  which: {function: p.which}
  echo: {function: q.echo}
  show:
    command: printf '%s\n' {w.result} {e.result} > shown.txt
main:
  - {id: w, app: which}
  - {id: e, app: echo, args: {v: overridden}}
  - {id: show, app: show}
EOF
	run -2 weft check flow.yaml
	assert_output --partial "plugin 'q': cannot load"
	run weft check --plugin q=plugins/libresults.so flow.yaml
	assert_success
	assert_line 'plugins: 2'
	run --separate-stderr weft run --plugin p=plugins/libresults.so \
	    --plugin q=plugins/libresults.so flow.yaml
	assert_success
	run cat shown.txt
	# p.which is the one of libresults.so, not of the file's libcrash.so.
	assert_output "results
overridden"
}

@test "walltime takes 90s, 5m, 1h30m, 1h and 250ms" {
	write_flow <<'EOF2'
weft: 1
plugins:
  slow: plugins/libslow.so
apps:
  a: {function: slow.nap, walltime: 90s}
  b: {function: slow.nap, walltime: 5m}
  c: {function: slow.nap, walltime: 1h30m}
  d: {function: slow.nap, walltime: 1h}
  e: {function: slow.nap, walltime: 250ms}
  f: {command: "true", walltime: 250ms}
main:
  - {id: a, app: a}
  - {id: b, app: b}
  - {id: c, app: c}
  - {id: d, app: d}
  - {id: e, app: e}
  - {id: f, app: f}
EOF2
	run --separate-stderr weft check flow.yaml
	assert_success
	assert_line 'functions: 5'
}

@test "the installed header and weft-plugin.pc build a plugin that runs" {
	command -v pkg-config >/dev/null 2>&1 || skip "pkg-config is not installed"
	local build dest flags
	build=$(dirname "$WEFT_REAL")
	[ -f "$build/Makefile" ] || skip "no build tree next to $WEFT_REAL"
	dest=$WEFT_WORK/dest
	run make -s -C "$build" install-weftincludeHEADERS \
	    install-pkgconfigDATA DESTDIR="$dest"
	assert_success
	flags=$(PKG_CONFIG_SYSROOT_DIR=$dest \
	    PKG_CONFIG_PATH=$(dirname "$(find "$dest" -name weft-plugin.pc)") \
	    pkg-config --cflags weft-plugin) ||
	    fail "pkg-config does not know weft-plugin"
	flags=${flags%% }
	[[ $flags == "-I$dest"*/include ]] || fail "cflags: $flags"
	[ -f "${flags#-I}/weft/plugin.h" ] || fail "no header under $flags"
	# shellcheck disable=SC2086
	${CC:-cc} -shared -fPIC -Wall -Werror $flags -o libmine.so \
	    "$WEFT_SRCDIR/tests/plugins/results.c" ||
	    fail "the plugin does not build with the installed header"
	write_flow <<'EOF2'
weft: 1
plugins: {mine: libmine.so}
apps:
  add: {function: mine.add}
main:
  - {id: a, app: add, args: {x: "2", y: "3"}}
EOF2
	run weft run flow.yaml
	assert_success
	assert_line --regexp '^..:..:.. done +a '
}

@test "an init hook that never returns: check and run give up on it, exit 2" {
	write_flow <<'EOF2'
weft: 1
plugins:
  hang: plugins/libinithang.so
apps:
  ok: {function: hang.ok}
main:
  - {id: ok, app: ok}
EOF2
	local cmd t0
	for cmd in check run; do
		t0=$(now_us)
		WEFT_TEST_INIT_HANG=all WEFT_PLUGIN_TIMEOUT_S=1 \
		    run -2 --separate-stderr weft "$cmd" flow.yaml
		assert_equal "$stderr" "flow.yaml:3:9: plugin 'hang': still loading after 1 s; its init hook does not return"
		[ $(( $(now_us) - t0 )) -lt 10000000 ] || fail "$cmd took too long"
		[ ! -e .weft/runs ] || fail "weft $cmd created .weft/runs"
	done
}
