//! `@default` values that fit their field: a member of the field's enum,
//! a literal of the field's scalar type (and a list for a list field), or
//! a function that produces that type: `now()` for `DateTime`,
//! `autoincrement()` for `Int`/`BigInt`, `uuid()`, `cuid()`, `nanoid()`
//! and `ulid()` for `String`, `dbgenerated("...")` for anything.

use super::arguments::describe;
use crate::ast::{Arguments, Arity, Attribute, Block, Expr, Field};
use crate::diagnostics::Diagnostic;
use crate::number::is_unsigned_decimal;
use crate::schema::{FieldKind, Scalar};
use crate::validate::{Ctx, closest};

/// The functions Prisma knows for PostgreSQL.
const FUNCTIONS: [&str; 7] = ["autoincrement", "now", "uuid", "cuid", "nanoid", "ulid", "dbgenerated"];

pub(super) fn defaults_fit_their_fields(ctx: &mut Ctx) {
    for model in ctx.models() {
        for field in model.fields() {
            let Some(attribute) = field.attribute("default") else { continue };
            let Some(value) = attribute.positional().or_else(|| attribute.named("value")) else { continue };
            let kind = ctx.schema.resolve(&field.ty);
            if let Some(diagnostic) = check(kind, field, attribute, value) {
                ctx.push(diagnostic);
            }
        }
    }
}

fn check(kind: FieldKind, field: &Field, attribute: &Attribute, value: &Expr) -> Option<Diagnostic> {
    let name = &field.name.name;
    if let FieldKind::Model(_) = kind {
        return Some(
            Diagnostic::error(
                "default-on-relation-field",
                attribute.span,
                format!("relation field `{name}` cannot have a default"),
            )
            .label("a relation field has no column")
            .help(match foreign_keys(field).as_slice() {
                [one] => format!("put the default on its foreign key field `{one}`"),
                _ => "put the default on the foreign key fields named in `@relation(fields: [...])`".to_owned(),
            }),
        );
    }
    if let Expr::Function(function, args) = value {
        if function.name == "dbgenerated" {
            return dbgenerated_arguments(args, value);
        }
    }
    let list = field.ty.arity == Arity::List;
    match kind {
        FieldKind::Unknown | FieldKind::Composite(_) | FieldKind::Model(_) => None,
        FieldKind::Unsupported => Some(
            Diagnostic::error(
                "default-on-unsupported-field",
                value.span(),
                format!("`Unsupported` field `{name}` can only default to `dbgenerated(\"...\")`"),
            )
            .label("Prisma cannot write this value for an unsupported type")
            .help("write the SQL expression: `@default(dbgenerated(\"...\"))`"),
        ),
        FieldKind::Enum(block) if list => match value {
            Expr::Array(items, _) => items.iter().find_map(|item| enum_member(block, item)),
            other => Some(not_a_list(other, name)),
        },
        FieldKind::Enum(block) => match value {
            Expr::Array(..) => Some(a_list_on_a_single_field(value, name)),
            other => enum_member(block, other),
        },
        FieldKind::Scalar(scalar) => match value {
            Expr::Function(function, args) => function_fits(scalar, &function.name, args, value, field),
            Expr::Array(items, _) if list => items.iter().find_map(|item| literal_fits(scalar, item, field)),
            Expr::Array(..) => Some(a_list_on_a_single_field(value, name)),
            other if list => Some(not_a_list(other, name)),
            other => literal_fits(scalar, other, field),
        },
    }
}

/// The fields in `@relation(fields: [...])` of a relation field.
fn foreign_keys(field: &Field) -> Vec<&str> {
    match field.attribute("relation").and_then(|r| r.named("fields")) {
        Some(Expr::Array(items, _)) => items.iter().filter_map(Expr::field_ref_name).collect(),
        _ => Vec::new(),
    }
}

