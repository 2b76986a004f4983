//! SQLite storage: the only place SQL lives. One writer at a time (every write transaction is
//! `BEGIN IMMEDIATE`, so a second writer waits for the lock instead of failing), readers in WAL.
//! No access token is ever stored.

pub mod backup;
mod changes;
pub mod comments;
pub mod db;
mod inbox;
mod lease;
pub mod orders;
mod outbox;
pub mod pictures;
pub mod postgres;
pub mod private;
mod read;
mod schema;
pub mod space;
mod stats;
mod team;
pub mod unsaved_drafts;
mod webhooks;

pub use schema::MIGRATIONS;
pub use stats::{AdRow, Stats, StatsRow};
pub use team::{Customer, LabelRow, Note, StaffStatus};

pub use changes::{Amend, KeptChange};
pub use webhooks::{QueuedMessage, WebhookState};

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use db::{Conn, Row, Tx};
use serde::Serialize;

use crate::model::{
    Attachment, CommentId, ConversationId, Direction, Filter, Folder, MessageId, PageId, PostId,
    Psid, ReplyProblem, ReplyTo, SendStatus, SyncErrorKind,
};

pub const DATABASE_FILE: &str = "pagedesk.db";
/// Prepared statements a connection keeps.
const STATEMENTS_KEPT: usize = 128;
/// How often opening the database is tried when another process holds it at that moment.
const OPEN_TRIES: u32 = 40;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {}", sqlite_words(.0))]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", database_words(.0))]
    Database(db::DbError),
    #[error(
        "pagedesk {0} works on the data directory's SQLite database; this pagedesk keeps its data in PostgreSQL ([store] url): use PostgreSQL's own tools there (pg_dump, pg_restore)"
    )]
    OnPostgres(&'static str),
    #[error("{0}")]
    Postgres(Box<postgres::PgError>),
    #[error(
        "the data directory {path} belongs to another user ({}): customers' messages are kept in a directory one user alone reads; run pagedesk as that user (sudo -u {} pagedesk …), or give a directory of your own with --data-dir",
        owner_words(*.owner),
        crate::config::user_name(*.owner).unwrap_or_else(|| owner.to_string())
    )]
    NotOwner { path: PathBuf, owner: u32 },
    #[error(
        "the database in {0} is read-only: check the permissions of the data directory and its files"
    )]
    ReadOnly(PathBuf),
    #[error("the inbox's database writer stopped; restart pagedesk (what you typed is kept)")]
    WriterStopped,
    #[error("the reply is empty: nothing was stored or sent")]
    EmptyReply,
    #[error("no conversation {0} in the database: run `pagedesk sync --once` first")]
    NoConversation(String),
    #[error("{0}")]
    CommentReply(crate::model::CommentRefusal),
    #[error("{0}")]
    Order(crate::orders::OrderRefusal),
    #[error("a label needs a name")]
    EmptyLabel,
    #[error("there is a label named {0} already")]
    LabelExists(String),
    #[error("that label was deleted (by someone else?)")]
    NoLabel,
    #[error("the database {path} is damaged ({why}): it was not used")]
    Damaged { path: PathBuf, why: String },
    #[error("cannot write the copy {path}: {}", copy_io_words(.why))]
    Copy { path: PathBuf, why: std::io::Error },
    #[error("cannot read {path}: {why}")]
    Unreadable { path: PathBuf, why: std::io::Error },
    #[error("the copy {path}: {}", copy_words(.why))]
    CopyDatabase { path: PathBuf, why: rusqlite::Error },
    #[error("a pagedesk (an inbox, sync or serve) is using {0}: stop it first")]
    InUse(PathBuf),
    #[error("the note is empty: nothing was stored")]
    EmptyNote,
    #[error(
        "the note is longer than {} characters, the most a note takes: nothing was stored",
        crate::text::MAX_TEXT_CHARS
    )]
    NoteTooLong,
    #[error(
        "the database was written by a newer pagedesk (schema {found}; this one, {}, knows schema {known} and older): install that newer pagedesk again, or restore a backup taken before it",
        crate::VERSION
    )]
    TooNew { found: i64, known: i64 },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What a database failure means for the person reading it.
fn sqlite_words(error: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    let what = match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => "the disk is full: free some space; nothing stored was lost",
        Some(ErrorCode::ReadOnly) => {
            "the database is read-only: check the permissions of the data directory"
        }
        Some(ErrorCode::SystemIoFailure) => {
            "cannot write to the disk (full, or a file size limit?); nothing stored was lost"
        }
        Some(ErrorCode::CannotOpen) => "cannot open the database file: check the data directory",
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another pagedesk kept the database busy for too long; try again"
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            "the database file is damaged"
        }
        _ => return error.to_string(),
    };
    format!("{what} ({error})")
}

