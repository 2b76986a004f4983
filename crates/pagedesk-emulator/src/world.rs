//! The emulator's in-memory Facebook: pages, customers, conversations in folders, messages, and
//! the rules Facebook applies when a page sends (windows, length, spam folder).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::folder::Folder;

// Facebook's rules, stated here from `shared/graph-api.md` and not borrowed from the client, so
// that a wrong limit in the client is caught by its own tests instead of agreed with.
/// The Send API takes at most 2000 characters of text.
const SEND_TEXT_LIMIT: usize = 2000;
/// A `RESPONSE` within 24 hours of the customer's last message.
const RESPONSE_WINDOW: Duration = Duration::hours(24);
/// A `HUMAN_AGENT` tagged message up to 7 days after it.
const HUMAN_AGENT_TAG_WINDOW: Duration = Duration::days(7);
/// Facebook cuts a conversation's snippet to about 100 UTF-16 code units, mid-emoji if that is
/// where the cut falls (the length is UNCONFIRMED; the cut mid-pair is what deployments meet).
const SNIPPET_UTF16_UNITS: usize = 100;
/// The largest file a message may carry: 25 MB.
const ATTACHMENT_BYTES_LIMIT: usize = 25 * 1024 * 1024;
/// Marks a sticker the emulator holds as media: `media:ID`, served at a CDN link.
pub const STICKER_MEDIA: &str = "media:";
/// What `attachment.type` may say.
const ATTACHMENT_TYPES: [&str; 4] = ["image", "video", "audio", "file"];
/// Marks, in a snippet, a character of which Facebook sends only the first half (a lone high
/// surrogate escape); `api::facebook_json` writes it so.
pub const CUT_IN_HALF: char = '\u{fdd0}';

#[derive(Debug, Clone)]
pub struct Page {
    pub id: String,
    pub name: String,
    pub token: String,
    pub category: String,
    /// Set by the control API: the 190 subcode every call with this token gets.
    pub token_error: Option<i64>,
    /// Usage percent reported in `X-Business-Use-Case-Usage` for this page.
    pub usage_percent: u32,
    /// The tasks the user has on the page, as `/me/accounts` lists them (set by the control
    /// API); without MESSAGING the page's messages are out of the user's reach.
    pub tasks: Vec<String>,
    /// Whether Meta approved the app's Human Agent permission (set by the control API): without
    /// it a HUMAN_AGENT tagged send fails with a permission error.
    pub human_agent_approved: bool,
    /// Set by the control API: the most messages one list call may carry (conversations times
    /// nested messages); a heavier call gets code 1 "reduce the amount of data".
    pub data_limit: Option<usize>,
    /// Set by the control API: Facebook restricted the page from sending (Page quality);
    /// every send fails with error 10/1893063.
    pub sending_restricted: bool,
    /// The permissions the page's token was granted (set by the control API): answering and
    /// hiding comments need `pages_manage_engagement`.
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub created: DateTime<Utc>,
    pub from_page: bool,
    pub text: String,
    pub sticker: Option<String>,
    pub attachment: Option<AttachmentSpec>,
    pub share: Option<ShareSpec>,
    /// A place, a template or a `fallback` sent through Messenger: in webhook events only
    /// (how the Graph API details them is not documented; it lists the message's words).
    pub shared: Option<SharedSpec>,
    /// The earlier message this one answers.
    pub reply_to: Option<String>,
    /// The ad or link the buyer came from, with their first message.
    pub referral: Option<ReferralSpec>,
    /// How many times the buyer edited it.
    pub edits: i64,
    /// The buyer unsent it. Whether the Graph API still details an unsent message is not
    /// documented: the emulator keeps listing it as written, the harder case for a client
    /// (the words must not come back).
    pub unsent: bool,
}

/// What Messenger sends that is not a file, as webhook attachments carry it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SharedSpec {
    Location {
        title: String,
        lat: f64,
        long: f64,
    },
    /// A generic template (a product card): its title, and where it leads.
    Template {
        title: String,
        url: String,
    },
    /// What Messenger cannot show as anything else (a link preview, say).
    Fallback {
        title: String,
        url: String,
    },
}

