//! Scenarios: the pages, customers and conversations the emulator starts with, from `assets/`.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::world::{Content, Customer, World};
use crate::folder::Folder;

/// Pictures scenarios and the demo's buyers send (`"asset": NAME` in an attachment,
/// `"sticker": "asset:NAME"`): the demo shop's product photos, and a sticker.
pub fn picture(name: &str) -> Option<&'static [u8]> {
    PRODUCT_PHOTOS
        .iter()
        .chain(STICKERS)
        .find(|(asset, _)| *asset == name)
        .map(|(_, bytes)| *bytes)
}

/// The demo shop's product photos (its attach picker's folder).
pub const PRODUCT_PHOTOS: &[(&str, &[u8])] = &[
    (
        "vay-hoa-do.png",
        include_bytes!("../assets/product-photos/vay-hoa-do.png"),
    ),
    (
        "vay-xanh-navy.png",
        include_bytes!("../assets/product-photos/vay-xanh-navy.png"),
    ),
    (
        "ao-thun-trang.png",
        include_bytes!("../assets/product-photos/ao-thun-trang.png"),
    ),
    (
        "giay-sneaker.png",
        include_bytes!("../assets/product-photos/giay-sneaker.png"),
    ),
    (
        "tui-xach-nau.png",
        include_bytes!("../assets/product-photos/tui-xach-nau.png"),
    ),
];

const STICKERS: &[(&str, &[u8])] = &[("like.png", include_bytes!("../assets/stickers/like.png"))];

#[derive(Debug, Deserialize)]
pub struct Scenario {
    pub user_token: String,
    pub pages: Vec<ScenarioPage>,
    #[serde(default)]
    pub conversations: Vec<ScenarioConversation>,
    #[serde(default)]
    pub posts: Vec<ScenarioPost>,
}

/// A post of a page, with one of the emulator's pictures and the comments under it.
#[derive(Debug, Deserialize)]
pub struct ScenarioPost {
    pub page: String,
    pub message: String,
    pub picture: Option<String>,
    pub minutes_ago: f64,
    #[serde(default)]
    pub comments: Vec<ScenarioComment>,
}

/// A comment: by a buyer, or (`customer_name` absent) the page answering the one before.
#[derive(Debug, Deserialize)]
pub struct ScenarioComment {
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub minutes_ago: f64,
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub struct ScenarioPage {
    pub id: String,
    pub name: String,
    pub access_token: String,
    pub category: String,
}

#[derive(Debug, Deserialize)]
pub struct ScenarioConversation {
    pub page: String,
    pub customer_id: String,
    pub customer_name: String,
    #[serde(default = "inbox")]
    pub folder: Folder,
    pub messages: Vec<ScenarioMessage>,
}

fn inbox() -> Folder {
    Folder::Inbox
}

#[derive(Debug, Deserialize)]
pub struct ScenarioMessage {
    /// `true` for the page (staff), `false` for the customer.
    #[serde(default)]
    pub from_page: bool,
    /// Minutes before the emulator starts; fractions allowed.
    pub minutes_ago: f64,
    #[serde(flatten)]
    pub content: Content,
}

impl Scenario {
    /// A built-in scenario by name: `empty` or `demo`.
    pub fn named(name: &str) -> Result<Scenario, String> {
        let text = match name {
            "empty" => include_str!("../assets/scenarios/empty.json"),
            "demo" => include_str!("../assets/scenarios/demo.json"),
            other => return Err(format!("no scenario `{other}`: use `empty` or `demo`")),
        };
        serde_json::from_str(text).map_err(|e| format!("scenario `{name}` is broken: {e}"))
    }

    /// Builds the world with message times relative to `now`.
    pub fn into_world(self, now: DateTime<Utc>) -> Result<World, String> {
        let mut world = World::new(&self.user_token);
        for page in &self.pages {
            world.add_page(&page.id, &page.name, &page.access_token, &page.category);
        }
        for conversation in self.conversations {
            let customer = Customer {
                id: conversation.customer_id,
                name: conversation.customer_name,
            };
            let mut conversation_id = None;
            for message in conversation.messages {
                let at = now - Duration::milliseconds((message.minutes_ago * 60_000.0) as i64);
                let mut content = message.content;
                world.hold_assets(&mut content)?;
                if message.from_page {
                    let id = conversation_id
                        .as_deref()
                        .ok_or("a scenario conversation must start with the customer")?;
                    world.page_writes(id, content, at)?;
                } else {
                    let (id, _) = world.customer_writes(
                        &conversation.page,
                        customer.clone(),
                        Some(conversation.folder),
                        content,
                        at,
                    )?;
                    conversation_id = Some(id);
                }
            }
            // A page message in a spam scenario conversation must not move it out of Spam:
            // the scenario says where it is now.
            if let Some(id) = conversation_id {
                world.conversations.get_mut(&id).expect("just made").folder = conversation.folder;
            }
        }
        let ago = |minutes: f64| now - Duration::milliseconds((minutes * 60_000.0) as i64);
        for post in self.posts {
            let picture = match &post.picture {
                Some(name) => Some(world.hold_asset(name)?.0),
                None => None,
            };
            let post_id =
                world.publish(&post.page, &post.message, picture, ago(post.minutes_ago))?;
            let mut last = None;
            for comment in post.comments {
                let at = ago(comment.minutes_ago);
                let id = match (comment.customer_id, comment.customer_name) {
                    (Some(id), Some(name)) => {
                        let buyer = Customer { id, name };
                        world.write_comment(&post_id, None, Some(buyer), &comment.text, at)?
                    }
                    _ => {
                        let answered = last.as_deref().ok_or("a page's comment must answer one")?;
                        world.write_comment(&post_id, Some(answered), None, &comment.text, at)?
                    }
                };
                last = Some(id);
            }
        }
        Ok(world)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_scenarios_load() {
        let demo = Scenario::named("demo")
            .unwrap()
            .into_world(Utc::now())
            .unwrap();
        assert!(demo.pages.len() >= 2);
        assert!(
            demo.conversations
                .values()
                .any(|c| c.folder == Folder::Spam)
        );
        // Buyers comment under the demo's posts; a PSID is one person: a commenter who also
        // writes in Messenger has one name.
        assert!(demo.posts.values().any(|p| p.comments.len() >= 3));
        for comment in demo.posts.values().flat_map(|p| p.comments.iter()) {
            let Some(person) = &comment.from else {
                continue;
            };
            assert!(
                demo.conversations
                    .values()
                    .filter(|c| c.customer.id == person.id)
                    .all(|c| c.customer.name == person.name),
                "{} is two people",
                person.id
            );
        }
        let empty = Scenario::named("empty")
            .unwrap()
            .into_world(Utc::now())
            .unwrap();
        assert!(empty.conversations.is_empty());
        assert!(Scenario::named("nope").is_err());
    }
}
