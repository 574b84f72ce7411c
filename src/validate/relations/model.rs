//! What the relation rules share beyond the schema's relation graph
//! ([`crate::schema::relations`], re-exported here): the `@relation`
//! argument names, and the words of suggested fixes.

pub(crate) use crate::schema::relations::{FieldList, RelationArgs, RelationField, Relations, Shape};

use crate::ast::{Block, Field, TypeName};
use crate::validate::Ctx;

/// The parameters of `@relation`, the positional one first.
pub(in crate::validate) const PARAMS: &[&str] = &["name", "fields", "references", "onDelete", "onUpdate", "map"];

/// A field's type as Prisma compares key types: the name, without arity
/// (`Unsupported("circle")` with its argument).
pub(in crate::validate) fn type_name(ctx: &Ctx, field: &Field) -> String {
    match &field.ty.name {
        TypeName::Named(name) => name.name.to_string(),
        TypeName::Unsupported(..) => ctx.text(field.ty.span).trim_end().trim_end_matches(['?', '[', ']']).to_owned(),
    }
}

/// The field of that name in a model, if any.
pub(in crate::validate) fn field_named<'a>(model: &'a Block, name: &str) -> Option<&'a Field> {
    model.fields().find(|f| f.name.name == name)
}

/// `patient` for `Patient`, `surgicalCase` for `SurgicalCase`.
pub(in crate::validate) fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A plural good enough for a suggested field name.
pub(in crate::validate) fn plural(name: &str) -> String {
    let ends = |suffix: &str| name.ends_with(suffix);
    if ends("is") {
        format!("{}es", &name[..name.len() - 2])
    } else if ends("s") || ends("x") || ends("z") || ends("ch") || ends("sh") {
        format!("{name}es")
    } else if ends("y") && !["ay", "ey", "oy", "uy"].iter().any(|s| ends(s)) {
        format!("{}ies", &name[..name.len() - 1])
    } else {
        format!("{name}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_names_read_naturally() {
        assert_eq!(lower_first("SurgicalCase"), "surgicalCase");
        assert_eq!(plural("surgicalCase"), "surgicalCases");
        assert_eq!(plural("diagnosis"), "diagnoses");
        assert_eq!(plural("status"), "statuses");
        assert_eq!(plural("anesthesiaEntry"), "anesthesiaEntries");
        assert_eq!(plural("day"), "days");
        assert_eq!(plural("batch"), "batches");
    }
}
