//! A reviewer's diagram of a migration: the models a change touches, with
//! their added, removed and changed fields and relations marked, and their
//! neighbours faded.
//!
//! Takes the diagrams of the old and the new schema and the changes the
//! SQL differ found between them. Models are matched by table and fields
//! by column, as the differ matches them, so a renamed field whose column
//! stays is the same field; a column the differ alters is changed even
//! when its type text reads the same (a new `@db` type or default).

use crate::collections::{HashMap, HashSet};

use super::{Diagram, Mark, ModelBox, Relation, Row};
use crate::sql::{Change, QualifiedName, Rename};

/// The new diagram, marked, with what the old one had and the new one
/// lacks put back as removed; only what changed and its neighbours.
pub fn mark_changes(mut old: Diagram, new: Diagram, changes: &[Change]) -> Diagram {
    let mut diagram = new;
    let renamed = follow_renames(&mut old, changes);
    let old_tables: HashMap<&str, usize> = old.models.iter().enumerate().map(|(i, m)| (m.table.as_str(), i)).collect();
    let mut altered = altered_columns(changes);
    altered.extend(renamed);
    let touched_tables: HashSet<String> = changes.iter().filter_map(table_of).map(table_name).collect();

    let mut matched = vec![None; diagram.models.len()];
    for (i, model) in diagram.models.iter_mut().enumerate() {
        match old_tables.get(model.table.as_str()) {
            None => {
                model.mark = Mark::Added;
                for row in &mut model.rows {
                    row.mark = Mark::Added;
                }
            }
            Some(&j) => {
                matched[i] = Some(j);
                mark_rows(model, &old.models[j], &altered);
                let rows_changed = model.rows.iter().any(|r| r.mark != Mark::Same);
                if rows_changed || touched_tables.contains(&model.table) {
                    model.mark = Mark::Changed;
                }
            }
        }
    }
    // Old models without a new one: removed.
    let kept: HashSet<usize> = matched.iter().flatten().copied().collect();
    let mut old_to_new: Vec<Option<usize>> = vec![None; old.models.len()];
    for (i, j) in matched.iter().enumerate() {
        if let Some(j) = j {
            old_to_new[*j] = Some(i);
        }
    }
    for (j, model) in old.models.iter().enumerate() {
        if kept.contains(&j) {
            continue;
        }
        let mut model = model.clone();
        model.mark = Mark::Removed;
        for row in &mut model.rows {
            row.mark = Mark::Removed;
        }
        // Its domain by name in the new diagram, or a new one.
        let name = &old.domains[model.domain];
        model.domain = match diagram.domains.iter().position(|d| d == name) {
            Some(d) => d,
            None => {
                diagram.domains.push(name.clone());
                diagram.domains.len() - 1
            }
        };
        old_to_new[j] = Some(diagram.models.len());
        diagram.models.push(model);
    }

    // Relations: by the tables at both ends and the key field or join table.
    let key = |d: &Diagram, r: &Relation| {
        (d.models[r.from].table.clone(), d.models[r.to].table.clone(), r.label.clone(), r.cardinality)
    };
    let old_keys: HashSet<_> = old.relations.iter().map(|r| key(&old, r)).collect();
    let new_keys: HashSet<_> = diagram.relations.iter().map(|r| key(&diagram, r)).collect();
    for i in 0..diagram.relations.len() {
        if !old_keys.contains(&key(&diagram, &diagram.relations[i])) {
            diagram.relations[i].mark = Mark::Added;
        }
    }
    for relation in &old.relations {
        if new_keys.contains(&key(&old, relation)) {
            continue;
        }
        let (Some(from), Some(to)) = (old_to_new[relation.from], old_to_new[relation.to]) else { continue };
        diagram.relations.push(Relation { from, to, mark: Mark::Removed, ..relation.clone() });
    }

    let mut chosen: Vec<bool> = diagram.models.iter().map(|m| m.mark != Mark::Same).collect();
    for relation in diagram.relations.iter().filter(|r| r.mark != Mark::Same) {
        chosen[relation.from] = true;
        chosen[relation.to] = true;
    }
    diagram.around(&chosen)
}

/// Marks the rows of a model that exists before and after, and puts the
/// removed ones back after the rest.
fn mark_rows(model: &mut ModelBox, old: &ModelBox, altered: &HashSet<(String, String)>) {
    let column = |r: &Row| r.column.clone().unwrap_or_else(|| r.name.clone());
    let old_rows: HashMap<String, &Row> = old.rows.iter().map(|r| (column(r), r)).collect();
    let mut seen = HashSet::default();
    for row in &mut model.rows {
        let name = column(row);
        row.mark = match old_rows.get(&name) {
            None => Mark::Added,
            Some(before) if before.ty != row.ty || altered.contains(&(model.table.clone(), name.clone())) => {
                Mark::Changed
            }
            Some(_) => Mark::Same,
        };
        seen.insert(name);
    }
    for row in &old.rows {
        if !seen.contains(&column(row)) {
            model.rows.push(Row { mark: Mark::Removed, ..row.clone() });
        }
    }
}

/// (table, column) of every column the differ alters.
fn altered_columns(changes: &[Change]) -> HashSet<(String, String)> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::AlterColumn { table, to, .. } => Some((table_name(table), to.name.clone())),
            _ => None,
        })
        .collect()
}

