-- DropIndex
-- ehrdb:allow require-concurrent-index-deletion -- ehrdb rollback runs down.sql in one transaction
DROP INDEX "patients_family_name_given_name_idx";
