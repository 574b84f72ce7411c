-- Every index of every table in the namespaces, the primary key's too: key
-- columns in order (an expression column as its text), DESC flags, and
-- operator classes where not the default for the column's type.
SELECT
    n.nspname::text AS namespace,
    c.relname::text AS table_name,
    i.relname::text AS name,
    x.indisprimary AS is_primary,
    x.indisunique AS is_unique,
    am.amname::text AS method,
    pg_get_expr(x.indpred, x.indrelid) AS predicate,
    k.columns,
    k.descending,
    k.operator_classes
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = i.relam
CROSS JOIN LATERAL (
    SELECT
        array_agg(
            CASE WHEN k.attnum = 0 THEN pg_get_indexdef(x.indexrelid, k.position::int, true) ELSE a.attname::text END
            ORDER BY k.position
        ) AS columns,
        array_agg((x.indoption[k.position - 1] & 1) = 1 ORDER BY k.position) AS descending,
        array_agg(CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname::text END ORDER BY k.position) AS operator_classes
    FROM unnest(x.indkey::int2[], x.indclass::oid[]) WITH ORDINALITY AS k(attnum, opclass, position)
    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
    JOIN pg_opclass oc ON oc.oid = k.opclass
    WHERE k.position <= x.indnkeyatts
) k
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
