//! What keys, the mouse, pasted text and the engine's events do to the inbox.

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;
use ratatui_textarea::TextArea;

use super::app::{App, Overlay, Pane, ROW_HEIGHT};
use super::clock::Clock;
use super::quick;
use crate::i18n::S;
use crate::model::{Direction, Filter, SendStatus};
use crate::sync::{EngineCommand, SyncEvent};
use crate::text::clean;

impl App {
    /// Handles a key; returns whether anything on screen may have changed.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == crossterm::event::KeyEventKind::Release {
            return false;
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return true;
        }
        if self.overlay.is_some() {
            self.overlay_key(key);
        } else if self.search.typing.is_some() {
            self.search_key(key);
        } else if self.focus == Pane::Compose {
            self.compose_key(key);
        } else {
            self.browse_key(key);
        }
        true
    }

    fn overlay_key(&mut self, key: KeyEvent) {
        match (self.overlay, key.code) {
            (_, KeyCode::Esc | KeyCode::Char('q')) => self.overlay = None,
            (Some(Overlay::Help), KeyCode::Char('?')) => self.overlay = None,
            (Some(Overlay::Settings { cursor }), code) => {
                let last = self.pages.len().saturating_sub(1);
                let cursor = match code {
                    KeyCode::Char('j') | KeyCode::Down => (cursor + 1).min(last),
                    KeyCode::Char('k') | KeyCode::Up => cursor.saturating_sub(1),
                    KeyCode::Char(' ') | KeyCode::Enter => {
                        self.toggle_spam_sync(cursor);
                        cursor
                    }
                    KeyCode::Char('s') => {
                        self.overlay = None;
                        return;
                    }
                    _ => cursor,
                };
                self.overlay = Some(Overlay::Settings { cursor });
            }
            _ => {}
        }
    }

    fn toggle_spam_sync(&mut self, index: usize) {
        let Some(page) = self.pages.get(index).cloned() else {
            return;
        };
        let on = !page.spam_sync;
        let saved = self.store_mut().set_spam_sync(&page.id, on);
        if self.report_error(saved) {
            let key = if on { S::SpamSyncOn } else { S::SpamSyncOff };
            self.status = Some(self.tr.f(key, &[&page.name]));
        }
        self.reload();
    }

    fn search_key(&mut self, key: KeyEvent) {
        let Some(typing) = self.search.typing.as_mut() else {
            return;
        };
        match key.code {
            KeyCode::Esc => self.search.typing = None,
            KeyCode::Enter => {
                let query = std::mem::take(typing);
                self.search.typing = None;
                self.run_search(&query);
            }
            KeyCode::Backspace => {
                typing.pop();
            }
            KeyCode::Char(c) => typing.push(c),
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
        if let Some(open) = self.open.as_mut() {
            open.reveal_highlight = true;
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

    fn compose_key(&mut self, key: KeyEvent) {
        if let Some(matches) = self.picker_matches() {
            let last = matches.len().saturating_sub(1);
            match key.code {
                KeyCode::Up => {
                    self.picker_selected = self.picker_selected.saturating_sub(1);
                    return;
                }
                KeyCode::Down => {
                    self.picker_selected = (self.picker_selected + 1).min(last);
                    return;
                }
                KeyCode::Tab | KeyCode::Enter if !matches.is_empty() => {
                    let index = matches[self.picker_selected.min(last)];
                    self.insert_quick_reply(index);
                    return;
                }
                KeyCode::Esc => {
                    self.dismiss_picker();
                    return;
                }
                _ => {}
            }
        }
        match key.code {
            KeyCode::Esc => {
                self.focus = Pane::List;
            }
            KeyCode::Enter if key.modifiers.contains(KeyModifiers::ALT) => {
                self.compose.insert_newline();
                self.draft_unsaved = true;
            }
            KeyCode::Enter if key.modifiers.is_empty() => self.send(),
            KeyCode::Tab => self.focus = Pane::Sidebar,
            KeyCode::BackTab => self.focus = Pane::Chat,
            KeyCode::PageUp | KeyCode::PageDown => {
                self.scroll_chat_page(key.code == KeyCode::PageUp)
            }
            _ => {
                self.draft_unsaved |= self.compose.input(key);
                self.picker_selected = 0;
                if self.compose.is_empty() {
                    self.undismiss_picker();
                }
            }
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

    fn browse_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Tab => self.cycle_focus(true),
            KeyCode::BackTab => self.cycle_focus(false),
            KeyCode::Char('?') => self.overlay = Some(Overlay::Help),
            KeyCode::Char('s') => {
                self.overlay = Some(Overlay::Settings {
                    cursor: self.page.unwrap_or(0),
                })
            }
            KeyCode::Char('/') => self.search.typing = Some(String::new()),
            KeyCode::Char('n') if !self.search.hits.is_empty() => {
                self.search.current = (self.search.current + 1) % self.search.hits.len();
                self.jump_to_hit();
            }
            KeyCode::Char('N') if !self.search.hits.is_empty() => {
                let total = self.search.hits.len();
                self.search.current = (self.search.current + total - 1) % total;
                self.jump_to_hit();
            }
            KeyCode::Char(c @ '1'..='4') => {
                let filter = Filter::ALL[(c as u8 - b'1') as usize];
                self.page_and_filter(self.page, filter);
            }
            KeyCode::Char('[') => self.step_page(false),
            KeyCode::Char(']') => self.step_page(true),
            KeyCode::Char('r') => self.retry_failed(),
            KeyCode::PageUp | KeyCode::PageDown => {
                self.scroll_chat_page(key.code == KeyCode::PageUp)
            }
            KeyCode::Enter if self.focus == Pane::Sidebar => self.focus = Pane::List,
            KeyCode::Enter => self.open_selected_conversation(),
            code => match self.focus {
                Pane::Sidebar => self.sidebar_move(code),
                Pane::Chat => self.chat_move(code),
                _ => self.list_move(code),
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

    fn sidebar_move(&mut self, code: KeyCode) {
        let items = self.sidebar_items();
        let at = self.sidebar_cursor();
        let next = match code {
            KeyCode::Char('j') | KeyCode::Down => (at + 1).min(items - 1),
            KeyCode::Char('k') | KeyCode::Up => at.saturating_sub(1),
            KeyCode::Char('g') | KeyCode::Home => 0,
            KeyCode::Char('G') | KeyCode::End => items - 1,
            _ => return,
        };
        self.sidebar_pick(next);
    }

    fn list_move(&mut self, code: KeyCode) {
        let last = self.list_total.saturating_sub(1);
        let page = self.list_capacity.max(1);
        let next = match code {
            KeyCode::Char('j') | KeyCode::Down => (self.selected + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => self.selected.saturating_sub(1),
            KeyCode::Char('g') | KeyCode::Home => 0,
            KeyCode::Char('G') | KeyCode::End => last,
            KeyCode::Char('d') => (self.selected + page).min(last),
            KeyCode::Char('u') => self.selected.saturating_sub(page),
            _ => return,
        };
        self.select_index(next);
    }

    fn chat_move(&mut self, code: KeyCode) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        match code {
            KeyCode::Char('k') | KeyCode::Up => open.scroll += 1,
            KeyCode::Char('j') | KeyCode::Down => open.scroll = open.scroll.saturating_sub(1),
            KeyCode::Char('g') | KeyCode::Home => open.scroll = usize::MAX,
            KeyCode::Char('G') | KeyCode::End => open.scroll = 0,
            _ => {}
        }
    }

    fn scroll_chat_page(&mut self, up: bool) {
        let step = usize::from(self.areas.chat.height.saturating_sub(2)).max(1);
        if let Some(open) = self.open.as_mut() {
            open.scroll = if up {
                open.scroll.saturating_add(step)
            } else {
                open.scroll.saturating_sub(step)
            };
        }
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
        let queued = self.store_mut().enqueue_reply(&id, &text, Utc::now());
        let Some(message_id) = self.report_value(queued) else {
            return;
        };
        // Sent: the draft went with the reply, in the same transaction.
        self.compose = TextArea::default();
        self.draft_unsaved = false;
        self.watched_reply = Some(message_id);
        self.status = Some(self.tr.t(S::ReplyQueued).to_owned());
        self.ask_engine(EngineCommand::Deliver(message_id));
        let marked = self.store_mut().mark_read(&id);
        self.report_error(marked);
        if let Some(open) = self.open.as_mut() {
            open.scroll = 0;
            open.new_from = None;
        }
        self.reload();
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
        let retried = self.store_mut().retry_reply(failed.row, Utc::now());
        if self.report_value(retried) == Some(true) {
            self.watched_reply = Some(failed.row);
            self.status = Some(self.tr.t(S::Retrying).to_owned());
            self.ask_engine(EngineCommand::Deliver(failed.row));
        }
        self.reload();
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
        let areas = self.areas;
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
                    if let Some(open) = self.open.as_mut() {
                        open.scroll = if up {
                            open.scroll + 3
                        } else {
                            open.scroll.saturating_sub(3)
                        };
                    }
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
