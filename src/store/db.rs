//! The store's one boundary with its database: a connection to SQLite (the data directory's
//! file) or to PostgreSQL (a team's server), with the few calls the store makes (statements,
//! rows, transactions) the same on both. The store's SQL is written once where the two engines
//! read it alike; where they do not, each engine's words are given side by side
//! ([`Conn::pick`]).
//!
//! A row reads the same from either: PostgreSQL's schema keeps SQLite's types (a flag a BIGINT
//! 0 or 1, a time BIGINT seconds), and its values are read as SQLite's (`Value`), so one
//! `FromSql` turns both into the store's types.
//!
//! Writers take turns on both engines: SQLite's `BEGIN IMMEDIATE`, and on PostgreSQL a
//! transaction-wide advisory lock every writer takes first. The store's guarantees (one sender
//! of a reply, one engine per team) rest on a write transaction seeing no other writer's
//! change before it commits, as they always did.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use rusqlite::ToSql;

use super::postgres::{Failure, PgError, Session};
use rusqlite::types::{FromSql, Value, ValueRef};

/// Which database a connection reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// What went wrong in a database call.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL at {at}: {why}")]
    Postgres {
        at: String,
        why: String,
        /// The server's SQLSTATE, when the server answered.
        code: Option<String>,
    },
    /// A query for one row found none.
    #[error("no row")]
    NoRow,
    #[error("column {column}: {why}")]
    Column { column: String, why: String },
}

pub type Result<T> = std::result::Result<T, DbError>;

impl DbError {
    /// The database could not be reached (down, the network), rather than refusing a statement:
    /// no answer at all, or the server ending the connection (SQLSTATE class 08, a connection
    /// exception, or 57P, shut down by its administrator or a crash).
    pub fn unreachable(&self) -> bool {
        match self {
            DbError::Postgres { code: None, .. } => true,
            DbError::Postgres {
                code: Some(code), ..
            } => code.starts_with("08") || code.starts_with("57P"),
            _ => false,
        }
    }
}

/// `query_row`'s "no row" as `None`.
pub trait Optional<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> Optional<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DbError::NoRow | DbError::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// A statement's parameters: by position (`?1`) or by name (`:me`).
pub enum Bound {
    Positional(Vec<Value>),
    Named(Vec<(String, Value)>),
}

fn value_of(value: &dyn ToSql) -> Result<Value> {
    use rusqlite::types::ToSqlOutput;
    Ok(match value.to_sql()? {
        ToSqlOutput::Borrowed(borrowed) => borrowed.into(),
        ToSqlOutput::Owned(owned) => owned,
        other => {
            return Err(DbError::Column {
                column: "?".to_owned(),
                why: format!("a value neither engine stores alike: {other:?}"),
            });
        }
    })
}

/// What a statement can be given as its parameters: the shapes rusqlite takes.
pub trait Params {
    fn bind(self) -> Result<Bound>;
}

impl Params for [&(dyn ToSql + Send + Sync); 0] {
    fn bind(self) -> Result<Bound> {
        Ok(Bound::Positional(Vec::new()))
    }
}

impl Params for &[&dyn ToSql] {
    fn bind(self) -> Result<Bound> {
        self.iter()
            .map(|v| value_of(*v))
            .collect::<Result<_>>()
            .map(Bound::Positional)
    }
}

impl<T: ToSql> Params for &[(&str, T)] {
    fn bind(self) -> Result<Bound> {
        self.iter()
            .map(|(name, v)| Ok(((*name).to_owned(), value_of(v)?)))
            .collect::<Result<_>>()
            .map(Bound::Named)
    }
}

macro_rules! arrays {
    ($($n:literal)+) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn bind(self) -> Result<Bound> {
                self.iter().map(|v| value_of(v)).collect::<Result<_>>().map(Bound::Positional)
            }
        }
        impl<T: ToSql> Params for &[(&str, T); $n] {
            fn bind(self) -> Result<Bound> {
                self[..].bind()
            }
        }
    )+};
}
arrays!(1 2 3 4 5 6 7 8);

/// Parameters from an iterator, for SQL made at run time.
pub struct FromIter<I>(I);

pub fn params_from_iter<I: IntoIterator>(values: I) -> FromIter<I> {
    FromIter(values)
}

impl<I> Params for FromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    fn bind(self) -> Result<Bound> {
        self.0
            .into_iter()
            .map(|v| value_of(&v))
            .collect::<Result<_>>()
            .map(Bound::Positional)
    }
}

/// A column: by position, or by name.
pub trait ColumnIndex: Copy + std::fmt::Display {
    fn position(self, names: &[String]) -> Option<usize>;
}

impl ColumnIndex for usize {
    fn position(self, names: &[String]) -> Option<usize> {
        (self < names.len()).then_some(self)
    }
}

