//! Replies: written before any network call, then marked sent, failed or postponed.

use super::db::Optional;
use chrono::{DateTime, Utc};
use rusqlite::{ToSql, params};

use super::*;
use crate::files::{FileKind, OutgoingFile};
use crate::model::{Attachment, CommentId, CommentRefusal, PageId, PostId, Via};

/// Takes an unsent reply out of the outbox, the chat and the search: the file it was to send,
/// if it carried one.
fn remove_reply(
    tx: &Tx<'_>,
    message_id: i64,
    conversation: &ConversationId,
) -> Result<Option<crate::files::OutgoingFile>> {
    tx.execute("DELETE FROM outbox WHERE message_id = ?1", [message_id])?;
    // A private reply never sent leaves its comment free to get one.
    tx.execute(
        "UPDATE comments SET private_reply = NULL WHERE private_reply = ?1",
        [message_id],
    )?;
    unindex_message(tx, message_id)?;
    let file = outgoing_file(tx, message_id)?;
    tx.execute(
        "DELETE FROM outgoing_files WHERE message_id = ?1",
        [message_id],
    )?;
    tx.execute("DELETE FROM messages WHERE id = ?1", [message_id])?;
    refresh_last_speaker(tx, conversation)?;
    Ok(file)
}

/// The file a message of a reply carries, if it carries one.
fn outgoing_file(conn: &Conn, message_id: i64) -> db::Result<Option<OutgoingFile>> {
    conn.prepare_cached(
        "SELECT path, name, mime_type, kind, size, sha256 FROM outgoing_files
         WHERE message_id = ?1",
    )?
    .query_row([message_id], file_row)
    .optional()
}

/// Stores a file in `outgoing_files` or `draft_files`: the row's key columns, then the file's
/// columns, which both tables keep alike.
fn insert_file(
    tx: &Tx<'_>,
    table: &str,
    keys: &[(&str, &dyn ToSql)],
    file: &OutgoingFile,
) -> db::Result<()> {
    let path = file.path.to_string_lossy();
    let kind = file.kind.as_str();
    let columns: Vec<(&str, &dyn ToSql)> = keys
        .iter()
        .copied()
        .chain([
            ("path", &path as &dyn ToSql),
            ("name", &file.name),
            ("mime_type", &file.mime_type),
            ("kind", &kind),
            ("size", &file.size),
            ("sha256", &file.sha256),
        ])
        .collect();
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let marks: Vec<String> = (1..=columns.len()).map(|n| format!("?{n}")).collect();
    tx.prepare_cached(&format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    ))?
    .execute(db::params_from_iter(
        columns.iter().map(|(_, value)| *value),
    ))?;
    Ok(())
}

/// A file as `outgoing_files` and `draft_files` keep it: path, name, type, kind, size, hash.
fn file_row(r: &Row<'_>) -> db::Result<OutgoingFile> {
    Ok(OutgoingFile {
        path: r.get::<_, String>("path")?.into(),
        name: r.get("name")?,
        mime_type: r.get("mime_type")?,
        kind: FileKind::parse(&r.get::<_, String>("kind")?).unwrap_or(FileKind::File),
        size: r.get("size")?,
        sha256: r.get("sha256")?,
    })
}

impl Store {
    // Replies.

