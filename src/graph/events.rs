//! Webhook bodies as Facebook sends them (`object: "page"`): each `entry` and each of its
//! `messaging` or `standby` items on its own. What pagedesk keeps: messages and echoes, what a
//! buyer changes afterwards (an edit, an unsend, a reaction), where they came from (an ad, a
//! link), and which app has the conversation under conversation routing. Everything here is
//! untrusted and cleaned where it is stored; an item pagedesk has no use for (reads,
//! deliveries, `policy_enforcement` without a sender, anything unknown or malformed) is skipped
//! without costing the others. Ids may come as JSON numbers in old payloads.

use crate::model::{CommentId, MessageId, PageId, PostId, Psid};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One message of a webhook event, as Facebook sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventMessage {
    pub page_id: PageId,
    /// The buyer: the sender of their message, the recipient of the page's echo.
    pub person_id: Psid,
    /// Sent by the page (from pagedesk, another app, or Facebook's Page inbox).
    pub echo: bool,
    pub mid: MessageId,
    pub text: Option<String>,
    pub attachments: Vec<EventAttachment>,
    /// `reply_to.mid`: the earlier message this one answers.
    pub reply_to: Option<MessageId>,
    pub sent_at: DateTime<Utc>,
}

/// `{"type":"image|video|audio|file|sticker|template|fallback|location","payload":{...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventAttachment {
    pub kind: String,
    pub url: Option<String>,
    /// A sticker: its own `type` since June 2026, an `image` with `sticker_id` before.
    pub sticker: bool,
    pub title: Option<String>,
    /// A location's `coordinates` (latitude, longitude).
    pub coordinates: Option<(f64, f64)>,
}

/// Where a person came from to the conversation: `referral`, alone (`messaging_referrals`) or
/// with their first message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventReferral {
    /// `ADS`, `SHORTLINK` (an m.me link), `CUSTOMER_CHAT_PLUGIN`, ...
    pub source: String,
    /// An m.me link's `ref`.
    pub reference: Option<String>,
    pub ad_id: Option<String>,
    pub ad_title: Option<String>,
    pub photo_url: Option<String>,
    pub post_id: Option<String>,
    pub product_id: Option<String>,
}

/// What an item says besides a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `message_edit`: the buyer changed a message's words (`num_edit` times so far).
    Edited {
        mid: MessageId,
        text: String,
        edit_count: i64,
    },
    /// A `message` with `is_deleted`: the buyer unsent it.
    Unsent {
        mid: MessageId,
    },
    /// `reaction`: an emoji put on a message (by the page, when `by_page`); `None`: taken off.
    Reacted {
        mid: MessageId,
        by_page: bool,
        emoji: Option<String>,
    },
    Referred(EventReferral),
    /// Conversation routing, `pass_thread_control`: the conversation was given to `to`
    /// (Facebook tells the app that receives it, so this one, usually).
    Passed {
        to: Option<String>,
    },
    /// Another app has the conversation: `take_thread_control` took it from this one, or a
    /// `standby` item came (named when that app's own message is the item).
    HeldElsewhere {
        by: Option<String>,
    },
}

/// A change, for the page and the person (the buyer's PSID) it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct EventChange {
    pub page_id: PageId,
    pub person_id: Psid,
    pub at: DateTime<Utc>,
    pub change: Change,
}

/// Everything a body carries that pagedesk keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookEvents {
    pub messages: Vec<EventMessage>,
    pub changes: Vec<EventChange>,
    /// Comments under the page's posts (`changes` of the `feed` field).
    pub comments: Vec<EventComment>,
}

/// A comment under a page's post, as the `feed` webhook tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventComment {
    pub page_id: PageId,
    pub post_id: PostId,
    pub comment_id: CommentId,
    /// The comment it answers; `None` for one on the post itself.
    pub parent_id: Option<CommentId>,
    /// Who wrote it (`from`, or `sender_id`/`sender_name` in older payloads).
    pub from_id: Option<String>,
    pub from_name: Option<String>,
    pub message: Option<String>,
    pub created_time: Option<DateTime<Utc>>,
    pub verb: CommentVerb,
}

/// What happened to the comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentVerb {
    Add,
    Edited,
    Remove,
    Hide,
    Unhide,
}

/// The app id of Facebook's own Page inbox, whose echoes (staff typing in Meta Business Suite)
/// say nothing of who has the conversation.
const PAGE_INBOX_APP: &str = "263902037430900";

