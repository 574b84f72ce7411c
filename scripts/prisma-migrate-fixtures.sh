#!/usr/bin/env bash
# Regenerates Prisma Migrate's SQL for every migrate fixture from the Prisma
# oracle (Prisma's own engines, see ../shared/tools/prisma-oracle), after
# checking that both schemas of the case are valid for Prisma:
#
#   tests/fixtures/migrate/<case>/prisma/before.sql   oracle sql before.prisma
#   tests/fixtures/migrate/<case>/prisma/after.sql    oracle sql after.prisma
#   tests/fixtures/migrate/<case>/prisma/up.sql       oracle diff --from before.prisma --to after.prisma
#   tests/fixtures/migrate/<case>/prisma/down.sql     oracle diff --from after.prisma --to before.prisma
#
# These files are the expected outputs the migration tests compare ehrdb's
# databases against, so they are committed; this script is how they change.
#
# Usage: scripts/prisma-migrate-fixtures.sh [--check] [CASE...]
#   --check   write nothing; exit 1 when a committed file differs from the
#             oracle's output (or is missing), printing the difference
#   CASE      only these cases (folder names); by default every case
# Exit codes: 0 all valid and (with --check) up to date, 1 an invalid schema
# or a stale file, 2 the oracle could not run.
# PRISMA_ORACLE overrides where the oracle is found.
set -uo pipefail
cd "$(dirname "$0")/.."

check=0
cases=()
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "prisma-migrate-fixtures.sh: unknown option $arg" >&2; exit 2 ;;
    *) cases+=("$arg") ;;
  esac
done

fixtures=tests/fixtures/migrate
src=${PRISMA_ORACLE:-../shared/tools/prisma-oracle}
if [ ! -f "$src/oracle.mjs" ]; then
  echo "prisma-migrate-fixtures.sh: no oracle at $src (set PRISMA_ORACLE)" >&2
  exit 2
fi
# The oracle installs node_modules beside itself. An oracle that is already
# set up runs where it is; otherwise it is copied (without node_modules) to a
# writable folder under target/ so the shared folder stays untouched.
stamp_ok() { [ -f "$1/node_modules/.oracle-lock.sha256" ] &&
  [ "$(cat "$1/node_modules/.oracle-lock.sha256")" = "$(sha256sum "$1/package-lock.json" | cut -d' ' -f1)" ]; }
if stamp_ok "$src"; then
  oracle_dir=$src
else
  oracle_dir=target/prisma-oracle
  mkdir -p "$oracle_dir"
  for entry in "$src"/* "$src"/.[!.]*; do
    [ -e "$entry" ] && [ "$(basename "$entry")" != node_modules ] && cp -r "$entry" "$oracle_dir/"
  done
  chmod -R u+w "$oracle_dir"
  "$oracle_dir/setup.sh" >/dev/null || { echo "prisma-migrate-fixtures.sh: oracle setup failed" >&2; exit 2; }
fi

# Prisma 7 rejects `url` in the datasource; judge such a schema as Prisma 6.
oracle() {
  local prisma6=
  for file in "$@"; do
    [ -f "$file" ] && grep -qE '^\s*url\s*=' "$file" && prisma6=1
  done
  ORACLE_PRISMA6=$prisma6 node "$oracle_dir/oracle.mjs" "$@"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ${#cases[@]} -eq 0 ]; then
  for dir in "$fixtures"/*/; do cases+=("$(basename "$dir")"); done
fi

invalid=0
stale=0
written=0
for name in "${cases[@]}"; do
  dir=$fixtures/$name
  if [ ! -f "$dir/before.prisma" ] || [ ! -f "$dir/after.prisma" ]; then
    echo "MISSING  $dir/before.prisma or after.prisma"
    invalid=$((invalid + 1))
    continue
  fi
  valid=1
  for side in before after; do
    if ! oracle validate "$dir/$side.prisma" >"$work/validate.json" 2>&1; then
      echo "INVALID  $dir/$side.prisma: $(grep -m1 '"message"' "$work/validate.json" | sed 's/^ *//')"
      valid=0
    fi
  done
  if [ "$valid" -eq 0 ]; then
    invalid=$((invalid + 1))
    continue
  fi

  out=$work/$name
  mkdir -p "$out"
  oracle sql "$dir/before.prisma" >"$out/before.sql" &&
    oracle sql "$dir/after.prisma" >"$out/after.sql" &&
    oracle diff --from "$dir/before.prisma" --to "$dir/after.prisma" >"$out/up.sql" &&
    oracle diff --from "$dir/after.prisma" --to "$dir/before.prisma" >"$out/down.sql" ||
    { echo "prisma-migrate-fixtures.sh: the oracle failed on $dir" >&2; exit 2; }

  for file in before.sql after.sql up.sql down.sql; do
    if cmp -s "$out/$file" "$dir/prisma/$file"; then continue; fi
    if [ "$check" -eq 1 ]; then
      if [ -f "$dir/prisma/$file" ]; then
        echo "STALE    $dir/prisma/$file"
        diff -u --label "committed" --label "oracle" "$dir/prisma/$file" "$out/$file" | head -40
      else
        echo "MISSING  $dir/prisma/$file"
      fi
      stale=$((stale + 1))
    else
      mkdir -p "$dir/prisma"
      cp "$out/$file" "$dir/prisma/$file"
      echo "wrote    $dir/prisma/$file"
      written=$((written + 1))
    fi
  done
done

# The example: Prisma's SQL for the merged schema.prisma, under a line with
# that file's sha256, so the round-trip test can tell when it is stale.
example=tests/fixtures/example/prisma.sql
{ echo "-- prisma sql of schema.prisma $(sha256sum schema.prisma | cut -d' ' -f1)"; oracle sql schema.prisma; } \
  >"$work/example.sql" || { echo "prisma-migrate-fixtures.sh: the oracle failed on schema.prisma" >&2; exit 2; }
if ! cmp -s "$work/example.sql" "$example"; then
  if [ "$check" -eq 1 ]; then
    echo "STALE    $example"
    stale=$((stale + 1))
  else
    mkdir -p "$(dirname "$example")"
    cp "$work/example.sql" "$example"
    echo "wrote    $example"
    written=$((written + 1))
  fi
fi

echo
if [ "$check" -eq 1 ]; then
  echo "cases: ${#cases[@]}, $invalid with an invalid schema, $stale stale files"
else
  echo "cases: ${#cases[@]}, $invalid with an invalid schema, $written files written"
fi
[ "$invalid" -eq 0 ] && [ "$stale" -eq 0 ]