/// A referral as webhooks carry it.
pub fn referral_json(r: &ReferralSpec) -> Value {
    let mut referral = serde_json::json!({ "source": r.source, "type": "OPEN_THREAD" });
    if let Some(reference) = &r.reference {
        referral["ref"] = serde_json::json!(reference);
    }
    if let Some(ad) = &r.ad_id {
        referral["ad_id"] = serde_json::json!(ad);
        referral["ads_context_data"] = serde_json::json!({
            "ad_title": r.ad_title, "photo_url": r.photo_url,
            "post_id": r.post_id, "product_id": r.product_id,
        });
    }
    referral
}

/// Where a buyer came from: `source` (`ADS`, `SHORTLINK`, ...), and an ad's details.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReferralSpec {
    pub source: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub ad_id: Option<String>,
    pub ad_title: Option<String>,
    pub photo_url: Option<String>,
    pub post_id: Option<String>,
    pub product_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AttachmentSpec {
    pub name: String,
    pub mime_type: String,
    /// Where the file is, for one the emulator does not hold (the demo's older links).
    #[serde(default)]
    pub url: Option<String>,
    /// A file the emulator holds ([`World::media`]): served at CDN links that expire.
    #[serde(default)]
    pub media: Option<String>,
    /// One of the emulator's own pictures (`scenario::PICTURES`), held as media when sent.
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub size: u64,
}

/// A file Facebook holds: a buyer's picture, or one a page uploaded.
#[derive(Debug, Clone)]
pub struct Media {
    pub bytes: Vec<u8>,
    pub mime_type: String,
    pub name: String,
    /// The page that uploaded it (`is_reusable`): only that page may send it by id.
    pub page_id: Option<String>,
}

/// A post or product link the buyer shared: the message's text is empty, the link is in the
/// `shares` edge.
#[derive(Debug, Clone, Deserialize)]
pub struct ShareSpec {
    pub link: String,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: String,
    pub page_id: String,
    pub customer: Customer,
    pub folder: Folder,
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Facebook's `can_reply`: false once the page may no longer message the person (set by
    /// the control API).
    pub can_reply: bool,
    /// Another app has the conversation (conversation routing): the app's events come to the
    /// subscriber as `standby` items.
    pub held_by: Option<String>,
}

impl Conversation {
    pub fn updated(&self) -> DateTime<Utc> {
        self.messages
            .last()
            .map(|m| m.created)
            .unwrap_or(DateTime::UNIX_EPOCH)
    }

    pub fn last_customer_message(&self) -> Option<DateTime<Utc>> {
        self.messages
            .iter()
            .rev()
            .find(|m| !m.from_page)
            .map(|m| m.created)
    }

    /// Customer messages since the page last wrote: what Facebook shows as unread.
    pub fn unread(&self) -> usize {
        self.messages
            .iter()
            .rev()
            .take_while(|m| !m.from_page)
            .count()
    }

    /// The last message's text cut as Facebook cuts it: at [`SNIPPET_UTF16_UNITS`], the half
    /// of a character that straddles the cut marked [`CUT_IN_HALF`].
    pub fn snippet(&self) -> String {
        let Some(last) = self.messages.last() else {
            return String::new();
        };
        let mut snippet = String::new();
        let mut units = 0;
        for c in last.text.chars() {
            let width = c.len_utf16();
            if units + width > SNIPPET_UTF16_UNITS {
                if units < SNIPPET_UTF16_UNITS {
                    snippet.push(CUT_IN_HALF);
                    snippet.push(c);
                }
                break;
            }
            snippet.push(c);
            units += width;
        }
        snippet
    }
}

/// An error as Facebook words it: HTTP status, code, subcode, message.
#[derive(Debug, Clone, PartialEq)]
pub struct FbError {
    pub status: u16,
    pub code: i64,
    pub subcode: Option<i64>,
    pub message: String,
    /// Facebook's `is_transient`, which it sends with some errors.
    pub is_transient: Option<bool>,
}

