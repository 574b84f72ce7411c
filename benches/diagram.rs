//! `ehrdb diagram` on the example schema, as a whole process.
//!
//! `cargo bench --bench diagram` builds the release binary and times
//! `ehrdb diagram --format svg`, `--format mermaid` and `--format dot` on
//! the example (48 models, 102 relations), output thrown away: one untimed
//! run of each, then `EHRDB_BENCH_RUNS` timed ones (default 21), in turn so
//! a change in the machine's load falls on all three alike. It prints the
//! median and the minimum of each, and exits 1 when the SVG's median misses
//! the goal of 100 ms.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");
const GOAL: Duration = Duration::from_millis(100);
const FORMATS: [&str; 3] = ["svg", "mermaid", "dot"];

fn run(format: &str) -> Duration {
    let started = Instant::now();
    let status = Command::new(EHRDB)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(["diagram", "--format", format])
        .stdout(Stdio::null())
        .status()
        .expect("ehrdb runs");
    let elapsed = started.elapsed();
    assert!(status.success(), "ehrdb diagram --format {format} failed");
    elapsed
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let runs: usize =
        std::env::var("EHRDB_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(21);
    for format in FORMATS {
        run(format);
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); FORMATS.len()];
    for _ in 0..runs {
        for (i, format) in FORMATS.iter().enumerate() {
            times[i].push(run(format));
        }
    }
    println!("ehrdb diagram on the example, {runs} runs each (whole process)");
    println!("{:<10} {:>10} {:>10}", "format", "median", "min");
    let mut medians = Vec::new();
    for (format, mut t) in FORMATS.iter().zip(times) {
        t.sort();
        let median = t[t.len() / 2];
        medians.push(median);
        println!("{format:<10} {:>8.1} ms {:>8.1} ms", ms(median), ms(t[0]));
    }
    if medians[0] > GOAL {
        eprintln!("the SVG's median {:.1} ms misses the goal of {} ms", ms(medians[0]), GOAL.as_millis());
        std::process::exit(1);
    }
}
