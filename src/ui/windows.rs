//! The lines of the windows that scroll over the inbox (every binding, why pages do not sync,
//! the customer), and the label chips rows and the customer window share. The view draws
//! them; the state counts them to know how far a window scrolls.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use strum::IntoEnumIterator;
use unicode_width::UnicodeWidthStr;

use super::app::{App, Overlay};
use super::clock::Clock;
use super::layout::window_area;
use super::said::why_details;
use crate::i18n::S;
use crate::keymap::Mode;
use crate::model::Label;
use crate::store::Customer;
use crate::text::fit;

/// Labels as a list row or the panel shows them: `[name]` in its colour, each.
pub fn label_spans(app: &App, labels: &[Label]) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for label in labels {
        spans.push(Span::styled(
            format!("[{}]", label.name),
            app.theme.label(label.colour()),
        ));
    }
    spans
}

/// Every binding in effect, by where it is read, then what holds everywhere.
/// Editing in the reply box, as the text box does it.
const REPLY_EDITING: &[(&str, S)] = &[
    ("Ctrl-← Ctrl-→", S::EditWord),
    ("Home End", S::EditLineEnds),
    ("Ctrl-W", S::EditDeleteWord),
    ("Ctrl-K Ctrl-J", S::EditDeleteLine),
    ("Ctrl-U Ctrl-R", S::EditUndo),
    ("Ctrl-Y", S::EditPaste),
];

fn help_lines(app: &App) -> Vec<Line<'static>> {
    let tr = app.tr;
    let keymap = &app.settings.keymap;
    // The keys' column as wide as the widest keys, so that none runs into what it does.
    let keys_width = keymap
        .bindings()
        .map(|(_, _, keys)| {
            keys.iter()
                .map(|k| k.to_string().width() + 1)
                .sum::<usize>()
        })
        .chain(REPLY_EDITING.iter().map(|(keys, _)| keys.width() + 1))
        .max()
        .unwrap_or(13)
        .clamp(13, 24);
    // What a key does, wrapped under itself where the window is narrower than the words.
    let inner = usize::from(window_area(app.size, 0).width.saturating_sub(2));
    let row = |keys: String, what: &str| -> Vec<Line<'static>> {
        let wrapped = crate::ui::chat::wrap(what, inner.saturating_sub(keys_width).max(10));
        wrapped
            .into_iter()
            .enumerate()
            .map(|(index, text)| {
                let keys = if index == 0 { keys.as_str() } else { "" };
                Line::from(vec![
                    Span::styled(fit(keys, keys_width), app.theme.bold()),
                    Span::raw(text),
                ])
            })
            .collect()
    };
    let mut lines = Vec::new();
    for mode in Mode::iter() {
        lines.push(Line::styled(tr.t(mode.title()).to_owned(), app.theme.dim()));
        for (_, action, keys) in keymap.bindings().filter(|b| b.0 == mode) {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            lines.extend(row(keys.join(" "), tr.t(action.describe())));
        }
        // The text box's own editing keys (ratatui-textarea's), where no binding takes them.
        if mode == Mode::Reply {
            for (keys, what) in REPLY_EDITING {
                lines.extend(row((*keys).to_owned(), tr.t(*what)));
            }
        }
    }
    lines.push(Line::styled(
        tr.t(S::ModeAlways).to_owned(),
        app.theme.dim(),
    ));
    lines.extend(row("Ctrl-C".into(), tr.t(S::KeyQuit)));
    lines.extend(row("mouse".into(), tr.t(S::KeyMouse)));
    lines.extend(row("⚑".into(), tr.t(S::KeySpamMarker)));
    lines
}

/// Why the pages shown do not sync, whole, wrapped to the window on this screen.
fn why_lines(app: &App, screen: Rect, clock: Clock) -> Vec<Line<'static>> {
    let width = usize::from(window_area(screen, 0).width.saturating_sub(2));
    let mut lines = Vec::new();
    for reason in why_details(app, clock) {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.extend(
            crate::ui::chat::wrap(&reason, width)
                .into_iter()
                .map(|line| Line::styled(line, app.theme.error())),
        );
    }
    lines
}

/// The lines of a scrolling window, and its title.
pub fn window(
    app: &App,
    overlay: &Overlay,
    screen: Rect,
    clock: Clock,
) -> (Vec<Line<'static>>, String) {
    let tr = app.tr;
    match overlay {
        Overlay::Why { .. } => (why_lines(app, screen, clock), tr.t(S::WhyTitle).to_owned()),
        Overlay::Customer { customer, .. } => {
            let width = usize::from(window_area(screen, 0).width.saturating_sub(2));
            let name = customer.as_ref().map_or("", |c| c.name.as_str());
            let lines = customer.as_ref().map_or_else(Vec::new, |customer| {
                customer_lines(app, customer, width, clock)
            });
            (lines, tr.f(S::CustomerTitle, &[&fit(name, 30).trim_end()]))
        }
        _ => (help_lines(app), tr.t(S::Help).to_owned()),
    }
}

