//! The fault matrix: for each fault Facebook (or the network) can throw at one page, the user
//! reads which page and why, the other page keeps syncing, nothing stored is lost, and the next
//! run recovers on its own once the fault clears.

use crate::common;

use common::TestWorld;
use pagedesk::model::SendStatus;
use serde_json::{Value, json};

/// Syncs both pages, injects `fault` into page 0's conversation list calls (`count` of them),
/// and checks the run fails naming page 0 with `words`, while page 1 still syncs; then clears
/// the fault and checks page 0 catches up.
async fn page_survives(fault: Value, count: u32, words: &str) {
    let world = TestWorld::start_with_timeout("", "1s").await;
    let first = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không shop?", "inbox", 120)
        .await;
    world
        .buyer_writes(1, "Hoàng Mỹ Linh", "Son còn không?", "inbox", 120)
        .await;
    world.sync().await;

    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi?", "inbox", 0)
        .await;
    let other = world
        .buyer_writes(1, "Võ Thanh Tùng", "Giá kem?", "inbox", 0)
        .await;
    world.fault_page_lists(0, count, fault).await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(run.code, 0, "the run reports the failure");
    let line = run.line_about(world.page(0));
    assert!(
        line.contains(words),
        "expected «{words}» naming page 0 in:\n{}",
        run.stderr
    );
    assert!(
        line.starts_with(world.page_name(0)),
        "names the page: {line}"
    );
    assert!(
        !run.stderr.contains(world.page(1)),
        "page 1 is fine: {}",
        run.stderr
    );
    assert!(
        common::find(&world.conversations(&[]).await, &other).is_some(),
        "page 1 kept syncing"
    );
    assert_eq!(
        world.messages(&first).await.len(),
        1,
        "what page 0 had is still there"
    );
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains(words),
        "doctor shows the last error:\n{}",
        doctor.stdout
    );

    world.clear_faults().await;
    world.sync().await;
    assert_eq!(world.messages(&first).await.len(), 2, "page 0 caught up");
}

macro_rules! fault_matrix {
    ($($name:ident: $fault:expr, $count:expr, $words:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                page_survives($fault, $count, $words).await;
            }
        )*
    };
}

// The client tries a failing read three times: three faults outlast one run.
fault_matrix! {
    http_500: json!({ "kind": "http", "http_status": 500, "body": "" }), 3, "HTTP 500";
    http_502_html_page: json!({ "kind": "http", "http_status": 502, "body": "<html><body>Bad Gateway</body></html>" }), 3, "HTTP 502";
    http_503: json!({ "kind": "http", "http_status": 503, "body": "Service Unavailable", "content_type": "text/plain" }), 3, "HTTP 503";
    graph_error_1: json!({ "kind": "error", "code": 1, "http_status": 500, "message": "An unknown error occurred" }), 3, "temporary problem (error 1)";
    graph_error_2: json!({ "kind": "error", "code": 2, "http_status": 503, "message": "Service temporarily unavailable" }), 3, "temporary problem (error 2)";
    no_answer_in_time: json!({ "kind": "delay", "ms": 1500 }), 3, "did not answer in time";
    connection_dropped_mid_body: json!({ "kind": "drop_mid_body" }), 3, "connection to Facebook broke";
    malformed_json: json!({ "kind": "malformed" }), 3, "cannot read";
    fields_missing: json!({ "kind": "http", "http_status": 200, "content_type": "application/json", "body": "{\"data\":[{\"updated_time\":\"2026-01-01T00:00:00+0000\"}]}" }), 3, "cannot read";
    fields_of_the_wrong_type: json!({ "kind": "http", "http_status": 200, "content_type": "application/json", "body": "{\"data\":[{\"id\":5,\"updated_time\":7}]}" }), 3, "cannot read";
    token_password_changed: json!({ "kind": "error", "code": 190, "error_subcode": 460 }), 1, "password changed";
    token_expired: json!({ "kind": "error", "code": 190, "error_subcode": 463 }), 1, "expired";
    token_invalid: json!({ "kind": "error", "code": 190, "error_subcode": 467 }), 1, "no longer valid";
    token_user_lost_the_page: json!({ "kind": "error", "code": 190, "error_subcode": 492 }), 1, "no role on this page";
    permission_10: json!({ "kind": "error", "code": 10, "message": "(#10) Requires pages_messaging permission" }), 1, "permission missing";
    permission_200_range: json!({ "kind": "error", "code": 299, "message": "(#299) Requires pages_messaging permission to manage the object" }), 1, "permission missing";
}

