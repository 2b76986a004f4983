//! What the engine and the writer report, and other processes' writes: read again and say
//! what became of a reply.

use ratatui_textarea::TextArea;

use super::app::{App, Effect};
use super::writer::{Write, Written};
use crate::i18n::S;
use crate::model::{ConversationId, Moderation, PageSwitch, SendStatus};
use crate::store::{StoreError, TakeBack};
use crate::sync::{EngineCommand, SyncEvent};

impl App {
    /// The engine reported something: read again; ring for new customer messages; say what
    /// became of the reply staff just sent.
    pub fn on_sync_event(&mut self, event: &SyncEvent) {
        // A picture changes nothing in the database: nothing to read again.
        if let SyncEvent::Picture { key, picture } = event {
            self.on_picture(key, picture);
            return;
        }
        if let SyncEvent::Syncing { page_id } | SyncEvent::SyncStateChanged { page_id } = event {
            let started = matches!(event, SyncEvent::Syncing { .. });
            for page in self.sidebar.pages.iter_mut().filter(|p| &p.id == page_id) {
                page.syncing = started;
            }
        }
        match event {
            SyncEvent::Leading => self.status.standby = None,
            SyncEvent::Standby { pid, machine } => {
                self.status.standby = Some(self.tr.pid_on(*pid, machine.as_deref()))
            }
            SyncEvent::Stopped { reason } => self.status.engine_stopped = Some(reason.clone()),
            SyncEvent::ConfigRead {
                problem: Some(problem),
                ..
            } => self.say(self.tr.f(S::ConfigUnusable, &[problem])),
            SyncEvent::ConfigRead { restart_needed, .. } => self.say(
                self.tr
                    .t(if *restart_needed {
                        S::ConfigReadRestart
                    } else {
                        S::ConfigRead
                    })
                    .to_owned(),
            ),
            _ => {}
        }
        if let SyncEvent::PageChanged { news, .. } = event
            && news.customer_messages > 0
            && self.settings.notify
        {
            self.ask(Effect::Bell);
        }
        self.reload();
        if let SyncEvent::ReplyUpdated { message_id } = event
            && self.status.watched_reply == Some(*message_id)
        {
            self.report_reply(*message_id);
        }
    }

