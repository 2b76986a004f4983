//! Windows over the inbox: every binding, and the settings.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::i18n::S;
use crate::text::fit;
use crate::ui::app::App;

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

pub(super) fn draw_help(frame: &mut Frame, app: &App) {
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

pub(super) fn draw_settings(frame: &mut Frame, app: &App, cursor: usize) {
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
