//! One connection to PostgreSQL, each answer waited for at most a set time.
//!
//! A server that stops answering (its processes frozen, its virtual machine paused) still has
//! a kernel that acknowledges every packet: neither TCP's timeouts nor its keepalives notice,
//! and a client waits for ever. So every wait here has a deadline; past it the connection is
//! closed and the caller told the database did not answer, as for a network gone, and the
//! next call connects again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_postgres::types::ToSql;
use tokio_postgres::{AsyncMessage, Notification, Row, Statement};

/// A wait for PostgreSQL that failed: its own error, or no answer in time.
#[derive(Debug)]
pub enum Failure {
    Postgres(tokio_postgres::Error),
    NoAnswer(Duration),
    /// This machine could not start what a connection needs (out of file descriptors).
    Local(std::io::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Postgres(error) => write!(f, "{}", super::causes(error)),
            Failure::NoAnswer(limit) => {
                write!(f, "the server did not answer within {} s", limit.as_secs())
            }
            Failure::Local(error) => write!(f, "this machine cannot open a connection: {error}"),
        }
    }
}

impl Failure {
    /// PostgreSQL's own error, when it said one.
    pub fn as_db_error(&self) -> Option<&tokio_postgres::error::DbError> {
        match self {
            Failure::Postgres(error) => error.as_db_error(),
            _ => None,
        }
    }
}

impl From<tokio_postgres::Error> for Failure {
    fn from(error: tokio_postgres::Error) -> Failure {
        Failure::Postgres(error)
    }
}

/// A connection, driven by a runtime of its own while the caller waits (as the `postgres`
/// crate's client is, which has no deadline).
pub struct Session {
    runtime: tokio::runtime::Runtime,
    /// Taken only when the session is dropped: then the server is told goodbye.
    client: Option<tokio_postgres::Client>,
    /// The task reading the server: answers to the client, announcements to `heard`. Taken
    /// when it is waited for to end.
    connection: Option<tokio::task::JoinHandle<()>>,
    heard: tokio::sync::mpsc::UnboundedReceiver<Notification>,
    /// How long the next call waits for its answer; `None`: as long as it takes (a schema's
    /// migration, statistics, a shop moved in).
    limit: Option<Duration>,
    /// What this process's connections to the server know of its silence.
    silence: Arc<watch::Sender<Silence>>,
    /// How long a call waits while the server is known silent: a look's time.
    quick: Duration,
}

/// What every connection of a process to one server knows of it (shared by the clones of its
/// `Target`): whether one of them found it silent and has heard nothing from it since, and how
/// many times one did. A call under way ends when another finds the server silent, and a call
/// starting while it is waits only a look's time: an inbox whose look found a frozen server
/// does not then wait the whole of a write's time on its other connection (its reply coming
/// back to the box half a minute later).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silence {
    found: u64,
    now: bool,
}

/// A fresh record of a server's silence, for a new `Target`.
pub fn no_silence() -> Arc<watch::Sender<Silence>> {
    Arc::new(watch::Sender::new(Silence::default()))
}

/// How a call's wait ended.
enum Waited<T> {
    Answered(T),
    /// Its own limit passed.
    TimedOut,
    /// Another connection found the server silent meanwhile.
    SilentElsewhere,
}

/// How long a session being dropped waits to say goodbye (the server then logs no lost client).
const GOODBYE_WITHIN: Duration = Duration::from_secs(1);