    /// The writer answered: say what became of the write, and read again.
    pub(super) fn on_written(&mut self, written: Written) {
        match written {
            Written::Draft {
                conversation_id,
                text,
                result,
            } => {
                // Kept in memory if it failed, and on disk: reopening the conversation shows
                // it, and an inbox opened later puts it back.
                if result.is_ok() && self.chat.drafts_in_flight.get(&conversation_id) == Some(&text)
                {
                    self.chat.drafts_in_flight.remove(&conversation_id);
                }
                self.keep_unsaved_drafts(result.is_err());
                self.report_background(result);
            }
            Written::MarkRead {
                conversation_id,
                result,
            } => {
                self.list.marking_read.remove(&conversation_id);
                self.report_background(result);
            }
            Written::Moderate { moderation, result } => {
                if let Some(asked) = self.report_value(result) {
                    let said = match (asked, moderation) {
                        (0, Moderation::Like) => S::NothingToLike,
                        (0, _) => S::NothingToModerate,
                        (_, Moderation::Hide) => S::HidingComments,
                        (_, Moderation::Show) => S::ShowingComments,
                        (_, Moderation::Like) => S::LikingComments,
                    };
                    self.say(self.tr.f(said, &[&asked]));
                }
            }
            Written::Reply {
                conversation_id,
                text,
                files,
                result,
                maybe_stored,
            } => match result {
                Ok(message_ids) => {
                    self.status.watch_reply(message_ids.last().copied());
                    self.say(self.tr.t(S::ReplyQueued).to_owned());
                    // In order: each part goes once those before it have.
                    for message_id in message_ids {
                        self.ask_engine(EngineCommand::Deliver(message_id));
                    }
                }
                Err(error) => {
                    if !files.is_empty() {
                        self.chat
                            .attached
                            .entry(conversation_id.clone())
                            .or_default()
                            .splice(0..0, files);
                        self.keep_attached(&conversation_id);
                    }
                    self.keep_unstored_reply(&conversation_id, text, &error, maybe_stored);
                }
            },
            Written::FileChecked {
                conversation_id,
                result,
            } => self.on_file_checked(conversation_id, result),
            Written::Folder { folder, result } => self.on_folder(folder, result),
            Written::Catalogue { result } => self.on_catalogue(result),
            Written::DraftFiles { result } => {
                self.report_error(result);
            }
            Written::Retry { message_id, result } => {
                if self.report_value(result) == Some(true) {
                    self.status.watch_reply(Some(message_id));
                    self.say(self.tr.t(S::Retrying).to_owned());
                    self.ask_engine(EngineCommand::Deliver(message_id));
                }
            }
            Written::Done {
                conversation_id,
                done,
                result,
            } => {
                if self.report_value(result).is_some() {
                    let name = self
                        .store_ref()
                        .conversation(&conversation_id)
                        .ok()
                        .flatten()
                        .map(|c| c.customer_name)
                        .unwrap_or_else(|| conversation_id.to_string());
                    let key = if done {
                        S::MarkedDone
                    } else {
                        S::MarkedNotDone
                    };
                    self.say(self.tr.f(key, &[&name]));
                    self.reload();
                }
            }
            Written::Team { change, result } => self.on_team_written(change, result),
            Written::Order(written) => self.on_order_written(*written),
            Written::Stats { result } => self.on_stats(result),
            Written::Switch {
                page_id,
                switch,
                on,
                result,
            } => {
                let key = (page_id, switch);
                if self.sidebar.switches_in_flight.get(&key) == Some(&on) {
                    self.sidebar.switches_in_flight.remove(&key);
                }
                let page_id = key.0;
                if self.report_error(result) {
                    let name = self.sidebar.pages.iter().find(|p| p.id == page_id);
                    let name = name.map_or(page_id.as_str(), |p| p.name.as_str());
                    let key = match (switch, on) {
                        (PageSwitch::SpamSync, true) => S::SpamSyncOn,
                        (PageSwitch::SpamSync, false) => S::SpamSyncOff,
                        (PageSwitch::PhoneHiding, true) => S::PhoneHidingOn,
                        (PageSwitch::PhoneHiding, false) => S::PhoneHidingOff,
                    };
                    self.say(self.tr.f(key, &[&name]));
                }
                self.reload();
            }
            Written::TagAgain { page_id, result } => {
                if let Some(lifted) = self.report_value(result) {
                    let name = self.sidebar.pages.iter().find(|p| p.id == page_id);
                    let name = name.map_or(page_id.as_str(), |p| p.name.as_str());
                    let key = if lifted {
                        S::TagAgain
                    } else {
                        S::TagNotRefused
                    };
                    self.say(self.tr.f(key, &[&name]));
                    self.reload();
                }
            }
            // Presence is a courtesy to other staff: a failure goes to the log, not the screen.
            Written::Presence { result } => {
                if let Err(error) = result {
                    tracing::warn!(error = %error, "cannot say which conversation is open");
                }
            }
            Written::TakeBack {
                conversation_id,
                edit,
                result,
            } => match self.report_value(result) {
                Some(TakeBack::Taken(text)) if edit => {
                    self.return_to_box(&conversation_id, text);
                    self.say(self.tr.t(S::ReplyBackInBox).to_owned());
                }
                Some(TakeBack::Checking(text)) if edit => {
                    self.return_to_box(&conversation_id, text);
                    self.say(self.tr.t(S::ReplyCheckingInBox).to_owned());
                }
                Some(TakeBack::Checking(_) | TakeBack::CheckingFile(_)) => {
                    self.say(self.tr.t(S::ReplyChecking).to_owned())
                }
                // A file taken back to edit goes back onto the reply.
                Some(TakeBack::TakenFile(file)) if edit => {
                    let showing = self
                        .chat
                        .open
                        .as_ref()
                        .is_some_and(|o| o.conversation.id == conversation_id);
                    if showing {
                        self.focus = super::app::Pane::Compose;
                    }
                    self.chat
                        .attached
                        .entry(conversation_id.clone())
                        .or_default()
                        .push(file);
                    self.keep_attached(&conversation_id);
                    self.say(self.tr.t(S::ReplyBackInBox).to_owned());
                }
                Some(TakeBack::Taken(_) | TakeBack::TakenFile(_)) => {
                    self.say(self.tr.t(S::ReplyTakenBack).to_owned())
                }
                Some(TakeBack::TooLate) => {
                    self.chat.private_answer.remove(&conversation_id);
                    self.say(self.tr.t(S::ReplyTooLate).to_owned())
                }
                Some(TakeBack::Gone) => {
                    self.chat.private_answer.remove(&conversation_id);
                    self.say(self.tr.t(S::NothingToTakeBack).to_owned())
                }
                None => {
                    self.chat.private_answer.remove(&conversation_id);
                }
            },
        }
        self.reload();
    }

