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
//! reads too. This file is the registry and its scheduler: which rules
//! run, in what order, and how the work is cut and spread over the cores.
//! What a rule sees is [`Ctx`] (in `context`): the blocks it looks at,
//! where it reports, the fields by name and the relation graph, indexed
//! once per run, and attribute arguments read against their parameters
//! ([`Args`]), so a rule is only the rule.

mod allows;
mod annotations;
mod attributes;
mod context;
mod datasource;
mod lints;
mod models;
mod names;
mod partial;
mod relations;
mod types;

pub(crate) use context::{Args, Ctx, closest};

use crate::ast::Block;
use crate::diagnostics::Diagnostics;
use crate::parallel;
use crate::schema::Schema;
use context::Index;

/// A rule: its name (what must hold), the function that checks it, and
/// how much of the schema one run of it needs to see.
#[derive(Clone, Copy)]
pub(crate) struct Rule {
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

impl Rule {
    /// A rule over the whole schema.
    pub(crate) const fn schema(name: &'static str, run: fn(&mut Ctx)) -> Rule {
        Rule { name, run, reach: Reach::Schema }
    }

    /// A rule that judges each block on its own (see [`Reach::Block`]).
    pub(crate) const fn blocks(name: &'static str, run: fn(&mut Ctx)) -> Rule {
        Rule { name, run, reach: Reach::Block }
    }
}

/// The code of every warning the rules report, and `unused-allow`: what
/// `/// @ehrdb.allow(...)` and `[lints]` in ehrdb.toml take. A test holds
/// every fixture's warnings to this list.
pub const LINTS: &[&str] = &[
    "annotation-in-plain-comment",
    "annotation-not-at-line-start",
    "cascade-delete-into-immutable",
    "deprecated-referential-integrity",
    "duplicate-enum-label",
    "enum-named-like-table",
    "env-named-argument",
    "fk-without-index",
    "float-for-money",
    "immutable-autoincrement-id",
    "key-native-type-mismatch",
    "native-type-length-out-of-range",
    "renamed-preview-feature",
    "set-default-without-default",
    "set-null-into-immutable",
    "set-null-on-required-key",
    "stable-preview-feature",
    "timestamp-without-time-zone",
    "updated-at-on-immutable",
    "unused-allow",
    "where-unknown-enum-value",
];

/// Every rule, in the order they run.
const ALL: &[&[Rule]] = &[
    datasource::CHECKS,
    names::CHECKS,
    types::CHECKS,
    attributes::CHECKS,
    partial::CHECKS,
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
    let rules: Vec<&Rule> = ALL.iter().flat_map(|checks| checks.iter()).collect();
    let (schema_rules, block_rules): (Vec<&Rule>, Vec<&Rule>) = rules.iter().partition(|c| c.reach == Reach::Schema);
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
    let ctx = |first, scope| Ctx::new(schema, prisma_major, &index, first, scope);
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
                vec![ctx.into_diagnostics()]
            }
            Piece::Blocks { first, blocks } => {
                let started = std::time::Instant::now();
                let found = block_rules
                    .iter()
                    .map(|check| {
                        let mut ctx = ctx(*first, blocks);
                        (check.run)(&mut ctx);
                        ctx.into_diagnostics()
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
    allows::apply(schema, diagnostics);
}

/// A piece of the work: a rule over the whole schema, or every block rule
/// over a run of consecutive blocks.
enum Piece<'c, 'a> {
    Rule(&'c Rule),
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
const WARM_UP: &[Rule] = &[
    Rule::schema("(index) the relation graph", |ctx| {
        ctx.relations();
    }),
    Rule::schema("(index) fields by name", |ctx| {
        ctx.field_maps();
    }),
];
