//! Native types (`@db.VarChar(255)`): PostgreSQL's types as Prisma knows
//! them, each for one scalar type, with their arguments and ranges.
//!
//! The table follows Prisma's PostgreSQL connector (Prisma 7: no
//! `Geometry`/`Geography`). Prisma reads a native type in this order:
//! name, argument count, scalar type, argument values, ranges, and stops
//! at the first problem; so does each attribute here, the scalar type
//! first because arguments of the wrong type are beside the point.

use super::super::{Ctx, closest};
use crate::ast::{Attribute, Block, BlockKind, Expr, Field};
use crate::diagnostics::{Diagnostic, Span};
use crate::schema::{FieldKind, Scalar};

/// What a native type takes in parentheses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Params {
    None,
    /// An optional length (`VarChar`, `Char`, `Bit`, `VarBit`).
    Length,
    /// An optional fractional-seconds precision, 0 to 6.
    Precision,
    /// Nothing, or a precision and a scale.
    Decimal,
}

pub(super) struct NativeType {
    pub name: &'static str,
    pub scalar: Scalar,
    params: Params,
}

const fn nt(name: &'static str, scalar: Scalar, params: Params) -> NativeType {
    NativeType { name, scalar, params }
}

/// PostgreSQL's native types, grouped by scalar, the usual choice first.
const NATIVE_TYPES: &[NativeType] = &[
    nt("Text", Scalar::String, Params::None),
    nt("VarChar", Scalar::String, Params::Length),
    nt("Char", Scalar::String, Params::Length),
    nt("Uuid", Scalar::String, Params::None),
    nt("Citext", Scalar::String, Params::None),
    nt("Inet", Scalar::String, Params::None),
    nt("Xml", Scalar::String, Params::None),
    nt("Bit", Scalar::String, Params::Length),
    nt("VarBit", Scalar::String, Params::Length),
    nt("Integer", Scalar::Int, Params::None),
    nt("SmallInt", Scalar::Int, Params::None),
    nt("Oid", Scalar::Int, Params::None),
    nt("BigInt", Scalar::BigInt, Params::None),
    nt("DoublePrecision", Scalar::Float, Params::None),
    nt("Real", Scalar::Float, Params::None),
    nt("Decimal", Scalar::Decimal, Params::Decimal),
    nt("Money", Scalar::Decimal, Params::None),
    nt("Boolean", Scalar::Boolean, Params::None),
    nt("Timestamptz", Scalar::DateTime, Params::Precision),
    nt("Timestamp", Scalar::DateTime, Params::Precision),
    nt("Date", Scalar::DateTime, Params::None),
    nt("Time", Scalar::DateTime, Params::Precision),
    nt("Timetz", Scalar::DateTime, Params::Precision),
    nt("JsonB", Scalar::Json, Params::None),
    nt("Json", Scalar::Json, Params::None),
    nt("ByteA", Scalar::Bytes, Params::None),
];

fn lookup(name: &str) -> Option<&'static NativeType> {
    NATIVE_TYPES.iter().find(|t| t.name == name)
}

/// The native type `Unsupported("VarChar(30)")` spells, read the way
/// Prisma reads it: a name up to the first `(`, then comma-separated
/// arguments up to the first `)`; the arguments must suit the type, the
/// ranges are not checked. Returns the type and its arguments.
pub(super) fn parse_unsupported(text: &str) -> Option<(&'static NativeType, Vec<&str>)> {
    let (prefix, args) = match text.split_once('(') {
        Some((prefix, rest)) => match rest.split_once(')') {
            Some((params, _)) => (prefix, params.split(',').map(str::trim).collect()),
            None => (prefix, Vec::new()),
        },
        None => (text, Vec::new()),
    };
    if prefix.is_empty() {
        return None;
    }
    let native = lookup(prefix.trim())?;
    let numbers = args.iter().all(|a| a.parse::<u32>().is_ok());
    let fits = match native.params {
        Params::None => true,
        Params::Length | Params::Precision => args.is_empty() || (args.len() == 1 && numbers),
        Params::Decimal => args.is_empty() || (args.len() == 2 && numbers),
    };
    fits.then_some((native, args))
}

