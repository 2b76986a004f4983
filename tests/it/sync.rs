//! End to end: the real binary against the emulator, checking what lands in the database (through
//! the CLI's JSON), what the user reads, and which requests reached the Graph API.

use crate::common;

use common::{TestWorld, find};
use serde_json::json;

#[tokio::test]
async fn first_sync_pages_through_the_inbox_and_a_quiet_cycle_costs_three_calls_a_page() {
    let world = TestWorld::start("").await;
    world.buyers_write(0, 60, 3600).await;
    world.sync().await;
    let conversations = world.conversations(&["--page", world.page(0)]).await;
    assert_eq!(conversations.len(), 60);
    // Nested messages: 60 conversations cost 3 list calls (25 + 25 + 10), not one per conversation.
    assert_eq!(world.list_calls(0, "inbox").await, 3);
    let requests = world.requests().await;
    assert!(
        !requests
            .iter()
            .any(|r| r["path"].as_str().unwrap().ends_with("/messages")),
        "no per-conversation message calls: {requests:?}"
    );
    // Newest first.
    assert_eq!(conversations[0]["customer_name"], "Khách 59");
    assert_eq!(conversations[59]["customer_name"], "Khách 0");

    world.clear_requests().await;
    world.sync().await;
    assert_eq!(
        world.list_calls(0, "inbox").await,
        1,
        "nothing new: one call for the inbox"
    );
    assert_eq!(
        world.list_calls(0, "page_done").await,
        1,
        "Done's first page"
    );
    assert_eq!(
        world.requests().await.len(),
        6,
        "the inbox, Done's first page and the recent posts with their newest comments, per \
         page, spam sync being off"
    );
    assert_eq!(world.conversations(&[]).await.len(), 60);
}

#[tokio::test]
async fn an_interrupted_first_sync_resumes_where_it_stopped() {
    let world = TestWorld::start("").await;
    world.buyers_write(0, 60, 3600).await;
    // The first list page comes through, then every try at the second fails.
    world.fail_list_pages_after_the_first(0).await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains(world.page(0)) && run.stderr.contains("503"),
        "{}",
        run.stderr
    );
    assert_eq!(world.conversations(&[]).await.len(), 25);

    world.clear_requests().await;
    world.sync().await;
    assert_eq!(world.conversations(&[]).await.len(), 60);
    assert!(
        world.first_list_call_resumed(0).await,
        "the second run resumes from the saved cursor"
    );
    // Resume (two pages) and a look at the top for anything new (one page).
    assert_eq!(world.list_calls(0, "inbox").await, 3);
}

#[tokio::test]
async fn backfill_stops_at_the_configured_number_of_conversations() {
    let world = TestWorld::start("backfill_conversations = 30").await;
    world.buyers_write(0, 60, 3600).await;
    world.sync().await;
    let conversations = world.conversations(&[]).await;
    assert_eq!(conversations.len(), 30);
    assert_eq!(conversations[0]["customer_name"], "Khách 59");
    // New activity on an old conversation still arrives later.
    world
        .buyer_writes(0, "Khách 0", "còn hàng không?", "inbox", 0)
        .await;
    world.sync().await;
    assert_eq!(
        world.conversations(&[]).await[0]["customer_name"],
        "Khách 0"
    );
}