impl ColumnIndex for &str {
    fn position(self, names: &[String]) -> Option<usize> {
        names.iter().position(|n| n.eq_ignore_ascii_case(self))
    }
}

/// A row of a result.
pub struct Row<'a> {
    values: &'a [Value],
    names: &'a [String],
}

impl Row<'_> {
    pub fn get<I: ColumnIndex, T: FromSql>(&self, index: I) -> Result<T> {
        let column = || index.to_string();
        let position = index.position(self.names).ok_or_else(|| DbError::Column {
            column: column(),
            why: "no such column".to_owned(),
        })?;
        T::column_result(ValueRef::from(&self.values[position])).map_err(|e| DbError::Column {
            column: self.names[position].clone(),
            why: e.to_string(),
        })
    }
}

/// A result's rows: SQLite's read as they are asked for (a search stops at its first hits),
/// PostgreSQL's as they came.
pub struct Rows<'s> {
    names: Vec<String>,
    source: Source<'s>,
    current: Vec<Value>,
}

enum Source<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Read(std::vec::IntoIter<Vec<Value>>),
}

impl Rows<'_> {
    /// The next row. Not an `Iterator`: a row lends from its result, as rusqlite's do.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match &mut self.source {
            Source::Sqlite(rows) => {
                let Some(row) = rows.next()? else {
                    return Ok(None);
                };
                self.current.clear();
                for i in 0..self.names.len() {
                    self.current.push(row.get::<_, Value>(i)?);
                }
            }
            Source::Read(rows) => {
                let Some(next) = rows.next() else {
                    return Ok(None);
                };
                self.current = next;
            }
        }
        Ok(Some(Row {
            values: &self.current,
            names: &self.names,
        }))
    }
}

/// A database connection: SQLite's, or PostgreSQL's.
pub struct Conn {
    inner: Inner,
}

enum Inner {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Pg>),
}

/// A PostgreSQL connection, with its statements prepared once each. A connection lost (the
/// server restarted, the network down) is made again at the next call outside a transaction;
/// a call that found it lost is made again on the new one when that cannot do anything twice
/// (a read, a statement prepared, a transaction begun), so that the first action after an
/// outage does not fail for the outage before it.
struct Pg {
    target: super::postgres::Target,
    /// A transaction is open: a lost connection took it with it, and is not made again
    /// behind its back (its statements would run outside it).
    in_transaction: Cell<bool>,
    /// Taken only when the connection is dropped (closing it waits on the network too).
    client: RefCell<Option<Session>>,
    /// `user@host:port/database`, for messages.
    at: String,
    prepared: RefCell<HashMap<String, Translated>>,
    /// This connection's server process: its own notifications are not news to it.
    backend: Cell<i32>,
    /// How many times the connection was made again: a statement prepared on an earlier one
    /// is prepared again before it runs (the new server process does not know it).
    generation: Cell<u64>,
    /// Whether this connection listens for other connections' changes, and how many it heard.
    listening: Cell<bool>,
    heard: Cell<i64>,
    /// Work that takes as long as it takes (a schema migrated, statistics, a shop moved in):
    /// its calls wait for their answer without a limit.
    unhurried: Cell<bool>,
    /// The connection being made again on a thread of its own (see `connection_made_again`).
    connecting: RefCell<Option<std::sync::mpsc::Receiver<std::result::Result<Session, PgError>>>>,
    /// The server did not answer a call, or the last connect outlasted [`CONNECT_IN_LINE`]:
    /// the next connect is not waited for.
    slow_to_connect: Cell<bool>,
}

/// How long a call waits for a lost connection to be made again before it says the database
/// is out of reach (the connect goes on, for the next call).
const CONNECT_IN_LINE: Duration = Duration::from_secs(2);

/// A statement in PostgreSQL's words: its parameters numbered, and the names they had.
#[derive(Clone)]
struct Translated {
    statement: tokio_postgres::Statement,
    names: Vec<String>,
    /// Its text, to prepare it again on a new connection.
    text: String,
    /// The connection it was prepared on (see `Pg::generation`).
    generation: u64,
}

impl Translated {
    /// Only reads: run again on a new connection, it changes nothing twice.
    fn reads_only(&self) -> bool {
        let text = self.text.trim_start();
        text.get(..6)
            .is_some_and(|first| first.eq_ignore_ascii_case("SELECT"))
    }
}

/// The lock every writer on PostgreSQL takes first (`'pagedesk writer'` hashed, a constant so
/// that every pagedesk, of any version, takes the same one).
const WRITER_LOCK: i64 = 0x7061_6765_6465_736b;

/// Statements a PostgreSQL connection keeps prepared.
const STATEMENTS_KEPT: usize = 256;

/// The channel writers announce their changes on.
pub const CHANGES_CHANNEL: &str = "pagedesk_changes";

impl Conn {
    pub fn sqlite(conn: rusqlite::Connection) -> Conn {
        Conn {
            inner: Inner::Sqlite(conn),
        }
    }

