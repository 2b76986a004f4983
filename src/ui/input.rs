//! What keys, the mouse, pasted text and the engine's events do to the inbox.

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;
use ratatui_textarea::TextArea;

use super::app::{App, Overlay, Pane, ROW_HEIGHT};
use super::clock::Clock;
use super::quick;
use super::writer::{Write, Written};
use crate::i18n::S;
use crate::keymap::{Action, Mode};
use crate::model::{Direction, Filter, SendStatus};
use crate::store::StoreError;
use crate::sync::{EngineCommand, SyncEvent};
use crate::text::clean;

impl App {
    /// Handles a key; returns whether anything on screen may have changed.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == crossterm::event::KeyEventKind::Release {
            return false;
        }
        // Ctrl-C quits from anywhere, whatever the config binds.
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return true;
        }
        let modes = self.key_modes();
        match self.settings.keymap.action(modes, key) {
            Some(action) => self.perform(action, key),
            None => self.type_text(key),
        }
        true
    }

    /// Where keys are read now, the first mode binding a key winning.
    pub fn key_modes(&self) -> &'static [Mode] {
        match (self.overlay, &self.search.typing, self.focus) {
            (Some(Overlay::Help { .. }), _, _) => &[Mode::Help, Mode::Move],
            (Some(Overlay::Settings { .. }), _, _) => &[Mode::Settings, Mode::Move],
            (None, Some(_), _) => &[Mode::Search],
            (None, None, Pane::Compose) if self.picker_matches().is_some() => {
                &[Mode::QuickReplies, Mode::Reply]
            }
            (None, None, Pane::Compose) => &[Mode::Reply],
            (None, None, _) => &[Mode::Move, Mode::Inbox],
        }
    }

    fn perform(&mut self, action: Action, key: KeyEvent) {
        match (self.overlay, action) {
            (Some(_), Action::Close) => self.overlay = None,
            (Some(Overlay::Help { top }), movement) => {
                let top = match movement {
                    Action::Down => top + 1,
                    Action::Up => top.saturating_sub(1),
                    Action::ScreenDown => top + usize::from(self.size.height / 2),
                    Action::ScreenUp => top.saturating_sub(usize::from(self.size.height / 2)),
                    Action::First => 0,
                    Action::Last => usize::MAX,
                    _ => top,
                };
                let top = top.min(super::view::help_scroll_limit(self));
                self.overlay = Some(Overlay::Help { top });
            }
            (Some(Overlay::Settings { cursor }), action) => {
                let last = self.pages.len().saturating_sub(1);
                let cursor = match action {
                    Action::Down => (cursor + 1).min(last),
                    Action::Up => cursor.saturating_sub(1),
                    Action::First => 0,
                    Action::Last => last,
                    Action::ToggleSpamSync => {
                        self.toggle_spam_sync(cursor);
                        cursor
                    }
                    _ => cursor,
                };
                self.overlay = Some(Overlay::Settings { cursor });
            }
            (None, action) if self.search.typing.is_some() => self.search_action(action),
            (None, action) if self.focus == Pane::Compose => self.reply_action(action, key),
            (None, action) => self.inbox_action(action),
        }
    }

    /// A key no binding claims: text, in the reply box or the search line.
    fn type_text(&mut self, key: KeyEvent) {
        if let Some(typing) = self.search.typing.as_mut() {
            match key.code {
                KeyCode::Backspace => {
                    typing.pop();
                }
                KeyCode::Char(c) => typing.push(c),
                _ => {}
            }
        } else if self.focus == Pane::Compose && self.overlay.is_none() {
            self.draft_unsaved |= self.compose.input(key);
            self.picker_selected = 0;
            if self.compose.is_empty() {
                self.undismiss_picker();
            }
        }
    }

    fn toggle_spam_sync(&mut self, index: usize) {
        let Some(page) = self.pages.get(index).cloned() else {
            return;
        };
        let on = !page.spam_sync;
        // Shown switched at once; the writer's answer confirms it or says why not.
        self.spam_sync_in_flight.insert(page.id.clone(), on);
        self.write(Write::SpamSync {
            page_id: page.id,
            on,
        });
        self.reload();
    }

    fn search_action(&mut self, action: Action) {
        match action {
            Action::Close => self.search.typing = None,
            Action::Submit => {
                let query = self.search.typing.take().unwrap_or_default();
                self.run_search(&query);
            }
            _ => {}
        }
    }

    fn run_search(&mut self, query: &str) {
        let Some(hits) = self.report_value(self.store_ref().search(query, 500)) else {
            return;
        };
        self.search.query = query.to_owned();
        self.search.hits = hits;
        self.search.current = 0;
        if self.search.hits.is_empty() {
            self.status = Some(self.tr.f(S::SearchNone, &[query]));
            self.highlight = None;
        } else {
            self.jump_to_hit();
        }
    }

    fn jump_to_hit(&mut self) {
        let Some(hit) = self.search.hits.get(self.search.current).cloned() else {
            return;
        };
        self.page_and_filter(None, Filter::All);
        let query = self.list_query();
        if let Some(Some(position)) =
            self.report_value(self.store_ref().position_in(&query, &hit.conversation_id))
        {
            self.select_index(position);
        }
        self.highlight = hit.message_row;
        let reveal = super::view::chat_scroll(self).and_then(|scroll| scroll.highlight);
        if let (Some(open), Some(scroll)) = (self.open.as_mut(), reveal) {
            open.scroll = scroll;
        }
        let (n, total) = (self.search.current + 1, self.search.hits.len());
        self.status = Some(self.tr.f(
            S::SearchHits,
            &[
                &n.to_string(),
                &total.to_string(),
                &self.search.query.clone(),
            ],
        ));
    }

    fn reply_action(&mut self, action: Action, key: KeyEvent) {
        if let Some(matches) = self.picker_matches() {
            let last = matches.len().saturating_sub(1);
            match action {
                Action::Up => self.picker_selected = self.picker_selected.saturating_sub(1),
                Action::Down => self.picker_selected = (self.picker_selected + 1).min(last),
                Action::Close => self.dismiss_picker(),
                Action::Insert if !matches.is_empty() => {
                    let index = matches[self.picker_selected.min(last)];
                    self.insert_quick_reply(index);
                }
                // Nothing to insert: the key does what it does in the reply box.
                Action::Insert => match self.settings.keymap.action(&[Mode::Reply], key) {
                    Some(action) => self.reply_box_action(action),
                    None => self.type_text(key),
                },
                other => self.reply_box_action(other),
            }
        } else {
            self.reply_box_action(action);
        }
    }

    fn reply_box_action(&mut self, action: Action) {
        match action {
            Action::Leave => self.focus = Pane::List,
            Action::NewLine => {
                self.compose.insert_newline();
                self.draft_unsaved = true;
            }
            Action::Send => self.send(),
            Action::NextPane => self.cycle_focus(true),
            Action::PreviousPane => self.cycle_focus(false),
            Action::ScrollUp => self.scroll_chat_page(true),
            Action::ScrollDown => self.scroll_chat_page(false),
            _ => {}
        }
    }

    /// The quick replies that match `/letters` in the reply box, while the picker is open.
    pub fn picker_matches(&self) -> Option<Vec<usize>> {
        if self.focus != Pane::Compose
            || self.picker_is_dismissed()
            || self.compose.lines().len() != 1
        {
            return None;
        }
        let typed = quick::typed_shortcut(&self.compose.lines()[0])?;
        Some(quick::matching(&self.settings.quick_replies, typed))
    }

    fn insert_quick_reply(&mut self, index: usize) {
        let Some(open) = &self.open else {
            return;
        };
        let template = &self.settings.quick_replies[index].text;
        let text = quick::fill(
            template,
            &open.conversation.customer_name,
            &open.conversation.page_name,
        );
        self.compose = TextArea::from(text.lines());
        self.compose
            .move_cursor(ratatui_textarea::CursorMove::Bottom);
        self.compose.move_cursor(ratatui_textarea::CursorMove::End);
    }

    fn inbox_action(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::NextPane => self.cycle_focus(true),
            Action::PreviousPane => self.cycle_focus(false),
            Action::Help => self.overlay = Some(Overlay::Help { top: 0 }),
            Action::Settings => {
                self.overlay = Some(Overlay::Settings {
                    cursor: self.page.unwrap_or(0),
                })
            }
            Action::Search => self.search.typing = Some(String::new()),
            Action::NextMatch if !self.search.hits.is_empty() => {
                self.search.current = (self.search.current + 1) % self.search.hits.len();
                self.jump_to_hit();
            }
            Action::PreviousMatch if !self.search.hits.is_empty() => {
                let total = self.search.hits.len();
                self.search.current = (self.search.current + total - 1) % total;
                self.jump_to_hit();
            }
            Action::FilterAll => self.page_and_filter(self.page, Filter::All),
            Action::FilterSpam => self.page_and_filter(self.page, Filter::Spam),
            Action::FilterUnread => self.page_and_filter(self.page, Filter::Unread),
            Action::FilterUnreplied => self.page_and_filter(self.page, Filter::Unreplied),
            Action::PreviousPage => self.step_page(false),
            Action::NextPage => self.step_page(true),
            Action::Retry => self.retry_failed(),
            Action::ScrollUp => self.scroll_chat_page(true),
            Action::ScrollDown => self.scroll_chat_page(false),
            Action::Open if self.focus == Pane::Sidebar => self.focus = Pane::List,
            Action::Open => self.open_selected_conversation(),
            movement => match self.focus {
                Pane::Sidebar => self.sidebar_move(movement),
                Pane::Chat => self.chat_move(movement),
                _ => self.list_move(movement),
            },
        }
    }

    fn cycle_focus(&mut self, forward: bool) {
        let order = Pane::ORDER;
        let at = order.iter().position(|p| *p == self.focus).unwrap_or(0);
        let next = if forward {
            (at + 1) % order.len()
        } else {
            (at + order.len() - 1) % order.len()
        };
        self.focus = order[next];
        if self.focus == Pane::Compose && self.open.is_none() {
            self.focus = if forward { Pane::Sidebar } else { Pane::Chat };
        }
    }

    fn step_page(&mut self, forward: bool) {
        let count = self.pages.len() + 1;
        let at = self.page.map_or(0, |i| i + 1);
        let next = if forward {
            (at + 1) % count
        } else {
            (at + count - 1) % count
        };
        self.page_and_filter(next.checked_sub(1), self.filter);
    }

    fn sidebar_move(&mut self, movement: Action) {
        let items = self.sidebar_items();
        let at = self.sidebar_cursor();
        let next = match movement {
            Action::Down => (at + 1).min(items - 1),
            Action::Up => at.saturating_sub(1),
            Action::First => 0,
            Action::Last => items - 1,
            _ => return,
        };
        self.sidebar_pick(next);
    }

    fn list_move(&mut self, movement: Action) {
        let last = self.list_total.saturating_sub(1);
        let page = self.list_capacity.max(1);
        let next = match movement {
            Action::Down => (self.selected + 1).min(last),
            Action::Up => self.selected.saturating_sub(1),
            Action::First => 0,
            Action::Last => last,
            Action::ScreenDown => (self.selected + page).min(last),
            Action::ScreenUp => self.selected.saturating_sub(page),
            _ => return,
        };
        self.select_index(next);
    }

    fn chat_move(&mut self, movement: Action) {
        match movement {
            Action::Up => self.scroll_chat(1, true),
            Action::Down => self.scroll_chat(1, false),
            Action::First => self.scroll_chat(usize::MAX, true),
            Action::Last => self.scroll_chat(usize::MAX, false),
            Action::ScreenUp => self.scroll_chat_page(true),
            Action::ScreenDown => self.scroll_chat_page(false),
            _ => {}
        }
    }

    /// Scrolls the chat `lines` towards older (`up`) or newer messages, no further than the
    /// oldest message at the top.
    fn scroll_chat(&mut self, lines: usize, up: bool) {
        let Some(scroll) = super::view::chat_scroll(self) else {
            return;
        };
        if let Some(open) = self.open.as_mut() {
            let from = open.scroll.min(scroll.max);
            open.scroll = if up {
                from.saturating_add(lines).min(scroll.max)
            } else {
                from.saturating_sub(lines)
            };
        }
    }

    fn scroll_chat_page(&mut self, up: bool) {
        let height = super::view::chat_scroll(self).map_or(1, |scroll| scroll.height);
        self.scroll_chat(height.saturating_sub(2).max(1), up);
    }

    /// Puts the reply in the outbox (the database) and asks the engine to deliver it. The text
    /// stays in the reply box if it cannot be stored.
    fn send(&mut self) {
        let Some(id) = self.open.as_ref().map(|o| o.conversation.id.clone()) else {
            return;
        };
        let text = clean(&self.compose.lines().join("\n"))
            .trim_end()
            .to_owned();
        if text.trim().is_empty() {
            return;
        }
        // The draft goes with the reply, in the same transaction; if the reply cannot be
        // stored, its text comes back to the box (`on_written`).
        self.drafts_in_flight.remove(&id);
        self.write(Write::Reply {
            conversation_id: id.clone(),
            text,
            at: Utc::now(),
        });
        self.compose = TextArea::default();
        self.draft_unsaved = false;
        self.mark_read(&id);
        if let Some(open) = self.open.as_mut() {
            open.scroll = 0;
            open.new_from = None;
        }
    }

    /// Sends the most recent failed reply of the open conversation again, if trying again can
    /// work.
    fn retry_failed(&mut self) {
        let failed = self.open.as_ref().and_then(|o| {
            o.messages
                .iter()
                .rev()
                .find(|m| m.direction == Direction::Out && m.status == SendStatus::Failed)
                .cloned()
        });
        let Some(failed) = failed else {
            self.status = Some(self.tr.t(S::NothingToRetry).to_owned());
            return;
        };
        if !failed.retry_possible {
            let reason = self.tr.reply_problem(
                failed.problem,
                failed.error.as_deref().unwrap_or_default(),
                |t| Clock::local().hm(t),
            );
            self.status = Some(self.tr.f(S::CannotRetry, &[&reason]));
            return;
        }
        self.write(Write::Retry {
            message_id: failed.row,
            at: Utc::now(),
        });
    }

    /// Pasted text goes into the reply box, as text (never as keys).
    pub fn on_paste(&mut self, text: &str) -> bool {
        if self.open.is_none() || self.overlay.is_some() {
            return false;
        }
        if let Some(typing) = self.search.typing.as_mut() {
            typing.push_str(&clean(text).replace('\n', " "));
            return true;
        }
        self.focus = Pane::Compose;
        self.compose.insert_str(clean(text));
        self.draft_unsaved = true;
        true
    }

    pub fn on_mouse(&mut self, mouse: MouseEvent) -> bool {
        let at = Position::new(mouse.column, mouse.row);
        let areas = self.areas();
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if self.overlay.is_some() {
                    return false;
                }
                if areas.sidebar.contains(at) {
                    self.focus = Pane::Sidebar;
                    let item = usize::from(at.y - areas.sidebar.y);
                    self.click_sidebar(item);
                } else if areas.list.contains(at) {
                    self.focus = Pane::List;
                    let row = usize::from(at.y - areas.list.y) / ROW_HEIGHT;
                    if self.list_top + row < self.list_total {
                        self.select_index(self.list_top + row);
                    }
                } else if areas.compose.contains(at) && self.open.is_some() {
                    self.focus = Pane::Compose;
                } else if areas.chat.contains(at) {
                    self.focus = Pane::Chat;
                } else {
                    return false;
                }
                true
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                let up = mouse.kind == MouseEventKind::ScrollUp;
                if areas.chat.contains(at) {
                    self.scroll_chat(3, up);
                } else if areas.list.contains(at) {
                    let next = if up {
                        self.selected.saturating_sub(1)
                    } else {
                        self.selected + 1
                    };
                    self.select_index(next);
                } else {
                    return false;
                }
                true
            }
            _ => false,
        }
    }

    /// The engine reported something: read again; ring for new customer messages; say what
    /// became of the reply staff just sent.
    pub fn on_sync_event(&mut self, event: &SyncEvent) {
        if let SyncEvent::Syncing { page_id } | SyncEvent::SyncStateChanged { page_id } = event {
            let started = matches!(event, SyncEvent::Syncing { .. });
            for page in self.pages.iter_mut().filter(|p| &p.id == page_id) {
                page.syncing = started;
            }
        }
        match event {
            SyncEvent::Leading => self.standby = None,
            SyncEvent::Standby { pid } => self.standby = Some(*pid),
            SyncEvent::Stopped { reason } => self.engine_stopped = Some(reason.clone()),
            _ => {}
        }
        if let SyncEvent::PageChanged { news, .. } = event
            && news.customer_messages > 0
            && self.settings.notify
        {
            self.bell = true;
        }
        self.reload();
        if let SyncEvent::ReplyUpdated { message_id } = event
            && self.watched_reply == Some(*message_id)
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
                // Kept in memory if it failed: reopening the conversation shows it.
                if result.is_ok() && self.drafts_in_flight.get(&conversation_id) == Some(&text) {
                    self.drafts_in_flight.remove(&conversation_id);
                }
                self.report_error(result);
            }
            Written::MarkRead {
                conversation_id,
                result,
            } => {
                self.marking_read.remove(&conversation_id);
                self.report_error(result);
            }
            Written::Reply {
                conversation_id,
                text,
                result,
            } => match result {
                Ok(message_id) => {
                    self.watched_reply = Some(message_id);
                    self.status = Some(self.tr.t(S::ReplyQueued).to_owned());
                    self.ask_engine(EngineCommand::Deliver(message_id));
                }
                Err(error) => self.keep_unstored_reply(&conversation_id, text, &error),
            },
            Written::Retry { message_id, result } => {
                if self.report_value(result) == Some(true) {
                    self.watched_reply = Some(message_id);
                    self.status = Some(self.tr.t(S::Retrying).to_owned());
                    self.ask_engine(EngineCommand::Deliver(message_id));
                }
            }
            Written::SpamSync {
                page_id,
                on,
                result,
            } => {
                if self.spam_sync_in_flight.get(&page_id) == Some(&on) {
                    self.spam_sync_in_flight.remove(&page_id);
                }
                if self.report_error(result) {
                    let name = self.pages.iter().find(|p| p.id == page_id);
                    let name = name.map_or(page_id.as_str(), |p| p.name.as_str());
                    let key = if on { S::SpamSyncOn } else { S::SpamSyncOff };
                    self.status = Some(self.tr.f(key, &[name]));
                }
            }
        }
        self.reload();
    }

    /// A reply the database did not take goes back where it was typed, before anything typed
    /// since, and the status line says why; nothing is sent.
    fn keep_unstored_reply(&mut self, conversation_id: &str, text: String, error: &StoreError) {
        tracing::error!(error = %error, "a reply could not be stored");
        self.status = Some(self.tr.f(S::ReplyKept, &[&error.to_string()]));
        let showing = self
            .open
            .as_ref()
            .is_some_and(|o| o.conversation.id == conversation_id);
        if showing {
            let typed_since = self.compose.lines().join("\n");
            let restored = if typed_since.trim().is_empty() {
                text
            } else {
                format!("{text}\n{typed_since}")
            };
            self.compose = TextArea::from(restored.lines());
            self.draft_unsaved = true;
        } else {
            let draft = match self.drafts_in_flight.get(conversation_id) {
                Some(since) if !since.trim().is_empty() => format!("{text}\n{since}"),
                _ => text,
            };
            self.drafts_in_flight
                .insert(conversation_id.to_owned(), draft.clone());
            self.write(Write::Draft {
                conversation_id: conversation_id.to_owned(),
                text: draft,
            });
        }
    }

    fn report_reply(&mut self, row: i64) {
        let Some(message) = self
            .open
            .as_ref()
            .and_then(|o| o.messages.iter().find(|m| m.row == row))
        else {
            return;
        };
        self.status = Some(match (message.status, &message.error) {
            (SendStatus::Sent, _) => self.tr.t(S::ReplySent).to_owned(),
            (_, Some(why)) => {
                let why = self
                    .tr
                    .reply_problem(message.problem, why, |t| Clock::local().hm(t));
                self.tr.f(S::ReplyNotSent, &[&why])
            }
            (_, None) => return,
        });
        if message.status == SendStatus::Sent {
            self.watched_reply = None;
        }
    }

    /// Another process (or this one's engine) wrote to the database: read again. The draft
    /// being typed is saved on the way.
    pub fn poll_database(&mut self) -> bool {
        self.save_draft();
        match self.store_ref().data_version() {
            Ok(version) if version != self.data_version() => {
                self.reload();
                if let Some(row) = self.watched_reply {
                    self.report_reply(row);
                }
                true
            }
            _ => false,
        }
    }
}
