//! Model-level rules: a unique criterion on every model, at most one primary key, `@@id`/`@@unique`/`@@index` fields that exist and are scalar, views.

use super::{Check, Ctx};

pub(super) const CHECKS: &[Check] = &[];

#[allow(dead_code)]
fn _uses(_: &mut Ctx) {}
