//! `ehrdb check`: a production-readiness audit of the schema, the
//! connection settings and a live database.
//!
//! Takes [`Inputs`]: the parsed fragments with their diagnostics and
//! relational model, the merged file on disk, the migrations folder, the
//! parsed URL and what the server answered ([`live::Live`], gathered by the
//! command beforehand). Returns [`Finding`]s, passed ones included, which a
//! [`Report`] scores and grades. Each check is one small function named for
//! what must hold, listed in order in [`CHECKS`]; every check returns at
//! least one finding, so a report always shows what was looked at. Nothing
//! here opens a connection, prints, or changes anything.
//!
//! Severities: P0 critical (fix before the release), P1 high, P2 medium.
//! They are written for production; with [`Env::Development`] every TLS
//! failure counts as P2, since a database on a laptop need not encrypt.
//!
//! Scoring: 100 minus 25 per P0, 10 per P1 and 3 per P2 finding, never
//! below 0. The grade follows the score (A from 90, B from 80, C from 70,
//! D from 60, F below) with two caps: an A needs no P0 and no P1 (one P1
//! grades B at best), and any P0 grades D at best. Skipped and inconclusive
//! findings cost nothing: the report says how many there were instead.

pub mod application;
mod configuration;
mod hba;
mod immutability;
mod indexes;
mod inputs;
mod integrity;
pub mod live;
mod pool;
pub mod probe;
mod replication;
pub mod report;
mod tls;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_live;

pub use inputs::{DEFAULT_STATS_WINDOW_DAYS, Inputs, NO_APPLICATION};
pub(crate) use inputs::{diagnostics_seen, listed};
pub use live::Live;
pub use tls::url_parameter;

/// What a check is about; reports group findings by area, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    Tls,
    Pool,
    Replication,
    Indexes,
    Immutability,
    Integrity,
    Configuration,
    Application,
}

impl Area {
    pub const ALL: [Area; 8] = [
        Area::Tls,
        Area::Pool,
        Area::Replication,
        Area::Indexes,
        Area::Immutability,
        Area::Integrity,
        Area::Configuration,
        Area::Application,
    ];

    /// The stable name, as JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Tls => "tls",
            Area::Pool => "pool",
            Area::Replication => "replication",
            Area::Indexes => "indexes",
            Area::Immutability => "immutability",
            Area::Integrity => "integrity",
            Area::Configuration => "configuration",
            Area::Application => "application",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Area::Tls => "TLS",
            Area::Pool => "Connection pool",
            Area::Replication => "Replication",
            Area::Indexes => "Indexes",
            Area::Immutability => "Immutability",
            Area::Integrity => "Schema and migration integrity",
            Area::Configuration => "Configuration",
            Area::Application => "Application",
        }
    }
}

/// How bad a failed check is; `P0` sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    P0,
    P1,
    P2,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::P0, Severity::P1, Severity::P2];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::P0 => "P0",
            Severity::P1 => "P1",
            Severity::P2 => "P2",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Severity::P0 => "critical",
            Severity::P1 => "high",
            Severity::P2 => "medium",
        }
    }

    /// What one finding of this severity takes off the score.
    pub fn penalty(self) -> u32 {
        match self {
            Severity::P0 => 25,
            Severity::P1 => 10,
            Severity::P2 => 3,
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Failed(Severity),
    Passed,
    /// Not run, and why (no connection, nothing to check).
    Skipped(String),
    /// Run, without an answer either way, and why (a catalog the role
    /// cannot read, a number the audit cannot know).
    Inconclusive(String),
}

impl Outcome {
    /// The stable name, as JSON spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Failed(_) => "failed",
            Outcome::Passed => "passed",
            Outcome::Skipped(_) => "skipped",
            Outcome::Inconclusive(_) => "inconclusive",
        }
    }

    pub fn severity(&self) -> Option<Severity> {
        match self {
            Outcome::Failed(severity) => Some(*severity),
            _ => None,
        }
    }

    /// Why a skipped or inconclusive check has no verdict.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Skipped(reason) | Outcome::Inconclusive(reason) => Some(reason),
            _ => None,
        }
    }
}

