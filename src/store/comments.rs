//! The page's posts and the comments under them. Each person's comments under a post, with
//! the page's answers to them, are kept as a thread: a conversation of channel `comments`, so
//! that the list, unread and answered marks, labels, assignment, Done and search treat it as
//! they treat a Messenger conversation.

use std::collections::{BTreeMap, HashSet};

use super::db::{self, Conn, Optional, Tx};
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::inbox::apply_thread;
use super::{Applied, ConversationUpdate, NewMessage, Result, Store, to_time};
use crate::model::{
    CommentId, CommentRefusal, ConversationId, Direction, Folder, Moderation, PageId, PostId, Psid,
    Via,
};

/// A post as read from Facebook, with the comments read of it.
#[derive(Debug, Clone)]
pub struct PostRead {
    pub id: PostId,
    pub page_id: PageId,
    pub message: String,
    pub created_time: DateTime<Utc>,
    /// Facebook's `updated_time`: its last comment's time.
    pub updated_time: Option<DateTime<Utc>>,
    /// How many comments Facebook says it has.
    pub comment_count: Option<u64>,
    pub permalink: Option<String>,
    pub picture: Option<String>,
    /// Oldest first.
    pub comments: Vec<CommentRead>,
    /// `comments` holds every comment the post has: one stored and not among them was
    /// removed on Facebook.
    pub complete: bool,
}

#[derive(Debug, Clone)]
pub struct CommentRead {
    pub id: CommentId,
    /// The top-level comment it answers.
    pub parent: Option<CommentId>,
    /// Who wrote it: a person's PSID, or the page's id.
    pub from_id: String,
    pub from_name: String,
    pub message: String,
    pub created_time: DateTime<Utc>,
    pub hidden: bool,
    /// The page likes it (`user_likes`; a webhook does not say, and leaves it as stored).
    pub liked: bool,
}

/// A comment the `feed` webhook told of, and what happened to it.
#[derive(Debug, Clone)]
pub struct CommentEvent {
    pub page_id: PageId,
    pub post_id: PostId,
    pub verb: crate::graph::CommentVerb,
    pub comment: CommentRead,
}

/// What is done with a buyer's new comment that holds a phone number: hidden, and answered
/// privately and in public from the config's words. Nothing on a page where hiding is off:
/// its settings-screen switch, else `hide` (the config's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protection {
    pub hide: bool,
    pub private_reply: Option<String>,
    pub public_reply: Option<String>,
}

/// Who a reply pagedesk sends by itself is from, on its row.
pub(super) const SENT_BY_PAGEDESK: &str = "pagedesk";

/// A post, as the inbox shows it above a thread.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PostRow {
    pub id: PostId,
    pub message: String,
    pub created_time: DateTime<Utc>,
    pub permalink: Option<String>,
    pub picture: Option<String>,
}

/// A post as it was when its comments were last read: Facebook's `updated_time`, and how
/// many comments it said the post had.
pub type ReadThrough = (Option<DateTime<Utc>>, Option<u64>);

/// The thread of `person` under `post`.
pub fn thread_id(post: &PostId, person: &Psid) -> ConversationId {
    format!("{post}/{person}").into()
}

impl Store {
    /// Facebook's `updated_time` of the post and its count of comments when its comments
    /// were last read.
    pub fn post_read_through(&self, post: &PostId) -> Result<Option<ReadThrough>> {
        Ok(self
            .conn
            .query_row(
                "SELECT read_through, comment_count FROM posts WHERE id = ?1",
                [post],
                |r| {
                    Ok((
                        r.get::<_, Option<i64>>(0)?.map(to_time),
                        r.get::<_, Option<i64>>(1)?.map(|n| n as u64),
                    ))
                },
            )
            .optional()?)
    }

