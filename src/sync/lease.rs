//! One sync engine per data directory. Every pagedesk on a data dir (each staff member's inbox,
//! a `pagedesk sync` service) runs an engine, but only the holder of the lease in the database
//! syncs; the lease is renewed every few seconds and taken over when its holder stops renewing.
//! Replies are safe whoever sends them: each is claimed in the database first.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{AbortOnDrop, Engine, EngineCommand, SyncEvent, Trigger};
use crate::store::{Claimant, Lease, StoreError};

/// How long a lease lasts without renewal: a dead holder is replaced within this.
const LEASE_SECONDS: i64 = 6;
const RENEW_EVERY: Duration = Duration::from_secs(2);
/// How often the leader looks in the outbox between cycles, for replies other processes wrote.
const OUTBOX_EVERY: Duration = Duration::from_secs(1);

/// Whether this process leads, as its last renewal of the lease said, and when that was. A
/// renewal too long ago is no lead: a process stopped (SIGSTOP, a suspended machine) and then
/// continued must not run a cycle on what it knew before the stop, while another process has
/// taken the lease over meanwhile; it waits for its next renewal to say.
#[derive(Default)]
struct Leadership {
    renewed: std::sync::Mutex<Option<Instant>>,
}

impl Leadership {
    /// A renewal: the lease is ours now (`true`), or not.
    fn renewed(&self, ours: bool) {
        *self.renewed.lock().unwrap_or_else(|p| p.into_inner()) = ours.then(Instant::now);
    }

    /// The lease was ours at a renewal recent enough that no one else can hold it yet.
    fn holds(&self) -> bool {
        self.renewed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|at| at.elapsed() < LEASE_TRUSTED_FOR)
    }
}

/// How long a renewal that found the lease ours is trusted: less than the lease lasts
/// unrenewed, so that the lease cannot have passed to another meanwhile.
const LEASE_TRUSTED_FOR: Duration = Duration::from_secs(LEASE_SECONDS as u64 - 2);

/// This process among others on the same data (a data dir, or a team's PostgreSQL): its
/// machine, its pid and a start-time nonce (pids are reused), as `machine/pid-nonce`.
pub(super) fn instance_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}/{}-{nanos}", this_machine(), std::process::id())
}

/// This machine's name among a team's: `PAGEDESK_MACHINE`, else its host name.
pub fn this_machine() -> String {
    if let Some(name) = std::env::var("PAGEDESK_MACHINE")
        .ok()
        .filter(|n| !n.trim().is_empty() && !n.contains('/'))
    {
        return name;
    }
    let mut name = [0u8; 256];
    // SAFETY: gethostname(2) writes at most `name.len()` bytes into the buffer it is given.
    let got = unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) };
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    match got {
        0 => String::from_utf8_lossy(&name[..end]).into_owned(),
        _ => "localhost".to_owned(),
    }
}

/// The machine a holder of the lease or a reply runs on, when it is not this one. A holder
/// named before machines were (a pid and a nonce alone) ran on the data dir's machine.
pub fn machine_elsewhere(holder: &str) -> Option<String> {
    let (machine, _) = holder.rsplit_once('/')?;
    (machine != this_machine()).then(|| machine.to_owned())
}

/// Whether the holder `holder` (pid `pid`) may still be alive: on this machine, as its process
/// table says; on another, until its claim expires, since only that machine sees it die (and
/// a pid of there means nothing here).
pub fn holder_alive(holder: &str, pid: u32) -> bool {
    machine_elsewhere(holder).is_some() || process_alive(pid)
}

/// Whether a process is running on this machine. A zombie (exited, not yet reaped by its
/// parent) is not. Where `/proc` cannot tell, it is taken to be alive, and only time frees what
/// it holds.
pub fn process_alive(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self").exists() {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may hold anything.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_none_or(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// What a panic said, for the log and the people reading the status line.
fn panic_words(payload: &(dyn std::any::Any + Send)) -> String {
    let said = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned());
    crate::text::clean_line(&said)
}

impl Engine {
    /// Takes or renews the lease.
    pub async fn hold_lease(&self) -> Result<Lease, StoreError> {
        let holder = self.instance.clone();
        let receiving = self.receiving_webhooks();
        self.db(move |s| {
            let claimant = Claimant {
                holder: &holder,
                pid: std::process::id(),
                alive: &holder_alive,
            };
            // The team's clock: a machine whose own runs ahead must not take a live lease,
            // nor keep one for as long as its clock is ahead once it died.
            let now = s.clock()?;
            let until = now + chrono::Duration::seconds(LEASE_SECONDS);
            s.take_lease(&claimant, receiving, now, until)
        })
        .await
    }

    pub async fn release_lease(&self) {
        let holder = self.instance.clone();
        if let Err(error) = self.db(move |s| s.release_lease(&holder)).await {
            tracing::warn!(error = %error, "cannot release the engine lease");
        }
    }

