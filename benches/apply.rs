//! `ehrdb apply` and `ehrdb status` against psql, side by side in one run.
//!
//! `cargo bench --bench apply` starts its own PostgreSQL server (a temp
//! folder, 127.0.0.1, a free port; stopped and removed at the end, also
//! when the bench panics) with the default durability settings (fsync and
//! synchronous_commit on) and little shared memory, generates 500 small
//! migrations (a CREATE TABLE of 3 to 5 columns and a CREATE INDEX each,
//! every third one also an ALTER TABLE ADD COLUMN on an older table) with
//! their ehrdb.sum, and times whole processes, each on a fresh database:
//!
//! * `psql`: `psql -X -q --single-transaction -v ON_ERROR_STOP=1 -f` of the
//!   up.sql files concatenated, the yardstick;
//! * `apply`: `ehrdb apply`, one transaction per migration with its history
//!   row;
//! * `apply --single-transaction`: the whole run in one transaction;
//! * `status`: `ehrdb status` on a database with all 500 applied.
//!
//! The three applies take turns within each round (the first one changing
//! from round to round), each after a CHECKPOINT, so they meet the same
//! server state; every result is checked (500 tables, 500 history rows).
//! The table shows the median and the minimum, each median over psql's
//! (`vs psql`, what the goal is read against) and the median of the rounds'
//! own ratios (`by round`, which load from other work disturbs less); the
//! goals are at most 1.5 times psql and `status` under 50 ms.
//! `EHRDB_BENCH_RUNS=N` sets the rounds (default 5; `status` runs ten times
//! as often, at least 20 times).

#[path = "../tests/integration/support/pg/server.rs"]
mod server;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use server::Server;
use std::time::{Duration, Instant};

const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");
const MIGRATIONS: usize = 500;
const GOAL_RATIO: f64 = 1.5;
const GOAL_STATUS: Duration = Duration::from_millis(50);

