-- AlterTable
ALTER TABLE "patients" DROP COLUMN "is_active";
