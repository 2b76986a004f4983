//! An order as staff type it in the inbox's form: every field the words typed, kept as a draft
//! (like a reply's) until the order is saved. Read here into an order the store keeps, with the
//! first thing a shop would refuse and the field it is in.

use serde::{Deserialize, Serialize};

use super::catalogue::Product;
use super::{OrderRefusal, parse_dong};
use crate::model::ConversationId;
use crate::store::orders::{NewOrder, OrderLine, Payment};

/// One line of the form: a product picked from the catalogue (its code), or typed freely.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftLine {
    pub code: Option<String>,
    pub name: String,
    pub variant: Option<String>,
    pub quantity: String,
    pub price: String,
    /// What the catalogue had in stock when it was picked: a warning, not a limit.
    #[serde(default)]
    pub stock: Option<i64>,
}

impl DraftLine {
    /// A catalogue product, one of it at its price.
    pub fn of(product: &Product) -> DraftLine {
        DraftLine {
            code: Some(product.code.clone()),
            name: product.name.clone(),
            variant: product.variant.clone(),
            quantity: "1".to_owned(),
            price: super::dong(product.price),
            stock: product.stock,
        }
    }

    /// A line typed freely: its price still to type.
    pub fn typed(name: &str) -> DraftLine {
        DraftLine {
            name: crate::text::clean_line(name).trim().to_owned(),
            quantity: "1".to_owned(),
            ..DraftLine::default()
        }
    }

    /// Quantity × price, when both read as numbers.
    pub fn amount(&self) -> Option<i64> {
        quantity(&self.quantity)?.checked_mul(parse_dong(&self.price)?)
    }
}

/// Where in the form a refusal points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftField {
    Phone,
    Address,
    /// The lines, as a whole (none yet).
    Lines,
    Quantity(usize),
    Price(usize),
    Shipping,
    Discount,
}

/// The order form's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    /// Who receives the parcel: the conversation's name unless staff change it.
    pub name: String,
    pub phone: String,
    pub address: String,
    pub lines: Vec<DraftLine>,
    pub shipping: String,
    pub discount: String,
    pub transfer: bool,
    pub note: String,
    /// What is typed in the product field and not added yet: kept too, as a reply's words.
    #[serde(default)]
    pub adding: String,
}

/// The most of one product an order takes: past it, a quantity is a typo.
pub const MAX_QUANTITY: i64 = 100_000;

/// A quantity as typed: a whole number above zero, up to [`MAX_QUANTITY`].
fn quantity(typed: &str) -> Option<i64> {
    typed
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|q| (1..=MAX_QUANTITY).contains(q))
}

/// An amount field left empty is none.
fn amount_or_zero(typed: &str) -> Option<i64> {
    match typed.trim() {
        "" => Some(0),
        typed => parse_dong(typed),
    }
}

impl OrderDraft {
    /// Adds a line; a product already on the order gets one more instead of a second line.
    pub fn add(&mut self, line: DraftLine) {
        let same = self
            .lines
            .iter_mut()
            .find(|l| l.code.is_some() && l.code == line.code && l.variant == line.variant);
        match same.and_then(|l| quantity(&l.quantity).map(|q| (l, q))) {
            Some((same, count)) => same.quantity = (count + 1).to_string(),
            None => self.lines.push(line),
        }
    }

    /// The lines' sum, the shipping fee, less the discount: what reads as an amount so far
    /// (what does not is left out until it does).
    pub fn total(&self) -> i64 {
        let lines: i64 = self
            .lines
            .iter()
            .filter_map(DraftLine::amount)
            .fold(0, i64::saturating_add);
        lines
            .saturating_add(amount_or_zero(&self.shipping).unwrap_or(0))
            .saturating_sub(amount_or_zero(&self.discount).unwrap_or(0))
    }

