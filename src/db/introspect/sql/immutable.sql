-- The row triggers of immutable tables and their arguments (the columns an
-- UPDATE may change), NUL-terminated in one bytea.
SELECT n.nspname::text AS namespace, c.relname::text AS table_name, tg.tgargs AS arguments
FROM pg_trigger tg
JOIN pg_class c ON c.oid = tg.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = tg.tgfoid
WHERE tg.tgname = 'ehrdb_immutable_row'
  AND p.proname = 'ehrdb_immutable'
  AND NOT tg.tgisinternal
  AND n.nspname = ANY($1)
