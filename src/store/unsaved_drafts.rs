//! Drafts the database could not take (a team's PostgreSQL out of reach), kept in the data
//! directory until it can: what staff typed is never lost with the inbox that held it, even
//! when that inbox is closed or killed before the database is back.
//!
//! Each inbox keeps its own file (`unsaved-drafts/<pid>-<nonce>.json`, the owner's alone from
//! the first byte), written whole and renamed into place, so that two inboxes never write the
//! same file. The next inbox of the same staff member that reaches the database puts them back
//! as drafts, and removes the file.

use std::collections::BTreeMap;
use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Result, Store};
use crate::model::ConversationId;

const FOLDER: &str = "unsaved-drafts";

/// The most one inbox's file may hold: far more than anyone types (drafts of a few hundred
/// conversations); a file larger was not written by pagedesk and is left alone.
const MOST_BYTES: u64 = 4 * 1024 * 1024;

/// The longest draft put back: ten replies' worth (a reply is at most 2,000 characters).
const MOST_CHARS: usize = 10 * crate::model::MAX_REPLY_CHARS;

/// One inbox's drafts not yet in the database.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Kept {
    staff: String,
    /// Conversation id to the reply box's text.
    drafts: BTreeMap<String, String>,
}

/// The file of one inbox (this process).
pub struct UnsavedDrafts {
    file: PathBuf,
    staff: String,
}

impl UnsavedDrafts {
    /// The file this inbox keeps its unsaved drafts in; `instance` names the inbox.
    pub fn of(data_dir: &Path, staff: &str, instance: &str) -> UnsavedDrafts {
        let name: String = instance
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        UnsavedDrafts {
            file: data_dir.join(FOLDER).join(format!("{name}.json")),
            staff: staff.to_owned(),
        }
    }

    /// Keeps `drafts` (every draft of this inbox the database has not taken) in place of what
    /// was kept before; none: the file goes.
    pub fn keep<'a>(
        &self,
        drafts: impl IntoIterator<Item = (&'a ConversationId, &'a String)>,
    ) -> std::io::Result<()> {
        let drafts: BTreeMap<String, String> = drafts
            .into_iter()
            .map(|(id, text)| (id.to_string(), text.clone()))
            .collect();
        if drafts.is_empty() {
            return match std::fs::remove_file(&self.file) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            };
        }
        let kept = Kept {
            staff: self.staff.clone(),
            drafts,
        };
        let folder = self.file.parent().expect("the file is in the folder");
        match DirBuilder::new().mode(0o700).create(folder) {
            Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => return Err(error),
            _ => {}
        }
        refuse_link(folder)?;
        // Made private if it was not (as the data directory's files are).
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))?;
        let fresh = self.file.with_extension("json.new");
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&fresh)?;
        // Not synced to the platter: this runs on the inbox's thread, and what it guards
        // against is the inbox closed or killed, which the system's cache outlives.
        file.write_all(&serde_json::to_vec(&kept).map_err(std::io::Error::other)?)?;
        std::fs::rename(&fresh, &self.file)
    }
}

/// Puts back, as `store`'s staff member's drafts, those any inbox of theirs kept in the data
/// directory, and removes each file once its drafts are in. Returns how many.
pub fn put_back(store: &mut Store) -> Result<usize> {
    let folder = store.data_dir().join(FOLDER);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Ok(0);
    };
    let mut put = 0;
    if refuse_link(&folder).is_err() {
        tracing::warn!(folder = %folder.display(), "unsaved drafts in a folder that is a link are left alone");
        return Ok(0);
    }
    for file in entries.flatten().map(|e| e.path()) {
        if file.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(kept) =
            read_own(&file).and_then(|bytes| serde_json::from_slice::<Kept>(&bytes).ok())
        else {
            tracing::warn!(file = %file.display(), "unsaved drafts that cannot be read are left where they are");
            continue;
        };
        if kept.staff != store.staff {
            continue;
        }
        for (conversation, kept) in &kept.drafts {
            let conversation = ConversationId::from(conversation.as_str());
            let stored = store.draft(&conversation)?.unwrap_or_default();
            let kept: String = kept.chars().take(MOST_CHARS).collect();
            store.save_draft(&conversation, &merged(&stored, &kept))?;
            put += 1;
        }
        if let Err(error) = std::fs::remove_file(&file)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %file.display(), error = %error, "unsaved drafts put back but not removed");
        }
    }
    Ok(put)
}

/// A folder that is a symbolic link is not written through: it could lead anywhere.
fn refuse_link(folder: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(folder) {
        Ok(meta) if meta.file_type().is_symlink() => Err(std::io::Error::other(format!(
            "{} is a link, not a folder",
            folder.display()
        ))),
        _ => Ok(()),
    }
}

