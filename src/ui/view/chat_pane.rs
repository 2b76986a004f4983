//! The open conversation: its banner, its messages, the reply box and the quick-reply picker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::WrapMode;
use unicode_width::UnicodeWidthStr;

use super::list::reply_window;
use super::pane_block;
use crate::i18n::S;
use crate::model::MAX_REPLY_CHARS;
use crate::text::fit;
use crate::ui::app::{App, Pane};
use crate::ui::chat::chat_lines;
use crate::ui::clock::Clock;
use crate::ui::pictures::PictureState;
use crate::ui::said::chat_banner;

pub(super) fn draw_chat(frame: &mut Frame, app: &App, area: Rect, clock: Clock) {
    let tr = app.tr;
    let split = app.chat_split(area);
    let Some(open) = app.chat.open.as_ref() else {
        let block = pane_block(app, String::new(), Pane::Chat);
        let why = if app.status.database_down.is_some() && app.selected_conversation().is_some() {
            S::UnreadableNow
        } else {
            S::NothingOpen
        };
        frame.render_widget(
            Paragraph::new(tr.t(why))
                .style(app.theme.dim())
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    };
    // Where its newest order is, at a glance (t shows them all), before the page's name,
    // which a narrow pane cuts first.
    let order = open
        .conversation
        .order_state
        .map(|state| format!(" · {}", tr.f(S::ChatOrderMark, &[&tr.order_state(state)])))
        .unwrap_or_default();
    let title = format!(
        "{}{order} · {}",
        open.conversation.customer_name, open.conversation.page_name
    );
    frame.render_widget(pane_block(app, title, Pane::Chat), split.frame);
    if let (Some((words, error)), Some(area)) = (chat_banner(app, clock), split.banner) {
        frame.render_widget(
            Paragraph::new(words)
                .style(app.theme.banner(error))
                .wrap(Wrap { trim: true }),
            area,
        );
    }
    let inner = split.messages;
    let Some(chat) = chat_lines(app, inner.width, clock) else {
        return;
    };
    let height = usize::from(inner.height);
    let max_scroll = chat.lines.len().saturating_sub(height);
    let start = max_scroll - open.scroll.min(max_scroll);
    let visible: Vec<Line> = chat.lines.into_iter().skip(start).take(height).collect();
    frame.render_widget(Paragraph::new(visible), inner);
    // Pictures wholly on screen drawn by the terminal, where it can; a picture cut by the
    // pane's edge stays half blocks (a terminal picture cannot be cut).
    for place in &chat.pictures {
        let Some(PictureState::Ready(picture)) = app.pictures.get(&place.key) else {
            continue;
        };
        let rows = usize::from(place.rows);
        if place.line < start || place.line + rows > start + height {
            continue;
        }
        let area = Rect::new(
            inner.x + 2,
            inner.y + (place.line - start) as u16,
            place.columns,
            place.rows,
        )
        .intersection(inner);
        app.graphics
            .draw(&place.key, picture, area, frame.buffer_mut(), false);
    }
    if let Some(compose) = split.compose {
        draw_compose(frame, app, compose, clock);
    }
}

fn draw_compose(frame: &mut Frame, app: &App, area: Rect, clock: Clock) {
    let tr = app.tr;
    // The box is styled for this frame only: drawing changes nothing in the app.
    let mut compose = app.chat.compose.clone();
    let thread = app
        .chat
        .open
        .as_ref()
        .filter(|o| o.conversation.post_id.is_some());
    // Under a post, Enter answers in public (Ctrl-T privately, said in the banner), or
    // privately again a private answer taken back to be edited.
    let title = match thread {
        Some(open) if app.chat.private_answer.contains(&open.conversation.id) => S::ReplyPrivately,
        Some(_) => S::ReplyInPublic,
        None => S::Reply,
    };
    let thread = thread.is_some();
    let mut title = tr.t(title).to_owned();
    if let Some(open) = &app.chat.open {
        let names = |typing: bool| {
            let names: Vec<&str> = open
                .others
                .iter()
                .filter(|o| o.typing == typing)
                .map(|o| o.staff.as_str())
                .collect();
            names.join(", ")
        };
        for (typing, key) in [(true, S::OthersReplying), (false, S::OthersHaveItOpen)] {
            let names = names(typing);
            if !names.is_empty() {
                title.push_str(" · ");
                title.push_str(&tr.f(key, &[&names]));
            }
        }
    }
    // The files going with the reply, after its text.
    let attached: Vec<String> = app
        .attached_here()
        .iter()
        .map(|f| format!("{} ({})", f.name, crate::i18n::file_size(f.size)))
        .collect();
    if !attached.is_empty() {
        title.push_str(" · ");
        // The count first: it shows even when the names are cut.
        let count = attached.len();
        title.push_str(&tr.f(S::AttachedFiles, &[&count, &attached.join(", ")]));
    }
    let mut block = pane_block(app, title, Pane::Compose);
    if let Some(open) = &app.chat.open {
        // The reply window, and how much room Facebook leaves for the reply.
        let window = match thread {
            true => tr.t(S::NoWindowUnderPost).to_owned(),
            false => reply_window(tr, &open.conversation, app.settings.human_agent_tag, clock),
        };
        let typed: usize = app
            .chat
            .compose
            .lines()
            .iter()
            .map(|l| l.chars().count())
            .sum::<usize>()
            + app.chat.compose.lines().len().saturating_sub(1);
        let (footer, over) = match MAX_REPLY_CHARS.checked_sub(typed) {
            Some(left) => (tr.f(S::ReplyFooter, &[&window, &left]), false),
            None => (
                tr.f(S::ReplyFooterOver, &[&window, &(typed - MAX_REPLY_CHARS)]),
                true,
            ),
        };
        let refused = !thread && app.reply_to(&open.conversation).allowed(clock.now).is_err();
        let style = if over || refused {
            app.theme.error()
        } else {
            app.theme.dim()
        };
        block = block.title_bottom(Line::styled(format!(" {footer} "), style).right_aligned());
    }
    compose.set_block(block);
    compose.set_wrap_mode(WrapMode::WordOrGlyph);
    compose.set_cursor_line_style(Style::default());
    compose.set_cursor_style(if app.focus == Pane::Compose {
        app.theme.selected()
    } else {
        Style::default()
    });
    frame.render_widget(&compose, area);
    if let Some(matches) = app.picker_matches() {
        draw_picker(frame, app, area, &matches);
    }
}

fn draw_picker(frame: &mut Frame, app: &App, compose: Rect, matches: &[usize]) {
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
        let typed = app.chat.compose.lines()[0]
            .trim_start_matches('/')
            .to_owned();
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
                if position == app.chat.picker_selected.min(matches.len() - 1) {
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
