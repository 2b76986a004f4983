//! The page's posts and the comments under them. Each person's comments under a post, with
//! the page's answers to them, are kept as a thread: a conversation of channel `comments`, so
//! that the list, unread and answered marks, labels, assignment, Done and search treat it as
//! they treat a Messenger conversation.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::inbox::apply_thread;
use super::{Applied, ConversationUpdate, NewMessage, Result, Store, to_time};
use crate::model::{CommentId, ConversationId, Direction, Folder, PageId, PostId, Psid};

/// A post as read from Facebook, with the comments read of it.
#[derive(Debug, Clone)]
pub struct PostRead {
    pub id: PostId,
    pub page_id: PageId,
    pub message: String,
    pub created_time: DateTime<Utc>,
    /// Facebook's `updated_time`: its last comment's time.
    pub updated_time: Option<DateTime<Utc>>,
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
}

/// A post, as the inbox shows it above a thread.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PostRow {
    pub id: PostId,
    pub message: String,
    pub created_time: DateTime<Utc>,
    pub permalink: Option<String>,
    pub picture: Option<String>,
}

/// The thread of `person` under `post`.
pub fn thread_id(post: &PostId, person: &Psid) -> ConversationId {
    format!("{post}/{person}").into()
}

impl Store {
    /// Facebook's `updated_time` of the post when its comments were last read.
    pub fn post_read_through(&self, post: &PostId) -> Result<Option<DateTime<Utc>>> {
        let read: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT read_through FROM posts WHERE id = ?1",
                [post],
                |r| r.get(0),
            )
            .optional()?;
        Ok(read.flatten().map(to_time))
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
    pub fn apply_post(&mut self, post: &PostRead) -> Result<Vec<Applied>> {
        let tx = self.write()?;
        tx.prepare_cached(
            "INSERT INTO posts (id, page_id, message, created_time, read_through, permalink,
                picture)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET message = excluded.message,
                read_through = excluded.read_through, permalink = excluded.permalink,
                picture = excluded.picture",
        )?
        .execute(params![
            post.id,
            post.page_id,
            post.message,
            post.created_time.timestamp(),
            post.updated_time.map(|t| t.timestamp()),
            post.permalink,
            post.picture,
        ])?;
        for comment in &post.comments {
            tx.prepare_cached(
                "INSERT INTO comments (id, post_id, parent_id, hidden) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET hidden = excluded.hidden",
            )?
            .execute(params![comment.id, post.id, comment.parent, comment.hidden])?;
        }
        let mut applied = Vec::new();
        for update in threads(&tx, post)? {
            applied.push(apply_thread(&tx, &update, Some(&post.id))?);
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
fn threads(tx: &Transaction<'_>, post: &PostRead) -> rusqlite::Result<Vec<ConversationUpdate>> {
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
                snippet: newest.text.clone(),
                updated_time: newest.created_time,
                unread_estimate: unread,
                can_reply: true,
                messages,
            }
        })
        .collect())
}

/// Who wrote comment `id` of `post`, from this read or as stored.
fn author(
    tx: &Transaction<'_>,
    post: &PostRead,
    id: &CommentId,
) -> rusqlite::Result<Option<(String, String)>> {
    if let Some(comment) = post.comments.iter().find(|c| &c.id == id) {
        return Ok(Some((comment.from_id.clone(), comment.from_name.clone())));
    }
    tx.prepare_cached("SELECT from_id, from_name FROM messages WHERE fb_id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// A post read whole: its stored comments it no longer has were removed on Facebook, and go
/// as a buyer's unsent message goes (its words, from the search too).
fn gone_from_facebook(tx: &Transaction<'_>, post: &PostRead) -> rusqlite::Result<()> {
    let listed: HashSet<&str> = post.comments.iter().map(|c| c.id.as_str()).collect();
    let stored: Vec<(CommentId, String, Psid)> = tx
        .prepare_cached(
            "SELECT m.fb_id, c.page_id, c.customer_id FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             WHERE c.post_id = ?1 AND m.removed = 0 AND m.fb_id IS NOT NULL",
        )?
        .query_map([&post.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let now = Utc::now().timestamp();
    for (id, page, person) in stored {
        if listed.contains(id.as_str()) {
            continue;
        }
        tx.prepare_cached(
            "INSERT INTO message_amends (mid, page_id, person_id, removed, changed_at)
             VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (mid, page_id, person_id) DO UPDATE SET removed = 1, text = NULL,
                changed_at = excluded.changed_at",
        )?
        .execute(params![id, page, person, now])?;
        super::changes::amend_message(tx, &id.as_str().into())?;
    }
    Ok(())
}
