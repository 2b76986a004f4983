//! The Graph API routes the emulator serves, in the wire shapes of `shared/graph-api.md`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Shared;
use super::feed;
use super::fields::{self, Field};
use super::world::{
    AttachmentSpec, CUT_IN_HALF, Content, Conversation, FbError, Media, Message, Page,
    STICKER_MEDIA, SendKind, World,
};
use crate::folder::Folder;
use crate::folder::graph_time;

/// Only the 20 most recent messages of a conversation have details.
const DETAILED_MESSAGES: usize = 20;
pub(crate) const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

pub(crate) type Params = HashMap<String, String>;

pub fn error_response(error: &FbError) -> Response {
    let mut body = json!({
        "message": error.message,
        "type": if error.code == 190 { "OAuthException" } else { "GraphMethodException" },
        "code": error.code,
        "fbtrace_id": "EmUlAtOr",
    });
    if let Some(subcode) = error.subcode {
        body["error_subcode"] = json!(subcode);
    }
    if let Some(transient) = error.is_transient {
        body["is_transient"] = json!(transient);
    }
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(json!({ "error": body }))).into_response()
}

/// The token of a request: the `access_token` parameter or an `Authorization: Bearer` header.
pub fn token_of(headers: &HeaderMap, query: &[(String, String)]) -> Option<String> {
    query
        .iter()
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.clone())
        .or_else(|| {
            let value = headers.get("authorization")?.to_str().ok()?;
            let token = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("OAuth "))?;
            Some(token.trim().to_owned())
        })
}

/// What a request is allowed to see: one page (page token) or the user's pages (user token).
enum Caller {
    Page(Page),
    User,
}

fn caller(world: &World, headers: &HeaderMap, params: &Params) -> Result<Caller, FbError> {
    let query: Vec<(String, String)> = params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let Some(token) = token_of(headers, &query) else {
        return Err(FbError::new(
            104,
            None,
            "An access token is required to request this resource.",
        ));
    };
    if world.app.require_proof {
        match params.get("appsecret_proof") {
            None => {
                return Err(FbError::new(
                    100,
                    None,
                    "API calls from the server require an appsecret_proof argument",
                ));
            }
            Some(proof) if *proof != world.app.proof_for(&token) => {
                return Err(FbError::new(
                    100,
                    None,
                    "Invalid appsecret_proof provided in the API argument",
                ));
            }
            Some(_) => {}
        }
    }
    if token == world.user_token || token == world.long_lived_user_token() {
        return Ok(Caller::User);
    }
    let page = world.page_by_token(&token).ok_or_else(|| {
        FbError::new(
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        )
    })?;
    if let Some(subcode) = page.token_error {
        return Err(FbError::new(
            190,
            Some(subcode),
            "Error validating access token: Session has expired.",
        ));
    }
    Ok(Caller::Page(page.clone()))
}

/// The page whose token the request carries; a user token is refused here.
fn page_caller(world: &World, headers: &HeaderMap, params: &Params) -> Result<Page, FbError> {
    match caller(world, headers, params)? {
        Caller::Page(page) => Ok(page),
        Caller::User => Err(FbError::new(
            100,
            None,
            "(#100) A Page access token is required",
        )),
    }
}

fn check_version(version: &str) -> Result<(), FbError> {
    let known = version
        .strip_prefix('v')
        .and_then(|v| v.parse::<f32>().ok())
        .is_some_and(|v| v >= 23.0);
    if known {
        Ok(())
    } else {
        Err(FbError::new(
            2635,
            None,
            "You are calling a deprecated or unknown version of the Graph API.",
        ))
    }
}

fn with_usage(mut response: Response, page: &Page) -> Response {
    let app = r#"{"call_count":1,"total_time":1,"total_cputime":1}"#;
    let business = format!(
        r#"{{"{}":[{{"type":"messenger","call_count":{p},"total_cputime":{p},"total_time":{p},"estimated_time_to_regain_access":0}}]}}"#,
        page.id,
        p = page.usage_percent
    );
    let headers = response.headers_mut();
    headers.insert("x-app-usage", HeaderValue::from_static(app));
    if let Ok(value) = HeaderValue::from_str(&business) {
        headers.insert("x-business-use-case-usage", value);
    }
    response
}

fn answer(result: Result<(Value, Option<Page>), FbError>) -> Response {
    match result {
        Ok((value, Some(page))) => with_usage(facebook_json(&value), &page),
        Ok((value, None)) => facebook_json(&value),
        Err(error) => error_response(&error),
    }
}

