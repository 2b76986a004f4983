//! Moving a shop: the data directory's database copied into PostgreSQL, table by table in one
//! transaction, and counted on both sides before it is kept. Run again, it adds only what is
//! not there yet: a row already copied (same key, or the same values where a table has no key)
//! is not copied twice.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use tokio_postgres::types::ToSql;

use super::{PgError, Target, schema};
use crate::store::{DATABASE_FILE, Store, backup};

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

/// Makes `target`'s schema pagedesk's current one: created in an empty database, migrated in
/// one that is older, refused in one newer or another program's. Two pagedesks doing it at
/// once take turns (an advisory lock).
pub async fn prepare(client: &mut tokio_postgres::Client, target: &Target) -> Result<i64, PgError> {
    let at = target.to_string();
    let failed = |error: tokio_postgres::Error| super::words(&at, &error);
    let tx = client.transaction().await.map_err(failed)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('pagedesk schema'))",
        &[],
    )
    .await
    .map_err(failed)?;
    let kept: bool = tx
        .query_one("SELECT to_regclass('pagedesk_schema') IS NOT NULL", &[])
        .await
        .map_err(failed)?
        .get(0);
    if !kept {
        let tables: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM information_schema.tables
                 WHERE table_schema = current_schema()",
                &[],
            )
            .await
            .map_err(failed)?
            .get(0);
        if tables > 0 {
            return Err(PgError::NotPagedesks { at });
        }
        tx.batch_execute(
            "CREATE TABLE pagedesk_schema (version BIGINT NOT NULL);
             INSERT INTO pagedesk_schema VALUES (0);",
        )
        .await
        .map_err(failed)?;
    }
    let found: i64 = tx
        .query_one("SELECT version FROM pagedesk_schema", &[])
        .await
        .map_err(failed)?
        .get(0);
    let known = schema::MIGRATIONS.len() as i64;
    if found > known {
        return Err(PgError::TooNew { at, found, known });
    }
    for migration in &schema::MIGRATIONS[found as usize..] {
        tx.batch_execute(migration).await.map_err(failed)?;
    }
    tx.execute("UPDATE pagedesk_schema SET version = $1", &[&known])
        .await
        .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    Ok(known)
}

/// Copies the database of `data_dir` into `target`, refused while any pagedesk uses the data
/// directory (what it wrote meanwhile would be left behind). Kept only if every table has at
/// least as many rows in PostgreSQL as in the data directory.
pub async fn migrate(data_dir: &Path, target: &Target) -> Result<Vec<Counted>, PgError> {
    // Brought to this pagedesk's schema first: the one PostgreSQL's mirrors.
    drop(Store::open(data_dir)?);
    let _alone = backup::hold_exclusive(data_dir)?;
    let sqlite = Connection::open_with_flags(
        data_dir.join(DATABASE_FILE),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .map_err(crate::store::StoreError::from)?;
    // One moment of the database, read whole.
    sqlite
        .execute_batch("BEGIN")
        .map_err(crate::store::StoreError::from)?;
    let mut client = target.connect().await?;
    prepare(&mut client, target).await?;
    let at = target.to_string();
    let failed = |error: tokio_postgres::Error| super::words(&at, &error);
    let tx = client.transaction().await.map_err(failed)?;
    let mut counted = Vec::new();
    for &table in TABLES {
        let columns = columns(&tx, table).await.map_err(failed)?;
        let keyed = has_key(&tx, table).await.map_err(failed)?;
        copy_table(&sqlite, &tx, &at, table, &columns, keyed).await?;
        let sqlite_rows: i64 = sqlite
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(crate::store::StoreError::from)?;
        let postgres_rows: i64 = tx
            .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .await
            .map_err(failed)?
            .get(0);
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
    // New rows made in PostgreSQL are numbered after the copied ones.
    let identities = tx
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
            &[],
        )
        .await
        .map_err(failed)?;
    for row in identities {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                    COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            ),
            &[],
        )
        .await
        .map_err(failed)?;
    }
    tx.commit().await.map_err(failed)?;
    Ok(counted)
}

