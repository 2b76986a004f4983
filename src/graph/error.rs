//! Graph API errors, classified by what the caller should do about them.

use std::time::Duration;

use crate::model::PageId;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

/// What went wrong with a Graph API call, in the terms the sync engine acts on. Every message is
/// free of access tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Code 190: the token is expired, revoked or invalid. The user must fix it.
    #[error("{}", auth_words(*.subcode))]
    Auth {
        subcode: Option<i64>,
        message: String,
    },
    /// Codes 10 and 200-299 (other than the send-specific ones): the token lacks a permission.
    #[error("permission missing (Facebook error {code}): {message}")]
    Permission { code: i64, message: String },
    /// Codes 4, 17, 32, 613, 80001, 80006. `retry_after` comes from the usage headers.
    #[error("rate limited by Facebook (error {code})")]
    RateLimited {
        code: i64,
        retry_after: Option<Duration>,
    },
    /// Codes 1 and 2, HTTP 5xx, timeouts, broken connections, unreadable bodies: try again
    /// later. Whether a send got to Facebook is not known.
    #[error("{0}")]
    Transient(String),
    /// No connection to Facebook could be made: nothing was sent. Try again later.
    #[error("{0}")]
    Unreached(String),
    /// Code 1 "Please reduce the amount of data you're asking for": the same request fails
    /// again; a smaller one works.
    #[error("Facebook asks for less data per request (error 1: {0})")]
    TooMuchData(String),
    /// Code 100 about `appsecret_proof`: the app requires every call signed with its secret,
    /// and this one was not, or not rightly.
    #[error(
        "Facebook requires a valid appsecret_proof on every call of this app ({message}): put the app's secret in the config as app_secret (or app_secret_env) under [graph]"
    )]
    ProofRefused { message: String },
    /// Code 10, subcode 2018278: the messaging window is closed.
    #[error("outside the messaging window: Facebook allows no more replies to this customer")]
    WindowClosed,
    /// Code 10900 (UNCONFIRMED, widely cited): the comment has its one private reply already.
    #[error("Facebook says this comment was answered privately already (error 10900)")]
    AlreadyRepliedPrivately,
    /// Code 10903: too late for a private reply to the comment (7 days).
    #[error("Facebook no longer takes a private reply to this comment (error 10903)")]
    PrivateReplyTooLate,
    /// Code 551 or 200/1545041.
    #[error("this person isn't available right now (Facebook error {code})")]
    RecipientUnavailable { code: i64 },
    /// Code 230: Facebook does not let the page message this person.
    #[error("Facebook does not let the page message this person (error {code}): {message}")]
    CannotMessage { code: i64, message: String },
    /// Code 368: the page is blocked from sending for a while, for policy violations.
    #[error(
        "Facebook has temporarily blocked the page from sending for policy violations (error {code}): {message}"
    )]
    PolicyBlocked { code: i64, message: String },
    /// Code 10, subcode 1893063: Facebook restricted the page from sending for a while (Page
    /// quality); every send fails until it lifts.
    #[error(
        "Facebook has temporarily restricted the page from sending messages (error 10/1893063): {message}"
    )]
    SendingRestricted { message: String },
    /// Code 100, subcode 2018001: no such person for this page.
    #[error("Facebook knows no such person for this page (error 100/2018001): {message}")]
    NoMatchingUser { message: String },
    /// Code 100 and anything else: the request itself was refused.
    #[error("Facebook refused the request (error {}): {message}", code_words(*.code, *.subcode))]
    Invalid {
        code: i64,
        subcode: Option<i64>,
        message: String,
    },
}

impl GraphError {
    /// What Facebook said of a refused request, with its code, in none of pagedesk's languages
    /// ("100: (#100) Invalid parameter"): the inbox and the CLI word the rest in the staff's.
    pub fn facebook_words(&self) -> String {
        match self {
            GraphError::Invalid {
                code,
                subcode,
                message,
            } => format!("{}: {message}", code_words(*code, *subcode)),
            other => other.to_string(),
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, GraphError::Transient(_) | GraphError::Unreached(_))
    }

    /// Facebook answered, or no connection was made: either way a send is known not to have
    /// reached the buyer unless Facebook said it was taken. (A timeout or a broken connection
    /// leaves it unknown.)
    pub fn outcome_known(&self) -> bool {
        !matches!(self, GraphError::Transient(_))
    }

