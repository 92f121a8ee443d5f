#!/usr/bin/env bats
#
# cluster.bats: the cluster that the tests of the ssh and Slurm providers
# stand up on this machine (tests/cluster/), checked on its own.
# slurm-up.sh brings the node up idle in partition "weft" and, called
# again, returns at once; it resumes a drained node; a job of "sbatch
# --wrap" writes its output and completes; two 1-CPU jobs run at the
# same time; scancel ends a job, its processes too, and squeue is then
# empty.  sshd-up.sh gives a client config with which "ssh -F CONFIG
# weft-ssh-a" and weft-ssh-b run commands, with a login shell's PATH and
# none of the caller's environment.  netns.sh makes a namespace whose
# link carries TCP both ways, goes silent when cut (a connection times
# out, none is refused or unreachable, an open one hears nothing) and
# works again when restored; down removes it.  Nothing here is skipped:
# a cluster that cannot be stood up fails the tests, with the reason.

load setup
load cluster

NS=weft-cluster-bats

teardown()
{
	if [ -n "${NS_MADE-}" ]; then
		cluster_netns down "$NS" || true
	fi
	weft_teardown
}

@test "slurm-up.sh: the node is idle in partition weft; again at once" {
	local t0

	cluster_slurm_up
	run sinfo -h -o '%P %a %l %t %N'
	assert_success
	assert_output --regexp \
	    "^weft\* up infinite (idle|mix|alloc) $(hostname -s)\$"
	t0=$(now_us)
	run "$CLUSTER_DIR/slurm-up.sh"
	assert_success
	[ $(( $(now_us) - t0 )) -lt 5000000 ] ||
	    fail "slurm-up.sh took $(( ($(now_us) - t0) / 1000 )) ms when up"
	assert_output ''
}

@test "slurm-up.sh resumes a drained node" {
	cluster_slurm_up
	wait_for 30 squeue_empty || slurm_cancel_all
	scontrol update nodename="$(hostname -s)" state=drain \
	    reason=cluster.bats
	run sinfo -h -N -o %T
	assert_output --regexp '^drain'
	cluster_slurm_up
	run sinfo -h -N -o %T
	assert_output idle
}

@test "sbatch --wrap: the job writes its output and completes" {
	local id

	cluster_slurm_up
	id=$(sbatch --parsable -o "$WEFT_WORK/out.%j" \
	    --wrap 'echo "job $SLURM_JOB_ID on $(hostname -s)"; pwd')
	[[ $id =~ ^[0-9]+$ ]] || fail "sbatch printed '$id'"
	wait_for 30 slurm_job_ended "$id" ||
	    fail "job $id is still $(slurm_job_state "$id")"
	[ "$(slurm_job_state "$id")" = COMPLETED ] ||
	    fail "job $id ended $(slurm_job_state "$id")"
	run cat "$WEFT_WORK/out.$id"
	assert_output "job $id on $(hostname -s)
$WEFT_WORK"
	wait_for 10 squeue_empty -j "$id"
}

@test "two 1-CPU jobs run at the same time" {
	local a b n

	cluster_slurm_up
	# Each says it started, then waits (30 s at most) for the file go.
	for n in a b; do
		sbatch --parsable -n 1 -c 1 -o /dev/null --wrap \
		    "touch started.$n; for i in \$(seq 300); do
		    [ -e go ] && exit 0; sleep 0.1; done; exit 1" \
		    >"id.$n" || fail "sbatch failed"
	done
	a=$(cat id.a)
	b=$(cat id.b)
	wait_for 30 files_exist started.a started.b ||
	    fail "not both started: $(squeue)"
	[ "$(slurm_running -j "$a,$b")" -eq 2 ] ||
	    fail "not both running: $(squeue)"
	touch go
	wait_for 30 slurm_job_ended "$a"
	wait_for 30 slurm_job_ended "$b"
	[ "$(slurm_job_state "$a")" = COMPLETED ] &&
	    [ "$(slurm_job_state "$b")" = COMPLETED ] ||
	    fail "jobs ended $(slurm_job_state "$a") $(slurm_job_state "$b")"
}

@test "scancel ends a job and its processes; squeue is then empty" {
	local id

	cluster_slurm_up
	id=$(sbatch --parsable -o /dev/null --wrap "$SLEEPER 300")
	wait_for 30 slurm_job_in "$id" RUNNING ||
	    fail "job $id is $(slurm_job_state "$id")"
	wait_for 10 count_sleepers 1
	scancel "$id"
	wait_for 15 squeue_empty || fail "squeue: $(squeue)"
	[ "$(slurm_job_state "$id")" = CANCELLED ] ||
	    fail "job $id is $(slurm_job_state "$id")"
	wait_for 10 count_sleepers 0 || fail "the job's sleep still runs"
}

