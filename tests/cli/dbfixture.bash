# dbfixture.bash: monitoring databases for tests that read one ("load
# dbfixture" after "load setup").  The schema is taken from src/db.c, so
# that it cannot drift from what the dbwriter creates; the rows come from
# tests/fixtures/monitoring.sql.  Tests that need the sqlite3 command
# and do not have it are skipped.
#
#   schema_sql [V]          the CREATE (and ALTER) statements of src/db.c
#                           up to schema version V (default: the newest,
#                           7), and the schema version row
#   make_db [DIR] [V]       DIR/monitoring.db (default .weft) with the
#                           fixture rows, in WAL mode as the dbwriter
#                           leaves it, at schema version V (default 7)
#   sql STATEMENTS          runs them on .weft/monitoring.db

schema_sql()
{
	local v version=${1:-7}

	for v in $(seq 1 "$version"); do
		sed -n "/^static const char \\*schema_v$v =/,/;\$/p" \
		    "$WEFT_SRCDIR/src/db.c" | sed 's|/\*.*\*/||g' |
		    grep -o '"[^"]*"' | sed 's/^"//; s/"$//'
	done
	echo "INSERT INTO weft_meta VALUES ('schema_version', '$version');"
}

make_db()
{
	local dir=${1:-.weft} version=${2:-7}

	command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 is not installed"
	mkdir -p "$dir"
	{
		echo 'PRAGMA journal_mode=WAL;'
		schema_sql "$version"
		cat "$FIXTURES/monitoring.sql"
	} | sqlite3 "$dir/monitoring.db" >/dev/null
}

sql()
{
	sqlite3 .weft/monitoring.db "$@"
}
