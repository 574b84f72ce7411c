-- AlterEnum
CREATE TYPE "CaseStatus_new" AS ENUM ('REQUESTED', 'SCHEDULED', 'CONFIRMED', 'IN_THEATRE', 'RECOVERY', 'COMPLETED', 'ON_HOLD', 'CANCELLED', 'POSTPONED');
ALTER TABLE "case_status_histories" ALTER COLUMN "from_status" DROP DEFAULT;
ALTER TABLE "case_status_histories" ALTER COLUMN "to_status" DROP DEFAULT;
ALTER TABLE "surgical_cases" ALTER COLUMN "status" DROP DEFAULT;
-- ehrdb:allow changing-column-type -- removing an enum value rewrites the columns of its type
ALTER TABLE "case_status_histories" ALTER COLUMN "from_status" TYPE "CaseStatus_new" USING ("from_status"::text::"CaseStatus_new");
-- ehrdb:allow changing-column-type -- removing an enum value rewrites the columns of its type
ALTER TABLE "case_status_histories" ALTER COLUMN "to_status" TYPE "CaseStatus_new" USING ("to_status"::text::"CaseStatus_new");
-- ehrdb:allow changing-column-type -- removing an enum value rewrites the columns of its type
ALTER TABLE "surgical_cases" ALTER COLUMN "status" TYPE "CaseStatus_new" USING ("status"::text::"CaseStatus_new");
ALTER TYPE "CaseStatus" RENAME TO "CaseStatus_old";
ALTER TYPE "CaseStatus_new" RENAME TO "CaseStatus";
DROP TYPE "CaseStatus_old";
ALTER TABLE "surgical_cases" ALTER COLUMN "status" SET DEFAULT 'REQUESTED';

-- AlterEnum
CREATE TYPE "CaseStatus_new" AS ENUM ('REQUESTED', 'SCHEDULED', 'CONFIRMED', 'IN_THEATRE', 'RECOVERY', 'COMPLETED', 'ON_HOLD', 'CANCELLED');
ALTER TABLE "case_status_histories" ALTER COLUMN "from_status" DROP DEFAULT;
ALTER TABLE "case_status_histories" ALTER COLUMN "to_status" DROP DEFAULT;
ALTER TABLE "surgical_cases" ALTER COLUMN "status" DROP DEFAULT;
-- ehrdb:allow changing-column-type -- removing an enum value rewrites the columns of its type
ALTER TABLE "case_status_histories" ALTER COLUMN "from_status" TYPE "CaseStatus_new" USING ("from_status"::text::"CaseStatus_new");
-- ehrdb:allow changing-column-type -- removing an enum value rewrites the columns of its type
ALTER TABLE "case_status_histories" ALTER COLUMN "to_status" TYPE "CaseStatus_new" USING ("to_status"::text::"CaseStatus_new");
-- ehrdb:allow changing-column-type -- removing an enum value rewrites the columns of its type
ALTER TABLE "surgical_cases" ALTER COLUMN "status" TYPE "CaseStatus_new" USING ("status"::text::"CaseStatus_new");
ALTER TYPE "CaseStatus" RENAME TO "CaseStatus_old";
ALTER TYPE "CaseStatus_new" RENAME TO "CaseStatus";
DROP TYPE "CaseStatus_old";
ALTER TABLE "surgical_cases" ALTER COLUMN "status" SET DEFAULT 'REQUESTED';
