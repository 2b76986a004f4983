//! The inbox's state and what keys, the mouse and the engine's events do to it. No terminal
//! here: the view draws an `App`, and tests drive one directly.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ratatui::layout::Rect;
use ratatui_textarea::TextArea;
use tokio::sync::mpsc;

use super::panes::{Chat, ConversationList, PageEntry, Sidebar, SidebarItem, Status};
use super::theme::Theme;
use super::writer::{Write, Writer};
use crate::config::{Config, QuickReply};
use crate::i18n::{Lang, S, Tr};
use crate::keymap::Keymap;
use crate::model::{ConversationId, Direction, Filter, PageId, PageSwitch, ReplyTo};
use crate::store::{
    ConversationRow, Customer, LabelRow, ListQuery, MessageRow, Order, Presence, SearchHit,
    StaffStatus, Stats, Store, WebhookState,
};
use crate::sync::EngineCommand;

/// What the inbox takes from the config.
#[derive(Debug, Clone)]
pub struct UiSettings {
    /// Configured pages in config order: id and the config's name, if any.
    pub pages: Vec<(PageId, Option<String>)>,
    pub quick_replies: Vec<QuickReply>,
    pub notify: bool,
    pub spam_delay: Duration,
    pub human_agent_tag: bool,
    pub lang: Lang,
    pub keymap: Keymap,
    /// Who is using this inbox, as other staff see it.
    pub staff: String,
    /// The product-photo folder the attach picker opens on.
    pub library: Option<std::path::PathBuf>,
    /// How pictures are drawn, as the config says.
    pub graphics: crate::config::Graphics,
    /// The `[[staff]]` conversations can be assigned to, in the config's order.
    pub team: Vec<String>,
    /// `[comments] hide_phone_numbers`: a page's switch in the settings screen wins over it.
    pub hide_phone_numbers: bool,
    /// `[orders] catalogue`: the products the order form offers.
    pub catalogue: Option<std::path::PathBuf>,
    /// `[orders] on_confirm` is set: an order confirmed here is due for it.
    pub order_hook: bool,
    /// What time it is, and in which zone: the reply window is judged by it, replies and marks
    /// are stamped with it, the team's numbers counted by its days (a test's inbox lives at a
    /// fixed time).
    pub clock: fn() -> super::clock::Clock,
}

impl UiSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            pages: config
                .pages
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect(),
            quick_replies: config.quick_replies.clone(),
            notify: config.notify,
            spam_delay: config.sync.spam_delay,
            human_agent_tag: config.sync.human_agent_tag,
            lang: Lang::choose(config.language),
            keymap: config.keymap.clone(),
            staff: config.staff_name(),
            library: config.attachments.library.clone(),
            graphics: config.attachments.graphics,
            team: config.team(),
            hide_phone_numbers: config.comments.hide_phone_numbers,
            catalogue: config.orders.catalogue.clone(),
            order_hook: config.orders.on_confirm.is_some(),
            clock: super::clock::Clock::local,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Sidebar,
    List,
    Chat,
    Compose,
}

impl Pane {
    pub(super) const ORDER: [Pane; 4] = [Pane::Sidebar, Pane::List, Pane::Chat, Pane::Compose];
}

/// The window over the inbox, with what it alone needs: closing it drops that too.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// Every binding, scrolled down `top` lines.
    Help {
        top: usize,
    },
    /// Why the pages shown do not sync, whole, scrolled down `top` lines.
    Why {
        top: usize,
    },
    Settings {
        cursor: usize,
    },
    /// A picture whole pane, by its key among the pictures.
    Picture {
        key: String,
    },
    Attach(super::attach::AttachPrompt),
    Labels(super::team::LabelPicker),
    /// Whom to give a conversation to.
    Assign(super::team::AssignPrompt),
    /// The phone numbers and addresses offered to copy, newest first.
    Copy {
        choices: Vec<String>,
        cursor: usize,
    },
    /// The customer of the conversation shown (read again with the rest), scrolled down `top`
    /// lines, with the note being written about them.
    Customer {
        customer: Option<Box<Customer>>,
        top: usize,
        note: Option<String>,
    },
    /// How the team is doing: `None` while the numbers are read.
    Stats {
        stats: Option<Stats>,
    },
    /// A conversation's orders.
    Orders(super::orders::OrdersWindow),
    /// An order being taken.
    OrderForm(Box<super::orders::OrderForm>),
}

