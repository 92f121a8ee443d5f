#!/usr/bin/env bash
# slurm-up.sh: stands up a one-node Slurm cluster on this machine for the
# cluster tests: installs Debian's slurmctld, slurmd, slurm-client and
# munge when missing, writes /etc/slurm/slurm.conf (node `hostname -s`,
# partition "weft"), starts munged, slurmctld and slurmd as plain daemons
# (no systemd, no cgroups) and waits until the node is idle.  Idempotent:
# with the cluster up and the config unchanged it returns at once.  A node
# that is down or drained is resumed.  On failure it prints why (the last
# lines of the daemons' logs) on stderr and exits 1.  Run as root.
#
# Knobs: WEFT_SLURM_CPUS   CPUs to declare (default: the machine's; more
#                          lets more 1-CPU jobs run at once)
#        WEFT_SLURM_WAIT   seconds to wait for the node (default 60)
set -eu

STATE=/var/lib/weft-slurm
LOGS=/var/log/weft-slurm
CONF=/etc/slurm/slurm.conf
MARK="# written by weft's tests/cluster/slurm-up.sh"
WAIT=${WEFT_SLURM_WAIT:-60}
PATH=$PATH:/usr/sbin:/sbin
export PATH
unset SLURM_CONF

say() { echo "slurm-up: $*" >&2; }

case ${WEFT_SLURM_CPUS:-1}:$WAIT in
*[!0-9:]* | 0* | *:0* | *:)
	say "WEFT_SLURM_CPUS and WEFT_SLURM_WAIT are positive numbers"
	exit 1 ;;
esac

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

# The last lines of every log that can say why the cluster did not come up.
diag()
{
	local f munge_logs=

	# munged's log is noise (every decode is logged) unless munge fails.
	munge_ok || munge_logs="$LOGS/munged.out /var/log/munge/munged.log"
	for f in $munge_logs "$LOGS"/slurmctld.out "$LOGS"/slurmctld.log \
	    "$LOGS"/slurmd.out "$LOGS"/slurmd.log; do
		[ -s "$f" ] || continue
		echo "--- last lines of $f"
		tail -n 15 "$f"
	done >&2
	if command -v sinfo >/dev/null; then
		echo "--- sinfo -R" >&2
		timeout 5 sinfo -R >&2 2>&1 || true
	fi
}

die() { say "$*"; diag; exit 1; }

[ "$(id -u)" -eq 0 ] || { say "must run as root"; exit 1; }

# The daemons started here would keep every descriptor they inherit, and
# a caller that reads a pipe to its end (bats, for one, on its fd 3) would
# wait for them forever: close all but 0-2 (and 255, the script's own).
for fd in "/proc/$$/fd"/*; do
	fd=${fd##*/}
	case $fd in
	0 | 1 | 2 | 255) ;;
	*) eval "exec $fd>&-" 2>/dev/null || true ;;
	esac
done

