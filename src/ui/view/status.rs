//! The status line (each page's sync state, waiting spam) and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::i18n::S;
use crate::model::SyncErrorKind;
use crate::text::fit;
use crate::ui::app::{App, Overlay, Pane};
use crate::ui::clock::Clock;

/// Each page's sync state in words.
pub(super) fn page_state(app: &App, index: usize, clock: Clock) -> (String, bool) {
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

pub(super) fn draw_status(frame: &mut Frame, app: &App, area: Rect, clock: Clock) {
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

pub(super) fn draw_hints(frame: &mut Frame, app: &App, area: Rect) {
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