    /// How many of the post's comments are stored (those removed on Facebook not counted).
    pub fn stored_comment_count(&self, post: &PostId) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM comments WHERE post_id = ?1",
            [post],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Which of these comments are stored.
    pub fn stored_comment_ids(&self, ids: &[CommentId]) -> Result<HashSet<CommentId>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT 1 FROM comments WHERE id = ?1")?;
        let mut stored = HashSet::new();
        for id in ids {
            if statement.exists([id])? {
                stored.insert(id.clone());
            }
        }
        Ok(stored)
    }

    /// Keeps what the `feed` webhook told, in one transaction: a comment written or edited
    /// joins its thread (its post stored bare until the next poll reads it whole), a removed
    /// one goes as a buyer's unsent message goes, a hidden one is marked. Returns what changed
    /// in each thread, with its page.
    pub fn apply_comment_events(
        &mut self,
        events: &[CommentEvent],
        protection: &Protection,
    ) -> Result<Vec<(PageId, ConversationId, Applied)>> {
        use crate::graph::CommentVerb;
        let tx = self.write()?;
        let mut applied = Vec::new();
        for event in events {
            let comment = &event.comment;
            match event.verb {
                // Told out of order: a comment removed does not come back, and its creation
                // told after an edit does not undo the edit.
                CommentVerb::Add | CommentVerb::Edited
                    if comment.from_id.is_empty()
                        || removal_remembered(&tx, &comment.id)?
                        || (event.verb == CommentVerb::Add
                            && comment_stored(&tx, &comment.id)?) => {}
                CommentVerb::Add | CommentVerb::Edited => {
                    // Bare, and never read through: the next poll reads it whole.
                    tx.prepare_cached(
                        "INSERT INTO posts (id, page_id, message, created_time)
                         VALUES (?1, ?2, '', ?3) ON CONFLICT (id) DO NOTHING",
                    )?
                    .execute(params![
                        event.post_id,
                        event.page_id,
                        comment.created_time.timestamp()
                    ])?;
                    let new = tx
                        .prepare_cached(
                            "INSERT INTO comments (id, post_id, parent_id) VALUES (?1, ?2, ?3)
                             ON CONFLICT (id) DO NOTHING",
                        )?
                        .execute(params![comment.id, event.post_id, comment.parent])?
                        > 0;
                    let read = PostRead {
                        id: event.post_id.clone(),
                        page_id: event.page_id.clone(),
                        message: String::new(),
                        created_time: comment.created_time,
                        updated_time: None,
                        comment_count: None,
                        permalink: None,
                        picture: None,
                        comments: vec![comment.clone()],
                        complete: false,
                    };
                    for update in threads(&tx, &read)? {
                        let changed = apply_thread(&tx, &update, Some(&event.post_id))?;
                        applied.push((event.page_id.clone(), update.id, changed));
                    }
                    // A buyer may add the number by editing: protected then, once.
                    if new || event.verb == CommentVerb::Edited {
                        protect(&tx, &event.page_id, comment, protection)?;
                    }
                }
                CommentVerb::Remove => {
                    remove_comment(&tx, &comment.id, &event.page_id, &comment.from_id)?
                }
                CommentVerb::Hide | CommentVerb::Unhide => {
                    tx.prepare_cached("UPDATE comments SET hidden = ?2 WHERE id = ?1")?
                        .execute(params![comment.id, event.verb == CommentVerb::Hide])?;
                }
            }
        }
        super::changes::purge_removed_words(&tx)?;
        tx.commit()?;
        Ok(applied)
    }

    /// The post a thread is under.
    pub fn post_of(&self, thread: &ConversationId) -> Result<Option<PostRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT p.id, p.message, p.created_time, p.permalink, p.picture FROM posts p
                 JOIN conversations c ON c.post_id = p.id WHERE c.id = ?1",
                [thread],
                |r| {
                    Ok(PostRow {
                        id: r.get("id")?,
                        message: r.get("message")?,
                        created_time: to_time(r.get("created_time")?),
                        permalink: r.get("permalink")?,
                        picture: r.get("picture")?,
                    })
                },
            )
            .optional()?)
    }

    /// Stores a post and the comments read of it, each in its person's thread, in one
    /// transaction. Returns what changed in each thread.
    pub fn apply_post(
        &mut self,
        post: &PostRead,
        protection: &Protection,
    ) -> Result<Vec<(ConversationId, Applied)>> {
        let tx = self.write()?;
        tx.prepare_cached(
            "INSERT INTO posts (id, page_id, message, created_time, read_through, permalink,
                picture, comment_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET message = excluded.message,
                read_through = excluded.read_through, permalink = excluded.permalink,
                picture = excluded.picture, comment_count = excluded.comment_count",
        )?
        .execute(params![
            post.id,
            post.page_id,
            post.message,
            post.created_time.timestamp(),
            post.updated_time.map(|t| t.timestamp()),
            post.permalink,
            post.picture,
            post.comment_count.map(|n| n as i64),
        ])?;
        let mut new = Vec::new();
        for comment in &post.comments {
            let known = comment_stored(&tx, &comment.id)?;
            tx.prepare_cached(
                "INSERT INTO comments (id, post_id, parent_id, hidden, liked)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET hidden = excluded.hidden, liked = excluded.liked",
            )?
            .execute(params![
                comment.id,
                post.id,
                comment.parent,
                comment.hidden,
                comment.liked
            ])?;
            if !known {
                new.push(comment);
            }
        }
        let mut applied = Vec::new();
        for update in threads(&tx, post)? {
            let changed = apply_thread(&tx, &update, Some(&post.id))?;
            applied.push((update.id, changed));
        }
        for comment in new {
            protect(&tx, &post.page_id, comment, protection)?;
        }
        if post.complete {
            gone_from_facebook(&tx, post)?;
        }
        super::changes::purge_removed_words(&tx)?;
        tx.commit()?;
        Ok(applied)
    }
}

