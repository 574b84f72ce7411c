//! Renames that keep the data: what `/// @ehrdb.renamedFrom("old")` on a
//! model, field, enum or enum value turns into between two schema states.
//!
//! [`resolve`] reads the annotations of the new schema against the
//! previous one and gives the [`Renames`] in database names (tables,
//! columns, enum types and labels, after `@@map` / `@map`), with a warning
//! for an annotation that renames nothing: the old name is not in the
//! previous schema (mistyped, or renamed long ago and the annotation can
//! go). [`Renames::apply`] renames the previous relational model the same
//! way, with the indexes, constraints and serial sequences whose default
//! names follow a renamed table or column, and gives each step as a
//! [`Rename`]; the differ then compares the renamed model with the new one
//! ([`diff_renaming`]), so nothing renamed is dropped and created empty.
//!
//! A rename moves nothing between PostgreSQL schemas, and the implicit
//! join table of a renamed model's many-to-many relation is not renamed:
//! both show in the diff as a table dropped and created, which
//! `ehrdb migrate` refuses without `--allow-destructive`.

use crate::ast::{Block, BlockKind};
use crate::collections::HashSet;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::schema::Schema;
use crate::schema::annotations::{RenamedFrom, renamed_from};
use crate::schema::names::MAX_IDENTIFIER_BYTES;
use crate::sql::lower::qualified;
use crate::sql::render::literal;
use crate::sql::{Change, ColumnDefault, ColumnType, QualifiedName, Rename, SqlSchema, Table, diff};

/// The renames one schema state makes of the previous one, in database
/// names. Columns and enum values are named in their table's and type's
/// new name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Renames {
    pub tables: Vec<(QualifiedName, QualifiedName)>,
    /// (the table's new name, old column, new column).
    pub columns: Vec<(QualifiedName, String, String)>,
    pub enums: Vec<(QualifiedName, QualifiedName)>,
    /// (the type's new name, old label, new label).
    pub values: Vec<(QualifiedName, String, String)>,
}

/// The changes that turn `from` into `to` when `renames` say what was
/// renamed: the renames first, then what the differ finds between the
/// renamed `from` and `to`.
pub fn diff_renaming(from: &SqlSchema, to: &SqlSchema, renames: &Renames) -> Vec<Change> {
    let (renamed, steps) = renames.apply(from, to);
    let mut changes: Vec<Change> = steps.into_iter().map(Change::Rename).collect();
    changes.extend(diff::diff(&renamed, to));
    changes
}

/// The renames `new`'s annotations make of `old` (`None` before the first
/// migration), and a warning for each annotation that renames nothing.
pub fn resolve(old: Option<&Schema>, new: &Schema) -> (Renames, Diagnostics) {
    let mut found = Resolver { old, renames: Renames::default(), warnings: Diagnostics::default() };
    for block in new.blocks.iter().copied().filter(|b| new.owns_its_name(b)) {
        match block.kind {
            BlockKind::Model => found.model(block),
            BlockKind::Enum => found.enumeration(block),
            _ => {}
        }
    }
    (found.renames, found.warnings)
}

struct Resolver<'o, 'a> {
    old: Option<&'o Schema<'a>>,
    renames: Renames,
    warnings: Diagnostics,
}

