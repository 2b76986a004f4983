//! What a hostile server, a crowded server and an impatient team do to pagedesk's promises:
//! replies tried by two processes at once, a lease on a slow Facebook, a dead or zombie holder,
//! answers without data, lists without end, bodies without end, bytes a strict parser refuses,
//! error texts carrying tokens and terminal controls, and customer data on a shared machine.
//! Real processes against the emulator, the bad bytes coming over the wire.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{Service, TestWorld};
use pagedesk::config::Config;
use pagedesk::model::SendStatus;
use pagedesk::store::Store;
use pagedesk::sync::Delivery;
use serde_json::{Value, json};

async fn eventually(what: &str, within: Duration, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < within, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Everything in the data dir (database, its WAL, the log) as text.
fn data_dir_text(world: &TestWorld) -> String {
    let mut files = String::new();
    for entry in std::fs::read_dir(&world.data_dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        files.push_str(&String::from_utf8_lossy(&bytes));
    }
    files
}

/// `sync --once` reads two replies (two conversations) as due, and while its first send is held
/// by a slow Facebook, another pagedesk tries the second and loses the answer. When `sync --once`
/// comes to that reply it must decide from the database after its claim (the attempt is there),
/// not from what it read before: it looks on Facebook and adopts the reply instead of sending
/// it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_another_pagedesk_tried_meanwhile_is_looked_for_before_it_is_sent() {
    let world = TestWorld::start_with_timeout("", "10s").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Chốt đơn nhé", "inbox", 60)
        .await;
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Áo XL còn không?", "inbox", 50)
        .await;
    world.sync().await;
    // Two replies wait in the outbox, one in each conversation, written by staff while
    // Facebook was down: both are due at once.
    let second = {
        let mut store = world.store();
        store
            .enqueue_reply(&(&lan).into(), "Dạ em chào chị", Utc::now())
            .unwrap();
        store
            .enqueue_reply(&(&minh).into(), "Dạ còn size XL ạ", Utc::now())
            .unwrap()
    };
    // The first send takes 4 s; the second is carried out but its answer is lost.
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "delay", "ms": 4000 } }))
        .await;
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "answer_lost" } }))
        .await;

    let leader = world.spawn(&["sync", "--once"]);
    // Its first send on the way, the leader has read both replies as due.
    eventually("the first send", Duration::from_secs(10), async || {
        world.sends().await > 0
    })
    .await;
    // Meanwhile another pagedesk of the server (this test process, with the real engine)
    // sends the second reply; Facebook takes it, the answer never comes back.
    let config = Config::load(&world.config_path).unwrap();
    let store = std::sync::Arc::new(std::sync::Mutex::new(world.store()));
    let engine = pagedesk::cli::build_engine(&config, store, None).unwrap();
    let delivery = engine.deliver(second).await.unwrap();
    assert!(matches!(delivery, Delivery::Pending { .. }), "{delivery:?}");
    assert_eq!(
        world.sends().await,
        2,
        "the leader is still on its first send"
    );

    let finished = leader.wait_with_output().await.unwrap();
    assert!(finished.status.success());
    assert_eq!(world.page_texts_on_facebook(&lan).await, ["Dạ em chào chị"]);
    assert_eq!(
        world.page_texts_on_facebook(&minh).await,
        ["Dạ còn size XL ạ"],
        "the reply another pagedesk tried reached the buyer once"
    );
    let store = world.store();
    for conversation in [&lan, &minh] {
        one_reply_sent(&store, conversation);
    }
}

/// The conversation holds one reply, sent, with Facebook's id.
fn one_reply_sent(store: &Store, conversation: &str) {
    let replies: Vec<_> = store
        .messages(&conversation.into())
        .unwrap()
        .into_iter()
        .filter(|m| m.direction == pagedesk::model::Direction::Out)
        .collect();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(replies[0].status == SendStatus::Sent && replies[0].id.as_str().starts_with("m_"));
}

