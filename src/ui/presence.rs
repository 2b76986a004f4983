//! Who else has the open conversation on screen, and whether they are typing a reply: each
//! inbox says so in the database (a row per inbox, renewed every few seconds) and reads the
//! others'. Two staff answering one buyer see each other before a reply mixes both.

use std::time::{Duration, Instant};

use super::app::{App, Pane};
use super::writer::Write;
use crate::model::ConversationId;

/// How often an inbox says again that it is there.
const RENEW_EVERY: Duration = Duration::from_secs(5);
/// An inbox not heard from for this long has gone (closed, killed, asleep).
const GONE_AFTER: chrono::Duration = chrono::Duration::seconds(15);
/// Typing in the reply box within this long is "replying".
const TYPING_FOR: Duration = Duration::from_secs(8);
/// A conversation shown while staff move through the list is open for colleagues only once it
/// stayed this long (or staff went into it): passing over it tells nobody.
const LOOKED_AT_AFTER: Duration = Duration::from_secs(3);

/// What this inbox tells the other open ones of itself.
#[derive(Debug, Clone)]
pub struct OwnPresence {
    /// This inbox among the open ones.
    instance: String,
    /// What it last said (the conversation shown, typing), and when.
    said: Option<(Option<ConversationId>, bool, Instant)>,
}

impl Default for OwnPresence {
    fn default() -> Self {
        OwnPresence {
            instance: format!(
                "{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ),
            said: None,
        }
    }
}

impl OwnPresence {
    /// This inbox among the open ones.
    pub fn instance(&self) -> &str {
        &self.instance
    }
}

impl App {
    /// Staff typed in the reply box.
    pub(super) fn typed(&mut self, now: Instant) {
        self.chat.last_typed = Some(now);
    }

    /// Says which conversation this inbox shows and whether staff are typing there, when that
    /// changed or every few seconds.
    pub fn update_presence(&mut self, now: Instant) {
        let looked_at = |open: &&super::app::Open| {
            self.focus != Pane::List
                || now.saturating_duration_since(open.shown_at) >= LOOKED_AT_AFTER
        };
        let shown = self
            .chat
            .open
            .as_ref()
            .filter(looked_at)
            .map(|o| o.conversation.id.clone());
        let typing = self.focus == Pane::Compose
            && !self.chat.compose.is_empty()
            && self
                .chat
                .last_typed
                .is_some_and(|at| now.saturating_duration_since(at) < TYPING_FOR);
        let unchanged = self.presence.said.as_ref().is_some_and(|(said, was, at)| {
            *said == shown && *was == typing && now.saturating_duration_since(*at) < RENEW_EVERY
        });
        if unchanged {
            return;
        }
        self.presence.said = Some((shown.clone(), typing, now));
        self.write(Write::Presence {
            instance: self.presence.instance.clone(),
            shown: shown.map(|id| (id, typing)),
            at: self.now(),
        });
    }

    /// This inbox closes: it shows nothing any more.
    pub fn leave(&mut self) {
        self.write(Write::Presence {
            instance: self.presence.instance.clone(),
            shown: None,
            at: self.now(),
        });
    }

    /// Reads who else has the open conversation on screen.
    pub(super) fn load_others(&mut self) {
        let Some(id) = self.chat.open.as_ref().map(|o| o.conversation.id.clone()) else {
            return;
        };
        let others = self
            .store_ref()
            .presence_in(&id, &self.presence.instance, self.now() - GONE_AFTER)
            .unwrap_or_default();
        if let Some(open) = self.chat.open.as_mut() {
            open.others = others;
        }
    }
}
