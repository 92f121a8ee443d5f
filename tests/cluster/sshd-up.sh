#!/usr/bin/env bash
# sshd-up.sh: stands up the ssh "hosts" of the cluster tests: an sshd of
# their own on 127.0.0.1 port 2222 (root, by key only), a client key and
# an ssh client config naming two hosts, weft-ssh-a and weft-ssh-b, both
# this machine.  Prints the path of that config: "ssh -F CONFIG
# weft-ssh-a CMD" runs CMD as root with the PATH of root's login shell
# and none of the caller's environment.  Installs openssh-server and
# openssh-client when missing; idempotent: with sshd up and answering it
# only prints the path.  On failure it says why on stderr and exits 1.
set -eu

DIR=/var/lib/weft-sshd
PORT=2222
CONFIG=$DIR/ssh_config
PATH=$PATH:/usr/sbin:/sbin
export PATH

say() { echo "sshd-up: $*" >&2; }

die()
{
	say "$*"
	if [ -s "$DIR/sshd.log" ]; then
		echo "--- last lines of $DIR/sshd.log" >&2
		tail -n 15 "$DIR/sshd.log" >&2
	fi
	exit 1
}

[ "$(id -u)" -eq 0 ] || { say "must run as root"; exit 1; }

# The sshd started here would keep every descriptor it inherits, and a
# caller that reads a pipe to its end (bats, for one, on its fd 3) would
# wait for it forever: close all but 0-2 (and 255, the script's own).
for fd in "/proc/$$/fd"/*; do
	fd=${fd##*/}
	case $fd in
	0 | 1 | 2 | 255) ;;
	*) eval "exec $fd>&-" 2>/dev/null || true ;;
	esac
done

if ! [ -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null ||
    ! command -v ssh-keygen >/dev/null; then
	say "installing openssh-server openssh-client"
	mkdir -p "$DIR"
	# policy-rc.d keeps the package from starting the system's sshd.
	made=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made=1
	fi
	{ apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends openssh-server openssh-client
	} >"$DIR/apt.log" 2>&1 || ok=no
	[ -z "$made" ] || rm -f /usr/sbin/policy-rc.d
	if [ "${ok:-}" = no ]; then
		tail -n 20 "$DIR/apt.log" >&2
		die "apt-get install failed"
	fi
fi

# sshd and the client check that no one else may write these.
install -d -m 0700 "$DIR"
exec 9>"$DIR/lock"
flock -w 30 9 || die "another sshd-up.sh holds $DIR/lock"

[ -s "$DIR/host_key" ] ||
    ssh-keygen -q -t ed25519 -N '' -C weft-sshd -f "$DIR/host_key"
[ -s "$DIR/id_ed25519" ] ||
    ssh-keygen -q -t ed25519 -N '' -C weft-tests -f "$DIR/id_ed25519"
cp "$DIR/id_ed25519.pub" "$DIR/authorized_keys"
chmod 0600 "$DIR/authorized_keys"

# The remote command runs in a non-login shell: give it the PATH that a
# login shell of root has, as a user at a terminal would see it.
login_path=$(cd / && env -i HOME=/root USER=root LOGNAME=root \
    SHELL=/bin/sh bash -lc 'printf %s "$PATH"' 2>/dev/null </dev/null) ||
    login_path=
[ -n "$login_path" ] ||
    login_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

new=$(mktemp)
trap 'rm -f "$new"' EXIT
cat >"$new" <<CONF
# written by weft's tests/cluster/sshd-up.sh
ListenAddress 127.0.0.1:$PORT
HostKey $DIR/host_key
PidFile $DIR/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitUserEnvironment no
SetEnv PATH=$login_path
PrintMotd no
PrintLastLog no
# Tests open many connections at once; the default drops some.
MaxStartups 100
MaxSessions 100
CONF
changed=
if ! cmp -s "$new" "$DIR/sshd_config"; then
	cp "$new" "$DIR/sshd_config"
	changed=1
fi

cat >"$new" <<CONF
# written by weft's tests/cluster/sshd-up.sh: two hosts, both the sshd
# on 127.0.0.1:$PORT.
Host weft-ssh-a weft-ssh-b
	HostName 127.0.0.1
	Port $PORT
	User root
	IdentityFile $DIR/id_ed25519
	IdentitiesOnly yes
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
	ConnectTimeout 10
CONF
cmp -s "$new" "$CONFIG" || cp "$new" "$CONFIG"
chmod 0600 "$CONFIG"

works() { timeout 15 ssh -F "$CONFIG" weft-ssh-a true </dev/null 2>&1; }

# sshd_alive: the pid of the pid file runs and is sshd, not a zombie.
sshd_alive()
{
	local pid st

	pid=$(cat "$DIR/sshd.pid" 2>/dev/null) || return 1
	st=$(cat "/proc/${pid:-none}/stat" 2>/dev/null) || return 1
	case $st in
	*"(sshd) "[!Z]*) return 0 ;;
	esac
	return 1
}

if [ -z "$changed" ] && sshd_alive && works >/dev/null; then
	echo "$CONFIG"
	exit 0
fi

if sshd_alive; then
	kill "$(cat "$DIR/sshd.pid")" 2>/dev/null || true
	for _ in $(seq 50); do
		sshd_alive || break
		sleep 0.1
	done
fi
rm -f "$DIR/sshd.pid"
# Privilege separation needs this directory, which boot would create.
install -d -m 0755 /run/sshd
/usr/sbin/sshd -t -f "$DIR/sshd_config" 2>"$DIR/sshd.log" ||
    die "bad sshd config $DIR/sshd_config"
# sshd re-executes itself, so it must be started by its absolute path.
# It starts from / with an empty environment: a test's cleanup ends what
# has the test's folder as its working directory or the test's mark in
# its environment, and sshd is no test's.
(cd / && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    /usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log") \
    </dev/null >/dev/null 2>&1 9>&- ||
    die "sshd did not start"
end=$(( $(date +%s) + 20 ))
until out=$(works); do
	[ "$(date +%s)" -lt "$end" ] ||
	    die "ssh -F $CONFIG weft-ssh-a true fails: $out"
	sleep 0.2
done
say "sshd up on 127.0.0.1:$PORT"
echo "$CONFIG"
