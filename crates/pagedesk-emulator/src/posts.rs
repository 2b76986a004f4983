//! A page's posts and the comments under them, as Facebook holds them, with Facebook's rules:
//! a reply to a reply joins its top-level comment's thread; hiding and answering need
//! `pages_manage_engagement`; the page may answer a comment privately once, within 7 days.
//! Every change a buyer or the page makes is queued for the `feed` webhook.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::api::unknown_object;
use crate::world::{Customer, FbError, WebhookItem, World};

/// A private reply may be sent up to 7 days after the comment (Messenger's Private Replies).
pub const PRIVATE_REPLY_WINDOW: Duration = Duration::days(7);
/// What answering, hiding and liking comments need besides the page's token.
pub const ENGAGEMENT: &str = "pages_manage_engagement";

#[derive(Debug, Clone)]
pub struct Post {
    pub id: String,
    pub page_id: String,
    pub message: String,
    pub created: DateTime<Utc>,
    /// The photo of the product: a file the emulator holds, served at a CDN link.
    pub picture: Option<String>,
    /// Oldest first, replies among them.
    pub comments: Vec<Comment>,
}

impl Post {
    /// Facebook's `updated_time` of a post: its last comment's time, or its own.
    pub fn updated(&self) -> DateTime<Utc> {
        self.comments
            .iter()
            .map(|c| c.created)
            .max()
            .unwrap_or(self.created)
            .max(self.created)
    }
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: String,
    pub post_id: String,
    /// The top-level comment this one answers.
    pub parent_id: Option<String>,
    /// `None`: the page wrote it.
    pub from: Option<Customer>,
    pub message: String,
    pub created: DateTime<Utc>,
    pub hidden: bool,
    /// The page liked it.
    pub liked: bool,
    /// The page's one private reply: the conversation it started.
    pub private_reply: Option<String>,
}

impl World {
    /// The page publishes a post (with one of the emulator's pictures, or a file it holds).
    pub fn publish(
        &mut self,
        page_id: &str,
        message: &str,
        picture: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        if !self.pages.contains_key(page_id) {
            return Err(format!("no page {page_id}"));
        }
        let id = format!("{page_id}_{}", 800_000 + self.fresh_id());
        self.posts.insert(
            id.clone(),
            Post {
                id: id.clone(),
                page_id: page_id.to_owned(),
                message: message.to_owned(),
                created: at,
                picture,
                comments: Vec::new(),
            },
        );
        Ok(id)
    }

    /// A page's posts, newest first, as the feed lists them.
    pub fn posts_of(&self, page_id: &str) -> Vec<&Post> {
        let mut posts: Vec<&Post> = self
            .posts
            .values()
            .filter(|p| p.page_id == page_id)
            .collect();
        posts.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
        posts
    }

    pub fn comment(&self, comment_id: &str) -> Option<(&Post, &Comment)> {
        self.posts
            .values()
            .find_map(|p| Some((p, p.comments.iter().find(|c| c.id == comment_id)?)))
    }

    fn comment_mut(&mut self, comment_id: &str) -> Result<&mut Comment, FbError> {
        self.posts
            .values_mut()
            .flat_map(|p| p.comments.iter_mut())
            .find(|c| c.id == comment_id)
            .ok_or_else(|| unknown_object(comment_id))
    }

    /// Someone comments on `post_id`, or (`parent_id`) answers a comment: the reply joins the
    /// thread of the top-level comment. `None` for `from`: the page. Returns the comment's id.
    pub fn write_comment(
        &mut self,
        post_id: &str,
        parent_id: Option<&str>,
        from: Option<Customer>,
        message: &str,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        let n = self.fresh_id();
        let post = self
            .posts
            .get_mut(post_id)
            .ok_or_else(|| format!("no post {post_id}"))?;
        let parent = match parent_id {
            None => None,
            Some(parent) => {
                let top = post
                    .comments
                    .iter()
                    .find(|c| c.id == parent)
                    .ok_or_else(|| format!("no comment {parent} on {post_id}"))?;
                Some(top.parent_id.clone().unwrap_or_else(|| top.id.clone()))
            }
        };
        let number = post_id.rsplit('_').next().unwrap_or(post_id);
        let id = format!("{number}_{}", 900_000 + n);
        let comment = Comment {
            id: id.clone(),
            post_id: post_id.to_owned(),
            parent_id: parent,
            from,
            message: message.to_owned(),
            created: at,
            hidden: false,
            liked: false,
            private_reply: None,
        };
        let page_id = post.page_id.clone();
        let at_index = post.comments.partition_point(|c| c.created <= at);
        post.comments.insert(at_index, comment);
        self.queue_comment_change(&page_id, &id, "add");
        Ok(id)
    }

    /// The buyer changes their comment's words.
    pub fn edit_comment(&mut self, comment_id: &str, message: &str) -> Result<(), String> {
        let comment = self.comment_mut(comment_id).map_err(|e| e.message)?;
        comment.message = message.to_owned();
        let page = self.page_of_comment(comment_id);
        self.queue_comment_change(&page, comment_id, "edited");
        Ok(())
    }