    /// A reply's text goes back in the reply box, before anything typed there since.
    fn put_back_in_box(&mut self, text: String) {
        // Staff go on where the reply taken back ends.
        let last_row = text.lines().count().saturating_sub(1);
        let last_column = text.lines().last().map_or(0, |line| line.chars().count());
        let typed_since = self.chat.compose.lines().join("\n");
        let restored = if typed_since.trim().is_empty() {
            text
        } else {
            format!("{text}\n{typed_since}")
        };
        self.chat.compose = TextArea::from(restored.lines());
        self.chat
            .compose
            .move_cursor(ratatui_textarea::CursorMove::Jump(
                u16::try_from(last_row).unwrap_or(u16::MAX),
                u16::try_from(last_column).unwrap_or(u16::MAX),
            ));
        self.chat.draft_unsaved = true;
        self.focus = super::app::Pane::Compose;
    }

    /// A reply the database did not take goes back where it was typed, before anything typed
    /// since, and the status line says why; nothing is sent.
    fn keep_unstored_reply(
        &mut self,
        conversation_id: &ConversationId,
        text: String,
        error: &StoreError,
        maybe_stored: bool,
    ) {
        let why = match error {
            StoreError::CommentReply(refusal) => self.tr.comment_refusal(*refusal),
            error if error.unreachable() => {
                tracing::warn!(error = %error, "a reply could not be stored");
                self.database_down();
                self.tr.f(S::NoDatabase, &[&self.store_ref().database_at()])
            }
            error => {
                tracing::error!(error = %error, "a reply could not be stored");
                error.to_string()
            }
        };
        // Never lost: back in the box either way; when it may have been stored, staff are
        // told to look before sending it again.
        let said = match maybe_stored {
            true => S::ReplyMaybeKept,
            false => S::ReplyKept,
        };
        self.say(self.tr.f(said, &[&why]));
        self.return_to_box(conversation_id, text);
    }

    /// A reply's text goes back to its conversation's reply box: the box on screen, or the
    /// conversation's draft (before what it held) if another conversation is open now.
    fn return_to_box(&mut self, conversation_id: &ConversationId, text: String) {
        let showing = self
            .chat
            .open
            .as_ref()
            .is_some_and(|o| &o.conversation.id == conversation_id);
        if showing {
            self.put_back_in_box(text);
            return;
        }
        let draft = match self.chat.drafts_in_flight.get(conversation_id) {
            Some(since) => Some(since.clone()),
            None => self.store_ref().draft(conversation_id).ok().flatten(),
        };
        let draft = match draft {
            Some(since) if !since.trim().is_empty() => format!("{text}\n{since}"),
            _ => text,
        };
        self.chat
            .drafts_in_flight
            .insert(conversation_id.to_owned(), draft.clone());
        self.write(Write::Draft {
            conversation_id: conversation_id.to_owned(),
            text: draft,
        });
    }

    fn report_reply(&mut self, row: i64) {
        let Some(message) = self
            .chat
            .open
            .as_ref()
            .and_then(|o| o.messages.iter().find(|m| m.row == row))
        else {
            return;
        };
        let sent = message.status == SendStatus::Sent;
        let failed = message.status == SendStatus::Failed;
        let words = match (message.status, &message.error) {
            (SendStatus::Sent, _) => self.tr.t(S::ReplySent).to_owned(),
            (_, Some(why)) => {
                let why = self
                    .tr
                    .reply_problem(message.problem, why, |t| self.clock().hm(t));
                self.tr.f(S::ReplyNotSent, &[&why])
            }
            (_, None) => return,
        };
        if self.status.watched_said.as_ref() == Some(&words) {
            return;
        }
        self.status.watched_said = Some(words.clone());
        self.say(words);
        // Sent or failed, it is settled: nothing more to say of it.
        if sent || failed {
            self.status.watch_reply(None);
        }
    }

    /// Another process (or this one's engine) wrote to the database: read again. The draft
    /// being typed is saved on the way.
    pub fn poll_database(&mut self) -> bool {
        self.save_draft();
        self.read_changes()
    }

    /// Reads the database again if another process (or this one's engine) wrote to it since:
    /// one cheap query when nothing changed, so it runs often (a buyer's message received by
    /// `pagedesk serve` shows within a fraction of a second).
    /// Another process changed the database: everything shown is read again, and the reply
    /// being watched reported.
    pub fn changed_elsewhere(&mut self) {
        self.reload();
        if let Some(row) = self.status.watched_reply {
            self.report_reply(row);
        }
    }

    pub fn read_changes(&mut self) -> bool {
        match self.store_ref().data_version() {
            Err(_) if self.status.database_down.is_none() => {
                self.database_down();
                true
            }
            Ok(version)
                if version != self.data_version() || self.status.database_down.is_some() =>
            {
                self.changed_elsewhere();
                true
            }
            _ => false,
        }
    }
}
