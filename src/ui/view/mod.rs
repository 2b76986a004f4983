//! Drawing the inbox: sidebar (pages and filters), conversation list, chat with its banner and
//! reply box, status and key hints, and the overlays. Narrow terminals fold the sidebar into a
//! header line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::{App, Areas, Overlay, Pane, ROW_HEIGHT};
use super::clock::Clock;
use crate::i18n::S;
use crate::model::{Filter, LabelMatch};
use crate::text::fit;
pub use chat_pane::ChatScroll;
use chat_pane::draw_chat;
use list::draw_list;
pub use overlays::scroll_limit;
use overlays::{draw_attach, draw_picture, draw_settings, draw_window};
use sidebar::{draw_header, draw_sidebar, token_banners};
use status::{draw_hints, draw_problems, draw_status, problem_lines};

mod chat_pane;
mod list;
mod overlays;
mod sidebar;
mod status;
mod team;

/// Below this width the sidebar folds into a header line.
const SIDEBAR_MIN_WIDTH: u16 = 110;
const SIDEBAR_WIDTH: u16 = 28;
/// The smallest terminal the inbox is drawn in: the list, the chat, the header and the key
/// hints all readable. Below it, one line asks for a bigger window.
pub const MIN_WIDTH: u16 = 70;
pub const MIN_HEIGHT: u16 = 20;

fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

pub fn draw(frame: &mut Frame, app: &App) {
    draw_at(frame, app, app.clock());
}

fn filter_name(filter: Filter) -> S {
    match filter {
        Filter::All => S::FilterAll,
        Filter::Spam => S::FilterSpam,
        Filter::Unread => S::FilterUnread,
        Filter::Unreplied => S::FilterUnreplied,
        Filter::Done => S::FilterDone,
        Filter::Mine => S::FilterMine,
        Filter::NotSent => S::FilterNotSent,
    }
}

/// "any" or "all" of the labels the list is narrowed to.
fn label_match_name(label_match: LabelMatch) -> S {
    match label_match {
        LabelMatch::Any => S::LabelsAny,
        LabelMatch::All => S::LabelsAll,
    }
}

/// Where each part of the inbox goes on a terminal of `area`. Drawing and knowing how many
/// list rows to read (on a resize or a reload, never while drawing) both use it.
pub(crate) struct Panes {
    banner: Rect,
    sidebar: Option<Rect>,
    header: Option<Rect>,
    pub list: Rect,
    chat: Rect,
    problems: Rect,
    status: Rect,
    hints: Rect,
}

pub(crate) fn panes(app: &App, area: Rect) -> Panes {
    // A page whose token stopped working, and why a page does not sync: whole, wrapped, up to
    // a quarter of the screen.
    let banners = (token_banners(app, area.width).len() as u16).min(area.height / 4);
    let problems = problem_lines(app, area.width, app.clock()).len() as u16;
    let problems = problems.min(area.height / 4);
    let status_height = status::wrapped_notice(app, area.width, app.clock()).map_or(1, |l| l.len());
    let [banner, main, problems, status, hints] = Layout::vertical([
        Constraint::Length(banners),
        Constraint::Min(3),
        Constraint::Length(problems),
        Constraint::Length(status_height as u16),
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

/// How many conversations fit in the list on a terminal of `area`.
pub(crate) fn list_capacity(app: &App, area: Rect) -> usize {
    let list = panes(app, area).list;
    (usize::from(list.height.saturating_sub(2)) / ROW_HEIGHT).max(1)
}

/// Where the panes' insides are on the terminal as it is now: for the mouse (nothing, on a
/// terminal too small to draw in).
pub fn areas(app: &App) -> Areas {
    if too_small(app.size) {
        return Areas::default();
    }
    let panes = panes(app, app.size);
    let framed = |area: Rect| Block::default().borders(Borders::ALL).inner(area);
    let split = chat_pane::split(app, panes.chat, app.clock());
    Areas {
        sidebar: panes
            .sidebar
            .map(framed)
            .or(panes.header)
            .unwrap_or_default(),
        list: framed(panes.list),
        chat: split.messages,
        compose: split.compose.unwrap_or_default(),
    }
}

/// Whether a page shown fails to sync for a reason the details line (and `w`) give.
pub fn problems_shown(app: &App) -> bool {
    !status::why_details(app, app.clock()).is_empty()
}

/// The row of the status line on the terminal as it is now.
pub fn status_row(app: &App) -> u16 {
    panes(app, app.size).status.y
}

/// How the open conversation scrolls on the terminal as it is now, if one is open.
pub fn chat_scroll(app: &App) -> Option<ChatScroll> {
    chat_pane::chat_scroll(app, panes(app, app.size).chat)
}

/// Draws as of the clock's time and in its zone, so tests get the same screen every time.
pub fn draw_at(frame: &mut Frame, app: &App, clock: Clock) {
    let area = frame.area();
    if too_small(area) {
        let size = format!("{MIN_WIDTH}x{MIN_HEIGHT}");
        let now = format!("{}x{}", area.width, area.height);
        let ask = app.tr.f(S::WindowTooSmall, &[&size, &now]);
        frame.render_widget(
            Paragraph::new(fit(&ask, usize::from(area.width))).style(app.theme.bold()),
            area,
        );
        return;
    }
    let panes = panes(app, area);
    let banners: Vec<Line> = token_banners(app, area.width)
        .into_iter()
        .map(|line| Line::styled(line, app.theme.banner(true)))
        .collect();
    frame.render_widget(Paragraph::new(banners), panes.banner);
    if let Some(sidebar) = panes.sidebar {
        draw_sidebar(frame, app, sidebar);
    }
    if let Some(header) = panes.header {
        draw_header(frame, app, header);
    }
    draw_list(frame, app, panes.list, clock);
    draw_chat(frame, app, panes.chat, clock);
    draw_problems(frame, app, panes.problems, clock);
    draw_status(frame, app, panes.status, clock);
    draw_hints(frame, app, panes.hints);
    match app.overlay {
        Some(overlay @ (Overlay::Help { top } | Overlay::Why { top })) => {
            draw_window(frame, app, overlay, top, clock)
        }
        Some(Overlay::Settings { cursor }) => draw_settings(frame, app, cursor),
        Some(Overlay::Picture) => draw_picture(frame, app),
        Some(Overlay::Attach) => draw_attach(frame, app),
        Some(Overlay::Labels) => team::draw_labels(frame, app),
        Some(Overlay::Assign) => team::draw_assign(frame, app),
        Some(Overlay::Copy { cursor }) => team::draw_copy(frame, app, cursor),
        Some(overlay @ Overlay::Customer { top }) => draw_window(frame, app, overlay, top, clock),
        Some(Overlay::Stats) => team::draw_stats(frame, app, clock),
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
