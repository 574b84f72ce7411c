//! Findings on how migrations reach production: the command that applies
//! them on deployment, and package scripts to deploy them and show their
//! status.
//!
//! A production path is a non-development Dockerfile (every RUN and the
//! final stage's start command), the entrypoints it runs, entrypoint and
//! start scripts no development image names, start, deploy and release
//! package scripts, compose files other than dev, local, test and
//! override ones, and CI jobs whose name says deploy, release or prod.

use std::collections::BTreeSet;

use super::docker::Item;
use super::package::Step;
use super::shell::Action;
use super::{App, app};
use crate::check::{Area, Finding, Inputs, Priority, Spec, listed};

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
        DEPLOY.failed(Priority::P0, format!("a production path runs a development command: {}", described(&dev)))
    } else if !deploy.is_empty() {
        DEPLOY.passed(format!("production applies migrations with {}", described(&deploy)))
    } else {
        DEPLOY.failed(
            Priority::P2,
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
            SCRIPTS.failed(Priority::P2, format!("{}: {}", package.path, parts.join("; ")))
        }
    };
    vec![finding]
}
