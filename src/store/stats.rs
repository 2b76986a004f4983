//! How the team is doing, from the messages themselves: how fast buyers get a first answer,
//! how many replies went out, who waits now, how many spam buyers were rescued; and from the
//! orders, how many were taken, what they bring and the share of conversations that ended in
//! one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rusqlite::params;

use super::*;

/// One page's or one staff member's numbers over the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsRow {
    pub name: String,
    /// Seconds from a buyer's first unanswered message to the answer: median and 90th
    /// percentile, of the answers given in the period.
    pub first_response_median_s: Option<i64>,
    pub first_response_p90_s: Option<i64>,
    pub answered: usize,
    pub replies: usize,
    /// Conversations whose buyer waits for an answer now (not done), and the longest wait.
    pub waiting_now: usize,
    pub longest_wait_s: Option<i64>,
    /// Spam conversations a reply took out of Facebook's Spam folder.
    pub spam_rescued: usize,
    /// Of the answers: to comments under the posts (in public or privately), and the median
    /// time from the buyer's comment to the answer.
    pub comments_answered: usize,
    pub comment_response_median_s: Option<i64>,
    /// Orders taken in the period (by the page, or by the staff member), and what those not
    /// cancelled or returned come to, in đồng.
    pub orders: usize,
    pub revenue: i64,
    /// Conversations of the period (a page's: with a message in it; a staff member's: they
    /// answered in it), and how many of them have an order taken in it.
    pub conversations: usize,
    pub ordered_conversations: usize,
    #[serde(skip)]
    response_times: Vec<i64>,
    #[serde(skip)]
    comment_response_times: Vec<i64>,
}

/// The numbers of a period: per page, per staff member, and replies per day.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub pages: Vec<StatsRow>,
    pub staff: Vec<StatsRow>,
    /// Replies sent each day of the period (days in the zone asked for), oldest first.
    pub replies_per_day: Vec<(NaiveDate, usize)>,
    /// Orders taken each day of the period, and their revenue, oldest first.
    pub orders_per_day: Vec<OrdersOnDay>,
    /// Conversations that came from each ad in the period (by the buyer's referral), most
    /// first.
    pub ads: Vec<AdRow>,
}

/// The orders of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrdersOnDay {
    pub day: NaiveDate,
    pub orders: usize,
    pub revenue: i64,
}

/// An ad buyers clicked to write: its title as Facebook gave it (else its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdRow {
    pub ad_id: String,
    pub title: Option<String>,
    pub conversations: usize,
}

/// The value at `share` (0.5, 0.9) of sorted values, by nearest rank.
fn percentile(sorted: &[i64], share: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (share * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The row of `key` (a page's id, a staff member's name), named `name`.
fn row<'a>(rows: &'a mut BTreeMap<String, StatsRow>, key: &str, name: &str) -> &'a mut StatsRow {
    rows.entry(key.to_owned()).or_insert_with(|| StatsRow {
        name: name.to_owned(),
        ..StatsRow::default()
    })
}

