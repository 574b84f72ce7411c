//! Findings on how the application is built and deployed: Prisma Client
//! generated before every TypeScript build, the generated client carried
//! into the final image, migrations applied on deployment by the right
//! command, and package scripts for deploying and checking migrations.
//!
//! Every place a build runs is judged on its own: package.json's `build`
//! (with `prebuild` and `postinstall`), each Dockerfile stage that
//! compiles, the command a container starts with (through its entrypoint
//! script), and entrypoint scripts no Dockerfile names. A Dockerfile's
//! `prisma generate` counts only once the schema has been copied in: an
//! install's `postinstall` that runs before `COPY . .` finds no schema.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use super::docker::{Dockerfile, Item};
use super::package::Step;
use super::shell::{Action, Command};
use super::{App, app};
use crate::ast::BlockKind;
use crate::check::{Area, Finding, Inputs, Severity, Spec, listed};

const GENERATED: Spec = Spec {
    id: "app-client-generated",
    area: Area::Application,
    why: "Prisma Client's types (Prisma, the models) exist only after `prisma generate`. A TypeScript build that \
          runs before it fails with \"Module '\"@prisma/client\"' has no exported member 'Prisma'\", or compiles \
          against a client generated from an older schema. ehrdb reads the shell commands of package scripts, \
          Dockerfiles and entrypoints by a heuristic; it does not run them.",
    fix: "Run `npx prisma generate` before every build: a \"prebuild\" (or \"postinstall\") script in package.json, \
          `RUN npx prisma generate` after the schema is copied and before `RUN npm run build` in each Dockerfile, \
          and before the build in an entrypoint that builds at start.",
};

const COPIED: Spec = Spec {
    id: "app-client-copied",
    area: Area::Application,
    why: "In a multi-stage image the final stage has only what it copies: when the generated client stays in the \
          build stage, the application starts and fails at its first query (\"@prisma/client did not \
          initialize yet\"). Paths are compared as written, by a heuristic.",
    fix: "COPY the generator's output folder (or node_modules, for the default output) from the build stage, or \
          run `npx prisma generate` in the final stage.",
};

const DEPLOY: Spec = Spec {
    id: "app-migrations-deploy",
    area: Area::Application,
    why: "Production must apply the reviewed migration files and nothing else. `prisma migrate dev` and \
          `prisma migrate reset` may reset the database and write new migrations; `prisma db push` changes the \
          schema without any migration; all three can drop clinical data. Found by reading start scripts, \
          non-development Dockerfiles, entrypoints, compose files and CI deploy jobs (a heuristic).",
    fix: "Apply migrations on deployment with `npx prisma migrate deploy` or `ehrdb apply` (one runner at a time), \
          and keep `migrate dev`, `migrate reset` and `db push` to development.",
};

const SCRIPTS: Spec = Spec {
    id: "app-migration-scripts",
    area: Area::Application,
    why: "A package script that deploys migrations and one that shows their status give every developer, CI job \
          and runbook the same commands.",
    fix: "Add scripts such as \"db:deploy\": \"prisma migrate deploy\" (or \"ehrdb apply\") and \"db:status\": \
          \"prisma migrate status\" (or \"ehrdb status\").",
};

fn first(steps: &[Step], action: &Action) -> Option<usize> {
    steps.iter().position(|s| &s.action == action)
}

/// An `npm ci` that runs `postinstall`, for a package's own build.
fn install() -> Command {
    Command { words: vec!["npm".into(), "ci".into()], line: 0 }
}

