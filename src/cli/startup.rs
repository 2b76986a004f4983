//! Starting pagedesk: a private data directory, the log, the database, the engine, the inbox.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};

use tokio::sync::mpsc::UnboundedSender;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::output::local_time;
use crate::config::{Config, NewConversations};
use crate::i18n::{S, Tr, file_size};
use crate::log_file::{self, LogFile};
use crate::log_repeats::Repeats;
use crate::store::pictures::PictureCache;
use crate::store::private::{self, LOG_FILE};
use crate::store::space::{Floor, free_bytes};
use crate::store::{Store, StoreError};
use crate::sync::{AbortOnDrop, Engine, EngineCommand, SyncEvent};

/// Makes the data directory private (see `store::private`) and says once what it tightened.
/// A directory that cannot be made private stops pagedesk.
pub fn secure_data_dir(data_dir: &Path) -> Result<()> {
    match private::secure_data_dir(data_dir) {
        Ok(tightened) => {
            for path in tightened {
                eprintln!(
                    "pagedesk: {} could be read by other users of this machine; it is now yours alone",
                    path.display()
                );
            }
            Ok(())
        }
        // Read-only data: whatever can be read is shown; the store says what cannot be written.
        Err(StoreError::DataDir { source, .. })
            if source.kind() == std::io::ErrorKind::PermissionDenied
                || source.raw_os_error() == Some(libc::EROFS) =>
        {
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// Where the log's lines go besides `pagedesk.log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAlso {
    /// Nowhere: the terminal is the inbox's screen.
    Nowhere,
    /// Standard error too, when `PAGEDESK_LOG_STDERR=1` asks (a service's unit, for the journal).
    StderrIfAsked,
}

/// Logs go to `pagedesk.log` in the data directory, never to the inbox's terminal: private,
/// rotated by size, stopped while the disk is nearly full (`log_file`), each repeated warning
/// summed up (`log_repeats`). A log that cannot be written is said once and done without.
pub fn start_log(data_dir: &Path, also: LogAlso) -> Option<Log> {
    let path = data_dir.join(LOG_FILE);
    let file = match LogFile::open(data_dir, log_file::MAX_BYTES, Floor::from_env()) {
        Ok(file) => file,
        // A data directory that cannot be written is said once, by the database.
        Err(_) if !crate::store::writable(data_dir) => return None,
        Err(error) => {
            eprintln!(
                "pagedesk: cannot write the log {}: {error}; going on without it",
                path.display()
            );
            return None;
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(file);
    let asked = std::env::var("PAGEDESK_LOG").ok();
    let understood = asked
        .as_deref()
        .filter(|asked| log_levels_understood(asked));
    let filter = understood
        .and_then(|asked| tracing_subscriber::EnvFilter::try_new(asked).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    let repeats = Repeats::default();
    // The journal stamps the lines itself.
    let to_journal = also == LogAlso::StderrIfAsked
        && std::env::var_os("PAGEDESK_LOG_STDERR").is_some_and(|v| v == "1");
    let journal = to_journal.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .without_time()
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(repeats.clone())
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false),
        )
        .with(journal)
        .try_init()
        .ok()?;
    if let Some(asked) = asked.as_deref().filter(|_| understood.is_none()) {
        tracing::warn!(
            asked = %asked,
            "PAGEDESK_LOG is not a level (error, warn, info, debug, trace, off) nor parts with levels (pagedesk=debug,hyper=warn): logging at info"
        );
    }
    let summing = repeats.clone();
    // Ends with the process; a window is summed up at most 5 s after it is over. Without the
    // thread, what was counted is summed up at exit.
    let _ = std::thread::Builder::new()
        .name("log summaries".into())
        .spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(5));
                summing.summarise(false);
            }
        });
    Some(Log {
        repeats,
        _writer: guard,
    })
}