/// The comments read, each in the thread of the person it belongs to: a person's own
/// comments, and the page's answers to a person's comment. The page's comments that answer no
/// one are kept as comments only.
fn threads(tx: &Tx<'_>, post: &PostRead) -> db::Result<Vec<ConversationUpdate>> {
    let page = post.page_id.as_str();
    let mut by_person: BTreeMap<String, (String, Vec<NewMessage>)> = BTreeMap::new();
    for comment in &post.comments {
        let from_page = comment.from_id == page;
        let person = if from_page {
            match &comment.parent {
                Some(parent) => author(tx, post, parent)?,
                None => None,
            }
        } else {
            Some((comment.from_id.clone(), comment.from_name.clone()))
        };
        let Some((person, name)) = person.filter(|(id, _)| id != page) else {
            continue;
        };
        let entry = by_person
            .entry(person)
            .or_insert_with(|| (name.clone(), Vec::new()));
        if !from_page {
            entry.0 = name;
        }
        entry.1.push(NewMessage {
            fb_id: comment.id.as_str().into(),
            direction: if from_page {
                Direction::Out
            } else {
                Direction::In
            },
            from_id: comment.from_id.clone(),
            from_name: comment.from_name.clone(),
            text: comment.message.clone(),
            sticker: None,
            attachments: Vec::new(),
            shares: Vec::new(),
            created_time: comment.created_time,
            unavailable: false,
            reply_to: None,
        });
    }
    Ok(by_person
        .into_iter()
        .map(|(person, (name, mut messages))| {
            messages.sort_by_key(|m| m.created_time);
            let newest = messages.last().expect("a thread has a comment");
            // Comments since the page last answered are what it has not read.
            let unread = messages
                .iter()
                .rev()
                .take_while(|m| m.direction == Direction::In)
                .count() as i64;
            let person = Psid::from(person);
            ConversationUpdate {
                id: thread_id(&post.id, &person),
                page_id: post.page_id.clone(),
                folder: Folder::Inbox,
                customer_id: person,
                customer_name: name,
                snippet: newest.text.replace('\n', " "),
                updated_time: newest.created_time,
                unread_estimate: unread,
                can_reply: true,
                messages,
            }
        })
        .collect())
}

