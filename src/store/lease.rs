//! The engine lease: which one process syncs a data directory.

use super::db::Optional;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::*;

impl Store {
    /// Takes the engine lease for `holder` (or renews it) unless another holder's lease has not
    /// expired; returns who holds it now.
    pub fn take_lease(
        &mut self,
        claimant: &Claimant<'_>,
        receives_webhooks: bool,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Lease> {
        let (holder, pid) = (claimant.holder, claimant.pid);
        let tx = self.write()?;
        let current: Option<(String, u32, i64)> = tx
            .query_row(
                "SELECT holder, pid, expires_at FROM engine_lease WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let lease = match current {
            Some((other, pid, expires))
                if other != holder
                    && expires >= now.timestamp_millis()
                    && (claimant.alive)(&other, pid) =>
            {
                Lease::HeldBy { pid, holder: other }
            }
            _ => {
                // A renewal keeps the time the holder took it.
                tx.execute(
                    "INSERT INTO engine_lease (id, holder, pid, expires_at, receives_webhooks,
                        held_since)
                     VALUES (1, ?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(id) DO UPDATE SET
                        held_since = CASE WHEN engine_lease.holder = excluded.holder
                            THEN COALESCE(engine_lease.held_since, excluded.held_since)
                            ELSE excluded.held_since END,
                        holder = excluded.holder, pid = excluded.pid,
                        expires_at = excluded.expires_at,
                        receives_webhooks = excluded.receives_webhooks",
                    params![
                        holder,
                        pid,
                        until.timestamp_millis(),
                        receives_webhooks,
                        now.timestamp_millis()
                    ],
                )?;
                Lease::Ours
            }
        };
        tx.commit()?;
        Ok(lease)
    }

    /// The time by the database's clock: on PostgreSQL, the server's, which every machine of
    /// a team reads alike; on SQLite, this machine's (the only one).
    pub fn clock(&self) -> Result<DateTime<Utc>> {
        match self.conn.engine() {
            db::Engine::Sqlite => Ok(Utc::now()),
            db::Engine::Postgres => {
                let millis: i64 = self.conn.query_row(
                    "SELECT CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)",
                    [],
                    |r| r.get(0),
                )?;
                Ok(DateTime::from_timestamp_millis(millis).unwrap_or_else(Utc::now))
            }
        }
    }

    /// Gives the lease up, so another process need not wait for it to expire.
    pub fn release_lease(&mut self, holder: &str) -> Result<()> {
        let tx = self.write()?;
        tx.execute("DELETE FROM engine_lease WHERE holder = ?1", [holder])?;
        tx.commit()?;
        Ok(())
    }

    /// Whether the engine of this data directory (the unexpired lease's holder) receives
    /// webhooks: a fact of that process, which the inboxes and `doctor` show.
    pub fn engine_receives_webhooks(&self, now: DateTime<Utc>) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT receives_webhooks FROM engine_lease WHERE id = 1 AND expires_at >= ?1",
                [now.timestamp_millis()],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// The process holding the engine lease now (its holder name and pid), and since when it
    /// has.
    pub fn engine_held(&self, now: DateTime<Utc>) -> Result<Option<EngineHolder>> {
        Ok(self
            .conn
            .query_row(
                "SELECT holder, pid, held_since FROM engine_lease
                 WHERE id = 1 AND expires_at >= ?1",
                [now.timestamp_millis()],
                |r| {
                    let since: Option<i64> = r.get(2)?;
                    Ok(EngineHolder {
                        holder: r.get(0)?,
                        pid: r.get(1)?,
                        since: since.and_then(DateTime::from_timestamp_millis),
                    })
                },
            )
            .optional()?)
    }

    /// The process holding an unexpired lease, if any.
    pub fn lease_holder(&self, now: DateTime<Utc>) -> Result<Option<u32>> {
        Ok(self
            .conn
            .query_row(
                "SELECT pid FROM engine_lease WHERE id = 1 AND expires_at >= ?1",
                [now.timestamp_millis()],
                |r| r.get(0),
            )
            .optional()?)
    }
}
