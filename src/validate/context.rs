//! What a rule sees ([`Ctx`]): the merged schema, the blocks it looks at
//! (all of them, or a run of consecutive ones for a block rule), and where
//! it reports; with what many rules ask again and again, worked out once
//! per run ([`Index`]): every block's fields by name and the relation
//! graph. Also what the rules share to say a thing well: an attribute's
//! arguments read against its parameters ([`Args`]) and the closest name
//! to suggest ([`closest`], from the `text` leaf).

use std::sync::OnceLock;

use super::types;
use crate::ast::{Attribute, Block, BlockKind, Expr, Field};
use crate::collections::HashMap;
use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use crate::schema::Schema;
pub use crate::text::closest;

/// What the rules ask again and again, worked out once per run, when it
/// is first asked for (see [`WARM_UP`]): every block's fields by name
/// (keyed by the block's address; the tree does not move while the rules
/// run) and the relation graph.
#[derive(Default)]
pub(super) struct Index<'a> {
    fields: OnceLock<HashMap<usize, HashMap<&'a str, &'a Field>>>,
    /// The relation graph, which most relation rules read.
    relations: OnceLock<crate::schema::relations::Relations<'a>>,
}

fn field_maps<'a>(schema: &Schema<'a>) -> HashMap<usize, HashMap<&'a str, &'a Field>> {
    let mut maps = HashMap::default();
    for block in schema.blocks.iter().filter(|b| b.kind.has_fields()) {
        let mut by_name = HashMap::default();
        for field in block.fields() {
            by_name.entry(field.name.name.as_str()).or_insert(field);
        }
        maps.insert(address(*block), by_name);
    }
    maps
}

fn address<T>(node: &T) -> usize {
    node as *const T as usize
}

/// What a rule sees: the merged schema and where to report.
pub(crate) struct Ctx<'a> {
    pub schema: &'a Schema<'a>,
    /// 6 or 7.
    pub prisma_major: u8,
    index: &'a Index<'a>,
    /// The blocks this run looks at: all of them, or a run of consecutive
    /// ones for a block rule, the first of them at `first` in the merged
    /// schema.
    scope: &'a [&'a Block],
    first: usize,
    diagnostics: Diagnostics,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
        schema: &'a Schema<'a>,
        prisma_major: u8,
        index: &'a Index<'a>,
        first: usize,
        scope: &'a [&'a Block],
    ) -> Ctx<'a> {
        Ctx { schema, prisma_major, index, scope, first, diagnostics: Diagnostics::new() }
    }

    /// What the rule reported.
    pub(super) fn into_diagnostics(self) -> Diagnostics {
        self.diagnostics
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Every block in fragment order; for a block rule, the blocks of its
    /// run.
    pub fn blocks(&self) -> impl Iterator<Item = &'a Block> + 'a {
        self.scope.iter().copied()
    }

    /// Models and views (blocks that become tables or views).
    pub fn models(&self) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks().filter(|b| matches!(b.kind, BlockKind::Model | BlockKind::View))
    }

    pub fn enums(&self) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks().filter(|b| b.kind == BlockKind::Enum)
    }

    /// The text a span covers.
    pub fn text(&self, span: Span) -> &'a str {
        self.schema.text(span)
    }

    /// The fields of a model-like block, by name (first definition wins).
    pub fn fields_by_name(&self, block: &'a Block) -> &'a HashMap<&'a str, &'a Field> {
        static NONE: std::sync::LazyLock<HashMap<&'static str, &'static Field>> =
            std::sync::LazyLock::new(HashMap::default);
        self.field_maps().get(&address(block)).unwrap_or(&NONE)
    }

    pub(super) fn field_maps(&self) -> &'a HashMap<usize, HashMap<&'a str, &'a Field>> {
        let (index, schema) = (self.index, self.schema);
        index.fields.get_or_init(|| field_maps(schema))
    }

    /// The relation fields of the blocks this run looks at: their indexes
    /// in [`Ctx::relations`], which keeps them in block order.
    pub(in crate::validate) fn relation_range(&self) -> std::ops::Range<usize> {
        let fields = &self.relations().fields;
        let (from, to) = (self.first, self.first + self.scope.len());
        fields.partition_point(|rf| rf.position < from)..fields.partition_point(|rf| rf.position < to)
    }

    /// The relation fields of the blocks this run looks at.
    pub(in crate::validate) fn relation_fields(&self) -> &'a [crate::schema::relations::RelationField<'a>] {
        &self.relations().fields[self.relation_range()]
    }

    /// Every relation field and how they pair, shared by the relation rules.
    pub(in crate::validate) fn relations(&self) -> &'a crate::schema::relations::Relations<'a> {
        let (index, schema) = (self.index, self.schema);
        index.relations.get_or_init(|| crate::schema::relations::Relations::new(schema))
    }

    /// The fields of models and views with native types, in order.
    pub(in crate::validate) fn native_fields(&self) -> impl Iterator<Item = types::NativeField<'a>> + 'a {
        let schema = self.schema;
        self.blocks().flat_map(move |block| {
            block.fields().filter_map(move |field| types::native_field(block, field, schema.resolve(&field.ty)))
        })
    }

    /// Reads an attribute's arguments against its parameters. The first
    /// positional argument fills `params[0]`; further positional ones,
    /// unknown names and repeated names are reported. `label` is how the
    /// attribute is written (`@relation`, `@@index`).
    pub fn args(&mut self, attribute: &'a Attribute, label: &str, params: &[&'static str]) -> Args<'a> {
        let mut args = Args { values: Vec::new() };
        let Some(list) = &attribute.args else { return args };
        let mut positional_seen = false;
        for arg in &list.items {
            let Some(value) = &arg.value else { continue };
            let name = match &arg.name {
                Some(name) => match params.iter().find(|p| **p == name.name) {
                    Some(param) => *param,
                    None => {
                        let known = params.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
                        let mut d = Diagnostic::error(
                            "unknown-argument",
                            name.span,
                            format!("`{label}` has no argument `{}`", name.name),
                        );
                        d = if known.is_empty() {
                            d.help(format!("`{label}` takes no named arguments"))
                        } else {
                            d.help(format!("its arguments are {known}"))
                        };
                        self.push(d);
                        continue;
                    }
                },
                None if !positional_seen && !params.is_empty() => {
                    positional_seen = true;
                    params[0]
                }
                None => {
                    self.push(
                        Diagnostic::error(
                            "unexpected-argument",
                            arg.span,
                            format!("`{label}` takes no further positional argument"),
                        )
                        .help("name the argument, as in `name: value`"),
                    );
                    continue;
                }
            };
            if let Some((_, first)) = args.values.iter().find(|(n, _)| *n == name) {
                let first_span = first.span();
                self.push(
                    Diagnostic::error(
                        "duplicate-argument",
                        arg.span,
                        format!("argument `{name}` of `{label}` is given twice"),
                    )
                    .also(first_span, "first given here"),
                );
                continue;
            }
            args.values.push((name, value));
        }
        args
    }
}

/// The arguments of one attribute, by parameter name.
pub struct Args<'a> {
    pub(super) values: Vec<(&'static str, &'a Expr)>,
}

impl<'a> Args<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Expr> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}