fn dbgenerated_arguments(args: &Arguments, value: &Expr) -> Option<Diagnostic> {
    let values: Vec<&Expr> = args.items.iter().filter_map(|a| a.value.as_ref()).collect();
    let problem = match values.as_slice() {
        [] => return None,
        [Expr::String(s)] if s.value().is_empty() => "an empty SQL expression",
        [Expr::String(_)] => return None,
        [_] => "an argument that is not a string",
        _ => "more than one argument",
    };
    Some(
        Diagnostic::error("default-function-arguments", value.span(), "`dbgenerated()` takes one SQL expression")
            .label(problem)
            .help("write the expression as one string: `dbgenerated(\"gen_random_uuid()\")`"),
    )
}

fn enum_member(block: &Block, value: &Expr) -> Option<Diagnostic> {
    let members = || block.values().map(|v| v.name.name.as_str());
    let enum_name = &block.name.name;
    let Expr::Constant(member) = value else {
        let mut d = Diagnostic::error(
            "default-type-mismatch",
            value.span(),
            format!("the default must be a value of enum `{enum_name}`"),
        )
        .label(format!("found {}", describe(value)));
        if let Some(text) = value.as_str().filter(|t| members().any(|m| m == *t)) {
            d = d.help(format!("write the value without quotes: `{text}`"));
        }
        return Some(d);
    };
    if members().any(|m| m == member.name) {
        return None;
    }
    let list = members().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
    let d = Diagnostic::error(
        "unknown-enum-value",
        member.span,
        format!("`{}` is not a value of enum `{enum_name}`", member.name),
    )
    .label("not in the enum")
    .also(block.name.span, format!("`{enum_name}` is defined here"));
    Some(match closest(&member.name, members()) {
        Some(suggestion) => d.help(format!("did you mean `{suggestion}`? The values are {list}")),
        None => d.help(format!("the values of `{enum_name}` are {list}")),
    })
}

fn not_a_list(value: &Expr, name: &str) -> Diagnostic {
    Diagnostic::error("default-type-mismatch", value.span(), format!("list field `{name}` needs a list as default"))
        .label(format!("found {}", describe(value)))
        .help(format!("write a list: `@default([{}])`, or `@default([])`", short(value)))
}

fn a_list_on_a_single_field(value: &Expr, name: &str) -> Diagnostic {
    Diagnostic::error("default-type-mismatch", value.span(), format!("field `{name}` is not a list"))
        .label("a list cannot be the default of a single value")
        .help("give one value, or make the field a list with `[]`")
}

fn short(value: &Expr) -> String {
    match value {
        Expr::String(s) => format!("\"{}\"", s.raw),
        Expr::Number(n) | Expr::Constant(n) => n.name.to_string(),
        _ => "...".to_owned(),
    }
}

/// A function default: known, for this type, with fitting arguments.
fn function_fits(scalar: Scalar, function: &str, args: &Arguments, value: &Expr, field: &Field) -> Option<Diagnostic> {
    let produces: &[Scalar] = match function {
        "autoincrement" => &[Scalar::Int, Scalar::BigInt],
        "now" => &[Scalar::DateTime],
        "uuid" | "cuid" | "nanoid" | "ulid" => &[Scalar::String],
        "auto" => {
            return Some(
                Diagnostic::error("unsupported-default-function", value.span(), "`auto()` is for MongoDB only")
                    .label("not available on PostgreSQL")
                    .help("use `uuid()`, or `dbgenerated(\"gen_random_uuid()\")` with `@db.Uuid`"),
            );
        }
        "sequence" => {
            return Some(
                Diagnostic::error("unsupported-default-function", value.span(), "`sequence()` is for CockroachDB only")
                    .label("not available on PostgreSQL")
                    .help("use `autoincrement()` for a serial column"),
            );
        }
        other => {
            let list = FUNCTIONS.map(|f| format!("`{f}()`")).join(", ");
            let d = Diagnostic::error(
                "unknown-default-function",
                value.span(),
                format!("unknown function `{other}()` in `@default`"),
            )
            .label("not a Prisma function");
            return Some(match closest(other, FUNCTIONS) {
                Some(suggestion) => d.help(format!("did you mean `{suggestion}()`?")),
                None => d.help(format!("the functions are {list}; for SQL, use `dbgenerated(\"...\")`")),
            });
        }
    };
    if !produces.contains(&scalar) {
        let fits = produces.iter().map(|s| format!("`{}`", s.name())).collect::<Vec<_>>().join(" or ");
        return Some(
            Diagnostic::error(
                "default-function-type",
                value.span(),
                format!("`{function}()` cannot be the default of `{}` field `{}`", scalar.name(), field.name.name),
            )
            .label(format!("`{function}()` makes {fits} values"))
            .also(field.ty.span, "the field's type")
            .help(function_for(scalar)),
        );
    }
    function_arguments(function, args, value)
}