fn id(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

pub fn webhook_events(body: &Value) -> WebhookEvents {
    let mut events = WebhookEvents::default();
    if body.get("object").and_then(Value::as_str) != Some("page") {
        return events;
    }
    let entries = body.get("entry").and_then(Value::as_array);
    for entry in entries.into_iter().flatten() {
        let Some(page_id) = entry.get("id").and_then(id) else {
            continue;
        };
        for field in ["messaging", "standby"] {
            let items = entry.get(field).and_then(Value::as_array);
            for item in items.into_iter().flatten() {
                read_item(
                    &PageId::from(&page_id),
                    item,
                    field == "standby",
                    &mut events,
                );
            }
        }
        let changes = entry.get("changes").and_then(Value::as_array);
        for change in changes.into_iter().flatten() {
            if change.get("field").and_then(Value::as_str) != Some("feed") {
                continue;
            }
            if let Some(comment) = change
                .get("value")
                .and_then(|value| comment_change(&PageId::from(&page_id), value))
            {
                events.comments.push(comment);
            }
        }
    }
    events
}

/// A `feed` change about a comment; reactions, shares and posts come through the same field
/// and are left out.
fn comment_change(page_id: &PageId, value: &Value) -> Option<EventComment> {
    if value.get("item").and_then(Value::as_str) != Some("comment") {
        return None;
    }
    let verb = match value.get("verb").and_then(Value::as_str)? {
        "add" => CommentVerb::Add,
        "edited" => CommentVerb::Edited,
        "remove" => CommentVerb::Remove,
        "hide" => CommentVerb::Hide,
        "unhide" => CommentVerb::Unhide,
        _ => return None,
    };
    let post_id = value.get("post_id").and_then(id)?;
    let parent_id = value
        .get("parent_id")
        .and_then(id)
        .filter(|parent| *parent != post_id)
        .map(CommentId::from);
    let from = value.get("from");
    let from_id = from
        .and_then(|f| f.get("id"))
        .or_else(|| value.get("sender_id"))
        .and_then(id);
    let from_name = from
        .and_then(|f| f.get("name"))
        .or_else(|| value.get("sender_name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some(EventComment {
        page_id: page_id.clone(),
        post_id: post_id.into(),
        comment_id: value.get("comment_id").and_then(id)?.into(),
        parent_id,
        from_id,
        from_name,
        message: value
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned),
        created_time: value
            .get("created_time")
            .and_then(Value::as_i64)
            .and_then(|s| DateTime::from_timestamp(s, 0)),
        verb,
    })
}

fn read_item(page_id: &PageId, item: &Value, standby: bool, events: &mut WebhookEvents) {
    let party = |field: &str| item.get(field).and_then(|p| p.get("id")).and_then(id);
    let (Some(sender), Some(recipient)) = (party("sender"), party("recipient")) else {
        return;
    };
    // The person is whoever is not the page: the sender of their message or reaction, the
    // recipient of the page's echo.
    let by_page = page_id == sender.as_str();
    let person_id = Psid::from(if by_page { recipient } else { sender });
    let at = item
        .get("timestamp")
        .and_then(Value::as_i64)
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_else(Utc::now);
    let mut change = |change: Change| {
        events.changes.push(EventChange {
            page_id: page_id.to_owned(),
            person_id: person_id.clone(),
            at,
            change,
        });
    };
    if standby {
        // Another app has the conversation: its own messages (echoes) name it.
        let to = item
            .get("message")
            .filter(|m| m.get("is_echo").and_then(Value::as_bool) == Some(true))
            .and_then(|m| m.get("app_id"))
            .and_then(id)
            .filter(|app| app != PAGE_INBOX_APP);
        change(Change::HeldElsewhere { by: to });
    }
    if let Some(referral) = item
        .get("referral")
        .or_else(|| item.get("message")?.get("referral"))
        .or_else(|| item.get("postback")?.get("referral"))
        .and_then(referral)
    {
        change(Change::Referred(referral));
    }
    // Only a buyer edits or unsends their own messages: the same from the page is not theirs.
    if let Some(edit) = item.get("message_edit").filter(|_| !by_page)
        && let (Some(mid), Some(text)) = (
            edit.get("mid").and_then(id).map(MessageId::from),
            text(edit.get("text")),
        )
    {
        let edit_count = edit.get("num_edit").and_then(Value::as_i64).unwrap_or(1);
        change(Change::Edited {
            mid,
            text,
            edit_count,
        });
    }
    if let Some(reaction) = item.get("reaction")
        && let Some(mid) = reaction.get("mid").and_then(id).map(MessageId::from)
    {
        let emoji = match reaction.get("action").and_then(Value::as_str) {
            Some("unreact") => None,
            _ => text(reaction.get("emoji"))
                .or_else(|| reaction_emoji(reaction.get("reaction")?.as_str()?)),
        };
        change(Change::Reacted {
            mid,
            by_page,
            emoji,
        });
    }
    if let Some(pass) = item.get("pass_thread_control") {
        let to = pass.get("new_owner_app_id").and_then(id);
        change(Change::Passed { to });
    }
    if item.get("take_thread_control").is_some() {
        change(Change::HeldElsewhere { by: None });
    }
    let Some(message) = item.get("message").filter(|m| m.is_object()) else {
        return;
    };
    let Some(mid) = message.get("mid").and_then(id).map(MessageId::from) else {
        return;
    };
    if message.get("is_deleted").and_then(Value::as_bool) == Some(true) {
        if !by_page {
            change(Change::Unsent { mid });
        }
        return;
    }
    let echo = message.get("is_echo").and_then(Value::as_bool) == Some(true);
    let attachments = message
        .get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(attachment)
        .collect();
    events.messages.push(EventMessage {
        page_id: page_id.to_owned(),
        person_id,
        echo,
        mid,
        text: message
            .get("text")
            .and_then(Value::as_str)
            .map(str::to_owned),
        attachments,
        reply_to: message
            .get("reply_to")
            .and_then(|r| r.get("mid"))
            .and_then(id)
            .map(MessageId::from),
        sent_at: at,
    });
}