impl StoreError {
    /// The database could not be reached (PostgreSQL down, the network), rather than refusing.
    pub fn unreachable(&self) -> bool {
        matches!(self, StoreError::Database(error) if error.unreachable())
    }
}

impl From<db::DbError> for StoreError {
    fn from(error: db::DbError) -> StoreError {
        match error {
            db::DbError::Sqlite(error) => StoreError::Sqlite(error),
            error => StoreError::Database(error),
        }
    }
}

/// What a failure of PostgreSQL means for the person reading it: where the database is, and
/// whether it could not be reached or refused.
fn database_words(error: &db::DbError) -> String {
    match error {
        db::DbError::Postgres { at, why, .. } if error.unreachable() => format!(
            "cannot reach the database (PostgreSQL at {at}): {why}; what was being written may have been kept or not: look before doing it again"
        ),
        db::DbError::Postgres {
            at,
            code: Some(code),
            ..
        } if code == "55P03" => format!(
            "another pagedesk (perhaps on a machine that froze) kept the database (PostgreSQL at {at}) busy for too long; try again"
        ),
        db::DbError::Postgres {
            at,
            why,
            code: Some(code),
        } => {
            format!("the database (PostgreSQL at {at}) refused: {why} (SQLSTATE {code})")
        }
        other => format!("database error: {other}"),
    }
}

/// A user as `name (uid N)`, or `uid N` when the user database does not know them.
fn owner_words(uid: u32) -> String {
    match crate::config::user_name(uid) {
        Some(name) => format!("{name}, uid {uid}"),
        None => format!("uid {uid}"),
    }
}

/// What a file system failure while writing a copy means, said with what to do.
fn copy_io_words(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let what = match error.kind() {
        ErrorKind::NotFound => "its folder does not exist: make it first".to_owned(),
        ErrorKind::AlreadyExists => {
            "a file or folder of that name is there already: name a new file".to_owned()
        }
        ErrorKind::PermissionDenied => format!(
            "{} may not write there: pick a folder this user owns",
            crate::config::login_name().unwrap_or_else(|| "this user".to_owned())
        ),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
            "its disk is full: free some space there; the database in use is untouched".to_owned()
        }
        _ => return error.to_string(),
    };
    format!("{what} ({error})")
}

/// What a failure of a copy of the database (a backup being written, or read back) means: the
/// words are about that file and its disk, never the data directory's database, untouched.
fn copy_words(error: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    let what = match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull | ErrorCode::SystemIoFailure) => {
            "cannot write to its disk (full, or a file size limit?); free some space there, the database in use is untouched"
        }
        Some(ErrorCode::CannotOpen) => {
            "cannot open it: check that it (or its folder) exists and that this user may use it"
        }
        Some(ErrorCode::ReadOnly) => "it is read-only",
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => "it is not a sound database",
        _ => return error.to_string(),
    };
    format!("{what} ({error})")
}

/// Who marked a conversation done when Meta Business Suite's staff did.
pub const DONE_IN_META: &str = "Meta Business Suite";
/// Who sent a page reply typed in Facebook's own Page inbox (Facebook does not say who).
pub const REPLIED_IN_FACEBOOK: &str = "Facebook Page inbox";

/// The SQL condition that selects a filter's conversations (Mine's names the staff member as
/// `:me`).
fn filter_condition(filter: Filter) -> &'static str {
    match filter {
        Filter::All => "c.done_at IS NULL",
        Filter::Spam => "c.folder = 'spam'",
        Filter::Unread => "c.unread_count > 0 AND c.done_at IS NULL",
        Filter::Unreplied => "c.customer_spoke_last = 1 AND c.done_at IS NULL",
        Filter::Done => "c.done_at IS NOT NULL",
        Filter::Mine => "c.assignee = :me AND c.assignee IS NOT NULL AND c.done_at IS NULL",
        // From the failed replies' own index: few, so the list and its count read only them.
        Filter::NotSent => {
            "c.id IN (SELECT f.conversation_id FROM messages f WHERE f.status = 'failed')"
        }
        Filter::Comments => "c.channel = 'comments' AND c.done_at IS NULL",
        Filter::Orders => {
            "c.id IN (SELECT o.conversation_id FROM orders o WHERE o.state IN ('new', 'confirmed'))"
        }
    }
}

/// A conversation list: which page (all when `None`), which filter, and the labels it is
/// narrowed to (none: every conversation of the filter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub page_id: Option<PageId>,
    pub filter: Filter,
    pub order: Order,
    pub labels: Vec<i64>,
    pub label_match: crate::model::LabelMatch,
    /// Only the threads of comments under this post.
    pub post_id: Option<PostId>,
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// Newest activity first.
    #[default]
    Newest,
    /// The customer waiting longest for an answer first (unanswered conversations only).
    LongestWaiting,
}

