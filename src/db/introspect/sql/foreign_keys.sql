-- Foreign keys with their columns and the referenced ones in key order.
-- A key on (or to) a partitioned table has per-partition copies, which
-- have a parent constraint and are left out.
SELECT
    n.nspname::text AS namespace,
    c.relname::text AS table_name,
    con.conname::text AS name,
    rn.nspname::text AS referenced_namespace,
    rc.relname::text AS referenced_table,
    (
        SELECT array_agg(a.attname::text ORDER BY k.position)
        FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
    ) AS columns,
    (
        SELECT array_agg(a.attname::text ORDER BY k.position)
        FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, position)
        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
    ) AS referenced_columns,
    con.confdeltype::text AS on_delete,
    con.confupdtype::text AS on_update
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class rc ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype = 'f'
  AND con.conparentid = 0
  AND n.nspname = ANY($1)