pub(crate) fn prisma_client_is_generated_before_the_build(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &GENERATED) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let expander = app.expander();
    let mut findings = Vec::new();
    if let Some(package) = app.package() {
        let steps = expander.script_steps("build");
        if let Some(build) = first(&steps, &Action::Build) {
            let generate = first(&steps[..build], &Action::Generate);
            let installed = expander.steps(&[install()], &package.path);
            let postinstall = installed.iter().find(|s| s.action == Action::Generate);
            findings.push(match (generate, postinstall) {
                (Some(generate), _) => GENERATED.passed(format!(
                    "`npm run build` generates Prisma Client at {} before it compiles at {}",
                    steps[generate].describe(),
                    steps[build].describe()
                )),
                (None, Some(generate)) => GENERATED.passed(format!(
                    "every install generates Prisma Client ({}) before `npm run build` compiles at {}",
                    generate.describe(),
                    steps[build].describe()
                )),
                (None, None) => GENERATED.failed(
                    Severity::P0,
                    format!(
                        "`npm run build` compiles at {} and no prebuild, build or postinstall script runs `prisma \
                         generate`",
                        steps[build].describe()
                    ),
                ),
            });
        }
    }
    let schema = schema_in_app(inputs, app);
    let mut judged = BTreeSet::new();
    let mut reached = BTreeSet::new();
    for file in &app.dockerfiles {
        let stages: Vec<Image> = (0..file.stages.len()).map(|i| image(app, file, i, schema.as_deref())).collect();
        for (index, stage) in stages.iter().enumerate() {
            reached.extend(stage.start.iter().map(|s| s.at.file.clone()));
            let Some(build) = &stage.build else { continue };
            if !judged.insert(build.describe()) {
                continue;
            }
            findings.push(match &stage.generated_before_build {
                Some(generate) => GENERATED.passed(format!(
                    "{}: stage {} generates Prisma Client at {generate} before it compiles at {}",
                    file.path,
                    stage_name(file, index),
                    build.describe()
                )),
                None => GENERATED.failed(
                    Severity::P0,
                    format!(
                        "{}: stage {} compiles at {} and no `prisma generate` runs before it{}",
                        file.path,
                        stage_name(file, index),
                        build.describe(),
                        stage.late_generate.as_ref().map(|g| format!(" (only {g})")).unwrap_or_default()
                    ),
                ),
            });
        }
        // What the final image runs when it starts.
        let Some(last) = stages.last() else { continue };
        let Some(build) = first(&last.start, &Action::Build) else { continue };
        let step = &last.start[build];
        if !judged.insert(step.describe()) {
            continue;
        }
        let generate = first(&last.start[..build], &Action::Generate)
            .map(|g| last.start[g].describe())
            .or_else(|| last.generated.clone());
        findings.push(match generate {
            Some(generate) => GENERATED.passed(format!(
                "{} builds when the container starts, at {}, after Prisma Client is generated at {generate}",
                file.path,
                step.describe()
            )),
            None => GENERATED.failed(
                Severity::P0,
                format!(
                    "{} builds when the container starts, at {}, and neither the image nor the start command \
                     generates Prisma Client first",
                    file.path,
                    step.describe()
                ),
            ),
        });
    }
    for script in &app.shell_files {
        if reached.contains(&script.path) || !script.name.to_ascii_lowercase().contains("entrypoint") {
            continue;
        }
        let steps = expander.steps(&script.commands, &script.path);
        let Some(build) = first(&steps, &Action::Build) else { continue };
        if !judged.insert(steps[build].describe()) {
            continue;
        }
        findings.push(match first(&steps[..build], &Action::Generate) {
            Some(generate) => GENERATED.passed(format!(
                "{} generates Prisma Client at {} before it builds at {}",
                script.path,
                steps[generate].describe(),
                steps[build].describe()
            )),
            None => GENERATED.failed(
                Severity::P0,
                format!("{} builds at {} without generating Prisma Client first", script.path, steps[build].describe()),
            ),
        });
    }
    if findings.is_empty() {
        findings.push(GENERATED.skipped(
            "nothing in the application compiles TypeScript (no build script, Dockerfile or entrypoint runs tsc or \
             nest build)",
        ));
    }
    findings
}

fn stage_name(file: &Dockerfile, index: usize) -> String {
    match &file.stages[index].name {
        Some(name) => format!("`{name}` (line {})", file.stages[index].line),
        None => format!("{} (line {})", index + 1, file.stages[index].line),
    }
}

/// What one stage of an image does, in order.
struct Image {
    /// Where Prisma Client was generated, once the schema was there.
    generated: Option<String>,
    /// The first compile, and the generation before it.
    build: Option<Step>,
    generated_before_build: Option<String>,
    /// A generation that came too late (after the compile, or before the
    /// schema was copied).
    late_generate: Option<String>,
    start: Vec<Step>,
    /// Where the stage works (`WORKDIR`), for paths in COPY.
    workdir: String,
}

