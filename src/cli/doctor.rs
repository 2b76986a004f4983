//! `pagedesk doctor`: why a conversation is not there yet, page by page, instead of "contact
//! support". Reads the sync state the engine stored and spends one cheap call per check.

use super::output::out;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use chrono::Utc;

use super::output::local_time;
use crate::config::Config;
use crate::graph::{AccessToken, GraphClient};
use crate::i18n::{Lang, S, Tr};
use crate::model::Folder;
use crate::store::Store;

pub async fn run(config: &Config, store: &Arc<Mutex<Store>>) -> Result<ExitCode> {
    let graph = config.graph.client()?;
    let now = Utc::now();
    let tr = Tr(Lang::En);
    let relative = |time: chrono::DateTime<Utc>| {
        let seconds = (time - now).num_seconds();
        if seconds > 0 {
            tr.f(S::In, &[&tr.span(seconds)])
        } else {
            tr.ago(time, now)
        }
    };
    let mut healthy = true;
    if config.pages.is_empty() {
        out!("No pages in the config: add a [[pages]] entry (see config.example.toml).");
        return Ok(ExitCode::FAILURE);
    }
    let holder = store.lock().expect("store").lease_holder(now)?;
    // A holder that died is named by no one: its lease is void.
    match holder.filter(|pid| crate::sync::process_alive(*pid)) {
        Some(pid) => {
            out!("Sync engine: pid {pid} (it syncs and delivers replies for this data dir)")
        }
        None => out!("Sync engine: none running (start `pagedesk` or `pagedesk sync`)"),
    }
    for page in &config.pages {
        let (stored_name, spam_on, state, waiting, reduced, unsent) = {
            let store = store.lock().expect("store");
            let name = store
                .pages()?
                .into_iter()
                .find(|p| p.id == page.id)
                .map(|p| p.name);
            (
                name,
                store.spam_sync(&page.id)?,
                store.page_sync(&page.id)?,
                store.waiting_spam(&page.id)?,
                store.request_size(&page.id)?,
                store.unsent_replies(&page.id)?,
            )
        };
        let name = crate::model::page_name(page.name.as_deref(), stored_name.as_deref(), &page.id);
        out!("{name} ({})", page.id);
        let line = |label: &str, value: &str| out!("  {label:<16}{value}");
        match page.token() {
            Err(e) => {
                healthy = false;
                line("token", &format!("PROBLEM: {e}"));
            }
            Ok(token) => {
                match graph.page(&page.id, &token).await {
                    Ok(_) => line(
                        "token",
                        &format!("valid{}", token_kind(config, &graph, &token).await),
                    ),
                    Err(e) => {
                        healthy = false;
                        line("token", &format!("PROBLEM: {e}"));
                    }
                }
                let mut folders = vec![Folder::Inbox];
                if spam_on {
                    folders.push(Folder::Spam);
                }
                for folder in folders {
                    let label = format!("{} folder", folder.as_str());
                    let one = crate::graph::ListSize {
                        conversations: 1,
                        messages: 1,
                    };
                    match graph
                        .conversations(&page.id, &token, folder, one, None)
                        .await
                    {
                        Ok(_) => line(&label, "readable"),
                        Err(e) => {
                            healthy = false;
                            line(&label, &format!("PROBLEM: {e}"));
                        }
                    }
                }
            }
        }
        if let Some((conversations, messages)) = reduced {
            line(
                "list size",
                &format!(
                    "{conversations} conversations with {messages} messages each per call (Facebook asked for less data)"
                ),
            );
        }
        if spam_on {
            line("spam sync", "on");
        } else {
            line(
                "spam sync",
                &format!(
                    "off: conversations Facebook filed in Spam are not synced (turn on: pagedesk spam-sync on --page {})",
                    page.id
                ),
            );
        }
        if spam_on {
            let delay = config.sync.spam_delay.as_secs() / 60;
            if waiting.is_empty() {
                line("waiting spam", "none");
            } else {
                line(
                    "waiting spam",
                    &format!(
                        "{} (shown {delay} min after the buyer's last message)",
                        waiting.len()
                    ),
                );
            }
            for w in &waiting {
                let when = if w.due_time <= now {
                    "due now: appears at the next sync".to_owned()
                } else {
                    format!("due {} ({})", local_time(w.due_time), relative(w.due_time))
                };
                line("", &format!("{}: {when}", w.customer_name));
            }
        }
        let (failed, pending): (Vec<_>, Vec<_>) = unsent.iter().partition(|r| r.failed);
        for (label, replies) in [("replies waiting", &pending), ("replies failed", &failed)] {
            if replies.is_empty() {
                continue;
            }
            line(label, &replies.len().to_string());
            for reply in replies {
                let text = crate::text::fit(&reply.text.replace('\n', " "), 40);
                let why = reply.why.as_deref().unwrap_or("not tried yet");
                line(
                    "",
                    &format!(
                        "{} to {}: “{}” — {why}",
                        local_time(reply.written),
                        reply.customer_name,
                        text.trim_end()
                    ),
                );
            }
        }
        match state.last_success {
            Some(t) => line("last sync", &format!("{} ({})", local_time(t), relative(t))),
            None => line("last sync", "never: run `pagedesk sync --once`"),
        }
        if let Some(error) = &state.last_error {
            let at = state.last_attempt.map(local_time).unwrap_or_default();
            line("last error", &format!("{error} (at {at})"));
        }
        if let Some(until) = state.rate_limited_until.filter(|u| *u > now) {
            healthy = false;
            line(
                "rate limited",
                &format!("until {} ({})", local_time(until), relative(until)),
            );
        }
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What kind of token a page has and whether it expires, when the config has the app's id and
/// secret to ask Facebook (`debug_token`); nothing otherwise.
async fn token_kind(config: &Config, graph: &GraphClient, token: &AccessToken) -> String {
    let (Some(app_id), Ok(Some(secret))) = (&config.graph.app_id, config.graph.app_secret()) else {
        return String::new();
    };
    match graph.debug_token(app_id, &secret, token).await {
        Ok(data) if !data.is_valid => ", but Facebook says it is no longer valid".into(),
        Ok(data) => {
            let kind = match data.kind.as_deref() {
                Some("PAGE") => "a page token",
                Some("USER") => "a user token (put a page token here: pagedesk connect)",
                _ => "a token",
            };
            match data.expires_at.filter(|at| *at > 0) {
                None => format!(": {kind} that does not expire"),
                Some(at) => {
                    let when = chrono::DateTime::from_timestamp(at, 0)
                        .map_or_else(|| at.to_string(), local_time);
                    format!(
                        ": {kind} that expires {when} (pagedesk connect with app_id and app_secret gives one that does not)"
                    )
                }
            }
        }
        Err(e) => format!(" (its kind is unknown: {e})"),
    }
}