#[tokio::test]
async fn conversations_and_messages_come_out_as_documented() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(
            0,
            "Nguyễn Thị Lan",
            "Váy hoa nhí còn size S không ạ?",
            "inbox",
            120,
        )
        .await;
    world
        .control
        .page_message(&id, "Dạ còn ạ", 60)
        .await
        .unwrap();
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Mình lấy 1 cái", "inbox", 30)
        .await;
    world.sync().await;

    let conversations = world.conversations(&[]).await;
    let c = find(&conversations, &id).unwrap();
    assert_eq!(c["page_id"], world.page(0));
    assert_eq!(c["customer_name"], "Nguyễn Thị Lan");
    assert!(
        c["customer_id"]
            .as_str()
            .unwrap()
            .chars()
            .all(|ch| ch.is_ascii_digit())
    );
    assert_eq!(c["snippet"], "Mình lấy 1 cái");
    assert_eq!(c["spam"], false);
    assert_eq!(c["folder"], "inbox");
    assert_eq!(c["unread_count"], 1, "Facebook's estimate on first sync");
    let updated = c["updated_time"].as_str().unwrap();
    assert!(
        updated.ends_with('Z') || updated.ends_with("+00:00"),
        "{updated}"
    );
    chrono::DateTime::parse_from_rfc3339(updated).unwrap();

    let messages = world.messages(&id).await;
    let texts: Vec<&str> = messages
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Váy hoa nhí còn size S không ạ?",
            "Dạ còn ạ",
            "Mình lấy 1 cái"
        ],
        "oldest first"
    );
    let directions: Vec<&str> = messages
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    assert_eq!(directions, ["in", "out", "in"]);
    assert_eq!(messages[1]["from_id"], world.page(0));
    assert!(
        messages
            .iter()
            .all(|m| m["status"] == "sent" && m["id"].as_str().unwrap().starts_with("m_"))
    );
    assert!(messages.iter().all(|m| m["conversation_id"] == id.as_str()));
    // Facebook's "+0000" times arrive as RFC 3339 UTC, to the second.
    let emulated = world.emulated_conversation(&id).await;
    let fb_time = emulated["messages"][0]["created_time"].as_str().unwrap();
    let ours = chrono::DateTime::parse_from_rfc3339(messages[0]["created_time"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        pagedesk::graph::wire::parse_graph_time(fb_time).unwrap(),
        ours
    );

    // Filters.
    assert_eq!(world.conversations(&["--filter", "unread"]).await.len(), 1);
    assert_eq!(world.conversations(&["--filter", "spam"]).await.len(), 0);
    assert_eq!(
        world.conversations(&["--page", world.page(1)]).await.len(),
        0
    );

    // For a person: names, not ids, and the text.
    let run = world.pagedesk(&["conversations"]).await;
    assert!(
        run.stdout.contains("Nguyễn Thị Lan") && run.stdout.contains("Shop One"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains(c["customer_id"].as_str().unwrap()),
        "{}",
        run.stdout
    );
    let run = world.pagedesk(&["messages", &id]).await;
    assert!(
        run.stdout.contains("→ Shop One: Dạ còn ạ"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn stickers_and_attachments_are_kept_with_empty_text() {
    let world = TestWorld::start("").await;
    let page = world.page(0).to_owned();
    let answer = world
        .control
        .buyer_message(
            &page,
            json!({ "customer_name": "Lê Thu Hà", "sticker": "https://cdn.example/like.png" }),
        )
        .await
        .unwrap();
    let id = answer["conversation_id"].as_str().unwrap().to_owned();
    world.control.buyer_message(&page, json!({ "customer_name": "Lê Thu Hà", "attachment": { "name": "mau-ao.jpg", "mime_type": "image/jpeg", "url": "https://cdn.example/mau-ao.jpg" } })).await.unwrap();
    world.sync().await;
    let messages = world.messages(&id).await;
    assert_eq!(messages[0]["text"], "");
    assert_eq!(messages[0]["sticker"], "https://cdn.example/like.png");
    assert_eq!(messages[1]["attachments"][0]["name"], "mau-ao.jpg");
    let run = world.pagedesk(&["messages", &id]).await;
    assert!(
        run.stdout.contains("[sticker]") && run.stdout.contains("[image: mau-ao.jpg]"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn spam_conversations_appear_five_minutes_after_the_buyers_last_message() {
    let world = TestWorld::start("").await;
    world
        .pagedesk(&["spam-sync", "on", "--page", world.page(0)])
        .await;
    let old = world
        .buyer_writes(
            0,
            "Trần Thị Thu",
            "Áo khoác dạ còn size M không?",
            "spam",
            6 * 60,
        )
        .await;
    let fresh = world
        .buyer_writes(0, "Nguyễn Văn Hùng", "Giá váy maxi?", "spam", 60)
        .await;
    world.sync().await;

    let spam = world.conversations(&["--filter", "spam"]).await;
    assert_eq!(spam.len(), 1, "{spam:?}");
    assert_eq!(spam[0]["id"], old.as_str());
    assert_eq!(spam[0]["spam"], true);
    assert_eq!(spam[0]["folder"], "spam");
    assert!(
        find(&world.conversations(&[]).await, &old).is_some(),
        "`all` includes spam"
    );
    assert!(
        find(&world.conversations(&[]).await, &fresh).is_none(),
        "too recent to show"
    );

    // doctor says why the fresh one is not there, and when it will be.
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains("Nguyễn Văn Hùng: due"),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor.stdout.contains("in 4m") || doctor.stdout.contains("in 3m"),
        "{}",
        doctor.stdout
    );

    // The buyer's clock moves on: five minutes after their last message it appears.
    world.age(&fresh, 4 * 60 + 30).await;
    world.sync().await;
    let spam = world.conversations(&["--filter", "spam"]).await;
    assert_eq!(spam.len(), 2);
    assert_eq!(find(&spam, &fresh).unwrap()["spam"], true);
    assert_eq!(world.messages(&fresh).await.len(), 1);
    assert!(
        !world
            .pagedesk(&["doctor"])
            .await
            .stdout
            .contains("Nguyễn Văn Hùng: due")
    );

    // Once shown it stays, and its new messages keep coming.
    world
        .buyer_writes(0, "Nguyễn Văn Hùng", "Shop ơi?", "spam", 0)
        .await;
    world.sync().await;
    assert_eq!(world.messages(&fresh).await.len(), 2);
    assert!(find(&world.conversations(&["--filter", "spam"]).await, &fresh).is_some());
}

#[tokio::test]
async fn the_delay_counts_from_the_buyers_last_message_not_the_pages() {
    let world = TestWorld::start("").await;
    world.pagedesk(&["spam-sync", "on"]).await;
    let id = world
        .buyer_writes(0, "Phạm Quốc Bảo", "alo shop", "spam", 10)
        .await;
    world.age(&id, 10 * 60).await;
    // The buyer wrote 10 minutes ago, then once more just now.
    world
        .buyer_writes(0, "Phạm Quốc Bảo", "shop ơi", "spam", 0)
        .await;
    world.sync().await;
    assert!(world.conversations(&[]).await.is_empty());
}

/// The boundary itself: 10 s before the 5 minutes a spam buyer is still hidden, 10 s after one
/// shows (a delay 20 s off either way fails this).
#[tokio::test]
async fn a_spam_buyer_at_4m50s_stays_hidden_and_one_at_5m10s_shows() {
    let world = TestWorld::start("").await;
    world
        .pagedesk(&["spam-sync", "on", "--page", world.page(0)])
        .await;
    let started = std::time::Instant::now();
    let early = world
        .buyer_writes(
            0,
            "Bùi Thị Hoa",
            "Còn hàng không shop?",
            "spam",
            4 * 60 + 50,
        )
        .await;
    let due = world
        .buyer_writes(0, "Lê Văn Nam", "Giá bao nhiêu ạ?", "spam", 5 * 60 + 10)
        .await;
    world.sync().await;
    // The sync read them within 10 s, unless the machine is that slow (said below).
    let elapsed = started.elapsed();
    let all = world.conversations(&[]).await;
    assert!(find(&all, &due).is_some(), "5m10s: shown: {all:?}");
    assert!(
        find(&all, &early).is_none(),
        "4m50s: still waiting ({elapsed:?} after it was written): {all:?}"
    );
    // Waiting, not dropped: doctor says when it is due.
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains("Bùi Thị Hoa: due"),
        "{}",
        doctor.stdout
    );
    assert!(
        !doctor.stdout.contains("Lê Văn Nam: due"),
        "{}",
        doctor.stdout
    );
}

#[tokio::test]
async fn a_waiting_spam_conversation_below_the_stop_point_is_still_pulled_when_due() {
    let world = TestWorld::start("spam_delay = \"2s\"").await;
    world
        .pagedesk(&["spam-sync", "on", "--page", world.page(0)])
        .await;
    let waiting = world
        .buyer_writes(0, "Võ Thanh Tùng", "Còn hàng không?", "spam", 0)
        .await;
    let known = world
        .buyer_writes(0, "Đặng Ngọc Ánh", "Serum còn không?", "spam", 10 * 60)
        .await;
    world.sync().await;
    assert!(find(&world.conversations(&[]).await, &known).is_some());
    assert!(find(&world.conversations(&[]).await, &waiting).is_none());
    // The waiting one ends up below the known, unchanged one where the listing stops.
    world.age(&waiting, 15 * 60).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    world.clear_requests().await;
    world.sync().await;
    assert_eq!(world.list_calls(0, "spam").await, 1);
    assert!(find(&world.conversations(&["--filter", "spam"]).await, &waiting).is_some());
    let fetched = world.requests().await;
    assert!(
        fetched.iter().any(|r| r["path"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{waiting}"))),
        "{fetched:?}"
    );
}

#[tokio::test]
async fn a_spam_buyer_shown_after_the_delay_arrives_on_top_of_the_list_as_new() {
    let world = TestWorld::start("spam_delay = \"2s\"").await;
    world
        .pagedesk(&["spam-sync", "on", "--page", world.page(0)])
        .await;
    let tung = world
        .buyer_writes(0, "Võ Thanh Tùng", "Còn hàng không?", "spam", 0)
        .await;
    world.sync().await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    // Lan wrote after Tùng, but Tùng only arrives now: he is the newest here.
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 1)
        .await;
    world.sync().await;
    let ids = |listed: &[serde_json::Value]| -> Vec<String> {
        listed
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let listed = world.conversations(&[]).await;
    assert_eq!(ids(&listed), [tung.clone(), lan.clone()]);
    assert!(
        listed[0]["unread_count"].as_i64().unwrap() > 0,
        "marked new"
    );
    // The next sync keeps it there; a buyer writing later goes above it.
    world.sync().await;
    assert_eq!(
        ids(&world.conversations(&[]).await),
        [tung.clone(), lan.clone()]
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Còn size M không shop?", "inbox", 0)
        .await;
    world.sync().await;
    assert_eq!(ids(&world.conversations(&[]).await), [lan, tung]);
}

#[tokio::test]
async fn spam_sync_is_per_page_and_off_until_turned_on() {
    let world = TestWorld::start("").await;
    let a = world
        .buyer_writes(0, "Trần Thị Thu", "Còn size M?", "spam", 600)
        .await;
    let b = world
        .buyer_writes(1, "Hoàng Mỹ Linh", "Kem chống nắng giá sao?", "spam", 600)
        .await;
    world.sync().await;
    assert!(world.conversations(&[]).await.is_empty(), "off by default");
    assert_eq!(world.list_calls(0, "spam").await, 0);

    let run = world
        .pagedesk(&["spam-sync", "on", "--page", world.page(0)])
        .await;
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("on"), "{}", run.stdout);
    world.clear_requests().await;
    world.sync().await;
    let all = world.conversations(&[]).await;
    assert!(find(&all, &a).is_some());
    assert!(find(&all, &b).is_none());
    assert_eq!(world.list_calls(0, "spam").await, 1);
    assert_eq!(
        world.list_calls(1, "spam").await,
        0,
        "no spam call for the page with spam sync off"
    );

    let run = world.pagedesk(&["spam-sync", "on", "--page", "999"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("999"), "{}", run.stderr);
}

#[tokio::test]
async fn a_reply_removes_the_spam_mark_and_facebook_moves_the_conversation() {
    let world = TestWorld::start("").await;
    world.pagedesk(&["spam-sync", "on"]).await;
    let id = world
        .buyer_writes(0, "Trần Thị Thu", "Áo khoác còn không?", "spam", 600)
        .await;
    world.sync().await;
    assert_eq!(
        find(&world.conversations(&[]).await, &id).unwrap()["spam"],
        true
    );

    let run = world
        .pagedesk(&["reply", &id, "Dạ còn ạ, chị lấy size nào ạ?"])
        .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let c = world.conversations(&[]).await;
    let c = find(&c, &id).unwrap();
    assert_eq!(c["spam"], false);
    assert_eq!(c["folder"], "inbox");
    assert_eq!(c["unread_count"], 0);
    assert!(world.conversations(&["--filter", "spam"]).await.is_empty());
    assert_eq!(world.emulated_conversation(&id).await["folder"], "inbox");

    let messages = world.messages(&id).await;
    let reply = messages.last().unwrap();
    assert_eq!(reply["text"], "Dạ còn ạ, chị lấy size nào ạ?");
    assert_eq!(reply["direction"], "out");
    assert_eq!(reply["status"], "sent");
    assert!(reply["id"].as_str().unwrap().starts_with("m_"));

    // Our reply comes back from Facebook in the next sync: still one copy.
    world.sync().await;
    world.sync().await;
    let messages = world.messages(&id).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    let c = world.conversations(&[]).await;
    assert_eq!(find(&c, &id).unwrap()["folder"], "inbox");
}

#[tokio::test]
async fn replies_typed_in_facebooks_own_inbox_show_up() {
    let world = TestWorld::start("").await;
    world.pagedesk(&["spam-sync", "on"]).await;
    let id = world
        .buyer_writes(0, "Lý Gia Minh", "Shop có bán buôn không?", "spam", 600)
        .await;
    world.sync().await;
    world
        .control
        .page_message(&id, "Dạ có ạ, anh để lại số điện thoại nhé", 0)
        .await
        .unwrap();
    world.sync().await;
    let messages = world.messages(&id).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["direction"], "out");
    assert_eq!(messages[1]["text"], "Dạ có ạ, anh để lại số điện thoại nhé");
    let c = world.conversations(&[]).await;
    let c = find(&c, &id).unwrap();
    assert_eq!(
        c["folder"], "inbox",
        "a reply in Facebook also takes it out of Spam"
    );
    assert_eq!(c["spam"], false);
    assert_eq!(c["unread_count"], 0, "staff answered");
}

#[tokio::test]
async fn a_reply_between_24_hours_and_7_days_goes_as_human_agent() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(0, "Phạm Thị Hoa", "Còn đầm size L?", "inbox", 30 * 3600)
        .await;
    world.sync().await;
    let run = world.pagedesk(&["reply", &id, "Dạ còn ạ"]).await;
    // The emulator, like Facebook, refuses a RESPONSE after 24 hours: acceptance means the tag.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(world.messages(&id).await.last().unwrap()["status"], "sent");
}

#[tokio::test]
async fn without_the_human_agent_tag_a_late_reply_is_refused_locally() {
    let world = TestWorld::start("human_agent_tag = false").await;
    let id = world
        .buyer_writes(0, "Phạm Thị Hoa", "Còn đầm size L?", "inbox", 30 * 3600)
        .await;
    world.sync().await;
    world.clear_requests().await;
    let run = world.pagedesk(&["reply", &id, "Dạ còn ạ"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("24 hours"), "{}", run.stderr);
    assert!(run.stderr.contains("human_agent_tag"), "{}", run.stderr);
    assert!(world.requests().await.is_empty(), "refused before any call");
    assert!(
        world
            .messages(&id)
            .await
            .iter()
            .all(|m| m["direction"] == "in"),
        "nothing stored"
    );
}

#[tokio::test]
async fn replies_past_7_days_or_over_2000_characters_are_refused_before_any_call() {
    let world = TestWorld::start("").await;
    let old = world
        .buyer_writes(0, "Lý Gia Minh", "Bán buôn không?", "inbox", 8 * 86_400)
        .await;
    let recent = world
        .buyer_writes(0, "Trần Văn Minh", "Áo sơ mi XL?", "inbox", 60)
        .await;
    world.sync().await;
    world.clear_requests().await;

    let run = world.pagedesk(&["reply", &old, "Dạ có ạ"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("7 days"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing stored"), "{}", run.stderr);

    // 2001 characters, each two bytes in UTF-8: characters are counted, not bytes. Refused as
    // the reply box refuses it, with the same number.
    let long = "ạ".repeat(2001);
    let run = world.pagedesk(&["reply", &recent, &long]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("2001 characters") && run.stderr.contains("2000"),
        "{}",
        run.stderr
    );
    let exactly = "ạ".repeat(2000);
    assert!(world.requests().await.is_empty());
    let run = world.pagedesk(&["reply", &recent, &exactly]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    // What was refused is not in the conversations, like a sent reply or a failed one.
    let replies = |messages: Vec<serde_json::Value>| {
        messages
            .into_iter()
            .filter(|m| m["direction"] == "out")
            .count()
    };
    assert_eq!(replies(world.messages(&old).await), 0);
    assert_eq!(replies(world.messages(&recent).await), 1, "only the 2000");
}

#[tokio::test]
async fn a_reply_facebook_cannot_take_now_stays_pending_and_sync_delivers_it_once() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(0, "Hoàng Mỹ Linh", "Giao hỏa tốc không?", "inbox", 60)
        .await;
    world.sync().await;
    world
        .fault(json!({ "method": "POST", "count": 1, "fault": { "kind": "error", "code": 2, "http_status": 503, "message": "(#2) Service temporarily unavailable" } }))
        .await;
    let run = world.pagedesk(&["reply", &id, "Dạ có ạ"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("Not sent yet"), "{}", run.stderr);
    let pending = world.messages(&id).await.last().unwrap().clone();
    assert_eq!(pending["status"], "pending");
    assert!(!pending["id"].as_str().unwrap().starts_with("m_"));
    assert_eq!(world.messages_on_facebook(&id).await.len(), 1);

    // The next sync a person runs delivers it, after checking that the failed attempt did not
    // in fact reach the customer.
    world.clear_requests().await;
    world.sync().await;
    let requests = world.requests().await;
    let check = requests.iter().position(|r| {
        r["path"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{id}/messages"))
    });
    let send = requests.iter().position(|r| r["method"] == "POST");
    assert!(check.is_some() && check < send, "{requests:?}");
    let sent = world.messages(&id).await.last().unwrap().clone();
    assert_eq!(sent["status"], "sent");
    assert!(sent["id"].as_str().unwrap().starts_with("m_"));
    assert_eq!(world.messages_on_facebook(&id).await.len(), 2);
    world.sync().await;
    assert_eq!(world.messages(&id).await.len(), 2);
    assert_eq!(world.messages_on_facebook(&id).await.len(), 2);
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_found_on_facebook_and_not_sent_twice() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Chốt đơn nhé shop", "inbox", 60)
        .await;
    world.sync().await;
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "answer_lost" } }))
        .await;
    let run = world
        .pagedesk(&["reply", &id, "Dạ em lên đơn ngay ạ"])
        .await;
    assert_ne!(run.code, 0, "the outcome is unknown to pagedesk");
    assert_eq!(
        world.messages(&id).await.last().unwrap()["status"],
        "pending"
    );
    // Facebook did deliver it.
    assert_eq!(world.messages_on_facebook(&id).await.len(), 2);

    world.clear_requests().await;
    world.sync().await;
    assert!(
        world.requests().await.iter().all(|r| r["method"] != "POST"),
        "not sent again"
    );
    let messages = world.messages(&id).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[1]["status"], "sent");
    let fb_id = &world.emulated_conversation(&id).await["messages"][1]["id"];
    assert_eq!(&messages[1]["id"], fb_id, "Facebook's id adopted");
}

#[tokio::test]
async fn a_transient_failure_is_retried_within_the_run() {
    let world = TestWorld::start("").await;
    world.buyer_writes(0, "Khách", "alo", "inbox", 60).await;
    world.fault_page_lists(0, 1, json!({ "kind": "error", "code": 1, "http_status": 500, "message": "An unknown error occurred" })).await;
    world.sync().await;
    assert_eq!(
        world.list_calls(0, "inbox").await,
        2,
        "one failure, one retry"
    );
    assert_eq!(world.conversations(&[]).await.len(), 1);
}

#[tokio::test]
async fn a_rate_limited_page_does_not_stop_the_other_and_is_left_alone_until_it_clears() {
    let world = TestWorld::start("").await;
    world.buyer_writes(0, "Khách A", "alo", "inbox", 60).await;
    world.buyer_writes(1, "Khách B", "alo", "inbox", 60).await;
    world.fault_page_lists(0, 1, json!({ "kind": "error", "code": 32, "message": "(#32) Page request limit reached", "regain_minutes": 7 })).await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(run.code, 0);
    let line = run.line_about(world.page(0));
    assert!(
        line.contains("rate limited") && line.contains("until"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(world.page(1)), "{}", run.stderr);
    let all = world.conversations(&[]).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["page_id"], world.page(1));

    // The next run, another process, makes no call to the page before the limit clears.
    world.clear_requests().await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(
        run.code, 0,
        "a page skipped for its rate limit counts as failing"
    );
    assert!(run.stderr.contains("rate limited"), "{}", run.stderr);
    let requests = world.requests().await;
    assert!(
        requests.iter().all(|r| r["page_id"] != world.page(0)),
        "{requests:?}"
    );
    assert!(requests.iter().any(|r| r["page_id"] == world.page(1)));
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(doctor.stdout.contains("rate limited"), "{}", doctor.stdout);
}

#[tokio::test]
async fn an_expired_token_is_named_and_does_not_stop_the_other_page() {
    let world = TestWorld::start("").await;
    world.buyer_writes(1, "Khách B", "alo", "inbox", 60).await;
    world.control.token(world.page(0), Some(463)).await.unwrap();
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(run.code, 0);
    let line = run.line_about(world.page(0));
    assert!(line.contains("expired"), "{}", run.stderr);
    assert_eq!(world.conversations(&[]).await.len(), 1);
    let doctor = world.pagedesk(&["doctor"]).await;
    assert_ne!(doctor.code, 0);
    assert!(doctor.stdout.contains("expired"), "{}", doctor.stdout);
    // Fixed on Facebook's side: the next run syncs.
    world.control.token(world.page(0), None).await.unwrap();
    world.sync().await;
}

#[tokio::test]
async fn no_access_token_reaches_the_database_the_log_or_the_output() {
    let world = TestWorld::start("").await;
    world.pagedesk(&["spam-sync", "on"]).await;
    let id = world.buyer_writes(0, "Khách", "alo", "spam", 600).await;
    world.buyer_writes(1, "Khách 2", "alo", "inbox", 60).await;
    world.fault(json!({ "count": 1, "fault": { "kind": "error", "code": 190, "error_subcode": 467, "message": "Invalid token EMU-PAGE-one-4f1c" } })).await;
    let mut outputs = String::new();
    for args in [
        vec!["sync", "--once"],
        vec!["sync", "--once"],
        vec!["reply", &id, "Dạ"],
        vec!["conversations", "--json"],
        vec!["messages", &id, "--json"],
        vec!["doctor"],
    ] {
        let run = world.pagedesk(&args).await;
        outputs.push_str(&run.stdout);
        outputs.push_str(&run.stderr);
    }
    // Every file of the data directory, and the database wherever it is.
    let mut files = world.database_text().await;
    for entry in std::fs::read_dir(&world.data_dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        files.push_str(&String::from_utf8_lossy(&bytes));
    }
    assert!(files.contains("Khách"), "the scan reads the database");
    for (_, _, token) in &world.pages {
        assert!(
            !outputs.contains(token.as_str()),
            "token in the output: {outputs}"
        );
        assert!(!files.contains(token.as_str()), "token in the data dir");
    }
}

/// Facebook quoting the page's token in errors whose words pagedesk shows (not error 190, which
/// pagedesk words itself): code 100 on a list call, a temporary error on a send, code 100 to
/// `doctor`'s checks. Facebook's words are shown, the token is not: not in the output of sync,
/// reply or doctor, not anywhere in the database, not in the log.
#[tokio::test]
async fn a_token_facebook_quotes_in_words_that_are_shown_reaches_no_one() {
    let world = TestWorld::start("").await;
    let id = world.buyer_writes(0, "Khách", "alo", "inbox", 60).await;
    world.sync().await;
    let (page, token) = (world.page(0).to_owned(), world.pages[0].2.clone());
    let quoting = format!("the access token {token} may not do this");
    let error = |code: u32| json!({ "kind": "error", "code": code, "message": quoting });
    let mut runs = Vec::new();
    let lists = format!("/{page}/conversations");
    world
        .fault(json!({ "path_contains": lists, "count": 1, "fault": error(100) }))
        .await;
    runs.push(("sync", world.pagedesk(&["sync", "--once"]).await));
    world
        .fault(json!({ "method": "POST", "count": 1, "fault": error(2) }))
        .await;
    runs.push(("reply", world.pagedesk(&["reply", &id, "Dạ"]).await));
    world
        .fault(json!({ "path_contains": format!("/{page}"), "count": 2, "fault": error(100) }))
        .await;
    runs.push(("doctor", world.pagedesk(&["doctor"]).await));

    let database = world.database_text().await;
    let log = std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap();
    for (what, run) in &runs {
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !said.contains(&token),
            "the token in the output of {what}: {said}"
        );
        assert!(
            said.contains("the access token [redacted] may not do this"),
            "{what} shows Facebook's words: {said}"
        );
    }
    assert!(database.contains("Khách"), "the database is read");
    assert!(!database.contains(&token), "the token is in the database");
    assert!(!log.contains(&token), "the token is in the log: {log}");
    assert!(
        database.contains("the access token [redacted] may not do this"),
        "the database keeps Facebook's words"
    );
}

#[tokio::test]
async fn a_config_readable_by_others_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let world = TestWorld::start("").await;
    std::fs::set_permissions(&world.config_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
}

#[tokio::test]
async fn what_buyers_write_is_stored_as_plain_text() {
    let world = TestWorld::start("").await;
    let name = "Lan\u{1b}]0;hacked\u{7}\u{202e}nóH";
    let text = "gia\u{301} bao nhiêu?\u{1b}[2J\u{1b}[H\u{9b}31m\tok\0";
    world.buyer_writes(0, name, text, "inbox", 60).await;
    world.sync().await;
    let conversations = world.conversations(&[]).await;
    assert_eq!(conversations[0]["customer_name"], "LannóH");
    let messages = world
        .messages(conversations[0]["id"].as_str().unwrap())
        .await;
    assert_eq!(
        messages[0]["text"], "giá bao nhiêu?    ok",
        "NFC, no escapes, tab to spaces"
    );
    for args in [
        vec!["conversations"],
        vec!["messages", conversations[0]["id"].as_str().unwrap()],
    ] {
        let run = world.pagedesk(&args).await;
        assert!(
            !run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{9b}'),
            "{:?}",
            run.stdout
        );
    }
}

#[tokio::test]
async fn an_interrupted_incremental_sync_leaves_no_gap() {
    let world = TestWorld::start("").await;
    world
        .buyer_writes(0, "Khách cũ", "alo", "inbox", 7200)
        .await;
    world.sync().await;
    // A day offline: 60 new conversations. The read stops after the first 25.
    world.buyers_write(0, 60, 3600).await;
    world.fail_list_pages_after_the_first(0).await;
    assert_ne!(world.pagedesk(&["sync", "--once"]).await.code, 0);
    assert_eq!(world.conversations(&[]).await.len(), 26);
    world.sync().await;
    assert_eq!(
        world.conversations(&[]).await.len(),
        61,
        "the 35 below the interruption too"
    );
    world.clear_requests().await;
    world.sync().await;
    assert_eq!(
        world.list_calls(0, "inbox").await,
        1,
        "and then quiet again"
    );
}

#[tokio::test]
async fn the_inbox_without_a_terminal_says_so_instead_of_panicking() {
    let world = TestWorld::start("").await;
    let run = world.pagedesk(&[]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("the inbox needs a terminal"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// A buyer who writes more than the 20 messages Facebook details between two reads loses none:
/// the 20 newest are read in full, the older ones kept as marks with their time (Facebook no
/// longer shows them in full), for a conversation already known and for a new one; `doctor`
/// says which conversations have such marks. A read with nothing new costs no extra call.
#[tokio::test]
async fn a_buyer_writing_more_than_twenty_messages_between_two_reads_loses_none() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let mut ha = String::new();
    for i in 1..=30 {
        world
            .buyer_writes(0, "Nguyễn Thị Lan", &format!("Lan {i}"), "inbox", 40 - i)
            .await;
        ha = world
            .buyer_writes(0, "Phạm Thu Hà", &format!("Hà {i}"), "inbox", 40 - i)
            .await;
    }
    // A page whose inbox was empty at the first read: its first buyer is new too, whole.
    let mut binh = String::new();
    for i in 1..=30 {
        binh = world
            .buyer_writes(1, "Lê Văn Bình", &format!("Bình {i}"), "inbox", 40 - i)
            .await;
    }
    let run = world.sync().await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (conversation, name, before) in [
        (&lan, "Lan", vec!["Chốt đơn nhé"]),
        (&ha, "Hà", vec![]),
        (&binh, "Bình", vec![]),
    ] {
        let messages = world.messages(conversation).await;
        assert_eq!(
            messages.len(),
            before.len() + 30,
            "every message of {name} accounted for: {messages:#?}"
        );
        let marks: Vec<&serde_json::Value> = messages
            .iter()
            .filter(|m| m["unavailable"] == true)
            .collect();
        assert_eq!(marks.len(), 10, "{name}");
        let texts: Vec<&str> = messages
            .iter()
            .filter(|m| m["unavailable"] != true)
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        let newest: Vec<String> = (11..=30).map(|i| format!("{name} {i}")).collect();
        let mut expected: Vec<&str> = before.clone();
        expected.extend(newest.iter().map(String::as_str));
        assert_eq!(texts, expected, "{name}");
        // The marks are the ten oldest new ones, each with its time, before the rest.
        let on_facebook = world.messages_on_facebook(conversation).await;
        let first_new = before.len();
        for (mark, original) in marks.iter().zip(&on_facebook[first_new..first_new + 10]) {
            assert_eq!(mark["id"], original["id"]);
        }
    }
    let doctor = world.pagedesk(&["doctor"]).await;
    for names in [
        "Phạm Thu Hà, Nguyễn Thị Lan (read them",
        "Lê Văn Bình (read them",
    ] {
        assert!(
            doctor.stdout.contains(&format!(
                "messages Facebook no longer shows in full, in the conversations with {names}"
            )),
            "{}",
            doctor.stdout
        );
    }
    // Nothing new, or a new buyer and a known one with fewer than 20 new messages: Facebook
    // nested them all, no call to read back.
    world.clear_requests().await;
    world.sync().await;
    world
        .buyer_writes(0, "Đỗ Hải Yến", "Còn váy đỏ không?", "inbox", 0)
        .await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Lan 31", "inbox", 0)
        .await;
    world.sync().await;
    let read_back = world
        .requests()
        .await
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/messages")
        })
        .count();
    assert_eq!(read_back, 0);
}

/// A conversation older than pagedesk's first read (past what the first read brought) that
/// comes back to life: what the buyer writes from then on is all accounted for, and what they
/// wrote before pagedesk began is Facebook's history, not marked as lost.
#[tokio::test]
async fn history_from_before_pagedesk_is_not_marked_as_lost() {
    let world = TestWorld::start("backfill_conversations = 1").await;
    let mut hoa = String::new();
    for i in 1..=25 {
        hoa = world
            .buyer_writes(0, "Phạm Thị Hoa", &format!("cũ {i}"), "inbox", 3000 - i)
            .await;
    }
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi", "inbox", 600)
        .await;
    world.sync().await;
    assert!(
        find(&world.conversations(&[]).await, &hoa).is_none(),
        "past the first read"
    );
    for i in 1..=30 {
        world
            .buyer_writes(0, "Phạm Thị Hoa", &format!("mới {i}"), "inbox", 40 - i)
            .await;
    }
    world.sync().await;
    let messages = world.messages(&hoa).await;
    let marks = messages.iter().filter(|m| m["unavailable"] == true).count();
    let new: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["text"].as_str())
        .filter(|t| t.starts_with("mới"))
        .collect();
    assert_eq!(new.len(), 20, "{messages:#?}");
    assert_eq!(
        marks, 10,
        "the ten new ones Facebook no longer details, no more: {messages:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_facebook_shows_at_the_next_read_changes_the_words_and_says_edited() {
    let world = TestWorld::start("").await;
    let lan = world
        .buyer_writes(
            0,
            "Nguyễn Thị Lan",
            "Váy hoa còn size M không?",
            "inbox",
            60,
        )
        .await;
    world.sync().await;
    let question = world.messages(&lan).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // No webhooks: the edit is seen when the conversation is read again (she writes again).
    world
        .control
        .edit_message(&question, "Váy hoa còn size L không?")
        .await
        .unwrap();
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi?", "inbox", 0)
        .await;
    world.sync().await;
    let messages = world.messages(&lan).await;
    assert_eq!(messages[0]["text"], "Váy hoa còn size L không?");
    assert_eq!(messages[0]["edit_count"], 1);
    assert_eq!(messages[1]["text"], "Shop ơi?");
    assert!(messages[1].get("edit_count").is_none());
    let text = world.pagedesk(&["messages", &lan]).await.stdout;
    assert!(
        text.contains("Váy hoa còn size L không? (edited)"),
        "{text}"
    );
    // Read again unchanged: still one edit.
    world.sync().await;
    assert_eq!(world.messages(&lan).await[0]["edit_count"], 1);
}

/// A buyer writes, and staff answer before the next cycle reads it: sending the reply must not
/// make the conversation look read up to Facebook's latest (the admin pass lost the buyer's
/// message this way, for good).
#[tokio::test]
async fn a_buyers_message_not_yet_read_when_staff_reply_is_read_all_the_same() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi còn size M không?", "inbox", 0)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let reply = world.pagedesk(&["reply", &lan, "Dạ còn ạ"]).await;
    assert_eq!(reply.code, 0, "{}", reply.stderr);
    world.sync().await;
    world.sync().await;
    let texts: Vec<String> = world
        .messages(&lan)
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        texts.iter().any(|t| t == "Shop ơi còn size M không?"),
        "the buyer's message: {texts:?}"
    );
    assert!(texts.iter().any(|t| t == "Dạ còn ạ"), "{texts:?}");
}

/// More messages than Facebook nests come before the next read, and staff reply meanwhile:
/// the reply, stored when it was sent, is no sign that what came before it was read.
#[tokio::test]
async fn many_messages_then_a_reply_before_the_next_read_are_all_kept() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    for i in 1..=25 {
        world
            .buyer_writes(0, "Nguyễn Thị Lan", &format!("tin {i}"), "inbox", 0)
            .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let reply = world.pagedesk(&["reply", &lan, "Dạ shop đây ạ"]).await;
    assert_eq!(reply.code, 0, "{}", reply.stderr);
    world.sync().await;
    world.sync().await;
    let messages = world.messages(&lan).await;
    // Her first message, the 25, and the reply: Facebook details only the newest 20, the
    // others are kept as stand-ins saying so.
    assert_eq!(messages.len(), 27, "{messages:#?}");
}

/// A message Facebook no longer details is kept as a mark; when its words come after all (a
/// later read, a late event), the mark takes them: shown, searchable, counted unread once.
#[tokio::test]
async fn a_message_known_only_as_a_mark_takes_its_words_when_they_come() {
    use common::inbox::message;
    let world = TestWorld::start("").await;
    let mut store = world.store_with_first_page();
    let mut mark = message("m_old", world.page(0), false, "Lan", "", 30);
    mark.unavailable = true;
    let newest = message("m_new", world.page(0), false, "Lan", "Chốt đơn nhé", 10);
    world.store_lans_conversation(&mut store, vec![mark.clone(), newest.clone()]);
    let stored = store.messages(&"t_lan".into()).unwrap();
    assert!(
        stored[0].unavailable && stored[0].text.is_empty(),
        "{stored:#?}"
    );
    let mut told = mark;
    told.unavailable = false;
    told.text = "Áo thun size M còn không shop".into();
    world.store_lans_conversation(&mut store, vec![told, newest]);
    let stored = store.messages(&"t_lan".into()).unwrap();
    assert_eq!(stored.len(), 2, "{stored:#?}");
    assert!(!stored[0].unavailable, "{stored:#?}");
    assert_eq!(stored[0].text, "Áo thun size M còn không shop");
    let hits = store.search("ao thun", 10).unwrap();
    assert_eq!(hits.len(), 1, "found without its diacritics");
    assert_eq!(hits[0].message_row, Some(stored[0].row));
    assert_eq!(
        store
            .conversation(&"t_lan".into())
            .unwrap()
            .unwrap()
            .unread_count,
        2,
        "the mark's words are news once"
    );
}