/// A buyer's new comment that holds a phone number, with protection on: hidden (the engine
/// does it on Facebook), and answered privately and in public from the config's words, each
/// queued as staff's replies are (the private one only within its 7 days).
fn protect(
    tx: &Tx<'_>,
    page: &PageId,
    comment: &CommentRead,
    protection: &Protection,
) -> db::Result<()> {
    if comment.from_id == page.as_str() || crate::text::phone_numbers(&comment.message).is_empty() {
        return Ok(());
    }
    if !super::inbox::phone_hiding(tx, page)?.unwrap_or(protection.hide) {
        return Ok(());
    }
    let protected: bool = tx
        .prepare_cached("SELECT for_phone FROM comments WHERE id = ?1")?
        .query_row([&comment.id], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    if protected {
        return Ok(());
    }
    let now = Utc::now();
    tx.prepare_cached(
        "INSERT INTO comment_moderation (comment_id, page_id, hidden, requested_at)
         VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (comment_id) DO NOTHING",
    )?
    .execute(params![comment.id, page, now.timestamp()])?;
    tx.prepare_cached("UPDATE comments SET for_phone = 1 WHERE id = ?1")?
        .execute([&comment.id])?;
    let thread: Option<ConversationId> = tx
        .prepare_cached("SELECT conversation_id FROM messages WHERE fb_id = ?1")?
        .query_row([&comment.id], |r| r.get(0))
        .optional()?;
    let Some(thread) = thread else {
        return Ok(());
    };
    if let Some(text) = &protection.private_reply
        && now - comment.created_time <= PRIVATE_REPLY_WITHIN
    {
        let via = Via::Private(comment.id.clone());
        let row = queue_reply(tx, &thread, text, &via, now, Some(SENT_BY_PAGEDESK))?;
        tx.prepare_cached(
            "UPDATE comments SET private_reply = ?2 WHERE id = ?1 AND private_reply IS NULL",
        )?
        .execute(params![comment.id, row])?;
    }
    if let Some(text) = &protection.public_reply {
        let top = comment.parent.clone().unwrap_or_else(|| comment.id.clone());
        let via = Via::Comment(top);
        queue_reply(tx, &thread, text, &via, now, Some(SENT_BY_PAGEDESK))?;
    }
    super::refresh_last_speaker(tx, &thread)?;
    Ok(())
}

/// A reply to a thread's comment into the outbox, pending, before anything is sent: its row,
/// which keeps where it goes (a retry sends it the same way).
fn queue_reply(
    tx: &Tx<'_>,
    thread: &ConversationId,
    text: &str,
    via: &Via,
    now: DateTime<Utc>,
    sent_by: Option<&str>,
) -> db::Result<i64> {
    let (way, target) = via.columns();
    tx.execute(
        "INSERT INTO messages (conversation_id, direction, from_id, from_name, text,
            created_time, status, sent_by, via, via_target)
         SELECT c.id, 'out', c.page_id, p.name, ?2, ?3, 'pending', ?4, ?5, ?6
         FROM conversations c JOIN pages p ON p.id = c.page_id WHERE c.id = ?1",
        params![thread, text, now.timestamp(), sent_by, way, target],
    )?;
    let row = tx.last_insert_rowid()?;
    super::index_message(tx, row, now.timestamp(), text)?;
    tx.execute(
        "INSERT INTO outbox (message_id, page_id, recipient_id, next_attempt_at)
         SELECT ?1, c.page_id, c.customer_id, ?2 FROM conversations c WHERE c.id = ?3",
        params![row, now.timestamp(), thread],
    )?;
    Ok(row)
}