impl Order {
    /// ORDER BY, and the rows before a conversation whose key is `:key`, `:id`.
    fn sql(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Order::Newest => (
                "c.listed_time",
                "c.listed_time DESC, c.id DESC",
                "(c.listed_time > :key OR (c.listed_time = :key AND c.id > :id))",
            ),
            Order::LongestWaiting => (
                "c.waiting_since",
                "c.waiting_since ASC, c.id ASC",
                "(c.waiting_since < :key OR (c.waiting_since = :key AND c.id < :id))",
            ),
        }
    }
}

/// How many conversations each filter holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterCounts {
    pub all: usize,
    pub spam: usize,
    pub unread: usize,
    pub unreplied: usize,
    pub done: usize,
    pub mine: usize,
    pub not_sent: usize,
    pub comments: usize,
    pub orders: usize,
}

impl FilterCounts {
    pub fn of(&self, filter: Filter) -> usize {
        match filter {
            Filter::All => self.all,
            Filter::Spam => self.spam,
            Filter::Unread => self.unread,
            Filter::Unreplied => self.unreplied,
            Filter::Done => self.done,
            Filter::Mine => self.mine,
            Filter::NotSent => self.not_sent,
            Filter::Comments => self.comments,
            Filter::Orders => self.orders,
        }
    }
}

/// A search result: a conversation, and the message that matched (none for a name match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub conversation_id: ConversationId,
    pub message_row: Option<i64>,
}

fn to_time(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

/// A conversation as Facebook last described it, with its newest messages, cleaned and ready to
/// store.
#[derive(Debug, Clone)]
pub struct ConversationUpdate {
    pub id: ConversationId,
    pub page_id: PageId,
    pub folder: Folder,
    pub customer_id: Psid,
    pub customer_name: String,
    pub snippet: String,
    pub updated_time: DateTime<Utc>,
    /// Facebook's unread estimate, used only when the conversation is new to pagedesk.
    pub unread_estimate: i64,
    /// Whether the page may still message the person (Facebook's `can_reply`).
    pub can_reply: bool,
    /// Oldest first.
    pub messages: Vec<NewMessage>,
}

impl ConversationUpdate {
    /// When the customer last wrote, from the messages themselves (not `updated_time`, which a
    /// page reply also moves).
    pub fn last_customer_message(&self) -> Option<DateTime<Utc>> {
        self.messages
            .iter()
            .filter(|m| m.direction == Direction::In)
            .map(|m| m.created_time)
            .max()
    }
}

/// What a jump through a list looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    Unread,
    /// A reply Facebook did not take, waiting for staff.
    FailedReply,
}

/// A done conversation that left the first page of Facebook's Done folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftDone {
    pub conversation: ConversationId,
    /// The buyer's PSID: how Facebook is asked where the conversation is now.
    pub person: Psid,
}

/// A link the buyer shared (a post, a product): where it points and what it is called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SharedLink {
    pub link: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub fb_id: MessageId,
    pub direction: Direction,
    pub from_id: String,
    pub from_name: String,
    pub text: String,
    pub sticker: Option<String>,
    pub attachments: Vec<Attachment>,
    pub shares: Vec<SharedLink>,
    pub created_time: DateTime<Utc>,
    /// Facebook no longer shows this message in full: only its id and time are known.
    pub unavailable: bool,
    /// The earlier message this one answers.
    pub reply_to: Option<MessageId>,
}

/// What storing a conversation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub new_conversation: bool,
    pub new_messages: usize,
    pub new_customer_messages: usize,
    /// When the oldest of the new customer messages was written.
    pub oldest_new_customer_message: Option<DateTime<Utc>>,
    /// New marks of messages Facebook no longer shows in full.
    pub unavailable_messages: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub page_id: PageId,
    #[serde(skip)]
    pub page_name: String,
    pub customer_id: Psid,
    pub customer_name: String,
    pub snippet: String,
    pub updated_time: DateTime<Utc>,
    pub unread_count: i64,
    pub spam: bool,
    pub folder: String,
    #[serde(skip)]
    pub last_customer_message_time: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub customer_spoke_last: bool,
    /// Since when the customer has waited for an answer, while they have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<DateTime<Utc>>,
    /// Facebook lets the page message the person.
    pub can_reply: bool,
    /// Facebook refused the page's HUMAN_AGENT replies: past 24 hours, nothing can be sent.
    #[serde(skip)]
    pub human_agent_refused: bool,
    /// What the last message carried, when the snippet has no words.
    #[serde(skip)]
    pub carried: Option<crate::model::Carried>,
    /// Finished by staff: when, and who (a staff member, or "Meta Business Suite").
    pub done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_by: Option<String>,
    /// Staff's labels on it, by name.
    pub labels: Vec<crate::model::Label>,
    /// The staff member who has it.
    pub assignee: Option<String>,
    /// Where the list puts it: its last message, or when it arrived from Spam if later.
    #[serde(skip)]
    pub listed_time: DateTime<Utc>,
    /// A reply to it failed and waits for staff (retry, or take it back).
    pub failed_reply: bool,
    /// Where the buyer came from, the newest (an ad, an m.me link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<crate::model::Referral>,
    /// Another app has the conversation (conversation routing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<crate::model::HeldBy>,
    /// A thread of comments under this post, not a Messenger conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_id: Option<PostId>,
    /// The first words of that post (empty until the post is read whole).
    #[serde(skip)]
    pub post_words: Option<String>,
    /// Where its newest order is, if one was taken in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_state: Option<crate::orders::OrderState>,
}

