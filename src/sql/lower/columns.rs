//! One field becomes one column: its PostgreSQL type (the scalar's default
//! type or its `@db.*` native type, an enum, `Unsupported("...")`), its
//! nullability and its default, each written the way Prisma Migrate writes
//! it, so that `CREATE TABLE` text and introspected columns compare equal.
//!
//! Prisma keeps literal defaults in its own value types and prints them
//! back (a Decimal without leading zeros, a time as `2024-01-01 08:00:00
//! +00:00`, bytes as hex); the small printers here reproduce that output.

use super::{enum_value_name, qualified};
use crate::ast::{Arity, Expr, Field, TypeName};
use crate::number::is_unsigned_decimal;
use crate::schema::{FieldKind, Scalar, Schema};
use crate::sql::render::literal as quote;
use crate::sql::{Column, ColumnDefault, ColumnType};

/// The column of a scalar, enum or `Unsupported` field; `None` for a
/// relation field, which has no column.
pub(super) fn column(schema: &Schema, field: &Field) -> Option<Column> {
    let kind = schema.resolve(&field.ty);
    let ty = match kind {
        FieldKind::Scalar(scalar) => scalar_type(scalar, field),
        FieldKind::Enum(block) => ColumnType::Enum(qualified(block)),
        FieldKind::Unsupported => match &field.ty.name {
            TypeName::Unsupported(text, _) => ColumnType::Unsupported(text.value().to_owned()),
            TypeName::Named(_) => return None,
        },
        FieldKind::Model(_) | FieldKind::Composite(_) | FieldKind::Unknown => return None,
    };
    let array = matches!(field.ty.arity, Arity::List | Arity::OptionalList);
    Some(Column {
        name: field.column_name().to_owned(),
        ty,
        array,
        // Prisma never makes an array column NOT NULL.
        nullable: field.ty.arity != Arity::Required,
        default: default(kind, field),
    })
}

/// The PostgreSQL type Prisma picks for a scalar: its native type when the
/// field has one, else the scalar's default.
pub(super) fn scalar_type(scalar: Scalar, field: &Field) -> ColumnType {
    let native = field.attributes.iter().find(|a| a.name.name.contains('.'));
    if let Some(native) = native {
        let name = native.name.name.split_once('.').map_or("", |(_, name)| name);
        let base = match name {
            "DoublePrecision" => "DOUBLE PRECISION".to_owned(),
            other => other.to_uppercase(),
        };
        let args: Vec<String> = native
            .args
            .iter()
            .flat_map(|list| &list.items)
            .filter_map(|arg| match &arg.value {
                Some(Expr::Number(n)) => {
                    Some(n.name.parse::<u64>().map_or_else(|_| n.name.to_string(), |v| v.to_string()))
                }
                _ => None,
            })
            .collect();
        return ColumnType::Builtin(if args.is_empty() { base } else { format!("{base}({})", args.join(",")) });
    }
    let name = match scalar {
        Scalar::String => "TEXT",
        Scalar::Int => "INTEGER",
        Scalar::BigInt => "BIGINT",
        Scalar::Float => "DOUBLE PRECISION",
        Scalar::Decimal => "DECIMAL(65,30)",
        Scalar::Boolean => "BOOLEAN",
        Scalar::DateTime => "TIMESTAMP(3)",
        Scalar::Json => "JSONB",
        Scalar::Bytes => "BYTEA",
    };
    ColumnType::Builtin(name.to_owned())
}

/// The column default of `@default(...)`. Client-side generators (`uuid()`,
/// `cuid()`, `nanoid()`, `ulid()`) and `@updatedAt` have none in the database.
fn default(kind: FieldKind, field: &Field) -> Option<ColumnDefault> {
    let attribute = field.attribute("default")?;
    let value = attribute.positional().or_else(|| attribute.named("value"))?;
    match value {
        Expr::Function(name, args) => match name.name.as_str() {
            "autoincrement" => Some(ColumnDefault::Sequence),
            "now" => Some(ColumnDefault::Now),
            "dbgenerated" => {
                let expression = args.items.iter().find(|a| a.name.is_none())?.value.as_ref()?.as_str()?;
                // `dbgenerated()` and `dbgenerated("")` leave the column without a default.
                (!expression.is_empty()).then(|| ColumnDefault::Expression(expression.to_owned()))
            }
            _ => None,
        },
        _ => literal(kind, value).map(ColumnDefault::Literal),
    }
}

