-- Installed extensions but plpgsql, which every database has. Extensions
-- belong to the database, not to a namespace: $1 is not used.
SELECT e.extname::text AS name, n.nspname::text AS namespace
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
