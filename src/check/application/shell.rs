//! Shell text (a Dockerfile's RUN, an entrypoint script, a package.json
//! script, a CI step) read as a list of simple commands, and what each
//! command does for the audit.
//!
//! [`commands`] takes the text and the line it starts on and returns the
//! commands with their words and lines. It is a heuristic reader, not a
//! shell parser: it knows quotes, backslashes, line continuations,
//! comments and the separators `;`, `&`, `|` and newlines, and drops the
//! keywords that open or close a compound command (`if`, `then`, `do`,
//! ...), which is all the audit needs to see which programs run and in
//! which order. It never expands variables, follows functions or reads
//! here-documents. [`Action::of`] says what one command does: generate
//! Prisma Client, compile TypeScript, install packages, run a package
//! script, apply or check migrations, validate the schema.

/// One simple command: its words, quotes removed, and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub words: Vec<String>,
    pub line: usize,
}

impl Command {
    /// The command as one line, for a finding (long ones cut).
    pub fn text(&self) -> String {
        let text = self.words.join(" ");
        match text.char_indices().nth(80) {
            Some((cut, _)) => format!("{}...", &text[..cut]),
            None => text,
        }
    }
}

/// Words that open or close a compound command, dropped at a command's
/// start so that `then npx prisma generate` reads as `npx prisma generate`.
const KEYWORDS: [&str; 13] =
    ["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time"];

/// The simple commands of `text`, whose first line is `first_line`.
pub(crate) fn commands(text: &str, first_line: usize) -> Vec<Command> {
    let mut reader = Reader { commands: Vec::new(), words: Vec::new(), word: None, line: first_line, start: 0 };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') => reader.line += 1,
                Some(next) => reader.push(next),
                None => {}
            },
            '\'' => {
                reader.push_empty();
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    reader.push_quoted(c);
                }
            }
            '"' => {
                reader.push_empty();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                            reader.push_quoted(chars.next().unwrap_or('\\'))
                        }
                        '\\' if chars.peek() == Some(&'\n') => {
                            chars.next();
                            reader.line += 1;
                        }
                        c => reader.push_quoted(c),
                    }
                }
            }
            '#' if reader.word.is_none() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        reader.end_command();
                        reader.line += 1;
                        break;
                    }
                }
            }
            ' ' | '\t' | '\r' => reader.end_word(),
            '\n' => {
                reader.end_command();
                reader.line += 1;
            }
            ';' | '&' | '|' | '(' | ')' => reader.end_command(),
            c => reader.push(c),
        }
    }
    reader.end_command();
    reader.commands
}

struct Reader {
    commands: Vec<Command>,
    words: Vec<String>,
    word: Option<String>,
    line: usize,
    /// The line of the command's first word.
    start: usize,
}

impl Reader {
    fn push(&mut self, c: char) {
        if self.words.is_empty() && self.word.is_none() {
            self.start = self.line;
        }
        self.word.get_or_insert_with(String::new).push(c);
    }

    fn push_quoted(&mut self, c: char) {
        if c == '\n' {
            self.line += 1;
        }
        self.push(c);
    }

    /// A quote starts a word even when it holds nothing (`""`).
    fn push_empty(&mut self) {
        if self.words.is_empty() && self.word.is_none() {
            self.start = self.line;
        }
        self.word.get_or_insert_with(String::new);
    }

    fn end_word(&mut self) {
        if let Some(word) = self.word.take() {
            if !(self.words.is_empty() && KEYWORDS.contains(&word.as_str())) {
                self.words.push(word);
            }
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        if !self.words.is_empty() {
            self.commands.push(Command { words: std::mem::take(&mut self.words), line: self.start });
        }
    }
}

/// What a command does, as far as the audit cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// `prisma generate`.
    Generate,
    /// Compiles TypeScript (`tsc`, `nest build`, ...).
    Build,
    /// Installs packages, which runs the package's `postinstall`.
    Install,
    /// Runs the package script of this name; `hooks`: the package manager
    /// runs its `pre` and `post` scripts too (npm, Yarn 1).
    Script {
        name: String,
        hooks: bool,
    },
    /// `prisma migrate deploy` or `ehrdb apply`.
    Deploy,
    /// `prisma migrate dev`, `prisma migrate reset` or `prisma db push`:
    /// commands for a development database.
    DevMigrate,
    /// `prisma migrate status` or `ehrdb status`.
    Status,
    /// Validates the schema: `prisma validate`, `prisma format --check`,
    /// `ehrdb validate`, `ehrdb merge --check`, `ehrdb fmt --check`,
    /// `ehrdb check`.
    Validate,
    /// Runs a shell script file (`./docker-entrypoint.sh`, `sh start.sh`).
    File(String),
    /// Runs shell text (`sh -c "..."`).
    Inline(String),
    Other,
}