    /// The engine in the background: while it holds the lease, a cycle every `interval` and the
    /// outbox every second; replies asked for are delivered at once either way. Ends, giving
    /// the lease up, when the command channel closes, or when the work panics: then the lease
    /// is given up too (no idle holder keeps others from syncing) and [`SyncEvent::Stopped`]
    /// says why.
    ///
    /// Dropped before it ends (a service stopping while a cycle takes too long), it takes the
    /// renewer and the work with it; the caller then gives the lease up.
    pub async fn run(self: Arc<Self>, commands: mpsc::UnboundedReceiver<EngineCommand>) {
        let leading = Arc::new(Leadership::default());
        let mut renewer = AbortOnDrop(tokio::spawn(self.clone().keep_lease(leading.clone())));
        let mut work = AbortOnDrop(tokio::spawn(self.clone().work(commands, leading)));
        let work = (&mut work.0).await;
        renewer.0.abort();
        // The renewer must be gone before the lease is released, or it could take it again.
        let _ = (&mut renewer.0).await;
        self.release_lease().await;
        if let Err(failure) = work
            && failure.is_panic()
        {
            let reason = panic_words(failure.into_panic().as_ref());
            tracing::error!(reason, "the sync engine stopped after an internal error");
            self.emit(SyncEvent::Stopped { reason });
        }
    }

    async fn work(
        self: Arc<Self>,
        mut commands: mpsc::UnboundedReceiver<EngineCommand>,
        leading: Arc<Leadership>,
    ) {
        let mut ticks = tokio::time::interval(OUTBOX_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next_cycle = Instant::now();
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    if !leading.holds() {
                        continue;
                    }
                    if Instant::now() >= next_cycle {
                        self.cycle(Trigger::Background).await;
                        next_cycle = Instant::now() + self.settings.interval;
                    } else {
                        self.deliver_everywhere().await;
                    }
                }
                command = commands.recv() => match command {
                    None | Some(EngineCommand::Stop) => return,
                    Some(EngineCommand::Deliver(message_id)) => {
                        if let Err(error) = self.deliver(message_id).await {
                            tracing::warn!(message_id, error = %error, "delivering a reply failed");
                        }
                        self.emit(SyncEvent::ReplyUpdated { message_id });
                    }
                    Some(EngineCommand::FetchPicture(wanted)) => self.want_picture(wanted),
                    Some(EngineCommand::PreviewFile(path)) => self.preview_file(path),
                    Some(EngineCommand::ConfigChanged {
                        pages,
                        comments,
                        order_hook,
                    }) => {
                        let restart_needed = self.take_new_tokens(&pages);
                        self.take_comment_settings(comments);
                        *self.order_hook.write().expect("order hook") = order_hook;
                        self.emit(SyncEvent::ConfigRead { restart_needed, problem: None });
                        // A fixed token is tried at once, not at the next interval.
                        next_cycle = Instant::now();
                    }
                },
            }
        }
    }

    /// Renews the lease every [`RENEW_EVERY`] while `work` runs (`sync --once`): a slow cycle
    /// must not let the lease lapse and a second engine start beside this one.
    pub async fn while_holding_lease<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        let renew = async {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                if let Err(error) = self.hold_lease().await {
                    tracing::warn!(error = %error, "cannot renew the engine lease");
                }
            }
        };
        tokio::select! {
            result = work => result,
            never = renew => never,
        }
    }

    /// Renews (or waits to take) the lease, independently of how long a cycle takes.
    /// The database out of reach is said once when it goes and once when it is back: the
    /// lease's renewal is the engine's heartbeat with it.
    async fn keep_lease(self: Arc<Self>, leading: Arc<Leadership>) {
        let mut last: Option<Lease> = None;
        let mut down = false;
        loop {
            match self.hold_lease().await {
                Ok(lease) => {
                    if std::mem::take(&mut down) {
                        let at = self.database_at().await;
                        self.emit(SyncEvent::DatabaseBack { at });
                    }
                    leading.renewed(lease == Lease::Ours);
                    if last.as_ref() != Some(&lease) {
                        self.emit(match &lease {
                            Lease::Ours => SyncEvent::Leading,
                            Lease::HeldBy { pid, holder } => SyncEvent::Standby {
                                pid: *pid,
                                machine: machine_elsewhere(holder),
                            },
                        });
                        last = Some(lease);
                    }
                }
                Err(error) => {
                    // Unsure of the lease, stand by rather than risk two engines.
                    leading.renewed(false);
                    tracing::warn!(error = %error, "cannot renew the engine lease");
                    if error.unreachable() && !std::mem::replace(&mut down, true) {
                        let at = self.database_at().await;
                        self.emit(SyncEvent::DatabaseDown { at });
                    }
                }
            }
            tokio::time::sleep(RENEW_EVERY).await;
        }
    }

    /// Where the engine's database is, as people are told.
    async fn database_at(&self) -> String {
        self.db(|s| Ok(s.database_at())).await.unwrap_or_default()
    }

    /// Delivers the due replies of every page (those written by other processes included).
    async fn deliver_everywhere(&self) {
        for page in self.pages() {
            if let Err(error) = self.deliver_due(&page.id, Trigger::Background).await {
                tracing::warn!(page = %page.id, error = %error, "delivering replies failed");
            }
        }
    }
}