/// A rate limit: named with the time it clears; no call to the page before then, in this run
/// or the next process; the other page untouched.
async fn rate_limit_is_honoured(code: i64) {
    let world = TestWorld::start("").await;
    world.buyer_writes(0, "Khách A", "alo", "inbox", 60).await;
    world.buyer_writes(1, "Khách B", "alo", "inbox", 60).await;
    world
        .fault_page_lists(
            0,
            1,
            json!({ "kind": "error", "code": code, "regain_minutes": 9 }),
        )
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    let line = run.line_about(world.page(0));
    assert!(
        line.contains("rate limited by Facebook until"),
        "{}",
        run.stderr
    );
    let until = chrono::Local::now() + chrono::Duration::minutes(9);
    assert!(
        line.contains(&until.format("%H:%M").to_string())
            || line.contains(
                &(until - chrono::Duration::minutes(1))
                    .format("%H:%M")
                    .to_string()
            ),
        "the time from the usage header: {line}"
    );
    world.clear_requests().await;
    world.pagedesk(&["sync", "--once"]).await;
    let requests = world.requests().await;
    assert!(
        requests.iter().all(|r| r["page_id"] != world.page(0)),
        "no call before it clears: {requests:?}"
    );
    assert!(requests.iter().any(|r| r["page_id"] == world.page(1)));
}

macro_rules! rate_limits {
    ($($name:ident: $code:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                rate_limit_is_honoured($code).await;
            }
        )*
    };
}

rate_limits! {
    rate_limit_4_app: 4;
    rate_limit_17_user: 17;
    rate_limit_32_page: 32;
    rate_limit_613_custom: 613;
    rate_limit_80001_page_buc: 80001;
    rate_limit_80006_messenger_buc: 80006;
}

/// Points the config at a port nobody listens on: no connection to Facebook can be made.
/// Returns the config as it was.
fn facebook_unreachable(world: &TestWorld) -> String {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    std::fs::write(
        &world.config_path,
        config.replace(&world.emulator.url, &dead_url),
    )
    .unwrap();
    config
}

#[tokio::test]
async fn connection_refused_is_named_and_recovered_from() {
    let world = TestWorld::start("").await;
    world.buyer_writes(0, "Khách A", "alo", "inbox", 60).await;
    let config = facebook_unreachable(&world);
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(run.code, 0);
    for page in 0..2 {
        let line = run.line_about(world.page(page));
        assert!(
            line.contains("cannot connect to Facebook"),
            "{}",
            run.stderr
        );
    }
    std::fs::write(&world.config_path, config).unwrap();
    world.sync().await;
    assert_eq!(world.conversations(&[]).await.len(), 1);
}

