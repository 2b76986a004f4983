//! The Spam folder: the 5-minute rule (a spam conversation is shown only once the buyer's last
//! message is `spam_delay` old, and waits recorded until then), the waiting ones fetched when
//! due, and moves staff make in Meta Business Suite followed through the folder's ids.

use std::collections::HashSet;

use chrono::Utc;

use super::pass::EndGuard;
use super::{Engine, News, PageError, history, ingest};
use crate::graph::AccessToken;
use crate::model::{ConversationId, Direction, Folder, PageId};
use crate::store::{Applied, ConversationUpdate, WaitingSpam};

impl Engine {
    /// Stores conversations (with whether each is already known) in one transaction, applying
    /// the spam rule to those not yet shown: one appears only once the buyer's last message is
    /// `spam_delay` old, and waits (recorded, not shown) until then.
    pub(super) async fn store_conversations(
        &self,
        conversations: Vec<(ConversationUpdate, bool)>,
    ) -> Result<News, PageError> {
        if conversations.is_empty() {
            return Ok(News::default());
        }
        let delay = chrono::Duration::from_std(self.settings.spam_delay).unwrap_or_default();
        let now = Utc::now();
        let mut to_store = Vec::new();
        let mut waiting = Vec::new();
        for (update, known) in conversations {
            let last = update
                .last_customer_message()
                .unwrap_or(update.updated_time);
            if update.folder == Folder::Spam && !known && now < last + delay {
                waiting.push(WaitingSpam {
                    conversation_id: update.id.clone(),
                    page_id: update.page_id.clone(),
                    customer_name: update.customer_name.clone(),
                    last_customer_message_time: last,
                    due_time: last + delay,
                });
            } else {
                to_store.push(update);
            }
        }
        let team = self.round_robin.clone();
        let applied = self
            .db(move |s| {
                for spam in &waiting {
                    s.record_waiting(spam)?;
                }
                let applied = s.apply_conversations(&to_store)?;
                if !team.is_empty() {
                    let new = new_buyers(&to_store, &applied, now);
                    for (conversation, staff) in s.assign_in_turn(&new, &team, now)? {
                        tracing::info!(%conversation, staff, "assigned in turn");
                    }
                }
                Ok(applied)
            })
            .await?;
        let mut news = News::default();
        for applied in applied {
            news += News::from(applied);
        }
        Ok(news)
    }

    /// Staff can move a conversation in or out of Spam in Meta Business Suite without a new
    /// message and without changing its `updated_time`, so no incremental read sees it: the
    /// Spam folder's ids (a short list; no extra call when the read's first page held the whole
    /// folder) are compared with the spam marks each cycle. One that left Spam is filed as Done
    /// when `done_folder` (the first page of Done, read this cycle) lists it, else in the inbox.
    pub(super) async fn follow_folder_moves(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        whole_spam_folder: Option<HashSet<ConversationId>>,
        done_folder: &HashSet<ConversationId>,
    ) -> Result<(), PageError> {
        let in_spam = match whole_spam_folder {
            Some(ids) => ids,
            None => self.folder_ids(page_id, token, Folder::Spam, false).await?,
        };
        let id = page_id.to_owned();
        let (left, entered) = self.db(move |s| s.spam_moves(&id, &in_spam)).await?;
        if left.is_empty() && entered.is_empty() {
            return Ok(());
        }
        let done = done_folder;
        let mut moves: Vec<(ConversationId, Folder)> = left
            .into_iter()
            .map(|id| {
                let folder = if done.contains(&id) {
                    Folder::PageDone
                } else {
                    Folder::Inbox
                };
                (id, folder)
            })
            .collect();
        moves.extend(entered.into_iter().map(|id| (id, Folder::Spam)));
        tracing::info!(
            page = %page_id,
            moved = moves.len(),
            "conversations moved on Facebook"
        );
        self.db(move |s| s.move_conversations(&moves)).await?;
        Ok(())
    }

