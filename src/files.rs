//! Files staff send with a reply (a product photo, a price list): what Facebook takes, checked
//! before anything is stored, and the content hash that names a file for the upload cache and
//! tells, when the time to send comes, whether it changed since staff attached it. A file is
//! read only as a regular file in the folder it was chosen in, within a size and a time bound,
//! and sent only when what it holds is what its name says.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::Digest;

/// The largest file Facebook takes in a message (`shared/graph-api.md`: 25 MB).
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;

/// How long reading a file may take: 25 MB from a slow USB stick or a network disk takes
/// seconds; a network disk that stopped answering would take forever.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

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

/// What a file of a kind begins with, so that its bytes can be told from its name: a file
/// named `.jpg` that holds the config, a program or a price list is not sent as a photo.
#[derive(Debug, Clone, Copy)]
enum Content {
    Jpeg,
    Png,
    Gif,
    Webp,
    /// MP4, M4A and QuickTime: boxes, `ftyp` first (older QuickTime files start with another).
    IsoMedia,
    /// MP3 (an ID3 tag or a frame) and AAC (an ADTS frame, or ADIF).
    Mpeg,
    Wav,
    Ogg,
    Pdf,
    /// Word, Excel and PowerPoint before 2007: an OLE compound file.
    Ole,
    /// docx, xlsx and pptx: a zip archive.
    Zip,
    /// Plain text and CSV: no NUL byte, unless it is UTF-16 (with its byte order mark).
    Text,
}

impl Content {
    fn holds(self, bytes: &[u8]) -> bool {
        let at =
            |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
        match self {
            Content::Jpeg => at(0, b"\xff\xd8\xff"),
            Content::Png => at(0, b"\x89PNG"),
            Content::Gif => at(0, b"GIF87a") || at(0, b"GIF89a"),
            Content::Webp => at(0, b"RIFF") && at(8, b"WEBP"),
            Content::IsoMedia => [&b"ftyp"[..], b"moov", b"mdat", b"wide", b"free", b"skip"]
                .iter()
                .any(|kind| at(4, kind)),
            Content::Mpeg => {
                at(0, b"ID3")
                    || at(0, b"ADIF")
                    || matches!(bytes, [0xff, second, ..] if second & 0xe0 == 0xe0)
            }
            Content::Wav => at(0, b"RIFF") && at(8, b"WAVE"),
            Content::Ogg => at(0, b"OggS"),
            // Readers take the header anywhere in the first 1,024 bytes.
            Content::Pdf => bytes[..bytes.len().min(1024)]
                .windows(5)
                .any(|w| w == b"%PDF-"),
            Content::Ole => at(0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
            Content::Zip => at(0, b"PK\x03\x04"),
            Content::Text => {
                at(0, b"\xff\xfe")
                    || at(0, b"\xfe\xff")
                    || !bytes[..bytes.len().min(8192)].contains(&0)
            }
        }
    }
}

/// What pagedesk sends, by file name ending: the kinds Messenger shows to the buyer (pictures
/// inline, videos and voice played, documents offered for download), and what such a file
/// holds. Anything else (programs, archives of unknown content) is refused before it is stored.
const SENDABLE: &[(&str, &str, FileKind, Content)] = &[
    ("jpg", "image/jpeg", FileKind::Image, Content::Jpeg),
    ("jpeg", "image/jpeg", FileKind::Image, Content::Jpeg),
    ("png", "image/png", FileKind::Image, Content::Png),
    ("gif", "image/gif", FileKind::Image, Content::Gif),
    ("webp", "image/webp", FileKind::Image, Content::Webp),
    ("mp4", "video/mp4", FileKind::Video, Content::IsoMedia),
    ("mov", "video/quicktime", FileKind::Video, Content::IsoMedia),
    ("mp3", "audio/mpeg", FileKind::Audio, Content::Mpeg),
    ("m4a", "audio/mp4", FileKind::Audio, Content::IsoMedia),
    ("aac", "audio/aac", FileKind::Audio, Content::Mpeg),
    ("wav", "audio/wav", FileKind::Audio, Content::Wav),
    ("ogg", "audio/ogg", FileKind::Audio, Content::Ogg),
    ("pdf", "application/pdf", FileKind::File, Content::Pdf),
    ("txt", "text/plain", FileKind::File, Content::Text),
    ("csv", "text/csv", FileKind::File, Content::Text),
    ("doc", "application/msword", FileKind::File, Content::Ole),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        FileKind::File,
        Content::Zip,
    ),
    (
        "xls",
        "application/vnd.ms-excel",
        FileKind::File,
        Content::Ole,
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        FileKind::File,
        Content::Zip,
    ),
    (
        "ppt",
        "application/vnd.ms-powerpoint",
        FileKind::File,
        Content::Ole,
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        FileKind::File,
        Content::Zip,
    ),
];