/// The conversation in the chat pane.
#[derive(Debug, Clone)]
pub struct Open {
    pub conversation: ConversationRow,
    pub messages: Vec<MessageRow>,
    /// Index of the first message that was unread when it was opened.
    pub new_from: Option<usize>,
    /// Lines scrolled up from the bottom.
    pub scroll: usize,
    /// Other staff with this conversation open now.
    pub others: Vec<Presence>,
    /// When the chat began showing it (passing over it in the list shows it too).
    pub shown_at: std::time::Instant,
    /// A thread of comments' post, and what the page may do there; `None`: Messenger.
    pub under_post: Option<UnderPost>,
}

/// The post a thread of comments is under, and what the page may do with the comments.
#[derive(Debug, Clone)]
pub struct UnderPost {
    pub post: crate::store::comments::PostRow,
    /// What Facebook last refused to do with the thread's comments, and why, when it did.
    pub moderation_refused: Option<(crate::model::Moderation, String)>,
    /// Why the newest comment can no longer be answered privately, when it cannot.
    pub private_refusal: Option<crate::model::CommentRefusal>,
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    /// The query being typed, while the search line is open.
    pub typing: Option<String>,
    pub query: String,
    pub hits: Vec<SearchHit>,
    pub current: usize,
}

/// Where the panes' insides are, for the mouse.
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub sidebar: Rect,
    pub list: Rect,
    pub chat: Rect,
    pub compose: Rect,
}

/// What the inbox asks of the terminal it runs in: the loop carries each out, in order, after
/// drawing (the state never writes to the terminal itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A customer wrote: ring the bell.
    Bell,
    /// Put this text on the clipboard (OSC 52, which works over SSH too).
    Clipboard(String),
    /// Hand the terminal to the staff's editor to write the reply in.
    Editor,
    /// Leave the inbox.
    Quit,
}

pub struct App {
    /// Reads only: every write goes through `writer`.
    store: Store,
    pub(super) writer: Writer,
    pub settings: UiSettings,
    pub tr: Tr,
    pub theme: Theme,
    /// The pages, and which is shown.
    pub sidebar: Sidebar,
    /// The conversation list.
    pub list: ConversationList,
    /// The conversation shown, and the reply being written.
    pub chat: Chat,
    /// Where drafts the database did not take wait for it, on this machine's disk.
    unsaved_drafts: crate::store::unsaved_drafts::UnsavedDrafts,
    /// Some are waiting there.
    drafts_on_disk: bool,
    /// The terminal's size, which decides how many list rows are read.
    pub size: Rect,
    /// The terminal has marked a paste as one (bracketed paste): a burst of keys is typing.
    pub(super) bracketed_paste_seen: bool,
    pub focus: Pane,
    pub overlay: Option<Overlay>,
    pub search: Search,
    /// What the status line says besides the pages' sync state.
    pub status: Status,
    engine: Option<mpsc::UnboundedSender<EngineCommand>>,
    data_version: i64,
    /// What the inbox asked of the terminal since the loop last carried it out, in order.
    effects: Vec<Effect>,
    /// What this inbox tells the other open ones of itself.
    pub(super) presence: super::presence::OwnPresence,
    /// The inbox reads the mouse; off, the terminal's own selection works.
    pub mouse: bool,
    /// The pictures of the conversations shown, as the engine reported them.
    pub pictures: super::pictures::Pictures,
    /// How this terminal draws pictures: half blocks until the terminal is asked.
    pub graphics: super::graphics::Graphics,
    /// Every label, as last read.
    pub labels: Vec<LabelRow>,
    /// Who said they are available or away, as last read.
    pub staff_status: Vec<StaffStatus>,
    /// The shop's catalogue, as last read (when the order form opened, and as staff type a
    /// product).
    pub catalogue: Option<crate::orders::catalogue::Catalogue>,
    /// The catalogue is being read again: one read at a time.
    pub(super) catalogue_reading: bool,
    /// Order forms' drafts handed to the writer and not yet written: what reopening shows.
    pub(super) order_drafts: HashMap<ConversationId, crate::store::orders::KeptDraft>,
}

