//! PostgreSQL, for a team bigger than one server: where the database is, how pagedesk reaches
//! it (the password only from the environment or a `.pgpass` file, TLS with rustls), its
//! schema (kept in step with SQLite's), and moving a data directory's database into it.
//!
//! A URL is said back only as `user@host:port/database`: never its password, which pagedesk
//! refuses to read from the URL at all (a URL ends up in shell histories, configs shared for
//! help and process lists).

pub mod copy;
pub mod schema;
mod session;

use session::Silence;
pub(crate) use session::{Failure, Session};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::config::SslMode;

/// Every session's settings. A transaction left waiting mid-way (its pagedesk frozen: SIGSTOP, a
/// suspended machine, a network cut without a reset) is ended by the server within 10 s, so
/// that the writers' turn passes on; a writer waits at most 20 s for its turn, then says the
/// database was kept busy, as SQLite's busy timeout does.
const SESSION: &str = "-c idle_in_transaction_session_timeout=10s -c lock_timeout=20s";

/// How long pagedesk waits for PostgreSQL to answer a connection, unless the URL's
/// `connect_timeout` says otherwise.
const CONNECT_WITHIN: Duration = Duration::from_secs(10);

/// The longest `connect_timeout` a URL may ask for.
const MAX_CONNECT_SECONDS: u64 = 600;

/// How long a read waits for PostgreSQL's answer, unless `[store] answer_within` says
/// otherwise: past it the server is taken for out of reach (frozen, its machine paused).
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// The longest an inbox's look for colleagues' changes waits: an empty statement the server
/// answers at once, and the call most often under way when a server freezes, so a screen is
/// held that long at most, whatever `answer_within` allows a real read.
const LOOK_WITHIN: Duration = Duration::from_secs(3);

/// What a write may wait for its turn (the session's `lock_timeout`), on top of the time to
/// answer.
const TURN_WITHIN: Duration = Duration::from_secs(20);

/// Why PostgreSQL cannot be used: said with where it is, never with a password.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error(
        "the database URL has a password in it: pagedesk does not take one there (it would stay in shell histories and process lists); give it in PGPASSWORD or a .pgpass file"
    )]
    PasswordInUrl,
    #[error("the database URL is not one pagedesk reads: {0}")]
    BadUrl(String),
    #[error("cannot read the CA certificate {path}: {why}")]
    RootCertificate { path: PathBuf, why: String },
    #[error("cannot reach PostgreSQL at {at}: {why}")]
    Unreachable { at: String, why: String },
    #[error("PostgreSQL at {at}: {why}")]
    Refused { at: String, why: String },
    #[error(
        "PostgreSQL at {at} holds a database of a newer pagedesk (schema {found}, this one knows {known})"
    )]
    TooNew { at: String, found: i64, known: i64 },
    #[error(
        "PostgreSQL at {at}: the database has tables of its own and none of pagedesk's: give pagedesk an empty database"
    )]
    NotPagedesks { at: String },
    #[error("{0}")]
    Store(#[from] super::StoreError),
    #[error(
        "this data directory's shop moved to PostgreSQL at {to} on {on}: the team works there since, and copying again would bring back replies sent and things deleted there since; nothing was copied (to copy again anyway, remove {})",
        .marker.display()
    )]
    Moved {
        to: String,
        on: String,
        marker: PathBuf,
    },
    #[error(
        "the data directory's {table}.{column} holds {what}, which PostgreSQL's column does not take: nothing was kept there"
    )]
    Unfit {
        table: String,
        column: String,
        what: String,
    },
    #[error("copying {table} into PostgreSQL at {at} failed: {why}; nothing was kept there")]
    Copy {
        at: String,
        table: String,
        why: String,
    },
    #[error(
        "the copy into PostgreSQL at {at} lacks rows of {tables}: nothing was kept there (rows already in it, from another shop?)"
    )]
    Incomplete { at: String, tables: String },
}

impl From<super::db::DbError> for PgError {
    fn from(error: super::db::DbError) -> PgError {
        PgError::Store(error.into())
    }
}

