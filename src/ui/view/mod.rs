//! Drawing the inbox: sidebar (pages and filters), conversation list, chat with its banner and
//! reply box, status and key hints, and the overlays. Narrow terminals fold the sidebar into a
//! header line.

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::{App, Overlay, Pane};
use super::clock::Clock;
use super::layout::{MIN_HEIGHT, MIN_WIDTH, too_small};
use super::said::token_banners;
use crate::i18n::S;
use crate::model::{Filter, LabelMatch};
use chat_pane::draw_chat;
use list::draw_list;
use overlays::{draw_attach, draw_picture, draw_settings, draw_window};
use sidebar::{draw_header, draw_sidebar};
use status::{draw_hints, draw_problems, draw_status};

mod chat_pane;
mod list;
mod orders;
mod overlays;
mod sidebar;
mod status;
mod team;

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
        Filter::Comments => S::FilterComments,
        Filter::Orders => S::FilterOrders,
    }
}

/// "any" or "all" of the labels the list is narrowed to.
fn label_match_name(label_match: LabelMatch) -> S {
    match label_match {
        LabelMatch::Any => S::LabelsAny,
        LabelMatch::All => S::LabelsAll,
    }
}

/// Draws as of the clock's time and in its zone, so tests get the same screen every time.
pub fn draw_at(frame: &mut Frame, app: &App, clock: Clock) {
    let area = frame.area();
    if too_small(area) {
        let size = format!("{MIN_WIDTH}x{MIN_HEIGHT}");
        let now = format!("{}x{}", area.width, area.height);
        let ask = app.tr.f(S::WindowTooSmall, &[&size, &now]);
        // Wrapped whole: on a small screen the way out must not be cut off.
        frame.render_widget(
            Paragraph::new(ask)
                .style(app.theme.bold())
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let panes = app.panes(area);
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
    match &app.overlay {
        Some(
            overlay
            @ (Overlay::Help { top } | Overlay::Why { top } | Overlay::Customer { top, .. }),
        ) => draw_window(frame, app, overlay, *top, clock),
        Some(Overlay::Settings { cursor }) => draw_settings(frame, app, *cursor),
        Some(Overlay::Picture { key }) => draw_picture(frame, app, key),
        Some(Overlay::Attach(prompt)) => draw_attach(frame, app, prompt),
        Some(Overlay::Labels(picker)) => team::draw_labels(frame, app, picker),
        Some(Overlay::Assign(prompt)) => team::draw_assign(frame, app, prompt),
        Some(Overlay::Copy { choices, cursor }) => team::draw_copy(frame, app, choices, *cursor),
        Some(Overlay::Stats { stats }) => team::draw_stats(frame, app, stats.as_ref(), clock),
        Some(Overlay::Orders(window)) => orders::draw_orders(frame, app, window, clock),
        Some(Overlay::OrderForm(form)) => orders::draw_order_form(frame, app, form),
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