    pub fn postgres(target: super::postgres::Target) -> std::result::Result<Conn, PgError> {
        let client = target.session()?;
        let pg = Pg {
            client: RefCell::new(Some(client)),
            at: target.to_string(),
            target,
            in_transaction: Cell::new(false),
            prepared: RefCell::default(),
            backend: Cell::new(0),
            generation: Cell::new(0),
            listening: Cell::new(false),
            heard: Cell::new(0),
            unhurried: Cell::new(false),
            connecting: RefCell::default(),
            slow_to_connect: Cell::new(false),
        };
        pg.learn_backend()?;
        Ok(Conn {
            inner: Inner::Postgres(Box::new(pg)),
        })
    }

    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }

    /// The statement in this engine's words, where the two differ.
    pub fn pick<T>(&self, sqlite: T, postgres: T) -> T {
        match self.inner {
            Inner::Sqlite(_) => sqlite,
            Inner::Postgres(_) => postgres,
        }
    }

    /// The column that orders the rows of a table without a key as they were written: SQLite's
    /// rowid, PostgreSQL's `seq` (`order_events`, `webhook_messages`).
    pub fn written_order(&self) -> &'static str {
        self.pick("rowid", "seq")
    }

    /// SQLite's connection, for what only SQLite does (its backups, its pragmas).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            Inner::Sqlite(conn) => Some(conn),
            Inner::Postgres(_) => None,
        }
    }

    /// Where the database is, for messages: a file's path, or `user@host:port/database`.
    pub fn at(&self) -> String {
        match &self.inner {
            Inner::Sqlite(conn) => conn.path().unwrap_or_default().to_owned(),
            Inner::Postgres(pg) => pg.at.clone(),
        }
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(Stmt(Prepared::Sqlite(conn.prepare_cached(sql)?))),
            Inner::Postgres(pg) => pg.prepare(sql, true),
        }
    }

    /// A statement used once (SQL made at run time): not kept.
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(Stmt(Prepared::SqliteOnce(conn.prepare(sql)?))),
            Inner::Postgres(pg) => pg.prepare(sql, false),
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T, P: Params, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Statements without parameters, one after another (a schema's migration).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Inner::Postgres(pg) => pg.batch(sql),
        }
    }

    /// The row the last insert made (its `id`).
    pub fn last_insert_rowid(&self) -> Result<i64> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(conn.last_insert_rowid()),
            Inner::Postgres(_) => self.query_row("SELECT lastval()", [], |r| r.get(0)),
        }
    }

    /// A write transaction: the other writers wait until it ends.
    pub fn write(&mut self) -> Result<Tx<'_>> {
        match &self.inner {
            Inner::Sqlite(conn) => conn.execute_batch("BEGIN IMMEDIATE")?,
            Inner::Postgres(pg) => {
                let begin = format!("BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})");
                pg.call_again_if_lost(pg.target.patience(false), |c| c.batch_execute(&begin))?;
                pg.in_transaction.set(true);
            }
        }
        Ok(Tx {
            conn: self,
            open: true,
        })
    }

    /// A transaction ended, committed or not.
    fn ended(&self) {
        if let Inner::Postgres(pg) = &self.inner {
            pg.in_transaction.set(false);
        }
    }

    /// After many rows were written at once (a first sync, a shop moved in): PostgreSQL's
    /// planner is told what the tables hold now, rather than when autovacuum comes by (a
    /// minute or more, meanwhile each list is read by a plan made for an almost empty table).
    /// SQLite's planner keeps no such numbers. A failure is only logged: nothing depends on it.
    pub fn refresh_statistics(&self) {
        if let Inner::Postgres(pg) = &self.inner {
            pg.unhurried.set(true);
            let refreshed = pg.batch("ANALYZE");
            pg.unhurried.set(false);
            if let Err(error) = refreshed {
                tracing::warn!(database = %pg.at, error = %error, "the tables' statistics were not refreshed");
            }
        }
    }

    /// Whether calls wait for their answer without a limit (`true`: work that takes as long as
    /// it takes, a schema migrated or a shop moved in); SQLite waits for its own disk alone.
    pub fn unhurried(&self, unhurried: bool) {
        if let Inner::Postgres(pg) = &self.inner {
            pg.unhurried.set(unhurried);
        }
    }

    /// A connection that waits for other connections' changes, on PostgreSQL (SQLite has none
    /// to wait on: its inbox looks every 200 ms).
    pub fn changes_heard(&self) -> Option<ChangesHeard> {
        let Inner::Postgres(pg) = &self.inner else {
            return None;
        };
        // Connected by its first wait, on the thread that waits.
        Some(ChangesHeard {
            target: pg.target.clone(),
            client: None,
            backend: 0,
        })
    }

    /// A number that changes when another connection changed the database: SQLite's
    /// `data_version`, or on PostgreSQL how many changes this connection has heard announced.
    pub fn data_version(&self) -> Result<i64> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?),
            Inner::Postgres(pg) => pg.heard_changes(),
        }
    }
}

