//! The conversation list: who wrote, what, when, the spam mark and the reply window.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{filter_name, pane_block};
use crate::i18n::{S, Tr};
use crate::model::ReplyWindow;
use crate::store::{ConversationRow, Order};
use crate::text::fit;
use crate::ui::app::{App, Pane};
use crate::ui::clock::Clock;

/// What follows the buyer's words on a row's second line: who has it (bold) and, under All
/// pages, whose page, then the reply window. The buyer's words come first: they keep three
/// fifths of the row (or all they need), the page name giving way first (the chat's header says
/// it too), then the assignee's name shrinking.
fn row_tail(
    app: &App,
    conversation: &ConversationRow,
    window: &str,
    preview: &str,
    width: usize,
) -> (String, String) {
    let room = width.saturating_sub(2);
    let wanted = preview.width().min(room * 3 / 5);
    let page = (app.sidebar.page.is_none() && app.sidebar.pages.len() > 1)
        .then(|| fit(&conversation.page_name, 10).trim_end().to_owned());
    let assignee = |most: usize| {
        conversation
            .assignee
            .as_ref()
            .map(|name| format!(" →{}", fit(name, most).trim_end()))
            .unwrap_or_default()
    };
    let with_page = |page: Option<&String>| match (page, window.is_empty()) {
        (Some(page), false) => format!(" {page} · {window}"),
        (Some(page), true) => format!(" {page}"),
        (None, _) => format!(" {window}"),
    };
    let tails = [
        (assignee(10), with_page(page.as_ref())),
        (assignee(10), with_page(None)),
        (assignee(4), with_page(None)),
    ];
    let fits = |(assignee, window): &(String, String)| {
        room.saturating_sub(assignee.width() + window.width()) >= wanted
    };
    let [.., narrowest] = &tails;
    let chosen = tails.iter().find(|tail| fits(tail)).unwrap_or(narrowest);
    chosen.clone()
}

/// How much of a thread's post its row shows, in columns.
const POST_WORDS: usize = 14;

/// Time left to reply as a plain `RESPONSE`, "tag" while only HUMAN_AGENT may (and the page
/// may use it), "closed" after, or "no reply" when Facebook says the person cannot be messaged.
pub(super) fn reply_window(
    tr: Tr,
    conversation: &ConversationRow,
    human_agent_tag: bool,
    clock: Clock,
) -> String {
    if !conversation.can_reply {
        return tr.t(S::WindowCannot).to_owned();
    }
    let tag_usable = human_agent_tag && !conversation.human_agent_refused;
    match ReplyWindow::at(conversation.last_customer_message_time, clock.now) {
        ReplyWindow::Open { left } => tr.f(S::WindowLeft, &[&tr.span(left.num_seconds())]),
        ReplyWindow::HumanAgentOnly if tag_usable => tr.t(S::WindowTag).to_owned(),
        // The page wrote first (a private answer to a comment): it opens when they answer.
        ReplyWindow::NeverWrote => tr.t(S::WindowNotYet).to_owned(),
        _ => tr.t(S::WindowClosed).to_owned(),
    }
}

/// A conversation's labels in `room` columns, each after a space: the first cut rather than
/// left out, then `+N` for those that do not fit. Returns the spans and the columns they take.
fn label_chips(
    app: &App,
    labels: &[crate::model::Label],
    room: usize,
) -> (Vec<Span<'static>>, usize) {
    let mut chips = Vec::new();
    let mut used = 0;
    for (index, span) in crate::ui::windows::label_spans(app, labels)
        .into_iter()
        .enumerate()
    {
        let left = labels.len() - index;
        let more = if left > 1 { 3 } else { 0 };
        let span = if index == 0 && 1 + span.width() + more > room && room > more + 6 {
            let cut = fit(&span.content, room - more - 3);
            Span::styled(format!("{}]", cut.trim_end()), span.style)
        } else {
            span
        };
        if used + 1 + span.width() + more > room {
            let rest = format!(" +{left}");
            if used + rest.width() <= room {
                used += rest.width();
                chips.push(Span::styled(rest, app.theme.dim()));
            }
            break;
        }
        used += 1 + span.width();
        chips.push(Span::raw(" "));
        chips.push(span);
    }
    (chips, used)
}

