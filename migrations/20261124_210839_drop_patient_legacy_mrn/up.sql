-- AlterTable
ALTER TABLE "patients" DROP COLUMN "legacy_mrn";
