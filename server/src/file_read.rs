//! Reading a file named on the command line, with a size limit.
//!
//! Every command that reads a file (a catalog, a scenario, an event log)
//! reads it through [`read_text_file`], so that `/dev/zero`, a FIFO or a
//! mistaken multi-gigabyte file cannot exhaust memory: at most
//! [`MAX_FILE_BYTES`] + 1 bytes are ever read. Catalogs and scenarios larger
//! than that are not a use case. (The terminal app has its own copy of this
//! rule in `tui/src/file_read.rs`: it does not depend on this crate, and the
//! core, the one crate both share, does no I/O.)

use std::io::Read;
use std::path::Path;

/// The largest file a command reads: 64 MiB.
pub(crate) const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file could not be read as text. Each message names the file as it
/// was given.
#[derive(Debug, thiserror::Error)]
pub enum ReadFileError {
    /// `error` is in the message, so it is not a `source` (which a `{:#}`
    /// report would print a second time).
    #[error("cannot read {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}: too large (more than 64 MiB)")]
    TooLarge { path: String },
    #[error("{path}: is a directory, not a file")]
    Directory { path: String },
    #[error("{path}: not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { path: String, offset: usize },
}

/// The whole of a UTF-8 text file of at most [`MAX_FILE_BYTES`].
///
/// # Errors
/// [`ReadFileError`]: unreadable, too large, a directory, or not UTF-8.
pub(crate) fn read_text_file(path: &Path) -> Result<String, ReadFileError> {
    let shown = || path.display().to_string();
    let io = |error| ReadFileError::Io { path: shown(), error };
    let file = std::fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if metadata.is_dir() {
        return Err(ReadFileError::Directory { path: shown() });
    }
    // A regular file says its size: refuse it without reading. Devices and
    // FIFOs report 0, so the bounded read below is what guarantees the limit.
    if metadata.len() > MAX_FILE_BYTES {
        return Err(ReadFileError::TooLarge { path: shown() });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadFileError::TooLarge { path: shown() });
    }
    String::from_utf8(bytes).map_err(|e| ReadFileError::NotUtf8 { path: shown(), offset: e.utf8_error().valid_up_to() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(len: u64) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temporary file");
        file.as_file().set_len(len).expect("sparse file");
        file
    }

    #[test]
    fn refuses_one_byte_more_than_the_limit() {
        let file = file_of(MAX_FILE_BYTES + 1);
        let err = read_text_file(file.path()).expect_err("too large");
        assert_eq!(err.to_string(), format!("{}: too large (more than 64 MiB)", file.path().display()));
    }

    #[test]
    fn reads_a_file_of_exactly_the_limit() {
        let file = file_of(MAX_FILE_BYTES);
        assert_eq!(read_text_file(file.path()).expect("within the limit").len() as u64, MAX_FILE_BYTES);
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_stops_at_the_limit() {
        let err = read_text_file(Path::new("/dev/zero")).expect_err("endless");
        assert_eq!(err.to_string(), "/dev/zero: too large (more than 64 MiB)");
    }

    #[test]
    fn a_directory_and_bad_text_are_named() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let err = read_text_file(dir.path()).expect_err("a directory");
        assert_eq!(err.to_string(), format!("{}: is a directory, not a file", dir.path().display()));
        let file = dir.path().join("latin1.json");
        std::fs::write(&file, b"{\"name\": \"caf\xe9\"}").expect("write");
        let err = read_text_file(&file).expect_err("not UTF-8");
        assert_eq!(err.to_string(), format!("{}: not UTF-8 text (invalid byte at offset 13)", file.display()));
    }
}
