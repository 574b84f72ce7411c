//! The syntax tree of one schema fragment.
//!
//! Built by `parse`, read by every later stage. It keeps everything the
//! user wrote that matters for printing it back: comments where they stand,
//! blank lines, raw string and number text, and lines that did not parse
//! (as [`Member::Invalid`] / [`TopItem::Invalid`], already reported). Every
//! node has a [`Span`]. Nothing here resolves names or checks meaning:
//! what a node means (`model.table_name()`, `field.column_name()`) is
//! written in [`schema`](crate::schema), as methods on these types.

use compact_str::CompactString;

use crate::diagnostics::{FileId, Span};

/// One parsed `.prisma` file.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    pub file: FileId,
    pub items: Vec<TopItem>,
}

impl SchemaFile {
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.items.iter().filter_map(|item| match item {
            TopItem::Block(block) => Some(block),
            _ => None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum TopItem {
    Block(Block),
    Comment(Comment),
    BlankLine,
    /// Text that is no block; reported by the parser, printed verbatim.
    Invalid(Span),
}

/// A `//`, `///` or `/* */` comment, with its delimiters, as written.
#[derive(Debug, Clone)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

impl Comment {
    pub fn is_doc(&self) -> bool {
        self.text.starts_with("///")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKind {
    Datasource,
    Generator,
    Model,
    View,
    Type,
    Enum,
}

impl BlockKind {
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Datasource => "datasource",
            BlockKind::Generator => "generator",
            BlockKind::Model => "model",
            BlockKind::View => "view",
            BlockKind::Type => "type",
            BlockKind::Enum => "enum",
        }
    }

    pub fn from_keyword(keyword: &str) -> Option<BlockKind> {
        Some(match keyword {
            "datasource" => BlockKind::Datasource,
            "generator" => BlockKind::Generator,
            "model" => BlockKind::Model,
            "view" => BlockKind::View,
            "type" => BlockKind::Type,
            "enum" => BlockKind::Enum,
            _ => return None,
        })
    }

    /// Blocks whose members are fields: model, view and composite type.
    pub fn has_fields(self) -> bool {
        matches!(self, BlockKind::Model | BlockKind::View | BlockKind::Type)
    }

    /// Blocks whose members are `key = value` properties.
    pub fn is_config(self) -> bool {
        matches!(self, BlockKind::Datasource | BlockKind::Generator)
    }
}

/// `model X { ... }` and its siblings.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub doc: Vec<Comment>,
    pub name: Ident,
    /// A comment after the opening brace is the first member; one after
    /// the closing brace is the next top-level item: nothing is dropped.
    pub members: Vec<Member>,
    /// From the keyword through the closing brace.
    pub span: Span,
}

impl Block {
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.members.iter().filter_map(|m| match m {
            Member::Field(field) => Some(&**field),
            _ => None,
        })
    }

    pub fn values(&self) -> impl Iterator<Item = &EnumValue> {
        self.members.iter().filter_map(|m| match m {
            Member::EnumValue(value) => Some(&**value),
            _ => None,
        })
    }

    pub fn properties(&self) -> impl Iterator<Item = &Property> {
        self.members.iter().filter_map(|m| match m {
            Member::Property(property) => Some(&**property),
            _ => None,
        })
    }

    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties().find(|p| p.name.name == name)
    }

    /// Block attributes (`@@x`).
    pub fn attributes(&self) -> impl Iterator<Item = &BlockAttribute> {
        self.members.iter().filter_map(|m| match m {
            Member::Attribute(attribute) => Some(&**attribute),
            _ => None,
        })
    }
}

/// One line of a block. The variants with a tree are boxed so that a
/// member is a few words: a block's member list stays small, blank lines
/// and comments cost no more than they hold, and the rules, which walk
/// every member of every block again and again, touch less memory.
#[derive(Debug, Clone)]
pub enum Member {
    Field(Box<Field>),
    EnumValue(Box<EnumValue>),
    Property(Box<Property>),
    Attribute(Box<BlockAttribute>),
    Comment(Comment),
    BlankLine,
    /// A line that is not valid here; reported by the parser, printed verbatim.
    Invalid(Span),
}

