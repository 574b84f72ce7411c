-- ehrdb:no-transaction

-- CreateIndex
CREATE INDEX CONCURRENTLY "patients_family_name_given_name_idx" ON "patients"("family_name", "given_name");
