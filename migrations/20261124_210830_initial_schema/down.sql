-- DropTrigger
DROP TRIGGER IF EXISTS "ehrdb_immutable_row" ON "domain_events";
DROP TRIGGER IF EXISTS "ehrdb_immutable_truncate" ON "domain_events";

-- DropTrigger
DROP TRIGGER IF EXISTS "ehrdb_immutable_row" ON "data_access_logs";
DROP TRIGGER IF EXISTS "ehrdb_immutable_truncate" ON "data_access_logs";

-- DropTrigger
DROP TRIGGER IF EXISTS "ehrdb_immutable_row" ON "clinical_notes";
DROP TRIGGER IF EXISTS "ehrdb_immutable_truncate" ON "clinical_notes";

-- DropTrigger
DROP TRIGGER IF EXISTS "ehrdb_immutable_row" ON "case_status_histories";
DROP TRIGGER IF EXISTS "ehrdb_immutable_truncate" ON "case_status_histories";

-- DropForeignKey
ALTER TABLE "vital_signs" DROP CONSTRAINT "vital_signs_recorded_by_id_fkey";

-- DropForeignKey
ALTER TABLE "vital_signs" DROP CONSTRAINT "vital_signs_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "vital_signs" DROP CONSTRAINT "vital_signs_encounter_id_fkey";

-- DropForeignKey
ALTER TABLE "vital_signs" DROP CONSTRAINT "vital_signs_case_id_fkey";

-- DropForeignKey
ALTER TABLE "users" DROP CONSTRAINT "users_department_id_fkey";

-- DropForeignKey
ALTER TABLE "user_sessions" DROP CONSTRAINT "user_sessions_user_id_fkey";

-- DropForeignKey
ALTER TABLE "user_roles" DROP CONSTRAINT "user_roles_user_id_fkey";

-- DropForeignKey
ALTER TABLE "user_roles" DROP CONSTRAINT "user_roles_role_id_fkey";

-- DropForeignKey
ALTER TABLE "user_roles" DROP CONSTRAINT "user_roles_granted_by_id_fkey";

-- DropForeignKey
ALTER TABLE "theatres" DROP CONSTRAINT "theatres_department_id_fkey";

-- DropForeignKey
ALTER TABLE "theatre_bookings" DROP CONSTRAINT "theatre_bookings_theatre_id_fkey";

-- DropForeignKey
ALTER TABLE "theatre_bookings" DROP CONSTRAINT "theatre_bookings_case_id_fkey";

-- DropForeignKey
ALTER TABLE "surgical_cases" DROP CONSTRAINT "surgical_cases_updated_by_id_fkey";

-- DropForeignKey
ALTER TABLE "surgical_cases" DROP CONSTRAINT "surgical_cases_theatre_id_fkey";

-- DropForeignKey
ALTER TABLE "surgical_cases" DROP CONSTRAINT "surgical_cases_primary_surgeon_id_fkey";

-- DropForeignKey
ALTER TABLE "surgical_cases" DROP CONSTRAINT "surgical_cases_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "surgical_cases" DROP CONSTRAINT "surgical_cases_encounter_id_fkey";

-- DropForeignKey
ALTER TABLE "surgical_cases" DROP CONSTRAINT "surgical_cases_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "stock_movements" DROP CONSTRAINT "stock_movements_performed_by_id_fkey";

-- DropForeignKey
ALTER TABLE "stock_movements" DROP CONSTRAINT "stock_movements_location_id_fkey";

-- DropForeignKey
ALTER TABLE "stock_movements" DROP CONSTRAINT "stock_movements_item_id_fkey";

-- DropForeignKey
ALTER TABLE "stock_movements" DROP CONSTRAINT "stock_movements_case_id_fkey";

-- DropForeignKey
ALTER TABLE "stock_locations" DROP CONSTRAINT "stock_locations_facility_id_fkey";

-- DropForeignKey
ALTER TABLE "stock_locations" DROP CONSTRAINT "stock_locations_department_id_fkey";

-- DropForeignKey
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_location_id_fkey";

-- DropForeignKey
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_item_id_fkey";

-- DropForeignKey
ALTER TABLE "role_permissions" DROP CONSTRAINT "role_permissions_role_id_fkey";

-- DropForeignKey
ALTER TABLE "role_permissions" DROP CONSTRAINT "role_permissions_permission_id_fkey";

