#!/bin/sh
# Sets weft up on a fresh Debian 12 machine: installs the build and test
# dependencies with apt-get, builds weft, and runs an example workflow.
# The cluster tests' packages (Slurm, munge, an sshd, iproute2 and
# nftables) are installed here; tests/cluster/ starts daemons of its own.
# Run it from anywhere; it uses sudo when not run as root, and without
# sudo it stops at once and says what to run as root instead.
set -eu
cd "$(dirname "$0")/.."

packages="build-essential autoconf automake pkg-config \
    libyaml-dev libzmq3-dev libmsgpack-dev libjansson-dev libsqlite3-dev \
    libsodium-dev \
    libcmocka-dev bats bats-assert bats-support \
    clang libclang-rt-14-dev \
    sqlite3 jq mandoc man-db zsh strace procps tmux python3 \
    chromium libxml2-utils python3-junitparser curl ca-certificates \
    slurmctld slurmd slurm-client munge openssh-server openssh-client \
    iproute2 nftables"

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "setup-debian.sh: not root, and there is no sudo to" \
		    "install the packages with; as root, run:" >&2
		echo "  apt-get update && apt-get install -y" \
		    "--no-install-recommends $(echo $packages)" >&2
		echo "then run scripts/setup-debian.sh again as yourself." >&2
		exit 1
	fi
	sudo=sudo
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $packages >/dev/null

# The JUnit schema of Jenkins, for the tests of --junit (not packaged).
if ! scripts/fetch-junit-schema.sh >/dev/null; then
	echo "setup-debian.sh: warning: no JUnit schema; the tests of" \
	    "--junit fail until scripts/fetch-junit-schema.sh works" >&2
fi

[ -x configure ] || ./bootstrap
[ -f Makefile ] || ./configure
make -j"$(nproc)"
./weft run share/examples/hello.yaml
