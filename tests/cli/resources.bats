#!/usr/bin/env bats
#
# resources.bats: what a task asks of its pool, resources: {cores,
# memory, gpus}, on an app or an entry.  A pool of -j J has J cores: a
# 2-core task takes two, so nothing else runs beside it on a 2-core pool;
# a large task at the head of the queue is not starved by a stream of
# small ones; two large tasks go to two pools at once; GPUs are handed
# out by device (CUDA_VISIBLE_DEVICES, WEFT_GPUS), never two tasks on
# one; a task no pool could ever run fails at once with the reason; what
# was asked is in the database; bad requests are refused at their place.

load setup
load monitoring
load browser

# Each task logs "ID start|end SECONDS DEVICES" around its sleep.
APP_LINE='{command: '"'"'echo "$WEFT_TASK_ID start $(date +%s.%N) ${{WEFT_GPUS:--}} ${{CUDA_VISIBLE_DEVICES:--}}" >> @DIR@/log; @SLEEP@ {secs}; echo "$WEFT_TASK_ID end $(date +%s.%N)" >> @DIR@/log'"'"''

# when ID start|end: the time of that line of the log.
when()
{
	awk -v id="$1" -v what="$2" '$1 == id && $2 == what { print $3 }' log
}

# overlap A B: tasks A and B ran at the same time (at some moment).
overlap()
{
	awk -v a="$(when "$1" start)" -v b="$(when "$1" end)" \
	    -v c="$(when "$2" start)" -v d="$(when "$2" end)" \
	    'BEGIN { exit !(a < d && c < b) }'
}

# before A B: A started before B did.
before()
{
	awk -v a="$(when "$1" start)" -v b="$(when "$2" start)" \
	    'BEGIN { exit !(a < b) }'
}

@test "a 2-core task takes both cores of a 2-core pool" {
	write_flow <<EOF
weft: 1
config: {jobs: 2}
apps:
  task: $APP_LINE}
  big: {command: 'echo "big{i} start \$(date +%s.%N)" >> @DIR@/log; @SLEEP@ 0.6; echo "big{i} end \$(date +%s.%N)" >> @DIR@/log', resources: {cores: 2}}
main:
  - {id: s, app: task, foreach: {i: "1..4"}, args: {secs: 0.3}}
  - {id: b, app: big, foreach: {i: "1..2"}}
EOF
	run weft run flow.yaml
	assert_success
	for big in big1 big2; do
		for t in 's[i=1]' 's[i=2]' 's[i=3]' 's[i=4]' big1 big2; do
			[ "$t" = "$big" ] && continue
			! overlap "$big" "$t" ||
			    fail "$big ran beside $t: $(cat log)"
		done
	done
	# Small ones, two at a time, as before.
	overlap 's[i=1]' 's[i=2]' || overlap 's[i=1]' 's[i=3]' ||
	    fail "1-core tasks ran one by one: $(cat log)"
	[ "$(q "select weft_cores from task where weft_task_id = 'b[i=1]'")" = 2 ]
	# The report says what each asked, next to its peak memory.
	run weft report -o report.html
	assert_success
	page_dom report.html > dom.html
	grep -q '(asked 2 cores)</span>' dom.html || fail "no asked: $(grep -o 'asked[^<]*' dom.html)"
	grep -q '>pool 0 (2)</text>' dom.html
	[ "$(q "select weft_cores || ' ' || quote(weft_memory) || ' ' ||
	    weft_gpus from task where weft_task_id = 's[i=1]'")" = "1 NULL 0" ]
}

@test "a large task at the head is not starved by small ones" {
	write_flow <<EOF
weft: 1
config: {jobs: 2}
apps:
  task: $APP_LINE}
main:
  - {id: a, app: task, foreach: {i: "1..2"}, args: {secs: 1}}
  - {id: b, app: task, args: {secs: 0.3}, resources: {cores: 2}}
  - {id: c, app: task, foreach: {i: "1..8"}, args: {secs: 0.5}}
EOF
	run weft run flow.yaml
	assert_success
	# b waited for both cores, and the small ones behind it waited too.
	for i in 1 2 3 4 5 6 7 8; do
		before b "c[i=$i]" || fail "c[i=$i] went before b: $(cat log)"
	done
	! overlap b 'a[i=1]' && ! overlap b 'a[i=2]'
}

