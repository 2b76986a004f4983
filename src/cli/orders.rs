//! `pagedesk order` and `pagedesk orders`: orders taken and moved along from scripts, and
//! listed for the shop's POS or a carrier's bulk upload.

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;

use super::output::{local_time, out};
use crate::i18n::{S, Tr};
use crate::model::ConversationId;
use crate::orders::catalogue::Catalogue;
use crate::orders::draft::{DraftLine, OrderDraft};
use crate::orders::{OrderRefusal, OrderState, dong};

use crate::store::orders::{Order, OrderMove};
use crate::store::{Store, StoreError};

/// What `pagedesk order new` was given.
pub struct Taken<'a> {
    pub conversation_id: &'a str,
    /// Who receives it, when not the conversation's name.
    pub name: Option<&'a str>,
    pub items: &'a [String],
    pub lines: &'a [String],
    pub phone: Option<&'a str>,
    pub address: Option<&'a str>,
    pub shipping: Option<&'a str>,
    pub discount: Option<&'a str>,
    pub transfer: bool,
    pub note: Option<&'a str>,
}

/// The CSV's columns, in order: what a POS or a carrier's bulk upload maps.
pub const CSV_COLUMNS: [&str; 17] = [
    "order",
    "created_at",
    "page",
    "customer",
    "phone",
    "address",
    "items",
    "total",
    "shipping_fee",
    "discount",
    "cod_amount",
    "paid_by",
    "state",
    "carrier",
    "tracking",
    "note",
    "created_by",
];

/// Says why the store refused, in the staff's language, and fails.
fn refused(tr: Tr, error: StoreError) -> Result<ExitCode> {
    match error {
        StoreError::Order(refusal) => {
            eprintln!("{}", tr.order_refusal(&refusal));
            Ok(ExitCode::FAILURE)
        }
        other => Err(other.into()),
    }
}

/// `pagedesk order new CONVERSATION_ID --item CODE:QTY ... --phone ... --address ...`: read as
/// the inbox's form reads what staff type, and checked the same way.
pub fn take(
    tr: Tr,
    store: &mut Store,
    catalogue: Option<&Catalogue>,
    taken: &Taken<'_>,
) -> Result<ExitCode> {
    let mut draft = OrderDraft {
        name: taken.name.unwrap_or_default().to_owned(),
        phone: taken.phone.unwrap_or_default().to_owned(),
        address: taken.address.unwrap_or_default().to_owned(),
        shipping: taken.shipping.unwrap_or_default().to_owned(),
        discount: taken.discount.unwrap_or_default().to_owned(),
        transfer: taken.transfer,
        note: taken.note.unwrap_or_default().to_owned(),
        ..OrderDraft::default()
    };
    for item in taken.items {
        let (code, quantity) = item.rsplit_once(':').unwrap_or((item, "1"));
        let Some(product) = catalogue.and_then(|c| c.product(code)) else {
            eprintln!(
                "{}",
                tr.order_refusal(&OrderRefusal::NoProduct(code.to_owned()))
            );
            return Ok(ExitCode::FAILURE);
        };
        draft.lines.push(DraftLine {
            quantity: quantity.to_owned(),
            ..DraftLine::of(product)
        });
    }
    // A line typed freely: NAME:QUANTITY:PRICE (the name may hold colons).
    for typed in taken.lines {
        let mut parts = typed.rsplitn(3, ':');
        let (Some(price), Some(quantity), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            // NAME:QUANTITY, or a name alone: the price is what is missing.
            let name = typed.split(':').next().unwrap_or(typed).trim().to_owned();
            eprintln!("{}", tr.order_refusal(&OrderRefusal::NoPrice(name)));
            return Ok(ExitCode::FAILURE);
        };
        draft.lines.push(DraftLine {
            quantity: quantity.to_owned(),
            price: price.to_owned(),
            ..DraftLine::typed(name)
        });
    }
    let conversation_id = ConversationId::from(taken.conversation_id);
    let order = match draft.to_order(&conversation_id) {
        Ok(order) => order,
        Err((_, refusal)) => {
            eprintln!("{}", tr.order_refusal(&refusal));
            return Ok(ExitCode::FAILURE);
        }
    };
    let id = match store.create_order(&order, Utc::now()) {
        Ok(id) => id,
        Err(error) => return refused(tr, error),
    };
    let Some(order) = store.order(id)? else {
        return Ok(ExitCode::FAILURE);
    };
    out!("{}", summary(tr, &order));
    history(tr, store, &order)?;
    Ok(ExitCode::SUCCESS)
}

/// What `pagedesk order ID confirm|ship|…` was given besides where the order goes.
pub struct Move<'a> {
    pub carrier: Option<&'a str>,
    pub tracking: Option<&'a str>,
    /// The version the caller looked at (`--seen`).
    pub seen: Option<i64>,
    /// The config has `[orders] on_confirm`.
    pub run_hook: bool,
}

