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

use super::db::{self, Conn, DbError, Tx};
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

/// The processes other than this one holding the data directory's lock: the pagedesks using
/// it. Linux lists the holders of each lock in `/proc/locks`, and each process's open files in
/// `/proc/PID/fd`: both are read, since `/proc/locks` may show no pid for a lock (its pid is
/// the one that took it, not always one still there). Elsewhere, none are known.
pub fn users_of(data_dir: &Path) -> Vec<u32> {
    use std::os::unix::fs::MetadataExt;
    let Ok(lock) = std::fs::metadata(data_dir.join(LOCK_FILE)) else {
        return Vec::new();
    };
    let holding = |pid: u32| {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|fd| std::fs::metadata(fd.path()).ok())
            .any(|file| file.dev() == lock.dev() && file.ino() == lock.ino())
    };
    let with_it_open = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != std::process::id() && holding(pid));
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    let mut users: Vec<u32> = locks
        .lines()
        .filter_map(|line| {
            // "1: FLOCK  ADVISORY  READ 1234 08:01:5678 0 EOF": the pid, then the file's
            // device and inode.
            let fields: Vec<&str> = line.split_whitespace().collect();
            let at = fields.iter().position(|f| *f == "FLOCK")?;
            let pid: u32 = fields.get(at + 3)?.parse().ok()?;
            let inode: u64 = fields.get(at + 4)?.rsplit(':').next()?.parse().ok()?;
            (inode == lock.ino() && pid != std::process::id() && pid > 0).then_some(pid)
        })
        .chain(with_it_open)
        .collect();
    users.sort_unstable();
    users.dedup();
    users
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

/// The database `conn` (read from `path`) checked (SQLite's integrity check, a schema this
/// pagedesk knows), and counted.
fn check(conn: &Connection, path: &Path) -> Result<Copied> {
    let about = about_copy(path);
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(about)?;
    if verdict != "ok" {
        return Err(StoreError::Damaged {
            path: path.to_owned(),
            why: verdict,
        });
    }
    let found = schema_version(conn, path)?;
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
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        files: 0,
        files_in: PathBuf::new(),
    })
}

/// The schema version of the database `conn` (read from `path`).
fn schema_version(conn: &Connection, path: &Path) -> Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(about_copy(path))
}

/// A database failure of the copy at `path`, said about that file, not the database in use.
fn about_copy(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
    move |why| StoreError::CopyDatabase {
        path: path.to_owned(),
        why,
    }
}

/// Whether the database `conn` (read from `path`) is exactly what pagedesk's migrations make
/// at its version: its tables, indexes, triggers and views, each as created. A backup is
/// staff's to carry around and may have been changed: a trigger added there (sending replies
/// to another buyer) or a table swapped for a view would run in every pagedesk after it.
fn is_as_pagedesk_made_it(conn: &Connection, path: &Path) -> Result<bool> {
    let version = schema_version(conn, path)?;
    if version < 1 || version > super::schema::MIGRATIONS.len() as i64 {
        return Ok(false);
    }
    let made = Connection::open_in_memory()?;
    for migration in &super::schema::MIGRATIONS[..version as usize] {
        made.execute_batch(migration)?;
    }
    let schema = |conn: &Connection| -> rusqlite::Result<Vec<(String, String, String)>> {
        conn.prepare("SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?)))?
            .map(|row| row.map(|(kind, name, sql)| (kind, name, words_of(&sql))))
            .collect()
    };
    Ok(schema(conn).map_err(about_copy(path))? == schema(&made)?)
}

/// SQL with its spacing made even, for comparing what two databases were created with.
fn words_of(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `VACUUM INTO` a new owner-only file at `to`, through `conn`; nothing left there (nor a
/// journal of it, which would empty the file the first time it is opened) when it fails.
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
        remove_with_journal(to);
        return Err(about_copy(to)(error));
    }
    Ok(())
}

/// Removes a database file and the journal SQLite may have left beside it.
pub(super) fn remove_with_journal(path: &Path) {
    let _ = std::fs::remove_file(path);
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    let _ = std::fs::remove_file(journal);
}

/// A name beside `to` to write a copy under until it is whole: one no pagedesk, and no pruning
/// of `pagedesk-*.db` copies, takes for a copy.
fn partial_name(to: &Path) -> PathBuf {
    let mut name = to.as_os_str().to_owned();
    name.push(format!("{PARTIAL}{}", std::process::id()));
    PathBuf::from(name)
}

/// What a copy's name carries until it is whole, before the pid of the pagedesk writing it:
/// pagedesk's own, so that what a killed one leaves is known by its name alone, never taken
/// for another program's file.
const PARTIAL: &str = ".pagedesk-partial-";

/// The whole copy at `partial` given its name `to`, never over a file there: killed before
/// this, nothing has that name.
fn publish(partial: &Path, to: &Path) -> Result<()> {
    let linked = std::fs::hard_link(partial, to).map_err(|why| StoreError::Copy {
        path: to.to_owned(),
        why,
    });
    let _ = std::fs::remove_file(partial);
    linked
}

/// The database at `path` opened to be read, never through a link.
fn open_to_read(path: &Path) -> Result<Connection> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
    .map_err(about_copy(path))
}