/// How far a scrolling window (the help, why pages do not sync) can scroll on this screen.
pub fn scroll_limit(app: &App, overlay: &Overlay) -> usize {
    let lines = window(app, overlay, app.size, app.clock()).0.len();
    let shown = usize::from(window_area(app.size, lines).height.saturating_sub(2));
    lines.saturating_sub(shown)
}

/// The customer panel's lines, wrapped to `width`.
pub fn customer_lines(
    app: &App,
    customer: &Customer,
    width: usize,
    clock: Clock,
) -> Vec<Line<'static>> {
    let tr = app.tr;
    let field = |name: S, value: String| {
        Line::from(vec![
            Span::styled(format!("{}: ", tr.t(name)), app.theme.dim()),
            Span::raw(value),
        ])
    };
    let none = || tr.t(S::CustomerNone).to_owned();
    let list = |items: &[String]| {
        if items.is_empty() {
            none()
        } else {
            items.join(", ")
        }
    };
    let mut lines = vec![
        Line::styled(customer.name.clone(), app.theme.bold()),
        field(S::CustomerPsid, customer.psid.to_string()),
        field(S::CustomerPage, customer.page_name.clone()),
    ];
    if !customer.same_name_elsewhere.is_empty() {
        lines.push(field(
            S::CustomerSameName,
            customer.same_name_elsewhere.join(", "),
        ));
    }
    lines.push(field(
        S::CustomerFirstContact,
        customer
            .first_contact
            .map_or_else(none, |t| clock.stamp(tr, t)),
    ));
    lines.push(field(S::CustomerPhones, list(&customer.phones)));
    // Their orders on every page, a returned parcel in the warning colour ("bom hàng").
    if !customer.orders.is_empty() {
        let counts: Vec<String> = customer
            .orders
            .iter()
            .map(|(state, count)| format!("{count} {}", tr.order_state(*state)))
            .collect();
        let returned = customer
            .orders
            .contains_key(&crate::orders::OrderState::Returned);
        let style = match returned {
            true => app.theme.error(),
            false => ratatui::style::Style::default(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", tr.t(S::CustomerOrders)), app.theme.dim()),
            Span::styled(counts.join(", "), style),
        ]));
    }
    lines.push(Line::styled(
        format!("{}:", tr.t(S::CustomerAddresses)),
        app.theme.dim(),
    ));
    if customer.addresses.is_empty() {
        lines.push(Line::raw(format!("  {}", none())));
    }
    for address in &customer.addresses {
        for line in crate::ui::chat::wrap(address, width.saturating_sub(2)) {
            lines.push(Line::raw(format!("  {line}")));
        }
    }
    let mut labels = vec![Span::styled(
        format!("{}: ", tr.t(S::CustomerLabels)),
        app.theme.dim(),
    )];
    if customer.labels.is_empty() {
        labels.push(Span::raw(none()));
    }
    labels.extend(label_spans(app, &customer.labels));
    lines.push(Line::from(labels));
    lines.push(field(
        S::CustomerAssignee,
        customer
            .assignee
            .clone()
            .unwrap_or_else(|| tr.t(S::AssignNobody).to_owned()),
    ));
    if let Some(referral) = &customer.referral {
        let origin = tr.referral(referral, &clock.stamp(tr, referral.at));
        for line in crate::ui::chat::wrap(&origin, width) {
            lines.push(Line::raw(line));
        }
        if let Some(photo) = &referral.photo_url {
            // The ad's photo, a click (or a copy) away.
            lines.push(Line::from(Span::styled(
                format!("  {}", tr.t(S::AdPhoto)),
                app.theme.dim(),
            )));
            lines.push(Line::raw(format!(
                "  {}",
                crate::text::fit(photo, width.saturating_sub(2)).trim_end()
            )));
        }
    }
    if !customer.elsewhere.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            tr.t(S::CustomerElsewhere).to_owned(),
            app.theme.dim(),
        ));
    }
    for other in &customer.elsewhere {
        // Where: Messenger, or the post a thread is under, in a few words.
        let place = match &other.post_words {
            Some(words) => tr.f(S::CustomerUnderPost, &[&fit(words.trim(), 24).trim_end()]),
            None => tr.t(S::CustomerMessenger).to_owned(),
        };
        let text = format!(
            "{place} · {} · {}",
            clock.stamp(tr, other.updated_time),
            other.snippet
        );
        for line in crate::ui::chat::wrap(&text, width.saturating_sub(2)) {
            lines.push(Line::raw(format!("  {line}")));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        tr.t(S::CustomerNotes).to_owned(),
        app.theme.dim(),
    ));
    if customer.notes.is_empty() {
        lines.push(Line::styled(
            format!("  {}", tr.t(S::CustomerNoNotes)),
            app.theme.dim(),
        ));
    }
    for note in &customer.notes {
        let text = tr.f(
            S::NoteBy,
            &[&clock.stamp(tr, note.created_at), &note.author, &note.text],
        );
        for line in crate::ui::chat::wrap(&text, width.saturating_sub(2)) {
            lines.push(Line::raw(format!("  {line}")));
        }
    }
    lines
}
