//! The team's commands: labels, assignment, who is on shift, notes, and the team's numbers.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{Offset, Utc};
use clap::{Subcommand, ValueEnum};

use super::output::{local_time, out};
use crate::config::Config;
use crate::i18n::{S, Tr};
use crate::model::ConversationId;
use crate::store::{Stats, StatsRow, Store, StoreError};
use crate::text::fit;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LabelChange {
    Add,
    Remove,
}

#[derive(Debug, Subcommand)]
pub enum LabelsCommand {
    /// Rename a label on every conversation at once.
    Rename { name: String, new_name: String },
    /// Delete a label and take it off every conversation.
    Delete { name: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Availability {
    Available,
    Away,
}

/// The customer's name of a conversation, else its id.
fn customer_name(store: &Store, conversation_id: &ConversationId) -> Result<Option<String>> {
    Ok(store
        .conversation(conversation_id)?
        .map(|c| c.customer_name))
}

fn no_conversation(tr: Tr, conversation_id: &ConversationId) -> Result<ExitCode> {
    eprintln!("{}", tr.f(S::CliNoConversation, &[&conversation_id]));
    Ok(ExitCode::FAILURE)
}

/// `pagedesk label ID add|remove NAME`: adding a label that does not exist creates it.
pub fn label(
    tr: Tr,
    store: &mut Store,
    conversation_id: &ConversationId,
    change: LabelChange,
    name: &str,
) -> Result<ExitCode> {
    let Some(customer) = customer_name(store, conversation_id)? else {
        return no_conversation(tr, conversation_id);
    };
    let now = Utc::now();
    let label = match (store.label_named(name)?, change) {
        (Some(label), _) => label,
        (None, LabelChange::Add) => store.create_label(name, None, now)?,
        (None, LabelChange::Remove) => {
            eprintln!("{}", tr.f(S::CliNoLabel, &[&name]));
            return Ok(ExitCode::FAILURE);
        }
    };
    let on = matches!(change, LabelChange::Add);
    store.set_label(conversation_id, label.id, on, now)?;
    let key = if on { S::CliLabelOn } else { S::LabelOff };
    out!("{}", tr.f(key, &[&customer, &label.name]));
    Ok(ExitCode::SUCCESS)
}

/// `pagedesk labels [rename|delete]`: every label with its colour and how many carry it.
pub fn labels(
    tr: Tr,
    store: &mut Store,
    command: Option<&LabelsCommand>,
    json: bool,
) -> Result<ExitCode> {
    let named = |store: &Store, name: &str| -> Result<Option<crate::store::LabelRow>> {
        let found = store.label_named(name)?;
        if found.is_none() {
            eprintln!("{}", tr.f(S::CliNoLabel, &[&name]));
        }
        Ok(found)
    };
    match command {
        Some(LabelsCommand::Rename { name, new_name }) => {
            let Some(label) = named(store, name)? else {
                return Ok(ExitCode::FAILURE);
            };
            let renamed = store.rename_label(label.id, new_name)?;
            out!("{}", tr.f(S::LabelRenamed, &[&renamed]));
        }
        Some(LabelsCommand::Delete { name }) => {
            let Some(label) = named(store, name)? else {
                return Ok(ExitCode::FAILURE);
            };
            let carried = store.delete_label(label.id)?;
            out!(
                "{}",
                tr.f(
                    tr.counted(carried, S::LabelDeletedOne, S::LabelDeleted),
                    &[&label.name, &carried],
                )
            );
        }
        None if json => out!("{}", serde_json::to_string_pretty(&store.labels()?)?),
        None => {
            for label in store.labels()? {
                out!(
                    "{} {} {}",
                    fit(&label.name, 30),
                    fit(&label.colour, 8),
                    label.conversations
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `pagedesk assign ID STAFF` (`nobody` takes it back): only the config's `[[staff]]`.
pub fn assign(
    tr: Tr,
    config: &Config,
    store: &mut Store,
    conversation_id: &ConversationId,
    staff: &str,
) -> Result<ExitCode> {
    let team = config.team();
    let nobody = staff.eq_ignore_ascii_case("nobody");
    let member = team.iter().find(|n| n.eq_ignore_ascii_case(staff.trim()));
    if !nobody && member.is_none() {
        eprintln!("{}", tr.f(S::CliNoStaff, &[&staff, &team.join(", ")]));
        return Ok(ExitCode::FAILURE);
    }
    let Some(customer) = customer_name(store, conversation_id)? else {
        return no_conversation(tr, conversation_id);
    };
    store.assign(conversation_id, member.map(String::as_str), Utc::now())?;
    match member {
        Some(member) => out!("{}", tr.f(S::Assigned, &[&customer, member])),
        None => out!("{}", tr.f(S::Unassigned, &[&customer])),
    }
    Ok(ExitCode::SUCCESS)
}

/// `pagedesk staff [available|away] [--name NAME]`: says who takes new conversations, or lists
/// the team and who does.
pub fn staff(
    tr: Tr,
    config: &Config,
    store: &mut Store,
    state: Option<Availability>,
    name: Option<&str>,
) -> Result<ExitCode> {
    let team = config.team();
    if let Some(state) = state {
        let me = config.staff_name();
        let name = name.unwrap_or(&me);
        let Some(member) = team.iter().find(|n| n.eq_ignore_ascii_case(name.trim())) else {
            eprintln!("{}", tr.f(S::CliNoStaff, &[&name, &team.join(", ")]));
            return Ok(ExitCode::FAILURE);
        };
        let available = matches!(state, Availability::Available);
        store.set_available(member, available, Utc::now())?;
        let word = if available {
            S::StaffAvailable
        } else {
            S::StaffAway
        };
        out!("{}", tr.f(S::CliStaffNow, &[member, &tr.t(word)]));
        return Ok(ExitCode::SUCCESS);
    }
    if team.is_empty() {
        out!("{}", tr.t(S::CliNoTeam));
        return Ok(ExitCode::SUCCESS);
    }
    let status = store.staff_status()?;
    for member in &team {
        let said = status.iter().find(|s| s.name == *member);
        let word = tr.t(if said.is_some_and(|s| s.available) {
            S::StaffAvailable
        } else {
            S::StaffAway
        });
        let since = said.map(|s| local_time(s.changed_at)).unwrap_or_default();
        out!("{} {} {since}", fit(member, 24), fit(word, 10));
    }
    Ok(ExitCode::SUCCESS)
}

/// `pagedesk note ID TEXT`: a note about the conversation's customer.
pub fn note(
    tr: Tr,
    store: &mut Store,
    conversation_id: &ConversationId,
    text: &str,
) -> Result<ExitCode> {
    let Some(customer) = customer_name(store, conversation_id)? else {
        return no_conversation(tr, conversation_id);
    };
    match store.add_note(conversation_id, text, Utc::now()) {
        Err(StoreError::EmptyNote) => {
            eprintln!("{}", StoreError::EmptyNote);
            Ok(ExitCode::FAILURE)
        }
        Err(StoreError::NoteTooLong) => {
            let limit = crate::text::MAX_TEXT_CHARS;
            eprintln!("{}", tr.f(S::NoteTooLong, &[&limit]));
            Ok(ExitCode::FAILURE)
        }
        done => {
            done?;
            out!("{}", tr.f(S::CliNoteSaved, &[&customer]));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The longest period `pagedesk stats` covers: a year, leap day included. Longer reads every
/// message ever and prints a line a day.
const MAX_STATS_DAYS: u64 = 366;

/// `pagedesk stats [--since 7d] [--json]`.
pub fn stats(tr: Tr, store: &Store, since: &str, json: bool) -> Result<ExitCode> {
    let period = crate::config::parse_duration(since)
        .map_err(|why| anyhow::anyhow!("--since {since}: {why}"))?;
    if period > std::time::Duration::from_secs(MAX_STATS_DAYS * 86_400) {
        let days = MAX_STATS_DAYS;
        eprintln!("{}", tr.f(S::StatsPeriodTooLong, &[&since, &days]));
        return Ok(ExitCode::FAILURE);
    }
    let until = Utc::now();
    let since = until - chrono::Duration::from_std(period)?;
    let zone = chrono::Local::now().offset().fix();
    let stats = store.stats(since, until, zone)?;
    if json {
        out!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_stats(tr, &stats);
    Ok(ExitCode::SUCCESS)
}

fn print_stats(tr: Tr, stats: &Stats) {
    let span = |seconds: Option<i64>| {
        seconds.map_or_else(|| tr.t(S::NotApplicable).to_owned(), |s| tr.span_precise(s))
    };
    let row = |row: &StatsRow| {
        out!(
            "  {} {} {} {} {} {} {}",
            fit(&crate::ui::words::who(tr, &row.name), 24),
            fit(&span(row.first_response_median_s), 8),
            fit(&span(row.first_response_p90_s), 8),
            fit(&row.replies.to_string(), 7),
            fit(&row.waiting_now.to_string(), 7),
            fit(&span(row.longest_wait_s), 8),
            row.spam_rescued
        )
    };
    out!("{}", tr.f(S::StatsTitle, &[&local_time(stats.since)]));
    out!("{}", tr.t(S::StatsHeader));
    for (title, rows) in [(S::StatsPages, &stats.pages), (S::StatsStaff, &stats.staff)] {
        out!("{}", tr.t(title));
        if rows.is_empty() {
            out!("  {}", tr.t(S::StatsNothing));
        }
        rows.iter().for_each(row);
    }
    for line in crate::ui::words::comment_stats(tr, stats) {
        out!("{line}");
    }
    for line in crate::ui::words::order_stats(tr, stats) {
        out!("{line}");
    }
    out!("{}", tr.t(S::StatsPerDay));
    for (day, replies) in &stats.replies_per_day {
        out!("  {} {replies}", day.format("%d/%m"));
    }
    if stats.orders_per_day.iter().any(|day| day.orders > 0) {
        out!("{}", tr.t(S::StatsOrdersPerDay));
        for day in &stats.orders_per_day {
            out!(
                "  {} {} {}",
                day.day.format("%d/%m"),
                day.orders,
                crate::orders::dong(day.revenue)
            );
        }
    }
    if !stats.ads.is_empty() {
        out!("{}", tr.t(S::StatsAds));
        for ad in &stats.ads {
            let name = ad.title.as_deref().unwrap_or(&ad.ad_id);
            out!("  {} {}", fit(name, 40), ad.conversations);
        }
    }
}