impl FbError {
    pub fn new(code: i64, subcode: Option<i64>, message: &str) -> Self {
        Self {
            status: 400,
            code,
            subcode,
            message: message.to_owned(),
            is_transient: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SendKind {
    Response,
    HumanAgent,
}

#[derive(Debug, Default)]
pub struct World {
    pub pages: BTreeMap<String, Page>,
    pub user_token: String,
    pub app: App,
    pub conversations: BTreeMap<String, Conversation>,
    /// Files, by id (an attachment id for uploads).
    pub media: BTreeMap<String, Media>,
    /// The signature of the CDN's links (`oe=`): links made before it last changed expired.
    pub cdn_epoch: u64,
    /// Messages written since the webhook deliverer last looked, oldest first.
    pub webhook_queue: Vec<Written>,
    /// Other webhook items since then (edits, unsends, reactions, referrals, routing), by
    /// page and field (`messaging` or `standby`), oldest first.
    pub webhook_items: Vec<WebhookItem>,
    /// The page's posts and their comments, by post id.
    pub posts: BTreeMap<String, crate::posts::Post>,
    /// The `feed` webhook names a comment's author the older way (`sender_id`, `sender_name`)
    /// instead of `from` (set by the control API).
    pub older_feed_shape: bool,
    next_id: u64,
}

/// A message as a webhook reports it: which, where, and through which app a page's was sent.
#[derive(Debug, Clone)]
pub struct Written {
    pub conversation_id: String,
    pub message_id: String,
    /// The app that sent a page's message: Facebook's Page inbox, or the app calling the Send
    /// API. `None`: the buyer wrote it.
    pub app_id: Option<String>,
}

/// A webhook item that is not a message as written: for page `page_id`, in `field`.
#[derive(Debug, Clone)]
pub struct WebhookItem {
    pub page_id: String,
    pub field: &'static str,
    pub item: serde_json::Value,
}

/// The app id echoes carry for a message staff typed in Facebook's own Page inbox.
pub const PAGE_INBOX_APP_ID: &str = "263902037430900";

/// The Meta app the tokens were issued to.
#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub secret: String,
    /// "Require App Secret": every call must carry `appsecret_proof` (set by the control API).
    pub require_proof: bool,
}

impl Default for App {
    fn default() -> Self {
        Self {
            id: "1789000000000001".into(),
            secret: "emulated-app-secret-3f9c2b".into(),
            require_proof: false,
        }
    }
}

impl App {
    /// What Facebook expects as `appsecret_proof` for a token: the lowercase hex HMAC-SHA256
    /// of the token, keyed by the app secret.
    pub fn proof_for(&self, token: &str) -> String {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.secret.as_bytes())
            .expect("any key length");
        mac.update(token.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl World {
    /// The long-lived user token Facebook gives for the user token in exchange.
    pub fn long_lived_user_token(&self) -> String {
        format!("{}-LONG-LIVED", self.user_token)
    }

    pub fn new(user_token: &str) -> Self {
        Self {
            user_token: user_token.to_owned(),
            next_id: 1,
            ..Self::default()
        }
    }

    pub fn add_page(&mut self, id: &str, name: &str, token: &str, category: &str) {
        self.pages.insert(
            id.to_owned(),
            Page {
                id: id.to_owned(),
                name: name.to_owned(),
                token: token.to_owned(),
                category: category.to_owned(),
                token_error: None,
                usage_percent: 0,
                human_agent_approved: true,
                sending_restricted: false,
                data_limit: None,
                tasks: [
                    "ADVERTISE",
                    "ANALYZE",
                    "CREATE_CONTENT",
                    "MESSAGING",
                    "MODERATE",
                    "MANAGE",
                ]
                .map(String::from)
                .to_vec(),
                permissions: [
                    "pages_messaging",
                    "pages_show_list",
                    "pages_manage_metadata",
                    "pages_read_engagement",
                    "pages_read_user_content",
                    crate::posts::ENGAGEMENT,
                ]
                .map(String::from)
                .to_vec(),
            },
        );
    }

    /// See [`crate::Emulator::count_ids_from`]: never back.
    pub fn count_ids_from(&mut self, start: u64) {
        self.next_id = self.next_id.max(start);
    }

    pub(crate) fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn page_by_token(&self, token: &str) -> Option<&Page> {
        self.pages.values().find(|p| p.token == token)
    }

    pub fn conversation_with(&self, page_id: &str, customer_id: &str) -> Option<&Conversation> {
        self.conversations
            .values()
            .find(|c| c.page_id == page_id && c.customer.id == customer_id)
    }

    /// Conversations of a page in a folder, newest first, as Facebook lists them.
    pub fn folder(&self, page_id: &str, folder: Folder) -> Vec<&Conversation> {
        let mut list: Vec<&Conversation> = self
            .conversations
            .values()
            .filter(|c| c.page_id == page_id && c.folder == folder && !c.messages.is_empty())
            .collect();
        list.sort_by(|a, b| b.updated().cmp(&a.updated()).then(b.id.cmp(&a.id)));
        list
    }

    /// A message from the customer; starts the conversation (in `folder`, inbox by default)
    /// when there is none. Returns the conversation id and the message id.
    pub fn customer_writes(
        &mut self,
        page_id: &str,
        customer: Customer,
        folder: Option<Folder>,
        content: Content,
        at: DateTime<Utc>,
    ) -> Result<(String, String), String> {
        if !self.pages.contains_key(page_id) {
            return Err(format!("no page {page_id}"));
        }
        let existing = self
            .conversation_with(page_id, &customer.id)
            .map(|c| c.id.clone());
        let conversation_id = match existing {
            Some(id) => id,
            None => self.start_conversation(page_id, customer, folder.unwrap_or(Folder::Inbox)),
        };
        let message_id = self.push_message(&conversation_id, false, content, at);
        let conversation = self
            .conversations
            .get_mut(&conversation_id)
            .expect("just found");
        match folder {
            Some(folder) => conversation.folder = folder,
            // Done is staff's mark until the person writes again: Facebook moves the
            // conversation back to the inbox (Meta Business Suite's Done folder).
            None if conversation.folder == Folder::PageDone => conversation.folder = Folder::Inbox,
            None => {}
        }
        Ok((conversation_id, message_id))
    }

    /// A new conversation of the page with `customer`, in `folder`, with no message yet.
    pub(crate) fn start_conversation(
        &mut self,
        page_id: &str,
        customer: Customer,
        folder: Folder,
    ) -> String {
        let id = format!("t_{}", 100_000 + self.fresh_id());
        self.conversations.insert(
            id.clone(),
            Conversation {
                id: id.clone(),
                page_id: page_id.to_owned(),
                customer,
                folder,
                messages: Vec::new(),
                can_reply: true,
                held_by: None,
            },
        );
        id
    }

    /// A message from the page, as staff typing in Facebook's own Page inbox would send it: a
    /// reply from the page takes the conversation out of Spam.
    pub fn page_writes(
        &mut self,
        conversation_id: &str,
        content: Content,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        if !self.conversations.contains_key(conversation_id) {
            return Err(format!("no conversation {conversation_id}"));
        }
        let id = self.push_message(conversation_id, true, content, at);
        let conversation = self
            .conversations
            .get_mut(conversation_id)
            .expect("checked");
        if conversation.folder == Folder::Spam {
            conversation.folder = Folder::Inbox;
        }
        Ok(id)
    }

    fn push_message(
        &mut self,
        conversation_id: &str,
        from_page: bool,
        content: Content,
        at: DateTime<Utc>,
    ) -> String {
        let id = format!(
            "m_{:016x}",
            self.fresh_id().wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        let conversation = self
            .conversations
            .get_mut(conversation_id)
            .expect("caller checked");
        let message = Message {
            id: id.clone(),
            created: at,
            from_page,
            text: content.text,
            sticker: content.sticker,
            attachment: content.attachment,
            share: content.share,
            shared: content.shared,
            reply_to: content.reply_to,
            referral: content.referral,
            edits: 0,
            unsent: false,
        };
        // Keep messages in time order even when a test writes one "in the past".
        let at = conversation.messages.partition_point(|m| m.created <= at);
        conversation.messages.insert(at, message);
        self.webhook_queue.push(Written {
            conversation_id: conversation_id.to_owned(),
            message_id: id.clone(),
            app_id: from_page.then(|| PAGE_INBOX_APP_ID.to_owned()),
        });
        id
    }

    /// The conversation holding message `mid`, and the message's place in it.
    fn message_at(&mut self, mid: &str) -> Result<(&mut Conversation, usize), String> {
        self.conversations
            .values_mut()
            .find_map(|c| {
                let at = c.messages.iter().position(|m| m.id == mid)?;
                Some((c, at))
            })
            .ok_or_else(|| format!("no message {mid}"))
    }

    /// Queues a webhook item about a person of a conversation, in `standby` while another
    /// app has the conversation.
    fn queue_item(&mut self, conversation_id: &str, from_page: bool, body: (&str, Value)) {
        let Some(conversation) = self.conversations.get(conversation_id) else {
            return;
        };
        let (page, buyer) = (&conversation.page_id, &conversation.customer.id);
        let (sender, recipient) = if from_page {
            (page, buyer)
        } else {
            (buyer, page)
        };
        let mut item = serde_json::json!({
            "sender": { "id": sender },
            "recipient": { "id": recipient },
            "timestamp": Utc::now().timestamp_millis(),
        });
        item[body.0] = body.1;
        let field = if conversation.held_by.is_some() {
            "standby"
        } else {
            "messaging"
        };
        self.webhook_items.push(WebhookItem {
            page_id: page.clone(),
            field,
            item,
        });
    }

    /// The buyer edits their message: its words change, and `message_edit` tells it.
    pub fn buyer_edits(&mut self, mid: &str, text: &str) -> Result<(), String> {
        let (conversation, at) = self.message_at(mid)?;
        let message = &mut conversation.messages[at];
        if message.from_page || message.unsent {
            return Err(format!("{mid} is not a buyer's message that can be edited"));
        }
        message.text = text.to_owned();
        message.edits += 1;
        let (id, edits) = (conversation.id.clone(), message.edits);
        self.queue_item(
            &id,
            false,
            (
                "message_edit",
                serde_json::json!({ "mid": mid, "text": text, "num_edit": edits }),
            ),
        );
        Ok(())
    }

    /// The buyer unsends their message: a `message` item with `is_deleted` and its id alone.
    pub fn buyer_unsends(&mut self, mid: &str) -> Result<(), String> {
        let (conversation, at) = self.message_at(mid)?;
        let message = &mut conversation.messages[at];
        if message.from_page {
            return Err(format!("{mid} is the page's message"));
        }
        message.unsent = true;
        let id = conversation.id.clone();
        self.queue_item(
            &id,
            false,
            (
                "message",
                serde_json::json!({ "mid": mid, "is_deleted": true }),
            ),
        );
        Ok(())
    }

    /// The buyer reacts to a message (`emoji` and its name), or takes their reaction off.
    pub fn buyer_reacts(
        &mut self,
        mid: &str,
        reaction: Option<(&str, &str)>,
    ) -> Result<(), String> {
        let (conversation, _) = self.message_at(mid)?;
        let id = conversation.id.clone();
        let body = match reaction {
            Some((emoji, name)) => serde_json::json!({ "mid": mid, "action": "react",
                "emoji": emoji, "reaction": name }),
            None => serde_json::json!({ "mid": mid, "action": "unreact" }),
        };
        self.queue_item(&id, false, ("reaction", body));
        Ok(())
    }

    /// A person opens the conversation from an ad or a link without writing yet
    /// (`messaging_referrals`).
    pub fn referral(
        &mut self,
        page_id: &str,
        person_id: &str,
        referral: &ReferralSpec,
    ) -> Result<(), String> {
        if !self.pages.contains_key(page_id) {
            return Err(format!("no page {page_id}"));
        }
        self.webhook_items.push(WebhookItem {
            page_id: page_id.to_owned(),
            field: "messaging",
            item: serde_json::json!({
                "sender": { "id": person_id },
                "recipient": { "id": page_id },
                "timestamp": Utc::now().timestamp_millis(),
                "referral": referral_json(referral),
            }),
        });
        Ok(())
    }

    /// Conversation routing: `app_id` takes the conversation from the subscriber's app
    /// (`take_thread_control`, told to the app it was taken from), or it is passed back to the
    /// subscriber's app (`pass_thread_control`, told to the app receiving it).
    pub fn route(&mut self, conversation_id: &str, taken_by: Option<&str>) -> Result<(), String> {
        let ours = self.app.id.clone();
        let conversation = self
            .conversations
            .get_mut(conversation_id)
            .ok_or_else(|| format!("no conversation {conversation_id}"))?;
        let body = match taken_by {
            Some(app) => {
                conversation.held_by = None;
                let body = serde_json::json!({ "previous_owner_app_id": ours,
                    "metadata": "taken by the shop's chatbot" });
                self.queue_item(conversation_id, false, ("take_thread_control", body));
                if let Some(c) = self.conversations.get_mut(conversation_id) {
                    c.held_by = Some(app.to_owned());
                }
                return Ok(());
            }
            None => {
                conversation.held_by = None;
                serde_json::json!({ "new_owner_app_id": ours, "metadata": "back to the shop" })
            }
        };
        self.queue_item(conversation_id, false, ("pass_thread_control", body));
        Ok(())
    }

    /// Keeps a file a page uploads (`message_attachments`, or with a send) or a buyer sends;
    /// returns its id. Facebook's rules for files: a known type, at most 25 MB.
    pub fn keep_media(&mut self, kind: &str, media: Media) -> Result<String, FbError> {
        if !ATTACHMENT_TYPES.contains(&kind) {
            return Err(FbError::new(
                100,
                None,
                "(#100) param message[attachment][type] must be one of {image, video, audio, file, template}",
            ));
        }
        if media.bytes.is_empty() {
            return Err(FbError::new(
                100,
                Some(2018047),
                "(#100) Upload attachment failure.",
            ));
        }
        if media.bytes.len() > ATTACHMENT_BYTES_LIMIT {
            return Err(FbError::new(
                100,
                Some(2018294),
                "(#100) Attachment size exceeds allowable limit",
            ));
        }
        let id = format!("{}", 1_200_000_000_000_000 + self.fresh_id());
        self.media.insert(id.clone(), media);
        Ok(id)
    }

    /// Holds the emulator's own pictures a message names (`asset`, a sticker `asset:NAME`) as
    /// media, so that they are served at CDN links like any file.
    pub fn hold_assets(&mut self, content: &mut Content) -> Result<(), String> {
        if let Some(attachment) = content.attachment.as_mut()
            && let Some(asset) = attachment.asset.take()
        {
            let (id, size) = self.hold_asset(&asset)?;
            attachment.media = Some(id);
            attachment.size = size;
        }
        let sticker_asset = content
            .sticker
            .as_deref()
            .and_then(|s| s.strip_prefix("asset:"));
        if let Some(asset) = sticker_asset.map(str::to_owned) {
            let (id, _) = self.hold_asset(&asset)?;
            content.sticker = Some(format!("{STICKER_MEDIA}{id}"));
        }
        Ok(())
    }

    /// One of the emulator's own pictures, held as media: its id and size.
    pub fn hold_asset(&mut self, name: &str) -> Result<(String, u64), String> {
        let bytes = super::scenario::picture(name)
            .ok_or_else(|| format!("no picture {name} in the emulator's assets"))?;
        let media = Media {
            bytes: bytes.to_vec(),
            mime_type: "image/png".into(),
            name: name.to_owned(),
            page_id: None,
        };
        let id = self.keep_media("image", media).map_err(|e| e.message)?;
        Ok((id, bytes.len() as u64))
    }

    /// `POST /{page-id}/messages` with Facebook's rules: text, or one file the page uploaded,
    /// never both. Returns (recipient id, message id).
    pub fn send(
        &mut self,
        page_id: &str,
        recipient_id: &str,
        content: Content,
        kind: SendKind,
        now: DateTime<Utc>,
    ) -> Result<(String, String), FbError> {
        if self
            .pages
            .get(page_id)
            .is_some_and(|p| p.sending_restricted)
        {
            return Err(FbError::new(
                10,
                Some(1893063),
                "(#10) This Page is temporarily restricted from sending messages.",
            ));
        }
        let conversation = self
            .conversation_with(page_id, recipient_id)
            .ok_or_else(|| FbError::new(100, Some(2018001), "(#100) No matching user found"))?;
        let text = content.text.as_str();
        match &content.attachment {
            Some(_) if !text.is_empty() => {
                return Err(FbError::new(
                    100,
                    None,
                    "(#100) Only one of message[text] or message[attachment] may be set",
                ));
            }
            Some(attachment) => {
                let owned = attachment
                    .media
                    .as_ref()
                    .and_then(|id| self.media.get(id))
                    .is_some_and(|m| m.page_id.as_deref() == Some(page_id));
                if !owned {
                    return Err(FbError::new(
                        100,
                        None,
                        "(#100) Invalid attachment_id: no such attachment for this page",
                    ));
                }
            }
            None if text.is_empty() => {
                return Err(FbError::new(
                    100,
                    None,
                    "(#100) param message must be non-empty",
                ));
            }
            None => {}
        }
        if text.chars().count() > SEND_TEXT_LIMIT {
            return Err(FbError::new(
                100,
                None,
                "(#100) Length of param message[text] must be less than or equal to 2000",
            ));
        }
        if !conversation.can_reply {
            return Err(FbError::new(
                551,
                None,
                "(#551) This person isn't available right now.",
            ));
        }
        let approved = self
            .pages
            .get(page_id)
            .is_some_and(|p| p.human_agent_approved);
        if kind == SendKind::HumanAgent && !approved {
            return Err(FbError::new(
                10,
                None,
                "(#10) Application does not have permission for this action",
            ));
        }
        let window = match kind {
            SendKind::Response => RESPONSE_WINDOW,
            SendKind::HumanAgent => HUMAN_AGENT_TAG_WINDOW,
        };
        let inside = conversation
            .last_customer_message()
            .is_some_and(|last| now - last <= window);
        if !inside {
            return Err(FbError::new(
                10,
                Some(2018278),
                "(#10) This message is sent outside of allowed window.",
            ));
        }
        let conversation_id = conversation.id.clone();
        let message_id = self
            .page_writes(&conversation_id, content, now)
            .expect("conversation exists");
        // Sent through the Send API: the echo names the app that called it.
        if let Some(written) = self.webhook_queue.last_mut() {
            written.app_id = Some(self.app.id.clone());
        }
        Ok((recipient_id.to_owned(), message_id))
    }

    /// Fills a page with `count` conversations of `per_conversation` messages each, the newest
    /// written `now`, one minute apart, every `spam_every`-th one in Spam (none when 0).
    pub fn generate(
        &mut self,
        page_id: &str,
        count: usize,
        per_conversation: usize,
        spam_every: usize,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        const QUESTIONS: [&str; 5] = [
            "Shop ơi mẫu này còn hàng không ạ?",
            "Giá bao nhiêu vậy shop?",
            "Ship về Huế mất mấy ngày ạ?",
            "Có size L không shop?",
            "Chốt đơn giúp mình nhé",
        ];
        const ANSWERS: [&str; 3] = ["Dạ còn ạ", "Dạ 250.000đ ạ", "Dạ 2-3 ngày ạ"];
        let base = self.conversations.len();
        for i in 0..count {
            let customer = Customer {
                id: format!("{}", 8_000_000_000_000_000u64 + (base + i) as u64),
                name: format!("Khách hàng {}", base + i),
            };
            let folder =
                (spam_every > 0 && i % spam_every == spam_every - 1).then_some(Folder::Spam);
            let newest = now - Duration::minutes(i as i64);
            for m in 0..per_conversation.max(1) {
                let at = newest - Duration::seconds((per_conversation - m) as i64);
                if m % 2 == 1 {
                    let id = self
                        .conversation_with(page_id, &customer.id)
                        .expect("written first")
                        .id
                        .clone();
                    let answer = ANSWERS[(i + m) % ANSWERS.len()];
                    self.push_message(&id, true, Content::text(answer), at);
                } else {
                    let text = QUESTIONS[(i + m) % QUESTIONS.len()];
                    self.customer_writes(
                        page_id,
                        customer.clone(),
                        folder,
                        Content::text(text),
                        at,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Moves every message of a conversation `by` into the past.
    pub fn age(&mut self, conversation_id: &str, by: Duration) -> Result<(), String> {
        let conversation = self
            .conversations
            .get_mut(conversation_id)
            .ok_or_else(|| format!("no conversation {conversation_id}"))?;
        for message in &mut conversation.messages {
            message.created -= by;
        }
        Ok(())
    }
}

/// What a message carries.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Content {
    #[serde(default)]
    pub text: String,
    pub sticker: Option<String>,
    pub attachment: Option<AttachmentSpec>,
    pub share: Option<ShareSpec>,
    pub shared: Option<SharedSpec>,
    pub reply_to: Option<String>,
    pub referral: Option<ReferralSpec>,
}

impl Content {
    pub fn text(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> (World, String) {
        let mut world = World::new("user");
        world.add_page("1", "Shop", "tok", "Shop");
        let now = Utc::now();
        let customer = Customer {
            id: "u1".into(),
            name: "Lan".into(),
        };
        let (conversation, _) = world
            .customer_writes(
                "1",
                customer,
                Some(Folder::Spam),
                Content::text("còn hàng không"),
                now,
            )
            .unwrap();
        (world, conversation)
    }

    /// A world started again (the demo on the data it kept) and counting ids from later on
    /// gives its new conversation and message ids the first run never gave.
    #[test]
    fn ids_counted_from_later_are_none_an_earlier_run_gave() {
        let (first, first_conversation) = world();
        let mut again = World::new("user");
        again.add_page("1", "Shop", "tok", "Shop");
        again.count_ids_from(1_000);
        again.count_ids_from(10);
        let (conversation, message) = again
            .customer_writes(
                "1",
                Customer {
                    id: "u2".into(),
                    name: "Vy".into(),
                },
                None,
                Content::text("còn size M không"),
                Utc::now(),
            )
            .unwrap();
        assert_ne!(conversation, first_conversation);
        assert!(!first.conversations.contains_key(&conversation));
        assert!(
            first
                .conversations
                .values()
                .all(|c| c.messages.iter().all(|m| m.id != message)),
            "a message id given twice"
        );
        assert!(again.next_id > 1_000, "never counted back");
    }

    #[test]
    fn a_page_reply_moves_a_spam_conversation_to_the_inbox() {
        let (mut world, id) = world();
        assert_eq!(world.folder("1", Folder::Spam).len(), 1);
        world
            .send(
                "1",
                "u1",
                Content::text("Dạ còn ạ"),
                SendKind::Response,
                Utc::now(),
            )
            .unwrap();
        assert_eq!(world.conversations[&id].folder, Folder::Inbox);
        assert!(world.folder("1", Folder::Spam).is_empty());
        assert_eq!(world.conversations[&id].unread(), 0);
    }

    #[test]
    fn sends_follow_the_windows_and_the_length_limit() {
        let (mut world, id) = world();
        world.age(&id, Duration::hours(30)).unwrap();
        let late = world
            .send(
                "1",
                "u1",
                Content::text("x"),
                SendKind::Response,
                Utc::now(),
            )
            .unwrap_err();
        assert_eq!((late.code, late.subcode), (10, Some(2018278)));
        world
            .send(
                "1",
                "u1",
                Content::text("x"),
                SendKind::HumanAgent,
                Utc::now(),
            )
            .unwrap();
        let (mut world, id) = self::world();
        world.age(&id, Duration::days(8)).unwrap();
        assert!(
            world
                .send(
                    "1",
                    "u1",
                    Content::text("x"),
                    SendKind::HumanAgent,
                    Utc::now()
                )
                .is_err()
        );
        let (mut world, _) = self::world();
        let long = "á".repeat(2001);
        assert_eq!(
            world
                .send(
                    "1",
                    "u1",
                    Content::text(&long),
                    SendKind::Response,
                    Utc::now()
                )
                .unwrap_err()
                .code,
            100
        );
        let nobody = world
            .send(
                "1",
                "u9",
                Content::text("x"),
                SendKind::Response,
                Utc::now(),
            )
            .unwrap_err();
        assert_eq!(nobody.subcode, Some(2018001));
    }
}
