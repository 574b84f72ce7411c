//! ehrdb's own annotations in doc comments: `@ehrdb.immutable` and its `allowUpdate` list; an unknown `@ehrdb.*` is an error.

use super::{Check, Ctx};

pub(super) const CHECKS: &[Check] = &[];

#[allow(dead_code)]
fn _uses(_: &mut Ctx) {}
