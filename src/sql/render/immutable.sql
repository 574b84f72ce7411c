-- ehrdb's guard for `@ehrdb.immutable` tables: the one trigger function
-- behind every such table's row trigger (BEFORE UPDATE OR DELETE) and
-- truncate trigger (BEFORE TRUNCATE). Its arguments are the columns an
-- UPDATE may change; an UPDATE that changes nothing else goes through,
-- every other UPDATE, each DELETE and each TRUNCATE is refused.
CREATE OR REPLACE FUNCTION "ehrdb_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND to_jsonb(OLD) - COALESCE(TG_ARGV, '{}'::text[]) = to_jsonb(NEW) - COALESCE(TG_ARGV, '{}'::text[]) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ehrdb: "%" is immutable: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = CASE
                  WHEN TG_OP = 'UPDATE' AND TG_NARGS > 0
                      THEN 'only these columns may change: ' || array_to_string(TG_ARGV, ', ')
                  ELSE 'rows of this table are never changed or removed; add a new row instead'
              END;
END;
$$;