#[derive(Debug, Clone)]
pub struct Ident {
    pub name: CompactString,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub doc: Vec<Comment>,
    pub name: Ident,
    pub ty: FieldType,
    pub attributes: Vec<Attribute>,
    pub trailing: Option<Box<Comment>>,
    pub span: Span,
}

impl Field {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct FieldType {
    pub name: TypeName,
    pub arity: Arity,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum TypeName {
    Named(Ident),
    /// `Unsupported("tsvector")`, and the span of all of it. Boxed: it is
    /// rare, and every field holds a type name.
    Unsupported(Box<StringLit>, Span),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Required,
    Optional,
    List,
    /// `Type[]?`, which Prisma rejects; kept so the printer and the
    /// validator can say so.
    OptionalList,
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub doc: Vec<Comment>,
    pub name: Ident,
    pub attributes: Vec<Attribute>,
    pub trailing: Option<Box<Comment>>,
    pub span: Span,
}

/// `key = value` in a datasource or generator.
#[derive(Debug, Clone)]
pub struct Property {
    pub name: Ident,
    pub value: Expr,
    pub trailing: Option<Box<Comment>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct BlockAttribute {
    pub attribute: Attribute,
    pub trailing: Option<Box<Comment>>,
}

/// `@name(args)` or `@@name(args)`; `name` is without the `@`s and may be
/// dotted (`db.VarChar`).
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: Ident,
    pub args: Option<Arguments>,
    pub span: Span,
}

impl Attribute {
    /// The first positional argument.
    pub fn positional(&self) -> Option<&Expr> {
        self.args.as_ref()?.items.iter().find(|a| a.name.is_none())?.value.as_ref()
    }

    pub fn named(&self, name: &str) -> Option<&Expr> {
        self.args.as_ref()?.items.iter().find(|a| a.name.as_ref().is_some_and(|n| n.name == name))?.value.as_ref()
    }
}

#[derive(Debug, Clone)]
pub struct Arguments {
    pub items: Vec<Argument>,
    pub trailing_comma: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Argument {
    pub name: Option<Ident>,
    /// `None` for `name:` with nothing after it, which the parser reports.
    pub value: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Expr {
    String(StringLit),
    /// Kept as written (`1.50`, `-1`, `1e3`).
    Number(Ident),
    /// A bare word: `true`, `Desc`, `Cascade`, a field or enum value name.
    Constant(Ident),
    Array(Vec<Expr>, Span),
    /// `now()`, `env("X")`, and field references with arguments such as
    /// `createdAt(sort: Desc)`. The arguments are boxed: an expression is
    /// then no larger than a string, and most are strings and names.
    Function(Ident, Box<Arguments>),
    /// `{ status: "ACTIVE", deletedAt: { not: null } }`: a partial index's
    /// `where` condition in Prisma's object form.
    Object(Vec<ObjectEntry>, Span),
}

/// `key: value` in an [`Expr::Object`].
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    pub key: Ident,
    pub value: Expr,
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::String(s) => s.span,
            Expr::Number(n) | Expr::Constant(n) => n.span,
            Expr::Array(_, span) | Expr::Object(_, span) => *span,
            Expr::Function(name, args) => name.span.to(args.span),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::String(s) => Some(s.value()),
            _ => None,
        }
    }

    pub fn as_constant(&self) -> Option<&str> {
        match self {
            Expr::Constant(c) => Some(&c.name),
            _ => None,
        }
    }
}

/// A string literal: `raw` is the text between the quotes as written;
/// [`StringLit::value`] has the escapes decoded.
#[derive(Debug, Clone)]
pub struct StringLit {
    /// Inline up to 24 bytes, as most strings (`@map` names) are: no
    /// allocation for them.
    pub raw: CompactString,
    /// The decoded value, only when it differs from `raw` (most strings
    /// have no escapes, and a schema has many strings).
    pub unescaped: Option<Box<str>>,
    pub span: Span,
}

impl StringLit {
    pub fn value(&self) -> &str {
        self.unescaped.as_deref().unwrap_or(&self.raw)
    }
}
