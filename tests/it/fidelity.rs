//! What real Facebook does beyond the basics, served by the emulator as Facebook serves it and
//! met by the engine and the binary: folder moves made in Meta Business Suite, and more.

use crate::common;

use common::{TestWorld, find};
use pagedesk_emulator::Folder;
use serde_json::{Value, json};

async fn move_on_facebook(world: &TestWorld, conversation: &str, folder: Folder) {
    world
        .control
        .move_conversation(conversation, folder)
        .await
        .unwrap();
}

fn folder_of(conversations: &[Value], id: &str) -> (String, bool) {
    let conversation = find(conversations, id).expect("listed");
    (
        conversation["folder"].as_str().unwrap().to_owned(),
        conversation["spam"].as_bool().unwrap(),
    )
}

#[tokio::test]
async fn a_move_made_on_facebook_without_a_message_is_seen_within_one_cycle() {
    let world = TestWorld::start("").await;
    world.pagedesk(&["spam-sync", "on"]).await;
    let spam = world
        .buyer_writes(0, "Trần Thị Thu", "Còn size M?", "spam", 600)
        .await;
    let inbox = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 600)
        .await;
    world.sync().await;
    let listed = world.conversations(&[]).await;
    assert_eq!(folder_of(&listed, &spam), ("spam".into(), true));
    assert_eq!(folder_of(&listed, &inbox), ("inbox".into(), false));
    let before = world.emulated_conversation(&spam).await["updated_time"].clone();

    // Staff click "Move to inbox" on one and "Mark as spam" on the other in Meta Business
    // Suite: no message, no new updated_time.
    move_on_facebook(&world, &spam, Folder::Inbox).await;
    move_on_facebook(&world, &inbox, Folder::Spam).await;
    assert_eq!(
        world.emulated_conversation(&spam).await["updated_time"],
        before
    );
    world.sync().await;
    let listed = world.conversations(&[]).await;
    assert_eq!(folder_of(&listed, &spam), ("inbox".into(), false));
    assert_eq!(folder_of(&listed, &inbox), ("spam".into(), true));

    // "Done" moves it out of Spam into the Done folder: done here too.
    move_on_facebook(&world, &inbox, Folder::PageDone).await;
    world.sync().await;
    assert!(find(&world.conversations(&[]).await, &inbox).is_none());
    let listed = world.conversations(&["--filter", "done"]).await;
    assert_eq!(folder_of(&listed, &inbox), ("page_done".into(), false));
    assert_eq!(
        find(&listed, &inbox).unwrap()["done_by"],
        "Meta Business Suite"
    );
}

#[tokio::test]
async fn a_message_request_moved_into_the_inbox_is_taken_though_older_than_what_is_stored() {
    let world = TestWorld::start("").await;
    let request = world
        .buyer_writes(0, "Đỗ Thị Mai", "Shop ơi cho mình hỏi giá", "pending", 900)
        .await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 600)
        .await;
    world.sync().await;
    world
        .buyer_writes(0, "Trần Văn Minh", "Ship Đà Nẵng bao lâu?", "inbox", 0)
        .await;
    world.sync().await;
    assert!(find(&world.conversations(&[]).await, &request).is_none());
    // Accepted in Meta Business Suite: in the inbox now, its time unchanged, below the newest.
    move_on_facebook(&world, &request, Folder::Inbox).await;
    world.sync().await;
    let listed = world.conversations(&[]).await;
    assert_eq!(folder_of(&listed, &request), ("inbox".into(), false));
}

/// A buyer writing to a conversation Meta Business Suite's staff marked Done: Facebook moves it
/// back to the inbox, and it opens here again.
#[tokio::test]
async fn a_buyer_writing_into_a_conversation_done_in_business_suite_opens_it() {
    let world = TestWorld::start("").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 600)
        .await;
    world.sync().await;
    move_on_facebook(&world, &lan, Folder::PageDone).await;
    world.sync().await;
    assert!(shown_done(&world, &lan).await);
    // As Facebook delivers it: no folder said.
    let customer = world.emulated_conversation(&lan).await["customer_id"].clone();
    world
        .control
        .buyer_message(
            world.page(0),
            json!({ "customer_name": "Nguyễn Thị Lan", "customer_id": customer,
                "text": "Shop ơi còn size M không?" }),
        )
        .await
        .unwrap();
    assert_eq!(world.emulated_conversation(&lan).await["folder"], "inbox");
    world.sync().await;
    assert!(!shown_done(&world, &lan).await);
    let texts: Vec<String> = world
        .messages(&lan)
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        texts.contains(&"Shop ơi còn size M không?".to_owned()),
        "{texts:?}"
    );
}

