//! The commands at their edges: a reader that goes away, the staff's language, a data dir that
//! cannot be written.

use crate::common;

use std::process::Stdio;

use common::TestWorld;
use serde_json::{Value, json};

#[tokio::test]
async fn a_reader_that_stops_early_ends_the_listing_quietly() {
    let world = TestWorld::start("").await;
    for n in 0..30 {
        world
            .buyer_writes(
                0,
                &format!("Khách {n}"),
                "Còn hàng không shop?",
                "inbox",
                60 + n,
            )
            .await;
    }
    world.sync().await;
    for args in [
        &["conversations"][..],
        &["conversations", "--json"],
        &["doctor"],
    ] {
        let mut child = world
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -0`: the reader is gone before the first line.
        drop(child.stdout.take());
        let output = child.wait_with_output().await.unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn a_log_that_cannot_be_written_is_said_once_and_the_command_goes_on() {
    let world = TestWorld::start("").await;
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Còn hàng không shop?", "inbox", 60)
        .await;
    world.sync().await;
    // Something else took the log's name.
    std::fs::remove_file(world.data_dir.join("pagedesk.log")).unwrap();
    std::fs::create_dir(world.data_dir.join("pagedesk.log")).unwrap();
    let run = world.pagedesk(&["conversations"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Nguyễn Thị Lan"), "{}", run.stdout);
    assert_eq!(
        run.stderr.matches("cannot write the log").count(),
        1,
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_blank_reply_is_refused_and_nothing_is_stored_or_sent() {
    let world = TestWorld::start("").await;
    let conversation = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Còn hàng không shop?", "inbox", 60)
        .await;
    world.sync().await;
    let before = world.messages(&conversation).await.len();
    for blank in ["", "   ", "\n\t ", "\u{200b}\u{200e}"] {
        let run = world.pagedesk(&["reply", &conversation, blank]).await;
        assert_ne!(run.code, 0, "{blank:?}");
        assert!(
            run.stderr
                .contains("the reply is empty: nothing was stored or sent"),
            "{blank:?}: {}",
            run.stderr
        );
    }
    assert_eq!(world.messages(&conversation).await.len(), before);
    let requests = Value::Array(world.requests().await);
    assert!(
        !requests
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["method"] == "POST"),
        "nothing went to Facebook"
    );
}

#[tokio::test]
async fn doctor_lists_the_replies_not_sent_and_why() {
    let world = TestWorld::start("").await;
    let conversation = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Còn hàng không shop?", "inbox", 60)
        .await;
    world.sync().await;
    {
        let mut store = world.store();
        store
            .enqueue_reply(
                &(&conversation).into(),
                "Dạ còn size M ạ",
                chrono::Utc::now(),
            )
            .unwrap();
        let failed = store
            .enqueue_reply(&(&conversation).into(), "Dạ hết rồi ạ", chrono::Utc::now())
            .unwrap();
        store
            .mark_reply_failed(
                failed,
                "this person isn't available right now",
                pagedesk::model::ReplyProblem::Unavailable,
                true,
            )
            .unwrap();
    }
    let run = world.pagedesk(&["doctor"]).await;
    assert!(run.stdout.contains("replies waiting 1"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("to Nguyễn Thị Lan: “Dạ còn size M ạ” — not tried yet"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("replies failed  1"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("“Dạ hết rồi ạ” — this person isn't available right now"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn the_commands_speak_the_configured_language() {
    let world = TestWorld::start("").await;
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    std::fs::write(&world.config_path, format!("language = \"vi\"\n{config}")).unwrap();
    let conversation = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Còn hàng không shop?", "inbox", 60)
        .await;
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert!(
        run.stdout.contains(": đã đồng bộ, 1 tin mới"),
        "{}",
        run.stdout
    );
    let run = world.pagedesk(&["conversations"]).await;
    assert!(
        run.stdout.contains("KHÁCH") && run.stdout.contains("TIN CUỐI"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 mới"), "{}", run.stdout);
    let run = world.pagedesk(&["reply", &conversation, "Dạ còn ạ"]).await;
    assert!(
        run.stdout.starts_with("Đã gửi ("),
        "{}{}",
        run.stdout,
        run.stderr
    );
    let run = world
        .pagedesk(&["spam-sync", "on", "--page", world.page(0)])
        .await;
    assert!(
        run.stdout.contains("Đã bật đồng bộ Spam cho"),
        "{}",
        run.stdout
    );
    let run = world.pagedesk(&["doctor"]).await;
    assert!(
        run.stdout.contains("đồng bộ Spam    bật") && run.stdout.contains("đồng bộ gần nhất"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  mục Hộp thư     đọc được")
            && run.stdout.contains("  mã truy cập     dùng được")
            && run.stdout.contains("  tin về ngay     chưa nhận"),
        "{}",
        run.stdout
    );
    // Facebook's refusal: a Vietnamese sentence first, its own words once after it.
    world
        .fault(json!({ "method": "GET", "count": 1,
            "fault": { "kind": "error", "code": 190, "error_subcode": 463 } }))
        .await;
    let run = world.pagedesk(&["doctor"]).await;
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("  mã truy cập"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        line.contains("LỖI: Facebook không nhận mã truy cập (hết hạn hoặc bị thu hồi), chi tiết: ")
            && line.matches("expired").count() == 1,
        "{}",
        run.stdout
    );
}

/// A reply waiting for a page then taken out of the config fails with that reason at the next
/// cycle (not "trying again at" a time long past), and `doctor` names the page and what to do.
#[tokio::test]
async fn a_reply_for_a_page_taken_out_of_the_config_says_so() {
    let world = TestWorld::start("").await;
    let minh = world
        .buyer_writes(1, "Trần Văn Minh", "Ship Đà Nẵng bao lâu?", "inbox", 60)
        .await;
    world.sync().await;
    // Facebook down when it was written: it waits for a retry.
    world
        .fault(json!({ "method": "POST", "count": 100,
            "fault": { "kind": "http", "http_status": 503, "body": "down" } }))
        .await;
    let run = world.pagedesk(&["reply", &minh, "Dạ 2 ngày ạ"]).await;
    assert_ne!(run.code, 0);
    world.clear_faults().await;
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let page_1 = format!(
        "\n[[pages]]\nid = \"{}\"\naccess_token = \"{}\"\n",
        world.page(1),
        world.pages[1].2
    );
    assert!(config.contains(&page_1));
    std::fs::write(&world.config_path, config.replace(&page_1, "")).unwrap();
    world.sync().await;
    let reply = world
        .messages(&minh)
        .await
        .into_iter()
        .find(|m| m["text"] == "Dạ 2 ngày ạ")
        .unwrap();
    assert_eq!(reply["status"], "failed", "{reply:#}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("not in the config"),
        "{reply:#}"
    );
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor
            .stdout
            .contains("the page is no longer in the config; replies that cannot be sent: 1"),
        "{}",
        doctor.stdout
    );
    assert_eq!(world.sends().await, 1, "only the attempt before");
}

/// The per-page commands say when the config has no pages, and echo no terminal control from
/// what was typed.
#[tokio::test]
async fn page_commands_name_a_missing_page_plainly_and_an_empty_config() {
    let world = TestWorld::start("").await;
    let run = world
        .pagedesk(&["human-agent-approved", "--page", "\u{1b}]0;X\u{7}1"])
        .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("is not in the config"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'));
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let graph_only = config.split("[[pages]]").next().unwrap().to_owned();
    std::fs::write(&world.config_path, graph_only).unwrap();
    for command in [&["human-agent-approved"][..], &["spam-sync", "on"][..]] {
        let run = world.pagedesk(command).await;
        assert_ne!(run.code, 0, "{command:?}");
        assert!(
            run.stderr.contains("No pages in the config"),
            "{}",
            run.stderr
        );
    }
}

/// A config that is there but cannot be read stops the lists as it stops `sync`: it may name
/// the team's database, and the data directory's own would show an empty or old shop instead.
/// Without a config at all the lists still work, on the data directory's database.
#[tokio::test]
async fn a_broken_config_stops_the_lists_rather_than_showing_another_database() {
    let world = TestWorld::start("").await;
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    std::fs::write(
        &world.config_path,
        format!("[store]\nurl = \"postgres://shop@db.example/shop\"\n{config}\n[store]\n"),
    )
    .unwrap();
    let run = world.pagedesk(&["conversations"]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains(&world.config_path.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(!world.data_dir.join("pagedesk.db").exists());
    std::fs::remove_file(&world.config_path).unwrap();
    let run = world.pagedesk(&["conversations"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
}
