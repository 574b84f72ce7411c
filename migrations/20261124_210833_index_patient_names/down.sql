-- DropIndex
DROP INDEX "patients_family_name_given_name_idx";
