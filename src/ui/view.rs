//! Drawing the inbox: sidebar (pages and filters), conversation list, chat with its banner and
//! reply box, status and key hints, and the overlays. Narrow terminals fold the sidebar into a
//! header line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::app::{App, Overlay, Pane, ROW_HEIGHT};
use super::chat::ChatView;
use super::clock::Clock;
use crate::i18n::{S, Tr};
use crate::model::{Filter, ReplyWindow, SyncErrorKind};
use crate::store::ConversationRow;
use crate::text::fit;

/// Below this width the sidebar folds into a header line.
const SIDEBAR_MIN_WIDTH: u16 = 110;
/// Below this width only one of list and chat is shown.
const TWO_PANES_MIN_WIDTH: u16 = 60;
const SIDEBAR_WIDTH: u16 = 28;

pub fn draw(frame: &mut Frame, app: &mut App) {
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

/// Draws as of the clock's time and in its zone, so tests get the same screen every time.
pub fn draw_at(frame: &mut Frame, app: &mut App, clock: Clock) {
    let area = frame.area();
    let banners = token_banners(app);
    let [banner_area, main, status_area, hint_area] = Layout::vertical([
        Constraint::Length(banners.len() as u16),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(banners), banner_area);

    let (list_area, chat_area) = if area.width >= SIDEBAR_MIN_WIDTH {
        let [sidebar, list, chat] = Layout::horizontal([
            Constraint::Length(SIDEBAR_WIDTH),
            Constraint::Percentage(38),
            Constraint::Fill(1),
        ])
        .areas(main);
        draw_sidebar(frame, app, sidebar);
        (Some(list), Some(chat))
    } else {
        let [header, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(main);
        draw_header(frame, app, header);
        app.areas.sidebar = header;
        if area.width >= TWO_PANES_MIN_WIDTH {
            let list_width = (area.width * 2 / 5).max(30);
            let [list, chat] =
                Layout::horizontal([Constraint::Length(list_width), Constraint::Fill(1)])
                    .areas(rest);
            (Some(list), Some(chat))
        } else if matches!(app.focus, Pane::Chat | Pane::Compose) {
            (None, Some(rest))
        } else {
            (Some(rest), None)
        }
    };
    app.areas.list = Rect::default();
    app.areas.chat = Rect::default();
    app.areas.compose = Rect::default();
    if let Some(list) = list_area {
        draw_list(frame, app, list, clock);
    }
    if let Some(chat) = chat_area {
        draw_chat(frame, app, chat, clock);
    }
    draw_status(frame, app, status_area, clock);
    draw_hints(frame, app, hint_area);
    match app.overlay {
        Some(Overlay::Help) => draw_help(frame, app),
        Some(Overlay::Settings { cursor }) => draw_settings(frame, app, cursor),
        None => {}
    }
}

fn token_banners(app: &App) -> Vec<Line<'static>> {
    app.pages
        .iter()
        .filter(|p| p.sync.last_error_kind == Some(SyncErrorKind::Token))
        .map(|p| Line::styled(app.tr.f(S::TokenBanner, &[&p.name]), app.theme.banner(true)))
        .collect()
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

fn draw_sidebar(frame: &mut Frame, app: &mut App, area: Rect) {
    let tr = app.tr;
    let block = pane_block(app, tr.t(S::Pages).to_owned(), Pane::Sidebar);
    let inner = block.inner(area);
    app.areas.sidebar = inner;
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

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
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

/// Time left to reply as a plain `RESPONSE`, "tag" while only HUMAN_AGENT may (and the page
/// may use it), "closed" after, or "no reply" when Facebook says the person cannot be messaged.
fn reply_window(
    tr: Tr,
    conversation: &ConversationRow,
    human_agent_tag: bool,
    clock: Clock,
) -> String {
    if !conversation.can_reply {
        return tr.t(S::WindowCannot).to_owned();
    }
    let tag_usable = human_agent_tag && !conversation.human_agent_refused;
    match ReplyWindow::at(conversation.last_customer_message_time, clock.now) {
        ReplyWindow::Open { left } => tr.f(S::WindowLeft, &[&tr.span(left.num_seconds())]),
        ReplyWindow::HumanAgentOnly if tag_usable => tr.t(S::WindowTag).to_owned(),
        _ => tr.t(S::WindowClosed).to_owned(),
    }
}

fn draw_list(frame: &mut Frame, app: &mut App, area: Rect, clock: Clock) {
    let tr = app.tr;
    let title = format!(
        "{} · {} ({})",
        tr.t(S::Conversations),
        tr.t(filter_name(app.filter)),
        app.list_total
    );
    let block = pane_block(app, title, Pane::List);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    app.areas.list = inner;
    let capacity = (usize::from(inner.height) / ROW_HEIGHT).max(1);
    if capacity != app.list_capacity {
        app.list_capacity = capacity;
        app.reload();
    }
    if app.list_rows.is_empty() {
        frame.render_widget(
            Paragraph::new(tr.t(S::NoConversations)).style(app.theme.dim()),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    for (offset, conversation) in app.list_rows.iter().enumerate() {
        let selected = app.list_top + offset == app.selected;
        let unread = conversation.unread_count > 0;
        let time = tr.span(clock.since(conversation.updated_time));
        let spam = if conversation.spam {
            format!("{} ", tr.t(S::SpamMark))
        } else {
            String::new()
        };
        let right = format!(" {spam}{time}");
        let dot = if unread { "● " } else { "  " };
        let name_width = width.saturating_sub(right.width() + dot.width());
        let name_style = if unread {
            app.theme.bold()
        } else {
            app.theme.normal()
        };
        let mut first = vec![
            Span::styled(dot, app.theme.unread()),
            Span::styled(fit(&conversation.customer_name, name_width), name_style),
        ];
        if conversation.spam {
            first.push(Span::raw(" "));
            first.push(Span::styled(spam.trim_end().to_owned(), app.theme.spam()));
            first.push(Span::styled(format!(" {time}"), app.theme.dim()));
        } else {
            first.push(Span::styled(right, app.theme.dim()));
        }
        let window = format!(
            " {}",
            reply_window(tr, conversation, app.settings.human_agent_tag, clock)
        );
        let snippet_width = width.saturating_sub(window.width() + 2);
        let second = vec![
            Span::raw("  "),
            Span::styled(fit(&conversation.snippet, snippet_width), app.theme.dim()),
            Span::styled(window, app.theme.dim()),
        ];
        let (mut first, mut second) = (Line::from(first), Line::from(second));
        if selected {
            first = first.style(app.theme.selected());
            second = second.style(app.theme.selected());
        }
        lines.push(first);
        lines.push(second);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_chat(frame: &mut Frame, app: &mut App, area: Rect, clock: Clock) {
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

fn draw_compose(frame: &mut Frame, app: &mut App, area: Rect) {
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

/// Each page's sync state in words.
fn page_state(app: &App, index: usize, clock: Clock) -> (String, bool) {
    let tr = app.tr;
    let page = &app.pages[index];
    let name = page.name.as_str();
    if let Some(until) = page.sync.rate_limited_until.filter(|u| *u > clock.now) {
        let at = clock.hm(until);
        return (tr.f(S::RateLimited, &[name, &at]), true);
    }
    match (page.sync.last_error_kind, &page.sync.last_error) {
        (Some(SyncErrorKind::Token), _) => return (tr.f(S::TokenProblem, &[name]), true),
        (Some(SyncErrorKind::Transient), _) => return (tr.f(S::FacebookSlow, &[name]), true),
        (Some(SyncErrorKind::Permission), _) => {
            return (tr.f(S::PermissionMissing, &[name]), true);
        }
        (Some(_), Some(error)) => return (tr.f(S::SyncFailed, &[name, error]), true),
        _ => {}
    }
    if page.syncing {
        return (tr.f(S::Syncing, &[name]), false);
    }
    match page.sync.last_success {
        Some(at) => (
            tr.f(S::Synced, &[name, &tr.span_precise(clock.since(at))]),
            false,
        ),
        None => (tr.f(S::NotSyncedYet, &[name]), false),
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect, clock: Clock) {
    let tr = app.tr;
    let width = usize::from(area.width);
    if let Some(typing) = &app.search.typing {
        let line = format!("{}{typing}▏", tr.t(S::SearchPrompt));
        frame.render_widget(
            Paragraph::new(fit(&line, width)).style(app.theme.bold()),
            area,
        );
        return;
    }
    let waiting: Vec<_> = app
        .pages
        .iter()
        .filter(|p| p.spam_sync)
        .flat_map(|p| p.waiting.iter())
        .collect();
    let right = match waiting.iter().map(|w| w.due_time).min() {
        Some(next) => {
            let at = clock.hm(next);
            format!(
                " {}",
                tr.f(S::SpamWaiting, &[&waiting.len().to_string(), &at])
            )
        }
        None => String::new(),
    };
    let left_width = width.saturating_sub(right.width());
    let (left, warning) = match &app.status {
        Some(message) => (message.clone(), false),
        None => {
            let states: Vec<(String, bool)> = (0..app.pages.len())
                .map(|i| page_state(app, i, clock))
                .collect();
            let warning = states.iter().any(|(_, w)| *w) || app.engine_stopped.is_some();
            let mut parts: Vec<String> = states.into_iter().map(|(s, _)| s).collect();
            if let Some(pid) = app.standby {
                parts.insert(0, tr.f(S::Standby, &[&pid.to_string()]));
            }
            if let Some(reason) = &app.engine_stopped {
                parts.insert(0, tr.f(S::EngineStopped, &[reason]));
            }
            (parts.join(" · "), warning)
        }
    };
    let style = if warning {
        app.theme.error()
    } else {
        app.theme.normal()
    };
    let line = Line::from(vec![
        Span::styled(fit(&left, left_width), style),
        Span::styled(right, app.theme.spam()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_hints(frame: &mut Frame, app: &App, area: Rect) {
    let key = match (app.overlay, &app.search.typing, app.focus) {
        (Some(Overlay::Settings { .. }), _, _) => S::HintSettings,
        (Some(Overlay::Help), _, _) => S::HintOverlay,
        (None, Some(_), _) => S::HintSearch,
        (None, None, Pane::Compose) if app.picker_matches().is_some() => S::HintPicker,
        (None, None, Pane::Compose) => S::HintCompose,
        (None, None, Pane::Chat) => S::HintChat,
        (None, None, Pane::Sidebar) => S::HintSidebar,
        (None, None, Pane::List) => S::HintList,
    };
    let text = fit(app.tr.t(key), usize::from(area.width));
    frame.render_widget(Paragraph::new(text).style(app.theme.dim()), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Every binding, for the help overlay.
pub const BINDINGS: &[(&str, S)] = &[
    ("Tab  Shift-Tab", S::KeyPanes),
    ("j k  ↑ ↓", S::KeyMove),
    ("g G", S::KeyFirstLast),
    ("Enter", S::KeyOpen),
    ("Esc", S::KeyEsc),
    ("Enter", S::KeySend),
    ("Alt-Enter", S::KeyNewline),
    ("/shortcut", S::KeyQuick),
    ("1 2 3 4", S::KeyFilters),
    ("[ ]", S::KeyPageSwitch),
    ("/", S::KeySearch),
    ("n N", S::KeyHits),
    ("PgUp PgDn", S::KeyScroll),
    ("r", S::KeyRetry),
    ("s", S::KeySettings),
    ("?", S::KeyHelp),
    ("q  Ctrl-C", S::KeyQuit),
    ("mouse", S::KeyMouse),
    ("⚑", S::KeySpamMarker),
];

fn draw_help(frame: &mut Frame, app: &App) {
    let tr = app.tr;
    let area = centered(frame.area(), 72, BINDINGS.len() as u16 + 4);
    let lines: Vec<Line> = BINDINGS
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(fit(keys, 16), app.theme.bold()),
                Span::raw(tr.t(*what)),
            ])
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(format!("{} · Esc", tr.t(S::Help)));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_settings(frame: &mut Frame, app: &App, cursor: usize) {
    let tr = app.tr;
    let area = centered(frame.area(), 90, app.pages.len() as u16 + 8);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(format!("{} · Esc", tr.t(S::Settings)));
    let inner = block.inner(area);
    let name_width = usize::from(inner.width).saturating_sub(44).max(10);
    let delay = tr.span(app.settings.spam_delay.as_secs() as i64);
    let agent = tr.t(if app.settings.human_agent_tag {
        S::On
    } else {
        S::Off
    });
    let mut lines = vec![Line::styled(
        format!(
            "{} {} {} {}",
            fit(tr.t(S::Page), name_width),
            fit(tr.t(S::SpamSync), 14),
            fit(tr.t(S::SpamDelay), 10),
            tr.t(S::HumanAgent)
        ),
        app.theme.bold(),
    )];
    for (index, page) in app.pages.iter().enumerate() {
        let state = if page.spam_sync {
            format!("[x] {}", tr.t(S::On))
        } else {
            format!("[ ] {}", tr.t(S::Off))
        };
        let line = Line::raw(format!(
            "{} {} {} {}",
            fit(&page.name, name_width),
            fit(&state, 14),
            fit(&delay, 10),
            agent
        ));
        lines.push(if index == cursor {
            line.style(app.theme.selected())
        } else {
            line
        });
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(tr.t(S::SettingsNote), app.theme.dim()));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