/// `pagedesk order ID confirm|ship|deliver|return|cancel`.
pub fn move_along(
    tr: Tr,
    store: &mut Store,
    id: i64,
    to: OrderState,
    given: Move<'_>,
) -> Result<ExitCode> {
    let change = OrderMove {
        to,
        seen_version: given.seen,
        run_hook: given.run_hook,
        carrier: given.carrier.map(str::to_owned),
        tracking: given.tracking.map(str::to_owned),
    };
    match store.move_order(id, &change, Utc::now()) {
        Ok(order) => {
            out!("{}", summary(tr, &order));
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => refused(tr, error),
    }
}

/// `pagedesk order ID hook`: the order's `on_confirm` command again, after it failed (or its
/// engine died while it ran).
pub fn rerun_hook(tr: Tr, store: &mut Store, id: i64) -> Result<ExitCode> {
    if store.rerun_order_hook(id)? {
        out!("{}", tr.f(S::OrderHookAgain, &[&id]));
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("{}", tr.f(S::OrderHookNotToRerun, &[&id]));
    Ok(ExitCode::FAILURE)
}

/// `pagedesk orders [--since 7d] [--state S] [--json | --csv]`.
pub fn list(
    tr: Tr,
    store: &Store,
    since: &str,
    state: Option<OrderState>,
    json: bool,
    csv: bool,
) -> Result<ExitCode> {
    let period = crate::config::parse_duration(since)
        .map_err(|why| anyhow::anyhow!("--since {since}: {why}"))?;
    // A period longer than the calendar holds is every order.
    let since = chrono::Duration::from_std(period)
        .ok()
        .and_then(|period| Utc::now().checked_sub_signed(period))
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
    let orders = store.orders(since, state)?;
    if json {
        out!("{}", serde_json::to_string_pretty(&orders)?);
        return Ok(ExitCode::SUCCESS);
    }
    if csv {
        // Through `out!`: a reader that stops early (`| head`) ends it quietly.
        out!("{}", to_csv(&orders)?.trim_end_matches('\n'));
        return Ok(ExitCode::SUCCESS);
    }
    if orders.is_empty() {
        out!("{}", tr.t(S::CliNoOrders));
    }
    for order in &orders {
        out!("{}", summary(tr, order));
    }
    Ok(ExitCode::SUCCESS)
}

/// The orders as CSV for Excel, a POS or a carrier: UTF-8 with a BOM (so that Excel reads
/// Vietnamese), the columns of [`CSV_COLUMNS`], amounts as plain whole đồng.
pub fn to_csv(orders: &[Order]) -> Result<String> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for order in orders {
        let items: Vec<String> = order.lines.iter().map(crate::orders::words::line).collect();
        let paid_by: &str = order.paid_by.into();
        // Text staff or buyers wrote is kept from reading as a formula.
        writer.write_record([
            order.id.to_string(),
            order.created_at.to_rfc3339(),
            as_text(&order.page_name),
            as_text(&order.customer_name),
            as_text(&order.phone),
            as_text(&order.address),
            as_text(&items.join("; ")),
            order.total.to_string(),
            order.shipping_fee.to_string(),
            order.discount.to_string(),
            order.cod_amount.to_string(),
            paid_by.to_owned(),
            order.state.as_str().to_owned(),
            as_text(order.carrier.as_deref().unwrap_or_default()),
            as_text(order.tracking.as_deref().unwrap_or_default()),
            as_text(&order.note),
            as_text(&order.created_by),
        ])?;
    }
    let bytes = writer.into_inner()?;
    Ok(format!("\u{feff}{}", String::from_utf8(bytes)?))
}

/// A cell of text as a spreadsheet must read it: one that starts like a formula (`=`, `+`,
/// `-`, `@`, a tab or a carriage return; a buyer's name can be `=HYPERLINK(...)`) is marked as
/// text with a leading `'`, which Excel and LibreOffice take as "this is text" and do not show.
fn as_text(cell: &str) -> String {
    match cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{cell}"),
        false => cell.to_owned(),
    }
}

/// An order in one line: number, buyer, phone, what, total, what to collect, state.
fn summary(tr: Tr, order: &Order) -> String {
    let items: Vec<String> = order.lines.iter().map(crate::orders::words::line).collect();
    let shipped = match (&order.carrier, &order.tracking) {
        (Some(carrier), Some(tracking)) => format!(" · {carrier} {tracking}"),
        _ => String::new(),
    };
    let hook = crate::ui::words::order_hook(tr, order, Utc::now())
        .map(|hook| format!(" · {hook}"))
        .unwrap_or_default();
    tr.f(
        S::OrderSummary,
        &[
            &order.id,
            &local_time(order.created_at),
            &order.customer_name,
            &order.phone,
            &items.join("; "),
            &dong(order.total),
            &dong(order.cod_amount),
            &format!("{}{shipped}{hook}", tr.order_state(order.state)),
        ],
    )
}

/// What earlier orders with the same phone became, on every page: a returned one is a warning.
fn history(tr: Tr, store: &Store, order: &Order) -> Result<()> {
    let mut history = store.phone_history(&order.phone)?;
    if let Some(count) = history.get_mut(&OrderState::New) {
        *count -= 1;
    }
    history.retain(|_, count| *count > 0);
    if history.is_empty() {
        return Ok(());
    }
    let counts: Vec<String> = history
        .iter()
        .map(|(state, count)| format!("{count} {}", tr.order_state(*state)))
        .collect();
    let key = match history.contains_key(&OrderState::Returned) {
        true => S::OrderHistoryReturned,
        false => S::OrderHistory,
    };
    out!("{}", tr.f(key, &[&counts.join(", ")]));
    Ok(())
}