/// Two pagedesks on the same reply at the same moment: `reply` is sending it (Facebook holds
/// the send 4 s before carrying it out) when `sync --once` reads it as due. The claim keeps the
/// second off it; without the claim it would look on Facebook, find nothing yet, and send it
/// again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pagedesks_on_the_same_reply_at_the_same_moment_send_it_once() {
    let world = TestWorld::start_with_timeout("", "10s").await;
    let id = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Chốt đơn nhé", "inbox", 60)
        .await;
    world.sync().await;
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "delay", "ms": 4000 } }))
        .await;
    let first = world
        .command(&["reply", &id, "Dạ em lên đơn ạ"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    eventually("the send on its way", Duration::from_secs(10), async || {
        world.sends().await > 0
    })
    .await;
    // The same reply, due, in the outbox of the second pagedesk while the first sends it.
    let second = world.pagedesk(&["sync", "--once"]).await;
    // The first send was still unanswered (the emulator times a request once answered).
    let first_send_unanswered = world
        .requests()
        .await
        .iter()
        .find(|r| r["method"] == "POST")
        .is_some_and(|r| r["micros"] == 0);
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    let first = common::Run::from(first.wait_with_output().await.unwrap());
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert!(
        first_send_unanswered,
        "the second pagedesk came while the first was still sending"
    );
    assert_eq!(
        world.page_texts_on_facebook(&id).await,
        ["Dạ em lên đơn ạ"],
        "the buyer got the reply once: {}\n{}",
        second.stdout,
        second.stderr
    );
    assert_eq!(world.sends().await, 1, "one send reached Facebook");
    one_reply_sent(&world.store(), &id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_once_keeps_its_lease_while_facebook_is_slow() {
    let world = TestWorld::start_with_timeout("", "20s").await;
    world
        .buyer_writes(0, "Trần Văn Minh", "Áo còn không?", "inbox", 60)
        .await;
    // One list call takes 9 s: longer than a lease lasts unrenewed (6 s).
    world
        .fault_page_lists(0, 1, json!({ "kind": "delay", "ms": 9000 }))
        .await;
    let first = world.spawn(&["sync", "--once"]);
    let first_pid = first.id().unwrap();
    eventually("the slow list call", Duration::from_secs(10), async || {
        world.list_calls(0, "inbox").await > 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(7)).await;

    let second = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(
        second.stderr.contains(&format!(
            "Another pagedesk (pid {first_pid}) runs the sync engine"
        )),
        "{}",
        second.stderr
    );
    assert!(first.wait_with_output().await.unwrap().status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_wait_from_facebook_neither_panics_nor_stops_the_service() {
    let world = TestWorld::start("interval = \"1s\"").await;
    let page = world.page(0).to_owned();
    world
        .fault_page_lists(
            0,
            1,
            json!({ "kind": "error", "code": 80006, "regain_minutes": 1_000_000_000_000u64 }),
        )
        .await;
    let mut service = Service::start(&world);
    eventually(
        "the page to be rate limited",
        Duration::from_secs(20),
        async || {
            world
                .store()
                .page_sync(&(&page).into())
                .is_ok_and(|state| state.rate_limited_until.is_some())
        },
    )
    .await;
    let until = world
        .store()
        .page_sync(&(&page).into())
        .unwrap()
        .rate_limited_until
        .unwrap();
    assert!(
        until <= Utc::now() + chrono::Duration::minutes(61),
        "Facebook's figure is clamped: {until}"
    );
    // The engine goes on: the other page's new buyer arrives.
    world
        .buyer_writes(1, "Lê Thu Hà", "Shop ơi", "inbox", 0)
        .await;
    eventually(
        "the other page to sync",
        Duration::from_secs(20),
        async || {
            world
                .conversations(&[])
                .await
                .iter()
                .any(|c| c["customer_name"] == "Lê Thu Hà")
        },
    )
    .await;
    let doctor = world.pagedesk(&["doctor"]).await;
    let pid = service.child.id().unwrap();
    assert!(
        doctor.stdout.contains(&format!("Sync engine: pid {pid}")),
        "{}",
        doctor.stdout
    );
    assert!(!service.said("panicked"));
    service.child.kill().await.unwrap();
}

/// Starts `pagedesk` with `args` as a plain child, which nobody reaps: killed, it stays a
/// zombie until [`std::process::Child::wait`].
fn unreaped(world: &TestWorld, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_pagedesk"))
        .arg("--config")
        .arg(&world.config_path)
        .arg("--data-dir")
        .arg(&world.data_dir)
        .args(args)
        .envs(world.database_env())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn kill_leaving_a_zombie(child: &std::process::Child) {
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let stat = format!("/proc/{pid}/stat");
    let start = Instant::now();
    while !std::fs::read_to_string(&stat)
        .unwrap()
        .rsplit_once(')')
        .unwrap()
        .1
        .trim_start()
        .starts_with('Z')
    {
        assert!(start.elapsed() < Duration::from_secs(5), "not a zombie");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zombie_holds_neither_the_engine_nor_a_reply() {
    let world = TestWorld::start("interval = \"1h\"").await;
    let id = world
        .buyer_writes(0, "Phạm Hồng Nhung", "Còn size M không?", "inbox", 60)
        .await;
    world.sync().await;

    // A service runs the engine, then dies unreaped.
    let mut service = unreaped(&world, &["sync"]);
    eventually("the service to lead", Duration::from_secs(10), async || {
        world
            .pagedesk(&["doctor"])
            .await
            .stdout
            .contains(&format!("Sync engine: pid {}", service.id()))
    })
    .await;
    kill_leaving_a_zombie(&service);
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains("Sync engine: none running"),
        "{}",
        doctor.stdout
    );

    // A reply is claimed and on its way when its process dies unreaped.
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "delay", "ms": 1500 } }))
        .await;
    let mut reply = unreaped(&world, &["reply", &id, "Dạ còn ạ"]);
    eventually("the send", Duration::from_secs(10), async || {
        world.sends().await > 0
    })
    .await;
    kill_leaving_a_zombie(&reply);
    // Whatever Facebook does with the orphaned request, it has done it by now.
    tokio::time::sleep(Duration::from_millis(2000)).await;

    // The engine is free at once, and so is the reply: delivered exactly once, now.
    world.sync().await;
    assert_eq!(world.page_texts_on_facebook(&id).await, ["Dạ còn ạ"]);
    let store = world.store();
    assert_eq!(
        store
            .messages(&(&id).into())
            .unwrap()
            .last()
            .unwrap()
            .status,
        SendStatus::Sent
    );
    service.wait().unwrap();
    reply.wait().unwrap();
}

#[tokio::test]
async fn customers_messages_are_readable_by_their_owner_only() {
    // The database files are SQLite's; PostgreSQL's are the server's to keep.
    if common::on_postgres() {
        return;
    }
    let world = TestWorld::start("interval = \"1h\"").await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy còn không?", "inbox", 60)
        .await;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let files = [
        "pagedesk.db",
        "pagedesk.db-wal",
        "pagedesk.db-shm",
        "pagedesk.log",
    ];

    // The usual umask (022) would make everything readable by all.
    let mut service = world.command(&["sync"]);
    unsafe {
        service.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    let mut service = service
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    eventually("the first sync", Duration::from_secs(20), async || {
        world.conversations(&[]).await.len() == 1
    })
    .await;
    assert_eq!(mode(&world.data_dir), 0o700);
    for file in files {
        assert_eq!(mode(&world.data_dir.join(file)), 0o600, "{file}");
    }
    service.kill().await.unwrap();

    // Files an older pagedesk left open are made private, and that is said once.
    std::fs::set_permissions(&world.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for file in ["pagedesk.db", "pagedesk.log"] {
        std::fs::set_permissions(
            world.data_dir.join(file),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let run = world.pagedesk(&["conversations"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("pagedesk.db could be read by other users")
            && run
                .stderr
                .contains("pagedesk.log could be read by other users")
            && run.stderr.contains("now yours alone"),
        "{}",
        run.stderr
    );
    assert_eq!(mode(&world.data_dir), 0o700);
    assert_eq!(mode(&world.data_dir.join("pagedesk.db")), 0o600);
    let again = world.pagedesk(&["conversations"]).await;
    assert_eq!(again.stderr, "", "said once");

    // The log is never written through a symbolic link.
    let elsewhere = world.dir.path().join("elsewhere.txt");
    std::fs::write(&elsewhere, "untouched").unwrap();
    std::fs::remove_file(world.data_dir.join("pagedesk.log")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, world.data_dir.join("pagedesk.log")).unwrap();
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot write the log"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "untouched");

    // A data dir that belongs to someone else is refused (root can give it away).
    if unsafe { libc::geteuid() } == 0 {
        let dir = std::ffi::CString::new(world.data_dir.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::chown(dir.as_ptr(), 65534, 65534) }, 0);
        let run = world.pagedesk(&["conversations"]).await;
        assert_ne!(run.code, 0);
        assert!(
            run.stderr
                .contains("belongs to another user (nobody, uid 65534)")
                && run.stderr.contains("sudo -u nobody pagedesk"),
            "{}",
            run.stderr
        );
        assert_eq!(unsafe { libc::chown(dir.as_ptr(), 0, 0) }, 0);
    }
}

#[tokio::test]
async fn a_list_answer_without_data_is_an_error_and_the_first_sync_goes_on_later() {
    for body in [
        r#"{"paging":{"cursors":{"after":"QQ"}}}"#,
        r#"{"error":{"message":"(#1) An unknown error occurred","type":"OAuthException","code":1}}"#,
    ] {
        let world = TestWorld::start("").await;
        world.buyers_write(0, 30, 600).await;
        world
            .fault(json!({ "path_contains": format!("/{}/conversations", world.page(0)), "skip": 1, "count": 3,
                "fault": { "kind": "http", "http_status": 200, "body": body, "content_type": "application/json" } }))
            .await;
        let run = world.pagedesk(&["sync", "--once"]).await;
        assert_eq!(run.code, 1, "{body}: {}", run.stdout);
        assert!(!run.line_about(world.page(0)).is_empty(), "{}", run.stderr);
        assert_eq!(world.conversations(&[]).await.len(), 25, "{body}");
        world.sync().await;
        assert_eq!(world.conversations(&[]).await.len(), 30, "the pass went on");
    }
}

#[tokio::test]
async fn a_list_that_never_ends_is_given_up_with_the_page_named() {
    let world = TestWorld::start("").await;
    world.buyers_write(0, 3, 600).await;
    world.buyers_write(1, 2, 600).await;
    world
        .fault_page_lists(0, 1000, json!({ "kind": "empty_page" }))
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(run.code, 1);
    let line = run.line_about(world.page(0));
    assert!(
        line.contains("does not end") && line.contains("3 pages in a row without a conversation"),
        "{line}"
    );
    assert_eq!(world.list_calls(0, "inbox").await, 3);
    assert_eq!(
        world.conversations(&["--page", world.page(1)]).await.len(),
        2,
        "the other page synced"
    );
}

#[tokio::test]
async fn answers_messages_and_error_texts_of_any_size_are_cut() {
    let world = TestWorld::start("").await;
    // An answer of 40 MB is not read past 16 MB.
    world
        .fault_page_lists(0, 3, json!({ "kind": "oversized", "mb": 40 }))
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.line_about(world.page(0))
            .contains("larger than 16 MB; stopped reading it"),
        "{}",
        run.stderr
    );
    world.clear_faults().await;

    // A 3 MB message is kept as its first 20,000 characters, and its snippet shorter still.
    let huge = "Váy đỏ ".repeat(3 * 1024 * 1024 / 8);
    let id = world.buyer_writes(0, "Khách", &huge, "inbox", 60).await;
    world.sync().await;
    let text = world.messages(&id).await[0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(text.chars().count(), 20_001);
    assert!(text.starts_with("Váy đỏ Váy đỏ") && text.ends_with('…'));
    let snippet = world.conversations(&[]).await[0]["snippet"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(snippet.chars().count() <= 1_001, "{}", snippet.len());
    let database = match &world.database_url {
        // The database's file on disk, its indexes and search words with it.
        None => {
            std::fs::metadata(world.data_dir.join("pagedesk.db"))
                .unwrap()
                .len()
                + std::fs::metadata(world.data_dir.join("pagedesk.db-wal")).map_or(0, |m| m.len())
        }
        // PostgreSQL's files are the server's, and compress the repeated words: what the
        // columns that keep a message's words hold, uncompressed.
        Some(url) => common::postgres::client(url)
            .await
            .query_one(
                "SELECT ((SELECT COALESCE(SUM(octet_length(text)), 0) FROM messages)
                    + (SELECT COALESCE(SUM(octet_length(folded)), 0) FROM message_search)
                    + (SELECT COALESCE(SUM(octet_length(snippet)), 0) FROM conversations))::BIGINT",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0) as u64,
    };
    assert!(database < 4 * 1024 * 1024, "{database} bytes stored");

    // A 3 MB error text is said in at most a line.
    let message = "x".repeat(3 * 1024 * 1024);
    world
        .fault_page_lists(
            0,
            3,
            json!({ "kind": "error", "code": 100, "message": message }),
        )
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.len() < 2_000, "{} bytes", run.stderr.len());
    let state = world.store().page_sync(&world.page(0).into()).unwrap();
    assert!(state.last_error.unwrap().len() < 2_000);
}

#[tokio::test]
async fn a_snippet_facebook_cut_mid_emoji_does_not_stop_the_page() {
    let world = TestWorld::start("").await;
    // Facebook cuts the snippet at 100 UTF-16 units: here, inside the emoji.
    let text = format!("{}😍 đẹp quá", "a".repeat(99));
    let id = world.buyer_writes(0, "Hồng", &text, "inbox", 60).await;
    world.sync().await;
    let conversation = world.conversations(&[]).await[0].clone();
    assert_eq!(
        conversation["snippet"],
        format!("{}\u{fffd}", "a".repeat(99))
    );
    assert_eq!(world.messages(&id).await[0]["text"], text.as_str());
}

#[tokio::test]
async fn a_name_cut_mid_emoji_does_not_stop_the_page() {
    let world = TestWorld::start("").await;
    let page = world.page(0).to_owned();
    // As Facebook sends it: ASCII escapes, the emoji's second half cut away.
    let body = format!(
        r#"{{"data":[{{"id":"t_cut","updated_time":"2026-11-25T08:00:00+0000","snippet":"Ch\u1ecb \ud83d","unread_count":1,
        "participants":{{"data":[{{"id":"{page}","name":"Shop"}},{{"id":"U1","name":"H\u1ed3ng \ud83d"}}]}},
        "messages":{{"data":[{{"id":"m_cut","created_time":"2026-11-25T08:00:00+0000","message":"\u0111\u1eb9p qu\u00e1 \ud83d\ude0d \udc4d",
        "from":{{"id":"U1","name":"H\u1ed3ng \ud83d"}}}}]}}}}]}}"#
    );
    world
        .fault_page_lists(
            0,
            1,
            json!({ "kind": "http", "http_status": 200, "body": body, "content_type": "application/json" }),
        )
        .await;
    world.sync().await;
    let conversation = world.conversations(&[]).await[0].clone();
    assert_eq!(conversation["customer_name"], "Hồng \u{fffd}");
    assert_eq!(
        world.messages("t_cut").await[0]["text"],
        "đẹp quá 😍 \u{fffd}"
    );
}

#[tokio::test]
async fn a_mistyped_token_line_is_never_printed() {
    let world = TestWorld::start("").await;
    let token = "EAAGm0PX4ZCpsBAKZBtoken1234567890";
    for line in [
        format!("acess_token = \"{token}\""),
        format!("access_token = {token}"),
        format!("access_token = \"{token}"),
    ] {
        std::fs::write(
            &world.config_path,
            format!("[[pages]]\nid = \"1\"\n{line}\n"),
        )
        .unwrap();
        let run = world.pagedesk(&["doctor"]).await;
        assert_ne!(run.code, 0);
        assert!(run.stderr.contains("line 3"), "{}", run.stderr);
        assert!(!run.stderr.contains("EAAGm0PX"), "{}", run.stderr);
        assert!(!run.stderr.contains("1234567890"), "{}", run.stderr);
    }
}

#[tokio::test]
async fn facebooks_error_text_reaches_no_one_with_a_token_or_a_control_in_it() {
    let world = TestWorld::start("").await;
    let id = world.buyer_writes(0, "Khách", "alo", "inbox", 60).await;
    world.sync().await;
    let token = world.pages[0].2.clone();
    let encoded: String = token
        .bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    let cut = &token[..token.len() - 3];
    let hostile =
        format!("bad \u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}token {encoded} or {cut}\u{200b}!");
    for path in ["conversations", "messages"] {
        let path = format!("/{}/{path}", world.page(0));
        world
            .fault(json!({ "path_contains": path, "count": 3, "fault": { "kind": "error", "code": 100, "message": hostile } }))
            .await;
    }
    let mut said = String::new();
    for args in [
        vec!["sync", "--once"],
        vec!["reply", &id, "Dạ"],
        vec!["messages", &id],
        vec!["doctor"],
    ] {
        let run = world.pagedesk(&args).await;
        said.push_str(&run.stdout);
        said.push_str(&run.stderr);
    }
    assert!(
        said.contains("bad token [redacted]"),
        "Facebook's words are shown: {said}"
    );
    let files = data_dir_text(&world);
    assert!(!files.contains(cut), "a token is in the data dir");
    assert!(
        !files.contains(&encoded),
        "an encoded token is in the data dir"
    );
    let store = world.store();
    let stored = [
        store
            .page_sync(&world.page(0).into())
            .unwrap()
            .last_error
            .unwrap(),
        store
            .messages(&(&id).into())
            .unwrap()
            .pop()
            .unwrap()
            .error
            .unwrap(),
        std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap(),
    ];
    assert!(stored[1].contains("bad token [redacted]"), "{}", stored[1]);
    for text in stored.iter().chain([&said]) {
        assert!(!text.contains(cut), "a token reached someone: {text}");
        assert!(!text.contains(&encoded), "{text}");
        for control in ['\u{1b}', '\u{7}', '\u{202e}', '\u{200b}'] {
            assert!(!text.contains(control), "{control:?} in {text:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_waiting_for_a_missing_token_variable_waits_quietly() {
    let world = TestWorld::start("interval = \"1h\"").await;
    let id = world.buyer_writes(0, "Khách", "alo", "inbox", 60).await;
    world.sync().await;
    world
        .store()
        .enqueue_reply(&(&id).into(), "Dạ", Utc::now())
        .unwrap();
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let config = config.replacen(
        &format!("access_token = \"{}\"", world.pages[0].2),
        "access_token_env = \"PAGEDESK_TEST_TOKEN_NOT_SET\"",
        1,
    );
    std::fs::write(&world.config_path, config).unwrap();

    let mut service = Service::start(&world);
    tokio::time::sleep(Duration::from_secs(5)).await;
    service.child.kill().await.unwrap();
    let log = std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap();
    let warnings = log.lines().filter(|l| l.contains("WARN")).count();
    assert!(warnings <= 2, "{warnings} warnings in 5 s:\n{log}");
    let reply = world
        .store()
        .messages(&(&id).into())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(reply.status, SendStatus::Pending);
    assert!(
        reply
            .error
            .unwrap()
            .contains("PAGEDESK_TEST_TOKEN_NOT_SET is not set"),
        "the reply says what it waits for"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused() {
    let world = TestWorld::start("").await;
    // Another host that would answer with a list of its own.
    let other = pagedesk_emulator::Emulator::start(
        pagedesk_emulator::Scenario::named("demo").unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        false,
    )
    .await
    .unwrap();
    world
        .fault_page_lists(
            0,
            3,
            json!({ "kind": "http", "http_status": 302, "location": format!("{}/v25.0/x/conversations", other.url) }),
        )
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.line_about(world.page(0)).contains("redirect"),
        "{}",
        run.stderr
    );
    assert!(world.conversations(&[]).await.is_empty());
}

#[tokio::test]
async fn tokens_travel_in_a_header_never_in_a_url() {
    let world = TestWorld::start("").await;
    let id = world.buyer_writes(0, "Khách", "alo", "inbox", 60).await;
    world.pagedesk(&["spam-sync", "on"]).await;
    world.sync().await;
    world.pagedesk(&["reply", &id, "Dạ"]).await;
    assert!(world.sends().await > 0);
    for request in world.requests().await {
        assert!(
            request["page_id"].is_string(),
            "the token was sent: {request}"
        );
        assert_eq!(request["token_in_query"], false, "{request}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_taken_back_never_goes_out_and_one_being_sent_cannot_be_taken_back() {
    let world = TestWorld::start_with_timeout("", "10s").await;
    let id = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Chốt đơn nhé", "inbox", 60)
        .await;
    world.sync().await;
    let (typo, slow) = {
        let mut store = world.store();
        (
            store
                .enqueue_reply(&(&id).into(), "Dạ em gửi 35.000đ", Utc::now())
                .unwrap(),
            store
                .enqueue_reply(&(&id).into(), "Dạ em lên đơn ạ", Utc::now())
                .unwrap(),
        )
    };
    // Staff take the typo back before any pagedesk sends it.
    let taken = world.store().take_back_reply(typo, Utc::now()).unwrap();
    assert_eq!(
        taken,
        pagedesk::store::TakeBack::Taken("Dạ em gửi 35.000đ".into())
    );
    // Another pagedesk sends what is left, Facebook slow to answer.
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "delay", "ms": 3000 } }))
        .await;
    let sender = world.spawn(&["sync", "--once"]);
    eventually("the send on its way", Duration::from_secs(10), async || {
        world.sends().await > 0
    })
    .await;
    // While it is on its way, taking it back is too late, and says so.
    let late = world.store().take_back_reply(slow, Utc::now()).unwrap();
    assert_eq!(late, pagedesk::store::TakeBack::TooLate);
    assert!(sender.wait_with_output().await.unwrap().status.success());
    assert_eq!(
        world.page_texts_on_facebook(&id).await,
        ["Dạ em lên đơn ạ"],
        "the typo never reached the buyer; the other went once"
    );
}

/// A send whose answer never came is looked for on Facebook before it is sent again; what is
/// there meanwhile and is not it (the buyer writing the same words, the page writing other
/// words in Facebook's inbox) is not taken for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_looked_for_after_a_lost_answer_is_not_mistaken_for_other_messages() {
    let world = TestWorld::start("").await;
    let id = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Chốt đơn nhé", "inbox", 60)
        .await;
    world.sync().await;
    // A proxy answers 502: Facebook may or may not have it.
    world
        .fault(json!({ "method": "POST", "count": 1,
            "fault": { "kind": "http", "http_status": 502, "body": "<html>Bad Gateway</html>" } }))
        .await;
    let first = world.pagedesk(&["reply", &id, "Dạ em lên đơn ạ"]).await;
    assert_eq!(first.code, 1, "{}", first.stderr);
    // Meanwhile the buyer writes the same words, and a colleague writes in Facebook's inbox.
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Dạ em lên đơn ạ", "inbox", 0)
        .await;
    world
        .control
        .page_message(&id, "Chị chờ em chút nhé", 0)
        .await
        .unwrap();
    let store = world.store();
    let database = store.connection();
    database
        .execute("UPDATE outbox SET next_attempt_at = 0", [])
        .unwrap();
    drop(store);
    world.sync().await;
    assert_eq!(
        world.page_texts_on_facebook(&id).await,
        ["Chị chờ em chút nhé", "Dạ em lên đơn ạ"],
        "the reply went, once"
    );
}

/// A reply whose file is being uploaded is on its way: too late to take back. A failed one
/// can be taken back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_whose_file_is_uploading_cannot_be_taken_back_and_a_failed_one_can() {
    let world = TestWorld::start_with_timeout("", "10s").await;
    let id = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Gửi em ảnh váy", "inbox", 60)
        .await;
    world.sync().await;
    let photo = world.dir.path().join("vay.png");
    std::fs::write(&photo, b"\x89PNG dress").unwrap();
    let file = pagedesk::files::OutgoingFile::check(&photo).unwrap();
    let failed = world
        .store()
        .enqueue_reply(&(&id).into(), &"x".repeat(2001), Utc::now())
        .unwrap();
    // The overlong one fails before any call.
    world.sync().await;
    let taken = world.store().take_back_reply(failed, Utc::now()).unwrap();
    assert!(
        matches!(taken, pagedesk::store::TakeBack::Taken(_)),
        "{taken:?}"
    );
    let uploading = world
        .store()
        .enqueue_reply_with_files(&(&id).into(), "", &[file], Utc::now())
        .unwrap()[0];
    world
        .fault(json!({ "method": "POST", "fault": { "kind": "delay", "ms": 3000 } }))
        .await;
    let sender = world.spawn(&["sync", "--once"]);
    eventually(
        "the upload on its way",
        Duration::from_secs(10),
        async || world.requests().await.iter().any(|r| r["method"] == "POST"),
    )
    .await;
    let late = world
        .store()
        .take_back_reply(uploading, Utc::now())
        .unwrap();
    assert_eq!(late, pagedesk::store::TakeBack::TooLate);
    assert!(sender.wait_with_output().await.unwrap().status.success());
}

/// A reply Facebook took is marked sent with Facebook's id at once, not left for a later sync
/// to find; that sync sends nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_facebook_took_is_marked_sent_at_once() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let run = world.pagedesk(&["reply", &lan, "Dạ em lên đơn ạ"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sent: Vec<Value> = world
        .messages(&lan)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "out")
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["status"], "sent");
    assert!(
        run.stdout.contains(sent[0]["id"].as_str().unwrap()),
        "{}",
        run.stdout
    );
    world.clear_requests().await;
    world.sync().await;
    assert_eq!(world.sends().await, 0);
}

