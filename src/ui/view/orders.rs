//! A conversation's orders, and the order form: what staff fill in, the products offered under
//! what they type, the totals as they will be collected, and why the order was not saved.

use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use crate::i18n::{S, Tr};
use crate::orders::{OrderState, dong};
use crate::text::fit;
use crate::ui::app::App;
use crate::ui::clock::Clock;
use crate::ui::layout::centered;
use crate::ui::orders::{FormField, OrderForm, OrdersWindow, ProductChoice};

/// An order's earlier orders by state, "3 đã giao, 1 bị hoàn"; a return in the warning colour.
fn history_span(
    app: &App,
    history: &std::collections::BTreeMap<OrderState, usize>,
) -> Span<'static> {
    let counts: Vec<String> = history
        .iter()
        .map(|(state, count)| format!("{count} {}", app.tr.order_state(*state)))
        .collect();
    let style = match history.contains_key(&OrderState::Returned) {
        true => app.theme.error(),
        false => app.theme.dim(),
    };
    let warning = if history.contains_key(&OrderState::Returned) {
        "⚠ "
    } else {
        ""
    };
    Span::styled(format!("{warning}{}", counts.join(", ")), style)
}

/// Lines scrolled so that line `wanted` shows among `room`.
fn scrolled(lines: Vec<Line<'static>>, wanted: usize, room: usize) -> Vec<Line<'static>> {
    let top = (wanted + 1).saturating_sub(room);
    lines.into_iter().skip(top).take(room).collect()
}

/// Where an order window may go: the screen but its last two lines, the status line (what
/// became of a key: "press X again") and the key hints.
fn above_status(frame: &Frame) -> ratatui::layout::Rect {
    let mut area = frame.area();
    area.height = area.height.saturating_sub(2);
    area
}

pub(super) fn draw_orders(frame: &mut Frame, app: &App, window: &OrdersWindow, clock: Clock) {
    let tr = app.tr;
    let screen = above_status(frame);
    let width = screen.width.saturating_sub(4).min(96);
    let inner_width = usize::from(width.saturating_sub(2));
    let mut lines = Vec::new();
    // The chosen order's first line and the line after its last.
    let (mut cursor_line, mut chosen_end) = (0, 1);
    let new_row = match window.has_draft {
        true => S::OrdersContinue,
        false => S::OrdersNew,
    };
    let selected = |line: Line<'static>, on: bool| match on {
        true => line.style(app.theme.selected()),
        false => line,
    };
    lines.push(selected(
        Line::raw(fit(tr.t(new_row), inner_width)),
        window.cursor == 0,
    ));
    if window.orders.is_empty() {
        lines.push(Line::styled(
            tr.t(S::OrdersNone).to_owned(),
            app.theme.dim(),
        ));
    }
    for (index, order) in window.orders.iter().enumerate() {
        let chosen = window.cursor == index + 1;
        if chosen {
            cursor_line = lines.len();
        }
        let paid = match order.paid_by {
            crate::store::orders::Payment::Cod => tr.f(S::OrderCollect, &[&dong(order.cod_amount)]),
            crate::store::orders::Payment::Transfer => tr.t(S::FormTransfer).to_owned(),
        };
        let head = format!(
            "#{} · {} · {} · {} · {}",
            order.id,
            tr.order_state(order.state),
            dong(order.total),
            paid,
            clock.stamp(tr, order.created_at),
        );
        let state_style = match order.state {
            OrderState::Returned => app.theme.error(),
            _ => app.theme.bold(),
        };
        lines.push(selected(
            Line::styled(fit(&head, inner_width), state_style),
            chosen,
        ));
        let items: Vec<String> = order.lines.iter().map(crate::orders::words::line).collect();
        lines.push(Line::raw(fit(
            &format!("  {}", items.join("; ")),
            inner_width,
        )));
        if let (Some(carrier), Some(tracking)) = (&order.carrier, &order.tracking) {
            lines.push(Line::raw(fit(
                &format!("  {carrier} {tracking}"),
                inner_width,
            )));
        }
        if let Some(hook) = crate::ui::words::order_hook(tr, order, clock.now) {
            let style = match order.hook_state.as_deref() {
                Some("failed" | "running") => app.theme.error(),
                _ => app.theme.dim(),
            };
            lines.push(Line::styled(fit(&format!("  {hook}"), inner_width), style));
        }
        // The order chosen, whole: where it goes, and who changed what.
        if chosen {
            let indented = |text: &str| {
                crate::ui::chat::wrap(text, inner_width.saturating_sub(2))
                    .into_iter()
                    .map(|line| format!("  {line}"))
                    .collect::<Vec<String>>()
            };
            let to = format!(
                "{} · {} · {}",
                order.customer_name, order.phone, order.address
            );
            lines.extend(indented(&to).into_iter().map(Line::raw));
            if !order.note.is_empty() {
                let note = format!("{}: {}", tr.t(S::FormNote), order.note);
                lines.extend(indented(&note).into_iter().map(Line::raw));
            }
            let history: Vec<String> = order
                .history
                .iter()
                .map(|event| {
                    format!(
                        "{} {}: {}",
                        clock.stamp(tr, event.at),
                        event.staff,
                        tr.order_state(event.state)
                    )
                })
                .collect();
            for line in indented(&history.join(" · ")) {
                lines.push(Line::styled(line, app.theme.dim()));
            }
            chosen_end = lines.len();
        }
    }
    let height = (lines.len() as u16 + 2).min(screen.height);
    let area = centered(screen, width, height);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(tr.f(
            S::OrdersTitle,
            &[&fit(&window.customer_name, 30).trim_end()],
        ));
    if let Some((_, typed)) = &window.shipping {
        let prompt = tr.f(S::OrderShipPrompt, &[&format!("{typed}▏")]);
        let room = usize::from(width.saturating_sub(4));
        block = block.title_bottom(Line::styled(fit(&prompt, room), app.theme.bold()));
    }
    let room = usize::from(height.saturating_sub(2));
    // The chosen order whole in view when it fits, else from its first line.
    let wanted = match window.cursor {
        0 => 0,
        _ => (chosen_end - 1).min(cursor_line + room.saturating_sub(1)),
    };
    let shown = scrolled(lines, wanted, room);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

/// A field's row: its label, then its value with the cursor when staff type there.
fn field_line(
    app: &App,
    form: &OrderForm,
    field: FormField,
    label: S,
    value: &str,
    label_width: usize,
    width: usize,
) -> Line<'static> {
    let focused = form.focus == field;
    let label_style = match focused {
        true => app.theme.selected(),
        false => app.theme.dim(),
    };
    let value = match focused {
        true => format!("{value}▏"),
        false => value.to_owned(),
    };
    Line::from(vec![
        Span::styled(fit(app.tr.t(label), label_width), label_style),
        Span::raw(" "),
        Span::raw(
            fit(&value, width.saturating_sub(label_width + 1))
                .trim_end()
                .to_owned(),
        ),
    ])
}