    /// The same error with `secret` redacted from every text it carries: for a call that sends
    /// a secret besides its access token (an app secret, a token to look at).
    pub fn redacted(self, secret: &str) -> GraphError {
        let redact = |text: String| super::redact_secret(&text, secret);
        match self {
            GraphError::Auth { subcode, message } => GraphError::Auth {
                subcode,
                message: redact(message),
            },
            GraphError::Permission { code, message } => GraphError::Permission {
                code,
                message: redact(message),
            },
            GraphError::Transient(message) => GraphError::Transient(redact(message)),
            GraphError::Unreached(message) => GraphError::Unreached(redact(message)),
            GraphError::TooMuchData(message) => GraphError::TooMuchData(redact(message)),
            GraphError::CannotMessage { code, message } => GraphError::CannotMessage {
                code,
                message: redact(message),
            },
            GraphError::PolicyBlocked { code, message } => GraphError::PolicyBlocked {
                code,
                message: redact(message),
            },
            GraphError::NoMatchingUser { message } => GraphError::NoMatchingUser {
                message: redact(message),
            },
            GraphError::SendingRestricted { message } => GraphError::SendingRestricted {
                message: redact(message),
            },
            GraphError::ProofRefused { message } => GraphError::ProofRefused {
                message: redact(message),
            },
            GraphError::Invalid {
                code,
                subcode,
                message,
            } => GraphError::Invalid {
                code,
                subcode,
                message: redact(message),
            },
            other @ (GraphError::RateLimited { .. }
            | GraphError::WindowClosed
            | GraphError::AlreadyRepliedPrivately
            | GraphError::PrivateReplyTooLate
            | GraphError::RecipientUnavailable { .. }) => other,
        }
    }

    /// Whether the same request could succeed later, once a token, a permission or the
    /// recipient's state changes; not when Facebook's rules forbid it.
    pub fn may_work_later(&self) -> bool {
        !matches!(
            self,
            GraphError::WindowClosed
                | GraphError::AlreadyRepliedPrivately
                | GraphError::PrivateReplyTooLate
                | GraphError::Invalid { .. }
                | GraphError::CannotMessage { .. }
                | GraphError::NoMatchingUser { .. }
        )
    }
}

fn auth_words(subcode: Option<i64>) -> String {
    let what = match subcode {
        Some(458) => "the app is not installed for this page",
        Some(460) => "the access token was revoked because the password changed",
        Some(463) => "the access token has expired",
        Some(467) => "the access token is no longer valid",
        Some(492) => "the token's user has no role on this page",
        _ => "the access token is not valid",
    };
    format!(
        "{what} (Facebook error {}): run `pagedesk connect`, or put a new Page access token in the config",
        code_words(190, subcode)
    )
}

