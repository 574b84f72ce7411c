//! The merge pipeline's speed, in process and as a whole process.
//!
//! `cargo bench --bench pipeline` builds the library and the `ehrdb`
//! binary with the bench profile (release settings) and prints one table:
//!
//! * `inproc/...` (in process): `Fragments::from_texts` + `pipeline::check`
//!   (merge, validate) + `merge::render` on texts already in memory (the input is copied
//!   before the clock starts; dropping the result is not timed), for the
//!   example schema in `schema/` and synthetic schemas of 1,000 and 10,000
//!   models from `ehrdb::synth::generate`;
//! * `process/...`: the release binary running
//!   `ehrdb merge --schema DIR --output OUT` on the same schemas, the
//!   synthetic ones written to a fresh folder under the system temp folder
//!   (removed at the end), plus `ehrdb --version` as the cost of starting
//!   a process at all.
//!
//! Each case runs once untimed, then N timed runs; the table shows the
//! median and the minimum, the time per model and, for the synthetic
//! schemas, how the 10k time compares with the 1k time (10x is linear).
//!
//! Run a subset with a filter, matched as a substring of the case name
//! (`inproc/example`, `process/synth-10k`, ...), given as arguments or
//! in `EHRDB_BENCH_FILTER` (comma-separated):
//!
//! ```text
//! cargo bench --bench pipeline -- inproc
//! EHRDB_BENCH_FILTER=example,1k cargo bench --bench pipeline
//! ```
//!
//! `EHRDB_BENCH_RUNS=N` overrides every run count (e.g. 1 for a smoke test).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ehrdb::ast::BlockKind;
use ehrdb::fragments::Fragments;
use ehrdb::{merge, pipeline, synth};

/// The binary that `cargo bench` built alongside this benchmark.
const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");

/// Goals this table is read against.
const GOAL_EXAMPLE_PROCESS: Duration = Duration::from_millis(5);
const GOAL_10K_IN_PROCESS: Duration = Duration::from_millis(300);

type Files = Vec<(String, PathBuf, String)>;

/// One schema to measure.
struct Schema {
    label: &'static str,
    files: Files,
    /// The folder `ehrdb merge --schema` reads.
    dir: PathBuf,
    models: usize,
    bytes: usize,
    runs: usize,
}

struct Row {
    case: String,
    models: usize,
    bytes: usize,
    stats: Stats,
    note: String,
}

#[derive(Clone, Copy)]
struct Stats {
    runs: usize,
    median: Duration,
    min: Duration,
}

impl Stats {
    fn of(mut times: Vec<Duration>) -> Stats {
        times.sort_unstable();
        let n = times.len();
        let median = if n % 2 == 1 { times[n / 2] } else { (times[n / 2 - 1] + times[n / 2]) / 2 };
        Stats { runs: n, median, min: times[0] }
    }
}

fn main() {
    let filters = filters();
    let selected = |case: &str| filters.is_empty() || filters.iter().any(|f| case.contains(f.as_str()));
    let runs_override: Option<usize> =
        std::env::var("EHRDB_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0);

    let temp = TempDir::new();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));

    let total = Instant::now();
    let mut schemas = Vec::new();
    schemas.push(example(&manifest.join("schema"), 20));
    for (label, models, runs) in [("synth-1k", 1_000, 10), ("synth-10k", 10_000, 5)] {
        let wanted = [format!("inproc/{label}"), format!("process/{label}")];
        if wanted.iter().any(|c| selected(c)) {
            let started = Instant::now();
            let schema = synthetic(label, models, runs, &temp.path.join(label));
            eprintln!(
                "generated {label}: {} fragments, {:.2} MB in {}",
                schema.files.len(),
                mb(schema.bytes),
                fmt(started.elapsed())
            );
            schemas.push(schema);
        }
    }
    for schema in &mut schemas {
        if let Some(n) = runs_override {
            schema.runs = n;
        }
    }

    let mut rows = Vec::new();
    for schema in &schemas {
        let case = format!("inproc/{}", schema.label);
        if selected(&case) {
            eprintln!("running {case} ({} runs)", schema.runs);
            let (stats, note) = bench_in_process(schema);
            rows.push(Row { case, models: schema.models, bytes: schema.bytes, stats, note });
        }
    }
    if selected("process/startup") {
        let runs = runs_override.unwrap_or(20);
        eprintln!("running process/startup ({runs} runs)");
        let stats = bench_command(runs, || {
            let mut command = Command::new(EHRDB);
            command.arg("--version").current_dir(&temp.path);
            command
        });
        rows.push(Row { case: "process/startup".into(), models: 0, bytes: 0, stats, note: "`ehrdb --version`".into() });
    }
    for schema in &schemas {
        let case = format!("process/{}", schema.label);
        if selected(&case) {
            eprintln!("running {case} ({} runs)", schema.runs);
            let output = temp.path.join(format!("{}.merged.prisma", schema.label));
            let stats = bench_command(schema.runs, || {
                let mut command = Command::new(EHRDB);
                command
                    .arg("merge")
                    .arg("--schema")
                    .arg(&schema.dir)
                    .arg("--output")
                    .arg(&output)
                    .arg("--color")
                    .arg("never");
                // No ehrdb.toml in the temp folder: flags and defaults only.
                command.current_dir(&temp.path);
                command
            });
            rows.push(Row { case, models: schema.models, bytes: schema.bytes, stats, note: String::new() });
        }
    }

    print_table(&rows);
    print_linearity(&rows);
    print_goals(&rows);
    println!("\nwhole bench: {} (binary: {EHRDB})", fmt(total.elapsed()));
}