impl Pg {
    fn failed(&self, error: &Failure) -> DbError {
        pg_error(&self.at, error)
    }

    /// A call to the server, waiting for its answer as long as a write may. Inside the async
    /// runtime (a command's task) the wait is announced, so that the runtime's other tasks go
    /// on meanwhile.
    fn call<T: Send>(
        &self,
        f: impl FnOnce(&mut Session) -> std::result::Result<T, Failure> + Send,
    ) -> Result<T> {
        self.call_within(self.target.patience(false), f)
    }

    /// A call waiting for its answer at most `limit`.
    fn call_within<T: Send>(
        &self,
        limit: Duration,
        f: impl FnOnce(&mut Session) -> std::result::Result<T, Failure> + Send,
    ) -> Result<T> {
        self.reconnect_if_lost()?;
        self.run_within(limit, f)
    }

    /// A call on the connection as it is, lost or not.
    fn run<T: Send>(
        &self,
        f: impl FnOnce(&mut Session) -> std::result::Result<T, Failure> + Send,
    ) -> Result<T> {
        self.run_within(self.target.patience(false), f)
    }

    fn run_within<T: Send>(
        &self,
        limit: Duration,
        f: impl FnOnce(&mut Session) -> std::result::Result<T, Failure> + Send,
    ) -> Result<T> {
        let mut client = self.client.borrow_mut();
        let client = client
            .as_mut()
            .expect("the connection is open until dropped");
        client.wait_at_most((!self.unhurried.get()).then_some(limit));
        blocking(|| f(client)).map_err(|failure| {
            // A server that did not answer is not waited for again while connecting anew.
            if matches!(failure, Failure::NoAnswer(_)) {
                self.slow_to_connect.set(true);
            }
            self.failed(&failure)
        })
    }

    /// `translated`'s statement on the connection as it is now (made again if it was lost):
    /// prepared again when it was prepared on an earlier one.
    fn fresh(&self, translated: &Translated) -> Result<tokio_postgres::Statement> {
        self.reconnect_if_lost()?;
        if translated.generation == self.generation.get() {
            return Ok(translated.statement.clone());
        }
        // Preparing waits for no lock: a live server answers it at once, as a read.
        self.run_within(self.target.patience(true), |c| c.prepare(&translated.text))
    }

    /// A call that does nothing twice: when it found the connection lost (outside a
    /// transaction), made again at once on a new one.
    fn call_again_if_lost<T: Send>(
        &self,
        limit: Duration,
        f: impl Fn(&mut Session) -> std::result::Result<T, Failure> + Send + Sync,
    ) -> Result<T> {
        match self.call_within(limit, &f) {
            Err(error) if self.lost_outside_transaction(&error) => self.call_within(limit, &f),
            done => done,
        }
    }

    /// The call failed because the connection is gone, not for what it asked, and no
    /// transaction went with it.
    fn lost_outside_transaction(&self, error: &DbError) -> bool {
        error.unreachable()
            && !self.in_transaction.get()
            && self.client.borrow().as_ref().is_some_and(|c| c.is_closed())
    }

    /// This connection's server process: its own notifications are not news to it.
    fn learn_backend(&self) -> Result<()> {
        let pid = self.call(|c| c.query_one("SELECT pg_backend_pid()", &[]))?;
        self.backend.set(pid.get(0));
        Ok(())
    }

    /// Connects again if the connection was lost, outside a transaction: its statements are
    /// prepared again as they come, and its listening starts again at the next look, counting
    /// as news (what changed meanwhile was not heard).
    fn reconnect_if_lost(&self) -> Result<()> {
        let lost = self.client.borrow().as_ref().is_some_and(|c| c.is_closed());
        if !lost || self.in_transaction.get() {
            return Ok(());
        }
        let client = self.connection_made_again()?;
        let old = self.client.borrow_mut().replace(client);
        self.generation.set(self.generation.get() + 1);
        let statements = std::mem::take(&mut *self.prepared.borrow_mut());
        blocking(move || drop((statements, old)));
        if self.listening.replace(false) {
            self.heard.set(self.heard.get() + 1);
        }
        self.learn_backend()?;
        tracing::info!(database = %self.at, "connected to PostgreSQL again");
        Ok(())
    }

