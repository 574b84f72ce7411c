-- ALTER ROLE ... [IN DATABASE ...] SET and ALTER DATABASE ... SET of
-- session_replication_role that apply to the current database: with
-- `replica`, ordinary (ENABLE) triggers do not fire in those sessions.
-- pg_db_role_setting is readable by every role.
SELECT
    CASE WHEN s.setrole = 0 THEN NULL ELSE coalesce(r.rolname::text, s.setrole::text) END AS role_name,
    CASE WHEN s.setdatabase = 0 THEN NULL ELSE d.datname::text END AS database_name,
    split_part(c.setting, '=', 2) AS value
FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
CROSS JOIN LATERAL unnest(s.setconfig) AS c(setting)
WHERE c.setting LIKE 'session\_replication\_role=%'
  AND (s.setdatabase = 0 OR d.datname = current_database())
ORDER BY 2 NULLS FIRST, 1 NULLS FIRST
