//! What the inbox says about the pages and about itself, in words at a width: each page's
//! sync state, why a page does not sync, the token banners, a notice too long for its line,
//! the banner over the open conversation. The view draws them; the state counts their lines
//! for the layout.

use unicode_width::UnicodeWidthStr;

use super::app::App;
use super::clock::Clock;
use crate::i18n::S;
use crate::model::SyncErrorKind;

/// Each page's sync state in words.
pub fn page_state(app: &App, index: usize, clock: Clock) -> (String, bool) {
    let tr = app.tr;
    let page = &app.sidebar.pages[index];
    let name = page.name.as_str();
    if let Some(until) = page.sync.rate_limited_until.filter(|u| *u > clock.now) {
        let at = clock.hm(until);
        return (tr.f(S::RateLimited, &[&name, &at]), true);
    }
    let since = failing_since(app, index, clock);
    match page.sync.last_error_kind {
        Some(SyncErrorKind::Token) => return (tr.f(S::TokenProblem, &[&name]), true),
        Some(SyncErrorKind::Transient) => {
            return (tr.f(S::FacebookSlow, &[&name, &since]), true);
        }
        Some(SyncErrorKind::Permission) => {
            return (tr.f(S::PermissionMissing, &[&name, &since]), true);
        }
        Some(_) => return (tr.f(S::SyncFailed, &[&name, &since]), true),
        None => {}
    }
    if let Some((_, since)) = &page.comments_problem {
        return (tr.f(S::CommentsFailing, &[&name, &clock.hm(*since)]), true);
    }
    if page.syncing {
        return (tr.f(S::Syncing, &[&name]), false);
    }
    if let (Some(last), Some(_)) = (page.webhooks.last_event, page.webhooks.missed_since) {
        return (tr.f(S::WebhooksMissed, &[&name, &clock.hm(last)]), true);
    }
    match page.sync.last_success {
        Some(at) if page.webhooks.live() => (
            tr.f(S::SyncedLive, &[&name, &tr.span_precise(clock.since(at))]),
            false,
        ),
        Some(at) => (
            tr.f(S::Synced, &[&name, &tr.span_precise(clock.since(at))]),
            false,
        ),
        None => (tr.f(S::NotSyncedYet, &[&name]), false),
    }
}

/// Since when a failing page fails: its first failure after its last success (for a database
/// from before that was kept: its last attempt).
fn failing_since(app: &App, index: usize, clock: Clock) -> String {
    let sync = &app.sidebar.pages[index].sync;
    sync.failing_since
        .or(sync.last_attempt)
        .map_or_else(|| "?".to_owned(), |at| clock.hm(at))
}

/// Why each failing page shown does not sync, whole: the selected page, or every page under
/// All pages. A token problem has its banner at the top instead.
pub fn problem_details(app: &App, clock: Clock) -> Vec<String> {
    page_problems(app, clock, false)
}

/// Why each failing page shown does not sync, token problems included: what `w` lists.
pub fn why_details(app: &App, clock: Clock) -> Vec<String> {
    // This inbox cannot read the database: what it shows of the pages is from before, and no
    // page can be said to sync from here.
    let unread = app
        .status
        .database_down
        .as_ref()
        .map(|at| app.tr.f(S::WhyNoDatabase, &[at]));
    unread
        .into_iter()
        .chain(page_problems(app, clock, true))
        .collect()
}

fn page_problems(app: &App, clock: Clock, with_tokens: bool) -> Vec<String> {
    (0..app.sidebar.pages.len())
        .filter(|i| app.sidebar.page.is_none_or(|selected| selected == *i))
        .filter_map(|i| {
            let page = &app.sidebar.pages[i];
            // Messenger syncing, the comments not: said apart.
            let Some(error) = page.sync.last_error.as_deref() else {
                let (why, since) = page.comments_problem.as_ref()?;
                return Some(
                    app.tr
                        .f(S::WhyNoComments, &[&page.name, &clock.hm(*since), why]),
                );
            };
            if page.sync.last_error_kind == Some(SyncErrorKind::Token) {
                return with_tokens.then(|| app.tr.f(S::TokenBanner, &[&page.name]));
            }
            let (state, _) = page_state(app, i, clock);
            Some(app.tr.f(S::WhyNotSyncing, &[&state, &error]))
        })
        .collect()
}

