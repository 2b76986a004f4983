//! The team's windows: the label picker, whom to assign to, the numbers to copy and the team's
//! numbers with a bar chart of replies per day.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Clear, Paragraph};

use crate::i18n::{S, Tr};
use crate::model::LabelColour;
use crate::store::{Stats, StatsRow};
use crate::text::fit;
use crate::ui::app::App;
use crate::ui::clock::Clock;
use crate::ui::layout::centered;
use crate::ui::team::{AssignPrompt, LabelChoice, LabelPicker, LabelPurpose};

pub(super) fn draw_labels(frame: &mut Frame, app: &App, picker: &LabelPicker) {
    let tr = app.tr;
    let area = centered(frame.area(), 72, 18);
    let title = match &picker.purpose {
        LabelPurpose::Conversation { name, .. } => {
            tr.f(S::LabelsTitle, &[&fit(name, 20).trim_end()])
        }
        LabelPurpose::ListFilter => tr.f(
            S::LabelsFilterTitle,
            &[&tr.t(super::label_match_name(app.list.label_match))],
        ),
    };
    let title = match &picker.renaming {
        Some(label) => tr.f(S::LabelRenaming, &[&fit(&label.name, 20).trim_end()]),
        None => title,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let mut lines = vec![Line::styled(
        format!("> {}▏", picker.typed),
        app.theme.bold(),
    )];
    let choices = picker.choices(&app.labels);
    if choices.is_empty() {
        let none = match picker.purpose {
            LabelPurpose::Conversation { .. } => S::LabelsNone,
            LabelPurpose::ListFilter => S::LabelsNoneToFilter,
        };
        lines.push(Line::styled(tr.t(none).to_owned(), app.theme.dim()));
    }
    let room = usize::from(inner.height).saturating_sub(1);
    let top = picker.selected.saturating_sub(room.saturating_sub(1));
    let width = usize::from(inner.width);
    for (index, choice) in choices.iter().enumerate().skip(top).take(room) {
        let mut line = match choice {
            LabelChoice::Label(label) => {
                let mark = if picker.on.contains(&label.id) {
                    "[x] "
                } else {
                    "[ ] "
                };
                let count = format!(" {}", label.conversations);
                let name_width = width.saturating_sub(mark.len() + count.len());
                Line::from(vec![
                    Span::raw(mark),
                    Span::styled(
                        fit(&label.name, name_width),
                        app.theme.label(LabelColour::parse(&label.colour)),
                    ),
                    Span::styled(count, app.theme.dim()),
                ])
            }
            LabelChoice::Create(name) => Line::raw(fit(&tr.f(S::LabelCreate, &[name]), width)),
        };
        if index == picker.selected {
            line = line.style(app.theme.selected());
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub(super) fn draw_assign(frame: &mut Frame, app: &App, prompt: &AssignPrompt) {
    let (tr, cursor, name) = (app.tr, prompt.cursor, &prompt.customer_name);
    let team = &app.settings.team;
    let area = centered(frame.area(), 44, team.len() as u16 + 3);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(tr.f(S::AssignTitle, &[&fit(name, 20).trim_end()]));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    for (index, member) in team.iter().enumerate() {
        let available = app
            .staff_status
            .iter()
            .any(|s| s.name == *member && s.available);
        let word = tr.t(if available {
            S::StaffAvailable
        } else {
            S::StaffAway
        });
        let line = Line::from(vec![
            Span::raw(fit(member, usize::from(inner.width).saturating_sub(12))),
            Span::styled(format!(" {word}"), app.theme.dim()),
        ]);
        lines.push(if index == cursor {
            line.style(app.theme.selected())
        } else {
            line
        });
    }
    let nobody = Line::styled(tr.t(S::AssignNobody).to_owned(), app.theme.dim());
    lines.push(if cursor == team.len() {
        nobody.style(app.theme.selected())
    } else {
        nobody
    });
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The numbers and addresses to copy one of, newest first.
pub(super) fn draw_copy(frame: &mut Frame, app: &App, choices: &[String], cursor: usize) {
    let tr = app.tr;
    let name = app
        .chat
        .open
        .as_ref()
        .map_or("", |open| open.conversation.customer_name.as_str());
    let height = u16::try_from(choices.len() + 2).unwrap_or(u16::MAX);
    let area = centered(frame.area(), 72, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(tr.f(S::CopyTitle, &[&fit(name, 20).trim_end()]));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let lines: Vec<Line> = choices
        .iter()
        .enumerate()
        .map(|(index, choice)| {
            let line = Line::raw(fit(choice, usize::from(inner.width)));
            if index == cursor {
                line.style(app.theme.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One row of numbers: first answer median / 90 %, replies, waiting (longest), rescued.
fn stats_line(tr: Tr, row: &StatsRow) -> String {
    let span = |seconds: Option<i64>| {
        seconds.map_or_else(|| tr.t(S::NotApplicable).to_owned(), |s| tr.span_precise(s))
    };
    tr.f(
        S::StatsLine,
        &[
            &crate::ui::words::who(tr, &row.name),
            &span(row.first_response_median_s),
            &span(row.first_response_p90_s),
            &row.replies,
            &row.waiting_now,
            &span(row.longest_wait_s),
            &row.spam_rescued,
        ],
    )
}

pub(super) fn draw_stats(frame: &mut Frame, app: &App, stats: Option<&Stats>, clock: Clock) {
    let tr = app.tr;
    let screen = frame.area();
    let area = centered(
        screen,
        screen.width.saturating_sub(4).min(100),
        screen.height.saturating_sub(2),
    );
    let title = match stats {
        Some(stats) => tr.f(S::StatsTitle, &[&clock.stamp(tr, stats.since)]),
        None => tr.t(S::ModeStats).to_owned(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(format!("{title} · Esc"));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    // Read on the writer's thread: until it answers, this says so.
    let Some(stats) = stats else {
        frame.render_widget(
            Paragraph::new(tr.t(S::StatsReading)).style(app.theme.dim()),
            inner,
        );
        return;
    };
    let width = usize::from(inner.width);
    let mut lines = vec![Line::styled(
        fit(tr.t(S::StatsHeader), width),
        app.theme.dim(),
    )];
    for (title, rows) in [(S::StatsPages, &stats.pages), (S::StatsStaff, &stats.staff)] {
        lines.push(Line::styled(tr.t(title).to_owned(), app.theme.bold()));
        if rows.is_empty() {
            lines.push(Line::styled(
                format!("  {}", tr.t(S::StatsNothing)),
                app.theme.dim(),
            ));
        }
        for row in rows {
            lines.push(Line::raw(fit(&format!("  {}", stats_line(tr, row)), width)));
        }
    }
    for line in crate::ui::words::comment_stats(tr, stats)
        .into_iter()
        .chain(crate::ui::words::order_stats(tr, stats))
    {
        lines.push(Line::raw(fit(&line, width)));
    }
    let [text_area, charts_area] =
        Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Fill(1)])
            .areas(inner);
    frame.render_widget(Paragraph::new(lines), text_area);
    // Replies per day, and beside them orders per day when any was taken.
    let any_order = stats.orders_per_day.iter().any(|day| day.orders > 0);
    let [replies_area, orders_area] = match any_order {
        true => Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(charts_area),
        false => [charts_area, ratatui::layout::Rect::default()],
    };
    let replies: Vec<(String, u64)> = stats
        .replies_per_day
        .iter()
        .map(|(day, replies)| (day.format("%d/%m").to_string(), *replies as u64))
        .collect();
    draw_per_day(frame, app, tr.t(S::StatsPerDay), &replies, replies_area);
    if any_order {
        let orders: Vec<(String, u64)> = stats
            .orders_per_day
            .iter()
            .map(|day| (day.day.format("%d/%m").to_string(), day.orders as u64))
            .collect();
        draw_per_day(frame, app, tr.t(S::StatsOrdersPerDay), &orders, orders_area);
    }
}

/// A bar a day, its count on it, under `title`; nothing where there is no room for one.
fn draw_per_day(
    frame: &mut Frame,
    app: &App,
    title: &str,
    days: &[(String, u64)],
    area: ratatui::layout::Rect,
) {
    if area.height < 4 {
        return;
    }
    let bars: Vec<Bar> = days
        .iter()
        .map(|(day, count)| {
            Bar::default()
                .value(*count)
                .label(Line::raw(day.clone()))
                .text_value(count.to_string())
        })
        .collect();
    let count = bars.len().max(1) as u16;
    let bar_width = (area.width / count).saturating_sub(1).clamp(1, 7);
    let chart = BarChart::default()
        .block(Block::default().title(title.to_owned()))
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(1)
        .bar_style(app.theme.focused_border());
    frame.render_widget(chart, area);
}
