//! The control API under `/_emulator`: what tests and the demo use to play the buyers, the staff
//! typing in Facebook's own inbox, Facebook moving conversations, the clock, and faults.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use super::faults::FaultRule;
use super::world::{Content, Customer, Media, Page, ReferralSpec};
use crate::folder::Folder;
use crate::folder::graph_time;

pub(crate) fn not_found(message: String) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": message }))).into_response()
}

/// Changes a page of the world, answering what `change` returns, or 404.
pub(crate) fn change_page(
    shared: &Shared,
    page_id: &str,
    change: impl FnOnce(&mut Page) -> Value,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    match world.pages.get_mut(page_id) {
        Some(page) => Json(change(page)).into_response(),
        None => not_found(format!("no page {page_id}")),
    }
}

pub async fn summary(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let world = shared.world.lock().expect("world");
    let pages: Vec<Value> = world
        .pages
        .values()
        .map(|p| json!({ "id": p.id, "name": p.name, "access_token": p.token }))
        .collect();
    Json(
        json!({ "url": shared.base_url, "user_token": world.user_token,
        "app": { "id": world.app.id, "secret": world.app.secret, "require_proof": world.app.require_proof },
        "pages": pages }),
    )
}

#[derive(Deserialize)]
pub struct BuyerMessage {
    customer_id: Option<String>,
    customer_name: String,
    #[serde(flatten)]
    content: Content,
    folder: Option<Folder>,
    #[serde(default)]
    seconds_ago: i64,
}

/// `POST /_emulator/pages/{page}/buyer_messages`: a customer writes to the page.
pub async fn buyer_message(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<BuyerMessage>,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    let customer = Customer {
        id: body
            .customer_id
            .unwrap_or_else(|| psid_for(&page_id, &body.customer_name)),
        name: body.customer_name,
    };
    let customer_id = customer.id.clone();
    let at = Utc::now() - Duration::seconds(body.seconds_ago);
    let mut content = body.content;
    if let Err(e) = world.hold_assets(&mut content) {
        return not_found(e);
    }
    // A file the emulator holds has its own size.
    if let Some(attachment) = content.attachment.as_mut()
        && let Some(media) = attachment.media.as_ref().and_then(|id| world.media.get(id))
    {
        attachment.size = media.bytes.len() as u64;
    }
    match world.customer_writes(&page_id, customer, body.folder, content, at) {
        Ok((conversation_id, message_id)) => Json(json!({
            "conversation_id": conversation_id,
            "message_id": message_id,
            "customer_id": customer_id,
        }))
        .into_response(),
        Err(e) => not_found(e),
    }
}

/// A stable PSID for a named customer, so repeated posts by name land in one conversation.
pub(crate) fn psid_for(page_id: &str, name: &str) -> String {
    let hash = format!("{page_id}/{name}")
        .bytes()
        .fold(1_469_598_103_934_665_603_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
        });
    format!("{}", 7_000_000_000_000_000 + hash % 1_000_000_000_000_000)
}

#[derive(Deserialize)]
pub struct PageMessage {
    text: String,
    #[serde(default)]
    seconds_ago: i64,
}

/// `POST /_emulator/conversations/{id}/page_messages`: staff reply in Facebook's own inbox.
pub async fn page_message(
    State(shared): State<Arc<Shared>>,
    Path(conversation_id): Path<String>,
    Json(body): Json<PageMessage>,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    let at = Utc::now() - Duration::seconds(body.seconds_ago);
    match world.page_writes(&conversation_id, Content::text(&body.text), at) {
        Ok(message_id) => Json(json!({ "message_id": message_id })).into_response(),
        Err(e) => not_found(e),
    }
}

#[derive(Deserialize)]
pub struct MoveTo {
    folder: Folder,
}

