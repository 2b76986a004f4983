//! Room left on the data directory's disk. The database must always find some: below the floor
//! (100 MB, or `PAGEDESK_MIN_FREE_MB`), `doctor` and the sync service say so and the log stops
//! writing, so that what is left goes to messages and replies, not to the log.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The variable that sets the floor, in MB.
pub const FLOOR_VARIABLE: &str = "PAGEDESK_MIN_FREE_MB";
/// Far more than a busy shop's day of messages, far less than any disk.
const DEFAULT_FLOOR_MB: u64 = 100;
const MB: u64 = 1024 * 1024;

/// The least free space the data directory's disk should keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Floor {
    bytes: u64,
}

impl Floor {
    /// `PAGEDESK_MIN_FREE_MB` when it is a whole number, else 100 MB.
    pub fn from_env() -> Floor {
        let mb = std::env::var(FLOOR_VARIABLE)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(DEFAULT_FLOOR_MB);
        Floor::megabytes(mb)
    }

    pub fn megabytes(mb: u64) -> Floor {
        Floor {
            bytes: mb.saturating_mul(MB),
        }
    }

    pub fn bytes(self) -> u64 {
        self.bytes
    }

    /// The free bytes on `dir`'s disk when they are below the floor; `None` when there is room,
    /// or when the disk cannot be asked (then the database's own errors say what is wrong).
    pub fn short(self, dir: &Path) -> Option<u64> {
        free_bytes(dir).ok().filter(|free| *free < self.bytes)
    }
}

/// The bytes an ordinary process may still write on the filesystem holding `dir`.
pub fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let path = CString::new(dir.as_os_str().as_bytes())?;
    // SAFETY: statvfs only writes into the struct; an all-zero one is a valid starting value.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and lives through the call; `stat` is ours to fill.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Ok((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_above_the_free_space_is_short_and_one_below_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_bytes(dir.path()).unwrap();
        assert!(free > 0);
        let above = Floor::megabytes(free / MB + 1);
        assert!(above.short(dir.path()).is_some());
        assert_eq!(Floor::megabytes(0).short(dir.path()), None);
        assert_eq!(Floor::megabytes(1).short(&dir.path().join("gone")), None);
    }
}
