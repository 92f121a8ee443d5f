#!/bin/sh
# checksrc.sh: weft's style checker, run by "make check" (through
# tests/checksrc.sh, with or without bats).  It enforces the rules that
# keep the code easy to live in and that a compiler cannot see.
#
# C sources (src/, tests/unit, tests/plugins, tests/fuzz, bench/): no
# process creation outside the spawn module's posix_spawn, /* */ comments
# only, tabs for indentation, no trailing white space, lines of at most 80
# columns, and a comment at the top of every file saying what it is.
#
# Shell scripts and bats files: tabs for indentation, no trailing white
# space, and a comment right after the #! line saying what the file is.
set -u
top=${1:-$(dirname "$0")/..}
status=0

for f in "$top"/src/*.c "$top"/src/*.h "$top"/tests/unit/*.c \
    "$top"/tests/plugins/*.c "$top"/tests/fuzz/*.c "$top"/tests/fuzz/*.h \
    "$top"/bench/*.c "$top"/bench/*/*.c; do
	[ -f "$f" ] || continue
	awk -v file="$f" '
	function complain(msg) {
		printf "%s:%d: %s\n", file, FNR, msg
		bad = 1
	}
	FNR == 1 && $0 !~ /^\/\*/ {
		complain("file must start with a /* comment saying what it is for")
	}
	/^\t*\/\*/ { incomment = 1 }
	incomment && /\*\// { incomment = 0; next }
	incomment { next }
	/(^|[^_a-z])(fork|vfork|system|popen|daemon|execvp?|execl)[ \t]*\(/ {
		complain("process creation outside posix_spawn is banned")
	}
	/(^|[^:"])\/\/[^"]*$/ { complain("use /* */ comments") }
	/[ \t]+$/ { complain("trailing white space") }
	/^(        )+[^ *]/ { complain("indent with tabs, not spaces") }
	{
		line = $0
		width = 0
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (c == "\t")
				width += 8 - width % 8
			else
				width++
		}
		if (width > 80)
			complain("line longer than 80 columns")
	}
	END { exit bad }
	' "$f" || status=1
done

for f in "$top"/bootstrap "$top"/scripts/*.sh "$top"/tests/*.sh \
    "$top"/tests/fuzz/*.sh "$top"/tests/cli/*.bats "$top"/tests/cli/*.bash \
    "$top"/bench/*.sh; do
	[ -f "$f" ] || continue
	awk -v file="$f" '
	function complain(msg) {
		printf "%s:%d: %s\n", file, FNR, msg
		bad = 1
	}
	FNR == 2 && $0 !~ /^#/ {
		complain("a # comment saying what the file is for must " \
		    "follow the #! line")
	}
	/[ \t]+$/ { complain("trailing white space") }
	/^(        )+[^ *]/ { complain("indent with tabs, not spaces") }
	END { exit bad }
	' "$f" || status=1
done
exit $status
