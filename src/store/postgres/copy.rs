//! Moving a shop: the data directory's database copied into PostgreSQL, table by table in one
//! transaction, and counted on both sides before it is kept. Run again, it adds only what is
//! not there yet: a row already copied (same key, or the same values where a table has no key)
//! is not copied twice.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

use super::{PgError, Target, schema};
use crate::store::db::{self, Tx};
use crate::store::{DATABASE_FILE, Store, StoreError, backup};

/// The tables copied: rows pointed at (pages, conversations, messages, labels, orders)
/// before the rows that point at them.
pub const TABLES: &[&str] = &[
    "pages",
    "conversations",
    "messages",
    "outbox",
    "outgoing_files",
    "drafts",
    "draft_files",
    "uploads",
    "engine_lease",
    "folder_sync",
    "page_settings",
    "page_sync",
    "request_size",
    "spam_waiting",
    "webhooks",
    "webhook_messages",
    "message_amends",
    "message_reactions",
    "referrals",
    "thread_holders",
    "labels",
    "conversation_labels",
    "customer_notes",
    "presence",
    "staff_status",
    "round_robin",
    "posts",
    "comments",
    "comment_likes",
    "comment_moderation",
    "comment_people",
    "comment_reads",
    "orders",
    "order_lines",
    "order_events",
    "order_drafts",
];

/// Rows sent to PostgreSQL in one statement.
const ROWS_AT_ONCE: usize = 500;

/// A table's rows, in the data directory's database and in PostgreSQL once copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub table: &'static str,
    pub sqlite: i64,
    pub postgres: i64,
}

/// What a column holds in PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
}

/// Copies the database of `data_dir` into `target`, refused while any pagedesk uses the data
/// directory (what it wrote meanwhile would be left behind). Kept only if every table has at
/// least as many rows in PostgreSQL as in the data directory.
pub fn migrate(data_dir: &Path, target: &Target) -> Result<Vec<Counted>, PgError> {
    if let Some(moved) = moved(data_dir) {
        return Err(PgError::Moved {
            to: moved.to,
            on: moved.on,
            marker: data_dir.join(MOVED),
        });
    }
    // Brought to this pagedesk's schema first: the one PostgreSQL's mirrors.
    drop(Store::open(data_dir)?);
    let _alone = backup::hold_exclusive(data_dir)?;
    let sqlite = Connection::open_with_flags(
        data_dir.join(DATABASE_FILE),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .map_err(StoreError::from)?;
    // One moment of the database, read whole.
    sqlite.execute_batch("BEGIN").map_err(StoreError::from)?;
    let mut conn = target.open()?;
    // A big shop's tables take as long as they take to copy and count.
    conn.unhurried(true);
    let at = target.to_string();
    // As a writer: pagedesks already on PostgreSQL wait until the copy is in.
    let tx = conn.write()?;
    let mut counted = Vec::new();
    for &table in TABLES {
        let columns = columns(&tx, table)?;
        let keyed = has_key(&tx, table)?;
        copy_table(&sqlite, &tx, &at, table, &columns, keyed)?;
        let sqlite_rows: i64 = sqlite
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(StoreError::from)?;
        let postgres_rows: i64 =
            tx.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
        counted.push(Counted {
            table,
            sqlite: sqlite_rows,
            postgres: postgres_rows,
        });
    }
    let short: Vec<&str> = counted
        .iter()
        .filter(|c| c.postgres < c.sqlite)
        .map(|c| c.table)
        .collect();
    if !short.is_empty() {
        return Err(PgError::Incomplete {
            at,
            tables: short.join(", "),
        });
    }
    index_for_search(&sqlite, &tx)?;
    // New rows made in PostgreSQL are numbered after the copied ones.
    let identities: Vec<(String, String)> = tx
        .prepare(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<db::Result<_>>()?;
    for (table, column) in identities {
        tx.execute_batch(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        ))?;
    }
    tx.commit()?;
    // What the planner knows of the tables is of before the copy: a list read by a plan made
    // for an empty table sorts every conversation.
    conn.refresh_statistics();
    // Once in, the data directory says where its shop went: a second copy would bring back
    // what the team sent or deleted there since, and a pagedesk left on this data directory
    // would sync a shop of its own.
    let note = format!("{at}\n{}\n", chrono::Utc::now().timestamp());
    if let Err(why) = std::fs::write(data_dir.join(MOVED), note) {
        tracing::warn!(error = %why, "cannot note in the data directory that its shop moved");
    }
    Ok(counted)
}

/// The file in a data directory that says its shop moved to PostgreSQL: where, and when.
pub const MOVED: &str = "moved-to-postgres";

/// Where a data directory's shop moved, and when.
pub struct Moved {
    pub to: String,
    pub on: String,
}

/// Whether the shop of `data_dir` moved to PostgreSQL (`pagedesk migrate` said so there).
pub fn moved(data_dir: &Path) -> Option<Moved> {
    let note = std::fs::read_to_string(data_dir.join(MOVED)).ok()?;
    let mut lines = note.lines();
    let to = lines.next().unwrap_or("?").to_owned();
    let on = lines
        .next()
        .and_then(|t| t.trim().parse::<i64>().ok())
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(
            || "?".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        );
    Some(Moved { to, on })
}

/// The copied messages' words in PostgreSQL's search, folded as pagedesk folds them (SQLite's
/// index keeps no text to copy).
fn index_for_search(sqlite: &Connection, tx: &Tx<'_>) -> Result<(), PgError> {
    let mut statement = sqlite
        .prepare(
            "SELECT search_key, text FROM messages WHERE search_key IS NOT NULL AND text <> ''",
        )
        .map_err(StoreError::from)?;
    let mut rows = statement.query([]).map_err(StoreError::from)?;
    let mut index = tx.prepare_cached(
        "INSERT INTO message_search (search_key, folded) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        let (key, text): (i64, String) = (
            row.get(0).map_err(StoreError::from)?,
            row.get(1).map_err(StoreError::from)?,
        );
        index.execute(rusqlite::params![key, crate::text::search_words(&text)])?;
    }
    Ok(())
}

