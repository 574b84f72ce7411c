//! What the merged schema means: the layer that validation, lowering and
//! the audit all stand on.
//!
//! Takes the [`Schema`] that the merge builds, one namespace of models,
//! enums, views and composite types over every fragment, and answers what
//! its names mean: what a field's type refers to ([`Schema::resolve`]),
//! what a model's table, a field's column and a constraint are called in
//! the database ([`names`]), a model's unique criteria (`keys`), the relation graph
//! ([`relations`]), and ehrdb's own annotations ([`annotations`]). The
//! answers about one block, field or attribute are methods on the syntax
//! tree's own nodes (`model.table_name()`, `field.column_name()`,
//! `model.unique_criteria()`, `model.immutable()`), written here so that
//! [`ast`](crate::ast) stays syntax.
//!
//! Nothing here judges the schema: a type that names nothing is
//! [`FieldKind::Unknown`], a malformed annotation is `None`, and saying
//! why is the validator's job. Nothing prints or reads a file.

pub mod annotations;
mod keys;
pub mod names;
pub mod relations;
mod types;

pub use annotations::ImmutableAnnotation;
pub use keys::Criterion;
pub use types::{FieldKind, Scalar};

use crate::ast::{Block, BlockKind};
use crate::collections::HashMap;
use crate::diagnostics::Span;
use crate::fragments::Fragments;

/// The merged, name-resolved view of all fragments (built by
/// [`merge`](crate::merge::merge)).
#[derive(Debug)]
pub struct Schema<'a> {
    /// The fragments it was merged from: their text, and the comments
    /// that belong to no block.
    pub fragments: &'a Fragments,
    /// Models, enums, views and composite types by name; the first
    /// definition wins when a name is taken twice (the merge reports it).
    pub types: HashMap<&'a str, &'a Block>,
    pub datasource: Option<&'a Block>,
    pub generators: Vec<&'a Block>,
    /// Every block in fragment order.
    pub blocks: Vec<&'a Block>,
}

impl<'a> Schema<'a> {
    pub fn models(&self) -> impl Iterator<Item = &'a Block> + '_ {
        self.blocks.iter().copied().filter(|b| b.kind == BlockKind::Model)
    }

    pub fn count(&self, kind: BlockKind) -> usize {
        self.blocks.iter().filter(|b| b.kind == kind).count()
    }

    /// Whether `block` is the definition its name resolves to: a second
    /// block of that name is reported by the merge and means nothing.
    pub fn owns_its_name(&self, block: &Block) -> bool {
        self.types.get(block.name.name.as_str()).is_some_and(|b| std::ptr::eq(*b, block))
    }

    /// `relationMode = "prisma"` in the datasource: Prisma emulates the
    /// foreign keys in the client, and the database has none.
    pub fn relations_are_emulated(&self) -> bool {
        self.datasource.and_then(|d| d.property("relationMode")).and_then(|p| p.value.as_str()) == Some("prisma")
    }

    /// Whether a generator lists this preview feature; Prisma takes the
    /// union of every generator's, compared without regard to case, and
    /// reads a single string as a list of one.
    pub fn preview_feature(&self, feature: &str) -> bool {
        self.generators.iter().any(|generator| {
            generator.property("previewFeatures").is_some_and(|p| {
                let items = match &p.value {
                    crate::ast::Expr::Array(items, _) => items.as_slice(),
                    single => std::slice::from_ref(single),
                };
                items.iter().filter_map(crate::ast::Expr::as_str).any(|f| f.eq_ignore_ascii_case(feature))
            })
        })
    }

    /// The Prisma major the schema is written for when ehrdb.toml does not
    /// say: 6 when the datasource has a `url`, else 7 (which moved it out).
    pub fn default_prisma_major(&self) -> u8 {
        match self.datasource {
            Some(datasource) if datasource.property("url").is_some() => 6,
            _ => 7,
        }
    }

    /// The text a span covers.
    pub fn text(&self, span: Span) -> &'a str {
        self.fragments.sources.slice(span)
    }
}