impl App {
    /// An inbox reading with `store` and writing with `writes` (another connection, used by
    /// the inbox's writer thread), both as the staff member of `settings`.
    pub fn new(
        store: Store,
        writes: Store,
        settings: UiSettings,
        theme: Theme,
        engine: Option<mpsc::UnboundedSender<EngineCommand>>,
    ) -> App {
        let tr = Tr(settings.lang);
        let presence = super::presence::OwnPresence::default();
        let unsaved_drafts = crate::store::unsaved_drafts::UnsavedDrafts::of(
            store.data_dir(),
            &settings.staff,
            presence.instance(),
        );
        let mut writes = writes.as_staff(&settings.staff);
        // What an inbox closed while the database was out of reach kept on disk.
        let put_back =
            crate::store::unsaved_drafts::put_back(&mut writes).unwrap_or_else(|error| {
                tracing::warn!(error = %error, "drafts kept on disk could not be put back yet");
                0
            });
        let mut app = App {
            store: store.as_staff(&settings.staff),
            writer: Writer::start(writes),
            unsaved_drafts,
            drafts_on_disk: false,
            settings,
            tr,
            theme,
            sidebar: Sidebar::default(),
            list: ConversationList::default(),
            chat: Chat::default(),
            size: Rect::new(0, 0, 80, 24),
            bracketed_paste_seen: false,
            focus: Pane::List,
            overlay: None,
            search: Search::default(),
            status: Status::default(),
            engine,
            data_version: 0,
            effects: Vec::new(),
            presence,
            mouse: true,
            pictures: Default::default(),
            graphics: Default::default(),
            labels: Vec::new(),
            staff_status: Vec::new(),
            catalogue: None,
            catalogue_reading: false,
            order_drafts: HashMap::new(),
        };
        app.reload();
        if put_back > 0 {
            app.say(app.tr.f(S::DraftsPutBack, &[&put_back]));
        }
        app
    }

