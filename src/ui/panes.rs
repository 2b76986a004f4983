//! The parts of the screen that hold state of their own: the sidebar (the pages, the one
//! shown, its cursor), the conversation list (which conversations, their counts, the screenful
//! read, the cursor), the chat (the conversation shown, the reply box and what is on its way to
//! the database) and the status line (what the inbox says, what it knows of its engine). `App`
//! keeps them beside the overlay and the shared context; each part's own rules (scrolling the
//! list around its cursor, a notice's few seconds) live here.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use ratatui_textarea::TextArea;

use super::app::Open;
use crate::keymap::Action;
use crate::model::{ConversationId, Filter, LabelMatch, PageId, PageSwitch};
use crate::store::{
    ConversationRow, FilterCounts, ListQuery, Order, PageSync, WaitingSpam, WebhookState,
};

/// A configured page, as the sidebar and the status line show it.
#[derive(Debug, Clone)]
pub struct PageEntry {
    pub id: PageId,
    pub name: String,
    /// Conversations with unread messages.
    pub unread: usize,
    pub spam_sync: bool,
    /// Buyers' new comments with a phone number are hidden (the page's switch, else the
    /// config's).
    pub phone_hiding: bool,
    pub sync: PageSync,
    /// A sync of this page is under way.
    pub syncing: bool,
    pub waiting: Vec<WaitingSpam>,
    /// Whether Facebook's webhooks reach `pagedesk serve` for this page.
    pub webhooks: WebhookState,
    /// Facebook refused the page's HUMAN_AGENT replies: late ones are not offered.
    pub human_agent_refused: bool,
    /// Its comments could not be read in its last cycle: why, and since when.
    pub comments_problem: Option<(String, chrono::DateTime<chrono::Utc>)>,
}

/// The sidebar: "All pages", each configured page, then the filters.
#[derive(Debug, Clone, Default)]
pub struct Sidebar {
    /// The configured pages, in the config's order.
    pub pages: Vec<PageEntry>,
    /// The page shown; `None` is "All pages".
    pub page: Option<usize>,
    /// The cursor is on the filters rather than the pages.
    pub on_filters: bool,
    /// A page's switches handed to the writer and not yet answered: shown switched until the
    /// answer comes.
    pub switches_in_flight: HashMap<(PageId, PageSwitch), bool>,
}

impl Sidebar {
    /// How a page's switch was just turned, while the writer has not answered.
    pub fn switch_in_flight(&self, page: &PageId, switch: PageSwitch) -> Option<bool> {
        self.switches_in_flight
            .get(&(page.clone(), switch))
            .copied()
    }
}

/// What a sidebar line stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidebarItem {
    /// A page (`None`: all of them).
    Page(Option<usize>),
    Filter(Filter),
}

impl Sidebar {
    /// The page shown, `None` for all of them.
    pub fn page_id(&self) -> Option<PageId> {
        self.page.map(|i| self.pages[i].id.clone())
    }

    /// The pages as read anew: the one shown stays shown while it is configured.
    pub fn replace_pages(&mut self, pages: Vec<PageEntry>) {
        self.pages = pages;
        if self.page.is_some_and(|i| i >= self.pages.len()) {
            self.page = None;
        }
    }

    /// How many items it lists.
    pub fn items(&self) -> usize {
        1 + self.pages.len() + Filter::ALL.len()
    }

    /// The item under the cursor, with the list showing `filter`: the filter while the
    /// sidebar has the cursor on the filters, else the page shown.
    pub fn cursor(&self, focused: bool, filter: Filter) -> usize {
        if focused && self.on_filters {
            1 + self.pages.len() + Filter::ALL.iter().position(|f| *f == filter).unwrap_or(0)
        } else {
            self.page.map_or(0, |i| i + 1)
        }
    }

    /// What item `item` (counted as [`Sidebar::cursor`] counts) stands for.
    pub fn item(&self, item: usize) -> Option<SidebarItem> {
        if item <= self.pages.len() {
            Some(SidebarItem::Page(item.checked_sub(1)))
        } else {
            Filter::ALL
                .get(item - 1 - self.pages.len())
                .map(|f| SidebarItem::Filter(*f))
        }
    }

