//! Every message accounted for. A list call nests only a conversation's newest messages, and
//! Facebook gives details only for its 20 most recent: a buyer who wrote more between two reads
//! (a slow Facebook, a minute without `serve`, a pasted list) would lose the rest for good. When
//! the nested messages do not reach one already stored, the conversation's messages edge is read
//! back until they do; a message Facebook no longer details is kept as a mark with its time
//! (the chat says where to read it), never skipped.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Engine, PageError, ingest};
use crate::graph::{self, AccessToken};
use crate::model::{Folder, MessageId, PageId};
use crate::store::{ConversationUpdate, FolderSync};

/// Messages asked for per call when reading back (Facebook's largest page).
const PAGE_SIZE: usize = 100;
/// The most calls spent reading back one conversation: a buyer writing more than this many
/// messages between two reads is kept to the newest, and the log says so.
const MOST_PAGES: usize = 10;

/// How far back a conversation's messages must be accounted for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Since {
    /// Stored already: back to the first message pagedesk has.
    Known,
    /// New to pagedesk: back to when pagedesk began reading the folder (older history is
    /// Facebook's, not lost); `None` while that first read goes on.
    New(Option<DateTime<Utc>>),
}

/// How far back to read a conversation: `known` (stored already), else from when pagedesk's
/// first read of its folder began (`first_read`: that read, once complete).
pub(super) fn since(known: bool, first_read: &FolderSync) -> Since {
    if known {
        return Since::Known;
    }
    if !first_read.pass_complete {
        return Since::New(None);
    }
    // The newest conversation when that read began; a folder empty then: everything is new.
    let began = first_read
        .pass_top
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .unwrap_or(DateTime::UNIX_EPOCH);
    Since::New(Some(began))
}

/// Whether a listed conversation may hold messages older than the ones nested in it: Facebook
/// nested as many as asked. (Its `message_count` is an estimate: not relied on to say there
/// are no more.)
pub(super) fn may_hold_older(conversation: &graph::Conversation, asked: usize) -> bool {
    conversation.messages.data.len() >= asked
}

impl Engine {
    /// Reads back the messages of `update` that its nested newest ones do not reach, down to
    /// one already stored (or, for a new conversation, to `since`), and adds them to it.
    pub(super) async fn account_for_older(
        &self,
        token: &AccessToken,
        update: &mut ConversationUpdate,
        since: Since,
    ) -> Result<(), PageError> {
        let floor = match since {
            Since::Known => None,
            Since::New(Some(began)) => Some(began),
            Since::New(None) => return Ok(()),
        };
        let nested: Vec<MessageId> = update.messages.iter().map(|m| m.fb_id.clone()).collect();
        if nested.is_empty()
            || matches!(since, Since::Known) && !self.read_of(nested).await?.is_empty()
        {
            return Ok(());
        }
        let oldest_nested = update.messages.first().map(|m| m.created_time);
        if floor.is_some_and(|floor| oldest_nested.is_some_and(|oldest| oldest <= floor)) {
            return Ok(());
        }
        let mut older = Vec::new();
        let mut after: Option<String> = None;
        let mut seen_cursors = HashSet::new();
        'pages: for _ in 0..MOST_PAGES {
            let listing = self
                .graph
                .messages(
                    &update.page_id,
                    &update.id,
                    token,
                    PAGE_SIZE,
                    after.as_deref(),
                )
                .await?;
            self.note_usage(&update.page_id, listing.usage.percent);
            let ids: Vec<MessageId> = listing.items.iter().map(|m| m.id.clone()).collect();
            let read = self.read_of(ids).await?;
            for message in &listing.items {
                let reached_floor = floor.is_some_and(|floor| message.created_time <= floor);
                if read.contains(&message.id) || reached_floor {
                    break 'pages;
                }
                if !update.messages.iter().any(|m| m.fb_id == message.id) {
                    older.push(ingest::message(&update.page_id, message));
                }
            }
            match listing.next_after {
                Some(next) if seen_cursors.insert(next.clone()) => after = Some(next),
                _ => break 'pages,
            }
            if seen_cursors.len() == MOST_PAGES {
                tracing::warn!(
                    page = %update.page_id,
                    conversation = %update.id,
                    "more messages since the last read than pagedesk reads back; the oldest are not kept"
                );
            }
        }
        if older.is_empty() {
            return Ok(());
        }
        tracing::info!(
            page = %update.page_id,
            conversation = %update.id,
            older = older.len(),
            "messages past the newest ones read back"
        );
        // Facebook listed them newest first; messages of one second keep its order.
        older.reverse();
        older.append(&mut update.messages);
        older.sort_by_key(|m| m.created_time);
        update.messages = older;
        Ok(())
    }

    /// How far back to read a conversation new to pagedesk found outside a folder's own read
    /// (a webhook's person, a spam conversation come due).
    pub(super) async fn since_new(
        &self,
        page_id: &PageId,
        folder: Folder,
    ) -> Result<Since, PageError> {
        let id = page_id.to_owned();
        let progress = self.db(move |s| s.folder_sync(&id, folder)).await?;
        Ok(since(false, &progress))
    }

    /// Which of these Facebook message ids are stored as read from Facebook (a reply pagedesk
    /// sent is stored without the buyer's messages before it having been read).
    async fn read_of(&self, ids: Vec<MessageId>) -> Result<HashSet<MessageId>, PageError> {
        Ok(self.db(move |s| s.read_message_ids(&ids)).await?)
    }
}
