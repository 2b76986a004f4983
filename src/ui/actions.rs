//! What each action does to the inbox: moving, filtering, searching, the reply box, sending
//! and retrying. Writes go to the writer; nothing here waits for the database's write lock.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::app::{App, Effect, Overlay, Pane};
use super::quick;
use super::writer::Write;
use crate::i18n::S;
use crate::keymap::{Action, Mode};
use crate::model::{CommentRefusal, Direction, Filter, Moderation, PageSwitch, SendStatus};
use crate::text::clean;

impl App {
    /// Does what `action` means where the inbox is (`key` is what was pressed).
    pub(super) fn perform(&mut self, action: Action, key: KeyEvent) {
        match (&self.overlay, action) {
            (Some(Overlay::Labels(_)), action) => self.labels_action(action),
            (Some(Overlay::Customer { note: Some(_), .. }), action) => self.note_action(action),
            (Some(Overlay::Customer { top, .. }), action) => self.customer_action(*top, action),
            (Some(Overlay::Assign(_)), action) => self.assign_action(action),
            (Some(Overlay::Copy { cursor, .. }), action) => self.copy_action(*cursor, action),
            (Some(Overlay::Orders(_)), action) if self.typing_shipping() => {
                self.shipping_action(action)
            }
            (Some(Overlay::Orders(_)), action) => self.orders_action(action),
            (Some(Overlay::OrderForm(_)), action) => self.order_form_action(action),
            (Some(_), Action::Close) => self.overlay = None,
            (Some(Overlay::Stats { .. } | Overlay::Picture { .. }), _) => {}
            (Some(Overlay::Attach(_)), action) => self.attach_action(action),
            (Some(Overlay::Help { top } | Overlay::Why { top }), movement) => {
                let why = matches!(self.overlay, Some(Overlay::Why { .. }));
                let top = *top;
                let top = match movement {
                    Action::Down => top + 1,
                    Action::Up => top.saturating_sub(1),
                    Action::ScreenDown => top + usize::from(self.size.height / 2),
                    Action::ScreenUp => top.saturating_sub(usize::from(self.size.height / 2)),
                    Action::First => 0,
                    Action::Last => usize::MAX,
                    _ => top,
                };
                let overlay = match why {
                    true => Overlay::Why { top },
                    false => Overlay::Help { top },
                };
                let top = top.min(super::windows::scroll_limit(self, &overlay));
                self.overlay = Some(match why {
                    true => Overlay::Why { top },
                    false => Overlay::Help { top },
                });
            }
            (Some(Overlay::Settings { cursor }), action) => {
                let cursor = *cursor;
                let last = self.sidebar.pages.len().saturating_sub(1);
                let cursor = match action {
                    Action::Down => (cursor + 1).min(last),
                    Action::Up => cursor.saturating_sub(1),
                    Action::First => 0,
                    Action::Last => last,
                    Action::ToggleSpamSync => {
                        self.toggle(cursor, PageSwitch::SpamSync);
                        cursor
                    }
                    Action::TogglePhoneHiding => {
                        self.toggle(cursor, PageSwitch::PhoneHiding);
                        cursor
                    }
                    Action::TagAgain => {
                        if let Some(page) = self.sidebar.pages.get(cursor) {
                            let page_id = page.id.clone();
                            self.write(Write::TagAgain { page_id });
                        }
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

    /// The conversation shown (else the one selected) done, or not done any more.
    fn toggle_done(&mut self) {
        let Some(conversation) = self.conversation_at_hand() else {
            return;
        };
        let (conversation_id, done) = (conversation.id.clone(), !conversation.done);
        self.write(Write::Done {
            conversation_id,
            done,
            at: self.now(),
        });
    }

    /// Turns a switch of the page at `index` in the settings screen on or off.
    fn toggle(&mut self, index: usize, switch: PageSwitch) {
        let Some(page) = self.sidebar.pages.get(index).cloned() else {
            return;
        };
        let on = match switch {
            PageSwitch::SpamSync => !page.spam_sync,
            PageSwitch::PhoneHiding => !page.phone_hiding,
        };
        // Shown switched at once; the writer's answer confirms it or says why not.
        self.sidebar
            .switches_in_flight
            .insert((page.id.clone(), switch), on);
        self.write(Write::Switch {
            page_id: page.id,
            switch,
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
            self.say(self.tr.f(S::SearchNone, &[&query]));
            self.chat.highlight = None;
        } else {
            self.jump_to_hit();
        }
    }

    /// Scrolls the chat to the highlighted message, one line below the top.
    pub(super) fn reveal_highlight(&mut self) {
        let reveal = self.chat_scroll().and_then(|scroll| scroll.highlight);
        if let (Some(open), Some(scroll)) = (self.chat.open.as_mut(), reveal) {
            open.scroll = scroll;
        }
    }

    fn jump_to_hit(&mut self) {
        let Some(hit) = self.search.hits.get(self.search.current).cloned() else {
            return;
        };
        // A hit in a finished conversation is shown among the Done ones.
        let done = self
            .store_ref()
            .conversation(&hit.conversation_id)
            .ok()
            .flatten()
            .is_some_and(|c| c.done);
        self.page_and_filter(None, if done { Filter::Done } else { Filter::All });
        let query = self.list_query();
        if let Some(Some(position)) =
            self.report_value(self.store_ref().position_in(&query, &hit.conversation_id))
        {
            self.select_index(position);
        }
        self.chat.highlight = hit.message_row;
        self.reveal_highlight();
        let (n, total) = (self.search.current + 1, self.search.hits.len());
        self.say(self.tr.f(
            if done {
                S::SearchHitsDone
            } else {
                S::SearchHits
            },
            &[&n, &total, &self.search.query.clone()],
        ));
    }

    fn reply_action(&mut self, action: Action, key: KeyEvent) {
        if let Some(matches) = self.picker_matches() {
            let last = matches.len().saturating_sub(1);
            match action {
                Action::Up => {
                    self.chat.picker_selected = self.chat.picker_selected.saturating_sub(1)
                }
                Action::Down => {
                    self.chat.picker_selected = (self.chat.picker_selected + 1).min(last)
                }
                Action::Close => self.chat.picker_dismissed = true,
                Action::Insert if !matches.is_empty() => {
                    let index = matches[self.chat.picker_selected.min(last)];
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
                self.chat.compose.insert_newline();
                self.chat.draft_unsaved = true;
            }
            Action::Send => self.send(false),
            Action::SendPrivately => self.send(true),
            Action::Editor => self.ask(Effect::Editor),
            Action::Attach => self.open_attach(),
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
            || self.chat.picker_dismissed
            || self.chat.compose.lines().len() != 1
        {
            return None;
        }
        let typed = quick::typed_shortcut(&self.chat.compose.lines()[0])?;
        Some(quick::matching(&self.settings.quick_replies, typed))
    }

    fn insert_quick_reply(&mut self, index: usize) {
        let Some(open) = &self.chat.open else {
            return;
        };
        let template = &self.settings.quick_replies[index].text;
        let text = quick::fill(
            template,
            &open.conversation.customer_name,
            &open.conversation.page_name,
        );
        self.put_in_reply_box(&text);
    }

    fn inbox_action(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit_or_warn(),
            Action::NextPane => self.cycle_focus(true),
            Action::PreviousPane => self.cycle_focus(false),
            Action::Help => self.overlay = Some(Overlay::Help { top: 0 }),
            Action::Why if self.problems_shown() => self.overlay = Some(Overlay::Why { top: 0 }),
            Action::Why => self.say(self.tr.t(S::AllPagesSync).to_owned()),
            Action::Settings => {
                self.overlay = Some(Overlay::Settings {
                    cursor: self.sidebar.page.unwrap_or(0),
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
            Action::FilterAll => self.page_and_filter(self.sidebar.page, Filter::All),
            Action::FilterSpam => self.page_and_filter(self.sidebar.page, Filter::Spam),
            Action::FilterUnread => self.page_and_filter(self.sidebar.page, Filter::Unread),
            Action::FilterUnreplied => self.page_and_filter(self.sidebar.page, Filter::Unreplied),
            Action::FilterDone => self.page_and_filter(self.sidebar.page, Filter::Done),
            Action::FilterMine => self.page_and_filter(self.sidebar.page, Filter::Mine),
            Action::FilterNotSent => self.page_and_filter(self.sidebar.page, Filter::NotSent),
            Action::FilterComments => self.page_and_filter(self.sidebar.page, Filter::Comments),
            Action::FilterOrders => self.page_and_filter(self.sidebar.page, Filter::Orders),
            Action::ToggleDone => self.toggle_done(),
            Action::HideComments => self.hide_or_show_comments(),
            Action::LikeComments => self.like_comments(),
            Action::Labels => self.open_conversation_labels(),
            Action::FilterLabels => self.open_labels(super::team::LabelPurpose::ListFilter),
            Action::Assign => self.open_assign(),
            Action::Customer => self.open_customer(),
            Action::TeamStats => self.open_stats(),
            Action::Orders => self.open_orders(),
            Action::PreviousPage => self.step_page(false),
            Action::NextPage => self.step_page(true),
            Action::NextUnread => self.next_marked(crate::store::Marked::Unread),
            Action::NextFailed => self.next_marked(crate::store::Marked::FailedReply),
            Action::LongestWaiting => self.toggle_longest_waiting(),
            Action::Retry => self.retry_failed(),
            Action::CopyMessage => self.copy_message(),
            Action::CopyPhone => self.copy_phone(),
            Action::OpenInFacebook => self.open_in_facebook(),
            Action::ViewPicture => self.view_picture(),
            Action::FileLink => self.attachment_link(),
            Action::ToggleMouse => self.toggle_mouse(),
            Action::TakeBack => self.take_back(false),
            Action::EditReply => self.take_back(true),
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
        if self.focus == Pane::Compose && self.chat.open.is_none() {
            self.focus = if forward { Pane::Sidebar } else { Pane::Chat };
        }
    }

    fn step_page(&mut self, forward: bool) {
        let count = self.sidebar.pages.len() + 1;
        let at = self.sidebar.page.map_or(0, |i| i + 1);
        let next = if forward {
            (at + 1) % count
        } else {
            (at + count - 1) % count
        };
        self.page_and_filter(next.checked_sub(1), self.list.filter);
    }

    fn sidebar_move(&mut self, movement: Action) {
        let items = self.sidebar.items();
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
        if let Some(next) = self.list.cursor_after(movement) {
            self.select_index(next);
        }
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
    pub(super) fn scroll_chat(&mut self, lines: usize, up: bool) {
        let Some(scroll) = self.chat_scroll() else {
            return;
        };
        self.chat.scroll(lines, up, scroll.max);
    }

    fn scroll_chat_page(&mut self, up: bool) {
        let height = self.chat_scroll().map_or(1, |scroll| scroll.height);
        self.scroll_chat(height.saturating_sub(2).max(1), up);
    }

    /// Hides the open thread's comments from everyone but their author; shows them again
    /// when all are hidden.
    fn hide_or_show_comments(&mut self) {
        let Some(open) = self.open_thread() else {
            return;
        };
        let moderation = match open
            .messages
            .iter()
            .any(|m| m.direction == Direction::In && !m.removed && !m.hidden)
        {
            true => Moderation::Hide,
            false => Moderation::Show,
        };
        let conversation_id = open.conversation.id.clone();
        self.write(Write::Moderate {
            conversation_id,
            moderation,
            at: self.now(),
        });
    }

    /// Likes the open thread's comments the page does not like yet.
    fn like_comments(&mut self) {
        let Some(open) = self.open_thread() else {
            return;
        };
        let conversation_id = open.conversation.id.clone();
        self.write(Write::Moderate {
            conversation_id,
            moderation: Moderation::Like,
            at: self.now(),
        });
    }

    /// The thread of comments open in the chat; else staff are told this is for comments.
    fn open_thread(&mut self) -> Option<&super::app::Open> {
        if self
            .chat
            .open
            .as_ref()
            .is_none_or(|o| o.conversation.post_id.is_none())
        {
            self.say(self.tr.t(S::NotComments).to_owned());
            return None;
        }
        self.chat.open.as_ref()
    }

    /// Sends what the reply box holds: to Messenger, or (a thread of comments) in public
    /// under the person's newest comment, or `privately` to them in Messenger.
    fn send(&mut self, privately: bool) {
        let Some(id) = self.chat.open.as_ref().map(|o| o.conversation.id.clone()) else {
            return;
        };
        let thread = self
            .chat
            .open
            .as_ref()
            .is_some_and(|o| o.conversation.post_id.is_some());
        let text = clean(&self.chat.compose.lines().join("\n"))
            .trim_end()
            .to_owned();
        let files = self.attached_here().to_vec();
        if text.trim().is_empty() && files.is_empty() {
            return;
        }
        if thread && !files.is_empty() {
            let why = self.tr.comment_refusal(CommentRefusal::Files);
            self.say(self.tr.f(S::CannotSend, &[&why]));
            return;
        }
        let privately = privately || self.chat.private_answer.contains(&id);
        if privately && !thread {
            return;
        }
        let chars = text.chars().count();
        if thread && chars > crate::model::MAX_REPLY_CHARS {
            let problem = crate::model::ReplyProblem::TooLong { chars };
            let why = self
                .tr
                .reply_problem(Some(problem), "", |t| self.clock().hm(t));
            self.say(self.tr.f(S::CannotSend, &[&why]));
            return;
        }
        // What Facebook would refuse is not stored: the text stays in the box, and why is said.
        // Files alone need only that the page may write to the person now. Messenger's
        // windows do not bound an answer to a comment.
        if let Some(open) = self.chat.open.as_ref().filter(|_| !thread)
            && let Err(problem) = match text.trim().is_empty() {
                true => self.reply_to(&open.conversation).allowed(self.now()),
                false => self.reply_to(&open.conversation).kind(&text, self.now()),
            }
        {
            let why = self
                .tr
                .reply_problem(Some(problem), "", |t| self.clock().hm(t));
            self.say(self.tr.f(S::CannotSend, &[&why]));
            return;
        }
        // The draft goes with the reply, in the same transaction; if the reply cannot be
        // stored, its text comes back to the box (`on_written`).
        self.chat.drafts_in_flight.remove(&id);
        self.keep_unsaved_drafts(false);
        self.chat.private_answer.remove(&id);
        // Empty, not absent: the files still in the database until the reply is stored must
        // not be read back onto the box meanwhile.
        self.chat.attached.insert(id.clone(), Vec::new());
        self.write(Write::Reply {
            conversation_id: id.clone(),
            text,
            files,
            at: self.now(),
            privately,
        });
        self.chat.compose = TextArea::default();
        self.chat.draft_unsaved = false;
        self.mark_read(&id);
        if let Some(open) = self.chat.open.as_mut() {
            open.scroll = 0;
            open.new_from = None;
        }
    }

    /// Takes back the open conversation's newest reply that is waiting or failed; `edit` puts
    /// its text in the reply box. The writer decides whether it is still possible.
    fn take_back(&mut self, edit: bool) {
        let unsent = self.chat.open.as_ref().and_then(|o| {
            o.messages
                .iter()
                .rev()
                .find(|m| {
                    m.direction == Direction::Out
                        && matches!(m.status, SendStatus::Pending | SendStatus::Failed)
                })
                .map(|m| (o.conversation.id.clone(), m.row, m.private_reply))
        });
        let Some((conversation_id, message_id, private)) = unsent else {
            self.say(self.tr.t(S::NothingToTakeBack).to_owned());
            return;
        };
        if edit && private {
            self.chat.private_answer.insert(conversation_id.clone());
        }
        self.write(Write::TakeBack {
            conversation_id,
            message_id,
            edit,
            at: self.now(),
        });
    }

    /// Sends the most recent failed reply of the open conversation again, if trying again can
    /// work.
    fn retry_failed(&mut self) {
        let failed = self.chat.open.as_ref().and_then(|o| {
            o.messages
                .iter()
                .rev()
                .find(|m| {
                    m.direction == Direction::Out
                        && (m.status == SendStatus::Failed
                            || matches!(
                                m.problem,
                                Some(crate::model::ReplyProblem::SendingRestricted { .. })
                            ))
                })
                .cloned()
        });
        let Some(failed) = failed else {
            self.say(self.tr.t(S::NothingToRetry).to_owned());
            return;
        };
        let restricted = failed.status == SendStatus::Pending;
        if !failed.retry_possible && !restricted {
            let reason = self.tr.reply_problem(
                failed.problem,
                failed.error.as_deref().unwrap_or_default(),
                |t| self.clock().hm(t),
            );
            self.say(self.tr.f(S::CannotRetry, &[&reason]));
            return;
        }
        self.write(Write::Retry {
            message_id: failed.row,
            at: self.now(),
        });
    }

    /// Quits, unless replies still wait to be sent and staff were not told yet: then says they
    /// will go out with the next pagedesk, and the next quit quits.
    pub(super) fn quit_or_warn(&mut self) {
        let waiting = self.store_ref().waiting_replies().unwrap_or(0);
        if waiting == 0 {
            self.ask(Effect::Quit);
            return;
        }
        let key = self
            .settings
            .keymap
            .first_key(crate::keymap::Mode::Inbox, crate::keymap::Action::Quit)
            .unwrap_or_else(|| "Ctrl-C".to_owned());
        let words = self
            .tr
            .counted(waiting, S::QuitWithWaitingOne, S::QuitWithWaiting);
        let warning = self.tr.f(words, &[&waiting, &key]);
        // Quitting again while the warning is on the screen: staff have read it.
        if self.notice() == Some(warning.as_str()) {
            self.ask(Effect::Quit);
            return;
        }
        self.say(warning);
    }

    /// Moves to the next conversation with unread messages in the list.
    /// Selects the next conversation `marked` so in the list, or says there is none.
    pub(super) fn next_marked(&mut self, marked: crate::store::Marked) {
        let query = self.list_query();
        let current = self.selected_conversation().map(|c| c.id.clone());
        let next = self
            .store_ref()
            .next_marked(&query, current.as_ref(), marked)
            .and_then(|next| match next {
                Some(id) => self.store_ref().position_in(&query, &id),
                None => Ok(None),
            });
        match self.report_value(next) {
            Some(Some(position)) => self.select_index(position),
            Some(None) => self.say(
                self.tr
                    .t(match marked {
                        crate::store::Marked::Unread => S::NoUnread,
                        crate::store::Marked::FailedReply => S::NoFailedReply,
                    })
                    .to_owned(),
            ),
            None => {}
        }
    }
}
