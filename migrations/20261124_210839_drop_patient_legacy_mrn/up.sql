-- AlterTable
-- ehrdb:allow ban-drop-column -- no release has read legacy_mrn since the MRN moved to mrn
ALTER TABLE "patients" DROP COLUMN "legacy_mrn";
