//! Field and block attributes: known names, argument names, counts and types; `@default` values that fit the field; `@updatedAt`, `@id`, `@unique`, `@@index`, `@map`, `@ignore` used where they may be.

use super::{Check, Ctx};

pub(super) const CHECKS: &[Check] = &[];

#[allow(dead_code)]
fn _uses(_: &mut Ctx) {}