/// The MIME type and kind pagedesk sends a file name as, or `None` when it does not send it.
pub fn sendable_type(name: &str) -> Option<(&'static str, FileKind)> {
    sendable(name).map(|(_, mime, kind, _)| (*mime, *kind))
}

fn sendable(name: &str) -> Option<&'static (&'static str, &'static str, FileKind, Content)> {
    let extension = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    SENDABLE.iter().find(|(ending, ..)| *ending == extension)
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

/// Why a file cannot be sent. Each names the file, so the reason stands on its own; said in
/// the staff's language by [`crate::i18n::Tr::file_problem`] (in English as `Display`, for the
/// log and the outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    Missing {
        path: String,
    },
    /// A folder, a pipe, a device: reading one could wait forever or never end.
    NotAFile {
        path: String,
    },
    Unreadable {
        path: String,
        why: String,
    },
    NoPermission {
        path: String,
    },
    /// A link that leads out of the folder the file was chosen in (to the config, say).
    OutsideFolder {
        path: String,
    },
    TooLarge {
        path: String,
        size: u64,
    },
    Unsupported {
        path: String,
    },
    /// Its name says one kind (`ending`) and its bytes another.
    NotWhatItsNameSays {
        path: String,
        ending: String,
    },
    /// Not read within [`READ_TIMEOUT`].
    TimedOut {
        path: String,
    },
    Changed {
        path: String,
    },
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let english = crate::i18n::Tr(crate::i18n::Lang::En);
        f.write_str(&english.file_problem(self))
    }
}

impl std::error::Error for FileProblem {}

impl FileProblem {
    /// A missing, changed, unreadable or slow file may come back as it was: trying again can
    /// work.
    pub fn may_pass_later(&self) -> bool {
        matches!(
            self,
            FileProblem::Missing { .. }
                | FileProblem::Changed { .. }
                | FileProblem::Unreadable { .. }
                | FileProblem::NoPermission { .. }
                | FileProblem::TimedOut { .. }
        )
    }
}

