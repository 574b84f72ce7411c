//! The `ehrdb` binary: parse the command line, run, map to an exit code.

use std::process::ExitCode;

use clap::Parser;

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