/// A file's bytes when it is this user's own, not a link, not open to others' writing, and
/// of a size pagedesk writes: what another user (or a link to elsewhere) put there is not
/// taken for what staff typed.
fn read_own(file: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(file)
        .ok()?;
    let meta = opened.metadata().ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me || meta.mode() & 0o022 != 0 || meta.len() > MOST_BYTES {
        return None;
    }
    let mut bytes = Vec::new();
    opened.take(MOST_BYTES).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// The draft to keep from the one the database holds and the one kept on disk. The database
/// mostly holds an earlier state of the same typing (saved each second until the outage): the
/// one kept on disk goes on from it and replaces it, and one the database holds that goes on
/// from the kept one (typed in another inbox since) stays. Two drafts that are not one the
/// other's continuation (edited in both places) are both kept, the database's first: nothing
/// typed is lost, and staff see both.
fn merged(stored: &str, kept: &str) -> String {
    let (stored_words, kept_words) = (stored.trim_end(), kept.trim_end());
    if kept_words.starts_with(stored_words) {
        kept.to_owned()
    } else if stored_words.starts_with(kept_words) {
        stored.to_owned()
    } else {
        format!("{stored_words}\n\n{kept}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn kept_drafts_are_the_owners_alone_and_come_back_once_for_their_staff_member() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap().as_staff("Hoa");
        let conversation = ConversationId::from("t_1");
        let drafts = BTreeMap::from([(conversation.clone(), "Dạ còn ạ".to_owned())]);
        UnsavedDrafts::of(dir.path(), "Hoa", "host/12-ab")
            .keep(&drafts)
            .unwrap();
        UnsavedDrafts::of(dir.path(), "Minh", "host/13-cd")
            .keep(&drafts)
            .unwrap();
        let file = dir.path().join(FOLDER).join("host-12-ab.json");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let folder = std::fs::metadata(dir.path().join(FOLDER)).unwrap();
        assert_eq!(folder.permissions().mode() & 0o777, 0o700);

        store.save_draft(&conversation, "Chị ơi").unwrap();
        assert_eq!(put_back(&mut store).unwrap(), 1, "Hoa's only");
        assert_eq!(
            store.draft(&conversation).unwrap().as_deref(),
            Some("Chị ơi\n\nDạ còn ạ"),
            "another draft typed meanwhile: both kept"
        );
        assert!(!file.exists());
        assert_eq!(put_back(&mut store).unwrap(), 0, "once");
        let mut minh = Store::open(dir.path()).unwrap().as_staff("Minh");
        // What the database took before the outage is the start of what was kept.
        minh.save_draft(&conversation, "Dạ ").unwrap();
        assert_eq!(put_back(&mut minh).unwrap(), 1);
        assert_eq!(
            minh.draft(&conversation).unwrap().as_deref(),
            Some("Dạ còn ạ")
        );
    }

    #[test]
    fn only_the_owners_own_files_of_a_sane_size_are_taken_and_no_link_is_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap().as_staff("Hoa");
        let folder = dir.path().join(FOLDER);
        std::fs::create_dir(&folder).unwrap();
        let kept = |text: &str| format!(r#"{{"staff":"Hoa","drafts":{{"t_1":"{text}"}}}}"#);
        // Open to others' writing: someone else's words, not Hoa's.
        let open = folder.join("open.json");
        std::fs::write(&open, kept("pay to acct 999")).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o666)).unwrap();
        // A link to a file elsewhere.
        let elsewhere = dir.path().join("elsewhere.json");
        std::fs::write(&elsewhere, kept("from elsewhere")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, folder.join("link.json")).unwrap();
        // Larger than pagedesk writes.
        let huge = folder.join("huge.json");
        std::fs::write(&huge, kept(&"x".repeat(5 * 1024 * 1024))).unwrap();
        assert_eq!(put_back(&mut store).unwrap(), 0);
        assert_eq!(store.draft(&ConversationId::from("t_1")).unwrap(), None);
        // A long draft of Hoa's own is put back cut to ten replies' worth.
        std::fs::write(folder.join("long.json"), kept(&"ạ".repeat(50_000))).unwrap();
        assert_eq!(put_back(&mut store).unwrap(), 1);
        let back = store.draft(&ConversationId::from("t_1")).unwrap().unwrap();
        assert_eq!(back.chars().count(), MOST_CHARS);
        // A folder that is a link is neither read nor written through.
        std::fs::remove_dir_all(&folder).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), &folder).unwrap();
        let drafts = BTreeMap::from([(ConversationId::from("t_2"), "Dạ".to_owned())]);
        assert!(
            UnsavedDrafts::of(dir.path(), "Hoa", "h/1")
                .keep(&drafts)
                .is_err()
        );
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn the_typing_kept_on_disk_replaces_its_own_start_and_never_doubles() {
        assert_eq!(merged("", "Dạ còn ạ"), "Dạ còn ạ");
        assert_eq!(merged("Dạ còn ", "Dạ còn ạ, size M"), "Dạ còn ạ, size M");
        assert_eq!(merged("Dạ còn ạ, size M", "Dạ còn"), "Dạ còn ạ, size M");
        assert_eq!(merged("Dạ còn ạ", "Dạ còn ạ"), "Dạ còn ạ");
        assert_eq!(merged("Chị ơi", "Dạ còn ạ"), "Chị ơi\n\nDạ còn ạ");
    }
}
