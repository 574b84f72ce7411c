//! The datasource and generator blocks: exactly one PostgreSQL datasource, the url rules of the target Prisma major, preview features, generator providers.

use super::{Check, Ctx};

pub(super) const CHECKS: &[Check] = &[];

#[allow(dead_code)]
fn _uses(_: &mut Ctx) {}
