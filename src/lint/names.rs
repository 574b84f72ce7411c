//! Names in squawk's syntax tree, as PostgreSQL resolves them.
//!
//! Takes nodes of a parsed statement and returns [`ObjectName`]s: an
//! unquoted identifier folded to lower case, a quoted one kept as written
//! (`"Patient"` and `patient` are different tables), with the schema when
//! the statement names one. Nothing here knows what a rule is.

use std::fmt;

use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{SyntaxKind, SyntaxNode};

/// PostgreSQL's default schema, where an unqualified name is assumed to be.
const DEFAULT_SCHEMA: &str = "public";

/// A table, index, type, function or other schema object, as a statement
/// names it. `schema: None` is whatever the session's search path finds
/// first (the URL's `schema`, usually `public`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ObjectName {
    pub schema: Option<String>,
    pub name: String,
}

impl ObjectName {
    pub fn new(schema: Option<&str>, name: &str) -> ObjectName {
        ObjectName { schema: schema.map(str::to_owned), name: name.to_owned() }
    }

    /// Whether two names denote the same object. An unqualified name is in
    /// the connection's default schema; which one that is depends on the
    /// URL, so it is taken to be PostgreSQL's default, `public`, when the
    /// other name spells out a schema.
    pub fn same(&self, other: &ObjectName) -> bool {
        let schema = |name: &ObjectName| name.schema.clone().unwrap_or_else(|| DEFAULT_SCHEMA.to_owned());
        self.name == other.name && schema(self) == schema(other)
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// The name of the first path (`a`, `s.a`, `"S"."A"`) at or below `node`.
pub(crate) fn path_name(node: &SyntaxNode) -> Option<ObjectName> {
    let path = node.descendants().find(|n| matches!(n.kind(), SyntaxKind::PATH | SyntaxKind::PATH_REF))?;
    // Preorder: the qualifier's segments come before the last one.
    let segments: Vec<String> = path
        .descendants()
        .filter(|n| matches!(n.kind(), SyntaxKind::PATH_SEGMENT | SyntaxKind::PATH_SEGMENT_REF))
        .map(|n| ast::normalize_name_node(&n))
        .collect();
    let (name, qualifiers) = segments.split_last()?;
    Some(ObjectName { schema: qualifiers.last().cloned(), name: name.clone() })
}

/// [`path_name`] of an optional typed node.
pub(crate) fn name_of(node: Option<impl AstNode>) -> Option<ObjectName> {
    path_name(node?.syntax())
}

/// The name of a column, constraint or trigger, however the grammar
/// nests it (a bare identifier, or a one-segment path).
pub(crate) fn ident(node: &SyntaxNode) -> String {
    match path_name(node) {
        Some(name) => name.name,
        None => ast::normalize_name_node(node),
    }
}

/// Whether a keyword appears anywhere in `node` (`CONCURRENTLY`, `FULL`),
/// wherever the grammar puts it (`REINDEX (CONCURRENTLY) TABLE t` or
/// `REINDEX TABLE CONCURRENTLY t`).
pub(crate) fn has_keyword(node: &SyntaxNode, keyword: SyntaxKind) -> bool {
    node.descendants_with_tokens().any(|element| element.kind() == keyword)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_path(sql: &str) -> ObjectName {
        let parse = squawk_syntax::SourceFile::parse(sql);
        path_name(&parse.syntax_node()).unwrap()
    }

    #[test]
    fn unquoted_names_fold_to_lower_case_and_quoted_ones_keep_their_case() {
        assert_eq!(first_path("DROP TABLE Patients;"), ObjectName::new(None, "patients"));
        assert_eq!(first_path(r#"DROP TABLE "Patients";"#), ObjectName::new(None, "Patients"));
        assert_eq!(first_path(r#"DROP TABLE "Audit"."Log""#), ObjectName::new(Some("Audit"), "Log"));
        assert_eq!(first_path(r#"DROP TABLE db.audit."a""b""#), ObjectName::new(Some("audit"), "a\"b"));
    }

    #[test]
    fn an_unqualified_name_is_taken_to_be_in_public() {
        let plain = ObjectName::new(None, "log");
        assert!(plain.same(&ObjectName::new(Some("public"), "log")));
        assert!(!ObjectName::new(Some("audit"), "log").same(&plain));
        assert!(!ObjectName::new(Some("audit"), "log").same(&ObjectName::new(Some("public"), "log")));
        assert!(!plain.same(&ObjectName::new(None, "Log")));
    }
}
