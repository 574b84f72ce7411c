//! Fragments to one schema.
//!
//! Takes the parsed [`Fragments`] and returns a [`Merged`] schema: one
//! namespace of models, enums, views and composite types, the datasource
//! and the generators, each pointing back at the fragment it came from.
//! Conflicts (a name defined twice, a second datasource, two generators of
//! one name) are diagnostics that label both places. [`render`] prints the
//! canonical `schema.prisma`. Nothing here checks what a block means; that
//! is the validator's job.

use crate::collections::HashMap;

use crate::ast::{Block, BlockKind};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::fragments::Fragments;
use crate::{format, parallel};

/// The merged, name-resolved view of all fragments.
#[derive(Debug)]
pub struct Merged<'a> {
    /// Models, enums, views and composite types by name; the first
    /// definition wins when a name is taken twice (already reported).
    pub types: HashMap<&'a str, &'a Block>,
    pub datasource: Option<&'a Block>,
    pub generators: Vec<&'a Block>,
    /// Every block in fragment order.
    pub blocks: Vec<&'a Block>,
}

impl<'a> Merged<'a> {
    pub fn models(&self) -> impl Iterator<Item = &'a Block> + '_ {
        self.blocks.iter().copied().filter(|b| b.kind == BlockKind::Model)
    }

    pub fn count(&self, kind: BlockKind) -> usize {
        self.blocks.iter().filter(|b| b.kind == kind).count()
    }
}

/// Merges the fragments, reporting conflicts into `diagnostics`.
pub fn merge<'a>(fragments: &'a Fragments, diagnostics: &mut Diagnostics) -> Merged<'a> {
    let mut merged = Merged { types: HashMap::default(), datasource: None, generators: Vec::new(), blocks: Vec::new() };
    let mut generators: HashMap<&str, &Block> = HashMap::default();

    for block in fragments.fragments.iter().flat_map(|f| f.ast.blocks()) {
        merged.blocks.push(block);
        let name = block.name.name.as_str();
        match block.kind {
            BlockKind::Datasource => match merged.datasource {
                Some(first) => diagnostics.push(
                    Diagnostic::error(
                        "multiple-datasources",
                        block.name.span,
                        format!("a second datasource `{name}`: a schema has exactly one"),
                    )
                    .label("second datasource")
                    .also(first.name.span, "first datasource here")
                    .help("keep one datasource block, in the base fragment"),
                ),
                None => merged.datasource = Some(block),
            },
            BlockKind::Generator => match generators.get(name) {
                Some(first) => diagnostics.push(
                    Diagnostic::error(
                        "duplicate-generator",
                        block.name.span,
                        format!("generator `{name}` is defined twice"),
                    )
                    .label("second definition")
                    .also(first.name.span, "first defined here")
                    .help("give each generator its own name, or remove one"),
                ),
                None => {
                    generators.insert(name, block);
                    merged.generators.push(block);
                }
            },
            kind => match merged.types.get(name) {
                Some(first) => {
                    let message = if first.kind == kind {
                        format!("{} `{name}` is defined twice", kind.keyword())
                    } else {
                        format!("{} `{name}` has the same name as {} `{name}`", kind.keyword(), first.kind.keyword())
                    };
                    diagnostics.push(
                        Diagnostic::error(duplicate_code(kind), block.name.span, message)
                            .label("second definition")
                            .also(first.name.span, "first defined here")
                            .help("models, enums, views and types share one namespace: rename or remove one"),
                    );
                }
                None => {
                    merged.types.insert(name, block);
                }
            },
        }
    }

    if merged.datasource.is_none() {
        if let Some(first) = fragments.fragments.first() {
            let span = crate::diagnostics::Span::new(first.ast.file, 0..0);
            let folder = first.name.split('/').next().unwrap_or(".");
            diagnostics.push(
                Diagnostic::error(
                    "missing-datasource",
                    span,
                    format!("no fragment in {folder}/ declares a datasource"),
                )
                .help("add `datasource db { provider = \"postgresql\" }` to the base fragment"),
            );
        }
    }
    merged
}

fn duplicate_code(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::Model => "duplicate-model",
        BlockKind::Enum => "duplicate-enum",
        BlockKind::View => "duplicate-view",
        _ => "duplicate-type",
    }
}

/// The canonical merged `schema.prisma`: a header that says it is generated
/// and lists its fragments, then each fragment's blocks, formatted, after a
/// `// ---- <fragment>` marker. The same fragments give the same bytes on
/// every machine.
pub fn render(fragments: &Fragments) -> String {
    let mut out = String::new();
    out.push_str("// This file is generated by `ehrdb merge`. DO NOT EDIT.\n");
    out.push_str("// Edit the fragments it is made of, then run `ehrdb merge`:\n");
    for fragment in &fragments.fragments {
        out.push_str("//   ");
        out.push_str(&fragment.name);
        out.push('\n');
    }
    let bodies = parallel::map(
        &fragments.fragments,
        |f| fragments.sources.get(f.ast.file).text.len(),
        |f| format::format(&f.ast, &fragments.sources),
    );
    for (fragment, body) in fragments.fragments.iter().zip(bodies) {
        out.push_str("\n// ---- ");
        out.push_str(&fragment.name);
        out.push_str("\n\n");
        out.push_str(body.trim_start_matches('\n'));
    }
    out
}
