//! Windows over the inbox: every binding, and the settings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use strum::IntoEnumIterator;

use super::status::why_details;
use crate::i18n::S;
use crate::keymap::Mode;
use crate::model::PictureWanted;
use crate::text::fit;
use crate::ui::app::{App, Overlay};
use crate::ui::clock::Clock;
use crate::ui::pictures::{PictureState, half_blocks};
use unicode_width::UnicodeWidthStr;

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A scrolling window's size on a screen of `area`.
fn window_area(area: Rect, lines: usize) -> Rect {
    centered(area, 78, lines as u16 + 2)
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
    let row = |keys: String, what: &str| {
        Line::from(vec![
            Span::styled(fit(&keys, keys_width), app.theme.bold()),
            Span::raw(what.to_owned()),
        ])
    };
    let mut lines = Vec::new();
    for mode in Mode::iter() {
        lines.push(Line::styled(tr.t(mode.title()).to_owned(), app.theme.dim()));
        for (_, action, keys) in keymap.bindings().filter(|b| b.0 == mode) {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            lines.push(row(keys.join(" "), tr.t(action.describe())));
        }
        // The text box's own editing keys (ratatui-textarea's), where no binding takes them.
        if mode == Mode::Reply {
            for (keys, what) in REPLY_EDITING {
                lines.push(row((*keys).to_owned(), tr.t(*what)));
            }
        }
    }
    lines.push(Line::styled(
        tr.t(S::ModeAlways).to_owned(),
        app.theme.dim(),
    ));
    lines.push(row("Ctrl-C".into(), tr.t(S::KeyQuit)));
    lines.push(row("mouse".into(), tr.t(S::KeyMouse)));
    lines.push(row("⚑".into(), tr.t(S::KeySpamMarker)));
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
fn window(app: &App, overlay: Overlay, screen: Rect, clock: Clock) -> (Vec<Line<'static>>, String) {
    let tr = app.tr;
    match overlay {
        Overlay::Why { .. } => (why_lines(app, screen, clock), tr.t(S::WhyTitle).to_owned()),
        Overlay::Customer { .. } => {
            let width = usize::from(window_area(screen, 0).width.saturating_sub(2));
            let name = app.customer.as_ref().map_or("", |c| c.name.as_str());
            (
                super::team::customer_lines(app, width, clock),
                tr.f(S::CustomerTitle, &[fit(name, 30).trim_end()]),
            )
        }
        _ => (help_lines(app), tr.t(S::Help).to_owned()),
    }
}

/// How far a scrolling window (the help, why pages do not sync) can scroll on this screen.
pub fn scroll_limit(app: &App, overlay: Overlay) -> usize {
    let lines = window(app, overlay, app.size, app.clock()).0.len();
    let shown = usize::from(window_area(app.size, lines).height.saturating_sub(2));
    lines.saturating_sub(shown)
}

/// A window over the inbox that scrolls: `top` is its first line shown.
pub(super) fn draw_window(
    frame: &mut Frame,
    app: &App,
    overlay: Overlay,
    top: usize,
    clock: Clock,
) {
    let tr = app.tr;
    let (lines, title) = window(app, overlay, frame.area(), clock);
    let total = lines.len();
    let area = window_area(frame.area(), total);
    let shown = usize::from(area.height.saturating_sub(2));
    let top = top.min(total.saturating_sub(shown));
    let title = if shown < total {
        format!(
            "{title} · {}-{}/{} · j/k · Esc",
            top + 1,
            (top + shown).min(total),
            total
        )
    } else {
        format!("{title} · Esc")
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(title);
    // The note being written about the customer, on the window's bottom edge.
    if let (Overlay::Customer { .. }, Some(typing)) = (overlay, &app.note_typing) {
        let room = usize::from(area.width.saturating_sub(4));
        let prompt = tr.f(S::NotePrompt, &[&format!("{typing}▏")]);
        block = block.title_bottom(Line::styled(fit(&prompt, room), app.theme.bold()));
    }
    let visible: Vec<Line> = lines.into_iter().skip(top).take(shown).collect();
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(visible).block(block), area);
}

pub(super) fn draw_settings(frame: &mut Frame, app: &App, cursor: usize) {
    let tr = app.tr;
    let agents: Vec<S> = app
        .pages
        .iter()
        .map(
            |page| match (app.settings.human_agent_tag, page.human_agent_refused) {
                (false, _) => S::Off,
                (true, true) => S::TagRefused,
                (true, false) => S::On,
            },
        )
        .collect();
    // The last column as wide as its longest value; the page name takes the rest.
    let agent_width = agents
        .iter()
        .map(|agent| tr.t(*agent).width())
        .chain([tr.t(S::HumanAgent).width()])
        .max()
        .unwrap_or(0);
    let width = 90.min(frame.area().width);
    let inner_width = usize::from(width.saturating_sub(2));
    let note = crate::ui::chat::wrap(tr.t(S::SettingsNote), inner_width);
    let height = app.pages.len() + note.len() + 4;
    let area = centered(
        frame.area(),
        width,
        u16::try_from(height).unwrap_or(u16::MAX),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(format!("{} · Esc", tr.t(S::Settings)));
    let name_width = inner_width.saturating_sub(agent_width + 27).max(10);
    let delay = tr.span_precise(app.settings.spam_delay.as_secs() as i64);
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
    for (index, (page, agent)) in app.pages.iter().zip(&agents).enumerate() {
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
            fit(tr.t(*agent), agent_width)
        ));
        lines.push(if index == cursor {
            line.style(app.theme.selected())
        } else {
            line
        });
    }
    lines.push(Line::raw(""));
    lines.extend(
        note.into_iter()
            .map(|line| Line::styled(line, app.theme.dim())),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The picture staff chose, as large as the screen allows.
pub(super) fn draw_picture(frame: &mut Frame, app: &App) {
    let tr = app.tr;
    let area = frame.area();
    let area = centered(
        area,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(format!("{} · Esc", tr.t(S::PictureTitle)));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let Some(key) = app.viewed_picture.as_deref() else {
        return;
    };
    // The larger copy a terminal that draws pixels gets, once it is here.
    let whole = format!("{key}#whole");
    if let Some(PictureState::Ready(picture)) = app.pictures.get(&whole)
        && app
            .graphics
            .draw(&whole, picture, inner, frame.buffer_mut(), true)
    {
        return;
    }
    let lines = match app.pictures.get(key) {
        Some(PictureState::Ready(picture)) if app.theme.has_colour() => {
            if app
                .graphics
                .draw(key, picture, inner, frame.buffer_mut(), true)
            {
                return;
            }
            half_blocks(picture, inner.width, inner.height)
        }
        Some(PictureState::Ready(_)) => vec![Line::raw(tr.f(S::PictureFailed, &["NO_COLOR"]))],
        Some(PictureState::Failed(why)) => vec![Line::raw(tr.f(S::PictureFailed, &[why]))],
        Some(PictureState::Loading) | None => vec![Line::raw(tr.t(S::PictureLoading))],
    };
    let width = lines.first().map_or(0, |l| l.width() as u16);
    let height = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), centered(inner, width, height));
}

/// The attach picker: what is typed, the entries that match, and the chosen picture.
pub(super) fn draw_attach(frame: &mut Frame, app: &App) {
    let Some(prompt) = &app.attach else {
        return;
    };
    let tr = app.tr;
    let area = centered(frame.area(), 96, 22);
    let (folder, _) = prompt.browsing();
    let shown = fit(&folder.display().to_string(), 40);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(tr.f(S::AttachTitle, &[shown.trim_end()]));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [list_area, preview_area] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(34)]).areas(inner);
    let mut lines = vec![Line::styled(
        format!("> {}▏", prompt.typed),
        app.theme.bold(),
    )];
    if let Some(problem) = &prompt.problem {
        lines.push(Line::styled(problem.clone(), app.theme.error()));
    }
    let matches = prompt.matches();
    if matches.is_empty() && prompt.listing.is_none() {
        lines.push(Line::styled(
            tr.t(S::AttachNothing).to_owned(),
            app.theme.dim(),
        ));
    }
    let room = usize::from(list_area.height).saturating_sub(lines.len());
    let top = prompt.selected.saturating_sub(room.saturating_sub(1));
    let width = usize::from(list_area.width);
    for (index, (name, is_folder)) in matches.iter().enumerate().skip(top).take(room) {
        let name = if *is_folder {
            format!("{name}/")
        } else {
            name.clone()
        };
        let line = Line::raw(fit(&name, width));
        lines.push(if index == prompt.selected {
            line.style(app.theme.selected())
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), list_area);
    let Some(key) = prompt
        .chosen()
        .map(|(path, _)| PictureWanted::file_key(&path))
    else {
        return;
    };
    if let Some(PictureState::Ready(picture)) = app.pictures.get(&key)
        && app.theme.has_colour()
        && !app
            .graphics
            .draw(&key, picture, preview_area, frame.buffer_mut(), false)
    {
        let art = half_blocks(picture, preview_area.width, preview_area.height);
        frame.render_widget(Paragraph::new(art), preview_area);
    }
}