impl ConversationRow {
    /// What decides whether Facebook takes a reply to this conversation now (`human_agent_tag`
    /// from the config): checked by the reply box and `pagedesk reply` before anything is
    /// stored, and by the outbox before any call.
    pub fn reply_to(&self, human_agent_tag: bool) -> ReplyTo {
        ReplyTo {
            can_reply: self.can_reply,
            last_customer_message: self.last_customer_message_time,
            human_agent_tag,
            human_agent_refused: self.human_agent_refused,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    /// The database row, for retrying a reply and pointing at a search hit.
    #[serde(skip)]
    pub row: i64,
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub direction: Direction,
    pub from_id: String,
    pub from_name: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sticker: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<SharedLink>,
    pub created_time: DateTime<Utc>,
    pub status: SendStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the inbox words `error` from, in the staff's language.
    #[serde(skip)]
    pub problem: Option<ReplyProblem>,
    /// A failed reply that could go through if tried again.
    #[serde(skip)]
    pub retry_possible: bool,
    /// The staff member who sent this reply from pagedesk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<String>,
    /// Facebook no longer shows this message in full: only its time is known here.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unavailable: bool,
    /// How many times the buyer edited it.
    #[serde(skip_serializing_if = "is_zero")]
    pub edit_count: i64,
    /// The buyer unsent it: its words and files are gone.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// The earlier message this one answers, as far as it is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Quoted>,
    /// Emoji people put on it, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<String>,
    /// Staff took it back while an attempt may have reached Facebook: being looked for there.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
    /// A comment the page hid: seen by its author and their friends only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// A comment under a post, not a Messenger message.
    #[serde(skip)]
    pub comment: bool,
    /// pagedesk hides it (or hid it) by itself, for the phone number in it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden_for_phone: bool,
    /// A comment the page likes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub liked: bool,
    /// The page's private reply to a comment, sent to the person in Messenger.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub private_reply: bool,
    /// The page's public answer under a comment.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub public_reply: bool,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// The message another answers: its id, and as much of it as is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quoted {
    pub id: MessageId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Another inbox showing a conversation: who, and whether they are typing a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub staff: String,
    pub typing: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn pagedesks_opening_a_new_data_dir_at_once_all_get_in() {
        for _ in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let start = std::sync::Arc::new(std::sync::Barrier::new(8));
            let opens: Vec<_> = (0..8)
                .map(|_| {
                    let (path, start) = (dir.path().to_owned(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        super::Store::open(&path).map(drop)
                    })
                })
                .collect();
            for open in opens {
                open.join().unwrap().unwrap();
            }
        }
    }

    #[test]
    fn a_database_from_before_team_work_keeps_its_conversations_and_takes_labels() {
        let dir = tempfile::tempdir().unwrap();
        {
            // The schema as the pagedesk before labels left it, with a conversation in it.
            let mut conn =
                rusqlite::Connection::open(dir.path().join(super::DATABASE_FILE)).unwrap();
            let before = super::schema::MIGRATIONS.len() - 1;
            let tx = conn.transaction().unwrap();
            for migration in &super::schema::MIGRATIONS[..before] {
                tx.execute_batch(migration).unwrap();
            }
            tx.execute_batch(
                "INSERT INTO pages (id, name) VALUES ('p', 'Shop');
                 INSERT INTO conversations (id, page_id, folder, customer_id, customer_name,
                    snippet, updated_time, unread_count, done_at, done_by)
                 VALUES ('t_1', 'p', 'inbox', 'u', 'Nguyễn Thị Lan', 'Còn size S không?',
                    1700000000, 1, 1700000100, 'Hà');
                 INSERT INTO messages (fb_id, conversation_id, direction, from_id, from_name,
                    text, created_time, status)
                 VALUES ('m_1', 't_1', 'in', 'u', 'Nguyễn Thị Lan', 'Còn size S không?',
                    1700000000, 'sent');",
            )
            .unwrap();
            tx.pragma_update(None, "user_version", before as i64)
                .unwrap();
            tx.commit().unwrap();
        }
        let mut store = super::Store::open(dir.path()).unwrap().as_staff("Hà");
        let kept = store.conversation(&"t_1".into()).unwrap().unwrap();
        assert_eq!(kept.customer_name, "Nguyễn Thị Lan");
        assert_eq!(kept.done_by.as_deref(), Some("Hà"));
        assert!(kept.labels.is_empty() && kept.assignee.is_none());
        assert_eq!(store.messages(&"t_1".into()).unwrap().len(), 1);
        let label = store
            .create_label("đã chốt", None, chrono::Utc::now())
            .unwrap();
        store
            .set_label(&"t_1".into(), label.id, true, chrono::Utc::now())
            .unwrap();
        assert_eq!(
            store
                .conversation(&"t_1".into())
                .unwrap()
                .unwrap()
                .labels
                .len(),
            1
        );
    }

    #[test]
    fn a_database_from_before_phone_search_finds_its_numbers_however_written() {
        let dir = tempfile::tempdir().unwrap();
        {
            // As pagedesk left it before migration 13: words folded, numbers as written.
            let mut conn =
                rusqlite::Connection::open(dir.path().join(super::DATABASE_FILE)).unwrap();
            let before = super::schema::PHONES_INDEXED as usize - 1;
            let tx = conn.transaction().unwrap();
            for migration in &super::schema::MIGRATIONS[..before] {
                tx.execute_batch(migration).unwrap();
            }
            tx.execute_batch(
                "INSERT INTO pages (id, name) VALUES ('p', 'Shop');
                 INSERT INTO conversations (id, page_id, folder, customer_id, customer_name,
                    snippet, updated_time, unread_count)
                 VALUES ('t_1', 'p', 'inbox', 'u', 'Nguyễn Thị Lan', 'sdt', 1700000000, 1);
                 INSERT INTO messages (fb_id, conversation_id, direction, from_id, from_name,
                    text, created_time, status, search_key)
                 VALUES ('m_1', 't_1', 'in', 'u', 'Nguyễn Thị Lan', 'Sdt em 0987.654.321 nha',
                    1700000000, 'sent', 7);
                 INSERT INTO message_search (rowid, folded) VALUES (7, 'sdt em 0987.654.321 nha');",
            )
            .unwrap();
            tx.pragma_update(None, "user_version", before as i64)
                .unwrap();
            tx.commit().unwrap();
        }
        let store = super::Store::open(dir.path()).unwrap();
        for typed in ["0987654321", "+84 987 654 321", "0987 654 321", "sdt em"] {
            assert_eq!(store.search(typed, 10).unwrap().len(), 1, "{typed}");
        }
        let listed = store.conversations(&super::ListQuery::default()).unwrap();
        assert_eq!(listed[0].listed_time.timestamp(), 1700000000);
    }

    #[test]
    fn a_read_only_database_says_so() {
        let dir = tempfile::tempdir().unwrap();
        drop(super::Store::open(dir.path()).unwrap());
        let conn = rusqlite::Connection::open_with_flags(
            dir.path().join(super::DATABASE_FILE),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let error = conn
            .execute("INSERT INTO pages (id, name) VALUES ('1', 'x')", [])
            .unwrap_err();
        let words = super::StoreError::from(error).to_string();
        assert!(
            words.contains("read-only: check the permissions"),
            "{words}"
        );
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRow {
    pub id: PageId,
    pub name: String,
}

/// The sync state of one page, as the engine last left it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageSync {
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_kind: Option<SyncErrorKind>,
    pub rate_limited_until: Option<DateTime<Utc>>,
    pub rate_limit_streak: u32,
    /// The first failed attempt since the last success.
    pub failing_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderSync {
    pub pass_complete: bool,
    pub resume_after: Option<String>,
    pub backfilled: usize,
    /// The newest conversation's updated time (unix seconds) when the first pass began.
    pub pass_top: Option<i64>,
    /// Every conversation updated up to this time (unix seconds) is stored.
    pub complete_through: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingSpam {
    pub conversation_id: ConversationId,
    pub page_id: PageId,
    pub customer_name: String,
    pub last_customer_message_time: DateTime<Utc>,
    pub due_time: DateTime<Utc>,
}

/// A process asking for the engine lease or a reply: who it is, and how to tell whether the
/// process holding it now is still alive (a dead holder's claim is void at once). The holder
/// may run on another machine (a team on PostgreSQL): `alive` is told its name too, and only
/// its machine could see it die, so elsewhere only the claim's expiry frees it.
pub struct Claimant<'a> {
    pub holder: &'a str,
    pub pid: u32,
    pub alive: &'a (dyn Fn(&str, u32) -> bool + Send + Sync),
}

/// The process that runs the sync engine: its name as holder (which says its machine), its
/// pid, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineHolder {
    pub holder: String,
    pub pid: u32,
    pub since: Option<DateTime<Utc>>,
}

/// Who runs the sync engine of a data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    Ours,
    /// Another process: its pid, and its name as holder (which says its machine).
    HeldBy {
        pid: u32,
        holder: String,
    },
}

/// A reply in the outbox, with what delivering it needs.
#[derive(Debug, Clone)]
pub struct QueuedReply {
    pub message_id: i64,
    pub conversation_id: ConversationId,
    pub page_id: PageId,
    pub recipient_id: Psid,
    pub text: String,
    pub attempts: u32,
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub outcome_unknown: bool,
    pub last_customer_message_time: Option<DateTime<Utc>>,
    pub can_reply: bool,
    pub human_agent_refused: bool,
    /// The file this message carries instead of text (a reply's files go one a message).
    pub file: Option<crate::files::OutgoingFile>,
    /// An earlier reply of the conversation is still in the outbox: this one waits for it, so
    /// that the buyer reads the parts of a reply (text, then each file) in order.
    pub waits_for_earlier: bool,
    /// Staff took it back while an attempt may have reached Facebook: looked for, never sent.
    pub withdrawn: bool,
    /// Where it goes: Messenger, or a comment.
    pub via: crate::model::Via,
}

/// What became of a reply, as the database holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyState {
    pub status: SendStatus,
    /// Facebook's id, once sent.
    pub fb_id: Option<MessageId>,
    /// Why it failed, or why it waits.
    pub error: Option<String>,
}

/// A reply not sent, as `doctor` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsentReply {
    pub customer_name: String,
    pub text: String,
    /// Failed for good, rather than waiting to be sent.
    pub failed: bool,
    pub why: Option<String>,
    /// What the screens word `why` from, in the staff's language.
    pub problem: Option<ReplyProblem>,
    pub written: DateTime<Utc>,
}