/// Prefixes that run the next words as the command: `npx prisma`,
/// `pnpm exec prisma`, `exec node`, `cross-env A=b tsc`.
const RUNNERS: [&str; 8] = ["npx", "bunx", "exec", "sudo", "nohup", "cross-env", "env", "dotenv"];

/// Compilers whose build fails without Prisma Client's types.
const COMPILERS: [&str; 5] = ["tsc", "tsup", "webpack", "esbuild", "vite"];

impl Action {
    pub fn of(command: &Command) -> Action {
        let words = program(&command.words);
        let Some(first) = words.first() else { return Action::Other };
        let name = first.rsplit('/').next().unwrap_or(first).split('@').next().unwrap_or(first);
        let rest = &words[1..];
        let sub = |i: usize| rest.iter().filter(|w| !w.starts_with('-')).nth(i).map(String::as_str);
        let flag = |f: &str| rest.iter().any(|w| w == f);
        match name {
            "prisma" => match (sub(0), sub(1)) {
                (Some("generate"), _) => Action::Generate,
                (Some("migrate"), Some("deploy")) => Action::Deploy,
                (Some("migrate"), Some("dev" | "reset")) | (Some("db"), Some("push")) => Action::DevMigrate,
                (Some("migrate"), Some("status")) => Action::Status,
                (Some("validate"), _) => Action::Validate,
                (Some("format"), _) if flag("--check") => Action::Validate,
                _ => Action::Other,
            },
            "ehrdb" => match sub(0) {
                Some("apply") => Action::Deploy,
                Some("status") => Action::Status,
                Some("validate" | "check") => Action::Validate,
                Some("merge" | "fmt") if flag("--check") => Action::Validate,
                _ => Action::Other,
            },
            "nest" if sub(0) == Some("build") => Action::Build,
            "next" | "vite" if sub(0) == Some("build") => Action::Build,
            name if COMPILERS.contains(&name) && name != "vite" => Action::Build,
            "npm" => npm(rest),
            "yarn" | "pnpm" | "bun" => manager(name, rest),
            "sh" | "bash" | "ash" | "dash" => match rest.iter().position(|w| w == "-c") {
                Some(i) => rest.get(i + 1).map_or(Action::Other, |text| Action::Inline(text.clone())),
                None => rest.iter().find(|w| !w.starts_with('-')).map_or(Action::Other, |f| Action::File(f.clone())),
            },
            _ if first.ends_with(".sh") => Action::File(first.clone()),
            _ => Action::Other,
        }
    }
}

/// The words from the program on: environment assignments and runners
/// (`NODE_ENV=production npx prisma generate`) skipped.
fn program(words: &[String]) -> &[String] {
    let mut i = 0;
    while let Some(word) = words.get(i) {
        let assignment = word
            .split_once('=')
            .is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        if assignment || word.starts_with('-') || RUNNERS.contains(&word.as_str()) {
            i += 1;
        } else if word == "--" {
            i += 1;
            break;
        } else {
            break;
        }
    }
    // `dotenv -e .env.test -- prisma ...`: the program follows `--`.
    if words[..i].iter().any(|w| w == "dotenv") {
        if let Some(dash) = words.iter().position(|w| w == "--") {
            return &words[(dash + 1).min(words.len())..];
        }
    }
    &words[i..]
}

fn npm(rest: &[String]) -> Action {
    let words: Vec<&str> = rest.iter().map(String::as_str).filter(|w| !w.starts_with('-')).collect();
    match words.as_slice() {
        ["run" | "run-script", name, ..] => Action::Script { name: (*name).to_owned(), hooks: true },
        ["ci" | "install" | "i", ..] | [] if !rest.iter().any(|w| w == "--ignore-scripts") => Action::Install,
        ["start" | "test" | "stop" | "restart", ..] => Action::Script { name: words[0].to_owned(), hooks: true },
        ["exec", ..] => Action::of(&Command { words: rest[1..].to_vec(), line: 0 }),
        _ => Action::Other,
    }
}

