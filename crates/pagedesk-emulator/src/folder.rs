//! Facebook's names for a Page's Messenger folders, as `GET /{page-id}/conversations?folder=`
//! takes them (`shared/graph-api.md`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    Inbox,
    Other,
    PageDone,
    Pending,
    Spam,
}

impl Folder {
    pub fn as_str(self) -> &'static str {
        match self {
            Folder::Inbox => "inbox",
            Folder::Other => "other",
            Folder::PageDone => "page_done",
            Folder::Pending => "pending",
            Folder::Spam => "spam",
        }
    }

    /// The folder a request names; `None` for a name Facebook has no folder for.
    pub fn parse(name: &str) -> Option<Folder> {
        [
            Folder::Inbox,
            Folder::Other,
            Folder::PageDone,
            Folder::Pending,
            Folder::Spam,
        ]
        .into_iter()
        .find(|folder| folder.as_str() == name)
    }
}

/// A time as the Graph API writes it: `2026-11-23T09:12:00+0000`.
pub fn graph_time(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}