/// A reaction Facebook names without its emoji.
fn reaction_emoji(name: &str) -> Option<String> {
    let emoji = match name {
        "love" => "❤",
        "smile" => "😆",
        "wow" => "😮",
        "sad" => "😢",
        "angry" => "😠",
        "like" => "👍",
        _ => return None,
    };
    Some(emoji.to_owned())
}

fn attachment(a: &Value) -> Option<EventAttachment> {
    let kind = a.get("type")?.as_str()?.to_owned();
    // A `fallback` may carry `payload: null` or a string: only an object has fields.
    let payload = a.get("payload").filter(|p| p.is_object());
    let field = |name: &str| text(payload.and_then(|p| p.get(name)));
    let sticker = kind == "sticker"
        || payload.is_some_and(|p| p.get("sticker_id").is_some_and(|s| !s.is_null()));
    // A template's first element (a product template's under `product`) names what was sent.
    let element = payload
        .and_then(|p| {
            p.get("elements")
                .or_else(|| p.get("product")?.get("elements"))
        })
        .and_then(Value::as_array)
        .and_then(|elements| elements.first());
    let element_link = element.and_then(|e| {
        text(e.get("default_action").and_then(|d| d.get("url"))).or_else(|| {
            e.get("buttons")?
                .as_array()?
                .iter()
                .find_map(|b| text(b.get("url")))
        })
    });
    let coordinates = payload
        .and_then(|p| p.get("coordinates"))
        .and_then(|c| Some((c.get("lat")?.as_f64()?, c.get("long")?.as_f64()?)));
    Some(EventAttachment {
        url: field("url")
            .or(element_link)
            .or_else(|| text(a.get("url")))
            .or_else(|| text(a.get("URL"))),
        title: field("title")
            .or_else(|| text(element?.get("title")))
            .or_else(|| text(a.get("title"))),
        sticker,
        coordinates,
        kind,
    })
}

