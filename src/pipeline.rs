//! The one way from parsed fragments to a checked schema, which every
//! command and the audit take: the parser's diagnostics, the merge, then
//! every validation rule, with the Prisma major settled once.
//!
//! Takes [`Fragments`] (parsed, with the parser's diagnostics) and the
//! major that ehrdb.toml names, if any; returns a [`Checked`] schema: the
//! merged [`Schema`], every diagnostic in the order the stages found them,
//! and the major the rules judged by. [`Checked::lower`] gives the
//! relational model of a schema without errors. It stands above the
//! stages it strings together (a stage never calls back up into it), and
//! nothing here prints or reads a file.

use crate::diagnostics::Diagnostics;
use crate::fragments::Fragments;
use crate::schema::Schema;
use crate::sql::{self, SqlSchema};
use crate::{merge, validate};

/// A merged schema with everything the stages found in it.
pub struct Checked<'a> {
    pub schema: Schema<'a>,
    /// The parser's, the merge's and the rules', warnings included.
    pub diagnostics: Diagnostics,
    /// 6 or 7: as asked, else 6 when the datasource has a url.
    pub prisma_major: u8,
}

/// Merges and validates parsed fragments. `prisma_major` is the target
/// major from ehrdb.toml; `None` lets the datasource decide.
pub fn check(fragments: &Fragments, prisma_major: Option<u8>) -> Checked<'_> {
    let mut diagnostics = fragments.diagnostics.clone();
    let schema = merge::merge(fragments, &mut diagnostics);
    let prisma_major = prisma_major.unwrap_or_else(|| schema.default_prisma_major());
    validate::validate(&schema, prisma_major, &mut diagnostics);
    Checked { schema, diagnostics, prisma_major }
}

impl Checked<'_> {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }

    /// The relational model, when the schema has no errors: lowering takes
    /// a valid schema, and one with errors describes no database.
    pub fn lower(&self) -> Option<SqlSchema> {
        (!self.has_errors()).then(|| sql::lower::lower(&self.schema))
    }
}
