//! Findings on the gates a schema change passes before it lands: a CI
//! step and a pre-commit hook that validate the schema.
//!
//! A step or hook validates when one of its commands, followed through
//! package scripts (and lint-staged, when a husky hook runs it), is
//! `ehrdb validate`, `ehrdb check`, `ehrdb merge --check`, `ehrdb fmt
//! --check`, `prisma validate` or `prisma format --check`, or when it is
//! one of the pre-commit hooks this repository ships
//! (`.pre-commit-hooks.yaml`).

use super::package::Step;
use super::shell::{self, Action};
use super::workflows::Job;
use super::{App, app};
use crate::check::{Area, Finding, Inputs, Priority, Spec, listed};

const CI: Spec = Spec {
    id: "app-ci-validation",
    area: Area::Application,
    why: "Without a CI step that validates the schema, a fragment with an error, a stale schema.prisma or an \
          unformatted file reaches the main branch, and the next `prisma generate` or migration fails for \
          everyone. ehrdb reads the shell commands of GitHub Actions and GitLab CI steps by a heuristic.",
    fix: "Add steps that run `ehrdb validate`, `ehrdb fmt --check` and `ehrdb merge --check` (or `npx prisma \
          validate`) to the pipeline that runs on every pull request.",
};

const PRE_COMMIT: Spec = Spec {
    id: "app-pre-commit-validation",
    area: Area::Application,
    why: "A pre-commit hook catches a broken or stale schema on the developer's machine, in milliseconds, before \
          it costs a CI run or a reviewer's time. ehrdb reads the pre-commit framework's config, husky's hook \
          and lint-staged's commands by a heuristic.",
    fix: "Add the hooks ehrdb-merge-check and ehrdb-fmt-check to .pre-commit-config.yaml (see ehrdb's README), \
          or `ehrdb fmt --check && ehrdb merge --check` to .husky/pre-commit.",
};

/// The hook ids of ehrdb's `.pre-commit-hooks.yaml`.
const EHRDB_HOOKS: [&str; 3] = ["ehrdb-merge-check", "ehrdb-fmt-check", "ehrdb-validate"];

/// The validating steps of `jobs`; a husky hook's lint-staged included.
fn validating(app: &App, jobs: &[Job]) -> Vec<Step> {
    let expander = app.expander();
    let mut found = Vec::new();
    for job in jobs {
        let steps = expander.steps(&job.commands, &job.file);
        for step in &steps {
            if step.action == Action::Validate {
                found.push(step.clone());
            }
            if step.text.contains("lint-staged") {
                found.extend(lint_staged(app, step));
            }
        }
    }
    found
}

fn lint_staged(app: &App, via: &Step) -> Vec<Step> {
    let Some(package) = app.package() else { return Vec::new() };
    let expander = app.expander();
    package
        .lint_staged
        .iter()
        .flat_map(|(command, line)| expander.steps(&shell::commands(command, *line), &package.path))
        .filter(|s| s.action == Action::Validate)
        .map(|mut s| {
            s.via.insert(0, (via.at.clone(), via.text.clone()));
            s
        })
        .collect()
}

fn shown(steps: &[Step]) -> String {
    let each: Vec<String> = steps.iter().map(Step::describe).collect();
    listed(each.len(), &each[..each.len().min(3)])
}

fn problems(app: &App, kinds: &[&str]) -> String {
    match app.problems_in(kinds).as_slice() {
        [] => String::new(),
        found => format!("; not read: {}", listed(found.len(), &found[..found.len().min(2)])),
    }
}

pub(crate) fn ci_validates_the_schema(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &CI) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let found = validating(app, &app.ci);
    let unread = problems(app, &[".github/workflows/", ".gitlab-ci.yml"]);
    let finding = if !found.is_empty() {
        CI.passed(format!("CI validates the schema: {}", shown(&found)))
    } else if app.ci_files.is_empty() {
        CI.failed(
            Priority::P1,
            format!("no CI pipeline (.github/workflows/*.yml, .gitlab-ci.yml) in {} or above it{unread}", app.dir),
        )
    } else {
        CI.failed(
            Priority::P1,
            format!(
                "no step of {} runs ehrdb validate, merge --check, fmt --check or prisma validate{unread}",
                listed(app.ci_files.len(), &app.ci_files)
            ),
        )
    };
    vec![finding]
}

pub(crate) fn a_pre_commit_hook_validates_the_schema(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &PRE_COMMIT) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let hooks: Vec<String> = app
        .pre_commit
        .iter()
        .filter_map(|job| Some((&job.file, job.hook_id.as_ref()?)))
        .filter(|(_, (id, _))| EHRDB_HOOKS.contains(&id.as_str()))
        .map(|(file, (id, line))| format!("{file}:{line} hook `{id}`"))
        .collect();
    let mut found = validating(app, &app.pre_commit);
    found.extend(validating(app, &app.husky));
    if let Some((command, line)) = app.package().and_then(|p| p.husky_pre_commit.clone()) {
        let path = app.package().map(|p| p.path.clone()).unwrap_or_default();
        let job = Job { file: path, name: "husky".into(), commands: shell::commands(&command, line), hook_id: None };
        found.extend(validating(app, &[job]));
    }
    let mut places: Vec<String> = hooks;
    places.extend(found.iter().map(Step::describe));
    let unread = problems(app, &[".pre-commit-config.yaml"]);
    let finding = if !places.is_empty() {
        PRE_COMMIT.passed(format!(
            "a pre-commit hook validates the schema: {}",
            listed(places.len(), &places[..places.len().min(3)])
        ))
    } else {
        let present: Vec<String> = app
            .pre_commit
            .first()
            .map(|h| h.file.clone())
            .into_iter()
            .chain(app.husky.first().map(|h| h.file.clone()))
            .collect();
        let what = if present.is_empty() {
            "no pre-commit hook (.pre-commit-config.yaml, .husky/pre-commit, husky in package.json)".to_owned()
        } else {
            format!("{} validates nothing of the schema", present.join(" and "))
        };
        PRE_COMMIT.failed(Priority::P2, format!("{what}{unread}"))
    };
    vec![finding]
}
