//! Synthetic schemas, for benchmarks and scale tests.
//!
//! [`generate`] returns the fragments of one valid multi-file Prisma schema
//! for PostgreSQL with exactly the number of models asked for: EHR-like
//! models of about 800 bytes each, 50 to a fragment, three enums per
//! fragment, 1:n and 1:1 relations to earlier models (also across
//! fragments), composite indexes on every foreign key, doc and plain
//! comments. The text is already in Prisma's canonical format (what
//! `prisma format` prints), so a formatter must leave it unchanged.
//!
//! Everything is deterministic: the choices come from a fixed-seed
//! SplitMix64 seeded per model and per fragment, so model `i` has the same
//! fields and forward relations whatever the total, and the same call
//! always returns the same bytes.

use std::collections::HashSet;

/// Models per fragment (the last fragment holds the rest).
pub const MODELS_PER_FRAGMENT: usize = 50;

/// The fragments of a schema of `models` models: `(file name, text)` in
/// file-name order. The first fragment holds the datasource (no `url`:
/// Prisma 7 style) and the generator.
pub fn generate(models: usize) -> Vec<(String, String)> {
    let fragment_count = models.div_ceil(MODELS_PER_FRAGMENT).max(1);
    let digits = (fragment_count - 1).to_string().len().max(3);

    let enums: Vec<Vec<EnumDef>> = (0..fragment_count).map(fragment_enums).collect();
    let mut all: Vec<Model> = (0..models).map(|i| Model::new(i, &enums)).collect();

    // Back-relation fields, in the order of the models that declare the
    // foreign keys, so the output does not depend on hashing.
    for source in 0..all.len() {
        let relations = std::mem::take(&mut all[source].relations);
        for relation in &relations {
            let (before, rest) = all.split_at_mut(source);
            let back = rest[0].back_field(relation, &mut before[relation.target]);
            before[relation.target].back.push(back);
        }
        all[source].relations = relations;
    }

    (0..fragment_count)
        .map(|f| {
            let first = f * MODELS_PER_FRAGMENT;
            let last = (first + MODELS_PER_FRAGMENT).min(models);
            let name = format!("synth_{f:0digits$}.prisma");
            (name, render_fragment(f, &enums[f], &all[first.min(last)..last]))
        })
        .collect()
}

// ------------------------------------------------------------------ vocabulary

