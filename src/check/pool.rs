//! The connection pool: what the URL tells Prisma's pool, and whether the
//! server has room for every instance's pool.
//!
//! Prisma's query engine sizes its pool from `connection_limit`, by
//! default the host's physical cores * 2 + 1, and waits `pool_timeout`
//! (10 s by default) for a free connection. The budget check compares
//! instances * pool size with the connections the server gives ordinary
//! roles: max_connections minus superuser_reserved_connections and, from
//! PostgreSQL 16, reserved_connections.
//!
//! A pooler in transaction mode (PgBouncer, Supavisor, Neon's pooler)
//! hands each transaction to whichever server connection is free, which
//! breaks the named prepared statements Prisma 6's query engine keeps per
//! connection unless the URL says `pgbouncer=true`. A pooler looks like
//! PostgreSQL on the wire: PgBouncer answers `SHOW` commands only on its
//! admin console, and passes every query of an ordinary connection to the
//! server, so no query tells it apart. The check goes by hints instead,
//! and says which it saw: the port (6432 is PgBouncer's default, 6543 the
//! transaction-mode port of Supabase's pooler), a host name with
//! `pgbouncer` or `pooler` in it, and PgBouncer's own refusal of a startup
//! option it does not pass on. A server that took the session on another
//! port than the URL's has something in between, pooler or proxy: that is
//! inconclusive, not a failure. The pool mode itself stays unknown.

use super::{Area, Finding, Inputs, Live, Priority, Spec, server};
use crate::db::pooler::Pooler;
use crate::db::url::STARTUP_REFUSAL;

const LIMIT: Spec = Spec {
    id: "pool-connection-limit",
    area: Area::Pool,
    why: "Without connection_limit each instance opens as many connections as its host has cores * 2 + 1, so \
          adding cores or instances can exhaust max_connections and every new request fails with \"too many \
          clients\".",
    fix: "Add connection_limit=<n> to the application's URL, sized so instances * n fits the server's budget (see \
          pool-budget). With Prisma 7 set the pool size where the driver adapter is created (pg.Pool's max).",
};

const TIMEOUT: Spec = Spec {
    id: "pool-timeout",
    area: Area::Pool,
    why: "When the pool is exhausted, requests wait pool_timeout for a connection (10 s by default in Prisma); \
          an explicit value that matches the API's own timeout turns overload into a fast, visible error.",
    fix: "Add pool_timeout=<seconds> to the application's URL, shorter than the API's request timeout.",
};

const BUDGET: Spec = Spec {
    id: "pool-budget",
    area: Area::Pool,
    why: "Every instance's pool can fill up at once (a traffic peak, a slow query); when their sum exceeds what \
          the server allows, requests fail with \"too many clients\" exactly when the system is busiest.",
    fix: "Lower connection_limit, raise max_connections (memory permitting), or put PgBouncer in transaction mode \
          in front of the database (and add pgbouncer=true to the URL).",
};

const USAGE: Spec = Spec {
    id: "pool-usage",
    area: Area::Pool,
    why: "Above 80% of max_connections in use, a deploy (old and new instances overlap) or a burst leaves no \
          room, and the next connection is refused.",
    fix: "Find idle sessions in pg_stat_activity (state = 'idle'), lower the pools' connection_limit, or add a \
          pooler.",
};

const POOLER: Spec = Spec {
    id: "pool-pooler-mode",
    area: Area::Pool,
    why: "A pooler in transaction mode gives each transaction whichever server connection is free; Prisma's query \
          engine prepares named statements on one connection and runs them on the next, which fails under load \
          with errors such as: prepared statement \"s0\" already exists. pgbouncer=true makes Prisma run without \
          them.",
    fix: "Add pgbouncer=true to the application's URL when the pooler runs in transaction mode, and give \
          migrations the direct URL (directUrl). Not needed in session mode, or with PgBouncer 1.21 or later when \
          max_prepared_statements is above 0.",
};

/// Ports that suggest a pooler, and whose.
const POOLER_PORTS: [(u16, &str); 2] =
    [(6432, "PgBouncer's default port"), (6543, "the transaction-mode port of Supabase's pooler")];

/// Prisma's pool size when the URL has no connection_limit.
fn default_pool(cores: u32) -> u32 {
    cores * 2 + 1
}

pub(super) fn the_connection_limit_is_set(inputs: &Inputs) -> Vec<Finding> {
    let Some(target) = &inputs.target else { return vec![LIMIT.skipped("no database URL")] };
    let finding = match target.connection_limit {
        Some(limit) => LIMIT.passed(format!("connection_limit={limit}")),
        None => LIMIT.failed(
            Priority::P1,
            format!(
                "connection_limit is not in the URL: each instance opens up to cores * 2 + 1 connections ({} on a \
                 host like this one)",
                default_pool(inputs.cores)
            ),
        ),
    };
    vec![finding]
}

pub(super) fn the_pool_timeout_is_set(inputs: &Inputs) -> Vec<Finding> {
    let Some(target) = &inputs.target else { return vec![TIMEOUT.skipped("no database URL")] };
    let finding = match target.pool_timeout {
        Some(timeout) if timeout.is_zero() => {
            TIMEOUT.failed(Priority::P2, "pool_timeout=0: requests wait for a connection without limit")
        }
        Some(timeout) => TIMEOUT.passed(format!("pool_timeout={}", timeout.as_secs())),
        None => TIMEOUT.failed(Priority::P2, "pool_timeout is not in the URL: Prisma waits 10 s for a connection"),
    };
    vec![finding]
}