/// The columns of `table` in PostgreSQL that are written (not computed), with their kind.
async fn columns(
    tx: &tokio_postgres::Transaction<'_>,
    table: &str,
) -> Result<Vec<(String, Kind)>, tokio_postgres::Error> {
    let rows = tx
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
             ORDER BY ordinal_position",
            &[&table],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let kind = match row.get::<_, String>(1).as_str() {
                "bigint" | "integer" => Kind::Number,
                _ => Kind::Text,
            };
            (row.get(0), kind)
        })
        .collect())
}

/// Whether `table` has a primary key in PostgreSQL (a row copied again then conflicts).
async fn has_key(
    tx: &tokio_postgres::Transaction<'_>,
    table: &str,
) -> Result<bool, tokio_postgres::Error> {
    Ok(tx
        .query_one(
            "SELECT COUNT(*) > 0 FROM information_schema.table_constraints
             WHERE table_schema = current_schema() AND table_name = $1
               AND constraint_type = 'PRIMARY KEY'",
            &[&table],
        )
        .await?
        .get(0))
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
fn cell(
    table: &str,
    column: &str,
    kind: Kind,
    value: Value,
) -> Result<Box<dyn ToSql + Sync + Send>, PgError> {
    let unfit = |what: &str| PgError::Unfit {
        table: table.to_owned(),
        column: column.to_owned(),
        what: what.to_owned(),
    };
    Ok(match (kind, value) {
        (Kind::Number, Value::Null) => Box::new(None::<i64>),
        (Kind::Text, Value::Null) => Box::new(None::<String>),
        (Kind::Number, Value::Integer(n)) => Box::new(n),
        (Kind::Number, Value::Text(text)) => {
            Box::new(text.trim().parse::<i64>().map_err(|_| unfit("text"))?)
        }
        (Kind::Text, Value::Text(text)) => Box::new(text),
        (Kind::Text, Value::Integer(n)) => Box::new(n.to_string()),
        (Kind::Text, Value::Real(x)) => Box::new(x.to_string()),
        (Kind::Number, Value::Real(_)) => return Err(unfit("a fraction")),
        (_, Value::Blob(_)) => return Err(unfit("bytes")),
    })
}

/// Copies `table`'s rows, `ROWS_AT_ONCE` at a time; rows already there are left as they are.
async fn copy_table(
    sqlite: &Connection,
    tx: &tokio_postgres::Transaction<'_>,
    at: &str,
    table: &str,
    columns: &[(String, Kind)],
    keyed: bool,
) -> Result<(), PgError> {
    let list = quoted(columns);
    let mut statement = sqlite
        .prepare(&format!("SELECT {list} FROM {table}"))
        .map_err(crate::store::StoreError::from)?;
    let mut rows = statement
        .query([])
        .map_err(crate::store::StoreError::from)?;
    let mut batch: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    loop {
        let row = rows.next().map_err(crate::store::StoreError::from)?;
        if let Some(row) = row {
            for (i, (name, kind)) in columns.iter().enumerate() {
                let value: Value = row.get(i).map_err(crate::store::StoreError::from)?;
                batch.push(cell(table, name, *kind, value)?);
            }
        }
        let full = batch.len() >= ROWS_AT_ONCE * columns.len();
        if (full || row.is_none()) && !batch.is_empty() {
            insert(tx, table, columns, keyed, &batch)
                .await
                .map_err(|error| PgError::Copy {
                    at: at.to_owned(),
                    table: table.to_owned(),
                    why: super::words(at, &error).to_string(),
                })?;
            batch.clear();
        }
        if row.is_none() {
            return Ok(());
        }
    }
}

/// One statement inserting the rows of `values` (a row's columns after another's) into
/// `table`, leaving out those already there.
async fn insert(
    tx: &tokio_postgres::Transaction<'_>,
    table: &str,
    columns: &[(String, Kind)],
    keyed: bool,
    values: &[Box<dyn ToSql + Sync + Send>],
) -> Result<u64, tokio_postgres::Error> {
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
    let params: Vec<&(dyn ToSql + Sync)> = values
        .iter()
        .map(|value| value.as_ref() as &(dyn ToSql + Sync))
        .collect();
    tx.execute(&sql, &params).await
}