/// `POST /_emulator/conversations/{id}/folder`: Facebook files the conversation elsewhere.
pub async fn move_conversation(
    State(shared): State<Arc<Shared>>,
    Path(conversation_id): Path<String>,
    Json(body): Json<MoveTo>,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    match world.conversations.get_mut(&conversation_id) {
        Some(conversation) => {
            conversation.folder = body.folder;
            Json(json!({ "folder": body.folder })).into_response()
        }
        None => not_found(format!("no conversation {conversation_id}")),
    }
}

#[derive(Deserialize)]
pub struct Age {
    seconds: i64,
}

/// `POST /_emulator/conversations/{id}/age`: every message of it moves into the past.
pub async fn age(
    State(shared): State<Arc<Shared>>,
    Path(conversation_id): Path<String>,
    Json(body): Json<Age>,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    match world.age(&conversation_id, Duration::seconds(body.seconds)) {
        Ok(()) => Json(json!({ "aged_seconds": body.seconds })).into_response(),
        Err(e) => not_found(e),
    }
}

/// `GET /_emulator/conversations/{id}`: the whole conversation as Facebook holds it.
pub async fn conversation(
    State(shared): State<Arc<Shared>>,
    Path(conversation_id): Path<String>,
) -> Response {
    let world = shared.world.lock().expect("world");
    let Some(c) = world.conversations.get(&conversation_id) else {
        return not_found(format!("no conversation {conversation_id}"));
    };
    let messages: Vec<Value> = c
        .messages
        .iter()
        .map(|m| {
            // A file the message carries: its name, type, and the bytes held, base64.
            let attachment = m.attachment.as_ref().map(|a| {
                let bytes = a.media.as_ref().and_then(|id| world.media.get(id));
                json!({
                    "name": a.name,
                    "mime_type": a.mime_type,
                    "size": a.size,
                    "media": a.media,
                    "bytes_base64": bytes.map(|m| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &m.bytes)),
                })
            });
            json!({
                "id": m.id,
                "from_page": m.from_page,
                "text": m.text,
                "attachment": attachment,
                "created_time": graph_time(m.created),
            })
        })
        .collect();
    Json(json!({
        "id": c.id,
        "page_id": c.page_id,
        "folder": c.folder,
        "customer": { "id": c.customer.id, "name": c.customer.name },
        "messages": messages,
    }))
    .into_response()
}

#[derive(Deserialize)]
pub struct TokenState {
    /// The 190 subcode every call with this page's token gets from now on; `null` heals it.
    error_subcode: Option<i64>,
}

/// `POST /_emulator/pages/{page}/token`: expire (or heal) a page's token.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<TokenState>,
) -> Response {
    change_page(&shared, &page_id, |page| {
        page.token_error = body.error_subcode;
        json!({ "error_subcode": body.error_subcode })
    })
}

#[derive(Deserialize)]
pub struct UsageState {
    percent: u32,
}

/// `POST /_emulator/pages/{page}/usage`: the usage percent reported for the page.
pub async fn usage(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<UsageState>,
) -> Response {
    change_page(&shared, &page_id, |page| {
        page.usage_percent = body.percent;
        json!({ "percent": body.percent })
    })
}

#[derive(Deserialize)]
pub struct Tasks {
    tasks: Vec<String>,
}

/// `POST /_emulator/pages/{page}/tasks`: the user's tasks on the page, as `/me/accounts` lists
/// them.
pub async fn tasks(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<Tasks>,
) -> Response {
    change_page(&shared, &page_id, |page| {
        page.tasks = body.tasks.clone();
        json!({ "tasks": body.tasks })
    })
}

#[derive(Deserialize)]
pub struct AppState {
    require_proof: bool,
}

/// `POST /_emulator/app`: "Require App Secret" on or off for the app.
pub async fn app(State(shared): State<Arc<Shared>>, Json(body): Json<AppState>) -> Response {
    let mut world = shared.world.lock().expect("world");
    world.app.require_proof = body.require_proof;
    Json(json!({ "require_proof": body.require_proof })).into_response()
}

