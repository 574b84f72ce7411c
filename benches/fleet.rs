//! `ehrdb apply` of the example's history to a fleet of 50 databases on
//! one server, with `--jobs 1` and `--jobs 8`, side by side in one run.
//!
//! `cargo bench --bench fleet` starts its own PostgreSQL server (a temp
//! folder, 127.0.0.1, a free port; stopped and removed at the end) at the
//! default durability (fsync and synchronous_commit on). Each round makes
//! the 50 databases afresh, takes a CHECKPOINT, and times one `ehrdb apply`
//! process over all of them (50 `--database-url`), once with each job
//! count, the first one changing from round to round; every database is
//! then checked to hold the 6 migrations. The table shows the median and
//! the minimum of each, the time per database, and the speed-up of 8 jobs
//! over 1 (goal: at least 1.7 on two cores). `EHRDB_BENCH_RUNS=N` sets the
//! rounds (default 3).

#[path = "../tests/integration/support/pg/server.rs"]
mod server;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use server::Server;

const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");
const DATABASES: usize = 50;
const JOBS: [u32; 2] = [1, 8];
const GOAL: f64 = 1.7;

fn main() {
    let runs: usize =
        std::env::var("EHRDB_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(3);
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let project = tempfile::Builder::new().prefix("ehrdb-bench-fleet-").tempdir().expect("a temp folder");
    // Each job holds up to three connections (two look for a pooler).
    let server = Server::start("shared_buffers = 64MB\nmax_connections = 60", &[]).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = (0..DATABASES).map(|i| format!("site_{i:02}")).collect();

    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); JOBS.len()];
    for round in 0..=runs {
        eprintln!("round {round} of {runs}{}", if round == 0 { " (warm-up)" } else { "" });
        for i in (0..JOBS.len()).map(|k| (k + round) % JOBS.len()) {
            let script: String = "SET client_min_messages = warning;\n".to_owned()
                + &names
                    .iter()
                    .map(|name| format!("DROP DATABASE IF EXISTS {name};\nCREATE DATABASE {name};\n"))
                    .collect::<String>()
                + "CHECKPOINT;\n";
            server.psql("postgres", &script);
            let mut apply = Command::new(EHRDB);
            apply.args(["apply", "--jobs", &JOBS[i].to_string(), "--migrations"]).arg(&migrations);
            for name in &names {
                apply.arg("--database-url").arg(server.url(name));
            }
            apply.current_dir(project.path()).env_remove("DATABASE_URL");
            let began = Instant::now();
            let output = apply.output().expect("ehrdb runs");
            let took = began.elapsed();
            assert!(
                output.status.success(),
                "ehrdb apply --jobs {}: {}{}",
                JOBS[i],
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            for name in &names {
                assert_eq!(server.psql(name, "SELECT count(*) FROM _ehrdb_migrations").trim(), "6", "{name}");
            }
            eprintln!("  --jobs {}: {took:.2?}", JOBS[i]);
            if round > 0 {
                times[i].push(took);
            }
        }
    }

    println!(
        "\nehrdb apply of the example (6 migrations) to {DATABASES} databases, PostgreSQL {}, {runs} rounds",
        server.version()
    );
    println!("{:<10} {:>10} {:>10} {:>14}", "jobs", "median", "min", "per database");
    let medians: Vec<Duration> = times.iter().map(|t| median(t)).collect();
    for (i, jobs) in JOBS.iter().enumerate() {
        println!(
            "{:<10} {:>10.2?} {:>10.2?} {:>14.1?}",
            format!("--jobs {jobs}"),
            medians[i],
            times[i].iter().min().copied().unwrap_or_default(),
            medians[i] / DATABASES as u32
        );
    }
    let speedup = medians[0].as_secs_f64() / medians[1].as_secs_f64();
    println!(
        "\n--jobs 8 is {speedup:.2}x as fast as --jobs 1 (goal: at least {GOAL}x) on {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}
