//! The inbox's writes (drafts, read marks, replies into the outbox, spam-sync switches) on a
//! thread of their own with its own connection, and the disk work of attaching a file (a
//! folder listed there; a file checked on a thread of its own, so that a file slow to read
//! holds up no write) and of the team's numbers. The engine can hold the database's write lock
//! for a while (a first sync stores thousands of conversations, and SQLite lets one writer in
//! at a time): a key must never wait for it. Writes are made in the order asked; each answer
//! comes back to the inbox, which wakes on it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use std::path::PathBuf;

use crate::files::{FileProblem, OutgoingFile};
use crate::model::{ConversationId, Moderation, PageId, PageSwitch};
use crate::orders::OrderRefusal;
use crate::orders::catalogue::{Catalogue, CatalogueError};
use crate::orders::draft::OrderDraft;
use crate::store::orders::{NewOrder, Order, OrderMove};
use crate::store::{Result, Store, StoreError, TakeBack};

/// What the inbox asks to be stored.
#[derive(Debug, Clone)]
pub enum Write {
    Draft {
        conversation_id: ConversationId,
        text: String,
    },
    MarkRead {
        conversation_id: ConversationId,
    },
    /// Hide a thread's comments (`hidden`), or show them again: the engine does it on Facebook.
    Moderate {
        conversation_id: ConversationId,
        moderation: Moderation,
        at: DateTime<Utc>,
    },
    /// A reply into the outbox (its draft goes with it), as typed at `at`, with its files.
    Reply {
        conversation_id: ConversationId,
        text: String,
        files: Vec<OutgoingFile>,
        at: DateTime<Utc>,
        /// A thread of comments answered privately in Messenger, not in public.
        privately: bool,
    },
    /// The files attached to a conversation's reply, kept like its draft.
    DraftFiles {
        conversation_id: ConversationId,
        files: Vec<OutgoingFile>,
    },
    /// List a folder, for the attach picker.
    ListFolder {
        folder: PathBuf,
    },
    /// Read the team's numbers: a read of every message of the period, too long for a key to
    /// wait on.
    Stats {
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        zone: chrono::FixedOffset,
    },
    Retry {
        message_id: i64,
        at: DateTime<Utc>,
    },
    /// This inbox shows a conversation (and whether staff type there), or none.
    Presence {
        instance: String,
        shown: Option<(ConversationId, bool)>,
        at: DateTime<Utc>,
    },
    /// Take a reply back; `edit`: to put its text in the reply box.
    TakeBack {
        conversation_id: ConversationId,
        message_id: i64,
        edit: bool,
        at: DateTime<Utc>,
    },
    Switch {
        page_id: PageId,
        switch: PageSwitch,
        on: bool,
    },
    /// Meta approved the Human Agent permission: the page's late replies go tagged again.
    TagAgain {
        page_id: PageId,
    },
    /// Mark a conversation done, or take it back.
    Done {
        conversation_id: ConversationId,
        done: bool,
        at: DateTime<Utc>,
    },
    /// A change to what the team shares.
    Team {
        change: TeamChange,
        at: DateTime<Utc>,
    },
    Order(Box<OrderWrite>),
}

/// What the inbox asks of orders.
#[derive(Debug, Clone)]
pub enum OrderWrite {
    /// Keep the form's draft, written on its version `seen`, then the order it makes (which
    /// takes the draft away).
    Save {
        order: NewOrder,
        draft: OrderDraft,
        seen: i64,
        at: DateTime<Utc>,
    },
    /// Keep the form's draft, written on its version `seen`; `None` throws it away.
    Draft {
        conversation_id: ConversationId,
        draft: Option<OrderDraft>,
        seen: i64,
        at: DateTime<Utc>,
    },
    Move {
        id: i64,
        change: OrderMove,
        at: DateTime<Utc>,
    },
    /// The order's `on_confirm` command again.
    HookAgain { id: i64 },
}

/// What became of an order write.
#[derive(Debug)]
pub enum OrderWritten {
    /// The order as kept, or why not; the draft it was saved from.
    Saved {
        conversation_id: ConversationId,
        draft: OrderDraft,
        result: Result<Box<Order>>,
    },
    /// The version the draft was kept at.
    Draft {
        conversation_id: ConversationId,
        draft: Option<OrderDraft>,
        result: Result<i64>,
    },
    Moved {
        id: i64,
        result: Result<Order>,
    },
    /// Whether it was put back to run.
    HookAgain {
        id: i64,
        result: Result<bool>,
    },
}