/// Whether `PAGEDESK_LOG` reads as levels: each directive a level, or a part with one (`part=
/// level`). A bare word is a part with every level to tracing, so a misspelt level (`verbose`,
/// `warning`) would log nothing at all, silently.
fn log_levels_understood(asked: &str) -> bool {
    const LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];
    let level = |word: &str| LEVELS.contains(&word.trim().to_ascii_lowercase().as_str());
    !asked.trim().is_empty()
        && asked
            .split(',')
            .all(|directive| match directive.rsplit_once('=') {
                Some((part, wanted)) => !part.trim().is_empty() && level(wanted),
                None => level(directive),
            })
        && tracing_subscriber::EnvFilter::try_new(asked).is_ok()
}

/// The running log. Dropped at exit, it sums up the warnings still being counted, then writes
/// out every line queued.
pub struct Log {
    repeats: Repeats,
    _writer: tracing_appender::non_blocking::WorkerGuard,
}

impl Drop for Log {
    fn drop(&mut self) {
        self.repeats.summarise(true);
    }
}

/// The team's database on PostgreSQL, when this process uses one (chosen once, at start).
static DATABASE: std::sync::OnceLock<crate::store::postgres::Target> = std::sync::OnceLock::new();

/// Where this process keeps its data: PostgreSQL when `PAGEDESK_DATABASE_URL` or the config's
/// `[store] url` names it, else the data directory's SQLite file.
pub fn choose_database(settings: &crate::config::StoreSettings) -> Result<()> {
    let env = std::env::var("PAGEDESK_DATABASE_URL").ok();
    let Some(url) = env
        .as_deref()
        .filter(|u| !u.is_empty())
        .or(settings.url.as_deref())
    else {
        return Ok(());
    };
    let target = crate::store::postgres::Target::parse(url)?.answer_within(settings.answer_within);
    let _ = DATABASE.set(target);
    Ok(())
}

/// Where this process's shop is kept, as its messages name it: the team's PostgreSQL, or the
/// data directory.
pub fn data_place(data_dir: &Path) -> String {
    match postgres_database() {
        Some(target) => format!("PostgreSQL {target}"),
        None => data_dir.display().to_string(),
    }
}

/// The PostgreSQL database this process uses, if it uses one.
pub fn postgres_database() -> Option<&'static crate::store::postgres::Target> {
    DATABASE.get()
}

pub fn open_store(data_dir: &Path) -> Result<Arc<Mutex<Store>>> {
    Ok(Arc::new(Mutex::new(open_database(data_dir)?)))
}

/// The database in `data_dir`; the error names the directory once.
pub fn open_database(data_dir: &Path) -> Result<Store> {
    if let Some(target) = postgres_database() {
        return Ok(Store::open_postgres(target, data_dir)?);
    }
    // A shop moved to PostgreSQL is not synced from its old copy as well.
    if let Some(moved) = crate::store::postgres::copy::moved(data_dir) {
        bail!(
            "the shop of {} moved to PostgreSQL at {} on {}: set [store] url (or PAGEDESK_DATABASE_URL) to work there; this data directory's copy is no longer the shop's",
            data_dir.display(),
            moved.to,
            moved.on
        );
    }
    match Store::open(data_dir) {
        Ok(store) => {
            if let Some(copy) = store.schema_copy() {
                let tr = crate::i18n::Tr(crate::i18n::Lang::choose(None));
                eprintln!("{}", tr.f(S::SchemaCopyKept, &[&copy.display()]));
                tracing::info!(copy = %copy.display(), "the database was copied before its schema changed");
            }
            Ok(store)
        }
        Err(error @ StoreError::ReadOnly(_)) => Err(error.into()),
        Err(error) => Err(anyhow::Error::new(error).context(format!(
            "cannot open the database in {}",
            data_dir.display()
        ))),
    }
}

pub fn build_engine(
    config: &Config,
    store: Arc<Mutex<Store>>,
    events: Option<tokio::sync::mpsc::UnboundedSender<crate::sync::SyncEvent>>,
) -> Result<Arc<Engine>> {
    Ok(Arc::new(engine(config, store, events)?))
}