# start LOG CMD...: starts the daemon CMD from /, with no descriptor but
# 0-2 (stdin /dev/null, the rest to LOG) and an empty environment: a
# test's cleanup ends whatever has the test's folder as its working
# directory or its mark in its environment, and the daemons are no
# test's.
start()
{
	local log=$1

	shift
	(cd / && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@") \
	    </dev/null >"$log" 2>&1 9>&-
}

# alive NAME: the daemon NAME runs with the pid of its pid file.  The
# command name is checked, since pids are reused quickly on a busy
# machine, and so is the state: pid 1 of these machines reaps orphans
# late, and a killed daemon stays a zombie for seconds.
alive()
{
	local pid st comm

	pid=$(cat "$STATE/$1.pid" 2>/dev/null) || return 1
	st=$(cat "/proc/${pid:-none}/stat" 2>/dev/null) || return 1
	comm=${st#*(}
	comm=${comm%)*}
	st=${st##*) }
	[ "$comm" = "$1" ] && [ "${st%% *}" != Z ]
}

# wait_until SECS WHAT CMD...: polls CMD every 0.2 s, dies after SECS.
wait_until()
{
	local secs=$1 end=$(( $(date +%s) + $1 )) what=$2

	shift 2
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] ||
		    die "no $what after ${secs}s"
		sleep 0.2
	done
}

have_all()
{
	local c

	for c in munged munge unmunge slurmctld slurmd sinfo sbatch squeue \
	    scancel scontrol srun; do
		command -v "$c" >/dev/null 2>&1 || return 1
	done
}

install_packages()
{
	local made=

	say "installing slurmctld slurmd slurm-client munge"
	# Keep the packages' scripts from starting the daemons themselves.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made=1
	fi
	mkdir -p "$LOGS"
	if ! { apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends slurmctld slurmd slurm-client munge
	    } >"$LOGS/apt.log" 2>&1; then
		[ -z "$made" ] || rm -f /usr/sbin/policy-rc.d
		tail -n 20 "$LOGS/apt.log" >&2
		die "apt-get install failed"
	fi
	[ -z "$made" ] || rm -f /usr/sbin/policy-rc.d
	have_all || die "installed, but a Slurm or munge program is missing"
}

have_all || install_packages
mkdir -p "$STATE/ctld" "$STATE/spool" "$LOGS"

# One caller at a time: bats files may set up at the same time.  The
# daemons are started with the lock's fd closed, or they would hold the
# lock for as long as they run.
exec 9>"$STATE/lock"
flock -w "$WAIT" 9 || die "another slurm-up.sh holds $STATE/lock"

# --- munge: slurm's daemons and clients authenticate through it.
if ! munge_ok; then
	install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
	install -d -o munge -g munge -m 0711 /var/lib/munge
	install -d -o munge -g munge -m 0755 /run/munge
	if [ ! -s /etc/munge/munge.key ]; then
		dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 \
		    status=none
	fi
	# munged refuses a key that others may read or that it does not own.
	chown munge:munge /etc/munge/munge.key
	chmod 0400 /etc/munge/munge.key
	# --force: a munged killed earlier leaves a socket that blocks it.
	start "$LOGS/munged.out" runuser -u munge -- \
	    "$(command -v munged)" --force ||
	    die "munged did not start"
	wait_until "$WAIT" "answer from munged" munge_ok
	cp /run/munge/munged.pid "$STATE/munged.pid" 2>/dev/null || true
fi

# --- slurm.conf, from what slurmd sees of the machine.
NODE=$(hostname -s)
hw=$(slurmd -C 2>/dev/null | head -n 1)
field() { printf '%s\n' "$hw" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
cpus=$(field CPUs)
mem=$(field RealMemory)
[ -n "$cpus" ] && [ -n "$mem" ] || die "cannot read 'slurmd -C': $hw"
if [ -n "${WEFT_SLURM_CPUS:-}" ]; then
	# More CPUs than there are: slurmd must take the config's word.
	node_hw="CPUs=$WEFT_SLURM_CPUS"
	override=SlurmdParameters=config_overrides
else
	node_hw="CPUs=$cpus Boards=1 SocketsPerBoard=$(field SocketsPerBoard)"
	node_hw="$node_hw CoresPerSocket=$(field CoresPerSocket)"
	node_hw="$node_hw ThreadsPerCore=$(field ThreadsPerCore)"
	override=
fi
# Declaring more memory than slurmd measures would drain the node.
mem=$(( mem * 9 / 10 ))

new=$(mktemp)
trap 'rm -f "$new"' EXIT
cat >"$new" <<CONF
$MARK
ClusterName=weft
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
# No systemd and no cgroups here: track processes by their parents.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# CPUs are the consumable resource, so 1-CPU jobs share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# Start a batch job on the next scheduling pass, not 3 s later.
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
# A node that was down comes back as soon as its slurmd registers.
ReturnToService=2
SlurmdTimeout=20
InactiveLimit=0
KillWait=5
MinJobAge=300
PropagateResourceLimits=NONE
$override
NodeName=$NODE NodeAddr=127.0.0.1 $node_hw RealMemory=$mem State=UNKNOWN
PartitionName=weft Nodes=$NODE Default=YES MaxTime=UNLIMITED State=UP
CONF
changed=
if ! cmp -s "$new" "$CONF"; then
	mkdir -p "$(dirname "$CONF")"
	if [ -e "$CONF" ] && ! head -n 1 "$CONF" | grep -qxF "$MARK"; then
		cp -p "$CONF" "$CONF.orig"
		say "kept the former $CONF as $CONF.orig"
	fi
	install -m 0644 "$new" "$CONF"
	changed=1
fi

state() { sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n 1; }
ctld_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
usable()
{
	case $(state) in
	idle | mixed | allocated | completing | planned) return 0 ;;
	esac
	return 1
}

# stop NAME: stops the daemon NAME of the pid file, SIGKILL after 10 s.
stop()
{
	alive "$1" || return 0
	kill "$(cat "$STATE/$1.pid")" 2>/dev/null || true
	for _ in $(seq 50); do
		alive "$1" || return 0
		sleep 0.2
	done
	kill -9 "$(cat "$STATE/$1.pid")" 2>/dev/null || true
}

# slurmd's start time as slurmctld knows it: set when slurmd registers.
registered_at()
{
	scontrol show node "$NODE" 2>/dev/null |
	    sed -n 's/.*SlurmdStartTime=\([^ ]*\).*/\1/p'
}

# registered_anew: the slurmd started since $before has registered.
registered_anew() { [ "$(registered_at)" != "$before" ]; }

if [ -z "$changed" ] && alive slurmctld && alive slurmd && usable; then
	exit 0
fi

if [ -n "$changed" ] || ! alive slurmctld || ! ctld_up; then
	stop slurmd
	stop slurmctld
	say "starting slurmctld"
	# -c: an empty queue, since jobs of a former cluster would run
	# first; -i: state files it cannot read are no reason to stop.
	start "$LOGS/slurmctld.out" slurmctld -c -i ||
	    die "slurmctld did not start"
	wait_until "$WAIT" "answer from slurmctld" ctld_up
fi
if ! alive slurmd; then
	before=$(registered_at)
	say "starting slurmd"
	start "$LOGS/slurmd.out" slurmd || die "slurmd did not start"
	# The saved state may say idle before this slurmd has registered.
	wait_until "$WAIT" "registration of slurmd" registered_anew
fi

end=$(( $(date +%s) + WAIT ))
resumed=
until usable; do
	st=$(state)
	case $st in
	down* | drain* | fail* | inval*)
		# "down*": not responding, which only waiting can mend.
		if [ -z "$resumed" ] && [ "${st%\*}" = "$st" ]; then
			say "node $NODE is $st; resuming it"
			scontrol update nodename="$NODE" state=resume \
			    >/dev/null 2>&1 || true
			resumed=1
		fi ;;
	esac
	alive slurmctld || die "slurmctld died"
	alive slurmd || die "slurmd died"
	[ "$(date +%s)" -lt "$end" ] ||
	    die "node $NODE is '$st', not idle, after ${WAIT}s"
	sleep 0.2
done
say "node $NODE is $(state); partition weft"
