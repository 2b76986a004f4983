//! What the sync engine writes: pages, settings, conversations and messages from Facebook,
//! spam conversations waiting for their delay, and sync progress.

use super::db::Optional;
use chrono::{DateTime, Utc};
use rusqlite::params;

use std::collections::{HashMap, HashSet};

use super::*;
use crate::model::{PageId, PostId};

/// A conversation Facebook's Done folder lists, newly: done, as Meta Business Suite's staff
/// said (unless staff here already marked it).
const DONE_IN_META_SQL: &str = "UPDATE conversations SET listed_done = 1,
    done_at = COALESCE(done_at, ?2), done_by = COALESCE(done_by, ?3) WHERE id = ?1";

/// Conversations one connection stores before PostgreSQL's planner is told what the tables
/// hold now (`ANALYZE`: about 0.1 s): a first sync's thousands are read by fitting plans while
/// the sync goes on.
const STORED_BEFORE_STATISTICS: usize = 2000;

impl Store {
    // Pages and settings.

    pub fn upsert_page(&mut self, id: &str, name: &str) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO pages (id, name) VALUES (?1, ?2)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name WHERE pages.name <> excluded.name",
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
        Ok(rows.collect::<db::Result<_>>()?)
    }

    pub fn spam_sync(&self, page_id: &PageId) -> Result<bool> {
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

    pub fn set_spam_sync(&mut self, page_id: &PageId, on: bool) -> Result<()> {
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

    /// Whether buyers' new comments with a phone number are hidden on the page, as switched in
    /// the settings screen; `None`: never switched, the config decides.
    pub fn phone_hiding(&self, page_id: &PageId) -> Result<Option<bool>> {
        Ok(phone_hiding(&self.conn, page_id)?)
    }

    pub fn set_phone_hiding(&mut self, page_id: &PageId, on: bool) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO page_settings (page_id, hide_phone_numbers) VALUES (?1, ?2)
             ON CONFLICT(page_id) DO UPDATE SET hide_phone_numbers = excluded.hide_phone_numbers",
            params![page_id, on],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether Facebook refused the page's HUMAN_AGENT replies (late replies are not offered).
    pub fn human_agent_refused(&self, page_id: &PageId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT human_agent_refused FROM page_settings WHERE page_id = ?1")?
            .query_row([page_id], |r| r.get(0))
            .optional()?
            .unwrap_or(false))
    }

    /// Staff say Meta approved the permission: late replies of the page go with the tag again
    /// (a refusal marks the page again), and those refused for it may be sent again (`r`).
    /// Whether the page was marked.
    pub fn lift_human_agent_refusal(&mut self, page_id: &PageId) -> Result<bool> {
        let tx = self.write()?;
        let lifted = tx.execute(
            "UPDATE page_settings SET human_agent_refused = 0
             WHERE page_id = ?1 AND human_agent_refused = 1",
            [page_id],
        )?;
        tx.execute(
            "UPDATE messages SET retry_possible = 1
             WHERE status = 'failed' AND error_code = ?2 AND direction = 'out'
               AND conversation_id IN (SELECT id FROM conversations WHERE page_id = ?1)",
            params![page_id, crate::model::ReplyProblem::AgentPermission.code()],
        )?;
        tx.commit()?;
        Ok(lifted > 0)
    }

    /// Facebook refused a HUMAN_AGENT reply of the page for want of Meta's permission.
    pub fn refuse_human_agent(&mut self, page_id: &PageId) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO page_settings (page_id, human_agent_refused) VALUES (?1, 1)
             ON CONFLICT(page_id) DO UPDATE SET human_agent_refused = 1",
            [page_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Facebook restricted the page from sending: its replies wait until `until`.
    pub fn restrict_sending(&mut self, page_id: &PageId, until: DateTime<Utc>) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO page_settings (page_id, send_restricted_until) VALUES (?1, ?2)
             ON CONFLICT(page_id) DO UPDATE SET send_restricted_until = ?2",
            params![page_id, until.timestamp()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Until when Facebook's restriction keeps the page's replies, while it does.
    pub fn sending_restricted_until(&self, page_id: &PageId) -> Result<Option<DateTime<Utc>>> {
        let until: Option<i64> = self
            .conn
            .query_row(
                "SELECT send_restricted_until FROM page_settings WHERE page_id = ?1",
                [page_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(until.map(to_time).filter(|until| *until > Utc::now()))
    }

    // Conversations and messages from Facebook.

    /// The stored versions (updated time, snippet) of those of `ids` that are stored.
    pub fn conversation_versions(
        &self,
        ids: &[ConversationId],
    ) -> Result<HashMap<ConversationId, (DateTime<Utc>, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT updated_time, snippet FROM conversations WHERE id = ?1")?;
        let mut versions = HashMap::new();
        for id in ids {
            if let Some(version) = stmt
                .query_row([id], |r| Ok((to_time(r.get(0)?), r.get(1)?)))
                .optional()?
            {
                versions.insert(id.clone(), version);
            }
        }
        Ok(versions)
    }

    /// Which of these Facebook message ids are stored as read from Facebook: a reply this
    /// pagedesk sent and stored itself (it names its sender) says nothing of the buyer's
    /// messages before it, which may not be read yet.
    pub fn read_message_ids(&self, ids: &[MessageId]) -> Result<HashSet<MessageId>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT 1 FROM messages WHERE fb_id = ?1 AND sent_by IS NULL")?;
        let mut stored = HashSet::new();
        for id in ids {
            if statement.exists([id])? {
                stored.insert(id.clone());
            }
        }
        Ok(stored)
    }

    /// Stores a conversation and its messages in one transaction. Messages already stored (by
    /// Facebook id) are left as they are, so a re-sync or the echo of our own reply adds nothing.
    pub fn apply_conversation(&mut self, update: &ConversationUpdate) -> Result<Applied> {
        Ok(self
            .apply_conversations(std::slice::from_ref(update))?
            .remove(0))
    }

    /// Stores conversations (a page of a listing) in one transaction: all or none.
    pub fn apply_conversations(&mut self, updates: &[ConversationUpdate]) -> Result<Vec<Applied>> {
        let tx = self.write()?;
        let applied = updates
            .iter()
            .map(|update| apply_in(&tx, update))
            .collect::<db::Result<Vec<_>>>()?;
        super::changes::purge_removed_words(&tx)?;
        tx.commit()?;
        self.stored_since_statistics += updates.len();
        if self.stored_since_statistics >= STORED_BEFORE_STATISTICS {
            self.conn.refresh_statistics();
            self.stored_since_statistics = 0;
        }
        Ok(applied)
    }

    /// Compares the stored folders of a page's conversations with the ids Facebook lists in
    /// Spam now: returns the stored ones marked spam that left Spam, and the stored ones not
    /// marked spam that are in Spam now.
    pub fn spam_moves(
        &self,
        page_id: &PageId,
        in_spam: &HashSet<ConversationId>,
    ) -> Result<(Vec<ConversationId>, Vec<ConversationId>)> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, folder = 'spam' FROM conversations WHERE page_id = ?1")?;
        let mut left = Vec::new();
        let mut entered = Vec::new();
        let rows = stmt.query_map([page_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        for row in rows {
            let (id, marked): (ConversationId, bool) = row?;
            match (marked, in_spam.contains(&id)) {
                (true, false) => left.push(id),
                (false, true) => entered.push(id),
                _ => {}
            }
        }
        Ok((left, entered))
    }

    /// Files conversations in the folders Facebook moved them to (the spam mark is the folder).
    pub fn move_conversations(&mut self, moves: &[(ConversationId, Folder)]) -> Result<()> {
        let tx = self.write()?;
        let now = Utc::now().timestamp();
        for (id, folder) in moves {
            tx.prepare_cached("UPDATE conversations SET folder = ?2 WHERE id = ?1")?
                .execute(params![id, folder.as_str()])?;
            if *folder == Folder::PageDone {
                tx.prepare_cached(DONE_IN_META_SQL)?
                    .execute(params![id, now, DONE_IN_META])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Staff marked a conversation done (`done`) or took it back; whether there was one.
    pub fn mark_done(
        &mut self,
        conversation_id: &ConversationId,
        done: bool,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let staff = self.staff.clone();
        let tx = self.write()?;
        let changed = if done {
            tx.execute(
                "UPDATE conversations SET done_at = COALESCE(done_at, ?2),
                     done_by = COALESCE(done_by, ?3) WHERE id = ?1",
                params![conversation_id, at.timestamp(), staff],
            )?
        } else {
            tx.execute(
                "UPDATE conversations SET done_at = NULL, done_by = NULL WHERE id = ?1",
                [conversation_id],
            )?
        };
        tx.commit()?;
        Ok(changed > 0)
    }

    /// What Facebook's Done folder of a page lists now (its first page: where staff's latest
    /// Done land). A conversation newly listed there is done, as Meta Business Suite's staff
    /// said; one that left it is noted, so that it counts as new when it comes back.
    /// `to_inbox`: those staff moved back to the inbox there, open again.
    pub fn listed_done(
        &mut self,
        page_id: &PageId,
        listed: &HashSet<ConversationId>,
        to_inbox: &[ConversationId],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.write()?;
        let before: Vec<ConversationId> = tx
            .prepare_cached("SELECT id FROM conversations WHERE page_id = ?1 AND listed_done = 1")?
            .query_map([page_id], |r| r.get(0))?
            .collect::<db::Result<_>>()?;
        for id in before.iter().filter(|id| !listed.contains(*id)) {
            tx.prepare_cached("UPDATE conversations SET listed_done = 0 WHERE id = ?1")?
                .execute([id])?;
        }
        for id in listed.iter().filter(|id| !before.contains(id)) {
            tx.prepare_cached(DONE_IN_META_SQL)?.execute(params![
                id,
                at.timestamp(),
                DONE_IN_META
            ])?;
        }
        for id in to_inbox {
            tx.prepare_cached(
                "UPDATE conversations SET folder = 'inbox', done_at = NULL, done_by = NULL
                 WHERE id = ?1",
            )?
            .execute([id])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The done conversations last seen in the Done folder's first page that `listed` lacks:
    /// moved back to the inbox, or only pushed down by newer Done ones.
    pub fn left_done(
        &self,
        page_id: &PageId,
        listed: &HashSet<ConversationId>,
    ) -> Result<Vec<LeftDone>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, customer_id FROM conversations
             WHERE page_id = ?1 AND listed_done = 1 AND done_at IS NOT NULL",
        )?;
        let rows = stmt.query_map([page_id], |r| {
            Ok(LeftDone {
                conversation: r.get(0)?,
                person: r.get(1)?,
            })
        })?;
        let mut left = Vec::new();
        for row in rows {
            let row = row?;
            if !listed.contains(&row.conversation) {
                left.push(row);
            }
        }
        Ok(left)
    }

    /// The list size that worked for a page after Facebook asked for less: (conversations per
    /// call, messages nested in each).
    pub fn request_size(&self, page_id: &PageId) -> Result<Option<(usize, usize)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT conversations, messages FROM request_size WHERE page_id = ?1",
                [page_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    pub fn save_request_size(&mut self, page_id: &PageId, size: (usize, usize)) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO request_size (page_id, conversations, messages) VALUES (?1, ?2, ?3)
             ON CONFLICT(page_id) DO UPDATE SET conversations = excluded.conversations,
                messages = excluded.messages",
            params![page_id, size.0, size.1],
        )?;
        tx.commit()?;
        Ok(())
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
    pub fn waiting_spam(&self, page_id: &PageId) -> Result<Vec<WaitingSpam>> {
        let mut stmt = self.conn.prepare(
            "SELECT conversation_id, page_id, customer_name, last_customer_message_time, due_time
             FROM spam_waiting WHERE page_id = ?1 ORDER BY due_time, conversation_id",
        )?;
        let rows = stmt.query_map([page_id], |r| {
            Ok(WaitingSpam {
                conversation_id: r.get("conversation_id")?,
                page_id: r.get("page_id")?,
                customer_name: r.get("customer_name")?,
                last_customer_message_time: to_time(r.get("last_customer_message_time")?),
                due_time: to_time(r.get("due_time")?),
            })
        })?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    // Sync progress and state.

    pub fn folder_sync(&self, page_id: &PageId, folder: Folder) -> Result<FolderSync> {
        Ok(self
            .conn
            .query_row(
                "SELECT pass_complete, resume_after, backfilled, pass_top, complete_through
                 FROM folder_sync WHERE page_id = ?1 AND folder = ?2",
                params![page_id, folder.as_str()],
                |r| {
                    Ok(FolderSync {
                        pass_complete: r.get("pass_complete")?,
                        resume_after: r.get("resume_after")?,
                        backfilled: r.get::<_, i64>("backfilled")? as usize,
                        pass_top: r.get("pass_top")?,
                        complete_through: r.get("complete_through")?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    pub fn save_folder_sync(
        &mut self,
        page_id: &PageId,
        folder: Folder,
        state: &FolderSync,
    ) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO folder_sync (page_id, folder, pass_complete, resume_after, backfilled,
                pass_top, complete_through)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(page_id, folder) DO UPDATE SET pass_complete = excluded.pass_complete,
                resume_after = excluded.resume_after, backfilled = excluded.backfilled,
                pass_top = excluded.pass_top, complete_through = excluded.complete_through",
            params![
                page_id,
                folder.as_str(),
                state.pass_complete,
                state.resume_after,
                state.backfilled as i64,
                state.pass_top,
                state.complete_through,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn page_sync(&self, page_id: &PageId) -> Result<PageSync> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_attempt, last_success, last_error, last_error_kind,
                    rate_limited_until, rate_limit_streak, failing_since
                 FROM page_sync WHERE page_id = ?1",
                [page_id],
                |r| {
                    Ok(PageSync {
                        last_attempt: r.get::<_, Option<i64>>("last_attempt")?.map(to_time),
                        last_success: r.get::<_, Option<i64>>("last_success")?.map(to_time),
                        last_error: r.get("last_error")?,
                        last_error_kind: r
                            .get::<_, Option<String>>("last_error_kind")?
                            .as_deref()
                            .and_then(SyncErrorKind::parse),
                        rate_limited_until: r
                            .get::<_, Option<i64>>("rate_limited_until")?
                            .map(to_time),
                        rate_limit_streak: r.get("rate_limit_streak")?,
                        failing_since: r.get::<_, Option<i64>>("failing_since")?.map(to_time),
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    pub fn save_page_sync(&mut self, page_id: &PageId, state: &PageSync) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO page_sync (page_id, last_attempt, last_success, last_error, last_error_kind,
                rate_limited_until, rate_limit_streak, failing_since)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(page_id) DO UPDATE SET last_attempt = excluded.last_attempt,
                last_success = excluded.last_success, last_error = excluded.last_error,
                last_error_kind = excluded.last_error_kind,
                rate_limited_until = excluded.rate_limited_until,
                rate_limit_streak = excluded.rate_limit_streak,
                failing_since = excluded.failing_since",
            params![
                page_id,
                state.last_attempt.map(|t| t.timestamp()),
                state.last_success.map(|t| t.timestamp()),
                state.last_error,
                state.last_error_kind.map(SyncErrorKind::as_str),
                state.rate_limited_until.map(|t| t.timestamp()),
                state.rate_limit_streak,
                state.failing_since.map(|t| t.timestamp()),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// A page message from Facebook that is one of our own replies whose answer never came (the
/// process died, or the answer was lost; or it was waiting in a restored backup and went out
/// after it was taken): the local reply takes Facebook's id and is sent, instead of the message
/// being stored twice and, worse, sent again.
fn adopt_own_reply(
    tx: &Tx<'_>,
    conversation_id: &ConversationId,
    message: &NewMessage,
) -> db::Result<bool> {
    if tx
        .prepare_cached("SELECT 1 FROM messages WHERE fb_id = ?1")?
        .query_row([&message.fb_id], |_| Ok(()))
        .optional()?
        .is_some()
    {
        return Ok(false);
    }
    // A file goes as a message of its own with no text: it is ours when we were sending a file.
    let ours: Option<i64> = tx
        .prepare_cached(
            "SELECT m.id FROM messages m
             WHERE m.conversation_id = ?1 AND m.fb_id IS NULL AND m.text = ?2
               AND (EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id
                        AND o.first_attempt_at IS NOT NULL AND o.first_attempt_at <= ?3)
                    -- Waiting in a restored backup, and sent after it was taken.
                    OR (m.status = 'failed' AND m.error_code = 'restored'
                        AND m.created_time <= ?3))
               AND EXISTS (SELECT 1 FROM outgoing_files f WHERE f.message_id = m.id) = ?4
             ORDER BY m.id LIMIT 1",
        )?
        .query_row(
            params![
                conversation_id,
                message.text,
                (message.created_time + crate::model::CLOCK_SLACK).timestamp(),
                !message.attachments.is_empty(),
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(ours) = ours else {
        return Ok(false);
    };
    // Facebook's copy says where the file now is (its link), which ours could not know.
    let attachments = (!message.attachments.is_empty())
        .then(|| serde_json::to_string(&message.attachments).unwrap_or_default());
    tx.prepare_cached(
        "UPDATE messages SET fb_id = ?2, status = 'sent', error = NULL, created_time = ?3,
            attachments = COALESCE(?4, attachments) WHERE id = ?1",
    )?
    .execute(params![
        ours,
        message.fb_id,
        message.created_time.timestamp(),
        attachments
    ])?;
    tx.prepare_cached("DELETE FROM outbox WHERE message_id = ?1")?
        .execute([ours])?;
    Ok(true)
}

/// Stores one conversation inside the caller's transaction.
fn apply_in(tx: &Tx<'_>, update: &ConversationUpdate) -> db::Result<Applied> {
    apply_thread(tx, update, None)
}

/// Stores a Messenger conversation (`post`: `None`) or a thread of comments under `post`:
/// the same rules of unread, answered and Done hold for both. Messenger's webhook events wait
/// for a Messenger conversation only.
pub(super) fn apply_thread(
    tx: &Tx<'_>,
    update: &ConversationUpdate,
    post: Option<&PostId>,
) -> db::Result<Applied> {
    // Every statement is a round trip on PostgreSQL: what a conversation new to the store
    // cannot have (messages, replies, a Done mark) is not asked for.
    let stored: Option<(i64, i64, bool)> = tx
        .prepare_cached(
            "SELECT unread_count, updated_time, CASE WHEN folder = 'spam' THEN 1 ELSE 0 END
             FROM conversations WHERE id = ?1",
        )?
        .query_row([&update.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let existing = stored.map(|(unread, updated, _)| (unread, updated));
    let mut applied = Applied {
        new_conversation: existing.is_none(),
        ..Applied::default()
    };
    // A page reply to a conversation in Spam takes it out: a buyer rescued.
    let was_spam = stored.is_some_and(|(_, _, spam)| spam);
    // What webhook events brought for this person waits for their conversation: it joins it
    // now, Facebook's own copy of a message first.
    let (messages, from_events) = match post {
        None => with_queued(tx, update)?,
        Some(_) => (update.messages.clone(), HashSet::new()),
    };
    let mut rescued_by: Option<&NewMessage> = None;
    let updated = messages
        .last()
        .map_or(update.updated_time, |m| {
            m.created_time.max(update.updated_time)
        })
        .timestamp();
    let last_customer = messages
        .iter()
        .filter(|m| m.direction == Direction::In && !m.unavailable)
        .map(|m| m.created_time.timestamp())
        .max();
    match existing {
        None => {
            tx.prepare_cached(
                "INSERT INTO conversations (id, page_id, folder, customer_id, customer_name,
                    snippet, updated_time, unread_count, last_customer_message_time, search_name,
                    can_reply)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                update.id,
                update.page_id,
                update.folder.as_str(),
                update.customer_id,
                update.customer_name,
                update.snippet,
                updated,
                update.unread_estimate.max(0),
                last_customer,
                crate::text::fold(&update.customer_name),
                update.can_reply,
            ])?;
            if let Some(post) = post {
                tx.prepare_cached(
                    "UPDATE conversations SET channel = 'comments', post_id = ?2 WHERE id = ?1",
                )?
                .execute(params![update.id, post])?;
            }
        }
        Some((_, stored_updated)) => {
            // A reply sent from pagedesk may have made our copy newer than Facebook's list.
            let snippet_is_newer = updated >= stored_updated;
            let greatest = tx.pick("MAX", "GREATEST");
            tx.prepare_cached(&format!("UPDATE conversations SET folder = ?2, customer_name = ?3, search_name = ?8,
                    can_reply = ?9,
                    snippet = CASE WHEN ?4 THEN ?5 ELSE snippet END,
                    updated_time = {greatest}(updated_time, ?6),
                    last_customer_message_time = COALESCE({greatest}(last_customer_message_time, ?7), last_customer_message_time, ?7)
                 WHERE id = ?1"))?.execute(
                params![
                    update.id,
                    update.folder.as_str(),
                    update.customer_name,
                    snippet_is_newer,
                    update.snippet,
                    updated,
                    last_customer,
                    crate::text::fold(&update.customer_name),
                    update.can_reply,
                ],
            )?;
        }
    }
    let mut unread = existing.map(|(unread, _)| unread);
    // A new message from the buyer opens a Done conversation again: one written after it was
    // marked done (an older one a later read brings does not).
    let mut newest_from_buyer: Option<i64> = None;
    // Only a conversation with a reply whose answer may have been lost (or that a restore left
    // waiting for staff) can hold one to adopt.
    let awaiting_answer: bool = existing.is_some()
        && tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox o JOIN messages m ON m.id = o.message_id
                    WHERE m.conversation_id = ?1 AND o.first_attempt_at IS NOT NULL)
                 OR EXISTS (SELECT 1 FROM messages
                    WHERE conversation_id = ?1 AND status = 'failed' AND error_code = 'restored')",
            )?
            .query_row([&update.id], |r| r.get(0))?;
    // Only a conversation holding a message known as a mark can have one to complete.
    let holds_marks: bool = existing.is_some()
        && tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM messages
                    WHERE conversation_id = ?1 AND unavailable = 1)",
            )?
            .query_row([&update.id], |r| r.get(0))?;
    for message in &messages {
        if awaiting_answer
            && message.direction == Direction::Out
            && adopt_own_reply(tx, &update.id, message)?
        {
            unread = unread.map(|_| 0);
            rescued_by = rescued_by.or(Some(message).filter(|_| was_spam));
            continue;
        }
        let attachments = (!message.attachments.is_empty())
            .then(|| serde_json::to_string(&message.attachments).unwrap_or_default());
        let facebooks_copy = !message.unavailable && !from_events.contains(&message.fb_id);
        if facebooks_copy && (attachments.is_some() || message.sticker.is_some()) {
            // Facebook's links to files change (CDN links expire; a file we sent gets one only
            // from Facebook), and its copy says more than an event did (a file's name, type and
            // size; a sticker as a sticker): the message keeps Facebook's newest.
            tx.prepare_cached(
                "UPDATE messages SET attachments = ?2, sticker = ?3
                 WHERE fb_id = ?1 AND removed = 0 AND (attachments IS DISTINCT FROM ?2
                    OR sticker IS DISTINCT FROM ?3)",
            )?
            .execute(params![message.fb_id, attachments, message.sticker])?;
        }
        let shares = (!message.shares.is_empty())
            .then(|| serde_json::to_string(&message.shares).unwrap_or_default());
        let columns = params![
            message.fb_id,
            update.id,
            message.direction.as_str(),
            message.from_id,
            message.from_name,
            message.text,
            message.sticker,
            attachments,
            message.created_time.timestamp(),
            shares,
            message.unavailable,
            message.reply_to,
        ];
        // A message known only as a mark takes its words when they come (from an event).
        let completed = !message.unavailable
            && holds_marks
            && tx
                .prepare_cached(
                    "UPDATE messages SET direction = ?3, from_id = ?4, from_name = ?5, text = ?6,
                        sticker = ?7, attachments = ?8, created_time = ?9, shares = ?10,
                        unavailable = ?11, reply_to = COALESCE(?12, reply_to)
                     WHERE fb_id = ?1 AND conversation_id = ?2 AND unavailable = 1",
                )?
                .execute(columns)?
                > 0;
        // The row, and whether an edit or unsend was told before the message was stored.
        let (row, amended) = if completed {
            tx.prepare_cached(
                "SELECT id, EXISTS (SELECT 1 FROM message_amends WHERE mid = ?1)
                 FROM messages WHERE fb_id = ?1",
            )?
            .query_row([&message.fb_id], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?
        } else {
            let inserted: Option<(i64, bool)> = tx
                .prepare_cached(
                    "INSERT INTO messages (fb_id, conversation_id, direction, from_id, from_name,
                        text, sticker, attachments, created_time, status, shares, unavailable,
                        reply_to)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent', ?10, ?11, ?12)
                     ON CONFLICT(fb_id) DO NOTHING
                     RETURNING id, EXISTS (SELECT 1 FROM message_amends WHERE mid = ?1)",
                )?
                .query_row(columns, |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some(inserted) = inserted else {
                if let Some(answered) = &message.reply_to {
                    // Only events say which message a message answers.
                    tx.prepare_cached(
                        "UPDATE messages SET reply_to = ?2 WHERE fb_id = ?1 AND reply_to IS NULL",
                    )?
                    .execute(params![message.fb_id, answered])?;
                }
                if from_events.contains(&message.fb_id)
                    && (attachments.is_some() || message.sticker.is_some())
                {
                    // Facebook's copy came first and lists no place, template or link (the
                    // Graph API does not): what the event says of them fills it in.
                    tx.prepare_cached(
                        "UPDATE messages SET attachments = COALESCE(attachments, ?2),
                            sticker = COALESCE(sticker, ?3)
                         WHERE fb_id = ?1 AND removed = 0 AND attachments IS NULL
                            AND sticker IS NULL",
                    )?
                    .execute(params![
                        message.fb_id,
                        attachments,
                        message.sticker
                    ])?;
                }
                if facebooks_copy {
                    super::changes::edited_on_facebook(
                        tx,
                        &message.fb_id,
                        &message.text,
                        chrono::Utc::now(),
                    )?;
                }
                continue;
            };
            inserted
        };
        applied.new_messages += 1;
        if message.unavailable {
            // Nothing to search, and not known to be the buyer's: no unread, no news.
            applied.unavailable_messages += 1;
            continue;
        }
        index_message(tx, row, message.created_time.timestamp(), &message.text)?;
        if amended {
            super::changes::apply_amends(tx, &message.fb_id)?;
        }
        // Unread: customer messages since staff last answered.
        match message.direction {
            Direction::In => {
                let written = message.created_time.timestamp();
                newest_from_buyer = Some(newest_from_buyer.map_or(written, |n| n.max(written)));
                applied.new_customer_messages += 1;
                let oldest = applied
                    .oldest_new_customer_message
                    .get_or_insert(message.created_time);
                *oldest = (*oldest).min(message.created_time);
                unread = unread.map(|n| n + 1);
            }
            Direction::Out => {
                unread = unread.map(|_| 0);
                rescued_by = rescued_by.or(Some(message).filter(|_| was_spam));
            }
        }
    }
    if let Some(reply) = rescued_by {
        // Ours (adopted from its echo) names who sent it; one typed in Facebook, the Page inbox.
        tx.prepare_cached(
            "UPDATE conversations SET rescued_at = COALESCE(rescued_at, ?2),
                rescued_by = COALESCE(rescued_by,
                    (SELECT COALESCE(sent_by, ?4) FROM messages WHERE fb_id = ?3))
             WHERE id = ?1",
        )?
        .execute(params![
            update.id,
            reply.created_time.timestamp(),
            reply.fb_id,
            REPLIED_IN_FACEBOOK
        ])?;
    }
    if let Some(written) = newest_from_buyer.filter(|_| existing.is_some()) {
        tx.prepare_cached(
            "UPDATE conversations SET done_at = NULL, done_by = NULL
             WHERE id = ?1 AND done_at <= ?2",
        )?
        .execute(params![update.id, written])?;
    }
    if let Some(unread) = unread {
        tx.prepare_cached("UPDATE conversations SET unread_count = ?2 WHERE id = ?1")?
            .execute(params![update.id, unread])?;
    }
    if applied.new_messages > 0 {
        refresh_last_speaker(tx, &update.id)?;
    }
    // Facebook's snippet may still quote a message the buyer unsent.
    tx.prepare_cached(
        "UPDATE conversations SET snippet = '' WHERE id = ?1 AND snippet != ''
            AND (SELECT removed FROM messages WHERE conversation_id = ?1
                 ORDER BY created_time DESC, id DESC LIMIT 1) = 1",
    )?
    .execute([&update.id])?;
    // A Spam conversation that waited out its delay arrives now: listed on top, as new.
    let waited = tx
        .prepare_cached("DELETE FROM spam_waiting WHERE conversation_id = ?1")?
        .execute([&update.id])?;
    if waited > 0 {
        tx.prepare_cached("UPDATE conversations SET shown_at = ?2 WHERE id = ?1")?
            .execute(params![update.id, Utc::now().timestamp()])?;
    }
    tx.prepare_cached("DELETE FROM webhook_messages WHERE page_id = ?1 AND person_id = ?2")?
        .execute(params![update.page_id, update.customer_id])?;
    Ok(applied)
}

/// The update's messages with those webhook events kept for its person, oldest first. Facebook's
/// copy of a message wins over the event's, unless Facebook no longer shows it in full.
/// Also returns the ids of those that came from events.
fn with_queued(
    tx: &Tx<'_>,
    update: &ConversationUpdate,
) -> db::Result<(Vec<NewMessage>, HashSet<MessageId>)> {
    let queued = super::webhooks::queued_messages(tx, update)?;
    if queued.is_empty() {
        return Ok((update.messages.clone(), HashSet::new()));
    }
    let twin = |m: &NewMessage| queued.iter().find(|q| q.fb_id == m.fb_id);
    let mut messages: Vec<NewMessage> = update
        .messages
        .iter()
        .filter(|m| !(m.unavailable && twin(m).is_some()))
        .map(|m| {
            // Facebook's copy says the second; the event the millisecond, which orders a
            // buyer's burst (30 messages in one second) as it was written.
            let mut m = m.clone();
            if let Some(twin) = twin(&m) {
                m.created_time = twin.created_time;
                m.reply_to = m.reply_to.or_else(|| twin.reply_to.clone());
                // The Graph API lists no place, template or link: the event's stand.
                if m.attachments.is_empty() && m.sticker.is_none() && m.shares.is_empty() {
                    m.attachments = twin.attachments.clone();
                    m.sticker = twin.sticker.clone();
                }
            }
            m
        })
        .collect();
    // Facebook lists its copies in the order written but says only the second; an event says
    // the millisecond. A copy no event came for is not put ahead of one Facebook lists before
    // it (a burst read back as 4, 5, 6, 7, 1, 2, 3): it goes at least as late as that one.
    let mut listed_until = DateTime::<Utc>::MIN_UTC;
    let listed: HashMap<MessageId, DateTime<Utc>> = messages
        .iter()
        .map(|m| {
            listed_until = listed_until.max(m.created_time);
            (m.fb_id.clone(), listed_until)
        })
        .collect();
    let mut from_events = HashSet::new();
    for message in &queued {
        if !messages.iter().any(|m| m.fb_id == message.fb_id) {
            from_events.insert(message.fb_id.clone());
            messages.push(message.clone());
        }
    }
    // Events arrive in the order written: within one millisecond that order decides.
    let arrival = |m: &NewMessage| {
        queued
            .iter()
            .position(|q| q.fb_id == m.fb_id)
            .unwrap_or(usize::MAX)
    };
    messages.sort_by_cached_key(|m| {
        let written = listed.get(&m.fb_id).copied().unwrap_or(m.created_time);
        (written, arrival(m))
    });
    Ok((messages, from_events))
}

/// A page's settings-screen switch for hiding comments with a phone number, if ever used.
pub(super) fn phone_hiding(conn: &Conn, page_id: &PageId) -> db::Result<Option<bool>> {
    Ok(conn
        .prepare_cached("SELECT hide_phone_numbers FROM page_settings WHERE page_id = ?1")?
        .query_row([page_id], |r| r.get(0))
        .optional()?
        .flatten())
}