/// A product offered: code, name, variant, price and what is in stock.
fn product_words(tr: Tr, product: &crate::orders::catalogue::Product) -> String {
    let mut parts = vec![format!("{} {}", product.code, product.name)];
    parts.extend(product.variant.clone());
    parts.push(dong(product.price));
    match product.stock {
        Some(stock) if stock <= 0 => parts.push(tr.t(S::FormNoStock).to_owned()),
        Some(stock) => parts.push(tr.f(S::FormStock, &[&stock])),
        None => {}
    }
    parts.join(" · ")
}

pub(super) fn draw_order_form(frame: &mut Frame, app: &App, form: &OrderForm) {
    let tr = app.tr;
    let screen = above_status(frame);
    let width = screen.width.saturating_sub(2).min(96);
    let inner = usize::from(width.saturating_sub(2));
    let label_width = [
        S::FormName,
        S::FormPhone,
        S::FormAddress,
        S::FormAdd,
        S::FormShipping,
        S::FormDiscount,
        S::FormPayment,
        S::FormNote,
    ]
    .iter()
    .map(|s| tr.t(*s).width())
    .max()
    .unwrap_or(12)
        + 1;
    let draft = &form.draft;
    let mut lines = Vec::new();
    let mut focus_line = 0;
    // The line staff are on is kept in view.
    let mut push = |lines: &mut Vec<Line<'static>>, line: Line<'static>, here: bool| {
        if here {
            focus_line = lines.len();
        }
        lines.push(line);
    };
    let on = |field: FormField| form.focus == field;
    let row =
        |field, label, value: &str| field_line(app, form, field, label, value, label_width, inner);
    push(
        &mut lines,
        row(FormField::Name, S::FormName, &draft.name),
        on(FormField::Name),
    );
    let mut phone = row(FormField::Phone, S::FormPhone, &draft.phone);
    if !form.history.is_empty() {
        phone.spans.push(Span::raw("  "));
        phone.spans.push(history_span(app, &form.history));
    }
    push(&mut lines, phone, on(FormField::Phone));
    push(
        &mut lines,
        row(FormField::Address, S::FormAddress, &draft.address),
        on(FormField::Address),
    );
    // The lines: what, how many, at what price, and the amount.
    let (quantity_width, price_width, amount_width) = (6, 13, 13);
    let name_width = inner.saturating_sub(quantity_width + price_width + amount_width + 2);
    lines.push(Line::styled(
        format!(
            "  {}{}{}{}",
            fit(tr.t(S::FormLines), name_width),
            fit(tr.t(S::FormQuantity), quantity_width),
            fit(tr.t(S::FormPrice), price_width),
            tr.t(S::FormAmount)
        ),
        app.theme.dim(),
    ));
    for (index, line) in draft.lines.iter().enumerate() {
        let mut what = line
            .code
            .clone()
            .map(|c| format!("{c} "))
            .unwrap_or_default();
        what.push_str(&line.name);
        if let Some(variant) = &line.variant {
            what.push_str(&format!(" ({variant})"));
        }
        let cell = |field: FormField, text: &str, width: usize| {
            let focused = form.focus == field;
            let text = match focused {
                true => format!("{text}▏"),
                false => text.to_owned(),
            };
            let style = match (focused, &form.problem) {
                (_, Some((at, _))) if *at == field => app.theme.error(),
                (true, _) => app.theme.selected(),
                _ => Style::default(),
            };
            Span::styled(fit(&text, width.saturating_sub(1)) + " ", style)
        };
        let amount = line.amount().map(dong).unwrap_or_default();
        // Short of stock: said first, where the product's name gives way to it.
        let short = match (line.stock, line.quantity.trim().parse::<i64>()) {
            (Some(stock), _) if stock <= 0 => format!("⚠ {} ", tr.t(S::FormNoStock)),
            (Some(stock), Ok(wanted)) if wanted > stock => {
                format!("⚠ {} ", tr.f(S::FormStock, &[&stock]))
            }
            _ => String::new(),
        };
        let what_width = name_width.saturating_sub(short.width() + 1);
        let spans = vec![
            Span::raw("  "),
            Span::styled(short, app.theme.error()),
            Span::raw(fit(&what, what_width) + " "),
            cell(FormField::Quantity(index), &line.quantity, quantity_width),
            cell(FormField::Price(index), &line.price, price_width),
            Span::raw(amount),
        ];
        let here = on(FormField::Quantity(index)) || on(FormField::Price(index));
        push(&mut lines, Line::from(spans), here);
    }
    let mut add = row(FormField::Product, S::FormAdd, &form.draft.adding);
    if form.draft.adding.is_empty() {
        let hint = match app.catalogue.is_some() {
            true => S::FormAddHint,
            false => S::FormNoCatalogue,
        };
        add.spans
            .push(Span::styled(format!(" {}", tr.t(hint)), app.theme.dim()));
    }
    push(&mut lines, add, on(FormField::Product));
    if form.focus == FormField::Product {
        for (index, choice) in form.choices(app.catalogue.as_ref()).iter().enumerate() {
            let words = match choice {
                ProductChoice::Product(product) => product_words(tr, product),
                ProductChoice::Typed(typed) => tr.f(S::FormTyped, &[typed]),
            };
            let line = Line::raw(fit(&format!("    {words}"), inner));
            let line = match index == form.picked {
                true => line.style(app.theme.selected()),
                false => line,
            };
            push(&mut lines, line, index == form.picked);
        }
    }
    push(
        &mut lines,
        row(FormField::Shipping, S::FormShipping, &draft.shipping),
        on(FormField::Shipping),
    );
    push(
        &mut lines,
        row(FormField::Discount, S::FormDiscount, &draft.discount),
        on(FormField::Discount),
    );
    let (cod, transfer) = match draft.transfer {
        false => ("(•)", "( )"),
        true => ("( )", "(•)"),
    };
    let payment = format!(
        "{cod} {}  {transfer} {}",
        tr.t(S::FormCod),
        tr.t(S::FormTransfer)
    );
    push(
        &mut lines,
        row(FormField::Payment, S::FormPayment, &payment),
        on(FormField::Payment),
    );
    push(
        &mut lines,
        row(FormField::Note, S::FormNote, &draft.note),
        on(FormField::Note),
    );
    // The total and why the order was not saved stay in view under the fields, which scroll.
    let total = draft.total();
    let collect = if draft.transfer { 0 } else { total };
    let mut footer = vec![Line::styled(
        fit(&tr.f(S::FormTotal, &[&dong(total), &dong(collect)]), inner),
        app.theme.bold(),
    )];
    if let Some((_, problem)) = &form.problem {
        for line in crate::ui::chat::wrap(problem, inner) {
            footer.push(Line::styled(line, app.theme.error()));
        }
    }
    let height = ((lines.len() + footer.len()) as u16 + 2).min(screen.height);
    let area = centered(screen, width, height);
    let mut title = tr.f(
        S::FormTitle,
        &[
            &fit(&form.customer_name, 24).trim_end(),
            &fit(&form.page_name, 24).trim_end(),
            &fit(&app.settings.staff, 16).trim_end(),
        ],
    );
    if form.saving {
        title = format!("{title} · {}", tr.t(S::FormSaving));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focused_border())
        .title(title);
    let room = usize::from(height.saturating_sub(2)).saturating_sub(footer.len());
    let mut shown = scrolled(lines, focus_line, room);
    shown.extend(footer);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