impl<'a> Resolver<'_, 'a> {
    /// The block of that kind and name in the previous schema.
    fn old_block(&self, kind: BlockKind, name: &str) -> Option<&'a Block> {
        self.old?.types.get(name).copied().filter(|b| b.kind == kind)
    }

    /// The previous state of `block`: the block it is renamed from, or the
    /// one of its own name. Records the rename of its table or type.
    fn counterpart(&mut self, block: &Block) -> Option<&'a Block> {
        let kind = block.kind;
        let Some(annotation) = renamed_from(&block.doc) else { return self.old_block(kind, &block.name.name) };
        let noun = kind.keyword();
        let Some(old) = self.old_block(kind, &annotation.old) else {
            self.stale(&annotation, noun, &block.name.name, self.old_block(kind, &block.name.name).is_some());
            return self.old_block(kind, &block.name.name);
        };
        let (from, to) = (qualified(old), qualified(block));
        if from.schema != to.schema {
            self.warnings.push(
                Diagnostic::warning(
                    "renamed-from-other-schema",
                    annotation.span,
                    format!("{noun} `{}` was in another PostgreSQL schema as `{}`", block.name.name, annotation.old),
                )
                .label("a rename does not move it between schemas")
                .help("the migration drops it and creates it empty: move it in a migration of its own first"),
            );
            return None;
        }
        if from != to {
            match kind {
                BlockKind::Enum => self.renames.enums.push((from, to)),
                _ => self.renames.tables.push((from, to)),
            }
        }
        Some(old)
    }

    fn model(&mut self, block: &Block) {
        let old = self.counterpart(block);
        let table = qualified(block);
        for field in block.fields() {
            let Some(annotation) = renamed_from(&field.doc) else { continue };
            let before = old.and_then(|m| m.fields().find(|f| f.name.name == annotation.old));
            match before {
                Some(before) if before.column_name() != field.column_name() => self.renames.columns.push((
                    table.clone(),
                    before.column_name().to_owned(),
                    field.column_name().to_owned(),
                )),
                Some(_) => {}
                None => {
                    let renamed = old.is_some_and(|m| m.fields().any(|f| f.name.name == field.name.name));
                    self.stale(&annotation, "field", &format!("{}.{}", block.name.name, field.name.name), renamed);
                }
            }
        }
    }

    fn enumeration(&mut self, block: &Block) {
        let old = self.counterpart(block);
        let name = qualified(block);
        for value in block.values() {
            let Some(annotation) = renamed_from(&value.doc) else { continue };
            let before = old.and_then(|e| e.values().find(|v| v.name.name == annotation.old));
            match before {
                Some(before) if before.database_name() != value.database_name() => self.renames.values.push((
                    name.clone(),
                    before.database_name().to_owned(),
                    value.database_name().to_owned(),
                )),
                Some(_) => {}
                None => {
                    let renamed = old.is_some_and(|e| e.values().any(|v| v.name.name == value.name.name));
                    self.stale(&annotation, "value", &format!("{}.{}", block.name.name, value.name.name), renamed);
                }
            }
        }
    }

    /// The warning for an annotation whose old name the previous schema
    /// does not have: `done` when it already has the new one.
    fn stale(&mut self, annotation: &RenamedFrom, noun: &str, new: &str, done: bool) {
        let old = &annotation.old;
        let diagnostic = if done {
            Diagnostic::warning(
                "stale-renamed-from",
                annotation.span,
                format!("{noun} `{new}` already had this name in the last migration"),
            )
            .label("renames nothing now")
            .help(format!("the rename from `{old}` is done: remove the annotation"))
        } else {
            let previous = if self.old.is_some() { "the last migration's schema" } else { "the empty database" };
            Diagnostic::warning(
                "renamed-from-unknown",
                annotation.span,
                format!("{noun} `{new}` is renamed from `{old}`, which {previous} does not have"),
            )
            .label("renames nothing")
            .help("check the old name's spelling; without a match the migration creates it empty")
        };
        self.warnings.push(diagnostic);
    }
}