    /// The buyer deletes their comment (its replies go with it, as on Facebook).
    pub fn remove_comment(&mut self, comment_id: &str) -> Result<(), String> {
        let page = self.page_of_comment(comment_id);
        let post = self
            .posts
            .values_mut()
            .find(|p| p.comments.iter().any(|c| c.id == comment_id))
            .ok_or_else(|| format!("no comment {comment_id}"))?;
        // The removal's item names the comment, as its last change.
        let item = comment_value(
            post,
            post.comments.iter().find(|c| c.id == comment_id),
            false,
        );
        post.comments
            .retain(|c| c.id != comment_id && c.parent_id.as_deref() != Some(comment_id));
        self.queue_feed(&page, item, "remove");
        Ok(())
    }

    /// The page answers a comment in public (`POST /{comment-id}/comments`).
    pub fn page_answers(
        &mut self,
        page_id: &str,
        comment_id: &str,
        message: &str,
        at: DateTime<Utc>,
    ) -> Result<String, FbError> {
        self.engagement(page_id)?;
        let (post, _) = self
            .comment(comment_id)
            .filter(|(p, _)| p.page_id == page_id)
            .ok_or_else(|| unknown_object(comment_id))?;
        if message.trim().is_empty() {
            return Err(FbError::new(
                100,
                None,
                "(#100) The parameter message is required",
            ));
        }
        let post_id = post.id.clone();
        self.write_comment(&post_id, Some(comment_id), None, message, at)
            .map_err(|e| FbError::new(100, None, &e))
    }

    /// The page hides or shows a comment again (`POST /{comment-id}` with `is_hidden`): a
    /// hidden comment stays visible to its author and their friends only.
    pub fn hide_comment(
        &mut self,
        page_id: &str,
        comment_id: &str,
        hidden: bool,
    ) -> Result<(), FbError> {
        self.engagement(page_id)?;
        let comment = self.comment_mut(comment_id)?;
        if comment.from.is_none() {
            return Err(FbError::new(
                100,
                None,
                "(#100) The page cannot hide its own comment",
            ));
        }
        comment.hidden = hidden;
        let verb = if hidden { "hide" } else { "unhide" };
        self.queue_comment_change(page_id, comment_id, verb);
        Ok(())
    }

    /// The page likes a comment (`POST /{comment-id}/likes`).
    pub fn like_comment(&mut self, page_id: &str, comment_id: &str) -> Result<(), FbError> {
        self.engagement(page_id)?;
        self.comment_mut(comment_id)?.liked = true;
        Ok(())
    }

    /// The page's one private reply to a comment (`POST /{page-id}/messages` with
    /// `recipient.comment_id`): it starts (or joins) the person's conversation, whose 24-hour
    /// window opens only when they answer. Returns the person's PSID and the message id.
    pub fn private_reply(
        &mut self,
        page_id: &str,
        comment_id: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, String), FbError> {
        let (_, comment) = self
            .comment(comment_id)
            .filter(|(p, _)| p.page_id == page_id)
            .ok_or_else(|| unknown_object(comment_id))?;
        let Some(person) = comment.from.clone() else {
            return Err(FbError::new(
                100,
                None,
                "(#100) The page cannot message itself",
            ));
        };
        if comment.private_reply.is_some() {
            // The code for a second attempt is UNCONFIRMED (shared/graph-api.md): 10900 is the
            // one widely cited.
            return Err(FbError::new(10900, None, "Activity already replied to"));
        }
        if now - comment.created > PRIVATE_REPLY_WINDOW {
            return Err(FbError::new(
                10903,
                None,
                "This activity can't be replied to: it is more than 7 days old",
            ));
        }
        if text.trim().is_empty() {
            return Err(FbError::new(
                100,
                None,
                "(#100) param message must be non-empty",
            ));
        }
        let conversation_id = match self.conversation_with(page_id, &person.id) {
            Some(c) => c.id.clone(),
            None => self.start_conversation(page_id, person.clone(), crate::folder::Folder::Inbox),
        };
        let message_id = self
            .page_writes(&conversation_id, crate::world::Content::text(text), now)
            .map_err(|e| FbError::new(100, None, &e))?;
        if let Some(written) = self.webhook_queue.last_mut() {
            written.app_id = Some(self.app.id.clone());
        }
        self.comment_mut(comment_id)?.private_reply = Some(conversation_id);
        Ok((person.id, message_id))
    }

    /// Answering, hiding and liking need the engagement permission; Facebook's code for its
    /// absence is UNCONFIRMED (shared/graph-api.md): the permission family's 200.
    fn engagement(&self, page_id: &str) -> Result<(), FbError> {
        match self.pages.get(page_id) {
            Some(page) if page.permissions.iter().any(|p| p == ENGAGEMENT) => Ok(()),
            _ => Err(FbError::new(
                200,
                None,
                "(#200) Requires pages_manage_engagement permission to manage the object",
            )),
        }
    }

