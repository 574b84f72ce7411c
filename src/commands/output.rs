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