    /// A new connection, made on a thread of its own: waited for a moment when first asked
    /// for, then only looked at, so that a server that does not answer (frozen) holds the
    /// caller (an inbox's screen) a moment, not for the whole of a connect.
    fn connection_made_again(&self) -> Result<Session> {
        let lost = |why: String| DbError::Postgres {
            at: self.at.clone(),
            why,
            code: None,
        };
        let mut connecting = self.connecting.borrow_mut();
        let made = match connecting.take() {
            Some(pending) => match pending.try_recv() {
                Ok(made) => Some(made),
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    *connecting = Some(pending);
                    None
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    return Err(lost("the connection was not made again".to_owned()));
                }
            },
            None => {
                let (tell, pending) = std::sync::mpsc::channel();
                let target = self.target.clone();
                std::thread::Builder::new()
                    .name("postgres-connect".to_owned())
                    .spawn(move || {
                        let _ = tell.send(target.session());
                    })
                    .map_err(|error| lost(error.to_string()))?;
                // Once a connect outlasted the wait, the server is slow to answer or not
                // answering: the next ones are not waited for at all, only looked at.
                let wait = if self.slow_to_connect.get() {
                    Duration::ZERO
                } else {
                    CONNECT_IN_LINE
                };
                match pending.recv_timeout(wait) {
                    Ok(made) => Some(made),
                    Err(_) => {
                        self.slow_to_connect.set(true);
                        *connecting = Some(pending);
                        None
                    }
                }
            }
        };
        match made {
            Some(Ok(session)) => {
                self.slow_to_connect.set(false);
                Ok(session)
            }
            Some(Err(error)) => Err(lost(match error {
                PgError::Unreachable { why, .. } | PgError::Refused { why, .. } => why,
                other => other.to_string(),
            })),
            None => Err(lost("connecting again: no answer yet".to_owned())),
        }
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.call(|c| c.batch_execute(sql))
    }

    fn prepare(&self, sql: &str, keep: bool) -> Result<Stmt<'_>> {
        if let Some(translated) = self.prepared.borrow().get(sql) {
            return Ok(Stmt(Prepared::Postgres {
                pg: self,
                translated: translated.clone(),
            }));
        }
        let (text, names) = postgres_words(sql);
        let statement =
            self.call_again_if_lost(self.target.patience(true), |c| c.prepare(&text))?;
        let translated = Translated {
            statement,
            names,
            text,
            generation: self.generation.get(),
        };
        if keep {
            let mut prepared = self.prepared.borrow_mut();
            // As many as SQLite keeps (a list's window is SQL of its own per offset): past
            // that, prepared again as they come.
            if prepared.len() >= STATEMENTS_KEPT {
                prepared.clear();
            }
            prepared.insert(sql.to_owned(), translated.clone());
        }
        Ok(Stmt(Prepared::Postgres {
            pg: self,
            translated,
        }))
    }

    /// The statement's values, checked against what it takes.
    fn values(translated: &Translated, bound: Bound) -> Result<Vec<Cell_>> {
        let values = in_order(translated, bound)?;
        let expected = translated.statement.params().len();
        if values.len() != expected {
            return Err(DbError::Column {
                column: "?".to_owned(),
                why: format!(
                    "{} parameters given, the statement has {expected}",
                    values.len()
                ),
            });
        }
        Ok(values.into_iter().map(Cell_).collect())
    }

    fn query(&self, translated: &Translated, bound: Bound) -> Result<Vec<tokio_postgres::Row>> {
        let cells = Self::values(translated, bound)?;
        let params = as_params(&cells);
        let statement = self.fresh(translated)?;
        let limit = self.target.patience(translated.reads_only());
        match self.run_within(limit, |c| c.query(&statement, &params)) {
            // Found the connection lost: a read goes again on a new one.
            Err(error) if translated.reads_only() && self.lost_outside_transaction(&error) => {
                let statement = self.fresh(translated)?;
                self.run_within(limit, |c| c.query(&statement, &params))
            }
            read => read,
        }
    }

    /// A statement's rows, read whole, as SQLite's values.
    fn rows(&self, translated: &Translated, bound: Bound) -> Result<Rows<'static>> {
        let names = translated
            .statement
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        let read = self
            .query(translated, bound)?
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        row.try_get::<_, Cell_>(i)
                            .map(|c| c.0)
                            .map_err(|e| self.failed(&Failure::Postgres(e)))
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Rows {
            names,
            source: Source::Read(read.into_iter()),
            current: Vec::new(),
        })
    }

    /// Runs a statement for what it changes: how many rows.
    fn execute(&self, translated: &Translated, bound: Bound) -> Result<usize> {
        let cells = Self::values(translated, bound)?;
        let statement = self.fresh(translated)?;
        let changed = self.run(|c| c.execute(&statement, &as_params(&cells)))?;
        Ok(changed as usize)
    }

    /// Announced changes heard since the last look, added to those heard before. The first look
    /// starts listening: a connection that never looks (the engine's) keeps none.
    fn heard_changes(&self) -> Result<i64> {
        if !self.listening.get() {
            self.batch(&format!("LISTEN {CHANGES_CHANNEL}"))?;
            self.listening.set(true);
        }
        let backend = self.backend.get();
        let (news, closed) = self.call_within(self.target.look_within(), |c| {
            // An empty statement's round trip reads what the server sent meanwhile: the
            // client reads its socket only while it waits for an answer.
            c.batch_execute("")?;
            let news = c
                .heard()
                .iter()
                .filter(|notification| notification.process_id() != backend)
                .count();
            Ok((news as i64, c.is_closed()))
        })?;
        // A connection the server closed ends its notifications without an error: said here,
        // and made again at the next call.
        if closed {
            return Err(DbError::Postgres {
                at: self.at.clone(),
                why: "the connection was closed".to_owned(),
                code: None,
            });
        }
        self.heard.set(self.heard.get() + news);
        Ok(self.heard.get())
    }
}

