//! Orders as the store keeps them: taken from a conversation, moved along their life by staff
//! (each change counted, so that a change made on an order someone else changed meanwhile is
//! refused, not silently laid over theirs), and found again by the buyer's phone across pages.

use std::collections::BTreeMap;

use super::db::{self, Optional, Tx};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::{Result, Store, StoreError, to_time};
use crate::model::{ConversationId, PageId};
use crate::orders::draft::OrderDraft;
use crate::orders::{OrderRefusal, OrderState};

/// How the buyer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::EnumString, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Payment {
    /// The carrier collects the total on delivery.
    Cod,
    /// Paid by bank transfer before it ships.
    Transfer,
}

/// One line of an order: a product of the catalogue (its code) or one typed freely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLine {
    pub code: Option<String>,
    pub name: String,
    pub variant: Option<String>,
    pub quantity: i64,
    pub price: i64,
}

/// An order as staff fill it in, before it is kept.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub conversation_id: ConversationId,
    /// Who receives it, when staff corrected the conversation's name.
    pub customer_name: Option<String>,
    /// As typed: checked and kept as one dials it.
    pub phone: String,
    pub address: String,
    pub lines: Vec<OrderLine>,
    pub shipping_fee: i64,
    pub discount: i64,
    pub paid_by: Payment,
    pub note: String,
}

/// A change staff made, and who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderEvent {
    pub at: DateTime<Utc>,
    pub staff: String,
    pub state: OrderState,
    pub detail: String,
}

/// An order as kept, with its lines and its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub page_id: PageId,
    pub page_name: String,
    pub customer_name: String,
    pub phone: String,
    pub address: String,
    pub state: OrderState,
    pub carrier: Option<String>,
    pub tracking: Option<String>,
    pub lines: Vec<OrderLine>,
    pub shipping_fee: i64,
    pub discount: i64,
    pub paid_by: Payment,
    /// The lines, the shipping fee, less the discount.
    pub total: i64,
    /// What the carrier collects: the total when paid on delivery, else nothing.
    pub cod_amount: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Changes so far: a change names the one it was made on.
    pub version: i64,
    /// `[orders] on_confirm` for it: due, running, done or failed; and why it failed.
    pub hook_state: Option<String>,
    pub hook_error: Option<String>,
    /// When the command claimed must be done by (the config's `on_confirm_timeout` then).
    pub hook_deadline_at: Option<DateTime<Utc>>,
    pub history: Vec<OrderEvent>,
}

/// A move staff make on an order: to `to`, with the carrier and tracking code when shipping.
#[derive(Debug, Clone)]
pub struct OrderMove {
    pub to: OrderState,
    /// The version staff looked at; `None`: whatever it is now (a script's own change).
    pub seen_version: Option<i64>,
    /// Confirmed by a pagedesk whose config has `[orders] on_confirm`: the engine runs it.
    pub run_hook: bool,
    pub carrier: Option<String>,
    pub tracking: Option<String>,
}

/// An order form's draft as kept, and how many times it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptDraft {
    pub draft: OrderDraft,
    pub version: i64,
}

/// Refuses a write on version `seen` of conversation `id`'s draft (0: none) when it is not the
/// version kept: someone else wrote it since (named), or saved it as an order.
fn draft_unchanged(tx: &Tx<'_>, id: &ConversationId, seen: i64) -> Result<()> {
    let kept: Option<(i64, String, Option<i64>)> = tx
        .query_row(
            "SELECT version, written_by, saved_as FROM order_drafts WHERE conversation_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match kept {
        // The draft as this form read it, or the mark of an order saved before it opened.
        Some((version, _, _)) if version == seen => Ok(()),
        None if seen == 0 => Ok(()),
        Some((_, by, Some(order))) => Err(refused(OrderRefusal::DraftGone {
            saved_as: Some((order, by)),
        })),
        Some((_, by, None)) => Err(refused(OrderRefusal::DraftChanged { by })),
        None => {
            let by: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, created_by FROM orders WHERE conversation_id = ?1
                     ORDER BY id DESC LIMIT 1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            Err(refused(OrderRefusal::DraftGone { saved_as: by }))
        }
    }
}