/// A field of a model or view with native type attributes (`@x.Y`), and
/// the field's kind. Five rules read these, so the index lists them once
/// per run ([`native_field`]).
pub(in crate::validate) struct NativeField<'a> {
    pub field: &'a Field,
    pub kind: FieldKind<'a>,
}

impl<'a> NativeField<'a> {
    /// The native type attributes, in the order written.
    fn attributes(&self) -> impl Iterator<Item = &'a Attribute> + use<'a> {
        self.field.attributes.iter().filter(|a| is_native(a))
    }
}

fn is_native(attribute: &Attribute) -> bool {
    attribute.name.name.contains('.')
}

/// The field as a [`NativeField`] when it has native type attributes.
/// Type blocks are skipped (they are an error as a whole), and so are
/// fields whose type is unknown or composite (already reported).
pub(in crate::validate) fn native_field<'a>(
    block: &Block,
    field: &'a Field,
    kind: FieldKind<'a>,
) -> Option<NativeField<'a>> {
    let table = matches!(block.kind, BlockKind::Model | BlockKind::View);
    let checked = !matches!(kind, FieldKind::Unknown | FieldKind::Composite(_));
    (table && checked && field.attributes.iter().any(is_native)).then_some(NativeField { field, kind })
}

/// `db.VarChar` -> (`db`, `VarChar`).
fn split(attribute: &Attribute) -> (&str, &str) {
    attribute.name.name.split_once('.').unwrap_or(("", &attribute.name.name))
}

pub(super) fn native_types_are_on_scalar_fields(ctx: &mut Ctx) {
    for native in ctx.native_fields() {
        let field = native.field;
        let (what, help) = match native.kind {
            FieldKind::Enum(e) => (
                format!("enum `{}`", e.name.name),
                "remove it: an enum field is stored as its enum's own PostgreSQL type".to_owned(),
            ),
            FieldKind::Model(m) => (
                format!("{} `{}`", m.kind.keyword(), m.name.name),
                "remove it: a relation field has no column; put the native type on its foreign-key field".to_owned(),
            ),
            FieldKind::Unsupported => (
                format!("`{}`", super::unsupported_text(ctx, field)),
                "remove it: `Unsupported(\"...\")` already names the database type".to_owned(),
            ),
            _ => continue,
        };
        for attribute in native.attributes() {
            ctx.push(
                Diagnostic::error(
                    "native-type-on-non-scalar",
                    attribute.span,
                    format!("`@{}` on field `{}` of type {what}", attribute.name.name, field.name.name),
                )
                .label("native types apply to scalar fields only")
                .help(help.clone()),
            );
        }
    }
}

pub(super) fn fields_have_at_most_one_native_type(ctx: &mut Ctx) {
    for native in ctx.native_fields() {
        if !matches!(native.kind, FieldKind::Scalar(_)) {
            continue;
        }
        let field = native.field;
        let mut natives = native.attributes();
        let first = natives.next().expect("a native field has a native type");
        for extra in natives {
            ctx.push(
                Diagnostic::error(
                    "duplicate-native-type",
                    extra.span,
                    format!("field `{}` has more than one native type", field.name.name),
                )
                .label("second native type")
                .also(first.span, "first native type")
                .help("a column has one database type: keep one of them"),
            );
        }
    }
}

pub(super) fn native_types_use_the_datasource_name(ctx: &mut Ctx) {
    let Some(datasource) = ctx.schema.datasource else { return };
    let source = datasource.name.name.as_str();
    for native in ctx.native_fields() {
        if !matches!(native.kind, FieldKind::Scalar(_)) {
            continue;
        }
        for attribute in native.attributes() {
            let (prefix, name) = split(attribute);
            if prefix != source {
                ctx.push(
                    Diagnostic::error(
                        "native-type-prefix",
                        attribute.name.span,
                        format!("`@{}`: `{prefix}` is not the datasource", attribute.name.name),
                    )
                    .label(format!("the datasource is `{source}`"))
                    .help(format!("write `@{source}.{name}`")),
                );
            }
        }
    }
}

