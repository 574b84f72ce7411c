//! CI pipelines, pre-commit hooks and compose files, parsed with saphyr,
//! kept as the shell commands they run with their files and lines.
//!
//! Reads GitHub Actions workflows (`jobs.*.steps[].run`), GitLab CI
//! (`script`, `before_script` and `after_script` of each job and of
//! `default`), the pre-commit framework's `.pre-commit-config.yaml` (hook
//! ids and local `entry` commands), husky's hook files, and the `command`
//! and `entrypoint` of each compose service. Each reader takes the file's
//! text and returns [`Job`]s, or an error naming the line and column.
//! Nothing here runs a pipeline or resolves variables.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::shell::{self, Command};

/// Commands that run together, and where.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub file: String,
    /// The job's (or hook's, or service's) name, as the file spells it.
    pub name: String,
    pub commands: Vec<Command>,
    /// A pre-commit hook id (`ehrdb-validate`), with its line.
    pub hook_id: Option<(String, usize)>,
}

impl Job {
    /// A job of a deployment: its name or its workflow's mentions deploying.
    pub fn deploys(&self) -> bool {
        let words = format!("{} {}", self.file, self.name).to_ascii_lowercase();
        ["deploy", "release", "prod"].iter().any(|w| words.contains(w))
    }
}

fn load<'t>(path: &str, text: &'t str) -> Result<Option<MarkedYaml<'t>>, String> {
    let mut documents = MarkedYaml::load_from_str(text).map_err(|e| {
        let marker = e.marker();
        format!("{path}:{}:{}: {}", marker.line(), marker.col() + 1, e.info())
    })?;
    Ok((!documents.is_empty()).then(|| documents.swap_remove(0)))
}

fn get<'y, 't>(node: &'y MarkedYaml<'t>, key: &str) -> Option<&'y MarkedYaml<'t>> {
    node.data.as_mapping_get(key)
}

fn scalar(node: &MarkedYaml<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(text)) => Some(text.to_string()),
        YamlData::Value(scalar) => Some(format!("{scalar:?}")),
        _ => None,
    }
}

/// The commands of a scalar holding shell text: a block scalar (`|`)
/// starts on the line after its indicator.
fn scalar_commands(node: &MarkedYaml<'_>) -> Vec<Command> {
    let Some(body) = scalar(node) else { return Vec::new() };
    // A block scalar's (`|`) span starts at its text, on the line after
    // the indicator.
    shell::commands(&body, node.span.start.line())
}

/// A scalar's or a sequence's commands (`script: [a, b]`).
fn commands(node: &MarkedYaml<'_>) -> Vec<Command> {
    match &node.data {
        YamlData::Sequence(items) => items.iter().flat_map(|item| scalar_commands(item)).collect(),
        _ => scalar_commands(node),
    }
}

fn entries<'y, 't>(node: &'y MarkedYaml<'t>) -> Vec<(String, &'y MarkedYaml<'t>)> {
    match &node.data {
        YamlData::Mapping(map) => map.iter().filter_map(|(key, value)| Some((scalar(key)?, value))).collect(),
        _ => Vec::new(),
    }
}

/// `.github/workflows/*.yml`: every step's `run`.
pub(crate) fn github(path: &str, text: &str) -> Result<Vec<Job>, String> {
    let Some(root) = load(path, text)? else { return Ok(Vec::new()) };
    let workflow = get(&root, "name").and_then(scalar).unwrap_or_default();
    let mut jobs = Vec::new();
    for (id, job) in get(&root, "jobs").map(entries).unwrap_or_default() {
        let name = format!("{workflow} {id} {}", get(job, "name").and_then(scalar).unwrap_or_default());
        let mut found = Vec::new();
        if let Some(YamlData::Sequence(steps)) = get(job, "steps").map(|s| &s.data) {
            for step in steps {
                if let Some(run) = get(step, "run") {
                    found.extend(commands(run));
                }
            }
        }
        jobs.push(Job { file: path.to_owned(), name: name.trim().to_owned(), commands: found, hook_id: None });
    }
    Ok(jobs)
}

/// Top-level keys of `.gitlab-ci.yml` that are not jobs.
const GITLAB_KEYWORDS: [&str; 8] =
    ["stages", "variables", "include", "workflow", "image", "services", "cache", "default"];

/// `.gitlab-ci.yml`: each job's scripts, and `default`'s.
pub(crate) fn gitlab(path: &str, text: &str) -> Result<Vec<Job>, String> {
    let Some(root) = load(path, text)? else { return Ok(Vec::new()) };
    let mut jobs = Vec::new();
    for (name, job) in entries(&root) {
        if GITLAB_KEYWORDS.contains(&name.as_str()) && name != "default" {
            continue;
        }
        let found: Vec<Command> = ["before_script", "script", "after_script"]
            .iter()
            .filter_map(|key| get(job, key))
            .flat_map(|scripts| commands(scripts))
            .collect();
        if !found.is_empty() {
            jobs.push(Job { file: path.to_owned(), name, commands: found, hook_id: None });
        }
    }
    Ok(jobs)
}

