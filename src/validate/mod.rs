//! The validation stage: Prisma's rules for PostgreSQL, and ehrdb's lints.
//!
//! Takes the merged [`Schema`] and pushes a diagnostic for every rule that
//! does not hold; it never stops early, so one run reports every problem
//! of every fragment (Prisma stops after the first phase that fails). Each
//! rule is a small function named for what must hold; every file lists its
//! rules in `CHECKS`, and [`ALL`] runs the files in order. Nothing here
//! prints or touches the database.
//!
//! What the schema means (resolved types, table and column names, unique
//! criteria, annotations) is [`schema`](crate::schema)'s, which lowering
//! reads too. What the rules share besides is here: [`Ctx`] holds the
//! blocks a rule looks at and where it reports, indexes the fields by name
//! and the relation graph once per run, and reads attribute arguments
//! ([`Args`]), so a rule is only the rule.

mod annotations;
mod attributes;
mod datasource;
mod lints;
mod models;
mod names;
mod relations;
mod types;

use std::sync::OnceLock;

use crate::collections::HashMap;

use crate::ast::*;
use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use crate::parallel;
use crate::schema::Schema;

/// A rule: its name (what must hold), the function that checks it, and
/// how much of the schema one run of it needs to see.
#[derive(Clone, Copy)]
pub(crate) struct Check {
    name: &'static str,
    run: fn(&mut Ctx),
    reach: Reach,
}

/// How much of the schema a rule needs to see at once.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The whole schema: names unique across blocks, the relation graph,
    /// the datasource and generators.
    Schema,
    /// One block at a time: the rule judges each block of `ctx.blocks()`
    /// on its own (reading others only through the index, the merged
    /// schema or a field's type), so it can run over a few blocks at a
    /// time. Such a rule gives the same diagnostics in the same order
    /// however the blocks are cut; the fixtures are run cut into single
    /// blocks to hold every rule marked so to that.
    Block,
}

impl Check {
    /// A rule over the whole schema.
    pub(crate) const fn schema(name: &'static str, run: fn(&mut Ctx)) -> Check {
        Check { name, run, reach: Reach::Schema }
    }

    /// A rule that judges each block on its own (see [`Reach::Block`]).
    pub(crate) const fn blocks(name: &'static str, run: fn(&mut Ctx)) -> Check {
        Check { name, run, reach: Reach::Block }
    }
}

/// Every rule, in the order they run.
const ALL: &[&[Check]] = &[
    datasource::CHECKS,
    names::CHECKS,
    types::CHECKS,
    attributes::CHECKS,
    models::CHECKS,
    relations::CHECKS,
    annotations::CHECKS,
    lints::CHECKS,
];

/// How many blocks a run of the block rules takes at once: enough to make
/// starting a run cheap, few enough that their fields stay in the cache
/// while every block rule reads them (about 10 KB of tree per model). A
/// large schema's tree is far larger than the cache; rule after rule
/// reading all of it was most of the time validation took.
const BLOCKS_PER_RUN: usize = 32;

/// Runs every rule over a merged schema written for Prisma `prisma_major`
/// (6 or 7). Commands reach this through [`pipeline::check`](crate::pipeline::check).
pub fn validate(schema: &Schema, prisma_major: u8, diagnostics: &mut Diagnostics) {
    validate_in_runs_of(BLOCKS_PER_RUN, schema, prisma_major, diagnostics);
}

