//! Mermaid `erDiagram` text, in the syntax GitHub and GitLab have rendered
//! for years: entities with typed attributes and `PK`/`FK`/`UK` keys,
//! crow's-foot relations. What that syntax cannot say (the table, the
//! domain, an enum's values, a faded neighbour) goes in `%%` comments;
//! Mermaid draws no colours here.

use std::fmt::Write as _;

use super::{Cardinality, Diagram, Mark, ModelBox, Relation, Row};
use crate::collections::HashSet;

/// The diagram as Mermaid text.
pub fn mermaid(diagram: &Diagram) -> String {
    let mut out = String::from("erDiagram\n");
    let mut enums: Vec<(&str, &[String])> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::default();
    for (domain, name) in diagram.domains.iter().enumerate() {
        for faded in [false, true] {
            let models: Vec<&ModelBox> =
                diagram.models.iter().filter(|m| m.domain == domain && m.faded == faded).collect();
            if models.is_empty() {
                continue;
            }
            let neighbours = if faded { " (neighbours)" } else { "" };
            let _ = writeln!(out, "    %% domain {name}{neighbours}");
            for model in models {
                write_model(&mut out, model);
                for row in &model.rows {
                    if let Some(values) = &row.enum_values {
                        let name = enum_name(&row.ty);
                        if seen.insert(name) {
                            enums.push((name, values));
                        }
                    }
                }
            }
        }
    }
    for relation in &diagram.relations {
        write_relation(&mut out, diagram, relation);
    }
    if !enums.is_empty() {
        out.push_str("    %% enums\n");
        for (name, values) in enums {
            let _ = writeln!(out, "    %% {name}: {}", values.join(", "));
        }
    }
    out
}

fn write_model(out: &mut String, model: &ModelBox) {
    let mut notes = vec![format!("table {}", model.table)];
    if model.immutable {
        notes.push("immutable".to_owned());
    }
    if model.mark != Mark::Same {
        notes.push(model.mark.word().to_owned());
    }
    let _ = writeln!(out, "    %% {}: {}", model.name, notes.join(", "));
    if model.rows.is_empty() {
        let _ = writeln!(out, "    {}", model.name);
        return;
    }
    let _ = writeln!(out, "    {} {{", model.name);
    for row in &model.rows {
        write_row(out, row);
    }
    out.push_str("    }\n");
}

fn write_row(out: &mut String, row: &Row) {
    let _ = write!(out, "        {} {}", attribute_type(&row.ty), row.name);
    let keys = row.keys.markers();
    if !keys.is_empty() {
        let _ = write!(out, " {}", keys.join(", "));
    }
    let mut notes = Vec::new();
    if row.ty.ends_with('?') {
        notes.push("optional".to_owned());
    }
    if let Some(column) = &row.column {
        notes.push(format!("column {column}"));
    }
    if row.updatable {
        notes.push("allowUpdate".to_owned());
    }
    if row.mark != Mark::Same {
        notes.push(row.mark.word().to_owned());
    }
    if !notes.is_empty() {
        let _ = write!(out, " \"{}\"", notes.join(", ").replace('"', "'"));
    }
    out.push('\n');
}

/// A type Mermaid accepts as an attribute word: letters, digits, `_`, `-`
/// and `[]`; the `?` goes in the comment.
fn attribute_type(ty: &str) -> &str {
    if ty.starts_with("Unsupported") {
        return "Unsupported";
    }
    ty.trim_end_matches('?')
}

/// `CaseStatus` for `CaseStatus?` or `CaseStatus[]`.
fn enum_name(ty: &str) -> &str {
    ty.trim_end_matches(['?', '[', ']'])
}

fn write_relation(out: &mut String, diagram: &Diagram, relation: &Relation) {
    let (from, to) = (&diagram.models[relation.from].name, &diagram.models[relation.to].name);
    let one = if relation.optional { "|o" } else { "||" };
    let mut label = relation.label.clone();
    if relation.mark != Mark::Same {
        let _ = write!(label, " ({})", relation.mark.word());
    }
    let _ = match relation.cardinality {
        Cardinality::ManyToOne => writeln!(out, "    {to} {one}--o{{ {from} : \"{label}\""),
        Cardinality::OneToOne => writeln!(out, "    {to} {one}--o| {from} : \"{label}\""),
        Cardinality::ManyToMany => writeln!(out, "    {from} }}o..o{{ {to} : \"{label}\""),
    };
}