/// The function (or literal) that fits a scalar type.
fn function_for(scalar: Scalar) -> &'static str {
    match scalar {
        Scalar::String => "for a generated id use `uuid()`, `cuid()`, `nanoid()` or `ulid()`",
        Scalar::Int | Scalar::BigInt => "for a serial number use `autoincrement()`",
        Scalar::DateTime => "for the current time use `now()`",
        _ => "give a literal value, or an SQL expression with `dbgenerated(\"...\")`",
    }
}

fn function_arguments(function: &str, args: &Arguments, value: &Expr) -> Option<Diagnostic> {
    let values: Vec<&Expr> = args.items.iter().filter_map(|a| a.value.as_ref()).collect();
    let number = match values.as_slice() {
        [] => return None,
        [Expr::Number(n)] => n.name.parse::<u32>().ok(),
        _ => None,
    };
    let (ok, takes) = match function {
        "uuid" => (matches!(number, Some(4 | 7)), "no argument, or the version `4` or `7`"),
        "cuid" => (matches!(number, Some(1 | 2)), "no argument, or the version `1` or `2`"),
        "nanoid" => (matches!(number, Some(2..=255)), "no argument, or a length from 2 to 255"),
        _ => (false, "no argument"),
    };
    if ok {
        return None;
    }
    let example = match function {
        "uuid" => "write `uuid()` (version 4) or `uuid(7)` (ordered by time)",
        "cuid" => "write `cuid()` or `cuid(2)`",
        "nanoid" => "write `nanoid()` (21 characters) or a length such as `nanoid(16)`",
        _ => "remove the arguments",
    };
    Some(
        Diagnostic::error("default-function-arguments", value.span(), format!("`{function}()` takes {takes}"))
            .label("these arguments do not fit")
            .help(example),
    )
}

