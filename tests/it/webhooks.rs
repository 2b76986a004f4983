//! `pagedesk serve` against the emulator delivering Messenger webhooks as Facebook does: the
//! handshake, what is refused, buyers' messages and echoes stored at once, the spam rule, and
//! polling as the safety net.

use crate::common;

use std::time::{Duration, Instant};

use common::{Service, TestWorld, find};
use hmac::Mac;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const VERIFY_TOKEN: &str = "vai-hoa-2026";

/// A world whose config has the app secret, a verify token and `webhook` settings, `pagedesk
/// serve` running on a free port, and the emulator subscribed to it. Returns the endpoint.
async fn serving(sync: &str, webhook: &str) -> (TestWorld, Service, String) {
    let world = world_for_webhooks(sync, webhook).await;
    let (service, endpoint) = serve(&world).await;
    (world, service, endpoint)
}

/// As [`serving`], with the Spam folder of page 0 synced.
async fn serving_with_spam_sync(sync: &str, webhook: &str) -> (TestWorld, Service) {
    let world = world_for_webhooks(sync, webhook).await;
    let page = world.page(0).to_owned();
    let on = world.pagedesk(&["spam-sync", "on", "--page", &page]).await;
    assert_eq!(on.code, 0, "{}", on.stderr);
    let (service, _) = serve(&world).await;
    (world, service)
}

/// A world whose config has the app secret, a verify token and `webhook` settings.
async fn world_for_webhooks(sync: &str, webhook: &str) -> TestWorld {
    let world = TestWorld::start(sync).await;
    let (_, secret) = world.emulator.app();
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let config = config.replacen(
        "[graph]\n",
        &format!("[graph]\napp_secret = \"{secret}\"\n"),
        1,
    );
    std::fs::write(
        &world.config_path,
        format!("{config}\n[webhook]\nverify_token = \"{VERIFY_TOKEN}\"\n{webhook}\n"),
    )
    .unwrap();
    world
}