/// The columns of `table` in PostgreSQL that are written (not computed) and SQLite has too,
/// with their kind.
fn columns(tx: &Tx<'_>, table: &str) -> Result<Vec<(String, Kind)>, PgError> {
    let columns: Vec<(String, String)> = tx
        .prepare_cached(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 AND is_generated = 'NEVER'
             ORDER BY ordinal_position",
        )?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<db::Result<_>>()?;
    Ok(columns
        .into_iter()
        .filter(|(name, _)| !schema::POSTGRES_ONLY.contains(&(table, name.as_str())))
        .map(|(name, kind)| {
            let kind = match kind.as_str() {
                "bigint" | "integer" => Kind::Number,
                _ => Kind::Text,
            };
            (name, kind)
        })
        .collect())
}

/// Whether `table` has a primary key in PostgreSQL (a row copied again then conflicts).
fn has_key(tx: &Tx<'_>, table: &str) -> Result<bool, PgError> {
    Ok(tx.query_row(
        "SELECT COUNT(*) > 0 FROM information_schema.table_constraints
         WHERE table_schema = current_schema() AND table_name = ?1
           AND constraint_type = 'PRIMARY KEY'",
        [table],
        |r| r.get(0),
    )?)
}

/// The columns' names, quoted (a column may be named with a word of SQL: `only`), in a list.
fn quoted(columns: &[(String, Kind)]) -> String {
    let names: Vec<String> = columns
        .iter()
        .map(|(name, _)| format!("\"{name}\""))
        .collect();
    names.join(", ")
}

/// A value of the data directory's database as PostgreSQL's column of `kind` takes it.
fn cell(table: &str, column: &str, kind: Kind, value: Value) -> Result<Value, PgError> {
    let unfit = |what: &str| PgError::Unfit {
        table: table.to_owned(),
        column: column.to_owned(),
        what: what.to_owned(),
    };
    Ok(match (kind, value) {
        (_, Value::Null) => Value::Null,
        (Kind::Number, Value::Integer(n)) => Value::Integer(n),
        (Kind::Number, Value::Text(text)) => {
            Value::Integer(text.trim().parse::<i64>().map_err(|_| unfit("text"))?)
        }
        (Kind::Text, Value::Text(text)) => Value::Text(text),
        (Kind::Text, Value::Integer(n)) => Value::Text(n.to_string()),
        (Kind::Text, Value::Real(x)) => Value::Text(x.to_string()),
        (Kind::Number, Value::Real(_)) => return Err(unfit("a fraction")),
        (_, Value::Blob(_)) => return Err(unfit("bytes")),
    })
}

/// Copies `table`'s rows, `ROWS_AT_ONCE` at a time; rows already there are left as they are.
fn copy_table(
    sqlite: &Connection,
    tx: &Tx<'_>,
    at: &str,
    table: &str,
    columns: &[(String, Kind)],
    keyed: bool,
) -> Result<(), PgError> {
    let list = quoted(columns);
    let mut statement = sqlite
        .prepare(&format!("SELECT {list} FROM {table}"))
        .map_err(StoreError::from)?;
    let mut rows = statement.query([]).map_err(StoreError::from)?;
    let mut batch: Vec<Value> = Vec::new();
    loop {
        let row = rows.next().map_err(StoreError::from)?;
        if let Some(row) = row {
            for (i, (name, kind)) in columns.iter().enumerate() {
                let value: Value = row.get(i).map_err(StoreError::from)?;
                batch.push(cell(table, name, *kind, value)?);
            }
        }
        let full = batch.len() >= ROWS_AT_ONCE * columns.len();
        if (full || row.is_none()) && !batch.is_empty() {
            insert(tx, table, columns, keyed, std::mem::take(&mut batch)).map_err(|error| {
                PgError::Copy {
                    at: at.to_owned(),
                    table: table.to_owned(),
                    why: crate::store::StoreError::from(error).to_string(),
                }
            })?;
        }
        if row.is_none() {
            return Ok(());
        }
    }
}

/// One statement inserting the rows of `values` (a row's columns after another's) into
/// `table`, leaving out those already there.
fn insert(
    tx: &Tx<'_>,
    table: &str,
    columns: &[(String, Kind)],
    keyed: bool,
    values: Vec<Value>,
) -> db::Result<usize> {
    let width = columns.len();
    let rows: Vec<String> = (0..values.len() / width)
        .map(|row| {
            let cells: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| {
                    let cast = match kind {
                        Kind::Number => "bigint",
                        Kind::Text => "text",
                    };
                    format!("${}::{cast}", row * width + i + 1)
                })
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let list = quoted(columns);
    // A table without a key (an order's history) has no conflict to stop a row copied twice:
    // a row is left out when one with the same values is there.
    let unless_there = match keyed {
        true => String::new(),
        false => {
            let same: Vec<String> = columns
                .iter()
                .map(|(name, _)| format!("t.\"{name}\" IS NOT DISTINCT FROM v.\"{name}\""))
                .collect();
            format!(
                " WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {})",
                same.join(" AND ")
            )
        }
    };
    let sql = format!(
        "INSERT INTO {table} ({list}) SELECT * FROM (VALUES {}) AS v ({list}){unless_there}
         ON CONFLICT DO NOTHING",
        rows.join(", ")
    );
    tx.prepare(&sql)?.execute(db::params_from_iter(values))
}
