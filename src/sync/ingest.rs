//! Turning what Facebook sent into what the store keeps: the one place where untrusted text is
//! cleaned on its way in.

use chrono::DateTime;

use crate::graph;
use crate::model::{Attachment, AttachmentKind, Direction, Folder, PageId, Referral};
use crate::store::comments::{CommentEvent, CommentRead, PostRead};
use crate::store::{Amend, ConversationUpdate, KeptChange, NewMessage, QueuedMessage, SharedLink};
use crate::text::{clean, clean_line, web_link};

/// The conversation as the store will keep it, or `None` when Facebook sent no customer
/// (a conversation with no participant other than the page cannot be answered).
pub fn conversation_update(
    page_id: &PageId,
    folder: Folder,
    conversation: &graph::Conversation,
) -> Option<ConversationUpdate> {
    let customer = conversation.customer(page_id)?;
    let mut messages: Vec<NewMessage> = conversation
        .messages
        .data
        .iter()
        .map(|m| message(page_id, m))
        .collect();
    // Facebook lists newest first; the store wants them in the order they were written.
    messages.reverse();
    let newest = messages.last().map(|m| m.created_time);
    Some(ConversationUpdate {
        id: conversation.id.clone(),
        page_id: page_id.to_owned(),
        folder,
        // PSIDs are Facebook's digits; whatever else comes is untrusted text.
        customer_id: clean_line(&customer.id).into(),
        customer_name: clean_line(customer.name.as_deref().unwrap_or(&customer.id)),
        snippet: clean_line(conversation.snippet.as_deref().unwrap_or_default()),
        updated_time: conversation
            .updated_time
            .or(newest)
            .unwrap_or(DateTime::UNIX_EPOCH),
        unread_estimate: conversation.unread_count.unwrap_or(0),
        can_reply: conversation.can_reply.unwrap_or(true),
        messages,
    })
}

/// A message as the store keeps it. Without `from` it has no details (Facebook details only a
/// conversation's 20 most recent): it is kept as a mark that says so, with its time.
pub fn message(page_id: &PageId, m: &graph::Message) -> NewMessage {
    let Some(from) = m.from.as_ref() else {
        return NewMessage {
            fb_id: m.id.clone(),
            direction: Direction::In,
            from_id: String::new(),
            from_name: String::new(),
            text: String::new(),
            sticker: None,
            attachments: Vec::new(),
            shares: Vec::new(),
            created_time: m.created_time,
            unavailable: true,
            reply_to: None,
        };
    };
    // A sticker may come as a picture Facebook says to draw as a sticker.
    let (stickers, files): (Vec<_>, Vec<_>) = m.attachments.data.iter().partition(|a| {
        a.image_data
            .as_ref()
            .is_some_and(|i| i.render_as_sticker && i.url.is_some())
    });
    let drawn_as_sticker = stickers
        .first()
        .and_then(|a| a.image_data.as_ref()?.url.as_deref())
        .and_then(web_link);
    let attachments = files.into_iter().map(attachment).collect();
    NewMessage {
        fb_id: m.id.clone(),
        direction: if page_id == from.id.as_str() {
            Direction::Out
        } else {
            Direction::In
        },
        from_id: clean_line(&from.id),
        from_name: clean_line(from.name.as_deref().unwrap_or(&from.id)),
        text: clean(m.message.as_deref().unwrap_or_default()),
        sticker: m.sticker.as_deref().and_then(web_link).or(drawn_as_sticker),
        attachments,
        shares: m
            .shares
            .data
            .iter()
            .filter_map(|share| {
                Some(SharedLink {
                    link: clean_line(share.link.as_deref()?),
                    name: share.name.as_deref().map(clean_line),
                })
            })
            .collect(),
        created_time: m.created_time,
        unavailable: false,
        reply_to: None,
    }
}

/// What came with a message, in the shape pagedesk keeps: one link and one preview, whichever
/// of image, video or file data Facebook sent them in; a link that is no web link is dropped.
fn attachment(a: &graph::Attachment) -> Attachment {
    let image = a.image_data.as_ref();
    let video = a.video_data.as_ref();
    Attachment {
        mime_type: a.mime_type.as_deref().map(clean_line),
        name: a.name.as_deref().map(clean_line),
        size: a.size,
        url: image
            .and_then(|i| i.url.as_deref())
            .or_else(|| video.and_then(|v| v.url.as_deref()))
            .or(a.file_url.as_deref())
            .and_then(web_link),
        preview_url: image
            .and_then(|i| i.preview_url.as_deref())
            .or_else(|| video.and_then(|v| v.preview_url.as_deref()))
            .and_then(web_link),
        kind: None,
        place: None,
    }
}

