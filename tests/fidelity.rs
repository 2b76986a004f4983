//! What real Facebook does beyond the basics, served by the emulator as Facebook serves it and
//! met by the engine and the binary: folder moves made in Meta Business Suite, and more.

mod common;

use common::{TestWorld, find};
use serde_json::{Value, json};

async fn move_on_facebook(world: &TestWorld, conversation: &str, folder: &str) {
    world
        .control(
            &format!("/conversations/{conversation}/folder"),
            json!({ "folder": folder }),
        )
        .await;
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
    move_on_facebook(&world, &spam, "inbox").await;
    move_on_facebook(&world, &inbox, "spam").await;
    assert_eq!(
        world.emulated_conversation(&spam).await["updated_time"],
        before
    );
    world.sync().await;
    let listed = world.conversations(&[]).await;
    assert_eq!(folder_of(&listed, &spam), ("inbox".into(), false));
    assert_eq!(folder_of(&listed, &inbox), ("spam".into(), true));

    // "Done" moves it out of Spam into the Done folder.
    move_on_facebook(&world, &inbox, "page_done").await;
    world.sync().await;
    let listed = world.conversations(&[]).await;
    assert_eq!(folder_of(&listed, &inbox), ("page_done".into(), false));
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
    move_on_facebook(&world, &ids[0], "inbox").await;
    world.clear_requests().await;
    world.sync().await;
    let listed = world.conversations(&[]).await;
    assert_eq!(folder_of(&listed, &ids[0]), ("inbox".into(), false));
    assert_eq!(world.conversations(&["--filter", "spam"]).await.len(), 29);
    let id_calls: Vec<String> = world
        .requests()
        .await
        .into_iter()
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
        ["spam", "page_done"],
        "one call for the 30 ids of Spam; one to tell Done from the inbox"
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
        .control(
            &format!("/pages/{}/data_limit", world.page(0)),
            json!({ "max": 300 }),
        )
        .await;
    world.sync().await;
    assert_eq!(world.conversations(&[]).await.len(), 40);
    assert_eq!(list_limits(&world, 0).await, ["25", "12", "12", "12", "12"]);

    // The next run, another process, asks for what worked from the start.
    world.buyer_writes(0, "Khách mới", "alo", "inbox", 0).await;
    world.clear_requests().await;
    world.sync().await;
    assert_eq!(list_limits(&world, 0).await, ["12"]);
    assert_eq!(world.conversations(&[]).await.len(), 41);
}
