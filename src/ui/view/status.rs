//! The status line (each page's sync state, waiting spam) and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::i18n::S;
use crate::keymap::Action;
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

/// One hint: the first `keys` keys of each action, and a word for them all. No actions: the
/// word says its own key.
struct Hint(&'static [Action], usize, S);

const PAGES_HINTS: &[Hint] = &[
    Hint(&[Action::Down, Action::Up], 1, S::HintPageFilter),
    Hint(&[Action::NextPane], 1, S::HintNextPane),
    Hint(&[Action::Help], 1, S::HintHelp),
    Hint(&[Action::Quit], 1, S::HintQuit),
];
const LIST_HINTS: &[Hint] = &[
    Hint(&[Action::Open], 1, S::HintOpen),
    Hint(FILTERS, 1, S::HintFilter),
    Hint(&[Action::Search], 1, S::HintSearch),
    Hint(&[Action::Settings], 1, S::HintSettings),
    Hint(&[Action::Help], 1, S::HintHelp),
    Hint(&[Action::Quit], 1, S::HintQuit),
];
const FILTERS: &[Action] = &[
    Action::FilterAll,
    Action::FilterSpam,
    Action::FilterUnread,
    Action::FilterUnreplied,
];
const CHAT_HINTS: &[Hint] = &[
    Hint(&[Action::ScrollUp, Action::ScrollDown], 1, S::HintScroll),
    Hint(&[Action::Retry], 1, S::HintRetry),
    Hint(&[Action::NextPane], 1, S::HintReply),
    Hint(&[Action::Help], 1, S::HintHelp),
];
const REPLY_HINTS: &[Hint] = &[
    Hint(&[Action::Send], 1, S::HintSend),
    Hint(&[Action::NewLine], 1, S::HintNewLine),
    Hint(&[], 0, S::HintQuickReply),
    Hint(&[Action::Leave], 1, S::HintLeave),
];
const PICKER_HINTS: &[Hint] = &[
    Hint(&[Action::Insert], 2, S::HintInsert),
    Hint(&[Action::Up, Action::Down], 1, S::HintChoose),
    Hint(&[Action::Close], 1, S::HintClose),
];
const SEARCH_HINTS: &[Hint] = &[
    Hint(&[Action::Submit], 1, S::HintSearch),
    Hint(&[Action::Close], 1, S::HintCancel),
];
const HELP_HINTS: &[Hint] = &[
    Hint(&[Action::Down, Action::Up], 1, S::HintScroll),
    Hint(&[Action::Close], 1, S::HintClose),
];
const SETTINGS_HINTS: &[Hint] = &[
    Hint(&[Action::Down, Action::Up], 1, S::HintMove),
    Hint(&[Action::ToggleSpamSync], 1, S::HintToggleSpamSync),
    Hint(&[Action::Close], 1, S::HintClose),
];

/// The keys that matter here, read from the keymap in effect.
fn hint_line(app: &App) -> String {
    let hints = match (app.overlay, &app.search.typing, app.focus) {
        (Some(Overlay::Settings { .. }), _, _) => SETTINGS_HINTS,
        (Some(Overlay::Help { .. }), _, _) => HELP_HINTS,
        (None, Some(_), _) => SEARCH_HINTS,
        (None, None, Pane::Compose) if app.picker_matches().is_some() => PICKER_HINTS,
        (None, None, Pane::Compose) => REPLY_HINTS,
        (None, None, Pane::Chat) => CHAT_HINTS,
        (None, None, Pane::Sidebar) => PAGES_HINTS,
        (None, None, Pane::List) => LIST_HINTS,
    };
    let modes = app.key_modes();
    let keymap = &app.settings.keymap;
    let mut parts = Vec::new();
    for Hint(actions, per_action, word) in hints {
        let word = app.tr.t(*word);
        if actions.is_empty() {
            parts.push(word.to_owned());
            continue;
        }
        let keys: Vec<String> = actions
            .iter()
            .flat_map(|action| {
                let bound = modes
                    .iter()
                    .map(|mode| keymap.keys(*mode, *action))
                    .find(|keys| !keys.is_empty())
                    .unwrap_or_default();
                bound.iter().take(*per_action).map(ToString::to_string)
            })
            .collect();
        if !keys.is_empty() {
            parts.push(format!("{} {word}", join_keys(&keys)));
        }
    }
    parts.join(" · ")
}

/// `1-4` for a run of digits, else the keys with slashes: `j/k`, `Tab/Enter`.
fn join_keys(keys: &[String]) -> String {
    let digits: Vec<u32> = keys
        .iter()
        .filter_map(|k| k.parse::<u32>().ok().filter(|d| *d < 10))
        .collect();
    let consecutive = digits.windows(2).all(|pair| pair[1] == pair[0] + 1);
    if keys.len() > 2 && digits.len() == keys.len() && consecutive {
        format!("{}-{}", digits[0], digits[digits.len() - 1])
    } else {
        keys.join("/")
    }
}

pub(super) fn draw_hints(frame: &mut Frame, app: &App, area: Rect) {
    let text = fit(&hint_line(app), usize::from(area.width));
    frame.render_widget(Paragraph::new(text).style(app.theme.dim()), area);
}
