//! Orders closed in a conversation: their states and the moves between them, amounts in whole
//! đồng as Vietnamese shops write them, and the checks a shop makes before an order is kept.
//! The catalogue the lines are picked from is in [`catalogue`]; the store keeps the orders.

pub mod catalogue;
pub mod draft;
pub mod words;

use serde::Serialize;

/// Where an order is in its life. `New` until staff confirm it with the buyer; shipped with
/// a carrier's tracking code; then delivered, or returned by the buyer ("bom hàng"); or
/// cancelled before it left.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum OrderState {
    New,
    Confirmed,
    Shipped,
    Delivered,
    Returned,
    Cancelled,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether an order in this state may move to `next`: forward along its life, never back,
    /// and not out of an end.
    pub fn may_become(self, next: OrderState) -> bool {
        use OrderState::*;
        matches!(
            (self, next),
            (New, Confirmed | Cancelled)
                | (Confirmed, Shipped | Cancelled)
                | (Shipped, Delivered | Returned)
        )
    }
}

/// An amount in đồng, written the Vietnamese way: `350.000đ`, `-20.000đ`.
pub fn dong(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{grouped}đ")
}

/// The most an amount may be: a thousand billion đồng, far past any order, and well inside
/// what a JSON number carries exactly to a script.
pub const MAX_DONG: i64 = 1_000_000_000_000;

/// An amount as staff type it: `350000`, `350.000`, `350,000`, `350.000đ`, `350k`, `1.5k`,
/// `1tr2` (1.200.000), `2,5tr`, `0.35tr`, `2 triệu`. Dots and commas group thousands (groups of
/// three digits) in a plain number; before `k` or `tr` one of them may be the decimal point.
/// `None` when it is not an amount, not whole đồng, or past [`MAX_DONG`].
pub fn parse_dong(typed: &str) -> Option<i64> {
    let typed = typed.trim().to_lowercase();
    let typed = typed
        .strip_suffix('đ')
        .or_else(|| typed.strip_suffix("vnd"))
        .or_else(|| typed.strip_suffix("đồng"))
        .unwrap_or(&typed)
        .trim();
    let amount = if let Some(thousands) = typed.strip_suffix('k') {
        scaled(thousands.trim(), 1_000)?
    } else if let Some(millions) = typed.strip_suffix("triệu") {
        scaled(millions.trim(), 1_000_000)?
    } else if let Some((millions, rest)) = typed.split_once("tr") {
        // "1tr2" is 1.200.000, "1tr25" 1.250.000; "2,5tr" 2.500.000.
        let rest = match rest {
            "" => 0,
            digits if digits.len() <= 3 && digits.chars().all(|c| c.is_ascii_digit()) => {
                let scale = 10_i64.pow(6 - digits.len() as u32);
                digits.parse::<i64>().ok()? * scale
            }
            _ => return None,
        };
        let millions = scaled(millions.trim(), 1_000_000)?;
        if rest > 0 && millions % 1_000_000 != 0 {
            return None;
        }
        millions.checked_add(rest)?
    } else {
        grouped(typed)?
    };
    (amount <= MAX_DONG).then_some(amount)
}

/// A plain number, its thousands grouped by dots, commas or spaces in threes: `1.250.000`.
fn grouped(typed: &str) -> Option<i64> {
    let mut groups = typed.split(['.', ',', ' ']);
    let first = groups.next()?;
    let mut digits = first.to_owned();
    for group in groups {
        if group.len() != 3 {
            return None;
        }
        digits.push_str(group);
    }
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || first.is_empty() {
        return None;
    }
    digits.parse().ok()
}

/// `typed` times `scale`, where `typed` may have a decimal point (a dot or a comma) or group its
/// thousands: `1.5` k, `0,35` tr, `1.200` k. Whole đồng only.
fn scaled(typed: &str, scale: i64) -> Option<i64> {
    if let Some(whole) = grouped(typed) {
        return whole.checked_mul(scale);
    }
    let (whole, fraction) = typed.split_once(['.', ','])?;
    let whole = if whole.is_empty() { 0 } else { grouped(whole)? };
    // Digits only: Rust would read "+5" as a number.
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let denominator = 10_i64.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    let part = fraction.parse::<i64>().ok()?.checked_mul(scale)?;
    if part % denominator != 0 {
        return None;
    }
    whole.checked_mul(scale)?.checked_add(part / denominator)
}