impl OrderWrite {
    fn apply(self, store: &mut Store) -> OrderWritten {
        match self {
            OrderWrite::Save {
                order,
                draft,
                seen,
                at,
            } => {
                let conversation_id = order.conversation_id.clone();
                let result = store
                    .save_order_draft(&conversation_id, Some(&draft), seen, at)
                    .and_then(|kept| store.create_order_from(&order, Some(kept), at))
                    .and_then(|id| {
                        store
                            .order(id)?
                            .map(Box::new)
                            .ok_or(StoreError::Order(OrderRefusal::NoOrder(id)))
                    });
                OrderWritten::Saved {
                    conversation_id,
                    draft,
                    result,
                }
            }
            OrderWrite::Draft {
                conversation_id,
                draft,
                seen,
                at,
            } => OrderWritten::Draft {
                result: store.save_order_draft(&conversation_id, draft.as_ref(), seen, at),
                conversation_id,
                draft,
            },
            OrderWrite::Move { id, change, at } => OrderWritten::Moved {
                result: store.move_order(id, &change, at),
                id,
            },
            OrderWrite::HookAgain { id } => OrderWritten::HookAgain {
                result: store.rerun_order_hook(id),
                id,
            },
        }
    }

    fn failed(self) -> OrderWritten {
        match self {
            OrderWrite::Save { order, draft, .. } => OrderWritten::Saved {
                conversation_id: order.conversation_id,
                draft,
                result: Err(StoreError::WriterStopped),
            },
            OrderWrite::Draft {
                conversation_id,
                draft,
                ..
            } => OrderWritten::Draft {
                conversation_id,
                draft,
                result: Err(StoreError::WriterStopped),
            },
            OrderWrite::Move { id, .. } => OrderWritten::Moved {
                id,
                result: Err(StoreError::WriterStopped),
            },
            OrderWrite::HookAgain { id } => OrderWritten::HookAgain {
                id,
                result: Err(StoreError::WriterStopped),
            },
        }
    }
}

/// What staff change of labels, assignment and notes.
#[derive(Debug, Clone)]
pub enum TeamChange {
    /// A new label, put on the conversation `on` when there is one.
    CreateLabel {
        name: String,
        on: Option<ConversationId>,
    },
    Label {
        conversation_id: ConversationId,
        label_id: i64,
        on: bool,
    },
    RenameLabel {
        label_id: i64,
        name: String,
    },
    RecolourLabel {
        label_id: i64,
        colour: crate::model::LabelColour,
    },
    DeleteLabel {
        label_id: i64,
        /// Its name when staff deleted it: what is said once it is gone (the catalogue read
        /// again meanwhile no longer has it).
        name: String,
    },
    Assign {
        conversation_id: ConversationId,
        staff: Option<String>,
    },
    Note {
        conversation_id: ConversationId,
        text: String,
    },
}

impl TeamChange {
    /// Makes the change; how many conversations a deleted label was on (else 0).
    fn apply(&self, store: &mut Store, at: DateTime<Utc>) -> Result<usize> {
        match self {
            TeamChange::CreateLabel { name, on } => {
                let label = store.create_label(name, None, at)?;
                if let Some(conversation_id) = on {
                    store.set_label(conversation_id, label.id, true, at)?;
                }
                Ok(0)
            }
            TeamChange::Label {
                conversation_id,
                label_id,
                on,
            } => store
                .set_label(conversation_id, *label_id, *on, at)
                .map(|_| 0),
            TeamChange::RenameLabel { label_id, name } => {
                store.rename_label(*label_id, name).map(|_| 0)
            }
            TeamChange::RecolourLabel { label_id, colour } => {
                store.recolour_label(*label_id, *colour).map(|_| 0)
            }
            TeamChange::DeleteLabel { label_id, .. } => store.delete_label(*label_id),
            TeamChange::Assign {
                conversation_id,
                staff,
            } => store
                .assign(conversation_id, staff.as_deref(), at)
                .map(|_| 0),
            TeamChange::Note {
                conversation_id,
                text,
            } => store.add_note(conversation_id, text, at).map(|_| 0),
        }
    }
}