/// What became of taking a reply back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeBack {
    /// Removed; its text, or the file it was to send.
    Taken(String),
    TakenFile(crate::files::OutgoingFile),
    /// An attempt may have reached Facebook (its answer never came): never tried again, and
    /// looked for on Facebook; if it is there it shows as sent. Its text, or its file.
    Checking(String),
    CheckingFile(crate::files::OutgoingFile),
    /// Being sent now: it can no longer be taken back.
    TooLate,
    /// Sent, or not there.
    Gone,
}

pub struct Store {
    conn: Conn,
    /// The data directory: the picture cache beside the database forgets unsent files.
    data_dir: PathBuf,
    /// The staff member this connection writes drafts and replies for ('' when unknown: the
    /// engine, and tools).
    staff: String,
    /// The shared lock saying this process uses the data directory (see [`backup`]).
    _in_use: std::fs::File,
    /// The copy of the database kept before this opening migrated its schema, if it did.
    schema_copy: Option<PathBuf>,
    /// Conversations stored by this connection since PostgreSQL's planner last counted.
    stored_since_statistics: usize,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Store> {
        // Every way in (the CLI, the tests, the benchmark) gets a private data dir. The CLI has
        // done it once already, before opening the log, to say what it tightened; here it finds
        // nothing left to do.
        private::secure_data_dir(data_dir)?;
        private::create_database_file(data_dir)?;
        let database = data_dir.join(DATABASE_FILE);
        let in_use = backup::hold_shared(data_dir)?;
        let mut tries = 0;
        let opened = loop {
            let opened = Connection::open(&database)
                .map_err(StoreError::from)
                .and_then(|conn| Self::prepare(conn, data_dir, &in_use));
            // Two pagedesks creating the database at once both switch it to WAL; SQLite answers
            // one of them "busy" at once (its busy timeout cannot help a lock upgrade both
            // want), so that one tries again.
            match opened {
                Err(StoreError::Sqlite(e))
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && tries < OPEN_TRIES =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                opened => break opened,
            }
        };
        opened.map_err(|error| {
            // SQLite says "unable to open" for a database it may not write: say why.
            if writable(data_dir) && writable(&database) {
                error
            } else {
                StoreError::ReadOnly(data_dir.to_owned())
            }
        })
    }

