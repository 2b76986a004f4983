//! The control API spelled once: each route under [`CONTROL_PREFIX`](crate::CONTROL_PREFIX) a
//! method, for the tests, the benches and the demo (who no longer build its paths by hand). The
//! bodies are the JSON `docs/emulator.md` describes; a refused request is an error naming the
//! route and what the emulator said.

use anyhow::{Context, bail};
use reqwest::Method;
use serde_json::{Value, json};

use crate::folder::Folder;

use crate::CONTROL_PREFIX;

#[derive(Clone)]
pub struct Control {
    http: reqwest::Client,
    /// The emulator's address with the control prefix.
    base: String,
}

impl Control {
    /// The control API of the emulator at `emulator_url` (as `Emulator::url` says it).
    pub fn new(emulator_url: &str) -> Control {
        Control {
            http: reqwest::Client::new(),
            base: format!("{}{CONTROL_PREFIX}", emulator_url.trim_end_matches('/')),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request, method, path).await
    }

    /// Sends `request` (`method` on `path`, named in errors) and reads its JSON answer, if any.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        method: Method,
        path: &str,
    ) -> anyhow::Result<Value> {
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!("{method} {path}: {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::GET, path, None).await
    }

    async fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::DELETE, path, None).await
    }

    /// Pages, conversations and messages as the emulator holds them.
    pub async fn summary(&self) -> anyhow::Result<Value> {
        self.get("/").await
    }

    /// A buyer writes to `page` (a new buyer by `customer_name`, or into `conversation_id`).
    pub async fn buyer_message(&self, page: &str, message: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/buyer_messages"), message)
            .await
    }

    /// The page publishes a post, with one of the emulator's pictures (`asset:...`), written
    /// `seconds_ago`; returns its id.
    pub async fn publish(
        &self,
        page: &str,
        message: &str,
        picture: Option<&str>,
        seconds_ago: i64,
    ) -> anyhow::Result<String> {
        let body = json!({ "message": message, "picture": picture, "seconds_ago": seconds_ago });
        let answer = self.post(&format!("/pages/{page}/posts"), body).await?;
        id_in(&answer, "post_id")
    }

    /// A buyer (by name, as for messages: the same name is the same PSID) comments on a post,
    /// or answers `parent`, `seconds_ago`; returns the comment's id.
    pub async fn buyer_comment(
        &self,
        post: &str,
        customer_name: &str,
        text: &str,
        parent: Option<&str>,
        seconds_ago: i64,
    ) -> anyhow::Result<String> {
        let body = json!({ "customer_name": customer_name, "text": text, "parent_id": parent,
            "seconds_ago": seconds_ago });
        let answer = self.post(&format!("/posts/{post}/comments"), body).await?;
        id_in(&answer, "comment_id")
    }

    /// The buyer changes their comment's words.
    pub async fn edit_comment(&self, comment: &str, text: &str) -> anyhow::Result<()> {
        self.post(
            &format!("/comments/{comment}/edit"),
            json!({ "text": text }),
        )
        .await
        .map(drop)
    }

    /// The buyer deletes their comment.
    pub async fn remove_comment(&self, comment: &str) -> anyhow::Result<()> {
        self.call(Method::POST, &format!("/comments/{comment}/remove"), None)
            .await
            .map(drop)
    }

    /// A post and its comments as Facebook holds them (hidden, liked, answered privately).
    pub async fn post_on_facebook(&self, post: &str) -> anyhow::Result<Value> {
        self.get(&format!("/posts/{post}")).await
    }

    /// The permissions the page's token was granted (`pages_manage_engagement`...).
    pub async fn permissions(&self, page: &str, granted: &[&str]) -> anyhow::Result<()> {
        self.post(
            &format!("/pages/{page}/permissions"),
            json!({ "permissions": granted }),
        )
        .await
        .map(drop)
    }

    /// The `feed` webhook names a comment's author the older way (`sender_id`, `sender_name`).
    pub async fn older_feed_shape(&self, older: bool) -> anyhow::Result<()> {
        self.post("/feed_shape", json!({ "older": older }))
            .await
            .map(drop)
    }

    /// Staff write `text` from Facebook itself (Meta Business Suite), not through pagedesk,
    /// `seconds_ago`; the answer names the message.
    pub async fn page_message(
        &self,
        conversation: &str,
        text: &str,
        seconds_ago: i64,
    ) -> anyhow::Result<Value> {
        self.post(
            &format!("/conversations/{conversation}/page_messages"),
            json!({ "text": text, "seconds_ago": seconds_ago }),
        )
        .await
    }

    pub async fn conversation(&self, conversation: &str) -> anyhow::Result<Value> {
        self.get(&format!("/conversations/{conversation}")).await
    }

    /// Moves a conversation to another folder, as staff or Facebook's filter would.
    pub async fn move_conversation(&self, conversation: &str, to: Folder) -> anyhow::Result<()> {
        self.post(
            &format!("/conversations/{conversation}/folder"),
            json!({ "folder": to }),
        )
        .await
        .map(drop)
    }

    /// Makes a conversation's messages older by `seconds`.
    pub async fn age(&self, conversation: &str, seconds: i64) -> anyhow::Result<()> {
        self.post(
            &format!("/conversations/{conversation}/age"),
            json!({ "seconds": seconds }),
        )
        .await
        .map(drop)
    }

    /// Whether the page may still message the person.
    pub async fn can_reply(&self, conversation: &str, can_reply: bool) -> anyhow::Result<()> {
        self.post(
            &format!("/conversations/{conversation}/can_reply"),
            json!({ "can_reply": can_reply }),
        )
        .await
        .map(drop)
    }

    /// Another app (`taken_by`) takes the conversation, or (`None`) hands it back.
    pub async fn routing(&self, conversation: &str, taken_by: Option<&str>) -> anyhow::Result<()> {
        self.post(
            &format!("/conversations/{conversation}/routing"),
            json!({ "taken_by": taken_by }),
        )
        .await
        .map(drop)
    }

    /// The buyer changes their message's words to `text`.
    pub async fn edit_message(&self, message: &str, text: &str) -> anyhow::Result<()> {
        self.post(
            &format!("/messages/{message}/edit"),
            json!({ "text": text }),
        )
        .await
        .map(drop)
    }

    pub async fn unsend_message(&self, message: &str) -> anyhow::Result<Value> {
        self.call(Method::POST, &format!("/messages/{message}/unsend"), None)
            .await
    }

    /// The buyer puts `emoji` (Facebook's name for it: `reaction`) on a message, or (`None`)
    /// takes theirs off.
    pub async fn react(&self, message: &str, emoji: Option<(&str, &str)>) -> anyhow::Result<()> {
        let body = match emoji {
            Some((emoji, reaction)) => json!({ "emoji": emoji, "reaction": reaction }),
            None => json!({ "emoji": null }),
        };
        self.post(&format!("/messages/{message}/reaction"), body)
            .await
            .map(drop)
    }

    /// The page's token fails from now on with error 190 and `subcode` (463 expired, 460
    /// password changed...), or (`None`) works again.
    pub async fn token(&self, page: &str, subcode: Option<i64>) -> anyhow::Result<()> {
        self.post(
            &format!("/pages/{page}/token"),
            json!({ "error_subcode": subcode }),
        )
        .await
        .map(drop)
    }

    /// The usage Facebook reports for the page (`X-Business-Use-Case-Usage`), in percent.
    pub async fn usage(&self, page: &str, percent: u32) -> anyhow::Result<()> {
        self.post(
            &format!("/pages/{page}/usage"),
            json!({ "percent": percent }),
        )
        .await
        .map(drop)
    }

    /// Facebook asks for less data per call (error 1 "reduce the amount of data") above `max`
    /// messages in one listing, or (`None`) never.
    pub async fn data_limit(&self, page: &str, max: Option<usize>) -> anyhow::Result<()> {
        self.post(&format!("/pages/{page}/data_limit"), json!({ "max": max }))
            .await
            .map(drop)
    }

    /// Whether Meta approved the page's sends with the HUMAN_AGENT tag.
    pub async fn human_agent(&self, page: &str, approved: bool) -> anyhow::Result<()> {
        self.post(
            &format!("/pages/{page}/human_agent"),
            json!({ "approved": approved }),
        )
        .await
        .map(drop)
    }

    /// Facebook restricts the page from sending (error 10, subcode 1893063), or lifts it.
    pub async fn sending_restricted(&self, page: &str, restricted: bool) -> anyhow::Result<()> {
        self.post(
            &format!("/pages/{page}/sending_restricted"),
            json!({ "restricted": restricted }),
        )
        .await
        .map(drop)
    }

    /// A buyer comes from an ad or an m.me link.
    pub async fn referral(&self, page: &str, referral: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/referrals"), referral)
            .await
    }

    /// The tasks the token's person may do on the page (`MESSAGING`, `ANALYZE`...).
    pub async fn tasks(&self, page: &str, tasks: &[&str]) -> anyhow::Result<()> {
        self.post(&format!("/pages/{page}/tasks"), json!({ "tasks": tasks }))
            .await
            .map(drop)
    }

    /// `conversations` more at once, for scale, of `messages_per_conversation` messages each
    /// (every `spam_every`-th in Spam; 0: none).
    pub async fn generate(
        &self,
        page: &str,
        conversations: usize,
        messages_per_conversation: usize,
        spam_every: usize,
    ) -> anyhow::Result<()> {
        let body = json!({ "conversations": conversations,
            "messages_per_conversation": messages_per_conversation, "spam_every": spam_every });
        self.post(&format!("/pages/{page}/generate"), body)
            .await
            .map(drop)
    }

    /// The page's name on Facebook becomes `name`.
    pub async fn rename_page(&self, page: &str, name: &str) -> anyhow::Result<()> {
        self.post(&format!("/pages/{page}/name"), json!({ "name": name }))
            .await
            .map(drop)
    }

    /// "Require App Secret" on or off for the app.
    pub async fn require_proof(&self, on: bool) -> anyhow::Result<()> {
        self.post("/app", json!({ "require_proof": on }))
            .await
            .map(drop)
    }

    /// A file buyers can send, by its bytes: the answer names it for `buyer_message`.
    pub async fn media(
        &self,
        name: &str,
        mime_type: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<Value> {
        let request = self
            .http
            .post(format!("{}/media", self.base))
            .query(&[("name", name), ("mime_type", mime_type)])
            .body(bytes);
        self.send(request, Method::POST, "/media").await
    }

    /// Facebook's file links stop working, as its CDN's signed links do.
    pub async fn expire_cdn_links(&self) -> anyhow::Result<Value> {
        self.call(Method::POST, "/cdn/expire", None).await
    }

    /// Webhooks go to `url`, signed with the app secret.
    pub async fn subscribe_webhooks(&self, url: &str) -> anyhow::Result<()> {
        self.post("/webhooks", json!({ "url": url }))
            .await
            .map(drop)
    }

    /// What each webhook delivery carried and how the subscriber answered.
    pub async fn webhook_deliveries(&self) -> anyhow::Result<Value> {
        self.get("/webhooks").await
    }

    pub async fn unsubscribe_webhooks(&self) -> anyhow::Result<Value> {
        self.delete("/webhooks").await
    }

    pub async fn add_fault(&self, rule: Value) -> anyhow::Result<Value> {
        self.post("/faults", rule).await
    }

    pub async fn clear_faults(&self) -> anyhow::Result<Value> {
        self.delete("/faults").await
    }

    /// Every Graph request the emulator received, oldest first.
    pub async fn requests(&self) -> anyhow::Result<Vec<Value>> {
        let requests = self.get("/requests").await?;
        Ok(requests.as_array().cloned().unwrap_or_default())
    }

    pub async fn clear_requests(&self) -> anyhow::Result<Value> {
        self.delete("/requests").await
    }
}

/// The id `name` in an answer of the control API.
fn id_in(answer: &Value, name: &str) -> anyhow::Result<String> {
    answer[name]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {name} in {answer}"))
}
