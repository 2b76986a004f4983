//! A typed client for the parts of the Graph API that pagedesk uses. It knows nothing of SQLite;
//! it asks for the fields it needs, follows cursors, classifies errors and keeps tokens secret.

pub mod comments;
mod error;
pub mod events;
pub mod wire;

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

pub use error::{GraphError, Usage, classify};

use crate::files::FileKind;
use crate::model::{ConversationId, Folder, MessageId, PageId, Psid};
pub use events::{
    Change, CommentVerb, EventAttachment, EventChange, EventComment, EventMessage, EventReferral,
    WebhookEvents, webhook_events,
};
pub use wire::{
    Attachment, Conversation, ExchangedToken, List, ListedConversation, ManagedPage, Message,
    PageInfo, Person, SentMessage,
};

/// A Page access token. It is shown as `[redacted]` by `Debug` and can only be read through
/// [`AccessToken::expose`], at the one place a request is built.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: &str) -> Self {
        Self(token.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of this token in `text` (see [`redact_secret`]).
    pub fn redact(&self, text: &str) -> String {
        redact_secret(text, &self.0)
    }
}

/// Replaces `secret` in `text` whole, percent-encoded (as in a URL) or cut short (as Facebook's
/// error texts quote a token): any run of at least [`REDACT_MIN_CHARS`] characters that is part
/// of the secret or of an encoded form of it becomes `[redacted]`.
pub fn redact_secret(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let forms: Vec<Vec<char>> = [
        secret.to_owned(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        percent_encode_all(secret, false),
        percent_encode_all(secret, true),
    ]
    .iter()
    .map(|form| form.chars().collect())
    .collect();
    let shortest = REDACT_MIN_CHARS.min(secret.chars().count());
    let text: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let longest = forms
            .iter()
            .map(|form| longest_piece_at(&text[i..], form))
            .max()
            .unwrap_or(0);
        if longest >= shortest {
            out.push_str("[redacted]");
            i += longest;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

/// The shortest piece of a token that is redacted: long enough that ordinary words never match.
pub const REDACT_MIN_CHARS: usize = 8;

/// `text` with every byte that is not a letter or a digit written as `%XX` (or `%xx`).
fn percent_encode_all(text: &str, lower_hex: bool) -> String {
    text.bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() => (b as char).to_string(),
            b if lower_hex => format!("%{b:02x}"),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// How many characters from the start of `text` form a piece of `form` (a substring of it).
fn longest_piece_at(text: &[char], form: &[char]) -> usize {
    (0..form.len())
        .map(|start| {
            text.iter()
                .zip(&form[start..])
                .take_while(|(a, b)| a == b)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// The query that continues a list after `cursor` (nothing from the top).
fn after_cursor(cursor: Option<&str>) -> Vec<(&'static str, &str)> {
    cursor.map(|cursor| ("after", cursor)).into_iter().collect()
}

/// A Meta app's secret: it signs each call (`appsecret_proof`) for apps that require it, and is
/// never shown (`Debug` prints `[redacted]`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct AppSecret(String);

impl AppSecret {
    pub fn new(secret: &str) -> Self {
        Self(secret.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `appsecret_proof` for a token: the lowercase hex HMAC-SHA256 of the token, keyed by the
    /// app secret.
    pub fn proof(&self, token: &AccessToken) -> String {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.0.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(token.expose().as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl AppSecret {
    /// Whether `signature` (`X-Hub-Signature-256`: `sha256=` and lowercase hex) is the
    /// HMAC-SHA256 of `body` keyed by this secret, as Facebook signs every webhook. Compared in
    /// constant time.
    pub fn signed(&self, body: &[u8], signature: &str) -> bool {
        use hmac::Mac;
        let Some(hex) = signature.strip_prefix("sha256=") else {
            return false;
        };
        let bytes: Option<Vec<u8>> = (0..hex.len())
            .step_by(2)
            .map(|at| {
                hex.get(at..at + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect();
        let Some(bytes) = bytes else {
            return false;
        };
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.0.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(body);
        mac.verify_slice(&bytes).is_ok()
    }
}

impl std::fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppSecret([redacted])")
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// How much one conversation list call asks for: conversations per call, and the newest
/// messages nested in each. By default 25 and 20 (all Facebook details), so a sync costs one call
/// per 25 changed conversations; Facebook may answer "reduce the amount of data" to that, and
/// then less is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListSize {
    pub conversations: usize,
    pub messages: usize,
}

impl ListSize {
    pub const FULL: ListSize = ListSize {
        conversations: 25,
        messages: 20,
    };
    const SMALLEST: ListSize = ListSize {
        conversations: 5,
        messages: 5,
    };

    /// The next size down: fewer conversations first (messages matter more), then fewer
    /// messages; `None` below 5 and 5.
    pub fn smaller(self) -> Option<ListSize> {
        let halve = |n: usize, floor: usize| (n / 2).max(floor);
        if self.conversations > Self::SMALLEST.conversations {
            Some(ListSize {
                conversations: halve(self.conversations, Self::SMALLEST.conversations),
                ..self
            })
        } else if self.messages > Self::SMALLEST.messages {
            Some(ListSize {
                messages: halve(self.messages, Self::SMALLEST.messages),
                ..self
            })
        } else {
            None
        }
    }

    /// The fields asked of each conversation.
    fn fields(self) -> String {
        format!(
            "id,updated_time,snippet,unread_count,message_count,can_reply,participants,messages.limit({}){{{MESSAGE_FIELDS}}}",
            self.messages
        )
    }
}

/// Fields asked of every message: its text, who wrote it, and what came with it (pictures,
/// videos and files with their details; links to posts or products shared).
pub const MESSAGE_FIELDS: &str = "id,created_time,message,from,to,sticker,attachments{id,mime_type,name,size,image_data{url,preview_url,width,height,render_as_sticker},video_data{url,preview_url},file_url},shares{link,name,description}";

/// Conversation ids asked for per list call (Facebook's largest page).
pub const ID_PAGE_SIZE: usize = 100;
/// The most pages of `/me/accounts` read.
const MAX_ACCOUNT_PAGES: usize = 20;

/// One page of a list, and the cursor to the next page when Facebook says there is one.
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
    pub usage: Usage,
}

/// How a reply is sent: inside the 24-hour window, or as a human agent up to 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagingType {
    Response,
    HumanAgent,
}

#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base: Url,
    /// Signs every call with `appsecret_proof` when the app requires it.
    app_secret: Option<AppSecret>,
    /// Tries for a read that fails transiently, and the first pause between them (doubling).
    read_tries: u32,
    first_backoff: Duration,
}

#[derive(Serialize)]
struct SendBody<'a, M> {
    recipient: Recipient<'a>,
    messaging_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'static str>,
    message: M,
}

#[derive(Serialize)]
struct Recipient<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct SendText<'a> {
    text: &'a str,
}

/// `message` of a send that carries a file Facebook keeps for the page.
#[derive(Serialize)]
struct SendAttachment<'a> {
    attachment: AttachmentMessage<'a>,
}

#[derive(Serialize)]
struct AttachmentMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    payload: AttachmentPayload<'a>,
}

#[derive(Serialize)]
struct AttachmentPayload<'a> {
    attachment_id: &'a str,
}

/// A file to upload: its bytes, the name the buyer sees, its MIME type and Facebook's kind.
pub struct Upload<'a> {
    pub bytes: Vec<u8>,
    pub name: &'a str,
    pub mime_type: &'a str,
    pub kind: FileKind,
}

#[derive(Deserialize)]
struct UploadedAttachment {
    attachment_id: String,
}

impl GraphClient {
    /// `base_url` like `https://graph.facebook.com`, `version` like `v25.0`.
    pub fn new(base_url: &str, version: &str, timeout: Duration) -> Result<Self, GraphError> {
        let mut base = Url::parse(base_url)
            .map_err(|e| GraphError::Transient(format!("bad Graph API base URL: {e}")))?;
        base.path_segments_mut()
            .map_err(|()| GraphError::Transient("bad Graph API base URL".into()))?
            .pop_if_empty()
            .push(version)
            .push("");
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("pagedesk/", env!("CARGO_PKG_VERSION")))
            // The Graph API does not redirect; following one could hand data from another host
            // to the sync as if Facebook had sent it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| GraphError::Transient(format!("cannot set up HTTP: {e}")))?;
        Ok(Self {
            http,
            base,
            app_secret: None,
            read_tries: 3,
            first_backoff: Duration::from_millis(500),
        })
    }

    /// Every call from now on carries `appsecret_proof`, signed with `secret`.
    pub fn with_app_secret(mut self, secret: Option<AppSecret>) -> Self {
        self.app_secret = secret;
        self
    }

    /// The token in the `Authorization` header (never in the URL), and the app secret proof
    /// when the app has a secret.
    fn authorized(
        &self,
        request: reqwest::RequestBuilder,
        token: &AccessToken,
    ) -> reqwest::RequestBuilder {
        let request = request.bearer_auth(token.expose());
        match &self.app_secret {
            Some(secret) => request.query(&[("appsecret_proof", secret.proof(token))]),
            None => request,
        }
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().expect("base URL has a path");
            path.pop_if_empty();
            for segment in segments {
                path.push(segment);
            }
        }
        url
    }

    /// `GET /{page-id}?fields=id,name`: a cheap check that the token works, and the page's name.
    pub async fn page(
        &self,
        page_id: &PageId,
        token: &AccessToken,
    ) -> Result<PageInfo, GraphError> {
        let url = self.url(&[page_id.as_str()]);
        let (page, _) = self
            .read(url, &[("fields", "id,name")], token, Some(page_id))
            .await?;
        Ok(page)
    }

    /// `GET /{page-id}/conversations` for one folder, newest first, starting after `after`.
    pub async fn conversations(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        folder: Folder,
        size: ListSize,
        after: Option<&str>,
    ) -> Result<Listing<Conversation>, GraphError> {
        let fields = size.fields();
        self.list_folder(
            page_id,
            token,
            folder,
            &fields,
            size.conversations,
            &after_cursor(after),
        )
        .await
    }

    /// The ids of the conversations in a folder, newest first: a cheap way to see what moved.
    pub async fn conversation_ids(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        folder: Folder,
        after: Option<&str>,
    ) -> Result<Listing<ListedConversation>, GraphError> {
        self.list_folder(
            page_id,
            token,
            folder,
            "id",
            ID_PAGE_SIZE,
            &after_cursor(after),
        )
        .await
    }

    /// One person's conversation with the page (`user_id`: their PSID), with the same fields
    /// as the list, if it is in `folder`: how a webhook's event becomes a stored conversation,
    /// with its folder known.
    pub async fn conversation_with(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        folder: Folder,
        person: &Psid,
        size: ListSize,
    ) -> Result<Option<Conversation>, GraphError> {
        let fields = size.fields();
        let listing = self
            .list_folder(
                page_id,
                token,
                folder,
                &fields,
                1,
                &[("user_id", person.as_str())],
            )
            .await?;
        Ok(listing.items.into_iter().next())
    }

    /// Whether one person's conversation with the page is in `folder` now (one id asked for).
    pub async fn in_folder(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        folder: Folder,
        person: &Psid,
    ) -> Result<bool, GraphError> {
        let listing: Listing<ListedConversation> = self
            .list_folder(
                page_id,
                token,
                folder,
                "id",
                1,
                &[("user_id", person.as_str())],
            )
            .await?;
        Ok(!listing.items.is_empty())
    }

    /// A folder's list; `more` narrows it (`after` a cursor, `user_id` one person).
    async fn list_folder<T: DeserializeOwned>(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        folder: Folder,
        fields: &str,
        limit: usize,
        more: &[(&str, &str)],
    ) -> Result<Listing<T>, GraphError> {
        let url = self.url(&[page_id.as_str(), "conversations"]);
        let limit = limit.to_string();
        let mut query = vec![
            ("platform", "messenger"),
            ("folder", folder.as_str()),
            ("fields", fields),
            ("limit", limit.as_str()),
        ];
        query.extend_from_slice(more);
        let (list, usage): (List<T>, _) = self.read(url, &query, token, Some(page_id)).await?;
        let next_after = next_cursor(&list);
        Ok(Listing {
            items: list.data,
            next_after,
            usage,
        })
    }

    /// `GET /{conversation-id}` with the same fields as the list, for one conversation.
    pub async fn conversation(
        &self,
        page_id: &PageId,
        conversation_id: &ConversationId,
        token: &AccessToken,
        size: ListSize,
    ) -> Result<Conversation, GraphError> {
        let url = self.url(&[conversation_id.as_str()]);
        let fields = size.fields();
        let query = [("fields", fields.as_str())];
        let (conversation, _) = self.read(url, &query, token, Some(page_id)).await?;
        Ok(conversation)
    }

    /// `GET /{conversation-id}/messages`: `limit` messages newest first, after the cursor
    /// `after`. Only a conversation's 20 most recent come with details; older ones have their
    /// id and time alone.
    pub async fn messages(
        &self,
        page_id: &PageId,
        conversation_id: &ConversationId,
        token: &AccessToken,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Listing<Message>, GraphError> {
        let url = self.url(&[conversation_id.as_str(), "messages"]);
        let limit = limit.to_string();
        let mut query = vec![("fields", MESSAGE_FIELDS), ("limit", limit.as_str())];
        query.extend(after_cursor(after));
        let (list, usage): (List<Message>, _) =
            self.read(url, &query, token, Some(page_id)).await?;
        let next_after = next_cursor(&list);
        Ok(Listing {
            items: list.data,
            next_after,
            usage,
        })
    }

    /// `GET /{message-id}`: one message with its details, for fresh links to its files
    /// (Facebook's CDN links expire).
    pub async fn message(
        &self,
        page_id: &PageId,
        message_id: &MessageId,
        token: &AccessToken,
    ) -> Result<Message, GraphError> {
        let url = self.url(&[message_id.as_str()]);
        let (message, _) = self
            .read(url, &[("fields", MESSAGE_FIELDS)], token, Some(page_id))
            .await?;
        Ok(message)
    }

    /// The bytes of a file at a CDN link from a message. The link is signed by Facebook: no
    /// token goes with it (it is not a Graph call). `Ok(None)` when the link no longer works
    /// (expired or gone), so that the message is read again for a fresh one.
    pub async fn file(&self, link: &str) -> Result<Option<Vec<u8>>, GraphError> {
        let url = Url::parse(link)
            .map_err(|e| GraphError::Transient(format!("the file's link is not a URL: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Ok(None);
        }
        let no_token = AccessToken::new("");
        let mut response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| transport_error(&e, &no_token))?;
        let status = response.status();
        if matches!(status.as_u16(), 403 | 404 | 410) || status.is_redirection() {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(GraphError::Transient(format!(
                "Facebook's file server answered HTTP {status}"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(&e, &no_token))?
        {
            if (body.len() + chunk.len()) as u64 > crate::files::MAX_FILE_BYTES {
                return Err(GraphError::Transient(
                    "the file is larger than Facebook's 25 MB; stopped reading it".into(),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(body))
    }

    /// `GET /oauth/access_token?grant_type=fb_exchange_token`: a long-lived user token (about
    /// 60 days) for a short-lived one, with the app's id and secret.
    pub async fn exchange_user_token(
        &self,
        app_id: &str,
        secret: &AppSecret,
        user_token: &AccessToken,
    ) -> Result<AccessToken, GraphError> {
        let request = self.http.get(self.url(&["oauth", "access_token"])).query(&[
            ("grant_type", "fb_exchange_token"),
            ("client_id", app_id),
            ("client_secret", secret.expose()),
            ("fb_exchange_token", user_token.expose()),
        ]);
        let (answer, _): (ExchangedToken, _) = self
            .exchange(request, user_token, None)
            .await
            .map_err(|e| e.redacted(secret.expose()))?;
        Ok(answer.access_token)
    }

    /// `GET /debug_token?input_token=...` with the app's access token (`APP_ID|APP_SECRET`):
    /// what kind of token `token` is and when it expires.
    pub async fn debug_token(
        &self,
        app_id: &str,
        secret: &AppSecret,
        token: &AccessToken,
    ) -> Result<wire::TokenData, GraphError> {
        let app_token = AccessToken::new(&format!("{app_id}|{}", secret.expose()));
        let url = self.url(&["debug_token"]);
        let (info, _): (wire::TokenInfo, _) = self
            .read(url, &[("input_token", token.expose())], &app_token, None)
            .await
            .map_err(|e| e.redacted(token.expose()))?;
        Ok(info.data)
    }

    /// `GET /me/accounts` with a user token: every page the user manages, with its page token
    /// and the user's tasks on it.
    pub async fn managed_pages(
        &self,
        user_token: &AccessToken,
    ) -> Result<Vec<ManagedPage>, GraphError> {
        let url = self.url(&["me", "accounts"]);
        let limit = ID_PAGE_SIZE.to_string();
        let mut pages = Vec::new();
        let mut after: Option<String> = None;
        // A user manages a handful of pages; the bound only stops a list that never ends.
        for _ in 0..MAX_ACCOUNT_PAGES {
            let mut query = vec![
                ("fields", "id,name,access_token,tasks"),
                ("limit", limit.as_str()),
            ];
            if let Some(after) = &after {
                query.push(("after", after));
            }
            let (list, _): (List<ManagedPage>, _) =
                self.read(url.clone(), &query, user_token, None).await?;
            let next = next_cursor(&list);
            pages.extend(list.data);
            match next {
                Some(cursor) if Some(&cursor) != after.as_ref() => after = Some(cursor),
                _ => break,
            }
        }
        Ok(pages)
    }

    /// `POST /{page-id}/messages`. Never retried here: whether a failed send reached the
    /// customer is for the outbox to find out before it sends again.
    pub async fn send(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        recipient_id: &Psid,
        text: &str,
        messaging_type: MessagingType,
    ) -> Result<SentMessage, GraphError> {
        self.post_message(
            page_id,
            token,
            recipient_id.as_str(),
            SendText { text },
            messaging_type,
        )
        .await
    }

    async fn post_message<M: Serialize>(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        recipient_id: &str,
        message: M,
        messaging_type: MessagingType,
    ) -> Result<SentMessage, GraphError> {
        let (messaging_type, tag) = match messaging_type {
            MessagingType::Response => ("RESPONSE", None),
            MessagingType::HumanAgent => ("MESSAGE_TAG", Some("HUMAN_AGENT")),
        };
        let body = SendBody {
            recipient: Recipient { id: recipient_id },
            messaging_type,
            tag,
            message,
        };
        let request = self
            .authorized(
                self.http.post(self.url(&[page_id.as_str(), "messages"])),
                token,
            )
            .json(&body);
        let (sent, _) = self.exchange(request, token, Some(page_id)).await?;
        Ok(sent)
    }

    /// `POST /{page-id}/message_attachments`: uploads a file for Facebook to keep for the page
    /// (`is_reusable`), and returns the id later sends name it by. The same file is then sent
    /// to any number of buyers without being uploaded again.
    pub async fn upload_attachment(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        upload: Upload<'_>,
    ) -> Result<String, GraphError> {
        let message = serde_json::json!({
            "attachment": { "type": upload.kind.as_str(), "payload": { "is_reusable": true } }
        });
        let part = reqwest::multipart::Part::bytes(upload.bytes)
            .file_name(upload.name.to_owned())
            .mime_str(upload.mime_type)
            .map_err(|e| GraphError::Transient(format!("cannot prepare the upload: {e}")))?;
        let form = reqwest::multipart::Form::new()
            .text("message", message.to_string())
            .part("filedata", part);
        let request = self
            .authorized(
                self.http
                    .post(self.url(&[page_id.as_str(), "message_attachments"])),
                token,
            )
            .multipart(form);
        let (uploaded, _): (UploadedAttachment, _) =
            self.exchange(request, token, Some(page_id)).await?;
        Ok(uploaded.attachment_id)
    }

    /// `POST /{page-id}/messages` with a file uploaded before (its `attachment_id`): one
    /// attachment per message, without text. Never retried here, as [`GraphClient::send`].
    pub async fn send_attachment(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        recipient_id: &Psid,
        kind: FileKind,
        attachment_id: &str,
        messaging_type: MessagingType,
    ) -> Result<SentMessage, GraphError> {
        let message = SendAttachment {
            attachment: AttachmentMessage {
                kind: kind.as_str(),
                payload: AttachmentPayload { attachment_id },
            },
        };
        self.post_message(
            page_id,
            token,
            recipient_id.as_str(),
            message,
            messaging_type,
        )
        .await
    }

    async fn read<T: DeserializeOwned>(
        &self,
        url: Url,
        query: &[(&str, &str)],
        token: &AccessToken,
        page_id: Option<&PageId>,
    ) -> Result<(T, Usage), GraphError> {
        let mut backoff = self.first_backoff;
        let mut tries_left = self.read_tries;
        loop {
            let request = self.authorized(self.http.get(url.clone()).query(query), token);
            match self.exchange(request, token, page_id).await {
                Err(e) if e.is_transient() && tries_left > 1 => {
                    tracing::debug!(path = url.path(), error = %e, "retrying a transient failure");
                    tries_left -= 1;
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                result => return result,
            }
        }
    }

    /// One request and Facebook's answer. Facebook's words in an error may quote the app's
    /// secret as well as the token: neither leaves here.
    async fn exchange<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        token: &AccessToken,
        page_id: Option<&PageId>,
    ) -> Result<(T, Usage), GraphError> {
        let answered = self.exchange_once(request, token, page_id).await;
        match &self.app_secret {
            Some(secret) => answered.map_err(|e| e.redacted(secret.expose())),
            None => answered,
        }
    }

    async fn exchange_once<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        token: &AccessToken,
        page_id: Option<&PageId>,
    ) -> Result<(T, Usage), GraphError> {
        let mut response = request
            .send()
            .await
            .map_err(|e| transport_error(&e, token))?;
        let status = response.status();
        let headers: HeaderMap = response.headers().clone();
        if status.is_redirection() {
            return Err(GraphError::Transient(format!(
                "Facebook's answer was a redirect (HTTP {status}) to another address; pagedesk does not follow it"
            )));
        }
        let body = read_capped(&mut response, token).await?;
        let classified = || classify(status, &body, &headers, page_id, |t| token.redact(t));
        if !status.is_success() {
            return Err(classified());
        }
        match decode(&body) {
            Ok(value) => Ok((value, Usage::from_headers(&headers, page_id))),
            // A Graph error can come with HTTP 200 too: it is an error all the same.
            Err(_) if error::is_error_body(&body) => Err(classified()),
            Err(unreadable) => Err(unreadable),
        }
    }
}

/// The most pagedesk reads of one answer. Graph answers are small (a list page is some hundred
/// kilobytes at most); anything far larger is a fault, and reading on would exhaust memory.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Reads the body up to [`MAX_ANSWER_BYTES`].
async fn read_capped(
    response: &mut reqwest::Response,
    token: &AccessToken,
) -> Result<Vec<u8>, GraphError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(&e, token))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(GraphError::Transient(format!(
                "Facebook's answer is larger than {} MB; stopped reading it",
                MAX_ANSWER_BYTES / (1024 * 1024)
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a successful answer. A body that is not valid UTF-8, or carries a lone UTF-16
/// surrogate escape (which serde rejects), is repaired with U+FFFD rather than lose the whole
/// list over one bad name.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, GraphError> {
    let unreadable = |e: serde_json::Error| {
        // serde quotes the value it could not take: Facebook's text, so it is cleaned.
        GraphError::Transient(format!(
            "Facebook sent a response pagedesk cannot read ({})",
            crate::text::clean_line(&e.to_string())
        ))
    };
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(first) => {
            let repaired = repair_lone_surrogates(&String::from_utf8_lossy(body));
            serde_json::from_str(&repaired).map_err(|_| unreadable(first))
        }
    }
}

/// Replaces `\uD800`-`\uDFFF` escapes that do not form a surrogate pair with `\uFFFD`.
fn repair_lone_surrogates(json: &str) -> String {
    let chars: Vec<char> = json.chars().collect();
    let escape_at = |i: usize| -> Option<u32> {
        if chars.get(i) == Some(&'\\') && chars.get(i + 1) == Some(&'u') {
            let hex: String = chars.get(i + 2..i + 6)?.iter().collect();
            u32::from_str_radix(&hex, 16).ok()
        } else {
            None
        }
    };
    let mut out = String::with_capacity(json.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '\\' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        match escape_at(i) {
            Some(0xD800..=0xDBFF)
                if escape_at(i + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) =>
            {
                out.extend(&chars[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str("\\uFFFD");
                i += 6;
            }
            _ => {
                // Any other escape (\\, \", \n, a normal \u) is copied whole.
                out.extend(chars.get(i..(i + 2).min(chars.len())).unwrap_or_default());
                i += 2;
            }
        }
    }
    out
}

/// The cursor to the next page. The end of a list is the absence of `next`; the cursor is taken
/// from `paging.cursors.after` (or, failing that, from the `next` URL) so that pagedesk never
/// follows a URL to a host it was not configured with.
fn next_cursor<T>(list: &List<T>) -> Option<String> {
    let paging = list.paging.as_ref()?;
    let next = paging.next.as_ref()?;
    paging
        .cursors
        .as_ref()
        .and_then(|c| c.after.clone())
        .or_else(|| {
            Url::parse(next).ok().and_then(|url| {
                url.query_pairs()
                    .find(|(key, _)| key == "after")
                    .map(|(_, value)| value.into_owned())
            })
        })
}

fn transport_error(e: &reqwest::Error, token: &AccessToken) -> GraphError {
    let words = if e.is_timeout() {
        "Facebook did not answer in time"
    } else if e.is_connect() {
        "cannot connect to Facebook"
    } else if e.is_body() || e.is_decode() {
        "the connection to Facebook broke while reading the answer"
    } else {
        "the connection to Facebook broke"
    };
    // The innermost cause says most ("connection closed before message completed"). The URL
    // never holds the token (it goes in a header), but the text is redacted anyway.
    let mut cause: &dyn std::error::Error = e;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let detail = token.redact(&cause.to_string());
    // A connection never made carried nothing: a send through it is known not to have gone.
    if e.is_connect() && !e.is_timeout() {
        return GraphError::Unreached(format!("{words}: {detail}"));
    }
    GraphError::Transient(format!("{words}: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_is_signed_only_by_the_hmac_of_its_own_body_with_the_app_secret() {
        let secret = AppSecret::new("emulated-app-secret-3f9c2b");
        let body = br#"{"object":"page","entry":[]}"#;
        // Computed apart: printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret"
        let hex = "f38da1abfe81614e1bd1df111a872d4bd4d9532126c5dcbace5f752258476ae1";
        assert!(secret.signed(body, &format!("sha256={hex}")));
        assert!(
            !secret.signed(b"{}", &format!("sha256={hex}")),
            "another body"
        );
        assert!(!secret.signed(body, hex), "without sha256=");
        assert!(!secret.signed(body, &format!("sha1={hex}")));
        assert!(
            !secret.signed(body, &format!("sha256={}", &hex[..62])),
            "cut short"
        );
        assert!(!secret.signed(body, "sha256=zz"), "not hex");
        assert!(!secret.signed(body, "sha256=é1"), "not ASCII");
        assert!(!AppSecret::new("other").signed(body, &format!("sha256={hex}")));
    }

    #[test]
    fn the_app_secret_proof_is_the_hex_hmac_sha256_of_the_token() {
        let secret = AppSecret::new("key");
        let token = AccessToken::new("The quick brown fox jumps over the lazy dog");
        assert_eq!(
            secret.proof(&token),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        assert_eq!(format!("{secret:?}"), "AppSecret([redacted])");
    }

    #[test]
    fn a_second_secret_is_redacted_from_any_error() {
        let secret = "app-secret-0123456789";
        let error = GraphError::Permission {
            code: 10,
            message: format!("bad client_secret {secret}"),
        };
        let said = error.redacted(secret).to_string();
        assert!(
            said.contains("[redacted]") && !said.contains("0123456789"),
            "{said}"
        );
    }

    #[test]
    fn tokens_are_redacted_whole_encoded_and_cut_short() {
        let token = AccessToken::new("EAAB+x/y=z12345678abcdefgh");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        for leaked in [
            "EAAB+x/y=z12345678abcdefgh",
            "EAAB%2Bx%2Fy%3Dz12345678abcdefgh",
            "EAAB%2bx%2fy%3dz12345678abcdefgh",
            "EAAB+x/y=z1234",
            "345678abcdefgh",
        ] {
            let said = token.redact(&format!("Cannot parse access token {leaked}, sorry"));
            assert_eq!(
                said, "Cannot parse access token [redacted], sorry",
                "{leaked}"
            );
        }
        assert_eq!(
            token.redact("the token EAAB is short"),
            "the token EAAB is short"
        );
    }

    #[test]
    fn lone_surrogates_and_bad_bytes_do_not_lose_the_list() {
        let body = br#"{"data":[{"id":"t_1","snippet":"a\ud800b \ud83d\ude00 \\ud800"}]}"#;
        let list: List<Conversation> = decode(body).unwrap();
        assert_eq!(
            list.data[0].snippet.as_deref(),
            Some("a\u{fffd}b 😀 \\ud800")
        );
        let mut bytes = br#"{"data":[{"id":"t_2","snippet":"x"}]}"#.to_vec();
        bytes.insert(32, 0xff);
        let list: List<Conversation> = decode(&bytes).unwrap();
        assert_eq!(list.data[0].id, "t_2");
        assert!(decode::<List<Conversation>>(b"{\"data\":[").is_err());
    }
}
