//! What Facebook's webhooks tell (received by `pagedesk serve`): a person wrote to a page, or the
//! page wrote to them. The receiver keeps each message an event carries in the database before
//! it answers Facebook; the engine then joins them to their conversations. A known
//! conversation takes them at once; a new one is read from the inbox folder (one call per
//! person however many events a burst held) and stored as a poll would. A conversation not in
//! the inbox (in Spam) is left to the Spam folder's polls and their 5-minute rule: its messages
//! wait, kept, and a webhook never shows what a poll would not.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use super::{Engine, News, PageError, SyncEvent, history, ingest};
use crate::graph::WebhookEvents;
use crate::model::{Folder, PageId, Psid};
use crate::store::StoreError;

/// How long the engine waits after an event for the rest of its burst.
const BURST: Duration = Duration::from_millis(30);
/// Facebook delivers an event within seconds of the message: a buyer's message older than
/// this that a poll finds new was missed by the webhooks (a newer one may be on its way).
pub(super) const EVENTS_DUE_WITHIN: chrono::Duration = chrono::Duration::seconds(10);
/// People read from Facebook at once after a burst: a body naming thousands of unknown people
/// must not open thousands of calls (and files) together.
const READS_AT_ONCE: usize = 8;

/// An event of a webhook: a message between a page and a person (their PSID), kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebhookEvent {
    pub page_id: PageId,
    pub person: Psid,
    /// A file came: the event says only its kind and link; Facebook's copy has its name, type
    /// and size, so the conversation is read back even when it is known.
    pub read_back: bool,
}

/// This process receives webhooks while one lives.
struct Receiving(Arc<Engine>);

impl Receiving {
    fn start(engine: Arc<Engine>) -> Self {
        *engine.receiving_since.lock().expect("receiving since") =
            Some(tokio::time::Instant::now());
        engine
            .receiving_webhooks
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Receiving(engine)
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        self.0
            .receiving_webhooks
            .store(false, std::sync::atomic::Ordering::Relaxed);
        *self.0.receiving_since.lock().expect("receiving since") = None;
    }
}

/// What keeping a body's messages came to.
#[derive(Debug)]
pub enum Kept {
    /// Kept (and the engine told): these events, one per page and person.
    Events(Vec<WebhookEvent>),
    /// The database could not keep them: Facebook must be told to send them again.
    Failed(StoreError),
}

impl Engine {
    /// Keeps what a body's events carry for the configured pages (messages, and what buyers
    /// changed), durably, before the receiver answers Facebook. Pages not in the config are
    /// left out (said once per body).
    pub async fn keep_events(&self, events: WebhookEvents) -> Kept {
        let configured: Vec<PageId> = self.pages().into_iter().map(|p| p.id).collect();
        let ours = |page: &str| configured.iter().any(|id| id == page);
        let others = events
            .messages
            .iter()
            .filter(|e| !ours(e.page_id.as_str()))
            .count()
            + events
                .changes
                .iter()
                .filter(|e| !ours(e.page_id.as_str()))
                .count();
        let other = (events.messages.iter().map(|e| &e.page_id))
            .chain(events.changes.iter().map(|e| &e.page_id))
            .chain(events.comments.iter().map(|e| &e.page_id))
            .find(|page| !ours(page.as_str()));
        if let Some(other) = other {
            // A warning, so that a stream of them is summed up rather than fill the log.
            tracing::warn!(
                page = %crate::text::clean_line(other.as_str()),
                events = others,
                "webhook events for a page not in the config: not kept"
            );
        }
        let queued: Vec<_> = (events.messages.iter())
            .filter(|e| ours(e.page_id.as_str()))
            .map(ingest::event_message)
            .collect();
        let our_app = self.app_id.clone();
        let changes: Vec<_> = (events.changes.iter())
            .filter(|e| ours(e.page_id.as_str()))
            .map(|e| ingest::event_change(e, our_app.as_deref()))
            .collect();
        let mut people: Vec<WebhookEvent> = Vec::new();
        let told = (queued.iter())
            .map(|q| (&q.page_id, &q.person_id, !q.message.attachments.is_empty()))
            .chain(changes.iter().map(|c| (&c.page_id, &c.person_id, false)));
        for (page_id, person, read_back) in told {
            match people
                .iter_mut()
                .find(|e| &e.page_id == page_id && &e.person == person)
            {
                Some(event) => event.read_back |= read_back,
                None => people.push(WebhookEvent {
                    page_id: page_id.clone(),
                    person: person.clone(),
                    read_back,
                }),
            }
        }
        let comments: Vec<_> = (events.comments.iter())
            .filter(|e| ours(e.page_id.as_str()))
            .map(ingest::event_comment)
            .collect();
        if !comments.is_empty() {
            let protection = self.protection();
            match self
                .db(move |s| s.apply_comment_events(&comments, &protection))
                .await
            {
                Ok(applied) => {
                    let threads: Vec<_> = applied
                        .iter()
                        .map(|(_, thread, applied)| (thread.clone(), *applied))
                        .collect();
                    if let Err(error) = self.assign_new_threads(&threads).await {
                        return Kept::Failed(error);
                    }
                    for (page_id, _, applied) in applied {
                        self.emit(SyncEvent::PageChanged {
                            page_id,
                            news: News::from(applied),
                        });
                    }
                }
                Err(error) => return Kept::Failed(error),
            }
        }
        if queued.is_empty() && changes.is_empty() {
            return Kept::Events(people);
        }
        match self
            .db(move |s| s.keep_events(&queued, &changes, Utc::now()))
            .await
        {
            Ok(()) => Kept::Events(people),
            Err(error) => Kept::Failed(error),
        }
    }

