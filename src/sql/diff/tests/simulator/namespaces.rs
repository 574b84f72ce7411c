//! Schemas (namespaces) and extensions.

use super::{Refusal, qualified, refuse};
use crate::sql::{Extension, QualifiedName, SqlSchema};

pub(super) fn create(schema: &mut SqlSchema, name: &String) -> Result<(), Refusal> {
    if schema.namespaces.contains(name) {
        refuse!("schema \"{name}\" already exists");
    }
    schema.namespaces.push(name.clone());
    schema.namespaces.sort();
    Ok(())
}

pub(super) fn drop(schema: &mut SqlSchema, name: &String) -> Result<(), Refusal> {
    let Some(at) = schema.namespaces.iter().position(|n| n == name) else {
        refuse!("schema \"{name}\" does not exist");
    };
    let inside = |q: &QualifiedName| q.schema.as_deref() == Some(name);
    if let Some(user) =
        schema.tables.iter().map(|t| &t.name).chain(schema.enums.iter().map(|e| &e.name)).find(|q| inside(q))
    {
        refuse!("schema \"{name}\" still holds {}", qualified(user));
    }
    if let Some(e) = schema.extensions.iter().find(|e| e.schema.as_deref() == Some(name)) {
        refuse!("schema \"{name}\" still holds extension \"{}\"", e.name);
    }
    schema.namespaces.remove(at);
    Ok(())
}

pub(super) fn create_extension(schema: &mut SqlSchema, extension: &Extension) -> Result<(), Refusal> {
    if schema.extensions.iter().any(|e| e.name == extension.name) {
        refuse!("extension \"{}\" already exists", extension.name);
    }
    schema.extensions.push(extension.clone());
    schema.extensions.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

pub(super) fn drop_extension(schema: &mut SqlSchema, extension: &Extension) -> Result<(), Refusal> {
    let Some(at) = schema.extensions.iter().position(|e| e.name == extension.name) else {
        refuse!("extension \"{}\" does not exist", extension.name);
    };
    schema.extensions.remove(at);
    Ok(())
}