-- DropForeignKey
ALTER TABLE "record_merge_histories" DROP CONSTRAINT "record_merge_histories_surviving_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "record_merge_histories" DROP CONSTRAINT "record_merge_histories_merged_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "record_merge_histories" DROP CONSTRAINT "record_merge_histories_merged_by_id_fkey";

-- DropForeignKey
ALTER TABLE "purchase_orders" DROP CONSTRAINT "purchase_orders_supplier_id_fkey";

-- DropForeignKey
ALTER TABLE "purchase_orders" DROP CONSTRAINT "purchase_orders_facility_id_fkey";

-- DropForeignKey
ALTER TABLE "purchase_orders" DROP CONSTRAINT "purchase_orders_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "purchase_order_lines" DROP CONSTRAINT "purchase_order_lines_purchase_order_id_fkey";

-- DropForeignKey
ALTER TABLE "purchase_order_lines" DROP CONSTRAINT "purchase_order_lines_item_id_fkey";

-- DropForeignKey
ALTER TABLE "payments" DROP CONSTRAINT "payments_recorded_by_id_fkey";

-- DropForeignKey
ALTER TABLE "payments" DROP CONSTRAINT "payments_payer_id_fkey";

-- DropForeignKey
ALTER TABLE "payments" DROP CONSTRAINT "payments_invoice_id_fkey";

-- DropForeignKey
ALTER TABLE "patients" DROP CONSTRAINT "patients_updated_by_id_fkey";

-- DropForeignKey
ALTER TABLE "patients" DROP CONSTRAINT "patients_registered_facility_id_fkey";

-- DropForeignKey
ALTER TABLE "patients" DROP CONSTRAINT "patients_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "patient_identifiers" DROP CONSTRAINT "patient_identifiers_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_updated_by_id_fkey";

-- DropForeignKey
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_encounter_id_fkey";

-- DropForeignKey
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_case_id_fkey";

-- DropForeignKey
ALTER TABLE "invoice_lines" DROP CONSTRAINT "invoice_lines_procedure_id_fkey";

-- DropForeignKey
ALTER TABLE "invoice_lines" DROP CONSTRAINT "invoice_lines_invoice_id_fkey";

-- DropForeignKey
ALTER TABLE "invoice_lines" DROP CONSTRAINT "invoice_lines_inventory_item_id_fkey";

-- DropForeignKey
ALTER TABLE "inventory_items" DROP CONSTRAINT "inventory_items_supplier_id_fkey";

-- DropForeignKey
ALTER TABLE "insurance_policies" DROP CONSTRAINT "insurance_policies_payer_id_fkey";

-- DropForeignKey
ALTER TABLE "insurance_policies" DROP CONSTRAINT "insurance_policies_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "implant_usages" DROP CONSTRAINT "implant_usages_recorded_by_id_fkey";

-- DropForeignKey
ALTER TABLE "implant_usages" DROP CONSTRAINT "implant_usages_item_id_fkey";

-- DropForeignKey
ALTER TABLE "implant_usages" DROP CONSTRAINT "implant_usages_case_id_fkey";

-- DropForeignKey
ALTER TABLE "encounters" DROP CONSTRAINT "encounters_updated_by_id_fkey";

-- DropForeignKey
ALTER TABLE "encounters" DROP CONSTRAINT "encounters_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "encounters" DROP CONSTRAINT "encounters_department_id_fkey";

-- DropForeignKey
ALTER TABLE "encounters" DROP CONSTRAINT "encounters_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "encounters" DROP CONSTRAINT "encounters_attending_id_fkey";

-- DropForeignKey
ALTER TABLE "diagnoses" DROP CONSTRAINT "diagnoses_updated_by_id_fkey";

-- DropForeignKey
ALTER TABLE "diagnoses" DROP CONSTRAINT "diagnoses_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "diagnoses" DROP CONSTRAINT "diagnoses_encounter_id_fkey";

-- DropForeignKey
ALTER TABLE "diagnoses" DROP CONSTRAINT "diagnoses_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "departments" DROP CONSTRAINT "departments_facility_id_fkey";

-- DropForeignKey
ALTER TABLE "data_access_logs" DROP CONSTRAINT "data_access_logs_user_id_fkey";