fn refused(refusal: OrderRefusal) -> StoreError {
    StoreError::Order(refusal)
}

/// The lines' sum, the shipping fee, less the discount; `None` past what an amount holds.
fn total(lines: &[OrderLine], shipping_fee: i64, discount: i64) -> Option<i64> {
    lines
        .iter()
        .try_fold(0_i64, |sum, l| {
            sum.checked_add(l.quantity.checked_mul(l.price)?)
        })?
        .checked_add(shipping_fee)?
        .checked_sub(discount)
}

impl Store {
    /// Keeps an order taken in conversation `order.conversation_id`, after the checks a shop
    /// makes (a line at least, a Vietnamese phone number, an address, a total not below zero),
    /// as this staff member's. Returns its number.
    pub fn create_order(&mut self, order: &NewOrder, now: DateTime<Utc>) -> Result<i64> {
        self.create_order_from(order, None, now)
    }

    /// [`Store::create_order`] from the form's draft at version `draft_seen`: refused, naming
    /// who, when someone else wrote the draft since or saved it as an order already.
    pub fn create_order_from(
        &mut self,
        order: &NewOrder,
        draft_seen: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if order.lines.is_empty() {
            return Err(refused(OrderRefusal::NoLines));
        }
        let phone = crate::orders::phone(&order.phone)
            .ok_or_else(|| refused(OrderRefusal::Phone(order.phone.trim().to_owned())))?;
        let address = crate::text::clean(&order.address).trim().to_owned();
        if address.is_empty() {
            return Err(refused(OrderRefusal::NoAddress));
        }
        for line in &order.lines {
            if line.quantity <= 0 || line.price < 0 {
                return Err(refused(OrderRefusal::Amount(format!(
                    "{} × {}",
                    line.quantity, line.price
                ))));
            }
        }
        if order.shipping_fee < 0 || order.discount < 0 {
            return Err(refused(OrderRefusal::Amount(format!(
                "{} / {}",
                order.shipping_fee, order.discount
            ))));
        }
        let total = total(&order.lines, order.shipping_fee, order.discount)
            .filter(|total| *total <= crate::orders::MAX_DONG)
            .ok_or_else(|| refused(OrderRefusal::TooLarge))?;
        if total < 0 {
            return Err(refused(OrderRefusal::BelowZero));
        }
        let staff = self.staff.clone();
        let tx = self.write()?;
        if let Some(seen) = draft_seen {
            draft_unchanged(&tx, &order.conversation_id, seen)?;
        }
        let conversation: Option<(PageId, String)> = tx
            .query_row(
                "SELECT page_id, customer_name FROM conversations WHERE id = ?1",
                [&order.conversation_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((page_id, customer_name)) = conversation else {
            return Err(StoreError::NoConversation(
                order.conversation_id.to_string(),
            ));
        };
        // A name that cleans to nothing (an escape code alone) is no name.
        let given = order
            .customer_name
            .as_deref()
            .map(|name| crate::text::clean_line(name).trim().to_owned())
            .filter(|name| !name.is_empty());
        let customer_name = given.unwrap_or(customer_name);
        let paid_by: &str = order.paid_by.into();
        tx.execute(
            "INSERT INTO orders (conversation_id, page_id, customer_name, phone, address,
                shipping_fee, discount, paid_by, note, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
            params![
                order.conversation_id,
                page_id,
                customer_name,
                phone,
                address,
                order.shipping_fee,
                order.discount,
                paid_by,
                crate::text::clean(&order.note).trim(),
                staff,
                now.timestamp(),
            ],
        )?;
        let id = tx.last_insert_rowid()?;
        for (position, line) in order.lines.iter().enumerate() {
            tx.execute(
                "INSERT INTO order_lines (order_id, position, code, name, variant, quantity, price)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    position as i64,
                    line.code,
                    crate::text::clean_line(&line.name),
                    line.variant.as_deref().map(crate::text::clean_line),
                    line.quantity,
                    line.price
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO order_events (order_id, at, staff, state) VALUES (?1, ?2, ?3, 'new')",
            params![id, now.timestamp(), staff],
        )?;
        // The form's draft goes with the order it became, as a reply's draft goes with it;
        // its row stays, marked with the order, one version on, for the forms open elsewhere.
        tx.execute(
            "UPDATE order_drafts SET form = '', saved_as = ?2, version = version + 1,
                written_by = ?3, updated_at = ?4
             WHERE conversation_id = ?1",
            params![&order.conversation_id, id, staff, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Moves order `id` along its life, as this staff member: refused when its state does not
    /// lead there, when shipping lacks the carrier or tracking code, or when someone changed
    /// the order since the version staff saw. Returns the order as it is now.
    pub fn move_order(&mut self, id: i64, change: &OrderMove, now: DateTime<Utc>) -> Result<Order> {
        let staff = self.staff.clone();
        let tx = self.write()?;
        let current: Option<(String, i64)> = tx
            .query_row(
                "SELECT state, version FROM orders WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((state, version)) = current else {
            return Err(refused(OrderRefusal::NoOrder(id)));
        };
        if change.seen_version.is_some_and(|seen| seen != version) {
            let by: String = tx.query_row(
                &format!(
                    "SELECT staff FROM order_events WHERE order_id = ?1
                     ORDER BY at DESC, {} DESC LIMIT 1",
                    tx.written_order()
                ),
                [id],
                |r| r.get(0),
            )?;
            return Err(refused(OrderRefusal::ChangedMeanwhile { by }));
        }
        let from = state.parse::<OrderState>().unwrap_or(OrderState::New);
        if !from.may_become(change.to) {
            return Err(refused(OrderRefusal::Move {
                from,
                to: change.to,
            }));
        }
        let shipping = match change.to {
            OrderState::Shipped => {
                let clean = |v: &Option<String>| {
                    v.as_deref()
                        .map(crate::text::clean_line)
                        .filter(|v| !v.trim().is_empty())
                };
                match (clean(&change.carrier), clean(&change.tracking)) {
                    (Some(carrier), Some(tracking)) => Some((carrier, tracking)),
                    _ => return Err(refused(OrderRefusal::NoTracking)),
                }
            }
            _ => None,
        };
        let hook_due = change.run_hook && change.to == OrderState::Confirmed;
        tx.execute(
            "UPDATE orders SET state = ?2, updated_at = ?3, version = version + 1,
                carrier = COALESCE(?4, carrier), tracking = COALESCE(?5, tracking),
                hook_state = CASE WHEN ?6 THEN 'due'
                    WHEN ?2 = 'cancelled' AND hook_state = 'due' THEN NULL
                    ELSE hook_state END
             WHERE id = ?1",
            params![
                id,
                change.to.as_str(),
                now.timestamp(),
                shipping.as_ref().map(|s| &s.0),
                shipping.as_ref().map(|s| &s.1),
                hook_due
            ],
        )?;
        let detail = shipping
            .map(|(carrier, tracking)| format!("{carrier} {tracking}"))
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO order_events (order_id, at, staff, state, detail)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, now.timestamp(), staff, change.to.as_str(), detail],
        )?;
        tx.commit()?;
        self.order(id)?
            .ok_or_else(|| refused(OrderRefusal::NoOrder(id)))
    }

    /// Order `id`, with its lines and history.
    pub fn order(&self, id: i64) -> Result<Option<Order>> {
        Ok(self.read_orders("o.id = ?1", params![id])?.pop())
    }

    /// The orders taken in conversation `id`, newest first.
    pub fn conversation_orders(&self, id: &ConversationId) -> Result<Vec<Order>> {
        self.read_orders("o.conversation_id = ?1", params![id])
    }

    /// The order form's draft of conversation `id`, as last kept, with its version.
    pub fn order_draft(&self, id: &ConversationId) -> Result<Option<KeptDraft>> {
        let kept: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT form, version FROM order_drafts
                 WHERE conversation_id = ?1 AND saved_as IS NULL",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        // A draft an older or newer pagedesk wrote differently is not worth failing over.
        Ok(kept.and_then(|(form, version)| {
            let draft = serde_json::from_str(&form).ok()?;
            Some(KeptDraft { draft, version })
        }))
    }

    /// The version a new order form of conversation `id` writes on: that of its draft's row
    /// (a draft, or the mark of the order it was saved as), 0 when there is none.
    pub fn order_draft_version(&self, id: &ConversationId) -> Result<i64> {
        Ok(self
            .conn
            .query_row(
                "SELECT version FROM order_drafts WHERE conversation_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Keeps the order form's draft of conversation `id` (`None` throws it away), written on
    /// version `seen` of it (0: there was none): refused, naming who, when someone else wrote
    /// it since, or saved it as an order. Returns the version written.
    pub fn save_order_draft(
        &mut self,
        id: &ConversationId,
        draft: Option<&OrderDraft>,
        seen: i64,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let staff = self.staff.clone();
        let tx = self.write()?;
        draft_unchanged(&tx, id, seen)?;
        match draft {
            Some(draft) => tx.execute(
                "INSERT INTO order_drafts (conversation_id, form, version, written_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (conversation_id) DO UPDATE
                 SET form = ?2, version = ?3, written_by = ?4, updated_at = ?5, saved_as = NULL",
                params![
                    id,
                    // Strings, numbers and a flag: nothing in it that JSON cannot hold.
                    serde_json::to_string(draft).unwrap_or_default(),
                    seen + 1,
                    staff,
                    now.timestamp()
                ],
            )?,
            None => tx.execute("DELETE FROM order_drafts WHERE conversation_id = ?1", [id])?,
        };
        tx.commit()?;
        Ok(seen + 1)
    }

    /// The orders taken since `since` (in any state, or in `state`), newest first.
    pub fn orders(&self, since: DateTime<Utc>, state: Option<OrderState>) -> Result<Vec<Order>> {
        self.read_orders(
            "o.created_at >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR o.state = ?2)",
            params![since.timestamp(), state.map(OrderState::as_str)],
        )
    }

    /// Claims the next order whose `on_confirm` command is due, to be done by `deadline`: one
    /// claimer only, whatever the number of pagedesks (the claim is one statement); it stays
    /// `running` until told how it went.
    pub fn claim_order_hook(&mut self, deadline: DateTime<Utc>) -> Result<Option<Order>> {
        let tx = self.write()?;
        // A cancelled order is pushed to no one.
        let claimed: Option<i64> = tx
            .query_row(
                "UPDATE orders SET hook_state = 'running', hook_error = NULL, hook_deadline_at = ?1
                 WHERE id = (SELECT id FROM orders WHERE hook_state = 'due'
                             AND state <> 'cancelled' ORDER BY id LIMIT 1)
                 RETURNING id",
                [deadline.timestamp()],
                |r| r.get(0),
            )
            .optional()?;
        tx.commit()?;
        match claimed {
            Some(id) => self.order(id),
            None => Ok(None),
        }
    }

    /// How the `on_confirm` command of order `id` went: done, or failed with why (kept on the
    /// order; run again only when staff ask).
    pub fn order_hook_ran(
        &mut self,
        id: i64,
        outcome: std::result::Result<(), String>,
    ) -> Result<()> {
        let tx = self.write()?;
        let (state, error) = match outcome {
            Ok(()) => ("done", None),
            Err(why) => ("failed", Some(why)),
        };
        tx.execute(
            "UPDATE orders SET hook_state = ?2, hook_error = ?3 WHERE id = ?1",
            params![id, state, error],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Staff ask for order `id`'s `on_confirm` command to run again: after it failed, or when
    /// its engine died while it ran. False when it is not in one of those states.
    pub fn rerun_order_hook(&mut self, id: i64) -> Result<bool> {
        let tx = self.write()?;
        let changed = tx.execute(
            "UPDATE orders SET hook_state = 'due', hook_error = NULL
             WHERE id = ?1 AND hook_state IN ('failed', 'running')",
            [id],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// How many orders of each state were taken with phone number `phone`, on every page: the
    /// buyer's history (a return is a warning).
    pub fn phone_history(&self, phone: &str) -> Result<BTreeMap<OrderState, usize>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT state, COUNT(*) FROM orders WHERE phone = ?1 GROUP BY state")?;
        let rows = statement.query_map([phone], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut history = BTreeMap::new();
        for row in rows {
            let (state, count) = row?;
            if let Ok(state) = state.parse::<OrderState>() {
                history.insert(state, count as usize);
            }
        }
        Ok(history)
    }

    fn read_orders(&self, filter: &str, params: impl db::Params) -> Result<Vec<Order>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT o.id, o.conversation_id, o.page_id, COALESCE(p.name, o.page_id) AS page_name,
                o.customer_name, o.phone, o.address, o.state, o.carrier, o.tracking,
                o.shipping_fee, o.discount, o.paid_by, o.note, o.created_by, o.created_at,
                o.updated_at, o.version, o.hook_state, o.hook_error, o.hook_deadline_at
             FROM orders o LEFT JOIN pages p ON p.id = o.page_id
             WHERE {filter} ORDER BY o.created_at DESC, o.id DESC"
        ))?;
        let mut orders = statement
            .query_map(params, |r| {
                let paid_by: String = r.get("paid_by")?;
                let state: String = r.get("state")?;
                Ok(Order {
                    id: r.get("id")?,
                    conversation_id: r.get("conversation_id")?,
                    page_id: r.get("page_id")?,
                    page_name: r.get("page_name")?,
                    customer_name: r.get("customer_name")?,
                    phone: r.get("phone")?,
                    address: r.get("address")?,
                    state: state.parse().unwrap_or(OrderState::New),
                    carrier: r.get("carrier")?,
                    tracking: r.get("tracking")?,
                    lines: Vec::new(),
                    shipping_fee: r.get("shipping_fee")?,
                    discount: r.get("discount")?,
                    paid_by: paid_by.parse().unwrap_or(Payment::Cod),
                    total: 0,
                    cod_amount: 0,
                    note: r.get("note")?,
                    created_by: r.get("created_by")?,
                    created_at: to_time(r.get("created_at")?),
                    updated_at: to_time(r.get("updated_at")?),
                    version: r.get("version")?,
                    hook_state: r.get("hook_state")?,
                    hook_error: r.get("hook_error")?,
                    hook_deadline_at: r.get::<_, Option<i64>>("hook_deadline_at")?.map(to_time),
                    history: Vec::new(),
                })
            })?
            .collect::<db::Result<Vec<Order>>>()?;
        let mut lines = self.conn.prepare_cached(
            "SELECT code, name, variant, quantity, price FROM order_lines WHERE order_id = ?1
             ORDER BY position",
        )?;
        let mut events = self.conn.prepare_cached(&format!(
            "SELECT at, staff, state, detail FROM order_events WHERE order_id = ?1
             ORDER BY at, {}",
            self.conn.written_order()
        ))?;
        for order in &mut orders {
            order.lines = lines
                .query_map([order.id], |r| {
                    Ok(OrderLine {
                        code: r.get("code")?,
                        name: r.get("name")?,
                        variant: r.get("variant")?,
                        quantity: r.get("quantity")?,
                        price: r.get("price")?,
                    })
                })?
                .collect::<db::Result<_>>()?;
            order.history = events
                .query_map([order.id], |r| {
                    let state: String = r.get("state")?;
                    Ok(OrderEvent {
                        at: to_time(r.get("at")?),
                        staff: r.get("staff")?,
                        state: state.parse().unwrap_or(OrderState::New),
                        detail: r.get("detail")?,
                    })
                })?
                .collect::<db::Result<_>>()?;
            order.total = total(&order.lines, order.shipping_fee, order.discount).unwrap_or(0);
            order.cod_amount = match order.paid_by {
                Payment::Cod => order.total,
                Payment::Transfer => 0,
            };
        }
        Ok(orders)
    }
}
