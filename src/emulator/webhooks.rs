//! Webhooks as Facebook sends them. Once a subscriber URL is given (`POST /_emulator/webhooks`),
//! every message written (a buyer's; the page's, as an echo naming the app that sent it) is
//! POSTed there, signed with the app secret (`X-Hub-Signature-256`); updates waiting at the same
//! moment go in one request, as Facebook batches them. Whether messages filtered into Spam make
//! events is not documented: the emulator sends them, the harder case for a receiver.

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
use super::world::{World, Written};

/// How often the deliverer looks for new messages.
const LOOK_EVERY: Duration = Duration::from_millis(50);
/// How long Facebook waits for a subscriber's answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

#[derive(Deserialize)]
pub struct Subscribe {
    url: String,
}

/// `POST /_emulator/webhooks {"url"}`: the app's callback URL, subscribed to `messages` and
/// `message_echoes`. Messages written before are not sent.
pub async fn subscribe(State(shared): State<Arc<Shared>>, Json(body): Json<Subscribe>) -> Response {
    shared.world.lock().expect("world").webhook_queue.clear();
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
            let url = shared.webhook_url.lock().expect("webhook url").clone();
            let Some(url) = url.filter(|_| !written.is_empty()) else {
                continue;
            };
            let body = payload(&world, &written, &shared.base_url);
            (url, body, world.app.secret.clone(), written.len())
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

/// The body of one delivery: an entry per page, each message as Messenger reports it.
fn payload(world: &World, written: &[Written], base_url: &str) -> Value {
    let mut entries: Vec<(String, Vec<Value>)> = Vec::new();
    for w in written {
        let Some(conversation) = world.conversations.get(&w.conversation_id) else {
            continue;
        };
        let Some(message) = conversation.messages.iter().find(|m| m.id == w.message_id) else {
            continue;
        };
        let (page, buyer) = (&conversation.page_id, &conversation.customer.id);
        let mut body = json!({ "mid": message.id });
        if !message.text.is_empty() {
            body["text"] = json!(message.text);
        }
        let mut attachments = Vec::new();
        if let Some(sticker) = &message.sticker {
            attachments.push(json!({ "type": "image", "payload": { "url": sticker } }));
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
        if !attachments.is_empty() {
            body["attachments"] = Value::Array(attachments);
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
        let event = json!({
            "sender": { "id": sender },
            "recipient": { "id": recipient },
            "timestamp": message.created.timestamp_millis(),
            "message": body,
        });
        match entries.iter_mut().find(|(id, _)| id == page) {
            Some((_, events)) => events.push(event),
            None => entries.push((page.clone(), vec![event])),
        }
    }
    let now = Utc::now().timestamp_millis();
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|(id, messaging)| json!({ "id": id, "time": now, "messaging": messaging }))
        .collect();
    json!({ "object": "page", "entry": entries })
}