-- DropForeignKey
ALTER TABLE "data_access_logs" DROP CONSTRAINT "data_access_logs_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_witnesses" DROP CONSTRAINT "consent_witnesses_witness_user_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_witnesses" DROP CONSTRAINT "consent_witnesses_consent_form_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_withdrawals" DROP CONSTRAINT "consent_withdrawals_recorded_by_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_withdrawals" DROP CONSTRAINT "consent_withdrawals_consent_form_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_signatures" DROP CONSTRAINT "consent_signatures_signer_user_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_signatures" DROP CONSTRAINT "consent_signatures_consent_form_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_forms" DROP CONSTRAINT "consent_forms_updated_by_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_forms" DROP CONSTRAINT "consent_forms_template_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_forms" DROP CONSTRAINT "consent_forms_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_forms" DROP CONSTRAINT "consent_forms_obtained_by_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_forms" DROP CONSTRAINT "consent_forms_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "consent_forms" DROP CONSTRAINT "consent_forms_case_id_fkey";

-- DropForeignKey
ALTER TABLE "clinical_notes" DROP CONSTRAINT "clinical_notes_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "clinical_notes" DROP CONSTRAINT "clinical_notes_encounter_id_fkey";

-- DropForeignKey
ALTER TABLE "clinical_notes" DROP CONSTRAINT "clinical_notes_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "clinical_notes" DROP CONSTRAINT "clinical_notes_case_id_fkey";

-- DropForeignKey
ALTER TABLE "clinical_notes" DROP CONSTRAINT "clinical_notes_amended_by_id_fkey";

-- DropForeignKey
ALTER TABLE "claims" DROP CONSTRAINT "claims_policy_id_fkey";

-- DropForeignKey
ALTER TABLE "claims" DROP CONSTRAINT "claims_invoice_id_fkey";

-- DropForeignKey
ALTER TABLE "case_team_members" DROP CONSTRAINT "case_team_members_user_id_fkey";

-- DropForeignKey
ALTER TABLE "case_team_members" DROP CONSTRAINT "case_team_members_case_id_fkey";

-- DropForeignKey
ALTER TABLE "case_status_histories" DROP CONSTRAINT "case_status_histories_changed_by_id_fkey";

-- DropForeignKey
ALTER TABLE "case_status_histories" DROP CONSTRAINT "case_status_histories_case_id_fkey";

-- DropForeignKey
ALTER TABLE "case_procedures" DROP CONSTRAINT "case_procedures_procedure_id_fkey";

-- DropForeignKey
ALTER TABLE "case_procedures" DROP CONSTRAINT "case_procedures_case_id_fkey";

-- DropForeignKey
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_owner_id_fkey";

-- DropForeignKey
ALTER TABLE "anaesthesia_records" DROP CONSTRAINT "anaesthesia_records_case_id_fkey";

-- DropForeignKey
ALTER TABLE "anaesthesia_records" DROP CONSTRAINT "anaesthesia_records_anaesthetist_id_fkey";

-- DropForeignKey
ALTER TABLE "allergies" DROP CONSTRAINT "allergies_updated_by_id_fkey";

-- DropForeignKey
ALTER TABLE "allergies" DROP CONSTRAINT "allergies_patient_id_fkey";

-- DropForeignKey
ALTER TABLE "allergies" DROP CONSTRAINT "allergies_created_by_id_fkey";

-- DropForeignKey
ALTER TABLE "_TheatreQualifiedStaff" DROP CONSTRAINT "_TheatreQualifiedStaff_B_fkey";

-- DropForeignKey
ALTER TABLE "_TheatreQualifiedStaff" DROP CONSTRAINT "_TheatreQualifiedStaff_A_fkey";

-- DropForeignKey
ALTER TABLE "_ProcedureToProcedureTag" DROP CONSTRAINT "_ProcedureToProcedureTag_B_fkey";

-- DropForeignKey
ALTER TABLE "_ProcedureToProcedureTag" DROP CONSTRAINT "_ProcedureToProcedureTag_A_fkey";

-- DropIndex
DROP INDEX "vital_signs_recorded_by_id_idx";

-- DropIndex
DROP INDEX "vital_signs_patient_id_recorded_at_idx";

-- DropIndex
DROP INDEX "vital_signs_encounter_id_idx";

-- DropIndex
DROP INDEX "vital_signs_case_id_recorded_at_idx";

-- DropIndex
DROP INDEX "users_username_key";

-- DropIndex
DROP INDEX "users_professional_reg_no_key";

-- DropIndex
DROP INDEX "users_email_key";

-- DropIndex
DROP INDEX "users_department_id_idx";

-- DropIndex
DROP INDEX "user_sessions_user_id_expires_at_idx";

-- DropIndex
DROP INDEX "user_sessions_token_hash_key";

-- DropIndex
DROP INDEX "user_roles_role_id_idx";

-- DropIndex
DROP INDEX "user_roles_granted_by_id_idx";