impl Session {
    /// Connects with `config`, the whole of it (the socket, TLS, the password) within `within`.
    pub(super) fn connect<T>(
        config: &tokio_postgres::Config,
        tls: T,
        within: Duration,
        silence: Arc<watch::Sender<Silence>>,
        quick: Duration,
    ) -> Result<Session, Failure>
    where
        T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Send + 'static,
        T::Stream: Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Failure::Local)?;
        let (client, mut connection) = runtime
            .block_on(async { tokio::time::timeout(within, config.connect(tls)).await })
            .map_err(|_| Failure::NoAnswer(within))??;
        let (tell, heard) = tokio::sync::mpsc::unbounded_channel();
        let connection = runtime.spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(notification))) => {
                        let _ = tell.send(notification);
                    }
                    // Notices ("already there, skipped") say nothing staff need.
                    Some(Ok(_)) => {}
                    Some(Err(error)) => {
                        tracing::warn!(error = %error, "the PostgreSQL connection ended");
                        break;
                    }
                    None => break,
                }
            }
        });
        // Connected: the server answers again.
        silence.send_if_modified(|known| std::mem::take(&mut known.now));
        Ok(Session {
            runtime,
            client: Some(client),
            connection: Some(connection),
            heard,
            limit: None,
            silence,
            quick,
        })
    }

    /// How long each following call waits for its answer (`None`: as long as it takes).
    pub fn wait_at_most(&mut self, limit: Option<Duration>) {
        self.limit = limit;
    }

    pub fn is_closed(&self) -> bool {
        self.client().is_closed()
    }

    fn client(&self) -> &tokio_postgres::Client {
        self.client
            .as_ref()
            .expect("the client is kept until the session is dropped")
    }

    /// What a call got: its answer, or none in time, when the connection is closed (what it
    /// was doing is abandoned with it: a transaction is rolled back by the server).
    fn settle<T>(
        &mut self,
        waited: Waited<Result<T, tokio_postgres::Error>>,
    ) -> Result<T, Failure> {
        let silent = match waited {
            Waited::Answered(answer) => {
                if answer.is_ok() {
                    self.silence
                        .send_if_modified(|known| std::mem::take(&mut known.now));
                }
                return Ok(answer?);
            }
            Waited::TimedOut => true,
            Waited::SilentElsewhere => false,
        };
        if let Some(connection) = self.connection.take() {
            connection.abort();
            // The reading task is gone once this returns: the client knows it is closed.
            let _ = self.runtime.block_on(connection);
        }
        // Found here: the other connections' calls under way end too.
        if silent {
            self.silence.send_modify(|known| {
                known.found += 1;
                known.now = true;
            });
        }
        Err(Failure::NoAnswer(self.limit.unwrap_or_default()))
    }

    /// `work` driven by the runtime (with the connection's reading task) until it is done, past
    /// the limit, or until another connection finds the server silent.
    fn wait<T>(&self, work: impl std::future::Future<Output = T>) -> Waited<T> {
        let Some(limit) = self.limit else {
            return Waited::Answered(self.runtime.block_on(work));
        };
        let mut told = self.silence.subscribe();
        let known = *told.borrow_and_update();
        let limit = if known.now {
            limit.min(self.quick)
        } else {
            limit
        };
        self.runtime.block_on(async {
            let found_elsewhere = async {
                while told.changed().await.is_ok() {
                    if told.borrow().found > known.found {
                        return;
                    }
                }
                std::future::pending::<()>().await
            };
            tokio::select! {
                answer = work => Waited::Answered(answer),
                () = tokio::time::sleep(limit) => Waited::TimedOut,
                () = found_elsewhere => Waited::SilentElsewhere,
            }
        })
    }

    pub fn prepare(&mut self, text: &str) -> Result<Statement, Failure> {
        let waited = self.wait(self.client().prepare(text));
        self.settle(waited)
    }

    pub fn query(
        &mut self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Failure> {
        let waited = self.wait(self.client().query(statement, params));
        self.settle(waited)
    }

    pub fn query_one(
        &mut self,
        text: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, Failure> {
        let waited = self.wait(self.client().query_one(text, params));
        self.settle(waited)
    }

    pub fn execute(
        &mut self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Failure> {
        let waited = self.wait(self.client().execute(statement, params));
        self.settle(waited)
    }

    pub fn batch_execute(&mut self, sql: &str) -> Result<(), Failure> {
        let waited = self.wait(self.client().batch_execute(sql));
        self.settle(waited)
    }

    /// The announcements read so far (the connection reads them while it waits for answers).
    pub fn heard(&mut self) -> Vec<Notification> {
        std::iter::from_fn(|| self.heard.try_recv().ok()).collect()
    }

    /// Waits up to `within` for an announcement; `None` when none came (or the connection
    /// ended).
    pub fn wait_for_announcement(&mut self, within: Duration) -> Option<Notification> {
        self.runtime
            .block_on(async { tokio::time::timeout(within, self.heard.recv()).await })
            .ok()
            .flatten()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        drop(self.client.take());
        let Some(connection) = self.connection.take() else {
            return;
        };
        // A server known silent would not answer a goodbye either.
        if self.silence.borrow().now {
            connection.abort();
            return;
        }
        // Waited for on a thread of its own: this one may be driving an async runtime, where
        // no other may be waited on.
        let runtime = &self.runtime;
        std::thread::scope(|scope| {
            scope.spawn(|| {
                runtime.block_on(async {
                    let _ = tokio::time::timeout(GOODBYE_WITHIN, connection).await;
                })
            });
        });
    }
}
