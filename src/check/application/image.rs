//! One stage of a Dockerfile as it runs, and whether the final image
//! carries the generated client.
//!
//! [`image`] walks a stage's items after those of the stages it starts
//! from: where `prisma generate` ran once the schema was copied in (an
//! install's `postinstall` that runs before `COPY . .` finds no schema),
//! the first compile, the WORKDIR, and the commands the container starts
//! with. Paths are compared as written: the build context is taken to be
//! the application's folder.

use std::path::{Component, Path, PathBuf};

use super::docker::{Dockerfile, Item};
use super::package::Step;
use super::shell::Action;
use super::{App, app};
use crate::ast::BlockKind;
use crate::check::{Area, Finding, Inputs, Priority, Spec};

const COPIED: Spec = Spec {
    id: "app-client-copied",
    area: Area::Application,
    why: "In a multi-stage image the final stage has only what it copies: when the generated client stays in the \
          build stage, the application starts and fails at its first query (\"@prisma/client did not \
          initialize yet\"). Paths are compared as written, by a heuristic.",
    fix: "COPY the generator's output folder (or node_modules, for the default output) from the build stage, or \
          run `npx prisma generate` in the final stage.",
};

/// What one stage of an image does, in order.
pub(crate) struct Image {
    /// Where Prisma Client was generated, once the schema was there.
    pub generated: Option<String>,
    /// The first compile, and the generation before it.
    pub build: Option<Step>,
    pub generated_before_build: Option<String>,
    /// A generation that came too late (after the compile, or before the
    /// schema was copied).
    pub late_generate: Option<String>,
    pub start: Vec<Step>,
    /// Where the stage works (`WORKDIR`), for paths in COPY.
    pub workdir: String,
}