/// [`validate`], with the block rules run over `blocks_per_run` blocks at a
/// time. The diagnostics do not depend on it (the tests hold them to that
/// with 1 and 2); it only decides how the work is cut.
///
/// Rules only read the schema, so the work runs on all cores: each rule
/// over the whole schema is one piece, and each run of consecutive blocks
/// through every block rule is another. Each piece reports into its own
/// diagnostics, which are joined in rule order and, within a block rule,
/// in block order: the order one rule after another over the whole schema
/// would give, whatever the schedule.
#[doc(hidden)]
pub fn validate_in_runs_of(blocks_per_run: usize, schema: &Schema, prisma_major: u8, diagnostics: &mut Diagnostics) {
    let blocks_per_run = blocks_per_run.max(1);
    let index = Index::default();
    let rules: Vec<&Check> = ALL.iter().flat_map(|checks| checks.iter()).collect();
    let (schema_rules, block_rules): (Vec<&Check>, Vec<&Check>) = rules.iter().partition(|c| c.reach == Reach::Schema);
    // The index parts first, then the schema rules, then the block runs:
    // small pieces last keep both cores busy to the end.
    let pieces: Vec<Piece> = WARM_UP
        .iter()
        .chain(schema_rules.iter().copied())
        .map(Piece::Rule)
        .chain(
            schema
                .blocks
                .chunks(blocks_per_run)
                .enumerate()
                .map(|(n, blocks)| Piece::Blocks { first: n * blocks_per_run, blocks }),
        )
        .collect();
    let fragments = schema.fragments;
    let size: usize = fragments.fragments.iter().map(|f| fragments.sources.get(f.ast.file).text.len()).sum();
    let timing = std::env::var_os("EHRDB_TIME_RULES").is_some();
    let ctx = |first, scope| Ctx { schema, prisma_major, index: &index, first, scope, diagnostics: Diagnostics::new() };
    let found = parallel::map(
        &pieces,
        |_| size / 8,
        |piece| match piece {
            Piece::Rule(check) => {
                let mut ctx = ctx(0, &schema.blocks[..]);
                let started = std::time::Instant::now();
                (check.run)(&mut ctx);
                if timing {
                    eprintln!("{:>10.3} ms  {}", started.elapsed().as_secs_f64() * 1000.0, check.name);
                }
                vec![ctx.diagnostics]
            }
            Piece::Blocks { first, blocks } => {
                let started = std::time::Instant::now();
                let found = block_rules
                    .iter()
                    .map(|check| {
                        let mut ctx = ctx(*first, blocks);
                        (check.run)(&mut ctx);
                        ctx.diagnostics
                    })
                    .collect();
                if timing {
                    let (from, to) = (&blocks[0].name.name, &blocks[blocks.len() - 1].name.name);
                    eprintln!("{:>10.3} ms  (block rules) {from} .. {to}", started.elapsed().as_secs_f64() * 1000.0);
                }
                found
            }
        },
    );
    // Put the pieces back in rule order.
    let mut found = found.into_iter().skip(WARM_UP.len());
    let by_schema_rule: Vec<Diagnostics> = found.by_ref().take(schema_rules.len()).flatten().collect();
    let mut by_schema_rule = by_schema_rule.into_iter();
    let mut runs: Vec<_> = found.map(Vec::into_iter).collect();
    for check in rules {
        match check.reach {
            Reach::Schema => diagnostics.extend(by_schema_rule.next().expect("one piece per schema rule")),
            Reach::Block => {
                for run in &mut runs {
                    diagnostics.extend(run.next().expect("every block rule in every run"));
                }
            }
        }
    }
}

/// A piece of the work: a rule over the whole schema, or every block rule
/// over a run of consecutive blocks.
enum Piece<'c, 'a> {
    Rule(&'c Check),
    /// The blocks from `first` on in the merged schema.
    Blocks {
        first: usize,
        blocks: &'a [&'a Block],
    },
}

/// The index parts, built first on the rule threads: one thread builds
/// the relation graph while the other builds the rest and goes on with the
/// first rules, instead of every rule waiting for all of it. (A rule that
/// asks for a part still being built waits for it.)
const WARM_UP: &[Check] = &[
    Check::schema("(index) the relation graph", |ctx| {
        ctx.relations();
    }),
    Check::schema("(index) fields by name", |ctx| {
        ctx.field_maps();
    }),
];

/// What the rules ask again and again, worked out once per run, when it
/// is first asked for (see [`WARM_UP`]): every block's fields by name
/// (keyed by the block's address; the tree does not move while the rules
/// run) and the relation graph.
#[derive(Default)]
struct Index<'a> {
    fields: OnceLock<HashMap<usize, HashMap<&'a str, &'a Field>>>,
    /// The relation graph, which most relation rules read.
    relations: OnceLock<relations::model::Relations<'a>>,
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

    fn field_maps(&self) -> &'a HashMap<usize, HashMap<&'a str, &'a Field>> {
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
    pub(in crate::validate) fn relation_fields(&self) -> &'a [relations::model::RelationField<'a>] {
        &self.relations().fields[self.relation_range()]
    }

    /// Every relation field and how they pair, shared by the relation rules.
    pub(in crate::validate) fn relations(&self) -> &'a relations::model::Relations<'a> {
        let (index, schema) = (self.index, self.schema);
        index.relations.get_or_init(|| relations::model::Relations::new(schema))
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
    values: Vec<(&'static str, &'a Expr)>,
}

impl<'a> Args<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Expr> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

/// The closest of `candidates` to `name`, when close enough to suggest.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Edits (insert, delete, replace, swap of neighbours) that turn `a` into
/// `b`: the optimal string alignment distance.
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_near_names_only() {
        assert_eq!(closest("Strin", ["String", "Int"]), Some("String"));
        assert_eq!(closest("Flaot", ["Float", "Int"]), Some("Float"));
        assert_eq!(closest("Datetime", ["DateTime", "Decimal"]), Some("DateTime"));
        assert_eq!(closest("Quux", ["String", "Int"]), None);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("flaot", "float"), 1);
    }
}