/// A literal default: a value of the field's type, and one Prisma can
/// read (valid JSON, base64, an RFC 3339 time, a 64-bit integer).
fn literal_fits(scalar: Scalar, value: &Expr, field: &Field) -> Option<Diagnostic> {
    let fits = match (scalar, value) {
        (Scalar::String | Scalar::Json | Scalar::Bytes | Scalar::DateTime | Scalar::Decimal, Expr::String(_)) => true,
        (Scalar::Int | Scalar::BigInt | Scalar::Float | Scalar::Decimal, Expr::Number(_)) => true,
        (Scalar::Boolean, Expr::Constant(c)) => {
            if matches!(c.name.as_str(), "true" | "false") {
                return None;
            }
            return Some(
                Diagnostic::error("default-type-mismatch", c.span, "a `Boolean` default is `true` or `false`")
                    .label(format!("found `{}`", c.name))
                    .help("write `@default(true)` or `@default(false)`"),
            );
        }
        _ => false,
    };
    if !fits {
        let example = match scalar {
            Scalar::String => "a string in quotes, as in `@default(\"\")`",
            Scalar::Int | Scalar::BigInt => "a whole number, as in `@default(0)`",
            Scalar::Float | Scalar::Decimal => "a number, as in `@default(0.5)`",
            Scalar::Boolean => "`true` or `false`",
            Scalar::DateTime => "`now()`, or a time in quotes, as in `@default(\"2024-01-01T00:00:00Z\")`",
            Scalar::Json => "JSON in a string, as in `@default(\"{}\")`",
            Scalar::Bytes => "base64 in a string, as in `@default(\"\")`",
        };
        return Some(
            Diagnostic::error(
                "default-type-mismatch",
                value.span(),
                format!("the default of `{}` does not fit its type `{}`", field.name.name, scalar.name()),
            )
            .label(format!("found {}", describe(value)))
            .also(field.ty.span, "the field's type")
            .help(format!("write {example}")),
        );
    }
    let problem = match (scalar, value) {
        (Scalar::Int | Scalar::BigInt, Expr::Number(n)) if n.name.parse::<i64>().is_err() => {
            "not a whole number that fits in 64 bits"
        }
        (Scalar::Json, Expr::String(s)) if serde_json::from_str::<serde_json::Value>(s.value()).is_err() => {
            "not valid JSON"
        }
        (Scalar::Bytes, Expr::String(s)) if !is_base64(s.value()) => "not valid base64",
        (Scalar::DateTime, Expr::String(s)) if !is_rfc3339(s.value()) => {
            "not an RFC 3339 time such as `2024-01-01T00:00:00Z`"
        }
        (Scalar::Decimal, Expr::String(s)) if !is_decimal(s.value()) => "not a decimal number",
        _ => return None,
    };
    Some(
        Diagnostic::error(
            "invalid-default-value",
            value.span(),
            format!("the default of `{}` is not a valid `{}` value", field.name.name, scalar.name()),
        )
        .label(problem)
        .help("correct the value, or compute it in SQL with `dbgenerated(\"...\")`"),
    )
}

fn is_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    text.len() % 4 == 0 && padding <= 2 && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, the form Prisma accepts.
fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 20 || !digits(0..4) || !digits(5..7) || !digits(8..10) || !digits(11..13) || !digits(14..16) {
        return false;
    }
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return false;
    }
    if !digits(17..19) {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
        if end == 0 {
            return false;
        }
        rest = &fraction[end..];
    }
    let year: u32 = text[0..4].parse().unwrap_or(0);
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    let hour: u32 = text[11..13].parse().unwrap_or(99);
    let minute: u32 = text[14..16].parse().unwrap_or(99);
    let second: u32 = text[17..19].parse().unwrap_or(99);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let clock = (1..=12).contains(&month) && (1..=days).contains(&day) && hour < 24 && minute < 60 && second < 61;
    let zone = match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    };
    clock && zone
}

/// A `Decimal` default: a decimal number with an optional sign.
fn is_decimal(text: &str) -> bool {
    is_unsigned_decimal(text.strip_prefix(['-', '+']).unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_needs_a_time_and_a_zone() {
        assert!(is_rfc3339("2024-01-01T00:00:00Z"));
        assert!(is_rfc3339("2024-01-01T10:30:00.123+02:00"));
        assert!(!is_rfc3339("2024-01-01"));
        assert!(!is_rfc3339("2024-01-01T00:00:00"));
        assert!(!is_rfc3339("2024-13-01T00:00:00Z"));
        assert!(is_rfc3339("2024-02-29T00:00:00Z"));
        assert!(!is_rfc3339("2023-02-29T00:00:00Z"));
    }

    #[test]
    fn base64_and_decimals() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64(""));
        assert!(!is_base64("!!!"));
        assert!(is_decimal("1.50"));
        assert!(is_decimal("-3"));
        assert!(is_decimal("1e3"));
        assert!(!is_decimal("1.2.3"));
        assert!(!is_decimal("abc"));
    }
}