/// `.pre-commit-config.yaml`: each hook, with its id and, for local hooks,
/// its `entry` and `args` as a command.
pub(crate) fn pre_commit(path: &str, text: &str) -> Result<Vec<Job>, String> {
    let Some(root) = load(path, text)? else { return Ok(Vec::new()) };
    let mut hooks = Vec::new();
    let Some(YamlData::Sequence(repos)) = get(&root, "repos").map(|r| &r.data) else { return Ok(hooks) };
    for repo in repos {
        let Some(YamlData::Sequence(list)) = get(repo, "hooks").map(|h| &h.data) else { continue };
        for hook in list {
            let Some(id) = get(hook, "id") else { continue };
            let id_text = scalar(id).unwrap_or_default();
            let mut commands = Vec::new();
            if let Some(entry) = get(hook, "entry") {
                let mut line = scalar_commands(entry);
                if let (Some(first), Some(YamlData::Sequence(args))) =
                    (line.first_mut(), get(hook, "args").map(|a| &a.data))
                {
                    first.words.extend(args.iter().filter_map(scalar));
                }
                commands = line;
            }
            let name = get(hook, "name").and_then(scalar).unwrap_or_else(|| id_text.clone());
            hooks.push(Job { file: path.to_owned(), name, commands, hook_id: Some((id_text, id.span.start.line())) });
        }
    }
    Ok(hooks)
}

/// A compose file's services: `command` and `entrypoint`, as a shell would
/// run them (a list is one command's words).
pub(crate) fn compose(path: &str, text: &str) -> Result<Vec<Job>, String> {
    let Some(root) = load(path, text)? else { return Ok(Vec::new()) };
    let mut services = Vec::new();
    for (name, service) in get(&root, "services").map(entries).unwrap_or_default() {
        let mut found = Vec::new();
        for key in ["entrypoint", "command"] {
            match get(service, key) {
                Some(node @ MarkedYaml { data: YamlData::Sequence(words), .. }) => found
                    .push(Command { words: words.iter().filter_map(scalar).collect(), line: node.span.start.line() }),
                Some(node) => found.extend(scalar_commands(node)),
                None => {}
            }
        }
        services.push(Job { file: path.to_owned(), name, commands: found, hook_id: None });
    }
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(job: &Job) -> Vec<(String, usize)> {
        job.commands.iter().map(|c| (c.text(), c.line)).collect()
    }

    #[test]
    fn github_steps_keep_their_lines() {
        let text = "name: CI\non: push\njobs:\n  schema:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npx ehrdb merge --check\n      - name: validate\n        run: |\n          npm ci\n          npx prisma validate\n";
        let jobs = github(".github/workflows/ci.yml", text).unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].name, "CI schema");
        assert_eq!(
            texts(&jobs[0]),
            [
                ("npx ehrdb merge --check".to_owned(), 8),
                ("npm ci".to_owned(), 11),
                ("npx prisma validate".to_owned(), 12)
            ]
        );
    }

    #[test]
    fn gitlab_jobs_pre_commit_hooks_and_compose_services() {
        let jobs = gitlab(
            ".gitlab-ci.yml",
            "stages: [test]\nvalidate:\n  stage: test\n  script:\n    - npm ci\n    - npx ehrdb validate\n",
        )
        .unwrap();
        assert_eq!(texts(&jobs[0]), [("npm ci".to_owned(), 5), ("npx ehrdb validate".to_owned(), 6)]);

        let hooks = pre_commit(
            ".pre-commit-config.yaml",
            "repos:\n  - repo: https://example.invalid/ehrdb\n    rev: v1\n    hooks:\n      - id: ehrdb-merge-check\n  - repo: local\n    hooks:\n      - id: prisma\n        name: prisma validate\n        entry: npx prisma\n        args: [validate]\n        language: system\n",
        )
        .unwrap();
        assert_eq!(hooks[0].hook_id, Some(("ehrdb-merge-check".to_owned(), 5)));
        assert_eq!(texts(&hooks[1]), [("npx prisma validate".to_owned(), 10)]);

        let services = compose(
            "docker-compose.yml",
            "services:\n  api:\n    build: .\n    command: sh -c \"npx prisma migrate deploy && node dist/main\"\n",
        )
        .unwrap();
        assert_eq!(services[0].name, "api");
        assert_eq!(texts(&services[0]), [("sh -c npx prisma migrate deploy && node dist/main".to_owned(), 4)]);
    }

    #[test]
    fn a_yaml_error_names_line_and_column() {
        let error = github("ci.yml", "jobs:\n  a: [\n").unwrap_err();
        assert!(error.starts_with("ci.yml:"), "{error}");
    }
}