-- DropIndex
DROP INDEX "theatres_department_id_code_key";

-- DropIndex
DROP INDEX "theatre_bookings_theatre_id_starts_at_idx";

-- DropIndex
DROP INDEX "theatre_bookings_case_id_key";

-- DropIndex
DROP INDEX "surgical_cases_updated_by_id_idx";

-- DropIndex
DROP INDEX "surgical_cases_theatre_id_scheduled_start_idx";

-- DropIndex
DROP INDEX "surgical_cases_status_scheduled_start_idx";

-- DropIndex
DROP INDEX "surgical_cases_primary_surgeon_id_scheduled_start_idx";

-- DropIndex
DROP INDEX "surgical_cases_patient_id_scheduled_start_idx";

-- DropIndex
DROP INDEX "surgical_cases_encounter_id_idx";

-- DropIndex
DROP INDEX "surgical_cases_created_by_id_idx";

-- DropIndex
DROP INDEX "surgical_cases_case_number_key";

-- DropIndex
DROP INDEX "suppliers_code_key";

-- DropIndex
DROP INDEX "stock_movements_performed_by_id_idx";

-- DropIndex
DROP INDEX "stock_movements_location_id_occurred_at_idx";

-- DropIndex
DROP INDEX "stock_movements_item_id_occurred_at_idx";

-- DropIndex
DROP INDEX "stock_movements_case_id_idx";

-- DropIndex
DROP INDEX "stock_locations_facility_id_code_key";

-- DropIndex
DROP INDEX "stock_locations_department_id_idx";

-- DropIndex
DROP INDEX "stock_levels_location_id_idx";

-- DropIndex
DROP INDEX "roles_key_key";

-- DropIndex
DROP INDEX "role_permissions_permission_id_idx";

-- DropIndex
DROP INDEX "record_merge_histories_surviving_patient_id_merged_at_idx";

-- DropIndex
DROP INDEX "record_merge_histories_merged_patient_id_idx";

-- DropIndex
DROP INDEX "record_merge_histories_merged_by_id_idx";

-- DropIndex
DROP INDEX "purchase_orders_supplier_id_ordered_at_idx";

-- DropIndex
DROP INDEX "purchase_orders_order_number_key";

-- DropIndex
DROP INDEX "purchase_orders_facility_id_idx";

-- DropIndex
DROP INDEX "purchase_orders_created_by_id_idx";

-- DropIndex
DROP INDEX "purchase_order_lines_item_id_idx";

-- DropIndex
DROP INDEX "procedures_code_system_code_key";

-- DropIndex
DROP INDEX "procedure_tags_name_key";

-- DropIndex
DROP INDEX "permissions_resource_action_uq";

-- DropIndex
DROP INDEX "payments_recorded_by_id_idx";

-- DropIndex
DROP INDEX "payments_payer_id_idx";

-- DropIndex
DROP INDEX "payments_invoice_id_received_at_idx";

-- DropIndex
DROP INDEX "payers_code_key";

-- DropIndex
DROP INDEX "patients_updated_by_id_idx";

-- DropIndex
DROP INDEX "patients_registered_facility_id_idx";

-- DropIndex
DROP INDEX "patients_mrn_key";

-- DropIndex
DROP INDEX "patients_created_by_id_idx";

-- DropIndex
DROP INDEX "patient_identifiers_system_value_key";

-- DropIndex
DROP INDEX "patient_identifiers_patient_id_idx";

-- DropIndex
DROP INDEX "invoices_updated_by_id_idx";

-- DropIndex
DROP INDEX "invoices_status_due_date_idx";

-- DropIndex
DROP INDEX "invoices_patient_id_issued_at_idx";

-- DropIndex
DROP INDEX "invoices_invoice_number_key";

-- DropIndex
DROP INDEX "invoices_encounter_id_idx";

-- DropIndex
DROP INDEX "invoices_created_by_id_idx";

-- DropIndex
DROP INDEX "invoices_case_id_idx";

-- DropIndex
DROP INDEX "invoice_lines_procedure_id_idx";

-- DropIndex
DROP INDEX "invoice_lines_inventory_item_id_idx";

-- DropIndex
DROP INDEX "inventory_items_supplier_id_idx";

-- DropIndex
DROP INDEX "inventory_items_sku_key";

-- DropIndex
DROP INDEX "inventory_items_gtin_key";

-- DropIndex
DROP INDEX "inventory_items_category_name_idx";

