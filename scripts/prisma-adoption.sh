#!/usr/bin/env bash
# The switch from Prisma Migrate, as README "Switching from Prisma Migrate"
# documents it, on the real histories in ../shared/data/prisma-histories
# (or HISTORIES): for each project
#   1. a database built as `prisma migrate deploy` builds it: every
#      migration.sql in folder order, each in one transaction with its
#      _prisma_migrations row;
#   2. `ehrdb adopt --database-url` into an empty project folder; when it
#      refuses and prints the SQL that closes the gap, that SQL is applied
#      (the step a user takes after reviewing it) and adopt runs again;
#   3. `ehrdb status` and the drift check (`ehrdb check`'s schema-drift) on
#      that database;
#   4. the drift check on a second database built from the SQL Prisma
#      writes for the final schema (the Prisma oracle's `sql`, i.e.
#      `prisma migrate diff --from-empty`), which must find nothing;
#   5. a later `ehrdb migrate` + `apply` + `status`.
# Every command and its output is printed.
#
# Usage: PG_URL=postgres://postgres@127.0.0.1:5432/postgres scripts/prisma-adoption.sh [umami] [papermark]
# PG_URL is a role that may create databases; the script creates and drops
# ehrdb_adopt_<project> and ehrdb_prisma_<project>. ORACLE=path/to/oracle.mjs
# uses an installed oracle; otherwise ORACLE_SRC (default
# ../shared/tools/prisma-oracle) is copied and set up as
# scripts/prisma-oracle.sh does. Exit 1 when a step does not end as
# expected.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

: "${PG_URL:?set PG_URL to a PostgreSQL URL of a role that may create databases}"
histories=$(cd "${HISTORIES:-../shared/data/prisma-histories}" 2>/dev/null && pwd) || {
  echo "prisma-adoption.sh: no histories at ${HISTORIES:-../shared/data/prisma-histories} (set HISTORIES)" >&2
  exit 2
}
projects=("$@")
[ ${#projects[@]} -eq 0 ] && projects=(umami papermark)

if [ -n "${ORACLE:-}" ]; then
  oracle_js=$ORACLE
else
  src=${ORACLE_SRC:-../shared/tools/prisma-oracle}
  oracle_dir=target/prisma-oracle
  [ -f "$src/oracle.mjs" ] || { echo "prisma-adoption.sh: no oracle at $src (set ORACLE or ORACLE_SRC)" >&2; exit 2; }
  mkdir -p "$oracle_dir"
  cp -r "$src/." "$oracle_dir/"
  chmod -R u+w "$oracle_dir"
  "$oracle_dir/setup.sh" >/dev/null || { echo "prisma-adoption.sh: oracle setup failed" >&2; exit 2; }
  oracle_js=$repo/$oracle_dir/oracle.mjs
fi

cargo build --quiet || exit 2
ehrdb=$repo/target/debug/ehrdb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# The URL of database $1 on PG_URL's server.
db_url() { printf '%s\n' "$PG_URL" | sed -E "s#^([a-z]+://[^/]*)/[^?]*#\1/$1#"; }
psql_on() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$1"; }
fresh_db() {
  printf 'DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n' "$1" "$1" | psql_on "$PG_URL" 2>&1 | grep -v NOTICE
}
# Runs an ehrdb command in the project, printing it and its output; its exit code is in $code.
step() {
  echo "\$ ehrdb $*"
  "$ehrdb" "$@" >"$work/out" 2>&1
  code=$?
  sed 's/^/  /' "$work/out"
  echo "  [exit $code]"
}
# step, with only the last line of the output (merge's lint warnings are many).
brief_step() {
  echo "\$ ehrdb $*"
  "$ehrdb" "$@" >"$work/out" 2>&1
  code=$?
  tail -1 "$work/out" | sed 's/^/  /'
  echo "  [exit $code]"
}
expect() { [ "$code" = "$1" ] || { echo "  FAILED: expected exit $1: $2"; failed=1; }; }
drift() {
  "$ehrdb" check --database-url "$1" --format json --fail-on none 2>/dev/null | python3 -c '
import json, sys
def walk(x):
    if isinstance(x, dict):
        if x.get("id") == "schema-drift":
            print(x.get("seen")); sys.exit(0)
        for v in x.values(): walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(json.load(sys.stdin)); print("no schema-drift finding")'
}

for project in "${projects[@]}"; do
  prisma=$histories/$project/prisma
  echo "==== $project"
  adopt_db=ehrdb_adopt_$project
  fresh_db "$adopt_db"
  url=$(db_url "$adopt_db")
  psql_on "$url" <<'SQL'
CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
  migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
SQL
  count=0
  for folder in "$prisma"/migrations/*/; do
    [ -f "$folder/migration.sql" ] || continue
    name=$(basename "$folder")
    sum=$(sha256sum "$folder/migration.sql" | cut -c1-64)
    { echo "BEGIN;"; cat "$folder/migration.sql"; echo ";"
      echo "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
            VALUES (gen_random_uuid()::text, '$sum', now(), '$name', 1);"
      echo "COMMIT;"; } | psql_on "$url" >/dev/null || { echo "  FAILED: $name does not apply"; failed=1; }
    count=$((count + 1))
  done
  echo "built $adopt_db from Prisma's $count migrations"

  dir=$work/$project
  mkdir -p "$dir" && cd "$dir" || exit 2
  step adopt --prisma "$prisma" --database-url "$url"
  if [ "$code" = 1 ] && grep -q '^as SQL:' "$work/out"; then
    # The gap, as adopt printed it, applied after review.
    sed -n '/^as SQL:$/,/^nothing was written$/p' "$work/out" | sed '1d;$d' >"$work/gap.sql"
    echo "applying the SQL adopt printed:"
    sed 's/^/  /' "$work/gap.sql"
    psql_on "$url" <"$work/gap.sql" || failed=1
    step adopt --prisma "$prisma" --database-url "$url"
  fi
  expect 0 "adopt"
  step status --database-url "$url"
  expect 0 "status up to date"
  echo "drift of the database Prisma's history built: $(drift "$url")"

  prisma_db=ehrdb_prisma_$project
  fresh_db "$prisma_db"
  # The final schema as Prisma 7 reads it: the connection URLs moved to prisma.config.ts.
  mkdir -p "$work/final-$project"
  if [ -d "$prisma/schema" ]; then cp "$prisma"/schema/*.prisma "$work/final-$project/"; else cp "$prisma/schema.prisma" "$work/final-$project/"; fi
  sed -i -E '/^[[:space:]]*(url|directUrl|shadowDatabaseUrl)[[:space:]]*=/d' "$work/final-$project"/*.prisma
  if node "$oracle_js" sql "$work/final-$project" >"$work/prisma.sql" 2>"$work/oracle.err"; then
    psql_on "$(db_url "$prisma_db")" <"$work/prisma.sql" >/dev/null || failed=1
    result=$(drift "$(db_url "$prisma_db")")
    echo "drift of a database built from Prisma's SQL for the final schema: $result"
    case $result in "the database matches the schema"*) ;; *) echo "  FAILED: drift"; failed=1 ;; esac
  else
    echo "  FAILED: the oracle's sql: $(head -3 "$work/oracle.err")"; failed=1
  fi

  printf 'model EhrdbAdoptionProbe {\n  id Int @id\n}\n' >schema/ehrdb_adoption_probe.prisma
  brief_step merge
  step migrate add_adoption_probe
  expect 0 "migrate"
  step apply --database-url "$url"
  expect 0 "apply"
  step status --database-url "$url"
  expect 0 "status"
  cd "$repo" || exit 2
done
exit $failed
