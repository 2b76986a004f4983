//! `pagedesk doctor`: why a conversation is not there yet, page by page, instead of "contact
//! support". Reads the sync state the engine stored and spends one cheap call per check.

use super::output::out;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use chrono::Utc;

use super::output::local_time;
use crate::config::Config;
use crate::graph::{AccessToken, GraphClient};
use crate::i18n::{Lang, S, Tr, file_size};
use crate::model::Folder;
use crate::store::Store;
use crate::store::space::{Floor, free_bytes};

pub async fn run(config: &Config, store: &Arc<Mutex<Store>>, data_dir: &Path) -> Result<ExitCode> {
    let graph = config.graph.client()?;
    let now = Utc::now();
    let tr = Tr(Lang::choose(config.language));
    let relative = |time: chrono::DateTime<Utc>| {
        let seconds = (time - now).num_seconds();
        if seconds > 0 {
            tr.f(S::In, &[&tr.span_precise(seconds)])
        } else {
            tr.ago(time, now)
        }
    };
    let mut healthy = true;
    if config.pages.is_empty() {
        out!("{}", tr.t(S::DrNoPages));
        return Ok(ExitCode::FAILURE);
    }
    let place = store.lock().expect("store").database_at();
    out!("{}", tr.f(S::DrDatabase, &[&place]));
    // The lease's times are the team's clock's.
    let team_now = store.lock().expect("store").clock()?;
    let holder = store.lock().expect("store").engine_held(team_now)?;
    // A holder that died is named by no one: its lease is void. One that lives is named with
    // its command (the service's `pagedesk serve`, an inbox) and since when it syncs.
    match holder.filter(|held| crate::sync::holder_alive(&held.holder, held.pid)) {
        Some(held) => {
            // Its command is known only on its own machine.
            let (pid, command) = match crate::sync::machine_elsewhere(&held.holder) {
                Some(machine) => (tr.pid_on(held.pid, Some(&machine)), "pagedesk".to_owned()),
                None => (held.pid.to_string(), super::startup::command_of(held.pid)),
            };
            let since = held
                .since
                .map_or_else(|| "?".to_owned(), super::output::local_time);
            out!("{}", tr.f(S::DrEngine, &[&pid, &command, &since]))
        }
        None => out!("{}", tr.t(S::DrNoEngine)),
    }
    healthy &= disk(tr, data_dir);
    let received = store
        .lock()
        .expect("store")
        .engine_receives_webhooks(team_now)?;
    for page in &config.pages {
        let (stored_name, spam_on, state, waiting, reduced, unsent, webhooks, gaps, kept, origin) = {
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
                store.webhook_state(&page.id)?,
                store.conversations_with_gaps(&page.id)?,
                store.waiting_event_messages(&page.id)?,
                (
                    store.sending_restricted_until(&page.id)?,
                    store.held_elsewhere(&page.id)?,
                    store.human_agent_refused(&page.id)?,
                ),
            )
        };
        let (restricted, held_elsewhere, tag_refused) = origin;
        let name = crate::model::page_name(
            page.name.as_deref(),
            stored_name.as_deref(),
            page.id.as_str(),
        );
        out!("{name} ({})", page.id);
        // A label as long as the column still leaves a space before its value.
        let line = |label: &str, value: &str| out!("  {label:<15} {value}");
        match page.token() {
            Err(e) => {
                healthy = false;
                line(tr.t(S::DrToken), &tr.f(S::DrProblem, &[&e]));
            }
            Ok(token) => {
                let data = token_data(config, &graph, &token).await;
                match graph.page(&page.id, &token).await {
                    Ok(_) => line(
                        tr.t(S::DrToken),
                        &tr.f(S::DrValid, &[&token_kind(tr, data.as_ref())]),
                    ),
                    Err(e) => {
                        healthy = false;
                        line(tr.t(S::DrToken), &tr.f(S::DrProblem, &[&problem(tr, &e)]));
                    }
                }
                let mut folders = vec![Folder::Inbox];
                if spam_on {
                    folders.push(Folder::Spam);
                }
                for folder in folders {
                    let name = match folder {
                        Folder::Inbox => tr.t(S::DrInboxFolder),
                        other => other.as_str(),
                    };
                    let label = tr.f(S::DrFolder, &[&name]);
                    let one = crate::graph::ListSize {
                        conversations: 1,
                        messages: 1,
                    };
                    match graph
                        .conversations(&page.id, &token, folder, one, None)
                        .await
                    {
                        Ok(_) => line(&label, tr.t(S::DrReadable)),
                        Err(e) => {
                            healthy = false;
                            line(&label, &tr.f(S::DrProblem, &[&problem(tr, &e)]));
                        }
                    }
                }
                if config.comments.read {
                    // Comments that cannot be read leave Messenger syncing: said, not failed.
                    let since = chrono::Utc::now() - chrono::Duration::days(1);
                    match graph.posts(&page.id, &token, since, None).await {
                        Ok(_) => line(tr.t(S::DrComments), tr.t(S::DrReadable)),
                        Err(e) => line(
                            tr.t(S::DrComments),
                            &tr.f(S::DrProblem, &[&problem(tr, &e)]),
                        ),
                    }
                    let engagement = match &data {
                        Some(Ok(data)) if data.scopes.iter().any(|s| s == ENGAGEMENT) => {
                            tr.t(S::DrEngagementGranted).to_owned()
                        }
                        Some(Ok(_)) => tr.t(S::DrEngagementMissing).to_owned(),
                        Some(Err(_)) | None => tr.t(S::DrEngagementUnknown).to_owned(),
                    };
                    line(tr.t(S::DrAnswerComments), &engagement);
                }
            }
        }
        if let Some((conversations, messages)) = reduced {
            line(
                tr.t(S::DrListSize),
                &tr.f(S::DrListSizeValue, &[&conversations, &messages]),
            );
        }
        if spam_on {
            line(tr.t(S::DrSpamSync), tr.t(S::On));
        } else {
            line(tr.t(S::DrSpamSync), &tr.f(S::DrSpamOff, &[&page.id]));
        }
        if spam_on {
            let delay = tr.span_precise(config.sync.spam_delay.as_secs() as i64);
            if waiting.is_empty() {
                line(tr.t(S::DrWaitingSpam), tr.t(S::DrNone));
            } else {
                line(
                    tr.t(S::DrWaitingSpam),
                    &tr.f(S::DrWaitingCount, &[&waiting.len(), &delay]),
                );
            }
            for w in &waiting {
                let when = if w.due_time <= now {
                    tr.t(S::DrDueNow).to_owned()
                } else {
                    let at = local_time(w.due_time);
                    tr.f(S::DrDue, &[&at, &relative(w.due_time)])
                };
                line("", &format!("{}: {when}", w.customer_name));
            }
        }
        let (failed, pending): (Vec<_>, Vec<_>) = unsent.iter().partition(|r| r.failed);
        for (label, replies) in [
            (S::DrRepliesWaiting, &pending),
            (S::DrRepliesFailed, &failed),
        ] {
            let label = tr.t(label);
            if replies.is_empty() {
                continue;
            }
            line(label, &replies.len().to_string());
            for reply in replies {
                let text = crate::text::fit(&reply.text.replace('\n', " "), 40);
                // In the staff's words, from what the problem is (Facebook's own words stay in
                // the log and `messages --json`).
                let why = match (&reply.why, reply.problem) {
                    (Some(why), problem) => tr.reply_problem(problem, why, crate::sync::local_hm),
                    (None, _) => tr.t(S::DrNotTried).to_owned(),
                };
                let written = local_time(reply.written);
                line(
                    "",
                    &tr.f(
                        S::DrReply,
                        &[&written, &reply.customer_name, &text.trim_end(), &why],
                    ),
                );
            }
        }
        match state.last_success {
            Some(t) => line(
                tr.t(S::DrLastSync),
                &format!("{} ({})", local_time(t), relative(t)),
            ),
            None => line(tr.t(S::DrLastSync), tr.t(S::DrNever)),
        }
        let polled = tr.span_precise(config.sync.interval.as_secs() as i64);
        let webhooks_line = match (webhooks.last_event, webhooks.missed_since) {
            (None, _) => tr.f(S::DrWebhooksNone, &[&polled]),
            // Events went to a `serve` that no longer runs the engine: nothing arrives here.
            (Some(last), _) if !received => tr.f(
                S::DrWebhooksNoReceiver,
                &[&local_time(last), &relative(last), &polled],
            ),
            (Some(last), None) => {
                let slow = tr.span_precise(config.webhook.poll_interval.as_secs() as i64);
                tr.f(
                    S::DrWebhooksLive,
                    &[&local_time(last), &relative(last), &slow],
                )
            }
            (Some(last), Some(_)) => {
                healthy = false;
                tr.f(
                    S::DrWebhooksMissed,
                    &[&local_time(last), &relative(last), &polled],
                )
            }
        };
        line(tr.t(S::DrWebhooks), &webhooks_line);
        if kept > 0 {
            line(
                tr.t(S::DrEventsWaiting),
                &tr.f(S::DrEventsWaitingValue, &[&kept]),
            );
        }
        if !gaps.is_empty() {
            line(tr.t(S::DrGaps), &tr.f(S::DrGapsValue, &[&gaps.join(", ")]));
        }
        if !held_elsewhere.is_empty() {
            let held: Vec<String> = held_elsewhere
                .iter()
                .map(|(buyer, app)| match app {
                    Some(app) => tr.f(S::DrHeldBy, &[buyer, app]),
                    None => buyer.clone(),
                })
                .collect();
            line(
                tr.t(S::DrHeldElsewhere),
                &tr.f(S::DrHeldElsewhereValue, &[&held.join(", ")]),
            );
        }
        if let Some(until) = restricted {
            healthy = false;
            line(
                tr.t(S::DrSendingRestricted),
                &tr.f(
                    S::DrSendingRestrictedValue,
                    &[&local_time(until), &relative(until)],
                ),
            );
        }
        if tag_refused && config.sync.human_agent_tag {
            line(
                tr.t(S::DrHumanAgent),
                &tr.f(S::DrHumanAgentRefused, &[&page.id]),
            );
        }
        if let Some(error) = &state.last_error {
            let at = state.last_attempt.map(local_time).unwrap_or_default();
            line(tr.t(S::DrLastError), &tr.f(S::DrAt, &[error, &at]));
        }
        if let Some(until) = state.rate_limited_until.filter(|u| *u > now) {
            healthy = false;
            let at = local_time(until);
            line(
                tr.t(S::DrRateLimited),
                &tr.f(S::DrUntil, &[&at, &relative(until)]),
            );
        }
    }
    // Replies of a page taken out of the config wait for nothing: said, with what to do.
    let store = store.lock().expect("store");
    for page in store.pages()? {
        if config.pages.iter().any(|c| c.id == page.id) {
            continue;
        }
        let unsent = store.unsent_replies(&page.id)?;
        if unsent.is_empty() {
            continue;
        }
        healthy = false;
        out!("{} ({})", page.name, page.id);
        out!(
            "  {:<15} {}",
            tr.t(S::DrNotConfigured),
            tr.f(S::DrNotConfiguredValue, &[&unsent.len()])
        );
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The room left on the data directory's disk; below the floor (`store::space`) a problem.
/// Returns whether there is room (a disk that cannot be asked is left to the database to name).
fn disk(tr: Tr, data_dir: &Path) -> bool {
    let Ok(free) = free_bytes(data_dir) else {
        return true;
    };
    let floor = Floor::from_env().bytes();
    let dir = data_dir.display().to_string();
    if free < floor {
        let line = tr.f(S::DrDiskLow, &[&file_size(free), &dir, &file_size(floor)]);
        out!("{line}");
        return false;
    }
    out!("{}", tr.f(S::DrDisk, &[&file_size(free), &dir]));
    true
}

/// Facebook's refusal in the staff's language: a sentence first, Facebook's own words (English)
/// once, after it.
/// What answering, hiding and liking comments need besides the page's token.
const ENGAGEMENT: &str = "pages_manage_engagement";

fn problem(tr: Tr, error: &crate::graph::GraphError) -> String {
    use crate::graph::GraphError as E;
    let sentence = match error {
        E::Auth { .. } => S::DrGraphAuth,
        E::Permission { .. } => S::DrGraphPermission,
        E::RateLimited { .. } => S::DrGraphRateLimited,
        E::Transient(_) | E::Unreached(_) | E::TooMuchData(_) => S::DrGraphTransient,
        E::ProofRefused { .. } => S::DrGraphProof,
        _ => S::DrGraphRefused,
    };
    tr.f(sentence, &[&error])
}

/// What Facebook says of a page's token (`debug_token`), when the config has the app's id and
/// secret to ask it; `None` otherwise.
async fn token_data(
    config: &Config,
    graph: &GraphClient,
    token: &AccessToken,
) -> Option<Result<crate::graph::wire::TokenData, crate::graph::GraphError>> {
    let (Some(app_id), Ok(Some(secret))) = (&config.graph.app_id, config.graph.app_secret()) else {
        return None;
    };
    Some(graph.debug_token(app_id, &secret, token).await)
}

/// What kind of token it is and whether it expires.
fn token_kind(
    tr: Tr,
    data: Option<&Result<crate::graph::wire::TokenData, crate::graph::GraphError>>,
) -> String {
    let Some(data) = data else {
        return String::new();
    };
    match data {
        Ok(data) if !data.is_valid => tr.t(S::DrTokenInvalid).to_owned(),
        Ok(data) => {
            let kind = tr.t(match data.kind.as_deref() {
                Some("PAGE") => S::DrPageToken,
                Some("USER") => S::DrUserToken,
                _ => S::DrSomeToken,
            });
            match data.expires_at.filter(|at| *at > 0) {
                None => tr.f(S::DrNoExpiry, &[&kind]),
                Some(at) => {
                    let when = chrono::DateTime::from_timestamp(at, 0)
                        .map_or_else(|| at.to_string(), local_time);
                    tr.f(S::DrExpires, &[&kind, &when])
                }
            }
        }
        Err(e) => tr.f(S::DrKindUnknown, &[&e]),
    }
}