    fn page_of_comment(&self, comment_id: &str) -> String {
        self.comment(comment_id)
            .map(|(p, _)| p.page_id.clone())
            .unwrap_or_default()
    }

    fn queue_comment_change(&mut self, page_id: &str, comment_id: &str, verb: &str) {
        let Some((post, _)) = self.comment(comment_id) else {
            return;
        };
        let item = comment_value(
            post,
            post.comments.iter().find(|c| c.id == comment_id),
            self.older_feed_shape,
        );
        self.queue_feed(page_id, item, verb);
    }

    fn queue_feed(&mut self, page_id: &str, mut value: Value, verb: &str) {
        value["verb"] = json!(verb);
        self.webhook_items.push(WebhookItem {
            page_id: page_id.to_owned(),
            field: "feed",
            item: value,
        });
    }
}

/// A comment as the `feed` webhook's `value` tells it (without its verb); `older`: its author
/// as `sender_id`/`sender_name`, as older payloads name them.
fn comment_value(post: &Post, comment: Option<&Comment>, older: bool) -> Value {
    let Some(comment) = comment else {
        return json!({ "item": "comment", "post_id": post.id });
    };
    let (id, name) = match &comment.from {
        Some(person) => (person.id.as_str(), Some(person.name.as_str())),
        None => (post.page_id.as_str(), None),
    };
    let mut value = json!({
        "item": "comment",
        "comment_id": comment.id,
        "post_id": post.id,
        "parent_id": comment.parent_id.clone().unwrap_or_else(|| post.id.clone()),
        "message": comment.message,
        "created_time": comment.created.timestamp(),
        "post": { "id": post.id, "status_type": "added_photos", "is_published": true },
    });
    if older {
        value["sender_id"] = json!(id);
        value["sender_name"] = json!(name);
    } else {
        value["from"] = json!({ "id": id, "name": name });
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lan() -> Customer {
        Customer {
            id: "u_lan".into(),
            name: "Lan".into(),
        }
    }

    fn shop_with_a_post() -> (World, String) {
        let mut world = World::new("user");
        world.add_page("1", "Shop", "tok", "Shop");
        let post = world
            .publish("1", "Váy hoa nhí, 350k", None, Utc::now())
            .unwrap();
        (world, post)
    }

    #[test]
    fn an_answer_to_an_answer_joins_the_top_level_comments_thread() {
        let (mut world, post) = shop_with_a_post();
        let now = Utc::now();
        let asked = world
            .write_comment(&post, None, Some(lan()), "giá?", now)
            .unwrap();
        let answer = world.page_answers("1", &asked, "Dạ 350k ạ", now).unwrap();
        let again = world
            .write_comment(&post, Some(&answer), Some(lan()), "ib em", now)
            .unwrap();
        let (_, again) = world.comment(&again).unwrap();
        assert_eq!(again.parent_id.as_deref(), Some(asked.as_str()));
        let feed: Vec<&str> = world
            .webhook_items
            .iter()
            .map(|i| i.item["verb"].as_str().unwrap())
            .collect();
        assert_eq!(feed, ["add", "add", "add"]);
    }

    #[test]
    fn a_comment_gets_one_private_reply_within_seven_days() {
        let (mut world, post) = shop_with_a_post();
        let now = Utc::now();
        let fresh = world
            .write_comment(&post, None, Some(lan()), "0901234567", now)
            .unwrap();
        let old = world
            .write_comment(&post, None, Some(lan()), "ib", now - Duration::days(8))
            .unwrap();
        let (person, _) = world
            .private_reply("1", &fresh, "Dạ shop inbox ạ", now)
            .unwrap();
        assert_eq!(person, "u_lan");
        let again = world.private_reply("1", &fresh, "Dạ", now).unwrap_err();
        assert_eq!(again.code, 10900);
        assert_eq!(
            world.private_reply("1", &old, "Dạ", now).unwrap_err().code,
            10903
        );
        // The conversation it started: the page wrote, the person has not answered.
        let conversation = world.conversation_with("1", "u_lan").unwrap();
        assert_eq!(conversation.messages.len(), 1);
        assert!(conversation.messages[0].from_page);
        assert!(conversation.last_customer_message().is_none());
    }

    #[test]
    fn answering_and_hiding_need_the_engagement_permission() {
        let (mut world, post) = shop_with_a_post();
        let now = Utc::now();
        let asked = world
            .write_comment(&post, None, Some(lan()), "0901234567", now)
            .unwrap();
        world.hide_comment("1", &asked, true).unwrap();
        assert!(world.comment(&asked).unwrap().1.hidden);
        world.pages.get_mut("1").unwrap().permissions.clear();
        assert_eq!(
            world.hide_comment("1", &asked, false).unwrap_err().code,
            200
        );
        assert_eq!(
            world.page_answers("1", &asked, "Dạ", now).unwrap_err().code,
            200
        );
        assert!(world.comment(&asked).unwrap().1.hidden, "unchanged");
    }
}
