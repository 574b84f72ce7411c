-- The trigger functions named $2 (ehrdb's, without arguments) in the
-- namespaces, with their bodies.
SELECT n.nspname::text AS namespace, p.prosrc AS body
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname = $2
  AND p.pronargs = 0
  AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
  AND n.nspname = ANY($1)
ORDER BY 1
