//! Index access methods and operator classes that fit the indexed fields,
//! as PostgreSQL needs them: GIN indexes `Json` and lists, GiST needs an
//! operator class, SP-GiST takes one text or inet column, BRIN takes types
//! with an order, Hash has no sort order, and operator classes belong to
//! one access method. A field with `ops: raw("...")` or an `Unsupported`
//! type is the user's responsibility, as in Prisma.

use super::{IndexField, index_fields, key_attributes};
use crate::ast::{Arity, Expr, Field, Ident};
use crate::diagnostics::Diagnostic;
use crate::schema::{FieldKind, Scalar};
use crate::validate::attributes::INDEX_TYPES;
use crate::validate::{Ctx, closest};

/// Operator classes Prisma names, and the access method of each.
const OPERATOR_CLASSES: &[(&str, &str)] =
    &[("InetOps", "Gist"), ("JsonbOps", "Gin"), ("JsonbPathOps", "Gin"), ("ArrayOps", "Gin"), ("TextOps", "SpGist")];

/// BRIN operator classes by the native type they index.
const BRIN_CLASSES: &[(&str, &[&str])] = &[
    ("Bit", &["BitMinMaxOps"]),
    ("VarBit", &["VarBitMinMaxOps"]),
    ("Char", &["BpcharBloomOps", "BpcharMinMaxOps"]),
    ("Date", &["DateBloomOps", "DateMinMaxOps", "DateMinMaxMultiOps"]),
    ("Real", &["Float4BloomOps", "Float4MinMaxOps", "Float4MinMaxMultiOps"]),
    ("DoublePrecision", &["Float8BloomOps", "Float8MinMaxOps", "Float8MinMaxMultiOps"]),
    ("Inet", &["InetInclusionOps", "InetBloomOps", "InetMinMaxOps", "InetMinMaxMultiOps"]),
    ("SmallInt", &["Int2BloomOps", "Int2MinMaxOps", "Int2MinMaxMultiOps"]),
    ("Integer", &["Int4BloomOps", "Int4MinMaxOps", "Int4MinMaxMultiOps"]),
    ("BigInt", &["Int8BloomOps", "Int8MinMaxOps", "Int8MinMaxMultiOps"]),
    ("Decimal", &["NumericBloomOps", "NumericMinMaxOps", "NumericMinMaxMultiOps"]),
    ("Oid", &["OidBloomOps", "OidMinMaxOps", "OidMinMaxMultiOps"]),
    ("ByteA", &["ByteaBloomOps", "ByteaMinMaxOps"]),
    ("Text", &["TextBloomOps", "TextMinMaxOps"]),
    ("VarChar", &["TextBloomOps", "TextMinMaxOps"]),
    ("Timestamp", &["TimestampBloomOps", "TimestampMinMaxOps", "TimestampMinMaxMultiOps"]),
    ("Timestamptz", &["TimestampTzBloomOps", "TimestampTzMinMaxOps", "TimestampTzMinMaxMultiOps"]),
    ("Time", &["TimeBloomOps", "TimeMinMaxOps", "TimeMinMaxMultiOps"]),
    ("Timetz", &["TimeTzBloomOps", "TimeTzMinMaxOps", "TimeTzMinMaxMultiOps"]),
    ("Uuid", &["UuidBloomOps", "UuidMinMaxOps", "UuidMinMaxMultiOps"]),
];

/// The access method an operator class belongs to.
fn method_of(class: &str) -> Option<&'static str> {
    if let Some((_, method)) = OPERATOR_CLASSES.iter().find(|(c, _)| *c == class) {
        return Some(method);
    }
    BRIN_CLASSES.iter().any(|(_, classes)| classes.contains(&class)).then_some("Brin")
}

fn all_classes() -> impl Iterator<Item = &'static str> {
    OPERATOR_CLASSES.iter().map(|(c, _)| *c).chain(BRIN_CLASSES.iter().flat_map(|(_, c)| c.iter().copied()))
}

