//! The sync engine: per page, the inbox and (when turned on) the Spam folder, the 5-minute spam
//! rule, and outbox delivery. It never touches the terminal: it reports through events and
//! through the sync-state rows of the store.

mod comments;
mod history;
pub mod ingest;
mod lease;
mod orders;
mod outbox;
mod pass;
mod pictures;
mod spam;
mod webhooks;

pub use lease::{holder_alive, machine_elsewhere, process_alive, this_machine};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::config::{ConfigError, PageConfig, SyncSettings};
use crate::graph::{AccessToken, GraphClient, GraphError, ListSize};
use crate::model::{ConversationId, Folder, PageId, PictureWanted, SyncErrorKind, Thumbnail};
use crate::store::pictures::PictureCache;
use crate::store::{ConversationUpdate, FolderSync, PageSync, Store, StoreError};
use pass::{FolderPass, Listed};

pub use outbox::Delivery;
pub use webhooks::{Kept, WebhookEvent};

/// Without `estimated_time_to_regain_access`, a rate-limited page waits this long, doubling on
/// each repeat up to [`MAX_RATE_LIMIT_WAIT`].
const FIRST_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(15 * 60);

/// What the engine tells whoever listens (the UI, `pagedesk sync`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    /// New conversations or messages were stored for a page.
    PageChanged { page_id: PageId, news: News },
    /// A page's sync began.
    Syncing { page_id: PageId },
    /// A page's sync ended; its sync state row says how (success, failure, rate limit).
    SyncStateChanged { page_id: PageId },
    /// A reply was sent, failed, or postponed.
    ReplyUpdated { message_id: i64 },
    /// This process now runs the sync engine of its data directory.
    Leading,
    /// Another process (this pid, on `machine` when not this one) runs it; this one stands by.
    Standby { pid: u32, machine: Option<String> },
    /// The engine of this process stopped after an internal error and gave its lease up.
    Stopped { reason: String },
    /// The engine cannot reach its database (`at`: PostgreSQL's `user@host:port/database`):
    /// it neither syncs nor sends until it can again.
    DatabaseDown { at: String },
    /// It reaches it again.
    DatabaseBack { at: String },
    /// The config file changed and was read again: pages added or removed need a restart,
    /// or it could not be used (what is wrong; the config read before stays in use).
    ConfigRead {
        restart_needed: bool,
        problem: Option<String>,
    },
    /// A picture asked for: ready to draw, or why it cannot be had.
    Picture {
        key: String,
        picture: Result<Thumbnail, String>,
    },
}

/// What the UI asks of the engine running in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineCommand {
    /// Deliver this reply from the outbox now.
    Deliver(i64),
    /// The config file changed: these are its pages, how comments are read and protected, and
    /// the command run when an order is confirmed, now.
    ConfigChanged {
        pages: Vec<PageConfig>,
        comments: crate::config::CommentSettings,
        order_hook: Option<crate::config::OrderHook>,
    },
    /// Fetch a picture to show (answered with [`SyncEvent::Picture`]).
    FetchPicture(PictureWanted),
    /// Read a picture on this machine to preview it (answered with [`SyncEvent::Picture`]).
    PreviewFile(std::path::PathBuf),
    /// Stop (the service was told to, by Ctrl-C or SIGTERM): the work under way ends, the
    /// lease is given up.
    Stop,
}

/// How many messages a sync stored, and how many of them the customers wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct News {
    pub messages: usize,
    pub customer_messages: usize,
    /// When the oldest of the new customer messages was written.
    pub oldest_customer_message: Option<DateTime<Utc>>,
}

impl From<crate::store::Applied> for News {
    fn from(applied: crate::store::Applied) -> News {
        News {
            messages: applied.new_messages,
            customer_messages: applied.new_customer_messages,
            oldest_customer_message: applied.oldest_new_customer_message,
        }
    }
}

impl std::ops::AddAssign for News {
    fn add_assign(&mut self, other: News) {
        self.messages += other.messages;
        self.customer_messages += other.customer_messages;
        self.oldest_customer_message =
            match (self.oldest_customer_message, other.oldest_customer_message) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
    }
}

