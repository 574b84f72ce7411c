//! The words synthetic schemas are made of: clinical services, what a
//! model records, enum kinds and scalar fields, and the helpers that
//! spell names from them.

use super::MODELS_PER_FRAGMENT;

/// One clinical service per fragment; names repeat with a number after 40
/// fragments.
pub(super) const AREAS: [&str; 40] = [
    "Cardiac",
    "Ortho",
    "Neuro",
    "Vascular",
    "Paediatric",
    "Maternity",
    "Oncology",
    "Renal",
    "Liver",
    "Thoracic",
    "Urology",
    "Plastics",
    "Trauma",
    "Endoscopy",
    "Imaging",
    "Pathology",
    "Pharmacy",
    "Anaesthetic",
    "Recovery",
    "Theatre",
    "Ward",
    "Outpatient",
    "Critical",
    "Dental",
    "Eye",
    "Bariatric",
    "Transplant",
    "Spinal",
    "Breast",
    "Colorectal",
    "Gynae",
    "Ent",
    "Facial",
    "Burns",
    "Blood",
    "Micro",
    "Sterile",
    "Daycase",
    "Physio",
    "Dietetics",
];

/// What a model records, with a phrase for its doc comment. Exactly
/// [`MODELS_PER_FRAGMENT`] entries, so names never repeat in a fragment.
pub(super) const ENTITIES: [(&str, &str); MODELS_PER_FRAGMENT] = [
    ("Referral", "a request from one clinician to another to advise on or take over care"),
    ("Assessment", "a structured clinical assessment with its scores"),
    ("Procedure", "one coded procedure as planned or performed"),
    ("Booking", "a reserved slot for a patient, a room or a team"),
    ("Consent", "the patient's recorded consent, with who took it and when"),
    ("Note", "a free-text clinical note"),
    ("Observation", "one set of vital signs or another charted measurement"),
    ("Prescription", "a medicine prescribed for a patient"),
    ("Allocation", "a bed, theatre or staff allocation"),
    ("Checklist", "a safety checklist and its completed items"),
    ("Specimen", "a specimen sent to the laboratory"),
    ("Implant", "an implanted device, traceable to its lot"),
    ("Device", "a medical device in use on a patient"),
    ("Order", "an order for a test, an image or a service"),
    ("Result", "the result of an order"),
    ("Report", "a signed report"),
    ("Review", "a clinical or administrative review"),
    ("Discharge", "the discharge of a patient from a service"),
    ("Transfer", "a move between wards, theatres or hospitals"),
    ("Admission", "the admission of a patient to a service"),
    ("Episode", "one episode of care"),
    ("Encounter", "a contact between a patient and a clinician"),
    ("Handover", "a handover between shifts or teams"),
    ("Incident", "a reported safety incident"),
    ("Audit", "an audit of practice against a standard"),
    ("Invoice", "an invoice for care delivered"),
    ("Claim", "a claim to a payer"),
    ("Session", "a scheduled session of a list or a clinic"),
    ("Slot", "a bookable slot in a session"),
    ("Roster", "a staff roster for a period"),
    ("Task", "a task assigned to a member of staff"),
    ("Alert", "a clinical alert raised for a patient"),
    ("Measurement", "a measurement taken by a device or a clinician"),
    ("Plan", "a care plan and its goals"),
    ("Pathway", "a care pathway and the patient's place on it"),
    ("Outcome", "a recorded outcome measure"),
    ("Request", "a request for a service"),
    ("Authorisation", "a payer's or a manager's authorisation"),
    ("Sample", "a sample taken for testing"),
    ("Count", "a swab, needle or instrument count"),
    ("Letter", "a letter to a patient or a general practitioner"),
    ("Appointment", "an outpatient appointment"),
    ("Diagnosis", "a coded diagnosis"),
    ("Allergy", "a recorded allergy or intolerance"),
    ("Medication", "a medication on the patient's list"),
    ("Dose", "one administered dose"),
    ("Infusion", "an infusion with its rate changes"),
    ("Scan", "an imaging scan"),
    ("Image", "a clinical photograph or another image"),
    ("Instrument", "a surgical instrument or tray"),
];

/// Enum kinds: type-name suffix, field name, values, default value.
pub(super) struct EnumKind {
    pub(super) suffix: &'static str,
    pub(super) field: &'static str,
    pub(super) values: &'static [&'static str],
    pub(super) default: &'static str,
    pub(super) doc: &'static str,
}