/// What became of a write.
#[derive(Debug)]
pub enum Written {
    Stats {
        result: Result<crate::store::Stats>,
    },
    Draft {
        conversation_id: ConversationId,
        text: String,
        result: Result<()>,
    },
    MarkRead {
        conversation_id: ConversationId,
        result: Result<()>,
    },
    /// How many comments are to be hidden or shown again.
    /// How many comments were asked for.
    Moderate {
        moderation: Moderation,
        result: Result<usize>,
    },
    /// The rows of the reply's parts in the outbox, in order, or why they are not there: its
    /// text and files come back to be kept.
    Reply {
        conversation_id: ConversationId,
        text: String,
        files: Vec<OutgoingFile>,
        result: Result<Vec<i64>>,
        /// Its storing was cut off and the database could not be asked since: it may be in the
        /// outbox, to be sent once, or not.
        maybe_stored: bool,
    },
    FileChecked {
        conversation_id: ConversationId,
        result: std::result::Result<OutgoingFile, FileProblem>,
    },
    /// The catalogue read again (`None`: unchanged since it was read).
    Catalogue {
        result: std::result::Result<Option<Catalogue>, CatalogueError>,
    },
    DraftFiles {
        result: Result<()>,
    },
    /// A folder's entries (name, whether a folder), or why it cannot be read.
    Folder {
        folder: PathBuf,
        result: std::result::Result<Vec<(String, bool)>, String>,
    },
    /// Whether the reply was put back in the outbox.
    Retry {
        message_id: i64,
        result: Result<bool>,
    },
    Switch {
        page_id: PageId,
        switch: PageSwitch,
        on: bool,
        result: Result<()>,
    },
    /// Whether the page was marked refused.
    TagAgain {
        page_id: PageId,
        result: Result<bool>,
    },
    TakeBack {
        conversation_id: ConversationId,
        edit: bool,
        result: Result<TakeBack>,
    },
    Presence {
        result: Result<()>,
    },
    Done {
        conversation_id: ConversationId,
        done: bool,
        result: Result<bool>,
    },
    Team {
        change: TeamChange,
        result: Result<usize>,
    },
    Order(Box<OrderWritten>),
}

impl Write {
    fn apply(self, store: &mut Store) -> Written {
        match self {
            Write::Draft {
                conversation_id,
                text,
            } => Written::Draft {
                result: store.save_draft(&conversation_id, &text),
                conversation_id,
                text,
            },
            Write::MarkRead { conversation_id } => Written::MarkRead {
                result: store.mark_read(&conversation_id),
                conversation_id,
            },
            Write::Moderate {
                conversation_id,
                moderation,
                at,
            } => Written::Moderate {
                moderation,
                result: store.moderate_thread(&conversation_id, moderation, at),
            },
            Write::Reply {
                conversation_id,
                text,
                files,
                at,
                privately,
            } => {
                let stored = match privately {
                    true => store
                        .enqueue_private_reply(&conversation_id, &text, at)
                        .map(|id| vec![id]),
                    false => store.enqueue_reply_with_files(&conversation_id, &text, &files, at),
                };
                let (result, maybe_stored) = match stored {
                    // The connection went while the reply was being stored, perhaps after its
                    // commit went through: the database is asked, so that a stored reply is
                    // not handed back to be sent again (it would go twice).
                    Err(error) if error.unreachable() => {
                        match store.reply_stored_at(&conversation_id, &text, at) {
                            Ok(ids) if !ids.is_empty() => (Ok(ids), false),
                            Ok(_) => (Err(error), false),
                            Err(_) => (Err(error), true),
                        }
                    }
                    stored => (stored, false),
                };
                Written::Reply {
                    result,
                    maybe_stored,
                    conversation_id,
                    text,
                    files,
                }
            }
            Write::DraftFiles {
                conversation_id,
                files,
            } => Written::DraftFiles {
                result: store.save_draft_files(&conversation_id, &files),
            },
            Write::Stats { since, until, zone } => Written::Stats {
                result: store.stats(since, until, zone),
            },
            Write::ListFolder { folder } => Written::Folder {
                result: list_folder(&folder),
                folder,
            },
            Write::Retry { message_id, at } => Written::Retry {
                result: store.retry_reply(message_id, at),
                message_id,
            },
            Write::Switch {
                page_id,
                switch,
                on,
            } => Written::Switch {
                result: match switch {
                    PageSwitch::SpamSync => store.set_spam_sync(&page_id, on),
                    PageSwitch::PhoneHiding => store.set_phone_hiding(&page_id, on),
                },
                page_id,
                switch,
                on,
            },
            Write::TagAgain { page_id } => Written::TagAgain {
                result: store.lift_human_agent_refusal(&page_id),
                page_id,
            },
            Write::Done {
                conversation_id,
                done,
                at,
            } => Written::Done {
                result: store.mark_done(&conversation_id, done, at),
                conversation_id,
                done,
            },
            Write::Team { change, at } => Written::Team {
                result: change.apply(store, at),
                change,
            },
            Write::Order(write) => Written::Order(Box::new(write.apply(store))),
            Write::Presence {
                instance,
                shown,
                at,
            } => Written::Presence {
                result: store.set_presence(
                    &instance,
                    shown.as_ref().map(|(id, typing)| (id, *typing)),
                    at,
                ),
            },
            Write::TakeBack {
                conversation_id,
                message_id,
                edit,
                at,
            } => Written::TakeBack {
                result: store.take_back_reply(message_id, at),
                conversation_id,
                edit,
            },
        }
    }