@test "two large tasks run at once on two pools" {
	write_flow <<EOF
weft: 1
config: {jobs: 2, provider: {kind: local, pools: 2}}
apps:
  task: $APP_LINE}
main:
  - {id: b, app: task, foreach: {i: "1..2"}, args: {secs: 1},
     resources: {cores: 2}}
EOF
	run weft run flow.yaml
	assert_success
	overlap 'b[i=1]' 'b[i=2]' || fail "not at once: $(cat log)"
	[ "$(q "select count(distinct block_id) from try")" = 2 ]
}

@test "GPUs are handed out by device, never to two tasks at once" {
	write_flow <<EOF
weft: 1
config: {jobs: 4}
apps:
  task: $APP_LINE}
main:
  - {id: g, app: task, foreach: {i: "1..5"}, args: {secs: 0.4},
     resources: {gpus: 1}}
  - {id: two, app: task, args: {secs: 0.4}, resources: {gpus: 2}}
EOF
	CUDA_VISIBLE_DEVICES=4,7 run weft run flow.yaml
	assert_success
	ids=('g[i=1]' 'g[i=2]' 'g[i=3]' 'g[i=4]' 'g[i=5]' two)
	for a in "${ids[@]}"; do
		line=$(awk -v id="$a" '$1 == id && $2 == "start"' log)
		dev=$(awk '{ print $4 }' <<<"$line")
		# WEFT_GPUS and CUDA_VISIBLE_DEVICES agree, on the pool's own.
		[ "$dev" = "$(awk '{ print $5 }' <<<"$line")" ]
		if [ "$a" = two ]; then
			[ "$dev" = "4,7" ] || fail "two got '$dev'"
		else
			[[ $dev == 4 || $dev == 7 ]] || fail "$a got '$dev'"
		fi
		for b in "${ids[@]}"; do
			[ "$a" \< "$b" ] || continue
			overlap "$a" "$b" || continue
			# At once: never the same device.
			devb=$(awk -v id="$b" '$1 == id && $2 == "start" {
			    print $4 }' log)
			[[ ",$dev," != *",$devb,"* && ",$devb," != *",$dev,"* ]] ||
			    fail "$a ($dev) and $b ($devb) shared: $(cat log)"
		done
	done
	[ "$(q "select weft_gpus from task where weft_task_id = 'two'")" = 2 ]
}

@test "a task no pool could run fails at once, with the reason" {
	write_flow <<EOF
weft: 1
config: {jobs: 2}
apps:
  task: $APP_LINE}
main:
  - {id: many, app: task, args: {secs: 0}, resources: {cores: 8}}
  - {id: huge, app: task, args: {secs: 0}, resources: {memory: 900T}}
  - {id: gpu, app: task, args: {secs: 0}, resources: {gpus: 1}}
  - {id: fine, app: task, args: {secs: 0}, resources: {cores: 2, memory: 1M}}
EOF
	CUDA_VISIBLE_DEVICES= run weft run flow.yaml
	[ "$status" -eq 1 ]
	assert_output --partial "failed   many it needs 8 cores; a pool on this host has 2 (-j, config.jobs)"
	assert_output --regexp "failed   huge it needs 900T of memory; a pool on this host has [0-9.]+[KMGT]?"
	assert_output --partial "failed   gpu it needs 1 GPU; a pool on this host has 0"
	assert_output --regexp "summary: 4 tasks: 1 done, 3 failed"
	# They never ran: no try started, nothing in the log.
	[ "$(q "select count(*) from try where task_try_time_running is
	    not null")" = 1 ]
	[ "$(q "select weft_fail_reason from try where task_id = 0")" = \
	    "it needs 8 cores; a pool on this host has 2 (-j, config.jobs)" ]
	[ "$(cut -d' ' -f1 log | sort -u)" = fine ]
}

@test "bad resources are refused at their place" {
	for bad in 'cores: 0' 'gpus: -1' 'memory: lots' 'disk: 5G'; do
		write_flow <<EOF
weft: 1
apps:
  t: {command: 'true', resources: {$bad}}
main: [{id: t, app: t}]
EOF
		case $bad in
		cores*) re="'cores' must be an integer from 1 to 4096" ;;
		gpus*) re="'gpus' must be an integer from 0 to 4096" ;;
		memory*) re="'memory' must be a size such as 4G or 512M, not 'lots'" ;;
		disk*) re="unknown key 'disk' in resources" ;;
		esac
		expect_flow_error "flow.yaml:3:[0-9]+: $re"
	done
}
