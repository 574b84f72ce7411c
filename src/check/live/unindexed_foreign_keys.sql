-- Foreign keys whose columns are not the leading columns (in any order) of
-- a valid, non-partial index on their table: every delete or key update of
-- a referenced row then scans the referencing table. Per-partition copies
-- of a key on a partitioned table are left out, as introspection does.
SELECT
    n.nspname::text AS namespace,
    c.relname::text AS table_name,
    con.conname::text AS name,
    (
        SELECT array_agg(a.attname::text ORDER BY k.position)
        FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
    ) AS columns
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype = 'f'
  AND con.conparentid = 0
  AND n.nspname = ANY($1)
  AND NOT EXISTS (
      SELECT 1 FROM pg_index x
      WHERE x.indrelid = con.conrelid
        AND x.indisvalid
        AND x.indpred IS NULL
        AND (SELECT array_agg(a ORDER BY a) FROM unnest((x.indkey::int2[])[0:cardinality(con.conkey) - 1]) a)
            = (SELECT array_agg(a ORDER BY a) FROM unnest(con.conkey) a)
  )
ORDER BY 1, 2, 3
