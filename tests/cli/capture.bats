#!/usr/bin/env bats
#
# capture.bats: a command's stdout and stderr go through its pool, which
# keeps them in the try's two files and their order in its order file;
# "weft logs --both" interleaves them as they were written, whole and
# under --follow.  Big outputs on both streams at once are kept whole,
# a process left holding the streams does not hold up the try, output
# stays readable after its pool is SIGKILLed, a run of a thousand quiet
# tasks makes no order file, and a pool raises its own limit of open
# files to hold the pipes and files of every slot.

load setup

# try_dir ID: the folder of try 0 of task ID in run 0001.
try_dir()
{
	echo ".weft/runs/0001/tasks/$1/try-0"
}

@test "logs --both interleaves a command's two streams as they were written" {
	write_flow <<'EOF2'
weft: 1
apps:
  talk:
    command: echo one; @SLEEP@ 0.2; echo two >&2; @SLEEP@ 0.2; printf half; @SLEEP@ 0.2; echo three >&2; @SLEEP@ 0.2; echo ' rest'; echo four >&2
  quiet:
    command: echo only out
main:
  - {id: talk, app: talk}
  - {id: quiet, app: quiet}
EOF2
	run weft run -q flow.yaml
	assert_success
	run --separate-stderr weft logs --both talk
	assert_success
	assert_output "out| one
err| two
out| half
err| three
out|  rest
err| four"
	# Each stream alone is as it was written.
	run weft logs talk
	assert_output "one
half rest"
	run weft logs --stderr talk
	assert_output "two
three
four"
	# The order file: runs of each stream in turn, only where both wrote.
	run cat "$(try_dir talk)/order"
	assert_output "o 4
e 4
o 4
e 6
o 6
e 5"
	[ ! -e "$(try_dir quiet)/order" ]
	run weft logs --both quiet
	assert_output "out| only out"
}

