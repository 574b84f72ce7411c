-- Roles holding TRIGGER on a table in the namespaces other than the
-- table's owner and superusers (PUBLIC is grantee 0). The privilege lets
-- a role create triggers on the table, whose code runs in every session
-- that writes to it.
SELECT
    n.nspname::text AS namespace,
    c.relname::text AS table_name,
    CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE r.rolname::text END AS grantee
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) a
LEFT JOIN pg_roles r ON r.oid = a.grantee
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY($1)
  AND a.privilege_type = 'TRIGGER'
  AND a.grantee <> c.relowner
  AND NOT coalesce(r.rolsuper, false)
ORDER BY 1, 2, 3
