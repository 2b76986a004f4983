//! Pictures and files both ways, through the real binary against the emulator: what reached
//! Facebook (uploads, sends, the bytes), and what the database shows.

use crate::common;

use base64::Engine as _;
use common::TestWorld;
use serde_json::{Value, json};

/// A small file that stands for a product photo (the bytes only need to arrive unchanged).
fn photo(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// The page's messages on Facebook: text, or `file:NAME` with the bytes Facebook holds.
async fn page_messages(world: &TestWorld, conversation: &str) -> Vec<(String, Vec<u8>)> {
    world
        .messages_on_facebook(conversation)
        .await
        .iter()
        .filter(|m| m["from_page"] == true)
        .map(|m| match &m["attachment"] {
            Value::Null => (m["text"].as_str().unwrap().to_owned(), Vec::new()),
            a => (
                format!("file:{}", a["name"].as_str().unwrap()),
                base64::engine::general_purpose::STANDARD
                    .decode(a["bytes_base64"].as_str().unwrap_or_default())
                    .unwrap(),
            ),
        })
        .collect()
}

async fn uploads(world: &TestWorld) -> usize {
    world
        .requests()
        .await
        .iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["path"]
                    .as_str()
                    .unwrap()
                    .ends_with("/message_attachments")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_product_photo_goes_after_the_text_and_is_uploaded_once_for_every_buyer() {
    let world = TestWorld::start("").await;
    let lan = world
        .buyer_writes(0, "Lan", "Váy này còn màu đỏ không?", "inbox", 60)
        .await;
    let minh = world
        .buyer_writes(0, "Minh", "Cho xem ảnh thật", "inbox", 50)
        .await;
    world.sync().await;
    let dress = photo(world.dir.path(), "vay-do.jpg", b"\xff\xd8\xffred dress");
    let price = photo(world.dir.path(), "bang-gia.pdf", b"%PDF-1.4 prices");

    let run = world
        .pagedesk(&[
            "reply",
            &lan,
            "Dạ còn ạ, ảnh thật đây",
            "--attach",
            &dress,
            "--attach",
            &price,
        ])
        .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        page_messages(&world, &lan).await,
        vec![
            ("Dạ còn ạ, ảnh thật đây".to_owned(), Vec::new()),
            (
                "file:vay-do.jpg".to_owned(),
                b"\xff\xd8\xffred dress".to_vec()
            ),
            ("file:bang-gia.pdf".to_owned(), b"%PDF-1.4 prices".to_vec()),
        ]
    );
    // Only pictures, and no text, to another buyer: the photo is not uploaded again.
    let run = world.pagedesk(&["reply", &minh, "--attach", &dress]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        page_messages(&world, &minh).await,
        vec![(
            "file:vay-do.jpg".to_owned(),
            b"\xff\xd8\xffred dress".to_vec()
        )]
    );
    assert_eq!(
        uploads(&world).await,
        2,
        "the photo once, the price list once"
    );

    // The database shows each file as its own message, sent; a sync adds no copy.
    world.sync().await;
    let messages = world.messages(&lan).await;
    let files: Vec<&Value> = messages
        .iter()
        .filter(|m| m["attachments"].is_array())
        .collect();
    assert_eq!(files.len(), 2, "{messages:#?}");
    assert_eq!(files[0]["attachments"][0]["name"], "vay-do.jpg");
    assert_eq!(files[0]["status"], "sent");
    assert_eq!(messages.len(), 4, "no file twice: {messages:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn files_facebook_would_refuse_are_named_before_any_call_and_the_rest_goes() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let big = world.dir.path().join("catalogue.pdf");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(26 * 1024 * 1024)
        .unwrap();
    let program = photo(world.dir.path(), "setup.exe", b"MZ");
    let missing = world.dir.path().join("ao-thun.png");
    let dress = photo(world.dir.path(), "vay.png", b"\x89PNG dress");
    world.clear_requests().await;

    let run = world
        .pagedesk(&[
            "reply",
            &lan,
            "Dạ shop gửi ảnh ạ",
            "--attach",
            big.to_str().unwrap(),
            "--attach",
            &program,
            "--attach",
            missing.to_str().unwrap(),
            "--attach",
            &dress,
        ])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("catalogue.pdf is 26.0 MB; Facebook takes files up to 25 MB"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("setup.exe: pagedesk sends pictures"));
    assert!(run.stderr.contains("ao-thun.png: no such file"));
    assert_eq!(
        page_messages(&world, &lan).await,
        vec![
            ("Dạ shop gửi ảnh ạ".to_owned(), Vec::new()),
            ("file:vay.png".to_owned(), b"\x89PNG dress".to_vec()),
        ]
    );
    assert_eq!(uploads(&world).await, 1, "only the picture Facebook takes");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_staff_may_not_read_is_refused_by_name_and_nothing_goes() {
    use std::os::unix::fs::PermissionsExt;
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let invoice = photo(world.dir.path(), "hoa-don.pdf", b"%PDF-1.4 invoice");
    std::fs::set_permissions(&invoice, std::fs::Permissions::from_mode(0o000)).unwrap();
    world.clear_requests().await;
    let mut command = world.command(&["reply", &lan, "--attach", &invoice]);
    // Root reads past a file's mode: this run keeps root's files (the config, the data) as
    // their owner but drops the powers to read others' (CAP_DAC_OVERRIDE 1,
    // CAP_DAC_READ_SEARCH 2), as a shop's own user is.
    unsafe {
        command.pre_exec(|| {
            for capability in [1, 2] {
                libc::prctl(libc::PR_CAPBSET_DROP, capability, 0, 0, 0);
            }
            Ok(())
        });
    }
    let run = common::Run::from(command.output().await.unwrap());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("hoa-don.pdf cannot be read: no permission"),
        "{}",
        run.stderr
    );
    assert_eq!(uploads(&world).await, 0);
    assert_eq!(world.sends().await, 0);
    assert!(
        world
            .messages(&lan)
            .await
            .iter()
            .all(|m| m["direction"] == "in")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pipe_a_link_out_of_its_folder_and_a_fake_photo_are_refused_and_nothing_goes() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let shop = world.dir.path().join("anh san pham");
    std::fs::create_dir(&shop).unwrap();
    let pipe = shop.join("vay-moi.jpg");
    common::fifo(&pipe);
    // Named as a price list, it leads to the config with the pages' tokens.
    let link = shop.join("link-to-config.pdf");
    std::os::unix::fs::symlink(&world.config_path, &link).unwrap();
    let fake = photo(&shop, "ao-thun.jpg", b"app_secret = \"not a photo\"\n");
    world.clear_requests().await;

    for (file, said) in [
        (
            &pipe,
            "vay-moi.jpg is not a file (a folder, a pipe or a device)",
        ),
        (
            &link,
            "link-to-config.pdf is a link to a file outside its folder",
        ),
        (
            &std::path::PathBuf::from(&fake),
            "ao-thun.jpg: its name ends in .jpg but what it holds is not such a file",
        ),
    ] {
        let asked = std::time::Instant::now();
        let run = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            world.pagedesk(&["reply", &lan, "--attach", file.to_str().unwrap()]),
        )
        .await
        .expect("reply --attach returns");
        assert!(asked.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains(said), "{}", run.stderr);
    }
    // Vietnamese staff read why in Vietnamese.
    let vietnamese = world
        .command(&["reply", &lan, "--attach", link.to_str().unwrap()])
        .env("LANG", "vi_VN.UTF-8")
        .output()
        .await
        .unwrap();
    let vietnamese = String::from_utf8_lossy(&vietnamese.stderr).into_owned();
    assert!(
        vietnamese.contains(&format!(
            "Không đính kèm: {}/link-to-config.pdf là lối tắt trỏ ra ngoài thư mục của nó",
            shop.display()
        )),
        "{vietnamese}"
    );
    // Nothing stored, nothing uploaded or sent.
    let messages = world.messages(&lan).await;
    assert!(
        messages.iter().all(|m| m["direction"] == "in"),
        "{messages:#?}"
    );
    assert_eq!(uploads(&world).await, 0);
    assert_eq!(world.sends().await, 0);
    assert!(world.page_texts_on_facebook(&lan).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_waiting_file_survives_a_restart_and_fails_with_the_reason_when_changed() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let dress = photo(world.dir.path(), "vay.jpg", b"\xff\xd8\xffdress v1");
    let shoes = photo(world.dir.path(), "giay.jpg", b"\xff\xd8\xffshoes");
    // Facebook is down for the uploads: the reply waits in the outbox.
    world
        .fault(
            json!({ "method": "POST", "path_contains": "message_attachments", "count": 3,
            "fault": { "kind": "http", "http_status": 503, "body": "down" } }),
        )
        .await;
    let run = world
        .pagedesk(&["reply", &lan, "--attach", &dress, "--attach", &shoes])
        .await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Not sent yet"), "{}", run.stderr);
    world.clear_faults().await;
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains("“📎 vay.jpg”") && doctor.stdout.contains("“📎 giay.jpg”"),
        "doctor names the files waiting:\n{}",
        doctor.stdout
    );

    // Staff overwrite the first photo before Facebook is back; a new process sends.
    std::fs::write(&dress, b"\xff\xd8\xffdress v2").unwrap();
    let run = world.pagedesk(&["sync", "--once"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let messages = world.messages(&lan).await;
    let failed = messages
        .iter()
        .find(|m| m["status"] == "failed")
        .expect("the changed photo failed");
    assert_eq!(failed["attachments"][0]["name"], "vay.jpg");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("vay.jpg changed after it was attached"),
        "{failed:#?}"
    );
    // The one after it still goes, once.
    assert_eq!(
        page_messages(&world, &lan).await,
        vec![("file:giay.jpg".to_owned(), b"\xff\xd8\xffshoes".to_vec())]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_whose_answer_was_lost_is_found_on_facebook_not_sent_twice() {
    let (world, lan) = TestWorld::with_a_buyer("").await;
    let dress = photo(world.dir.path(), "vay.jpg", b"\xff\xd8\xffdress");
    world
        .fault(json!({ "method": "POST", "path_contains": "/messages",
            "fault": { "kind": "answer_lost" } }))
        .await;
    let run = world.pagedesk(&["reply", &lan, "--attach", &dress]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Two processes try again at once (a staff member's sync and the service).
    let (a, b) = tokio::join!(
        world.pagedesk(&["sync", "--once"]),
        world.pagedesk(&["sync", "--once"])
    );
    assert!(a.code == 0 || b.code == 0, "{}\n{}", a.stderr, b.stderr);
    world.sync().await;
    assert_eq!(
        page_messages(&world, &lan).await,
        vec![("file:vay.jpg".to_owned(), b"\xff\xd8\xffdress".to_vec())]
    );
    let messages = world.messages(&lan).await;
    let ours: Vec<&Value> = messages
        .iter()
        .filter(|m| m["direction"] == "out")
        .collect();
    assert_eq!(ours.len(), 1, "{messages:#?}");
    assert_eq!(ours[0]["status"], "sent");
    assert_eq!(ours[0]["attachments"][0]["name"], "vay.jpg");
}

/// A file attached by a path relative to where `reply` ran is found by whoever sends it later:
/// here `sync --once` run from another folder, after Facebook refused the first try.
#[tokio::test]
async fn a_file_attached_by_a_relative_path_is_sent_from_anywhere() {
    let (world, conversation) = TestWorld::with_a_buyer("").await;
    let shop = world.dir.path().join("shop");
    std::fs::create_dir_all(shop.join("anh")).unwrap();
    let png = b"\x89PNG\r\n\x1a\n relative";
    photo(&shop.join("anh"), "vay.png", png);
    world
        .fault(json!({ "method": "POST", "count": 100,
            "fault": { "kind": "http", "http_status": 503, "body": "down" } }))
        .await;
    let run = world
        .command(&["reply", &conversation, "--attach", "anh/vay.png"])
        .current_dir(&shop)
        .output()
        .await
        .unwrap();
    assert_ne!(run.status.code(), Some(0), "Facebook refused it: it waits");
    world.clear_faults().await;
    let elsewhere = world.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let run = world
        .command(&["sync", "--once"])
        .current_dir(&elsewhere)
        .output()
        .await
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let sent = page_messages(&world, &conversation).await;
    assert_eq!(sent, vec![("file:vay.png".to_owned(), png.to_vec())]);
}

/// A file behind a link in a message is read up to Facebook's 25 MB and no further (a CDN, or
/// something posing as one, that sends more is cut off with that said); a file within it comes
/// whole.
#[tokio::test]
async fn a_file_link_is_read_up_to_25_mb_and_no_further() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = server.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = server.accept().await.unwrap();
            tokio::spawn(async move {
                let mut request = vec![0; 4096];
                let read = stream.read(&mut request).await.unwrap_or(0);
                let large = String::from_utf8_lossy(&request[..read]).contains("/large");
                let size: usize = if large { 40 << 20 } else { 1 << 20 };
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n");
                let _ = stream.write_all(head.as_bytes()).await;
                let chunk = vec![7u8; 64 * 1024];
                for _ in 0..size / chunk.len() {
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let graph = pagedesk::graph::GraphClient::new(
        "http://127.0.0.1:9",
        "v25.0",
        std::time::Duration::from_secs(30),
    )
    .unwrap();
    let small = graph
        .file(&format!("http://{address}/small.pdf"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(small.len(), 1 << 20);
    let refused = graph
        .file(&format!("http://{address}/large.pdf"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("larger than Facebook's 25 MB"),
        "{refused}"
    );
}
