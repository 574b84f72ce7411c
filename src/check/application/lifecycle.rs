//! Findings on how the application's TypeScript holds Prisma Client: one
//! instance, a disconnect on shutdown, a health check that queries, log
//! levels chosen by environment, slow queries logged, and no datasource
//! URL written in code.
//!
//! They read [`super::typescript::Sources`]: facts gathered from the
//! syntax tree by names and shapes (a method called `onModuleDestroy`, a
//! function registered with `process.on('SIGTERM')`), without type
//! information or imports followed, which each finding's why says. Only
//! the application's own sources count for the single instance: tests,
//! and files outside `src/` when it exists (seeds, scripts), make their
//! own clients on purpose.

use super::typescript::{Client, Disconnect, Log, Shape, Value};
use super::{App, app};
use crate::check::{Area, Finding, Inputs, Priority, Spec, count, listed, server};

const SINGLE: Spec = Spec {
    id: "app-client-single-instance",
    area: Area::Application,
    why: "Every PrismaClient opens its own pool of connection_limit connections. Clients made per request or in \
          several modules multiply the connections per instance until the server refuses new ones (\"too many \
          clients\"), and each pays the connection cost again. ehrdb reads this from the TypeScript syntax tree \
          by names and shapes, without types or imports: a heuristic.",
    fix: "Create one PrismaClient per process: a NestJS provider (PrismaService extends PrismaClient, \
          @Injectable(), in one module) or a module-level singleton, and import it everywhere.",
};

const SHUTDOWN: Spec = Spec {
    id: "app-client-shutdown",
    area: Area::Application,
    why: "On a deploy or a scale-down the orchestrator sends SIGTERM. A client that is not disconnected leaves \
          its connections open on the server until they time out, and queries in flight are cut instead of \
          finished, so rolling deploys exhaust max_connections. NestJS runs onModuleDestroy on SIGTERM only after \
          app.enableShutdownHooks(). ehrdb reads this from the TypeScript syntax tree by names and shapes, \
          without types or imports: a heuristic.",
    fix: "In NestJS: call app.enableShutdownHooks() in main.ts and `await this.$disconnect()` in PrismaService's \
          onModuleDestroy. Elsewhere: process.on('SIGTERM', ...) and process.on('SIGINT', ...) handlers that \
          await prisma.$disconnect() before exiting.",
};

const HEALTH: Spec = Spec {
    id: "app-health-check",
    area: Area::Application,
    why: "A health check that runs a query (SELECT 1) lets the load balancer and the orchestrator take an \
          instance whose database connection is broken out of service, instead of sending patients' requests \
          to it. ehrdb looks for raw queries in functions, classes or files named for health, ping or \
          readiness, and for @nestjs/terminus's PrismaHealthIndicator: a heuristic.",
    fix: "Add a health endpoint that runs `await prisma.$queryRaw`SELECT 1`` (or terminus's \
          PrismaHealthIndicator.pingCheck) and point the readiness probe at it.",
};

const LOGS: Spec = Spec {
    id: "app-client-log-levels",
    area: Area::Application,
    why: "Query logging in production writes every statement with its parameters (patient data) into the logs \
          and slows the service; no logging in development hides what the ORM sends. The levels should follow \
          the environment. ehrdb reads the `log` option from the syntax tree: a heuristic.",
    fix: "Choose the levels by environment: log: process.env.NODE_ENV === 'production' ? ['warn', 'error'] : \
          ['query', 'info', 'warn', 'error'].",
};

const SLOW: Spec = Spec {
    id: "app-slow-query-log",
    area: Area::Application,
    why: "Without a duration threshold, slow queries are either not logged or drowned among all the others; a \
          query that degrades as a table grows is found by users. Either the application logs queries over a \
          threshold ($on('query') with e.duration) or the server does (log_min_duration_statement). The \
          handler is read from the syntax tree: a heuristic.",
    fix: "Log queries over a threshold: log: [{ emit: 'event', level: 'query' }] and prisma.$on('query', e => { \
          if (e.duration > 500) logger.warn(...) }), or set log_min_duration_statement = '500ms' on the server.",
};

const URL_IN_CODE: Spec = Spec {
    id: "app-url-in-code",
    area: Area::Application,
    why: "A datasource URL or pool setting written in code overrides DATABASE_URL and the schema: the URL checks \
          of this report no longer describe what the application uses, and a URL literal with a password is \
          in every clone of the repository. ehrdb reads client and driver-adapter options from the syntax tree: \
          a heuristic.",
    fix: "Take the URL from the environment (env(\"DATABASE_URL\") in the schema, or process.env.DATABASE_URL for \
          a driver adapter), keep pool settings in the URL (connection_limit, pool_timeout), and rotate a \
          password that was committed.",
};

