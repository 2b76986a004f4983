//! Copies of the data directory's database: a backup taken while pagedesks run (`VACUUM INTO`,
//! one consistent moment), checked before it is called done; a restore that puts a copy back
//! only while no pagedesk uses the data directory, the database it replaces kept aside; and the
//! copy kept before a migration changes the schema.
//!
//! Every pagedesk holds a shared lock on `pagedesk.lock` in the data directory while its store
//! is open (the kernel lets it go when the process ends, however it ends): a restore takes it
//! exclusively, so it never pulls the database from under a running inbox or service.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{DATABASE_FILE, Result, Store, StoreError};

/// The file every pagedesk holds a shared lock on while it uses the data directory.
const LOCK_FILE: &str = "pagedesk.lock";

/// What a copy holds, counted in it after it was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub conversations: i64,
    pub messages: i64,
    pub orders: i64,
    pub bytes: u64,
}

/// A new file at `path`, owner-only from its first byte; refused if one is there already.
fn new_private_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// The data directory in use: a shared lock on its lock file, held as long as the file is.
pub(super) fn hold_shared(data_dir: &Path) -> Result<File> {
    let path = data_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        // A data directory this process may only read: a lock is taken on a file read too;
        // without one there, the directory is read-only, said so.
        .or_else(|_| File::open(&path))
        .map_err(|_| StoreError::ReadOnly(data_dir.to_owned()))?;
    // SAFETY: flock(2) on a descriptor this function owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH) } != 0 {
        return Err(StoreError::DataDir {
            path: data_dir.to_owned(),
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(file)
}

/// `database` checked (SQLite's integrity check, a schema this pagedesk knows), and counted.
fn check(database: &Path) -> Result<Copied> {
    let conn = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(StoreError::Damaged {
            path: database.to_owned(),
            why: verdict,
        });
    }
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = super::schema::MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    let count = |table: &str| -> Result<i64> {
        let exists: bool = conn.query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        match exists {
            true => Ok(conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?),
            false => Ok(0),
        }
    };
    Ok(Copied {
        conversations: count("conversations")?,
        messages: count("messages")?,
        orders: count("orders")?,
        bytes: std::fs::metadata(database).map(|m| m.len()).unwrap_or(0),
    })
}

/// `VACUUM INTO` a new owner-only file at `to`, through `conn`.
fn vacuum_into(conn: &Connection, to: &Path) -> Result<()> {
    new_private_file(to).map_err(|source| StoreError::Copy {
        path: to.to_owned(),
        source,
    })?;
    let target = to.to_str().ok_or_else(|| StoreError::Copy {
        path: to.to_owned(),
        source: std::io::Error::other("the path is not UTF-8"),
    })?;
    if let Err(error) = conn.execute("VACUUM INTO ?1", [target]) {
        let _ = std::fs::remove_file(to);
        return Err(error.into());
    }
    Ok(())
}

impl Store {
    /// Writes a consistent copy of the database to `to`, a new file readable by its owner
    /// only, while inboxes and the service go on; checks the copy before saying what it holds.
    pub fn backup(&self, to: &Path) -> Result<Copied> {
        vacuum_into(&self.conn, to)?;
        check(to).inspect_err(|_| {
            let _ = std::fs::remove_file(to);
        })
    }
}

/// What a restore did: what the restored database holds, and where the one it replaced is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub copied: Copied,
    pub kept_aside: Option<PathBuf>,
}

/// Puts the backup `from` back as the database of `data_dir`: checked first; refused while any
/// pagedesk uses the data directory; the database it replaces kept aside, whole, beside it.
pub fn restore(data_dir: &Path, from: &Path, stamp: &str) -> Result<Restored> {
    check(from)?;
    let lock = hold_shared(data_dir)?;
    // SAFETY: flock(2) on a descriptor held here; LOCK_NB: refused at once, never waited on.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(StoreError::InUse(data_dir.to_owned()));
    }
    let database = data_dir.join(DATABASE_FILE);
    let mut kept_aside = None;
    if database.exists() {
        // Whole, with what its write-ahead log still holds.
        let aside = data_dir.join(format!("{DATABASE_FILE}.before-restore-{stamp}"));
        vacuum_into(&Connection::open(&database)?, &aside)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
            if let Err(error) = std::fs::remove_file(&file)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                return Err(StoreError::Copy {
                    path: file,
                    source: error,
                });
            }
        }
        kept_aside = Some(aside);
    }
    let copy = |source| StoreError::Copy {
        path: database.clone(),
        source,
    };
    let mut restored = new_private_file(&database).map_err(copy)?;
    let bytes = std::fs::read(from).map_err(|source| StoreError::Copy {
        path: from.to_owned(),
        source,
    })?;
    restored.write_all(&bytes).map_err(copy)?;
    restored.sync_all().map_err(copy)?;
    let copied = check(&database)?;
    drop(lock);
    Ok(Restored { copied, kept_aside })
}

/// Before a migration changes the schema of the database at `database` (at version `from`):
/// a copy beside it, named with that version, the one such copy kept. Written under a name of
/// its own first, and put in place by [`keep_schema_copy`] only by the process that migrates.
pub(super) fn copy_before_migration(conn: &Connection, database: &Path) -> Result<PathBuf> {
    let partial =
        database.with_file_name(format!("{DATABASE_FILE}.copying-{}", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    vacuum_into(conn, &partial)?;
    Ok(partial)
}

/// The copy made before migrating from version `from`, in place as the one copy kept; an older
/// one goes.
pub(super) fn keep_schema_copy(partial: &Path, database: &Path, from: i64) -> Result<PathBuf> {
    let dir = database.parent().unwrap_or(Path::new("."));
    let prefix = format!("{DATABASE_FILE}.schema-");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let kept = dir.join(format!("{prefix}{from}"));
    std::fs::rename(partial, &kept).map_err(|source| StoreError::Copy {
        path: kept.clone(),
        source,
    })?;
    Ok(kept)
}
