//! ehrdb's own annotations, written in `///` doc comments so Prisma
//! ignores them: `/// @ehrdb.immutable` makes a model's table append-only;
//! `/// @ehrdb.immutable(allowUpdate: [a, b])` also permits UPDATEs that
//! change only the listed columns; `/// @ehrdb.allow(code, ...)` on a
//! block, field or enum value silences lints there (the validator's
//! `allows` applies it).
//!
//! `/// @ehrdb.renamedFrom("oldName")` on a model, a field, an enum or an
//! enum value says it was called `oldName` in the previous schema, so the
//! migration renames it and keeps its data instead of dropping it and
//! creating an empty one.
//!
//! An annotation starts its doc comment line (`parse` reads one line).
//! [`Block::immutable`] and [`renamed_from`] are how the stages read them:
//! the validator's rules (which report every malformed, unknown or
//! misplaced one), the lints, the SQL triggers and the renames.

pub(crate) mod parse;

use self::parse::Value;
use crate::ast::{Block, BlockKind, Comment, Ident};
use crate::diagnostics::Span;

/// The annotations ehrdb knows, by name (`immutable` for `@ehrdb.immutable`).
pub(crate) const KNOWN: &[&str] = &["immutable", RENAMED_FROM, "allow"];

/// `@ehrdb.renamedFrom("oldName")`'s name.
pub(crate) const RENAMED_FROM: &str = "renamedFrom";

/// A model's `@ehrdb.immutable` as written: the SQL stage turns it into
/// triggers that refuse DELETE and TRUNCATE, and UPDATEs that change any
/// column but `allow_update`.
#[derive(Debug, Clone)]
pub struct ImmutableAnnotation {
    /// The `@ehrdb.immutable` text in the doc comment.
    pub span: Span,
    /// The fields named in `allowUpdate: [...]`, as written.
    pub allow_update: Vec<Ident>,
}

impl Block {
    /// The model's `@ehrdb.immutable` annotation, if it has one that
    /// parses (a malformed one is an error of the validator, so later
    /// stages never see it). The `allowUpdate` names are as written: the
    /// validator's rules check them.
    pub fn immutable(&self) -> Option<ImmutableAnnotation> {
        if self.kind != BlockKind::Model {
            return None;
        }
        self.doc.iter().filter_map(|c| parse::parse(c)?.ok()).find(|a| a.name.name == "immutable").map(|a| {
            let allow_update = a
                .args
                .iter()
                .filter(|arg| arg.name.as_ref().is_some_and(|n| n.name == "allowUpdate"))
                .find_map(|arg| match &arg.value {
                    Value::List(names, _) => Some(names.clone()),
                    Value::Word(_) => None,
                })
                .unwrap_or_default();
            ImmutableAnnotation { span: a.name.span, allow_update }
        })
    }
}

/// A `@ehrdb.renamedFrom("oldName")` as written.
#[derive(Debug, Clone)]
pub struct RenamedFrom {
    /// The `@ehrdb.renamedFrom` text in the doc comment.
    pub span: Span,
    /// The old name, without its quotes.
    pub old: String,
    /// The quoted old name in the doc comment.
    pub old_span: Span,
}

/// The `@ehrdb.renamedFrom("old")` among `doc` (the doc comment of a model,
/// field, enum or enum value), if one parses with one quoted name; a
/// malformed one is the validator's error, so later stages never see it.
pub fn renamed_from(doc: &[Comment]) -> Option<RenamedFrom> {
    doc.iter().find_map(|comment| {
        let annotation = parse::parse(comment)?.ok()?;
        if annotation.name.name != RENAMED_FROM {
            return None;
        }
        let [arg] = annotation.args.as_slice() else { return None };
        match (&arg.name, &arg.value) {
            (None, Value::Word(span)) => {
                let old = quoted(word_text(comment, *span))?;
                Some(RenamedFrom { span: annotation.name.span, old: old.to_owned(), old_span: *span })
            }
            _ => None,
        }
    })
}

/// The text of a span inside `comment`.
pub(crate) fn word_text(comment: &Comment, span: Span) -> &str {
    let start = (span.start - comment.span.start) as usize;
    let end = (span.end - comment.span.start) as usize;
    &comment.text[start..end]
}

/// The name inside `"..."`, when the word is one quoted, non-empty name
/// with no quote or backslash inside.
pub(crate) fn quoted(word: &str) -> Option<&str> {
    let inner = word.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.is_empty() && !inner.contains(['"', '\\'])).then_some(inner)
}

#[cfg(test)]
mod tests {
    use crate::fragments::Fragments;

    #[test]
    fn a_model_annotation_is_read_with_its_fields() {
        let text = "datasource db {\n  provider = \"postgresql\"\n}\n\n\
                    /// Signed notes.\n/// @ehrdb.immutable(allowUpdate: [amendedById, body])\n\
                    model ClinicalNote {\n  id String @id\n}\n\n/// @ehrdb.immutable\nenum Status {\n  A\n}\n";
        let fragments =
            Fragments::from_texts(vec![("schema/audit.prisma".to_owned(), "schema/audit.prisma".into(), text.into())]);
        let blocks: Vec<_> = fragments.fragments[0].ast.blocks().collect();
        let annotation = blocks[1].immutable().expect("annotated");
        let names: Vec<&str> = annotation.allow_update.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["amendedById", "body"]);
        assert_eq!(fragments.sources.slice(annotation.span), "@ehrdb.immutable");
        assert!(blocks[0].immutable().is_none(), "a datasource");
        assert!(blocks[2].immutable().is_none(), "only models take it");
    }

    #[test]
    fn a_malformed_annotation_is_none() {
        let text = "/// @ehrdb.immutable(allowUpdate: [a b])\nmodel Note {\n  id String @id\n}\n";
        let fragments =
            Fragments::from_texts(vec![("schema/a.prisma".to_owned(), "schema/a.prisma".into(), text.into())]);
        assert!(fragments.fragments[0].ast.blocks().next().unwrap().immutable().is_none());
    }
}
