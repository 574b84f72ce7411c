-- Tables and partitioned tables, without their partitions (part of the
-- parent) and without the migration history tables of ehrdb and Prisma.
SELECT n.nspname::text AS namespace, c.relname::text AS name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND c.relname NOT IN ('_ehrdb_migrations', '_prisma_migrations')
