//! What Facebook's webhooks tell (received by `pagedesk serve`): a person wrote to a page, or the
//! page wrote to them. The engine reads that person's conversation from the inbox folder (one
//! call per conversation however many events a burst held) and stores it as a poll would. A
//! conversation not in the inbox (in Spam) is left to the Spam folder's polls and their
//! 5-minute rule: a webhook never shows what a poll would not.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use super::{Engine, News, PageError, SyncEvent, ingest};
use crate::model::Folder;

/// How long the engine waits after an event for the rest of its burst.
const BURST: Duration = Duration::from_millis(30);
/// Facebook delivers an event within seconds of the message: a buyer's message older than
/// this that a poll finds new was missed by the webhooks (a newer one may be on its way).
pub(super) const EVENTS_DUE_WITHIN: chrono::Duration = chrono::Duration::seconds(10);

/// An event of a webhook: a message between a page and a person (their PSID).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebhookEvent {
    pub page_id: String,
    pub person: String,
}

impl Engine {
    /// Takes the receiver's events until it goes; what arrives together is taken together.
    pub async fn follow_webhooks(
        self: Arc<Self>,
        mut events: mpsc::UnboundedReceiver<WebhookEvent>,
    ) {
        while let Some(first) = events.recv().await {
            tokio::time::sleep(BURST).await;
            let mut burst = vec![first];
            while let Ok(more) = events.try_recv() {
                burst.push(more);
            }
            self.take_events(burst).await;
        }
    }

    async fn take_events(self: &Arc<Self>, burst: Vec<WebhookEvent>) {
        let now = Utc::now();
        let pages: HashSet<String> = burst.iter().map(|u| u.page_id.clone()).collect();
        for page_id in pages {
            if self.page_config(&page_id).is_none() {
                tracing::info!(page = page_id, "webhook event for a page not in the config");
                continue;
            }
            let id = page_id.clone();
            if let Err(error) = self.db(move |s| s.webhook_arrived(&id, now)).await {
                tracing::warn!(page = page_id, error = %error, "cannot note a webhook event");
            }
        }
        let people: HashSet<WebhookEvent> = burst.into_iter().collect();
        let mut reads = tokio::task::JoinSet::new();
        for event in people {
            let engine = self.clone();
            reads.spawn(async move {
                let result = engine.read_person(&event).await;
                (event, result)
            });
        }
        while let Some(Ok((event, result))) = reads.join_next().await {
            match result {
                Ok(news) if news.messages > 0 => self.emit(SyncEvent::PageChanged {
                    page_id: event.page_id,
                    news,
                }),
                Ok(_) => {}
                // The next poll brings it: the event is not lost, only late.
                Err(error) => tracing::warn!(
                    page = event.page_id,
                    error = %error,
                    "a webhook's conversation could not be read; the next poll brings it"
                ),
            }
        }
    }

    /// The person's conversation with the page, if it is in the inbox, stored.
    async fn read_person(&self, event: &WebhookEvent) -> Result<News, PageError> {
        let page_id = event.page_id.as_str();
        let Some(page) = self.page_config(page_id) else {
            return Err(PageError::NotConfigured(page_id.to_owned()));
        };
        let id = page_id.to_owned();
        let state = self.db(move |s| s.page_sync(&id)).await?;
        if let Some(until) = state.rate_limited_until.filter(|until| *until > Utc::now()) {
            return Err(PageError::RateLimitedUntil(until));
        }
        let token = page.token()?;
        let size = self.list_size(page_id).await?;
        let Some(conversation) = self
            .graph
            .conversation_with(page_id, &token, Folder::Inbox, &event.person, size)
            .await?
        else {
            // In Spam or another folder: the polls decide when it shows.
            return Ok(News::default());
        };
        let Some(update) = ingest::conversation_update(page_id, Folder::Inbox, &conversation)
        else {
            return Ok(News::default());
        };
        let ids = vec![update.id.clone()];
        let stored = self.db(move |s| s.conversation_versions(&ids)).await?;
        let known = match stored.get(&update.id) {
            Some((time, snippet)) if *time == update.updated_time && *snippet == update.snippet => {
                return Ok(News::default());
            }
            Some(_) => true,
            None => false,
        };
        self.store_conversations(vec![(update, known)]).await
    }
}
