//! The application's Dockerfiles, parsed with parse-dockerfile and kept
//! as what the audit reads: stages in order, each with its RUN commands,
//! COPY/ADD sources, WORKDIR and the commands it starts with (ENTRYPOINT
//! and CMD).
//!
//! [`Dockerfile::read`] takes the file's text and returns that digest, or
//! an error naming the line and column. The shell text of RUN, CMD and
//! ENTRYPOINT goes through [`super::shell`]'s heuristic reader. Nothing
//! here builds an image or resolves build arguments.

use std::path::Path;

use parse_dockerfile::{Command as DockerCommand, Instruction, Source};

use super::Lines;
use super::shell::{self, Command};

#[derive(Debug, Clone)]
pub(crate) struct Dockerfile {
    pub path: String,
    /// A development image (`Dockerfile.dev`, `dev.Dockerfile`, ...): its
    /// commands are not a production path.
    pub dev: bool,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone)]
pub(crate) struct Stage {
    pub name: Option<String>,
    /// The stage this one starts from (`FROM builder AS runner`).
    pub parent: Option<usize>,
    pub line: usize,
    pub items: Vec<Item>,
    /// What the container runs: ENTRYPOINT, then CMD as its arguments.
    pub start: Vec<Command>,
}

#[derive(Debug, Clone)]
pub(crate) enum Item {
    Run(Vec<Command>),
    Copy { from: Option<String>, sources: Vec<String>, line: usize },
    Workdir(String),
}

/// Words of a file name that mark a development or test image.
const DEV_WORDS: [&str; 5] = ["dev", "development", "local", "test", "debug"];

impl Dockerfile {
    pub fn read(path: &str, text: &str) -> Result<Dockerfile, String> {
        let parsed = parse_dockerfile::parse(text).map_err(|e| {
            // The message ends with its own " at line x column y".
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            format!("{path}:{}:{}: {message}", e.line(), e.column())
        })?;
        let lines = Lines::new(text);
        let name = Path::new(path).file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let dev = name.split(['.', '-', '_']).any(|word| DEV_WORDS.contains(&word));
        let mut stages: Vec<Stage> = Vec::new();
        for stage in parsed.stages() {
            let image = stage.from.image.value.to_string();
            let parent = stages.iter().position(|s| s.name.as_deref() == Some(image.as_str()));
            let name = stage.from.as_.as_ref().map(|(_, name)| name.value.to_string());
            let mut digest = Stage {
                name,
                parent,
                line: lines.line(stage.from.from.span.start),
                items: Vec::new(),
                start: Vec::new(),
            };
            let (mut entrypoint, mut cmd) = (None, None);
            for instruction in stage.instructions {
                match instruction {
                    Instruction::Run(run) => {
                        let mut commands = command(&run.arguments, &lines);
                        for doc in &run.here_docs {
                            commands.extend(shell::commands(&doc.value, lines.line(doc.span.start)));
                        }
                        digest.items.push(Item::Run(commands));
                    }
                    Instruction::Copy(copy) => {
                        let from = copy.options.iter().find(|f| f.name.value == "from");
                        digest.items.push(Item::Copy {
                            from: from.and_then(|f| f.value.as_ref()).map(|v| v.value.to_string()),
                            sources: sources(&copy.src),
                            line: lines.line(copy.copy.span.start),
                        });
                    }
                    Instruction::Add(add) => digest.items.push(Item::Copy {
                        from: None,
                        sources: sources(&add.src),
                        line: lines.line(add.add.span.start),
                    }),
                    Instruction::Workdir(workdir) => {
                        digest.items.push(Item::Workdir(workdir.arguments.value.to_string()))
                    }
                    Instruction::Entrypoint(e) => entrypoint = Some(&e.arguments),
                    Instruction::Cmd(c) => cmd = Some(&c.arguments),
                    _ => {}
                }
            }
            digest.start = start(entrypoint, cmd, &lines);
            stages.push(digest);
        }
        Ok(Dockerfile { path: path.to_owned(), dev, stages })
    }

    /// The items of stage `index` after those of the stages it starts
    /// from, in the order they run.
    pub fn effective(&self, index: usize) -> Vec<&Item> {
        let mut chain = vec![index];
        while let Some(parent) = self.stages[*chain.last().unwrap_or(&index)].parent {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
        }
        chain.iter().rev().flat_map(|&i| self.stages[i].items.iter()).collect()
    }