-- DropIndex
DROP INDEX "insurance_policies_payer_id_policy_number_key";

-- DropIndex
DROP INDEX "insurance_policies_patient_id_valid_from_idx";

-- DropIndex
DROP INDEX "implant_usages_recorded_by_id_idx";

-- DropIndex
DROP INDEX "implant_usages_item_id_serial_number_key";

-- DropIndex
DROP INDEX "implant_usages_case_id_idx";

-- DropIndex
DROP INDEX "facilities_code_key";

-- DropIndex
DROP INDEX "encounters_updated_by_id_idx";

-- DropIndex
DROP INDEX "encounters_patient_id_admitted_at_idx";

-- DropIndex
DROP INDEX "encounters_department_id_idx";

-- DropIndex
DROP INDEX "encounters_created_by_id_idx";

-- DropIndex
DROP INDEX "encounters_attending_id_idx";

-- DropIndex
DROP INDEX "domain_events_payload_idx";

-- DropIndex
DROP INDEX "domain_events_event_type_occurred_at_idx";

-- DropIndex
DROP INDEX "domain_events_correlation_id_idx";

-- DropIndex
DROP INDEX "domain_events_aggregate_type_aggregate_id_sequence_key";

-- DropIndex
DROP INDEX "diagnoses_updated_by_id_idx";

-- DropIndex
DROP INDEX "diagnoses_patient_id_onset_date_idx";

-- DropIndex
DROP INDEX "diagnoses_encounter_id_idx";

-- DropIndex
DROP INDEX "diagnoses_created_by_id_idx";

-- DropIndex
DROP INDEX "diagnoses_code_system_code_idx";

-- DropIndex
DROP INDEX "departments_facility_id_code_key";

-- DropIndex
DROP INDEX "data_access_logs_user_id_accessed_at_idx";

-- DropIndex
DROP INDEX "data_access_logs_patient_id_accessed_at_idx";

-- DropIndex
DROP INDEX "consent_witnesses_witness_user_id_idx";

-- DropIndex
DROP INDEX "consent_witnesses_consent_form_id_idx";

-- DropIndex
DROP INDEX "consent_withdrawals_recorded_by_id_idx";

-- DropIndex
DROP INDEX "consent_withdrawals_consent_form_id_key";

-- DropIndex
DROP INDEX "consent_templates_code_version_key";

-- DropIndex
DROP INDEX "consent_signatures_signer_user_id_idx";

-- DropIndex
DROP INDEX "consent_signatures_consent_form_id_signer_role_key";

-- DropIndex
DROP INDEX "consent_forms_updated_by_id_idx";

-- DropIndex
DROP INDEX "consent_forms_template_id_idx";

-- DropIndex
DROP INDEX "consent_forms_patient_id_created_at_idx";

-- DropIndex
DROP INDEX "consent_forms_obtained_by_id_idx";

-- DropIndex
DROP INDEX "consent_forms_created_by_id_idx";

-- DropIndex
DROP INDEX "consent_forms_case_id_idx";

-- DropIndex
DROP INDEX "clinical_notes_patient_id_created_at_idx";

-- DropIndex
DROP INDEX "clinical_notes_encounter_id_idx";

-- DropIndex
DROP INDEX "clinical_notes_created_by_id_idx";

-- DropIndex
DROP INDEX "clinical_notes_case_id_idx";

-- DropIndex
DROP INDEX "clinical_notes_amended_by_id_key";

-- DropIndex
DROP INDEX "claims_policy_id_submitted_at_idx";

-- DropIndex
DROP INDEX "claims_invoice_id_idx";

-- DropIndex
DROP INDEX "claims_claim_number_key";

-- DropIndex
DROP INDEX "case_team_members_user_id_idx";

-- DropIndex
DROP INDEX "case_status_histories_changed_by_id_idx";

-- DropIndex
DROP INDEX "case_status_histories_case_id_changed_at_idx";

-- DropIndex
DROP INDEX "case_procedures_procedure_id_idx";

-- DropIndex
DROP INDEX "api_keys_prefix_key";

-- DropIndex
DROP INDEX "api_keys_owner_id_idx";

-- DropIndex
DROP INDEX "anaesthesia_records_case_id_key";

-- DropIndex
DROP INDEX "anaesthesia_records_anaesthetist_id_idx";

-- DropIndex
DROP INDEX "allergies_updated_by_id_idx";

-- DropIndex
DROP INDEX "allergies_patient_id_substance_key";

-- DropIndex
DROP INDEX "allergies_created_by_id_idx";