    /// The write's answer when it could not be made at all.
    fn failed(self) -> Written {
        let stopped = || Err(StoreError::WriterStopped);
        match self {
            Write::Draft {
                conversation_id,
                text,
            } => Written::Draft {
                conversation_id,
                text,
                result: stopped(),
            },
            Write::MarkRead { conversation_id } => Written::MarkRead {
                conversation_id,
                result: stopped(),
            },
            Write::Moderate { moderation, .. } => Written::Moderate {
                moderation,
                result: Err(StoreError::WriterStopped),
            },
            Write::Reply {
                conversation_id,
                text,
                files,
                ..
            } => Written::Reply {
                conversation_id,
                text,
                files,
                result: Err(StoreError::WriterStopped),
                maybe_stored: false,
            },
            Write::ListFolder { folder } => Written::Folder {
                folder,
                result: Err(StoreError::WriterStopped.to_string()),
            },
            Write::Stats { .. } => Written::Stats {
                result: Err(StoreError::WriterStopped),
            },
            Write::DraftFiles { .. } => Written::DraftFiles { result: stopped() },
            Write::Retry { message_id, .. } => Written::Retry {
                message_id,
                result: Err(StoreError::WriterStopped),
            },
            Write::Switch {
                page_id,
                switch,
                on,
            } => Written::Switch {
                page_id,
                switch,
                on,
                result: stopped(),
            },
            Write::TagAgain { page_id } => Written::TagAgain {
                page_id,
                result: Err(StoreError::WriterStopped),
            },
            Write::Presence { .. } => Written::Presence { result: stopped() },
            Write::Order(write) => Written::Order(Box::new(write.failed())),
            Write::Team { change, .. } => Written::Team {
                change,
                result: Err(StoreError::WriterStopped),
            },
            Write::Done {
                conversation_id,
                done,
                ..
            } => Written::Done {
                conversation_id,
                done,
                result: Err(StoreError::WriterStopped),
            },
            Write::TakeBack {
                conversation_id,
                edit,
                ..
            } => Written::TakeBack {
                conversation_id,
                edit,
                result: Err(StoreError::WriterStopped),
            },
        }
    }
}

/// A folder's entries for the attach picker: folders and files, hidden ones left out, folders
/// first, then by name.
fn list_folder(folder: &std::path::Path) -> std::result::Result<Vec<(String, bool)>, String> {
    let entries = std::fs::read_dir(folder).map_err(|e| e.to_string())?;
    let mut listed: Vec<(String, bool)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().to_str()?.to_owned();
            let is_folder = entry.path().is_dir();
            (!name.starts_with('.')).then_some((name, is_folder))
        })
        .collect();
    listed.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(listed)
}

/// The inbox's end of the writing thread.
pub struct Writer {
    queue: Sender<Write>,
    answers: Receiver<Written>,
    /// Rung after each answer, for the inbox's event loop.
    wake: Arc<Notify>,
    /// Asked and not yet answered, oldest first (answers come in the same order). Kept so that
    /// if the thread ever dies, each comes back failed, a reply's text with it.
    outstanding: VecDeque<Write>,
    /// Answers made here, for writes the thread can no longer take.
    undone: VecDeque<Written>,
    /// Reads each on a thread of its own (see [`Writer::check_file`]), and how many are under
    /// way.
    checks: Sender<Written>,
    checked: Receiver<Written>,
    reading: usize,
}

impl Writer {
    /// Starts the thread, writing with `store` (a connection of its own).
    pub fn start(mut store: Store) -> Writer {
        let (queue, writes) = channel::<Write>();
        let (answer, answers) = channel();
        let wake = Arc::new(Notify::new());
        let ring = wake.clone();
        let (checks, checked) = channel();
        let spawned = std::thread::Builder::new()
            .name("pagedesk-writer".into())
            .spawn(move || {
                for write in writes {
                    if answer.send(write.apply(&mut store)).is_err() {
                        return;
                    }
                    ring.notify_one();
                }
            });
        if let Err(error) = spawned {
            // Every write will come back failed and said so; nothing typed is lost.
            tracing::error!(error = %error, "cannot start the database writer");
        }
        Writer {
            queue,
            answers,
            wake,
            outstanding: VecDeque::new(),
            undone: VecDeque::new(),
            checks,
            checked,
            reading: 0,
        }
    }