/// One clinical service per fragment; names repeat with a number after 40
/// fragments.
const AREAS: [&str; 40] = [
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
const ENTITIES: [(&str, &str); MODELS_PER_FRAGMENT] = [
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
struct EnumKind {
    suffix: &'static str,
    field: &'static str,
    values: &'static [&'static str],
    default: &'static str,
    doc: &'static str,
}

const ENUM_KINDS: [EnumKind; 4] = [
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

const ENUMS_PER_FRAGMENT: usize = 3;

/// A scalar field: name, type (with `?`), `@default` argument, `@db.`
/// native type, whether it may be `@unique`, an optional doc comment and
/// an optional trailing comment.
struct Scalar {
    name: &'static str,
    ty: &'static str,
    default: Option<&'static str>,
    native: Option<&'static str>,
    doc: Option<&'static str>,
    trailing: Option<&'static str>,
}

const fn scalar(
    name: &'static str,
    ty: &'static str,
    default: Option<&'static str>,
    native: Option<&'static str>,
) -> Scalar {
    Scalar { name, ty, default, native, doc: None, trailing: None }
}

const SCALARS: [Scalar; 20] = [
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

// ------------------------------------------------------------------ the random source

/// SplitMix64: tiny, fast and good enough to pick fields.
struct Rng(u64);

impl Rng {
    fn new(stream: u64, index: usize) -> Rng {
        let mut rng = Rng(0x5EED_E4D8_2024_0001 ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index as u64);
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

// ------------------------------------------------------------------ the model

struct EnumDef {
    name: String,
    kind: &'static EnumKind,
    doc: bool,
}

fn fragment_enums(fragment: usize) -> Vec<EnumDef> {
    let mut rng = Rng::new(1, fragment);
    let (area, round) = area_of(fragment);
    (0..ENUMS_PER_FRAGMENT)
        .map(|e| {
            let kind = &ENUM_KINDS[(fragment + e) % ENUM_KINDS.len()];
            EnumDef { name: format!("{area}{}{}", kind.suffix, round_suffix(round)), kind, doc: rng.chance(40) }
        })
        .collect()
}

fn area_of(fragment: usize) -> (&'static str, usize) {
    (AREAS[fragment % AREAS.len()], fragment / AREAS.len())
}

fn round_suffix(round: usize) -> String {
    if round == 0 { String::new() } else { (round + 1).to_string() }
}

/// One aligned row: columns and an end-of-line comment. A comment line is
/// a row without columns.
struct Row {
    cols: Vec<String>,
    suffix: Option<String>,
}

impl Row {
    fn comment(text: impl Into<String>) -> Row {
        Row { cols: Vec::new(), suffix: Some(text.into()) }
    }

    fn field(name: impl Into<String>, ty: impl Into<String>, attributes: Vec<String>) -> Row {
        let mut cols = vec![name.into(), ty.into()];
        if !attributes.is_empty() {
            cols.push(attributes.join(" "));
        }
        Row { cols, suffix: None }
    }
}

/// A foreign key of a model to an earlier one.
struct Relation {
    target: usize,
    /// `None`, or a prefix such as `linked` for a second relation to the
    /// same model.
    role: Option<&'static str>,
    /// The relation name, when the pair of models has more than one
    /// relation and so needs names.
    name: Option<String>,
    one_to_one: bool,
}

struct Model {
    name: String,
    entity: &'static str,
    area: &'static str,
    /// `2` from the second round of areas on, else empty.
    suffix: String,
    doc: Option<String>,
    scalars: Vec<Row>,
    forward: Vec<Row>,
    back: Vec<Row>,
    relation_comment: bool,
    block_attributes: Vec<String>,
    relations: Vec<Relation>,
    /// Field names taken so far.
    used: HashSet<String>,
}

const RELATION_ROLES: [&str; 3] = ["linked", "previous", "source"];

impl Model {
    fn new(index: usize, enums: &[Vec<EnumDef>]) -> Model {
        let fragment = index / MODELS_PER_FRAGMENT;
        let (area, round) = area_of(fragment);
        let (entity, phrase) = entity_of(index);
        let mut rng = Rng::new(2, index);

        let doc = rng.chance(40).then(|| format!("/// {entity} ({}): {phrase}.", area.to_lowercase()));
        let mut model = Model {
            name: model_name(index),
            entity,
            area,
            suffix: round_suffix(round),
            doc,
            scalars: Vec::new(),
            forward: Vec::new(),
            back: Vec::new(),
            relation_comment: false,
            block_attributes: Vec::new(),
            relations: Vec::new(),
            used: HashSet::new(),
        };
        model.used.insert("id".to_owned());

        // 3 to 5 scalars from the pool, in pool order; then one enum field,
        // sometimes two, mostly of this fragment's enums but sometimes of
        // the first fragment's (a cross-file reference).
        let mut picked: Vec<usize> = Vec::new();
        let count = 3 + rng.below(3);
        while picked.len() < count {
            let candidate = rng.below(SCALARS.len());
            if !picked.contains(&candidate) {
                picked.push(candidate);
            }
        }
        picked.sort_unstable();
        let unique_code = picked.contains(&0) && rng.chance(25);
        let mut scalar_rows = Vec::new();
        for &p in &picked {
            let scalar = &SCALARS[p];
            if let Some(doc) = scalar.doc {
                if rng.chance(30) {
                    scalar_rows.push(Row::comment(format!("/// {doc}")));
                }
            }
            let mut list = Vec::new();
            if p == 0 && unique_code {
                list.push("@unique".to_owned());
            }
            if let Some(default) = scalar.default {
                list.push(format!("@default({default})"));
            }
            if scalar.name.bytes().any(|b| b.is_ascii_uppercase()) {
                list.push(format!("@map(\"{}\")", snake(scalar.name)));
            }
            if let Some(native) = scalar.native {
                list.push(format!("@db.{native}"));
            }
            let mut row = Row::field(scalar.name, scalar.ty, list);
            if let Some(comment) = scalar.trailing {
                if rng.chance(30) {
                    row.suffix = Some(comment.to_owned());
                }
            }
            scalar_rows.push(row);
            model.used.insert(scalar.name.to_owned());
        }
        let enum_fields = if rng.chance(15) { 2 } else { 1 };
        let first = rng.below(ENUMS_PER_FRAGMENT);
        for e in 0..enum_fields {
            let pool = if rng.chance(20) { &enums[0] } else { &enums[fragment] };
            let def = &pool[(first + e) % ENUMS_PER_FRAGMENT];
            if !model.used.insert(def.kind.field.to_owned()) {
                continue;
            }
            let mut row = Row::field(def.kind.field, def.name.clone(), vec![format!("@default({})", def.kind.default)]);
            if rng.chance(5) {
                row.suffix = Some("// see the service's escalation policy".to_owned());
            }
            scalar_rows.push(row);
        }
        scalar_rows.push(Row::field(
            "createdAt",
            "DateTime",
            attrs(["@default(now())", "@map(\"created_at\")", "@db.Timestamptz(6)"]),
        ));
        scalar_rows.push(Row::field(
            "updatedAt",
            "DateTime",
            attrs(["@updatedAt", "@map(\"updated_at\")", "@db.Timestamptz(6)"]),
        ));
        model.used.insert("createdAt".to_owned());
        model.used.insert("updatedAt".to_owned());

        // Foreign keys to earlier models: mostly recent ones (often in the
        // same fragment), otherwise anywhere before.
        let wanted = if index == 0 {
            0
        } else {
            match rng.below(100) {
                0..25 => 0,
                25..75 => 1,
                75..95 => 2,
                _ => 3,
            }
        };
        let mut targets: Vec<usize> = Vec::new();
        for _ in 0..wanted {
            for _attempt in 0..4 {
                let target = if rng.chance(60) { index - 1 - rng.below(index.min(60)) } else { rng.below(index) };
                if !targets.contains(&target) {
                    targets.push(target);
                    break;
                }
            }
        }
        let mut relations: Vec<Relation> = targets
            .iter()
            .map(|&target| Relation { target, role: None, name: None, one_to_one: rng.chance(8) })
            .collect();
        // Now and then a second relation to the same model: both need a name.
        let twice = (!targets.is_empty() && rng.chance(8)).then(|| targets[rng.below(targets.len())]);
        if let Some(target) = twice {
            let role = RELATION_ROLES[rng.below(RELATION_ROLES.len())];
            relations.push(Relation { target, role: Some(role), name: None, one_to_one: false });
        }

        model.scalars.push(Row::field("id", "String", attrs(["@id", "@default(uuid())", "@db.Uuid"])));
        let mut fk_fields = Vec::new();
        for relation in &mut relations {
            let target = model_name(relation.target);
            let entity = entity_of(relation.target).0;
            // `session`, else `cardiologySession2` when that is taken.
            let field = match relation.role {
                None => model.claim([lower_first(entity), lower_first(&target)]),
                Some(role) => model.claim([format!("{role}{entity}"), format!("{role}{target}")]),
            };
            let fk = model.claim([format!("{field}Id")]);
            if twice == Some(relation.target) {
                relation.name = Some(format!("{}{}", model.name, upper_first(&field)));
            }
            let optional = rng.chance(25);
            let q = if optional { "?" } else { "" };
            let mut fk_attrs = Vec::new();
            if relation.one_to_one {
                fk_attrs.push("@unique".to_owned());
            }
            fk_attrs.push(format!("@map(\"{}\")", snake(&fk)));
            fk_attrs.push("@db.Uuid".to_owned());
            model.scalars.push(Row::field(fk.clone(), format!("String{q}"), fk_attrs));

            let mut args = Vec::new();
            if let Some(name) = &relation.name {
                args.push(format!("\"{name}\""));
            }
            args.push(format!("fields: [{fk}]"));
            args.push("references: [id]".to_owned());
            if rng.chance(20) {
                args.push(if optional { "onDelete: SetNull" } else { "onDelete: Cascade" }.to_owned());
            }
            model.forward.push(Row::field(
                field,
                format!("{target}{q}"),
                vec![format!("@relation({})", args.join(", "))],
            ));
            fk_fields.push(fk);
        }
        model.relations = relations;
        model.scalars.extend(scalar_rows);
        model.relation_comment = !model.relations.is_empty() && rng.chance(10);

        if rng.chance(35) && picked.contains(&0) && !unique_code {
            let other = if !fk_fields.is_empty() && rng.chance(50) {
                Some(fk_fields[0].as_str())
            } else if picked.contains(&8) {
                Some("version")
            } else if picked.contains(&6) {
                Some("sequenceNo")
            } else {
                None
            };
            if let Some(other) = other {
                model.block_attributes.push(format!("@@unique([{other}, code])"));
            }
        }
        for fk in &fk_fields {
            model.block_attributes.push(format!("@@index([{fk}, createdAt])"));
        }
        model.block_attributes.push(format!("@@map(\"{}\")", snake(&model.name)));
        model
    }

    /// Takes the first free name of `candidates`, else the last one with a
    /// number.
    fn claim<const N: usize>(&mut self, candidates: [String; N]) -> String {
        let name = match candidates.iter().find(|c| !self.used.contains(*c)) {
            Some(free) => free.clone(),
            None => (2..)
                .map(|n| format!("{}{n}", candidates[N - 1]))
                .find(|c| !self.used.contains(c))
                .expect("a free name"),
        };
        self.used.insert(name.clone());
        name
    }

    /// The field that the target of `relation` gets for it, by the model
    /// that declares the foreign key: `encounters`, else
    /// `cardiologyEncounters2` when that is taken.
    fn back_field(&self, relation: &Relation, target: &mut Model) -> Row {
        let (short, long) = if relation.one_to_one {
            (lower_first(self.entity), format!("{}{}{}", lower_first(self.area), self.entity, self.suffix))
        } else {
            (
                lower_first(&plural(self.entity)),
                format!("{}{}{}", lower_first(self.area), plural(self.entity), self.suffix),
            )
        };
        let name = match relation.role {
            None => target.claim([short, long]),
            Some(role) => {
                target.claim([format!("{role}{}", upper_first(&short)), format!("{role}{}", upper_first(&long))])
            }
        };
        let ty = format!("{}{}", self.name, if relation.one_to_one { "?" } else { "[]" });
        let attributes = relation.name.iter().map(|n| format!("@relation(\"{n}\")")).collect();
        Row::field(name, ty, attributes)
    }

    fn render(&self, out: &mut String) {
        if let Some(doc) = &self.doc {
            out.push_str(doc);
            out.push('\n');
        }
        out.push_str("model ");
        out.push_str(&self.name);
        out.push_str(" {\n");
        render_table(out, self.scalars.iter());
        if !self.forward.is_empty() || !self.back.is_empty() {
            out.push('\n');
            let comment = self.relation_comment.then(|| Row::comment("// Links to other records"));
            render_table(out, comment.iter().chain(&self.forward).chain(&self.back));
        }
        out.push('\n');
        for attribute in &self.block_attributes {
            out.push_str("  ");
            out.push_str(attribute);
            out.push('\n');
        }
        out.push_str("}\n");
    }
}

/// Model `index`'s entity: every entity once per fragment, in an order
/// that changes from fragment to fragment.
fn entity_of(index: usize) -> (&'static str, &'static str) {
    let fragment = index / MODELS_PER_FRAGMENT;
    ENTITIES[(index % MODELS_PER_FRAGMENT + fragment * 17) % MODELS_PER_FRAGMENT]
}

/// `CardiologyReferral`, `CardiologyReferral2` in the second round of areas.
fn model_name(index: usize) -> String {
    let (area, round) = area_of(index / MODELS_PER_FRAGMENT);
    format!("{area}{}{}", entity_of(index).0, round_suffix(round))
}

fn attrs<const N: usize>(list: [&str; N]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

// ------------------------------------------------------------------ printing

/// Prints rows as Prisma's formatter does: each column padded to the
/// widest cell of the table plus one space, the last column of a row not
/// padded, an end-of-line comment after one space, comment lines on their
/// own.
fn render_table<'r>(out: &mut String, rows: impl Iterator<Item = &'r Row> + Clone) {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows.clone() {
        for (i, col) in row.cols.iter().enumerate() {
            if widths.len() <= i {
                widths.push(0);
            }
            widths[i] = widths[i].max(col.len());
        }
    }
    for row in rows {
        out.push_str("  ");
        for (i, col) in row.cols.iter().enumerate() {
            out.push_str(col);
            if i + 1 < row.cols.len() {
                for _ in col.len()..=widths[i] {
                    out.push(' ');
                }
            }
        }
        if let Some(suffix) = &row.suffix {
            if !row.cols.is_empty() {
                out.push(' ');
            }
            out.push_str(suffix);
        }
        out.push('\n');
    }
}

fn render_fragment(fragment: usize, enums: &[EnumDef], models: &[Model]) -> String {
    let (area, round) = area_of(fragment);
    let mut out = String::with_capacity(models.len() * 1000 + 1000);
    let service = if round == 0 { area.to_owned() } else { format!("{area} (site {})", round + 1) };
    out.push_str(&format!(
        "// Synthetic EHR fragment {fragment}: {service}, {} models. Generated by ehrdb::synth; do not edit.\n",
        models.len()
    ));
    if fragment == 0 {
        out.push_str("\ndatasource db {\n  provider = \"postgresql\"\n}\n");
        out.push_str("\ngenerator client {\n  provider = \"prisma-client-js\"\n}\n");
    }
    for def in enums {
        out.push('\n');
        if def.doc {
            out.push_str("/// ");
            out.push_str(def.kind.doc);
            out.push('\n');
        }
        out.push_str("enum ");
        out.push_str(&def.name);
        out.push_str(" {\n");
        for value in def.kind.values {
            out.push_str("  ");
            out.push_str(value);
            out.push('\n');
        }
        out.push_str("}\n");
    }
    for (k, model) in models.iter().enumerate() {
        out.push('\n');
        if k > 0 && k % 10 == 0 {
            out.push_str(&format!("// ---- {} records, part {}\n\n", area.to_lowercase(), k / 10 + 1));
        }
        model.render(&mut out);
    }
    out
}

// ------------------------------------------------------------------ names

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// `cardiologyReferral2Id` -> `cardiology_referral2_id`.
fn snake(s: &str) -> String {
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

fn plural(word: &str) -> String {
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
    use std::path::PathBuf;

    use super::*;
    use crate::ast::BlockKind;
    use crate::diagnostics::Diagnostics;
    use crate::fragments::Fragments;
    use crate::merge;

    fn load(files: Vec<(String, String)>) -> Fragments {
        Fragments::from_texts(files.into_iter().map(|(name, text)| (name.clone(), PathBuf::from(name), text)).collect())
    }

    #[test]
    fn generate_120_parses_cleanly_has_120_models_and_is_deterministic() {
        let files = generate(120);
        assert_eq!(files, generate(120), "two calls must give the same bytes");
        assert_eq!(
            files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["synth_000.prisma", "synth_001.prisma", "synth_002.prisma"]
        );
        assert!(files[0].1.contains("datasource db {\n  provider = \"postgresql\"\n}\n"));

        let fragments = load(files);
        assert!(fragments.diagnostics.is_empty(), "parse diagnostics: {:?}", fragments.diagnostics);
        let models =
            fragments.fragments.iter().flat_map(|f| f.ast.blocks()).filter(|b| b.kind == BlockKind::Model).count();
        assert_eq!(models, 120);

        let mut diagnostics = Diagnostics::new();
        let merged = merge::merge(&fragments, &mut diagnostics);
        assert!(diagnostics.is_empty(), "merge diagnostics: {diagnostics:?}");
        assert_eq!(merged.count(BlockKind::Model), 120);
        assert_eq!(merged.count(BlockKind::Enum), 9);
    }

    #[test]
    fn names_stay_unique_and_size_is_about_800_bytes_a_model() {
        let files = generate(10_000);
        assert_eq!(files.len(), 200);
        let mut names = HashSet::new();
        let mut models = 0;
        for (_, text) in &files {
            for line in text.lines() {
                let name = line.strip_prefix("model ").or_else(|| line.strip_prefix("enum "));
                if let Some(name) = name {
                    models += usize::from(line.starts_with("model "));
                    assert!(names.insert(name.trim_end_matches(" {").to_owned()), "{line} is defined twice");
                }
            }
        }
        assert_eq!(models, 10_000);
        let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
        assert!((650..=950).contains(&(bytes / 10_000)), "{bytes} bytes for 10,000 models");
    }

    #[test]
    fn small_and_empty_schemas() {
        assert_eq!(generate(0).len(), 1);
        let one = generate(1);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].1.matches("\nmodel ").count(), 1);
        assert_eq!(generate(51).len(), 2);
    }

    #[test]
    fn name_helpers() {
        assert_eq!(snake("cardiologyReferral2Id"), "cardiology_referral2_id");
        assert_eq!(plural("Diagnosis"), "Diagnoses");
        assert_eq!(plural("Allergy"), "Allergies");
        assert_eq!(plural("Pathway"), "Pathways");
        assert_eq!(plural("Note"), "Notes");
    }
}
