//! The two panes that hold state of their own: the conversation list (which conversations,
//! their counts, the screenful read, the cursor) and the chat (the conversation shown, the
//! reply box and what is on its way to the database). `App` keeps them beside the overlay and
//! the shared context; each pane's own rules (scrolling the list around its cursor, the reply
//! box's picker) live here.

use std::collections::HashMap;
use std::time::Instant;

use ratatui_textarea::TextArea;

use super::app::Open;
use crate::keymap::Action;
use crate::model::{ConversationId, Filter, LabelMatch, PageId};
use crate::store::{ConversationRow, FilterCounts, ListQuery, Order};

/// The conversation list.
#[derive(Debug, Clone)]
pub struct ConversationList {
    pub filter: Filter,
    /// Newest first, or (Unreplied) the customer waiting longest first.
    pub order: Order,
    /// The labels the list is narrowed to, and whether a conversation needs any or all.
    pub label_filter: Vec<i64>,
    pub label_match: LabelMatch,
    /// How many conversations each filter holds on the page shown.
    pub counts: FilterCounts,
    /// The first conversation of the screenful read.
    pub top: usize,
    /// The screenful read, from `top`.
    pub rows: Vec<ConversationRow>,
    /// How many conversations the list pane shows on the terminal as it is.
    pub capacity: usize,
    /// The cursor, counted from the first conversation of the whole list.
    pub selected: usize,
}

impl Default for ConversationList {
    fn default() -> Self {
        ConversationList {
            filter: Filter::All,
            order: Order::Newest,
            label_filter: Vec::new(),
            label_match: LabelMatch::Any,
            counts: FilterCounts::default(),
            top: 0,
            rows: Vec::new(),
            capacity: 10,
            selected: 0,
        }
    }
}

impl ConversationList {
    /// Which conversations the list shows, on the page `page_id` (`None`: all pages).
    pub fn query(&self, page_id: Option<PageId>) -> ListQuery {
        ListQuery {
            page_id,
            filter: self.filter,
            order: self.order,
            labels: self.label_filter.clone(),
            label_match: self.label_match,
        }
    }

    /// Conversations in the list as it is filtered.
    pub fn total(&self) -> usize {
        self.counts.of(self.filter)
    }

    /// The conversation under the cursor, if it is in the screenful read.
    pub fn selected_row(&self) -> Option<&ConversationRow> {
        self.rows.get(self.selected.checked_sub(self.top)?)
    }

    /// The cursor kept within the list, and the screenful moved to show it: the rows to read,
    /// as (first, how many).
    pub fn window(&mut self) -> (usize, usize) {
        let total = self.total();
        self.selected = self.selected.min(total.saturating_sub(1));
        let capacity = self.capacity.max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + capacity {
            self.top = self.selected + 1 - capacity;
        }
        self.top = self.top.min(total.saturating_sub(capacity));
        (self.top, capacity)
    }

    /// Where `movement` takes the cursor (a screen is as many conversations as the pane
    /// shows); `None` for an action that does not move it.
    pub fn cursor_after(&self, movement: Action) -> Option<usize> {
        let last = self.total().saturating_sub(1);
        let screen = self.capacity.max(1);
        Some(match movement {
            Action::Down => (self.selected + 1).min(last),
            Action::Up => self.selected.saturating_sub(1),
            Action::First => 0,
            Action::Last => last,
            Action::ScreenDown => (self.selected + screen).min(last),
            Action::ScreenUp => self.selected.saturating_sub(screen),
            _ => return None,
        })
    }

    /// Back to the first conversation.
    pub fn back_to_top(&mut self) {
        self.selected = 0;
        self.top = 0;
    }
}

/// The chat: the conversation shown and the reply being written to it.
#[derive(Debug, Default)]
pub struct Chat {
    pub open: Option<Open>,
    pub compose: TextArea<'static>,
    /// The reply box changed since its draft was last saved.
    pub draft_unsaved: bool,
    /// Drafts handed to the writer and not yet answered, by conversation: what reopening the
    /// conversation shows meanwhile (or after the write failed).
    pub drafts_in_flight: HashMap<ConversationId, String>,
    /// Files attached to each conversation's reply, not sent yet.
    pub attached: HashMap<ConversationId, Vec<crate::files::OutgoingFile>>,
    /// The message a search or a file walk points at.
    pub highlight: Option<i64>,
    /// Which file `L` showed last, counted from the newest (`L` again goes back from it).
    pub file_walk: Option<usize>,
    /// When staff last typed in the reply box.
    pub last_typed: Option<Instant>,
    /// The quick reply chosen in the picker under the reply box.
    pub picker_selected: usize,
    /// The picker was closed for what is typed now (it opens again on an empty box).
    pub picker_dismissed: bool,
}

impl Chat {
    /// Scrolls the conversation shown `lines` towards older (`up`) or newer messages, no
    /// further than `max` lines up (its oldest message at the top).
    pub fn scroll(&mut self, lines: usize, up: bool, max: usize) {
        if let Some(open) = self.open.as_mut() {
            let from = open.scroll.min(max);
            open.scroll = if up {
                from.saturating_add(lines).min(max)
            } else {
                from.saturating_sub(lines)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_of(total: usize, capacity: usize) -> ConversationList {
        ConversationList {
            counts: FilterCounts {
                all: total,
                ..FilterCounts::default()
            },
            capacity,
            ..ConversationList::default()
        }
    }

    #[test]
    fn the_screenful_follows_the_cursor_and_never_runs_past_the_end() {
        let mut list = list_of(25, 10);
        assert_eq!(list.window(), (0, 10));
        list.selected = list.cursor_after(Action::ScreenDown).unwrap();
        assert_eq!((list.selected, list.window()), (10, (1, 10)));
        list.selected = list.cursor_after(Action::Last).unwrap();
        assert_eq!((list.selected, list.window()), (24, (15, 10)));
        list.selected = 3;
        assert_eq!(list.window(), (3, 10));
        // The list shrank under the cursor (conversations marked done elsewhere).
        list.selected = 24;
        list.counts.all = 5;
        assert_eq!((list.window(), list.selected), ((0, 10), 4));
        assert_eq!(list.cursor_after(Action::Down), Some(4));
        assert_eq!(list.cursor_after(Action::Open), None);
    }
}