    /// Opens the team's database on PostgreSQL (creating or migrating its schema). The data
    /// directory keeps what stays on this machine: the pictures seen, the log.
    pub fn open_postgres(target: &postgres::Target, data_dir: &Path) -> Result<Store> {
        private::secure_data_dir(data_dir)?;
        let in_use = backup::hold_shared(data_dir)?;
        let conn = target
            .open()
            .map_err(|error| StoreError::Postgres(Box::new(error)))?;
        Ok(Store {
            conn,
            data_dir: data_dir.to_owned(),
            staff: String::new(),
            _in_use: in_use,
            schema_copy: None,
            stored_since_statistics: 0,
        })
    }

    fn prepare(conn: Connection, data_dir: &Path, in_use: &std::fs::File) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(10))?;
        // Storing a conversation runs a few dozen statements per message: all stay prepared
        // (rusqlite keeps 16 by default; past that each is compiled again, every time).
        conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // What is deleted is overwritten, not left in free pages: a message a buyer unsent
        // leaves the file.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let mut conn = Conn::sqlite(conn);
        let schema_copy = migrate(&mut conn, &data_dir.join(DATABASE_FILE))?;
        Ok(Store {
            conn,
            data_dir: data_dir.to_owned(),
            staff: String::new(),
            _in_use: in_use.try_clone().map_err(|source| StoreError::DataDir {
                path: data_dir.to_owned(),
                source,
            })?,
            schema_copy,
            stored_since_statistics: 0,
        })
    }

    /// The copy of the database kept before this opening migrated it to a newer schema.
    pub fn schema_copy(&self) -> Option<&Path> {
        self.schema_copy.as_deref()
    }

    /// The data directory: the log, the picture cache and what waits for the database.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where the database is, as staff are told: PostgreSQL's `user@host:port/database`, or
    /// the data directory's file.
    pub fn database_at(&self) -> String {
        match self.conn.engine() {
            db::Engine::Postgres => format!("PostgreSQL {}", self.conn.at()),
            db::Engine::Sqlite => self.conn.at(),
        }
    }

    /// The connection itself, for reading and changing the tables directly: tests that set
    /// the scene (a rate limit nearly over, a reply's attempt long ago) on either engine.
    pub fn connection(&self) -> &Conn {
        &self.conn
    }

    /// This connection writes drafts and replies as `staff`.
    pub fn as_staff(mut self, staff: &str) -> Store {
        self.staff = staff.to_owned();
        self
    }

    /// SQLite's connection, for what only a data directory's database does (`what`: the
    /// command, for the refusal on PostgreSQL).
    fn sqlite_only(&self, what: &'static str) -> Result<&Connection> {
        self.conn.as_sqlite().ok_or(StoreError::OnPostgres(what))
    }

    fn write(&mut self) -> Result<Tx<'_>> {
        Ok(self.conn.write()?)
    }
}

