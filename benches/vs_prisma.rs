//! ehrdb against Prisma's own engines, side by side in one run.
//!
//! `cargo bench --bench vs_prisma` times whole processes on the same files,
//! the example schema and synthetic schemas of 1,000 and 5,000 models:
//!
//! * `validate`: `ehrdb validate --schema DIR` against the Prisma oracle's
//!   `validate DIR` (Prisma's validator as WebAssembly on Node);
//! * `sql`: `ehrdb diff --from empty --sql --schema DIR` (parse, merge,
//!   validate, lower, diff, render) against the oracle's `sql DIR` (Prisma's
//!   schema engine, what `prisma migrate diff --from-empty --script` prints).
//!   The two scripts of each schema must do the same job: the bench counts
//!   their CREATE TABLE, CREATE INDEX and FOREIGN KEY statements and prints
//!   a warning line when the counts differ;
//!
//! and prints the medians and how many times faster ehrdb is. Name tables to
//! run only those: `cargo bench --bench vs_prisma -- sql`. The oracle lives
//! in `../shared/tools/prisma-oracle` (or `$ORACLE_SRC`); it is copied to
//! `target/prisma-oracle` and installed there with its `setup.sh`. Without
//! Node or the oracle the bench says so and exits non-zero.
//!
//! `EHRDB_BENCH_RUNS=N` sets the runs per case (default 10, 5 for 5k).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ehrdb::synth;

const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");

/// One comparison: the same job asked of ehrdb and of the oracle.
struct Job {
    name: &'static str,
    /// ehrdb's arguments; the schema folder follows them.
    ehrdb: &'static [&'static str],
    /// The oracle's command; the schema folder follows it.
    oracle: &'static str,
    /// Whether the outputs are SQL scripts whose statements can be counted.
    sql: bool,
}

const JOBS: [Job; 2] = [
    Job { name: "validate", ehrdb: &["validate", "--color", "never", "--schema"], oracle: "validate", sql: false },
    Job {
        name: "sql",
        ehrdb: &["diff", "--from", "empty", "--sql", "--color", "never", "--schema"],
        oracle: "sql",
        sql: true,
    },
];

/// A schema to run every job on.
struct Case {
    label: String,
    dir: PathBuf,
    /// Prisma 7 rejects `url` in the datasource; such a schema is judged as Prisma 6.
    has_url: bool,
    default_runs: usize,
}

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let jobs: Vec<&Job> = JOBS.iter().filter(|job| wanted.is_empty() || wanted.iter().any(|w| w == job.name)).collect();
    let oracle = match install_oracle(manifest) {
        Ok(oracle) => oracle,
        Err(why) => {
            eprintln!("vs_prisma: {why}");
            std::process::exit(2);
        }
    };
    let runs: Option<usize> = std::env::var("EHRDB_BENCH_RUNS").ok().and_then(|v| v.parse().ok());
    let temp = std::env::temp_dir().join(format!("ehrdb-vs-prisma-{}", std::process::id()));
    let example = manifest.join("schema");
    let mut cases = vec![Case { label: "example".into(), has_url: has_url(&example), dir: example, default_runs: 10 }];
    for (label, models, default_runs) in [("synth-1k", 1_000, 10), ("synth-5k", 5_000, 5)] {
        let dir = temp.join(label);
        std::fs::create_dir_all(&dir).expect("a temp folder");
        for (name, text) in synth::generate(models) {
            std::fs::write(dir.join(name), text).expect("writing a synthetic fragment");
        }
        cases.push(Case { label: label.into(), has_url: has_url(&dir), dir, default_runs });
    }

    for job in jobs {
        println!("{:<22} {:>12} {:>12} {:>10}", job.name, "ehrdb", "prisma", "speed-up");
        for case in &cases {
            let runs = runs.unwrap_or(case.default_runs);
            let (ours, our_output) = median(runs, || {
                let mut command = Command::new(EHRDB);
                command.args(job.ehrdb).arg(&case.dir);
                command
            });
            let (theirs, their_output) = median(runs, || {
                let mut command = Command::new("node");
                command.arg(oracle.join("oracle.mjs")).arg(job.oracle).arg(&case.dir);
                if case.has_url {
                    command.env("ORACLE_PRISMA6", "1");
                }
                command
            });
            println!(
                "{:<22} {:>12} {:>12} {:>9.1}x",
                case.label,
                fmt(ours),
                fmt(theirs),
                theirs.as_secs_f64() / ours.as_secs_f64()
            );
            if job.sql {
                let (ours, theirs) = (Statements::count(&our_output), Statements::count(&their_output));
                if ours != theirs {
                    println!("  warning: {}: ehrdb wrote {ours}, prisma {theirs}", case.label);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&temp);
}

/// The statements that show two scripts built the same tables.
#[derive(PartialEq, Eq)]
struct Statements {
    tables: usize,
    indexes: usize,
    foreign_keys: usize,
}

impl Statements {
    fn count(script: &str) -> Statements {
        let mut counts = Statements { tables: 0, indexes: 0, foreign_keys: 0 };
        for line in script.lines() {
            if line.starts_with("CREATE TABLE ") {
                counts.tables += 1;
            } else if line.starts_with("CREATE INDEX ") || line.starts_with("CREATE UNIQUE INDEX ") {
                counts.indexes += 1;
            } else if line.starts_with("ALTER TABLE ") && line.contains(" FOREIGN KEY ") {
                counts.foreign_keys += 1;
            }
        }
        counts
    }
}

impl std::fmt::Display for Statements {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} CREATE TABLE, {} CREATE INDEX, {} FOREIGN KEY", self.tables, self.indexes, self.foreign_keys)
    }
}

