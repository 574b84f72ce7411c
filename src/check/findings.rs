//! The report model of `ehrdb check`: what a finding is (its [`Area`],
//! [`Verdict`] and, when it failed, [`Priority`]), the facts of a check
//! ([`Spec`]) every finding carries, and a run's [`Report`] with its score
//! and [`Grade`]. The checks fill it (`super::CHECKS`) and `report`
//! renders it; nothing here reads a schema or a database.

use super::Live;

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

/// How urgent a failed check is; `P0` sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    P0,
    P1,
    P2,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::P0, Priority::P1, Priority::P2];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Priority::P0 => "critical",
            Priority::P1 => "high",
            Priority::P2 => "medium",
        }
    }

    /// What one finding of this severity takes off the score.
    pub fn penalty(self) -> u32 {
        match self {
            Priority::P0 => 25,
            Priority::P1 => 10,
            Priority::P2 => 3,
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Failed(Priority),
    Passed,
    /// Not run, and why (no connection, nothing to check).
    Skipped(String),
    /// Run, without an answer either way, and why (a catalog the role
    /// cannot read, a number the audit cannot know).
    Inconclusive(String),
}

impl Verdict {
    /// The stable name, as JSON spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Failed(_) => "failed",
            Verdict::Passed => "passed",
            Verdict::Skipped(_) => "skipped",
            Verdict::Inconclusive(_) => "inconclusive",
        }
    }

    pub fn severity(&self) -> Option<Priority> {
        match self {
            Verdict::Failed(severity) => Some(*severity),
            _ => None,
        }
    }

    /// Why a skipped or inconclusive check has no verdict.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Skipped(reason) | Verdict::Inconclusive(reason) => Some(reason),
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
    pub outcome: Verdict,
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
    pub fn finding(&self, outcome: Verdict, seen: impl Into<String>) -> Finding {
        Finding {
            id: self.id,
            area: self.area,
            outcome,
            seen: seen.into(),
            why: self.why.to_owned(),
            fix: self.fix.to_owned(),
        }
    }

    pub fn failed(&self, severity: Priority, seen: impl Into<String>) -> Finding {
        self.finding(Verdict::Failed(severity), seen)
    }

    pub fn passed(&self, seen: impl Into<String>) -> Finding {
        self.finding(Verdict::Passed, seen)
    }

    pub fn skipped(&self, reason: impl Into<String>) -> Finding {
        self.finding(Verdict::Skipped(reason.into()), "")
    }

    pub fn inconclusive(&self, reason: impl Into<String>, seen: impl Into<String>) -> Finding {
        self.finding(Verdict::Inconclusive(reason.into()), seen)
    }
}

impl Finding {
    pub fn with_fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = fix.into();
        self
    }
}

/// The overall mark; `A` sorts first.
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
    pub fn failed(&self, severity: Priority) -> usize {
        self.findings.iter().filter(|f| f.outcome == Verdict::Failed(severity)).count()
    }

    /// Findings with `outcome`'s kind (passed, skipped, inconclusive).
    pub fn with_outcome(&self, outcome: &str) -> usize {
        self.findings.iter().filter(|f| f.outcome.as_str() == outcome).count()
    }

    /// Whether the exit code is 1: a failed finding at `fail_on` or more
    /// severe (`None`: never).
    pub fn fails(&self, fail_on: Option<Priority>) -> bool {
        let Some(fail_on) = fail_on else { return false };
        self.findings.iter().filter_map(|f| f.outcome.severity()).any(|severity| severity <= fail_on)
    }
}

/// 100 minus every failed finding's penalty, never below 0.
pub fn score(findings: &[Finding]) -> u32 {
    let penalty: u32 = findings.iter().filter_map(|f| f.outcome.severity()).map(Priority::penalty).sum();
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
        Some(Priority::P0) => Grade::D,
        Some(Priority::P1) => Grade::B,
        _ => Grade::A,
    };
    by_score.max(cap)
}