fn code_words(code: i64, subcode: Option<i64>) -> String {
    match subcode {
        Some(sub) => format!("{code}/{sub}"),
        None => code.to_string(),
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorFields,
}

#[derive(Debug, Deserialize)]
struct ErrorFields {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    error_subcode: Option<i64>,
    error_user_msg: Option<String>,
    /// Facebook's own word on whether the same request may work if tried again.
    is_transient: Option<bool>,
}

/// Whether a body is a Graph error (`{"error":{...}}`), whatever the HTTP status.
pub(super) fn is_error_body(body: &[u8]) -> bool {
    serde_json::from_slice::<ErrorBody>(body).is_ok()
}

/// Classifies an unsuccessful answer from its HTTP status, body and headers. `redact` is applied
/// to any text taken from the body, in case Facebook echoes the token back.
pub fn classify(
    status: StatusCode,
    body: &[u8],
    headers: &HeaderMap,
    page_id: Option<&PageId>,
    redact: impl Fn(&str) -> String,
) -> GraphError {
    let Ok(ErrorBody { error }) = serde_json::from_slice::<ErrorBody>(body) else {
        return if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            GraphError::Transient(format!("Facebook answered HTTP {status}"))
        } else {
            GraphError::Invalid {
                code: 0,
                subcode: None,
                message: format!("unexpected answer HTTP {status} without a Graph API error"),
            }
        };
    };
    // Facebook's words are untrusted text like any buyer's: cleaned (and cut) before they reach
    // the terminal, the database or the log.
    let message = redact(&crate::text::clean_line(
        error.error_user_msg.as_deref().unwrap_or(&error.message),
    ));
    let code = error.code.unwrap_or(0);
    let class = match (code, error.error_subcode) {
        (190, subcode) => GraphError::Auth { subcode, message },
        (4 | 17 | 32 | 613 | 80001 | 80006, _) => GraphError::RateLimited {
            code,
            retry_after: Usage::from_headers(headers, page_id).regain_access_after,
        },
        (10, Some(2018278)) => GraphError::WindowClosed,
        // Cited for private replies to comments (shared/graph-api.md), not the message window.
        (10900, _) | (_, Some(10900)) => GraphError::AlreadyRepliedPrivately,
        (10903, _) | (_, Some(10903)) => GraphError::PrivateReplyTooLate,
        (551, _) | (200, Some(1545041)) => GraphError::RecipientUnavailable { code },
        (230, _) => GraphError::CannotMessage { code, message },
        (10, Some(1893063)) => GraphError::SendingRestricted { message },
        (368, _) => GraphError::PolicyBlocked { code, message },
        (100, Some(2018001)) => GraphError::NoMatchingUser { message },
        (100, _) if message.contains("appsecret_proof") => GraphError::ProofRefused { message },
        (10 | 200..=299 | 2022, _) => GraphError::Permission { code, message },
        (1, _) if message.contains("reduce the amount of data") => GraphError::TooMuchData(message),
        (1 | 2, _) => GraphError::Transient(format!(
            "Facebook had a temporary problem (error {code}): {message}"
        )),
        _ if status.is_server_error() => GraphError::Transient(format!(
            "Facebook answered HTTP {status} (error {code}): {message}"
        )),
        (code, subcode) => GraphError::Invalid {
            code,
            subcode,
            message,
        },
    };
    // Facebook's `is_transient`, where it sends one, decides whether trying again can help;
    // a rate limit and a request too large have their own ways of being tried again.
    match (error.is_transient, class) {
        (
            _,
            class @ (GraphError::RateLimited { .. }
            | GraphError::TooMuchData(_)
            | GraphError::SendingRestricted { .. }),
        ) => class,
        (Some(true), class) if !class.is_transient() => {
            GraphError::Transient(format!("{class} (Facebook says it is temporary)"))
        }
        (Some(false), GraphError::Transient(words)) => GraphError::Invalid {
            code,
            subcode: error.error_subcode,
            message: format!("{words} (Facebook says trying again will not help)"),
        },
        (_, class) => class,
    }
}

/// The longest wait taken from `estimated_time_to_regain_access`. Facebook's figures are
/// minutes; a larger one is a fault, and after an hour the page is simply tried again.
pub const MAX_REGAIN_MINUTES: u64 = 60;

/// What the usage headers say about how close the app and the page are to their limits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// The highest of call count, CPU time and total time, in percent, of the app and the page.
    pub percent: Option<u32>,
    /// `estimated_time_to_regain_access` (minutes in the header) when it is above zero.
    pub regain_access_after: Option<Duration>,
}

#[derive(Debug, Default, Deserialize)]
struct UsageNumbers {
    #[serde(default)]
    call_count: u32,
    #[serde(default)]
    total_cputime: u32,
    #[serde(default)]
    total_time: u32,
    #[serde(default)]
    estimated_time_to_regain_access: u64,
}

impl UsageNumbers {
    fn percent(&self) -> u32 {
        self.call_count.max(self.total_cputime).max(self.total_time)
    }
}

