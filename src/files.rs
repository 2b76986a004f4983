//! Files staff send with a reply (a product photo, a price list): what Facebook takes, checked
//! before anything is stored, and the content hash that names a file for the upload cache and
//! tells, when the time to send comes, whether it changed since staff attached it.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::Digest;

/// The largest file Facebook takes in a message (`shared/graph-api.md`: 25 MB).
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;

/// What Facebook calls the kind of an attachment (`attachment.type` in the Send API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum FileKind {
    Image,
    Video,
    Audio,
    File,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(text: &str) -> Option<FileKind> {
        text.parse().ok()
    }
}

/// What pagedesk sends, by file name ending: the kinds Messenger shows to the buyer (pictures
/// inline, videos and voice played, documents offered for download). Anything else (programs,
/// archives of unknown content) is refused before it is stored.
const SENDABLE: &[(&str, &str, FileKind)] = &[
    ("jpg", "image/jpeg", FileKind::Image),
    ("jpeg", "image/jpeg", FileKind::Image),
    ("png", "image/png", FileKind::Image),
    ("gif", "image/gif", FileKind::Image),
    ("webp", "image/webp", FileKind::Image),
    ("mp4", "video/mp4", FileKind::Video),
    ("mov", "video/quicktime", FileKind::Video),
    ("mp3", "audio/mpeg", FileKind::Audio),
    ("m4a", "audio/mp4", FileKind::Audio),
    ("aac", "audio/aac", FileKind::Audio),
    ("wav", "audio/wav", FileKind::Audio),
    ("ogg", "audio/ogg", FileKind::Audio),
    ("pdf", "application/pdf", FileKind::File),
    ("txt", "text/plain", FileKind::File),
    ("csv", "text/csv", FileKind::File),
    ("doc", "application/msword", FileKind::File),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        FileKind::File,
    ),
    ("xls", "application/vnd.ms-excel", FileKind::File),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        FileKind::File,
    ),
    ("ppt", "application/vnd.ms-powerpoint", FileKind::File),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        FileKind::File,
    ),
];

/// The MIME type and kind pagedesk sends a file name as, or `None` when it does not send it.
pub fn sendable_type(name: &str) -> Option<(&'static str, FileKind)> {
    let extension = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    SENDABLE
        .iter()
        .find(|(ending, _, _)| *ending == extension)
        .map(|(_, mime, kind)| (*mime, *kind))
}

/// A file attached to a reply: where it is, what it is, and its SHA-256 when attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingFile {
    pub path: PathBuf,
    /// The file name the buyer sees.
    pub name: String,
    pub mime_type: String,
    pub kind: FileKind,
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
}

/// Why a file cannot be sent. Each names the file, so the reason stands on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("{path}: no such file")]
    Missing { path: String },
    #[error("{path} is not a file")]
    NotAFile { path: String },
    #[error("{path} cannot be read: {why}")]
    Unreadable { path: String, why: String },
    #[error("{path} is {} MB; Facebook takes files up to {} MB", megabytes(*size), MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge { path: String, size: u64 },
    #[error(
        "{path}: pagedesk sends pictures (jpg, png, gif, webp), videos (mp4, mov), audio (mp3, m4a, aac, wav, ogg) and documents (pdf, txt, csv, doc, xls, ppt and their x forms)"
    )]
    Unsupported { path: String },
    #[error("{path} changed after it was attached; attach it again to send it as it is now")]
    Changed { path: String },
}

impl FileProblem {
    /// A missing or changed file may come back as it was: trying again can work.
    pub fn may_pass_later(&self) -> bool {
        matches!(
            self,
            FileProblem::Missing { .. }
                | FileProblem::Changed { .. }
                | FileProblem::Unreadable { .. }
        )
    }
}

/// Megabytes with one decimal, as people read file sizes.
fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