/// Whether `conversation` shows under the Done filter.
async fn shown_done(world: &TestWorld, conversation: &str) -> bool {
    find(
        &world.conversations(&["--filter", "done"]).await,
        conversation,
    )
    .is_some()
}

#[tokio::test]
async fn done_moved_back_to_the_inbox_in_business_suite_opens_within_one_cycle() {
    let world = TestWorld::start("").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 7200)
        .await;
    world.sync().await;
    move_on_facebook(&world, &lan, Folder::PageDone).await;
    world.sync().await;
    assert!(shown_done(&world, &lan).await);

    // Newer Done ones push her off the Done folder's first page: still done.
    let mut others = Vec::new();
    for i in 0..100 {
        let other = world
            .buyer_writes(0, &format!("Khách {i}"), "alo", "inbox", 3600 - i)
            .await;
        others.push(other);
    }
    world.sync().await;
    for other in &others {
        move_on_facebook(&world, other, Folder::PageDone).await;
    }
    world.sync().await;
    assert!(shown_done(&world, &lan).await, "only pushed down");

    // "Move to inbox" on two of the latest Done: no message, no new updated_time, far below
    // where an inbox read stops; one call each to see where they went.
    for other in &others[98..] {
        move_on_facebook(&world, other, Folder::Inbox).await;
    }
    world.clear_requests().await;
    world.sync().await;
    let listed = world.conversations(&[]).await;
    for other in &others[98..] {
        assert_eq!(folder_of(&listed, other), ("inbox".into(), false));
        assert!(!shown_done(&world, other).await);
    }
    assert!(shown_done(&world, &others[97]).await);
    assert!(shown_done(&world, &lan).await);
    assert_eq!(world.person_reads().await.len(), 2);
    assert!(shown_done(&world, &others[2]).await);
}