/// Yarn, pnpm and bun: `yarn build` runs a script, `yarn prisma generate`
/// a package's binary. Yarn 1 runs `pre`/`post` scripts; pnpm (since 7)
/// and bun do not.
fn manager(name: &str, rest: &[String]) -> Action {
    let words: Vec<&str> = rest.iter().map(String::as_str).filter(|w| !w.starts_with('-')).collect();
    let hooks = name == "yarn";
    match words.as_slice() {
        [] | ["install" | "i", ..] if !rest.iter().any(|w| w == "--ignore-scripts") => Action::Install,
        ["run", script, ..] => Action::Script { name: (*script).to_owned(), hooks },
        ["exec" | "dlx" | "x", ..] => {
            let at = rest.iter().position(|w| matches!(w.as_str(), "exec" | "dlx" | "x")).unwrap_or(0);
            Action::of(&Command { words: rest[at + 1..].to_vec(), line: 0 })
        }
        ["prisma" | "ehrdb" | "tsc" | "nest", ..] => Action::of(&Command { words: rest.to_vec(), line: 0 }),
        [script, ..] => Action::Script { name: (*script).to_owned(), hooks },
        [] => Action::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        commands(text, 1).into_iter().map(|c| c.words).collect()
    }

    fn action(text: &str) -> Action {
        Action::of(&commands(text, 1)[0])
    }

    #[test]
    fn separators_quotes_continuations_and_comments() {
        assert_eq!(
            words("npm ci && npx prisma generate; npm run build"),
            [vec!["npm", "ci"], vec!["npx", "prisma", "generate"], vec!["npm", "run", "build"]]
        );
        assert_eq!(words("echo 'a && b' \"c \\\"d\\\"\" # note"), [vec!["echo", "a && b", "c \"d\""]]);
        let lines: Vec<usize> =
            commands("#!/bin/sh\nset -e\n\nnpm run \\\n  build\nif true; then exec node dist/main.js; fi\n", 1)
                .iter()
                .map(|c| c.line)
                .collect();
        assert_eq!(lines, [2, 4, 6, 6]);
        assert_eq!(words("if [ -f x ]; then npx prisma generate; fi")[1], ["npx", "prisma", "generate"]);
    }

    #[test]
    fn what_commands_do() {
        assert_eq!(action("npx prisma generate"), Action::Generate);
        assert_eq!(action("NODE_ENV=production npx prisma@5.22.0 generate --schema x"), Action::Generate);
        assert_eq!(action("pnpm exec prisma generate"), Action::Generate);
        assert_eq!(action("yarn prisma migrate deploy"), Action::Deploy);
        assert_eq!(action("dotenv -e .env.test -- prisma migrate reset --force"), Action::DevMigrate);
        assert_eq!(action("npx prisma db push"), Action::DevMigrate);
        assert_eq!(action("ehrdb apply"), Action::Deploy);
        assert_eq!(action("ehrdb merge --check"), Action::Validate);
        assert_eq!(action("ehrdb merge"), Action::Other);
        assert_eq!(action("npx prisma validate"), Action::Validate);
        assert_eq!(action("nest build"), Action::Build);
        assert_eq!(action("npx tsc -p tsconfig.build.json"), Action::Build);
        assert_eq!(action("npm ci --omit=dev"), Action::Install);
        assert_eq!(action("npm ci --ignore-scripts"), Action::Other);
        assert_eq!(action("npm run build"), Action::Script { name: "build".into(), hooks: true });
        assert_eq!(action("npm start"), Action::Script { name: "start".into(), hooks: true });
        assert_eq!(action("pnpm build"), Action::Script { name: "build".into(), hooks: false });
        assert_eq!(action("yarn"), Action::Install);
        assert_eq!(
            action("sh -c 'npx prisma migrate deploy && node dist/main'"),
            Action::Inline("npx prisma migrate deploy && node dist/main".into())
        );
        assert_eq!(action("./docker-entrypoint.sh"), Action::File("./docker-entrypoint.sh".into()));
        assert_eq!(action("node dist/main.js"), Action::Other);
    }
}
