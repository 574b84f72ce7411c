//! The relation graph of a merged schema: every relation field with its
//! `@relation` arguments, the opposite field it pairs with, and the shape
//! of each pair (1:1, 1:n, m:n), decided the way Prisma decides it.
//!
//! The validator builds it once per run, before its rules, and the
//! diagrams draw it; it judges nothing (the validator's argument rules
//! report what is wrong).

use crate::ast::{Arity, Attribute, Block, BlockKind, Expr, Field, Ident};
use crate::collections::HashMap;
use crate::diagnostics::Span;
use crate::schema::{FieldKind, Schema};

/// A field whose type is a model or a view.
pub(crate) struct RelationField<'a> {
    /// Where `model` stands in the merged schema's blocks.
    pub position: usize,
    pub model: &'a Block,
    pub field: &'a Field,
    pub target: &'a Block,
    /// The first `@relation` (a second one is reported by the argument rules).
    pub attribute: Option<&'a Attribute>,
    pub args: RelationArgs<'a>,
}

/// The arguments of one `@relation`, read quietly: the first positional
/// argument is `name`, the first of each name wins, unknown names are
/// skipped (the argument rules report all of that once).
#[derive(Default)]
pub(crate) struct RelationArgs<'a> {
    pub name: Option<&'a Expr>,
    pub fields: Option<&'a Expr>,
    pub references: Option<&'a Expr>,
    pub on_delete: Option<&'a Expr>,
    pub on_update: Option<&'a Expr>,
    pub map: Option<&'a Expr>,
}

impl<'a> RelationArgs<'a> {
    pub fn read(attribute: &'a Attribute) -> RelationArgs<'a> {
        let mut args = RelationArgs::default();
        let Some(list) = &attribute.args else { return args };
        let mut positional_seen = false;
        for arg in &list.items {
            let Some(value) = &arg.value else { continue };
            let slot = match &arg.name {
                Some(name) => match name.name.as_str() {
                    "name" => &mut args.name,
                    "fields" => &mut args.fields,
                    "references" => &mut args.references,
                    "onDelete" => &mut args.on_delete,
                    "onUpdate" => &mut args.on_update,
                    "map" => &mut args.map,
                    _ => continue,
                },
                None if !positional_seen => {
                    positional_seen = true;
                    &mut args.name
                }
                None => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        args
    }
}

/// What a `fields:` or `references:` argument holds.
pub(crate) enum FieldList<'a> {
    Absent,
    /// Not a list of field names (reported by the argument rules).
    Malformed,
    Names(Vec<&'a Ident>, Span),
}

impl<'a> FieldList<'a> {
    pub fn of(expr: Option<&'a Expr>) -> FieldList<'a> {
        match expr {
            None => FieldList::Absent,
            // Prisma reads a lone name as a list of one.
            Some(Expr::Constant(name)) => FieldList::Names(vec![name], name.span),
            Some(Expr::Array(items, span)) => {
                let names: Option<Vec<&Ident>> = items
                    .iter()
                    .map(|item| match item {
                        Expr::Constant(name) => Some(name),
                        _ => None,
                    })
                    .collect();
                match names {
                    Some(names) => FieldList::Names(names, *span),
                    None => FieldList::Malformed,
                }
            }
            Some(_) => FieldList::Malformed,
        }
    }

    /// Given and not empty (`fields: []` counts as not given, as in Prisma);
    /// a malformed list counts as given, so its absence is not reported too.
    pub fn is_given(&self) -> bool {
        match self {
            FieldList::Absent => false,
            FieldList::Malformed => true,
            FieldList::Names(names, _) => !names.is_empty(),
        }
    }

    pub fn names(&self) -> &[&'a Ident] {
        match self {
            FieldList::Names(names, _) => names,
            _ => &[],
        }
    }
}

impl<'a> RelationField<'a> {
    pub fn is_list(&self) -> bool {
        matches!(self.field.ty.arity, Arity::List | Arity::OptionalList)
    }

    pub fn is_required(&self) -> bool {
        self.field.ty.arity == Arity::Required
    }

    pub fn is_self_relation(&self) -> bool {
        std::ptr::eq(self.model, self.target)
    }

    /// The explicit relation name; an empty one counts as none, as in
    /// Prisma, and an unquoted one as what it says (both are reported by
    /// the argument rules, and pairing by intent avoids a second error).
    pub fn name(&self) -> Option<&'a str> {
        let name = match self.args.name? {
            Expr::String(s) => s.value(),
            Expr::Constant(c) => &c.name,
            _ => return None,
        };
        (!name.is_empty()).then_some(name)
    }

    pub fn fields(&self) -> FieldList<'a> {
        FieldList::of(self.args.fields)
    }

    pub fn references(&self) -> FieldList<'a> {
        FieldList::of(self.args.references)
    }

    pub fn has_actions(&self) -> bool {
        self.args.on_delete.is_some() || self.args.on_update.is_some()
    }

    /// `Model.field`, as messages name it.
    pub fn path(&self) -> String {
        format!("{}.{}", self.model.name.name, self.field.name.name)
    }

    /// Where to point for something about the whole `@relation`: the
    /// attribute, or the field name when there is none.
    pub fn attribute_span(&self) -> Span {
        self.attribute.map_or(self.field.name.span, |a| a.span)
    }

    /// The span of an argument's value, else of the attribute.
    pub fn arg_span(&self, value: Option<&Expr>) -> Span {
        value.map_or_else(|| self.attribute_span(), Expr::span)
    }
}

/// How two paired relation fields relate.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    /// `forward` holds (or must hold) `fields` and `references`.
    OneToOne {
        forward: usize,
        back: usize,
    },
    /// `forward` is the single side, `back` the list.
    OneToMany {
        forward: usize,
        back: usize,
    },
    ManyToMany {
        a: usize,
        b: usize,
    },
}