@test "logs --follow --both: the same interleaving as the finished try, streams never reordered (x5)" {
	write_flow <<'EOF2'
weft: 1
apps:
  chatter:
    command: i=0; while [ $i -lt 300 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done; while [ ! -e stop ]; do @SLEEP@ 0.05; done
main:
  - {id: chatter, app: chatter}
EOF2
	local k
	for k in 1 2 3 4 5; do
		rm -rf .weft stop
		weft_start run flow.yaml
		wait_for 20 test -e .weft/runs/0001/main.pid
		weft logs --follow --both chatter > follow.out 2> follow.err &
		local fpid=$!
		wait_for 20 grep -qx "err| e299" follow.out
		touch stop
		wait "$fpid"
		weft_reap
		[ "$WEFT_STATUS" -eq 0 ]
		weft logs --both chatter > whole.out
		cmp follow.out whole.out || fail "round $k: --follow differs"
		# Each stream's lines come in their own order, all of them.
		run sh -c "grep '^out| ' whole.out | sed 's/^out| o//' | tr '\n' ' '"
		assert_output "$(seq -s ' ' 0 299) "
		run sh -c "grep '^err| ' whole.out | sed 's/^err| e//' | tr '\n' ' '"
		assert_output "$(seq -s ' ' 0 299) "
	done
}

@test "eight MB on each stream at once are kept whole, and nothing blocks" {
	write_flow <<'EOF2'
weft: 1
apps:
  flood:
    command: (head -c 8388608 /dev/zero | tr '\0' o) & head -c 8388608 /dev/zero | tr '\0' e >&2; wait
main:
  - {id: flood, app: flood}
EOF2
	run timeout 60 "$WEFT" run -q flow.yaml
	assert_success
	[ "$(stat -c %s "$(try_dir flood)/stdout")" -eq 8388608 ]
	[ "$(stat -c %s "$(try_dir flood)/stderr")" -eq 8388608 ]
	[ "$(tr -d o < "$(try_dir flood)/stdout" | wc -c)" -eq 0 ]
	# Under --both every byte shows, each line marked with its stream.
	"$WEFT" logs --both flood > both.out
	run sh -c "grep -v -e '^out| o*\$' -e '^err| e*\$' both.out | wc -l"
	assert_output 0
	run sh -c "sed -e 's/^out| //' -e 's/^err| //' both.out | tr -d '\n' | wc -c"
	assert_output 16777216
}

@test "a process left holding a command's streams does not hold up its try" {
	write_flow <<'EOF2'
weft: 1
apps:
  leave:
    command: setsid @SLEEP@ 30 & echo left
main:
  - {id: leave, app: leave}
EOF2
	local t0 t1
	t0=$(now_us)
	run timeout 20 "$WEFT" run -q flow.yaml
	t1=$(now_us)
	assert_success
	[ $(( (t1 - t0) / 1000000 )) -lt 10 ] || fail "took $(( (t1 - t0) / 1000 )) ms"
	run weft logs leave
	assert_output "left"
	kill $(sleeper_pids) 2>/dev/null || true
}

@test "what a command wrote stays readable after its pool is SIGKILLed" {
	write_flow <<'EOF2'
weft: 1
apps:
  wait:
    command: echo before; echo warned >&2; while [ ! -e go ]; do @SLEEP@ 0.05; done; echo after
main:
  - {id: wait, app: wait}
EOF2
	weft_start run flow.yaml
	wait_for 20 grep -qx before "$(try_dir wait)/stdout"
	local pool
	pool=$(weft_helper_pid "pool 0") || fail "no pool: $(show_test_procs)"
	kill -KILL "$pool"
	wait_for 20 test -e "$(try_dir wait)/../try-1"
	run weft logs --try 0 --both wait
	assert_output "out| before
err| warned"
	touch go
	weft_reap
	[ "$WEFT_STATUS" -eq 0 ]
	run weft logs wait
	assert_output "before
after"
}

@test "a thousand quiet tasks: no order file, no files, no folders" {
	write_flow <<'EOF2'
weft: 1
apps:
  nop: {command: "true"}
main:
  - {id: nop, app: nop, foreach: {i: "1..1000"}}
EOF2
	run weft run -q flow.yaml
	assert_success
	run sh -c 'find .weft/runs/0001/tasks -mindepth 1 | wc -l'
	assert_output 0
	run weft logs --both 'nop[i=500]'
	assert_success
	assert_output ""
	run weft logs --json --stderr 'nop[i=1000]'
	assert_success
	assert_output --partial '"text": ""'
}

@test "a stream's file comes with its first byte; a failed try gets both" {
	write_flow <<'EOF2'
weft: 1
apps:
  out: {command: "echo one"}
  err: {command: "echo two >&2"}
  late: {command: "sleep 1; echo three"}
  quiet-fail: {command: "exit 3"}
main:
  - {id: out, app: out}
  - {id: err, app: err}
  - {id: late, app: late}
  - {id: quiet-fail, app: quiet-fail}
EOF2
	run weft run -j 4 flow.yaml
	assert_failure 1
	local t=.weft/runs/0001/tasks
	[ -f $t/out/try-0/stdout ] && [ ! -e $t/out/try-0/stderr ]
	[ -f $t/err/try-0/stderr ] && [ ! -e $t/err/try-0/stdout ]
	[ -f $t/late/try-0/stdout ] && [ ! -e $t/late/try-0/stderr ]
	# The failure line names a stderr that is there to open.
	assert_line "failed quiet-fail: exit 3, stderr in $WEFT_WORK/.weft/runs/0001/tasks/quiet-fail/try-0/stderr"
	[ -f $t/quiet-fail/try-0/stderr ] && [ ! -s $t/quiet-fail/try-0/stderr ]
	[ -f $t/quiet-fail/try-0/stdout ]
	run weft logs late
	assert_output three
	run weft logs --stderr out
	assert_success
	assert_output ""
}

@test "a hundred commands at once under a low open-file limit: the pool raises its own, else says why" {
	write_flow <<'EOF2'
weft: 1
config: {jobs: 100}
apps:
  w: {command: "sleep 1"}
main:
  - {id: w, app: w, foreach: {n: "1..100"}}
EOF2
	# Six descriptors a running command: 600 with a soft limit of 200.
	run bash -c 'ulimit -Sn 200 && exec "$0" run -q flow.yaml' "$WEFT"
	assert_success
	assert_line --regexp '^summary: 100 tasks: 100 done in '
	# A hard limit the pool cannot raise: clear failures, no hang.
	rm -rf .weft
	run timeout 60 bash -c 'ulimit -n 200 && exec "$0" run -q flow.yaml' \
	    "$WEFT"
	assert_failure 1
	assert_line --partial ': could not start: Too many open files'
}
