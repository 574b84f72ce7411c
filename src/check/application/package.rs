//! The application's package.json, and how a command unfolds into the
//! steps it runs through the package's scripts and shell script files.
//!
//! [`Package::read`] takes the file's text (serde_json) and keeps what the
//! audit reads: the scripts with their lines, lint-staged's commands, the
//! package manager, and the dependencies that matter. [`Expander`] takes a
//! command and returns [`Step`]s: every action it leads to, in the order
//! it runs, through `npm run` (with `pre`/`post` scripts where the manager
//! runs them), `postinstall` after an install, `sh -c`, and script files.
//! It never runs anything.

use std::collections::BTreeMap;

use serde_json::Value;

use super::shell::{self, Action, Command};
use super::{At, Lines};

/// How deep scripts may call scripts before the expander stops (a script
/// that calls itself).
const DEPTH: usize = 8;

#[derive(Debug, Clone, Default)]
pub(crate) struct Package {
    /// The file as shown in findings.
    pub path: String,
    /// Script name -> (command text, line).
    pub scripts: BTreeMap<String, (String, usize)>,
    /// lint-staged's commands, with the line of each.
    pub lint_staged: Vec<(String, usize)>,
    /// Husky 4's `husky.hooks.pre-commit`.
    pub husky_pre_commit: Option<(String, usize)>,
    /// `packageManager` (`yarn@4.1.0`): Yarn 2+ runs no `pre`/`post`
    /// scripts.
    pub manager: Option<String>,
}

impl Package {
    /// Reads package.json's `text`; the error names the line and column.
    pub fn read(path: &str, text: &str) -> Result<Package, String> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| format!("{path}:{}:{}: {}", e.line(), e.column(), strip_position(&e.to_string())))?;
        let mut package = Package { path: path.to_owned(), ..Package::default() };
        let lines = Lines::new(text);
        if let Some(scripts) = value.get("scripts").and_then(Value::as_object) {
            let section = text.find("\"scripts\"").unwrap_or(0);
            for (name, command) in scripts {
                if let Some(command) = command.as_str() {
                    let line = key_line(&lines, text, name, section);
                    package.scripts.insert(name.clone(), (command.to_owned(), line));
                }
            }
        }
        if let Some(staged) = value.get("lint-staged").and_then(Value::as_object) {
            let section = text.find("\"lint-staged\"").unwrap_or(0);
            for (glob, commands) in staged {
                let line = key_line(&lines, text, glob, section);
                let list = match commands {
                    Value::String(one) => vec![one.clone()],
                    Value::Array(many) => many.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                    _ => Vec::new(),
                };
                package.lint_staged.extend(list.into_iter().map(|c| (c, line)));
            }
        }
        if let Some(hook) = value.pointer("/husky/hooks/pre-commit").and_then(Value::as_str) {
            let section = text.find("\"husky\"").unwrap_or(0);
            package.husky_pre_commit = Some((hook.to_owned(), key_line(&lines, text, "pre-commit", section)));
        }
        package.manager = value.get("packageManager").and_then(Value::as_str).map(str::to_owned);
        Ok(package)
    }

    /// Whether `npm run x` / `yarn x` also runs `prex` and `postx`.
    fn runs_hooks(&self, asked: bool) -> bool {
        match self.manager.as_deref() {
            Some(manager) if manager.starts_with("yarn@") => manager.starts_with("yarn@1."),
            Some(manager) if manager.starts_with("pnpm@") || manager.starts_with("bun@") => false,
            _ => asked,
        }
    }

    pub fn script_at(&self, name: &str) -> Option<At> {
        self.scripts.get(name).map(|(_, line)| At::new(&self.path, *line))
    }
}

/// serde_json's message without its own " at line x column y".
fn strip_position(message: &str) -> String {
    message.split(" at line ").next().unwrap_or(message).to_owned()
}

/// The line of `"key":` after `from`: serde_json keeps no positions, so
/// the key is looked up in the text (the first match after its section).
fn key_line(lines: &Lines, text: &str, key: &str, from: usize) -> usize {
    let quoted = serde_json::to_string(key).unwrap_or_default();
    let mut search = from;
    while let Some(found) = text[search..].find(&quoted) {
        let at = search + found;
        if text[at + quoted.len()..].trim_start().starts_with(':') {
            return lines.line(at);
        }
        search = at + quoted.len();
    }
    lines.line(from)
}

/// One thing a command leads to, where it is written, and the chain of
/// scripts that led there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub action: Action,
    pub at: At,
    /// The command as written.
    pub text: String,
    /// The commands that led here, where each is written: `npm run
    /// build` in a Dockerfile, then `npm run schema:generate` in prebuild.
    pub via: Vec<(At, String)>,
}

impl Step {
    /// The chain of commands that led here, each with its `file:line`.
    pub fn describe(&self) -> String {
        let mut chain: Vec<String> = self.via.iter().map(|(at, text)| format!("{at} `{text}`")).collect();
        chain.push(format!("{} `{}`", self.at, self.text));
        chain.join(" -> ")
    }
}

/// A shell script file of the application.
#[derive(Debug, Clone)]
pub(crate) struct ShellFile {
    pub path: String,
    pub name: String,
    pub commands: Vec<Command>,
}