#[derive(Deserialize)]
pub struct HumanAgent {
    approved: bool,
}

/// `POST /_emulator/pages/{page}/human_agent`: whether Meta approved the app's Human Agent
/// permission for this page's sends.
pub async fn human_agent(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<HumanAgent>,
) -> Response {
    change_page(&shared, &page_id, |page| {
        page.human_agent_approved = body.approved;
        json!({ "approved": body.approved })
    })
}

#[derive(Deserialize)]
pub struct CanReply {
    can_reply: bool,
}

/// `POST /_emulator/conversations/{id}/can_reply`: whether the page may still message the
/// person.
pub async fn can_reply(
    State(shared): State<Arc<Shared>>,
    Path(conversation_id): Path<String>,
    Json(body): Json<CanReply>,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    match world.conversations.get_mut(&conversation_id) {
        Some(conversation) => {
            conversation.can_reply = body.can_reply;
            Json(json!({ "can_reply": body.can_reply })).into_response()
        }
        None => not_found(format!("no conversation {conversation_id}")),
    }
}

#[derive(Deserialize)]
pub struct DataLimit {
    max: Option<usize>,
}

/// `POST /_emulator/pages/{page}/data_limit`: the most messages one list call of the page may
/// carry before Facebook answers "reduce the amount of data" (`null`: no limit).
pub async fn data_limit(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<DataLimit>,
) -> Response {
    change_page(&shared, &page_id, |page| {
        page.data_limit = body.max;
        json!({ "max": body.max })
    })
}

/// `POST /_emulator/faults`: the next `count` matching Graph requests get the fault.
pub async fn add_fault(State(shared): State<Arc<Shared>>, Json(rule): Json<FaultRule>) -> Response {
    shared.faults.lock().expect("faults").push(rule);
    StatusCode::NO_CONTENT.into_response()
}

pub async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.lock().expect("faults").clear();
    StatusCode::NO_CONTENT
}

/// `GET /_emulator/requests`: every Graph request so far, without tokens.
pub async fn requests(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let log = shared.requests.lock().expect("request log");
    Json(json!(*log))
}

pub async fn clear_requests(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.requests.lock().expect("request log").clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
pub struct Generate {
    conversations: usize,
    #[serde(default = "two")]
    messages_per_conversation: usize,
    /// Every n-th conversation goes to Spam; 0 for none.
    #[serde(default)]
    spam_every: usize,
}

fn two() -> usize {
    2
}

/// `POST /_emulator/pages/{page}/generate`: a page with many conversations at once.
pub async fn generate(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<Generate>,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    match world.generate(
        &page_id,
        body.conversations,
        body.messages_per_conversation,
        body.spam_every,
        Utc::now(),
    ) {
        Ok(()) => Json(json!({ "conversations": world.conversations.len() })).into_response(),
        Err(e) => not_found(e),
    }
}

#[derive(Deserialize)]
pub struct PageName {
    name: String,
}

/// `POST /_emulator/pages/{page}/name`: the page's owner renames it.
pub async fn rename_page(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<PageName>,
) -> Response {
    change_page(&shared, &page_id, |page| {
        page.name = body.name;
        json!({ "name": page.name })
    })
}

#[derive(Deserialize)]
pub struct MediaParams {
    name: String,
    mime_type: String,
}

/// `POST /_emulator/media?name=...&mime_type=...` with the file as the body: a file for a buyer
/// to send (`"attachment": {"media": ID, ...}` in a buyer message). Answers its id and size.
pub async fn media(
    State(shared): State<Arc<Shared>>,
    axum::extract::Query(params): axum::extract::Query<MediaParams>,
    body: axum::body::Bytes,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    let kind = match params.mime_type.split('/').next() {
        Some(kind @ ("image" | "video" | "audio")) => kind.to_owned(),
        _ => "file".to_owned(),
    };
    let size = body.len();
    let kept = world.keep_media(
        &kind,
        Media {
            bytes: body.to_vec(),
            mime_type: params.mime_type,
            name: params.name,
            page_id: None,
        },
    );
    match kept {
        Ok(id) => Json(json!({ "media": id, "size": size })).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({ "error": e.message }))).into_response(),
    }
}