/// The environment the database serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    Production,
    Development,
}

impl Env {
    pub fn as_str(self) -> &'static str {
        match self {
            Env::Production => "production",
            Env::Development => "development",
        }
    }
}

/// One result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable kebab-case id, never renamed (scripts and dashboards key on it).
    pub id: &'static str,
    pub area: Area,
    pub outcome: Outcome,
    /// What the check saw; never a password.
    pub seen: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it when it fails.
    pub fix: String,
}

/// A check's fixed facts: its id, area, and the why and fix every finding
/// of it carries (a check may give a more specific fix).
pub(crate) struct Spec {
    pub id: &'static str,
    pub area: Area,
    pub why: &'static str,
    pub fix: &'static str,
}

impl Spec {
    pub fn finding(&self, outcome: Outcome, seen: impl Into<String>) -> Finding {
        Finding {
            id: self.id,
            area: self.area,
            outcome,
            seen: seen.into(),
            why: self.why.to_owned(),
            fix: self.fix.to_owned(),
        }
    }

    pub fn failed(&self, severity: Severity, seen: impl Into<String>) -> Finding {
        self.finding(Outcome::Failed(severity), seen)
    }

    pub fn passed(&self, seen: impl Into<String>) -> Finding {
        self.finding(Outcome::Passed, seen)
    }

    pub fn skipped(&self, reason: impl Into<String>) -> Finding {
        self.finding(Outcome::Skipped(reason.into()), "")
    }

    pub fn inconclusive(&self, reason: impl Into<String>, seen: impl Into<String>) -> Finding {
        self.finding(Outcome::Inconclusive(reason.into()), seen)
    }
}

impl Finding {
    pub fn with_fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = fix.into();
        self
    }
}

/// A check: reads the inputs, returns at least one finding.
pub type Check = fn(&Inputs) -> Vec<Finding>;

/// Every check, in report order: by area, static ones before live ones.
pub const CHECKS: &[Check] = &[
    tls::sslmode_requires_tls,
    tls::the_server_certificate_is_verified,
    tls::the_server_has_ssl_on,
    tls::this_connection_is_encrypted,
    tls::tls_is_at_least_1_2,
    hba::remote_clients_need_tls,
    pool::the_connection_limit_is_set,
    pool::the_pool_timeout_is_set,
    pool::a_transaction_pooler_has_pgbouncer_true,
    pool::the_instances_fit_in_max_connections,
    pool::connections_in_use_stay_below_80_percent,
    replication::no_slot_retains_wal_unread,
    replication::replicas_keep_up,
    replication::replicas_let_reports_finish,
    replication::replicas_carry_the_immutability_triggers,
    indexes::foreign_keys_have_an_index,
    indexes::live_foreign_keys_have_an_index,
    indexes::every_index_is_used,
    indexes::no_two_indexes_are_the_same,
    indexes::every_index_is_valid,
    immutability::the_trigger_function_is_ehrdbs,
    immutability::every_immutable_table_has_its_triggers,
    immutability::no_session_skips_the_triggers,
    immutability::only_marked_tables_have_the_triggers,
    immutability::only_owners_may_add_triggers,
    immutability::the_database_refuses_changes,
    integrity::the_fragments_validate,
    integrity::schema_prisma_matches_the_fragments,
    integrity::ehrdb_sum_matches_the_migrations,
    integrity::every_migration_is_applied,
    integrity::the_database_matches_the_schema,
    configuration::the_datasource_url_holds_no_password,
    configuration::the_generator_has_an_output_path,
    configuration::binary_targets_include_the_deployment,
    configuration::slow_queries_are_logged,
    application::prisma_client_is_generated_before_the_build,
    application::the_build_copies_the_client,
    application::migrations_are_applied_by_deploy,
    application::the_package_has_migration_scripts,
    application::one_client_instance,
    application::the_client_disconnects_on_shutdown,
    application::the_database_has_a_health_check,
    application::queries_are_logged_by_environment,
    application::slow_queries_are_logged_in_the_app,
    application::urls_are_not_set_in_code,
    application::ci_validates_the_schema,
    application::a_pre_commit_hook_validates_the_schema,
    application::the_env_example_documents_the_url,
    application::tests_have_their_own_database,
    application::no_committed_env_file_holds_a_password,
];