/// Whether this process may write `path`.
pub fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `path` is a valid NUL-terminated string for the duration of the call.
    unsafe { libc::access(path.as_ptr(), libc::W_OK) == 0 }
}

/// Recomputes whether the customer spoke last in a conversation, from its messages (a refused
/// reply does not count as an answer).
fn refresh_last_speaker(tx: &Tx<'_>, conversation_id: &ConversationId) -> db::Result<()> {
    tx.prepare_cached(
        "UPDATE conversations SET customer_spoke_last = COALESCE((
            SELECT CASE WHEN direction = 'in' THEN 1 ELSE 0 END FROM messages
            WHERE conversation_id = ?1 AND status <> 'failed'
              -- What the buyer took back (an unsent message, a removed comment) is nothing
              -- left to answer.
              AND NOT (removed = 1 AND direction = 'in')
            ORDER BY created_time DESC, id DESC LIMIT 1), 0)
         WHERE id = ?1",
    )?
    .execute([conversation_id])?;
    // How long the customer has waited counts from their first unanswered message.
    tx.prepare_cached(
        "UPDATE conversations SET waiting_since = CASE WHEN customer_spoke_last = 1 THEN
            COALESCE((SELECT MIN(m.created_time) FROM messages m
                WHERE m.conversation_id = ?1 AND m.direction = 'in' AND m.removed = 0
                  AND m.created_time > COALESCE((
                      SELECT MAX(o.created_time) FROM messages o
                      WHERE o.conversation_id = ?1 AND o.direction = 'out'
                        AND o.status <> 'failed'), -1)),
                last_customer_message_time, updated_time)
            END
         WHERE id = ?1",
    )?
    .execute([conversation_id])?;
    Ok(())
}

/// Adds a message's text to the search index. The index's key orders by the message's time
/// (seconds, then the low bits of the row), so a search reads its newest hits first and stops,
/// however common the word; the message row keeps the key.
fn index_message(tx: &Tx<'_>, row: i64, created_time: i64, text: &str) -> db::Result<()> {
    let mut key = (created_time << 20) | (row & 0xF_FFFF);
    // Two messages of one second whose rows differ by a multiple of 2^20 would share a key.
    // The free key is claimed by the write itself: one round trip a message on PostgreSQL.
    while tx
        .prepare_cached(
            "UPDATE messages SET search_key = ?2 WHERE id = ?1
                AND NOT EXISTS (SELECT 1 FROM messages WHERE search_key = ?2)",
        )?
        .execute(rusqlite::params![row, key])?
        == 0
    {
        // Taken, or no such row: only a taken key is worth another try.
        if !tx
            .prepare_cached("SELECT 1 FROM messages WHERE search_key = ?1")?
            .exists([key])?
        {
            return Ok(());
        }
        key += 1;
    }
    tx.prepare_cached(index_words(tx))?
        .execute(rusqlite::params![key, crate::text::search_words(text)])?;
    Ok(())
}