impl Store {
    /// Writes a consistent copy of the database to `to`, a new file readable by its owner
    /// only, while inboxes and the service go on; checks the copy before saying what it holds.
    /// Nothing is left at `to` when it fails.
    pub fn backup(&self, to: &Path) -> Result<Copied> {
        // Beside the database, a copy is lost with it, and SQLite takes files named after the
        // database for its own (a journal it deletes).
        let folder = std::path::absolute(to)
            .ok()
            .and_then(|to| to.parent().map(Path::to_owned));
        if folder.is_some_and(|folder| same_file(&folder, &self.data_dir)) {
            return Err(StoreError::Copy {
                path: to.to_owned(),
                why: std::io::Error::other(
                    "a backup in the data directory would be lost with it: pick another folder",
                ),
            });
        }
        if std::fs::symlink_metadata(to).is_ok() {
            return Err(StoreError::Copy {
                path: to.to_owned(),
                why: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            });
        }
        let files_in = files_beside(to);
        // A folder there already (someone else's, open to all, a link) would be handed
        // customers' files.
        if std::fs::symlink_metadata(&files_in).is_ok() {
            return Err(StoreError::Copy {
                path: files_in,
                why: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            });
        }
        // Written and checked under a name of its own, its files beside it, then named: a
        // backup killed or failing halfway leaves nothing a restore or the pruning would take
        // for a backup, and the next one there removes what it left.
        if let Some(folder) = std::path::absolute(to)
            .ok()
            .and_then(|to| to.parent().map(Path::to_owned))
        {
            remove_left_by_the_dead(&folder, PARTIAL);
        }
        let partial = partial_name(to);
        vacuum_into(self.sqlite_only("backup")?, &partial)?;
        let copied = open_to_read(&partial)
            .and_then(|copy| {
                let mut copied = check(&copy, &partial)?;
                copied.files = copy_unsent_files(&copy, &files_in)?;
                copied.files_in = files_in.clone();
                Ok(copied)
            })
            .and_then(|copied| publish(&partial, to).map(|()| copied))
            .inspect_err(|_| {
                remove_with_journal(&partial);
                // Made by this backup: it refuses one there already.
                let _ = std::fs::remove_dir_all(&files_in);
            })?;
        Ok(copied)
    }
}

/// Whether `a` and `b` are the same file (or folder), however they are named.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Where a backup's files go: `FILE.files`.
fn files_beside(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".files");
    PathBuf::from(name)
}

/// A folder readable by its owner only: made now, or `fresh` refused if one is there (a
/// folder another user made, or a link, would receive customers' files).
fn private_folder(path: &Path, fresh: bool) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let refused = |why: std::io::Error| StoreError::Copy {
        path: path.to_owned(),
        why,
    };
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => Ok(()),
        Err(error) if fresh || error.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(refused(error))
        }
        Err(error) => {
            let found = std::fs::symlink_metadata(path).map_err(refused)?;
            // SAFETY: geteuid has no preconditions and cannot fail.
            let mine = found.uid() == unsafe { libc::geteuid() };
            match found.is_dir() && mine && found.mode() & 0o077 == 0 {
                true => Ok(()),
                false => Err(refused(error)),
            }
        }
    }
}

