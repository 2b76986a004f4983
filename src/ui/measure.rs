//! The inbox measured on the terminal as it is now: the layout's areas for what the inbox says
//! at this moment (its banners, problems and notice counted at the terminal's width), for the
//! state (how many list rows to read, where the mouse points, how far the chat scrolls) and the
//! view alike.

use ratatui::layout::Rect;

use super::app::{App, Areas};
use super::chat::{ChatScroll, chat_lines, wrap};
use super::layout::{self, ChatSplit, Lines, Panes};
use super::said;

impl App {
    /// Where each part of the inbox goes on a terminal of `area`.
    pub(crate) fn panes(&self, area: Rect) -> Panes {
        let clock = self.clock();
        let lines = Lines {
            banners: said::token_banners(self, area.width).len(),
            problems: said::problem_lines(self, area.width, clock).len(),
            status: said::wrapped_notice(self, area.width, clock).map_or(1, |l| l.len()),
        };
        layout::panes(area, lines)
    }

    /// The chat pane `area` split for the open conversation: its banner, its messages, the
    /// reply box as high as what is typed.
    pub(crate) fn chat_split(&self, area: Rect) -> ChatSplit {
        let open = self.chat.open.as_ref().map(|_| {
            let width = usize::from(area.width.saturating_sub(2));
            let compose_lines = self
                .chat
                .compose
                .lines()
                .iter()
                .map(|line| wrap(line, width).len())
                .sum::<usize>();
            let banner_lines =
                said::chat_banner(self, self.clock()).map(|(words, _)| wrap(&words, width).len());
            (compose_lines, banner_lines)
        });
        layout::chat_split(area, open)
    }

    /// How many conversations fit in the list on a terminal of `area`.
    pub(crate) fn list_capacity_at(&self, area: Rect) -> usize {
        layout::list_capacity(self.panes(area).list)
    }

    /// Where the panes' insides are on the terminal as it is now: for the mouse (nothing, on a
    /// terminal too small to draw in).
    pub fn areas(&self) -> Areas {
        if layout::too_small(self.size) {
            return Areas::default();
        }
        let panes = self.panes(self.size);
        let split = self.chat_split(panes.chat);
        Areas {
            sidebar: panes
                .sidebar
                .map(layout::framed)
                .or(panes.header)
                .unwrap_or_default(),
            list: layout::framed(panes.list),
            chat: split.messages,
            compose: split.compose.unwrap_or_default(),
        }
    }

    /// The row of the status line on the terminal as it is now.
    pub fn status_row(&self) -> u16 {
        self.panes(self.size).status.y
    }

    /// How the open conversation scrolls on the terminal as it is now, if one is open.
    pub(crate) fn chat_scroll(&self) -> Option<ChatScroll> {
        let clock = self.clock();
        let messages = self.chat_split(self.panes(self.size).chat).messages;
        let chat = chat_lines(self, messages.width, clock)?;
        let height = usize::from(messages.height);
        let max = chat.lines.len().saturating_sub(height);
        let highlight = chat
            .highlighted_line
            .map(|line| max - line.saturating_sub(1).min(max));
        Some(ChatScroll {
            max,
            highlight,
            height,
        })
    }

    /// Whether a page shown fails to sync for a reason the details line (and `w`) give.
    pub(crate) fn problems_shown(&self) -> bool {
        !said::why_details(self, self.clock()).is_empty()
    }
}