/// Unfolds commands through the package's scripts and the shell files.
pub(crate) struct Expander<'a> {
    pub package: Option<&'a Package>,
    pub files: &'a [ShellFile],
}

impl Expander<'_> {
    /// The steps of `commands`, written in `file`.
    pub fn steps(&self, commands: &[Command], file: &str) -> Vec<Step> {
        let mut out = Vec::new();
        for command in commands {
            self.command(command, file, &mut Vec::new(), &mut out);
        }
        out
    }

    fn command(&self, command: &Command, file: &str, via: &mut Vec<(At, String)>, out: &mut Vec<Step>) {
        if via.len() > DEPTH {
            return;
        }
        let action = Action::of(command);
        let step =
            Step { action: action.clone(), at: At::new(file, command.line), text: command.text(), via: via.clone() };
        match action {
            Action::Script { name, hooks } => {
                let package = self.package.filter(|p| p.scripts.contains_key(&name));
                let Some(package) = package else {
                    // A script ehrdb cannot read: by its name, `build` compiles.
                    let builds = name == "build" || name.starts_with("build:");
                    return out.push(Step { action: if builds { Action::Build } else { step.action }, ..step });
                };
                let hooks = package.runs_hooks(hooks);
                let names = [format!("pre{name}"), name.clone(), format!("post{name}")];
                via.push((step.at.clone(), command.text()));
                for script in names.iter().filter(|s| hooks || **s == name) {
                    self.script(package, script, via, out);
                }
                via.pop();
            }
            Action::Install => {
                let origin = (step.at.clone(), command.text());
                out.push(step);
                if let Some(package) = self.package {
                    via.push(origin);
                    for script in ["preinstall", "install", "postinstall", "prepare"] {
                        self.script(package, script, via, out);
                    }
                    via.pop();
                }
            }
            Action::Inline(text) => {
                via.push((step.at.clone(), command.text()));
                for inner in shell::commands(&text, command.line) {
                    self.command(&inner, file, via, out);
                }
                via.pop();
            }
            Action::File(path) => {
                let name = path.rsplit('/').next().unwrap_or(&path);
                match self.files.iter().find(|f| f.name == name) {
                    Some(script) => {
                        via.push((step.at.clone(), command.text()));
                        for inner in &script.commands {
                            self.command(inner, &script.path, via, out);
                        }
                        via.pop();
                    }
                    None => out.push(step),
                }
            }
            _ => out.push(step),
        }
    }

    fn script(&self, package: &Package, name: &str, via: &mut Vec<(At, String)>, out: &mut Vec<Step>) {
        let Some((text, line)) = package.scripts.get(name) else { return };
        if via.len() > DEPTH {
            return;
        }
        for inner in shell::commands(text, *line) {
            self.command(&inner, &package.path, via, out);
        }
    }

    /// The steps of the package script `name` (what `npm run name` does).
    pub fn script_steps(&self, name: &str) -> Vec<Step> {
        let mut out = Vec::new();
        if let Some(package) = self.package {
            let hooks = package.runs_hooks(true);
            for script in [format!("pre{name}"), name.to_owned(), format!("post{name}")] {
                if hooks || script == name {
                    self.script(package, &script, &mut Vec::new(), &mut out);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKAGE: &str = r#"{
  "name": "backend",
  "scripts": {
    "prebuild": "npm run schema:generate",
    "build": "nest build",
    "schema:generate": "prisma generate",
    "postinstall": "npx prisma generate",
    "start:prod": "sh -c 'npx prisma migrate deploy && node dist/main'"
  },
  "lint-staged": { "*.prisma": ["ehrdb fmt --check", "ehrdb validate"] }
}"#;

    fn actions(steps: &[Step]) -> Vec<Action> {
        steps.iter().map(|s| s.action.clone()).collect()
    }

    #[test]
    fn scripts_have_their_lines_and_unfold_with_hooks() {
        let package = Package::read("backend/package.json", PACKAGE).unwrap();
        assert_eq!(package.scripts["build"], ("nest build".to_owned(), 5));
        assert_eq!(package.lint_staged, [("ehrdb fmt --check".to_owned(), 10), ("ehrdb validate".to_owned(), 10)]);
        let expander = Expander { package: Some(&package), files: &[] };
        let steps = expander.steps(&shell::commands("npm ci\nnpm run build", 3), "Dockerfile");
        assert_eq!(actions(&steps), [Action::Install, Action::Generate, Action::Generate, Action::Build]);
        assert_eq!(
            steps[2].describe(),
            "Dockerfile:4 `npm run build` -> backend/package.json:4 `npm run schema:generate` -> backend/package.json:6 \
             `prisma generate`"
        );
        let start = expander.script_steps("start:prod");
        assert_eq!(actions(&start), [Action::Deploy, Action::Other]);
    }

    #[test]
    fn yarn_berry_and_pnpm_run_no_pre_scripts() {
        let mut package = Package::read("package.json", PACKAGE).unwrap();
        package.manager = Some("yarn@4.1.0".into());
        let expander = Expander { package: Some(&package), files: &[] };
        assert_eq!(actions(&expander.script_steps("build")), [Action::Build]);
    }

    #[test]
    fn a_broken_package_json_names_line_and_column() {
        let error = Package::read("backend/package.json", "{\n  \"scripts\": {,\n}").unwrap_err();
        assert_eq!(error, "backend/package.json:2:15: key must be a string");
    }
}