pub(super) fn native_types_are_valid_for_their_fields(ctx: &mut Ctx) {
    for native in ctx.native_fields() {
        let FieldKind::Scalar(scalar) = native.kind else { continue };
        for attribute in native.attributes() {
            if let Some(d) = check_native_type(native.field, scalar, attribute) {
                ctx.push(d);
            }
        }
    }
}

/// The first problem of one native type attribute on a scalar field.
fn check_native_type(field: &Field, scalar: Scalar, attribute: &Attribute) -> Option<Diagnostic> {
    let (prefix, name) = split(attribute);
    let fitting = || {
        NATIVE_TYPES
            .iter()
            .filter(|t| t.scalar == scalar)
            .map(|t| format!("`@{prefix}.{}`", t.name))
            .collect::<Vec<_>>()
    };
    let Some(native) = lookup(name) else {
        let near = closest(name, NATIVE_TYPES.iter().filter(|t| t.scalar == scalar).map(|t| t.name));
        let d = Diagnostic::error(
            "unknown-native-type",
            attribute.name.span,
            format!("`{name}` is not a PostgreSQL native type Prisma knows"),
        )
        .label("unknown native type");
        return Some(match near {
            Some(near) => d.help(format!("did you mean `@{prefix}.{near}`?")),
            None => d.help(format!("the native types for `{}` fields are {}", scalar.name(), fitting().join(", "))),
        });
    };
    if native.scalar != scalar {
        return Some(
            Diagnostic::error(
                "native-type-mismatch",
                attribute.span,
                format!(
                    "`@{prefix}.{name}` is for `{}` fields, and `{}` is `{}`",
                    native.scalar.name(),
                    field.name.name,
                    scalar.name()
                ),
            )
            .label(format!("not a native type for `{}`", scalar.name()))
            .help(format!(
                "use one of {}, or make the field a `{}`",
                fitting().join(", "),
                native.scalar.name()
            )),
        );
    }
    let args: Vec<&Expr> = match &attribute.args {
        Some(list) => list.items.iter().map(|a| a.value.as_ref()).collect::<Option<_>>()?,
        None => Vec::new(),
    };
    let args_span = attribute.args.as_ref().map_or(attribute.span, |a| a.span);
    let count_error = |message: String, help: String| {
        Diagnostic::error("native-type-argument-count", args_span, message)
            .label(format!("{} given", plural(args.len(), "argument")))
            .help(help)
    };
    match native.params {
        Params::None if !args.is_empty() => {
            return Some(count_error(
                format!("`@{prefix}.{name}` takes no arguments"),
                format!("write `@{prefix}.{name}`"),
            ));
        }
        Params::Length | Params::Precision if args.len() > 1 => {
            let example = if native.params == Params::Length { "255" } else { "6" };
            return Some(count_error(
                format!("`@{prefix}.{name}` takes at most one argument"),
                format!("as in `@{prefix}.{name}({example})`"),
            ));
        }
        Params::Decimal if args.len() == 1 || args.len() > 2 => {
            return Some(count_error(
                format!("`@{prefix}.{name}` takes a precision and a scale, or nothing"),
                format!("as in `@{prefix}.{name}(10, 2)`: 10 digits, 2 of them after the point"),
            ));
        }
        _ => {}
    }
    let mut numbers = Vec::new();
    for arg in &args {
        match arg {
            Expr::Number(n) if n.name.parse::<u32>().is_ok() => numbers.push((n.name.parse::<u32>().ok()?, n.span)),
            other => {
                return Some(
                    Diagnostic::error(
                        "invalid-native-type-argument",
                        other.span(),
                        format!("the arguments of `@{prefix}.{name}` are whole numbers from 0 to {}", u32::MAX),
                    )
                    .label("not a non-negative whole number")
                    .help(format!(
                        "write a number without quotes or sign, as in `@{prefix}.{name}({})`",
                        example(native)
                    )),
                );
            }
        }
    }
    check_ranges(native, prefix, &numbers)
}