/// Median wall time of `runs` runs after one warm-up, and the warm-up's
/// standard output; a failing command is a bug in the bench input and stops
/// the bench.
fn median(runs: usize, command: impl Fn() -> Command) -> (Duration, String) {
    let warm_up = command().stderr(Stdio::null()).output().expect("the command starts");
    assert!(warm_up.status.success(), "{:?} failed: {}", command(), warm_up.status);
    let run = || {
        let started = Instant::now();
        let status = command().stdout(Stdio::null()).stderr(Stdio::null()).status().expect("the command starts");
        assert!(status.success(), "{:?} failed: {status}", command());
        started.elapsed()
    };
    let mut times: Vec<Duration> = (0..runs.max(1)).map(|_| run()).collect();
    times.sort_unstable();
    (times[times.len() / 2], String::from_utf8_lossy(&warm_up.stdout).into_owned())
}

/// Whether a datasource in the folder's fragments sets `url` (Prisma 6 style).
fn has_url(dir: &Path) -> bool {
    let fragments = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    fragments
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "prisma"))
        .any(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let mut in_datasource = false;
            text.lines().map(str::trim).any(|line| {
                if line.starts_with("datasource ") {
                    in_datasource = true;
                } else if line.starts_with('}') {
                    in_datasource = false;
                }
                in_datasource && line.split_once('=').is_some_and(|(key, _)| key.trim() == "url")
            })
        })
}

fn install_oracle(manifest: &Path) -> Result<PathBuf, String> {
    let source = std::env::var_os("ORACLE_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../shared/tools/prisma-oracle"));
    if !source.join("oracle.mjs").is_file() {
        return Err(format!("no Prisma oracle at {} (set ORACLE_SRC)", source.display()));
    }
    let target = manifest.join("target/prisma-oracle");
    std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
    let copied = Command::new("cp").arg("-r").arg(source.join(".")).arg(&target).status();
    if !copied.is_ok_and(|s| s.success()) {
        return Err(format!("cannot copy the oracle to {}", target.display()));
    }
    let _ = Command::new("chmod").args(["-R", "u+w"]).arg(&target).status();
    let setup = Command::new("bash").arg(target.join("setup.sh")).stdout(Stdio::null()).status();
    if !setup.is_ok_and(|s| s.success()) {
        return Err("the oracle's setup.sh failed (Node and npm are needed)".into());
    }
    Ok(target)
}

fn fmt(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