/// A content hash as pagedesk writes it (lowercase hex SHA-256): the only name a kept file
/// gets, never a path of its own.
fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The bytes of the regular file at `path` (never through a link), if their hash is `sha256`.
fn read_if_same(path: &Path, sha256: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    (crate::files::sha256_hex(&bytes) == sha256).then_some(bytes)
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

/// Copies the unsent files the database `conn` names into `folder` (made now), each under its
/// hash, owner only; one no longer there as it was attached is left out (its reply says so
/// when sent). How many were copied.
fn copy_unsent_files(conn: &Connection, folder: &Path) -> Result<usize> {
    let files = unsent_files(conn)?;
    if files.is_empty() {
        return Ok(0);
    }
    private_folder(folder, true)?;
    let mut copied = 0;
    for (path, sha256) in files {
        if !is_hash(&sha256) {
            continue;
        }
        let target = folder.join(&sha256);
        if target.exists() {
            copied += 1;
            continue;
        }
        let Some(bytes) = read_if_same(Path::new(&path), &sha256) else {
            continue;
        };
        new_private_file(&target)
            .and_then(|mut file| file.write_all(&bytes))
            .map_err(|source| StoreError::Copy {
                path: target.clone(),
                why: source,
            })?;
        copied += 1;
    }
    Ok(copied)
}

/// Brings back the backup's unsent files (in `from`) that are no longer where the restored
/// database `conn` says: into `into`, the rows pointed there. Only a file whose content is the
/// hash its row names is brought, under that hash: a row cannot name where a file goes. One
/// that cannot be brought is said in the log and left (its reply says so when sent). How many.
fn bring_back_files(conn: &Connection, from: &Path, into: &Path) -> usize {
    let files = match unsent_files(conn) {
        Ok(files) => files,
        Err(error) => {
            tracing::warn!(error = %error, "the files of replies not sent yet were not brought back");
            return 0;
        }
    };
    let mut brought = 0;
    for (path, sha256) in files {
        if !is_hash(&sha256) || Path::new(&path).exists() {
            continue;
        }
        let Some(bytes) = read_if_same(&from.join(&sha256), &sha256) else {
            continue;
        };
        match bring_back(conn, &path, &sha256, &bytes, into) {
            Ok(()) => brought += 1,
            Err(error) => {
                tracing::warn!(file = %path, error = %error, "a file of a reply not sent yet was not brought back");
            }
        }
    }
    brought
}

/// One file (`bytes`, attached from `path`) into `into`, its rows pointed at it.
fn bring_back(
    conn: &Connection,
    path: &str,
    sha256: &str,
    bytes: &[u8],
    into: &Path,
) -> Result<()> {
    private_folder(into, false)?;
    // Its extension kept: the kind of file Facebook is told is read from it.
    let extension = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.len() <= 10 && e.chars().all(|c| c.is_ascii_alphanumeric()));
    let target = match extension {
        Some(extension) => into.join(format!("{sha256}.{extension}")),
        None => into.join(sha256),
    };
    if read_if_same(&target, sha256).is_none() {
        // One there is not this file (a restore killed while writing it): written again, under
        // a name of its own first.
        let partial = partial_name(&target);
        let _ = std::fs::remove_file(&partial);
        new_private_file(&partial)
            .and_then(|mut file| file.write_all(bytes))
            .and_then(|()| std::fs::rename(&partial, &target))
            .map_err(|why| {
                let _ = std::fs::remove_file(&partial);
                StoreError::Copy {
                    path: target.clone(),
                    why,
                }
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
    Ok(())
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

/// The name a restore writes the incoming database under before it takes the database's place.
const INCOMING: &str = "restoring";

/// Puts the backup `from` back as the database of `data_dir`: checked first (sound, and made
/// by pagedesk's migrations alone); refused while any pagedesk uses the data directory; the
/// database it replaces kept aside, whole, beside it. The new database takes the old one's
/// place in one rename: killed at any moment, the data directory has one or the other, and
/// the one replaced is aside.
pub fn restore(data_dir: &Path, from: &Path, stamp: &str) -> Result<Restored> {
    let database = data_dir.join(DATABASE_FILE);
    // The database in use itself, under another name.
    if same_file(from, &database) {
        return Err(StoreError::Damaged {
            path: from.to_owned(),
            why: "it is the database in use, not a backup".to_owned(),
        });
    }
    // A pipe or a device would be waited on for ever; a link could be changed under it.
    match std::fs::symlink_metadata(from) {
        Ok(found) if found.is_file() => {}
        Ok(_) => {
            return Err(StoreError::Damaged {
                path: from.to_owned(),
                why: "not a file (a folder, a link, a pipe or a device)".to_owned(),
            });
        }
        Err(why) => {
            return Err(StoreError::Unreadable {
                path: from.to_owned(),
                why,
            });
        }
    }
    if let Err(why) = File::open(from) {
        return Err(StoreError::Unreadable {
            path: from.to_owned(),
            why,
        });
    }
    // Read through one connection, from the check to the copy: a file put in its place after
    // the check is never read.
    let backup = open_to_read(from)?;
    let mut copied = check(&backup, from)?;
    // An empty file or another program's database checks as sound: it is no pagedesk backup.
    if !is_as_pagedesk_made_it(&backup, from)? {
        return Err(StoreError::Damaged {
            path: from.to_owned(),
            why: "not a pagedesk database as pagedesk made it".to_owned(),
        });
    }
    let lock = hold_exclusive(data_dir)?;
    remove_incoming_left_behind(data_dir);
    remove_left_by_the_dead(data_dir, PARTIAL);
    remove_left_by_the_dead(&data_dir.join("restored-files"), PARTIAL);
    let incoming = data_dir.join(format!("{DATABASE_FILE}.{INCOMING}-{}", std::process::id()));
    vacuum_into(&backup, &incoming)?;
    drop(backup);
    // Brought to this pagedesk's schema first (a backup of an earlier one is as welcome),
    // so that what is settled in it is settled in today's tables.
    let settled = Connection::open(&incoming)
        .map_err(about_copy(&incoming))
        .and_then(|conn| {
            let mut conn = Conn::sqlite(conn);
            super::migrate(&mut conn, &data_dir.join(DATABASE_FILE))?;
            // The database it replaces knows which waiting replies went out since.
            let replaced = Connection::open_with_flags(
                data_dir.join(DATABASE_FILE),
                OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .ok();
            settle_what_may_have_happened_since(&mut conn, &incoming, replaced.as_ref())
        })
        .and_then(|()| open_to_read(&incoming).and_then(|conn| check(&conn, &incoming)));
    if let Err(error) = settled {
        remove_with_journal(&incoming);
        return Err(error);
    }
    // An empty file (made by the command that opened the data directory) holds nothing to keep.
    let holds_something = std::fs::metadata(&database).is_ok_and(|m| m.len() > 0);
    let kept_aside = match holds_something {
        true => Some(put_aside(data_dir, stamp).inspect_err(|_| {
            let _ = std::fs::remove_file(&incoming);
        })?),
        false => None,
    };
    // Its write-ahead log goes first: an old log beside the new database would be read into it.
    for suffix in ["-wal", "-shm"] {
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
    std::fs::rename(&incoming, &database).map_err(|why| StoreError::Copy {
        path: database.clone(),
        why,
    })?;
    if let Ok(dir) = File::open(data_dir) {
        let _ = dir.sync_all();
    }
    // The restore is done: the files are brought back as well as they can be, each one that
    // cannot said in the log, never undoing it.
    copied.files_in = std::path::absolute(data_dir)
        .unwrap_or_else(|_| data_dir.to_owned())
        .join("restored-files");
    copied.files = match Connection::open(&database) {
        Ok(restored) => bring_back_files(&restored, &files_beside(from), &copied.files_in),
        Err(error) => {
            tracing::warn!(error = %error, "the files of replies not sent yet were not brought back");
            0
        }
    };
    drop(lock);
    Ok(Restored { copied, kept_aside })
}

/// What may have happened after the backup was taken, made safe in the restored database
/// `conn`: a reply waiting then may have been sent since, and Facebook shows only the 20
/// newest messages to look for it in, so it waits for staff (failed, with why; `r` sends it);
/// an order's `on_confirm` due or running then may have run since, so it waits for staff too.
fn settle_what_may_have_happened_since(
    conn: &mut Conn,
    path: &Path,
    replaced: Option<&Connection>,
) -> Result<()> {
    let about = |error: DbError| match error {
        DbError::Sqlite(why) => about_copy(path)(why),
        other => other.into(),
    };
    let tx = conn.write().map_err(about)?;
    if let Some(replaced) = replaced {
        known_sent_since(&tx, replaced).map_err(about)?;
    }
    let waiting: Vec<crate::model::ConversationId> = tx
        .prepare(
            "SELECT DISTINCT m.conversation_id FROM outbox o JOIN messages m ON m.id = o.message_id
             WHERE m.status = 'pending' AND o.withdrawn_at IS NULL",
        )
        .and_then(|mut statement| {
            statement
                .query_map([], |r| r.get(0))?
                .collect::<db::Result<_>>()
        })
        .map_err(about)?;
    tx.execute(
        "UPDATE messages SET status = 'failed', error = ?1, error_code = ?2, retry_possible = 1
         WHERE status = 'pending'
           AND id IN (SELECT message_id FROM outbox WHERE withdrawn_at IS NULL)",
        rusqlite::params![
            REPLY_AFTER_RESTORE,
            crate::model::ReplyProblem::Restored.code()
        ],
    )
    .map_err(about)?;
    tx.execute(
        "DELETE FROM outbox WHERE withdrawn_at IS NULL
           AND message_id IN (SELECT id FROM messages WHERE status = 'failed')",
        [],
    )
    .map_err(about)?;
    // A reply taken back after an attempt whose answer never came is only ever looked for.
    tx.execute(
        "UPDATE outbox SET outcome_unknown = 1,
            first_attempt_at = COALESCE(first_attempt_at,
                (SELECT created_time FROM messages WHERE id = outbox.message_id))",
        [],
    )
    .map_err(about)?;
    for conversation in &waiting {
        super::refresh_last_speaker(&tx, conversation).map_err(about)?;
    }
    tx.execute(
        "UPDATE orders SET hook_state = 'failed', hook_error = ?1
         WHERE hook_state IN ('due', 'running')",
        [HOOK_AFTER_RESTORE],
    )
    .map_err(about)?;
    tx.commit().map_err(about)
}

/// The replies waiting in the restored database (`tx`) that the database it replaces knows
/// were sent since: sent, with Facebook's id, as they were (Facebook shows only a
/// conversation's 20 newest messages, where a later read might no longer find them).
fn known_sent_since(tx: &Tx<'_>, replaced: &Connection) -> db::Result<()> {
    let waiting: Vec<(i64, String, String, bool, i64)> = tx
        .prepare(
            "SELECT m.id, m.conversation_id, m.text,
                EXISTS (SELECT 1 FROM outgoing_files f WHERE f.message_id = m.id), m.created_time
             FROM outbox o JOIN messages m ON m.id = o.message_id
             WHERE m.status = 'pending' AND o.withdrawn_at IS NULL",
        )?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<db::Result<_>>()?;
    for (id, conversation, text, file, queued) in waiting {
        // The replaced database may be damaged or of another schema: then nothing is known.
        let sent: Option<String> = replaced
            .query_row(
                "SELECT m.fb_id FROM messages m
                 WHERE m.conversation_id = ?1 AND m.text = ?2 AND m.direction = 'out'
                   AND m.status = 'sent' AND m.fb_id IS NOT NULL AND m.created_time >= ?3
                   AND EXISTS (SELECT 1 FROM outgoing_files f WHERE f.message_id = m.id) = ?4
                 ORDER BY m.created_time LIMIT 1",
                rusqlite::params![
                    conversation,
                    text,
                    queued - crate::model::CLOCK_SLACK.num_seconds(),
                    file
                ],
                |r| r.get(0),
            )
            .ok();
        let Some(fb_id) = sent else {
            continue;
        };
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE fb_id = ?1)",
            [&fb_id],
            |r| r.get(0),
        )?;
        if taken {
            continue;
        }
        tx.execute(
            "UPDATE messages SET fb_id = ?2, status = 'sent', error = NULL, error_code = NULL
             WHERE id = ?1",
            rusqlite::params![id, fb_id],
        )?;
        tx.execute("DELETE FROM outbox WHERE message_id = ?1", [id])?;
    }
    Ok(())
}

/// Why a reply waiting in the backup waits for staff after a restore, in the log's words.
const REPLY_AFTER_RESTORE: &str = "waiting when the restored backup was taken: it may have gone out since; look in Messenger, and send it again if it did not";

/// Why an order's `on_confirm` waits for staff after a restore.
const HOOK_AFTER_RESTORE: &str = "restored from a backup: it may have run since the backup was taken; run it again only if it did not";

/// A restore's incoming database left by one that was killed (none runs now: the data
/// directory is this process's alone).
fn remove_incoming_left_behind(data_dir: &Path) {
    let prefix = format!("{DATABASE_FILE}.{INCOMING}-");
    if let Ok(entries) = std::fs::read_dir(data_dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The data directory's database put aside, whole: copied into one file when it reads, else
/// (damaged: the reason to restore) linked aside as it is, with its write-ahead log. Either way
/// the database stays where it is until the restored one replaces it in one rename.
fn put_aside(data_dir: &Path, stamp: &str) -> Result<PathBuf> {
    let database = data_dir.join(DATABASE_FILE);
    let aside = free_name(data_dir, &format!("{DATABASE_FILE}.before-restore-{stamp}"));
    let partial = partial_name(&aside);
    let copied = Connection::open_with_flags(&database, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(StoreError::from)
        .and_then(|conn| vacuum_into(&conn, &partial))
        .and_then(|()| publish(&partial, &aside));
    if copied.is_ok() {
        return Ok(aside);
    }
    remove_with_journal(&partial);
    let linked = |from: &Path, to: &Path| {
        std::fs::hard_link(from, to).map_err(|why| StoreError::Copy {
            path: to.to_owned(),
            why,
        })
    };
    let wal = data_dir.join(format!("{DATABASE_FILE}-wal"));
    if wal.exists() {
        let mut aside_wal = aside.as_os_str().to_owned();
        aside_wal.push("-wal");
        linked(&wal, Path::new(&aside_wal))?;
    }
    linked(&database, &aside)?;
    Ok(aside)
}

/// Before a migration changes the schema of the database at `database` (at version `from`):
/// a copy beside it, named with that version, the one such copy kept. Written under a name of
/// its own first, and put in place by [`keep_schema_copy`] only by the process that migrates.
pub(super) fn copy_before_migration(conn: &Connection, database: &Path) -> Result<PathBuf> {
    let partial =
        database.with_file_name(format!("{DATABASE_FILE}.copying-{}", std::process::id()));
    remove_left_by_the_dead(
        database.parent().unwrap_or(Path::new(".")),
        &format!("{DATABASE_FILE}.copying-"),
    );
    let _ = std::fs::remove_file(&partial);
    vacuum_into(conn, &partial)?;
    Ok(partial)
}

/// Copies in `dir` that pagedesks were killed making (`NAME{marker}PID`, and their journals),
/// the pagedesk gone: each the size of the database, and a service restarted every few seconds
/// would fill the disk with them. A backup's files folder goes with its copy when the copy
/// never got its name.
fn remove_left_by_the_dead(dir: &Path, marker: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((named, rest)) = name.rsplit_once(marker) else {
            continue;
        };
        let Ok(pid) = rest
            .strip_suffix("-journal")
            .unwrap_or(rest)
            .parse::<libc::pid_t>()
        else {
            continue;
        };
        // SAFETY: kill(2) with signal 0 only asks whether the process is there.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if alive || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let _ = std::fs::remove_file(entry.path());
        let files = files_beside(&dir.join(named));
        if !dir.join(named).exists() && files.is_dir() {
            let _ = std::fs::remove_dir_all(files);
        }
    }
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
        let backups = tempfile::tempdir().unwrap();
        let backup = backups.path().join("copy.db");
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
        assert!(
            error.contains("no-such-folder") && error.contains("its folder does not exist"),
            "{error}"
        );
        let error = store.backup(dir.path()).unwrap_err().to_string();
        assert!(error.contains("name a new file"), "a folder given: {error}");
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
        let missing = dir.path().join("missing.db");
        let error = restore(dir.path(), &missing, "x").unwrap_err().to_string();
        assert!(
            error.starts_with("cannot read") && error.contains("missing.db"),
            "{error}"
        );
    }
}