/// JSON as the Graph API writes it: every character outside ASCII as a `\uXXXX` escape of its
/// UTF-16 code units, and a character marked [`CUT_IN_HALF`] as its first unit alone: the lone
/// surrogate Facebook sends for an emoji it cut in half.
pub fn facebook_json(value: &Value) -> Response {
    let mut body = Vec::new();
    let mut writer = serde_json::Serializer::with_formatter(&mut body, AsciiEscapes::default());
    match serde::Serialize::serialize(value, &mut writer) {
        Ok(()) => ([("content-type", "application/json; charset=UTF-8")], body).into_response(),
        Err(e) => error_response(&FbError::new(2, None, &format!("(#2) {e}"))),
    }
}

#[derive(Default)]
struct AsciiEscapes {
    cut_next: bool,
}

impl serde_json::ser::Formatter for AsciiEscapes {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            if c == CUT_IN_HALF {
                self.cut_next = true;
            } else if c.is_ascii() {
                writer.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                let units = c.encode_utf16(&mut units);
                let keep = if std::mem::take(&mut self.cut_next) {
                    1
                } else {
                    units.len()
                };
                for unit in &units[..keep] {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

pub async fn get_node(
    State(shared): State<Arc<Shared>>,
    Path((version, node)): Path<(String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let world = shared.world.lock().expect("world");
    answer((|| {
        check_version(&version)?;
        if node == "debug_token" {
            return Ok((debug_token(&world, &headers, &params)?, None));
        }
        let page = page_caller(&world, &headers, &params)?;
        let wanted = params.get("fields").map(String::as_str);
        if node == "me" || node == page.id {
            let fields = fields::requested(wanted, &["id", "name"]).map_err(invalid)?;
            return Ok((render_page(&page, &fields), Some(page)));
        }
        let base = Link::new(&shared.base_url, &version, &[]);
        if let Some(post) = world.posts.get(&node).filter(|p| p.page_id == page.id) {
            let defaults = ["id", "message", "created_time"];
            let fields = fields::requested(wanted, &defaults).map_err(invalid)?;
            let rendered = feed::render_post(&world, post, &page, &fields, &base)?;
            return Ok((rendered, Some(page)));
        }
        if let Some((post, comment)) = world.comment(&node).filter(|(p, _)| p.page_id == page.id) {
            let defaults = ["id", "message", "from", "created_time"];
            let fields = fields::requested(wanted, &defaults).map_err(invalid)?;
            return Ok((
                feed::render_comment(post, comment, &page, &fields),
                Some(page),
            ));
        }
        // A message of the page's, by its id: its details (fresh file links among them).
        let message = world
            .conversations
            .values()
            .filter(|c| c.page_id == page.id)
            .find_map(|c| Some((c, c.messages.iter().find(|m| m.id == node)?)));
        if let Some((conversation, message)) = message {
            let fields = fields::requested(wanted, &["id", "created_time"]).map_err(invalid)?;
            let cdn = |id: &str, name: &str| cdn_link(&base.base, world.cdn_epoch, id, name);
            let rendered = render_message(message, conversation, &page, &fields, true, &cdn);
            return Ok((rendered, Some(page)));
        }
        let conversation = owned_conversation(&world, &page, &node)?;
        let fields = fields::requested(wanted, &["id", "updated_time"]).map_err(invalid)?;
        Ok((
            render_conversation(conversation, &page, &fields, &base, world.cdn_epoch),
            Some(page),
        ))
    })())
}

pub async fn get_edge(
    State(shared): State<Arc<Shared>>,
    Path((version, node, edge)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let world = shared.world.lock().expect("world");
    answer((|| {
        check_version(&version)?;
        if node == "oauth" && edge == "access_token" {
            return Ok((exchange_token(&world, &params)?, None));
        }
        let wanted = params.get("fields").map(String::as_str);
        let caller = caller(&world, &headers, &params)?;
        let link = Link::new(&shared.base_url, &version, &[&node, &edge]).with_params(&params);
        match (caller, edge.as_str()) {
            (Caller::User, "accounts") if node == "me" => Ok((render_accounts(&world), None)),
            // Facebook's answer to a Page token asking for the pages it manages.
            (Caller::Page(_), "accounts") if node == "me" => Err(FbError::new(
                100,
                None,
                "(#100) Tried accessing nonexisting field (accounts) on node type (Page)",
            )),
            (Caller::Page(page), "conversations") if node == "me" || node == page.id => {
                let folder = match params.get("folder") {
                    None => Folder::Inbox,
                    Some(name) => Folder::parse(name).ok_or_else(|| {
                        FbError::new(100, None, "(#100) Param folder must be one of {inbox, other, page_done, pending, spam}")
                    })?,
                };
                let fields = fields::requested(wanted, &["id", "updated_time"]).map_err(invalid)?;
                check_data_limit(&page, &params, &fields)?;
                let mut list = world.folder(&page.id, folder);
                // `user_id`: that person's conversation, if it is in this folder.
                if let Some(person) = params.get("user_id") {
                    list.retain(|c| c.customer.id == *person);
                }
                let keys: Vec<Key> = list.iter().map(|c| Key::new(c.updated(), &c.id)).collect();
                let window = paginate(&keys, &params)?;
                let data: Vec<Value> = list[window.range.clone()]
                    .iter()
                    .map(|c| render_conversation(c, &page, &fields, &link, world.cdn_epoch))
                    .collect();
                Ok((list_body(data, &window, &keys, &link), Some(page)))
            }
            (Caller::Page(page), "feed" | "published_posts") if node == "me" || node == page.id => {
                let fields = fields::requested(wanted, &["id", "message", "created_time"])
                    .map_err(invalid)?;
                Ok((
                    feed::render_feed(&world, &page, &fields, &params, &link)?,
                    Some(page),
                ))
            }
            (Caller::Page(page), "comments") => {
                let (post, parent) = match world.posts.get(&node) {
                    Some(post) => (post, None),
                    None => match world.comment(&node) {
                        Some((post, _)) => (post, Some(node.as_str())),
                        None => return Err(unknown_object(&node)),
                    },
                };
                if post.page_id != page.id {
                    return Err(unknown_object(&node));
                }
                let fields = fields::requested(wanted, &[]).map_err(invalid)?;
                Ok((
                    feed::render_comments(post, parent, &page, &fields, &params, &link)?,
                    Some(page),
                ))
            }
            (Caller::Page(page), "messages") => {
                let conversation = owned_conversation(&world, &page, &node)?;
                let fields = fields::requested(wanted, &["id", "created_time"]).map_err(invalid)?;
                Ok((
                    render_messages(
                        conversation,
                        &page,
                        &fields,
                        &params,
                        &link,
                        world.cdn_epoch,
                    )?,
                    Some(page),
                ))
            }
            _ => Err(FbError::new(100, None, "(#100) Unknown path components")),
        }
    })())
}

#[derive(Deserialize)]
struct SendBody {
    recipient: RecipientBody,
    messaging_type: Option<String>,
    tag: Option<String>,
    message: MessageBody,
}

/// Whom a message goes to: a person (`id`), or the author of a comment, privately.
#[derive(Deserialize)]
struct RecipientBody {
    id: Option<String>,
    comment_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct MessageBody {
    #[serde(default)]
    text: String,
    attachment: Option<AttachmentBody>,
}

#[derive(Deserialize)]
struct AttachmentBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: PayloadBody,
}

#[derive(Deserialize, Default)]
struct PayloadBody {
    attachment_id: Option<String>,
    url: Option<String>,
}

/// A file sent as `filedata` in a multipart body: its bytes, name and MIME type.
struct FileData {
    bytes: Vec<u8>,
    name: String,
    mime_type: String,
}

/// What a POST carried: its fields (JSON values as text, as in a multipart form), and the file.
#[derive(Default)]
struct Posted {
    fields: HashMap<String, String>,
    file: Option<FileData>,
}

/// Reads a POST body as Facebook does: JSON, or `multipart/form-data` (an upload).
async fn posted(request: Request) -> Result<Posted, FbError> {
    let multipart = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let body = Bytes::from_request(request, &())
            .await
            .map_err(|e| FbError::new(100, None, &format!("(#100) Unreadable body: {e}")))?;
        // A POST with nothing to say (a like) has no body at all.
        let value: Map<String, Value> = match body.is_empty() {
            true => Map::new(),
            false => serde_json::from_slice(&body)
                .map_err(|e| FbError::new(100, None, &format!("(#100) Invalid JSON body: {e}")))?,
        };
        let fields = value.into_iter().map(|(k, v)| (k, v.to_string())).collect();
        return Ok(Posted { fields, file: None });
    }
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        FbError::new(
            100,
            Some(2018047),
            &format!("(#100) Upload attachment failure: {e}"),
        )
    };
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| FbError::new(100, None, &format!("(#100) Unreadable form: {e}")))?;
    let mut posted = Posted::default();
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "filedata" {
            let file_name = field.file_name().unwrap_or("file").to_owned();
            let mime_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?.to_vec();
            posted.file = Some(FileData {
                bytes,
                name: file_name,
                mime_type,
            });
        } else {
            let text = field.text().await.map_err(unreadable)?;
            posted.fields.insert(name, text);
        }
    }
    Ok(posted)
}

impl Posted {
    /// A JSON field: an object in a JSON body, a JSON text in a form.
    fn json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>, FbError> {
        let Some(text) = self.fields.get(name) else {
            return Ok(None);
        };
        // A JSON body's field was written back to JSON text above; a form's field is JSON text
        // for an object and the bare word for a string (`messaging_type=RESPONSE`).
        serde_json::from_str(text)
            .or_else(|_| serde_json::from_value(Value::String(text.clone())))
            .map(Some)
            .map_err(|e| FbError::new(100, None, &format!("(#100) Invalid parameter {name}: {e}")))
    }
}

pub async fn post_edge(
    State(shared): State<Arc<Shared>>,
    Path((version, node, edge)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let posted = posted(request).await;
    let mut world = shared.world.lock().expect("world");
    answer((|| {
        check_version(&version)?;
        let page = page_caller(&world, &headers, &params)?;
        let posted = posted?;
        if world
            .comment(&node)
            .is_some_and(|(post, _)| post.page_id == page.id)
        {
            return match edge.as_str() {
                "comments" => {
                    let message: String = posted.json("message")?.unwrap_or_default();
                    let id = world.page_answers(&page.id, &node, &message, Utc::now())?;
                    Ok((json!({ "id": id }), Some(page)))
                }
                "likes" => {
                    world.like_comment(&page.id, &node)?;
                    Ok((json!({ "success": true }), Some(page)))
                }
                _ => Err(FbError::new(100, None, "(#100) Unknown path components")),
            };
        }
        if !(node == "me" || node == page.id) {
            return Err(unknown_object(&node));
        }
        match edge.as_str() {
            "message_attachments" => {
                let message: MessageBody = posted.json("message")?.unwrap_or_default();
                let attachment = message.attachment.ok_or_else(|| {
                    FbError::new(100, None, "(#100) param message[attachment] is required")
                })?;
                let id = keep_upload(&mut world, &page, &attachment, posted.file)?;
                Ok((json!({ "attachment_id": id }), Some(page)))
            }
            "messages" => {
                let send = SendBody {
                    recipient: posted.json("recipient")?.ok_or_else(|| {
                        FbError::new(100, None, "(#100) param recipient is required")
                    })?,
                    messaging_type: posted.json("messaging_type")?,
                    tag: posted.json("tag")?,
                    message: posted.json("message")?.unwrap_or_default(),
                };
                let kind = match (send.messaging_type.as_deref(), send.tag.as_deref()) {
                    (Some("RESPONSE") | None, None) => SendKind::Response,
                    (Some("MESSAGE_TAG"), Some("HUMAN_AGENT")) => SendKind::HumanAgent,
                    _ => {
                        return Err(FbError::new(
                            100,
                            None,
                            "(#100) Unsupported messaging_type or tag",
                        ));
                    }
                };
                if let Some(comment_id) = &send.recipient.comment_id {
                    let (recipient_id, message_id) = world.private_reply(
                        &page.id,
                        comment_id,
                        &send.message.text,
                        Utc::now(),
                    )?;
                    return Ok((
                        json!({ "recipient_id": recipient_id, "message_id": message_id }),
                        Some(page),
                    ));
                }
                let recipient = send.recipient.id.clone().ok_or_else(|| {
                    FbError::new(100, None, "(#100) param recipient[id] is required")
                })?;
                let attachment = match send.message.attachment {
                    None => None,
                    Some(attachment) => {
                        let media = match (&attachment.payload.attachment_id, posted.file) {
                            (Some(id), _) => id.clone(),
                            (None, Some(file)) => {
                                keep_upload(&mut world, &page, &attachment, Some(file))?
                            }
                            (None, None) if attachment.payload.url.is_some() => {
                                return Err(FbError::new(
                                    100,
                                    Some(2018047),
                                    "(#100) Upload attachment failure: the emulator cannot fetch a URL",
                                ));
                            }
                            (None, None) => {
                                return Err(FbError::new(
                                    100,
                                    None,
                                    "(#100) param message[attachment][payload] needs attachment_id, url or filedata",
                                ));
                            }
                        };
                        let kept = world.media.get(&media);
                        Some(AttachmentSpec {
                            asset: None,
                            name: kept.map(|m| m.name.clone()).unwrap_or_default(),
                            mime_type: kept.map(|m| m.mime_type.clone()).unwrap_or_default(),
                            size: kept.map_or(0, |m| m.bytes.len() as u64),
                            url: None,
                            media: Some(media),
                        })
                    }
                };
                let content = Content {
                    text: send.message.text,
                    attachment,
                    ..Content::default()
                };
                let (recipient_id, message_id) =
                    world.send(&page.id, &recipient, content, kind, Utc::now())?;
                Ok((
                    json!({ "recipient_id": recipient_id, "message_id": message_id }),
                    Some(page),
                ))
            }
            _ => Err(FbError::new(100, None, "(#100) Unknown path components")),
        }
    })())
}

/// `POST /{comment-id}` with `is_hidden`: the page hides a comment, or shows it again.
pub async fn post_node(
    State(shared): State<Arc<Shared>>,
    Path((version, node)): Path<(String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let posted = posted(request).await;
    let mut world = shared.world.lock().expect("world");
    answer((|| {
        check_version(&version)?;
        let page = page_caller(&world, &headers, &params)?;
        let posted = posted?;
        if world
            .comment(&node)
            .is_none_or(|(post, _)| post.page_id != page.id)
        {
            return Err(unknown_object(&node));
        }
        let hidden: bool = posted.json("is_hidden")?.ok_or_else(|| {
            FbError::new(100, None, "(#100) Nothing to update: is_hidden is required")
        })?;
        world.hide_comment(&page.id, &node, hidden)?;
        Ok((json!({ "success": true }), Some(page)))
    })())
}

/// Facebook's answer for an id the token cannot reach.
pub(crate) fn unknown_object(id: &str) -> FbError {
    FbError::new(
        100,
        Some(33),
        &format!(
            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
        ),
    )
}

/// Keeps a file the page uploads (`filedata`) for the page.
fn keep_upload(
    world: &mut World,
    page: &Page,
    attachment: &AttachmentBody,
    file: Option<FileData>,
) -> Result<String, FbError> {
    let file = file.ok_or_else(|| {
        FbError::new(
            100,
            Some(2018047),
            "(#100) Upload attachment failure: no filedata",
        )
    })?;
    world.keep_media(
        &attachment.kind,
        Media {
            bytes: file.bytes,
            mime_type: file.mime_type,
            name: file.name,
            page_id: Some(page.id.clone()),
        },
    )
}

/// `GET /scontent/{id}/{name}?oe=...`: a file at its CDN link. Links expire (a newer signature
/// replaced theirs): those get 403, as Facebook's CDN answers, and the client must read the
/// message again for a fresh one.
pub async fn cdn(
    State(shared): State<Arc<Shared>>,
    Path((id, _name)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> Response {
    let world = shared.world.lock().expect("world");
    if params.get("oe") != Some(&cdn_signature(world.cdn_epoch)) {
        return (StatusCode::FORBIDDEN, "URL signature expired").into_response();
    }
    match world.media.get(&id) {
        Some(media) => (
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_str(&media.mime_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            )],
            media.bytes.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "Content not found").into_response(),
    }
}

fn cdn_signature(epoch: u64) -> String {
    format!("{:08X}", 0x6700_0000_u64 + epoch)
}

/// The CDN link of a file the emulator holds, signed for now.
pub(crate) fn cdn_link(base: &str, world_epoch: u64, id: &str, name: &str) -> String {
    let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!(
        "{base}/scontent/{id}/{name}?oe={}",
        cdn_signature(world_epoch)
    )
}

pub(crate) fn invalid(message: String) -> FbError {
    FbError::new(100, None, &format!("(#100) {message}"))
}

fn owned_conversation<'w>(
    world: &'w World,
    page: &Page,
    id: &str,
) -> Result<&'w Conversation, FbError> {
    world
        .conversations
        .get(id)
        .filter(|c| c.page_id == page.id)
        .ok_or_else(|| {
            FbError::new(
                100,
                Some(33),
                &format!("Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."),
            )
        })
}

fn render_page(page: &Page, fields: &[Field]) -> Value {
    let mut object = Map::new();
    for field in fields {
        let value = match field.name.as_str() {
            "id" => json!(page.id),
            "name" => json!(page.name),
            "category" => json!(page.category),
            _ => continue,
        };
        object.insert(field.name.clone(), value);
    }
    Value::Object(object)
}

/// `GET /debug_token?input_token=...` with the app's token (`APP_ID|APP_SECRET`): the kind of
/// token and when it expires (page tokens here do not; a user token lives an hour, a
/// long-lived one about 60 days).
fn debug_token(world: &World, headers: &HeaderMap, params: &Params) -> Result<Value, FbError> {
    let query: Vec<(String, String)> = params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let app_token = format!("{}|{}", world.app.id, world.app.secret);
    if token_of(headers, &query).as_deref() != Some(app_token.as_str()) {
        return Err(FbError::new(
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        ));
    }
    let input = params
        .get("input_token")
        .map(String::as_str)
        .unwrap_or_default();
    let now = Utc::now().timestamp();
    let page = world.page_by_token(input);
    let (kind, expires_at) = if page.is_some() {
        ("PAGE", 0)
    } else if input == world.user_token {
        ("USER", now + 3600)
    } else if input == world.long_lived_user_token() {
        ("USER", now + 5_183_944)
    } else {
        return Ok(json!({ "data": { "is_valid": false } }));
    };
    let scopes = page.map(|p| p.permissions.clone()).unwrap_or_default();
    Ok(
        json!({ "data": { "app_id": world.app.id, "type": kind, "expires_at": expires_at, "is_valid": true, "scopes": scopes } }),
    )
}

/// `GET /oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token`:
/// a long-lived user token (about 60 days) for a short-lived one.
fn exchange_token(world: &World, params: &Params) -> Result<Value, FbError> {
    let param = |name: &str| params.get(name).map(String::as_str);
    if param("grant_type") != Some("fb_exchange_token") {
        return Err(FbError::new(100, None, "(#100) Unsupported grant_type"));
    }
    if param("client_id") != Some(world.app.id.as_str()) {
        return Err(FbError::new(
            101,
            None,
            "Error validating application. Invalid application ID.",
        ));
    }
    if param("client_secret") != Some(world.app.secret.as_str()) {
        return Err(FbError::new(1, None, "Error validating client secret."));
    }
    if param("fb_exchange_token") != Some(world.user_token.as_str()) {
        return Err(FbError::new(
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        ));
    }
    Ok(
        json!({ "access_token": world.long_lived_user_token(), "token_type": "bearer", "expires_in": 5_183_944 }),
    )
}

fn render_accounts(world: &World) -> Value {
    let data: Vec<Value> = world
        .pages
        .values()
        .map(|p| {
            json!({
                "access_token": p.token,
                "category": p.category,
                "category_list": [{"id": "2201", "name": p.category}],
                "name": p.name,
                "id": p.id,
                "tasks": p.tasks,
            })
        })
        .collect();
    json!({ "data": data, "paging": { "cursors": { "before": "QVFIUmFh", "after": "QVFIUmJi" } } })
}

fn person(id: &str, name: &str) -> Value {
    json!({ "id": id, "name": name, "email": format!("{id}@facebook.com") })
}

fn render_conversation(
    conversation: &Conversation,
    page: &Page,
    fields: &[Field],
    link: &Link,
    cdn_epoch: u64,
) -> Value {
    let mut object = Map::new();
    for field in fields {
        let value = match field.name.as_str() {
            "id" => json!(conversation.id),
            "updated_time" => json!(graph_time(conversation.updated())),
            "snippet" => json!(conversation.snippet()),
            "message_count" => json!(conversation.messages.len()),
            "unread_count" => json!(conversation.unread()),
            "can_reply" => json!(conversation.can_reply),
            "is_subscribed" => json!(true),
            "link" => json!(format!("/{}/inbox/{}", page.id, conversation.id)),
            "participants" | "senders" => json!({ "data": [
                person(&conversation.customer.id, &conversation.customer.name),
                person(&page.id, &page.name),
            ]}),
            "messages" => {
                let children = if field.children.is_empty() {
                    fields::requested(None, &["id", "created_time"]).expect("defaults")
                } else {
                    field.children.clone()
                };
                let mut params = Params::new();
                params.insert(
                    "limit".into(),
                    field.limit.unwrap_or(DEFAULT_LIMIT).to_string(),
                );
                let link = Link::new(&link.base, &link.version, &[&conversation.id, "messages"])
                    .with_params(&params);
                match render_messages(conversation, page, &children, &params, &link, cdn_epoch) {
                    Ok(value) => value,
                    Err(_) => continue,
                }
            }
            _ => continue,
        };
        object.insert(field.name.clone(), value);
    }
    Value::Object(object)
}

fn render_messages(
    conversation: &Conversation,
    page: &Page,
    fields: &[Field],
    params: &Params,
    link: &Link,
    cdn_epoch: u64,
) -> Result<Value, FbError> {
    let newest_first: Vec<&Message> = conversation.messages.iter().rev().collect();
    let keys: Vec<Key> = newest_first
        .iter()
        .map(|m| Key::new(m.created, &m.id))
        .collect();
    let window = paginate(&keys, params)?;
    let data = window
        .range
        .clone()
        .map(|index| {
            let detailed = index < DETAILED_MESSAGES;
            let message = newest_first[index];
            let cdn = |id: &str, name: &str| cdn_link(&link.base, cdn_epoch, id, name);
            render_message(message, conversation, page, fields, detailed, &cdn)
        })
        .collect();
    Ok(list_body(data, &window, &keys, link))
}

fn render_message(
    message: &Message,
    conversation: &Conversation,
    page: &Page,
    fields: &[Field],
    detailed: bool,
    cdn: &dyn Fn(&str, &str) -> String,
) -> Value {
    let customer = &conversation.customer;
    let (from, to) = if message.from_page {
        (
            person(&page.id, &page.name),
            person(&customer.id, &customer.name),
        )
    } else {
        (
            person(&customer.id, &customer.name),
            person(&page.id, &page.name),
        )
    };
    let mut object = Map::new();
    for field in fields {
        let value = match field.name.as_str() {
            "id" => json!(message.id),
            "created_time" => json!(graph_time(message.created)),
            _ if !detailed => continue,
            "message" => json!(message.text),
            "from" => from.clone(),
            "to" => json!({ "data": [to.clone()] }),
            "sticker" => match &message.sticker {
                Some(sticker) => match sticker.strip_prefix(STICKER_MEDIA) {
                    Some(id) => json!(cdn(id, "sticker.png")),
                    None => json!(sticker),
                },
                None => continue,
            },
            "attachments" => match &message.attachment {
                Some(a) => {
                    let mut attachment = json!({ "id": format!("{}_a", message.id), "mime_type": a.mime_type, "name": a.name, "size": a.size });
                    // A file the emulator holds is at a CDN link signed for now.
                    let url = match (&a.media, &a.url) {
                        (Some(id), _) => cdn(id, &a.name),
                        (None, Some(url)) => url.clone(),
                        (None, None) => String::new(),
                    };
                    if a.mime_type.starts_with("image/") {
                        attachment["image_data"] = json!({ "url": url, "preview_url": url,
                            "width": 720, "height": 960, "render_as_sticker": false });
                    } else if a.mime_type.starts_with("video/") {
                        attachment["video_data"] = json!({ "url": url, "preview_url": url });
                    } else {
                        attachment["file_url"] = json!(url);
                    }
                    json!({ "data": [only_requested(attachment, &field.children)] })
                }
                None => continue,
            },
            "shares" => match &message.share {
                Some(share) => {
                    let share = json!({ "link": share.link, "name": share.name, "description": share.description });
                    json!({ "data": [only_requested(share, &field.children)] })
                }
                None => continue,
            },
            _ => continue,
        };
        object.insert(field.name.clone(), value);
    }
    Value::Object(object)
}

/// Only the fields asked for (`attachments{id,image_data{url}}`), as Facebook answers; all
/// of them when none are named. Fields without data are left out.
pub(crate) fn only_requested(value: Value, fields: &[Field]) -> Value {
    let Value::Object(object) = value else {
        return value;
    };
    let kept = object.into_iter().filter(|(_, v)| !v.is_null());
    if fields.is_empty() {
        return Value::Object(kept.collect());
    }
    Value::Object(
        kept.filter_map(|(key, v)| {
            let field = fields.iter().find(|f| f.name == key)?;
            Some((key, only_requested(v, &field.children)))
        })
        .collect(),
    )
}

/// A list position: the sort time and id of an item, which a cursor encodes.
#[derive(Clone, PartialEq)]
pub(crate) struct Key {
    time: i64,
    id: String,
    /// The list runs oldest first (comments in `chronological` order), not newest first.
    rising: bool,
}

impl Key {
    pub(crate) fn new(time: DateTime<Utc>, id: &str) -> Self {
        Self {
            time: time.timestamp(),
            id: id.to_owned(),
            rising: false,
        }
    }

    /// A position in a list that runs oldest first.
    pub(crate) fn rising(time: DateTime<Utc>, id: &str) -> Self {
        Self {
            rising: true,
            ..Key::new(time, id)
        }
    }

    fn cursor(&self) -> String {
        format!("{}|{}", self.time, self.id)
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn from_cursor(cursor: &str) -> Option<Key> {
        let bytes: Option<Vec<u8>> = (0..cursor.len())
            .step_by(2)
            .map(|i| {
                cursor
                    .get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        let text = String::from_utf8(bytes?).ok()?;
        let (time, id) = text.split_once('|')?;
        Some(Key {
            time: time.parse().ok()?,
            id: id.to_owned(),
            rising: false,
        })
    }

    /// Newest first: a later time, or the same time and a greater id, comes first; in a
    /// rising list, the earlier.
    fn comes_before(&self, other: &Key) -> bool {
        if other.rising {
            (self.time, &self.id) < (other.time, &other.id)
        } else {
            (self.time, &self.id) > (other.time, &other.id)
        }
    }
}

pub(crate) struct Window {
    pub(crate) range: std::ops::Range<usize>,
}

/// The slice of a newest-first list that `limit` and `after`/`before` select.
/// Heavy list calls (many conversations, each with many nested messages) get code 1, as
/// Facebook answers them, when the page has a data limit.
fn check_data_limit(page: &Page, params: &Params, fields: &[Field]) -> Result<(), FbError> {
    let Some(max) = page.data_limit else {
        return Ok(());
    };
    let nested = fields
        .iter()
        .find(|f| f.name == "messages")
        .map_or(0, |f| f.limit.unwrap_or(DEFAULT_LIMIT));
    if list_limit(params)? * nested.max(1) > max {
        return Err(FbError {
            status: 500,
            code: 1,
            subcode: None,
            message: "Please reduce the amount of data you're asking for, then retry your request"
                .into(),
            is_transient: None,
        });
    }
    Ok(())
}

pub(crate) fn list_limit(params: &Params) -> Result<usize, FbError> {
    Ok(match params.get("limit") {
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| FbError::new(100, None, "(#100) Param limit must be a number"))?,
        None => DEFAULT_LIMIT,
    }
    .clamp(1, MAX_LIMIT))
}

pub(crate) fn paginate(keys: &[Key], params: &Params) -> Result<Window, FbError> {
    let limit = list_limit(params)?;
    let bad_cursor = || FbError::new(100, None, "(#100) The cursor is not valid");
    let rising = keys.first().is_some_and(|k| k.rising);
    let cursor = |text: &String| {
        Key::from_cursor(text)
            .map(|key| Key { rising, ..key })
            .ok_or_else(bad_cursor)
    };
    let range = if let Some(after) = params.get("after") {
        let key = cursor(after)?;
        let start = keys
            .iter()
            .position(|k| key.comes_before(k))
            .unwrap_or(keys.len());
        start..(start + limit).min(keys.len())
    } else if let Some(before) = params.get("before") {
        let key = cursor(before)?;
        let end = keys
            .iter()
            .position(|k| !k.comes_before(&key))
            .unwrap_or(keys.len());
        end.saturating_sub(limit)..end
    } else {
        0..limit.min(keys.len())
    };
    Ok(Window { range })
}

pub(crate) fn list_body(data: Vec<Value>, window: &Window, keys: &[Key], link: &Link) -> Value {
    let mut body = json!({ "data": data });
    if window.range.is_empty() {
        return body;
    }
    let first = &keys[window.range.start];
    let last = &keys[window.range.end - 1];
    let mut paging = json!({ "cursors": { "before": first.cursor(), "after": last.cursor() } });
    if window.range.end < keys.len() {
        paging["next"] = json!(link.with_cursor("after", &last.cursor()));
    }
    if window.range.start > 0 {
        paging["previous"] = json!(link.with_cursor("before", &first.cursor()));
    }
    body["paging"] = paging;
    body
}

/// The URL of a list, for `next` and `previous`: the same request with another cursor. As on
/// Facebook, a token that came in the query stays in it; one sent in a header does not appear.
pub(crate) struct Link {
    pub(crate) base: String,
    pub(crate) version: String,
    path: String,
    params: Vec<(String, String)>,
}

impl Link {
    pub(crate) fn new(base: &str, version: &str, segments: &[&str]) -> Self {
        Self {
            base: base.to_owned(),
            version: version.to_owned(),
            path: segments.join("/"),
            params: Vec::new(),
        }
    }

    pub(crate) fn with_params(mut self, params: &Params) -> Self {
        let mut params: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "after" && k.as_str() != "before")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        self.params = params;
        self
    }

    fn with_cursor(&self, name: &str, cursor: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.params {
            query.append_pair(key, value);
        }
        query.append_pair(name, cursor);
        format!(
            "{}/{}/{}?{}",
            self.base,
            self.version,
            self.path,
            query.finish()
        )
    }
}
