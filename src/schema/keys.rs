//! Keys: the ways a model identifies a row (`@id`, `@@id`, `@unique`,
//! `@@unique`), and the field lists that key and index attributes name.

use crate::ast::{Attribute, Block, Expr};
use crate::diagnostics::Span;

/// A way to identify a row: `@id`, `@@id`, `@unique` or `@@unique`.
#[derive(Debug, Clone)]
pub struct Criterion<'a> {
    pub fields: Vec<&'a str>,
    pub primary: bool,
    pub span: Span,
}

impl Block {
    /// Every unique criterion of a model, the primary key first.
    pub fn unique_criteria(&self) -> Vec<Criterion<'_>> {
        let mut criteria = Vec::new();
        for field in self.fields() {
            if let Some(id) = field.attribute("id") {
                criteria.push(Criterion { fields: vec![field.name.name.as_str()], primary: true, span: id.span });
            }
        }
        for attribute in self.attributes_named("id") {
            criteria.push(Criterion { fields: attribute.field_list(), primary: true, span: attribute.span });
        }
        for field in self.fields() {
            if let Some(unique) = field.attribute("unique") {
                criteria.push(Criterion { fields: vec![field.name.name.as_str()], primary: false, span: unique.span });
            }
        }
        for attribute in self.attributes_named("unique") {
            criteria.push(Criterion { fields: attribute.field_list(), primary: false, span: attribute.span });
        }
        criteria
    }

    /// Whether `fields` (in any order) are exactly one unique criterion.
    pub fn is_unique(&self, fields: &[&str]) -> bool {
        self.unique_criteria()
            .iter()
            .any(|c| c.fields.len() == fields.len() && fields.iter().all(|f| c.fields.contains(f)))
    }
}

impl Attribute {
    /// The field names of `@@id([a, b])`, `@@unique(fields: [a, b(sort:
    /// Desc)])` and the like: constants and the names of field references
    /// with arguments.
    pub fn field_list(&self) -> Vec<&str> {
        let list = self.positional().or_else(|| self.named("fields"));
        match list {
            Some(Expr::Array(items, _)) => items.iter().filter_map(Expr::field_ref_name).collect(),
            _ => Vec::new(),
        }
    }
}

impl Expr {
    /// `a` in `[a]` and in `[a(sort: Desc)]`.
    pub fn field_ref_name(&self) -> Option<&str> {
        match self {
            Expr::Constant(name) => Some(&name.name),
            Expr::Function(name, _) => Some(&name.name),
            _ => None,
        }
    }
}
