//! Several pagedesk processes on one data dir, as on a shared server: exactly one sync engine
//! at a time, taken over within seconds when its holder is killed, every process seeing new
//! data and settings, and nobody ever told "database is locked".

mod common;

use std::time::{Duration, Instant};

use common::{Service, TestWorld};

async fn eventually(what: &str, within: Duration, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < within, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_one_engine_and_a_killed_leader_is_replaced() {
    let world = TestWorld::start("interval = \"1s\"").await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 60)
        .await;
    world.sync().await;
    let mut services: Vec<Service> = (0..3).map(|_| Service::start(&world)).collect();
    eventually(
        "every process to know its role",
        Duration::from_secs(10),
        async || {
            services
                .iter()
                .all(|s| s.said("now runs the sync engine") || s.said("standing by"))
        },
    )
    .await;
    let leaders: Vec<usize> = (0..3).filter(|&i| services[i].leads()).collect();
    assert_eq!(leaders.len(), 1, "exactly one engine");

    // Only the leader calls Facebook: about one inbox call per page per second, not three.
    world.clear_requests().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let calls = world.list_calls(0, "inbox").await;
    assert!((1..=5).contains(&calls), "{calls} inbox calls in 3 s");

    let new = world
        .buyer_writes(0, "Trần Văn Minh", "Áo XL còn không?", "inbox", 0)
        .await;
    eventually(
        "the new conversation stored",
        Duration::from_secs(5),
        async || common::find(&world.conversations(&[]).await, &new).is_some(),
    )
    .await;

    let leader = leaders[0];
    services[leader].child.kill().await.unwrap();
    eventually(
        "another process to take over",
        Duration::from_secs(10),
        async || (0..3).filter(|&i| i != leader).any(|i| services[i].leads()),
    )
    .await;
    let after = world
        .buyer_writes(1, "Hoàng Mỹ Linh", "Son còn không?", "inbox", 0)
        .await;
    eventually(
        "the new leader to sync",
        Duration::from_secs(5),
        async || common::find(&world.conversations(&[]).await, &after).is_some(),
    )
    .await;

    // A settings change made by yet another process reaches the engine.
    let spam = world
        .buyer_writes(1, "Đặng Ngọc Ánh", "Serum còn không?", "spam", 600)
        .await;
    assert_eq!(
        world
            .pagedesk(&["spam-sync", "on", "--page", world.page(1)])
            .await
            .code,
        0
    );
    eventually(
        "the spam conversation after spam sync was turned on",
        Duration::from_secs(5),
        async || common::find(&world.conversations(&[]).await, &spam).is_some(),
    )
    .await;

    let leaders = (0..3)
        .filter(|&i| i != leader && services[i].leads())
        .count();
    assert_eq!(leaders, 1, "still exactly one engine");
    for service in &services {
        assert!(
            !service.said("database is locked"),
            "{}",
            service.output.lock().unwrap()
        );
    }
    // `sync --once` leaves a running engine alone, and says so.
    let once = world.pagedesk(&["sync", "--once"]).await;
    assert_ne!(once.code, 0);
    assert!(
        once.stderr.contains("runs the sync engine"),
        "{}",
        once.stderr
    );
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains("Sync engine: pid"),
        "{}",
        doctor.stdout
    );
    for service in &mut services {
        let _ = service.child.kill().await;
    }
}

async fn leading(world: &TestWorld, args: &[&str]) -> Service {
    let service = Service::run(world, args);
    eventually("the service to lead", Duration::from_secs(10), async || {
        service.leads()
    })
    .await;
    service
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_takes_a_fixed_token_and_stops_on_ctrl_c_and_on_sigterm() {
    let (world, _) = TestWorld::with_a_buyer("interval = \"1s\"").await;
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let token = world.pages[1].2.clone();
    for (signal, buyer) in [
        (libc::SIGINT, "Trần Văn Minh"),
        (libc::SIGTERM, "Lê Thị Hồng"),
    ] {
        // Page 1's token is wrong when the service starts, and fixed while it runs: the
        // config read again is used (the watch holds a sender to the engine all along).
        let wrong = config.replace(&token, "EAA-sai-token");
        std::fs::write(&world.config_path, wrong).unwrap();
        let service = leading(&world, &["sync"]).await;
        let conversation = world
            .buyer_writes(1, buyer, "Ship COD không?", "inbox", 0)
            .await;
        std::fs::write(&world.config_path, &config).unwrap();
        eventually(
            "the fixed token used",
            Duration::from_secs(10),
            async || common::find(&world.conversations(&[]).await, &conversation).is_some(),
        )
        .await;
        assert!(service.said("config was read again"));
        service.stops_cleanly(&world, signal).await;
    }
}

/// A reply being sent when the service is told to stop: a quick answer is waited for and the
/// reply marked sent; a slow one is left, claimable, and the next pagedesk finds it on
/// Facebook instead of sending it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_stopped_mid_send_finishes_the_reply_or_leaves_it_to_be_found_once() {
    let (world, conversation) = TestWorld::with_a_buyer("interval = \"1s\"").await;
    for (signal, answer_ms, text) in [
        (libc::SIGTERM, 1500, "Dạ còn size M ạ"),
        (libc::SIGINT, 30_000, "Dạ shop gửi ảnh thật ạ"),
    ] {
        world.clear_faults().await;
        world
            .fault(serde_json::json!({
                "method": "POST", "path_contains": "/messages", "count": 1,
                "fault": { "kind": "answer_delayed", "ms": answer_ms }
            }))
            .await;
        let sent_before = world.sends().await;
        let service = leading(&world, &["sync"]).await;
        let message_id = pagedesk::store::Store::open(&world.data_dir)
            .unwrap()
            .enqueue_reply(&conversation, text, chrono::Utc::now())
            .unwrap();
        eventually(
            "the send to reach Facebook",
            Duration::from_secs(10),
            async || world.sends().await == sent_before + 1,
        )
        .await;
        service.stops_cleanly(&world, signal).await;
        let state = |id| {
            pagedesk::store::Store::open(&world.data_dir)
                .unwrap()
                .reply_state(id)
                .unwrap()
                .unwrap()
                .status
        };
        if answer_ms < 4000 {
            assert_eq!(state(message_id), pagedesk::model::SendStatus::Sent);
        } else {
            let run = world.pagedesk(&["sync", "--once"]).await;
            assert_eq!(run.code, 0, "{}", run.stderr);
            assert_eq!(state(message_id), pagedesk::model::SendStatus::Sent);
        }
        assert_eq!(world.sends().await, sent_before + 1, "sent once");
        let texts = world.page_texts_on_facebook(&conversation).await;
        assert_eq!(texts.iter().filter(|t| *t == text).count(), 1, "{texts:?}");
    }
}