/// Words into the search index under their key: SQLite's full-text table keys by rowid.
fn index_words(tx: &Tx<'_>) -> &'static str {
    tx.pick(
        "INSERT INTO message_search (rowid, folded) VALUES (?1, ?2)",
        "INSERT INTO message_search (search_key, folded) VALUES (?1, ?2)",
    )
}

/// Takes a message's words out of the search index.
fn unindex_message(conn: &Conn, message_id: i64) -> db::Result<()> {
    conn.prepare_cached(conn.pick(
        "DELETE FROM message_search WHERE rowid = (SELECT search_key FROM messages WHERE id = ?1)",
        "DELETE FROM message_search
         WHERE search_key = (SELECT search_key FROM messages WHERE id = ?1)",
    ))?
    .execute([message_id])?;
    Ok(())
}

/// Words out of the search index, by their key.
fn unindex_words(conn: &Conn) -> &'static str {
    conn.pick(
        "DELETE FROM message_search WHERE rowid = ?1",
        "DELETE FROM message_search WHERE search_key = ?1",
    )
}

/// Replaces a message's words in the search index; empty words (an unsent message) are found
/// no more.
fn reindex_message(tx: &Tx<'_>, row: i64, text: &str) -> db::Result<()> {
    let key: Option<i64> = tx
        .prepare_cached("SELECT search_key FROM messages WHERE id = ?1")?
        .query_row([row], |r| r.get(0))?;
    let Some(key) = key else {
        return Ok(());
    };
    tx.prepare_cached(unindex_words(tx))?.execute([key])?;
    if !text.is_empty() {
        tx.prepare_cached(index_words(tx))?
            .execute(rusqlite::params![key, crate::text::search_words(text)])?;
    }
    Ok(())
}

/// Brings the schema of `database` up to this pagedesk's, a copy of an earlier pagedesk's
/// database kept first; returns where that copy is.
fn migrate(conn: &mut Conn, database: &Path) -> Result<Option<PathBuf>> {
    let known = schema::MIGRATIONS.len() as i64;
    // An up-to-date database is opened with a read: the engine may hold the write lock for a
    // while (a large sync), and opening the inbox must not wait for it.
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == known {
        return Ok(None);
    }
    // An earlier pagedesk's database is copied as it is before its schema changes (a new one,
    // at version 0, holds nothing to keep).
    let partial = match (1..known).contains(&current) {
        true => Some(backup::copy_before_migration(
            conn.as_sqlite()
                .expect("SQLite's schema is migrated on SQLite"),
            database,
        )?),
        false => None,
    };
    // The copy goes whenever it is not kept: a migration that fails (the disk full) would
    // otherwise leave one the size of the database at each start a service manager retries.
    match migrate_in_one_transaction(conn, known) {
        Ok(Some(from)) => match partial {
            Some(partial) => Ok(Some(backup::keep_schema_copy(&partial, database, from)?)),
            None => Ok(None),
        },
        outcome => {
            if let Some(partial) = partial {
                backup::remove_with_journal(&partial);
            }
            outcome.map(|_| None)
        }
    }
}

/// The migrations this database lacks, in one transaction; the version it had, or `None` if
/// another pagedesk migrated it meanwhile.
fn migrate_in_one_transaction(conn: &mut Conn, known: i64) -> Result<Option<i64>> {
    let tx = conn.write()?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > known {
        return Err(StoreError::TooNew {
            found: version,
            known,
        });
    }
    if version == known {
        return Ok(None);
    }
    for migration in &schema::MIGRATIONS[version as usize..] {
        tx.execute_batch(migration)?;
    }
    // Phone numbers joined the index's words in migration 13: older messages are indexed again.
    if (1..schema::PHONES_INDEXED).contains(&version) {
        let messages: Vec<(i64, String)> = tx
            .prepare("SELECT id, text FROM messages WHERE search_key IS NOT NULL AND text <> ''")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<db::Result<_>>()?;
        for (row, text) in messages {
            reindex_message(&tx, row, &text)?;
        }
    }
    tx.execute_batch(&format!("PRAGMA user_version = {known}"))?;
    tx.commit()?;
    Ok(Some(version))
}

/// Facebook's ids are kept as the text Facebook sends.
macro_rules! id_column {
    ($($name:ty),*) => {$(
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                String::column_result(value).map(<$name>::from)
            }
        }
    )*};
}

id_column!(CommentId, ConversationId, MessageId, PageId, PostId, Psid);