/// A message a webhook event carried, as it waits for its conversation. Names are the
/// conversation's to give (events carry none); the event says only what kind of file came, so
/// the MIME type is the kind's (`image/*`) until Facebook's own copy is read.
pub fn event_message(event: &graph::EventMessage) -> QueuedMessage {
    let mut sticker = None;
    let mut attachments = Vec::new();
    for a in &event.attachments {
        let url = a.url.as_deref().and_then(web_link);
        if a.sticker {
            sticker = sticker.or(url);
            continue;
        }
        let mime_type = match a.kind.as_str() {
            kind @ ("image" | "video" | "audio") => Some(format!("{kind}/*")),
            _ => None,
        };
        // What is not a file is named by its title and opened at its link: a place, or a
        // template, product or `fallback` (a shared link).
        let kind = match a.kind.as_str() {
            "location" => Some(AttachmentKind::Place),
            "template" | "fallback" | "product" => Some(AttachmentKind::Link),
            _ => None,
        };
        attachments.push(Attachment {
            mime_type,
            name: a.title.as_deref().map(clean_line),
            size: None,
            url,
            preview_url: None,
            kind,
            place: a
                .coordinates
                .filter(|(lat, long)| lat.is_finite() && long.is_finite())
                .map(|(lat, long)| format!("{lat:.5}, {long:.5}")),
        });
    }
    let (direction, from_id) = if event.echo {
        (Direction::Out, event.page_id.to_string())
    } else {
        (Direction::In, event.person_id.to_string())
    };
    QueuedMessage {
        page_id: clean_id(&event.page_id),
        person_id: clean_id(&event.person_id),
        message: NewMessage {
            // As Facebook's own copy names it, so that the two are one message.
            fb_id: event.mid.clone(),
            direction,
            from_id: clean_line(&from_id),
            from_name: String::new(),
            text: clean(event.text.as_deref().unwrap_or_default()),
            sticker,
            attachments,
            shares: Vec::new(),
            created_time: believable(event.sent_at),
            unavailable: false,
            reply_to: event.reply_to.as_ref().map(clean_id),
        },
    }
}

/// A change an event told, cleaned, for the store; `our_app`: this pagedesk's app id, when
/// the config names it (conversation routing says which app has a conversation).
pub fn event_change(event: &graph::EventChange, our_app: Option<&str>) -> KeptChange {
    let change = match &event.change {
        graph::Change::Edited {
            mid,
            text,
            edit_count,
        } => Amend::Edited {
            mid: clean_id(mid),
            text: clean(text),
            edit_count: *edit_count,
        },
        graph::Change::Unsent { mid } => Amend::Unsent { mid: clean_id(mid) },
        graph::Change::Reacted {
            mid,
            by_page,
            emoji,
        } => Amend::Reacted {
            mid: clean_id(mid),
            reactor: clean_line(if *by_page {
                event.page_id.as_str()
            } else {
                event.person_id.as_str()
            }),
            emoji: emoji.as_deref().map(clean_line).filter(|e| !e.is_empty()),
        },
        graph::Change::Referred(r) => Amend::Referred(Referral {
            source: clean_line(&r.source),
            reference: r.reference.as_deref().map(clean_line),
            ad_id: r.ad_id.as_deref().map(clean_line),
            ad_title: r.ad_title.as_deref().map(clean_line),
            photo_url: r.photo_url.as_deref().and_then(web_link),
            post_id: r.post_id.as_deref().map(clean_line),
            product_id: r.product_id.as_deref().map(clean_line),
            at: believable(event.at),
        }),
        // Facebook tells the app a conversation is passed to: this one, unless the config
        // names this app and the event names another.
        graph::Change::Passed { to } => {
            let app = to.as_deref().map(clean_line);
            Amend::Routed {
                ours: match (our_app, &app) {
                    (Some(ours), Some(to)) => ours == to,
                    _ => true,
                },
                app_id: app,
            }
        }
        graph::Change::HeldElsewhere { by } => Amend::Routed {
            app_id: by.as_deref().map(clean_line),
            ours: false,
        },
    };
    KeptChange {
        page_id: clean_id(&event.page_id),
        person_id: clean_id(&event.person_id),
        at: believable(event.at),
        change,
    }
}

/// How far back an event's time is believed: Facebook delivers within seconds, and retries a
/// failed delivery for hours, not weeks.
const EVENTS_COME_WITHIN: chrono::Duration = chrono::Duration::days(7);