fn image(app: &App, file: &Dockerfile, index: usize, schema: Option<&str>) -> Image {
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
fn schema_in_app(inputs: &Inputs, app: &App) -> Option<String> {
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
                Severity::P1,
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

/// Steps of the places that run in production, with where they come from.
fn production_steps(app: &App) -> (Vec<Step>, usize) {
    let expander = app.expander();
    let mut steps = Vec::new();
    let mut places = 0;
    let mut reached_by_dev = BTreeSet::new();
    let mut reached = BTreeSet::new();
    for file in &app.dockerfiles {
        let mut file_steps = Vec::new();
        for (index, stage) in file.stages.iter().enumerate() {
            for item in &stage.items {
                if let Item::Run(commands) = item {
                    file_steps.extend(expander.steps(commands, &file.path));
                }
            }
            if index + 1 == file.stages.len() {
                file_steps.extend(expander.steps(&stage.start, &file.path));
            }
        }
        let files: BTreeSet<String> = file_steps.iter().map(|s| s.at.file.clone()).collect();
        if file.dev {
            reached_by_dev.extend(files);
        } else {
            places += 1;
            reached.extend(files);
            steps.extend(file_steps);
        }
    }
    for script in &app.shell_files {
        let name = script.name.to_ascii_lowercase();
        let starts = ["entrypoint", "start", "deploy", "release"].iter().any(|w| name.contains(w));
        if starts && !reached.contains(&script.path) && !reached_by_dev.contains(&script.path) {
            places += 1;
            steps.extend(expander.steps(&script.commands, &script.path));
        }
    }
    if let Some(package) = app.package() {
        for name in package.scripts.keys() {
            let production = matches!(name.as_str(), "start" | "prestart" | "poststart")
                || ["deploy", "prod", "release"].iter().any(|w| name.contains(w));
            if production {
                places += 1;
                steps.extend(expander.script_steps(name));
            }
        }
    }
    for job in app.compose.iter().filter(|j| !DEV_FILE.iter().any(|w| j.file.to_ascii_lowercase().contains(w))) {
        places += 1;
        steps.extend(expander.steps(&job.commands, &job.file));
    }
    for job in app.ci.iter().filter(|j| j.deploys()) {
        places += 1;
        steps.extend(expander.steps(&job.commands, &job.file));
    }
    (steps, places)
}

/// Words in a compose file's name that mark a development setup.
const DEV_FILE: [&str; 4] = ["dev", "local", "test", "override"];

fn described(steps: &[&Step]) -> String {
    let mut seen = BTreeSet::new();
    let shown: Vec<String> = steps.iter().map(|s| s.describe()).filter(|d| seen.insert(d.clone())).collect();
    listed(shown.len(), &shown[..shown.len().min(4)])
}

pub(crate) fn migrations_are_applied_by_deploy(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &DEPLOY) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let (steps, places) = production_steps(app);
    let dev: Vec<&Step> = steps.iter().filter(|s| s.action == Action::DevMigrate).collect();
    let deploy: Vec<&Step> = steps.iter().filter(|s| s.action == Action::Deploy).collect();
    let finding = if !dev.is_empty() {
        DEPLOY.failed(Severity::P0, format!("a production path runs a development command: {}", described(&dev)))
    } else if !deploy.is_empty() {
        DEPLOY.passed(format!("production applies migrations with {}", described(&deploy)))
    } else {
        DEPLOY.failed(
            Severity::P2,
            format!(
                "none of the {places} production paths read (start and deploy scripts, non-development Dockerfiles, \
                 entrypoints, compose files, CI deploy jobs) applies migrations"
            ),
        )
    };
    vec![finding]
}

pub(crate) fn the_package_has_migration_scripts(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &SCRIPTS) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let Some(package) = app.package() else {
        return vec![SCRIPTS.skipped(match &app.package {
            Some(Err(problem)) => format!("package.json cannot be read: {problem}"),
            _ => format!("{} has no package.json", app.dir),
        })];
    };
    let expander = app.expander();
    let find =
        |action: Action| -> Option<String> {
            package.scripts.keys().find(|name| expander.script_steps(name).iter().any(|s| s.action == action)).map(
                |name| format!("\"{name}\" ({})", package.script_at(name).map(|a| a.to_string()).unwrap_or_default()),
            )
        };
    let finding = match (find(Action::Deploy), find(Action::Status)) {
        (Some(deploy), Some(status)) => {
            SCRIPTS.passed(format!("{deploy} deploys migrations; {status} shows their status"))
        }
        (deploy, status) => {
            let mut parts = Vec::new();
            match deploy {
                Some(deploy) => parts.push(format!("{deploy} deploys migrations")),
                None => parts.push("no script deploys migrations".to_owned()),
            }
            match status {
                Some(status) => parts.push(format!("{status} shows their status")),
                None => parts.push("no script shows their status".to_owned()),
            }
            SCRIPTS.failed(Severity::P2, format!("{}: {}", package.path, parts.join("; ")))
        }
    };
    vec![finding]
}
