//! `ehrdb check`: reads the schema, the merged file, the migrations and
//! the URL, asks the server what the live checks need, runs every check
//! and prints the report; for a fleet (several `--database-url`, or
//! `[targets]` in ehrdb.toml), one report per database, the servers asked
//! at most `--jobs` at a time.
//!
//! Exit codes: 0 when no finding at or above `--fail-on` failed, 1 when
//! one did, 2 when ehrdb cannot run the audit at all (an unreadable schema
//! folder or configuration, a URL it cannot parse). A database that does
//! not answer is not exit 2: its checks are skipped, the report says why,
//! and the static findings decide the exit code, since a DBA still wants
//! them.

use std::path::Path;
use std::time::SystemTime;

use anyhow::{Result, bail};
use futures_util::stream::{self, StreamExt};

use super::database::{Wants, databases};
use super::output::{Stream, stderrln, stdout, stdoutln};
use super::{Outcome, Session, load, replica_targets, too_many_warnings};
use crate::check::live::replication::Replica;
use crate::check::{self, Connection, Env, Inputs, Live, Priority, Report, report};
use crate::cli::{self, CheckFormat, Environment, FailOn};
use crate::db::pooler::Pooler;
use crate::db::url::Target;
use crate::diagnostics::ci::{self, Place};
use crate::levels::IgnoredCheck;
use crate::migrations;

pub(super) fn check_cmd(ctx: &Session, args: cli::CheckArgs) -> Result<Outcome> {
    if args.summary && !matches!(args.format, CheckFormat::Human | CheckFormat::Json) {
        bail!("--summary is for --format human or json");
    }
    let config = ctx.config_with_migrations(&args.schema, args.migrations.as_deref())?;
    let fragments = load(&config.schema_dir)?;
    let mut inputs = Inputs::new(fragments, config.prisma_version);
    config.levels.apply_allows_only(&mut inputs.diagnostics);
    inputs.merged_path = config.output.clone();
    inputs.merged_on_disk = crate::input::read_text_if_exists(&config.output)?;
    match migrations::load(&config.migrations_dir) {
        Ok(loaded) => {
            inputs.sum = migrations::verify(&config.migrations_dir, &loaded);
            inputs.migrations = Ok(loaded);
        }
        // A folder named on the command line must be readable; a missing
        // or broken default one is what the integrity findings report.
        Err(error) if args.migrations.is_some() => return Err(error),
        Err(error) => inputs.migrations = Err(format!("{error:#}")),
    }
    inputs.instances = args.instances.or(config.instances);
    inputs.binary_target = args.binary_target.clone().or(config.binary_target.clone());
    inputs.cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    inputs.stats_window_days = args.stats_window;
    let app_dir = check::application::find(args.app.as_deref().or(config.app.as_deref()), &config.schema_dir)?;
    if let Some(dir) = &app_dir {
        inputs.application = Ok(Box::new(check::application::read(dir)?));
    }

    // Prisma resolves certificate paths from the folder of schema.prisma.
    let base = config.output.parent().map(Path::to_path_buf).unwrap_or_default();
    let replicas = replica_targets(&args.replicas, &config, &base)?;
    let databases = databases(&args.database_url, Wants::Queries, &config, &base)?.unwrap_or_default();
    if databases.len() > 1 && !replicas.is_empty() {
        bail!("--replica names the replicas of one database: check one --database-url with its replicas");
    }
    let env = match args.env {
        Environment::Production => Env::Production,
        Environment::Development => Env::Development,
    };
    let fail_on = match args.fail_on {
        FailOn::P0 => Some(Priority::P0),
        FailOn::P1 => Some(Priority::P1),
        FailOn::P2 => Some(Priority::P2),
        FailOn::None => None,
    };
    // Every database is asked at once (at most --jobs at a time); the
    // checks then run on each one's answers in turn.
    let runtime = crate::db::runtime()?;
    let lowered = inputs.lowered.as_ref();
    let answers: Vec<(Live, Vec<Replica>)> = runtime.block_on(async {
        stream::iter(&databases)
            .map(|database| async {
                let live = live(&database.target, lowered, args.probe).await;
                let replicas = ask_replicas(&database.target, &live, lowered, &replicas).await;
                (live, replicas)
            })
            .buffered(args.jobs as usize)
            .collect()
            .await
    });
    let place = datasource_place(&inputs);
    if databases.is_empty() {
        let report = report_of(&mut inputs, env, &config.check_ignore)?;
        print(ctx, &args, &[(None, &report)], fail_on, &place)?;
        let too_many = too_many_warnings(report::ci::warnings(&report, fail_on), args.max_warnings);
        return Ok(if report.fails(fail_on) || too_many { Outcome::Found } else { Outcome::Clean });
    }
    let mut reports = Vec::new();
    for (database, (live, replicas)) in databases.into_iter().zip(answers) {
        inputs.sslmode_text = check::url_parameter(&database.url, "sslmode");
        inputs.sslaccept_text = check::url_parameter(&database.url, "sslaccept");
        inputs.live = live;
        inputs.replicas = replicas;
        inputs.target = Some(database.target);
        reports.push((database.name, report_of(&mut inputs, env, &config.check_ignore)?));
    }
    let named: Vec<(Option<&str>, &Report)> = match reports.as_slice() {
        [(_, report)] => vec![(None, report)],
        several => several.iter().map(|(name, report)| (Some(name.as_str()), report)).collect(),
    };
    print(ctx, &args, &named, fail_on, &place)?;
    let warnings = reports.iter().map(|(_, report)| report::ci::warnings(report, fail_on)).sum();
    let too_many = too_many_warnings(warnings, args.max_warnings);
    let failed = reports.iter().any(|(_, report)| report.fails(fail_on));
    Ok(if failed || too_many { Outcome::Found } else { Outcome::Clean })
}

