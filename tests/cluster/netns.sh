#!/usr/bin/env bash
# netns.sh: test hosts in network namespaces, and cuts of their link, for
# the tests of a pool that loses its network.  Run as root.
#
#   netns.sh up NAME [X]     namespace NAME joined to this one by a veth
#                            pair: 10.77.X.1 on this side (weft-X), and
#                            10.77.X.2 inside (eth0), lo up; X (1-254) is
#                            derived from NAME unless given.  Prints the
#                            two addresses.  If it is up, only a cut is
#                            undone.
#   netns.sh addr NAME       prints the two addresses
#   netns.sh cut NAME        every packet on the link is lost, silently:
#                            no RST, no ICMP, no error to a sender
#   netns.sh restore NAME    the link carries packets again
#   netns.sh down NAME       ends the processes inside, removes it all
#   netns.sh exec NAME CMD.. runs CMD inside
#
# The cut drops at the ingress of both ends (nftables), so a sender's
# packet leaves as on a wire that is cut further on.  Taking the links
# down would not do: the routes go with them and connect() fails at once
# with "Network is unreachable".  The neighbours are permanent entries,
# since failed ARP during a cut makes the kernel report "No route to
# host" to the connecting socket.
set -eu

PATH=$PATH:/usr/sbin:/sbin
export PATH

usage()
{
	echo "usage: netns.sh up NAME [X] | addr NAME | cut NAME |" \
	    "restore NAME | down NAME | exec NAME CMD..." >&2
	exit 2
}

die() { echo "netns.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] || usage
cmd=$1
name=$2
shift 2
case $name in
'' | */* | .*) die "bad namespace name '$name'" ;;
esac

[ "$(id -u)" -eq 0 ] || die "must run as root"
if ! command -v ip >/dev/null || ! command -v nft >/dev/null; then
	{ apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends iproute2 nftables; } >/dev/null 2>&1 ||
	    die "cannot install iproute2 and nftables"
fi

exists() { [ -e "/run/netns/$name" ]; }

# inside ARGS...: ip ARGS in the namespace.
inside() { ip -n "$name" "$@"; }

# The X of a namespace that is up, from its address.
x_of()
{
	local a

	a=$(inside -4 -o addr show dev eth0 2>/dev/null |
	    sed -n 's|.* inet 10\.77\.\([0-9]*\)\.2/24 .*|\1|p')
	[ -n "$a" ] || die "namespace '$name' is not up"
	echo "$a"
}

# mac_of DEV [NS]: the MAC address of DEV, here or in namespace NS.
mac_of()
{
	ip ${2:+-n "$2"} -br link show dev "$1" | awk '{ print $3 }'
}

# cut_tables X add|delete: the nft tables that drop all that arrives,
# at weft-X here and at eth0 inside.
cut_tables()
{
	local x=$1 what=$2

	case $what in
	add)
		# Once each: a cut that is already there stays, with no gap.
		nft list table netdev "weft_cut_$x" >/dev/null 2>&1 ||
		    nft -f - <<NFT
table netdev weft_cut_$x {
	chain in {
		type filter hook ingress device "weft-$x" priority 0;
		policy drop;
	}
}
NFT
		ip netns exec "$name" nft list table netdev weft_cut \
		    >/dev/null 2>&1 ||
		    ip netns exec "$name" nft -f - <<NFT
table netdev weft_cut {
	chain in {
		type filter hook ingress device "eth0" priority 0;
		policy drop;
	}
}
NFT
		;;
	delete)
		nft delete table netdev "weft_cut_$x" 2>/dev/null || true
		ip netns exec "$name" nft delete table netdev weft_cut \
		    2>/dev/null || true ;;
	esac
}

up()
{
	local x=$1 host=weft-$1 other

	case $x in
	'' | *[!0-9]*) die "X must be a number from 1 to 254, not '$x'" ;;
	esac
	[ "$x" -ge 1 ] && [ "$x" -le 254 ] ||
	    die "X must be a number from 1 to 254, not '$x'"
	if exists && [ "$(x_of 2>/dev/null)" = "$x" ] &&
	    ip link show dev "$host" >/dev/null 2>&1; then
		# Up means carrying packets: a cut left by a test ends.
		cut_tables "$x" delete
		return 0
	fi
	# Another namespace may have the same X: say so, do not steal it.
	other=$(ip -4 -o addr show to "10.77.$x.1/32" | awk '{ print $2 }')
	if [ -n "$other" ] && [ "$other" != "$host" ]; then
		die "10.77.$x.1 is taken by $other: give another X"
	fi
	if ip link show dev "$host" >/dev/null 2>&1 &&
	    ! { exists && inside link show dev eth0 >/dev/null 2>&1; }; then
		die "$host is in use by another namespace: give another X"
	fi
	exists || ip netns add "$name"
	# A half-made pair of an earlier try goes first.
	ip link del "$host" 2>/dev/null || true
	inside link del eth0 2>/dev/null || true
	ip link add "$host" type veth peer name "wp-$x"
	ip link set "wp-$x" netns "$name"
	inside link set "wp-$x" name eth0
	# No IPv6 chatter on the link: only what the tests send crosses it.
	sysctl -qw "net.ipv6.conf.$host.disable_ipv6=1" 2>/dev/null || true
	ip netns exec "$name" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 \
	    2>/dev/null || true
	ip addr add "10.77.$x.1/24" dev "$host"
	inside addr add "10.77.$x.2/24" dev eth0
	inside link set lo up
	inside link set eth0 up
	ip link set "$host" up
	ip neigh replace "10.77.$x.2" lladdr "$(mac_of eth0 "$name")" \
	    dev "$host" nud permanent
	inside neigh replace "10.77.$x.1" lladdr "$(mac_of "$host")" \
	    dev eth0 nud permanent
}

case $cmd in
up)
	[ $# -le 1 ] || usage
	if [ $# -eq 1 ]; then
		x=$1
	elif exists && x=$(x_of 2>/dev/null); then
		:
	else
		x=$(printf '%s' "$name" | cksum | cut -d ' ' -f 1)
		x=$(( x % 254 + 1 ))
	fi
	up "$x"
	echo "10.77.$x.1 10.77.$x.2" ;;
addr)
	[ $# -eq 0 ] || usage
	x=$(x_of)
	echo "10.77.$x.1 10.77.$x.2" ;;
cut)
	[ $# -eq 0 ] || usage
	x=$(x_of)
	cut_tables "$x" add ;;
restore)
	[ $# -eq 0 ] || usage
	x=$(x_of)
	cut_tables "$x" delete ;;
down)
	[ $# -eq 0 ] || usage
	exists || exit 0
	if x=$(x_of 2>/dev/null); then
		nft delete table netdev "weft_cut_$x" 2>/dev/null || true
		ip link del "weft-$x" 2>/dev/null || true
	fi
	# Only processes inside keep a namespace alive once it is deleted.
	pids=$(ip netns pids "$name" 2>/dev/null | tr '\n' ' ')
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
	ip netns del "$name" ;;
exec)
	[ $# -ge 1 ] || usage
	exists || die "namespace '$name' is not up"
	exec ip netns exec "$name" "$@" ;;
*)
	usage ;;
esac