/// A reply whose every attempt found no connection to Facebook never left: staff can take it
/// back between attempts; one whose attempt Facebook's front answered with a 503 may have gone,
/// and waits for the look before the next attempt.
#[tokio::test]
async fn a_reply_that_never_reached_facebook_can_be_taken_back_between_attempts() {
    use pagedesk::store::TakeBack;
    let (world, id) = TestWorld::with_a_buyer("").await;
    let config = facebook_unreachable(&world);
    let run = world.pagedesk(&["reply", &id, "Dạ mai em giao ạ"]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("cannot connect to Facebook"),
        "{}",
        run.stderr
    );
    let mut store = world.store();
    let reply = store.messages(&(&id).into()).unwrap().pop().unwrap();
    assert_eq!(reply.status, SendStatus::Pending);
    assert_eq!(
        store
            .take_back_reply(reply.row, chrono::Utc::now())
            .unwrap(),
        TakeBack::Taken("Dạ mai em giao ạ".into())
    );
    // Facebook back: nothing goes.
    std::fs::write(&world.config_path, &config).unwrap();
    world.sync().await;
    assert_eq!(world.sends().await, 0);

    world
        .fault(json!({ "method": "POST", "count": 1, "fault": { "kind": "http", "http_status": 503, "body": "<html>Service Unavailable</html>" } }))
        .await;
    let run = world
        .pagedesk(&["reply", &id, "Dạ em giao chiều nay ạ"])
        .await;
    assert_ne!(run.code, 0);
    let reply = store.messages(&(&id).into()).unwrap().pop().unwrap();
    // Taken back all the same: never tried again, only looked for once Facebook answers.
    assert_eq!(
        store
            .take_back_reply(reply.row, chrono::Utc::now())
            .unwrap(),
        TakeBack::Checking("Dạ em giao chiều nay ạ".into())
    );
    assert!(
        store
            .messages(&(&id).into())
            .unwrap()
            .pop()
            .unwrap()
            .withdrawn
    );
    world.clear_requests().await;
    world.sync().await;
    assert_eq!(world.sends().await, 0, "looked for, not sent");
    assert!(
        store
            .messages(&(&id).into())
            .unwrap()
            .iter()
            .all(|m| m.text != "Dạ em giao chiều nay ạ"),
        "not on Facebook: gone"
    );
}

/// A reply taken back after an attempt whose answer was lost, though Facebook took it: the
/// look finds it, and it shows as sent, once.
#[tokio::test]
async fn a_reply_taken_back_that_had_reached_the_buyer_shows_as_sent_once() {
    use pagedesk::store::TakeBack;
    let (world, id) = TestWorld::with_a_buyer("").await;
    world
        .fault(json!({ "method": "POST", "count": 1, "fault": { "kind": "answer_lost" } }))
        .await;
    let run = world.pagedesk(&["reply", &id, "Dạ em lên đơn ạ"]).await;
    assert_ne!(run.code, 0);
    let mut store = world.store();
    let reply = store.messages(&(&id).into()).unwrap().pop().unwrap();
    assert_eq!(
        store
            .take_back_reply(reply.row, chrono::Utc::now())
            .unwrap(),
        TakeBack::Checking("Dạ em lên đơn ạ".into())
    );
    world.clear_requests().await;
    world.sync().await;
    assert_eq!(world.sends().await, 0);
    let kept = store.messages(&(&id).into()).unwrap().pop().unwrap();
    assert_eq!((kept.status, kept.withdrawn), (SendStatus::Sent, false));
    assert_eq!(
        world.page_texts_on_facebook(&id).await,
        ["Dạ em lên đơn ạ"],
        "once"
    );
}