    /// The item drawn on `line`: the pages, a blank line, then the filters.
    pub fn item_on_line(&self, line: usize) -> Option<usize> {
        let pages_end = 1 + self.pages.len();
        match line.cmp(&pages_end) {
            std::cmp::Ordering::Less => Some(line),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => Some(line - 1),
        }
    }
}

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
    /// Conversations handed to the writer to be marked read, not yet answered.
    pub marking_read: HashSet<ConversationId>,
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
            marking_read: HashSet::new(),
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
            post_id: None,
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
    /// Threads whose reply box holds a private answer taken back to be edited: Enter sends it
    /// privately again, never in public.
    pub private_answer: std::collections::HashSet<ConversationId>,
    /// The conversations shown lately, as last read, with what their reply box held: shown
    /// again while the database cannot be reached (the status line says the screen shows what
    /// was read). Newest last.
    shown_lately: VecDeque<(Open, String)>,
}

/// How many conversations shown lately are kept to be shown during an outage.
const SHOWN_KEPT: usize = 30;

impl Chat {
    /// Keeps a conversation the chat stops showing, and its reply box's words.
    pub fn keep_shown(&mut self, open: Open, draft: String) {
        self.forget_shown(&open.conversation.id);
        if self.shown_lately.len() == SHOWN_KEPT {
            self.shown_lately.pop_front();
        }
        self.shown_lately.push_back((open, draft));
    }

    /// Forgets what was kept of a conversation (read anew, it is older).
    pub fn forget_shown(&mut self, id: &ConversationId) {
        self.shown_lately
            .retain(|(kept, _)| &kept.conversation.id != id);
    }

    /// A conversation shown lately, as last read, and its reply box's words then.
    pub fn shown_before(&mut self, id: &ConversationId) -> Option<(Open, String)> {
        let at = self
            .shown_lately
            .iter()
            .position(|(kept, _)| &kept.conversation.id == id)?;
        self.shown_lately.remove(at)
    }

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

/// Something the inbox says in the status line, in place of the pages' sync state, until it
/// is [`NOTICE_LASTS`] old: then the sync state shows again.
#[derive(Debug, Clone)]
pub struct Notice {
    pub text: String,
    pub shown: Instant,
}

/// How long a notice stays.
pub const NOTICE_LASTS: Duration = Duration::from_secs(5);

/// The status line: what the inbox says, and what this process knows of its sync engine.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// What the inbox last said (a reply queued, a search's hits, an error), for a few seconds.
    pub notice: Option<Notice>,
    /// The link the notice shows: the terminal makes it clickable (OSC 8) where it is drawn.
    pub link: Option<String>,
    /// Another process (this pid) runs the sync engine.
    pub standby: Option<String>,
    /// This process's sync engine stopped after an internal error, with what it said.
    pub engine_stopped: Option<String>,
    /// This inbox cannot reach its database (PostgreSQL down, the network): where it is.
    pub database_down: Option<String>,
    /// The reply whose fate the status line reports when the engine is done with it.
    pub watched_reply: Option<i64>,
    /// What was last said of it: said again only when that changes (every write anywhere
    /// reads the database again, and a notice said again would never go).
    pub watched_said: Option<String>,
}

impl Status {
    /// Says `text` from `now` on, in place of any link.
    pub fn say(&mut self, text: String, now: Instant) {
        self.link = None;
        self.notice = Some(Notice { text, shown: now });
    }

    /// What is said now in place of the sync state, if anything.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|n| n.text.as_str())
    }

    /// The notice goes once it is [`NOTICE_LASTS`] old at `now`; returns whether it went.
    pub fn expire(&mut self, now: Instant) -> bool {
        let expired = self
            .notice
            .as_ref()
            .is_some_and(|n| now.saturating_duration_since(n.shown) >= NOTICE_LASTS);
        if expired {
            self.notice = None;
        }
        expired
    }

    /// Starts reporting the fate of reply `row`, afresh.
    pub fn watch_reply(&mut self, row: Option<i64>) {
        self.watched_reply = row;
        self.watched_said = None;
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