impl Usage {
    /// Reads `X-App-Usage` and, for `page_id`, `X-Business-Use-Case-Usage`. Unreadable headers
    /// count as absent: they only ever slow us down, never stop a sync.
    pub fn from_headers(headers: &HeaderMap, page_id: Option<&PageId>) -> Usage {
        let mut usage = Usage::default();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(app) =
            header("x-app-usage").and_then(|text| serde_json::from_str::<UsageNumbers>(text).ok())
        {
            usage.percent = Some(app.percent());
        }
        let business = header("x-business-use-case-usage").and_then(|text| {
            serde_json::from_str::<std::collections::HashMap<String, Vec<UsageNumbers>>>(text).ok()
        });
        let entries = business
            .into_iter()
            .flatten()
            .filter(|(id, _)| page_id.is_none_or(|page| page.as_str() == id))
            .flat_map(|(_, entries)| entries);
        for entry in entries {
            usage.percent = Some(usage.percent.unwrap_or(0).max(entry.percent()));
            if entry.estimated_time_to_regain_access > 0 {
                let minutes = entry
                    .estimated_time_to_regain_access
                    .min(MAX_REGAIN_MINUTES);
                let wait = Duration::from_secs(minutes * 60);
                usage.regain_access_after =
                    Some(usage.regain_access_after.unwrap_or_default().max(wait));
            }
        }
        usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: i64, subcode: Option<i64>) -> Vec<u8> {
        let sub = subcode
            .map(|s| format!(",\"error_subcode\":{s}"))
            .unwrap_or_default();
        format!(r#"{{"error":{{"message":"(#{code}) x EAAtoken","type":"OAuthException","code":{code}{sub},"fbtrace_id":"A"}}}}"#)
            .into_bytes()
    }

    fn classify_code(code: i64, subcode: Option<i64>) -> GraphError {
        classify(
            StatusCode::BAD_REQUEST,
            &error(code, subcode),
            &HeaderMap::new(),
            None,
            |t| t.replace("EAAtoken", "[token]"),
        )
    }

    #[test]
    fn codes_fall_into_the_classes_the_engine_acts_on() {
        assert!(matches!(
            classify_code(190, Some(463)),
            GraphError::Auth {
                subcode: Some(463),
                ..
            }
        ));
        for code in [4, 17, 32, 613, 80001, 80006] {
            assert!(
                matches!(classify_code(code, None), GraphError::RateLimited { .. }),
                "{code}"
            );
        }
        assert_eq!(classify_code(10, Some(2018278)), GraphError::WindowClosed);
        assert!(matches!(
            classify_code(10, None),
            GraphError::Permission { .. }
        ));
        assert!(matches!(
            classify_code(230, None),
            GraphError::CannotMessage { code: 230, .. }
        ));
        assert!(matches!(
            classify_code(368, None),
            GraphError::PolicyBlocked { code: 368, .. }
        ));
        assert_eq!(
            classify_code(10900, None),
            GraphError::AlreadyRepliedPrivately
        );
        assert_eq!(
            classify_code(10, Some(10903)),
            GraphError::PrivateReplyTooLate
        );
        assert!(matches!(
            classify_code(100, Some(2018001)),
            GraphError::NoMatchingUser { .. }
        ));
        assert!(matches!(
            classify_code(2022, None),
            GraphError::Permission { .. }
        ));
        assert!(matches!(
            classify_code(551, None),
            GraphError::RecipientUnavailable { .. }
        ));
        assert!(matches!(
            classify_code(200, Some(1545041)),
            GraphError::RecipientUnavailable { .. }
        ));
        assert!(classify_code(1, None).is_transient());
        assert!(classify_code(2, None).is_transient());
        assert!(matches!(
            classify_code(100, None),
            GraphError::Invalid { code: 100, .. }
        ));
    }

    #[test]
    fn bodies_that_are_not_graph_errors_are_classified_by_status() {
        let html = b"<html><body>502 Bad Gateway</body></html>";
        let e = classify(
            StatusCode::BAD_GATEWAY,
            html,
            &HeaderMap::new(),
            None,
            str::to_owned,
        );
        assert!(e.is_transient());
        let e = classify(
            StatusCode::NOT_FOUND,
            html,
            &HeaderMap::new(),
            None,
            str::to_owned,
        );
        assert!(matches!(e, GraphError::Invalid { .. }));
    }

    #[test]
    fn messages_are_redacted_and_auth_errors_say_what_to_do() {
        let e = classify_code(100, None);
        assert!(!e.to_string().contains("EAAtoken"), "{e}");
        let words = classify_code(190, Some(463)).to_string();
        assert!(
            words.contains("expired") && words.contains("config"),
            "{words}"
        );
    }

    #[test]
    fn usage_headers_give_percent_and_time_to_regain_access() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-app-usage",
            r#"{"call_count":28,"total_time":25,"total_cputime":25}"#
                .parse()
                .unwrap(),
        );
        headers.insert(
            "x-business-use-case-usage",
            r#"{"42":[{"type":"messenger","call_count":97,"total_cputime":23,"total_time":23,"estimated_time_to_regain_access":3}],"7":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":9}]}"#
                .parse()
                .unwrap(),
        );
        let usage = Usage::from_headers(&headers, Some(&"42".into()));
        assert_eq!(usage.percent, Some(97));
        assert_eq!(usage.regain_access_after, Some(Duration::from_secs(180)));
        let e = classify(
            StatusCode::BAD_REQUEST,
            &error(80006, None),
            &headers,
            Some(&"42".into()),
            str::to_owned,
        );
        assert_eq!(
            e,
            GraphError::RateLimited {
                code: 80006,
                retry_after: Some(Duration::from_secs(180))
            }
        );
    }
}