fn referral(r: &Value) -> Option<EventReferral> {
    let context = r.get("ads_context_data");
    let of_ad = |name: &str| {
        text(context.and_then(|c| c.get(name))).or_else(|| context?.get(name).and_then(id))
    };
    Some(EventReferral {
        source: text(r.get("source"))?,
        reference: text(r.get("ref")),
        ad_id: r.get("ad_id").and_then(id),
        ad_title: of_ad("ad_title"),
        photo_url: of_ad("photo_url"),
        post_id: of_ad("post_id"),
        product_id: of_ad("product_id"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(body: (&str, Value)) -> Value {
        let mut item = json!({ "sender": { "id": "U1" }, "recipient": { "id": "P1" },
            "timestamp": 1_767_000_000_000_i64 });
        item[body.0] = body.1;
        item
    }

    #[test]
    fn every_kind_of_item_is_read_and_the_rest_skipped() {
        let body = json!({ "object": "page", "entry": [
            { "id": "P1", "time": 1, "messaging": [
                item(("read", json!({ "watermark": 1 }))),
                item(("message_edit", json!({ "mid": "m_1", "text": "size L", "num_edit": 2 }))),
                item(("message", json!({ "mid": "m_2", "is_deleted": true }))),
                item(("reaction", json!({ "mid": "m_3", "action": "react", "reaction": "love" }))),
                item(("reaction", json!({ "mid": "m_3", "action": "unreact", "emoji": "❤" }))),
                item(("referral", json!({ "source": "ADS", "type": "OPEN_THREAD", "ad_id": 42,
                    "ads_context_data": { "ad_title": "Váy", "photo_url": "https://x/a.jpg" } }))),
                item(("pass_thread_control", json!({ "new_owner_app_id": "99" }))),
                item(("take_thread_control", json!({ "previous_owner_app_id": "99" }))),
                item(("message", json!({ "mid": "m_4", "text": "ok", "reply_to": { "mid": "m_1" },
                    "attachments": [
                        { "type": "sticker", "payload": { "url": "https://x/s.png", "sticker_id": 1 } },
                        { "type": "location", "title": "Chợ", "payload": { "coordinates": { "lat": 1.5, "long": 2.5 } } },
                        { "type": "fallback", "title": "Bảng giá", "URL": "https://x/gia", "payload": null },
                        { "type": "template", "payload": { "template_type": "generic", "elements": [
                            { "title": "Váy", "default_action": { "url": "https://x/vay" } }] } },
                    ] }))),
            ] },
            { "id": "P1", "time": 1, "standby": [
                item(("message", json!({ "mid": "m_5", "text": "bot", "is_echo": true, "app_id": 777 }))),
            ] },
        ] });
        let events = webhook_events(&body);
        let changes: Vec<&Change> = events.changes.iter().map(|c| &c.change).collect();
        assert_eq!(
            changes,
            [
                &Change::Edited {
                    mid: "m_1".into(),
                    text: "size L".into(),
                    edit_count: 2
                },
                &Change::Unsent { mid: "m_2".into() },
                &Change::Reacted {
                    mid: "m_3".into(),
                    by_page: false,
                    emoji: Some("❤".into())
                },
                &Change::Reacted {
                    mid: "m_3".into(),
                    by_page: false,
                    emoji: None
                },
                &Change::Referred(EventReferral {
                    source: "ADS".into(),
                    ad_id: Some("42".into()),
                    ad_title: Some("Váy".into()),
                    photo_url: Some("https://x/a.jpg".into()),
                    ..EventReferral::default()
                }),
                &Change::Passed {
                    to: Some("99".into())
                },
                &Change::HeldElsewhere { by: None },
                &Change::HeldElsewhere {
                    by: Some("777".into())
                },
            ]
        );
        assert!(events.changes.iter().all(|c| c.person_id == "U1"));
        assert_eq!(events.messages.len(), 2);
        let message = &events.messages[0];
        assert_eq!(message.reply_to.as_ref().map(|id| id.as_str()), Some("m_1"));
        let kinds: Vec<(&str, bool, Option<&str>, Option<&str>)> = message
            .attachments
            .iter()
            .map(|a| {
                (
                    a.kind.as_str(),
                    a.sticker,
                    a.title.as_deref(),
                    a.url.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("sticker", true, None, Some("https://x/s.png")),
                ("location", false, Some("Chợ"), None),
                ("fallback", false, Some("Bảng giá"), Some("https://x/gia")),
                ("template", false, Some("Váy"), Some("https://x/vay")),
            ]
        );
        assert_eq!(message.attachments[1].coordinates, Some((1.5, 2.5)));
    }

    #[test]
    fn feed_comments_are_read_in_both_shapes_and_other_items_left_out() {
        let body = serde_json::json!({ "object": "page", "entry": [{ "id": "1", "time": 0,
            "changes": [
                { "field": "feed", "value": { "item": "comment", "verb": "add",
                    "comment_id": "5_9", "post_id": "1_5", "parent_id": "1_5",
                    "from": { "id": "u1", "name": "Lan" }, "message": "giá?",
                    "created_time": 1_700_000_000 } },
                { "field": "feed", "value": { "item": "comment", "verb": "edited",
                    "comment_id": "5_10", "post_id": "1_5", "parent_id": "5_9",
                    "sender_id": 42, "sender_name": "Minh", "message": "ib" } },
                { "field": "feed", "value": { "item": "reaction", "verb": "add",
                    "post_id": "1_5" } },
                { "field": "mention", "value": { "item": "comment", "verb": "add",
                    "comment_id": "x", "post_id": "y" } },
            ] }] });
        let comments = webhook_events(&body).comments;
        assert_eq!(comments.len(), 2, "{comments:?}");
        assert_eq!(comments[0].verb, CommentVerb::Add);
        assert_eq!(comments[0].parent_id, None, "on the post itself");
        assert_eq!(comments[0].from_id.as_deref(), Some("u1"));
        assert_eq!(comments[1].verb, CommentVerb::Edited);
        assert_eq!(comments[1].parent_id, Some("5_9".into()));
        assert_eq!(comments[1].from_id.as_deref(), Some("42"));
        assert_eq!(comments[1].from_name.as_deref(), Some("Minh"));
    }
}
