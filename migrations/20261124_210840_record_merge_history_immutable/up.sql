-- CreateTrigger
CREATE TRIGGER "ehrdb_immutable_row" BEFORE UPDATE OR DELETE ON "record_merge_histories" FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"();
CREATE TRIGGER "ehrdb_immutable_truncate" BEFORE TRUNCATE ON "record_merge_histories" FOR EACH STATEMENT EXECUTE FUNCTION "ehrdb_immutable"();
