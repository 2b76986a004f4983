//! The status line (each page's sync state, waiting spam) and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::i18n::S;
use crate::keymap::{Action, Mode};
use crate::text::fit;
use crate::ui::app::{App, Overlay, Pane};
use crate::ui::clock::Clock;
use crate::ui::said::{page_state, problem_lines, status_right, wrapped_notice};

pub(super) fn draw_problems(frame: &mut Frame, app: &App, area: Rect, clock: Clock) {
    let mut lines = problem_lines(app, area.width, clock);
    // More than the screen leaves room for: the last line says where it is whole.
    let room = usize::from(area.height);
    if lines.len() > room && room > 0 {
        lines.truncate(room);
        let key = app
            .settings
            .keymap
            .first_key(Mode::Inbox, Action::Why)
            .unwrap_or_default();
        lines[room - 1] = fit(&app.tr.f(S::WhyInFull, &[&key]), usize::from(area.width));
    }
    let lines: Vec<Line> = lines.into_iter().map(Line::raw).collect();
    frame.render_widget(Paragraph::new(lines).style(app.theme.error()), area);
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
    if let Some(lines) = wrapped_notice(app, area.width, clock) {
        let lines: Vec<Line> = lines.into_iter().map(Line::raw).collect();
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let right = status_right(app, clock);
    let left_width = width.saturating_sub(right.width());
    let (left, warning) = match app.notice() {
        Some(message) => (message.to_owned(), false),
        None => {
            let states: Vec<(String, bool)> = (0..app.sidebar.pages.len())
                .map(|i| page_state(app, i, clock))
                .collect();
            let warning = states.iter().any(|(_, w)| *w)
                || app.status.engine_stopped.is_some()
                || app.status.database_down.is_some();
            let mut parts: Vec<String> = states.into_iter().map(|(s, _)| s).collect();
            if let Some(pid) = &app.status.standby {
                parts.insert(0, tr.f(S::Standby, &[pid]));
            }
            if let Some(at) = &app.status.database_down {
                parts.insert(0, tr.f(S::DatabaseDown, &[at]));
            }
            if let Some(reason) = &app.status.engine_stopped {
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
    Hint(&[Action::Labels], 1, S::HintLabels),
    Hint(&[Action::Settings], 1, S::HintSettings),
    Hint(&[Action::Help], 1, S::HintHelp),
    Hint(&[Action::Quit], 1, S::HintQuit),
];
const FILTERS: &[Action] = &[
    Action::FilterAll,
    Action::FilterSpam,
    Action::FilterUnread,
    Action::FilterUnreplied,
    Action::FilterDone,
    Action::FilterMine,
    Action::FilterNotSent,
    Action::FilterComments,
    Action::FilterOrders,
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
/// Under a post: Enter answers in public, and the private way is a key away.
const THREAD_REPLY_HINTS: &[Hint] = &[
    Hint(&[Action::Send], 1, S::HintSendPublic),
    Hint(&[Action::SendPrivately], 1, S::HintSendPrivately),
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
const CLOSE_HINTS: &[Hint] = &[Hint(&[Action::Close], 1, S::HintClose)];
const ATTACH_HINTS: &[Hint] = &[
    Hint(&[Action::Choose], 1, S::HintAttach),
    Hint(&[Action::Complete], 1, S::HintComplete),
    Hint(&[Action::Close], 1, S::HintClose),
];
const LABELS_HINTS: &[Hint] = &[
    Hint(&[Action::ToggleLabel], 1, S::HintToggleLabel),
    Hint(&[Action::RenameLabel], 1, S::HintRename),
    Hint(&[Action::RecolourLabel], 1, S::HintColour),
    Hint(&[Action::DeleteLabel], 1, S::HintDelete),
    Hint(&[Action::Close], 1, S::HintClose),
];
const LABEL_FILTER_HINTS: &[Hint] = &[
    Hint(&[Action::ToggleLabel], 1, S::HintToggleLabel),
    Hint(&[Action::MatchAllLabels], 1, S::HintAnyAll),
    Hint(&[Action::Close], 1, S::HintClose),
];
const ASSIGN_HINTS: &[Hint] = &[
    Hint(&[Action::Down, Action::Up], 1, S::HintMove),
    Hint(&[Action::ChooseStaff], 1, S::HintAssign),
    Hint(&[Action::Close], 1, S::HintClose),
];
const COPY_HINTS: &[Hint] = &[
    Hint(&[Action::Down, Action::Up], 1, S::HintMove),
    Hint(&[Action::CopyChosen], 1, S::HintCopy),
    Hint(&[Action::Close], 1, S::HintClose),
];
const CUSTOMER_HINTS: &[Hint] = &[
    Hint(&[Action::WriteNote], 2, S::HintNote),
    Hint(&[Action::Down, Action::Up], 1, S::HintScroll),
    Hint(&[Action::Close], 1, S::HintClose),
];
const NOTE_HINTS: &[Hint] = &[
    Hint(&[Action::SaveNote], 1, S::HintSave),
    Hint(&[Action::Close], 1, S::HintCancel),
];
const SETTINGS_HINTS: &[Hint] = &[
    Hint(&[Action::Down, Action::Up], 1, S::HintMove),
    Hint(&[Action::ToggleSpamSync], 1, S::HintToggleSpamSync),
    Hint(&[Action::TogglePhoneHiding], 1, S::HintTogglePhoneHiding),
    Hint(&[Action::TagAgain], 1, S::HintTagAgain),
    Hint(&[Action::Close], 1, S::HintClose),
];

const ORDERS_HINTS: &[Hint] = &[
    Hint(&[Action::NewOrder], 1, S::HintNewOrder),
    Hint(&[Action::ConfirmOrder], 1, S::HintConfirmOrder),
    Hint(&[Action::ShipOrder], 1, S::HintShipOrder),
    Hint(&[Action::DeliverOrder], 1, S::HintDeliverOrder),
    Hint(&[Action::ReturnOrder], 1, S::HintReturnOrder),
    Hint(&[Action::CancelOrder], 1, S::HintCancelOrder),
    Hint(&[Action::SendOrder], 1, S::HintSendOrder),
    Hint(&[Action::Close], 1, S::HintClose),
];
const ORDER_FORM_HINTS: &[Hint] = &[
    Hint(&[Action::NextField, Action::PreviousField], 1, S::HintField),
    Hint(&[Action::FormEnter], 1, S::HintChoose),
    Hint(&[Action::SaveOrder], 1, S::HintSaveOrder),
    Hint(&[Action::RemoveLine], 1, S::HintRemoveLine),
    Hint(&[Action::Close], 1, S::HintCloseDraftKept),
];
const SHIPPING_HINTS: &[Hint] = &[
    Hint(&[Action::Ship], 1, S::HintShipOrder),
    Hint(&[Action::Close], 1, S::HintBack),
];

/// The keys that matter here, read from the keymap in effect.
fn hint_line(app: &App) -> String {
    let hints = match (&app.overlay, &app.search.typing, app.focus) {
        (Some(Overlay::Settings { .. }), _, _) => SETTINGS_HINTS,
        (Some(Overlay::Help { .. } | Overlay::Why { .. }), _, _) => HELP_HINTS,
        (Some(Overlay::Picture { .. }), _, _) => CLOSE_HINTS,
        (Some(Overlay::Attach(_)), _, _) => ATTACH_HINTS,
        (Some(Overlay::Labels(picker)), _, _) => match picker.purpose {
            crate::ui::team::LabelPurpose::ListFilter => LABEL_FILTER_HINTS,
            _ => LABELS_HINTS,
        },
        (Some(Overlay::Assign(_)), _, _) => ASSIGN_HINTS,
        (Some(Overlay::Copy { .. }), _, _) => COPY_HINTS,
        (Some(Overlay::Customer { note: Some(_), .. }), _, _) => NOTE_HINTS,
        (Some(Overlay::Customer { .. }), _, _) => CUSTOMER_HINTS,
        (Some(Overlay::Stats { .. }), _, _) => CLOSE_HINTS,
        (Some(Overlay::Orders(_)), _, _) if app.typing_shipping() => SHIPPING_HINTS,
        (Some(Overlay::Orders(_)), _, _) => ORDERS_HINTS,
        (Some(Overlay::OrderForm(_)), _, _) => ORDER_FORM_HINTS,
        (None, Some(_), _) => SEARCH_HINTS,
        (None, None, Pane::Compose) if app.picker_matches().is_some() => PICKER_HINTS,
        // A private answer taken back goes privately again on Enter (the box's title says).
        (None, None, Pane::Compose)
            if app.chat.open.as_ref().is_some_and(|o| {
                o.conversation.post_id.is_some()
                    && !app.chat.private_answer.contains(&o.conversation.id)
            }) =>
        {
            THREAD_REPLY_HINTS
        }
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
