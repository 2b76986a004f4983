//! The open conversation: its banner, its messages, the reply box and the quick-reply picker.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::pane_block;
use crate::i18n::S;
use crate::keymap::{Action, Mode};
use crate::text::fit;
use crate::ui::app::{App, Pane};
use crate::ui::chat::ChatView;
use crate::ui::clock::Clock;

pub(super) fn draw_chat(frame: &mut Frame, app: &mut App, area: Rect, clock: Clock) {
    let tr = app.tr;
    let Some(open) = app.open.as_ref() else {
        let block = pane_block(app, String::new(), Pane::Chat);
        app.areas.chat = block.inner(area);
        frame.render_widget(
            Paragraph::new(tr.t(S::NothingOpen))
                .style(app.theme.dim())
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    };
    let spam = open.conversation.spam;
    let title = format!(
        "{} · {}",
        open.conversation.customer_name, open.conversation.page_name
    );
    let compose_lines = app.compose.lines().len().clamp(1, 5) as u16;
    let [chat_area, compose_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(compose_lines + 2)]).areas(area);
    let block = pane_block(app, title, Pane::Chat);
    let mut inner = block.inner(chat_area);
    frame.render_widget(block, chat_area);
    let banner = if !open.conversation.can_reply {
        Some((format!("⊘ {}", tr.t(S::CannotReplyBanner)), true))
    } else if spam {
        Some((format!("⚑ {}", tr.t(S::SpamBanner)), false))
    } else {
        None
    };
    if let Some((words, error)) = banner {
        let [banner, rest] =
            Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(
            Paragraph::new(words)
                .style(app.theme.banner(error))
                .wrap(Wrap { trim: true }),
            banner,
        );
        inner = rest;
    }
    app.areas.chat = inner;
    let view = ChatView {
        messages: &open.messages,
        new_from: open.new_from,
        highlight: app.highlight,
        width: usize::from(inner.width),
        retry_key: app
            .settings
            .keymap
            .keys(Mode::Inbox, Action::Retry)
            .first()
            .map(ToString::to_string),
        tr,
        theme: app.theme,
        clock,
    };
    let chat = view.lines();
    let height = usize::from(inner.height);
    let total = chat.lines.len();
    let max_scroll = total.saturating_sub(height);
    let open = app.open.as_mut().expect("checked above");
    if open.reveal_highlight {
        open.reveal_highlight = false;
        if let Some(line) = chat.highlighted_line {
            let start = line.saturating_sub(1).min(max_scroll);
            open.scroll = max_scroll - start;
        }
    }
    open.scroll = open.scroll.min(max_scroll);
    let start = max_scroll - open.scroll;
    let visible: Vec<Line> = chat.lines.into_iter().skip(start).take(height).collect();
    frame.render_widget(Paragraph::new(visible), inner);
    draw_compose(frame, app, compose_area);
}

pub(super) fn draw_compose(frame: &mut Frame, app: &mut App, area: Rect) {
    let tr = app.tr;
    let block = pane_block(app, tr.t(S::Reply).to_owned(), Pane::Compose);
    app.areas.compose = area;
    app.compose.set_block(block);
    app.compose.set_cursor_line_style(Style::default());
    app.compose.set_cursor_style(if app.focus == Pane::Compose {
        app.theme.selected()
    } else {
        Style::default()
    });
    frame.render_widget(&app.compose, area);
    if let Some(matches) = app.picker_matches() {
        draw_picker(frame, app, area, &matches);
    }
}

pub(super) fn draw_picker(frame: &mut Frame, app: &App, compose: Rect, matches: &[usize]) {
    let tr = app.tr;
    let rows = matches.len().clamp(1, 8) as u16;
    let height = rows + 2;
    let area = Rect {
        x: compose.x,
        y: compose.y.saturating_sub(height),
        width: compose.width,
        height: height.min(compose.y),
    };
    let width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = if matches.is_empty() {
        let typed = app.compose.lines()[0].trim_start_matches('/').to_owned();
        vec![Line::styled(
            tr.f(S::NoQuickReply, &[&typed]),
            app.theme.dim(),
        )]
    } else {
        matches
            .iter()
            .take(8)
            .enumerate()
            .map(|(position, &index)| {
                let reply = &app.settings.quick_replies[index];
                let shortcut = format!("/{} ", reply.shortcut);
                let text = fit(
                    &reply.text.replace('\n', " "),
                    width.saturating_sub(shortcut.width()),
                );
                let line = Line::from(vec![
                    Span::styled(shortcut, app.theme.bold()),
                    Span::raw(text),
                ]);
                if position == app.picker_selected.min(matches.len() - 1) {
                    line.style(app.theme.selected())
                } else {
                    line
                }
            })
            .collect()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(tr.t(S::QuickReplies));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