fn engine(
    config: &Config,
    store: Arc<Mutex<Store>>,
    events: Option<tokio::sync::mpsc::UnboundedSender<crate::sync::SyncEvent>>,
) -> Result<Engine> {
    let graph = config.graph.client()?;
    let round_robin = match config.assignment.new_conversations {
        NewConversations::RoundRobin => config.team(),
        NewConversations::Nobody => Vec::new(),
    };
    Ok(Engine::new(
        store,
        graph,
        config.pages.clone(),
        config.sync.clone(),
        events,
    )
    .with_live_poll_interval(config.webhook.poll_interval)
    .with_round_robin(round_robin)
    .with_comments(config.comments.clone())
    .with_order_hook(config.order_hook())
    .with_app_id(config.graph.app_id.clone()))
}

/// Reads the config again whenever its file changes (checked every 2 s): the engine takes the
/// new pages' tokens; a config that cannot be used is said and the old one kept. The watch
/// ends when the returned guard is dropped.
pub fn watch_config(
    path: PathBuf,
    commands: UnboundedSender<EngineCommand>,
    events: UnboundedSender<SyncEvent>,
) -> AbortOnDrop {
    let changed = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut seen = changed(&path);
    AbortOnDrop(tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let now = changed(&path);
            if now == seen {
                continue;
            }
            seen = now;
            let sent = match Config::load(&path) {
                Ok(config) => commands
                    .send(EngineCommand::ConfigChanged {
                        order_hook: config.order_hook(),
                        pages: config.pages,
                        comments: config.comments,
                    })
                    .is_ok(),
                Err(error) => events
                    .send(SyncEvent::ConfigRead {
                        restart_needed: false,
                        problem: Some(error.to_string()),
                    })
                    .is_ok(),
            };
            if !sent {
                return;
            }
        }
    }))
}

/// Says on stderr when the data directory's disk goes below the floor (`store::space`), where
/// the log stops, and when it has room again: checked at start and every 30 s, so that the
/// service's manager (and whoever reads its journal) hears of it before the database cannot
/// write. The watch ends when the returned guard is dropped.
pub fn watch_disk(data_dir: PathBuf, tr: Tr) -> AbortOnDrop {
    let floor = Floor::from_env();
    AbortOnDrop(tokio::spawn(async move {
        let mut low = false;
        loop {
            // A disk that cannot be asked is left to the database to name.
            if let Ok(free) = free_bytes(&data_dir) {
                let short = free < floor.bytes();
                if short != low {
                    low = short;
                    let (free, dir) = (file_size(free), data_dir.display().to_string());
                    let line = if short {
                        tr.f(S::CliDiskLow, &[&free, &dir, &file_size(floor.bytes())])
                    } else {
                        tr.f(S::CliDiskRoom, &[&dir, &free])
                    };
                    eprintln!("{} {line}", local_time(chrono::Utc::now()));
                }
            }
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
    }))
}

/// The inbox, with the sync engine in the background. The engine and the inbox each have their
/// own database connection.
/// The config is read again when its file (`config_path`, if it has one) changes.
pub async fn open_inbox(
    config_path: Option<PathBuf>,
    config: &Config,
    data_dir: &Path,
) -> Result<ExitCode> {
    let tr = Tr(crate::i18n::Lang::choose(config.language));
    let engine_store = Arc::new(Mutex::new(database_answering(tr, data_dir).await?));
    let (events, received) = tokio::sync::mpsc::unbounded_channel();
    let watch_events = events.clone();
    let pictures = PictureCache::open(data_dir, config.attachments.cache_bytes())
        .with_context(|| format!("cannot make the picture cache in {}", data_dir.display()))?;
    let engine = Arc::new(engine(config, engine_store, Some(events))?.with_pictures(pictures));
    let (commands, command_queue) = tokio::sync::mpsc::unbounded_channel();
    let watch = config_path.map(|path| watch_config(path, commands.clone(), watch_events));
    let background = tokio::spawn(engine.run(command_queue));
    let app = crate::ui::App::new(
        open_database(data_dir)?,
        open_database(data_dir)?,
        crate::ui::UiSettings::from_config(config),
        crate::ui::Theme::from_env(),
        Some(commands),
    );
    // The app owns the command sender: when the inbox closes, the engine stops and gives up the
    // lease, unless a cycle keeps it busy longer than a moment.
    let result = crate::ui::run(app, received).await;
    // The engine stops once no one can ask anything of it.
    drop(watch);
    if tokio::time::timeout(std::time::Duration::from_secs(2), background)
        .await
        .is_err()
    {
        tracing::info!("the engine was busy at exit; its lease expires on its own");
    }
    result?;
    Ok(ExitCode::SUCCESS)
}

/// The database, once it answers: a team's PostgreSQL out of reach (the network, a restart) is
/// waited for, said once, rather than the inbox refusing to open. What it refuses (a password,
/// a database not pagedesk's) is said at once.
async fn database_answering(tr: Tr, data_dir: &Path) -> Result<Store> {
    let mut said = false;
    loop {
        match open_database(data_dir) {
            Err(error) => match error.downcast_ref::<StoreError>() {
                Some(StoreError::Postgres(unreached))
                    if matches!(
                        **unreached,
                        crate::store::postgres::PgError::Unreachable { .. }
                    ) =>
                {
                    if !said {
                        let at = postgres_database()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        eprintln!("{}", tr.f(S::InboxWaitsForDatabase, &[&at]));
                        said = true;
                    }
                    tracing::warn!(error = %unreached, "the database does not answer yet");
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                }
                _ => return Err(error),
            },
            opened => return opened,
        }
    }
}

/// The webhook endpoint on `listen`, its events followed by `engine`; it stops when the returned
/// handle is dropped. Without the app secret (events are signed with it) or the verify token
/// (the subscription's handshake), nothing listens.
pub async fn receive_webhooks(
    config: &Config,
    listen: std::net::SocketAddr,
    engine: &Arc<Engine>,
) -> Result<Endpoint> {
    let app_secret = config
        .graph
        .app_secret()?
        .ok_or(crate::config::ConfigError::NoAppSecretForWebhooks)?;
    let verify_token = config.webhook.verify_token()?;
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
            let holder = match listening_process(listen.port()) {
                Some((pid, command)) if command.contains("pagedesk") => {
                    format!(": pagedesk (pid {pid}: {command}) listens there already")
                }
                Some((pid, command)) => format!(": pid {pid} ({command}) listens there"),
                None => String::new(),
            };
            bail!("cannot listen for webhooks on {listen}, the port is in use{holder}")
        }
        Err(error) => {
            return Err(error).with_context(|| format!("cannot listen for webhooks on {listen}"));
        }
    };
    let (events, received) = tokio::sync::mpsc::unbounded_channel();
    let receiver = Arc::new(crate::webhook::Receiver {
        verify_token,
        app_secret,
        request_timeout: config.webhook.request_timeout,
        engine: engine.clone(),
        events,
    });
    let follower = tokio::spawn(engine.clone().follow_webhooks(received));
    let server = tokio::spawn(crate::webhook::serve(listener, receiver));
    Ok(Endpoint { server, follower })
}