/// A PostgreSQL database pagedesk may connect to.
#[derive(Clone)]
pub struct Target {
    config: tokio_postgres::Config,
    /// Extra CA certificates to trust besides the usual ones (`sslrootcert=`), for a hosting
    /// company's own CA.
    root_certificate: Option<PathBuf>,
    /// `user@host:port/database`, for messages.
    shown: String,
    /// How long a connection may take, all of it.
    connect_within: Duration,
    /// How long a read waits for its answer.
    answer_within: Duration,
    /// What this process's connections know of the server's silence (shared by the clones).
    silence: Arc<tokio::sync::watch::Sender<Silence>>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Stands for the host a URL leaves out.
const NO_HOST: &str = "no-host.invalid";

/// `url` with a host: libpq's URLs may leave it out (`postgres://shop@/pagedesk?host=/run/
/// postgresql`, `postgres:///pagedesk`), which the url crate refuses.
fn with_a_host(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((user, "")) => format!("{scheme}://{user}@{NO_HOST}{path}"),
        None if authority.is_empty() => format!("{scheme}://{NO_HOST}{path}"),
        _ => url.to_owned(),
    }
}

/// An environment variable, if set and not empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Target {
    /// The database of `url` (`postgres://user@host:port/database?sslmode=require`; a unix
    /// socket as `?host=/run/postgresql`), its password from `PGPASSWORD` or the `.pgpass` file
    /// (`PGPASSFILE`, else `~/.pgpass`), as libpq reads them.
    pub fn parse(url: &str) -> Result<Target, PgError> {
        let parsed =
            url::Url::parse(&with_a_host(url)).map_err(|e| PgError::BadUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(PgError::BadUrl(format!(
                "it starts with {}:, not postgres://",
                parsed.scheme()
            )));
        }
        if parsed.password().is_some() {
            return Err(PgError::PasswordInUrl);
        }
        let decoded = |text: &str| {
            url::form_urlencoded::parse(format!("x={text}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let mut host = parsed
            .host_str()
            .filter(|h| !h.is_empty() && *h != NO_HOST)
            .map(decoded);
        let mut port = parsed.port();
        let mut ssl_mode = SslMode::Prefer;
        let mut root_certificate = None;
        let mut connect_within = CONNECT_WITHIN;
        for (key, value) in parsed.query_pairs() {
            match &*key {
                "host" => host = Some(value.into_owned()),
                "port" => {
                    port = Some(value.parse().map_err(|_| {
                        PgError::BadUrl(format!("port={value} is not a port number"))
                    })?)
                }
                "sslmode" => {
                    ssl_mode = match &*value {
                        "disable" => SslMode::Disable,
                        "prefer" | "allow" => SslMode::Prefer,
                        // The server's certificate is always checked against the CAs trusted.
                        "require" | "verify-ca" | "verify-full" => SslMode::Require,
                        other => {
                            return Err(PgError::BadUrl(format!(
                                "sslmode={other}: disable, prefer or require"
                            )));
                        }
                    }
                }
                "sslrootcert" => root_certificate = Some(PathBuf::from(&*value)),
                // Whole seconds, at least 2, as libpq reads it; but never "wait for ever"
                // (libpq's 0): a pagedesk must not hang on a server that does not answer.
                "connect_timeout" => {
                    let seconds: u64 = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|s| (1..=MAX_CONNECT_SECONDS).contains(s))
                        .ok_or_else(|| {
                            PgError::BadUrl(format!(
                                "connect_timeout={value}: a number of seconds from 1 to {MAX_CONNECT_SECONDS}"
                            ))
                        })?;
                    connect_within = Duration::from_secs(seconds.max(2));
                }
                "application_name" => {}
                other => {
                    return Err(PgError::BadUrl(format!(
                        "{other}= is not a setting it knows"
                    )));
                }
            }
        }
        let host = host
            .or_else(|| env("PGHOST"))
            .unwrap_or_else(|| "/run/postgresql".to_owned());
        let port = port
            .or_else(|| env("PGPORT").and_then(|p| p.parse().ok()))
            .unwrap_or(5432);
        let user = Some(decoded(parsed.username()))
            .filter(|u| !u.is_empty())
            .or_else(|| env("PGUSER"))
            .or_else(crate::config::login_name)
            .ok_or_else(|| PgError::BadUrl("it names no user".to_owned()))?;
        let database = Some(decoded(parsed.path().trim_start_matches('/')))
            .filter(|d| !d.is_empty())
            .or_else(|| env("PGDATABASE"))
            .unwrap_or_else(|| user.clone());
        let mut config = tokio_postgres::Config::new();
        config
            .host(&host)
            .port(port)
            .user(&user)
            .dbname(&database)
            .ssl_mode(ssl_mode)
            // Over a network that drops packets (no reset comes), a connection whose answer
            // never comes is found dead in about 11 s rather than the system's two hours:
            // probed after 5 s of silence, every 2 s, given up after 3 unanswered.
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(5))
            .keepalives_interval(Duration::from_secs(2))
            .keepalives_retries(3)
            .tcp_user_timeout(Duration::from_secs(15))
            .application_name("pagedesk")
            .options(SESSION);
        let password = env("PGPASSWORD").or_else(|| {
            let file = env("PGPASSFILE").map(PathBuf::from).or_else(|| {
                directories::BaseDirs::new().map(|dirs| dirs.home_dir().join(".pgpass"))
            })?;
            password_from_file(&file, &host, port, &database, &user)
        });
        if let Some(password) = password {
            config.password(password);
        }
        Ok(Target {
            config,
            root_certificate,
            shown: format!("{user}@{host}:{port}/{database}"),
            connect_within,
            answer_within: ANSWER_WITHIN,
            silence: session::no_silence(),
        })
    }

    /// Connects, the connection driven on a task of its own until the client is dropped.
    pub async fn connect(&self) -> Result<tokio_postgres::Client, PgError> {
        let at = self.shown.clone();
        let (client, connection) = self
            .config
            .connect(self.tls()?)
            .await
            .map_err(|error| words(&at, &error))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(database = %at, error = %error, "the PostgreSQL connection ended");
            }
        });
        Ok(client)
    }

    /// Connects and gets the store's connection, its schema made pagedesk's current one.
    pub fn open(&self) -> Result<super::db::Conn, PgError> {
        let mut conn = super::db::Conn::postgres(self.clone())?;
        schema::prepare(&mut conn, &self.shown)?;
        Ok(conn)
    }

    /// How long a read waits for the server's answer (`[store] answer_within`).
    pub fn answer_within(mut self, within: Duration) -> Target {
        self.answer_within = within;
        self
    }

    /// How long a call waits for its answer: a read, or a write, which may first wait its turn.
    pub(crate) fn patience(&self, reads_only: bool) -> Duration {
        if reads_only {
            self.answer_within
        } else {
            self.answer_within + TURN_WITHIN
        }
    }

    /// How long a look for colleagues' changes waits for its answer.
    pub(crate) fn look_within(&self) -> Duration {
        self.answer_within.min(LOOK_WITHIN)
    }

    /// A new connection to the server (the store's, or one lost and made again), its calls
    /// waited for at most as long as a write's.
    pub(crate) fn session(&self) -> Result<Session, PgError> {
        let within = self.connect_within;
        let tls = self.tls()?;
        let (silence, quick) = (self.silence.clone(), self.look_within());
        let mut session =
            super::db::blocking(|| Session::connect(&self.config, tls, within, silence, quick))
                .map_err(|failure| failure_words(&self.shown, &failure))?;
        session.wait_at_most(Some(self.patience(false)));
        Ok(session)
    }

    /// TLS with rustls: the usual public CAs, and the one `sslrootcert=` names.
    fn tls(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect, PgError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &self.root_certificate {
            use rustls::pki_types::pem::PemObject;
            let unreadable = |why: String| PgError::RootCertificate {
                path: path.clone(),
                why,
            };
            for certificate in rustls::pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| unreadable(e.to_string()))?
            {
                roots
                    .add(certificate.map_err(|e| unreadable(e.to_string()))?)
                    .map_err(|e| unreadable(e.to_string()))?;
            }
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| PgError::BadUrl(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }
}

