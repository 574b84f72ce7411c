//! Relations: opposite fields, `fields`/`references` arity and types, referenced fields unique, names for ambiguous relations, 1:1 and m:n rules, referential actions.

use super::{Check, Ctx};

pub(super) const CHECKS: &[Check] = &[];

#[allow(dead_code)]
fn _uses(_: &mut Ctx) {}
