//! The log file, `pagedesk.log` in the data directory: private from its first byte (each file is
//! created 0600 by `store::private::open_log`), kept to 10 MB (then it becomes `pagedesk.log.1`,
//! that one `pagedesk.log.2`, and the oldest goes), and stopped while the disk is nearly full
//! (`store::space`), so that the database keeps the room that is left.
//!
//! Several pagedesks of one data directory append to the same log. Whichever finds it full
//! renames it; the others notice that the name now holds another file and reopen it, so no one
//! keeps writing into a file that was already rotated.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::store::private::{self, LOG_FILE, ROTATED_LOGS};
use crate::store::space::Floor;

/// The size past which the log is rotated: days of an ordinary shop's log, read in any editor.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;

pub struct LogFile {
    dir: PathBuf,
    file: File,
    max_bytes: u64,
    floor: Floor,
    /// Whether the disk was below the floor at the last write (then nothing is written).
    stopped: bool,
}

impl LogFile {
    /// The log of `data_dir`, rotated past `max_bytes`, stopped while the disk is below `floor`.
    /// Says at once when it starts stopped.
    pub fn open(data_dir: &Path, max_bytes: u64, floor: Floor) -> io::Result<LogFile> {
        let mut log = LogFile {
            dir: data_dir.to_owned(),
            file: private::open_log(data_dir)?,
            max_bytes,
            floor,
            stopped: false,
        };
        log.room();
        Ok(log)
    }

    /// `pagedesk.log.N`.
    fn rotated(&self, n: usize) -> PathBuf {
        self.dir.join(format!("{LOG_FILE}.{n}"))
    }

    /// Whether there is room for the log; says once, in the log itself, when it stops and when
    /// it goes on.
    fn room(&mut self) -> bool {
        let short = self.floor.short(&self.dir);
        match (short, self.stopped) {
            (Some(free), false) => {
                self.stopped = true;
                let floor = self.floor.bytes() / (1024 * 1024);
                self.note(&format!(
                    "the log stops: {} MB free on the data directory's disk, below the {floor} MB kept for the database",
                    free / (1024 * 1024)
                ));
            }
            (None, true) => {
                self.stopped = false;
                self.note("the log goes on: the data directory's disk has room again");
            }
            _ => {}
        }
        !self.stopped
    }

    /// A line of the log's own, shaped as the others are.
    fn note(&mut self, text: &str) {
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
        // A note that cannot be written has nowhere else to go.
        let _ = writeln!(self.file, "{now}  WARN pagedesk::log_file: {text}");
    }

    /// Rotates the log when `adding` more bytes would take it past its size.
    fn rotate_if_full(&mut self, adding: usize) -> io::Result<()> {
        self.follow_rotation()?;
        let length = self.file.metadata()?.len();
        if length == 0 || length.saturating_add(adding as u64) <= self.max_bytes {
            return Ok(());
        }
        for n in (1..ROTATED_LOGS).rev() {
            match std::fs::rename(self.rotated(n), self.rotated(n + 1)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        std::fs::rename(self.dir.join(LOG_FILE), self.rotated(1))?;
        self.file = private::open_log(&self.dir)?;
        Ok(())
    }

    /// Reopens the log when another pagedesk rotated it (the name holds another file, or none).
    fn follow_rotation(&mut self) -> io::Result<()> {
        let ours = self.file.metadata()?;
        match std::fs::symlink_metadata(self.dir.join(LOG_FILE)) {
            Ok(there) if there.ino() == ours.ino() && there.dev() == ours.dev() => Ok(()),
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => {
                self.file = private::open_log(&self.dir)?;
                Ok(())
            }
        }
    }
}

impl Write for LogFile {
    /// `buf` is one whole line (tracing-appender's worker writes each line at once).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.room() {
            return Ok(buf.len());
        }
        self.rotate_if_full(buf.len())?;
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_log_rotates_past_its_size_into_private_files_and_keeps_two() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = LogFile::open(dir.path(), 1000, Floor::megabytes(0)).unwrap();
        let line = [b'x'; 99].iter().chain(b"\n").copied().collect::<Vec<u8>>();
        for _ in 0..45 {
            log.write_all(&line).unwrap();
        }
        let log_path = dir.path().join(LOG_FILE);
        let sizes: Vec<u64> = [log_path.clone(), log.rotated(1), log.rotated(2)]
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .collect();
        // 45 lines of 100 bytes, 10 to a file: two full rotated files and the log holding 5,
        // the oldest 20 gone.
        assert_eq!(sizes, [500, 1000, 1000]);
        assert!(!log.rotated(3).exists());
        for path in [log_path, log.rotated(1), log.rotated(2)] {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }

    #[test]
    fn a_second_writer_follows_the_rotation_of_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = LogFile::open(dir.path(), 1000, Floor::megabytes(0)).unwrap();
        let mut second = LogFile::open(dir.path(), 1000, Floor::megabytes(0)).unwrap();
        let line = [b'x'; 99].iter().chain(b"\n").copied().collect::<Vec<u8>>();
        for _ in 0..11 {
            first.write_all(&line).unwrap();
        }
        second.write_all(b"after\n").unwrap();
        let log = std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
        assert!(log.ends_with("after\n"), "{log}");
        assert_eq!(std::fs::metadata(first.rotated(1)).unwrap().len(), 1000);
    }

    #[test]
    fn below_the_floor_the_log_says_it_stops_and_writes_nothing_more() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = LogFile::open(dir.path(), MAX_BYTES, Floor::megabytes(u64::MAX)).unwrap();
        log.write_all(b"dropped\n").unwrap();
        log.write_all(b"dropped too\n").unwrap();
        let written = std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
        assert_eq!(written.lines().count(), 1, "{written}");
        assert!(written.contains("the log stops"), "{written}");
        assert!(!written.contains("dropped"), "{written}");
    }
}