pub(super) fn index_types_fit_their_fields(ctx: &mut Ctx) {
    for model in ctx.models() {
        let by_name = ctx.fields_by_name(model);
        for (label, attribute) in key_attributes(model) {
            let Some(fields) = index_fields(attribute) else { continue };
            let method = match attribute.named("type").and_then(Expr::as_constant) {
                Some(t) if label == "@@index" && INDEX_TYPES.contains(&t) => t,
                Some(_) if label == "@@index" => continue,
                _ => "BTree",
            };
            if method == "SpGist" && fields.len() > 1 {
                ctx.push(
                    Diagnostic::error("spgist-multiple-columns", attribute.span, "an SP-GiST index has one column")
                        .label(format!("{} fields listed", fields.len()))
                        .help("index one field, or use another index type"),
                );
            }
            for entry in &fields {
                let Some(field) = by_name.get(entry.name.name.as_str()) else { continue };
                let kind = ctx.schema.resolve(&field.ty);
                if matches!(kind, FieldKind::Model(_) | FieldKind::Unknown) {
                    continue;
                }
                if method == "Hash" {
                    if let Some(sort) = entry.arg("sort") {
                        ctx.push(
                            Diagnostic::error("hash-index-sort", sort.span, "a hash index has no sort order")
                                .label("not possible with `type: Hash`")
                                .help("remove `sort`, or use a BTree index"),
                        );
                    }
                }
                let class = match operator_class(ctx, label, method, entry) {
                    Ops::Default => None,
                    Ops::Class(class) => Some(class.name.as_str()),
                    Ops::Skip => continue,
                };
                if matches!(kind, FieldKind::Unsupported) {
                    continue;
                }
                if let Some(problem) = fits(method, kind, field, class) {
                    ctx.push(
                        Diagnostic::error(
                            "index-type-field",
                            entry.name.span,
                            format!("a {} index cannot index `{}`", display(method), entry.name.name),
                        )
                        .label(problem)
                        .also(field.ty.span, "the field's type")
                        .help(help_for(method)),
                    );
                }
            }
        }
    }
}

/// What the `ops` of an index field says.
enum Ops<'a> {
    /// No `ops`: the type's default operator class.
    Default,
    /// A known operator class of this index's access method.
    Class(&'a Ident),
    /// `raw("...")` (the user's responsibility) or a problem already reported.
    Skip,
}

fn operator_class<'a>(ctx: &mut Ctx, label: &str, method: &str, entry: &IndexField<'a>) -> Ops<'a> {
    let Some(ops) = entry.arg("ops").and_then(|a| a.value.as_ref()) else { return Ops::Default };
    if label != "@@index" {
        ctx.push(
            Diagnostic::error(
                "operator-class-outside-index",
                ops.span(),
                format!("operator classes belong in `@@index`, not `{label}`"),
            )
            .label("`ops` is not allowed here")
            .help("remove `ops`"),
        );
        return Ops::Skip;
    }
    let class = match ops {
        Expr::Function(name, _) if name.name == "raw" => return Ops::Skip,
        Expr::Constant(class) => class,
        other => {
            ctx.push(
                Diagnostic::error("unknown-operator-class", other.span(), "an operator class is a name")
                    .label("not an operator class")
                    .help("write `ops: JsonbPathOps` (without quotes), or `ops: raw(\"gin_trgm_ops\")`"),
            );
            return Ops::Skip;
        }
    };
    let Some(class_method) = method_of(&class.name) else {
        let d =
            Diagnostic::error("unknown-operator-class", class.span, format!("unknown operator class `{}`", class.name))
                .label("not an operator class Prisma knows");
        ctx.push(match closest(&class.name, all_classes()) {
            Some(suggestion) => d.help(format!("did you mean `{suggestion}`?")),
            None => d.help("for another operator class, write `ops: raw(\"name_ops\")`"),
        });
        return Ops::Skip;
    };
    if class_method != method {
        ctx.push(
            Diagnostic::error(
                "operator-class-index-type",
                class.span,
                format!("operator class `{}` is for {} indexes", class.name, display(class_method)),
            )
            .label(format!("this is a {} index", display(method)))
            .help(format!("add `type: {class_method}` to the `@@index`, or remove `ops`")),
        );
        return Ops::Skip;
    }
    Ops::Class(class)
}

