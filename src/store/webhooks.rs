//! Whether Facebook's webhooks reach `pagedesk serve`, per page: written by the receiver (an
//! event came) and by the engine (a poll found what no event brought); read by the engine to
//! poll slower while they are live, and by `doctor` and the inbox to say so.

use super::db::{self, Optional, Tx};
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Applied, ConversationUpdate, NewMessage, Result, Store, to_time};
use crate::model::{Direction, Folder, PageId, Psid};

/// Where a page's webhooks stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookState {
    /// The last event received; `None`: never (the page is polled only).
    pub last_event: Option<DateTime<Utc>>,
    /// Since when a poll has been finding messages no event brought.
    pub missed_since: Option<DateTime<Utc>>,
}

impl WebhookState {
    /// Events arrive and nothing shows they miss any: the inbox folder may be polled slowly.
    pub fn live(&self) -> bool {
        self.last_event.is_some() && self.missed_since.is_none()
    }
}

impl Store {
    /// An event for the page came: its webhooks are live (again).
    pub fn webhook_arrived(&self, page_id: &PageId, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO webhooks (page_id, last_event_at, missed_since) VALUES (?1, ?2, NULL)
             ON CONFLICT (page_id) DO UPDATE SET last_event_at = ?2, missed_since = NULL",
            params![page_id, at.timestamp()],
        )?;
        Ok(())
    }

    /// A poll found a message no event brought: the page's webhooks are not arriving. Only a
    /// page that had events is marked; the first time found is kept.
    pub fn webhooks_missed(&self, page_id: &PageId, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE webhooks SET missed_since = ?2 WHERE page_id = ?1 AND missed_since IS NULL",
            params![page_id, at.timestamp()],
        )?;
        Ok(())
    }

    pub fn webhook_state(&self, page_id: &PageId) -> Result<WebhookState> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_event_at, missed_since FROM webhooks WHERE page_id = ?1",
                [page_id],
                |r| {
                    Ok(WebhookState {
                        last_event: Some(to_time(r.get(0)?)),
                        missed_since: r.get::<_, Option<i64>>(1)?.map(to_time),
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }
}

/// A message a webhook event carried, cleaned, for the person it was between the page and.
#[derive(Debug, Clone)]
pub struct QueuedMessage {
    pub page_id: PageId,
    /// The buyer's PSID (the sender of their message, the recipient of the page's echo).
    pub person_id: Psid,
    pub message: NewMessage,
}

/// Keeps the messages events carried, in the caller's transaction. An event Facebook sends
/// again is kept once.
pub(super) fn keep_messages(
    tx: &Tx<'_>,
    messages: &[QueuedMessage],
    at: DateTime<Utc>,
) -> db::Result<()> {
    for queued in messages {
        let m = &queued.message;
        // Unsent before it came (another body, a retry): its words are never written.
        let unsent: bool = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM message_amends WHERE mid = ?1 AND removed = 1
                    AND page_id = ?2 AND person_id = ?3)",
            )?
            .query_row(params![m.fb_id, queued.page_id, queued.person_id], |r| {
                r.get(0)
            })?;
        let (text, sticker, attachments) = match unsent {
            true => ("", None, None),
            false => (
                m.text.as_str(),
                m.sticker.as_deref(),
                (!m.attachments.is_empty())
                    .then(|| serde_json::to_string(&m.attachments).unwrap_or_default()),
            ),
        };
        tx.prepare_cached(
            "INSERT INTO webhook_messages (mid, page_id, person_id, direction, text, sticker,
                attachments, created_time, received_at, reply_to)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (mid) DO NOTHING",
        )?
        .execute(params![
            m.fb_id,
            queued.page_id,
            queued.person_id,
            m.direction.as_str(),
            text,
            sticker,
            attachments,
            m.created_time.timestamp_millis(),
            at.timestamp(),
            m.reply_to,
        ])?;
    }
    Ok(())
}

impl Store {
    /// The people whose kept messages still wait for their conversation to be stored, by page.
    pub fn queued_people(&self) -> Result<Vec<(PageId, Psid)>> {
        let mut statement = self.conn.prepare(
            "SELECT DISTINCT q.page_id, q.person_id FROM webhook_messages q
             WHERE NOT EXISTS (SELECT 1 FROM conversations c
                               WHERE c.page_id = q.page_id AND c.customer_id = q.person_id
                                 AND c.channel = 'messenger')",
        )?;
        let people = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<db::Result<_>>()?;
        Ok(people)
    }