    /// Conversations staff marked Done in Meta Business Suite come in as done: the first page
    /// of the page's Done folder (where the latest land), one call a cycle. Returns its ids.
    ///
    /// "Move to inbox" there adds no message and keeps `updated_time`, so no inbox read sees
    /// it (and under webhooks the inbox is read seldom): a done one that left the first page is
    /// looked for in the inbox by its buyer, one call each time one leaves. Not there, it was
    /// only pushed down by newer Done ones and stays done.
    pub(super) async fn follow_done_folder(
        &self,
        page_id: &PageId,
        token: &AccessToken,
    ) -> Result<HashSet<ConversationId>, PageError> {
        let listed = self
            .folder_ids(page_id, token, Folder::PageDone, true)
            .await?;
        let (id, ids) = (page_id.to_owned(), listed.clone());
        let left = self.db(move |s| s.left_done(&id, &ids)).await?;
        // Looked up before the listing is kept: a failed lookup is tried again next cycle.
        let mut moved = Vec::new();
        for done in left {
            if self
                .graph
                .in_folder(page_id, token, Folder::Inbox, &done.person)
                .await?
            {
                moved.push(done.conversation);
            }
        }
        if !moved.is_empty() {
            tracing::info!(
                page = %page_id,
                moved = moved.len(),
                "done conversations moved back to the inbox"
            );
        }
        let (id, ids) = (page_id.to_owned(), listed.clone());
        self.db(move |s| s.listed_done(&id, &ids, &moved, Utc::now()))
            .await?;
        Ok(listed)
    }

    /// The ids a folder lists: all of them (within the bounds every read keeps), or only the
    /// first page.
    async fn folder_ids(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        folder: Folder,
        first_page_only: bool,
    ) -> Result<HashSet<ConversationId>, PageError> {
        let mut ids = HashSet::new();
        let mut after: Option<String> = None;
        // A list cut short would make every conversation past the cut look moved: one that
        // does not end is an error, never a partial answer.
        let mut guard = EndGuard::new(folder);
        loop {
            let listing = self
                .graph
                .conversation_ids(page_id, token, folder, after.as_deref())
                .await?;
            self.note_usage(page_id, listing.usage.percent);
            let empty = listing.items.is_empty();
            ids.extend(listing.items.into_iter().map(|c| c.id));
            after = listing.next_after.filter(|_| !first_page_only);
            guard.page(empty, after.as_deref())?;
            if after.is_none() {
                return Ok(ids);
            }
        }
    }

    /// Waiting spam conversations that are due but were not in this cycle's listing (the listing
    /// stopped above them) are fetched one by one.
    pub(super) async fn pull_due_spam(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        listed: &HashSet<ConversationId>,
    ) -> Result<News, PageError> {
        let id = page_id.to_owned();
        let waiting = self.db(move |s| s.waiting_spam(&id)).await?;
        let now = Utc::now();
        let mut news = News::default();
        for due in waiting
            .into_iter()
            .filter(|w| w.due_time <= now && !listed.contains(&w.conversation_id))
        {
            let size = self.list_size(page_id).await?;
            let conversation = self
                .graph
                .conversation(page_id, &due.conversation_id, token, size)
                .await?;
            if let Some(mut update) =
                ingest::conversation_update(page_id, Folder::Spam, &conversation)
            {
                if history::may_hold_older(&conversation, size.messages) {
                    let since = self.since_new(page_id, Folder::Spam).await?;
                    self.account_for_older(token, &mut update, since).await?;
                }
                news += self.store_conversations(vec![(update, false)]).await?;
            }
        }
        Ok(news)
    }
}

/// The conversations stored for the first time whose buyer wrote last, within the day: what
/// staff on shift are given in turn. Not the old ones a first sync brings in, which nobody can
/// answer as usual any more.
fn new_buyers(
    stored: &[ConversationUpdate],
    applied: &[Applied],
    now: chrono::DateTime<Utc>,
) -> Vec<ConversationId> {
    let recent = now - chrono::Duration::hours(24);
    stored
        .iter()
        .zip(applied)
        .filter(|(update, applied)| {
            applied.new_conversation
                && update
                    .messages
                    .last()
                    .is_some_and(|m| m.direction == Direction::In && m.created_time >= recent)
        })
        .map(|(update, _)| update.id.clone())
        .collect()
}
