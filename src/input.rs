//! Reading the files ehrdb is given: fragments, migration files,
//! `ehrdb.toml`, `.env`, a merged schema.
//!
//! Takes a path and returns its text, or an error that names the path and
//! says what is wrong with it. Only regular files are read (a symlink to
//! one is followed): a FIFO, a device or a socket named `*.prisma` would
//! block the run or feed it without end, so it is refused before a byte is
//! read, without waiting for a writer. A file over [`MAX_FILE_BYTES`] is
//! refused too, and so is text that is not UTF-8 (with its line and byte).
//! Nothing here writes.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The largest file ehrdb reads: a schema of 10,000 models is 8 MB, and a
/// span offset must fit in 32 bits.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The text of `path`.
pub fn read_text(path: &Path) -> Result<String> {
    read_text_if_exists(path)?.with_context(|| format!("cannot read {}: no such file", path.display()))
}

/// The text of `path`, `None` when nothing is there.
pub fn read_text_if_exists(path: &Path) -> Result<Option<String>> {
    let Some(bytes) = read_bytes(path)? else { return Ok(None) };
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let line = error.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow::anyhow!("{} is not valid UTF-8 (line {line}, byte {offset}); save it as UTF-8", path.display())
    })?;
    Ok(Some(text))
}

/// The bytes of `path`, `None` when nothing is there.
pub fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>> {
    // Non-blocking, so opening a FIFO returns at once instead of waiting
    // for a writer; regular files ignore the flag.
    let file = match File::options().read(true).custom_flags(libc::O_NONBLOCK).open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    let metadata = file.metadata().with_context(|| format!("cannot read {}", path.display()))?;
    let kind = metadata.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a folder"
        } else if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        bail!("{} is {what}, not a regular file: ehrdb reads only regular files", path.display());
    }
    if metadata.len() > MAX_FILE_BYTES {
        bail!("{} is {} bytes, larger than the {} ehrdb reads", path.display(), metadata.len(), limit());
    }
    // A file that grows while it is read is still cut at the limit.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bail!("{} is larger than the {} ehrdb reads", path.display(), limit());
    }
    Ok(Some(bytes))
}

fn limit() -> String {
    format!("{} MiB", MAX_FILE_BYTES / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    fn error(path: &Path) -> String {
        format!("{:#}", read_text(path).expect_err("refused"))
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.prisma");
        let name = CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
        assert!(
            error(&fifo)
                .ends_with("pipe.prisma is a FIFO (named pipe), not a regular file: ehrdb reads only regular files")
        );
        let zero = dir.path().join("zero.prisma");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(error(&zero).contains("zero.prisma is a character device"), "{}", error(&zero));
        assert!(error(dir.path()).contains("is a folder"));
        let file = dir.path().join("a.prisma");
        std::fs::write(&file, "model A {}\n").unwrap();
        let link = dir.path().join("link.prisma");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read_text(&link).unwrap(), "model A {}\n");
        assert_eq!(read_text_if_exists(&dir.path().join("none.prisma")).unwrap(), None);
    }

    #[test]
    fn a_file_over_the_limit_and_text_that_is_not_utf8_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.prisma");
        File::create(&big).unwrap().set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(
            error(&big).contains("big.prisma is 67108865 bytes, larger than the 64 MiB ehrdb reads"),
            "{}",
            error(&big)
        );
        let latin1 = dir.path().join("latin1.prisma");
        std::fs::write(&latin1, b"model A {\n  n\xe4me Int\n}\n").unwrap();
        assert!(error(&latin1).ends_with("latin1.prisma is not valid UTF-8 (line 2, byte 13); save it as UTF-8"));
    }
}