/// `pagedesk` with `args`, its output kept, and its pid: for a test to stop and continue it.
fn to_stop(world: &TestWorld, args: &[&str]) -> (tokio::process::Child, i32) {
    let child = world
        .command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap() as i32;
    (child, pid)
}

/// A pagedesk stopped (Ctrl-Z, a frozen VM) while it holds a reply (uploading its file) keeps
/// its claim only until the claim's time is over: another then sends the reply, and the
/// stopped one, continued, sends nothing again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_held_by_a_stopped_pagedesk_lapses_and_the_reply_goes_once() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let photo = world.dir.path().join("vay.png");
    std::fs::write(&photo, b"\x89PNG dress").unwrap();
    world
        .fault(
            json!({ "method": "POST", "path_contains": "message_attachments", "count": 1,
            "fault": { "kind": "delay", "ms": 2000 } }),
        )
        .await;
    let (stopped, pid) = to_stop(
        &world,
        &["reply", &lan, "--attach", photo.to_str().unwrap()],
    );
    eventually(
        "the upload on its way",
        Duration::from_secs(10),
        async || world.sends().await > 0,
    )
    .await;
    // SAFETY: kill has no memory effects; the child is ours and alive.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    // The claim's two minutes pass.
    let store = world.store();
    let database = store.connection();
    database
        .execute(
            "UPDATE outbox SET claimed_until = 0, next_attempt_at = 0",
            [],
        )
        .unwrap();
    drop(store);
    world.sync().await;
    one_reply_sent(&world.store(), &lan);
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    let continued = common::Run::from(stopped.wait_with_output().await.unwrap());
    let messages_sent = world
        .requests()
        .await
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/messages"))
        .count();
    assert_eq!(messages_sent, 1, "{}", continued.stderr);
    let on_facebook = world.messages_on_facebook(&lan).await;
    assert_eq!(
        on_facebook
            .iter()
            .filter(|m| m["from_page"] == true)
            .count(),
        1,
        "{on_facebook:#?}"
    );
    one_reply_sent(&world.store(), &lan);
}

