//! The application's TypeScript, parsed with oxc, read for how it holds
//! Prisma Client.
//!
//! [`Sources::read`] takes one file's text and adds what it shows to the
//! [`Sources`]: every place a `PrismaClient` is made (`new PrismaClient`,
//! a class that extends it) with the shape that holds it and its `log`
//! option; `$disconnect` calls with the hook, signal handler or function
//! around them; signal handlers, `enableShutdownHooks()`, raw queries in
//! health checks, `$on('query')` and `$extends` timings, `$use`
//! middleware, and datasource URLs or pool settings set in code. What a
//! name means is decided from the code around it (a method called
//! `onModuleDestroy`, a class whose name holds "health"), without type
//! information: the findings say so. A file with syntax errors is read as
//! far as the parser recovers, and its first error is kept with its line
//! and column. Nothing here follows imports or runs code.

mod reader;

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;

use super::{At, Lines};

/// Everything the lifecycle findings read, over all files.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sources {
    pub parsed: usize,
    /// The first syntax error of each file that has one.
    pub errors: Vec<String>,
    pub clients: Vec<Client>,
    pub disconnects: Vec<Disconnect>,
    /// `app.enableShutdownHooks()`.
    pub shutdown_hooks: Vec<At>,
    pub signals: Vec<Signal>,
    /// `.close()` inside a signal handler or a named function.
    pub closes: Vec<Disconnect>,
    /// Raw queries in a health check, and terminus's Prisma indicator.
    pub health: Vec<(At, String)>,
    pub query_logs: Vec<QueryLog>,
    pub overrides: Vec<Override>,
    pub extensions: Vec<At>,
    pub middleware: Vec<At>,
}

#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub at: At,
    pub shape: Shape,
    pub log: Log,
    /// In the application's own code (under src/ when there is one), not
    /// a seed or a script: the single-instance finding counts these.
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Made once when the module loads.
    ModuleLevel,
    /// Made in a function and kept in module or global state (`prisma ??=`).
    Lazy(String),
    /// A NestJS provider: an `@Injectable()` class that extends PrismaClient
    /// or holds one, or a `useFactory`.
    Provider(String),
    /// A class that extends or holds PrismaClient without being a provider:
    /// one client per `new`.
    PerInstance(String),
    /// Made in a function and kept nowhere: one client per call.
    PerCall(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Log {
    Absent,
    /// A literal list: the same levels everywhere.
    Fixed(String),
    /// An expression decides.
    Chosen(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Disconnect {
    pub at: At,
    /// `onModuleDestroy`, `onApplicationShutdown` or `beforeApplicationShutdown`.
    pub hook: Option<String>,
    /// The signals whose handler this is in.
    pub signals: Vec<String>,
    /// The named functions around it.
    pub functions: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Signal {
    pub at: At,
    pub signal: String,
    /// The handler's name when it is passed by name.
    pub handler: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct QueryLog {
    pub at: At,
    /// The handler compares a duration: slow queries only.
    pub threshold: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Override {
    pub at: At,
    /// `datasources.db.url`, `datasourceUrl`, `PrismaPg connectionString`, `Pool max`.
    pub what: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// A string written in the code.
    Literal(String),
    /// An expression, as written.
    Code(String),
}

pub(crate) const SIGNALS: [&str; 5] = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGUSR2", "beforeExit"];
pub(crate) const NEST_HOOKS: [&str; 3] = ["onModuleDestroy", "onApplicationShutdown", "beforeApplicationShutdown"];
pub(crate) const RAW_QUERIES: [&str; 4] = ["$queryRaw", "$queryRawUnsafe", "$executeRaw", "$executeRawUnsafe"];
/// Words in a function, class or file name that mark a health check.
pub(crate) const HEALTH_WORDS: [&str; 5] = ["health", "ping", "ready", "readiness", "liveness"];
/// Driver adapters and pools whose options hold a URL or pool settings.
pub(crate) const POOLS: [&str; 4] = ["PrismaPg", "Pool", "PrismaNeon", "PrismaPGlite"];
pub(crate) const POOL_SETTINGS: [&str; 4] = ["max", "min", "idleTimeoutMillis", "connectionTimeoutMillis"];

/// Texts a file must hold for any fact above: files without them are not
/// parsed.
pub(crate) const MARKERS: [&str; 9] = [
    "PrismaClient",
    "$disconnect",
    "enableShutdownHooks",
    "$queryRaw",
    "$executeRaw",
    "PrismaHealthIndicator",
    "SIGTERM",
    "SIGINT",
    "PrismaPg",
];

impl Sources {
    /// Reads one file; `counted`: it is the application's own code.
    pub fn read(&mut self, path: &Path, shown: &str, text: &str, counted: bool) {
        let allocator = Allocator::default();
        let source_type = SourceType::from_path(path).unwrap_or_else(|_| SourceType::ts());
        let parsed = Parser::new(&allocator, text, source_type).parse();
        let lines = Lines::new(text);
        if let Some(error) = parsed.errors.first() {
            let offset = error.labels.as_ref().and_then(|l| l.first()).map_or(0, |l| l.offset());
            let (line, column) = lines.line_col(text, offset);
            self.errors.push(format!("{shown}:{line}:{column}: {error}"));
        }
        if parsed.panicked {
            return;
        }
        self.parsed += 1;
        let stem = path.file_stem().map(|s| s.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let file_is_health = HEALTH_WORDS.iter().any(|w| stem.contains(w));
        reader::read(self, &parsed.program, text, lines, shown, file_is_health, counted);
    }
}

#[cfg(test)]
mod tests;
