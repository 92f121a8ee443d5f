#!/bin/sh
# Sets weft up on a fresh Debian 12 machine: installs the build and test
# dependencies with apt-get, builds weft, and runs an example workflow.
# Run it from anywhere; it uses sudo when not run as root.
set -eu
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends \
    build-essential autoconf automake pkg-config \
    libyaml-dev libzmq3-dev libmsgpack-dev libjansson-dev libsqlite3-dev \
    libsodium-dev \
    libcmocka-dev bats bats-assert bats-support \
    clang libclang-rt-14-dev \
    sqlite3 jq mandoc strace procps \
    chromium libxml2-utils python3-junitparser >/dev/null

[ -x configure ] || ./bootstrap
[ -f Makefile ] || ./configure
make -j"$(nproc)"
./weft run share/examples/hello.yaml
