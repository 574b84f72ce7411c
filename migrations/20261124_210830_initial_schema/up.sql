-- CreateFunction
CREATE OR REPLACE FUNCTION "ehrdb_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND to_jsonb(OLD) - COALESCE(TG_ARGV, '{}'::text[]) = to_jsonb(NEW) - COALESCE(TG_ARGV, '{}'::text[]) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ehrdb: "%" is immutable: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = CASE
                  WHEN TG_OP = 'UPDATE' AND TG_NARGS > 0
                      THEN 'only these columns may change: ' || array_to_string(TG_ARGV, ', ')
                  ELSE 'rows of this table are never changed or removed; add a new row instead'
              END;
END;
$$;

-- CreateEnum
CREATE TYPE "AccessAction" AS ENUM ('VIEW', 'SEARCH', 'CREATE', 'UPDATE', 'EXPORT', 'PRINT', 'BREAK_GLASS');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('USER', 'SERVICE', 'SYSTEM');

-- CreateEnum
CREATE TYPE "AnaesthesiaType" AS ENUM ('GENERAL', 'REGIONAL', 'SPINAL', 'EPIDURAL', 'LOCAL', 'SEDATION', 'COMBINED');

-- CreateEnum
CREATE TYPE "AsaClass" AS ENUM ('ASA_I', 'ASA_II', 'ASA_III', 'ASA_IV', 'ASA_V', 'ASA_VI');

-- CreateEnum
CREATE TYPE "CasePriority" AS ENUM ('ELECTIVE', 'URGENT', 'EMERGENCY', 'IMMEDIATE');

-- CreateEnum
CREATE TYPE "CaseStatus" AS ENUM ('REQUESTED', 'SCHEDULED', 'CONFIRMED', 'IN_THEATRE', 'RECOVERY', 'COMPLETED', 'ON_HOLD', 'CANCELLED');

-- CreateEnum
CREATE TYPE "ClaimStatus" AS ENUM ('DRAFT', 'SUBMITTED', 'ACKNOWLEDGED', 'APPROVED', 'PARTIALLY_APPROVED', 'DENIED', 'APPEALED', 'PAID');

-- CreateEnum
CREATE TYPE "ConsentStatus" AS ENUM ('DRAFT', 'PENDING_SIGNATURE', 'SIGNED', 'WITHDRAWN', 'EXPIRED');

-- CreateEnum
CREATE TYPE "DiagnosisStatus" AS ENUM ('PROVISIONAL', 'CONFIRMED', 'RESOLVED', 'REFUTED');

