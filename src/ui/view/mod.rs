//! Drawing the inbox: sidebar (pages and filters), conversation list, chat with its banner and
//! reply box, status and key hints, and the overlays. Narrow terminals fold the sidebar into a
//! header line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::{App, Areas, Overlay, Pane, ROW_HEIGHT};
use super::clock::Clock;
use crate::i18n::S;
use crate::model::Filter;
pub use chat_pane::ChatScroll;
use chat_pane::draw_chat;
use list::draw_list;
pub use overlays::help_scroll_limit;
use overlays::{draw_help, draw_settings};
use sidebar::{draw_header, draw_sidebar, token_banners};
use status::{draw_hints, draw_problems, draw_status, problem_lines};

mod chat_pane;
mod list;
mod overlays;
mod sidebar;
mod status;

/// Below this width the sidebar folds into a header line.
const SIDEBAR_MIN_WIDTH: u16 = 110;
/// Below this width only one of list and chat is shown.
const TWO_PANES_MIN_WIDTH: u16 = 60;
const SIDEBAR_WIDTH: u16 = 28;

pub fn draw(frame: &mut Frame, app: &App) {
    draw_at(frame, app, Clock::local());
}

fn filter_name(filter: Filter) -> S {
    match filter {
        Filter::All => S::FilterAll,
        Filter::Spam => S::FilterSpam,
        Filter::Unread => S::FilterUnread,
        Filter::Unreplied => S::FilterUnreplied,
    }
}

/// Where each part of the inbox goes on a terminal of `area`. Drawing and knowing how many
/// list rows to read (on a resize or a reload, never while drawing) both use it.
pub(crate) struct Panes {
    banner: Rect,
    sidebar: Option<Rect>,
    header: Option<Rect>,
    pub list: Option<Rect>,
    chat: Option<Rect>,
    problems: Rect,
    status: Rect,
    hints: Rect,
}

pub(crate) fn panes(app: &App, area: Rect) -> Panes {
    let banners = token_banners(app).len() as u16;
    // Why a page does not sync, whole, up to a quarter of the screen.
    let problems = problem_lines(app, area.width, Clock::local()).len() as u16;
    let problems = problems.min(area.height / 4);
    let [banner, main, problems, status, hints] = Layout::vertical([
        Constraint::Length(banners),
        Constraint::Min(3),
        Constraint::Length(problems),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut panes = Panes {
        banner,
        problems,
        sidebar: None,
        header: None,
        list: None,
        chat: None,
        status,
        hints,
    };
    if area.width >= SIDEBAR_MIN_WIDTH {
        let [sidebar, list, chat] = Layout::horizontal([
            Constraint::Length(SIDEBAR_WIDTH),
            Constraint::Percentage(38),
            Constraint::Fill(1),
        ])
        .areas(main);
        (panes.sidebar, panes.list, panes.chat) = (Some(sidebar), Some(list), Some(chat));
        return panes;
    }
    let [header, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(main);
    panes.header = Some(header);
    if area.width >= TWO_PANES_MIN_WIDTH {
        let list_width = (area.width * 2 / 5).max(30);
        let [list, chat] =
            Layout::horizontal([Constraint::Length(list_width), Constraint::Fill(1)]).areas(rest);
        (panes.list, panes.chat) = (Some(list), Some(chat));
    } else if matches!(app.focus, Pane::Chat | Pane::Compose) {
        panes.chat = Some(rest);
    } else {
        panes.list = Some(rest);
    }
    panes
}

/// How many conversations fit in the list on a terminal of `area`. On a terminal so narrow
/// that the list and the chat take turns, the chat's place is the list's.
pub(crate) fn list_capacity(app: &App, area: Rect) -> usize {
    let panes = panes(app, area);
    panes.list.or(panes.chat).map_or(1, |list| {
        (usize::from(list.height.saturating_sub(2)) / ROW_HEIGHT).max(1)
    })
}

/// Where the panes' insides are on the terminal as it is now: for the mouse.
pub fn areas(app: &App) -> Areas {
    let panes = panes(app, app.size);
    let framed = |area: Rect| Block::default().borders(Borders::ALL).inner(area);
    let mut areas = Areas::default();
    if let Some(sidebar) = panes.sidebar {
        areas.sidebar = framed(sidebar);
    }
    if let Some(header) = panes.header {
        areas.sidebar = header;
    }
    if let Some(list) = panes.list {
        areas.list = framed(list);
    }
    if let Some(chat) = panes.chat {
        let split = chat_pane::split(app, chat);
        areas.chat = split.messages;
        areas.compose = split.compose.unwrap_or_default();
    }
    areas
}

/// How the open conversation scrolls on the terminal as it is now, if one is open. On a
/// terminal so narrow that the list and the chat take turns, the chat's place is the list's.
pub fn chat_scroll(app: &App) -> Option<ChatScroll> {
    let panes = panes(app, app.size);
    chat_pane::chat_scroll(app, panes.chat.or(panes.list)?)
}

/// Draws as of the clock's time and in its zone, so tests get the same screen every time.
pub fn draw_at(frame: &mut Frame, app: &App, clock: Clock) {
    let panes = panes(app, frame.area());
    frame.render_widget(Paragraph::new(token_banners(app)), panes.banner);
    if let Some(sidebar) = panes.sidebar {
        draw_sidebar(frame, app, sidebar);
    }
    if let Some(header) = panes.header {
        draw_header(frame, app, header);
    }
    if let Some(list) = panes.list {
        draw_list(frame, app, list, clock);
    }
    if let Some(chat) = panes.chat {
        draw_chat(frame, app, chat, clock);
    }
    draw_problems(frame, app, panes.problems, clock);
    draw_status(frame, app, panes.status, clock);
    draw_hints(frame, app, panes.hints);
    match app.overlay {
        Some(Overlay::Help { top }) => draw_help(frame, app, top),
        Some(Overlay::Settings { cursor }) => draw_settings(frame, app, cursor),
        None => {}
    }
}

fn pane_block(app: &App, title: String, pane: Pane) -> Block<'static> {
    let style = if app.focus == pane && app.overlay.is_none() {
        app.theme.focused_border()
    } else {
        app.theme.border()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(title)
}