/// Runs every check and applies the environment's severities.
pub fn run(inputs: &Inputs, env: Env) -> Vec<Finding> {
    let mut findings: Vec<Finding> = CHECKS.iter().flat_map(|check| check(inputs)).collect();
    if env == Env::Development {
        for finding in findings.iter_mut().filter(|f| f.area == Area::Tls) {
            if let Outcome::Failed(severity) = &mut finding.outcome {
                *severity = Severity::P2;
            }
        }
    }
    findings
}

/// The server's answers, or why a live check cannot run.
pub(crate) fn server<'i>(inputs: &'i Inputs) -> Result<&'i live::Server, &'static str> {
    match &inputs.live {
        Live::Connected(server) => Ok(server),
        Live::NoUrl => Err("no connection"),
        Live::Unreachable(_) => Err("cannot connect to the database"),
    }
}

pub(crate) use crate::text::count;

/// The overall verdict; `A` sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grade {
    A,
    B,
    C,
    D,
    F,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::F => "F",
        }
    }
}

/// How the live checks went, for the report's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    NoUrl,
    /// The URL did not connect: the error, without a password.
    Failed(String),
    /// Connected; the server's version.
    Connected(String),
}

impl Connection {
    pub fn of(live: &Live) -> Connection {
        match live {
            Live::NoUrl => Connection::NoUrl,
            Live::Unreachable(error) => Connection::Failed(error.clone()),
            Live::Connected(server) => Connection::Connected(server.version.clone()),
        }
    }
}

/// Every finding of one run, scored and graded, with what the report's
/// header shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub score: u32,
    pub grade: Grade,
    pub env: Env,
    /// The URL with its password masked; `None` without one.
    pub database: Option<String>,
    pub connection: Connection,
    /// When the check ran, `YYYY-MM-DD HH:MM UTC`.
    pub checked_at: String,
    /// The application folder the application area read; `None` when none.
    pub application: Option<String>,
}

impl Report {
    pub fn new(
        findings: Vec<Finding>,
        env: Env,
        database: Option<String>,
        connection: Connection,
        checked_at: String,
    ) -> Report {
        let score = score(&findings);
        let grade = grade(score, &findings);
        Report { findings, score, grade, env, database, connection, checked_at, application: None }
    }

    /// Failed findings of `severity`.
    pub fn failed(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.outcome == Outcome::Failed(severity)).count()
    }

    /// Findings with `outcome`'s kind (passed, skipped, inconclusive).
    pub fn with_outcome(&self, outcome: &str) -> usize {
        self.findings.iter().filter(|f| f.outcome.as_str() == outcome).count()
    }

    /// Whether the exit code is 1: a failed finding at `fail_on` or more
    /// severe (`None`: never).
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        let Some(fail_on) = fail_on else { return false };
        self.findings.iter().filter_map(|f| f.outcome.severity()).any(|severity| severity <= fail_on)
    }
}

/// 100 minus every failed finding's penalty, never below 0.
pub fn score(findings: &[Finding]) -> u32 {
    let penalty: u32 = findings.iter().filter_map(|f| f.outcome.severity()).map(Severity::penalty).sum();
    100u32.saturating_sub(penalty)
}

/// The grade of `score`, capped: B at best with a P1, D at best with a P0.
pub fn grade(score: u32, findings: &[Finding]) -> Grade {
    let by_score = match score {
        90.. => Grade::A,
        80.. => Grade::B,
        70.. => Grade::C,
        60.. => Grade::D,
        _ => Grade::F,
    };
    let worst = findings.iter().filter_map(|f| f.outcome.severity()).min();
    let cap = match worst {
        Some(Severity::P0) => Grade::D,
        Some(Severity::P1) => Grade::B,
        _ => Grade::A,
    };
    by_score.max(cap)
}