-- CreateEnum
CREATE TYPE "EncounterStatus" AS ENUM ('PLANNED', 'IN_PROGRESS', 'FINISHED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "EncounterType" AS ENUM ('OUTPATIENT', 'INPATIENT', 'DAY_CASE', 'EMERGENCY', 'PRE_ASSESSMENT');

-- CreateEnum
CREATE TYPE "InvoiceStatus" AS ENUM ('DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID', 'WRITTEN_OFF');

-- CreateEnum
CREATE TYPE "ItemCategory" AS ENUM ('CONSUMABLE', 'IMPLANT', 'INSTRUMENT', 'MEDICATION', 'DEVICE');

-- CreateEnum
CREATE TYPE "Laterality" AS ENUM ('LEFT', 'RIGHT', 'BILATERAL', 'NOT_APPLICABLE');

-- CreateEnum
CREATE TYPE "NoteType" AS ENUM ('PROGRESS', 'PRE_OPERATIVE', 'OPERATIVE', 'POST_OPERATIVE', 'DISCHARGE', 'ADDENDUM');

-- CreateEnum
CREATE TYPE "PayerType" AS ENUM ('SELF_PAY', 'PRIVATE_INSURER', 'GOVERNMENT', 'EMPLOYER', 'CHARITY');

-- CreateEnum
CREATE TYPE "PaymentMethod" AS ENUM ('CARD', 'BANK_TRANSFER', 'CASH', 'CHEQUE', 'INSURER');

-- CreateEnum
CREATE TYPE "PurchaseOrderStatus" AS ENUM ('DRAFT', 'SUBMITTED', 'PARTIALLY_RECEIVED', 'RECEIVED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('MILD', 'MODERATE', 'SEVERE', 'LIFE_THREATENING');

-- CreateEnum
CREATE TYPE "Sex" AS ENUM ('FEMALE', 'MALE', 'INTERSEX', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "SignerRole" AS ENUM ('PATIENT', 'GUARDIAN', 'ATTORNEY', 'CLINICIAN', 'INTERPRETER');

-- CreateEnum
CREATE TYPE "StockMovementType" AS ENUM ('RECEIPT', 'ISSUE', 'TRANSFER_IN', 'TRANSFER_OUT', 'ADJUSTMENT', 'RETURN', 'WASTE');

-- CreateEnum
CREATE TYPE "TeamRole" AS ENUM ('PRIMARY_SURGEON', 'ASSISTANT_SURGEON', 'ANAESTHETIST', 'ANAESTHETIC_NURSE', 'SCRUB_NURSE', 'CIRCULATING_NURSE', 'ODP', 'PERFUSIONIST');

-- CreateEnum
CREATE TYPE "UserStatus" AS ENUM ('INVITED', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED');

-- CreateTable
CREATE TABLE "_ProcedureToProcedureTag" (
    "A" UUID NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_ProcedureToProcedureTag_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_TheatreQualifiedStaff" (
    "A" UUID NOT NULL,
    "B" UUID NOT NULL,

    CONSTRAINT "_TheatreQualifiedStaff_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "allergies" (
    "id" UUID NOT NULL,
    "patient_id" UUID NOT NULL,
    "substance" VARCHAR(255) NOT NULL,
    "reaction" TEXT,
    "severity" "Severity" NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "created_by_id" UUID NOT NULL,
    "updated_by_id" UUID,

    CONSTRAINT "allergies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "anaesthesia_records" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "anaesthetist_id" UUID NOT NULL,
    "asa_class" "AsaClass" NOT NULL,
    "technique" "AnaesthesiaType" NOT NULL,
    "airway_device" VARCHAR(64),
    "induction_at" TIMESTAMPTZ(6),
    "emergence_at" TIMESTAMPTZ(6),
    "agents" JSONB,
    "complications" TEXT[],
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "anaesthesia_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" VARCHAR(32) NOT NULL,
    "owner_id" UUID NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "prefix" VARCHAR(12) NOT NULL,
    "key_hash" BYTEA NOT NULL,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "last_used_at" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "case_procedures" (
    "case_id" UUID NOT NULL,
    "procedure_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL DEFAULT 1,
    "laterality" "Laterality",
    "notes" TEXT,

    CONSTRAINT "case_procedures_pkey" PRIMARY KEY ("case_id","procedure_id")
);

-- CreateTable
CREATE TABLE "case_status_histories" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "from_status" "CaseStatus",
    "to_status" "CaseStatus" NOT NULL,
    "reason" TEXT,
    "changed_by_id" UUID NOT NULL,
    "changed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "case_status_histories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "case_team_members" (
    "case_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "TeamRole" NOT NULL,
    "joined_at" TIMESTAMPTZ(6),
    "left_at" TIMESTAMPTZ(6),

    CONSTRAINT "case_team_members_pkey" PRIMARY KEY ("case_id","user_id","role")
);

-- CreateTable
CREATE TABLE "claims" (
    "id" UUID NOT NULL,
    "claim_number" VARCHAR(64) NOT NULL,
    "invoice_id" UUID NOT NULL,
    "policy_id" UUID NOT NULL,
    "status" "ClaimStatus" NOT NULL DEFAULT 'DRAFT',
    "claimed_amount" DECIMAL(10,2) NOT NULL,
    "approved_amount" DECIMAL(10,2),
    "submitted_at" TIMESTAMPTZ(6),
    "adjudicated_at" TIMESTAMPTZ(6),
    "denial_reason" TEXT,
    "payer_response" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "claims_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clinical_notes" (
    "id" UUID NOT NULL,
    "patient_id" UUID NOT NULL,
    "encounter_id" UUID,
    "case_id" UUID,
    "note_type" "NoteType" NOT NULL,
    "title" VARCHAR(255) NOT NULL,
    "body" TEXT NOT NULL,
    "amended_by_id" UUID,
    "signed_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by_id" UUID NOT NULL,

    CONSTRAINT "clinical_notes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_forms" (
    "id" UUID NOT NULL,
    "patient_id" UUID NOT NULL,
    "case_id" UUID,
    "template_id" UUID NOT NULL,
    "status" "ConsentStatus" NOT NULL DEFAULT 'DRAFT',
    "procedure_description" TEXT NOT NULL,
    "risks_discussed" TEXT[],
    "alternatives_discussed" TEXT,
    "obtained_by_id" UUID NOT NULL,
    "signed_at" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "created_by_id" UUID NOT NULL,
    "updated_by_id" UUID,

    CONSTRAINT "consent_forms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_signatures" (
    "id" UUID NOT NULL,
    "consent_form_id" UUID NOT NULL,
    "signer_role" "SignerRole" NOT NULL,
    "signer_name" VARCHAR(255) NOT NULL,
    "signer_user_id" UUID,
    "signature_image" BYTEA,
    "signature_hash" CHAR(64) NOT NULL,
    "ip_address" INET,
    "signed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_signatures_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_templates" (
    "id" UUID NOT NULL,
    "code" VARCHAR(32) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "title" VARCHAR(255) NOT NULL,
    "body" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_withdrawals" (
    "id" UUID NOT NULL,
    "consent_form_id" UUID NOT NULL,
    "recorded_by_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "is_verbal" BOOLEAN NOT NULL DEFAULT false,
    "withdrawn_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_withdrawals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_witnesses" (
    "id" UUID NOT NULL,
    "consent_form_id" UUID NOT NULL,
    "witness_user_id" UUID,
    "witness_name" VARCHAR(255) NOT NULL,
    "relationship" VARCHAR(64),
    "witnessed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_witnesses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "data_access_logs" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "patient_id" UUID,
    "action" "AccessAction" NOT NULL,
    "resource_type" VARCHAR(64) NOT NULL,
    "resource_id" VARCHAR(64),
    "accessed_phi" BOOLEAN NOT NULL DEFAULT false,
    "purpose" VARCHAR(64),
    "ip_address" INET,
    "user_agent" VARCHAR(512),
    "session_id" UUID,
    "accessed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "data_access_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "departments" (
    "id" UUID NOT NULL,
    "facility_id" UUID NOT NULL,
    "code" VARCHAR(16) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "specialty" VARCHAR(64),
    "cost_centre" VARCHAR(32),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "departments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "diagnoses" (
    "id" UUID NOT NULL,
    "patient_id" UUID NOT NULL,
    "encounter_id" UUID,
    "code" VARCHAR(16) NOT NULL,
    "code_system" VARCHAR(16) NOT NULL DEFAULT 'ICD-10',
    "description" VARCHAR(512) NOT NULL,
    "status" "DiagnosisStatus" NOT NULL DEFAULT 'PROVISIONAL',
    "is_primary" BOOLEAN NOT NULL DEFAULT false,
    "laterality" "Laterality",
    "onset_date" DATE,
    "resolved_date" DATE,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "created_by_id" UUID NOT NULL,
    "updated_by_id" UUID,

    CONSTRAINT "diagnoses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "domain_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "aggregate_type" VARCHAR(64) NOT NULL,
    "aggregate_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "event_type" VARCHAR(128) NOT NULL,
    "schema_version" INTEGER NOT NULL DEFAULT 1,
    "payload" JSONB NOT NULL,
    "metadata" JSONB,
    "correlation_id" UUID NOT NULL,
    "causation_id" UUID,
    "actor_type" "ActorType" NOT NULL DEFAULT 'USER',
    "actor_id" VARCHAR(64),
    "content_hash" CHAR(64) NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "domain_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "encounters" (
    "id" UUID NOT NULL,
    "patient_id" UUID NOT NULL,
    "department_id" UUID,
    "attending_id" UUID,
    "type" "EncounterType" NOT NULL,
    "status" "EncounterStatus" NOT NULL DEFAULT 'PLANNED',
    "admitted_at" TIMESTAMPTZ(6) NOT NULL,
    "discharged_at" TIMESTAMPTZ(6),
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "created_by_id" UUID NOT NULL,
    "updated_by_id" UUID,

    CONSTRAINT "encounters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "facilities" (
    "id" UUID NOT NULL,
    "code" VARCHAR(16) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "timezone" VARCHAR(64) NOT NULL DEFAULT 'Europe/London',
    "address_lines" TEXT[],
    "country_code" CHAR(2) NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "facilities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "implant_usages" (
    "id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "lot_number" VARCHAR(64) NOT NULL,
    "serial_number" VARCHAR(64),
    "udi" VARCHAR(255),
    "site" VARCHAR(128),
    "laterality" "Laterality",
    "implanted_at" TIMESTAMPTZ(6) NOT NULL,
    "explanted_at" TIMESTAMPTZ(6),
    "recorded_by_id" UUID NOT NULL,

    CONSTRAINT "implant_usages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "insurance_policies" (
    "id" UUID NOT NULL,
    "patient_id" UUID NOT NULL,
    "payer_id" UUID NOT NULL,
    "policy_number" VARCHAR(64) NOT NULL,
    "group_number" VARCHAR(64),
    "valid_from" DATE NOT NULL,
    "valid_to" DATE,
    "is_primary" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "insurance_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory_items" (
    "id" UUID NOT NULL,
    "sku" VARCHAR(64) NOT NULL,
    "gtin" VARCHAR(14),
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "category" "ItemCategory" NOT NULL,
    "unit_of_measure" VARCHAR(16) NOT NULL DEFAULT 'EA',
    "unit_cost" DECIMAL(10,2),
    "is_implant" BOOLEAN NOT NULL DEFAULT false,
    "requires_lot_tracking" BOOLEAN NOT NULL DEFAULT false,
    "supplier_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "inventory_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice_lines" (
    "invoice_id" UUID NOT NULL,
    "line_no" INTEGER NOT NULL,
    "description" VARCHAR(512) NOT NULL,
    "procedure_id" UUID,
    "inventory_item_id" UUID,
    "quantity" DECIMAL(10,2) NOT NULL DEFAULT 1,
    "unit_price" DECIMAL(10,2) NOT NULL,
    "amount" DECIMAL(10,2) NOT NULL,

    CONSTRAINT "invoice_lines_pkey" PRIMARY KEY ("invoice_id","line_no")
);

-- CreateTable
CREATE TABLE "invoices" (
    "id" UUID NOT NULL,
    "invoice_number" VARCHAR(32) NOT NULL,
    "patient_id" UUID NOT NULL,
    "case_id" UUID,
    "encounter_id" UUID,
    "status" "InvoiceStatus" NOT NULL DEFAULT 'DRAFT',
    "currency" CHAR(3) NOT NULL DEFAULT 'GBP',
    "subtotal" DECIMAL(10,2) NOT NULL DEFAULT 0,
    "tax_amount" DECIMAL(10,2) NOT NULL DEFAULT 0,
    "total_amount" DECIMAL(10,2) NOT NULL DEFAULT 0,
    "issued_at" TIMESTAMPTZ(6),
    "due_date" DATE,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "created_by_id" UUID NOT NULL,
    "updated_by_id" UUID,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "patient_identifiers" (
    "id" UUID NOT NULL,
    "patient_id" UUID NOT NULL,
    "system" VARCHAR(128) NOT NULL,
    "value" VARCHAR(64) NOT NULL,
    "is_primary" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "patient_identifiers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "patients" (
    "id" UUID NOT NULL,
    "mrn" VARCHAR(32) NOT NULL,
    "registered_facility_id" UUID NOT NULL,
    "given_name" VARCHAR(128) NOT NULL,
    "middle_names" VARCHAR(128),
    "family_name" VARCHAR(128) NOT NULL,
    "date_of_birth" DATE NOT NULL,
    "sex" "Sex" NOT NULL DEFAULT 'UNKNOWN',
    "blood_type" VARCHAR(3),
    "phone" VARCHAR(32),
    "legacy_mrn" VARCHAR(32),
    "email" VARCHAR(255),
    "preferred_language" CHAR(3),
    "is_deceased" BOOLEAN NOT NULL DEFAULT false,
    "deceased_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "created_by_id" UUID NOT NULL,
    "updated_by_id" UUID,

    CONSTRAINT "patients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payers" (
    "id" UUID NOT NULL,
    "code" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "payer_type" "PayerType" NOT NULL,
    "contact_email" VARCHAR(255),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "payers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" UUID NOT NULL,
    "invoice_id" UUID NOT NULL,
    "payer_id" UUID,
    "amount" DECIMAL(10,2) NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'GBP',
    "method" "PaymentMethod" NOT NULL,
    "reference" VARCHAR(64),
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recorded_by_id" UUID NOT NULL,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "permissions" (
    "id" SERIAL NOT NULL,
    "resource" VARCHAR(64) NOT NULL,
    "action" VARCHAR(32) NOT NULL,
    "description" TEXT,

    CONSTRAINT "permissions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "procedure_tags" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(64) NOT NULL,

    CONSTRAINT "procedure_tags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "procedures" (
    "id" UUID NOT NULL,
    "code" VARCHAR(16) NOT NULL,
    "code_system" VARCHAR(16) NOT NULL DEFAULT 'OPCS-4',
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "default_duration_min" INTEGER,
    "base_price" DECIMAL(10,2),
    "is_active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "procedures_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "projection_checkpoints" (
    "projection" VARCHAR(128) NOT NULL,
    "last_event_id" UUID,
    "last_occurred_at" TIMESTAMPTZ(6),
    "events_processed" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "projection_checkpoints_pkey" PRIMARY KEY ("projection")
);

-- CreateTable
CREATE TABLE "purchase_order_lines" (
    "purchase_order_id" UUID NOT NULL,
    "line_no" INTEGER NOT NULL,
    "item_id" UUID NOT NULL,
    "quantity_ordered" INTEGER NOT NULL,
    "quantity_received" INTEGER NOT NULL DEFAULT 0,
    "unit_cost" DECIMAL(10,2) NOT NULL,

    CONSTRAINT "purchase_order_lines_pkey" PRIMARY KEY ("purchase_order_id","line_no")
);

-- CreateTable
CREATE TABLE "purchase_orders" (
    "id" UUID NOT NULL,
    "order_number" VARCHAR(32) NOT NULL,
    "supplier_id" UUID NOT NULL,
    "facility_id" UUID NOT NULL,
    "status" "PurchaseOrderStatus" NOT NULL DEFAULT 'DRAFT',
    "currency" CHAR(3) NOT NULL DEFAULT 'GBP',
    "total_amount" DECIMAL(10,2) NOT NULL DEFAULT 0,
    "ordered_at" TIMESTAMPTZ(6),
    "expected_on" DATE,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "purchase_orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "record_merge_histories" (
    "id" UUID NOT NULL,
    "surviving_patient_id" UUID NOT NULL,
    "merged_patient_id" UUID NOT NULL,
    "merged_by_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "snapshot" JSONB NOT NULL,
    "merged_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "record_merge_histories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "role_permissions" (
    "role_id" INTEGER NOT NULL,
    "permission_id" INTEGER NOT NULL,
    "granted_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_permissions_pkey" PRIMARY KEY ("role_id","permission_id")
);

-- CreateTable
CREATE TABLE "roles" (
    "id" SERIAL NOT NULL,
    "key" VARCHAR(64) NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "description" TEXT,
    "is_system" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "roles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_levels" (
    "item_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "quantity_on_hand" INTEGER NOT NULL DEFAULT 0,
    "reorder_level" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "stock_levels_pkey" PRIMARY KEY ("item_id","location_id")
);

-- CreateTable
CREATE TABLE "stock_locations" (
    "id" UUID NOT NULL,
    "facility_id" UUID NOT NULL,
    "department_id" UUID,
    "code" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "is_sterile" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "stock_locations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_movements" (
    "id" BIGSERIAL NOT NULL,
    "item_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "type" "StockMovementType" NOT NULL,
    "quantity" INTEGER NOT NULL,
    "lot_number" VARCHAR(64),
    "case_id" UUID,
    "performed_by_id" UUID NOT NULL,
    "note" VARCHAR(512),
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_movements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "suppliers" (
    "id" UUID NOT NULL,
    "code" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "email" VARCHAR(255),
    "phone" VARCHAR(32),
    "vat_number" VARCHAR(32),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "suppliers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "surgical_cases" (
    "id" UUID NOT NULL,
    "case_number" VARCHAR(32) NOT NULL,
    "patient_id" UUID NOT NULL,
    "encounter_id" UUID,
    "theatre_id" UUID,
    "primary_surgeon_id" UUID NOT NULL,
    "status" "CaseStatus" NOT NULL DEFAULT 'REQUESTED',
    "priority" "CasePriority" NOT NULL DEFAULT 'ELECTIVE',
    "laterality" "Laterality",
    "planned_procedure" VARCHAR(512) NOT NULL,
    "estimated_duration_min" INTEGER,
    "scheduled_start" TIMESTAMPTZ(6),
    "actual_start" TIMESTAMPTZ(6),
    "actual_end" TIMESTAMPTZ(6),
    "cancellation_reason" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "created_by_id" UUID NOT NULL,
    "updated_by_id" UUID,

    CONSTRAINT "surgical_cases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "theatre_bookings" (
    "id" UUID NOT NULL,
    "theatre_id" UUID NOT NULL,
    "case_id" UUID NOT NULL,
    "starts_at" TIMESTAMPTZ(6) NOT NULL,
    "ends_at" TIMESTAMPTZ(6) NOT NULL,
    "is_tentative" BOOLEAN NOT NULL DEFAULT false,
    "notes" VARCHAR(1000),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "theatre_bookings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "theatres" (
    "id" UUID NOT NULL,
    "department_id" UUID NOT NULL,
    "code" VARCHAR(16) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "has_laminar_flow" BOOLEAN NOT NULL DEFAULT false,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "theatres_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_roles" (
    "user_id" UUID NOT NULL,
    "role_id" INTEGER NOT NULL,
    "granted_by_id" UUID,
    "granted_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6),

    CONSTRAINT "user_roles_pkey" PRIMARY KEY ("user_id","role_id")
);

-- CreateTable
CREATE TABLE "user_sessions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "ip_address" INET,
    "user_agent" VARCHAR(512),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "revoked_at" TIMESTAMPTZ(6),

    CONSTRAINT "user_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" VARCHAR(255) NOT NULL,
    "username" VARCHAR(64) NOT NULL,
    "display_name" VARCHAR(255) NOT NULL,
    "password_hash" TEXT,
    "professional_reg_no" VARCHAR(32),
    "status" "UserStatus" NOT NULL DEFAULT 'INVITED',
    "mfa_enabled" BOOLEAN NOT NULL DEFAULT false,
    "department_id" UUID,
    "last_login_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vital_signs" (
    "id" UUID NOT NULL,
    "patient_id" UUID NOT NULL,
    "encounter_id" UUID,
    "case_id" UUID,
    "recorded_by_id" UUID NOT NULL,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heart_rate" INTEGER,
    "systolic_bp" INTEGER,
    "diastolic_bp" INTEGER,
    "respiratory_rate" INTEGER,
    "spo2" INTEGER,
    "temperature_c" DECIMAL(4,1),
    "weight_kg" DECIMAL(5,2),
    "source" VARCHAR(32) NOT NULL DEFAULT 'manual',

    CONSTRAINT "vital_signs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "_ProcedureToProcedureTag_B_index" ON "_ProcedureToProcedureTag"("B");

-- CreateIndex
CREATE INDEX "_TheatreQualifiedStaff_B_index" ON "_TheatreQualifiedStaff"("B");

-- CreateIndex
CREATE INDEX "allergies_created_by_id_idx" ON "allergies"("created_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "allergies_patient_id_substance_key" ON "allergies"("patient_id", "substance");

-- CreateIndex
CREATE INDEX "allergies_updated_by_id_idx" ON "allergies"("updated_by_id");

-- CreateIndex
CREATE INDEX "anaesthesia_records_anaesthetist_id_idx" ON "anaesthesia_records"("anaesthetist_id");

-- CreateIndex
CREATE UNIQUE INDEX "anaesthesia_records_case_id_key" ON "anaesthesia_records"("case_id");

-- CreateIndex
CREATE INDEX "api_keys_owner_id_idx" ON "api_keys"("owner_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "case_procedures_procedure_id_idx" ON "case_procedures"("procedure_id");

-- CreateIndex
CREATE INDEX "case_status_histories_case_id_changed_at_idx" ON "case_status_histories"("case_id", "changed_at");

-- CreateIndex
CREATE INDEX "case_status_histories_changed_by_id_idx" ON "case_status_histories"("changed_by_id");

-- CreateIndex
CREATE INDEX "case_team_members_user_id_idx" ON "case_team_members"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "claims_claim_number_key" ON "claims"("claim_number");

-- CreateIndex
CREATE INDEX "claims_invoice_id_idx" ON "claims"("invoice_id");

-- CreateIndex
CREATE INDEX "claims_policy_id_submitted_at_idx" ON "claims"("policy_id", "submitted_at");

-- CreateIndex
CREATE UNIQUE INDEX "clinical_notes_amended_by_id_key" ON "clinical_notes"("amended_by_id");

-- CreateIndex
CREATE INDEX "clinical_notes_case_id_idx" ON "clinical_notes"("case_id");

-- CreateIndex
CREATE INDEX "clinical_notes_created_by_id_idx" ON "clinical_notes"("created_by_id");

-- CreateIndex
CREATE INDEX "clinical_notes_encounter_id_idx" ON "clinical_notes"("encounter_id");

-- CreateIndex
CREATE INDEX "clinical_notes_patient_id_created_at_idx" ON "clinical_notes"("patient_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "consent_forms_case_id_idx" ON "consent_forms"("case_id");

-- CreateIndex
CREATE INDEX "consent_forms_created_by_id_idx" ON "consent_forms"("created_by_id");

-- CreateIndex
CREATE INDEX "consent_forms_obtained_by_id_idx" ON "consent_forms"("obtained_by_id");

-- CreateIndex
CREATE INDEX "consent_forms_patient_id_created_at_idx" ON "consent_forms"("patient_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "consent_forms_template_id_idx" ON "consent_forms"("template_id");

-- CreateIndex
CREATE INDEX "consent_forms_updated_by_id_idx" ON "consent_forms"("updated_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "consent_signatures_consent_form_id_signer_role_key" ON "consent_signatures"("consent_form_id", "signer_role");

-- CreateIndex
CREATE INDEX "consent_signatures_signer_user_id_idx" ON "consent_signatures"("signer_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "consent_templates_code_version_key" ON "consent_templates"("code", "version");

-- CreateIndex
CREATE UNIQUE INDEX "consent_withdrawals_consent_form_id_key" ON "consent_withdrawals"("consent_form_id");

-- CreateIndex
CREATE INDEX "consent_withdrawals_recorded_by_id_idx" ON "consent_withdrawals"("recorded_by_id");

-- CreateIndex
CREATE INDEX "consent_witnesses_consent_form_id_idx" ON "consent_witnesses"("consent_form_id");

-- CreateIndex
CREATE INDEX "consent_witnesses_witness_user_id_idx" ON "consent_witnesses"("witness_user_id");

-- CreateIndex
CREATE INDEX "data_access_logs_patient_id_accessed_at_idx" ON "data_access_logs"("patient_id", "accessed_at" DESC);

-- CreateIndex
CREATE INDEX "data_access_logs_user_id_accessed_at_idx" ON "data_access_logs"("user_id", "accessed_at");

-- CreateIndex
CREATE UNIQUE INDEX "departments_facility_id_code_key" ON "departments"("facility_id", "code");

-- CreateIndex
CREATE INDEX "diagnoses_code_system_code_idx" ON "diagnoses"("code_system", "code");

-- CreateIndex
CREATE INDEX "diagnoses_created_by_id_idx" ON "diagnoses"("created_by_id");

-- CreateIndex
CREATE INDEX "diagnoses_encounter_id_idx" ON "diagnoses"("encounter_id");

-- CreateIndex
CREATE INDEX "diagnoses_patient_id_onset_date_idx" ON "diagnoses"("patient_id", "onset_date");

-- CreateIndex
CREATE INDEX "diagnoses_updated_by_id_idx" ON "diagnoses"("updated_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "domain_events_aggregate_type_aggregate_id_sequence_key" ON "domain_events"("aggregate_type", "aggregate_id", "sequence");

-- CreateIndex
CREATE INDEX "domain_events_correlation_id_idx" ON "domain_events"("correlation_id");

-- CreateIndex
CREATE INDEX "domain_events_event_type_occurred_at_idx" ON "domain_events"("event_type", "occurred_at");

-- CreateIndex
CREATE INDEX "domain_events_payload_idx" ON "domain_events" USING GIN ("payload" jsonb_path_ops);

-- CreateIndex
CREATE INDEX "encounters_attending_id_idx" ON "encounters"("attending_id");

-- CreateIndex
CREATE INDEX "encounters_created_by_id_idx" ON "encounters"("created_by_id");

-- CreateIndex
CREATE INDEX "encounters_department_id_idx" ON "encounters"("department_id");

-- CreateIndex
CREATE INDEX "encounters_patient_id_admitted_at_idx" ON "encounters"("patient_id", "admitted_at" DESC);

-- CreateIndex
CREATE INDEX "encounters_updated_by_id_idx" ON "encounters"("updated_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "facilities_code_key" ON "facilities"("code");

-- CreateIndex
CREATE INDEX "implant_usages_case_id_idx" ON "implant_usages"("case_id");

-- CreateIndex
CREATE UNIQUE INDEX "implant_usages_item_id_serial_number_key" ON "implant_usages"("item_id", "serial_number");

-- CreateIndex
CREATE INDEX "implant_usages_recorded_by_id_idx" ON "implant_usages"("recorded_by_id");

-- CreateIndex
CREATE INDEX "insurance_policies_patient_id_valid_from_idx" ON "insurance_policies"("patient_id", "valid_from");

-- CreateIndex
CREATE UNIQUE INDEX "insurance_policies_payer_id_policy_number_key" ON "insurance_policies"("payer_id", "policy_number");

-- CreateIndex
CREATE INDEX "inventory_items_category_name_idx" ON "inventory_items"("category", "name");

-- CreateIndex
CREATE UNIQUE INDEX "inventory_items_gtin_key" ON "inventory_items"("gtin");

-- CreateIndex
CREATE UNIQUE INDEX "inventory_items_sku_key" ON "inventory_items"("sku");

-- CreateIndex
CREATE INDEX "inventory_items_supplier_id_idx" ON "inventory_items"("supplier_id");

-- CreateIndex
CREATE INDEX "invoice_lines_inventory_item_id_idx" ON "invoice_lines"("inventory_item_id");

-- CreateIndex
CREATE INDEX "invoice_lines_procedure_id_idx" ON "invoice_lines"("procedure_id");

-- CreateIndex
CREATE INDEX "invoices_case_id_idx" ON "invoices"("case_id");

-- CreateIndex
CREATE INDEX "invoices_created_by_id_idx" ON "invoices"("created_by_id");

-- CreateIndex
CREATE INDEX "invoices_encounter_id_idx" ON "invoices"("encounter_id");

-- CreateIndex
CREATE UNIQUE INDEX "invoices_invoice_number_key" ON "invoices"("invoice_number");

-- CreateIndex
CREATE INDEX "invoices_patient_id_issued_at_idx" ON "invoices"("patient_id", "issued_at");

-- CreateIndex
CREATE INDEX "invoices_status_due_date_idx" ON "invoices"("status", "due_date");

-- CreateIndex
CREATE INDEX "invoices_updated_by_id_idx" ON "invoices"("updated_by_id");

-- CreateIndex
CREATE INDEX "patient_identifiers_patient_id_idx" ON "patient_identifiers"("patient_id");

-- CreateIndex
CREATE UNIQUE INDEX "patient_identifiers_system_value_key" ON "patient_identifiers"("system", "value");

-- CreateIndex
CREATE INDEX "patients_created_by_id_idx" ON "patients"("created_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "patients_mrn_key" ON "patients"("mrn");

-- CreateIndex
CREATE INDEX "patients_registered_facility_id_idx" ON "patients"("registered_facility_id");

-- CreateIndex
CREATE INDEX "patients_updated_by_id_idx" ON "patients"("updated_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "payers_code_key" ON "payers"("code");

-- CreateIndex
CREATE INDEX "payments_invoice_id_received_at_idx" ON "payments"("invoice_id", "received_at");

-- CreateIndex
CREATE INDEX "payments_payer_id_idx" ON "payments"("payer_id");

-- CreateIndex
CREATE INDEX "payments_recorded_by_id_idx" ON "payments"("recorded_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "permissions_resource_action_uq" ON "permissions"("resource", "action");

-- CreateIndex
CREATE UNIQUE INDEX "procedure_tags_name_key" ON "procedure_tags"("name");

-- CreateIndex
CREATE UNIQUE INDEX "procedures_code_system_code_key" ON "procedures"("code_system", "code");

-- CreateIndex
CREATE INDEX "purchase_order_lines_item_id_idx" ON "purchase_order_lines"("item_id");

-- CreateIndex
CREATE INDEX "purchase_orders_created_by_id_idx" ON "purchase_orders"("created_by_id");

-- CreateIndex
CREATE INDEX "purchase_orders_facility_id_idx" ON "purchase_orders"("facility_id");

-- CreateIndex
CREATE UNIQUE INDEX "purchase_orders_order_number_key" ON "purchase_orders"("order_number");

-- CreateIndex
CREATE INDEX "purchase_orders_supplier_id_ordered_at_idx" ON "purchase_orders"("supplier_id", "ordered_at");

-- CreateIndex
CREATE INDEX "record_merge_histories_merged_by_id_idx" ON "record_merge_histories"("merged_by_id");

-- CreateIndex
CREATE INDEX "record_merge_histories_merged_patient_id_idx" ON "record_merge_histories"("merged_patient_id");

-- CreateIndex
CREATE INDEX "record_merge_histories_surviving_patient_id_merged_at_idx" ON "record_merge_histories"("surviving_patient_id", "merged_at");

-- CreateIndex
CREATE INDEX "role_permissions_permission_id_idx" ON "role_permissions"("permission_id");

-- CreateIndex
CREATE UNIQUE INDEX "roles_key_key" ON "roles"("key");

-- CreateIndex
CREATE INDEX "stock_levels_location_id_idx" ON "stock_levels"("location_id");

-- CreateIndex
CREATE INDEX "stock_locations_department_id_idx" ON "stock_locations"("department_id");

-- CreateIndex
CREATE UNIQUE INDEX "stock_locations_facility_id_code_key" ON "stock_locations"("facility_id", "code");

-- CreateIndex
CREATE INDEX "stock_movements_case_id_idx" ON "stock_movements"("case_id");

-- CreateIndex
CREATE INDEX "stock_movements_item_id_occurred_at_idx" ON "stock_movements"("item_id", "occurred_at");

-- CreateIndex
CREATE INDEX "stock_movements_location_id_occurred_at_idx" ON "stock_movements"("location_id", "occurred_at");

-- CreateIndex
CREATE INDEX "stock_movements_performed_by_id_idx" ON "stock_movements"("performed_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "suppliers_code_key" ON "suppliers"("code");

-- CreateIndex
CREATE UNIQUE INDEX "surgical_cases_case_number_key" ON "surgical_cases"("case_number");

-- CreateIndex
CREATE INDEX "surgical_cases_created_by_id_idx" ON "surgical_cases"("created_by_id");

-- CreateIndex
CREATE INDEX "surgical_cases_encounter_id_idx" ON "surgical_cases"("encounter_id");

-- CreateIndex
CREATE INDEX "surgical_cases_patient_id_scheduled_start_idx" ON "surgical_cases"("patient_id", "scheduled_start" DESC);

-- CreateIndex
CREATE INDEX "surgical_cases_primary_surgeon_id_scheduled_start_idx" ON "surgical_cases"("primary_surgeon_id", "scheduled_start");

-- CreateIndex
CREATE INDEX "surgical_cases_status_scheduled_start_idx" ON "surgical_cases"("status", "scheduled_start");

-- CreateIndex
CREATE INDEX "surgical_cases_theatre_id_scheduled_start_idx" ON "surgical_cases"("theatre_id", "scheduled_start");

-- CreateIndex
CREATE INDEX "surgical_cases_updated_by_id_idx" ON "surgical_cases"("updated_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "theatre_bookings_case_id_key" ON "theatre_bookings"("case_id");

-- CreateIndex
CREATE INDEX "theatre_bookings_theatre_id_starts_at_idx" ON "theatre_bookings"("theatre_id", "starts_at");

-- CreateIndex
CREATE UNIQUE INDEX "theatres_department_id_code_key" ON "theatres"("department_id", "code");

-- CreateIndex
CREATE INDEX "user_roles_granted_by_id_idx" ON "user_roles"("granted_by_id");

-- CreateIndex
CREATE INDEX "user_roles_role_id_idx" ON "user_roles"("role_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_sessions_token_hash_key" ON "user_sessions"("token_hash");

-- CreateIndex
CREATE INDEX "user_sessions_user_id_expires_at_idx" ON "user_sessions"("user_id", "expires_at");

-- CreateIndex
CREATE INDEX "users_department_id_idx" ON "users"("department_id");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_professional_reg_no_key" ON "users"("professional_reg_no");

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

-- CreateIndex
CREATE INDEX "vital_signs_case_id_recorded_at_idx" ON "vital_signs"("case_id", "recorded_at");

-- CreateIndex
CREATE INDEX "vital_signs_encounter_id_idx" ON "vital_signs"("encounter_id");

-- CreateIndex
CREATE INDEX "vital_signs_patient_id_recorded_at_idx" ON "vital_signs"("patient_id", "recorded_at" DESC);

-- CreateIndex
CREATE INDEX "vital_signs_recorded_by_id_idx" ON "vital_signs"("recorded_by_id");

-- AddForeignKey
ALTER TABLE "_ProcedureToProcedureTag" ADD CONSTRAINT "_ProcedureToProcedureTag_A_fkey" FOREIGN KEY ("A") REFERENCES "procedures"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_ProcedureToProcedureTag" ADD CONSTRAINT "_ProcedureToProcedureTag_B_fkey" FOREIGN KEY ("B") REFERENCES "procedure_tags"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_TheatreQualifiedStaff" ADD CONSTRAINT "_TheatreQualifiedStaff_A_fkey" FOREIGN KEY ("A") REFERENCES "theatres"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_TheatreQualifiedStaff" ADD CONSTRAINT "_TheatreQualifiedStaff_B_fkey" FOREIGN KEY ("B") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allergies" ADD CONSTRAINT "allergies_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allergies" ADD CONSTRAINT "allergies_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allergies" ADD CONSTRAINT "allergies_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "anaesthesia_records" ADD CONSTRAINT "anaesthesia_records_anaesthetist_id_fkey" FOREIGN KEY ("anaesthetist_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "anaesthesia_records" ADD CONSTRAINT "anaesthesia_records_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_procedures" ADD CONSTRAINT "case_procedures_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_procedures" ADD CONSTRAINT "case_procedures_procedure_id_fkey" FOREIGN KEY ("procedure_id") REFERENCES "procedures"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_status_histories" ADD CONSTRAINT "case_status_histories_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_status_histories" ADD CONSTRAINT "case_status_histories_changed_by_id_fkey" FOREIGN KEY ("changed_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_team_members" ADD CONSTRAINT "case_team_members_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_team_members" ADD CONSTRAINT "case_team_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "claims" ADD CONSTRAINT "claims_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "claims" ADD CONSTRAINT "claims_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "insurance_policies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "clinical_notes" ADD CONSTRAINT "clinical_notes_amended_by_id_fkey" FOREIGN KEY ("amended_by_id") REFERENCES "clinical_notes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "clinical_notes" ADD CONSTRAINT "clinical_notes_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "clinical_notes" ADD CONSTRAINT "clinical_notes_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "clinical_notes" ADD CONSTRAINT "clinical_notes_encounter_id_fkey" FOREIGN KEY ("encounter_id") REFERENCES "encounters"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "clinical_notes" ADD CONSTRAINT "clinical_notes_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_forms" ADD CONSTRAINT "consent_forms_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_forms" ADD CONSTRAINT "consent_forms_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_forms" ADD CONSTRAINT "consent_forms_obtained_by_id_fkey" FOREIGN KEY ("obtained_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_forms" ADD CONSTRAINT "consent_forms_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_forms" ADD CONSTRAINT "consent_forms_template_id_fkey" FOREIGN KEY ("template_id") REFERENCES "consent_templates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_forms" ADD CONSTRAINT "consent_forms_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_signatures" ADD CONSTRAINT "consent_signatures_consent_form_id_fkey" FOREIGN KEY ("consent_form_id") REFERENCES "consent_forms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_signatures" ADD CONSTRAINT "consent_signatures_signer_user_id_fkey" FOREIGN KEY ("signer_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_withdrawals" ADD CONSTRAINT "consent_withdrawals_consent_form_id_fkey" FOREIGN KEY ("consent_form_id") REFERENCES "consent_forms"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_withdrawals" ADD CONSTRAINT "consent_withdrawals_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_witnesses" ADD CONSTRAINT "consent_witnesses_consent_form_id_fkey" FOREIGN KEY ("consent_form_id") REFERENCES "consent_forms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_witnesses" ADD CONSTRAINT "consent_witnesses_witness_user_id_fkey" FOREIGN KEY ("witness_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "data_access_logs" ADD CONSTRAINT "data_access_logs_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "data_access_logs" ADD CONSTRAINT "data_access_logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "departments" ADD CONSTRAINT "departments_facility_id_fkey" FOREIGN KEY ("facility_id") REFERENCES "facilities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_encounter_id_fkey" FOREIGN KEY ("encounter_id") REFERENCES "encounters"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "encounters" ADD CONSTRAINT "encounters_attending_id_fkey" FOREIGN KEY ("attending_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "encounters" ADD CONSTRAINT "encounters_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "encounters" ADD CONSTRAINT "encounters_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "departments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "encounters" ADD CONSTRAINT "encounters_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "encounters" ADD CONSTRAINT "encounters_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "implant_usages" ADD CONSTRAINT "implant_usages_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "implant_usages" ADD CONSTRAINT "implant_usages_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "inventory_items"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "implant_usages" ADD CONSTRAINT "implant_usages_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "insurance_policies" ADD CONSTRAINT "insurance_policies_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "insurance_policies" ADD CONSTRAINT "insurance_policies_payer_id_fkey" FOREIGN KEY ("payer_id") REFERENCES "payers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory_items" ADD CONSTRAINT "inventory_items_supplier_id_fkey" FOREIGN KEY ("supplier_id") REFERENCES "suppliers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_inventory_item_id_fkey" FOREIGN KEY ("inventory_item_id") REFERENCES "inventory_items"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_procedure_id_fkey" FOREIGN KEY ("procedure_id") REFERENCES "procedures"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_encounter_id_fkey" FOREIGN KEY ("encounter_id") REFERENCES "encounters"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patient_identifiers" ADD CONSTRAINT "patient_identifiers_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patients" ADD CONSTRAINT "patients_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patients" ADD CONSTRAINT "patients_registered_facility_id_fkey" FOREIGN KEY ("registered_facility_id") REFERENCES "facilities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patients" ADD CONSTRAINT "patients_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_payer_id_fkey" FOREIGN KEY ("payer_id") REFERENCES "payers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "inventory_items"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_purchase_order_id_fkey" FOREIGN KEY ("purchase_order_id") REFERENCES "purchase_orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_facility_id_fkey" FOREIGN KEY ("facility_id") REFERENCES "facilities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_supplier_id_fkey" FOREIGN KEY ("supplier_id") REFERENCES "suppliers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "record_merge_histories" ADD CONSTRAINT "record_merge_histories_merged_by_id_fkey" FOREIGN KEY ("merged_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "record_merge_histories" ADD CONSTRAINT "record_merge_histories_merged_patient_id_fkey" FOREIGN KEY ("merged_patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "record_merge_histories" ADD CONSTRAINT "record_merge_histories_surviving_patient_id_fkey" FOREIGN KEY ("surviving_patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_permissions" ADD CONSTRAINT "role_permissions_permission_id_fkey" FOREIGN KEY ("permission_id") REFERENCES "permissions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_permissions" ADD CONSTRAINT "role_permissions_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "inventory_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "stock_locations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_locations" ADD CONSTRAINT "stock_locations_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "departments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_locations" ADD CONSTRAINT "stock_locations_facility_id_fkey" FOREIGN KEY ("facility_id") REFERENCES "facilities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "inventory_items"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "stock_locations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_performed_by_id_fkey" FOREIGN KEY ("performed_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "surgical_cases" ADD CONSTRAINT "surgical_cases_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "surgical_cases" ADD CONSTRAINT "surgical_cases_encounter_id_fkey" FOREIGN KEY ("encounter_id") REFERENCES "encounters"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "surgical_cases" ADD CONSTRAINT "surgical_cases_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "surgical_cases" ADD CONSTRAINT "surgical_cases_primary_surgeon_id_fkey" FOREIGN KEY ("primary_surgeon_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "surgical_cases" ADD CONSTRAINT "surgical_cases_theatre_id_fkey" FOREIGN KEY ("theatre_id") REFERENCES "theatres"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "surgical_cases" ADD CONSTRAINT "surgical_cases_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "theatre_bookings" ADD CONSTRAINT "theatre_bookings_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "theatre_bookings" ADD CONSTRAINT "theatre_bookings_theatre_id_fkey" FOREIGN KEY ("theatre_id") REFERENCES "theatres"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "theatres" ADD CONSTRAINT "theatres_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "departments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_granted_by_id_fkey" FOREIGN KEY ("granted_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "departments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vital_signs" ADD CONSTRAINT "vital_signs_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "surgical_cases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vital_signs" ADD CONSTRAINT "vital_signs_encounter_id_fkey" FOREIGN KEY ("encounter_id") REFERENCES "encounters"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vital_signs" ADD CONSTRAINT "vital_signs_patient_id_fkey" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vital_signs" ADD CONSTRAINT "vital_signs_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTrigger
CREATE TRIGGER "ehrdb_immutable_row" BEFORE UPDATE OR DELETE ON "case_status_histories" FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"();
CREATE TRIGGER "ehrdb_immutable_truncate" BEFORE TRUNCATE ON "case_status_histories" FOR EACH STATEMENT EXECUTE FUNCTION "ehrdb_immutable"();

-- CreateTrigger
CREATE TRIGGER "ehrdb_immutable_row" BEFORE UPDATE OR DELETE ON "clinical_notes" FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"('amended_by_id');
CREATE TRIGGER "ehrdb_immutable_truncate" BEFORE TRUNCATE ON "clinical_notes" FOR EACH STATEMENT EXECUTE FUNCTION "ehrdb_immutable"();

-- CreateTrigger
CREATE TRIGGER "ehrdb_immutable_row" BEFORE UPDATE OR DELETE ON "data_access_logs" FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"();
CREATE TRIGGER "ehrdb_immutable_truncate" BEFORE TRUNCATE ON "data_access_logs" FOR EACH STATEMENT EXECUTE FUNCTION "ehrdb_immutable"();

-- CreateTrigger
CREATE TRIGGER "ehrdb_immutable_row" BEFORE UPDATE OR DELETE ON "domain_events" FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"();
CREATE TRIGGER "ehrdb_immutable_truncate" BEFORE TRUNCATE ON "domain_events" FOR EACH STATEMENT EXECUTE FUNCTION "ehrdb_immutable"();