    /// Keeps what this connection's staff member typed in a conversation's reply box (an
    /// empty text removes it). A draft left from before drafts had owners is taken over.
    pub fn save_draft(&mut self, conversation_id: &ConversationId, text: &str) -> Result<()> {
        let staff = self.staff.clone();
        let tx = self.write()?;
        tx.execute(
            "DELETE FROM drafts WHERE conversation_id = ?1 AND staff IN (?2, '')",
            params![conversation_id, staff],
        )?;
        if !text.trim().is_empty() {
            tx.execute(
                "INSERT INTO drafts (conversation_id, staff, text) VALUES (?1, ?2, ?3)",
                params![conversation_id, staff, text],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Keeps the files this connection's staff member attached to a conversation's reply (none:
    /// removes them).
    pub fn save_draft_files(
        &mut self,
        conversation_id: &ConversationId,
        files: &[OutgoingFile],
    ) -> Result<()> {
        let staff = self.staff.clone();
        let tx = self.write()?;
        tx.execute(
            "DELETE FROM draft_files WHERE conversation_id = ?1 AND staff = ?2",
            params![conversation_id, staff],
        )?;
        for (position, file) in files.iter().enumerate() {
            let keys: [(&str, &dyn ToSql); 3] = [
                ("conversation_id", &conversation_id),
                ("staff", &staff),
                ("position", &position),
            ];
            insert_file(&tx, "draft_files", &keys, file)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The files this staff member attached to a conversation's reply and has not sent.
    pub fn draft_files(&self, conversation_id: &ConversationId) -> Result<Vec<OutgoingFile>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT path, name, mime_type, kind, size, sha256 FROM draft_files
             WHERE conversation_id = ?1 AND staff = ?2 ORDER BY position",
        )?;
        let rows = stmt.query_map(params![conversation_id, self.staff], file_row)?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    /// This staff member's draft of a conversation, else one left from before drafts had
    /// owners; never another staff member's.
    pub fn draft(&self, conversation_id: &ConversationId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT text FROM drafts WHERE conversation_id = ?1 AND staff IN (?2, '')
                 ORDER BY staff = ?2 DESC LIMIT 1",
                params![conversation_id, self.staff],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Says which conversation this inbox (`instance`) shows now and whether its staff member
    /// is typing there; `None` when it shows none or closes.
    pub fn set_presence(
        &mut self,
        instance: &str,
        shown: Option<(&ConversationId, bool)>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let staff = self.staff.clone();
        let tx = self.write()?;
        match shown {
            Some((conversation_id, typing)) => tx.execute(
                "INSERT INTO presence (instance, staff, conversation_id, typing, seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(instance) DO UPDATE SET staff = excluded.staff,
                    conversation_id = excluded.conversation_id, typing = excluded.typing,
                    seen_at = excluded.seen_at",
                params![instance, staff, conversation_id, typing, now.timestamp()],
            )?,
            None => tx.execute("DELETE FROM presence WHERE instance = ?1", [instance])?,
        };
        tx.commit()?;
        Ok(())
    }

    /// The other inboxes showing a conversation that said so since `since`.
    pub fn presence_in(
        &self,
        conversation_id: &ConversationId,
        except_instance: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<Presence>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT staff, MAX(typing) FROM presence
             WHERE conversation_id = ?1 AND instance <> ?2 AND seen_at >= ?3
             GROUP BY staff ORDER BY staff",
        )?;
        let rows = stmt.query_map(
            params![conversation_id, except_instance, since.timestamp()],
            |r| {
                Ok(Presence {
                    staff: r.get(0)?,
                    typing: r.get(1)?,
                })
            },
        )?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    /// Writes a reply to the database, pending, before anything is sent. Returns its message id.
    pub fn enqueue_reply(
        &mut self,
        conversation_id: &ConversationId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let ids = self.enqueue_reply_with_files(conversation_id, text, &[], now)?;
        Ok(ids[0])
    }

    /// Writes a reply with files, pending, before anything is sent: the text (when there is
    /// any), then each file as a message of its own, in order, in one transaction. Returns
    /// their message ids in the order they go.
    pub fn enqueue_reply_with_files(
        &mut self,
        conversation_id: &ConversationId,
        text: &str,
        files: &[OutgoingFile],
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let has_text = !text.trim().is_empty();
        if !has_text && files.is_empty() {
            return Err(StoreError::EmptyReply);
        }
        let staff = self.staff.clone();
        let tx = self.write()?;
        let target: Option<(ConversationId, String, Psid, Option<PostId>)> = tx
            .query_row(
                "SELECT c.page_id, c.customer_id, p.name, c.post_id FROM conversations c
                 JOIN pages p ON p.id = c.page_id WHERE c.id = ?1",
                [conversation_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((page_id, customer_id, page_name, post)) = target else {
            return Err(StoreError::NoConversation(conversation_id.to_string()));
        };
        // Under a post, the reply answers the person's newest comment in public.
        let via = match post {
            None => Via::Messenger,
            Some(_) if !files.is_empty() => {
                return Err(StoreError::CommentReply(CommentRefusal::Files));
            }
            Some(_) => Via::Comment(super::comments::answered_comment(&tx, conversation_id)?),
        };
        let sent_by = Some(staff.as_str()).filter(|s| !s.is_empty());
        let parts = has_text
            .then_some(None)
            .into_iter()
            .chain(files.iter().map(Some));
        let (via_name, via_target) = via.columns();
        let mut ids = Vec::new();
        for file in parts {
            let (text, attachments) = match file {
                None => (text, None),
                Some(file) => {
                    let shown = Attachment {
                        mime_type: Some(file.mime_type.clone()),
                        name: Some(file.name.clone()),
                        size: Some(file.size),
                        url: None,
                        preview_url: None,
                        kind: None,
                        place: None,
                    };
                    let json = serde_json::to_string(&[shown]).unwrap_or_default();
                    ("", Some(json))
                }
            };
            tx.execute(
                "INSERT INTO messages (conversation_id, direction, from_id, from_name, text,
                    attachments, created_time, status, sent_by, via, via_target)
                 VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9)",
                params![
                    conversation_id,
                    page_id,
                    page_name,
                    text,
                    attachments,
                    now.timestamp(),
                    sent_by,
                    via_name,
                    via_target
                ],
            )?;
            let message_id = tx.last_insert_rowid()?;
            if let Some(file) = file {
                let keys: [(&str, &dyn ToSql); 1] = [("message_id", &message_id)];
                insert_file(&tx, "outgoing_files", &keys, file)?;
            } else {
                index_message(&tx, message_id, now.timestamp(), text)?;
            }
            tx.execute(
                "INSERT INTO outbox (message_id, page_id, recipient_id, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![message_id, page_id, customer_id, now.timestamp()],
            )?;
            ids.push(message_id);
        }
        tx.execute(
            "DELETE FROM drafts WHERE conversation_id = ?1 AND staff IN (?2, '')",
            params![conversation_id, staff],
        )?;
        tx.execute(
            "DELETE FROM draft_files WHERE conversation_id = ?1 AND staff = ?2",
            params![conversation_id, staff],
        )?;
        refresh_last_speaker(&tx, conversation_id)?;
        tx.commit()?;
        Ok(ids)
    }

    /// The parts of a reply this staff member stored in a conversation at `now` and the outbox
    /// still holds, in order: how a writer whose connection went while the reply was being
    /// stored learns whether it was (a commit cut off may have gone through or not). Asked in
    /// the writers' turn: a commit the server is still carrying out for the lost connection
    /// holds that turn, so the answer comes after it, never before.
    pub fn reply_stored_at(
        &mut self,
        conversation_id: &ConversationId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let sent_by = self.staff.clone();
        let sent_by = Some(sent_by.as_str()).filter(|s| !s.is_empty());
        let tx = self.write()?;
        let mut stmt = tx.prepare(
            "SELECT m.id FROM messages m JOIN outbox o ON o.message_id = m.id
             WHERE m.conversation_id = ?1 AND m.direction = 'out' AND m.created_time = ?2
               AND m.sent_by IS NOT DISTINCT FROM ?3 AND (m.text = ?4 OR m.text = '')
             ORDER BY m.id",
        )?;
        let rows = stmt.query_map(
            params![conversation_id, now.timestamp(), sent_by, text],
            |r| r.get(0),
        )?;
        let ids = rows.collect::<db::Result<_>>()?;
        Ok(ids)
    }

    fn queued_replies(&self, condition: &str, value: i64) -> Result<Vec<QueuedReply>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT o.message_id, m.conversation_id, o.page_id, o.recipient_id, m.text, o.attempts,
                o.first_attempt_at, o.outcome_unknown, c.last_customer_message_time, c.can_reply,
                COALESCE((SELECT s.human_agent_refused FROM page_settings s
                    WHERE s.page_id = o.page_id), 0) AS human_agent_refused,
                EXISTS (SELECT 1 FROM outbox e JOIN messages em ON em.id = e.message_id
                    WHERE em.conversation_id = m.conversation_id AND e.message_id < o.message_id)
                    AS waits_for_earlier,
                o.withdrawn_at IS NOT NULL AS withdrawn,
                COALESCE(m.via, 'messenger') AS via, m.via_target
             FROM outbox o JOIN messages m ON m.id = o.message_id
             JOIN conversations c ON c.id = m.conversation_id
             WHERE {condition} ORDER BY o.message_id"
        ))?;
        let rows = stmt.query_map([value], |r| {
            Ok(QueuedReply {
                file: outgoing_file(&self.conn, r.get("message_id")?)?,
                waits_for_earlier: r.get("waits_for_earlier")?,
                withdrawn: r.get("withdrawn")?,
                message_id: r.get("message_id")?,
                conversation_id: r.get("conversation_id")?,
                page_id: r.get("page_id")?,
                recipient_id: r.get("recipient_id")?,
                text: r.get("text")?,
                attempts: r.get("attempts")?,
                first_attempt_at: r.get::<_, Option<i64>>("first_attempt_at")?.map(to_time),
                outcome_unknown: r.get("outcome_unknown")?,
                last_customer_message_time: r
                    .get::<_, Option<i64>>("last_customer_message_time")?
                    .map(to_time),
                can_reply: r.get("can_reply")?,
                human_agent_refused: r.get("human_agent_refused")?,
                via: crate::model::Via::from_columns(
                    &r.get::<_, String>("via")?,
                    r.get::<_, Option<CommentId>>("via_target")?,
                ),
            })
        })?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    /// Replies whose next attempt is due, oldest first (each reply of a conversation only once
    /// those before it have left the outbox).
    pub fn due_replies(&self, now: DateTime<Utc>) -> Result<Vec<QueuedReply>> {
        // A page Facebook restricted from sending keeps its replies until the restriction's
        // time is over, even when staff ask for a send now.
        let clock = self
            .conn
            .pick("unixepoch()", "CAST(extract(epoch FROM now()) AS BIGINT)");
        let due = self.queued_replies(
            &format!(
                "o.next_attempt_at <= ?1 AND NOT EXISTS (SELECT 1 FROM page_settings s
                    WHERE s.page_id = o.page_id AND s.send_restricted_until > {clock})"
            ),
            now.timestamp(),
        )?;
        Ok(due.into_iter().filter(|r| !r.waits_for_earlier).collect())
    }

    pub fn queued_reply(&self, message_id: i64) -> Result<Option<QueuedReply>> {
        Ok(self.queued_replies("o.message_id = ?1", message_id)?.pop())
    }

    /// Claims a reply for sending by `holder` until `until`: false when another process holds
    /// an unexpired claim, so that two pagedesks never send the same reply at once.
    pub fn claim_reply(
        &mut self,
        message_id: i64,
        claimant: &Claimant<'_>,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.write()?;
        let current: Option<(Option<String>, Option<u32>, Option<i64>)> = tx
            .query_row(
                "SELECT claimed_by, claimed_pid, claimed_until FROM outbox WHERE message_id = ?1",
                [message_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((by, pid, claimed_until)) = current else {
            return Ok(false);
        };
        let free = match (by, pid, claimed_until) {
            (Some(by), _, _) if by == claimant.holder => true,
            (_, _, Some(until)) if until < now.timestamp_millis() => true,
            (by, Some(pid), _) => !(claimant.alive)(by.as_deref().unwrap_or_default(), pid),
            _ => true,
        };
        if free {
            tx.execute(
                "UPDATE outbox SET claimed_by = ?2, claimed_pid = ?3, claimed_until = ?4
                 WHERE message_id = ?1",
                params![
                    message_id,
                    claimant.holder,
                    claimant.pid,
                    until.timestamp_millis()
                ],
            )?;
        }
        tx.commit()?;
        Ok(free)
    }

    /// Notes an attempt before the request goes out (at `at`), so that after a crash mid-send
    /// the next attempt first looks on Facebook for the reply; and renews the claim for the
    /// request (until `until`), only while the claim is still `holder`'s and unexpired at
    /// `now` (the team's clock). False: no attempt, since a pagedesk stopped or frozen past its
    /// claim may find the reply taken over (and sent) by another meanwhile.
    pub fn begin_attempt(
        &mut self,
        message_id: i64,
        holder: &str,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.write()?;
        let begun = tx.execute(
            "UPDATE outbox SET attempts = attempts + 1,
                first_attempt_at = COALESCE(first_attempt_at, ?2), outcome_unknown = 1,
                claimed_until = ?5
             WHERE message_id = ?1 AND claimed_by = ?3 AND claimed_until >= ?4",
            params![
                message_id,
                at.timestamp(),
                holder,
                now.timestamp_millis(),
                until.timestamp_millis()
            ],
        )?;
        tx.commit()?;
        Ok(begun == 1)
    }

    /// Facebook answered an attempt with an error: the reply did not reach the buyer, so it
    /// may be taken back until the next attempt begins.
    pub fn attempt_refused(&mut self, message_id: i64) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE outbox SET outcome_unknown = 0 WHERE message_id = ?1",
            [message_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Facebook accepted the reply: it gets Facebook's id, leaves the outbox, and the
    /// conversation loses its spam mark (Facebook moves it to the inbox) and its unread count.
    pub fn mark_reply_sent(
        &mut self,
        message_id: i64,
        fb_id: &MessageId,
        tagged: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.write()?;
        // A page that sends again is no longer restricted.
        tx.execute(
            "UPDATE page_settings SET send_restricted_until = NULL
             WHERE page_id = (SELECT page_id FROM outbox WHERE message_id = ?1)
               AND send_restricted_until IS NOT NULL",
            [message_id],
        )?;
        // A HUMAN_AGENT reply Facebook took: the permission is there (another pagedesk may have
        // seen a refusal before Meta approved it).
        if tagged {
            tx.execute(
                "UPDATE page_settings SET human_agent_refused = 0
                 WHERE page_id = (SELECT page_id FROM outbox WHERE message_id = ?1)
                   AND human_agent_refused = 1",
                [message_id],
            )?;
        }
        // The sync may have stored the echo of this very reply already: keep one copy, ours.
        let echo: Option<i64> = tx
            .query_row(
                "SELECT id FROM messages WHERE fb_id = ?1 AND id <> ?2",
                params![fb_id, message_id],
                |r| r.get(0),
            )
            .optional()?;
        // The echo of a file says where Facebook keeps it now; ours could not know.
        let echo_attachments: Option<String> = match echo {
            Some(echo) => tx.query_row(
                "SELECT attachments FROM messages WHERE id = ?1",
                [echo],
                |r| r.get(0),
            )?,
            None => None,
        };
        if let Some(echo) = echo {
            unindex_message(&tx, echo)?;
            tx.execute("DELETE FROM messages WHERE id = ?1", [echo])?;
        }
        tx.execute(
            "UPDATE messages SET fb_id = ?2, status = 'sent', error = NULL,
                attachments = COALESCE(?3, attachments) WHERE id = ?1",
            params![message_id, fb_id, echo_attachments],
        )?;
        // Its `updated_time` stays Facebook's as last read: set to the reply's, the next listing
        // would find the conversation unchanged and skip a buyer's message written before the
        // reply and not read yet.
        tx.execute(
            "UPDATE conversations SET folder = CASE WHEN folder = 'spam' THEN 'inbox' ELSE folder END,
                rescued_at = CASE WHEN folder = 'spam' THEN COALESCE(rescued_at, ?2) ELSE rescued_at END,
                rescued_by = CASE WHEN folder = 'spam'
                    THEN COALESCE(rescued_by, (SELECT sent_by FROM messages WHERE id = ?1))
                    ELSE rescued_by END,
                unread_count = 0, snippet = (SELECT text FROM messages WHERE id = ?1)
             WHERE id = (SELECT conversation_id FROM messages WHERE id = ?1)",
            params![message_id, now.timestamp()],
        )?;
        tx.execute("DELETE FROM outbox WHERE message_id = ?1", [message_id])?;
        tx.commit()?;
        Ok(())
    }

    /// The reply was not delivered: it stays in the conversation, failed, with the reason, and
    /// whether trying again could work.
    pub fn mark_reply_failed(
        &mut self,
        message_id: i64,
        reason: &str,
        problem: ReplyProblem,
        retry_possible: bool,
    ) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE messages SET status = 'failed', error = ?2, error_code = ?3, retry_possible = ?4
             WHERE id = ?1 AND status = 'pending'",
            params![message_id, reason, problem.code(), retry_possible],
        )?;
        tx.execute("DELETE FROM outbox WHERE message_id = ?1", [message_id])?;
        let conversation: ConversationId = tx.query_row(
            "SELECT conversation_id FROM messages WHERE id = ?1",
            [message_id],
            |r| r.get(0),
        )?;
        refresh_last_speaker(&tx, &conversation)?;
        tx.commit()?;
        Ok(())
    }

    /// Staff ask to try a failed reply again: it goes back to the outbox, pending, due now.
    /// Returns false when the message is not a failed reply.
    pub fn retry_reply(&mut self, message_id: i64, now: DateTime<Utc>) -> Result<bool> {
        let tx = self.write()?;
        // Waiting for Facebook's restriction of its page: staff say it is lifted (Meta
        // Business Suite shows it), and the page's waiting replies go now.
        let restricted_page: Option<String> = tx
            .query_row(
                "SELECT o.page_id FROM outbox o JOIN messages m ON m.id = o.message_id
                 WHERE o.message_id = ?1 AND m.error_code LIKE 'restricted:%'",
                [message_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(page_id) = restricted_page {
            tx.execute(
                "UPDATE page_settings SET send_restricted_until = NULL WHERE page_id = ?1",
                [&page_id],
            )?;
            tx.execute(
                "UPDATE outbox SET next_attempt_at = ?2 WHERE page_id = ?1 AND next_attempt_at > ?2",
                params![page_id, now.timestamp()],
            )?;
            tx.commit()?;
            return Ok(true);
        }
        let target: Option<(ConversationId, String, Psid)> = tx
            .query_row(
                "SELECT m.conversation_id, c.page_id, c.customer_id FROM messages m
                 JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.id = ?1 AND m.status = 'failed' AND m.direction = 'out' AND m.retry_possible = 1",
                [message_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((conversation, page_id, customer_id)) = target else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE messages SET status = 'pending', error = NULL, error_code = NULL, retry_possible = 0
             WHERE id = ?1",
            [message_id],
        )?;
        // It goes the way it went first (its row says: to Messenger, under its comment, or
        // privately).
        tx.execute(
            "INSERT INTO outbox (message_id, page_id, recipient_id, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![message_id, page_id, customer_id, now.timestamp()],
        )?;
        refresh_last_speaker(&tx, &conversation)?;
        tx.commit()?;
        Ok(true)
    }

    /// The page's replies not sent: waiting in the outbox or failed, oldest first.
    pub fn unsent_replies(&self, page_id: &PageId) -> Result<Vec<UnsentReply>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.customer_name,
                COALESCE(NULLIF(m.text, ''),
                    (SELECT '📎 ' || f.name FROM outgoing_files f WHERE f.message_id = m.id), '')
                    AS text,
                m.status = 'failed' AS failed, m.error, m.created_time, m.error_code
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.page_id = ?1 AND m.direction = 'out' AND m.status IN ('pending', 'failed')
             ORDER BY m.created_time, m.id",
        )?;
        let rows = stmt.query_map([page_id], |r| {
            Ok(UnsentReply {
                customer_name: r.get("customer_name")?,
                text: r.get("text")?,
                failed: r.get("failed")?,
                why: r.get("error")?,
                problem: r
                    .get::<_, Option<String>>("error_code")?
                    .as_deref()
                    .and_then(ReplyProblem::parse),
                written: to_time(r.get("created_time")?),
            })
        })?;
        Ok(rows.collect::<db::Result<_>>()?)
    }

    /// How many replies wait in the outbox, all pages.
    pub fn waiting_replies(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Staff take a reply back: a pending one nobody is sending and that may not have reached
    /// Facebook, or a failed one. It is removed, its text returned (to edit, or to drop).
    pub fn take_back_reply(&mut self, message_id: i64, now: DateTime<Utc>) -> Result<TakeBack> {
        let tx = self.write()?;
        struct Unsent {
            conversation: ConversationId,
            text: String,
            status: String,
            claimed_until: Option<i64>,
            outcome_unknown: Option<bool>,
        }
        let found = tx
            .query_row(
                "SELECT m.conversation_id, m.text, m.status, o.claimed_until, o.outcome_unknown
                 FROM messages m LEFT JOIN outbox o ON o.message_id = m.id
                 WHERE m.id = ?1 AND m.direction = 'out'",
                [message_id],
                |r| {
                    Ok(Unsent {
                        conversation: r.get("conversation_id")?,
                        text: r.get("text")?,
                        status: r.get("status")?,
                        claimed_until: r.get("claimed_until")?,
                        outcome_unknown: r.get("outcome_unknown")?,
                    })
                },
            )
            .optional()?;
        let Some(Unsent {
            conversation,
            text,
            status,
            claimed_until,
            outcome_unknown,
        }) = found
        else {
            return Ok(TakeBack::Gone);
        };
        match status.as_str() {
            "failed" => {}
            "pending" => {
                if claimed_until.is_some_and(|until| until >= now.timestamp_millis()) {
                    return Ok(TakeBack::TooLate);
                }
                // An attempt whose answer never came may have reached the buyer: not sent
                // again, but looked for at once; found, it is marked sent.
                if outcome_unknown == Some(true) {
                    tx.execute(
                        "UPDATE outbox SET withdrawn_at = COALESCE(withdrawn_at, ?2),
                            next_attempt_at = ?2 WHERE message_id = ?1",
                        params![message_id, now.timestamp()],
                    )?;
                    let file = outgoing_file(&tx, message_id)?;
                    tx.commit()?;
                    return Ok(match file {
                        Some(file) => TakeBack::CheckingFile(file),
                        None => TakeBack::Checking(text),
                    });
                }
            }
            _ => return Ok(TakeBack::Gone),
        }
        let file = remove_reply(&tx, message_id, &conversation)?;
        tx.commit()?;
        Ok(match file {
            Some(file) => TakeBack::TakenFile(file),
            None => TakeBack::Taken(text),
        })
    }

    /// A reply staff took back was looked for on Facebook and is not there: it goes, as a
    /// reply taken back does. False when it is no longer waiting for that look.
    pub fn drop_withdrawn_reply(&mut self, message_id: i64) -> Result<bool> {
        let tx = self.write()?;
        let conversation: Option<ConversationId> = tx
            .query_row(
                "SELECT m.conversation_id FROM messages m JOIN outbox o ON o.message_id = m.id
                 WHERE m.id = ?1 AND o.withdrawn_at IS NOT NULL AND m.status = 'pending'",
                [message_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(conversation) = conversation else {
            return Ok(false);
        };
        remove_reply(&tx, message_id, &conversation)?;
        tx.commit()?;
        Ok(true)
    }

    /// The reply stays pending and is tried again at `next_attempt_at`.
    /// The claim is given up; whether an attempt went out stays recorded.
    pub fn postpone_reply(
        &mut self,
        message_id: i64,
        next_attempt_at: DateTime<Utc>,
        reason: &str,
        problem: ReplyProblem,
    ) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE outbox SET next_attempt_at = ?2, claimed_by = NULL, claimed_pid = NULL,
                claimed_until = NULL
             WHERE message_id = ?1",
            params![message_id, next_attempt_at.timestamp()],
        )?;
        tx.execute(
            "UPDATE messages SET error = ?2, error_code = ?3 WHERE id = ?1 AND status = 'pending'",
            params![message_id, reason, problem.code()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A reply's send status, Facebook's id once sent, and why it failed or waits.
    pub fn reply_state(&self, message_id: i64) -> Result<Option<ReplyState>> {
        Ok(self
            .conn
            .query_row(
                "SELECT status, fb_id, error FROM messages WHERE id = ?1 AND direction = 'out'",
                [message_id],
                |r| {
                    Ok(ReplyState {
                        status: SendStatus::parse(&r.get::<_, String>(0)?),
                        fb_id: r.get(1)?,
                        error: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// The id under which Facebook keeps this file for the page, once uploaded reusable.
    pub fn uploaded_attachment(&self, page_id: &PageId, sha256: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT attachment_id FROM uploads WHERE page_id = ?1 AND sha256 = ?2",
                params![page_id, sha256],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Remembers a reusable upload; a newer one of the same file replaces it (Facebook no
    /// longer took the old id).
    pub fn remember_upload(
        &mut self,
        page_id: &PageId,
        sha256: &str,
        attachment_id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO uploads (page_id, sha256, attachment_id, uploaded_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(page_id, sha256) DO UPDATE SET attachment_id = ?3, uploaded_at = ?4",
            params![page_id, sha256, attachment_id, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a Facebook message id is already stored.
    pub fn has_message(&self, fb_id: &MessageId) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM messages WHERE fb_id = ?1", [fb_id], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }
}
