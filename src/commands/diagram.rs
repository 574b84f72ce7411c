//! `ehrdb diagram`: the schema as a picture, and the picture `diff
//! --diagram` draws of a migration.
//!
//! Returns 0 when the diagram is written (or `--check` finds it current),
//! 1 when the schema has errors (printed) or `--check` finds the file
//! stale, and an `Err` (exit 2) for an unknown domain, `--layout dot`
//! without Graphviz, or a file it cannot write.

use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

use super::output::{self, Stream, stderrln, stdoutln};
use super::{Outcome, Session, load, write_if_changed};
use crate::cli::{self, DiagramFormat, DiagramLayout, OutputFormat};
use crate::diagram::{self, Diagram};
use crate::input;
use crate::pipeline;
use crate::text::count;

pub(super) fn diagram_cmd(ctx: &Session, args: cli::DiagramArgs) -> Result<Outcome> {
    if args.layout == DiagramLayout::Dot && args.format != DiagramFormat::Svg {
        bail!("--layout dot lays out an SVG: add --format svg");
    }
    let config = ctx.config(&args.schema, None)?;
    let fragments = load(&config.schema_dir)?;
    let checked = pipeline::check(fragments, config.prisma_version);
    if checked.has_errors() {
        ctx.report(&checked.diagnostics, fragments, OutputFormat::Human)?;
        stderrln!("no diagram: the schema has errors; fix them first");
        return Ok(Outcome::Found);
    }
    let diagram = diagram::build(&checked.schema, &args.domain)?;
    let text = render(&diagram, args.format, args.layout)?;
    let counts = format!("{}, {}", count(diagram.models.len(), "model"), count(diagram.relations.len(), "relation"));
    let Some(out) = &args.out else {
        output::write(Stream::Out, &text);
        return Ok(Outcome::Clean);
    };
    if args.check {
        return Ok(match input::read_text_if_exists(out)? {
            Some(current) if current == text => {
                stdoutln!("{} is up to date ({counts})", out.display());
                Outcome::Clean
            }
            Some(_) => {
                stderrln!("{} is stale: run `ehrdb diagram` to write it again", out.display());
                Outcome::Found
            }
            None => {
                stderrln!("{} does not exist: run `ehrdb diagram` to write it", out.display());
                Outcome::Found
            }
        });
    }
    write_if_changed(out, &text)?;
    stdoutln!("wrote {} ({counts})", out.display());
    Ok(Outcome::Clean)
}

/// The diagram in `format`; an SVG laid out by ehrdb or by Graphviz.
pub(super) fn render(diagram: &Diagram, format: DiagramFormat, layout: DiagramLayout) -> Result<String> {
    Ok(match (format, layout) {
        (DiagramFormat::Mermaid, _) => diagram::mermaid(diagram),
        (DiagramFormat::Dot, _) => diagram::dot(diagram),
        (DiagramFormat::Svg, DiagramLayout::Builtin) => diagram::svg(diagram),
        (DiagramFormat::Svg, DiagramLayout::Dot) => graphviz(&diagram::dot(diagram))?,
    })
}

/// `dot -Tsvg` of the DOT text.
fn graphviz(dot: &str) -> Result<String> {
    let mut child = match Command::new("dot").arg("-Tsvg").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => bail!(
            "--layout dot needs Graphviz's `dot`, which is not on the PATH: install Graphviz (apt-get install \
             graphviz, brew install graphviz), or leave out --layout dot for ehrdb's own layout"
        ),
        Err(error) => return Err(error).context("cannot run dot"),
    };
    let mut stdin = child.stdin.take().expect("piped");
    let text = dot.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child.wait_with_output().context("cannot run dot")?;
    writer.join().expect("the writer does not panic").context("cannot write to dot")?;
    if !output.status.success() {
        bail!("dot failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    String::from_utf8(output.stdout).context("dot wrote something that is not UTF-8")
}