pub(super) fn draw_list(frame: &mut Frame, app: &App, area: Rect, clock: Clock) {
    let tr = app.tr;
    let mut listed = format!(
        "{} ({})",
        tr.t(filter_name(app.list.filter)),
        app.list.total()
    );
    // Narrowed to labels: which, and whether any or all of them.
    if !app.list.label_filter.is_empty() {
        let names: Vec<&str> = app
            .labels
            .iter()
            .filter(|l| app.list.label_filter.contains(&l.id))
            .map(|l| l.name.as_str())
            .collect();
        let how = tr.t(super::label_match_name(app.list.label_match));
        listed = format!(
            "{listed} · {}",
            tr.f(S::LabelsFiltered, &[&names.join(", "), &how])
        );
    }
    let title = match app.list.order {
        Order::Newest => format!("{} · {listed}", tr.t(S::Conversations)),
        Order::LongestWaiting => format!("{listed} · {}", tr.t(S::LongestWaitingFirst)),
    };
    let block = pane_block(app, title, Pane::List);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.list.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(tr.t(S::NoConversations)).style(app.theme.dim()),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    for (offset, conversation) in app.list.rows.iter().enumerate() {
        let selected = app.list.top + offset == app.list.selected;
        let unread = conversation.unread_count > 0;
        // An unanswered customer: how long they have waited; else (or done: staff said nothing
        // more is owed) the last activity.
        let waiting_since = conversation.waiting_since.filter(|_| !conversation.done);
        let time = match waiting_since {
            // Under a minute, the buyer has just written.
            Some(since) if clock.since(since) < 60 => tr.t(S::WaitingJustNow).to_owned(),
            Some(since) => tr.f(S::Waiting, &[&tr.span(clock.since(since))]),
            None => tr.span(clock.since(conversation.updated_time)),
        };
        let spam = if conversation.spam {
            format!("{} ", tr.t(S::SpamMark))
        } else {
            String::new()
        };
        let dot = if unread { "● " } else { "  " };
        // A reply Facebook did not take: said on the row, in full where the name keeps its room.
        let failed = match conversation.failed_reply {
            true => format!(" {}", tr.t(S::FailedMark)),
            false => String::new(),
        };
        // When they last wrote too, if that was later than the wait began and there is room
        // beside the whole name.
        let last_wrote = match (waiting_since, conversation.last_customer_message_time) {
            (Some(since), Some(last)) if (last - since).num_seconds() >= 60 => {
                Some(tr.span(clock.since(last)))
            }
            _ => None,
        };
        let time = match last_wrote {
            Some(last)
                if width
                    >= dot.width()
                        + conversation.customer_name.width()
                        + failed.width()
                        + spam.width()
                        + time.width()
                        + last.width()
                        + 5 =>
            {
                format!("{last} · {time}")
            }
            _ => time,
        };
        let name_room = |failed: &str| {
            width.saturating_sub(failed.width() + spam.width() + time.width() + dot.width() + 1)
        };
        let failed = match failed.is_empty() {
            false if name_room(&failed) < conversation.customer_name.width().min(14) => {
                " ✗".to_owned()
            }
            _ => failed,
        };
        let right = format!("{failed} {spam}{time}");
        // Its labels between the whole name and the time, as many as fit.
        let free =
            width.saturating_sub(right.width() + dot.width() + conversation.customer_name.width());
        let (chips, used) = label_chips(app, &conversation.labels, free);
        let name_width = width.saturating_sub(right.width() + dot.width() + used);
        let name_style = if unread {
            app.theme.bold()
        } else {
            app.theme.normal()
        };
        let mut first = vec![
            Span::styled(dot, app.theme.unread()),
            Span::styled(fit(&conversation.customer_name, name_width), name_style),
        ];
        first.extend(chips);
        if !failed.is_empty() {
            first.push(Span::styled(failed, app.theme.error()));
        }
        if conversation.spam {
            first.push(Span::raw(" "));
            first.push(Span::styled(spam.trim_end().to_owned(), app.theme.spam()));
            first.push(Span::styled(format!(" {time}"), app.theme.dim()));
        } else {
            first.push(Span::styled(format!(" {time}"), app.theme.dim()));
        }
        // A thread of comments is answered under its post, where no window closes.
        let (window, preview) = match conversation.post_id {
            // Which post, in a few words: the same person under two posts is two rows.
            Some(_) => (
                String::new(),
                // A narrow list keeps room for what the buyer said after the post's words.
                crate::ui::words::thread_preview(tr, conversation, POST_WORDS.min(width / 3)),
            ),
            None => (
                reply_window(tr, conversation, app.settings.human_agent_tag, clock),
                crate::ui::words::preview(tr, conversation),
            ),
        };
        // Where its order is, at a glance, before what was said last.
        let preview = match conversation.order_state {
            Some(state) => tr.f(S::OrderMark, &[&tr.order_state(state), &preview]),
            None => preview,
        };
        let (assignee, window) = row_tail(app, conversation, &window, &preview, width);
        let snippet_width = width.saturating_sub(window.width() + 2 + assignee.width());
        let mut second = vec![
            Span::raw("  "),
            Span::styled(fit(&preview, snippet_width), app.theme.dim()),
        ];
        second.push(Span::styled(assignee, app.theme.bold()));
        second.push(Span::styled(window, app.theme.dim()));
        let (mut first, mut second) = (Line::from(first), Line::from(second));
        if selected {
            first = first.style(app.theme.selected());
            second = second.style(app.theme.selected());
        }
        lines.push(first);
        lines.push(second);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
