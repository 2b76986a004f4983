//! Random and mutated Graph API responses never panic the client, the classifier, the ingest
//! step or the text cleaner, and cleaned text never carries a control character.

use pagedesk::graph::{Conversation, List, classify, decode};
use pagedesk::model::Folder;
use pagedesk::sync::ingest::conversation_update;
use pagedesk::text::clean;
use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

const CAPTURED: &str = r#"{"data":[{"id":"t_10","updated_time":"2024-05-01T08:00:00+0000","snippet":"Shop ơi","unread_count":2,
"participants":{"data":[{"id":"P","name":"Shop","email":"P@facebook.com"},{"id":"U","name":"Lan","email":"U@facebook.com"}]},
"messages":{"data":[{"id":"m_1","created_time":"2024-05-01T08:00:00+0000","message":"giá?","from":{"id":"U","name":"Lan"},
"to":{"data":[{"id":"P","name":"Shop"}]},"sticker":"https://x/s.png","attachments":{"data":[{"mime_type":"image/jpeg","name":"a.jpg","image_data":{"url":"https://x/a.jpg"}}]}}],
"paging":{"cursors":{"after":"a"}}}}],"paging":{"cursors":{"before":"b","after":"c"},"next":"https://graph.facebook.com/v25.0/P/conversations?after=c"}}"#;

fn ingest_all(body: &[u8]) {
    if let Ok(list) = decode::<List<Conversation>>(body) {
        for conversation in &list.data {
            if let Some(update) = conversation_update(&"P".into(), Folder::Spam, conversation) {
                for message in &update.messages {
                    assert!(message.text.chars().all(|c| c == '\n' || !c.is_control()));
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        ingest_all(&body);
        let _ = classify(StatusCode::BAD_REQUEST, &body, &HeaderMap::new(), Some(&"P".into()), str::to_owned);
    }

    #[test]
    fn mutated_captures_never_panic(edits in proptest::collection::vec((0..CAPTURED.len(), any::<u8>()), 1..8), cut in 0..CAPTURED.len()) {
        let mut body = CAPTURED.as_bytes().to_vec();
        for (at, byte) in edits {
            body[at] = byte;
        }
        ingest_all(&body);
        ingest_all(&body[..cut]);
    }

    #[test]
    fn any_json_value_in_any_field_never_panics(field in "[a-z_]{1,14}", value in any_json()) {
        let body = format!(r#"{{"data":[{{"id":"t_1","{field}":{value},"participants":{{"data":[{{"id":"U","name":{value}}}]}},"messages":{{"data":[{{"id":"m","created_time":"2024-05-01T08:00:00+0000","from":{{"id":"U"}},"message":{value}}}]}}}}]}}"#);
        ingest_all(body.as_bytes());
    }

    #[test]
    fn error_bodies_with_any_code_never_panic(code in any::<i64>(), subcode in any::<i64>(), status in 100u16..600, message in ".*") {
        let body = serde_json::json!({ "error": { "code": code, "error_subcode": subcode, "message": message } }).to_string();
        let status = StatusCode::from_u16(status).unwrap();
        let error = classify(status, body.as_bytes(), &HeaderMap::new(), None, str::to_owned);
        let _ = error.to_string();
    }

    #[test]
    fn cleaned_text_has_no_control_characters(raw in ".*", bytes in proptest::collection::vec(any::<char>(), 0..200)) {
        for text in [raw, bytes.into_iter().collect::<String>()] {
            let cleaned = clean(&text);
            prop_assert!(cleaned.chars().all(|c| c == '\n' || !c.is_control()), "{cleaned:?}");
            let hidden = cleaned.chars().any(|c| matches!(c,
                '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
                | '\u{200b}' | '\u{200c}' | '\u{2060}' | '\u{feff}' | '\u{2028}' | '\u{2029}'
                | '\u{e0000}'..='\u{e007f}' | '\u{3164}' | '\u{115f}' | '\u{1160}' | '\u{ffa0}'));
            prop_assert!(!hidden, "{:?}", cleaned);
        }
    }
}

fn any_json() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| serde_json::json!(f).to_string()),
        ".*".prop_map(|s| serde_json::json!(s).to_string()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just(r#"{"data":{}}"#.to_owned()),
        Just("true".to_owned()),
    ]
}