/// A failure of PostgreSQL in words, with where it is: unreachable (the network, the server
/// down) or refused (a password, a database that is not there).
fn words(at: &str, error: &tokio_postgres::Error) -> PgError {
    match error.as_db_error() {
        // The server starting, shutting down or recovering (SQLSTATE class 57P): out of reach
        // for a moment, not a refusal.
        Some(db) if db.code().code().starts_with("57P") => PgError::Unreachable {
            at: at.to_owned(),
            why: db.message().to_owned(),
        },
        Some(db) => PgError::Refused {
            at: at.to_owned(),
            why: db.message().to_owned(),
        },
        None => PgError::Unreachable {
            at: at.to_owned(),
            why: causes(error),
        },
    }
}

/// A connection's failure in words: PostgreSQL's, or no answer in time (out of reach).
fn failure_words(at: &str, failure: &Failure) -> PgError {
    match failure {
        Failure::Postgres(error) => words(at, error),
        other => PgError::Unreachable {
            at: at.to_owned(),
            why: other.to_string(),
        },
    }
}

/// An error's own words, then its causes': "error connecting to server: Connection refused
/// (os error 111)".
pub(crate) fn causes(error: &tokio_postgres::Error) -> String {
    let mut why = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_words = cause.to_string();
        if !why.contains(&cause_words) {
            why = format!("{why}: {cause_words}");
        }
        source = cause.source();
    }
    why
}