/// Who wrote comment `id` of `post`, from this read or as stored.
fn author(tx: &Tx<'_>, post: &PostRead, id: &CommentId) -> db::Result<Option<(String, String)>> {
    if let Some(comment) = post.comments.iter().find(|c| &c.id == id) {
        return Ok(Some((comment.from_id.clone(), comment.from_name.clone())));
    }
    tx.prepare_cached("SELECT from_id, from_name FROM messages WHERE fb_id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// A post read whole: its stored comments it no longer has were removed on Facebook, and go
/// as a buyer's unsent message goes (its words, from the search too).
fn gone_from_facebook(tx: &Tx<'_>, post: &PostRead) -> db::Result<()> {
    let listed: HashSet<&str> = post.comments.iter().map(|c| c.id.as_str()).collect();
    let stored: Vec<CommentId> = tx
        .prepare_cached(
            "SELECT m.fb_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.post_id = ?1 AND m.removed = 0 AND m.fb_id IS NOT NULL",
        )?
        .query_map([&post.id], |r| r.get(0))?
        .collect::<db::Result<_>>()?;
    for id in stored {
        if !listed.contains(id.as_str()) {
            remove_comment(tx, &id, &post.page_id, "")?;
        }
    }
    Ok(())
}

/// A comment removed on Facebook goes as a buyer's unsent message goes: its words from the
/// chat and the search.
/// Told before the comment itself (the `feed` webhook's events come in any order), the removal
/// is remembered for the comment's id, from `page` and `author` (as the event says), and the
/// comment never comes back.
fn remove_comment(tx: &Tx<'_>, id: &CommentId, page: &PageId, author: &str) -> db::Result<()> {
    // Counted no more among the post's comments (a count lower than Facebook's says one went).
    tx.prepare_cached("DELETE FROM comments WHERE id = ?1")?
        .execute([id])?;
    let owner: Option<(PageId, Psid)> = tx
        .prepare_cached(
            "SELECT c.page_id, c.customer_id FROM messages m
             JOIN conversations c ON c.id = m.conversation_id WHERE m.fb_id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (page, person) = owner.unwrap_or_else(|| (page.clone(), Psid::from(author)));
    tx.prepare_cached(
        "INSERT INTO message_amends (mid, page_id, person_id, removed, changed_at)
         VALUES (?1, ?2, ?3, 1, ?4)
         ON CONFLICT (mid, page_id, person_id) DO UPDATE SET removed = 1, text = NULL,
            changed_at = excluded.changed_at",
    )?
    .execute(params![id, page, person, Utc::now().timestamp()])?;
    super::changes::amend_message(tx, &id.as_str().into())?;
    let thread: Option<ConversationId> = tx
        .prepare_cached("SELECT conversation_id FROM messages WHERE fb_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if let Some(thread) = thread {
        super::refresh_last_speaker(tx, &thread)?;
    }
    Ok(())
}

/// Whether comment `id` was removed on Facebook, as told.
fn removal_remembered(tx: &Tx<'_>, id: &CommentId) -> db::Result<bool> {
    tx.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM message_amends WHERE mid = ?1 AND removed = 1)",
    )?
    .query_row([id], |r| r.get(0))
}

fn comment_stored(tx: &Tx<'_>, id: &CommentId) -> db::Result<bool> {
    tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM comments WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))
}

/// The person's newest comment in thread `thread`, which a private reply answers.
pub(super) fn newest_comment(
    tx: &Conn,
    thread: &ConversationId,
) -> std::result::Result<CommentId, super::StoreError> {
    let newest: Option<CommentId> = tx
        .prepare_cached(
            "SELECT fb_id FROM messages WHERE conversation_id = ?1 AND direction = 'in'
                AND removed = 0 AND fb_id IS NOT NULL
             ORDER BY created_time DESC, id DESC LIMIT 1",
        )?
        .query_row([thread], |r| r.get(0))
        .optional()?;
    newest.ok_or(super::StoreError::CommentReply(CommentRefusal::NoComment))
}

