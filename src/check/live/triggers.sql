-- ehrdb's immutability triggers on the tables in the namespaces, found by
-- their names ($2) or by the function they call ($3): the function's name,
-- tgtype (which events and timing) and tgenabled (O and A fire in normal
-- sessions, D never, R only in replica sessions).
SELECT
    n.nspname::text AS namespace,
    c.relname::text AS table_name,
    t.tgname::text AS name,
    t.tgenabled::text AS enabled,
    t.tgtype::int4 AS kind,
    p.proname::text AS function
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal
  AND (t.tgname = ANY($2) OR p.proname = $3)
  AND n.nspname = ANY($1)
ORDER BY 1, 2, 3