impl OutgoingFile {
    /// Checks a file staff attach, as Facebook would, before anything is stored: a regular file
    /// in the folder it was chosen in, readable within [`READ_TIMEOUT`], of a kind pagedesk
    /// sends by its name and by what it holds, within 25 MB. Reads it once, for its hash.
    pub fn check(path: &Path) -> Result<OutgoingFile, FileProblem> {
        let shown = path.display().to_string();
        let name = path
            .file_name()
            .map(|n| crate::text::clean_line(&n.to_string_lossy()))
            .unwrap_or_else(|| shown.clone());
        let Some((ending, mime_type, kind, content)) = sendable(&name) else {
            // A missing file is said as missing, whatever its name.
            std::fs::symlink_metadata(path).map_err(|e| io_problem(&shown, &e))?;
            return Err(FileProblem::Unsupported { path: shown });
        };
        let bytes = read_within_limit(path)?;
        if !content.holds(&bytes) {
            return Err(FileProblem::NotWhatItsNameSays {
                path: shown,
                ending: (*ending).to_owned(),
            });
        }
        Ok(OutgoingFile {
            // Whoever sends it (the engine of another process, in another folder) finds the
            // same file: a path typed relative to this process's folder is made whole.
            path: std::path::absolute(path).unwrap_or_else(|_| path.to_owned()),
            name,
            mime_type: (*mime_type).to_owned(),
            kind: *kind,
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

/// Reads a file of at most [`MAX_FILE_BYTES`] (a larger one is refused without reading it all)
/// as [`open_chosen`] opens it, on a thread of its own: a disk that does not answer within
/// [`READ_TIMEOUT`] is said so, and whoever asked goes on.
fn read_within_limit(path: &Path) -> Result<Vec<u8>, FileProblem> {
    let owned = path.to_owned();
    within(READ_TIMEOUT, path, move || {
        let shown = owned.display().to_string();
        let file = open_chosen(&owned)?;
        let size = file.metadata().map_err(|e| io_problem(&shown, &e))?.len();
        if size > MAX_FILE_BYTES {
            return Err(FileProblem::TooLarge { path: shown, size });
        }
        let mut bytes = Vec::with_capacity(size as usize);
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
    })
}

/// `read`'s answer, or [`FileProblem::TimedOut`] when none came within `limit`. A read the
/// kernel holds up cannot be called off: its thread ends when the read does, and nobody waits
/// for it.
fn within<T: Send + 'static>(
    limit: Duration,
    path: &Path,
    read: impl FnOnce() -> Result<T, FileProblem> + Send + 'static,
) -> Result<T, FileProblem> {
    let shown = path.display().to_string();
    let (answer, answered) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("pagedesk-file".into())
        .spawn(move || {
            let _ = answer.send(read());
        })
        .map_err(|e| io_problem(&shown, &e))?;
    answered
        .recv_timeout(limit)
        .unwrap_or(Err(FileProblem::TimedOut { path: shown }))
}

/// Opens a file staff chose, only as a regular file in the folder it was chosen in (the one
/// its path names). A link is followed while it stays in that folder: a photo linked from
/// another in the product-photo folder goes, and the folder may itself be a link to a disk
/// elsewhere; `bang-gia.pdf` leading to the config does not. The path is resolved first and
/// the file found there opened without following a link (one put there since is refused), and
/// without waiting (a pipe with nobody writing would hold the open forever): a pipe, a device
/// or a folder is then refused by what it is.
fn open_chosen(path: &Path) -> Result<std::fs::File, FileProblem> {
    let shown = path.display().to_string();
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let problem = |e: std::io::Error| io_problem(&shown, &e);
    let folder = folder.canonicalize().map_err(problem)?;
    let real = path.canonicalize().map_err(problem)?;
    if !real.starts_with(&folder) {
        return Err(FileProblem::OutsideFolder { path: shown });
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(&real)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => FileProblem::OutsideFolder {
                path: shown.clone(),
            },
            _ => problem(e),
        })?;
    let metadata = file.metadata().map_err(problem)?;
    if !metadata.is_file() {
        return Err(FileProblem::NotAFile { path: shown });
    }
    Ok(file)
}

fn io_problem(path: &str, error: &std::io::Error) -> FileProblem {
    let path = path.to_owned();
    match error.kind() {
        std::io::ErrorKind::NotFound => FileProblem::Missing { path },
        std::io::ErrorKind::IsADirectory => FileProblem::NotAFile { path },
        std::io::ErrorKind::PermissionDenied => FileProblem::NoPermission { path },
        _ => FileProblem::Unreadable {
            path,
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
        std::fs::write(&photo, b"\x89PNG first").unwrap();
        let file = OutgoingFile::check(&photo).unwrap();
        assert_eq!(file.read_unchanged().unwrap(), b"\x89PNG first");
        std::fs::write(&photo, b"\x89PNG other").unwrap();
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

    #[test]
    fn only_a_regular_file_in_its_folder_is_read_and_a_pipe_is_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("anh san pham");
        std::fs::create_dir(&library).unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "app_secret = \"s3cret\"\n").unwrap();
        std::os::unix::fs::symlink(&config, library.join("bang-gia.pdf")).unwrap();
        assert!(matches!(
            OutgoingFile::check(&library.join("bang-gia.pdf")),
            Err(FileProblem::OutsideFolder { .. })
        ));
        // A link to another photo of the same folder is that photo.
        std::fs::create_dir(library.join("2024")).unwrap();
        std::fs::write(library.join("2024").join("vay.jpg"), b"\xff\xd8\xff dress").unwrap();
        std::os::unix::fs::symlink("2024/vay.jpg", library.join("vay-moi.jpg")).unwrap();
        let linked = OutgoingFile::check(&library.join("vay-moi.jpg")).unwrap();
        assert_eq!((linked.name.as_str(), linked.size), ("vay-moi.jpg", 9));

        let fifo = library.join("anh.jpg");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let asked = std::time::Instant::now();
        assert!(matches!(
            OutgoingFile::check(&fifo),
            Err(FileProblem::NotAFile { .. })
        ));
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "{:?}",
            asked.elapsed()
        );
    }

    #[test]
    fn a_file_whose_bytes_are_not_what_its_name_says_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("vay-do.jpg");
        std::fs::write(&fake, "app_secret = \"s3cret\"\n").unwrap();
        assert_eq!(
            OutgoingFile::check(&fake),
            Err(FileProblem::NotWhatItsNameSays {
                path: fake.display().to_string(),
                ending: "jpg".to_owned()
            })
        );
        for (name, bytes) in [
            ("a.png", &b"\x89PNG\r\n\x1a\n"[..]),
            ("a.gif", b"GIF89a...."),
            ("a.webp", b"RIFF\0\0\0\0WEBPVP8 "),
            ("a.mp4", b"\0\0\0\x18ftypmp42"),
            ("a.mov", b"\0\0\0\x14ftypqt  "),
            ("a.mp3", b"ID3\x04\0"),
            ("a.pdf", b"%PDF-1.7\n"),
            ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
            ("a.docx", b"PK\x03\x04"),
            ("gia.csv", "tên,giá\nváy,250000\n".as_bytes()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            assert!(OutgoingFile::check(&path).is_ok(), "{name}");
        }
        let program = dir.path().join("gia.txt");
        std::fs::write(&program, b"\x7fELF\x02\x01\x01\0\0").unwrap();
        assert!(matches!(
            OutgoingFile::check(&program),
            Err(FileProblem::NotWhatItsNameSays { .. })
        ));
    }

    #[test]
    fn a_read_that_does_not_end_in_time_is_given_up_on() {
        let slow = within(Duration::from_millis(50), Path::new("nfs/vay.jpg"), || {
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        });
        assert_eq!(
            slow,
            Err(FileProblem::TimedOut {
                path: "nfs/vay.jpg".to_owned()
            })
        );
    }
}