    /// Asks the terminal for `effect` (see [`Effect`]).
    pub(super) fn ask(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// What was asked of the terminal and not carried out yet.
    pub fn effects(&self) -> &[Effect] {
        &self.effects
    }

    /// What was asked of the terminal, for the loop to carry out.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Whether a note about the customer is being written.
    pub(super) fn writing_note(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Customer { note: Some(_), .. }))
    }

    /// The time, and the zone times are shown in: every reading of it goes through here.
    pub fn clock(&self) -> super::clock::Clock {
        (self.settings.clock)()
    }

    /// The time now, as this inbox's clock says.
    pub(super) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock().now
    }

    /// The conversation shown, else the one selected.
    pub(super) fn conversation_at_hand(&self) -> Option<&ConversationRow> {
        match &self.chat.open {
            Some(open) => Some(&open.conversation),
            None => self.selected_conversation(),
        }
    }

    pub(super) fn store_ref(&self) -> &Store {
        &self.store
    }

    /// What decides whether Facebook takes a reply to `conversation` now.
    pub fn reply_to(&self, conversation: &ConversationRow) -> ReplyTo {
        conversation.reply_to(self.settings.human_agent_tag)
    }

    /// The reply as saved in the editor replaces the box's text.
    pub fn take_edited_reply(&mut self, text: &str) {
        let text = crate::text::clean(text);
        self.put_in_reply_box(text.trim_end());
        self.chat.draft_unsaved = true;
        self.focus = Pane::Compose;
    }

    /// No editor was set: which one was used, and how to choose.
    pub fn editor_guessed(&mut self, editor: &str) {
        self.say(self.tr.f(S::EditorGuessed, &[&editor]));
    }

    /// The editor did not finish: the box keeps what it had.
    pub fn editor_failed(&mut self, why: &str) {
        self.say(self.tr.f(S::EditorFailed, &[&why]));
    }

    /// Says `text` in the status line for a few seconds.
    pub(super) fn say(&mut self, text: String) {
        self.status.say(text, Instant::now());
    }

    /// What the status line says now in place of the sync state, if anything.
    pub fn notice(&self) -> Option<&str> {
        self.status.notice()
    }

    /// Once a second: a notice a few seconds old at `now` goes, and other processes' writes
    /// are read. Returns whether anything on screen may have changed.
    pub fn tick(&mut self, now: Instant) -> bool {
        let expired = self.status.expire(now);
        self.update_presence(now);
        self.poll_database() || expired
    }

    /// Hands `write` to the writer; its answer comes back through [`App::apply_writes`].
    pub(super) fn write(&mut self, write: Write) {
        self.writer.send(write);
    }

    /// Rung when the writer has answers for [`App::apply_writes`].
    pub fn writes_ready(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.writer.wake()
    }

    /// Takes the writer's answers that are ready; returns whether there were any.
    pub fn apply_writes(&mut self) -> bool {
        let mut any = false;
        while let Some(written) = self.writer.try_next() {
            self.on_written(written);
            any = true;
        }
        any
    }

    /// Waits until everything asked of the writer is written, and takes the answers: before
    /// quitting, and in tests that read the database after a key.
    /// One look at the database as the inbox goes (on PostgreSQL, a round trip of at most a
    /// few seconds): a server that stopped answering is then known to every connection of
    /// this inbox, whose last writes give up on it at once.
    pub fn look_before_leaving(&self) {
        if let Err(error) = self.store.data_version() {
            tracing::warn!(error = %error, "the database did not answer as the inbox closed");
        }
    }

    pub fn settle_writes(&mut self) {
        while let Some(written) = self.writer.wait_next() {
            self.on_written(written);
        }
    }

    /// [`App::settle_writes`], and the reads under way on threads of their own (a file
    /// checked, the catalogue) taken too, each waited on for up to `within`: what a screen
    /// shows once nothing is left to come.
    pub fn settle(&mut self, within: std::time::Duration) {
        self.settle_writes();
        while let Some(read) = self.writer.wait_for_reads(within) {
            self.on_written(read);
        }
    }

    /// Marks a conversation read, once while the write is under way.
    pub(super) fn mark_read(&mut self, conversation_id: &ConversationId) {
        if self.list.marking_read.insert(conversation_id.to_owned()) {
            self.write(Write::MarkRead {
                conversation_id: conversation_id.to_owned(),
            });
        }
    }

    pub(super) fn data_version(&self) -> i64 {
        self.data_version
    }

    pub(super) fn ask_engine(&self, command: EngineCommand) {
        if let Some(engine) = &self.engine {
            let _ = engine.send(command);
        }
    }

    pub(super) fn report_error(&mut self, result: crate::store::Result<()>) -> bool {
        self.report_value(result).is_some()
    }

    /// The value, or `None` with the database error in the status line.
    pub(super) fn report_value<T>(&mut self, result: crate::store::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) if error.unreachable() => {
                tracing::warn!(error = %error, "the database cannot be reached");
                self.database_down();
                self.say(self.tr.t(S::NotDoneNoDatabase).to_owned());
                None
            }
            Err(error) => {
                tracing::error!(error = %error, "database");
                self.say(crate::problems::store_words(self.tr, &error));
                None
            }
        }
    }

    /// A read for what the screen shows (the list under the cursor, its counts): the database
    /// out of reach is said by the status line alone, the screen keeping what it shows.
    fn report_read<T>(&mut self, result: crate::store::Result<T>) -> Option<T> {
        match result {
            Err(error) if error.unreachable() => {
                tracing::warn!(error = %error, "the database cannot be reached");
                self.database_down();
                None
            }
            result => self.report_value(result),
        }
    }

    /// A write staff did not ask for (a draft kept, a read mark): the database out of reach is
    /// said by the status line alone, not as something staff did that was not done.
    pub(super) fn report_background(&mut self, result: crate::store::Result<()>) {
        match result {
            Err(error) if error.unreachable() => {
                tracing::warn!(error = %error, "the database cannot be reached");
                self.database_down();
            }
            result => {
                self.report_error(result);
            }
        }
    }

    /// The database cannot be reached: the screen keeps what it shows, the status line says so
    /// until a read succeeds again.
    pub(super) fn database_down(&mut self) {
        self.status.database_down = Some(self.store.database_at());
    }

    pub fn list_query(&self) -> ListQuery {
        self.list.query(self.sidebar.page_id())
    }

    /// The terminal is `width` x `height` now: as many list rows as fit are read.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Rect::new(0, 0, width, height);
        self.reload();
    }

    /// Reads everything shown again from the database.
    pub fn reload(&mut self) {
        // Nothing read when the database cannot be: every pane keeps what it shows.
        match self.store.data_version() {
            Ok(version) => {
                self.data_version = version;
                // Back: the drafts it did not take are written again.
                if self.status.database_down.take().is_some() {
                    self.retry_unsaved_drafts();
                }
            }
            Err(error) => {
                tracing::warn!(error = %error, "cannot read the database");
                self.database_down();
                return;
            }
        }
        self.load_pages();
        self.load_team();
        // The page rows decide the banners, and so how many list rows fit.
        self.list.capacity = self.list_capacity_at(self.size);
        self.load_counts();
        self.keep_selection_on_open_conversation();
        self.load_list();
        self.refresh_open();
        self.load_orders();
    }

    /// New conversations move the list under the cursor: keep it on the conversation shown.
    /// One that left the list (marked done, here or in another inbox) and is only looked at
    /// gives way to the one now under the cursor; one staff are reading or answering stays.
    fn keep_selection_on_open_conversation(&mut self) {
        let Some(id) = self.chat.open.as_ref().map(|o| o.conversation.id.clone()) else {
            return;
        };
        match self.store.position_in(&self.list_query(), &id) {
            Ok(Some(position)) => self.list.selected = position,
            Ok(None) if matches!(self.focus, Pane::List | Pane::Sidebar) => {
                self.chat.open = None;
                self.chat.highlight = None;
            }
            _ => {}
        }
    }

    fn load_pages(&mut self) {
        // The pages as they were shown stay when they cannot be read.
        let stored = match self.store.pages() {
            Ok(stored) => stored,
            Err(error) if error.unreachable() => return self.database_down(),
            Err(error) => {
                self.report_error(Err(error));
                return;
            }
        };
        let unread: HashMap<PageId, usize> = self
            .store
            .unread_by_page()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let mut pages = Vec::new();
        // Webhooks are live only for the engine that receives them: one that does not (an
        // inbox's, after `serve` stopped) polls, and the status line says so.
        let received = self
            .store
            .engine_receives_webhooks(self.now())
            .unwrap_or(false);
        let syncing: Vec<PageId> = self
            .sidebar
            .pages
            .iter()
            .filter(|p| p.syncing)
            .map(|p| p.id.clone())
            .collect();
        for (id, configured_name) in &self.settings.pages {
            let from_facebook = stored.iter().find(|p| &p.id == id).map(|p| p.name.as_str());
            let name =
                crate::model::page_name(configured_name.as_deref(), from_facebook, id.as_str());
            pages.push(PageEntry {
                id: id.clone(),
                name,
                unread: unread.get(id).copied().unwrap_or(0),
                spam_sync: match self.sidebar.switch_in_flight(id, PageSwitch::SpamSync) {
                    Some(on) => on,
                    None => self.store.spam_sync(id).unwrap_or(false),
                },
                phone_hiding: match self.sidebar.switch_in_flight(id, PageSwitch::PhoneHiding) {
                    Some(on) => on,
                    None => self
                        .store
                        .phone_hiding(id)
                        .ok()
                        .flatten()
                        .unwrap_or(self.settings.hide_phone_numbers),
                },
                sync: self.store.page_sync(id).unwrap_or_default(),
                syncing: syncing.contains(id),
                waiting: self.store.waiting_spam(id).unwrap_or_default(),
                human_agent_refused: self.store.human_agent_refused(id).unwrap_or(false),
                comments_problem: self.store.comments_problem(id).ok().flatten(),
                webhooks: match received {
                    true => self.store.webhook_state(id).unwrap_or_default(),
                    false => WebhookState::default(),
                },
            });
        }
        self.sidebar.replace_pages(pages);
    }

    /// How many conversations each filter holds on the page shown: read when data or the page
    /// changes, not on every move.
    pub(super) fn load_counts(&mut self) {
        let scope = self.list_query();
        if let Some(counts) = self.report_read(self.store.filter_counts_in(&scope)) {
            self.list.counts = counts;
        }
    }

    /// The screenful of the list around the selection: the only rows read.
    fn load_list(&mut self) {
        let (top, capacity) = self.list.window();
        let query = self.list_query();
        if let Some(rows) = self.report_read(self.store.conversation_window(&query, top, capacity))
        {
            self.list.rows = rows;
        }
    }

    pub fn selected_conversation(&self) -> Option<&ConversationRow> {
        self.list.selected_row()
    }

    /// The chat shows the selected conversation (without marking it read: that is opening).
    fn show_selected(&mut self) {
        let selected = self.selected_conversation().map(|c| c.id.clone());
        let current = self.chat.open.as_ref().map(|o| o.conversation.id.clone());
        if selected == current {
            return;
        }
        self.save_draft();
        if let Some(open) = self.chat.open.take() {
            let draft = self.chat.compose.lines().join("\n");
            self.chat.keep_shown(open, draft);
        }
        self.chat.highlight = None;
        if let Some(id) = selected {
            self.show_conversation(&id);
        }
    }

    fn show_conversation(&mut self, id: &ConversationId) {
        let read = self
            .store
            .conversation(id)
            .and_then(|conversation| match conversation {
                Some(conversation) => Ok(Some((conversation, self.store.messages(id)?))),
                None => Ok(None),
            });
        let (conversation, messages) = match read {
            Ok(Some(read)) => {
                // Read anew: what was kept of it is older, its reply box's words too.
                self.chat.forget_shown(id);
                read
            }
            Ok(None) => return,
            // Passing over the list is no action left undone: the status line says the
            // database is out of reach, and a conversation shown lately shows as it was read,
            // without asking the database for more (each ask waits for a silent server).
            Err(error) if error.unreachable() => {
                self.report_read::<()>(Err(error));
                if let Some((open, draft)) = self.chat.shown_before(id) {
                    let draft = self.chat.drafts_in_flight.get(id).cloned().unwrap_or(draft);
                    self.put_in_reply_box(&draft);
                    self.chat.picker_dismissed = false;
                    self.chat.open = Some(Open {
                        shown_at: std::time::Instant::now(),
                        ..open
                    });
                }
                return;
            }
            Err(error) => {
                self.report_error(Err(error));
                return;
            }
        };
        let new_from = first_unread(&messages, conversation.unread_count);
        let draft = match self.chat.drafts_in_flight.get(id) {
            Some(text) => text.clone(),
            None => self.store.draft(id).ok().flatten().unwrap_or_default(),
        };
        self.put_in_reply_box(&draft);
        self.chat.picker_dismissed = false;
        // Files attached before, in this inbox or a closed one.
        if !self.chat.attached.contains_key(id) {
            let files = self.store.draft_files(id).ok().unwrap_or_default();
            self.chat.attached.insert(id.to_owned(), files);
        }
        self.chat.open = Some(Open {
            conversation,
            messages,
            new_from,
            scroll: 0,
            others: Vec::new(),
            shown_at: std::time::Instant::now(),
            under_post: self.under_post(id),
        });
        // A picture that could not be had is asked for again when its conversation is opened
        // anew (Facebook may have been down).
        self.pictures
            .retain(|_, state| !matches!(state, super::pictures::PictureState::Failed(_)));
        self.want_pictures();
        self.load_others();
    }

    /// The reply box holds `text`, the cursor after its last word.
    pub(super) fn put_in_reply_box(&mut self, text: &str) {
        self.chat.compose = TextArea::from(text.lines());
        self.chat
            .compose
            .move_cursor(ratatui_textarea::CursorMove::Bottom);
        self.chat
            .compose
            .move_cursor(ratatui_textarea::CursorMove::End);
    }

    /// Keeps the drafts the database has not taken on disk (`failed`: one was just refused),
    /// until it has taken them all: what staff typed outlives the inbox.
    pub(super) fn keep_unsaved_drafts(&mut self, failed: bool) {
        if !failed && !self.drafts_on_disk {
            return;
        }
        match self.unsaved_drafts.keep(&self.chat.drafts_in_flight) {
            Ok(()) => self.drafts_on_disk = !self.chat.drafts_in_flight.is_empty(),
            Err(error) => {
                tracing::error!(error = %error, "drafts not saved could not be kept on disk");
                self.say(self.tr.f(S::DraftsNotKept, &[&error]));
            }
        }
    }

    /// How many drafts wait on this machine's disk for the database.
    pub fn drafts_kept_on_disk(&self) -> usize {
        match self.drafts_on_disk {
            true => self.chat.drafts_in_flight.len(),
            false => 0,
        }
    }

    /// Writes again the drafts the database did not take (kept on disk meanwhile): once it
    /// takes them, they leave the disk.
    fn retry_unsaved_drafts(&mut self) {
        if !self.drafts_on_disk {
            return;
        }
        let drafts: Vec<(ConversationId, String)> = self
            .chat
            .drafts_in_flight
            .iter()
            .map(|(id, text)| (id.clone(), text.clone()))
            .collect();
        for (conversation_id, text) in drafts {
            self.write(Write::Draft {
                conversation_id,
                text,
            });
        }
    }

    /// Saves the reply box of the open conversation in the database, if it changed, so that
    /// what staff typed survives leaving the conversation, closing the inbox or a crash.
    pub fn save_draft(&mut self) {
        self.save_order_draft();
        if !self.chat.draft_unsaved {
            return;
        }
        if let Some(id) = self.chat.open.as_ref().map(|o| o.conversation.id.clone()) {
            let text = self.chat.compose.lines().join("\n");
            self.chat.drafts_in_flight.insert(id.clone(), text.clone());
            self.write(Write::Draft {
                conversation_id: id,
                text,
            });
            self.chat.draft_unsaved = false;
        }
    }

    /// What the chat shows above a thread of comments: its post, and what the page may do.
    fn under_post(&self, id: &ConversationId) -> Option<UnderPost> {
        let post = self.store.post_of(id).ok().flatten()?;
        Some(UnderPost {
            post,
            moderation_refused: self.store.moderation_refused(id).ok().flatten(),
            private_refusal: self
                .store
                .private_reply_refusal(id, self.now())
                .ok()
                .flatten(),
        })
    }

    fn refresh_open(&mut self) {
        let Some(id) = self.chat.open.as_ref().map(|o| o.conversation.id.clone()) else {
            self.show_selected();
            return;
        };
        let conversation = self.store.conversation(&id).ok().flatten();
        let messages = self.store.messages(&id).ok();
        // A post the webhook stored bare gets its words and picture from the next poll.
        let under_post = self.under_post(&id);
        if let (Some(open), Some(conversation), Some(messages)) =
            (self.chat.open.as_mut(), conversation, messages)
        {
            open.conversation = conversation;
            open.messages = messages;
            open.under_post = under_post;
        }
        self.want_pictures();
        self.load_others();
        // Staff reading the conversation read what arrives in it.
        if self.focus == Pane::Compose
            && let Some(open) = &self.chat.open
            && open.conversation.unread_count > 0
        {
            let id = open.conversation.id.clone();
            self.mark_read(&id);
        }
    }

    /// Opening a conversation marks it read and puts the cursor in the reply box.
    pub(super) fn open_selected_conversation(&mut self) {
        self.show_selected();
        let Some(open) = self.chat.open.as_ref() else {
            return;
        };
        let (id, page_id) = (
            open.conversation.id.clone(),
            open.conversation.page_id.clone(),
        );
        let was_unread = open.conversation.unread_count > 0;
        self.focus = Pane::Compose;
        if !was_unread {
            return;
        }
        self.mark_read(&id);
        // Exactly one conversation fewer is unread: the counts say so at once; the list shows
        // it when the writer has written it.
        self.list.counts.unread = self.list.counts.unread.saturating_sub(1);
        for page in self.sidebar.pages.iter_mut().filter(|p| p.id == page_id) {
            page.unread = page.unread.saturating_sub(1);
        }
    }

    pub(super) fn select_index(&mut self, index: usize) {
        self.list.selected = index.min(self.list.total().saturating_sub(1));
        self.load_list();
        self.show_selected();
    }

    /// Shows another page or filter, from its newest conversation.
    pub(super) fn page_and_filter(&mut self, page: Option<usize>, filter: Filter) {
        if page == self.sidebar.page && filter == self.list.filter {
            return;
        }
        if filter != Filter::Unreplied {
            self.list.order = Order::Newest;
        }
        let page_changed = page != self.sidebar.page;
        self.sidebar.page = page;
        self.list.filter = filter;
        if page_changed {
            self.load_counts();
        }
        self.list.back_to_top();
        self.load_list();
        self.show_selected();
    }

    /// Lists the Unreplied conversations longest waiting first, or back to newest first.
    pub(super) fn toggle_longest_waiting(&mut self) {
        if self.list.order == Order::LongestWaiting {
            self.list.order = Order::Newest;
        } else {
            self.page_and_filter(self.sidebar.page, Filter::Unreplied);
            self.list.order = Order::LongestWaiting;
        }
        self.list.back_to_top();
        self.load_list();
        self.show_selected();
    }

    /// The sidebar's item under its cursor.
    pub fn sidebar_cursor(&self) -> usize {
        self.sidebar
            .cursor(self.focus == Pane::Sidebar, self.list.filter)
    }

    /// Shows what sidebar item `item` stands for.
    pub(super) fn sidebar_pick(&mut self, item: usize) {
        match self.sidebar.item(item) {
            Some(SidebarItem::Page(page)) => {
                self.sidebar.on_filters = false;
                self.page_and_filter(page, self.list.filter);
            }
            Some(SidebarItem::Filter(filter)) => {
                self.sidebar.on_filters = true;
                self.page_and_filter(self.sidebar.page, filter);
            }
            None => {}
        }
    }

    /// A click on a line of the sidebar.
    pub(super) fn click_sidebar(&mut self, line: usize) {
        if let Some(item) = self.sidebar.item_on_line(line) {
            self.sidebar_pick(item);
        }
    }
}

/// Index of the first of the last `unread` customer messages.
fn first_unread(messages: &[MessageRow], unread: i64) -> Option<usize> {
    if unread <= 0 {
        return None;
    }
    let mut remaining = unread;
    for (index, message) in messages.iter().enumerate().rev() {
        if message.direction == Direction::In {
            remaining -= 1;
            if remaining == 0 {
                return Some(index);
            }
        }
    }
    messages.iter().position(|m| m.direction == Direction::In)
}
