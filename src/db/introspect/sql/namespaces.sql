-- The namespaces asked for ($1) that exist.
SELECT n.nspname::text AS name
FROM pg_namespace n
WHERE n.nspname = ANY($1)
