//! Warnings a reviewer of an EHR schema would raise. Each has a stable
//! code and a reason (documented in the README); they fail a run only
//! with `--deny-warnings`. A lint must have a clear reason and few false
//! positives: the example schema raises none. The lints about
//! `@ehrdb.immutable` models live in [`immutable`].

mod immutable;

use super::{Ctx, Rule};
use crate::ast::{Arity, Block, BlockKind, Expr, Field};
use crate::diagnostics::Diagnostic;
use crate::schema::{FieldKind, Scalar};

pub(super) const CHECKS: &[Rule] = &[
    Rule::blocks("timestamps_carry_a_time_zone", timestamps_carry_a_time_zone),
    Rule::blocks("foreign_keys_are_indexed", foreign_keys_are_indexed),
    Rule::blocks("money_is_not_a_float", money_is_not_a_float),
    Rule::blocks("immutable_models_are_not_keyed_by_autoincrement", immutable::not_keyed_by_autoincrement),
    Rule::blocks("deletes_do_not_write_into_immutable_models", immutable::deletes_do_not_write_into_them),
    Rule::blocks("immutable_models_have_no_updated_at", immutable::have_no_updated_at),
];

/// Prisma maps `DateTime` to `TIMESTAMP(3)`, which stores wall-clock time
/// without a zone: across a daylight-saving change, or between sites in
/// different zones, the order of clinical events becomes ambiguous.
fn timestamps_carry_a_time_zone(ctx: &mut Ctx) {
    for model in ctx.models() {
        for field in model.fields() {
            if !matches!(ctx.schema.resolve(&field.ty), FieldKind::Scalar(Scalar::DateTime)) {
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

/// PostgreSQL indexes the referenced key but not the referencing columns:
/// without an index, every delete or key update of a parent row scans the
/// child table (under a lock), and so does every join from parent to
/// children, e.g. a patient's notes.
fn foreign_keys_are_indexed(ctx: &mut Ctx) {
    for model in ctx.blocks().filter(|b| b.kind == BlockKind::Model) {
        let indexes = leading_columns(model);
        let fields = ctx.fields_by_name(model);
        for field in model.fields() {
            let Some(keys_expr) = field.attribute("relation").and_then(|r| r.named("fields")) else { continue };
            let Expr::Array(items, _) = keys_expr else { continue };
            let keys: Vec<&str> = items.iter().filter_map(Expr::field_ref_name).collect();
            // A key the relation rules reject (a list side, a repeated or
            // missing field, a relation field as key) is theirs to report.
            let scalar =
                |k: &&str| fields.get(k).is_some_and(|f| !matches!(ctx.schema.resolve(&f.ty), FieldKind::Model(_)));
            let repeated = keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k));
            if keys.is_empty() || field.ty.arity == Arity::List || repeated || !keys.iter().all(scalar) {
                continue;
            }
            let covered = indexes
                .iter()
                .any(|index| index.len() >= keys.len() && keys.iter().all(|k| index[..keys.len()].contains(k)));
            if covered {
                continue;
            }
            let list = keys.join(", ");
            ctx.push(
                Diagnostic::warning(
                    "fk-without-index",
                    keys_expr.span(),
                    if keys.len() == 1 {
                        format!("foreign key `{}.{list}` has no index", model.name.name)
                    } else {
                        format!("foreign key `{}({list})` has no index", model.name.name)
                    },
                )
                .label("PostgreSQL does not index foreign-key columns")
                .help(format!(
                    "add `@@index([{list}])` to `{}` (or an @@unique/@@index that starts with these fields)",
                    model.name.name
                )),
            );
        }
    }
}

/// The columns of every index PostgreSQL can use for an equality lookup:
/// primary key, unique constraints, and B-tree or hash `@@index`es without
/// a `where:` (a partial index misses rows).
fn leading_columns(model: &Block) -> Vec<Vec<&str>> {
    let mut indexes: Vec<Vec<&str>> = model.unique_criteria().into_iter().map(|c| c.fields).collect();
    for index in model.attributes_named("index") {
        let kind = index.named("type").and_then(Expr::as_constant);
        if index.named("where").is_some() || !matches!(kind, None | Some("BTree" | "Hash")) {
            continue;
        }
        indexes.push(index.field_list());
    }
    indexes
}

/// `Float` is binary floating point: 0.10 + 0.20 is not 0.30, and sums of
/// charges drift by cents that then fail to reconcile with the payer.
/// Money belongs in `Decimal` (NUMERIC) or an integer of minor units.
fn money_is_not_a_float(ctx: &mut Ctx) {
    for model in ctx.models() {
        for field in model.fields() {
            if !matches!(ctx.schema.resolve(&field.ty), FieldKind::Scalar(Scalar::Float)) || !is_money(model, field) {
                continue;
            }
            ctx.push(
                Diagnostic::warning(
                    "float-for-money",
                    field.ty.span,
                    format!("`{}.{}` looks like money but is a Float", model.name.name, field.name.name),
                )
                .label("binary floating point: 0.1 + 0.2 is not 0.3")
                .help(format!(
                    "use `Decimal{} @db.Decimal(12, 2)`, or an Int of cents",
                    if field.ty.arity == Arity::Optional { "?" } else { "" }
                )),
            );
        }
    }
}

/// Words that name money on their own.
const MONEY: &[&str] = &[
    "price",
    "cost",
    "costs",
    "fee",
    "fees",
    "tax",
    "vat",
    "discount",
    "subtotal",
    "copay",
    "copayment",
    "coinsurance",
    "deductible",
    "premium",
    "refund",
    "tariff",
    "reimbursement",
    "payment",
    "payout",
    "revenue",
];
/// Words that name money only in a billing context (`Invoice.total`,
/// `amountPaid`); elsewhere they are doses and fluid volumes.
const AMBIGUOUS: &[&str] = &["amount", "total", "balance", "sum"];
const BILLING: &[&str] = &[
    "invoice",
    "invoices",
    "payment",
    "payments",
    "claim",
    "claims",
    "charge",
    "charges",
    "bill",
    "billing",
    "billed",
    "refund",
    "remittance",
    "paid",
    "due",
    "owed",
    "outstanding",
    "receipt",
    "price",
    "fee",
];

fn is_money(model: &Block, field: &Field) -> bool {
    let words = words(&field.name.name);
    if words.iter().any(|w| MONEY.contains(&w.as_str())) {
        return true;
    }
    let context = words.iter().chain(&self::words(&model.name.name)).any(|w| BILLING.contains(&w.as_str()));
    context && words.iter().any(|w| AMBIGUOUS.contains(&w.as_str()))
}

/// `amountPaid`, `amount_paid` and `AmountPaid` are `[amount, paid]`.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c.is_ascii_digit() {
            words.push(String::new());
            previous_lower = false;
            continue;
        }
        if (c.is_uppercase() && previous_lower) || words.is_empty() {
            words.push(String::new());
        }
        previous_lower = c.is_lowercase();
        if let Some(word) = words.last_mut() {
            word.extend(c.to_lowercase());
        }
    }
    words.retain(|w| !w.is_empty());
    words
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn names_split_into_lowercase_words() {
        assert_eq!(words("amountPaid"), ["amount", "paid"]);
        assert_eq!(words("unit_price"), ["unit", "price"]);
        assert_eq!(words("InvoiceLine"), ["invoice", "line"]);
        assert_eq!(words("vatRate2"), ["vat", "rate"]);
        assert_eq!(words("ID"), ["id"]);
    }
}
