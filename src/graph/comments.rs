//! Posts and the comments under them (`shared/graph-api.md`, "Posts and comments"): reading a
//! page's recent posts with their newest comments, paging one post's comments, answering in
//! public, hiding, liking, and the one private reply a comment may get.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire::{List, graph_time, optional_graph_time};
use super::{AccessToken, GraphClient, GraphError, Listing, next_cursor};
use crate::model::{CommentId, MessageId, PageId, PostId, Psid};

/// What is read of a comment, nested in a post or listed alone.
pub const COMMENT_FIELDS: &str = "id,message,from,created_time,parent{id},is_hidden,user_likes,can_reply_privately,private_reply_conversation";

/// How many of a post's newest comments come with it in the page's listing.
pub const NESTED_COMMENTS: usize = 25;

#[derive(Debug, Clone, Deserialize)]
pub struct Post {
    pub id: PostId,
    pub message: Option<String>,
    #[serde(deserialize_with = "graph_time")]
    pub created_time: DateTime<Utc>,
    /// The time of its last comment, or its own: unchanged, nothing new was written under it.
    #[serde(default, deserialize_with = "optional_graph_time")]
    pub updated_time: Option<DateTime<Utc>>,
    pub permalink_url: Option<String>,
    pub full_picture: Option<String>,
    #[serde(default)]
    pub comments: CommentList,
}

/// A post's newest comments, and how many it has in all.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CommentList {
    #[serde(default)]
    pub data: Vec<Comment>,
    pub summary: Option<CommentSummary>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommentSummary {
    pub total_count: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub message: Option<String>,
    pub from: Option<Author>,
    #[serde(deserialize_with = "graph_time")]
    pub created_time: DateTime<Utc>,
    pub parent: Option<Parent>,
    #[serde(default)]
    pub is_hidden: bool,
    /// The page likes it.
    #[serde(default)]
    pub user_likes: bool,
    pub can_reply_privately: Option<bool>,
    pub private_reply_conversation: Option<Parent>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Author {
    pub id: String,
    pub name: Option<String>,
}

/// An object named by its id alone (`parent{id}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Parent {
    pub id: String,
}

#[derive(Deserialize)]
struct Created {
    id: CommentId,
}

#[derive(Serialize)]
struct PrivateReply<'a> {
    recipient: CommentRecipient<'a>,
    message: super::SendText<'a>,
}

#[derive(Serialize)]
struct CommentRecipient<'a> {
    comment_id: &'a str,
}

#[derive(Deserialize)]
pub struct PrivatelySent {
    pub recipient_id: Psid,
    pub message_id: MessageId,
}

impl GraphClient {
    /// `GET /{page-id}/published_posts`: the page's posts since `since`, newest first, each
    /// with its newest comments (replies among them) and their count.
    pub async fn posts(
        &self,
        page_id: &PageId,
        token: &AccessToken,
        since: DateTime<Utc>,
        after: Option<&str>,
    ) -> Result<Listing<Post>, GraphError> {
        let url = self.url(&[page_id.as_str(), "published_posts"]);
        let fields = format!(
            "id,message,created_time,updated_time,permalink_url,full_picture,\
             comments.summary(true).filter(stream).order(reverse_chronological).limit({NESTED_COMMENTS}){{{COMMENT_FIELDS}}}"
        );
        let since = since.timestamp().to_string();
        let mut query = vec![
            ("fields", fields.as_str()),
            ("since", since.as_str()),
            ("limit", "25"),
        ];
        query.extend(super::after_cursor(after));
        let (list, usage): (List<Post>, _) = self.read(url, &query, token, Some(page_id)).await?;
        let next_after = next_cursor(&list);
        Ok(Listing {
            items: list.data,
            next_after,
            usage,
        })
    }

    /// `GET /{post-id}/comments`: every comment and reply, newest first, after `after`.
    pub async fn comments(
        &self,
        page_id: &PageId,
        post_id: &PostId,
        token: &AccessToken,
        after: Option<&str>,
    ) -> Result<Listing<Comment>, GraphError> {
        self.comments_of(page_id, post_id.as_str(), token, after)
            .await
    }

