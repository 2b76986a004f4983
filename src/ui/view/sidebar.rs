//! The pages and filters: a sidebar on wide terminals, a header line (the page shown and the
//! filters) on narrow ones.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{filter_name, pane_block};
use crate::i18n::S;
use crate::model::Filter;
use crate::text::fit;
use crate::ui::app::{App, Pane};

pub(super) fn draw_sidebar(frame: &mut Frame, app: &App, area: Rect) {
    let tr = app.tr;
    let block = pane_block(app, tr.t(S::Pages).to_owned(), Pane::Sidebar);
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    let all_unread: usize = app.sidebar.pages.iter().map(|p| p.unread).sum();
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
    lines.push(item(
        tr.t(S::AllPages),
        all_unread,
        app.sidebar.page.is_none(),
    ));
    for (index, page) in app.sidebar.pages.iter().enumerate() {
        let marker = if page.spam_sync { "⚑" } else { " " };
        lines.push(item(
            &format!("{marker}{}", page.name),
            page.unread,
            app.sidebar.page == Some(index),
        ));
    }
    // A rule with the heading in it: the rule fills the padding, not the heading's spaces.
    let heading = fit(&format!("── {} ", tr.t(S::Filters)), width);
    let words = heading.trim_end().width();
    lines.push(Line::styled(
        format!(
            "{} {}",
            heading.trim_end(),
            "─".repeat(width.saturating_sub(words + 1))
        ),
        app.theme.dim(),
    ));
    for (index, filter) in Filter::ALL.into_iter().enumerate() {
        let label = format!("{} {}", index + 1, tr.t(filter_name(filter)));
        lines.push(item(
            &label,
            app.list.counts.of(filter),
            app.list.filter == filter,
        ));
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
    let (name, marker, unread) = match app.sidebar.page.map(|i| &app.sidebar.pages[i]) {
        Some(page) => (
            page.name.as_str(),
            if page.spam_sync { "⚑" } else { "" },
            page.unread,
        ),
        None => (
            tr.t(S::AllPages),
            "",
            app.sidebar.pages.iter().map(|p| p.unread).sum(),
        ),
    };
    let unread = if unread > 0 {
        format!(" ({unread})")
    } else {
        String::new()
    };
    let position = format!(
        " {}/{} ",
        app.sidebar.page.map_or(1, |i| i + 2),
        app.sidebar.pages.len() + 1
    );
    let page_width = 1 + marker.width() + name.width() + unread.width() + position.width();
    // Every filter with its count; where that leaves the page's name no room, every count
    // with the chosen filter named (Vietnamese names are longer); else the chosen one alone.
    let labelled = |named: &dyn Fn(Filter) -> bool| -> Vec<(String, bool)> {
        Filter::ALL
            .into_iter()
            .enumerate()
            .map(|(index, filter)| {
                let count = app.list.counts.of(filter);
                let label = match named(filter) {
                    true => format!(" {} {} {count} ", index + 1, tr.t(filter_name(filter))),
                    false => format!(" {}:{count} ", index + 1),
                };
                (label, app.list.filter == filter)
            })
            .collect()
    };
    let fits = |filters: &[(String, bool)]| {
        let width: usize = filters.iter().map(|(label, _)| label.width()).sum();
        page_width + 1 + width <= usize::from(area.width)
    };
    let all_filters = labelled(&|_| true);
    let counts = labelled(&|filter| filter == app.list.filter);
    let filters = if fits(&all_filters) {
        all_filters
    } else if fits(&counts) {
        counts
    } else {
        let chosen = format!(
            " {} {} ",
            tr.t(filter_name(app.list.filter)),
            app.list.counts.of(app.list.filter)
        );
        vec![(chosen, true), (format!("1-{} ", Filter::ALL.len()), false)]
    };
    let filters_width: usize = filters
        .iter()
        .map(|(label, _)| label.width())
        .sum::<usize>()
        + 1;
    // The page shown, whole if it fits, with where it is among the pages ([ and ] move).
    let room = usize::from(area.width).saturating_sub(filters_width);
    let name_width = room.saturating_sub(1 + marker.width() + unread.width() + position.width());
    let label = format!(" {marker}{}{unread}", fit(name, name_width).trim_end());
    let gap = " ".repeat(room.saturating_sub(label.width() + position.width()));
    let mut spans = vec![
        Span::styled(label, app.theme.selected()),
        Span::raw(gap),
        Span::styled(position, app.theme.dim()),
    ];
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
