//! What the database commands print: progress, plans, the status table and
//! its JSON form.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::commands::output::{Lines, out, outln};
use crate::db::apply::Progress;
use crate::db::lock::Holder;
use crate::db::plan::{Entry, State};
use crate::db::prisma::PrismaHistory;
use crate::db::url::Target;
use crate::migrations::{SumError, split};
use crate::text::count;

/// A progress bar on a terminal; one plain line per migration otherwise
/// (CI logs, pipes, and the databases of a fleet, whose lines interleave).
pub struct Bar {
    lines: Lines,
    bar: Option<ProgressBar>,
    verb: &'static str,
    /// The running migration's folder and statement count.
    folder: String,
    statements: usize,
}

impl Bar {
    pub fn new(lines: &Lines, migrations: usize, verb: &'static str) -> Bar {
        let bar = (std::io::stderr().is_terminal() && !lines.is_named()).then(|| {
            let bar = ProgressBar::new(migrations as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} migrations  {msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar
        });
        Bar { lines: lines.clone(), bar, verb, folder: String::new(), statements: 0 }
    }

    pub fn progress(&mut self, progress: Progress) {
        match progress {
            Progress::Started { migration, statements, resume_at } => {
                self.folder = migration.folder();
                self.statements = statements;
                if let Some(at) = resume_at {
                    self.line(format!(
                        "resuming {} at statement {at} of {statements} (the statements before it are committed)",
                        self.folder
                    ));
                }
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{} (0/{statements})", self.folder));
                }
            }
            Progress::Waiting { migration, statement, attempt, retries, pause, holders } => {
                let who = match holders {
                    [] => String::new(),
                    holders => {
                        format!(", held by {}", holders.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
                    }
                };
                self.line(format!(
                    "waiting: statement {statement} of {} gave up waiting for a table lock{who}; the writers queued \
                     behind it go first; try {} of {} in {:.1} s",
                    migration.folder(),
                    attempt + 1,
                    retries + 1,
                    pause.as_secs_f64()
                ));
            }
            Progress::Note { text } => self.line(format!("{}: {text}", self.folder)),
            Progress::Statement { number } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{} ({number}/{})", self.folder, self.statements));
                }
            }
            Progress::Finished { migration, millis } => {
                let line = format!(
                    "{} {} ({}, {millis} ms)",
                    self.verb,
                    migration.folder(),
                    count(self.statements, "statement")
                );
                self.line(line);
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
        }
    }

