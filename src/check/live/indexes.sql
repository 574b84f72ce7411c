-- Every index of the tables in the namespaces, with what the index checks
-- need: its definition as PostgreSQL keys it (access method, key columns,
-- operator classes, expressions, predicate: equal for duplicates), whether
-- a constraint needs it or it serves a foreign key (never "unused"),
-- whether it is valid, and its scans since the statistics began (the
-- idx_scan of pg_stat_user_indexes). The size costs a file lookup, so it
-- is read only for never-scanned indexes.
SELECT
    n.nspname::text AS namespace,
    c.relname::text AS table_name,
    i.relname::text AS name,
    am.amname::text AS method,
    x.indkey::text AS keys,
    x.indclass::text AS classes,
    pg_get_expr(x.indexprs, x.indrelid) AS expressions,
    pg_get_expr(x.indpred, x.indrelid) AS predicate,
    x.indisprimary AS is_primary,
    x.indisunique AS is_unique,
    x.indisexclusion AS is_exclusion,
    k.conindid IS NOT NULL AS backs_constraint,
    x.indisvalid AS is_valid,
    EXISTS (
        SELECT 1 FROM pg_constraint f
        WHERE f.conrelid = x.indrelid
          AND f.contype = 'f'
          AND x.indpred IS NULL
          AND (SELECT array_agg(a ORDER BY a) FROM unnest((x.indkey::int2[])[0:cardinality(f.conkey) - 1]) a)
              = (SELECT array_agg(a ORDER BY a) FROM unnest(f.conkey) a)
    ) AS serves_foreign_key,
    s.idx_scan AS scans,
    CASE WHEN s.idx_scan = 0 THEN pg_relation_size(x.indexrelid) END AS size
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN (SELECT DISTINCT conindid FROM pg_constraint WHERE conindid <> 0) k ON k.conindid = x.indexrelid
LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = x.indexrelid
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'm', 'p')
ORDER BY 1, 2, 3
