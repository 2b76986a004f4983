//! Copies of the data directory's database: a backup taken while pagedesks run (`VACUUM INTO`,
//! one consistent moment), checked before it is called done; a restore that puts a copy back
//! only while no pagedesk uses the data directory, the database it replaces kept aside; and the
//! copy kept before a migration changes the schema.
//!
//! Files staff attached to replies not sent yet are staff's own files, where they picked them:
//! a backup copies them beside itself (`FILE.files/`, by content), and a restore brings back
//! those no longer where they were into the data directory (`restored-files/`).
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
    /// Files attached to replies not sent yet, copied (a backup) or brought back (a restore).
    pub files: usize,
    /// The folder those files are in.
    pub files_in: PathBuf,
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

/// The data directory to this process alone, as long as the file is held: refused at once
/// while any other pagedesk uses it.
pub(crate) fn hold_exclusive(data_dir: &Path) -> Result<File> {
    let lock = hold_shared(data_dir)?;
    // SAFETY: flock(2) on a descriptor held here; LOCK_NB: refused at once, never waited on.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(StoreError::InUse(data_dir.to_owned()));
    }
    Ok(lock)
}

/// `database` checked (SQLite's integrity check, a schema this pagedesk knows), and counted.
fn check(database: &Path) -> Result<Copied> {
    let about = about_copy(database);
    let conn =
        Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(about)?;
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(about)?;
    if verdict != "ok" {
        return Err(StoreError::Damaged {
            path: database.to_owned(),
            why: verdict,
        });
    }
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(about)?;
    let known = super::schema::MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    let count = |table: &str| -> Result<i64> {
        let exists: bool = conn
            .query_row(
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .map_err(about)?;
        match exists {
            true => conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .map_err(about),
            false => Ok(0),
        }
    };
    Ok(Copied {
        conversations: count("conversations")?,
        messages: count("messages")?,
        orders: count("orders")?,
        bytes: std::fs::metadata(database).map(|m| m.len()).unwrap_or(0),
        files: 0,
        files_in: PathBuf::new(),
    })
}

/// A database failure of the copy at `path`, said about that file, not the database in use.
fn about_copy(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
    move |why| StoreError::CopyDatabase {
        path: path.to_owned(),
        why,
    }
}

/// Whether the database at `path` is a pagedesk's: a schema version, and its conversations.
fn is_pagedesks(path: &Path) -> Result<bool> {
    let about = about_copy(path);
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(about)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(about)?;
    let conversations: bool = conn
        .query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'conversations'",
            [],
            |r| r.get(0),
        )
        .map_err(about)?;
    Ok(version >= 1 && conversations)
}

/// `VACUUM INTO` a new owner-only file at `to`, through `conn`.
fn vacuum_into(conn: &Connection, to: &Path) -> Result<()> {
    new_private_file(to).map_err(|source| StoreError::Copy {
        path: to.to_owned(),
        why: source,
    })?;
    let target = to.to_str().ok_or_else(|| StoreError::Copy {
        path: to.to_owned(),
        why: std::io::Error::other("the path is not UTF-8"),
    })?;
    if let Err(error) = conn.execute("VACUUM INTO ?1", [target]) {
        let _ = std::fs::remove_file(to);
        return Err(about_copy(to)(error));
    }
    Ok(())
}

impl Store {
    /// Writes a consistent copy of the database to `to`, a new file readable by its owner
    /// only, while inboxes and the service go on; checks the copy before saying what it holds.
    pub fn backup(&self, to: &Path) -> Result<Copied> {
        vacuum_into(&self.conn, to)?;
        let mut copied = check(to).inspect_err(|_| {
            let _ = std::fs::remove_file(to);
        })?;
        let copy = Connection::open(to).map_err(about_copy(to))?;
        copied.files_in = files_beside(to);
        copied.files = copy_unsent_files(&copy, &copied.files_in)?;
        Ok(copied)
    }
}

/// Where a backup's files go: `FILE.files`.
fn files_beside(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".files");
    PathBuf::from(name)
}

/// A folder readable by its owner only (made if missing).
fn private_folder(path: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| StoreError::Copy {
            path: path.to_owned(),
            why: source,
        })
}

/// The files attached to replies not sent yet (drafts', and replies' waiting or failed), by
/// where they are and their content's hash.
fn unsent_files(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut statement = conn.prepare(
        "SELECT path, sha256 FROM draft_files
         UNION SELECT f.path, f.sha256 FROM outgoing_files f
             JOIN messages m ON m.id = f.message_id WHERE m.status <> 'sent'",
    )?;
    let files = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(files)
}