#[tokio::test]
async fn a_long_spam_folder_is_compared_by_its_ids() {
    let world = TestWorld::start("").await;
    world.pagedesk(&["spam-sync", "on"]).await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(
            world
                .buyer_writes(0, &format!("Khách {i}"), "alo", "spam", 3600 - i)
                .await,
        );
    }
    world.sync().await;
    assert_eq!(world.conversations(&["--filter", "spam"]).await.len(), 30);
    // The oldest, far below where an incremental read stops.
    move_on_facebook(&world, &ids[0], Folder::Inbox).await;
    world.clear_requests().await;
    world.sync().await;
    let listed = world.conversations(&[]).await;
    assert_eq!(folder_of(&listed, &ids[0]), ("inbox".into(), false));
    assert_eq!(world.conversations(&["--filter", "spam"]).await.len(), 29);
    let id_calls: Vec<String> = world
        .requests()
        .await
        .into_iter()
        .filter(|r| r["page_id"] == world.page(0))
        .filter_map(|r| {
            let query = r["query"].as_array().unwrap().clone();
            let asks_ids = query
                .iter()
                .any(|pair| pair[0] == "fields" && pair[1] == "id");
            let folder = query.iter().find(|pair| pair[0] == "folder")?[1].clone();
            asks_ids.then(|| folder.as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        id_calls,
        ["page_done", "spam"],
        "one call for Done's first page (done there is done here; it tells Done from the inbox \
         too); one for the 30 ids of Spam"
    );
}

/// The `limit` of each conversation list call of page `page`, in order.
async fn list_limits(world: &TestWorld, page: usize) -> Vec<String> {
    let path = format!("/{}/conversations", world.page(page));
    world
        .requests()
        .await
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with(&path))
        .filter_map(|r| {
            let query = r["query"].as_array().unwrap();
            // The Done folder's ids are another kind of call.
            query
                .iter()
                .find(|pair| pair[0] == "folder" && pair[1] == "inbox")?;
            let limit = query.iter().find(|pair| pair[0] == "limit")?;
            Some(limit[1].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn asked_to_reduce_the_data_the_sync_asks_for_less_and_remembers() {
    let world = TestWorld::start("").await;
    world.buyers_write(0, 40, 3600).await;
    // 25 conversations with 20 messages each is more than this page's calls may carry.
    world
        .control
        .data_limit(world.page(0), Some(300))
        .await
        .unwrap();
    world.sync().await;
    assert_eq!(world.conversations(&[]).await.len(), 40);
    assert_eq!(list_limits(&world, 0).await, ["25", "12", "12", "12", "12"]);

    // The next run, another process, asks for what worked from the start.
    world.buyer_writes(0, "Khách mới", "alo", "inbox", 0).await;
    world.clear_requests().await;
    world.sync().await;
    assert_eq!(list_limits(&world, 0).await, ["12"]);
    assert_eq!(world.conversations(&[]).await.len(), 41);
    let doctor = world.pagedesk(&["doctor"]).await.stdout;
    assert!(
        doctor.contains("list size       12 conversations with 20 messages each per call"),
        "{doctor}"
    );
}

/// A reply through the binary while Facebook answers the send with `fault`: what `reply`
/// said, and the reply as stored (status, whether retrying is offered).
async fn reply_against(
    fault: Value,
) -> (common::Run, pagedesk::model::SendStatus, bool, TestWorld) {
    let (world, id) = TestWorld::with_a_buyer("").await;
    world
        .fault(json!({ "method": "POST", "count": 3, "fault": fault }))
        .await;
    let run = world.pagedesk(&["reply", &id, "Dạ em gửi ạ"]).await;
    let store = world.store();
    let reply = store.messages(&(&id).into()).unwrap().pop().unwrap();
    (run, reply.status, reply.retry_possible, world)
}

#[tokio::test]
async fn send_errors_are_worded_by_what_they_mean_and_retried_only_where_that_helps() {
    use pagedesk::model::SendStatus::{Failed, Pending};
    for (code, subcode, words, status, retry) in [
        (
            230,
            None,
            "does not let the page message this person",
            Failed,
            false,
        ),
        (
            368,
            None,
            "temporarily blocked the page from sending for policy violations",
            Failed,
            true,
        ),
        // Cited for private replies to comments (shared/graph-api.md), not the window.
        (10900, None, "answered privately already", Failed, false),
        (
            10,
            Some(10903),
            "no longer takes a private reply",
            Failed,
            false,
        ),
        (
            100,
            Some(2018001),
            "knows no such person for this page",
            Failed,
            false,
        ),
        (2022, None, "permission missing", Failed, true),
        (613, None, "rate limited", Pending, false),
    ] {
        let (run, stored, retry_offered, _world) =
            reply_against(json!({ "kind": "error", "code": code, "error_subcode": subcode })).await;
        assert_eq!(run.code, 1, "{code}");
        assert!(run.stderr.contains(words), "{code}: {}", run.stderr);
        assert_eq!((stored, retry_offered), (status, retry), "{code}");
    }
}

#[tokio::test]
async fn facebooks_is_transient_decides_whether_a_send_is_tried_again() {
    use pagedesk::model::SendStatus::{Failed, Pending};
    let (run, stored, _, world) = reply_against(
        json!({ "kind": "error", "code": 100, "message": "(#100) Try later", "is_transient": true }),
    )
    .await;
    assert!(run.stderr.contains("Not sent yet"), "{}", run.stderr);
    assert_eq!(stored, Pending, "kept to be tried again");
    assert_eq!(
        world.sends().await,
        1,
        "a send is never retried inside one call"
    );

    let (run, stored, _, _) = reply_against(
        json!({ "kind": "error", "code": 2, "http_status": 500, "is_transient": false }),
    )
    .await;
    assert!(run.stderr.contains("will not help"), "{}", run.stderr);
    assert_eq!(stored, Failed);
}

#[tokio::test]
async fn a_person_the_page_cannot_message_is_shown_so_and_no_call_is_spent() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(0, "Trần Văn Minh", "Áo còn không?", "inbox", 60)
        .await;
    world.control.can_reply(&id, false).await.unwrap();
    world.sync().await;
    assert_eq!(
        common::find(&world.conversations(&[]).await, &id).unwrap()["can_reply"],
        false
    );
    world.clear_requests().await;
    let run = world.pagedesk(&["reply", &id, "Dạ còn ạ"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("does not let the page message this person")
            && run.stderr.contains("nothing stored"),
        "{}",
        run.stderr
    );
    assert!(world.sends().await == 0, "refused before calling");
}

#[tokio::test]
async fn without_metas_human_agent_permission_late_replies_are_explained_and_no_longer_offered() {
    let world = TestWorld::start("").await;
    let late = world
        .buyer_writes(0, "Lê Thu Hà", "Shop ơi", "inbox", 2 * 24 * 3600)
        .await;
    let other = world
        .buyer_writes(0, "Phạm Quốc Bảo", "Còn hàng?", "inbox", 3 * 24 * 3600)
        .await;
    world
        .control
        .human_agent(world.page(0), false)
        .await
        .unwrap();
    world.sync().await;
    let run = world.pagedesk(&["reply", &late, "Dạ em chào chị"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Human Agent permission") && run.stderr.contains("human_agent_tag"),
        "{}",
        run.stderr
    );
    // The next late reply of the page is refused before any call.
    world.clear_requests().await;
    let run = world.pagedesk(&["reply", &other, "Dạ"]).await;
    assert!(
        run.stderr.contains("Human Agent permission"),
        "{}",
        run.stderr
    );
    assert!(world.sends().await == 0);
    let store = world.store();
    let row = store.conversation(&(&other).into()).unwrap().unwrap();
    assert!(row.human_agent_refused, "the list no longer offers it");
    let page = world.page(0).to_owned();
    let doctor = world.pagedesk(&["doctor"]).await.stdout;
    assert!(
        doctor.contains(&format!(
            "  HUMAN_AGENT     refused by Facebook: the app lacks Meta's Human Agent permission, \
             so replies 24 hours to 7 days after the buyer's last message are not offered; once \
             Meta approves it: pagedesk human-agent-approved --page {page}"
        )),
        "{doctor}"
    );

    // Meta approves the permission; staff say so, as doctor said: late replies go tagged.
    world.control.human_agent(&page, true).await.unwrap();
    let approved = world.pagedesk(&["human-agent-approved"]).await;
    assert_eq!(approved.code, 0, "{}", approved.stderr);
    assert!(
        approved.stdout.contains(&format!(
            "({page}): late replies go with the HUMAN_AGENT tag again"
        )),
        "{}",
        approved.stdout
    );
    assert!(
        approved
            .stdout
            .contains("Facebook has not refused the HUMAN_AGENT tag; nothing to change"),
        "the other page: {}",
        approved.stdout
    );
    assert!(
        !store
            .conversation(&(&other).into())
            .unwrap()
            .unwrap()
            .human_agent_refused
    );
    // Three days late: Facebook (as the emulator) takes it only with the tag.
    let run = world
        .pagedesk(&["reply", &other, "Dạ shop còn hàng ạ"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        world.page_texts_on_facebook(&other).await,
        ["Dạ shop còn hàng ạ"]
    );
    let doctor = world.pagedesk(&["doctor"]).await.stdout;
    assert!(!doctor.contains("HUMAN_AGENT "), "{doctor}");
    // The reply Facebook refused before may be sent again now (r), and goes.
    let mut store = store;
    let refused = store.messages(&(&late).into()).unwrap().pop().unwrap();
    assert!(refused.retry_possible, "{refused:?}");
    assert!(store.retry_reply(refused.row, chrono::Utc::now()).unwrap());
    world.sync().await;
    assert_eq!(
        world.page_texts_on_facebook(&late).await,
        ["Dạ em chào chị"]
    );
}

#[tokio::test]
async fn a_shared_product_link_and_attachment_details_are_kept_and_shown() {
    let world = TestWorld::start("").await;
    let page = world.page(0).to_owned();
    let shared = world.control.buyer_message(&page, json!({ "customer_name": "Lê Thu Hà", "text": "", "seconds_ago": 120,
                "share": { "link": "https://www.facebook.com/shop/posts/123", "name": "Đầm maxi hoa nhí" } })).await.unwrap()["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    world.control.buyer_message(&page, json!({ "customer_name": "Lê Thu Hà", "seconds_ago": 60,
                "attachment": { "name": "size.mp4", "mime_type": "video/mp4", "url": "https://video.xx.fbcdn.net/v/size.mp4?oe=1", "size": 1048576 } })).await.unwrap();
    world.sync().await;
    let messages = world.messages(&shared).await;
    assert_eq!(messages[0]["text"], "");
    assert_eq!(
        messages[0]["shares"],
        json!([{ "link": "https://www.facebook.com/shop/posts/123", "name": "Đầm maxi hoa nhí" }])
    );
    let video = &messages[1]["attachments"][0];
    assert_eq!(video["size"], 1048576);
    assert_eq!(video["url"], "https://video.xx.fbcdn.net/v/size.mp4?oe=1");
    let shown = world.pagedesk(&["messages", &shared]).await.stdout;
    assert!(
        shown.contains("[link: Đầm maxi hoa nhí https://www.facebook.com/shop/posts/123]"),
        "{shown}"
    );
}

/// Adds `line` under `[graph]` in the world's config.
fn add_to_graph_settings(world: &TestWorld, line: &str) {
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let config = config.replacen("[graph]\n", &format!("[graph]\n{line}\n"), 1);
    std::fs::write(&world.config_path, config).unwrap();
}

#[tokio::test]
async fn an_app_that_requires_its_secret_gets_a_proof_on_every_call() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 60)
        .await;
    world.control.require_proof(true).await.unwrap();
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(run.code, 1);
    let line = run.line_about(world.page(0));
    assert!(
        line.contains("appsecret_proof") && line.contains("app_secret"),
        "{line}"
    );

    let (_, secret) = world.emulator.app();
    let original = std::fs::read_to_string(&world.config_path).unwrap();
    add_to_graph_settings(&world, "app_secret = \"not-the-secret\"");
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert!(
        run.line_about(world.page(0))
            .contains("Invalid appsecret_proof"),
        "{}",
        run.stderr
    );

    std::fs::write(&world.config_path, original).unwrap();
    add_to_graph_settings(&world, &format!("app_secret = \"{secret}\""));
    world.clear_requests().await;
    world.sync().await;
    let run = world.pagedesk(&["reply", &id, "Dạ còn ạ"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(world.sends().await > 0);
    for request in world.requests().await {
        assert!(
            request["query"]
                .as_array()
                .unwrap()
                .iter()
                .any(|pair| pair[0] == "appsecret_proof"),
            "{request}"
        );
    }
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(!doctor.stdout.contains(&secret) && !doctor.stderr.contains(&secret));
}

/// `pagedesk connect` with `stdin` on standard input and `args` after it.
async fn connect(world: &TestWorld, stdin: &str, args: &[&str]) -> common::Run {
    use tokio::io::AsyncWriteExt;
    let mut all = vec!["connect"];
    all.extend_from_slice(args);
    let mut child = world
        .command(&all)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    common::Run::from(child.wait_with_output().await.unwrap())
}

#[tokio::test]
async fn connect_writes_the_pages_the_user_can_message_into_the_config() {
    use std::os::unix::fs::PermissionsExt;
    let world = TestWorld::start("").await;
    let (app_id, secret) = world.emulator.app();
    let user_token = world.emulator.user_token();
    let (shop, beauty) = (world.page(0).to_owned(), world.page(1).to_owned());
    // The config as staff left it: a comment, the app, one page with a stale token.
    std::fs::write(
        &world.config_path,
        format!(
            "# Mai Anh's inbox\n[graph]\nbase_url = \"{}\"\napp_id = \"{app_id}\"\napp_secret = \"{secret}\"\n\n[[pages]]\nid = \"{shop}\"\naccess_token = \"EAA-stale\"\n",
            world.emulator.url
        ),
    )
    .unwrap();
    world
        .control
        .tasks(&beauty, &["ANALYZE", "ADVERTISE"])
        .await
        .unwrap();

    let run = connect(&world, &format!("{user_token}\n"), &[]).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("long-lived"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("Connected {} ({shop})", world.page_name(0))),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("({beauty}): your user has no MESSAGING task")),
        "{}",
        run.stdout
    );
    for (_, _, token) in &world.pages {
        assert!(!run.stdout.contains(token.as_str()) && !run.stderr.contains(token.as_str()));
    }
    assert!(!run.stdout.contains(&user_token) && !run.stderr.contains(&user_token));

    let text = std::fs::read_to_string(&world.config_path).unwrap();
    assert!(text.starts_with("# Mai Anh's inbox"), "{text}");
    assert!(
        text.contains(&world.pages[0].2) && !text.contains("EAA-stale"),
        "{text}"
    );
    assert!(!text.contains(&beauty), "{text}");
    let mode = std::fs::metadata(&world.config_path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    // The exchange carried the app and the short-lived token; the pages were listed with the
    // long-lived one.
    let exchange = world
        .requests()
        .await
        .into_iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("/oauth/access_token"))
        .expect("the token was exchanged");
    assert!(exchange["query"].to_string().contains(&app_id));
    world.sync().await;
    assert!(
        world.conversations(&[]).await.is_empty(),
        "synced with the new token"
    );
    // Spam sync starts off, and connect says so with the way to turn it on; once on, not.
    let spam_off = format!(
        "Spam sync is off for {} ({shop}): buyers Facebook files in Spam stay unseen. Turn it \
         on: pagedesk spam-sync on --page {shop}",
        world.page_name(0)
    );
    assert!(run.stdout.contains(&spam_off), "{}", run.stdout);
    world.pagedesk(&["spam-sync", "on", "--page", &shop]).await;
    let again = connect(&world, &format!("{user_token}\n"), &[]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        !again.stdout.contains("Spam sync is off"),
        "{}",
        again.stdout
    );
}

#[tokio::test]
async fn connect_says_what_is_wrong_without_a_token_or_with_a_bad_one() {
    let world = TestWorld::start("").await;
    let before = std::fs::read_to_string(&world.config_path).unwrap();
    let run = connect(&world, "\n", &[]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("no user access token on standard input"),
        "{}",
        run.stderr
    );
    let run = connect(&world, "EAA-not-a-token\n", &[]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("refused the user access token"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("EAA-not-a-token"));
    let run = connect(&world, &world.emulator.user_token(), &["--page", "999"]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("Page 999 is not among"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&world.config_path).unwrap(), before);

    // A Page token pasted instead of a user token: said as such, with the app (Facebook's
    // debug_token tells) and without (the pages it manages cannot be listed with it).
    let page_token = format!("{}\n", world.pages[0].2);
    let run = connect(&world, &page_token, &[]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("This is a Page access token: connect needs a user access token"),
        "{}",
        run.stderr
    );
    let (app_id, secret) = world.emulator.app();
    add_to_graph_settings(
        &world,
        &format!("app_id = \"{app_id}\"\napp_secret = \"{secret}\""),
    );
    let with_app = std::fs::read_to_string(&world.config_path).unwrap();
    let run = connect(&world, &page_token, &[]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("This is a Page access token"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&world.pages[0].2));
    assert_eq!(
        std::fs::read_to_string(&world.config_path).unwrap(),
        with_app
    );
}

#[tokio::test]
async fn doctor_says_what_kind_of_token_each_page_has_when_it_can_ask() {
    let world = TestWorld::start("").await;
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains("token           valid\n"),
        "without the app, nothing to say: {}",
        doctor.stdout
    );
    let (app_id, secret) = world.emulator.app();
    add_to_graph_settings(
        &world,
        &format!("app_id = \"{app_id}\"\napp_secret = \"{secret}\""),
    );
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor
            .stdout
            .contains("token           valid: a page token that does not expire"),
        "{}",
        doctor.stdout
    );
    assert!(!doctor.stdout.contains(&secret) && !doctor.stderr.contains(&secret));
}

/// A send refused with 551 ("this person isn't available right now") reads the conversation
/// again: Facebook's `can_reply` of now is shown, and no more replies are offered.
#[tokio::test]
async fn a_reply_refused_with_551_learns_that_the_page_can_no_longer_message_the_person() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(0, "Trần Văn Minh", "Áo còn không?", "inbox", 60)
        .await;
    world.sync().await;
    world.control.can_reply(&id, false).await.unwrap();
    let run = world.pagedesk(&["reply", &id, "Dạ còn ạ"]).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("isn't available"), "{}", run.stderr);
    assert_eq!(
        common::find(&world.conversations(&[]).await, &id).unwrap()["can_reply"],
        false
    );
    world.clear_requests().await;
    let again = world.pagedesk(&["reply", &id, "Chị ơi"]).await;
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("nothing stored"), "{}", again.stderr);
    assert_eq!(world.sends().await, 0, "refused before any call");
}
