//! Windows over the inbox: the scrolling ones (every binding, why pages do not sync, the
//! customer), the settings, a picture whole pane and the attach picker.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::i18n::S;
use crate::model::PictureWanted;
use crate::text::fit;
use crate::ui::app::{App, Overlay};
use crate::ui::attach::AttachPrompt;
use crate::ui::clock::Clock;
use crate::ui::layout::{centered, window_area};
use crate::ui::pictures::{PictureState, half_blocks};
use crate::ui::windows::window;
use unicode_width::UnicodeWidthStr;

/// A window over the inbox that scrolls: `top` is its first line shown.
pub(super) fn draw_window(
    frame: &mut Frame,
    app: &App,
    overlay: &Overlay,
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
    if let Overlay::Customer {
        note: Some(typing), ..
    } = overlay
    {
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
        .sidebar
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
    let width = 100.min(frame.area().width);
    let inner_width = usize::from(width.saturating_sub(2));
    let note = crate::ui::chat::wrap(tr.t(S::SettingsNote), inner_width);
    let height = app.sidebar.pages.len() + note.len() + 4;
    let area = centered(
        frame.area(),
        width,
        u16::try_from(height).unwrap_or(u16::MAX),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(format!("{} · Esc", tr.t(S::Settings)));
    let name_width = inner_width.saturating_sub(agent_width + 42).max(10);
    let delay = tr.span_precise(app.settings.spam_delay.as_secs() as i64);
    let mut lines = vec![Line::styled(
        format!(
            "{} {} {} {} {}",
            fit(tr.t(S::Page), name_width),
            fit(tr.t(S::SpamSync), 14),
            fit(tr.t(S::SpamDelay), 10),
            fit(tr.t(S::PhoneHiding), 14),
            tr.t(S::HumanAgent)
        ),
        app.theme.bold(),
    )];
    for (index, (page, agent)) in app.sidebar.pages.iter().zip(&agents).enumerate() {
        let switch = |on: bool| match on {
            true => format!("[x] {}", tr.t(S::On)),
            false => format!("[ ] {}", tr.t(S::Off)),
        };
        let line = Line::raw(format!(
            "{} {} {} {} {}",
            fit(&page.name, name_width),
            fit(&switch(page.spam_sync), 14),
            fit(&delay, 10),
            fit(&switch(page.phone_hiding), 14),
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
pub(super) fn draw_picture(frame: &mut Frame, app: &App, key: &str) {
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
        Some(PictureState::Ready(_)) => vec![Line::raw(tr.f(S::PictureFailed, &[&"NO_COLOR"]))],
        Some(PictureState::Failed(why)) => vec![Line::raw(tr.f(S::PictureFailed, &[why]))],
        Some(PictureState::Loading) | None => vec![Line::raw(tr.t(S::PictureLoading))],
    };
    let width = lines.first().map_or(0, |l| l.width() as u16);
    let height = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), centered(inner, width, height));
}

/// The attach picker: what is typed, the entries that match, and the chosen picture.
pub(super) fn draw_attach(frame: &mut Frame, app: &App, prompt: &AttachPrompt) {
    let tr = app.tr;
    let area = centered(frame.area(), 96, 22);
    let (folder, _) = prompt.browsing();
    let shown = fit(&folder.display().to_string(), 40);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(tr.f(S::AttachTitle, &[&shown.trim_end()]));
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