/// The comment a private reply to thread `thread` goes to (the person's newest), or why none
/// may go: once per comment (one refused waits for staff), within 7 days.
fn privately_answerable(
    conn: &Conn,
    thread: &ConversationId,
    now: DateTime<Utc>,
) -> std::result::Result<CommentId, super::StoreError> {
    let comment = newest_comment(conn, thread)?;
    let (written, answered): (i64, Option<i64>) = conn.query_row(
        "SELECT m.created_time, k.private_reply FROM messages m
         JOIN comments k ON k.id = m.fb_id WHERE m.fb_id = ?1",
        [&comment],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let Some(row) = answered {
        // Refused by Facebook, it waits for staff: `r` sends it again, `e` edits it; a second
        // beside it could go twice.
        let failed: bool = conn
            .prepare_cached("SELECT status = 'failed' FROM messages WHERE id = ?1")?
            .query_row([row], |r| r.get(0))
            .optional()?
            .unwrap_or(false);
        return Err(super::StoreError::CommentReply(match failed {
            true => CommentRefusal::PrivateReplyFailed,
            false => CommentRefusal::AnsweredPrivately,
        }));
    }
    if now - to_time(written) > PRIVATE_REPLY_WITHIN {
        return Err(super::StoreError::CommentReply(CommentRefusal::TooOld));
    }
    Ok(comment)
}

/// The comment a public answer to thread `thread` goes under: the top-level comment of the
/// person's newest one, where Facebook puts it (and where a lost answer is looked for).
pub(super) fn answered_comment(
    tx: &Tx<'_>,
    thread: &ConversationId,
) -> std::result::Result<CommentId, super::StoreError> {
    let newest = newest_comment(tx, thread)?;
    let parent: Option<CommentId> = tx
        .prepare_cached("SELECT parent_id FROM comments WHERE id = ?1")?
        .query_row([&newest], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(parent.unwrap_or(newest))
}

impl Store {
    /// Writes the one private reply to the person's newest comment in thread `thread`, pending,
    /// before anything is sent; refused, with nothing stored, when Facebook would refuse it (a
    /// comment answered privately already, or more than 7 days old). Returns its message id.
    pub fn enqueue_private_reply(
        &mut self,
        thread: &ConversationId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if text.trim().is_empty() {
            return Err(super::StoreError::EmptyReply);
        }
        let staff = self.staff.clone();
        let tx = self.write()?;
        let thread_exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ?1 AND post_id IS NOT NULL)",
            [thread],
            |r| r.get(0),
        )?;
        if !thread_exists {
            return Err(super::StoreError::NoConversation(thread.to_string()));
        }
        let comment = privately_answerable(&tx, thread, now)?;
        let sent_by = Some(staff.as_str()).filter(|s| !s.is_empty());
        let via = Via::Private(comment.clone());
        let message_id = queue_reply(&tx, thread, text, &via, now, sent_by)?;
        tx.execute(
            "UPDATE comments SET private_reply = ?2 WHERE id = ?1",
            params![comment, message_id],
        )?;
        tx.execute(
            "DELETE FROM drafts WHERE conversation_id = ?1 AND staff IN (?2, '')",
            params![thread, staff],
        )?;
        super::refresh_last_speaker(&tx, thread)?;
        tx.commit()?;
        Ok(message_id)
    }
}

impl Store {
    /// How the page's comments read in this cycle: `Ok`, or why not (kept with the time of the
    /// first failure in a row, for the status line and `w`).
    pub fn comments_read(
        &mut self,
        page: &PageId,
        outcome: std::result::Result<(), &str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.write()?;
        match outcome {
            Ok(()) => tx.execute("DELETE FROM comment_reads WHERE page_id = ?1", [page])?,
            Err(why) => tx.execute(
                "INSERT INTO comment_reads (page_id, error, failing_since) VALUES (?1, ?2, ?3)
                 ON CONFLICT (page_id) DO UPDATE SET error = excluded.error",
                params![page, why, now.timestamp()],
            )?,
        };
        tx.commit()?;
        Ok(())
    }