    /// Takes the receiver's events until it goes; what arrives together is taken together.
    /// What was kept before this process started (a restart after a kill) is taken first.
    ///
    /// The engine counts as receiving from the call, not from the task's first poll: the lease
    /// taken meanwhile would otherwise tell `doctor` and the inbox that nobody receives.
    pub fn follow_webhooks(
        self: Arc<Self>,
        mut events: mpsc::UnboundedReceiver<WebhookEvent>,
    ) -> impl std::future::Future<Output = ()> {
        // Receiving from now until the task ends (the endpoint closed, the process stopping).
        let receiving = Receiving::start(self.clone());
        async move {
            let _receiving = receiving;
            self.follow(&mut events).await;
        }
    }

    async fn follow(self: &Arc<Self>, events: &mut mpsc::UnboundedReceiver<WebhookEvent>) {
        let waiting = match self.db(|s| s.queued_people()).await {
            Ok(people) => people
                .into_iter()
                .map(|(page_id, person)| WebhookEvent {
                    page_id,
                    person,
                    read_back: false,
                })
                .collect(),
            Err(error) => {
                tracing::warn!(error = %error, "cannot read the webhook messages kept");
                Vec::new()
            }
        };
        self.take_events(waiting, false).await;
        while let Some(first) = events.recv().await {
            tokio::time::sleep(BURST).await;
            let mut burst = vec![first];
            while let Ok(more) = events.try_recv() {
                burst.push(more);
            }
            self.take_events(burst, true).await;
        }
    }

    /// Joins kept messages to their stored conversations, then reads the people whose
    /// conversation is not stored yet. `arrived`: the events came just now (the page's
    /// webhooks are live).
    async fn take_events(self: &Arc<Self>, burst: Vec<WebhookEvent>, arrived: bool) {
        let now = Utc::now();
        if arrived {
            let pages: HashSet<PageId> = burst.iter().map(|u| u.page_id.clone()).collect();
            for page_id in pages {
                let id = page_id.clone();
                if let Err(error) = self.db(move |s| s.webhook_arrived(&id, now)).await {
                    tracing::warn!(page = %page_id, error = %error, "cannot note a webhook event");
                }
            }
        }
        match self.db(|s| s.merge_event_messages()).await {
            Ok(merged) => {
                for (page_id, applied) in merged {
                    if applied.new_messages > 0 {
                        self.emit(SyncEvent::PageChanged {
                            page_id,
                            news: News::from(applied),
                        });
                    }
                }
            }
            Err(error) => tracing::warn!(error = %error, "cannot store kept webhook messages"),
        }
        // One read per person however many events, read back if any of them asks.
        let mut people: HashMap<(PageId, Psid), bool> = HashMap::new();
        for event in burst {
            *people
                .entry((event.page_id.to_string().into(), event.person))
                .or_default() |= event.read_back;
        }
        let unknown: HashSet<(PageId, Psid)> = match self.db(|s| s.queued_people()).await {
            Ok(waiting) => waiting.into_iter().collect(),
            Err(error) => {
                tracing::warn!(error = %error, "cannot read the webhook messages kept");
                return;
            }
        };
        let turns = Arc::new(tokio::sync::Semaphore::new(READS_AT_ONCE));
        let mut reads = tokio::task::JoinSet::new();
        let to_read = people
            .into_iter()
            .filter(|(person, read_back)| *read_back || unknown.contains(person));
        for ((page_id, person), read_back) in to_read {
            let event = WebhookEvent {
                page_id,
                person,
                read_back,
            };
            let engine = self.clone();
            let turns = turns.clone();
            reads.spawn(async move {
                let _turn = turns.acquire_owned().await;
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
                // Its messages stay kept; the next poll stores the conversation and them.
                Err(error) => tracing::warn!(
                    page = %event.page_id,
                    error = %error,
                    "a webhook's conversation could not be read; its messages wait for the next poll"
                ),
            }
        }
    }

    /// The person's conversation with the page, if it is in the inbox, stored (with what the
    /// events kept for them).
    async fn read_person(&self, event: &WebhookEvent) -> Result<News, PageError> {
        let page_id = &event.page_id;
        let Some(page) = self.page_config(page_id) else {
            return Err(PageError::NotConfigured(page_id.to_string()));
        };
        let id = page_id.clone();
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
        let Some(mut update) = ingest::conversation_update(page_id, Folder::Inbox, &conversation)
        else {
            return Ok(News::default());
        };
        let ids = vec![update.id.clone()];
        let stored = self.db(move |s| s.conversation_versions(&ids)).await?;
        let known = stored.contains_key(&update.id);
        if history::may_hold_older(&conversation, size.messages) {
            let since = match known {
                true => history::Since::Known,
                false => self.since_new(page_id, Folder::Inbox).await?,
            };
            self.account_for_older(&token, &mut update, since).await?;
        }
        self.store_conversations(vec![(update, known)]).await
    }
}
