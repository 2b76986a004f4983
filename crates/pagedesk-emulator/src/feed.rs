//! Posts and comments in the Graph API's wire shapes: `GET /{page}/feed` (and
//! `/published_posts`) with nested comments, `GET /{object}/comments` with `filter` and
//! `order`, one post or comment by its id.

use serde_json::{Map, Value, json};

use crate::api::{DEFAULT_LIMIT, Key, Link, Params, invalid, list_body, paginate};
use crate::fields::{self, Field};
use crate::folder::graph_time;
use crate::posts::{Comment, PRIVATE_REPLY_WINDOW, Post};
use crate::world::{FbError, Page, World};

/// The page's posts, newest first; `since` (unix seconds) leaves older ones out.
pub fn render_feed(
    world: &World,
    page: &Page,
    fields: &[Field],
    params: &Params,
    link: &Link,
) -> Result<Value, FbError> {
    let since = match params.get("since") {
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| FbError::new(100, None, "(#100) Param since must be a time"))?,
        ),
        None => None,
    };
    let posts: Vec<&Post> = world
        .posts_of(&page.id)
        .into_iter()
        .filter(|p| since.is_none_or(|since| p.created.timestamp() >= since))
        .collect();
    let keys: Vec<Key> = posts.iter().map(|p| Key::new(p.created, &p.id)).collect();
    let window = paginate(&keys, params)?;
    let data = posts[window.range.clone()]
        .iter()
        .map(|post| render_post(world, post, page, fields, link))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(list_body(data, &window, &keys, link))
}

pub fn render_post(
    world: &World,
    post: &Post,
    page: &Page,
    fields: &[Field],
    link: &Link,
) -> Result<Value, FbError> {
    let mut object = Map::new();
    for field in fields {
        let value = match field.name.as_str() {
            "id" => json!(post.id),
            "message" => json!(post.message),
            "created_time" => json!(graph_time(post.created)),
            "updated_time" => json!(graph_time(post.updated())),
            "permalink_url" => {
                let number = post.id.rsplit('_').next().unwrap_or(&post.id);
                json!(format!(
                    "https://www.facebook.com/{}/posts/{number}",
                    page.id
                ))
            }
            "full_picture" => match post.picture.as_ref().and_then(|id| world.media.get(id)) {
                Some(media) => json!(crate::api::cdn_link(
                    &link.base,
                    world.cdn_epoch,
                    post.picture.as_deref().unwrap_or_default(),
                    &media.name
                )),
                None => continue,
            },
            "comments" => {
                let mut params = Params::new();
                params.insert(
                    "limit".into(),
                    field.limit.unwrap_or(DEFAULT_LIMIT).to_string(),
                );
                for name in ["filter", "order"] {
                    if let Some(value) = field.modifier(name) {
                        params.insert(name.into(), value.to_owned());
                    }
                }
                let link = Link::new(&link.base, &link.version, &[&post.id, "comments"])
                    .with_params(&params);
                let mut comments =
                    render_comments(post, None, page, &field.children, &params, &link)?;
                if field.modifier("summary") == Some("true") {
                    let listed = listed(post, None, params.get("filter").map(String::as_str));
                    comments["summary"] = json!({ "order": order(&params), "total_count": listed.len(),
                        "can_comment": true });
                }
                comments
            }
            _ => continue,
        };
        object.insert(field.name.clone(), value);
    }
    Ok(Value::Object(object))
}

/// `GET /{post-id}/comments` (`parent`: `None`) or `/{comment-id}/comments` (its replies).
pub fn render_comments(
    post: &Post,
    parent: Option<&str>,
    page: &Page,
    fields: &[Field],
    params: &Params,
    link: &Link,
) -> Result<Value, FbError> {
    let fields = if fields.is_empty() {
        fields::requested(None, &["id", "message", "from", "created_time"]).expect("defaults")
    } else {
        fields.to_vec()
    };
    let mut comments = listed(post, parent, params.get("filter").map(String::as_str));
    let rising = match order(params) {
        "chronological" => true,
        "reverse_chronological" => false,
        other => {
            return Err(invalid(format!(
                "(#100) order must be one of chronological, reverse_chronological; not {other}"
            )));
        }
    };
    if !rising {
        comments.reverse();
    }
    let keys: Vec<Key> = comments
        .iter()
        .map(|c| match rising {
            true => Key::rising(c.created, &c.id),
            false => Key::new(c.created, &c.id),
        })
        .collect();
    let window = paginate(&keys, params)?;
    let data = comments[window.range.clone()]
        .iter()
        .map(|c| render_comment(post, c, page, &fields))
        .collect();
    Ok(list_body(data, &window, &keys, link))
}

/// Facebook's `order` of comments: chronological unless asked otherwise.
fn order(params: &Params) -> &str {
    params.get("order").map_or("chronological", String::as_str)
}

/// The comments a listing holds, oldest first: of a comment, its replies; of a post, the
/// top-level ones (`filter=toplevel`, the default) or every one (`stream`).
fn listed<'p>(post: &'p Post, parent: Option<&str>, filter: Option<&str>) -> Vec<&'p Comment> {
    post.comments
        .iter()
        .filter(|c| match (parent, filter) {
            (Some(parent), _) => c.parent_id.as_deref() == Some(parent),
            (None, Some("stream")) => true,
            (None, _) => c.parent_id.is_none(),
        })
        .collect()
}

pub fn render_comment(post: &Post, comment: &Comment, page: &Page, fields: &[Field]) -> Value {
    let now = chrono::Utc::now();
    let by_page = comment.from.is_none();
    let mut object = Map::new();
    for field in fields {
        let value = match field.name.as_str() {
            "id" => json!(comment.id),
            "message" => json!(comment.message),
            "created_time" => json!(graph_time(comment.created)),
            "from" => match &comment.from {
                Some(person) => json!({ "id": person.id, "name": person.name }),
                None => json!({ "id": page.id, "name": page.name }),
            },
            "parent" => match &comment.parent_id {
                Some(parent) => json!({ "id": parent }),
                None => continue,
            },
            "is_hidden" => json!(comment.hidden),
            "can_hide" => json!(!by_page),
            "can_remove" => json!(true),
            "user_likes" => json!(comment.liked),
            "can_reply_privately" => json!(
                !by_page
                    && comment.private_reply.is_none()
                    && now - comment.created <= PRIVATE_REPLY_WINDOW
            ),
            "private_reply_conversation" => match &comment.private_reply {
                Some(conversation) => json!({ "id": conversation }),
                None => continue,
            },
            "comment_count" => json!(
                post.comments
                    .iter()
                    .filter(|c| c.parent_id.as_deref() == Some(comment.id.as_str()))
                    .count()
            ),
            "permalink_url" => json!(format!(
                "https://www.facebook.com/{}?comment_id={}",
                post.id, comment.id
            )),
            _ => continue,
        };
        object.insert(field.name.clone(), value);
    }
    Value::Object(object)
}