/// The application, or the skipped finding when it has no client to judge.
fn clients<'i>(inputs: &'i Inputs, spec: &Spec) -> Result<(&'i App, Vec<&'i Client>), Vec<Finding>> {
    let app = app(inputs, spec)?;
    let clients: Vec<&Client> = app.sources.clients.iter().collect();
    if clients.is_empty() {
        let errors = match app.sources.errors.len() {
            0 => String::new(),
            n => format!("; {n} files have syntax errors: {}", listed(n, &app.sources.errors[..n.min(2)])),
        };
        return Err(vec![spec.skipped(format!(
            "no TypeScript source of {} constructs PrismaClient ({} with Prisma code parsed{errors})",
            app.dir,
            count(app.sources.parsed, "file")
        ))]);
    }
    Ok((app, clients))
}

fn shape(client: &Client) -> String {
    match &client.shape {
        Shape::ModuleLevel => "made once when its module loads".into(),
        Shape::Lazy(target) => format!("made on first use and kept in `{target}`"),
        Shape::Provider(name) => format!("the NestJS provider `{name}`"),
        Shape::PerInstance(name) => format!("made by every `new {name}()`: `{name}` is not an @Injectable() provider"),
        Shape::PerCall(name) => format!("made on every call of `{name}`"),
    }
}

pub(crate) fn one_client_instance(inputs: &Inputs) -> Vec<Finding> {
    let (app, all) = match clients(inputs, &SINGLE) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    let counted: Vec<&Client> = all.iter().copied().filter(|c| c.counted).collect();
    if counted.is_empty() {
        let places: Vec<String> = all.iter().map(|c| c.at.to_string()).collect();
        return vec![SINGLE.skipped(format!(
            "PrismaClient is made only in tests, seeds or scripts ({})",
            listed(places.len(), &places[..places.len().min(3)])
        ))];
    }
    let each: Vec<String> = counted.iter().map(|c| format!("{} ({})", c.at, shape(c))).collect();
    let per_use = counted.iter().any(|c| matches!(c.shape, Shape::PerCall(_) | Shape::PerInstance(_)));
    let finding = if per_use {
        SINGLE.failed(Priority::P1, format!("a new client, and a new pool, per use: {}", listed(each.len(), &each)))
    } else if counted.len() > 1 {
        SINGLE.failed(
            Priority::P1,
            format!(
                "{} places make a PrismaClient, each with its own pool: {}",
                counted.len(),
                listed(each.len(), &each)
            ),
        )
    } else {
        let sources = &app.sources;
        let extended =
            sources.extensions.first().map(|at| format!("; extended ($extends) at {at}")).unwrap_or_default();
        let middleware =
            sources.middleware.first().map(|at| format!("; middleware ($use) at {at}")).unwrap_or_default();
        SINGLE.passed(format!("one PrismaClient: {}{extended}{middleware}", each[0]))
    };
    vec![finding]
}

pub(crate) fn the_client_disconnects_on_shutdown(inputs: &Inputs) -> Vec<Finding> {
    let (app, _) = match clients(inputs, &SHUTDOWN) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    let sources = &app.sources;
    // A fact inside a handler of `signal`, inline or passed by name.
    let on = |facts: &[Disconnect], signal: &str| -> Option<Disconnect> {
        facts
            .iter()
            .find(|d| {
                d.signals.iter().any(|s| s == signal)
                    || sources
                        .signals
                        .iter()
                        .any(|s| s.signal == signal && s.handler.as_ref().is_some_and(|h| d.functions.contains(h)))
            })
            .cloned()
    };
    let hook = sources.disconnects.iter().find(|d| d.hook.is_some());
    let enabled = sources.shutdown_hooks.first();
    let closes = on(&sources.closes, "SIGTERM");
    let finding = if let Some(direct) = on(&sources.disconnects, "SIGTERM") {
        let sigint = on(&sources.disconnects, "SIGINT").map(|_| " and SIGINT").unwrap_or_default();
        let registered = sources
            .signals
            .iter()
            .find(|s| s.signal == "SIGTERM")
            .map(|s| format!(" (handler registered at {})", s.at));
        SHUTDOWN.passed(format!("{}: $disconnect on SIGTERM{sigint}{}", direct.at, registered.unwrap_or_default()))
    } else if let (Some(hook), Some(trigger)) = (
        hook,
        enabled
            .map(|e| format!("{e} enables NestJS shutdown hooks"))
            .or(closes.map(|c| format!("{} closes the app on SIGTERM", c.at))),
    ) {
        SHUTDOWN.passed(format!(
            "{}: $disconnect in {}, and {trigger}",
            hook.at,
            hook.hook.as_deref().unwrap_or_default()
        ))
    } else if let Some(hook) = hook {
        SHUTDOWN.failed(
            Priority::P1,
            format!(
                "{}: $disconnect in {}, but nothing calls app.enableShutdownHooks(), so NestJS never runs it on \
                 SIGTERM",
                hook.at,
                hook.hook.as_deref().unwrap_or_default()
            ),
        )
    } else if let Some(other) = on(&sources.disconnects, "SIGINT").or_else(|| on(&sources.disconnects, "beforeExit")) {
        SHUTDOWN.failed(
            Priority::P1,
            format!(
                "{}: $disconnect runs on {} only; SIGTERM, which Docker and Kubernetes send, does not disconnect",
                other.at,
                other.signals.first().map_or("SIGINT or beforeExit", String::as_str)
            ),
        )
    } else if let Some(enabled) = enabled {
        SHUTDOWN.failed(
            Priority::P1,
            format!(
                "{enabled} enables NestJS shutdown hooks, but no onModuleDestroy or signal handler calls $disconnect"
            ),
        )
    } else {
        SHUTDOWN.failed(
            Priority::P1,
            format!(
                "no $disconnect on SIGTERM or SIGINT and no app.enableShutdownHooks() in {} with Prisma code",
                count(sources.parsed, "file")
            ),
        )
    };
    vec![finding]
}