/// `pagedesk serve` on a free port, the emulator subscribed to it once its first cycle is done.
async fn serve(world: &TestWorld) -> (Service, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let service = Service::run(world, &["serve", "--listen", &listen]);
    wait_until("serve listening", || {
        service.said("Receiving Messenger webhooks")
    })
    .await;
    // Its first cycle done (each page's inbox read, then its Done folder's), so that what
    // follows is the webhooks' doing.
    wait_until("the engine", || service.leads()).await;
    let start = Instant::now();
    while world.list_calls(0, "page_done").await == 0 || world.list_calls(1, "page_done").await == 0
    {
        assert!(start.elapsed() < Duration::from_secs(20), "no first cycle");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let endpoint = format!("http://{listen}/webhook");
    world.control.subscribe_webhooks(&endpoint).await.unwrap();
    (service, endpoint)
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for `done` on what `pagedesk conversations --json` lists; fails after 20 s.
async fn wait_for_listing(world: &TestWorld, what: &str, done: impl Fn(&[Value]) -> bool) {
    let start = Instant::now();
    loop {
        let listed = world.conversations(&[]).await;
        if done(&listed) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {what}: {listed:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `pagedesk doctor` until its output says `text`; fails after 20 s.
async fn wait_for_doctor(world: &TestWorld, text: &str) -> common::Run {
    let start = Instant::now();
    loop {
        let doctor = world.pagedesk(&["doctor"]).await;
        if doctor.stdout.contains(text) {
            return doctor;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{}",
            doctor.stdout
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What the endpoint answers to `head`, with `body` written meanwhile (the answer may come
/// before all of it is taken: writing stops quietly then). Fails after 10 s without one.
async fn raw_request(address: &str, head: Vec<u8>, body: Vec<u8>) -> String {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut reading, mut writing) = stream.into_split();
    writing.write_all(&head).await.unwrap();
    let writer = tokio::spawn(async move {
        let _ = writing.write_all(&body).await;
        // Kept open: a half-sent request stays half-sent.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let mut answer = vec![0; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), reading.read(&mut answer))
        .await
        .expect("answered, not kept waiting")
        .unwrap();
    writer.abort();
    String::from_utf8_lossy(&answer[..read]).into_owned()
}

fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// `body` signed with the app secret and posted as Facebook does; the endpoint's answer.
async fn post_signed(world: &TestWorld, endpoint: &str, body: Vec<u8>) -> reqwest::StatusCode {
    let (_, secret) = world.emulator.app();
    reqwest::Client::new()
        .post(endpoint)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature(&secret, &body))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

/// A buyer's message event as Facebook sends it.
fn event(page: &str, person: &str) -> Vec<u8> {
    json!({ "object": "page", "entry": [{ "id": page, "time": 1, "messaging": [{
        "sender": { "id": person }, "recipient": { "id": page }, "timestamp": 1,
        "message": { "mid": "m_forged", "text": "alo" } }] }] })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_answers_facebook_only_and_keeps_going_after_bad_requests() {
    let (world, service, endpoint) = serving("interval = \"1h\"", "request_timeout = \"1s\"").await;
    let http = reqwest::Client::new();
    let handshake = |token: &str| {
        http.get(&endpoint)
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let answer = handshake(VERIFY_TOKEN).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "1158201444");
    assert_eq!(handshake("doan-mo").await.unwrap().status(), 403);
    assert_eq!(http.get(&endpoint).send().await.unwrap().status(), 403);

    // A buyer Facebook knows, so that a trusted event would cost a call.
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi", "inbox", 60)
        .await;
    wait_for_listing(&world, "Lan", |listed| !listed.is_empty()).await;
    let lan = world.conversations(&[]).await;
    let lan_id = lan[0]["customer_id"].as_str().unwrap().to_owned();
    world.clear_requests().await;
    let (_, secret) = world.emulator.app();
    let body = event(world.page(0), &lan_id);
    let post = |body: Vec<u8>, signature: Option<String>| {
        let request = http
            .post(&endpoint)
            .header("content-type", "application/json")
            .body(body);
        match signature {
            Some(signature) => request.header("x-hub-signature-256", signature),
            None => request,
        }
        .send()
    };
    // Unsigned, signed with another secret, signed for another body: refused, nothing read.
    assert_eq!(post(body.clone(), None).await.unwrap().status(), 403);
    let wrong = signature("not-the-app-secret", &body);
    assert_eq!(post(body.clone(), Some(wrong)).await.unwrap().status(), 403);
    let other = signature(&secret, b"{}");
    assert_eq!(post(body.clone(), Some(other)).await.unwrap().status(), 403);
    // Over 1 MB, said in its length or not: 413, answered before the rest is read.
    let address = endpoint
        .trim_start_matches("http://")
        .trim_end_matches("/webhook")
        .to_owned();
    let head = "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    let declared = format!("{head}Content-Length: 2097152\r\n\r\n");
    let answer = raw_request(&address, declared.into_bytes(), Vec::new()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let chunked = format!("{head}Transfer-Encoding: chunked\r\n\r\n");
    // Chunks whose sizes add up past 1 MB without ever making it exactly.
    let chunks_of = |sizes: &[usize]| {
        let mut chunks = Vec::new();
        for &size in sizes {
            chunks.extend_from_slice(format!("{size:x}\r\n").as_bytes());
            chunks.extend(std::iter::repeat_n(b' ', size));
            chunks.extend_from_slice(b"\r\n");
        }
        chunks.extend_from_slice(b"0\r\n\r\n");
        chunks
    };
    let answer = raw_request(
        &address,
        chunked.clone().into_bytes(),
        chunks_of(&[100_000; 25]),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Exactly 1 MB is read (and, unsigned, refused for that), said in its length or not.
    let exactly = format!("{head}Content-Length: 1048576\r\n\r\n");
    let answer = raw_request(&address, exactly.into_bytes(), vec![b' '; 1_048_576]).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let answer = raw_request(&address, chunked.into_bytes(), chunks_of(&[65_536; 16])).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    // Garbage, signed: 400.
    let garbage = b"{\"object\": \"page\", \"entry\": [".to_vec();
    let garbage_signed = signature(&secret, &garbage);
    assert_eq!(
        post(garbage, Some(garbage_signed)).await.unwrap().status(),
        400
    );
    // Half a body, then nothing: refused when the body timeout passes.
    let half = format!("{head}Content-Length: 500\r\n\r\n{{\"object\":");
    let answer = raw_request(&address, half.into_bytes(), Vec::new()).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // Half the headers, then nothing: the connection is closed.
    let answer = raw_request(&address, head.as_bytes().to_vec(), Vec::new()).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        world.person_reads().await.is_empty(),
        "nothing untrusted costs a call"
    );
    // Still receiving: the buyer's next message comes by webhook.
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Còn size M không ạ?", "inbox", 0)
        .await;
    wait_for_listing(&world, "Lan's new message", |listed| {
        listed
            .first()
            .is_some_and(|c| c["snippet"].as_str().unwrap_or_default().contains("size M"))
    })
    .await;
    assert!(!service.said("panicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyers_messages_and_echoes_come_by_webhook_with_the_next_poll_an_hour_away() {
    let (world, service, _) = serving("interval = \"1h\"", "").await;
    // What the service says of news: a line per change, never one of nothing.
    let news_lines = || {
        let output = service.output.lock().unwrap();
        assert!(!output.contains(": 0 new messages"), "{output}");
        output.matches(" new message").count()
    };
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy hoa còn không shop?", "inbox", 0)
        .await;
    wait_for_listing(&world, "Lan's conversation", |listed| {
        find(listed, &lan).is_some()
    })
    .await;
    // Read as one person's conversation from the inbox folder, and said.
    wait_until("the news said", || news_lines() > 0).await;
    let said_before_the_burst = news_lines();
    let reads = world.person_reads().await;
    assert!(!reads.is_empty());
    assert!(reads.iter().all(|r| {
        r["query"]
            .as_array()
            .unwrap()
            .iter()
            .any(|pair| pair[0] == "folder" && pair[1] == "inbox")
    }));
    // Staff answer in Facebook's own Page inbox: the echo brings the reply.
    world
        .control
        .page_message(&lan, "Dạ còn ạ, chị lấy size nào?", 0)
        .await
        .unwrap();
    let start = Instant::now();
    loop {
        let messages = world.messages(&lan).await;
        if messages
            .iter()
            .any(|m| m["direction"] == "out" && m["text"] == "Dạ còn ạ, chị lấy size nào?")
        {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{messages:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A burst from one buyer: every message stored, at most one read per event.
    world.clear_requests().await;
    let deliveries_before = world
        .control
        .webhook_deliveries()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    for n in 1..=5 {
        world
            .buyer_writes(0, "Nguyễn Thị Lan", &format!("ảnh {n}"), "inbox", 0)
            .await;
    }
    let start = Instant::now();
    loop {
        let texts: Vec<Value> = world
            .messages(&lan)
            .await
            .into_iter()
            .map(|m| m["text"].clone())
            .collect();
        if (1..=5).all(|n| texts.contains(&json!(format!("ảnh {n}")))) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{texts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deliveries = world.control.webhook_deliveries().await.unwrap();
    let deliveries = &deliveries.as_array().unwrap()[deliveries_before..];
    assert!(
        deliveries.iter().all(|d| d["status"] == 200),
        "{deliveries:?}"
    );
    // A known buyer's words come in the events themselves: nothing to read back; said.
    wait_until("the burst said", || news_lines() > said_before_the_burst).await;
    let reads = world.person_reads().await.len();
    assert_eq!(
        reads,
        0,
        "{reads} reads for {} deliveries",
        deliveries.len()
    );
    assert_eq!(
        world.list_calls(0, "inbox").await - reads,
        0,
        "no poll of the inbox folder meanwhile"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_never_shows_a_conversation_facebook_keeps_in_spam() {
    let (world, service) = serving_with_spam_sync("interval = \"1h\"", "").await;
    let hoa = world
        .buyer_writes(0, "Phạm Thị Hoa", "Shop còn đầm công sở không?", "spam", 0)
        .await;
    // Delivered and answered, read from the inbox folder where it is not: not shown.
    let start = Instant::now();
    while world.person_reads().await.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no read for the event"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(find(&world.conversations(&[]).await, &hoa).is_none());
    // Nothing stored, nothing said.
    assert!(
        !service.said(" new message"),
        "{}",
        service.output.lock().unwrap()
    );
    // Staff answer her in Facebook's own inbox: the spam mark goes, the echo shows her.
    world
        .control
        .page_message(&hoa, "Dạ còn ạ", 0)
        .await
        .unwrap();
    wait_for_listing(&world, "Hoa, out of Spam", |listed| {
        find(listed, &hoa).is_some_and(|c| c["folder"] == "inbox")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_webhooks_arrive_the_inbox_is_polled_slowly_and_other_pages_and_spam_as_before() {
    let (world, _service) =
        serving_with_spam_sync("interval = \"1s\"", "poll_interval = \"1h\"").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "alo shop", "inbox", 0)
        .await;
    wait_for_listing(&world, "Lan", |listed| find(listed, &lan).is_some()).await;
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        doctor.stdout.contains("webhooks        live: last event"),
        "{}",
        doctor.stdout
    );
    world.clear_requests().await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        world.list_calls(0, "inbox").await,
        0,
        "page 0's inbox waits an hour"
    );
    assert!(
        world.list_calls(0, "spam").await >= 2,
        "Spam is polled every cycle"
    );
    assert!(
        world.list_calls(1, "inbox").await >= 2,
        "a page without events as before"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_webhooks_stop_a_poll_finds_what_they_missed_and_polling_takes_over() {
    let (world, service, endpoint) = serving("interval = \"1s\"", "poll_interval = \"2s\"").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "alo shop", "inbox", 60)
        .await;
    wait_for_listing(&world, "Lan", |listed| find(listed, &lan).is_some()).await;
    // Facebook stops delivering; a buyer's message comes all the same, and the next poll of
    // the inbox finds it half a minute after it was written.
    world.control.unsubscribe_webhooks().await.unwrap();
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Ship Đà Nẵng bao lâu?", "inbox", 30)
        .await;
    wait_for_listing(&world, "Minh, by a poll", |listed| {
        find(listed, &minh).is_some()
    })
    .await;
    let doctor = wait_for_doctor(&world, "webhooks        not arriving since").await;
    assert_eq!(doctor.code, 1, "doctor says something is wrong");
    // Polled every cycle now (a cycle every second or two).
    world.clear_requests().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(world.list_calls(0, "inbox").await >= 2);
    // Events again: live again.
    world.control.subscribe_webhooks(&endpoint).await.unwrap();
    world
        .buyer_writes(0, "Trần Văn Minh", "Cảm ơn shop", "inbox", 0)
        .await;
    wait_for_doctor(&world, "webhooks        live").await;
    assert!(service.said("Receiving Messenger webhooks"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_the_app_secret_or_a_verify_token_says_which_and_does_not_start() {
    let world = TestWorld::start("interval = \"1h\"").await;
    let run = world.pagedesk(&["serve", "--listen", "127.0.0.1:0"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("[graph] app_secret"), "{}", run.stderr);
    let (_, secret) = world.emulator.app();
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let config = config.replacen(
        "[graph]\n",
        &format!("[graph]\napp_secret = \"{secret}\"\n"),
        1,
    );
    std::fs::write(&world.config_path, config).unwrap();
    let run = world.pagedesk(&["serve", "--listen", "127.0.0.1:0"]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("[webhook] verify_token"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&secret) && !run.stdout.contains(&secret));
}

/// A second `serve` on the port the first listens on says which pagedesk has it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_a_port_in_use_names_the_pagedesk_holding_it() {
    let (world, service, endpoint) = serving("interval = \"1h\"", "").await;
    let listen = endpoint
        .trim_start_matches("http://")
        .trim_end_matches("/webhook")
        .to_owned();
    let second = world.pagedesk(&["serve", "--listen", &listen]).await;
    assert_ne!(second.code, 0);
    assert!(
        second.stderr.contains(&format!(
            "cannot listen for webhooks on {listen}, the port is in use: pagedesk (pid {}",
            service.child.id().unwrap()
        )) && second.stderr.contains("serve --listen"),
        "{}",
        second.stderr
    );
    // Something else on a port: named by its pid.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = other.local_addr().unwrap().to_string();
    let third = world.pagedesk(&["serve", "--listen", &taken]).await;
    assert!(
        third
            .stderr
            .contains(&format!("the port is in use: pid {} (", std::process::id())),
        "{}",
        third.stderr
    );
}

/// `serve` stops on Ctrl-C and on SIGTERM (systemd, `docker stop`) within seconds with exit 0,
/// giving the engine lease up, also after reading its config again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_on_ctrl_c_and_on_sigterm() {
    let world = world_for_webhooks("interval = \"1s\"", "").await;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let (service, _) = serve(&world).await;
        let config = std::fs::read_to_string(&world.config_path).unwrap();
        std::fs::write(&world.config_path, format!("{config}\n")).unwrap();
        wait_until("the config read again", || {
            service.said("config was read again")
        })
        .await;
        service.stops_cleanly(&world, signal).await;
    }
}

/// Waits until the conversation holds every one of `texts`, each with its words.
async fn wait_for_texts(world: &TestWorld, conversation: &str, texts: &[String], within: Duration) {
    let start = Instant::now();
    loop {
        // Not stored yet: no messages.
        let run = world.pagedesk(&["messages", conversation, "--json"]).await;
        let messages = match run.code {
            0 => run.json().as_array().unwrap().clone(),
            _ => Vec::new(),
        };
        let stored: Vec<&str> = messages
            .iter()
            .filter(|m| m["unavailable"] != true)
            .filter_map(|m| m["text"].as_str())
            .collect();
        let missing: Vec<&String> = texts
            .iter()
            .filter(|t| !stored.contains(&t.as_str()))
            .collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < within,
            "{} of {} missing after {within:?}, e.g. {:?}",
            missing.len(),
            texts.len(),
            missing.first()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Nguyễn Thị Lan writes "Shop ơi" and her conversation is stored: a buyer pagedesk knows.
async fn lan_is_known(world: &TestWorld) -> String {
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi", "inbox", 0)
        .await;
    wait_for_texts(
        world,
        &lan,
        &["Shop ơi".to_owned()],
        Duration::from_secs(20),
    )
    .await;
    lan
}

/// The words of a conversation's messages, in the order the chat shows them.
async fn texts_in_order(world: &TestWorld, conversation: &str) -> Vec<String> {
    world
        .messages(conversation)
        .await
        .iter()
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

/// Every delivery so far answered 200, and how many events they carried.
async fn acknowledged(world: &TestWorld) -> u64 {
    let deliveries = world.control.webhook_deliveries().await.unwrap();
    let deliveries = deliveries.as_array().unwrap();
    assert!(
        deliveries.iter().all(|d| d["status"] == 200),
        "{deliveries:?}"
    );
    deliveries
        .iter()
        .map(|d| d["events"].as_u64().unwrap())
        .sum()
}

/// A buyer writing 60 messages while Facebook answers slowly keeps every one, with its words:
/// each comes in its event, not from a read of the 20 newest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_messages_by_webhook_with_a_slow_facebook_are_all_kept_with_their_words() {
    let (world, _service, _) = serving("interval = \"1h\"", "poll_interval = \"1h\"").await;
    let lan = lan_is_known(&world).await;
    world
        .fault(json!({ "method": "GET", "count": 10000, "fault": { "kind": "delay", "ms": 400 } }))
        .await;
    let texts: Vec<String> = (1..=60).map(|n| format!("mẫu {n}: size M")).collect();
    for text in &texts {
        world
            .buyer_writes(0, "Nguyễn Thị Lan", text, "inbox", 0)
            .await;
    }
    wait_for_texts(&world, &lan, &texts, Duration::from_secs(30)).await;
    // Written within a second or two, shown as written.
    assert_eq!(texts_in_order(&world, &lan).await[1..], texts[..]);
}

/// Events answered 200 survive a SIGKILL of `serve` that comes before any of them could be
/// read from Facebook: after the restart a known buyer's messages are there at once (Facebook
/// still failing), and a new buyer's every message, words and all, once Facebook answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_acknowledged_before_a_kill_are_kept_and_taken_at_the_restart() {
    let (world, mut service, _) = serving("interval = \"1h\"", "poll_interval = \"1h\"").await;
    let lan = lan_is_known(&world).await;
    let before = acknowledged(&world).await;
    // Facebook fails every read: nothing an event names can be read back.
    let failing = json!({ "method": "GET", "count": 100000,
        "fault": { "kind": "error", "code": 2, "http_status": 500, "message": "Service temporarily unavailable" } });
    world.fault(failing.clone()).await;
    let lans: Vec<String> = (1..=50).map(|n| format!("Lan hỏi {n}")).collect();
    let minhs: Vec<String> = (1..=50).map(|n| format!("Minh đặt {n}")).collect();
    let mut minh = String::new();
    for (l, m) in lans.iter().zip(&minhs) {
        world.buyer_writes(0, "Nguyễn Thị Lan", l, "inbox", 0).await;
        minh = world.buyer_writes(0, "Trần Văn Minh", m, "inbox", 0).await;
    }
    let start = Instant::now();
    while acknowledged(&world).await < before + 100 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not all acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service.child.kill().await.unwrap();
    let _ = service.child.wait().await;

    let (_again, _) = serve(&world).await;
    wait_for_texts(&world, &lan, &lans, Duration::from_secs(5)).await;
    drop(_again);
    world.clear_faults().await;
    let (_third, _) = serve(&world).await;
    wait_for_texts(&world, &minh, &minhs, Duration::from_secs(20)).await;
    assert_eq!(
        texts_in_order(&world, &minh).await,
        minhs,
        "in the order written"
    );
}

/// One body, several entries: what pagedesk has no use for (a `policy_enforcement` item
/// without `sender`, a read, an unknown item, a page not configured) is skipped item by item,
/// the buyer's message beside it kept, a `standby` message (a chatbot holds the thread) too,
/// and Facebook answered 200; only a body that is not JSON gets 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_pagedesk_cannot_use_does_not_cost_the_others() {
    let (world, _service, endpoint) = serving("interval = \"1h\"", "poll_interval = \"1h\"").await;
    let lan = lan_is_known(&world).await;
    let person = world.conversations(&[]).await[0]["customer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = world.page(0).to_owned();
    let now = chrono::Utc::now().timestamp_millis();
    let body = json!({ "object": "page", "entry": [
        { "id": page, "time": now, "messaging": [
            { "recipient": { "id": page }, "timestamp": now,
              "policy_enforcement": { "action": "block", "reason": "spam" } },
            { "sender": { "id": person }, "recipient": { "id": page }, "timestamp": now,
              "read": { "watermark": now } },
            { "sender": { "id": person }, "recipient": { "id": page }, "timestamp": now,
              "something_new": { "x": 1 } },
        ] },
        { "id": "999000111", "time": now, "messaging": [
            { "sender": { "id": "1" }, "recipient": { "id": "999000111" }, "timestamp": now,
              "message": { "mid": "m_other_page", "text": "không phải trang này" } } ] },
        { "id": page, "time": now, "messaging": [
            { "sender": { "id": person }, "recipient": { "id": page }, "timestamp": now,
              "message": { "mid": "m_kept_beside", "text": "Còn size L không shop?" } } ],
          "standby": [
            { "sender": { "id": person }, "recipient": { "id": page }, "timestamp": now + 1,
              "message": { "mid": "m_standby", "text": "Em muốn đổi màu" } } ] },
        { "id": page, "time": now, "messaging": [
            { "sender": { "id": person }, "recipient": { "id": page },
              "timestamp": 4_102_444_800_000_i64,
              "message": { "mid": "m_from_2100", "text": "Đồng hồ máy em sai" } } ] },
    ] })
    .to_string()
    .into_bytes();
    let post = |body: Vec<u8>| post_signed(&world, &endpoint, body);
    assert_eq!(post(body).await, 200);
    wait_for_texts(
        &world,
        &lan,
        &[
            "Còn size L không shop?".to_owned(),
            "Em muốn đổi màu".to_owned(),
            "Đồng hồ máy em sai".to_owned(),
        ],
        Duration::from_secs(10),
    )
    .await;
    // A time in the future is taken as the time it came.
    let future = world
        .messages(&lan)
        .await
        .into_iter()
        .find(|m| m["id"] == "m_from_2100")
        .unwrap();
    let written: chrono::DateTime<chrono::Utc> =
        future["created_time"].as_str().unwrap().parse().unwrap();
    assert!(written <= chrono::Utc::now(), "{future:#}");
    let other = json!({ "object": "instagram", "entry": [] })
        .to_string()
        .into_bytes();
    assert_eq!(post(other).await, 200);
    assert_eq!(post(b"not json".to_vec()).await, 400);
    let store = world.store();
    assert!(!store.has_message(&"m_other_page".into()).unwrap());
    assert_eq!(
        store.queued_people().unwrap(),
        Vec::<(pagedesk::model::PageId, pagedesk::model::Psid)>::new()
    );
}

/// A body naming hundreds of people pagedesk does not know costs a bounded number of Graph
/// reads at once (not one connection and file per person together), and each is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_naming_many_unknown_people_reads_them_a_few_at_a_time() {
    let (world, _service, endpoint) = serving("interval = \"1h\"", "poll_interval = \"1h\"").await;
    world.clear_requests().await;
    world
        .fault(
            json!({ "method": "GET", "path_contains": "/conversations", "count": 10000,
            "fault": { "kind": "delay", "ms": 1000 } }),
        )
        .await;
    let page = world.page(0).to_owned();
    let now = chrono::Utc::now().timestamp_millis();
    let items: Vec<Value> = (0..300)
        .map(|n| {
            json!({ "sender": { "id": format!("9{n:08}") }, "recipient": { "id": page },
                "timestamp": now, "message": { "mid": format!("m_many_{n}"), "text": "alo" } })
        })
        .collect();
    let body =
        json!({ "object": "page", "entry": [{ "id": page, "time": now, "messaging": items }] })
            .to_string()
            .into_bytes();
    assert_eq!(post_signed(&world, &endpoint, body).await, 200);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let started = world.person_reads().await.len();
    assert!((1..=8).contains(&started), "{started} reads at once");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let later = world.person_reads().await.len();
    assert!(
        later > started && later <= 3 * 8,
        "{later} reads after 3 rounds"
    );
}

/// A file or a sticker an event brings shows at once from the event (its kind and link, even
/// while Facebook cannot be read), then takes Facebook's own copy when it is read: a photo its
/// name and type, a sticker as a sticker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_from_events_are_completed_from_facebooks_copy() {
    let (world, _service, endpoint) = serving("interval = \"1h\"", "poll_interval = \"1h\"").await;
    let lan = lan_is_known(&world).await;
    // Facebook cannot be read (an error not tried again): the photo shows from its event, a
    // picture with its link.
    world
        .fault(json!({ "method": "GET", "count": 100000,
            "fault": { "kind": "error", "code": 100, "http_status": 400, "message": "(#100) Invalid parameter" } }))
        .await;
    let photo =
        std::fs::read("crates/pagedesk-emulator/assets/product-photos/vay-hoa-do.png").unwrap();
    world
        .buyer_sends_file(0, "Nguyễn Thị Lan", "vay-hoa-do.png", "image/png", photo)
        .await;
    let start = Instant::now();
    loop {
        let messages = world.messages(&lan).await;
        let from_event = messages.iter().any(|m| {
            m["attachments"][0]["mime_type"] == "image/*"
                && m["attachments"][0]["url"]
                    .as_str()
                    .is_some_and(|url| url.contains("vay-hoa-do.png"))
        });
        if from_event {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{messages:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    world.clear_faults().await;
    // Words, then a sticker sent the old way (an `image`, as before June 2026), in one body
    // (as Facebook batches what comes together): the file asks for a read back whatever came
    // before it, and Facebook's copy says it is a sticker.
    world.control.unsubscribe_webhooks().await.unwrap();
    let page = world.page(0);
    let written = async |body: Value| world.control.buyer_message(page, body).await.unwrap();
    let words = written(json!({ "customer_name": "Nguyễn Thị Lan", "text": "Mẫu này nè" })).await;
    let sticker = written(
        json!({ "customer_name": "Nguyễn Thị Lan", "text": "", "sticker": "asset:like.png" }),
    )
    .await;
    let (page, person) = (world.page(0), words["customer_id"].as_str().unwrap());
    let now = chrono::Utc::now().timestamp_millis();
    let item = |mid: &Value, message: Value| {
        let mut message = message;
        message["mid"] = mid.clone();
        json!({ "sender": { "id": person }, "recipient": { "id": page }, "timestamp": now,
            "message": message })
    };
    let body = json!({ "object": "page", "entry": [{ "id": page, "time": now, "messaging": [
        item(&words["message_id"], json!({ "text": "Mẫu này nè" })),
        item(&sticker["message_id"], json!({ "attachments": [{ "type": "image",
            "payload": { "url": "https://scontent.xx.fbcdn.net/sticker.png" } }] })),
    ] }] })
    .to_string()
    .into_bytes();
    assert_eq!(post_signed(&world, &endpoint, body).await, 200);
    let start = Instant::now();
    loop {
        let messages = world.messages(&lan).await;
        let sticker = messages
            .iter()
            .any(|m| m["sticker"].is_string() && m["attachments"].is_null());
        let named = messages.iter().any(|m| {
            m["attachments"][0]["name"] == "vay-hoa-do.png"
                && m["attachments"][0]["mime_type"] == "image/png"
        });
        if sticker && named && messages.len() == 4 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{messages:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a connection that sends request after request without reading an answer, until the
/// endpoint stops taking them (its buffers, and then ours, are full); returns it unread.
async fn stop_reading(address: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    // A small window, so that the answers back up sooner.
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(address.parse().unwrap()).await.unwrap();
    let requests = "GET /webhook HTTP/1.1\r\nHost: x\r\n\r\n".repeat(100);
    let mut sent = 0;
    while tokio::time::timeout(
        Duration::from_millis(500),
        stream.write_all(requests.as_bytes()),
    )
    .await
    .is_ok()
    {
        sent += requests.len();
        assert!(sent < 32 << 20, "the endpoint took 32 MB of requests");
    }
    stream
}

/// The open files of process `pid`.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_held_open_by_a_stranger_keep_neither_facebook_nor_the_handshake_out() {
    let (world, service, endpoint) = serving("interval = \"1h\"", "request_timeout = \"3s\"").await;
    let address = endpoint
        .trim_start_matches("http://")
        .trim_end_matches("/webhook")
        .to_owned();
    let pid = service.child.id().unwrap();
    let at_rest = open_files(pid);

    // Clients that never read their answers: each is closed once an answer has waited the
    // request timeout (3 s) for them. What was sent before comes, then the end (never in time
    // when the endpoint still serves them: it waits 3 s for a next request). So are a client
    // that sent one request and left its answer unread (kept alive, idle), and a silent one.
    let mut unread = Vec::new();
    for _ in 0..10 {
        unread.push(stop_reading(&address).await);
    }
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /webhook HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    unread.push(idle);
    unread.push(tokio::net::TcpStream::connect(&address).await.unwrap());
    tokio::time::sleep(Duration::from_secs(6)).await;
    for mut stream in unread {
        let drained = tokio::time::timeout(Duration::from_secs(2), async {
            let mut answers = vec![0; 64 * 1024];
            while let Ok(1..) = stream.read(&mut answers).await {}
        })
        .await;
        assert!(
            drained.is_ok(),
            "a client that reads nothing is still served"
        );
    }
    let open = open_files(pid);
    assert!(open < at_rest + 5, "{open} files open, {at_rest} at rest");

    // A stranger keeps hundreds of connections open, half with a request whose answer they
    // never read, half silent, opening 50 more every 100 ms (staying under this test's own
    // limit of open files).
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit fills the struct it is given.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    let held = 600.min(limit.rlim_cur.saturating_sub(200) as usize);
    assert!(
        held > 300,
        "ulimit -n is {}: too few to test",
        limit.rlim_cur
    );
    let flood_address = address.clone();
    let flood = tokio::spawn(async move {
        let mut open = std::collections::VecDeque::new();
        for round in 0u64.. {
            for n in 0..50 {
                let Ok(mut stream) = tokio::net::TcpStream::connect(&flood_address).await else {
                    continue;
                };
                if (round + n) % 2 == 0 {
                    let request = "GET /webhook?hub.mode=subscribe&hub.verify_token=doan-mo&hub.challenge=1 HTTP/1.1\r\nHost: x\r\n\r\n";
                    let _ = stream.write_all(request.as_bytes()).await;
                }
                open.push_back(stream);
                if open.len() > held {
                    open.pop_front();
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut most_open = 0;
    for _ in 0..3 {
        most_open = most_open.max(open_files(pid));
        // The handshake and a signed event are answered at once all the same.
        let started = Instant::now();
        let answer = http
            .get(&endpoint)
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", VERIFY_TOKEN),
                ("hub.challenge", "1158201444"),
            ])
            .send()
            .await
            .expect("the handshake answered within 5 s");
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.text().await.unwrap(), "1158201444");
        let (_, secret) = world.emulator.app();
        let body = event(world.page(0), "0");
        let answer = http
            .post(&endpoint)
            .header("x-hub-signature-256", signature(&secret, &body))
            .body(body)
            .send()
            .await
            .expect("a signed event answered within 5 s");
        assert_eq!(answer.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(5));
        most_open = most_open.max(open_files(pid));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // A buyer's message, delivered by Facebook meanwhile, is stored.
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi", "inbox", 0)
        .await;
    wait_for_listing(&world, "Lan, by webhook", |listed| {
        find(listed, &lan).is_some()
    })
    .await;
    most_open = most_open.max(open_files(pid));
    flood.abort();
    // 256 connections at most, what `serve` had open at rest, and those closed to make room
    // whose tasks have not run yet (a burst's worth at most).
    assert!(
        most_open <= at_rest + 256 + 50,
        "{most_open} files open, {at_rest} at rest"
    );
    let log = std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap();
    assert!(
        log.contains("256 webhook connections open: the one quiet longest is closed"),
        "{log}"
    );
    assert!(!service.said("panicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unsigned_requests_leaves_the_log_small_and_sums_it_up_once_a_minute() {
    let (world, service, endpoint) = serving("interval = \"1h\"", "").await;
    let log_path = world.data_dir.join("pagedesk.log");
    let at_start = std::fs::metadata(&log_path).unwrap().len();
    // 5,000 unsigned requests, from 20 clients at once.
    let http = reqwest::Client::new();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (http, endpoint) = (http.clone(), endpoint.clone());
        clients.spawn(async move {
            for _ in 0..250 {
                let answer = http.post(&endpoint).body("{}").send().await.unwrap();
                assert_eq!(answer.status(), 403);
            }
        });
    }
    while let Some(client) = clients.join_next().await {
        client.unwrap();
    }
    let refusal = "missing or wrong X-Hub-Signature-256";
    // The first 5 logged, the rest counted.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    let grown = log.len() as u64 - at_start;
    assert!(grown < 4 * 1024, "the log grew by {grown} bytes");
    assert_eq!(log.matches(refusal).count(), 5);
    // Once the minute is over (and the summing up, every 5 s, has seen it): one line for them all.
    let start = Instant::now();
    let log = loop {
        let log = std::fs::read_to_string(&log_path).unwrap();
        if log.contains("5000 times in the last") {
            break log;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "no summary: {log}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let grown = log.len() as u64 - at_start;
    // 5 refusals logged in full and the summary: about 1 KB (each of the 5,000 logged would be
    // 600 KB).
    assert!(grown < 8 * 1024, "the log grew by {grown} bytes:\n{log}");
    assert_eq!(log.matches(refusal).count(), 5 + 1, "{log}");
    let summary = log.lines().find(|l| l.contains("5000 times")).unwrap();
    assert!(
        summary.contains("the first 5 logged") && summary.contains(refusal),
        "{summary}"
    );
    assert!(!service.said("panicked"));
}

/// A stranger filling every connection with a body sent a byte at a time does not keep
/// Facebook out: the connection whose request has waited longest makes room, and the handshake
/// and a signed event are answered at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_on_every_connection_keep_neither_facebook_nor_the_handshake_out() {
    let (world, _service, endpoint) =
        serving("interval = \"1h\"", "request_timeout = \"30s\"").await;
    let address = endpoint
        .trim_start_matches("http://")
        .trim_end_matches("/webhook")
        .to_owned();
    let mut held = Vec::new();
    for _ in 0..300 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            .await
            .unwrap();
        held.push(stream);
    }
    // At once: the stranger's connections are still being accepted meanwhile.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for _ in 0..3 {
        let answer = http
            .get(&endpoint)
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", VERIFY_TOKEN),
                ("hub.challenge", "42"),
            ])
            .send()
            .await
            .expect("the handshake answered");
        assert_eq!(answer.status(), 200);
        let body = event(world.page(0), "12345");
        let (_, secret) = world.emulator.app();
        let answer = http
            .post(&endpoint)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature(&secret, &body))
            .body(body)
            .send()
            .await
            .expect("a signed event answered");
        assert_eq!(answer.status(), 200);
    }
    drop(held);
}

/// While Facebook rate-limits a page, an event for a new buyer costs no call: its message is
/// kept and waits; once the limit is over, the next event reads the buyer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_page_is_not_read_for_events_until_the_limit_is_over() {
    let (world, _service, _) = serving("interval = \"1h\"", "poll_interval = \"1h\"").await;
    let store = world.store();
    let database = store.connection();
    let limit = |until: i64| {
        database
            .execute(
                "UPDATE page_sync SET rate_limited_until = ?2 WHERE page_id = ?1",
                rusqlite::params![world.page(0), until],
            )
            .unwrap()
    };
    assert_eq!(limit(chrono::Utc::now().timestamp() + 3600), 1);
    world.clear_requests().await;
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Áo khoác còn không?", "inbox", 0)
        .await;
    let start = Instant::now();
    loop {
        let kept = world.store().queued_people().unwrap();
        if !kept.is_empty() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "not kept");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        world.person_reads().await.is_empty(),
        "no call while limited"
    );
    limit(chrono::Utc::now().timestamp() - 1);
    world
        .buyer_writes(0, "Trần Văn Minh", "Size L nha", "inbox", 0)
        .await;
    let both = ["Áo khoác còn không?".to_owned(), "Size L nha".to_owned()];
    wait_for_texts(&world, &minh, &both, Duration::from_secs(10)).await;
}

/// Waits until Lan's messages, as `messages --json` lists them, pass `done`; fails after 20 s.
async fn wait_for_messages(
    world: &TestWorld,
    conversation: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        // Until the conversation is stored, there is nothing to list.
        let listed = world.pagedesk(&["messages", conversation, "--json"]).await;
        let messages = match listed.code {
            0 => listed.json().as_array().unwrap().clone(),
            _ => Vec::new(),
        };
        if done(&messages) {
            return messages;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {what}: {messages:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The message of `messages` with these words.
fn with_text<'a>(messages: &'a [Value], text: &str) -> &'a Value {
    messages
        .iter()
        .find(|m| m["text"] == text)
        .unwrap_or_else(|| panic!("no message {text:?}: {messages:#?}"))
}

/// Every byte pagedesk keeps in its data directory, once SQLite's log is folded in.
/// Everything the shop's data is kept in: on SQLite, every file of the data directory; on
/// PostgreSQL (whose files are the server's), the data directory's files and every column of
/// every table.
async fn kept_bytes(world: &TestWorld) -> Vec<u8> {
    if world.database_url.is_none() {
        return data_dir_bytes(world);
    }
    let mut bytes = files_bytes(&world.data_dir);
    bytes.extend(world.database_text().await.into_bytes());
    bytes
}

fn files_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn data_dir_bytes(world: &TestWorld) -> Vec<u8> {
    let database = rusqlite::Connection::open(world.data_dir.join("pagedesk.db")).unwrap();
    database
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(database);
    files_bytes(&world.data_dir)
}

/// Nguyễn Thị Lan asks a question, which comes in by webhook: her conversation and the
/// question's message id.
async fn lan_asks(world: &TestWorld) -> (String, String) {
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy hoa còn size M không?", "inbox", 0)
        .await;
    let messages = wait_for_messages(world, &lan, "Lan's question", |m| m.len() == 1).await;
    let question = messages[0]["id"].as_str().unwrap().to_owned();
    (lan, question)
}

#[tokio::test(flavor = "multi_thread")]
async fn what_a_buyer_changes_afterwards_reaches_the_inbox_and_an_unsent_message_leaves() {
    let (world, service, _) = serving("interval = \"1h\"", "").await;
    let page = world.page(0).to_owned();
    let (lan, question) = lan_asks(&world).await;
    let reply = world.pagedesk(&["reply", &lan, "Dạ còn ạ"]).await;
    assert_eq!(reply.code, 0, "{}", reply.stderr);
    // She answers the shop's reply, edits her question, loves the reply, and sends her phone
    // number by mistake, then unsends it.
    let messages = world.messages(&lan).await;
    let answer = with_text(&messages, "Dạ còn ạ")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    world
        .control
        .buyer_message(
            &page,
            json!({ "customer_name": "Nguyễn Thị Lan", "text": "Vậy lấy cho em 1 chiếc",
                    "reply_to": answer }),
        )
        .await
        .unwrap();
    world
        .control
        .edit_message(&question, "Váy hoa còn size L không?")
        .await
        .unwrap();
    world
        .control
        .react(&answer, Some(("❤", "love")))
        .await
        .unwrap();
    let mistake = world
        .control
        .buyer_message(
            &page,
            json!({ "customer_name": "Nguyễn Thị Lan", "text": "Chồng em số 0912 345 678" }),
        )
        .await
        .unwrap()["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_for_messages(&world, &lan, "the number kept", |m| {
        m.iter().any(|m| m["id"] == mistake.as_str())
    })
    .await;
    world.control.unsend_message(&mistake).await.unwrap();
    let messages = wait_for_messages(&world, &lan, "every change", |m| {
        m.iter().any(|m| m["removed"] == true)
            && m.iter().any(|m| m["edit_count"] == 1)
            && m.iter().any(|m| m["reactions"] == json!(["❤"]))
    })
    .await;
    let question = with_text(&messages, "Váy hoa còn size L không?");
    assert_eq!(question["edit_count"], 1);
    assert_eq!(with_text(&messages, "Dạ còn ạ")["reactions"], json!(["❤"]));
    let answering = with_text(&messages, "Vậy lấy cho em 1 chiếc");
    assert_eq!(answering["reply_to"]["id"], answer.as_str());
    assert_eq!(answering["reply_to"]["text"], "Dạ còn ạ");
    let removed = messages
        .iter()
        .find(|m| m["id"] == mistake.as_str())
        .unwrap();
    assert_eq!(
        (removed["removed"].clone(), removed["text"].clone()),
        (json!(true), json!(""))
    );

    // Facebook's copy, read by a poll, neither brings the words back nor undoes the edit.
    service.stops_cleanly(&world, libc::SIGTERM).await;
    world.sync().await;
    let messages = world.messages(&lan).await;
    let removed = messages
        .iter()
        .find(|m| m["id"] == mistake.as_str())
        .unwrap();
    assert_eq!(removed["text"], "");
    with_text(&messages, "Váy hoa còn size L không?");
    // Gone from search and from every file of the data directory.
    let store = world.store();
    assert!(store.search("0912", 10).unwrap().is_empty());
    assert!(!store.search("size L", 10).unwrap().is_empty());
    drop(store);
    let bytes = kept_bytes(&world).await;
    let kept = |text: &str| bytes.windows(text.len()).any(|w| w == text.as_bytes());
    assert!(kept("size L"), "the scan reads the database");
    assert!(
        !kept("345 678") && !kept("0912"),
        "the unsent number is still on disk"
    );
    // Her reaction taken off.
    let (_service, _) = serve(&world).await;
    world.control.react(&answer, None).await.unwrap();
    wait_for_messages(&world, &lan, "the reaction off", |m| {
        m.iter().all(|m| m.get("reactions").is_none())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stickers_places_templates_and_links_show_what_they_are() {
    let (world, service, _) = serving("interval = \"1h\"", "").await;
    let page = world.page(0).to_owned();
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi", "inbox", 0)
        .await;
    wait_for_messages(&world, &lan, "Lan known", |m| m.len() == 1).await;
    let write = |content: Value| {
        let mut body = json!({ "customer_name": "Nguyễn Thị Lan" });
        body.as_object_mut()
            .unwrap()
            .extend(content.as_object().unwrap().clone());
        body
    };
    for content in [
        json!({ "sticker": "https://scontent.xx.fbcdn.net/v/t39.1997-6/like.png" }),
        json!({ "shared": { "type": "location", "title": "Chợ Bến Thành",
                            "lat": 10.772_5, "long": 106.698_1 } }),
        json!({ "shared": { "type": "template", "title": "Váy hoa nhí 350k",
                            "url": "https://shop.example/vay-hoa-nhi" } }),
        json!({ "shared": { "type": "fallback", "title": "Bảng size áo",
                            "url": "https://shop.example/bang-size" } }),
    ] {
        world
            .control
            .buyer_message(&page, write(content))
            .await
            .unwrap();
    }
    let messages = wait_for_messages(&world, &lan, "four more", |m| m.len() == 5).await;
    assert_eq!(
        messages[1]["sticker"],
        "https://scontent.xx.fbcdn.net/v/t39.1997-6/like.png"
    );
    assert!(
        messages[1].get("attachments").is_none(),
        "{:#?}",
        messages[1]
    );
    let place = &messages[2]["attachments"][0];
    assert_eq!(place["kind"], "place");
    assert_eq!(place["name"], "Chợ Bến Thành");
    assert_eq!(place["place"], "10.77250, 106.69810");
    for (message, title, link) in [
        (
            &messages[3],
            "Váy hoa nhí 350k",
            "https://shop.example/vay-hoa-nhi",
        ),
        (
            &messages[4],
            "Bảng size áo",
            "https://shop.example/bang-size",
        ),
    ] {
        let link_card = &message["attachments"][0];
        assert_eq!(
            (&link_card["kind"], &link_card["name"], &link_card["url"]),
            (&json!("link"), &json!(title), &json!(link)),
            "{message:#?}"
        );
    }
    // Facebook's copy (read by a poll) lists only the words: what the events said stays.
    service.stops_cleanly(&world, libc::SIGTERM).await;
    world.sync().await;
    let again = world.messages(&lan).await;
    assert_eq!(again[2]["attachments"], messages[2]["attachments"]);
    assert_eq!(again[1]["sticker"], messages[1]["sticker"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_buyer_from_an_ad_is_shown_with_the_ad_and_counted_per_ad() {
    let (world, _service, _) = serving("interval = \"1h\"", "").await;
    let page = world.page(0).to_owned();
    // Lan opens Messenger from the ad before writing; Minh's first message carries an m.me
    // link's referral.
    world
        .control
        .referral(
            &page,
            json!({ "customer_name": "Nguyễn Thị Lan", "source": "ADS", "ad_id": "120210",
                    "ad_title": "Váy hoa nhí giảm 30%",
                    "photo_url": "https://scontent.xx.fbcdn.net/v/ad-vay.jpg",
                    "post_id": "555_777", "product_id": "8800" }),
        )
        .await
        .unwrap();
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Váy này còn không shop?", "inbox", 0)
        .await;
    let minh = world
        .control
        .buyer_message(
            &page,
            json!({ "customer_name": "Trần Văn Minh", "text": "Shop ơi",
                    "referral": { "source": "SHORTLINK", "ref": "livestream-12-12" } }),
        )
        .await
        .unwrap()["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_for_listing(&world, "both with where they came from", |listed| {
        [&lan, &minh]
            .iter()
            .all(|id| find(listed, id).is_some_and(|c| c.get("referral").is_some()))
    })
    .await;
    let listed = world.conversations(&[]).await;
    let from_ad = &find(&listed, &lan).unwrap()["referral"];
    assert_eq!(from_ad["source"], "ADS");
    assert_eq!(from_ad["ad_title"], "Váy hoa nhí giảm 30%");
    assert_eq!(
        from_ad["photo_url"],
        "https://scontent.xx.fbcdn.net/v/ad-vay.jpg"
    );
    assert_eq!(from_ad["product_id"], "8800");
    assert_eq!(
        find(&listed, &minh).unwrap()["referral"]["reference"],
        "livestream-12-12"
    );
    let stats = world.pagedesk(&["stats", "--json"]).await;
    assert_eq!(stats.code, 0, "{}", stats.stderr);
    assert_eq!(
        stats.json()["ads"],
        json!([{ "ad_id": "120210", "title": "Váy hoa nhí giảm 30%", "conversations": 1 }])
    );
    let words = world.pagedesk(&["stats"]).await.stdout;
    assert!(words.contains("Váy hoa nhí giảm 30%"), "{words}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chatbot_holding_a_conversation_is_shown_and_its_standby_messages_are_kept() {
    let (world, _service, _) = serving("interval = \"1h\"", "").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi", "inbox", 0)
        .await;
    wait_for_listing(&world, "Lan known", |listed| find(listed, &lan).is_some()).await;
    world
        .control
        .routing(&lan, Some("777000111"))
        .await
        .unwrap();
    wait_for_listing(&world, "Lan's held by another app", |listed| {
        find(listed, &lan).is_some_and(|c| c.get("held_by").is_some())
    })
    .await;
    // While the chatbot has it, her messages come as standby: kept all the same.
    world
        .buyer_writes(0, "Nguyễn Thị Lan", "Cho em gặp nhân viên", "inbox", 0)
        .await;
    wait_for_messages(&world, &lan, "the standby message", |m| m.len() == 2).await;
    let doctor = wait_for_doctor(&world, "holds the conversations with Nguyễn Thị Lan").await;
    assert!(doctor.stdout.contains("other apps"), "{}", doctor.stdout);
    // Passed back to pagedesk's app: nobody else has it.
    world.control.routing(&lan, None).await.unwrap();
    wait_for_listing(&world, "Lan's back", |listed| {
        find(listed, &lan).is_some_and(|c| c.get("held_by").is_none())
    })
    .await;
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(
        !doctor.stdout.contains("holds the conversations"),
        "{}",
        doctor.stdout
    );
}

/// "Live" is a fact of the engine that receives the webhooks: once `serve` stops and an engine
/// without them takes over, the inbox folder is polled every cycle and nobody says live.
#[tokio::test(flavor = "multi_thread")]
async fn once_serve_stops_the_engine_taking_over_polls_and_nobody_says_live() {
    let (world, service, _) = serving("interval = \"1s\"", "poll_interval = \"5m\"").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "Shop ơi", "inbox", 0)
        .await;
    wait_for_listing(&world, "Lan by webhook", |listed| {
        find(listed, &lan).is_some()
    })
    .await;
    wait_for_doctor(&world, "live: last event").await;
    service.stops_cleanly(&world, libc::SIGTERM).await;
    let polled_by_serve = world.list_calls(0, "inbox").await;
    let sync = Service::run(&world, &["sync"]);
    wait_until("the sync engine", || sync.leads()).await;
    // Its first cycle polled the inbox folder, and cycles go on.
    let start = Instant::now();
    while world.list_calls(0, "inbox").await == polled_by_serve {
        assert!(start.elapsed() < Duration::from_secs(20), "no first poll");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Webhooks go nowhere now; Minh's message comes by the next poll, not 5 minutes later.
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Áo còn không?", "inbox", 0)
        .await;
    wait_for_listing(&world, "Minh by a poll", |listed| {
        find(listed, &minh).is_some()
    })
    .await;
    let doctor = wait_for_doctor(&world, "not received now").await;
    assert!(!doctor.stdout.contains("live:"), "{}", doctor.stdout);
    sync.stops_cleanly(&world, libc::SIGINT).await;
}

/// Through `serve`: another person's edit, unsend or reaction naming a buyer's message (a body
/// Facebook signed, but not hers) changes nothing shown; her own edit still goes through.
#[tokio::test(flavor = "multi_thread")]
async fn another_persons_changes_to_a_buyers_message_change_nothing() {
    let (world, _service, endpoint) = serving("interval = \"1h\"", "").await;
    let page = world.page(0).to_owned();
    let (lan, question) = lan_asks(&world).await;
    let stranger = |item: (&str, Value)| {
        let mut item_json = json!({ "sender": { "id": "7000000000000099" },
            "recipient": { "id": page }, "timestamp": chrono::Utc::now().timestamp_millis() });
        item_json[item.0] = item.1;
        json!({ "object": "page", "entry": [{ "id": page, "time": 1, "messaging": [item_json] }] })
            .to_string()
            .into_bytes()
    };
    for body in [
        stranger((
            "message_edit",
            json!({ "mid": question, "text": "bị sửa", "num_edit": 1 }),
        )),
        stranger((
            "reaction",
            json!({ "mid": question, "action": "react", "emoji": "😠" }),
        )),
        stranger(("message", json!({ "mid": question, "is_deleted": true }))),
    ] {
        assert_eq!(post_signed(&world, &endpoint, body).await, 200);
    }
    world
        .control
        .edit_message(&question, "Váy hoa còn size L không?")
        .await
        .unwrap();
    let messages = wait_for_messages(&world, &lan, "her own edit", |m| {
        m.first().is_some_and(|m| m["edit_count"] == 1)
    })
    .await;
    assert_eq!(messages[0]["text"], "Váy hoa còn size L không?");
    assert!(messages[0].get("removed").is_none() && messages[0].get("reactions").is_none());
}

#[tokio::test]
async fn comments_come_by_the_feed_webhook_in_either_shape_and_a_removal_follows() {
    // A cycle an hour: what comes, comes by the webhook. Hà, on shift, takes new threads.
    let world = world_for_webhooks(
        "interval = \"1h\"\n[assignment]\nnew_conversations = \"round-robin\"\n\
         [[staff]]\nname = \"Hà\"\n",
        "",
    )
    .await;
    let on_shift = world
        .command(&["staff", "available"])
        .env("PAGEDESK_STAFF", "Hà")
        .output()
        .await
        .unwrap();
    assert!(on_shift.status.success());
    let post = world
        .control
        .publish(world.page(0), "Váy hoa nhí 350k", None, 600)
        .await
        .unwrap();
    let (_service, _) = serve(&world).await;
    let post_reads = || async {
        world
            .requests()
            .await
            .iter()
            .filter(|r| r["path"].as_str().unwrap().ends_with("/published_posts"))
            .count()
    };
    let reads = post_reads().await;
    let threads = || async {
        let run = world.pagedesk(&["comments", "--json"]).await;
        run.json().as_array().unwrap().clone()
    };
    let lan = world
        .control
        .buyer_comment(&post, "Nguyễn Thị Lan", "size M 0901 234 567", None, 0)
        .await
        .unwrap();
    world.control.older_feed_shape(true).await.unwrap();
    world
        .control
        .buyer_comment(&post, "Trần Văn Minh", "ib", None, 0)
        .await
        .unwrap();
    let start = Instant::now();
    let listed = loop {
        let listed = threads().await;
        if listed.len() == 2 {
            break listed;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{listed:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let names: Vec<&str> = listed
        .iter()
        .map(|t| t["customer_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Nguyễn Thị Lan") && names.contains(&"Trần Văn Minh"),
        "{names:?}"
    );
    assert_eq!(post_reads().await, reads, "no poll brought them");
    // New threads by the webhook go in turn too (given just after they are kept).
    let start = Instant::now();
    loop {
        let listed = threads().await;
        if listed.iter().all(|t| t["assignee"] == "Hà") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{listed:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let thread = listed
        .iter()
        .find(|t| t["customer_name"] == "Nguyễn Thị Lan")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    world.control.remove_comment(&lan).await.unwrap();
    wait_for_messages(&world, &thread, "Lan's comment removed", |m| {
        m.first()
            .is_some_and(|m| m["removed"] == true && m["text"] == "")
    })
    .await;
}

#[tokio::test]
async fn an_old_comment_brought_by_the_feed_webhook_keeps_its_age_and_no_private_reply_goes() {
    let world = world_for_webhooks("interval = \"1h\"", "").await;
    let eight_days = 8 * 86_400;
    let post = world
        .control
        .publish(world.page(0), "Váy hoa nhí 350k", None, eight_days + 600)
        .await
        .unwrap();
    let (_service, _) = serve(&world).await;
    world
        .control
        .buyer_comment(&post, "Nguyễn Thị Lan", "còn không shop?", None, eight_days)
        .await
        .unwrap();
    let start = Instant::now();
    let thread = loop {
        let run = world.pagedesk(&["comments", "--json"]).await;
        if let Some(thread) = run.json().as_array().unwrap().first() {
            break thread.clone();
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no thread came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let age = chrono::Utc::now()
        - chrono::DateTime::parse_from_rfc3339(thread["updated_time"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc);
    assert!(age.num_days() >= 7, "listed by its own time: {thread}");
    let id = thread["id"].as_str().unwrap();
    let run = world
        .pagedesk(&["comment", "private", id, "Dạ shop inbox chị ạ"])
        .await;
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("7 days"), "{}", run.stderr);
    let sent = world
        .requests()
        .await
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/messages"))
        .count();
    assert_eq!(sent, 0, "nothing went to Facebook");
    assert!(
        world
            .messages(id)
            .await
            .iter()
            .all(|m| m["direction"] == "in")
    );
}

/// A `feed` change for comment `id` of post `post` by Lan, as Facebook sends it.
fn feed_change(page: &str, post: &str, id: &str, verb: &str, message: &str) -> Vec<u8> {
    json!({ "object": "page", "entry": [{ "id": page, "time": 1, "changes": [{
        "field": "feed", "value": { "item": "comment", "verb": verb, "comment_id": id,
            "post_id": post, "from": { "id": "6100000000000901", "name": "Nguyễn Thị Lan" },
            "message": message, "created_time": chrono::Utc::now().timestamp() - 60 } }] }] })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn feed_events_out_of_order_never_bring_back_a_removed_comment_nor_undo_an_edit() {
    let world = world_for_webhooks("interval = \"1h\"", "").await;
    let page = world.page(0).to_owned();
    let post = format!("{page}_4242");
    let (_service, endpoint) = serve(&world).await;
    // Removed, then its creation told: it stays away, its words with it.
    for (verb, words) in [("remove", ""), ("add", "size M 0901 234 567")] {
        let change = feed_change(&page, &post, "4242_1", verb, words);
        assert!(post_signed(&world, &endpoint, change).await.is_success());
    }
    // Edited, then its creation told: the edit's words stay.
    for (verb, words) in [("edited", "size L nha"), ("add", "size M nha")] {
        let change = feed_change(&page, &post, "4242_2", verb, words);
        assert!(post_signed(&world, &endpoint, change).await.is_success());
    }
    let start = Instant::now();
    let thread = loop {
        let run = world.pagedesk(&["comments", "--json"]).await;
        if let Some(thread) = run.json().as_array().unwrap().first() {
            break thread["id"].as_str().unwrap().to_owned();
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no thread came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let messages = world.messages(&thread).await;
    let texts: Vec<&str> = messages
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["size L nha"], "{messages:?}");
    let store = world.store();
    assert!(store.search("0901", 10).unwrap().is_empty());
}

#[tokio::test]
async fn a_phone_number_added_by_editing_a_comment_is_hidden_once() {
    let world = world_for_webhooks(
        "interval = \"1h\"\n[comments]\nhide_phone_numbers = true\npublic_reply = \"Shop đã inbox ạ\"\n",
        "",
    )
    .await;
    let post = world
        .control
        .publish(world.page(0), "Váy hoa nhí 350k", None, 600)
        .await
        .unwrap();
    let (_service, _) = serve(&world).await;
    let comment = world
        .control
        .buyer_comment(&post, "Nguyễn Thị Lan", "còn size M không?", None, 0)
        .await
        .unwrap();
    let hidden = || async {
        let on_facebook = world.control.post_on_facebook(&post).await.unwrap();
        on_facebook["comments"][0]["is_hidden"] == true
    };
    let start = Instant::now();
    while world.pagedesk(&["comments", "--json"]).await.json()[0].is_null() {
        assert!(start.elapsed() < Duration::from_secs(20), "no thread came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!hidden().await);
    world
        .control
        .edit_comment(&comment, "size M nha, sđt 0912 345 678")
        .await
        .unwrap();
    // The engine of `serve` hides it within seconds.
    let start = Instant::now();
    while !hidden().await {
        assert!(start.elapsed() < Duration::from_secs(20), "never hidden");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Edited again: no second answer.
    world
        .control
        .edit_comment(&comment, "size M nha, sđt 0912 345 678 gọi giờ hành chính")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let answers = world.control.post_on_facebook(&post).await.unwrap()["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["from"].is_null())
        .count();
    assert_eq!(answers, 1);
}

/// A service stopped, its database restored from a backup, and started again: its first poll
/// finds again what the backup lacked, which is no sign that webhooks stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_restart_after_a_restore_polls_again_is_no_missed_webhook() {
    if common::on_postgres() {
        eprintln!("backup and restore are SQLite's (a team's PostgreSQL is pg_dump's): skipped");
        return;
    }
    let (world, service, endpoint) = serving("interval = \"1s\"", "poll_interval = \"2s\"").await;
    let lan = world
        .buyer_writes(0, "Nguyễn Thị Lan", "alo shop", "inbox", 0)
        .await;
    wait_for_listing(&world, "Lan", |listed| find(listed, &lan).is_some()).await;
    wait_for_doctor(&world, "webhooks        live").await;
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("copy.db");
    let backup = world.pagedesk(&["backup", file.to_str().unwrap()]).await;
    assert_eq!(backup.code, 0, "{}", backup.stderr);
    // Brought by its webhook after the backup (written half a minute ago as Facebook says).
    let minh = world
        .buyer_writes(0, "Trần Văn Minh", "Shop ơi còn hàng không?", "inbox", 30)
        .await;
    wait_for_listing(&world, "Minh", |listed| find(listed, &minh).is_some()).await;
    service.stops_cleanly(&world, libc::SIGTERM).await;
    let restored = world.pagedesk(&["restore", file.to_str().unwrap()]).await;
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    let listen = endpoint
        .trim_start_matches("http://")
        .trim_end_matches("/webhook")
        .to_owned();
    let again = Service::run(&world, &["serve", "--listen", &listen]);
    wait_for_listing(&world, "Minh again, by the first poll", |listed| {
        find(listed, &minh).is_some()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let log = std::fs::read_to_string(world.data_dir.join("pagedesk.log")).unwrap();
    assert!(!log.contains("no webhook brought"), "{log}");
    let doctor = world.pagedesk(&["doctor"]).await;
    assert!(!doctor.stdout.contains("not arriving"), "{}", doctor.stdout);
    again.stops_cleanly(&world, libc::SIGTERM).await;
}

/// An edit Facebook delivers before its message is read (a buyer still in Spam, a retry) waits
/// for the message: once stored, it shows and is searched with the edited words.
#[tokio::test]
async fn an_edit_told_before_its_message_is_stored_is_kept_for_it() {
    use common::inbox::message;
    use pagedesk::store::{Amend, KeptChange};
    let world = TestWorld::start("").await;
    let mut store = world.store_with_first_page();
    let now = chrono::Utc::now();
    let edit = KeptChange {
        page_id: world.page(0).into(),
        person_id: "psid-Lan".into(),
        at: now,
        change: Amend::Edited {
            mid: "m_1".into(),
            text: "Cho em 2 áo size L".into(),
            edit_count: 1,
        },
    };
    store.keep_events(&[], &[edit], now).unwrap();
    let written = message("m_1", world.page(0), false, "Lan", "Cho em 2 áo size M", 5);
    world.store_lans_conversation(&mut store, vec![written]);
    let stored = store.messages(&"t_lan".into()).unwrap();
    assert_eq!(stored[0].text, "Cho em 2 áo size L", "{stored:#?}");
    assert_eq!(stored[0].edit_count, 1);
    assert_eq!(store.search("size l", 10).unwrap().len(), 1);
    assert!(store.search("size m", 10).unwrap().is_empty());
}

/// A burst written within one second: events came for the first three before Facebook's read,
/// which lists all seven to the second. The chat keeps the order they were written in, not the
/// events' milliseconds ahead of Facebook's copies without them (4, 5, 6, 7, 1, 2, 3 was seen).
#[tokio::test]
async fn a_burst_of_one_second_keeps_its_order_when_events_came_for_part_of_it() {
    use common::inbox::message;
    use pagedesk::store::QueuedMessage;
    let world = TestWorld::start("").await;
    let mut store = world.store_with_first_page();
    let second = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() - 60, 0).unwrap();
    let written: Vec<_> = (1..=7)
        .map(|i| {
            let mut m = message(
                &format!("m_{i}"),
                world.page(0),
                false,
                "Lan",
                &format!("Tin số {i}"),
                0,
            );
            m.created_time = second;
            m
        })
        .collect();
    let events: Vec<QueuedMessage> = written[..3]
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut m = m.clone();
            m.created_time = second + chrono::Duration::milliseconds(100 * (i as i64 + 1));
            QueuedMessage {
                page_id: world.page(0).into(),
                person_id: "psid-Lan".into(),
                message: m,
            }
        })
        .collect();
    store.keep_events(&events, &[], chrono::Utc::now()).unwrap();
    world.store_lans_conversation(&mut store, written);
    let texts: Vec<String> = store
        .messages(&"t_lan".into())
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    let expected: Vec<String> = (1..=7).map(|i| format!("Tin số {i}")).collect();
    assert_eq!(texts, expected);
}