/// A connection of its own that waits for other connections' changes: what wakes an inbox at
/// once on PostgreSQL. Connected at the first wait, and made again at the next wait once lost
/// (a wait that connects says a change came: what changed meanwhile was not heard).
pub struct ChangesHeard {
    target: super::postgres::Target,
    client: Option<Session>,
    /// This connection's server process (its own notices are none: it writes nothing).
    backend: i32,
}

impl ChangesHeard {
    fn connect(target: &super::postgres::Target) -> Option<(Session, i32)> {
        let mut client = target.session().ok()?;
        client
            .batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))
            .ok()?;
        let backend = client
            .query_one("SELECT pg_backend_pid()", &[])
            .ok()?
            .get(0);
        Some((client, backend))
    }

    /// Waits up to `within` for another connection's change: whether one came. Called on a
    /// thread of its own, outside any runtime.
    pub fn wait(&mut self, within: std::time::Duration) -> bool {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            match Self::connect(&self.target) {
                Some((client, backend)) => {
                    (self.client, self.backend) = (Some(client), backend);
                    return true;
                }
                None => {
                    std::thread::sleep(within);
                    return false;
                }
            }
        }
        let Some(client) = self.client.as_mut() else {
            return false;
        };
        client
            .wait_for_announcement(within)
            .is_some_and(|notification| notification.process_id() != self.backend)
    }
}

/// Runs `f`, which waits on the network. PostgreSQL's client runs a runtime of its own, which
/// may not start inside an async task: inside the multi-threaded runtime the wait is a blocking
/// section (the runtime's other tasks go on meanwhile), inside a single-threaded one it is
/// waited for on a thread of its own.
pub fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        Ok(_) => std::thread::scope(|scope| {
            scope
                .spawn(f)
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Err(_) => f(),
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // Its statements first: each is closed on the server as it goes.
        let prepared = std::mem::take(self.prepared.get_mut());
        let client = self.client.get_mut().take();
        // A connection made again meanwhile, waiting to be taken, is closed the same way.
        let connecting = self.connecting.get_mut().take();
        blocking(move || drop((prepared, client, connecting)));
    }
}

/// The bound values in the order of the statement's `$1, $2, …`.
fn in_order(translated: &Translated, bound: Bound) -> Result<Vec<Value>> {
    match bound {
        Bound::Positional(values) => Ok(values),
        Bound::Named(mut named) => {
            translated
                .names
                .iter()
                .map(|name| {
                    let at = named.iter().position(|(n, _)| n == name).ok_or_else(|| {
                        DbError::Column {
                            column: name.clone(),
                            why: "no value given for it".to_owned(),
                        }
                    })?;
                    Ok(std::mem::replace(&mut named[at].1, Value::Null))
                })
                .collect()
        }
    }
}

/// A PostgreSQL failure in words, with where the database is.
fn pg_error(at: &str, error: &Failure) -> DbError {
    match error.as_db_error() {
        Some(db) => DbError::Postgres {
            at: at.to_owned(),
            why: db.message().to_owned(),
            code: Some(db.code().code().to_owned()),
        },
        None => DbError::Postgres {
            at: at.to_owned(),
            why: error.to_string(),
            code: None,
        },
    }
}

/// SQLite's SQL in PostgreSQL's words: `?N` as `$N`, `?` numbered in turn, and `:name` as the
/// next number (the names returned in that order). Quoted text and comments are left as they
/// are.
fn postgres_words(sql: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(sql.len());
    let mut names: Vec<String> = Vec::new();
    let mut next = 0;
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .map_or(chars.len(), |p| i + 1 + p + 1);
                out.extend(&chars[i..end]);
                i = end;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                let end = chars[i..]
                    .iter()
                    .position(|&x| x == '\n')
                    .map_or(chars.len(), |p| i + p);
                out.extend(&chars[i..end]);
                i = end;
            }
            '?' => {
                let digits: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if digits.is_empty() {
                    next += 1;
                    out.push_str(&format!("${next}"));
                } else {
                    next = next.max(digits.parse().unwrap_or(0));
                    out.push('$');
                    out.push_str(&digits);
                }
                i += 1 + digits.len();
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                out.push_str("::");
                i += 2;
            }
            ':' if chars
                .get(i + 1)
                .is_some_and(|&n| n.is_ascii_alphabetic() || n == '_') =>
            {
                let name: String = chars[i + 1..].iter().take_while(|&&c| word(c)).collect();
                let full = format!(":{name}");
                let number = match names.iter().position(|n| *n == full) {
                    Some(at) => at + 1,
                    None => {
                        names.push(full);
                        names.len()
                    }
                };
                out.push_str(&format!("${number}"));
                i += 1 + name.len();
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    (out, names)
}

