#!/usr/bin/env bash
# Compares ehrdb with Prisma's own engines (the Prisma oracle in
# ../shared/tools/prisma-oracle) and prints how many cases agree:
#
#   merged   the example's merged schema.prisma is valid for Prisma and is
#            exactly what `prisma format` prints for it;
#   ok       every tests/fixtures/parse/ok file is valid (when it is a
#            complete schema) and already in Prisma's format;
#   err      every tests/fixtures/parse/err file is invalid for Prisma too;
#   fmt      for every tests/fixtures/fmt case, `ehrdb debug format` of the
#            input equals `prisma format` of the input;
#   validate every tests/fixtures/validate/ok and warn file is valid for
#            Prisma, every validate/err file invalid (ehrdb's verdicts).
#
# Usage: scripts/prisma-oracle.sh            (exit 1 when any case differs)
# ORACLE_SRC overrides where the oracle is found.
set -uo pipefail
cd "$(dirname "$0")/.."

src=${ORACLE_SRC:-../shared/tools/prisma-oracle}
oracle_dir=target/prisma-oracle
if [ ! -f "$src/oracle.mjs" ]; then
  echo "prisma-oracle.sh: no oracle at $src (set ORACLE_SRC)" >&2
  exit 2
fi
# The oracle installs node_modules beside itself; work on a copy so the
# shared folder stays untouched.
mkdir -p "$oracle_dir"
cp -r "$src/." "$oracle_dir/"
chmod -R u+w "$oracle_dir"
"$oracle_dir/setup.sh" >/dev/null || { echo "prisma-oracle.sh: oracle setup failed" >&2; exit 2; }
oracle() { node "$oracle_dir/oracle.mjs" "$@"; }

cargo build --release --quiet || exit 2
ehrdb=target/release/ehrdb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

agree=0
differ=0
pass() { agree=$((agree + 1)); }
fail() { differ=$((differ + 1)); echo "DIFFERS  $*"; }

# Prisma 7 rejects `url` in the datasource; judge such a schema as Prisma 6.
validate() {
  if grep -qE '^\s*url\s*=' "$1"; then ORACLE_PRISMA6=1 oracle validate "$1"; else oracle validate "$1"; fi
}
is_valid() { validate "$1" >"$work/validate.json" 2>&1; }
# Formatting does not need validity, and Prisma-6 mode would drop the url line.
same_as_prisma_format() { oracle format --no-validate "$1" >"$work/formatted.prisma" 2>&1 && cmp -s "$1" "$work/formatted.prisma"; }

echo "== merged example"
$ehrdb merge --output "$work/schema.prisma" >/dev/null || exit 2
if is_valid "$work/schema.prisma"; then pass; else fail "merged schema.prisma is invalid for Prisma: $(cat "$work/validate.json")"; fi
if same_as_prisma_format "$work/schema.prisma"; then pass; else fail "merged schema.prisma is not in Prisma's format"; diff "$work/schema.prisma" "$work/formatted.prisma" | head -20; fi
merged=$agree

echo "== parse/ok fixtures"
ok_before=$agree
for file in tests/fixtures/parse/ok/*.prisma; do
  if grep -q '^datasource' "$file"; then
    if is_valid "$file"; then pass; else fail "$file is invalid for Prisma"; fi
  fi
  if same_as_prisma_format "$file"; then pass; else fail "$file is not in Prisma's format"; fi
done
ok=$((agree - ok_before))

echo "== parse/err fixtures"
err_before=$agree
for file in tests/fixtures/parse/err/*.prisma; do
  if is_valid "$file"; then fail "$file is valid for Prisma but ehrdb rejects it"; else pass; fi
done
err=$((agree - err_before))

echo "== fmt fixtures"
fmt_before=$agree
for dir in tests/fixtures/fmt/*/; do
  oracle format --no-validate "$dir/input.prisma" >"$work/prisma.prisma" 2>&1
  $ehrdb debug format "$dir/input.prisma" >"$work/ehrdb.prisma" 2>/dev/null
  if cmp -s "$work/prisma.prisma" "$work/ehrdb.prisma"; then pass; else fail "$dir: ehrdb and prisma format differ"; diff "$work/prisma.prisma" "$work/ehrdb.prisma" | head -10; fi
done
fmt=$((agree - fmt_before))

echo "== validate fixtures (ok and warn: valid for Prisma; err: invalid)"
validate_before=$agree
for file in tests/fixtures/validate/ok/*.prisma tests/fixtures/validate/warn/*.prisma; do
  [ -e "$file" ] || continue
  if is_valid "$file"; then pass; else fail "$file: Prisma rejects it, ehrdb accepts it: $(grep -m1 '"message"' "$work/validate.json")"; fi
done
for file in tests/fixtures/validate/err/*.prisma; do
  [ -e "$file" ] || continue
  if is_valid "$file"; then fail "$file: Prisma accepts it, ehrdb rejects it"; else pass; fi
done
validation=$((agree - validate_before))

echo
echo "validate: $validation verdicts agree"
echo "merged: $merged agree · parse/ok: $ok agree · parse/err: $err agree · fmt: $fmt agree"
echo "$agree passed, $differ failed"
[ "$differ" -eq 0 ]
