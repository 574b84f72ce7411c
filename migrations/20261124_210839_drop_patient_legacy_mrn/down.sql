-- AlterTable
ALTER TABLE "patients" ADD COLUMN "legacy_mrn" VARCHAR(32);