/// A prepared statement.
pub struct Stmt<'c>(Prepared<'c>);

enum Prepared<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    SqliteOnce(rusqlite::Statement<'c>),
    Postgres { pg: &'c Pg, translated: Translated },
}

impl<'c> Stmt<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match &mut self.0 {
            Prepared::Sqlite(stmt) => Some(stmt),
            Prepared::SqliteOnce(stmt) => Some(stmt),
            Prepared::Postgres { .. } => None,
        }
    }

    /// Runs it; how many rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let bound = params.bind()?;
        if let Some(stmt) = self.sqlite() {
            return Ok(match bound {
                Bound::Positional(values) => stmt.execute(rusqlite::params_from_iter(values))?,
                Bound::Named(named) => stmt.execute(&*as_named(&named))?,
            });
        }
        let Prepared::Postgres { pg, translated } = &self.0 else {
            unreachable!("a statement is SQLite's or PostgreSQL's")
        };
        pg.execute(translated, bound)
    }

    /// Its rows.
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let bound = params.bind()?;
        let stmt: &mut rusqlite::Statement<'_> = match &mut self.0 {
            Prepared::Sqlite(stmt) => stmt,
            Prepared::SqliteOnce(stmt) => stmt,
            Prepared::Postgres { pg, translated } => return pg.rows(translated, bound),
        };
        let names: Vec<String> = stmt.column_names().iter().map(|n| n.to_string()).collect();
        let rows = match bound {
            Bound::Positional(values) => stmt.query(rusqlite::params_from_iter(values))?,
            Bound::Named(named) => stmt.query(&*as_named(&named))?,
        };
        Ok(Rows {
            names,
            source: Source::Sqlite(rows),
            current: Vec::new(),
        })
    }

    pub fn query_row<T, P: Params, F>(&mut self, params: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(DbError::NoRow),
        }
    }

    pub fn query_map<T, P: Params, F>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(params)?;
        let mut mapped = Vec::new();
        while let Some(row) = rows.next()? {
            mapped.push(f(&row));
        }
        Ok(mapped.into_iter())
    }

    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }
}

fn as_params(cells: &[Cell_]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    cells
        .iter()
        .map(|c| c as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect()
}

fn as_named(named: &[(String, Value)]) -> Vec<(&str, &dyn ToSql)> {
    named
        .iter()
        .map(|(n, v)| (n.as_str(), v as &dyn ToSql))
        .collect()
}

/// A transaction; rolled back unless committed.
pub struct Tx<'c> {
    conn: &'c Conn,
    open: bool,
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        // A write on PostgreSQL is announced to the inboxes listening; the notice goes out with
        // the commit, or not at all.
        if self.conn.engine() == Engine::Postgres {
            self.conn
                .execute_batch(&format!("NOTIFY {CHANGES_CHANNEL}"))?;
        }
        self.open = false;
        let committed = self.conn.execute_batch("COMMIT");
        self.conn.ended();
        committed
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // A rollback that fails leaves nothing to undo: the connection lost the transaction.
            let _ = self.conn.execute_batch("ROLLBACK");
            self.conn.ended();
        }
    }
}

/// A value as PostgreSQL's column takes it, or as it was read: SQLite's types both ways.
#[derive(Debug)]
struct Cell_(Value);