/// A constant default as SQL, without a cast.
fn literal(kind: FieldKind, value: &Expr) -> Option<String> {
    if let Expr::Array(items, _) = value {
        let items: Option<Vec<String>> = items.iter().map(|item| literal(kind, item)).collect();
        return Some(format!("ARRAY[{}]", items?.join(", ")));
    }
    match (kind, value) {
        (FieldKind::Enum(block), Expr::Constant(name)) => Some(quote(enum_value_name(block, &name.name))),
        (FieldKind::Scalar(scalar), Expr::String(text)) => {
            let text = text.value();
            Some(match scalar {
                Scalar::DateTime => quote(&timestamp(text)?),
                Scalar::Bytes => format!("'\\x{}'", hex(&base64(text)?)),
                Scalar::Decimal => decimal(text)?,
                _ => quote(text),
            })
        }
        (FieldKind::Scalar(Scalar::Int | Scalar::BigInt), Expr::Number(n)) => {
            Some(n.name.parse::<i64>().ok()?.to_string())
        }
        (FieldKind::Scalar(_), Expr::Number(n)) => decimal(&n.name),
        (FieldKind::Scalar(Scalar::Boolean), Expr::Constant(c)) => Some(c.name.to_string()),
        _ => None,
    }
}

/// A number the way Prisma prints its decimal values: sign, digits with
/// leading zeros dropped, the written fraction digits kept, an exponent
/// applied (`007.50` is `7.50`, `1e3` is `1000`, `-0` is `0`).
fn decimal(text: &str) -> Option<String> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if !is_unsigned_decimal(body) {
        return None;
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], body[at + 1..].parse::<i64>().ok()?),
        None => (body, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    let scale = fraction.len() as i64 - exponent;
    let mut out = String::new();
    if negative && !digits.is_empty() {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(if digits.is_empty() { "0" } else { digits });
        if !digits.is_empty() {
            out.extend(std::iter::repeat_n('0', (-scale) as usize));
        }
        return Some(out);
    }
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int_part, frac_part) = padded.split_at(padded.len() - scale);
    out.push_str(int_part);
    out.push('.');
    out.push_str(frac_part);
    Some(out)
}

/// An RFC 3339 time as Prisma prints it: `2024-01-01 08:00:00.500 +05:30`,
/// the fraction in groups of three digits, `Z` as `+00:00`.
fn timestamp(text: &str) -> Option<String> {
    let date = text.get(0..10)?;
    let clock = text.get(11..19)?;
    let mut rest = &text[19..];
    let mut nanos: u64 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
        let digits: String = fraction[..end].chars().chain(std::iter::repeat('0')).take(9).collect();
        nanos = digits.parse().ok()?;
        rest = &fraction[end..];
    }
    let fraction = crate::sql::datetime_fraction(nanos);
    let offset = match rest {
        "Z" | "z" | "-00:00" => "+00:00",
        other => other,
    };
    Some(format!("{date} {clock}{fraction} {offset}"))
}

/// Standard base64 (with optional padding), as Prisma reads a Bytes default.
fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_print_like_prisma() {
        assert_eq!(decimal("12.50").as_deref(), Some("12.50"));
        assert_eq!(decimal("007.50").as_deref(), Some("7.50"));
        assert_eq!(decimal("1e3").as_deref(), Some("1000"));
        assert_eq!(decimal("1.5e-3").as_deref(), Some("0.0015"));
        assert_eq!(decimal("+7").as_deref(), Some("7"));
        assert_eq!(decimal(".5").as_deref(), Some("0.5"));
        assert_eq!(decimal("5.").as_deref(), Some("5"));
        assert_eq!(decimal("-0").as_deref(), Some("0"));
        assert_eq!(decimal("-0.0").as_deref(), Some("0.0"));
        assert_eq!(decimal("-0.000001").as_deref(), Some("-0.000001"));
        assert_eq!(decimal("x"), None);
    }

    #[test]
    fn times_print_like_prisma() {
        assert_eq!(timestamp("2024-01-01T08:00:00Z").as_deref(), Some("2024-01-01 08:00:00 +00:00"));
        assert_eq!(timestamp("2024-01-01T08:00:00.5+05:30").as_deref(), Some("2024-01-01 08:00:00.500 +05:30"));
        assert_eq!(timestamp("2024-01-01T08:00:00.123456Z").as_deref(), Some("2024-01-01 08:00:00.123456 +00:00"));
        assert_eq!(timestamp("2024-01-01T08:00:00.1234567Z").as_deref(), Some("2024-01-01 08:00:00.123456700 +00:00"));
    }

    #[test]
    fn bytes_are_decoded_from_base64() {
        assert_eq!(hex(&base64("aGVsbG8=").unwrap()), "68656c6c6f");
        assert_eq!(base64("").unwrap(), Vec::<u8>::new());
        assert_eq!(base64("!!"), None);
    }
}