/// `POST /_emulator/cdn/expire`: every CDN link given out so far expires (Facebook's `oe=`);
/// messages read from now on carry new ones.
pub async fn expire_cdn_links(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.world.lock().expect("world").cdn_epoch += 1;
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
pub struct SendingRestricted {
    restricted: bool,
}

/// `POST /_emulator/pages/{page}/sending_restricted {"restricted"}`: Facebook restricts the
/// page from sending (Page quality), or lifts it.
pub async fn sending_restricted(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<SendingRestricted>,
) -> Response {
    change_page(&shared, &page_id, |page| {
        page.sending_restricted = body.restricted;
        json!({ "restricted": body.restricted })
    })
}

/// What a buyer's change to one of their messages comes to.
fn changed(result: Result<(), String>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => not_found(e),
    }
}

#[derive(Deserialize)]
pub struct Edit {
    text: String,
}

/// `POST /_emulator/messages/{mid}/edit {"text"}`: the buyer edits their message.
pub async fn edit_message(
    State(shared): State<Arc<Shared>>,
    Path(mid): Path<String>,
    Json(body): Json<Edit>,
) -> Response {
    changed(
        shared
            .world
            .lock()
            .expect("world")
            .buyer_edits(&mid, &body.text),
    )
}

/// `POST /_emulator/messages/{mid}/unsend`: the buyer unsends their message.
pub async fn unsend_message(
    State(shared): State<Arc<Shared>>,
    Path(mid): Path<String>,
) -> Response {
    changed(shared.world.lock().expect("world").buyer_unsends(&mid))
}

#[derive(Deserialize)]
pub struct Reaction {
    /// `None`: the reaction is taken off.
    emoji: Option<String>,
    #[serde(default)]
    reaction: String,
}

/// `POST /_emulator/messages/{mid}/reaction {"emoji", "reaction"}`: the buyer reacts to a
/// message (`"emoji": null` takes it off).
pub async fn react(
    State(shared): State<Arc<Shared>>,
    Path(mid): Path<String>,
    Json(body): Json<Reaction>,
) -> Response {
    let reaction = body.emoji.as_deref().map(|e| (e, body.reaction.as_str()));
    changed(
        shared
            .world
            .lock()
            .expect("world")
            .buyer_reacts(&mid, reaction),
    )
}

#[derive(Deserialize)]
pub struct Referral {
    customer_name: String,
    #[serde(flatten)]
    referral: ReferralSpec,
}

/// `POST /_emulator/pages/{page}/referrals {"customer_name", "source", "ad_id", ...}`: a
/// person opens a conversation from an ad or a link, before writing.
pub async fn referral(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<Referral>,
) -> Response {
    let person = psid_for(&page_id, &body.customer_name);
    let result = shared
        .world
        .lock()
        .expect("world")
        .referral(&page_id, &person, &body.referral);
    match result {
        Ok(()) => Json(json!({ "customer_id": person })).into_response(),
        Err(e) => not_found(e),
    }
}

#[derive(Deserialize)]
pub struct Routing {
    /// The app that takes the conversation; `None`: it is passed back to pagedesk's app.
    taken_by: Option<String>,
}

/// `POST /_emulator/conversations/{id}/routing {"taken_by"}`: conversation routing.
pub async fn routing(
    State(shared): State<Arc<Shared>>,
    Path(conversation_id): Path<String>,
    Json(body): Json<Routing>,
) -> Response {
    changed(
        shared
            .world
            .lock()
            .expect("world")
            .route(&conversation_id, body.taken_by.as_deref()),
    )
}