impl tokio_postgres::types::ToSql for Cell_ {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use tokio_postgres::types::Type;
        let mismatch = || format!("{:?} does not fit a column of type {ty}", self.0);
        match (&self.0, ty) {
            (Value::Null, _) => Ok(tokio_postgres::types::IsNull::Yes),
            (Value::Integer(n), &Type::INT8) => put(n, ty, out),
            (Value::Integer(n), &Type::INT4) => {
                put(&i32::try_from(*n).map_err(|_| mismatch())?, ty, out)
            }
            (Value::Integer(n), &Type::INT2) => {
                put(&i16::try_from(*n).map_err(|_| mismatch())?, ty, out)
            }
            (Value::Integer(n), &Type::BOOL) => put(&(*n != 0), ty, out),
            (Value::Integer(n), &Type::FLOAT8) => put(&(*n as f64), ty, out),
            (Value::Integer(n), &Type::TEXT | &Type::VARCHAR) => put(&n.to_string(), ty, out),
            (Value::Real(f), &Type::FLOAT8) => put(f, ty, out),
            (Value::Real(f), &Type::FLOAT4) => put(&(*f as f32), ty, out),
            (Value::Real(f), &Type::TEXT | &Type::VARCHAR) => put(&f.to_string(), ty, out),
            (Value::Text(s), &Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME) => {
                put(s, ty, out)
            }
            (Value::Text(s), &Type::INT8) => {
                put(&s.parse::<i64>().map_err(|_| mismatch())?, ty, out)
            }
            (Value::Blob(b), &Type::BYTEA) => put(b, ty, out),
            _ => Err(mismatch().into()),
        }
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

type Boxed = Box<dyn std::error::Error + Sync + Send>;

/// A value written as PostgreSQL's type `ty`.
fn put<T: tokio_postgres::types::ToSql>(
    value: &T,
    ty: &tokio_postgres::types::Type,
    out: &mut bytes::BytesMut,
) -> std::result::Result<tokio_postgres::types::IsNull, Boxed> {
    value.to_sql(ty, out)
}

impl<'a> tokio_postgres::types::FromSql<'a> for Cell_ {
    fn from_sql(
        ty: &tokio_postgres::types::Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        use tokio_postgres::types::Type;
        Ok(Cell_(match *ty {
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Integer(i16::from_sql(ty, raw)?.into()),
            Type::OID => Value::Integer(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw.to_vec()),
            // JSON is its text; JSONB its text after a version byte.
            Type::JSONB => Value::Text(String::from_utf8(raw.get(1..).unwrap_or(&[]).to_vec())?),
            _ => Value::Text(String::from_utf8(raw.to_vec())?),
        }))
    }

    fn from_sql_null(
        _: &tokio_postgres::types::Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Cell_(Value::Null))
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }
}

/// PostgreSQL's NUMERIC (what `SUM` of a BIGINT gives): a whole number as SQLite's integer,
/// else a real.
fn numeric(raw: &[u8]) -> std::result::Result<Value, Box<dyn std::error::Error + Sync + Send>> {
    let field = |at: usize| -> std::result::Result<i16, Box<dyn std::error::Error + Sync + Send>> {
        let bytes = raw.get(at..at + 2).ok_or("a NUMERIC cut short")?;
        Ok(i16::from_be_bytes([bytes[0], bytes[1]]))
    };
    let (digits, weight, sign, scale) = (field(0)?, field(2)?, field(4)? as u16, field(6)?);
    if sign == 0xC000 {
        return Ok(Value::Null);
    }
    let mut whole: i128 = 0;
    let mut real = 0f64;
    for d in 0..digits as usize {
        let digit = field(8 + 2 * d)?;
        let power = weight as i32 - d as i32;
        real += f64::from(digit) * 10000f64.powi(power);
        if power >= 0 {
            whole = whole * 10000 + i128::from(digit);
        }
    }
    // The last digits' powers of 10000 not written (trailing zeros).
    if weight as i32 >= digits as i32 {
        whole *= 10000i128.pow((weight as i32 - digits as i32 + 1) as u32);
    }
    let negative = sign == 0x4000;
    if scale == 0 {
        let whole = if negative { -whole } else { whole };
        if let Ok(n) = i64::try_from(whole) {
            return Ok(Value::Integer(n));
        }
    }
    Ok(Value::Real(if negative { -real } else { real }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_words_become_postgres_words() {
        let (text, names) = postgres_words(
            "SELECT x::bigint FROM t WHERE a = ?1 AND b IN (?2, '?3 :no') -- ?4 :neither\n AND c = ?",
        );
        assert_eq!(
            text,
            "SELECT x::bigint FROM t WHERE a = $1 AND b IN ($2, '?3 :no') -- ?4 :neither\n AND c = $3"
        );
        assert!(names.is_empty());
        let (text, names) = postgres_words("UPDATE t SET a = :me WHERE b = :key OR c = :me");
        assert_eq!(text, "UPDATE t SET a = $1 WHERE b = $2 OR c = $1");
        assert_eq!(names, [":me", ":key"]);
    }

    #[test]
    fn numerics_read_as_sqlite_would() {
        // 12345678 = 1234·10000 + 5678: digits 2, weight 1, positive, scale 0.
        let raw = [0, 2, 0, 1, 0, 0, 0, 0, 0x04, 0xD2, 0x16, 0x2E];
        assert_eq!(numeric(&raw).unwrap(), Value::Integer(12_345_678));
        // 20000: one digit (2) of weight 1.
        let raw = [0, 1, 0, 1, 0x40, 0, 0, 0, 0, 2];
        assert_eq!(numeric(&raw).unwrap(), Value::Integer(-20_000));
        // 0: no digits.
        assert_eq!(
            numeric(&[0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
            Value::Integer(0)
        );
    }
}