/// The rows by name, their response times summed up.
fn finish(rows: BTreeMap<String, StatsRow>) -> Vec<StatsRow> {
    let mut rows: Vec<StatsRow> = rows
        .into_values()
        .map(|mut row| {
            row.response_times.sort_unstable();
            row.first_response_median_s = percentile(&row.response_times, 0.5);
            row.first_response_p90_s = percentile(&row.response_times, 0.9);
            row.answered = row.response_times.len();
            row.comment_response_times.sort_unstable();
            row.comment_response_median_s = percentile(&row.comment_response_times, 0.5);
            row.comments_answered = row.comment_response_times.len();
            row
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

impl Store {
    /// The team's numbers from `since` to `until`, replies counted by day in `zone`. A page is
    /// named as pagedesk knows it; a reply typed in Facebook's Page inbox counts for
    /// [`REPLIED_IN_FACEBOOK`].
    pub fn stats(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        zone: FixedOffset,
    ) -> Result<Stats> {
        let mut pages: BTreeMap<String, StatsRow> = BTreeMap::new();
        let mut staff: BTreeMap<String, StatsRow> = BTreeMap::new();
        let mut days: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        let first_day = since.with_timezone(&zone).date_naive();
        let last_day = until.with_timezone(&zone).date_naive();
        let mut day = first_day;
        while day <= last_day {
            days.insert(day, 0);
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        // A buyer's message starts a wait; the page's next reply ends it. Messages still being
        // sent, or refused, are no answer.
        let mut stmt = self.conn.prepare(
            "SELECT m.conversation_id, p.name AS page_name, m.direction, m.created_time, m.sent_by,
                p.id AS page_id, c.channel
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             JOIN pages p ON p.id = c.page_id
             WHERE m.created_time >= ?1 AND m.created_time <= ?2 AND m.status = 'sent'
               AND m.unavailable = 0
             ORDER BY m.conversation_id, m.created_time, m.id",
        )?;
        let mut messages = stmt.query(params![since.timestamp(), until.timestamp()])?;
        let mut conversation = String::new();
        let mut waiting_from: Option<i64> = None;
        // Each conversation of the period, with its page and the staff who answered in it.
        let mut spoken: BTreeMap<String, (String, String, BTreeSet<String>)> = BTreeMap::new();
        while let Some(r) = messages.next()? {
            let id: String = r.get("conversation_id")?;
            if id != conversation {
                conversation = id;
                waiting_from = None;
            }
            let page: String = r.get("page_name")?;
            let page_id: String = r.get("page_id")?;
            let seen = spoken
                .entry(conversation.clone())
                .or_insert_with(|| (page_id.clone(), page.clone(), BTreeSet::new()));
            let direction: String = r.get("direction")?;
            let at: i64 = r.get("created_time")?;
            if direction == "in" {
                waiting_from.get_or_insert(at);
                continue;
            }
            let sender: Option<String> = r.get("sent_by")?;
            let sender = sender.as_deref().unwrap_or(REPLIED_IN_FACEBOOK);
            if sender != super::comments::SENT_BY_PAGEDESK {
                seen.2.insert(sender.to_owned());
            }
            row(&mut pages, &page_id, &page).replies += 1;
            row(&mut staff, sender, sender).replies += 1;
            *days
                .entry(to_time(at).with_timezone(&zone).date_naive())
                .or_default() += 1;
            // pagedesk's own answer (to a comment with a phone number) is no one's answer time:
            // the buyer waits on for staff.
            if sender == super::comments::SENT_BY_PAGEDESK {
                continue;
            }
            if let Some(from) = waiting_from.take() {
                let comments = r.get::<_, String>("channel")? == "comments";
                for row in [
                    row(&mut pages, &page_id, &page),
                    row(&mut staff, sender, sender),
                ] {
                    row.response_times.push(at - from);
                    if comments {
                        row.comment_response_times.push(at - from);
                    }
                }
            }
        }
        drop(messages);
        // Who waits now, per page and per staff member who has them.
        let mut waiting = self.conn.prepare(
            "SELECT p.name AS page_name, c.assignee, c.waiting_since, p.id AS page_id
             FROM conversations c
             JOIN pages p ON p.id = c.page_id
             WHERE c.customer_spoke_last = 1 AND c.done_at IS NULL",
        )?;
        let mut rows = waiting.query([])?;
        while let Some(r) = rows.next()? {
            let page: String = r.get("page_name")?;
            let assignee: Option<String> = r.get("assignee")?;
            let wait = r
                .get::<_, Option<i64>>("waiting_since")?
                .map(|since| (until.timestamp() - since).max(0));
            let count = |row: &mut StatsRow| {
                row.waiting_now += 1;
                row.longest_wait_s = row.longest_wait_s.max(wait);
            };
            let page_id: String = r.get("page_id")?;
            count(row(&mut pages, &page_id, &page));
            if let Some(assignee) = assignee {
                count(row(&mut staff, &assignee, &assignee));
            }
        }
        drop(rows);
        let mut rescued = self.conn.prepare(
            "SELECT p.name, c.rescued_by, p.id FROM conversations c JOIN pages p ON p.id = c.page_id
             WHERE c.rescued_at >= ?1 AND c.rescued_at <= ?2",
        )?;
        let mut rows = rescued.query(params![since.timestamp(), until.timestamp()])?;
        while let Some(r) = rows.next()? {
            let page: String = r.get(0)?;
            let by: Option<String> = r.get(1)?;
            let page_id: String = r.get(2)?;
            let by = by.as_deref().unwrap_or(REPLIED_IN_FACEBOOK);
            row(&mut pages, &page_id, &page).spam_rescued += 1;
            row(&mut staff, by, by).spam_rescued += 1;
        }
        drop(rows);
        let orders_per_day =
            self.count_orders(since, until, zone, &spoken, &mut pages, &mut staff)?;
        // A buyer who clicked one ad twice counts once; one who clicked two ads, for each.
        let mut ads = self.conn.prepare(
            "SELECT r.ad_id, (SELECT t.ad_title FROM referrals t WHERE t.ad_id = r.ad_id
                    AND t.ad_title IS NOT NULL ORDER BY t.referred_at DESC LIMIT 1),
                COUNT(DISTINCT r.page_id || '/' || r.person_id)
             FROM referrals r
             WHERE r.ad_id IS NOT NULL AND r.referred_at >= ?1 AND r.referred_at <= ?2
             GROUP BY r.ad_id ORDER BY 3 DESC, r.ad_id",
        )?;
        let ads = ads
            .query_map(params![since.timestamp(), until.timestamp()], |r| {
                Ok(AdRow {
                    ad_id: r.get(0)?,
                    title: r.get(1)?,
                    conversations: r.get::<_, i64>(2)? as usize,
                })
            })?
            .collect::<db::Result<_>>()?;
        Ok(Stats {
            since,
            until,
            pages: finish(pages),
            staff: finish(staff),
            replies_per_day: days.into_iter().collect(),
            orders_per_day,
            ads,
        })
    }

    /// The orders taken from `since` to `until`: counted per page and per staff member who
    /// took them, with their revenue (orders cancelled or returned bring none), and each day
    /// (in `zone`). The conversations of the period (`spoken`: page id, page name, who
    /// answered) count for the share that ended in an order.
    fn count_orders(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        zone: FixedOffset,
        spoken: &BTreeMap<String, (String, String, BTreeSet<String>)>,
        pages: &mut BTreeMap<String, StatsRow>,
        staff: &mut BTreeMap<String, StatsRow>,
    ) -> Result<Vec<OrdersOnDay>> {
        let mut days: BTreeMap<NaiveDate, OrdersOnDay> = BTreeMap::new();
        let mut day = since.with_timezone(&zone).date_naive();
        while day <= until.with_timezone(&zone).date_naive() {
            days.insert(
                day,
                OrdersOnDay {
                    day,
                    orders: 0,
                    revenue: 0,
                },
            );
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        let mut statement = self.conn.prepare(
            "SELECT o.conversation_id, o.page_id, COALESCE(p.name, o.page_id), o.created_by,
                o.created_at, o.state,
                COALESCE((SELECT SUM(l.quantity * l.price) FROM order_lines l
                          WHERE l.order_id = o.id), 0) + o.shipping_fee - o.discount
             FROM orders o LEFT JOIN pages p ON p.id = o.page_id
             WHERE o.created_at >= ?1 AND o.created_at <= ?2",
        )?;
        let mut rows = statement.query(params![since.timestamp(), until.timestamp()])?;
        let mut ordered: BTreeSet<String> = BTreeSet::new();
        while let Some(r) = rows.next()? {
            let conversation: String = r.get(0)?;
            let (page_id, page): (String, String) = (r.get(1)?, r.get(2)?);
            let by: String = r.get(3)?;
            let at: i64 = r.get(4)?;
            let state: String = r.get(5)?;
            let revenue = match state.as_str() {
                "cancelled" | "returned" => 0,
                _ => r.get::<_, i64>(6)?,
            };
            for row in [row(pages, &page_id, &page), row(staff, &by, &by)] {
                row.orders += 1;
                row.revenue = row.revenue.saturating_add(revenue);
            }
            if let Some(day) = days.get_mut(&to_time(at).with_timezone(&zone).date_naive()) {
                day.orders += 1;
                day.revenue = day.revenue.saturating_add(revenue);
            }
            ordered.insert(conversation);
        }
        for (conversation, (page_id, page, answered_by)) in spoken {
            let with_order = usize::from(ordered.contains(conversation));
            let page_row = row(pages, page_id, page);
            page_row.conversations += 1;
            page_row.ordered_conversations += with_order;
            for by in answered_by {
                let staff_row = row(staff, by, by);
                staff_row.conversations += 1;
                staff_row.ordered_conversations += with_order;
            }
        }
        Ok(days.into_values().collect())
    }
}