/// An event's time as kept. One in the future (a wrong clock, odd data) would keep the
/// conversation on top and its reply window open for years; one from before Facebook could
/// still be delivering it (1970, year 0) would put it first in the chat and make a buyer wait
/// for decades: either is taken as the time it came.
/// A post as read with its comments (newest first, as listed), cleaned for the store: every
/// word and name in it is a buyer's or the page's, untrusted.
pub fn post(
    page_id: &PageId,
    post: &graph::comments::Post,
    comments: &[graph::comments::Comment],
    complete: bool,
) -> PostRead {
    let mut comments: Vec<CommentRead> = comments
        .iter()
        .map(|c| {
            let (from_id, from_name) = match &c.from {
                Some(author) => (
                    clean_line(&author.id),
                    clean_line(author.name.as_deref().unwrap_or(&author.id)),
                ),
                // Facebook names the author only to the post's page: unnamed, it is someone.
                None => (String::new(), String::new()),
            };
            CommentRead {
                id: clean_id(&c.id),
                parent: c.parent.as_ref().map(|p| clean_line(&p.id).into()),
                from_id,
                from_name,
                message: clean(c.message.as_deref().unwrap_or_default()),
                created_time: not_ahead(c.created_time),
                hidden: c.is_hidden,
                liked: c.user_likes,
            }
        })
        .filter(|c| !c.from_id.is_empty())
        .collect();
    comments.sort_by_key(|c| c.created_time);
    PostRead {
        id: clean_id(&post.id),
        page_id: page_id.clone(),
        message: clean(post.message.as_deref().unwrap_or_default()),
        created_time: not_ahead(post.created_time),
        updated_time: post.updated_time,
        comment_count: post.comments.summary.as_ref().and_then(|s| s.total_count),
        permalink: post.permalink_url.as_deref().and_then(web_link),
        picture: post.full_picture.as_deref().and_then(web_link),
        comments,
        complete,
    }
}

/// A comment the `feed` webhook told of, cleaned for the store.
pub fn event_comment(event: &graph::EventComment) -> CommentEvent {
    CommentEvent {
        page_id: clean_id(&event.page_id),
        post_id: clean_id(&event.post_id),
        verb: event.verb,
        comment: CommentRead {
            id: clean_id(&event.comment_id),
            parent: event.parent_id.as_ref().map(clean_id),
            from_id: clean_line(event.from_id.as_deref().unwrap_or_default()),
            from_name: clean_line(
                event
                    .from_name
                    .as_deref()
                    .or(event.from_id.as_deref())
                    .unwrap_or_default(),
            ),
            message: clean(event.message.as_deref().unwrap_or_default()),
            // A comment's age decides whether it may still be answered privately: Facebook's
            // time is kept however old (an edit of an old comment, a post's old thread).
            created_time: not_ahead(event.created_time.unwrap_or_else(chrono::Utc::now)),
            hidden: event.verb == graph::CommentVerb::Hide,
            liked: false,
        },
    }
}

/// An id as Facebook sent it, cleaned like any text a buyer controls.
fn clean_id<I: AsRef<str> + From<String>>(id: &I) -> I {
    clean_line(id.as_ref()).into()
}

/// A time Facebook lists, no later than now (its clock and ours differ; a post or comment of
/// any age is as old as it says).
fn not_ahead(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    at.min(chrono::Utc::now())
}

fn believable(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    if at > now || at < now - EVENTS_COME_WITHIN {
        now
    } else {
        at
    }
}

#[cfg(test)]
mod event_time_tests {
    use super::*;

    fn sent_at(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        let event = graph::EventMessage {
            page_id: "p".into(),
            person_id: "u".into(),
            echo: false,
            mid: "m_1".into(),
            text: Some("alo".into()),
            attachments: Vec::new(),
            reply_to: None,
            sent_at: at,
        };
        event_message(&event).message.created_time
    }

    #[test]
    fn an_event_time_facebook_could_not_be_delivering_now_is_taken_as_its_arrival() {
        let now = chrono::Utc::now();
        let near = |t: chrono::DateTime<chrono::Utc>| (t - now).num_seconds().abs() < 5;
        assert!(near(sent_at(chrono::DateTime::UNIX_EPOCH)), "1970");
        assert!(
            near(sent_at(now + chrono::Duration::days(3650))),
            "the future"
        );
        assert!(
            near(sent_at(now - chrono::Duration::days(30))),
            "a month ago"
        );
        let an_hour_ago = now - chrono::Duration::hours(1);
        assert_eq!(sent_at(an_hour_ago), an_hour_ago, "a retried delivery");
    }
}
