//! Faults a test or the demo asks the emulator to inject into the next matching Graph requests,
//! and the log of every Graph request that reached the emulator.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Shared;
use super::api::error_response;
use super::world::FbError;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FaultRule {
    /// Only requests with this method (GET, POST); any when absent.
    pub method: Option<String>,
    /// Only requests whose path contains this text; any when absent.
    pub path_contains: Option<String>,
    /// How many matching requests pass untouched before the fault starts.
    #[serde(default)]
    pub skip: u32,
    /// How many matching requests get the fault.
    #[serde(default = "one")]
    pub count: u32,
    pub fault: Fault,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// A Graph API error body. `regain_minutes` adds the usage header a rate limit comes with.
    Error {
        code: i64,
        error_subcode: Option<i64>,
        #[serde(default = "bad_request")]
        http_status: u16,
        message: Option<String>,
        regain_minutes: Option<u64>,
        /// Facebook's `is_transient` in the body.
        is_transient: Option<bool>,
    },
    /// A bare HTTP answer, such as a proxy's HTML error page.
    Http {
        http_status: u16,
        #[serde(default)]
        body: String,
        #[serde(default = "html")]
        content_type: String,
        /// A `Location` header, for a redirect.
        location: Option<String>,
    },
    /// Hold the request this long, then answer it normally.
    Delay { ms: u64 },
    /// HTTP 200 with a body cut off in the middle of the JSON.
    Malformed,
    /// The request is carried out (a send is delivered), but its answer is lost: the client
    /// gets a proxy's HTTP 502 instead.
    AnswerLost,
    /// The request is carried out at once; its answer comes this much later.
    AnswerDelayed { ms: u64 },
    /// The answer starts, then the connection drops halfway through the body.
    DropMidBody,
    /// The list answers the first page again, with the same `after` cursor every time.
    CursorLoop,
    /// A list page with no conversations and a `next` cursor never seen before.
    EmptyPage,
    /// HTTP 200 with a JSON list whose one snippet makes the body this many megabytes long,
    /// streamed.
    Oversized { mb: usize },
}

/// The cursor a looping list keeps returning.
const LOOPING_CURSOR: &str = "TE9PUElORw";

fn bad_request() -> u16 {
    400
}

fn html() -> String {
    "text/html".into()
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// The query without `access_token`.
    pub query: Vec<(String, String)>,
    /// The page whose token the request carried, if any.
    pub page_id: Option<String>,
    /// Whether the token came as the `access_token` query parameter (not a header).
    pub token_in_query: bool,
    /// How long the emulator took to answer, in microseconds (faults' delays included).
    pub micros: u64,
}

impl Shared {
    fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut rules = self.faults.lock().expect("fault list");
        let index = rules.iter().position(|rule| {
            rule.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && rule
                    .path_contains
                    .as_deref()
                    .is_none_or(|p| path.contains(p))
        })?;
        if rules[index].skip > 0 {
            rules[index].skip -= 1;
            return None;
        }
        let fault = rules[index].fault.clone();
        rules[index].count -= 1;
        if rules[index].count == 0 {
            rules.remove(index);
        }
        Some(fault)
    }
}

