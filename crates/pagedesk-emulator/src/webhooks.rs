//! Webhooks as Facebook sends them. Once a subscriber URL is given (`POST /_emulator/webhooks`),
//! every message written (a buyer's; the page's, as an echo naming the app that sent it) is
//! POSTed there, signed with the app secret (`X-Hub-Signature-256`), with what buyers and
//! Facebook change (edits, unsends, reactions, referrals, conversation routing); updates
//! waiting at the same moment go in one request, as Facebook batches them. Whether messages
//! filtered into Spam make events is not documented: the emulator sends them, the harder case
//! for a receiver.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hmac::Mac;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use super::api::cdn_link;
use super::world::{STICKER_MEDIA, SharedSpec, WebhookItem, World, Written, referral_json};

/// How often the deliverer looks for new messages.
const LOOK_EVERY: Duration = Duration::from_millis(50);
/// How long Facebook waits for a subscriber's answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

#[derive(Deserialize)]
pub struct Subscribe {
    url: String,
}

/// `POST /_emulator/webhooks {"url"}`: the app's callback URL, subscribed to every field
/// pagedesk uses. What was written before is not sent.
pub async fn subscribe(State(shared): State<Arc<Shared>>, Json(body): Json<Subscribe>) -> Response {
    {
        let mut world = shared.world.lock().expect("world");
        world.webhook_queue.clear();
        world.webhook_items.clear();
    }
    *shared.webhook_url.lock().expect("webhook url") = Some(body.url.clone());
    Json(json!({ "url": body.url })).into_response()
}

/// `DELETE /_emulator/webhooks`: no more events (the app unsubscribed, or Facebook gave up).
pub async fn unsubscribe(State(shared): State<Arc<Shared>>) -> StatusCode {
    *shared.webhook_url.lock().expect("webhook url") = None;
    StatusCode::NO_CONTENT
}

/// `GET /_emulator/webhooks`: every delivery so far: its events, and the subscriber's answer.
pub async fn deliveries(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(Value::Array(
        shared
            .webhook_deliveries
            .lock()
            .expect("deliveries")
            .clone(),
    ))
}

/// Sends what was written to the subscriber, for as long as the emulator runs.
pub(super) async fn deliver(shared: Arc<Shared>) {
    let client = reqwest::Client::builder()
        .timeout(ANSWER_WITHIN)
        .build()
        .expect("an HTTP client");
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        let (url, body, secret, events) = {
            let mut world = shared.world.lock().expect("world");
            let written = std::mem::take(&mut world.webhook_queue);
            let items = std::mem::take(&mut world.webhook_items);
            let url = shared.webhook_url.lock().expect("webhook url").clone();
            let Some(url) = url.filter(|_| !written.is_empty() || !items.is_empty()) else {
                continue;
            };
            let body = payload(&world, &written, &items, &shared.base_url);
            (
                url,
                body,
                world.app.secret.clone(),
                written.len() + items.len(),
            )
        };
        let body = body.to_string();
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(body.as_bytes());
        let signature: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let answer = client
            .post(&url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", format!("sha256={signature}"))
            .body(body)
            .send()
            .await;
        let record = match answer {
            Ok(answer) => json!({ "events": events, "status": answer.status().as_u16() }),
            Err(error) => json!({ "events": events, "error": error.to_string() }),
        };
        shared
            .webhook_deliveries
            .lock()
            .expect("deliveries")
            .push(record);
    }
}