/// The checks' verdicts on the inputs as they stand.
fn report_of(inputs: &mut Inputs, env: Env, ignored: &[IgnoredCheck]) -> Result<Report> {
    let mut findings = check::run(inputs, env);
    for note in ignore(&mut findings, ignored)? {
        stderrln!("{note}");
    }
    let database = inputs.target.as_ref().map(|t| t.shown.clone());
    let mut report = Report::new(findings, env, database, Connection::of(&inputs.live), now()?);
    report.application = inputs.application.as_ref().ok().map(|app| app.dir.clone());
    Ok(report)
}

/// Prints one report, or several with their database's name: a heading
/// each (human, Markdown) or one JSON document that lists them.
fn print(
    ctx: &Session,
    args: &cli::CheckArgs,
    reports: &[(Option<&str>, &Report)],
    fail_on: Option<Priority>,
    place: &Place,
) -> Result<()> {
    if matches!(args.format, CheckFormat::Sarif | CheckFormat::Github) {
        let results: Vec<_> =
            reports.iter().flat_map(|(name, report)| report::ci::results(report, fail_on, place, *name)).collect();
        match args.format {
            CheckFormat::Sarif => stdoutln!("{}", serde_json::to_string_pretty(&ci::sarif(&results))?),
            _ => stdout!("{}", ci::github(&results)),
        }
        return Ok(());
    }
    if args.summary {
        if let (CheckFormat::Json, [_, _, ..]) = (args.format, reports) {
            let targets: Vec<serde_json::Value> = reports
                .iter()
                .map(|(name, report)| serde_json::json!({ "name": name, "report": report::ci::summary_json(report, fail_on) }))
                .collect();
            let failed = reports.iter().any(|(_, report)| report.fails(fail_on));
            let all = serde_json::json!({ "version": 1, "failed": failed, "targets": targets });
            stdoutln!("{}", serde_json::to_string_pretty(&all)?);
            return Ok(());
        }
        for (name, report) in reports {
            match args.format {
                CheckFormat::Json => {
                    stdoutln!("{}", serde_json::to_string_pretty(&report::ci::summary_json(report, fail_on))?)
                }
                _ => {
                    if let Some(name) = name {
                        stdoutln!("==> {name}");
                    }
                    stdout!("{}", report::ci::summary_text(report));
                }
            }
        }
        return Ok(());
    }
    if let (CheckFormat::Json, [_, _, ..]) = (args.format, reports) {
        let targets: Vec<serde_json::Value> = reports
            .iter()
            .map(|(name, report)| serde_json::json!({ "name": name, "report": report::json(report, fail_on) }))
            .collect();
        let failed = reports.iter().any(|(_, report)| report.fails(fail_on));
        stdoutln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "version": 1, "failed": failed, "targets": targets }))?
        );
        return Ok(());
    }
    for (name, report) in reports {
        if let Some(name) = name {
            match args.format {
                CheckFormat::Markdown => stdoutln!("<!-- ehrdb check: {name} -->"),
                _ => stdoutln!("==> {name}"),
            }
        }
        match args.format {
            CheckFormat::Human => stdout!("{}", report::human(report, ctx.color(Stream::Out))),
            CheckFormat::Json => stdoutln!("{}", serde_json::to_string_pretty(&report::json(report, fail_on))?),
            CheckFormat::Markdown => stdout!("{}", report::markdown(report)),
            CheckFormat::Sarif | CheckFormat::Github => unreachable!("printed above"),
        }
        if name.is_some() {
            stdoutln!();
        }
    }
    Ok(())
}

