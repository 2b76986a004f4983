//! An order in words: a line as lists show it, and the summary the buyer is sent.

use super::dong;
use crate::i18n::{S, Tr};
use crate::store::orders::{Order, OrderLine, Payment};

/// A line as it reads in a list: `2 × VH-M Váy hoa nhí (M) 350.000đ`.
pub fn line(line: &OrderLine) -> String {
    let code = line
        .code
        .as_deref()
        .map(|c| format!("{c} "))
        .unwrap_or_default();
    let variant = line
        .variant
        .as_deref()
        .map(|v| format!(" ({v})"))
        .unwrap_or_default();
    format!(
        "{} × {code}{}{variant} {}",
        line.quantity,
        line.name,
        dong(line.price)
    )
}

/// The order as the buyer reads it in a reply, in the staff's language: its lines, the
/// shipping fee and discount, the total and how it is paid, where it goes.
pub fn for_buyer(tr: Tr, order: &Order) -> String {
    let mut text = vec![tr.f(S::OrderToBuyer, &[&order.id])];
    text.extend(order.lines.iter().map(|l| format!("- {}", line(l))));
    if order.shipping_fee > 0 {
        text.push(tr.f(S::OrderToBuyerShipping, &[&dong(order.shipping_fee)]));
    }
    if order.discount > 0 {
        text.push(tr.f(S::OrderToBuyerDiscount, &[&dong(order.discount)]));
    }
    let paid = match order.paid_by {
        Payment::Cod => S::OrderToBuyerCod,
        Payment::Transfer => S::OrderToBuyerTransfer,
    };
    text.push(tr.f(paid, &[&dong(order.total)]));
    text.push(tr.f(S::OrderToBuyerAddress, &[&order.address, &order.phone]));
    if let (Some(carrier), Some(tracking)) = (&order.carrier, &order.tracking) {
        text.push(tr.f(S::OrderToBuyerShipped, &[carrier, tracking]));
    }
    text.join("\n")
}
