//! Several pagedesk processes on one data dir, as on a shared server: exactly one sync engine
//! at a time, taken over within seconds when its holder is killed or stopped (SIGSTOP), every
//! process seeing new data and settings, and nobody ever told "database is locked".

use crate::common;

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
    // Each calls its own Graph API version: the emulator's log tells who called.
    let versions = ["v23.0", "v24.0", "v25.0"];
    let (mut services, first_leader) = one_engine_among(&world, &versions).await;
    let leaders = [first_leader];

    // Only the leader calls Facebook: about one inbox call per page per second, not three.
    world.clear_requests().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let calls = world.list_calls(0, "inbox").await;
    assert!((1..=5).contains(&calls), "{calls} inbox calls in 3 s");
    for (i, version) in versions.iter().enumerate() {
        let calls = list_calls_of(&world, version).await;
        assert_eq!(
            calls > 0,
            i == leaders[0],
            "{calls} list calls by process {i}"
        );
    }

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

    let leaders: Vec<usize> = (0..3)
        .filter(|&i| i != leader && services[i].leads())
        .collect();
    assert_eq!(leaders.len(), 1, "still exactly one engine");
    world.clear_requests().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (i, version) in versions.iter().enumerate() {
        let calls = list_calls_of(&world, version).await;
        assert_eq!(
            calls > 0,
            i == leaders[0],
            "{calls} list calls by process {i}"
        );
    }
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
        let message_id = world
            .store()
            .enqueue_reply(&(&conversation).into(), text, chrono::Utc::now())
            .unwrap();
        eventually(
            "the send to reach Facebook",
            Duration::from_secs(10),
            async || world.sends().await == sent_before + 1,
        )
        .await;
        service.stops_cleanly(&world, signal).await;
        let state = |id| world.store().reply_state(id).unwrap().unwrap().status;
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

/// A process stopped with SIGSTOP: continued (SIGCONT) when dropped, so that a failing test
/// leaves no stopped process behind (the service's own drop then kills it).
struct StoppedProcess(i32);

impl StoppedProcess {
    fn stop(pid: i32) -> StoppedProcess {
        // SAFETY: a plain kill(2) of our own child.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
        StoppedProcess(pid)
    }
}

impl Drop for StoppedProcess {
    fn drop(&mut self) {
        // SAFETY: a plain kill(2) of our own child.
        unsafe { libc::kill(self.0, libc::SIGCONT) };
    }
}

/// `pagedesk sync` on the world's data dir, calling Facebook's Graph API `version`: the
/// emulator's request log then tells which process made a call.
/// A `sync` service per Graph API version, once each knows its role; exactly one leads: its
/// index.
async fn one_engine_among(world: &TestWorld, versions: &[&str]) -> (Vec<Service>, usize) {
    let services: Vec<Service> = versions
        .iter()
        .map(|v| sync_calling_version(world, v))
        .collect();
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
    let leaders: Vec<usize> = (0..services.len())
        .filter(|&i| services[i].leads())
        .collect();
    assert_eq!(leaders.len(), 1, "exactly one engine");
    (services, leaders[0])
}

fn sync_calling_version(world: &TestWorld, version: &str) -> Service {
    use std::os::unix::fs::PermissionsExt;
    let config = std::fs::read_to_string(&world.config_path)
        .unwrap()
        .replacen(
            "[graph]\n",
            &format!("[graph]\nversion = \"{version}\"\n"),
            1,
        );
    let path = world.dir.path().join(format!("config-{version}.toml"));
    std::fs::write(&path, config).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_pagedesk"));
    command
        .arg("--config")
        .arg(&path)
        .arg("--data-dir")
        .arg(&world.data_dir)
        .arg("sync")
        .env_remove("PAGEDESK_CONFIG")
        .env_remove("PAGEDESK_DATA_DIR")
        .envs(world.database_env());
    Service::spawn(command)
}

/// Conversation list calls made through Graph API `version`.
async fn list_calls_of(world: &TestWorld, version: &str) -> usize {
    world
        .requests()
        .await
        .iter()
        .filter(|r| {
            let path = r["path"].as_str().unwrap();
            path.starts_with(&format!("/{version}/")) && path.ends_with("/conversations")
        })
        .count()
}

/// A leader stopped (SIGSTOP: alive, holding the lease, renewing nothing) is replaced within the
/// lease's time; continued, it stands by and from then on calls Facebook no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_leader_is_replaced_and_stands_by_when_it_continues() {
    stopped_leader(false).await;
}

/// As above, and not even the moment it continues does the old leader sync beside the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_continued_leader_never_syncs_beside_the_new_one() {
    stopped_leader(true).await;
}

/// SIGSTOP the leader of two `sync` services, then SIGCONT it. `from_the_moment_it_continues`:
/// the continued one's calls are counted from SIGCONT, else from when it says it stands by.
async fn stopped_leader(from_the_moment_it_continues: bool) {
    let world = TestWorld::start("interval = \"1s\"").await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 60)
        .await;
    world.sync().await;
    let versions = ["v24.0", "v25.0"];
    let (services, leader) = one_engine_among(&world, &versions).await;
    let other = 1 - leader;

    let stopped = StoppedProcess::stop(services[leader].child.id().unwrap() as i32);
    let since = Instant::now();
    // The lease lasts 6 s unrenewed; the one standing by asks every 2 s.
    eventually(
        "the other process to take over from the stopped one",
        Duration::from_secs(10),
        async || services[other].leads(),
    )
    .await;
    let took = since.elapsed();
    let new = world
        .buyer_writes(0, "Trần Văn Minh", "Áo XL còn không?", "inbox", 0)
        .await;
    eventually(
        "the new leader to sync",
        Duration::from_secs(5),
        async || common::find(&world.conversations(&[]).await, &new).is_some(),
    )
    .await;

    if from_the_moment_it_continues {
        world.clear_requests().await;
    }
    drop(stopped);
    eventually(
        "the continued process to stand by",
        Duration::from_secs(5),
        async || !services[leader].leads(),
    )
    .await;
    if !from_the_moment_it_continues {
        // A cycle it began before it knew lets it finish.
        tokio::time::sleep(Duration::from_secs(2)).await;
        world.clear_requests().await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (resumed, new) = (
        list_calls_of(&world, versions[leader]).await,
        list_calls_of(&world, versions[other]).await,
    );
    assert!(services[other].leads(), "the new leader goes on");
    assert!(!services[leader].leads(), "the continued one stands by");
    assert!(new > 0, "the new leader syncs");
    assert_eq!(
        resumed, 0,
        "calls by the continued process beside the new leader"
    );
    assert!(took < Duration::from_secs(9), "taken over after {took:?}");
}