/// A reply Facebook refuses: kept, failed, with the reason in words; retry offered only where
/// trying again could work.
async fn send_error_is_kept(fault: Value, words: &str, retry_possible: bool) {
    let (world, id) = TestWorld::with_a_buyer("").await;
    world
        .fault(json!({ "method": "POST", "fault": fault }))
        .await;
    let run = world.pagedesk(&["reply", &id, "Dạ em lên đơn ạ"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains(words), "{}", run.stderr);
    let store = world.store();
    let reply = store.messages(&(&id).into()).unwrap().pop().unwrap();
    assert_eq!(reply.text, "Dạ em lên đơn ạ", "the reply is kept");
    assert_eq!(reply.status, SendStatus::Failed);
    assert!(reply.error.unwrap().contains(words));
    assert_eq!(reply.retry_possible, retry_possible);
}

#[tokio::test]
async fn send_outside_the_window() {
    send_error_is_kept(
        json!({ "kind": "error", "code": 10, "error_subcode": 2018278 }),
        "outside the messaging window",
        false,
    )
    .await;
}

#[tokio::test]
async fn send_to_someone_unavailable_551() {
    send_error_is_kept(json!({ "kind": "error", "code": 551, "message": "This person isn't available right now." }), "isn't available right now", true).await;
}

#[tokio::test]
async fn send_to_someone_unavailable_1545041() {
    send_error_is_kept(json!({ "kind": "error", "code": 200, "error_subcode": 1545041, "message": "(#200) This person isn't available right now." }), "isn't available right now", true).await;
}

#[tokio::test]
async fn send_to_no_matching_user() {
    send_error_is_kept(json!({ "kind": "error", "code": 100, "error_subcode": 2018001, "message": "(#100) No matching user found" }), "No matching user found", false).await;
}

#[tokio::test]
async fn send_while_another_app_controls_the_thread() {
    send_error_is_kept(
        json!({ "kind": "error", "code": 100, "message": "(#100) The thread is owned by another app" }),
        "owned by another app",
        false,
    )
    .await;
}

#[tokio::test]
async fn a_next_cursor_that_loops_stops_with_a_message() {
    let world = TestWorld::start("").await;
    world.buyers_write(0, 30, 600).await;
    world
        .buyer_writes(1, "Hoàng Mỹ Linh", "Son còn không?", "inbox", 120)
        .await;
    world
        .fault_page_lists(0, 10, json!({ "kind": "cursor_loop" }))
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    let line = run.line_about(world.page(0));
    assert!(
        line.contains("paging cursor for the inbox folder repeats"),
        "{}",
        run.stderr
    );
    assert!(
        world.list_calls(0, "inbox").await <= 3,
        "it stopped at the first repeat"
    );
    assert_eq!(
        world.conversations(&["--page", world.page(1)]).await.len(),
        1,
        "page 1 synced"
    );
    world.clear_faults().await;
    world.sync().await;
    assert_eq!(
        world.conversations(&["--page", world.page(0)]).await.len(),
        30
    );
}

/// A rate limit lasts as long as Facebook says, no longer: once its minutes have passed (the
/// stored time moved that far into the past, as the clock would), the next run calls the page
/// again and stores what waited, and `doctor` no longer says it is rate limited.
#[tokio::test]
async fn once_facebooks_wait_is_over_the_page_syncs_again_and_doctor_clears() {
    let world = TestWorld::start("").await;
    let id = world.buyer_writes(0, "Khách A", "alo", "inbox", 60).await;
    world
        .fault_page_lists(
            0,
            1,
            json!({ "kind": "error", "code": 32, "regain_minutes": 3 }),
        )
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert!(
        run.line_about(world.page(0)).contains("rate limited"),
        "{}",
        run.stderr
    );
    let doctor = world.pagedesk(&["doctor"]).await;
    assert_ne!(doctor.code, 0);
    assert!(doctor.stdout.contains("rate limited"), "{}", doctor.stdout);

    // Facebook's 3 minutes (and a few seconds) pass.
    let store = world.store();
    let database = store.connection();
    let aged = database
        .execute(
            "UPDATE page_sync SET rate_limited_until = rate_limited_until - 3 * 60 - 5 \
             WHERE page_id = ?1 AND rate_limited_until IS NOT NULL",
            [world.page(0)],
        )
        .unwrap();
    assert_eq!(aged, 1, "a rate limit stored for the page");
    world.clear_requests().await;
    world.sync().await;
    let requests = world.requests().await;
    assert!(
        requests.iter().any(|r| r["page_id"] == world.page(0)),
        "calls to the page resume: {requests:?}"
    );
    assert!(common::find(&world.conversations(&[]).await, &id).is_some());
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(!doctor.stdout.contains("rate limited"), "{}", doctor.stdout);
    assert_eq!(doctor.code, 0, "{}", doctor.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_facebook_restricts_from_sending_keeps_its_replies_until_then_and_doctor_says_so() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    world
        .control
        .sending_restricted(world.page(0), true)
        .await
        .unwrap();
    let first = world.pagedesk(&["reply", &lan, "Dạ còn ạ"]).await;
    assert_eq!(first.code, 1);
    let tomorrow = (chrono::Local::now() + chrono::Duration::days(1))
        .format("%d/%m")
        .to_string();
    assert!(
        first
            .stderr
            .contains("restricted the page from sending messages")
            && first.stderr.contains(&format!("waits until {tomorrow}")),
        "{}",
        first.stderr
    );
    assert_eq!(world.sends().await, 1);
    // Neither a reply to another buyer of the page nor a sync calls Facebook meanwhile.
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Áo còn không?", "inbox", 0)
        .await;
    world.sync().await;
    let second = world.pagedesk(&["reply", &minh, "Dạ còn ạ"]).await;
    assert_eq!(second.code, 1);
    assert!(second.stderr.contains("restricted"), "{}", second.stderr);
    world.sync().await;
    assert_eq!(
        world.sends().await,
        1,
        "no send while the page is restricted"
    );
    let doctor = world.pagedesk(&["doctor"]).await;
    assert_ne!(doctor.code, 0);
    assert!(
        doctor
            .stdout
            .contains("restricted the page from sending messages (error 10/1893063)"),
        "{}",
        doctor.stdout
    );
    // Vietnamese staff read it in Vietnamese.
    let vietnamese = world
        .command(&["doctor"])
        .env("LANG", "vi_VN.UTF-8")
        .output()
        .await
        .unwrap();
    let vietnamese = String::from_utf8_lossy(&vietnamese.stdout).into_owned();
    assert!(
        vietnamese.contains("Facebook tạm hạn chế trang gửi tin nhắn")
            && vietnamese
                .contains("Facebook đang tạm hạn chế trang gửi tin nhắn; pagedesk sẽ gửi lại lúc"),
        "the page and each waiting reply, in Vietnamese:\n{vietnamese}"
    );
    assert!(
        !vietnamese.contains("has temporarily restricted"),
        "{vietnamese}"
    );
    // Minh's reply never reached Facebook, Lan's Facebook refused: staff may still take either
    // back (Minh's goes, to be written again below).
    let taken = world
        .store()
        .take_back_reply(second_reply(&world, &minh).await, chrono::Utc::now())
        .unwrap();
    assert!(
        matches!(taken, pagedesk::store::TakeBack::Taken(_)),
        "{taken:?}"
    );
    let again = world.pagedesk(&["reply", &minh, "Dạ còn ạ"]).await;
    assert_eq!(again.code, 1);
    // Facebook lifts it and staff see so in Meta Business Suite: r on Lan's reply sends the
    // page's replies now, in order, and doctor clears.
    world
        .control
        .sending_restricted(world.page(0), false)
        .await
        .unwrap();
    let lan_reply = second_reply(&world, &lan).await;
    let store = world.store();
    let database = store.connection();
    let unknown: bool = database
        .query_row(
            "SELECT outcome_unknown FROM outbox WHERE message_id = ?1",
            [lan_reply],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !unknown,
        "Facebook's refusal says it did not go: it can be taken back"
    );
    drop(store);
    assert!(
        world
            .store()
            .retry_reply(lan_reply, chrono::Utc::now())
            .unwrap()
    );
    world.sync().await;
    assert_eq!(world.page_texts_on_facebook(&lan).await, ["Dạ còn ạ"]);
    assert_eq!(world.page_texts_on_facebook(&minh).await, ["Dạ còn ạ"]);
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(!doctor.stdout.contains("restricted"), "{}", doctor.stdout);
}

/// The database row of the conversation's newest reply.
async fn second_reply(world: &TestWorld, conversation: &str) -> i64 {
    world
        .store()
        .messages(&conversation.into())
        .unwrap()
        .into_iter()
        .rev()
        .find(|m| m.direction == pagedesk::model::Direction::Out)
        .unwrap()
        .row
}