/// The password for `user` on `database` at `host:port` in a `.pgpass` file
/// (`host:port:database:user:password`, `*` for any, `\` escaping `:` and `\`). Like libpq, a
/// file others may read is not used.
fn password_from_file(
    file: &Path,
    host: &str,
    port: u16,
    database: &str,
    user: &str,
) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(file).ok()?;
    if metadata.permissions().mode() & 0o077 != 0 {
        tracing::warn!(file = %file.display(), "a .pgpass file others may read is not used");
        return None;
    }
    // libpq matches a unix socket's entries as "localhost".
    let host = if host.starts_with('/') {
        "localhost"
    } else {
        host
    };
    let port = port.to_string();
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let fields = pgpass_fields(line);
            let [h, p, d, u, password] = <[String; 5]>::try_from(fields).ok()?;
            let matches = |field: &str, value: &str| field == "*" || field == value;
            (matches(&h, host) && matches(&p, &port) && matches(&d, database) && matches(&u, user))
                .then_some(password)
        })
}

/// A `.pgpass` line's fields: split at `:`, with `\:` and `\\` for the characters themselves.
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("a field").push(next);
                }
            }
            ':' => fields.push(String::new()),
            c => fields.last_mut().expect("a field").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_is_refused_and_never_said() {
        let error = Target::parse("postgres://shop:hunter2@db.example.com/pagedesk")
            .unwrap_err()
            .to_string();
        assert!(error.contains("PGPASSWORD"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn a_url_is_shown_without_secrets_and_its_settings_are_read() {
        let target =
            Target::parse("postgresql://shop@db.example.com:6543/pagedesk?sslmode=require")
                .unwrap();
        assert_eq!(target.to_string(), "shop@db.example.com:6543/pagedesk");
        assert_eq!(target.config.get_ssl_mode(), SslMode::Require);
        let socket = Target::parse("postgres://shop@/pagedesk?host=/run/postgresql").unwrap();
        assert_eq!(socket.to_string(), "shop@/run/postgresql:5432/pagedesk");
        // `connect_timeout` as libpq reads it (seconds, at least 2), never "for ever".
        assert_eq!(socket.connect_within, CONNECT_WITHIN);
        let within = |url: &str| Target::parse(url).unwrap().connect_within;
        assert_eq!(
            within("postgres://shop@db/pagedesk?connect_timeout=30"),
            Duration::from_secs(30)
        );
        assert_eq!(
            within("postgres://shop@db/pagedesk?connect_timeout=1"),
            Duration::from_secs(2)
        );
        for bad in [
            "mysql://shop@db/pagedesk",
            "postgres://shop@db/pagedesk?sslmode=sometimes",
            "postgres://shop@db/pagedesk?options=-c%20x",
            "postgres://shop@db/pagedesk?connect_timeout=soon",
            "postgres://shop@db/pagedesk?connect_timeout=0",
            "postgres://shop@db/pagedesk?connect_timeout=-1",
            "postgres://shop@db/pagedesk?connect_timeout=99999999999",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pgpass_is_read_as_libpq_reads_it_and_only_when_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# the shop's\nother:5432:*:shop:wrong\ndb.example.com:*:pagedesk:shop:s\\:cret\\\\\n",
        )
        .unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let found = password_from_file(&file, "db.example.com", 5432, "pagedesk", "shop");
        assert_eq!(found.as_deref(), Some("s:cret\\"));
        assert_eq!(
            password_from_file(&file, "db.example.com", 5432, "pagedesk", "lan"),
            None
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            password_from_file(&file, "db.example.com", 5432, "pagedesk", "shop"),
            None,
            "a file others may read is not used"
        );
    }
}
