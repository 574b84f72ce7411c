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
    match ehrdb::run(cli) {
        Ok(ehrdb::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(ehrdb::Outcome::Found) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