impl OutgoingFile {
    /// Checks a file staff attach, as Facebook would, before anything is stored: it exists, is
    /// readable, is of a kind pagedesk sends and is within 25 MB. Reads it once, for its hash.
    pub fn check(path: &Path) -> Result<OutgoingFile, FileProblem> {
        let shown = path.display().to_string();
        let name = path
            .file_name()
            .map(|n| crate::text::clean_line(&n.to_string_lossy()))
            .unwrap_or_else(|| shown.clone());
        let Some((mime_type, kind)) = sendable_type(&name) else {
            // A missing file is said as missing, whatever its name.
            std::fs::metadata(path).map_err(|e| io_problem(&shown, &e))?;
            return Err(FileProblem::Unsupported { path: shown });
        };
        let bytes = read_within_limit(path)?;
        Ok(OutgoingFile {
            path: path.to_owned(),
            name,
            mime_type: mime_type.to_owned(),
            kind,
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        })
    }

    /// The file's bytes as they were when attached: a file gone or changed since is refused.
    pub fn read_unchanged(&self) -> Result<Vec<u8>, FileProblem> {
        let bytes = read_within_limit(&self.path)?;
        if bytes.len() as u64 != self.size || sha256_hex(&bytes) != self.sha256 {
            return Err(FileProblem::Changed {
                path: self.path.display().to_string(),
            });
        }
        Ok(bytes)
    }
}

/// Reads a file of at most [`MAX_FILE_BYTES`]; a larger one is refused without reading it all.
fn read_within_limit(path: &Path) -> Result<Vec<u8>, FileProblem> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| io_problem(&shown, &e))?;
    let metadata = file.metadata().map_err(|e| io_problem(&shown, &e))?;
    if !metadata.is_file() {
        return Err(FileProblem::NotAFile { path: shown });
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge {
            path: shown,
            size: metadata.len(),
        });
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // One byte past the limit tells a file that grew while it was read.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_problem(&shown, &e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge {
            path: shown,
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

fn io_problem(path: &str, error: &std::io::Error) -> FileProblem {
    match error.kind() {
        std::io::ErrorKind::NotFound => FileProblem::Missing {
            path: path.to_owned(),
        },
        std::io::ErrorKind::IsADirectory => FileProblem::NotAFile {
            path: path.to_owned(),
        },
        _ => FileProblem::Unreadable {
            path: path.to_owned(),
            why: error.to_string(),
        },
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_refused_before_anything_is_stored_with_the_reason_and_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("Áo thun.JPG");
        std::fs::write(&photo, b"\xff\xd8\xff jpeg bytes").unwrap();
        let file = OutgoingFile::check(&photo).unwrap();
        assert_eq!(
            (file.name.as_str(), file.mime_type.as_str(), file.kind),
            ("Áo thun.JPG", "image/jpeg", FileKind::Image)
        );
        assert_eq!(file.size, 14);

        let big = dir.path().join("catalogue.pdf");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_FILE_BYTES + 1)
            .unwrap();
        let said = OutgoingFile::check(&big).unwrap_err().to_string();
        assert!(
            said.contains("catalogue.pdf is 25.0 MB; Facebook takes files up to 25 MB"),
            "{said}"
        );

        let program = dir.path().join("setup.exe");
        std::fs::write(&program, b"MZ").unwrap();
        assert!(matches!(
            OutgoingFile::check(&program),
            Err(FileProblem::Unsupported { .. })
        ));
        assert!(matches!(
            OutgoingFile::check(&dir.path().join("gone.png")),
            Err(FileProblem::Missing { .. })
        ));
        assert!(matches!(
            OutgoingFile::check(&dir.path().join("gone.exe")),
            Err(FileProblem::Missing { .. })
        ));
        let folder = dir.path().join("photos.png");
        std::fs::create_dir(&folder).unwrap();
        assert!(matches!(
            OutgoingFile::check(&folder),
            Err(FileProblem::NotAFile { .. })
        ));
    }

    #[test]
    fn a_file_changed_or_gone_after_attaching_is_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("vay.png");
        std::fs::write(&photo, b"first").unwrap();
        let file = OutgoingFile::check(&photo).unwrap();
        assert_eq!(file.read_unchanged().unwrap(), b"first");
        std::fs::write(&photo, b"other").unwrap();
        assert!(matches!(
            file.read_unchanged(),
            Err(FileProblem::Changed { .. })
        ));
        std::fs::remove_file(&photo).unwrap();
        assert!(matches!(
            file.read_unchanged(),
            Err(FileProblem::Missing { .. })
        ));
    }
}
