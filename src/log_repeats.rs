//! Warnings that a stranger can repeat without end (an unsigned webhook request is refused with
//! one, and anyone can send thousands a second) must not fill the disk. Each warning (each
//! place in the code that warns) is logged in full 5 times a minute; the rest are counted, and
//! once the minute is over one line says how many there were. Every warning site is covered by
//! this one layer: none needs to count for itself.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::callsite::Identifier;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// How many of one warning are logged in full in a window.
pub const LOGGED: u64 = 5;
/// The window after which the rest are summed up.
pub const WINDOW: Duration = Duration::from_secs(60);
/// The summaries' own target: they are never counted themselves.
const SUMMARY_TARGET: &str = "pagedesk::log_repeats";

/// A layer that lets the first [`LOGGED`] of each warning (and error) through per [`WINDOW`],
/// counts the rest, and sums them up with [`Repeats::summarise`].
#[derive(Clone, Default)]
pub struct Repeats {
    seen: Arc<Mutex<HashMap<Identifier, Window>>>,
}

/// One warning's window: when it began, how often the warning came, and what it said first.
struct Window {
    began: Instant,
    times: u64,
    message: String,
    place: String,
}

impl Repeats {
    /// Logs one line for each warning whose window is over and that came more often than it
    /// was logged, and starts its window again. With `all`, every window counts as over (the
    /// process is ending).
    pub fn summarise(&self, all: bool) {
        let now = Instant::now();
        let over: Vec<Window> = {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            let ended: Vec<Identifier> = seen
                .iter()
                .filter(|(_, w)| all || now.duration_since(w.began) >= WINDOW)
                .map(|(id, _)| id.clone())
                .collect();
            ended.iter().filter_map(|id| seen.remove(id)).collect()
        };
        // Logged after the lock is let go: these events come back through `event_enabled`.
        for window in over.into_iter().filter(|w| w.times > LOGGED) {
            tracing::warn!(
                target: SUMMARY_TARGET,
                "{} times in the last {} s, the first {LOGGED} logged: \"{}\" ({})",
                window.times,
                now.duration_since(window.began).as_secs().max(1),
                window.message,
                window.place
            );
        }
    }
}

impl<S: Subscriber> Layer<S> for Repeats {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        // Info and below come at pagedesk's own pace, not a stranger's.
        if *meta.level() > Level::WARN || meta.target() == SUMMARY_TARGET {
            return true;
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let window = seen.entry(meta.callsite()).or_insert_with(|| {
            let mut message = Message(String::new());
            event.record(&mut message);
            Window {
                began: Instant::now(),
                times: 0,
                message: message.0,
                place: format!(
                    "{}:{}",
                    meta.file().unwrap_or("?"),
                    meta.line().unwrap_or(0)
                ),
            }
        });
        window.times += 1;
        window.times <= LOGGED
    }
}

/// The `message` field of an event.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use tracing_subscriber::layer::SubscriberExt;

    /// What a subscriber with the layer writes.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn each_warning_is_logged_five_times_then_summed_up_and_others_pass() {
        let lines = Lines::default();
        let repeats = Repeats::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::registry().with(repeats.clone()).with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || writer.clone()),
        );
        tracing::subscriber::with_default(subscriber, || {
            for n in 0..412 {
                tracing::warn!(n, "refused");
                tracing::info!("info {n}");
            }
            tracing::warn!("another warning");
            repeats.summarise(true);
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("refused").count(), 5 + 1, "{text}");
        assert_eq!(text.matches("info ").count(), 412);
        assert!(text.contains("another warning"));
        let summary = text.lines().last().unwrap();
        assert!(
            summary.contains(
                "412 times in the last 1 s, the first 5 logged: \"refused\" (src/log_repeats.rs:"
            ),
            "{summary}"
        );
    }
}
