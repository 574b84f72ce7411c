//! ehrdb against Prisma's own engines, side by side in one run.
//!
//! `cargo bench --bench vs_prisma` times whole processes on the same files:
//!
//! * `validate`: `ehrdb validate --schema DIR` against the Prisma oracle's
//!   `validate DIR` (Prisma's validator as WebAssembly on Node), for the
//!   example schema and synthetic schemas of 1,000 and 5,000 models;
//!
//! and prints the medians and how many times faster ehrdb is. The oracle
//! lives in `../shared/tools/prisma-oracle` (or `$ORACLE_SRC`); it is copied
//! to `target/prisma-oracle` and installed there with its `setup.sh`. Without
//! Node or the oracle the bench says so and exits non-zero.
//!
//! `EHRDB_BENCH_RUNS=N` sets the runs per case (default 10, 5 for 5k).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ehrdb::synth;

const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let oracle = match install_oracle(manifest) {
        Ok(oracle) => oracle,
        Err(why) => {
            eprintln!("vs_prisma: {why}");
            std::process::exit(2);
        }
    };
    let runs: Option<usize> = std::env::var("EHRDB_BENCH_RUNS").ok().and_then(|v| v.parse().ok());
    let temp = std::env::temp_dir().join(format!("ehrdb-vs-prisma-{}", std::process::id()));
    let mut cases: Vec<(String, PathBuf, bool, usize)> = vec![("example".into(), manifest.join("schema"), true, 10)];
    for (label, models, default_runs) in [("synth-1k", 1_000, 10), ("synth-5k", 5_000, 5)] {
        let dir = temp.join(label);
        std::fs::create_dir_all(&dir).expect("a temp folder");
        for (name, text) in synth::generate(models) {
            std::fs::write(dir.join(name), text).expect("writing a synthetic fragment");
        }
        cases.push((label.into(), dir, false, default_runs));
    }

    println!("{:<22} {:>12} {:>12} {:>10}", "validate", "ehrdb", "prisma", "speed-up");
    for (label, dir, has_url, default_runs) in &cases {
        let runs = runs.unwrap_or(*default_runs);
        let ours = median(runs, || {
            let mut command = Command::new(EHRDB);
            command.args(["validate", "--color", "never", "--schema"]).arg(dir);
            command
        });
        let theirs = median(runs, || {
            let mut command = Command::new("node");
            command.arg(oracle.join("oracle.mjs")).arg("validate").arg(dir);
            if *has_url {
                // Prisma 7 rejects `url`; judge the schema as Prisma 6 does.
                command.env("ORACLE_PRISMA6", "1");
            }
            command
        });
        println!(
            "{:<22} {:>12} {:>12} {:>9.1}x",
            label,
            fmt(ours),
            fmt(theirs),
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&temp);
}

/// Median wall time of `runs` runs (after one warm-up); a failing command
/// of ehrdb's is a bug in the bench input and stops the bench.
fn median(runs: usize, command: impl Fn() -> Command) -> Duration {
    let run = || {
        let started = Instant::now();
        let status = command().stdout(Stdio::null()).stderr(Stdio::null()).status().expect("the command starts");
        assert!(status.success(), "{:?} failed: {status}", command());
        started.elapsed()
    };
    run();
    let mut times: Vec<Duration> = (0..runs.max(1)).map(|_| run()).collect();
    times.sort_unstable();
    times[times.len() / 2]
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