pub(crate) fn the_database_has_a_health_check(inputs: &Inputs) -> Vec<Finding> {
    let (app, _) = match clients(inputs, &HEALTH) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    let finding = match app.sources.health.first() {
        Some((at, how)) => HEALTH.passed(format!("{at}: {how}")),
        None => HEALTH.failed(
            Priority::P1,
            "no health check queries the database: no $queryRaw or $executeRaw in a function, class or file named \
             for health, ping or readiness, and no terminus PrismaHealthIndicator",
        ),
    };
    vec![finding]
}

pub(crate) fn queries_are_logged_by_environment(inputs: &Inputs) -> Vec<Finding> {
    let (_, all) = match clients(inputs, &LOGS) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    let counted: Vec<&Client> = all.iter().copied().filter(|c| c.counted).collect();
    let judged = if counted.is_empty() { all } else { counted };
    judged
        .into_iter()
        .map(|client| match &client.log {
            Log::Chosen(text) => LOGS.passed(format!("{}: log: {}", client.at, one_line(text))),
            Log::Fixed(text) => {
                let query = if text.contains("query") {
                    ": every statement, with its parameters, in production too"
                } else {
                    ""
                };
                LOGS.failed(Priority::P2, format!("{}: log: {} in every environment{query}", client.at, one_line(text)))
            }
            Log::Absent => LOGS.failed(
                Priority::P2,
                format!("{}: no log option: the same logging (Prisma's default) in every environment", client.at),
            ),
        })
        .collect()
}

fn one_line(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(100) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

pub(crate) fn slow_queries_are_logged_in_the_app(inputs: &Inputs) -> Vec<Finding> {
    let (app, _) = match clients(inputs, &SLOW) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    let logs = &app.sources.query_logs;
    let server_logs = server(inputs)
        .ok()
        .and_then(|s| s.settings.as_ref().ok())
        .map(|s| s.log_min_duration_statement)
        .filter(|ms| *ms >= 0);
    let finding = if let Some(log) = logs.iter().find(|l| l.threshold) {
        SLOW.passed(format!("{}: queries over a duration threshold are logged", log.at))
    } else if let Some(ms) = server_logs {
        SLOW.passed(format!("the server logs statements slower than {ms} ms (log_min_duration_statement)"))
    } else {
        let server = match server(inputs) {
            Ok(_) => "the server has log_min_duration_statement = -1",
            Err(_) => "the server's log_min_duration_statement is unknown without a connection",
        };
        let seen = match logs.first() {
            Some(log) => format!("{}: $on('query') logs every query with no duration threshold; {server}", log.at),
            None => format!("no $on('query') handler with a duration threshold; {server}"),
        };
        SLOW.failed(Priority::P2, seen)
    };
    vec![finding]
}

pub(crate) fn urls_are_not_set_in_code(inputs: &Inputs) -> Vec<Finding> {
    let app = match app(inputs, &URL_IN_CODE) {
        Ok(app) => app,
        Err(skipped) => return skipped,
    };
    let overrides = &app.sources.overrides;
    if overrides.is_empty() {
        return vec![URL_IN_CODE.passed(format!(
            "no datasource URL or pool setting is set in {} with Prisma code",
            count(app.sources.parsed, "file")
        ))];
    }
    let mut findings = Vec::new();
    let mut in_code = Vec::new();
    for item in overrides {
        match &item.value {
            Value::Literal(text) if text.contains("://") => {
                let shown = crate::secrets::redact(text);
                findings.push(if shown != *text {
                    URL_IN_CODE.failed(
                        Priority::P0,
                        format!("{}: {} is a URL with its password: \"{shown}\"", item.at, item.what),
                    )
                } else {
                    URL_IN_CODE.failed(
                        Priority::P1,
                        format!(
                            "{}: {} is a URL written in the code (\"{shown}\"): every environment gets it",
                            item.at, item.what
                        ),
                    )
                });
            }
            Value::Literal(_) => in_code.push(format!("{}: {} (a string)", item.at, item.what)),
            Value::Code(code) => in_code.push(format!("{}: {} = {}", item.at, item.what, one_line(code))),
        }
    }
    if findings.is_empty() {
        findings.push(URL_IN_CODE.passed(format!(
            "set in code from the environment or a computation (the URL checks read DATABASE_URL, which these may \
             change): {}",
            listed(in_code.len(), &in_code)
        )));
    }
    findings
}
