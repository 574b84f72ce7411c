//! Graphviz DOT text: one coloured cluster per domain, each model an
//! HTML-like table (name, table, then a row per column), relations with
//! crow's-foot ends. `dot -Tsvg` draws it (`--layout dot`).

use std::fmt::Write as _;

use super::{Cardinality, Diagram, Mark, ModelBox, Relation, Row, xml};

/// Fill and line colours per domain, in domain order (then again).
pub(crate) const PALETTE: &[(&str, &str)] = &[
    ("#e8f0fe", "#3367d6"),
    ("#e6f4ea", "#188038"),
    ("#fef7e0", "#b06000"),
    ("#fce8e6", "#c5221f"),
    ("#f3e8fd", "#8430ce"),
    ("#e4f7fb", "#007b83"),
    ("#fde7f3", "#b80672"),
    ("#eef1f3", "#4a5a68"),
    ("#f1f8e9", "#558b2f"),
    ("#fff3e0", "#e65100"),
];

/// The colours of domain `domain`.
pub(crate) fn colours(domain: usize) -> (&'static str, &'static str) {
    PALETTE[domain % PALETTE.len()]
}

/// The diagram as DOT text.
pub fn dot(diagram: &Diagram) -> String {
    let mut out = String::from(
        "digraph schema {\n  graph [rankdir=LR, fontname=\"monospace\", fontsize=12, nodesep=0.4, ranksep=1.2];\n  \
         node [shape=plain, fontname=\"monospace\", fontsize=10];\n  \
         edge [fontname=\"monospace\", fontsize=9, dir=both];\n",
    );
    for (domain, name) in diagram.domains.iter().enumerate() {
        let models: Vec<(usize, &ModelBox)> =
            diagram.models.iter().enumerate().filter(|(_, m)| m.domain == domain).collect();
        if models.is_empty() {
            continue;
        }
        let (fill, line) = colours(domain);
        let _ = writeln!(
            out,
            "  subgraph cluster_{domain} {{\n    label=\"{}\";\n    style=\"rounded,filled\";\n    color=\"{line}\";\n    fillcolor=\"{fill}\";",
            quote(name)
        );
        for (index, model) in models {
            let _ = writeln!(out, "    m{index} [label=<{}>];", table(model, line));
        }
        out.push_str("  }\n");
    }
    for relation in &diagram.relations {
        write_relation(&mut out, diagram, relation);
    }
    out.push_str("}\n");
    out
}

fn table(model: &ModelBox, line: &str) -> String {
    let colour = if model.faded { "#9aa0a6" } else { line };
    let mut title = format!("<b>{}</b>", xml(&model.name));
    if model.mark != Mark::Same {
        title = format!("{} {title}", model.mark.sign());
    }
    let mut rows = format!(
        "<tr><td colspan=\"3\" bgcolor=\"white\">{title}<br/><font point-size=\"8\">{}</font></td></tr>",
        xml(&model.table)
    );
    for row in &model.rows {
        rows.push_str(&table_row(row));
    }
    let inner = format!(
        "<table border=\"1\" cellborder=\"0\" cellspacing=\"0\" cellpadding=\"3\" bgcolor=\"white\" color=\"{colour}\">{rows}</table>"
    );
    if model.immutable {
        format!(
            "<table border=\"1\" cellborder=\"0\" cellspacing=\"0\" cellpadding=\"1\" color=\"{colour}\"><tr><td>{inner}</td></tr></table>"
        )
    } else {
        inner
    }
}

fn table_row(row: &Row) -> String {
    let mut name = xml(&row.name);
    if row.mark == Mark::Removed {
        name = format!("<s>{name}</s>");
    }
    if row.mark != Mark::Same {
        name = format!("{} {name}", row.mark.sign());
    }
    let mut ty = xml(&row.ty);
    if row.enum_values.is_some() {
        ty = format!("<i>{ty}</i>");
    }
    let mut notes = row.keys.markers().join(",");
    if let Some(column) = &row.column {
        if !notes.is_empty() {
            notes.push(' ');
        }
        notes.push_str(&xml(column));
    }
    if row.updatable {
        notes.push_str(" upd");
    }
    let background = if row.updatable { " bgcolor=\"#fff3b0\"" } else { "" };
    // An empty cell, never an empty <font>: dot rejects that.
    let notes =
        if notes.is_empty() { String::new() } else { format!("<font point-size=\"8\">{}</font>", notes.trim()) };
    format!(
        "<tr><td align=\"left\"{background}>{name}</td><td align=\"left\"{background}>{ty}</td><td align=\"left\"{background}>{notes}</td></tr>"
    )
}

fn write_relation(out: &mut String, diagram: &Diagram, relation: &Relation) {
    let one = if relation.optional { "teeodot" } else { "teetee" };
    let (tail, head, style) = match relation.cardinality {
        Cardinality::ManyToOne => ("crowodot", one, "solid"),
        Cardinality::OneToOne => ("teeodot", one, "solid"),
        Cardinality::ManyToMany => ("crowodot", "crowodot", "dashed"),
    };
    let (_, line) = colours(diagram.models[relation.from].domain);
    let mut label = relation.label.clone();
    if relation.mark != Mark::Same {
        label = format!("{} {label}", relation.mark.sign());
    }
    let _ = writeln!(
        out,
        "  m{} -> m{} [arrowtail={tail}, arrowhead={head}, style={style}, color=\"{line}\", label=\"{}\"];",
        relation.from,
        relation.to,
        quote(&label)
    );
}

/// Text in a quoted DOT string.
fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