impl Renames {
    /// `from` renamed as these renames say, and the steps that do it: the
    /// enum types and their labels, the tables and their columns, then the
    /// primary keys, indexes, foreign keys and serial sequences of renamed
    /// tables and columns whose names `to` gives otherwise (Prisma derives
    /// them from the table and column names). A rename whose old name is
    /// missing, or whose new name is taken, is left to the differ.
    pub fn apply(&self, from: &SqlSchema, to: &SqlSchema) -> (SqlSchema, Vec<Rename>) {
        let mut schema = from.clone();
        let enums = self.enums.iter().map(|(old, new)| Rename::Enum { from: old.clone(), to: new.clone() });
        let values = self.values.iter().map(|(name, old, new)| Rename::EnumValue {
            name: name.clone(),
            from: old.clone(),
            to: new.clone(),
        });
        let tables = self.tables.iter().map(|(old, new)| Rename::Table { from: old.clone(), to: new.clone() });
        let columns = self.columns.iter().map(|(table, old, new)| Rename::Column {
            table: table.clone(),
            from: old.clone(),
            to: new.clone(),
        });
        let mut steps: Vec<Rename> =
            enums.chain(values).chain(tables).chain(columns).filter(|step| play(&mut schema, step)).collect();

        // What a table and a column of the renamed model were called before.
        let table_was = |table: &QualifiedName| -> QualifiedName {
            steps
                .iter()
                .find_map(|s| match s {
                    Rename::Table { from, to } if to == table => Some(from.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| table.clone())
        };
        let column_was = |table: &QualifiedName, column: &str| -> String {
            steps
                .iter()
                .find_map(|s| match s {
                    Rename::Column { table: t, from, to } if t == table && to == column => Some(from.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| column.to_owned())
        };
        let touched: HashSet<QualifiedName> = steps
            .iter()
            .filter_map(|s| match s {
                Rename::Table { to: table, .. } | Rename::Column { table, .. } => Some(table.clone()),
                _ => None,
            })
            .collect();
        let (mut objects, mut sequences) = (Vec::new(), Vec::new());
        for table in schema.tables.iter_mut().filter(|t| touched.contains(&t.name)) {
            let old_table = table_was(&table.name);
            for column in table.columns.iter().filter(|c| c.default == Some(ColumnDefault::Sequence)) {
                let old_column = column_was(&table.name, &column.name);
                let names =
                    (sequence_name(&old_table.name, &old_column), sequence_name(&table.name.name, &column.name));
                if let (Some(from), Some(to)) = names
                    && from != to
                {
                    sequences.push(Rename::Sequence { table: table.name.clone(), from, to });
                }
            }
            if let Some(target) = to.tables.iter().find(|t| t.name == table.name) {
                objects.extend(follow_names(table, target));
            }
        }
        steps.extend(objects);
        steps.extend(sequences);
        schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
        schema.enums.sort_by(|a, b| a.name.cmp(&b.name));
        (schema, steps)
    }
}

/// Plays one rename on a relational model, as PostgreSQL would; `false`
/// when the old name is missing or the new one taken. Sequences are not
/// in the model.
pub(crate) fn play(schema: &mut SqlSchema, rename: &Rename) -> bool {
    match rename {
        Rename::Table { from, to } => rename_table(schema, from, to),
        Rename::Column { table, from, to } => rename_column(schema, table, from, to),
        Rename::Enum { from, to } => rename_enum(schema, from, to),
        Rename::EnumValue { name, from, to } => rename_value(schema, name, from, to),
        Rename::Index { table, from, to } => {
            let Some(table) = schema.tables.iter_mut().find(|t| &t.name == table) else { return false };
            let taken = table.indexes.iter().any(|i| &i.name == to)
                || table.primary_key.as_ref().is_some_and(|k| &k.name == to);
            let key = table.primary_key.as_mut().filter(|k| &k.name == from).map(|k| &mut k.name);
            match key.or_else(|| table.indexes.iter_mut().find(|i| &i.name == from).map(|i| &mut i.name)) {
                Some(name) if !taken => {
                    *name = to.clone();
                    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
                    true
                }
                _ => false,
            }
        }
        Rename::Constraint { table, from, to } => {
            let Some(table) = schema.tables.iter_mut().find(|t| &t.name == table) else { return false };
            if table.foreign_keys.iter().any(|k| &k.name == to) {
                return false;
            }
            let Some(key) = table.foreign_keys.iter_mut().find(|k| &k.name == from) else { return false };
            key.name = to.clone();
            table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            true
        }
        Rename::Sequence { .. } => true,
    }
}

/// PostgreSQL's name for a serial column's sequence, when it needs no
/// shortening (a longer one is left as it is).
fn sequence_name(table: &str, column: &str) -> Option<String> {
    let name = format!("{table}_{column}_seq");
    (name.len() <= MAX_IDENTIFIER_BYTES).then_some(name)
}

fn rename_enum(schema: &mut SqlSchema, old: &QualifiedName, new: &QualifiedName) -> bool {
    if schema.enums.iter().any(|e| &e.name == new) {
        return false;
    }
    let Some(e) = schema.enums.iter_mut().find(|e| &e.name == old) else { return false };
    e.name = new.clone();
    for column in schema.tables.iter_mut().flat_map(|t| &mut t.columns) {
        if matches!(&column.ty, ColumnType::Enum(name) if name == old) {
            column.ty = ColumnType::Enum(new.clone());
        }
    }
    true
}

fn rename_value(schema: &mut SqlSchema, name: &QualifiedName, old: &str, new: &str) -> bool {
    let Some(e) = schema.enums.iter_mut().find(|e| &e.name == name) else { return false };
    if e.values.iter().any(|v| v == new) {
        return false;
    }
    let Some(value) = e.values.iter_mut().find(|v| *v == old) else { return false };
    *value = new.to_owned();
    // A default holds the label's identity, not its text: it follows.
    let (old_literal, new_literal) = (literal(old), literal(new));
    for column in schema.tables.iter_mut().flat_map(|t| &mut t.columns) {
        if matches!(&column.ty, ColumnType::Enum(n) if n == name)
            && column.default == Some(ColumnDefault::Literal(old_literal.clone()))
        {
            column.default = Some(ColumnDefault::Literal(new_literal.clone()));
        }
    }
    true
}

fn rename_table(schema: &mut SqlSchema, old: &QualifiedName, new: &QualifiedName) -> bool {
    if schema.tables.iter().any(|t| &t.name == new) {
        return false;
    }
    let Some(table) = schema.tables.iter_mut().find(|t| &t.name == old) else { return false };
    table.name = new.clone();
    for key in schema.tables.iter_mut().flat_map(|t| &mut t.foreign_keys) {
        if &key.referenced_table == old {
            key.referenced_table = new.clone();
        }
    }
    true
}

fn rename_column(schema: &mut SqlSchema, table_name: &QualifiedName, old: &str, new: &str) -> bool {
    let Some(table) = schema.tables.iter_mut().find(|t| &t.name == table_name) else { return false };
    if table.column(new).is_some() {
        return false;
    }
    let Some(column) = table.columns.iter_mut().find(|c| c.name == old) else { return false };
    column.name = new.to_owned();
    let rename = |name: &mut String| {
        if name == old {
            *name = new.to_owned();
        }
    };
    let key_columns = table.primary_key.iter_mut().flat_map(|k| &mut k.columns);
    for column in key_columns.chain(table.indexes.iter_mut().flat_map(|i| &mut i.columns)) {
        rename(&mut column.name);
    }
    for key in &mut table.foreign_keys {
        key.columns.iter_mut().for_each(rename);
    }
    for key in schema.tables.iter_mut().flat_map(|t| &mut t.foreign_keys) {
        if &key.referenced_table == table_name {
            key.referenced_columns.iter_mut().for_each(rename);
        }
    }
    true
}

/// The renames that give `table`'s primary key, indexes and foreign keys
/// the names `target` has for the same definitions.
fn follow_names(table: &mut Table, target: &Table) -> Vec<Rename> {
    let mut steps = Vec::new();
    let name = table.name.clone();
    if let (Some(key), Some(wanted)) = (&mut table.primary_key, &target.primary_key)
        && key.name != wanted.name
        && key.columns == wanted.columns
    {
        steps.push(Rename::Index { table: name.clone(), from: key.name.clone(), to: wanted.name.clone() });
        key.name = wanted.name.clone();
    }
    let old_names: Vec<String> = table.indexes.iter().map(|i| i.name.clone()).collect();
    for index in &mut table.indexes {
        if target.indexes.iter().any(|i| i.name == index.name) {
            continue;
        }
        let same = target.indexes.iter().find(|i| {
            !old_names.contains(&i.name)
                && i.unique == index.unique
                && i.columns == index.columns
                && i.method == index.method
                && i.predicate == index.predicate
        });
        if let Some(same) = same {
            steps.push(Rename::Index { table: name.clone(), from: index.name.clone(), to: same.name.clone() });
            index.name = same.name.clone();
        }
    }
    let old_names: Vec<String> = table.foreign_keys.iter().map(|k| k.name.clone()).collect();
    for key in &mut table.foreign_keys {
        if target.foreign_keys.iter().any(|k| k.name == key.name) {
            continue;
        }
        let same = target.foreign_keys.iter().find(|k| {
            !old_names.contains(&k.name)
                && k.columns == key.columns
                && k.referenced_table == key.referenced_table
                && k.referenced_columns == key.referenced_columns
                && k.on_delete == key.on_delete
                && k.on_update == key.on_update
        });
        if let Some(same) = same {
            steps.push(Rename::Constraint { table: name.clone(), from: key.name.clone(), to: same.name.clone() });
            key.name = same.name.clone();
        }
    }
    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    steps
}
