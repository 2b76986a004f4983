//! The emulator on the wire: the shapes of `shared/graph-api.md`, checked with a plain HTTP
//! client, so that the pagedesk client is tested against what Facebook sends.

use pagedesk_emulator::{Emulator, Scenario};
use serde_json::{Value, json};

struct Wire {
    emulator: Emulator,
    http: reqwest::Client,
    page: String,
    token: String,
}

impl Wire {
    async fn start() -> Wire {
        let emulator = Emulator::start(
            Scenario::named("empty").unwrap(),
            "127.0.0.1:0".parse().unwrap(),
            false,
        )
        .await
        .unwrap();
        let (page, _, token) = emulator.pages()[0].clone();
        Wire {
            emulator,
            http: reqwest::Client::new(),
            page,
            token,
        }
    }

    async fn get(&self, path_and_query: &str) -> (u16, Value, reqwest::header::HeaderMap) {
        let response = self
            .http
            .get(format!("{}/v25.0/{path_and_query}", self.emulator.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, response.json().await.unwrap(), headers)
    }

    async fn buyer(&self, name: &str, text: &str, seconds_ago: i64) -> String {
        let answer = self
            .emulator
            .control()
            .buyer_message(
                &self.page,
                json!({ "customer_name": name, "text": text, "seconds_ago": seconds_ago }),
            )
            .await
            .unwrap();
        answer["conversation_id"].as_str().unwrap().to_owned()
    }

    async fn send(&self, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!(
                "{}/v25.0/{}/messages",
                self.emulator.url, self.page
            ))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }
}

#[tokio::test]
async fn only_requested_fields_come_back_and_defaults_are_id_and_time() {
    let wire = Wire::start().await;
    wire.buyer("Lan", "alo", 10).await;
    let (status, body, _) = wire.get(&format!("{}/conversations", wire.page)).await;
    assert_eq!(status, 200);
    let keys: Vec<&String> = body["data"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "updated_time"]);
    let time = body["data"][0]["updated_time"].as_str().unwrap();
    assert!(time.ends_with("+0000"), "{time}");

    let (_, body, _) = wire
        .get(&format!(
            "{}/conversations?fields=id,participants,messages.limit(1){{message,from}}",
            wire.page
        ))
        .await;
    let conversation = &body["data"][0];
    assert!(conversation["id"].as_str().unwrap().starts_with("t_"));
    assert!(conversation.get("updated_time").is_none());
    let people = conversation["participants"]["data"].as_array().unwrap();
    assert!(people.iter().any(|p| p["id"] == wire.page.as_str()));
    assert!(
        people
            .iter()
            .all(|p| p["email"].as_str().unwrap().ends_with("@facebook.com"))
    );
    let message = &conversation["messages"]["data"][0];
    assert_eq!(message.as_object().unwrap().len(), 2);
    assert_eq!(message["message"], "alo");
}

#[tokio::test]
async fn lists_are_newest_first_and_next_cursors_reach_the_end() {
    let wire = Wire::start().await;
    for i in 0..7 {
        wire.buyer(&format!("Khách {i}"), "alo", 100 - i).await;
    }
    let mut seen = Vec::new();
    let (_, mut body, _) = wire
        .get(&format!(
            "{}/conversations?limit=3&fields=id,updated_time",
            wire.page
        ))
        .await;
    loop {
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["updated_time"].as_str().unwrap().to_owned()),
        );
        let Some(next) = body["paging"]["next"].as_str() else {
            break;
        };
        assert!(
            !next.contains("access_token"),
            "a header token stays out of the next URL: {next}"
        );
        body = wire
            .http
            .get(next)
            .bearer_auth(&wire.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    }
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);
}