pub(super) const ENUM_KINDS: [EnumKind; 4] = [
    EnumKind {
        suffix: "Status",
        field: "status",
        values: &["DRAFT", "PENDING", "ACTIVE", "ON_HOLD", "COMPLETED", "CANCELLED"],
        default: "PENDING",
        doc: "Where a record is in its life cycle.",
    },
    EnumKind {
        suffix: "Urgency",
        field: "urgency",
        values: &["ROUTINE", "SOON", "URGENT", "EMERGENCY"],
        default: "ROUTINE",
        doc: "How soon this must be seen to.",
    },
    EnumKind {
        suffix: "Grade",
        field: "grade",
        values: &["NONE", "MILD", "MODERATE", "SEVERE", "LIFE_THREATENING"],
        default: "NONE",
        doc: "Clinical severity, as graded by the recording clinician.",
    },
    EnumKind {
        suffix: "Kind",
        field: "kind",
        values: &["CLINICAL", "ADMINISTRATIVE", "FINANCIAL", "REGULATORY", "OTHER"],
        default: "CLINICAL",
        doc: "What kind of record this is, for reporting.",
    },
];

pub(super) const ENUMS_PER_FRAGMENT: usize = 3;

/// A scalar field: name, type (with `?`), `@default` argument, `@db.`
/// native type, whether it may be `@unique`, an optional doc comment and
/// an optional trailing comment.
pub(super) struct Scalar {
    pub(super) name: &'static str,
    pub(super) ty: &'static str,
    pub(super) default: Option<&'static str>,
    pub(super) native: Option<&'static str>,
    pub(super) doc: Option<&'static str>,
    pub(super) trailing: Option<&'static str>,
}

const fn scalar(
    name: &'static str,
    ty: &'static str,
    default: Option<&'static str>,
    native: Option<&'static str>,
) -> Scalar {
    Scalar { name, ty, default, native, doc: None, trailing: None }
}

pub(super) const SCALARS: [Scalar; 20] = [
    Scalar {
        doc: Some("Local code, unique within the service."),
        ..scalar("code", "String", None, Some("VarChar(32)"))
    },
    scalar("title", "String", None, Some("VarChar(255)")),
    scalar("summary", "String?", None, Some("VarChar(500)")),
    Scalar {
        doc: Some("Identifier in the sending system (PAS, LIMS or RIS)."),
        ..scalar("externalRef", "String?", None, Some("VarChar(64)"))
    },
    scalar("author", "String", None, Some("VarChar(128)")),
    scalar("notes", "String?", None, Some("Text")),
    scalar("sequenceNo", "BigInt", None, None),
    scalar("externalId", "BigInt?", None, None),
    Scalar { trailing: Some("// bumped on every amendment"), ..scalar("version", "Int", Some("1"), None) },
    Scalar { trailing: Some("// knife to skin until closure"), ..scalar("minutes", "Int?", None, None) },
    scalar("quantity", "Int", Some("0"), None),
    Scalar {
        doc: Some("In pounds sterling, VAT included."),
        ..scalar("amount", "Decimal", None, Some("Decimal(10, 2)"))
    },
    scalar("tariff", "Decimal?", None, Some("Decimal(10, 2)")),
    scalar("isActive", "Boolean", Some("false"), None),
    Scalar {
        doc: Some("Restricted to the care team and the Caldicott guardian."),
        ..scalar("isPrivate", "Boolean", Some("false"), None)
    },
    scalar("flagged", "Boolean", Some("false"), None),
    scalar("dueAt", "DateTime?", None, Some("Timestamptz(6)")),
    scalar("endedAt", "DateTime?", None, Some("Timestamptz(6)")),
    Scalar { trailing: Some("// raw device payload"), ..scalar("metadata", "Json?", None, None) },
    scalar("findings", "Json?", None, None),
];

pub(super) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

pub(super) fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// `cardiologyReferral2Id` -> `cardiology_referral2_id`.
pub(super) fn snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub(super) fn plural(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("is") {
        format!("{stem}es")
    } else if word.ends_with('y') && !word.ends_with("ay") && !word.ends_with("ey") && !word.ends_with("oy") {
        format!("{}ies", &word[..word.len() - 1])
    } else if word.ends_with('s') || word.ends_with('x') || word.ends_with("ch") || word.ends_with("sh") {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::{plural, snake};

    #[test]
    fn name_helpers() {
        assert_eq!(snake("cardiologyReferral2Id"), "cardiology_referral2_id");
        assert_eq!(plural("Diagnosis"), "Diagnoses");
        assert_eq!(plural("Allergy"), "Allergies");
        assert_eq!(plural("Pathway"), "Pathways");
        assert_eq!(plural("Note"), "Notes");
    }
}
