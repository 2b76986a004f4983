//! Killed processes: replies are delivered exactly once after a SIGKILL mid-send, and a large
//! sync killed half way resumes, with the database sound and nothing doubled. Real processes,
//! real signals.

use crate::common;

use std::time::{Duration, Instant};

use common::TestWorld;
use pagedesk::model::{Filter, SendStatus};
use pagedesk::store::ListQuery;
use serde_json::json;

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "waited too long for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn killed_after_facebook_took_the_reply_it_is_not_sent_again() {
    let (world, id) = TestWorld::with_a_buyer("").await;
    // Facebook takes the reply at once but its answer takes 3 s: the kill lands in between.
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "answer_delayed", "ms": 3000 } }))
        .await;
    let mut reply = world.spawn(&["reply", &id, "Dạ em lên đơn ạ"]);
    until("Facebook to have the reply", async || {
        world.page_texts_on_facebook(&id).await.len() == 1
    })
    .await;
    reply.kill().await.unwrap();

    let store = world.store();
    let pending = store.messages(&(&id).into()).unwrap().pop().unwrap();
    assert_eq!(
        (pending.text.as_str(), pending.status),
        ("Dạ em lên đơn ạ", SendStatus::Pending)
    );

    world.clear_requests().await;
    world.sync().await;
    assert!(world.sends().await == 0, "not sent again");
    assert_eq!(world.page_texts_on_facebook(&id).await.len(), 1);
    let sent = store.messages(&(&id).into()).unwrap().pop().unwrap();
    assert_eq!(sent.status, SendStatus::Sent);
    assert!(sent.id.as_str().starts_with("m_"));
    assert_eq!(store.messages(&(&id).into()).unwrap().len(), 2, "one copy");
}

#[tokio::test]
async fn killed_before_facebook_took_the_reply_it_is_sent_once_after_restart() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(0, "Trần Văn Minh", "Còn áo XL không?", "inbox", 60)
        .await;
    world.sync().await;
    // The request is held before Facebook acts on it; the process dies meanwhile.
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "delay", "ms": 1500 } }))
        .await;
    let mut reply = world.spawn(&["reply", &id, "Dạ còn ạ"]);
    until("the send to be on its way", async || {
        world.sends().await > 0
    })
    .await;
    reply.kill().await.unwrap();
    // Whatever Facebook does with the orphaned request, it has done it by now.
    tokio::time::sleep(Duration::from_millis(2000)).await;

    world.sync().await;
    assert_eq!(
        world.page_texts_on_facebook(&id).await.len(),
        1,
        "delivered exactly once"
    );
    let store = world.store();
    let messages = store.messages(&(&id).into()).unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].status, SendStatus::Sent);
    world.sync().await;
    assert_eq!(world.page_texts_on_facebook(&id).await.len(), 1);
}

#[tokio::test]
async fn a_large_sync_killed_half_way_resumes_with_nothing_lost_or_doubled() {
    let world = TestWorld::start("backfill_conversations = 5000").await;
    let page = world.page(0).to_owned();
    world.control.generate(&page, 3000, 2, 0).await.unwrap();
    let mut sync = world.spawn(&["sync", "--once"]);
    let store = world.store();
    until("a part of the inbox to be stored", async || {
        store.filter_counts(None).map(|c| c.all).unwrap_or(0) >= 300
    })
    .await;
    sync.kill().await.unwrap();
    drop(store);
    let store = world.store();
    let stored = store.filter_counts(None).unwrap().all;
    assert!(stored < 3000, "killed half way ({stored})");
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    let all = ListQuery {
        page_id: None,
        filter: Filter::All,
        ..ListQuery::default()
    };
    for conversation in store.conversations(&all).unwrap() {
        assert_eq!(
            store.message_count(Some(&conversation.id)).unwrap(),
            2,
            "no half-written conversation"
        );
    }

    world.clear_requests().await;
    world.sync().await;
    assert!(world.first_list_call_resumed(0).await, "it resumed");
    assert_eq!(store.filter_counts(None).unwrap().all, 3000);
    assert_eq!(
        store.message_count(None).unwrap(),
        6000,
        "no duplicate messages"
    );
    // A fresh connection: FTS5's integrity check reuses what a connection cached in an earlier
    // check, and reports a false "malformed" after another process has written.
    let store = world.store();
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    assert_eq!(
        store.search("gia", 5000).unwrap().len(),
        600,
        "the search index has every message"
    );
}

/// The cursor past a list page is saved only once that page's conversations are stored: a first
/// sync whose second page cannot be stored (a trigger refusing one of its conversations, as a
/// crash between the two writes would) resumes at that page, and every conversation arrives.
#[tokio::test]
async fn a_first_sync_whose_second_page_is_not_stored_resumes_at_that_page() {
    let world = TestWorld::start("").await;
    let mut ids = Vec::new();
    for i in 0..60 {
        let name = format!("Khách {i}");
        ids.push(world.buyer_writes(0, &name, "alo", "inbox", 3600 - i).await);
    }
    // Newest first, 25 a page: the second page holds Khách 34 down to Khách 10.
    drop(world.store());
    let database = rusqlite::Connection::open(world.data_dir.join("pagedesk.db")).unwrap();
    database
        .execute_batch(&format!(
            "CREATE TRIGGER refuse BEFORE INSERT ON conversations WHEN NEW.id = '{}' \
             BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
            ids[20]
        ))
        .unwrap();
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.line_about(world.page(0)).is_empty(),
        "the page is named: {}",
        run.stderr
    );
    assert_eq!(
        world.conversations(&[]).await.len(),
        25,
        "the first page stored, the second not"
    );

    database.execute_batch("DROP TRIGGER refuse").unwrap();
    world.sync().await;
    let all = world.conversations(&[]).await;
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| common::find(&all, id).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "every conversation, missing {missing:?}"
    );
    assert_eq!(all.len(), 60);
}

#[tokio::test]
async fn killed_after_facebook_took_a_file_it_is_not_sent_again() {
    let (world, id) = TestWorld::with_a_buyer("").await;
    let photo = world.dir.path().join("vay-do.png");
    std::fs::write(&photo, b"\x89PNG red dress").unwrap();
    // Facebook takes the file's send at once but answers 3 s later: the kill lands in between
    // (the upload before it answers at once).
    world
        .fault(json!({ "method": "POST", "path_contains": "/messages",
            "fault": { "kind": "answer_delayed", "ms": 3000 } }))
        .await;
    let mut reply = world.spawn(&["reply", &id, "--attach", photo.to_str().unwrap()]);
    let file_on_facebook = async || {
        world
            .messages_on_facebook(&id)
            .await
            .iter()
            .filter(|m| m["from_page"] == true && m["attachment"]["name"] == "vay-do.png")
            .count()
    };
    until("Facebook to have the file", async || {
        file_on_facebook().await == 1
    })
    .await;
    reply.kill().await.unwrap();

    world.clear_requests().await;
    world.sync().await;
    assert_eq!(world.sends().await, 0, "neither uploaded nor sent again");
    assert_eq!(file_on_facebook().await, 1);
    let store = world.store();
    let messages = store.messages(&(&id).into()).unwrap();
    assert_eq!(messages.len(), 2, "one copy: {messages:#?}");
    let sent = messages.last().unwrap();
    assert_eq!(sent.status, SendStatus::Sent);
    assert_eq!(sent.attachments[0].name.as_deref(), Some("vay-do.png"));
}
