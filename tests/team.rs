//! Team work through the binary against the emulator: Done (here and in Meta Business Suite).

mod common;

use common::{TestWorld, find};
use serde_json::json;

#[tokio::test]
async fn done_leaves_the_inbox_until_the_buyer_writes_and_meta_business_suites_done_comes_in() {
    let world = TestWorld::start("").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Cảm ơn shop nhé", "inbox", 120)
        .await;
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Ship COD nhé", "inbox", 60)
        .await;
    world.sync().await;
    let run = world.pagedesk(&["done", &lan]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Nguyễn Thị Lan: done"),
        "{}",
        run.stdout
    );
    assert!(find(&world.conversations(&[]).await, &lan).is_none());
    let done = world.conversations(&["--filter", "done"]).await;
    assert_eq!(find(&done, &lan).unwrap()["done"], true);
    // The buyer writes again: open again.
    world
        .buyer_writes(
            0,
            "Nguyễn Thị Lan",
            "À shop ơi, đổi size được không?",
            "inbox",
            0,
        )
        .await;
    world.sync().await;
    let all = world.conversations(&[]).await;
    assert_eq!(find(&all, &lan).unwrap()["done"], false);
    assert!(world.conversations(&["--filter", "done"]).await.is_empty());

    // Staff click Done in Meta Business Suite: done here at the next sync, by them.
    world
        .control(
            &format!("/conversations/{minh}/folder"),
            json!({ "folder": "page_done" }),
        )
        .await;
    world.sync().await;
    let done = world.conversations(&["--filter", "done"]).await;
    assert_eq!(
        find(&done, &minh).unwrap()["done_by"],
        "Meta Business Suite"
    );
    // Taken back here: not done again by the next sync while Facebook still lists it.
    let run = world.pagedesk(&["done", &minh, "--undo"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    world.sync().await;
    assert_eq!(
        find(&world.conversations(&[]).await, &minh).unwrap()["done"],
        false
    );
    // Nothing to mark: said, exit 1.
    let run = world.pagedesk(&["done", "t_404"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no conversation t_404"),
        "{}",
        run.stderr
    );
}
