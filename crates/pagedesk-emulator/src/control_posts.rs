//! The control API's posts and comments: the page publishes, buyers comment, edit and delete,
//! Facebook grants or takes the engagement permission, and tests read a post as Facebook holds
//! it (hidden, liked, answered privately).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use super::control::{change_page, not_found, psid_for};
use super::world::Customer;
use crate::folder::graph_time;

#[derive(Deserialize)]
pub struct NewPost {
    message: String,
    /// One of the emulator's pictures (`asset:ao-thun.png`).
    picture: Option<String>,
    #[serde(default)]
    seconds_ago: i64,
}

/// `POST /_emulator/pages/{page}/posts`: the page publishes a post.
pub async fn publish(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<NewPost>,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    let picture = match body
        .picture
        .as_deref()
        .map(|p| p.trim_start_matches("asset:"))
    {
        Some(asset) => match world.hold_asset(asset) {
            Ok((id, _)) => Some(id),
            Err(e) => return not_found(e),
        },
        None => None,
    };
    let at = Utc::now() - Duration::seconds(body.seconds_ago);
    match world.publish(&page_id, &body.message, picture, at) {
        Ok(id) => Json(json!({ "post_id": id })).into_response(),
        Err(e) => not_found(e),
    }
}

#[derive(Deserialize)]
pub struct NewComment {
    customer_name: String,
    customer_id: Option<String>,
    text: String,
    /// The comment this one answers.
    parent_id: Option<String>,
    #[serde(default)]
    seconds_ago: i64,
}

/// `POST /_emulator/posts/{post}/comments`: a buyer comments (or answers a comment).
pub async fn comment(
    State(shared): State<Arc<Shared>>,
    Path(post_id): Path<String>,
    Json(body): Json<NewComment>,
) -> Response {
    let mut world = shared.world.lock().expect("world");
    let Some(page_id) = world.posts.get(&post_id).map(|p| p.page_id.clone()) else {
        return not_found(format!("no post {post_id}"));
    };
    // The same person as in Messenger: a PSID is the page's.
    let customer = Customer {
        id: body
            .customer_id
            .unwrap_or_else(|| psid_for(&page_id, &body.customer_name)),
        name: body.customer_name,
    };
    let customer_id = customer.id.clone();
    let at = Utc::now() - Duration::seconds(body.seconds_ago);
    match world.write_comment(
        &post_id,
        body.parent_id.as_deref(),
        Some(customer),
        &body.text,
        at,
    ) {
        Ok(id) => Json(json!({ "comment_id": id, "customer_id": customer_id })).into_response(),
        Err(e) => not_found(e),
    }
}

#[derive(Deserialize)]
pub struct CommentEdit {
    text: String,
}

/// `POST /_emulator/comments/{id}/edit`: the buyer changes their comment.
pub async fn edit(
    State(shared): State<Arc<Shared>>,
    Path(comment_id): Path<String>,
    Json(body): Json<CommentEdit>,
) -> Response {
    let result = shared
        .world
        .lock()
        .expect("world")
        .edit_comment(&comment_id, &body.text);
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => not_found(e),
    }
}

/// `POST /_emulator/comments/{id}/remove`: the buyer deletes their comment.
pub async fn remove(State(shared): State<Arc<Shared>>, Path(comment_id): Path<String>) -> Response {
    let result = shared
        .world
        .lock()
        .expect("world")
        .remove_comment(&comment_id);
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => not_found(e),
    }
}

#[derive(Deserialize)]
pub struct Permissions {
    permissions: Vec<String>,
}

/// `POST /_emulator/pages/{page}/permissions`: what the page's token was granted.
pub async fn permissions(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Json(body): Json<Permissions>,
) -> Response {
    change_page(&shared, &page_id, |page| {
        page.permissions = body.permissions;
        json!({ "permissions": page.permissions })
    })
}

#[derive(Deserialize)]
pub struct FeedShape {
    older: bool,
}

/// `POST /_emulator/feed_shape`: the `feed` webhook names authors the older way, or not.
pub async fn feed_shape(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<FeedShape>,
) -> StatusCode {
    shared.world.lock().expect("world").older_feed_shape = body.older;
    StatusCode::NO_CONTENT
}

/// `GET /_emulator/posts/{post}`: the post and every comment as Facebook holds them.
pub async fn post(State(shared): State<Arc<Shared>>, Path(post_id): Path<String>) -> Response {
    let world = shared.world.lock().expect("world");
    let Some(post) = world.posts.get(&post_id) else {
        return not_found(format!("no post {post_id}"));
    };
    let comments: Vec<Value> = post
        .comments
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "parent_id": c.parent_id,
                "from": c.from.as_ref().map(|p| json!({ "id": p.id, "name": p.name })),
                "message": c.message,
                "created_time": graph_time(c.created),
                "is_hidden": c.hidden,
                "liked": c.liked,
                "private_reply_conversation": c.private_reply,
            })
        })
        .collect();
    Json(
        json!({ "id": post.id, "page_id": post.page_id, "message": post.message,
        "comments": comments }),
    )
    .into_response()
}