@test "sshd-up.sh: weft-ssh-a and weft-ssh-b run commands by key" {
	local config login remote

	cluster_sshd_up
	config=$CLUSTER_SSH_CONFIG
	[ -f "$config" ] || fail "no config file '$config'"
	run ssh -F "$config" weft-ssh-a echo ok
	assert_success
	assert_output ok
	run cluster_ssh weft-ssh-b 'echo "$USER@$SSH_CONNECTION"'
	assert_success
	assert_output --regexp '^root@127\.0\.0\.1 [0-9]+ 127\.0\.0\.1 2222$'
	# A second call keeps the sshd and the config.
	run "$CLUSTER_DIR/sshd-up.sh"
	assert_success
	assert_output "$config"
	# Nothing of the caller's environment crosses, and the PATH is that
	# of a login shell, each folder in the same order (the shell's rc
	# files may name one twice).
	WEFT_CLUSTER_PROBE=here LANG=C.UTF-8 run cluster_ssh weft-ssh-a \
	    'echo "${WEFT_CLUSTER_PROBE-unset} ${LANG-unset}"; echo "$PATH"'
	assert_success
	assert_line --index 0 'unset unset'
	remote=$(dedup_path <<<"${lines[1]}")
	login=$(cd / && env -i HOME=/root USER=root LOGNAME=root \
	    SHELL=/bin/sh bash -lc 'printf %s "$PATH"' </dev/null | dedup_path)
	[ "$remote" = "$login" ] ||
	    fail "remote PATH $remote is not the login shell's $login"
}

# dedup_path: a PATH on stdin, each folder once, in the order first seen.
dedup_path()
{
	tr : '\n' | awk '!seen[$0]++' | paste -sd :
}

@test "netns.sh: a link that carries TCP, goes silent when cut, comes back" {
	local host_port ns_port

	NS_MADE=1
	cluster_netns down "$NS"
	netns_up "$NS"
	[[ $NETNS_HOST =~ ^10\.77\.([0-9]+)\.1$ ]] || fail "host $NETNS_HOST"
	[ "$NETNS_ADDR" = "10.77.${BASH_REMATCH[1]}.2" ] ||
	    fail "inside $NETNS_ADDR"
	run cluster_netns up "$NS"
	assert_output "$NETNS_HOST $NETNS_ADDR"
	run cluster_netns exec "$NS" ip -br addr show
	assert_line --regexp '^lo +UNKNOWN +127\.0\.0\.1/8'
	assert_line --regexp "^eth0@[a-z0-9]+ +UP +$NETNS_ADDR/24"

	tcp_echo_start "$NETNS_HOST"
	host_port=$TCP_ECHO_PORT
	tcp_echo_start "$NETNS_ADDR" "$NS"
	ns_port=$TCP_ECHO_PORT
	tcp_probe -n "$NS" "$NETNS_HOST" "$host_port" 5 ||
	    fail "inside -> this side: exit $?"
	tcp_probe "$NETNS_ADDR" "$ns_port" 5 || fail "this side -> inside: $?"
	tcp_session_start -n "$NS" "$NETNS_HOST" "$host_port" 20
	wait_for 5 eval '[ "$(session_count reply)" -ge 2 ]' ||
	    fail "session: $(cat "$TCP_SESSION_LOG")"

	cluster_netns cut "$NS"
	cluster_netns cut "$NS"
	session_mark
	run tcp_probe -n "$NS" "$NETNS_HOST" "$host_port" 1.5
	[ "$status" -eq 1 ] || fail "inside -> this side, cut: $status $output"
	run tcp_probe "$NETNS_ADDR" "$ns_port" 1.5
	[ "$status" -eq 1 ] || fail "this side -> inside, cut: $status $output"
	[ "$(session_since_mark timeout)" -ge 2 ] &&
	    [ "$(session_since_mark reply)" -le 1 ] ||
	    fail "the session heard through the cut: $(cat "$TCP_SESSION_LOG")"

	cluster_netns restore "$NS"
	session_mark
	tcp_probe -n "$NS" "$NETNS_HOST" "$host_port" 5 ||
	    fail "inside -> this side, restored: exit $?"
	tcp_probe "$NETNS_ADDR" "$ns_port" 5 || fail "restored: exit $?"
	# TCP retransmits with backoff: the session hears again within 10 s.
	wait_for 10 eval '[ "$(session_since_mark reply)" -ge 2 ]' ||
	    fail "session after restore: $(cat "$TCP_SESSION_LOG")"
	[ "$(session_count error)" -eq 0 ] ||
	    fail "the session saw an error: $(cat "$TCP_SESSION_LOG")"

	cluster_netns down "$NS"
	cluster_netns down "$NS"
	run ip netns list
	refute_output --partial "$NS"
	run ip -br link show
	refute_output --regexp "^weft-${BASH_REMATCH[1]}[@ ]"
}