    /// The stage a `COPY --from=` names: a stage name or index.
    pub fn stage_named(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.name.as_deref() == Some(name)).or_else(|| name.parse().ok())
    }
}

fn sources(src: &[Source<'_>]) -> Vec<String> {
    src.iter()
        .filter_map(|s| match s {
            Source::Path(path) => Some(path.value.to_string()),
            _ => None,
        })
        .collect()
}

fn command(command: &DockerCommand<'_>, lines: &Lines) -> Vec<Command> {
    match command {
        DockerCommand::Exec(words) => vec![Command {
            words: words.value.iter().map(|w| w.value.to_string()).collect(),
            line: lines.line(words.span.start),
        }],
        DockerCommand::Shell(text) => shell::commands(text.value, lines.line(text.span.start)),
        _ => Vec::new(),
    }
}

/// ENTRYPOINT and CMD as the commands the container runs. An exec-form
/// entrypoint script (`docker-entrypoint.sh`) is taken to end in
/// `exec "$@"`, so CMD runs after it; another exec-form entrypoint takes
/// CMD's words as its arguments; a shell-form one ignores CMD.
fn start(entrypoint: Option<&DockerCommand<'_>>, cmd: Option<&DockerCommand<'_>>, lines: &Lines) -> Vec<Command> {
    let cmd = cmd.map(|c| command(c, lines)).unwrap_or_default();
    match entrypoint {
        None => cmd,
        Some(shell @ DockerCommand::Shell(_)) => command(shell, lines),
        Some(exec @ DockerCommand::Exec(_)) => {
            let mut first = command(exec, lines);
            let script = first[0].words.iter().any(|w| w.ends_with(".sh"));
            match (script, cmd.as_slice()) {
                (true, _) => first.extend(cmd),
                (false, [one]) => first[0].words.extend(one.words.iter().cloned()),
                (false, _) => {}
            }
            first
        }
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = "\
FROM node:20 AS builder
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npx prisma generate \\
 && npm run build

FROM node:20-slim AS runner
WORKDIR /app
COPY --from=builder /app/dist ./dist
COPY --from=builder /app/node_modules ./node_modules
ENTRYPOINT [\"./docker-entrypoint.sh\"]
CMD [\"node\", \"dist/main.js\"]
";

    #[test]
    fn stages_commands_copies_and_start() {
        let file = Dockerfile::read("backend/Dockerfile", MULTI).unwrap();
        assert!(!file.dev);
        assert_eq!(file.stages.len(), 2);
        let builder = &file.stages[0];
        assert_eq!(builder.name.as_deref(), Some("builder"));
        let Item::Run(commands) = &builder.items[4] else { panic!("{:?}", builder.items) };
        assert_eq!(
            commands.iter().map(|c| (c.text(), c.line)).collect::<Vec<_>>(),
            [("npx prisma generate".to_owned(), 6), ("npm run build".to_owned(), 7)]
        );
        let runner = &file.stages[1];
        let Item::Copy { from, sources, line } = &runner.items[1] else { panic!() };
        assert_eq!((from.as_deref(), sources.as_slice(), *line), (Some("builder"), &["/app/dist".to_owned()][..], 11));
        let start: Vec<String> = runner.start.iter().map(Command::text).collect();
        assert_eq!(start, ["./docker-entrypoint.sh", "node dist/main.js"]);
        assert_eq!(file.stage_named("builder"), Some(0));
    }

    #[test]
    fn dev_images_and_parse_errors() {
        assert!(Dockerfile::read("backend/Dockerfile.dev", "FROM node:20\n").unwrap().dev);
        assert!(Dockerfile::read("dev.Dockerfile", "FROM node:20\n").unwrap().dev);
        assert!(!Dockerfile::read("Dockerfile.prod", "FROM node:20\n").unwrap().dev);
        let error = Dockerfile::read("Dockerfile", "FROM node:20\nFOO bar\n").unwrap_err();
        assert_eq!(error, "Dockerfile:2:1: unknown instruction 'FOO'");
    }

    #[test]
    fn a_stage_inherits_its_parents_items() {
        let text = "FROM node:20 AS base\nRUN npx prisma generate\nFROM base AS dev\nRUN npm run build\n";
        let file = Dockerfile::read("Dockerfile", text).unwrap();
        assert_eq!(file.stages[1].parent, Some(0));
        assert_eq!(file.effective(1).len(), 2);
    }
}