/// `schema.table`, or `table` in the default schema, as the diagram names tables.
fn table_name(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{schema}.{}", name.name),
        None => name.name.clone(),
    }
}

/// The table a change is made to, if any.
fn table_of(change: &Change) -> Option<&QualifiedName> {
    match change {
        Change::CreateTable(table) | Change::DropTable(table) => Some(&table.name),
        Change::AddColumn { table, .. }
        | Change::DropColumn { table, .. }
        | Change::AlterColumn { table, .. }
        | Change::AddPrimaryKey { table, .. }
        | Change::DropPrimaryKey { table, .. }
        | Change::CreateIndex { table, .. }
        | Change::DropIndex { table, .. }
        | Change::AddForeignKey { table, .. }
        | Change::DropForeignKey { table, .. }
        | Change::CreateImmutableTriggers { table, .. }
        | Change::DropImmutableTriggers { table, .. } => Some(table),
        Change::Rename(Rename::Table { to: table, .. })
        | Change::Rename(Rename::Column { table, .. } | Rename::Index { table, .. })
        | Change::Rename(Rename::Constraint { table, .. } | Rename::Sequence { table, .. }) => Some(table),
        _ => None,
    }
}

/// The old diagram under the new names of its renamed tables and columns
/// (`@ehrdb.renamedFrom`), so a renamed model is the same model, changed,
/// not one removed and one added; returns the renamed columns as (table,
/// column), to be marked changed.
fn follow_renames(old: &mut Diagram, changes: &[Change]) -> Vec<(String, String)> {
    let mut renamed = Vec::new();
    for change in changes {
        match change {
            Change::Rename(Rename::Table { from, to }) => {
                for model in old.models.iter_mut().filter(|m| m.table == from.name) {
                    model.table = to.name.clone();
                }
            }
            Change::Rename(Rename::Column { table, from, to }) => {
                for model in old.models.iter_mut().filter(|m| m.table == table.name) {
                    for row in &mut model.rows {
                        if row.column.as_ref().unwrap_or(&row.name) == from {
                            row.column = Some(to.clone());
                        }
                    }
                }
                renamed.push((table.name.clone(), to.clone()));
            }
            _ => {}
        }
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::Keys;

    fn row(name: &str, ty: &str, column: Option<&str>) -> Row {
        Row {
            name: name.to_owned(),
            ty: ty.to_owned(),
            column: column.map(str::to_owned),
            keys: Keys::default(),
            enum_values: None,
            updatable: false,
            mark: Mark::Same,
        }
    }

    fn model(rows: Vec<Row>) -> ModelBox {
        ModelBox {
            name: "Patient".to_owned(),
            table: "patients".to_owned(),
            domain: 0,
            faded: false,
            immutable: false,
            mark: Mark::Same,
            rows,
        }
    }

    #[test]
    fn rows_are_matched_by_column_and_marked() {
        let old = model(vec![
            row("id", "String", None),
            row("surname", "String", Some("family_name")),
            row("born", "DateTime", Some("born")),
            row("weight", "Int", None),
            row("legacy", "String?", None),
        ]);
        let mut new = model(vec![
            // Renamed, same column: the same field.
            row("id", "String", None),
            row("familyName", "String", Some("family_name")),
            // Same type text, but the differ alters the column (a new @db type).
            row("born", "DateTime", None),
            row("weight", "Decimal", None),
            row("nhsNumber", "String?", Some("nhs_number")),
        ]);
        let altered: HashSet<(String, String)> = [("patients".to_owned(), "born".to_owned())].into_iter().collect();
        mark_rows(&mut new, &old, &altered);
        let marks: Vec<(&str, Mark)> = new.rows.iter().map(|r| (r.name.as_str(), r.mark)).collect();
        assert_eq!(
            marks,
            [
                ("id", Mark::Same),
                ("familyName", Mark::Same),
                ("born", Mark::Changed),
                ("weight", Mark::Changed),
                ("nhsNumber", Mark::Added),
                ("legacy", Mark::Removed),
            ]
        );
    }

    #[test]
    fn a_renamed_table_and_column_are_the_same_model_changed() {
        let old = Diagram {
            domains: vec!["clinic".to_owned()],
            models: vec![ModelBox {
                table: "people".to_owned(),
                ..model(vec![row("id", "String", None), row("fullName", "String", None)])
            }],
            ..Diagram::default()
        };
        let new = Diagram {
            domains: vec!["clinic".to_owned()],
            models: vec![model(vec![row("id", "String", None), row("name", "String", None)])],
            ..Diagram::default()
        };
        let table = |name: &str| QualifiedName { schema: None, name: name.to_owned() };
        let changes = [
            Change::Rename(Rename::Table { from: table("people"), to: table("patients") }),
            Change::Rename(Rename::Column { table: table("patients"), from: "fullName".into(), to: "name".into() }),
        ];
        let marked = mark_changes(old, new, &changes);
        assert_eq!(marked.models.len(), 1, "one model, not one removed and one added");
        assert_eq!(marked.models[0].mark, Mark::Changed);
        let marks: Vec<Mark> = marked.models[0].rows.iter().map(|r| r.mark).collect();
        assert_eq!(marks, [Mark::Same, Mark::Changed]);
    }
}