/// The replicas' answers, measured against the primary's WAL position.
async fn ask_replicas(
    target: &Target,
    live: &Live,
    lowered: Option<&crate::sql::SqlSchema>,
    replicas: &[Target],
) -> Vec<Replica> {
    let primary_lsn = match live {
        Live::Connected(server) => server.replication.as_ref().ok().and_then(|r| r.current_lsn.clone()),
        _ => None,
    };
    let namespaces = check::live::namespaces(&target.schema, lowered);
    let mut answers = Vec::new();
    for replica in replicas {
        let facts = async {
            let mut conn = replica.connect("ehrdb check").await?;
            check::live::replication::replica(&mut conn, &target.schema, &namespaces, primary_lsn.as_deref())
                .await
                .map_err(anyhow::Error::msg)
        }
        .await;
        answers.push(Replica { shown: replica.shown.clone(), facts: facts.map_err(|e| format!("{e:#}")) });
    }
    answers
}

/// Connects and gathers the server's answers, then probes the immutable
/// tables when asked; a failure is a report line, not an error.
async fn live(target: &Target, lowered: Option<&crate::sql::SqlSchema>, probe: bool) -> Live {
    let mut conn = match target.connect("ehrdb check").await {
        Ok(conn) => conn,
        Err(error) => return Live::Unreachable(format!("{error:#}")),
    };
    let mut server = match check::live::gather(&mut conn, &target.schema, lowered).await {
        Ok(server) => server,
        Err(error) => return Live::Unreachable(format!("{error:#}")),
    };
    let pooler = crate::db::pooler::detect(target, "ehrdb check").await.map_err(|e| format!("{e:#}"));
    if let (true, Some(lowered)) = (probe, lowered) {
        server.immutability.probe = Some(match (&server.catalog, &pooler) {
            // The probe's transaction would be carried, but a pooler hands
            // it to whichever server connection is free: ask the server itself.
            (_, Ok(Pooler::Transaction(seen))) => Err(format!(
                "not tried through a transaction-mode pooler ({seen}): run `ehrdb check --probe` with the direct URL"
            )),
            (Ok(catalog), _) => check::probe::run(&mut conn, lowered, catalog).await,
            (Err(why), _) => Err(format!("the catalog cannot be read: {why}")),
        });
    }
    server.pooler = Some(pooler);
    Live::Connected(Box::new(server))
}

/// The current time as `YYYY-MM-DD HH:MM UTC`, from the migration folder
/// clock so the calendar arithmetic lives in one place.
fn now() -> Result<String> {
    let folder = migrations::folder_name(SystemTime::now(), "check")?;
    let (date, time) = (&folder[..8], &folder[9..13]);
    Ok(format!("{}-{}-{} {}:{} UTC", &date[..4], &date[4..6], &date[6..], &time[..2], &time[2..]))
}

/// Applies `[check.ignore]`: a failed or inconclusive finding of an
/// ignored check becomes skipped, with the reason. Returns a note for each
/// ignored check that passed (the entry can go); an id no check has is an
/// error, placed in ehrdb.toml, with the closest id.
fn ignore(findings: &mut [check::Finding], ignored: &[IgnoredCheck]) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    for entry in ignored {
        if !findings.iter().any(|f| f.id == entry.id) {
            let ids = findings.iter().map(|f| f.id);
            match crate::text::closest(&entry.id, ids) {
                Some(near) => bail!("{}: `{}` is not a check: did you mean {near}?", entry.place, entry.id),
                None => {
                    bail!("{}: `{}` is not a check (`ehrdb check --format json` lists the ids)", entry.place, entry.id)
                }
            }
        }
        let mut passed = true;
        for finding in findings.iter_mut().filter(|f| f.id == entry.id) {
            if matches!(finding.outcome, check::Verdict::Failed(_) | check::Verdict::Inconclusive(_)) {
                finding.outcome = check::Verdict::Skipped(format!("ignored in ehrdb.toml: {}", entry.reason));
                passed = false;
            } else if !matches!(finding.outcome, check::Verdict::Passed) {
                passed = false;
            }
        }
        if passed {
            notes.push(format!("note: {}: `{}` is ignored, but it passed: the entry can go", entry.place, entry.id));
        }
    }
    Ok(notes)
}

/// Where CI shows the audit's findings: the schema's datasource block, else
/// the first line of the first fragment.
fn datasource_place(inputs: &Inputs) -> Place {
    let sources = &inputs.fragments.sources;
    match inputs.schema.datasource {
        Some(block) => {
            let file = sources.get(block.span.file);
            let (line, column) = file.line_col(block.span.start as usize);
            Place { file: file.path.clone(), line, column, end: Some(file.line_col(block.span.end as usize)) }
        }
        None => {
            let file = inputs.fragments.fragments.first().map(|f| sources.get(f.ast.file).path.clone());
            Place {
                file: file.unwrap_or_else(|| inputs.merged_path.display().to_string()),
                line: 1,
                column: 1,
                end: None,
            }
        }
    }
}