    fn line(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(crate::secrets::mask(&line)),
            None => outln!(self.lines, "{line}"),
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

pub fn dry_run_apply(lines: &Lines, target: &Target, plan: &[Entry]) {
    if plan.is_empty() {
        outln!(lines, "dry run: nothing to apply; {} is up to date", target.shown);
        return;
    }
    outln!(
        lines,
        "dry run: would apply {} to {} (schema {}); nothing is changed",
        count(plan.len(), "migration"),
        target.shown,
        target.schema
    );
    for entry in plan {
        let migration = entry.migration.expect("planned migrations are on disk");
        let statements = split(&migration.up);
        let resume = match entry.applied {
            Some(row) => format!(", resuming at statement {}", row.statements_done + 1),
            None => String::new(),
        };
        let mode = if migration.no_transaction { ", statement by statement (no transaction)" } else { "" };
        outln!(lines, "\n-- {} ({}{mode}{resume})", migration.folder(), count(statements.len(), "statement"));
        out!(lines, "{}", terminated(&migration.up));
    }
}

pub fn dry_run_rollback(lines: &Lines, target: &Target, plan: &[Entry]) {
    if plan.is_empty() {
        outln!(lines, "dry run: nothing to roll back on {}", target.shown);
        return;
    }
    outln!(
        lines,
        "dry run: would roll back {} on {}; nothing is changed",
        count(plan.len(), "migration"),
        target.shown
    );
    for entry in plan {
        let migration = entry.migration.expect("planned rollbacks are on disk");
        outln!(lines, "\n-- {} (down.sql)", migration.folder());
        out!(lines, "{}", terminated(migration.down.as_deref().unwrap_or_default()));
    }
}

fn terminated(text: &str) -> String {
    if text.ends_with('\n') || text.is_empty() { text.to_owned() } else { format!("{text}\n") }
}

/// The status table, one line per migration, then a summary.
pub fn status(lines: &Lines, target: &Target, entries: &[Entry], sum: Option<&SumError>, holder: Option<&Holder>) {
    outln!(lines, "{} (schema {})", target.shown, target.schema);
    let width = entries.iter().map(|e| e.folder().len()).max().unwrap_or(0);
    for entry in entries {
        let folder = entry.folder();
        let detail = match (entry.state, entry.applied) {
            (State::Applied, Some(row)) => format!("{}  {} ms", row.applied_at, row.execution_ms),
            (State::Modified, _) => entry.change().unwrap_or_default(),
            (State::Missing, Some(row)) => format!("applied {}, not in the migrations folder", row.applied_at),
            (State::Failed, Some(row)) => format!(
                "{} of {} statements committed; {}",
                row.statements_done,
                entry.migration.map_or(0, |m| split(&m.up).len()),
                row.error.as_deref().unwrap_or("failed")
            ),
            (State::Partial, Some(row)) => format!(
                "stopped after {} of {} statements; `ehrdb apply` resumes it",
                row.statements_done,
                entry.migration.map_or(0, |m| split(&m.up).len())
            ),
            (State::RollingBack, Some(row)) => format!(
                "its rollback stopped after {} of {} down.sql statements{}; `ehrdb rollback` finishes it",
                row.statements_done,
                entry.migration.and_then(|m| m.down.as_deref()).map_or(0, |down| split(down).len()),
                row.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
            ),
            _ => String::new(),
        };
        outln!(lines, "  {:<8}  {folder:<width$}  {detail}", entry.state.as_str());
    }
    if let Some(error) = sum {
        outln!(lines, "error: {error}\n  help: {}", error.help());
    }
    if let Some(holder) = holder {
        outln!(lines, "a run holds the migration lock now: {holder}");
    }
    let tally = |state: State| entries.iter().filter(|e| e.state == state).count();
    let mut parts = vec![format!("{} applied", tally(State::Applied)), format!("{} pending", tally(State::Pending))];
    for state in [State::Modified, State::Missing, State::Failed, State::Partial, State::RollingBack] {
        if tally(state) > 0 {
            parts.push(format!("{} {}", tally(state), state.as_str()));
        }
    }
    let verdict = if crate::db::plan::up_to_date(entries) && sum.is_none() { "up to date" } else { "not up to date" };
    outln!(lines, "{}: {verdict}", parts.join(", "));
}

/// `ehrdb status --format json`; its shape is documented in the README.
pub fn status_json(target: &Target, entries: &[Entry], sum: Option<&SumError>, holder: Option<&Holder>) -> Value {
    let migrations: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let row = entry.applied;
            json!({
                "version": entry.version,
                "name": entry.migration.map(|m| m.name.as_str()).or(row.map(|r| r.name.as_str())),
                "state": entry.state,
                "checksum": entry.migration.map(|m| m.checksum.as_str()),
                "applied_checksum": row.map(|r| r.checksum.as_str()),
                "applied_at": row.map(|r| r.applied_at.as_str()),
                "execution_ms": row.map(|r| r.execution_ms),
                "applied_by": row.map(|r| r.applied_by.as_str()),
                "ehrdb_version": row.map(|r| r.ehrdb_version.as_str()),
                "statements_done": row.filter(|r| r.state != crate::db::history::RowState::Applied).map(|r| r.statements_done),
                "error": row.and_then(|r| r.error.as_deref()),
                "detail": entry.change(),
            })
        })
        .collect();
    json!({
        "database": target.shown,
        "schema": target.schema,
        "up_to_date": crate::db::plan::up_to_date(entries) && sum.is_none(),
        "sum": sum.map_or(json!({"ok": true}), |e| json!({"ok": false, "error": e.to_string(), "help": e.help()})),
        "lock_holder": holder.map(|h| json!({"pid": h.pid, "application": h.application, "user": h.user})),
        "migrations": migrations,
    })
}

/// What `_prisma_migrations` holds, and where ehrdb's history could start.
pub fn prisma_history(lines: &Lines, prisma: &PrismaHistory) {
    let applied = prisma.migrations.iter().filter(|m| m.applied()).count();
    let rolled_back = prisma.migrations.iter().filter(|m| m.rolled_back).count();
    let unfinished = prisma.migrations.iter().filter(|m| m.finished_at.is_none() && !m.rolled_back).count();
    outln!(
        lines,
        "this database has _prisma_migrations (prisma migrate's history): {} applied, {rolled_back} rolled back, \
         {unfinished} unfinished",
        count(applied, "migration")
    );
    if unfinished > 0 {
        outln!(
            lines,
            "  warning: an unfinished Prisma migration may have left the schema half-changed; check it first"
        );
    }
    let Some(newest) = prisma.newest_applied() else { return };
    outln!(lines, "  newest applied: {} (finished {})", newest.name, newest.finished_at.as_deref().unwrap_or("?"));
}