fn main() {
    let runs: usize =
        std::env::var("EHRDB_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(5);
    let temp = tempfile::Builder::new().prefix("ehrdb-bench-apply-").tempdir().expect("a temp folder");
    let project = temp.path().join("project");
    let migrations = project.join("migrations");
    let script = temp.path().join("all.sql");
    write_migrations(&migrations, &script);
    // Durability stays at its defaults: the bench measures real commits.
    let server = Server::start("shared_buffers = 32MB\nmax_connections = 20", &[]).unwrap_or_else(|e| panic!("{e}"));

    let psql = |db: &str| {
        let mut command = Command::new(server.program("psql"));
        command.args(["-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-f"]).arg(&script);
        command.args(["-h", "127.0.0.1", "-U", "postgres", "-p", &server.port.to_string(), "-d", db]);
        command
    };
    let ehrdb = |command: &str, db: &str, extra: &[&str]| {
        let mut ehrdb = Command::new(EHRDB);
        ehrdb.arg(command).arg("--database-url").arg(server.url(db)).arg("--migrations").arg(&migrations);
        ehrdb.args(extra).current_dir(&project).env_remove("DATABASE_URL");
        ehrdb
    };
    type Case<'a> = (&'a str, Box<dyn Fn(&str) -> Command + 'a>, bool);
    let cases: [Case; 3] = [
        ("psql --single-transaction", Box::new(psql), false),
        ("ehrdb apply", Box::new(|db: &str| ehrdb("apply", db, &[])), true),
        ("ehrdb apply --single-transaction", Box::new(|db: &str| ehrdb("apply", db, &["--single-transaction"])), true),
    ];

    // Round 0 warms the page cache and the server up and is not counted.
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for round in 0..=runs {
        eprintln!("round {round} of {runs}{}", if round == 0 { " (warm-up)" } else { "" });
        // Which case goes first turns from round to round, so none always
        // follows the same one.
        for i in (0..cases.len()).map(|k| (k + round) % cases.len()) {
            let (label, command, history) = &cases[i];
            let db = format!("bench_{round}_{i}");
            server.psql("postgres", &format!("CREATE DATABASE {db}"));
            server.psql("postgres", "CHECKPOINT");
            let elapsed = timed(&mut command(&db));
            eprintln!("  {label}: {}", fmt(elapsed));
            check(&server, &db, *history, label);
            if round > 0 {
                times[i].push(elapsed);
            }
            // The last database of `ehrdb apply` is the one `status` reads.
            if !(round == runs && i == 1) {
                server.psql("postgres", &format!("DROP DATABASE {db}"));
            }
        }
    }
    let status_runs = (runs * 10).max(20);
    eprintln!("status: {status_runs} runs");
    let applied = format!("bench_{runs}_1");
    timed(&mut ehrdb("status", &applied, &[]));
    let status: Vec<Duration> = (0..status_runs).map(|_| timed(&mut ehrdb("status", &applied, &[]))).collect();

    println!("\n{MIGRATIONS} migrations, PostgreSQL {}, fsync and synchronous_commit on", server.version());
    println!("{:<34} {:>5} {:>11} {:>11} {:>9} {:>9}", "case", "runs", "median", "min", "vs psql", "by round");
    println!("{}", "-".repeat(84));
    let psql_median = median(&times[0]);
    let psql_times: Vec<f64> = times[0].iter().map(Duration::as_secs_f64).collect();
    let mut verdicts = Vec::new();
    for ((label, _, _), times) in cases.iter().zip(&times) {
        let ratio = median(times).as_secs_f64() / psql_median.as_secs_f64();
        // Each round's time over psql's in the same round: steadier than
        // the ratio of medians when other work loads the machine unevenly.
        let by_round: Vec<f64> = times.iter().zip(&psql_times).map(|(t, p)| t.as_secs_f64() / p).collect();
        println!(
            "{label:<34} {:>5} {:>11} {:>11} {ratio:>8.2}x {:>8.2}x",
            times.len(),
            fmt(median(times)),
            fmt(min(times)),
            median_f64(by_round)
        );
        if *label != cases[0].0 {
            verdicts.push((
                format!("{label} / psql"),
                format!("{ratio:.2}x"),
                format!("{GOAL_RATIO}x"),
                ratio <= GOAL_RATIO,
            ));
        }
    }
    println!(
        "{:<34} {:>5} {:>11} {:>11} {:>9} {:>9}",
        "ehrdb status",
        status.len(),
        fmt(median(&status)),
        fmt(min(&status)),
        "-",
        "-"
    );
    verdicts.push(("ehrdb status".into(), fmt(median(&status)), fmt(GOAL_STATUS), median(&status) < GOAL_STATUS));
    println!("\ngoals (median):");
    for (what, value, goal, met) in verdicts {
        println!("  {what:<42} {value:>10}  goal <= {goal:<8} {}", if met { "ok" } else { "MISSED" });
    }
}

/// Writes the migration folders, their ehrdb.sum and the concatenated script.
fn write_migrations(dir: &Path, script: &Path) {
    let mut random = Random(0x5eed_1234_abcd_0001);
    let mut all = String::new();
    let mut tables = Vec::new();
    for i in 0..MIGRATIONS {
        let (name, up) = migration(i, &mut random, &mut tables);
        let folder = dir.join(format!("20260101_{:02}{:02}00_{name}", i / 60, i % 60));
        fs::create_dir_all(&folder).expect("a migration folder");
        fs::write(folder.join("up.sql"), &up).expect("writing up.sql");
        all.push_str(&up);
        all.push('\n');
    }
    fs::write(script, all).expect("writing the script");
    let migrations = ehrdb::migrations::load(dir).expect("the generated migrations load");
    ehrdb::migrations::write_sum(dir, &migrations).expect("writing ehrdb.sum");
}

const ENTITIES: [&str; 16] = [
    "theatre_slot",
    "ward_round",
    "vital_sign",
    "drug_chart",
    "consent_form",
    "implant_record",
    "swab_count",
    "anaesthetic_record",
    "pathology_request",
    "imaging_order",
    "referral",
    "allergy",
    "discharge_summary",
    "handover_note",
    "fluid_balance",
    "wound_check",
];

const COLUMNS: [(&str, &str); 10] = [
    ("patient_id", "TEXT NOT NULL"),
    ("recorded_at", "TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP"),
    ("note", "TEXT"),
    ("score", "INTEGER"),
    ("is_active", "BOOLEAN NOT NULL DEFAULT true"),
    ("amount", "DECIMAL(10,2)"),
    ("payload", "JSONB"),
    ("status", "TEXT NOT NULL DEFAULT 'DRAFT'"),
    ("due_on", "DATE"),
    ("created_by", "TEXT NOT NULL"),
];

/// One migration as Prisma Migrate writes them: its name and its up.sql.
fn migration(i: usize, random: &mut Random, tables: &mut Vec<String>) -> (String, String) {
    let table = format!("{}_{i:03}", ENTITIES[random.below(ENTITIES.len())]);
    let mut columns: Vec<(&str, &str)> = Vec::new();
    while columns.len() < 2 + random.below(3) {
        let column = COLUMNS[random.below(COLUMNS.len())];
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    let mut up = format!("-- CreateTable\nCREATE TABLE \"{table}\" (\n    \"id\" TEXT NOT NULL,\n");
    for (name, definition) in &columns {
        up.push_str(&format!("    \"{name}\" {definition},\n"));
    }
    up.push_str(&format!("\n    CONSTRAINT \"{table}_pkey\" PRIMARY KEY (\"id\")\n);\n\n-- CreateIndex\n"));
    let indexed: Vec<&str> = columns.iter().take(1 + random.below(2)).map(|(name, _)| *name).collect();
    let unique = if random.below(5) == 0 { "UNIQUE " } else { "" };
    up.push_str(&format!(
        "CREATE {unique}INDEX \"{table}_{}_{}\" ON \"{table}\"({});\n",
        indexed.join("_"),
        if unique.is_empty() { "idx" } else { "key" },
        indexed.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
    ));
    let mut name = format!("create_{table}");
    if i % 3 == 2 {
        let older = &tables[random.below(tables.len())];
        up.push_str(&format!(
            "\n-- AlterTable\nALTER TABLE \"{older}\" ADD COLUMN \"reviewed_at_{i}\" TIMESTAMP(3);\n"
        ));
        name.push_str("_review_");
        name.push_str(older);
    }
    tables.push(table);
    (name, up)
}

/// xorshift64: the same migrations on every run.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Every migration's table is there, and as many history rows.
fn check(server: &Server, db: &str, history: bool, label: &str) {
    let tables = server.psql(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    let rows = if history {
        server.psql(db, "SELECT count(*) FROM _ehrdb_migrations WHERE state = 'applied'")
    } else {
        "0".into()
    };
    let expected = (MIGRATIONS + usize::from(history)).to_string();
    assert_eq!(tables.trim(), expected, "{label}: tables in public");
    assert_eq!(rows.trim(), if history { MIGRATIONS.to_string() } else { "0".into() }, "{label}: history rows");
}

/// The wall time of a whole process, which must succeed.
fn timed(command: &mut Command) -> Duration {
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    let result = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let elapsed = started.elapsed();
    assert!(
        result.status.success(),
        "{command:?} failed ({}):\n{}",
        result.status,
        String::from_utf8_lossy(&result.stderr)
    );
    elapsed
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    sorted[sorted.len() / 2]
}

fn median_f64(mut values: Vec<f64>) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values[values.len() / 2]
}

fn min(times: &[Duration]) -> Duration {
    times.iter().copied().min().unwrap_or_default()
}

fn fmt(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
