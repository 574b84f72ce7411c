//! Everything the command layer prints goes through here.
//!
//! Takes formatted text and writes it to stdout or stderr after
//! [`secrets::mask`] has replaced every secret in it (a URL's password, a
//! secret parameter, a password met earlier in the run), so no message,
//! diff, snippet or report can show one, whichever code path made it.
//! Write errors are ignored: `ehrdb status | head` ends by SIGPIPE before
//! a write fails (see main.rs), and the commands that write to the
//! database must not stop half-way because the reader of their output went.

use std::io::{IsTerminal, Write};

use crate::secrets;

/// Where a line goes.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Out,
    Err,
}

/// Whether `stream` goes to a terminal.
pub fn is_terminal(stream: Stream) -> bool {
    match stream {
        Stream::Out => std::io::stdout().is_terminal(),
        Stream::Err => std::io::stderr().is_terminal(),
    }
}

/// Writes `text`, its secrets masked.
pub fn write(stream: Stream, text: &str) {
    let masked = secrets::mask(text);
    let _ = match stream {
        Stream::Out => std::io::stdout().lock().write_all(masked.as_bytes()),
        Stream::Err => std::io::stderr().lock().write_all(masked.as_bytes()),
    };
}

/// `print!` with the secrets masked.
macro_rules! stdout {
    ($($arg:tt)*) => {
        $crate::commands::output::write($crate::commands::output::Stream::Out, &format!($($arg)*))
    };
}

/// `println!` with the secrets masked.
macro_rules! stdoutln {
    () => {
        $crate::commands::output::write($crate::commands::output::Stream::Out, "\n")
    };
    ($($arg:tt)*) => {
        $crate::commands::output::write($crate::commands::output::Stream::Out, &format!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` with the secrets masked.
macro_rules! stderr {
    ($($arg:tt)*) => {
        $crate::commands::output::write($crate::commands::output::Stream::Err, &format!($($arg)*))
    };
}

/// `eprintln!` with the secrets masked.
macro_rules! stderrln {
    () => {
        $crate::commands::output::write($crate::commands::output::Stream::Err, "\n")
    };
    ($($arg:tt)*) => {
        $crate::commands::output::write($crate::commands::output::Stream::Err, &format!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {stderr, stderrln, stdout, stdoutln};

/// Where a command's lines go: straight out, or, when one run works on
/// several databases at once, each line with its database's name in front
/// so that interleaved lines stay readable.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    prefix: Option<String>,
    /// Every line goes to stderr: stdout is kept for one JSON document.
    quiet_stdout: bool,
}

impl Lines {
    /// Lines for the one database of a run.
    pub fn plain() -> Lines {
        Lines::default()
    }

    /// Lines for one of several databases, marked `[name] `.
    pub fn named(name: &str) -> Lines {
        Lines { prefix: Some(format!("[{name}] ")), quiet_stdout: false }
    }

    /// The same lines, all on stderr.
    pub fn all_on_stderr(mut self) -> Lines {
        self.quiet_stdout = true;
        self
    }

    /// Whether lines are marked; progress bars are then left out.
    pub fn is_named(&self) -> bool {
        self.prefix.is_some()
    }

    pub fn out(&self, text: &str) {
        write(if self.quiet_stdout { Stream::Err } else { Stream::Out }, &self.mark(text));
    }

    pub fn err(&self, text: &str) {
        write(Stream::Err, &self.mark(text));
    }

    fn mark(&self, text: &str) -> String {
        match &self.prefix {
            None => text.to_owned(),
            Some(prefix) => {
                let mut marked = String::with_capacity(text.len() + prefix.len());
                for line in text.split_inclusive('\n') {
                    marked.push_str(prefix);
                    marked.push_str(line);
                }
                marked
            }
        }
    }
}

/// `println!` to a command's [`Lines`].
macro_rules! outln {
    ($lines:expr, $($arg:tt)*) => {
        $lines.out(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` to a command's [`Lines`].
macro_rules! out {
    ($lines:expr, $($arg:tt)*) => {
        $lines.out(&format!($($arg)*))
    };
}

/// `eprintln!` to a command's [`Lines`].
macro_rules! errln {
    ($lines:expr, $($arg:tt)*) => {
        $lines.err(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, out, outln};
