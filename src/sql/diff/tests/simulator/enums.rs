//! Enum types: created, dropped, and their values changed.

use super::{Refusal, namespace_exists, qualified, refuse, same_set, type_name_free};
use crate::sql::diff::enum_columns;
use crate::sql::{AlterEnum, Column, ColumnDefault, ColumnType, Enum, SqlSchema};

pub(super) fn create(schema: &mut SqlSchema, e: &Enum) -> Result<(), Refusal> {
    namespace_exists(schema, &e.name)?;
    type_name_free(schema, &e.name)?;
    schema.enums.push(e.clone());
    schema.enums.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

pub(super) fn drop(schema: &mut SqlSchema, e: &Enum) -> Result<(), Refusal> {
    let Some(at) = schema.enums.iter().position(|x| x.name == e.name) else {
        refuse!("enum {} does not exist", qualified(&e.name));
    };
    if !same_values(&schema.enums[at].values, &e.values) {
        refuse!("enum {} has values {:?}, not {:?}", qualified(&e.name), schema.enums[at].values, e.values);
    }
    if let Some(user) = enum_columns(schema, &e.name).first() {
        refuse!("enum {} is still the type of {}.\"{}\"", qualified(&e.name), qualified(&user.table), user.column.name);
    }
    schema.enums.remove(at);
    Ok(())
}

pub(super) fn alter(schema: &mut SqlSchema, alter: &AlterEnum) -> Result<(), Refusal> {
    let Some(at) = schema.enums.iter().position(|x| x.name == alter.name) else {
        refuse!("enum {} does not exist", qualified(&alter.name));
    };
    if !same_values(&schema.enums[at].values, &alter.from) {
        refuse!("enum {} has values {:?}, not {:?}", qualified(&alter.name), schema.enums[at].values, alter.from);
    }
    if enum_columns(schema, &alter.name) != alter.columns {
        refuse!("the change to enum {} does not carry the columns of that type", qualified(&alter.name));
    }
    let mut after = schema.clone();
    after.enums[at].values = alter.to.clone();
    for column in &alter.columns {
        column_fits(&after, &column.column)?;
    }
    *schema = after;
    Ok(())
}

/// An enum column needs its type, and its default must be one of the
/// type's values.
pub(super) fn column_fits(schema: &SqlSchema, column: &Column) -> Result<(), Refusal> {
    let ColumnType::Enum(name) = &column.ty else {
        return Ok(());
    };
    let Some(e) = schema.enums.iter().find(|e| &e.name == name) else {
        refuse!("type {} of column \"{}\" does not exist", qualified(name), column.name);
    };
    if let Some(ColumnDefault::Literal(literal)) = &column.default {
        if let Some(value) = literal_values(literal).into_iter().find(|v| !e.values.contains(v)) {
            refuse!(
                "the default of column \"{}\" is \"{value}\", which enum {} does not have",
                column.name,
                qualified(name)
            );
        }
    }
    Ok(())
}

/// The values of an enum default: `'A'` or `ARRAY['A', 'B']`.
fn literal_values(literal: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut rest = literal;
    while let Some(start) = rest.find('\'') {
        let mut value = String::new();
        let mut chars = rest[start + 1..].char_indices();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            if c != '\'' {
                value.push(c);
            } else if rest[start + 1 + i + 1..].starts_with('\'') {
                value.push('\'');
                chars.next();
            } else {
                end = start + 1 + i + 1;
                break;
            }
        }
        values.push(value);
        rest = &rest[end..];
    }
    values
}

/// Enum values compare as a set: `diff` does not migrate their order.
fn same_values(a: &[String], b: &[String]) -> bool {
    same_set(a, b)
}