/// Logs each Graph request and applies the first matching fault. Control requests pass through.
pub async fn inject(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with(super::CONTROL_PREFIX) {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let token_in_query = query.iter().any(|(k, _)| k == "access_token");
    let token = super::api::token_of(request.headers(), &query);
    let page_id = token.and_then(|t| {
        let world = shared.world.lock().expect("world");
        world.page_by_token(&t).map(|p| p.id.clone())
    });
    // Logged on arrival (a test may wait for a request still being answered), timed after.
    let logged = {
        let mut log = shared.requests.lock().expect("request log");
        log.push(RequestRecord {
            method: method.clone(),
            path: path.clone(),
            query: query
                .into_iter()
                .filter(|(k, _)| k != "access_token")
                .collect(),
            page_id: page_id.clone(),
            token_in_query,
            micros: 0,
        });
        log.len() - 1
    };
    let started = std::time::Instant::now();
    let response = answer(&shared, request, next, &method, &path, page_id).await;
    if let Some(record) = shared.requests.lock().expect("request log").get_mut(logged) {
        record.micros = started.elapsed().as_micros() as u64;
    }
    response
}

/// The answer, with the first matching fault applied.
async fn answer(
    shared: &Arc<Shared>,
    request: Request,
    next: Next,
    method: &str,
    path: &str,
    page_id: Option<String>,
) -> Response {
    match shared.take_fault(method, path) {
        None => next.run(request).await,
        Some(Fault::Delay { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(request).await
        }
        Some(Fault::AnswerDelayed { ms }) => {
            let response = next.run(request).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            response
        }
        Some(Fault::DropMidBody) => {
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            // The first half goes out with the headers; a moment later the connection drops.
            let body = futures_util::stream::unfold(Some(half), |half| async move {
                match half {
                    Some(half) => Some((Ok(half), None)),
                    None => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        let dropped = std::io::Error::other("connection dropped by the emulator");
                        Some((Err::<axum::body::Bytes, _>(dropped), None))
                    }
                }
            });
            let mut response = Response::from_parts(parts, Body::from_stream(body));
            response.headers_mut().remove("content-length");
            response
        }
        Some(Fault::CursorLoop) => {
            let mut request = request;
            let query: Vec<(String, String)> =
                url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
                    .into_owned()
                    .filter(|(k, _)| k != "after")
                    .collect();
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&query)
                .finish();
            if let Ok(uri) = format!("{}?{query}", request.uri().path()).parse() {
                *request.uri_mut() = uri;
            }
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if json.get("data").is_some() {
                json["paging"] = serde_json::json!({
                    "cursors": { "before": LOOPING_CURSOR, "after": LOOPING_CURSOR },
                    "next": format!("{}{}?{query}&after={LOOPING_CURSOR}", shared.base_url, path),
                });
            }
            let mut response = Response::from_parts(parts, Body::from(json.to_string()));
            response.headers_mut().remove("content-length");
            response
        }
        Some(Fault::EmptyPage) => {
            let cursor = format!(
                "RU1QVFk{}",
                shared.requests.lock().expect("request log").len()
            );
            axum::Json(serde_json::json!({
                "data": [],
                "paging": {
                    "cursors": { "after": cursor },
                    "next": format!("{}{path}?after={cursor}", shared.base_url),
                },
            }))
            .into_response()
        }
        Some(Fault::Oversized { mb }) => {
            const CHUNK: usize = 64 * 1024;
            let head = axum::body::Bytes::from_static(br#"{"data":[{"id":"t_big","snippet":""#);
            let tail = axum::body::Bytes::from_static(br#""}]}"#);
            let filler = axum::body::Bytes::from(vec![b'a'; CHUNK]);
            let chunks = (mb * 1024 * 1024).div_ceil(CHUNK);
            let body = futures_util::stream::iter(
                std::iter::once(head)
                    .chain(std::iter::repeat_n(filler, chunks))
                    .chain(std::iter::once(tail))
                    .map(Ok::<_, std::io::Error>),
            );
            let mut response = Response::new(Body::from_stream(body));
            response
                .headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            response
        }
        Some(Fault::AnswerLost) => {
            let _carried_out = next.run(request).await;
            (
                StatusCode::BAD_GATEWAY,
                [("content-type", "text/html")],
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
                .into_response()
        }
        Some(Fault::Malformed) => (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"{"data":[{"id":"t_1","updated_time":"2024-01-0"#,
        )
            .into_response(),
        Some(Fault::Http {
            http_status,
            body,
            content_type,
            location,
        }) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() =
                StatusCode::from_u16(http_status).unwrap_or(StatusCode::BAD_GATEWAY);
            for (name, value) in [("content-type", Some(content_type)), ("location", location)] {
                if let Some(Ok(value)) = value.map(|v| HeaderValue::from_str(&v)) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        Some(Fault::Error {
            code,
            error_subcode,
            http_status,
            message,
            regain_minutes,
            is_transient,
        }) => {
            let error = FbError {
                status: http_status,
                code,
                subcode: error_subcode,
                message: message.unwrap_or_else(|| format!("(#{code}) Injected by the emulator")),
                is_transient,
            };
            let mut response = error_response(&error);
            if let (Some(minutes), Some(page)) = (regain_minutes, page_id) {
                let usage = format!(
                    r#"{{"{page}":[{{"type":"messenger","call_count":100,"total_cputime":100,"total_time":100,"estimated_time_to_regain_access":{minutes}}}]}}"#
                );
                if let Ok(value) = HeaderValue::from_str(&usage) {
                    response
                        .headers_mut()
                        .insert("x-business-use-case-usage", value);
                }
            }
            response
        }
    }
}
