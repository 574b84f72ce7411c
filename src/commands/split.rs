//! `ehrdb split`: reads one schema, plans its fragments, and writes them
//! only after merging and lowering them gives the input's SQL model.
//!
//! Exit codes: 0 written (or planned, with `--dry-run`); 2 when it cannot:
//! an unreadable input, a schema with errors, a `[split]` that names no
//! model, an output folder that already holds fragments, or fragments
//! whose SQL model would differ from the input's.

use anyhow::{Context, Result, bail};

use super::output::{stderr, stdoutln};
use super::{Outcome, Session, write_if_changed};
use crate::cli;
use crate::fragments::Fragments;
use crate::text::count;
use crate::{pipeline, split};

pub(super) fn split_cmd(ctx: &Session, args: cli::SplitArgs) -> Result<Outcome> {
    let config = ctx.config(&cli::SchemaArgs { schema: args.out.clone() }, None)?;
    let input = args.input.clone().unwrap_or_else(|| config.output.clone());
    let out = &config.schema_dir;
    let fragments = Fragments::load_file_or_dir(&input)?;
    let checked = pipeline::check(&fragments, config.prisma_version);
    let Some(original) = checked.lower() else {
        stderr!("{}", checked.diagnostics.render(&fragments.sources, ctx.color(super::output::Stream::Err)));
        bail!("{} has errors: ehrdb splits only a schema that validates", input.display());
    };
    let plan = split::plan(&checked.schema, &config.split)?;
    if args.dry_run {
        for planned in &plan.fragments {
            stdoutln!("{}/{}.prisma: {}", out.display(), planned.name, planned.why);
        }
        stdoutln!("{} from {}; nothing written (--dry-run)", count(plan.fragments.len(), "fragment"), input.display());
        return Ok(Outcome::Clean);
    }
    if let Ok(entries) = std::fs::read_dir(out) {
        let taken = entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "prisma"));
        if taken {
            bail!("{} already holds *.prisma fragments: split into an empty or new folder (--out)", out.display());
        }
    }
    let files = split::render(&plan, &fragments);

    // The fragments as `ehrdb merge` will read them: the same SQL model.
    let root = out.file_name().map_or_else(|| ".".to_owned(), |n| n.to_string_lossy().into_owned());
    let written = Fragments::from_texts(
        files.iter().map(|(name, text)| (format!("{root}/{name}"), out.join(name), text.clone())).collect(),
    );
    let again = pipeline::check(&written, config.prisma_version);
    let Some(lowered) = again.lower() else {
        stderr!("{}", again.diagnostics.render(&written.sources, false));
        bail!("the fragments would not validate: nothing written");
    };
    let changes = crate::sql::diff::diff(&original, &lowered);
    if !changes.is_empty() {
        bail!("the fragments would lower to another SQL model ({}): nothing written", count(changes.len(), "change"));
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for (name, text) in &files {
        write_if_changed(&out.join(name), text)?;
    }
    for planned in &plan.fragments {
        stdoutln!("{}/{}.prisma: {}", out.display(), planned.name, planned.why);
    }
    stdoutln!(
        "wrote {} to {} from {}; the SQL model is unchanged",
        count(files.len(), "fragment"),
        out.display(),
        input.display()
    );
    Ok(Outcome::Clean)
}
