//! Writers' latency while a migration runs on a busy table: ehrdb's
//! lock-safe SQL (`ehrdb apply`) against Prisma's SQL for the same schema
//! edit (the Prisma oracle's `diff`, run with `psql -1`), side by side in
//! one run.
//!
//! `cargo bench --bench live_safety` starts its own PostgreSQL server (a
//! temp folder, 127.0.0.1, a free port; stopped and removed at the end).
//! Each case builds a database from the schema below with `ehrdb apply`,
//! fills `Encounter` with 1,000,000 rows (`EHRDB_BENCH_ROWS` for more), and
//! copies it as a template; each
//! tool then gets a fresh copy, `pgbench` writers (4 clients) update random
//! rows of `Encounter` for the whole run, and after 2 s the migration
//! starts:
//!
//! - `index`: `@@index([patientId])` on `Encounter`;
//! - `foreign-key`: a relation from `Encounter.wardId` to `Ward`;
//! - `column`: a new nullable column while a transaction that read
//!   `Encounter` stays open for 10 s (it starts 1 s before the migration).
//!
//! The table shows the migration's own time and the writers' worst and
//! 99th-percentile latency over the run (pgbench's per-transaction log),
//! for each tool, and ehrdb's figures as fractions of Prisma's, and the
//! writers' latency with no migration at all (the machine's noise). Goal:
//! ehrdb's worst writer latency under 2 s in every case and under a fifth
//! of Prisma's. Needs Node.js and the oracle (`EHRDB_PRISMA_ORACLE`, by
//! default `../shared/tools/prisma-oracle/oracle.mjs` beside the project).

#[path = "../tests/integration/support/pg/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use server::Server;

const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");
/// The rows of `Encounter` (`EHRDB_BENCH_ROWS`, at least a million).
fn rows() -> u32 {
    std::env::var("EHRDB_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).filter(|&n| n >= 1_000_000).unwrap_or(1_000_000)
}
const WRITERS: u32 = 4;

const BEFORE: &str = r#"datasource db {
  provider = "postgresql"
}

model Ward {
  id   Int    @id
  name String
}

model Encounter {
  id        Int      @id @default(autoincrement())
  patientId Int
  wardId    Int
  status    String
  updatedAt DateTime @db.Timestamptz(3)
}
"#;

struct Case {
    name: &'static str,
    edit: fn(&str) -> String,
    /// Seconds a reading transaction holds the table, from 1 s before the
    /// migration.
    reader: u64,
    /// How long the writers run.
    seconds: u64,
}

const CASES: [Case; 3] = [
    Case {
        name: "index",
        edit: |s| {
            s.replace(
                "  updatedAt DateTime @db.Timestamptz(3)\n",
                "  updatedAt DateTime @db.Timestamptz(3)\n\n  @@index([patientId])\n",
            )
        },
        reader: 0,
        seconds: 12,
    },
    Case {
        name: "foreign-key",
        edit: |s| {
            s.replace("  name String\n", "  name       String\n  encounters Encounter[]\n").replace(
                "  updatedAt DateTime @db.Timestamptz(3)\n",
                "  updatedAt DateTime @db.Timestamptz(3)\n  ward      Ward     @relation(fields: [wardId], references: [id])\n",
            )
        },
        reader: 0,
        seconds: 12,
    },
    Case {
        name: "column",
        edit: |s| s.replace("  status    String\n", "  status    String\n  note      String?\n"),
        reader: 10,
        seconds: 20,
    },
];

/// One tool's run of one case.
struct Run {
    migration: Duration,
    worst: Duration,
    p99: Duration,
    transactions: usize,
}

