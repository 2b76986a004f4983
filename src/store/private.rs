//! The data directory holds every customer's messages: it is the owner's alone from the first
//! byte. The directory is created 0700 and the database 0600 before SQLite opens it (SQLite
//! gives its `-wal` and `-shm` files the database's mode); files left readable by others by an
//! older pagedesk are tightened; a directory that belongs to another user is refused.

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{DATABASE_FILE, Result, StoreError};

/// The log, beside the database.
pub const LOG_FILE: &str = "pagedesk.log";
/// Earlier logs kept beside it when it grows too large: `pagedesk.log.1`, `pagedesk.log.2`.
pub const ROTATED_LOGS: usize = 2;

const PRIVATE_DIR: u32 = 0o700;
const PRIVATE_FILE: u32 = 0o600;

/// Makes `data_dir` private: creates it (0700) when missing, and tightens the directory, the
/// database, its `-wal` and `-shm` files and the logs where group or others could read them.
/// Returns the paths it tightened.
pub fn secure_data_dir(data_dir: &Path) -> Result<Vec<PathBuf>> {
    let fail = |source: std::io::Error| StoreError::DataDir {
        path: data_dir.to_owned(),
        source,
    };
    if let Some(parent) = data_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    match DirBuilder::new().mode(PRIVATE_DIR).create(data_dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(fail(e)),
        _ => {}
    }
    let meta = std::fs::metadata(data_dir).map_err(fail)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(StoreError::NotOwner {
            path: data_dir.to_owned(),
            owner: meta.uid(),
        });
    }
    let mut tightened = Vec::new();
    tighten(data_dir, PRIVATE_DIR, &mut tightened).map_err(fail)?;
    let rotated_logs = (1..=ROTATED_LOGS).map(|n| format!("{LOG_FILE}.{n}"));
    for name in [
        DATABASE_FILE.to_owned(),
        format!("{DATABASE_FILE}-wal"),
        format!("{DATABASE_FILE}-shm"),
        LOG_FILE.to_owned(),
    ]
    .into_iter()
    .chain(rotated_logs)
    {
        tighten(&data_dir.join(name), PRIVATE_FILE, &mut tightened).map_err(fail)?;
    }
    Ok(tightened)
}

/// Creates the data directory's SQLite database file (0600) when missing, before SQLite opens
/// it: private from its first byte. A data directory on PostgreSQL gets none.
pub fn create_database_file(data_dir: &Path) -> Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE_FILE)
        .open(data_dir.join(DATABASE_FILE))
    {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(StoreError::DataDir {
            path: data_dir.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Takes group and other bits away from `path` when it exists (never following a link).
fn tighten(path: &Path, mode: u32, tightened: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() || meta.mode() & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, Permissions::from_mode(mode))?;
    tightened.push(path.to_owned());
    Ok(())
}

/// Opens the log for appending, created 0600; a symbolic link in its place is refused, so the
/// log cannot be pointed at another file.
pub fn open_log(data_dir: &Path) -> std::io::Result<std::fs::File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(PRIVATE_FILE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(data_dir.join(LOG_FILE))
}