/// The one Vietnamese phone number `typed` is, as one dials it (`0912345678`); `None` when it
/// is not exactly one.
pub fn phone(typed: &str) -> Option<String> {
    let typed = typed.trim();
    match crate::text::phone_numbers(typed).as_slice() {
        [(at, number)] if *at == (0..typed.len()) => Some(number.clone()),
        _ => None,
    }
}

/// Why an order is not kept, or a change not made: said to staff in their language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderRefusal {
    #[error("an order needs at least one line")]
    NoLines,
    #[error("{0} is not a Vietnamese phone number")]
    Phone(String),
    #[error("an order needs the delivery address")]
    NoAddress,
    #[error("an order needs the buyer's phone number")]
    NoPhone,
    #[error("{0} was typed but not added: Enter adds it")]
    NotAdded(String),
    #[error("no product {0} in the catalogue")]
    NoProduct(String),
    #[error("{0} is not an amount or a quantity")]
    Amount(String),
    #[error("{0} has no price yet")]
    NoPrice(String),
    #[error("a line of the order has no name")]
    NoName,
    #[error("the total is below zero: the discount is larger than the order")]
    BelowZero,
    #[error("the total is larger than any order can be")]
    TooLarge,
    #[error("no order {0}")]
    NoOrder(i64),
    #[error("a {from} order cannot become {to}")]
    Move { from: OrderState, to: OrderState },
    #[error("the order was changed by {by} meanwhile: look at it again before changing it")]
    ChangedMeanwhile { by: String },
    #[error("shipping needs the carrier and the tracking code")]
    NoTracking,
    #[error("{by} changed this order draft meanwhile")]
    DraftChanged { by: String },
    #[error("this order draft was saved as an order or thrown away meanwhile")]
    DraftGone {
        /// The conversation's newest order and who took it, if it has one.
        saved_as: Option<(i64, String)>,
    },
}

impl std::fmt::Display for OrderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn amounts_are_written_and_read_the_vietnamese_way() {
        assert_eq!(dong(350_000), "350.000đ");
        assert_eq!(dong(1_250_000), "1.250.000đ");
        assert_eq!(dong(0), "0đ");
        assert_eq!(dong(-20_000), "-20.000đ");
        for (typed, amount) in [
            ("350000", 350_000),
            ("350.000", 350_000),
            ("350,000đ", 350_000),
            ("1.250.000", 1_250_000),
            ("350k", 350_000),
            ("1.5k", 1_500),
            ("1,5k", 1_500),
            ("99.9k", 99_900),
            ("1.200k", 1_200_000),
            ("1tr2", 1_200_000),
            ("1tr25", 1_250_000),
            ("2tr", 2_000_000),
            ("2.5tr", 2_500_000),
            ("0.35tr", 350_000),
            ("0,35tr", 350_000),
            (",5tr", 500_000),
            ("2 triệu", 2_000_000),
            (" 30.000 VND ", 30_000),
            ("1000000000000", MAX_DONG),
        ] {
            assert_eq!(parse_dong(typed), Some(amount), "{typed}");
        }
        for typed in [
            "",
            "abc",
            "-5",
            "1tr2345",
            "99999999999999999999",
            "1.2",
            "99.9",
            "1.5.5k",
            "1.2345k",
            "1000000000001",
            "99999999999tr",
            "1.5tr2",
            ".",
            "k",
            "1.+5k",
            "1.k",
            "0.10000000000000000000000k",
        ] {
            assert_eq!(parse_dong(typed), None, "{typed}");
        }
    }

    #[test]
    fn a_phone_is_one_vietnamese_number_and_nothing_else() {
        assert_eq!(phone(" 0912.345.678 ").as_deref(), Some("0912345678"));
        assert_eq!(phone("+84 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(phone("0912 345 678 hoặc 0987 654 321"), None);
        assert_eq!(phone("0212345678"), None);
        assert_eq!(phone("gọi 0912345678"), None);
    }

    #[test]
    fn an_order_moves_forward_only_and_not_out_of_an_end() {
        use OrderState::*;
        assert!(New.may_become(Confirmed));
        assert!(Confirmed.may_become(Shipped));
        assert!(Shipped.may_become(Returned));
        assert!(!Shipped.may_become(Cancelled));
        assert!(!Confirmed.may_become(New));
        for end in [Delivered, Returned, Cancelled] {
            assert!(OrderState::iter().all(|next| !end.may_become(next)));
        }
    }
}