/// Why a page did not sync.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("rate limited by Facebook until {}: not calling this page before then", local_hm(*.0))]
    RateLimitedUntil(DateTime<Utc>),
    #[error(
        "Facebook's paging cursor for the {0} folder repeats; stopped reading it to avoid a loop"
    )]
    CursorLoop(&'static str),
    #[error("Facebook's list of the {folder} folder does not end: {why}; stopped reading it")]
    EndlessList { folder: &'static str, why: String },
    #[error("page {0} is no longer in the config")]
    NotConfigured(String),
}

impl PageError {
    /// The kind of failure, stored with the error for the screens to word.
    fn kind(&self) -> SyncErrorKind {
        match self {
            PageError::Graph(GraphError::Auth { .. }) => SyncErrorKind::Token,
            PageError::Graph(GraphError::RateLimited { .. }) | PageError::RateLimitedUntil(_) => {
                SyncErrorKind::RateLimited
            }
            PageError::Graph(GraphError::Permission { .. }) => SyncErrorKind::Permission,
            PageError::Graph(GraphError::Transient(_) | GraphError::Unreached(_)) => {
                SyncErrorKind::Transient
            }
            PageError::Graph(_) | PageError::CursorLoop(_) | PageError::EndlessList { .. } => {
                SyncErrorKind::Facebook
            }
            PageError::Store(_) => SyncErrorKind::Database,
            PageError::NotConfigured(_) => SyncErrorKind::Config,
            PageError::Config(_) => SyncErrorKind::Config,
        }
    }
}

/// A background task that ends with its owner.
pub struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn local_hm(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%H:%M").to_string()
}

/// A time of another day, in this machine's zone: 03/12 14:05.
pub fn local_day_hm(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%d/%m %H:%M").to_string()
}

/// Who asked for a cycle, which decides how patient it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The running engine: replies whose retry time has come, and pages close to their usage
    /// limit are synced less often.
    Background,
    /// A person (`pagedesk sync --once`): every pending reply, every page, now.
    Person,
}

/// Usage (percent of the app's or page's limit) from which background syncs slow down, and
/// from which they slow down more.
const SLOW_DOWN_AT: u32 = 75;
const SLOW_DOWN_MORE_AT: u32 = 90;

/// What one read of a folder updates as it goes: the pass's progress, the conversations it
/// listed, and the folder's every id when its first page held all of it.
struct Read<'a> {
    progress: &'a mut FolderSync,
    listed: &'a mut HashSet<ConversationId>,
    whole_folder: &'a mut Option<HashSet<ConversationId>>,
}

/// How one page fared in a cycle.
#[derive(Debug)]
pub struct PageOutcome {
    pub page_id: PageId,
    pub page_name: String,
    pub result: Result<News, PageError>,
}

