//! The control API spelled once: each route under [`CONTROL_PREFIX`](crate::CONTROL_PREFIX) a
//! method, for the tests, the benches and the demo (who no longer build its paths by hand). The
//! bodies are the JSON `docs/emulator.md` describes; a refused request is an error naming the
//! route and what the emulator said.

use anyhow::{Context, bail};
use reqwest::Method;
use serde_json::Value;

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

    /// Staff write from Facebook itself (Meta Business Suite), not through pagedesk.
    pub async fn page_message(&self, conversation: &str, message: Value) -> anyhow::Result<Value> {
        self.post(
            &format!("/conversations/{conversation}/page_messages"),
            message,
        )
        .await
    }

    pub async fn conversation(&self, conversation: &str) -> anyhow::Result<Value> {
        self.get(&format!("/conversations/{conversation}")).await
    }

    /// Moves a conversation to another folder, as staff or Facebook's filter would.
    pub async fn move_conversation(&self, conversation: &str, to: Value) -> anyhow::Result<Value> {
        self.post(&format!("/conversations/{conversation}/folder"), to)
            .await
    }

    /// Makes a conversation's messages older by a number of seconds.
    pub async fn age(&self, conversation: &str, by: Value) -> anyhow::Result<Value> {
        self.post(&format!("/conversations/{conversation}/age"), by)
            .await
    }

    pub async fn can_reply(&self, conversation: &str, rule: Value) -> anyhow::Result<Value> {
        self.post(&format!("/conversations/{conversation}/can_reply"), rule)
            .await
    }

    /// Another app takes the conversation, or hands it back.
    pub async fn routing(&self, conversation: &str, change: Value) -> anyhow::Result<Value> {
        self.post(&format!("/conversations/{conversation}/routing"), change)
            .await
    }

    pub async fn edit_message(&self, message: &str, edit: Value) -> anyhow::Result<Value> {
        self.post(&format!("/messages/{message}/edit"), edit).await
    }

    pub async fn unsend_message(&self, message: &str) -> anyhow::Result<Value> {
        self.call(Method::POST, &format!("/messages/{message}/unsend"), None)
            .await
    }

    pub async fn react(&self, message: &str, reaction: Value) -> anyhow::Result<Value> {
        self.post(&format!("/messages/{message}/reaction"), reaction)
            .await
    }

    /// The page's token expires, is revoked or works again.
    pub async fn token(&self, page: &str, state: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/token"), state).await
    }

    /// The usage Facebook reports for the page (`X-Business-Use-Case-Usage`).
    pub async fn usage(&self, page: &str, usage: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/usage"), usage).await
    }

    /// Facebook asks for less data per call (error 1 "reduce the amount of data").
    pub async fn data_limit(&self, page: &str, limit: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/data_limit"), limit).await
    }

    /// Whether the page may send with the HUMAN_AGENT tag.
    pub async fn human_agent(&self, page: &str, allowed: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/human_agent"), allowed)
            .await
    }

    /// Facebook restricts the page from sending (error 10, subcode 1893063), or lifts it.
    pub async fn sending_restricted(&self, page: &str, state: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/sending_restricted"), state)
            .await
    }

    /// A buyer comes from an ad or an m.me link.
    pub async fn referral(&self, page: &str, referral: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/referrals"), referral)
            .await
    }

    /// The tasks the token's person may do on the page.
    pub async fn tasks(&self, page: &str, tasks: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/tasks"), tasks).await
    }

    /// Many conversations at once, for scale.
    pub async fn generate(&self, page: &str, how_many: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/generate"), how_many)
            .await
    }

    pub async fn rename_page(&self, page: &str, name: Value) -> anyhow::Result<Value> {
        self.post(&format!("/pages/{page}/name"), name).await
    }

    /// The app's id and secret change (what signs webhooks).
    pub async fn app(&self, app: Value) -> anyhow::Result<Value> {
        self.post("/app", app).await
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

    /// Webhooks go to `subscription`'s URL, signed with the app secret.
    pub async fn subscribe_webhooks(&self, subscription: Value) -> anyhow::Result<Value> {
        self.post("/webhooks", subscription).await
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
