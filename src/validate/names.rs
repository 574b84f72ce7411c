//! Names: duplicate fields and enum values, reserved and invalid names, and tables or columns that collide after `@@map`/`@map`.

use super::{Check, Ctx};

pub(super) const CHECKS: &[Check] = &[];

#[allow(dead_code)]
fn _uses(_: &mut Ctx) {}