/// Every relation field of the schema and how they pair.
pub(crate) struct Relations<'a> {
    pub fields: Vec<RelationField<'a>>,
    /// The index in `fields` of each field's opposite.
    pub opposite: Vec<Option<usize>>,
    /// Fields of an ambiguous or wrongly named group: their pairing is a
    /// guess, so the rules that need a pair skip them.
    pub ambiguous: Vec<bool>,
    /// The groups of fields from one model to another under one name
    /// (`None`: unnamed), in schema order.
    pub groups: Vec<Vec<usize>>,
}

impl<'a> Relations<'a> {
    pub fn new(schema: &Schema<'a>) -> Relations<'a> {
        let mut fields = Vec::new();
        let models =
            schema.blocks.iter().enumerate().filter(|(_, b)| matches!(b.kind, BlockKind::Model | BlockKind::View));
        for (position, model) in models {
            // A second definition of a name is reported by the merge; the
            // first is the one every reference resolves to.
            if !schema.owns_its_name(model) {
                continue;
            }
            for field in model.fields() {
                let FieldKind::Model(target) = schema.resolve(&field.ty) else { continue };
                let attribute = field.attribute("relation");
                let args = attribute.map(RelationArgs::read).unwrap_or_default();
                fields.push(RelationField { position, model, field, target, attribute, args });
            }
        }

        let mut by_key: HashMap<(&str, &str, Option<&str>), usize> = HashMap::default();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, rf) in fields.iter().enumerate() {
            let key = (rf.model.name.name.as_str(), rf.target.name.name.as_str(), rf.name());
            let group = *by_key.entry(key).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[group].push(i);
        }

        let mut ambiguous = vec![false; fields.len()];
        for group in &groups {
            let first = &fields[group[0]];
            let named_self_pair = first.is_self_relation() && first.name().is_some() && group.len() == 2;
            if group.len() > 1 && !named_self_pair {
                for &i in group {
                    ambiguous[i] = true;
                }
            }
        }

        // Prisma pairs a field with the first field of the other model
        // that points back under the same name.
        let opposite = fields
            .iter()
            .enumerate()
            .map(|(i, rf)| {
                let key = (rf.target.name.name.as_str(), rf.model.name.name.as_str(), rf.name());
                by_key.get(&key).and_then(|&group| groups[group].iter().copied().find(|&j| j != i))
            })
            .collect();

        Relations { fields, opposite, ambiguous, groups }
    }

    /// Every unambiguous pair once, with its shape.
    pub fn pairs(&self) -> Vec<Shape> {
        let mut shapes = Vec::new();
        for (i, opposite) in self.opposite.iter().enumerate() {
            let Some(j) = *opposite else { continue };
            if i > j || self.ambiguous[i] || self.ambiguous[j] || self.opposite[j] != Some(i) {
                continue;
            }
            shapes.push(self.shape(i, j));
        }
        shapes
    }

    fn shape(&self, i: usize, j: usize) -> Shape {
        let (a, b) = (&self.fields[i], &self.fields[j]);
        match (a.is_list(), b.is_list()) {
            (true, true) => Shape::ManyToMany { a: i, b: j },
            (false, true) => Shape::OneToMany { forward: i, back: j },
            (true, false) => Shape::OneToMany { forward: j, back: i },
            (false, false) => {
                // The required side holds the key; between equals, the side
                // that has `fields`, else the first by model and field name.
                let forward = match (a.is_required(), b.is_required()) {
                    (true, false) => i,
                    (false, true) => j,
                    _ if a.fields().is_given() => i,
                    _ if b.fields().is_given() => j,
                    _ if (&a.model.name.name, &a.field.name.name) <= (&b.model.name.name, &b.field.name.name) => i,
                    _ => j,
                };
                let back = if forward == i { j } else { i };
                Shape::OneToOne { forward, back }
            }
        }
    }

    /// Whether the field's `fields`, in order, are exactly one unique
    /// criterion of its model (what a 1:1 needs on its key side).
    pub fn fields_are_unique(&self, i: usize) -> bool {
        let rf = &self.fields[i];
        let fields = rf.fields();
        let names: Vec<&str> = fields.names().iter().map(|n| n.name.as_str()).collect();
        !names.is_empty()
            && rf.model.unique_criteria().iter().any(|c| c.fields.len() == names.len() && c.fields == names)
    }
}
