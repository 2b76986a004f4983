//! The picture cache: the files of messages (a buyer's photo, a sticker) once fetched, in the
//! data directory's `pictures/`, private like the rest of it, and capped in size: when a new
//! file takes it over the cap, the least recently used go first. Plain files, so that every
//! pagedesk on the data directory shares them without the database.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const PICTURES_DIR: &str = "pictures";

#[derive(Debug, Clone)]
pub struct PictureCache {
    dir: PathBuf,
    cap_bytes: u64,
    /// Making room one put at a time: two at once would each remove the file the other keeps,
    /// and empty the cache.
    making_room: std::sync::Arc<std::sync::Mutex<()>>,
}

impl PictureCache {
    /// The cache under `data_dir`, at most `cap_bytes` in all.
    pub fn open(data_dir: &Path, cap_bytes: u64) -> std::io::Result<PictureCache> {
        let dir = data_dir.join(PICTURES_DIR);
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        Ok(PictureCache {
            dir,
            cap_bytes,
            making_room: std::sync::Arc::default(),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        // Facebook's ids are not file names: the key's hash is.
        self.dir.join(crate::files::sha256_hex(key.as_bytes()))
    }

    /// The bytes kept for `key`, marked as just used.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.path(key);
        let bytes = std::fs::read(&path).ok()?;
        if let Ok(file) = std::fs::File::options().append(true).open(&path) {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(bytes)
    }

    /// Keeps `bytes` for `key` (written whole, then renamed into place, so that another
    /// pagedesk never reads half a file), then makes room: least recently used first out.
    pub fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(key);
        let partial = path.with_extension(format!("part-{}", std::process::id()));
        let mut file = std::fs::File::options()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)?;
        let written = file.write_all(bytes).and_then(|()| file.sync_data());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        std::fs::rename(&partial, &path)?;
        self.make_room(&path)
    }

    /// Removes the least recently used files until the cache is within its cap; `keep` (the
    /// file just written) stays even when it alone is over it.
    fn make_room(&self, keep: &Path) -> std::io::Result<()> {
        let _turn = self
            .making_room
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut files: Vec<(SystemTime, u64, PathBuf)> = std::fs::read_dir(&self.dir)?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let metadata = entry.metadata().ok()?;
                // Another pagedesk's file being written (`.part-PID`) is not the cache's yet.
                let whole = entry.path().extension().is_none();
                (metadata.is_file() && whole).then(|| {
                    let used = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    (used, metadata.len(), entry.path())
                })
            })
            .collect();
        let mut total: u64 = files.iter().map(|(_, size, _)| size).sum();
        files.sort();
        for (_, size, path) in files {
            if total <= self.cap_bytes {
                break;
            }
            if path != keep && std::fs::remove_file(&path).is_ok() {
                total -= size;
            }
        }
        Ok(())
    }
}

/// The most files one message carries that the cache may hold (Messenger sends up to 10).
const FILES_PER_MESSAGE: usize = 10;

/// Removes every file of message `mid` from the cache in `data_dir` (a buyer unsent it): its
/// attachments and its sticker.
pub fn forget_message(data_dir: &Path, mid: &crate::model::MessageId) {
    let dir = data_dir.join(PICTURES_DIR);
    let keys = (0..FILES_PER_MESSAGE)
        .map(|index| format!("{mid}/{index}"))
        .chain(std::iter::once(format!("{mid}/sticker")));
    for key in keys {
        let path = dir.join(crate::files::sha256_hex(key.as_bytes()));
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!("an unsent picture left the cache"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, "cannot remove an unsent picture from the cache"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_least_recently_used_pictures_go_first_when_the_cap_is_reached() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PictureCache::open(dir.path(), 100).unwrap();
        for key in ["a", "b", "c"] {
            cache.put(key, &[0; 30]).unwrap();
            // Distinct times, oldest first, whatever the file system's resolution.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // "a" is looked at again: "b" is now the least recently used.
        assert!(cache.get("a").is_some());
        std::thread::sleep(std::time::Duration::from_millis(20));
        cache.put("d", &[0; 30]).unwrap();
        assert!(cache.get("b").is_none(), "the least recently used went");
        for key in ["a", "c", "d"] {
            assert!(cache.get(key).is_some(), "{key} kept");
        }
        // One picture over the cap alone is still kept (it is the one being looked at).
        cache.put("big", &[0; 150]).unwrap();
        assert_eq!(cache.get("big").unwrap().len(), 150);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join(PICTURES_DIR)), 0o700);
        assert_eq!(mode(&cache.path("big")), 0o600);
    }

    #[test]
    fn many_pictures_never_take_the_cache_over_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PictureCache::open(dir.path(), 10_000).unwrap();
        for n in 0..300 {
            cache.put(&format!("m_{n}/0"), &[7; 700]).unwrap();
        }
        let held: u64 = std::fs::read_dir(dir.path().join(PICTURES_DIR))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(held <= 10_000, "{held} bytes held");
        assert!(cache.get("m_299/0").is_some(), "the newest is kept");
    }

    /// Pictures fetched at once (four at a time in the inbox), each over half the cap: the
    /// cache ends holding one, never none.
    #[test]
    fn pictures_kept_at_once_leave_the_newest_not_an_empty_cache() {
        for _ in 0..100 {
            let dir = tempfile::tempdir().unwrap();
            let cache = PictureCache::open(dir.path(), 1000).unwrap();
            let start = std::sync::Arc::new(std::sync::Barrier::new(4));
            let puts: Vec<_> = (0..4)
                .map(|n| {
                    let (cache, start) = (cache.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        cache.put(&format!("m_{n}/0"), &[b'x'; 600]).unwrap();
                    })
                })
                .collect();
            for put in puts {
                put.join().unwrap();
            }
            let kept = std::fs::read_dir(dir.path().join(PICTURES_DIR))
                .unwrap()
                .count();
            assert_eq!(kept, 1);
        }
    }
}