fn main() {
    let oracle = std::env::var_os("EHRDB_PRISMA_ORACLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/prisma-oracle/oracle.mjs"));
    assert!(oracle.is_file(), "the Prisma oracle is not at {} (set EHRDB_PRISMA_ORACLE)", oracle.display());
    let server = Server::start(
        "shared_buffers = 256MB\nmax_connections = 40\nmax_wal_size = 4GB\ncheckpoint_timeout = 30min",
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let pgbench = server.program("pgbench");
    let work = tempfile::Builder::new().prefix("ehrdb-bench-live-").tempdir().expect("a temp folder");

    let mut results = Vec::new();
    for case in &CASES {
        eprintln!("case {}", case.name);
        let project = work.path().join(case.name);
        let after = (case.edit)(BEFORE);
        let prisma_sql = prisma_diff(&oracle, work.path(), &after);
        let template = format!("t_{}", case.name.replace('-', "_"));
        build_template(&server, &project, &template, &after);

        let mut runs = Vec::new();
        // The first case also runs the writers alone: the noise floor.
        let tools: &[&str] = if results.is_empty() { &["ehrdb", "prisma", "none"] } else { &["ehrdb", "prisma"] };
        for &tool in tools {
            let database = format!("{template}_{tool}");
            server.psql("postgres", &format!("CREATE DATABASE {database} TEMPLATE {template} STRATEGY = FILE_COPY"));
            server.psql(&database, "CHECKPOINT");
            let log = work.path().join(format!("{database}-log"));
            std::fs::create_dir_all(&log).unwrap();
            let writers = writers(&server, &pgbench, &database, &log, case.seconds);
            thread::sleep(Duration::from_secs(1));
            let reader = (case.reader > 0).then(|| reader(&server, &database, case.reader));
            thread::sleep(Duration::from_secs(1));
            let began = Instant::now();
            let output = match tool {
                "none" => Command::new("true").output(),
                "ehrdb" => Command::new(EHRDB)
                    .args(["apply", "--database-url", &server.url(&database)])
                    .current_dir(&project)
                    .env_remove("DATABASE_URL")
                    .output(),
                _ => Command::new(server.program("psql"))
                    .args(["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", &server.url(&database), "-c", &prisma_sql])
                    .output(),
            }
            .expect("the migration runs");
            let migration = began.elapsed();
            assert!(
                output.status.success(),
                "{tool} on {}: {}{}",
                case.name,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let finished = writers.wait_with_output().expect("pgbench runs");
            assert!(finished.status.success(), "pgbench: {}", String::from_utf8_lossy(&finished.stderr));
            if let Some(reader) = reader {
                reader.join().expect("the reader finishes");
            }
            let run = latencies(&log, migration);
            eprintln!(
                "  {tool}: migration {:.2?}, worst {:.2?}, p99 {:.2?} over {} updates",
                run.migration, run.worst, run.p99, run.transactions
            );
            runs.push(run);
        }
        results.push((case.name, runs));
    }

    println!(
        "\nWriters ({WRITERS} pgbench clients updating random rows of {} in \"Encounter\") while a migration runs, \
         PostgreSQL {}",
        rows(),
        server.version()
    );
    println!(
        "{:<12} {:<7} {:>10} {:>10} {:>10} {:>9}   {:>14} {:>10}",
        "case", "tool", "migration", "worst", "p99", "updates", "worst ehrdb/P", "p99 ehrdb/P"
    );
    let mut met = true;
    let mut floor = None;
    for (name, runs) in &results {
        let (ehrdb, prisma) = (&runs[0], &runs[1]);
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        for (tool, run) in [("ehrdb", ehrdb), ("prisma", prisma)] {
            let ratios = if tool == "ehrdb" {
                format!("{:>14.3} {:>10.3}", ratio(ehrdb.worst, prisma.worst), ratio(ehrdb.p99, prisma.p99))
            } else {
                String::new()
            };
            println!(
                "{name:<12} {tool:<7} {:>10.2?} {:>10.2?} {:>10.2?} {:>9}   {ratios}",
                run.migration, run.worst, run.p99, run.transactions
            );
        }
        met &= ehrdb.worst < Duration::from_secs(2) && ratio(ehrdb.worst, prisma.worst) < 0.2;
        if let Some(alone) = runs.get(2) {
            floor = Some(alone);
        }
    }
    if let Some(alone) = floor {
        println!(
            "the writers alone, without a migration: worst {:.2?}, p99 {:.2?} over {} updates",
            alone.worst, alone.p99, alone.transactions
        );
    }
    println!(
        "\ngoal (ehrdb's worst writer latency under 2 s and under a fifth of Prisma's in every case): {}",
        if met { "met" } else { "NOT met" }
    );
}

/// Prisma's SQL from `BEFORE` to `after`, from the oracle.
fn prisma_diff(oracle: &Path, work: &Path, after: &str) -> String {
    let (from, to) = (work.join("before.prisma"), work.join("after.prisma"));
    std::fs::write(&from, BEFORE).unwrap();
    std::fs::write(&to, after).unwrap();
    let output = Command::new("node")
        .arg(oracle)
        .args(["diff", "--from"])
        .arg(&from)
        .arg("--to")
        .arg(&to)
        .output()
        .expect("node runs");
    assert!(output.status.success(), "the oracle's diff: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 SQL")
}

/// An ehrdb project at `project` with the migration from `BEFORE` to
/// `after`, and the database `template` holding `BEFORE` (applied by ehrdb)
/// and its rows.
fn build_template(server: &Server, project: &Path, template: &str, after: &str) {
    std::fs::create_dir_all(project.join("schema")).unwrap();
    std::fs::write(project.join("schema/main.prisma"), BEFORE).unwrap();
    ehrdb(project, &["migrate", "init"]);
    server.psql("postgres", &format!("CREATE DATABASE {template}"));
    ehrdb(project, &["apply", "--database-url", &server.url(template)]);
    server.psql(
        template,
        &format!(
            "INSERT INTO \"Ward\" SELECT g, 'ward ' || g FROM generate_series(1, 40) g;
             INSERT INTO \"Encounter\" (\"patientId\", \"wardId\", status, \"updatedAt\")
               SELECT g % 50000, g % 40 + 1, 'open', now() FROM generate_series(1, {}) g;
             VACUUM ANALYZE;",
            rows()
        ),
    );
    std::fs::write(project.join("schema/main.prisma"), after).unwrap();
    ehrdb(project, &["migrate", "change", "--allow-destructive"]);
}

fn ehrdb(project: &Path, args: &[&str]) {
    let output =
        Command::new(EHRDB).args(args).current_dir(project).env_remove("DATABASE_URL").output().expect("ehrdb runs");
    assert!(
        output.status.success(),
        "ehrdb {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `pgbench` clients updating random rows for `seconds`, each transaction
/// logged under `log`.
fn writers(server: &Server, pgbench: &Path, database: &str, log: &Path, seconds: u64) -> Child {
    let script = log.join("update.sql");
    std::fs::write(
        &script,
        format!("\\set id random(1, {})\nUPDATE \"Encounter\" SET \"updatedAt\" = now() WHERE id = :id;\n", rows()),
    )
    .unwrap();
    Command::new(pgbench)
        .args(["-n", "-c", &WRITERS.to_string(), "-j", "2", "-T", &seconds.to_string(), "-l"])
        .arg(format!("--log-prefix={}", log.join("tx").display()))
        .arg("-f")
        .arg(&script)
        .arg(server.url(database))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pgbench starts")
}

/// A transaction that reads `Encounter` and stays open for `seconds`.
fn reader(server: &Server, database: &str, seconds: u64) -> thread::JoinHandle<()> {
    let (psql, url) = (server.program("psql"), server.url(database));
    thread::spawn(move || {
        let sql =
            format!("BEGIN; SELECT count(*) FROM \"Encounter\" WHERE id < 10; SELECT pg_sleep({seconds}); COMMIT;");
        let status = Command::new(psql).args(["-X", "-q", "-d", &url, "-c", &sql]).stdout(Stdio::null()).status();
        assert!(status.is_ok_and(|s| s.success()), "the reading transaction failed");
    })
}

/// The writers' latencies from pgbench's per-transaction logs (the third
/// field is the transaction's time in microseconds).
fn latencies(log: &Path, migration: Duration) -> Run {
    let mut times: Vec<u64> = Vec::new();
    for entry in std::fs::read_dir(log).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_string_lossy().starts_with("tx") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        times.extend(text.lines().filter_map(|line| line.split_whitespace().nth(2)?.parse::<u64>().ok()));
    }
    assert!(!times.is_empty(), "pgbench logged no transaction in {}", log.display());
    times.sort_unstable();
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    Run {
        migration,
        worst: Duration::from_micros(*times.last().unwrap()),
        p99: Duration::from_micros(p99),
        transactions: times.len(),
    }
}
