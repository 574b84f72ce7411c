//! Pictures of the schema: entity-relationship diagrams as Mermaid, DOT
//! or SVG.
//!
//! Takes a checked [`Schema`](crate::schema::Schema) without errors and
//! builds a [`Diagram`] (`build`): one box per model with its columns,
//! one edge per relation with its cardinality, every model in its domain
//! (the fragment it is written in). `changes` marks a diagram with what a
//! migration changes. The writers (`mermaid`, `dot`, `svg`) turn a diagram
//! into text; `layout` places the boxes for the SVG. Nothing here prints,
//! reads a file or runs a program.
//!
//! Enums are not boxes: a field of enum type names the enum, and its
//! values go in a Mermaid comment and the SVG tooltip. Two dozen enum
//! boxes with an edge to every use would double the drawing and say
//! nothing the type name does not.

mod build;
mod changes;
mod dot;
mod layout;
mod mermaid;
mod svg;

pub use build::{UnknownDomain, build};
pub use changes::mark_changes;
pub use dot::dot;
pub use layout::{Placed, place};
pub use mermaid::mermaid;
pub use svg::svg;

/// What the diagram shows.
#[derive(Debug, Clone, Default)]
pub struct Diagram {
    /// Every domain of the schema, in fragment order: the colours and the
    /// legend follow it, so a domain keeps its colour whatever is shown.
    pub domains: Vec<String>,
    pub models: Vec<ModelBox>,
    pub relations: Vec<Relation>,
}

/// A model: its name, table and columns.
#[derive(Debug, Clone)]
pub struct ModelBox {
    pub name: String,
    /// The table, schema-qualified when the model names a schema.
    pub table: String,
    /// Index in [`Diagram::domains`].
    pub domain: usize,
    /// A neighbour of the domains asked for, drawn faded.
    pub faded: bool,
    /// `@ehrdb.immutable`: drawn with a double border.
    pub immutable: bool,
    pub mark: Mark,
    pub rows: Vec<Row>,
}

/// A field stored in a column (relation fields are edges, not rows).
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    /// As written: `String?`, `Int[]`, `CaseStatus`.
    pub ty: String,
    /// The column, when `@map` names it differently from the field.
    pub column: Option<String>,
    pub keys: Keys,
    /// The enum's values when the type is an enum.
    pub enum_values: Option<Vec<String>>,
    /// Named in the model's `allowUpdate`.
    pub updatable: bool,
    pub mark: Mark,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keys {
    /// Part of the primary key.
    pub primary: bool,
    /// Part of a foreign key.
    pub foreign: bool,
    /// Part of a unique criterion other than the primary key.
    pub unique: bool,
}

impl Keys {
    /// `PK`, `FK`, `UK`, comma-separated.
    pub fn markers(self) -> Vec<&'static str> {
        [(self.primary, "PK"), (self.foreign, "FK"), (self.unique, "UK")]
            .into_iter()
            .filter_map(|(on, text)| on.then_some(text))
            .collect()
    }
}

/// What a migration does to a model, field or relation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mark {
    #[default]
    Same,
    Added,
    Removed,
    Changed,
}

impl Mark {
    /// `+`, `-`, `~`, or nothing.
    pub fn sign(self) -> &'static str {
        match self {
            Mark::Same => "",
            Mark::Added => "+",
            Mark::Removed => "-",
            Mark::Changed => "~",
        }
    }

    /// `added`, `removed`, `changed`, or nothing.
    pub fn word(self) -> &'static str {
        match self {
            Mark::Same => "",
            Mark::Added => "added",
            Mark::Removed => "removed",
            Mark::Changed => "changed",
        }
    }
}

/// A relation between two models.
#[derive(Debug, Clone)]
pub struct Relation {
    /// The side that holds the key (for m:n, the first model by name).
    pub from: usize,
    pub to: usize,
    pub cardinality: Cardinality,
    /// The relation field on `from`, and on `to`.
    pub from_field: String,
    pub to_field: String,
    /// Whether the key side may be without a partner (its field is optional).
    pub optional: bool,
    /// The key field's name, or for m:n the join table.
    pub label: String,
    pub mark: Mark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cardinality {
    OneToOne,
    /// `from` is the many side, holding the key; `to` the one side.
    ManyToOne,
    /// Through an implicit join table named by the label.
    ManyToMany,
}

impl Diagram {
    /// The `chosen` models (one flag per model) and their neighbours one
    /// relation away, faded; the relations that touch a chosen model. A
    /// relation between two neighbours belongs to nothing chosen.
    pub fn around(self, chosen: &[bool]) -> Diagram {
        let mut keep: Vec<Option<bool>> = chosen.iter().map(|&c| c.then_some(false)).collect();
        for r in &self.relations {
            for (a, b) in [(r.from, r.to), (r.to, r.from)] {
                if chosen[a] && keep[b].is_none() {
                    keep[b] = Some(true);
                }
            }
        }
        let mut index = vec![usize::MAX; self.models.len()];
        let mut models = Vec::new();
        for (i, mut model) in self.models.into_iter().enumerate() {
            let Some(faded) = keep[i] else { continue };
            index[i] = models.len();
            model.faded = faded;
            models.push(model);
        }
        let relations = self
            .relations
            .into_iter()
            .filter(|r| chosen[r.from] || chosen[r.to])
            .map(|r| Relation { from: index[r.from], to: index[r.to], ..r })
            .collect();
        Diagram { domains: self.domains, models, relations }
    }
}

/// Text escaped for XML: the SVG, and Graphviz's HTML-like labels.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