/// A pagedesk stopped while it looks on Facebook for a reply whose last try may have got
/// there (the attack pass: a frozen VM, SIGSTOP) and continued after its claim ran out: another
/// took the reply over and sent it meanwhile, so the continued one sends nothing. Its claim is
/// checked, by the team's clock, right before its request, not only when it took the reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pagedesk_stopped_while_looking_past_its_claim_sends_nothing_when_continued() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    // The first try: Facebook's answer is an error that may hide a send.
    world
        .fault(
            json!({ "method": "POST", "path_contains": "/messages", "count": 1,
            "fault": { "kind": "error", "code": 2, "http_status": 500, "is_transient": true } }),
        )
        .await;
    let first = world.pagedesk(&["reply", &lan, "Dạ còn size M ạ"]).await;
    assert_eq!(first.code, 1, "{}", first.stdout);
    // The next try looks on Facebook first; that look is held 2 s, and the pagedesk stopped.
    world.clear_requests().await;
    world
        .fault(
            json!({ "method": "GET", "path_contains": format!("{lan}/messages"), "count": 1,
            "fault": { "kind": "delay", "ms": 2000 } }),
        )
        .await;
    let database = world.store();
    let due_now = "UPDATE outbox SET next_attempt_at = 0";
    database.connection().execute(due_now, []).unwrap();
    let (stopped, pid) = to_stop(&world, &["sync", "--once"]);
    eventually(
        "the look on Facebook on its way",
        Duration::from_secs(10),
        async || {
            world.requests().await.iter().any(|r| {
                r["method"] == "GET"
                    && r["path"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("{lan}/messages"))
            })
        },
    )
    .await;
    // SAFETY: kill has no memory effects; the child is ours and alive.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    // Facebook answers the look (not there yet) while it is stopped: the answer waits.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // Its claim's two minutes and its lease pass; another pagedesk sends the reply.
    database
        .connection()
        .execute(
            "UPDATE outbox SET claimed_until = 0, next_attempt_at = 0",
            [],
        )
        .unwrap();
    database
        .connection()
        .execute("DELETE FROM engine_lease", [])
        .unwrap();
    world.sync().await;
    one_reply_sent(&world.store(), &lan);
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    let continued = common::Run::from(stopped.wait_with_output().await.unwrap());
    let on_facebook = world.page_texts_on_facebook(&lan).await;
    assert_eq!(on_facebook, ["Dạ còn size M ạ"], "{}", continued.stderr);
    one_reply_sent(&world.store(), &lan);
}

