#!/usr/bin/env bash
# slurm-down.sh: stops the cluster of slurm-up.sh: cancels every job, then
# stops slurmd, slurmctld and the munged that slurm-up.sh started (a
# munged it found running is left alone), each by its pid file, never by
# name.  For local use; CI leaves the machine to be thrown away.
set -eu

STATE=/var/lib/weft-slurm
PATH=$PATH:/usr/sbin:/sbin
export PATH
unset SLURM_CONF

say() { echo "slurm-down: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { say "must run as root"; exit 1; }

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

# stop NAME: SIGTERM, then SIGKILL after 10 s.
stop()
{
	if alive "$1"; then
		say "stopping $1"
		kill "$(cat "$STATE/$1.pid")" 2>/dev/null || true
		for _ in $(seq 50); do
			alive "$1" || break
			sleep 0.2
		done
		! alive "$1" || kill -9 "$(cat "$STATE/$1.pid")" 2>/dev/null ||
		    true
	fi
	rm -f "$STATE/$1.pid"
}

if alive slurmctld && timeout 10 scontrol ping 2>/dev/null |
    grep -q 'is UP'; then
	jobs=$(timeout 10 squeue -h -o %i 2>/dev/null | tr '\n' ' ') || true
	if [ -n "${jobs// /}" ]; then
		say "cancelling jobs $jobs"
		# shellcheck disable=SC2086
		timeout 10 scancel $jobs 2>/dev/null || true
		# Their processes end while slurmd still runs to end them.
		for _ in $(seq 75); do
			[ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] &&
			    break
			sleep 0.2
		done
	fi
fi
stop slurmd
stop slurmctld
stop munged