pub struct Engine {
    store: Arc<Mutex<Store>>,
    graph: GraphClient,
    /// The configured pages; their tokens follow the config when it changes.
    pages: std::sync::RwLock<Vec<PageConfig>>,
    settings: SyncSettings,
    events: Option<mpsc::UnboundedSender<SyncEvent>>,
    /// Names this process in the engine lease and in reply claims.
    instance: String,
    /// Pages close to their usage limit, and when the background engine may call them again.
    slowed_down: Mutex<HashMap<PageId, Instant>>,
    /// Where the pictures of messages are kept once fetched (the inbox's engine has one).
    pictures: Option<PictureCache>,
    /// Turns for fetching pictures, so that a long conversation does not open dozens at once.
    fetching: Arc<tokio::sync::Semaphore>,
    /// How often a page's inbox folder is polled while its webhooks are live.
    live_poll_interval: Duration,
    /// When each page's inbox folder was last polled by this engine.
    inbox_polled: Mutex<HashMap<PageId, Instant>>,
    /// The team new conversations go to in turn (`[assignment] new_conversations =
    /// "round-robin"`); empty: to nobody.
    round_robin: Vec<String>,
    /// This process receives webhooks (`pagedesk serve` follows them): only then may a page's
    /// inbox folder be polled slowly while events arrive, and only then are they said live.
    receiving_webhooks: std::sync::atomic::AtomicBool,
    /// Since when this process receives webhooks: its first poll of a page after that finds
    /// what was written while nothing listened, which came by no webhook to anyone.
    receiving_since: Mutex<Option<Instant>>,
    /// This pagedesk's Meta app (`[graph] app_id`), when the config names it: conversation
    /// routing events name the app a conversation goes to.
    app_id: Option<String>,
    /// How the comments under the pages' posts are read (`None`: they are not), as the config
    /// says now.
    comments: std::sync::RwLock<Option<crate::config::CommentSettings>>,
    /// `[orders] on_confirm`, as the config says now.
    order_hook: std::sync::RwLock<Option<crate::config::OrderHook>>,
    /// The task running `on_confirm` commands, while one runs: a cycle never waits for them.
    hook_runner: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Engine {
    pub fn new(
        store: Arc<Mutex<Store>>,
        graph: GraphClient,
        pages: Vec<PageConfig>,
        settings: SyncSettings,
        events: Option<mpsc::UnboundedSender<SyncEvent>>,
    ) -> Self {
        Self {
            store,
            graph,
            pages: std::sync::RwLock::new(pages),
            settings,
            events,
            instance: lease::instance_name(),
            slowed_down: Mutex::new(HashMap::new()),
            pictures: None,
            fetching: Arc::new(tokio::sync::Semaphore::new(pictures::FETCHES_AT_ONCE)),
            live_poll_interval: Duration::from_secs(5 * 60),
            inbox_polled: Mutex::new(HashMap::new()),
            round_robin: Vec::new(),
            receiving_webhooks: std::sync::atomic::AtomicBool::new(false),
            receiving_since: Mutex::new(None),
            app_id: None,
            comments: std::sync::RwLock::new(None),
            order_hook: std::sync::RwLock::new(None),
            hook_runner: Mutex::new(None),
        }
    }

    /// Runs `[orders] on_confirm` for the orders confirmed.
    pub fn with_order_hook(self, hook: Option<crate::config::OrderHook>) -> Self {
        *self.order_hook.write().expect("order hook") = hook;
        self
    }

    fn order_hook(&self) -> Option<crate::config::OrderHook> {
        self.order_hook.read().expect("order hook").clone()
    }

    /// Reads the comments under the pages' posts as `settings` say.
    pub fn with_comments(mut self, settings: crate::config::CommentSettings) -> Self {
        self.comments = std::sync::RwLock::new(settings.read.then_some(settings));
        self
    }

    /// Whether this process receives webhooks now.
    pub fn receiving_webhooks(&self) -> bool {
        self.receiving_webhooks
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Knows this pagedesk's app by `app_id`.
    pub fn with_app_id(mut self, app_id: Option<String>) -> Self {
        self.app_id = app_id;
        self
    }

    /// Gives new conversations to `team`'s available staff in turn.
    pub fn with_round_robin(mut self, team: Vec<String>) -> Self {
        self.round_robin = team;
        self
    }

    /// Polls a page's inbox folder only this often while its webhooks are live.
    pub fn with_live_poll_interval(mut self, interval: Duration) -> Self {
        self.live_poll_interval = interval;
        self
    }

    /// Fetches the pictures the inbox asks for into `cache`.
    pub fn with_pictures(mut self, cache: PictureCache) -> Self {
        self.pictures = Some(cache);
        self
    }

    /// Runs `f` on the store off the async threads: SQLite calls block.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut store)
        })
        .await
        .expect("a store call panicked")
    }

    fn emit(&self, event: SyncEvent) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }

    fn page_config(&self, page_id: &PageId) -> Option<PageConfig> {
        self.pages().into_iter().find(|p| &p.id == page_id)
    }

    fn pages(&self) -> Vec<PageConfig> {
        self.pages
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The config was read again: each page takes its new token (a token fixed there works
    /// without a restart). Pages added or removed need a restart: returns whether they were.
    pub fn take_new_tokens(&self, configured: &[PageConfig]) -> bool {
        let mut pages = self
            .pages
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for page in pages.iter_mut() {
            if let Some(new) = configured.iter().find(|c| c.id == page.id) {
                *page = new.clone();
            }
        }
        let ids = |list: &[PageConfig]| {
            let mut ids: Vec<PageId> = list.iter().map(|p| p.id.clone()).collect();
            ids.sort();
            ids
        };
        ids(&pages) != ids(configured)
    }

    /// Syncs every page concurrently, outbox first; one page failing never stops another.
    pub async fn cycle(self: &Arc<Self>, trigger: Trigger) -> Vec<PageOutcome> {
        if let Err(error) = self.fail_unconfigured().await {
            tracing::warn!(error = %error, "cannot settle replies of pages not configured");
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (index, page) in self.pages().iter().enumerate() {
            let engine = self.clone();
            let page_id = page.id.clone();
            tasks.spawn(async move { (index, engine.sync_page(&page_id, trigger).await) });
        }
        let mut outcomes: Vec<(usize, PageOutcome)> = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (index, outcome) = joined.expect("a page sync panicked");
            outcomes.push((index, outcome));
        }
        outcomes.sort_by_key(|(index, _)| *index);
        self.start_order_hooks();
        outcomes.into_iter().map(|(_, outcome)| outcome).collect()
    }

    /// The name to show for a page: the config's, else the one Facebook gave, else the id.
    async fn page_name(&self, page_id: &PageId) -> String {
        let id = page_id.to_owned();
        let stored = self
            .db(move |s| Ok(s.pages()?.into_iter().find(|p| p.id == id)))
            .await
            .ok()
            .flatten();
        let configured = self.page_config(page_id).and_then(|p| p.name);
        crate::model::page_name(
            configured.as_deref(),
            stored.as_ref().map(|p| p.name.as_str()),
            page_id.as_str(),
        )
    }

    async fn sync_page(&self, page_id: &PageId, trigger: Trigger) -> PageOutcome {
        let now = Utc::now();
        let id = page_id.to_owned();
        let mut state = self.db(move |s| s.page_sync(&id)).await.unwrap_or_default();
        let slowed_until = self
            .slowed_down
            .lock()
            .expect("slow-down map")
            .get(page_id)
            .copied();
        if trigger == Trigger::Background
            && slowed_until.is_some_and(|until| Instant::now() < until)
        {
            // Close to the usage limit: skip this cycle quietly rather than hit the limit.
            return PageOutcome {
                page_id: page_id.to_owned(),
                page_name: self.page_name(page_id).await,
                result: Ok(News::default()),
            };
        }
        self.emit(SyncEvent::Syncing {
            page_id: page_id.to_owned(),
        });
        let result = match state.rate_limited_until {
            Some(until) if until > now => Err(PageError::RateLimitedUntil(until)),
            _ => self.sync_page_now(page_id, trigger).await,
        };
        state.last_attempt = Some(now);
        match &result {
            Ok(_) => {
                state.last_success = Some(Utc::now());
                state.last_error = None;
                state.last_error_kind = None;
                state.rate_limited_until = None;
                state.rate_limit_streak = 0;
                state.failing_since = None;
            }
            Err(PageError::RateLimitedUntil(_)) => {}
            Err(error) => {
                state.failing_since.get_or_insert(now);
                if let PageError::Graph(GraphError::RateLimited { retry_after, .. }) = error {
                    let (until, streak) = rate_limit_until(&state, *retry_after, Utc::now());
                    state.rate_limited_until = Some(until);
                    state.rate_limit_streak = streak;
                }
                state.last_error = Some(error.to_string());
                state.last_error_kind = Some(error.kind());
                tracing::warn!(page = %page_id, error = %error, "page sync failed");
            }
        }
        let id = page_id.to_owned();
        let saved = state.clone();
        if let Err(e) = self.db(move |s| s.save_page_sync(&id, &saved)).await {
            tracing::error!(page = %page_id, error = %e, "cannot save the sync state");
        }
        self.emit(SyncEvent::SyncStateChanged {
            page_id: page_id.to_owned(),
        });
        // A rate limit found while syncing is reported with the time it clears.
        let result = match result {
            Err(PageError::Graph(GraphError::RateLimited { .. })) => Err(
                PageError::RateLimitedUntil(state.rate_limited_until.unwrap_or(now)),
            ),
            other => other,
        };
        PageOutcome {
            page_id: page_id.to_owned(),
            page_name: self.page_name(page_id).await,
            result,
        }
    }

    /// One page: its outbox, its inbox, and its Spam folder when spam sync is on.
    async fn sync_page_now(&self, page_id: &PageId, trigger: Trigger) -> Result<News, PageError> {
        let Some(page) = self.page_config(page_id) else {
            return Err(PageError::NotConfigured(page_id.to_owned().to_string()));
        };
        let token = page.token()?;
        self.ensure_page(&page, &token).await?;
        self.deliver_due(page_id, trigger).await?;
        let mut news = self.poll_inbox(page_id, &token, trigger).await?;
        // Comments that cannot be read (a permission the token lacks, say) leave Messenger as
        // it is: the page's sync goes on, and the status line, `w` and the log say why. A rate
        // limit is the page's.
        let read = match self.read_comments(page_id, &token).await {
            Ok(comments) => {
                news += comments;
                Ok(())
            }
            Err(error @ PageError::Graph(GraphError::RateLimited { .. })) => return Err(error),
            Err(error) => {
                tracing::warn!(page = %page_id, error = %error, "cannot read the page's comments");
                Err(error.to_string())
            }
        };
        let id = page_id.to_owned();
        self.db(move |s| {
            s.comments_read(
                &id,
                read.as_ref().map_err(String::as_str).copied(),
                Utc::now(),
            )
        })
        .await?;
        let done_folder = self.follow_done_folder(page_id, &token).await?;
        let id = page_id.to_owned();
        if self.db(move |s| s.spam_sync(&id)).await? {
            let (spam_news, whole_folder) = self.sync_folder(page_id, &token, Folder::Spam).await?;
            news += spam_news;
            self.follow_folder_moves(page_id, &token, whole_folder, &done_folder)
                .await?;
        }
        if news.messages > 0 {
            self.emit(SyncEvent::PageChanged {
                page_id: page_id.to_owned(),
                news,
            });
        }
        Ok(news)
    }

    /// The inbox folder, when it is due: every cycle, or while the page's webhooks are live
    /// only every `live_poll_interval` (a person's `sync --once` always). A poll that finds a
    /// buyer's message no webhook brought marks them not arriving: the page is polled at the
    /// cycle's pace until an event comes again.
    async fn poll_inbox(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        trigger: Trigger,
    ) -> Result<News, PageError> {
        let id = page_id.to_owned();
        let webhooks = self.db(move |s| s.webhook_state(&id)).await?;
        let last_poll = self
            .inbox_polled
            .lock()
            .expect("inbox polls")
            .get(page_id)
            .copied();
        let recent = last_poll.is_some_and(|at| at.elapsed() < self.live_poll_interval);
        // Events arriving at another process (a `serve` since stopped) bring nothing here.
        let live = self.receiving_webhooks() && webhooks.live();
        if trigger == Trigger::Background && live && recent {
            return Ok(News::default());
        }
        let (news, _) = self.sync_folder(page_id, token, Folder::Inbox).await?;
        self.inbox_polled
            .lock()
            .expect("inbox polls")
            .insert(page_id.to_owned().to_string().into(), Instant::now());
        let now = Utc::now();
        // Only a poll after one made while listening judges: the first finds what was written
        // while the service was down, which came by no webhook to anyone.
        let listening_since = *self.receiving_since.lock().expect("receiving since");
        let judged = last_poll.is_some_and(|at| listening_since.is_some_and(|since| at >= since));
        let missed = judged
            && news
                .oldest_customer_message
                .is_some_and(|written| now - written > webhooks::EVENTS_DUE_WITHIN);
        if live && missed {
            tracing::warn!(
                page = %page_id,
                "a poll found buyers' messages no webhook brought: polling at the cycle's pace"
            );
            let id = page_id.to_owned();
            self.db(move |s| s.webhooks_missed(&id, now)).await?;
        }
        Ok(news)
    }

    /// Makes sure the page has a row; the first time, Facebook is asked for its name (which also
    /// checks the token). Later cycles spend no call on it.
    async fn ensure_page(&self, page: &PageConfig, token: &AccessToken) -> Result<(), PageError> {
        let id = page.id.clone();
        let known = self
            .db(move |s| Ok(s.pages()?.into_iter().any(|p| p.id == id)))
            .await?;
        if known && page.name.is_none() {
            return Ok(());
        }
        let name = match &page.name {
            Some(name) => name.clone(),
            None => {
                let info = self.graph.page(&page.id, token).await?;
                crate::text::clean_line(info.name.as_deref().unwrap_or(page.id.as_str()))
            }
        };
        let id = page.id.clone();
        self.db(move |s| s.upsert_page(id.as_str(), &name)).await?;
        Ok(())
    }

    /// Reads a folder newest first. Until one full pass has finished it reads on (resuming an
    /// interrupted pass) up to `backfill_conversations`; after that it stops at the first
    /// conversation already stored and unchanged.
    ///
    /// Also returns every id in the folder when its first page was the whole of it.
    async fn sync_folder(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        folder: Folder,
    ) -> Result<(News, Option<HashSet<ConversationId>>), PageError> {
        let id = page_id.to_owned();
        let mut progress = self.db(move |s| s.folder_sync(&id, folder)).await?;
        let mut news = News::default();
        let mut listed = HashSet::new();
        let mut whole_folder = None;
        let resumed = !progress.pass_complete && progress.resume_after.is_some();
        let mut read = Read {
            progress: &mut progress,
            listed: &mut listed,
            whole_folder: &mut whole_folder,
        };
        news += self.read_folder(page_id, token, folder, &mut read).await?;
        if resumed {
            // The resumed pass started in the middle: read the top too, for what came meanwhile.
            news += self.read_folder(page_id, token, folder, &mut read).await?;
        }
        if folder == Folder::Spam {
            news += self.pull_due_spam(page_id, token, &listed).await?;
        }
        Ok((news, whole_folder))
    }

    async fn read_folder(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        folder: Folder,
        read: &mut Read<'_>,
    ) -> Result<News, PageError> {
        let mut pass = FolderPass::new(
            folder,
            read.progress.clone(),
            self.settings.backfill_conversations,
        );
        let mut size = self.list_size(page_id).await?;
        let mut size_shrunk = false;
        let mut news = News::default();
        loop {
            let from_top = pass.cursor().is_none();
            let listing = match self
                .graph
                .conversations(page_id, token, folder, size, pass.cursor())
                .await
            {
                // Asked for too much: the same cursor, a smaller request.
                Err(GraphError::TooMuchData(words)) => match size.smaller() {
                    Some(smaller) => {
                        tracing::info!(page = %page_id, ?smaller, "Facebook asked for less data");
                        size = smaller;
                        size_shrunk = true;
                        continue;
                    }
                    None => return Err(GraphError::TooMuchData(words).into()),
                },
                // A saved cursor can expire: the interrupted pass starts again from the top.
                Err(GraphError::Invalid { .. }) if pass.resuming() => {
                    tracing::info!(
                        page = %page_id,
                        folder = folder.as_str(),
                        "saved cursor refused; reading from the top"
                    );
                    pass.restart_from_top();
                    continue;
                }
                listing => listing?,
            };
            if std::mem::take(&mut size_shrunk) {
                // Remembered, so the next cycles (and other processes) ask for what works.
                let id = page_id.to_owned();
                let saved = (size.conversations, size.messages);
                self.db(move |s| s.save_request_size(&id, saved)).await?;
            }
            self.note_usage(page_id, listing.usage.percent);
            if from_top && listing.next_after.is_none() {
                *read.whole_folder = Some(listing.items.iter().map(|c| c.id.clone()).collect());
            }
            let mut may_hold_older = HashSet::new();
            let updates: Vec<ConversationUpdate> = listing
                .items
                .iter()
                .filter_map(|conversation| {
                    let update = ingest::conversation_update(page_id, folder, conversation);
                    if update.is_none() {
                        tracing::warn!(conversation = %conversation.id, "conversation without a customer skipped");
                    }
                    if history::may_hold_older(conversation, size.messages) {
                        may_hold_older.insert(conversation.id.clone());
                    }
                    update
                })
                .collect();
            let ids: Vec<ConversationId> = updates.iter().map(|u| u.id.clone()).collect();
            let stored = self.db(move |s| s.conversation_versions(&ids)).await?;
            let unchanged = |update: &ConversationUpdate| {
                stored.get(&update.id).is_some_and(|(time, snippet)| {
                    *time == update.updated_time && *snippet == update.snippet
                })
            };
            let items: Vec<Listed> = updates
                .iter()
                .map(|update| Listed {
                    updated_time: update.updated_time,
                    unchanged: unchanged(update),
                    known: stored.contains_key(&update.id),
                })
                .collect();
            let step = pass.page(&items, listing.next_after);
            let first_read = read.progress.clone();
            let mut changed = Vec::new();
            let taken: Vec<ConversationUpdate> = updates
                .into_iter()
                .enumerate()
                .filter(|(index, _)| *index < step.seen || step.moved_in.contains(index))
                .map(|(_, update)| update)
                .collect();
            for mut update in taken {
                // Seen in this read: a waiting spam conversation below where it stops is not.
                read.listed.insert(update.id.clone());
                if !unchanged(&update) {
                    let known = stored.contains_key(&update.id);
                    if may_hold_older.contains(&update.id) {
                        let since = history::since(known, &first_read);
                        self.account_for_older(token, &mut update, since).await?;
                    }
                    changed.push((update, known));
                }
            }
            news += self.store_conversations(changed).await?;
            pass.check_it_ends()?;
            *read.progress = pass.progress.clone();
            if step.save {
                let id = page_id.to_owned();
                let saved = pass.progress.clone();
                self.db(move |s| s.save_folder_sync(&id, folder, &saved))
                    .await?;
            }
            if step.next.is_none() {
                return Ok(news);
            }
        }
    }

    /// What a list call of this page asks for: the full size, or what worked after Facebook
    /// asked for less.
    async fn list_size(&self, page_id: &PageId) -> Result<ListSize, PageError> {
        let id = page_id.to_owned();
        let stored = self.db(move |s| s.request_size(&id)).await?;
        Ok(
            stored.map_or(ListSize::FULL, |(conversations, messages)| ListSize {
                conversations,
                messages,
            }),
        )
    }
}

impl Engine {
    /// Slows the background syncs of a page down as its usage nears the limit: every other
    /// cycle from 75 %, every fourth from 90 %.
    fn note_usage(&self, page_id: &PageId, percent: Option<u32>) {
        let Some(percent) = percent.filter(|p| *p >= SLOW_DOWN_AT) else {
            return;
        };
        let cycles = if percent >= SLOW_DOWN_MORE_AT { 4 } else { 2 };
        let until = Instant::now() + self.settings.interval * cycles;
        tracing::info!(
            page = %page_id,
            percent,
            "usage near the limit: syncing less often"
        );
        let mut slowed = self.slowed_down.lock().expect("slow-down map");
        let entry = slowed.entry(page_id.clone()).or_insert(until);
        *entry = (*entry).max(until);
    }
}

/// When a rate-limited page may be called again: Facebook's estimate when it gave one, else a
/// wait that doubles with each repeat.
fn rate_limit_until(
    state: &PageSync,
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, u32) {
    let streak = state.rate_limit_streak + 1;
    let wait = retry_after.unwrap_or_else(|| {
        FIRST_RATE_LIMIT_WAIT
            .saturating_mul(1 << (streak - 1).min(8))
            .min(MAX_RATE_LIMIT_WAIT)
    });
    let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::minutes(15));
    (now.checked_add_signed(wait).unwrap_or(now), streak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_waits_double_up_to_fifteen_minutes_unless_facebook_says() {
        let now = Utc::now();
        let mut state = PageSync::default();
        let mut waits = Vec::new();
        for _ in 0..6 {
            let (until, streak) = rate_limit_until(&state, None, now);
            waits.push((until - now).num_minutes());
            state.rate_limit_streak = streak;
        }
        assert_eq!(waits, vec![1, 2, 4, 8, 15, 15]);
        let (until, _) = rate_limit_until(&state, Some(Duration::from_secs(180)), now);
        assert_eq!((until - now).num_minutes(), 3);
    }
}