    /// Checks a file staff attach to a conversation's reply, as Facebook would take it, on a
    /// thread of its own: reading it (up to 25 MB, from a disk that may be slow or stop
    /// answering) holds up no write, and quitting waits for no check. Its answer comes with
    /// the writes' answers.
    pub fn check_file(&mut self, conversation_id: ConversationId, path: PathBuf) {
        let asked = (conversation_id.clone(), path.clone());
        self.on_a_thread_of_its_own(
            "pagedesk-attach",
            move || Written::FileChecked {
                result: OutgoingFile::check(&path),
                conversation_id,
            },
            move |error| Written::FileChecked {
                conversation_id: asked.0,
                result: Err(FileProblem::Unreadable {
                    path: asked.1.display().to_string(),
                    why: error.to_string(),
                }),
            },
        );
    }

    /// Reads the shop's catalogue again if the file changed since `read_at`, on a thread of
    /// its own, like a file check: a large file, or a disk slow to answer, holds up no key.
    pub fn read_catalogue(&mut self, path: PathBuf, read_at: Option<std::time::SystemTime>) {
        let asked = path.clone();
        self.on_a_thread_of_its_own(
            "pagedesk-catalogue",
            move || Written::Catalogue {
                result: Catalogue::read_if_changed(&path, read_at),
            },
            move |why| Written::Catalogue {
                result: Err(CatalogueError::Read { path: asked, why }),
            },
        );
    }

    /// `job` on a thread of its own, its answer coming with the writes' answers; `failed`
    /// answers instead if no thread can be started.
    fn on_a_thread_of_its_own(
        &mut self,
        name: &str,
        job: impl FnOnce() -> Written + Send + 'static,
        failed: impl FnOnce(std::io::Error) -> Written,
    ) {
        let (answer, ring) = (self.checks.clone(), self.wake.clone());
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                if answer.send(job()).is_ok() {
                    ring.notify_one();
                }
            });
        match spawned {
            Ok(_) => self.reading += 1,
            Err(error) => {
                self.undone.push_back(failed(error));
                self.wake.notify_one();
            }
        }
    }

    /// The next answer of a read on a thread of its own, waiting up to `within` for it;
    /// `None` when none is under way or it did not come.
    pub fn wait_for_reads(&mut self, within: std::time::Duration) -> Option<Written> {
        if self.reading == 0 {
            return None;
        }
        let read = self.checked.recv_timeout(within).ok()?;
        self.reading -= 1;
        Some(read)
    }

    pub fn send(&mut self, write: Write) {
        match self.queue.send(write.clone()) {
            Ok(()) => self.outstanding.push_back(write),
            Err(_) => self.give_up_on(write),
        }
    }

    fn give_up_on(&mut self, write: Write) {
        tracing::error!("the database writer stopped; a write comes back failed");
        self.undone.push_back(write.failed());
        self.wake.notify_one();
    }

    /// The thread is gone: what it had not answered comes back failed.
    fn writer_gone(&mut self) {
        while let Some(write) = self.outstanding.pop_front() {
            self.give_up_on(write);
        }
    }

    fn answered(&mut self, answer: Written) -> Written {
        self.outstanding.pop_front();
        answer
    }

    /// The next answer if one is ready.
    pub fn try_next(&mut self) -> Option<Written> {
        if let Some(undone) = self.undone.pop_front() {
            return Some(undone);
        }
        if let Ok(checked) = self.checked.try_recv() {
            self.reading -= 1;
            return Some(checked);
        }
        match self.answers.try_recv() {
            Ok(answer) => Some(self.answered(answer)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.writer_gone();
                self.undone.pop_front()
            }
        }
    }

    /// The next answer, waiting for it; `None` once every write is answered.
    pub fn wait_next(&mut self) -> Option<Written> {
        if let Some(undone) = self.undone.pop_front() {
            return Some(undone);
        }
        if self.outstanding.is_empty() {
            return None;
        }
        match self.answers.recv() {
            Ok(answer) => Some(self.answered(answer)),
            Err(_) => {
                self.writer_gone();
                self.undone.pop_front()
            }
        }
    }

    /// Rung when an answer is ready.
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}