/// The body of one delivery: an entry per page, each message as Messenger reports it, then
/// the other items queued (edits, reactions, ...). A buyer writing after the page's message
/// read it first: a `read` item comes too, which a subscriber has no use for.
fn payload(world: &World, written: &[Written], items: &[WebhookItem], base_url: &str) -> Value {
    // Per page: its `messaging` items, its `standby` items, its `changes` (the feed's).
    type Entry = (String, Vec<Value>, Vec<Value>, Vec<Value>);
    let mut entries: Vec<Entry> = Vec::new();
    let mut entry = |page: &str, field: &str, item: Value| {
        let at = match entries.iter().position(|(id, ..)| id == page) {
            Some(at) => at,
            None => {
                entries.push((page.to_owned(), Vec::new(), Vec::new(), Vec::new()));
                entries.len() - 1
            }
        };
        match field {
            "standby" => entries[at].2.push(item),
            "feed" => entries[at]
                .3
                .push(json!({ "field": "feed", "value": item })),
            _ => entries[at].1.push(item),
        }
    };
    for w in written {
        let Some(conversation) = world.conversations.get(&w.conversation_id) else {
            continue;
        };
        let Some(at) = conversation
            .messages
            .iter()
            .position(|m| m.id == w.message_id)
        else {
            continue;
        };
        let message = &conversation.messages[at];
        let (page, buyer) = (&conversation.page_id, &conversation.customer.id);
        let mut body = json!({ "mid": message.id });
        if !message.text.is_empty() {
            body["text"] = json!(message.text);
        }
        let mut attachments = Vec::new();
        if let Some(sticker) = &message.sticker {
            let url = match sticker.strip_prefix(STICKER_MEDIA) {
                Some(id) => cdn_link(base_url, world.cdn_epoch, id, "sticker.png"),
                None => sticker.clone(),
            };
            // Stickers have their own type since June 2026 (Messenger's changelog).
            attachments.push(json!({ "type": "sticker",
                "payload": { "url": url, "sticker_id": 369_239_263_222_822_u64 } }));
        }
        if let Some(file) = &message.attachment {
            let kind = match file.mime_type.split('/').next() {
                Some("image") => "image",
                Some("video") => "video",
                Some("audio") => "audio",
                _ => "file",
            };
            let url = match &file.media {
                Some(id) => cdn_link(base_url, world.cdn_epoch, id, &file.name),
                None => file.url.clone().unwrap_or_default(),
            };
            attachments.push(json!({ "type": kind, "payload": { "url": url } }));
        }
        if let Some(shared) = &message.shared {
            attachments.push(shared_json(shared));
        }
        if !attachments.is_empty() {
            body["attachments"] = Value::Array(attachments);
        }
        if let Some(answered) = &message.reply_to {
            body["reply_to"] = json!({ "mid": answered });
        }
        if let Some(referral) = &message.referral {
            body["referral"] = referral_json(referral);
        }
        let (sender, recipient) = match &w.app_id {
            Some(app_id) => {
                body["is_echo"] = json!(true);
                // A JSON number on the wire.
                body["app_id"] = json!(app_id.parse::<u64>().unwrap_or_default());
                (page, buyer)
            }
            None => (buyer, page),
        };
        let timestamp = message.created.timestamp_millis();
        if w.app_id.is_none()
            && let Some(before) = at.checked_sub(1).map(|b| &conversation.messages[b])
            && before.from_page
        {
            entry(
                page,
                "messaging",
                json!({ "sender": { "id": buyer }, "recipient": { "id": page },
                    "timestamp": timestamp, "read": { "watermark": before.created.timestamp_millis() } }),
            );
        }
        let field = match conversation.held_by {
            Some(_) => "standby",
            None => "messaging",
        };
        entry(
            page,
            field,
            json!({
                "sender": { "id": sender },
                "recipient": { "id": recipient },
                "timestamp": timestamp,
                "message": body,
            }),
        );
    }
    for item in items {
        entry(&item.page_id, item.field, item.item.clone());
    }
    let now = Utc::now().timestamp_millis();
    let entries: Vec<Value> = entries
        .into_iter()
        .flat_map(|(id, messaging, standby, changes)| {
            let mut entry = json!({ "id": id, "time": now });
            if !messaging.is_empty() {
                entry["messaging"] = Value::Array(messaging);
            }
            if !standby.is_empty() {
                entry["standby"] = Value::Array(standby);
            }
            // The feed's changes come in an entry of their own, as Facebook sends them.
            let feed =
                (!changes.is_empty()).then(|| json!({ "id": id, "time": now, "changes": changes }));
            let messenger = (entry.get("messaging").is_some() || entry.get("standby").is_some())
                .then_some(entry);
            messenger.into_iter().chain(feed)
        })
        .collect();
    json!({ "object": "page", "entry": entries })
}

/// A place, template or fallback as a webhook attachment.
fn shared_json(shared: &SharedSpec) -> Value {
    match shared {
        SharedSpec::Location { title, lat, long } => json!({
            "type": "location", "title": title,
            "url": format!("https://www.bing.com/maps/default.aspx?v=2&pc=FACEBK&mid=8100&where1={lat}%2C+{long}"),
            "payload": { "coordinates": { "lat": lat, "long": long } },
        }),
        SharedSpec::Template { title, url } => json!({
            "type": "template",
            "payload": { "template_type": "generic", "elements": [{
                "title": title, "default_action": { "type": "web_url", "url": url },
                "buttons": [{ "type": "web_url", "url": url, "title": "Xem" }],
            }] },
        }),
        SharedSpec::Fallback { title, url } => json!({
            "type": "fallback", "title": title, "URL": url, "payload": null,
        }),
    }
}
