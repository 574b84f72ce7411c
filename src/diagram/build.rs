//! From a checked schema to a [`Diagram`]: the models with their columns,
//! the relations as the validator pairs them, each model in the domain of
//! its fragment; with `--domain`, those domains and their neighbours one
//! relation away (faded).

use std::fmt;

use super::{Cardinality, Diagram, Keys, Mark, ModelBox, Relation, Row};
use crate::ast::{Block, BlockKind};
use crate::collections::{HashMap, HashSet};
use crate::schema::relations::{Relations, Shape};
use crate::schema::{FieldKind, Schema};
use crate::sql::lower::join_table_name;

/// `--domain` named a domain the schema does not have.
#[derive(Debug)]
pub struct UnknownDomain {
    pub asked: String,
    pub known: Vec<String>,
}

impl fmt::Display for UnknownDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no domain named `{}`; the domains are: {}", self.asked, self.known.join(", "))
    }
}

impl std::error::Error for UnknownDomain {}

/// The diagram of a schema without errors: every model, or with `only`
/// the models of those domains and their neighbours.
pub fn build(schema: &Schema, only: &[String]) -> Result<Diagram, UnknownDomain> {
    let mut domains: Vec<String> = Vec::new();
    let mut markers: HashMap<u32, Vec<(u32, String)>> = HashMap::default();
    let mut domain_of: HashMap<*const Block, usize> = HashMap::default();
    for block in &schema.blocks {
        let file = block.span.file;
        let source = schema.fragments.sources.get(file);
        let markers = markers.entry(file.0).or_insert_with(|| fragment_markers(&source.text));
        let name = match markers.iter().rev().find(|(at, _)| *at <= block.span.start) {
            Some((_, fragment)) => domain_name(fragment),
            None => domain_name(&source.path),
        };
        let index = match domains.iter().position(|d| *d == name) {
            Some(index) => index,
            None => {
                domains.push(name);
                domains.len() - 1
            }
        };
        domain_of.insert(std::ptr::from_ref::<Block>(block), index);
    }
    let models: Vec<&Block> =
        schema.blocks.iter().copied().filter(|b| b.kind == BlockKind::Model && schema.owns_its_name(b)).collect();
    // A domain to draw has a model (`base`, with the datasource, has none).
    let with_models: Vec<String> = domains
        .iter()
        .enumerate()
        .filter(|(i, _)| models.iter().any(|m| domain_of[&std::ptr::from_ref::<Block>(m)] == *i))
        .map(|(_, d)| d.clone())
        .collect();
    for asked in only {
        if !with_models.contains(asked) {
            return Err(UnknownDomain { asked: asked.clone(), known: with_models });
        }
    }

    let index: HashMap<*const Block, usize> =
        models.iter().enumerate().map(|(i, m)| (std::ptr::from_ref::<Block>(m), i)).collect();
    let relations = relations(schema, &index);
    let models: Vec<ModelBox> =
        models.iter().map(|model| model_box(schema, model, domain_of[&std::ptr::from_ref::<Block>(model)])).collect();
    let diagram = Diagram { domains, models, relations };
    if only.is_empty() {
        return Ok(diagram);
    }
    let chosen: Vec<bool> = diagram.models.iter().map(|m| only.contains(&diagram.domains[m.domain])).collect();
    Ok(diagram.around(&chosen))
}

/// Where each fragment starts in a merged schema (a migration's
/// schema.prisma): the `// ---- schema/theater.prisma` lines the merge
/// writes, so a model of an older state keeps its domain.
fn fragment_markers(text: &str) -> Vec<(u32, String)> {
    let mut markers = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if let Some(fragment) = line.strip_prefix("// ---- ") {
            markers.push((u32::try_from(at).unwrap_or(u32::MAX), fragment.trim_end().to_owned()));
        }
        at += line.len();
    }
    markers
}

/// `theater` for `schema/theater.prisma`; `audit/events` for a fragment
/// in a subfolder.
fn domain_name(path: &str) -> String {
    let path = path.strip_suffix(".prisma").unwrap_or(path);
    match path.split_once('/') {
        Some((_, rest)) => rest.to_owned(),
        None => path.to_owned(),
    }
}

