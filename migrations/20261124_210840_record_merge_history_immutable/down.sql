-- DropTrigger
DROP TRIGGER IF EXISTS "ehrdb_immutable_row" ON "record_merge_histories";
DROP TRIGGER IF EXISTS "ehrdb_immutable_truncate" ON "record_merge_histories";
