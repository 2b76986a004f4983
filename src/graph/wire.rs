//! The Graph API's JSON shapes, as documented in `shared/graph-api.md`. Every field is optional
//! unless Facebook always sends it, because only requested fields with data come back.

use crate::model::PageId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

/// A list response: `{"data":[...],"paging":{"cursors":{...},"next":"..."}}`. `data` is
/// required: an answer without it is not a list (an empty list is `"data":[]`), and taking it
/// for one would end a sync early as if nothing were left. A nested edge with no data is
/// omitted by Facebook, so the fields holding one default to an empty list.
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
    pub paging: Option<Paging>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self {
            data: Vec::new(),
            paging: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Paging {
    pub cursors: Option<Cursors>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Cursors {
    pub after: Option<String>,
}

/// A conversation listed by id alone (`fields=id`): what a folder holds, cheaply.
#[derive(Debug, Clone, Deserialize)]
pub struct ListedConversation {
    pub id: crate::model::ConversationId,
}

/// A page the user manages, from `GET /me/accounts`, with its page token and the user's tasks.
#[derive(Debug, Clone, Deserialize)]
pub struct ManagedPage {
    pub id: String,
    pub name: Option<String>,
    pub access_token: Option<crate::graph::AccessToken>,
    #[serde(default)]
    pub tasks: Vec<String>,
}

/// What `GET /debug_token` says of a token.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenInfo {
    pub data: TokenData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenData {
    /// `PAGE`, `USER`, `APP`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Unix seconds; 0 when the token does not expire.
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub is_valid: bool,
    /// The permissions granted (`pages_manage_engagement`, ...).
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The answer of `GET /oauth/access_token`: a long-lived user token.
#[derive(Debug, Clone, Deserialize)]
pub struct ExchangedToken {
    pub access_token: crate::graph::AccessToken,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PageInfo {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Conversation {
    pub id: crate::model::ConversationId,
    #[serde(default, deserialize_with = "optional_graph_time")]
    pub updated_time: Option<DateTime<Utc>>,
    pub snippet: Option<String>,
    pub unread_count: Option<i64>,
    pub message_count: Option<i64>,
    pub can_reply: Option<bool>,
    #[serde(default)]
    pub participants: List<Person>,
    #[serde(default)]
    pub messages: List<Message>,
}

impl Conversation {
    /// The customer: the participant who is not the page.
    pub fn customer(&self, page_id: &PageId) -> Option<&Person> {
        self.participants
            .data
            .iter()
            .find(|p| page_id != p.id.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    pub id: crate::model::MessageId,
    #[serde(deserialize_with = "graph_time")]
    pub created_time: DateTime<Utc>,
    pub message: Option<String>,
    pub from: Option<Person>,
    pub sticker: Option<String>,
    #[serde(default)]
    pub attachments: List<Attachment>,
    #[serde(default)]
    pub shares: List<Share>,
}

/// A post or product link shared in a message (`shares{link,name,description}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Share {
    pub link: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Attachment {
    pub id: Option<String>,
    pub mime_type: Option<String>,
    /// Bytes.
    pub size: Option<u64>,
    pub name: Option<String>,
    pub file_url: Option<String>,
    pub image_data: Option<ImageData>,
    pub video_data: Option<VideoData>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ImageData {
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    #[serde(default)]
    pub render_as_sticker: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct VideoData {
    pub url: Option<String>,
    pub preview_url: Option<String>,
}

/// The Send API's answer.
#[derive(Debug, Clone, Deserialize)]
pub struct SentMessage {
    pub message_id: crate::model::MessageId,
}

/// Parses Graph times, which come as `2019-04-24T10:38:15+0000` (no colon in the offset, which a
/// strict RFC 3339 parser rejects); RFC 3339 is accepted too.
pub fn parse_graph_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Formats a time the way Facebook does.
pub fn format_graph_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

pub(super) fn graph_time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(d)?;
    parse_graph_time(&text)
        .ok_or_else(|| serde::de::Error::custom(format!("not a Graph API time: {text:?}")))
}

pub(super) fn optional_graph_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => parse_graph_time(&text)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("not a Graph API time: {text:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_times_without_a_colon_in_the_offset_parse() {
        let t = parse_graph_time("2019-04-24T10:38:15+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2019-04-24T10:38:15+00:00");
        assert_eq!(parse_graph_time("2019-04-24T17:38:15+0700"), Some(t));
        assert_eq!(parse_graph_time("2019-04-24T10:38:15Z"), Some(t));
        assert_eq!(format_graph_time(t), "2019-04-24T10:38:15+0000");
        assert_eq!(parse_graph_time("yesterday"), None);
    }

    #[test]
    fn a_captured_conversation_list_parses() {
        let body = r#"{"data":[{"id":"t_10","updated_time":"2024-05-01T08:00:00+0000",
            "snippet":"Shop ơi","participants":{"data":[{"id":"P","name":"Shop","email":"P@facebook.com"},
            {"id":"U","name":"Lan","email":"U@facebook.com"}]},
            "messages":{"data":[{"id":"m_1","created_time":"2024-05-01T08:00:00+0000","message":"",
            "from":{"id":"U","name":"Lan"},"sticker":"https://x/s.png"}],"paging":{"cursors":{"after":"a"}}}}],
            "paging":{"cursors":{"before":"b","after":"c"},"next":"https://graph.facebook.com/v25.0/P/conversations?after=c"}}"#;
        let list: List<Conversation> = serde_json::from_str(body).unwrap();
        let conversation = &list.data[0];
        assert_eq!(conversation.customer(&"P".into()).unwrap().id, "U");
        assert_eq!(
            conversation.messages.data[0].sticker.as_deref(),
            Some("https://x/s.png")
        );
        assert!(list.paging.unwrap().next.is_some());
    }
}