/// The process listening on TCP `port` (Linux: from /proc), with its command line: who holds a
/// port `serve` wants. `None` where /proc does not say (another user's process, no /proc).
fn listening_process(port: u16) -> Option<(u32, String)> {
    const LISTEN: &str = "0A";
    let port = format!("{port:04X}");
    let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| {
            table
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    let local_port = fields.get(1)?.rsplit(':').next()?;
                    let inode = fields.get(9)?;
                    (local_port == port && *fields.get(3)? == LISTEN)
                        .then(|| format!("socket:[{inode}]"))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if inodes.is_empty() {
        return None;
    }
    for process in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = process
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| {
                inodes
                    .iter()
                    .any(|inode| target.as_os_str() == inode.as_str())
            })
        });
        if holds {
            return Some((pid, command_of(pid)));
        }
    }
    None
}

/// The command line process `pid` runs, its words cleaned for the terminal ("" when unknown).
pub fn command_of(pid: u32) -> String {
    let command = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let words: Vec<String> = command
        .split(|b| *b == 0)
        .filter(|part| !part.is_empty())
        .map(|part| crate::text::clean_line(&String::from_utf8_lossy(part)))
        .collect();
    words.join(" ")
}

/// The running webhook endpoint and the engine's reading of its events.
pub struct Endpoint {
    server: tokio::task::JoinHandle<()>,
    follower: tokio::task::JoinHandle<()>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.server.abort();
        self.follower.abort();
    }
}