    /// Messages kept from events whose conversation is stored join it now, each conversation as
    /// if Facebook had listed it with them (the folder and the spam rule are the conversation's
    /// own). Returns the page of each conversation changed, with what changed.
    pub fn merge_event_messages(&mut self) -> Result<Vec<(PageId, Applied)>> {
        let known: Vec<ConversationUpdate> = {
            // SQLite reads the kept messages first when told CROSS JOIN; PostgreSQL plans it.
            let arrived = self.conn.written_order();
            let join = self.conn.pick("CROSS JOIN", "JOIN");
            let mut statement = self.conn.prepare(&format!(
                // The newest kept message's words become the snippet, as on Facebook (none for
                // a sticker or a file: the list says what it carried).
                "SELECT c.id, c.page_id, c.folder, c.customer_id, c.customer_name,
                    COALESCE((SELECT substr(replace(q.text, '\n', ' '), 1, 1000)
                        FROM webhook_messages q
                        WHERE q.page_id = c.page_id AND q.person_id = c.customer_id
                          AND q.created_time >= c.updated_time * 1000
                        ORDER BY q.created_time DESC, q.{arrived} DESC LIMIT 1), c.snippet)
                        AS snippet,
                    c.updated_time, c.can_reply
                 FROM conversations c
                 WHERE c.id IN (SELECT k.id FROM webhook_messages q {join} conversations k
                     ON k.customer_id = q.person_id AND k.page_id = q.page_id
                     AND k.channel = 'messenger')",
            ))?;
            statement
                .query_map([], |r| {
                    Ok(ConversationUpdate {
                        id: r.get("id")?,
                        page_id: r.get("page_id")?,
                        folder: Folder::parse(&r.get::<_, String>("folder")?)
                            .unwrap_or(Folder::Inbox),
                        customer_id: r.get("customer_id")?,
                        customer_name: r.get("customer_name")?,
                        snippet: r.get("snippet")?,
                        updated_time: to_time(r.get("updated_time")?),
                        unread_estimate: 0,
                        can_reply: r.get("can_reply")?,
                        messages: Vec::new(),
                    })
                })?
                .collect::<db::Result<_>>()?
        };
        if known.is_empty() {
            return Ok(Vec::new());
        }
        let applied = self.apply_conversations(&known)?;
        Ok(known
            .into_iter()
            .map(|update| update.page_id)
            .zip(applied)
            .collect())
    }

    /// How many kept event messages wait for a conversation not stored (in a folder pagedesk
    /// does not show yet), per page.
    pub fn waiting_event_messages(&self, page_id: &PageId) -> Result<usize> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM webhook_messages q WHERE q.page_id = ?1
               AND NOT EXISTS (SELECT 1 FROM conversations c
                               WHERE c.page_id = q.page_id AND c.customer_id = q.person_id
                                 AND c.channel = 'messenger')",
            [page_id],
            |r| r.get::<_, i64>(0),
        )? as usize)
    }
}

/// The messages kept from events for an update's person, oldest first, as the store keeps
/// messages: the buyer's named as the update names them, the page's as the page is named.
pub(super) fn queued_messages(
    tx: &Tx<'_>,
    update: &ConversationUpdate,
) -> db::Result<Vec<NewMessage>> {
    let kept = tx
        .prepare_cached("SELECT 1 FROM webhook_messages WHERE page_id = ?1 AND person_id = ?2")?
        .exists(params![update.page_id, update.customer_id])?;
    if !kept {
        return Ok(Vec::new());
    }
    let page_name: String = tx
        .prepare_cached("SELECT name FROM pages WHERE id = ?1")?
        .query_row([&update.page_id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| update.page_id.clone())
        .to_string();
    let mut statement = tx.prepare_cached(&format!(
        "SELECT mid, direction, text, sticker, attachments, created_time, reply_to
         FROM webhook_messages
         WHERE page_id = ?1 AND person_id = ?2 ORDER BY created_time, {}",
        tx.written_order()
    ))?;
    let rows = statement.query_map(params![update.page_id, update.customer_id], |r| {
        let direction = Direction::parse(&r.get::<_, String>("direction")?);
        let (from_id, from_name) = match direction {
            Direction::In => (update.customer_id.to_string(), update.customer_name.clone()),
            Direction::Out => (update.page_id.to_string(), page_name.clone()),
        };
        Ok(NewMessage {
            fb_id: r.get("mid")?,
            direction,
            from_id,
            from_name,
            text: r.get("text")?,
            sticker: r.get("sticker")?,
            attachments: r
                .get::<_, Option<String>>("attachments")?
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default(),
            shares: Vec::new(),
            created_time: DateTime::from_timestamp_millis(r.get("created_time")?)
                .unwrap_or(DateTime::UNIX_EPOCH),
            unavailable: false,
            reply_to: r.get("reply_to")?,
        })
    })?;
    rows.collect()
}
