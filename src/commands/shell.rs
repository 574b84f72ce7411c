//! `ehrdb completions` and `ehrdb man`: a shell's completion script and
//! the manual pages, generated from the command line's clap definition, so
//! they never fall behind it.
//!
//! Takes the shell or the output folder; prints the script or writes one
//! page per visible command (`ehrdb.1`, `ehrdb-validate.1`, ...). The
//! hidden `debug` command gets neither.

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use super::Outcome;
use super::output::{stdout, stdoutln};
use crate::cli::Cli;

pub(super) fn completions_cmd(shell: clap_complete::Shell) -> Result<Outcome> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "ehrdb", &mut script);
    stdout!("{}", String::from_utf8(script).context("the completion script is not UTF-8")?);
    Ok(Outcome::Clean)
}

pub(super) fn man_cmd(out: Option<&Path>) -> Result<Outcome> {
    let mut command = Cli::command();
    command.build();
    let Some(dir) = out else {
        stdout!("{}", render(command)?);
        return Ok(Outcome::Clean);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("ehrdb".to_owned(), command.clone())];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        // clap names commands with static strings; the few pages live
        // until the process ends anyway.
        let name: &'static str = Box::leak(format!("ehrdb-{}", sub.get_name()).into_boxed_str());
        pages.push((name.to_owned(), sub.clone().name(name).version(env!("CARGO_PKG_VERSION"))));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, render(page)?).with_context(|| format!("cannot write {}", path.display()))?;
        stdoutln!("wrote {}", path.display());
    }
    Ok(Outcome::Clean)
}

/// One page in roff.
fn render(command: clap::Command) -> Result<String> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page).context("cannot render the manual page")?;
    String::from_utf8(page).context("the manual page is not UTF-8")
}