    /// Why the page's comments could not be read in its last cycle, and since when.
    pub fn comments_problem(&self, page: &PageId) -> Result<Option<(String, DateTime<Utc>)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT error, failing_since FROM comment_reads WHERE page_id = ?1",
                [page],
                |r| Ok((r.get(0)?, to_time(r.get(1)?))),
            )
            .optional()?)
    }

    /// Asks for the person's comments in thread `thread` to be hidden, shown again or liked:
    /// those not so already. Returns how many.
    pub fn moderate_thread(
        &mut self,
        thread: &ConversationId,
        moderation: Moderation,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        match moderation {
            Moderation::Hide => self.hide_thread(thread, true, now),
            Moderation::Show => self.hide_thread(thread, false, now),
            Moderation::Like => self.like_thread(thread, now),
        }
    }

    /// Asks for one comment to be hidden, shown again or liked; false when no such comment is
    /// stored.
    pub fn moderate_comment(
        &mut self,
        comment: &CommentId,
        moderation: Moderation,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        match moderation {
            Moderation::Hide => self.hide_comment(comment, true, now),
            Moderation::Show => self.hide_comment(comment, false, now),
            Moderation::Like => self.like_comment(comment, now),
        }
    }

    fn hide_thread(
        &mut self,
        thread: &ConversationId,
        hidden: bool,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.write()?;
        let asked = tx.execute(
            "INSERT INTO comment_moderation (comment_id, page_id, hidden, requested_at)
             SELECT k.id, c.page_id, ?2, ?3 FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             JOIN comments k ON k.id = m.fb_id
             WHERE m.conversation_id = ?1 AND m.direction = 'in' AND m.removed = 0
               AND (k.hidden != ?2 OR EXISTS (SELECT 1 FROM comment_moderation d
                    WHERE d.comment_id = k.id AND d.hidden != ?2))
             ON CONFLICT (comment_id) DO UPDATE SET hidden = excluded.hidden,
                requested_at = excluded.requested_at, error = NULL",
            params![thread, hidden, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(asked)
    }

    fn hide_comment(
        &mut self,
        comment: &CommentId,
        hidden: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.write()?;
        let asked = tx.execute(
            "INSERT INTO comment_moderation (comment_id, page_id, hidden, requested_at)
             SELECT k.id, p.page_id, ?2, ?3 FROM comments k JOIN posts p ON p.id = k.post_id
             WHERE k.id = ?1
             ON CONFLICT (comment_id) DO UPDATE SET hidden = excluded.hidden,
                requested_at = excluded.requested_at, error = NULL",
            params![comment, hidden, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(asked > 0)
    }

    /// The hides and shows asked of a page and not refused, oldest first.
    pub fn moderation_due(&self, page: &PageId) -> Result<Vec<(CommentId, bool)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT comment_id, hidden FROM comment_moderation
             WHERE page_id = ?1 AND error IS NULL ORDER BY requested_at, comment_id",
        )?;
        let due = statement
            .query_map([page], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<db::Result<_>>()?;
        Ok(due)
    }

    /// Facebook hid or showed the comment (`Ok`), or refused, with why.
    pub fn moderated(
        &mut self,
        comment: &CommentId,
        hidden: bool,
        outcome: std::result::Result<(), String>,
    ) -> Result<()> {
        let tx = self.write()?;
        match outcome {
            Ok(()) => {
                tx.execute(
                    "UPDATE comments SET hidden = ?2 WHERE id = ?1",
                    params![comment, hidden],
                )?;
                tx.execute(
                    "DELETE FROM comment_moderation WHERE comment_id = ?1 AND hidden = ?2",
                    params![comment, hidden],
                )?;
            }
            Err(why) => {
                tx.execute(
                    "UPDATE comment_moderation SET error = ?2 WHERE comment_id = ?1",
                    params![comment, why],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Why thread `thread`'s newest comment cannot be answered privately now, if it cannot
    /// (answered so already, its answer refused and waiting for staff, or older than 7 days):
    /// the thread's banner says so before staff try.
    pub fn private_reply_refusal(
        &self,
        thread: &ConversationId,
        now: DateTime<Utc>,
    ) -> Result<Option<CommentRefusal>> {
        match privately_answerable(&self.conn, thread, now) {
            Ok(_) => Ok(None),
            Err(super::StoreError::CommentReply(refusal)) => Ok(Some(refusal)),
            Err(error) => Err(error),
        }
    }

    /// What Facebook last refused to do with a comment of thread `thread`, and why, if it
    /// refused.
    pub fn moderation_refused(
        &self,
        thread: &ConversationId,
    ) -> Result<Option<(Moderation, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT asked, error FROM (
                    SELECT d.hidden AS asked, d.error, d.requested_at FROM comment_moderation d
                    JOIN messages m ON m.fb_id = d.comment_id
                    WHERE m.conversation_id = ?1 AND d.error IS NOT NULL
                    UNION ALL
                    SELECT NULL AS asked, l.error, l.requested_at FROM comment_likes l
                    JOIN messages m ON m.fb_id = l.comment_id
                    WHERE m.conversation_id = ?1 AND l.error IS NOT NULL) refusals
                 ORDER BY requested_at DESC LIMIT 1",
                [thread],
                |r| {
                    let asked = match r.get::<_, Option<bool>>("asked")? {
                        Some(true) => Moderation::Hide,
                        Some(false) => Moderation::Show,
                        None => Moderation::Like,
                    };
                    Ok((asked, r.get("error")?))
                },
            )
            .optional()?)
    }

    fn like_thread(&mut self, thread: &ConversationId, now: DateTime<Utc>) -> Result<usize> {
        let tx = self.write()?;
        let asked = tx.execute(
            "INSERT INTO comment_likes (comment_id, page_id, requested_at)
             SELECT k.id, c.page_id, ?2 FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             JOIN comments k ON k.id = m.fb_id
             WHERE m.conversation_id = ?1 AND m.direction = 'in' AND m.removed = 0
               AND k.liked = 0
             ON CONFLICT (comment_id) DO UPDATE SET requested_at = excluded.requested_at,
                error = NULL",
            params![thread, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(asked)
    }

    fn like_comment(&mut self, comment: &CommentId, now: DateTime<Utc>) -> Result<bool> {
        let tx = self.write()?;
        let asked = tx.execute(
            "INSERT INTO comment_likes (comment_id, page_id, requested_at)
             SELECT k.id, p.page_id, ?2 FROM comments k JOIN posts p ON p.id = k.post_id
             WHERE k.id = ?1
             ON CONFLICT (comment_id) DO UPDATE SET requested_at = excluded.requested_at,
                error = NULL",
            params![comment, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(asked > 0)
    }

    /// The likes asked of a page and not refused, oldest first.
    pub fn likes_due(&self, page: &PageId) -> Result<Vec<CommentId>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT comment_id FROM comment_likes
             WHERE page_id = ?1 AND error IS NULL ORDER BY requested_at, comment_id",
        )?;
        let due = statement
            .query_map([page], |r| r.get(0))?
            .collect::<db::Result<_>>()?;
        Ok(due)
    }

    /// Facebook liked the comment (`Ok`), or refused, with why.
    pub fn liked(
        &mut self,
        comment: &CommentId,
        outcome: std::result::Result<(), String>,
    ) -> Result<()> {
        let tx = self.write()?;
        match outcome {
            Ok(()) => {
                tx.execute("UPDATE comments SET liked = 1 WHERE id = ?1", [comment])?;
                tx.execute("DELETE FROM comment_likes WHERE comment_id = ?1", [comment])?;
            }
            Err(why) => {
                tx.execute(
                    "UPDATE comment_likes SET error = ?2 WHERE comment_id = ?1",
                    params![comment, why],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The Messenger person a private reply to thread `thread`'s comment reached: the
    /// thread's person and that conversation's are one customer.
    pub fn link_person(&mut self, thread: &ConversationId, psid: &Psid) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO comment_people (page_id, commenter_id, psid)
             SELECT page_id, customer_id, ?2 FROM conversations WHERE id = ?1
             ON CONFLICT (page_id, commenter_id) DO UPDATE SET psid = excluded.psid",
            params![thread, psid],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Facebook takes a private reply up to 7 days after the comment.
pub const PRIVATE_REPLY_WITHIN: chrono::Duration = chrono::Duration::days(7);
