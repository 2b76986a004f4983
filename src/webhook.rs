//! The webhook endpoint of `pagedesk serve`: Facebook's subscription handshake, and signed
//! events, whose messages are kept in the database before Facebook is answered (an event
//! answered 200 survives a kill), then handed to the engine. Nothing unsigned is trusted: a
//! request without the app secret's signature changes nothing and costs no call. Reading
//! Facebook is the engine's work, after the answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::config::VerifyToken;
use crate::graph::AppSecret;
use crate::sync::{Engine, Kept, WebhookEvent};

mod connections;

/// The largest event body taken: Facebook's batches are far smaller.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the endpoint needs: the secrets that prove a request is Facebook's, and where the
/// events go.
pub struct Receiver {
    pub verify_token: VerifyToken,
    pub app_secret: AppSecret,
    /// How long a request's headers, then its body, may take to arrive.
    pub request_timeout: Duration,
    /// Keeps what events carry, before they are answered.
    pub engine: Arc<Engine>,
    /// Tells the engine's follower which people events came for.
    pub events: mpsc::UnboundedSender<WebhookEvent>,
}

/// Serves the endpoint on `listener` until the task is dropped, on at most
/// [`connections::MAX_CONNECTIONS`] connections at once. Each gets `request_timeout` for a
/// request's headers (a client that sends them a byte at a time, or stops half-way, is cut off)
/// and for each answer to be read; the handler the same again for the body.
pub async fn serve(listener: tokio::net::TcpListener, receiver: Arc<Receiver>) {
    let timeout = receiver.request_timeout;
    connections::serve(listener, router(receiver), timeout).await;
}

/// `/webhook`: `GET` for the handshake, `POST` for events.
fn router(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route("/webhook", get(handshake).post(events))
        .with_state(receiver)
}

/// `GET /webhook?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`: `C` when `T` is ours.
async fn handshake(
    State(receiver): State<Arc<Receiver>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let subscribe = query.get("hub.mode").map(String::as_str) == Some("subscribe");
    let token = query.get("hub.verify_token").map(String::as_str);
    match query.get("hub.challenge") {
        Some(challenge) if subscribe && token.is_some_and(|t| receiver.verify_token.matches(t)) => {
            tracing::info!("Facebook's webhook subscription verified");
            challenge.clone().into_response()
        }
        _ => {
            tracing::warn!("webhook handshake refused: wrong or missing verify token");
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

/// Why a body was not read whole.
enum Unread {
    TooLarge,
    Broken,
}

async fn read_body(body: Body) -> Result<Vec<u8>, Unread> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Unread::Broken)?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Unread::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `POST /webhook`: signed events; 200 as soon as they are handed on.
async fn events(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Body) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let bytes = match tokio::time::timeout(receiver.request_timeout, read_body(body)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(Unread::TooLarge)) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Ok(Err(Unread::Broken)) => return StatusCode::BAD_REQUEST.into_response(),
        Err(_) => {
            tracing::warn!("a webhook request's body did not arrive in time");
            return StatusCode::REQUEST_TIMEOUT.into_response();
        }
    };
    let signed = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|signature| receiver.app_secret.signed(&bytes, signature));
    if !signed {
        tracing::warn!("webhook request refused: missing or wrong X-Hub-Signature-256");
        return StatusCode::FORBIDDEN.into_response();
    }
    // Any signed JSON is answered 200 (what pagedesk has no use for is skipped item by item):
    // Facebook retries a body it sees refused, and in the end unsubscribes the app.
    let body: serde_json::Value = match crate::graph::decode(&bytes) {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(error = %error, "a signed webhook request is not JSON");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let events = crate::graph::webhook_events(&body);
    match receiver.engine.keep_events(events).await {
        Kept::Events(people) => {
            for event in people {
                // The engine gone (the process is stopping): what was kept is taken at the
                // next start.
                let _ = receiver.events.send(event);
            }
            "EVENT_RECEIVED".into_response()
        }
        // Not kept, so not acknowledged: Facebook sends it again.
        Kept::Failed(error) => {
            tracing::error!(error = %error, "cannot keep webhook events; Facebook will send them again");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
