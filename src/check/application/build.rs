//! Whether Prisma Client is generated before every TypeScript build.
//!
//! Every place a build runs is judged on its own: package.json's `build`
//! (with `prebuild` and `postinstall`), each Dockerfile stage that
//! compiles, the command a container starts with (through its entrypoint
//! script), and entrypoint scripts no Dockerfile names. What a stage does
//! in order comes from [`super::image`].

use std::collections::BTreeSet;

use super::app;
use super::image::{Image, image, schema_in_app, stage_name};
use super::package::Step;
use super::shell::{Action, Command};
use crate::check::{Area, Finding, Inputs, Priority, Spec};

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
                    Priority::P0,
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
                    Priority::P0,
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
                Priority::P0,
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
                Priority::P0,
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
