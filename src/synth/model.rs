//! One synthetic model and the choices behind it: a fixed-seed SplitMix64
//! per model and per fragment picks its fields, enums and relations to
//! earlier models; [`Model::render`] prints it in Prisma's canonical format.

use std::collections::HashSet;

use super::MODELS_PER_FRAGMENT;
use super::render_table;
use super::words::{
    AREAS, ENTITIES, ENUM_KINDS, ENUMS_PER_FRAGMENT, EnumKind, SCALARS, lower_first, plural, snake, upper_first,
};

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

pub(super) struct EnumDef {
    pub(super) name: String,
    pub(super) kind: &'static EnumKind,
    pub(super) doc: bool,
}

pub(super) fn fragment_enums(fragment: usize) -> Vec<EnumDef> {
    let mut rng = Rng::new(1, fragment);
    let (area, round) = area_of(fragment);
    (0..ENUMS_PER_FRAGMENT)
        .map(|e| {
            let kind = &ENUM_KINDS[(fragment + e) % ENUM_KINDS.len()];
            EnumDef { name: format!("{area}{}{}", kind.suffix, round_suffix(round)), kind, doc: rng.chance(40) }
        })
        .collect()
}

pub(super) fn area_of(fragment: usize) -> (&'static str, usize) {
    (AREAS[fragment % AREAS.len()], fragment / AREAS.len())
}

fn round_suffix(round: usize) -> String {
    if round == 0 { String::new() } else { (round + 1).to_string() }
}

/// One aligned row: columns and an end-of-line comment. A comment line is
/// a row without columns.
pub(super) struct Row {
    pub(super) cols: Vec<String>,
    pub(super) suffix: Option<String>,
}

impl Row {
    pub(super) fn comment(text: impl Into<String>) -> Row {
        Row { cols: Vec::new(), suffix: Some(text.into()) }
    }

    pub(super) fn field(name: impl Into<String>, ty: impl Into<String>, attributes: Vec<String>) -> Row {
        let mut cols = vec![name.into(), ty.into()];
        if !attributes.is_empty() {
            cols.push(attributes.join(" "));
        }
        Row { cols, suffix: None }
    }
}

/// A foreign key of a model to an earlier one.
pub(super) struct Relation {
    pub(super) target: usize,
    /// `None`, or a prefix such as `linked` for a second relation to the
    /// same model.
    pub(super) role: Option<&'static str>,
    /// The relation name, when the pair of models has more than one
    /// relation and so needs names.
    pub(super) name: Option<String>,
    pub(super) one_to_one: bool,
}

pub(super) struct Model {
    pub(super) name: String,
    pub(super) entity: &'static str,
    pub(super) area: &'static str,
    /// `2` from the second round of areas on, else empty.
    pub(super) suffix: String,
    pub(super) doc: Option<String>,
    pub(super) scalars: Vec<Row>,
    pub(super) forward: Vec<Row>,
    pub(super) back: Vec<Row>,
    pub(super) relation_comment: bool,
    pub(super) block_attributes: Vec<String>,
    pub(super) relations: Vec<Relation>,
    /// Field names taken so far.
    pub(super) used: HashSet<String>,
}

const RELATION_ROLES: [&str; 3] = ["linked", "previous", "source"];

impl Model {
    pub(super) fn new(index: usize, enums: &[Vec<EnumDef>]) -> Model {
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
    pub(super) fn back_field(&self, relation: &Relation, target: &mut Model) -> Row {
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

    pub(super) fn render(&self, out: &mut String) {
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