    /// `GET /{comment-id}/comments`: the answers to one comment, newest first.
    pub async fn answers(
        &self,
        page_id: &PageId,
        comment_id: &CommentId,
        token: &AccessToken,
    ) -> Result<Listing<Comment>, GraphError> {
        self.comments_of(page_id, comment_id.as_str(), token, None)
            .await
    }

    async fn comments_of(
        &self,
        page_id: &PageId,
        object: &str,
        token: &AccessToken,
        after: Option<&str>,
    ) -> Result<Listing<Comment>, GraphError> {
        let url = self.url(&[object, "comments"]);
        let mut query = vec![
            ("fields", COMMENT_FIELDS),
            ("filter", "stream"),
            ("order", "reverse_chronological"),
            ("limit", "100"),
        ];
        query.extend(super::after_cursor(after));
        let (list, usage): (List<Comment>, _) =
            self.read(url, &query, token, Some(page_id)).await?;
        let next_after = next_cursor(&list);
        Ok(Listing {
            items: list.data,
            next_after,
            usage,
        })
    }

    /// `GET /{comment-id}`: one comment as Facebook has it now (whether it may still be
    /// answered privately, and whether it was).
    pub async fn comment(
        &self,
        page_id: &PageId,
        comment_id: &CommentId,
        token: &AccessToken,
    ) -> Result<Comment, GraphError> {
        let url = self.url(&[comment_id.as_str()]);
        let (comment, _) = self
            .read(url, &[("fields", COMMENT_FIELDS)], token, Some(page_id))
            .await?;
        Ok(comment)
    }

    /// `POST /{comment-id}/comments`: the page answers in public. Never retried here, as
    /// [`GraphClient::send`].
    pub async fn answer_comment(
        &self,
        page_id: &PageId,
        comment_id: &CommentId,
        token: &AccessToken,
        text: &str,
    ) -> Result<CommentId, GraphError> {
        let request = self
            .authorized(
                self.http.post(self.url(&[comment_id.as_str(), "comments"])),
                token,
            )
            .json(&serde_json::json!({ "message": text }));
        let (created, _): (Created, _) = self.exchange(request, token, Some(page_id)).await?;
        Ok(created.id)
    }

    /// `POST /{comment-id}` with `is_hidden`: hides a comment from everyone but its author and
    /// their friends, or shows it again.
    pub async fn hide_comment(
        &self,
        page_id: &PageId,
        comment_id: &CommentId,
        token: &AccessToken,
        hidden: bool,
    ) -> Result<(), GraphError> {
        let request = self
            .authorized(self.http.post(self.url(&[comment_id.as_str()])), token)
            .json(&serde_json::json!({ "is_hidden": hidden }));
        let _: (serde_json::Value, _) = self.exchange(request, token, Some(page_id)).await?;
        Ok(())
    }

    /// `POST /{comment-id}/likes`: the page likes the comment.
    pub async fn like_comment(
        &self,
        page_id: &PageId,
        comment_id: &CommentId,
        token: &AccessToken,
    ) -> Result<(), GraphError> {
        let request = self.authorized(
            self.http.post(self.url(&[comment_id.as_str(), "likes"])),
            token,
        );
        let _: (serde_json::Value, _) = self.exchange(request, token, Some(page_id)).await?;
        Ok(())
    }

    /// `POST /{page-id}/messages` to `recipient.comment_id`: the one private reply a comment
    /// may get. Never retried here.
    pub async fn private_reply(
        &self,
        page_id: &PageId,
        comment_id: &CommentId,
        token: &AccessToken,
        text: &str,
    ) -> Result<PrivatelySent, GraphError> {
        let body = PrivateReply {
            recipient: CommentRecipient {
                comment_id: comment_id.as_str(),
            },
            message: super::SendText { text },
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
}
