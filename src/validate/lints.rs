//! Warnings a reviewer of an EHR schema would raise. Each has a stable
//! code and a reason (documented in the README); they fail a run only
//! with `--deny-warnings`.

use super::{Check, Ctx, FieldKind, Scalar};
use crate::diagnostics::Diagnostic;

pub(super) const CHECKS: &[Check] = &[("timestamps_carry_a_time_zone", timestamps_carry_a_time_zone)];

/// Prisma maps `DateTime` to `TIMESTAMP(3)`, which stores wall-clock time
/// without a zone: across a daylight-saving change, or between sites in
/// different zones, the order of clinical events becomes ambiguous.
fn timestamps_carry_a_time_zone(ctx: &mut Ctx) {
    for model in ctx.models() {
        for field in model.fields() {
            if !matches!(ctx.resolve(&field.ty), FieldKind::Scalar(Scalar::DateTime)) {
                continue;
            }
            let native = field.attributes.iter().find_map(|a| a.name.name.strip_prefix("db."));
            if matches!(native, Some("Timestamptz" | "Date" | "Time" | "Timetz")) {
                continue;
            }
            ctx.push(
                Diagnostic::warning(
                    "timestamp-without-time-zone",
                    field.ty.span,
                    format!("`{}.{}` is stored without a time zone", model.name.name, field.name.name),
                )
                .label(match native {
                    Some(native) => format!("@db.{native} keeps no zone"),
                    None => "DateTime is TIMESTAMP(3) without time zone".to_owned(),
                })
                .help("add `@db.Timestamptz(6)` (or `@db.Date` for a calendar date)"),
            );
        }
    }
}