pub(super) fn the_instances_fit_in_max_connections(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![BUDGET.skipped(reason)],
    };
    let settings = match &server.settings {
        Ok(settings) => settings,
        Err(why) => return vec![BUDGET.inconclusive(why.clone(), "")],
    };
    let reserved = settings.superuser_reserved_connections + settings.reserved_connections.unwrap_or(0);
    let available = settings.max_connections - reserved;
    let mut budget = format!(
        "{available} connections for the application (max_connections {} - {reserved} reserved)",
        settings.max_connections
    );
    let (per_instance, assumed) = match inputs.target.as_ref().and_then(|t| t.connection_limit) {
        Some(limit) => (i64::from(limit), String::new()),
        None => {
            let pool = default_pool(inputs.cores);
            (i64::from(pool), format!(" (no connection_limit: Prisma's default, {pool} on a host like this one)"))
        }
    };
    let finding = match inputs.instances {
        Some(instances) => {
            let demand = i64::from(instances) * per_instance;
            budget = format!("{instances} instances x {per_instance} connections{assumed} = {demand}; {budget}");
            if demand > available { BUDGET.failed(Priority::P1, budget) } else { BUDGET.passed(budget) }
        }
        None if per_instance > available => BUDGET.failed(
            Priority::P1,
            format!("one instance alone opens up to {per_instance} connections{assumed}; {budget}"),
        ),
        None => BUDGET.inconclusive(
            "the number of application instances is unknown: give --instances or `instances` in ehrdb.toml",
            format!(
                "{per_instance} connections per instance{assumed}; {budget}: up to {} instances fit",
                available / per_instance.max(1)
            ),
        ),
    };
    vec![finding]
}

pub(super) fn connections_in_use_stay_below_80_percent(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![USAGE.skipped(reason)],
    };
    let (settings, used) = match (&server.settings, &server.client_connections) {
        (Ok(settings), Ok(used)) => (settings, *used),
        (Err(why), _) | (_, Err(why)) => return vec![USAGE.inconclusive(why.clone(), "")],
    };
    let max = settings.max_connections.max(1);
    let seen = format!("{used} of max_connections {max} in use ({}%)", used * 100 / max);
    let finding = if used * 100 > max * 80 { USAGE.failed(Priority::P2, seen) } else { USAGE.passed(seen) };
    vec![finding]
}

pub(super) fn a_transaction_pooler_has_pgbouncer_true(inputs: &Inputs) -> Vec<Finding> {
    let Some(target) = &inputs.target else { return vec![POOLER.skipped("no database URL")] };
    if target.pgbouncer {
        return vec![POOLER.passed("pgbouncer=true is in the URL: Prisma runs without named prepared statements")];
    }
    if inputs.prisma_major >= 7 {
        return vec![POOLER.skipped(
            "Prisma 7 connects through a driver adapter (node-postgres), whose unnamed statements a \
             transaction-mode pooler carries; pgbouncer=true is a setting of Prisma 6's query engine",
        )];
    }
    let (host, port) = (target.host(), target.port());
    // What the connections showed decides; hints only speak when there is
    // no connection to look at.
    if let Live::Connected(server) = &inputs.live {
        match &server.pooler {
            Some(Ok(Pooler::Transaction(seen))) => {
                return vec![POOLER.failed(
                    Priority::P1,
                    format!("a transaction-mode pooler at {host}:{port}: {seen}; pgbouncer=true is not in the URL"),
                )];
            }
            Some(Ok(Pooler::SessionBound { server_port, startup_refused })) => {
                let between = match (startup_refused, server_port) {
                    (true, _) => Some("a pooler that does not pass startup options on (PgBouncer)".to_owned()),
                    (false, Some(server_port)) if *server_port != i32::from(port) => Some(format!(
                        "a pooler or a proxy (the server took the session on port {server_port}, the URL says {port})"
                    )),
                    _ => None,
                };
                let seen = match between {
                    Some(between) => format!(
                        "{between}, which kept each client on one server connection, as a session-mode pooler \
                         does: named prepared statements work"
                    ),
                    None => format!("a direct connection to {host}:{port}: each client kept its own server process"),
                };
                return vec![POOLER.passed(seen)];
            }
            Some(Err(why)) => return vec![POOLER.inconclusive(why.clone(), "")],
            None => {}
        }
    }
    let mut hints = Vec::new();
    if let Some((_, whose)) = POOLER_PORTS.iter().find(|(p, _)| *p == port) {
        hints.push(format!("port {port} is {whose}"));
    }
    let lower = host.to_ascii_lowercase();
    if let Some(word) = ["pgbouncer", "pooler"].into_iter().find(|w| lower.contains(w)) {
        hints.push(format!("the host name {host} contains \"{word}\""));
    }
    if let Live::Unreachable(error) = &inputs.live
        && error.contains(STARTUP_REFUSAL)
    {
        hints.push(format!(
            "the connection was refused with \"{STARTUP_REFUSAL}\", PgBouncer's answer to a startup option"
        ));
    }
    if !hints.is_empty() {
        let seen = format!(
            "a pooler, by these hints (a heuristic: no connection showed the pool mode): {}; pgbouncer=true is not \
             in the URL",
            hints.join("; ")
        );
        return vec![POOLER.failed(Priority::P1, seen)];
    }
    vec![POOLER.passed(format!("no sign of a pooler at {host}:{port} (no connection to look through)"))]
}