fn model_box(schema: &Schema, model: &Block, domain: usize) -> ModelBox {
    let criteria = model.unique_criteria();
    let primary: HashSet<&str> = criteria.iter().filter(|c| c.primary).flat_map(|c| c.fields.iter().copied()).collect();
    let unique: HashSet<&str> = criteria.iter().filter(|c| !c.primary).flat_map(|c| c.fields.iter().copied()).collect();
    let foreign: HashSet<&str> = model
        .fields()
        .filter_map(|f| f.attribute("relation")?.named("fields"))
        .flat_map(|list| match list {
            crate::ast::Expr::Array(items, _) => items.iter().filter_map(|i| i.as_constant()).collect(),
            other => other.as_constant().into_iter().collect::<Vec<_>>(),
        })
        .collect();
    let immutable = model.immutable();
    let updatable: HashSet<&str> =
        immutable.iter().flat_map(|a| a.allow_update.iter().map(|i| i.name.as_str())).collect();
    let rows = model
        .fields()
        .filter_map(|field| {
            let kind = schema.resolve(&field.ty);
            if matches!(kind, FieldKind::Model(_)) {
                return None;
            }
            let name = field.name.name.as_str();
            let ty: String = schema.text(field.ty.span).chars().filter(|c| !c.is_whitespace()).collect();
            let enum_values = match kind {
                FieldKind::Enum(e) => Some(e.values().map(|v| v.name.name.to_string()).collect()),
                _ => None,
            };
            Some(Row {
                name: name.to_owned(),
                ty,
                column: (field.column_name() != name).then(|| field.column_name().to_owned()),
                keys: Keys {
                    primary: primary.contains(name),
                    foreign: foreign.contains(name),
                    unique: unique.contains(name),
                },
                enum_values,
                updatable: updatable.contains(name),
                mark: Mark::Same,
            })
        })
        .collect();
    let table = match model.schema_name() {
        Some(namespace) if namespace != "public" => format!("{namespace}.{}", model.table_name()),
        _ => model.table_name().to_owned(),
    };
    ModelBox {
        name: model.name.name.to_string(),
        table,
        domain,
        faded: false,
        immutable: immutable.is_some(),
        mark: Mark::Same,
        rows,
    }
}

/// Every relation between two models once, as the validator pairs them.
fn relations(schema: &Schema, index: &HashMap<*const Block, usize>) -> Vec<Relation> {
    let graph = Relations::new(schema);
    let model_of = |i: usize| index.get(&std::ptr::from_ref::<Block>(graph.fields[i].model)).copied();
    let mut relations = Vec::new();
    for shape in graph.pairs() {
        let (from, to, cardinality) = match shape {
            Shape::OneToOne { forward, back } => (forward, back, Cardinality::OneToOne),
            Shape::OneToMany { forward, back } => (forward, back, Cardinality::ManyToOne),
            Shape::ManyToMany { a, b } => {
                let (a_model, b_model) = (&graph.fields[a].model.name.name, &graph.fields[b].model.name.name);
                if a_model <= b_model { (a, b, Cardinality::ManyToMany) } else { (b, a, Cardinality::ManyToMany) }
            }
        };
        let (Some(from_model), Some(to_model)) = (model_of(from), model_of(to)) else { continue };
        let (key, other) = (&graph.fields[from], &graph.fields[to]);
        let label = match cardinality {
            Cardinality::ManyToMany => join_table_name(&key.model.name.name, &other.model.name.name, key.name()),
            _ => key.field.name.name.to_string(),
        };
        relations.push(Relation {
            from: from_model,
            to: to_model,
            cardinality,
            from_field: key.field.name.name.to_string(),
            to_field: other.field.name.name.to_string(),
            optional: !key.is_required(),
            label,
            mark: Mark::Same,
        });
    }
    relations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fragments::Fragments;

    #[test]
    fn a_merged_schema_keeps_its_fragments_as_domains() {
        let text = "// This file is generated by `ehrdb merge`. DO NOT EDIT.\n\n// ---- schema/base.prisma\n\
                    datasource db {\n  provider = \"postgresql\"\n}\n\n// ---- schema/theater.prisma\n\
                    model Theatre {\n  id Int @id\n  cases Case[]\n}\n\n// ---- schema/clinical/cases.prisma\n\
                    model Case {\n  id Int @id\n  theatreId Int\n  theatre Theatre @relation(fields: [theatreId], references: [id])\n}\n";
        let fragments = Fragments::from_texts(vec![(
            "migrations/1/schema.prisma".to_owned(),
            "migrations/1/schema.prisma".into(),
            text.into(),
        )]);
        let checked = crate::pipeline::check(&fragments, None);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let diagram = build(&checked.schema, &[]).expect("no domains asked for");
        assert_eq!(diagram.domains, ["base", "theater", "clinical/cases"]);
        let domains: Vec<&str> = diagram.models.iter().map(|m| diagram.domains[m.domain].as_str()).collect();
        assert_eq!(domains, ["theater", "clinical/cases"]);
        let error = build(&checked.schema, &["theatre".to_owned()]).unwrap_err();
        assert_eq!(error.to_string(), "no domain named `theatre`; the domains are: theater, clinical/cases");
    }
}