/// The details' lines at `width` columns.
pub fn problem_lines(app: &App, width: u16, clock: Clock) -> Vec<String> {
    problem_details(app, clock)
        .iter()
        .flat_map(|text| crate::ui::chat::wrap(text, usize::from(width)))
        .collect()
}

/// The most lines a notice takes: a warning longer than the line (quitting with replies not
/// sent, in Vietnamese) is read whole, its key included.
const NOTICE_LINES: usize = 3;

/// A notice too long for the status line beside what it shows on the right, wrapped over the
/// whole width; `None` when it fits (or there is none). One carrying a link stays on its line,
/// where the link is made clickable whole.
pub fn wrapped_notice(app: &App, width: u16, clock: Clock) -> Option<Vec<String>> {
    let notice = app
        .notice()
        .filter(|_| app.search.typing.is_none() && app.status.link.is_none())?;
    let width = usize::from(width);
    if notice.width() + status_right(app, clock).width() <= width {
        return None;
    }
    let mut lines = crate::ui::chat::wrap(notice, width);
    lines.truncate(NOTICE_LINES);
    Some(lines)
}

/// The status line's right end: the spam conversations waiting, and when the next is due.
pub fn status_right(app: &App, clock: Clock) -> String {
    let waiting: Vec<_> = app
        .sidebar
        .pages
        .iter()
        .filter(|p| p.spam_sync)
        .flat_map(|p| p.waiting.iter())
        .collect();
    match waiting.iter().map(|w| w.due_time).min() {
        Some(next) => {
            let at = clock.hm(next);
            format!(" {}", app.tr.f(S::SpamWaiting, &[&waiting.len(), &at]))
        }
        None => String::new(),
    }
}

/// The banner of each page whose token stopped working, wrapped at `width` columns.
pub fn token_banners(app: &App, width: u16) -> Vec<String> {
    app.sidebar
        .pages
        .iter()
        .filter(|p| p.sync.last_error_kind == Some(SyncErrorKind::Token))
        .flat_map(|p| {
            crate::ui::chat::wrap(&app.tr.f(S::TokenBanner, &[&p.name]), usize::from(width))
        })
        .collect()
}

/// The banner over the open conversation, if it needs one, and whether it warns of an error.
pub fn chat_banner(app: &App, clock: Clock) -> Option<(String, bool)> {
    let open = app.chat.open.as_ref()?;
    let tr = app.tr;
    if let Some(under) = &open.under_post {
        if let Some((asked, why)) = &under.moderation_refused {
            let why = match crate::model::ReplyProblem::parse(why) {
                Some(problem) => tr.reply_problem(Some(problem), why, |t| clock.hm(t)),
                None => tr.f(S::FacebookRefusedCode, &[why]),
            };
            let refused = match asked {
                crate::model::Moderation::Hide => S::HideRefused,
                crate::model::Moderation::Show => S::ShowRefused,
                crate::model::Moderation::Like => S::LikeRefused,
            };
            return Some((tr.f(refused, &[&why]), true));
        }
        // What the page may do here, the private answer's rules included, before staff try.
        let private = match under.private_refusal {
            None => tr.t(S::ThreadPrivately).to_owned(),
            Some(crate::model::CommentRefusal::AnsweredPrivately) => {
                tr.t(S::ThreadAnsweredPrivately).to_owned()
            }
            Some(crate::model::CommentRefusal::TooOld) => tr.t(S::ThreadTooOldPrivately).to_owned(),
            Some(refusal) => tr.comment_refusal(refusal),
        };
        return Some((tr.f(S::ThreadBanner, &[&private]), false));
    }
    if !open.conversation.can_reply {
        Some((format!("⊘ {}", tr.t(S::CannotReplyBanner)), true))
    } else if open.conversation.spam {
        // Asking for a reply only where one can be sent.
        let answerable = open
            .conversation
            .reply_to(app.settings.human_agent_tag)
            .allowed(clock.now)
            .is_ok();
        let words = if answerable {
            S::SpamBanner
        } else {
            S::SpamBannerClosed
        };
        Some((format!("⚑ {}", tr.t(words)), false))
    } else {
        let held = open.conversation.held_by.as_ref()?;
        let since = clock.hm(held.since);
        Some(match &held.app_id {
            Some(app) => (tr.f(S::HeldByApp, &[app, &since]), false),
            None => (tr.f(S::HeldByUnnamed, &[&since]), false),
        })
    }
}
