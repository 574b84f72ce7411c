-- Every column of every table in the namespaces, in attnum order. For an
-- array, `base_*` describe its element type (the type modifier is the
-- element's too). `serial` says the default is `nextval` of a sequence the
-- column owns (SERIAL), as opposed to any other sequence.
SELECT
    n.nspname::text AS namespace,
    c.relname::text AS table_name,
    a.attname::text AS name,
    a.attnotnull AS not_null,
    a.attgenerated <> '' AS generated,
    a.atttypmod AS typmod,
    e.oid IS NOT NULL AS is_array,
    b.typname::text AS base_name,
    b.typtype::text AS base_kind,
    bn.nspname::text AS base_namespace,
    format_type(b.oid, a.atttypmod) AS base_formatted,
    pg_get_expr(d.adbin, d.adrelid) AS default_expr,
    EXISTS (
        SELECT 1
        FROM pg_depend dep
        JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
        WHERE dep.classid = 'pg_class'::regclass
          AND dep.refclassid = 'pg_class'::regclass
          AND dep.refobjid = c.oid
          AND dep.refobjsubid = a.attnum
          AND dep.deptype = 'a'
          AND pg_get_expr(d.adbin, d.adrelid) = 'nextval(' || quote_literal(s.oid::regclass::text) || '::regclass)'
    ) AS serial
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
-- An array type is the `typarray` of its element; int2vector and the like
-- have an element type too but are not arrays of it.
LEFT JOIN pg_type e ON e.oid = t.typelem AND e.typarray = t.oid
JOIN pg_type b ON b.oid = COALESCE(e.oid, t.oid)
JOIN pg_namespace bn ON bn.oid = b.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY n.nspname, c.relname, a.attnum
