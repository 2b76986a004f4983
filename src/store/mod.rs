//! SQLite storage: the only place SQL lives. One writer at a time (every write transaction is
//! `BEGIN IMMEDIATE`, so a second writer waits for the lock instead of failing), readers in WAL.
//! No access token is ever stored.

mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use crate::graph::{Attachment, Folder};

pub const DATABASE_FILE: &str = "pagedesk.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no conversation {0} in the database: run `pagedesk sync --once` first")]
    NoConversation(String),
    #[error(
        "the database was written by a newer pagedesk (schema {found}, this one knows {known})"
    )]
    TooNew { found: i64, known: i64 },
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SendStatus {
    Sent,
    Pending,
    Failed,
}

impl SendStatus {
    fn parse(text: &str) -> SendStatus {
        match text {
            "pending" => SendStatus::Pending,
            "failed" => SendStatus::Failed,
            _ => SendStatus::Sent,
        }
    }
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Filter {
    All,
    Spam,
    Unread,
}

fn to_time(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

/// A conversation as Facebook last described it, with its newest messages, cleaned and ready to
/// store.
#[derive(Debug, Clone)]
pub struct ConversationUpdate {
    pub id: String,
    pub page_id: String,
    pub folder: Folder,
    pub customer_id: String,
    pub customer_name: String,
    pub snippet: String,
    pub updated_time: DateTime<Utc>,
    /// Facebook's unread estimate, used only when the conversation is new to pagedesk.
    pub unread_estimate: i64,
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

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub fb_id: String,
    pub direction: Direction,
    pub from_id: String,
    pub from_name: String,
    pub text: String,
    pub sticker: Option<String>,
    pub attachments: Vec<Attachment>,
    pub created_time: DateTime<Utc>,
}

/// What storing a conversation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub new_conversation: bool,
    pub new_messages: usize,
    pub new_customer_messages: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConversationRow {
    pub id: String,
    pub page_id: String,
    #[serde(skip)]
    pub page_name: String,
    pub customer_id: String,
    pub customer_name: String,
    pub snippet: String,
    pub updated_time: DateTime<Utc>,
    pub unread_count: i64,
    pub spam: bool,
    pub folder: String,
    #[serde(skip)]
    pub last_customer_message_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    pub direction: Direction,
    pub from_id: String,
    pub from_name: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sticker: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    pub created_time: DateTime<Utc>,
    pub status: SendStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRow {
    pub id: String,
    pub name: String,
}

/// The sync state of one page, as the engine last left it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageSync {
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_kind: Option<String>,
    pub rate_limited_until: Option<DateTime<Utc>>,
    pub rate_limit_streak: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderSync {
    pub pass_complete: bool,
    pub resume_after: Option<String>,
    pub backfilled: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingSpam {
    pub conversation_id: String,
    pub page_id: String,
    pub customer_name: String,
    pub last_customer_message_time: DateTime<Utc>,
    pub due_time: DateTime<Utc>,
}

/// A reply in the outbox, with what delivering it needs.
#[derive(Debug, Clone)]
pub struct QueuedReply {
    pub message_id: i64,
    pub conversation_id: String,
    pub page_id: String,
    pub recipient_id: String,
    pub text: String,
    pub attempts: u32,
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub outcome_unknown: bool,
    pub last_customer_message_time: Option<DateTime<Utc>>,
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let conn = Connection::open(data_dir.join(DATABASE_FILE))?;
        Self::prepare(conn)
    }

    fn prepare(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Store { conn })
    }

    fn write(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    // Pages and settings.

    pub fn upsert_page(&mut self, id: &str, name: &str) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO pages (id, name) VALUES (?1, ?2)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name WHERE name <> excluded.name",
            params![id, name],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn pages(&self) -> Result<Vec<PageRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name FROM pages ORDER BY name, id")?;
        let rows = stmt.query_map([], |r| {
            Ok(PageRow {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn spam_sync(&self, page_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT spam_sync FROM page_settings WHERE page_id = ?1",
                [page_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    pub fn set_spam_sync(&mut self, page_id: &str, on: bool) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO page_settings (page_id, spam_sync) VALUES (?1, ?2)
             ON CONFLICT(page_id) DO UPDATE SET spam_sync = excluded.spam_sync",
            params![page_id, on],
        )?;
        if !on {
            tx.execute("DELETE FROM spam_waiting WHERE page_id = ?1", [page_id])?;
        }
        tx.commit()?;
        Ok(())
    }

    // Conversations and messages from Facebook.

    /// The updated time and snippet of a stored conversation, to tell whether Facebook's copy
    /// changed since.
    pub fn conversation_version(&self, id: &str) -> Result<Option<(DateTime<Utc>, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT updated_time, snippet FROM conversations WHERE id = ?1",
                [id],
                |r| Ok((to_time(r.get(0)?), r.get(1)?)),
            )
            .optional()?)
    }

    /// Stores a conversation and its messages in one transaction. Messages already stored (by
    /// Facebook id) are left as they are, so a re-sync or the echo of our own reply adds nothing.
    pub fn apply_conversation(&mut self, update: &ConversationUpdate) -> Result<Applied> {
        let tx = self.write()?;
        let existing: Option<(i64, i64)> = tx
            .query_row(
                "SELECT unread_count, updated_time FROM conversations WHERE id = ?1",
                [&update.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let mut applied = Applied {
            new_conversation: existing.is_none(),
            ..Applied::default()
        };
        let updated = update.updated_time.timestamp();
        let last_customer = update.last_customer_message().map(|t| t.timestamp());
        match existing {
            None => {
                tx.execute(
                    "INSERT INTO conversations (id, page_id, folder, customer_id, customer_name,
                        snippet, updated_time, unread_count, last_customer_message_time)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        update.id,
                        update.page_id,
                        update.folder.as_str(),
                        update.customer_id,
                        update.customer_name,
                        update.snippet,
                        updated,
                        update.unread_estimate.max(0),
                        last_customer,
                    ],
                )?;
            }
            Some((_, stored_updated)) => {
                // A reply sent from pagedesk may have made our copy newer than Facebook's list.
                let snippet_is_newer = updated >= stored_updated;
                tx.execute(
                    "UPDATE conversations SET folder = ?2, customer_name = ?3,
                        snippet = CASE WHEN ?4 THEN ?5 ELSE snippet END,
                        updated_time = MAX(updated_time, ?6),
                        last_customer_message_time = COALESCE(MAX(last_customer_message_time, ?7), last_customer_message_time, ?7)
                     WHERE id = ?1",
                    params![
                        update.id,
                        update.folder.as_str(),
                        update.customer_name,
                        snippet_is_newer,
                        update.snippet,
                        updated,
                        last_customer,
                    ],
                )?;
            }
        }
        let mut unread = existing.map(|(unread, _)| unread);
        for message in &update.messages {
            let attachments = if message.attachments.is_empty() {
                None
            } else {
                Some(serde_json::to_string(&message.attachments).unwrap_or_default())
            };
            let inserted = tx.execute(
                "INSERT INTO messages (fb_id, conversation_id, direction, from_id, from_name, text,
                    sticker, attachments, created_time, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent')
                 ON CONFLICT(fb_id) DO NOTHING",
                params![
                    message.fb_id,
                    update.id,
                    message.direction.as_str(),
                    message.from_id,
                    message.from_name,
                    message.text,
                    message.sticker,
                    attachments,
                    message.created_time.timestamp(),
                ],
            )?;
            if inserted == 0 {
                continue;
            }
            applied.new_messages += 1;
            // Unread: customer messages since staff last answered.
            match message.direction {
                Direction::In => {
                    applied.new_customer_messages += 1;
                    unread = unread.map(|n| n + 1);
                }
                Direction::Out => unread = unread.map(|_| 0),
            }
        }
        if let Some(unread) = unread {
            tx.execute(
                "UPDATE conversations SET unread_count = ?2 WHERE id = ?1",
                params![update.id, unread],
            )?;
        }
        tx.execute(
            "DELETE FROM spam_waiting WHERE conversation_id = ?1",
            [&update.id],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    pub fn record_waiting(&mut self, waiting: &WaitingSpam) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO spam_waiting (conversation_id, page_id, customer_name,
                last_customer_message_time, due_time) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(conversation_id) DO UPDATE SET customer_name = excluded.customer_name,
                last_customer_message_time = excluded.last_customer_message_time,
                due_time = excluded.due_time",
            params![
                waiting.conversation_id,
                waiting.page_id,
                waiting.customer_name,
                waiting.last_customer_message_time.timestamp(),
                waiting.due_time.timestamp(),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Spam conversations of a page waiting for their delay, the soonest due first.
    pub fn waiting_spam(&self, page_id: &str) -> Result<Vec<WaitingSpam>> {
        let mut stmt = self.conn.prepare(
            "SELECT conversation_id, page_id, customer_name, last_customer_message_time, due_time
             FROM spam_waiting WHERE page_id = ?1 ORDER BY due_time, conversation_id",
        )?;
        let rows = stmt.query_map([page_id], |r| {
            Ok(WaitingSpam {
                conversation_id: r.get(0)?,
                page_id: r.get(1)?,
                customer_name: r.get(2)?,
                last_customer_message_time: to_time(r.get(3)?),
                due_time: to_time(r.get(4)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // Sync progress and state.

    pub fn folder_sync(&self, page_id: &str, folder: Folder) -> Result<FolderSync> {
        Ok(self
            .conn
            .query_row(
                "SELECT pass_complete, resume_after, backfilled FROM folder_sync
                 WHERE page_id = ?1 AND folder = ?2",
                params![page_id, folder.as_str()],
                |r| {
                    Ok(FolderSync {
                        pass_complete: r.get(0)?,
                        resume_after: r.get(1)?,
                        backfilled: r.get::<_, i64>(2)? as usize,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    pub fn save_folder_sync(
        &mut self,
        page_id: &str,
        folder: Folder,
        state: &FolderSync,
    ) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO folder_sync (page_id, folder, pass_complete, resume_after, backfilled)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(page_id, folder) DO UPDATE SET pass_complete = excluded.pass_complete,
                resume_after = excluded.resume_after, backfilled = excluded.backfilled",
            params![
                page_id,
                folder.as_str(),
                state.pass_complete,
                state.resume_after,
                state.backfilled as i64
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn page_sync(&self, page_id: &str) -> Result<PageSync> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_attempt, last_success, last_error, last_error_kind,
                    rate_limited_until, rate_limit_streak FROM page_sync WHERE page_id = ?1",
                [page_id],
                |r| {
                    Ok(PageSync {
                        last_attempt: r.get::<_, Option<i64>>(0)?.map(to_time),
                        last_success: r.get::<_, Option<i64>>(1)?.map(to_time),
                        last_error: r.get(2)?,
                        last_error_kind: r.get(3)?,
                        rate_limited_until: r.get::<_, Option<i64>>(4)?.map(to_time),
                        rate_limit_streak: r.get(5)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    pub fn save_page_sync(&mut self, page_id: &str, state: &PageSync) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO page_sync (page_id, last_attempt, last_success, last_error, last_error_kind,
                rate_limited_until, rate_limit_streak) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(page_id) DO UPDATE SET last_attempt = excluded.last_attempt,
                last_success = excluded.last_success, last_error = excluded.last_error,
                last_error_kind = excluded.last_error_kind,
                rate_limited_until = excluded.rate_limited_until,
                rate_limit_streak = excluded.rate_limit_streak",
            params![
                page_id,
                state.last_attempt.map(|t| t.timestamp()),
                state.last_success.map(|t| t.timestamp()),
                state.last_error,
                state.last_error_kind,
                state.rate_limited_until.map(|t| t.timestamp()),
                state.rate_limit_streak,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    // Replies.

    /// Writes a reply to the database, pending, before anything is sent. Returns its message id.
    pub fn enqueue_reply(
        &mut self,
        conversation_id: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let tx = self.write()?;
        let target: Option<(String, String, String)> = tx
            .query_row(
                "SELECT c.page_id, c.customer_id, p.name FROM conversations c
                 JOIN pages p ON p.id = c.page_id WHERE c.id = ?1",
                [conversation_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((page_id, customer_id, page_name)) = target else {
            return Err(StoreError::NoConversation(conversation_id.to_owned()));
        };
        tx.execute(
            "INSERT INTO messages (conversation_id, direction, from_id, from_name, text,
                created_time, status) VALUES (?1, 'out', ?2, ?3, ?4, ?5, 'pending')",
            params![conversation_id, page_id, page_name, text, now.timestamp()],
        )?;
        let message_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO outbox (message_id, page_id, recipient_id, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![message_id, page_id, customer_id, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(message_id)
    }

    fn queued_replies(&self, condition: &str, value: i64) -> Result<Vec<QueuedReply>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT o.message_id, m.conversation_id, o.page_id, o.recipient_id, m.text, o.attempts,
                o.first_attempt_at, o.outcome_unknown, c.last_customer_message_time
             FROM outbox o JOIN messages m ON m.id = o.message_id
             JOIN conversations c ON c.id = m.conversation_id
             WHERE {condition} ORDER BY o.message_id"
        ))?;
        let rows = stmt.query_map([value], |r| {
            Ok(QueuedReply {
                message_id: r.get(0)?,
                conversation_id: r.get(1)?,
                page_id: r.get(2)?,
                recipient_id: r.get(3)?,
                text: r.get(4)?,
                attempts: r.get(5)?,
                first_attempt_at: r.get::<_, Option<i64>>(6)?.map(to_time),
                outcome_unknown: r.get(7)?,
                last_customer_message_time: r.get::<_, Option<i64>>(8)?.map(to_time),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replies whose next attempt is due, oldest first.
    pub fn due_replies(&self, now: DateTime<Utc>) -> Result<Vec<QueuedReply>> {
        self.queued_replies("o.next_attempt_at <= ?1", now.timestamp())
    }

    pub fn queued_reply(&self, message_id: i64) -> Result<Option<QueuedReply>> {
        Ok(self.queued_replies("o.message_id = ?1", message_id)?.pop())
    }

    /// Notes an attempt before the request goes out, so a crash mid-send leaves a trace.
    pub fn begin_attempt(&mut self, message_id: i64, now: DateTime<Utc>) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1,
                first_attempt_at = COALESCE(first_attempt_at, ?2), outcome_unknown = 1
             WHERE message_id = ?1",
            params![message_id, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Facebook accepted the reply: it gets Facebook's id, leaves the outbox, and the
    /// conversation loses its spam mark (Facebook moves it to the inbox) and its unread count.
    pub fn mark_reply_sent(
        &mut self,
        message_id: i64,
        fb_id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.write()?;
        // The sync may have stored the echo of this very reply already: keep one copy, ours.
        tx.execute(
            "DELETE FROM messages WHERE fb_id = ?1 AND id <> ?2",
            params![fb_id, message_id],
        )?;
        tx.execute(
            "UPDATE messages SET fb_id = ?2, status = 'sent', error = NULL WHERE id = ?1",
            params![message_id, fb_id],
        )?;
        tx.execute(
            "UPDATE conversations SET folder = CASE WHEN folder = 'spam' THEN 'inbox' ELSE folder END,
                unread_count = 0, updated_time = MAX(updated_time, ?2),
                snippet = (SELECT text FROM messages WHERE id = ?1)
             WHERE id = (SELECT conversation_id FROM messages WHERE id = ?1)",
            params![message_id, now.timestamp()],
        )?;
        tx.execute("DELETE FROM outbox WHERE message_id = ?1", [message_id])?;
        tx.commit()?;
        Ok(())
    }

    /// The reply cannot be delivered: it stays in the conversation, failed, with the reason.
    pub fn mark_reply_failed(&mut self, message_id: i64, reason: &str) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE messages SET status = 'failed', error = ?2 WHERE id = ?1",
            params![message_id, reason],
        )?;
        tx.execute("DELETE FROM outbox WHERE message_id = ?1", [message_id])?;
        tx.commit()?;
        Ok(())
    }

    /// The reply stays pending and is tried again at `next_attempt_at`.
    pub fn postpone_reply(
        &mut self,
        message_id: i64,
        next_attempt_at: DateTime<Utc>,
        outcome_unknown: bool,
        reason: &str,
    ) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE outbox SET next_attempt_at = ?2, outcome_unknown = ?3 WHERE message_id = ?1",
            params![message_id, next_attempt_at.timestamp(), outcome_unknown],
        )?;
        tx.execute(
            "UPDATE messages SET error = ?2 WHERE id = ?1",
            params![message_id, reason],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a Facebook message id is already stored.
    pub fn has_message(&self, fb_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM messages WHERE fb_id = ?1", [fb_id], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    // Reading for people.

    pub fn conversation(&self, id: &str) -> Result<Option<ConversationRow>> {
        Ok(self
            .conversation_rows("c.id = ?1", &[&id])?
            .into_iter()
            .next())
    }

    /// Conversations, newest first.
    pub fn conversations(
        &self,
        page_id: Option<&str>,
        filter: Filter,
    ) -> Result<Vec<ConversationRow>> {
        let filter = match filter {
            Filter::All => "1",
            Filter::Spam => "c.folder = 'spam'",
            Filter::Unread => "c.unread_count > 0",
        };
        match page_id {
            Some(page) => self.conversation_rows(&format!("c.page_id = ?1 AND {filter}"), &[&page]),
            None => self.conversation_rows(filter, &[]),
        }
    }

    fn conversation_rows(
        &self,
        condition: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<ConversationRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT c.id, c.page_id, p.name, c.customer_id, c.customer_name, c.snippet,
                c.updated_time, c.unread_count, c.folder, c.last_customer_message_time
             FROM conversations c JOIN pages p ON p.id = c.page_id
             WHERE {condition} ORDER BY c.updated_time DESC, c.id DESC"
        ))?;
        let rows = stmt.query_map(values, |r| {
            let folder: String = r.get(8)?;
            Ok(ConversationRow {
                id: r.get(0)?,
                page_id: r.get(1)?,
                page_name: r.get(2)?,
                customer_id: r.get(3)?,
                customer_name: r.get(4)?,
                snippet: r.get(5)?,
                updated_time: to_time(r.get(6)?),
                unread_count: r.get(7)?,
                spam: folder == Folder::Spam.as_str(),
                folder,
                last_customer_message_time: r.get::<_, Option<i64>>(9)?.map(to_time),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Messages of a conversation, oldest first.
    pub fn messages(&self, conversation_id: &str) -> Result<Vec<MessageRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, fb_id, conversation_id, direction, from_id, from_name, text, sticker,
                attachments, created_time, status, error
             FROM messages WHERE conversation_id = ?1 ORDER BY created_time, id",
        )?;
        let rows = stmt.query_map([conversation_id], |r| {
            let fb_id: Option<String> = r.get(1)?;
            let direction: String = r.get(3)?;
            let attachments: Option<String> = r.get(8)?;
            let status: String = r.get(10)?;
            Ok(MessageRow {
                id: fb_id.unwrap_or_else(|| format!("local-{}", r.get::<_, i64>(0).unwrap_or(0))),
                conversation_id: r.get(2)?,
                direction: if direction == "out" {
                    Direction::Out
                } else {
                    Direction::In
                },
                from_id: r.get(4)?,
                from_name: r.get(5)?,
                text: r.get(6)?,
                sticker: r.get(7)?,
                attachments: attachments
                    .and_then(|json| serde_json::from_str(&json).ok())
                    .unwrap_or_default(),
                created_time: to_time(r.get(9)?),
                status: SendStatus::parse(&status),
                error: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let known = schema::MIGRATIONS.len() as i64;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > known {
        return Err(StoreError::TooNew {
            found: version,
            known,
        });
    }
    for migration in &schema::MIGRATIONS[version as usize..] {
        tx.execute_batch(migration)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(())
}