-- DropIndex
DROP INDEX "_TheatreQualifiedStaff_B_index";

-- DropIndex
DROP INDEX "_ProcedureToProcedureTag_B_index";

-- DropTable
DROP TABLE "vital_signs";

-- DropTable
DROP TABLE "users";

-- DropTable
DROP TABLE "user_sessions";

-- DropTable
DROP TABLE "user_roles";

-- DropTable
DROP TABLE "theatres";

-- DropTable
DROP TABLE "theatre_bookings";

-- DropTable
DROP TABLE "surgical_cases";

-- DropTable
DROP TABLE "suppliers";

-- DropTable
DROP TABLE "stock_movements";

-- DropTable
DROP TABLE "stock_locations";

-- DropTable
DROP TABLE "stock_levels";

-- DropTable
DROP TABLE "roles";

-- DropTable
DROP TABLE "role_permissions";

-- DropTable
DROP TABLE "record_merge_histories";

-- DropTable
DROP TABLE "purchase_orders";

-- DropTable
DROP TABLE "purchase_order_lines";

-- DropTable
DROP TABLE "projection_checkpoints";

-- DropTable
DROP TABLE "procedures";

-- DropTable
DROP TABLE "procedure_tags";

-- DropTable
DROP TABLE "permissions";

-- DropTable
DROP TABLE "payments";

-- DropTable
DROP TABLE "payers";

-- DropTable
DROP TABLE "patients";

-- DropTable
DROP TABLE "patient_identifiers";

-- DropTable
DROP TABLE "invoices";

-- DropTable
DROP TABLE "invoice_lines";

-- DropTable
DROP TABLE "inventory_items";

-- DropTable
DROP TABLE "insurance_policies";

-- DropTable
DROP TABLE "implant_usages";

-- DropTable
DROP TABLE "facilities";

-- DropTable
DROP TABLE "encounters";

-- DropTable
DROP TABLE "domain_events";

-- DropTable
DROP TABLE "diagnoses";

-- DropTable
DROP TABLE "departments";

-- DropTable
DROP TABLE "data_access_logs";

-- DropTable
DROP TABLE "consent_witnesses";

-- DropTable
DROP TABLE "consent_withdrawals";

-- DropTable
DROP TABLE "consent_templates";

-- DropTable
DROP TABLE "consent_signatures";

-- DropTable
DROP TABLE "consent_forms";

-- DropTable
DROP TABLE "clinical_notes";

-- DropTable
DROP TABLE "claims";

-- DropTable
DROP TABLE "case_team_members";

-- DropTable
DROP TABLE "case_status_histories";

-- DropTable
DROP TABLE "case_procedures";

-- DropTable
DROP TABLE "api_keys";

-- DropTable
DROP TABLE "anaesthesia_records";

-- DropTable
DROP TABLE "allergies";

-- DropTable
DROP TABLE "_TheatreQualifiedStaff";

-- DropTable
DROP TABLE "_ProcedureToProcedureTag";

-- DropEnum
DROP TYPE "UserStatus";

-- DropEnum
DROP TYPE "TeamRole";

-- DropEnum
DROP TYPE "StockMovementType";

-- DropEnum
DROP TYPE "SignerRole";

-- DropEnum
DROP TYPE "Sex";

-- DropEnum
DROP TYPE "Severity";

-- DropEnum
DROP TYPE "PurchaseOrderStatus";

-- DropEnum
DROP TYPE "PaymentMethod";

-- DropEnum
DROP TYPE "PayerType";

-- DropEnum
DROP TYPE "NoteType";

-- DropEnum
DROP TYPE "Laterality";

-- DropEnum
DROP TYPE "ItemCategory";

-- DropEnum
DROP TYPE "InvoiceStatus";

-- DropEnum
DROP TYPE "EncounterType";

-- DropEnum
DROP TYPE "EncounterStatus";

-- DropEnum
DROP TYPE "DiagnosisStatus";

-- DropEnum
DROP TYPE "ConsentStatus";

-- DropEnum
DROP TYPE "ClaimStatus";

-- DropEnum
DROP TYPE "CaseStatus";

-- DropEnum
DROP TYPE "CasePriority";

-- DropEnum
DROP TYPE "AsaClass";

-- DropEnum
DROP TYPE "AnaesthesiaType";

-- DropEnum
DROP TYPE "ActorType";

-- DropEnum
DROP TYPE "AccessAction";

-- DropFunction
DROP FUNCTION IF EXISTS "ehrdb_immutable"();