fn check_ranges(native: &NativeType, prefix: &str, numbers: &[(u32, Span)]) -> Option<Diagnostic> {
    let name = native.name;
    let range_error = |span: Span, message: String, label: String, help: String| {
        Some(Diagnostic::error("native-type-argument-out-of-range", span, message).label(label).help(help))
    };
    match (native.params, numbers) {
        (Params::Precision, [(p, span)]) if *p > 6 => range_error(
            *span,
            format!("the precision of `@{prefix}.{name}` ranges from 0 to 6"),
            format!("{p} is out of range"),
            format!("PostgreSQL keeps at most microseconds: write `@{prefix}.{name}(6)`"),
        ),
        (Params::Length, [(0, span)]) if matches!(name, "Bit" | "VarBit") => range_error(
            *span,
            format!("the length of `@{prefix}.{name}` must be at least 1"),
            "0 bits".to_owned(),
            format!("give the number of bits, as in `@{prefix}.{name}(8)`"),
        ),
        (Params::Decimal, [(p, p_span), (s, s_span)]) => {
            if s > p {
                range_error(
                    *s_span,
                    format!("the scale of `@{prefix}.Decimal({p}, {s})` is larger than its precision"),
                    format!("{s} digits after the point, out of {p} in all"),
                    format!("the precision counts all digits: write e.g. `@{prefix}.Decimal({}, {s})`", s + 1),
                )
            } else if *p == 0 || *p > 1000 {
                range_error(
                    *p_span,
                    format!("the precision of `@{prefix}.Decimal` ranges from 1 to 1000"),
                    format!("{p} is out of range"),
                    format!("write e.g. `@{prefix}.Decimal(10, {s})`"),
                )
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Prisma accepts any length for these; PostgreSQL refuses the column.
pub(super) fn native_type_lengths_fit_postgresql(ctx: &mut Ctx) {
    for native in ctx.native_fields() {
        if !matches!(native.kind, FieldKind::Scalar(_)) {
            continue;
        }
        let field = native.field;
        for attribute in native.attributes() {
            let (prefix, name) = split(attribute);
            let max = match name {
                "VarChar" | "Char" => 10_485_760,
                "Bit" | "VarBit" => 83_886_080,
                _ => continue,
            };
            let Some(Expr::Number(n)) = attribute.positional() else { continue };
            let Ok(length) = n.name.parse::<u32>() else { continue };
            let min = u32::from(matches!(name, "VarChar" | "Char"));
            if (min..=max).contains(&length) {
                continue;
            }
            let help = if length == 0 {
                format!("give the maximum length, as in `@{prefix}.{name}(255)`, or use `@{prefix}.Text` for no limit")
            } else {
                format!("PostgreSQL allows at most {max}: use `@{prefix}.Text` for longer values")
            };
            ctx.push(
                Diagnostic::warning(
                    "native-type-length-out-of-range",
                    n.span,
                    format!("PostgreSQL refuses `{}` for field `{}`", ctx.text(attribute.span), field.name.name),
                )
                .label(format!("the length of `@{prefix}.{name}` ranges from {min} to {max}"))
                .help(help),
            );
        }
    }
}

fn example(native: &NativeType) -> &'static str {
    match native.params {
        Params::Decimal => "10, 2",
        Params::Precision => "6",
        _ => "255",
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spelled(text: &str) -> Option<(&'static str, Vec<&str>)> {
        parse_unsupported(text).map(|(native, args)| (native.name, args))
    }

    #[test]
    fn unsupported_text_is_read_like_prisma_reads_it() {
        assert_eq!(spelled("VarChar(30)"), Some(("VarChar", vec!["30"])));
        assert_eq!(spelled(" Text "), Some(("Text", vec![])));
        assert_eq!(spelled("Uuid(5)"), Some(("Uuid", vec!["5"])));
        assert_eq!(spelled("Decimal(10, 2)"), Some(("Decimal", vec!["10", "2"])));
        // An unclosed parenthesis is not an argument list.
        assert_eq!(spelled("VarChar(30"), Some(("VarChar", vec![])));
        // Arguments that do not suit the type make it something else.
        assert_eq!(spelled("Decimal(10)"), None);
        assert_eq!(spelled("VarChar()"), None);
        assert_eq!(spelled("VarChar(x)"), None);
        // Names are case-sensitive.
        assert_eq!(spelled("uuid"), None);
        assert_eq!(spelled("tsvector"), None);
        assert_eq!(spelled(""), None);
    }
}
