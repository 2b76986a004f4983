//! What a stored conversation or message looks like in words, for the inbox and the CLI's
//! listings alike: the strings are `i18n`'s, the shapes the store's.

use crate::i18n::{S, Tr, file_size};
use crate::model::{AttachmentKind, Carried};
use crate::store::{ConversationRow, MessageRow, Stats};

/// A conversation's line in a list: Facebook's snippet, or what its last message carried
/// when it had no words.
pub fn preview(tr: Tr, conversation: &ConversationRow) -> String {
    match (&conversation.carried, conversation.snippet.is_empty()) {
        (Some(carried), true) => match carried {
            Carried::Sticker => tr.t(S::PreviewSticker).to_owned(),
            Carried::Photo => tr.t(S::PreviewPhoto).to_owned(),
            Carried::Video => tr.t(S::PreviewVideo).to_owned(),
            Carried::Voice => tr.t(S::PreviewVoice).to_owned(),
            Carried::File(name) => tr.f(S::PreviewFile, &[name]),
            Carried::Place(name) => tr.f(S::PreviewPlace, &[name]),
            Carried::Link(name) => tr.f(S::PreviewLink, &[name]),
            // A removed comment is no unsent message.
            Carried::Removed if conversation.post_id.is_some() => {
                tr.t(S::PreviewCommentRemoved).to_owned()
            }
            Carried::Removed => tr.t(S::PreviewRemoved).to_owned(),
        },
        _ => conversation.snippet.clone(),
    }
}

/// A message as text: its words, then placeholders for a sticker or attachments.
pub fn message_text(tr: Tr, message: &MessageRow) -> String {
    if message.unavailable {
        return format!("[{}]", tr.t(S::Unavailable));
    }
    if message.removed && message.comment {
        return tr.t(S::CommentRemoved).to_owned();
    }
    if message.removed {
        return tr.t(S::Removed).to_owned();
    }
    let mut parts = Vec::new();
    if !message.text.is_empty() {
        parts.push(message.text.clone());
    }
    if message.sticker.is_some() {
        parts.push(tr.t(S::Sticker).to_owned());
    }
    for attachment in &message.attachments {
        let name = attachment.name.clone().unwrap_or_default();
        match attachment.kind {
            Some(AttachmentKind::Place) => {
                let place = [Some(name), attachment.place.clone()];
                let place: Vec<String> = place.into_iter().flatten().collect();
                parts.push(tr.f(S::Place, &[&place.join(" ")]));
                continue;
            }
            Some(AttachmentKind::Link) => {
                let link = [Some(name), attachment.url.clone()];
                let link: Vec<String> = link.into_iter().flatten().collect();
                parts.push(tr.f(S::Link, &[&link.join(" ").trim()]));
                continue;
            }
            None => {}
        }
        let kind = match attachment.mime_type.as_deref() {
            Some(m) if m.starts_with("image/") => S::Image,
            Some(m) if m.starts_with("video/") => S::Video,
            Some(m) if m.starts_with("audio/") => S::Voice,
            _ => S::File,
        };
        // Name, type and size, as far as Facebook said them.
        let mut about: Vec<String> = attachment.name.iter().cloned().collect();
        if kind == S::File
            && let Some(mime) = &attachment.mime_type
        {
            about.push(mime.clone());
        }
        if let Some(size) = attachment.size.filter(|s| *s > 0) {
            about.push(file_size(size));
        }
        parts.push(tr.f(kind, &[&about.join(", ")]).replace(": ]", "]"));
    }
    for share in &message.shares {
        let shown = match &share.name {
            Some(name) => format!("{name} {}", share.link),
            None => share.link.clone(),
        };
        parts.push(tr.f(S::Link, &[&shown]));
    }
    parts.join(" ")
}

