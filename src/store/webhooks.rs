//! Whether Facebook's webhooks reach `pagedesk serve`, per page: written by the receiver (an
//! event came) and by the engine (a poll found what no event brought); read by the engine to
//! poll slower while they are live, and by `doctor` and the inbox to say so.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Store, to_time};

/// Where a page's webhooks stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookState {
    /// The last event received; `None`: never (the page is polled only).
    pub last_event: Option<DateTime<Utc>>,
    /// Since when a poll has been finding messages no event brought.
    pub missed_since: Option<DateTime<Utc>>,
}

impl WebhookState {
    /// Events arrive and nothing shows they miss any: the inbox folder may be polled slowly.
    pub fn live(&self) -> bool {
        self.last_event.is_some() && self.missed_since.is_none()
    }
}

impl Store {
    /// An event for the page came: its webhooks are live (again).
    pub fn webhook_arrived(&self, page_id: &str, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO webhooks (page_id, last_event_at, missed_since) VALUES (?1, ?2, NULL)
             ON CONFLICT (page_id) DO UPDATE SET last_event_at = ?2, missed_since = NULL",
            params![page_id, at.timestamp()],
        )?;
        Ok(())
    }

    /// A poll found a message no event brought: the page's webhooks are not arriving. Only a
    /// page that had events is marked; the first time found is kept.
    pub fn webhooks_missed(&self, page_id: &str, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE webhooks SET missed_since = ?2 WHERE page_id = ?1 AND missed_since IS NULL",
            params![page_id, at.timestamp()],
        )?;
        Ok(())
    }

    pub fn webhook_state(&self, page_id: &str) -> Result<WebhookState> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_event_at, missed_since FROM webhooks WHERE page_id = ?1",
                [page_id],
                |r| {
                    Ok(WebhookState {
                        last_event: Some(to_time(r.get(0)?)),
                        missed_since: r.get::<_, Option<i64>>(1)?.map(to_time),
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }
}
