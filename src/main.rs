//! The `ehrdb` binary: parse the command line, run, map to an exit code.

use std::process::ExitCode;

use clap::Parser;

// A large schema allocates a tree of millions of small nodes from several
// threads; mimalloc serves that with far fewer system calls than the
// system allocator (measured in benches/pipeline.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = ehrdb::cli::Cli::parse();
    use ehrdb::cli::Command;
    // `ehrdb status | head` should end quietly, as other Unix tools do,
    // not panic on the closed pipe. Commands that write to the database
    // keep going instead, so a closed pipe cannot stop a run mid-way.
    if !matches!(cli.command, Command::Apply(_) | Command::Rollback(_) | Command::Baseline(_)) {
        // SAFETY: called before any other thread exists; restores the
        // default action that Rust's runtime replaced with "ignore".
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match ehrdb::run(cli) {
        Ok(ehrdb::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(ehrdb::Outcome::Found) => ExitCode::from(1),
        Err(error) => {
            // The command layer masks what it prints; an error is masked too.
            eprintln!("error: {}", ehrdb::secrets::mask(&format!("{error:#}")));
            ExitCode::from(2)
        }
    }
}