/// A thread's line in a list: its post's first `post_width` columns, then what was said last.
pub fn thread_preview(tr: Tr, conversation: &ConversationRow, post_width: usize) -> String {
    let post = conversation.post_words.as_deref().unwrap_or_default();
    let post = crate::text::fit(post.trim(), post_width)
        .trim_end()
        .to_owned();
    let said = preview(tr, conversation);
    match post.is_empty() {
        true => said,
        false => tr.f(S::CommentPreview, &[&post, &said]),
    }
}

/// The stats' lines about comments: per page, then per staff member, how many comments were
/// answered and how long one waited for its answer (median). Nothing when none was.
pub fn comment_stats(tr: Tr, stats: &Stats) -> Vec<String> {
    let rows: Vec<_> = stats
        .pages
        .iter()
        .chain(&stats.staff)
        .filter(|row| row.comments_answered > 0)
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![tr.t(S::StatsComments).to_owned()];
    for row in rows {
        let median = row
            .comment_response_median_s
            .map_or_else(|| tr.t(S::NotApplicable).to_owned(), |s| tr.span_precise(s));
        lines.push(format!(
            "  {}",
            tr.f(
                S::StatsCommentsLine,
                &[&who(tr, &row.name), &row.comments_answered, &median]
            )
        ));
    }
    lines
}

/// The orders of the period, per page then per staff member: how many, what they bring, and
/// the share of their conversations that ended in one. Nothing when none was taken.
pub fn order_stats(tr: Tr, stats: &Stats) -> Vec<String> {
    if stats.pages.iter().all(|row| row.orders == 0) {
        return Vec::new();
    }
    let mut lines = vec![tr.t(S::StatsOrders).to_owned()];
    // A page's share: of its conversations in the period, those that ended in an order.
    for row in stats.pages.iter().filter(|row| row.conversations > 0) {
        let all = row.conversations;
        let share = (row.ordered_conversations * 100 + all / 2) / all;
        lines.push(format!(
            "  {}",
            tr.f(
                S::StatsOrdersLine,
                &[
                    &row.name,
                    &row.orders,
                    &crate::orders::dong(row.revenue),
                    &row.ordered_conversations,
                    &all,
                    &format!("{}%", share.min(100)),
                ],
            )
        ));
    }
    // A staff member's: the orders they took.
    for row in stats.staff.iter().filter(|row| row.orders > 0) {
        lines.push(format!(
            "  {}",
            tr.f(
                S::StatsOrdersOnly,
                &[
                    &who(tr, &row.name),
                    &row.orders,
                    &crate::orders::dong(row.revenue)
                ],
            )
        ));
    }
    lines
}

/// A staff member as the numbers name them: replies typed in Facebook's own Page inbox are
/// no one's of the team, named so in the staff's language.
pub fn who(tr: Tr, name: &str) -> String {
    match name {
        crate::store::REPLIED_IN_FACEBOOK => tr.t(S::RepliedInFacebook).to_owned(),
        name => name.to_owned(),
    }
}

/// Where an order's `[orders] on_confirm` command is, if it has one: due, done, failed (with
/// why, and how to run it again) or started and never heard back.
pub fn order_hook(
    tr: Tr,
    order: &crate::store::orders::Order,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    // Before its deadline a command claimed is running; past it, its engine died while it ran
    // (a few seconds' grace for the engine to say how it went).
    let running = order
        .hook_deadline_at
        .is_some_and(|deadline| now <= deadline + chrono::Duration::seconds(5));
    Some(match (order.hook_state.as_deref()?, &order.hook_error) {
        ("failed", why) => tr.f(
            S::OrderHookFailed,
            &[&why.as_deref().unwrap_or("?"), &order.id],
        ),
        ("running", _) if running => tr.t(S::OrderHookStarted).to_owned(),
        ("running", _) => tr.f(S::OrderHookRunning, &[&order.id]),
        ("due", _) => tr.t(S::OrderHookDue).to_owned(),
        ("done", _) => tr.t(S::OrderHookDone).to_owned(),
        _ => return None,
    })
}
