//! Starting pagedesk: a private data directory, the log, the database, the engine, the inbox.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};

use crate::config::{Config, NewConversations};
use crate::store::pictures::PictureCache;
use crate::store::private::{self, LOG_FILE};
use crate::store::{Store, StoreError};
use tokio::sync::mpsc::UnboundedSender;

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

/// Logs go to `pagedesk.log` in the data directory, never to the terminal. A log that cannot be
/// written is said once and done without.
pub fn start_log(data_dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let path = data_dir.join(LOG_FILE);
    let file = match private::open_log(data_dir) {
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
    let filter = tracing_subscriber::EnvFilter::try_from_env("PAGEDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

pub fn open_store(data_dir: &Path) -> Result<Arc<Mutex<Store>>> {
    Ok(Arc::new(Mutex::new(open_database(data_dir)?)))
}

/// The database in `data_dir`; the error names the directory once.
pub fn open_database(data_dir: &Path) -> Result<Store> {
    match Store::open(data_dir) {
        Ok(store) => Ok(store),
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
    .with_round_robin(round_robin))
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
                    .send(EngineCommand::ConfigChanged(config.pages))
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

/// The inbox, with the sync engine in the background. The engine and the inbox each have their
/// own database connection.
/// The config is read again when its file (`config_path`, if it has one) changes.
pub async fn open_inbox(
    config_path: Option<PathBuf>,
    config: &Config,
    data_dir: &Path,
) -> Result<ExitCode> {
    let engine_store = open_store(data_dir)?;
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
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen for webhooks on {listen}"))?;
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