#[tokio::test]
async fn facebooks_error_text_quoting_the_app_secret_reaches_no_one() {
    let world = TestWorld::start("").await;
    let (_, secret) = world.emulator.app();
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let config = config.replacen(
        "[graph]\n",
        &format!("[graph]\napp_secret = \"{secret}\"\n"),
        1,
    );
    std::fs::write(&world.config_path, config).unwrap();
    let id = world.buyer_writes(0, "Khách", "alo", "inbox", 60).await;
    world.sync().await;
    let hostile = format!("(#100) Invalid parameter for app with secret {secret}");
    world
        .fault(
            json!({ "method": "POST", "path_contains": "/messages", "count": 3,
            "fault": { "kind": "error", "code": 100, "message": hostile } }),
        )
        .await;
    let mut said = String::new();
    for args in [
        vec!["reply", &id, "Dạ"],
        vec!["messages", &id],
        vec!["doctor"],
    ] {
        let run = world.pagedesk(&args).await;
        said.push_str(&run.stdout);
        said.push_str(&run.stderr);
    }
    assert!(
        said.contains("with secret [redacted]"),
        "Facebook's words are shown: {said}"
    );
    assert!(!said.contains(&secret), "the secret was shown: {said}");
    assert!(
        !data_dir_text(&world).contains(&secret),
        "the secret is in the data dir"
    );
}
