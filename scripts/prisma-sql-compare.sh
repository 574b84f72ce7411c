#!/usr/bin/env bash
# Compares the SQL ehrdb writes to create a schema in an empty database
# (`ehrdb debug lower --sql`) with the SQL Prisma Migrate writes for it
# (the Prisma oracle's `sql`, i.e. `prisma migrate diff --from-empty`), for
# the example schema folder and every tests/fixtures/lower and
# tests/fixtures/validate/ok schema.
#
# Both scripts are compared as sorted sets of statements, so the order of
# steps does not matter. Ignored on both sides: `-- ` comment lines and
# Prisma's `CREATE SCHEMA IF NOT EXISTS "public"`; on ehrdb's side, the
# immutability function and triggers (Prisma has no counterpart); in
# Prisma's, an explicit ` ASC` in an index (ehrdb writes the default order
# implicitly, as PostgreSQL reports it).
#
# A fixture whose text contains `prisma-sql-compare: known difference`
# documents where Prisma's SQL is wrong (it does not escape quotes inside
# identifiers and enum values); it is counted apart when it differs.
#
# Usage: scripts/prisma-sql-compare.sh [-v]     (-v prints each difference)
# ORACLE=path/to/oracle.mjs uses an installed oracle; otherwise ORACLE_SRC
# (default ../shared/tools/prisma-oracle) is copied and set up as
# scripts/prisma-oracle.sh does. Exit 1 when any schema differs.
set -uo pipefail
cd "$(dirname "$0")/.."

verbose=0
[ "${1:-}" = "-v" ] && verbose=1

if [ -n "${ORACLE:-}" ]; then
  oracle_js=$ORACLE
else
  src=${ORACLE_SRC:-../shared/tools/prisma-oracle}
  oracle_dir=target/prisma-oracle
  if [ ! -f "$src/oracle.mjs" ]; then
    echo "prisma-sql-compare.sh: no oracle at $src (set ORACLE or ORACLE_SRC)" >&2
    exit 2
  fi
  mkdir -p "$oracle_dir"
  cp -r "$src/." "$oracle_dir/"
  chmod -R u+w "$oracle_dir"
  "$oracle_dir/setup.sh" >/dev/null || { echo "prisma-sql-compare.sh: oracle setup failed" >&2; exit 2; }
  oracle_js=$oracle_dir/oracle.mjs
fi

cargo build --quiet || exit 2
ehrdb=target/debug/ehrdb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One statement per line, sorted: comment and blank lines dropped, the
# lines of a statement joined (a `$$` body kept whole), ignored
# statements removed.
statements() {
  awk '
    /^-- / && stmt == "" { next }
    /^[[:space:]]*$/ && stmt == "" { next }
    {
      stmt = (stmt == "" ? $0 : stmt "\\n" $0)
      n = gsub(/\$\$/, "$$")
      if (n % 2 == 1) body = !body
      if (!body && $0 ~ /;[[:space:]]*$/) { print stmt; stmt = "" }
    }
    END { if (stmt != "") print stmt }
  ' | grep -v -e '^CREATE SCHEMA IF NOT EXISTS "public";$' -e 'ehrdb_immutable' | sed -e 's/" ASC\([,)]\)/"\1/g' | LC_ALL=C sort
}

agree=0
differ=0
known=0
compare() {
  local name=$1 prisma6=$2 input=$3
  if [ "$prisma6" = 1 ]; then
    ORACLE_PRISMA6=1 node "$oracle_js" sql "$input" >"$work/prisma.sql" 2>"$work/prisma.err"
  else
    node "$oracle_js" sql "$input" >"$work/prisma.sql" 2>"$work/prisma.err"
  fi
  local prisma_status=$?
  "$ehrdb" debug lower --sql "$input" >"$work/ehrdb.sql" 2>"$work/ehrdb.err"
  local ehrdb_status=$?
  if [ $prisma_status -ne 0 ] || [ $ehrdb_status -ne 0 ]; then
    differ=$((differ + 1))
    echo "DIFFERS  $name (prisma exit $prisma_status, ehrdb exit $ehrdb_status)"
    [ $verbose = 1 ] && cat "$work/prisma.err" "$work/ehrdb.err"
    return
  fi
  statements <"$work/prisma.sql" >"$work/prisma.set"
  statements <"$work/ehrdb.sql" >"$work/ehrdb.set"
  if cmp -s "$work/prisma.set" "$work/ehrdb.set"; then
    agree=$((agree + 1))
    echo "agree    $name ($(wc -l <"$work/prisma.set") statements)"
  elif [ -f "$input" ] && grep -q 'prisma-sql-compare: known difference' "$input"; then
    known=$((known + 1))
    echo "known    $name (documented in the file)"
    [ $verbose = 1 ] && diff "$work/prisma.set" "$work/ehrdb.set" | sed 's/^/         /'
  else
    differ=$((differ + 1))
    echo "DIFFERS  $name"
    [ $verbose = 1 ] && diff "$work/prisma.set" "$work/ehrdb.set" | sed 's/^/         /'
  fi
}

compare "schema/ (example)" 1 schema
for file in tests/fixtures/lower/*.prisma tests/fixtures/validate/ok/*.prisma; do
  [ -e "$file" ] || continue
  if grep -qE '^\s*url\s*=' "$file"; then compare "$file" 1 "$file"; else compare "$file" 0 "$file"; fi
done

echo
echo "$agree agree, $differ differ, $known known differences"
[ "$differ" -eq 0 ]