    /// The order this draft makes in `conversation_id`, or the first thing a shop would
    /// refuse and where. The store checks again what it keeps.
    pub fn to_order(
        &self,
        conversation_id: &ConversationId,
    ) -> Result<NewOrder, (DraftField, OrderRefusal)> {
        if self.phone.trim().is_empty() {
            return Err((DraftField::Phone, OrderRefusal::NoPhone));
        }
        if super::phone(&self.phone).is_none() {
            let typed = self.phone.trim().to_owned();
            return Err((DraftField::Phone, OrderRefusal::Phone(typed)));
        }
        if self.address.trim().is_empty() {
            return Err((DraftField::Address, OrderRefusal::NoAddress));
        }
        if self.lines.is_empty() {
            return Err((DraftField::Lines, OrderRefusal::NoLines));
        }
        let mut lines = Vec::new();
        for (index, line) in self.lines.iter().enumerate() {
            if crate::text::clean_line(&line.name).trim().is_empty() {
                return Err((DraftField::Lines, OrderRefusal::NoName));
            }
            let Some(count) = quantity(&line.quantity) else {
                let refusal = OrderRefusal::Amount(line.quantity.trim().to_owned());
                return Err((DraftField::Quantity(index), refusal));
            };
            let Some(price) = parse_dong(&line.price) else {
                let refusal = match line.price.trim() {
                    "" => OrderRefusal::NoPrice(line.name.clone()),
                    typed => OrderRefusal::Amount(typed.to_owned()),
                };
                return Err((DraftField::Price(index), refusal));
            };
            lines.push(OrderLine {
                code: line.code.clone(),
                name: line.name.clone(),
                variant: line.variant.clone(),
                quantity: count,
                price,
            });
        }
        let shipping_fee = amount_or_zero(&self.shipping).ok_or_else(|| {
            let refusal = OrderRefusal::Amount(self.shipping.trim().to_owned());
            (DraftField::Shipping, refusal)
        })?;
        let discount = amount_or_zero(&self.discount).ok_or_else(|| {
            let refusal = OrderRefusal::Amount(self.discount.trim().to_owned());
            (DraftField::Discount, refusal)
        })?;
        let order = NewOrder {
            conversation_id: conversation_id.clone(),
            customer_name: Some(self.name.trim().to_owned()).filter(|n| !n.is_empty()),
            phone: self.phone.clone(),
            address: self.address.clone(),
            lines,
            shipping_fee,
            discount,
            paid_by: match self.transfer {
                true => Payment::Transfer,
                false => Payment::Cod,
            },
            note: self.note.clone(),
        };
        if self.total() < 0 {
            return Err((DraftField::Discount, OrderRefusal::BelowZero));
        }
        // Summed without saturating: past what an amount holds is no order.
        let exact = order.lines.iter().try_fold(0_i64, |sum, line| {
            sum.checked_add(line.quantity.checked_mul(line.price)?)
        });
        let whole = exact.and_then(|sum| sum.checked_add(order.shipping_fee));
        if whole.is_none_or(|total| total > super::MAX_DONG) {
            return Err((DraftField::Lines, OrderRefusal::TooLarge));
        }
        Ok(order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> OrderDraft {
        OrderDraft {
            name: "Lan".into(),
            phone: "0912 345 678".into(),
            address: "12 Lê Lợi".into(),
            lines: vec![DraftLine {
                quantity: "2".into(),
                price: "350k".into(),
                ..DraftLine::typed("Váy")
            }],
            shipping: "30.000".into(),
            ..OrderDraft::default()
        }
    }

    #[test]
    fn a_draft_reads_as_the_order_with_its_total() {
        let order = draft().to_order(&"c".into()).unwrap();
        assert_eq!(order.lines[0].quantity, 2);
        assert_eq!(order.lines[0].price, 350_000);
        assert_eq!(order.shipping_fee, 30_000);
        assert_eq!(draft().total(), 730_000);
    }

    #[test]
    fn a_product_added_again_is_one_more_and_a_typed_line_is_its_own() {
        let product = |code: &str, variant: &str| DraftLine {
            code: Some(code.into()),
            variant: Some(variant.into()),
            quantity: "1".into(),
            ..DraftLine::typed("Váy hoa nhí")
        };
        let mut draft = OrderDraft::default();
        draft.add(product("VH", "M"));
        // One code, two sizes: two lines.
        draft.add(product("VH", "L"));
        draft.add(product("VH", "M"));
        // Typed freely, the same words twice are two lines: nothing says they are one thing.
        draft.add(DraftLine::typed("Túi quà"));
        draft.add(DraftLine::typed("Túi quà"));
        let lines: Vec<(Option<&str>, Option<&str>, &str)> = draft
            .lines
            .iter()
            .map(|l| (l.code.as_deref(), l.variant.as_deref(), l.quantity.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (Some("VH"), Some("M"), "2"),
                (Some("VH"), Some("L"), "1"),
                (None, None, "1"),
                (None, None, "1")
            ]
        );
    }

    #[test]
    fn a_refusal_points_at_its_field() {
        let refused = |change: fn(&mut OrderDraft)| {
            let mut draft = draft();
            change(&mut draft);
            draft.to_order(&"c".into()).unwrap_err().0
        };
        assert_eq!(refused(|d| d.phone = "12345".into()), DraftField::Phone);
        assert_eq!(refused(|d| d.address = " ".into()), DraftField::Address);
        assert_eq!(refused(|d| d.lines.clear()), DraftField::Lines);
        assert_eq!(
            refused(|d| d.lines[0].quantity = "0".into()),
            DraftField::Quantity(0)
        );
        assert_eq!(
            refused(|d| d.lines[0].price = "".into()),
            DraftField::Price(0)
        );
        assert_eq!(
            refused(|d| d.shipping = "ba chục".into()),
            DraftField::Shipping
        );
        assert_eq!(refused(|d| d.discount = "2tr".into()), DraftField::Discount);
        let too_many = |d: &mut OrderDraft| d.lines[0].quantity = "100001".into();
        assert_eq!(refused(too_many), DraftField::Quantity(0));
        let too_large = |d: &mut OrderDraft| {
            d.lines[0].quantity = "100000".into();
            d.lines[0].price = "9999999999".into();
        };
        assert_eq!(refused(too_large), DraftField::Lines);
    }
}
