-- Every index of the tables in the namespaces, with what the index checks
-- need: its definition as PostgreSQL keys it (access method, key columns,
-- operator classes, expressions, predicate: equal for duplicates), whether
-- a constraint needs it, whether it is valid, and its scans since the
-- statistics began. For a
-- candidate of "unused" (never scanned, no constraint needs it) also
-- whether it serves a foreign key's lookups and its size: both cost a
-- lookup per index (the size opens the index's file), so they are read
-- only there (false and NULL elsewhere).
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
    CASE WHEN v.candidate THEN EXISTS (
        SELECT 1 FROM pg_constraint f
        WHERE f.conrelid = x.indrelid
          AND f.contype = 'f'
          AND x.indpred IS NULL
          AND (SELECT array_agg(a ORDER BY a) FROM unnest((x.indkey::int2[])[0:cardinality(f.conkey) - 1]) a)
              = (SELECT array_agg(a ORDER BY a) FROM unnest(f.conkey) a)
    ) ELSE false END AS serves_foreign_key,
    s.idx_scan AS scans,
    CASE WHEN v.candidate THEN pg_relation_size(x.indexrelid) END AS size
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN (SELECT DISTINCT conindid FROM pg_constraint WHERE conindid <> 0) k ON k.conindid = x.indexrelid
-- pg_stat_user_indexes.idx_scan without the view's joins, which cost more
-- than the rest of the query; a partitioned table's own index has none.
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.relkind <> 'p' THEN pg_catalog.pg_stat_get_numscans(x.indexrelid) END AS idx_scan
) s
CROSS JOIN LATERAL (
    SELECT coalesce(s.idx_scan = 0, false) AND x.indisvalid AND NOT x.indisprimary AND NOT x.indisunique
           AND NOT x.indisexclusion AND k.conindid IS NULL AS candidate
) v
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'm', 'p')
ORDER BY 1, 2, 3
