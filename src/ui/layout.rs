//! Where each part of the inbox goes, from plain sizes only: the terminal's, and how many lines
//! the token banners, the problem details, the status line, the chat's banner and the reply box
//! take. Drawing and the state (how many list rows to read, where the mouse points, how far the
//! chat scrolls) both use it; it reads nothing else.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders};

/// Below this width the sidebar folds into a header line.
const SIDEBAR_MIN_WIDTH: u16 = 110;
const SIDEBAR_WIDTH: u16 = 28;
/// The smallest terminal the inbox is drawn in: the list, the chat, the header and the key
/// hints all readable. Below it, one line asks for a bigger window.
pub const MIN_WIDTH: u16 = 70;
pub const MIN_HEIGHT: u16 = 20;

/// Rows of the conversation list per conversation.
pub const ROW_HEIGHT: usize = 2;

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// How many lines the parts that grow with what they say take, at the terminal's width.
#[derive(Debug, Clone, Copy)]
pub struct Lines {
    /// Banners of pages whose token stopped working.
    pub banners: usize,
    /// Why the pages shown do not sync.
    pub problems: usize,
    /// The status line, a long notice wrapped.
    pub status: usize,
}

/// Where each part of the inbox goes on a terminal.
pub struct Panes {
    pub banner: Rect,
    pub sidebar: Option<Rect>,
    pub header: Option<Rect>,
    pub list: Rect,
    pub chat: Rect,
    pub problems: Rect,
    pub status: Rect,
    pub hints: Rect,
}

pub fn panes(area: Rect, lines: Lines) -> Panes {
    // The banners and the problems whole, wrapped, up to a quarter of the screen each.
    let quarter = usize::from(area.height / 4);
    let height = |lines: usize| u16::try_from(lines).unwrap_or(u16::MAX);
    let [banner, main, problems, status, hints] = Layout::vertical([
        Constraint::Length(height(lines.banners.min(quarter))),
        Constraint::Min(3),
        Constraint::Length(height(lines.problems.min(quarter))),
        Constraint::Length(height(lines.status)),
        Constraint::Length(1),
    ])
    .areas(area);
    let (sidebar, header, [list, chat]) = if area.width >= SIDEBAR_MIN_WIDTH {
        let [sidebar, list, chat] = Layout::horizontal([
            Constraint::Length(SIDEBAR_WIDTH),
            Constraint::Percentage(38),
            Constraint::Fill(1),
        ])
        .areas(main);
        (Some(sidebar), None, [list, chat])
    } else {
        let [header, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(main);
        let list_width = (area.width * 2 / 5).max(30);
        let panes =
            Layout::horizontal([Constraint::Length(list_width), Constraint::Fill(1)]).areas(rest);
        (None, Some(header), panes)
    };
    Panes {
        banner,
        sidebar,
        header,
        list,
        chat,
        problems,
        status,
        hints,
    }
}

/// How many conversations fit in the list pane `list` (its frame included).
pub fn list_capacity(list: Rect) -> usize {
    (usize::from(list.height.saturating_sub(2)) / ROW_HEIGHT).max(1)
}

/// Inside a pane's frame.
pub fn framed(area: Rect) -> Rect {
    Block::default().borders(Borders::ALL).inner(area)
}

/// Where the open conversation's parts go in the chat pane.
pub struct ChatSplit {
    /// The chat's frame (the whole pane when nothing is open).
    pub frame: Rect,
    pub banner: Option<Rect>,
    /// Inside the frame, below the banner: the messages.
    pub messages: Rect,
    pub compose: Option<Rect>,
}

/// The chat pane `area` split for an open conversation whose reply box holds `compose_lines`
/// lines (wrapped) and whose banner takes `banner_lines` (none: no banner); `None` when no
/// conversation is open.
pub fn chat_split(area: Rect, open: Option<(usize, Option<usize>)>) -> ChatSplit {
    let Some((compose_lines, banner_lines)) = open else {
        return ChatSplit {
            frame: area,
            banner: None,
            messages: framed(area),
            compose: None,
        };
    };
    // The reply box grows with what is typed, up to five lines.
    let compose_lines = compose_lines.clamp(1, 5) as u16;
    let [frame, compose] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(compose_lines + 2)]).areas(area);
    let inner = framed(frame);
    let (banner, messages) = match banner_lines {
        Some(lines) => {
            // As many lines as the words take, up to three.
            let lines = lines.clamp(1, 3) as u16;
            let [banner, rest] =
                Layout::vertical([Constraint::Length(lines), Constraint::Fill(1)]).areas(inner);
            (Some(banner), rest)
        }
        None => (None, inner),
    };
    ChatSplit {
        frame,
        banner,
        messages,
        compose: Some(compose),
    }
}

/// A window of `width` × `height` in the middle of `area`, as much of it as fits.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A scrolling window's size on a screen of `area`, for `lines` lines.
pub fn window_area(area: Rect, lines: usize) -> Rect {
    centered(area, 78, lines as u16 + 2)
}