#[tokio::test]
async fn only_the_20_most_recent_messages_have_details() {
    let wire = Wire::start().await;
    let mut id = String::new();
    for i in 0..25 {
        id = wire.buyer("Lan", &format!("tin {i}"), 100 - i).await;
    }
    let (_, body, _) = wire
        .get(&format!(
            "{id}/messages?fields=id,message,from,created_time&limit=25"
        ))
        .await;
    let messages = body["data"].as_array().unwrap();
    assert_eq!(messages.len(), 25);
    assert_eq!(messages[0]["message"], "tin 24", "newest first");
    assert!(messages[..20].iter().all(|m| m.get("message").is_some()));
    assert!(
        messages[20..]
            .iter()
            .all(|m| m.get("message").is_none() && m.get("id").is_some())
    );
}

#[tokio::test]
async fn tokens_are_checked_and_errors_have_facebooks_shape() {
    let wire = Wire::start().await;
    let response = wire
        .http
        .get(format!(
            "{}/v25.0/{}/conversations",
            wire.emulator.url, wire.page
        ))
        .query(&[("access_token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], 190);
    assert_eq!(body["error"]["type"], "OAuthException");
    assert!(body["error"]["fbtrace_id"].is_string());

    let (status, body, _) = wire
        .get(&format!("{}/conversations?folder=trash", wire.page))
        .await;
    assert_eq!((status, body["error"]["code"].as_i64()), (400, Some(100)));

    let (_, me, headers) = wire.get("me?fields=id,name").await;
    assert_eq!(me["id"], wire.page.as_str());
    assert!(headers.contains_key("x-business-use-case-usage"));
    assert!(headers.contains_key("x-app-usage"));
}

#[tokio::test]
async fn me_accounts_lists_the_users_pages_with_their_tokens() {
    let wire = Wire::start().await;
    let body: Value = wire
        .http
        .get(format!("{}/v25.0/me/accounts", wire.emulator.url))
        .bearer_auth(wire.emulator.user_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pages = body["data"].as_array().unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0]["access_token"], wire.token.as_str());
    assert!(
        pages[0]["tasks"]
            .as_array()
            .unwrap()
            .contains(&json!("MESSAGING"))
    );
}

#[tokio::test]
async fn the_send_api_follows_the_windows() {
    let wire = Wire::start().await;
    let id = wire.buyer("Lan", "alo", 25 * 3600).await;
    let psid =
        wire.get(&format!("{id}?fields=participants")).await.1["participants"]["data"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let (status, body) = wire
        .send(json!({ "recipient": { "id": psid }, "messaging_type": "RESPONSE", "message": { "text": "Dạ" } }))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        (
            body["error"]["code"].as_i64(),
            body["error"]["error_subcode"].as_i64()
        ),
        (Some(10), Some(2018278))
    );
    let (status, body) = wire
        .send(json!({ "recipient": { "id": psid }, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT", "message": { "text": "Dạ" } }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["recipient_id"], psid.as_str());
    assert!(body["message_id"].as_str().unwrap().starts_with("m_"));
}

#[tokio::test]
async fn a_rate_limit_fault_comes_with_the_usage_header() {
    let wire = Wire::start().await;
    wire.emulator
        .control()
        .add_fault(json!({ "fault": { "kind": "error", "code": 80006, "regain_minutes": 4 } }))
        .await
        .unwrap();
    let (status, body, headers) = wire.get(&format!("{}/conversations", wire.page)).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (400, Some(80006)));
    let usage = headers["x-business-use-case-usage"].to_str().unwrap();
    assert!(
        usage.contains("\"estimated_time_to_regain_access\":4"),
        "{usage}"
    );
    let (status, _, _) = wire.get(&format!("{}/conversations", wire.page)).await;
    assert_eq!(status, 200, "the fault was for one request");
}

#[tokio::test]
async fn the_emulator_listens_on_loopback_only_unless_told() {
    let refused = Emulator::start(
        Scenario::named("empty").unwrap(),
        "0.0.0.0:0".parse().unwrap(),
        false,
    )
    .await;
    assert!(refused.err().unwrap().to_string().contains("loopback"));
}
