//! The pages and filters: a sidebar on wide terminals, a header line on narrow ones, and the
//! banner for a page whose token stopped working.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{filter_name, pane_block};
use crate::i18n::S;
use crate::model::{Filter, SyncErrorKind};
use crate::text::fit;
use crate::ui::app::{App, Pane};

pub(super) fn token_banners(app: &App) -> Vec<Line<'static>> {
    app.pages
        .iter()
        .filter(|p| p.sync.last_error_kind == Some(SyncErrorKind::Token))
        .map(|p| Line::styled(app.tr.f(S::TokenBanner, &[&p.name]), app.theme.banner(true)))
        .collect()
}

pub(super) fn draw_sidebar(frame: &mut Frame, app: &App, area: Rect) {
    let tr = app.tr;
    let block = pane_block(app, tr.t(S::Pages).to_owned(), Pane::Sidebar);
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    let all_unread: usize = app.pages.iter().map(|p| p.unread).sum();
    let item = |label: &str, count: usize, selected: bool| {
        let count = if count > 0 {
            count.to_string()
        } else {
            String::new()
        };
        let label_width = width.saturating_sub(count.width() + 1);
        let text = format!("{} {count}", fit(label, label_width));
        let style = if selected {
            app.theme.selected()
        } else {
            app.theme.normal()
        };
        Line::styled(text, style)
    };
    lines.push(item(tr.t(S::AllPages), all_unread, app.page.is_none()));
    for (index, page) in app.pages.iter().enumerate() {
        let marker = if page.spam_sync { "⚑" } else { " " };
        lines.push(item(
            &format!("{marker}{}", page.name),
            page.unread,
            app.page == Some(index),
        ));
    }
    lines.push(Line::styled(
        fit(&format!("── {} ", tr.t(S::Filters)), width).replace(' ', "─"),
        app.theme.dim(),
    ));
    for (index, filter) in Filter::ALL.into_iter().enumerate() {
        let label = format!("{} {}", index + 1, tr.t(filter_name(filter)));
        lines.push(item(&label, app.counts.of(filter), app.filter == filter));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub(super) fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let tr = app.tr;
    let chosen = |selected: bool| {
        if selected {
            app.theme.selected()
        } else {
            app.theme.normal()
        }
    };
    let filters: Vec<(String, bool)> = Filter::ALL
        .into_iter()
        .enumerate()
        .map(|(index, filter)| {
            let label = format!(
                " {} {} {} ",
                index + 1,
                tr.t(filter_name(filter)),
                app.counts.of(filter)
            );
            (label, app.filter == filter)
        })
        .collect();
    let filters_width: usize = filters
        .iter()
        .map(|(label, _)| label.width())
        .sum::<usize>()
        + 1;
    // The pages share what the filters leave.
    let room = usize::from(area.width).saturating_sub(filters_width);
    let each = (room / (app.pages.len() + 1)).max(4);
    let mut spans = vec![Span::styled(
        fit(&format!(" {}", tr.t(S::AllPages)), each),
        chosen(app.page.is_none()),
    )];
    for (index, page) in app.pages.iter().enumerate() {
        let marker = if page.spam_sync { "⚑" } else { "" };
        let unread = if page.unread > 0 {
            format!("({})", page.unread)
        } else {
            String::new()
        };
        let name_width = each.saturating_sub(unread.width() + marker.width() + 1);
        let label = format!(
            " {marker}{}{unread}",
            fit(&page.name, name_width).trim_end()
        );
        spans.push(Span::styled(
            fit(&label, each),
            chosen(app.page == Some(index)),
        ));
    }
    spans.push(Span::styled("│", app.theme.dim()));
    spans.extend(
        filters
            .into_iter()
            .map(|(label, selected)| Span::styled(label, chosen(selected))),
    );
    let style = if app.focus == Pane::Sidebar {
        app.theme.focused_border()
    } else {
        app.theme.normal()
    };
    frame.render_widget(Paragraph::new(Line::from(spans)).style(style), area);
}