/// Copies the unsent files the database `conn` names into `folder`, each under its hash, owner
/// only; one no longer there is left out (its reply says so when sent). How many were copied.
fn copy_unsent_files(conn: &Connection, folder: &Path) -> Result<usize> {
    let files = unsent_files(conn)?;
    if files.is_empty() {
        return Ok(0);
    }
    private_folder(folder)?;
    let mut copied = 0;
    for (path, sha256) in files {
        // The hash names the copy: it is hex, never a path of its own.
        if !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let target = folder.join(&sha256);
        if target.exists() {
            copied += 1;
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let mut file = new_private_file(&target).map_err(|source| StoreError::Copy {
            path: target.clone(),
            why: source,
        })?;
        file.write_all(&bytes).map_err(|source| StoreError::Copy {
            path: target.clone(),
            why: source,
        })?;
        copied += 1;
    }
    Ok(copied)
}

/// Brings back the backup's unsent files (in `from`) that are no longer where the restored
/// database `conn` says: into `into`, the rows pointed there. How many.
fn bring_back_files(conn: &Connection, from: &Path, into: &Path) -> Result<usize> {
    let mut brought = 0;
    for (path, sha256) in unsent_files(conn)? {
        let kept = from.join(&sha256);
        if Path::new(&path).exists() || !kept.is_file() {
            continue;
        }
        private_folder(into)?;
        // Its extension kept: the kind of file Facebook is told is read from it.
        let extension = Path::new(&path)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| e.len() <= 10 && e.chars().all(|c| c.is_ascii_alphanumeric()));
        let target = match extension {
            Some(extension) => into.join(format!("{sha256}.{extension}")),
            None => into.join(&sha256),
        };
        if !target.exists() {
            let bytes = std::fs::read(&kept).map_err(|source| StoreError::Copy {
                path: kept.clone(),
                why: source,
            })?;
            new_private_file(&target)
                .and_then(|mut file| file.write_all(&bytes))
                .map_err(|source| StoreError::Copy {
                    path: target.clone(),
                    why: source,
                })?;
        }
        let target = target.to_string_lossy().into_owned();
        conn.execute(
            "UPDATE draft_files SET path = ?2 WHERE path = ?1 AND sha256 = ?3",
            rusqlite::params![path, target, sha256],
        )?;
        conn.execute(
            "UPDATE outgoing_files SET path = ?2 WHERE path = ?1 AND sha256 = ?3",
            rusqlite::params![path, target, sha256],
        )?;
        brought += 1;
    }
    Ok(brought)
}

/// `name` in `dir`, or `name-2`, `name-3`… if taken: two restores in one second each keep the
/// database they replaced.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    (1..)
        .map(|n| match n {
            1 => dir.join(name),
            n => dir.join(format!("{name}-{n}")),
        })
        .find(|path| !path.exists())
        .expect("a free name among unbounded ones")
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
    // An empty file or another program's database checks as sound: it is no pagedesk backup.
    if !is_pagedesks(from)? {
        return Err(StoreError::Damaged {
            path: from.to_owned(),
            why: "not a pagedesk database".to_owned(),
        });
    }
    let lock = hold_exclusive(data_dir)?;
    let database = data_dir.join(DATABASE_FILE);
    let mut kept_aside = None;
    if database.exists() {
        // Whole, with what its write-ahead log still holds.
        let aside = free_name(data_dir, &format!("{DATABASE_FILE}.before-restore-{stamp}"));
        vacuum_into(&Connection::open(&database)?, &aside)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
            if let Err(error) = std::fs::remove_file(&file)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                return Err(StoreError::Copy {
                    path: file,
                    why: error,
                });
            }
        }
        kept_aside = Some(aside);
    }
    let copy = |source| StoreError::Copy {
        path: database.clone(),
        why: source,
    };
    let mut restored = new_private_file(&database).map_err(copy)?;
    let bytes = std::fs::read(from).map_err(|source| StoreError::Copy {
        path: from.to_owned(),
        why: source,
    })?;
    restored.write_all(&bytes).map_err(copy)?;
    restored.sync_all().map_err(copy)?;
    let mut copied = check(&database)?;
    copied.files_in = data_dir.join("restored-files");
    copied.files = bring_back_files(
        &Connection::open(&database)?,
        &files_beside(from),
        &copied.files_in,
    )?;
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
        why: source,
    })?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data directory of its own, private as pagedesk wants it.
    fn data_dir() -> tempfile::TempDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    #[test]
    fn two_restores_in_one_second_each_keep_the_database_they_replaced() {
        let dir = data_dir();
        let backup = dir.path().join("copy.db");
        Store::open(dir.path()).unwrap().backup(&backup).unwrap();
        let first = restore(dir.path(), &backup, "20261203-101500").unwrap();
        let second = restore(dir.path(), &backup, "20261203-101500").unwrap();
        let (first, second) = (first.kept_aside.unwrap(), second.kept_aside.unwrap());
        assert_ne!(first, second);
        assert!(first.is_file() && second.is_file());
    }

    #[test]
    fn a_backup_that_cannot_be_written_is_said_about_the_copy_not_the_database_in_use() {
        let dir = data_dir();
        let store = Store::open(dir.path()).unwrap();
        let nowhere = dir.path().join("no-such-folder").join("copy.db");
        let error = store.backup(&nowhere).unwrap_err().to_string();
        assert!(error.contains("no-such-folder"), "{error}");
        let damaged = dir.path().join("damaged.db");
        std::fs::write(
            &damaged,
            b"SQLite format 3\0 and then nothing a database has",
        )
        .unwrap();
        let error = restore(dir.path(), &damaged, "x").unwrap_err().to_string();
        assert!(
            error.contains("damaged.db") && error.contains("not a sound database"),
            "{error}"
        );
    }
}
