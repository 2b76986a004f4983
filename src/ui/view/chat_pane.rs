//! The open conversation: its banner, its messages, the reply box and the quick-reply picker.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::WrapMode;
use unicode_width::UnicodeWidthStr;

use super::list::reply_window;
use super::pane_block;
use crate::i18n::S;
use crate::keymap::{Action, Mode};
use crate::model::MAX_REPLY_CHARS;
use crate::text::fit;
use crate::ui::app::{App, Pane};
use crate::ui::chat::{ChatLines, ChatView, wrap};
use crate::ui::clock::Clock;
use crate::ui::pictures::PictureState;

/// Where the open conversation's parts go in the chat pane's `area`.
pub(super) struct ChatSplit {
    /// The chat's frame (the whole pane when nothing is open).
    pub frame: Rect,
    pub banner: Option<Rect>,
    /// Inside the frame, below the banner: the messages.
    pub messages: Rect,
    pub compose: Option<Rect>,
}

/// The banner over the open conversation, if it needs one, and whether it warns of an error.
fn banner(app: &App, clock: Clock) -> Option<(String, bool)> {
    let open = app.open.as_ref()?;
    let tr = app.tr;
    if !open.conversation.can_reply {
        Some((format!("⊘ {}", tr.t(S::CannotReplyBanner)), true))
    } else if open.conversation.spam {
        // Asking for a reply only where one can be sent.
        let answerable = open
            .conversation
            .reply_to(app.settings.human_agent_tag)
            .allowed(clock.now)
            .is_ok();
        let words = if answerable {
            S::SpamBanner
        } else {
            S::SpamBannerClosed
        };
        Some((format!("⚑ {}", tr.t(words)), false))
    } else {
        let held = open.conversation.held_by.as_ref()?;
        let since = clock.hm(held.since);
        Some(match &held.app_id {
            Some(app) => (tr.f(S::HeldByApp, &[app, &since]), false),
            None => (tr.f(S::HeldByUnnamed, &[&since]), false),
        })
    }
}

pub(super) fn split(app: &App, area: Rect, clock: Clock) -> ChatSplit {
    let framed = |area: Rect| Block::default().borders(Borders::ALL).inner(area);
    if app.open.is_none() {
        return ChatSplit {
            frame: area,
            banner: None,
            messages: framed(area),
            compose: None,
        };
    }
    // The reply box grows with what is typed, wrapped at its width, up to five lines.
    let width = usize::from(area.width.saturating_sub(2));
    let compose_lines = app
        .compose
        .lines()
        .iter()
        .map(|line| wrap(line, width).len())
        .sum::<usize>()
        .clamp(1, 5) as u16;
    let [frame, compose] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(compose_lines + 2)]).areas(area);
    let inner = framed(frame);
    let (banner, messages) = if let Some((words, _)) = banner(app, clock) {
        // As many lines as the words take, up to three.
        let lines = wrap(&words, usize::from(inner.width)).len().clamp(1, 3) as u16;
        let [banner, rest] =
            Layout::vertical([Constraint::Length(lines), Constraint::Fill(1)]).areas(inner);
        (Some(banner), rest)
    } else {
        (None, inner)
    };
    ChatSplit {
        frame,
        banner,
        messages,
        compose: Some(compose),
    }
}

/// The open conversation's lines at `width` columns.
fn chat_lines(app: &App, width: u16, clock: Clock) -> Option<ChatLines> {
    let open = app.open.as_ref()?;
    let view = ChatView {
        messages: &open.messages,
        new_from: open.new_from,
        highlight: app.highlight,
        width: usize::from(width),
        retry_key: app.settings.keymap.first_key(Mode::Inbox, Action::Retry),
        tr: app.tr,
        theme: app.theme,
        clock,
        page_id: &open.conversation.page_id,
        pictures: &app.pictures,
        origin: open
            .conversation
            .referral
            .as_ref()
            .map(|r| app.tr.referral(r, &clock.hm(r.at))),
        origin_photo: crate::ui::pictures::ad_photo(&open.conversation),
    };
    Some(view.lines())
}

/// How far the open conversation scrolls on the screen as it is: lines from the bottom.
#[derive(Debug, Clone, Copy)]
pub struct ChatScroll {
    /// The oldest message at the top.
    pub max: usize,
    /// The highlighted message (a search hit) one line below the top.
    pub highlight: Option<usize>,
    /// Lines shown at once.
    pub height: usize,
}

pub(super) fn chat_scroll(app: &App, area: Rect) -> Option<ChatScroll> {
    let clock = app.clock();
    let messages = split(app, area, clock).messages;
    let chat = chat_lines(app, messages.width, clock)?;
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

pub(super) fn draw_chat(frame: &mut Frame, app: &App, area: Rect, clock: Clock) {
    let tr = app.tr;
    let split = split(app, area, clock);
    let Some(open) = app.open.as_ref() else {
        let block = pane_block(app, String::new(), Pane::Chat);
        frame.render_widget(
            Paragraph::new(tr.t(S::NothingOpen))
                .style(app.theme.dim())
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    };
    let title = format!(
        "{} · {}",
        open.conversation.customer_name, open.conversation.page_name
    );
    frame.render_widget(pane_block(app, title, Pane::Chat), split.frame);
    if let (Some((words, error)), Some(area)) = (banner(app, clock), split.banner) {
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
    let mut compose = app.compose.clone();
    let mut title = tr.t(S::Reply).to_owned();
    if let Some(open) = &app.open {
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
        let count = attached.len().to_string();
        title.push_str(&tr.f(S::AttachedFiles, &[&count, &attached.join(", ")]));
    }
    let mut block = pane_block(app, title, Pane::Compose);
    if let Some(open) = &app.open {
        // The reply window, and how much room Facebook leaves for the reply.
        let window = reply_window(tr, &open.conversation, app.settings.human_agent_tag, clock);
        let typed: usize = app
            .compose
            .lines()
            .iter()
            .map(|l| l.chars().count())
            .sum::<usize>()
            + app.compose.lines().len().saturating_sub(1);
        let (footer, over) = match MAX_REPLY_CHARS.checked_sub(typed) {
            Some(left) => (tr.f(S::ReplyFooter, &[&window, &left.to_string()]), false),
            None => (
                tr.f(
                    S::ReplyFooterOver,
                    &[&window, &(typed - MAX_REPLY_CHARS).to_string()],
                ),
                true,
            ),
        };
        let refused = app.reply_to(&open.conversation).allowed(clock.now).is_err();
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
