-- CreateIndex
CREATE INDEX "patients_family_name_given_name_idx" ON "patients"("family_name", "given_name");
