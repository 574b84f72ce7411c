-- AlterTable
ALTER TABLE "patients" ADD COLUMN "is_active" BOOLEAN NOT NULL DEFAULT true;