pub(crate) fn image(app: &App, file: &Dockerfile, index: usize, schema: Option<&str>) -> Image {
    let expander = app.expander();
    let mut image = Image {
        generated: None,
        build: None,
        generated_before_build: None,
        late_generate: None,
        start: Vec::new(),
        workdir: "/".into(),
    };
    let mut schema_copied = false;
    for item in file.effective(index) {
        match item {
            Item::Workdir(dir) => image.workdir = join(&image.workdir, dir),
            Item::Copy { from: None, sources, .. } => {
                schema_copied |= sources.iter().any(|s| covers(s, schema));
            }
            Item::Copy { from: Some(stage), line, .. } => {
                // Copying from a stage that generated brings its client (a
                // heuristic: the paths copied are not compared here).
                let generated = file.stage_named(stage).filter(|&s| s < index).is_some_and(|s| {
                    let source = image_generated(app, file, s, schema);
                    source.is_some()
                });
                if generated && image.generated.is_none() {
                    image.generated = Some(format!("{}:{line} (COPY --from={stage})", file.path));
                }
            }
            Item::Run(commands) => {
                for step in expander.steps(commands, &file.path) {
                    match step.action {
                        Action::Generate if schema_copied => {
                            image.generated.get_or_insert_with(|| step.describe());
                        }
                        Action::Generate => {
                            image.late_generate = Some(format!("{} before the schema is copied", step.describe()));
                        }
                        Action::Build if image.build.is_none() => {
                            image.generated_before_build = image.generated.clone();
                            image.build = Some(step);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    if let (Some(_), None, None) = (&image.build, &image.generated_before_build, &image.late_generate) {
        image.late_generate = image.generated.as_ref().map(|g| format!("{g}, after the build"));
    }
    image.start = expander.steps(&file.stages[index].start, &file.path);
    image
}

fn image_generated(app: &App, file: &Dockerfile, index: usize, schema: Option<&str>) -> Option<String> {
    image(app, file, index, schema).generated
}

/// Whether a COPY source brings the schema in: `.`, a folder holding it,
/// or (a heuristic) a path naming prisma or schema.
fn covers(source: &str, schema: Option<&str>) -> bool {
    let source = source.trim_start_matches("./").trim_end_matches('/');
    if matches!(source, "" | "." | "*") {
        return true;
    }
    match schema {
        Some(schema) => schema == source || schema.starts_with(&format!("{source}/")),
        None => source.contains("prisma") || source.contains("schema"),
    }
}

/// `dir` after `WORKDIR dir` in `current`.
fn join(current: &str, dir: &str) -> String {
    if dir.starts_with('/') { dir.to_owned() } else { format!("{}/{dir}", current.trim_end_matches('/')) }
}

/// The merged schema's path inside the application, `/`-separated.
pub(crate) fn schema_in_app(inputs: &Inputs, app: &App) -> Option<String> {
    let schema = normalize(&absolute(&inputs.merged_path));
    let root = app.root.canonicalize().ok()?;
    schema.strip_prefix(&root).ok().map(|p| p.to_string_lossy().replace('\\', "/"))
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).unwrap_or_default();
    cwd.join(path)
}

/// `path` with `.` and `..` resolved as written (the folder may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

pub(crate) fn the_build_copies_the_client(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &COPIED) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let Some(output) = client_output(inputs, app) else {
        return vec![
            COPIED.skipped("the generator's output is outside the application, or there is no client generator"),
        ];
    };
    let schema = schema_in_app(inputs, app);
    let mut findings = Vec::new();
    for file in app.dockerfiles.iter().filter(|f| f.stages.len() > 1) {
        let images: Vec<Image> = (0..file.stages.len()).map(|i| image(app, file, i, schema.as_deref())).collect();
        if images.iter().all(|i| i.build.is_none()) {
            continue;
        }
        let last = file.stages.len() - 1;
        let final_stage = &file.stages[last];
        if final_stage.parent.is_some() || images[last].build.is_some() {
            findings.push(COPIED.passed(format!(
                "{}: the final stage {} builds or starts from the build stage, so it has the client at {}",
                file.path,
                stage_name(file, last),
                output.0
            )));
            continue;
        }
        let mut copied = Vec::new();
        let mut carries = None;
        for item in &final_stage.items {
            let Item::Copy { from: Some(stage), sources, line } = item else { continue };
            let Some(source_stage) = file.stage_named(stage) else { continue };
            let target = join(&images[source_stage].workdir, &output.0);
            for source in sources {
                let absolute = join("/", source);
                copied.push(absolute.clone());
                let prefix = absolute.trim_end_matches('/');
                if target == prefix || target.starts_with(&format!("{prefix}/")) || prefix.is_empty() {
                    carries.get_or_insert_with(|| format!("{}:{line} copies {source} from `{stage}`", file.path));
                }
            }
        }
        let generates_itself =
            images[last].generated.as_ref().filter(|_| final_stage.items.iter().any(|i| matches!(i, Item::Run(_))));
        findings.push(match (carries, generates_itself) {
            (Some(carries), _) => {
                COPIED.passed(format!("{carries}, which holds the client at {} ({})", output.0, output.1))
            }
            (None, Some(generated)) => {
                COPIED.passed(format!("{}: the final stage generates the client at {generated}", file.path))
            }
            (None, None) => COPIED.failed(
                Priority::P1,
                format!(
                    "{}: the final stage {} copies {} from the build stage, not the generated client at {} ({})",
                    file.path,
                    stage_name(file, last),
                    if copied.is_empty() { "nothing".to_owned() } else { copied.join(", ") },
                    output.0,
                    output.1
                ),
            ),
        });
    }
    if findings.is_empty() {
        findings.push(COPIED.skipped(format!(
            "no multi-stage Dockerfile builds the application (the client is generated to {}: {})",
            output.0, output.1
        )));
    }
    findings
}

/// Where the client generator writes, inside the application, and how the
/// schema says so.
fn client_output(inputs: &Inputs, app: &App) -> Option<(String, String)> {
    let generator = inputs.fragments.fragments.iter().flat_map(|f| f.ast.blocks()).find(|b| {
        b.kind == BlockKind::Generator
            && matches!(
                b.property("provider").and_then(|p| p.value.as_str()),
                Some("prisma-client-js" | "prisma-client")
            )
    })?;
    let name = &generator.name.name;
    match generator.property("output").and_then(|p| p.value.as_str()) {
        None => Some(("node_modules/.prisma/client".into(), format!("generator `{name}` has no output"))),
        Some(output) => {
            let folder = absolute(&inputs.merged_path);
            let path = normalize(&folder.parent()?.join(output));
            let root = app.root.canonicalize().ok()?;
            let inside = path.strip_prefix(&root).ok()?.to_string_lossy().replace('\\', "/");
            Some((inside, format!("generator `{name}` has output = \"{output}\"")))
        }
    }
}

/// How a finding names a stage: its name or number, and its line.
pub(crate) fn stage_name(file: &Dockerfile, index: usize) -> String {
    match &file.stages[index].name {
        Some(name) => format!("`{name}` (line {})", file.stages[index].line),
        None => format!("{} (line {})", index + 1, file.stages[index].line),
    }
}