/// Filters from the command line (cargo passes `--bench`; flags are
/// skipped) and from `EHRDB_BENCH_FILTER`.
fn filters() -> Vec<String> {
    let mut filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if let Ok(env) = std::env::var("EHRDB_BENCH_FILTER") {
        filters.extend(env.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned));
    }
    filters
}

fn example(dir: &Path, runs: usize) -> Schema {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "prisma"))
        .collect();
    paths.sort();
    let files: Files = paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let name = format!("schema/{}", path.file_name().unwrap().to_string_lossy());
            (name, path, text)
        })
        .collect();
    let bytes = files.iter().map(|(_, _, t)| t.len()).sum();
    let models = count_models(&files);
    Schema { label: "example", files, dir: dir.to_path_buf(), models, bytes, runs }
}

fn synthetic(label: &'static str, models: usize, runs: usize, dir: &Path) -> Schema {
    let generated = synth::generate(models);
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let files: Files = generated
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(&name);
            std::fs::write(&path, &text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            (format!("{label}/{name}"), path, text)
        })
        .collect();
    let bytes = files.iter().map(|(_, _, t)| t.len()).sum();
    Schema { label, files, dir: dir.to_path_buf(), models, bytes, runs }
}

fn count_models(files: &Files) -> usize {
    let fragments = Fragments::from_texts(files.clone());
    fragments.fragments.iter().flat_map(|f| f.ast.blocks()).filter(|b| b.kind == BlockKind::Model).count()
}

/// One parse + merge + validate + render; returns the time and what it found.
fn pipeline_once(files: &Files) -> (Duration, usize, usize) {
    let input = files.clone();
    let start = Instant::now();
    let fragments = Fragments::from_texts(input);
    let checked = pipeline::check(&fragments, None);
    let text = merge::render(&fragments);
    let elapsed = start.elapsed();
    let models = checked.schema.count(BlockKind::Model);
    black_box((&checked.schema, &text));
    (elapsed, checked.diagnostics.errors(), models)
}

fn bench_in_process(schema: &Schema) -> (Stats, String) {
    let (_, errors, models) = pipeline_once(&schema.files); // warm-up
    let note = if errors > 0 { format!("{errors} errors reported") } else { String::new() };
    assert_eq!(models, schema.models, "{}: the merge saw {models} models", schema.label);
    let times = (0..schema.runs).map(|_| pipeline_once(&schema.files).0).collect();
    (Stats::of(times), note)
}

fn bench_command(runs: usize, command: impl Fn() -> Command) -> Stats {
    let once = || {
        let mut command = command();
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let start = Instant::now();
        let output = command.output().unwrap_or_else(|e| panic!("cannot run {EHRDB}: {e}"));
        let elapsed = start.elapsed();
        if !output.status.success() {
            panic!("{command:?} failed ({}):\n{}", output.status, String::from_utf8_lossy(&output.stderr));
        }
        elapsed
    };
    once(); // warm-up: page cache, and the first merge writes the output
    Stats::of((0..runs).map(|_| once()).collect())
}

// ------------------------------------------------------------------ reporting

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<22} {:>7} {:>9} {:>5} {:>11} {:>11} {:>10}  note",
        "case", "models", "size", "runs", "median", "min", "µs/model"
    );
    println!("{}", "-".repeat(84));
    for row in rows {
        let stats = row.stats;
        let size = if row.bytes == 0 { "-".to_owned() } else { format!("{:.2} MB", mb(row.bytes)) };
        let models = if row.models == 0 { "-".to_owned() } else { row.models.to_string() };
        let per_model = if row.models == 0 {
            "-".to_owned()
        } else {
            format!("{:.2}", stats.median.as_secs_f64() * 1e6 / row.models as f64)
        };
        println!(
            "{:<22} {:>7} {:>9} {:>5} {:>11} {:>11} {:>10}  {}",
            row.case,
            models,
            size,
            stats.runs,
            fmt(stats.median),
            fmt(stats.min),
            per_model,
            row.note
        );
    }
}

fn print_linearity(rows: &[Row]) {
    let find = |case: &str| rows.iter().find(|r| r.case == case).map(|r| r.stats);
    let mut printed = false;
    for kind in ["inproc", "process"] {
        if let (Some(small), Some(large)) = (find(&format!("{kind}/synth-1k")), find(&format!("{kind}/synth-10k"))) {
            if !printed {
                println!("\nlinearity (10k time / 1k time, medians; 10.0x is linear):");
                printed = true;
            }
            let ratio = large.median.as_secs_f64() / small.median.as_secs_f64();
            let verdict = match ratio {
                r if r < 12.0 => "linear",
                r if r < 20.0 => "somewhat worse than linear",
                _ => "SUPERLINEAR",
            };
            println!("  {kind:<11} {ratio:>6.1}x  ({verdict})");
        }
    }
}

fn print_goals(rows: &[Row]) {
    let find = |case: &str| rows.iter().find(|r| r.case == case).map(|r| r.stats);
    let mut lines = Vec::new();
    if let Some(stats) = find("process/example") {
        lines.push(("example, whole process", stats.median, GOAL_EXAMPLE_PROCESS));
    }
    if let Some(stats) = find("inproc/synth-10k") {
        lines.push(("10,000 models, parse+merge+validate", stats.median, GOAL_10K_IN_PROCESS));
    }
    if lines.is_empty() {
        return;
    }
    println!("\ngoals (median):");
    for (what, median, goal) in lines {
        let verdict = if median <= goal { "ok" } else { "MISSED" };
        println!("  {what:<30} {:>11}  goal < {:<8} {verdict}", fmt(median), fmt(goal));
    }
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn fmt(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// A fresh folder under the system temp folder, removed on drop (also
/// when a case panics).
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new() -> TempDir {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let path = std::env::temp_dir().join(format!("ehrdb-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