/// Why this access method (with this operator class) cannot index the
/// field, if it cannot.
fn fits(method: &str, kind: FieldKind, field: &Field, class: Option<&str>) -> Option<String> {
    let native = native_type(field);
    let list = field.ty.arity == Arity::List;
    let scalar = match kind {
        FieldKind::Scalar(s) => Some(s),
        _ => None,
    };
    let json = scalar == Some(Scalar::Json) && matches!(native, None | Some("JsonB"));
    match method {
        "Gin" => match class {
            None if json || list => None,
            Some("JsonbOps" | "JsonbPathOps") if json => None,
            Some("ArrayOps") if list => None,
            Some("ArrayOps") => Some("`ArrayOps` needs a list field".to_owned()),
            Some(class) => Some(format!("`{class}` needs a `Json` field stored as jsonb")),
            None => Some("GIN indexes `Json` (jsonb) and list fields".to_owned()),
        },
        "Gist" => match (native, class) {
            (Some("Inet"), Some("InetOps")) => None,
            (Some("Inet"), None) => Some("an inet column needs `ops: InetOps` in a GiST index".to_owned()),
            _ => Some("GiST needs `@db.Inet` with `ops: InetOps`, or `ops: raw(\"...\")`".to_owned()),
        },
        "SpGist" => {
            let text = scalar == Some(Scalar::String) && matches!(native, None | Some("Text" | "VarChar" | "Char"));
            let inet = native == Some("Inet");
            match class {
                None | Some("TextOps") if text => None,
                None if inet => None,
                _ => Some("SP-GiST indexes text and inet columns".to_owned()),
            }
        }
        "Brin" => {
            let native = native.or(match scalar? {
                Scalar::String => Some("Text"),
                Scalar::Int => Some("Integer"),
                Scalar::BigInt => Some("BigInt"),
                Scalar::Float => Some("DoublePrecision"),
                Scalar::Decimal => Some("Decimal"),
                Scalar::DateTime => Some("Timestamp"),
                Scalar::Bytes => Some("ByteA"),
                Scalar::Boolean | Scalar::Json => None,
            });
            let Some(classes) = native.and_then(|n| BRIN_CLASSES.iter().find(|(t, _)| *t == n)) else {
                return Some("BRIN has no operator class for this type".to_owned());
            };
            match class {
                Some(class) if !classes.1.contains(&class) => {
                    Some(format!("`{class}` does not index {} columns", classes.0))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// How PostgreSQL writes an access method.
fn display(method: &str) -> &'static str {
    match method {
        "Hash" => "hash",
        "Gist" => "GiST",
        "Gin" => "GIN",
        "SpGist" => "SP-GiST",
        "Brin" => "BRIN",
        _ => "B-tree",
    }
}

fn help_for(method: &str) -> &'static str {
    match method {
        "Gin" => {
            "use GIN for `Json` or list fields; for text search use `ops: raw(\"gin_trgm_ops\")` or a tsvector column"
        }
        "Gist" => "give the operator class: `ops: InetOps` for inet, or `ops: raw(\"...\")` for an extension's",
        "SpGist" => "use SP-GiST on a `String` or `@db.Inet` field",
        _ => "use a BTree index (the default) for this field",
    }
}

/// `Inet` for a field with `@db.Inet`.
fn native_type(field: &Field) -> Option<&str> {
    field.attributes.iter().find_map(|a| a.name.name.split_once('.').map(|(_, t)| t))
}
