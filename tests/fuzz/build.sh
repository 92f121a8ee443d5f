#!/bin/sh
# build.sh: builds weft's libFuzzer harnesses, tests/fuzz/fuzz-*.c, with
# clang, libFuzzer, ASan and UBSan, against the few src/*.c files they
# exercise, into BUILDDIR (default tests/fuzz/build/, which git ignores).
#
#   tests/fuzz/build.sh [BUILDDIR]
#
# Run ./configure first: config.h is taken from the top of the tree (or
# the current directory, for a separate build directory, or $CONFIG_H).
# FUZZ_CC names the compiler (default clang: $CC is not used, because
# "make check" exports the C compiler that configure chose).  FUZZ_SRC
# names another directory of weft's sources to build, for instance a
# private copy with a fix in it (default the tree's own src/).
#
# Exits 77 when clang or libFuzzer is missing (on Debian 12: the packages
# clang and libclang-rt-14-dev), 1 when the build fails.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
src=${FUZZ_SRC:-$top/src}
build=${1:-$here/build}
cc=${FUZZ_CC:-clang}

# Only these sources are linked; of weft's libraries they need libyaml,
# jansson and SQLite (rundir.c reads the highest recorded run).
sources="strmap diag path arena ytree workflow workflow-main workflow-data workflow-table workflow-matrix workflow-env workflow-include workflow-config workflow-provider template cond dag dag-expand dag-text dag-scope dag-needs rundir db file log util xmalloc"
packages="yaml-0.1 jansson sqlite3"
harnesses="fuzz-workflow fuzz-template"

sanitize="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer -Wall -Wextra -Wshadow \
-Wno-unused-parameter -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes"

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "build.sh: $cc not found (install clang)" >&2
	exit 77
fi

config=${CONFIG_H:-}
if [ -z "$config" ]; then
	if [ -f "$top/config.h" ]; then
		config=$top/config.h
	elif [ -f config.h ]; then
		config=$(pwd)/config.h
	else
		echo "build.sh: no config.h: run ./configure first" >&2
		exit 1
	fi
fi

if ! pkgflags=$(pkg-config --cflags $packages) ||
    ! pkglibs=$(pkg-config --libs $packages); then
	echo "build.sh: pkg-config does not know $packages" >&2
	exit 1
fi

mkdir -p "$build/obj"
build=$(cd "$build" && pwd)

# Can this clang link a fuzzer at all?  Its runtime is a separate package.
cat >"$build/obj/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return 0;
}
EOF
if ! "$cc" $sanitize "$build/obj/probe.c" -o "$build/obj/probe" \
    >"$build/obj/probe.log" 2>&1; then
	echo "build.sh: $cc cannot link -fsanitize=fuzzer,address,undefined" \
	    "(on Debian 12 install libclang-rt-14-dev):" >&2
	sed 's/^/  /' "$build/obj/probe.log" >&2
	exit 77
fi
rm -f "$build/obj/probe" "$build/obj/probe.c" "$build/obj/probe.log"

cppflags="-include $config -I$src -I$top/include"
objs=""
for f in $sources; do
	"$cc" $cflags $sanitize $cppflags $pkgflags -c "$src/$f.c" \
	    -o "$build/obj/$f.o" || exit 1
	objs="$objs $build/obj/$f.o"
done
for h in $harnesses; do
	"$cc" $cflags $sanitize $cppflags $pkgflags -c "$here/$h.c" \
	    -o "$build/obj/$h.o" || exit 1
	"$cc" $sanitize "$build/obj/$h.o" $objs $pkglibs -o "$build/$h" ||
	    exit 1
done
echo "build.sh: built $harnesses in $build"
